//! Segments for JS: `segment`, `segmentCustomers`, `chooseK`, `chooseKCustomers`, `rfmScores`
//! and the saved `SegmentModel` (predict, toJSON / fromJSON). Options are read and checked
//! here; all computation is in `crate::segment`.

use super::convert::{ensure_fits, get, js, options_object, to_js, type_name, JsResult};
use super::summary::CustomerSummary;
use crate::error::Error;
use crate::segment::model::{
    customer_features_from, customer_options, kmeans_rows, CUSTOMER_FEATURES,
};
use crate::segment::rfm::{rfm_from_columns, Monetary};
use crate::segment::{
    choose_k_with_progress, segment_with_progress, Algorithm, ClusterOrder, Scaling, SegmentOptions,
};
use js_sys::{Array, Float64Array, Object, Reflect, Uint32Array, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen(typescript_custom_section)]
const TS_SEGMENT: &'static str = r#"
/** Options of `segment` and `segmentCustomers` (definition `segment.kmeans`). */
export interface SegmentOptions {
  /** Number of clusters. Default 4. */
  k?: number;
  /** Runs from different k-means++ seeds; the lowest inertia wins. Default 3. */
  nInit?: number;
  /** Iteration limit per run. Default 300. */
  maxIterations?: number;
  /** Convergence threshold × mean feature variance (scikit-learn's convention). Default 1e-4. */
  tolerance?: number;
  /** Seed (u32); same seed → same labels natively and in wasm. Default 0. */
  seed?: number;
  /** "hamerly" (pruned) or "lloyd". Default "hamerly". */
  algorithm?: "hamerly" | "lloyd";
  /** Initial centres in the prepared (scaled) space, row-major k × nCols, instead of k-means++. With `maxIterations: 1` and `nInit: 1` this runs exactly one Lloyd iteration. */
  init?: Float64Array | ReadonlyArray<number>;
  /** Feature names (profiles, errors, orderBy). Default f0, f1, … (segmentCustomers: monetaryValue, frequency, periodsSinceLastPurchase). */
  featureNames?: ReadonlyArray<string>;
  /** Per-feature log1p flags, or the names of the features to log1p. Default none (segmentCustomers: monetaryValue, frequency). */
  log1p?: ReadonlyArray<boolean> | ReadonlyArray<string>;
  /** Scaling after log1p. Default "zscore". */
  scaling?: "zscore" | "robust" | "none";
  /** Cluster numbering: descending centroid of this feature (name or 0-based index), "norm" (descending centroid norm) or "asFound". Default feature 0 (segmentCustomers: monetaryValue). */
  orderBy?: string | number;
  /** Called before each of the nInit runs and at the end (`chooseK`: every run of every k); see `ProgressCallback`. */
  onProgress?: ProgressCallback;
}

/** Options of `kmeans` and `FeatureMatrix.kmeans`: k-means on features as given (no log1p, no scaling). */
export type KMeansOptions = Pick<SegmentOptions, "k" | "nInit" | "maxIterations" | "tolerance" | "seed" | "algorithm" | "init" | "orderBy">;

/** Result of `kmeans`. */
export interface KMeansResult {
  labels: Uint32Array;
  /** Row-major k × nCols. */
  centroids: Float64Array;
  /** Sum of squared distances (SSE, not SSE / n). */
  inertia: number;
  iterations: number;
  converged: boolean;
  definition: DefinitionRef;
}

/** Options of `chooseK` and `chooseKCustomers` (definition `segment.choose_k`). */
export interface ChooseKOptions extends Omit<SegmentOptions, "k" | "init"> {
  /** Smallest k (≥ 2). Default 2. */
  kMin?: number;
  /** Largest k. Default 8. */
  kMax?: number;
  /** Rows sampled for the silhouette when there are more. Default 2000. */
  sampleSize?: number;
}

/** One cluster's profile (original units). */
export interface SegmentProfile {
  cluster: number;
  size: number;
  share: number;
  centroid: number[];
  mean: number[];
  median: number[];
  /** e.g. "high value · frequent · recent"; "typical" when no feature stands out. */
  name: string;
}

/** Result of `segment` / `segmentCustomers`. */
export interface SegmentResult {
  /** Cluster of every row (0-based, in the documented order). */
  labels: Uint32Array;
  /** Centroids in original units, row-major k × nCols. */
  centroids: Float64Array;
  /** Sum of squared distances in the prepared space (SSE, not SSE / n). */
  inertia: number;
  iterations: number;
  converged: boolean;
  featureNames: string[];
  profiles: SegmentProfile[];
  /** The model, to score new rows and to save (`toJSON`). */
  model: SegmentModel;
  definition: DefinitionRef;
}

/** Scores at one k. */
export interface KScore {
  k: number;
  inertia: number;
  silhouette: number;
  calinskiHarabasz: number;
}

/** Result of `chooseK`. */
export interface ChooseKResult {
  scores: KScore[];
  recommended: number;
  reason: string;
  definition: DefinitionRef;
}

/** Options of `rfmScores`. */
export interface RfmOptions {
  /** "total" (net revenue; summaries from transactions) or "meanRepeat" (monetaryValue). Default: "total" when available. */
  monetary?: "total" | "meanRepeat";
}

/** Result of `rfmScores` (definition `segment.rfm`). */
export interface RfmResult {
  r: Uint8Array;
  f: Uint8Array;
  m: Uint8Array;
  /** e.g. "545". */
  cell: string[];
  segment: ("Champions" | "Loyal" | "Potential loyalists" | "New" | "At risk" | "Can't lose" | "Hibernating" | "Lost")[];
  definition: DefinitionRef;
}
"#;

const SEGMENT_KEYS: &[&str] = &[
    "k",
    "nInit",
    "maxIterations",
    "tolerance",
    "seed",
    "algorithm",
    "init",
    "featureNames",
    "log1p",
    "scaling",
    "orderBy",
    "onProgress",
];
const KMEANS_KEYS: &[&str] = &[
    "k",
    "nInit",
    "maxIterations",
    "tolerance",
    "seed",
    "algorithm",
    "init",
    "orderBy",
];
const CHOOSE_KEYS: &[&str] = &[
    "nInit",
    "maxIterations",
    "tolerance",
    "seed",
    "algorithm",
    "featureNames",
    "log1p",
    "scaling",
    "orderBy",
    "kMin",
    "kMax",
    "sampleSize",
    "onProgress",
];

fn bad(option: &str, message: String) -> Error {
    Error::BadOption {
        option: option.into(),
        message,
    }
}

/// An integer option in `[min, max]`, or `None` when absent.
fn int_opt(o: &JsValue, key: &str, min: f64, max: f64) -> crate::Result<Option<f64>> {
    let v = get(o, key);
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    match v.as_f64() {
        Some(x) if x.fract() == 0.0 && x >= min && x <= max => Ok(Some(x)),
        Some(x) => Err(bad(
            key,
            format!("expected an integer from {min} to {max}, got {x}"),
        )),
        None => Err(bad(
            key,
            format!("expected a number, found {}", type_name(&v)),
        )),
    }
}

fn str_opt(o: &JsValue, key: &str) -> crate::Result<Option<String>> {
    let v = get(o, key);
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    v.as_string()
        .map(Some)
        .ok_or_else(|| bad(key, format!("expected a string, found {}", type_name(&v))))
}

fn f64s_opt(o: &JsValue, key: &str) -> crate::Result<Option<Vec<f64>>> {
    let v = get(o, key);
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    if let Some(a) = v.dyn_ref::<Float64Array>() {
        ensure_fits(key, a.length() as usize, 8)?;
        return Ok(Some(a.to_vec()));
    }
    if Array::is_array(&v) {
        let arr: &Array = v.unchecked_ref();
        ensure_fits(key, arr.length() as usize, 8)?;
        let mut out = Vec::new();
        for x in arr.iter() {
            match x.as_f64() {
                Some(x) => out.push(x),
                None => {
                    return Err(bad(
                        key,
                        format!("expected numbers, found {}", type_name(&x)),
                    ))
                }
            }
        }
        return Ok(Some(out));
    }
    Err(bad(
        key,
        format!(
            "expected a Float64Array or an array of numbers, found {}",
            type_name(&v)
        ),
    ))
}

fn strings_opt(o: &JsValue, key: &str) -> crate::Result<Option<Vec<String>>> {
    let v = get(o, key);
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    if !Array::is_array(&v) {
        return Err(bad(
            key,
            format!("expected an array of strings, found {}", type_name(&v)),
        ));
    }
    let arr: &Array = v.unchecked_ref();
    arr.iter()
        .map(|x| {
            x.as_string()
                .ok_or_else(|| bad(key, format!("expected strings, found {}", type_name(&x))))
        })
        .collect::<crate::Result<Vec<_>>>()
        .map(Some)
}

/// Reads segment options; `defaults` supplies the customer defaults when relevant.
fn segment_options(
    o: Option<&JsValue>,
    n_cols: usize,
    defaults: SegmentOptions,
    choose: bool,
) -> crate::Result<SegmentOptions> {
    let mut opts = defaults;
    let Some(o) = o else {
        return Ok(opts);
    };
    if !choose {
        if let Some(k) = int_opt(o, "k", 1.0, crate::segment::kmeans::MAX_K as f64)? {
            opts.k = k as usize;
        }
        opts.init = f64s_opt(o, "init")?;
    }
    if let Some(v) = int_opt(o, "nInit", 1.0, 1000.0)? {
        opts.n_init = v as usize;
    }
    if let Some(v) = int_opt(o, "maxIterations", 1.0, 100_000.0)? {
        opts.max_iterations = v as usize;
    }
    let tol = get(o, "tolerance");
    if !(tol.is_undefined() || tol.is_null()) {
        match tol.as_f64() {
            Some(t) if t.is_finite() && t >= 0.0 => opts.tolerance = t,
            _ => return Err(bad("tolerance", "expected a finite number ≥ 0".into())),
        }
    }
    if let Some(v) = int_opt(o, "seed", 0.0, f64::from(u32::MAX))? {
        opts.seed = v as u32;
    }
    if let Some(a) = str_opt(o, "algorithm")? {
        opts.algorithm = match a.as_str() {
            "lloyd" => Algorithm::Lloyd,
            "hamerly" => Algorithm::Hamerly,
            _ => {
                return Err(bad(
                    "algorithm",
                    format!("expected \"hamerly\" or \"lloyd\", got \"{a}\""),
                ))
            }
        };
    }
    if let Some(s) = str_opt(o, "scaling")? {
        opts.scaling = Scaling::parse(&s)?;
    }
    if let Some(names) = strings_opt(o, "featureNames")? {
        if names.len() != n_cols {
            return Err(bad(
                "featureNames",
                format!("expected {n_cols} names, got {}", names.len()),
            ));
        }
        opts.feature_names = Some(names);
    }
    let names = opts
        .feature_names
        .clone()
        .unwrap_or_else(|| crate::segment::model::default_names(n_cols));
    let l = get(o, "log1p");
    if !(l.is_undefined() || l.is_null()) {
        if !Array::is_array(&l) {
            return Err(bad(
                "log1p",
                format!("expected an array, found {}", type_name(&l)),
            ));
        }
        let arr: &Array = l.unchecked_ref();
        let mut flags = vec![false; n_cols];
        let all_bool = arr.iter().all(|x| x.as_bool().is_some());
        if all_bool && arr.length() as usize == n_cols {
            for (i, x) in arr.iter().enumerate() {
                flags[i] = x.as_bool().unwrap_or(false);
            }
        } else {
            for x in arr.iter() {
                let name = x.as_string().ok_or_else(|| {
                    bad(
                        "log1p",
                        format!("expected {n_cols} booleans or feature names"),
                    )
                })?;
                let j = names.iter().position(|n| *n == name).ok_or_else(|| {
                    bad(
                        "log1p",
                        format!("unknown feature '{name}'; features: {}", names.join(", ")),
                    )
                })?;
                flags[j] = true;
            }
        }
        opts.log1p = Some(flags);
    }
    let ob = get(o, "orderBy");
    if !(ob.is_undefined() || ob.is_null()) {
        opts.order = if let Some(i) = ob.as_f64() {
            if i.fract() != 0.0 || i < 0.0 || i >= n_cols as f64 {
                return Err(bad(
                    "orderBy",
                    format!(
                        "feature index must be 0 to {}, got {i}",
                        n_cols.saturating_sub(1)
                    ),
                ));
            }
            ClusterOrder::FeatureDescending(i as usize)
        } else if let Some(s) = ob.as_string() {
            match s.as_str() {
                "norm" => ClusterOrder::NormDescending,
                "asFound" => ClusterOrder::AsFound,
                _ => match names.iter().position(|n| *n == s) {
                    Some(j) => ClusterOrder::FeatureDescending(j),
                    None => {
                        return Err(bad(
                            "orderBy",
                            format!("expected a feature name ({}), an index, \"norm\" or \"asFound\", got \"{s}\"", names.join(", ")),
                        ))
                    }
                },
            }
        } else {
            return Err(bad(
                "orderBy",
                format!("expected a string or number, found {}", type_name(&ob)),
            ));
        };
    }
    Ok(opts)
}

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

fn n_cols_arg(n_cols: f64) -> crate::Result<usize> {
    if n_cols.fract() == 0.0 && (1.0..=10_000.0).contains(&n_cols) {
        Ok(n_cols as usize)
    } else {
        Err(bad(
            "nCols",
            format!("expected an integer from 1 to 10000, got {n_cols}"),
        ))
    }
}

fn customer_columns(s: &CustomerSummary) -> Vec<f64> {
    customer_features_from(
        &s.monetary_value().to_vec(),
        &s.frequency().to_vec(),
        &s.t().to_vec(),
        &s.recency().to_vec(),
    )
}

fn customer_defaults() -> SegmentOptions {
    customer_options(&SegmentOptions::default())
}

fn set(o: &Object, k: &str, v: &JsValue) {
    let _ = Reflect::set(o, &JsValue::from_str(k), v);
}

fn segmentation_js(s: crate::segment::Segmentation) -> JsValue {
    let o = Object::new();
    set(&o, "labels", &Uint32Array::from(&s.labels[..]).into());
    set(
        &o,
        "centroids",
        &Float64Array::from(&s.centroids[..]).into(),
    );
    set(&o, "inertia", &JsValue::from_f64(s.inertia));
    set(&o, "iterations", &JsValue::from_f64(s.iterations as f64));
    set(&o, "converged", &JsValue::from_bool(s.converged));
    set(&o, "featureNames", &to_js(&s.model.transform.names));
    set(&o, "profiles", &to_js(&s.model.profiles));
    set(&o, "definition", &to_js(&s.definition));
    set(&o, "model", &SegmentModel { inner: s.model }.into());
    o.into()
}

fn run_segment(features: &JsValue, n_cols: f64, options: &JsValue) -> crate::Result<JsValue> {
    let o = options_object(options, "segment", SEGMENT_KEYS)?;
    let d = n_cols_arg(n_cols)?;
    let x = features_arg(features)?;
    let opts = segment_options(o.as_ref(), d, SegmentOptions::default(), false)?;
    let callback = super::progress::option(o.as_ref())?;
    Ok(segmentation_js(super::progress::with_hook(
        callback.as_ref(),
        "segment",
        |hook| segment_with_progress(&x, d, &opts, hook),
    )?))
}

/// k-means segments of row-major numeric features (`segment.kmeans`).
#[wasm_bindgen(unchecked_return_type = "SegmentResult")]
pub fn segment(
    #[wasm_bindgen(unchecked_param_type = "Float64Array")] features: &JsValue,
    #[wasm_bindgen(js_name = nCols)] n_cols: f64,
    #[wasm_bindgen(unchecked_optional_param_type = "SegmentOptions")] options: &JsValue,
) -> JsResult<JsValue> {
    js(run_segment(features, n_cols, options))
}

fn run_kmeans(x: &[f64], d: usize, options: &JsValue, function: &str) -> crate::Result<JsValue> {
    let o = options_object(options, function, KMEANS_KEYS)?;
    let opts = segment_options(o.as_ref(), d, SegmentOptions::default(), false)?;
    let (fit, def) = kmeans_rows(x, d, &opts)?;
    let out = Object::new();
    set(&out, "labels", &Uint32Array::from(&fit.labels[..]).into());
    set(
        &out,
        "centroids",
        &Float64Array::from(fit.model.centroids()).into(),
    );
    set(&out, "inertia", &JsValue::from_f64(fit.model.inertia()));
    set(
        &out,
        "iterations",
        &JsValue::from_f64(fit.model.iterations() as f64),
    );
    set(
        &out,
        "converged",
        &JsValue::from_bool(fit.model.converged()),
    );
    set(&out, "definition", &to_js(&def));
    Ok(out.into())
}

/// k-means on row-major features as given (no log1p, no scaling, no profiles).
#[wasm_bindgen(unchecked_return_type = "KMeansResult")]
pub fn kmeans(
    #[wasm_bindgen(unchecked_param_type = "Float64Array")] features: &JsValue,
    #[wasm_bindgen(js_name = nCols)] n_cols: f64,
    #[wasm_bindgen(unchecked_optional_param_type = "KMeansOptions")] options: &JsValue,
) -> JsResult<JsValue> {
    js((|| {
        let d = n_cols_arg(n_cols)?;
        run_kmeans(&features_arg(features)?, d, options, "kmeans")
    })())
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
        js((|| {
            let d = n_cols_arg(n_cols)?;
            let data = features_arg(features)?;
            if data.is_empty() {
                return Err(Error::Empty {
                    what: "features".into(),
                });
            }
            if data.len() % d != 0 {
                return Err(bad(
                    "nCols",
                    format!(
                        "{} values cannot be split into rows of {d} columns",
                        data.len()
                    ),
                ));
            }
            crate::segment::kmeans::check_finite(&data, d)?;
            Ok(FeatureMatrix { data, n_cols: d })
        })())
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
        js(run_kmeans(
            &self.data,
            self.n_cols,
            options,
            "FeatureMatrix.kmeans",
        ))
    }
}

#[cfg(feature = "arrow")]
impl FeatureMatrix {
    /// Wraps rows already checked (finite, at least one row of `n_cols` columns).
    pub(super) fn from_checked(data: Vec<f64>, n_cols: usize) -> FeatureMatrix {
        FeatureMatrix { data, n_cols }
    }
}

fn run_segment_customers(s: &CustomerSummary, options: &JsValue) -> crate::Result<JsValue> {
    let o = options_object(options, "segmentCustomers", SEGMENT_KEYS)?;
    let opts = segment_options(o.as_ref(), 3, customer_defaults(), false)?;
    let callback = super::progress::option(o.as_ref())?;
    let x = customer_columns(s);
    Ok(segmentation_js(super::progress::with_hook(
        callback.as_ref(),
        "segmentCustomers",
        |hook| segment_with_progress(&x, 3, &opts, hook),
    )?))
}

/// k-means segments of customers on monetaryValue, frequency and periodsSinceLastPurchase.
#[wasm_bindgen(js_name = segmentCustomers, unchecked_return_type = "SegmentResult")]
pub fn segment_customers(
    summary: &CustomerSummary,
    #[wasm_bindgen(unchecked_optional_param_type = "SegmentOptions")] options: &JsValue,
) -> JsResult<JsValue> {
    js(run_segment_customers(summary, options))
}

fn run_choose_k(
    x: &[f64],
    d: usize,
    options: &JsValue,
    function: &str,
    defaults: SegmentOptions,
) -> crate::Result<JsValue> {
    let o = options_object(options, function, CHOOSE_KEYS)?;
    let opts = segment_options(o.as_ref(), d, defaults, true)?;
    let (mut k_min, mut k_max, mut sample) = (2usize, 8usize, 2000usize);
    if let Some(o) = &o {
        let max = crate::segment::kmeans::MAX_K as f64;
        if let Some(v) = int_opt(o, "kMin", 2.0, max)? {
            k_min = v as usize;
        }
        if let Some(v) = int_opt(o, "kMax", 2.0, max)? {
            k_max = v as usize;
        }
        if let Some(v) = int_opt(o, "sampleSize", 2.0, 1e6)? {
            sample = v as usize;
        }
    }
    let callback = super::progress::option(o.as_ref())?;
    Ok(to_js(&super::progress::with_hook(
        callback.as_ref(),
        function,
        |hook| choose_k_with_progress(x, d, &opts, k_min, k_max, sample, hook),
    )?))
}

/// Scores k = kMin…kMax (inertia, silhouette, Calinski–Harabasz) and recommends one (`segment.choose_k`).
#[wasm_bindgen(js_name = chooseK, unchecked_return_type = "ChooseKResult")]
pub fn choose_k_js(
    #[wasm_bindgen(unchecked_param_type = "Float64Array")] features: &JsValue,
    #[wasm_bindgen(js_name = nCols)] n_cols: f64,
    #[wasm_bindgen(unchecked_optional_param_type = "ChooseKOptions")] options: &JsValue,
) -> JsResult<JsValue> {
    js((|| {
        let d = n_cols_arg(n_cols)?;
        let x = features_arg(features)?;
        run_choose_k(&x, d, options, "chooseK", SegmentOptions::default())
    })())
}

/// `chooseK` on the customer features of `segmentCustomers`.
#[wasm_bindgen(js_name = chooseKCustomers, unchecked_return_type = "ChooseKResult")]
pub fn choose_k_customers(
    summary: &CustomerSummary,
    #[wasm_bindgen(unchecked_optional_param_type = "ChooseKOptions")] options: &JsValue,
) -> JsResult<JsValue> {
    js(run_choose_k(
        &customer_columns(summary),
        3,
        options,
        "chooseKCustomers",
        customer_defaults(),
    ))
}

fn run_rfm(s: &CustomerSummary, options: &JsValue) -> crate::Result<JsValue> {
    let o = options_object(options, "rfmScores", &["monetary"])?;
    let monetary = match &o {
        Some(o) => str_opt(o, "monetary")?
            .map(|m| Monetary::parse(&m))
            .transpose()?,
        None => None,
    };
    let revenue = s.revenue().map(|r| r.to_vec());
    let r = rfm_from_columns(
        &s.t().to_vec(),
        &s.recency().to_vec(),
        &s.frequency().to_vec(),
        &s.monetary_value().to_vec(),
        revenue.as_deref(),
        monetary,
    )?;
    let out = Object::new();
    set(&out, "r", &Uint8Array::from(&r.r[..]).into());
    set(&out, "f", &Uint8Array::from(&r.f[..]).into());
    set(&out, "m", &Uint8Array::from(&r.m[..]).into());
    set(&out, "cell", &to_js(&r.cell));
    set(&out, "segment", &to_js(&r.segment));
    set(&out, "definition", &to_js(&r.definition));
    Ok(out.into())
}

/// RFM quintile scores, cells and named segments (`segment.rfm`).
#[wasm_bindgen(js_name = rfmScores, unchecked_return_type = "RfmResult")]
pub fn rfm_scores(
    summary: &CustomerSummary,
    #[wasm_bindgen(unchecked_optional_param_type = "RfmOptions")] options: &JsValue,
) -> JsResult<JsValue> {
    js(run_rfm(summary, options))
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
        js((|| {
            let d = n_cols_arg(n_cols)?;
            let x = features_arg(features)?;
            Ok(Uint32Array::from(&self.inner.predict(&x, d)?[..]))
        })())
    }

    /// Cluster of each customer of a summary (models from `segmentCustomers`).
    #[wasm_bindgen(js_name = predictCustomers)]
    pub fn predict_customers(&self, summary: &CustomerSummary) -> JsResult<Uint32Array> {
        js((|| {
            if self
                .inner
                .transform
                .names
                .iter()
                .map(String::as_str)
                .ne(CUSTOMER_FEATURES)
            {
                return Err(bad(
                    "model",
                    "this model was not fitted on customer features (segmentCustomers)".into(),
                ));
            }
            let x = customer_columns(summary);
            Ok(Uint32Array::from(&self.inner.predict(&x, 3)?[..]))
        })())
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
        js((|| {
            let v = match value.as_string() {
                Some(s) => js_sys::JSON::parse(&s)
                    .map_err(|_| bad("model", "text is not valid JSON".into()))?,
                None => value.clone(),
            };
            let inner: crate::segment::SegmentModel = serde_wasm_bindgen::from_value(v)
                .map_err(|e| bad("model", format!("not a saved segment model: {e}")))?;
            inner.validate()?;
            Ok(SegmentModel { inner })
        })())
    }
}

#[wasm_bindgen(typescript_custom_section)]
const TS_SEGMENT_MODEL: &'static str = r#"
/** A saved segment model (opaque; produced by `SegmentModel.toJSON`). */
export interface SegmentModelJSON {
  version: string;
  transform: { names: string[]; log1p: boolean[]; scaling: "none" | "zscore" | "robust"; center: number[]; scale: number[] };
  kmeans: { k: number; nCols: number; centroids: number[]; inertia: number; iterations: number; converged: boolean; params: object };
  profiles: SegmentProfile[];
}
"#;
