//! Churn features, the churn model and its evaluation for JS.

use super::convert::{
    check_keys, date_option, ensure_fits, f64_column, get, id_column, js, object_keys, to_js,
    to_js_error, type_name, JsResult, OwnedCell,
};
use super::transactions::Transactions;
use crate::churn::attributes::{CategoricalColumn, CustomerAttributes};
use crate::churn::{FeatureOptions, FitOptions};
use crate::error::Error;
use js_sys::{Array, Float64Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_CHURN: &'static str = r#"
/** Options of `churnFeatures()`. */
export interface ChurnFeatureOptions {
  /** Features use transactions on or before this day (its UTC day counts as history). */
  cutoff: DateInput;
  /** Churned = no purchase in the horizonDays after the cutoff day. Default 90. */
  horizonDays?: number;
  /** Your own per-customer columns, joined on the customer id. */
  attributes?: CustomerAttributesInput;
}

/**
 * Per-customer columns supplied by you, one row per customer. Numeric columns are appended to
 * the features; categorical columns are one-hot encoded by `fitChurn()` with the categories of
 * the training rows (by descending count, ties by name; the most frequent is the reference level
 * with no indicator column). Every customer of the feature table needs a row
 * (E_MISSING_VALUE, column "customerId", row of the feature table); missing values are errors
 * naming the column and row.
 */
export interface CustomerAttributesInput {
  customerId: Uint32Array | ReadonlyArray<string | number>;
  numeric?: Record<string, Float64Array | ReadonlyArray<number>>;
  categorical?: Record<string, ReadonlyArray<string | null>>;
}

/** Features at a cutoff; `values` is row-major, `customerId.length × names.length`. */
export interface ChurnFeatureTable {
  customerId: string[];
  names: string[];
  values: Float64Array;
  /** Categorical attribute columns, one value per row (empty without attributes). */
  categorical: Record<string, string[]>;
  nCols: number;
  /** 1 = churned; null when the transactions do not reach cutoff + horizonDays. */
  labels: Uint8Array | null;
  /** Share of churners (churn.rate), when labels exist. */
  churnRate: number | null;
  cutoff: number;
  horizonDays: number;
  definition: DefinitionRef;
}

/** A feature matrix for `fitChurn()`/`predict()`: row-major values with named columns. */
export interface FeatureMatrix {
  names: ReadonlyArray<string>;
  values: Float64Array | ReadonlyArray<number>;
  /** Categorical columns, one value per row, one-hot encoded by the model. */
  categorical?: Record<string, ReadonlyArray<string>>;
}

/** The categories of one column, fitted on the training rows. */
export interface CategoryEncoding {
  column: string;
  /** Most frequent training category: all indicators 0 (also used for unseen values). */
  reference: string;
  /** Categories with an indicator column named `column=level`, in column order. */
  levels: string[];
}

/** A categorical value the training rows did not have: encoded as the reference level. */
export interface UnseenCategory {
  column: string;
  /** 1-based row of the feature matrix. */
  row: number;
  value: string;
}

/** A feature matrix after one-hot encoding (`model.encode()`). */
export interface EncodedFeatures {
  names: string[];
  values: Float64Array;
  unseen: UnseenCategory[];
}

/** Options of `fitChurn()`. */
export interface ChurnFitOptions {
  /** L2 strength in linfa's convention (loss = Σ log-loss + α/2·‖w‖²); scikit-learn's C = 1/α. Default 1. */
  alpha?: number;
  /** Default 100. */
  maxIterations?: number;
  /** Default 1e-4 (on the gradient of the mean loss). */
  gradientTolerance?: number;
  /** Weight of each class's rows in the loss: "balanced" (n ÷ (2 · class rows), scikit-learn's rule) or explicit weights. Default: both 1. */
  classWeights?: "balanced" | { churned: number; retained: number };
}

/** The JSON form of a churn model (`model.toJSON()`, `ChurnModel.fromJSON()`). */
export interface ChurnModelJson {
  metric: "churn.propensity";
  version: string;
  names: string[];
  mean: number[];
  sd: number[];
  coefficients: number[];
  intercept: number;
  alpha: number;
  trainingRows: number;
  trainingChurnRate: number;
  classWeights: { kind: "none" } | { kind: "balanced" } | { kind: "explicit"; churned: number; retained: number };
  iterations: number;
  converged: boolean;
  /** Present when the model has categorical columns; their indicators are the last names. */
  categories?: CategoryEncoding[];
}

/** The JSON form of a 1 − P(alive) churn scorer (`AliveChurnModel`). */
export interface AliveChurnModelJson {
  metric: "churn.alive";
  version: string;
  bgnbd: object;
}

/** A feature's contribution to a customer's churn log-odds (a categorical column is named `column=value`). */
export interface ChurnReason {
  feature: string;
  contribution: number;
}

export interface CalibrationBin {
  lower: number;
  upper: number;
  count: number;
  meanPredicted: number | null;
  observedRate: number | null;
}

export interface LiftDecile {
  decile: number;
  customers: number;
  churners: number;
  rate: number;
  lift: number;
}

/** Scores evaluated against labels (churn.evaluation). */
export interface ChurnEvaluation {
  customers: number;
  churnRate: number;
  auc: number;
  logLoss: number;
  brier: number;
  calibration: CalibrationBin[];
  lift: LiftDecile[];
}

/** Options of `evaluateChurn()`. */
export interface ChurnSplitOptions extends ChurnFitOptions {
  trainCutoff: DateInput;
  testCutoff: DateInput;
  /** Default 90. */
  horizonDays?: number;
  /** Your own per-customer columns, joined to both cutoffs' features. */
  attributes?: CustomerAttributesInput;
  /** Also score 1 − P(alive) from BG/NBD fitted on the training features (churn.alive). Default false. */
  alive?: boolean;
}

/** Time-split evaluation: the model and the recency-only baseline scored on the test cutoff. */
export interface ChurnSplitEvaluation {
  model: ChurnEvaluation;
  baseline: ChurnEvaluation;
  /** 1 − P(alive) scored the same way; null unless `alive: true`. */
  alive: ChurnEvaluation | null;
  /** Test customers with no repeat purchase (P(alive) = 1 by construction); null unless `alive: true`. */
  aliveNoRepeatPurchase: number | null;
  /** Test values of categorical attributes not seen in training (scored as the reference level). */
  unseenCategories: UnseenCategory[];
  trainingCustomers: number;
  testCustomers: number;
  definition: DefinitionRef;
}
"#;

fn options_object(
    value: &JsValue,
    function: &str,
    known: &[&str],
    required: bool,
) -> crate::Result<bool> {
    match super::convert::options_object(value, function, known)? {
        Some(_) => Ok(true),
        None if required => Err(Error::BadOption {
            option: "options".into(),
            message: format!("{function} needs an options object ({})", known.join(", ")),
        }),
        None => Ok(false),
    }
}

fn number_option(
    value: &JsValue,
    key: &str,
    default: f64,
    valid: impl Fn(f64) -> bool,
    what: &str,
) -> crate::Result<f64> {
    let v = get(value, key);
    if v.is_undefined() || v.is_null() {
        return Ok(default);
    }
    match v.as_f64() {
        Some(x) if valid(x) => Ok(x),
        _ => Err(Error::BadOption {
            option: key.into(),
            message: format!(
                "expected {what}, found {}",
                v.as_f64()
                    .map_or_else(|| type_name(&v).to_string(), |x| x.to_string())
            ),
        }),
    }
}

fn horizon(value: &JsValue) -> crate::Result<u32> {
    number_option(
        value,
        "horizonDays",
        90.0,
        |x| x.fract() == 0.0 && (1.0..=3650.0).contains(&x),
        "a whole number of days from 1 to 3650",
    )
    .map(|x| x as u32)
}

fn required_date(value: &JsValue, key: &str) -> crate::Result<i64> {
    date_option(&get(value, key), key)?.ok_or_else(|| Error::BadOption {
        option: key.into(),
        message: "is required (a date: epoch ms, ISO-8601 text or Date)".into(),
    })
}

fn class_weights(value: &JsValue) -> crate::Result<crate::churn::ClassWeights> {
    let v = get(value, "classWeights");
    if v.is_undefined() || v.is_null() {
        return Ok(crate::churn::ClassWeights::None);
    }
    if v.as_string().as_deref() == Some("balanced") {
        return Ok(crate::churn::ClassWeights::Balanced);
    }
    if v.is_object() && !Array::is_array(&v) {
        check_keys(&v, "classWeights", &["churned", "retained"])?;
        let w = |k: &str| get(&v, k).as_f64().filter(|x| x.is_finite() && *x > 0.0);
        if let (Some(churned), Some(retained)) = (w("churned"), w("retained")) {
            return Ok(crate::churn::ClassWeights::Explicit { churned, retained });
        }
    }
    Err(Error::BadOption {
        option: "classWeights".into(),
        message: "expected \"balanced\" or { churned, retained } with positive numbers".into(),
    })
}

fn fit_options(value: &JsValue) -> crate::Result<FitOptions> {
    let d = FitOptions::default();
    Ok(FitOptions {
        class_weights: class_weights(value)?,
        alpha: number_option(
            value,
            "alpha",
            d.alpha,
            |x| x.is_finite() && x >= 0.0,
            "a number ≥ 0",
        )?,
        max_iterations: number_option(
            value,
            "maxIterations",
            d.max_iterations as f64,
            |x| x.fract() == 0.0 && (1.0..=100_000.0).contains(&x),
            "a whole number from 1 to 100000",
        )? as u32,
        gradient_tolerance: number_option(
            value,
            "gradientTolerance",
            d.gradient_tolerance,
            |x| x.is_finite() && x > 0.0,
            "a positive number",
        )?,
    })
}

fn set(o: &Object, k: &str, v: &JsValue) {
    let _ = Reflect::set(o, &JsValue::from_str(k), v);
}

fn strings(v: &[String]) -> JsValue {
    v.iter()
        .map(|s| JsValue::from_str(s))
        .collect::<Array>()
        .into()
}

fn matrix(value: &JsValue, expected: Option<&[String]>) -> crate::Result<(Vec<String>, Vec<f64>)> {
    if !value.is_object() || Array::is_array(value) {
        return Err(Error::BadType {
            column: "features".into(),
            row: 0,
            expected: "{ names, values } (a row-major matrix with named columns)".into(),
            found: type_name(value).into(),
        });
    }
    let names_v = get(value, "names");
    if !Array::is_array(&names_v) {
        return Err(Error::BadType {
            column: "features.names".into(),
            row: 0,
            expected: "an array of column names".into(),
            found: type_name(&names_v).into(),
        });
    }
    let arr: &Array = names_v.unchecked_ref();
    let names: Vec<String> = arr
        .iter()
        .map(|v| v.as_string().unwrap_or_default())
        .collect();
    if let Some(exp) = expected {
        if names != exp {
            return Err(Error::BadOption {
                option: "features.names".into(),
                message: format!(
                    "the model was fitted on columns [{}] but got [{}]",
                    exp.join(", "),
                    names.join(", ")
                ),
            });
        }
    }
    let values = f64_column(&get(value, "values"), "features.values")?;
    Ok((names, values))
}

/// Reads a `Record<string, string[]>` of categorical columns (`None` when absent).
fn categorical_columns(value: &JsValue, option: &str) -> crate::Result<Vec<CategoricalColumn>> {
    let v = get(value, "categorical");
    if v.is_undefined() || v.is_null() {
        return Ok(Vec::new());
    }
    if !v.is_object() || Array::is_array(&v) {
        return Err(Error::BadType {
            column: option.into(),
            row: 0,
            expected: "an object of columns { name: string[] }".into(),
            found: type_name(&v).into(),
        });
    }
    let mut out = Vec::new();
    for name in object_keys(&v) {
        let col = get(&v, &name);
        if !Array::is_array(&col) {
            return Err(Error::BadType {
                column: name,
                row: 0,
                expected: "an array of category names".into(),
                found: type_name(&col).into(),
            });
        }
        let arr: &Array = col.unchecked_ref();
        let mut values = Vec::with_capacity(arr.length() as usize);
        for (i, x) in arr.iter().enumerate() {
            match OwnedCell::from_js(&x) {
                OwnedCell::Text(s) if !s.trim().is_empty() => values.push(s.trim().to_string()),
                OwnedCell::Number(n) if n.is_finite() => values.push(n.to_string()),
                OwnedCell::Missing | OwnedCell::Text(_) => {
                    return Err(Error::MissingValue {
                        column: name,
                        row: i + 1,
                    })
                }
                _ => {
                    return Err(Error::BadType {
                        column: name,
                        row: i + 1,
                        expected: "a category name".into(),
                        found: type_name(&x).into(),
                    })
                }
            }
        }
        out.push(CategoricalColumn { name, values });
    }
    Ok(out)
}

/// Reads `{ customerId, numeric?, categorical? }`.
fn attributes(value: &JsValue) -> crate::Result<Option<CustomerAttributes>> {
    let a = get(value, "attributes");
    if a.is_undefined() || a.is_null() {
        return Ok(None);
    }
    if !a.is_object() || Array::is_array(&a) {
        return Err(Error::BadOption {
            option: "attributes".into(),
            message: format!(
                "expected {{ customerId, numeric?, categorical? }}, found {}",
                type_name(&a)
            ),
        });
    }
    check_keys(&a, "attributes", &["customerId", "numeric", "categorical"])?;
    let customer_id = id_column(&get(&a, "customerId"), "customerId")?.into_text();
    let mut numeric = Vec::new();
    let nv = get(&a, "numeric");
    if !(nv.is_undefined() || nv.is_null()) {
        if !nv.is_object() || Array::is_array(&nv) {
            return Err(Error::BadOption {
                option: "attributes.numeric".into(),
                message: "expected an object of columns { name: number[] }".into(),
            });
        }
        for name in object_keys(&nv) {
            let v = f64_column(&get(&nv, &name), &name)?;
            numeric.push((name, v));
        }
    }
    let categorical = categorical_columns(&a, "attributes.categorical")?
        .into_iter()
        .map(|c| (c.name, c.values.into_iter().map(Some).collect()))
        .collect();
    Ok(Some(CustomerAttributes {
        customer_id,
        numeric,
        categorical,
    }))
}

fn labels(value: &JsValue) -> crate::Result<Vec<bool>> {
    if let Some(u) = value.dyn_ref::<Uint8Array>() {
        ensure_fits("labels", u.length() as usize, 2)?;
        return u
            .to_vec()
            .into_iter()
            .enumerate()
            .map(|(i, x)| match x {
                0 => Ok(false),
                1 => Ok(true),
                _ => Err(Error::OutOfRange {
                    column: "labels".into(),
                    row: i + 1,
                    message: format!("{x} is not 0 or 1"),
                }),
            })
            .collect();
    }
    if Array::is_array(value) {
        let arr: &Array = value.unchecked_ref();
        return arr
            .iter()
            .enumerate()
            .map(|(i, v)| {
                if let Some(b) = v.as_bool() {
                    Ok(b)
                } else {
                    match v.as_f64() {
                        Some(0.0) => Ok(false),
                        Some(1.0) => Ok(true),
                        _ => Err(Error::OutOfRange {
                            column: "labels".into(),
                            row: i + 1,
                            message: format!("{} is not 0, 1, true or false", type_name(&v)),
                        }),
                    }
                }
            })
            .collect();
    }
    Err(Error::BadType {
        column: "labels".into(),
        row: 0,
        expected: "a Uint8Array or an array of 0/1 or booleans".into(),
        found: type_name(value).into(),
    })
}

/// Churn features (and labels when observable) of the customers active at a cutoff.
#[wasm_bindgen(js_name = churnFeatures, unchecked_return_type = "ChurnFeatureTable")]
pub fn churn_features(
    tx: &Transactions,
    #[wasm_bindgen(unchecked_param_type = "ChurnFeatureOptions")] options: &JsValue,
) -> JsResult<JsValue> {
    let opts = js((|| {
        options_object(
            options,
            "churnFeatures",
            &["cutoff", "horizonDays", "attributes"],
            true,
        )?;
        Ok::<_, Error>((
            FeatureOptions {
                cutoff: required_date(options, "cutoff")?,
                horizon_days: horizon(options)?,
            },
            attributes(options)?,
        ))
    })())?;
    let t = js(crate::churn::churn_features(tx.core(), &opts.0))?;
    let t = match &opts.1 {
        Some(a) => js(t.with_attributes(a))?,
        None => t,
    };
    let o = Object::new();
    set(&o, "customerId", &strings(&t.customer_id));
    set(&o, "names", &strings(&t.names));
    set(&o, "values", &Float64Array::from(&t.values[..]).into());
    let cat = Object::new();
    for c in &t.categorical {
        set(&cat, &c.name, &strings(&c.values));
    }
    set(&o, "categorical", &cat.into());
    set(&o, "nCols", &JsValue::from_f64(t.n_cols() as f64));
    let lab = t.labels.as_ref().map_or(JsValue::NULL, |l| {
        Uint8Array::from(&l.iter().map(|&b| u8::from(b)).collect::<Vec<u8>>()[..]).into()
    });
    set(&o, "labels", &lab);
    set(
        &o,
        "churnRate",
        &t.churn_rate().map_or(JsValue::NULL, JsValue::from_f64),
    );
    set(&o, "cutoff", &JsValue::from_f64(t.cutoff as f64));
    set(&o, "horizonDays", &JsValue::from_f64(t.horizon_days as f64));
    let def = crate::glossary::DefinitionRef::new(&crate::churn::FEATURES)
        .with(
            "cutoff",
            crate::glossary::ParamValue::Number(t.cutoff as f64),
        )
        .with(
            "horizonDays",
            crate::glossary::ParamValue::Number(t.horizon_days as f64),
        );
    set(&o, "definition", &to_js(&def));
    Ok(o.into())
}

/// A fitted churn model (`churn.propensity`).
#[wasm_bindgen]
pub struct ChurnModel {
    inner: crate::churn::ChurnModel,
}

impl ChurnModel {
    fn numeric_and_categorical(
        &self,
        features: &JsValue,
    ) -> crate::Result<(Vec<f64>, Vec<CategoricalColumn>)> {
        let k = self.inner.numeric_columns();
        let (_, values) = matrix(features, Some(&self.inner.names[..k]))?;
        Ok((
            values,
            categorical_columns(features, "features.categorical")?,
        ))
    }

    fn encoded(&self, features: &JsValue) -> crate::Result<crate::churn::attributes::Encoded> {
        let (values, categorical) = self.numeric_and_categorical(features)?;
        let encoded = if self.inner.categories.is_empty() {
            crate::churn::attributes::Encoded {
                names: self.inner.names.clone(),
                values,
                unseen: Vec::new(),
            }
        } else {
            self.inner.encode(&values, &categorical)?
        };
        Ok(encoded)
    }
}

/// Fits a churn model on a feature matrix and 0/1 labels.
#[wasm_bindgen(js_name = fitChurn)]
pub fn fit_churn(
    #[wasm_bindgen(unchecked_param_type = "FeatureMatrix")] features: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "Uint8Array | ReadonlyArray<number | boolean>")]
    labels_value: &JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "ChurnFitOptions")] options: &JsValue,
) -> JsResult<ChurnModel> {
    let inner = js((|| {
        let explicit = options_object(
            options,
            "fitChurn",
            &[
                "alpha",
                "maxIterations",
                "gradientTolerance",
                "classWeights",
            ],
            false,
        )?;
        let fit = if explicit {
            fit_options(options)?
        } else {
            FitOptions::default()
        };
        let (names, values) = matrix(features, None)?;
        let categorical = categorical_columns(features, "features.categorical")?;
        let y = labels(labels_value)?;
        crate::churn::ChurnModel::fit_with_categories(&names, &values, &categorical, &y, &fit)
    })())?;
    Ok(ChurnModel { inner })
}

#[wasm_bindgen]
impl ChurnModel {
    /// Churn probabilities for a matrix with the model's columns (categorical values unseen in
    /// training score as the reference level; `encode()` lists them).
    pub fn predict(
        &self,
        #[wasm_bindgen(unchecked_param_type = "FeatureMatrix")] features: &JsValue,
    ) -> JsResult<Float64Array> {
        let e = js(self.encoded(features))?;
        js(self.inner.predict(&e.values)).map(|p| Float64Array::from(&p[..]))
    }

    /// The matrix the model scores: numeric columns, then the one-hot indicators of each
    /// categorical column, and the values unseen in training (encoded as the reference level).
    #[wasm_bindgen(unchecked_return_type = "EncodedFeatures")]
    pub fn encode(
        &self,
        #[wasm_bindgen(unchecked_param_type = "FeatureMatrix")] features: &JsValue,
    ) -> JsResult<JsValue> {
        let e = js(self.encoded(features))?;
        // The checks scoring makes (whole rows, finite values within ±1e150, at least one
        // row), which `predict` leaves to the model's own scoring pass.
        js(crate::churn::check_matrix(
            &e.values,
            e.names.len(),
            &e.names,
        ))?;
        let o = Object::new();
        set(&o, "names", &strings(&e.names));
        set(&o, "values", &Float64Array::from(&e.values[..]).into());
        set(&o, "unseen", &to_js(&e.unseen));
        Ok(o.into())
    }

    /// Categories fitted on the training rows, per categorical column.
    #[wasm_bindgen(getter, unchecked_return_type = "CategoryEncoding[]")]
    pub fn categories(&self) -> JsValue {
        to_js(&self.inner.categories)
    }

    /// For each row, the (up to) `n` features that raise its churn log-odds the most.
    #[wasm_bindgen(unchecked_return_type = "ChurnReason[][]")]
    pub fn reasons(
        &self,
        #[wasm_bindgen(unchecked_param_type = "FeatureMatrix")] features: &JsValue,
        n: Option<f64>,
    ) -> JsResult<JsValue> {
        let n = match n {
            None => 3,
            Some(n) if n.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&n) => n as usize,
            Some(n) => {
                return Err(to_js_error(Error::BadOption {
                    option: "n".into(),
                    message: format!("expected a whole number of reasons ≥ 0, found {n}"),
                }))
            }
        };
        let (values, categorical) = js(self.numeric_and_categorical(features))?;
        let rows = js(self.inner.reasons_with_categories(&values, &categorical, n))?;
        let out = Array::new();
        for row in rows {
            let r = Array::new();
            for (name, c) in row {
                let o = Object::new();
                set(&o, "feature", &JsValue::from_str(&name));
                set(&o, "contribution", &JsValue::from_f64(c));
                r.push(&o);
            }
            out.push(&r);
        }
        Ok(out.into())
    }

    /// Feature names, in column order.
    #[wasm_bindgen(getter, unchecked_return_type = "string[]")]
    pub fn names(&self) -> JsValue {
        strings(&self.inner.names)
    }

    /// Coefficients on standardised features.
    #[wasm_bindgen(getter)]
    pub fn coefficients(&self) -> Float64Array {
        Float64Array::from(&self.inner.coefficients[..])
    }

    /// Intercept.
    #[wasm_bindgen(getter)]
    pub fn intercept(&self) -> f64 {
        self.inner.intercept
    }

    /// Odds ratio per standard deviation of each feature, by name.
    #[wasm_bindgen(getter, js_name = oddsRatios, unchecked_return_type = "Record<string, number>")]
    pub fn odds_ratios(&self) -> JsValue {
        let o = Object::new();
        for (name, r) in self.inner.names.iter().zip(self.inner.odds_ratios()) {
            set(&o, name, &JsValue::from_f64(r));
        }
        o.into()
    }

    /// The definition reference of the model's scores.
    #[wasm_bindgen(getter, unchecked_return_type = "DefinitionRef")]
    pub fn definition(&self) -> JsValue {
        to_js(&self.inner.definition())
    }

    /// The model as plain JSON data.
    #[wasm_bindgen(js_name = toJSON, unchecked_return_type = "ChurnModelJson")]
    pub fn to_json(&self) -> JsValue {
        to_js(&self.inner)
    }

    /// A model from its JSON form (validated).
    #[wasm_bindgen(js_name = fromJSON)]
    pub fn from_json(
        #[wasm_bindgen(unchecked_param_type = "ChurnModelJson")] value: &JsValue,
    ) -> JsResult<ChurnModel> {
        if value.is_object() && !Array::is_array(value) {
            js(check_keys(
                value,
                "ChurnModel.fromJSON",
                &[
                    "metric",
                    "version",
                    "names",
                    "mean",
                    "sd",
                    "coefficients",
                    "intercept",
                    "alpha",
                    "trainingRows",
                    "trainingChurnRate",
                    "classWeights",
                    "iterations",
                    "converged",
                    "categories",
                ],
            ))?;
        }
        let inner: crate::churn::ChurnModel = serde_wasm_bindgen::from_value(value.clone())
            .map_err(|e| {
                super::convert::to_js_error(Error::BadOption {
                    option: "model".into(),
                    message: format!("not a churn model: {e}"),
                })
            })?;
        js(inner.validate())?;
        Ok(ChurnModel { inner })
    }
}

/// Evaluates probabilities against 0/1 labels (AUC, log-loss, Brier, calibration, lift).
#[wasm_bindgen(js_name = evaluateScores, unchecked_return_type = "ChurnEvaluation")]
pub fn evaluate_scores(
    #[wasm_bindgen(unchecked_param_type = "Float64Array | ReadonlyArray<number>")] scores: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "Uint8Array | ReadonlyArray<number | boolean>")]
    labels_value: &JsValue,
) -> JsResult<JsValue> {
    let p = js(f64_column(scores, "scores"))?;
    let y = js(labels(labels_value))?;
    js(crate::churn::evaluate(&p, &y)).map(|e| to_js(&e))
}

/// Time-split evaluation: fit at `trainCutoff`, score the model and the recency-only baseline at
/// `testCutoff`.
#[wasm_bindgen(js_name = evaluateChurn, unchecked_return_type = "ChurnSplitEvaluation")]
pub fn evaluate_churn(
    tx: &Transactions,
    #[wasm_bindgen(unchecked_param_type = "ChurnSplitOptions")] options: &JsValue,
) -> JsResult<JsValue> {
    let (_, e) = js((|| {
        options_object(
            options,
            "evaluateChurn",
            &[
                "trainCutoff",
                "testCutoff",
                "horizonDays",
                "alpha",
                "maxIterations",
                "gradientTolerance",
                "classWeights",
                "attributes",
                "alive",
            ],
            true,
        )?;
        let alive = get(options, "alive");
        let alive = match alive.as_bool() {
            Some(b) => b,
            None if alive.is_undefined() || alive.is_null() => false,
            None => {
                return Err(Error::BadOption {
                    option: "alive".into(),
                    message: format!("expected true or false, found {}", type_name(&alive)),
                })
            }
        };
        let attrs = attributes(options)?;
        crate::churn::evaluate_time_split(
            tx.core(),
            &crate::churn::SplitOptions {
                train_cutoff: required_date(options, "trainCutoff")?,
                test_cutoff: required_date(options, "testCutoff")?,
                horizon_days: horizon(options)?,
                fit: fit_options(options)?,
                attributes: attrs.as_ref(),
                alive,
            },
        )
    })())?;
    Ok(to_js(&e))
}

/// A churn scorer from a daily BG/NBD model: scores are 1 − P(alive) (`churn.alive`).
#[wasm_bindgen]
pub struct AliveChurnModel {
    inner: crate::churn::alive::AliveChurnModel,
}

/// Fits BG/NBD on the customers of a churn feature table (frequency, recencyDays, tenureDays, in
/// days) and returns a scorer with the churn model's interface: `predict(features)` gives
/// 1 − P(alive).
#[wasm_bindgen(js_name = fitAliveChurn)]
pub fn fit_alive_churn(
    #[wasm_bindgen(unchecked_param_type = "FeatureMatrix")] features: &JsValue,
) -> JsResult<AliveChurnModel> {
    let inner = js((|| {
        let (names, values) = matrix(features, None)?;
        let table = crate::churn::FeatureTable {
            customer_id: Vec::new(),
            names,
            values,
            categorical: Vec::new(),
            labels: None,
            cutoff: 0,
            horizon_days: 1,
        };
        crate::churn::alive::AliveChurnModel::fit(&table, &Default::default())
    })())?;
    Ok(AliveChurnModel { inner })
}

#[wasm_bindgen]
impl AliveChurnModel {
    /// A scorer from a BG/NBD model fitted on a daily summary (`E_BAD_OPTION` otherwise).
    #[wasm_bindgen(js_name = fromBgNbd)]
    pub fn from_bg_nbd(model: &super::ltv::BgNbdModel) -> JsResult<AliveChurnModel> {
        js(crate::churn::alive::AliveChurnModel::from_bgnbd(
            model.core().clone(),
        ))
        .map(|inner| AliveChurnModel { inner })
    }

    /// Churn scores 1 − P(alive) for a matrix with the churn feature columns. Customers without
    /// a repeat purchase score 0 (P(alive) = 1 by construction): see `noRepeatPurchase()`.
    pub fn predict(
        &self,
        #[wasm_bindgen(unchecked_param_type = "FeatureMatrix")] features: &JsValue,
    ) -> JsResult<Float64Array> {
        let (names, values) = js(matrix(features, None))?;
        js(self.inner.predict(&names, &values)).map(|(p, _)| Float64Array::from(&p[..]))
    }

    /// 1 per row whose customer has no repeat purchase (score 0 by construction, not evidence).
    #[wasm_bindgen(js_name = noRepeatPurchase)]
    pub fn no_repeat_purchase(
        &self,
        #[wasm_bindgen(unchecked_param_type = "FeatureMatrix")] features: &JsValue,
    ) -> JsResult<Uint8Array> {
        let (names, values) = js(matrix(features, None))?;
        js(self.inner.predict(&names, &values)).map(|(_, f)| {
            Uint8Array::from(&f.iter().map(|&b| u8::from(b)).collect::<Vec<u8>>()[..])
        })
    }

    /// BG/NBD parameters { r, alpha, a, b } (daily units).
    #[wasm_bindgen(
        getter,
        unchecked_return_type = "{ r: number; alpha: number; a: number; b: number }"
    )]
    pub fn params(&self) -> JsValue {
        to_js(&self.inner.bgnbd.params)
    }

    /// The definition reference of the scores (`churn.alive`).
    #[wasm_bindgen(getter, unchecked_return_type = "DefinitionRef")]
    pub fn definition(&self) -> JsValue {
        to_js(&self.inner.definition())
    }

    /// The scorer as plain JSON data.
    #[wasm_bindgen(js_name = toJSON, unchecked_return_type = "AliveChurnModelJson")]
    pub fn to_json(&self) -> JsValue {
        to_js(&self.inner)
    }

    /// A scorer from its JSON form (validated).
    #[wasm_bindgen(js_name = fromJSON)]
    pub fn from_json(
        #[wasm_bindgen(unchecked_param_type = "AliveChurnModelJson")] value: &JsValue,
    ) -> JsResult<AliveChurnModel> {
        if value.is_object() && !Array::is_array(value) {
            js(check_keys(
                value,
                "AliveChurnModel.fromJSON",
                &["metric", "version", "bgnbd"],
            ))?;
            let bgnbd = get(value, "bgnbd");
            if bgnbd.is_object() && !Array::is_array(&bgnbd) {
                // The saved BG/NBD model's own fields: its JSON form without `model` and `version`.
                let known: Vec<&str> = super::ltv::BGNBD_JSON_KEYS
                    .iter()
                    .copied()
                    .filter(|k| !matches!(*k, "model" | "version"))
                    .collect();
                js(check_keys(
                    &bgnbd,
                    "AliveChurnModel.fromJSON (bgnbd)",
                    &known,
                ))?;
            }
        }
        let inner: crate::churn::alive::AliveChurnModel =
            serde_wasm_bindgen::from_value(value.clone()).map_err(|e| {
                super::convert::to_js_error(Error::BadOption {
                    option: "model".into(),
                    message: format!("not a churn.alive model: {e}"),
                })
            })?;
        js(inner.validate())?;
        Ok(AliveChurnModel { inner })
    }
}
