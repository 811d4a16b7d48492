//! User-supplied customer attributes for the churn model: numeric columns appended to the
//! features as they are, and categorical columns (plan, region, channel, …) one-hot encoded.
//!
//! # Encoding rule
//!
//! The categories of a column are fitted on the **training** rows and stored in the model
//! ([`CategoryEncoding`]): ordered by descending frequency, ties by name (byte order). The first
//! (most frequent) category is the **reference level** and gets no indicator column, so the
//! indicators are not collinear with the intercept; every other category `v` of column `c` gets
//! an indicator column named `c=v` (1 when the row's value is `v`, else 0).
//!
//! A value not seen in training is encoded as all zeros — the reference level — and reported
//! ([`Unseen`]: column, 1-based row, value), never an error. A missing customer or a missing
//! value is an error naming the column and the row.
//!
//! # Reasons
//!
//! The contribution of a categorical column is the sum of the contributions of its indicator
//! columns, and its reason is named after the row's own value (`plan=basic`), so a reason reads
//! "being on plan basic raises the risk relative to the average training customer".
//!
//! ```
//! use unimetric::churn::attributes::{fit_encodings, CategoricalColumn};
//! let plan = CategoricalColumn {
//!     name: "plan".into(),
//!     values: ["pro", "basic", "basic", "team", "pro", "basic"].map(String::from).to_vec(),
//! };
//! let enc = fit_encodings(&[plan]);
//! // basic ×3 is the reference; pro ×2 before team ×1.
//! assert_eq!(enc[0].reference, "basic");
//! assert_eq!(enc[0].levels, vec!["pro", "team"]);
//! ```

use super::{ChurnModel, FeatureTable, FitOptions};
pub use crate::data::attributes::{CategoricalColumn, CustomerAttributes};
use crate::error::{Error, Result};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

/// The categories of one column, fitted on training rows (see the [module docs](self)).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase")]
pub struct CategoryEncoding {
    /// Column name.
    pub column: String,
    /// The reference level (most frequent in training): all indicators 0.
    pub reference: String,
    /// The levels with an indicator column `column=level`, in column order.
    pub levels: Vec<String>,
}

impl CategoryEncoding {
    /// The indicator column names, `column=level`.
    pub fn indicator_names(&self) -> impl Iterator<Item = String> + '_ {
        self.levels.iter().map(|l| format!("{}={l}", self.column))
    }
}

/// A value met when encoding that the training rows did not have (encoded as the reference);
/// JS `UnseenCategory`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(
    target_arch = "wasm32",
    derive(tsify::Tsify),
    tsify(missing_as_null, rename = "UnseenCategory")
)]
#[serde(rename = "UnseenCategory", rename_all = "camelCase")]
pub struct Unseen {
    /// Column name.
    pub column: String,
    /// 1-based row of the feature table.
    pub row: usize,
    /// The value.
    pub value: String,
}

/// A feature matrix after one-hot encoding; JS `EncodedFeatures`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(
    target_arch = "wasm32",
    derive(tsify::Tsify),
    tsify(missing_as_null, rename = "EncodedFeatures")
)]
#[serde(rename = "EncodedFeatures", rename_all = "camelCase")]
pub struct Encoded {
    /// Column names: the numeric columns, then the indicators of each categorical column.
    pub names: Vec<String>,
    /// Row-major values.
    #[serde(serialize_with = "crate::columns::f64s")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Float64Array"))]
    pub values: Vec<f64>,
    /// Values not seen in training (encoded as the reference level).
    #[cfg_attr(target_arch = "wasm32", tsify(type = "UnseenCategory[]"))]
    pub unseen: Vec<Unseen>,
}

/// A feature's contribution to a customer's churn log-odds (a categorical column is named
/// `column=value`); JS `ChurnReason`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase")]
pub struct ChurnReason {
    /// Feature (or `column=value`) name.
    pub feature: String,
    /// w_j · (x_j − mean_j) / sd_j, summed over a categorical column's indicators.
    pub contribution: f64,
}

/// Fits the encoding of each column: categories by descending count, ties by name; the first is
/// the reference.
pub fn fit_encodings(columns: &[CategoricalColumn]) -> Vec<CategoryEncoding> {
    columns
        .iter()
        .map(|c| {
            let mut counts: FxHashMap<&str, usize> = FxHashMap::default();
            for v in &c.values {
                *counts.entry(v.as_str()).or_insert(0) += 1;
            }
            let mut cats: Vec<(&str, usize)> = counts.into_iter().collect();
            cats.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
            let mut names = cats.into_iter().map(|(v, _)| v.to_string());
            CategoryEncoding {
                column: c.name.clone(),
                reference: names.next().unwrap_or_default(),
                levels: names.collect(),
            }
        })
        .collect()
}

/// One-hot encodes `columns` under `encodings` and appends the indicators to the numeric
/// row-major matrix `values` (`names.len()` columns). Every encoding's column must be present.
pub fn encode(
    names: &[String],
    values: &[f64],
    columns: &[CategoricalColumn],
    encodings: &[CategoryEncoding],
) -> Result<Encoded> {
    let k = names.len();
    let n = super::check_shape(values, k, names)?;
    let mut selected: Vec<&CategoricalColumn> = Vec::with_capacity(encodings.len());
    for e in encodings {
        let c =
            columns
                .iter()
                .find(|c| c.name == e.column)
                .ok_or_else(|| Error::MissingColumn {
                    column: e.column.clone(),
                    field: "categorical".into(),
                    available: crate::error::join_names(columns.iter().map(|c| c.name.clone())),
                })?;
        if c.values.len() != n {
            return Err(Error::LengthMismatch {
                column: c.name.clone(),
                actual: c.values.len(),
                reference: "feature rows".into(),
                expected: n,
            });
        }
        selected.push(c);
    }
    let extra: usize = encodings.iter().map(|e| e.levels.len()).sum();
    let width = k + extra;
    let mut out = Vec::with_capacity(n * width);
    let mut unseen = Vec::new();
    let index: Vec<FxHashMap<&str, usize>> = encodings
        .iter()
        .map(|e| {
            e.levels
                .iter()
                .enumerate()
                .map(|(i, l)| (l.as_str(), i))
                .collect()
        })
        .collect();
    for r in 0..n {
        out.extend_from_slice(values.get(r * k..(r + 1) * k).unwrap_or(&[]));
        for ((e, c), idx) in encodings.iter().zip(&selected).zip(&index) {
            let v = c.values[r].as_str();
            let start = out.len();
            out.resize(start + e.levels.len(), 0.0);
            match idx.get(v) {
                Some(&i) => out[start + i] = 1.0,
                None if v == e.reference => {}
                None => unseen.push(Unseen {
                    column: e.column.clone(),
                    row: r + 1,
                    value: v.to_string(),
                }),
            }
        }
    }
    let mut all_names = names.to_vec();
    for e in encodings {
        all_names.extend(e.indicator_names());
    }
    Ok(Encoded {
        names: all_names,
        values: out,
        unseen,
    })
}

impl FeatureTable {
    /// The table with the attributes of its customers joined on the customer id: numeric columns
    /// appended to `names`/`values`, categorical columns kept as text in `categorical`.
    ///
    /// Errors: the checks of [`CustomerAttributes::validate`]; `E_MISSING_VALUE` with column
    /// `customerId` and the 1-based row of this table when a customer of the table has no row in
    /// the attributes (attribute rows of other customers are ignored).
    pub fn with_attributes(self, attributes: &CustomerAttributes) -> Result<FeatureTable> {
        attributes.validate()?;
        self.join_attributes(attributes, &attributes.row_index())
    }

    /// [`FeatureTable::with_attributes`] for attributes already validated, with their row index
    /// ([`CustomerAttributes::row_index`]), so that several tables can share one check.
    pub(crate) fn join_attributes(
        mut self,
        attributes: &CustomerAttributes,
        rows: &FxHashMap<&str, usize>,
    ) -> Result<FeatureTable> {
        let mut at = Vec::with_capacity(self.customer_id.len());
        for (i, id) in self.customer_id.iter().enumerate() {
            match rows.get(id.as_str()) {
                Some(&r) => at.push(r),
                None => {
                    return Err(Error::MissingValue {
                        column: "customerId".into(),
                        row: i + 1,
                    })
                }
            }
        }
        let k = self.n_cols();
        let extra = attributes.numeric.len();
        let mut values = Vec::with_capacity(at.len() * (k + extra));
        for (row, &r) in self.values.chunks_exact(k.max(1)).zip(&at) {
            values.extend_from_slice(row);
            values.extend(attributes.numeric.iter().map(|(_, v)| v[r]));
        }
        self.values = values;
        self.names
            .extend(attributes.numeric.iter().map(|(n, _)| n.clone()));
        for (name, v) in &attributes.categorical {
            self.categorical.push(CategoricalColumn {
                name: name.clone(),
                values: at
                    .iter()
                    .map(|&r| v[r].as_deref().unwrap_or_default().trim().to_string())
                    .collect(),
            });
        }
        Ok(self)
    }
}

impl ChurnModel {
    /// Fits the model on a feature table (numeric columns plus one-hot encoded categorical
    /// columns, categories fitted on these rows and stored in the model).
    pub fn fit_table(table: &FeatureTable, labels: &[bool], opts: &FitOptions) -> Result<Self> {
        Self::fit_with_categories(
            &table.names,
            &table.values,
            &table.categorical,
            labels,
            opts,
        )
    }

    /// [`fit_table`](Self::fit_table) on a numeric matrix and categorical columns.
    pub fn fit_with_categories(
        names: &[String],
        values: &[f64],
        categorical: &[CategoricalColumn],
        labels: &[bool],
        opts: &FitOptions,
    ) -> Result<Self> {
        if categorical.is_empty() {
            return ChurnModel::fit(values, names, labels, opts);
        }
        let encodings = fit_encodings(categorical);
        let e = encode(names, values, categorical, &encodings)?;
        let mut model = ChurnModel::fit(&e.values, &e.names, labels, opts)?;
        model.categories = encodings;
        Ok(model)
    }

    /// Number of numeric input columns (the names before the indicator columns).
    pub fn numeric_columns(&self) -> usize {
        let extra: usize = self.categories.iter().map(|e| e.levels.len()).sum();
        self.names.len().saturating_sub(extra)
    }

    /// Encodes a numeric matrix (the model's numeric columns) and categorical columns with the
    /// model's stored categories.
    pub fn encode(&self, values: &[f64], categorical: &[CategoricalColumn]) -> Result<Encoded> {
        let k = self.numeric_columns();
        encode(&self.names[..k], values, categorical, &self.categories)
    }

    /// Churn probabilities for a feature table, and the values unseen in training (encoded as
    /// the reference level).
    pub fn predict_table(&self, table: &FeatureTable) -> Result<(Vec<f64>, Vec<Unseen>)> {
        self.check_table_names(table)?;
        let e = self.encode(&table.values, &table.categorical)?;
        Ok((self.predict(&e.values)?, e.unseen))
    }

    /// The `n` largest positive contributions per row, with the indicators of each categorical
    /// column summed into one reason named `column=value` after the row's own value.
    pub fn reasons_with_categories(
        &self,
        values: &[f64],
        categorical: &[CategoricalColumn],
        n: usize,
    ) -> Result<Vec<Vec<(String, f64)>>> {
        let e = self.encode(values, categorical)?;
        let k = self.numeric_columns();
        let width = self.names.len();
        let rows = super::check_matrix(&e.values, width, &self.names)?;
        let mut out = Vec::with_capacity(rows);
        for (r, row) in e.values.chunks_exact(width).enumerate() {
            let contribution =
                |j: usize| self.coefficients[j] * (row[j] - self.mean[j]) / self.sd[j];
            let mut items: Vec<(String, f64, usize)> = (0..k)
                .map(|j| (self.names[j].clone(), contribution(j), j))
                .collect();
            let mut j = k;
            for enc in &self.categories {
                let total: f64 = (j..j + enc.levels.len()).map(contribution).sum();
                let value = categorical
                    .iter()
                    .find(|c| c.name == enc.column)
                    .and_then(|c| c.values.get(r))
                    .cloned()
                    .unwrap_or_default();
                items.push((format!("{}={value}", enc.column), total, j));
                j += enc.levels.len();
            }
            out.push(super::top_reasons(items, n));
        }
        Ok(out)
    }

    /// The matrix the model scores for numeric columns `names`/`values` and categorical
    /// columns: the numeric columns must be the model's (`E_BAD_OPTION` on `features.names`),
    /// then the categorical columns are one-hot encoded with the stored categories. Without
    /// categories the matrix is returned as given.
    pub fn encode_named(
        &self,
        names: &[String],
        values: Vec<f64>,
        categorical: &[CategoricalColumn],
    ) -> Result<Encoded> {
        self.check_names(names)?;
        if self.categories.is_empty() {
            return Ok(Encoded {
                names: self.names.clone(),
                values,
                unseen: Vec::new(),
            });
        }
        self.encode(&values, categorical)
    }

    /// [`encode_named`](Self::encode_named) with the checks scoring makes (whole rows, finite
    /// values within ±1e150, at least one row).
    pub fn encode_checked(
        &self,
        names: &[String],
        values: Vec<f64>,
        categorical: &[CategoricalColumn],
    ) -> Result<Encoded> {
        let e = self.encode_named(names, values, categorical)?;
        super::check_matrix(&e.values, e.names.len(), &e.names)?;
        Ok(e)
    }

    /// Churn probabilities for named numeric columns and categorical columns, as
    /// `{ values, definition }` (values unseen in training score as the reference level).
    pub fn predict_named(
        &self,
        names: &[String],
        values: Vec<f64>,
        categorical: &[CategoricalColumn],
    ) -> Result<crate::columns::Values> {
        let e = self.encode_named(names, values, categorical)?;
        Ok(crate::columns::Values::new(
            self.predict(&e.values)?,
            self.definition(),
        ))
    }

    /// [`reasons_with_categories`](Self::reasons_with_categories) for named numeric columns,
    /// with `n` defaulting to [`super::REASONS`] (3) and checked against its range.
    pub fn reasons_named(
        &self,
        names: &[String],
        values: &[f64],
        categorical: &[CategoricalColumn],
        n: Option<f64>,
    ) -> Result<Vec<Vec<ChurnReason>>> {
        let n =
            super::REASONS.check_count(n.unwrap_or(const { super::REASONS.default_number() }))?;
        self.check_names(names)?;
        Ok(self
            .reasons_with_categories(values, categorical, n)?
            .into_iter()
            .map(|row| {
                row.into_iter()
                    .map(|(feature, contribution)| ChurnReason {
                        feature,
                        contribution,
                    })
                    .collect()
            })
            .collect())
    }

    /// The numeric column names must be the model's.
    fn check_names(&self, names: &[String]) -> Result<()> {
        let k = self.numeric_columns();
        if names[..] != self.names[..k] {
            return Err(Error::BadOption {
                option: "features.names".into(),
                message: format!(
                    "the model was fitted on columns [{}] but got [{}]",
                    self.names[..k].join(", "),
                    names.join(", ")
                ),
            });
        }
        Ok(())
    }

    /// The numeric columns of `table` must be the model's.
    fn check_table_names(&self, table: &FeatureTable) -> Result<()> {
        self.check_names(&table.names)
    }

    /// Checks the stored categories of a model read from JSON: indicator names match the
    /// trailing column names.
    pub(crate) fn validate_categories(&self) -> Result<()> {
        let k = self.numeric_columns();
        let expected: Vec<String> = self
            .categories
            .iter()
            .flat_map(|e| e.indicator_names().collect::<Vec<_>>())
            .collect();
        if k == 0 || self.names[k..] != expected[..] {
            return Err(Error::BadOption {
                option: "categories".into(),
                message: "the stored categories do not match the indicator columns of names".into(),
            });
        }
        Ok(())
    }
}
