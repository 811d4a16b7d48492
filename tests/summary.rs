//! The customer summary and KPIs against a hand-counted fixture (tests/fixtures/refunds.csv).
//!
//! The purchase rule: a transaction with amount ≥ 0 is a purchase; a period with at least one
//! purchase is a purchase period, whatever its net amount; a refund-only period is not.
//!
//! Hand count, observation end 2024-01-31, period = day:
//! - A: purchase days Jan 1 (10 + 5 = 15), Jan 3 (order 20 refunded the same day: nets 0, still
//!   a purchase day) and Jan 10 (30). Jan 12 holds only a −5 refund: not a purchase. Feb 1 is
//!   after the end. frequency 2, recency 9, T 30, monetary (0 + 30) / 2 = 15;
//!   revenue 15 + 0 + 30 − 5 = 40; orders (rows with amount ≥ 0): o1, o2, o3 → 3.
//! - B: Jan 5 (8): frequency 0, recency 0, T 26, monetary 0, revenue 8, orders 1.
//! - C: Jan 7 (10), Jan 8 refund only: frequency 0, T 24, revenue 0, orders 1.
//! - D: only a refund → excluded. E: first purchase after the end → absent.
//!
//! KPIs: customers 3, orders 5, revenue 40 + 8 + 0 − 3 = 45, AOV 9, repeat rate 1/3.
//!
//! Period = week (ISO weeks; Jan 1 2024 is a Monday; the end, Wed Jan 31, is in the week of
//! Jan 29 – Feb 4, so Feb 1 and Feb 2 count):
//! - A: week 1 net 15, week 2 net 30 − 5 = 25, week 5 net 40 → frequency 2, recency 4, T 4,
//!   monetary (25 + 40) / 2 = 32.5, revenue 80, orders o1..o4 = 4.
//! - B: frequency 0, T 4. C: week 1 (10) purchase, week 2 (−10) not → frequency 0, T 4.
//! - D excluded; E: week 5 (12) → frequency 0, recency 0, T 0.
//!
//! Period = month: A's January nets 40 → frequency 0, T 0; C's January nets 10 − 10 = 0 but
//! holds an order → kept (frequency 0, T 0); D (refund only) excluded; B kept.

use unimetric::kpi::Kpis;
use unimetric::summary::{CustomerSummary, SummaryOptions};
use unimetric::{
    ColumnMapping, CustomerKeys, IdColumn, Period, TimeColumn, TransactionColumns, Transactions,
};

const FIXTURE: &str = include_str!("fixtures/refunds.csv");

fn mapping() -> ColumnMapping {
    let mut m = ColumnMapping::new("customer", "when", "amount");
    m.order_id = Some("order".into());
    m.channel = Some("channel".into());
    m
}

fn ms(date: &str) -> i64 {
    unimetric::data::dates::parse_date_text(date, "test", 0).unwrap()
}

fn opts(period: Period) -> SummaryOptions {
    SummaryOptions {
        period,
        observation_end: unimetric::data::ObservationEnd::at(ms("2024-01-31")),
        ..Default::default()
    }
}

fn text_ids(s: &CustomerSummary) -> Vec<String> {
    match &s.customer_id {
        CustomerKeys::Text(v) => v.clone(),
        CustomerKeys::Numeric(v) => v.iter().map(|x| x.to_string()).collect(),
    }
}

#[test]
fn day_summary_matches_hand_count() {
    let tx = Transactions::from_csv(FIXTURE.as_bytes(), &mapping()).unwrap();
    let s = CustomerSummary::from_transactions(&tx, &opts(Period::Day)).unwrap();
    assert_eq!(text_ids(&s), vec!["A", "B", "C"]);
    assert_eq!(s.frequency, vec![2.0, 0.0, 0.0]);
    assert_eq!(s.recency, vec![9.0, 0.0, 0.0]);
    assert_eq!(s.t, vec![30.0, 26.0, 24.0]);
    assert_eq!(s.monetary_value, vec![15.0, 0.0, 0.0]);
    assert_eq!(s.excluded_customers, 1);
    let d = s.details.as_ref().unwrap();
    assert_eq!(d.revenue, vec![40.0, 8.0, 0.0]);
    assert_eq!(d.orders, vec![3.0, 1.0, 1.0]);
    assert_eq!(d.first_purchase[0], ms("2024-01-01T10:00:00Z") as f64);
    assert_eq!(d.last_purchase[0], ms("2024-01-10") as f64);
    assert_eq!(
        d.acquisition_channel.as_ref().unwrap(),
        &vec![
            Some("paid_search".to_string()),
            Some("organic".into()),
            Some("referral".into())
        ]
    );
    let def = s.definition();
    assert_eq!((def.metric, def.version), ("customer.summary", "2.1.0"));
}

#[test]
fn week_summary_counts_the_whole_end_period() {
    let tx = Transactions::from_csv(FIXTURE.as_bytes(), &mapping()).unwrap();
    let s = CustomerSummary::from_transactions(&tx, &opts(Period::Week)).unwrap();
    assert_eq!(text_ids(&s), vec!["A", "B", "C", "E"]);
    assert_eq!(s.frequency, vec![2.0, 0.0, 0.0, 0.0]);
    assert_eq!(s.recency, vec![4.0, 0.0, 0.0, 0.0]);
    assert_eq!(s.t, vec![4.0, 4.0, 4.0, 0.0]);
    assert_eq!(s.monetary_value, vec![32.5, 0.0, 0.0, 0.0]);
    let d = s.details.as_ref().unwrap();
    assert_eq!(d.revenue, vec![80.0, 8.0, 0.0, 12.0]);
    assert_eq!(d.orders, vec![4.0, 1.0, 1.0, 1.0]);
    assert_eq!(s.excluded_customers, 1);
}

#[test]
fn month_summary_keeps_a_net_zero_month_with_an_order() {
    let tx = Transactions::from_csv(FIXTURE.as_bytes(), &mapping()).unwrap();
    let s = CustomerSummary::from_transactions(&tx, &opts(Period::Month)).unwrap();
    assert_eq!(text_ids(&s), vec!["A", "B", "C"]);
    assert_eq!(s.frequency, vec![0.0, 0.0, 0.0]);
    assert_eq!(s.t, vec![0.0, 0.0, 0.0]);
    assert_eq!(s.details.as_ref().unwrap().revenue, vec![40.0, 8.0, 0.0]);
    assert_eq!(s.excluded_customers, 1);
}

#[test]
fn kpis_match_hand_count() {
    let tx = Transactions::from_csv(FIXTURE.as_bytes(), &mapping()).unwrap();
    let k = Kpis::compute(&tx, &opts(Period::Day)).unwrap();
    assert_eq!(k.get("customers"), Some(3.0));
    assert_eq!(k.get("orders"), Some(5.0));
    assert_eq!(k.get("revenue"), Some(45.0));
    assert_eq!(k.get("averageOrderValue"), Some(9.0));
    assert_eq!(k.get("repeatPurchaseRate"), Some(1.0 / 3.0));
    assert_eq!(k.get("purchaseFrequency"), Some(5.0 / 3.0));
    assert_eq!(k.get("revenuePerCustomer"), Some(15.0));
    let w = Kpis::compute(&tx, &opts(Period::Week)).unwrap();
    assert_eq!(w.get("customers"), Some(4.0));
    assert_eq!(w.get("orders"), Some(7.0));
    assert_eq!(w.get("revenue"), Some(97.0));
    assert_eq!(w.get("repeatPurchaseRate"), Some(0.25));
    for v in &k.values {
        assert!(
            unimetric::catalog::get(v.definition.metric).is_some(),
            "{}",
            v.key
        );
    }
}

#[test]
fn default_observation_end_is_last_transaction() {
    let tx = Transactions::from_csv(FIXTURE.as_bytes(), &mapping()).unwrap();
    let s = CustomerSummary::from_transactions(&tx, &SummaryOptions::default()).unwrap();
    assert_eq!(s.observation_end, Some(ms("2024-02-02")));
    // A: purchase days Jan 1, Jan 3, Jan 10, Feb 1 → frequency 3, recency 31, T 32.
    assert_eq!((s.frequency[0], s.recency[0], s.t[0]), (3.0, 31.0, 32.0));
}

#[test]
fn observation_end_before_all_data_is_empty() {
    let tx = Transactions::from_csv(FIXTURE.as_bytes(), &mapping()).unwrap();
    let e = CustomerSummary::from_transactions(
        &tx,
        &SummaryOptions {
            period: Period::Day,
            observation_end: unimetric::data::ObservationEnd::at(ms("2023-01-01")),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(e.code(), "E_EMPTY");
}

/// A small deterministic shuffle (LCG), independent of the code under test.
fn shuffled<T: Clone>(v: &[T], seed: u64) -> Vec<T> {
    let mut out = v.to_vec();
    let mut s = seed;
    for i in (1..out.len()).rev() {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        out.swap(i, (s >> 33) as usize % (i + 1));
    }
    out
}

#[test]
fn summary_is_invariant_to_row_order_and_id_form() {
    let data = unimetric::sim::simulate(
        &unimetric::sim::SimParams {
            customers: 300,
            ..Default::default()
        },
        11,
    );
    let rows: Vec<_> = data
        .transactions
        .iter()
        .map(|t| (t.customer, t.ms as f64, t.amount))
        .collect();
    let build = |rows: &[(u32, f64, f64)]| {
        let ids: Vec<u32> = rows.iter().map(|r| r.0).collect();
        let t: Vec<f64> = rows.iter().map(|r| r.1).collect();
        let a: Vec<f64> = rows.iter().map(|r| r.2).collect();
        let tx = Transactions::from_columns(TransactionColumns {
            customer_id: IdColumn::Numeric(&ids),
            timestamp: TimeColumn::EpochMs(&t),
            amount: &a,
            order_id: None,
            channel: None,
            cost: None,
        })
        .unwrap();
        CustomerSummary::from_transactions(
            &tx,
            &SummaryOptions {
                period: Period::Week,
                ..Default::default()
            },
        )
        .unwrap()
    };
    let base = build(&rows);
    for seed in 1..4 {
        assert_eq!(build(&shuffled(&rows, seed)), base);
    }
    // Numeric ids are sorted ascending.
    if let CustomerKeys::Numeric(ids) = &base.customer_id {
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
    } else {
        panic!("numeric ids expected");
    }
    // The same data with text ids gives the same numbers (natural order = numeric order here).
    let names: Vec<String> = rows.iter().map(|r| r.0.to_string()).collect();
    let t: Vec<f64> = rows.iter().map(|r| r.1).collect();
    let a: Vec<f64> = rows.iter().map(|r| r.2).collect();
    let tx = Transactions::from_columns(TransactionColumns {
        customer_id: IdColumn::Text(&names),
        timestamp: TimeColumn::EpochMs(&t),
        amount: &a,
        order_id: None,
        channel: None,
        cost: None,
    })
    .unwrap();
    let s = CustomerSummary::from_transactions(
        &tx,
        &SummaryOptions {
            period: Period::Week,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        (&s.frequency, &s.recency, &s.t, &s.monetary_value),
        (
            &base.frequency,
            &base.recency,
            &base.t,
            &base.monetary_value
        )
    );
}

#[test]
fn summary_from_columns_validates_rows() {
    let ids = [1u32, 2];
    let ok = CustomerSummary::from_columns(
        unimetric::summary::SummaryColumns {
            customer_id: IdColumn::Numeric(&ids),
            frequency: &[2.0, 0.0],
            recency: &[5.0, 0.0],
            t: &[10.0, 3.0],
            monetary_value: &[12.0, 0.0],
        },
        Period::Week,
        None,
    )
    .unwrap();
    assert_eq!(ok.len(), 2);
    // (frequency, recency, T, monetaryValue, expected code, column, row)
    type Case<'a> = (
        &'a [f64],
        &'a [f64],
        &'a [f64],
        &'a [f64],
        &'a str,
        &'a str,
        usize,
    );
    let cases: [Case; 5] = [
        (
            &[2.0, 0.0],
            &[5.0, 1.0],
            &[10.0, 3.0],
            &[1.0, 0.0],
            "E_OUT_OF_RANGE",
            "recency",
            2,
        ),
        (
            &[2.5, 0.0],
            &[5.0, 0.0],
            &[10.0, 3.0],
            &[1.0, 0.0],
            "E_OUT_OF_RANGE",
            "frequency",
            1,
        ),
        (
            &[2.0, 0.0],
            &[11.0, 0.0],
            &[10.0, 3.0],
            &[1.0, 0.0],
            "E_OUT_OF_RANGE",
            "recency",
            1,
        ),
        (
            &[2.0, 0.0],
            &[5.0, 0.0],
            &[10.0, f64::NAN],
            &[1.0, 0.0],
            "E_NON_FINITE",
            "T",
            2,
        ),
        (
            &[2.0, 0.0],
            &[5.0, 0.0],
            &[10.0, 3.0],
            &[-1.0, 0.0],
            "E_NEGATIVE",
            "monetaryValue",
            1,
        ),
    ];
    for (f, r, t, m, code, col, row) in cases {
        let e = CustomerSummary::from_columns(
            unimetric::summary::SummaryColumns {
                customer_id: IdColumn::Numeric(&ids),
                frequency: f,
                recency: r,
                t,
                monetary_value: m,
            },
            Period::Week,
            None,
        )
        .unwrap_err();
        assert_eq!(
            (e.code(), e.column(), e.row()),
            (code, Some(col), Some(row)),
            "{e}"
        );
    }
    let e = CustomerSummary::from_columns(
        unimetric::summary::SummaryColumns {
            customer_id: IdColumn::Numeric(&ids),
            frequency: &[1.0],
            recency: &[0.0, 0.0],
            t: &[1.0, 1.0],
            monetary_value: &[0.0, 0.0],
        },
        Period::Day,
        None,
    )
    .unwrap_err();
    assert_eq!(e.code(), "E_LENGTH_MISMATCH");
}
