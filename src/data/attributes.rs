//! Per-customer attributes supplied by the user (plan, region, seats, …), one row per customer:
//! the input contract of the churn model's own columns, read from JS objects or Arrow IPC and
//! joined to the churn features on the customer id (see `crate::churn::attributes` for the
//! encoding).

use crate::error::{Error, Result};
use rustc_hash::FxHashMap;
use serde::ser::{SerializeMap, SerializeStruct};
use serde::{Serialize, Serializer};

/// The column names of the churn feature table (`churn.features`), in column order. Attribute
/// columns are appended to these, so an attribute may not take one of these names.
pub const FEATURE_NAMES: [&str; 11] = [
    "recencyDays",
    "frequency",
    "monetary",
    "tenureDays",
    "averageOrderValue",
    "meanGapDays",
    "gapSdDays",
    "recencyToGap",
    "purchases30",
    "purchases90",
    "trend",
];

/// Per-customer columns supplied by the user, one row per customer.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CustomerAttributes {
    /// Customer keys as text (compared with the transactions' keys after trimming).
    pub customer_id: Vec<String>,
    /// Numeric columns (name, values): appended to the features unchanged.
    pub numeric: Vec<(String, Vec<f64>)>,
    /// Categorical columns (name, values; `None` = missing): one-hot encoded by the model.
    pub categorical: Vec<(String, Vec<Option<String>>)>,
}

/// The JS form, as the `attributes` option takes it: `{ customerId, numeric: { name: values },
/// categorical: { name: values } }`, columns in their order, numeric ones as typed arrays (see
/// [`crate::columns`]) and a missing category as an empty name.
impl Serialize for CustomerAttributes {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        /// Columns `(name, values)` as an object, each written by `W`.
        struct Columns<'a, T, W>(&'a [(String, T)], fn(&'a T) -> W);
        impl<'a, T, W: Serialize> Serialize for Columns<'a, T, W> {
            fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
                let mut m = s.serialize_map(Some(self.0.len()))?;
                for (name, values) in self.0 {
                    m.serialize_entry(name, &(self.1)(values))?;
                }
                m.end()
            }
        }
        /// A numeric column as a `Float64Array`.
        struct Floats<'a>(&'a [f64]);
        impl Serialize for Floats<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
                crate::columns::f64s(self.0, s)
            }
        }
        let categories = |v: &Vec<Option<String>>| -> Vec<String> {
            v.iter().map(|c| c.clone().unwrap_or_default()).collect()
        };
        let mut st = s.serialize_struct("CustomerAttributes", 3)?;
        st.serialize_field("customerId", &self.customer_id)?;
        st.serialize_field("numeric", &Columns(&self.numeric, |v| Floats(v)))?;
        st.serialize_field("categorical", &Columns(&self.categorical, categories))?;
        st.end()
    }
}

/// A categorical column of a churn feature table (`crate::churn::FeatureTable`), one value per
/// row.
#[derive(Debug, Clone, PartialEq)]
pub struct CategoricalColumn {
    /// Column name.
    pub name: String,
    /// The value of each row.
    pub values: Vec<String>,
}

impl CustomerAttributes {
    /// Checks the table: columns as long as `customer_id`, distinct names that are not feature
    /// names, distinct non-blank customer ids, finite numbers and non-blank categories. Errors
    /// name the column and the 1-based row of the attributes.
    pub fn validate(&self) -> Result<()> {
        let n = self.customer_id.len();
        let mut seen_names: Vec<&str> = FEATURE_NAMES.to_vec();
        for name in self
            .numeric
            .iter()
            .map(|c| &c.0)
            .chain(self.categorical.iter().map(|c| &c.0))
        {
            if name.trim().is_empty() || name.contains('=') || seen_names.contains(&name.as_str()) {
                return Err(Error::BadOption {
                    option: "attributes".into(),
                    message: format!("column name '{name}' is blank, contains '=' or repeats a feature or attribute name"),
                });
            }
            seen_names.push(name);
        }
        let mismatch = |column: &str, actual: usize| Error::LengthMismatch {
            column: column.into(),
            actual,
            reference: "customerId".into(),
            expected: n,
        };
        for (name, v) in &self.numeric {
            if v.len() != n {
                return Err(mismatch(name, v.len()));
            }
            if let Some(i) = v.iter().position(|x| !x.is_finite()) {
                return Err(Error::NonFinite {
                    column: name.clone(),
                    row: i + 1,
                    value: v[i],
                });
            }
        }
        for (name, v) in &self.categorical {
            if v.len() != n {
                return Err(mismatch(name, v.len()));
            }
            if let Some(i) = v
                .iter()
                .position(|x| x.as_deref().map_or(true, |s| s.trim().is_empty()))
            {
                return Err(Error::MissingValue {
                    column: name.clone(),
                    row: i + 1,
                });
            }
        }
        let mut rows: FxHashMap<&str, usize> = FxHashMap::default();
        for (i, id) in self.customer_id.iter().enumerate() {
            let t = id.trim();
            if t.is_empty() {
                return Err(Error::MissingValue {
                    column: "customerId".into(),
                    row: i + 1,
                });
            }
            if let Some(first) = rows.insert(t, i + 1) {
                return Err(Error::OutOfRange {
                    column: "customerId".into(),
                    row: i + 1,
                    message: format!("customer '{t}' appears again (first at row {first})"),
                });
            }
        }
        Ok(())
    }

    /// Row of each (trimmed) customer id.
    pub(crate) fn row_index(&self) -> FxHashMap<&str, usize> {
        self.customer_id
            .iter()
            .enumerate()
            .map(|(i, id)| (id.trim(), i))
            .collect()
    }
}
