//! The metric spec as an Open Semantic Interchange (OSI) document: the export's shape, the
//! round trip keeping both hashes, the import really reading the UNIMETRIC extensions, and
//! coded errors at OSI paths for documents unimetric did not write.

use serde_json::{json, Value};
use unimetric::spec::osi::OSI_VERSION;
use unimetric::spec::MetricSpec;

/// An edit of an OSI document.
type Edit = Box<dyn Fn(&mut Value)>;

const DEMO: &str = include_str!("../www/specs/demo.json");

fn demo() -> MetricSpec {
    MetricSpec::parse(DEMO).unwrap()
}

/// The OSI metric at `i` of the demo export, mutably.
fn metric_mut(osi: &mut Value, i: usize) -> &mut Value {
    &mut osi["semantic_model"][0]["metrics"][i]
}

/// The JSON object held by the first extension's `data` of `holder`.
fn ext_data(holder: &Value) -> Value {
    serde_json::from_str(holder["custom_extensions"][0]["data"].as_str().unwrap()).unwrap()
}

fn set_ext_data(holder: &mut Value, data: &Value) {
    holder["custom_extensions"][0]["data"] = Value::String(data.to_string());
}

#[test]
fn export_has_the_osi_shape() {
    let spec = demo();
    let osi = spec.to_osi();
    assert_eq!(osi["version"], OSI_VERSION);
    assert_eq!(osi.as_object().unwrap().len(), 2);
    let model = &osi["semantic_model"][0];
    assert_eq!(osi["semantic_model"].as_array().unwrap().len(), 1);
    assert_eq!(model["name"], "acme-growth");
    assert_eq!(model["description"], spec.description.clone().unwrap());
    let datasets = model["datasets"].as_array().unwrap();
    assert_eq!(datasets.len(), 2);
    assert_eq!(datasets[0]["name"], "transactions");
    assert_eq!(datasets[0]["source"], "transactions");
    let tx_fields = datasets[0]["fields"].as_array().unwrap();
    let names: Vec<&str> = tx_fields
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["customer_id", "order_date", "amount", "order_id", "channel"]
    );
    assert_eq!(tx_fields[0]["label"], "customerId");
    assert_eq!(tx_fields[1]["dimension"], json!({ "is_time": true }));
    assert!(tx_fields[0].get("dimension").is_none());
    assert_eq!(
        tx_fields[2]["expression"],
        json!({ "dialects": [ { "dialect": "ANSI_SQL", "expression": "amount" } ] })
    );
    assert_eq!(datasets[1]["name"], "spend");
    assert_eq!(datasets[1]["fields"][0]["name"], "month");
    assert_eq!(datasets[1]["fields"][0]["dimension"]["is_time"], true);
    let metrics = model["metrics"].as_array().unwrap();
    assert_eq!(metrics.len(), spec.metrics.len());
    let ltv = metrics.iter().find(|m| m["name"] == "ltv12").unwrap();
    assert_eq!(ltv["description"], "12-month CLV");
    let sql = ltv["expression"]["dialects"][0]["expression"]
        .as_str()
        .unwrap();
    assert!(sql.starts_with("NULL /* unimetric ltv.clv:"), "{sql}");
    assert_eq!(ltv["custom_extensions"][0]["vendor_name"], "UNIMETRIC");
    // The parameters as written, not with the defaults filled in.
    assert_eq!(
        ext_data(ltv),
        json!({ "metric": "ltv.clv", "version": "^2", "label": "12-month CLV",
                "params": { "horizonMonths": 12, "discountRate": 0.01, "period": "week" } })
    );
    let churn = metrics.iter().find(|m| m["name"] == "churn90").unwrap();
    assert!(churn["description"]
        .as_str()
        .unwrap()
        .starts_with("90-day churn: Share of"));
    let model_ext = ext_data(model);
    assert_eq!(model_ext["unimetricSpec"], 1);
    assert_eq!(model_ext["version"], "1.3.0");
    assert_eq!(model_ext["shared"]["margin"], 0.3);
    assert_eq!(model_ext["changelog"].as_array().unwrap().len(), 2);
    assert!(model_ext.get("metrics").is_none() && model_ext.get("name").is_none());
}

#[test]
fn demo_round_trip_keeps_both_hashes() {
    let spec = demo();
    let osi = spec.to_osi();
    // Through the text too, as a file would carry it.
    let text = serde_json::to_string_pretty(&osi).unwrap();
    let back = MetricSpec::from_osi(&serde_json::from_str(&text).unwrap()).unwrap();
    assert_eq!(back.definition_hash(), spec.definition_hash());
    assert_eq!(back.hash(), spec.hash());
    assert_eq!(
        back,
        MetricSpec::from_value(spec.document().clone()).unwrap()
    );
    assert_eq!(back.to_osi(), osi);
}

#[test]
fn minimal_spec_without_data_round_trips() {
    let spec = MetricSpec::from_value(json!({
        "unimetricSpec": 1, "name": "t", "version": "1.0.0",
        "metrics": { "aov": { "metric": "orders.aov" } }
    }))
    .unwrap();
    let osi = spec.to_osi();
    let model = &osi["semantic_model"][0];
    assert!(model.get("description").is_none());
    let datasets = model["datasets"].as_array().unwrap();
    assert_eq!(datasets.len(), 1);
    assert_eq!(datasets[0]["name"], "transactions");
    assert!(datasets[0].get("fields").is_none());
    assert!(model["metrics"][0].get("description").is_none());
    assert_eq!(
        ext_data(&model["metrics"][0]),
        json!({ "metric": "orders.aov" })
    );
    assert_eq!(
        ext_data(model),
        json!({ "unimetricSpec": 1, "version": "1.0.0" })
    );
    let back = MetricSpec::from_osi(&osi).unwrap();
    assert_eq!(back.definition_hash(), spec.definition_hash());
    assert_eq!(back.hash(), spec.hash());
}

#[test]
fn import_reads_the_metric_extension() {
    let spec = demo();
    let mut osi = spec.to_osi();
    let i = osi["semantic_model"][0]["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .position(|m| m["name"] == "ltv12")
        .unwrap();
    let m = metric_mut(&mut osi, i);
    let mut data = ext_data(m);
    data["params"]["horizonMonths"] = json!(24);
    set_ext_data(m, &data);
    let back = MetricSpec::from_osi(&osi).unwrap();
    assert_eq!(back.metric("ltv12").unwrap().params["horizonMonths"], 24.0);
    assert_ne!(back.definition_hash(), spec.definition_hash());
    assert_ne!(back.hash(), spec.hash());
    // A cosmetic change in the extension changes the document hash only.
    let mut osi = spec.to_osi();
    let m = metric_mut(&mut osi, i);
    let mut data = ext_data(m);
    data["label"] = json!("CLV, 12 months");
    set_ext_data(m, &data);
    let back = MetricSpec::from_osi(&osi).unwrap();
    assert_eq!(back.definition_hash(), spec.definition_hash());
    assert_ne!(back.hash(), spec.hash());
}

#[test]
fn vendor_name_is_read_case_insensitively() {
    let spec = demo();
    let mut osi = spec.to_osi();
    osi["semantic_model"][0]["custom_extensions"][0]["vendor_name"] = json!("unimetric");
    osi["semantic_model"][0]["metrics"][0]["custom_extensions"][0]["vendor_name"] =
        json!("Unimetric");
    // Another vendor's extension next to ours is ignored.
    osi["semantic_model"][0]["metrics"][1]["custom_extensions"]
        .as_array_mut()
        .unwrap()
        .insert(0, json!({ "vendor_name": "DBT", "data": "{}" }));
    let back = MetricSpec::from_osi(&osi).unwrap();
    assert_eq!(back.hash(), spec.hash());
}

#[test]
fn bad_osi_documents_get_coded_errors_at_osi_paths() {
    let m2 = "semantic_model.0.metrics.2";
    let cases: Vec<(&str, Edit, &str, &str)> = vec![
        (
            "not an object",
            Box::new(|o| *o = json!([1])),
            "E_BAD_SPEC",
            "$",
        ),
        (
            "no semantic_model",
            Box::new(|o| {
                o.as_object_mut().unwrap().remove("semantic_model");
            }),
            "E_BAD_SPEC",
            "semantic_model",
        ),
        (
            "semantic_model not an array",
            Box::new(|o| o["semantic_model"] = json!({})),
            "E_BAD_SPEC",
            "semantic_model",
        ),
        (
            "empty semantic_model",
            Box::new(|o| o["semantic_model"] = json!([])),
            "E_BAD_SPEC",
            "semantic_model",
        ),
        (
            "model not an object",
            Box::new(|o| o["semantic_model"] = json!(["m"])),
            "E_BAD_SPEC",
            "semantic_model.0",
        ),
        (
            "no version",
            Box::new(|o| {
                o.as_object_mut().unwrap().remove("version");
            }),
            "E_BAD_SPEC",
            "version",
        ),
        (
            "model without a name",
            Box::new(|o| {
                o["semantic_model"][0]
                    .as_object_mut()
                    .unwrap()
                    .remove("name");
            }),
            "E_BAD_SPEC",
            "semantic_model.0.name",
        ),
        (
            "model without the UNIMETRIC extension",
            Box::new(|o| {
                o["semantic_model"][0]
                    .as_object_mut()
                    .unwrap()
                    .remove("custom_extensions");
            }),
            "E_BAD_SPEC",
            "semantic_model.0.custom_extensions",
        ),
        (
            "no metrics",
            Box::new(|o| {
                o["semantic_model"][0]
                    .as_object_mut()
                    .unwrap()
                    .remove("metrics");
            }),
            "E_BAD_SPEC",
            "semantic_model.0.metrics",
        ),
        (
            "metric without extension",
            Box::new(|o| {
                o["semantic_model"][0]["metrics"][2]
                    .as_object_mut()
                    .unwrap()
                    .remove("custom_extensions");
            }),
            "E_BAD_SPEC",
            "semantic_model.0.metrics.2.custom_extensions",
        ),
        (
            "metric with another vendor's extension only",
            Box::new(|o| {
                o["semantic_model"][0]["metrics"][2]["custom_extensions"][0]["vendor_name"] =
                    json!("DBT");
            }),
            "E_BAD_SPEC",
            "semantic_model.0.metrics.2.custom_extensions",
        ),
        (
            "extension data not JSON text",
            Box::new(|o| {
                o["semantic_model"][0]["metrics"][2]["custom_extensions"][0]["data"] =
                    json!("{ not json");
            }),
            "E_BAD_SPEC",
            "semantic_model.0.metrics.2.custom_extensions.0.data",
        ),
        (
            "extension data an object, not text",
            Box::new(|o| {
                o["semantic_model"][0]["metrics"][2]["custom_extensions"][0]["data"] =
                    json!({ "metric": "orders.aov" });
            }),
            "E_BAD_SPEC",
            "semantic_model.0.metrics.2.custom_extensions.0.data",
        ),
        (
            "extension data the text of an array",
            Box::new(|o| {
                o["semantic_model"][0]["metrics"][2]["custom_extensions"][0]["data"] = json!("[1]");
            }),
            "E_BAD_SPEC",
            "semantic_model.0.metrics.2.custom_extensions.0.data",
        ),
        (
            "two UNIMETRIC extensions on one metric",
            Box::new(|o| {
                let e = o["semantic_model"][0]["metrics"][2]["custom_extensions"][0].clone();
                o["semantic_model"][0]["metrics"][2]["custom_extensions"]
                    .as_array_mut()
                    .unwrap()
                    .push(e);
            }),
            "E_BAD_SPEC",
            "semantic_model.0.metrics.2.custom_extensions.1",
        ),
        (
            "metric name not a spec name",
            Box::new(|o| o["semantic_model"][0]["metrics"][2]["name"] = json!("a.b")),
            "E_BAD_SPEC",
            "semantic_model.0.metrics.2.name",
        ),
        (
            "metric name twice",
            Box::new(|o| {
                o["semantic_model"][0]["metrics"][2]["name"] =
                    o["semantic_model"][0]["metrics"][0]["name"].clone();
            }),
            "E_BAD_SPEC",
            "semantic_model.0.metrics.2.name",
        ),
        (
            "unknown key in the metric extension",
            Box::new(|o| {
                let m = &mut o["semantic_model"][0]["metrics"][2];
                let mut d = ext_data(m);
                d["unit"] = json!("EUR");
                set_ext_data(m, &d);
            }),
            "E_BAD_SPEC",
            "semantic_model.0.metrics.2.custom_extensions.0.data.unit",
        ),
        (
            "unknown key in the model extension",
            Box::new(|o| {
                let m = &mut o["semantic_model"][0];
                let mut d = ext_data(m);
                d["metrics"] = json!({});
                set_ext_data(m, &d);
            }),
            "E_BAD_SPEC",
            "semantic_model.0.custom_extensions.0.data.metrics",
        ),
        // Errors of the rebuilt spec keep their code and are placed inside the extension's data.
        (
            "unknown metric id",
            Box::new(|o| {
                let m = &mut o["semantic_model"][0]["metrics"][2];
                let mut d = ext_data(m);
                d["metric"] = json!("ltv.magic");
                set_ext_data(m, &d);
            }),
            "E_UNKNOWN_METRIC",
            "semantic_model.0.metrics.2.custom_extensions.0.data.metric",
        ),
        (
            "unknown parameter",
            Box::new(|o| {
                let m = &mut o["semantic_model"][0]["metrics"][2];
                let mut d = ext_data(m);
                d["params"]["nope"] = json!(1);
                set_ext_data(m, &d);
            }),
            "E_UNKNOWN_OPTION",
            "semantic_model.0.metrics.2.custom_extensions.0.data.params.nope",
        ),
        (
            "bad currency in the model extension",
            Box::new(|o| {
                let m = &mut o["semantic_model"][0];
                let mut d = ext_data(m);
                d["data"]["currency"] = json!("euro");
                set_ext_data(m, &d);
            }),
            "E_OUT_OF_RANGE",
            "semantic_model.0.custom_extensions.0.data.data.currency",
        ),
        (
            "blank model name",
            Box::new(|o| o["semantic_model"][0]["name"] = json!(" ")),
            "E_BAD_SPEC",
            "semantic_model.0.name",
        ),
    ];
    let base = demo().to_osi();
    assert_eq!(base["semantic_model"][0]["metrics"][2]["name"], "churn90");
    for (what, edit, code, path) in cases {
        let mut osi = base.clone();
        edit(&mut osi);
        let e = MetricSpec::from_osi(&osi).unwrap_err();
        assert_eq!((e.code(), e.path()), (code, Some(path)), "{what}: {e}");
        if path.starts_with(m2) && what.contains("without extension") {
            let text = e.to_string();
            assert!(text.contains("not a unimetric metric"), "{text}");
            assert!(text.contains("churn90"), "{text}");
        }
    }
}

#[test]
fn wrong_types_anywhere_are_errors_not_panics() {
    let base = demo().to_osi();
    let junk = [json!(null), json!(7), json!("x"), json!([]), json!({})];
    // Every object or array of the export, replaced by each junk value in turn.
    fn paths(v: &Value, at: String, out: &mut Vec<String>) {
        match v {
            Value::Object(o) => {
                for (k, x) in o {
                    let p = format!("{at}/{k}");
                    out.push(p.clone());
                    paths(x, p, out);
                }
            }
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    let p = format!("{at}/{i}");
                    out.push(p.clone());
                    paths(x, p, out);
                }
            }
            _ => {}
        }
    }
    let mut all = Vec::new();
    paths(&base, String::new(), &mut all);
    for p in &all {
        for j in &junk {
            let mut osi = base.clone();
            *osi.pointer_mut(p).unwrap() = j.clone();
            // Either the spec still reads (a cosmetic field) or a coded error with a path.
            if let Err(e) = MetricSpec::from_osi(&osi) {
                assert!(e.path().is_some(), "{p} = {j}: {e}");
            }
        }
    }
}

#[test]
fn mapped_columns_become_fields_once_and_the_mapping_round_trips() {
    let spec = MetricSpec::from_value(json!({
        "unimetricSpec": 1.0, "name": "t", "version": "1.0.0",
        "data": { "transactions": {
            "customerId": "c", "timestamp": "t", "amount": "a", "channel": "ch",
            "dimensions": ["ch", "country"], "timezone": "Europe/Berlin", "dateFormat": "DD.MM.YYYY"
        } },
        "metrics": { "ltv": { "metric": "ltv.historical", "params": { "margin": 0.30 } } }
    }))
    .unwrap();
    let osi = spec.to_osi();
    let fields = osi["semantic_model"][0]["datasets"][0]["fields"]
        .as_array()
        .unwrap();
    let named: Vec<(&str, &str)> = fields
        .iter()
        .map(|f| (f["name"].as_str().unwrap(), f["label"].as_str().unwrap()))
        .collect();
    assert_eq!(
        named,
        [
            ("c", "customerId"),
            ("t", "timestamp"),
            ("a", "amount"),
            ("ch", "channel"),
            ("country", "dimension")
        ]
    );
    let back = MetricSpec::from_osi(&osi).unwrap();
    assert_eq!(back.definition_hash(), spec.definition_hash());
    assert_eq!(back.hash(), spec.hash());
    assert_eq!(back.data, spec.data);
}

/// A spec naming every metric of the catalog, with assignments and touchpoints mappings,
/// round-trips through OSI to both hashes and its data section, and the assignments and the
/// touchpoints are datasets of the export.
#[test]
fn every_metric_assignments_and_touchpoints_round_trip() {
    let mut metrics = serde_json::Map::new();
    for e in unimetric::spec::entries::all() {
        let params = match e.metric {
            "ltv.simple" => json!({ "arpu": 10, "churnRate": 0.1 }),
            "ltv.holdout" => json!({ "calibrationEnd": "2025-06-30" }),
            "retention.sbg" | "retention.bdw" => {
                json!({ "survivors": [1000, 631, 468, 382], "discountRate": 0.1 })
            }
            "experiment.plan" => {
                json!({ "metric": "proportion", "baselineRate": 0.1, "mde": 0.05 })
            }
            "cac.attributed" => json!({ "model": "markov" }),
            _ => json!({}),
        };
        metrics.insert(
            e.metric.replace('.', "_"),
            json!({ "metric": e.metric, "params": params }),
        );
    }
    let doc = json!({ "unimetricSpec": 1, "name": "all", "version": "1.0.0",
        "data": { "transactions": { "customerId": "c", "timestamp": "d", "amount": "a" },
                  "assignments": { "unitId": "user", "arm": "variant", "assignedAt": "at" },
                  "touchpoints": { "customerId": "user", "timestamp": "seen", "channel": "source",
                                   "timezone": "Europe/Berlin" } },
        "metrics": metrics });
    let spec = MetricSpec::from_value(doc).unwrap();
    let osi = spec.to_osi();
    let datasets = osi["semantic_model"][0]["datasets"].as_array().unwrap();
    let assignments = datasets
        .iter()
        .find(|d| d["name"] == "assignments")
        .unwrap();
    assert_eq!(assignments["fields"].as_array().unwrap().len(), 3);
    let touchpoints = datasets
        .iter()
        .find(|d| d["name"] == "touchpoints")
        .unwrap();
    let roles: Vec<(&str, &str)> = touchpoints["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["name"].as_str().unwrap(), f["label"].as_str().unwrap()))
        .collect();
    assert_eq!(
        roles,
        [
            ("user", "customerId"),
            ("seen", "timestamp"),
            ("source", "channel")
        ]
    );
    let back = MetricSpec::from_osi(&osi).unwrap();
    assert_eq!(back.definition_hash(), spec.definition_hash());
    assert_eq!(back.hash(), spec.hash());
    assert_eq!(back.data, spec.data);
    assert_eq!(back.touchpoints_mapping(), spec.touchpoints_mapping());
    assert_eq!(back.metrics.len(), unimetric::spec::entries::all().len());
}
