//! The purchase rule (`summary::is_purchase`: amount ≥ 0 is a purchase, $0.00 orders included;
//! a period with a purchase is a purchase period whatever its net amount; refund-only periods
//! are not) through every consumer: the summary, the KPIs, CAC acquisitions, churn labels and
//! features, and historical LTV cohorts. One hand-counted table:
//!
//! | customer | date       | amount | channel |
//! |----------|------------|--------|---------|
//! | z        | 2024-01-05 | 0.00   | search  |   a free first order: z's acquisition
//! | z        | 2024-02-10 | 10     | search  |
//! | r        | 2024-01-07 | −5     | search  |   refund only: never a customer
//! | p        | 2024-01-08 | 20     | organic |
//! | p        | 2024-02-20 | 15     | organic |   refunded the same day: nets 0, still a purchase
//! | p        | 2024-02-20 | −15    | organic |
//!
//! Under the old rule (net amount > 0) z would be acquired on Feb 10 and p's Feb 20 would not
//! count; the expected values below differ from that rule's wherever noted.

use unimetric::cac::{cac, CacOptions, Variant};
use unimetric::churn::{churn_features, FeatureOptions};
use unimetric::data::spend::{Spend, SpendMapping};
use unimetric::kpi::Kpis;
use unimetric::ltv::historical::{historical_ltv, HistoricalOptions};
use unimetric::summary::{CustomerSummary, SummaryOptions};
use unimetric::{ColumnMapping, CustomerKeys, Transactions};

const CSV: &str = "c,d,a,ch\n\
                   z,2024-01-05,0.00,search\n\
                   z,2024-02-10,10,search\n\
                   r,2024-01-07,-5,search\n\
                   p,2024-01-08,20,organic\n\
                   p,2024-02-20,15,organic\n\
                   p,2024-02-20,-15,organic\n";

fn tx() -> Transactions {
    let m = ColumnMapping {
        channel: Some("ch".into()),
        ..ColumnMapping::new("c", "d", "a")
    };
    Transactions::from_csv(CSV.as_bytes(), &m).unwrap()
}

fn ms(date: &str) -> i64 {
    unimetric::data::dates::parse_date_text(date, "test", 0).unwrap()
}

/// Summary, day periods, observation end = last transaction (Feb 20). Customers in natural
/// order: p, z. p: purchase days Jan 8, Feb 20 (net 0) → frequency 1 (old rule 0), recency 43,
/// T 43, monetary 0, orders 2 (rows with amount ≥ 0), revenue 20. z: Jan 5 ($0), Feb 10 →
/// frequency 1 (old rule 0), recency 36, T 46 (old rule 10), monetary 10, orders 2, revenue 10.
/// r: refunds only → excluded.
#[test]
fn summary_and_kpis() {
    let tx = tx();
    let s = CustomerSummary::from_transactions(&tx, &SummaryOptions::default()).unwrap();
    assert_eq!(
        s.customer_id,
        CustomerKeys::Text(vec!["p".into(), "z".into()])
    );
    assert_eq!(s.frequency, vec![1.0, 1.0]);
    assert_eq!(s.recency, vec![43.0, 36.0]);
    assert_eq!(s.t, vec![43.0, 46.0]);
    assert_eq!(s.monetary_value, vec![0.0, 10.0]);
    let d = s.details.as_ref().unwrap();
    assert_eq!(d.orders, vec![2.0, 2.0]);
    assert_eq!(d.revenue, vec![20.0, 10.0]);
    assert_eq!(d.first_purchase[1], ms("2024-01-05") as f64);
    assert_eq!(s.excluded_customers, 1);
    // KPIs: 2 customers, 4 orders, revenue 0 + 10 − 5 + 20 + 15 − 15 = 25 (every transaction
    // in the window), repeat rate 2/2.
    let k = Kpis::compute(&tx, &SummaryOptions::default()).unwrap();
    assert_eq!(k.get("customers"), Some(2.0));
    assert_eq!(k.get("orders"), Some(4.0));
    assert_eq!(k.get("revenue"), Some(25.0));
    assert_eq!(k.get("averageOrderValue"), Some(6.25));
    assert_eq!(k.get("repeatPurchaseRate"), Some(1.0));
}

/// CAC by month with 100 of search spend in January: z (search, Jan 5) and p (organic, Jan 8)
/// are January's new customers → blended 100 / 2 = 50 (old rule: 1 new customer, 100); search
/// 100 / 1 = 100 (old rule: none in January).
#[test]
fn cac_acquires_at_the_free_first_order() {
    let spend = Spend::from_csv(
        b"m,ch,a\n2024-01-01,search,100\n",
        &SpendMapping::new("m", "ch", "a"),
    )
    .unwrap();
    let t = cac(&spend, &tx(), &CacOptions::default()).unwrap();
    let january = ms("2024-01-01") as f64;
    let row = |variant: Variant, channel: Option<&str>| {
        t.rows
            .iter()
            .find(|r| {
                r.period_start == january && r.variant == variant && r.channel.as_deref() == channel
            })
            .unwrap()
    };
    let blended = row(Variant::Blended, None);
    assert_eq!((blended.new_customers, blended.value), (2.0, Some(50.0)));
    let search = row(Variant::Channel, Some("search"));
    assert_eq!((search.new_customers, search.value), (1.0, Some(100.0)));
}

/// Churn at cutoff Jan 31 with a 20-day horizon (Feb 1 – Feb 20; the data reach Feb 20, so
/// labels exist). Rows p, z. p: recencyDays 23, frequency 0, monetary 20, tenureDays 23; buys
/// on Feb 20 (net 0, a purchase day) → not churned (old rule: churned). z: recencyDays 26,
/// frequency 0, monetary 0, tenureDays 26 (old rule: z absent, no purchase by the cutoff);
/// buys Feb 10 → not churned.
#[test]
fn churn_labels_and_features() {
    let f = churn_features(
        &tx(),
        &FeatureOptions {
            horizon_days: 20,
            ..FeatureOptions::new(ms("2024-01-31"))
        },
    )
    .unwrap();
    assert_eq!(f.customer_id, vec!["p".to_string(), "z".to_string()]);
    assert_eq!(f.labels, Some(vec![false, false]));
    let at = |row: usize, name: &str| {
        let j = f.names.iter().position(|n| n == name).unwrap();
        f.values[row * f.names.len() + j]
    };
    let cols = ["recencyDays", "frequency", "monetary", "tenureDays"];
    assert_eq!(cols.map(|c| at(0, c)), [23.0, 0.0, 20.0, 23.0]);
    assert_eq!(cols.map(|c| at(1, c)), [26.0, 0.0, 0.0, 26.0]);
}

/// Historical LTV: both customers are acquired in January 2024 (old rule: z in February).
#[test]
fn historical_ltv_cohorts_start_at_the_free_first_order() {
    let h = historical_ltv(&tx(), &HistoricalOptions::default()).unwrap();
    assert_eq!(
        h.customer_id,
        CustomerKeys::Text(vec!["p".into(), "z".into()])
    );
    let january = ms("2024-01-01") as f64;
    assert_eq!(h.acquisition_month, vec![january, january]);
    assert_eq!(h.ltv, vec![20.0, 10.0]);
}
