//! The cohort matrix (`cohort.matrix`): customers grouped by the calendar period of their first
//! purchase (the *cohort*), one row per cohort, one column per *age* — whole periods since the
//! customer's own acquisition period.
//!
//! # Conventions
//!
//! - **Acquisition.** A customer's acquisition is their first purchase under `customer.summary`
//!   with daily periods: the first local day with a transaction of amount ≥ 0 ($0.00 orders
//!   included, [`crate::summary::is_purchase`]), the rule historical LTV and CAC use. Customers
//!   whose first purchase falls after the observation end, or who only have refunds, belong to
//!   no cohort. Transactions after the observation end are ignored.
//! - **Age.** The age of a transaction is `index(period, transaction) − index(period,
//!   acquisition)`, in the age `period` (local to the `timezone`, weeks from `weekStart`): age 0
//!   is the customer's acquisition period. The age period may be as coarse as the cohort period
//!   and finer (a monthly cohort by weeks or days), never coarser (a daily cohort by months is
//!   `E_BAD_OPTION`): a cohort must fit inside its age-0 column. A refund dated before the
//!   customer's acquisition period counts at age 0, as in historical LTV, so the cumulative
//!   measures end at each customer's net total.
//! - **Completeness.** A cell (cohort, age k) is complete when the age period k of the cohort's
//!   latest possible acquisition (the last instant of the cohort period) ends on or before the
//!   observation end: every customer of the cohort has been observed for the whole of their age
//!   k. The rule depends on the calendar only, never on which customers happen to be in the
//!   cohort. An incomplete cell is NaN in `values` and 0 in `complete`; it is never 0.
//! - **Measures.** `customers`: distinct customers of the cohort with a purchase (a transaction
//!   of amount ≥ 0) in that age period — the same purchase rule as `customer.summary`, so a
//!   period of refunds only is not activity. `retention`: those customers ÷ cohort size (1 at
//!   age 0 by construction). `orders`: purchases (transactions of amount ≥ 0); with an order id
//!   column, distinct order ids among them. `revenue`: net amount (refunds subtract).
//!   `cumulativeRevenuePerCustomer`: Σ revenue of ages 0..=k ÷ cohort size. `margin`: Σ margin of
//!   ages 0..=k ÷ cohort size, where a transaction's margin is `amount − cost` with a cost
//!   column and `margin · amount` otherwise (historical LTV's margin).
//! - **Channel split.** With `by: "channel"` each cohort is split by acquisition channel: the
//!   channel of the first purchase (the first row of the acquisition day carrying one, as CAC
//!   takes it), [`UNKNOWN_CHANNEL`] when there is none. Rows are by cohort, then channel name.
//!
//! Historical LTV's cohort curves and CAC payback's cohort curves are sums over the same grid:
//! both sum over the crate's one cohort grid (`CohortGrid`), the one place transactions are
//! bucketed by cohort and age.

use crate::data::dates::{default_week_start, OBSERVATION_END, TIMEZONE, WEEK_START};
use crate::data::{Calendar, ObservationEnd, Period, Transactions, Zone, NO_CHANNEL};
use crate::error::{Error, Result};
use crate::glossary::{Definition, DefinitionRef, ParamValue, ParameterDef};
use serde::{Deserialize, Serialize};

/// The channel name given to customers whose first purchase carries no channel.
pub const UNKNOWN_CHANNEL: &str = "unknown";

/// The largest `maxAge` accepted.
pub const MAX_AGE: u32 = 10_000;

/// The most cells a matrix may hold (`E_TOO_LARGE` above it).
pub const MAX_CELLS: usize = 50_000_000;

/// Parameter `margin` (alias `marginRate`) of historical LTV and the cohort matrix's `margin`
/// measure.
pub const MARGIN: ParameterDef = ParameterDef::new("margin", "1", "Gross margin rate applied to revenue (0–1; 1 = revenue). Not combinable with a cost column. Also accepted as `marginRate`.").number(1.0).range(0.0, 1.0);

/// Parameter `cohortPeriod`.
pub const COHORT_PERIOD: ParameterDef = ParameterDef::new(
    "cohortPeriod",
    "\"month\"",
    "Calendar period of acquisition that makes a cohort: day, week (weekStart, Monday by default), month or quarter; local to the timezone.",
)
.text("month")
.one_of(Period::NAMES);

/// Parameter `period` (the age unit).
pub const AGE_PERIOD: ParameterDef = ParameterDef::new(
    "period",
    "the cohortPeriod",
    "Calendar period in which ages are counted (age 0 = the customer's acquisition period): day, week, month or quarter, no coarser than cohortPeriod.",
)
.one_of(Period::NAMES);

/// Parameter `measure`.
pub const MEASURE: ParameterDef = ParameterDef::new(
    "measure",
    "\"retention\"",
    "What a cell holds: customers (distinct cohort customers with a purchase in the age period), retention (their share of the cohort), orders (purchases; distinct order ids with an order id column), revenue (net amount), cumulativeRevenuePerCustomer (Σ revenue to that age ÷ cohort size) or margin (Σ margin to that age ÷ cohort size).",
)
.text("retention")
.one_of(Measure::NAMES);

/// Parameter `maxAge`.
pub const MAX_AGE_PARAM: ParameterDef = ParameterDef::new(
    "maxAge",
    "every age up to the observation end",
    "Largest age shown (ages 0..=maxAge); ages past the observation end are shown as incomplete.",
)
.range(1.0, MAX_AGE as f64)
.whole();

/// Parameter `by`.
pub const BY: ParameterDef = ParameterDef::new(
    "by",
    "none",
    "\"channel\" splits each cohort by acquisition channel (the channel of the first purchase, \"unknown\" when it has none).",
)
.one_of(&["channel"]);

/// Definition of `cohort.matrix`.
pub const DEFINITION: Definition = Definition {
    id: "cohort.matrix",
    version: "1.0.0",
    name: "Cohort matrix",
    description: "Customers grouped by the period of their first purchase (rows) and followed period by period since (columns): how many are still buying, their share of the cohort, their orders, their revenue, and the cumulative revenue or margin per customer. Cells not yet fully observed are marked incomplete, never shown as zero.",
    formula: "cohort(i) = index(cohortPeriod, acquisition_i); age of a transaction = index(period, t) − index(period, acquisition_i), a refund before acquisition at age 0; customers[c,k] = #{i ∈ c : a transaction of amount ≥ 0 at age k}; retention[c,k] = customers[c,k] ÷ |c|; orders[c,k] = #transactions of amount ≥ 0 at age k (distinct order ids with an order id column); revenue[c,k] = Σ amount at age k; cumulativeRevenuePerCustomer[c,k] = Σ_{j≤k} revenue[c,j] ÷ |c|; margin[c,k] = Σ_{j≤k} Σ margin at age j ÷ |c| (margin = amount − cost with a cost column, else margin · amount); cell complete ⇔ end of age period k after the cohort period's last instant ≤ observationEnd, otherwise NaN",
    unit: "customers: customers; retention: share of the cohort (0–1); orders: orders; revenue: currency; cumulativeRevenuePerCustomer, margin: currency per customer",
    parameters: &[
        COHORT_PERIOD,
        AGE_PERIOD,
        MEASURE,
        MAX_AGE_PARAM,
        BY,
        MARGIN,
        OBSERVATION_END,
        TIMEZONE,
        WEEK_START,
    ],
    inputs: "Transactions (customer id, timestamp, amount; optional order id, channel and cost). Acquisition = first purchase as in customer.summary.",
    depends_on: &["customer.summary"],
};

/// What a cell of the matrix holds; JS `CohortMeasure`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[cfg_attr(
    target_arch = "wasm32",
    derive(tsify::Tsify),
    tsify(missing_as_null, rename = "CohortMeasure")
)]
#[serde(rename = "CohortMeasure", rename_all = "camelCase")]
pub enum Measure {
    /// Distinct cohort customers with a purchase in the age period.
    Customers,
    /// Customers ÷ cohort size.
    #[default]
    Retention,
    /// Purchases (distinct order ids with an order id column).
    Orders,
    /// Net amount.
    Revenue,
    /// Cumulative net amount ÷ cohort size.
    CumulativeRevenuePerCustomer,
    /// Cumulative margin ÷ cohort size.
    Margin,
}

impl Measure {
    /// Every measure's option value.
    pub const NAMES: &'static [&'static str] = &[
        "customers",
        "retention",
        "orders",
        "revenue",
        "cumulativeRevenuePerCustomer",
        "margin",
    ];

    /// The option value.
    pub fn as_str(self) -> &'static str {
        match self {
            Measure::Customers => "customers",
            Measure::Retention => "retention",
            Measure::Orders => "orders",
            Measure::Revenue => "revenue",
            Measure::CumulativeRevenuePerCustomer => "cumulativeRevenuePerCustomer",
            Measure::Margin => "margin",
        }
    }
}

/// How cohorts are split; JS `CohortSplit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[cfg_attr(
    target_arch = "wasm32",
    derive(tsify::Tsify),
    tsify(missing_as_null, rename = "CohortSplit")
)]
#[serde(rename = "CohortSplit", rename_all = "camelCase")]
pub enum Split {
    /// By acquisition channel.
    Channel,
}

/// Options of [`cohorts`]; JS `CohortOptions`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(
    target_arch = "wasm32",
    derive(tsify::Tsify),
    tsify(missing_as_null, rename = "CohortOptions")
)]
#[serde(
    rename = "CohortOptions",
    rename_all = "camelCase",
    default,
    deny_unknown_fields
)]
pub struct CohortOptions {
    /// Acquisition period that makes a cohort (default month).
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub cohort_period: Period,
    /// Age unit (default: the cohort period); no coarser than `cohort_period`.
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub period: Option<Period>,
    /// What the cells hold (default retention).
    #[cfg_attr(target_arch = "wasm32", tsify(optional, type = "CohortMeasure"))]
    pub measure: Measure,
    /// Largest age shown, 1 to [`MAX_AGE`] (default: every age up to the observation end).
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub max_age: Option<f64>,
    /// Split each cohort by acquisition channel.
    #[cfg_attr(target_arch = "wasm32", tsify(optional, type = "CohortSplit"))]
    pub by: Option<Split>,
    /// Margin rate of the `margin` measure (default 1; also `marginRate`); must stay 1 when the
    /// transactions carry a cost column.
    #[serde(alias = "marginRate")]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub margin: f64,
    /// Observation end (default `"lastTransaction"`), see [`ObservationEnd`].
    #[cfg_attr(
        target_arch = "wasm32",
        tsify(optional, type = "DateInput | \"lastTransaction\"")
    )]
    pub observation_end: ObservationEnd,
    /// IANA time zone of the periods (default: the transactions' zone).
    #[cfg_attr(target_arch = "wasm32", tsify(optional, type = "string"))]
    pub timezone: Option<Zone>,
    /// ISO weekday weeks start on, 1 = Monday … 7 = Sunday (default 1).
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub week_start: u8,
}

impl Default for CohortOptions {
    fn default() -> Self {
        CohortOptions {
            cohort_period: Period::Month,
            period: None,
            measure: Measure::Retention,
            max_age: None,
            by: None,
            margin: const { MARGIN.default_number() },
            observation_end: ObservationEnd::LastTransaction,
            timezone: None,
            week_start: default_week_start(),
        }
    }
}

/// Fineness rank of a period (day finest).
fn rank(p: Period) -> u8 {
    match p {
        Period::Day => 0,
        Period::Week => 1,
        Period::Month => 2,
        Period::Quarter => 3,
    }
}

impl CohortOptions {
    /// Reads options from JSON text: an unknown key is `E_UNKNOWN_OPTION` (naming the known
    /// ones), a value of the wrong type `E_BAD_OPTION`; then [`CohortOptions::check`].
    ///
    /// ```
    /// use unimetric::cohort::CohortOptions;
    /// let o = CohortOptions::from_json(r#"{ "measure": "revenue", "maxAge": 12 }"#).unwrap();
    /// assert_eq!(o.max_age, Some(12.0));
    /// let e = CohortOptions::from_json(r#"{ "maxAge": 0 }"#).unwrap_err();
    /// assert_eq!(e.code(), "E_BAD_OPTION");
    /// let e = CohortOptions::from_json(r#"{ "measures": "revenue" }"#).unwrap_err();
    /// assert_eq!(e.code(), "E_UNKNOWN_OPTION");
    /// ```
    pub fn from_json(text: &str) -> Result<CohortOptions> {
        let opts: CohortOptions =
            crate::glossary::options_from_json(text, "cohorts", &["marginRate"])?;
        opts.check()?;
        Ok(opts)
    }

    /// The age period in effect (`period`, else `cohort_period`).
    pub fn age_period(&self) -> Period {
        self.period.unwrap_or(self.cohort_period)
    }

    /// Checks the ranges: `maxAge` a whole number from 1 to [`MAX_AGE`], `margin` in 0–1,
    /// `weekStart` 1–7, and an age period no coarser than the cohort period (`E_BAD_OPTION`).
    pub fn check(&self) -> Result<()> {
        if let Some(m) = self.max_age {
            MAX_AGE_PARAM.check_count(m)?;
        }
        MARGIN.check_number(self.margin)?;
        WEEK_START.check_count(f64::from(self.week_start))?;
        let age = self.age_period();
        if rank(age) > rank(self.cohort_period) {
            return Err(Error::BadOption {
                option: "period".into(),
                message: format!(
                    "ages in {}s cannot be counted in a {} cohort: the period must be no coarser than cohortPeriod",
                    age.as_str(),
                    self.cohort_period.as_str()
                ),
            });
        }
        Ok(())
    }
}

/// The cohort matrix; JS `CohortMatrix`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(
    target_arch = "wasm32",
    derive(tsify::Tsify),
    tsify(missing_as_null, rename = "CohortMatrix")
)]
#[serde(rename = "CohortMatrix", rename_all = "camelCase")]
pub struct CohortMatrix {
    /// Per row: first instant of the cohort period (its local midnight, epoch ms). Rows are by
    /// cohort (oldest first), then channel name; cohorts without customers have no row.
    #[serde(serialize_with = "crate::columns::f64s")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Float64Array"))]
    pub cohort_start: Vec<f64>,
    /// Per row: customers in the cohort (and channel).
    #[serde(serialize_with = "crate::columns::u32s")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Uint32Array"))]
    pub cohort_size: Vec<u32>,
    /// Per row: the acquisition channel, with `by: "channel"`.
    pub channel: Option<Vec<String>>,
    /// The ages of the columns, 0, 1, ….
    #[serde(serialize_with = "crate::columns::u32s")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Uint32Array"))]
    pub ages: Vec<u32>,
    /// Row-major rows × ages; NaN where the cell is incomplete.
    #[serde(serialize_with = "crate::columns::f64s")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Float64Array"))]
    pub values: Vec<f64>,
    /// Row-major rows × ages: 1 when the cell is complete, 0 otherwise.
    #[serde(serialize_with = "crate::columns::u8s")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Uint8Array"))]
    pub complete: Vec<u8>,
    /// Definition reference.
    pub definition: DefinitionRef,
}

impl CohortMatrix {
    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.cohort_start.len()
    }

    /// The values of row `r` (empty past the last row).
    pub fn row(&self, r: usize) -> &[f64] {
        let n = self.ages.len();
        self.values.get(r * n..(r + 1) * n).unwrap_or(&[])
    }
}

// ------------------------------------------------------------------------------ the grid

/// Where a transaction dated before its customer's acquisition period goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Before {
    /// At age 0 (historical LTV, the cohort matrix).
    AgeZero,
    /// Nowhere (CAC payback).
    Skip,
}

const NONE: u32 = u32::MAX;

/// Width of a [`DayPeriods`] bucket: 2^26 ms, about 18.6 hours, shorter than any local day, so
/// a bucket holds at most one local midnight and so at most one change of period.
const BUCKET_SHIFT: u32 = 26;

/// The most buckets a [`DayPeriods`] table holds (about 140 years).
const MAX_BUCKETS: i64 = 1 << 16;

/// One bucket: the period at its start, and from the instant `change` on, `after`.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    change: i64,
    before: i32,
    after: i32,
}

/// The local period of an instant by a table over the data's time range, in buckets of 2^26 ms:
/// a shift, a lookup and one comparison, instead of a time-zone offset, a division by the day's
/// length and the calendar arithmetic of a month per transaction (an `i64` division is a real
/// division in WebAssembly). Instants outside the table ask the calendar.
struct DayPeriods {
    period: Period,
    lo: i64,
    table: Vec<Bucket>,
}

impl DayPeriods {
    fn new(cal: &Calendar, period: Period, lo: i64, hi: i64) -> DayPeriods {
        let n = if hi >= lo {
            ((hi - lo) >> BUCKET_SHIFT) + 1
        } else {
            0
        };
        let mut table = Vec::new();
        if n <= MAX_BUCKETS {
            table.reserve(n as usize);
            for b in 0..n {
                let from = lo + (b << BUCKET_SHIFT);
                let to = from + (1 << BUCKET_SHIFT) - 1;
                let (p0, p1) = (cal.index(period, from), cal.index(period, to));
                let change = if p0 == p1 {
                    i64::MAX
                } else {
                    cal.start_ms(period, p1)
                };
                // More than one change, or a change the calendar places elsewhere: no table.
                let sound = p0 == p1
                    || (from < change
                        && change <= to
                        && cal.index(period, change - 1) == p0
                        && cal.index(period, change) == p1);
                if !sound || i32::try_from(p0).is_err() || i32::try_from(p1).is_err() {
                    table.clear();
                    break;
                }
                table.push(Bucket {
                    change,
                    before: p0 as i32,
                    after: p1 as i32,
                });
            }
        }
        DayPeriods { period, lo, table }
    }

    #[inline(always)]
    fn of(&self, cal: &Calendar, t: i64) -> i64 {
        let b = (t.wrapping_sub(self.lo) >> BUCKET_SHIFT) as usize;
        match self.table.get(b) {
            Some(k) if t >= self.lo => i64::from(if t >= k.change { k.after } else { k.before }),
            _ => cal.index(self.period, t),
        }
    }
}

/// Cohorts × groups × ages: which row each customer belongs to and how many ages each cohort
/// has; sums of per-transaction values over it. Rows are cohort-major: row `c · groups + g`
/// holds the ages `0..len(c)`, with `len(c)` = the ages from the cohort period's start to the
/// end given, at most `max_ages`; a transaction past its row's last age is not counted.
pub(crate) struct CohortGrid {
    /// Index of the first cohort (in the cohort period).
    pub first: i64,
    /// Number of cohorts.
    pub cohorts: usize,
    /// Groups per cohort.
    pub groups: usize,
    /// Offset of each row's first cell; one more entry than rows.
    start: Vec<usize>,
    /// Per customer: row (`cohort · groups + group`), or [`NONE`]. Four bytes, one random
    /// access per transaction.
    members: Vec<u32>,
    /// Per customer: acquisition period index in the age period, when the age period differs
    /// from the cohort period (otherwise it is the row's cohort, `row_acq`).
    acq: Option<Vec<i32>>,
    /// Per row: its cohort's index in the age period (the age period is the cohort period).
    row_acq: Vec<i64>,
    /// The longest row.
    stride: usize,
    periods: DayPeriods,
    /// With a total group: every transaction also counts in group 0 of its cohort.
    total: bool,
}

impl CohortGrid {
    /// The grid of `cohorts` cohorts from the cohort index `first` over `tx`: `acquired[c]` is
    /// customer `c`'s acquisition instant and group (`None`: in no row). A customer whose cohort
    /// falls outside the range is in no row. With `total`, group 0 also receives every
    /// transaction of the other groups. Ages run to `end` (its age period included), at most
    /// `max_ages`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        tx: &Transactions,
        cal: &Calendar,
        cohort_period: Period,
        age_period: Period,
        first: i64,
        cohorts: usize,
        groups: usize,
        acquired: impl Iterator<Item = Option<(i64, u32)>>,
        total: bool,
        end: i64,
        max_ages: usize,
    ) -> Result<CohortGrid> {
        let end_age = cal.index(age_period, end);
        let mut start = Vec::with_capacity(cohorts * groups + 1);
        let mut cells = 0usize;
        let mut len = Vec::with_capacity(cohorts);
        for c in 0..cohorts {
            let from = cal.index(age_period, cal.start_ms(cohort_period, first + c as i64));
            let n = ((end_age - from).max(0) as usize + 1).min(max_ages.max(1));
            len.push(n);
            for _ in 0..groups {
                start.push(cells);
                cells += n;
            }
            if cells > MAX_CELLS {
                return Err(Error::TooLarge {
                    what: "the cohort grid".into(),
                    size: cells,
                    limit: MAX_CELLS,
                });
            }
        }
        start.push(cells);
        let (lo, hi) = tx.time_range();
        let cohort_of = DayPeriods::new(cal, cohort_period, lo, hi);
        let age_of = DayPeriods::new(cal, age_period, lo, hi);
        let same = age_period == cohort_period;
        let mut members = Vec::new();
        let mut acq = Vec::new();
        for a in acquired {
            let place = a.and_then(|(ms, g)| {
                let c = cohort_of.of(cal, ms) - first;
                (c >= 0 && (c as usize) < cohorts && (g as usize) < groups)
                    .then(|| ((c as usize * groups + g as usize) as u32, ms))
            });
            members.push(place.map_or(NONE, |(row, _)| row));
            if !same {
                acq.push(place.map_or(0, |(_, ms)| age_of.of(cal, ms) as i32));
            }
        }
        let row_acq = (0..cohorts * groups)
            .map(|r| first + (r / groups) as i64)
            .collect();
        Ok(CohortGrid {
            first,
            cohorts,
            groups,
            start,
            members,
            acq: (!same).then_some(acq),
            row_acq,
            stride: len.iter().copied().max().unwrap_or(1),
            periods: DayPeriods::new(cal, age_period, lo, hi.min(end)),
            total,
        })
    }

    /// Number of cells.
    pub(crate) fn cells(&self) -> usize {
        self.start.last().copied().unwrap_or(0)
    }

    /// The cells of group `g` in cohort `c` (empty outside the grid).
    pub(crate) fn row<'a>(&self, values: &'a [f64], c: usize, g: usize) -> &'a [f64] {
        let r = c * self.groups + g;
        match (self.start.get(r), self.start.get(r + 1)) {
            (Some(&a), Some(&b)) if c < self.cohorts && g < self.groups => {
                values.get(a..b).unwrap_or(&[])
            }
            _ => &[],
        }
    }

    /// Customers in each row (with a total group, group 0 counts every customer of its cohort).
    pub(crate) fn sizes(&self) -> Vec<u32> {
        let mut n = vec![0u32; self.cohorts * self.groups];
        for &m in &self.members {
            if m == NONE {
                continue;
            }
            let row = m as usize;
            if let Some(x) = n.get_mut(row) {
                *x += 1;
            }
            let t0 = row - row % self.groups;
            if self.total && t0 != row {
                if let Some(x) = n.get_mut(t0) {
                    *x += 1;
                }
            }
        }
        n
    }

    /// Calls `f(transaction, row, cell, total cell, customer · stride + age)` for every
    /// transaction on or before `end` of a customer in the grid, within its row's ages; the
    /// total cell is the same age in group 0 of the cohort when the grid has a total and the
    /// customer is in another group.
    #[inline]
    fn each(
        &self,
        tx: &Transactions,
        cal: &Calendar,
        end: i64,
        before: Before,
        mut f: impl FnMut(usize, usize, usize, Option<usize>, usize),
    ) {
        for (r, (&c, &t)) in tx.customer.iter().zip(&tx.timestamp).enumerate() {
            let Some(&row) = self.members.get(c as usize) else {
                continue;
            };
            if row == NONE || t > end {
                continue;
            }
            let acq = match &self.acq {
                None => self.row_acq.get(row as usize).copied(),
                Some(v) => v.get(c as usize).map(|&a| i64::from(a)),
            };
            let Some(acq) = acq else { continue };
            let age = match self.periods.of(cal, t) - acq {
                a if a >= 0 => a as usize,
                _ if before == Before::AgeZero => 0,
                _ => continue,
            };
            let row = row as usize;
            let (Some(&a), Some(&b)) = (self.start.get(row), self.start.get(row + 1)) else {
                continue;
            };
            let cell = a + age;
            if cell >= b {
                continue;
            }
            let total = if self.total {
                let t0 = row - row % self.groups;
                (t0 != row)
                    .then(|| self.start.get(t0).map(|&a0| a0 + age))
                    .flatten()
            } else {
                None
            };
            f(r, row, cell, total, c as usize * self.stride + age);
        }
    }

    /// Σ `value(transaction)` per cell, transactions in row order.
    pub(crate) fn sum(
        &self,
        tx: &Transactions,
        cal: &Calendar,
        end: i64,
        before: Before,
        value: impl Fn(usize) -> f64,
    ) -> Vec<f64> {
        let mut out = vec![0.0; self.cells()];
        self.each(tx, cal, end, before, |r, _, cell, total, _| {
            let v = value(r);
            for i in std::iter::once(cell).chain(total) {
                if let Some(x) = out.get_mut(i) {
                    *x += v;
                }
            }
        });
        out
    }

    /// Σ `share weight · value(transaction)` per cell, transactions in row order: each
    /// customer's transactions count in every group `shares` gives them within the cohort of
    /// their row (the group of the row itself only when it is among the shares), each with its
    /// weight. With one share of weight 1 per customer, the sums are those of [`Self::sum`] on a
    /// grid of the same rows.
    pub(crate) fn sum_shared(
        &self,
        shares: &Shares,
        tx: &Transactions,
        cal: &Calendar,
        end: i64,
        before: Before,
        value: impl Fn(usize) -> f64,
    ) -> Vec<f64> {
        let mut out = vec![0.0; self.cells()];
        self.each(tx, cal, end, before, |r, row, cell, _, _| {
            let (Some(&c), Some(&a)) = (tx.customer.get(r), self.start.get(row)) else {
                return;
            };
            let age = cell - a;
            let t0 = row - row % self.groups;
            let v = value(r);
            for &(g, w) in shares.of(c as usize) {
                let g = g as usize;
                if g >= self.groups {
                    continue;
                }
                let (Some(&a), Some(&b)) = (self.start.get(t0 + g), self.start.get(t0 + g + 1))
                else {
                    continue;
                };
                if a + age < b {
                    if let Some(x) = out.get_mut(a + age) {
                        *x += w * v;
                    }
                }
            }
        });
        out
    }

    /// Σ share weights per row: each customer in the grid adds the weight of each of their
    /// shares to that group of their row's cohort.
    pub(crate) fn sizes_shared(&self, shares: &Shares) -> Vec<f64> {
        let mut n = vec![0.0; self.cohorts * self.groups];
        for (c, &m) in self.members.iter().enumerate() {
            if m == NONE {
                continue;
            }
            let row = m as usize;
            let t0 = row - row % self.groups;
            for &(g, w) in shares.of(c) {
                if (g as usize) < self.groups {
                    if let Some(x) = n.get_mut(t0 + g as usize) {
                        *x += w;
                    }
                }
            }
        }
        n
    }

    /// Distinct customers per cell among the transactions where `counts(transaction)`.
    pub(crate) fn distinct_customers(
        &self,
        tx: &Transactions,
        cal: &Calendar,
        end: i64,
        before: Before,
        counts: impl Fn(usize) -> bool,
    ) -> Vec<f64> {
        let mut out = vec![0.0; self.cells()];
        let bits = self.members.len().saturating_mul(self.stride);
        if bits <= MAX_BITMAP_BITS {
            // One bit per customer and age.
            let mut seen = vec![0u64; bits.div_ceil(64)];
            self.each(tx, cal, end, before, |r, _, cell, total, bit| {
                if !counts(r) {
                    return;
                }
                let Some(w) = seen.get_mut(bit / 64) else {
                    return;
                };
                let mask = 1u64 << (bit % 64);
                if *w & mask != 0 {
                    return;
                }
                *w |= mask;
                for i in std::iter::once(cell).chain(total) {
                    if let Some(x) = out.get_mut(i) {
                        *x += 1.0;
                    }
                }
            });
        } else {
            let mut seen: Vec<(usize, usize, Option<usize>)> = Vec::new();
            self.each(tx, cal, end, before, |r, _, cell, total, bit| {
                if counts(r) {
                    seen.push((bit, cell, total));
                }
            });
            seen.sort_unstable_by_key(|s| s.0);
            seen.dedup_by_key(|s| s.0);
            for (_, cell, total) in seen {
                for i in std::iter::once(cell).chain(total) {
                    if let Some(x) = out.get_mut(i) {
                        *x += 1.0;
                    }
                }
            }
        }
        out
    }

    /// Distinct `key(transaction)` per cell among the transactions where `key` is `Some`.
    pub(crate) fn distinct_keys(
        &self,
        tx: &Transactions,
        cal: &Calendar,
        end: i64,
        before: Before,
        key: impl Fn(usize) -> Option<u32>,
    ) -> Vec<f64> {
        let mut pairs: Vec<u64> = Vec::new();
        self.each(tx, cal, end, before, |r, _, cell, total, _| {
            if let Some(k) = key(r) {
                for i in std::iter::once(cell).chain(total) {
                    pairs.push(((i as u64) << 32) | u64::from(k));
                }
            }
        });
        pairs.sort_unstable();
        pairs.dedup();
        let mut out = vec![0.0; self.cells()];
        for p in pairs {
            if let Some(x) = out.get_mut((p >> 32) as usize) {
                *x += 1.0;
            }
        }
        out
    }
}

/// Weighted group memberships per customer, for [`CohortGrid::sum_shared`]: customer `c`
/// counts in group `g` of their cohort with weight `w` for each `(g, w)` of `of(c)` (a customer
/// split between channels by an attribution model, with the all-customers group at weight 1).
#[derive(Debug, Clone, Default)]
pub(crate) struct Shares {
    /// Offset of each customer's first share; one more entry than customers.
    offset: Vec<usize>,
    /// (group, weight), customer after customer.
    share: Vec<(u32, f64)>,
}

impl Shares {
    /// No customers yet.
    pub(crate) fn new() -> Shares {
        Shares {
            offset: vec![0],
            share: Vec::new(),
        }
    }

    /// Appends the next customer's shares.
    pub(crate) fn push(&mut self, shares: impl IntoIterator<Item = (u32, f64)>) {
        self.share.extend(shares);
        self.offset.push(self.share.len());
    }

    /// The shares of customer `c` (none for a customer not pushed).
    pub(crate) fn of(&self, c: usize) -> &[(u32, f64)] {
        match (self.offset.get(c), self.offset.get(c + 1)) {
            (Some(&a), Some(&b)) => self.share.get(a..b).unwrap_or(&[]),
            _ => &[],
        }
    }
}

/// The most activity bits (customers × ages) kept as a bitmap (32 MiB); above it distinct
/// customers are counted by sorting.
const MAX_BITMAP_BITS: usize = 1 << 28;

// ------------------------------------------------------------------------------ the matrix

/// The cohort matrix of `tx` (see the [module docs](self) and [`DEFINITION`]).
///
/// ```
/// use unimetric::{Transactions, TransactionColumns, IdColumn, TimeColumn};
/// use unimetric::cohort::{cohorts, CohortOptions, Measure};
/// const DAY: f64 = 86_400_000.0;
/// let jan1 = 19_723.0 * DAY; // 2024-01-01
/// // Customer 1 buys in January and February, customer 2 in January only; the data end on
/// // 2024-03-31, so January and February are complete months and March too.
/// let tx = Transactions::from_columns(TransactionColumns {
///     customer_id: IdColumn::Numeric(&[1, 2, 1, 1]),
///     timestamp: TimeColumn::EpochMs(&[jan1, jan1 + DAY, jan1 + 40.0 * DAY, jan1 + 90.0 * DAY + 1.0]),
///     amount: &[10.0, 20.0, 30.0, -5.0], order_id: None, channel: None, cost: None,
/// }).unwrap();
/// let opts = CohortOptions { observation_end: serde_json::from_str(r#""2024-03-31""#).unwrap(), ..Default::default() };
/// let m = cohorts(&tx, &opts).unwrap();
/// assert_eq!(m.cohort_size, vec![2]);
/// assert_eq!(m.ages, vec![0, 1, 2]);
/// assert_eq!(m.values, vec![1.0, 0.5, 0.0]); // the refund on March 31 is not a purchase
/// let m = cohorts(&tx, &CohortOptions { measure: Measure::Revenue, ..opts }).unwrap();
/// assert_eq!(m.values, vec![30.0, 30.0, -5.0]);
/// ```
pub fn cohorts(tx: &Transactions, opts: &CohortOptions) -> Result<CohortMatrix> {
    opts.check()?;
    if tx.is_empty() {
        return Err(Error::Empty {
            what: "transactions".into(),
        });
    }
    let costs = tx.costs();
    if opts.measure == Measure::Margin && costs.is_some() && opts.margin != 1.0 {
        return Err(Error::BadOption {
            option: "margin".into(),
            message: "the transactions carry a cost column, so the margin is amount − cost; leave margin at 1".into(),
        });
    }
    let cal = Calendar::for_call(opts.timezone.as_ref(), tx, opts.week_start)?;
    let end = opts
        .observation_end
        .resolve_checked(&cal, || tx.time_range().1, "observationEnd")?;
    let cp = opts.cohort_period;
    let ap = opts.age_period();
    // The channel split needs each acquisition's channel (`summary::acquisitions`, as CAC);
    // otherwise only its instant, found in two passes.
    let acq = if opts.by.is_some() {
        crate::summary::acquisitions(tx, &cal)
    } else {
        first_purchases(tx, &cal)
            .into_iter()
            .map(|f| (f != i64::MAX).then_some((f, NO_CHANNEL)))
            .collect()
    };

    // Groups: one, or the channels (the table's channel names, then "unknown").
    let split = opts.by == Some(Split::Channel);
    let names: Vec<String> = if split {
        let mut n = tx.channel_names().to_vec();
        n.push(UNKNOWN_CHANNEL.to_string());
        n
    } else {
        vec![String::new()]
    };
    let unknown = names.len() as u32 - 1;
    let group = |ch: u32| -> u32 {
        if !split {
            0
        } else if ch == NO_CHANNEL || ch as usize >= tx.channel_names().len() {
            unknown
        } else {
            ch
        }
    };
    let kept = |a: &Option<(i64, u32)>| a.filter(|&(ms, _)| ms <= end);
    let (mut lo, mut hi) = (i64::MAX, i64::MIN);
    let (first, last) = tx.time_range();
    let cohort_of = DayPeriods::new(&cal, cp, first, last);
    for (ms, _) in acq.iter().filter_map(kept) {
        let c = cohort_of.of(&cal, ms);
        lo = lo.min(c);
        hi = hi.max(c);
    }
    if lo > hi {
        return Err(Error::Empty {
            what: "customers with a purchase on or before observationEnd".into(),
        });
    }
    let ncohorts = (hi - lo + 1) as usize;
    let max_ages = opts.max_age.map_or(usize::MAX, |m| m as usize + 1);
    let grid = CohortGrid::new(
        tx,
        &cal,
        cp,
        ap,
        lo,
        ncohorts,
        names.len(),
        acq.iter().map(|a| kept(a).map(|(ms, ch)| (ms, group(ch)))),
        false,
        end,
        max_ages,
    )?;
    let purchase = |r: usize| crate::summary::is_purchase(tx.amount[r]);
    let raw = match opts.measure {
        Measure::Customers | Measure::Retention => {
            grid.distinct_customers(tx, &cal, end, Before::AgeZero, purchase)
        }
        Measure::Orders => match &tx.order {
            Some(o) => grid.distinct_keys(tx, &cal, end, Before::AgeZero, |r| {
                purchase(r).then(|| o.get(r).copied()).flatten()
            }),
            None => grid.sum(tx, &cal, end, Before::AgeZero, |r| {
                f64::from(u8::from(purchase(r)))
            }),
        },
        Measure::Revenue | Measure::CumulativeRevenuePerCustomer => {
            grid.sum(tx, &cal, end, Before::AgeZero, |r| tx.amount[r])
        }
        Measure::Margin => grid.sum(tx, &cal, end, Before::AgeZero, |r| match costs {
            Some(k) => tx.amount[r] - k[r],
            None => tx.amount[r] * opts.margin,
        }),
    };
    let sizes = grid.sizes();

    // Columns: the longest row.
    let ages = (0..grid.cohorts)
        .map(|c| grid.row(&raw, c, 0).len())
        .max()
        .unwrap_or(1);
    let mut order: Vec<usize> = (0..names.len()).collect();
    order.sort_by(|&a, &b| names[a].cmp(&names[b]));
    let mut out = CohortMatrix {
        cohort_start: Vec::new(),
        cohort_size: Vec::new(),
        channel: split.then(Vec::new),
        ages: (0..ages as u32).collect(),
        values: Vec::new(),
        complete: Vec::new(),
        definition: def_ref(opts, &cal, end, costs.is_some()),
    };
    if ncohorts.saturating_mul(ages) > MAX_CELLS {
        return Err(Error::TooLarge {
            what: "the cohort matrix".into(),
            size: ncohorts.saturating_mul(ages),
            limit: MAX_CELLS,
        });
    }
    for c in 0..grid.cohorts {
        let index = grid.first + c as i64;
        let start = cal.start_ms(cp, index);
        // The age period of the cohort's last possible acquisition.
        let last = cal.index(ap, cal.start_ms(cp, index + 1) - 1);
        let complete: Vec<u8> = (0..ages)
            .map(|k| u8::from(cal.start_ms(ap, last + k as i64 + 1) - 1 <= end))
            .collect();
        for &g in &order {
            let size = sizes.get(c * grid.groups + g).copied().unwrap_or(0);
            if size == 0 {
                continue;
            }
            let row = grid.row(&raw, c, g);
            let n = f64::from(size);
            let mut acc = 0.0;
            for (k, &done) in complete.iter().enumerate() {
                let x = row.get(k).copied().unwrap_or(0.0);
                acc += x;
                let v = match opts.measure {
                    Measure::Customers | Measure::Orders | Measure::Revenue => x,
                    Measure::Retention => x / n,
                    Measure::CumulativeRevenuePerCustomer | Measure::Margin => acc / n,
                };
                out.values.push(if done == 1 { v } else { f64::NAN });
            }
            out.complete.extend_from_slice(&complete);
            out.cohort_start.push(start as f64);
            out.cohort_size.push(size);
            if let Some(ch) = out.channel.as_mut() {
                ch.push(names[g].clone());
            }
        }
    }
    Ok(out)
}

/// Each customer's acquisition instant (`i64::MAX` for none): the first instant of their first
/// purchase day — the same instant as `summary::acquisitions`, without the channel. The first
/// purchase day is the day of their earliest purchase; an earlier refund that same day moves
/// the instant to it.
fn first_purchases(tx: &Transactions, cal: &Calendar) -> Vec<i64> {
    let mut first = vec![i64::MAX; tx.customer_count()];
    let rows = || tx.customer.iter().zip(tx.timestamp.iter().zip(&tx.amount));
    let mut refunds = false;
    for (&c, (&t, &a)) in rows() {
        if crate::summary::is_purchase(a) {
            if let Some(f) = first.get_mut(c as usize) {
                *f = (*f).min(t);
            }
        } else {
            refunds = true;
        }
    }
    if refunds {
        for (&c, (&t, &a)) in rows() {
            if crate::summary::is_purchase(a) {
                continue;
            }
            if let Some(f) = first.get_mut(c as usize) {
                if t < *f && *f != i64::MAX && cal.day(t) == cal.day(*f) {
                    *f = t;
                }
            }
        }
    }
    first
}

fn def_ref(opts: &CohortOptions, cal: &Calendar, end: i64, cost: bool) -> DefinitionRef {
    let mut d = DefinitionRef::new(&DEFINITION)
        .with(
            "cohortPeriod",
            ParamValue::Text(opts.cohort_period.as_str().into()),
        )
        .with(
            "period",
            ParamValue::Text(opts.age_period().as_str().into()),
        )
        .with("measure", ParamValue::Text(opts.measure.as_str().into()))
        .with("observationEnd", ParamValue::Number(end as f64))
        .with("timezone", ParamValue::Text(cal.zone().name().into()))
        .with("weekStart", ParamValue::Number(f64::from(cal.week_start())));
    if let Some(m) = opts.max_age {
        d = d.with("maxAge", ParamValue::Number(m));
    }
    if opts.by.is_some() {
        d = d.with("by", ParamValue::Text("channel".into()));
    }
    if opts.measure == Measure::Margin {
        d = d.with("margin", ParamValue::Number(opts.margin)).with(
            "marginSource",
            ParamValue::Text(if cost { "cost" } else { "margin" }.into()),
        );
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{IdColumn, TimeColumn, TransactionColumns};

    /// The two-pass acquisition instants agree with `summary::acquisitions` on data with
    /// refunds (some the same day before a purchase), zero amounts and several rows a day, in
    /// UTC and in a zone with DST.
    #[test]
    fn first_purchases_match_summary_acquisitions() {
        let d = crate::sim::simulate(
            &crate::sim::SimParams {
                customers: 400,
                refund_rate: 0.3,
                ..Default::default()
            },
            7,
        );
        let mut ids: Vec<u32> = d.transactions.iter().map(|t| t.customer).collect();
        // Every third row moves to midnight of its day, so days hold several rows and refunds
        // fall before purchases of the same day.
        let ts: Vec<f64> = d
            .transactions
            .iter()
            .enumerate()
            .map(|(i, t)| {
                if i % 3 == 0 {
                    (t.ms - t.ms.rem_euclid(86_400_000)) as f64
                } else {
                    t.ms as f64
                }
            })
            .collect();
        let amount: Vec<f64> = d
            .transactions
            .iter()
            .enumerate()
            .map(|(i, t)| if i % 17 == 0 { 0.0 } else { t.amount })
            .collect();
        // Two customers by hand: 9001 refunds at 08:00 and buys at 10:00 the same day (its
        // acquisition instant is the refund's); 9002 refunds the day before it buys.
        let (mut ts, mut amount) = (ts, amount);
        let day = 19_723 * 86_400_000_i64; // 2024-01-01
        for (id, t, a) in [
            (9001, day + 8 * 3_600_000, -5.0),
            (9001, day + 10 * 3_600_000, 20.0),
            (9002, day - 3_600_000, -5.0),
            (9002, day + 10 * 3_600_000, 20.0),
        ] {
            ids.push(id);
            ts.push(t as f64);
            amount.push(a);
        }
        let tx = Transactions::from_columns(TransactionColumns {
            customer_id: IdColumn::Numeric(&ids),
            timestamp: TimeColumn::EpochMs(&ts),
            amount: &amount,
            order_id: None,
            channel: None,
            cost: None,
        })
        .unwrap();
        let f = first_purchases(&tx, &Calendar::utc());
        let of = |id: u32| {
            ids.iter()
                .position(|&i| i == id)
                .map(|r| f[tx.customer[r] as usize])
        };
        assert_eq!(of(9001), Some(day + 8 * 3_600_000));
        assert_eq!(of(9002), Some(day + 10 * 3_600_000));
        for zone in ["UTC", "America/New_York"] {
            let cal = Calendar::for_call(Some(&Zone::parse(zone).unwrap()), &tx, 1).unwrap();
            let want: Vec<i64> = crate::summary::acquisitions(&tx, &cal)
                .into_iter()
                .map(|a| a.map_or(i64::MAX, |(ms, _)| ms))
                .collect();
            assert_eq!(first_purchases(&tx, &cal), want, "{zone}");
        }
    }
}
