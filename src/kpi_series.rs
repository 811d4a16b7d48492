//! KPI series (issue #20, part 1): the customer-base KPIs bucket by bucket — day, week or month —
//! with the same metric one bucket and one year earlier, ready for period-over-period tiles and
//! for anomaly detection ([`crate::anomaly::AnomalySeries`] takes `time`, `value` and
//! `denominator` as they are).
//!
//! # Conventions
//!
//! - **Buckets.** `bucket` is `day`, `week` (from `weekStart`, Monday by default) or `month`,
//!   local to the `timezone` (default: the transactions' zone), DST-correct. It is named apart
//!   from the summary's `period`, which merges same-period transactions into one purchase: a
//!   series never merges anything. `time` holds each bucket's first instant (epoch ms).
//! - **Range.** From the bucket of `start` to the bucket of `end` (dates: epoch ms or ISO text;
//!   a bare date is read in the `timezone`); by default the first and the last transaction's
//!   buckets. Every bucket of the range is in the series, an empty one with value 0: a series
//!   has no gaps. More than [`MAX_BUCKETS`] buckets is `E_TOO_LARGE`; no transaction in the
//!   range is `E_EMPTY`.
//! - **Purchases.** As everywhere in the crate ([`crate::summary::is_purchase`]): a transaction
//!   of amount ≥ 0 is a purchase ($0.00 orders included); a negative amount is a refund, which
//!   subtracts from revenue in the bucket it is dated in and is never an order or activity.
//! - **Metrics per bucket.** `revenue.net` = Σ amount; `orders.count` = purchases (with an
//!   order id column, distinct (customer, order id) pairs among them, as `orders.count` counts
//!   them per customer); `orders.aov` = revenue ÷ orders, with `denominator` = orders (0 when
//!   the bucket has no order); `customers.active` = distinct customers with a purchase;
//!   `customers.new` = customers whose acquisition falls in the bucket; `customers.repeat_share`
//!   = the active customers acquired in an earlier bucket ÷ active customers, with
//!   `denominator` = active customers (0 when none is active). The acquisition is the crate's
//!   one first-purchase rule (`summary::acquisitions`: the first local day with a purchase, as
//!   in `customer.summary`, the cohort matrix and CAC), taken over all the transactions, also
//!   those before `start`. The three window KPIs keep their glossary ids: per bucket they count
//!   the same things, the bucket being the window.
//! - **Conversion rate.** With a [`Traffic`] table ([`kpi_series_with_traffic`]),
//!   `traffic.conversion_rate` = orders ÷ the visits dated in the bucket, `denominator` = the
//!   visits (0 when there is none; above 1 when the tables disagree, never clipped).
//! - **Comparisons.** `previous[i]` is the metric one bucket before bucket i; `lastYear[i]` the
//!   metric one year before: **364 days** (52 weeks, the same weekday) for day buckets, so that
//!   weekly seasonality lines up; 52 weeks for week buckets; 12 months for month buckets. They
//!   are computed from the transactions, also before `start`; a comparison bucket that begins
//!   before the first transaction's bucket was not observed and is NaN (`null` in JSON).
//! - **Split.** `by: "channel"` (the channel column) or the name of a dimension kept at load
//!   splits every metric by the row's value; rows without one go to `"unknown"`. A customer
//!   counts in every value they bought under in the bucket, so the customer counts of the split
//!   may sum above the total; revenue and orders add up. `customers.new` in a value counts the
//!   customers acquired in the bucket who bought under that value in it.
//! - **Action log.** `annotations` — dated notes (`date`, `text`, `author`) such as "launched
//!   spring campaign" — come back in the result's `annotations`, in time order, each with the
//!   index of the bucket it falls in (`null` outside the series), so a chart can set a flag
//!   beside the action that may explain it ([`crate::anomaly::explain`] names them in its
//!   sentence).
//!
//! ```
//! use unimetric::{Transactions, TransactionColumns, IdColumn, TimeColumn};
//! use unimetric::kpi_series::{kpi_series, KpiSeriesOptions};
//! const DAY: f64 = 86_400_000.0;
//! let tx = Transactions::from_columns(TransactionColumns {
//!     customer_id: IdColumn::Numeric(&[1, 2, 1, 1]),
//!     timestamp: TimeColumn::EpochMs(&[0.0, 0.0, 2.0 * DAY, 2.0 * DAY]),
//!     amount: &[30.0, 10.0, 20.0, -5.0], order_id: None, channel: None, cost: None,
//! }).unwrap();
//! let s = kpi_series(&tx, &KpiSeriesOptions::default()).unwrap();
//! assert_eq!(s.time, [0.0, DAY, 2.0 * DAY]);
//! assert_eq!(s.series["revenue.net"].value, [40.0, 0.0, 15.0]); // day 1 empty: 0, not missing
//! assert_eq!(s.series["customers.active"].value, [2.0, 0.0, 1.0]);
//! assert_eq!(s.series["customers.repeat_share"].value, [0.0, 0.0, 1.0]);
//! assert!(s.series["revenue.net"].previous[0].is_nan()); // nothing observed before
//! assert_eq!(s.series["revenue.net"].previous[2], 0.0);
//! ```

use crate::data::dates::{default_week_start, TIMEZONE, WEEK_START};
use crate::data::traffic::Traffic;
use crate::data::{Calendar, Period, Transactions, When, Zone};
use crate::error::{Error, Result};
use crate::glossary::{Definition, DefinitionRef, ParamValue, ParameterDef};
use crate::kpi;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The most buckets a series may hold (`E_TOO_LARGE` above it), as CAC's periods.
pub const MAX_BUCKETS: i64 = crate::cac::MAX_PERIODS;

/// The most cells (buckets × split values, with the year of comparison) a call may compute.
pub const MAX_CELLS: usize = crate::cohort::MAX_CELLS;

/// The name of the split value of rows without one.
pub const UNKNOWN: &str = crate::cohort::UNKNOWN_CHANNEL;

/// Parameter `bucket`.
pub const BUCKET: ParameterDef = ParameterDef::new(
    "bucket",
    "\"day\"",
    "Calendar bucket of the series: day, week (weekStart, Monday by default) or month; local to the timezone. Not the summary's purchase-merging period: nothing is merged.",
)
.text("day")
.one_of(Bucket::NAMES);

/// Parameter `start`.
pub const START: ParameterDef = ParameterDef::new(
    "start",
    "the first transaction's bucket",
    "First bucket of the series: the bucket containing this date (epoch ms or ISO text; a bare date is read in the timezone). Default: the first transaction's.",
)
.rule("firstTransaction");

/// Parameter `end`.
pub const END: ParameterDef = ParameterDef::new(
    "end",
    "the last transaction's bucket",
    "Last bucket of the series: the bucket containing this date (epoch ms or ISO text; a bare date is read in the timezone). Default: the last transaction's.",
)
.rule("lastTransaction");

/// Parameter `by`.
pub const BY: ParameterDef = ParameterDef::new(
    "by",
    "none",
    "Splits every metric by \"channel\" or by a dimension kept at load (its name), by the value of each row; rows without one go to \"unknown\".",
);

/// Parameter `metrics` of the call (not of a metric): which series to compute.
pub const METRICS: ParameterDef = ParameterDef::new(
    "metrics",
    "all the series metrics",
    "Glossary ids of the series to compute: revenue.net, orders.count, orders.aov, customers.active, customers.new, customers.repeat_share, and traffic.conversion_rate with a traffic table (default: all of them).",
)
.rule("allSeriesMetrics");

/// The parameters of every series metric.
pub const PARAMS: &[ParameterDef] = &[BUCKET, START, END, BY, TIMEZONE, WEEK_START];

const TX_INPUT: &str = "Transactions (customer id, timestamp, amount; optional order id, channel and dimensions). Acquisition = first purchase as in customer.summary.";

/// `customers.active`.
pub const ACTIVE: Definition = Definition {
    id: "customers.active",
    version: "1.0.0",
    name: "Active customers",
    description: "Number of distinct customers with at least one purchase in the bucket (a transaction of amount ≥ 0; a bucket of refunds only is not activity).",
    formula: "#{customers with a transaction of amount ≥ 0 in the bucket}; 0 for a bucket without one",
    unit: "customers",
    parameters: PARAMS,
    inputs: TX_INPUT,
    depends_on: &[],
};

/// `customers.new`.
pub const NEW: Definition = Definition {
    id: "customers.new",
    version: "1.0.0",
    name: "New customers",
    description: "Number of customers whose first purchase (acquisition, as in customer.summary with daily periods) falls in the bucket.",
    formula: "#{customers i : bucket(acquisition_i) = bucket}, acquisition_i = the first local day with a transaction of amount ≥ 0 over all the transactions",
    unit: "customers",
    parameters: PARAMS,
    inputs: TX_INPUT,
    depends_on: &["customer.summary"],
};

/// `customers.repeat_share`.
pub const REPEAT_SHARE: Definition = Definition {
    id: "customers.repeat_share",
    version: "1.0.0",
    name: "Repeat-customer share",
    description: "Share of the bucket's active customers who had bought before the bucket (acquired in an earlier bucket). The denominator is the active customers; 0 when none is active.",
    formula: "#{i active in the bucket : bucket(acquisition_i) < bucket} ÷ customers.active (0 when customers.active = 0)",
    unit: "fraction (0–1)",
    parameters: PARAMS,
    inputs: TX_INPUT,
    depends_on: &["customers.active", "customer.summary"],
};

/// `traffic.conversion_rate`.
pub const CONVERSION_RATE: Definition = Definition {
    id: "traffic.conversion_rate",
    version: "1.0.0",
    name: "Conversion rate",
    description: "Orders per visit in the bucket: orders.count ÷ the visits of the traffic table dated in the bucket. The denominator is the visits; 0 when there is no visit.",
    formula: "orders.count ÷ Σ visits of the traffic rows in the bucket (0 when Σ visits = 0)",
    unit: "orders per visit",
    parameters: PARAMS,
    inputs: "Transactions (as orders.count) and traffic (date, visits; optional channel), rows with the same date and channel adding up.",
    depends_on: &["orders.count"],
};

/// The new definitions of this module (the reused window KPIs live in [`crate::kpi`]).
pub const DEFINITIONS: &[Definition] = &[ACTIVE, NEW, REPEAT_SHARE, CONVERSION_RATE];

/// Every metric a series can hold from transactions alone, in display order (with traffic,
/// `traffic.conversion_rate` too).
pub const SERIES_METRICS: &[&str] = &[
    "revenue.net",
    "orders.count",
    "orders.aov",
    "customers.active",
    "customers.new",
    "customers.repeat_share",
];

/// The definition of series metric `id`.
fn definition_of(id: &str) -> Option<&'static Definition> {
    Some(match id {
        "revenue.net" => &kpi::REVENUE,
        "orders.count" => &kpi::ORDERS,
        "orders.aov" => &kpi::AOV,
        "customers.active" => &ACTIVE,
        "customers.new" => &NEW,
        "customers.repeat_share" => &REPEAT_SHARE,
        "traffic.conversion_rate" => &CONVERSION_RATE,
        _ => return None,
    })
}

/// The bucket of a series; JS `KpiBucket`, `"day" | "week" | "month"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[cfg_attr(
    target_arch = "wasm32",
    derive(tsify::Tsify),
    tsify(rename = "KpiBucket")
)]
#[serde(rename = "KpiBucket", rename_all = "camelCase")]
pub enum Bucket {
    /// Local days.
    #[default]
    Day,
    /// Weeks from `weekStart`.
    Week,
    /// Calendar months.
    Month,
}

impl Bucket {
    /// Every bucket's option value.
    pub const NAMES: &'static [&'static str] = &["day", "week", "month"];

    /// The option value.
    pub fn as_str(self) -> &'static str {
        match self {
            Bucket::Day => "day",
            Bucket::Week => "week",
            Bucket::Month => "month",
        }
    }

    /// The calendar period it indexes.
    pub fn period(self) -> Period {
        match self {
            Bucket::Day => Period::Day,
            Bucket::Week => Period::Week,
            Bucket::Month => Period::Month,
        }
    }

    /// Buckets in "one year earlier": 364 days (52 weeks, same weekday), 52 weeks, 12 months.
    pub fn year_lag(self) -> i64 {
        match self {
            Bucket::Day => 364,
            Bucket::Week => 52,
            Bucket::Month => 12,
        }
    }
}

/// Options of [`kpi_series`]; JS `KpiSeriesOptions`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(
    rename = "KpiSeriesOptions",
    rename_all = "camelCase",
    default,
    deny_unknown_fields
)]
pub struct KpiSeriesOptions {
    /// Bucket (default day).
    #[cfg_attr(target_arch = "wasm32", tsify(optional, type = "KpiBucket"))]
    pub bucket: Bucket,
    /// Glossary ids of the series (default: [`SERIES_METRICS`], and `traffic.conversion_rate`
    /// when a traffic table is given).
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub metrics: Option<Vec<String>>,
    /// Split by `"channel"` or a dimension name (default none).
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub by: Option<String>,
    /// First bucket: the one containing this date (default the first transaction's).
    #[cfg_attr(target_arch = "wasm32", tsify(optional, type = "DateInput"))]
    pub start: Option<When>,
    /// Last bucket: the one containing this date (default the last transaction's).
    #[cfg_attr(target_arch = "wasm32", tsify(optional, type = "DateInput"))]
    pub end: Option<When>,
    /// IANA time zone of the buckets (default: the transactions' zone).
    #[cfg_attr(target_arch = "wasm32", tsify(optional, type = "string"))]
    pub timezone: Option<Zone>,
    /// ISO weekday weeks start on, 1 = Monday … 7 = Sunday (default 1).
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub week_start: u8,
    /// The action log — dated notes such as "launched spring campaign" — placed on the series'
    /// buckets in the result's `annotations` (at most 10,000 notes).
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub annotations: Option<Vec<Annotation>>,
}

/// Most notes an action log may hold.
pub const MAX_ANNOTATIONS: usize = 10_000;

/// Longest note text or author, in characters.
pub const MAX_ANNOTATION_CHARS: usize = 1_000;

/// A note of the action log; JS `Annotation`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Annotation {
    /// When it happened: epoch ms, a `Date` or ISO text (a bare date in the series' zone).
    #[cfg_attr(target_arch = "wasm32", tsify(type = "DateInput"))]
    pub date: When,
    /// What happened.
    pub text: String,
    /// Who noted it.
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub author: Option<String>,
}

/// A note placed on a series; JS `AnnotationMark`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase")]
pub struct AnnotationMark {
    /// Its instant (epoch ms; a bare date is the start of that day in the series' zone).
    pub time: f64,
    /// Index of the bucket it falls in; `null` when outside the series.
    pub bucket: Option<usize>,
    /// What happened.
    pub text: String,
    /// Who noted it.
    pub author: Option<String>,
}

impl Default for KpiSeriesOptions {
    fn default() -> Self {
        KpiSeriesOptions {
            bucket: Bucket::Day,
            metrics: None,
            by: None,
            start: None,
            end: None,
            timezone: None,
            week_start: default_week_start(),
            annotations: None,
        }
    }
}

impl KpiSeriesOptions {
    /// Reads options from JSON text: an unknown key is `E_UNKNOWN_OPTION` (naming the known
    /// ones), a value of the wrong type `E_BAD_OPTION` naming the option; then
    /// [`KpiSeriesOptions::check`].
    ///
    /// ```
    /// use unimetric::kpi_series::{Bucket, KpiSeriesOptions};
    /// let o = KpiSeriesOptions::from_json(r#"{ "bucket": "week", "metrics": ["revenue.net"] }"#).unwrap();
    /// assert_eq!(o.bucket, Bucket::Week);
    /// let e = KpiSeriesOptions::from_json(r#"{ "bucket": "quarter" }"#).unwrap_err();
    /// assert_eq!((e.code(), e.to_string().contains("bucket")), ("E_BAD_OPTION", true));
    /// let e = KpiSeriesOptions::from_json(r#"{ "period": "day" }"#).unwrap_err();
    /// assert_eq!(e.code(), "E_UNKNOWN_OPTION");
    /// ```
    pub fn from_json(text: &str) -> Result<KpiSeriesOptions> {
        let opts: KpiSeriesOptions = crate::glossary::options_from_json(text, "kpiSeries", &[])?;
        opts.check()?;
        Ok(opts)
    }

    /// Checks the options that need no data: `weekStart` 1–7, and `metrics` a non-empty list of
    /// distinct series ids (`E_BAD_OPTION` naming the option). `by` is checked against the
    /// transactions (and `traffic.conversion_rate` against the traffic) by [`kpi_series`].
    pub fn check(&self) -> Result<()> {
        WEEK_START.check_count(f64::from(self.week_start))?;
        check_annotations(self.annotations.as_deref().unwrap_or(&[]))?;
        let bad = |message: String| Error::BadOption {
            option: "metrics".into(),
            message,
        };
        let Some(metrics) = &self.metrics else {
            return Ok(());
        };
        if metrics.is_empty() {
            return Err(bad(format!(
                "name at least one of {}",
                SERIES_METRICS.join(", ")
            )));
        }
        for (i, m) in metrics.iter().enumerate() {
            if definition_of(m).is_none() {
                return Err(bad(format!(
                    "'{}' is not a series metric; they are {}",
                    m.chars().take(80).collect::<String>(),
                    SERIES_METRICS.join(", ") + ", traffic.conversion_rate"
                )));
            }
            if metrics[..i].contains(m) {
                return Err(bad(format!("'{m}' is named twice")));
            }
        }
        Ok(())
    }
}

/// Checks an action log: at most [`MAX_ANNOTATIONS`] notes, each with a text of 1 to
/// [`MAX_ANNOTATION_CHARS`] characters and an author of at most as many (`E_BAD_OPTION` naming
/// `annotations[i].text` or `.author`; `E_TOO_LARGE` for too many).
pub fn check_annotations(notes: &[Annotation]) -> Result<()> {
    if notes.len() > MAX_ANNOTATIONS {
        return Err(Error::TooLarge {
            what: "annotations".into(),
            size: notes.len(),
            limit: MAX_ANNOTATIONS,
        });
    }
    for (i, a) in notes.iter().enumerate() {
        let chars = a.text.trim().chars().count();
        if chars == 0 || chars > MAX_ANNOTATION_CHARS {
            return Err(Error::BadOption {
                option: format!("annotations[{i}].text"),
                message: format!("a note needs a text of 1 to {MAX_ANNOTATION_CHARS} characters"),
            });
        }
        if a.author.as_ref().map_or(0, |w| w.chars().count()) > MAX_ANNOTATION_CHARS {
            return Err(Error::BadOption {
                option: format!("annotations[{i}].author"),
                message: format!("an author of at most {MAX_ANNOTATION_CHARS} characters"),
            });
        }
    }
    Ok(())
}

/// One metric's series; JS `KpiSeriesMetric`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(
    target_arch = "wasm32",
    derive(tsify::Tsify),
    tsify(missing_as_null, rename = "KpiSeriesMetric")
)]
#[serde(rename = "KpiSeriesMetric", rename_all = "camelCase")]
pub struct MetricSeries {
    /// The value of each bucket (0 for an empty bucket).
    #[serde(serialize_with = "crate::columns::f64s")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Float64Array"))]
    pub value: Vec<f64>,
    /// The base of a ratio, bucket by bucket: orders for `orders.aov`, active customers for
    /// `customers.repeat_share`, visits for `traffic.conversion_rate`; `null` for the others.
    #[serde(serialize_with = "crate::columns::opt_f64s")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Float64Array | null"))]
    pub denominator: Option<Vec<f64>>,
    /// The value one bucket earlier (NaN where that bucket precedes the data).
    #[serde(serialize_with = "crate::columns::f64s")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Float64Array"))]
    pub previous: Vec<f64>,
    /// The value one year earlier: 364 days, 52 weeks or 12 months (NaN where that bucket
    /// precedes the data).
    #[serde(serialize_with = "crate::columns::f64s")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Float64Array"))]
    pub last_year: Vec<f64>,
    /// The metric, its version and the parameters in effect.
    pub definition: DefinitionRef,
}

/// The result of [`kpi_series`]; JS `KpiSeries`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase")]
pub struct KpiSeries {
    /// First instant of each bucket (epoch ms), one per point of every series.
    #[serde(serialize_with = "crate::columns::f64s")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Float64Array"))]
    pub time: Vec<f64>,
    /// Each requested metric's series, by glossary id.
    #[cfg_attr(
        target_arch = "wasm32",
        tsify(type = "Record<string, KpiSeriesMetric>")
    )]
    pub series: BTreeMap<&'static str, MetricSeries>,
    /// With `by`: for each value (in name order), the same series over its rows.
    #[cfg_attr(
        target_arch = "wasm32",
        tsify(type = "Record<string, Record<string, KpiSeriesMetric>> | null")
    )]
    pub by: Option<BTreeMap<String, BTreeMap<&'static str, MetricSeries>>>,
    /// The options' action log in time order, each note with the bucket it falls in (empty
    /// without one).
    pub annotations: Vec<AnnotationMark>,
}

/// Per-bucket tallies of one slice (the total or a split value), over the extended range.
struct Tally {
    revenue: Vec<f64>,
    orders: Vec<f64>,
    active: Vec<f64>,
    new: Vec<f64>,
    repeat: Vec<f64>,
    visits: Vec<f64>,
    /// Whether the slice has a row in the output range.
    seen: bool,
}

/// Computes the KPI series of `tx` (see the [module docs](self) for the conventions).
///
/// Errors: `E_BAD_OPTION` for a bad option (naming it; `by` naming neither `channel` with a
/// channel column nor a dimension of the table), `E_EMPTY` when no transaction falls in the
/// range, `E_TOO_LARGE` above [`MAX_BUCKETS`] buckets or [`MAX_CELLS`] cells.
pub fn kpi_series(tx: &Transactions, opts: &KpiSeriesOptions) -> Result<KpiSeries> {
    kpi_series_with_traffic(tx, None, opts)
}

/// [`kpi_series`] with a traffic table, the base of `traffic.conversion_rate` (orders ÷ visits
/// of the bucket, `denominator` the visits). With `by: "channel"` the traffic splits by its own
/// channel column, matched to the transactions' channels by name. `E_BAD_OPTION` (`metrics`)
/// when `traffic.conversion_rate` is asked for without traffic, (`by`) when the split is by a
/// dimension or the traffic has no channel column. `previous` and `lastYear` of the rate are
/// NaN before the later of the first transaction's and the first visit's bucket.
///
/// ```
/// use unimetric::{ColumnMapping, Transactions};
/// use unimetric::data::traffic::{Traffic, TrafficMapping};
/// use unimetric::kpi_series::{kpi_series_with_traffic, KpiSeriesOptions};
/// let tx = Transactions::from_csv(
///     b"c,d,a\n1,2024-01-01,10\n2,2024-01-01,20\n1,2024-01-02,5\n",
///     &ColumnMapping::new("c", "d", "a"),
/// ).unwrap();
/// let traffic = Traffic::from_csv(b"day,visits\n2024-01-01,40\n2024-01-02,10\n", &TrafficMapping::new("day", "visits")).unwrap();
/// let s = kpi_series_with_traffic(&tx, Some(&traffic), &KpiSeriesOptions::default()).unwrap();
/// let rate = &s.series["traffic.conversion_rate"];
/// assert_eq!(rate.value, [0.05, 0.1]);
/// assert_eq!(rate.denominator.as_deref(), Some(&[40.0, 10.0][..]));
/// ```
pub fn kpi_series_with_traffic(
    tx: &Transactions,
    traffic: Option<&Traffic>,
    opts: &KpiSeriesOptions,
) -> Result<KpiSeries> {
    opts.check()?;
    let metrics: Vec<&'static str> = match &opts.metrics {
        Some(list) => list
            .iter()
            .filter_map(|m| definition_of(m))
            .map(|d| d.id)
            .collect(),
        None => {
            let mut all = SERIES_METRICS.to_vec();
            if traffic.is_some() {
                all.push(CONVERSION_RATE.id);
            }
            all
        }
    };
    let conversion = metrics.contains(&CONVERSION_RATE.id);
    let traffic = if conversion {
        match traffic {
            Some(t) => Some(t),
            None => {
                return Err(Error::BadOption {
                    option: "metrics".into(),
                    message: "traffic.conversion_rate needs a traffic table (visits per date)"
                        .into(),
                })
            }
        }
    } else {
        None
    };
    if tx.is_empty() {
        return Err(Error::Empty {
            what: "transactions".into(),
        });
    }
    let cal = Calendar::for_call(opts.timezone.as_ref(), tx, opts.week_start)?;
    let period = opts.bucket.period();
    let (first, last) = tx.time_range();
    let start = opts.start.map_or(first, |w| cal.instant(w));
    let end = opts.end.map_or(last, |w| cal.instant(w));
    let (b0, b1) = (cal.index(period, start), cal.index(period, end));
    if b1 < b0 {
        return Err(Error::BadOption {
            option: "end".into(),
            message: format!("the end's {} is before the start's", opts.bucket.as_str()),
        });
    }
    let n = b1 - b0 + 1;
    if n > MAX_BUCKETS {
        return Err(Error::TooLarge {
            what: format!("{} buckets", opts.bucket.as_str()),
            size: usize::try_from(n).unwrap_or(usize::MAX),
            limit: MAX_BUCKETS as usize,
        });
    }
    let lag = opts.bucket.year_lag();
    // The extended range: a year of comparison buckets before the first output bucket.
    let lo = b0 - lag;
    let n_ext = (b1 - lo + 1) as usize;
    let first_bucket = cal.index(period, first);

    // The split: one code per row (`None` = no split), and the names of the values.
    let (codes, mut names): (Option<&[u32]>, Vec<String>) = match opts.by.as_deref() {
        None => (None, Vec::new()),
        Some("channel") => match &tx.channel {
            Some(c) => (Some(c.as_slice()), tx.channel_names.clone()),
            None => {
                return Err(Error::BadOption {
                    option: "by".into(),
                    message: "the transactions have no channel column (name one in the mapping)"
                        .into(),
                })
            }
        },
        Some(name) => match tx.dimension(name) {
            Some(d) => (Some(d.codes()), d.values().to_vec()),
            None => {
                let e = tx.require_dimension(name).err();
                return Err(Error::BadOption {
                    option: "by".into(),
                    message: match e {
                        Some(Error::BadOption { message, .. }) => {
                            format!("neither \"channel\" nor a dimension: {message}")
                        }
                        _ => format!("'{name}' is not a dimension of the transactions"),
                    },
                });
            }
        },
    };
    let known_values = names.len();
    let unknown = names
        .iter()
        .position(|v| v == UNKNOWN)
        .unwrap_or(known_values);
    if codes.is_some() && unknown == known_values {
        names.push(UNKNOWN.to_string());
    }
    // Traffic channels: matched to the split values by name, new names appended.
    let mut traffic_slice: Vec<usize> = Vec::new();
    if let (Some(t), Some(by)) = (traffic, opts.by.as_deref()) {
        if by != "channel" || !t.has_channel() {
            return Err(Error::BadOption {
                option: "by".into(),
                message: format!(
                    "traffic.conversion_rate splits by the traffic's channel column only; {}",
                    if by == "channel" {
                        "the traffic has none".to_string()
                    } else {
                        format!("the traffic has no dimension '{by}'")
                    }
                ),
            });
        }
        for name in t.channel_names() {
            let i = match names.iter().position(|n| n == name) {
                Some(i) => i,
                None => {
                    names.push(name.clone());
                    names.len() - 1
                }
            };
            traffic_slice.push(1 + i);
        }
    }
    let slices = 1 + names.len();
    if slices.saturating_mul(n_ext) > MAX_CELLS {
        return Err(Error::TooLarge {
            what: "series cells (buckets × split values)".into(),
            size: slices.saturating_mul(n_ext),
            limit: MAX_CELLS,
        });
    }
    let slice_of = |row: usize| -> Option<usize> {
        let c = *codes?.get(row)? as usize;
        // A missing value (`u32::MAX`) goes to "unknown".
        Some(1 + if c < known_values { c } else { unknown })
    };

    let mut tallies: Vec<Tally> = (0..slices)
        .map(|_| Tally {
            revenue: vec![0.0; n_ext],
            orders: vec![0.0; n_ext],
            active: vec![0.0; n_ext],
            new: vec![0.0; n_ext],
            repeat: vec![0.0; n_ext],
            visits: vec![0.0; n_ext],
            seen: false,
        })
        .collect();
    // (slice, bucket offset, customer) of every purchase, and (…, order) with order ids.
    let mut buyers: Vec<(u32, u32, u32)> = Vec::new();
    let mut orders: Vec<(u32, u32, u32, u32)> = Vec::new();
    let mut any = false;
    for (row, ((&c, &t), &a)) in tx
        .customer
        .iter()
        .zip(&tx.timestamp)
        .zip(&tx.amount)
        .enumerate()
    {
        let b = cal.index(period, t);
        if b < lo || b > b1 {
            continue;
        }
        let k = (b - lo) as usize;
        let in_range = b >= b0;
        any |= in_range;
        let split = slice_of(row);
        for s in std::iter::once(0).chain(split) {
            let Some(tl) = tallies.get_mut(s) else {
                continue;
            };
            tl.seen |= in_range;
            if let Some(r) = tl.revenue.get_mut(k) {
                *r += a;
            }
            if !crate::summary::is_purchase(a) {
                continue;
            }
            buyers.push((s as u32, k as u32, c));
            match tx.order.as_ref().and_then(|o| o.get(row)) {
                Some(&o) => orders.push((s as u32, k as u32, c, o)),
                None => {
                    if let Some(x) = tl.orders.get_mut(k) {
                        *x += 1.0;
                    }
                }
            }
        }
    }
    let mut traffic_first = i64::MIN;
    if let Some(t) = traffic {
        traffic_first = i64::MAX;
        for (row, (&time, &v)) in t.time.iter().zip(&t.visits).enumerate() {
            let b = cal.index(period, time);
            traffic_first = traffic_first.min(b);
            if b < lo || b > b1 {
                continue;
            }
            let k = (b - lo) as usize;
            // With a split (by channel, checked above): the row's channel, or "unknown".
            let split = match (&opts.by, t.channel.as_ref().and_then(|c| c.get(row))) {
                (None, _) => None,
                (Some(_), Some(&c)) if c != crate::data::NO_CHANNEL => {
                    traffic_slice.get(c as usize).copied()
                }
                (Some(_), _) => Some(1 + unknown),
            };
            for s in std::iter::once(0).chain(split) {
                if let Some(tl) = tallies.get_mut(s) {
                    tl.seen |= b >= b0;
                    if let Some(x) = tl.visits.get_mut(k) {
                        *x += v;
                    }
                }
            }
        }
    }
    if !any {
        return Err(Error::Empty {
            what: "transactions in the series range".into(),
        });
    }
    orders.sort_unstable();
    orders.dedup();
    for &(s, k, _, _) in &orders {
        if let Some(x) = tallies
            .get_mut(s as usize)
            .and_then(|t| t.orders.get_mut(k as usize))
        {
            *x += 1.0;
        }
    }
    // Each customer's acquisition bucket, by the crate's one first-purchase rule.
    let acquired: Vec<Option<i64>> = crate::summary::acquisitions(tx, &cal)
        .into_iter()
        .map(|a| a.map(|(ms, _)| cal.index(period, ms)))
        .collect();
    buyers.sort_unstable();
    buyers.dedup();
    for &(s, k, c) in &buyers {
        let Some(tl) = tallies.get_mut(s as usize) else {
            continue;
        };
        let k = k as usize;
        let b = lo + k as i64;
        if let Some(x) = tl.active.get_mut(k) {
            *x += 1.0;
        }
        match acquired.get(c as usize).copied().flatten() {
            Some(ab) if ab == b => {
                if let Some(x) = tl.new.get_mut(k) {
                    *x += 1.0;
                }
            }
            Some(ab) if ab < b => {
                if let Some(x) = tl.repeat.get_mut(k) {
                    *x += 1.0;
                }
            }
            _ => {}
        }
    }

    let mut params = DefinitionRef::new(&ACTIVE)
        .with("bucket", ParamValue::Text(opts.bucket.as_str().into()))
        .with("start", ParamValue::Number(start as f64))
        .with("end", ParamValue::Number(end as f64))
        .with("timezone", ParamValue::Text(cal.zone().name().into()))
        .with("weekStart", ParamValue::Number(f64::from(cal.week_start())))
        .params;
    if let Some(by) = &opts.by {
        params.insert("by", ParamValue::Text(by.clone()));
    }
    let out_len = n as usize;
    let series_of = |tl: &Tally| -> BTreeMap<&'static str, MetricSeries> {
        let mut out = BTreeMap::new();
        for m in &metrics {
            let Some(def) = definition_of(m) else {
                continue;
            };
            let observed_from = if def.id == CONVERSION_RATE.id {
                first_bucket.max(traffic_first)
            } else {
                first_bucket
            };
            let (value, denominator) = metric_values(def.id, tl);
            let at = |offset: i64| -> Vec<f64> {
                (0..out_len)
                    .map(|i| {
                        let b = b0 + i as i64 - offset;
                        if b < observed_from {
                            return f64::NAN;
                        }
                        value.get((b - lo) as usize).copied().unwrap_or(f64::NAN)
                    })
                    .collect()
            };
            let tail = |v: &[f64]| v.get(lag as usize..).unwrap_or(&[]).to_vec();
            out.insert(
                def.id,
                MetricSeries {
                    previous: at(1),
                    last_year: at(lag),
                    value: tail(&value),
                    denominator: denominator.as_deref().map(tail),
                    definition: DefinitionRef {
                        metric: def.id,
                        version: def.version,
                        params: params.clone(),
                    },
                },
            );
        }
        out
    };
    let series = match tallies.first() {
        Some(t) => series_of(t),
        None => BTreeMap::new(),
    };
    let by = codes.map(|_| {
        names
            .iter()
            .zip(tallies.iter().skip(1))
            .filter(|(_, t)| t.seen)
            .map(|(name, t)| (name.clone(), series_of(t)))
            .collect()
    });
    let mut annotations: Vec<AnnotationMark> = opts
        .annotations
        .iter()
        .flatten()
        .map(|a| {
            let ms = cal.instant(a.date);
            let b = cal.index(period, ms);
            AnnotationMark {
                time: ms as f64,
                bucket: (b0..=b1).contains(&b).then(|| (b - b0) as usize),
                text: a.text.trim().to_string(),
                author: a.author.clone().filter(|w| !w.trim().is_empty()),
            }
        })
        .collect();
    annotations.sort_by(|a, b| a.time.total_cmp(&b.time));
    Ok(KpiSeries {
        time: (b0..=b1).map(|b| cal.start_ms(period, b) as f64).collect(),
        series,
        by,
        annotations,
    })
}

/// The values of metric `id` over the extended range, and its denominator.
fn metric_values(id: &str, t: &Tally) -> (Vec<f64>, Option<Vec<f64>>) {
    let ratio = |num: &[f64], den: &[f64]| -> Vec<f64> {
        num.iter()
            .zip(den)
            .map(|(&a, &b)| if b > 0.0 { a / b } else { 0.0 })
            .collect()
    };
    match id {
        "revenue.net" => (t.revenue.clone(), None),
        "orders.count" => (t.orders.clone(), None),
        "orders.aov" => (ratio(&t.revenue, &t.orders), Some(t.orders.clone())),
        "customers.active" => (t.active.clone(), None),
        "customers.new" => (t.new.clone(), None),
        "traffic.conversion_rate" => (ratio(&t.orders, &t.visits), Some(t.visits.clone())),
        _ => (ratio(&t.repeat, &t.active), Some(t.active.clone())),
    }
}
