//! Customer segments: k-means clustering with our own kernel behind linfa's traits.
//!
//! * [`kmeans`] — k-means (`segment.kmeans`): k-means++ seeding, Lloyd and Hamerly iterations,
//!   inertia as the sum of squared distances, a documented cluster order.

pub mod kmeans;

pub use kmeans::{
    Algorithm, ClusterOrder, Init, KMeans, KMeansFit, KMeansParams, KMeansValidParams,
};
