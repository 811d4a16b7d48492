//! Time zones and the observation-end rule (#16 parts 1 and 3), against answers counted by hand
//! from the calendar.
//!
//! The DST changes of 2024 used below (from the zones' published rules):
//! - Europe/Berlin: Sun 2024-03-31 02:00 CET (+01:00) → 03:00 CEST (+02:00), at 01:00Z;
//!   Sun 2024-10-27 03:00 CEST → 02:00 CET, at 01:00Z.
//! - America/New_York: Sun 2024-03-10 02:00 EST (−05:00) → 03:00 EDT (−04:00), at 07:00Z;
//!   Sun 2024-11-03 02:00 EDT → 01:00 EST, at 06:00Z.
//! - Australia/Sydney: Sun 2024-04-07 03:00 AEDT (+11:00) → 02:00 AEST (+10:00), at 16:00Z on
//!   Apr 6; Sun 2024-10-06 02:00 AEST → 03:00 AEDT, at 16:00Z on Oct 5.
//!
//! Weekdays of 2024 (Jan 1 was a Monday): Mondays Mar 4, 11, 25, Apr 1, 8, Sep 30, Oct 21, 28,
//! Nov 4. Every expected value is written out below as a UTC instant, never computed by the
//! library.

use unimetric::cac::{cac, CacOptions, Variant};
use unimetric::data::dates::{parse_date_text_in, Calendar, Zone};
use unimetric::data::spend::{Spend, SpendMapping};
use unimetric::data::ObservationEnd;
use unimetric::kpi::Kpis;
use unimetric::ltv::historical::{historical_ltv, HistoricalOptions};
use unimetric::summary::{CustomerSummary, SummaryOptions};
use unimetric::{ColumnMapping, IdColumn, Period, TimeColumn, TransactionColumns, Transactions};

/// Epoch ms of an RFC 3339 instant, by chrono (not by the code under test).
fn at(s: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(s)
        .unwrap()
        .timestamp_millis()
}

fn zone(name: &str) -> Zone {
    Zone::parse(name).unwrap()
}

/// One instant, then the start of its local day, week (Monday) and month in the zone, then the
/// same three in UTC — all as UTC instants written by hand (comment: the local wall time).
type Row = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

const BERLIN: &[Row] = &[
    // 23:30 CET Sat Mar 30 → day Mar 30 (00:00 CET = 23:00Z the day before), week Mon Mar 25,
    // month March (Mar 1 00:00 CET = Feb 29 23:00Z). UTC: Sat Mar 30, week Mar 25, March.
    (
        "2024-03-30T22:30:00Z",
        "2024-03-29T23:00:00Z",
        "2024-03-24T23:00:00Z",
        "2024-02-29T23:00:00Z",
        "2024-03-30T00:00:00Z",
        "2024-03-25T00:00:00Z",
        "2024-03-01T00:00:00Z",
    ),
    // 00:30 CET Sun Mar 31: after local midnight, still Mar 30 in UTC.
    (
        "2024-03-30T23:30:00Z",
        "2024-03-30T23:00:00Z",
        "2024-03-24T23:00:00Z",
        "2024-02-29T23:00:00Z",
        "2024-03-30T00:00:00Z",
        "2024-03-25T00:00:00Z",
        "2024-03-01T00:00:00Z",
    ),
    // 23:59:59 CEST Sun Mar 31: the last second of the 23-hour day that began 23:00Z on Mar 30.
    (
        "2024-03-31T21:59:59Z",
        "2024-03-30T23:00:00Z",
        "2024-03-24T23:00:00Z",
        "2024-02-29T23:00:00Z",
        "2024-03-31T00:00:00Z",
        "2024-03-25T00:00:00Z",
        "2024-03-01T00:00:00Z",
    ),
    // 00:00 CEST Mon Apr 1: a new day, ISO week and month locally; still Sun Mar 31 in UTC.
    (
        "2024-03-31T22:00:00Z",
        "2024-03-31T22:00:00Z",
        "2024-03-31T22:00:00Z",
        "2024-03-31T22:00:00Z",
        "2024-03-31T00:00:00Z",
        "2024-03-25T00:00:00Z",
        "2024-03-01T00:00:00Z",
    ),
    // 23:59:59 CEST Sat Oct 26 → day Oct 26 (00:00 CEST = 22:00Z Oct 25), week Mon Oct 21,
    // October (Oct 1 00:00 CEST = Sep 30 22:00Z).
    (
        "2024-10-26T21:59:59Z",
        "2024-10-25T22:00:00Z",
        "2024-10-20T22:00:00Z",
        "2024-09-30T22:00:00Z",
        "2024-10-26T00:00:00Z",
        "2024-10-21T00:00:00Z",
        "2024-10-01T00:00:00Z",
    ),
    // 00:00 CEST Sun Oct 27 (still Sat Oct 26 in UTC).
    (
        "2024-10-26T22:00:00Z",
        "2024-10-26T22:00:00Z",
        "2024-10-20T22:00:00Z",
        "2024-09-30T22:00:00Z",
        "2024-10-26T00:00:00Z",
        "2024-10-21T00:00:00Z",
        "2024-10-01T00:00:00Z",
    ),
    // 02:30 CEST and, an hour later, 02:30 CET again: both Sun Oct 27.
    (
        "2024-10-27T00:30:00Z",
        "2024-10-26T22:00:00Z",
        "2024-10-20T22:00:00Z",
        "2024-09-30T22:00:00Z",
        "2024-10-27T00:00:00Z",
        "2024-10-21T00:00:00Z",
        "2024-10-01T00:00:00Z",
    ),
    (
        "2024-10-27T01:30:00Z",
        "2024-10-26T22:00:00Z",
        "2024-10-20T22:00:00Z",
        "2024-09-30T22:00:00Z",
        "2024-10-27T00:00:00Z",
        "2024-10-21T00:00:00Z",
        "2024-10-01T00:00:00Z",
    ),
    // 23:59:59 CET Sun Oct 27: the last second of the 25-hour day.
    (
        "2024-10-27T22:59:59Z",
        "2024-10-26T22:00:00Z",
        "2024-10-20T22:00:00Z",
        "2024-09-30T22:00:00Z",
        "2024-10-27T00:00:00Z",
        "2024-10-21T00:00:00Z",
        "2024-10-01T00:00:00Z",
    ),
    // 00:00 CET Mon Oct 28: new day and week locally; Sun Oct 27 in UTC.
    (
        "2024-10-27T23:00:00Z",
        "2024-10-27T23:00:00Z",
        "2024-10-27T23:00:00Z",
        "2024-09-30T22:00:00Z",
        "2024-10-27T00:00:00Z",
        "2024-10-21T00:00:00Z",
        "2024-10-01T00:00:00Z",
    ),
];

const NEW_YORK: &[Row] = &[
    // 23:59:59 EST Sat Mar 9 → day Mar 9 (00:00 EST = 05:00Z), week Mon Mar 4, March (Mar 1
    // 00:00 EST = 05:00Z). UTC: Sun Mar 10, week Mar 4.
    (
        "2024-03-10T04:59:59Z",
        "2024-03-09T05:00:00Z",
        "2024-03-04T05:00:00Z",
        "2024-03-01T05:00:00Z",
        "2024-03-10T00:00:00Z",
        "2024-03-04T00:00:00Z",
        "2024-03-01T00:00:00Z",
    ),
    // 00:00 EST Sun Mar 10.
    (
        "2024-03-10T05:00:00Z",
        "2024-03-10T05:00:00Z",
        "2024-03-04T05:00:00Z",
        "2024-03-01T05:00:00Z",
        "2024-03-10T00:00:00Z",
        "2024-03-04T00:00:00Z",
        "2024-03-01T00:00:00Z",
    ),
    // 03:00 EDT Sun Mar 10, the first instant after the gap.
    (
        "2024-03-10T07:00:00Z",
        "2024-03-10T05:00:00Z",
        "2024-03-04T05:00:00Z",
        "2024-03-01T05:00:00Z",
        "2024-03-10T00:00:00Z",
        "2024-03-04T00:00:00Z",
        "2024-03-01T00:00:00Z",
    ),
    // 23:59:59 EDT Sun Mar 10: the last second of the 23-hour day (UTC: Mon Mar 11).
    (
        "2024-03-11T03:59:59Z",
        "2024-03-10T05:00:00Z",
        "2024-03-04T05:00:00Z",
        "2024-03-01T05:00:00Z",
        "2024-03-11T00:00:00Z",
        "2024-03-11T00:00:00Z",
        "2024-03-01T00:00:00Z",
    ),
    // 00:00 EDT Mon Mar 11: new day and week.
    (
        "2024-03-11T04:00:00Z",
        "2024-03-11T04:00:00Z",
        "2024-03-11T04:00:00Z",
        "2024-03-01T05:00:00Z",
        "2024-03-11T00:00:00Z",
        "2024-03-11T00:00:00Z",
        "2024-03-01T00:00:00Z",
    ),
    // 23:30 EDT Thu Oct 31: October locally (Oct 1 00:00 EDT = 04:00Z), Fri Nov 1 in UTC.
    (
        "2024-11-01T03:30:00Z",
        "2024-10-31T04:00:00Z",
        "2024-10-28T04:00:00Z",
        "2024-10-01T04:00:00Z",
        "2024-11-01T00:00:00Z",
        "2024-10-28T00:00:00Z",
        "2024-11-01T00:00:00Z",
    ),
    // 00:00 EDT Sun Nov 3 (November began 00:00 EDT Nov 1 = 04:00Z).
    (
        "2024-11-03T04:00:00Z",
        "2024-11-03T04:00:00Z",
        "2024-10-28T04:00:00Z",
        "2024-11-01T04:00:00Z",
        "2024-11-03T00:00:00Z",
        "2024-10-28T00:00:00Z",
        "2024-11-01T00:00:00Z",
    ),
    // 23:59:59 EST Sun Nov 3: the last second of the 25-hour day (UTC: Mon Nov 4).
    (
        "2024-11-04T04:59:59Z",
        "2024-11-03T04:00:00Z",
        "2024-10-28T04:00:00Z",
        "2024-11-01T04:00:00Z",
        "2024-11-04T00:00:00Z",
        "2024-11-04T00:00:00Z",
        "2024-11-01T00:00:00Z",
    ),
    // 00:00 EST Mon Nov 4.
    (
        "2024-11-04T05:00:00Z",
        "2024-11-04T05:00:00Z",
        "2024-11-04T05:00:00Z",
        "2024-11-01T04:00:00Z",
        "2024-11-04T00:00:00Z",
        "2024-11-04T00:00:00Z",
        "2024-11-01T00:00:00Z",
    ),
];

const SYDNEY: &[Row] = &[
    // 23:59:59 AEDT Sat Apr 6 → day Apr 6 (00:00 AEDT = 13:00Z Apr 5), week Mon Apr 1, April
    // (Apr 1 00:00 AEDT = 13:00Z Mar 31). UTC: Sat Apr 6, week Apr 1.
    (
        "2024-04-06T12:59:59Z",
        "2024-04-05T13:00:00Z",
        "2024-03-31T13:00:00Z",
        "2024-03-31T13:00:00Z",
        "2024-04-06T00:00:00Z",
        "2024-04-01T00:00:00Z",
        "2024-04-01T00:00:00Z",
    ),
    // 00:00 AEDT Sun Apr 7 (UTC: still Sat Apr 6).
    (
        "2024-04-06T13:00:00Z",
        "2024-04-06T13:00:00Z",
        "2024-03-31T13:00:00Z",
        "2024-03-31T13:00:00Z",
        "2024-04-06T00:00:00Z",
        "2024-04-01T00:00:00Z",
        "2024-04-01T00:00:00Z",
    ),
    // 23:59:59 AEST Sun Apr 7: the last second of the 25-hour day.
    (
        "2024-04-07T13:59:59Z",
        "2024-04-06T13:00:00Z",
        "2024-03-31T13:00:00Z",
        "2024-03-31T13:00:00Z",
        "2024-04-07T00:00:00Z",
        "2024-04-01T00:00:00Z",
        "2024-04-01T00:00:00Z",
    ),
    // 00:00 AEST Mon Apr 8: new day and week.
    (
        "2024-04-07T14:00:00Z",
        "2024-04-07T14:00:00Z",
        "2024-04-07T14:00:00Z",
        "2024-03-31T13:00:00Z",
        "2024-04-07T00:00:00Z",
        "2024-04-01T00:00:00Z",
        "2024-04-01T00:00:00Z",
    ),
    // 00:30 AEST Tue Oct 1: October locally (Oct 1 00:00 AEST = 14:00Z Sep 30), week Mon
    // Sep 30 (00:00 AEST = 14:00Z Sep 29); Mon Sep 30 and September in UTC.
    (
        "2024-09-30T14:30:00Z",
        "2024-09-30T14:00:00Z",
        "2024-09-29T14:00:00Z",
        "2024-09-30T14:00:00Z",
        "2024-09-30T00:00:00Z",
        "2024-09-30T00:00:00Z",
        "2024-09-01T00:00:00Z",
    ),
    // 23:59:59 AEST Sat Oct 5.
    (
        "2024-10-05T13:59:59Z",
        "2024-10-04T14:00:00Z",
        "2024-09-29T14:00:00Z",
        "2024-09-30T14:00:00Z",
        "2024-10-05T00:00:00Z",
        "2024-09-30T00:00:00Z",
        "2024-10-01T00:00:00Z",
    ),
    // 00:00 AEST Sun Oct 6 (UTC: still Sat Oct 5).
    (
        "2024-10-05T14:00:00Z",
        "2024-10-05T14:00:00Z",
        "2024-09-29T14:00:00Z",
        "2024-09-30T14:00:00Z",
        "2024-10-05T00:00:00Z",
        "2024-09-30T00:00:00Z",
        "2024-10-01T00:00:00Z",
    ),
    // 23:59:59 AEDT Sun Oct 6: the last second of the 23-hour day.
    (
        "2024-10-06T12:59:59Z",
        "2024-10-05T14:00:00Z",
        "2024-09-29T14:00:00Z",
        "2024-09-30T14:00:00Z",
        "2024-10-06T00:00:00Z",
        "2024-09-30T00:00:00Z",
        "2024-10-01T00:00:00Z",
    ),
    // 00:00 AEDT Mon Oct 7: new day and week.
    (
        "2024-10-06T13:00:00Z",
        "2024-10-06T13:00:00Z",
        "2024-10-06T13:00:00Z",
        "2024-09-30T14:00:00Z",
        "2024-10-06T00:00:00Z",
        "2024-09-30T00:00:00Z",
        "2024-10-01T00:00:00Z",
    ),
];

fn check_rows(name: &str, rows: &[Row]) {
    let local = Calendar::new(zone(name), 1).unwrap();
    let utc = Calendar::utc();
    for &(t, day, week, month, uday, uweek, umonth) in rows {
        let ms = at(t);
        for (cal, period, want, which) in [
            (&local, Period::Day, day, "local day"),
            (&local, Period::Week, week, "local week"),
            (&local, Period::Month, month, "local month"),
            (&utc, Period::Day, uday, "UTC day"),
            (&utc, Period::Week, uweek, "UTC week"),
            (&utc, Period::Month, umonth, "UTC month"),
        ] {
            let got = cal.start_ms(period, cal.index(period, ms));
            assert_eq!(got, at(want), "{name} {t}: {which}");
        }
    }
}

#[test]
fn local_days_weeks_and_months_around_midnight_and_dst() {
    check_rows("Europe/Berlin", BERLIN);
    check_rows("America/New_York", NEW_YORK);
    check_rows("Australia/Sydney", SYDNEY);
}

#[test]
fn dst_days_last_23_and_25_hours() {
    const H: i64 = 3_600_000;
    for (name, day_in_it, hours) in [
        ("Europe/Berlin", "2024-03-31T12:00:00Z", 23),
        ("Europe/Berlin", "2024-10-27T12:00:00Z", 25),
        ("America/New_York", "2024-03-10T12:00:00Z", 23),
        ("America/New_York", "2024-11-03T12:00:00Z", 25),
        ("Australia/Sydney", "2024-04-07T00:00:00Z", 25),
        ("Australia/Sydney", "2024-10-06T00:00:00Z", 23),
    ] {
        let cal = Calendar::new(zone(name), 1).unwrap();
        let d = cal.index(Period::Day, at(day_in_it));
        let len = cal.start_ms(Period::Day, d + 1) - cal.start_ms(Period::Day, d);
        assert_eq!(len, hours * H, "{name} {day_in_it}");
    }
}

/// One customer buying 1.0 at each instant of `rows`.
fn one_customer(rows: &[Row]) -> Transactions {
    let ids = vec![1u32; rows.len()];
    let ts: Vec<f64> = rows.iter().map(|r| at(r.0) as f64).collect();
    let amount = vec![1.0; rows.len()];
    Transactions::from_columns(TransactionColumns {
        customer_id: IdColumn::Numeric(&ids),
        timestamp: TimeColumn::EpochMs(&ts),
        amount: &amount,
        order_id: None,
        channel: None,
        cost: None,
    })
    .unwrap()
}

/// (frequency, recency) of the one customer's summary for `period` in `zone` (None = the
/// transactions' zone, UTC).
fn freq_recency(tx: &Transactions, period: Period, zone_name: Option<&str>) -> (f64, f64) {
    let s = CustomerSummary::from_transactions(
        tx,
        &SummaryOptions {
            period,
            timezone: zone_name.map(zone),
            ..SummaryOptions::default()
        },
    )
    .unwrap();
    (s.frequency[0], s.recency[0])
}

#[test]
fn summary_counts_local_purchase_periods() {
    // Berlin rows: local days Mar 30, 31, 31, Apr 1, Oct 26, 27, 27, 27, 27, 28 → 6 distinct
    // (frequency 5); recency Mar 30 (day-of-year 89, 0-based) → Oct 28 (301) = 212 days.
    // UTC days Mar 30, 30, 31, 31, Oct 26, 26, 27, 27, 27, 27 → 4 (frequency 3); Mar 30 → Oct 27
    // = 211 days. Weeks (Monday): local Mar 25, Apr 1, Oct 21, Oct 28 → 4 (frequency 3,
    // recency (301 − 84) / 7 = 31); UTC Mar 25, Oct 21 → 2 (frequency 1, recency 30).
    // Months: local Mar, Apr, Oct → 3 (frequency 2, recency 7); UTC Mar, Oct → 2 (1, 7).
    let tx = one_customer(BERLIN);
    let b = Some("Europe/Berlin");
    assert_eq!(freq_recency(&tx, Period::Day, b), (5.0, 212.0));
    assert_eq!(freq_recency(&tx, Period::Day, None), (3.0, 211.0));
    assert_eq!(freq_recency(&tx, Period::Week, b), (3.0, 31.0));
    assert_eq!(freq_recency(&tx, Period::Week, None), (1.0, 30.0));
    assert_eq!(freq_recency(&tx, Period::Month, b), (2.0, 7.0));
    assert_eq!(freq_recency(&tx, Period::Month, None), (1.0, 7.0));

    // New York rows: local days Mar 9, 10, 10, 10, 11, Oct 31, Nov 3, 3, 4 → 6 (frequency 5);
    // Mar 9 (68) → Nov 4 (308) = 240. UTC days Mar 10, 10, 10, 11, 11, Nov 1, 3, 4, 4 → 5
    // (frequency 4); Mar 10 (69) → Nov 4 = 239. Months: local Mar, Oct, Nov → frequency 2,
    // recency 8; UTC Mar, Nov → frequency 1, recency 8. Weeks: local Mar 4, 11, Oct 28, Nov 4
    // → frequency 3, recency (308 − 63) / 7 = 35; UTC Mar 4, 11, Oct 28, Nov 4 → the same.
    let tx = one_customer(NEW_YORK);
    let ny = Some("America/New_York");
    assert_eq!(freq_recency(&tx, Period::Day, ny), (5.0, 240.0));
    assert_eq!(freq_recency(&tx, Period::Day, None), (4.0, 239.0));
    assert_eq!(freq_recency(&tx, Period::Month, ny), (2.0, 8.0));
    assert_eq!(freq_recency(&tx, Period::Month, None), (1.0, 8.0));
    assert_eq!(freq_recency(&tx, Period::Week, ny), (3.0, 35.0));
    assert_eq!(freq_recency(&tx, Period::Week, None), (3.0, 35.0));

    // Sydney rows: local days Apr 6, 7, 7, 8, Oct 1, 5, 6, 6, 7 → 7 (frequency 6); Apr 6 (96) →
    // Oct 7 (280) = 184. UTC days Apr 6, 6, 7, 7, Sep 30, Oct 5, 5, 6, 6 → 5 (frequency 4);
    // Apr 6 → Oct 6 = 183. Months: local Apr, Oct → (1, 6); UTC Apr, Sep, Oct → (2, 6).
    // Weeks: local Apr 1, 8, Sep 30, Oct 7 → (3, (280 − 91) / 7 = 27); UTC Apr 1, Sep 30 →
    // (1, 26).
    let tx = one_customer(SYDNEY);
    let syd = Some("Australia/Sydney");
    assert_eq!(freq_recency(&tx, Period::Day, syd), (6.0, 184.0));
    assert_eq!(freq_recency(&tx, Period::Day, None), (4.0, 183.0));
    assert_eq!(freq_recency(&tx, Period::Month, syd), (1.0, 6.0));
    assert_eq!(freq_recency(&tx, Period::Month, None), (2.0, 6.0));
    assert_eq!(freq_recency(&tx, Period::Week, syd), (3.0, 27.0));
    assert_eq!(freq_recency(&tx, Period::Week, None), (1.0, 26.0));
}

#[test]
fn the_transactions_zone_is_the_default_and_an_option_overrides_it() {
    let tx = one_customer(BERLIN).with_timezone(zone("Europe/Berlin"));
    // As counted above: 6 local days in Berlin, 4 in UTC.
    assert_eq!(freq_recency(&tx, Period::Day, None), (5.0, 212.0));
    assert_eq!(freq_recency(&tx, Period::Day, Some("UTC")), (3.0, 211.0));
    let k = Kpis::compute(&tx, &SummaryOptions::default()).unwrap();
    let def = &k.values[0].definition;
    assert_eq!(
        def.params.get("timezone"),
        Some(&unimetric::glossary::ParamValue::Text(
            "Europe/Berlin".into()
        ))
    );
    // KPIs: 10 rows, all on or before the last one: orders 10, revenue 10, one customer with
    // 6 purchase days → repeat rate 1.
    assert_eq!(k.get("orders"), Some(10.0));
    assert_eq!(k.get("repeatPurchaseRate"), Some(1.0));
}

#[test]
fn week_start_moves_the_week_boundary() {
    // Sat 2024-03-09 and Sun 2024-03-10 (UTC): one Monday week (Mar 4), two Sunday weeks
    // (Sun Mar 3 and Sun Mar 10).
    let rows: &[Row] = &[
        ("2024-03-09T12:00:00Z", "", "", "", "", "", ""),
        ("2024-03-10T12:00:00Z", "", "", "", "", "", ""),
    ];
    let tx = one_customer(rows);
    let week = |week_start| {
        CustomerSummary::from_transactions(
            &tx,
            &SummaryOptions {
                period: Period::Week,
                week_start,
                ..SummaryOptions::default()
            },
        )
        .map(|s| s.frequency[0])
    };
    assert_eq!(week(1), Ok(0.0));
    assert_eq!(week(7), Ok(1.0));
    // Saturday weeks (6): Sat Mar 9 starts a week that holds Sun Mar 10 too.
    assert_eq!(week(6), Ok(0.0));
    // The start of Sun Mar 31's Sunday week in Berlin is that day's midnight, 00:00 CET =
    // 2024-03-30T23:00Z; its Monday week began Mon Mar 25 00:00 CET = 2024-03-24T23:00Z.
    let sunday = Calendar::new(zone("Europe/Berlin"), 7).unwrap();
    let monday = Calendar::new(zone("Europe/Berlin"), 1).unwrap();
    let t = at("2024-03-31T10:00:00Z");
    assert_eq!(
        sunday.start_ms(Period::Week, sunday.index(Period::Week, t)),
        at("2024-03-30T23:00:00Z")
    );
    assert_eq!(
        monday.start_ms(Period::Week, monday.index(Period::Week, t)),
        at("2024-03-24T23:00:00Z")
    );
    for bad in [0u8, 8, 200] {
        let e = week(bad).unwrap_err();
        assert_eq!((e.code(), e.column()), ("E_BAD_OPTION", Some("weekStart")));
    }
}

#[test]
fn naive_times_are_local_and_dst_gaps_and_folds_resolve_compatibly() {
    let cases = [
        // 23:30 CET → 22:30Z.
        ("Europe/Berlin", "2024-03-30 23:30", "2024-03-30T22:30:00Z"),
        // 02:30 does not exist on Mar 31 (02:00 CET → 03:00 CEST): shifted forward by the
        // hour-long gap to 03:30 CEST = 01:30Z.
        ("Europe/Berlin", "2024-03-31 02:30", "2024-03-31T01:30:00Z"),
        // 02:30 happens twice on Oct 27: the earlier, 02:30 CEST = 00:30Z.
        (
            "Europe/Berlin",
            "2024-10-27T02:30:00",
            "2024-10-27T00:30:00Z",
        ),
        // A bare date is the start of the local day: 00:00 CET = 23:00Z the day before.
        ("Europe/Berlin", "2024-03-31", "2024-03-30T23:00:00Z"),
        ("Europe/Berlin", "20240331", "2024-03-30T23:00:00Z"),
        // Text with an offset is an instant whatever the zone.
        (
            "Europe/Berlin",
            "2024-03-31T02:30:00Z",
            "2024-03-31T02:30:00Z",
        ),
        // 02:30 on Mar 10 falls in New York's gap: 03:30 EDT = 07:30Z.
        (
            "America/New_York",
            "2024-03-10 02:30",
            "2024-03-10T07:30:00Z",
        ),
        // 01:30 on Nov 3 happens twice: the earlier, 01:30 EDT = 05:30Z.
        (
            "America/New_York",
            "2024-11-03 01:30",
            "2024-11-03T05:30:00Z",
        ),
        ("America/New_York", "2024-11-03", "2024-11-03T04:00:00Z"),
        // Sydney's gap on Oct 6: 02:30 → 03:30 AEDT = 16:30Z on Oct 5.
        (
            "Australia/Sydney",
            "2024-10-06 02:30",
            "2024-10-05T16:30:00Z",
        ),
        // Sydney's fold on Apr 7: the earlier 02:30, AEDT (+11:00) = 15:30Z on Apr 6.
        (
            "Australia/Sydney",
            "2024-04-07 02:30",
            "2024-04-06T15:30:00Z",
        ),
        ("Australia/Sydney", "2024-10-06", "2024-10-05T14:00:00Z"),
        // In UTC naive is UTC.
        ("UTC", "2024-03-31 02:30", "2024-03-31T02:30:00Z"),
    ];
    for (name, text, want) in cases {
        assert_eq!(
            parse_date_text_in(text, "t", 1, &zone(name)).unwrap(),
            at(want),
            "{name} {text}"
        );
        // The same through a CSV mapping, which the table then remembers.
        let mut m = ColumnMapping::new("c", "t", "a");
        m.timezone = zone(name);
        let csv = format!("c,t,a\nx,{text},1\n");
        let tx = Transactions::from_csv(csv.as_bytes(), &m).unwrap();
        assert_eq!(tx.timestamps(), &[at(want)], "{name} {text} (CSV)");
        assert_eq!(tx.timezone().name(), name);
    }
}

#[test]
fn observation_end_is_the_end_of_the_local_day() {
    // 10 at 23:30 CEST Sun Mar 31 (21:30Z) and 20 at 00:30 CEST Mon Apr 1 (22:30Z).
    let csv = "c,t,a\nx,2024-03-31T21:30:00Z,10\nx,2024-03-31T22:30:00Z,20\n";
    let tx = Transactions::from_csv(csv.as_bytes(), &ColumnMapping::new("c", "t", "a")).unwrap();
    let end: ObservationEnd = serde_json::from_str(r#""2024-03-31""#).unwrap();
    let ltv = |timezone: Option<Zone>, observation_end| {
        historical_ltv(
            &tx,
            &HistoricalOptions {
                observation_end,
                timezone,
                ..HistoricalOptions::default()
            },
        )
        .unwrap()
    };
    // Berlin: Mar 31 ends at 23:59:59.999 CEST = 21:59:59.999Z: only the 10.
    let h = ltv(Some(zone("Europe/Berlin")), end);
    assert_eq!(h.ltv, vec![10.0]);
    assert_eq!(
        h.definition.params.get("observationEnd"),
        Some(&unimetric::glossary::ParamValue::Number(
            (at("2024-03-31T22:00:00Z") - 1) as f64
        ))
    );
    // UTC: Mar 31 ends at 23:59:59.999Z: both.
    assert_eq!(ltv(None, end).ltv, vec![30.0]);
    // "lastTransaction" (the default): both.
    assert_eq!(ltv(None, ObservationEnd::LastTransaction).ltv, vec![30.0]);
    let last: ObservationEnd = serde_json::from_str(r#""lastTransaction""#).unwrap();
    assert_eq!(last, ObservationEnd::LastTransaction);
    // An instant stays that instant (the 10 only).
    assert_eq!(
        ltv(None, ObservationEnd::at(at("2024-03-31T22:00:00Z"))).ltv,
        vec![10.0]
    );
    // The summary reports the same end: 2024-03-31T21:59:59.999Z in Berlin.
    let s = CustomerSummary::from_transactions(
        &tx,
        &SummaryOptions {
            observation_end: end,
            timezone: Some(zone("Europe/Berlin")),
            ..SummaryOptions::default()
        },
    )
    .unwrap();
    assert_eq!(s.observation_end, Some(at("2024-03-31T22:00:00Z") - 1));
    // Local days Mar 31 and Apr 1; Apr 1 is after the end: one purchase day, T = 0.
    assert_eq!((s.frequency[0], s.t[0]), (0.0, 0.0));
}

#[test]
fn historical_cohorts_use_local_months() {
    // 00:30 CET Fri Mar 1 in Berlin (23:30Z Thu Feb 29).
    let csv = "c,t,a\nx,2024-02-29T23:30:00Z,10\n";
    let tx = Transactions::from_csv(csv.as_bytes(), &ColumnMapping::new("c", "t", "a")).unwrap();
    let h = |timezone| {
        historical_ltv(
            &tx,
            &HistoricalOptions {
                timezone,
                ..HistoricalOptions::default()
            },
        )
        .unwrap()
    };
    let berlin = h(Some(zone("Europe/Berlin")));
    assert_eq!(berlin.cohorts[0].month, "2024-03");
    // Mar 1 00:00 CET = Feb 29 23:00Z.
    assert_eq!(berlin.cohorts[0].month_start, at("2024-02-29T23:00:00Z"));
    let utc = h(None);
    assert_eq!(utc.cohorts[0].month, "2024-02");
    assert_eq!(utc.cohorts[0].month_start, at("2024-02-01T00:00:00Z"));
}

#[test]
fn cac_buckets_spend_and_acquisitions_in_local_months() {
    // x first buys at 22:00 EST Thu Feb 29 (03:00Z Mar 1); y on Mar 15. Spend 300 on the bare
    // date 2024-03-01. In New York (spend read there too): February has x and no spend,
    // March has y and 300 → blended CAC 300. In UTC: March has both and 300 → 150.
    let csv = "c,t,a\nx,2024-03-01T03:00:00Z,10\ny,2024-03-15T12:00:00Z,10\n";
    let spend_csv = "d,ch,a\n2024-03-01,search,300\n";
    let blended = |name: &str| {
        let mut m = ColumnMapping::new("c", "t", "a");
        m.timezone = zone(name);
        let tx = Transactions::from_csv(csv.as_bytes(), &m).unwrap();
        let mut sm = SpendMapping::new("d", "ch", "a");
        sm.timezone = zone(name);
        let spend = Spend::from_csv(spend_csv.as_bytes(), &sm).unwrap();
        let t = cac(&spend, &tx, &CacOptions::default()).unwrap();
        assert!(
            !t.warnings.iter().any(|w| w.contains("spend was read in")),
            "{:?}",
            t.warnings
        );
        t.rows
            .iter()
            .filter(|r| r.variant == Variant::Blended)
            .map(|r| (r.period_start as i64, r.spend, r.new_customers, r.value))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        blended("America/New_York"),
        vec![
            // Feb 1 00:00 EST = 05:00Z; Mar 1 00:00 EST = 05:00Z.
            (at("2024-02-01T05:00:00Z"), 0.0, 1.0, Some(0.0)),
            (at("2024-03-01T05:00:00Z"), 300.0, 1.0, Some(300.0)),
        ]
    );
    assert_eq!(
        blended("UTC"),
        vec![(at("2024-03-01T00:00:00Z"), 300.0, 2.0, Some(150.0))]
    );
}

#[test]
fn unknown_zones_are_coded_errors() {
    for name in ["Mars/Olympus", "Europe/Berlinn", "", "+02:00 maybe"] {
        let e = Zone::parse(name).unwrap_err();
        assert_eq!((e.code(), e.column()), ("E_BAD_OPTION", Some("timezone")));
        assert!(e.to_string().contains(&format!("'{name}'")), "{e}");
    }
    // Names are matched without regard to case and reported as the database spells them.
    assert_eq!(zone("europe/berlin").name(), "Europe/Berlin");
    assert_eq!(zone("utc").name(), "UTC");
    let e = serde_json::from_str::<SummaryOptions>(r#"{ "timezone": "Mars/Olympus" }"#)
        .unwrap_err()
        .to_string();
    assert!(e.contains("Mars/Olympus"), "{e}");
    let e = serde_json::from_str::<ColumnMapping>(
        r#"{ "customerId": "c", "timestamp": "t", "amount": "a", "timezone": "Nowhere" }"#,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("Nowhere"), "{e}");
}

#[test]
fn required_dates_are_missing_fields_and_last_transaction_is_not_a_cutoff() {
    use unimetric::churn::FeatureOptions;
    let e = serde_json::from_str::<FeatureOptions>("{}")
        .unwrap_err()
        .to_string();
    assert!(e.contains("missing field `cutoff`"), "{e}");
    let e = serde_json::from_str::<FeatureOptions>(r#"{ "cutoff": "lastTransaction" }"#)
        .unwrap_err()
        .to_string();
    assert!(e.contains("expected a date"), "{e}");
    // The same parser reads a cutoff and an observation end: a bare date, a naive date-time
    // (local wall time: 1,709,251,200,000 = 2024-03-01T00:00 as wall-clock ms), an instant.
    let f: FeatureOptions =
        serde_json::from_str(r#"{ "cutoff": "2024-03-01T00:00", "timezone": "Asia/Tokyo" }"#)
            .unwrap();
    assert_eq!(f.cutoff, unimetric::data::When::Local(1_709_251_200_000));
    let s: SummaryOptions =
        serde_json::from_str(r#"{ "observationEnd": 1709251200000, "weekStart": 7 }"#).unwrap();
    assert_eq!(s.observation_end, ObservationEnd::at(1_709_251_200_000));
    assert_eq!(s.week_start, 7);
}

#[test]
fn tabulated_offsets_agree_with_the_tz_database() {
    // Every 17 minutes for six years (and past both ends of the table), in zones with DST
    // and with changing rules: the tabulated calendar gives the offsets of the plain one.
    const STEP: i64 = 17 * 60_000;
    let (lo, hi) = (at("2020-01-01T00:00:00Z"), at("2025-12-31T23:59:59Z"));
    for name in [
        "Europe/Berlin",
        "America/New_York",
        "Australia/Sydney",
        "Australia/Lord_Howe",
        "America/Santiago",
    ] {
        let plain = Calendar::new(zone(name), 1).unwrap();
        let table = plain.clone().tabulated(lo, hi);
        let mut t = lo - 30 * 86_400_000;
        while t < hi + 30 * 86_400_000 {
            assert_eq!(table.offset_ms(t), plain.offset_ms(t), "{name} at {t}");
            t += STEP;
        }
    }
    // Offsets written out by hand: Berlin +1 h in winter, +2 h in summer.
    let berlin = Calendar::new(zone("Europe/Berlin"), 1)
        .unwrap()
        .tabulated(lo, hi);
    assert_eq!(berlin.offset_ms(at("2024-03-31T00:59:59Z")), 3_600_000);
    assert_eq!(berlin.offset_ms(at("2024-03-31T01:00:00Z")), 7_200_000);
    assert_eq!(berlin.offset_ms(at("2024-10-27T00:59:59Z")), 7_200_000);
    assert_eq!(berlin.offset_ms(at("2024-10-27T01:00:00Z")), 3_600_000);
}
