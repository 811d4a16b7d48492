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
