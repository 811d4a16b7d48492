//! The segmentation pipeline (`segment.kmeans`): feature preparation → k-means → ordered
//! clusters → profiles, and a saved [`SegmentModel`] that scores new customers.
//!
//! **Profiles.** For every cluster: size, share of rows, centroid in original units (the
//! model-space centroid mapped back through the transform), per-feature mean and median of the
//! member rows in original units, and a name.
//!
//! **Names.** For every feature, the cluster's per-feature mean (original units) is compared with
//! the whole population: `z = (clusterMean − mean) / sd` (sd with divisor n). `z ≥ 0.5` is
//! *high*, `z ≤ −0.5` is *low*, otherwise the feature is not mentioned. Known customer features
//! have words: `monetaryValue` high/low → "high value"/"low value", `frequency` →
//! "frequent"/"infrequent", `periodsSinceLastPurchase` → "lapsed"/"recent", `T` →
//! "long-standing"/"new"; any other feature `f` → "high f"/"low f". Words are joined with
//! " · " in feature order; a cluster with no word is "typical".

use super::features::{quantile_sorted, FeatureTransform, Scaling};
use super::kmeans::{Algorithm, ClusterOrder, Init, KMeans, KMeansParams};
use crate::error::{Error, Result};
use crate::glossary::{DefinitionRef, ParamValue};
use linfa::ParamGuard;
use serde::{Deserialize, Serialize};

/// Which features get `log1p` (option `log1p`): one flag per feature, or feature names.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(untagged)]
pub enum Log1p {
    /// One flag per feature, in column order (an empty list means none).
    Flags(Vec<bool>),
    /// The names of the features to transform.
    Features(Vec<String>),
}

impl From<Vec<bool>> for Log1p {
    fn from(flags: Vec<bool>) -> Self {
        Log1p::Flags(flags)
    }
}

/// Cluster numbering (option `orderBy`): a 0-based feature index, or a feature name,
/// `"norm"` or `"asFound"` (see [`ClusterOrder`]).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(untagged)]
pub enum OrderBy {
    /// Descending centroid of this feature (0-based column).
    Index(f64),
    /// Descending centroid of the feature of this name, or `"norm"`, or `"asFound"`.
    Name(String),
}

impl From<ClusterOrder> for OrderBy {
    fn from(o: ClusterOrder) -> Self {
        match o {
            ClusterOrder::FeatureDescending(j) => OrderBy::Index(j as f64),
            ClusterOrder::NormDescending => OrderBy::Name("norm".into()),
            ClusterOrder::AsFound => OrderBy::Name("asFound".into()),
        }
    }
}

/// Options of [`segment`] and [`segment_customers`] (parameters of [`super::DEFINITION`]).
/// `featureNames`, `log1p` and `orderBy` left unset take the function's own default: for
/// [`segment`] `f0, f1, …`, none and feature 0; for [`segment_customers`] the
/// [`CUSTOMER_FEATURES`], `monetaryValue` and `frequency`, and `monetaryValue`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct SegmentOptions {
    /// Number of clusters (default 4).
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub k: usize,
    /// Runs of k-means (default 3).
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub n_init: usize,
    /// Iteration limit per run (default 300).
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub max_iterations: usize,
    /// Convergence threshold × mean feature variance (scikit-learn's convention). Default 1e-4.
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub tolerance: f64,
    /// Seed (u32); same seed → same labels natively and in wasm. Default 0.
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub seed: u32,
    /// Lloyd or Hamerly (default Hamerly).
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub algorithm: Algorithm,
    /// Initial centres in the prepared (scaled) space, row-major `k × nCols`, instead of
    /// k-means++. With `maxIterations: 1` and `nInit: 1` this runs exactly one Lloyd iteration.
    #[cfg_attr(
        target_arch = "wasm32",
        tsify(optional, type = "Float64Array | ReadonlyArray<number>")
    )]
    pub init: Option<Vec<f64>>,
    /// One name per column (profiles, errors, log1p and orderBy by name). Default `f0, f1, …`
    /// (segmentCustomers: monetaryValue, frequency, periodsSinceLastPurchase).
    #[cfg_attr(
        target_arch = "wasm32",
        tsify(optional, type = "ReadonlyArray<string>")
    )]
    pub feature_names: Option<Vec<String>>,
    /// Per-feature log1p flags, or the names of the features to log1p. Default none
    /// (segmentCustomers: monetaryValue, frequency).
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub log1p: Option<Log1p>,
    /// Scaling after log1p. Default "zscore".
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub scaling: Scaling,
    /// Cluster numbering: descending centroid of this feature (name or 0-based index),
    /// `"norm"` (descending centroid norm) or `"asFound"`. Default feature 0
    /// (segmentCustomers: monetaryValue).
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub order_by: Option<OrderBy>,
}

impl Default for SegmentOptions {
    fn default() -> Self {
        SegmentOptions {
            k: const { super::K.default_number() } as usize,
            n_init: const { super::N_INIT.default_number() } as usize,
            max_iterations: const { super::MAX_ITERATIONS.default_number() } as usize,
            tolerance: const { super::TOLERANCE.default_number() },
            seed: const { super::SEED.default_number() } as u32,
            algorithm: Algorithm::default(),
            init: None,
            feature_names: None,
            log1p: None,
            scaling: Scaling::default(),
            order_by: None,
        }
    }
}

/// Options of [`fit_kmeans`]: k-means on features as given (no log1p, no scaling), the
/// k-means parameters of [`SegmentOptions`].
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct KMeansOptions {
    /// Number of clusters (default 4).
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub k: usize,
    /// Runs of k-means (default 3).
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub n_init: usize,
    /// Iteration limit per run (default 300).
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub max_iterations: usize,
    /// Convergence threshold × mean feature variance (scikit-learn's convention). Default 1e-4.
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub tolerance: f64,
    /// Seed (u32); same seed → same labels natively and in wasm. Default 0.
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub seed: u32,
    /// Lloyd or Hamerly (default Hamerly).
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub algorithm: Algorithm,
    /// Given initial centres, row-major `k × nCols`.
    #[cfg_attr(
        target_arch = "wasm32",
        tsify(optional, type = "Float64Array | ReadonlyArray<number>")
    )]
    pub init: Option<Vec<f64>>,
    /// Cluster order (default feature 0).
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub order_by: Option<OrderBy>,
}

impl Default for KMeansOptions {
    fn default() -> Self {
        KMeansOptions::from(&SegmentOptions::default())
    }
}

impl From<&SegmentOptions> for KMeansOptions {
    fn from(o: &SegmentOptions) -> Self {
        KMeansOptions {
            k: o.k,
            n_init: o.n_init,
            max_iterations: o.max_iterations,
            tolerance: o.tolerance,
            seed: o.seed,
            algorithm: o.algorithm,
            init: o.init.clone(),
            order_by: o.order_by.clone(),
        }
    }
}

impl From<&KMeansOptions> for SegmentOptions {
    fn from(o: &KMeansOptions) -> Self {
        SegmentOptions {
            k: o.k,
            n_init: o.n_init,
            max_iterations: o.max_iterations,
            tolerance: o.tolerance,
            seed: o.seed,
            algorithm: o.algorithm,
            init: o.init.clone(),
            order_by: o.order_by.clone(),
            scaling: Scaling::None,
            ..SegmentOptions::default()
        }
    }
}

/// The options' feature-dependent settings resolved against the data: names, log1p flags and
/// the cluster order.
pub(crate) struct Resolved {
    pub names: Vec<String>,
    pub log1p: Vec<bool>,
    pub order: ClusterOrder,
}

impl SegmentOptions {
    /// Resolves `featureNames`, `log1p` and `orderBy` for `n_cols` columns (unset ones take
    /// [`segment`]'s defaults).
    ///
    /// Errors: `E_BAD_OPTION` on `featureNames` (wrong count), `log1p` (wrong count, unknown
    /// name), `orderBy` (index out of range, unknown name).
    pub(crate) fn resolve(&self, n_cols: usize) -> Result<Resolved> {
        let names = match &self.feature_names {
            Some(names) if names.len() != n_cols => {
                return Err(bad_option(
                    "featureNames",
                    format!("expected {n_cols} names, got {}", names.len()),
                ))
            }
            Some(names) => names.clone(),
            None => default_names(n_cols),
        };
        let log1p = match &self.log1p {
            None => vec![false; n_cols],
            Some(Log1p::Flags(f)) if f.is_empty() => vec![false; n_cols],
            Some(Log1p::Flags(f)) if f.len() != n_cols => {
                return Err(bad_option(
                    "log1p",
                    format!(
                        "expected {n_cols} flags or feature names, got {} flags",
                        f.len()
                    ),
                ))
            }
            Some(Log1p::Flags(f)) => f.clone(),
            Some(Log1p::Features(list)) => {
                let mut flags = vec![false; n_cols];
                for name in list {
                    let j = names.iter().position(|n| n == name).ok_or_else(|| {
                        bad_option(
                            "log1p",
                            format!("unknown feature '{name}'; features: {}", names.join(", ")),
                        )
                    })?;
                    flags[j] = true;
                }
                flags
            }
        };
        let order = match &self.order_by {
            None => ClusterOrder::FeatureDescending(0), // ORDER_BY's rule `firstFeature`
            Some(OrderBy::Index(i)) => {
                if i.fract() != 0.0 || *i < 0.0 || *i >= n_cols as f64 {
                    return Err(bad_option(
                        "orderBy",
                        format!(
                            "feature index must be 0 to {}, got {i}",
                            n_cols.saturating_sub(1)
                        ),
                    ));
                }
                ClusterOrder::FeatureDescending(*i as usize)
            }
            Some(OrderBy::Name(s)) => match s.as_str() {
                "norm" => ClusterOrder::NormDescending,
                "asFound" => ClusterOrder::AsFound,
                _ => match names.iter().position(|n| n == s) {
                    Some(j) => ClusterOrder::FeatureDescending(j),
                    None => {
                        return Err(bad_option(
                            "orderBy",
                            format!(
                                "expected a feature name ({}), an index, \"norm\" or \"asFound\", got \"{s}\"",
                                names.join(", ")
                            ),
                        ))
                    }
                },
            },
        };
        Ok(Resolved {
            names,
            log1p,
            order,
        })
    }
}

fn bad_option(option: &str, message: String) -> Error {
    Error::BadOption {
        option: option.into(),
        message,
    }
}

/// A saved model: the feature transform plus the k-means model (serialisable; JS
/// `SegmentModelJSON`, what `SegmentModel.toJSON` writes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(
    target_arch = "wasm32",
    derive(tsify::Tsify),
    tsify(missing_as_null, rename = "SegmentModelJSON")
)]
#[serde(rename_all = "camelCase")]
pub struct SegmentModel {
    /// Definition version the model was fitted under.
    pub version: String,
    /// The feature transform.
    #[cfg_attr(target_arch = "wasm32", tsify(type = "SegmentTransformJSON"))]
    pub transform: FeatureTransform,
    /// The k-means model (model-space centroids).
    #[cfg_attr(target_arch = "wasm32", tsify(type = "KMeansModelJSON"))]
    pub kmeans: KMeans,
    /// Profiles of the training data.
    #[cfg_attr(target_arch = "wasm32", tsify(type = "SegmentProfile[]"))]
    pub profiles: Vec<Profile>,
}

/// One cluster's profile (JS `SegmentProfile`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(
    target_arch = "wasm32",
    derive(tsify::Tsify),
    tsify(missing_as_null, rename = "SegmentProfile")
)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    /// Cluster number (0-based, in the model's order).
    pub cluster: u32,
    /// Rows in the cluster.
    pub size: usize,
    /// `size / n`.
    pub share: f64,
    /// Centroid in original units.
    pub centroid: Vec<f64>,
    /// Per-feature mean of member rows (original units; NaN for an empty cluster, `null` in
    /// JSON).
    #[serde(deserialize_with = "numbers_or_null")]
    pub mean: Vec<f64>,
    /// Per-feature median of member rows (original units; mean of the two middle values; NaN
    /// for an empty cluster, `null` in JSON).
    #[serde(deserialize_with = "numbers_or_null")]
    pub median: Vec<f64>,
    /// Descriptive name (see the module documentation).
    pub name: String,
}

/// Reads numbers where `null` (JSON's rendering of NaN) stands for NaN.
fn numbers_or_null<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Vec<f64>, D::Error> {
    let v: Vec<Option<f64>> = Deserialize::deserialize(d)?;
    Ok(v.into_iter().map(|x| x.unwrap_or(f64::NAN)).collect())
}

/// Result of [`segment`] (JS `SegmentResult`, where `model` is the `SegmentModel` class).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(
    target_arch = "wasm32",
    derive(tsify::Tsify),
    tsify(missing_as_null, rename = "SegmentResult")
)]
#[serde(rename_all = "camelCase")]
pub struct Segmentation {
    /// Cluster of every row (0-based, in the documented order).
    #[serde(serialize_with = "crate::columns::u32s")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Uint32Array"))]
    pub labels: Vec<u32>,
    /// Centroids in original units, row-major `k × nCols`.
    #[serde(serialize_with = "crate::columns::f64s")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Float64Array"))]
    pub centroids: Vec<f64>,
    /// Sum of squared distances in the prepared space (SSE, not SSE / n).
    pub inertia: f64,
    /// Iterations of the winning run.
    pub iterations: usize,
    /// Whether it converged.
    pub converged: bool,
    /// Feature names, in column order.
    pub feature_names: Vec<String>,
    /// One profile per cluster (original units).
    #[cfg_attr(target_arch = "wasm32", tsify(type = "SegmentProfile[]"))]
    pub profiles: Vec<Profile>,
    /// The model, to score new rows and to save (`toJSON`).
    #[cfg_attr(target_arch = "wasm32", tsify(type = "SegmentModel"))]
    pub model: SegmentModel,
    /// The definition reference.
    pub definition: DefinitionRef,
}

/// Result of [`fit_kmeans`] (JS `KMeansResult`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase")]
pub struct KMeansResult {
    /// Cluster of every row.
    #[serde(serialize_with = "crate::columns::u32s")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Uint32Array"))]
    pub labels: Vec<u32>,
    /// Centroids, row-major `k × nCols`.
    #[serde(serialize_with = "crate::columns::f64s")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Float64Array"))]
    pub centroids: Vec<f64>,
    /// Sum of squared distances (SSE, not SSE / n).
    pub inertia: f64,
    /// Iterations of the winning run.
    pub iterations: usize,
    /// Whether it converged.
    pub converged: bool,
    /// The definition reference.
    pub definition: DefinitionRef,
}

pub(crate) fn default_names(d: usize) -> Vec<String> {
    (0..d).map(|j| format!("f{j}")).collect()
}

/// Prepares features per the options; returns the resolved options, the transform and the
/// model-space rows.
pub(crate) fn prepare(
    data: &[f64],
    n_cols: usize,
    opts: &SegmentOptions,
) -> Result<(Resolved, FeatureTransform, Vec<f64>)> {
    let r = opts.resolve(n_cols)?;
    let t = FeatureTransform::fit(data, n_cols, &r.names, &r.log1p, opts.scaling)?;
    let z = t.apply(data, n_cols)?;
    Ok((r, t, z))
}

pub(crate) fn kmeans_params(opts: &SegmentOptions, order: ClusterOrder, k: usize) -> KMeansParams {
    let mut p = KMeansParams::new(k)
        .n_init(opts.n_init)
        .max_iterations(opts.max_iterations)
        .tolerance(opts.tolerance)
        .seed(opts.seed)
        .algorithm(opts.algorithm)
        .order(order);
    if let Some(c) = &opts.init {
        p = p.init(Init::Centroids(c.clone()));
    }
    p
}

/// Segments row-major `data` (`n_cols` columns): prepare features, fit k-means, order, profile.
///
/// ```
/// use unimetric::segment::{segment, SegmentOptions};
/// // Two obvious groups on one feature.
/// let x = [1.0, 1.2, 0.8, 50.0, 52.0, 48.0];
/// let s = segment(&x, 1, &SegmentOptions { k: 2, ..Default::default() }).unwrap();
/// assert_eq!(s.labels, vec![1, 1, 1, 0, 0, 0]); // cluster 0 = higher feature 0
/// assert_eq!(s.model.profiles[0].size, 3);
/// assert_eq!(s.model.profiles[0].name, "high f0");
/// ```
pub fn segment(data: &[f64], n_cols: usize, opts: &SegmentOptions) -> Result<Segmentation> {
    segment_with_progress(data, n_cols, opts, &mut crate::progress::silent)
}

/// [`segment`] reporting the k-means runs to `progress` (stage `"kmeans"`, one step per run of
/// `n_init`; see [`crate::progress`]). An error from the hook stops the fit and is returned.
pub fn segment_with_progress(
    data: &[f64],
    n_cols: usize,
    opts: &SegmentOptions,
    progress: &mut crate::progress::ProgressHook<'_>,
) -> Result<Segmentation> {
    let (r, t, z) = prepare(data, n_cols, opts)?;
    let params = kmeans_params(opts, r.order, opts.k).check()?;
    let fit = params.fit_rows_with_progress(&z, n_cols, progress)?;
    let profiles = profiles(data, n_cols, &t, &fit.model, &fit.labels);
    let centroids: Vec<f64> = fit
        .model
        .centroids()
        .chunks_exact(n_cols)
        .flat_map(|c| t.invert_row(c))
        .collect();
    let definition = definition_ref(opts, r.order, &t);
    Ok(Segmentation {
        labels: fit.labels,
        centroids,
        inertia: fit.model.inertia(),
        iterations: fit.model.iterations(),
        converged: fit.model.converged(),
        feature_names: t.names.clone(),
        profiles: profiles.clone(),
        model: SegmentModel {
            version: super::DEFINITION.version.into(),
            transform: t,
            kmeans: fit.model,
            profiles,
        },
        definition,
    })
}

pub(crate) fn definition_ref(
    opts: &SegmentOptions,
    order: ClusterOrder,
    t: &FeatureTransform,
) -> DefinitionRef {
    let order = match order {
        ClusterOrder::FeatureDescending(f) => format!(
            "descending {}",
            t.names.get(f).cloned().unwrap_or_else(|| format!("f{f}"))
        ),
        ClusterOrder::NormDescending => "descending centroid norm".into(),
        ClusterOrder::AsFound => "as found".into(),
    };
    let log1p: Vec<&str> = t
        .names
        .iter()
        .zip(&t.log1p)
        .filter(|(_, &l)| l)
        .map(|(n, _)| n.as_str())
        .collect();
    DefinitionRef::new(&super::DEFINITION)
        .with("k", ParamValue::Number(opts.k as f64))
        .with("nInit", ParamValue::Number(opts.n_init as f64))
        .with(
            "maxIterations",
            ParamValue::Number(opts.max_iterations as f64),
        )
        .with("tolerance", ParamValue::Number(opts.tolerance))
        .with("seed", ParamValue::Number(f64::from(opts.seed)))
        .with(
            "algorithm",
            ParamValue::Text(opts.algorithm.as_str().into()),
        )
        .with(
            "init",
            ParamValue::Text(
                if opts.init.is_some() {
                    "given"
                } else {
                    "k-means++"
                }
                .into(),
            ),
        )
        .with("scaling", ParamValue::Text(t.scaling.as_str().into()))
        .with("log1p", ParamValue::Text(log1p.join(",")))
        .with("orderBy", ParamValue::Text(order))
        .with(
            "inertia",
            ParamValue::Text("sum of squared distances".into()),
        )
}

fn word(name: &str, high: bool) -> String {
    let w = match (name, high) {
        ("monetaryValue", true) => "high value",
        ("monetaryValue", false) => "low value",
        ("frequency", true) => "frequent",
        ("frequency", false) => "infrequent",
        ("periodsSinceLastPurchase", true) => "lapsed",
        ("periodsSinceLastPurchase", false) => "recent",
        ("T", true) => "long-standing",
        ("T", false) => "new",
        _ => return format!("{} {name}", if high { "high" } else { "low" }),
    };
    w.into()
}

/// Profiles of each cluster (see the module documentation), from original-unit rows.
pub fn profiles(
    data: &[f64],
    d: usize,
    t: &FeatureTransform,
    model: &KMeans,
    labels: &[u32],
) -> Vec<Profile> {
    let n = labels.len();
    let k = model.k();
    // Population mean and sd per feature.
    let mut pop_mean = vec![0.0; d];
    for row in data.chunks_exact(d) {
        for (m, v) in pop_mean.iter_mut().zip(row) {
            *m += v;
        }
    }
    pop_mean.iter_mut().for_each(|m| *m /= n.max(1) as f64);
    let mut pop_sd = vec![0.0; d];
    for row in data.chunks_exact(d) {
        for ((s, v), m) in pop_sd.iter_mut().zip(row).zip(&pop_mean) {
            *s += (v - m) * (v - m);
        }
    }
    pop_sd
        .iter_mut()
        .for_each(|s| *s = f64::sqrt(*s / n.max(1) as f64));
    let mut out = Vec::with_capacity(k);
    let mut col: Vec<f64> = Vec::new();
    for c in 0..k {
        let members: Vec<usize> = (0..n).filter(|&i| labels[i] as usize == c).collect();
        let size = members.len();
        let mut mean = vec![f64::NAN; d];
        let mut median = vec![f64::NAN; d];
        for j in 0..d {
            if size == 0 {
                continue;
            }
            col.clear();
            col.extend(members.iter().map(|&i| data[i * d + j]));
            // Sum in sorted order so the mean does not depend on row order.
            col.sort_by(f64::total_cmp);
            mean[j] = col.iter().sum::<f64>() / size as f64;
            median[j] = quantile_sorted(&col, 0.5);
        }
        let mut words = Vec::new();
        for j in 0..d {
            if size == 0 || pop_sd[j] <= 0.0 {
                continue;
            }
            let z = (mean[j] - pop_mean[j]) / pop_sd[j];
            if z >= 0.5 {
                words.push(word(&t.names[j], true));
            } else if z <= -0.5 {
                words.push(word(&t.names[j], false));
            }
        }
        let name = if words.is_empty() {
            "typical".to_string()
        } else {
            words.join(" · ")
        };
        let cz = &model.centroids()[c * d..(c + 1) * d];
        out.push(Profile {
            cluster: c as u32,
            size,
            share: if n > 0 { size as f64 / n as f64 } else { 0.0 },
            centroid: t.invert_row(cz),
            mean,
            median,
            name,
        });
    }
    out
}

impl SegmentModel {
    /// Checks a deserialised model.
    pub fn validate(&self) -> Result<()> {
        crate::glossary::check_saved_version(&self.version, &super::DEFINITION)?;
        self.transform.validate()?;
        self.kmeans.validate()?;
        if self.kmeans.n_cols() != self.transform.n_cols() {
            return Err(Error::BadOption {
                option: "model".into(),
                message: "transform and k-means have different feature counts".into(),
            });
        }
        Ok(())
    }

    /// Scores new rows (original units, same columns): transform, then nearest centroid.
    pub fn predict(&self, data: &[f64], n_cols: usize) -> Result<Vec<u32>> {
        self.validate()?;
        let z = self.transform.apply(data, n_cols)?;
        Ok(self.kmeans.predict_rows(&z, n_cols)?.0)
    }
}

/// Features [`segment_customers`] uses, in column order.
pub const CUSTOMER_FEATURES: [&str; 3] = ["monetaryValue", "frequency", "periodsSinceLastPurchase"];

/// Row-major customer features: `monetaryValue`, `frequency`, `periodsSinceLastPurchase`
/// (`T − recency`, periods since the last purchase).
pub fn customer_features(s: &crate::CustomerSummary) -> Vec<f64> {
    customer_features_from(&s.monetary_value, &s.frequency, &s.t, &s.recency)
}

/// [`customer_features`] from the summary's columns (equal lengths; extra values are ignored).
pub fn customer_features_from(
    monetary_value: &[f64],
    frequency: &[f64],
    t: &[f64],
    recency: &[f64],
) -> Vec<f64> {
    let mut out = Vec::with_capacity(3 * frequency.len());
    for (((m, f), t), r) in monetary_value.iter().zip(frequency).zip(t).zip(recency) {
        out.push(*m);
        out.push(*f);
        out.push(t - r);
    }
    out
}

/// Fills the customer defaults of [`segment_customers`] into the unset `featureNames`,
/// `log1p` and `orderBy` of `opts` (parameters [`super::CUSTOMER_FEATURE_NAMES`],
/// [`super::CUSTOMER_LOG1P`], [`super::CUSTOMER_ORDER_BY`]).
pub fn customer_options(opts: &SegmentOptions) -> SegmentOptions {
    let mut o = opts.clone();
    if o.feature_names.is_none() {
        o.feature_names = Some(CUSTOMER_FEATURES.iter().map(|s| s.to_string()).collect());
    }
    // By column, so the defaults hold when the caller renames the features.
    if o.log1p.is_none() {
        let listed: Vec<&str> = super::CUSTOMER_LOG1P.default.split(", ").collect();
        o.log1p = Some(Log1p::Flags(
            CUSTOMER_FEATURES
                .iter()
                .map(|f| listed.contains(f))
                .collect(),
        ));
    }
    if o.order_by.is_none() {
        let j = CUSTOMER_FEATURES
            .iter()
            .position(|f| *f == const { super::CUSTOMER_ORDER_BY.default_text() })
            .unwrap_or(0);
        o.order_by = Some(OrderBy::Index(j as f64));
    }
    o
}

/// Segments customers of a summary on [`CUSTOMER_FEATURES`]. Unless set in `opts`: names are
/// the feature names, log1p applies to `monetaryValue` and `frequency`, and clusters are
/// ordered by descending `monetaryValue` (feature 0).
pub fn segment_customers(
    s: &crate::CustomerSummary,
    opts: &SegmentOptions,
) -> Result<Segmentation> {
    segment_customers_with_progress(s, opts, &mut crate::progress::silent)
}

/// [`segment_customers`] reporting the k-means runs to `progress` (see
/// [`segment_with_progress`]).
pub fn segment_customers_with_progress(
    s: &crate::CustomerSummary,
    opts: &SegmentOptions,
    progress: &mut crate::progress::ProgressHook<'_>,
) -> Result<Segmentation> {
    segment_with_progress(&customer_features(s), 3, &customer_options(opts), progress)
}

impl SegmentModel {
    /// Scores the customers of a summary (models from [`segment_customers`]).
    ///
    /// Errors: `E_BAD_OPTION` (option `model`) when the model was not fitted on
    /// [`CUSTOMER_FEATURES`]; those of [`SegmentModel::predict`].
    pub fn predict_customers(&self, s: &crate::CustomerSummary) -> Result<Vec<u32>> {
        if self
            .transform
            .names
            .iter()
            .map(String::as_str)
            .ne(CUSTOMER_FEATURES)
        {
            return Err(bad_option(
                "model",
                "this model was not fitted on customer features (segmentCustomers)".into(),
            ));
        }
        self.predict(&customer_features(s), 3)
    }
}

/// k-means on features taken as they are (no log1p, no scaling, no profiles): the kernel of
/// [`segment`], for callers that prepare features themselves and for benchmarks. `opts`'
/// `log1p` and `scaling` are ignored (recorded as none).
///
/// ```
/// use unimetric::segment::model::{kmeans_rows, SegmentOptions};
/// let (fit, def) = kmeans_rows(&[0.0, 2.0, 10.0, 12.0], 1, &SegmentOptions { k: 2, ..Default::default() }).unwrap();
/// assert_eq!(fit.labels, vec![1, 1, 0, 0]);
/// assert_eq!(fit.model.inertia(), 4.0);
/// assert_eq!(def.metric, "segment.kmeans");
/// ```
pub fn kmeans_rows(
    data: &[f64],
    n_cols: usize,
    opts: &SegmentOptions,
) -> Result<(super::KMeansFit, DefinitionRef)> {
    let d = n_cols;
    let opts = SegmentOptions {
        log1p: None,
        ..opts.clone()
    };
    let r = opts.resolve(d)?;
    let fit = kmeans_params(&opts, r.order, opts.k)
        .check()?
        .fit_rows(data, n_cols)?;
    let t = FeatureTransform {
        names: r.names,
        log1p: vec![false; d],
        scaling: Scaling::None,
        center: vec![0.0; d],
        scale: vec![1.0; d],
    };
    Ok((fit, definition_ref(&opts, r.order, &t)))
}

/// [`kmeans_rows`] with [`KMeansOptions`], as a [`KMeansResult`] (JS `kmeans`).
///
/// ```
/// use unimetric::segment::{fit_kmeans, KMeansOptions};
/// let r = fit_kmeans(&[0.0, 2.0, 10.0, 12.0], 1, &KMeansOptions { k: 2, ..Default::default() }).unwrap();
/// assert_eq!((r.labels, r.centroids, r.inertia), (vec![1, 1, 0, 0], vec![11.0, 1.0], 4.0));
/// ```
pub fn fit_kmeans(data: &[f64], n_cols: usize, opts: &KMeansOptions) -> Result<KMeansResult> {
    let (fit, definition) = kmeans_rows(data, n_cols, &SegmentOptions::from(opts))?;
    Ok(KMeansResult {
        centroids: fit.model.centroids().to_vec(),
        inertia: fit.model.inertia(),
        iterations: fit.model.iterations(),
        converged: fit.model.converged(),
        labels: fit.labels,
        definition,
    })
}
