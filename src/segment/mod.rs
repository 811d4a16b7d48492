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
        ParameterDef { name: "k", description: "Number of clusters.", default: "4" },
        ParameterDef { name: "nInit", description: "Runs from different k-means++ seeds; the lowest inertia wins (ties: earliest).", default: "3" },
        ParameterDef { name: "maxIterations", description: "Iteration limit per run (an iteration = assign every row, move every centre).", default: "300" },
        ParameterDef { name: "tolerance", description: "Convergence threshold relative to the mean feature variance of the prepared data (scikit-learn's convention).", default: "1e-4" },
        ParameterDef { name: "seed", description: "Seed (u32) of the Xoshiro256++ generator; same seed → same labels natively and in wasm.", default: "0" },
        ParameterDef { name: "algorithm", description: "\"hamerly\" (pruned, same result as Lloyd up to exact distance ties) or \"lloyd\".", default: "\"hamerly\"" },
        ParameterDef { name: "init", description: "Given initial centres in the prepared space (row-major k × nCols) instead of k-means++; with maxIterations 1 this times exactly one Lloyd iteration.", default: "k-means++" },
        ParameterDef { name: "scaling", description: "\"zscore\" ((x − mean)/sd, divisor n), \"robust\" ((x − median)/IQR) or \"none\"; a constant feature gets scale 1.", default: "\"zscore\" (segmentCustomers: \"zscore\")" },
        ParameterDef { name: "log1p", description: "Per-feature flags: apply ln(1 + x) before scaling (feature must be ≥ 0).", default: "none (segmentCustomers: monetaryValue, frequency)" },
        ParameterDef { name: "orderBy", description: "Cluster numbering: descending centroid of this feature (ties: later features, then discovery order), or \"norm\" (descending centroid norm in the prepared space).", default: "feature 0 (segmentCustomers: monetaryValue)" },
        ParameterDef { name: "emptyClusters", description: "An empty cluster takes the row farthest from its own centre (ties: lowest row), which leaves its cluster.", default: "farthest row" },
        ParameterDef { name: "inertia", description: "Convention of the reported inertia.", default: "sum of squared distances (SSE)" },
    ],
    inputs: "Numeric features, row-major (n rows × nCols), all finite; or a CustomerSummary (features monetaryValue, frequency, periodsSinceLastPurchase = T − recency).",
};

/// Every segment definition, in glossary order.
pub const DEFINITIONS: &[&Definition] = &[&DEFINITION, &choose::DEFINITION, &rfm::DEFINITION];
