//! KPI series against hand counts (every metric with `previous` and `lastYear`, refunds, a $0
//! order, an empty bucket, a time zone whose local day differs from UTC, a year of history,
//! order ids, a channel split), coded errors for bad options, and an independent pandas
//! computation on the bundled sample data (`tests/fixtures/peers/kpi_series_pandas.json`,
//! written by `kpi_series_pandas.py` beside it).

use unimetric::data::traffic::{Traffic, TrafficMapping};
use unimetric::data::When;
use unimetric::kpi_series::{
    kpi_series, kpi_series_with_traffic, Bucket, KpiSeries, KpiSeriesOptions,
};
use unimetric::{ColumnMapping, TimeColumn, Transactions};

const N: f64 = f64::NAN;
const DAY: f64 = 86_400_000.0;

fn load(csv: &str, extra: &[&str]) -> Transactions {
    let mut m = ColumnMapping::new("customer", "date", "amount");
    if extra.contains(&"channel") {
        m.channel = Some("channel".into());
    }
    if extra.contains(&"order") {
        m.order_id = Some("order".into());
    }
    if extra.contains(&"country") {
        m.dimensions = vec!["country".into()];
    }
    Transactions::from_csv(csv.as_bytes(), &m).unwrap()
}

/// Equal element by element, NaN equal to NaN.
fn same(got: &[f64], want: &[f64], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: {got:?} vs {want:?}");
    for (i, (a, b)) in got.iter().zip(want).enumerate() {
        let ok = if b.is_nan() {
            a.is_nan()
        } else {
            (a - b).abs() <= 1e-12 * b.abs().max(1.0)
        };
        assert!(ok, "{what}[{i}]: {a} vs {b} (got {got:?})");
    }
}

fn check(s: &KpiSeries, metric: &str, value: &[f64], previous: &[f64], last_year: &[f64]) {
    let m = &s.series[metric];
    same(&m.value, value, &format!("{metric} value"));
    same(&m.previous, previous, &format!("{metric} previous"));
    same(&m.last_year, last_year, &format!("{metric} lastYear"));
}

/// The hand-counted fixture, in America/New_York (UTC−5 in January).
///
/// | customer | rows (UTC instant → local day, amount)                           |
/// |----------|------------------------------------------------------------------|
/// | A        | 01-02T03:00Z → Jan 1 (22:00 local) 50 · 01-02T18:00Z → Jan 2 −10 (refund) · 01-04T16:00Z → Jan 4 30 |
/// | B        | 01-01T15:00Z → Jan 1 20 · 01-05T04:00Z → Jan 4 (23:00 local) 40  |
/// | C        | 01-02T20:00Z → Jan 2 0 (a $0 order is a purchase)                |
/// | D        | 01-04T17:00Z → Jan 4 25                                          |
///
/// Local days Jan 1 … Jan 4, Jan 3 empty.
/// - revenue: Jan 1 50 + 20 = 70; Jan 2 −10 + 0 = −10; Jan 3 0; Jan 4 30 + 40 + 25 = 95.
/// - orders: 2; 1 (C's $0 order; the refund is none); 0; 3. AOV: 35; −10; 0 (no order); 95/3.
/// - active: {A, B} 2; {C} 1 (A's refund is not activity); 0; {A, B, D} 3.
/// - new: A, B 2; C 1; 0; D 1. repeat share: 0/2; 0/1; 0 (none active); {A, B}/3 = 2/3.
/// - previous: NaN for Jan 1 (nothing before the data), then the day before; lastYear all NaN.
const FIXTURE: &str = "customer,date,amount
A,2024-01-02T03:00:00Z,50
B,2024-01-01T15:00:00Z,20
A,2024-01-02T18:00:00Z,-10
C,2024-01-02T20:00:00Z,0
A,2024-01-04T16:00:00Z,30
B,2024-01-05T04:00:00Z,40
D,2024-01-04T17:00:00Z,25
";

#[test]
fn hand_counted_days_in_a_time_zone() {
    let tx = load(FIXTURE, &[]);
    let opts = KpiSeriesOptions {
        timezone: Some(unimetric::data::Zone::parse("America/New_York").unwrap()),
        ..Default::default()
    };
    let s = kpi_series(&tx, &opts).unwrap();
    // Local midnight of 2024-01-01 in New York is 05:00 UTC.
    let t0 = 1_704_085_200_000.0;
    assert_eq!(s.time, [t0, t0 + DAY, t0 + 2.0 * DAY, t0 + 3.0 * DAY]);
    let ly = [N, N, N, N];
    check(
        &s,
        "revenue.net",
        &[70.0, -10.0, 0.0, 95.0],
        &[N, 70.0, -10.0, 0.0],
        &ly,
    );
    check(
        &s,
        "orders.count",
        &[2.0, 1.0, 0.0, 3.0],
        &[N, 2.0, 1.0, 0.0],
        &ly,
    );
    check(
        &s,
        "orders.aov",
        &[35.0, -10.0, 0.0, 95.0 / 3.0],
        &[N, 35.0, -10.0, 0.0],
        &ly,
    );
    check(
        &s,
        "customers.active",
        &[2.0, 1.0, 0.0, 3.0],
        &[N, 2.0, 1.0, 0.0],
        &ly,
    );
    check(
        &s,
        "customers.new",
        &[2.0, 1.0, 0.0, 1.0],
        &[N, 2.0, 1.0, 0.0],
        &ly,
    );
    check(
        &s,
        "customers.repeat_share",
        &[0.0, 0.0, 0.0, 2.0 / 3.0],
        &[N, 0.0, 0.0, 0.0],
        &ly,
    );
    same(
        s.series["orders.aov"].denominator.as_ref().unwrap(),
        &[2.0, 1.0, 0.0, 3.0],
        "aov denominator",
    );
    same(
        s.series["customers.repeat_share"]
            .denominator
            .as_ref()
            .unwrap(),
        &[2.0, 1.0, 0.0, 3.0],
        "repeat share denominator",
    );
    assert!(s.series["revenue.net"].denominator.is_none());
    assert!(s.by.is_none());
    let d = &s.series["customers.new"].definition;
    assert_eq!((d.metric, d.version), ("customers.new", "1.0.0"));
    let d = &s.series["revenue.net"].definition;
    assert_eq!(d.metric, "revenue.net");
    assert_eq!(
        d.params["timezone"],
        unimetric::glossary::ParamValue::Text("America/New_York".into())
    );

    // In UTC the same rows fall on other days: A's first row on Jan 2, B's last on Jan 5.
    let utc = kpi_series(&tx, &KpiSeriesOptions::default()).unwrap();
    assert_eq!(utc.time.len(), 5);
    same(
        &utc.series["revenue.net"].value,
        &[20.0, 40.0, 0.0, 55.0, 40.0],
        "UTC revenue",
    );
    same(
        &utc.series["customers.new"].value,
        &[1.0, 2.0, 0.0, 1.0, 0.0],
        "UTC new",
    );

    // The JSON form: camelCase, NaN as null, a map of series by id.
    let json = serde_json::to_value(&s).unwrap();
    assert_eq!(
        json["series"]["revenue.net"]["lastYear"][0],
        serde_json::Value::Null
    );
    assert_eq!(json["series"]["revenue.net"]["previous"][1], 70.0);
    assert_eq!(json["by"], serde_json::Value::Null);
}

/// A year of history (UTC): E 2023-01-02 (a Monday) 100; F 2023-01-15 10; E 2024-01-01 (a
/// Monday, 364 days later) 60; G 2024-01-01 40; G 2024-02-10 5.
const YEAR: &str = "customer,date,amount
E,2023-01-02T12:00:00Z,100
F,2023-01-15T12:00:00Z,10
E,2024-01-01T12:00:00Z,60
G,2024-01-01T13:00:00Z,40
G,2024-02-10T12:00:00Z,5
";

#[test]
fn previous_and_last_year_read_history_before_start() {
    let tx = load(YEAR, &[]);
    // Days from 2024-01-01: 41 buckets (Jan 1 … Feb 10).
    let s = kpi_series(
        &tx,
        &KpiSeriesOptions {
            start: Some(When::Instant(1_704_067_200_000)),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(s.time.len(), 41);
    assert_eq!(s.time[0], 1_704_067_200_000.0);
    let r = &s.series["revenue.net"];
    assert_eq!(r.value[0], 100.0);
    // 2023-12-31 was observed (the data begin in 2023) and empty: 0, not NaN.
    assert_eq!(r.previous[0], 0.0);
    // 364 days before 2024-01-01 is Monday 2023-01-02: E's 100.
    assert_eq!(r.last_year[0], 100.0);
    assert_eq!((r.value[40], r.last_year[40]), (5.0, 0.0));
    // E bought in 2023: a repeat customer; G is new.
    assert_eq!(s.series["customers.new"].value[0], 1.0);
    assert_eq!(s.series["customers.active"].value[0], 2.0);
    assert_eq!(s.series["customers.repeat_share"].value[0], 0.5);
    assert_eq!(s.series["customers.active"].last_year[0], 1.0);
    assert_eq!(s.series["customers.new"].last_year[0], 1.0);

    // Months: 2023-01 … 2024-02, 14 buckets.
    let m = kpi_series(
        &tx,
        &KpiSeriesOptions {
            bucket: Bucket::Month,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(m.time.len(), 14);
    assert_eq!(m.time[12], 1_704_067_200_000.0);
    let mut revenue = vec![0.0; 14];
    revenue[0] = 110.0;
    revenue[12] = 100.0;
    revenue[13] = 5.0;
    let mut previous = vec![0.0; 14];
    previous[0] = N;
    previous[1] = 110.0;
    previous[13] = 100.0;
    let mut last_year = vec![N; 14];
    last_year[12] = 110.0;
    last_year[13] = 0.0;
    check(&m, "revenue.net", &revenue, &previous, &last_year);
    let share = &m.series["customers.repeat_share"].value;
    assert_eq!((share[0], share[12], share[13]), (0.0, 0.5, 1.0));
    let new = &m.series["customers.new"].value;
    assert_eq!((new[0], new[12], new[13]), (2.0, 1.0, 0.0));

    // Weeks (Monday): 52 weeks before the week of 2024-01-01 is the week of 2023-01-02.
    let w = kpi_series(
        &tx,
        &KpiSeriesOptions {
            bucket: Bucket::Week,
            metrics: Some(vec!["revenue.net".into()]),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(w.series.len(), 1);
    assert_eq!(w.time[0], 1_672_617_600_000.0); // Monday 2023-01-02
    assert_eq!(w.time[52], 1_704_067_200_000.0); // Monday 2024-01-01
    let r = &w.series["revenue.net"];
    assert_eq!((r.value[52], r.last_year[52]), (100.0, 100.0));
    assert!(r.last_year[51].is_nan());
    // Weeks from Sunday move 2024-01-01 (a Monday) into the week of Sunday 2023-12-31.
    let sunday = kpi_series(
        &tx,
        &KpiSeriesOptions {
            bucket: Bucket::Week,
            week_start: 7,
            metrics: Some(vec!["revenue.net".into()]),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(sunday.time[0], 1_672_531_200_000.0); // Sunday 2023-01-01
}

/// Order ids: rows sharing a customer and an order id in a bucket are one order; a refund row is
/// never an order. A channel split: each row counts under its own channel, "unknown" without.
#[test]
fn order_ids_and_a_channel_split() {
    let csv = "customer,date,amount,channel,order
A,2024-03-01T10:00:00Z,10,email,o1
A,2024-03-01T11:00:00Z,5,email,o1
A,2024-03-01T12:00:00Z,-3,ads,o2
B,2024-03-01T12:00:00Z,20,ads,o1
C,2024-03-02T09:00:00Z,7,,o3
A,2024-03-02T10:00:00Z,8,ads,o4
";
    let tx = load(csv, &["channel", "order"]);
    let s = kpi_series(
        &tx,
        &KpiSeriesOptions {
            by: Some("channel".into()),
            ..Default::default()
        },
    )
    .unwrap();
    same(&s.series["orders.count"].value, &[2.0, 2.0], "orders");
    same(&s.series["revenue.net"].value, &[32.0, 15.0], "revenue");
    same(&s.series["orders.aov"].value, &[16.0, 7.5], "aov");
    let by = s.by.as_ref().unwrap();
    assert_eq!(
        by.keys().map(String::as_str).collect::<Vec<_>>(),
        ["ads", "email", "unknown"]
    );
    same(
        &by["email"]["revenue.net"].value,
        &[15.0, 0.0],
        "email revenue",
    );
    same(
        &by["email"]["orders.count"].value,
        &[1.0, 0.0],
        "email orders",
    );
    // ads: A's refund (not activity) and B's order on day 1; A's order on day 2.
    same(&by["ads"]["revenue.net"].value, &[17.0, 8.0], "ads revenue");
    same(
        &by["ads"]["customers.active"].value,
        &[1.0, 1.0],
        "ads active",
    );
    same(&by["ads"]["customers.new"].value, &[1.0, 0.0], "ads new");
    same(
        &by["ads"]["customers.repeat_share"].value,
        &[0.0, 1.0],
        "ads repeat share",
    );
    same(
        &by["unknown"]["customers.new"].value,
        &[0.0, 1.0],
        "unknown new",
    );
    assert!(by["unknown"]["revenue.net"].previous[0].is_nan());
    assert_eq!(
        by["ads"]["revenue.net"].definition.params["by"],
        unimetric::glossary::ParamValue::Text("channel".into())
    );

    // A dimension kept at load splits the same way.
    let csv =
        "customer,date,amount,country\nA,2024-03-01,10,DE\nB,2024-03-01,4,\nA,2024-03-02,6,FR\n";
    let tx = load(csv, &["country"]);
    let s = kpi_series(
        &tx,
        &KpiSeriesOptions {
            by: Some("country".into()),
            ..Default::default()
        },
    )
    .unwrap();
    let by = s.by.unwrap();
    same(&by["DE"]["revenue.net"].value, &[10.0, 0.0], "DE");
    same(&by["FR"]["customers.repeat_share"].value, &[0.0, 1.0], "FR");
    same(
        &by["unknown"]["customers.new"].value,
        &[1.0, 0.0],
        "unknown",
    );
}

#[test]
fn bad_options_are_coded_errors() {
    let tx = load(FIXTURE, &[]);
    let from = |json: &str| KpiSeriesOptions::from_json(json).unwrap_err();
    let e = from(r#"{ "bucket": "quarter" }"#);
    assert_eq!((e.code(), e.column()), ("E_BAD_OPTION", Some("bucket")));
    let e = from(r#"{ "period": "day" }"#);
    assert_eq!((e.code(), e.column()), ("E_UNKNOWN_OPTION", Some("period")));
    let e = from(r#"{ "metrics": ["revenue.gross"] }"#);
    assert_eq!((e.code(), e.column()), ("E_BAD_OPTION", Some("metrics")));
    let e = from(r#"{ "metrics": [] }"#);
    assert_eq!((e.code(), e.column()), ("E_BAD_OPTION", Some("metrics")));
    let e = from(r#"{ "metrics": ["orders.count", "orders.count"] }"#);
    assert_eq!((e.code(), e.column()), ("E_BAD_OPTION", Some("metrics")));
    let e = from(r#"{ "weekStart": 8 }"#);
    assert_eq!((e.code(), e.column()), ("E_BAD_OPTION", Some("weekStart")));
    let e = from(r#"{ "start": "someday" }"#);
    assert_eq!((e.code(), e.column()), ("E_BAD_OPTION", Some("start")));
    let e = from(r#"{ "timezone": "Mars/Olympus" }"#);
    assert_eq!((e.code(), e.column()), ("E_BAD_OPTION", Some("timezone")));

    let run =
        |json: &str| kpi_series(&tx, &KpiSeriesOptions::from_json(json).unwrap()).unwrap_err();
    let e = run(r#"{ "start": "2024-01-04", "end": "2024-01-02" }"#);
    assert_eq!((e.code(), e.column()), ("E_BAD_OPTION", Some("end")));
    let e = run(r#"{ "start": "2025-01-01", "end": "2025-02-01" }"#);
    assert_eq!(e.code(), "E_EMPTY");
    let e = run(r#"{ "start": "1500-01-01" }"#);
    assert_eq!(e.code(), "E_TOO_LARGE");
    // 1500 by months is few enough buckets.
    assert!(kpi_series(
        &tx,
        &KpiSeriesOptions::from_json(r#"{ "start": "1500-01-01", "bucket": "month" }"#).unwrap()
    )
    .is_ok());
    // The rate needs a traffic table.
    let e = run(r#"{ "metrics": ["traffic.conversion_rate"] }"#);
    assert_eq!((e.code(), e.column()), ("E_BAD_OPTION", Some("metrics")));
    let e = run(r#"{ "by": "channel" }"#);
    assert_eq!((e.code(), e.column()), ("E_BAD_OPTION", Some("by")));
    let e = run(r#"{ "by": "country" }"#);
    assert_eq!((e.code(), e.column()), ("E_BAD_OPTION", Some("by")));
    // Direct options are checked too.
    let e = kpi_series(
        &tx,
        &KpiSeriesOptions {
            metrics: Some(vec!["customers.count".into()]),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!((e.code(), e.column()), ("E_BAD_OPTION", Some("metrics")));
}

#[test]
fn matches_pandas_on_the_sample_data() {
    let peer: serde_json::Value =
        serde_json::from_str(include_str!("fixtures/peers/kpi_series_pandas.json")).unwrap();
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
    for (key, bucket) in [
        ("day", Bucket::Day),
        ("week", Bucket::Week),
        ("month", Bucket::Month),
    ] {
        let p = &peer[key];
        let s = kpi_series(
            &tx,
            &KpiSeriesOptions {
                bucket,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(s.time, numbers(&p["time"]), "{key} time");
        for (metric, want) in p["series"].as_object().unwrap() {
            let got = &s.series[metric.as_str()];
            for (field, mine) in [
                ("value", &got.value),
                ("previous", &got.previous),
                ("lastYear", &got.last_year),
            ] {
                let theirs = numbers(&want[field]);
                assert_eq!(mine.len(), theirs.len(), "{key} {metric} {field}");
                for (i, (a, b)) in mine.iter().zip(&theirs).enumerate() {
                    let ok = if b.is_nan() {
                        a.is_nan()
                    } else {
                        (a - b).abs() <= 1e-9 * b.abs().max(1.0)
                    };
                    assert!(ok, "{key} {metric} {field}[{i}]: {a} vs pandas {b}");
                    compared += 1;
                }
            }
        }
    }
    // 731 days + 105 weeks + 24 months, 6 metrics, 3 columns each.
    assert_eq!(compared, (731 + 105 + 24) * 6 * 3);
}

/// The new ids can be named in a metric spec: each is its series, the headline the last
/// bucket's value, a bad parameter an error at its spec path.
#[test]
fn named_in_a_metric_spec() {
    use unimetric::spec::{entries::Inputs, MetricSpec};
    let spec = |metrics: serde_json::Value| {
        MetricSpec::parse(
            &serde_json::json!({ "unimetricSpec": 1, "name": "t", "version": "1.0.0", "metrics": metrics })
                .to_string(),
        )
    };
    let tx = load(YEAR, &[]);
    let s = spec(serde_json::json!({
        "active": { "metric": "customers.active", "params": { "bucket": "month" } },
        "share": { "metric": "customers.repeat_share", "params": { "bucket": "month", "start": "firstTransaction" } },
        "new": { "metric": "customers.new", "params": { "bucket": "month", "end": "2024-01-31" } }
    }))
    .unwrap();
    let inputs = Inputs {
        transactions: Some(&tx),
        ..Inputs::default()
    };
    let out = s.evaluate(&inputs, None).unwrap();
    let value = |name: &str| out.iter().find(|e| e.name == name).and_then(|e| e.value);
    assert_eq!(value("active"), Some(1.0)); // February 2024: G
    assert_eq!(value("share"), Some(1.0)); // G was acquired in January
    assert_eq!(value("new"), Some(1.0)); // January 2024: G
    let e = spec(serde_json::json!({
        "x": { "metric": "customers.new", "params": { "bucket": "quarter" } }
    }))
    .and_then(|s| s.evaluate(&inputs, None))
    .unwrap_err();
    assert_eq!(e.path(), Some("metrics.x.params.bucket"), "{e}");
    // The rate needs the traffic among the inputs: without it, a coded error at the metric.
    let e = spec(serde_json::json!({ "cr": { "metric": "traffic.conversion_rate" } }))
        .and_then(|s| s.evaluate(&inputs, None))
        .unwrap_err();
    assert_eq!(
        (e.code(), e.path()),
        ("E_BAD_OPTION", Some("metrics.cr")),
        "{e}"
    );
    assert!(e.to_string().contains("traffic"), "{e}");
}

/// A spec's `traffic.conversion_rate` on the hand-counted traffic fixture below: the last
/// bucket's rate (Mar 3: 1 order in 50 visits), the traffic's fingerprint beside the
/// transactions', and the same whether the traffic is read from CSV or from columns.
#[test]
fn conversion_rate_in_a_spec() {
    use unimetric::spec::{entries::Inputs, MetricSpec};
    let spec = |metrics: serde_json::Value| {
        MetricSpec::parse(
            &serde_json::json!({ "unimetricSpec": 1, "name": "t", "version": "1.0.0", "metrics": metrics })
                .to_string(),
        )
    };
    let tx = load(TRAFFIC_TX, &["channel"]);
    let t = traffic(TRAFFIC, true).unwrap();
    let s = spec(serde_json::json!({
        "cr": { "metric": "traffic.conversion_rate" },
        "cr_ads": { "metric": "traffic.conversion_rate", "params": { "end": "2024-03-02" } }
    }))
    .unwrap();
    let out = s
        .evaluate(
            &Inputs {
                transactions: Some(&tx),
                traffic: Some(&t),
                ..Inputs::default()
            },
            None,
        )
        .unwrap();
    assert_eq!(out[0].value, Some(0.02));
    assert_eq!(out[1].value, Some(0.0)); // Mar 2: a refund only, 75 visits
    let fp = out[0].definition.traffic_fingerprint.clone().unwrap();
    assert!(fp.starts_with("xxh3-128:"), "{fp}");
    assert!(out[0].definition.data_fingerprint.is_some());
    // The same rows as columns: the same fingerprint; another visit count: another.
    let day = |d: u32| {
        chrono::NaiveDate::from_ymd_opt(2024, 3, d)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
            .and_utc()
            .timestamp_millis() as f64
    };
    let channels = ["email", "ads", "ads", "social"].map(|c| Some(c.to_string()));
    let cols = |visits: &[f64]| {
        Traffic::from_columns(
            TimeColumn::EpochMs(&[day(2), day(2), day(3), day(3)]),
            visits,
            Some(&channels),
            &unimetric::data::Zone::utc(),
        )
        .unwrap()
    };
    assert_eq!(cols(&[50.0, 25.0, 40.0, 10.0]).fingerprint(), fp);
    assert_ne!(cols(&[50.0, 25.0, 40.0, 11.0]).fingerprint(), fp);
}

/// The examples of the module docs, as they are written there.
#[test]
fn module_doc_examples() {
    use unimetric::{IdColumn, TransactionColumns};
    let tx = Transactions::from_columns(TransactionColumns {
        customer_id: IdColumn::Numeric(&[1, 2, 1, 1]),
        timestamp: TimeColumn::EpochMs(&[0.0, 0.0, 2.0 * DAY, 2.0 * DAY]),
        amount: &[30.0, 10.0, 20.0, -5.0],
        order_id: None,
        channel: None,
        cost: None,
    })
    .unwrap();
    let s = kpi_series(&tx, &KpiSeriesOptions::default()).unwrap();
    assert_eq!(s.time, [0.0, DAY, 2.0 * DAY]);
    assert_eq!(s.series["revenue.net"].value, [40.0, 0.0, 15.0]);
    assert_eq!(s.series["customers.active"].value, [2.0, 0.0, 1.0]);
    assert_eq!(s.series["customers.repeat_share"].value, [0.0, 0.0, 1.0]);
    assert!(s.series["revenue.net"].previous[0].is_nan());
    assert_eq!(s.series["revenue.net"].previous[2], 0.0);
    let o =
        KpiSeriesOptions::from_json(r#"{ "bucket": "week", "metrics": ["revenue.net"] }"#).unwrap();
    assert_eq!(o.bucket, Bucket::Week);
    let e = KpiSeriesOptions::from_json(r#"{ "bucket": "quarter" }"#).unwrap_err();
    assert_eq!(
        (e.code(), e.to_string().contains("bucket")),
        ("E_BAD_OPTION", true)
    );
    let e = KpiSeriesOptions::from_json(r#"{ "period": "day" }"#).unwrap_err();
    assert_eq!(e.code(), "E_UNKNOWN_OPTION");
}

/// `traffic.conversion_rate` from a traffic table (UTC).
///
/// | day    | orders (rows)                                | visits                    | rate        |
/// |--------|----------------------------------------------|---------------------------|-------------|
/// | Mar 1  | A 10 email, B 20 ads → 2                     | none → 0                  | 0 (no visit)|
/// | Mar 2  | A −5 email (a refund is no order) → 0        | 50 email + 25 ads = 75    | 0           |
/// | Mar 3  | C 0 ads ($0 order) → 1                       | 40 ads + 10 social = 50   | 1/50        |
///
/// The traffic begins on Mar 2, so the rate's `previous` is NaN up to Mar 2.
const TRAFFIC_TX: &str = "customer,date,amount,channel
A,2024-03-01T10:00:00Z,10,email
B,2024-03-01T11:00:00Z,20,ads
A,2024-03-02T10:00:00Z,-5,email
C,2024-03-03T10:00:00Z,0,ads
";
const TRAFFIC: &str = "day,visits,source
2024-03-02,50,email
2024-03-02,25,ads
2024-03-03,40,ads
2024-03-03,10,social
";

fn traffic(csv: &str, channel: bool) -> unimetric::Result<Traffic> {
    let mut m = TrafficMapping::new("day", "visits");
    if channel {
        m.channel = Some("source".into());
    }
    Traffic::from_csv(csv.as_bytes(), &m)
}

#[test]
fn conversion_rate_from_traffic() {
    let tx = load(TRAFFIC_TX, &["channel"]);
    let t = traffic(TRAFFIC, true).unwrap();
    let s = kpi_series_with_traffic(&tx, Some(&t), &KpiSeriesOptions::default()).unwrap();
    assert_eq!(s.series.len(), 7); // the six, and the rate with traffic
    check(
        &s,
        "traffic.conversion_rate",
        &[0.0, 0.0, 0.02],
        &[N, N, 0.0],
        &[N, N, N],
    );
    same(
        s.series["traffic.conversion_rate"]
            .denominator
            .as_ref()
            .unwrap(),
        &[0.0, 75.0, 50.0],
        "visits",
    );
    assert_eq!(
        s.series["traffic.conversion_rate"].definition.metric,
        "traffic.conversion_rate"
    );
    // The other series do not move with traffic.
    let without = kpi_series(&tx, &KpiSeriesOptions::default()).unwrap();
    for (id, m) in &without.series {
        same(&s.series[id].value, &m.value, id);
        same(&s.series[id].previous, &m.previous, id);
    }

    // By channel: the traffic's own channel column, matched by name; a traffic-only channel
    // gets its own value.
    let s = kpi_series_with_traffic(
        &tx,
        Some(&t),
        &KpiSeriesOptions {
            by: Some("channel".into()),
            metrics: Some(vec!["traffic.conversion_rate".into()]),
            ..Default::default()
        },
    )
    .unwrap();
    let by = s.by.as_ref().unwrap();
    assert_eq!(
        by.keys().map(String::as_str).collect::<Vec<_>>(),
        ["ads", "email", "social"]
    );
    let rate = |k: &str| &by[k]["traffic.conversion_rate"];
    same(&rate("ads").value, &[0.0, 0.0, 1.0 / 40.0], "ads rate");
    same(
        rate("ads").denominator.as_ref().unwrap(),
        &[0.0, 25.0, 40.0],
        "ads visits",
    );
    same(
        rate("email").denominator.as_ref().unwrap(),
        &[0.0, 50.0, 0.0],
        "email visits",
    );
    same(&rate("social").value, &[0.0, 0.0, 0.0], "social rate");
    same(
        rate("social").denominator.as_ref().unwrap(),
        &[0.0, 0.0, 10.0],
        "social visits",
    );

    // Coded errors.
    let e = kpi_series(
        &tx,
        &KpiSeriesOptions {
            metrics: Some(vec!["traffic.conversion_rate".into()]),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!((e.code(), e.column()), ("E_BAD_OPTION", Some("metrics")));
    let plain = traffic("day,visits\n2024-03-02,5\n", false).unwrap();
    let e = kpi_series_with_traffic(
        &tx,
        Some(&plain),
        &KpiSeriesOptions {
            by: Some("channel".into()),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!((e.code(), e.column()), ("E_BAD_OPTION", Some("by")));
    let code = |csv: &str| {
        let e = traffic(csv, false).unwrap_err();
        (e.code(), e.column().map(str::to_string), e.row())
    };
    assert_eq!(
        code("day,visits\n2024-03-02,-1\n"),
        ("E_NEGATIVE", Some("visits".into()), Some(2))
    );
    assert_eq!(
        code("day,visits\n2024-03-02,\n"),
        ("E_MISSING_VALUE", Some("visits".into()), Some(2))
    );
    assert_eq!(code("day,visits\n2024-03-02,many\n").0, "E_BAD_TYPE");
    assert_eq!(
        code("day,visits\nsoon,3\n"),
        ("E_BAD_DATE", Some("day".into()), Some(2))
    );
    assert_eq!(code("day,visits\n").0, "E_EMPTY");
    assert_eq!(code("date,visits\n2024-03-02,1\n").0, "E_MISSING_COLUMN");
    let e = Traffic::from_columns(
        TimeColumn::EpochMs(&[0.0, 1.0]),
        &[1.0],
        None,
        &unimetric::data::Zone::utc(),
    )
    .unwrap_err();
    assert_eq!((e.code(), e.column()), ("E_LENGTH_MISMATCH", Some("date")));
    let e = Traffic::from_columns(
        TimeColumn::EpochMs(&[0.0]),
        &[f64::NAN],
        None,
        &unimetric::data::Zone::utc(),
    )
    .unwrap_err();
    assert_eq!((e.code(), e.row()), ("E_NON_FINITE", Some(1)));
    let cols = Traffic::from_columns(
        TimeColumn::Text(&["2024-03-02".into(), "2024-03-03".into()]),
        &[75.0, 50.0],
        None,
        &unimetric::data::Zone::utc(),
    )
    .unwrap();
    let s = kpi_series_with_traffic(&tx, Some(&cols), &KpiSeriesOptions::default()).unwrap();
    same(
        &s.series["traffic.conversion_rate"].value,
        &[0.0, 0.0, 0.02],
        "from columns",
    );
}
