//! Churn propensity: features from transactions at a cutoff, a logistic model (linfa-logistic),
//! honest evaluation against a recency-only baseline, and per-customer reasons.
//!
//! # Churn (non-contractual)
//!
//! A customer active at the cutoff (at least one purchase day on or before it) has churned over
//! a horizon of H days when they make no purchase in the H days after the cutoff day:
//! `churned = no purchase day in (cutoff, cutoff + H]`. A purchase day is a UTC day whose net
//! amount is positive, as in `customer.summary`. Labels exist only when the transactions reach
//! the end of the horizon.
//!
//! # Features at the cutoff
//!
//! Every feature uses transactions on or before the cutoff day only (no leakage), see
//! [`FEATURE_NAMES`]. Days are UTC days; the cutoff day counts as history. User-supplied
//! numeric and categorical columns per customer join the table through
//! [`FeatureTable::with_attributes`]; categorical columns are one-hot encoded by the model with
//! the categories of the training rows ([`attributes`]).
//!
//! # 1 − P(alive)
//!
//! [`alive::AliveChurnModel`] scores churn as 1 − P(alive) from a BG/NBD model, behind the same
//! fit-on-features / predict-on-features interface, and [`evaluate_time_split`] can score it
//! beside the logistic model and the recency baseline.
//!
//! # Model
//!
//! Logistic regression on standardised features: each feature is centred and scaled by the mean
//! and standard deviation of the training rows, and the transform is stored in the model. The
//! L2 strength is `alpha` in linfa-logistic's convention — the loss is
//! `Σ log-loss + α/2 · ‖w‖²` (intercept not penalised) — which is scikit-learn's
//! `C Σ log-loss + ½‖w‖²` divided by C: **α = 1 / C**.
//!
//! The fit minimises that loss with argmin's L-BFGS (More–Thuente line search), the optimiser
//! linfa-logistic uses, on our own objective: one pass over the rows computes the loss and the
//! gradient together, with `libm` transcendental functions (e^x through `exp2`; the logarithms of
//! the loss summed as one logarithm of a product per 512 rows). The objective is the mean loss,
//! and the fit starts from the intercept of the churn rate. linfa-logistic computes the same loss
//! but spent its time packing the matrix for a general matrix product on every evaluation and
//! evaluating loss and gradient in separate passes (see BENCHMARKS.md, "Churn model"); a test
//! checks that both reach the same coefficients. Convergence is declared when the gradient of the
//! mean loss has norm below `gradientTolerance` (scikit-learn's scaling).

use crate::data::{Period, Transactions};
use crate::error::{Error, Result};
use crate::glossary::{Definition, DefinitionRef, ParamValue, ParameterDef};
use argmin::core::{CostFunction, Executor, Gradient, State, TerminationReason};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;

pub mod alive;
pub mod attributes;

use attributes::{CategoricalColumn, CategoryEncoding, CustomerAttributes, Unseen};

/// Parameter `cutoff` (required).
pub const CUTOFF: ParameterDef = ParameterDef::new(
    "cutoff",
    "required",
    "The day features are computed at (epoch ms or ISO-8601; its UTC day counts as history).",
)
.required();
/// Parameter `horizonDays`.
pub const HORIZON_DAYS: ParameterDef = ParameterDef::new(
    "horizonDays",
    "90",
    "Days after the cutoff in which a purchase means the customer did not churn.",
)
.number(90.0)
.range(1.0, 3650.0)
.whole();
/// Parameter `alpha`.
pub const ALPHA: ParameterDef = ParameterDef::new("alpha", "1", "L2 strength in linfa's convention (loss = Σ log-loss + α/2·‖w‖², intercept not penalised). scikit-learn's C is 1/α.").number(1.0).at_least(0.0);
/// Parameter `maxIterations`.
pub const MAX_ITERATIONS: ParameterDef =
    ParameterDef::new("maxIterations", "100", "L-BFGS iteration limit.")
        .number(100.0)
        .range(1.0, 100_000.0)
        .whole();
/// Parameter `gradientTolerance`.
pub const GRADIENT_TOLERANCE: ParameterDef = ParameterDef::new(
    "gradientTolerance",
    "1e-4",
    "L-BFGS stops when the norm of the gradient of the mean loss falls below this.",
)
.number(1e-4)
.above(0.0);
/// Parameter `classWeights`.
pub const CLASS_WEIGHTS: ParameterDef = ParameterDef::new("classWeights", "none (both 1)", "Weight of each class's rows in the loss: \"balanced\" (scikit-learn's n ÷ (2 · class rows)) or { churned, retained }.");
/// Parameter `trainCutoff` of the time split (required).
pub const TRAIN_CUTOFF: ParameterDef = ParameterDef::new(
    "trainCutoff",
    "required",
    "evaluateChurn: cutoff of the training features and labels (epoch ms or ISO-8601).",
)
.required();
/// Parameter `testCutoff` of the time split (required, later than `trainCutoff`).
pub const TEST_CUTOFF: ParameterDef = ParameterDef::new(
    "testCutoff",
    "required",
    "evaluateChurn: cutoff of the test features and labels (epoch ms or ISO-8601), later than trainCutoff.",
)
.required();
/// Parameter `alive` of the time split.
pub const ALIVE: ParameterDef = ParameterDef::new(
    "alive",
    "false",
    "evaluateChurn: also score 1 − P(alive) from BG/NBD fitted on the training features (churn.alive).",
)
.flag(false);
/// Parameter `n` of the reasons: how many reasons per customer.
pub const REASONS: ParameterDef = ParameterDef::new(
    "n",
    "3",
    "model.reasons(features, n): reasons per customer, the features that raise the log-odds the most.",
)
.number(3.0)
.range(0.0, 4_294_967_295.0)
.whole();

/// `churn.noncontractual`.
pub const LABEL: Definition = Definition {
    id: "churn.noncontractual",
    version: "1.0.0",
    name: "Churned (non-contractual)",
    description: "A customer with a purchase on or before the cutoff who makes no purchase in the horizon after it.",
    formula: "churned = 1 if no purchase day (net amount > 0) in (cutoff day, cutoff day + horizonDays], else 0",
    unit: "0/1 per customer",
    parameters: &[CUTOFF, HORIZON_DAYS],
    inputs: "Transactions covering at least cutoff + horizonDays.",
};

/// `churn.rate`.
pub const RATE: Definition = Definition {
    id: "churn.rate",
    version: "1.0.0",
    name: "Churn rate",
    description: "Share of the customers active at the cutoff who churned over the horizon (churn.noncontractual).",
    formula: "Σ churned ÷ customers with a purchase on or before the cutoff",
    unit: "fraction (0–1)",
    parameters: &[CUTOFF, HORIZON_DAYS],
    inputs: "Transactions covering at least cutoff + horizonDays.",
};

/// `churn.features`.
pub const FEATURES: Definition = Definition {
    id: "churn.features",
    version: "1.0.0",
    name: "Churn features at a cutoff",
    description: "Per-customer behaviour computed only from transactions on or before the cutoff day: recency, frequency, monetary value, tenure, order value, inter-purchase gaps and their spread, recency relative to the usual gap, recent purchases and their trend.",
    formula: "recencyDays = cutoff − last purchase day; frequency = purchase days − 1; monetary = Σ net amount; tenureDays = cutoff − first purchase day; averageOrderValue = monetary ÷ orders; meanGapDays = mean days between consecutive purchase days (tenureDays when fewer than two); gapSdDays = their standard deviation (0 when fewer than three); recencyToGap = recencyDays ÷ max(meanGapDays, 1); purchases30/90 = purchase days in the last 30/90 days; trend = purchases90 − purchase days in the 90 days before those",
    unit: "days, counts and currency (see formula)",
    parameters: &[CUTOFF],
    inputs: "Transactions.",
};

/// `churn.propensity`.
pub const PROPENSITY: Definition = Definition {
    id: "churn.propensity",
    version: "1.1.0",
    name: "Churn propensity (logistic)",
    description: "Probability that a customer churns over the horizon, from a logistic regression on standardised churn.features (L2 in linfa-logistic's convention, fitted with argmin's L-BFGS). Reasons are the features that push the customer's log-odds up the most.",
    formula: "P(churn) = 1 ÷ (1 + exp(−(b + Σ_j w_j · (x_j − mean_j) ÷ sd_j))), with (w, b) minimising Σ_i c_i · log-loss_i + α/2 · ‖w‖² (L-BFGS; c_i the weight of row i's class); odds ratio per SD_j = exp(w_j); contribution_j = w_j · (x_j − mean_j) ÷ sd_j",
    unit: "probability (0–1)",
    parameters: &[
        ALPHA,
        MAX_ITERATIONS,
        GRADIENT_TOLERANCE,
        CLASS_WEIGHTS,
        REASONS,
    ],
    inputs: "A feature matrix (row-major, named columns) and 0/1 labels.",
};

/// `churn.evaluation`.
pub const EVALUATION: Definition = Definition {
    id: "churn.evaluation",
    version: "1.1.0",
    name: "Churn model evaluation",
    description: "Scores on customers not used for fitting: AUC, log-loss, Brier score, calibration in ten equal-width probability bins, and a decile lift table. The recency-only baseline (training churn rate within each training recency decile) is scored the same way.",
    formula: "AUC = P(score of a churner > score of a non-churner), ties count ½; log-loss = −mean(y ln p + (1−y) ln(1−p)) with p clipped to [1e-15, 1−1e-15]; Brier = mean((p − y)²); lift(decile d) = churn rate in d ÷ overall churn rate, deciles by descending score",
    unit: "AUC, Brier: 0–1; log-loss: nats",
    parameters: &[TRAIN_CUTOFF, TEST_CUTOFF, HORIZON_DAYS, ALIVE],
    inputs: "Scores and 0/1 labels.",
};

/// All churn definitions.
pub const DEFINITIONS: &[Definition] = &[
    LABEL,
    RATE,
    FEATURES,
    PROPENSITY,
    EVALUATION,
    alive::DEFINITION,
];

/// Names of the features, in column order.
pub use crate::data::attributes::FEATURE_NAMES;

/// Options of [`churn_features`]; JS `ChurnFeatureOptions` (`cutoff` is required).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[cfg_attr(
    target_arch = "wasm32",
    derive(tsify::Tsify),
    tsify(missing_as_null, rename = "ChurnFeatureOptions")
)]
#[serde(
    rename = "ChurnFeatureOptions",
    rename_all = "camelCase",
    deny_unknown_fields
)]
pub struct FeatureOptions {
    /// The cutoff instant (epoch ms); its UTC day counts as history.
    #[serde(deserialize_with = "crate::data::dates::required_date")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "DateInput"))]
    pub cutoff: i64,
    /// Horizon in days (1–3650; default 90).
    #[serde(default = "default_horizon")]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub horizon_days: u32,
}

impl FeatureOptions {
    /// Options at `cutoff` with the default horizon.
    pub fn new(cutoff: i64) -> Self {
        FeatureOptions {
            cutoff,
            horizon_days: default_horizon(),
        }
    }
}

fn default_horizon() -> u32 {
    (const { HORIZON_DAYS.default_number() }) as u32
}

/// Features (and, when observable, labels) of the customers active at a cutoff.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureTable {
    /// Customer keys (text), sorted in the summary's natural order.
    pub customer_id: Vec<String>,
    /// Column names.
    pub names: Vec<String>,
    /// Row-major values, `customer_id.len() × names.len()`.
    pub values: Vec<f64>,
    /// User-supplied categorical columns (one value per row), one-hot encoded by the model.
    pub categorical: Vec<CategoricalColumn>,
    /// Churn labels, when the transactions reach cutoff + horizon.
    pub labels: Option<Vec<bool>>,
    /// Cutoff used (epoch ms).
    pub cutoff: i64,
    /// Horizon used (days).
    pub horizon_days: u32,
}

impl FeatureTable {
    /// Number of columns.
    pub fn n_cols(&self) -> usize {
        self.names.len()
    }

    /// Share of churners, when labels exist.
    pub fn churn_rate(&self) -> Option<f64> {
        let l = self.labels.as_ref()?;
        if l.is_empty() {
            return None;
        }
        Some(l.iter().filter(|&&x| x).count() as f64 / l.len() as f64)
    }

    /// The definition reference of the features (`churn.features` at the cutoff and horizon).
    pub fn definition(&self) -> DefinitionRef {
        DefinitionRef::new(&FEATURES)
            .with("cutoff", ParamValue::Number(self.cutoff as f64))
            .with(
                "horizonDays",
                ParamValue::Number(f64::from(self.horizon_days)),
            )
    }

    /// The table as the result of `churnFeatures` (JS `ChurnFeaturesResult`), borrowing its
    /// columns.
    pub fn output(&self) -> FeatureTableOutput<'_> {
        FeatureTableOutput {
            customer_id: &self.customer_id,
            names: &self.names,
            values: &self.values,
            categorical: &self.categorical,
            n_cols: self.n_cols(),
            labels: self.labels.as_deref(),
            churn_rate: self.churn_rate(),
            cutoff: self.cutoff,
            horizon_days: self.horizon_days,
            definition: self.definition(),
        }
    }
}

/// The serialised form of a [`FeatureTable`]: its columns with the column count, the churn rate
/// and the definition; JS `ChurnFeaturesResult`. `values` is row-major,
/// `customerId.length × names.length`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(
    target_arch = "wasm32",
    derive(tsify::Tsify),
    tsify(missing_as_null, rename = "ChurnFeaturesResult")
)]
#[serde(rename = "ChurnFeaturesResult", rename_all = "camelCase")]
pub struct FeatureTableOutput<'a> {
    /// Customer keys (text).
    #[cfg_attr(target_arch = "wasm32", tsify(type = "string[]"))]
    pub customer_id: &'a [String],
    /// Column names.
    #[cfg_attr(target_arch = "wasm32", tsify(type = "string[]"))]
    pub names: &'a [String],
    /// Row-major values.
    #[serde(serialize_with = "crate::columns::f64s")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Float64Array"))]
    pub values: &'a [f64],
    /// Categorical attribute columns by name, one value per row (empty without attributes).
    #[serde(serialize_with = "categorical_columns")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Record<string, string[]>"))]
    pub categorical: &'a [CategoricalColumn],
    /// Number of columns.
    pub n_cols: usize,
    /// 1 = churned; null when the transactions do not reach cutoff + horizonDays.
    #[serde(serialize_with = "optional_flags")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Uint8Array | null"))]
    pub labels: Option<&'a [bool]>,
    /// Share of churners (`churn.rate`), when labels exist.
    pub churn_rate: Option<f64>,
    /// Cutoff used (epoch ms).
    pub cutoff: i64,
    /// Horizon used (days).
    pub horizon_days: u32,
    /// `churn.features` with the cutoff and horizon.
    pub definition: DefinitionRef,
}

fn categorical_columns<S: serde::Serializer>(
    v: &&[CategoricalColumn],
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    s.collect_map(v.iter().map(|c| (&c.name, &c.values)))
}

fn optional_flags<S: serde::Serializer>(
    v: &Option<&[bool]>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    match v {
        Some(v) => crate::columns::flags(v, s),
        None => s.serialize_none(),
    }
}

/// Computes [`FEATURE_NAMES`] and labels at `opts.cutoff` for every customer with a purchase day
/// on or before it (see the [module docs](self)).
pub fn churn_features(tx: &Transactions, opts: &FeatureOptions) -> Result<FeatureTable> {
    check_feature_options(opts)?;
    let days = crate::summary::purchase_days(tx);
    features_from_days(tx, &days, &tx.keys.output_order(), opts)
}

fn check_feature_options(opts: &FeatureOptions) -> Result<()> {
    HORIZON_DAYS.check_count(f64::from(opts.horizon_days))?;
    if !(crate::data::dates::MIN_MS..=crate::data::dates::MAX_MS).contains(&opts.cutoff) {
        return Err(Error::BadOption {
            option: "cutoff".into(),
            message: "outside the years 1000 to 9999".into(),
        });
    }
    Ok(())
}

/// [`churn_features`] from every customer's purchase days (`crate::summary::purchase_days`)
/// and the customers' output order (`CustomerKeys::output_order`), so that tables at several
/// cutoffs share one pass over the transactions; `opts` already checked.
fn features_from_days(
    tx: &Transactions,
    days: &[Vec<(i64, f64, u32)>],
    order: &[u32],
    opts: &FeatureOptions,
) -> Result<FeatureTable> {
    let cutoff_day = Period::Day.index(opts.cutoff);
    let horizon_end = cutoff_day + opts.horizon_days as i64;
    let last_day = Period::Day.index(tx.time_range().1);
    let labelled = last_day >= horizon_end;
    let mut rows: Vec<(usize, Vec<f64>, bool)> = Vec::new();
    for &c in order {
        let c = c as usize;
        let Some(list) = days.get(c) else {
            continue;
        };
        let history: Vec<&(i64, f64, u32)> = list.iter().filter(|d| d.0 <= cutoff_day).collect();
        let (Some(first), Some(last)) = (history.first(), history.last()) else {
            continue;
        };
        let recency = (cutoff_day - last.0) as f64;
        let tenure = (cutoff_day - first.0) as f64;
        let monetary: f64 = history.iter().map(|d| d.1).sum();
        let orders: f64 = history.iter().map(|d| d.2 as f64).sum();
        let gaps: Vec<f64> = history
            .windows(2)
            .map(|w| (w[1].0 - w[0].0) as f64)
            .collect();
        let mean_gap = if gaps.is_empty() {
            tenure
        } else {
            gaps.iter().sum::<f64>() / gaps.len() as f64
        };
        let sd_gap = if gaps.len() < 2 {
            0.0
        } else {
            let var = gaps
                .iter()
                .map(|g| (g - mean_gap) * (g - mean_gap))
                .sum::<f64>()
                / (gaps.len() - 1) as f64;
            f64::sqrt(var)
        };
        let within =
            |lo: i64, hi: i64| history.iter().filter(|d| d.0 > lo && d.0 <= hi).count() as f64;
        let p30 = within(cutoff_day - 30, cutoff_day);
        let p90 = within(cutoff_day - 90, cutoff_day);
        let prev90 = within(cutoff_day - 180, cutoff_day - 90);
        let feats = vec![
            recency,
            (history.len() - 1) as f64,
            monetary,
            tenure,
            if orders > 0.0 { monetary / orders } else { 0.0 },
            mean_gap,
            sd_gap,
            recency / mean_gap.max(1.0),
            p30,
            p90,
            p90 - prev90,
        ];
        let churned = !list.iter().any(|d| d.0 > cutoff_day && d.0 <= horizon_end);
        rows.push((c, feats, churned));
    }
    if rows.is_empty() {
        return Err(Error::Empty {
            what: "customers with a purchase on or before the cutoff".into(),
        });
    }
    let mut values = Vec::with_capacity(rows.len() * FEATURE_NAMES.len());
    let mut labels = Vec::with_capacity(rows.len());
    let mut customer_id = Vec::with_capacity(rows.len());
    for (c, f, l) in rows {
        customer_id.push(tx.keys.key_text(c));
        values.extend(f);
        labels.push(l);
    }
    Ok(FeatureTable {
        customer_id,
        names: FEATURE_NAMES.iter().map(|s| s.to_string()).collect(),
        values,
        categorical: Vec::new(),
        labels: labelled.then_some(labels),
        cutoff: opts.cutoff,
        horizon_days: opts.horizon_days,
    })
}

/// Options of [`ChurnModel::fit`]; JS `ChurnFitOptions`.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[cfg_attr(
    target_arch = "wasm32",
    derive(tsify::Tsify),
    tsify(missing_as_null, rename = "ChurnFitOptions")
)]
#[serde(
    rename = "ChurnFitOptions",
    rename_all = "camelCase",
    default,
    deny_unknown_fields
)]
pub struct FitOptions {
    /// L2 strength α (linfa convention; scikit-learn's C = 1/α; ≥ 0, default 1).
    pub alpha: f64,
    /// L-BFGS iteration limit (1–100000; default 100).
    pub max_iterations: u32,
    /// Gradient-norm tolerance (> 0; default 1e-4).
    pub gradient_tolerance: f64,
    /// Weights of the two classes in the loss: JS `"balanced"` or `{ churned, retained }`
    /// (default [`ClassWeights::None`]).
    #[serde(deserialize_with = "class_weights_option")]
    #[cfg_attr(
        target_arch = "wasm32",
        tsify(type = "\"balanced\" | { churned: number; retained: number }")
    )]
    pub class_weights: ClassWeights,
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions {
            alpha: const { ALPHA.default_number() },
            max_iterations: const { MAX_ITERATIONS.default_number() } as u32,
            gradient_tolerance: const { GRADIENT_TOLERANCE.default_number() },
            class_weights: ClassWeights::None,
        }
    }
}

impl FitOptions {
    /// Checks the ranges of [`ALPHA`], [`MAX_ITERATIONS`] and [`GRADIENT_TOLERANCE`]
    /// (`E_BAD_OPTION`).
    pub fn validate(&self) -> Result<()> {
        ALPHA.check_number(self.alpha)?;
        MAX_ITERATIONS.check_count(f64::from(self.max_iterations))?;
        GRADIENT_TOLERANCE.check_number(self.gradient_tolerance)?;
        Ok(())
    }
}

/// The option form of [`ClassWeights`]: `"balanced"` or `{ churned, retained }` (the model's
/// JSON keeps the tagged form).
fn class_weights_option<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<ClassWeights, D::Error> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    enum Name {
        Balanced,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Explicit {
        churned: f64,
        retained: f64,
    }
    #[derive(Deserialize)]
    #[serde(
        untagged,
        expecting = "\"balanced\" or { churned, retained } with positive numbers"
    )]
    enum Form {
        Name(Name),
        Explicit(Explicit),
    }
    Ok(match Form::deserialize(d)? {
        Form::Name(Name::Balanced) => ClassWeights::Balanced,
        Form::Explicit(Explicit { churned, retained }) => {
            ClassWeights::Explicit { churned, retained }
        }
    })
}

/// Weights of churners and retained customers in the loss: each row's log-loss is multiplied by
/// the weight of its class (the penalty is not).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum ClassWeights {
    /// Every row weighs 1.
    #[default]
    None,
    /// scikit-learn's rule: a class weighs n ÷ (2 · rows of that class).
    Balanced,
    /// Explicit weights.
    Explicit {
        /// Weight of a churner's row.
        churned: f64,
        /// Weight of a retained customer's row.
        retained: f64,
    },
}

impl ClassWeights {
    /// (retained, churned) weights for `churners` churners among `n` rows.
    fn resolve(self, churners: usize, n: usize) -> Result<(f64, f64)> {
        match self {
            ClassWeights::None => Ok((1.0, 1.0)),
            ClassWeights::Balanced => Ok((
                n as f64 / (2.0 * (n - churners) as f64),
                n as f64 / (2.0 * churners as f64),
            )),
            ClassWeights::Explicit { churned, retained } => {
                if !(churned.is_finite() && retained.is_finite() && churned > 0.0 && retained > 0.0)
                {
                    return Err(Error::BadOption {
                        option: "classWeights".into(),
                        message: format!("weights must be positive numbers, found churned {churned}, retained {retained}"),
                    });
                }
                Ok((retained, churned))
            }
        }
    }
}

/// A fitted churn model: standardisation and logistic coefficients. Its serde form is the
/// model's JSON (`ChurnModelJson` in TypeScript).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(
    target_arch = "wasm32",
    derive(tsify::Tsify),
    tsify(missing_as_null, rename = "ChurnModelJson")
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChurnModel {
    /// Definition id (`churn.propensity`), for JSON round trips.
    #[cfg_attr(target_arch = "wasm32", tsify(type = "\"churn.propensity\""))]
    pub metric: String,
    /// Definition version.
    pub version: String,
    /// Feature names.
    pub names: Vec<String>,
    /// Training mean per feature.
    pub mean: Vec<f64>,
    /// Training standard deviation per feature (1 for constant features).
    pub sd: Vec<f64>,
    /// Coefficients on standardised features.
    pub coefficients: Vec<f64>,
    /// Intercept.
    pub intercept: f64,
    /// α used.
    pub alpha: f64,
    /// Training rows.
    pub training_rows: usize,
    /// Training churn rate.
    pub training_churn_rate: f64,
    /// Class weights used.
    #[serde(default)]
    #[cfg_attr(
        target_arch = "wasm32",
        tsify(
            type = "{ kind: \"none\" } | { kind: \"balanced\" } | { kind: \"explicit\"; churned: number; retained: number }"
        )
    )]
    pub class_weights: ClassWeights,
    /// L-BFGS iterations used.
    #[serde(default)]
    pub iterations: u32,
    /// True when the gradient tolerance was reached (false: the iteration limit stopped it).
    #[serde(default)]
    pub converged: bool,
    /// Categories of the one-hot encoded columns, fitted on the training rows; their indicator
    /// columns are the last names (see [`attributes`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<CategoryEncoding>,
}

/// Checks a row-major matrix (shape, then every value finite) and returns its row count.
pub(crate) fn check_matrix(
    values: &[f64],
    n_cols: usize,
    column_names: &[String],
) -> Result<usize> {
    let n = check_shape(values, n_cols, column_names)?;
    crate::error::check_table(values, n_cols, column_name(column_names))?;
    Ok(n)
}

/// The shape checks of [`check_matrix`]: at least one column, whole rows, one name per column,
/// at least one row.
fn check_shape(values: &[f64], n_cols: usize, column_names: &[String]) -> Result<usize> {
    if n_cols == 0 {
        return Err(Error::BadOption {
            option: "nCols".into(),
            message: "must be at least 1".into(),
        });
    }
    if values.len() % n_cols != 0 {
        return Err(Error::LengthMismatch {
            column: "values".into(),
            actual: values.len(),
            reference: format!("a multiple of nCols = {n_cols}"),
            expected: values.len() - values.len() % n_cols,
        });
    }
    if column_names.len() != n_cols {
        return Err(Error::LengthMismatch {
            column: "names".into(),
            actual: column_names.len(),
            reference: "nCols".into(),
            expected: n_cols,
        });
    }
    let n = values.len() / n_cols;
    if n == 0 {
        return Err(Error::Empty {
            what: "feature matrix".into(),
        });
    }
    Ok(n)
}

/// True for a finite value within ±[`MAX_MAGNITUDE`](crate::error::MAX_MAGNITUDE) (false for
/// NaN).
#[inline]
fn in_range(v: f64) -> bool {
    v.abs() <= crate::error::MAX_MAGNITUDE
}

/// The name of column `j` for error messages.
fn column_name(names: &[String]) -> impl Fn(usize) -> String + '_ {
    |j| {
        names
            .get(j)
            .cloned()
            .unwrap_or_else(|| format!("column {}", j + 1))
    }
}

/// e^x as 2^(x·log₂e) with `libm`'s table-driven `exp2`, for the loss, its gradient and the
/// predictions: about three times faster than `libm::exp` (the loss and the scoring pass spend
/// most of their time here; see BENCHMARKS.md, "Churn model"), with a relative error of at most
/// |x| · 1.2e-16 plus one unit in the last place from rounding x·log₂e — below 1e-14 for the
/// |x| < 40 at which a probability still differs from 0 or 1 in double precision. The same
/// operations everywhere, so native and wasm agree bit for bit.
#[inline]
fn exp(x: f64) -> f64 {
    libm::exp2(x * std::f64::consts::LOG2_E)
}

fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + exp(-z))
    } else {
        let e = exp(z);
        e / (1.0 + e)
    }
}

/// Dot product with four independent partial sums (shorter dependency chains than one running
/// sum; a fixed summation order, so every platform gets the same bits).
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0f64; 4];
    let chunks = a.len() / 4 * 4;
    for (x, y) in a[..chunks].chunks_exact(4).zip(b[..chunks].chunks_exact(4)) {
        for i in 0..4 {
            acc[i] += x[i] * y[i];
        }
    }
    let mut tail = 0.0;
    for (x, y) in a[chunks..].iter().zip(&b[chunks..]) {
        tail += x * y;
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// A point, the loss there and the gradient there.
type Evaluated = (Vec<f64>, f64, Vec<f64>);

/// The L2-penalised logistic loss on standardised rows, `w = [coefficients…, intercept]`.
struct LogisticProblem<'a> {
    x: &'a [f64],
    y: &'a [f64],
    /// Loss weights of the retained (index 0) and churned (index 1) classes.
    class_weight: [f64; 2],
    k: usize,
    alpha: f64,
    /// 1 / row count.
    scale: f64,
    /// The last evaluation: the line search asks for the cost and the gradient at the same
    /// point, and one pass computes both.
    cache: RefCell<Option<Evaluated>>,
    /// Evaluations so far, and the budget: argmin runs the line search without an iteration
    /// limit, and near the optimum it can fail to terminate, so the objective itself stops it.
    evaluations: std::cell::Cell<u32>,
    max_evaluations: u32,
}

impl LogisticProblem<'_> {
    fn evaluate(&self, w: &[f64]) -> std::result::Result<(f64, Vec<f64>), argmin::core::Error> {
        if let Some((cw, c, g)) = self.cache.borrow().as_ref() {
            if cw.as_slice() == w {
                return Ok((*c, g.clone()));
            }
        }
        let used = self.evaluations.get() + 1;
        self.evaluations.set(used);
        if used > self.max_evaluations {
            return Err(argmin::core::Error::msg(format!(
                "stopped after {} loss evaluations without meeting the gradient tolerance",
                self.max_evaluations
            )));
        }
        let k = self.k;
        let (coef, b) = (&w[..k], w[k]);
        // log-loss_i = softplus(z_i) − y_i z_i with softplus(z) = max(z, 0) + ln(1 + e^−|z|).
        // The logarithms are summed as the logarithm of products, per class (the class sets the
        // row's weight): Σ ln(1 + eᵢ) = ln Π (1 + eᵢ), one `log` per 512 rows instead of one
        // `log1p` per row. Each factor is in (1, 2], so 512 of them stay below 2^512; rounding
        // 1 + eᵢ costs at most 1.1e-16 absolute per row, far below the loss's own resolution.
        const BLOCK: u32 = 512;
        let mut product = [1.0f64; 2];
        let mut in_block = [0u32; 2];
        let mut logs = [0.0f64; 2];
        let mut loss = 0.0;
        let mut grad = vec![0.0; k + 1];
        for (row, &yi) in self.x.chunks_exact(k).zip(self.y) {
            let z = b + dot(row, coef);
            let class = usize::from(yi != 0.0);
            let wi = self.class_weight[class];
            let e = exp(-z.abs());
            product[class] *= 1.0 + e;
            in_block[class] += 1;
            if in_block[class] == BLOCK {
                logs[class] += libm::log(product[class]);
                product[class] = 1.0;
                in_block[class] = 0;
            }
            loss += wi * (z.max(0.0) - yi * z);
            // σ(z), stable on both sides.
            let p = if z > 0.0 {
                1.0 / (1.0 + e)
            } else {
                e / (1.0 + e)
            };
            let r = wi * (p - yi);
            for (g, a) in grad.iter_mut().zip(row) {
                *g += r * a;
            }
            grad[k] += r;
        }
        for class in 0..2 {
            logs[class] += libm::log(product[class]);
            loss += self.class_weight[class] * logs[class];
        }
        for (g, c) in grad.iter_mut().zip(coef) {
            loss += 0.5 * self.alpha * c * c;
            *g += self.alpha * c;
        }
        // The optimiser sees the objective divided by the row count: the same minimiser, with
        // gradients of order one, so L-BFGS's first step (along −g) is about the right length.
        loss *= self.scale;
        grad.iter_mut().for_each(|g| *g *= self.scale);
        *self.cache.borrow_mut() = Some((w.to_vec(), loss, grad.clone()));
        Ok((loss, grad))
    }
}

impl CostFunction for LogisticProblem<'_> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, w: &Vec<f64>) -> std::result::Result<f64, argmin::core::Error> {
        self.evaluate(w).map(|e| e.0)
    }
}

impl Gradient for LogisticProblem<'_> {
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;

    fn gradient(&self, w: &Vec<f64>) -> std::result::Result<Vec<f64>, argmin::core::Error> {
        self.evaluate(w).map(|e| e.1)
    }
}

impl ChurnModel {
    /// Fits the model on a row-major matrix with named columns and 0/1 labels.
    ///
    /// Errors: `E_INSUFFICIENT_DATA` when the labels hold one class only; `E_NON_FINITE` naming
    /// the column and row of a bad value; `E_BAD_OPTION` for a negative or non-finite α.
    pub fn fit(
        values: &[f64],
        names: &[String],
        labels: &[bool],
        opts: &FitOptions,
    ) -> Result<ChurnModel> {
        let k = names.len();
        let n = check_matrix(values, k, names)?;
        if labels.len() != n {
            return Err(Error::LengthMismatch {
                column: "labels".into(),
                actual: labels.len(),
                reference: "feature rows".into(),
                expected: n,
            });
        }
        opts.validate()?;
        let churners = labels.iter().filter(|&&l| l).count();
        if churners == 0 || churners == n {
            return Err(Error::InsufficientData {
                message: format!(
                    "the labels hold one class only ({churners} churners of {n} customers); a churn model needs both"
                ),
            });
        }
        let mut mean = vec![0.0; k];
        for row in values.chunks_exact(k) {
            for (m, v) in mean.iter_mut().zip(row) {
                *m += v;
            }
        }
        mean.iter_mut().for_each(|m| *m /= n as f64);
        let mut sd = vec![0.0; k];
        for row in values.chunks_exact(k) {
            for ((s, v), m) in sd.iter_mut().zip(row).zip(&mean) {
                *s += (v - m) * (v - m);
            }
        }
        for s in sd.iter_mut() {
            let v = f64::sqrt(*s / n as f64);
            *s = if v > 0.0 && v.is_finite() { v } else { 1.0 };
        }
        let mut z: Vec<f64> = Vec::with_capacity(values.len());
        for row in values.chunks_exact(k) {
            z.extend(
                row.iter()
                    .zip(&mean)
                    .zip(&sd)
                    .map(|((v, m), s)| (v - m) / s),
            );
        }
        let y: Vec<f64> = labels.iter().map(|&l| if l { 1.0 } else { 0.0 }).collect();
        let (w_retained, w_churned) = opts.class_weights.resolve(churners, n)?;
        // Start from the coefficients 0 and the intercept that fits the (weighted) churn rate.
        let weighted_rate = (w_churned * churners as f64)
            / (w_churned * churners as f64 + w_retained * (n - churners) as f64);
        let mut start = vec![0.0; k + 1];
        start[k] = libm::log(weighted_rate / (1.0 - weighted_rate));
        let problem = LogisticProblem {
            x: &z,
            y: &y,
            class_weight: [w_retained, w_churned],
            k,
            alpha: opts.alpha,
            scale: 1.0 / n as f64,
            cache: RefCell::new(None),
            evaluations: std::cell::Cell::new(0),
            max_evaluations: opts.max_iterations.saturating_mul(20).saturating_add(20),
        };
        let not_converged = |message: String| Error::NotConverged {
            model: "churn logistic regression".into(),
            iterations: opts.max_iterations as usize,
            message,
        };
        let solver = LBFGS::new(MoreThuenteLineSearch::new(), 10)
            .with_tolerance_grad(opts.gradient_tolerance)
            .and_then(|s| s.with_tolerance_cost(0.0))
            .map_err(|e| not_converged(e.to_string()))?;
        let result = Executor::new(problem, solver)
            .configure(|state| {
                state
                    .param(start.clone())
                    .max_iters(opts.max_iterations as u64)
            })
            .run()
            .map_err(|e| not_converged(e.to_string()))?;
        let state = result.state();
        let iterations = state.get_iter() as u32;
        let converged = matches!(
            state.get_termination_reason(),
            Some(TerminationReason::SolverConverged) | Some(TerminationReason::TargetCostReached)
        );
        let w = state
            .get_best_param()
            .cloned()
            .ok_or_else(|| not_converged("no parameters returned".into()))?;
        let coefficients: Vec<f64> = w.iter().take(k).copied().collect();
        let intercept = w.get(k).copied().unwrap_or(0.0);
        if !intercept.is_finite() || coefficients.iter().any(|c| !c.is_finite()) {
            return Err(not_converged(
                "the optimiser returned non-finite coefficients (separable data? raise alpha)"
                    .into(),
            ));
        }
        Ok(ChurnModel {
            metric: PROPENSITY.id.into(),
            version: PROPENSITY.version.into(),
            names: names.to_vec(),
            mean,
            sd,
            coefficients,
            intercept,
            alpha: opts.alpha,
            training_rows: n,
            training_churn_rate: churners as f64 / n as f64,
            class_weights: opts.class_weights,
            iterations,
            converged,
            categories: Vec::new(),
        })
    }

    /// Checks a model read from JSON.
    pub fn validate(&self) -> Result<()> {
        let k = self.names.len();
        if self.metric != PROPENSITY.id {
            return Err(Error::BadOption {
                option: "metric".into(),
                message: format!("'{}' is not a churn model ({})", self.metric, PROPENSITY.id),
            });
        }
        crate::glossary::check_saved_version(&self.version, &PROPENSITY)?;
        if k == 0 || self.mean.len() != k || self.sd.len() != k || self.coefficients.len() != k {
            return Err(Error::LengthMismatch {
                column: "coefficients".into(),
                actual: self.coefficients.len(),
                reference: "names".into(),
                expected: k,
            });
        }
        let all = self
            .mean
            .iter()
            .chain(&self.sd)
            .chain(&self.coefficients)
            .chain([&self.intercept]);
        if all.clone().any(|v| !v.is_finite()) || self.sd.iter().any(|&s| s <= 0.0) {
            return Err(Error::OutOfRange {
                column: "model".into(),
                row: 0,
                message: "means, coefficients and the intercept must be finite and standard deviations positive".into(),
            });
        }
        self.validate_categories()
    }

    /// Linear contribution of each feature for one row: w_j · (x_j − mean_j) / sd_j.
    fn contributions<'s>(&'s self, row: &'s [f64]) -> impl Iterator<Item = f64> + 's {
        row.iter()
            .zip(&self.mean)
            .zip(&self.sd)
            .zip(&self.coefficients)
            .map(|(((x, m), s), w)| w * (x - m) / s)
    }

    /// Churn probabilities for a row-major matrix with the model's columns:
    /// σ(b + Σ_j (x_j − mean_j) · (w_j / sd_j)), in one pass that also checks every value
    /// (`E_NON_FINITE`, `E_OUT_OF_RANGE` beyond ±1e150).
    pub fn predict(&self, values: &[f64]) -> Result<Vec<f64>> {
        let k = self.names.len();
        let n = check_shape(values, k, &self.names)?;
        let per_sd: Vec<f64> = self
            .coefficients
            .iter()
            .zip(&self.sd)
            .map(|(w, s)| w / s)
            .collect();
        let mut out = Vec::with_capacity(n);
        for row in values.chunks_exact(k) {
            let mut z = self.intercept;
            let mut ok = true;
            for ((x, m), c) in row.iter().zip(&self.mean).zip(&per_sd) {
                ok &= in_range(*x);
                z += (x - m) * c;
            }
            if !ok {
                // The first bad value is in this row.
                crate::error::check_table(values, k, column_name(&self.names))?;
            }
            out.push(sigmoid(z));
        }
        Ok(out)
    }

    /// The `n` features that push each row's log-odds up the most (positive contributions only,
    /// largest first), as indices into the names.
    pub fn reasons(&self, values: &[f64], n: usize) -> Result<Vec<Vec<(usize, f64)>>> {
        check_matrix(values, self.names.len(), &self.names)?;
        Ok(values
            .chunks_exact(self.names.len())
            .map(|row| {
                let items = self.contributions(row).enumerate();
                top_reasons(items.map(|(j, v)| (j, v, j)).collect(), n)
            })
            .collect())
    }

    /// Odds ratio per standard deviation of each feature: exp(w_j).
    pub fn odds_ratios(&self) -> Vec<f64> {
        self.coefficients.iter().map(|&w| libm::exp(w)).collect()
    }

    /// The definition reference of the model's scores.
    pub fn definition(&self) -> DefinitionRef {
        let weights = match self.class_weights {
            ClassWeights::None => "none".to_string(),
            ClassWeights::Balanced => "balanced".to_string(),
            ClassWeights::Explicit { churned, retained } => {
                format!("churned {churned}, retained {retained}")
            }
        };
        DefinitionRef::new(&PROPENSITY)
            .with("alpha", ParamValue::Number(self.alpha))
            .with("classWeights", ParamValue::Text(weights))
    }
}

/// The `n` items `(label, contribution, column)` with the largest positive contributions,
/// largest first, ties by column.
pub(crate) fn top_reasons<T>(mut items: Vec<(T, f64, usize)>, n: usize) -> Vec<(T, f64)> {
    items.retain(|x| x.1 > 0.0);
    items.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.2.cmp(&b.2)));
    items.truncate(n);
    items.into_iter().map(|(t, c, _)| (t, c)).collect()
}

/// A calibration bin.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase")]
pub struct CalibrationBin {
    /// Lower edge of the predicted-probability bin.
    pub lower: f64,
    /// Upper edge.
    pub upper: f64,
    /// Customers in the bin.
    pub count: usize,
    /// Mean predicted probability (`None` when empty).
    pub mean_predicted: Option<f64>,
    /// Observed churn rate (`None` when empty).
    pub observed_rate: Option<f64>,
}

/// A decile of the lift table.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase")]
pub struct LiftDecile {
    /// 1 = highest scores.
    pub decile: u32,
    /// Customers.
    pub customers: usize,
    /// Churners.
    pub churners: usize,
    /// Churn rate in the decile.
    pub rate: f64,
    /// Rate ÷ overall rate.
    pub lift: f64,
}

/// Evaluation of scores against labels (`churn.evaluation`); JS `ChurnEvaluation`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(
    target_arch = "wasm32",
    derive(tsify::Tsify),
    tsify(missing_as_null, rename = "ChurnEvaluation")
)]
#[serde(rename = "ChurnEvaluation", rename_all = "camelCase")]
pub struct Evaluation {
    /// Customers scored.
    pub customers: usize,
    /// Overall churn rate.
    pub churn_rate: f64,
    /// Area under the ROC curve.
    pub auc: f64,
    /// Mean log-loss.
    pub log_loss: f64,
    /// Brier score.
    pub brier: f64,
    /// Ten equal-width calibration bins.
    pub calibration: Vec<CalibrationBin>,
    /// Lift by score decile.
    pub lift: Vec<LiftDecile>,
    /// `churn.evaluation`.
    pub definition: DefinitionRef,
}

/// AUC by the rank-sum (Mann–Whitney) statistic with average ranks for ties.
pub fn auc(scores: &[f64], labels: &[bool]) -> Option<f64> {
    let pos = labels.iter().filter(|&&l| l).count();
    let neg = labels.len() - pos;
    if pos == 0 || neg == 0 || scores.len() != labels.len() {
        return None;
    }
    let mut idx: Vec<usize> = (0..scores.len()).collect();
    idx.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && scores[idx[j + 1]] == scores[idx[i]] {
            j += 1;
        }
        let avg_rank = (i + j) as f64 / 2.0 + 1.0;
        for &k in &idx[i..=j] {
            if labels[k] {
                rank_sum += avg_rank;
            }
        }
        i = j + 1;
    }
    let (p, q) = (pos as f64, neg as f64);
    Some((rank_sum - p * (p + 1.0) / 2.0) / (p * q))
}

/// Evaluates probabilities against labels (see [`EVALUATION`]).
pub fn evaluate(probs: &[f64], labels: &[bool]) -> Result<Evaluation> {
    if probs.len() != labels.len() {
        return Err(Error::LengthMismatch {
            column: "labels".into(),
            actual: labels.len(),
            reference: "scores".into(),
            expected: probs.len(),
        });
    }
    for (i, &p) in probs.iter().enumerate() {
        if !(p.is_finite() && (0.0..=1.0).contains(&p)) {
            return Err(Error::OutOfRange {
                column: "scores".into(),
                row: i + 1,
                message: format!("{p} is not a probability"),
            });
        }
    }
    if probs.is_empty() {
        return Err(Error::Empty {
            what: "scores".into(),
        });
    }
    let n = probs.len();
    let auc = auc(probs, labels).ok_or_else(|| Error::InsufficientData {
        message: "evaluation needs churners and non-churners".into(),
    })?;
    let eps = 1e-15;
    let mut log_loss = 0.0;
    let mut brier = 0.0;
    for (&p, &l) in probs.iter().zip(labels) {
        let y = if l { 1.0 } else { 0.0 };
        let pc = p.clamp(eps, 1.0 - eps);
        log_loss -= y * libm::log(pc) + (1.0 - y) * libm::log(1.0 - pc);
        brier += (p - y) * (p - y);
    }
    let churners = labels.iter().filter(|&&l| l).count();
    let rate = churners as f64 / n as f64;
    let mut bins: Vec<(usize, f64, usize)> = vec![(0, 0.0, 0); 10];
    for (&p, &l) in probs.iter().zip(labels) {
        let b = ((p * 10.0) as usize).min(9);
        bins[b].0 += 1;
        bins[b].1 += p;
        bins[b].2 += usize::from(l);
    }
    let calibration = bins
        .iter()
        .enumerate()
        .map(|(i, &(count, sum, pos))| CalibrationBin {
            lower: i as f64 / 10.0,
            upper: (i + 1) as f64 / 10.0,
            count,
            mean_predicted: (count > 0).then(|| sum / count as f64),
            observed_rate: (count > 0).then(|| pos as f64 / count as f64),
        })
        .collect();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| probs[b].total_cmp(&probs[a]).then(a.cmp(&b)));
    let lift = (0..10)
        .filter_map(|d| {
            let lo = d * n / 10;
            let hi = (d + 1) * n / 10;
            if hi <= lo {
                return None;
            }
            let churn = order[lo..hi].iter().filter(|&&i| labels[i]).count();
            let r = churn as f64 / (hi - lo) as f64;
            Some(LiftDecile {
                decile: d as u32 + 1,
                customers: hi - lo,
                churners: churn,
                rate: r,
                lift: if rate > 0.0 { r / rate } else { 0.0 },
            })
        })
        .collect();
    Ok(Evaluation {
        customers: n,
        churn_rate: rate,
        auc,
        log_loss: log_loss / n as f64,
        brier: brier / n as f64,
        calibration,
        lift,
        definition: DefinitionRef::new(&EVALUATION),
    })
}

/// The recency-only baseline: the training churn rate within each training recency decile.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecencyBaseline {
    /// Upper recency edge (days, inclusive) of each decile, ascending.
    pub edges: Vec<f64>,
    /// Training churn rate per decile.
    pub rates: Vec<f64>,
}

impl RecencyBaseline {
    /// Fits the rule on training recencies and labels.
    pub fn fit(recency: &[f64], labels: &[bool]) -> RecencyBaseline {
        let mut idx: Vec<usize> = (0..recency.len()).collect();
        idx.sort_by(|&a, &b| recency[a].total_cmp(&recency[b]));
        let n = idx.len();
        let mut edges = Vec::new();
        let mut rates = Vec::new();
        for d in 0..10 {
            let (lo, hi) = (d * n / 10, (d + 1) * n / 10);
            if hi <= lo {
                continue;
            }
            let churn = idx[lo..hi].iter().filter(|&&i| labels[i]).count();
            edges.push(recency[idx[hi - 1]]);
            rates.push(churn as f64 / (hi - lo) as f64);
        }
        RecencyBaseline { edges, rates }
    }

    /// Scores recencies: the rate of the first decile whose edge is ≥ the recency (the last
    /// decile beyond the largest edge).
    pub fn predict(&self, recency: &[f64]) -> Vec<f64> {
        recency
            .iter()
            .map(|&r| {
                let i = self
                    .edges
                    .iter()
                    .position(|&e| r <= e)
                    .unwrap_or(self.edges.len().saturating_sub(1));
                self.rates.get(i).copied().unwrap_or(0.0)
            })
            .collect()
    }
}

/// Result of [`evaluate_time_split`]; JS `ChurnSplitEvaluation`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(
    target_arch = "wasm32",
    derive(tsify::Tsify),
    tsify(missing_as_null, rename = "ChurnSplitEvaluation")
)]
#[serde(rename = "ChurnSplitEvaluation", rename_all = "camelCase")]
pub struct TimeSplitEvaluation {
    /// Model scored on the test cutoff.
    #[cfg_attr(target_arch = "wasm32", tsify(type = "ChurnEvaluation"))]
    pub model: Evaluation,
    /// Recency-only baseline scored on the test cutoff.
    #[cfg_attr(target_arch = "wasm32", tsify(type = "ChurnEvaluation"))]
    pub baseline: Evaluation,
    /// 1 − P(alive) from BG/NBD fitted at the training cutoff ([`alive`]), when asked for.
    #[cfg_attr(target_arch = "wasm32", tsify(type = "ChurnEvaluation | null"))]
    pub alive: Option<Evaluation>,
    /// Test customers without a repeat purchase (P(alive) = 1 by construction), when `alive`
    /// was asked for.
    pub alive_no_repeat_purchase: Option<usize>,
    /// Test values of categorical attributes not seen in training (scored as the reference).
    #[cfg_attr(target_arch = "wasm32", tsify(type = "UnseenCategory[]"))]
    pub unseen_categories: Vec<Unseen>,
    /// Customers at the training cutoff.
    pub training_customers: usize,
    /// Customers at the test cutoff.
    pub test_customers: usize,
    /// Definition reference.
    pub definition: DefinitionRef,
}

/// Options of [`evaluate_time_split`]; JS `ChurnSplitOptions` (both cutoffs are required).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[cfg_attr(
    target_arch = "wasm32",
    derive(tsify::Tsify),
    tsify(missing_as_null, rename = "ChurnSplitOptions")
)]
#[serde(
    rename = "ChurnSplitOptions",
    rename_all = "camelCase",
    deny_unknown_fields
)]
pub struct SplitOptions {
    /// Cutoff of the training features and labels (epoch ms).
    #[serde(deserialize_with = "crate::data::dates::required_date")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "DateInput"))]
    pub train_cutoff: i64,
    /// Cutoff of the test features and labels (epoch ms), later than `train_cutoff`.
    #[serde(deserialize_with = "crate::data::dates::required_date")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "DateInput"))]
    pub test_cutoff: i64,
    /// Horizon of both labels (days; 1–3650, default 90).
    #[serde(default = "default_horizon")]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub horizon_days: u32,
    /// L2 strength of the logistic fit (see [`FitOptions`]).
    #[serde(default = "default_alpha")]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub alpha: f64,
    /// L-BFGS iteration limit of the logistic fit.
    #[serde(default = "default_max_iterations")]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub max_iterations: u32,
    /// Gradient-norm tolerance of the logistic fit.
    #[serde(default = "default_gradient_tolerance")]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub gradient_tolerance: f64,
    /// Class weights of the logistic fit.
    #[serde(default, deserialize_with = "class_weights_option")]
    #[cfg_attr(
        target_arch = "wasm32",
        tsify(
            optional,
            type = "\"balanced\" | { churned: number; retained: number }"
        )
    )]
    pub class_weights: ClassWeights,
    /// Also score 1 − P(alive) from BG/NBD fitted on the training features (default false).
    #[serde(default = "default_alive")]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub alive: bool,
}

fn default_alpha() -> f64 {
    const { ALPHA.default_number() }
}

fn default_max_iterations() -> u32 {
    (const { MAX_ITERATIONS.default_number() }) as u32
}

fn default_gradient_tolerance() -> f64 {
    const { GRADIENT_TOLERANCE.default_number() }
}

fn default_alive() -> bool {
    const { ALIVE.default_flag() }
}

impl SplitOptions {
    /// Options with the two cutoffs and every default.
    pub fn new(train_cutoff: i64, test_cutoff: i64) -> Self {
        let fit = FitOptions::default();
        SplitOptions {
            train_cutoff,
            test_cutoff,
            horizon_days: default_horizon(),
            alpha: fit.alpha,
            max_iterations: fit.max_iterations,
            gradient_tolerance: fit.gradient_tolerance,
            class_weights: fit.class_weights,
            alive: default_alive(),
        }
    }

    /// The options of the logistic fit.
    pub fn fit(&self) -> FitOptions {
        FitOptions {
            alpha: self.alpha,
            max_iterations: self.max_iterations,
            gradient_tolerance: self.gradient_tolerance,
            class_weights: self.class_weights,
        }
    }
}

/// The fitted scorers of [`evaluate_time_split`].
#[derive(Debug, Clone, PartialEq)]
pub struct SplitModels {
    /// The logistic model fitted at the training cutoff.
    pub model: ChurnModel,
    /// The 1 − P(alive) scorer, when asked for.
    pub alive: Option<alive::AliveChurnModel>,
}

/// Fits on features/labels at `train_cutoff` and scores the model, the recency baseline and
/// (with `alive`) 1 − P(alive) on features/labels at `test_cutoff` (both with `horizon_days`),
/// with `attributes` joined to both tables when given. The test horizon must be covered by the
/// data (`E_INSUFFICIENT_DATA` otherwise).
pub fn evaluate_time_split(
    tx: &Transactions,
    opts: &SplitOptions,
    attributes: Option<&CustomerAttributes>,
) -> Result<(SplitModels, TimeSplitEvaluation)> {
    let (train_cutoff, test_cutoff, horizon_days) =
        (opts.train_cutoff, opts.test_cutoff, opts.horizon_days);
    if test_cutoff <= train_cutoff {
        return Err(Error::BadOption {
            option: "testCutoff".into(),
            message: "must be later than trainCutoff".into(),
        });
    }
    let at = |cutoff: i64| FeatureOptions {
        cutoff,
        horizon_days,
    };
    // The checks name the split's own option.
    let named = |e: Error, name: &str| match e {
        Error::BadOption { option, message } if option == "cutoff" => Error::BadOption {
            option: name.into(),
            message,
        },
        e => e,
    };
    check_feature_options(&at(train_cutoff)).map_err(|e| named(e, "trainCutoff"))?;
    check_feature_options(&at(test_cutoff)).map_err(|e| named(e, "testCutoff"))?;
    let fit = opts.fit();
    fit.validate()?;
    // Both tables from one pass over the transactions.
    let days = crate::summary::purchase_days(tx);
    let order = tx.keys.output_order();
    let table = |cutoff: i64| features_from_days(tx, &days, &order, &at(cutoff));
    let train = table(train_cutoff)?;
    // The attributes are checked and indexed once for both tables.
    let (train, test) = match attributes {
        Some(a) => {
            a.validate()?;
            let rows = a.row_index();
            let train = train.join_attributes(a, &rows)?;
            (train, table(test_cutoff)?.join_attributes(a, &rows)?)
        }
        None => (train, table(test_cutoff)?),
    };
    let need = |t: &FeatureTable, which: &str| {
        t.labels.clone().ok_or_else(|| Error::InsufficientData {
            message: format!("the transactions end before {which} + {horizon_days} days, so churn there is not yet observable"),
        })
    };
    let train_labels = need(&train, "trainCutoff")?;
    let test_labels = need(&test, "testCutoff")?;
    let model = ChurnModel::fit_table(&train, &train_labels, &fit)?;
    let (probs, unseen) = model.predict_table(&test)?;
    let k = train.n_cols();
    let recency = |t: &FeatureTable| t.values.chunks_exact(k).map(|r| r[0]).collect::<Vec<f64>>();
    let rule = RecencyBaseline::fit(&recency(&train), &train_labels);
    let baseline = evaluate(&rule.predict(&recency(&test)), &test_labels)?;
    let (alive_model, alive_eval, no_repeat) = if opts.alive {
        let m = alive::AliveChurnModel::fit(&train, &Default::default())?;
        let (scores, flags) = m.predict_table(&test)?;
        let e = evaluate(&scores, &test_labels)?;
        (Some(m), Some(e), Some(flags.iter().filter(|&&f| f).count()))
    } else {
        (None, None, None)
    };
    let result = TimeSplitEvaluation {
        model: evaluate(&probs, &test_labels)?,
        baseline,
        alive: alive_eval,
        alive_no_repeat_purchase: no_repeat,
        unseen_categories: unseen,
        training_customers: train.customer_id.len(),
        test_customers: test.customer_id.len(),
        definition: DefinitionRef::new(&EVALUATION)
            .with("trainCutoff", ParamValue::Number(train_cutoff as f64))
            .with("testCutoff", ParamValue::Number(test_cutoff as f64))
            .with("horizonDays", ParamValue::Number(horizon_days as f64))
            .with("alpha", ParamValue::Number(opts.alpha)),
    };
    Ok((
        SplitModels {
            model,
            alive: alive_model,
        },
        result,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The blocked product-of-logs loss and its gradient equal the textbook per-row sums
    /// Σ cᵢ (log1p(e^zᵢ) − yᵢ zᵢ) + α/2 ‖w‖² (divided by n) and Σ cᵢ (σ(zᵢ) − yᵢ) xᵢ + α w.
    #[test]
    fn loss_and_gradient_match_the_per_row_sums() {
        let (n, k) = (2_000usize, 3usize);
        let mut state = 12345u64;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let x: Vec<f64> = (0..n * k).map(|_| 8.0 * next() - 4.0).collect();
        let y: Vec<f64> = (0..n)
            .map(|_| if next() < 0.3 { 1.0 } else { 0.0 })
            .collect();
        let class_weight = [0.7, 2.5];
        let problem = LogisticProblem {
            x: &x,
            y: &y,
            class_weight,
            k,
            alpha: 0.8,
            scale: 1.0 / n as f64,
            cache: RefCell::new(None),
            evaluations: std::cell::Cell::new(0),
            max_evaluations: 10,
        };
        let w = [1.5, -2.0, 0.75, -0.4];
        let (loss, grad) = problem.evaluate(&w).unwrap();
        let (mut want_loss, mut want_grad) = (0.0, vec![0.0; k + 1]);
        for (row, &yi) in x.chunks_exact(k).zip(&y) {
            let z = w[3] + row[0] * w[0] + row[1] * w[1] + row[2] * w[2];
            let c = class_weight[usize::from(yi != 0.0)];
            want_loss += c * ((1.0 + z.exp()).ln() - yi * z);
            let r = c * (1.0 / (1.0 + (-z).exp()) - yi);
            for j in 0..k {
                want_grad[j] += r * row[j];
            }
            want_grad[k] += r;
        }
        for j in 0..k {
            want_loss += 0.5 * 0.8 * w[j] * w[j];
            want_grad[j] += 0.8 * w[j];
        }
        let want_loss = want_loss / n as f64;
        assert!(
            (loss - want_loss).abs() <= 1e-12 * want_loss,
            "{loss} vs {want_loss}"
        );
        for (g, wg) in grad.iter().zip(&want_grad) {
            assert!(
                (g - wg / n as f64).abs() <= 1e-12,
                "{g} vs {}",
                wg / n as f64
            );
        }
    }
}
