//! Feature preparation for segmentation: optional `log1p` per feature, then z-score or robust
//! (median / IQR) scaling. The fitted [`FeatureTransform`] is stored with the model so new
//! customers are scored on the same scale, and centroids are reported in original units by
//! inverting it.
//!
//! * `log1p` — `x ↦ ln(1 + x)` (through `libm`), for skewed money and counts; a log1p feature
//!   must not be negative (`E_NEGATIVE`).
//! * `zscore` — `(x − mean) / sd`, sd with divisor `n`.
//! * `robust` — `(x − median) / IQR`, quartiles by linear interpolation between order
//!   statistics (position `p (n − 1)`, as NumPy's default).
//! * `none` — no scaling.
//!
//! A constant feature has sd (or IQR) 0; its scale is then 1 (robust falls back to the sd
//! first), so it contributes nothing to distances instead of dividing by zero.
//!
//! ```
//! use unimetric::segment::features::{FeatureTransform, Scaling};
//! // Two columns, 3 rows: [0, 10], [1, 20], [2, 30]
//! let x = [0.0, 10.0, 1.0, 20.0, 2.0, 30.0];
//! let t = FeatureTransform::fit(&x, 2, &["a".into(), "b".into()], &[false, false], Scaling::ZScore).unwrap();
//! let z = t.apply(&x, 2).unwrap();
//! let s = (2.0f64 / 3.0).sqrt(); // sd of 0, 1, 2 with divisor n
//! assert!((z[0] + 1.0 / s).abs() < 1e-12 && z[2] == 0.0);
//! assert_eq!(t.invert_row(&z[4..6]), vec![2.0, 30.0]);
//! ```

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// Scaling applied after the optional log1p (parameter [`super::SCALING`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "lowercase")]
pub enum Scaling {
    /// No scaling.
    None,
    /// `(x − mean) / sd` (divisor n).
    ZScore,
    /// `(x − median) / IQR`.
    Robust,
}

impl Default for Scaling {
    /// The default of parameter `scaling`.
    fn default() -> Self {
        Scaling::parse(const { super::SCALING.default_text() }).unwrap_or(Scaling::ZScore)
    }
}

impl Scaling {
    /// The option value.
    pub fn as_str(&self) -> &'static str {
        match self {
            Scaling::None => "none",
            Scaling::ZScore => "zscore",
            Scaling::Robust => "robust",
        }
    }
    /// Parses the option value.
    pub fn parse(s: &str) -> Result<Scaling> {
        match s {
            "none" => Ok(Scaling::None),
            "zscore" => Ok(Scaling::ZScore),
            "robust" => Ok(Scaling::Robust),
            _ => Err(Error::BadOption {
                option: "scaling".into(),
                message: format!("expected \"zscore\", \"robust\" or \"none\", got \"{s}\""),
            }),
        }
    }
}

/// A fitted per-feature transform: `z = (g(x) − center) / scale`, `g` = log1p or identity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(
    target_arch = "wasm32",
    derive(tsify::Tsify),
    tsify(missing_as_null, rename = "SegmentTransformJSON")
)]
#[serde(rename_all = "camelCase")]
pub struct FeatureTransform {
    /// Feature names (used in errors and profiles).
    pub names: Vec<String>,
    /// Whether log1p is applied per feature.
    pub log1p: Vec<bool>,
    /// The scaling.
    pub scaling: Scaling,
    /// Per-feature centre (after log1p).
    pub center: Vec<f64>,
    /// Per-feature scale (after log1p), > 0.
    pub scale: Vec<f64>,
}

/// Quantile by linear interpolation at position `p (n − 1)` of sorted values.
pub(crate) fn quantile_sorted(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let pos = p * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    let w = pos - lo as f64;
    sorted[lo] + w * (sorted[hi] - sorted[lo])
}

impl FeatureTransform {
    /// Fits the transform on row-major `data` with `n_cols` columns.
    ///
    /// Errors: `E_BAD_OPTION` (`nCols`, `featureNames` or `log1p` of the wrong length),
    /// `E_EMPTY`, `E_NON_FINITE`, `E_NEGATIVE` (log1p feature < 0).
    pub fn fit(
        data: &[f64],
        n_cols: usize,
        names: &[String],
        log1p: &[bool],
        scaling: Scaling,
    ) -> Result<FeatureTransform> {
        let d = n_cols;
        if d == 0 || data.len() % d != 0 {
            return Err(Error::BadOption {
                option: "nCols".into(),
                message: format!(
                    "{} values cannot be split into rows of {} columns",
                    data.len(),
                    d
                ),
            });
        }
        if names.len() != d {
            return Err(Error::BadOption {
                option: "featureNames".into(),
                message: format!("expected {d} names, got {}", names.len()),
            });
        }
        if log1p.len() != d {
            return Err(Error::BadOption {
                option: "log1p".into(),
                message: format!("expected {d} flags, got {}", log1p.len()),
            });
        }
        if data.is_empty() {
            return Err(Error::Empty {
                what: "features".into(),
            });
        }
        let mut t = FeatureTransform {
            names: names.to_vec(),
            log1p: log1p.to_vec(),
            scaling,
            center: vec![0.0; d],
            scale: vec![1.0; d],
        };
        let n = data.len() / d;
        let mut col = vec![0.0; n];
        for j in 0..d {
            for i in 0..n {
                col[i] = t.g(j, data[i * d + j], i + 1)?;
            }
            if scaling == Scaling::None {
                continue;
            }
            let mean = col.iter().sum::<f64>() / n as f64;
            let sd = f64::sqrt(col.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n as f64);
            let sd = if sd > 0.0 { sd } else { 1.0 };
            match scaling {
                Scaling::ZScore => {
                    t.center[j] = mean;
                    t.scale[j] = sd;
                }
                Scaling::Robust => {
                    col.sort_by(f64::total_cmp);
                    let iqr = quantile_sorted(&col, 0.75) - quantile_sorted(&col, 0.25);
                    t.center[j] = quantile_sorted(&col, 0.5);
                    t.scale[j] = if iqr > 0.0 { iqr } else { sd };
                }
                Scaling::None => {}
            }
        }
        Ok(t)
    }

    fn g(&self, j: usize, x: f64, row: usize) -> Result<f64> {
        crate::error::check_number(x, &self.names[j], row)?;
        if self.log1p[j] {
            if x < 0.0 {
                return Err(Error::Negative {
                    column: self.names[j].clone(),
                    row,
                    value: x,
                });
            }
            Ok(libm::log1p(x))
        } else {
            Ok(x)
        }
    }

    /// Number of features.
    pub fn n_cols(&self) -> usize {
        self.names.len()
    }

    /// Transforms row-major `data` (same columns as at fit time).
    pub fn apply(&self, data: &[f64], n_cols: usize) -> Result<Vec<f64>> {
        let d = self.n_cols();
        if n_cols != d || data.len() % d != 0 {
            return Err(Error::BadOption {
                option: "nCols".into(),
                message: format!(
                    "the model has {d} features; got {} values with nCols = {n_cols}",
                    data.len()
                ),
            });
        }
        let mut out = Vec::with_capacity(data.len());
        for (i, row) in data.chunks_exact(d).enumerate() {
            for (j, &x) in row.iter().enumerate() {
                out.push((self.g(j, x, i + 1)? - self.center[j]) / self.scale[j]);
            }
        }
        Ok(out)
    }

    /// Maps one transformed row back to original units (`expm1` undoes log1p).
    pub fn invert_row(&self, z: &[f64]) -> Vec<f64> {
        z.iter()
            .enumerate()
            .map(|(j, &v)| {
                let g = v * self.scale[j] + self.center[j];
                if self.log1p[j] {
                    libm::expm1(g)
                } else {
                    g
                }
            })
            .collect()
    }

    /// Checks a deserialised transform for consistency.
    pub fn validate(&self) -> Result<()> {
        let d = self.names.len();
        let ok = d > 0
            && self.log1p.len() == d
            && self.center.len() == d
            && self.scale.len() == d
            && self.center.iter().all(|v| v.is_finite())
            && self.scale.iter().all(|v| v.is_finite() && *v > 0.0);
        if ok {
            Ok(())
        } else {
            Err(Error::BadOption {
                option: "model".into(),
                message: "feature transform is inconsistent (names, log1p, center, scale)".into(),
            })
        }
    }
}
