//! Churn features, the churn model and its evaluation for JS: options and results are the core's
//! types (`crate::churn`); this file reads the feature matrices, labels and customer attributes
//! and hands back the core's results.

use super::convert::{
    bad_option, bad_type, check_keys, ensure_fits, f64_column, get, id_column, missing,
    object_keys, type_name, JsResult, OwnedCell,
};
use super::interop::{read, read_with, to_js};
use super::transactions::Transactions;
use crate::churn::attributes::{CategoricalColumn, CustomerAttributes};
use crate::churn::{FeatureOptions, FitOptions, SplitOptions};
use crate::error::Error;
use crate::glossary::field_names;
use js_sys::{Array, Float64Array, Uint8Array};
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

"#;

/// Reads `{ names, values }` (a row-major matrix with named columns).
fn matrix(value: &JsValue) -> crate::Result<(Vec<String>, Vec<f64>)> {
    if !value.is_object() || Array::is_array(value) {
        let expected = "{ names, values } (a row-major matrix with named columns)";
        return Err(bad_type("features", 0, expected, value));
    }
    let names = get(value, "names");
    let names: &Array = names
        .dyn_ref()
        .ok_or_else(|| bad_type("features.names", 0, "an array of column names", &names))?;
    let names = names
        .iter()
        .map(|v| v.as_string().unwrap_or_default())
        .collect();
    Ok((names, f64_column(&get(value, "values"), "features.values")?))
}

/// Reads the object of columns at `key` of `value` (none when absent) with `column(name,
/// values)`.
fn columns_of<T>(
    value: &JsValue,
    key: &str,
    option: &str,
    column: impl Fn(&str, &JsValue) -> crate::Result<T>,
) -> crate::Result<Vec<(String, T)>> {
    let v = get(value, key);
    if v.is_undefined() || v.is_null() {
        return Ok(Vec::new());
    }
    if !v.is_object() || Array::is_array(&v) {
        return Err(bad_type(
            option,
            0,
            "an object of columns { name: values[] }",
            &v,
        ));
    }
    let read = |name: String| Ok((name.clone(), column(&name, &get(&v, &name))?));
    object_keys(&v).into_iter().map(read).collect()
}

/// Reads a column of category names: non-blank strings (trimmed) or finite numbers as text.
fn categories(column: &str, values: &JsValue) -> crate::Result<Vec<String>> {
    let arr: &Array = values
        .dyn_ref()
        .ok_or_else(|| bad_type(column, 0, "an array of category names", values))?;
    let category = |(i, x): (usize, JsValue)| match OwnedCell::from_js(&x) {
        OwnedCell::Text(s) if !s.trim().is_empty() => Ok(s.trim().to_string()),
        OwnedCell::Number(n) if n.is_finite() => Ok(n.to_string()),
        OwnedCell::Missing | OwnedCell::Text(_) => Err(missing(column, i + 1)),
        _ => Err(bad_type(column, i + 1, "a category name", &x)),
    };
    arr.iter().enumerate().map(category).collect()
}

/// Reads the categorical columns of a feature table.
fn categorical_columns(value: &JsValue, option: &str) -> crate::Result<Vec<CategoricalColumn>> {
    let columns = columns_of(value, "categorical", option, categories)?;
    Ok(columns
        .into_iter()
        .map(|(name, values)| CategoricalColumn { name, values })
        .collect())
}

/// Reads option `attributes`: `{ customerId, numeric?, categorical? }`.
fn attributes(value: &JsValue) -> crate::Result<Option<CustomerAttributes>> {
    let a = get(value, "attributes");
    if a.is_undefined() || a.is_null() {
        return Ok(None);
    }
    if !a.is_object() || Array::is_array(&a) {
        let found = type_name(&a);
        let message = format!("expected {{ customerId, numeric?, categorical? }}, found {found}");
        return Err(bad_option("attributes", message));
    }
    check_keys(&a, "attributes", &["customerId", "numeric", "categorical"])?;
    let customer_id = id_column(&get(&a, "customerId"), "customerId")?.into_text();
    let numeric = columns_of(&a, "numeric", "attributes.numeric", |k, v| f64_column(v, k))?;
    let categorical = columns_of(&a, "categorical", "attributes.categorical", categories)?
        .into_iter()
        .map(|(name, values)| (name, values.into_iter().map(Some).collect()))
        .collect();
    Ok(Some(CustomerAttributes {
        customer_id,
        numeric,
        categorical,
    }))
}

/// Reads 0/1 labels: a `Uint8Array`, or an array of 0, 1, true or false.
fn labels(value: &JsValue) -> crate::Result<Vec<bool>> {
    let out_of_range = |row: usize, message: String| Error::OutOfRange {
        column: "labels".into(),
        row,
        message,
    };
    if let Some(u) = value.dyn_ref::<Uint8Array>() {
        ensure_fits("labels", u.length() as usize, 2)?;
        let label = |(i, x): (usize, u8)| match x {
            0 | 1 => Ok(x == 1),
            _ => Err(out_of_range(i + 1, format!("{x} is not 0 or 1"))),
        };
        return u.to_vec().into_iter().enumerate().map(label).collect();
    }
    if let Some(arr) = value.dyn_ref::<Array>() {
        let label = |(i, v): (usize, JsValue)| match (v.as_bool(), v.as_f64()) {
            (Some(b), _) => Ok(b),
            (_, Some(x)) if x == 0.0 || x == 1.0 => Ok(x == 1.0),
            _ => Err(out_of_range(
                i + 1,
                format!("{} is not 0, 1, true or false", type_name(&v)),
            )),
        };
        return arr.iter().enumerate().map(label).collect();
    }
    if value.is_null() {
        // `churnFeatures(...).labels` is null when the data end before cutoff + horizon.
        return Err(Error::InsufficientData {
            message: "the labels are null: the transactions end before cutoff + horizonDays, so \
                      the churn outcome is not observed yet; fit on an earlier cutoff"
                .into(),
        });
    }
    Err(bad_type(
        "labels",
        0,
        "a Uint8Array or an array of 0/1 or booleans",
        value,
    ))
}

/// Reads a saved model `M` from its JSON form: an object with only the keys of `M` (and, in
/// `nested`, only the keys of the saved BG/NBD model inside it), then `validate`.
fn from_json<M: serde::de::DeserializeOwned>(
    value: &JsValue,
    function: &str,
    nested: Option<&str>,
    what: &str,
) -> crate::Result<M> {
    if value.is_object() && !Array::is_array(value) {
        check_keys(value, function, field_names::<M>())?;
        let inner = nested
            .map(|k| get(value, k))
            .filter(|v| v.is_object() && !Array::is_array(v));
        if let Some(inner) = inner {
            let known = super::ltv::saved_fields::<crate::ltv::saved::BgNbdModelJson>();
            check_keys(&inner, &format!("{function} (bgnbd)"), &known)?;
        }
    }
    serde_wasm_bindgen::from_value(value.clone())
        .map_err(|e| bad_option("model", format!("not a {what} model: {e}")))
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
        to_js(&self.inner.names)
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
        let o = js_sys::Object::new();
        for (name, r) in self.inner.names.iter().zip(self.inner.odds_ratios()) {
            let _ = js_sys::Reflect::set(&o, &JsValue::from_str(name), &JsValue::from_f64(r));
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
        let inner: crate::churn::ChurnModel =
            from_json(value, "ChurnModel.fromJSON", None, "churn")?;
        inner.validate()?;
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
        Ok(flags.iter().map(|&b| u8::from(b)).collect::<Vec<u8>>()[..].into())
    }

    /// BG/NBD parameters { r, alpha, a, b } (daily units).
    #[wasm_bindgen(getter, unchecked_return_type = "BgNbdParams")]
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
        let inner: crate::churn::alive::AliveChurnModel = from_json(
            value,
            "AliveChurnModel.fromJSON",
            Some("bgnbd"),
            "churn.alive",
        )?;
        inner.validate()?;
        Ok(AliveChurnModel { inner })
    }
}
