//! The per-customer summary every model uses (`customer.summary`).
//!
//! Semantics follow lifetimes' `summary_data_from_transaction_data`:
//!
//! 1. Transactions in periods after the observation-end period are ignored (the comparison is
//!    by period, so every transaction in the observation-end period counts).
//! 2. A customer's transactions in the same period are merged: their amounts are summed, so a
//!    refund (negative amount) is netted within its period. A period whose net amount is
//!    positive is a *purchase period*; others are not purchases.
//! 3. `frequency` = purchase periods − 1 (repeat purchases); `recency` = last − first purchase
//!    period; `T` = observation-end period − first purchase period (all in periods);
//!    `monetaryValue` = mean net amount of the repeat purchase periods (the first excluded),
//!    0 for a customer with no repeat purchase.
//! 4. Customers with transactions on or before the observation end but no purchase period (only
//!    refunds, or net zero) are left out and counted in [`CustomerSummary::excluded_customers`].
//!
//! Periods are calendar periods (see [`crate::data::dates`]); with `period: "month"` recency and
//! T count calendar months (lifetimes instead divides day differences by numpy's mean month of
//! 30.436875 days). Rows are ordered by customer id (numeric ids ascending; text ids in natural
//! order, see [`crate::data::CustomerKeys::compare`]), so the output does not depend on input row
//! order.

use crate::data::{CustomerKeys, Period, Transactions, NO_CHANNEL};
use crate::error::{Error, Result};
use crate::glossary::{Definition, DefinitionRef, ParamValue, ParameterDef};
use serde::Deserialize;

/// Definition of `customer.summary`.
pub const DEFINITION: Definition = Definition {
    id: "customer.summary",
    version: "1.0.0",
    name: "Customer summary (RFM + tenure)",
    description: "One row per customer: how many repeat purchase periods they had, when their last purchase was relative to their first, how long they have been observed, and their mean repeat spend. The input of every predictive model. Same semantics as lifetimes' summary_data_from_transaction_data.",
    formula: "frequency = purchase periods − 1; recency = last − first purchase period; T = observation-end period − first purchase period; monetaryValue = mean net amount of repeat purchase periods (0 if none). Same-period transactions are merged and refunds netted; a period is a purchase when its net amount > 0.",
    unit: "frequency: periods; recency, T: periods of the chosen length; monetaryValue: currency per period",
    parameters: &[
        ParameterDef {
            name: "period",
            description: "Calendar period used to merge transactions and to measure recency and T: day, week (ISO, Monday start), month or quarter, in UTC.",
            default: "\"day\"",
        },
        ParameterDef {
            name: "observationEnd",
            description: "End of the observation window (epoch ms or ISO-8601). Transactions in later periods are ignored.",
            default: "time of the last transaction",
        },
    ],
    inputs: "Transactions (customer id, timestamp, amount; optional order id and channel).",
};

/// One transaction in the customer-contiguous working array of the summary.
#[derive(Clone, Copy)]
struct Entry {
    ts: i64,
    /// Period index; every accepted instant (years 1000–9999) has one that fits an `i32`.
    p: i32,
    amount: f64,
    row: u32,
}

/// Counting sort of the transactions by customer into one contiguous array, so each
/// customer's rows are read sequentially (and their period computed once). Returns the start
/// offset of every customer (length customers + 1) and the entries.
fn scatter(tx: &Transactions, period: Period) -> (Vec<u32>, Vec<Entry>) {
    let m = tx.customer_count();
    let mut start = vec![0u32; m + 1];
    for &c in &tx.customer {
        start[c as usize + 1] += 1;
    }
    for i in 0..m {
        start[i + 1] += start[i];
    }
    let mut fill = start.clone();
    let mut entries = vec![
        Entry {
            ts: 0,
            p: 0,
            amount: 0.0,
            row: 0
        };
        tx.len()
    ];
    let mut place = |r: usize, c: u32| {
        let slot = &mut fill[c as usize];
        let ts = tx.timestamp[r];
        entries[*slot as usize] = Entry {
            ts,
            p: period.index(ts) as i32,
            amount: tx.amount[r],
            row: r as u32,
        };
        *slot += 1;
    };
    // With many customers a direct scatter writes all over a large array. Partitioning the rows
    // first by the high bits of the customer index (256 sequential streams) keeps the second,
    // exact scatter inside one bucket's small region. Both keep each customer's rows in input
    // order, so the result is the same.
    const DIRECT_MAX: usize = 1 << 16;
    if m <= DIRECT_MAX {
        for (r, &c) in tx.customer.iter().enumerate() {
            place(r, c);
        }
    } else {
        let shift = (usize::BITS - (m - 1).leading_zeros()).saturating_sub(8);
        let buckets = (m >> shift) + 1;
        let mut bstart = vec![0u32; buckets + 1];
        for &c in &tx.customer {
            bstart[(c as usize >> shift) + 1] += 1;
        }
        for i in 0..buckets {
            bstart[i + 1] += bstart[i];
        }
        let mut bfill = bstart.clone();
        let mut staged = vec![(0u32, 0u32); tx.len()];
        for (r, &c) in tx.customer.iter().enumerate() {
            let slot = &mut bfill[c as usize >> shift];
            staged[*slot as usize] = (c, r as u32);
            *slot += 1;
        }
        for &(c, r) in &staged {
            place(r as usize, c);
        }
    }
    (start, entries)
}

/// Time order; ties by amount, then input row, so sums run in a fixed order.
fn sort_entries(slice: &mut [Entry]) {
    slice.sort_unstable_by(|a, b| {
        a.ts.cmp(&b.ts)
            .then_with(|| a.amount.total_cmp(&b.amount))
            .then_with(|| a.row.cmp(&b.row))
    });
}

/// Every customer's purchase days (by dense customer index), in time order: the UTC day index,
/// the day's net amount (> 0 by definition of a purchase day) and its orders (distinct order ids,
/// or rows, with a positive amount). Same-day netting as in `customer.summary`.
pub(crate) fn purchase_days(tx: &Transactions) -> Vec<Vec<(i64, f64, u32)>> {
    let (start, mut entries) = scatter(tx, Period::Day);
    let mut scratch: Vec<u32> = Vec::new();
    (0..tx.customer_count())
        .map(|c| {
            let slice = &mut entries[start[c] as usize..start[c + 1] as usize];
            sort_entries(slice);
            let mut days = Vec::new();
            for day in slice.chunk_by(|a, b| a.p == b.p) {
                let net: f64 = day.iter().map(|e| e.amount).sum();
                if net > 0.0 {
                    scratch.clear();
                    let positive = day.iter().filter(|e| e.amount > 0.0);
                    let orders = match &tx.order {
                        Some(o) => {
                            scratch.extend(positive.map(|e| o[e.row as usize]));
                            scratch.sort_unstable();
                            scratch.dedup();
                            scratch.len() as u32
                        }
                        None => positive.count() as u32,
                    };
                    days.push((day[0].p as i64, net, orders));
                }
            }
            days
        })
        .collect()
}

/// What one customer's transactions say, up to the observation-end period.
struct Walk {
    periods: u32,
    first_p: i64,
    last_p: i64,
    repeat_sum: f64,
    revenue: f64,
    first_ms: i64,
    last_ms: i64,
    channel: u32,
    orders: u32,
    any_in_window: bool,
}

/// Sorts one customer's entries in time order (ties by amount, then input row, so sums run in
/// a fixed order) and walks their periods: same-period amounts are netted, and a period with a
/// positive net amount is a purchase period.
fn walk(
    slice: &mut [Entry],
    tx: &Transactions,
    end_period: i64,
    order_scratch: &mut Vec<u32>,
) -> Walk {
    slice.sort_unstable_by(|a, b| {
        a.ts.cmp(&b.ts)
            .then_with(|| a.amount.total_cmp(&b.amount))
            .then_with(|| a.row.cmp(&b.row))
    });
    let mut w = Walk {
        periods: 0,
        first_p: i64::MIN,
        last_p: i64::MIN,
        repeat_sum: 0.0,
        revenue: 0.0,
        first_ms: 0,
        last_ms: 0,
        channel: NO_CHANNEL,
        orders: 0,
        any_in_window: slice.first().is_some_and(|e| (e.p as i64) <= end_period),
    };
    order_scratch.clear();
    let mut i = 0;
    while i < slice.len() {
        let p = slice[i].p as i64;
        if p > end_period {
            break;
        }
        // One period: entries i..j.
        let mut j = i;
        let mut net = 0.0;
        let mut period_channel = NO_CHANNEL;
        while j < slice.len() && slice[j].p as i64 == p {
            let e = slice[j];
            net += e.amount;
            if e.amount > 0.0 {
                match &tx.order {
                    Some(o) => order_scratch.push(o[e.row as usize]),
                    None => w.orders += 1,
                }
            }
            if let Some(ch) = &tx.channel {
                if period_channel == NO_CHANNEL {
                    period_channel = ch[e.row as usize];
                }
            }
            j += 1;
        }
        w.revenue += net;
        if net > 0.0 {
            if w.periods == 0 {
                w.first_p = p;
                w.first_ms = slice[i].ts;
                w.channel = period_channel;
            } else {
                w.repeat_sum += net;
            }
            w.periods += 1;
            w.last_p = p;
            w.last_ms = slice[j - 1].ts;
        }
        i = j;
    }
    if tx.order.is_some() {
        order_scratch.sort_unstable();
        order_scratch.dedup();
        w.orders = order_scratch.len() as u32;
    }
    w
}

/// The acquisition of every customer of `tx` (by dense customer index): the time of their first
/// purchase under `customer.summary` with daily periods and no observation end, and the channel
/// index of that purchase ([`NO_CHANNEL`] when none). `None` for customers with no purchase day.
///
/// Same answer as walking every customer's sorted transactions, in one pass for the customers
/// whose amounts are all positive: their first purchase day is the day of their earliest row,
/// and its channel is that of their earliest row with a channel when it falls on that same day.
/// Customers with a refund or zero amount are walked in full.
pub(crate) fn acquisitions(tx: &Transactions) -> Vec<Option<(i64, u32)>> {
    #[derive(Clone, Copy)]
    struct Key {
        ts: i64,
        amount: f64,
        row: u32,
    }
    impl Key {
        fn less(&self, other: &Key) -> bool {
            self.ts
                .cmp(&other.ts)
                .then_with(|| self.amount.total_cmp(&other.amount))
                .then_with(|| self.row.cmp(&other.row))
                .is_lt()
        }
    }
    let none = Key {
        ts: i64::MAX,
        amount: f64::INFINITY,
        row: u32::MAX,
    };
    // One record per customer, so each row touches one cache line.
    #[derive(Clone, Copy)]
    struct State {
        first: Key,
        first_channeled: Key,
        walk_fully: bool,
    }
    let m = tx.customer_count();
    let mut state = vec![
        State {
            first: none,
            first_channeled: none,
            walk_fully: false,
        };
        m
    ];
    for (r, (&c, (&ts, &amount))) in tx
        .customer
        .iter()
        .zip(tx.timestamp.iter().zip(&tx.amount))
        .enumerate()
    {
        let st = &mut state[c as usize];
        if amount <= 0.0 {
            st.walk_fully = true;
            continue;
        }
        let k = Key {
            ts,
            amount,
            row: r as u32,
        };
        if k.less(&st.first) {
            st.first = k;
        }
        if let Some(ch) = &tx.channel {
            if ch[r] != NO_CHANNEL && k.less(&st.first_channeled) {
                st.first_channeled = k;
            }
        }
    }
    let walk_fully: Vec<bool> = state.iter().map(|s| s.walk_fully).collect();
    let mut out: Vec<Option<(i64, u32)>> = state
        .iter()
        .map(|st| {
            let f = st.first;
            if st.walk_fully || f.row == u32::MAX {
                return None;
            }
            let fc = st.first_channeled;
            let channel = match &tx.channel {
                Some(ch)
                    if fc.row != u32::MAX
                        && Period::Day.index(fc.ts) == Period::Day.index(f.ts) =>
                {
                    ch[fc.row as usize]
                }
                _ => NO_CHANNEL,
            };
            Some((f.ts, channel))
        })
        .collect();
    if walk_fully.iter().any(|&x| x) {
        let mut rows: Vec<(u32, Entry)> = tx
            .customer
            .iter()
            .enumerate()
            .filter(|(_, &c)| walk_fully[c as usize])
            .map(|(r, &c)| {
                let ts = tx.timestamp[r];
                (
                    c,
                    Entry {
                        ts,
                        p: Period::Day.index(ts) as i32,
                        amount: tx.amount[r],
                        row: r as u32,
                    },
                )
            })
            .collect();
        rows.sort_by_key(|(c, _)| *c);
        let mut entries: Vec<Entry> = Vec::new();
        let mut scratch = Vec::new();
        for group in rows.chunk_by(|a, b| a.0 == b.0) {
            entries.clear();
            entries.extend(group.iter().map(|(_, e)| *e));
            let w = walk(&mut entries, tx, i64::MAX, &mut scratch);
            if let Some(slot) = out.get_mut(group[0].0 as usize) {
                *slot = (w.periods > 0).then_some((w.first_ms, w.channel));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{IdColumn, TimeColumn, TransactionColumns};

    /// The one-pass acquisitions agree with walking every customer, on data with refunds, zero
    /// amounts, several rows a day and missing channels.
    #[test]
    fn acquisitions_match_the_full_walk() {
        let d = crate::sim::simulate(
            &crate::sim::SimParams {
                customers: 400,
                refund_rate: 0.2,
                ..Default::default()
            },
            5,
        );
        let n = d.transactions.len();
        let ids: Vec<u32> = d.transactions.iter().map(|t| t.customer).collect();
        // Every third row moves to midnight of its day, so days hold several rows.
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
        let channel: Vec<Option<String>> = (0..n)
            .map(|i| (i % 5 != 0).then(|| format!("ch{}", i % 4)))
            .collect();
        let tx = Transactions::from_columns(TransactionColumns {
            customer_id: IdColumn::Numeric(&ids),
            timestamp: TimeColumn::EpochMs(&ts),
            amount: &amount,
            order_id: None,
            channel: Some(&channel),
            cost: None,
        })
        .unwrap();
        let (start, mut entries) = scatter(&tx, Period::Day);
        let mut scratch = Vec::new();
        let expected: Vec<Option<(i64, u32)>> = (0..tx.customer_count())
            .map(|c| {
                let w = walk(
                    &mut entries[start[c] as usize..start[c + 1] as usize],
                    &tx,
                    i64::MAX,
                    &mut scratch,
                );
                (w.periods > 0).then_some((w.first_ms, w.channel))
            })
            .collect();
        assert_eq!(acquisitions(&tx), expected);
        assert!(expected
            .iter()
            .any(|e| e.is_some_and(|(_, ch)| ch == NO_CHANNEL)));
    }
}

/// Options of [`CustomerSummary::from_transactions`].
#[derive(Debug, Clone, Copy, PartialEq, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SummaryOptions {
    /// Period length (default day).
    #[serde(default)]
    pub period: Period,
    /// Observation end in epoch milliseconds (default: the last transaction).
    #[serde(default)]
    pub observation_end: Option<i64>,
}

/// Per-customer details that exist only when the summary was computed from transactions.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryDetails {
    /// Time of the earliest transaction in the first purchase period (epoch ms).
    pub first_purchase: Vec<f64>,
    /// Time of the latest transaction in the last purchase period (epoch ms).
    pub last_purchase: Vec<f64>,
    /// Orders on or before the observation end: distinct order ids (or rows, without an order id
    /// column) among transactions with a positive amount.
    pub orders: Vec<f64>,
    /// Net revenue on or before the observation end (refunds subtracted).
    pub revenue: Vec<f64>,
    /// Channel of the first transaction with a channel in the first purchase period
    /// (`None` without a channel column or when that period has none).
    pub acquisition_channel: Option<Vec<Option<String>>>,
}

/// The customer summary table (columns of equal length, one row per customer).
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerSummary {
    /// Period unit of recency and T.
    pub period: Period,
    /// Observation end (epoch ms) as given, or the last transaction time; `None` for a summary
    /// built from columns without one.
    pub observation_end: Option<i64>,
    /// Customer ids.
    pub customer_id: CustomerKeys,
    /// Repeat purchase periods.
    pub frequency: Vec<f64>,
    /// Periods between first and last purchase.
    pub recency: Vec<f64>,
    /// Periods between first purchase and observation end.
    pub t: Vec<f64>,
    /// Mean net amount of repeat purchase periods.
    pub monetary_value: Vec<f64>,
    /// Details available when computed from transactions.
    pub details: Option<SummaryDetails>,
    /// Customers left out because they had no purchase period on or before the observation end
    /// (only refunds or net-zero periods).
    pub excluded_customers: usize,
}

/// Columns for [`CustomerSummary::from_columns`] (a summary computed elsewhere).
#[derive(Debug, Clone)]
pub struct SummaryColumns<'a> {
    /// Customer ids.
    pub customer_id: crate::data::IdColumn<'a>,
    /// Repeat purchase periods (non-negative integers).
    pub frequency: &'a [f64],
    /// Periods between first and last purchase (0 ≤ recency ≤ T; 0 when frequency is 0).
    pub recency: &'a [f64],
    /// Periods between first purchase and observation end.
    pub t: &'a [f64],
    /// Mean repeat spend (non-negative).
    pub monetary_value: &'a [f64],
}

fn col_err_nonfinite(column: &str, row: usize, value: f64) -> Error {
    Error::NonFinite {
        column: column.into(),
        row,
        value,
    }
}

impl CustomerSummary {
    /// Computes the summary of `tx` under `opts` (see the [module docs](self)).
    ///
    /// ```
    /// use unimetric::{Transactions, TransactionColumns, IdColumn, TimeColumn};
    /// use unimetric::summary::{CustomerSummary, SummaryOptions};
    /// const DAY: f64 = 86_400_000.0;
    /// // Customer 7 buys on days 0, 0 (same day: merged), 3 and 10; observation ends day 12.
    /// let tx = Transactions::from_columns(TransactionColumns {
    ///     customer_id: IdColumn::Numeric(&[7, 7, 7, 7]),
    ///     timestamp: TimeColumn::EpochMs(&[0.0, 3600e3, 3.0 * DAY, 10.0 * DAY]),
    ///     amount: &[10.0, 5.0, 20.0, 40.0], order_id: None, channel: None, cost: None,
    /// }).unwrap();
    /// let s = CustomerSummary::from_transactions(&tx, &SummaryOptions {
    ///     observation_end: Some(12 * 86_400_000), ..Default::default() }).unwrap();
    /// assert_eq!((s.frequency[0], s.recency[0], s.t[0], s.monetary_value[0]), (2.0, 10.0, 12.0, 30.0));
    /// ```
    pub fn from_transactions(tx: &Transactions, opts: &SummaryOptions) -> Result<CustomerSummary> {
        let period = opts.period;
        let observation_end = match opts.observation_end {
            Some(ms) => {
                if !(crate::data::dates::MIN_MS..=crate::data::dates::MAX_MS).contains(&ms) {
                    return Err(Error::BadOption {
                        option: "observationEnd".into(),
                        message: "outside the years 1000 to 9999".into(),
                    });
                }
                ms
            }
            None => tx.time_range().1,
        };
        let end_period = period.index(observation_end);
        let m = tx.customer_count();
        let (start, mut entries) = scatter(tx, period);
        let with_channel = tx.channel.is_some();
        let mut kept: Vec<u32> = Vec::with_capacity(m);
        let mut frequency = Vec::with_capacity(m);
        let mut recency = Vec::with_capacity(m);
        let mut t = Vec::with_capacity(m);
        let mut monetary = Vec::with_capacity(m);
        let mut first_purchase = Vec::with_capacity(m);
        let mut last_purchase = Vec::with_capacity(m);
        let mut orders = Vec::with_capacity(m);
        let mut revenue = Vec::with_capacity(m);
        let mut channel: Vec<u32> = Vec::with_capacity(if with_channel { m } else { 0 });
        let mut excluded = 0usize;
        let mut order_scratch: Vec<u32> = Vec::new();

        for c in 0..m {
            let slice = &mut entries[start[c] as usize..start[c + 1] as usize];
            let w = walk(slice, tx, end_period, &mut order_scratch);
            if w.periods == 0 {
                if w.any_in_window {
                    excluded += 1;
                }
                continue;
            }
            kept.push(c as u32);
            let f = (w.periods - 1) as f64;
            frequency.push(f);
            recency.push((w.last_p - w.first_p) as f64);
            t.push((end_period - w.first_p) as f64);
            monetary.push(if w.periods > 1 { w.repeat_sum / f } else { 0.0 });
            first_purchase.push(w.first_ms as f64);
            last_purchase.push(w.last_ms as f64);
            revenue.push(w.revenue);
            orders.push(w.orders as f64);
            if with_channel {
                channel.push(w.channel);
            }
        }

        if kept.is_empty() {
            return Err(Error::Empty {
                what: "customers with a purchase on or before observationEnd".into(),
            });
        }

        // Output order: by customer key.
        let order: Vec<u32> = match &tx.keys {
            // Numeric ids: sort (key, position) pairs, which needs no indirection per comparison.
            CustomerKeys::Numeric(keys)
                if keys.iter().copied().max().unwrap_or(0) as usize <= 4 * keys.len() + 1024 =>
            {
                // Dense ids (e.g. 1..n): place each row at its id, then read the ids in order.
                let max = keys.iter().copied().max().unwrap_or(0) as usize;
                let mut slot = vec![u32::MAX; max + 1];
                for (i, &c) in kept.iter().enumerate() {
                    slot[keys[c as usize] as usize] = i as u32;
                }
                slot.into_iter().filter(|&i| i != u32::MAX).collect()
            }
            CustomerKeys::Numeric(keys) => {
                let mut pairs: Vec<(u32, u32)> = kept
                    .iter()
                    .enumerate()
                    .map(|(i, &c)| (keys[c as usize], i as u32))
                    .collect();
                pairs.sort_unstable();
                pairs.into_iter().map(|(_, i)| i).collect()
            }
            CustomerKeys::Text(_) => {
                let mut order: Vec<u32> = (0..kept.len() as u32).collect();
                order.sort_unstable_by(|&a, &b| {
                    tx.keys
                        .compare(kept[a as usize] as usize, kept[b as usize] as usize)
                });
                order
            }
        };
        let pick = |v: &[f64]| -> Vec<f64> { order.iter().map(|&i| v[i as usize]).collect() };
        let ids: Vec<u32> = order.iter().map(|&i| kept[i as usize]).collect();
        let acquisition_channel = with_channel.then(|| {
            order
                .iter()
                .map(|&i| {
                    let ch = channel[i as usize];
                    tx.channel_names.get(ch as usize).cloned()
                })
                .collect()
        });
        Ok(CustomerSummary {
            period,
            observation_end: Some(observation_end),
            customer_id: tx.keys.select(&ids),
            frequency: pick(&frequency),
            recency: pick(&recency),
            t: pick(&t),
            monetary_value: pick(&monetary),
            details: Some(SummaryDetails {
                first_purchase: pick(&first_purchase),
                last_purchase: pick(&last_purchase),
                orders: pick(&orders),
                revenue: pick(&revenue),
                acquisition_channel,
            }),
            excluded_customers: excluded,
        })
    }

    /// A summary from Arrow IPC bytes (stream or file format) computed elsewhere, with the
    /// same checks as [`CustomerSummary::from_columns`]; see [`crate::data::arrow`]. Requires
    /// the cargo feature `arrow`.
    #[cfg(feature = "arrow")]
    pub fn from_arrow(
        bytes: &[u8],
        mapping: &crate::data::arrow::SummaryMapping,
        period: Period,
        observation_end: Option<i64>,
    ) -> Result<CustomerSummary> {
        crate::data::arrow::read_summary(bytes, mapping, period, observation_end)
    }

    /// A summary from columns computed elsewhere (e.g. a warehouse), validated row by row:
    /// all values finite and non-negative, `frequency` an integer, `recency ≤ T`, and
    /// `recency = 0` when `frequency = 0`.
    pub fn from_columns(
        cols: SummaryColumns<'_>,
        period: Period,
        observation_end: Option<i64>,
    ) -> Result<CustomerSummary> {
        let n = cols.frequency.len();
        let id_len = match cols.customer_id {
            crate::data::IdColumn::Numeric(v) => v.len(),
            crate::data::IdColumn::Text(v) => v.len(),
        };
        for (name, len) in [
            ("customerId", id_len),
            ("recency", cols.recency.len()),
            ("T", cols.t.len()),
            ("monetaryValue", cols.monetary_value.len()),
        ] {
            if len != n {
                return Err(Error::LengthMismatch {
                    column: name.into(),
                    actual: len,
                    reference: "frequency".into(),
                    expected: n,
                });
            }
        }
        if n == 0 {
            return Err(Error::Empty {
                what: "customer summary".into(),
            });
        }
        if n > crate::data::MAX_TRANSACTIONS {
            return Err(Error::TooLarge {
                what: "customer summary".into(),
                size: n,
                limit: crate::data::MAX_TRANSACTIONS,
            });
        }
        for i in 0..n {
            let row = i + 1;
            for (name, v) in [
                ("frequency", cols.frequency[i]),
                ("recency", cols.recency[i]),
                ("T", cols.t[i]),
                ("monetaryValue", cols.monetary_value[i]),
            ] {
                if !v.is_finite() {
                    return Err(col_err_nonfinite(name, row, v));
                }
                crate::error::check_number(v, name, row)?;
                if v < 0.0 {
                    return Err(Error::Negative {
                        column: name.into(),
                        row,
                        value: v,
                    });
                }
            }
            let (f, r, t) = (cols.frequency[i], cols.recency[i], cols.t[i]);
            if f.fract() != 0.0 {
                return Err(Error::OutOfRange {
                    column: "frequency".into(),
                    row,
                    message: format!("frequency {f} is not a whole number of repeat periods"),
                });
            }
            if r > t {
                return Err(Error::OutOfRange {
                    column: "recency".into(),
                    row,
                    message: format!("recency {r} is greater than T {t}"),
                });
            }
            if f == 0.0 && r != 0.0 {
                return Err(Error::OutOfRange {
                    column: "recency".into(),
                    row,
                    message: format!("recency {r} must be 0 when frequency is 0"),
                });
            }
        }
        let keys = match cols.customer_id {
            crate::data::IdColumn::Numeric(v) => CustomerKeys::Numeric(v.to_vec()),
            crate::data::IdColumn::Text(v) => {
                for (i, s) in v.iter().enumerate() {
                    if s.trim().is_empty() {
                        return Err(Error::MissingValue {
                            column: "customerId".into(),
                            row: i + 1,
                        });
                    }
                }
                CustomerKeys::Text(v.to_vec())
            }
        };
        Ok(CustomerSummary {
            period,
            observation_end,
            customer_id: keys,
            frequency: cols.frequency.to_vec(),
            recency: cols.recency.to_vec(),
            t: cols.t.to_vec(),
            monetary_value: cols.monetary_value.to_vec(),
            details: None,
            excluded_customers: 0,
        })
    }

    /// Number of customers (rows).
    pub fn len(&self) -> usize {
        self.frequency.len()
    }

    /// True when there are no rows (never true for a constructed summary).
    pub fn is_empty(&self) -> bool {
        self.frequency.is_empty()
    }

    /// The definition reference carried by this summary.
    pub fn definition(&self) -> DefinitionRef {
        let r = DefinitionRef::new(&DEFINITION)
            .with("period", ParamValue::Text(self.period.as_str().into()));
        match self.observation_end {
            Some(ms) => r.with("observationEnd", ParamValue::Number(ms as f64)),
            None => r,
        }
    }
}
