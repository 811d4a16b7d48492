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
//!   `tolerance`).
//!
//! Within one evaluation, metrics that need the same summary, KPIs, fits or CAC table with the
//! same options compute it once.

use super::{MetricSpec, SpecMetric};
use crate::cac::{self, CacOptions, LtvCacOptions, PaybackOptions, Variant};
use crate::churn::{self, FeatureOptions};
use crate::data::dates::{Calendar, OBSERVATION_END, TIMEZONE, WEEK_START};
use crate::data::spend::Spend;
use crate::data::{ObservationEnd, Transactions, When};
use crate::error::{Error, Result};
use crate::glossary::{Definition, ParameterDef};
use crate::kpi::{self, Kpis};
use crate::ltv::bgnbd::{self, BgNbdModel, BgNbdOptions};
use crate::ltv::clv::{self, ClvOptions, ClvResult};
use crate::ltv::gamma_gamma::{self, GammaGammaModel, GammaGammaOptions};
use crate::ltv::historical::{self, HistoricalLtv, HistoricalOptions};
use crate::ltv::pareto_nbd::{self, ParetoNbdModel};
use crate::ltv::simple::{self, SimpleLtv, SimpleLtvOptions};
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
const TX_SPEND: &[Input] = &[Input::Transactions, Input::Spend];

const SUMMARY_PARAMS: &[ParameterDef] = &[summary::PERIOD, OBSERVATION_END, TIMEZONE, WEEK_START];
const CAC_PARAMS: &[ParameterDef] = &[cac::PERIOD_PARAM, cac::LAG_PARAM, TIMEZONE, WEEK_START];
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
const CLV_PARAMS: &[ParameterDef] = &[
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
        call: "clv(fitBgNbd(s, fitOptions), fitGammaGamma(s, fitOptions), s, clvOptions) with s = tx.summary(summaryOptions)",
        inputs: TX,
        headline: "total CLV over customers",
        unit: "currency",
        params: CLV_PARAMS,
    },
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
    Clv(SummaryOptions, BgNbdOptions, GammaGammaOptions, ClvOptions),
}

/// A metric's parameters in effect, where each came from, and the metric's own spec path.
#[derive(Clone, Copy)]
pub(crate) struct Params<'a> {
    pub(crate) values: &'a BTreeMap<String, Value>,
    pub(crate) sources: &'a BTreeMap<String, String>,
    /// `metrics.<name>`.
    pub(crate) metric: &'a str,
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
            let horizon = params
                .get("horizonDays")
                .and_then(Value::as_f64)
                .unwrap_or(const { churn::HORIZON_DAYS.default_number() });
            let cutoff = match params.get("cutoff") {
                Some(Value::String(s)) if Some(s.as_str()) == SPEC_CUTOFF.rule => None,
                Some(_) => Some(options::<FeatureOptions>(params, &["cutoff"])?.cutoff),
                None => None,
            };
            let end: SummaryOptions = options(params, &["observationEnd", "timezone"])?;
            Call::Churn {
                headline: match entry.metric {
                    "churn.noncontractual" => ChurnHeadline::Churned,
                    "churn.features" => ChurnHeadline::Customers,
                    _ => ChurnHeadline::Rate,
                },
                horizon_days: horizon as u32,
                cutoff,
                end: end.observation_end,
                timezone: end.timezone,
            }
        }
        "segment.rfm" => {
            let monetary = match params.get("monetary") {
                Some(Value::String(s))
                    if Some(s.as_str()) == crate::segment::rfm::MONETARY.rule =>
                {
                    None
                }
                _ => {
                    let o: crate::segment::rfm::RfmOptions = options(params, &["monetary"])?;
                    o.monetary
                }
            };
            Call::Rfm(summary_opts()?, monetary)
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
            Call::Clv(summary_opts()?, bg, gg, c)
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
        Call::Clv(o, bg, gg, c) => {
            let s = summary_of(o, cache)?;
            let key = key_of(&[SUMMARY_KEYS, FIT_KEYS].concat(), p);
            let purchases = cached(&mut cache.bgnbd, key.clone(), || BgNbdModel::fit(&s, bg))?;
            let spend_model = cached(&mut cache.gg, key, || GammaGammaModel::fit(&s, gg))?;
            let r = clv::clv(&purchases, &spend_model, &s, c)?;
            (Some(r.total), Detail::Clv(r))
        }
    })
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
