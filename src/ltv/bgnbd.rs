//! The BG/NBD model (Fader, Hardie & Lee 2005, "Counting Your Customers the Easy Way"):
//! maximum-likelihood fit on a customer summary and per-customer predictions (`ltv.bgnbd`).
//!
//! While active, a customer buys as a Poisson process with rate λ ~ Gamma(r, α) (α a rate, in
//! the summary's period unit); after each repeat purchase they drop out with probability
//! p ~ Beta(a, b). For a customer with `x` repeat purchases, the last at `t_x`, observed for `T`
//! periods since their first purchase, the likelihood is
//!
//! ```text
//! L = B(a, b+x)/B(a, b) · Γ(r+x) αʳ / (Γ(r) (α+T)^(r+x))
//!   + [x > 0] · B(a+1, b+x−1)/B(a, b) · Γ(r+x) αʳ / (Γ(r) (α+t_x)^(r+x))
//! ```
//!
//! The fit maximises Σ ln L over ln r, ln α, ln a, ln b with analytic gradients and Hessian
//! (Newton's method, several starts, see [`super::optim`]); standard errors come from the
//! inverse of the analytic Hessian of −Σ ln L on the natural parameters.

use super::optim;
use super::special::{digamma, hyp2f1, ln_gamma, logistic, trigamma};
use crate::data::Period;
use crate::error::{Error, Result};
use crate::glossary::{Definition, DefinitionRef, ParamValue, ParameterDef};
use crate::progress::ProgressHook;
use crate::summary::CustomerSummary;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

/// The largest purchase count [`BgNbdModel::probability_of_purchases`] evaluates (its sum has
/// one term per purchase): one million.
pub const MAX_PURCHASE_COUNT: u32 = 1_000_000;

/// `starts` of the purchase-model fits (BG/NBD and Pareto/NBD).
pub const STARTS: ParameterDef = ParameterDef::new("starts", "3", "Number of optimiser starting points (the best converged fit is kept). With more than 20,000 customers the starts run on a systematic subsample of about 10,000 and the best is refined on all customers.").number(3.0).range(1.0, 10.0).whole();
/// `maxIterations` of the BG/NBD fit.
pub const MAX_ITERATIONS: ParameterDef = ParameterDef::new(
    "maxIterations",
    "500",
    "Iteration limit of each optimiser run (Newton with the analytic Hessian; BFGS as fallback).",
)
.number(500.0)
.range(1.0, 100_000.0)
.whole();
/// `tolerance` of the BG/NBD fit.
pub const TOLERANCE: ParameterDef = ParameterDef::new("tolerance", "1e-6", "Convergence criterion: largest absolute gradient of the mean log-likelihood per customer with respect to the log-parameters.").number(1e-6).above(0.0);

/// The `n` of `probabilityOfPurchases(t, n)`: a whole number of repeat purchases.
pub const PURCHASES: ParameterDef =
    ParameterDef::new("n", "required", "Number of repeat purchases (whole, ≥ 0).")
        .required()
        .range(0.0, 4_294_967_295.0)
        .whole();

/// Definition of `ltv.bgnbd`.
pub const DEFINITION: Definition = Definition {
    id: "ltv.bgnbd",
    version: "2.0.1",
    name: "BG/NBD purchase model",
    description: "Beta-geometric / negative-binomial model of repeat purchasing (Fader, Hardie & Lee 2005), fitted by maximum likelihood on the customer summary. Gives each customer's probability of still being active and expected purchases in the next t periods. A customer with no repeat purchase has P(alive) = 1 by construction of the model (they are flagged), so read that value with care.",
    formula: "L = B(a,b+x)/B(a,b)·Γ(r+x)αʳ/(Γ(r)(α+T)^(r+x)) + [x>0]·B(a+1,b+x−1)/B(a,b)·Γ(r+x)αʳ/(Γ(r)(α+t_x)^(r+x)); P(alive) = 1/(1 + [x>0]·a/(b+x−1)·((α+T)/(α+t_x))^(r+x)); E[Y(t)|x,t_x,T] = (a+b+x−1)/(a−1)·[1 − ((α+T)/(α+T+t))^(r+x)·₂F₁(r+x, b+x; a+b+x−1; t/(α+T+t))] / (1 + [x>0]·a/(b+x−1)·((α+T)/(α+t_x))^(r+x)); E[X(t)] = (a+b−1)/(a−1)·[1 − (α/(α+t))ʳ·₂F₁(r, b; a+b−1; t/(α+t))]",
    unit: "r, a, b: dimensionless; α: periods of the summary; predictions: purchases, probability (0–1)",
    parameters: &[
        STARTS,
        MAX_ITERATIONS,
        TOLERANCE,
    ],
    inputs: "Customer summary (frequency x, recency t_x, T in the summary's period unit); at least two customers with a repeat purchase.",
    depends_on: &["customer.summary"],
};

/// BG/NBD parameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(deny_unknown_fields)]
pub struct BgNbdParams {
    /// Shape of the purchase-rate gamma distribution.
    pub r: f64,
    /// Rate of the purchase-rate gamma distribution (in periods).
    pub alpha: f64,
    /// First shape of the dropout-probability beta distribution.
    pub a: f64,
    /// Second shape of the dropout-probability beta distribution.
    pub b: f64,
}

impl BgNbdParams {
    /// Checks that every parameter is finite and positive.
    pub fn validate(&self) -> Result<()> {
        super::check_positive(&[
            ("params.r", self.r),
            ("params.alpha", self.alpha),
            ("params.a", self.a),
            ("params.b", self.b),
        ])
    }

    fn as_array(&self) -> [f64; 4] {
        [self.r, self.alpha, self.a, self.b]
    }
}

/// Options of [`BgNbdModel::fit`] (and of the Pareto/NBD fit); JS `FitOptions`.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[cfg_attr(
    target_arch = "wasm32",
    derive(tsify::Tsify),
    tsify(missing_as_null, rename = "FitOptions")
)]
#[serde(
    rename = "FitOptions",
    rename_all = "camelCase",
    default,
    deny_unknown_fields
)]
pub struct BgNbdOptions {
    /// Number of starting points (1–10; default 3).
    pub starts: usize,
    /// Iteration limit per start (default 500).
    pub max_iterations: usize,
    /// Gradient tolerance on the mean log-likelihood in log-parameters (default 1e-6).
    pub tolerance: f64,
}

impl Default for BgNbdOptions {
    fn default() -> Self {
        BgNbdOptions {
            starts: const { STARTS.default_number() } as usize,
            max_iterations: const { MAX_ITERATIONS.default_number() } as usize,
            tolerance: const { TOLERANCE.default_number() },
        }
    }
}

impl BgNbdOptions {
    fn validate(&self) -> Result<()> {
        STARTS.check_count(self.starts as f64)?;
        MAX_ITERATIONS.check_count(self.max_iterations as f64)?;
        TOLERANCE.check_number(self.tolerance).map(|_| ())
    }
}

/// A fitted (or restored) BG/NBD model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BgNbdModel {
    /// Parameters.
    pub params: BgNbdParams,
    /// Σ ln L over the fitted customers at `params` (`None` for a model built from parameters).
    pub log_likelihood: Option<f64>,
    /// Standard errors of r, α, a, b (`None` where the Hessian is not positive definite).
    pub std_errors: [Option<f64>; 4],
    /// Whether the gradient criterion was met (see [`BgNbdModel::fit`]).
    pub converged: bool,
    /// BFGS iterations of the retained start.
    pub iterations: usize,
    /// Customers in the fit.
    pub customers: usize,
    /// Period unit of the summary the model was fitted on (α and t are in this unit).
    pub period: Period,
    /// Options used by the fit.
    pub starts: usize,
    /// Iteration limit used by the fit.
    pub max_iterations: usize,
    /// Tolerance used by the fit.
    pub tolerance: f64,
}

/// Per-customer data of the likelihood, compressed: the terms that depend only on x are
/// computed once per distinct x, and ln(α + v) once per distinct T or t_x value.
struct Prepared {
    /// Distinct frequencies and how many customers have each.
    xs: Vec<f64>,
    x_count: Vec<f64>,
    /// Distinct T and t_x values.
    vals: Vec<f64>,
    /// Per customer: index into `xs`, into `vals` for T, into `vals` for t_x.
    ix: Vec<u32>,
    it: Vec<u32>,
    ir: Vec<u32>,
    n: f64,
}

/// `E_EMPTY` for a fit on a summary of zero customers (a summary with customers but too few
/// repeat buyers is `E_INSUFFICIENT_DATA`).
pub(crate) fn check_not_empty(customers: usize) -> Result<()> {
    if customers == 0 {
        return Err(Error::Empty {
            what: "customer summary".into(),
        });
    }
    Ok(())
}

/// Validates the summary columns used by the model and returns (x, t_x, T) borrowed.
pub(crate) fn check_columns(frequency: &[f64], recency: &[f64], t: &[f64]) -> Result<()> {
    let n = frequency.len();
    if recency.len() != n || t.len() != n {
        return Err(Error::LengthMismatch {
            column: if recency.len() != n { "recency" } else { "T" }.into(),
            actual: if recency.len() != n {
                recency.len()
            } else {
                t.len()
            },
            reference: "frequency".into(),
            expected: n,
        });
    }
    for i in 0..n {
        let (x, r, tt) = (frequency[i], recency[i], t[i]);
        for (name, v) in [("frequency", x), ("recency", r), ("T", tt)] {
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
        if r > tt {
            return Err(Error::OutOfRange {
                column: "recency".into(),
                row: i + 1,
                message: format!("recency {r} is greater than T {tt}"),
            });
        }
    }
    Ok(())
}

/// Interns values to dense indices in first-appearance order (deterministic).
#[derive(Default)]
struct Interner {
    /// Direct table for whole numbers 0 ≤ v < DIRECT (the usual case: periods), else the map.
    direct: Vec<u32>,
    map: FxHashMap<u64, u32>,
    values: Vec<f64>,
}

const DIRECT: usize = 1 << 16;

impl Interner {
    fn index(&mut self, v: f64) -> u32 {
        let next = self.values.len() as u32;
        if v >= 0.0 && v < DIRECT as f64 && v.fract() == 0.0 {
            if self.direct.is_empty() {
                self.direct = vec![u32::MAX; DIRECT];
            }
            if let Some(slot) = self.direct.get_mut(v as usize) {
                if *slot == u32::MAX {
                    *slot = next;
                    self.values.push(v);
                }
                return *slot;
            }
        }
        let k = *self.map.entry(v.to_bits()).or_insert(next);
        if k == next {
            self.values.push(v);
        }
        k
    }
}

impl Prepared {
    fn new(frequency: &[f64], recency: &[f64], t: &[f64]) -> Prepared {
        let mut xi = Interner::default();
        let mut vi = Interner::default();
        let mut x_count: Vec<f64> = Vec::new();
        let mut ix = Vec::with_capacity(frequency.len());
        let mut it = Vec::with_capacity(frequency.len());
        let mut ir = Vec::with_capacity(frequency.len());
        for i in 0..frequency.len() {
            let k = xi.index(frequency[i]);
            if k as usize == x_count.len() {
                x_count.push(0.0);
            }
            if let Some(c) = x_count.get_mut(k as usize) {
                *c += 1.0;
            }
            ix.push(k);
            it.push(vi.index(t[i]));
            ir.push(vi.index(recency[i]));
        }
        let (xs, vals) = (xi.values, vi.values);
        Prepared {
            xs,
            x_count,
            vals,
            ix,
            it,
            ir,
            n: frequency.len() as f64,
        }
    }

    /// The terms of Σ ln L (and gradient) that depend only on x, and the per-value tables in
    /// `scratch` for the per-customer terms.
    fn eval_x_terms(&self, p: &[f64; 4], grad: &mut [f64; 4], scratch: &mut Scratch) -> f64 {
        let [r, alpha, a, b] = *p;
        let ln_alpha = libm::log(alpha);
        let ln_a = libm::log(a);
        let (lg_r, dg_r) = (ln_gamma(r), digamma(r));
        let (lg_ab, dg_ab) = (ln_gamma(a + b), digamma(a + b));
        let (lg_b, dg_b) = (ln_gamma(b), digamma(b));
        let mut ll = 0.0;
        let mut g = [0.0; 4];
        scratch.xt.clear();
        for (k, &x) in self.xs.iter().enumerate() {
            let c = self.x_count[k];
            let a1 = ln_gamma(r + x) - lg_r + r * ln_alpha;
            let a2 = lg_ab + ln_gamma(b + x) - lg_b - ln_gamma(a + b + x);
            ll += c * (a1 + a2);
            let dg_abx = digamma(a + b + x);
            g[0] += c * (digamma(r + x) - dg_r + ln_alpha);
            g[1] += c * r / alpha;
            g[2] += c * (dg_ab - dg_abx);
            g[3] += c * (dg_ab + digamma(b + x) - dg_b - dg_abx);
            let bx1 = b + x - 1.0;
            let (ln_pref, inv_bx1) = if x > 0.0 {
                (ln_a - libm::log(bx1), 1.0 / bx1)
            } else {
                (0.0, 0.0)
            };
            scratch.xt.push((r + x, ln_pref, inv_bx1, x > 0.0));
        }
        scratch.lv.clear();
        scratch.iv.clear();
        for &v in &self.vals {
            scratch.lv.push(libm::log(alpha + v));
            scratch.iv.push(1.0 / (alpha + v));
        }
        *grad = g;
        ll
    }

    /// Σ ln L and its gradient with respect to (r, α, a, b).
    fn eval(&self, p: &[f64; 4], grad: &mut [f64; 4], scratch: &mut Scratch) -> f64 {
        let [_, _, a, _] = *p;
        let mut ll = self.eval_x_terms(p, grad, scratch);
        let g = *grad;
        let (lv, iv, xt) = (&scratch.lv, &scratch.iv, &scratch.xt);
        let inv_a = 1.0 / a;
        let (mut gr, mut gal, mut ga, mut gb) = (0.0, 0.0, 0.0, 0.0);
        for i in 0..self.ix.len() {
            let (rx, ln_pref, inv_bx1, repeat) = xt[self.ix[i] as usize];
            let jt = self.it[i] as usize;
            let l_t = lv[jt];
            let a3 = -rx * l_t;
            if !repeat {
                ll += a3;
                gr -= l_t;
                gal -= rx * iv[jt];
                continue;
            }
            let jr = self.ir[i] as usize;
            let l_r = lv[jr];
            let a4 = ln_pref - rx * l_r;
            let d = a4 - a3;
            let (m, e) = if d > 0.0 {
                (a4, libm::exp(-d))
            } else {
                (a3, libm::exp(d))
            };
            ll += m + libm::log1p(e);
            let big = 1.0 / (1.0 + e);
            let small = e * big;
            let (w3, w4) = if d > 0.0 { (small, big) } else { (big, small) };
            gr -= w3 * l_t + w4 * l_r;
            gal -= rx * (w3 * iv[jt] + w4 * iv[jr]);
            ga += w4 * inv_a;
            gb -= w4 * inv_bx1;
        }
        grad[0] = g[0] + gr;
        grad[1] = g[1] + gal;
        grad[2] = g[2] + ga;
        grad[3] = g[3] + gb;
        ll
    }
}

impl Prepared {
    /// Σ ln L, its gradient and its Hessian (row-major 4 × 4) with respect to (r, α, a, b).
    fn eval_hess(
        &self,
        p: &[f64; 4],
        grad: &mut [f64; 4],
        hess: &mut [f64; 16],
        scratch: &mut Scratch,
    ) -> f64 {
        let [r, alpha, a, b] = *p;
        let mut ll = self.eval_x_terms(p, grad, scratch);
        let (tg_r, tg_ab, tg_b) = (trigamma(r), trigamma(a + b), trigamma(b));
        // h00 h01 h02 h03 h11 h12 h13 h22 h23 h33
        let mut h = [0.0f64; 10];
        for (k, &x) in self.xs.iter().enumerate() {
            let c = self.x_count[k];
            let tg_abx = trigamma(a + b + x);
            h[0] += c * (trigamma(r + x) - tg_r);
            h[1] += c / alpha;
            h[4] -= c * r / (alpha * alpha);
            h[7] += c * (tg_ab - tg_abx);
            h[8] += c * (tg_ab - tg_abx);
            h[9] += c * (tg_ab + trigamma(b + x) - tg_b - tg_abx);
        }
        let (lv, iv, xt) = (&scratch.lv, &scratch.iv, &scratch.xt);
        let inv_a = 1.0 / a;
        let (mut gr, mut gal, mut ga, mut gb) = (0.0, 0.0, 0.0, 0.0);
        for i in 0..self.ix.len() {
            let (rx, ln_pref, inv_bx1, repeat) = xt[self.ix[i] as usize];
            let jt = self.it[i] as usize;
            let (l_t, i_t) = (lv[jt], iv[jt]);
            if !repeat {
                ll -= rx * l_t;
                gr -= l_t;
                gal -= rx * i_t;
                h[1] -= i_t;
                h[4] += rx * i_t * i_t;
                continue;
            }
            let jr = self.ir[i] as usize;
            let (l_r, i_r) = (lv[jr], iv[jr]);
            let a3 = -rx * l_t;
            let a4 = ln_pref - rx * l_r;
            let d = a4 - a3;
            let e = libm::exp(-d.abs());
            ll += a3.max(a4) + libm::log1p(e);
            let big = 1.0 / (1.0 + e);
            let small = e * big;
            let (w3, w4) = if d > 0.0 { (small, big) } else { (big, small) };
            gr -= w3 * l_t + w4 * l_r;
            gal -= rx * (w3 * i_t + w4 * i_r);
            ga += w4 * inv_a;
            gb -= w4 * inv_bx1;
            let w34 = w3 * w4;
            let dl = [l_r - l_t, -rx * (i_t - i_r), -inv_a, inv_bx1];
            h[0] += w34 * dl[0] * dl[0];
            h[1] += -(w3 * i_t + w4 * i_r) + w34 * dl[0] * dl[1];
            h[2] += w34 * dl[0] * dl[2];
            h[3] += w34 * dl[0] * dl[3];
            h[4] += rx * (w3 * i_t * i_t + w4 * i_r * i_r) + w34 * dl[1] * dl[1];
            h[5] += w34 * dl[1] * dl[2];
            h[6] += w34 * dl[1] * dl[3];
            h[7] += -w4 * inv_a * inv_a + w34 * dl[2] * dl[2];
            h[8] += w34 * dl[2] * dl[3];
            h[9] += w4 * inv_bx1 * inv_bx1 + w34 * dl[3] * dl[3];
        }
        grad[0] += gr;
        grad[1] += gal;
        grad[2] += ga;
        grad[3] += gb;
        *hess = [
            h[0], h[1], h[2], h[3], //
            h[1], h[4], h[5], h[6], //
            h[2], h[5], h[7], h[8], //
            h[3], h[6], h[8], h[9],
        ];
        scratch.last = Some((*p, ll, *hess));
        ll
    }
}

#[derive(Default)]
struct Scratch {
    /// Natural parameters, Σ ln L and Hessian of the last `eval_hess`.
    last: Option<([f64; 4], f64, [f64; 16])>,
    xt: Vec<(f64, f64, f64, bool)>,
    lv: Vec<f64>,
    iv: Vec<f64>,
}

/// Customers in the multi-start phase of a large fit (see [`BgNbdModel::fit`]).
const SUBSAMPLE: usize = 10_000;

/// Newton (then BFGS if Newton fails) on the mean negative log-likelihood in log-parameters.
fn fit_from(
    prep: &Prepared,
    x0: &[f64],
    opts: &BgNbdOptions,
    scratch: &mut Scratch,
) -> Option<optim::Minimum> {
    let n = prep.n;
    let newton = optim::newton(
        |lp, g, h| {
            let p = [
                libm::exp(lp[0]),
                libm::exp(lp[1]),
                libm::exp(lp[2]),
                libm::exp(lp[3]),
            ];
            let mut gn = [0.0; 4];
            let mut hn = [0.0; 16];
            let ll = prep.eval_hess(&p, &mut gn, &mut hn, scratch);
            for i in 0..4 {
                g[i] = -gn[i] * p[i] / n;
                for j in 0..4 {
                    let diag = if i == j { p[i] * gn[i] } else { 0.0 };
                    h[i * 4 + j] = -(p[i] * p[j] * hn[i * 4 + j] + diag) / n;
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
            let p = [
                libm::exp(lp[0]),
                libm::exp(lp[1]),
                libm::exp(lp[2]),
                libm::exp(lp[3]),
            ];
            let mut gn = [0.0; 4];
            let ll = prep.eval(&p, &mut gn, scratch);
            for i in 0..4 {
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

/// Σ ln L of the BG/NBD model at `params` over customers (x, t_x, T), and its gradient with
/// respect to (r, α, a, b). Inputs must be valid (see [`BgNbdModel::fit`]).
///
/// ```
/// use unimetric::ltv::bgnbd::{log_likelihood, BgNbdParams};
/// // One customer with no repeat purchase observed for T = 2 under r = α = a = b = 1:
/// // L = B(1,1)/B(1,1) · Γ(1)·1 / (Γ(1)·(1+2)^1) = 1/3.
/// let p = BgNbdParams { r: 1.0, alpha: 1.0, a: 1.0, b: 1.0 };
/// let (ll, _) = log_likelihood(&p, &[0.0], &[0.0], &[2.0]);
/// assert!((ll - (1.0f64 / 3.0).ln()).abs() < 1e-14);
/// ```
pub fn log_likelihood(
    params: &BgNbdParams,
    frequency: &[f64],
    recency: &[f64],
    t: &[f64],
) -> (f64, [f64; 4]) {
    let prep = Prepared::new(frequency, recency, t);
    let mut g = [0.0; 4];
    let ll = prep.eval(&params.as_array(), &mut g, &mut Scratch::default());
    (ll, g)
}

/// The Hessian (row-major 4 × 4, order r, α, a, b) of Σ ln L at `params`.
pub fn log_likelihood_hessian(
    params: &BgNbdParams,
    frequency: &[f64],
    recency: &[f64],
    t: &[f64],
) -> [f64; 16] {
    let prep = Prepared::new(frequency, recency, t);
    let (mut g, mut h) = ([0.0; 4], [0.0; 16]);
    prep.eval_hess(&params.as_array(), &mut g, &mut h, &mut Scratch::default());
    h
}

impl BgNbdModel {
    /// Fits the model to a customer summary by maximum likelihood.
    ///
    /// Several starts (`starts`, default 3) run Newton's method with the analytic Hessian (BFGS
    /// when Newton fails) on (ln r, ln α, ln a, ln b), minimising the mean negative
    /// log-likelihood per customer; the start with the highest likelihood among those that met
    /// the gradient criterion is kept. With more than 20,000 customers the starts run on a
    /// systematic subsample of about 10,000 (every k-th row) and the best one is refined on all
    /// customers (all starts are rerun on all customers if that refinement does not converge).
    /// Standard errors come from the inverse of the analytic Hessian of −Σ ln L. When none met it but the best one stopped
    /// with a largest gradient below 1e-3 (a flat likelihood, e.g. a parameter drifting toward
    /// a boundary), the model is returned with `converged = false`; otherwise the fit fails with
    /// `E_NOT_CONVERGED`.
    ///
    /// Errors: `E_EMPTY` with no customers; `E_INSUFFICIENT_DATA` when fewer than two customers
    /// have a repeat purchase; column errors for invalid summaries; `E_BAD_OPTION` for invalid
    /// options.
    pub fn fit(summary: &CustomerSummary, opts: &BgNbdOptions) -> Result<BgNbdModel> {
        Self::fit_columns(
            &summary.frequency,
            &summary.recency,
            &summary.t,
            summary.period,
            opts,
        )
    }

    /// [`fit`](Self::fit) on raw columns (x, t_x, T) in periods of `period`.
    pub fn fit_columns(
        frequency: &[f64],
        recency: &[f64],
        t: &[f64],
        period: Period,
        opts: &BgNbdOptions,
    ) -> Result<BgNbdModel> {
        Self::fit_columns_with_progress(
            frequency,
            recency,
            t,
            period,
            opts,
            &mut crate::progress::silent,
        )
    }

    /// [`fit`](Self::fit) reporting to `progress` before each optimiser start, before the
    /// refinement on all customers (large inputs only) and once at the end (stage `"bgnbd"`;
    /// see [`crate::progress`]). An error from the hook stops the fit and is returned.
    pub fn fit_with_progress(
        summary: &CustomerSummary,
        opts: &BgNbdOptions,
        progress: &mut ProgressHook<'_>,
    ) -> Result<BgNbdModel> {
        Self::fit_columns_with_progress(
            &summary.frequency,
            &summary.recency,
            &summary.t,
            summary.period,
            opts,
            progress,
        )
    }

    /// [`fit_columns`](Self::fit_columns) with a progress hook, as [`fit_with_progress`](Self::fit_with_progress).
    pub fn fit_columns_with_progress(
        frequency: &[f64],
        recency: &[f64],
        t: &[f64],
        period: Period,
        opts: &BgNbdOptions,
        progress: &mut ProgressHook<'_>,
    ) -> Result<BgNbdModel> {
        opts.validate()?;
        check_columns(frequency, recency, t)?;
        check_not_empty(frequency.len())?;
        let repeaters = frequency.iter().filter(|&&x| x > 0.0).count();
        if repeaters < 2 {
            return Err(Error::InsufficientData {
                message: format!(
                    "the BG/NBD fit needs at least two customers with a repeat purchase (frequency > 0); found {repeaters} among {} customers",
                    frequency.len()
                ),
            });
        }
        let prep = Prepared::new(frequency, recency, t);
        let n = prep.n;
        let mean_x = frequency.iter().sum::<f64>() / n;
        let mean_t = (t.iter().sum::<f64>() / n).max(1e-9);
        // Starting points: purchase rate r/α near the observed mean rate x̄ / T̄.
        let rate = (mean_x / mean_t).max(1e-6);
        let starts: [[f64; 4]; 10] = [
            [1.0, 1.0 / rate, 1.0, 1.0],
            [0.3, 0.3 / rate, 0.5, 2.0],
            [3.0, 3.0 / rate, 2.0, 4.0],
            [0.5, 0.5 / rate, 1.0, 3.0],
            [1.0, 1.0 / rate, 0.3, 0.3],
            [2.0, 2.0 / rate, 4.0, 10.0],
            [0.1, 0.1 / rate, 1.0, 1.0],
            [1.0, 1.0 / rate, 5.0, 1.0],
            [5.0, 5.0 / rate, 0.5, 0.5],
            [0.2, 0.2 / rate, 3.0, 8.0],
        ];
        let mut scratch = Scratch::default();
        // Large inputs: the starts run on a systematic subsample, the best is refined on all.
        let sub = (frequency.len() > 2 * SUBSAMPLE)
            .then(|| {
                let step = frequency.len().div_ceil(SUBSAMPLE);
                let pick = |v: &[f64]| -> Vec<f64> { v.iter().step_by(step).copied().collect() };
                let (fx, rx, tx) = (pick(frequency), pick(recency), pick(t));
                (fx.iter().filter(|&&x| x > 0.0).count() >= 2).then(|| Prepared::new(&fx, &rx, &tx))
            })
            .flatten();
        let best = optim::subsample_then_refine(
            &starts[..opts.starts],
            sub.is_some(),
            "bgnbd",
            progress,
            |on_all, x0| {
                let data = if on_all {
                    &prep
                } else {
                    sub.as_ref().unwrap_or(&prep)
                };
                fit_from(data, x0, opts, &mut scratch)
            },
        )?;
        let (best, p) = optim::accept_best::<4>(best, "BG/NBD", |b| {
            match b {
            Some(b) => format!(
                "largest gradient {:.3e} after {} starts; the data may not fit the model (too few repeat buyers, or T in a much larger unit than the purchase gaps)",
                b.grad_max, opts.starts
            ),
            None => "the likelihood is not finite at any starting point".into(),
        }
        })?;
        // The optimiser's last evaluation is usually at the optimum: reuse its Hessian.
        let (ll, hess) = match scratch.last {
            Some((q, ll, h)) if q == p => (ll, h),
            _ => {
                let (mut g, mut h) = ([0.0; 4], [0.0; 16]);
                let ll = prep.eval_hess(&p, &mut g, &mut h, &mut scratch);
                (ll, h)
            }
        };
        let neg: Vec<f64> = hess.iter().map(|v| -v).collect();
        let se = optim::std_errors(&neg, 4);
        Ok(BgNbdModel {
            params: BgNbdParams {
                r: p[0],
                alpha: p[1],
                a: p[2],
                b: p[3],
            },
            log_likelihood: Some(ll),
            std_errors: [se[0], se[1], se[2], se[3]],
            converged: best.converged,
            iterations: best.iterations,
            customers: frequency.len(),
            period,
            starts: opts.starts,
            max_iterations: opts.max_iterations,
            tolerance: opts.tolerance,
        })
    }

    /// A model from known parameters (e.g. published ones), with no fit statistics.
    pub fn from_params(params: BgNbdParams, period: Period) -> Result<BgNbdModel> {
        params.validate()?;
        let d = BgNbdOptions::default();
        Ok(BgNbdModel {
            params,
            log_likelihood: None,
            std_errors: [None; 4],
            converged: true,
            iterations: 0,
            customers: 0,
            period,
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
            .with("period", ParamValue::Text(self.period.as_str().into()))
    }

    /// P(alive) for each customer of `summary`, and a flag per customer that is true when the
    /// customer has no repeat purchase (P(alive) = 1 by construction of the model).
    pub fn probability_alive(&self, summary: &CustomerSummary) -> Result<(Vec<f64>, Vec<bool>)> {
        self.check_period(summary)?;
        self.probability_alive_columns(&summary.frequency, &summary.recency, &summary.t)
    }

    /// [`probability_alive`](Self::probability_alive) on raw columns.
    ///
    /// P(alive | x, t_x, T) = 1 / (1 + [x > 0] · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x)).
    pub fn probability_alive_columns(
        &self,
        frequency: &[f64],
        recency: &[f64],
        t: &[f64],
    ) -> Result<(Vec<f64>, Vec<bool>)> {
        check_columns(frequency, recency, t)?;
        let BgNbdParams { r, alpha, a, b } = self.params;
        let mut p = Vec::with_capacity(frequency.len());
        let mut flag = Vec::with_capacity(frequency.len());
        for i in 0..frequency.len() {
            let x = frequency[i];
            if x == 0.0 {
                p.push(1.0);
                flag.push(true);
            } else {
                let log_odds = libm::log(a / (b + x - 1.0))
                    + (r + x) * libm::log((alpha + t[i]) / (alpha + recency[i]));
                p.push(logistic(-log_odds));
                flag.push(false);
            }
        }
        Ok((p, flag))
    }

    /// Conditional expected repeat purchases in the next `t` periods, per customer.
    pub fn expected_purchases(&self, summary: &CustomerSummary, t: f64) -> Result<Vec<f64>> {
        self.check_period(summary)?;
        self.expected_purchases_columns(&summary.frequency, &summary.recency, &summary.t, t)
    }

    /// [`expected_purchases`](Self::expected_purchases) on raw columns (see the formula in
    /// [`DEFINITION`]).
    pub fn expected_purchases_columns(
        &self,
        frequency: &[f64],
        recency: &[f64],
        t_obs: &[f64],
        t: f64,
    ) -> Result<Vec<f64>> {
        check_horizon(t)?;
        check_columns(frequency, recency, t_obs)?;
        (0..frequency.len())
            .map(|i| self.conditional_expected(frequency[i], recency[i], t_obs[i], t, i + 1))
            .collect()
    }

    /// The part of the conditional expected purchases of a customer (x, t_x, T) that depends
    /// only on (x, T), at several horizons `ts`: `out[k]` = 1 − ((α+T)/(α+T+tₖ))^(r+x) ·
    /// ₂F₁(r+x, b+x; a+b+x−1; zₖ), so that E[X(tₖ) | x, t_x, T] =
    /// (a+b+x−1)/(a−1) · P(alive | x, t_x, T) · `out[k]`.
    /// `pw[k]` must be ((α+T)/(α+T+tₖ))^(a−1) and `zs[k]` = tₖ/(α+T+tₖ) (they depend only on
    /// T, so callers share them across customers). Values whose product with the scale would
    /// be negative (rounding, about 1e-17) are set to 0.
    pub(crate) fn expected_path_shape(
        &self,
        x: f64,
        zs: &[f64],
        pw: &[f64],
        out: &mut [f64],
        row: usize,
    ) -> Result<()> {
        let BgNbdParams { r, a, b, .. } = self.params;
        let am1 = clamp_am1(a);
        let c = a + b + x - 1.0;
        if !super::special::hyp2f1_many(a + b - 1.0 - r, am1, c, zs, out) {
            return Err(Error::Undefined {
                metric: DEFINITION.id.into(),
                message: format!(
                    "row {row}: the hypergeometric term ₂F₁({}, {am1}; {c}; ·) cannot be evaluated",
                    a + b - 1.0 - r
                ),
            });
        }
        for (k, v) in out.iter_mut().enumerate() {
            let g = 1.0 - pw[k] * *v;
            // The factor (a+b+x−1)/(a−1) · P(alive) has the sign of (a+b+x−1)/(a−1): the
            // product is ≥ 0 exactly when g has that sign too.
            *v = if zs[k] == 0.0 {
                0.0
            } else if (c > 0.0) == (am1 > 0.0) {
                g.max(0.0)
            } else {
                g.min(0.0)
            };
        }
        Ok(())
    }

    pub(crate) fn conditional_expected(
        &self,
        x: f64,
        tx: f64,
        big_t: f64,
        t: f64,
        row: usize,
    ) -> Result<f64> {
        if t == 0.0 {
            return Ok(0.0);
        }
        let BgNbdParams { r, alpha, a, b } = self.params;
        let am1 = a - 1.0;
        let am1 = if am1.abs() < 1e-10 {
            1e-10f64.copysign(am1)
        } else {
            am1
        };
        let c = a + b + x - 1.0;
        let z = t / (alpha + big_t + t);
        // ((α+T)/(α+T+t))^(r+x) · ₂F₁(r+x, b+x; c; z) with Euler's transformation
        // ₂F₁(A, B; C; z) = (1−z)^(C−A−B) ₂F₁(C−A, C−B; C; z) and 1 − z = (α+T)/(α+T+t):
        // = (1−z)^(a−1) · ₂F₁(a+b−1−r, a−1; a+b+x−1; z), whose series converges fast for large x.
        let hyp = hyp2f1(a + b - 1.0 - r, am1, c, z).ok_or_else(|| Error::Undefined {
            metric: DEFINITION.id.into(),
            message: format!(
                "row {row}: the hypergeometric term ₂F₁({}, {}; {}; {z}) cannot be evaluated",
                a + b - 1.0 - r,
                am1,
                c
            ),
        })?;
        let first = c / am1;
        let second = 1.0 - libm::pow(1.0 - z, am1) * hyp;
        let denom = if x > 0.0 {
            1.0 + a / (b + x - 1.0) * libm::pow((alpha + big_t) / (alpha + tx), r + x)
        } else {
            1.0
        };
        let v = first * second / denom;
        if v.is_finite() {
            Ok(v.max(0.0))
        } else {
            Err(Error::Undefined {
                metric: DEFINITION.id.into(),
                message: format!("row {row}: expected purchases overflow at these parameters"),
            })
        }
    }

    /// Expected repeat purchases of a new customer in their first `t` periods:
    /// E[X(t)] = (a+b−1)/(a−1) · [1 − (α/(α+t))ʳ · ₂F₁(r, b; a+b−1; t/(α+t))].
    pub fn expected_purchases_new(&self, t: f64) -> Result<f64> {
        check_horizon(t)?;
        if t == 0.0 {
            return Ok(0.0);
        }
        let BgNbdParams { r, alpha, a, b } = self.params;
        let c = a + b - 1.0;
        let hyp = hyp2f1(r, b, c, t / (alpha + t)).ok_or_else(|| Error::Undefined {
            metric: DEFINITION.id.into(),
            message: format!("₂F₁({r}, {b}; {c}; ·) cannot be evaluated (a + b − 1 = {c})"),
        })?;
        let am1 = a - 1.0;
        let am1 = if am1.abs() < 1e-10 {
            1e-10f64.copysign(am1)
        } else {
            am1
        };
        let v = c / am1 * (1.0 - libm::pow(alpha / (alpha + t), r) * hyp);
        if v.is_finite() {
            Ok(v)
        } else {
            Err(Error::Undefined {
                metric: DEFINITION.id.into(),
                message: "expected purchases overflow at these parameters".into(),
            })
        }
    }

    /// Probability that a new customer makes exactly `n` repeat purchases in their first `t`
    /// periods (FHL 2005, eq. 8):
    ///
    /// ```text
    /// P(X(t) = n) = B(a, b+n)/B(a, b) · Γ(r+n)/(Γ(r) n!) · (α/(α+t))ʳ · (t/(α+t))ⁿ
    ///             + [n > 0] · B(a+1, b+n−1)/B(a, b) · [1 − (α/(α+t))ʳ · Σⱼ₌₀ⁿ⁻¹ Γ(r+j)/(Γ(r) j!) · (t/(α+t))ʲ]
    /// ```
    ///
    /// The sum has `n` terms, so `n` is limited to [`MAX_PURCHASE_COUNT`] (`E_BAD_OPTION` above).
    pub fn probability_of_purchases(&self, t: f64, n: u32) -> Result<f64> {
        check_horizon(t)?;
        if n > MAX_PURCHASE_COUNT {
            return Err(Error::BadOption {
                option: "n".into(),
                message: format!(
                    "{n} purchases: the probability is computed for at most {MAX_PURCHASE_COUNT}"
                ),
            });
        }
        let BgNbdParams { r, alpha, a, b } = self.params;
        let nf = n as f64;
        let ln_beta = |p: f64, q: f64| ln_gamma(p) + ln_gamma(q) - ln_gamma(p + q);
        let lb_ab = ln_beta(a, b);
        let ln_p0 = r * libm::log(alpha / (alpha + t));
        let ln_q = if t > 0.0 {
            libm::log(t / (alpha + t))
        } else {
            f64::NEG_INFINITY
        };
        let term_n = |j: f64| -> f64 {
            // ln[Γ(r+j)/(Γ(r) j!) (α/(α+t))^r (t/(α+t))^j]
            let pow = if j == 0.0 { 0.0 } else { j * ln_q };
            ln_gamma(r + j) - ln_gamma(r) - ln_gamma(j + 1.0) + ln_p0 + pow
        };
        let first = libm::exp(ln_beta(a, b + nf) - lb_ab + term_n(nf));
        let second = if n > 0 {
            let partial: f64 = (0..n).map(|j| libm::exp(term_n(j as f64))).sum();
            libm::exp(ln_beta(a + 1.0, b + nf - 1.0) - lb_ab) * (1.0 - partial).max(0.0)
        } else {
            0.0
        };
        Ok(first + second)
    }

    fn check_period(&self, summary: &CustomerSummary) -> Result<()> {
        if summary.period != self.period {
            return Err(Error::BadOption {
                option: "summary".into(),
                message: format!(
                    "the model was fitted on a summary in {}s but this summary is in {}s; rebuild the summary with period '{}'",
                    self.period.as_str(),
                    summary.period.as_str(),
                    self.period.as_str()
                ),
            });
        }
        Ok(())
    }
}

/// a − 1, kept away from 0 (the formulas divide by it; a = 1 exactly is a removable
/// singularity).
pub(crate) fn clamp_am1(a: f64) -> f64 {
    let am1 = a - 1.0;
    if am1.abs() < 1e-10 {
        1e-10f64.copysign(am1)
    } else {
        am1
    }
}

pub(crate) fn check_horizon(t: f64) -> Result<()> {
    if !(t.is_finite() && t >= 0.0) {
        return Err(Error::BadOption {
            option: "t".into(),
            message: format!("must be a finite number ≥ 0 of periods, found {t}"),
        });
    }
    Ok(())
}
