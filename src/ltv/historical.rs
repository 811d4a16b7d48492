//! Historical LTV (`ltv.historical`): realised gross margin per customer to date, and cumulative
//! margin per customer of each acquisition cohort by months since acquisition.
//!
//! The margin of a transaction is `amount − cost` when the transactions carry a cost column
//! ([`Transactions::costs`]), and `margin · amount` otherwise; the two cannot be combined
//! (a margin rate other than 1 with a cost column is `E_BAD_OPTION`).

use crate::cohort::{Before, CohortGrid};
use crate::data::dates::{OBSERVATION_END, TIMEZONE};
use crate::data::{Calendar, CustomerKeys, ObservationEnd, Period, Transactions, Zone};
use crate::error::{Error, Result};
use crate::glossary::{Definition, DefinitionRef, ParamValue, ParameterDef};
use serde::{Deserialize, Serialize};

/// Parameter `margin` (alias `marginRate`), shared with the cohort matrix.
pub use crate::cohort::MARGIN;

/// Definition of `ltv.historical`.
pub const DEFINITION: Definition = Definition {
    id: "ltv.historical",
    version: "3.0.0",
    name: "Historical LTV",
    description: "Gross margin each customer has actually brought so far: net revenue to date (refunds subtracted) minus the cost of each transaction when the transactions carry a cost column, otherwise times the margin rate. Cohort curves show, for the customers acquired in each calendar month, the average cumulative margin per customer 0, 1, 2, … months after acquisition.",
    formula: "margin of a transaction = amount − cost with a cost column, else margin · amount; LTV_i = Σ margin of customer i's transactions on or before observationEnd; acquisition month = calendar month (local to the timezone) of the customer's first purchase (first day with a transaction of amount ≥ 0, as in customer.summary and CAC); cohort curve c[m] = Σ_{j≤m} (margin of the cohort's transactions in acquisition month + j) ÷ cohort size",
    unit: "currency per customer",
    parameters: &[
        MARGIN,
        ParameterDef::new("marginSource", "margin", "\"cost\" when the transactions carry a cost column (margin = amount − cost per transaction), else \"margin\".").rule("costColumn").one_of(&["cost", "margin"]),
        OBSERVATION_END,
        TIMEZONE,
    ],
    inputs: "Transactions (customer id, timestamp, amount; optional cost). Customers with no purchase day on or before observationEnd are left out.",
    depends_on: &["customer.summary"],
};

/// Options of [`historical_ltv`]; JS `HistoricalLtvOptions`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(
    target_arch = "wasm32",
    derive(tsify::Tsify),
    tsify(missing_as_null, rename = "HistoricalLtvOptions")
)]
#[serde(
    rename = "HistoricalLtvOptions",
    rename_all = "camelCase",
    default,
    deny_unknown_fields
)]
pub struct HistoricalOptions {
    /// Margin rate (default 1; also accepted as `marginRate`).
    #[serde(alias = "marginRate")]
    pub margin: f64,
    /// Observation end (default `"lastTransaction"`; a bare date is the end of that local day),
    /// see [`ObservationEnd`].
    #[cfg_attr(
        target_arch = "wasm32",
        tsify(optional, type = "DateInput | \"lastTransaction\"")
    )]
    pub observation_end: ObservationEnd,
    /// IANA time zone of the months and of a bare-date observation end (default: the
    /// transactions' zone).
    #[cfg_attr(target_arch = "wasm32", tsify(optional, type = "string"))]
    pub timezone: Option<Zone>,
}

impl Default for HistoricalOptions {
    fn default() -> Self {
        HistoricalOptions {
            margin: const { MARGIN.default_number() },
            observation_end: ObservationEnd::LastTransaction,
            timezone: None,
        }
    }
}

/// One acquisition cohort's cumulative curve; JS `CohortLtvCurve`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(
    target_arch = "wasm32",
    derive(tsify::Tsify),
    tsify(missing_as_null, rename = "CohortLtvCurve")
)]
#[serde(rename = "CohortLtvCurve", rename_all = "camelCase")]
pub struct CohortCurve {
    /// Acquisition month, `YYYY-MM`.
    pub month: String,
    /// First instant of the acquisition month (its local midnight in the timezone, epoch ms).
    pub month_start: i64,
    /// Customers acquired that month.
    pub customers: usize,
    /// Average cumulative margin per customer at 0, 1, … months since acquisition, up to the
    /// observation-end month.
    #[serde(serialize_with = "crate::columns::f64s")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Float64Array"))]
    pub cumulative: Vec<f64>,
}

/// Result of [`historical_ltv`]; JS `HistoricalLtvResult`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(
    target_arch = "wasm32",
    derive(tsify::Tsify),
    tsify(missing_as_null, rename = "HistoricalLtvResult")
)]
#[serde(rename = "HistoricalLtvResult", rename_all = "camelCase")]
pub struct HistoricalLtv {
    /// Customer ids (ordered like [`crate::CustomerSummary`]).
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Uint32Array | string[]"))]
    pub customer_id: CustomerKeys,
    /// Acquisition month start (epoch ms) per customer.
    #[serde(serialize_with = "crate::columns::f64s")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Float64Array"))]
    pub acquisition_month: Vec<f64>,
    /// Net revenue to date per customer.
    #[serde(serialize_with = "crate::columns::f64s")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Float64Array"))]
    pub revenue: Vec<f64>,
    /// Cost to date per customer, when the transactions carry a cost column.
    #[serde(serialize_with = "crate::columns::opt_f64s")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Float64Array | null"))]
    pub cost: Option<Vec<f64>>,
    /// Realised gross margin to date per customer (the historical LTV).
    #[serde(serialize_with = "crate::columns::f64s")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Float64Array"))]
    pub ltv: Vec<f64>,
    /// Cohort curves, oldest cohort first.
    #[cfg_attr(target_arch = "wasm32", tsify(type = "CohortLtvCurve[]"))]
    pub cohorts: Vec<CohortCurve>,
    /// Definition reference.
    pub definition: DefinitionRef,
}

/// Historical LTV of every customer of `tx` and cohort curves (see [`DEFINITION`]).
///
/// ```
/// use unimetric::{Transactions, TransactionColumns, IdColumn, TimeColumn};
/// use unimetric::ltv::historical::{historical_ltv, HistoricalOptions};
/// const DAY: f64 = 86_400_000.0;
/// // Customer 1 buys 100 on 2024-01-01 and 50 on 2024-02-10 (day 40); margin 40 %.
/// let tx = Transactions::from_columns(TransactionColumns {
///     customer_id: IdColumn::Numeric(&[1, 1]),
///     timestamp: TimeColumn::EpochMs(&[19_723.0 * DAY, (19_723.0 + 40.0) * DAY]),
///     amount: &[100.0, 50.0], order_id: None, channel: None, cost: None,
/// }).unwrap();
/// let h = historical_ltv(&tx, &HistoricalOptions { margin: 0.4, ..Default::default() }).unwrap();
/// assert!((h.ltv[0] - 60.0).abs() < 1e-12);
/// assert_eq!(h.cohorts[0].cumulative.len(), 2);
/// assert!((h.cohorts[0].cumulative[0] - 40.0).abs() < 1e-12);
///
/// // With a cost column the margin is amount − cost per transaction: (100 − 70) + (50 − 20).
/// let tx = Transactions::from_columns(TransactionColumns {
///     customer_id: IdColumn::Numeric(&[1, 1]),
///     timestamp: TimeColumn::EpochMs(&[19_723.0 * DAY, (19_723.0 + 40.0) * DAY]),
///     amount: &[100.0, 50.0], order_id: None, channel: None, cost: Some(&[70.0, 20.0]),
/// }).unwrap();
/// let h = historical_ltv(&tx, &HistoricalOptions::default()).unwrap();
/// assert!((h.ltv[0] - 60.0).abs() < 1e-12);
/// ```
pub fn historical_ltv(tx: &Transactions, opts: &HistoricalOptions) -> Result<HistoricalLtv> {
    MARGIN.check_number(opts.margin)?;
    let costs = tx.costs();
    if costs.is_some() && opts.margin != 1.0 {
        return Err(Error::BadOption {
            option: "margin".into(),
            message: "the transactions carry a cost column, so the margin is amount − cost; leave margin at 1".into(),
        });
    }
    // Margin of row r: amount − cost with a cost column, margin · amount otherwise.
    let margin = |r: usize| match costs {
        Some(c) => tx.amount[r] - c[r],
        None => tx.amount[r] * opts.margin,
    };
    let cal = Calendar::for_call(opts.timezone.as_ref(), tx, 1)?;
    let end = opts
        .observation_end
        .resolve_checked(&cal, || tx.time_range().1, "observationEnd")?;
    let m = tx.customer_count();
    // Acquisition = first purchase under customer.summary (first local day with a transaction of
    // amount ≥ 0, `summary::is_purchase`), the same rule CAC uses, so LTV and CAC cohorts hold the
    // same customers.
    let mut first: Vec<i64> = crate::summary::acquisitions(tx, &cal)
        .into_iter()
        .map(|a| a.map_or(i64::MAX, |(ms, _)| if ms <= end { ms } else { i64::MAX }))
        .collect();
    first.resize(m, i64::MAX);
    let mut revenue = vec![0.0; m];
    let mut cost = vec![0.0; m];
    let mut ltv = vec![0.0; m];
    for r in 0..tx.len() {
        let (c, t, a) = (tx.customer[r] as usize, tx.timestamp[r], tx.amount[r]);
        if t > end || c >= m {
            continue;
        }
        revenue[c] += a;
        if let Some(k) = costs {
            cost[c] += k[r];
            ltv[c] += a - k[r];
        }
    }
    // Kept customers in output order.
    let order: Vec<u32> = tx
        .keys
        .output_order()
        .into_iter()
        .filter(|&c| first.get(c as usize).is_some_and(|&f| f != i64::MAX))
        .collect();
    if order.is_empty() {
        return Err(Error::Empty {
            what: "customers with a positive transaction on or before observationEnd".into(),
        });
    }

    // Cohorts by acquisition month; monthly margin by months since acquisition, from the one
    // cohort grid (a transaction before the acquisition month counts in month 0).
    let end_month = cal.index(Period::Month, end);
    let acq: Vec<i64> = first
        .iter()
        .map(|&f| {
            if f == i64::MAX {
                i64::MIN
            } else {
                cal.index(Period::Month, f)
            }
        })
        .collect();
    let first_month = order
        .iter()
        .map(|&c| acq[c as usize])
        .min()
        .unwrap_or(end_month);
    let months = (end_month - first_month + 1).max(1) as usize;
    let grid = CohortGrid::new(
        tx,
        &cal,
        Period::Month,
        Period::Month,
        first_month,
        months,
        1,
        first.iter().map(|&f| (f != i64::MAX).then_some((f, 0))),
        false,
        end,
        usize::MAX,
    )?;
    let flows = grid.sum(tx, &cal, end, Before::AgeZero, margin);
    let cohort_size = grid.sizes();
    let cohorts = (0..months)
        .filter(|&k| cohort_size[k] > 0)
        .map(|k| {
            let n = f64::from(cohort_size[k]);
            let mut acc = 0.0;
            let index = first_month + k as i64;
            let month_start = cal.start_ms(Period::Month, index);
            CohortCurve {
                month: format!(
                    "{:04}-{:02}",
                    1970 + index.div_euclid(12),
                    index.rem_euclid(12) + 1
                ),
                month_start,
                customers: cohort_size[k] as usize,
                cumulative: grid
                    .row(&flows, k, 0)
                    .iter()
                    .map(|v| {
                        acc += v;
                        acc / n
                    })
                    .collect(),
            }
        })
        .collect();
    Ok(HistoricalLtv {
        customer_id: tx.keys.select(&order),
        acquisition_month: order
            .iter()
            .map(|&c| cal.start_ms(Period::Month, acq[c as usize]) as f64)
            .collect(),
        revenue: order.iter().map(|&c| revenue[c as usize]).collect(),
        cost: costs.map(|_| order.iter().map(|&c| cost[c as usize]).collect()),
        ltv: order
            .iter()
            .map(|&c| match costs {
                Some(_) => ltv[c as usize],
                None => revenue[c as usize] * opts.margin,
            })
            .collect(),
        cohorts,
        definition: DefinitionRef::new(&DEFINITION)
            .with("margin", ParamValue::Number(opts.margin))
            .with(
                "marginSource",
                ParamValue::Text(if costs.is_some() { "cost" } else { "margin" }.into()),
            )
            .with("observationEnd", ParamValue::Number(end as f64))
            .with("timezone", ParamValue::Text(cal.zone().name().into())),
    })
}
