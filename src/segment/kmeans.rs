//! k-means clustering (`segment.kmeans`): our own kernel behind linfa's `Fit` / `Predict` traits.
//!
//! Data are contiguous row-major `f64` (`n` rows × `d` columns). Each fit allocates its buffers
//! once; nothing is allocated inside the iteration loop. Every squared distance is
//! `Σ_t (x_t − c_t)²` summed in column order. The assignment kernel holds the centres in pairs,
//! interleaved column by column, so that on `wasm32` one simd128 `f64x2` vector computes the
//! distances to two centres at once (one per lane, each lane in column order); elsewhere scalar
//! code performs the same operations in the same order, so both give identical bits. Kernels are
//! specialised at compile time for 1 to 8 columns.
//!
//! * **Seeding** — greedy k-means++ as in scikit-learn: the first centre is a uniformly drawn
//!   row; every further centre is the best (lowest resulting inertia) of `2 + ⌊ln k⌋` candidates
//!   drawn with probability proportional to the squared distance to the nearest chosen centre.
//!   A row at distance 0 from a chosen centre has probability 0 and is never drawn (the draw
//!   picks the first row whose cumulative weight is strictly greater than `u · total`).
//!   Fewer than `k` distinct rows → `E_INSUFFICIENT_DATA`.
//! * **Iterations** — Lloyd (assign every row to its nearest centre, move every centre to the
//!   mean of its rows) or Hamerly's pruned variant (same result up to exact distance ties; it
//!   skips rows whose distance bounds prove their centre cannot change).
//! * **Convergence** (scikit-learn's convention) — stop when labels no longer change, or when
//!   the sum over centres of the squared centre shift is `≤ tolerance × mean feature variance`
//!   (variance with divisor `n`, from one pass with sums shifted by the first row), or after
//!   `maxIterations`. A final assignment makes labels and inertia consistent with the returned
//!   centroids; it keeps a row's centre without scanning the others when the last iteration's
//!   bounds prove (with a 1e-9 relative margin) that no other centre is nearer, so its labels
//!   equal a full scan's.
//! * **Empty clusters** — a cluster left without rows takes the row farthest from its own centre
//!   (ties → lowest row index), which leaves its old cluster; several empty clusters are served
//!   in cluster-index order, each with the next farthest row.
//! * **Ties** — a row equidistant from several centres goes to the lowest-index centre.
//! * **Inertia** — the SUM of squared Euclidean distances of rows to their centroid (scikit-learn's
//!   convention; linfa-clustering reports this sum divided by `n`).
//! * **Several runs** — `nInit` runs from successive draws of one Xoshiro256++ stream seeded with
//!   `seed` (`u32`); the run with the lowest inertia wins (ties → the earliest run).
//! * **Cluster order** — see [`ClusterOrder`]: clusters are renumbered so that a label means the
//!   same thing from run to run.
//!
//! ```
//! use linfa::prelude::*;
//! use ndarray::array;
//! use unimetric::segment::kmeans::KMeansParams;
//! let x = array![[0.0, 0.0], [0.0, 1.0], [10.0, 10.0], [10.0, 11.0]];
//! let ds = DatasetBase::from(x.clone());
//! let model = KMeansParams::new(2).seed(7).fit(&ds).unwrap();
//! let labels: ndarray::Array1<usize> = model.predict(&x);
//! // Default order: descending first feature, so the (10, 10.5) cluster is cluster 0.
//! assert_eq!(labels.to_vec(), vec![1, 1, 0, 0]);
//! assert_eq!(model.inertia(), 1.0); // 4 rows at distance 0.5: 4 × 0.25
//! ```

use super::{ALGORITHM, K, MAX_ITERATIONS, N_INIT, SEED, TOLERANCE};
use crate::error::{Error, Result};
use crate::progress::Progress;
use linfa::dataset::DatasetBase;
use linfa::traits::{Fit, PredictInplace};
use linfa::ParamGuard;
use ndarray::{Array1, ArrayBase, Data, Ix2};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::{Deserialize, Serialize};

/// Largest `k` accepted.
pub const MAX_K: usize = 1000;

/// The iteration scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase")]
pub enum Algorithm {
    /// Plain Lloyd iterations: every row against every centre.
    Lloyd,
    /// Hamerly's bounds: rows whose bounds prove the assignment cannot change are skipped.
    Hamerly,
}

impl Default for Algorithm {
    /// The default of parameter `algorithm`.
    fn default() -> Self {
        match const { ALGORITHM.default_text() } {
            "lloyd" => Algorithm::Lloyd,
            _ => Algorithm::Hamerly,
        }
    }
}

impl Algorithm {
    /// The option value (`"lloyd"` / `"hamerly"`).
    pub fn as_str(&self) -> &'static str {
        match self {
            Algorithm::Lloyd => "lloyd",
            Algorithm::Hamerly => "hamerly",
        }
    }
}

/// How the fitted clusters are numbered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase", tag = "rule", content = "feature")]
pub enum ClusterOrder {
    /// Descending centroid coordinate of this feature (0-based column) in the space the model
    /// was fitted in; ties are broken by the following columns (descending), then by the
    /// original index. This is the default with feature 0.
    FeatureDescending(usize),
    /// Descending squared Euclidean norm of the centroid; ties by original index.
    NormDescending,
    /// The order in which the algorithm produced them (first-seeded centre first).
    AsFound,
}

/// How the initial centres are chosen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(
    target_arch = "wasm32",
    derive(tsify::Tsify),
    tsify(missing_as_null, rename = "KMeansInit")
)]
#[serde(rename_all = "camelCase")]
pub enum Init {
    /// Greedy k-means++ (see the module documentation).
    KMeansPlusPlus,
    /// Given centres, row-major `k × d`. With given centres every run starts from the same
    /// point, so `nInit` should be 1; `maxIterations: 1` then times exactly one Lloyd iteration.
    Centroids(Vec<f64>),
}

/// Checked k-means hyperparameters (what [`KMeansParams::check`] returns).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(
    target_arch = "wasm32",
    derive(tsify::Tsify),
    tsify(missing_as_null, rename = "KMeansParamsJSON")
)]
#[serde(rename_all = "camelCase")]
pub struct KMeansValidParams {
    k: usize,
    n_init: usize,
    max_iterations: usize,
    tolerance: f64,
    seed: u32,
    algorithm: Algorithm,
    #[cfg_attr(target_arch = "wasm32", tsify(type = "KMeansInit"))]
    init: Init,
    order: ClusterOrder,
}

/// k-means hyperparameters, linfa style: build, then `fit` (which checks) or `check`.
///
/// Defaults (the parameters of [`super::DEFINITION`]): `n_init` 3, `max_iterations` 300,
/// `tolerance` 1e-4, `seed` 0, Hamerly, k-means++, order by descending feature 0.
#[derive(Debug, Clone, PartialEq)]
pub struct KMeansParams(KMeansValidParams);

impl KMeansParams {
    /// Parameters for `k` clusters with the defaults.
    pub fn new(k: usize) -> Self {
        KMeansParams(KMeansValidParams {
            k,
            n_init: const { N_INIT.default_number() } as usize,
            max_iterations: const { MAX_ITERATIONS.default_number() } as usize,
            tolerance: const { TOLERANCE.default_number() },
            seed: const { SEED.default_number() } as u32,
            algorithm: Algorithm::default(),
            init: Init::KMeansPlusPlus,
            order: ClusterOrder::FeatureDescending(0),
        })
    }
    /// Number of runs (`nInit`, ≥ 1).
    pub fn n_init(mut self, v: usize) -> Self {
        self.0.n_init = v;
        self
    }
    /// Iteration limit per run (`maxIterations`, ≥ 1).
    pub fn max_iterations(mut self, v: usize) -> Self {
        self.0.max_iterations = v;
        self
    }
    /// Relative tolerance (`tolerance`, ≥ 0): multiplied by the mean feature variance.
    pub fn tolerance(mut self, v: f64) -> Self {
        self.0.tolerance = v;
        self
    }
    /// Seed of the Xoshiro256++ generator.
    pub fn seed(mut self, v: u32) -> Self {
        self.0.seed = v;
        self
    }
    /// Iteration scheme.
    pub fn algorithm(mut self, v: Algorithm) -> Self {
        self.0.algorithm = v;
        self
    }
    /// Initial centres.
    pub fn init(mut self, v: Init) -> Self {
        self.0.init = v;
        self
    }
    /// Cluster numbering rule.
    pub fn order(mut self, v: ClusterOrder) -> Self {
        self.0.order = v;
        self
    }
}

fn bad(option: &str, message: impl Into<String>) -> Error {
    Error::BadOption {
        option: option.into(),
        message: message.into(),
    }
}

impl ParamGuard for KMeansParams {
    type Checked = KMeansValidParams;
    type Error = Error;

    fn check_ref(&self) -> Result<&KMeansValidParams> {
        let p = &self.0;
        K.check_count(p.k as f64)?;
        N_INIT.check_count(p.n_init as f64)?;
        MAX_ITERATIONS.check_count(p.max_iterations as f64)?;
        TOLERANCE.check_number(p.tolerance)?;
        // The order's feature column is checked against the data at fit time.
        if let Init::Centroids(c) = &p.init {
            if c.is_empty() || c.len() % p.k != 0 {
                return Err(bad(
                    "init",
                    format!("must hold k × nCols values (k = {}), got {}", p.k, c.len()),
                ));
            }
            if let Some(i) = c.iter().position(|v| !v.is_finite()) {
                return Err(bad(
                    "init",
                    format!("value {} is not a finite number", i + 1),
                ));
            }
        }
        Ok(p)
    }

    fn check(self) -> Result<KMeansValidParams> {
        self.check_ref()?;
        Ok(self.0)
    }
}

impl KMeansValidParams {
    /// Number of clusters.
    pub fn k(&self) -> usize {
        self.k
    }
    /// Runs.
    pub fn n_init(&self) -> usize {
        self.n_init
    }
    /// Iteration limit per run.
    pub fn max_iterations(&self) -> usize {
        self.max_iterations
    }
    /// Relative tolerance.
    pub fn tolerance(&self) -> f64 {
        self.tolerance
    }
    /// Seed.
    pub fn seed(&self) -> u32 {
        self.seed
    }
    /// Iteration scheme.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }
    /// Initial centres.
    pub fn init(&self) -> &Init {
        &self.init
    }
    /// Cluster numbering rule.
    pub fn order(&self) -> ClusterOrder {
        self.order
    }

    /// Fits on row-major `data` with `n_cols` columns and also returns the training labels.
    ///
    /// Errors: `E_BAD_OPTION` (`nCols` 0 or not dividing the length, `init` of the wrong size,
    /// order feature out of range), `E_NON_FINITE` (column `feature <j>`, 1-based row),
    /// `E_INSUFFICIENT_DATA` (fewer rows or fewer distinct rows than `k`).
    pub fn fit_rows(&self, data: &[f64], n_cols: usize) -> Result<KMeansFit> {
        self.fit_rows_with_progress(data, n_cols, &mut crate::progress::silent)
    }

    /// [`fit_rows`](Self::fit_rows) reporting to `progress` before each of the `nInit` runs and
    /// once at the end (stage `"kmeans"`, `total` = `nInit`); an error from the hook stops the
    /// fit at that boundary. The result is the same as without a hook.
    pub fn fit_rows_with_progress(
        &self,
        data: &[f64],
        n_cols: usize,
        progress: &mut crate::progress::ProgressHook<'_>,
    ) -> Result<KMeansFit> {
        let d = n_cols;
        if d == 0 || data.len() % d != 0 {
            return Err(bad(
                "nCols",
                format!(
                    "{} values cannot be split into rows of {} columns",
                    data.len(),
                    d
                ),
            ));
        }
        let n = data.len() / d;
        if n == 0 {
            return Err(Error::Empty {
                what: "features".into(),
            });
        }
        // Variance statistics for the tolerance: with given centres they are gathered during the
        // first assignment pass; with k-means++ in a pass of their own before seeding. A
        // non-finite value makes them non-finite, and only then is the data scanned again for
        // the first offending value.
        let fuse_stats = matches!(self.init, Init::Centroids(_));
        let mut mean_var = f64::NAN;
        if !fuse_stats {
            mean_var = mean_variance(data, n, d);
            if !mean_var.is_finite() {
                check_finite(data, d)?;
            }
        }
        if n < self.k {
            return Err(Error::InsufficientData {
                message: format!(
                    "k-means with k = {} needs at least {} rows, got {}",
                    self.k, self.k, n
                ),
            });
        }
        if let ClusterOrder::FeatureDescending(f) = self.order {
            if f >= d {
                return Err(bad(
                    "orderBy",
                    format!("feature {f} is out of range for {d} columns"),
                ));
            }
        }
        if let Init::Centroids(c) = &self.init {
            if c.len() != self.k * d {
                return Err(bad(
                    "init",
                    format!(
                        "must hold k × nCols = {} values, got {}",
                        self.k * d,
                        c.len()
                    ),
                ));
            }
        }
        let mut ws = Workspace::new(
            n,
            d,
            self.k,
            self.init == Init::KMeansPlusPlus,
            self.algorithm == Algorithm::Hamerly && self.k > 1,
            self.max_iterations > 1,
        );
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(u64::from(self.seed));
        let mut best: Option<RunResult> = None;
        let mut best_labels: Vec<u32> = Vec::new();
        for run in 0..self.n_init {
            progress(Progress {
                stage: "kmeans",
                done: run,
                total: self.n_init,
            })?;
            match &self.init {
                Init::KMeansPlusPlus => kmeans_plus_plus(data, n, d, self.k, &mut rng, &mut ws)?,
                Init::Centroids(c) => ws.centers.copy_from_slice(c),
            }
            ws.want_stats = !mean_var.is_finite();
            let (iters, converged) = match self.algorithm {
                Algorithm::Lloyd => run_lloyd(
                    data,
                    d,
                    self.k,
                    self.max_iterations,
                    self.tolerance,
                    &mut mean_var,
                    &mut ws,
                )?,
                Algorithm::Hamerly => run_hamerly(
                    data,
                    d,
                    self.k,
                    self.max_iterations,
                    self.tolerance,
                    &mut mean_var,
                    &mut ws,
                )?,
            };
            let inertia = final_assign(data, d, &mut ws);
            let better = match &best {
                None => true,
                Some(b) => inertia < b.1,
            };
            if better {
                best = Some((ws.centers.clone(), inertia, iters, converged));
                if run + 1 == self.n_init {
                    // Last run: take the buffer instead of copying it.
                    best_labels = std::mem::take(&mut ws.labels);
                } else {
                    best_labels.clear();
                    best_labels.extend_from_slice(&ws.labels);
                }
            }
        }
        progress(Progress {
            stage: "kmeans",
            done: self.n_init,
            total: self.n_init,
        })?;
        let (centers, inertia, iterations, converged) =
            best.ok_or_else(|| Error::InsufficientData {
                message: "no k-means run".into(),
            })?;
        let mut labels = best_labels;
        let perm = order_clusters(&centers, self.k, d, self.order);
        // perm[new] = old; inverse for relabelling.
        let mut inv = vec![0u32; self.k];
        let mut new_centers = vec![0.0; self.k * d];
        for (new, &old) in perm.iter().enumerate() {
            inv[old] = new as u32;
            new_centers[new * d..(new + 1) * d].copy_from_slice(&centers[old * d..(old + 1) * d]);
        }
        if perm.iter().enumerate().any(|(new, &old)| new != old) {
            for l in &mut labels {
                *l = inv[*l as usize];
            }
        }
        let mut sizes = vec![0usize; self.k];
        for &l in &labels {
            sizes[l as usize] += 1;
        }
        Ok(KMeansFit {
            model: KMeans {
                k: self.k,
                n_cols: d,
                centroids: new_centers,
                inertia,
                iterations,
                converged,
                params: self.clone(),
            },
            labels,
            sizes,
        })
    }
}

/// Centres, inertia, iterations, converged of one run.
type RunResult = (Vec<f64>, f64, usize, bool);

/// A fit's model plus the labels of the training rows.
#[derive(Debug, Clone, PartialEq)]
pub struct KMeansFit {
    /// The model.
    pub model: KMeans,
    /// Cluster of every training row (0-based, in the model's cluster order).
    pub labels: Vec<u32>,
    /// Rows per cluster.
    pub sizes: Vec<usize>,
}

/// A fitted k-means model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(
    target_arch = "wasm32",
    derive(tsify::Tsify),
    tsify(missing_as_null, rename = "KMeansModelJSON")
)]
#[serde(rename_all = "camelCase")]
pub struct KMeans {
    k: usize,
    n_cols: usize,
    /// Row-major `k × nCols`, in the prepared space.
    centroids: Vec<f64>,
    inertia: f64,
    iterations: usize,
    converged: bool,
    #[cfg_attr(target_arch = "wasm32", tsify(type = "KMeansParamsJSON"))]
    params: KMeansValidParams,
}

impl KMeans {
    /// Number of clusters.
    pub fn k(&self) -> usize {
        self.k
    }
    /// Number of feature columns.
    pub fn n_cols(&self) -> usize {
        self.n_cols
    }
    /// Centroids, row-major `k × nCols`, in the model's cluster order.
    pub fn centroids(&self) -> &[f64] {
        &self.centroids
    }
    /// Sum of squared distances of the training rows to their centroid (SSE, not SSE / n).
    pub fn inertia(&self) -> f64 {
        self.inertia
    }
    /// Iterations of the winning run.
    pub fn iterations(&self) -> usize {
        self.iterations
    }
    /// Whether the winning run met the convergence rule before `maxIterations`.
    pub fn converged(&self) -> bool {
        self.converged
    }
    /// The hyperparameters used.
    pub fn params(&self) -> &KMeansValidParams {
        &self.params
    }

    /// Checks the model's consistency (e.g. after loading it from JSON): `k × nCols` finite
    /// centroids.
    pub fn validate(&self) -> Result<()> {
        if self.k == 0 || self.n_cols == 0 || self.centroids.len() != self.k * self.n_cols {
            return Err(bad("model", "centroids do not match k × nCols"));
        }
        if self.centroids.iter().any(|v| !v.is_finite()) {
            return Err(bad("model", "centroids must be finite numbers"));
        }
        Ok(())
    }

    /// Nearest centroid of every row of row-major `data` (ties → lowest cluster index), and the
    /// sum of squared distances.
    ///
    /// Errors: `E_BAD_OPTION` when `n_cols` differs from the model's, `E_NON_FINITE`.
    pub fn predict_rows(&self, data: &[f64], n_cols: usize) -> Result<(Vec<u32>, f64)> {
        self.validate()?;
        if n_cols != self.n_cols || data.len() % n_cols != 0 {
            return Err(bad(
                "nCols",
                format!(
                    "the model has {} columns; got {} values with nCols = {}",
                    self.n_cols,
                    data.len(),
                    n_cols
                ),
            ));
        }
        check_finite(data, n_cols)?;
        let n = data.len() / n_cols;
        let mut labels = vec![0u32; n];
        let mut dist = vec![0.0; n];
        let sse = assign_all(data, n_cols, &self.centroids, &mut labels, &mut dist);
        Ok((labels, sse))
    }
}

impl From<linfa::Error> for Error {
    fn from(e: linfa::Error) -> Self {
        Error::BadOption {
            option: "dataset".into(),
            message: e.to_string(),
        }
    }
}

fn rows_of<D: Data<Elem = f64>>(x: &ArrayBase<D, Ix2>) -> Vec<f64> {
    match x.as_slice() {
        Some(s) => s.to_vec(),
        None => x.iter().copied().collect(),
    }
}

impl<D: Data<Elem = f64>, T> Fit<ArrayBase<D, Ix2>, T, Error> for KMeansValidParams {
    type Object = KMeans;

    fn fit(&self, dataset: &DatasetBase<ArrayBase<D, Ix2>, T>) -> Result<KMeans> {
        let x = &dataset.records;
        let d = x.ncols();
        let data = rows_of(x);
        Ok(self.fit_rows(&data, d)?.model)
    }
}

impl<D: Data<Elem = f64>> PredictInplace<ArrayBase<D, Ix2>, Array1<usize>> for KMeans {
    /// Writes the nearest cluster of every row into `y`. When the column count differs from the
    /// model's, or a row holds a non-finite value, or `y` has the wrong length, `y` is filled
    /// with `usize::MAX` (the trait cannot report errors; use [`KMeans::predict_rows`]).
    fn predict_inplace(&self, x: &ArrayBase<D, Ix2>, y: &mut Array1<usize>) {
        let ok = if y.len() == x.nrows() {
            self.predict_rows(&rows_of(x), x.ncols()).ok()
        } else {
            None
        };
        match ok {
            Some((labels, _)) => {
                for (t, l) in y.iter_mut().zip(labels) {
                    *t = l as usize;
                }
            }
            None => y.fill(usize::MAX),
        }
    }

    fn default_target(&self, x: &ArrayBase<D, Ix2>) -> Array1<usize> {
        Array1::zeros(x.nrows())
    }
}

/// `E_NON_FINITE` for the first NaN or ±Infinity, `E_OUT_OF_RANGE` for the first value above
/// [`MAX_MAGNITUDE`](crate::error::MAX_MAGNITUDE) in magnitude (column `feature <j>`, 1-based
/// row), so squared distances cannot overflow.
pub fn check_finite(data: &[f64], d: usize) -> Result<()> {
    crate::error::check_table(data, d, |j| format!("feature {j}"))
}

/// Mean over columns of the column variance (divisor n), in one pass over the data with sums
/// shifted by the first row: `var_j = (Σ (x − x₀)² − (Σ (x − x₀))² / n) / n`.
pub(crate) fn mean_variance(data: &[f64], n: usize, d: usize) -> f64 {
    if n == 0 || d == 0 {
        return 0.0;
    }
    let mut s1 = vec![0.0; d];
    let mut s2 = vec![0.0; d];
    for row in data.chunks_exact(d) {
        add_stats(row, &data[..d], &mut s1, &mut s2);
    }
    finish_stats(&s1, &s2, n)
}

/// Adds one row to the shifted sums.
#[inline(always)]
fn add_stats(row: &[f64], x0: &[f64], s1: &mut [f64], s2: &mut [f64]) {
    for (((a, b), v), z) in s1.iter_mut().zip(s2.iter_mut()).zip(row).zip(x0) {
        let t = v - z;
        *a += t;
        *b += t * t;
    }
}

/// Mean variance from the shifted sums; NaN when a value was not finite.
fn finish_stats(s1: &[f64], s2: &[f64], n: usize) -> f64 {
    let nf = n as f64;
    let total: f64 = s1
        .iter()
        .zip(s2)
        .map(|(a, b)| {
            // Clamp rounding below 0 but keep NaN (it signals a non-finite value).
            let v = (b - a * a / nf) / nf;
            if v < 0.0 {
                0.0
            } else {
                v
            }
        })
        .sum();
    total / s1.len().max(1) as f64
}

/// Squared Euclidean distance `Σ_t (a_t − b_t)²`, summed in column order (every distance in
/// this module is computed in exactly this order, so all code paths and targets agree).
#[inline(always)]
pub(crate) fn sq_dist(a: &[f64], b: &[f64]) -> f64 {
    let mut s = 0.0;
    for (x, y) in a.iter().zip(b) {
        let t = x - y;
        s += t * t;
    }
    s
}

/// [`sq_dist`] with the column count `D` fixed at compile time (`D = 0`: run-time length), so
/// the loop is unrolled; same operations in the same order, hence the same bits.
#[inline(always)]
fn dist<const D: usize>(a: &[f64], b: &[f64]) -> f64 {
    if D == 0 {
        return sq_dist(a, b);
    }
    sq_dist(&a[..D], &b[..D])
}

/// Writes the centres in pair blocks: centres `2q` and `2q + 1` interleaved column by column,
/// `ct[q · 2d + 2t + lane]` = coordinate `t` of centre `2q + lane`; an odd centre count is
/// padded with a centre at +∞ (never nearest). Returns the padded count.
fn transpose_centers(centers: &[f64], d: usize, ct: &mut Vec<f64>) -> usize {
    let k = centers.len() / d;
    let kp = k + (k & 1);
    ct.clear();
    ct.resize(d * kp, f64::INFINITY);
    for (j, c) in centers.chunks_exact(d).enumerate() {
        for (t, &v) in c.iter().enumerate() {
            ct[(j / 2) * 2 * d + 2 * t + (j & 1)] = v;
        }
    }
    kp
}

/// Branch-free running argmin: nearest index (ties → lowest), smallest and second smallest.
#[cfg(not(target_arch = "wasm32"))]
#[inline(always)]
fn take(j: usize, v: f64, best: &mut usize, b1: &mut f64, b2: &mut f64) {
    let lt = v < *b1;
    *b2 = if lt {
        *b1
    } else if v < *b2 {
        v
    } else {
        *b2
    };
    *b1 = if lt { v } else { *b1 };
    *best = if lt { j } else { *best };
}

/// Nearest centre (ties → lowest index), its squared distance and the second smallest squared
/// distance, with `ct` from [`transpose_centers`]. On wasm32 two centres share a simd128
/// vector (one lane each); every lane sums its squared differences in column order, exactly as
/// [`sq_dist`]. Each lane keeps its own running nearest, second nearest and index in vectors
/// (lane 0 sees the even centres, lane 1 the odd ones, each in increasing order), and the two
/// lanes are merged once per row: the same index, distance and second distance as scanning
/// all centres in order.
#[cfg(target_arch = "wasm32")]
#[inline(always)]
fn nearest_t<const D: usize>(row: &[f64], ct: &[f64], d: usize, kp: usize) -> (usize, f64, f64) {
    use core::arch::wasm32::*;
    let dd = if D == 0 { d } else { D };
    let row = &row[..dd];
    let inf = f64x2_splat(f64::INFINITY);
    let (mut b1, mut b2) = (inf, inf);
    // Indices as integers in 64-bit lanes, so a comparison mask selects them directly.
    let mut best = i64x2(0, 1);
    let mut idx = i64x2(0, 1);
    let two = i64x2_splat(2);
    let mut step = |acc: v128| {
        let lt = f64x2_lt(acc, b1);
        b2 = v128_bitselect(b1, f64x2_pmin(acc, b2), lt);
        b1 = v128_bitselect(acc, b1, lt);
        best = v128_bitselect(idx, best, lt);
        idx = i64x2_add(idx, two);
    };
    if D > 0 {
        // The row's columns, each splatted once into both lanes.
        let mut xs = [f64x2_splat(0.0); D];
        for (v, &x) in xs.iter_mut().zip(row) {
            *v = f64x2_splat(x);
        }
        for blk in ct.chunks_exact(2 * D).take(kp / 2) {
            let mut acc = f64x2_splat(0.0);
            for (xv, c) in xs.iter().zip(blk.chunks_exact(2)) {
                let df = f64x2_sub(*xv, f64x2(c[0], c[1]));
                acc = f64x2_add(acc, f64x2_mul(df, df));
            }
            step(acc);
        }
    } else {
        for blk in ct.chunks_exact(2 * dd).take(kp / 2) {
            let mut acc = f64x2_splat(0.0);
            for (&x, c) in row.iter().zip(blk.chunks_exact(2)) {
                let df = f64x2_sub(f64x2_splat(x), f64x2(c[0], c[1]));
                acc = f64x2_add(acc, f64x2_mul(df, df));
            }
            step(acc);
        }
    }
    let (e1, o1) = (f64x2_extract_lane::<0>(b1), f64x2_extract_lane::<1>(b1));
    let (e2, o2) = (f64x2_extract_lane::<0>(b2), f64x2_extract_lane::<1>(b2));
    let (ei, oi) = (
        i64x2_extract_lane::<0>(best) as usize,
        i64x2_extract_lane::<1>(best) as usize,
    );
    // The odd lane wins only when strictly nearer, or equally near with a lower index.
    let odd = o1 < e1 || (o1 == e1 && oi < ei);
    let (j, v1, other) = if odd { (oi, o1, e1) } else { (ei, e1, o1) };
    let v2 = if other < e2 { other } else { e2 };
    let v2 = if o2 < v2 { o2 } else { v2 };
    (j, v1, v2)
}

/// Nearest centre (ties → lowest index), its squared distance and the second smallest squared
/// distance, with `ct` from [`transpose_centers`]; scalar, same order of operations as the
/// wasm32 simd128 version.
#[cfg(not(target_arch = "wasm32"))]
#[inline(always)]
fn nearest_t<const D: usize>(row: &[f64], ct: &[f64], d: usize, kp: usize) -> (usize, f64, f64) {
    let dd = if D == 0 { d } else { D };
    let row = &row[..dd];
    let (mut best, mut b1, mut b2) = (0, f64::INFINITY, f64::INFINITY);
    for (q, blk) in ct.chunks_exact(2 * dd).enumerate().take(kp / 2) {
        let (mut a0, mut a1) = (0.0, 0.0);
        for (&x, c) in row.iter().zip(blk.chunks_exact(2)) {
            let (d0, d1) = (x - c[0], x - c[1]);
            a0 += d0 * d0;
            a1 += d1 * d1;
        }
        take(2 * q, a0, &mut best, &mut b1, &mut b2);
        take(2 * q + 1, a1, &mut best, &mut b1, &mut b2);
    }
    (best, b1, b2)
}

/// Calls `$f::<D>` with `D` = the column count for 1 … 8 columns, `D = 0` (run-time) otherwise.
macro_rules! by_cols {
    ($d:expr, $f:ident ( $($a:expr),* )) => {
        match $d {
            1 => $f::<1>($($a),*),
            2 => $f::<2>($($a),*),
            3 => $f::<3>($($a),*),
            4 => $f::<4>($($a),*),
            5 => $f::<5>($($a),*),
            6 => $f::<6>($($a),*),
            7 => $f::<7>($($a),*),
            8 => $f::<8>($($a),*),
            _ => $f::<0>($($a),*),
        }
    };
}

/// The 0-based rows greedy k-means++ picks as initial centres for the first run of a fit with
/// this `seed` (the same stream [`KMeansValidParams::fit_rows`] uses).
///
/// Errors as [`KMeansValidParams::fit_rows`].
pub fn kmeans_plus_plus_rows(
    data: &[f64],
    n_cols: usize,
    k: usize,
    seed: u32,
) -> Result<Vec<usize>> {
    let d = n_cols;
    if d == 0 || data.len() % d != 0 {
        return Err(bad("nCols", "does not divide the number of values"));
    }
    check_finite(data, d)?;
    let n = data.len() / d;
    if k == 0 || n < k {
        return Err(Error::InsufficientData {
            message: format!("k-means++ with k = {k} needs at least {k} rows, got {n}"),
        });
    }
    let mut ws = Workspace::new(n, d, k, true, false, false);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(u64::from(seed));
    kmeans_plus_plus(data, n, d, k, &mut rng, &mut ws)?;
    Ok(ws.seeds)
}

/// Buffers allocated once per fit.
struct Workspace {
    centers: Vec<f64>,
    new_centers: Vec<f64>,
    sums: Vec<f64>,
    counts: Vec<usize>,
    labels: Vec<u32>,
    prev_labels: Vec<u32>,
    /// Squared distance of each row to its assigned centre (as of the last assignment).
    dist: Vec<f64>,
    /// Hamerly: upper bound of the distance to the assigned centre.
    upper: Vec<f64>,
    /// Lower bound of the distance to the nearest other centre, valid for `centers`.
    lower: Vec<f64>,
    half_sep: Vec<f64>,
    moved: Vec<f64>,
    /// Transposed centres (see `transpose_centers`).
    ct: Vec<f64>,
    /// Whether the next assignment pass also gathers the variance statistics (shifted sums of
    /// [`mean_variance`]), saving a separate pass over the data.
    want_stats: bool,
    s1: Vec<f64>,
    s2: Vec<f64>,
    cumsum: Vec<f64>,
    seeds: Vec<usize>,
    cand_dist: Vec<f64>,
    best_dist: Vec<f64>,
}

impl Workspace {
    /// Buffers for n rows; seeding (`pp`) and Hamerly (`hamerly`) buffers only when needed.
    fn new(n: usize, d: usize, k: usize, pp: bool, hamerly: bool, iterate: bool) -> Self {
        let (np, nh) = (if pp { n } else { 0 }, if hamerly { n } else { 0 });
        let ni = if iterate { n } else { 0 };
        Workspace {
            centers: vec![0.0; k * d],
            new_centers: vec![0.0; k * d],
            sums: vec![0.0; k * d],
            counts: vec![0; k],
            labels: vec![0; n],
            prev_labels: vec![0; ni],
            dist: vec![0.0; n],
            upper: vec![0.0; nh],
            lower: vec![0.0; n],
            half_sep: vec![0.0; k],
            moved: vec![0.0; k],
            ct: Vec::with_capacity(d * (k + 1)),
            want_stats: false,
            s1: vec![0.0; d],
            s2: vec![0.0; d],
            cumsum: vec![0.0; np],
            seeds: vec![0; k],
            cand_dist: vec![0.0; np],
            best_dist: vec![0.0; np],
        }
    }
}

/// Squared distances of every row to `c`, and their minimum with `prev`, summed.
fn pp_candidate<const D: usize>(
    data: &[f64],
    d: usize,
    c: &[f64],
    prev: &[f64],
    out: &mut [f64],
) -> f64 {
    let mut pot = 0.0;
    for ((row, o), p) in data.chunks_exact(d).zip(out.iter_mut()).zip(prev) {
        // A compare and select (`f64::min` is a libm call on wasm32); the values are finite.
        let v = dist::<D>(row, c);
        let v = if v < *p { v } else { *p };
        *o = v;
        pot += v;
    }
    pot
}

/// Greedy k-means++ into `ws.centers`.
fn kmeans_plus_plus(
    data: &[f64],
    n: usize,
    d: usize,
    k: usize,
    rng: &mut Xoshiro256PlusPlus,
    ws: &mut Workspace,
) -> Result<()> {
    let trials = 2 + libm::log(k as f64) as usize;
    let first = rng.gen_range(0..n as u64) as usize;
    let c0 = &data[first * d..(first + 1) * d];
    ws.centers[..d].copy_from_slice(c0);
    ws.seeds[0] = first;
    ws.best_dist.fill(f64::INFINITY);
    by_cols!(d, pp_candidate(data, d, c0, &ws.best_dist, &mut ws.dist));
    for c in 1..k {
        let mut total = 0.0;
        for (s, &v) in ws.cumsum.iter_mut().zip(&ws.dist) {
            total += v;
            *s = total;
        }
        if total <= 0.0 {
            return Err(Error::InsufficientData {
                message: format!("k-means with k = {k} needs at least {k} distinct rows"),
            });
        }
        let last_positive = ws.dist.iter().rposition(|&v| v > 0.0).unwrap_or(0);
        let mut best_pot = f64::INFINITY;
        let mut best_idx = 0;
        for _ in 0..trials {
            let r = rng.gen::<f64>() * total;
            let mut idx = ws.cumsum.partition_point(|&s| s <= r);
            if idx >= n || ws.dist[idx] <= 0.0 {
                idx = last_positive;
            }
            let cand = &data[idx * d..(idx + 1) * d];
            let pot = by_cols!(d, pp_candidate(data, d, cand, &ws.dist, &mut ws.cand_dist));
            if pot < best_pot {
                best_pot = pot;
                best_idx = idx;
                std::mem::swap(&mut ws.cand_dist, &mut ws.best_dist);
            }
        }
        std::mem::swap(&mut ws.dist, &mut ws.best_dist);
        ws.centers[c * d..(c + 1) * d].copy_from_slice(&data[best_idx * d..(best_idx + 1) * d]);
        ws.seeds[c] = best_idx;
    }
    Ok(())
}

fn assign_all_d<const D: usize>(
    data: &[f64],
    d: usize,
    (ct, kp): (&[f64], usize),
    labels: &mut [u32],
    dist: &mut [f64],
) -> f64 {
    let mut sse = 0.0;
    for ((row, l), o) in data
        .chunks_exact(d)
        .zip(labels.iter_mut())
        .zip(dist.iter_mut())
    {
        let (j, v, _) = nearest_t::<D>(row, ct, d, kp);
        *l = j as u32;
        *o = v;
        sse += v;
    }
    sse
}

/// Assigns every row to its nearest centre (full scan); writes labels and squared distances;
/// returns the SSE.
fn assign_all(
    data: &[f64],
    d: usize,
    centers: &[f64],
    labels: &mut [u32],
    dist: &mut [f64],
) -> f64 {
    let mut ct = Vec::new();
    let kp = transpose_centers(centers, d, &mut ct);
    by_cols!(d, assign_all_d(data, d, (&ct, kp), labels, dist))
}

fn final_assign_d<const D: usize>(data: &[f64], d: usize, kp: usize, ws: &mut Workspace) -> f64 {
    let mut sse = 0.0;
    let centers = &ws.centers;
    let ct = &ws.ct;
    // Squared half-separation of each centre, with the safety margin applied.
    let hs2: Vec<f64> = ws.half_sep.iter().map(|h| h * h * (1.0 - 1e-9)).collect();
    for (((row, l), o), lb) in data
        .chunks_exact(d)
        .zip(ws.labels.iter_mut())
        .zip(ws.dist.iter_mut())
        .zip(&ws.lower)
    {
        let a = *l as usize;
        let v = dist::<D>(row, &centers[a * d..(a + 1) * d]);
        // Keep the centre when it is provably nearest: closer than half the distance to any
        // other centre, or below the lower bound of every other centre's distance; both with a
        // relative margin far above rounding error.
        let keep = v < hs2[a] || (*lb > 0.0 && v < lb * lb * (1.0 - 1e-9));
        let (j, v) = if keep {
            (a, v)
        } else {
            let (j, v, _) = nearest_t::<D>(row, ct, d, kp);
            (j, v)
        };
        *l = j as u32;
        *o = v;
        sse += v;
    }
    sse
}

/// The final assignment to the returned centres: a row keeps its centre when it is provably
/// nearest (half-separation test, or the last iteration's lower bound); otherwise all centres
/// are scanned. Labels equal a full scan's. Returns the SSE.
fn final_assign(data: &[f64], d: usize, ws: &mut Workspace) -> f64 {
    let k = ws.centers.len() / d;
    half_separation(&ws.centers, d, k, &mut ws.half_sep);
    let kp = transpose_centers(&ws.centers, d, &mut ws.ct);
    by_cols!(d, final_assign_d(data, d, kp, ws))
}

/// Moves rows into empty clusters (farthest rows first) and recomputes the new centres.
/// Returns the sum of squared centre shifts; `ws.moved` holds each centre's shift.
fn update_centers(data: &[f64], d: usize, k: usize, ws: &mut Workspace) -> f64 {
    for j in 0..k {
        if ws.counts[j] > 0 {
            continue;
        }
        // Farthest row from its own centre; ties → lowest index.
        let mut far = 0;
        let mut far_v = -1.0;
        for (i, &v) in ws.dist.iter().enumerate() {
            if v > far_v && ws.counts[ws.labels[i] as usize] > 1 {
                far_v = v;
                far = i;
            }
        }
        if far_v < 0.0 {
            continue;
        }
        let old = ws.labels[far] as usize;
        let row = &data[far * d..(far + 1) * d];
        ws.counts[old] -= 1;
        for (s, v) in ws.sums[old * d..(old + 1) * d].iter_mut().zip(row) {
            *s -= v;
        }
        ws.counts[j] = 1;
        ws.sums[j * d..(j + 1) * d].copy_from_slice(row);
        ws.labels[far] = j as u32;
        ws.dist[far] = 0.0;
        // Its bounds no longer hold: force an exact check.
        ws.lower[far] = f64::NEG_INFINITY;
        if let Some(u) = ws.upper.get_mut(far) {
            *u = f64::INFINITY;
        }
    }
    let mut shift = 0.0;
    for j in 0..k {
        let c = ws.counts[j];
        for t in 0..d {
            let idx = j * d + t;
            let v = if c > 0 {
                ws.sums[idx] / c as f64
            } else {
                ws.centers[idx]
            };
            ws.new_centers[idx] = v;
        }
        let m = sq_dist(
            &ws.new_centers[j * d..(j + 1) * d],
            &ws.centers[j * d..(j + 1) * d],
        );
        ws.moved[j] = f64::sqrt(m);
        shift += m;
    }
    std::mem::swap(&mut ws.centers, &mut ws.new_centers);
    shift
}

/// Lowers every row's lower bound by the largest shift of a centre other than its own.
fn shrink_lower_bounds(ws: &mut Workspace) {
    let mut r1 = 0;
    let mut m1 = 0.0;
    let mut m2 = 0.0;
    for (j, &m) in ws.moved.iter().enumerate() {
        if m > m1 {
            m2 = m1;
            m1 = m;
            r1 = j;
        } else if m > m2 {
            m2 = m;
        }
    }
    if m1 == 0.0 {
        return;
    }
    for (lb, &l) in ws.lower.iter_mut().zip(&ws.labels) {
        *lb -= if l as usize == r1 { m2 } else { m1 };
    }
}

/// One fused Lloyd assignment + accumulation pass (labels, distances, lower bounds, sums).
fn lloyd_pass<const D: usize>(data: &[f64], d: usize, kp: usize, ws: &mut Workspace) {
    ws.sums.fill(0.0);
    ws.counts.fill(0);
    let ct = &ws.ct;
    let stats = ws.want_stats;
    let x0 = &data[..d];
    for (((row, l), o), lb) in data
        .chunks_exact(d)
        .zip(ws.labels.iter_mut())
        .zip(ws.dist.iter_mut())
        .zip(ws.lower.iter_mut())
    {
        let (j, v1, v2) = nearest_t::<D>(row, ct, d, kp);
        *l = j as u32;
        *o = v1;
        *lb = f64::sqrt(v2);
        if stats {
            add_stats(row, x0, &mut ws.s1, &mut ws.s2);
        }
        ws.counts[j] += 1;
        for (s, x) in ws.sums[j * d..(j + 1) * d].iter_mut().zip(row) {
            *s += x;
        }
    }
}

/// After a pass that gathered statistics: the mean variance, or the error for the first
/// non-finite value.
fn take_stats(data: &[f64], d: usize, ws: &mut Workspace, mean_var: &mut f64) -> Result<()> {
    if ws.want_stats {
        ws.want_stats = false;
        *mean_var = finish_stats(&ws.s1, &ws.s2, data.len() / d);
        if !mean_var.is_finite() {
            check_finite(data, d)?;
        }
    }
    Ok(())
}

fn run_lloyd(
    data: &[f64],
    d: usize,
    k: usize,
    max_iter: usize,
    tol_rel: f64,
    mean_var: &mut f64,
    ws: &mut Workspace,
) -> Result<(usize, bool)> {
    for it in 0..max_iter {
        if it > 0 {
            ws.prev_labels.copy_from_slice(&ws.labels);
        }
        let kp = transpose_centers(&ws.centers, d, &mut ws.ct);
        by_cols!(d, lloyd_pass(data, d, kp, ws));
        take_stats(data, d, ws, mean_var)?;
        let shift = update_centers(data, d, k, ws);
        shrink_lower_bounds(ws);
        if (it > 0 && ws.labels == ws.prev_labels) || shift <= tol_rel * *mean_var {
            return Ok((it + 1, true));
        }
    }
    Ok((max_iter, false))
}

/// Half the distance from every centre to its nearest other centre.
fn half_separation(centers: &[f64], d: usize, k: usize, out: &mut [f64]) {
    for j in 0..k {
        let mut m = f64::INFINITY;
        for q in 0..k {
            if q != j {
                let v = sq_dist(&centers[j * d..(j + 1) * d], &centers[q * d..(q + 1) * d]);
                m = m.min(v);
            }
        }
        out[j] = 0.5 * f64::sqrt(m);
    }
}

/// Hamerly's exact first assignment (two nearest distances for the bounds).
fn hamerly_init<const D: usize>(data: &[f64], d: usize, kp: usize, ws: &mut Workspace) {
    ws.sums.fill(0.0);
    ws.counts.fill(0);
    let ct = &ws.ct;
    let stats = ws.want_stats;
    let x0 = &data[..d];
    for (i, row) in data.chunks_exact(d).enumerate() {
        if stats {
            add_stats(row, x0, &mut ws.s1, &mut ws.s2);
        }
        let (l, v1, v2) = nearest_t::<D>(row, ct, d, kp);
        ws.labels[i] = l as u32;
        ws.dist[i] = v1;
        ws.upper[i] = f64::sqrt(v1);
        ws.lower[i] = f64::sqrt(v2);
        ws.counts[l] += 1;
        for (s, x) in ws.sums[l * d..(l + 1) * d].iter_mut().zip(row) {
            *s += x;
        }
    }
}

/// One Hamerly assignment pass: rows whose bounds prove their centre unchanged are skipped.
fn hamerly_pass<const D: usize>(data: &[f64], d: usize, kp: usize, ws: &mut Workspace) {
    ws.sums.fill(0.0);
    ws.counts.fill(0);
    let centers = &ws.centers;
    let ct = &ws.ct;
    for (i, row) in data.chunks_exact(d).enumerate() {
        let a = ws.labels[i] as usize;
        let m = ws.half_sep[a].max(ws.lower[i]);
        let mut l = a;
        if ws.upper[i] > m {
            let ua = dist::<D>(row, &centers[a * d..(a + 1) * d]);
            ws.upper[i] = f64::sqrt(ua);
            ws.dist[i] = ua;
            if ws.upper[i] > m {
                let (j, v1, v2) = nearest_t::<D>(row, ct, d, kp);
                l = j;
                ws.labels[i] = j as u32;
                ws.dist[i] = v1;
                ws.upper[i] = f64::sqrt(v1);
                ws.lower[i] = f64::sqrt(v2);
            }
        }
        // Sums for the update, in row order (as Lloyd's pass, so both give the same centres).
        ws.counts[l] += 1;
        for (s, x) in ws.sums[l * d..(l + 1) * d].iter_mut().zip(row) {
            *s += x;
        }
    }
}

fn run_hamerly(
    data: &[f64],
    d: usize,
    k: usize,
    max_iter: usize,
    tol_rel: f64,
    mean_var: &mut f64,
    ws: &mut Workspace,
) -> Result<(usize, bool)> {
    if k == 1 {
        return run_lloyd(data, d, k, max_iter, tol_rel, mean_var, ws);
    }
    let kp = transpose_centers(&ws.centers, d, &mut ws.ct);
    by_cols!(d, hamerly_init(data, d, kp, ws));
    take_stats(data, d, ws, mean_var)?;
    for it in 0..max_iter {
        if it > 0 {
            ws.prev_labels.copy_from_slice(&ws.labels);
            half_separation(&ws.centers, d, k, &mut ws.half_sep);
            let kp = transpose_centers(&ws.centers, d, &mut ws.ct);
            by_cols!(d, hamerly_pass(data, d, kp, ws));
            if ws.labels == ws.prev_labels {
                // Same labels → the update would give the same centres (as Lloyd's last step).
                return Ok((it + 1, true));
            }
        }
        if ws.counts.contains(&0) {
            // Exact distances for the farthest-row rule (skipped rows hold stale ones).
            for (i, row) in data.chunks_exact(d).enumerate() {
                let a = ws.labels[i] as usize;
                ws.dist[i] = sq_dist(row, &ws.centers[a * d..(a + 1) * d]);
            }
        }
        let shift = update_centers(data, d, k, ws);
        for (u, &l) in ws.upper.iter_mut().zip(&ws.labels) {
            *u += ws.moved[l as usize];
        }
        shrink_lower_bounds(ws);
        if shift <= tol_rel * *mean_var {
            return Ok((it + 1, true));
        }
    }
    Ok((max_iter, false))
}

/// `perm[new] = old` under `order`.
fn order_clusters(centers: &[f64], k: usize, d: usize, order: ClusterOrder) -> Vec<usize> {
    let mut perm: Vec<usize> = (0..k).collect();
    let row = |j: usize| &centers[j * d..(j + 1) * d];
    match order {
        ClusterOrder::AsFound => {}
        ClusterOrder::NormDescending => {
            perm.sort_by(|&a, &b| {
                let na: f64 = row(a).iter().map(|v| v * v).sum();
                let nb: f64 = row(b).iter().map(|v| v * v).sum();
                nb.total_cmp(&na).then(a.cmp(&b))
            });
        }
        ClusterOrder::FeatureDescending(f) => {
            perm.sort_by(|&a, &b| {
                let (ra, rb) = (row(a), row(b));
                let mut o = rb[f].total_cmp(&ra[f]);
                for t in f + 1..d {
                    o = o.then(rb[t].total_cmp(&ra[t]));
                }
                o.then(a.cmp(&b))
            });
        }
    }
    perm
}
