//! Customer acquisition cost and unit economics: blended, paid and channel CAC, CAC payback
//! (from the actual cohort curve and the textbook ratio), and LTV:CAC.
//!
//! # Who is a new customer
//!
//! A customer is acquired at their first purchase as defined by `customer.summary` with daily
//! periods (the first day with a transaction of amount ≥ 0, a $0.00 order included: the purchase
//! rule of `crate::summary::is_purchase`). Their acquisition channel is, in order
//! of preference: the channel given for them in an explicit acquisition table, the channel of
//! their first purchase (the transactions' channel column), or `"unknown"`.
//!
//! # New customers by attributed channel
//!
//! With [`CacOptions::attributed`] (JS `{ attribution: result, model }`), the paid and channel
//! rows count each channel's new customers as the credit an attribution model gives it
//! (`cac.attributed`): the model's per-conversion credits of journeys built from first purchases
//! (`Journeys.fromTransactions(touchpoints, tx)`, the default `purchases: "first"`), bucketed by
//! the period of the conversion. A period's new customers that no credit covers (purchases with
//! no touch in the lookback window) count as `"unknown"`, so the blended row is unchanged.
//!
//! The same credits can be given to [`cac_payback`] and [`ltv_to_cac`]
//! ([`PaybackOptions::attributed`], [`LtvCacOptions::attributed`]; JS `{ attribution, model }`).
//! The cohorts stay the monthly acquisition cohorts (each customer's first-purchase month) and
//! the all-channel rows are unchanged. Each customer counts in a channel at that channel's credit
//! for their conversion (a weight in 0..1; a customer split 50/50 by the linear model counts half
//! in each channel) and the rest (1 − Σ weights, e.g. a customer without touchpoints) in
//! `"unknown"`: a channel's cohort size is the Σ of its weights over the cohort's customers, its
//! curve Σ weight · margin · revenue by month since acquisition ÷ that size, its CAC the channel's
//! spend ÷ its credited new customers in the lag window (the `cac.attributed` numbers). The
//! textbook payback weights revenue and customer-months the same way, and LTV:CAC a channel's
//! LTV (historical or given per customer): Σ weight · LTV ÷ Σ weight. Credits are matched to
//! customers by id (the journeys' ids, which `Journeys.fromTransactions` takes from the
//! transactions' customer ids). The rows' definitions record the `model`.
//!
//! # Periods and attribution lag
//!
//! Spend and acquisitions are bucketed into calendar periods (day, week, month, quarter) local
//! to the `timezone` option (default: the transactions' zone). Read the spend in the same zone
//! (its mapping's `timezone`): a bare spend date is the start of that local day; a table read in
//! another zone gets a warning.
//! With an attribution lag of L periods, spend in period t is set against the customers
//! acquired in periods t..=t+L. A row whose window reaches past the last period with data is
//! marked `complete: false`.
//!
//! # Never a silent infinity
//!
//! A CAC with spend but no new customers is `None` with the reason "no new customers in the
//! attribution window"; a channel that never has spend (organic, referral) is reported as such,
//! never divided by zero.

use crate::cohort::{Before, CohortGrid, Shares};
use crate::data::dates::{default_week_start, TIMEZONE, WEEK_START};
use crate::data::spend::{ChannelKind, Spend};
use crate::data::{Calendar, Period, Transactions, Zone};
use crate::error::{Error, Result};
use crate::glossary::{Definition, DefinitionRef, ParamValue, ParameterDef};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

/// Parameter `period` of the CAC table.
pub const PERIOD_PARAM: ParameterDef = ParameterDef::new("period", "\"month\"", "Calendar period for spend and acquisitions: day, week (weekStart, Monday by default), month or quarter; local to the timezone.").text("month").one_of(crate::data::Period::NAMES);
/// Parameter `attributionLag` (whole periods, 0–1000).
pub const LAG_PARAM: ParameterDef = ParameterDef::new(
    "attributionLag",
    "0",
    "Spend in period t is set against customers acquired in periods t..t+L (L whole periods).",
)
.number(0.0)
.range(0.0, 1000.0)
.whole();
/// Parameter `margin` (alias `grossMargin`).
pub const MARGIN_PARAM: ParameterDef = ParameterDef::new("margin", "1", "Gross margin rate applied to net revenue (0–1]. 1 measures payback on revenue. Also accepted as `grossMargin`.").number(1.0).above(0.0).at_most(1.0);
const CAC_INPUTS: &str = "Spend (date, channel, amount, optional channel type) and Transactions (first purchase and acquisition channel per customer; optional acquisition table customerId → channel).";

/// `cac.blended`.
pub const BLENDED: Definition = Definition {
    id: "cac.blended",
    version: "2.1.0",
    name: "Blended CAC",
    description: "All sales and marketing spend in a period divided by all new customers acquired in it (organic included).",
    formula: "Σ spend(t) ÷ Σ new customers(t..t+L)",
    unit: "currency per new customer",
    parameters: &[PERIOD_PARAM, LAG_PARAM, TIMEZONE, WEEK_START],
    inputs: CAC_INPUTS,
    depends_on: &["customer.summary"],
};

/// `cac.paid`.
pub const PAID: Definition = Definition {
    id: "cac.paid",
    version: "2.2.0",
    name: "Paid CAC",
    description: "Spend on paid channels divided by the new customers acquired through paid channels. Needs the spend's channel type.",
    formula: "Σ spend(t, paid channels) ÷ Σ new customers(t..t+L, acquired through a paid channel); with model: Σ spend(t, paid channels) ÷ Σ credit(t..t+L, paid channels) (see cac.attributed)",
    unit: "currency per new customer",
    parameters: &[PERIOD_PARAM, LAG_PARAM, TIMEZONE, WEEK_START, PAID_MODEL_PARAM],
    inputs: CAC_INPUTS,
    depends_on: &["customer.summary"],
};

/// `cac.channel`.
pub const CHANNEL: Definition = Definition {
    id: "cac.channel",
    version: "2.1.0",
    name: "Channel CAC",
    description: "Spend on one channel divided by the new customers acquired through that channel. Channels that never have spend (organic, referral) are reported as unpaid, not divided by zero.",
    formula: "spend(t, c) ÷ Σ new customers(t..t+L, c)",
    unit: "currency per new customer",
    parameters: &[PERIOD_PARAM, LAG_PARAM, TIMEZONE, WEEK_START],
    inputs: CAC_INPUTS,
    depends_on: &["customer.summary"],
};

/// Parameter `model` of `cac.attributed`.
pub const MODEL_PARAM: ParameterDef = ParameterDef::new(
    "model",
    "none",
    "Attribution model whose per-conversion credits count each channel's new customers.",
)
.required()
.one_of(&[
    "firstTouch",
    "lastTouch",
    "lastNonDirect",
    "linear",
    "timeDecay",
    "positionBased",
    "markov",
    "shapley",
]);

/// Parameter `model` of `cac.paid`: optional, by default the channel of the first purchase.
pub const PAID_MODEL_PARAM: ParameterDef = ParameterDef {
    description: "Attribution model whose credits count the paid channels' new customers (default: each new customer counts for the channel of their first purchase).",
    default: "first-purchase channel",
    required: false,
    ..MODEL_PARAM
}
.rule("firstPurchaseChannel");

/// Parameter `model` of payback and LTV:CAC: optional, by default each customer counts for the
/// channel of their first purchase.
pub const COHORT_MODEL_PARAM: ParameterDef = ParameterDef {
    description: "Attribution model whose credits split each acquired customer between channels: a channel's cohort size, curve, CAC and LTV count each customer at the channel's credit, the uncredited rest as unknown (default: each customer counts for the channel of their first purchase).",
    ..PAID_MODEL_PARAM
};

/// `cac.attributed`.
pub const ATTRIBUTED: Definition = Definition {
    id: "cac.attributed",
    version: "1.0.0",
    name: "Channel CAC by attributed channel",
    description: "Spend on one channel divided by the new customers an attribution model credits to it (fractions of customers when a journey touched several channels), instead of the channel of the first purchase. Answers which ad spend buys customers under last click, Markov or any other model.",
    formula: "spend(t, c) ÷ Σ credit(t..t+L, c), credit(t, c) = Σ over first-purchase conversions in t of the model's weight of c; new customers no credit covers count as unknown",
    unit: "currency per new customer",
    parameters: &[PERIOD_PARAM, LAG_PARAM, TIMEZONE, WEEK_START, MODEL_PARAM],
    inputs: "Spend, Transactions and an attribution result with per-conversion credits (`credits: true`) of journeys built from the transactions' first purchases.",
    depends_on: &["customer.summary"],
};

/// New customers credited to channels by an attribution model: one row per credit (JS: the
/// `attribution` result and `model` options of `cac`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AttributedAcquisitions {
    /// The attribution model's JS name (recorded in the rows' definition).
    pub model: String,
    /// Channel names, indexed by `channel`.
    pub channels: Vec<String>,
    /// Conversion time of each credit (epoch ms).
    pub time: Vec<f64>,
    /// Channel of each credit.
    pub channel: Vec<u32>,
    /// New customers credited (a fraction of one conversion).
    pub weight: Vec<f64>,
    /// Customer of each credit (the journey id, which `Journeys.fromTransactions` takes from the
    /// customer id); empty when not read (`cac` does not need it; payback and LTV:CAC do).
    pub customer: Vec<String>,
}

impl AttributedAcquisitions {
    /// The credits of `model` in an attribution result computed with `credits: true` on
    /// journeys with times. `E_BAD_OPTION` when the model is missing or has no timed credits.
    pub fn from_result(
        result: &crate::attribution::AttributionResult,
        model: crate::attribution::Model,
    ) -> Result<AttributedAcquisitions> {
        let m = result.model(model)?;
        let credits = m.credits.as_ref().ok_or_else(|| Error::BadOption {
            option: "attribution".into(),
            message: "the attribution result has no per-conversion credits: run attribution with credits: true".into(),
        })?;
        let time = credits.time.clone().ok_or_else(|| Error::BadOption {
            option: "attribution".into(),
            message: "the attribution's journeys have no times (aggregated paths): build them with Journeys.fromTransactions".into(),
        })?;
        let customer = Self::customers_of(&credits.journey, &result.journeys)?;
        Ok(AttributedAcquisitions {
            model: model.name().into(),
            channels: m.channels.clone(),
            time,
            channel: credits.channel.clone(),
            weight: credits.weight.clone(),
            customer,
        })
    }

    /// Each credit's customer: the journey id its index names in `journeys` (journeys from
    /// transactions are named by customer id). `E_OUT_OF_RANGE` naming the credit's row for an
    /// index past the journeys.
    pub fn customers_of(journey: &[u32], journeys: &[String]) -> Result<Vec<String>> {
        journey
            .iter()
            .enumerate()
            .map(|(i, &j)| {
                journeys
                    .get(j as usize)
                    .cloned()
                    .ok_or_else(|| Error::OutOfRange {
                        column: "attribution credits.journey".into(),
                        row: i + 1,
                        message: format!(
                            "journey index {j} is not among the result's {} journeys",
                            journeys.len()
                        ),
                    })
            })
            .collect()
    }

    /// Checks the columns: one length (`customer` may be empty), finite weights ≥ 0, times
    /// within the accepted years, channel indices within `channels`.
    pub fn check(&self) -> Result<()> {
        let n = self.time.len();
        let customers = if self.customer.is_empty() {
            n
        } else {
            self.customer.len()
        };
        for (column, len) in [
            ("channel", self.channel.len()),
            ("weight", self.weight.len()),
            ("customer", customers),
        ] {
            if len != n {
                return Err(Error::LengthMismatch {
                    column: format!("attribution credits.{column}"),
                    actual: len,
                    reference: "attribution credits.time".into(),
                    expected: n,
                });
            }
        }
        crate::data::dates::parse_epoch_ms_column(&self.time, "attribution credits.time")?;
        for (i, (&w, &c)) in self.weight.iter().zip(&self.channel).enumerate() {
            crate::error::check_number(w, "attribution credits.weight", i + 1)?;
            if w < 0.0 {
                return Err(Error::Negative {
                    column: "attribution credits.weight".into(),
                    row: i + 1,
                    value: w,
                });
            }
            if c as usize >= self.channels.len() {
                return Err(Error::OutOfRange {
                    column: "attribution credits.channel".into(),
                    row: i + 1,
                    message: format!(
                        "channel index {c} is not among the result's {} channels",
                        self.channels.len()
                    ),
                });
            }
        }
        for (i, name) in self.channels.iter().enumerate() {
            if name.trim().is_empty() {
                return Err(Error::MissingValue {
                    column: "attribution channels".into(),
                    row: i + 1,
                });
            }
        }
        crate::attribution::Model::parse(&self.model).map_err(|_| Error::BadOption {
            option: "model".into(),
            message: format!("unknown attribution model '{}'", self.model),
        })?;
        Ok(())
    }
}

/// `cac.payback`.
pub const PAYBACK: Definition = Definition {
    id: "cac.payback",
    version: "2.2.0",
    name: "CAC payback (cohort curve)",
    description: "For each monthly acquisition cohort: the number of whole months after the acquisition month until the cohort's cumulative gross margin per acquired customer reaches its CAC. Read from the observed curve, never extrapolated: a cohort that has not reached its CAC is reported as not yet paid back after the months observed. With an attribution model, a channel's cohort counts each customer at the channel's credit (a customer split 50/50 counts half in each channel; the uncredited rest is unknown) and its CAC is cac.attributed; the all-channel row is unchanged.",
    formula: "min k ≥ 0 such that Σ_{j=0..k} margin · revenue(cohort, month a+j) ÷ cohort size ≥ CAC(a); with model, per channel c: Σ_{j=0..k} Σ_i w(i, c) · margin · revenue(i, month a+j) ÷ Σ_i w(i, c) ≥ spend(a, c) ÷ Σ credit(a..a+L, c), over the cohort's customers i with credit w(i, c)",
    unit: "months",
    parameters: &[MARGIN_PARAM, LAG_PARAM, TIMEZONE, COHORT_MODEL_PARAM],
    inputs: CAC_INPUTS,
    depends_on: &["customer.summary", "cac.blended", "cac.channel"],
};

/// `cac.payback_simple`.
pub const PAYBACK_SIMPLE: Definition = Definition {
    id: "cac.payback_simple",
    version: "2.2.0",
    name: "CAC payback (textbook ratio)",
    description: "The textbook shortcut: CAC over the whole window divided by monthly gross margin per customer. Assumes constant spend per customer and no churn; compare with cac.payback. With an attribution model, a channel's new customers, revenue and customer-months count each customer at the channel's credit.",
    formula: "(Σ spend ÷ Σ new customers) ÷ (margin · Σ net revenue ÷ Σ customer-months), customer-months counted from each customer's acquisition month to the last month with data, inclusive; with model, per channel: new customers Σ credit, revenue and customer-months Σ_i w(i, c) · …",
    unit: "months",
    parameters: &[MARGIN_PARAM, TIMEZONE, COHORT_MODEL_PARAM],
    inputs: CAC_INPUTS,
    depends_on: &["customer.summary", "cac.blended"],
};

/// `cac.ltv_ratio`.
pub const LTV_RATIO: Definition = Definition {
    id: "cac.ltv_ratio",
    version: "3.1.0",
    name: "LTV:CAC",
    description: "Mean customer lifetime value of a group divided by its CAC. The LTV used is named in the params: `ltv.historical` (realised gross margin per acquired customer to date) or a per-customer LTV column supplied by the caller (e.g. predictive CLV) with its metric id. With an attribution model, a channel's mean LTV weights each customer by the channel's credit and its CAC is cac.attributed's.",
    formula: "mean LTV(group) ÷ CAC(group); per monthly cohort with that month's CAC, and per channel over the whole window with Σ spend ÷ Σ new customers; with model, per channel c: (Σ_i w(i, c) · LTV(i) ÷ Σ_i w(i, c)) ÷ (spend(c) ÷ Σ credit(c))",
    unit: "ratio",
    parameters: &[
        MARGIN_PARAM,
        LAG_PARAM,
        LTV_PARAM,
        TIMEZONE,
        COHORT_MODEL_PARAM,
    ],
    inputs: CAC_INPUTS,
    depends_on: &["cac.blended", "cac.channel", "ltv.historical"],
};

/// Parameter `ltv` of LTV:CAC.
pub const LTV_PARAM: ParameterDef = ParameterDef::new("ltv", "\"historical\"", "Which LTV: \"historical\" (recorded as ltv.historical: realised gross margin per acquired customer to date, at margin), or { customerId, value, metric } with one value per customer.").text("historical");

/// All CAC definitions.
pub const DEFINITIONS: &[Definition] = &[
    BLENDED,
    PAID,
    CHANNEL,
    ATTRIBUTED,
    PAYBACK,
    PAYBACK_SIMPLE,
    LTV_RATIO,
];

/// The channel name given to customers without one.
pub const UNKNOWN_CHANNEL: &str = crate::cohort::UNKNOWN_CHANNEL;

/// The largest number of periods a CAC table may span (`E_TOO_LARGE` above it).
pub const MAX_PERIODS: i64 = 100_000;

/// An explicit acquisition channel per customer, overriding the transactions' channel column;
/// JS `AcquisitionChannels` (`{ customerId, channel }`).
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AcquisitionTable {
    /// Customer ids (as text, compared with the transactions' ids as text; integers are read
    /// as their decimal text).
    #[serde(deserialize_with = "id_texts")]
    pub customer_id: Vec<String>,
    /// Channel per customer.
    pub channel: Vec<String>,
}

/// Reads a list of ids given as strings or integers, as text.
fn id_texts<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Id {
        Text(String),
        Whole(i64),
    }
    Ok(Vec::<Id>::deserialize(d)?
        .into_iter()
        .map(|id| match id {
            Id::Text(s) => s,
            Id::Whole(n) => n.to_string(),
        })
        .collect())
}

/// Options of [`cac`]; JS `CacOptions`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct CacOptions {
    /// Calendar period (default month).
    pub period: Period,
    /// Attribution lag in periods (default 0, at most 1000).
    pub attribution_lag: u32,
    /// Optional explicit acquisition channels.
    #[serde(rename = "acquisitionChannels")]
    #[cfg_attr(target_arch = "wasm32", tsify(optional, type = "AcquisitionChannels"))]
    pub acquisition: Option<AcquisitionTable>,
    /// IANA time zone of the periods (default: the transactions' zone).
    #[cfg_attr(target_arch = "wasm32", tsify(optional, type = "string"))]
    pub timezone: Option<Zone>,
    /// ISO weekday weeks start on, 1 = Monday … 7 = Sunday (default 1).
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub week_start: u8,
    /// New customers by attributed channel (see the [module docs](self)); in JS the options
    /// `attribution` (a result of `attribution` with `credits: true`) and `model`.
    #[serde(skip)]
    pub attributed: Option<AttributedAcquisitions>,
}

impl Default for CacOptions {
    fn default() -> Self {
        CacOptions {
            period: match const { PERIOD_PARAM.default_text() }.as_bytes() {
                b"day" => Period::Day,
                b"week" => Period::Week,
                b"quarter" => Period::Quarter,
                _ => Period::Month,
            },
            attribution_lag: const { LAG_PARAM.default_number() } as u32,
            acquisition: None,
            timezone: None,
            week_start: default_week_start(),
            attributed: None,
        }
    }
}

impl CacOptions {
    /// Checks the attribution lag's and the week start's ranges (`E_BAD_OPTION`) and the
    /// attributed credits' columns.
    pub fn check(&self) -> Result<()> {
        LAG_PARAM.check_count(f64::from(self.attribution_lag))?;
        WEEK_START.check_count(f64::from(self.week_start))?;
        check_attributed(self.attributed.as_ref(), self.acquisition.as_ref(), false)
    }
}

/// Checks attributed credits (their columns; not together with an acquisition table; with
/// `per_customer`, each credit's customer given).
fn check_attributed(
    attributed: Option<&AttributedAcquisitions>,
    acquisition: Option<&AcquisitionTable>,
    per_customer: bool,
) -> Result<()> {
    let Some(a) = attributed else {
        return Ok(());
    };
    a.check()?;
    if acquisition.is_some() {
        return Err(Error::BadOption {
            option: "attribution".into(),
            message: "give either acquisitionChannels or an attribution result, not both".into(),
        });
    }
    if per_customer && a.customer.is_empty() && !a.time.is_empty() {
        return Err(Error::BadOption {
            option: "attribution".into(),
            message: "the attribution credits name no customers: payback and LTV:CAC need the result's journeys (journey ids = customer ids, Journeys.fromTransactions)".into(),
        });
    }
    Ok(())
}

/// A CAC variant; JS `CacVariant`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(
    target_arch = "wasm32",
    derive(tsify::Tsify),
    tsify(missing_as_null, rename = "CacVariant")
)]
#[serde(rename = "CacVariant", rename_all = "lowercase")]
pub enum Variant {
    /// All spend ÷ all new customers.
    Blended,
    /// Paid-channel spend ÷ customers acquired through paid channels.
    Paid,
    /// One channel.
    Channel,
}

/// One row of a CAC table.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase")]
pub struct CacRow {
    /// Period index (see [`Period::index`]).
    pub period: i64,
    /// First instant of the period (epoch ms).
    pub period_start: f64,
    /// Variant.
    #[cfg_attr(target_arch = "wasm32", tsify(type = "CacVariant"))]
    pub variant: Variant,
    /// Channel (channel variant only).
    pub channel: Option<String>,
    /// Channel type, when known (channel variant only).
    #[cfg_attr(target_arch = "wasm32", tsify(type = "ChannelType | null"))]
    pub channel_type: Option<ChannelKind>,
    /// Numerator: spend.
    pub spend: f64,
    /// Denominator: new customers in the attribution window.
    pub new_customers: f64,
    /// CAC, or `None` when undefined (see `reason`).
    pub value: Option<f64>,
    /// Why `value` is `None`.
    pub reason: Option<&'static str>,
    /// False when the attribution window reaches past the last period with data.
    pub complete: bool,
    /// Definition reference.
    pub definition: DefinitionRef,
}

/// The CAC table: period × variant (× channel).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase")]
pub struct CacTable {
    /// Rows ordered by period, then blended, paid, then channels by name.
    pub rows: Vec<CacRow>,
    /// Documented warnings about the input (never silent).
    pub warnings: Vec<String>,
}

/// Per-customer acquisition data shared by the CAC computations.
struct Acquired {
    /// Per dense customer index of the transactions: acquisition time (epoch ms).
    first_ms: Vec<Option<i64>>,
    /// Per dense customer index: channel index into `names`.
    channel: Vec<u32>,
    /// Channel names: spend channels first (their order), then other acquisition channels.
    names: Vec<String>,
    /// Kind per channel (from the spend table).
    kinds: Vec<Option<ChannelKind>>,
    /// Warnings.
    warnings: Vec<String>,
    /// Time of the last transaction.
    last_ms: i64,
}

fn acquired(
    spend: &Spend,
    tx: &Transactions,
    table: Option<&AcquisitionTable>,
    cal: &Calendar,
) -> Result<Acquired> {
    let mut names: Vec<String> = spend.channel_names.clone();
    let mut kinds: Vec<Option<ChannelKind>> = spend.channel_kinds.clone();
    let mut index: FxHashMap<String, u32> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.clone(), i as u32))
        .collect();
    let mut intern =
        |name: &str, names: &mut Vec<String>, kinds: &mut Vec<Option<ChannelKind>>| -> u32 {
            if let Some(&i) = index.get(name) {
                return i;
            }
            let i = names.len() as u32;
            names.push(name.to_string());
            kinds.push(None);
            index.insert(name.to_string(), i);
            i
        };
    let mut override_map: FxHashMap<String, String> = FxHashMap::default();
    if let Some(t) = table {
        if t.customer_id.len() != t.channel.len() {
            return Err(Error::LengthMismatch {
                column: "acquisitionChannels.channel".into(),
                actual: t.channel.len(),
                reference: "acquisitionChannels.customerId".into(),
                expected: t.customer_id.len(),
            });
        }
        for (i, (c, ch)) in t.customer_id.iter().zip(&t.channel).enumerate() {
            if ch.trim().is_empty() {
                return Err(Error::MissingValue {
                    column: "acquisitionChannels.channel".into(),
                    row: i + 1,
                });
            }
            override_map.insert(c.trim().to_string(), ch.trim().to_string());
        }
    }
    let acq = crate::summary::acquisitions(tx, cal);
    let m = acq.len();
    let mut first_ms = vec![None; m];
    let mut channel = vec![u32::MAX; m];
    let mut missing_in_table = 0usize;
    // Channel index of each of the transactions' channel names, interned once (not per customer).
    let from_tx: Vec<u32> = tx
        .channel_names()
        .iter()
        .map(|n| intern(n, &mut names, &mut kinds))
        .collect();
    let mut unknown: Option<u32> = None;
    for (d, a) in acq.iter().enumerate() {
        let Some((ms, ch)) = *a else { continue };
        first_ms[d] = Some(ms);
        channel[d] = if table.is_some() {
            match override_map.get(tx.keys.key_text(d).as_str()) {
                Some(n) => intern(n, &mut names, &mut kinds),
                None => {
                    missing_in_table += 1;
                    intern(UNKNOWN_CHANNEL, &mut names, &mut kinds)
                }
            }
        } else {
            match from_tx.get(ch as usize) {
                Some(&i) => i,
                None => {
                    *unknown.get_or_insert_with(|| intern(UNKNOWN_CHANNEL, &mut names, &mut kinds))
                }
            }
        };
    }
    let mut warnings = Vec::new();
    if missing_in_table > 0 {
        warnings.push(format!(
            "{missing_in_table} customers are not in the acquisition table and count as '{UNKNOWN_CHANNEL}'"
        ));
    }
    if table.is_none() && !tx.has_channel() {
        warnings.push(format!(
            "the transactions have no channel column: every customer counts as '{UNKNOWN_CHANNEL}', so channel CAC is undefined"
        ));
    }
    let mut acquisitions_per_channel = vec![0usize; names.len()];
    for &c in &channel {
        if let Some(n) = acquisitions_per_channel.get_mut(c as usize) {
            *n += 1;
        }
    }
    for (i, name) in spend.channel_names.iter().enumerate() {
        if acquisitions_per_channel.get(i).copied().unwrap_or(0) == 0 {
            warnings.push(format!(
                "spend channel '{name}' never appears as an acquisition channel: its CAC is undefined in every period"
            ));
        }
    }
    if spend.zone != *cal.zone() {
        warnings.push(format!(
            "the spend was read in {} but periods are counted in {}: read both in one zone (the spend mapping's timezone) so that spend dates fall on the intended local days",
            spend.zone.name(),
            cal.zone().name()
        ));
    }
    if !spend.duplicate_rows.is_empty() {
        let shown: Vec<String> = spend
            .duplicate_rows
            .iter()
            .take(5)
            .map(|r| r.to_string())
            .collect();
        warnings.push(format!(
            "{} spend rows repeat an earlier row exactly (same date, channel and amount; rows {}{}); they are counted, check for double entry",
            spend.duplicate_rows.len(),
            shown.join(", "),
            if spend.duplicate_rows.len() > 5 { ", …" } else { "" }
        ));
    }
    Ok(Acquired {
        first_ms,
        channel,
        names,
        kinds,
        warnings,
        last_ms: tx.time_range().1,
    })
}

/// Flat period × channel grids of spend and new customers.
struct Grid {
    p0: i64,
    periods: usize,
    channels: usize,
    spend: Vec<f64>,
    new: Vec<f64>,
    last_period: i64,
}

impl Grid {
    fn build(spend: &Spend, acq: &Acquired, cal: &Calendar, period: Period) -> Result<Grid> {
        let spend_period: Vec<i64> = spend.date.iter().map(|&d| cal.index(period, d)).collect();
        let acq_period: Vec<Option<i64>> = acq
            .first_ms
            .iter()
            .map(|f| f.map(|f| cal.index(period, f)))
            .collect();
        let last_period = cal.index(period, acq.last_ms);
        let mut lo = last_period;
        let mut hi = last_period;
        for &p in spend_period.iter().chain(acq_period.iter().flatten()) {
            lo = lo.min(p);
            hi = hi.max(p);
        }
        let span = hi - lo + 1;
        if span > MAX_PERIODS {
            return Err(Error::TooLarge {
                what: format!("the {} range of spend and transactions", period.as_str()),
                size: span as usize,
                limit: MAX_PERIODS as usize,
            });
        }
        let periods = span as usize;
        let channels = acq.names.len();
        let mut g = Grid {
            p0: lo,
            periods,
            channels,
            spend: vec![0.0; periods * channels],
            new: vec![0.0; periods * channels],
            last_period,
        };
        for ((&p, &c), &a) in spend_period.iter().zip(&spend.channel).zip(&spend.amount) {
            let t = (p - lo) as usize;
            g.spend[c as usize * periods + t] += a;
        }
        for (p, &c) in acq_period.iter().zip(&acq.channel) {
            if let Some(p) = p {
                let t = (p - lo) as usize;
                if let Some(x) = g.new.get_mut(c as usize * periods + t) {
                    *x += 1.0;
                }
            }
        }
        Ok(g)
    }

    /// Replaces the channels' new customers by the credits of `a` (channels interned into
    /// `acq.names`), the remainder of each period's acquisitions going to `"unknown"`; returns
    /// warnings.
    fn attribute(
        &mut self,
        a: &AttributedAcquisitions,
        acq: &mut Acquired,
        cal: &Calendar,
        period: Period,
    ) -> Vec<String> {
        let mut warnings = Vec::new();
        let mut index: FxHashMap<String, usize> = acq
            .names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.clone(), i))
            .collect();
        let mut slot = |name: &str, acq: &mut Acquired| -> usize {
            if let Some(&i) = index.get(name) {
                return i;
            }
            acq.names.push(name.to_string());
            acq.kinds.push(None);
            index.insert(name.to_string(), acq.names.len() - 1);
            acq.names.len() - 1
        };
        let channel_slot: Vec<usize> = a.channels.iter().map(|n| slot(n, acq)).collect();
        let unknown = slot(UNKNOWN_CHANNEL, acq);
        let channels = acq.names.len();
        let mut total = vec![0.0; self.periods];
        for row in self.new.chunks(self.periods.max(1)) {
            for (sum, x) in total.iter_mut().zip(row) {
                *sum += x;
            }
        }
        self.spend.resize(channels * self.periods, 0.0);
        self.new = vec![0.0; channels * self.periods];
        self.channels = channels;
        let (mut outside, mut credited) = (0.0, vec![0.0; self.periods]);
        for ((&t, &c), &w) in a.time.iter().zip(&a.channel).zip(&a.weight) {
            let p = cal.index(period, t as i64) - self.p0;
            let Some(&c) = channel_slot.get(c as usize) else {
                continue;
            };
            match usize::try_from(p).ok().filter(|&p| p < self.periods) {
                Some(p) => {
                    self.new[c * self.periods + p] += w;
                    credited[p] += w;
                }
                None => outside += w,
            }
        }
        let mut over = 0usize;
        let unknown_row = &mut self.new[unknown * self.periods..(unknown + 1) * self.periods];
        for ((x, sum), got) in unknown_row.iter_mut().zip(&total).zip(&credited) {
            let rest = sum - got;
            if rest > 1e-9 {
                *x += rest;
            } else if rest < -1e-9 {
                over += 1;
            }
        }
        if outside > 0.0 {
            warnings.push(format!(
                "{outside:.1} credited conversions fall outside the periods of the spend and the transactions and are left out"
            ));
        }
        if over > 0 {
            warnings.push(format!(
                "in {over} periods the attribution credits more conversions than there are new customers: build the journeys from first purchases (Journeys.fromTransactions with purchases: \"first\")"
            ));
        }
        warnings
    }

    /// Sum of `v[c][t..=t+lag]` (clipped to the grid).
    fn window(&self, v: &[f64], c: usize, t: usize, lag: usize) -> f64 {
        let end = (t + lag).min(self.periods - 1);
        v[c * self.periods + t..=c * self.periods + end]
            .iter()
            .sum()
    }
}

fn def_ref(d: &Definition, period: Period, lag: u32, cal: &Calendar) -> DefinitionRef {
    DefinitionRef::new(d)
        .with("period", ParamValue::Text(period.as_str().into()))
        .with("attributionLag", ParamValue::Number(lag as f64))
        .with("timezone", ParamValue::Text(cal.zone().name().into()))
        .with("weekStart", ParamValue::Number(f64::from(cal.week_start())))
}

fn ratio(spend: f64, new: f64) -> (Option<f64>, Option<&'static str>) {
    if new > 0.0 {
        (Some(spend / new), None)
    } else if spend > 0.0 {
        (None, Some("no new customers in the attribution window"))
    } else {
        (None, Some("no spend and no new customers"))
    }
}

/// Computes blended, paid and channel CAC for every period (see the [module docs](self)).
///
/// ```
/// use unimetric::{cac::{cac, CacOptions}, data::spend::{Spend, SpendMapping}, ColumnMapping, Transactions};
/// let tx = Transactions::from_csv(
///     b"c,d,a,ch\n1,2024-01-03,10,search\n2,2024-01-09,10,search\n3,2024-01-20,10,organic\n",
///     &ColumnMapping { channel: Some("ch".into()), ..ColumnMapping::new("c", "d", "a") }).unwrap();
/// let spend = Spend::from_csv(b"m,ch,a\n2024-01-01,search,300\n", &SpendMapping::new("m", "ch", "a")).unwrap();
/// let t = cac(&spend, &tx, &CacOptions::default()).unwrap();
/// let blended = &t.rows[0];
/// assert_eq!((blended.spend, blended.new_customers, blended.value), (300.0, 3.0, Some(100.0)));
/// ```
pub fn cac(spend: &Spend, tx: &Transactions, opts: &CacOptions) -> Result<CacTable> {
    opts.check()?;
    let cal = Calendar::for_call(opts.timezone.as_ref(), tx, opts.week_start)?;
    let acq = acquired(spend, tx, opts.acquisition.as_ref(), &cal)?;
    let mut acq = acq;
    let mut g = Grid::build(spend, &acq, &cal, opts.period)?;
    let lag = opts.attribution_lag as usize;
    let mut warnings = acq.warnings.clone();
    if let Some(a) = &opts.attributed {
        warnings.extend(g.attribute(a, &mut acq, &cal, opts.period));
    }
    let any_kind = acq.kinds.iter().any(Option::is_some);
    let paid: Vec<bool> = acq
        .kinds
        .iter()
        .map(|k| *k == Some(ChannelKind::Paid))
        .collect();
    if !any_kind {
        warnings.push(
            "the spend has no channel types: paid CAC is not computed (map a channelType column)"
                .into(),
        );
    }
    let mut order: Vec<usize> = (0..g.channels).collect();
    order.sort_by(|&a, &b| acq.names[a].cmp(&acq.names[b]));
    let spent_ever: Vec<bool> = (0..g.channels)
        .map(|c| {
            g.spend[c * g.periods..(c + 1) * g.periods]
                .iter()
                .any(|&x| x > 0.0)
        })
        .collect();
    let (bl, mut pd, mut ch) = (
        def_ref(&BLENDED, opts.period, opts.attribution_lag, &cal),
        def_ref(&PAID, opts.period, opts.attribution_lag, &cal),
        def_ref(&CHANNEL, opts.period, opts.attribution_lag, &cal),
    );
    if let Some(a) = &opts.attributed {
        let attributed = def_ref(&ATTRIBUTED, opts.period, opts.attribution_lag, &cal)
            .with("model", ParamValue::Text(a.model.clone()));
        pd = pd.with("model", ParamValue::Text(a.model.clone()));
        ch = attributed;
    }
    let mut rows = Vec::with_capacity(g.periods * (g.channels + 2));
    for t in 0..g.periods {
        let p = g.p0 + t as i64;
        let period_start = cal.start_ms(opts.period, p) as f64;
        let complete = p + lag as i64 <= g.last_period;
        let mut all_spend = 0.0;
        let mut all_new = 0.0;
        let mut paid_spend = 0.0;
        let mut paid_new = 0.0;
        for (c, &is_paid) in paid.iter().enumerate() {
            let s = g.spend[c * g.periods + t];
            let n = g.window(&g.new, c, t, lag);
            all_spend += s;
            all_new += n;
            if is_paid {
                paid_spend += s;
                paid_new += n;
            }
        }
        let (value, reason) = ratio(all_spend, all_new);
        rows.push(CacRow {
            period: p,
            period_start,
            variant: Variant::Blended,
            channel: None,
            channel_type: None,
            spend: all_spend,
            new_customers: all_new,
            value,
            reason,
            complete,
            definition: bl.clone(),
        });
        if any_kind {
            let (value, reason) = ratio(paid_spend, paid_new);
            rows.push(CacRow {
                period: p,
                period_start,
                variant: Variant::Paid,
                channel: None,
                channel_type: Some(ChannelKind::Paid),
                spend: paid_spend,
                new_customers: paid_new,
                value,
                reason,
                complete,
                definition: pd.clone(),
            });
        }
        for &c in &order {
            let s = g.spend[c * g.periods + t];
            let n = g.window(&g.new, c, t, lag);
            let (value, reason) = if spent_ever[c] {
                ratio(s, n)
            } else {
                (
                    None,
                    Some("no spend recorded for this channel (unpaid or organic)"),
                )
            };
            rows.push(CacRow {
                period: p,
                period_start,
                variant: Variant::Channel,
                channel: Some(acq.names[c].clone()),
                channel_type: acq.kinds[c],
                spend: s,
                new_customers: n,
                value,
                reason,
                complete,
                definition: ch.clone(),
            });
        }
    }
    Ok(CacTable { rows, warnings })
}

/// Options of [`cac_payback`]; JS `PaybackOptions`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct PaybackOptions {
    /// Gross margin rate in (0, 1] (default 1; also accepted as `grossMargin`).
    #[serde(alias = "grossMargin")]
    pub margin: f64,
    /// Attribution lag in months (default 0, at most 1000).
    pub attribution_lag: u32,
    /// Optional explicit acquisition channels.
    #[serde(rename = "acquisitionChannels")]
    #[cfg_attr(target_arch = "wasm32", tsify(optional, type = "AcquisitionChannels"))]
    pub acquisition: Option<AcquisitionTable>,
    /// IANA time zone of the months (default: the transactions' zone).
    #[cfg_attr(target_arch = "wasm32", tsify(optional, type = "string"))]
    pub timezone: Option<Zone>,
    /// New customers and cohort members by attributed channel (see the [module docs](self));
    /// in JS the options `attribution` (a result of `attribution` with `credits: true`) and
    /// `model`, as for `cac`.
    #[serde(skip)]
    pub attributed: Option<AttributedAcquisitions>,
}

impl Default for PaybackOptions {
    fn default() -> Self {
        PaybackOptions {
            margin: const { MARGIN_PARAM.default_number() },
            attribution_lag: const { LAG_PARAM.default_number() } as u32,
            acquisition: None,
            timezone: None,
            attributed: None,
        }
    }
}

/// Options of [`ltv_to_cac`]; JS `LtvCacOptions`: those of [`cac_payback`] and the LTV used.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct LtvCacOptions {
    /// Gross margin rate in (0, 1] (default 1; also accepted as `grossMargin`).
    #[serde(alias = "grossMargin")]
    pub margin: f64,
    /// Attribution lag in months (default 0, at most 1000).
    pub attribution_lag: u32,
    /// Optional explicit acquisition channels.
    #[serde(rename = "acquisitionChannels")]
    #[cfg_attr(target_arch = "wasm32", tsify(optional, type = "AcquisitionChannels"))]
    pub acquisition: Option<AcquisitionTable>,
    /// Which LTV (default historical).
    #[cfg_attr(
        target_arch = "wasm32",
        tsify(optional, type = "\"historical\" | LtvColumn")
    )]
    pub ltv: LtvSource,
    /// IANA time zone of the months (default: the transactions' zone).
    #[cfg_attr(target_arch = "wasm32", tsify(optional, type = "string"))]
    pub timezone: Option<Zone>,
    /// New customers and cohort members by attributed channel (see the [module docs](self));
    /// in JS the options `attribution` (a result of `attribution` with `credits: true`) and
    /// `model`, as for `cac`.
    #[serde(skip)]
    pub attributed: Option<AttributedAcquisitions>,
}

impl Default for LtvCacOptions {
    fn default() -> Self {
        let p = PaybackOptions::default();
        LtvCacOptions {
            margin: p.margin,
            attribution_lag: p.attribution_lag,
            acquisition: None,
            ltv: LtvSource::Historical,
            timezone: None,
            attributed: None,
        }
    }
}

/// Payback of one monthly cohort (all channels, or one channel).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase")]
pub struct PaybackRow {
    /// Acquisition month index.
    pub cohort: i64,
    /// First instant of the acquisition month (epoch ms).
    pub cohort_start: f64,
    /// Channel, or `None` for all channels (blended CAC).
    pub channel: Option<String>,
    /// Customers acquired.
    pub customers: f64,
    /// The cohort's CAC (blended or channel), when defined.
    pub cac: Option<f64>,
    /// Whole months observed after the acquisition month.
    pub months_observed: u32,
    /// Cumulative gross margin per acquired customer at months 0..=months_observed after
    /// acquisition.
    pub curve: Vec<f64>,
    /// Months after the acquisition month until the curve reaches the CAC (0 = within it).
    pub payback_months: Option<u32>,
    /// `paid_back`, `not_yet` or `no_cac`.
    #[cfg_attr(
        target_arch = "wasm32",
        tsify(type = "\"paid_back\" | \"not_yet\" | \"no_cac\"")
    )]
    pub status: &'static str,
    /// Plain-language explanation of the status.
    pub note: String,
    /// Definition reference.
    pub definition: DefinitionRef,
}

/// The textbook payback of a group over the whole window.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase")]
pub struct SimplePayback {
    /// Channel, or `None` for all channels.
    pub channel: Option<String>,
    /// Σ spend ÷ Σ new customers, when defined.
    pub cac: Option<f64>,
    /// Net revenue per customer-month.
    pub monthly_revenue_per_customer: f64,
    /// Months, when defined.
    pub value: Option<f64>,
    /// Why `value` is `None`.
    pub reason: Option<&'static str>,
    /// Definition reference.
    pub definition: DefinitionRef,
}

/// Result of [`cac_payback`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase")]
pub struct PaybackTable {
    /// Cohort rows: by month, the all-channel row first, then channels by name.
    pub cohorts: Vec<PaybackRow>,
    /// Textbook payback for all channels and per channel.
    pub simple: Vec<SimplePayback>,
    /// Warnings.
    pub warnings: Vec<String>,
}

/// Monthly cohort curves shared by payback and LTV:CAC.
struct Cohorts {
    cal: Calendar,
    acq: Acquired,
    grid: Grid,
    /// Per dense customer: acquisition month index.
    month: Vec<Option<i64>>,
    /// The cohort grid: group 0 is all channels, group c + 1 is channel c; cohort t is month
    /// `grid.p0 + t`.
    cohorts: CohortGrid,
    /// Each customer's groups: all channels at weight 1, and their acquisition channel at
    /// weight 1 or the channels an attribution model credits, each at its weight.
    shares: Shares,
    /// Σ share weights per row of `cohorts` (the cohorts' sizes).
    sizes: Vec<f64>,
    /// margin · net revenue per cell of `cohorts` (months since acquisition), weighted by the
    /// shares.
    revenue: Vec<f64>,
    /// The attribution model's JS name, when the channels are attributed.
    model: Option<String>,
}

/// Checks the margin and the attribution lag (`E_BAD_OPTION` naming the option and its range).
fn check_payback(margin: f64, lag: u32) -> Result<()> {
    MARGIN_PARAM.check_number(margin)?;
    LAG_PARAM.check_count(f64::from(lag))?;
    Ok(())
}

/// Each customer's groups (see [`Cohorts::shares`]): without credits, all channels and the
/// acquisition channel at weight 1; with credits, all channels at weight 1, each credited
/// channel at its weight and the uncredited remainder (1 − Σ weights) as `"unknown"`. Credits
/// are matched to acquired customers by id text; `acq.names` must hold the credits' channels
/// (see [`Grid::attribute`]).
fn customer_shares(
    acq: &Acquired,
    tx: &Transactions,
    attributed: Option<&AttributedAcquisitions>,
    warnings: &mut Vec<String>,
) -> Shares {
    let mut shares = Shares::new();
    let Some(a) = attributed else {
        for (f, &ch) in acq.first_ms.iter().zip(&acq.channel) {
            match f {
                Some(_) => shares.push([(0, 1.0), (ch.saturating_add(1), 1.0)]),
                None => shares.push([]),
            }
        }
        return shares;
    };
    let index: FxHashMap<&str, u32> = acq
        .names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i as u32 + 1))
        .collect();
    let slot: Vec<Option<u32>> = a
        .channels
        .iter()
        .map(|n| index.get(n.as_str()).copied())
        .collect();
    let unknown = index.get(UNKNOWN_CHANNEL).copied();
    let by_id: FxHashMap<String, usize> = acq
        .first_ms
        .iter()
        .enumerate()
        .filter(|(_, f)| f.is_some())
        .map(|(d, _)| (tx.keys.key_text(d).trim().to_string(), d))
        .collect();
    let mut credit: Vec<(usize, u32, f64)> = Vec::with_capacity(a.weight.len());
    let mut unmatched = 0usize;
    for ((name, &c), &w) in a.customer.iter().zip(&a.channel).zip(&a.weight) {
        match (
            by_id.get(name.trim()),
            slot.get(c as usize).copied().flatten(),
        ) {
            (Some(&d), Some(g)) => credit.push((d, g, w)),
            _ => unmatched += 1,
        }
    }
    // By customer, each customer's credits in the result's order.
    credit.sort_by_key(|x| x.0);
    let mut k = 0usize;
    let mut over = 0usize;
    for (d, f) in acq.first_ms.iter().enumerate() {
        let from = k;
        while credit.get(k).is_some_and(|x| x.0 == d) {
            k += 1;
        }
        if f.is_none() {
            shares.push([]);
            continue;
        }
        let own = credit.get(from..k).unwrap_or(&[]);
        let rest = 1.0 - own.iter().map(|x| x.2).sum::<f64>();
        if rest < -1e-9 {
            over += 1;
        }
        let remainder = unknown.filter(|_| rest > 1e-9).map(|u| (u, rest));
        shares.push(
            std::iter::once((0, 1.0))
                .chain(own.iter().map(|&(_, g, w)| (g, w)))
                .chain(remainder),
        );
    }
    if unmatched > 0 {
        warnings.push(format!(
            "{unmatched} attribution credits name no customer acquired in the transactions and are left out of the cohorts"
        ));
    }
    if over > 0 {
        warnings.push(format!(
            "{over} customers are credited more than one conversion: build the journeys from first purchases (Journeys.fromTransactions with purchases: \"first\")"
        ));
    }
    shares
}

fn cohorts(
    spend: &Spend,
    tx: &Transactions,
    margin: f64,
    lag: u32,
    acquisition: Option<&AcquisitionTable>,
    attributed: Option<&AttributedAcquisitions>,
    timezone: Option<&Zone>,
) -> Result<Cohorts> {
    check_payback(margin, lag)?;
    check_attributed(attributed, acquisition, true)?;
    let cal = Calendar::for_call(timezone, tx, default_week_start())?;
    let mut acq = acquired(spend, tx, acquisition, &cal)?;
    let mut grid = Grid::build(spend, &acq, &cal, Period::Month)?;
    if let Some(a) = attributed {
        let w = grid.attribute(a, &mut acq, &cal, Period::Month);
        acq.warnings.extend(w);
    }
    let mut warnings = std::mem::take(&mut acq.warnings);
    let shares = customer_shares(&acq, tx, attributed, &mut warnings);
    acq.warnings = warnings;
    let month: Vec<Option<i64>> = acq
        .first_ms
        .iter()
        .map(|f| f.map(|f| cal.index(Period::Month, f)))
        .collect();
    // The one cohort grid, months since the acquisition month up to the last transaction's
    // month; transactions before the acquisition month are not counted. Each customer's row is
    // their cohort's group 0; `shares` puts them in their groups.
    let cohorts = CohortGrid::new(
        tx,
        &cal,
        Period::Month,
        Period::Month,
        grid.p0,
        grid.periods,
        acq.names.len() + 1,
        acq.first_ms.iter().map(|f| f.map(|f| (f, 0))),
        false,
        acq.last_ms,
        usize::MAX,
    )?;
    let revenue = cohorts.sum_shared(&shares, tx, &cal, acq.last_ms, Before::Skip, |r| {
        margin * tx.amount[r]
    });
    let sizes = cohorts.sizes_shared(&shares);
    Ok(Cohorts {
        cal,
        acq,
        grid,
        month,
        cohorts,
        shares,
        sizes,
        revenue,
        model: attributed.map(|a| a.model.clone()),
    })
}

impl Cohorts {
    /// Size (Σ share weights) and CAC of group `g` (0 = all) in cohort month offset `t`.
    fn cac_of(&self, g: usize, t: usize, lag: usize) -> (f64, Option<f64>) {
        let grid = &self.grid;
        let size = self
            .sizes
            .get(t * self.cohorts.groups + g)
            .copied()
            .unwrap_or(0.0);
        let (spend, new) = if g == 0 {
            (0..grid.channels).fold((0.0, 0.0), |(s, n), c| {
                (
                    s + grid.spend[c * grid.periods + t],
                    n + grid.window(&grid.new, c, t, lag),
                )
            })
        } else {
            let c = g - 1;
            let any_spend = grid.spend[c * grid.periods..(c + 1) * grid.periods]
                .iter()
                .any(|&x| x > 0.0);
            if !any_spend {
                return (size, None);
            }
            (
                grid.spend[c * grid.periods + t],
                grid.window(&grid.new, c, t, lag),
            )
        };
        (size, if new > 0.0 { Some(spend / new) } else { None })
    }

    /// Σ share weights of group `g` over all cohorts.
    fn size_total(&self, g: usize) -> f64 {
        (0..self.grid.periods)
            .map(|t| {
                self.sizes
                    .get(t * self.cohorts.groups + g)
                    .copied()
                    .unwrap_or(0.0)
            })
            .sum()
    }

    /// `def` with the attribution model, when the channels are attributed.
    fn with_model(&self, def: DefinitionRef) -> DefinitionRef {
        match &self.model {
            Some(m) => def.with("model", ParamValue::Text(m.clone())),
            None => def,
        }
    }

    fn group_name(&self, g: usize) -> Option<String> {
        (g > 0).then(|| self.acq.names[g - 1].clone())
    }

    fn group_order(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (1..=self.acq.names.len()).collect();
        order.sort_by(|&a, &b| self.acq.names[a - 1].cmp(&self.acq.names[b - 1]));
        order.insert(0, 0);
        order
    }
}

/// CAC payback per monthly cohort from the observed cumulative margin curve, and the textbook
/// payback per channel (see [`PAYBACK`] and [`PAYBACK_SIMPLE`]).
pub fn cac_payback(
    spend: &Spend,
    tx: &Transactions,
    opts: &PaybackOptions,
) -> Result<PaybackTable> {
    let co = cohorts(
        spend,
        tx,
        opts.margin,
        opts.attribution_lag,
        opts.acquisition.as_ref(),
        opts.attributed.as_ref(),
        opts.timezone.as_ref(),
    )?;
    let lag = opts.attribution_lag as usize;
    let def = co.with_model(
        DefinitionRef::new(&PAYBACK)
            .with("margin", ParamValue::Number(opts.margin))
            .with(
                "attributionLag",
                ParamValue::Number(opts.attribution_lag as f64),
            )
            .with("timezone", ParamValue::Text(co.cal.zone().name().into())),
    );
    let mut rows = Vec::new();
    for t in 0..co.grid.periods {
        for g in co.group_order() {
            let (size, cac) = co.cac_of(g, t, lag);
            if size == 0.0 {
                continue;
            }
            let raw = co.cohorts.row(&co.revenue, t, g);
            let mut cum = 0.0;
            let curve: Vec<f64> = raw
                .iter()
                .map(|v| {
                    cum += v;
                    cum / size
                })
                .collect();
            let months_observed = curve.len().saturating_sub(1) as u32;
            let (payback_months, status, note) = match cac {
                None => (
                    None,
                    "no_cac",
                    "CAC undefined for this cohort (no spend on the channel, or no new customers in the attribution window)".to_string(),
                ),
                Some(c) => match curve.iter().position(|&x| x >= c) {
                    Some(k) => (Some(k as u32), "paid_back", paid_back_note(k)),
                    None => (
                        None,
                        "not_yet",
                        format!(
                            "not yet paid back after {months_observed} month{}",
                            if months_observed == 1 { "" } else { "s" }
                        ),
                    ),
                },
            };
            rows.push(PaybackRow {
                cohort: co.grid.p0 + t as i64,
                cohort_start: co.cal.start_ms(Period::Month, co.grid.p0 + t as i64) as f64,
                channel: co.group_name(g),
                customers: size,
                cac,
                months_observed,
                curve,
                payback_months,
                status,
                note,
                definition: def.clone(),
            });
        }
    }
    let simple = simple_payback(&co, opts.margin);
    Ok(PaybackTable {
        cohorts: rows,
        simple,
        warnings: co.acq.warnings.clone(),
    })
}

fn paid_back_note(k: usize) -> String {
    match k {
        0 => "paid back within the acquisition month".into(),
        1 => "paid back 1 month after the acquisition month".into(),
        k => format!("paid back {k} months after the acquisition month"),
    }
}

fn simple_payback(co: &Cohorts, margin: f64) -> Vec<SimplePayback> {
    let grid = &co.grid;
    let def = co.with_model(
        DefinitionRef::new(&PAYBACK_SIMPLE)
            .with("margin", ParamValue::Number(margin))
            .with("timezone", ParamValue::Text(co.cal.zone().name().into())),
    );
    let groups = co.acq.names.len() + 1;
    // Customer-months per group, each customer's months weighted by their share of the group.
    let mut customer_months = vec![0.0; groups];
    for (c, m) in co.month.iter().enumerate() {
        if let Some(a) = m {
            let months = (grid.last_period - a + 1).max(1) as f64;
            for &(g, w) in co.shares.of(c) {
                if let Some(x) = customer_months.get_mut(g as usize) {
                    *x += w * months;
                }
            }
        }
    }
    co.group_order()
        .into_iter()
        .map(|g| {
            let margin_revenue: f64 = (0..grid.periods)
                .flat_map(|t| co.cohorts.row(&co.revenue, t, g))
                .sum();
            let (spend, new) = if g == 0 {
                (grid.spend.iter().sum::<f64>(), grid.new.iter().sum::<f64>())
            } else {
                let c = g - 1;
                let r = c * grid.periods..(c + 1) * grid.periods;
                (
                    grid.spend[r.clone()].iter().sum::<f64>(),
                    grid.new[r].iter().sum::<f64>(),
                )
            };
            let revenue_per_month = if customer_months[g] > 0.0 {
                margin_revenue / margin / customer_months[g]
            } else {
                0.0
            };
            let cac = if spend > 0.0 && new > 0.0 {
                Some(spend / new)
            } else {
                None
            };
            let (value, reason) = match cac {
                None if spend == 0.0 => (None, Some("no spend recorded for this group")),
                None => (None, Some("no new customers")),
                Some(_) if revenue_per_month <= 0.0 => {
                    (None, Some("no positive revenue per customer-month"))
                }
                Some(c) => (Some(c / (revenue_per_month * margin)), None),
            };
            SimplePayback {
                channel: co.group_name(g),
                cac,
                monthly_revenue_per_customer: revenue_per_month,
                value,
                reason,
                definition: def.clone(),
            }
        })
        .collect()
}

/// Which LTV [`ltv_to_cac`] divides by CAC: `"historical"` or
/// `{ customerId, value, metric }`.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(try_from = "LtvInput")]
pub enum LtvSource {
    /// Realised gross margin per acquired customer to date.
    #[default]
    Historical,
    /// One value per customer supplied by the caller, with the metric id it comes from.
    PerCustomer {
        /// Customer ids (text).
        customer_id: Vec<String>,
        /// LTV per customer.
        value: Vec<f64>,
        /// Metric id of the values, e.g. `ltv.clv`.
        metric: String,
    },
}

/// The serde form of [`LtvSource`].
#[derive(Deserialize)]
#[serde(untagged)]
enum LtvInput {
    Name(String),
    Column(LtvColumn),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct LtvColumn {
    #[serde(deserialize_with = "id_texts")]
    customer_id: Vec<String>,
    value: Vec<f64>,
    metric: String,
}

impl TryFrom<LtvInput> for LtvSource {
    type Error = String;

    fn try_from(v: LtvInput) -> std::result::Result<Self, String> {
        match v {
            LtvInput::Name(n) if n == "historical" => Ok(LtvSource::Historical),
            LtvInput::Name(n) => Err(format!(
                "expected \"historical\" or {{ customerId, value, metric }}, found \"{n}\""
            )),
            LtvInput::Column(c) => Ok(LtvSource::PerCustomer {
                customer_id: c.customer_id,
                value: c.value,
                metric: c.metric,
            }),
        }
    }
}

/// One LTV:CAC value.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase")]
pub struct LtvCacRow {
    /// Acquisition month, or `None` for the whole window.
    pub cohort: Option<i64>,
    /// Channel, or `None` for all channels.
    pub channel: Option<String>,
    /// Customers in the group.
    pub customers: f64,
    /// Mean LTV of the group.
    pub ltv: f64,
    /// CAC of the group, when defined.
    pub cac: Option<f64>,
    /// LTV ÷ CAC, when defined.
    pub value: Option<f64>,
    /// Why `value` is `None`.
    pub reason: Option<&'static str>,
    /// Definition reference (names the LTV used in `params.ltv`).
    pub definition: DefinitionRef,
}

/// Result of [`ltv_to_cac`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase")]
pub struct LtvCacTable {
    /// Whole-window rows (all channels, then channels by name), then cohort rows by month.
    pub rows: Vec<LtvCacRow>,
    /// Warnings.
    pub warnings: Vec<String>,
}

/// LTV:CAC per channel over the whole window and per monthly cohort (see [`LTV_RATIO`]).
pub fn ltv_to_cac(spend: &Spend, tx: &Transactions, opts: &LtvCacOptions) -> Result<LtvCacTable> {
    if let LtvSource::PerCustomer { metric, .. } = &opts.ltv {
        if metric.trim().is_empty() {
            return Err(Error::BadOption {
                option: "ltv.metric".into(),
                message: "name the metric the values come from, e.g. \"ltv.clv\"".into(),
            });
        }
    }
    let co = cohorts(
        spend,
        tx,
        opts.margin,
        opts.attribution_lag,
        opts.acquisition.as_ref(),
        opts.attributed.as_ref(),
        opts.timezone.as_ref(),
    )?;
    let lag = opts.attribution_lag as usize;
    let grid = &co.grid;
    let groups = co.acq.names.len() + 1;
    // Σ LTV per (group, cohort).
    let mut ltv_sum = vec![vec![0.0; grid.periods]; groups];
    let mut warnings = co.acq.warnings.clone();
    let ltv_name = match &opts.ltv {
        LtvSource::Historical => {
            for (g, rows) in ltv_sum.iter_mut().enumerate() {
                for (t, r) in rows.iter_mut().enumerate() {
                    *r = co.cohorts.row(&co.revenue, t, g).iter().sum();
                }
            }
            crate::ltv::historical::DEFINITION.id.to_string()
        }
        LtvSource::PerCustomer {
            customer_id,
            value,
            metric,
        } => {
            if customer_id.len() != value.len() {
                return Err(Error::LengthMismatch {
                    column: "ltv.value".into(),
                    actual: value.len(),
                    reference: "ltv.customerId".into(),
                    expected: customer_id.len(),
                });
            }
            let mut by_id: FxHashMap<&str, f64> = FxHashMap::default();
            for (i, (id, &v)) in customer_id.iter().zip(value).enumerate() {
                crate::error::check_number(v, "ltv.value", i + 1)?;
                by_id.insert(id.trim(), v);
            }
            let mut missing = 0usize;
            // Customers in output order, so the sums do not depend on how ids were numbered.
            for c in tx.keys.output_order() {
                let c = c as usize;
                let Some(Some(a)) = co.month.get(c) else {
                    continue;
                };
                let t = (a - grid.p0) as usize;
                let key = tx.keys.key_text(c);
                let v = match by_id.get(key.as_str()) {
                    Some(&v) => v,
                    None => {
                        missing += 1;
                        0.0
                    }
                };
                for &(g, w) in co.shares.of(c) {
                    if let Some(x) = ltv_sum.get_mut(g as usize).and_then(|r| r.get_mut(t)) {
                        *x += w * v;
                    }
                }
            }
            if missing > 0 {
                warnings.push(format!(
                    "{missing} acquired customers have no LTV value and count as 0"
                ));
            }
            metric.clone()
        }
    };
    let def = co.with_model(
        DefinitionRef::new(&LTV_RATIO)
            .with("margin", ParamValue::Number(opts.margin))
            .with(
                "attributionLag",
                ParamValue::Number(opts.attribution_lag as f64),
            )
            .with("ltv", ParamValue::Text(ltv_name))
            .with("timezone", ParamValue::Text(co.cal.zone().name().into())),
    );
    let make = |cohort, channel, customers: f64, total_ltv: f64, cac: Option<f64>| {
        let mean = if customers > 0.0 {
            total_ltv / customers
        } else {
            0.0
        };
        let (value, reason) = match cac {
            None => (None, Some("CAC undefined (no spend, or no new customers)")),
            Some(c) if c <= 0.0 => (None, Some("CAC is zero")),
            Some(c) => (Some(mean / c), None),
        };
        LtvCacRow {
            cohort,
            channel,
            customers,
            ltv: mean,
            cac,
            value,
            reason,
            definition: def.clone(),
        }
    };
    let mut rows = Vec::new();
    for g in co.group_order() {
        let (spend_total, new_total) = if g == 0 {
            (grid.spend.iter().sum::<f64>(), grid.new.iter().sum::<f64>())
        } else {
            let r = (g - 1) * grid.periods..g * grid.periods;
            (
                grid.spend[r.clone()].iter().sum::<f64>(),
                grid.new[r].iter().sum::<f64>(),
            )
        };
        // Customers: Σ share weights (the credited new customers when attributed); CAC: the
        // channel's spend ÷ its new customers (credited).
        let customers = co.size_total(g);
        if customers == 0.0 {
            continue;
        }
        let cac = (spend_total > 0.0 && new_total > 0.0).then(|| spend_total / new_total);
        rows.push(make(
            None,
            co.group_name(g),
            customers,
            ltv_sum.get(g).map_or(0.0, |v| v.iter().sum()),
            cac,
        ));
    }
    for t in 0..grid.periods {
        for g in co.group_order() {
            let (size, cac) = co.cac_of(g, t, lag);
            if size == 0.0 {
                continue;
            }
            let total = ltv_sum
                .get(g)
                .and_then(|v| v.get(t))
                .copied()
                .unwrap_or(0.0);
            rows.push(make(
                Some(grid.p0 + t as i64),
                co.group_name(g),
                size,
                total,
                cac,
            ));
        }
    }
    Ok(LtvCacTable { rows, warnings })
}
