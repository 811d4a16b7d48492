//! Planning an experiment (`experiment.plan`): units per arm and days for a minimum detectable
//! effect.
//!
//! Two-sided test at level α with power 1 − β, equal allocation, unpooled variances:
//! n per arm = (z_{1−α/2} + z_{1−β})² · (σ_A² + σ_B²) · (1 − ρ²) / Δ², rounded up, where Δ is
//! the effect in metric units (the minimum detectable effect `mde`, times the baseline for a
//! relative one), σ² = p(1 − p) for a proportion (p_B = p_A + Δ) and `baselineSd`² for both
//! arms of a mean, and ρ the CUPED correlation (0 without CUPED). Each of the `arms` − 1
//! comparisons is tested at α (no correction: divide α yourself for one).

use super::{dist, Difference, ALPHA, DIFFERENCE, MAX_ARMS, UNITS_PER_DAY};
use crate::error::{Error, Result};
use crate::glossary::{Definition, DefinitionRef, ParamValue, ParameterDef};
use serde::{Deserialize, Serialize};

/// Parameter `metric`.
pub const METRIC: ParameterDef = ParameterDef::new(
    "metric",
    "required",
    "\"proportion\" (give baselineRate) or \"mean\" (give baselineMean and baselineSd).",
)
.required()
.one_of(&["proportion", "mean"]);
/// Parameter `baselineRate`.
pub const BASELINE_RATE: ParameterDef = ParameterDef::new(
    "baselineRate",
    "none",
    "The baseline's conversion rate (proportion), strictly between 0 and 1.",
)
.above(0.0)
.at_most(1.0);
/// Parameter `baselineMean`.
pub const BASELINE_MEAN: ParameterDef = ParameterDef::new(
    "baselineMean",
    "none",
    "The baseline's mean per unit (mean metric).",
)
.range(-1e150, 1e150);
/// Parameter `baselineSd`.
pub const BASELINE_SD: ParameterDef = ParameterDef::new(
    "baselineSd",
    "none",
    "The standard deviation per unit (mean metric), > 0.",
)
.above(0.0)
.at_most(1e150);
/// Parameter `mde`.
pub const MDE: ParameterDef = ParameterDef::new(
    "mde",
    "required",
    "Minimum detectable effect: a relative lift (0.05 = +5 %) or an absolute difference, per `difference`.",
)
.required()
.above(0.0)
.at_most(1e150);
/// Parameter `power`.
pub const POWER: ParameterDef = ParameterDef::new(
    "power",
    "0.8",
    "Probability of detecting an effect of size mde.",
)
.number(0.8)
.above(0.0)
.at_most(0.9999);
/// Parameter `arms`.
pub const ARMS: ParameterDef =
    ParameterDef::new("arms", "2", "Number of arms, the baseline included.")
        .number(2.0)
        .range(2.0, MAX_ARMS as f64)
        .whole();
/// Parameter `cupedCorrelation`.
pub const CUPED_CORRELATION: ParameterDef = ParameterDef::new(
    "cupedCorrelation",
    "0",
    "Correlation ρ between the pre-period covariate and the metric; CUPED scales the variance by 1 − ρ².",
)
.number(0.0)
.range(-0.999, 0.999);

/// Definition of `experiment.plan`.
pub const DEFINITION: Definition = Definition {
    id: "experiment.plan",
    version: "1.0.0",
    name: "Experiment plan: sample size and duration",
    description: "How many units each arm needs to detect a minimum effect with a given power, and how many days that takes at a given traffic. CUPED shrinks the sample by 1 − ρ².",
    formula: "n per arm = ⌈(z_{1−α/2} + z_{power})² (σ_A² + σ_B²)(1 − ρ²)/Δ²⌉; proportion σ² = p(1 − p), p_B = p_A + Δ; mean σ = baselineSd; Δ = mde × baseline (relative) or mde (absolute); days = ⌈arms × n / unitsPerDay⌉",
    unit: "units per arm; days",
    parameters: &[
        METRIC,
        BASELINE_RATE,
        BASELINE_MEAN,
        BASELINE_SD,
        MDE,
        DIFFERENCE,
        ALPHA,
        POWER,
        ARMS,
        CUPED_CORRELATION,
        UNITS_PER_DAY,
    ],
    inputs: "Numbers only: the baseline rate (or mean and standard deviation), the minimum detectable effect and the test's settings.",
    depends_on: &[],
};

/// Metric kinds a plan knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "lowercase")]
pub enum PlanMetric {
    /// A conversion rate.
    Proportion,
    /// A mean per unit.
    Mean,
}

/// Options of [`plan_experiment`] (JS `PlanOptions`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PlanOptions {
    /// `"proportion"` or `"mean"`.
    pub metric: PlanMetric,
    /// Baseline conversion rate (proportion).
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub baseline_rate: Option<f64>,
    /// Baseline mean (mean).
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub baseline_mean: Option<f64>,
    /// Standard deviation per unit (mean).
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub baseline_sd: Option<f64>,
    /// Minimum detectable effect.
    pub mde: f64,
    /// Scale of `mde` (default relative).
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub difference: Difference,
    /// Significance level (default 0.05).
    #[serde(default = "default_alpha")]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub alpha: f64,
    /// Power (default 0.8).
    #[serde(default = "default_power")]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub power: f64,
    /// Arms including the baseline (default 2).
    #[serde(default = "default_arms")]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub arms: f64,
    /// CUPED correlation (default 0).
    #[serde(default = "default_rho")]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub cuped_correlation: f64,
    /// Units per day, all arms.
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub units_per_day: Option<f64>,
}

fn default_alpha() -> f64 {
    const { ALPHA.default_number() }
}
fn default_power() -> f64 {
    const { POWER.default_number() }
}
fn default_arms() -> f64 {
    const { ARMS.default_number() }
}
fn default_rho() -> f64 {
    const { CUPED_CORRELATION.default_number() }
}

/// The plan (JS `PlanResult`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(
    target_arch = "wasm32",
    derive(tsify::Tsify),
    tsify(missing_as_null, rename = "PlanResult")
)]
#[serde(rename = "PlanResult", rename_all = "camelCase")]
pub struct Plan {
    /// Units each arm needs (rounded up).
    pub units_per_arm: f64,
    /// Units in all arms.
    pub total_units: f64,
    /// Days at `unitsPerDay` (null without it).
    pub days: Option<f64>,
    /// The effect to detect, in metric units (Δ).
    pub effect: f64,
    /// The definition (`experiment.plan`) and parameters.
    pub definition: DefinitionRef,
}

fn bad(option: &str, message: impl Into<String>) -> Error {
    Error::BadOption {
        option: option.into(),
        message: message.into(),
    }
}

/// Sizes an experiment (see the module docs).
///
/// Errors: `E_BAD_OPTION` for a value out of range, a baseline field missing for the metric
/// or given for the other one, or a relative effect that takes the rate outside (0, 1).
///
/// ```
/// use unimetric::experiment::plan::{plan_experiment, PlanMetric, PlanOptions};
/// use unimetric::experiment::Difference;
/// // 10 % baseline, +10 % relative (10 % → 11 %), α 0.05, power 0.8:
/// // (1.95996 + 0.84162)² · (0.09 + 0.0979) / 0.01² = 14,748.05 → 14,749 per arm.
/// let p = plan_experiment(&PlanOptions {
///     metric: PlanMetric::Proportion, baseline_rate: Some(0.1), baseline_mean: None,
///     baseline_sd: None, mde: 0.1, difference: Difference::Relative, alpha: 0.05,
///     power: 0.8, arms: 2.0, cuped_correlation: 0.0, units_per_day: Some(2000.0),
/// }).unwrap();
/// assert_eq!(p.units_per_arm, 14749.0);
/// assert_eq!(p.days, Some(15.0)); // 29,498 units at 2,000 a day
/// ```
pub fn plan_experiment(o: &PlanOptions) -> Result<Plan> {
    MDE.check_number(o.mde)?;
    ALPHA.check_number(o.alpha)?;
    POWER.check_number(o.power)?;
    ARMS.check_count(o.arms)?;
    CUPED_CORRELATION.check_number(o.cuped_correlation)?;
    if let Some(u) = o.units_per_day {
        UNITS_PER_DAY.check_number(u)?;
    }
    let relative = o.difference == Difference::Relative;
    let (var_sum, effect, mut def) = match o.metric {
        PlanMetric::Proportion => {
            for (v, name) in [
                (o.baseline_mean, "baselineMean"),
                (o.baseline_sd, "baselineSd"),
            ] {
                if v.is_some() {
                    return Err(bad(
                        name,
                        "applies to metric \"mean\"; a proportion takes baselineRate",
                    ));
                }
            }
            let p = o
                .baseline_rate
                .ok_or_else(|| bad("baselineRate", "is required for metric \"proportion\""))?;
            BASELINE_RATE.check_number(p)?;
            if p >= 1.0 {
                return Err(bad("baselineRate", "a rate of 1 leaves no room to rise"));
            }
            let delta = if relative { o.mde * p } else { o.mde };
            let q = p + delta;
            if q.is_nan() || q >= 1.0 {
                return Err(bad(
                    "mde",
                    format!("the treatment rate would be {q}, which is not below 1"),
                ));
            }
            (
                p * (1.0 - p) + q * (1.0 - q),
                delta,
                DefinitionRef::new(&DEFINITION)
                    .with("metric", ParamValue::Text("proportion".into()))
                    .with("baselineRate", ParamValue::Number(p)),
            )
        }
        PlanMetric::Mean => {
            if o.baseline_rate.is_some() {
                return Err(bad(
                    "baselineRate",
                    "applies to metric \"proportion\"; a mean takes baselineMean and baselineSd",
                ));
            }
            let sd = o
                .baseline_sd
                .ok_or_else(|| bad("baselineSd", "is required for metric \"mean\""))?;
            BASELINE_SD.check_number(sd)?;
            let mean = match (o.baseline_mean, relative) {
                (Some(m), _) => BASELINE_MEAN.check_number(m)?,
                (None, true) => {
                    return Err(bad(
                        "baselineMean",
                        "is required for a relative mde on metric \"mean\"",
                    ))
                }
                (None, false) => 0.0,
            };
            if relative && mean == 0.0 {
                return Err(bad(
                    "baselineMean",
                    "a relative effect on a mean of 0 is 0; use difference \"absolute\"",
                ));
            }
            let delta = if relative { o.mde * mean.abs() } else { o.mde };
            (
                2.0 * sd * sd,
                delta,
                DefinitionRef::new(&DEFINITION)
                    .with("metric", ParamValue::Text("mean".into()))
                    .with("baselineMean", ParamValue::Number(mean))
                    .with("baselineSd", ParamValue::Number(sd)),
            )
        }
    };
    let z = dist::norm_ppf(1.0 - o.alpha / 2.0) + dist::norm_ppf(o.power);
    let rho2 = o.cuped_correlation * o.cuped_correlation;
    let n = (z * z * var_sum * (1.0 - rho2) / (effect * effect))
        .ceil()
        .max(2.0);
    let total = n * o.arms;
    if !total.is_finite() || total > 1e15 {
        return Err(bad(
            "mde",
            format!("an effect of {effect} needs more than 1e15 units; it cannot be detected"),
        ));
    }
    let days = o.units_per_day.map(|u| (total / u).ceil());
    def = def
        .with("mde", ParamValue::Number(o.mde))
        .with(
            "difference",
            ParamValue::Text(if relative { "relative" } else { "absolute" }.into()),
        )
        .with("alpha", ParamValue::Number(o.alpha))
        .with("power", ParamValue::Number(o.power))
        .with("arms", ParamValue::Number(o.arms))
        .with("cupedCorrelation", ParamValue::Number(o.cuped_correlation));
    if let Some(u) = o.units_per_day {
        def = def.with("unitsPerDay", ParamValue::Number(u));
    }
    Ok(Plan {
        units_per_arm: n,
        total_units: total,
        days,
        effect,
        definition: def,
    })
}
