//! The incidents planted in the bundled sample (`unimetric::sim::plant_incidents`: a promotion
//! on 2025-11-28; every repeat order of paid_search, paid_social and email customers on
//! 2025-12-09 lost) are what the anomaly flags find there, and the explanation puts the gap on
//! the channels that lost their orders.

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
    assert!(total.contains(&(drop[0], -1)), "{total:?}");
    // In the last 30 days, nothing else in the total is flagged below the band.
    let last = (s.time[s.time.len() - 1] / 86_400_000.0) as i64;
    let down: Vec<i64> = total
        .iter()
        .filter(|&&(d, dir)| dir < 0 && d > last - 30)
        .map(|&(d, _)| d)
        .collect();
    assert_eq!(down, drop);
    // The explanation of the loss puts the gap on the three channels that lost their orders.
    let e = explain_anomaly(
        &tx,
        None,
        &ExplainTarget {
            metric: "orders.count".into(),
            at: Some(When::Date(drop[0])),
            by: Some("channel".into()),
            ..ExplainTarget::default()
        },
        &AnomalyOptions::default(),
    )
    .unwrap();
    assert!(e.flagged);
    let lost = ["paid_search", "paid_social", "email"];
    assert!(
        lost.contains(&e.contributions[0].value.as_str()),
        "{}",
        e.sentence
    );
    let share: f64 = e
        .contributions
        .iter()
        .filter(|c| lost.contains(&c.value.as_str()))
        .map(|c| c.share)
        .sum();
    assert!(share > 0.8, "{share}: {}", e.sentence);
}
