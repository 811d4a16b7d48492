//! The metric spec: parsing, the definition hash, evaluation against the direct calls and
//! hand-computed values, the diff, and coded errors with their spec paths.
//!
//! Hand-computed fixture (`tiny` below): customer A buys 10 on 2024-01-01 and 30 on 2024-01-05,
//! customer B buys 20 on 2024-01-02. Revenue 60, 3 orders, AOV 20, 2 customers, repeat rate ½.
//! 90-day churn does not fit in 5 days; with horizonDays 2 the default cutoff is 2024-01-03 (the
//! last day, 01-05, minus 2): A and B were active by then, A bought again on 01-05, B did not:
//! churn rate ½, one customer churned.

use serde_json::{json, Value};
use unimetric::cac::{cac, ltv_to_cac, CacOptions, LtvCacOptions, Variant};
use unimetric::churn::{churn_features, FeatureOptions};
use unimetric::data::spend::{Spend, SpendMapping};
use unimetric::data::{ObservationEnd, Period, When};
use unimetric::kpi::Kpis;
use unimetric::ltv::bgnbd::{BgNbdModel, BgNbdOptions};
use unimetric::ltv::clv::{clv, ClvOptions};
use unimetric::ltv::gamma_gamma::{GammaGammaModel, GammaGammaOptions};
use unimetric::ltv::historical::{historical_ltv, HistoricalOptions};
use unimetric::spec::diff::{diff_specs, diff_specs_on, ChangeKind};
use unimetric::spec::{entries, Inputs, MetricSpec};
use unimetric::{ColumnMapping, CustomerSummary, SummaryOptions, Transactions};

/// An edit of a spec document.
type Edit = Box<dyn Fn(&mut Value)>;

const DEMO: &str = include_str!("../www/specs/demo.json");

fn demo_data(spec: &MetricSpec) -> (Transactions, Spend) {
    let tx = Transactions::from_csv(
        include_bytes!("../www/data/transactions.csv"),
        &spec.transactions_mapping().unwrap(),
    )
    .unwrap();
    let spend = Spend::from_csv(
        include_bytes!("../www/data/spend.csv"),
        &spec.spend_mapping().unwrap(),
    )
    .unwrap();
    (tx, spend)
}

fn value(out: &[entries::Evaluated], name: &str) -> Option<f64> {
    out.iter().find(|e| e.name == name).and_then(|e| e.value)
}

fn spec_with(metrics: Value) -> String {
    json!({ "unimetricSpec": 1, "name": "t", "version": "1.0.0", "metrics": metrics }).to_string()
}

fn tiny() -> Transactions {
    let csv = b"customer,date,amount\nA,2024-01-01,10\nB,2024-01-02,20\nA,2024-01-05,30\n";
    Transactions::from_csv(csv, &ColumnMapping::new("customer", "date", "amount")).unwrap()
}

#[test]
fn hand_computed_values() {
    let spec = MetricSpec::parse(&spec_with(json!({
        "revenue": { "metric": "revenue.net" },
        "orders": { "metric": "orders.count" },
        "aov": { "metric": "orders.aov" },
        "customers": { "metric": "customers.count" },
        "repeat": { "metric": "customers.repeat_rate" },
        "churn": { "metric": "churn.rate", "params": { "horizonDays": 2 } },
        "churned": { "metric": "churn.noncontractual", "params": { "horizonDays": 2 } },
        "active": { "metric": "churn.features", "params": { "horizonDays": 2 } },
        "rfm": { "metric": "segment.rfm" },
        "simple": { "metric": "ltv.simple", "params": { "arpu": 12, "churnRate": 0.04, "margin": 0.5 } }
    })))
    .unwrap();
    let tx = tiny();
    let out = spec
        .evaluate(
            &Inputs {
                transactions: Some(&tx),
                ..Inputs::default()
            },
            None,
        )
        .unwrap();
    assert_eq!(value(&out, "revenue"), Some(60.0));
    assert_eq!(value(&out, "orders"), Some(3.0));
    assert_eq!(value(&out, "aov"), Some(20.0));
    assert_eq!(value(&out, "customers"), Some(2.0));
    assert_eq!(value(&out, "repeat"), Some(0.5));
    assert_eq!(value(&out, "churn"), Some(0.5));
    assert_eq!(value(&out, "churned"), Some(1.0));
    assert_eq!(value(&out, "active"), Some(2.0));
    // RFM has no single headline; its detail is rfmScores on the daily summary.
    let rfm = out.iter().find(|e| e.name == "rfm").unwrap();
    assert_eq!(rfm.value, None);
    let direct = unimetric::segment::rfm::rfm_scores(
        &CustomerSummary::from_transactions(&tx, &SummaryOptions::default()).unwrap(),
        None,
    )
    .unwrap();
    assert_eq!(rfm.detail, entries::Detail::Rfm(direct));
    // 12 × 0.5 ÷ 0.04 = 150.
    assert!((value(&out, "simple").unwrap() - 150.0).abs() < 1e-9);
    let churn = out.iter().find(|e| e.name == "churn").unwrap();
    assert_eq!(churn.definition.params["horizonDays"], json!(2.0));
    assert_eq!(
        churn.definition.data_fingerprint.as_deref(),
        Some(tx.fingerprint().as_str())
    );
    assert_eq!(
        churn.definition.spec.definition_hash,
        spec.definition_hash()
    );
}

/// The demo spec evaluates to exactly the numbers of the direct calls with the same options,
/// written out here by hand (margin 0.3 from `shared`, weekly summary for CLV).
#[test]
fn demo_spec_equals_direct_calls() {
    let spec = MetricSpec::parse(DEMO).unwrap();
    let (tx, spend) = demo_data(&spec);
    let out = spec
        .evaluate(
            &Inputs {
                transactions: Some(&tx),
                spend: Some(&spend),
                assignments: None,
                touchpoints: None,
                traffic: None,
                mapped_by_caller: false,
            },
            None,
        )
        .unwrap();
    let k = Kpis::compute(&tx, &SummaryOptions::default()).unwrap();
    assert_eq!(value(&out, "customers"), k.get("customers"));
    assert_eq!(value(&out, "revenue"), k.get("revenue"));
    assert_eq!(value(&out, "aov"), k.get("averageOrderValue"));
    assert_eq!(value(&out, "repeatRate"), k.get("repeatPurchaseRate"));

    let table = cac(
        &spend,
        &tx,
        &CacOptions {
            period: Period::Month,
            ..CacOptions::default()
        },
    )
    .unwrap();
    let latest = |v: Variant| {
        table
            .rows
            .iter()
            .filter(|r| r.variant == v && r.complete && r.value.is_some())
            .max_by_key(|r| r.period)
            .and_then(|r| r.value)
    };
    assert!(latest(Variant::Paid).is_some());
    assert_eq!(value(&out, "paidCac"), latest(Variant::Paid));
    assert_eq!(value(&out, "blendedCac"), latest(Variant::Blended));

    let ratio = ltv_to_cac(
        &spend,
        &tx,
        &LtvCacOptions {
            margin: 0.3,
            ..LtvCacOptions::default()
        },
    )
    .unwrap();
    let overall = ratio
        .rows
        .iter()
        .find(|r| r.cohort.is_none() && r.channel.is_none())
        .and_then(|r| r.value);
    assert!(overall.is_some());
    assert_eq!(value(&out, "ltvToCac"), overall);

    let last_day = tx.timestamps().iter().max().unwrap().div_euclid(86_400_000);
    let features = churn_features(
        &tx,
        &FeatureOptions {
            cutoff: When::Date(last_day - 90),
            horizon_days: 90,
            timezone: None,
        },
    )
    .unwrap();
    assert_eq!(value(&out, "churn90"), features.churn_rate());

    let h = historical_ltv(
        &tx,
        &HistoricalOptions {
            margin: 0.3,
            ..HistoricalOptions::default()
        },
    )
    .unwrap();
    assert_eq!(
        value(&out, "historicalLtv"),
        Some(h.ltv.iter().sum::<f64>() / h.ltv.len() as f64)
    );

    let s = CustomerSummary::from_transactions(
        &tx,
        &SummaryOptions {
            period: Period::Week,
            ..SummaryOptions::default()
        },
    )
    .unwrap();
    let bg = BgNbdModel::fit(&s, &BgNbdOptions::default()).unwrap();
    let gg = GammaGammaModel::fit(&s, &GammaGammaOptions::default()).unwrap();
    let c = clv(
        &bg,
        &gg,
        &s,
        &ClvOptions {
            horizon_months: 12,
            discount_rate: 0.01,
            margin: 0.3,
            ..ClvOptions::default()
        },
    )
    .unwrap();
    assert_eq!(value(&out, "ltv12"), Some(c.total));

    let ltv12 = out.iter().find(|e| e.name == "ltv12").unwrap();
    assert_eq!(ltv12.unit, "EUR");
    assert_eq!(ltv12.definition.params["margin"], json!(0.3));
    assert_eq!(ltv12.definition.params["period"], json!("week"));
    assert_eq!(
        spec.metric("ltv12").unwrap().sources["margin"],
        "shared.margin"
    );
    assert_eq!(
        spec.metric("ltvToCac").unwrap().sources["margin"],
        "shared.margin"
    );
    assert!(ltv12.definition.spend_fingerprint.is_none());
    let paid = out.iter().find(|e| e.name == "paidCac").unwrap();
    assert_eq!(
        paid.definition.spend_fingerprint.as_deref(),
        Some(spend.fingerprint().as_str())
    );
    // `only` evaluates the named metrics alone, to the same numbers.
    let only = spec
        .evaluate(
            &Inputs {
                transactions: Some(&tx),
                spend: Some(&spend),
                assignments: None,
                touchpoints: None,
                traffic: None,
                mapped_by_caller: false,
            },
            Some(&["aov".to_string()]),
        )
        .unwrap();
    assert_eq!(only.len(), 1);
    assert_eq!(value(&only, "aov"), k.get("averageOrderValue"));
}

#[test]
fn cosmetic_changes_keep_the_definition_hash() {
    let base = MetricSpec::parse(DEMO).unwrap();
    let doc: Value = serde_json::from_str(DEMO).unwrap();
    let edits: Vec<(&str, Edit)> = vec![
        (
            "label",
            Box::new(|d| d["metrics"]["ltv12"]["label"] = json!("CLV, one year")),
        ),
        (
            "description",
            Box::new(|d| d["metrics"]["churn90"]["description"] = json!("reworded")),
        ),
        ("owner", Box::new(|d| d["owner"] = json!("data science"))),
        (
            "spec description",
            Box::new(|d| d["description"] = json!("other words")),
        ),
        ("name", Box::new(|d| d["name"] = json!("acme-growth-copy"))),
        ("version", Box::new(|d| d["version"] = json!("1.3.1"))),
        ("changelog", Box::new(|d| d["changelog"] = json!([]))),
        (
            "explicit default",
            Box::new(|d| {
                d["metrics"]["aov"]["params"] = json!({ "period": "day", "weekStart": 1 })
            }),
        ),
        (
            "explicit default timezone",
            Box::new(|d| d["metrics"]["aov"]["params"] = json!({ "timezone": "UTC" })),
        ),
        (
            "number spelling",
            Box::new(|d| d["shared"]["margin"] = json!(0.30)),
        ),
        (
            "integer as float",
            Box::new(|d| d["metrics"]["ltv12"]["params"]["horizonMonths"] = json!(12.0)),
        ),
        (
            "margin moved into each metric",
            Box::new(|d| {
                d["shared"] = json!({ "observationEnd": "lastTransaction" });
                for m in ["ltv12", "ltvToCac", "historicalLtv"] {
                    d["metrics"][m]["params"]["margin"] = json!(0.3);
                }
            }),
        ),
    ];
    for (what, edit) in edits {
        let mut d = doc.clone();
        edit(&mut d);
        let s = MetricSpec::from_value(d).unwrap();
        assert_eq!(
            s.definition_hash(),
            base.definition_hash(),
            "{what} changed the definition hash"
        );
        let diff = diff_specs(&base, &s);
        assert!(!diff.breaking, "{what}: {:?}", diff.changes);
        assert!(
            diff.changes.iter().all(|c| c.kind == ChangeKind::Cosmetic),
            "{what}"
        );
    }
    // Key order and whitespace.
    let compact = serde_json::to_string(&doc).unwrap();
    assert_eq!(
        MetricSpec::parse(&compact).unwrap().definition_hash(),
        base.definition_hash()
    );
    // A label change moves the full hash, not the definition hash.
    let mut d = doc.clone();
    d["metrics"]["aov"]["label"] = json!("Basket size");
    let s = MetricSpec::from_value(d).unwrap();
    assert_ne!(s.hash(), base.hash());
    assert_eq!(diff_specs(&base, &s).suggested_version, "1.3.1");
}

/// A valid value different from `current` for parameter `p`.
fn other_value(p: &unimetric::glossary::ParameterDef, current: &Value) -> Value {
    match p.name {
        "observationEnd" => return json!("2024-03-31"),
        "cutoff" | "trainCutoff" | "scoreCutoff" | "testCutoff" | "calibrationEnd" => {
            return json!(if current == &json!("2024-02-15") {
                "2024-02-16"
            } else {
                "2024-02-15"
            })
        }
        "start" | "end" => {
            return json!(if current == &json!("2024-01-15") {
                "2024-01-16"
            } else {
                "2024-01-15"
            })
        }
        "by" => return json!("channel"),
        "classWeights" => return json!("balanced"),
        "alive" | "sequential" => return json!(current != &json!(true)),
        "prior" => return json!({ "mean": 0.0, "stddev": 0.5 }),
        "expectedWeights" | "weights" => return json!([1, 2]),
        "unitsPerDay" if current.is_null() => return json!(100),
        "maxAge" if current.is_null() => return json!(12),
        "metrics" => return json!(["experiment.aov"]),
        "survivors" => return json!([[1000, 631, 468], [500, 300]]),
        "baseline" => return json!("treatment"),
        "baselineMean" if current.is_null() => return json!(10),
        "baselineSd" if current.is_null() => return json!(2),
        "baselineRate" => return json!(0.2),
        "timezone" => return json!("Europe/Berlin"),
        "directChannel" => return json!("(none)"),
        "collapseRepeats" => return json!(current != &json!(true)),
        "positionWeights" => return json!([0.3, 0.4, 0.3]),
        "seasonality" => return json!(14),
        "robust" => return json!(current != &json!(true)),
        // Odd windows only.
        "seasonalWindow" | "trendWindow" | "lowPassWindow" => {
            return json!(if current == &json!(21) { 23 } else { 21 })
        }
        "innerIterations" | "outerIterations" | "maxAnomalies" if !current.is_number() => {
            return json!(3)
        }
        _ => {}
    }
    if let Some(values) = p.values {
        let other = values
            .iter()
            .find(|v| current.as_str() != Some(**v))
            .unwrap();
        return json!(other);
    }
    let x = current
        .as_f64()
        .unwrap_or_else(|| panic!("{}: {current}", p.name));
    let lo = p.min.unwrap_or(f64::NEG_INFINITY);
    let hi = p.max.unwrap_or(f64::INFINITY);
    let candidates = [x + 1.0, x * 2.0, x / 2.0, x - 1.0, (lo + hi) / 2.0, x + 0.5];
    let ok = |y: f64| {
        y.is_finite()
            && y != x
            && y <= hi
            && if p.min_exclusive { y > lo } else { y >= lo }
            && (!p.integer || y.fract() == 0.0)
    };
    json!(candidates
        .into_iter()
        .find(|&y| ok(y))
        .unwrap_or_else(|| panic!("{}: {current}", p.name)))
}

#[test]
fn every_parameter_of_every_metric_is_a_breaking_change() {
    let mut checked = 0;
    for e in entries::all() {
        let mut params = serde_json::Map::new();
        if e.metric == "ltv.simple" {
            params.insert("arpu".into(), json!(10));
            params.insert("churnRate".into(), json!(0.1));
        }
        if e.metric == "ltv.holdout" {
            params.insert("calibrationEnd".into(), json!("2024-02-15"));
        }
        if e.metric.starts_with("retention.") {
            params.insert("survivors".into(), json!([1000, 631, 468, 382, 326]));
            params.insert("discountRate".into(), json!(0.1));
        }
        if e.metric == "cac.attributed" {
            params.insert("model".into(), json!("markov"));
        }
        if e.metric == "experiment.plan" {
            params.insert("metric".into(), json!("proportion"));
            params.insert("baselineRate".into(), json!(0.1));
            params.insert("mde".into(), json!(0.05));
        }
        let base_doc = json!({ "unimetricSpec": 1, "name": "t", "version": "2.4.1",
            "metrics": { "m": { "metric": e.metric, "params": params.clone() } } });
        let base = MetricSpec::from_value(base_doc.clone()).unwrap();
        for p in e.params {
            let current = base
                .metric("m")
                .unwrap()
                .params
                .get(p.name)
                .cloned()
                .unwrap_or(Value::Null);
            let mut d = base_doc.clone();
            d["metrics"]["m"]["params"][p.name] = other_value(p, &current);
            let changed = MetricSpec::from_value(d.clone())
                .unwrap_or_else(|err| panic!("{} {}: {err}", e.metric, p.name));
            assert_ne!(
                changed.definition_hash(),
                base.definition_hash(),
                "{} {}",
                e.metric,
                p.name
            );
            let diff = diff_specs(&base, &changed);
            assert!(diff.breaking, "{} {}", e.metric, p.name);
            assert_eq!(diff.suggested_version, "3.0.0");
            assert!(
                diff.changes.iter().any(|c| c.kind == ChangeKind::Breaking
                    && c.path == format!("metrics.m.params.{}", p.name)),
                "{} {}: {:?}",
                e.metric,
                p.name,
                diff.changes
            );
            checked += 1;
        }
    }
    assert!(checked > 150, "{checked}");
}

#[test]
fn metric_id_data_semantics_and_columns_are_breaking() {
    let doc: Value = serde_json::from_str(DEMO).unwrap();
    let base = MetricSpec::parse(DEMO).unwrap();
    let cases: Vec<(&str, &str, Edit)> = vec![
        (
            "metric id",
            "metrics.aov.metric",
            Box::new(|d| d["metrics"]["aov"]["metric"] = json!("revenue.per_customer")),
        ),
        (
            "version requirement",
            "metrics.aov.version",
            Box::new(|d| d["metrics"]["aov"]["version"] = json!(">=2.1")),
        ),
        (
            "timezone",
            "data.timezone",
            Box::new(|d| d["data"]["timezone"] = json!("America/New_York")),
        ),
        (
            "currency",
            "data.currency",
            Box::new(|d| d["data"]["currency"] = json!("USD")),
        ),
        (
            "amount column",
            "data.transactions.amount",
            Box::new(|d| d["data"]["transactions"]["amount"] = json!("net_amount")),
        ),
        (
            "customer column",
            "data.transactions.customerId",
            Box::new(|d| d["data"]["transactions"]["customerId"] = json!("email")),
        ),
        (
            "spend channel type",
            "data.spend.channelType",
            Box::new(|d| d["data"]["spend"]["channelType"] = json!("kind")),
        ),
        (
            "shared margin",
            "metrics.historicalLtv.params.margin",
            Box::new(|d| d["shared"]["margin"] = json!(0.25)),
        ),
        (
            "removed",
            "metrics.aov",
            Box::new(|d| {
                d["metrics"].as_object_mut().unwrap().remove("aov");
            }),
        ),
    ];
    for (what, path, edit) in cases {
        let mut d = doc.clone();
        edit(&mut d);
        let s = MetricSpec::from_value(d).unwrap();
        assert_ne!(s.definition_hash(), base.definition_hash(), "{what}");
        let diff = diff_specs(&base, &s);
        assert!(diff.breaking, "{what}");
        assert_eq!(diff.suggested_version, "2.0.0", "{what}");
        assert!(
            diff.changes.iter().any(|c| c.path == path),
            "{what}: {:?}",
            diff.changes
        );
    }
    // An added metric is a minor bump.
    let mut d = doc.clone();
    d["metrics"]["orders"] = json!({ "metric": "orders.count" });
    let s = MetricSpec::from_value(d).unwrap();
    let diff = diff_specs(&base, &s);
    assert!(!diff.breaking);
    assert_eq!(diff.suggested_version, "1.4.0");
    assert_eq!(diff.changes[0].kind, ChangeKind::Added);
    // Identical specs: no change, same version.
    let same = diff_specs(&base, &base);
    assert!(same.changes.is_empty());
    assert_eq!(same.suggested_version, "1.3.0");
}

#[test]
fn diff_explains_in_plain_words_and_with_values() {
    let a = MetricSpec::parse(&spec_with(
        json!({ "churn": { "metric": "churn.rate", "params": { "horizonDays": 3 } } }),
    ))
    .unwrap();
    let b = MetricSpec::parse(&spec_with(
        json!({ "churn": { "metric": "churn.rate", "params": { "horizonDays": 2 } } }),
    ))
    .unwrap();
    let tx = tiny();
    let d = diff_specs_on(
        &a,
        &b,
        &Inputs {
            transactions: Some(&tx),
            ..Inputs::default()
        },
    )
    .unwrap();
    assert_eq!(
        d.changes[0].explanation,
        "Churn rate: horizonDays 3 → 2: a shorter churn window: more customers count as churned"
    );
    let v = &d.values.unwrap()[0];
    // horizonDays 3: cutoff 01-02, A (active) buys 01-05 → retained; B (01-02) churned: ½.
    assert_eq!((v.before, v.after), (Some(0.5), Some(0.5)));
}

fn err(text: &str) -> unimetric::Error {
    MetricSpec::parse(text).unwrap_err()
}

#[test]
fn bad_specs_get_coded_errors_naming_the_path() {
    let cases: Vec<(String, &str, &str)> = vec![
        ("{ not json".into(), "E_BAD_SPEC", "$"),
        ("[1]".into(), "E_BAD_SPEC", "$"),
        (json!({ "name": "t", "version": "1.0.0", "metrics": {} }).to_string(), "E_BAD_SPEC", "unimetricSpec"),
        (json!({ "unimetricSpec": 2, "name": "t", "version": "1.0.0", "metrics": {} }).to_string(), "E_BAD_SPEC", "unimetricSpec"),
        (json!({ "unimetricSpec": 1, "name": "t", "version": "one", "metrics": {} }).to_string(), "E_BAD_SPEC", "version"),
        (json!({ "unimetricSpec": 1, "name": "t", "version": "1.0.0", "metrics": {} }).to_string(), "E_BAD_SPEC", "metrics"),
        (json!({ "unimetricSpec": 1, "name": "t", "version": "1.0.0", "extra": 1, "metrics": {} }).to_string(), "E_BAD_SPEC", "extra"),
        (spec_with(json!({ "x": { "metric": "ltv.magic" } })), "E_UNKNOWN_METRIC", "metrics.x.metric"),
        (spec_with(json!({ "x": { "metric": "ltv.clv", "params": { "margn": 0.3 } } })), "E_UNKNOWN_OPTION", "metrics.x.params.margn"),
        (spec_with(json!({ "x": { "metric": "ltv.clv", "params": { "margin": 2 } } })), "E_OUT_OF_RANGE", "metrics.x.params.margin"),
        (spec_with(json!({ "x": { "metric": "ltv.clv", "params": { "discountConvention": "yearly" } } })), "E_OUT_OF_RANGE", "metrics.x.params.discountConvention"),
        (spec_with(json!({ "x": { "metric": "ltv.clv", "params": { "margin": "high" } } })), "E_BAD_OPTION", "metrics.x.params.margin"),
        (spec_with(json!({ "x": { "metric": "ltv.clv", "params": { "margin": null } } })), "E_BAD_OPTION", "metrics.x.params.margin"),
        (spec_with(json!({ "x": { "metric": "ltv.clv", "version": "^1" } })), "E_VERSION", "metrics.x.version"),
        (spec_with(json!({ "x": { "metric": "ltv.clv", "version": "not a req" } })), "E_BAD_SPEC", "metrics.x.version"),
        (spec_with(json!({ "x": { "metric": "churn.rate", "params": { "horizonDays": 0 } } })), "E_OUT_OF_RANGE", "metrics.x.params.horizonDays"),
        (spec_with(json!({ "x": { "metric": "churn.rate", "params": { "cutoff": "yesterday" } } })), "E_BAD_OPTION", "metrics.x.params.cutoff"),
        (spec_with(json!({ "x": { "metric": "customer.summary", "params": { "observationEnd": "soon" } } })), "E_BAD_OPTION", "metrics.x.params.observationEnd"),
        (spec_with(json!({ "x": { "metric": "ltv.simple" } })), "E_BAD_SPEC", "metrics.x.params.arpu"),
        (spec_with(json!({ "__proto__": { "metric": "orders.aov" } })), "E_BAD_SPEC", "metrics.__proto__"),
        (spec_with(json!({ "a.b": { "metric": "orders.aov" } })), "E_BAD_SPEC", "metrics.a.b"),
        (json!({ "unimetricSpec": 1, "name": "t", "version": "1.0.0", "shared": { "nonsense": 1 }, "metrics": { "a": { "metric": "orders.aov" } } }).to_string(), "E_UNKNOWN_OPTION", "shared.nonsense"),
        (json!({ "unimetricSpec": 1, "name": "t", "version": "1.0.0", "shared": { "margin": -1 }, "metrics": { "a": { "metric": "ltv.historical" } } }).to_string(), "E_OUT_OF_RANGE", "shared.margin"),
        (json!({ "unimetricSpec": 1, "name": "t", "version": "1.0.0", "data": { "timezone": "Mars/Olympus" }, "metrics": { "a": { "metric": "orders.aov" } } }).to_string(), "E_BAD_OPTION", "data.timezone"),
        (json!({ "unimetricSpec": 1, "name": "t", "version": "1.0.0", "data": { "currency": "euro" }, "metrics": { "a": { "metric": "orders.aov" } } }).to_string(), "E_OUT_OF_RANGE", "data.currency"),
        (json!({ "unimetricSpec": 1, "name": "t", "version": "1.0.0", "data": { "transactions": { "customerId": "c" } }, "metrics": { "a": { "metric": "orders.aov" } } }).to_string(), "E_BAD_SPEC", "data.transactions"),
        (json!({ "unimetricSpec": 1, "name": "t", "version": "1.0.0", "metrics": { "a": { "metric": "orders.aov", "label": "x".repeat(10_001) } } }).to_string(), "E_TOO_LARGE", "metrics.a.label"),
        (format!("{}{}", "[".repeat(40), "]".repeat(40)), "E_TOO_LARGE", "$"),
        (json!({ "unimetricSpec": 1, "name": "t", "version": "1.0.0", "changelog": [{ "version": "1", "date": "d", "wy": "typo" }], "metrics": { "a": { "metric": "orders.aov" } } }).to_string(), "E_BAD_SPEC", "changelog.0.wy"),
    ];
    for (text, code, path) in cases {
        let e = err(&text);
        assert_eq!(e.code(), code, "{path}: {e}");
        assert_eq!(e.path(), Some(path), "{e}");
        assert!(e.to_string().starts_with(&format!("spec {path}: ")), "{e}");
    }
    // 10k metrics.
    let many: serde_json::Map<String, Value> = (0..10_000)
        .map(|i| (format!("m{i}"), json!({ "metric": "orders.aov" })))
        .collect();
    let e = err(&spec_with(Value::Object(many)));
    assert_eq!((e.code(), e.path()), ("E_TOO_LARGE", Some("metrics")));
}

#[test]
fn json_text_errors_carry_line_and_column() {
    let text = "{\n  \"unimetricSpec\": 1, \"name\": \"t\", \"version\": \"1.0.0\",\n  \"metrics\": {\n    \"ltv\": { \"metric\": \"ltv.clv\", \"params\": { \"margin\": 1.5 } }\n  }\n}";
    let e = err(text);
    assert_eq!(e.code(), "E_OUT_OF_RANGE");
    assert_eq!(e.path(), Some("metrics.ltv.params.margin"));
    assert_eq!(e.position(), Some((4, 57)));
    let e = err("{\n  \"unimetricSpec\": 1,\n  \"name\": \"t\",,\n}");
    assert_eq!(e.code(), "E_BAD_SPEC");
    assert_eq!(e.position().map(|p| p.0), Some(3));
}

#[test]
fn fingerprint_identifies_the_data_not_its_spelling() {
    let m = ColumnMapping::new("customer", "date", "amount");
    let a = Transactions::from_csv(
        b"customer,date,amount\n7,2024-01-01,10\n8,2024-01-02,20.50\n",
        &m,
    )
    .unwrap();
    let b = Transactions::from_csv(
        b"amount,customer,date\n10.0,7,2024-01-01T00:00:00Z\n20.5,8,2024-01-02\n",
        &m,
    )
    .unwrap();
    let ids = [7u32, 8];
    let t = [1_704_067_200_000.0, 1_704_153_600_000.0];
    let c = Transactions::from_columns(unimetric::TransactionColumns {
        customer_id: unimetric::IdColumn::Numeric(&ids),
        timestamp: unimetric::TimeColumn::EpochMs(&t),
        amount: &[10.0, 20.5],
        order_id: None,
        channel: None,
        cost: None,
    })
    .unwrap();
    // Computed on first use and kept; a table that has not computed it yet is still equal.
    let fresh = Transactions::from_csv(
        b"customer,date,amount\n7,2024-01-01,10\n8,2024-01-02,20.50\n",
        &m,
    )
    .unwrap();
    assert_eq!(a.fingerprint(), b.fingerprint());
    assert!(a == fresh);
    assert_eq!(a.clone().fingerprint(), fresh.fingerprint());
    assert_eq!(a.fingerprint(), c.fingerprint());
    let d = Transactions::from_csv(
        b"customer,date,amount\n7,2024-01-01,10\n8,2024-01-02,20.51\n",
        &m,
    )
    .unwrap();
    assert_ne!(a.fingerprint(), d.fingerprint());
    let e = Transactions::from_csv(
        b"customer,date,amount\n8,2024-01-01,10\n7,2024-01-02,20.50\n",
        &m,
    )
    .unwrap();
    assert_ne!(a.fingerprint(), e.fingerprint());
    let sm = SpendMapping::new("month", "channel", "amount");
    let s1 = Spend::from_csv(b"month,channel,amount\n2024-01-01,search,5\n", &sm).unwrap();
    let s2 = Spend::from_csv(b"channel,amount,month\nsearch,5.0,2024-01-01\n", &sm).unwrap();
    assert_eq!(s1.fingerprint(), s2.fingerprint());
}

#[test]
fn evaluate_errors_name_the_metric() {
    let spec = MetricSpec::parse(&spec_with(json!({ "cac": { "metric": "cac.paid" } }))).unwrap();
    let tx = tiny();
    let e = spec
        .evaluate(
            &Inputs {
                transactions: Some(&tx),
                ..Inputs::default()
            },
            None,
        )
        .unwrap_err();
    assert_eq!(e.path(), Some("metrics.cac"));
    assert!(e.to_string().contains("needs spend"), "{e}");
    let e = spec
        .evaluate(
            &Inputs {
                transactions: Some(&tx),
                ..Inputs::default()
            },
            Some(&["nope".into()]),
        )
        .unwrap_err();
    assert_eq!(e.code(), "E_BAD_OPTION");
    assert!(spec.transactions_mapping().is_err());
}

#[test]
fn markdown_shows_the_parameters_in_effect() {
    let spec = MetricSpec::parse(DEMO).unwrap();
    let md = spec.to_markdown();
    assert!(md.starts_with("# acme-growth 1.3.0"));
    assert!(md.contains("## 12-month CLV (`ltv12`)"));
    assert!(md.contains("| `margin` | 0.3 | shared.margin |"));
    assert!(md.contains("| `horizonMonths` | 12 | metrics.ltv12.params.horizonMonths |"));
    assert!(md.contains("| `discountConvention` | monthlyDiscrete | default |"));
    assert!(md.contains("**1.3.0** 2026-12-01 (growth analytics)"));
    assert!(md.contains(spec.definition_hash()));
}

#[test]
fn observation_end_is_shared() {
    // observationEnd 2024-01-02 (end of that day) keeps the first two transactions.
    let doc = json!({ "unimetricSpec": 1, "name": "t", "version": "1.0.0",
        "shared": { "observationEnd": "2024-01-02" },
        "metrics": { "revenue": { "metric": "revenue.net" }, "hist": { "metric": "ltv.historical" } } });
    let spec = MetricSpec::from_value(doc).unwrap();
    let tx = tiny();
    let out = spec
        .evaluate(
            &Inputs {
                transactions: Some(&tx),
                ..Inputs::default()
            },
            None,
        )
        .unwrap();
    assert_eq!(value(&out, "revenue"), Some(30.0));
    assert_eq!(value(&out, "hist"), Some(15.0));
    let direct = historical_ltv(
        &tx,
        &HistoricalOptions {
            observation_end: ObservationEnd::At(When::Date(19_724)),
            ..HistoricalOptions::default()
        },
    )
    .unwrap();
    assert_eq!(direct.ltv, vec![10.0, 20.0]);
}

/// `pkg-config/spec.schema.json` is generated from the catalog (regenerate with
/// `UNIMETRIC_BLESS=1 cargo test --test spec`).
#[cfg(not(target_arch = "wasm32"))]
#[test]
fn shipped_json_schema_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/pkg-config/spec.schema.json");
    let want = format!(
        "{}\n",
        serde_json::to_string_pretty(&unimetric::spec::schema::json_schema()).unwrap()
    );
    if std::env::var_os("UNIMETRIC_BLESS").is_some() {
        std::fs::write(path, &want).unwrap();
    }
    let have = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        have == want,
        "pkg-config/spec.schema.json is stale: run UNIMETRIC_BLESS=1 cargo test --test spec"
    );
}

/// The catalog table of docs/SPEC.md is generated from the code (regenerate with
/// `UNIMETRIC_BLESS=1 cargo test --test spec`).
#[test]
fn spec_md_catalog_table_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/SPEC.md");
    let text = std::fs::read_to_string(path).unwrap();
    let (start, end) = ("<!-- catalog:start -->\n", "<!-- catalog:end -->");
    let a = text.find(start).expect("catalog start marker") + start.len();
    let b = text.find(end).expect("catalog end marker");
    let want = entries::markdown_table();
    if std::env::var_os("UNIMETRIC_BLESS").is_some() {
        std::fs::write(path, format!("{}{}{}", &text[..a], want, &text[b..])).unwrap();
        return;
    }
    assert!(
        text[a..b] == want,
        "docs/SPEC.md catalog table is stale: run UNIMETRIC_BLESS=1 cargo test --test spec"
    );
}

#[test]
fn fingerprint_covers_dimensions() {
    let m = ColumnMapping::new("customer", "date", "amount");
    let csv = b"customer,date,amount\n7,2024-01-01,10\n8,2024-01-02,20\n";
    let plain = Transactions::from_csv(csv, &m).unwrap();
    let a = [Some("ios".to_string()), Some("web".to_string())];
    let b = [Some("ios".to_string()), Some("ios".to_string())];
    let with_a = Transactions::from_csv(csv, &m)
        .unwrap()
        .with_dimensions(&[("device", &a)])
        .unwrap();
    let with_b = Transactions::from_csv(csv, &m)
        .unwrap()
        .with_dimensions(&[("device", &b)])
        .unwrap();
    assert_ne!(plain.fingerprint(), with_a.fingerprint());
    assert_ne!(with_a.fingerprint(), with_b.fingerprint());
    let mut md = m.clone();
    md.dimensions = vec!["device".into()];
    let read = Transactions::from_csv(
        b"customer,date,amount,device\n7,2024-01-01,10,ios\n8,2024-01-02,20,web\n",
        &md,
    )
    .unwrap();
    assert_eq!(read.fingerprint(), with_a.fingerprint());
}

fn eval_all(spec: &MetricSpec, inputs: &Inputs<'_>) -> Vec<entries::Evaluated> {
    spec.evaluate(inputs, None).unwrap()
}

/// The metrics that fit models on the transactions equal their direct calls with the same
/// options, and the data-relative rules resolve to the days the test computes by hand.
#[test]
fn model_metrics_equal_direct_calls() {
    use unimetric::churn::alive::AliveChurnModel;
    use unimetric::churn::{evaluate_time_split, ChurnModel, FitOptions, SplitOptions};
    use unimetric::ltv::holdout::{calibration_holdout, HoldoutOptions};
    use unimetric::segment::choose::{choose_k_customers, ChooseKOptions};
    use unimetric::segment::{segment_customers, SegmentOptions};

    let demo = MetricSpec::parse(DEMO).unwrap();
    let (tx, _) = demo_data(&demo);
    let spec = MetricSpec::parse(&spec_with(json!({
        "propensity": { "metric": "churn.propensity", "params": { "horizonDays": 60 } },
        "propensityAt": { "metric": "churn.propensity",
            "params": { "trainCutoff": "2025-06-30", "scoreCutoff": "2025-09-30", "alpha": 0.5 } },
        "evaluation": { "metric": "churn.evaluation", "params": { "alive": true } },
        "alive": { "metric": "churn.alive" },
        "segments": { "metric": "segment.kmeans", "params": { "k": 3, "seed": 7 } },
        "chooseK": { "metric": "segment.choose_k", "params": { "kMax": 5 } },
        "holdout": { "metric": "ltv.holdout", "params": { "calibrationEnd": "2025-06-30" } }
    })))
    .unwrap();
    let out = eval_all(
        &spec,
        &Inputs {
            transactions: Some(&tx),
            ..Inputs::default()
        },
    );
    let last_day = tx.timestamps().iter().max().unwrap().div_euclid(86_400_000);
    let features = |cutoff: When, horizon_days: u32| {
        churn_features(
            &tx,
            &FeatureOptions {
                cutoff,
                horizon_days,
                timezone: None,
            },
        )
        .unwrap()
    };
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;

    // churn.propensity: fitted at the observation end − horizonDays, scored at its day.
    let propensity = |train: When, score: When, h: u32, fit: &FitOptions| {
        let t = features(train, h);
        let m = ChurnModel::fit_table(&t, t.labels.as_ref().unwrap(), fit).unwrap();
        mean(&m.predict_table(&features(score, h)).unwrap().0)
    };
    let p = propensity(
        When::Date(last_day - 60),
        When::Date(last_day),
        60,
        &FitOptions::default(),
    );
    assert_eq!(value(&out, "propensity"), Some(p));
    let day = |s: &str| {
        chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .unwrap()
            .signed_duration_since(chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap())
            .num_days()
    };
    let fit = FitOptions {
        alpha: 0.5,
        ..FitOptions::default()
    };
    let p_at = propensity(
        When::Date(day("2025-06-30")),
        When::Date(day("2025-09-30")),
        90,
        &fit,
    );
    assert_eq!(value(&out, "propensityAt"), Some(p_at));
    assert_ne!(p_at, p);

    // churn.evaluation: trainCutoff = end − 2·90 days, testCutoff = end − 90 days.
    let mut split = SplitOptions::new(0, 0);
    split.train_cutoff = When::Date(last_day - 180);
    split.test_cutoff = When::Date(last_day - 90);
    split.alive = true;
    let (_, e) = evaluate_time_split(&tx, &split, None).unwrap();
    assert_eq!(value(&out, "evaluation"), Some(e.model.auc));
    let detail =
        serde_json::to_value(&out.iter().find(|m| m.name == "evaluation").unwrap().detail).unwrap();
    assert_eq!(detail["alive"]["auc"], json!(e.alive.unwrap().auc));

    // churn.alive: BG/NBD on the features at the observation end's day, scored on them.
    let t = features(When::Date(last_day), 90);
    let a = AliveChurnModel::fit(&t, &BgNbdOptions::default()).unwrap();
    assert_eq!(
        value(&out, "alive"),
        Some(mean(&a.predict_table(&t).unwrap().0))
    );

    // segment.kmeans and segment.choose_k on the default (daily) summary.
    let s = CustomerSummary::from_transactions(&tx, &SummaryOptions::default()).unwrap();
    let seg = segment_customers(
        &s,
        &SegmentOptions {
            k: 3,
            seed: 7,
            ..SegmentOptions::default()
        },
    )
    .unwrap();
    let detail =
        serde_json::to_value(&out.iter().find(|m| m.name == "segments").unwrap().detail).unwrap();
    let labels: Vec<u32> = serde_json::from_value(detail["labels"].clone()).unwrap();
    assert_eq!(labels, seg.labels);
    let k = choose_k_customers(
        &s,
        &ChooseKOptions {
            k_max: 5,
            ..ChooseKOptions::default()
        },
        &mut unimetric::progress::silent,
    )
    .unwrap();
    assert_eq!(value(&out, "chooseK"), Some(k.recommended as f64));

    // ltv.holdout.
    let h = calibration_holdout(
        &tx,
        &HoldoutOptions::new((day("2025-06-30") + 1) * 86_400_000 - 1),
    )
    .unwrap();
    assert_eq!(value(&out, "holdout"), Some(h.mae));
}

/// Hand-computed experiment: eight units assigned on 2024-01-01 (control A–D, treatment E–H),
/// a 7-day window. Control: A (01-02) and B (01-03) buy in the window, C never, D on 01-20
/// (after it): conversion ½. Treatment: E (01-05) buys: ¼. Relative effect (¼ − ½)/½ = −½.
/// The split is 4:4, so the SRM chi-square is 0 and its p-value 1.
#[test]
fn experiment_metrics_from_assignments() {
    use unimetric::experiment::{
        experiment_on_transactions, experiment_report, plan_experiment, ArmValues,
        AssignmentMapping, AssignmentTable, ExperimentOnTransactionsOptions,
        ExperimentReportOptions, PlanOptions, TransactionMetric, UnitIds,
    };
    let tx = Transactions::from_csv(
        b"customer,date,amount\nA,2024-01-02,10\nB,2024-01-03,20\nD,2024-01-20,5\nE,2024-01-05,40\nZ,2024-02-01,1\n",
        &ColumnMapping::new("customer", "date", "amount"),
    )
    .unwrap();
    let csv = b"user,variant,at\nA,control,2024-01-01\nB,control,2024-01-01\nC,control,2024-01-01\nD,control,2024-01-01\nE,treatment,2024-01-01\nF,treatment,2024-01-01\nG,treatment,2024-01-01\nH,treatment,2024-01-01\n";
    let doc = json!({ "unimetricSpec": 1, "name": "t", "version": "1.0.0",
        "data": { "assignments": { "unitId": "user", "arm": "variant", "assignedAt": "at" } },
        "metrics": {
            "conversion": { "metric": "experiment.conversion", "params": { "windowDays": 7 } },
            "revenue": { "metric": "experiment.revenue_per_unit", "params": { "windowDays": 7 } },
            "pValue": { "metric": "experiment.frequentist",
                "params": { "windowDays": 7, "metric": "experiment.revenue_per_unit" } },
            "sequential": { "metric": "experiment.sequential", "params": { "windowDays": 7 } },
            "chance": { "metric": "experiment.bayesian", "params": { "windowDays": 7 } },
            "srm": { "metric": "experiment.srm" },
            "plan": { "metric": "experiment.plan",
                "params": { "metric": "proportion", "baselineRate": 0.05, "mde": 0.1 } },
            "report": { "metric": "experiment.report",
                "params": { "windowDays": 7, "correction": "holm",
                            "metrics": ["experiment.conversion", "experiment.orders_per_unit"] } }
        } });
    let spec = MetricSpec::from_value(doc).unwrap();
    let a = AssignmentTable::from_csv(csv, &spec.assignments_mapping().unwrap()).unwrap();
    let out = eval_all(
        &spec,
        &Inputs {
            transactions: Some(&tx),
            assignments: Some(&a),
            ..Inputs::default()
        },
    );
    assert!((value(&out, "conversion").unwrap() + 0.5).abs() < 1e-12);
    assert_eq!(value(&out, "srm"), Some(1.0));

    let direct = |metric, f: &dyn Fn(&mut ExperimentOnTransactionsOptions)| {
        let mut o = ExperimentOnTransactionsOptions {
            metric: Some(metric),
            window_days: 7.0,
            ..ExperimentOnTransactionsOptions::default()
        };
        f(&mut o);
        experiment_on_transactions(&a.view(), &tx, &o).unwrap()
    };
    let r = direct(TransactionMetric::RevenuePerUnit, &|_| {});
    // Revenue per unit: control (10 + 20 + 0 + 0)/4 = 7.5, treatment 40/4 = 10.
    assert_eq!(r.arms[0].mean, 7.5);
    assert_eq!(r.arms[1].mean, 10.0);
    assert_eq!(value(&out, "revenue"), Some(r.comparisons[0].estimate));
    assert_eq!(value(&out, "pValue"), r.comparisons[0].p_value);
    let seq = direct(TransactionMetric::Conversion, &|o| o.sequential = true);
    assert_eq!(value(&out, "sequential"), seq.comparisons[0].p_value);
    let bayes = direct(TransactionMetric::Conversion, &|o| {
        o.method = unimetric::experiment::ExperimentMethod::Bayesian
    });
    assert_eq!(value(&out, "chance"), bayes.comparisons[0].chance_to_win);
    let plan: PlanOptions =
        serde_json::from_value(json!({ "metric": "proportion", "baselineRate": 0.05, "mde": 0.1 }))
            .unwrap();
    assert_eq!(
        value(&out, "plan"),
        Some(plan_experiment(&plan).unwrap().units_per_arm)
    );
    let inputs: Vec<unimetric::experiment::ReportInput> = [
        TransactionMetric::Conversion,
        TransactionMetric::OrdersPerUnit,
    ]
    .into_iter()
    .map(|m| {
        let r = direct(m, &|_| {});
        serde_json::from_value(serde_json::to_value(&r).unwrap()).unwrap()
    })
    .collect();
    let report = experiment_report(
        &inputs,
        &ExperimentReportOptions {
            correction: serde_json::from_value(json!("holm")).unwrap(),
            ..ExperimentReportOptions::default()
        },
    )
    .unwrap();
    assert_eq!(
        value(&out, "report"),
        Some(report.rows.iter().filter(|r| r.significant).count() as f64)
    );

    // The fingerprint names the assignments, whichever way they were given.
    let conv = out.iter().find(|m| m.name == "conversion").unwrap();
    let columns = AssignmentTable {
        unit_id: UnitIds::Text("ABCDEFGH".chars().map(String::from).collect()),
        arm: ArmValues::Codes8(vec![0, 0, 0, 0, 1, 1, 1, 1]),
        arm_names: Some(vec!["control".into(), "treatment".into()]),
        assigned_at: vec![1_704_067_200_000.0; 8],
    };
    assert_eq!(
        conv.definition.assignments_fingerprint.as_deref(),
        Some(columns.fingerprint().as_str())
    );
    let mut moved = columns.clone();
    moved.assigned_at[7] += 1.0;
    assert_ne!(moved.fingerprint(), columns.fingerprint());
    let _ = AssignmentMapping::new("u", "a", "t");

    // Without the assignments, a coded error names the metric.
    let e = spec
        .evaluate(
            &Inputs {
                transactions: Some(&tx),
                ..Inputs::default()
            },
            Some(&["conversion".to_string()]),
        )
        .unwrap_err();
    assert_eq!(e.code(), "E_BAD_OPTION");
    assert_eq!(e.path(), Some("metrics.conversion"));
    // A mapping without the arm column is refused at parse.
    let bad = json!({ "unimetricSpec": 1, "name": "t", "version": "1.0.0",
        "data": { "assignments": { "unitId": "user", "assignedAt": "at" } }, "metrics": {} });
    let e = MetricSpec::from_value(bad).unwrap_err();
    assert_eq!(e.code(), "E_BAD_SPEC");
    assert_eq!(e.path(), Some("data.assignments"));
}

/// Every glossary definition can be named in a spec, by the definition it names.
#[test]
fn every_glossary_metric_can_be_named() {
    let catalog = unimetric::catalog::all();
    assert!(catalog.len() >= 39, "{}", catalog.len());
    for d in &catalog {
        let e = entries::get(d.id).unwrap_or_else(|| panic!("{} has no spec entry", d.id));
        assert_eq!(e.definition.id, d.id);
    }
    assert_eq!(entries::all().len(), catalog.len());
}

/// The demo spec written in YAML (by hand, tests/fixtures/specs/demo.yaml) is the same spec:
/// same definition hash and, as every value is the same, the same hash of the document.
#[test]
fn yaml_spec_is_the_same_spec() {
    let json = MetricSpec::parse(DEMO).unwrap();
    let yaml = MetricSpec::parse(include_str!("fixtures/specs/demo.yaml")).unwrap();
    assert_eq!(yaml.definition_hash(), json.definition_hash());
    assert_eq!(yaml.hash(), json.hash());
    assert_eq!(yaml.metric("ltv12").unwrap().params["margin"], json!(0.3));

    // An error found after reading points at the line and column of the value in the YAML.
    let bad = include_str!("fixtures/specs/demo.yaml").replace("margin: 0.30", "margin: 3");
    let e = MetricSpec::parse(&bad).unwrap_err();
    assert_eq!(e.code(), "E_OUT_OF_RANGE");
    assert_eq!(e.path(), Some("shared.margin"));
    let line = bad.lines().position(|l| l.contains("margin: 3")).unwrap() + 1;
    assert_eq!(e.position(), Some((line, 11)));
    // A YAML syntax error names its line.
    let e = MetricSpec::parse("name: x\nmetrics: [a,\n").unwrap_err();
    assert_eq!(e.code(), "E_BAD_SPEC");
    assert!(
        e.position().is_some_and(|(l, _)| l >= 2),
        "{:?}",
        e.position()
    );
    // An unknown metric in YAML is E_UNKNOWN_METRIC at its path and line.
    let e = MetricSpec::parse(
        &include_str!("fixtures/specs/demo.yaml").replace("metric: ltv.clv", "metric: ltv.magic"),
    )
    .unwrap_err();
    assert_eq!(e.code(), "E_UNKNOWN_METRIC");
    assert_eq!(e.path(), Some("metrics.ltv12.metric"));
    assert!(e.position().is_some());
}

/// The retention and BG/BB metrics equal their direct calls. Survivors: Fader & Hardie (2007)'s
/// "regular" cohort, years 0–7.
#[test]
fn retention_and_bgbb_metrics_equal_direct_calls() {
    use unimetric::ltv::bgbb::{BgBbModel, BgBbOptions};
    use unimetric::ltv::retention::{
        ContractPeriod, RetentionKind, RetentionModel, RetentionOptions,
    };
    let regular = [1000.0, 631.0, 468.0, 382.0, 326.0, 289.0, 262.0, 241.0];
    let spec = MetricSpec::parse(&spec_with(json!({
        "sbg": { "metric": "retention.sbg",
                 "params": { "survivors": regular, "discountRate": 0.1, "renewals": 2 } },
        "bdw": { "metric": "retention.bdw",
                 "params": { "survivors": [regular], "discountRate": 0.1 } },
        "bgbb": { "metric": "ltv.bgbb", "params": { "period": "week" } }
    })))
    .unwrap();
    let demo = MetricSpec::parse(DEMO).unwrap();
    let (tx, _) = demo_data(&demo);
    let out = eval_all(
        &spec,
        &Inputs {
            transactions: Some(&tx),
            ..Inputs::default()
        },
    );
    let sbg = RetentionModel::fit(&[&regular], &RetentionOptions::default()).unwrap();
    // The fit is the published one (α 0.704, β 1.182), and the headline its DERL.
    assert!((sbg.params.alpha - 0.704).abs() < 5e-4 && (sbg.params.beta - 1.182).abs() < 5e-4);
    assert_eq!(value(&out, "sbg"), Some(sbg.derl(0.1, 2.0).unwrap()));
    let bdw = RetentionModel::fit(
        &[&regular],
        &RetentionOptions {
            model: RetentionKind::Bdw,
            ..RetentionOptions::default()
        },
    )
    .unwrap();
    assert_eq!(value(&out, "bdw"), Some(bdw.derl(0.1, 0.0).unwrap()));
    assert_ne!(value(&out, "bdw"), value(&out, "sbg"));

    let s = CustomerSummary::from_transactions(
        &tx,
        &SummaryOptions {
            period: Period::Week,
            ..SummaryOptions::default()
        },
    )
    .unwrap();
    let m = BgBbModel::fit(
        &s.frequency,
        &s.recency,
        &s.t,
        None,
        &BgBbOptions {
            period: ContractPeriod::Week,
            ..BgBbOptions::default()
        },
    )
    .unwrap();
    let alive = m.probability_alive(&s.frequency, &s.recency, &s.t).unwrap();
    let bgbb = out.iter().find(|e| e.name == "bgbb").unwrap();
    assert_eq!(
        bgbb.value,
        Some(alive.iter().sum::<f64>() / alive.len() as f64)
    );
    let detail = serde_json::to_value(&bgbb.detail).unwrap();
    assert_eq!(detail["model"]["period"], json!("week"));
}

/// `cohort.matrix` equals `cohorts(tx, options)`, and the spec's shared margin reaches it.
#[test]
fn cohort_matrix_equals_the_direct_call() {
    use unimetric::cohort::{cohorts, CohortOptions};
    let demo = MetricSpec::parse(DEMO).unwrap();
    let (tx, _) = demo_data(&demo);
    let doc = json!({ "unimetricSpec": 1, "name": "t", "version": "1.0.0",
        "shared": { "margin": 0.3 },
        "metrics": { "m": { "metric": "cohort.matrix", "params": { "measure": "margin", "maxAge": 6 } } } });
    let spec = MetricSpec::from_value(doc).unwrap();
    let out = eval_all(
        &spec,
        &Inputs {
            transactions: Some(&tx),
            ..Inputs::default()
        },
    );
    let opts: CohortOptions =
        serde_json::from_value(json!({ "measure": "margin", "maxAge": 6, "margin": 0.3 })).unwrap();
    let direct = cohorts(&tx, &opts).unwrap();
    let detail = serde_json::to_value(&out[0].detail).unwrap();
    let values: Vec<Option<f64>> = serde_json::from_value(detail["values"].clone()).unwrap();
    assert_eq!(values.len(), direct.values.len());
    for (a, b) in values.iter().zip(&direct.values) {
        assert_eq!(a.unwrap_or(f64::NAN).to_bits(), b.to_bits());
    }
    assert_eq!(out[0].definition.params["margin"], json!(0.3));
}

/// `ltv.clv` with `purchaseModel: "ltv.pareto_nbd"` equals `clv_with` on a Pareto/NBD fit of the
/// same summary with the same fit options.
#[test]
fn clv_on_pareto_nbd_equals_the_direct_call() {
    use unimetric::ltv::clv::{clv_with, PurchaseModel};
    use unimetric::ltv::pareto_nbd::ParetoNbdModel;
    let demo = MetricSpec::parse(DEMO).unwrap();
    let (tx, _) = demo_data(&demo);
    let spec = MetricSpec::parse(&spec_with(json!({
        "ltv": { "metric": "ltv.clv", "params": { "purchaseModel": "ltv.pareto_nbd", "period": "week" } }
    })))
    .unwrap();
    let out = eval_all(
        &spec,
        &Inputs {
            transactions: Some(&tx),
            ..Inputs::default()
        },
    );
    let s = CustomerSummary::from_transactions(
        &tx,
        &SummaryOptions {
            period: Period::Week,
            ..SummaryOptions::default()
        },
    )
    .unwrap();
    let pn = ParetoNbdModel::fit(&s, &BgNbdOptions::default()).unwrap();
    let gg = GammaGammaModel::fit(&s, &GammaGammaOptions::default()).unwrap();
    let direct = clv_with(
        PurchaseModel::ParetoNbd(&pn),
        &gg,
        &s,
        &ClvOptions::default(),
    )
    .unwrap();
    assert_eq!(value(&out, "ltv"), Some(direct.total));
    let bg = BgNbdModel::fit(&s, &BgNbdOptions::default()).unwrap();
    assert_ne!(
        value(&out, "ltv"),
        Some(clv(&bg, &gg, &s, &ClvOptions::default()).unwrap().total)
    );
}

/// Hand-computed attribution: touchpoints of A, B, C and D; purchases of A (01-10, 01-20), B
/// (01-12) and C (01-15). Last touch over the 5 days before each first purchase: A's path is
/// email (01-08; search on 01-01 is too early), B's search (01-11; social on 01-05 is too
/// early), C's email; D never buys (a non-converting path). Last touch credits email 2 of the
/// 3 conversions: headline ⅔, from 4 touches (the default 30 days would take 6). The
/// Markov metric (every purchase day, order 1, repeats collapsed) equals the direct call bit for
/// bit, headline and detail.
#[test]
fn attribution_metrics_from_touchpoints() {
    use unimetric::attribution::{
        attribution, AttributionOptions, CustomerIds, Journeys, JourneysFromTransactionsOptions,
        Model, Purchases, TouchpointMapping, TouchpointTable,
    };
    let tx_csv = b"customer,date,amount\nA,2024-01-10,100\nB,2024-01-12,50\nC,2024-01-15,80\nA,2024-01-20,30\n";
    let tp_csv = b"user,seen,source\nA,2024-01-01,search\nA,2024-01-08,email\nB,2024-01-05,social\nB,2024-01-11,search\nC,2024-01-14,email\nD,2024-01-03,social\nA,2024-01-18, social\n";
    let doc = json!({ "unimetricSpec": 1, "name": "t", "version": "1.0.0",
        "data": { "transactions": { "customerId": "customer", "timestamp": "date", "amount": "amount" },
                  "touchpoints": { "customerId": "user", "timestamp": "seen", "channel": "source" } },
        "metrics": {
            "last": { "metric": "attribution.last_touch", "params": { "lookbackDays": 5 } },
            "markov": { "metric": "attribution.markov",
                "params": { "order": 1, "collapseRepeats": true, "purchases": "all" } },
            "aov": { "metric": "orders.aov" }
        } });
    let spec = MetricSpec::from_value(doc).unwrap();
    let tx = Transactions::from_csv(tx_csv, &spec.transactions_mapping().unwrap()).unwrap();
    let tp = TouchpointTable::from_csv(tp_csv, &spec.touchpoints_mapping().unwrap()).unwrap();
    assert_eq!(
        spec.touchpoints_mapping().unwrap(),
        TouchpointMapping::new("user", "seen", "source")
    );
    let out = eval_all(
        &spec,
        &Inputs {
            transactions: Some(&tx),
            touchpoints: Some(&tp),
            ..Inputs::default()
        },
    );
    assert_eq!(value(&out, "last"), Some(2.0 / 3.0));

    let direct = |lookback: f64, purchases, o: AttributionOptions| {
        let j = Journeys::from_transactions(
            tp.view(),
            &tx,
            &JourneysFromTransactionsOptions {
                lookback_days: lookback,
                purchases,
            },
        )
        .unwrap();
        attribution(&j, &o).unwrap()
    };
    let last = direct(
        5.0,
        Purchases::First,
        AttributionOptions {
            models: Some(vec![Model::LastTouch]),
            ..AttributionOptions::default()
        },
    );
    assert_eq!(last.channels, ["email", "search", "social"]);
    assert_eq!(last.models["lastTouch"].conversions, [2.0, 1.0, 0.0]);
    assert_eq!(last.totals.touches, 4);
    let markov = direct(
        30.0,
        Purchases::All,
        AttributionOptions {
            models: Some(vec![Model::Markov]),
            order: 1.0,
            collapse_repeats: true,
            ..AttributionOptions::default()
        },
    );
    for (name, r, model) in [("last", &last, "lastTouch"), ("markov", &markov, "markov")] {
        let e = out.iter().find(|m| m.name == name).unwrap();
        let top = r.models[model]
            .share
            .iter()
            .copied()
            .fold(f64::MIN, f64::max);
        assert_eq!(e.value.map(f64::to_bits), Some(top.to_bits()), "{name}");
        assert_eq!(
            serde_json::to_value(&e.detail).unwrap(),
            serde_json::to_value(r).unwrap(),
            "{name}"
        );
        assert_eq!(e.unit, "share (0–1)");
    }
    assert!(markov.markov.is_some());

    // The fingerprint names the touchpoints, whichever way they were given, and only the
    // metrics that read them carry it.
    let columns = TouchpointTable {
        customer_id: CustomerIds::Text("AABBCDA".chars().map(String::from).collect()),
        timestamp: tp.timestamp.clone(),
        channel: [
            "search", "email", "social", "search", "email", "social", "social",
        ]
        .map(String::from)
        .to_vec(),
    };
    let last_e = out.iter().find(|m| m.name == "last").unwrap();
    assert_eq!(
        last_e.definition.touchpoints_fingerprint.as_deref(),
        Some(columns.fingerprint().as_str())
    );
    assert!(last_e.definition.data_fingerprint.is_some());
    let aov = out.iter().find(|m| m.name == "aov").unwrap();
    assert_eq!(aov.definition.touchpoints_fingerprint, None);
    let mut moved = columns.clone();
    moved.channel[6] = "email".into();
    assert_ne!(moved.fingerprint(), columns.fingerprint());

    // Without the touchpoints, a coded error names the metric.
    let e = spec
        .evaluate(
            &Inputs {
                transactions: Some(&tx),
                ..Inputs::default()
            },
            Some(&["markov".to_string()]),
        )
        .unwrap_err();
    assert_eq!(e.code(), "E_BAD_OPTION");
    assert_eq!(e.path(), Some("metrics.markov"));

    // The touchpoints mapping is part of the definition: another channel column is a breaking
    // change at its path.
    let mut d = spec.document().clone();
    d["data"]["touchpoints"]["channel"] = json!("utm_source");
    let changed = MetricSpec::from_value(d).unwrap();
    assert_ne!(changed.definition_hash(), spec.definition_hash());
    let diff = diff_specs(&spec, &changed);
    assert!(diff.breaking);
    assert!(
        diff.changes
            .iter()
            .any(|c| c.kind == ChangeKind::Breaking && c.path == "data.touchpoints.channel"),
        "{:?}",
        diff.changes
    );
}

/// A touchpoints mapping without its channel column, with an unknown key, or not an object is
/// refused at parse with a coded error at `data.touchpoints`; a spec without one cannot read a
/// touchpoints CSV; a mapped column the CSV lacks names it; an attribution parameter out of
/// range, of the wrong shape or not the model's is refused at its path.
#[test]
fn bad_touchpoints_and_parameters_are_coded_errors_at_their_path() {
    let with = |tp: Value| {
        json!({ "unimetricSpec": 1, "name": "t", "version": "1.0.0",
            "data": { "touchpoints": tp }, "metrics": { "aov": { "metric": "orders.aov" } } })
    };
    for bad in [
        json!({ "customerId": "user", "timestamp": "seen" }),
        json!({ "customerId": "user", "timestamp": "seen", "channel": "source", "value": "v" }),
        json!({ "customerId": "user", "timestamp": "seen", "channel": "" }),
        json!(["user", "seen", "source"]),
    ] {
        let e = MetricSpec::from_value(with(bad.clone())).unwrap_err();
        assert_eq!(e.code(), "E_BAD_SPEC", "{bad}");
        assert_eq!(e.path(), Some("data.touchpoints"), "{bad}");
    }
    let none = MetricSpec::parse(&spec_with(json!({ "aov": { "metric": "orders.aov" } }))).unwrap();
    let e = none.touchpoints_mapping().unwrap_err();
    assert_eq!(e.path(), Some("data.touchpoints"));
    let ok = MetricSpec::from_value(with(
        json!({ "customerId": "user", "timestamp": "seen", "channel": "source" }),
    ))
    .unwrap();
    let e = unimetric::attribution::TouchpointTable::from_csv(
        b"user,seen\nA,2024-01-01\n",
        &ok.touchpoints_mapping().unwrap(),
    )
    .unwrap_err();
    assert_eq!(e.code(), "E_MISSING_COLUMN");
    assert_eq!(e.column(), Some("source"));
    let e = unimetric::attribution::TouchpointTable::from_csv(
        b"user,seen,source\nA,2024-01-01,search\nB,2024-01-02,\n",
        &ok.touchpoints_mapping().unwrap(),
    )
    .unwrap_err();
    assert_eq!(e.code(), "E_MISSING_VALUE");
    // Rows are counted as the file's lines, the header being line 1.
    assert_eq!((e.column(), e.row()), (Some("source"), Some(3)));
    // The models' parameters are checked at parse, at their path.
    for (metric, params, code, at) in [
        (
            "attribution.position_based",
            json!({ "positionWeights": [0.5, -0.5, 1] }),
            "E_BAD_OPTION",
            "positionWeights",
        ),
        (
            "attribution.position_based",
            json!({ "positionWeights": [0.5, 0.5] }),
            "E_BAD_OPTION",
            "positionWeights",
        ),
        (
            "attribution.markov",
            json!({ "order": 5 }),
            "E_OUT_OF_RANGE",
            "order",
        ),
        (
            "attribution.time_decay",
            json!({ "halfLifeDays": 0 }),
            "E_OUT_OF_RANGE",
            "halfLifeDays",
        ),
        (
            "attribution.linear",
            json!({ "lookbackDays": 0 }),
            "E_OUT_OF_RANGE",
            "lookbackDays",
        ),
        (
            "attribution.linear",
            json!({ "purchases": "last" }),
            "E_OUT_OF_RANGE",
            "purchases",
        ),
        (
            "attribution.last_non_direct",
            json!({ "directChannel": " " }),
            "E_BAD_OPTION",
            "directChannel",
        ),
        (
            "attribution.shapley",
            json!({ "order": 2 }),
            "E_UNKNOWN_OPTION",
            "order",
        ),
    ] {
        let e = MetricSpec::parse(&spec_with(
            json!({ "m": { "metric": metric, "params": params } }),
        ))
        .unwrap_err();
        assert_eq!(e.code(), code, "{metric} {params}");
        assert_eq!(
            e.path(),
            Some(format!("metrics.m.params.{at}").as_str()),
            "{metric} {params}"
        );
    }
}

/// `cac.attributed` in a spec equals `cac` with the credits of the named model, computed by
/// hand: A (10 Jan; touches search 1 Jan, email 8 Jan) and B (12 Jan; social 5 Jan, search 11
/// Jan) converting in January under last touch: email 1, search 1; C (15 Jan; email 14 Jan):
/// email 1. January spend search 90, email 40: search 90 / 1, email 40 / 2.
#[test]
fn cac_by_attributed_channel_in_a_spec() {
    use unimetric::attribution::TouchpointTable;
    use unimetric::data::spend::Spend;
    let tx_csv = b"customer,date,amount\nA,2024-01-10,100\nB,2024-01-12,50\nC,2024-01-15,80\n";
    let tp_csv = b"user,seen,source\nA,2024-01-01,search\nA,2024-01-08,email\nB,2024-01-05,social\nB,2024-01-11,search\nC,2024-01-14,email\n";
    let spend_csv = b"month,channel,amount\n2024-01-01,search,90\n2024-01-01,email,40\n";
    let doc = json!({ "unimetricSpec": 1, "name": "t", "version": "1.0.0",
        "data": { "transactions": { "customerId": "customer", "timestamp": "date", "amount": "amount" },
                  "spend": { "date": "month", "channel": "channel", "amount": "amount" },
                  "touchpoints": { "customerId": "user", "timestamp": "seen", "channel": "source" } },
        "metrics": { "cac": { "metric": "cac.attributed", "params": { "model": "lastTouch" } } } });
    let spec = MetricSpec::from_value(doc).unwrap();
    let tx = Transactions::from_csv(tx_csv, &spec.transactions_mapping().unwrap()).unwrap();
    let tp = TouchpointTable::from_csv(tp_csv, &spec.touchpoints_mapping().unwrap()).unwrap();
    let spend = Spend::from_csv(spend_csv, &spec.spend_mapping().unwrap()).unwrap();
    let out = eval_all(
        &spec,
        &Inputs {
            transactions: Some(&tx),
            spend: Some(&spend),
            touchpoints: Some(&tp),
            ..Inputs::default()
        },
    );
    let detail = serde_json::to_value(&out[0].detail).unwrap();
    let rows = detail["rows"].as_array().unwrap();
    let row = |ch: &str| rows.iter().find(|r| r["channel"] == ch).unwrap();
    assert_eq!(
        (
            row("search")["newCustomers"].as_f64(),
            row("search")["value"].as_f64()
        ),
        (Some(1.0), Some(90.0))
    );
    assert_eq!(
        (
            row("email")["newCustomers"].as_f64(),
            row("email")["value"].as_f64()
        ),
        (Some(2.0), Some(20.0))
    );
    assert_eq!(row("email")["definition"]["metric"], "cac.attributed");
    assert_eq!(row("email")["definition"]["params"]["model"], "lastTouch");
    // Without the model, the spec is refused at its path.
    let bad = json!({ "unimetricSpec": 1, "name": "t", "version": "1.0.0",
        "metrics": { "cac": { "metric": "cac.attributed" } } });
    let e = MetricSpec::from_value(bad).unwrap_err();
    assert_eq!(e.path(), Some("metrics.cac.params.model"));
}

/// The anomaly metrics on a KPI series equal `detect_anomalies` on `kpi_series` of the same data:
/// the flags of daily revenue (robust score and ESD), the trend of weekly orders (STL), and
/// `customers.repeat_share` tested as counts out of the active customers.
#[test]
fn anomaly_metrics_equal_direct_calls() {
    use unimetric::anomaly::{detect_anomalies, AnomalyMethod, AnomalyOptions, AnomalySeries};
    use unimetric::kpi_series::{kpi_series, Bucket, KpiSeriesOptions};
    let demo = MetricSpec::parse(DEMO).unwrap();
    let (tx, _) = demo_data(&demo);
    let spec = MetricSpec::parse(&spec_with(json!({
        "flags": { "metric": "anomaly.detect", "params": { "sensitivity": 0.8 } },
        "esd": { "metric": "anomaly.esd", "params": { "series": "orders.count", "maxAnomalies": 10 } },
        "trend": { "metric": "anomaly.stl", "params": { "series": "orders.count", "bucket": "week" } },
        "repeat": { "metric": "anomaly.detect", "params": { "series": "customers.repeat_share", "bucket": "week", "minDenominator": 50 } }
    })))
    .unwrap();
    let out = eval_all(
        &spec,
        &Inputs {
            transactions: Some(&tx),
            ..Inputs::default()
        },
    );
    let series = |metric: &str, bucket: Bucket| {
        let s = kpi_series(
            &tx,
            &KpiSeriesOptions {
                bucket,
                metrics: Some(vec![metric.into()]),
                ..Default::default()
            },
        )
        .unwrap();
        let m = &s.series[metric];
        (s.time.clone(), m.value.clone(), m.denominator.clone())
    };
    let flags =
        |r: &unimetric::anomaly::AnomalyResult| r.flagged.iter().map(|&f| f as f64).sum::<f64>();

    let (time, revenue, _) = series("revenue.net", Bucket::Day);
    let direct = detect_anomalies(
        &AnomalySeries {
            time,
            value: revenue,
            denominator: None,
        },
        &AnomalyOptions {
            sensitivity: 0.8,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(value(&out, "flags"), Some(flags(&direct)));
    assert!(flags(&direct) > 0.0);

    let (time, orders, _) = series("orders.count", Bucket::Day);
    let esd = detect_anomalies(
        &AnomalySeries {
            time,
            value: orders,
            denominator: None,
        },
        &AnomalyOptions {
            method: AnomalyMethod::Esd,
            max_anomalies: Some(10.0),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(value(&out, "esd"), Some(flags(&esd)));

    let (time, weekly, _) = series("orders.count", Bucket::Week);
    let stl = detect_anomalies(
        &AnomalySeries {
            time,
            value: weekly,
            denominator: None,
        },
        &AnomalyOptions::default(),
    )
    .unwrap();
    assert_eq!(
        value(&out, "trend"),
        stl.decomposition.trend.last().copied()
    );

    let (time, share, active) = series("customers.repeat_share", Bucket::Week);
    let active = active.unwrap();
    let counts: Vec<f64> = share
        .iter()
        .zip(&active)
        .map(|(s, n)| (s * n).round())
        .collect();
    let rate = detect_anomalies(
        &AnomalySeries {
            time,
            value: counts,
            denominator: Some(active),
        },
        &AnomalyOptions {
            min_denominator: 50.0,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(rate.p_value.is_some());
    assert_eq!(value(&out, "repeat"), Some(flags(&rate)));
    let detail =
        serde_json::to_value(&out.iter().find(|e| e.name == "repeat").unwrap().detail).unwrap();
    assert!(detail["pValue"].is_array());
}
