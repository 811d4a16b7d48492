//! CAC, payback and LTV:CAC against a hand-computed fixture
//! (tests/fixtures/cac_transactions.csv and cac_spend.csv).
//!
//! Acquisitions by month: January c1 (search), c2 (social), c3 (organic); February c4
//! (search), c5 (no channel → "unknown"); March c6 (social). Spend: January search 120,
//! social 90, email 30; February search 60, social 45; March social 50, email 20.
//!
//! Lag 0 — January: blended 240 / 3 = 80; paid (search + social) 210 / 2 = 105; search
//! 120 / 1; social 90 / 1; email 30 / 0 → undefined; organic and unknown never have spend.
//! February: blended 105 / 2 = 52.5; paid 105 / 1; search 60; social 45 / 0 → undefined.
//! March: blended 70; paid 50; social 50; search 0 / 0 → undefined.
//! Lag 1 — January: blended 240 / (3 + 2) = 48; paid 210 / 3 = 70; search 120 / 2 = 60.
//! March's window reaches April, past the data → incomplete.

use unimetric::cac::{
    cac, cac_payback, ltv_to_cac, CacOptions, LtvCacOptions, LtvSource, PaybackOptions, Variant,
};
use unimetric::data::spend::{Spend, SpendMapping};
use unimetric::{ColumnMapping, Transactions};

fn data() -> (Spend, Transactions) {
    let mut sm = SpendMapping::new("month", "channel", "amount");
    sm.channel_type = Some("type".into());
    let spend = Spend::from_csv(include_bytes!("fixtures/cac_spend.csv"), &sm).unwrap();
    let mut tm = ColumnMapping::new("customer", "date", "amount");
    tm.channel = Some("channel".into());
    let tx = Transactions::from_csv(include_bytes!("fixtures/cac_transactions.csv"), &tm).unwrap();
    (spend, tx)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}

fn find<'a>(
    rows: &'a [unimetric::cac::CacRow],
    month: &str,
    variant: Variant,
    channel: Option<&str>,
) -> &'a unimetric::cac::CacRow {
    let start = unimetric::data::dates::parse_date_text(month, "t", 0).unwrap() as f64;
    rows.iter()
        .find(|r| {
            r.period_start == start && r.variant == variant && r.channel.as_deref() == channel
        })
        .unwrap_or_else(|| panic!("no row {month} {variant:?} {channel:?}"))
}

#[test]
fn monthly_cac_lag_zero() {
    let (spend, tx) = data();
    let t = cac(&spend, &tx, &CacOptions::default()).unwrap();
    let v = |m, var, ch| find(&t.rows, m, var, ch).value;
    assert_eq!(v("2024-01-01", Variant::Blended, None), Some(80.0));
    assert_eq!(v("2024-01-01", Variant::Paid, None), Some(105.0));
    assert_eq!(
        v("2024-01-01", Variant::Channel, Some("search")),
        Some(120.0)
    );
    assert_eq!(
        v("2024-01-01", Variant::Channel, Some("social")),
        Some(90.0)
    );
    let email = find(&t.rows, "2024-01-01", Variant::Channel, Some("email"));
    assert_eq!(
        (email.value, email.reason),
        (None, Some("no new customers in the attribution window"))
    );
    let organic = find(&t.rows, "2024-01-01", Variant::Channel, Some("organic"));
    assert_eq!(organic.value, None);
    assert_eq!(organic.new_customers, 1.0);
    assert!(organic.reason.unwrap().contains("unpaid"));
    assert_eq!(
        find(&t.rows, "2024-01-01", Variant::Channel, Some("unknown")).value,
        None
    );
    assert_eq!(v("2024-02-01", Variant::Blended, None), Some(52.5));
    assert_eq!(v("2024-02-01", Variant::Paid, None), Some(105.0));
    assert_eq!(
        v("2024-02-01", Variant::Channel, Some("search")),
        Some(60.0)
    );
    assert_eq!(v("2024-02-01", Variant::Channel, Some("social")), None);
    assert_eq!(v("2024-03-01", Variant::Blended, None), Some(70.0));
    assert_eq!(v("2024-03-01", Variant::Paid, None), Some(50.0));
    let search_march = find(&t.rows, "2024-03-01", Variant::Channel, Some("search"));
    assert_eq!(
        (search_march.value, search_march.reason),
        (None, Some("no spend and no new customers"))
    );
    // Three months × (blended + paid + five channels).
    assert_eq!(t.rows.len(), 3 * 7);
    assert!(t.rows.iter().all(|r| r.complete));
    assert!(t.rows.iter().all(|r| r.value.is_none_or(f64::is_finite)));
    assert!(
        t.warnings
            .iter()
            .any(|w| w.contains("'email' never appears")),
        "{:?}",
        t.warnings
    );
    assert_eq!(
        find(&t.rows, "2024-01-01", Variant::Blended, None)
            .definition
            .metric,
        "cac.blended"
    );
}

#[test]
fn attribution_lag_widens_the_denominator() {
    let (spend, tx) = data();
    let t = cac(
        &spend,
        &tx,
        &CacOptions {
            attribution_lag: 1,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        find(&t.rows, "2024-01-01", Variant::Blended, None).value,
        Some(48.0)
    );
    assert_eq!(
        find(&t.rows, "2024-01-01", Variant::Paid, None).value,
        Some(70.0)
    );
    assert_eq!(
        find(&t.rows, "2024-01-01", Variant::Channel, Some("search")).value,
        Some(60.0)
    );
    assert_eq!(
        find(&t.rows, "2024-02-01", Variant::Blended, None).value,
        Some(35.0)
    );
    assert!(find(&t.rows, "2024-02-01", Variant::Blended, None).complete);
    let march = find(&t.rows, "2024-03-01", Variant::Blended, None);
    assert_eq!((march.value, march.complete), (Some(70.0), false));
}

#[test]
fn quarter_and_acquisition_table() {
    let (spend, tx) = data();
    let q = cac(
        &spend,
        &tx,
        &CacOptions {
            period: unimetric::Period::Quarter,
            ..Default::default()
        },
    )
    .unwrap();
    // One quarter: all spend 415 over 6 customers.
    let b = find(&q.rows, "2024-01-01", Variant::Blended, None);
    assert_eq!((b.spend, b.new_customers), (415.0, 6.0));
    assert!(close(b.value.unwrap(), 415.0 / 6.0));
    // An explicit table moves c5 to search and leaves c6 out (→ unknown).
    let table = unimetric::cac::AcquisitionTable {
        customer_id: ["c1", "c2", "c3", "c4", "c5"].map(String::from).to_vec(),
        channel: ["search", "social", "organic", "search", "search"]
            .map(String::from)
            .to_vec(),
    };
    let t = cac(
        &spend,
        &tx,
        &CacOptions {
            acquisition: Some(table),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        find(&t.rows, "2024-02-01", Variant::Channel, Some("search")).value,
        Some(30.0)
    );
    assert_eq!(
        find(&t.rows, "2024-03-01", Variant::Channel, Some("social")).value,
        None
    );
    assert!(t
        .warnings
        .iter()
        .any(|w| w.starts_with("1 customers are not in the acquisition table")));
}

#[test]
fn payback_from_cohort_curves() {
    let (spend, tx) = data();
    let p = cac_payback(&spend, &tx, &PaybackOptions::default()).unwrap();
    let row = |m: &str, ch: Option<&str>| {
        let start = unimetric::data::dates::parse_date_text(m, "t", 0).unwrap() as f64;
        p.cohorts
            .iter()
            .find(|r| r.cohort_start == start && r.channel.as_deref() == ch)
            .unwrap()
    };
    // January, all channels: margin revenue 200, 50, 110 over 3 customers; CAC 80.
    let jan = row("2024-01-01", None);
    assert_eq!(jan.customers, 3.0);
    assert!(
        close(jan.curve[0], 200.0 / 3.0)
            && close(jan.curve[1], 250.0 / 3.0)
            && close(jan.curve[2], 120.0)
    );
    assert_eq!((jan.payback_months, jan.status), (Some(1), "paid_back"));
    let jan_search = row("2024-01-01", Some("search"));
    assert_eq!(jan_search.curve, vec![100.0, 150.0, 200.0]);
    assert_eq!(jan_search.payback_months, Some(1));
    let jan_social = row("2024-01-01", Some("social"));
    assert_eq!(
        (jan_social.status, jan_social.note.as_str()),
        ("not_yet", "not yet paid back after 2 months")
    );
    assert_eq!(row("2024-01-01", Some("organic")).status, "no_cac");
    let feb = row("2024-02-01", None);
    assert_eq!(
        (feb.curve.clone(), feb.cac, feb.status),
        (vec![25.0, 25.0], Some(52.5), "not_yet")
    );
    let mar = row("2024-03-01", None);
    assert_eq!(
        (mar.curve.clone(), mar.payback_months),
        (vec![80.0], Some(0))
    );

    // Half margin halves the curve.
    let half = cac_payback(
        &spend,
        &tx,
        &PaybackOptions {
            margin: 0.5,
            ..Default::default()
        },
    )
    .unwrap();
    let jan_half = half
        .cohorts
        .iter()
        .find(|r| r.cohort == jan.cohort && r.channel.is_none())
        .unwrap();
    assert!(close(jan_half.curve[2], 60.0));
    assert_eq!(jan_half.status, "not_yet");

    // Textbook payback: CAC 415 / 6; revenue 490 over 14 customer-months = 35 a month.
    let all = p.simple.iter().find(|s| s.channel.is_none()).unwrap();
    assert!(close(all.value.unwrap(), (415.0 / 6.0) / 35.0));
    let search = p
        .simple
        .iter()
        .find(|s| s.channel.as_deref() == Some("search"))
        .unwrap();
    assert!(close(search.value.unwrap(), 90.0 / 46.0));
    let social = p
        .simple
        .iter()
        .find(|s| s.channel.as_deref() == Some("social"))
        .unwrap();
    assert!(close(social.value.unwrap(), 92.5 / 30.0));
    let email = p
        .simple
        .iter()
        .find(|s| s.channel.as_deref() == Some("email"))
        .unwrap();
    assert_eq!(
        (email.value, email.reason),
        (None, Some("no new customers"))
    );

    let e = cac_payback(
        &spend,
        &tx,
        &PaybackOptions {
            margin: 1.5,
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(e.code(), "E_BAD_OPTION");
}

#[test]
fn ltv_to_cac_historical_and_supplied() {
    let (spend, tx) = data();
    let t = ltv_to_cac(&spend, &tx, &LtvCacOptions::default()).unwrap();
    let whole = |ch: Option<&str>| {
        t.rows
            .iter()
            .find(|r| r.cohort.is_none() && r.channel.as_deref() == ch)
            .unwrap()
    };
    assert!(close(
        whole(None).value.unwrap(),
        (490.0 / 6.0) / (415.0 / 6.0)
    ));
    assert!(close(whole(Some("search")).value.unwrap(), 115.0 / 90.0));
    assert!(close(whole(Some("social")).value.unwrap(), 60.0 / 92.5));
    assert_eq!(whole(Some("organic")).value, None);
    assert_eq!(whole(Some("organic")).ltv, 120.0);
    assert!(t
        .rows
        .iter()
        .all(|r| r.channel.as_deref() != Some("email") || r.cohort.is_some()));
    let jan = unimetric::Period::Month
        .index(unimetric::data::dates::parse_date_text("2024-01-01", "t", 0).unwrap());
    let jan_all = t
        .rows
        .iter()
        .find(|r| r.cohort == Some(jan) && r.channel.is_none())
        .unwrap();
    assert!(close(jan_all.value.unwrap(), 1.5));
    assert_eq!(
        jan_all.definition.params.get("ltv"),
        Some(&unimetric::glossary::ParamValue::Text(
            "ltv.historical".into()
        ))
    );

    let supplied = LtvSource::PerCustomer {
        customer_id: ["c1", "c2", "c4"].map(String::from).to_vec(),
        value: vec![300.0, 30.0, 60.0],
        metric: "ltv.clv".into(),
    };
    let s = ltv_to_cac(
        &spend,
        &tx,
        &LtvCacOptions {
            ltv: supplied,
            ..LtvCacOptions::default()
        },
    )
    .unwrap();
    let search = s
        .rows
        .iter()
        .find(|r| r.cohort.is_none() && r.channel.as_deref() == Some("search"))
        .unwrap();
    assert!(close(search.value.unwrap(), 180.0 / 90.0));
    assert!(s
        .warnings
        .iter()
        .any(|w| w.starts_with("3 acquired customers have no LTV")));
}

#[test]
fn sample_data_totals_match_an_independent_sum() {
    let root = env!("CARGO_MANIFEST_DIR");
    let spend_csv = std::fs::read_to_string(format!("{root}/www/data/spend.csv")).unwrap();
    let tx_csv = std::fs::read_to_string(format!("{root}/www/data/transactions.csv")).unwrap();
    // Independent sums straight from the CSV text.
    let spend_total: f64 = spend_csv
        .lines()
        .skip(1)
        .map(|l| l.rsplit(',').next().unwrap().parse::<f64>().unwrap())
        .sum();
    let mut customers = std::collections::BTreeSet::new();
    for l in tx_csv.lines().skip(1) {
        customers.insert(l.split(',').nth(1).unwrap().to_string());
    }
    let mut sm = SpendMapping::new("month", "channel", "amount");
    sm.channel_type = Some("channel_type".into());
    let spend = Spend::from_csv(spend_csv.as_bytes(), &sm).unwrap();
    let mut tm = ColumnMapping::new("customer_id", "order_date", "amount");
    tm.channel = Some("channel".into());
    let tx = Transactions::from_csv(tx_csv.as_bytes(), &tm).unwrap();
    let t = cac(&spend, &tx, &CacOptions::default()).unwrap();
    let blended: Vec<_> = t
        .rows
        .iter()
        .filter(|r| r.variant == Variant::Blended)
        .collect();
    let s: f64 = blended.iter().map(|r| r.spend).sum();
    let n: f64 = blended.iter().map(|r| r.new_customers).sum();
    assert!(close(s, spend_total), "{s} vs {spend_total}");
    assert_eq!(n as usize, customers.len());
    // Channel rows partition the blended totals.
    let ch_spend: f64 = t
        .rows
        .iter()
        .filter(|r| r.variant == Variant::Channel)
        .map(|r| r.spend)
        .sum();
    let ch_new: f64 = t
        .rows
        .iter()
        .filter(|r| r.variant == Variant::Channel)
        .map(|r| r.new_customers)
        .sum();
    assert!(close(ch_spend, spend_total));
    assert_eq!(ch_new, n);
}

/// A refund dated before the customer's acquisition month is in no month a + j (j ≥ 0) of the
/// payback formula, so it is left out of the cohort curve (historical LTV instead counts it in
/// month 0). c7 refunds 40 in January and first buys 80 in March (social): the March cohort is
/// c6 and c7, its curve (80 + 80) ÷ 2 = 80.
#[test]
fn payback_leaves_out_a_refund_before_acquisition() {
    let (spend, _) = data();
    let csv = format!(
        "{}c7,2024-01-10,-40,social\nc7,2024-03-05,80,social\n",
        include_str!("fixtures/cac_transactions.csv")
    );
    let mut tm = ColumnMapping::new("customer", "date", "amount");
    tm.channel = Some("channel".into());
    let tx = Transactions::from_csv(csv.as_bytes(), &tm).unwrap();
    let p = cac_payback(&spend, &tx, &PaybackOptions::default()).unwrap();
    let start = unimetric::data::dates::parse_date_text("2024-03-01", "t", 0).unwrap() as f64;
    let mar = p
        .cohorts
        .iter()
        .find(|r| r.cohort_start == start && r.channel.is_none())
        .unwrap();
    assert_eq!((mar.customers, mar.curve.clone()), (2.0, vec![80.0]));
    let mar_social = p
        .cohorts
        .iter()
        .find(|r| r.cohort_start == start && r.channel.as_deref() == Some("social"))
        .unwrap();
    assert_eq!(mar_social.curve, vec![80.0]);
}

/// Payback and LTV:CAC by attributed channel, counted by hand (margin 0.5, lag 0, UTC).
///
/// Transactions: A 10 Jan 40, 20 Feb 70, 5 Mar 30; B 5 Jan 15, 15 Mar 25; C 20 Jan 60;
/// D 3 Feb 20, 10 Mar 70. Touches: A search 2 Jan and email 10 Jan (linear: 0.5 each), C
/// search 15 Jan (1), D email 1 Feb (1), B none (→ unknown, weight 1). Spend: January search
/// 45, email 30; February email 40, search 30.
///
/// Credited new customers (= `cac.attributed`): January search 0.5 + 1 = 1.5, email 0.5,
/// unknown 1 (B); February email 1. CAC: January all 75 / 3 = 25, search 45 / 1.5 = 30, email
/// 30 / 0.5 = 60, unknown no spend; February all 70 / 1 = 70, email 40 / 1 = 40.
///
/// Margin revenue by months since acquisition: A 20, 35, 15; B 7.5, 0, 12.5; C 30, 0, 0;
/// D 10, 35. January cohort (sizes: all 3, search 1.5, email 0.5, unknown 1):
///   all     57.5, 35, 27.5 → cum ÷ 3: 19.1666…, 30.8333…, 40 → paid back at month 1 (≥ 25)
///   search  0.5·20 + 30 = 40, 0.5·35 = 17.5, 0.5·15 = 7.5 → cum ÷ 1.5: 26.666…, 38.333…,
///           43.333… → month 1 (≥ 30)
///   email   10, 17.5, 7.5 → cum ÷ 0.5: 20, 55, 70 → month 2 (≥ 60)
///   unknown 7.5, 0, 12.5 → 7.5, 7.5, 20, no CAC
/// February cohort (all and email: D alone): 10, 45 → all not yet (< 70), email month 1 (≥ 40).
///
/// Simple payback (customer-months to March: A, B, C 3 each, D 2): all CAC 145 / 4 = 36.25,
/// revenue per customer-month (165 / 0.5) / 11 = 30 → 36.25 / 15 = 29/12; email CAC
/// 70 / 1.5, revenue (80 / 0.5) / (0.5·3 + 2) = 160 / 3.5 → (140/3) / (80/3.5) = 49/24; search
/// CAC 75 / 1.5 = 50, revenue (65 / 0.5) / (1.5·3) = 130 / 4.5 → 50 / (65 / 4.5) = 45/13;
/// unknown no spend, revenue 40 / 3.
///
/// LTV:CAC (historical): all 165 / 4 = 41.25 over 36.25 = 33/29; email (80 / 1.5) over
/// (70 / 1.5) = 8/7; search (65 / 1.5) over 50 = 13/15; unknown LTV 20, no CAC. Per cohort:
/// January all 40 / 25 = 1.6, email 70 / 60 = 7/6, search (65 / 1.5) / 30 = 13/9; February
/// all 45 / 70 = 9/14, email 45 / 40 = 9/8. With a given LTV (A 100, B 10, C 50, D 80): all
/// 240 / 4 over 36.25 = 48/29, email (0.5·100 + 80) / 1.5 over 70 / 1.5 = 13/7, search
/// (0.5·100 + 50) / 1.5 over 50 = 4/3.
/// Expected payback row: customers, CAC, curve, payback months, status.
type CohortWant = (f64, Option<f64>, Vec<f64>, Option<u32>, &'static str);
/// Expected LTV:CAC row: cohort start, channel, customers, LTV, LTV:CAC.
type LtvWant = (Option<f64>, Option<&'static str>, f64, f64, Option<f64>);

#[test]
fn payback_and_ltv_cac_by_attributed_channel() {
    use unimetric::attribution::{
        attribution, AttributionOptions, Journeys, JourneysFromTransactionsOptions, Model,
        TouchColumns,
    };
    use unimetric::cac::AttributedAcquisitions;
    use unimetric::glossary::ParamValue;
    use unimetric::{IdColumn, TimeColumn};
    let tx = Transactions::from_csv(
        b"customer,date,amount\n\
A,2024-01-10T09:00:00Z,40\nA,2024-02-20T10:00:00Z,70\nA,2024-03-05T10:00:00Z,30\n\
B,2024-01-05T10:00:00Z,15\nB,2024-03-15T10:00:00Z,25\n\
C,2024-01-20T10:00:00Z,60\n\
D,2024-02-03T10:00:00Z,20\nD,2024-03-10T10:00:00Z,70\n",
        &ColumnMapping::new("customer", "date", "amount"),
    )
    .unwrap();
    let ms = |s: &str| unimetric::data::dates::parse_date_text(s, "t", 1).unwrap() as f64;
    let ids: Vec<String> = ["A", "A", "C", "D"].map(String::from).to_vec();
    let times = [
        ms("2024-01-02"),
        ms("2024-01-10T09:00:00Z"),
        ms("2024-01-15"),
        ms("2024-02-01"),
    ];
    let channels: Vec<String> = ["search", "email", "search", "email"]
        .map(String::from)
        .to_vec();
    let j = Journeys::from_transactions(
        TouchColumns {
            journey_id: IdColumn::Text(&ids),
            timestamp: TimeColumn::EpochMs(&times),
            channel: &channels,
        },
        &tx,
        &JourneysFromTransactionsOptions::default(),
    )
    .unwrap();
    let r = attribution(
        &j,
        &AttributionOptions {
            models: Some(vec![Model::Linear]),
            credits: true,
            ..AttributionOptions::default()
        },
    )
    .unwrap();
    let spend = Spend::from_csv(
        b"m,ch,a\n2024-01-01,search,45\n2024-01-01,email,30\n2024-02-01,email,40\n2024-02-01,search,30\n",
        &SpendMapping::new("m", "ch", "a"),
    )
    .unwrap();
    let credits = AttributedAcquisitions::from_result(&r, Model::Linear).unwrap();
    assert_eq!(credits.customer, ["A", "A", "C", "D"]);
    let near = |a: f64, b: f64| (a - b).abs() <= 1e-12 * b.abs().max(1.0);
    let curve_is = |got: &[f64], want: &[f64]| {
        assert_eq!(got.len(), want.len(), "{got:?} vs {want:?}");
        assert!(
            got.iter().zip(want).all(|(g, w)| near(*g, *w)),
            "{got:?} vs {want:?}"
        );
    };

    let p = cac_payback(
        &spend,
        &tx,
        &PaybackOptions {
            margin: 0.5,
            attributed: Some(credits.clone()),
            ..PaybackOptions::default()
        },
    )
    .unwrap();
    let jan = unimetric::data::dates::parse_date_text("2024-01-01", "t", 0).unwrap() as f64;
    let feb = unimetric::data::dates::parse_date_text("2024-02-01", "t", 0).unwrap() as f64;
    let order: Vec<(f64, Option<&str>)> = p
        .cohorts
        .iter()
        .map(|c| (c.cohort_start, c.channel.as_deref()))
        .collect();
    assert_eq!(
        order,
        [
            (jan, None),
            (jan, Some("email")),
            (jan, Some("search")),
            (jan, Some("unknown")),
            (feb, None),
            (feb, Some("email")),
        ]
    );
    // (customers, CAC, curve, payback months, status) per row, in that order.
    let want: [CohortWant; 6] = [
        (
            3.0,
            Some(25.0),
            vec![57.5 / 3.0, 92.5 / 3.0, 40.0],
            Some(1),
            "paid_back",
        ),
        (
            0.5,
            Some(60.0),
            vec![20.0, 55.0, 70.0],
            Some(2),
            "paid_back",
        ),
        (
            1.5,
            Some(30.0),
            vec![40.0 / 1.5, 57.5 / 1.5, 65.0 / 1.5],
            Some(1),
            "paid_back",
        ),
        (1.0, None, vec![7.5, 7.5, 20.0], None, "no_cac"),
        (1.0, Some(70.0), vec![10.0, 45.0], None, "not_yet"),
        (1.0, Some(40.0), vec![10.0, 45.0], Some(1), "paid_back"),
    ];
    for (row, (customers, cac, curve, months, status)) in p.cohorts.iter().zip(&want) {
        assert!(near(row.customers, *customers), "{row:?}");
        match (row.cac, cac) {
            (Some(a), Some(b)) => assert!(near(a, *b), "{row:?}"),
            (a, b) => assert_eq!(a, *b, "{row:?}"),
        }
        curve_is(&row.curve, curve);
        assert_eq!((row.payback_months, row.status), (*months, *status));
        assert_eq!(row.definition.metric, "cac.payback");
        assert_eq!(
            row.definition.params["model"],
            ParamValue::Text("linear".into())
        );
    }
    let simple: Vec<(Option<&str>, Option<f64>)> = p
        .simple
        .iter()
        .map(|s| (s.channel.as_deref(), s.value))
        .collect();
    assert_eq!(simple.len(), 4);
    for ((ch, got), (want_ch, want)) in simple.iter().zip([
        (None, Some(29.0 / 12.0)),
        (Some("email"), Some(49.0 / 24.0)),
        (Some("search"), Some(45.0 / 13.0)),
        (Some("unknown"), None),
    ]) {
        assert_eq!(*ch, want_ch);
        match (got, want) {
            (Some(a), Some(b)) => assert!(near(*a, b), "{ch:?}: {a} vs {b}"),
            (a, b) => assert_eq!(*a, b),
        }
    }
    assert!(near(p.simple[0].cac.unwrap(), 36.25));
    assert!(near(p.simple[1].cac.unwrap(), 70.0 / 1.5));
    assert!(near(p.simple[2].monthly_revenue_per_customer, 130.0 / 4.5));
    assert!(near(p.simple[3].monthly_revenue_per_customer, 40.0 / 3.0));
    assert_eq!(p.simple[3].reason, Some("no spend recorded for this group"));
    assert_eq!(
        p.simple[0].definition.params["model"],
        ParamValue::Text("linear".into())
    );

    // The cohort CAC is the channel CAC by attributed channel, at any lag.
    for lag in [0, 1] {
        let t = cac(
            &spend,
            &tx,
            &CacOptions {
                attribution_lag: lag,
                attributed: Some(credits.clone()),
                ..CacOptions::default()
            },
        )
        .unwrap();
        let p = cac_payback(
            &spend,
            &tx,
            &PaybackOptions {
                attribution_lag: lag,
                attributed: Some(credits.clone()),
                ..PaybackOptions::default()
            },
        )
        .unwrap();
        for row in p.cohorts.iter().filter(|r| r.channel.is_some()) {
            let c = t
                .rows
                .iter()
                .find(|x| x.period_start == row.cohort_start && x.channel == row.channel)
                .unwrap();
            assert_eq!(row.cac, c.value, "{row:?} vs {c:?}");
        }
    }

    let l = ltv_to_cac(
        &spend,
        &tx,
        &LtvCacOptions {
            margin: 0.5,
            attributed: Some(credits.clone()),
            ..LtvCacOptions::default()
        },
    )
    .unwrap();
    // (cohort, channel, customers, LTV, LTV:CAC).
    let want: [LtvWant; 10] = [
        (None, None, 4.0, 41.25, Some(33.0 / 29.0)),
        (None, Some("email"), 1.5, 80.0 / 1.5, Some(8.0 / 7.0)),
        (None, Some("search"), 1.5, 65.0 / 1.5, Some(13.0 / 15.0)),
        (None, Some("unknown"), 1.0, 20.0, None),
        (Some(jan), None, 3.0, 40.0, Some(1.6)),
        (Some(jan), Some("email"), 0.5, 70.0, Some(7.0 / 6.0)),
        (Some(jan), Some("search"), 1.5, 65.0 / 1.5, Some(13.0 / 9.0)),
        (Some(jan), Some("unknown"), 1.0, 20.0, None),
        (Some(feb), None, 1.0, 45.0, Some(9.0 / 14.0)),
        (Some(feb), Some("email"), 1.0, 45.0, Some(9.0 / 8.0)),
    ];
    assert_eq!(l.rows.len(), want.len(), "{:?}", l.rows);
    let month_start = |m: Option<i64>| {
        m.map(|m| {
            p.cohorts
                .iter()
                .find(|c| c.cohort == m)
                .map(|c| c.cohort_start)
                .unwrap()
        })
    };
    let check_rows = |rows: &[unimetric::cac::LtvCacRow], want: &[LtvWant]| {
        for (row, (cohort, channel, customers, ltv, value)) in rows.iter().zip(want) {
            assert_eq!(
                (month_start(row.cohort), row.channel.as_deref()),
                (*cohort, *channel)
            );
            assert!(near(row.customers, *customers), "{row:?}");
            assert!(near(row.ltv, *ltv), "{row:?}");
            match (row.value, value) {
                (Some(a), Some(b)) => assert!(near(a, *b), "{row:?}"),
                (a, b) => assert_eq!(a, *b, "{row:?}"),
            }
            assert_eq!(
                row.definition.params["model"],
                ParamValue::Text("linear".into())
            );
        }
    };
    check_rows(&l.rows, &want);
    assert_eq!(
        l.rows[0].definition.params["ltv"],
        ParamValue::Text("ltv.historical".into())
    );

    let given = ltv_to_cac(
        &spend,
        &tx,
        &LtvCacOptions {
            margin: 0.5,
            attributed: Some(credits.clone()),
            ltv: LtvSource::PerCustomer {
                customer_id: ["A", "B", "C", "D"].map(String::from).to_vec(),
                value: vec![100.0, 10.0, 50.0, 80.0],
                metric: "ltv.clv".into(),
            },
            ..LtvCacOptions::default()
        },
    )
    .unwrap();
    check_rows(
        &given.rows[..3],
        &[
            (None, None, 4.0, 60.0, Some(48.0 / 29.0)),
            (None, Some("email"), 1.5, 130.0 / 1.5, Some(13.0 / 7.0)),
            (None, Some("search"), 1.5, 100.0 / 1.5, Some(4.0 / 3.0)),
        ],
    );

    // Refused: credits without customers, credits with an acquisition table; results without
    // credits or without times are refused when the credits are read.
    let mut anonymous = credits.clone();
    anonymous.customer.clear();
    let e = cac_payback(
        &spend,
        &tx,
        &PaybackOptions {
            attributed: Some(anonymous.clone()),
            ..PaybackOptions::default()
        },
    )
    .unwrap_err();
    assert_eq!(
        (e.code(), e.column()),
        ("E_BAD_OPTION", Some("attribution"))
    );
    let e = ltv_to_cac(
        &spend,
        &tx,
        &LtvCacOptions {
            attributed: Some(anonymous),
            ..LtvCacOptions::default()
        },
    )
    .unwrap_err();
    assert_eq!(e.code(), "E_BAD_OPTION");
    let table = unimetric::cac::AcquisitionTable {
        customer_id: vec!["A".into()],
        channel: vec!["search".into()],
    };
    let e = cac_payback(
        &spend,
        &tx,
        &PaybackOptions {
            attributed: Some(credits.clone()),
            acquisition: Some(table.clone()),
            ..PaybackOptions::default()
        },
    )
    .unwrap_err();
    assert_eq!(
        (e.code(), e.column()),
        ("E_BAD_OPTION", Some("attribution"))
    );
    let e = ltv_to_cac(
        &spend,
        &tx,
        &LtvCacOptions {
            attributed: Some(credits.clone()),
            acquisition: Some(table),
            ..LtvCacOptions::default()
        },
    )
    .unwrap_err();
    assert_eq!(
        (e.code(), e.column()),
        ("E_BAD_OPTION", Some("attribution"))
    );
    let mut short = credits.clone();
    short.customer.pop();
    let e = cac_payback(
        &spend,
        &tx,
        &PaybackOptions {
            attributed: Some(short),
            ..PaybackOptions::default()
        },
    )
    .unwrap_err();
    assert_eq!(e.code(), "E_LENGTH_MISMATCH");
    let plain = attribution(
        &j,
        &AttributionOptions {
            models: Some(vec![Model::Linear]),
            ..AttributionOptions::default()
        },
    )
    .unwrap();
    let e = AttributedAcquisitions::from_result(&plain, Model::Linear).unwrap_err();
    assert_eq!(
        (e.code(), e.column()),
        ("E_BAD_OPTION", Some("attribution"))
    );
    let paths = Journeys::from_paths(
        &unimetric::attribution::JourneyPaths {
            path: vec!["search > email".into()],
            conversions: vec![1.0],
            value: None,
            nulls: None,
        },
        &unimetric::attribution::PathOptions::default(),
    )
    .unwrap();
    let aggregated = attribution(
        &paths,
        &AttributionOptions {
            models: Some(vec![Model::Linear]),
            credits: true,
            ..AttributionOptions::default()
        },
    )
    .unwrap();
    let e = AttributedAcquisitions::from_result(&aggregated, Model::Linear).unwrap_err();
    assert_eq!(
        (e.code(), e.column()),
        ("E_BAD_OPTION", Some("attribution"))
    );
}

/// Without attribution the shares are one channel at weight 1: the payback of the fixture is
/// that of `payback_from_cohort_curves`, and giving every customer its own channel by credits
/// of weight 1 reproduces the unattributed channel rows exactly.
#[test]
fn payback_credits_of_weight_one_match_the_first_purchase_channel() {
    use unimetric::cac::AttributedAcquisitions;
    let (spend, tx) = data();
    let plain = cac_payback(&spend, &tx, &PaybackOptions::default()).unwrap();
    // Credits of weight 1 for each acquired customer's first-purchase channel, at the time of
    // the first purchase; the customers without a channel are left to "unknown".
    let first: std::collections::BTreeMap<String, (f64, String)> = {
        let text = std::str::from_utf8(include_bytes!("fixtures/cac_transactions.csv")).unwrap();
        let mut m = std::collections::BTreeMap::new();
        let mut lines = text.lines();
        let head: Vec<&str> = lines.next().unwrap().split(',').collect();
        let col = |n: &str| head.iter().position(|h| *h == n).unwrap();
        let (ci, di, ai, chi) = (col("customer"), col("date"), col("amount"), col("channel"));
        for line in lines.filter(|l| !l.trim().is_empty()) {
            let f: Vec<&str> = line.split(',').collect();
            if f[ai].trim().parse::<f64>().unwrap() < 0.0 {
                continue;
            }
            let t = unimetric::data::dates::parse_date_text(f[di], "t", 1).unwrap() as f64;
            let e = m
                .entry(f[ci].to_string())
                .or_insert((t, f[chi].trim().to_string()));
            if t < e.0 {
                *e = (t, f[chi].trim().to_string());
            }
        }
        m
    };
    let mut channels: Vec<String> = first
        .values()
        .filter(|v| !v.1.is_empty())
        .map(|v| v.1.clone())
        .collect();
    channels.sort();
    channels.dedup();
    let mut credits = AttributedAcquisitions {
        model: "lastTouch".into(),
        channels: channels.clone(),
        ..AttributedAcquisitions::default()
    };
    for (id, (t, ch)) in &first {
        if let Some(c) = channels.iter().position(|x| x == ch) {
            credits.customer.push(id.clone());
            credits.time.push(*t);
            credits.channel.push(c as u32);
            credits.weight.push(1.0);
        }
    }
    let attributed = cac_payback(
        &spend,
        &tx,
        &PaybackOptions {
            attributed: Some(credits),
            ..PaybackOptions::default()
        },
    )
    .unwrap();
    assert_eq!(attributed.cohorts.len(), plain.cohorts.len());
    for (a, b) in attributed.cohorts.iter().zip(&plain.cohorts) {
        assert_eq!(
            (&a.channel, a.customers, a.cac, &a.curve, a.payback_months),
            (&b.channel, b.customers, b.cac, &b.curve, b.payback_months)
        );
    }
    for (a, b) in attributed.simple.iter().zip(&plain.simple) {
        assert_eq!((&a.channel, a.cac, a.value), (&b.channel, b.cac, b.value));
    }
}
