//! The incidents planted in the bundled sample (`unimetric::sim::plant_incidents`: a promotion
//! on 2025-11-28, every paid_search order of 9–11 December 2025 lost) are what the anomaly
//! flags find there, and the explanation names the channel that lost its orders.

use unimetric::anomaly::explain::{explain_anomaly, ExplainTarget};
use unimetric::anomaly::{detect_anomalies, AnomalyOptions, AnomalySeries};
use unimetric::data::When;
use unimetric::kpi_series::{kpi_series, KpiSeriesOptions};
use unimetric::sim::{IncidentParams, SimParams};
use unimetric::{ColumnMapping, Transactions};

fn sample() -> Transactions {
    let mut m = ColumnMapping::new("customer_id", "order_date", "amount");
    m.order_id = Some("order_id".into());
    m.channel = Some("channel".into());
    Transactions::from_csv(include_bytes!("../www/data/transactions.csv"), &m).unwrap()
}

/// Days (since the epoch) of the planted incidents, from the simulator's defaults.
fn planted() -> (i64, Vec<i64>) {
    let p = SimParams::default();
    let i = IncidentParams::default();
    let day0 = p.start_ms / 86_400_000;
    (
        day0 + i.promo_day,
        (0..i.drop_days).map(|k| day0 + i.drop_day + k).collect(),
    )
}

/// Flagged days (since the epoch) with their direction.
fn flags(time: &[f64], value: &[f64]) -> Vec<(i64, i8)> {
    let r = detect_anomalies(
        &AnomalySeries {
            time: time.to_vec(),
            value: value.to_vec(),
            denominator: None,
        },
        &AnomalyOptions::default(),
    )
    .unwrap();
    (0..time.len())
        .filter(|&i| r.flagged[i] == 1)
        .map(|i| ((time[i] / 86_400_000.0) as i64, r.direction[i]))
        .collect()
}

#[test]
fn the_planted_incidents_are_flagged() {
    let tx = sample();
    let (promo, drop) = planted();
    assert_eq!(promo, 20_420); // 2025-11-28
    let s = kpi_series(
        &tx,
        &KpiSeriesOptions {
            metrics: Some(vec!["orders.count".into()]),
            by: Some("channel".into()),
            ..KpiSeriesOptions::default()
        },
    )
    .unwrap();
    let total = flags(&s.time, &s.series["orders.count"].value);
    assert!(total.contains(&(promo, 1)), "{total:?}");
    // The loss is 28 % of a day's orders at most, against a band of about ±20 %: the two
    // later days are flagged in the total (the first is within its band).
    assert!(
        total.contains(&(drop[1], -1)) && total.contains(&(drop[2], -1)),
        "{total:?}"
    );
    // In paid_search's own series, every day of the loss.
    let by = s.by.as_ref().unwrap();
    let search = flags(&s.time, &by["paid_search"]["orders.count"].value);
    for d in &drop {
        assert!(search.contains(&(*d, -1)), "{d}: {search:?}");
    }
    // The explanation of the loss names paid_search first.
    for d in &drop[1..] {
        let e = explain_anomaly(
            &tx,
            None,
            &ExplainTarget {
                metric: "orders.count".into(),
                at: Some(When::Date(*d)),
                by: Some("channel".into()),
                ..ExplainTarget::default()
            },
            &AnomalyOptions::default(),
        )
        .unwrap();
        assert!(e.flagged);
        assert_eq!(e.contributions[0].value, "paid_search", "{}", e.sentence);
        assert!(e.contributions[0].share > 0.5, "{}", e.sentence);
    }
}
