//! Customer segments: k-means with our own kernel behind linfa's traits, feature preparation,
//! choosing k, profiles and RFM scores.
//!
//! * [`kmeans`] — k-means: k-means++ seeding, Lloyd and Hamerly iterations, inertia as the sum
//!   of squared distances, a documented cluster order.
//! * [`features`] — log1p and z-score / robust scaling, stored with the model.
//! * [`model`] — the pipeline [`segment`], profiles with names, the saved [`SegmentModel`].
//! * [`choose`] — choosing k: inertia curve, silhouette, Calinski–Harabasz, recommended k.
//! * [`rfm`] — RFM quintile scores, cells and named segments.

pub mod choose;
pub mod features;
pub mod kmeans;
pub mod model;
pub mod rfm;

use crate::glossary::{Definition, ParameterDef};

pub use choose::{
    choose_k, choose_k_customers, choose_k_with_progress, ChooseK, ChooseKOptions, KScore,
};
pub use features::{FeatureTransform, Scaling};
pub use kmeans::{
    Algorithm, ClusterOrder, Init, KMeans, KMeansFit, KMeansParams, KMeansValidParams,
};
pub use model::{
    fit_kmeans, segment, segment_customers, segment_customers_with_progress, segment_with_progress,
    KMeansOptions, KMeansResult, Log1p, OrderBy, Profile, SegmentModel, SegmentOptions,
    Segmentation,
};

/// Parameter `k`.
pub const K: ParameterDef = ParameterDef::new("k", "4", "Number of clusters.")
    .number(4.0)
    .range(1.0, kmeans::MAX_K as f64)
    .whole();

/// Parameter `nInit`.
pub const N_INIT: ParameterDef = ParameterDef::new(
    "nInit",
    "3",
    "Runs from different k-means++ seeds; the lowest inertia wins (ties: earliest).",
)
.number(3.0)
.range(1.0, 1000.0)
.whole();

/// Parameter `maxIterations`.
pub const MAX_ITERATIONS: ParameterDef = ParameterDef::new(
    "maxIterations",
    "300",
    "Iteration limit per run (an iteration = assign every row, move every centre).",
)
.number(300.0)
.range(1.0, 100_000.0)
.whole();

/// Parameter `tolerance`.
pub const TOLERANCE: ParameterDef = ParameterDef::new("tolerance", "1e-4", "Convergence threshold relative to the mean feature variance of the prepared data (scikit-learn's convention).").number(1e-4).at_least(0.0);

/// Parameter `seed`.
pub const SEED: ParameterDef = ParameterDef::new(
    "seed",
    "0",
    "Seed (u32) of the Xoshiro256++ generator; same seed → same labels natively and in wasm.",
)
.number(0.0)
.range(0.0, 4_294_967_295.0)
.whole();

/// Parameter `algorithm`.
pub const ALGORITHM: ParameterDef = ParameterDef::new(
    "algorithm",
    "\"hamerly\"",
    "\"hamerly\" (pruned, same result as Lloyd up to exact distance ties) or \"lloyd\".",
)
.text("hamerly")
.one_of(&["hamerly", "lloyd"]);

/// Parameter `init`.
pub const INIT: ParameterDef = ParameterDef::new("init", "k-means++", "Given initial centres in the prepared space (row-major k × nCols) instead of k-means++; with maxIterations 1 this times exactly one Lloyd iteration.").rule("kMeansPlusPlus");

/// Parameter `scaling` (`segment` and `segmentCustomers`; `kmeans` takes features as given).
pub const SCALING: ParameterDef = ParameterDef::new("scaling", "\"zscore\"", "\"zscore\" ((x − mean)/sd, divisor n), \"robust\" ((x − median)/IQR) or \"none\"; a constant feature gets scale 1. Both segment and segmentCustomers default to \"zscore\"; kmeans takes features as given (none).").text("zscore").one_of(&["zscore", "robust", "none"]);

/// Parameter `featureNames` of `segment`.
pub const FEATURE_NAMES: ParameterDef = ParameterDef::new(
    "featureNames",
    "f0, f1, …",
    "segment: one name per column (profiles, errors, log1p and orderBy by name).",
)
.rule("f0, f1, …");

/// Parameter `log1p` of `segment`.
pub const LOG1P: ParameterDef = ParameterDef::new("log1p", "none", "segment: per-feature flags, or the names of the features, to which ln(1 + x) applies before scaling (feature must be ≥ 0).").rule("none");

/// Parameter `orderBy` of `segment`.
pub const ORDER_BY: ParameterDef = ParameterDef::new("orderBy", "feature 0", "segment: cluster numbering by descending centroid of a feature (its name or 0-based index; ties: later features, then discovery order), \"norm\" (descending centroid norm in the prepared space) or \"asFound\". Without it, the first feature.").rule("firstFeature");

/// Parameter `featureNames` of `segmentCustomers` (its own entry: the default differs from
/// `segment`'s).
pub const CUSTOMER_FEATURE_NAMES: ParameterDef = ParameterDef::new("segmentCustomers.featureNames", "monetaryValue, frequency, periodsSinceLastPurchase", "segmentCustomers and chooseKCustomers: names of the three customer features (option featureNames).").rule("monetaryValue, frequency, periodsSinceLastPurchase");

/// Parameter `log1p` of `segmentCustomers`.
pub const CUSTOMER_LOG1P: ParameterDef = ParameterDef::new(
    "segmentCustomers.log1p",
    "monetaryValue, frequency",
    "segmentCustomers and chooseKCustomers: features to which ln(1 + x) applies (option log1p).",
)
.rule("monetaryValue, frequency");

/// Parameter `orderBy` of `segmentCustomers`.
pub const CUSTOMER_ORDER_BY: ParameterDef = ParameterDef::new("segmentCustomers.orderBy", "\"monetaryValue\"", "segmentCustomers and chooseKCustomers: cluster numbering (option orderBy), by default descending monetaryValue.").text("monetaryValue");

/// The `nCols` argument of the functions on row-major features (an argument, not an option,
/// so it is not listed among the definition's parameters).
pub const N_COLS: ParameterDef = ParameterDef::new(
    "nCols",
    "required",
    "Columns per row of row-major features.",
)
.required()
.range(1.0, 10_000.0)
.whole();

/// Checks row-major features: `nCols` from 1 to 10000 dividing the length, at least one row,
/// every value finite and within [`crate::error::MAX_MAGNITUDE`].
///
/// Errors: `E_BAD_OPTION` (`nCols`), `E_EMPTY`, `E_NON_FINITE`, `E_OUT_OF_RANGE`.
pub fn check_features(data: &[f64], n_cols: f64) -> crate::Result<usize> {
    let d = N_COLS.check_count(n_cols)?;
    if data.is_empty() {
        return Err(crate::Error::Empty {
            what: "features".into(),
        });
    }
    if data.len() % d != 0 {
        return Err(crate::Error::BadOption {
            option: "nCols".into(),
            message: format!(
                "{} values cannot be split into rows of {d} columns",
                data.len()
            ),
        });
    }
    kmeans::check_finite(data, d)?;
    Ok(d)
}

/// `segment.kmeans`.
pub const DEFINITION: Definition = Definition {
    id: "segment.kmeans",
    version: "2.0.1",
    name: "k-means segments",
    description: "Customers grouped into k segments by k-means on prepared features (optional log1p, then z-score or robust scaling). Clusters are numbered by a fixed rule so segment 0 means the same customers on every dashboard; each has a size, share, centroid, per-feature mean and median in original units, and a descriptive name.",
    formula: "minimise inertia = Σ_i ‖z_i − c_label(i)‖² (sum of squared Euclidean distances in the prepared feature space — not divided by n as linfa does); z = (g(x) − center) / scale with g = log1p or identity; k-means++ seeding with 2 + ⌊ln k⌋ local trials; Lloyd or Hamerly iterations until labels stop changing or Σ_j ‖Δc_j‖² ≤ tolerance × mean feature variance; best of nInit runs by inertia",
    unit: "cluster label (0 … k−1)",
    parameters: &[
        K,
        N_INIT,
        MAX_ITERATIONS,
        TOLERANCE,
        SEED,
        ALGORITHM,
        INIT,
        SCALING,
        FEATURE_NAMES,
        LOG1P,
        ORDER_BY,
        CUSTOMER_FEATURE_NAMES,
        CUSTOMER_LOG1P,
        CUSTOMER_ORDER_BY,
        ParameterDef::new("emptyClusters", "farthest row", "An empty cluster takes the row farthest from its own centre (ties: lowest row), which leaves its cluster."),
        ParameterDef::new("inertia", "sum of squared distances (SSE)", "Convention of the reported inertia."),
    ],
    inputs: "Numeric features, row-major (n rows × nCols), all finite; or a CustomerSummary (features monetaryValue, frequency, periodsSinceLastPurchase = T − recency).",
    depends_on: &["customer.summary"],
};

/// Every segment definition, in glossary order.
pub const DEFINITIONS: &[&Definition] = &[&DEFINITION, &choose::DEFINITION, &rfm::DEFINITION];
