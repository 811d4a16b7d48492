//! Progress reports from long computations.
//!
//! The fits that can take seconds on large inputs (k-means with several `nInit` runs, the k
//! chooser, the BG/NBD and Gamma-Gamma optimiser starts) have a `*_with_progress` variant taking
//! a hook `&mut dyn FnMut(Progress) -> Result<()>`. The hook is called at natural boundaries
//! (before each run, k value or start, and once with `done == total` at the end); returning an
//! error (for example [`Error::Cancelled`](crate::Error::Cancelled)) stops the computation at
//! that boundary and the error is returned unchanged. The plain functions call the same code
//! with [`silent`], so the results are identical with and without a hook.
//!
//! ```
//! use unimetric::progress::Progress;
//! use unimetric::segment::{segment_with_progress, SegmentOptions};
//! let x = [1.0, 1.1, 0.9, 8.0, 8.2, 7.9];
//! let mut seen = Vec::new();
//! let opts = SegmentOptions { k: 2, n_init: 3, ..Default::default() };
//! segment_with_progress(&x, 1, &opts, &mut |p: Progress| {
//!     seen.push((p.done, p.total));
//!     Ok(())
//! })
//! .unwrap();
//! assert_eq!(seen, vec![(0, 3), (1, 3), (2, 3), (3, 3)]);
//! ```

use crate::error::Result;

/// One progress report: `done` of `total` steps of `stage` are finished (`done ≤ total`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Progress {
    /// What is running: `"kmeans"` (runs of `nInit`), `"chooseK"` (k-means runs over all k),
    /// `"bgnbd"` or `"gammaGamma"` (optimiser starts).
    pub stage: &'static str,
    /// Steps finished so far.
    pub done: usize,
    /// Steps in all.
    pub total: usize,
}

/// A progress hook: called with each report; an `Err` stops the computation with that error.
pub type ProgressHook<'a> = dyn FnMut(Progress) -> Result<()> + 'a;

/// The hook that ignores every report (what the functions without a hook use).
pub fn silent(_: Progress) -> Result<()> {
    Ok(())
}
