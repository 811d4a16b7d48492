//! Experiments (A/B/n tests) from summary statistics: is the lift significant?
//!
//! [`experiment`] compares every arm with a baseline arm on one metric, given each arm's sums;
//! [`experiment_report`] corrects the p-values of several metrics of one experiment together;
//! [`units::experiment_from_units`] does the same from one row per unit (the per-arm sums in one
//! pass); [`srm_check`] tests the traffic split; [`plan::plan_experiment`] sizes a test.
//!
//! # Conventions (those of GrowthBook's gbstats, the open reference)
//!
//! - **Metrics.** `proportion` (arms `{ n, conversions }`; per-unit variance p(1 − p)),
//!   `mean` (arms `{ n, sum, sumSquares }`; sample variance with n − 1), `ratio` (arms with the
//!   sums of numerator, denominator, their squares and their cross product; the per-unit
//!   variance of the ratio M/D by the delta method *with* the covariance term:
//!   var(M)/μ_D² + var(D)·μ_M²/μ_D⁴ − 2·cov(M, D)·μ_M/μ_D³).
//! - **Effect.** `absolute`: μ_B − μ_A, variance v_B/n_B + v_A/n_A. `relative` (default):
//!   (μ_B − μ_A)/|μ_A| with the delta-method variance
//!   v_B/(n_B·μ_A²) + v_A·μ_B²/(n_A·μ_A⁴).
//! - **Frequentist** (default): Welch's t with the Welch–Satterthwaite degrees of freedom
//!   df = (v_B/n_B + v_A/n_A)² / (v_B²/(n_B²(n_B − 1)) + v_A²/(n_A²(n_A − 1))); two-sided
//!   p-value 2·P(T_df > |t|); interval estimate ± t_{df, 1−α/2}·se.
//! - **Sequential** (`sequential: true`): the asymptotic confidence sequence of Waudby-Smith,
//!   Arnold, Wu, Lindon, Ramdas and Howard, "Time-uniform central limit theory and asymptotic
//!   confidence sequences" (Annals of Statistics, 2024; arXiv:2103.06476v7), eq. 9, with the
//!   tuning of eq. 161 — exactly gbstats' `SequentialTwoSidedTTest`. With N = n_A + n_B units,
//!   s² = N·se² and N* = `sequentialTuning`:
//!   ρ = √((−2 ln α + ln(−2 ln α + 1)) / N*),
//!   half-width = s·√(2(Nρ² + 1)/(N²ρ²) · ln(√(Nρ² + 1)/α)),
//!   and the always-valid p-value (eq. 155)
//!   p = min(1, √(Nρ² + 1)·exp(−ρ²·N·estimate²/(2·se²·(Nρ² + 1)))). The interval
//!   holds at every sample size at once, so the test may be looked at after every unit.
//! - **Bayesian** (`method: "bayesian"`): the effect's likelihood is Normal(estimate, se²);
//!   with a flat prior (default) the posterior is that Normal, with `prior: { mean, stddev }`
//!   (on the scale of `difference`) it is the conjugate Normal posterior
//!   precision = 1/se² + 1/stddev², mean = (estimate/se² + prior mean/stddev²)/precision.
//!   `chanceToWin` = P(effect > 0); `risk` = E[max(0, −effect)] (expected loss of shipping the
//!   arm), `baselineRisk` = E[max(0, effect)] (of keeping the baseline); interval = the central
//!   1 − α credible interval.
//! - **CUPED** (arms with `preSum`, `preSumSquares`, `preCrossSum`): θ = cov(post, pre)/var(pre)
//!   over the two arms compared, pooled; each arm's mean becomes μ_post − θ·μ_pre with variance
//!   v_post + θ²·v_pre − 2θ·cov. θ = 0 (no spread before or after) falls back to the plain test.
//!   The relative effect divides by the baseline's unadjusted mean; its variance is the
//!   delta-method one of gbstats' `frequentist_variance_relative_cuped` (which includes the
//!   covariance of the baseline's adjusted and unadjusted means).
//! - **Significance.** Frequentist: p < α (after `correction`); Bayesian: the credible interval
//!   excludes 0. `correction` (`holm`, `benjamini-hochberg`) adjusts the p-values of the
//!   comparisons of one call; intervals are not adjusted.
//! - **SRM.** Pearson's chi-square of the arms' units against `expectedWeights` (equal by
//!   default), k − 1 degrees of freedom, flagged at p < 0.001.

pub mod assignments;
pub mod dist;
pub mod on_transactions;
pub mod plan;
mod summary;
pub mod units;

use crate::error::{check_number, Error, Result};
use crate::glossary::{Definition, DefinitionRef, ParamValue, ParameterDef};
use serde::{Deserialize, Serialize};

pub use assignments::{ArmValues, AssignmentMapping, AssignmentTable, UnitIds};
pub use on_transactions::{
    experiment_on_transactions, Assignments, ExperimentOnTransactionsOptions,
    ExperimentOnTransactionsResult, TransactionMetric,
};
pub use plan::{plan_experiment, Plan, PlanOptions};
pub use units::{experiment_from_units, ArmColumn, ExperimentUnitsOptions, UnitColumns};

/// The most arms one call accepts.
pub const MAX_ARMS: usize = 1000;

/// p-value below which the traffic split is flagged as a sample-ratio mismatch.
pub const SRM_THRESHOLD: f64 = 0.001;

/// Power used for `daysToPower` in a comparison (80 %).
pub const SUMMARY_POWER: f64 = 0.8;

// ----------------------------------------------------------------------------------- parameters

/// Parameter `alpha`.
pub const ALPHA: ParameterDef = ParameterDef::new(
    "alpha",
    "0.05",
    "Significance level: two-sided, 1 − alpha intervals.",
)
.number(0.05)
.above(0.0)
.at_most(0.5);
/// Parameter `difference`.
pub const DIFFERENCE: ParameterDef = ParameterDef::new(
    "difference",
    "\"relative\"",
    "Effect scale: relative lift (B − A)/|A| by the delta method, or absolute B − A.",
)
.text("relative")
.one_of(&["relative", "absolute"]);
/// Parameter `method`.
pub const METHOD: ParameterDef = ParameterDef::new(
    "method",
    "\"frequentist\"",
    "Frequentist (Welch t, or a confidence sequence when sequential) or Bayesian (Gaussian posterior).",
)
.text("frequentist")
.one_of(&["frequentist", "bayesian"]);
/// Parameter `sequential`.
pub const SEQUENTIAL: ParameterDef = ParameterDef::new(
    "sequential",
    "false",
    "Asymptotic confidence sequences: valid however often the results are looked at (frequentist only).",
)
.flag(false);
/// Parameter `sequentialTuning` (N*).
pub const SEQUENTIAL_TUNING: ParameterDef = ParameterDef::new(
    "sequentialTuning",
    "5000",
    "N*: the total sample size at which the confidence sequence is tightest.",
)
.number(5000.0)
.above(0.0)
.at_most(1e15);
/// Parameter `prior`.
pub const PRIOR: ParameterDef = ParameterDef::new(
    "prior",
    "flat",
    "Gaussian prior { mean, stddev } on the effect, on the scale of `difference` (Bayesian only).",
);
/// Parameter `correction`.
pub const CORRECTION: ParameterDef = ParameterDef::new(
    "correction",
    "\"none\"",
    "Multiple-comparison correction of the p-values across the comparisons (frequentist only).",
)
.text("none")
.one_of(&["none", "holm", "benjamini-hochberg"]);
/// Parameter `baseline`.
pub const BASELINE: ParameterDef = ParameterDef::new(
    "baseline",
    "first arm",
    "Name of the arm every other arm is compared with.",
)
.rule("firstArm");
/// Parameter `expectedWeights`.
pub const EXPECTED_WEIGHTS: ParameterDef = ParameterDef::new(
    "expectedWeights",
    "equal",
    "Intended traffic share of each arm, in the arms' order, for the SRM check (positive; normalised).",
)
.rule("equal");
/// Parameter `unitsPerDay`.
pub const UNITS_PER_DAY: ParameterDef = ParameterDef::new(
    "unitsPerDay",
    "none",
    "Units entering the experiment per day (all arms): the summary then says how many more days reach 80 % power.",
)
.above(0.0)
.at_most(1e15);
/// Parameter `weights` of `srmCheck`.
pub const WEIGHTS: ParameterDef = ParameterDef::new(
    "weights",
    "equal",
    "Intended traffic share of each arm (positive; normalised).",
)
.rule("equal");

const INPUTS: &str = "Per arm: name and n, plus conversions (proportion); sum and sumSquares (mean); numeratorSum, numeratorSumSquares, denominatorSum, denominatorSumSquares and crossSum (ratio); optionally preSum, preSumSquares and preCrossSum (CUPED; proportion and mean). At least 2 and at most 1,000 arms, each with n ≥ 2.";

/// Definition of `experiment.frequentist`.
pub const FREQUENTIST: Definition = Definition {
    id: "experiment.frequentist",
    version: "1.0.0",
    name: "Experiment: fixed-horizon test",
    description: "Compares each arm of an A/B/n test with the baseline arm on one metric: the effect (relative lift or absolute difference), its confidence interval and p-value by Welch's t-test, optionally with CUPED variance reduction and a Holm or Benjamini–Hochberg correction. Valid when the results are read once, at the planned sample size.",
    formula: "estimate = (μ_B − μ_A)/|μ_A| (relative) or μ_B − μ_A; se² = v_B/(n_B μ_A²) + v_A μ_B²/(n_A μ_A⁴) (relative) or v_B/n_B + v_A/n_A; df = (v_B/n_B + v_A/n_A)²/(v_B²/(n_B²(n_B−1)) + v_A²/(n_A²(n_A−1))); p = 2·P(T_df > |estimate/se|); CI = estimate ± t_{df,1−α/2}·se; CUPED: μ − θ μ_pre with θ = cov(post, pre)/var(pre) pooled over the two arms",
    unit: "relative lift (fraction) or metric units",
    parameters: &[
        ALPHA,
        DIFFERENCE,
        METHOD,
        SEQUENTIAL,
        CORRECTION,
        BASELINE,
        EXPECTED_WEIGHTS,
        UNITS_PER_DAY,
    ],
    inputs: INPUTS,
    depends_on: &[],
};

/// Definition of `experiment.sequential`.
pub const SEQUENTIAL_DEF: Definition = Definition {
    id: "experiment.sequential",
    version: "1.0.0",
    name: "Experiment: sequential test",
    description: "As the fixed-horizon test, with asymptotic confidence sequences (Waudby-Smith et al. 2024, eq. 9, as in GrowthBook): the interval and the always-valid p-value stay valid however often the results are looked at, so an experiment may be stopped as soon as it is significant.",
    formula: "N = n_A + n_B; s² = N·se²; ρ = √((−2 ln α + ln(−2 ln α + 1))/N*); CI = estimate ± s·√(2(Nρ²+1)/(N²ρ²)·ln(√(Nρ²+1)/α)); always-valid p = min(1, √(Nρ²+1)·exp(−ρ² N estimate²/(2 se² (Nρ²+1))))",
    unit: "relative lift (fraction) or metric units",
    parameters: &[
        ALPHA,
        DIFFERENCE,
        METHOD,
        SEQUENTIAL,
        SEQUENTIAL_TUNING,
        CORRECTION,
        BASELINE,
        EXPECTED_WEIGHTS,
        UNITS_PER_DAY,
    ],
    inputs: INPUTS,
    depends_on: &[],
};

/// Definition of `experiment.bayesian`.
pub const BAYESIAN: Definition = Definition {
    id: "experiment.bayesian",
    version: "1.0.0",
    name: "Experiment: Bayesian test",
    description: "Compares each arm with the baseline by a Gaussian posterior on the effect (flat prior by default, as GrowthBook): the chance that the arm beats the baseline, the expected loss (risk) of shipping it, and a credible interval.",
    formula: "posterior precision = 1/se² + 1/σ₀² (flat: 1/se²); posterior mean m = (estimate/se² + μ₀/σ₀²)/precision; s = √(1/precision); chance to win = Φ(m/s); risk = s·φ(m/s) − m·Φ(−m/s); baseline risk = m·Φ(m/s) + s·φ(m/s); CI = m ± z_{1−α/2}·s",
    unit: "relative lift (fraction) or metric units; chance to win 0–1",
    parameters: &[
        ALPHA,
        DIFFERENCE,
        METHOD,
        PRIOR,
        BASELINE,
        EXPECTED_WEIGHTS,
        UNITS_PER_DAY,
    ],
    inputs: INPUTS,
    depends_on: &[],
};

/// Definition of `experiment.srm`.
pub const SRM: Definition = Definition {
    id: "experiment.srm",
    version: "1.0.0",
    name: "Sample-ratio mismatch check",
    description: "Tests whether the units per arm match the intended split. A flagged mismatch (p < 0.001) means the assignment or the logging is broken and the experiment's results should not be trusted.",
    formula: "χ² = Σ (o_i − e_i)²/e_i with e_i = w_i/Σw · Σo; p = P(χ²_{k−1} > χ²); flagged when p < 0.001; most off arm = the largest (o_i − e_i)²/e_i",
    unit: "chi-square statistic; p-value 0–1",
    parameters: &[WEIGHTS],
    inputs: "Units per arm (at least 2 arms, whole numbers ≥ 0, not all 0) and optional weights of the same length.",
    depends_on: &[],
};

/// Definition of `experiment.report`.
pub const REPORT: Definition = Definition {
    id: "experiment.report",
    version: "1.0.0",
    name: "Experiment report: correction across metrics",
    description: "Corrects the p-values of every comparison of several experiment results (several metrics of one experiment) together, so that looking at many metrics does not inflate the false-positive rate.",
    formula: "Holm: p_(i) ← max_{j≤i} min(1, (m − j + 1) p_(j)); Benjamini–Hochberg: p_(i) ← min_{j≥i} min(1, m p_(j)/j); significant when the adjusted p < α",
    unit: "p-value 0–1",
    parameters: &[ALPHA, CORRECTION],
    inputs: "Results of experiment (frequentist) for the same experiment.",
    depends_on: &["experiment.frequentist"],
};

/// The experiment definitions, in catalog order.
pub const DEFINITIONS: [&Definition; 10] = [
    &FREQUENTIST,
    &SEQUENTIAL_DEF,
    &BAYESIAN,
    &SRM,
    &plan::DEFINITION,
    &REPORT,
    &on_transactions::CONVERSION,
    &on_transactions::ORDERS_PER_UNIT,
    &on_transactions::REVENUE_PER_UNIT,
    &on_transactions::AOV,
];

// ----------------------------------------------------------------------------------- input

/// The kind of metric an experiment compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "lowercase")]
pub enum ExperimentMetric {
    /// Share of units that converted.
    Proportion,
    /// Mean value per unit.
    Mean,
    /// Ratio of two sums (e.g. revenue per order).
    Ratio,
}

impl ExperimentMetric {
    fn as_str(self) -> &'static str {
        match self {
            ExperimentMetric::Proportion => "proportion",
            ExperimentMetric::Mean => "mean",
            ExperimentMetric::Ratio => "ratio",
        }
    }
}

/// One arm's sums (JS `ExperimentArm`); which fields are needed depends on the metric.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExperimentArm {
    /// Arm name (unique, not empty).
    pub name: String,
    /// Units in the arm (whole, ≥ 2).
    pub n: f64,
    /// Proportion: units that converted (0 to n).
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub conversions: Option<f64>,
    /// Mean: sum of the values.
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub sum: Option<f64>,
    /// Mean: sum of the squared values.
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub sum_squares: Option<f64>,
    /// Ratio: sum of the numerators.
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub numerator_sum: Option<f64>,
    /// Ratio: sum of the squared numerators.
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub numerator_sum_squares: Option<f64>,
    /// Ratio: sum of the denominators.
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub denominator_sum: Option<f64>,
    /// Ratio: sum of the squared denominators.
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub denominator_sum_squares: Option<f64>,
    /// Ratio: sum of numerator × denominator per unit.
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub cross_sum: Option<f64>,
    /// CUPED: sum of the pre-period values (proportion: units that converted before).
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub pre_sum: Option<f64>,
    /// CUPED: sum of the squared pre-period values (proportion: equal to `preSum` when given).
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub pre_sum_squares: Option<f64>,
    /// CUPED: sum of post × pre value per unit.
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub pre_cross_sum: Option<f64>,
}

/// The input of [`experiment`] (JS `ExperimentInput`): the metric kind and one entry per arm.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExperimentInput {
    /// `"proportion"`, `"mean"` or `"ratio"`.
    pub metric: ExperimentMetric,
    /// The metric's name in the summary sentence (default "the conversion rate", "the mean",
    /// "the ratio").
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub name: Option<String>,
    /// The arms, at least 2.
    pub arms: Vec<ExperimentArm>,
}

// ----------------------------------------------------------------------------------- options

/// Effect scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "lowercase")]
pub enum Difference {
    /// (B − A)/|A|.
    #[default]
    Relative,
    /// B − A.
    Absolute,
}

/// Inference method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "lowercase")]
pub enum ExperimentMethod {
    /// Welch t (or a confidence sequence).
    #[default]
    Frequentist,
    /// Gaussian posterior.
    Bayesian,
}

/// Multiple-comparison correction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "kebab-case")]
pub enum Correction {
    /// No correction.
    #[default]
    None,
    /// Holm–Bonferroni (family-wise error rate).
    Holm,
    /// Benjamini–Hochberg (false discovery rate).
    BenjaminiHochberg,
}

impl Correction {
    fn as_str(self) -> &'static str {
        match self {
            Correction::None => "none",
            Correction::Holm => "holm",
            Correction::BenjaminiHochberg => "benjamini-hochberg",
        }
    }
}

/// A Gaussian prior on the effect.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExperimentPrior {
    /// Prior mean of the effect.
    pub mean: f64,
    /// Prior standard deviation of the effect (> 0).
    pub stddev: f64,
}

/// Options of [`experiment`] (JS `ExperimentOptions`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct ExperimentOptions {
    /// Significance level (default 0.05).
    pub alpha: f64,
    /// Effect scale (default relative).
    pub difference: Difference,
    /// Method (default frequentist).
    pub method: ExperimentMethod,
    /// Confidence sequences (default false).
    pub sequential: bool,
    /// N* of the confidence sequence (default 5000).
    pub sequential_tuning: f64,
    /// Gaussian prior (default flat).
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub prior: Option<ExperimentPrior>,
    /// Correction across the comparisons (default none).
    pub correction: Correction,
    /// Baseline arm name (default the first arm).
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub baseline: Option<String>,
    /// Intended traffic shares for the SRM check (default equal).
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub expected_weights: Option<Vec<f64>>,
    /// Units per day, all arms (for `daysToPower`).
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub units_per_day: Option<f64>,
}

impl Default for ExperimentOptions {
    fn default() -> Self {
        ExperimentOptions {
            alpha: const { ALPHA.default_number() },
            difference: Difference::default(),
            method: ExperimentMethod::default(),
            sequential: const { SEQUENTIAL.default_flag() },
            sequential_tuning: const { SEQUENTIAL_TUNING.default_number() },
            prior: None,
            correction: Correction::default(),
            baseline: None,
            expected_weights: None,
            units_per_day: None,
        }
    }
}

impl ExperimentOptions {
    /// Checks ranges and combinations (`E_BAD_OPTION`).
    pub fn check(&self) -> Result<()> {
        ALPHA.check_number(self.alpha)?;
        SEQUENTIAL_TUNING.check_number(self.sequential_tuning)?;
        if let Some(u) = self.units_per_day {
            UNITS_PER_DAY.check_number(u)?;
        }
        let bayes = self.method == ExperimentMethod::Bayesian;
        if bayes && self.sequential {
            return Err(bad("sequential", "confidence sequences are frequentist; use method \"frequentist\" with sequential, or method \"bayesian\" without it"));
        }
        if bayes && self.correction != Correction::None {
            return Err(bad("correction", "p-value corrections apply to method \"frequentist\"; Bayesian results have no p-values"));
        }
        if let Some(p) = self.prior {
            if !bayes {
                return Err(bad("prior", "a prior applies to method \"bayesian\" only"));
            }
            check_option(p.mean, "prior.mean")?;
            if p.stddev.is_nan()
                || p.stddev <= 0.0
                || check_option(p.stddev, "prior.stddev").is_err()
            {
                return Err(bad(
                    "prior.stddev",
                    format!("expected a number greater than 0, found {}", p.stddev),
                ));
            }
        }
        if let Some(w) = &self.expected_weights {
            check_weights(w, "expectedWeights")?;
        }
        Ok(())
    }

    fn definition(&self) -> &'static Definition {
        match (self.method, self.sequential) {
            (ExperimentMethod::Bayesian, _) => &BAYESIAN,
            (ExperimentMethod::Frequentist, true) => &SEQUENTIAL_DEF,
            (ExperimentMethod::Frequentist, false) => &FREQUENTIST,
        }
    }
}

fn bad(option: &str, message: impl Into<String>) -> Error {
    Error::BadOption {
        option: option.into(),
        message: message.into(),
    }
}

fn check_option(x: f64, option: &str) -> Result<f64> {
    if x.is_finite() && x.abs() <= crate::error::MAX_MAGNITUDE {
        Ok(x)
    } else {
        Err(bad(
            option,
            format!("expected a finite number of magnitude at most 1e150, found {x}"),
        ))
    }
}

fn check_weights(w: &[f64], option: &str) -> Result<()> {
    for (i, &x) in w.iter().enumerate() {
        if x.is_nan() || x <= 0.0 || check_option(x, option).is_err() {
            return Err(bad(
                &format!("{option}[{i}]"),
                format!("expected a positive finite weight, found {x}"),
            ));
        }
    }
    Ok(())
}

// ----------------------------------------------------------------------------------- results

/// One arm in a result (JS `ExperimentArmResult`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase")]
pub struct ExperimentArmResult {
    /// Arm name.
    pub name: String,
    /// Units.
    pub n: f64,
    /// Mean per unit (conversion rate, mean value or ratio), before CUPED.
    pub mean: f64,
    /// Per-unit variance of the metric (proportion p(1 − p); ratio by the delta method).
    pub variance: f64,
}

/// One arm compared with the baseline (JS `ExperimentComparison`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase")]
pub struct ExperimentComparison {
    /// The arm.
    pub arm: String,
    /// The baseline arm.
    pub baseline: String,
    /// The effect: relative lift (fraction) or absolute difference (Bayesian: posterior mean).
    pub estimate: f64,
    /// Standard error of the estimate (Bayesian: posterior standard deviation).
    pub std_error: f64,
    /// Interval [lower, upper]: confidence interval, confidence sequence or credible interval.
    #[cfg_attr(target_arch = "wasm32", tsify(type = "[number, number]"))]
    pub ci: [f64; 2],
    /// Welch–Satterthwaite degrees of freedom (fixed-horizon frequentist only).
    pub df: Option<f64>,
    /// Two-sided p-value (frequentist; always valid when sequential).
    pub p_value: Option<f64>,
    /// The p-value after `correction` (frequentist with a correction).
    pub adjusted_p_value: Option<f64>,
    /// P(effect > 0) (Bayesian).
    pub chance_to_win: Option<f64>,
    /// Expected loss of shipping the arm, E[max(0, −effect)] (Bayesian).
    pub risk: Option<f64>,
    /// Expected loss of keeping the baseline, E[max(0, effect)] (Bayesian).
    pub baseline_risk: Option<f64>,
    /// CUPED θ used (null without CUPED or when θ fell back to 0).
    pub theta: Option<f64>,
    /// Significant at `alpha` (see the module docs).
    pub significant: bool,
    /// More days at `unitsPerDay` until a fixed-horizon test of the observed effect has 80 %
    /// power (null when significant, when the effect is 0 or without `unitsPerDay`).
    pub days_to_power: Option<f64>,
    /// The result in one sentence.
    pub summary: String,
}

/// The sample-ratio mismatch check of an experiment (JS `ExperimentSrm`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase")]
pub struct ExperimentSrm {
    /// Pearson's chi-square statistic.
    pub chi_square: f64,
    /// Its p-value with k − 1 degrees of freedom.
    pub p_value: f64,
    /// p < 0.001.
    pub flagged: bool,
    /// The arm contributing most to the chi-square.
    pub most_off_arm: String,
}

/// The result of [`experiment`] (JS `ExperimentResult`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase")]
pub struct ExperimentResult {
    /// The metric's name as used in the summaries.
    pub name: String,
    /// Every arm, in input order.
    pub arms: Vec<ExperimentArmResult>,
    /// One per non-baseline arm, in input order.
    pub comparisons: Vec<ExperimentComparison>,
    /// The traffic-split check.
    pub srm: ExperimentSrm,
    /// The definition (`experiment.frequentist`, `.sequential` or `.bayesian`) and parameters.
    pub definition: DefinitionRef,
}

// ----------------------------------------------------------------------------------- statistics

/// Sums of one variable: n, Σx, Σx²; `binary` for 0/1 values (variance p(1 − p), as gbstats'
/// `ProportionStatistic`).
#[derive(Debug, Clone, Copy)]
struct Moments {
    n: f64,
    sum: f64,
    sum_squares: f64,
    binary: bool,
}

impl Moments {
    fn mean(&self) -> f64 {
        self.sum / self.n
    }
    fn variance(&self) -> f64 {
        if self.binary {
            let p = self.mean();
            p * (1.0 - p)
        } else {
            ((self.sum_squares - self.sum * self.sum / self.n) / (self.n - 1.0)).max(0.0)
        }
    }
    fn joint(&self, o: &Moments) -> Moments {
        Moments {
            n: self.n + o.n,
            sum: self.sum + o.sum,
            sum_squares: self.sum_squares + o.sum_squares,
            binary: self.binary,
        }
    }
}

/// Covariance of two variables over the same n units from Σxy (gbstats' `compute_covariance`).
fn covariance(a: &Moments, b: &Moments, cross: f64) -> f64 {
    let n = a.n;
    if a.binary && b.binary {
        cross / n - a.sum * b.sum / (n * n)
    } else {
        (cross - a.sum * b.sum / n) / (n - 1.0)
    }
}

#[derive(Debug, Clone)]
enum ArmStat {
    Plain(Moments),
    Cuped {
        post: Moments,
        pre: Moments,
        cross: f64,
    },
    Ratio {
        num: Moments,
        den: Moments,
        cross: f64,
    },
}

impl ArmStat {
    fn n(&self) -> f64 {
        match self {
            ArmStat::Plain(m) | ArmStat::Cuped { post: m, .. } | ArmStat::Ratio { num: m, .. } => {
                m.n
            }
        }
    }
    /// Unadjusted mean.
    fn mean(&self) -> f64 {
        match self {
            ArmStat::Plain(m) | ArmStat::Cuped { post: m, .. } => m.mean(),
            ArmStat::Ratio { num, den, .. } => num.sum / den.sum,
        }
    }
    /// Unadjusted per-unit variance.
    fn variance(&self) -> f64 {
        match self {
            ArmStat::Plain(m) | ArmStat::Cuped { post: m, .. } => m.variance(),
            ArmStat::Ratio { num, den, cross } => {
                let (mm, md) = (num.mean(), den.mean());
                let cov = covariance(num, den, *cross);
                (num.variance() / (md * md) + den.variance() * mm * mm / md.powi(4)
                    - 2.0 * cov * mm / md.powi(3))
                .max(0.0)
            }
        }
    }
}

/// The effect of one comparison before inference: estimate, its standard error, the two arms'
/// per-unit variances (for the degrees of freedom) and θ.
struct Effect {
    estimate: f64,
    se: f64,
    var_a: f64,
    var_b: f64,
    theta: Option<f64>,
}

fn effect(a: &ArmStat, b: &ArmStat, difference: Difference) -> Effect {
    let (na, nb) = (a.n(), b.n());
    let mu_a = a.mean();
    // CUPED with θ pooled over the two arms.
    if let (
        ArmStat::Cuped {
            post: pa,
            pre: qa,
            cross: ca,
        },
        ArmStat::Cuped {
            post: pb,
            pre: qb,
            cross: cb,
        },
    ) = (a, b)
    {
        let post = pa.joint(pb);
        let pre = qa.joint(qb);
        let theta = if post.variance() == 0.0 || pre.variance() == 0.0 {
            0.0
        } else {
            covariance(&post, &pre, ca + cb) / pre.variance()
        };
        if theta != 0.0 {
            let (cov_a, cov_b) = (covariance(pa, qa, *ca), covariance(pb, qb, *cb));
            let adj_var = |p: &Moments, q: &Moments, cov: f64| {
                (p.variance() + theta * theta * q.variance() - 2.0 * theta * cov).max(0.0)
            };
            let (va, vb) = (adj_var(pa, qa, cov_a), adj_var(pb, qb, cov_b));
            let adj_a = pa.mean() - theta * qa.mean();
            let adj_b = pb.mean() - theta * qb.mean();
            let (estimate, variance) = match difference {
                Difference::Absolute => (adj_b - adj_a, vb / nb + va / na),
                Difference::Relative => {
                    // gbstats' frequentist_variance_relative_cuped.
                    let m2 = mu_a * mu_a;
                    let v_trt = vb / (nb * m2);
                    let c = -pb.mean();
                    let v_ctrl = (pa.variance() * c * c / m2
                        + 2.0 * theta * cov_a * c / mu_a
                        + theta * theta * qa.variance())
                        / (na * m2);
                    ((adj_b - adj_a) / mu_a.abs(), v_trt + v_ctrl)
                }
            };
            return Effect {
                estimate,
                se: variance.max(0.0).sqrt(),
                var_a: va,
                var_b: vb,
                theta: Some(theta),
            };
        }
    }
    let (va, vb) = (a.variance(), b.variance());
    let mu_b = b.mean();
    let (estimate, variance) = match difference {
        Difference::Absolute => (mu_b - mu_a, vb / nb + va / na),
        Difference::Relative => (
            (mu_b - mu_a) / mu_a.abs(),
            vb / nb / (mu_a * mu_a) + va / na * mu_b * mu_b / mu_a.powi(4),
        ),
    };
    Effect {
        estimate,
        se: variance.max(0.0).sqrt(),
        var_a: va,
        var_b: vb,
        theta: None,
    }
}

/// Welch–Satterthwaite degrees of freedom.
pub fn welch_df(var_a: f64, n_a: f64, var_b: f64, n_b: f64) -> f64 {
    let (qa, qb) = (var_a / n_a, var_b / n_b);
    (qa + qb).powi(2) / (qb * qb / (n_b - 1.0) + qa * qa / (n_a - 1.0))
}

/// ρ of the confidence sequence (Waudby-Smith et al., eq. 161) for level `alpha` and tuning N*.
pub fn sequential_rho(alpha: f64, tuning: f64) -> f64 {
    let l = -2.0 * libm::log(alpha);
    libm::sqrt((l + libm::log(l + 1.0)) / tuning)
}

/// Half-width of the asymptotic confidence sequence (Waudby-Smith et al., eq. 9) for a
/// standard error `se` after `n` units in total.
pub fn sequential_halfwidth(se: f64, n: f64, alpha: f64, tuning: f64) -> f64 {
    let rho = sequential_rho(alpha, tuning);
    let s2 = se * se * n;
    let t = n * rho * rho + 1.0;
    libm::sqrt(s2) * libm::sqrt(2.0 * t * libm::log(libm::sqrt(t) / alpha) / (n * rho).powi(2))
}

/// Always-valid p-value of the confidence sequence (Waudby-Smith et al., eq. 155, as gbstats):
/// min(1, 1/E) with E = exp(ρ²·S/(2(Nρ² + 1)))/√(Nρ² + 1) and S = N·estimate²/se².
pub fn sequential_p_value(estimate: f64, se: f64, n: f64, alpha: f64, tuning: f64) -> f64 {
    let rho = sequential_rho(alpha, tuning);
    let st2 = estimate * estimate * n / (se * se);
    let t = n * rho * rho + 1.0;
    // 1/E computed in logs so that a huge E gives 0 rather than overflow.
    let log_inv_e = 0.5 * libm::log(t) - rho * rho * st2 / (2.0 * t);
    libm::exp(log_inv_e).min(1.0)
}

/// Expected losses (risk of shipping the arm, risk of keeping the baseline) for a
/// Normal(m, s²) effect.
fn risks(m: f64, s: f64) -> (f64, f64) {
    let z = m / s;
    let (pdf, cdf, sf) = (dist::norm_pdf(z), dist::norm_cdf(z), dist::norm_cdf(-z));
    ((s * pdf - m * sf).max(0.0), (m * cdf + s * pdf).max(0.0))
}

/// Adjusted p-values (Holm or Benjamini–Hochberg), in the input order.
pub fn adjust_p_values(p: &[f64], correction: Correction) -> Vec<f64> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&i, &j| p[i].total_cmp(&p[j]).then(i.cmp(&j)));
    let mut out = vec![0.0; m];
    match correction {
        Correction::None => out.copy_from_slice(p),
        Correction::Holm => {
            let mut running: f64 = 0.0;
            for (rank, &i) in order.iter().enumerate() {
                running = running.max(((m - rank) as f64 * p[i]).min(1.0));
                out[i] = running;
            }
        }
        Correction::BenjaminiHochberg => {
            let mut running: f64 = 1.0;
            for (rank, &i) in order.iter().enumerate().rev() {
                running = running.min((m as f64 * p[i] / (rank + 1) as f64).min(1.0));
                out[i] = running;
            }
        }
    }
    out
}

// ----------------------------------------------------------------------------------- validation

fn missing(column: &str, row: usize) -> Error {
    Error::MissingValue {
        column: column.into(),
        row,
    }
}

fn out_of_range(column: &str, row: usize, message: String) -> Error {
    Error::OutOfRange {
        column: column.into(),
        row,
        message,
    }
}

/// A required field of arm `row`: present, finite, within 1e150.
fn need(v: Option<f64>, column: &str, row: usize) -> Result<f64> {
    let v = v.ok_or_else(|| missing(column, row))?;
    check_number(v, column, row)
}

fn non_negative(v: f64, column: &str, row: usize) -> Result<f64> {
    if v < 0.0 {
        return Err(Error::Negative {
            column: column.into(),
            row,
            value: v,
        });
    }
    Ok(v)
}

/// Σx² must be at least (Σx)²/n (up to rounding) for the sums to come from real values.
fn moments(n: f64, sum: f64, ss: f64, column: &str, row: usize) -> Result<Moments> {
    non_negative(ss, column, row)?;
    if ss < sum * sum / n * (1.0 - 1e-12) - 1e-300 {
        return Err(out_of_range(
            column,
            row,
            format!(
                "sum of squares {ss} is below sum²/n = {}: these sums cannot come from real values",
                sum * sum / n
            ),
        ));
    }
    Ok(Moments {
        n,
        sum,
        sum_squares: ss,
        binary: false,
    })
}

/// Which fields each metric reads; any other value field given is an error.
fn allowed(kind: ExperimentMetric) -> &'static [&'static str] {
    match kind {
        ExperimentMetric::Proportion => &["conversions", "preSum", "preSumSquares", "preCrossSum"],
        ExperimentMetric::Mean => &[
            "sum",
            "sumSquares",
            "preSum",
            "preSumSquares",
            "preCrossSum",
        ],
        ExperimentMetric::Ratio => &[
            "numeratorSum",
            "numeratorSumSquares",
            "denominatorSum",
            "denominatorSumSquares",
            "crossSum",
        ],
    }
}

fn given_fields(a: &ExperimentArm) -> [(&'static str, bool); 11] {
    [
        ("conversions", a.conversions.is_some()),
        ("sum", a.sum.is_some()),
        ("sumSquares", a.sum_squares.is_some()),
        ("numeratorSum", a.numerator_sum.is_some()),
        ("numeratorSumSquares", a.numerator_sum_squares.is_some()),
        ("denominatorSum", a.denominator_sum.is_some()),
        ("denominatorSumSquares", a.denominator_sum_squares.is_some()),
        ("crossSum", a.cross_sum.is_some()),
        ("preSum", a.pre_sum.is_some()),
        ("preSumSquares", a.pre_sum_squares.is_some()),
        ("preCrossSum", a.pre_cross_sum.is_some()),
    ]
}

/// Checks the arm count (`E_EMPTY` for none, `E_INSUFFICIENT_DATA` for one, `E_TOO_LARGE`
/// above [`MAX_ARMS`]).
fn check_arm_count(k: usize, what: &str) -> Result<()> {
    if k == 0 {
        return Err(Error::Empty { what: what.into() });
    }
    if k == 1 {
        return Err(Error::InsufficientData {
            message: format!("{what} has one arm; a comparison needs at least two"),
        });
    }
    if k > MAX_ARMS {
        return Err(Error::TooLarge {
            what: what.into(),
            size: k,
            limit: MAX_ARMS,
        });
    }
    Ok(())
}

/// Reads and checks the arms (rows are arms, counted from 1).
fn arm_stats(input: &ExperimentInput) -> Result<Vec<ArmStat>> {
    check_arm_count(input.arms.len(), "arms")?;
    let cuped = input
        .arms
        .iter()
        .any(|a| a.pre_sum.is_some() || a.pre_sum_squares.is_some() || a.pre_cross_sum.is_some());
    let mut out = Vec::with_capacity(input.arms.len());
    for (i, a) in input.arms.iter().enumerate() {
        let row = i + 1;
        if a.name.is_empty() {
            return Err(missing("name", row));
        }
        if let Some(j) = input.arms[..i].iter().position(|b| b.name == a.name) {
            return Err(out_of_range(
                "name",
                row,
                format!("arm name '{}' is also the name of arm {}", a.name, j + 1),
            ));
        }
        let n = check_number(a.n, "n", row)?;
        non_negative(n, "n", row)?;
        if n.fract() != 0.0 {
            return Err(out_of_range(
                "n",
                row,
                format!("{n} units: expected a whole number"),
            ));
        }
        if n < 2.0 {
            return Err(Error::InsufficientData {
                message: format!(
                    "arm '{}' (row {row}) has {n} units; each arm needs at least 2",
                    a.name
                ),
            });
        }
        let ok = allowed(input.metric);
        if let Some((field, _)) = given_fields(a)
            .into_iter()
            .find(|(f, given)| *given && !ok.contains(f))
        {
            let why = if input.metric == ExperimentMetric::Ratio && field.starts_with("pre") {
                "CUPED pre-period sums apply to proportion and mean metrics".to_string()
            } else {
                format!(
                    "not a field of a {} metric (its fields: {})",
                    input.metric.as_str(),
                    ok.join(", ")
                )
            };
            return Err(bad(&format!("arms[{i}].{field}"), why));
        }
        let post = match input.metric {
            ExperimentMetric::Proportion => {
                let c = non_negative(need(a.conversions, "conversions", row)?, "conversions", row)?;
                if c > n {
                    return Err(out_of_range(
                        "conversions",
                        row,
                        format!("{c} conversions is more than the arm's {n} units"),
                    ));
                }
                Moments {
                    n,
                    sum: c,
                    sum_squares: c,
                    binary: true,
                }
            }
            ExperimentMetric::Mean => {
                let s = need(a.sum, "sum", row)?;
                let ss = need(a.sum_squares, "sumSquares", row)?;
                moments(n, s, ss, "sumSquares", row)?
            }
            ExperimentMetric::Ratio => {
                let ns = need(a.numerator_sum, "numeratorSum", row)?;
                let nss = need(a.numerator_sum_squares, "numeratorSumSquares", row)?;
                let ds = need(a.denominator_sum, "denominatorSum", row)?;
                let dss = need(a.denominator_sum_squares, "denominatorSumSquares", row)?;
                let cross = need(a.cross_sum, "crossSum", row)?;
                let num = moments(n, ns, nss, "numeratorSumSquares", row)?;
                let den = moments(n, ds, dss, "denominatorSumSquares", row)?;
                if ds == 0.0 {
                    return Err(Error::Undefined {
                        metric: "experiment".into(),
                        message: format!(
                            "arm '{}' (row {row}) has a denominator sum of 0, so its ratio has no value",
                            a.name
                        ),
                    });
                }
                out.push(ArmStat::Ratio { num, den, cross });
                continue;
            }
        };
        if !cuped {
            out.push(ArmStat::Plain(post));
            continue;
        }
        let pre_sum = need(a.pre_sum, "preSum", row)?;
        let cross = need(a.pre_cross_sum, "preCrossSum", row)?;
        let pre = if post.binary {
            let c = non_negative(pre_sum, "preSum", row)?;
            if c > n {
                return Err(out_of_range(
                    "preSum",
                    row,
                    format!("{c} pre-period conversions is more than the arm's {n} units"),
                ));
            }
            if let Some(ss) = a.pre_sum_squares {
                if ss != c {
                    return Err(out_of_range("preSumSquares", row, format!("a proportion's pre-period values are 0 or 1, so preSumSquares must equal preSum ({c}), found {ss}")));
                }
            }
            let cross = non_negative(cross, "preCrossSum", row)?;
            if cross > c.min(post.sum) {
                return Err(out_of_range(
                    "preCrossSum",
                    row,
                    format!("{cross} units converting in both periods is more than converted in either ({} before, {} after)", c, post.sum),
                ));
            }
            Moments {
                n,
                sum: c,
                sum_squares: c,
                binary: true,
            }
        } else {
            let ss = need(a.pre_sum_squares, "preSumSquares", row)?;
            moments(n, pre_sum, ss, "preSumSquares", row)?
        };
        out.push(ArmStat::Cuped { post, pre, cross });
    }
    Ok(out)
}

// ----------------------------------------------------------------------------------- experiment

/// Compares every arm with the baseline (see the module docs for the formulas).
///
/// Errors: `E_EMPTY` (no arms), `E_INSUFFICIENT_DATA` (one arm, an arm with n < 2, zero
/// variance in an arm compared), `E_TOO_LARGE` (more than 1,000 arms), `E_MISSING_VALUE` (a
/// field the metric needs), `E_NEGATIVE`, `E_NON_FINITE`, `E_OUT_OF_RANGE` (conversions > n,
/// impossible sums, a duplicate name; the row is the arm's position from 1), `E_UNDEFINED` (a
/// relative effect against a baseline mean of 0, a ratio with denominator sum 0),
/// `E_BAD_OPTION` (unknown baseline, bad option values or combinations, weights of the wrong
/// length).
///
/// ```
/// use unimetric::experiment::{experiment, ExperimentArm, ExperimentInput, ExperimentOptions, ExperimentMetric};
/// let arm = |name: &str, n: f64, c: f64| ExperimentArm {
///     name: name.into(), n, conversions: Some(c), ..Default::default()
/// };
/// let input = ExperimentInput {
///     metric: ExperimentMetric::Proportion,
///     name: Some("the conversion rate".into()),
///     arms: vec![arm("control", 2000.0, 200.0), arm("treatment", 2000.0, 260.0)],
/// };
/// let r = experiment(&input, &ExperimentOptions::default()).unwrap();
/// let c = &r.comparisons[0];
/// assert!((c.estimate - 0.3).abs() < 1e-12); // 13 % vs 10 %: +30 %
/// assert!(c.significant && c.p_value.unwrap() < 0.05);
/// assert!(c.summary.starts_with("treatment raised the conversion rate by 30.0 %"));
/// ```
pub fn experiment(input: &ExperimentInput, opts: &ExperimentOptions) -> Result<ExperimentResult> {
    opts.check()?;
    let stats = arm_stats(input)?;
    let k = stats.len();
    let base = match &opts.baseline {
        None => 0,
        Some(b) => input
            .arms
            .iter()
            .position(|a| &a.name == b)
            .ok_or_else(|| {
                bad(
                    "baseline",
                    format!(
                        "no arm is named '{b}'; the arms are {}",
                        crate::error::join_names(
                            input.arms.iter().map(|a| format!("'{}'", a.name))
                        )
                    ),
                )
            })?,
    };
    let srm = {
        let counts: Vec<f64> = stats.iter().map(ArmStat::n).collect();
        let s = srm_core(&counts, opts.expected_weights.as_deref(), "expectedWeights")?;
        ExperimentSrm {
            chi_square: s.chi_square,
            p_value: s.p_value,
            flagged: s.flagged,
            most_off_arm: input.arms[s.most_off_arm].name.clone(),
        }
    };
    let name = input.name.clone().unwrap_or_else(|| {
        match input.metric {
            ExperimentMetric::Proportion => "the conversion rate",
            ExperimentMetric::Mean => "the mean",
            ExperimentMetric::Ratio => "the ratio",
        }
        .to_string()
    });
    let n_all: f64 = stats.iter().map(ArmStat::n).sum();
    let a = &stats[base];
    let mut comparisons = Vec::with_capacity(k - 1);
    for (i, b) in stats.iter().enumerate() {
        if i == base {
            continue;
        }
        comparisons.push(compare(input, base, i, a, b, opts, n_all)?);
    }
    if opts.correction != Correction::None {
        let p: Vec<f64> = comparisons.iter().filter_map(|c| c.p_value).collect();
        let adj = adjust_p_values(&p, opts.correction);
        for (c, q) in comparisons.iter_mut().zip(adj) {
            c.adjusted_p_value = Some(q);
            c.significant = q < opts.alpha;
        }
    }
    for c in &mut comparisons {
        summary::finish(c, &name, opts);
    }
    let arms = input
        .arms
        .iter()
        .zip(&stats)
        .map(|(a, s)| ExperimentArmResult {
            name: a.name.clone(),
            n: s.n(),
            mean: s.mean(),
            variance: s.variance(),
        })
        .collect();
    let cuped = stats.iter().any(|s| matches!(s, ArmStat::Cuped { .. }));
    Ok(ExperimentResult {
        name,
        arms,
        comparisons,
        srm,
        definition: definition_ref(opts, input, base, cuped),
    })
}

fn definition_ref(
    opts: &ExperimentOptions,
    input: &ExperimentInput,
    base: usize,
    cuped: bool,
) -> DefinitionRef {
    let text = |s: &str| ParamValue::Text(s.to_string());
    let mut d = DefinitionRef::new(opts.definition())
        .with("metric", text(input.metric.as_str()))
        .with("alpha", ParamValue::Number(opts.alpha))
        .with(
            "difference",
            text(match opts.difference {
                Difference::Relative => "relative",
                Difference::Absolute => "absolute",
            }),
        )
        .with(
            "method",
            text(match opts.method {
                ExperimentMethod::Frequentist => "frequentist",
                ExperimentMethod::Bayesian => "bayesian",
            }),
        )
        .with("sequential", ParamValue::Bool(opts.sequential))
        .with("baseline", text(&input.arms[base].name))
        .with("cuped", ParamValue::Bool(cuped));
    if opts.method == ExperimentMethod::Frequentist {
        d = d.with("correction", text(opts.correction.as_str()));
    }
    if opts.sequential {
        d = d.with(
            "sequentialTuning",
            ParamValue::Number(opts.sequential_tuning),
        );
    }
    if let Some(p) = opts.prior {
        d = d
            .with("priorMean", ParamValue::Number(p.mean))
            .with("priorStddev", ParamValue::Number(p.stddev));
    }
    if let Some(u) = opts.units_per_day {
        d = d.with("unitsPerDay", ParamValue::Number(u));
    }
    d
}

fn compare(
    input: &ExperimentInput,
    ia: usize,
    ib: usize,
    a: &ArmStat,
    b: &ArmStat,
    opts: &ExperimentOptions,
    n_all: f64,
) -> Result<ExperimentComparison> {
    let (name_a, name_b) = (&input.arms[ia].name, &input.arms[ib].name);
    for (s, name, row) in [(a, name_a, ia + 1), (b, name_b, ib + 1)] {
        if s.variance() == 0.0 {
            return Err(Error::InsufficientData {
                message: format!(
                    "arm '{name}' (row {row}) has zero variance (every unit has the same value), so its uncertainty cannot be estimated"
                ),
            });
        }
    }
    if opts.difference == Difference::Relative && a.mean() == 0.0 {
        return Err(Error::Undefined {
            metric: opts.definition().id.into(),
            message: format!(
                "the baseline arm '{name_a}' has a mean of 0, so a relative lift has no value; use difference \"absolute\""
            ),
        });
    }
    let e = effect(a, b, opts.difference);
    if e.se.is_nan() || e.se <= 0.0 || !e.se.is_finite() || !e.estimate.is_finite() {
        return Err(Error::InsufficientData {
            message: format!(
                "the effect of '{name_b}' against '{name_a}' has no finite standard error (variance {}), so it cannot be tested",
                e.se * e.se
            ),
        });
    }
    let (na, nb) = (a.n(), b.n());
    let alpha = opts.alpha;
    let mut c = ExperimentComparison {
        arm: name_b.clone(),
        baseline: name_a.clone(),
        estimate: e.estimate,
        std_error: e.se,
        ci: [0.0, 0.0],
        df: None,
        p_value: None,
        adjusted_p_value: None,
        chance_to_win: None,
        risk: None,
        baseline_risk: None,
        theta: e.theta,
        significant: false,
        days_to_power: None,
        summary: String::new(),
    };
    match (opts.method, opts.sequential) {
        (ExperimentMethod::Frequentist, false) => {
            let df = welch_df(e.var_a, na, e.var_b, nb);
            let t = e.estimate / e.se;
            let p = (2.0 * dist::t_sf(t.abs(), df)).min(1.0);
            let half = dist::t_ppf(1.0 - alpha / 2.0, df) * e.se;
            c.df = Some(df);
            c.p_value = Some(p);
            c.ci = [e.estimate - half, e.estimate + half];
            c.significant = p < alpha;
        }
        (ExperimentMethod::Frequentist, true) => {
            let n = na + nb;
            let half = sequential_halfwidth(e.se, n, alpha, opts.sequential_tuning);
            let p = sequential_p_value(e.estimate, e.se, n, alpha, opts.sequential_tuning);
            c.p_value = Some(p);
            c.ci = [e.estimate - half, e.estimate + half];
            c.significant = p < alpha;
        }
        (ExperimentMethod::Bayesian, _) => {
            let (m, s) = match opts.prior {
                None => (e.estimate, e.se),
                Some(p) => {
                    let (dv, pv) = (e.se * e.se, p.stddev * p.stddev);
                    let prec = 1.0 / dv + 1.0 / pv;
                    ((e.estimate / dv + p.mean / pv) / prec, (1.0 / prec).sqrt())
                }
            };
            let z = dist::norm_ppf(1.0 - alpha / 2.0);
            let (risk, baseline_risk) = risks(m, s);
            c.estimate = m;
            c.std_error = s;
            c.ci = [m - z * s, m + z * s];
            c.chance_to_win = Some(dist::norm_cdf(m / s));
            c.risk = Some(risk);
            c.baseline_risk = Some(baseline_risk);
            c.significant = c.ci[0] > 0.0 || c.ci[1] < 0.0;
        }
    }
    if let Some(u) = opts.units_per_day {
        c.days_to_power = summary::days_to_power(e.estimate, e.se, alpha, n_all, u);
    }
    let finite = c.ci.iter().all(|x| x.is_finite())
        && [c.p_value, c.chance_to_win, c.risk, c.baseline_risk, c.df]
            .iter()
            .all(|x| x.map_or(true, f64::is_finite));
    if !finite {
        return Err(Error::InsufficientData {
            message: format!(
                "the comparison of '{name_b}' with '{name_a}' does not give finite numbers (estimate {}, standard error {})",
                e.estimate, e.se
            ),
        });
    }
    Ok(c)
}

// ----------------------------------------------------------------------------------- SRM

/// The result of [`srm_check`] (JS `SrmResult`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase")]
pub struct SrmResult {
    /// Pearson's chi-square statistic.
    pub chi_square: f64,
    /// Its p-value with k − 1 degrees of freedom.
    pub p_value: f64,
    /// p < 0.001.
    pub flagged: bool,
    /// Position (from 0) of the arm contributing most to the chi-square.
    pub most_off_arm: usize,
    /// Units expected per arm under the weights.
    pub expected: Vec<f64>,
    /// The definition (`experiment.srm`).
    pub definition: DefinitionRef,
}

/// Sample-ratio mismatch check of units per arm against intended weights (equal when `None`).
///
/// Errors: `E_EMPTY` (no arms), `E_INSUFFICIENT_DATA` (one arm, or no units at all),
/// `E_TOO_LARGE`, `E_NON_FINITE`, `E_NEGATIVE` and `E_OUT_OF_RANGE` (a count that is not whole;
/// column `counts`, row = arm from 1), `E_LENGTH_MISMATCH` (weights of another length),
/// `E_BAD_OPTION` (a weight ≤ 0 or not finite).
///
/// ```
/// use unimetric::experiment::srm_check;
/// // 5,000 vs 5,300 on a 50/50 split: χ² = 300²/5150·2 = 8.74, p = 0.0031 — not flagged.
/// let r = srm_check(&[5000.0, 5300.0], None).unwrap();
/// assert!((r.chi_square - 8.737864077669903).abs() < 1e-9);
/// assert!(!r.flagged && r.p_value < 0.01);
/// ```
pub fn srm_check(counts: &[f64], weights: Option<&[f64]>) -> Result<SrmResult> {
    for (i, &c) in counts.iter().enumerate() {
        let c = check_number(c, "counts", i + 1)?;
        non_negative(c, "counts", i + 1)?;
        if c.fract() != 0.0 {
            return Err(out_of_range(
                "counts",
                i + 1,
                format!("{c} units: expected a whole number"),
            ));
        }
    }
    let mut r = srm_core(counts, weights, "weights")?;
    r.definition = DefinitionRef::new(&SRM).with(
        "weights",
        ParamValue::Text(if weights.is_some() { "given" } else { "equal" }.into()),
    );
    Ok(r)
}

fn srm_core(counts: &[f64], weights: Option<&[f64]>, option: &str) -> Result<SrmResult> {
    check_arm_count(counts.len(), "counts")?;
    if let Some(w) = weights {
        if w.len() != counts.len() {
            return Err(Error::LengthMismatch {
                column: option.into(),
                actual: w.len(),
                reference: "arms".into(),
                expected: counts.len(),
            });
        }
        check_weights(w, option)?;
    }
    let total: f64 = counts.iter().sum();
    if total <= 0.0 {
        return Err(Error::InsufficientData {
            message: "no units in any arm: the split cannot be checked".into(),
        });
    }
    let wsum: f64 = weights.map_or(counts.len() as f64, |w| w.iter().sum());
    let mut chi = 0.0;
    let mut most = (0, f64::NEG_INFINITY);
    let mut expected = Vec::with_capacity(counts.len());
    for (i, &o) in counts.iter().enumerate() {
        let w = weights.map_or(1.0, |w| w[i]);
        let e = w / wsum * total;
        let part = (o - e) * (o - e) / e;
        chi += part;
        if part > most.1 {
            most = (i, part);
        }
        expected.push(e);
    }
    let p = dist::chi2_sf(chi, (counts.len() - 1) as f64);
    if !chi.is_finite() || !p.is_finite() {
        return Err(bad(
            option,
            format!("the weights give an expected count of 0 for some arm (chi-square {chi})"),
        ));
    }
    Ok(SrmResult {
        chi_square: chi,
        p_value: p,
        flagged: p < SRM_THRESHOLD,
        most_off_arm: most.0,
        expected,
        definition: DefinitionRef::new(&SRM),
    })
}

// ----------------------------------------------------------------------------------- report

/// Options of [`experiment_report`] (JS `ExperimentReportOptions`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct ExperimentReportOptions {
    /// Correction across every comparison of every result (default none).
    pub correction: Correction,
    /// Significance level (default 0.05).
    pub alpha: f64,
}

impl Default for ExperimentReportOptions {
    fn default() -> Self {
        ExperimentReportOptions {
            correction: Correction::default(),
            alpha: const { ALPHA.default_number() },
        }
    }
}

/// The part of an experiment result the report reads (other fields are ignored).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportInput {
    /// The metric's name.
    #[serde(default)]
    pub name: String,
    /// The comparisons.
    pub comparisons: Vec<ReportComparison>,
}

/// The part of a comparison the report reads.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportComparison {
    /// The arm.
    pub arm: String,
    /// The baseline.
    pub baseline: String,
    /// Its p-value (null for Bayesian results, which cannot be corrected).
    pub p_value: Option<f64>,
}

impl From<&ExperimentResult> for ReportInput {
    fn from(r: &ExperimentResult) -> Self {
        ReportInput {
            name: r.name.clone(),
            comparisons: r
                .comparisons
                .iter()
                .map(|c| ReportComparison {
                    arm: c.arm.clone(),
                    baseline: c.baseline.clone(),
                    p_value: c.p_value,
                })
                .collect(),
        }
    }
}

/// One comparison of a report (JS `ExperimentReportRow`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase")]
pub struct ExperimentReportRow {
    /// Position (from 0) of the result in the input.
    pub result: usize,
    /// The result's metric name.
    pub name: String,
    /// The arm.
    pub arm: String,
    /// The baseline.
    pub baseline: String,
    /// The p-value as given.
    pub p_value: f64,
    /// The p-value after the correction across every row.
    pub adjusted_p_value: f64,
    /// adjusted p < alpha.
    pub significant: bool,
}

/// The result of [`experiment_report`] (JS `ExperimentReport`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase")]
pub struct ExperimentReport {
    /// Every comparison of every result, in order.
    pub rows: Vec<ExperimentReportRow>,
    /// The definition (`experiment.report`).
    pub definition: DefinitionRef,
}

/// Corrects the p-values of several results (several metrics of one experiment) together.
///
/// Errors: `E_EMPTY` (no results or no comparisons), `E_BAD_OPTION` (a comparison without a
/// p-value, i.e. a Bayesian result; a p-value outside [0, 1]; alpha out of range).
///
/// ```
/// use unimetric::experiment::{experiment_report, Correction, ReportComparison, ReportInput, ExperimentReportOptions};
/// let one = |p: f64| ReportInput { name: "m".into(), comparisons: vec![
///     ReportComparison { arm: "B".into(), baseline: "A".into(), p_value: Some(p) }] };
/// let opts = ExperimentReportOptions { correction: Correction::Holm, ..Default::default() };
/// let r = experiment_report(&[one(0.01), one(0.04)], &opts).unwrap();
/// assert_eq!(r.rows[0].adjusted_p_value, 0.02); // 2 × 0.01
/// assert_eq!(r.rows[1].adjusted_p_value, 0.04); // max(0.02, 1 × 0.04)
/// ```
pub fn experiment_report(
    results: &[ReportInput],
    opts: &ExperimentReportOptions,
) -> Result<ExperimentReport> {
    ALPHA.check_number(opts.alpha)?;
    if results.is_empty() {
        return Err(Error::Empty {
            what: "results".into(),
        });
    }
    let mut rows = Vec::new();
    for (i, r) in results.iter().enumerate() {
        for (j, c) in r.comparisons.iter().enumerate() {
            let p = c.p_value.ok_or_else(|| {
                bad(
                    &format!("results[{i}].comparisons[{j}].pValue"),
                    "no p-value (a Bayesian result): only frequentist results can be corrected",
                )
            })?;
            if !(0.0..=1.0).contains(&p) {
                return Err(bad(
                    &format!("results[{i}].comparisons[{j}].pValue"),
                    format!("expected a p-value from 0 to 1, found {p}"),
                ));
            }
            rows.push(ExperimentReportRow {
                result: i,
                name: r.name.clone(),
                arm: c.arm.clone(),
                baseline: c.baseline.clone(),
                p_value: p,
                adjusted_p_value: p,
                significant: false,
            });
        }
    }
    if rows.is_empty() {
        return Err(Error::Empty {
            what: "the results' comparisons".into(),
        });
    }
    let p: Vec<f64> = rows.iter().map(|r| r.p_value).collect();
    for (r, q) in rows.iter_mut().zip(adjust_p_values(&p, opts.correction)) {
        r.adjusted_p_value = q;
        r.significant = q < opts.alpha;
    }
    Ok(ExperimentReport {
        rows,
        definition: DefinitionRef::new(&REPORT)
            .with(
                "correction",
                ParamValue::Text(opts.correction.as_str().into()),
            )
            .with("alpha", ParamValue::Number(opts.alpha)),
    })
}
