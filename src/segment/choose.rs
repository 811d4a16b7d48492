//! Choosing k (`segment.choose_k`): for every k in a range, the inertia (elbow curve), the mean
//! silhouette and the Calinski–Harabasz index, and a recommended k with its reason.
//!
//! * **Silhouette** of row i: `s = (b − a) / max(a, b)`, a = mean Euclidean distance to the other
//!   rows of its cluster, b = the smallest mean distance to the rows of another cluster;
//!   `s = 0` for a row alone in its cluster. The score is the mean over rows. For more than
//!   `sampleSize` rows it is computed on a uniform sample without replacement of `sampleSize`
//!   rows (drawn with `seed`), as scikit-learn's `silhouette_score(sample_size=…)`: both a and b
//!   use sampled rows only.
//! * **Calinski–Harabasz**: `[B / (k − 1)] / [W / (n − k)]`, B = Σ_j n_j ‖m_j − mean‖²,
//!   W = Σ_i ‖x_i − m_label(i)‖², m_j = the mean of cluster j's rows.
//! * **Recommendation**: the k with the highest mean silhouette (ties → smaller k). The reason
//!   names the silhouette and whether Calinski–Harabasz peaks at the same k.
//!
//! All measures are computed in the prepared feature space.

use super::kmeans::sq_dist;
use super::kmeans::Algorithm;
use super::model::{customer_options, kmeans_params, prepare, Log1p, OrderBy, SegmentOptions};
use super::Scaling;
use crate::error::{Error, Result};
use crate::glossary::{Definition, DefinitionRef, ParamValue, ParameterDef};
use crate::progress::Progress;
use linfa::ParamGuard;
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// Parameter `kMin`.
pub const K_MIN: ParameterDef = ParameterDef::new("kMin", "2", "Smallest k tried (≥ 2).")
    .number(2.0)
    .range(2.0, super::kmeans::MAX_K as f64)
    .whole();

/// Parameter `kMax`.
pub const K_MAX: ParameterDef = ParameterDef::new("kMax", "8", "Largest k tried (≥ kMin).")
    .number(8.0)
    .range(2.0, super::kmeans::MAX_K as f64)
    .whole();

/// Parameter `sampleSize`.
pub const SAMPLE_SIZE: ParameterDef = ParameterDef::new(
    "sampleSize",
    "2000",
    "Rows used for the silhouette when n is larger (uniform sample without replacement).",
)
.number(2000.0)
.range(2.0, 1e6)
.whole();

/// `segment.choose_k`.
pub const DEFINITION: Definition = Definition {
    id: "segment.choose_k",
    version: "2.0.1",
    name: "Choosing the number of segments",
    description: "k-means fitted for each k in a range (same options as segment.kmeans); for each k the inertia (elbow curve), the mean silhouette and the Calinski–Harabasz index; the recommended k has the highest mean silhouette.",
    formula: "silhouette = mean_i (b_i − a_i) / max(a_i, b_i) (Euclidean; s_i = 0 for singletons), on a seeded sample of sampleSize rows when n is larger; CH = [Σ_j n_j ‖m_j − x̄‖² / (k − 1)] / [Σ_i ‖x_i − m_label(i)‖² / (n − k)] with m_j the mean of cluster j's rows; recommended k = argmax silhouette (ties → smaller k)",
    unit: "k (clusters); silhouette in [−1, 1]; CH ≥ 0",
    parameters: &[
        K_MIN,
        K_MAX,
        SAMPLE_SIZE,
        ParameterDef::new("seed", "0", "Seed of k-means and of the silhouette sample.").number(0.0).range(0.0, 4_294_967_295.0).whole(),
    ],
    inputs: "As segment.kmeans.",
    depends_on: &["segment.kmeans"],
};

/// Options of [`choose_k`] and [`choose_k_customers`]: the range of k, the silhouette sample,
/// and the options of [`super::segment`] other than `k` and `init` (same defaults; the
/// customer defaults for [`choose_k_customers`]).
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct ChooseKOptions {
    /// Smallest k (≥ 2; default 2).
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub k_min: usize,
    /// Largest k (default 8).
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub k_max: usize,
    /// Rows sampled for the silhouette when there are more (default 2000, at most 1e6).
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub sample_size: usize,
    /// Runs of k-means per k (default 3).
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub n_init: usize,
    /// Iteration limit per run (default 300).
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub max_iterations: usize,
    /// Relative tolerance (default 1e-4).
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub tolerance: f64,
    /// Seed of k-means and of the silhouette sample (default 0).
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub seed: u32,
    /// Lloyd or Hamerly (default Hamerly).
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub algorithm: Algorithm,
    /// Feature names, as in `segment` (chooseKCustomers: the customer features).
    #[cfg_attr(
        target_arch = "wasm32",
        tsify(optional, type = "ReadonlyArray<string>")
    )]
    pub feature_names: Option<Vec<String>>,
    /// log1p flags or feature names, as in `segment` (chooseKCustomers: monetaryValue,
    /// frequency).
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub log1p: Option<Log1p>,
    /// Scaling (default z-score).
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub scaling: Scaling,
    /// Cluster numbering, as in `segment` (chooseKCustomers: monetaryValue).
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub order_by: Option<OrderBy>,
}

impl Default for ChooseKOptions {
    fn default() -> Self {
        ChooseKOptions::new(&SegmentOptions::default())
    }
}

impl ChooseKOptions {
    /// The default range and sample with the k-means settings of `opts` (its `k` and `init`
    /// are not used).
    pub fn new(opts: &SegmentOptions) -> Self {
        ChooseKOptions {
            k_min: const { K_MIN.default_number() } as usize,
            k_max: const { K_MAX.default_number() } as usize,
            sample_size: const { SAMPLE_SIZE.default_number() } as usize,
            n_init: opts.n_init,
            max_iterations: opts.max_iterations,
            tolerance: opts.tolerance,
            seed: opts.seed,
            algorithm: opts.algorithm,
            feature_names: opts.feature_names.clone(),
            log1p: opts.log1p.clone(),
            scaling: opts.scaling,
            order_by: opts.order_by.clone(),
        }
    }

    /// The k-means settings as [`SegmentOptions`] (k-means++ seeding; `k` is set per fit).
    pub fn segment_options(&self) -> SegmentOptions {
        SegmentOptions {
            n_init: self.n_init,
            max_iterations: self.max_iterations,
            tolerance: self.tolerance,
            seed: self.seed,
            algorithm: self.algorithm,
            init: None,
            feature_names: self.feature_names.clone(),
            log1p: self.log1p.clone(),
            scaling: self.scaling,
            order_by: self.order_by.clone(),
            ..SegmentOptions::default()
        }
    }
}

/// Measures at one k.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase")]
pub struct KScore {
    /// k.
    pub k: usize,
    /// Inertia (SSE).
    pub inertia: f64,
    /// Mean silhouette.
    pub silhouette: f64,
    /// Calinski–Harabasz index.
    pub calinski_harabasz: f64,
}

/// Result of [`choose_k`] (JS `ChooseKResult`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(
    target_arch = "wasm32",
    derive(tsify::Tsify),
    tsify(missing_as_null, rename = "ChooseKResult")
)]
#[serde(rename_all = "camelCase")]
pub struct ChooseK {
    /// One entry per k, ascending.
    #[cfg_attr(target_arch = "wasm32", tsify(type = "KScore[]"))]
    pub scores: Vec<KScore>,
    /// Recommended k.
    pub recommended: usize,
    /// Why.
    pub reason: String,
    /// Definition reference.
    pub definition: DefinitionRef,
}

/// Mean silhouette of `labels` over rows `rows` (all rows when `None`) of row-major `z`.
pub fn silhouette(z: &[f64], d: usize, labels: &[u32], k: usize, rows: Option<&[usize]>) -> f64 {
    let all: Vec<usize>;
    let rows = match rows {
        Some(r) => r,
        None => {
            all = (0..labels.len()).collect();
            &all
        }
    };
    let m = rows.len();
    if m == 0 {
        return f64::NAN;
    }
    let mut counts = vec![0usize; k];
    for &i in rows {
        counts[labels[i] as usize] += 1;
    }
    let mut sums = vec![0.0; k];
    let mut total = 0.0;
    for &i in rows {
        sums.fill(0.0);
        let xi = &z[i * d..(i + 1) * d];
        for &j in rows {
            if j != i {
                sums[labels[j] as usize] += f64::sqrt(sq_dist(xi, &z[j * d..(j + 1) * d]));
            }
        }
        let own = labels[i] as usize;
        if counts[own] <= 1 {
            continue;
        }
        let a = sums[own] / (counts[own] - 1) as f64;
        let mut b = f64::INFINITY;
        for c in 0..k {
            if c != own && counts[c] > 0 {
                b = b.min(sums[c] / counts[c] as f64);
            }
        }
        if b.is_finite() {
            let den = a.max(b);
            if den > 0.0 {
                total += (b - a) / den;
            }
        }
    }
    total / m as f64
}

/// Calinski–Harabasz index of a partition (`labels` into `k` clusters) of row-major `z`, with
/// cluster means taken from the labels (as scikit-learn's `calinski_harabasz_score`).
pub fn calinski_harabasz(z: &[f64], d: usize, labels: &[u32], k: usize) -> f64 {
    let n = labels.len();
    if k < 2 || n <= k || d == 0 {
        return f64::NAN;
    }
    let mut mean = vec![0.0; d];
    let mut sums = vec![0.0; k * d];
    let mut sizes = vec![0usize; k];
    for (row, &l) in z.chunks_exact(d).zip(labels) {
        let l = l as usize;
        sizes[l] += 1;
        for (j, v) in row.iter().enumerate() {
            mean[j] += v;
            sums[l * d + j] += v;
        }
    }
    mean.iter_mut().for_each(|m| *m /= n as f64);
    for (l, &s) in sizes.iter().enumerate() {
        for v in &mut sums[l * d..(l + 1) * d] {
            *v /= s.max(1) as f64;
        }
    }
    let b: f64 = (0..k)
        .map(|j| sizes[j] as f64 * sq_dist(&sums[j * d..(j + 1) * d], &mean))
        .sum();
    let w: f64 = z
        .chunks_exact(d)
        .zip(labels)
        .map(|(row, &l)| sq_dist(row, &sums[l as usize * d..(l as usize + 1) * d]))
        .sum();
    if w <= 0.0 {
        return f64::INFINITY;
    }
    (b / (k - 1) as f64) / (w / (n - k) as f64)
}

/// Uniform sample of `m` of `0..n` without replacement (partial Fisher–Yates), sorted.
pub fn sample_rows(n: usize, m: usize, seed: u32) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..n).collect();
    if m >= n {
        return idx;
    }
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(u64::from(seed));
    for i in 0..m {
        let j = i + rng.gen_range(0..(n - i) as u64) as usize;
        idx.swap(i, j);
    }
    idx.truncate(m);
    idx.sort_unstable();
    idx
}

/// Fits k-means for k in `kMin..=kMax` on prepared features and scores each k.
///
/// Errors: `E_BAD_OPTION` (`kMin`, `kMax`, `sampleSize` out of range, `kMax` < `kMin`), and
/// those of [`super::segment`].
pub fn choose_k(data: &[f64], n_cols: usize, opts: &ChooseKOptions) -> Result<ChooseK> {
    choose_k_with_progress(data, n_cols, opts, &mut crate::progress::silent)
}

/// [`choose_k`] on the customer features of [`super::segment_customers`] (with its defaults
/// for `featureNames`, `log1p` and `orderBy`).
pub fn choose_k_customers(
    s: &crate::CustomerSummary,
    opts: &ChooseKOptions,
    progress: &mut crate::progress::ProgressHook<'_>,
) -> Result<ChooseK> {
    let o = customer_options(&opts.segment_options());
    let opts = ChooseKOptions {
        feature_names: o.feature_names,
        log1p: o.log1p,
        order_by: o.order_by,
        ..opts.clone()
    };
    choose_k_with_progress(&super::model::customer_features(s), 3, &opts, progress)
}

/// [`choose_k`] reporting to `progress` before every k-means run of every k and once at the end
/// (stage `"chooseK"`, `total` = (kMax − kMin + 1) × nInit; see [`crate::progress`]). An error
/// from the hook stops the search and is returned.
pub fn choose_k_with_progress(
    data: &[f64],
    n_cols: usize,
    options: &ChooseKOptions,
    progress: &mut crate::progress::ProgressHook<'_>,
) -> Result<ChooseK> {
    let k_min = K_MIN.check_count(options.k_min as f64)?;
    let k_max = K_MAX.check_count(options.k_max as f64)?;
    if k_max < k_min {
        return Err(Error::BadOption {
            option: "kMax".into(),
            message: format!("must be at least kMin ({k_min}), found {k_max}"),
        });
    }
    let sample_size = SAMPLE_SIZE.check_count(options.sample_size as f64)?;
    let opts = &options.segment_options();
    let (resolved, _t, z) = prepare(data, n_cols, opts)?;
    let n = z.len() / n_cols;
    let rows = sample_rows(n, sample_size, opts.seed);
    let mut scores = Vec::new();
    let runs = opts.n_init;
    let total = (k_max - k_min + 1) * runs;
    for (step, k) in (k_min..=k_max).enumerate() {
        // The runs of this k, counted within all runs of all k; the end of one k's runs is
        // reported as the start of the next k's.
        let mut inner = |p: Progress| {
            if p.done == p.total {
                return Ok(());
            }
            progress(Progress {
                stage: "chooseK",
                done: step * runs + p.done,
                total,
            })
        };
        let fit = kmeans_params(opts, resolved.order, k)
            .check()?
            .fit_rows_with_progress(&z, n_cols, &mut inner)?;
        let sil = silhouette(&z, n_cols, &fit.labels, k, Some(&rows));
        let ch = calinski_harabasz(&z, n_cols, &fit.labels, k);
        scores.push(KScore {
            k,
            inertia: fit.model.inertia(),
            silhouette: sil,
            calinski_harabasz: ch,
        });
    }
    progress(Progress {
        stage: "chooseK",
        done: total,
        total,
    })?;
    let best = |f: &dyn Fn(&KScore) -> f64| {
        let mut b = 0;
        for (i, s) in scores.iter().enumerate() {
            if f(s) > f(&scores[b]) {
                b = i;
            }
        }
        b
    };
    let bs = best(&|s: &KScore| s.silhouette);
    let bc = best(&|s: &KScore| s.calinski_harabasz);
    let rec = scores[bs].k;
    let reason = format!(
        "highest mean silhouette ({:.3}) for k = {}..{}{}; Calinski–Harabasz {}",
        scores[bs].silhouette,
        k_min,
        k_max,
        if rows.len() < n {
            format!(" (silhouette on a sample of {} rows)", rows.len())
        } else {
            String::new()
        },
        if bc == bs {
            "also peaks at this k".to_string()
        } else {
            format!("peaks at k = {}", scores[bc].k)
        }
    );
    let definition = DefinitionRef::new(&DEFINITION)
        .with("kMin", ParamValue::Number(k_min as f64))
        .with("kMax", ParamValue::Number(k_max as f64))
        .with("sampleSize", ParamValue::Number(sample_size as f64))
        .with("seed", ParamValue::Number(f64::from(opts.seed)));
    Ok(ChooseK {
        scores,
        recommended: rec,
        reason,
        definition,
    })
}
