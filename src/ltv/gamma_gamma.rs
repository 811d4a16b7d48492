//! The Gamma-Gamma spend model (Fader & Hardie 2013, "The Gamma-Gamma Model of Monetary
//! Value"): maximum-likelihood fit on repeat buyers and the conditional expected average
//! spend per transaction (`ltv.gamma_gamma`).
//!
//! Each transaction value is z ~ Gamma(p, ν) with a customer-level ν ~ Gamma(q, v), so a
//! customer's mean transaction value is p/ν. For a customer with x repeat transactions of mean
//! value m̄ the likelihood is
//!
//! ```text
//! L = Γ(px+q) / (Γ(px) Γ(q)) · v^q · m̄^(px−1) · x^(px) / (v + x m̄)^(px+q)
//! ```
//!
//! The model assumes spend is independent of purchase frequency; the fit reports the Pearson
//! correlation of frequency and mean spend among repeat buyers so that assumption can be read.

use super::optim;
use super::special::{digamma, ln_gamma, trigamma};
use crate::error::{Error, Result};
use crate::glossary::{Definition, DefinitionRef, ParamValue, ParameterDef};
use crate::progress::ProgressHook;
use crate::summary::CustomerSummary;
use serde::{Deserialize, Serialize};

/// `starts` of the Gamma-Gamma fit.
pub const STARTS: ParameterDef = ParameterDef::new("starts", "3", "Number of optimiser starting points (the best converged fit is kept). With more than 20,000 repeat buyers the starts run on a systematic subsample of about 10,000 and the best is refined on all.").number(3.0).range(1.0, 6.0).whole();
/// `maxIterations` of the Gamma-Gamma fit.
pub const MAX_ITERATIONS: ParameterDef = ParameterDef::new(
    "maxIterations",
    "500",
    "Iteration limit of each optimiser run (Newton with the analytic Hessian; BFGS as fallback).",
)
.number(500.0)
.range(1.0, 100_000.0)
.whole();
/// `tolerance` of the Gamma-Gamma fit.
pub const TOLERANCE: ParameterDef = ParameterDef::new("tolerance", "1e-6", "Convergence criterion: largest absolute gradient of the mean log-likelihood per repeat buyer with respect to the log-parameters.").number(1e-6).above(0.0);

/// Definition of `ltv.gamma_gamma`.
pub const DEFINITION: Definition = Definition {
    id: "ltv.gamma_gamma",
    version: "2.0.1",
    name: "Gamma-Gamma spend model",
    description: "Expected average value of a customer's future transactions (Fader & Hardie 2013), fitted by maximum likelihood on customers with at least one repeat purchase. Shrinks each customer's observed mean spend toward the population mean, more so for customers with few purchases. Assumes spend is independent of purchase frequency: check the reported frequency–spend correlation.",
    formula: "L = Γ(px+q)/(Γ(px)Γ(q)) · v^q · m̄^(px−1) · x^(px) / (v + x·m̄)^(px+q); E[Z | x, m̄] = (q−1)/(px+q−1) · p·v/(q−1) + px/(px+q−1) · m̄ = p(v + x·m̄)/(px + q − 1)",
    unit: "p, q: dimensionless; v: currency; expected spend: currency per transaction",
    parameters: &[
        STARTS,
        MAX_ITERATIONS,
        TOLERANCE,
    ],
    inputs: "Customer summary (frequency x and monetaryValue m̄ = mean repeat-purchase value); fitted on rows with x > 0, which must have m̄ > 0; at least two such customers.",
    depends_on: &["customer.summary"],
};

/// Gamma-Gamma parameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(deny_unknown_fields)]
pub struct GammaGammaParams {
    /// Shape of a transaction value.
    pub p: f64,
    /// Shape of the customer-level rate ν.
    pub q: f64,
    /// Rate of ν (written γ by Fader & Hardie), in currency.
    pub v: f64,
}

impl GammaGammaParams {
    /// Checks that every parameter is finite and positive.
    pub fn validate(&self) -> Result<()> {
        super::check_positive(&[
            ("params.p", self.p),
            ("params.q", self.q),
            ("params.v", self.v),
        ])
    }
}

/// Options of [`GammaGammaModel::fit`] (same meaning as for BG/NBD); JS `FitOptions`.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[cfg_attr(
    target_arch = "wasm32",
    derive(tsify::Tsify),
    tsify(missing_as_null, rename = "GammaGammaFitOptions")
)]
#[serde(
    rename = "GammaGammaFitOptions",
    rename_all = "camelCase",
    default,
    deny_unknown_fields
)]
pub struct GammaGammaOptions {
    /// Number of starting points (1–6; default 3).
    pub starts: usize,
    /// Iteration limit per start (default 500).
    pub max_iterations: usize,
    /// Gradient tolerance (default 1e-6).
    pub tolerance: f64,
}

impl Default for GammaGammaOptions {
    fn default() -> Self {
        GammaGammaOptions {
            starts: const { STARTS.default_number() } as usize,
            max_iterations: const { MAX_ITERATIONS.default_number() } as usize,
            tolerance: const { TOLERANCE.default_number() },
        }
    }
}

/// A fitted (or restored) Gamma-Gamma model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GammaGammaModel {
    /// Parameters.
    pub params: GammaGammaParams,
    /// Σ ln L over the repeat buyers at `params` (`None` for a model built from parameters).
    pub log_likelihood: Option<f64>,
    /// Standard errors of p, q, v (`None` where the Hessian is not positive definite).
    pub std_errors: [Option<f64>; 3],
    /// Whether the gradient criterion was met.
    pub converged: bool,
    /// BFGS iterations of the retained start.
    pub iterations: usize,
    /// Repeat buyers in the fit.
    pub customers: usize,
    /// Pearson correlation of frequency and mean spend among the repeat buyers (`None` when
    /// either is constant).
    pub frequency_spend_correlation: Option<f64>,
    /// Starts used.
    pub starts: usize,
    /// Iteration limit used.
    pub max_iterations: usize,
    /// Tolerance used.
    pub tolerance: f64,
}

struct Prepared {
    xs: Vec<f64>,
    x_count: Vec<f64>,
    x: Vec<f64>,
    m: Vec<f64>,
    /// ln m̄ per customer.
    ln_m: Vec<f64>,
}

impl Prepared {
    fn new(x: Vec<f64>, m: Vec<f64>) -> Prepared {
        let mut xs = x.clone();
        xs.sort_unstable_by(f64::total_cmp);
        xs.dedup();
        let mut x_count = vec![0.0; xs.len()];
        for &v in &x {
            if let Some(c) = x_count.get_mut(xs.partition_point(|&u| u < v)) {
                *c += 1.0;
            }
        }
        let ln_m = m.iter().map(|&v| libm::log(v)).collect();
        Prepared {
            xs,
            x_count,
            x,
            m,
            ln_m,
        }
    }

    fn eval(&self, prm: &[f64; 3], grad: &mut [f64; 3]) -> f64 {
        let [p, q, v] = *prm;
        let ln_v = libm::log(v);
        let (lg_q, dg_q) = (ln_gamma(q), digamma(q));
        let mut ll = 0.0;
        let mut g = [0.0; 3];
        for (k, &x) in self.xs.iter().enumerate() {
            let c = self.x_count[k];
            let px = p * x;
            let dg_pxq = digamma(px + q);
            ll += c * (ln_gamma(px + q) - ln_gamma(px) - lg_q + q * ln_v + px * libm::log(x));
            g[0] += c * x * (dg_pxq - digamma(px) + libm::log(x));
            g[1] += c * (dg_pxq - dg_q + ln_v);
            g[2] += c * q / v;
        }
        for i in 0..self.x.len() {
            let (x, m, lm) = (self.x[i], self.m[i], self.ln_m[i]);
            let px = p * x;
            let l = libm::log(x * m + v);
            ll += (px - 1.0) * lm - (px + q) * l;
            g[0] += x * (lm - l);
            g[1] -= l;
            g[2] -= (px + q) / (x * m + v);
        }
        *grad = g;
        ll
    }
}

impl Prepared {
    /// Σ ln L, gradient and Hessian (row-major 3 × 3) with respect to (p, q, v).
    fn eval_hess(&self, prm: &[f64; 3], grad: &mut [f64; 3], hess: &mut [f64; 9]) -> f64 {
        let [p, q, v] = *prm;
        let ln_v = libm::log(v);
        let (lg_q, dg_q, tg_q) = (ln_gamma(q), digamma(q), trigamma(q));
        let mut ll = 0.0;
        let mut g = [0.0; 3];
        // h00 h01 h02 h11 h12 h22
        let mut h = [0.0f64; 6];
        for (k, &x) in self.xs.iter().enumerate() {
            let c = self.x_count[k];
            let px = p * x;
            let dg_pxq = digamma(px + q);
            let tg_pxq = trigamma(px + q);
            ll += c * (ln_gamma(px + q) - ln_gamma(px) - lg_q + q * ln_v + px * libm::log(x));
            g[0] += c * x * (dg_pxq - digamma(px) + libm::log(x));
            g[1] += c * (dg_pxq - dg_q + ln_v);
            g[2] += c * q / v;
            h[0] += c * x * x * (tg_pxq - trigamma(px));
            h[1] += c * x * tg_pxq;
            h[3] += c * (tg_pxq - tg_q);
            h[4] += c / v;
            h[5] -= c * q / (v * v);
        }
        for i in 0..self.x.len() {
            let (x, m, lm) = (self.x[i], self.m[i], self.ln_m[i]);
            let px = p * x;
            let w = x * m + v;
            let l = libm::log(w);
            let iw = 1.0 / w;
            ll += (px - 1.0) * lm - (px + q) * l;
            g[0] += x * (lm - l);
            g[1] -= l;
            g[2] -= (px + q) * iw;
            h[2] -= x * iw;
            h[4] -= iw;
            h[5] += (px + q) * iw * iw;
        }
        *grad = g;
        *hess = [h[0], h[1], h[2], h[1], h[3], h[4], h[2], h[4], h[5]];
        ll
    }
}

/// Repeat buyers in the multi-start phase of a large fit.
const SUBSAMPLE: usize = 10_000;

/// Newton (then BFGS if Newton fails) on the mean negative log-likelihood in log-parameters.
fn fit_from(prep: &Prepared, x0: &[f64], opts: &GammaGammaOptions) -> Option<optim::Minimum> {
    let n = prep.x.len() as f64;
    let newton = optim::newton(
        |lp, g, h| {
            let p = [libm::exp(lp[0]), libm::exp(lp[1]), libm::exp(lp[2])];
            let mut gn = [0.0; 3];
            let mut hn = [0.0; 9];
            let ll = prep.eval_hess(&p, &mut gn, &mut hn);
            for i in 0..3 {
                g[i] = -gn[i] * p[i] / n;
                for j in 0..3 {
                    let diag = if i == j { p[i] * gn[i] } else { 0.0 };
                    h[i * 3 + j] = -(p[i] * p[j] * hn[i * 3 + j] + diag) / n;
                }
            }
            -ll / n
        },
        x0,
        opts.tolerance,
        opts.max_iterations,
        3.0,
    );
    if newton.as_ref().is_some_and(|m| m.converged) {
        return newton;
    }
    let bfgs = optim::minimize(
        |lp, g| {
            let p = [libm::exp(lp[0]), libm::exp(lp[1]), libm::exp(lp[2])];
            let mut gn = [0.0; 3];
            let ll = prep.eval(&p, &mut gn);
            for i in 0..3 {
                g[i] = -gn[i] * p[i] / n;
            }
            -ll / n
        },
        x0,
        opts.tolerance,
        opts.max_iterations,
        3.0,
    );
    match (newton, bfgs) {
        (Some(a), Some(b)) => Some(if b.converged || b.f < a.f { b } else { a }),
        (a, b) => a.or(b),
    }
}

/// Pearson correlation of two equal-length slices (`None` when either is constant).
pub fn pearson(a: &[f64], b: &[f64]) -> Option<f64> {
    let n = a.len().min(b.len());
    if n < 2 {
        return None;
    }
    let nf = n as f64;
    let ma = a.iter().take(n).sum::<f64>() / nf;
    let mb = b.iter().take(n).sum::<f64>() / nf;
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for i in 0..n {
        let (da, db) = (a[i] - ma, b[i] - mb);
        sab += da * db;
        saa += da * da;
        sbb += db * db;
    }
    (saa > 0.0 && sbb > 0.0).then(|| sab / f64::sqrt(saa * sbb))
}

/// Σ ln L of the Gamma-Gamma model at `params` over repeat buyers (x > 0, m̄ > 0), and its
/// gradient with respect to (p, q, v).
pub fn log_likelihood(params: &GammaGammaParams, x: &[f64], m: &[f64]) -> (f64, [f64; 3]) {
    let prep = Prepared::new(x.to_vec(), m.to_vec());
    let mut g = [0.0; 3];
    let ll = prep.eval(&[params.p, params.q, params.v], &mut g);
    (ll, g)
}

fn check_spend_columns(frequency: &[f64], monetary: &[f64]) -> Result<()> {
    if monetary.len() != frequency.len() {
        return Err(Error::LengthMismatch {
            column: "monetaryValue".into(),
            actual: monetary.len(),
            reference: "frequency".into(),
            expected: frequency.len(),
        });
    }
    for (i, (&x, &m)) in frequency.iter().zip(monetary).enumerate() {
        for (name, v) in [("frequency", x), ("monetaryValue", m)] {
            if !v.is_finite() {
                return Err(Error::NonFinite {
                    column: name.into(),
                    row: i + 1,
                    value: v,
                });
            }
            if v < 0.0 {
                return Err(Error::Negative {
                    column: name.into(),
                    row: i + 1,
                    value: v,
                });
            }
        }
        if x.fract() != 0.0 {
            return Err(Error::OutOfRange {
                column: "frequency".into(),
                row: i + 1,
                message: format!("frequency {x} is not a whole number"),
            });
        }
        if x > 0.0 && m <= 0.0 {
            return Err(Error::OutOfRange {
                column: "monetaryValue".into(),
                row: i + 1,
                message: format!(
                    "a customer with {x} repeat purchases must have a positive mean spend, found {m}"
                ),
            });
        }
    }
    Ok(())
}

impl GammaGammaModel {
    /// Fits the model on the repeat buyers (frequency > 0) of `summary`; see
    /// [`fit_columns`](Self::fit_columns).
    pub fn fit(summary: &CustomerSummary, opts: &GammaGammaOptions) -> Result<GammaGammaModel> {
        Self::fit_columns(&summary.frequency, &summary.monetary_value, opts)
    }

    /// Fits on columns (frequency, mean repeat spend); rows with frequency 0 are ignored.
    /// Several Newton starts (analytic Hessian; BFGS as fallback) on (ln p, ln q, ln v), run on a
    /// systematic subsample of about 10,000 repeat buyers when there are more than 20,000 and
    /// refined on all; the same convergence rules as
    /// [`BgNbdModel::fit`](super::bgnbd::BgNbdModel::fit). Standard errors from the analytic
    /// Hessian.
    ///
    /// Errors: `E_EMPTY` with no customers; `E_INSUFFICIENT_DATA` with fewer than two repeat
    /// buyers; `E_OUT_OF_RANGE` for a repeat buyer with a mean spend ≤ 0; `E_NOT_CONVERGED`.
    pub fn fit_columns(
        frequency: &[f64],
        monetary: &[f64],
        opts: &GammaGammaOptions,
    ) -> Result<GammaGammaModel> {
        Self::fit_columns_with_progress(frequency, monetary, opts, &mut crate::progress::silent)
    }

    /// [`fit`](Self::fit) reporting to `progress` before each optimiser start, before the
    /// refinement on all repeat buyers (large inputs only) and once at the end (stage
    /// `"gammaGamma"`; see [`crate::progress`]). An error from the hook stops the fit.
    pub fn fit_with_progress(
        summary: &CustomerSummary,
        opts: &GammaGammaOptions,
        progress: &mut ProgressHook<'_>,
    ) -> Result<GammaGammaModel> {
        Self::fit_columns_with_progress(&summary.frequency, &summary.monetary_value, opts, progress)
    }

    /// [`fit_columns`](Self::fit_columns) with a progress hook, as [`fit_with_progress`](Self::fit_with_progress).
    pub fn fit_columns_with_progress(
        frequency: &[f64],
        monetary: &[f64],
        opts: &GammaGammaOptions,
        progress: &mut ProgressHook<'_>,
    ) -> Result<GammaGammaModel> {
        STARTS.check_count(opts.starts as f64)?;
        MAX_ITERATIONS.check_count(opts.max_iterations as f64)?;
        TOLERANCE.check_number(opts.tolerance)?;
        check_spend_columns(frequency, monetary)?;
        super::bgnbd::check_not_empty(frequency.len())?;
        let (x, m): (Vec<f64>, Vec<f64>) = frequency
            .iter()
            .zip(monetary)
            .filter(|(x, _)| **x > 0.0)
            .map(|(x, m)| (*x, *m))
            .unzip();
        if x.len() < 2 {
            return Err(Error::InsufficientData {
                message: format!(
                    "the Gamma-Gamma fit needs at least two customers with a repeat purchase (frequency > 0); found {}",
                    x.len()
                ),
            });
        }
        let correlation = pearson(&x, &m);
        let prep = Prepared::new(x, m);
        let n = prep.x.len() as f64;
        let mean_m = prep.m.iter().sum::<f64>() / n;
        // Starts with the population mean p·v/(q−1) equal to the observed mean spend.
        let starts = [
            [1.0, 2.0, mean_m],
            [5.0, 3.0, 0.4 * mean_m],
            [0.5, 5.0, 8.0 * mean_m],
            [10.0, 10.0, 0.9 * mean_m],
            [2.0, 1.5, 0.25 * mean_m],
            [1.0, 20.0, 19.0 * mean_m],
        ];
        // Large inputs: the starts run on a systematic subsample, the best is refined on all.
        let sub = (prep.x.len() > 2 * SUBSAMPLE).then(|| {
            let step = prep.x.len().div_ceil(SUBSAMPLE);
            let xs: Vec<f64> = prep.x.iter().step_by(step).copied().collect();
            let ms: Vec<f64> = prep.m.iter().step_by(step).copied().collect();
            Prepared::new(xs, ms)
        });
        let best = optim::subsample_then_refine(
            &starts[..opts.starts],
            sub.is_some(),
            "gammaGamma",
            progress,
            |on_all, x0| {
                let data = if on_all {
                    &prep
                } else {
                    sub.as_ref().unwrap_or(&prep)
                };
                fit_from(data, x0, opts)
            },
        )?;
        let (best, p) = optim::accept_best::<3>(best, "Gamma-Gamma", |b| {
            match b {
            Some(b) => format!(
                "largest gradient {:.3e} after {} starts; spend may be nearly constant across customers",
                b.grad_max, opts.starts
            ),
            None => "the likelihood is not finite at any starting point".into(),
        }
        })?;
        let mut g = [0.0; 3];
        let mut hess = [0.0; 9];
        let ll = prep.eval_hess(&p, &mut g, &mut hess);
        let neg: Vec<f64> = hess.iter().map(|v| -v).collect();
        let se = optim::std_errors(&neg, 3);
        Ok(GammaGammaModel {
            params: GammaGammaParams {
                p: p[0],
                q: p[1],
                v: p[2],
            },
            log_likelihood: Some(ll),
            std_errors: [se[0], se[1], se[2]],
            converged: best.converged,
            iterations: best.iterations,
            customers: prep.x.len(),
            frequency_spend_correlation: correlation,
            starts: opts.starts,
            max_iterations: opts.max_iterations,
            tolerance: opts.tolerance,
        })
    }

    /// A model from known parameters, with no fit statistics.
    pub fn from_params(params: GammaGammaParams) -> Result<GammaGammaModel> {
        params.validate()?;
        let d = GammaGammaOptions::default();
        Ok(GammaGammaModel {
            params,
            log_likelihood: None,
            std_errors: [None; 3],
            converged: true,
            iterations: 0,
            customers: 0,
            frequency_spend_correlation: None,
            starts: d.starts,
            max_iterations: d.max_iterations,
            tolerance: d.tolerance,
        })
    }

    /// The definition reference of this model.
    pub fn definition(&self) -> DefinitionRef {
        DefinitionRef::new(&DEFINITION)
            .with("starts", ParamValue::Number(self.starts as f64))
            .with(
                "maxIterations",
                ParamValue::Number(self.max_iterations as f64),
            )
            .with("tolerance", ParamValue::Number(self.tolerance))
    }

    /// Conditional expected average spend per transaction for each customer of `summary`.
    pub fn expected_spend(&self, summary: &CustomerSummary) -> Result<Vec<f64>> {
        self.expected_spend_columns(&summary.frequency, &summary.monetary_value)
    }

    /// E[Z | x, m̄] = p(v + x·m̄)/(px + q − 1) per row. For a customer with no repeat purchase
    /// this is the population mean p·v/(q − 1), which exists only when q > 1: otherwise the
    /// row fails with `E_UNDEFINED`.
    ///
    /// ```
    /// use unimetric::ltv::gamma_gamma::{GammaGammaModel, GammaGammaParams};
    /// let m = GammaGammaModel::from_params(GammaGammaParams { p: 6.0, q: 4.0, v: 15.0 }).unwrap();
    /// // x = 0: population mean 6·15/3 = 30. x = 2, m̄ = 20: 6·(15 + 40)/(12 + 3) = 22.
    /// assert_eq!(m.expected_spend_columns(&[0.0, 2.0], &[0.0, 20.0]).unwrap(), vec![30.0, 22.0]);
    /// ```
    pub fn expected_spend_columns(&self, frequency: &[f64], monetary: &[f64]) -> Result<Vec<f64>> {
        check_spend_columns(frequency, monetary)?;
        let GammaGammaParams { p, q, v } = self.params;
        frequency
            .iter()
            .zip(monetary)
            .enumerate()
            .map(|(i, (&x, &m))| {
                let den = p * x + q - 1.0;
                if den <= 0.0 {
                    return Err(Error::Undefined {
                        metric: DEFINITION.id.into(),
                        message: format!(
                            "row {}: expected spend needs p·x + q > 1 (p = {p}, q = {q}, x = {x}); with q ≤ 1 the population mean spend is infinite",
                            i + 1
                        ),
                    });
                }
                Ok(p * (v + x * m) / den)
            })
            .collect()
    }
}
