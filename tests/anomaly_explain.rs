//! `explain_anomaly` against planted gaps: daily series in two or three channels with a weekly
//! pattern and small deterministic wiggles, one day where chosen channels fall by chosen
//! amounts. The shares of the gap are those amounts' shares (up to the wiggles), the sentence
//! says so, and the action log's notes land in their buckets. Coded errors for the options.

use unimetric::anomaly::explain::{explain_anomaly, ExplainTarget};
use unimetric::anomaly::AnomalyOptions;
use unimetric::data::traffic::{Traffic, TrafficMapping};
use unimetric::data::When;
use unimetric::kpi_series::{kpi_series, Annotation, Bucket, KpiSeriesOptions};
use unimetric::{ColumnMapping, Transactions};

/// 2024-01-01 as days since the epoch.
const JAN1: i64 = 19_723;
/// The planted day: 2024-02-10 (day 40).
const AT: u64 = 40;

fn date(day: u64) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + chrono::Days::new(day)
}

/// A small deterministic wiggle in [−2, 2] (so the robust scale is not 0).
fn wiggle(day: u64, salt: u64) -> f64 {
    ((day * 7 + salt * 13) % 5) as f64 - 2.0
}

/// 56 days of revenue in `channels` (one order per customer, amount = that day's revenue share):
/// each channel's daily revenue is 200 + a weekly pattern + a wiggle, less `drop[c]` on day 40.
fn revenue_tx(channels: &[&str], drop: &[f64]) -> Transactions {
    let weekly = [30.0, 10.0, 0.0, -5.0, -10.0, -20.0, 5.0];
    let mut csv = String::from("customer,date,amount,channel\n");
    let mut id = 0;
    for day in 0..56u64 {
        for (c, name) in channels.iter().enumerate() {
            let mut v = 200.0 + weekly[(day % 7) as usize] + wiggle(day, c as u64);
            if day == AT {
                v -= drop[c];
            }
            // Two orders per channel and day, halves of the day's revenue.
            for _ in 0..2 {
                id += 1;
                csv.push_str(&format!("{id},{},{},{name}\n", date(day), v / 2.0));
            }
        }
    }
    let mut m = ColumnMapping::new("customer", "date", "amount");
    m.channel = Some("channel".into());
    Transactions::from_csv(csv.as_bytes(), &m).unwrap()
}

fn target(metric: &str) -> ExplainTarget {
    ExplainTarget {
        metric: metric.into(),
        at: Some(When::Date(JAN1 + AT as i64)),
        by: Some("channel".into()),
        ..ExplainTarget::default()
    }
}

fn explain(tx: &Transactions, t: &ExplainTarget) -> unimetric::anomaly::explain::Explanation {
    explain_anomaly(tx, None, t, &AnomalyOptions::default()).unwrap()
}

#[test]
fn revenue_gap_shared_as_planted() {
    // Email falls by 90, search by 30, display not at all: 75 % and 25 % of a 120 gap.
    let tx = revenue_tx(&["display", "email", "search"], &[0.0, 90.0, 30.0]);
    let e = explain(&tx, &target("revenue.net"));
    assert!(e.flagged, "{e:?}");
    assert_eq!(e.direction, -1);
    assert_eq!(e.index, AT as usize);
    assert_eq!(e.time, ((JAN1 + AT as i64) * 86_400_000) as f64);
    // The wiggles are at most 2 per channel: the expectation is the planted level within that.
    assert!((e.gap + 120.0).abs() < 6.0, "gap {}", e.gap);
    let names: Vec<&str> = e.contributions.iter().map(|c| c.value.as_str()).collect();
    assert_eq!(names, ["email", "search", "display"]);
    let share = |v: &str| e.contributions.iter().find(|c| c.value == v).unwrap().share;
    assert!((share("email") - 0.75).abs() < 0.04, "{}", share("email"));
    assert!((share("search") - 0.25).abs() < 0.04, "{}", share("search"));
    assert!(share("display").abs() < 0.04, "{}", share("display"));
    // Revenue adds up over channels: the values' expectations account for the total's gap.
    assert!(e.unexplained.abs() < 6.0, "unexplained {}", e.unexplained);
    for c in &e.contributions {
        assert!((c.contribution - (c.observed - c.expected)).abs() < 1e-9);
    }
    // The sentence, with the figures it must carry.
    // Day 40 is a Saturday (weekly term −20): 3 × 180 expected, 120 below.
    let rel = (-e.gap / e.expected * 100.0).round();
    assert!((rel - 120.0 / 540.0 * 100.0).abs() <= 1.0, "{rel}");
    let want_start = format!("Revenue on 10 Feb 2024 is {rel} % below expected (band −");
    assert!(e.sentence.starts_with(&want_start), "{}", e.sentence);
    let tail = format!(
        "; email accounts for {} % of the gap, search for {} %.",
        (share("email") * 100.0).round(),
        (share("search") * 100.0).round()
    );
    assert!(e.sentence.ends_with(&tail), "{}", e.sentence);
    assert_eq!(e.definition.metric, "anomaly.detect");
    assert_eq!(e.series_definition.metric, "revenue.net");
}

#[test]
fn an_ordinary_day_is_within_the_band() {
    let tx = revenue_tx(&["email", "search"], &[0.0, 0.0]);
    let e = explain(&tx, &target("revenue.net"));
    assert!(!e.flagged);
    assert_eq!(e.direction, 0);
    assert!(e.gap.abs() < 6.0);
    assert!(
        e.sentence.contains(", within the expected band") && !e.sentence.contains("accounts"),
        "{}",
        e.sentence
    );
}

#[test]
fn conversion_rate_gap_is_the_rate_effect() {
    // Two channels, 1,000 visits a day each, 50 orders each (5 %); on day 40 email converts 10
    // (1 %): the total rate falls from 5 % to 3 %, all of it email's.
    let mut csv = String::from("customer,date,amount,channel\n");
    let mut visits = String::from("date,channel,visits\n");
    let mut id = 0;
    for day in 0..56u64 {
        for (c, name) in ["email", "search"].iter().enumerate() {
            let w = wiggle(day, c as u64);
            let orders = if day == AT && *name == "email" {
                10
            } else {
                (50.0 + w) as u64
            };
            for _ in 0..orders {
                id += 1;
                csv.push_str(&format!("{id},{},10,{name}\n", date(day)));
            }
            visits.push_str(&format!("{},{name},{}\n", date(day), 1000.0 + 3.0 * w));
        }
    }
    let mut m = ColumnMapping::new("customer", "date", "amount");
    m.channel = Some("channel".into());
    let tx = Transactions::from_csv(csv.as_bytes(), &m).unwrap();
    let mut tm = TrafficMapping::new("date", "visits");
    tm.channel = Some("channel".into());
    let traffic = Traffic::from_csv(visits.as_bytes(), &tm).unwrap();
    let e = explain_anomaly(
        &tx,
        Some(&traffic),
        &target("traffic.conversion_rate"),
        &AnomalyOptions::default(),
    )
    .unwrap();
    assert!(e.flagged, "{e:?}");
    assert!((e.observed - 60.0 / 2000.0).abs() < 0.002, "{}", e.observed);
    assert!((e.expected - 0.05).abs() < 0.002, "{}", e.expected);
    let email = &e.contributions[0];
    assert_eq!(email.value, "email");
    // (10 − 5 % × visits) ÷ the total visits of the day.
    assert!((email.contribution - (10.0 - 50.0) / 2000.0).abs() < 0.002);
    assert!((email.share - 1.0).abs() < 0.08, "{}", email.share);
    assert!(e.contributions[1].share.abs() < 0.08);
    // Observed (10 + 51) ÷ 2,003 visits = 3.05 % against 5 %: 39 % below.
    let rel = (-e.gap / e.expected * 100.0).round();
    assert!((rel - 39.0).abs() <= 1.0, "{rel}");
    assert!(
        e.sentence.starts_with(&format!(
            "Conversion rate on 10 Feb 2024 is {rel} % below expected"
        )),
        "{}",
        e.sentence
    );
}

#[test]
fn annotations_land_in_their_buckets() {
    let tx = revenue_tx(&["email", "search"], &[90.0, 0.0]);
    let notes = vec![
        Annotation {
            date: When::Date(JAN1 + 41), // Sunday 11 Feb: the week of Mon 5 Feb
            text: " email platform migration ".into(),
            author: Some("Ana".into()),
        },
        Annotation {
            date: When::Date(JAN1 + 2),
            text: "launched winter sale".into(),
            author: None,
        },
        Annotation {
            date: When::Date(JAN1 + 400),
            text: "after the data".into(),
            author: Some(" ".into()),
        },
    ];
    let s = kpi_series(
        &tx,
        &KpiSeriesOptions {
            bucket: Bucket::Week,
            annotations: Some(notes.clone()),
            ..KpiSeriesOptions::default()
        },
    )
    .unwrap();
    // 2024-01-01 is a Monday: weeks start on day 0, 7, …; day 41 is in week 5, day 2 in week 0.
    let marks: Vec<(Option<usize>, &str, Option<&str>)> = s
        .annotations
        .iter()
        .map(|a| (a.bucket, a.text.as_str(), a.author.as_deref()))
        .collect();
    assert_eq!(
        marks,
        [
            (Some(0), "launched winter sale", None),
            (Some(5), "email platform migration", Some("Ana")),
            (None, "after the data", None),
        ]
    );
    assert_eq!(s.annotations[1].time, ((JAN1 + 41) * 86_400_000) as f64);

    // The explanation of day 40 does not carry the day-41 note; of day 41 it does.
    let mut t = target("revenue.net");
    t.annotations = Some(notes);
    let e = explain(&tx, &t);
    assert!(e.annotations.is_empty());
    t.at = Some(When::Date(JAN1 + 41));
    let e = explain(&tx, &t);
    assert_eq!(e.annotations.len(), 1);
    assert!(
        e.sentence
            .ends_with(" Noted: “email platform migration” (Ana)."),
        "{}",
        e.sentence
    );
}

#[test]
fn weekly_buckets_are_named_as_weeks() {
    let tx = revenue_tx(&["email", "search"], &[0.0, 0.0]);
    let mut t = target("orders.count");
    t.bucket = Bucket::Week;
    t.at = Some(When::Date(JAN1 + 17)); // Thursday 18 Jan, the week of Mon 15 Jan
                                        // Eight weekly points: too short for a season, a trend-only decomposition.
    let e = explain(&tx, &t);
    assert_eq!(e.index, 2);
    assert!(
        e.sentence
            .starts_with("Orders in the week of 15 Jan 2024 are "),
        "{}",
        e.sentence
    );
}

#[test]
fn coded_errors() {
    let tx = revenue_tx(&["email", "search"], &[0.0, 0.0]);
    let code = |t: &ExplainTarget, o: &AnomalyOptions| {
        let e = explain_anomaly(&tx, None, t, o).unwrap_err();
        let text = e.to_string();
        (e.code(), text)
    };
    let d = AnomalyOptions::default();
    let mut t = target("revenue.net");
    t.at = None;
    let (c, m) = code(&t, &d);
    assert_eq!(c, "E_BAD_OPTION");
    assert!(m.contains("at"), "{m}");
    let mut t = target("revenue.net");
    t.at = Some(When::Date(JAN1 + 90));
    let (c, m) = code(&t, &d);
    assert_eq!(c, "E_BAD_OPTION");
    assert!(m.contains("outside the series"), "{m}");
    let mut t = target("revenue.net");
    t.at = Some(When::Date(JAN1 - 1));
    assert_eq!(code(&t, &d).0, "E_BAD_OPTION");
    let mut t = target("revenue.net");
    t.by = None;
    let (c, m) = code(&t, &d);
    assert_eq!(c, "E_BAD_OPTION");
    assert!(m.contains("by"), "{m}");
    let mut t = target("revenue.net");
    t.by = Some("country".into());
    let (c, m) = code(&t, &d);
    assert_eq!(c, "E_BAD_OPTION");
    assert!(m.contains("by"), "{m}");
    let (c, m) = code(&target("revenue.gross"), &d);
    assert_eq!(c, "E_BAD_OPTION");
    assert!(m.contains("metric"), "{m}");
    // The rate needs traffic: the option named is `metric`.
    let (c, m) = code(&target("traffic.conversion_rate"), &d);
    assert_eq!(c, "E_BAD_OPTION");
    assert!(m.contains("metric") && m.contains("traffic"), "{m}");
    let bad = AnomalyOptions {
        sensitivity: 2.0,
        ..AnomalyOptions::default()
    };
    let (c, m) = code(&target("revenue.net"), &bad);
    assert_eq!(c, "E_BAD_OPTION");
    assert!(m.contains("sensitivity"), "{m}");
    let mut t = target("revenue.net");
    t.annotations = Some(vec![Annotation {
        date: When::Date(JAN1),
        text: "   ".into(),
        author: None,
    }]);
    let (c, m) = code(&t, &d);
    assert_eq!(c, "E_BAD_OPTION");
    assert!(m.contains("annotations[0].text"), "{m}");
}
