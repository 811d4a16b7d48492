//! Export and import of a metric spec as an Open Semantic Interchange (OSI) document.
//!
//! OSI (now Apache Ossie) describes semantic models: datasets with fields, and metrics written
//! as SQL expressions. This module writes a spec as one OSI semantic model and reads such a
//! model back. The OSI version is pinned to [`OSI_VERSION`] (`0.2.0.dev0`, a draft upstream);
//! its JSON Schema is kept in `tests/fixtures/osi/osi-schema.json`.
//!
//! What maps to what ([`MetricSpec::to_osi`]):
//!
//! - The document is `{ "version": "0.2.0.dev0", "semantic_model": [ <one model> ] }`.
//! - The model's `name` is the spec's name and its `description` the spec's description.
//! - Datasets: `transactions` (source `transactions`), with one field per mapped column of
//!   `data.transactions` (the field's `label` is the column's role, such as `customerId`; the
//!   timestamp column is marked as a time dimension), and `spend` (source `spend`),
//!   `assignments` (source `assignments`) and `touchpoints` (source `touchpoints`) likewise
//!   when the spec maps them. OSI needs at least one dataset, so `transactions` is written even
//!   without a mapping, then with no fields. The fields are informative: the import reads the
//!   data section from the model's extension.
//! - One OSI metric per spec metric, named as in the spec. Its `description` is the label and
//!   the description. OSI requires a SQL expression on every metric; until unimetric generates
//!   SQL, the expression is `NULL` with a comment naming the metric id, and the definition lives
//!   in a custom extension.
//! - Custom extensions with `vendor_name` `UNIMETRIC` and `data` the JSON text of: on each
//!   metric, the metric's entry as written (`metric`, `version`, `label`, `description`,
//!   `params`, each only when present; the parameters as written, not with defaults filled in);
//!   on the model, the rest of the document as written (`unimetricSpec`, `$schema`, `version`,
//!   `owner`, `data`, `shared`, `changelog`, each only when present).
//!
//! Nothing is lost: [`MetricSpec::from_osi`] rebuilds the document as parsed (up to key order
//! and number spelling), so the [definition hash](MetricSpec::definition_hash) and the
//! [document hash](MetricSpec::hash) survive the round trip. Only OSI models written by
//! unimetric can be imported: a metric without a `UNIMETRIC` extension is rejected, since its
//! SQL cannot be turned into a glossary definition.

use super::{bad, check_name, join, type_name, MetricSpec};
use crate::error::{Error, Result};
use serde_json::{json, Map, Value};

/// The OSI specification version written by [`MetricSpec::to_osi`] (`0.2.0.dev0`, the draft on
/// apache/ossie `main` that `tests/fixtures/osi/osi-schema.json` pins).
pub const OSI_VERSION: &str = "0.2.0.dev0";

/// The `vendor_name` of unimetric's custom extensions (read back case-insensitively).
pub const VENDOR: &str = "UNIMETRIC";

/// The OSI dialect of every expression written.
const DIALECT: &str = "ANSI_SQL";

/// Keys of the spec document carried by the model-level extension.
const MODEL_EXTENSION_KEYS: &[&str] = &[
    "unimetricSpec",
    "$schema",
    "version",
    "owner",
    "data",
    "shared",
    "changelog",
];

/// Column roles of the transactions mapping, in field order; `true` marks the time column.
const TRANSACTION_ROLES: &[(&str, bool)] = &[
    ("customerId", false),
    ("timestamp", true),
    ("amount", false),
    ("orderId", false),
    ("channel", false),
    ("cost", false),
];

/// Column roles of the spend mapping, in field order; `true` marks the time column.
const SPEND_ROLES: &[(&str, bool)] = &[
    ("date", true),
    ("channel", false),
    ("amount", false),
    ("channelType", false),
];

/// Column roles of the assignments mapping, in field order; `true` marks the time column.
const ASSIGNMENT_ROLES: &[(&str, bool)] =
    &[("unitId", false), ("arm", false), ("assignedAt", true)];

/// Column roles of the touchpoints mapping, in field order; `true` marks the time column.
const TOUCHPOINT_ROLES: &[(&str, bool)] = &[
    ("customerId", false),
    ("timestamp", true),
    ("channel", false),
];

const TRAFFIC_ROLES: &[(&str, bool)] = &[("date", true), ("visits", false), ("channel", false)];

const MODEL: &str = "semantic_model.0";

fn expression(sql: &str) -> Value {
    json!({ "dialects": [ { "dialect": DIALECT, "expression": sql } ] })
}

fn extension(data: &Map<String, Value>) -> Value {
    json!([ { "vendor_name": VENDOR, "data": Value::Object(data.clone()).to_string() } ])
}

/// The fields of one dataset: one per mapped column (each column once), labelled by its role.
fn fields(mapping: Option<&Value>, roles: &[(&str, bool)]) -> Vec<Value> {
    let Some(m) = mapping.and_then(Value::as_object) else {
        return Vec::new();
    };
    let mut columns: Vec<(&str, &str, bool)> = roles
        .iter()
        .filter_map(|(role, time)| {
            m.get(*role)
                .and_then(Value::as_str)
                .map(|c| (c, *role, *time))
        })
        .collect();
    if let Some(dims) = m.get("dimensions").and_then(Value::as_array) {
        columns.extend(
            dims.iter()
                .filter_map(Value::as_str)
                .map(|c| (c, "dimension", false)),
        );
    }
    let mut out: Vec<Value> = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for (column, role, time) in columns {
        if seen.contains(&column) {
            continue;
        }
        seen.push(column);
        let mut f = Map::new();
        f.insert("name".into(), Value::String(column.into()));
        f.insert("expression".into(), expression(column));
        f.insert("label".into(), Value::String(role.into()));
        if time {
            f.insert("dimension".into(), json!({ "is_time": true }));
        }
        out.push(Value::Object(f));
    }
    out
}

fn dataset(name: &str, description: &str, fields: Vec<Value>) -> Value {
    let mut d = Map::new();
    d.insert("name".into(), Value::String(name.into()));
    d.insert("source".into(), Value::String(name.into()));
    d.insert("description".into(), Value::String(description.into()));
    if !fields.is_empty() {
        d.insert("fields".into(), Value::Array(fields));
    }
    Value::Object(d)
}

/// The OSI metric of one spec metric entry (as written in the document).
fn osi_metric(name: &str, entry: &Map<String, Value>) -> Value {
    let id = entry.get("metric").and_then(Value::as_str).unwrap_or("");
    let text = |k: &str| entry.get(k).and_then(Value::as_str);
    let description = match (text("label"), text("description")) {
        (Some(l), Some(d)) => Some(format!("{l}: {d}")),
        (Some(l), None) => Some(l.to_string()),
        (None, Some(d)) => Some(d.to_string()),
        (None, None) => None,
    };
    let mut m = Map::new();
    m.insert("name".into(), Value::String(name.into()));
    if let Some(d) = description {
        m.insert("description".into(), Value::String(d));
    }
    m.insert(
        "expression".into(),
        expression(&format!(
            "NULL /* unimetric {id}: computed by unimetric from the custom extension; SQL arrives with the SQL generator */"
        )),
    );
    m.insert("custom_extensions".into(), extension(entry));
    Value::Object(m)
}

impl MetricSpec {
    /// This spec as an OSI document of version [`OSI_VERSION`] holding one semantic model (see
    /// the [module docs](super::osi) for what maps to what). Everything is taken from the
    /// document as written, so [`MetricSpec::from_osi`] gives back the same spec, with the same
    /// [`definition_hash`](MetricSpec::definition_hash) and [`hash`](MetricSpec::hash).
    pub fn to_osi(&self) -> Value {
        let empty = Map::new();
        let doc = self.document.as_object().unwrap_or(&empty);
        let data = doc.get("data").and_then(Value::as_object);
        let mut datasets = vec![dataset(
            "transactions",
            "Transactions, as mapped by the unimetric spec's data.transactions",
            fields(data.and_then(|d| d.get("transactions")), TRANSACTION_ROLES),
        )];
        if let Some(spend) = data.and_then(|d| d.get("spend")) {
            datasets.push(dataset(
                "spend",
                "Marketing spend, as mapped by the unimetric spec's data.spend",
                fields(Some(spend), SPEND_ROLES),
            ));
        }
        if let Some(a) = data.and_then(|d| d.get("assignments")) {
            datasets.push(dataset(
                "assignments",
                "An experiment's assignments, as mapped by the unimetric spec's data.assignments",
                fields(Some(a), ASSIGNMENT_ROLES),
            ));
        }
        if let Some(t) = data.and_then(|d| d.get("touchpoints")) {
            datasets.push(dataset(
                "touchpoints",
                "Marketing touchpoints (customer id, time, channel), as mapped by the unimetric spec's data.touchpoints",
                fields(Some(t), TOUCHPOINT_ROLES),
            ));
        }
        if let Some(t) = data.and_then(|d| d.get("traffic")) {
            datasets.push(dataset(
                "traffic",
                "Visits per date (and channel), as mapped by the unimetric spec's data.traffic",
                fields(Some(t), TRAFFIC_ROLES),
            ));
        }
        let metrics: Vec<Value> = doc
            .get("metrics")
            .and_then(Value::as_object)
            .map(|ms| {
                ms.iter()
                    .map(|(name, e)| osi_metric(name, e.as_object().unwrap_or(&empty)))
                    .collect()
            })
            .unwrap_or_default();
        let ext: Map<String, Value> = MODEL_EXTENSION_KEYS
            .iter()
            .filter_map(|k| doc.get(*k).map(|v| (k.to_string(), v.clone())))
            .collect();
        let mut model = Map::new();
        model.insert("name".into(), Value::String(self.name.clone()));
        if let Some(d) = doc.get("description").and_then(Value::as_str) {
            model.insert("description".into(), Value::String(d.into()));
        }
        model.insert("datasets".into(), Value::Array(datasets));
        model.insert("metrics".into(), Value::Array(metrics));
        model.insert("custom_extensions".into(), extension(&ext));
        json!({ "version": OSI_VERSION, "semantic_model": [ Value::Object(model) ] })
    }

    /// Reads a spec back from an OSI document written by [`MetricSpec::to_osi`]: the first
    /// semantic model, its `UNIMETRIC` extension and each metric's `UNIMETRIC` extension
    /// (`vendor_name` compared case-insensitively) rebuild the spec document, which is then
    /// validated like any spec ([`MetricSpec::from_value`]).
    /// The document's OSI `version` must be a string but is not compared with [`OSI_VERSION`]:
    /// the parts read here are the same in OSI 0.1.1 and 0.2.0.dev0. Further semantic models,
    /// datasets and fields are not read (the data section travels in the model's extension).
    ///
    /// Errors are placed at OSI paths: a missing or malformed part of the OSI document is
    /// `E_BAD_SPEC` at its path (such as `semantic_model.0.metrics.2.custom_extensions`); a
    /// metric without a `UNIMETRIC` extension is `E_BAD_SPEC` naming it (only metrics exported
    /// by unimetric can be imported). An error of the rebuilt spec keeps its code and is placed
    /// inside the extension's `data` it came from: an unknown metric id of the third metric is
    /// `E_UNKNOWN_METRIC` at `semantic_model.0.metrics.2.custom_extensions.0.data.metric`, a bad
    /// currency `E_OUT_OF_RANGE` at `semantic_model.0.custom_extensions.0.data.data.currency`.
    pub fn from_osi(model: &Value) -> Result<MetricSpec> {
        let top = model.as_object().ok_or_else(|| {
            bad(
                "$",
                format!("an OSI document is an object, found {}", type_name(model)),
            )
        })?;
        match top.get("version") {
            Some(Value::String(_)) => {}
            Some(v) => {
                return Err(bad(
                    "version",
                    format!(
                        "expected the OSI version as a string, found {}",
                        type_name(v)
                    ),
                ))
            }
            None => return Err(bad("version", "is required (the OSI version)")),
        }
        let models = match top.get("semantic_model") {
            None => return Err(bad("semantic_model", "is required: the semantic models")),
            Some(Value::Array(a)) => a,
            Some(v) => {
                return Err(bad(
                    "semantic_model",
                    format!(
                        "expected an array of semantic models, found {}",
                        type_name(v)
                    ),
                ))
            }
        };
        let first = models
            .first()
            .ok_or_else(|| bad("semantic_model", "holds no semantic model"))?;
        let m = first.as_object().ok_or_else(|| {
            bad(
                MODEL,
                format!(
                    "expected a semantic model (an object), found {}",
                    type_name(first)
                ),
            )
        })?;

        let mut doc = Map::new();
        let name_path = join(MODEL, "name");
        match m.get("name") {
            Some(Value::String(s)) => {
                doc.insert("name".into(), Value::String(s.clone()));
            }
            Some(v) => {
                return Err(bad(
                    &name_path,
                    format!("expected a string, found {}", type_name(v)),
                ))
            }
            None => return Err(bad(&name_path, "is required")),
        }
        match m.get("description") {
            None => {}
            Some(Value::String(s)) => {
                doc.insert("description".into(), Value::String(s.clone()));
            }
            Some(v) => {
                return Err(bad(
                    &join(MODEL, "description"),
                    format!("expected a string, found {}", type_name(v)),
                ))
            }
        }
        let (model_ext_path, ext) = unimetric_extension(m, MODEL)?.ok_or_else(|| {
            bad(
                &join(MODEL, "custom_extensions"),
                "has no UNIMETRIC extension: not a model exported by unimetric",
            )
        })?;
        for (k, v) in ext {
            if !MODEL_EXTENSION_KEYS.contains(&k.as_str()) {
                return Err(bad(
                    &join(&model_ext_path, &k),
                    format!(
                        "unknown key '{k}'; the model's UNIMETRIC extension holds: {}",
                        MODEL_EXTENSION_KEYS.join(", ")
                    ),
                ));
            }
            doc.insert(k, v);
        }

        let metrics_path = join(MODEL, "metrics");
        let list = match m.get("metrics") {
            None => return Err(bad(&metrics_path, "is required: at least one metric")),
            Some(Value::Array(a)) => a,
            Some(v) => {
                return Err(bad(
                    &metrics_path,
                    format!("expected an array of metrics, found {}", type_name(v)),
                ))
            }
        };
        let mut metrics = Map::new();
        // (metric name, OSI path of its extension's data)
        let mut places: Vec<(String, String)> = Vec::new();
        for (i, mv) in list.iter().enumerate() {
            let path = format!("{metrics_path}.{i}");
            let mo = mv.as_object().ok_or_else(|| {
                bad(
                    &path,
                    format!("expected a metric (an object), found {}", type_name(mv)),
                )
            })?;
            let name_path = join(&path, "name");
            let name = match mo.get("name") {
                Some(Value::String(s)) => s.clone(),
                Some(v) => {
                    return Err(bad(
                        &name_path,
                        format!("expected a string, found {}", type_name(v)),
                    ))
                }
                None => return Err(bad(&name_path, "is required")),
            };
            check_name(&name, &name_path)?;
            if metrics.contains_key(&name) {
                return Err(bad(
                    &name_path,
                    format!("metric name '{name}' appears twice"),
                ));
            }
            let (data_path, entry) = unimetric_extension(mo, &path)?.ok_or_else(|| {
                bad(
                    &join(&path, "custom_extensions"),
                    format!("not a unimetric metric: '{name}' has no UNIMETRIC extension; only metrics exported by unimetric can be imported"),
                )
            })?;
            metrics.insert(name.clone(), Value::Object(entry));
            places.push((name, data_path));
        }
        doc.insert("metrics".into(), Value::Object(metrics));

        MetricSpec::from_value(Value::Object(doc)).map_err(|e| match e {
            Error::InSpec {
                path,
                line,
                col,
                inner,
            } => Error::InSpec {
                path: osi_path(&path, &model_ext_path, &places),
                line,
                col,
                inner,
            },
            other => other,
        })
    }
}

/// The one `UNIMETRIC` extension of an OSI object at `path`, read: the path of its `data` and
/// the object its JSON text holds. `None` when the object has none.
fn unimetric_extension(
    o: &Map<String, Value>,
    path: &str,
) -> Result<Option<(String, Map<String, Value>)>> {
    let ext_path = join(path, "custom_extensions");
    let list = match o.get("custom_extensions") {
        None => return Ok(None),
        Some(Value::Array(a)) => a,
        Some(v) => {
            return Err(bad(
                &ext_path,
                format!("expected an array of extensions, found {}", type_name(v)),
            ))
        }
    };
    let mut found = None;
    for (j, e) in list.iter().enumerate() {
        let p = format!("{ext_path}.{j}");
        let eo = e.as_object().ok_or_else(|| {
            bad(
                &p,
                format!("expected an extension (an object), found {}", type_name(e)),
            )
        })?;
        let vendor = match eo.get("vendor_name") {
            Some(Value::String(s)) => s,
            Some(v) => {
                return Err(bad(
                    &join(&p, "vendor_name"),
                    format!("expected a string, found {}", type_name(v)),
                ))
            }
            None => return Err(bad(&join(&p, "vendor_name"), "is required")),
        };
        if !vendor.eq_ignore_ascii_case(VENDOR) {
            continue;
        }
        if found.is_some() {
            return Err(bad(&p, "a second UNIMETRIC extension; there must be one"));
        }
        let data_path = join(&p, "data");
        let text = match eo.get("data") {
            Some(Value::String(s)) => s,
            Some(v) => {
                return Err(bad(
                    &data_path,
                    format!("expected JSON text (a string), found {}", type_name(v)),
                ))
            }
            None => return Err(bad(&data_path, "is required")),
        };
        let value: Value = serde_json::from_str(text)
            .map_err(|err| bad(&data_path, format!("not valid JSON text: {err}")))?;
        match value {
            Value::Object(obj) => found = Some((data_path, obj)),
            other => {
                return Err(bad(
                    &data_path,
                    format!(
                        "expected the JSON text of an object, found {}",
                        type_name(&other)
                    ),
                ))
            }
        }
    }
    Ok(found)
}

/// The OSI path of a path of the rebuilt spec document: the spec's name and description are
/// the model's; a metric's entry is its extension's `data`; the rest is in the model
/// extension's `data`.
fn osi_path(spec_path: &str, model_data: &str, places: &[(String, String)]) -> String {
    match spec_path {
        "$" => return MODEL.to_string(),
        "name" | "description" | "metrics" => return join(MODEL, spec_path),
        _ => {}
    }
    if let Some(rest) = spec_path.strip_prefix("metrics.") {
        if let Some((_, data)) = places.iter().find(|(n, _)| n == rest) {
            return data.clone();
        }
        for (n, data) in places {
            if let Some(tail) = rest
                .strip_prefix(n.as_str())
                .and_then(|t| t.strip_prefix('.'))
            {
                return join(data, tail);
            }
        }
    }
    join(model_data, spec_path)
}
