//! The spec catalog: for each metric a spec can name, the direct call it equals, its inputs,
//! its headline value and its parameters.
//!
//! A spec metric *is* its direct call: `spec.evaluate` builds the call's options from the
//! parameters in effect (the metric's own, then `shared`, then `data.timezone`, then the
//! definition's defaults) and returns the call's whole result as `detail`, with the headline
//! number as `value`. Two rules exist only in specs, where a direct call leaves the choice to
//! the caller:
//!
//! - `churn.rate` and `churn.noncontractual` take `observationEnd` (default the last
//!   transaction) and a `cutoff` whose default is the local day `horizonDays` days before the
//!   observation end's day, so the horizon ends with the data;
//! - the model metrics (`ltv.bgnbd`, `ltv.pareto_nbd`, `ltv.gamma_gamma`, `ltv.clv`) take the
//!   summary's options and the fits' options as parameters and fit the models themselves
//!   (`ltv.clv` fits BG/NBD and Gamma-Gamma with the same `starts`, `maxIterations` and
//!   `tolerance`);
//! - the churn models' cutoffs default to days counted back from the observation end's local
//!   day, so the labels they need are observed: `churn.propensity` fits at `trainCutoff`
//!   (default end − horizonDays) and scores at `scoreCutoff` (default the end's day);
//!   `churn.evaluation` fits at `trainCutoff` (default end − 2 × horizonDays) and scores at
//!   `testCutoff` (default end − horizonDays); `churn.alive` fits and scores at `scoreCutoff`;
//! - the experiment metrics read `assignments` (unit id, arm, assignment time) with the
//!   transactions; `experiment.frequentist`, `.sequential` and `.bayesian` take the compared
//!   metric as the parameter `metric` (default `experiment.conversion`), `experiment.report`
//!   takes `metrics` (default all four) and corrects their comparisons together, and
//!   `experiment.srm` checks the units per arm of the assignments;
//! - the attribution metrics read `touchpoints` (customer id, time, channel) with the
//!   transactions: each builds `Journeys.fromTransactions(touchpoints, tx, { lookbackDays,
//!   purchases })` and runs its one model on them; the headline is the share of the conversions
//!   that the model credits to its top channel, and the credit of every channel is the detail.
//!
//! Within one evaluation, metrics that need the same summary, KPIs, fits or CAC table with the
//! same options compute it once.

use super::{MetricSpec, SpecMetric};
use crate::attribution::{
    self as attr, AttributionOptions, AttributionResult, Journeys, JourneysFromTransactionsOptions,
    TouchpointTable,
};
use crate::cac::{self, CacOptions, LtvCacOptions, PaybackOptions, Variant};
use crate::churn::alive::AliveChurnModel;
use crate::churn::{self, ChurnModel, FeatureOptions, FitOptions, SplitOptions};
use crate::data::dates::{Calendar, OBSERVATION_END, TIMEZONE, WEEK_START};
use crate::data::spend::Spend;
use crate::data::{ObservationEnd, Transactions, When};
use crate::error::{Error, Result};
use crate::experiment::{
    self as exp, AssignmentTable, ExperimentMethod, ExperimentOnTransactionsOptions,
    ExperimentOnTransactionsResult, ExperimentReportOptions, PlanOptions, TransactionMetric,
};
use crate::glossary::{Definition, ParameterDef};
use crate::kpi::{self, Kpis};
use crate::ltv::bgnbd::{self, BgNbdModel, BgNbdOptions};
use crate::ltv::clv::{self, ClvOptions, ClvResult};
use crate::ltv::gamma_gamma::{self, GammaGammaModel, GammaGammaOptions};
use crate::ltv::historical::{self, HistoricalLtv, HistoricalOptions};
use crate::ltv::holdout::{self, HoldoutOptions, HoldoutResult};
use crate::ltv::pareto_nbd::{self, ParetoNbdModel};
use crate::ltv::simple::{self, SimpleLtv, SimpleLtvOptions};
use crate::segment::choose::{self, ChooseK, ChooseKOptions};
use crate::segment::{SegmentOptions, Segmentation};
use crate::summary::{self, CustomerSummary, SummaryOptions};
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::rc::Rc;

/// The inputs a metric reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Input {
    /// The transactions table.
    Transactions,
    /// The spend table.
    Spend,
    /// An experiment's assignments (unit id, arm, assignment time).
    Assignments,
    /// Marketing touchpoints (customer id, time, channel).
    Touchpoints,
    /// Visits per date (date, visits, optional channel).
    Traffic,
}

/// How a spec computes one metric of the glossary.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    /// The metric id.
    pub metric: &'static str,
    /// The glossary definition.
    #[serde(skip)]
    pub definition: &'static Definition,
    /// The direct call the metric equals, in JS.
    pub call: &'static str,
    /// The inputs it reads.
    pub inputs: &'static [Input],
    /// What the headline `value` is.
    pub headline: &'static str,
    /// Unit of the headline (`currency` is replaced by the spec's currency).
    pub unit: &'static str,
    /// Its parameters in a spec.
    #[serde(serialize_with = "param_names")]
    pub params: &'static [ParameterDef],
}

fn param_names<S: serde::Serializer>(
    p: &&[ParameterDef],
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    s.collect_seq(p.iter().map(|p| p.name))
}

const TX: &[Input] = &[Input::Transactions];
const TX_TRAFFIC: &[Input] = &[Input::Transactions, Input::Traffic];
const TX_SPEND: &[Input] = &[Input::Transactions, Input::Spend];
const ASSIGN_TX: &[Input] = &[Input::Assignments, Input::Transactions];
const ASSIGN: &[Input] = &[Input::Assignments];
const TOUCH_TX: &[Input] = &[Input::Touchpoints, Input::Transactions];
const TOUCH_TX_SPEND: &[Input] = &[Input::Touchpoints, Input::Transactions, Input::Spend];

const SUMMARY_PARAMS: &[ParameterDef] = &[summary::PERIOD, OBSERVATION_END, TIMEZONE, WEEK_START];
const CAC_PARAMS: &[ParameterDef] = &[cac::PERIOD_PARAM, cac::LAG_PARAM, TIMEZONE, WEEK_START];
const CAC_ATTRIBUTED_PARAMS: &[ParameterDef] = &[
    cac::PERIOD_PARAM,
    cac::LAG_PARAM,
    TIMEZONE,
    WEEK_START,
    cac::MODEL_PARAM,
    attr::journeys::LOOKBACK_DAYS,
];
const PAYBACK_PARAMS: &[ParameterDef] = &[cac::MARGIN_PARAM, cac::LAG_PARAM, TIMEZONE];

/// `cutoff` in a spec: by default the local day `horizonDays` before the observation end's day.
pub const SPEC_CUTOFF: ParameterDef = ParameterDef::new(
    "cutoff",
    "observation end − horizonDays",
    "The day churn is measured from: a date (the end of that local day), a date-time or epoch ms. By default the local day horizonDays days before the observation end's day, so the horizon ends with the data.",
)
.rule("observationEndMinusHorizon");
const CHURN_PARAMS: &[ParameterDef] =
    &[churn::HORIZON_DAYS, SPEC_CUTOFF, OBSERVATION_END, TIMEZONE];
const RFM_PARAMS: &[ParameterDef] = &[
    summary::PERIOD,
    OBSERVATION_END,
    TIMEZONE,
    WEEK_START,
    crate::segment::rfm::MONETARY,
];
const HISTORICAL_PARAMS: &[ParameterDef] = &[historical::MARGIN, OBSERVATION_END, TIMEZONE];
const SIMPLE_PARAMS: &[ParameterDef] = &[
    simple::ARPU,
    simple::CHURN_RATE,
    simple::MARGIN,
    simple::PERIOD,
];
const BGNBD_PARAMS: &[ParameterDef] = &[
    summary::PERIOD,
    OBSERVATION_END,
    TIMEZONE,
    WEEK_START,
    bgnbd::STARTS,
    bgnbd::MAX_ITERATIONS,
    bgnbd::TOLERANCE,
];
const PARETO_PARAMS: &[ParameterDef] = &[
    summary::PERIOD,
    OBSERVATION_END,
    TIMEZONE,
    WEEK_START,
    pareto_nbd::STARTS,
    pareto_nbd::MAX_ITERATIONS,
    pareto_nbd::TOLERANCE,
];
const GG_PARAMS: &[ParameterDef] = &[
    summary::PERIOD,
    OBSERVATION_END,
    TIMEZONE,
    WEEK_START,
    gamma_gamma::STARTS,
    gamma_gamma::MAX_ITERATIONS,
    gamma_gamma::TOLERANCE,
];
/// `purchaseModel` of `ltv.clv` in a spec: which model predicts the purchases.
pub const SPEC_PURCHASE_MODEL: ParameterDef = ParameterDef::new(
    "purchaseModel",
    "\"ltv.bgnbd\"",
    "The purchase model the CLV is computed on: ltv.bgnbd (BG/NBD) or ltv.pareto_nbd (Pareto/NBD), fitted on the same summary with the same fit options.",
)
.text("ltv.bgnbd")
.one_of(&["ltv.bgnbd", "ltv.pareto_nbd"]);
const CLV_PARAMS: &[ParameterDef] = &[
    SPEC_PURCHASE_MODEL,
    clv::HORIZON_MONTHS,
    clv::DISCOUNT_CONVENTION,
    clv::DISCOUNT_RATE,
    clv::CONTINUOUS_RATE,
    clv::MARGIN,
    clv::WEEKS_PER_MONTH,
    clv::DAYS_PER_MONTH,
    summary::PERIOD,
    OBSERVATION_END,
    TIMEZONE,
    WEEK_START,
    gamma_gamma::STARTS,
    gamma_gamma::MAX_ITERATIONS,
    gamma_gamma::TOLERANCE,
];

/// `trainCutoff` of `churn.propensity`: by default the local day `horizonDays` before the
/// observation end's day (the latest cutoff whose labels the data shows).
pub const SPEC_PROPENSITY_TRAIN: ParameterDef = ParameterDef::new(
    "trainCutoff",
    "observation end − horizonDays",
    "The day the model is fitted at (features up to it, labels from the horizonDays after it): a date, a date-time or epoch ms. By default the local day horizonDays days before the observation end's day, the latest whose labels the data shows.",
)
.rule("observationEndMinusHorizon");
/// `scoreCutoff` of `churn.propensity` and `churn.alive`: by default the observation end's day.
pub const SPEC_SCORE_CUTOFF: ParameterDef = ParameterDef::new(
    "scoreCutoff",
    "the observation end's day",
    "The day customers are scored at (features up to the end of that local day): a date, a date-time or epoch ms. By default the observation end's day.",
)
.rule("observationEndDay");
/// `trainCutoff` of `churn.evaluation`: by default 2 × horizonDays before the observation end.
pub const SPEC_TRAIN_CUTOFF: ParameterDef = ParameterDef::new(
    "trainCutoff",
    "observation end − 2 × horizonDays",
    "The day the model is fitted at: a date, a date-time or epoch ms. By default the local day 2 × horizonDays days before the observation end's day, so the training labels end where the test cutoff begins.",
)
.rule("observationEndMinusTwoHorizons");
/// `testCutoff` of `churn.evaluation`: by default horizonDays before the observation end.
pub const SPEC_TEST_CUTOFF: ParameterDef = ParameterDef::new(
    "testCutoff",
    "observation end − horizonDays",
    "The day the model is scored at, later than trainCutoff: a date, a date-time or epoch ms. By default the local day horizonDays days before the observation end's day, so the test labels end with the data.",
)
.rule("observationEndMinusHorizon");
/// `metric` of the test entries (`experiment.frequentist`, `.sequential`, `.bayesian`).
pub const SPEC_EXPERIMENT_METRIC: ParameterDef = ParameterDef::new(
    "metric",
    "\"experiment.conversion\"",
    "The metric the test compares, computed per unit from the transactions in the window after assignment.",
)
.text("experiment.conversion")
.one_of(TRANSACTION_METRICS);
/// `metrics` of `experiment.report`: the metrics whose comparisons are corrected together.
pub const SPEC_REPORT_METRICS: ParameterDef = ParameterDef::new(
    "metrics",
    "all four",
    "The experiment metrics reported together (an array of experiment.conversion, experiment.orders_per_unit, experiment.revenue_per_unit, experiment.aov), each compared by the frequentist test in the window after assignment.",
)
.rule("allTransactionMetrics");
/// `survivors` of `retention.sbg` and `retention.bdw`: the counts a spec fits the model to.
pub const SPEC_SURVIVORS: ParameterDef = ParameterDef::new(
    "survivors",
    "required",
    "Survivor counts per period, period 0 (the cohort size) first: one array, or an array of arrays for several cohorts.",
)
.required();
/// `renewals` of the retention metrics in a spec: the DERL of a customer with this many renewals.
pub const SPEC_RENEWALS: ParameterDef = ParameterDef::new(
    "renewals",
    "0",
    "Renewals of the customer whose DERL is the headline (0: a customer in their first period).",
)
.number(0.0)
.range(0.0, 1_000_000.0)
.whole();
const RETENTION_PARAMS: &[ParameterDef] = &[
    SPEC_SURVIVORS,
    crate::ltv::retention::PERIOD,
    crate::ltv::retention::MAX_ITERATIONS,
    crate::ltv::retention::TOLERANCE,
    crate::ltv::retention::DISCOUNT_RATE,
    SPEC_RENEWALS,
];
const BGBB_PARAMS: &[ParameterDef] = &[
    summary::PERIOD,
    OBSERVATION_END,
    TIMEZONE,
    WEEK_START,
    crate::ltv::bgbb::MAX_ITERATIONS,
    crate::ltv::bgbb::TOLERANCE,
];
const TRANSACTION_METRICS: &[&str] = &[
    "experiment.conversion",
    "experiment.orders_per_unit",
    "experiment.revenue_per_unit",
    "experiment.aov",
];

const PROPENSITY_PARAMS: &[ParameterDef] = &[
    churn::HORIZON_DAYS,
    SPEC_PROPENSITY_TRAIN,
    SPEC_SCORE_CUTOFF,
    OBSERVATION_END,
    TIMEZONE,
    churn::ALPHA,
    churn::MAX_ITERATIONS,
    churn::GRADIENT_TOLERANCE,
    churn::CLASS_WEIGHTS,
];
const EVALUATION_PARAMS: &[ParameterDef] = &[
    churn::HORIZON_DAYS,
    SPEC_TRAIN_CUTOFF,
    SPEC_TEST_CUTOFF,
    OBSERVATION_END,
    TIMEZONE,
    churn::ALPHA,
    churn::MAX_ITERATIONS,
    churn::GRADIENT_TOLERANCE,
    churn::CLASS_WEIGHTS,
    churn::ALIVE,
];
const ALIVE_PARAMS: &[ParameterDef] = &[
    SPEC_SCORE_CUTOFF,
    OBSERVATION_END,
    TIMEZONE,
    bgnbd::STARTS,
    bgnbd::MAX_ITERATIONS,
    bgnbd::TOLERANCE,
];
const KMEANS_PARAMS: &[ParameterDef] = &[
    summary::PERIOD,
    OBSERVATION_END,
    TIMEZONE,
    WEEK_START,
    crate::segment::K,
    crate::segment::N_INIT,
    crate::segment::MAX_ITERATIONS,
    crate::segment::TOLERANCE,
    crate::segment::SEED,
    crate::segment::ALGORITHM,
    crate::segment::SCALING,
];
const CHOOSE_K_PARAMS: &[ParameterDef] = &[
    summary::PERIOD,
    OBSERVATION_END,
    TIMEZONE,
    WEEK_START,
    choose::K_MIN,
    choose::K_MAX,
    choose::SAMPLE_SIZE,
    crate::segment::N_INIT,
    crate::segment::MAX_ITERATIONS,
    crate::segment::TOLERANCE,
    crate::segment::SEED,
    crate::segment::ALGORITHM,
    crate::segment::SCALING,
];
const EXPERIMENT_METRIC_PARAMS: &[ParameterDef] = &[
    exp::on_transactions::WINDOW_DAYS,
    exp::ALPHA,
    exp::DIFFERENCE,
    exp::METHOD,
    exp::SEQUENTIAL,
    exp::SEQUENTIAL_TUNING,
    exp::PRIOR,
    exp::CORRECTION,
    exp::BASELINE,
    exp::EXPECTED_WEIGHTS,
    exp::UNITS_PER_DAY,
];
const FREQUENTIST_PARAMS: &[ParameterDef] = &[
    SPEC_EXPERIMENT_METRIC,
    exp::on_transactions::WINDOW_DAYS,
    exp::ALPHA,
    exp::DIFFERENCE,
    exp::CORRECTION,
    exp::BASELINE,
    exp::EXPECTED_WEIGHTS,
    exp::UNITS_PER_DAY,
];
const SEQUENTIAL_PARAMS: &[ParameterDef] = &[
    SPEC_EXPERIMENT_METRIC,
    exp::on_transactions::WINDOW_DAYS,
    exp::ALPHA,
    exp::DIFFERENCE,
    exp::SEQUENTIAL_TUNING,
    exp::CORRECTION,
    exp::BASELINE,
    exp::EXPECTED_WEIGHTS,
    exp::UNITS_PER_DAY,
];
const BAYESIAN_PARAMS: &[ParameterDef] = &[
    SPEC_EXPERIMENT_METRIC,
    exp::on_transactions::WINDOW_DAYS,
    exp::ALPHA,
    exp::DIFFERENCE,
    exp::PRIOR,
    exp::BASELINE,
    exp::EXPECTED_WEIGHTS,
    exp::UNITS_PER_DAY,
];
const REPORT_PARAMS: &[ParameterDef] = &[
    SPEC_REPORT_METRICS,
    exp::on_transactions::WINDOW_DAYS,
    exp::ALPHA,
    exp::CORRECTION,
];

const ATTRIBUTION_PLAIN_PARAMS: &[ParameterDef] =
    &[attr::journeys::LOOKBACK_DAYS, attr::journeys::PURCHASES];
const LAST_NON_DIRECT_PARAMS: &[ParameterDef] = &[
    attr::DIRECT_CHANNEL,
    attr::journeys::LOOKBACK_DAYS,
    attr::journeys::PURCHASES,
];
const TIME_DECAY_PARAMS: &[ParameterDef] = &[
    attr::HALF_LIFE_DAYS,
    attr::journeys::LOOKBACK_DAYS,
    attr::journeys::PURCHASES,
];
const POSITION_BASED_PARAMS: &[ParameterDef] = &[
    attr::POSITION_WEIGHTS,
    attr::journeys::LOOKBACK_DAYS,
    attr::journeys::PURCHASES,
];
const MARKOV_PARAMS: &[ParameterDef] = &[
    attr::ORDER,
    attr::COLLAPSE_REPEATS,
    attr::journeys::LOOKBACK_DAYS,
    attr::journeys::PURCHASES,
];

/// The entry of an attribution model: touchpoints and transactions in, the share of the
/// conversions credited to the model's top channel out.
const fn attribution_entry(
    d: &'static Definition,
    call: &'static str,
    params: &'static [ParameterDef],
) -> Entry {
    Entry {
        metric: d.id,
        definition: d,
        call,
        inputs: TOUCH_TX,
        headline: "the share of the conversions credited to the channel the model credits most (max of share; every channel's credit in detail)",
        unit: "share (0–1)",
        params,
    }
}

const fn kpi_entry(d: &'static Definition, key: &'static str) -> Entry {
    Entry {
        metric: d.id,
        definition: d,
        call: key,
        inputs: TX,
        headline: "the KPI over the observation window",
        unit: d.unit,
        params: SUMMARY_PARAMS,
    }
}

const fn series_entry(d: &'static Definition, call: &'static str) -> Entry {
    Entry {
        metric: d.id,
        definition: d,
        call,
        inputs: TX,
        headline: "the value of the last bucket of the series",
        unit: d.unit,
        params: crate::kpi_series::PARAMS,
    }
}

/// Parameter `series` of the anomaly entries: the KPI series the flags are computed on.
pub const ANOMALY_SERIES: ParameterDef = ParameterDef::new(
    "series",
    "\"revenue.net\"",
    "The KPI series (a kpiSeries metric) whose points are flagged; for customers.repeat_share the counts out of the active customers are tested as a rate.",
)
.text("revenue.net")
.one_of(crate::kpi_series::SERIES_METRICS);

/// The spec parameters of `anomaly.stl`: the series, its buckets, and STL's settings.
const ANOMALY_STL_PARAMS: &[ParameterDef] = &[
    ANOMALY_SERIES,
    crate::kpi_series::BUCKET,
    crate::kpi_series::START,
    crate::kpi_series::END,
    crate::data::dates::TIMEZONE,
    crate::data::dates::WEEK_START,
    crate::anomaly::SEASONALITY,
    crate::anomaly::SEASONAL_WINDOW,
    crate::anomaly::TREND_WINDOW,
    crate::anomaly::LOW_PASS_WINDOW,
    crate::anomaly::SEASONAL_DEGREE,
    crate::anomaly::TREND_DEGREE,
    crate::anomaly::LOW_PASS_DEGREE,
    crate::anomaly::SEASONAL_JUMP,
    crate::anomaly::TREND_JUMP,
    crate::anomaly::LOW_PASS_JUMP,
    crate::anomaly::ROBUST,
    crate::anomaly::INNER_ITERATIONS,
    crate::anomaly::OUTER_ITERATIONS,
];

/// The spec parameters of `anomaly.detect`: `anomaly.stl`'s and the robust score's.
const ANOMALY_DETECT_PARAMS: &[ParameterDef] = &[
    ANOMALY_SERIES,
    crate::kpi_series::BUCKET,
    crate::kpi_series::START,
    crate::kpi_series::END,
    crate::data::dates::TIMEZONE,
    crate::data::dates::WEEK_START,
    crate::anomaly::SEASONALITY,
    crate::anomaly::DIRECTION,
    crate::anomaly::SENSITIVITY,
    crate::anomaly::ALPHA,
    crate::anomaly::MIN_DENOMINATOR,
    crate::anomaly::SEASONAL_WINDOW,
    crate::anomaly::TREND_WINDOW,
    crate::anomaly::LOW_PASS_WINDOW,
    crate::anomaly::SEASONAL_DEGREE,
    crate::anomaly::TREND_DEGREE,
    crate::anomaly::LOW_PASS_DEGREE,
    crate::anomaly::SEASONAL_JUMP,
    crate::anomaly::TREND_JUMP,
    crate::anomaly::LOW_PASS_JUMP,
    crate::anomaly::ROBUST,
    crate::anomaly::INNER_ITERATIONS,
    crate::anomaly::OUTER_ITERATIONS,
];

/// The spec parameters of `anomaly.esd`: `anomaly.stl`'s and the ESD test's.
const ANOMALY_ESD_PARAMS: &[ParameterDef] = &[
    ANOMALY_SERIES,
    crate::kpi_series::BUCKET,
    crate::kpi_series::START,
    crate::kpi_series::END,
    crate::data::dates::TIMEZONE,
    crate::data::dates::WEEK_START,
    crate::anomaly::SEASONALITY,
    crate::anomaly::DIRECTION,
    crate::anomaly::ALPHA,
    crate::anomaly::MAX_ANOMALIES,
    crate::anomaly::MIN_DENOMINATOR,
    crate::anomaly::SEASONAL_WINDOW,
    crate::anomaly::TREND_WINDOW,
    crate::anomaly::LOW_PASS_WINDOW,
    crate::anomaly::SEASONAL_DEGREE,
    crate::anomaly::TREND_DEGREE,
    crate::anomaly::LOW_PASS_DEGREE,
    crate::anomaly::SEASONAL_JUMP,
    crate::anomaly::TREND_JUMP,
    crate::anomaly::LOW_PASS_JUMP,
    crate::anomaly::ROBUST,
    crate::anomaly::INNER_ITERATIONS,
    crate::anomaly::OUTER_ITERATIONS,
];

const ENTRIES: &[Entry] = &[
    Entry {
        metric: "customer.summary",
        definition: &summary::DEFINITION,
        call: "tx.summary(options)",
        inputs: TX,
        headline: "number of customers in the summary",
        unit: "customers",
        params: SUMMARY_PARAMS,
    },
    kpi_entry(&kpi::CUSTOMERS, "tx.kpis(options).customers"),
    kpi_entry(&kpi::ORDERS, "tx.kpis(options).orders"),
    kpi_entry(&kpi::REVENUE, "tx.kpis(options).revenue"),
    kpi_entry(&kpi::AOV, "tx.kpis(options).averageOrderValue"),
    kpi_entry(&kpi::REPEAT_RATE, "tx.kpis(options).repeatPurchaseRate"),
    kpi_entry(&kpi::PURCHASE_FREQUENCY, "tx.kpis(options).purchaseFrequency"),
    kpi_entry(&kpi::REVENUE_PER_CUSTOMER, "tx.kpis(options).revenuePerCustomer"),
    series_entry(
        &crate::kpi_series::ACTIVE,
        "kpiSeries(tx, { ...options, metrics: [\"customers.active\"] }).series[\"customers.active\"]",
    ),
    series_entry(
        &crate::kpi_series::NEW,
        "kpiSeries(tx, { ...options, metrics: [\"customers.new\"] }).series[\"customers.new\"]",
    ),
    series_entry(
        &crate::kpi_series::REPEAT_SHARE,
        "kpiSeries(tx, { ...options, metrics: [\"customers.repeat_share\"] }).series[\"customers.repeat_share\"]",
    ),
    Entry {
        metric: "traffic.conversion_rate",
        definition: &crate::kpi_series::CONVERSION_RATE,
        call: "kpiSeries(tx, { ...options, traffic, metrics: [\"traffic.conversion_rate\"] }).series[\"traffic.conversion_rate\"]",
        inputs: TX_TRAFFIC,
        headline: "the value of the last bucket of the series",
        unit: "orders per visit",
        params: crate::kpi_series::PARAMS,
    },
    Entry {
        metric: "anomaly.stl",
        definition: &crate::anomaly::STL,
        call: "detectAnomalies(kpiSeries(tx, { bucket, start, end, metrics: [series] }).series[series], options).decomposition",
        inputs: TX,
        headline: "the trend of the last bucket",
        unit: "units of the series",
        params: ANOMALY_STL_PARAMS,
    },
    Entry {
        metric: "anomaly.detect",
        definition: &crate::anomaly::DETECT,
        call: "detectAnomalies(kpiSeries(tx, { bucket, start, end, metrics: [series] }).series[series], options)",
        inputs: TX,
        headline: "the number of flagged buckets",
        unit: "buckets",
        params: ANOMALY_DETECT_PARAMS,
    },
    Entry {
        metric: "anomaly.esd",
        definition: &crate::anomaly::ESD,
        call: "detectAnomalies(kpiSeries(tx, { bucket, start, end, metrics: [series] }).series[series], { ...options, method: \"esd\" })",
        inputs: TX,
        headline: "the number of flagged buckets",
        unit: "buckets",
        params: ANOMALY_ESD_PARAMS,
    },
    Entry {
        metric: "cac.blended",
        definition: &cac::BLENDED,
        call: "cac(spend, tx, options)",
        inputs: TX_SPEND,
        headline: "the blended CAC of the latest complete period",
        unit: "currency per new customer",
        params: CAC_PARAMS,
    },
    Entry {
        metric: "cac.paid",
        definition: &cac::PAID,
        call: "cac(spend, tx, options)",
        inputs: TX_SPEND,
        headline: "the paid CAC of the latest complete period",
        unit: "currency per new customer",
        params: CAC_PARAMS,
    },
    Entry {
        metric: "cac.channel",
        definition: &cac::CHANNEL,
        call: "cac(spend, tx, options)",
        inputs: TX_SPEND,
        headline: "none (one value per channel and period: see detail)",
        unit: "currency per new customer",
        params: CAC_PARAMS,
    },
    Entry {
        metric: "cac.attributed",
        definition: &cac::ATTRIBUTED,
        call: "cac(spend, tx, { ...options, attribution: attribution(Journeys.fromTransactions(touchpoints, tx, { lookbackDays }), { models: [model], credits: true }), model })",
        inputs: TOUCH_TX_SPEND,
        headline: "none (one value per channel and period: see detail)",
        unit: "currency per new customer",
        params: CAC_ATTRIBUTED_PARAMS,
    },
    Entry {
        metric: "cac.payback",
        definition: &cac::PAYBACK,
        call: "cacPayback(spend, tx, options)",
        inputs: TX_SPEND,
        headline: "none (one curve per cohort: see detail.cohorts)",
        unit: "months",
        params: PAYBACK_PARAMS,
    },
    Entry {
        metric: "cac.payback_simple",
        definition: &cac::PAYBACK_SIMPLE,
        call: "cacPayback(spend, tx, options).simple",
        inputs: TX_SPEND,
        headline: "the all-channel textbook payback",
        unit: "months",
        params: PAYBACK_PARAMS,
    },
    Entry {
        metric: "cac.ltv_ratio",
        definition: &cac::LTV_RATIO,
        call: "ltvToCac(spend, tx, { ...options, ltv: \"historical\" })",
        inputs: TX_SPEND,
        headline: "the all-channel ratio over the whole window",
        unit: "ratio",
        params: PAYBACK_PARAMS,
    },
    Entry {
        metric: "churn.rate",
        definition: &churn::RATE,
        call: "churnFeatures(tx, { cutoff, horizonDays }).churnRate",
        inputs: TX,
        headline: "the churn rate",
        unit: "fraction (0–1)",
        params: CHURN_PARAMS,
    },
    Entry {
        metric: "churn.noncontractual",
        definition: &churn::LABEL,
        call: "churnFeatures(tx, { cutoff, horizonDays }).labels",
        inputs: TX,
        headline: "number of customers labelled churned",
        unit: "customers",
        params: CHURN_PARAMS,
    },
    Entry {
        metric: "churn.features",
        definition: &churn::FEATURES,
        call: "churnFeatures(tx, { cutoff, horizonDays })",
        inputs: TX,
        headline: "number of customers active at the cutoff",
        unit: "customers",
        params: CHURN_PARAMS,
    },
    Entry {
        metric: "segment.rfm",
        definition: &crate::segment::rfm::DEFINITION,
        call: "rfmScores(tx.summary(summaryOptions), { monetary })",
        inputs: TX,
        headline: "none (a score and a segment per customer: see detail)",
        unit: "scores 1–5; segment name",
        params: RFM_PARAMS,
    },
    Entry {
        metric: "ltv.historical",
        definition: &historical::DEFINITION,
        call: "historicalLtv(tx, options)",
        inputs: TX,
        headline: "mean historical LTV per customer",
        unit: "currency per customer",
        params: HISTORICAL_PARAMS,
    },
    Entry {
        metric: "ltv.simple",
        definition: &simple::DEFINITION,
        call: "simpleLtv(options)",
        inputs: &[],
        headline: "the simple LTV",
        unit: "currency per customer",
        params: SIMPLE_PARAMS,
    },
    Entry {
        metric: "ltv.bgnbd",
        definition: &bgnbd::DEFINITION,
        call: "fitBgNbd(tx.summary(summaryOptions), fitOptions)",
        inputs: TX,
        headline: "mean P(alive) over customers",
        unit: "probability (0–1)",
        params: BGNBD_PARAMS,
    },
    Entry {
        metric: "ltv.pareto_nbd",
        definition: &pareto_nbd::DEFINITION,
        call: "fitParetoNbd(tx.summary(summaryOptions), fitOptions)",
        inputs: TX,
        headline: "mean P(alive) over customers",
        unit: "probability (0–1)",
        params: PARETO_PARAMS,
    },
    Entry {
        metric: "ltv.gamma_gamma",
        definition: &gamma_gamma::DEFINITION,
        call: "fitGammaGamma(tx.summary(summaryOptions), fitOptions)",
        inputs: TX,
        headline: "mean expected spend per transaction over customers",
        unit: "currency per transaction",
        params: GG_PARAMS,
    },
    Entry {
        metric: "ltv.clv",
        definition: &clv::DEFINITION,
        call: "clv(fitBgNbd(s, fitOptions) or fitParetoNbd(s, fitOptions), fitGammaGamma(s, fitOptions), s, clvOptions) with s = tx.summary(summaryOptions)",
        inputs: TX,
        headline: "total CLV over customers",
        unit: "currency",
        params: CLV_PARAMS,
    },
    Entry {
        metric: "cohort.matrix",
        definition: &crate::cohort::DEFINITION,
        call: "cohorts(tx, options)",
        inputs: TX,
        headline: "none (a cohorts × ages matrix: see detail)",
        unit: "per measure: customers, share (0–1), orders or currency",
        params: crate::cohort::DEFINITION.parameters,
    },
    Entry {
        metric: "ltv.bgbb",
        definition: &crate::ltv::bgbb::DEFINITION,
        call: "fitBgBb({ frequency, recency, opportunities: T } of tx.summary(summaryOptions), fitOptions)",
        inputs: TX,
        headline: "mean P(alive) over customers",
        unit: "probability (0–1)",
        params: BGBB_PARAMS,
    },
    Entry {
        metric: "retention.sbg",
        definition: &crate::ltv::retention::SBG,
        call: "fitShiftedBetaGeometric({ survivors }, fitOptions).derl(discountRate, renewals)",
        inputs: &[],
        headline: "DERL of a customer with `renewals` renewals (discounted periods)",
        unit: "discounted periods",
        params: RETENTION_PARAMS,
    },
    Entry {
        metric: "retention.bdw",
        definition: &crate::ltv::retention::BDW,
        call: "fitShiftedBetaGeometric({ survivors }, { ...fitOptions, model: \"bdw\" }).derl(discountRate, renewals)",
        inputs: &[],
        headline: "DERL of a customer with `renewals` renewals (discounted periods)",
        unit: "discounted periods",
        params: RETENTION_PARAMS,
    },
    Entry {
        metric: "churn.propensity",
        definition: &churn::PROPENSITY,
        call: "fitChurn(churnFeatures(tx, { cutoff: trainCutoff, horizonDays }), labels, fitOptions).predict(churnFeatures(tx, { cutoff: scoreCutoff, horizonDays }))",
        inputs: TX,
        headline: "mean churn probability over the customers scored",
        unit: "probability (0–1)",
        params: PROPENSITY_PARAMS,
    },
    Entry {
        metric: "churn.evaluation",
        definition: &churn::EVALUATION,
        call: "evaluateChurn(tx, { trainCutoff, testCutoff, horizonDays, ...fitOptions, alive })",
        inputs: TX,
        headline: "the model's AUC at the test cutoff (model.auc)",
        unit: "AUC (0–1)",
        params: EVALUATION_PARAMS,
    },
    Entry {
        metric: "churn.alive",
        definition: &churn::alive::DEFINITION,
        call: "1 − P(alive) of fitBgNbd on churnFeatures(tx, { cutoff: scoreCutoff }) (days), scored on the same customers",
        inputs: TX,
        headline: "mean churn score (1 − P(alive)) over the customers scored",
        unit: "probability (0–1)",
        params: ALIVE_PARAMS,
    },
    Entry {
        metric: "segment.kmeans",
        definition: &crate::segment::DEFINITION,
        call: "segmentCustomers(tx.summary(summaryOptions), segmentOptions)",
        inputs: TX,
        headline: "none (a segment per customer: see detail)",
        unit: "cluster label (0 … k−1)",
        params: KMEANS_PARAMS,
    },
    Entry {
        metric: "segment.choose_k",
        definition: &choose::DEFINITION,
        call: "chooseKCustomers(tx.summary(summaryOptions), options)",
        inputs: TX,
        headline: "the recommended k",
        unit: "clusters",
        params: CHOOSE_K_PARAMS,
    },
    Entry {
        metric: "ltv.holdout",
        definition: &holdout::DEFINITION,
        call: "calibrationHoldout(tx, options)",
        inputs: TX,
        headline: "mean absolute error of predicted holdout purchases per customer (mae)",
        unit: "purchases per customer",
        params: holdout::DEFINITION.parameters,
    },
    Entry {
        metric: "experiment.conversion",
        definition: &exp::on_transactions::CONVERSION,
        call: "experimentOnTransactions(assignments, tx, { ...options, metric: \"experiment.conversion\" })",
        inputs: ASSIGN_TX,
        headline: "the first non-baseline arm's estimated effect (comparisons[0].estimate)",
        unit: "relative lift (fraction) or metric units (per difference)",
        params: EXPERIMENT_METRIC_PARAMS,
    },
    Entry {
        metric: "experiment.orders_per_unit",
        definition: &exp::on_transactions::ORDERS_PER_UNIT,
        call: "experimentOnTransactions(assignments, tx, { ...options, metric: \"experiment.orders_per_unit\" })",
        inputs: ASSIGN_TX,
        headline: "the first non-baseline arm's estimated effect (comparisons[0].estimate)",
        unit: "relative lift (fraction) or metric units (per difference)",
        params: EXPERIMENT_METRIC_PARAMS,
    },
    Entry {
        metric: "experiment.revenue_per_unit",
        definition: &exp::on_transactions::REVENUE_PER_UNIT,
        call: "experimentOnTransactions(assignments, tx, { ...options, metric: \"experiment.revenue_per_unit\" })",
        inputs: ASSIGN_TX,
        headline: "the first non-baseline arm's estimated effect (comparisons[0].estimate)",
        unit: "relative lift (fraction) or metric units (per difference)",
        params: EXPERIMENT_METRIC_PARAMS,
    },
    Entry {
        metric: "experiment.aov",
        definition: &exp::on_transactions::AOV,
        call: "experimentOnTransactions(assignments, tx, { ...options, metric: \"experiment.aov\" })",
        inputs: ASSIGN_TX,
        headline: "the first non-baseline arm's estimated effect (comparisons[0].estimate)",
        unit: "relative lift (fraction) or metric units (per difference)",
        params: EXPERIMENT_METRIC_PARAMS,
    },
    Entry {
        metric: "experiment.frequentist",
        definition: &exp::FREQUENTIST,
        call: "experimentOnTransactions(assignments, tx, { ...options, method: \"frequentist\", sequential: false })",
        inputs: ASSIGN_TX,
        headline: "the first non-baseline arm's p-value (comparisons[0].pValue)",
        unit: "p-value (0–1)",
        params: FREQUENTIST_PARAMS,
    },
    Entry {
        metric: "experiment.sequential",
        definition: &exp::SEQUENTIAL_DEF,
        call: "experimentOnTransactions(assignments, tx, { ...options, method: \"frequentist\", sequential: true })",
        inputs: ASSIGN_TX,
        headline: "the first non-baseline arm's always-valid p-value (comparisons[0].pValue)",
        unit: "p-value (0–1)",
        params: SEQUENTIAL_PARAMS,
    },
    Entry {
        metric: "experiment.bayesian",
        definition: &exp::BAYESIAN,
        call: "experimentOnTransactions(assignments, tx, { ...options, method: \"bayesian\" })",
        inputs: ASSIGN_TX,
        headline: "the first non-baseline arm's chance to beat the baseline (comparisons[0].chanceToWin)",
        unit: "probability (0–1)",
        params: BAYESIAN_PARAMS,
    },
    Entry {
        metric: "experiment.srm",
        definition: &exp::SRM,
        call: "srmCheck(units per arm of the assignments, weights)",
        inputs: ASSIGN,
        headline: "the p-value of the split",
        unit: "p-value (0–1)",
        params: exp::SRM.parameters,
    },
    Entry {
        metric: "experiment.plan",
        definition: &exp::plan::DEFINITION,
        call: "planExperiment(options)",
        inputs: &[],
        headline: "units needed per arm (unitsPerArm)",
        unit: "units per arm",
        params: exp::plan::DEFINITION.parameters,
    },
    Entry {
        metric: "experiment.report",
        definition: &exp::REPORT,
        call: "experimentReport(metrics.map((metric) => experimentOnTransactions(assignments, tx, { metric, windowDays, alpha })), { correction, alpha })",
        inputs: ASSIGN_TX,
        headline: "comparisons significant after the correction",
        unit: "comparisons",
        params: REPORT_PARAMS,
    },
    attribution_entry(
        &attr::FIRST_TOUCH,
        "attribution(Journeys.fromTransactions(touchpoints, tx, { lookbackDays, purchases }), { models: [\"firstTouch\"] })",
        ATTRIBUTION_PLAIN_PARAMS,
    ),
    attribution_entry(
        &attr::LAST_TOUCH,
        "attribution(Journeys.fromTransactions(touchpoints, tx, { lookbackDays, purchases }), { models: [\"lastTouch\"] })",
        ATTRIBUTION_PLAIN_PARAMS,
    ),
    attribution_entry(
        &attr::LAST_NON_DIRECT,
        "attribution(Journeys.fromTransactions(touchpoints, tx, { lookbackDays, purchases }), { models: [\"lastNonDirect\"], directChannel })",
        LAST_NON_DIRECT_PARAMS,
    ),
    attribution_entry(
        &attr::LINEAR,
        "attribution(Journeys.fromTransactions(touchpoints, tx, { lookbackDays, purchases }), { models: [\"linear\"] })",
        ATTRIBUTION_PLAIN_PARAMS,
    ),
    attribution_entry(
        &attr::TIME_DECAY,
        "attribution(Journeys.fromTransactions(touchpoints, tx, { lookbackDays, purchases }), { models: [\"timeDecay\"], halfLifeDays })",
        TIME_DECAY_PARAMS,
    ),
    attribution_entry(
        &attr::POSITION_BASED,
        "attribution(Journeys.fromTransactions(touchpoints, tx, { lookbackDays, purchases }), { models: [\"positionBased\"], positionWeights })",
        POSITION_BASED_PARAMS,
    ),
    attribution_entry(
        &attr::MARKOV,
        "attribution(Journeys.fromTransactions(touchpoints, tx, { lookbackDays, purchases }), { models: [\"markov\"], order, collapseRepeats })",
        MARKOV_PARAMS,
    ),
    attribution_entry(
        &attr::SHAPLEY,
        "attribution(Journeys.fromTransactions(touchpoints, tx, { lookbackDays, purchases }), { models: [\"shapley\"] })",
        ATTRIBUTION_PLAIN_PARAMS,
    ),
];

/// Every metric a spec can name, in catalog order.
pub fn all() -> &'static [Entry] {
    ENTRIES
}

/// The entry of metric id `id`.
pub fn get(id: &str) -> Option<&'static Entry> {
    ENTRIES.iter().find(|e| e.metric == id)
}

/// Every parameter name some metric of the catalog has (the keys `shared` may hold).
pub fn shared_names() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = ENTRIES
        .iter()
        .flat_map(|e| e.params.iter().map(|p| p.name))
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// What a churn metric's headline counts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum ChurnHeadline {
    Rate,
    Churned,
    Customers,
}

/// A metric's direct call with its options built.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Call {
    Summary(SummaryOptions),
    Kpi(&'static str, SummaryOptions),
    Cac(Variant, CacOptions),
    Payback(PaybackOptions, bool),
    LtvCac(LtvCacOptions),
    Churn {
        headline: ChurnHeadline,
        horizon_days: u32,
        cutoff: Option<When>,
        end: ObservationEnd,
        timezone: Option<crate::data::Zone>,
    },
    Historical(HistoricalOptions),
    Rfm(SummaryOptions, Option<crate::segment::rfm::Monetary>),
    Simple(SimpleLtvOptions),
    BgNbd(SummaryOptions, BgNbdOptions),
    ParetoNbd(SummaryOptions, BgNbdOptions),
    GammaGamma(SummaryOptions, GammaGammaOptions),
    Clv(
        SummaryOptions,
        BgNbdOptions,
        GammaGammaOptions,
        ClvOptions,
        bool,
    ),
    Propensity {
        horizon_days: u32,
        train: Option<When>,
        score: Option<When>,
        end: ObservationEnd,
        timezone: Option<crate::data::Zone>,
        fit: FitOptions,
    },
    Evaluation {
        split: Box<SplitOptions>,
        train: Option<When>,
        test: Option<When>,
        end: ObservationEnd,
    },
    Alive {
        score: Option<When>,
        end: ObservationEnd,
        timezone: Option<crate::data::Zone>,
        fit: BgNbdOptions,
    },
    KMeans(SummaryOptions, Box<SegmentOptions>),
    ChooseK(SummaryOptions, Box<ChooseKOptions>),
    Holdout(Box<HoldoutOptions>),
    Experiment(Box<ExperimentOnTransactionsOptions>, ExperimentHeadline),
    BgBb(SummaryOptions, crate::ltv::bgbb::BgBbOptions),
    Cohorts(Box<crate::cohort::CohortOptions>),
    KpiSeries(&'static str, Box<crate::kpi_series::KpiSeriesOptions>),
    Anomaly {
        /// `anomaly.stl`, `.detect` or `.esd`.
        id: &'static str,
        /// The KPI series' metric and buckets.
        series: Box<crate::kpi_series::KpiSeriesOptions>,
        options: Box<crate::anomaly::AnomalyOptions>,
    },
    Retention {
        survivors: crate::ltv::retention::Survivors,
        options: crate::ltv::retention::RetentionOptions,
        discount_rate: f64,
        renewals: f64,
    },
    Srm(Option<Vec<f64>>),
    Plan(PlanOptions),
    Report(
        Vec<TransactionMetric>,
        Box<ExperimentOnTransactionsOptions>,
        ExperimentReportOptions,
    ),
    Attribution(
        attr::Model,
        Box<AttributionOptions>,
        JourneysFromTransactionsOptions,
    ),
    CacAttributed(CacOptions, attr::Model, JourneysFromTransactionsOptions),
}

/// What an experiment metric's headline reads from the first comparison.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum ExperimentHeadline {
    Estimate,
    PValue,
    ChanceToWin,
}

/// A metric's parameters in effect, where each came from, and the metric's own spec path.
#[derive(Clone, Copy)]
pub(crate) struct Params<'a> {
    pub(crate) values: &'a BTreeMap<String, Value>,
    pub(crate) sources: &'a BTreeMap<String, String>,
    /// `metrics.<name>`.
    pub(crate) metric: &'a str,
    /// The entry's parameter definitions.
    pub(crate) defs: &'static [ParameterDef],
}

impl Params<'_> {
    fn get(&self, key: &str) -> Option<&Value> {
        self.values.get(key)
    }

    /// The spec path parameter `key` came from (the metric's `params.<key>` for a default).
    fn path_of(&self, key: &str) -> String {
        match self.sources.get(key) {
            Some(s) if s != "default" => s.clone(),
            _ => format!("{}.params.{key}", self.metric),
        }
    }
}

/// Deserialises the parameters named in `keys` into options `T`; an error is placed at the
/// path the offending parameter came from.
fn options<T: serde::de::DeserializeOwned>(p: Params<'_>, keys: &[&str]) -> Result<T> {
    let mut m = Map::new();
    for k in keys {
        if let Some(v) = p.get(k) {
            // A rule's name (e.g. "equal", "firstArm") stands for the call's own default.
            let rule = p.defs.iter().find(|d| d.name == *k).and_then(|d| d.rule);
            if rule.is_some() && v.as_str() == rule {
                continue;
            }
            m.insert((*k).to_string(), whole(v));
        }
    }
    let path_of = |key: &str| p.path_of(key);
    let de = Value::Object(m);
    serde_path_to_error::deserialize::<_, T>(de).map_err(|e| {
        let key = e
            .path()
            .iter()
            .next()
            .map(|s| s.to_string())
            .unwrap_or_default();
        let message = e.into_inner().to_string();
        Error::BadOption {
            option: key.clone(),
            message,
        }
        .at_spec_path(path_of(&key))
    })
}

/// `v` with whole numbers as integers (options hold counts as integer types).
fn whole(v: &Value) -> Value {
    match v.as_f64() {
        Some(x) if x.fract() == 0.0 && x.abs() < 9e15 => {
            if x >= 0.0 {
                Value::from(x as u64)
            } else {
                Value::from(x as i64)
            }
        }
        _ => v.clone(),
    }
}

/// Runs `check` and places its error at the parameter it names.
fn placed<T>(r: Result<T>, p: Params<'_>) -> Result<T> {
    r.map_err(|e| {
        let key = e.column().map_or("", |c| c.split('.').next().unwrap_or(c));
        let path = p.path_of(key);
        e.at_spec_path(path)
    })
}

const SUMMARY_KEYS: &[&str] = &["period", "observationEnd", "timezone", "weekStart"];
const CHURN_FIT_KEYS: &[&str] = &[
    "alpha",
    "maxIterations",
    "gradientTolerance",
    "classWeights",
];
const SEGMENT_KEYS: &[&str] = &[
    "k",
    "nInit",
    "maxIterations",
    "tolerance",
    "seed",
    "algorithm",
    "scaling",
];
const EXPERIMENT_KEYS: &[&str] = &[
    "windowDays",
    "alpha",
    "difference",
    "sequentialTuning",
    "prior",
    "correction",
    "baseline",
    "expectedWeights",
    "unitsPerDay",
];

/// The contract period of a summary period.
fn contract_period(p: crate::data::Period) -> crate::ltv::retention::ContractPeriod {
    use crate::data::Period as P;
    use crate::ltv::retention::ContractPeriod as C;
    match p {
        P::Day => C::Day,
        P::Week => C::Week,
        P::Month => C::Month,
        P::Quarter => C::Quarter,
    }
}

/// `horizonDays` in effect (whole and in range: checked at parse).
fn horizon_of(params: Params<'_>) -> u32 {
    params
        .get("horizonDays")
        .and_then(Value::as_f64)
        .unwrap_or(const { churn::HORIZON_DAYS.default_number() }) as u32
}

/// A cutoff parameter: `None` for its rule (resolved against the data when evaluated).
fn cutoff_of(params: Params<'_>, key: &str) -> Result<Option<When>> {
    let rule = params
        .defs
        .iter()
        .find(|d| d.name == key)
        .and_then(|d| d.rule);
    match params.get(key) {
        None => Ok(None),
        Some(Value::String(s)) if Some(s.as_str()) == rule => Ok(None),
        Some(v) => {
            let mut m = Map::new();
            m.insert("cutoff".into(), whole(v));
            serde_json::from_value::<FeatureOptions>(Value::Object(m))
                .map(|o| Some(o.cutoff))
                .map_err(|e| {
                    Error::BadOption {
                        option: key.into(),
                        message: e.to_string(),
                    }
                    .at_spec_path(params.path_of(key))
                })
        }
    }
}
const FIT_KEYS: &[&str] = &["starts", "maxIterations", "tolerance"];

/// Builds the direct call of `entry` from the parameters in effect.
pub(crate) fn prepare(entry: &Entry, params: Params<'_>) -> Result<Call> {
    let summary_opts = || options::<SummaryOptions>(params, SUMMARY_KEYS);
    let call = match entry.metric {
        "customer.summary" => Call::Summary(summary_opts()?),
        "customers.count" => Call::Kpi("customers", summary_opts()?),
        "orders.count" => Call::Kpi("orders", summary_opts()?),
        "revenue.net" => Call::Kpi("revenue", summary_opts()?),
        "orders.aov" => Call::Kpi("averageOrderValue", summary_opts()?),
        "customers.repeat_rate" => Call::Kpi("repeatPurchaseRate", summary_opts()?),
        "customers.purchase_frequency" => Call::Kpi("purchaseFrequency", summary_opts()?),
        "revenue.per_customer" => Call::Kpi("revenuePerCustomer", summary_opts()?),
        "cac.blended" | "cac.paid" | "cac.channel" => {
            let o: CacOptions = options(
                params,
                &["period", "attributionLag", "timezone", "weekStart"],
            )?;
            placed(o.check(), params)?;
            let v = match entry.metric {
                "cac.blended" => Variant::Blended,
                "cac.paid" => Variant::Paid,
                _ => Variant::Channel,
            };
            Call::Cac(v, o)
        }
        "cac.payback" | "cac.payback_simple" => Call::Payback(
            options(params, &["margin", "attributionLag", "timezone"])?,
            entry.metric == "cac.payback_simple",
        ),
        "cac.ltv_ratio" => {
            Call::LtvCac(options(params, &["margin", "attributionLag", "timezone"])?)
        }
        "churn.rate" | "churn.noncontractual" | "churn.features" => {
            let end: SummaryOptions = options(params, &["observationEnd", "timezone"])?;
            Call::Churn {
                headline: match entry.metric {
                    "churn.noncontractual" => ChurnHeadline::Churned,
                    "churn.features" => ChurnHeadline::Customers,
                    _ => ChurnHeadline::Rate,
                },
                horizon_days: horizon_of(params),
                cutoff: cutoff_of(params, "cutoff")?,
                end: end.observation_end,
                timezone: end.timezone,
            }
        }
        "segment.rfm" => {
            let o: crate::segment::rfm::RfmOptions = options(params, &["monetary"])?;
            Call::Rfm(summary_opts()?, o.monetary)
        }
        "ltv.historical" => {
            Call::Historical(options(params, &["margin", "observationEnd", "timezone"])?)
        }
        "ltv.simple" => {
            let o: SimpleLtvOptions = options(params, &["arpu", "churnRate", "margin", "period"])?;
            Call::Simple(o)
        }
        "ltv.bgnbd" | "ltv.pareto_nbd" => {
            let fit: BgNbdOptions = options(params, FIT_KEYS)?;
            if entry.metric == "ltv.bgnbd" {
                Call::BgNbd(summary_opts()?, fit)
            } else {
                Call::ParetoNbd(summary_opts()?, fit)
            }
        }
        "ltv.gamma_gamma" => {
            let fit: GammaGammaOptions = options(params, FIT_KEYS)?;
            Call::GammaGamma(summary_opts()?, fit)
        }
        "ltv.clv" => {
            let bg: BgNbdOptions = options(params, FIT_KEYS)?;
            let gg: GammaGammaOptions = options(params, FIT_KEYS)?;
            let c: ClvOptions = options(
                params,
                &[
                    "horizonMonths",
                    "discountConvention",
                    "discountRate",
                    "continuousRate",
                    "margin",
                    "weeksPerMonth",
                    "daysPerMonth",
                ],
            )?;
            let pareto =
                params.get("purchaseModel").and_then(Value::as_str) == Some("ltv.pareto_nbd");
            Call::Clv(summary_opts()?, bg, gg, c, pareto)
        }
        "churn.propensity" => {
            let end: SummaryOptions = options(params, &["observationEnd", "timezone"])?;
            Call::Propensity {
                horizon_days: horizon_of(params),
                train: cutoff_of(params, "trainCutoff")?,
                score: cutoff_of(params, "scoreCutoff")?,
                end: end.observation_end,
                timezone: end.timezone,
                fit: options(params, CHURN_FIT_KEYS)?,
            }
        }
        "churn.evaluation" => {
            let end: SummaryOptions = options(params, &["observationEnd", "timezone"])?;
            let fit: FitOptions = options(params, CHURN_FIT_KEYS)?;
            let mut split = SplitOptions::new(0, 0);
            split.timezone = end.timezone;
            split.horizon_days = horizon_of(params);
            split.alpha = fit.alpha;
            split.max_iterations = fit.max_iterations;
            split.gradient_tolerance = fit.gradient_tolerance;
            split.class_weights = fit.class_weights;
            split.alive = params
                .get("alive")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            placed(fit.validate(), params)?;
            Call::Evaluation {
                split: Box::new(split),
                train: cutoff_of(params, "trainCutoff")?,
                test: cutoff_of(params, "testCutoff")?,
                end: end.observation_end,
            }
        }
        "churn.alive" => {
            let end: SummaryOptions = options(params, &["observationEnd", "timezone"])?;
            Call::Alive {
                score: cutoff_of(params, "scoreCutoff")?,
                end: end.observation_end,
                timezone: end.timezone,
                fit: options(params, FIT_KEYS)?,
            }
        }
        "segment.kmeans" => Call::KMeans(summary_opts()?, Box::new(options(params, SEGMENT_KEYS)?)),
        "segment.choose_k" => {
            let keys = [SEGMENT_KEYS, &["kMin", "kMax", "sampleSize"]].concat();
            Call::ChooseK(summary_opts()?, Box::new(options(params, &keys)?))
        }
        "ltv.holdout" => Call::Holdout(Box::new(options(
            params,
            &[
                "calibrationEnd",
                "observationEnd",
                "period",
                "frequencyBuckets",
                "timezone",
                "weekStart",
            ],
        )?)),
        "experiment.conversion"
        | "experiment.orders_per_unit"
        | "experiment.revenue_per_unit"
        | "experiment.aov"
        | "experiment.frequentist"
        | "experiment.sequential"
        | "experiment.bayesian" => {
            let mut keys = EXPERIMENT_KEYS.to_vec();
            let mut headline = ExperimentHeadline::Estimate;
            match entry.metric {
                "experiment.frequentist" | "experiment.sequential" => {
                    headline = ExperimentHeadline::PValue;
                    keys.retain(|k| *k != "prior");
                    keys.push("metric");
                }
                "experiment.bayesian" => {
                    headline = ExperimentHeadline::ChanceToWin;
                    keys.retain(|k| *k != "correction" && *k != "sequentialTuning");
                    keys.push("metric");
                }
                _ => keys.extend(["method", "sequential"]),
            }
            let mut o: ExperimentOnTransactionsOptions = options(params, &keys)?;
            match entry.metric {
                "experiment.frequentist" => {
                    (o.method, o.sequential) = (ExperimentMethod::Frequentist, false);
                }
                "experiment.sequential" => {
                    (o.method, o.sequential) = (ExperimentMethod::Frequentist, true);
                }
                "experiment.bayesian" => o.method = ExperimentMethod::Bayesian,
                id => {
                    o.metric = Some(serde_json::from_value(Value::String(id.into())).map_err(
                        |e| Error::BadOption {
                            option: "metric".into(),
                            message: e.to_string(),
                        },
                    )?);
                }
            }
            if o.metric.is_none() {
                o.metric = Some(TransactionMetric::Conversion);
            }
            Call::Experiment(Box::new(o), headline)
        }
        "customers.active"
        | "customers.new"
        | "customers.repeat_share"
        | "traffic.conversion_rate" => {
            let keys: Vec<&str> = crate::kpi_series::PARAMS.iter().map(|d| d.name).collect();
            let mut o: crate::kpi_series::KpiSeriesOptions = options(params, &keys)?;
            o.metrics = Some(vec![entry.metric.to_string()]);
            placed(o.check(), params)?;
            Call::KpiSeries(entry.metric, Box::new(o))
        }
        "anomaly.stl" | "anomaly.detect" | "anomaly.esd" => {
            #[derive(serde::Deserialize)]
            #[serde(deny_unknown_fields)]
            struct Series {
                series: Option<String>,
            }
            let keys: Vec<&str> = crate::kpi_series::PARAMS
                .iter()
                .map(|d| d.name)
                .filter(|k| *k != "by")
                .collect();
            let mut s: crate::kpi_series::KpiSeriesOptions = options(params, &keys)?;
            let metric = options::<Series>(params, &["series"])?
                .series
                .unwrap_or_else(|| const { ANOMALY_SERIES.default_text() }.to_string());
            s.metrics = Some(vec![metric]);
            placed(s.check(), params)?;
            let own: Vec<&str> = entry
                .params
                .iter()
                .map(|d| d.name)
                .filter(|k| {
                    crate::glossary::field_names::<crate::anomaly::AnomalyOptions>().contains(k)
                })
                .collect();
            let mut o: crate::anomaly::AnomalyOptions = options(params, &own)?;
            if entry.metric == "anomaly.esd" {
                o.method = crate::anomaly::AnomalyMethod::Esd;
            }
            placed(o.check(), params)?;
            Call::Anomaly {
                id: entry.metric,
                series: Box::new(s),
                options: Box::new(o),
            }
        }
        "cohort.matrix" => {
            let keys: Vec<&str> = crate::cohort::DEFINITION
                .parameters
                .iter()
                .map(|d| d.name)
                .collect();
            Call::Cohorts(Box::new(options(params, &keys)?))
        }
        "ltv.bgbb" => {
            let o = summary_opts()?;
            let mut fit: crate::ltv::bgbb::BgBbOptions =
                options(params, &["maxIterations", "tolerance"])?;
            fit.period = contract_period(o.period);
            Call::BgBb(o, fit)
        }
        "retention.sbg" | "retention.bdw" => {
            #[derive(serde::Deserialize)]
            #[serde(rename_all = "camelCase", deny_unknown_fields)]
            struct Numbers {
                survivors: crate::ltv::retention::Survivors,
                discount_rate: f64,
                #[serde(default)]
                renewals: f64,
            }
            let n: Numbers = options(params, &["survivors", "discountRate", "renewals"])?;
            let mut o: crate::ltv::retention::RetentionOptions =
                options(params, &["period", "maxIterations", "tolerance"])?;
            if entry.metric == "retention.bdw" {
                o.model = crate::ltv::retention::RetentionKind::Bdw;
            }
            Call::Retention {
                survivors: n.survivors,
                options: o,
                discount_rate: n.discount_rate,
                renewals: n.renewals,
            }
        }
        "experiment.srm" => {
            #[derive(serde::Deserialize)]
            #[serde(deny_unknown_fields)]
            struct Weights {
                weights: Option<Vec<f64>>,
            }
            Call::Srm(options::<Weights>(params, &["weights"])?.weights)
        }
        "experiment.plan" => {
            let keys: Vec<&str> = exp::plan::DEFINITION
                .parameters
                .iter()
                .map(|d| d.name)
                .collect();
            let o: PlanOptions = options(params, &keys)?;
            Call::Plan(o)
        }
        "experiment.report" => {
            #[derive(serde::Deserialize)]
            #[serde(deny_unknown_fields)]
            struct Metrics {
                metrics: Option<Vec<TransactionMetric>>,
            }
            let metrics = options::<Metrics>(params, &["metrics"])?
                .metrics
                .unwrap_or(vec![
                    TransactionMetric::Conversion,
                    TransactionMetric::OrdersPerUnit,
                    TransactionMetric::RevenuePerUnit,
                    TransactionMetric::Aov,
                ]);
            if metrics.is_empty() {
                return Err(Error::Empty {
                    what: "metrics".into(),
                }
                .at_spec_path(params.path_of("metrics")));
            }
            let o: ExperimentOnTransactionsOptions = options(params, &["windowDays", "alpha"])?;
            let r: ExperimentReportOptions = options(params, &["alpha", "correction"])?;
            Call::Report(metrics, Box::new(o), r)
        }
        "cac.attributed" => {
            let o: CacOptions = options(
                params,
                &["period", "attributionLag", "timezone", "weekStart"],
            )?;
            placed(o.check(), params)?;
            #[derive(serde::Deserialize)]
            #[serde(deny_unknown_fields)]
            struct Model {
                model: attr::Model,
            }
            let model = options::<Model>(params, &["model"])?.model;
            let journeys: JourneysFromTransactionsOptions = options(params, &["lookbackDays"])?;
            Call::CacAttributed(o, model, journeys)
        }
        id if id.starts_with("attribution.") => {
            let model = attr::Model::ALL
                .into_iter()
                .find(|m| m.definition().id == id)
                .ok_or_else(|| Error::UnknownMetric {
                    metric: id.into(),
                    known: String::new(),
                })?;
            let keys: Vec<&str> = model
                .definition()
                .parameters
                .iter()
                .map(|d| d.name)
                .collect();
            let mut o: AttributionOptions = options(params, &keys)?;
            o.models = Some(vec![model]);
            placed(o.check(), params)?;
            let journeys: JourneysFromTransactionsOptions =
                options(params, &["lookbackDays", "purchases"])?;
            Call::Attribution(model, Box::new(o), journeys)
        }
        other => {
            return Err(Error::UnknownMetric {
                metric: other.into(),
                known: String::new(),
            })
        }
    };
    Ok(call)
}

/// The inputs of an evaluation.
#[derive(Debug, Clone, Copy, Default)]
pub struct Inputs<'a> {
    /// The transactions, when any metric needs them.
    pub transactions: Option<&'a Transactions>,
    /// The spend, when any metric needs it.
    pub spend: Option<&'a Spend>,
    /// An experiment's assignments, when any metric needs them.
    pub assignments: Option<&'a AssignmentTable>,
    /// Marketing touchpoints, when any metric needs them.
    pub touchpoints: Option<&'a TouchpointTable>,
    /// Visits per date (and channel), when any metric needs them (`traffic.conversion_rate`).
    pub traffic: Option<&'a crate::data::traffic::Traffic>,
    /// True when the caller built the tables (not mapped by the spec's `data` section).
    pub mapped_by_caller: bool,
}

/// The full result of a metric's direct call (shared between the metrics of one evaluation
/// that make the same call with the same options).
#[derive(Debug, Clone, PartialEq)]
pub enum Detail {
    /// `tx.summary(…)`.
    Summary(Rc<CustomerSummary>),
    /// `tx.kpis(…)`.
    Kpis(Rc<Kpis>),
    /// `cac(…)`.
    Cac(Rc<cac::CacTable>),
    /// `cacPayback(…)`.
    Payback(Rc<cac::PaybackTable>),
    /// `ltvToCac(…)`.
    LtvCac(cac::LtvCacTable),
    /// `churnFeatures(…)`.
    Churn(churn::FeatureTable),
    /// `historicalLtv(…)`.
    Historical(HistoricalLtv),
    /// `rfmScores(…)`.
    Rfm(crate::segment::rfm::RfmScores),
    /// `simpleLtv(…)`.
    Simple(SimpleLtv),
    /// `fitBgNbd(…)`.
    BgNbd(Rc<BgNbdModel>),
    /// `fitParetoNbd(…)`.
    ParetoNbd(ParetoNbdModel),
    /// `fitGammaGamma(…)`.
    GammaGamma(Rc<GammaGammaModel>),
    /// `clv(…)`.
    Clv(ClvResult),
    /// The churn model and the scores of `churn.propensity`.
    Propensity(Box<Scores<ChurnModel>>),
    /// `evaluateChurn(…)`.
    Evaluation(Box<churn::TimeSplitEvaluation>),
    /// The BG/NBD scorer and the scores of `churn.alive`.
    Alive(Box<Scores<AliveChurnModel>>),
    /// `segmentCustomers(…)`.
    Segments(Box<Segmentation>),
    /// `chooseKCustomers(…)`.
    ChooseK(ChooseK),
    /// `calibrationHoldout(…)`.
    Holdout(Box<HoldoutResult>),
    /// `experimentOnTransactions(…)`.
    Experiment(Box<ExperimentOnTransactionsResult>),
    /// `cohorts(…)`.
    Cohorts(Box<crate::cohort::CohortMatrix>),
    /// `kpiSeries(…)`.
    KpiSeries(Box<crate::kpi_series::KpiSeries>),
    /// `detectAnomalies(…)` on a KPI series.
    Anomaly(Box<crate::anomaly::AnomalyResult>),
    /// `fitBgBb(…)` with each customer's P(alive).
    BgBb(Box<BgBbOut>),
    /// `fitShiftedBetaGeometric(…)` with its DERL and expected lifetime.
    Retention(Box<RetentionOut>),
    /// `srmCheck(…)` with the arms' names.
    Srm(SrmOut),
    /// `planExperiment(…)`.
    Plan(exp::Plan),
    /// `experimentReport(…)` with the results it corrected.
    Report(Box<ReportOut>),
    /// `attribution(Journeys.fromTransactions(…), …)` with the metric's one model.
    Attribution(Box<AttributionResult>),
}

/// Per-customer scores at a cutoff with the fitted model (JS `{ customerId, score, cutoff,
/// model }`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Scores<M> {
    /// Customer ids of the scored table.
    pub customer_id: Vec<String>,
    /// The score of each (churn probability or 1 − P(alive)).
    #[serde(serialize_with = "crate::columns::f64s")]
    pub score: Vec<f64>,
    /// Customers without a repeat purchase (P(alive) = 1 by construction), for `churn.alive`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_repeat_purchase: Option<Vec<bool>>,
    /// The scoring cutoff (local day start, epoch ms).
    pub cutoff: i64,
    /// The training cutoff (local day start, epoch ms), for `churn.propensity`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub train_cutoff: Option<i64>,
    /// The fitted model (its JSON form, as `toJSON()` gives it).
    pub model: M,
}

/// The BG/BB fit on a summary and each customer's P(alive at the next opportunity).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BgBbOut {
    /// The model (its JSON form, without metric and version).
    pub model: crate::ltv::bgbb::BgBbModel,
    /// P(alive) per customer, in the summary's order.
    #[serde(serialize_with = "crate::columns::f64s")]
    pub probability_alive: Vec<f64>,
}

/// A retention fit with the headline DERL and the expected lifetime.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RetentionOut {
    /// The model (its JSON form, without metric and version).
    pub model: crate::ltv::retention::RetentionModel,
    /// DERL at the spec's discount rate and renewals.
    pub derl: f64,
    /// E[T] in periods (`null` when the mean lifetime is infinite).
    pub expected_lifetime: Option<f64>,
}

/// `srmCheck` on the assignments: the arms' names and units with the check.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SrmOut {
    /// Arm names, in the order of the counts.
    pub arms: Vec<String>,
    /// Units per arm.
    pub counts: Vec<f64>,
    /// The check.
    pub srm: exp::SrmResult,
}

/// `experimentReport` with the per-metric results it corrected.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportOut {
    /// The report.
    pub report: exp::ExperimentReport,
    /// The result of each metric, in the order of `metrics`.
    pub results: Vec<ExperimentOnTransactionsResult>,
}

/// One evaluated metric: the headline value and the full result, with its definition.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluated {
    /// The metric's name in the spec.
    pub name: String,
    /// The headline number (`None` when the metric has no single headline, see [`Entry`], or
    /// it is undefined, e.g. no complete period).
    pub value: Option<f64>,
    /// Unit of the headline, with the spec's currency.
    pub unit: String,
    /// The label of the metric in the spec, or the definition's name.
    pub label: String,
    /// The direct call's result.
    pub detail: Detail,
    /// What was computed from what.
    pub definition: SpecDefinitionRef,
}

/// The definition of a number computed from a spec: metric, version, parameters in effect,
/// the spec, and the fingerprints of the data.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SpecDefinitionRef {
    /// Metric id.
    pub metric: &'static str,
    /// The library's version of the definition.
    pub version: &'static str,
    /// Every parameter in effect.
    pub params: BTreeMap<String, Value>,
    /// The spec: name, version and definition hash.
    pub spec: SpecRef,
    /// Fingerprint of the transactions read (`xxh3-128:…`), when the metric reads them.
    pub data_fingerprint: Option<String>,
    /// Fingerprint of the spend read, when the metric reads it.
    pub spend_fingerprint: Option<String>,
    /// Fingerprint of the assignments read, when the metric reads them.
    pub assignments_fingerprint: Option<String>,
    /// Fingerprint of the touchpoints read, when the metric reads them.
    pub touchpoints_fingerprint: Option<String>,
    /// Fingerprint of the traffic read, when the metric reads it.
    pub traffic_fingerprint: Option<String>,
    /// True when the caller built the tables rather than the spec's `data` mapping.
    pub mapped_by_caller: bool,
}

/// The spec a number was computed from.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SpecRef {
    /// Spec name.
    pub name: String,
    /// Spec version.
    pub version: String,
    /// Its definition hash.
    pub definition_hash: String,
}

fn need<'a, T>(x: Option<&'a T>, what: &str, metric: &SpecMetric) -> Result<&'a T> {
    x.ok_or_else(|| {
        Error::BadOption {
            option: what.into(),
            message: format!(
                "{} ({}) needs {what}; pass them in the inputs",
                metric.name, metric.definition.id
            ),
        }
        .at_spec_path(format!("metrics.{}", metric.name))
    })
}

#[derive(Default)]
struct Cache {
    summaries: Vec<(String, Rc<CustomerSummary>)>,
    kpis: Vec<(String, Rc<Kpis>)>,
    cac: Vec<(String, Rc<cac::CacTable>)>,
    payback: Vec<(String, Rc<cac::PaybackTable>)>,
    bgnbd: Vec<(String, Rc<BgNbdModel>)>,
    gg: Vec<(String, Rc<GammaGammaModel>)>,
    journeys: Vec<(String, Rc<Journeys>)>,
}

fn key_of(parts: &[&str], params: &BTreeMap<String, Value>) -> String {
    let m: Map<String, Value> = parts
        .iter()
        .filter_map(|k| params.get(*k).map(|v| ((*k).to_string(), v.clone())))
        .collect();
    super::canonical_json(&Value::Object(m))
}

/// The value under `key`, made once: results shared by several metrics are shared, not copied.
fn cached<T>(
    list: &mut Vec<(String, Rc<T>)>,
    key: String,
    make: impl FnOnce() -> Result<T>,
) -> Result<Rc<T>> {
    if let Some((_, v)) = list.iter().find(|(k, _)| *k == key) {
        return Ok(Rc::clone(v));
    }
    let v = Rc::new(make()?);
    list.push((key, Rc::clone(&v)));
    Ok(v)
}

fn mean(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

/// Evaluates `spec` on `inputs` (see [`MetricSpec::evaluate`]).
pub(crate) fn evaluate(
    spec: &MetricSpec,
    inputs: &Inputs<'_>,
    only: Option<&[String]>,
) -> Result<Vec<Evaluated>> {
    if let Some(names) = only {
        for n in names {
            if spec.metric(n).is_none() {
                return Err(Error::BadOption {
                    option: "only".into(),
                    message: format!(
                        "'{}' is not a metric of spec {}; its metrics: {}",
                        super::truncate(n),
                        spec.name,
                        spec.metrics
                            .iter()
                            .map(|m| m.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                });
            }
        }
    }
    let selected: Vec<&SpecMetric> = spec
        .metrics
        .iter()
        .filter(|m| only.map_or(true, |names| names.contains(&m.name)))
        .collect();
    let tx_fp = selected
        .iter()
        .any(|m| m.entry.inputs.contains(&Input::Transactions))
        .then(|| inputs.transactions.map(Transactions::fingerprint))
        .flatten();
    let spend_fp = selected
        .iter()
        .any(|m| m.entry.inputs.contains(&Input::Spend))
        .then(|| inputs.spend.map(Spend::fingerprint))
        .flatten();
    let assignments_fp = selected
        .iter()
        .any(|m| m.entry.inputs.contains(&Input::Assignments))
        .then(|| inputs.assignments.map(AssignmentTable::fingerprint))
        .flatten();
    let touchpoints_fp = selected
        .iter()
        .any(|m| m.entry.inputs.contains(&Input::Touchpoints))
        .then(|| inputs.touchpoints.map(TouchpointTable::fingerprint))
        .flatten();
    let traffic_fp = selected
        .iter()
        .any(|m| m.entry.inputs.contains(&Input::Traffic))
        .then(|| {
            inputs
                .traffic
                .map(crate::data::traffic::Traffic::fingerprint)
        })
        .flatten();
    let spec_ref = SpecRef {
        name: spec.name.clone(),
        version: spec.version.clone(),
        definition_hash: spec.definition_hash().to_string(),
    };
    let mut cache = Cache::default();
    let mut out = Vec::with_capacity(selected.len());
    for m in selected {
        let entry = m.entry;
        let call = &m.call;
        let (value, detail) = run(call, m, inputs, &mut cache)
            .map_err(|e| e.at_spec_path(format!("metrics.{}", m.name)))?;
        let unit = spec.unit(entry.unit);
        out.push(Evaluated {
            name: m.name.clone(),
            value,
            unit,
            label: m
                .label
                .clone()
                .unwrap_or_else(|| m.definition.name.to_string()),
            detail,
            definition: SpecDefinitionRef {
                metric: m.definition.id,
                version: m.definition.version,
                params: m.params.clone(),
                spec: spec_ref.clone(),
                data_fingerprint: entry
                    .inputs
                    .contains(&Input::Transactions)
                    .then(|| tx_fp.clone())
                    .flatten(),
                spend_fingerprint: entry
                    .inputs
                    .contains(&Input::Spend)
                    .then(|| spend_fp.clone())
                    .flatten(),
                assignments_fingerprint: entry
                    .inputs
                    .contains(&Input::Assignments)
                    .then(|| assignments_fp.clone())
                    .flatten(),
                touchpoints_fingerprint: entry
                    .inputs
                    .contains(&Input::Touchpoints)
                    .then(|| touchpoints_fp.clone())
                    .flatten(),
                traffic_fingerprint: entry
                    .inputs
                    .contains(&Input::Traffic)
                    .then(|| traffic_fp.clone())
                    .flatten(),
                mapped_by_caller: inputs.mapped_by_caller,
            },
        });
    }
    Ok(out)
}

fn run(
    call: &Call,
    m: &SpecMetric,
    inputs: &Inputs<'_>,
    cache: &mut Cache,
) -> Result<(Option<f64>, Detail)> {
    let p = &m.params;
    let tx = || need(inputs.transactions, "transactions", m);
    let spend = || need(inputs.spend, "spend", m);
    let assignments = || need(inputs.assignments, "assignments", m);
    let touchpoints = || need(inputs.touchpoints, "touchpoints", m);
    let traffic = || need(inputs.traffic, "traffic", m);
    let summary_of = |o: &SummaryOptions, cache: &mut Cache| -> Result<Rc<CustomerSummary>> {
        let t = tx()?;
        cached(&mut cache.summaries, key_of(SUMMARY_KEYS, p), || {
            CustomerSummary::from_transactions(t, o)
        })
    };
    Ok(match call {
        Call::Summary(o) => {
            let s = summary_of(o, cache)?;
            (Some(s.len() as f64), Detail::Summary(s))
        }
        Call::Kpi(key, o) => {
            let t = tx()?;
            let k = cached(&mut cache.kpis, key_of(SUMMARY_KEYS, p), || {
                Kpis::compute(t, o)
            })?;
            (k.get(key), Detail::Kpis(k))
        }
        Call::Cac(variant, o) => {
            let (t, s) = (tx()?, spend()?);
            let table = cached(
                &mut cache.cac,
                key_of(&["period", "attributionLag", "timezone", "weekStart"], p),
                || cac::cac(s, t, o),
            )?;
            let value = if *variant == Variant::Channel {
                None
            } else {
                table
                    .rows
                    .iter()
                    .filter(|r| r.variant == *variant && r.complete && r.value.is_some())
                    .max_by_key(|r| r.period)
                    .and_then(|r| r.value)
            };
            (value, Detail::Cac(table))
        }
        Call::Payback(o, simple) => {
            let (t, s) = (tx()?, spend()?);
            let table = cached(
                &mut cache.payback,
                key_of(&["margin", "attributionLag", "timezone"], p),
                || cac::cac_payback(s, t, o),
            )?;
            let value = if *simple {
                table
                    .simple
                    .iter()
                    .find(|r| r.channel.is_none())
                    .and_then(|r| r.value)
            } else {
                None
            };
            (value, Detail::Payback(table))
        }
        Call::LtvCac(o) => {
            let table = cac::ltv_to_cac(spend()?, tx()?, o)?;
            let value = table
                .rows
                .iter()
                .find(|r| r.cohort.is_none() && r.channel.is_none())
                .and_then(|r| r.value);
            (value, Detail::LtvCac(table))
        }
        Call::Churn {
            headline,
            horizon_days,
            cutoff,
            end,
            timezone,
        } => {
            let t = tx()?;
            let cutoff = match cutoff {
                Some(c) => *c,
                None => {
                    let cal = Calendar::for_call(timezone.as_ref(), t, 1)?;
                    let last = || t.timestamps().iter().copied().max().unwrap_or(0);
                    let end_ms = end.resolve_checked(&cal, last, "observationEnd")?;
                    When::Date(cal.day(end_ms) - i64::from(*horizon_days))
                }
            };
            let table = churn::churn_features(
                t,
                &FeatureOptions {
                    cutoff,
                    horizon_days: *horizon_days,
                    timezone: timezone.clone(),
                },
            )?;
            let value = match headline {
                ChurnHeadline::Churned => table
                    .labels
                    .as_ref()
                    .map(|l| l.iter().filter(|&&x| x).count() as f64),
                ChurnHeadline::Customers => Some(table.customer_id.len() as f64),
                ChurnHeadline::Rate => table.churn_rate(),
            };
            (value, Detail::Churn(table))
        }
        Call::Rfm(o, monetary) => {
            let s = summary_of(o, cache)?;
            let scores = crate::segment::rfm::rfm_scores(&s, *monetary)?;
            (None, Detail::Rfm(scores))
        }
        Call::Historical(o) => {
            let h = historical::historical_ltv(tx()?, o)?;
            (mean(&h.ltv), Detail::Historical(h))
        }
        Call::Simple(o) => {
            let s = o.compute()?;
            (Some(s.value), Detail::Simple(s))
        }
        Call::BgNbd(o, fit) => {
            let s = summary_of(o, cache)?;
            let model = cached(
                &mut cache.bgnbd,
                key_of(&[SUMMARY_KEYS, FIT_KEYS].concat(), p),
                || BgNbdModel::fit(&s, fit),
            )?;
            let (alive, _) = model.probability_alive(&s)?;
            (mean(&alive), Detail::BgNbd(model))
        }
        Call::ParetoNbd(o, fit) => {
            let s = summary_of(o, cache)?;
            let model = ParetoNbdModel::fit(&s, fit)?;
            let alive = model.probability_alive(&s)?;
            (mean(&alive), Detail::ParetoNbd(model))
        }
        Call::GammaGamma(o, fit) => {
            let s = summary_of(o, cache)?;
            let model = cached(
                &mut cache.gg,
                key_of(&[SUMMARY_KEYS, FIT_KEYS].concat(), p),
                || GammaGammaModel::fit(&s, fit),
            )?;
            let spend = model.expected_spend(&s)?;
            (mean(&spend), Detail::GammaGamma(model))
        }
        Call::Clv(o, bg, gg, c, pareto) => {
            let s = summary_of(o, cache)?;
            let key = key_of(&[SUMMARY_KEYS, FIT_KEYS].concat(), p);
            let spend_model = cached(&mut cache.gg, key.clone(), || GammaGammaModel::fit(&s, gg))?;
            let r = if *pareto {
                let purchases = ParetoNbdModel::fit(&s, bg)?;
                clv::clv_with(
                    clv::PurchaseModel::ParetoNbd(&purchases),
                    &spend_model,
                    &s,
                    c,
                )?
            } else {
                let purchases = cached(&mut cache.bgnbd, key, || BgNbdModel::fit(&s, bg))?;
                clv::clv(&purchases, &spend_model, &s, c)?
            };
            (Some(r.total), Detail::Clv(r))
        }
        Call::Propensity {
            horizon_days,
            train,
            score,
            end,
            timezone,
            fit,
        } => {
            let t = tx()?;
            let day = end_day(t, timezone.as_ref(), end)?;
            let train = train.unwrap_or(When::Date(day - i64::from(*horizon_days)));
            let score = score.unwrap_or(When::Date(day));
            let features = |cutoff: When| {
                churn::churn_features(
                    t,
                    &FeatureOptions {
                        cutoff,
                        horizon_days: *horizon_days,
                        timezone: timezone.clone(),
                    },
                )
            };
            let training = features(train)?;
            let labels = training.labels.clone().ok_or_else(|| Error::InsufficientData {
                message: format!(
                    "the transactions end before trainCutoff + {horizon_days} days, so churn there is not yet observable"
                ),
            })?;
            let model = ChurnModel::fit_table(&training, &labels, fit)?;
            let scored = features(score)?;
            let (probs, _) = model.predict_table(&scored)?;
            (
                mean(&probs),
                Detail::Propensity(Box::new(Scores {
                    customer_id: scored.customer_id,
                    score: probs,
                    no_repeat_purchase: None,
                    cutoff: scored.cutoff,
                    train_cutoff: Some(training.cutoff),
                    model,
                })),
            )
        }
        Call::Evaluation {
            split,
            train,
            test,
            end,
        } => {
            let t = tx()?;
            let day = end_day(t, split.timezone.as_ref(), end)?;
            let h = i64::from(split.horizon_days);
            let mut o = (**split).clone();
            o.train_cutoff = train.unwrap_or(When::Date(day - 2 * h));
            o.test_cutoff = test.unwrap_or(When::Date(day - h));
            let (_, e) = churn::evaluate_time_split(t, &o, None)?;
            (Some(e.model.auc), Detail::Evaluation(Box::new(e)))
        }
        Call::Alive {
            score,
            end,
            timezone,
            fit,
        } => {
            let t = tx()?;
            let day = end_day(t, timezone.as_ref(), end)?;
            let table = churn::churn_features(
                t,
                &FeatureOptions {
                    cutoff: score.unwrap_or(When::Date(day)),
                    horizon_days: const { churn::HORIZON_DAYS.default_number() } as u32,
                    timezone: timezone.clone(),
                },
            )?;
            let model = AliveChurnModel::fit(&table, fit)?;
            let (scores, flags) = model.predict_table(&table)?;
            (
                mean(&scores),
                Detail::Alive(Box::new(Scores {
                    customer_id: table.customer_id,
                    score: scores,
                    no_repeat_purchase: Some(flags),
                    cutoff: table.cutoff,
                    train_cutoff: None,
                    model,
                })),
            )
        }
        Call::KMeans(o, opts) => {
            let s = summary_of(o, cache)?;
            let seg = crate::segment::segment_customers(&s, opts)?;
            (None, Detail::Segments(Box::new(seg)))
        }
        Call::ChooseK(o, opts) => {
            let s = summary_of(o, cache)?;
            let c = choose::choose_k_customers(&s, opts, &mut crate::progress::silent)?;
            (Some(c.recommended as f64), Detail::ChooseK(c))
        }
        Call::Holdout(o) => {
            let h = holdout::calibration_holdout(tx()?, o)?;
            (Some(h.mae), Detail::Holdout(Box::new(h)))
        }
        Call::Experiment(o, headline) => {
            let r = exp::experiment_on_transactions(&assignments()?.view(), tx()?, o)?;
            let first = r.comparisons.first();
            let value = match headline {
                ExperimentHeadline::Estimate => first.map(|c| c.estimate),
                ExperimentHeadline::PValue => first.and_then(|c| c.p_value),
                ExperimentHeadline::ChanceToWin => first.and_then(|c| c.chance_to_win),
            };
            (value, Detail::Experiment(Box::new(r)))
        }
        Call::KpiSeries(id, o) => {
            let visits = if *id == crate::kpi_series::CONVERSION_RATE.id {
                Some(traffic()?)
            } else {
                None
            };
            let series = crate::kpi_series::kpi_series_with_traffic(tx()?, visits, o)?;
            let value = series.series.get(id).and_then(|m| m.value.last().copied());
            (value, Detail::KpiSeries(Box::new(series)))
        }
        Call::Anomaly {
            id,
            series,
            options,
        } => {
            let s = crate::kpi_series::kpi_series(tx()?, series)?;
            let m = s.series.values().next().ok_or_else(|| Error::Empty {
                what: "series".into(),
            })?;
            let r = crate::anomaly::detect_anomalies(
                &crate::anomaly::explain::detection_input(&s.time, m),
                options,
            )?;
            let value = if *id == "anomaly.stl" {
                r.decomposition.trend.last().copied()
            } else {
                Some(r.flagged.iter().map(|&f| f64::from(f)).sum())
            };
            (value, Detail::Anomaly(Box::new(r)))
        }
        Call::Cohorts(o) => {
            let m = crate::cohort::cohorts(tx()?, o)?;
            (None, Detail::Cohorts(Box::new(m)))
        }
        Call::BgBb(o, fit) => {
            let s = summary_of(o, cache)?;
            let model =
                crate::ltv::bgbb::BgBbModel::fit(&s.frequency, &s.recency, &s.t, None, fit)?;
            let alive = model.probability_alive(&s.frequency, &s.recency, &s.t)?;
            (
                mean(&alive),
                Detail::BgBb(Box::new(BgBbOut {
                    model,
                    probability_alive: alive,
                })),
            )
        }
        Call::Retention {
            survivors,
            options,
            discount_rate,
            renewals,
        } => {
            let model = crate::ltv::retention::RetentionModel::fit_survivors(survivors, options)?;
            let derl = model.derl(*discount_rate, *renewals)?;
            let expected_lifetime = model.expected_lifetime()?;
            (
                Some(derl),
                Detail::Retention(Box::new(RetentionOut {
                    model,
                    derl,
                    expected_lifetime,
                })),
            )
        }
        Call::Srm(weights) => {
            let (arms, counts) = assignments()?.arm_counts();
            let srm = exp::srm_check(&counts, weights.as_deref())?;
            (Some(srm.p_value), Detail::Srm(SrmOut { arms, counts, srm }))
        }
        Call::Plan(o) => {
            let plan = exp::plan_experiment(o)?;
            (Some(plan.units_per_arm), Detail::Plan(plan))
        }
        Call::Report(metrics, o, r) => {
            let (a, t) = (assignments()?, tx()?);
            let mut results = Vec::with_capacity(metrics.len());
            for metric in metrics {
                let mut one = (**o).clone();
                one.metric = Some(*metric);
                results.push(exp::experiment_on_transactions(&a.view(), t, &one)?);
            }
            let inputs: Vec<exp::ReportInput> = results.iter().map(report_input).collect();
            let report = exp::experiment_report(&inputs, r)?;
            let n = report.rows.iter().filter(|row| row.significant).count();
            (
                Some(n as f64),
                Detail::Report(Box::new(ReportOut { report, results })),
            )
        }
        Call::CacAttributed(o, model, journeys) => {
            let (tp, t, s) = (touchpoints()?, tx()?, spend()?);
            let j = cached(
                &mut cache.journeys,
                key_of(&["lookbackDays", "purchases"], p),
                || Journeys::from_transactions(tp.view(), t, journeys),
            )?;
            let r = attr::attribution(
                &j,
                &AttributionOptions {
                    models: Some(vec![*model]),
                    credits: true,
                    ..AttributionOptions::default()
                },
            )?;
            let o = CacOptions {
                attributed: Some(cac::AttributedAcquisitions::from_result(&r, *model)?),
                ..o.clone()
            };
            (None, Detail::Cac(Rc::new(cac::cac(s, t, &o)?)))
        }
        Call::Attribution(model, o, journeys) => {
            let (tp, t) = (touchpoints()?, tx()?);
            let j = cached(
                &mut cache.journeys,
                key_of(&["lookbackDays", "purchases"], p),
                || Journeys::from_transactions(tp.view(), t, journeys),
            )?;
            let r = attr::attribution(&j, o)?;
            let value = r
                .model(*model)?
                .share
                .iter()
                .copied()
                .filter(|x| x.is_finite())
                .reduce(f64::max);
            (value, Detail::Attribution(Box::new(r)))
        }
    })
}

/// The observation end's local day (days since the epoch) in the metric's zone.
fn end_day(
    t: &Transactions,
    timezone: Option<&crate::data::Zone>,
    end: &ObservationEnd,
) -> Result<i64> {
    let cal = Calendar::for_call(timezone, t, 1)?;
    let last = || t.timestamps().iter().copied().max().unwrap_or(0);
    let end_ms = end.resolve_checked(&cal, last, "observationEnd")?;
    Ok(cal.day(end_ms))
}

/// The part of a result `experimentReport` reads.
fn report_input(r: &ExperimentOnTransactionsResult) -> exp::ReportInput {
    exp::ReportInput {
        name: r.name.clone(),
        comparisons: r
            .comparisons
            .iter()
            .map(|c| exp::ReportComparison {
                arm: c.arm.clone(),
                baseline: c.baseline.clone(),
                p_value: c.p_value,
            })
            .collect(),
    }
}

/// The summary as columns (the form of `summary.toColumns()`, without the optional details).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SummaryOut<'a> {
    customer_id: &'a crate::data::CustomerKeys,
    #[serde(serialize_with = "crate::columns::f64s")]
    frequency: &'a [f64],
    #[serde(serialize_with = "crate::columns::f64s")]
    recency: &'a [f64],
    #[serde(rename = "T", serialize_with = "crate::columns::f64s")]
    t: &'a [f64],
    #[serde(serialize_with = "crate::columns::f64s")]
    monetary_value: &'a [f64],
    period: &'static str,
    definition: crate::glossary::DefinitionRef,
}

/// Each detail as its direct call returns it in JS: plain results as they are, the summary as
/// its columns, fitted models as their `toJSON()` form, churn features as `churnFeatures` gives
/// them.
impl Detail {
    /// The address of a result shared by several metrics of one evaluation (`None` for a
    /// result of one metric only): a binding converts each shared result once.
    pub fn shared(&self) -> Option<usize> {
        match self {
            Detail::Summary(x) => Some(Rc::as_ptr(x) as usize),
            Detail::Kpis(x) => Some(Rc::as_ptr(x) as usize),
            Detail::Cac(x) => Some(Rc::as_ptr(x) as usize),
            Detail::Payback(x) => Some(Rc::as_ptr(x) as usize),
            Detail::BgNbd(x) => Some(Rc::as_ptr(x) as usize),
            Detail::GammaGamma(x) => Some(Rc::as_ptr(x) as usize),
            _ => None,
        }
    }
}

impl Serialize for Detail {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            Detail::Summary(x) => SummaryOut {
                customer_id: &x.customer_id,
                frequency: &x.frequency,
                recency: &x.recency,
                t: &x.t,
                monetary_value: &x.monetary_value,
                period: x.period.as_str(),
                definition: x.definition(),
            }
            .serialize(s),
            Detail::Kpis(x) => x.as_ref().serialize(s),
            Detail::Cac(x) => x.as_ref().serialize(s),
            Detail::Payback(x) => x.as_ref().serialize(s),
            Detail::LtvCac(x) => x.serialize(s),
            Detail::Churn(x) => x.output().serialize(s),
            Detail::Historical(x) => x.serialize(s),
            Detail::Rfm(x) => x.serialize(s),
            Detail::Simple(x) => x.serialize(s),
            Detail::BgNbd(x) => x.to_saved().serialize(s),
            Detail::ParetoNbd(x) => x.to_saved().serialize(s),
            Detail::GammaGamma(x) => x.to_saved().serialize(s),
            Detail::Clv(x) => x.serialize(s),
            Detail::Propensity(x) => x.serialize(s),
            Detail::Evaluation(x) => x.serialize(s),
            Detail::Alive(x) => x.serialize(s),
            Detail::Segments(x) => x.serialize(s),
            Detail::ChooseK(x) => x.serialize(s),
            Detail::Holdout(x) => x.serialize(s),
            Detail::Experiment(x) => x.serialize(s),
            Detail::Srm(x) => x.serialize(s),
            Detail::BgBb(x) => x.serialize(s),
            Detail::Cohorts(x) => x.serialize(s),
            Detail::KpiSeries(x) => x.serialize(s),
            Detail::Anomaly(x) => x.serialize(s),
            Detail::Retention(x) => x.serialize(s),
            Detail::Plan(x) => x.serialize(s),
            Detail::Report(x) => x.serialize(s),
            Detail::Attribution(x) => x.serialize(s),
        }
    }
}

impl Serialize for Evaluated {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("SpecValue", 5)?;
        st.serialize_field("value", &self.value)?;
        st.serialize_field("unit", &self.unit)?;
        st.serialize_field("label", &self.label)?;
        st.serialize_field("detail", &self.detail)?;
        st.serialize_field("definition", &self.definition)?;
        st.end()
    }
}

/// The catalog as a Markdown table (the table in `docs/SPEC.md`, kept in sync by a test):
/// each metric a spec can name, the direct call it equals, its inputs, its headline and its
/// parameters.
pub fn markdown_table() -> String {
    let mut s = String::from(
        "| metric | direct call | inputs | headline `value` | parameters |\n|---|---|---|---|---|\n",
    );
    for e in ENTRIES {
        let inputs: Vec<&str> = e
            .inputs
            .iter()
            .map(|i| match i {
                Input::Transactions => "transactions",
                Input::Spend => "spend",
                Input::Assignments => "assignments",
                Input::Touchpoints => "touchpoints",
                Input::Traffic => "traffic",
            })
            .collect();
        let params: Vec<String> = e.params.iter().map(|p| format!("`{}`", p.name)).collect();
        s.push_str(&format!(
            "| `{}` | `{}` | {} | {} ({}) | {} |\n",
            e.metric,
            e.call.replace('|', "\\|"),
            if inputs.is_empty() {
                "none".to_string()
            } else {
                inputs.join(", ")
            },
            e.headline,
            e.unit,
            params.join(", ")
        ));
    }
    s
}
