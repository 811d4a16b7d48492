//! Contractual retention: the shifted-beta-geometric model (`retention.sbg`, Fader & Hardie
//! 2007, "How to project customer retention", Journal of Interactive Marketing 21(1)) and its
//! duration-dependent generalisation, the beta-discrete-Weibull model (`retention.bdw`, Fader,
//! Hardie, Liu, Davin & Steenburgh 2018, "\"How to project customer retention\" revisited: the
//! role of duration dependence", Journal of Interactive Marketing 43).
//!
//! A cohort of customers signs up at period 0; at the end of each period every active customer
//! renews or leaves for good. Each customer has a constant churn probability θ per period
//! (sBG) drawn from a Beta(α, β) distribution across customers, so the cohort's retention rate
//! rises over time as the likely leavers leave. The BdW lets each customer's own churn
//! probability change with tenure: P(still active after t periods | θ) = (1 − θ)^(t^c), with
//! c < 1 for churn that falls with tenure and c > 1 for churn that rises; c = 1 is the sBG.
//!
//! ```text
//! S(t)      = B(α, β + t^c) / B(α, β)                  share still active after t periods
//! P(T = t)  = S(t − 1) − S(t)                          share leaving at the end of period t
//! r(t)      = S(t) / S(t − 1)                          retention rate of period t
//! sBG (c=1): r(t) = (β + t − 1)/(α + β + t − 1),  P(T = t) = B(α + 1, β + t − 1)/B(α, β)
//! ```
//!
//! **Fit.** Maximum likelihood on survivor counts: for a cohort with n₀ customers at period 0
//! and nₜ still active after period t (t = 1…k),
//! LL = Σₜ₌₁ᵏ (nₜ₋₁ − nₜ) · ln P(T = t) + nₖ · ln S(k), summed over cohorts, which share one
//! (α, β[, c]) whatever their lengths. BFGS on the log-parameters with the analytic gradient
//! (see [`super::optim`]) from fixed starting points; standard errors from a numerical Hessian
//! of −LL on the natural parameters. Counts may be fractional (e.g. survivors per 1,000); they
//! weigh the likelihood as customers do, so standard errors assume they are customer counts.
//!
//! **Time unit.** Every t, rate and lifetime is in periods of the survivor counts. The model
//! records the period (`period`: day, week, month, quarter or year); the default is `year`,
//! the unit of the reference papers' data.
//!
//! **Lifetime.** E[T] = Σₜ₌₀^∞ S(t) counts the period of sign-up: a customer who leaves at the
//! end of their first period has T = 1. For the sBG E[T] = (α + β − 1)/(α − 1), which is finite
//! only when α > 1; for the BdW it is finite only when c·α > 1. Otherwise the mean lifetime is
//! infinite and [`RetentionModel::expected_lifetime`] returns `None` (`null` in JSON).
//!
//! **DERL** (Fader & Hardie 2010, "Customer-base valuation in a contractual setting: the perils of
//! ignoring heterogeneity", Marketing Science 29(1)): the discounted expected residual lifetime
//! of a customer who has renewed m times (active for m + 1 periods, in the paper's notation
//! "n − 1 renewals" with n = m + 1), counting each future renewal as 1, the next one
//! undiscounted:
//!
//! ```text
//! DERL(d | m) = Σₖ₌₀^∞ S(m + 1 + k)/S(m) / (1 + d)^k
//! sBG:        = (β + m)/(α + β + m) · ₂F₁(1, β + m + 1; α + β + m + 1; 1/(1 + d))
//! ```
//!
//! Multiply by the margin per period to value the customer. d > 0 is the discount rate per
//! period (the series is summed directly; it converges because 1/(1 + d) < 1).
//!
//! ```
//! use unimetric::ltv::retention::{RetentionModel, RetentionOptions};
//! // Fader & Hardie (2007), "Regular" customers, years 0–7.
//! let survivors = [1000.0, 631.0, 468.0, 382.0, 326.0, 289.0, 262.0, 241.0];
//! let m = RetentionModel::fit(&[&survivors[..]], &RetentionOptions::default()).unwrap();
//! assert!((m.params.alpha - 0.704).abs() < 5e-4 && (m.params.beta - 1.182).abs() < 5e-4);
//! // Projected survivors in year 12 (observed: 173).
//! let s12 = m.survival(12.0).unwrap() * 1000.0;
//! assert!((s12 - 173.0).abs() < 15.0);
//! assert_eq!(m.expected_lifetime().unwrap(), None); // α < 1: the mean lifetime is infinite
//! ```

use super::optim;
use super::special::{digamma, hyp2f1, ln_gamma};
use crate::error::{Error, Result};
use crate::glossary::{Definition, DefinitionRef, ParamValue, ParameterDef};
use serde::{Deserialize, Serialize};

/// The period names of a retention or BG/BB model, in the order of [`ContractPeriod`].
pub const PERIOD_NAMES: &[&str] = &["day", "week", "month", "quarter", "year"];

/// `period` of the retention fits: the unit of t.
pub const PERIOD: ParameterDef = ParameterDef::new(
    "period",
    "\"year\"",
    "Length of one period of the data (one renewal or transaction opportunity): day, week, month, quarter or year. Recorded with the model; every t, rate, lifetime and horizon is in these periods. The default is the unit of the reference papers' data.",
)
.text("year")
.one_of(PERIOD_NAMES);
/// `model` of the retention fit: sBG (constant churn per customer) or BdW.
pub const MODEL: ParameterDef = ParameterDef::new(
    "model",
    "\"sbg\"",
    "sbg: each customer's churn probability is constant over time (retention.sbg); bdw: it may rise or fall with tenure (retention.bdw, one more parameter c).",
)
.text("sbg")
.one_of(&["sbg", "bdw"]);
/// `maxIterations` of the retention fits.
pub const MAX_ITERATIONS: ParameterDef = ParameterDef::new(
    "maxIterations",
    "1000",
    "Iteration limit of each optimiser run (BFGS with the analytic gradient).",
)
.number(1000.0)
.range(1.0, 100_000.0)
.whole();
/// `tolerance` of the retention fits.
pub const TOLERANCE: ParameterDef = ParameterDef::new("tolerance", "1e-8", "Convergence criterion: largest absolute gradient of the mean log-likelihood per customer with respect to the log-parameters.").number(1e-8).above(0.0);
/// The `discountRate` of `derl(discountRate, renewals)`.
pub const DISCOUNT_RATE: ParameterDef = ParameterDef::new(
    "discountRate",
    "required",
    "Discount rate per period of DERL (0.1 = 10 % per period); greater than 0.",
)
.required()
.above(0.0)
.at_most(10.0);
/// The `renewals` of `derl(discountRate, renewals)`.
pub const RENEWALS: ParameterDef = ParameterDef::new(
    "renewals",
    "required",
    "Renewals the customer has made (0 for a customer in their first period).",
)
.required()
.range(0.0, 1_000_000.0)
.whole();
/// A period index t of `survival(t)`, `retentionRate(t)`, `churnProbability(t)` or a horizon.
pub const PERIOD_INDEX: ParameterDef = ParameterDef::new(
    "t",
    "required",
    "Period index: whole number of periods since sign-up.",
)
.required()
.range(0.0, 1_000_000.0)
.whole();

/// Definition of `retention.sbg`.
pub const SBG: Definition = Definition {
    id: "retention.sbg",
    version: "1.0.0",
    name: "Shifted-beta-geometric retention model",
    description: "Contractual retention (Fader & Hardie 2007): each customer renews every period with a constant probability, which differs across customers as a beta distribution, so a cohort's retention rate rises with tenure. Fitted by maximum likelihood on survivor counts of one or several cohorts; projects survivors, retention rates, the mean lifetime and the discounted expected residual lifetime (DERL, Fader & Hardie 2010).",
    formula: "P(T=t) = B(α+1, β+t−1)/B(α,β); S(t) = B(α, β+t)/B(α,β); r(t) = (β+t−1)/(α+β+t−1); LL = Σ_cohorts [Σ_{t=1..k} (n_{t−1}−n_t)·ln P(T=t) + n_k·ln S(k)]; E[T] = Σ_{t≥0} S(t) = (α+β−1)/(α−1) if α > 1, else ∞; DERL(d | m renewals) = Σ_{k≥0} S(m+1+k)/S(m)/(1+d)^k = (β+m)/(α+β+m)·₂F₁(1, β+m+1; α+β+m+1; 1/(1+d))",
    unit: "α, β: dimensionless; t: periods (option period); r, S, P: probability (0–1); E[T]: periods; DERL: discounted periods (multiply by the margin per period)",
    parameters: &[MODEL, PERIOD, MAX_ITERATIONS, TOLERANCE, DISCOUNT_RATE, RENEWALS],
    inputs: "Survivor counts per period, period 0 first (the cohort size, > 0), never increasing: one cohort or several of any lengths (sharing α, β); at least one cohort with survivors after two periods, and some churn.",
    depends_on: &[],
};

/// Definition of `retention.bdw`.
pub const BDW: Definition = Definition {
    id: "retention.bdw",
    version: "1.0.0",
    name: "Beta-discrete-Weibull retention model",
    description: "Contractual retention with duration dependence (Fader, Hardie, Liu, Davin & Steenburgh 2018): like the shifted-beta-geometric model, but each customer's churn probability may fall (c < 1) or rise (c > 1) with tenure; c = 1 is the sBG. Fitted by maximum likelihood on survivor counts of one or several cohorts.",
    formula: "S(t) = B(α, β+t^c)/B(α,β); P(T=t) = S(t−1) − S(t); r(t) = S(t)/S(t−1); LL = Σ_cohorts [Σ_{t=1..k} (n_{t−1}−n_t)·ln P(T=t) + n_k·ln S(k)]; E[T] = Σ_{t≥0} S(t), finite iff c·α > 1; DERL(d | m renewals) = Σ_{k≥0} S(m+1+k)/S(m)/(1+d)^k",
    unit: "α, β, c: dimensionless; t: periods (option period); r, S, P: probability (0–1); E[T]: periods; DERL: discounted periods (multiply by the margin per period)",
    parameters: &[MODEL, PERIOD, MAX_ITERATIONS, TOLERANCE, DISCOUNT_RATE, RENEWALS],
    inputs: "Survivor counts per period, period 0 first (the cohort size, > 0), never increasing: one cohort or several of any lengths (sharing α, β, c); at least one cohort with survivors after three periods, and some churn.",
    depends_on: &[],
};

/// The length of one period of a retention or BG/BB model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "lowercase")]
pub enum ContractPeriod {
    /// A day.
    Day,
    /// A week.
    Week,
    /// A month.
    Month,
    /// A quarter.
    Quarter,
    /// A year (the default).
    #[default]
    Year,
}

impl ContractPeriod {
    /// The lowercase name (`day` … `year`).
    pub fn as_str(self) -> &'static str {
        match self {
            ContractPeriod::Day => "day",
            ContractPeriod::Week => "week",
            ContractPeriod::Month => "month",
            ContractPeriod::Quarter => "quarter",
            ContractPeriod::Year => "year",
        }
    }
}

/// Which retention model to fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "lowercase")]
pub enum RetentionKind {
    /// Shifted-beta-geometric (`retention.sbg`, the default).
    #[default]
    Sbg,
    /// Beta-discrete-Weibull (`retention.bdw`).
    Bdw,
}

/// Survivor counts as JavaScript passes them: one cohort (`[1000, 631, …]`) or several
/// (`[[1000, 631, …], [800, 512, …]]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(untagged)]
pub enum Survivors {
    /// One cohort.
    One(Vec<f64>),
    /// Several cohorts.
    Many(Vec<Vec<f64>>),
}

impl Survivors {
    /// The cohorts as slices.
    pub fn cohorts(&self) -> Vec<&[f64]> {
        match self {
            Survivors::One(v) => vec![v.as_slice()],
            Survivors::Many(v) => v.iter().map(Vec::as_slice).collect(),
        }
    }
}

/// Options of [`RetentionModel::fit`]; JS `RetentionFitOptions` (beside `survivors`).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[cfg_attr(
    target_arch = "wasm32",
    derive(tsify::Tsify),
    tsify(missing_as_null, rename = "RetentionFitOptions")
)]
#[serde(
    rename = "RetentionFitOptions",
    rename_all = "camelCase",
    default,
    deny_unknown_fields
)]
pub struct RetentionOptions {
    /// sBG or BdW (default sBG).
    pub model: RetentionKind,
    /// Length of one period (default year).
    pub period: ContractPeriod,
    /// Iteration limit per start (default 1000).
    pub max_iterations: usize,
    /// Gradient tolerance on the mean log-likelihood in log-parameters (default 1e-8).
    pub tolerance: f64,
}

impl Default for RetentionOptions {
    fn default() -> Self {
        RetentionOptions {
            model: RetentionKind::Sbg,
            period: ContractPeriod::Year,
            max_iterations: const { MAX_ITERATIONS.default_number() } as usize,
            tolerance: const { TOLERANCE.default_number() },
        }
    }
}

impl RetentionOptions {
    fn validate(&self) -> Result<()> {
        MAX_ITERATIONS.check_count(self.max_iterations as f64)?;
        TOLERANCE.check_number(self.tolerance).map(|_| ())
    }
}

/// Parameters of a retention model (`c` only for the BdW).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(deny_unknown_fields)]
pub struct RetentionParams {
    /// First shape of the beta distribution of churn probabilities.
    pub alpha: f64,
    /// Second shape of the beta distribution of churn probabilities.
    pub beta: f64,
    /// Duration dependence of the BdW (absent for the sBG, which has c = 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub c: Option<f64>,
}

impl RetentionParams {
    /// Checks that every parameter is finite and positive.
    pub fn validate(&self) -> Result<()> {
        super::check_positive(&[
            ("params.alpha", self.alpha),
            ("params.beta", self.beta),
            ("params.c", self.c.unwrap_or(1.0)),
        ])
    }

    fn c(&self) -> f64 {
        self.c.unwrap_or(1.0)
    }
}

/// A fitted (or restored) sBG or BdW model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RetentionModel {
    /// sBG or BdW.
    pub model: RetentionKind,
    /// Parameters.
    pub params: RetentionParams,
    /// LL at `params` (`None` for a model built from parameters).
    pub log_likelihood: Option<f64>,
    /// Standard errors of α, β and (BdW) c, in that order (`None` where the Hessian is not
    /// positive definite).
    pub std_errors: Vec<Option<f64>>,
    /// Whether the gradient criterion was met.
    pub converged: bool,
    /// BFGS iterations of the retained start.
    pub iterations: usize,
    /// Cohorts in the fit.
    pub cohorts: usize,
    /// Customers in the fit (sum of the cohort sizes).
    pub customers: f64,
    /// Length of one period.
    pub period: ContractPeriod,
    /// Iteration limit used.
    pub max_iterations: usize,
    /// Tolerance used.
    pub tolerance: f64,
}

/// Churn and censoring counts by period, summed over cohorts.
struct Counts {
    /// `died[t]`: customers leaving at the end of period t (index 0 unused).
    died: Vec<f64>,
    /// `censored[t]`: customers still active when their cohort's data ends at t.
    censored: Vec<f64>,
    customers: f64,
}

/// `E_BAD_OPTION` unless `t` is a whole number of periods of at least `min`.
fn check_index(name: &str, t: f64, min: f64) -> Result<u32> {
    let p = ParameterDef {
        name: "",
        ..PERIOD_INDEX
    };
    match p.check_number(t) {
        Ok(v) if v >= min => Ok(v as u32),
        _ => Err(Error::BadOption {
            option: name.into(),
            message: format!(
                "expected a whole number of periods from {min} to {}, found {t}",
                PERIOD_INDEX.max.unwrap_or(f64::INFINITY)
            ),
        }),
    }
}

/// Validates the cohorts and sums them into [`Counts`]; `params` is the number of parameters
/// to identify (2 for the sBG, 3 for the BdW).
/// `many`: name the columns `survivors[k]` (else `survivors`).
fn counts(cohorts: &[&[f64]], many: bool, params: usize) -> Result<Counts> {
    if cohorts.is_empty() || cohorts.iter().all(|c| c.is_empty()) {
        return Err(Error::Empty {
            what: "survivors".into(),
        });
    }
    let column = |k: usize| {
        if many {
            format!("survivors[{k}]")
        } else {
            "survivors".to_string()
        }
    };
    let longest = cohorts.iter().map(|c| c.len()).max().unwrap_or(0);
    let mut died = vec![0.0; longest.max(1)];
    let mut censored = vec![0.0; longest.max(1)];
    let mut customers = 0.0;
    for (k, cohort) in cohorts.iter().enumerate() {
        if cohort.is_empty() {
            return Err(Error::Empty { what: column(k) });
        }
        let mut prev = f64::NAN;
        for (t, &n) in cohort.iter().enumerate() {
            crate::error::check_number(n, &column(k), t + 1)?;
            if n < 0.0 {
                return Err(Error::Negative {
                    column: column(k),
                    row: t + 1,
                    value: n,
                });
            }
            if t == 0 && n == 0.0 {
                return Err(Error::OutOfRange {
                    column: column(k),
                    row: 1,
                    message: "the cohort size (period 0) must be greater than 0".into(),
                });
            }
            if t > 0 && n > prev {
                return Err(Error::OutOfRange {
                    column: column(k),
                    row: t + 1,
                    message: format!(
                        "survivors increase from {prev} in period {} to {n} in period {t}; survivor counts never increase",
                        t - 1
                    ),
                });
            }
            if t > 0 {
                if let Some(d) = died.get_mut(t) {
                    *d += prev - n;
                }
            }
            prev = n;
        }
        if let (Some(c), Some(&first)) = (censored.get_mut(cohort.len() - 1), cohort.first()) {
            *c += prev;
            customers += first;
        }
    }
    if longest <= params {
        return Err(Error::InsufficientData {
            message: format!(
                "the fit of {params} parameters needs a cohort observed for at least {params} periods after period 0 (survivors of length {}); the longest has length {longest}",
                params + 1
            ),
        });
    }
    if died.iter().all(|&d| d == 0.0) {
        return Err(Error::InsufficientData {
            message: "no customer left in any cohort (every survivor count equals its cohort size): the churn distribution cannot be estimated".into(),
        });
    }
    Ok(Counts {
        died,
        censored,
        customers,
    })
}

/// Above this u, [`ln_gamma_ratio`] and [`digamma_diff`] use Stirling's series (ln Γ(u) and
/// ψ(u) of two large, close arguments would cancel).
const STIRLING_FROM: f64 = 1e3;

/// ln Γ(u) − ln Γ(u + a) for u > 0, a > 0, without cancellation for large u:
/// ln Γ(x) = (x − ½) ln x − x + ½ ln 2π + 1/(12x) − 1/(360x³) + 1/(1260x⁵) − …, so
/// ln Γ(u + a) − ln Γ(u) = (u − ½)·ln(1 + a/u) + a·ln(u + a) − a + Δ[1/(12x) − 1/(360x³) + 1/(1260x⁵)]
/// (truncation error below 1e-19 for u ≥ 1,000).
fn ln_gamma_ratio(u: f64, a: f64) -> f64 {
    if u < STIRLING_FROM {
        return ln_gamma(u) - ln_gamma(u + a);
    }
    let v = u + a;
    let series = |x: f64| {
        let x2 = x * x;
        (1.0 / 12.0 - (1.0 / 360.0 - 1.0 / (1260.0 * x2)) / x2) / x
    };
    -((u - 0.5) * libm::log1p(a / u) + a * libm::log(v) - a + series(v) - series(u))
}

/// ψ(u) − ψ(u + a) for u > 0, a > 0, without cancellation for large u:
/// ψ(x) = ln x − 1/(2x) − 1/(12x²) + 1/(120x⁴) − …
fn digamma_diff(u: f64, a: f64) -> f64 {
    if u < STIRLING_FROM {
        return digamma(u) - digamma(u + a);
    }
    let v = u + a;
    let tail = |x: f64| {
        let x2 = x * x;
        -0.5 / x - 1.0 / (12.0 * x2) + 1.0 / (120.0 * x2 * x2)
    };
    -(libm::log1p(a / u) + tail(v) - tail(u))
}

/// ln S(t) and its gradient with respect to (α, β, c).
fn ln_survival(alpha: f64, beta: f64, c: f64, t: f64) -> (f64, [f64; 3]) {
    if t == 0.0 {
        return (0.0, [0.0; 3]);
    }
    let tc = libm::pow(t, c);
    let u = beta + tc;
    let v = (ln_gamma_ratio(u, alpha) - ln_gamma_ratio(beta, alpha)).min(0.0);
    // ∂/∂α: ψ(α+β) − ψ(α+u); ∂/∂β: ψ(u) − ψ(α+u) − ψ(β) + ψ(α+β); ∂/∂c: (ψ(u) − ψ(α+u))·t^c·ln t.
    let d_u = digamma_diff(u, alpha);
    let d_b = digamma_diff(beta, alpha);
    let g = [
        digamma(alpha + beta) - digamma(alpha + u),
        d_u - d_b,
        d_u * tc * libm::log(t),
    ];
    (v, g)
}

/// ln S(t) only: ln B(α, β + t^c) − ln B(α, β) = [ln Γ(u) − ln Γ(α + u)] − [ln Γ(β) − ln Γ(α + β)]
/// with u = β + t^c (at most 0).
fn ln_s(alpha: f64, beta: f64, c: f64, t: f64) -> f64 {
    if t == 0.0 {
        return 0.0;
    }
    let u = beta + libm::pow(t, c);
    (ln_gamma_ratio(u, alpha) - ln_gamma_ratio(beta, alpha)).min(0.0)
}

/// Σ_{t ≥ n} S(t) of the BdW (c·α > 1), for large n: S(t) = Γ(α+β)/Γ(β) · Γ(u)/Γ(u+α) with
/// u = β + t^c, and Γ(u)/Γ(u+α) ≈ (u + (α−1)/2)^(−α) = t^(−cα) Σⱼ (−α choose j) (b′ t^(−c))^j
/// with b′ = β + (α−1)/2, integrated term by term from n to ∞; plus the Euler–Maclaurin
/// corrections S(n)/2 − S′(n)/12. The caller takes n with b′·n^(−c) ≤ 1/2, where the
/// binomial series converges fast.
fn bdw_tail(alpha: f64, beta: f64, c: f64, n: f64) -> f64 {
    let k = ln_gamma(alpha + beta) - ln_gamma(beta);
    let b1 = beta + (alpha - 1.0) / 2.0;
    let x = b1 * libm::pow(n, -c);
    let lead = libm::exp(k + (1.0 - c * alpha) * libm::log(n));
    let mut integral = 0.0;
    let mut coef = 1.0;
    for j in 0..60 {
        let jf = f64::from(j);
        let e = c * (alpha + jf) - 1.0;
        // coef = (−α choose j)·(b′ n^(−c))^j; ∫ₙ^∞ t^(−c(α+j)) dt = n^(1−c(α+j))/(c(α+j) − 1).
        let term = coef * lead / e;
        integral += term;
        if term.abs() <= 1e-17 * integral.abs() {
            break;
        }
        coef *= -(alpha + jf) / (jf + 1.0) * x;
    }
    let s_n = libm::exp(ln_s(alpha, beta, c, n));
    // S′(n) ≈ −c·α·n^(c−1)/(n^c + b′) · S(n).
    let ds = -c * alpha * libm::pow(n, c - 1.0) / (libm::pow(n, c) + b1) * s_n;
    integral + s_n / 2.0 - ds / 12.0
}

impl Counts {
    /// LL and its gradient with respect to (α, β, c).
    fn eval(&self, alpha: f64, beta: f64, c: f64, grad: &mut [f64; 3]) -> f64 {
        let mut ll = 0.0;
        let mut g = [0.0; 3];
        let (mut prev_v, mut prev_g) = (0.0, [0.0; 3]);
        for (t, (&died, &cens)) in self.died.iter().zip(&self.censored).enumerate() {
            let (v, gt) = ln_survival(alpha, beta, c, t as f64);
            if cens > 0.0 {
                ll += cens * v;
                for i in 0..3 {
                    g[i] += cens * gt[i];
                }
            }
            if t > 0 && died > 0.0 {
                // ln P(T = t) = ln S(t−1) + ln(1 − q), q = S(t)/S(t−1).
                let q = libm::exp(v - prev_v);
                let one_minus_q = -libm::expm1(v - prev_v);
                ll += died * (prev_v + libm::log(one_minus_q));
                for i in 0..3 {
                    g[i] += died * (prev_g[i] - q * gt[i]) / one_minus_q;
                }
            }
            prev_v = v;
            prev_g = gt;
        }
        *grad = g;
        ll
    }
}

/// Starting points (α, β, c) of the fit.
const STARTS: [[f64; 3]; 4] = [
    [1.0, 1.0, 1.0],
    [0.5, 2.0, 1.0],
    [2.0, 5.0, 0.7],
    [0.2, 0.5, 1.4],
];

impl RetentionModel {
    /// Fits the sBG or BdW model (`opts.model`) on one or several cohorts of survivor counts,
    /// period 0 (the cohort size) first.
    ///
    /// Errors: `E_EMPTY` (no cohort, or an empty one), `E_NON_FINITE`, `E_NEGATIVE`,
    /// `E_OUT_OF_RANGE` (a count above 1e150, a cohort size of 0, survivors that increase; the column is `survivors`,
    /// or `survivors[k]` for the k-th cohort counted from 0 when there are several, and the row
    /// is the 1-based position in the cohort, period t at row t + 1), `E_INSUFFICIENT_DATA` (no
    /// cohort long enough to identify the parameters, or no churn), `E_BAD_OPTION`,
    /// `E_NOT_CONVERGED`.
    ///
    /// When the counts sit at an edge of the model (everybody leaving in the first period, or
    /// nobody after it) the likelihood has its supremum at the edge of the parameter space: the
    /// fit returns parameters near that edge, whose predictions approach the limit, and the
    /// standard errors of the parameters that ran away are `None`.
    pub fn fit(cohorts: &[&[f64]], opts: &RetentionOptions) -> Result<RetentionModel> {
        Self::fit_named(cohorts, cohorts.len() > 1, opts)
    }

    /// [`fit`](Self::fit) on survivors as JavaScript passes them: errors in
    /// [`Survivors::Many`] name the column `survivors[k]` even when there is one cohort.
    pub fn fit_survivors(survivors: &Survivors, opts: &RetentionOptions) -> Result<RetentionModel> {
        let cohorts = survivors.cohorts();
        Self::fit_named(&cohorts, matches!(survivors, Survivors::Many(_)), opts)
    }

    fn fit_named(
        cohorts: &[&[f64]],
        many: bool,
        opts: &RetentionOptions,
    ) -> Result<RetentionModel> {
        opts.validate()?;
        let bdw = opts.model == RetentionKind::Bdw;
        let k = if bdw { 3 } else { 2 };
        let data = counts(cohorts, many, k)?;
        let n = data.customers;
        let unpack = |lp: &[f64]| -> [f64; 3] {
            let c = if bdw {
                lp.get(2).map_or(1.0, |v| libm::exp(*v))
            } else {
                1.0
            };
            [
                lp.first().map_or(1.0, |v| libm::exp(*v)),
                lp.get(1).map_or(1.0, |v| libm::exp(*v)),
                c,
            ]
        };
        let objective = |lp: &[f64], g: &mut [f64]| -> f64 {
            let p = unpack(lp);
            let mut gn = [0.0; 3];
            let ll = data.eval(p[0], p[1], p[2], &mut gn);
            for (i, gi) in g.iter_mut().enumerate() {
                *gi = -gn.get(i).copied().unwrap_or(0.0) * p.get(i).copied().unwrap_or(0.0) / n;
            }
            -ll / n
        };
        let fit_from = |x0: &[f64]| {
            optim::minimize_within(
                objective,
                x0,
                opts.tolerance,
                opts.max_iterations,
                3.0,
                30.0,
            )
        };
        let name = if bdw { "BdW" } else { "sBG" };
        let failed = |b: Option<&optim::Minimum>| {
            match b {
            Some(b) => format!(
                "largest gradient {:.3e}; the survivor counts may not identify the model (for example everybody leaving in the first period)",
                b.grad_max
            ),
            None => "the likelihood is not finite at any starting point".into(),
        }
        };
        let (best, p) = if bdw {
            let best = optim::best_of_starts(&STARTS, &mut |_| Ok(()), fit_from)?;
            let (b, p) = optim::accept_best::<3>(best, name, failed)?;
            (b, p)
        } else {
            let starts: Vec<[f64; 2]> = STARTS.iter().map(|s| [s[0], s[1]]).collect();
            let best = optim::best_of_starts(&starts, &mut |_| Ok(()), fit_from)?;
            let (b, p) = optim::accept_best::<2>(best, name, failed)?;
            (b, [p[0], p[1], 1.0])
        };
        let ll = data.eval(p[0], p[1], p[2], &mut [0.0; 3]);
        // Standard errors: numerical Hessian of −LL on the natural parameters.
        let natural = &p[..k];
        let hess = optim::hessian_from_gradient(
            |x, out| {
                let c = if bdw {
                    x.get(2).copied().unwrap_or(1.0)
                } else {
                    1.0
                };
                let mut gn = [0.0; 3];
                data.eval(
                    x.first().copied().unwrap_or(1.0),
                    x.get(1).copied().unwrap_or(1.0),
                    c,
                    &mut gn,
                );
                for (o, g) in out.iter_mut().zip(gn) {
                    *o = -g;
                }
            },
            natural,
        );
        let std_errors = optim::std_errors(&hess, k);
        Ok(RetentionModel {
            model: opts.model,
            params: RetentionParams {
                alpha: p[0],
                beta: p[1],
                c: bdw.then_some(p[2]),
            },
            log_likelihood: Some(ll),
            std_errors,
            converged: best.converged,
            iterations: best.iterations,
            cohorts: cohorts.len(),
            customers: n,
            period: opts.period,
            max_iterations: opts.max_iterations,
            tolerance: opts.tolerance,
        })
    }

    /// A model from known parameters (e.g. published ones): sBG when `params.c` is `None`,
    /// BdW otherwise.
    pub fn from_params(params: RetentionParams, period: ContractPeriod) -> Result<RetentionModel> {
        params.validate()?;
        let d = RetentionOptions::default();
        Ok(RetentionModel {
            model: if params.c.is_some() {
                RetentionKind::Bdw
            } else {
                RetentionKind::Sbg
            },
            params,
            log_likelihood: None,
            std_errors: vec![None; if params.c.is_some() { 3 } else { 2 }],
            converged: true,
            iterations: 0,
            cohorts: 0,
            customers: 0.0,
            period,
            max_iterations: d.max_iterations,
            tolerance: d.tolerance,
        })
    }

    /// The definition reference of this model.
    pub fn definition(&self) -> DefinitionRef {
        let def = match self.model {
            RetentionKind::Sbg => &SBG,
            RetentionKind::Bdw => &BDW,
        };
        DefinitionRef::new(def)
            .with("period", ParamValue::Text(self.period.as_str().into()))
            .with(
                "maxIterations",
                ParamValue::Number(self.max_iterations as f64),
            )
            .with("tolerance", ParamValue::Number(self.tolerance))
    }

    fn abc(&self) -> (f64, f64, f64) {
        (self.params.alpha, self.params.beta, self.params.c())
    }

    /// S(t): the share of a cohort still active after t periods (t whole, ≥ 0).
    pub fn survival(&self, t: f64) -> Result<f64> {
        let t = check_index("t", t, 0.0)?;
        let (a, b, c) = self.abc();
        Ok(libm::exp(ln_s(a, b, c, f64::from(t))))
    }

    /// S(0), …, S(horizon): the survival curve, to project survivors beyond the data
    /// (multiply by the cohort size).
    pub fn survival_curve(&self, horizon: f64) -> Result<Vec<f64>> {
        let h = check_index("horizon", horizon, 0.0)?;
        let (a, b, c) = self.abc();
        Ok((0..=h)
            .map(|t| libm::exp(ln_s(a, b, c, f64::from(t))))
            .collect())
    }

    /// Expected survivors of a cohort of `cohort_size` customers in periods 0…`horizon`.
    pub fn project_survivors(&self, cohort_size: f64, horizon: f64) -> Result<Vec<f64>> {
        if !(cohort_size.is_finite() && cohort_size >= 0.0) {
            return Err(Error::BadOption {
                option: "cohortSize".into(),
                message: format!("must be a finite number ≥ 0, found {cohort_size}"),
            });
        }
        Ok(self
            .survival_curve(horizon)?
            .into_iter()
            .map(|s| s * cohort_size)
            .collect())
    }

    /// r(t) = S(t)/S(t−1): the share of customers active in period t − 1 who are still active
    /// in period t (t whole, ≥ 1). For the sBG, (β + t − 1)/(α + β + t − 1).
    pub fn retention_rate(&self, t: f64) -> Result<f64> {
        let t = f64::from(check_index("t", t, 1.0)?);
        let (a, b, c) = self.abc();
        Ok(match self.model {
            RetentionKind::Sbg => (b + t - 1.0) / (a + b + t - 1.0),
            RetentionKind::Bdw => libm::exp(ln_s(a, b, c, t) - ln_s(a, b, c, t - 1.0)),
        })
    }

    /// P(T = t) = S(t − 1) − S(t): the share of a new cohort that leaves at the end of period t
    /// (t whole, ≥ 1).
    pub fn churn_probability(&self, t: f64) -> Result<f64> {
        let t = f64::from(check_index("t", t, 1.0)?);
        let (a, b, c) = self.abc();
        let (prev, now) = (ln_s(a, b, c, t - 1.0), ln_s(a, b, c, t));
        Ok(libm::exp(prev) * -libm::expm1(now - prev))
    }

    /// E[T] = Σₜ₌₀^∞ S(t), the mean lifetime in periods counting the first; `Ok(None)` when
    /// it is infinite (sBG: α ≤ 1; BdW: c·α ≤ 1).
    ///
    /// sBG: (α + β − 1)/(α − 1). BdW: the first N terms summed (N = 10,000, or more until
    /// t^c ≥ 2β + α − 1), the rest by the Euler–Maclaurin formula on the asymptotic form of S
    /// (see `bdw_tail`). `E_UNDEFINED` when N would exceed 2,000,000 (c small and β large).
    pub fn expected_lifetime(&self) -> Result<Option<f64>> {
        let (a, b, c) = self.abc();
        match self.model {
            RetentionKind::Sbg => Ok((a > 1.0).then(|| (a + b - 1.0) / (a - 1.0))),
            RetentionKind::Bdw => {
                if c * a <= 1.0 {
                    return Ok(None);
                }
                let undefined = || {
                    Error::Undefined {
                    metric: BDW.id.into(),
                    message: format!(
                        "the mean lifetime at c = {c}, β = {b} needs more than {MAX_TERMS} terms of its series"
                    ),
                }
                };
                const MAX_TERMS: f64 = 2_000_000.0;
                let b1 = b + (a - 1.0) / 2.0;
                let n = libm::ceil(libm::pow(2.0 * b1, 1.0 / c)).max(10_000.0);
                if n.is_nan() || n > MAX_TERMS {
                    return Err(undefined());
                }
                let n = n as u32;
                let partial: f64 = (0..n).map(|t| libm::exp(ln_s(a, b, c, f64::from(t)))).sum();
                let v = partial + bdw_tail(a, b, c, f64::from(n));
                if v.is_finite() {
                    Ok(Some(v))
                } else {
                    Err(undefined())
                }
            }
        }
    }

    /// DERL(d | m): discounted expected residual lifetime, in periods, of a customer who has
    /// renewed `renewals` = m times, at discount rate `discount_rate` = d per period (see the
    /// module docs). Multiply by the margin per period to value the customer.
    ///
    /// `E_BAD_OPTION` for d outside (0, 10] or m not a whole number in 0…1,000,000;
    /// `E_UNDEFINED` when the series does not converge within its term limit (d very small).
    pub fn derl(&self, discount_rate: f64, renewals: f64) -> Result<f64> {
        DISCOUNT_RATE.check_number(discount_rate)?;
        let m = RENEWALS.check_number(renewals)?;
        let (a, b, c) = self.abc();
        let x = 1.0 / (1.0 + discount_rate);
        let undefined = || {
            Error::Undefined {
            metric: self.definition().metric.into(),
            message: format!(
                "the DERL series at discount rate {discount_rate} does not converge within its term limit; use a larger discount rate"
            ),
        }
        };
        let v = match self.model {
            RetentionKind::Sbg => {
                hyp2f1(1.0, b + m + 1.0, a + b + m + 1.0, x).ok_or_else(undefined)? * (b + m)
                    / (a + b + m)
            }
            RetentionKind::Bdw => {
                const MAX_TERMS: u32 = 2_000_000;
                let ln_base = ln_s(a, b, c, m);
                let mut sum = 0.0;
                let mut disc = 1.0;
                let mut done = false;
                for k in 0..MAX_TERMS {
                    let term = libm::exp(ln_s(a, b, c, m + 1.0 + f64::from(k)) - ln_base) * disc;
                    sum += term;
                    if term <= 1e-17 * sum {
                        done = true;
                        break;
                    }
                    disc *= x;
                }
                if !done {
                    return Err(undefined());
                }
                sum
            }
        };
        if v.is_finite() {
            Ok(v)
        } else {
            Err(undefined())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Stirling's forms agree with ln Γ and ψ where both are accurate, and stay finite and
    /// negative where ln Γ(u) − ln Γ(u + a) would cancel.
    #[test]
    fn gamma_ratios_for_large_arguments() {
        for (u, a) in [(1000.0, 0.7), (2500.5, 3.2), (1e4, 0.01)] {
            // The direct difference is itself only good to a few ulps of ln Γ(u).
            let direct = ln_gamma(u) - ln_gamma(u + a);
            let tol = 4.0 * f64::EPSILON * ln_gamma(u + a).abs();
            assert!((ln_gamma_ratio(u, a) - direct).abs() < tol, "{u} {a}");
            let d = digamma(u) - digamma(u + a);
            assert!((digamma_diff(u, a) - d).abs() < 1e-13, "{u} {a}");
        }
        // u = 1e68: ln Γ(u) − ln Γ(u + a) = −a ln u to within 1e-60.
        let v = ln_gamma_ratio(1e68, 1.5);
        assert!((v + 1.5 * libm::log(1e68)).abs() < 1e-9);
        assert!(digamma_diff(1e68, 1.5) < 0.0);
    }

    /// The analytic gradient of LL agrees with central differences.
    #[test]
    fn gradient_matches_finite_differences() {
        let cohorts: [&[f64]; 2] = [
            &[1000.0, 631.0, 468.0, 382.0, 326.0],
            &[500.0, 400.0, 350.0],
        ];
        let data = counts(&cohorts, true, 3).unwrap();
        let p = [0.8, 1.7, 0.9];
        let mut g = [0.0; 3];
        data.eval(p[0], p[1], p[2], &mut g);
        for i in 0..3 {
            let h = 1e-6;
            let (mut up, mut dn) = (p, p);
            up[i] += h;
            dn[i] -= h;
            let f = |q: [f64; 3]| data.eval(q[0], q[1], q[2], &mut [0.0; 3]);
            let num = (f(up) - f(dn)) / (2.0 * h);
            assert!(
                (num - g[i]).abs() < 1e-4 * num.abs().max(1.0),
                "{i}: {num} vs {}",
                g[i]
            );
        }
    }
}
