//! The per-customer summary every model uses (`customer.summary`).
//!
//! Semantics follow lifetimes' `summary_data_from_transaction_data`:
//!
//! 1. Transactions in periods after the observation-end period are ignored (the comparison is
//!    by period, so every transaction in the observation-end period counts).
//! 2. A customer's transactions in the same period are merged: their amounts are summed, so a
//!    refund (negative amount) is netted within its period. A period with at least one
//!    transaction that is not a refund (amount ≥ 0, a $0.00 order included) is a *purchase
//!    period*, whatever its net amount; a period of refunds only is not ([`is_purchase`], the
//!    one purchase rule of the library).
//! 3. `frequency` = purchase periods − 1 (repeat purchases); `recency` = last − first purchase
//!    period; `T` = observation-end period − first purchase period (all in periods);
//!    `monetaryValue` = mean net amount of the repeat purchase periods (the first excluded),
//!    0 for a customer with no repeat purchase.
//! 4. Customers with transactions on or before the observation end but no purchase period (only
//!    refunds) are left out and counted in [`CustomerSummary::excluded_customers`].
//!
//! Periods are calendar periods in the `timezone` (default: the transactions' zone, `"UTC"`
//! unless their mapping names one; weeks start on `weekStart`, Monday by default), see
//! [`crate::data::dates`]; with `period: "month"` recency and
//! T count calendar months (lifetimes instead divides day differences by numpy's mean month of
//! 30.436875 days). Rows are ordered by customer id (numeric ids ascending; text ids in natural
//! order, see [`crate::data::CustomerKeys::compare`]), so the output does not depend on input row
//! order.

use crate::data::dates::{default_week_start, MIN_MS, OBSERVATION_END, TIMEZONE, WEEK_START};
use crate::data::{
    Calendar, CustomerKeys, Dimension, ObservationEnd, Period, Transactions, Zone, MISSING_VALUE,
    NO_CHANNEL,
};
use crate::error::{Error, Result};
use crate::glossary::{Definition, DefinitionRef, ParamValue, ParameterDef};
use serde::Deserialize;

/// Parameter `period` of the summary.
pub const PERIOD: ParameterDef = ParameterDef::new("period", "\"day\"", "Calendar period used to merge transactions and to measure recency and T: day, week (weekStart, Monday by default), month or quarter, local to the timezone.").text("day").one_of(crate::data::Period::NAMES);

/// Definition of `customer.summary`.
pub const DEFINITION: Definition = Definition {
    id: "customer.summary",
    version: "2.1.0",
    name: "Customer summary (RFM + tenure)",
    description: "One row per customer: how many repeat purchase periods they had, when their last purchase was relative to their first, how long they have been observed, and their mean repeat spend. The input of every predictive model. Same semantics as lifetimes' summary_data_from_transaction_data.",
    formula: "frequency = purchase periods − 1; recency = last − first purchase period; T = observation-end period − first purchase period; monetaryValue = mean net amount of repeat purchase periods (0 if none). Same-period transactions are merged and refunds netted; a period is a purchase when it holds at least one transaction with amount ≥ 0 ($0.00 orders count), whatever its net amount; refund-only periods are not purchases.",
    unit: "frequency: periods; recency, T: periods of the chosen length; monetaryValue: currency per period",
    parameters: &[PERIOD, OBSERVATION_END, TIMEZONE, WEEK_START],
    inputs: "Transactions (customer id, timestamp, amount; optional order id and channel).",
    depends_on: &[],
};

/// The purchase rule, the one place the library decides what counts as a purchase: a
/// transaction with amount ≥ 0 is a purchase (a $0.00 order included, as in lifetimes, BTYD and
/// the published CDNOW results); a negative amount is a refund. A period (day, week, …) is a
/// purchase period when at least one of the customer's transactions in it is a purchase,
/// whatever the period's net amount (refunds are netted into it but never make a purchase).
///
/// `customer.summary`, `orders.count` (orders are purchases), acquisition (first purchase, used
/// by CAC, payback and historical LTV), churn labels and features, and the holdout check of
/// `ltv.holdout` all call this function.
///
/// ```
/// use unimetric::summary::is_purchase;
/// assert!(is_purchase(12.5) && is_purchase(0.0));
/// assert!(!is_purchase(-3.0));
/// ```
pub fn is_purchase(amount: f64) -> bool {
    amount >= 0.0
}

/// One transaction in a customer's working slice of the summary.
#[derive(Clone, Copy, Default)]
struct Entry {
    ts: i64,
    /// Period index; every accepted instant (years 1000–9999) has one that fits an `i32`.
    p: i32,
    amount: f64,
    /// Input row; only filled in (and only read) when the table has order ids or channels.
    row: u32,
}

/// A row on its way to its customer's slice, in 16 bytes: `key` holds the row's time
/// (milliseconds after [`MIN_MS`], the earliest accepted instant; accepted instants span less
/// than 2^49 ms) above the low [`BUCKET_BITS`] bits of its customer's position.
#[derive(Clone, Copy, Default)]
struct Staged {
    key: u64,
    amount: f64,
}

/// Customers per bucket of the first partitioning pass of [`for_each_customer`] (2^10): a
/// bucket's rows (a few thousand for typical purchase counts) fit in cache for the passes that
/// order it.
const BUCKET_BITS: u32 = 10;
const LOW: u64 = (1 << BUCKET_BITS) - 1;

/// Calls `f(k, entries)` for every customer position `k` in `0..customer_count`, in ascending
/// order, with the entries of the customer at that position (`rank[c]` is the position of
/// customer `c`; without `rank`, the position is the customer index) and with their period
/// index for `period`. Each customer's entries come in input-row order, except that rows in
/// different slices of time (see [`order_by_time`]) come in time order in buckets of at most
/// [`TIME_ORDER_MAX_ROWS`] rows.
///
/// Three stable counting sorts: the rows are first partitioned by the high bits of their
/// customer's position (one sequential read of the columns, one write stream per bucket, 16
/// bytes a row); then each bucket, small enough to stay in cache, is ordered by coarse time and
/// by position, and handed out while it is there. Memory traffic, not arithmetic, is what this
/// costs, hence the packed rows.
fn for_each_customer(
    tx: &Transactions,
    cal: &Calendar,
    period: Period,
    rank: Option<&[u32]>,
    f: impl FnMut(usize, &mut [Entry]),
) {
    // One copy of the row loop for fixed-offset zones (UTC), with the offset and week shift
    // hoisted, and one that asks the calendar (zones with DST).
    match cal.fixed_parts() {
        Some((offset, shift)) => for_each_customer_by(
            tx,
            move |ts| period.local_index(ts + offset, shift),
            rank,
            f,
        ),
        None => for_each_customer_by(tx, |ts| cal.index(period, ts), rank, f),
    }
}

/// [`for_each_customer`] with the period index of a time given by `index`.
fn for_each_customer_by(
    tx: &Transactions,
    index: impl Fn(i64) -> i64,
    rank: Option<&[u32]>,
    mut f: impl FnMut(usize, &mut [Entry]),
) {
    let m = tx.customer_count();
    let position = |c: u32| rank.map_or(c, |r| r[c as usize]);
    let buckets = (m.saturating_sub(1) >> BUCKET_BITS) + 1;
    let mut bstart = vec![0u32; buckets + 1];
    for &c in &tx.customer {
        bstart[(position(c) >> BUCKET_BITS) as usize + 1] += 1;
    }
    for i in 0..buckets {
        bstart[i + 1] += bstart[i];
    }
    let mut bfill = bstart.clone();
    let mut staged = vec![Staged::default(); tx.len()];
    // Rows are needed only to look up order ids and channels.
    let with_rows = tx.order.is_some() || tx.channel.is_some() || !tx.dimensions.is_empty();
    let mut staged_rows = vec![0u32; if with_rows { tx.len() } else { 0 }];
    // The span of the staged times, for the time digits of `order_by_time`.
    let (mut lo, mut hi) = (u64::MAX, 0u64);
    for (r, (&c, (&ts, &amount))) in tx
        .customer
        .iter()
        .zip(tx.timestamp.iter().zip(&tx.amount))
        .enumerate()
    {
        let k = position(c);
        let slot = &mut bfill[(k >> BUCKET_BITS) as usize];
        let i = *slot as usize;
        let t = ts.wrapping_sub(MIN_MS) as u64;
        lo = lo.min(t);
        hi = hi.max(t);
        staged[i] = Staged {
            key: (t << BUCKET_BITS) | (u64::from(k) & LOW),
            amount,
        };
        if with_rows {
            staged_rows[i] = r as u32;
        }
        *slot += 1;
    }
    let shift = (64 - hi.saturating_sub(lo).leading_zeros()).saturating_sub(TIME_DIGIT_BITS);
    let mut timed: Vec<Staged> = Vec::new();
    let mut timed_rows: Vec<u32> = Vec::new();
    let mut counts: Vec<u32> = Vec::new();
    let mut scratch: Vec<Entry> = Vec::new();
    for b in 0..buckets {
        let base = b << BUCKET_BITS;
        let width = (m - base).min(1 << BUCKET_BITS);
        let range = bstart[b] as usize..bstart[b + 1] as usize;
        let (rows, row_numbers) = if range.len() <= TIME_ORDER_MAX_ROWS {
            order_by_time(
                (lo, shift),
                &staged[range.clone()],
                staged_rows.get(range).unwrap_or(&[]),
                &mut timed,
                &mut timed_rows,
                &mut counts,
            );
            (&timed[..], &timed_rows[..])
        } else {
            (
                staged.get(range.clone()).unwrap_or(&[]),
                staged_rows.get(range).unwrap_or(&[]),
            )
        };
        // Stable counting sort by position within the bucket, into `scratch`.
        counts.clear();
        counts.resize(width + 1, 0);
        for s in rows {
            counts[(s.key & LOW) as usize + 1] += 1;
        }
        for j in 0..width {
            counts[j + 1] += counts[j];
        }
        scratch.clear();
        scratch.resize(rows.len(), Entry::default());
        // counts[j] is the next free slot of position base + j; after the scatter it is the
        // end of that position's slice, which is where the next one starts.
        for (i, s) in rows.iter().enumerate() {
            let slot = &mut counts[(s.key & LOW) as usize];
            let ts = MIN_MS.wrapping_add((s.key >> BUCKET_BITS) as i64);
            scratch[*slot as usize] = Entry {
                ts,
                p: index(ts) as i32,
                amount: s.amount,
                row: row_numbers.get(i).copied().unwrap_or(0),
            };
            *slot += 1;
        }
        let mut start = 0usize;
        for (j, &end) in counts[..width].iter().enumerate() {
            f(base + j, &mut scratch[start..end as usize]);
            start = end as usize;
        }
    }
}

/// Bits of the time digit of [`order_by_time`]: 2^11 counters (8 KB) stay in the L1 cache.
const TIME_DIGIT_BITS: u32 = 11;

/// Buckets with more rows than this (2^16, 1 MB of staged rows: a few customers with very many
/// rows each) are not ordered by time: they do not fit in cache, which is what the time order
/// is for, and its copy would add 16 bytes a row to the summary's peak memory.
const TIME_ORDER_MAX_ROWS: usize = 1 << 16;

/// Copies one bucket's staged rows (and their row numbers, when given) into `out` ordered by
/// their time digit: the top [`TIME_DIGIT_BITS`] bits of their time after `lo`, the earliest
/// staged time (`shift` is the number of low bits dropped). A stable counting sort, so rows in
/// the same slice of time keep their input order. The position sort after it is stable too,
/// so each customer's rows reach [`sort_entries`] in time order except for rows that share a
/// slice (hours wide for a span of years), and that sort is then one predictable comparison
/// per row instead of a search with a mispredicted branch per step.
fn order_by_time(
    (lo, shift): (u64, u32),
    staged: &[Staged],
    rows: &[u32],
    out: &mut Vec<Staged>,
    out_rows: &mut Vec<u32>,
    counts: &mut Vec<u32>,
) {
    let digit = |s: &Staged| (((s.key >> BUCKET_BITS).wrapping_sub(lo)) >> shift) as usize;
    counts.clear();
    counts.resize((1 << TIME_DIGIT_BITS) + 1, 0);
    for s in staged {
        counts[digit(s) + 1] += 1;
    }
    for j in 0..1 << TIME_DIGIT_BITS {
        counts[j + 1] += counts[j];
    }
    out.clear();
    out.resize(staged.len(), Staged::default());
    out_rows.clear();
    out_rows.resize(rows.len(), 0);
    for (i, s) in staged.iter().enumerate() {
        let slot = &mut counts[digit(s)];
        let at = *slot as usize;
        *slot += 1;
        out[at] = *s;
        if let Some(&r) = rows.get(i) {
            out_rows[at] = r;
        }
    }
}

/// Time order; ties by amount, then input row, so sums run in a fixed order. A stable sort:
/// [`for_each_customer`] hands out rows with equal times in input-row order (they share a
/// slice of [`order_by_time`], and both of its counting sorts are stable).
fn sort_entries(slice: &mut [Entry]) {
    slice.sort_by(|a, b| a.ts.cmp(&b.ts).then_with(|| a.amount.total_cmp(&b.amount)));
}

/// Every customer's purchase days (by dense customer index), in time order: the local day index
/// in `cal`, the day's net amount (refunds netted; any sign) and its orders (distinct order ids,
/// or rows, among its purchases). A purchase day is a day with a purchase ([`is_purchase`]);
/// same-day netting as in `customer.summary`.
pub(crate) fn purchase_days(tx: &Transactions, cal: &Calendar) -> Vec<Vec<(i64, f64, u32)>> {
    let mut out = Vec::with_capacity(tx.customer_count());
    let mut scratch: Vec<u32> = Vec::new();
    for_each_customer(tx, cal, Period::Day, None, |_, slice| {
        sort_entries(slice);
        let mut days = Vec::new();
        for day in slice.chunk_by(|a, b| a.p == b.p) {
            let net: f64 = day.iter().map(|e| e.amount).sum();
            if day.iter().any(|e| is_purchase(e.amount)) {
                scratch.clear();
                let positive = day.iter().filter(|e| is_purchase(e.amount));
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
        out.push(days);
    });
    out
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
    /// The entries of the first purchase period in the sorted slice.
    first_range: (usize, usize),
}

/// Sorts one customer's entries (rows with equal times in input-row order, see
/// [`sort_entries`]) by time, ties by amount, then input row, so sums run in a fixed order, and
/// walks their periods: same-period amounts are netted, and a period with a purchase
/// ([`is_purchase`]) is a purchase period.
fn walk(
    slice: &mut [Entry],
    tx: &Transactions,
    end_period: i64,
    order_scratch: &mut Vec<u32>,
) -> Walk {
    sort_entries(slice);
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
        first_range: (0, 0),
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
        let mut purchase = false;
        while j < slice.len() && slice[j].p as i64 == p {
            let e = slice[j];
            net += e.amount;
            if is_purchase(e.amount) {
                purchase = true;
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
        if purchase {
            if w.periods == 0 {
                w.first_p = p;
                w.first_ms = slice[i].ts;
                w.channel = period_channel;
                w.first_range = (i, j);
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
/// purchase under `customer.summary` with daily periods (local days of `cal`) and no observation
/// end, and the channel
/// index of that purchase ([`NO_CHANNEL`] when none). `None` for customers with no purchase day.
///
/// Same answer as walking every customer's sorted transactions, in one pass for the customers
/// without a refund: their first purchase day is the day of their earliest row, and its channel
/// is that of their earliest row with a channel when it falls on that same day. Customers with
/// a refund are walked in full.
pub(crate) fn acquisitions(tx: &Transactions, cal: &Calendar) -> Vec<Option<(i64, u32)>> {
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
        if !is_purchase(amount) {
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
                Some(ch) if fc.row != u32::MAX && cal.day(fc.ts) == cal.day(f.ts) => {
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
                        p: cal.day(ts) as i32,
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

    /// Every customer's slice holds exactly their rows at their position, rows with the same
    /// time in input order, with one bucket and with several (and a customer order that is not
    /// the index order), with and without a column that needs the row numbers, checked against
    /// filtering the rows customer by customer: both, stably sorted by time, are the same list.
    #[test]
    fn for_each_customer_hands_out_each_customers_rows() {
        // The last two cases put more than TIME_ORDER_MAX_ROWS rows in one bucket.
        for (n, customers, with_channel) in [
            (20_000usize, 700u32, false),
            (20_000, 5_000, false),
            (20_000, 5_000, true),
            (70_000, 3, false),
            (70_000, 3, true),
        ] {
            let channel: Vec<Option<String>> =
                (0..n).map(|i| Some(format!("c{}", i % 3))).collect();
            // Ids scattered over the rows by a multiplicative hash, descending key order.
            let ids: Vec<u32> = (0..n as u32)
                .map(|i| 1_000_000 - (i.wrapping_mul(2_654_435_761) % customers))
                .collect();
            let ts: Vec<f64> = (0..n)
                .map(|i| ((i * 7_919) % 1_000) as f64 * 3.6e6)
                .collect();
            let amount: Vec<f64> = (0..n).map(|i| (i % 13) as f64).collect();
            let tx = Transactions::from_columns(TransactionColumns {
                customer_id: IdColumn::Numeric(&ids),
                timestamp: TimeColumn::EpochMs(&ts),
                amount: &amount,
                order_id: None,
                channel: with_channel.then_some(&channel[..]),
                cost: None,
            })
            .unwrap();
            let m = tx.customer_count();
            assert_eq!(m, customers as usize);
            let by_rank = tx.keys.output_order();
            let mut rank = vec![0u32; m];
            for (k, &c) in by_rank.iter().enumerate() {
                rank[c as usize] = k as u32;
            }
            let mut seen = 0;
            for_each_customer(
                &tx,
                &Calendar::utc(),
                Period::Week,
                Some(&rank),
                |k, slice| {
                    assert_eq!(k, seen);
                    seen += 1;
                    let c = by_rank[k];
                    let rows: Vec<usize> = (0..n).filter(|&r| tx.customer[r] == c).collect();
                    let mut expected: Vec<(i64, f64, usize)> = rows
                        .iter()
                        .map(|&r| {
                            (
                                tx.timestamp[r],
                                tx.amount[r],
                                if with_channel { r } else { 0 },
                            )
                        })
                        .collect();
                    let mut got: Vec<(i64, f64, usize)> = slice
                        .iter()
                        .map(|e| (e.ts, e.amount, e.row as usize))
                        .collect();
                    expected.sort_by_key(|e| e.0);
                    got.sort_by_key(|e| e.0);
                    assert_eq!(got, expected);
                    for e in slice.iter() {
                        assert_eq!(e.p as i64, Period::Week.index(e.ts));
                    }
                },
            );
            assert_eq!(seen, m);
            // Ascending ids come out in ascending key order.
            let keys: Vec<u32> = by_rank.iter().map(|&c| ids_of(&tx)[c as usize]).collect();
            assert!(keys.windows(2).all(|w| w[0] < w[1]));
        }
    }

    fn ids_of(tx: &Transactions) -> &[u32] {
        match &tx.keys {
            CustomerKeys::Numeric(v) => v,
            CustomerKeys::Text(_) => &[],
        }
    }

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
        let mut scratch = Vec::new();
        let mut expected: Vec<Option<(i64, u32)>> = Vec::new();
        for_each_customer(&tx, &Calendar::utc(), Period::Day, None, |_, slice| {
            let w = walk(slice, &tx, i64::MAX, &mut scratch);
            expected.push((w.periods > 0).then_some((w.first_ms, w.channel)));
        });
        assert_eq!(acquisitions(&tx, &Calendar::utc()), expected);
        assert!(expected
            .iter()
            .any(|e| e.is_some_and(|(_, ch)| ch == NO_CHANNEL)));
    }
}

/// Options of [`CustomerSummary::from_transactions`] (and of the KPIs, and of a summary built
/// from columns); JS `SummaryOptions`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct SummaryOptions {
    /// Period used to merge purchases and to measure recency and T (default day).
    pub period: Period,
    /// End of the observation window (default `"lastTransaction"`; a bare date is the end of
    /// that local day), see [`ObservationEnd`].
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

impl SummaryOptions {
    /// The observation end of a summary given as columns (no transactions to take the last
    /// time from): `None` for `"lastTransaction"`, else the end instant in the `timezone`
    /// (UTC when none is given).
    pub fn fixed_observation_end(&self) -> Option<i64> {
        match self.observation_end {
            ObservationEnd::LastTransaction => None,
            ObservationEnd::At(w) => {
                let zone = self.timezone.clone().unwrap_or_default();
                let cal = Calendar::new(zone, 1).unwrap_or_default();
                Some(cal.end_instant(w))
            }
        }
    }
}

impl Default for SummaryOptions {
    fn default() -> Self {
        SummaryOptions {
            period: match const { PERIOD.default_text() }.as_bytes() {
                b"week" => Period::Week,
                b"month" => Period::Month,
                b"quarter" => Period::Quarter,
                _ => Period::Day,
            },
            observation_end: ObservationEnd::LastTransaction,
            timezone: None,
            week_start: default_week_start(),
        }
    }
}

/// Which Arrow column holds each field of a customer summary ([`CustomerSummary::from_arrow`],
/// cargo feature `arrow`); each defaults to the field's own name (`customerId`, `frequency`,
/// `recency`, `T`, `monetaryValue`). JS `SummaryMapping`.
#[cfg(feature = "arrow")]
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(default, deny_unknown_fields)]
pub struct SummaryMapping {
    /// Column with the customer id.
    #[serde(rename = "customerId", deserialize_with = "crate::data::column_name")]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub customer_id: String,
    /// Column with repeat purchase periods.
    #[serde(deserialize_with = "crate::data::column_name")]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub frequency: String,
    /// Column with periods between first and last purchase.
    #[serde(deserialize_with = "crate::data::column_name")]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub recency: String,
    /// Column with periods between first purchase and observation end.
    #[serde(rename = "T", deserialize_with = "crate::data::column_name")]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub t: String,
    /// Column with the mean net amount of repeat purchase periods.
    #[serde(
        rename = "monetaryValue",
        deserialize_with = "crate::data::column_name"
    )]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub monetary_value: String,
}

#[cfg(feature = "arrow")]
impl Default for SummaryMapping {
    fn default() -> Self {
        SummaryMapping {
            customer_id: "customerId".into(),
            frequency: "frequency".into(),
            recency: "recency".into(),
            t: "T".into(),
            monetary_value: "monetaryValue".into(),
        }
    }
}

/// Per-customer details that exist only when the summary was computed from transactions.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryDetails {
    /// Time of the earliest transaction in the first purchase period (epoch ms).
    pub first_purchase: Vec<f64>,
    /// Time of the latest transaction in the last purchase period (epoch ms).
    pub last_purchase: Vec<f64>,
    /// Orders on or before the observation end: distinct order ids (or rows, without an order id
    /// column) among purchases (transactions with amount ≥ 0, see [`is_purchase`]).
    pub orders: Vec<f64>,
    /// Net revenue on or before the observation end (refunds subtracted).
    pub revenue: Vec<f64>,
    /// Channel of the first transaction with a channel in the first purchase period
    /// (`None` without a channel column or when that period has none).
    pub acquisition_channel: Option<Vec<Option<String>>>,
    /// The transactions' dimensions at each customer's first purchase: per dimension, one code
    /// per summary row, that of the first transaction with a value in the first purchase period
    /// (as for the acquisition channel; [`MISSING_VALUE`] when it has none), with the
    /// transactions' dictionary. See [`CustomerSummary::dimension`].
    pub dimensions: Vec<Dimension>,
}

/// The customer summary table (columns of equal length, one row per customer).
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerSummary {
    /// Period unit of recency and T.
    pub period: Period,
    /// Observation end (epoch ms) as given, or the last transaction time; `None` for a summary
    /// built from columns without one.
    pub observation_end: Option<i64>,
    /// The calendar the periods were counted in; `None` for a summary built from columns.
    pub calendar: Option<Calendar>,
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
    /// (only refunds).
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
    ///     observation_end: unimetric::data::ObservationEnd::at(12 * 86_400_000), ..Default::default() }).unwrap();
    /// assert_eq!((s.frequency[0], s.recency[0], s.t[0], s.monetary_value[0]), (2.0, 10.0, 12.0, 30.0));
    /// ```
    pub fn from_transactions(tx: &Transactions, opts: &SummaryOptions) -> Result<CustomerSummary> {
        let period = opts.period;
        let cal = Calendar::for_call(opts.timezone.as_ref(), tx, opts.week_start)?;
        let observation_end =
            opts.observation_end
                .resolve_checked(&cal, || tx.time_range().1, "observationEnd")?;
        let end_period = cal.index(period, observation_end);
        let m = tx.customer_count();
        let by_rank = tx.keys.output_order();
        let mut rank = vec![0u32; m];
        for (k, &c) in by_rank.iter().enumerate() {
            rank[c as usize] = k as u32;
        }
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
        let mut channel: Vec<Option<String>> = Vec::with_capacity(if with_channel { m } else { 0 });
        let mut dimension_codes: Vec<Vec<u32>> = tx
            .dimensions
            .iter()
            .map(|_| Vec::with_capacity(m))
            .collect();
        let mut excluded = 0usize;
        let mut order_scratch: Vec<u32> = Vec::new();

        // Customers in output order, so the columns are built in that order.
        for_each_customer(tx, &cal, period, Some(&rank), |k, slice| {
            let w = walk(slice, tx, end_period, &mut order_scratch);
            if w.periods == 0 {
                if w.any_in_window {
                    excluded += 1;
                }
                return;
            }
            kept.push(by_rank[k]);
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
                channel.push(tx.channel_names.get(w.channel as usize).cloned());
            }
            // Each dimension's value at the first purchase: that of the period's first entry
            // (in time order) with a value, as for the acquisition channel.
            let first = slice.get(w.first_range.0..w.first_range.1).unwrap_or(&[]);
            for (d, codes) in tx.dimensions.iter().zip(&mut dimension_codes) {
                codes.push(
                    first
                        .iter()
                        .map(|e| {
                            d.codes
                                .get(e.row as usize)
                                .copied()
                                .unwrap_or(MISSING_VALUE)
                        })
                        .find(|&c| c != MISSING_VALUE)
                        .unwrap_or(MISSING_VALUE),
                );
            }
        });

        if kept.is_empty() {
            return Err(Error::Empty {
                what: "customers with a purchase on or before observationEnd".into(),
            });
        }
        Ok(CustomerSummary {
            period,
            observation_end: Some(observation_end),
            calendar: Some(cal),
            customer_id: tx.keys.select(&kept),
            frequency,
            recency,
            t,
            monetary_value: monetary,
            details: Some(SummaryDetails {
                first_purchase,
                last_purchase,
                orders,
                revenue,
                acquisition_channel: with_channel.then_some(channel),
                dimensions: tx
                    .dimensions
                    .iter()
                    .zip(dimension_codes)
                    .map(|(d, codes)| Dimension {
                        name: d.name.clone(),
                        codes,
                        values: d.values.clone(),
                    })
                    .collect(),
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
        mapping: &SummaryMapping,
        period: Period,
        observation_end: Option<i64>,
    ) -> Result<CustomerSummary> {
        use crate::data::arrow::{read_ids_and_numbers, renamed};
        let names = [
            ("customerId", mapping.customer_id.as_str()),
            ("frequency", mapping.frequency.as_str()),
            ("recency", mapping.recency.as_str()),
            ("T", mapping.t.as_str()),
            ("monetaryValue", mapping.monetary_value.as_str()),
        ];
        let (ids, numbers) = read_ids_and_numbers(bytes, names[0], &names[1..])?;
        let [frequency, recency, t, monetary_value] = &numbers[..] else {
            unreachable!("one column per name")
        };
        CustomerSummary::from_columns(
            SummaryColumns {
                customer_id: ids.as_column(),
                frequency,
                recency,
                t,
                monetary_value,
            },
            period,
            observation_end,
        )
        .map_err(|e| renamed(e, &names))
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
            calendar: None,
            customer_id: keys,
            frequency: cols.frequency.to_vec(),
            recency: cols.recency.to_vec(),
            t: cols.t.to_vec(),
            monetary_value: cols.monetary_value.to_vec(),
            details: None,
            excluded_customers: 0,
        })
    }

    /// The value of the transactions' dimension `name` at each customer's first purchase (one
    /// code per row, see [`SummaryDetails::dimensions`]), for splitting customers by it; `None`
    /// for a summary not computed from transactions or without that dimension.
    ///
    /// ```
    /// use unimetric::{ColumnMapping, Transactions};
    /// use unimetric::summary::{CustomerSummary, SummaryOptions};
    /// // Customer a first buys from DE (a refund from FR the day before is not a purchase).
    /// let csv = "c,d,a,country\na,2024-01-01,-5,FR\na,2024-01-02,9,DE\na,2024-01-09,4,FR\nb,2024-01-03,0,\n";
    /// let mut m = ColumnMapping::new("c", "d", "a");
    /// m.dimensions = vec!["country".into()];
    /// let tx = Transactions::from_csv(csv.as_bytes(), &m).unwrap();
    /// let s = CustomerSummary::from_transactions(&tx, &SummaryOptions::default()).unwrap();
    /// let country = s.dimension("country").unwrap();
    /// assert_eq!((country.value(0), country.value(1)), (Some("DE"), None));
    /// ```
    pub fn dimension(&self, name: &str) -> Option<&Dimension> {
        self.details
            .as_ref()?
            .dimensions
            .iter()
            .find(|d| d.name == name)
    }

    /// [`dimension`](Self::dimension), or `E_BAD_OPTION` (option `dimension`) listing the
    /// dimensions the summary has.
    pub fn require_dimension(&self, name: &str) -> Result<&Dimension> {
        self.dimension(name).ok_or_else(|| {
            let have: Vec<String> = self
                .details
                .iter()
                .flat_map(|d| d.dimensions.iter().map(|x| format!("'{}'", x.name)))
                .collect();
            Error::BadOption {
                option: "dimension".into(),
                message: format!(
                    "the summary has no dimension '{name}'; it has {}",
                    if have.is_empty() {
                        "none (name them in the transactions' mapping)".to_string()
                    } else {
                        have.join(", ")
                    }
                ),
            }
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
        let mut r = DefinitionRef::new(&DEFINITION)
            .with("period", ParamValue::Text(self.period.as_str().into()));
        if let Some(cal) = &self.calendar {
            r = r
                .with("timezone", ParamValue::Text(cal.zone().name().into()))
                .with("weekStart", ParamValue::Number(f64::from(cal.week_start())));
        }
        match self.observation_end {
            Some(ms) => r.with("observationEnd", ParamValue::Number(ms as f64)),
            None => r,
        }
    }
}
