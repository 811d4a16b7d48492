//! The BG/BB model (Fader, Hardie & Shang 2010, "Customer-base analysis in a discrete-time
//! noncontractual setting", Marketing Science 29(6)): maximum-likelihood fit and per-customer
//! predictions (`ltv.bgbb`).
//!
//! Customers have discrete transaction opportunities (an annual appeal, a weekly event): at
//! each one an active customer transacts with probability p ~ Beta(α, β), and after it becomes
//! inactive for good with probability θ ~ Beta(γ, δ). A customer is summarised by x
//! (`frequency`: transactions in opportunities 1…n), t_x (`recency`: the opportunity of the last
//! one, 0 when x = 0) and n (`opportunities`). The likelihood (paper eq. 5) is
//!
//! ```text
//! L = B(α+x, β+n−x)/B(α,β) · B(γ, δ+n)/B(γ,δ)
//!   + Σ_{i=0}^{n−t_x−1} B(α+x, β+t_x−x+i)/B(α,β) · B(γ+1, δ+t_x+i)/B(γ,δ)
//! ```
//!
//! The fit maximises Σ wᵢ ln Lᵢ (wᵢ: customers sharing the row, `weight`, default 1) by BFGS on
//! the log-parameters with the analytic gradient (see [`super::optim`]) from several starting
//! points; standard errors come from a numerical Hessian of −Σ w ln L on the natural
//! parameters. The model records the length of one opportunity (`period`, default `year`, the
//! unit of the paper's data); predictions are per opportunity.
//!
//! ```text
//! P(alive at n+1 | x, t_x, n) = B(α+x, β+n−x)/B(α,β) · B(γ, δ+n+1)/B(γ,δ) / L            (eq. 11)
//! E[X(n, n+n*) | x, t_x, n]   = B(α+x+1, β+n−x)/B(α,β) / L · δ/(γ−1) · Γ(γ+δ)/Γ(1+δ)
//!                               · [Γ(1+δ+n)/Γ(γ+δ+n) − Γ(1+δ+n+n*)/Γ(γ+δ+n+n*)]      (eq. 13)
//! E[X(n)] (new customer)     = α/(α+β) · δ/(γ−1) · [1 − Γ(γ+δ)/Γ(γ+δ+n) · Γ(1+δ+n)/Γ(1+δ)]  (eq. 7)
//! ```
//!
//! At γ = 1 the factor δ/(γ−1) meets a bracket that vanishes; γ − 1 is kept at least 1e-10 away
//! from 0 there.
//!
//! ```
//! use unimetric::ltv::bgbb::{BgBbModel, BgBbParams};
//! use unimetric::ltv::retention::ContractPeriod;
//! // The published fit of the donations data (Fader, Hardie & Shang 2010).
//! let p = BgBbParams { alpha: 1.204, beta: 0.750, gamma: 0.657, delta: 2.783 };
//! let m = BgBbModel::from_params(p, ContractPeriod::Year).unwrap();
//! let alive = m.probability_alive(&[6.0], &[6.0], &[6.0]).unwrap();
//! assert!(alive[0] > 0.9);
//! let next5 = m.expected_transactions(&[6.0], &[6.0], &[6.0], 5.0).unwrap();
//! assert!(next5[0] > 3.0 && next5[0] < 4.0);
//! ```

use super::optim;
use super::retention::{ContractPeriod, PERIOD};
use super::special::{digamma, ln_gamma};
use crate::error::{Error, Result};
use crate::glossary::{Definition, DefinitionRef, ParamValue, ParameterDef};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The largest `opportunities` (and future opportunities) the model accepts: 100,000 (the
/// likelihood has one term per opportunity after the last transaction).
pub const MAX_OPPORTUNITIES: f64 = 100_000.0;

/// `maxIterations` and `tolerance` of the BG/BB fit: the retention fits' (the same optimiser
/// and criterion).
pub use super::retention::{MAX_ITERATIONS, TOLERANCE};
/// The future opportunities n* of `expectedTransactions`.
pub const FUTURE: ParameterDef = ParameterDef::new(
    "future",
    "required",
    "Future transaction opportunities n* (whole, ≥ 0).",
)
.required()
.range(0.0, MAX_OPPORTUNITIES)
.whole();

/// Definition of `ltv.bgbb`.
pub const DEFINITION: Definition = Definition {
    id: "ltv.bgbb",
    version: "1.0.0",
    name: "BG/BB model (discrete-time repeat transactions)",
    description: "Beta-geometric / beta-Bernoulli model of repeat transactions at discrete opportunities (Fader, Hardie & Shang 2010): each active customer transacts at an opportunity with a probability that differs across customers, and may become inactive for good after each opportunity. Fitted by maximum likelihood on (frequency, recency, opportunities) rows with customer counts; gives each customer's probability of still being active and expected transactions in the next opportunities.",
    formula: "L = B(α+x, β+n−x)/B(α,β)·B(γ, δ+n)/B(γ,δ) + Σ_{i=0}^{n−t_x−1} B(α+x, β+t_x−x+i)/B(α,β)·B(γ+1, δ+t_x+i)/B(γ,δ); LL = Σ w·ln L; P(alive at n+1) = B(α+x, β+n−x)/B(α,β)·B(γ, δ+n+1)/B(γ,δ)/L; E[X(n, n+n*)] = B(α+x+1, β+n−x)/B(α,β)/L·δ/(γ−1)·Γ(γ+δ)/Γ(1+δ)·[Γ(1+δ+n)/Γ(γ+δ+n) − Γ(1+δ+n+n*)/Γ(γ+δ+n+n*)]; E[X(n)] = α/(α+β)·δ/(γ−1)·[1 − Γ(γ+δ)/Γ(γ+δ+n)·Γ(1+δ+n)/Γ(1+δ)]",
    unit: "α, β, γ, δ: dimensionless; n, t_x, n*: transaction opportunities (option period); P(alive): probability (0–1); expectations: transactions",
    parameters: &[PERIOD, MAX_ITERATIONS, TOLERANCE, FUTURE],
    inputs: "Rows of frequency x, recency t_x and opportunities n (whole numbers, 0 ≤ x ≤ t_x ≤ n, t_x = 0 exactly when x = 0) with an optional weight (customers sharing the row, ≥ 0, default 1); some weight on rows with x > 0.",
    depends_on: &[],
};

/// BG/BB parameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(deny_unknown_fields)]
pub struct BgBbParams {
    /// First shape of the transaction-probability beta distribution.
    pub alpha: f64,
    /// Second shape of the transaction-probability beta distribution.
    pub beta: f64,
    /// First shape of the dropout-probability beta distribution.
    pub gamma: f64,
    /// Second shape of the dropout-probability beta distribution.
    pub delta: f64,
}

impl BgBbParams {
    /// Checks that every parameter is finite and positive.
    pub fn validate(&self) -> Result<()> {
        super::check_positive(&[
            ("params.alpha", self.alpha),
            ("params.beta", self.beta),
            ("params.gamma", self.gamma),
            ("params.delta", self.delta),
        ])
    }
}

/// Options of [`BgBbModel::fit`]; JS `BgBbFitOptions` (beside the columns).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[cfg_attr(
    target_arch = "wasm32",
    derive(tsify::Tsify),
    tsify(missing_as_null, rename = "BgBbFitOptions")
)]
#[serde(
    rename = "BgBbFitOptions",
    rename_all = "camelCase",
    default,
    deny_unknown_fields
)]
pub struct BgBbOptions {
    /// Length of one transaction opportunity (default year).
    pub period: ContractPeriod,
    /// Iteration limit per start (default 1000).
    pub max_iterations: usize,
    /// Gradient tolerance on the mean log-likelihood in log-parameters (default 1e-8).
    pub tolerance: f64,
}

impl Default for BgBbOptions {
    fn default() -> Self {
        BgBbOptions {
            period: ContractPeriod::Year,
            max_iterations: const { MAX_ITERATIONS.default_number() } as usize,
            tolerance: const { TOLERANCE.default_number() },
        }
    }
}

/// A fitted (or restored) BG/BB model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BgBbModel {
    /// Parameters.
    pub params: BgBbParams,
    /// Σ w ln L at `params` (`None` for a model built from parameters).
    pub log_likelihood: Option<f64>,
    /// Standard errors of α, β, γ, δ (`None` where the Hessian is not positive definite).
    pub std_errors: [Option<f64>; 4],
    /// Whether the gradient criterion was met.
    pub converged: bool,
    /// BFGS iterations of the retained start.
    pub iterations: usize,
    /// Customers in the fit (sum of the weights).
    pub customers: f64,
    /// Length of one transaction opportunity.
    pub period: ContractPeriod,
    /// Iteration limit used.
    pub max_iterations: usize,
    /// Tolerance used.
    pub tolerance: f64,
}

/// Validates the columns (and weights, when given).
fn check_columns(
    frequency: &[f64],
    recency: &[f64],
    opportunities: &[f64],
    weight: Option<&[f64]>,
) -> Result<()> {
    let n = frequency.len();
    let mut others = vec![
        ("recency", recency.len()),
        ("opportunities", opportunities.len()),
    ];
    if let Some(w) = weight {
        others.push(("weight", w.len()));
    }
    if let Some((column, actual)) = others.into_iter().find(|(_, len)| *len != n) {
        return Err(Error::LengthMismatch {
            column: column.into(),
            actual,
            reference: "frequency".into(),
            expected: n,
        });
    }
    for i in 0..n {
        let row = i + 1;
        let (Some(&x), Some(&tx), Some(&nn)) =
            (frequency.get(i), recency.get(i), opportunities.get(i))
        else {
            break;
        };
        let w = weight.and_then(|w| w.get(i).copied()).unwrap_or(1.0);
        for (name, v) in [
            ("frequency", x),
            ("recency", tx),
            ("opportunities", nn),
            ("weight", w),
        ] {
            crate::error::check_number(v, name, row)?;
            if v < 0.0 {
                return Err(Error::Negative {
                    column: name.into(),
                    row,
                    value: v,
                });
            }
            if name != "weight" && v.fract() != 0.0 {
                return Err(Error::OutOfRange {
                    column: name.into(),
                    row,
                    message: format!("{name} {v} is not a whole number"),
                });
            }
        }
        let out = |column: &str, message: String| Error::OutOfRange {
            column: column.into(),
            row,
            message,
        };
        if nn > MAX_OPPORTUNITIES {
            return Err(out(
                "opportunities",
                format!("{nn} opportunities: at most {MAX_OPPORTUNITIES} are accepted"),
            ));
        }
        if x > nn {
            return Err(out(
                "frequency",
                format!("frequency {x} is greater than opportunities {nn}"),
            ));
        }
        if tx > nn {
            return Err(out(
                "recency",
                format!("recency {tx} is greater than opportunities {nn}"),
            ));
        }
        if x > 0.0 && tx == 0.0 {
            return Err(out(
                "recency",
                format!("recency is 0 but frequency is {x}: recency is the opportunity of the last transaction"),
            ));
        }
        if x == 0.0 && tx > 0.0 {
            return Err(out(
                "recency",
                format!("recency {tx} with frequency 0: recency is 0 when there is no transaction"),
            ));
        }
        if tx < x {
            return Err(out(
                "recency",
                format!("recency {tx} is less than frequency {x}: the transactions fall on distinct opportunities 1…recency"),
            ));
        }
    }
    Ok(())
}

/// ln B(a, b).
fn ln_beta(a: f64, b: f64) -> f64 {
    ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b)
}

/// Distinct (x, t_x, n) rows with their summed weights, in a fixed order.
struct Rows {
    rows: Vec<([f64; 3], f64)>,
    customers: f64,
}

impl Rows {
    fn new(
        frequency: &[f64],
        recency: &[f64],
        opportunities: &[f64],
        weight: Option<&[f64]>,
    ) -> Rows {
        let mut map: BTreeMap<[u64; 3], f64> = BTreeMap::new();
        for (i, ((&x, &tx), &n)) in frequency.iter().zip(recency).zip(opportunities).enumerate() {
            let w = weight.and_then(|w| w.get(i).copied()).unwrap_or(1.0);
            *map.entry([x as u64, tx as u64, n as u64]).or_insert(0.0) += w;
        }
        let rows: Vec<([f64; 3], f64)> = map
            .into_iter()
            .filter(|(_, w)| *w > 0.0)
            .map(|(k, w)| ([k[0] as f64, k[1] as f64, k[2] as f64], w))
            .collect();
        let customers = rows.iter().map(|r| r.1).sum();
        Rows { rows, customers }
    }

    /// Σ w ln L and its gradient with respect to (α, β, γ, δ).
    fn eval(&self, p: &[f64; 4], grad: &mut [f64; 4]) -> f64 {
        let [a, b, g, d] = *p;
        let lb_ab = ln_beta(a, b);
        let lb_gd = ln_beta(g, d);
        let (dg_a, dg_b, dg_ab) = (digamma(a), digamma(b), digamma(a + b));
        let (dg_g, dg_d, dg_gd) = (digamma(g), digamma(d), digamma(g + d));
        let dg_g1 = digamma(g + 1.0);
        let lg_g1 = ln_gamma(g + 1.0);
        let mut ll = 0.0;
        let mut gr = [0.0; 4];
        let mut terms: Vec<(f64, [f64; 4])> = Vec::new();
        for &([x, tx, n], w) in &self.rows {
            terms.clear();
            let dg_ax = digamma(a + x);
            // First term: alive through opportunity n.
            let dg_abn = digamma(a + b + n);
            let dg_gdn = digamma(g + d + n);
            terms.push((
                ln_beta(a + x, b + n - x) - lb_ab + ln_beta(g, d + n) - lb_gd,
                [
                    dg_ax - dg_abn - dg_a + dg_ab,
                    digamma(b + n - x) - dg_abn - dg_b + dg_ab,
                    dg_gd - dg_gdn,
                    digamma(d + n) - dg_gdn - dg_d + dg_gd,
                ],
            ));
            // Dropped out after opportunity t_x + i.
            let mut i = 0.0;
            while tx + i < n {
                let w_ = tx + i;
                let dg_abw = digamma(a + b + w_);
                let dg_gdw1 = digamma(g + d + w_ + 1.0);
                terms.push((
                    ln_beta(a + x, b + w_ - x) - lb_ab
                        + (lg_g1 + ln_gamma(d + w_) - ln_gamma(g + d + w_ + 1.0))
                        - lb_gd,
                    [
                        dg_ax - dg_abw - dg_a + dg_ab,
                        digamma(b + w_ - x) - dg_abw - dg_b + dg_ab,
                        dg_g1 - dg_gdw1 - dg_g + dg_gd,
                        digamma(d + w_) - dg_gdw1 - dg_d + dg_gd,
                    ],
                ));
                i += 1.0;
            }
            let m = terms.iter().map(|t| t.0).fold(f64::NEG_INFINITY, f64::max);
            let mut s = 0.0;
            let mut gs = [0.0; 4];
            for (v, dv) in &terms {
                let e = libm::exp(v - m);
                s += e;
                for k in 0..4 {
                    gs[k] += e * dv[k];
                }
            }
            ll += w * (m + libm::log(s));
            for k in 0..4 {
                gr[k] += w * gs[k] / s;
            }
        }
        *grad = gr;
        ll
    }
}

/// ln L of one customer.
fn ln_likelihood(p: &BgBbParams, x: f64, tx: f64, n: f64) -> f64 {
    let rows = Rows {
        rows: vec![([x, tx, n], 1.0)],
        customers: 1.0,
    };
    rows.eval(&[p.alpha, p.beta, p.gamma, p.delta], &mut [0.0; 4])
}

/// Starting points (α, β, γ, δ).
const STARTS: [[f64; 4]; 4] = [
    [1.0, 1.0, 1.0, 1.0],
    [0.5, 0.5, 0.5, 2.0],
    [2.0, 1.0, 0.3, 3.0],
    [1.0, 3.0, 2.0, 8.0],
];

impl BgBbModel {
    /// Fits the BG/BB model on rows of (frequency, recency, opportunities), each standing for
    /// `weight` customers (1 each when `weight` is `None`).
    ///
    /// Errors: `E_EMPTY` (no rows), `E_LENGTH_MISMATCH`, `E_NON_FINITE`, `E_NEGATIVE`,
    /// `E_OUT_OF_RANGE` (a value above 1e150; not a whole number; frequency > opportunities; recency >
    /// opportunities; recency 0 with frequency > 0 or the reverse; recency < frequency; more
    /// than [`MAX_OPPORTUNITIES`]), each naming the column and the 1-based row;
    /// `E_INSUFFICIENT_DATA` (no weight on a row with a transaction), `E_BAD_OPTION`,
    /// `E_NOT_CONVERGED`.
    ///
    /// When the data sit at an edge of the model (for example every customer transacting at
    /// every opportunity) the likelihood has its supremum at the edge of the parameter space:
    /// the fit returns parameters near that edge, whose predictions approach the limit, and the
    /// standard errors of the parameters that ran away are `None`.
    pub fn fit(
        frequency: &[f64],
        recency: &[f64],
        opportunities: &[f64],
        weight: Option<&[f64]>,
        opts: &BgBbOptions,
    ) -> Result<BgBbModel> {
        MAX_ITERATIONS.check_count(opts.max_iterations as f64)?;
        TOLERANCE.check_number(opts.tolerance)?;
        check_columns(frequency, recency, opportunities, weight)?;
        if frequency.is_empty() {
            return Err(Error::Empty {
                what: "frequency".into(),
            });
        }
        let rows = Rows::new(frequency, recency, opportunities, weight);
        if !rows.rows.iter().any(|(r, _)| r[0] > 0.0) {
            return Err(Error::InsufficientData {
                message: "the BG/BB fit needs customers with at least one transaction (frequency > 0 and weight > 0)".into(),
            });
        }
        let total = rows.customers;
        let objective = |lp: &[f64], g: &mut [f64]| -> f64 {
            let mut p = [0.0; 4];
            for (v, l) in p.iter_mut().zip(lp) {
                *v = libm::exp(*l);
            }
            let mut gn = [0.0; 4];
            let ll = rows.eval(&p, &mut gn);
            for ((gi, gv), pv) in g.iter_mut().zip(gn).zip(p) {
                *gi = -gv * pv / total;
            }
            -ll / total
        };
        let best = optim::best_of_starts(&STARTS, &mut |_| Ok(()), |x0| {
            optim::minimize_within(
                objective,
                x0,
                opts.tolerance,
                opts.max_iterations,
                3.0,
                30.0,
            )
        })?;
        let (best, p) = optim::accept_best::<4>(best, "BG/BB", |b| match b {
            Some(b) => format!(
                "largest gradient {:.3e}; the data may not identify the model",
                b.grad_max
            ),
            None => "the likelihood is not finite at any starting point".into(),
        })?;
        let ll = rows.eval(&p, &mut [0.0; 4]);
        let hess = optim::hessian_from_gradient(
            |x, out| {
                let mut q = [0.0; 4];
                for (v, xv) in q.iter_mut().zip(x) {
                    *v = *xv;
                }
                let mut gn = [0.0; 4];
                rows.eval(&q, &mut gn);
                for (o, gv) in out.iter_mut().zip(gn) {
                    *o = -gv;
                }
            },
            &p,
        );
        let se = optim::std_errors(&hess, 4);
        let se_at = |i: usize| se.get(i).copied().flatten();
        Ok(BgBbModel {
            params: BgBbParams {
                alpha: p[0],
                beta: p[1],
                gamma: p[2],
                delta: p[3],
            },
            log_likelihood: Some(ll),
            std_errors: [se_at(0), se_at(1), se_at(2), se_at(3)],
            converged: best.converged,
            iterations: best.iterations,
            customers: total,
            period: opts.period,
            max_iterations: opts.max_iterations,
            tolerance: opts.tolerance,
        })
    }

    /// A model from known parameters (e.g. published ones), with no fit statistics.
    pub fn from_params(params: BgBbParams, period: ContractPeriod) -> Result<BgBbModel> {
        params.validate()?;
        let d = BgBbOptions::default();
        Ok(BgBbModel {
            params,
            log_likelihood: None,
            std_errors: [None; 4],
            converged: true,
            iterations: 0,
            customers: 0.0,
            period,
            max_iterations: d.max_iterations,
            tolerance: d.tolerance,
        })
    }

    /// The definition reference of this model.
    pub fn definition(&self) -> DefinitionRef {
        DefinitionRef::new(&DEFINITION)
            .with("period", ParamValue::Text(self.period.as_str().into()))
            .with(
                "maxIterations",
                ParamValue::Number(self.max_iterations as f64),
            )
            .with("tolerance", ParamValue::Number(self.tolerance))
    }

    /// Σ ln L per row at the model's parameters (validated columns).
    pub fn log_likelihood_rows(
        &self,
        frequency: &[f64],
        recency: &[f64],
        opportunities: &[f64],
    ) -> Result<Vec<f64>> {
        check_columns(frequency, recency, opportunities, None)?;
        Ok(frequency
            .iter()
            .zip(recency)
            .zip(opportunities)
            .map(|((&x, &tx), &n)| ln_likelihood(&self.params, x, tx, n))
            .collect())
    }

    /// P(alive at opportunity n + 1 | x, t_x, n) per row (eq. 11).
    pub fn probability_alive(
        &self,
        frequency: &[f64],
        recency: &[f64],
        opportunities: &[f64],
    ) -> Result<Vec<f64>> {
        check_columns(frequency, recency, opportunities, None)?;
        let BgBbParams {
            alpha: a,
            beta: b,
            gamma: g,
            delta: d,
        } = self.params;
        Ok(frequency
            .iter()
            .zip(recency)
            .zip(opportunities)
            .map(|((&x, &tx), &n)| {
                let ln_alive = ln_beta(a + x, b + n - x) - ln_beta(a, b) + ln_beta(g, d + n + 1.0)
                    - ln_beta(g, d);
                libm::exp(ln_alive - ln_likelihood(&self.params, x, tx, n)).min(1.0)
            })
            .collect())
    }

    /// E[X(n, n + n*) | x, t_x, n]: expected transactions in the next `future` = n*
    /// opportunities, per row (eq. 13).
    pub fn expected_transactions(
        &self,
        frequency: &[f64],
        recency: &[f64],
        opportunities: &[f64],
        future: f64,
    ) -> Result<Vec<f64>> {
        let ns = FUTURE.check_number(future)?;
        check_columns(frequency, recency, opportunities, None)?;
        let BgBbParams {
            alpha: a,
            beta: b,
            gamma: g,
            delta: d,
        } = self.params;
        let gm1 = super::bgnbd::clamp_am1(g);
        let scale = d / gm1 * libm::exp(ln_gamma(g + d) - ln_gamma(1.0 + d));
        let ratio = |m: f64| libm::exp(ln_gamma(1.0 + d + m) - ln_gamma(g + d + m));
        frequency
            .iter()
            .zip(recency)
            .zip(opportunities)
            .enumerate()
            .map(|(i, ((&x, &tx), &n))| {
                let first = libm::exp(
                    ln_beta(a + x + 1.0, b + n - x)
                        - ln_beta(a, b)
                        - ln_likelihood(&self.params, x, tx, n),
                );
                let v = first * scale * (ratio(n) - ratio(n + ns));
                if v.is_finite() {
                    Ok(if v > 0.0 { v } else { 0.0 })
                } else {
                    Err(Error::Undefined {
                        metric: DEFINITION.id.into(),
                        message: format!(
                            "row {}: expected transactions overflow at these parameters",
                            i + 1
                        ),
                    })
                }
            })
            .collect()
    }

    /// E[X(n)]: expected transactions of a new customer in their first `n` opportunities
    /// (eq. 7).
    pub fn expected_transactions_new(&self, n: f64) -> Result<f64> {
        let n = FUTURE.check_number(n)?;
        let BgBbParams {
            alpha: a,
            beta: b,
            gamma: g,
            delta: d,
        } = self.params;
        let gm1 = super::bgnbd::clamp_am1(g);
        let bracket = -libm::expm1(
            ln_gamma(g + d) - ln_gamma(g + d + n) + ln_gamma(1.0 + d + n) - ln_gamma(1.0 + d),
        );
        let v = a / (a + b) * d / gm1 * bracket;
        if v.is_finite() {
            Ok(if v > 0.0 { v } else { 0.0 })
        } else {
            Err(Error::Undefined {
                metric: DEFINITION.id.into(),
                message: "expected transactions overflow at these parameters".into(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The analytic gradient of Σ w ln L agrees with central differences.
    #[test]
    fn gradient_matches_finite_differences() {
        let rows = Rows::new(
            &[0.0, 1.0, 3.0, 6.0, 2.0],
            &[0.0, 2.0, 4.0, 6.0, 5.0],
            &[6.0, 6.0, 6.0, 6.0, 9.0],
            Some(&[10.0, 3.0, 4.0, 7.0, 2.0]),
        );
        let p = [1.2, 0.75, 0.66, 2.8];
        let mut g = [0.0; 4];
        rows.eval(&p, &mut g);
        for i in 0..4 {
            let h = 1e-6;
            let (mut up, mut dn) = (p, p);
            up[i] += h;
            dn[i] -= h;
            let f = |q: [f64; 4]| rows.eval(&q, &mut [0.0; 4]);
            let num = (f(up) - f(dn)) / (2.0 * h);
            assert!(
                (num - g[i]).abs() < 1e-5 * num.abs().max(1.0),
                "{i}: {num} vs {}",
                g[i]
            );
        }
    }
}
