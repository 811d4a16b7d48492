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
        "cutoff" => return json!("2024-02-15"),
        "timezone" => return json!("Europe/Berlin"),
        _ => {}
    }
    if let Some(values) = p.values {
        let other = values
            .iter()
            .find(|v| current.as_str() != Some(**v))
            .unwrap();
        return json!(other);
    }
    let x = current.as_f64().unwrap();
    let lo = p.min.unwrap_or(f64::NEG_INFINITY);
    let hi = p.max.unwrap_or(f64::INFINITY);
    let candidates = [x + 1.0, x * 2.0, x / 2.0, x - 1.0, (lo + hi) / 2.0];
    let ok = |y: f64| {
        y.is_finite()
            && y != x
            && y <= hi
            && if p.min_exclusive { y > lo } else { y >= lo }
            && (!p.integer || y.fract() == 0.0)
    };
    json!(candidates.into_iter().find(|&y| ok(y)).unwrap())
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
        let base_doc = json!({ "unimetricSpec": 1, "name": "t", "version": "2.4.1",
            "metrics": { "m": { "metric": e.metric, "params": params.clone() } } });
        let base = MetricSpec::from_value(base_doc.clone()).unwrap();
        for p in e.params {
            let current = base.metric("m").unwrap().params[p.name].clone();
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
    assert!(checked > 60, "{checked}");
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
