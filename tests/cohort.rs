//! The cohort matrix against hand counts (every measure, incomplete cells, a time zone, a
//! channel split, orders with order ids, a cost column), coded errors for bad options, and an
//! independent pandas computation on the bundled sample data
//! (`tests/fixtures/peers/cohort_pandas.json`, written by `cohort_pandas.py` beside it).

use unimetric::cohort::{cohorts, CohortMatrix, CohortOptions, Measure, Split};
use unimetric::data::ObservationEnd;
use unimetric::{ColumnMapping, Period, Transactions};

const N: f64 = f64::NAN;

/// The hand-counted fixture. Observation end 2024-03-31 (end of the day, UTC).
///
/// | customer | rows (date amount channel)                                        | acquired     |
/// |----------|-------------------------------------------------------------------|--------------|
/// | A        | 01-05 100 email · 02-10 50 · 02-20 30 · 03-31T23:00 −20 (refund)  | Jan, email   |
/// | B        | 01-20 40 ads · 03-02 0 (a $0 order is a purchase)                 | Jan, ads     |
/// | C        | 02-03 60 (no channel) · 02-04 −10 · 03-15 25                      | Feb, unknown |
/// | D        | 01-15 −30 (refund before any purchase) · 02-25 80 ads             | Feb, ads     |
/// | E        | 04-02 90 (after the observation end: no cohort)                   | —            |
/// | F        | 03-10 15 email                                                    | Mar, email   |
///
/// Cohorts: Jan {A, B}, Feb {C, D}, Mar {F}. Ages 0..=2 (Jan to Mar). Complete cells: Jan
/// ages 0–2, Feb ages 0–1 (age 2 is April), Mar age 0.
const FIXTURE: &str = "customer,date,amount,channel,order
A,2024-01-05T10:00:00Z,100,email,o1
A,2024-02-10T10:00:00Z,50,email,o2
A,2024-02-20T10:00:00Z,30,email,o2
A,2024-03-31T23:00:00Z,-20,email,o1
B,2024-01-20T10:00:00Z,40,ads,o3
B,2024-03-02T10:00:00Z,0,ads,o4
C,2024-02-03T10:00:00Z,60,,o5
C,2024-02-04T10:00:00Z,-10,,o5
C,2024-03-15T10:00:00Z,25,,o6
D,2024-01-15T10:00:00Z,-30,ads,o7
D,2024-02-25T10:00:00Z,80,ads,o8
E,2024-04-02T10:00:00Z,90,email,o9
F,2024-03-10T10:00:00Z,15,email,o10
";

fn table(order_ids: bool) -> Transactions {
    let mut m = ColumnMapping::new("customer", "date", "amount");
    m.channel = Some("channel".into());
    if order_ids {
        m.order_id = Some("order".into());
    }
    Transactions::from_csv(FIXTURE.as_bytes(), &m).unwrap()
}

fn end(date: &str) -> ObservationEnd {
    serde_json::from_value(serde_json::json!(date)).unwrap()
}

fn opts(measure: Measure) -> CohortOptions {
    CohortOptions {
        measure,
        observation_end: end("2024-03-31"),
        ..Default::default()
    }
}

fn ms(text: &str) -> f64 {
    unimetric::data::dates::parse_date_text(text, "t", 1).unwrap() as f64
}

/// `actual` equals `expected` cell by cell (NaN where NaN), within 1e-12.
fn assert_cells(actual: &[f64], expected: &[f64], what: &str) {
    assert_eq!(actual.len(), expected.len(), "{what}: {actual:?}");
    for (i, (a, e)) in actual.iter().zip(expected).enumerate() {
        let same = if e.is_nan() {
            a.is_nan()
        } else {
            (a - e).abs() <= 1e-12
        };
        assert!(same, "{what}: cell {i} is {a}, expected {e} ({actual:?})");
    }
}

fn check_shape(m: &CohortMatrix) {
    assert_eq!(m.values.len(), m.rows() * m.ages.len());
    assert_eq!(m.complete.len(), m.values.len());
    for (v, c) in m.values.iter().zip(&m.complete) {
        assert_eq!(v.is_nan(), *c == 0);
    }
}

#[test]
fn every_measure_matches_the_hand_count() {
    let tx = table(false);
    let cases: [(Measure, [f64; 9]); 6] = [
        // Jan: A and B buy in January; A in February; B's $0 order in March (A's March refund
        // is not a purchase). Feb: C and D in February; C in March. Mar: F.
        (Measure::Customers, [2.0, 1.0, 1.0, 2.0, 1.0, N, 1.0, N, N]),
        (Measure::Retention, [1.0, 0.5, 0.5, 1.0, 0.5, N, 1.0, N, N]),
        // Purchases: Jan {A 100, B 40}, {A 50, A 30}, {B 0}; Feb {C 60, D 80}, {C 25}; Mar {F}.
        (Measure::Orders, [2.0, 2.0, 1.0, 2.0, 1.0, N, 1.0, N, N]),
        // Jan: 100 + 40, 50 + 30, 0 − 20. Feb: 60 − 10 + 80 − 30 (D's refund before its
        // acquisition counts at age 0), 25. Mar: 15.
        (
            Measure::Revenue,
            [140.0, 80.0, -20.0, 100.0, 25.0, N, 15.0, N, N],
        ),
        // Cumulative revenue ÷ cohort size: Jan 140/2, 220/2, 200/2; Feb 100/2, 125/2; Mar 15.
        (
            Measure::CumulativeRevenuePerCustomer,
            [70.0, 110.0, 100.0, 50.0, 62.5, N, 15.0, N, N],
        ),
        // margin 1 (the default): the same as cumulative revenue per customer.
        (
            Measure::Margin,
            [70.0, 110.0, 100.0, 50.0, 62.5, N, 15.0, N, N],
        ),
    ];
    for (measure, expected) in cases {
        let m = cohorts(&tx, &opts(measure)).unwrap();
        check_shape(&m);
        assert_eq!(m.ages, vec![0, 1, 2]);
        assert_eq!(m.cohort_size, vec![2, 2, 1]);
        assert_eq!(
            m.cohort_start,
            vec![ms("2024-01-01"), ms("2024-02-01"), ms("2024-03-01")]
        );
        assert_eq!(m.complete, vec![1, 1, 1, 1, 1, 0, 1, 0, 0]);
        assert!(m.channel.is_none());
        assert_cells(&m.values, &expected, measure.as_str());
        assert_eq!(m.definition.metric, "cohort.matrix");
    }
    // Margin rate 0.5: half of the cumulative revenue per customer.
    let m = cohorts(
        &tx,
        &CohortOptions {
            margin: 0.5,
            ..opts(Measure::Margin)
        },
    )
    .unwrap();
    assert_cells(
        &m.values,
        &[35.0, 55.0, 50.0, 25.0, 31.25, N, 7.5, N, N],
        "margin 0.5",
    );
}

#[test]
fn default_observation_end_is_the_last_transaction() {
    // The last transaction is E's on 2024-04-02 10:00: E is the April cohort, and April (age 0
    // of April, age 1 of March, age 2 of February, age 3 of January) is not complete.
    let m = cohorts(
        &table(false),
        &CohortOptions {
            measure: Measure::Customers,
            ..Default::default()
        },
    )
    .unwrap();
    check_shape(&m);
    assert_eq!(m.ages, vec![0, 1, 2, 3]);
    assert_eq!(m.cohort_size, vec![2, 2, 1, 1]);
    assert_cells(
        &m.values,
        &[
            2.0, 1.0, 1.0, N, //
            2.0, 1.0, N, N, //
            1.0, N, N, N, //
            N, N, N, N,
        ],
        "customers to the last transaction",
    );
}

#[test]
fn max_age_limits_the_columns() {
    let m = cohorts(
        &table(false),
        &CohortOptions {
            max_age: Some(1.0),
            ..opts(Measure::Revenue)
        },
    )
    .unwrap();
    assert_eq!(m.ages, vec![0, 1]);
    assert_cells(&m.values, &[140.0, 80.0, 100.0, 25.0, 15.0, N], "maxAge 1");
}

#[test]
fn channel_split_matches_the_hand_count() {
    // Acquisition channels: A email, B ads, C none ("unknown"), D ads (its first purchase; the
    // earlier refund is not one), F email. Rows by cohort, then channel name.
    let m = cohorts(
        &table(false),
        &CohortOptions {
            by: Some(Split::Channel),
            ..opts(Measure::Customers)
        },
    )
    .unwrap();
    check_shape(&m);
    assert_eq!(
        m.channel.as_deref().unwrap(),
        ["ads", "email", "ads", "unknown", "email"]
    );
    assert_eq!(m.cohort_size, vec![1, 1, 1, 1, 1]);
    assert_cells(
        &m.values,
        &[
            1.0, 0.0, 1.0, // Jan ads: B in January and March
            1.0, 1.0, 0.0, // Jan email: A in January and February
            1.0, 0.0, N, // Feb ads: D in February
            1.0, 1.0, N, // Feb unknown: C in February and March
            1.0, N, N, // Mar email: F
        ],
        "by channel",
    );
    let m = cohorts(
        &table(false),
        &CohortOptions {
            by: Some(Split::Channel),
            ..opts(Measure::Revenue)
        },
    )
    .unwrap();
    assert_cells(
        &m.values,
        &[
            40.0, 0.0, 0.0, // B
            100.0, 80.0, -20.0, // A
            50.0, 0.0, N, // D: −30 + 80
            50.0, 25.0, N, // C: 60 − 10, 25
            15.0, N, N, // F
        ],
        "revenue by channel",
    );
}

#[test]
fn orders_count_distinct_order_ids() {
    // A's two February rows are one order (o2); every other purchase has its own id.
    let m = cohorts(&table(true), &opts(Measure::Orders)).unwrap();
    assert_cells(
        &m.values,
        &[2.0, 1.0, 1.0, 2.0, 1.0, N, 1.0, N, N],
        "orders with order ids",
    );
}

#[test]
fn margin_with_a_cost_column_is_amount_minus_cost() {
    let csv = "customer,date,amount,cost
a,2024-01-10,100,60
a,2024-02-10,50,20
b,2024-01-20,40,30
";
    let mut map = ColumnMapping::new("customer", "date", "amount");
    map.cost = Some("cost".into());
    let tx = Transactions::from_csv(csv.as_bytes(), &map).unwrap();
    // Jan cohort {a, b}: January margin (100 − 60) + (40 − 30) = 50; February 50 − 20 = 30.
    // Per customer, cumulative: 25, 40. The data end on February 10, so February is incomplete
    // with the default end; end it on February 29.
    let o = CohortOptions {
        measure: Measure::Margin,
        observation_end: end("2024-02-29"),
        ..Default::default()
    };
    let m = cohorts(&tx, &o).unwrap();
    assert_cells(&m.values, &[25.0, 40.0], "margin with costs");
    assert_eq!(m.complete, vec![1, 1]);
    let e = cohorts(&tx, &CohortOptions { margin: 0.5, ..o }).unwrap_err();
    assert_eq!(e.code(), "E_BAD_OPTION");
}

#[test]
fn months_are_local_to_the_timezone() {
    // G buys at 2024-01-31T23:30Z (February 1, 08:30 in Tokyo) and 2024-02-29T23:30Z (March 1
    // in Tokyo); H at 2024-01-15T00:00Z (January 15 in both).
    let csv = "customer,date,amount
G,2024-01-31T23:30:00Z,10
G,2024-02-29T23:30:00Z,20
H,2024-01-15T00:00:00Z,5
";
    let tx = Transactions::from_csv(
        csv.as_bytes(),
        &ColumnMapping::new("customer", "date", "amount"),
    )
    .unwrap();
    let base = opts(Measure::Customers);
    // UTC: one January cohort {G, H}; G again in February (age 1), nobody in March.
    let m = cohorts(&tx, &base).unwrap();
    assert_eq!(m.cohort_size, vec![2]);
    assert_cells(&m.values, &[2.0, 1.0, 0.0], "UTC");
    // Tokyo: January {H}, February {G}; G again in March (age 1 of February); the end is the
    // end of March 31 in Tokyo, so age 2 of February (April) is incomplete.
    let tokyo = CohortOptions {
        timezone: Some(unimetric::data::Zone::parse("Asia/Tokyo").unwrap()),
        ..base
    };
    let m = cohorts(&tx, &tokyo).unwrap();
    assert_eq!(m.cohort_size, vec![1, 1]);
    // Local midnights: 2023-12-31T15:00Z and 2024-01-31T15:00Z.
    assert_eq!(
        m.cohort_start,
        vec![
            ms("2024-01-01") - 9.0 * 3_600_000.0,
            ms("2024-02-01") - 9.0 * 3_600_000.0
        ]
    );
    assert_cells(&m.values, &[1.0, 0.0, 0.0, 1.0, 1.0, N], "Tokyo");
}

#[test]
fn weekly_ages_of_monthly_cohorts() {
    // Monthly cohorts, ages in Monday weeks. 2024-01-01 is a Monday. P buys on Wednesday
    // January 3 (week 0 of P) and Tuesday January 16 (week 2); Q buys on Wednesday January 31
    // (week 0 of Q) and Monday February 5 (week 1 of Q). The end is Sunday 2024-02-11.
    // January's last possible acquisition is January 31, in the week of Monday January 29:
    // age k is complete when that week + k ends by February 11, so ages 0 and 1 only: P's
    // purchase at age 2 is in a cell not yet observed for Q, so it shows as incomplete.
    let csv = "customer,date,amount
P,2024-01-03,10
P,2024-01-16,10
Q,2024-01-31,10
Q,2024-02-05,10
";
    let tx = Transactions::from_csv(
        csv.as_bytes(),
        &ColumnMapping::new("customer", "date", "amount"),
    )
    .unwrap();
    let m = cohorts(
        &tx,
        &CohortOptions {
            period: Some(Period::Week),
            measure: Measure::Customers,
            observation_end: end("2024-02-11"),
            ..Default::default()
        },
    )
    .unwrap();
    // Columns: January 1's week to February 11's week, ages 0..=5.
    assert_eq!(m.ages, vec![0, 1, 2, 3, 4, 5]);
    assert_cells(&m.values, &[2.0, 1.0, N, N, N, N], "weekly ages");
}

#[test]
fn bad_options_are_coded_errors() {
    let cases = [
        (r#"{ "measure": "ltv" }"#, "E_BAD_OPTION"),
        (r#"{ "maxAge": 0 }"#, "E_BAD_OPTION"),
        (r#"{ "maxAge": 1e9 }"#, "E_BAD_OPTION"),
        (r#"{ "maxAge": 2.5 }"#, "E_BAD_OPTION"),
        (r#"{ "cohortPeriod": "year" }"#, "E_BAD_OPTION"),
        (
            r#"{ "cohortPeriod": "day", "period": "month" }"#,
            "E_BAD_OPTION",
        ),
        (r#"{ "by": "country" }"#, "E_BAD_OPTION"),
        (r#"{ "weekStart": 8 }"#, "E_BAD_OPTION"),
        (r#"{ "margin": 2 }"#, "E_BAD_OPTION"),
        (r#"{ "maxAges": 3 }"#, "E_UNKNOWN_OPTION"),
        (r#"[1]"#, "E_BAD_OPTION"),
    ];
    for (json, code) in cases {
        let e = CohortOptions::from_json(json).unwrap_err();
        assert_eq!(e.code(), code, "{json}: {e}");
    }
    let ok = CohortOptions::from_json(
        r#"{ "cohortPeriod": "quarter", "period": "month", "maxAge": 36, "marginRate": 0.4 }"#,
    )
    .unwrap();
    assert_eq!(ok.age_period(), Period::Month);
    assert_eq!(ok.margin, 0.4);
    // The options struct checks itself in `cohorts` too.
    let tx = table(false);
    let e = cohorts(
        &tx,
        &CohortOptions {
            max_age: Some(0.0),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(e.code(), "E_BAD_OPTION");
    // No customer acquired on or before the observation end.
    let e = cohorts(
        &tx,
        &CohortOptions {
            observation_end: end("2023-12-31"),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(e.code(), "E_EMPTY");
}

#[test]
fn an_empty_table_is_e_empty() {
    let e = Transactions::from_csv(
        b"customer,date,amount\n",
        &ColumnMapping::new("customer", "date", "amount"),
    )
    .and_then(|tx| cohorts(&tx, &CohortOptions::default()))
    .unwrap_err();
    assert_eq!(e.code(), "E_EMPTY");
    let e = Transactions::from_columns(unimetric::TransactionColumns {
        customer_id: unimetric::IdColumn::Numeric(&[]),
        timestamp: unimetric::TimeColumn::EpochMs(&[]),
        amount: &[],
        order_id: None,
        channel: None,
        cost: None,
    })
    .and_then(|tx| cohorts(&tx, &CohortOptions::default()))
    .unwrap_err();
    assert_eq!(e.code(), "E_EMPTY");
}

/// The monthly matrix of the bundled sample data equals pandas' (written by
/// `tests/fixtures/peers/cohort_pandas.py`) cell by cell: customers, retention and revenue, all
/// cohorts and by acquisition channel, with the same cells incomplete.
#[test]
fn matches_pandas_on_the_sample_data() {
    let peer: serde_json::Value =
        serde_json::from_str(include_str!("fixtures/peers/cohort_pandas.json")).unwrap();
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/www/data/transactions.csv"
    ))
    .unwrap();
    let mut mapping = ColumnMapping::new("customer_id", "order_date", "amount");
    mapping.order_id = Some("order_id".into());
    mapping.channel = Some("channel".into());
    let tx = Transactions::from_csv(&bytes, &mapping).unwrap();
    let numbers = |v: &serde_json::Value| -> Vec<f64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap_or(f64::NAN))
            .collect()
    };
    let mut compared = 0;
    for (key, by) in [
        ("monthly", None),
        ("monthlyByChannel", Some(Split::Channel)),
    ] {
        let p = &peer[key];
        for measure in [Measure::Customers, Measure::Retention, Measure::Revenue] {
            let m = cohorts(
                &tx,
                &CohortOptions {
                    measure,
                    by,
                    observation_end: end(peer["observationEnd"].as_str().unwrap()),
                    ..Default::default()
                },
            )
            .unwrap();
            assert_eq!(m.ages.len() as u64, peer["ages"].as_u64().unwrap());
            assert_eq!(m.cohort_start, numbers(&p["cohortStart"]), "{key}");
            let sizes: Vec<f64> = m.cohort_size.iter().map(|&s| f64::from(s)).collect();
            assert_eq!(sizes, numbers(&p["cohortSize"]), "{key}");
            if let Some(ch) = &m.channel {
                let want: Vec<&str> = p["channel"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c.as_str().unwrap())
                    .collect();
                assert_eq!(ch, &want, "{key}");
            }
            let want = numbers(&p[measure.as_str()]);
            assert_eq!(m.values.len(), want.len(), "{key} {}", measure.as_str());
            for (i, (a, b)) in m.values.iter().zip(&want).enumerate() {
                let ok = if b.is_nan() {
                    a.is_nan()
                } else {
                    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
                };
                assert!(ok, "{key} {} cell {i}: {a} vs pandas {b}", measure.as_str());
                compared += 1;
            }
        }
    }
    assert!(compared > 1000, "{compared} cells compared");
}

#[test]
fn quarterly_cohorts_by_month_are_complete_only_where_the_whole_quarter_is_observed() {
    // One Q1 cohort {A, B, C, D, F}; ages in months since each customer's acquisition month.
    // The quarter's last possible acquisition month is March, and the end is March 31: only age
    // 0 is complete (A's February purchases at age 1 are not shown: April, age 1 for a March
    // customer, is not observed). Revenue at age 0: A 100 + B 40 + C (60 − 10) + D (80 − 30) +
    // F 15 = 255.
    let o = CohortOptions {
        cohort_period: Period::Quarter,
        period: Some(Period::Month),
        ..opts(Measure::Customers)
    };
    let m = cohorts(&table(false), &o).unwrap();
    assert_eq!(m.cohort_size, vec![5]);
    assert_eq!(m.ages, vec![0, 1, 2]);
    assert_eq!(m.complete, vec![1, 0, 0]);
    assert_cells(&m.values, &[5.0, N, N], "quarter by month, customers");
    let m = cohorts(
        &table(false),
        &CohortOptions {
            measure: Measure::Revenue,
            ..o
        },
    )
    .unwrap();
    assert_cells(&m.values, &[255.0, N, N], "quarter by month, revenue");
}

#[test]
fn months_across_daylight_saving_changes() {
    // 2024-03-31T03:30Z is March 30, 23:30 in New York (EDT); 2024-11-01T03:30Z is October 31,
    // 23:30 (EDT). In New York: March cohort, again at age 7 (October); in UTC: March cohort,
    // again at age 8 (November). The end is November 30 in each zone.
    let csv = "customer,date,amount
K,2024-03-31T03:30:00Z,10
K,2024-11-01T03:30:00Z,10
";
    let tx = Transactions::from_csv(
        csv.as_bytes(),
        &ColumnMapping::new("customer", "date", "amount"),
    )
    .unwrap();
    let base = CohortOptions {
        measure: Measure::Customers,
        observation_end: end("2024-11-30"),
        ..Default::default()
    };
    let m = cohorts(&tx, &base).unwrap();
    assert_cells(
        &m.values,
        &[1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0],
        "UTC",
    );
    let ny = CohortOptions {
        timezone: Some(unimetric::data::Zone::parse("America/New_York").unwrap()),
        ..base
    };
    let m = cohorts(&tx, &ny).unwrap();
    assert_cells(
        &m.values,
        &[1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0],
        "New York",
    );
    // March 1, 00:00 EST is 05:00Z.
    assert_eq!(m.cohort_start, vec![ms("2024-03-01") + 5.0 * 3_600_000.0]);
}
