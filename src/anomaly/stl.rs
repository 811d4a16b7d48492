//! Seasonal-trend decomposition by loess (STL, Cleveland, Cleveland, McRae and Terpenning 1990)
//! with the settings and defaults of statsmodels' `STL` (0.15.0), and its multi-seasonal
//! extension MSTL (Bandara, Hyndman and Bergmeir 2021) as statsmodels' `MSTL` runs it.
//!
//! The loess passes are the reference Fortran's (netlib `stl`), which statsmodels' Cython code
//! also ports, transcribed in `stl/fortran.rs` with one shortcut: a fit whose window is
//! centred on its point (away from the ends, no robustness weights) is a fixed weighted moving
//! average, computed as one filter pass — the same result up to the last bits of a degree-1 fit,
//! about ten times faster than the `stlrs` crate's port of the same Fortran, which this module
//! used before (1.46 → 0.14 ms for three years of daily points, `examples/anomaly_bench.rs`).
//! Given the same windows, degrees, jumps and iterations the results agree with statsmodels' to
//! about 1e-12 (tests/anomaly.rs compares them on fixtures written by statsmodels, and with
//! `stlrs` on 312 combinations of settings). What this module adds is statsmodels' parameter
//! rules, which differ from the Fortran's and from `stlrs`' own defaults:
//!
//! - seasonal window `ns` = 7 (odd, ≥ 3);
//! - trend window `nt` = the smallest odd integer ≥ ⌈1.5·period / (1 − 1.5/ns)⌉ (odd, ≥ 3,
//!   greater than the period);
//! - low-pass window `nl` = the smallest odd integer > period (odd, ≥ 3, greater than the period);
//! - degrees 1 (seasonal, trend and low-pass), jumps 1;
//! - inner iterations 5 and outer (robustness) iterations 0, or 2 and 15 when `robust`.
//!
//! MSTL (several periods) sorts the periods, gives the i-th (from 1) the seasonal window
//! 7 + 4i unless one is set, and runs two rounds: in each round, for each period, the current
//! estimate of that period's seasonal component is added back to the deseasonalised series, STL
//! with that period re-estimates it, and it is subtracted again. The trend is the last STL's
//! trend; the remainder is the deseasonalised series minus that trend. (statsmodels drops periods
//! of at least half the series' length with a warning; here the caller only passes periods with
//! at least two full seasons.)
//!
//! The MSTL loop is written here rather than taken from `stlrs::Mstl`, which runs every period
//! with one set of STL parameters: statsmodels' trend and low-pass windows depend on the period,
//! and with one set the components differ from statsmodels' by about 1e-3 on the fixture.
//!
//! With no period at all, [`loess_trend`] is the degree-1 loess smoother of the same Fortran
//! (tricube weights over the `window` nearest points) on the whole series.

mod fortran;

use crate::error::{Error, Result};

/// MSTL rounds over all periods (statsmodels' `iterate` default).
pub const MSTL_ROUNDS: usize = 2;

/// The settings of one STL, before statsmodels' rules fill in what is not set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StlSettings {
    /// Seasonal window (odd, ≥ 3); `None`: 7, or 7 + 4i for the i-th period of an MSTL.
    pub seasonal_window: Option<usize>,
    /// Trend window (odd, ≥ 3, > period); `None`: statsmodels' rule.
    pub trend_window: Option<usize>,
    /// Low-pass window (odd, ≥ 3, > period); `None`: the smallest odd integer > period.
    pub low_pass_window: Option<usize>,
    /// Degree of the seasonal loess (0 or 1).
    pub seasonal_degree: u8,
    /// Degree of the trend loess (0 or 1).
    pub trend_degree: u8,
    /// Degree of the low-pass loess (0 or 1).
    pub low_pass_degree: u8,
    /// Seasonal loess evaluated every `seasonal_jump` points (≥ 1), interpolated between.
    pub seasonal_jump: usize,
    /// Trend loess step (≥ 1).
    pub trend_jump: usize,
    /// Low-pass loess step (≥ 1).
    pub low_pass_jump: usize,
    /// Robustness weights (bisquare of the remainder) between outer iterations.
    pub robust: bool,
    /// Inner iterations; `None`: 5, or 2 when robust.
    pub inner_iterations: Option<usize>,
    /// Outer iterations; `None`: 0, or 15 when robust.
    pub outer_iterations: Option<usize>,
}

impl Default for StlSettings {
    fn default() -> Self {
        StlSettings {
            seasonal_window: None,
            trend_window: None,
            low_pass_window: None,
            seasonal_degree: 1,
            trend_degree: 1,
            low_pass_degree: 1,
            seasonal_jump: 1,
            trend_jump: 1,
            low_pass_jump: 1,
            robust: false,
            inner_iterations: None,
            outer_iterations: None,
        }
    }
}

/// Every setting of one STL, after statsmodels' rules (what `STL(...).config` reports).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResolvedStl {
    /// Period (≥ 2).
    pub period: usize,
    /// Seasonal window.
    pub seasonal_window: usize,
    /// Trend window.
    pub trend_window: usize,
    /// Low-pass window.
    pub low_pass_window: usize,
    /// Seasonal degree.
    pub seasonal_degree: u8,
    /// Trend degree.
    pub trend_degree: u8,
    /// Low-pass degree.
    pub low_pass_degree: u8,
    /// Seasonal jump.
    pub seasonal_jump: usize,
    /// Trend jump.
    pub trend_jump: usize,
    /// Low-pass jump.
    pub low_pass_jump: usize,
    /// Robustness iterations on.
    pub robust: bool,
    /// Inner iterations.
    pub inner_iterations: usize,
    /// Outer iterations.
    pub outer_iterations: usize,
}

fn bad(option: &str, message: String) -> Error {
    Error::BadOption {
        option: option.into(),
        message,
    }
}

fn odd_window(option: &str, w: usize, period: usize) -> Result<usize> {
    if w < 3 || w % 2 == 0 {
        return Err(bad(
            option,
            format!("expected an odd whole number of at least 3, found {w}"),
        ));
    }
    if period > 0 && w <= period {
        return Err(bad(
            option,
            format!("must be greater than the period {period}, found {w}"),
        ));
    }
    Ok(w)
}

impl StlSettings {
    /// The settings for `period` (the `index`-th period of an MSTL from 0, in increasing order;
    /// `mstl` false for a single STL), with statsmodels' rules filling in what is not set;
    /// `E_BAD_OPTION` for an even or too short window, a window not above the period, or a
    /// degree other than 0 or 1.
    pub fn resolve(&self, period: usize, index: usize, mstl: bool) -> Result<ResolvedStl> {
        if period < 2 {
            return Err(bad(
                "seasonality",
                format!("a period must be at least 2, found {period}"),
            ));
        }
        let ns = match self.seasonal_window {
            Some(w) => odd_window("seasonalWindow", w, 0)?,
            None if mstl => 7 + 4 * (index + 1),
            None => 7,
        };
        let nt = match self.trend_window {
            Some(w) => odd_window("trendWindow", w, period)?,
            None => {
                let t = (1.5 * period as f64 / (1.0 - 1.5 / ns as f64)).ceil() as usize;
                t + usize::from(t % 2 == 0)
            }
        };
        let nl = match self.low_pass_window {
            Some(w) => odd_window("lowPassWindow", w, period)?,
            None => {
                let l = period + 1;
                l + usize::from(l % 2 == 0)
            }
        };
        for (name, d) in [
            ("seasonalDegree", self.seasonal_degree),
            ("trendDegree", self.trend_degree),
            ("lowPassDegree", self.low_pass_degree),
        ] {
            if d > 1 {
                return Err(bad(name, format!("expected 0 or 1, found {d}")));
            }
        }
        for (name, j) in [
            ("seasonalJump", self.seasonal_jump),
            ("trendJump", self.trend_jump),
            ("lowPassJump", self.low_pass_jump),
        ] {
            if j < 1 {
                return Err(bad(name, format!("expected at least 1, found {j}")));
            }
        }
        Ok(ResolvedStl {
            period,
            seasonal_window: ns,
            trend_window: nt,
            low_pass_window: nl,
            seasonal_degree: self.seasonal_degree,
            trend_degree: self.trend_degree,
            low_pass_degree: self.low_pass_degree,
            seasonal_jump: self.seasonal_jump,
            trend_jump: self.trend_jump,
            low_pass_jump: self.low_pass_jump,
            robust: self.robust,
            inner_iterations: self
                .inner_iterations
                .unwrap_or(if self.robust { 2 } else { 5 }),
            outer_iterations: self
                .outer_iterations
                .unwrap_or(if self.robust { 15 } else { 0 }),
        })
    }
}

/// A decomposition y = trend + Σ seasonal + remainder.
#[derive(Debug, Clone, PartialEq)]
pub struct Components {
    /// Trend.
    pub trend: Vec<f64>,
    /// One seasonal component per period, in the order of the periods given.
    pub seasonal: Vec<Vec<f64>>,
    /// Remainder.
    pub remainder: Vec<f64>,
    /// The settings used, per period (same order).
    pub settings: Vec<ResolvedStl>,
}

fn run(y: &[f64], s: &ResolvedStl) -> Result<(Vec<f64>, Vec<f64>)> {
    run_from(y, s, None)
}

fn run_from(y: &[f64], s: &ResolvedStl, start: Option<&[f64]>) -> Result<(Vec<f64>, Vec<f64>)> {
    if y.len() < 2 * s.period {
        return Err(Error::InsufficientData {
            message: format!(
                "a seasonal decomposition with period {} needs at least two seasons ({} points); the series has {}",
                s.period,
                2 * s.period,
                y.len()
            ),
        });
    }
    Ok(fortran::stl(y, s, start))
}

/// STL of `y` with one period whose inner loop starts from the trend `start` (the Fortran and
/// statsmodels start from 0) and runs at most `inner` passes (fewer than `settings` asks for
/// only when `inner` is smaller); the result's `settings` are those `settings` resolve to. For
/// refitting a series that differs from an already decomposed one at a few points (the masking
/// passes of anomaly detection): the inner loop converges from there in fewer passes.
/// `E_BAD_OPTION` and `E_INSUFFICIENT_DATA` as [`decompose`]; `start` must be as long as `y`.
pub fn refit(
    y: &[f64],
    period: usize,
    settings: &StlSettings,
    start: &[f64],
    inner: usize,
) -> Result<Components> {
    let n = y.len();
    if start.len() != n {
        return Err(bad(
            "trend",
            format!(
                "the starting trend has {} points, the series {n}",
                start.len()
            ),
        ));
    }
    let resolved = settings.resolve(period, 0, false)?;
    let mut s = resolved;
    s.inner_iterations = s.inner_iterations.min(inner.max(1));
    let (trend, seasonal) = run_from(y, &s, Some(start))?;
    let remainder = (0..n).map(|i| y[i] - trend[i] - seasonal[i]).collect();
    Ok(Components {
        trend,
        seasonal: vec![seasonal],
        remainder,
        settings: vec![resolved],
    })
}

/// STL of `y` with one period, or MSTL with several (see the module docs); `E_BAD_OPTION` for
/// bad settings, `E_INSUFFICIENT_DATA` when a period has fewer than two full seasons.
///
/// ```
/// use unimetric::anomaly::stl::{decompose, StlSettings};
/// let y: Vec<f64> = (0..28).map(|t| t as f64 + [3.0, -1.0, 0.0, 2.0, -2.0, -1.0, -1.0][t % 7]).collect();
/// let c = decompose(&y, &[7], &StlSettings::default()).unwrap();
/// assert_eq!(c.settings[0].trend_window, 15); // statsmodels' rule
/// assert_eq!(c.settings[0].low_pass_window, 9);
/// for t in 0..28 {
///     assert!((c.trend[t] + c.seasonal[0][t] + c.remainder[t] - y[t]).abs() < 1e-9);
/// }
/// ```
pub fn decompose(y: &[f64], periods: &[usize], settings: &StlSettings) -> Result<Components> {
    let n = y.len();
    if periods.is_empty() {
        return Err(bad("seasonality", "no period given".into()));
    }
    if periods.len() == 1 {
        let s = settings.resolve(periods[0], 0, false)?;
        let (trend, seasonal) = run(y, &s)?;
        let remainder = (0..n).map(|i| y[i] - trend[i] - seasonal[i]).collect();
        return Ok(Components {
            trend,
            seasonal: vec![seasonal],
            remainder,
            settings: vec![s],
        });
    }
    // Sorted order, ties by position, as statsmodels sorts the periods.
    let mut order: Vec<usize> = (0..periods.len()).collect();
    order.sort_by_key(|&i| (periods[i], i));
    let mut resolved = vec![settings.resolve(periods[order[0]], 0, true)?; periods.len()];
    for (rank, &i) in order.iter().enumerate() {
        resolved[i] = settings.resolve(periods[i], rank, true)?;
    }
    let mut seasonal = vec![vec![0.0; n]; periods.len()];
    let mut deseas = y.to_vec();
    let mut trend = vec![0.0; n];
    for _ in 0..MSTL_ROUNDS {
        for &i in &order {
            for (d, s) in deseas.iter_mut().zip(&seasonal[i]) {
                *d += *s;
            }
            let (t, s) = run(&deseas, &resolved[i])?;
            for (d, v) in deseas.iter_mut().zip(&s) {
                *d -= *v;
            }
            seasonal[i] = s;
            trend = t;
        }
    }
    let remainder = deseas.iter().zip(&trend).map(|(d, t)| d - t).collect();
    Ok(Components {
        trend,
        seasonal,
        remainder,
        settings: resolved,
    })
}

/// The degree-1 loess smoother of the reference Fortran (`ess` with jump 1, `est`): at each
/// point a weighted straight line through the `window` nearest points (the window slides along
/// and stops at the ends), tricube weights (1 − (d/h)³)³ with h the distance to the farthest
/// point of the window (plus (window − n)/2 when the window is longer than the series).
///
/// ```
/// use unimetric::anomaly::stl::loess_trend;
/// let line: Vec<f64> = (0..20).map(|t| 2.0 * t as f64 + 1.0).collect();
/// let fit = loess_trend(&line, 7);
/// assert!(fit.iter().zip(&line).all(|(a, b)| (a - b).abs() < 1e-9)); // a line is kept
/// ```
pub fn loess_trend(y: &[f64], window: usize) -> Vec<f64> {
    let n = y.len();
    if n < 2 {
        return y.to_vec();
    }
    let len = window.max(1);
    let nsh = len.div_ceil(2);
    let (mut left, mut right) = (1usize, len.min(n));
    let mut out = Vec::with_capacity(n);
    let mut w = vec![0.0; n];
    for i in 1..=n {
        if len < n && i > nsh && right != n {
            left += 1;
            right += 1;
        }
        out.push(estimate(y, len, i, left, right, &mut w).unwrap_or(y[i - 1]));
    }
    out
}

/// Fortran `est` with degree 1 and no robustness weights: the fit at `xs` (1-based) from the
/// points `left..=right` (1-based); `None` when every weight is 0.
fn estimate(
    y: &[f64],
    len: usize,
    xs: usize,
    left: usize,
    right: usize,
    w: &mut [f64],
) -> Option<f64> {
    let n = y.len();
    let range = (n - 1) as f64;
    let mut h = (xs - left).max(right - xs) as f64;
    if len > n {
        h += ((len - n) / 2) as f64;
    }
    let (h9, h1) = (0.999 * h, 0.001 * h);
    let mut a = 0.0;
    for j in left..=right {
        let r = (j as f64 - xs as f64).abs();
        let wj = if r <= h9 {
            if r <= h1 {
                1.0
            } else {
                let q = r / h;
                let c = 1.0 - q * q * q;
                c * c * c
            }
        } else {
            0.0
        };
        w[j - 1] = wj;
        a += wj;
    }
    if a <= 0.0 {
        return None;
    }
    for j in left..=right {
        w[j - 1] /= a;
    }
    if h > 0.0 {
        let mut a = 0.0;
        for j in left..=right {
            a += w[j - 1] * j as f64;
        }
        let b = xs as f64 - a;
        let mut c = 0.0;
        for j in left..=right {
            let d = j as f64 - a;
            c += w[j - 1] * d * d;
        }
        if c.sqrt() > 0.001 * range {
            let b = b / c;
            for j in left..=right {
                w[j - 1] *= b * (j as f64 - a) + 1.0;
            }
        }
    }
    let mut ys = 0.0;
    for j in left..=right {
        ys += w[j - 1] * y[j - 1];
    }
    Some(ys)
}
