//! Segments for JS: `segment`, `segmentCustomers`, `kmeans`, `chooseK`, `chooseKCustomers`,
//! `rfmScores`, the `FeatureMatrix` class and the saved `SegmentModel` (predict, toJSON /
//! fromJSON). Options and results are the core types of `crate::segment`; this file only moves
//! values across.

use super::convert::{bad_option, bad_type, ensure_fits, JsResult};
use super::interop::{read, to_js};
use super::progress::run;
use super::summary::CustomerSummary;
use crate::segment::rfm::{rfm_scores, RfmOptions};
use crate::segment::{
    check_features, choose_k_customers, choose_k_with_progress, fit_kmeans,
    segment_customers_with_progress, segment_with_progress, ChooseKOptions, KMeansOptions,
    SegmentOptions, Segmentation, N_COLS,
};
use js_sys::{Float64Array, Reflect, Uint32Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Copies row-major features (a `Float64Array`) into wasm memory.
fn features_arg(features: &JsValue) -> crate::Result<Vec<f64>> {
    let a: &Float64Array = features
        .dyn_ref()
        .ok_or_else(|| bad_type("features", 0, "a Float64Array (row-major)", features))?;
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
    let (x, d) = (features_arg(features)?, N_COLS.check_count(n_cols)?);
    Ok(segmentation_js(run(
        options,
        "segment",
        |o: &SegmentOptions, hook| segment_with_progress(&x, d, o, hook),
    )?))
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
    Ok(segmentation_js(run(
        options,
        "segmentCustomers",
        |o: &SegmentOptions, hook| segment_customers_with_progress(summary.core(), o, hook),
    )?))
}

/// Scores k = kMin…kMax (inertia, silhouette, Calinski–Harabasz) and recommends one (`segment.choose_k`).
#[wasm_bindgen(js_name = chooseK, unchecked_return_type = "ChooseKResult")]
pub fn choose_k_js(
    #[wasm_bindgen(unchecked_param_type = "Float64Array")] features: &JsValue,
    #[wasm_bindgen(js_name = nCols)] n_cols: f64,
    #[wasm_bindgen(unchecked_optional_param_type = "ChooseKOptions & WithProgress")]
    options: &JsValue,
) -> JsResult<JsValue> {
    let (x, d) = (features_arg(features)?, N_COLS.check_count(n_cols)?);
    Ok(to_js(&run(
        options,
        "chooseK",
        |o: &ChooseKOptions, hook| choose_k_with_progress(&x, d, o, hook),
    )?))
}

/// `chooseK` on the customer features of `segmentCustomers`.
#[wasm_bindgen(js_name = chooseKCustomers, unchecked_return_type = "ChooseKResult")]
pub fn choose_k_customers_js(
    summary: &CustomerSummary,
    #[wasm_bindgen(unchecked_optional_param_type = "ChooseKOptions & WithProgress")]
    options: &JsValue,
) -> JsResult<JsValue> {
    Ok(to_js(&run(
        options,
        "chooseKCustomers",
        |o: &ChooseKOptions, hook| choose_k_customers(summary.core(), o, hook),
    )?))
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
            Some(s) => js_sys::JSON::parse(&s)
                .map_err(|_| bad_option("model", "text is not valid JSON"))?,
            None => value.clone(),
        };
        let inner: crate::segment::SegmentModel = serde_wasm_bindgen::from_value(v)
            .map_err(|e| bad_option("model", format!("not a saved segment model: {e}")))?;
        inner.validate()?;
        Ok(SegmentModel { inner })
    }
}
