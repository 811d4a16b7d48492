//! Churn features, the churn model and its evaluation for JS: options and results are the core's
//! types (`crate::churn`); this file reads the feature matrices, labels and customer attributes
//! and hands back the core's results.

use super::convert::{
    check_keys, ensure_fits, f64_column, get, id_column, js, object_keys, type_name, JsResult,
    OwnedCell,
};
use super::interop::{read, read_with, to_js};
use super::transactions::Transactions;
use crate::churn::attributes::{CategoricalColumn, CustomerAttributes};
use crate::churn::{FeatureOptions, FitOptions, SplitOptions};
use crate::error::Error;
use js_sys::{Array, Float64Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_CHURN: &'static str = r#"
/** The `attributes` option of `churnFeatures()` and `evaluateChurn()`. */
export interface WithAttributes {
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

/**
 * A churn feature table for `fitChurn()`, `fitAliveChurn()` and the models' `predict()`,
 * `reasons()` and `encode()`: row-major values with named columns (a `churnFeatures()` result is
 * one).
 */
export interface ChurnFeatureTable {
  names: ReadonlyArray<string>;
  values: Float64Array | ReadonlyArray<number>;
  /** Categorical columns, one value per row, one-hot encoded by the model. */
  categorical?: Record<string, ReadonlyArray<string>>;
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

"#;

fn strings(v: &[String]) -> JsValue {
    v.iter()
        .map(|s| JsValue::from_str(s))
        .collect::<Array>()
        .into()
}

/// Reads `{ names, values }` (a row-major matrix with named columns).
fn matrix(value: &JsValue) -> crate::Result<(Vec<String>, Vec<f64>)> {
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
    if value.is_null() {
        // `churnFeatures(...).labels` is null when the data end before cutoff + horizon.
        return Err(Error::InsufficientData {
            message: "the labels are null: the transactions end before cutoff + horizonDays, so \
                      the churn outcome is not observed yet; fit on an earlier cutoff"
                .into(),
        });
    }
    Err(Error::BadType {
        column: "labels".into(),
        row: 0,
        expected: "a Uint8Array or an array of 0/1 or booleans".into(),
        found: type_name(value).into(),
    })
}

/// Churn features (and labels when observable) of the customers active at a cutoff.
#[wasm_bindgen(js_name = churnFeatures, unchecked_return_type = "ChurnFeaturesResult")]
pub fn churn_features(
    tx: &Transactions,
    #[wasm_bindgen(unchecked_param_type = "ChurnFeatureOptions & WithAttributes")]
    options: &JsValue,
) -> JsResult<JsValue> {
    let opts: FeatureOptions = read_with(options, "churnFeatures", &["attributes"])?;
    let attrs = attributes(options)?;
    let t = crate::churn::churn_features(tx.core(), &opts)?;
    let t = match &attrs {
        Some(a) => t.with_attributes(a)?,
        None => t,
    };
    Ok(to_js(&t.output()))
}

/// A fitted churn model (`churn.propensity`).
#[wasm_bindgen]
pub struct ChurnModel {
    inner: crate::churn::ChurnModel,
}

/// The numeric matrix and the categorical columns of a feature table.
fn table(features: &JsValue) -> crate::Result<(Vec<String>, Vec<f64>, Vec<CategoricalColumn>)> {
    let (names, values) = matrix(features)?;
    let categorical = categorical_columns(features, "features.categorical")?;
    Ok((names, values, categorical))
}

/// Fits a churn model on a feature table and 0/1 labels.
#[wasm_bindgen(js_name = fitChurn)]
pub fn fit_churn(
    #[wasm_bindgen(unchecked_param_type = "ChurnFeatureTable")] features: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "Uint8Array | ReadonlyArray<number | boolean> | null")]
    labels_value: &JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "ChurnFitOptions")] options: &JsValue,
) -> JsResult<ChurnModel> {
    let fit: FitOptions = read(options, "fitChurn")?;
    let (names, values, categorical) = table(features)?;
    let y = labels(labels_value)?;
    let inner =
        crate::churn::ChurnModel::fit_with_categories(&names, &values, &categorical, &y, &fit)?;
    Ok(ChurnModel { inner })
}

#[wasm_bindgen]
impl ChurnModel {
    /// Churn probabilities for a table with the model's columns, `{ values, definition }`
    /// (categorical values unseen in training score as the reference level; `encode()` lists
    /// them).
    #[wasm_bindgen(unchecked_return_type = "Values")]
    pub fn predict(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ChurnFeatureTable")] features: &JsValue,
    ) -> JsResult<JsValue> {
        let (names, values, categorical) = table(features)?;
        Ok(to_js(&self.inner.predict_named(
            &names,
            values,
            &categorical,
        )?))
    }

    /// The matrix the model scores: numeric columns, then the one-hot indicators of each
    /// categorical column, and the values unseen in training (encoded as the reference level).
    #[wasm_bindgen(unchecked_return_type = "EncodedFeatures")]
    pub fn encode(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ChurnFeatureTable")] features: &JsValue,
    ) -> JsResult<JsValue> {
        let (names, values, categorical) = table(features)?;
        Ok(to_js(&self.inner.encode_checked(
            &names,
            values,
            &categorical,
        )?))
    }

    /// For each row, the (up to) `n` features that raise its churn log-odds the most (default 3).
    #[wasm_bindgen(unchecked_return_type = "ChurnReason[][]")]
    pub fn reasons(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ChurnFeatureTable")] features: &JsValue,
        n: Option<f64>,
    ) -> JsResult<JsValue> {
        let (names, values, categorical) = table(features)?;
        Ok(to_js(&self.inner.reasons_named(
            &names,
            &values,
            &categorical,
            n,
        )?))
    }

    /// Categories fitted on the training rows, per categorical column.
    #[wasm_bindgen(getter, unchecked_return_type = "CategoryEncoding[]")]
    pub fn categories(&self) -> JsValue {
        to_js(&self.inner.categories)
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
            let _ = Reflect::set(&o, &JsValue::from_str(name), &JsValue::from_f64(r));
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
    #[wasm_bindgen(unchecked_param_type = "Uint8Array | ReadonlyArray<number | boolean> | null")]
    labels_value: &JsValue,
) -> JsResult<JsValue> {
    let p = f64_column(scores, "scores")?;
    let y = labels(labels_value)?;
    Ok(to_js(&crate::churn::evaluate(&p, &y)?))
}

/// Time-split evaluation: fit at `trainCutoff`, score the model and the recency-only baseline at
/// `testCutoff`.
#[wasm_bindgen(js_name = evaluateChurn, unchecked_return_type = "ChurnSplitEvaluation")]
pub fn evaluate_churn(
    tx: &Transactions,
    #[wasm_bindgen(unchecked_param_type = "ChurnSplitOptions & WithAttributes")] options: &JsValue,
) -> JsResult<JsValue> {
    let opts: SplitOptions = read_with(options, "evaluateChurn", &["attributes"])?;
    let attrs = attributes(options)?;
    let (_, e) = crate::churn::evaluate_time_split(tx.core(), &opts, attrs.as_ref())?;
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
    #[wasm_bindgen(unchecked_param_type = "ChurnFeatureTable")] features: &JsValue,
) -> JsResult<AliveChurnModel> {
    let (names, values) = matrix(features)?;
    let inner =
        crate::churn::alive::AliveChurnModel::fit_matrix(&names, &values, &Default::default())?;
    Ok(AliveChurnModel { inner })
}

#[wasm_bindgen]
impl AliveChurnModel {
    /// A scorer from a BG/NBD model fitted on a daily summary (`E_BAD_OPTION` otherwise).
    #[wasm_bindgen(js_name = fromBgNbd)]
    pub fn from_bg_nbd(model: &super::ltv::BgNbdModel) -> JsResult<AliveChurnModel> {
        let inner = crate::churn::alive::AliveChurnModel::from_bgnbd(model.core().clone())?;
        Ok(AliveChurnModel { inner })
    }

    /// Churn scores 1 − P(alive) for a table with the churn feature columns, as
    /// `{ values, noRepeatPurchase, definition }`. Customers without a repeat purchase score 0
    /// (P(alive) = 1 by construction) and are flagged in `noRepeatPurchase`.
    #[wasm_bindgen(unchecked_return_type = "Values")]
    pub fn predict(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ChurnFeatureTable")] features: &JsValue,
    ) -> JsResult<JsValue> {
        let (names, values) = matrix(features)?;
        Ok(to_js(&self.inner.predict_values(&names, &values)?))
    }

    /// 1 per row whose customer has no repeat purchase (score 0 by construction, not evidence).
    #[wasm_bindgen(js_name = noRepeatPurchase)]
    pub fn no_repeat_purchase(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ChurnFeatureTable")] features: &JsValue,
    ) -> JsResult<Uint8Array> {
        let (names, values) = matrix(features)?;
        let (_, flags) = self.inner.predict(&names, &values)?;
        let bytes: Vec<u8> = flags.iter().map(|&b| u8::from(b)).collect();
        Ok(Uint8Array::from(&bytes[..]))
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
