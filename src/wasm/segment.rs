//! Segments for JS: `segment`, `segmentCustomers`, `kmeans`, `chooseK`, `chooseKCustomers`,
//! `rfmScores`, the `FeatureMatrix` class and the saved `SegmentModel` (predict, toJSON /
//! fromJSON). Options and results are the core types of `crate::segment`; this file only moves
//! values across.

use super::convert::{ensure_fits, type_name, JsResult};
use super::interop::{read, read_with, to_js};
use super::summary::CustomerSummary;
use crate::error::Error;
use crate::segment::rfm::{rfm_scores, RfmOptions};
use crate::segment::{
    check_features, choose_k_customers, choose_k_with_progress, fit_kmeans,
    segment_customers_with_progress, segment_with_progress, ChooseKOptions, KMeansOptions,
    SegmentOptions, Segmentation, N_COLS,
};
use js_sys::{Float64Array, Reflect, Uint32Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// The option the binding reads itself (see `super::progress`).
const PROGRESS: &[&str] = &[super::progress::KEY];

/// Copies row-major features (a `Float64Array`) into wasm memory.
fn features_arg(features: &JsValue) -> crate::Result<Vec<f64>> {
    let a = features
        .dyn_ref::<Float64Array>()
        .ok_or_else(|| Error::BadType {
            column: "features".into(),
            row: 0,
            expected: "a Float64Array (row-major)".into(),
            found: type_name(features).into(),
        })?;
    // The copy, the scaled working copy and per-row distances and labels.
    ensure_fits("features", a.length() as usize, 3 * 8)?;
    Ok(a.to_vec())
}

/// A segmentation as JS: the core result with `model` as the `SegmentModel` class.
fn segmentation_js(s: Segmentation) -> JsValue {
    let out = to_js(&s);
    let _ = Reflect::set(
        &out,
        &JsValue::from_str("model"),
        &SegmentModel { inner: s.model }.into(),
    );
    out
}

/// k-means segments of row-major numeric features (`segment.kmeans`).
#[wasm_bindgen(unchecked_return_type = "SegmentResult")]
pub fn segment(
    #[wasm_bindgen(unchecked_param_type = "Float64Array")] features: &JsValue,
    #[wasm_bindgen(js_name = nCols)] n_cols: f64,
    #[wasm_bindgen(unchecked_optional_param_type = "SegmentOptions & WithProgress")]
    options: &JsValue,
) -> JsResult<JsValue> {
    let opts: SegmentOptions = read_with(options, "segment", PROGRESS)?;
    let callback = super::progress::option(Some(options))?;
    let x = features_arg(features)?;
    let d = N_COLS.check_count(n_cols)?;
    let s = super::progress::with_hook(callback.as_ref(), "segment", |hook| {
        segment_with_progress(&x, d, &opts, hook)
    })?;
    Ok(segmentation_js(s))
}

/// k-means on row-major features as given (no log1p, no scaling, no profiles).
#[wasm_bindgen(unchecked_return_type = "KMeansResult")]
pub fn kmeans(
    #[wasm_bindgen(unchecked_param_type = "Float64Array")] features: &JsValue,
    #[wasm_bindgen(js_name = nCols)] n_cols: f64,
    #[wasm_bindgen(unchecked_optional_param_type = "KMeansOptions")] options: &JsValue,
) -> JsResult<JsValue> {
    let opts: KMeansOptions = read(options, "kmeans")?;
    let x = features_arg(features)?;
    let d = N_COLS.check_count(n_cols)?;
    Ok(to_js(&fit_kmeans(&x, d, &opts)?))
}

/// Row-major numeric features copied once into WebAssembly memory, for repeated fits without
/// copying the data again (e.g. trying several k, or timing the kernel alone).
#[wasm_bindgen]
pub struct FeatureMatrix {
    data: Vec<f64>,
    n_cols: usize,
}

#[wasm_bindgen]
impl FeatureMatrix {
    /// Copies `features` (row-major, `nCols` columns) into wasm memory, checking they are finite.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "Float64Array")] features: &JsValue,
        #[wasm_bindgen(js_name = nCols)] n_cols: f64,
    ) -> JsResult<FeatureMatrix> {
        let data = features_arg(features)?;
        let n_cols = check_features(&data, n_cols)?;
        Ok(FeatureMatrix { data, n_cols })
    }

    /// Number of rows.
    #[wasm_bindgen(getter)]
    pub fn length(&self) -> u32 {
        (self.data.len() / self.n_cols) as u32
    }

    /// Number of columns.
    #[wasm_bindgen(getter, js_name = nCols)]
    pub fn n_cols(&self) -> u32 {
        self.n_cols as u32
    }

    /// k-means on these rows, as `kmeans(features, nCols, options)`.
    #[wasm_bindgen(unchecked_return_type = "KMeansResult")]
    pub fn kmeans(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "KMeansOptions")] options: &JsValue,
    ) -> JsResult<JsValue> {
        let opts: KMeansOptions = read(options, "FeatureMatrix.kmeans")?;
        Ok(to_js(&fit_kmeans(&self.data, self.n_cols, &opts)?))
    }
}

#[cfg(feature = "arrow")]
impl FeatureMatrix {
    /// Wraps rows already checked (finite, at least one row of `n_cols` columns).
    pub(super) fn from_checked(data: Vec<f64>, n_cols: usize) -> FeatureMatrix {
        FeatureMatrix { data, n_cols }
    }
}

/// k-means segments of customers on monetaryValue, frequency and periodsSinceLastPurchase.
#[wasm_bindgen(js_name = segmentCustomers, unchecked_return_type = "SegmentResult")]
pub fn segment_customers(
    summary: &CustomerSummary,
    #[wasm_bindgen(unchecked_optional_param_type = "SegmentOptions & WithProgress")]
    options: &JsValue,
) -> JsResult<JsValue> {
    let opts: SegmentOptions = read_with(options, "segmentCustomers", PROGRESS)?;
    let callback = super::progress::option(Some(options))?;
    let s = super::progress::with_hook(callback.as_ref(), "segmentCustomers", |hook| {
        segment_customers_with_progress(summary.core(), &opts, hook)
    })?;
    Ok(segmentation_js(s))
}

/// Scores k = kMin…kMax (inertia, silhouette, Calinski–Harabasz) and recommends one (`segment.choose_k`).
#[wasm_bindgen(js_name = chooseK, unchecked_return_type = "ChooseKResult")]
pub fn choose_k_js(
    #[wasm_bindgen(unchecked_param_type = "Float64Array")] features: &JsValue,
    #[wasm_bindgen(js_name = nCols)] n_cols: f64,
    #[wasm_bindgen(unchecked_optional_param_type = "ChooseKOptions & WithProgress")]
    options: &JsValue,
) -> JsResult<JsValue> {
    let opts: ChooseKOptions = read_with(options, "chooseK", PROGRESS)?;
    let callback = super::progress::option(Some(options))?;
    let x = features_arg(features)?;
    let d = N_COLS.check_count(n_cols)?;
    let r = super::progress::with_hook(callback.as_ref(), "chooseK", |hook| {
        choose_k_with_progress(&x, d, &opts, hook)
    })?;
    Ok(to_js(&r))
}

/// `chooseK` on the customer features of `segmentCustomers`.
#[wasm_bindgen(js_name = chooseKCustomers, unchecked_return_type = "ChooseKResult")]
pub fn choose_k_customers_js(
    summary: &CustomerSummary,
    #[wasm_bindgen(unchecked_optional_param_type = "ChooseKOptions & WithProgress")]
    options: &JsValue,
) -> JsResult<JsValue> {
    let opts: ChooseKOptions = read_with(options, "chooseKCustomers", PROGRESS)?;
    let callback = super::progress::option(Some(options))?;
    let r = super::progress::with_hook(callback.as_ref(), "chooseKCustomers", |hook| {
        choose_k_customers(summary.core(), &opts, hook)
    })?;
    Ok(to_js(&r))
}

/// RFM quintile scores, cells and named segments (`segment.rfm`).
#[wasm_bindgen(js_name = rfmScores, unchecked_return_type = "RfmResult")]
pub fn rfm_scores_js(
    summary: &CustomerSummary,
    #[wasm_bindgen(unchecked_optional_param_type = "RfmOptions")] options: &JsValue,
) -> JsResult<JsValue> {
    let opts: RfmOptions = read(options, "rfmScores")?;
    Ok(to_js(&rfm_scores(summary.core(), opts.monetary)?))
}

/// A fitted segmentation: feature transform + centroids + profiles. Scores new rows; saves to
/// and loads from plain JSON.
#[wasm_bindgen]
pub struct SegmentModel {
    inner: crate::segment::SegmentModel,
}

#[wasm_bindgen]
impl SegmentModel {
    /// Number of clusters.
    #[wasm_bindgen(getter)]
    pub fn k(&self) -> u32 {
        self.inner.kmeans.k() as u32
    }

    /// Feature names, in column order.
    #[wasm_bindgen(getter, js_name = featureNames, unchecked_return_type = "string[]")]
    pub fn feature_names(&self) -> JsValue {
        to_js(&self.inner.transform.names)
    }

    /// Profiles of the training data.
    #[wasm_bindgen(getter, unchecked_return_type = "SegmentProfile[]")]
    pub fn profiles(&self) -> JsValue {
        to_js(&self.inner.profiles)
    }

    /// Cluster of each row of new row-major features (original units, same columns).
    pub fn predict(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Float64Array")] features: &JsValue,
        #[wasm_bindgen(js_name = nCols)] n_cols: f64,
    ) -> JsResult<Uint32Array> {
        let x = features_arg(features)?;
        let d = N_COLS.check_count(n_cols)?;
        Ok(Uint32Array::from(&self.inner.predict(&x, d)?[..]))
    }

    /// Cluster of each customer of a summary (models from `segmentCustomers`).
    #[wasm_bindgen(js_name = predictCustomers)]
    pub fn predict_customers(&self, summary: &CustomerSummary) -> JsResult<Uint32Array> {
        Ok(Uint32Array::from(
            &self.inner.predict_customers(summary.core())?[..],
        ))
    }

    /// The model as a plain JSON-ready object (`JSON.stringify(model)` uses it).
    #[wasm_bindgen(js_name = toJSON, unchecked_return_type = "SegmentModelJSON")]
    pub fn to_json(&self) -> JsValue {
        to_js(&self.inner)
    }

    /// A model from `toJSON()` output (object or JSON text).
    #[wasm_bindgen(js_name = fromJSON)]
    pub fn from_json(
        #[wasm_bindgen(unchecked_param_type = "SegmentModelJSON | string")] value: &JsValue,
    ) -> JsResult<SegmentModel> {
        let v = match value.as_string() {
            Some(s) => js_sys::JSON::parse(&s).map_err(|_| Error::BadOption {
                option: "model".into(),
                message: "text is not valid JSON".into(),
            })?,
            None => value.clone(),
        };
        let inner: crate::segment::SegmentModel =
            serde_wasm_bindgen::from_value(v).map_err(|e| Error::BadOption {
                option: "model".into(),
                message: format!("not a saved segment model: {e}"),
            })?;
        inner.validate()?;
        Ok(SegmentModel { inner })
    }
}
