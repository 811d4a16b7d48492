//! The JSON Schema of the spec format, generated from the catalog: every metric id, and for
//! each its parameters with their types, ranges, allowed values and defaults. The package ships
//! it as `unimetric/spec.schema.json` (`pkg-config/spec.schema.json`, kept in sync by a test) so
//! editors validate and complete a spec while it is written.

use super::entries;
use crate::data::dates::DateFormat;
use crate::glossary::{Literal, ParameterDef};
use serde_json::{json, Map, Value};

fn param_schema(p: &ParameterDef) -> Value {
    let mut s = Map::new();
    s.insert("description".into(), Value::String(p.description.into()));
    if let Some(values) = p.values {
        s.insert("enum".into(), json!(values));
    } else if matches!(p.value, Literal::Number(_)) || p.min.is_some() || p.max.is_some() {
        s.insert(
            "type".into(),
            Value::String(if p.integer { "integer" } else { "number" }.into()),
        );
        if let Some(lo) = p.min {
            let key = if p.min_exclusive {
                "exclusiveMinimum"
            } else {
                "minimum"
            };
            s.insert(key.into(), json!(lo));
        }
        if let Some(hi) = p.max {
            s.insert("maximum".into(), json!(hi));
        }
    } else if matches!(p.value, Literal::Bool(_)) {
        s.insert("type".into(), Value::String("boolean".into()));
    } else if p.name == "timezone" {
        s.insert("type".into(), Value::String("string".into()));
    } else {
        // Dates: text or epoch milliseconds, or a named rule such as "lastTransaction".
        s.insert("type".into(), json!(["string", "number"]));
    }
    match p.value {
        Literal::Number(x) => {
            s.insert("default".into(), json!(x));
        }
        Literal::Text(t) => {
            s.insert("default".into(), json!(t));
        }
        Literal::Bool(b) => {
            s.insert("default".into(), json!(b));
        }
        Literal::None => {}
    }
    Value::Object(s)
}

fn mapping(required: &[&str], optional: &[&str], extra: Map<String, Value>) -> Value {
    let mut props = Map::new();
    for k in required.iter().chain(optional) {
        props.insert(
            (*k).to_string(),
            json!({ "type": "string", "minLength": 1, "description": format!("The column holding {k}.") }),
        );
    }
    props.extend(extra);
    json!({ "type": "object", "additionalProperties": false, "required": required, "properties": props })
}

/// The JSON Schema (draft 2020-12) of a spec.
pub fn json_schema() -> Value {
    let ids: Vec<&str> = entries::all().iter().map(|e| e.metric).collect();
    let per_metric: Vec<Value> = entries::all()
        .iter()
        .map(|e| {
            let props: Map<String, Value> = e
                .params
                .iter()
                .map(|p| (p.name.to_string(), param_schema(p)))
                .collect();
            let required: Vec<&str> = e
                .params
                .iter()
                .filter(|p| p.required)
                .map(|p| p.name)
                .collect();
            let mut params =
                json!({ "type": "object", "additionalProperties": false, "properties": props });
            if !required.is_empty() {
                params["required"] = json!(required);
            }
            let mut then = json!({ "properties": { "params": params } });
            if !required.is_empty() {
                then["required"] = json!(["params"]);
            }
            json!({ "if": { "properties": { "metric": { "const": e.metric } } }, "then": then })
        })
        .collect();
    let mut shared = Map::new();
    for e in entries::all() {
        for p in e.params {
            shared
                .entry(p.name.to_string())
                .or_insert_with(|| param_schema(p));
        }
    }
    let formats: Vec<&str> = DateFormat::ALL.iter().map(|f| f.name()).collect();
    let mut tx_extra = Map::new();
    tx_extra.insert("dimensions".into(), json!({ "type": "array", "items": { "type": "string", "minLength": 1 }, "description": "Columns kept as dimensions." }));
    tx_extra.insert("timezone".into(), json!({ "type": "string", "description": "IANA zone of naive times in the file (default: the spec's data.timezone)." }));
    tx_extra.insert("dateFormat".into(), json!({ "enum": formats, "description": "Order of day, month and year in slash or dot dates." }));
    let mut spend_extra = Map::new();
    spend_extra.insert("timezone".into(), json!({ "type": "string" }));
    let text = json!({ "type": "string", "maxLength": super::MAX_STRING });
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "unimetric/spec.schema.json",
        "title": "unimetric metric spec",
        "description": "A team's metric definitions: which glossary metrics, with which parameters, on which data. Generated from the library's catalog; see docs/SPEC.md.",
        "type": "object",
        "additionalProperties": false,
        "required": ["unimetricSpec", "name", "version", "metrics"],
        "properties": {
            "$schema": { "type": "string" },
            "unimetricSpec": { "const": super::FORMAT, "description": "Format version." },
            "name": { "type": "string", "minLength": 1, "maxLength": super::MAX_STRING },
            "version": { "type": "string", "pattern": "^\\d+\\.\\d+\\.\\d+(-[0-9A-Za-z.-]+)?(\\+[0-9A-Za-z.-]+)?$", "description": "The spec's own semantic version." },
            "owner": text,
            "description": text,
            "data": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "transactions": mapping(&["customerId", "timestamp", "amount"], &["orderId", "channel", "cost"], tx_extra),
                    "spend": mapping(&["date", "channel", "amount"], &["channelType"], spend_extra.clone()),
                    "assignments": mapping(&["unitId", "arm", "assignedAt"], &[], spend_extra.clone()),
                    "touchpoints": mapping(&["customerId", "timestamp", "channel"], &[], spend_extra.clone()),
                    "traffic": mapping(&["date", "visits"], &["channel"], spend_extra),
                    "currency": { "type": "string", "pattern": "^[A-Z]{3}$", "description": "ISO-4217 code." },
                    "timezone": { "type": "string", "default": "UTC", "description": "IANA time zone of every metric." }
                }
            },
            "shared": {
                "type": "object",
                "additionalProperties": false,
                "properties": shared,
                "description": "Parameters used by every metric that has them; a metric's own params override."
            },
            "metrics": {
                "type": "object",
                "minProperties": 1,
                "maxProperties": super::MAX_METRICS,
                "propertyNames": { "pattern": "^[A-Za-z][A-Za-z0-9_]{0,63}$" },
                "additionalProperties": { "$ref": "#/$defs/metric" }
            },
            "changelog": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["version", "date"],
                    "properties": { "version": { "type": "string" }, "date": { "type": "string" }, "by": text, "why": text }
                }
            }
        },
        "$defs": {
            "metric": {
                "type": "object",
                "additionalProperties": false,
                "required": ["metric"],
                "properties": {
                    "metric": { "enum": ids, "description": "A metric id of the glossary." },
                    "version": { "type": "string", "description": "Semver requirement on the definition version, e.g. ^2." },
                    "label": text,
                    "description": text,
                    "params": { "type": "object" }
                },
                "allOf": per_metric
            }
        }
    })
}
