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

pub use choose::{choose_k, choose_k_with_progress, ChooseK, KScore};
pub use features::{FeatureTransform, Scaling};
pub use kmeans::{
    Algorithm, ClusterOrder, Init, KMeans, KMeansFit, KMeansParams, KMeansValidParams,
};
pub use model::{
    segment, segment_customers, segment_with_progress, Profile, SegmentModel, SegmentOptions,
    Segmentation,
};

/// `segment.kmeans`.
pub const DEFINITION: Definition = Definition {
    id: "segment.kmeans",
    version: "1.0.0",
    name: "k-means segments",
    description: "Customers grouped into k segments by k-means on prepared features (optional log1p, then z-score or robust scaling). Clusters are numbered by a fixed rule so segment 0 means the same customers on every dashboard; each has a size, share, centroid, per-feature mean and median in original units, and a descriptive name.",
    formula: "minimise inertia = Σ_i ‖z_i − c_label(i)‖² (sum of squared Euclidean distances in the prepared feature space — not divided by n as linfa does); z = (g(x) − center) / scale with g = log1p or identity; k-means++ seeding with 2 + ⌊ln k⌋ local trials; Lloyd or Hamerly iterations until labels stop changing or Σ_j ‖Δc_j‖² ≤ tolerance × mean feature variance; best of nInit runs by inertia",
    unit: "cluster label (0 … k−1)",
    parameters: &[
        ParameterDef::new("k", "4", "Number of clusters.").number(4.0).range(1.0, 1000.0).whole(),
        ParameterDef::new("nInit", "3", "Runs from different k-means++ seeds; the lowest inertia wins (ties: earliest).").number(3.0).range(1.0, 1000.0).whole(),
        ParameterDef::new("maxIterations", "300", "Iteration limit per run (an iteration = assign every row, move every centre).").number(300.0).range(1.0, 100_000.0).whole(),
        ParameterDef::new("tolerance", "1e-4", "Convergence threshold relative to the mean feature variance of the prepared data (scikit-learn's convention).").number(1e-4).at_least(0.0),
        ParameterDef::new("seed", "0", "Seed (u32) of the Xoshiro256++ generator; same seed → same labels natively and in wasm.").number(0.0).range(0.0, 4_294_967_295.0).whole(),
        ParameterDef::new("algorithm", "\"hamerly\"", "\"hamerly\" (pruned, same result as Lloyd up to exact distance ties) or \"lloyd\".").text("hamerly").one_of(&["hamerly", "lloyd"]),
        ParameterDef::new("init", "k-means++", "Given initial centres in the prepared space (row-major k × nCols) instead of k-means++; with maxIterations 1 this times exactly one Lloyd iteration."),
        ParameterDef::new("scaling", "\"zscore\" (segmentCustomers: \"zscore\")", "\"zscore\" ((x − mean)/sd, divisor n), \"robust\" ((x − median)/IQR) or \"none\"; a constant feature gets scale 1."),
        ParameterDef::new("log1p", "none (segmentCustomers: monetaryValue, frequency)", "Per-feature flags: apply ln(1 + x) before scaling (feature must be ≥ 0)."),
        ParameterDef::new("orderBy", "feature 0 (segmentCustomers: monetaryValue)", "Cluster numbering: descending centroid of this feature (ties: later features, then discovery order), or \"norm\" (descending centroid norm in the prepared space)."),
        ParameterDef::new("emptyClusters", "farthest row", "An empty cluster takes the row farthest from its own centre (ties: lowest row), which leaves its cluster."),
        ParameterDef::new("inertia", "sum of squared distances (SSE)", "Convention of the reported inertia."),
    ],
    inputs: "Numeric features, row-major (n rows × nCols), all finite; or a CustomerSummary (features monetaryValue, frequency, periodsSinceLastPurchase = T − recency).",
};

/// Every segment definition, in glossary order.
pub const DEFINITIONS: &[&Definition] = &[&DEFINITION, &choose::DEFINITION, &rfm::DEFINITION];
