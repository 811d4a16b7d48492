//! The metric spec: a team's definitions as one versioned file that every dashboard loads.
//!
//! A spec names metrics of the glossary and fixes their parameters once ("LTV is CLV over 12
//! months at 30 % margin"), states the data's semantics once (which column is the amount, the
//! currency, the time zone), and carries its own name, version and changelog. Every dashboard,
//! notebook and CI job that computes from the file computes the same numbers, and each number
//! carries the spec's name, version and [definition hash](MetricSpec::definition_hash) and the
//! [fingerprint](crate::Transactions::fingerprint) of the data, so it can be traced and
//! recomputed bit for bit. The format is documented in `docs/SPEC.md`; the package ships its
//! JSON Schema as `unimetric/spec.schema.json`.
//!
//! - [`MetricSpec::parse`] validates everything up front: the shape (`E_BAD_SPEC`), metric ids
//!   (`E_UNKNOWN_METRIC`), parameter names (`E_UNKNOWN_OPTION`), values (`E_OUT_OF_RANGE`,
//!   `E_BAD_OPTION`) and version requirements (`E_VERSION`). Each error is an
//!   [`Error::InSpec`] naming the path (`metrics.ltv12.params.margin`) and, for JSON text, the
//!   line and column.
//! - [`MetricSpec::definition_hash`] hashes the *semantics only*: the canonical form with every
//!   default filled in ([`MetricSpec::canonical`]), so key order, whitespace, number spelling,
//!   labels, descriptions, owner and changelog do not change it; [`MetricSpec::hash`] covers
//!   the whole document.
//! - [`MetricSpec::evaluate`] computes each metric by the direct call it equals
//!   ([`entries`] lists them), [`diff::diff_specs`] explains what changed between two specs in
//!   plain words, [`MetricSpec::to_markdown`] renders the team's glossary.
//! - [`MetricSpec::to_osi`] writes the spec as an Open Semantic Interchange (OSI) semantic
//!   model and [`MetricSpec::from_osi`] reads it back with both hashes unchanged ([`osi`]).
//!
//! This module sits above the metric modules and the catalog; nothing in the core imports it.
//!
//! ```
//! use unimetric::spec::MetricSpec;
//! let spec = MetricSpec::parse(r#"{
//!   "unimetricSpec": 1, "name": "acme", "version": "1.0.0",
//!   "metrics": { "aov": { "metric": "orders.aov" } }
//! }"#).unwrap();
//! let respelled = MetricSpec::parse(r#"{"version":"1.0.0","name":"acme","unimetricSpec":1,
//!   "metrics":{"aov":{"metric":"orders.aov","label":"Basket","params":{"period":"day"}}}}"#).unwrap();
//! assert_eq!(spec.definition_hash(), respelled.definition_hash());
//! assert_ne!(spec.hash(), respelled.hash());
//! ```

pub mod diff;
pub mod entries;
mod locate;
mod markdown;
pub mod osi;
/// Generated into `pkg-config/spec.schema.json` by a native test; not part of the wasm build.
#[cfg(not(target_arch = "wasm32"))]
pub mod schema;
mod yaml;

use crate::attribution::TouchpointMapping;
use crate::data::spend::SpendMapping;
use crate::data::traffic::TrafficMapping;
use crate::data::{ColumnMapping, Zone};
use crate::error::{Error, Result};
use crate::experiment::AssignmentMapping;
use crate::glossary::{Definition, Literal, ParameterDef};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

pub use entries::{Entry, Evaluated, Inputs};

/// The format version this library reads (`"unimetricSpec": 1`).
pub const FORMAT: u64 = 1;
/// Largest spec text accepted, in bytes (4 MiB).
pub const MAX_BYTES: usize = 4 << 20;
/// Most metrics in one spec.
pub const MAX_METRICS: usize = 1000;
/// Longest string value (labels, descriptions, changelog), in characters.
pub const MAX_STRING: usize = 10_000;
/// Deepest nesting of objects and arrays.
pub const MAX_DEPTH: usize = 32;

const TOP_KEYS: &[&str] = &[
    "$schema",
    "unimetricSpec",
    "name",
    "version",
    "owner",
    "description",
    "data",
    "metrics",
    "shared",
    "changelog",
];
const DATA_KEYS: &[&str] = &[
    "transactions",
    "spend",
    "assignments",
    "touchpoints",
    "traffic",
    "currency",
    "timezone",
];
const METRIC_KEYS: &[&str] = &["metric", "version", "label", "description", "params"];
const CHANGELOG_KEYS: &[&str] = &["version", "date", "by", "why"];

/// The data section: how the team's tables map to the library's columns, and their semantics.
#[derive(Debug, Clone, PartialEq)]
pub struct DataSection {
    /// The transactions mapping as written (an object), when given.
    pub transactions: Option<Map<String, Value>>,
    /// The spend mapping as written (an object), when given.
    pub spend: Option<Map<String, Value>>,
    /// The assignments mapping as written (an object), when given.
    pub assignments: Option<Map<String, Value>>,
    /// The touchpoints mapping as written (an object), when given.
    pub touchpoints: Option<Map<String, Value>>,
    /// The traffic mapping as written (an object), when given.
    pub traffic: Option<Map<String, Value>>,
    /// ISO-4217 currency code, when given.
    pub currency: Option<String>,
    /// The IANA time zone of every metric (default `UTC`).
    pub timezone: String,
}

/// One metric of a spec.
#[derive(Debug, Clone, PartialEq)]
pub struct SpecMetric {
    /// The name the team gave it (the key under `metrics`).
    pub name: String,
    /// The glossary definition it computes.
    pub definition: &'static Definition,
    /// The version requirement as written (`*` when none).
    pub requirement: String,
    /// Display label (cosmetic).
    pub label: Option<String>,
    /// Plain description (cosmetic).
    pub description: Option<String>,
    /// Every parameter in effect, defaults filled in, numbers as `f64`.
    pub params: BTreeMap<String, Value>,
    /// How the spec computes it (the catalog entry).
    pub entry: &'static Entry,
    /// The direct call with its options, built once when the spec is parsed.
    pub(crate) call: entries::Call,
    /// Where each parameter came from: `metrics.<name>.params.<key>`, `shared.<key>`,
    /// `data.timezone` or `default`.
    pub sources: BTreeMap<String, String>,
}

/// One changelog entry (cosmetic: not part of the definition hash).
#[derive(Debug, Clone, PartialEq)]
pub struct ChangelogEntry {
    /// Spec version the entry describes.
    pub version: String,
    /// Date, as written.
    pub date: String,
    /// Who made the change.
    pub by: Option<String>,
    /// Why.
    pub why: String,
}

/// A parsed, validated metric spec (see the [module docs](self)).
#[derive(Debug, Clone, PartialEq)]
pub struct MetricSpec {
    /// The spec's name.
    pub name: String,
    /// The spec's own semver version.
    pub version: String,
    /// Who owns it.
    pub owner: Option<String>,
    /// What it is for.
    pub description: Option<String>,
    /// The data section.
    pub data: DataSection,
    /// The metrics, by name (sorted).
    pub metrics: Vec<SpecMetric>,
    /// Shared parameters as written.
    pub shared: BTreeMap<String, Value>,
    /// The changelog, as written.
    pub changelog: Vec<ChangelogEntry>,
    /// The document as parsed.
    document: Value,
    definition_hash: String,
    hash: String,
}

/// A spec error at `path`.
fn bad(path: &str, message: impl Into<String>) -> Error {
    Error::BadSpec {
        message: message.into(),
    }
    .at_spec_path(path)
}

fn join(parent: &str, key: &str) -> String {
    if parent == "$" {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn object<'a>(v: &'a Value, path: &str) -> Result<&'a Map<String, Value>> {
    v.as_object()
        .ok_or_else(|| bad(path, format!("expected an object, found {}", type_name(v))))
}

fn check_keys(m: &Map<String, Value>, path: &str, known: &[&str]) -> Result<()> {
    for k in m.keys() {
        if !known.contains(&k.as_str()) {
            return Err(bad(
                &join(path, k),
                format!("unknown key '{k}'; known keys: {}", known.join(", ")),
            ));
        }
    }
    Ok(())
}

fn string(m: &Map<String, Value>, key: &str, path: &str, required: bool) -> Result<Option<String>> {
    let p = join(path, key);
    match m.get(key) {
        None if required => Err(bad(&p, "is required")),
        None => Ok(None),
        Some(Value::String(s)) => {
            if s.chars().count() > MAX_STRING {
                return Err(Error::TooLarge {
                    what: format!("string {p}"),
                    size: s.chars().count(),
                    limit: MAX_STRING,
                }
                .at_spec_path(p));
            }
            Ok(Some(s.clone()))
        }
        Some(v) => Err(bad(
            &p,
            format!("expected a string, found {}", type_name(v)),
        )),
    }
}

fn depth(v: &Value) -> usize {
    match v {
        Value::Array(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
        Value::Object(o) => 1 + o.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

/// A metric name: a letter, then letters, digits or `_` (at most 64), so it is safe as an
/// object key and a path segment in every language (no `__proto__`, no dots).
fn check_name(name: &str, path: &str) -> Result<()> {
    let mut chars = name.chars();
    let ok = name.len() <= 64
        && chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(bad(
            path,
            format!("metric name '{}' must start with a letter and hold only letters, digits and '_' (at most 64)", truncate(name)),
        ))
    }
}

fn truncate(s: &str) -> String {
    if s.chars().count() > 40 {
        format!("{}…", s.chars().take(40).collect::<String>())
    } else {
        s.to_string()
    }
}

/// A JSON number as `f64` (every number of a spec is read as `f64`, so `0.30`, `0.3` and `3e-1`
/// are the same value).
fn as_f64(v: &Value) -> Option<f64> {
    v.as_f64()
}

/// `v` with every number as `f64`.
fn normalise(v: &Value) -> Value {
    match v {
        Value::Number(n) => n
            .as_f64()
            .and_then(serde_json::Number::from_f64)
            .map_or(Value::Null, Value::Number),
        Value::Array(a) => Value::Array(a.iter().map(normalise).collect()),
        Value::Object(o) => {
            Value::Object(o.iter().map(|(k, v)| (k.clone(), normalise(v))).collect())
        }
        other => other.clone(),
    }
}

/// The canonical text of a JSON value: keys sorted, no whitespace, numbers in their shortest
/// round-trip form with whole numbers written without a fraction (`12`, `0.3`, `0.000001`).
pub fn canonical_json(v: &Value) -> String {
    let mut s = String::new();
    write_canonical(v, &mut s);
    s
}

fn write_canonical(v: &Value, s: &mut String) {
    match v {
        Value::Null => s.push_str("null"),
        Value::Bool(b) => s.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            let x = n.as_f64().unwrap_or(0.0);
            let x = if x == 0.0 { 0.0 } else { x };
            if x.fract() == 0.0 && x.abs() < 1e15 {
                s.push_str(&format!("{}", x as i64));
            } else {
                s.push_str(&format!("{x}"));
            }
        }
        Value::String(t) => s.push_str(&Value::String(t.clone()).to_string()),
        Value::Array(a) => {
            s.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    s.push(',');
                }
                write_canonical(x, s);
            }
            s.push(']');
        }
        Value::Object(o) => {
            // serde_json's Map is ordered by key.
            s.push('{');
            for (i, (k, x)) in o.iter().enumerate() {
                if i > 0 {
                    s.push(',');
                }
                s.push_str(&Value::String(k.clone()).to_string());
                s.push(':');
                write_canonical(x, s);
            }
            s.push('}');
        }
    }
}

fn xxh3(text: &str) -> String {
    crate::data::fingerprint::hex(twox_hash::XxHash3_128::oneshot(text.as_bytes()))
}

/// The literal default of a parameter as JSON, or its rule's name; `None` when it has neither.
fn default_of(p: &ParameterDef) -> Option<Value> {
    match p.value {
        Literal::Number(x) => serde_json::Number::from_f64(x).map(Value::Number),
        Literal::Text(t) => Some(Value::String(t.into())),
        Literal::Bool(b) => Some(Value::Bool(b)),
        Literal::None => p.rule.map(|r| Value::String(r.into())),
    }
}

/// Checks one parameter value against its definition: enumerations and numeric ranges give
/// `E_OUT_OF_RANGE`, a value of the wrong kind `E_BAD_OPTION`.
fn check_param(p: &ParameterDef, v: &Value, path: &str) -> Result<()> {
    if let Some(values) = p.values {
        return match v.as_str() {
            Some(s) if values.contains(&s) || Some(s) == p.rule => Ok(()),
            Some(s) => Err(Error::OutOfRange {
                column: p.name.into(),
                row: 0,
                message: format!("'{}' is not one of {}", truncate(s), values.join(", ")),
            }
            .at_spec_path(path)),
            None => Err(Error::BadOption {
                option: p.name.into(),
                message: format!(
                    "expected one of {}, found {}",
                    values.join(", "),
                    type_name(v)
                ),
            }
            .at_spec_path(path)),
        };
    }
    let numeric = matches!(p.value, Literal::Number(_)) || p.min.is_some() || p.max.is_some();
    if numeric {
        // A data-dependent rule (such as a date) may stand in for a number: left to the options.
        let Some(x) = as_f64(v) else {
            if p.rule.is_some()
                || matches!(v, Value::String(_)) && !matches!(p.value, Literal::Number(_))
            {
                return Ok(());
            }
            return Err(Error::BadOption {
                option: p.name.into(),
                message: format!("expected a number, found {}", type_name(v)),
            }
            .at_spec_path(path));
        };
        return p.check_number(x).map(|_| ()).map_err(|e| {
            Error::OutOfRange {
                column: p.name.into(),
                row: 0,
                message: match e {
                    Error::BadOption { message, .. } => message,
                    other => other.to_string(),
                },
            }
            .at_spec_path(path)
        });
    }
    if let Literal::Bool(_) = p.value {
        if !v.is_boolean() {
            return Err(Error::BadOption {
                option: p.name.into(),
                message: format!("expected true or false, found {}", type_name(v)),
            }
            .at_spec_path(path));
        }
    }
    Ok(())
}

impl MetricSpec {
    /// Parses and validates a spec from JSON or YAML text (see the [module docs](self)): text
    /// that starts with `{` is JSON, anything else YAML (read by `yaml-rust2` under the YAML 1.2
    /// core schema, see `yaml`). Errors carry the path and the line and column of the offending
    /// value.
    pub fn parse(text: &str) -> Result<MetricSpec> {
        if text.len() > MAX_BYTES {
            return Err(Error::TooLarge {
                what: "spec text (bytes)".into(),
                size: text.len(),
                limit: MAX_BYTES,
            }
            .at_spec_path("$"));
        }
        // JSON when the text starts as a JSON object or array does, YAML otherwise.
        let json = text.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
        let (value, marks) = if json.starts_with('{') || json.starts_with('[') {
            let value: Value = serde_json::from_str(text).map_err(|e| Error::InSpec {
                path: "$".into(),
                line: e.line(),
                col: e.column(),
                inner: Box::new(Error::BadSpec {
                    message: format!("not valid JSON: {e}"),
                }),
            })?;
            (value, None)
        } else {
            let located = yaml::read(text)?;
            (located.value, Some(located.marks))
        };
        Self::from_value(value).map_err(|e| match e {
            Error::InSpec {
                path,
                inner,
                line: 0,
                ..
            } => {
                let (line, col) = match &marks {
                    None => locate::locate(text, &path),
                    // The value at the path, else at its nearest enclosing path.
                    Some(marks) => {
                        let mut p = path.as_str();
                        loop {
                            if let Some(&m) = marks.get(p) {
                                break Some(m);
                            }
                            match p.rfind('.') {
                                Some(i) => p = &p[..i],
                                None => break marks.get("$").copied(),
                            }
                        }
                    }
                }
                .unwrap_or((0, 0));
                Error::InSpec {
                    path,
                    line,
                    col,
                    inner,
                }
            }
            other => other,
        })
    }

    /// Parses and validates a spec already read as JSON (errors carry the path only).
    pub fn from_value(value: Value) -> Result<MetricSpec> {
        if depth(&value) > MAX_DEPTH {
            return Err(Error::TooLarge {
                what: "spec nesting depth".into(),
                size: depth(&value),
                limit: MAX_DEPTH,
            }
            .at_spec_path("$"));
        }
        let top = object(&value, "$")?;
        check_keys(top, "$", TOP_KEYS)?;
        match top.get("unimetricSpec") {
            None => return Err(bad("unimetricSpec", "is required (the format version, 1)")),
            Some(v) if as_f64(v) == Some(FORMAT as f64) => {}
            Some(v) => {
                return Err(bad(
                    "unimetricSpec",
                    format!("this library reads format 1, found {v}"),
                ))
            }
        }
        let name = string(top, "name", "$", true)?.unwrap_or_default();
        if name.trim().is_empty() {
            return Err(bad("name", "must not be blank"));
        }
        let version = string(top, "version", "$", true)?.unwrap_or_default();
        let version = semver::Version::parse(&version)
            .map_err(|e| {
                bad(
                    "version",
                    format!(
                        "'{}' is not a semantic version such as 1.3.0: {e}",
                        truncate(&version)
                    ),
                )
            })?
            .to_string();
        let owner = string(top, "owner", "$", false)?;
        let description = string(top, "description", "$", false)?;
        let data = read_data(top.get("data"))?;
        let shared: BTreeMap<String, Value> = match top.get("shared") {
            None => BTreeMap::new(),
            Some(v) => object(v, "shared")?
                .iter()
                .map(|(k, v)| (k.clone(), normalise(v)))
                .collect(),
        };
        for k in shared.keys() {
            if !entries::all()
                .iter()
                .any(|e| e.params.iter().any(|p| p.name == k))
            {
                return Err(Error::UnknownOption {
                    option: k.clone(),
                    function: "the spec's shared parameters".into(),
                    known: entries::shared_names().join(", "),
                }
                .at_spec_path(join("shared", k)));
            }
        }
        let metrics_value = top
            .get("metrics")
            .ok_or_else(|| bad("metrics", "is required: at least one metric"))?;
        let metrics_map = object(metrics_value, "metrics")?;
        if metrics_map.is_empty() {
            return Err(bad("metrics", "names no metric; add at least one"));
        }
        if metrics_map.len() > MAX_METRICS {
            return Err(Error::TooLarge {
                what: "metrics".into(),
                size: metrics_map.len(),
                limit: MAX_METRICS,
            }
            .at_spec_path("metrics"));
        }
        let mut metrics = Vec::with_capacity(metrics_map.len());
        for (key, v) in metrics_map {
            let path = join("metrics", key);
            check_name(key, &path)?;
            metrics.push(read_metric(key, v, &path, &shared, &data)?);
        }
        let changelog = read_changelog(top.get("changelog"))?;
        let mut spec = MetricSpec {
            name,
            version,
            owner,
            description,
            data,
            metrics,
            shared,
            changelog,
            document: value.clone(),
            definition_hash: String::new(),
            hash: String::new(),
        };
        spec.definition_hash = xxh3(&canonical_json(&spec.canonical()));
        spec.hash = xxh3(&canonical_json(&normalise(&value)));
        Ok(spec)
    }

    /// The semantic form the definition hash is taken over: the format, the data semantics and
    /// every metric's id, version requirement and parameters in effect. Names, labels,
    /// descriptions, owner, version and changelog are not part of it.
    pub fn canonical(&self) -> Value {
        let mut data = Map::new();
        data.insert(
            "currency".into(),
            self.data
                .currency
                .clone()
                .map_or(Value::Null, Value::String),
        );
        data.insert("timezone".into(), Value::String(self.data.timezone.clone()));
        data.insert(
            "transactions".into(),
            self.data
                .transactions
                .as_ref()
                .map_or(Value::Null, |m| normalise(&Value::Object(m.clone()))),
        );
        data.insert(
            "spend".into(),
            self.data
                .spend
                .as_ref()
                .map_or(Value::Null, |m| normalise(&Value::Object(m.clone()))),
        );
        // The assignments and touchpoints mappings only when given, so that specs without
        // them keep the hash they had before these inputs existed.
        for (key, mapping) in [
            ("assignments", &self.data.assignments),
            ("touchpoints", &self.data.touchpoints),
            ("traffic", &self.data.traffic),
        ] {
            if let Some(m) = mapping {
                data.insert(key.into(), normalise(&Value::Object(m.clone())));
            }
        }
        let metrics: Map<String, Value> = self
            .metrics
            .iter()
            .map(|m| {
                let mut o = Map::new();
                o.insert("metric".into(), Value::String(m.definition.id.into()));
                o.insert("version".into(), Value::String(m.requirement.clone()));
                o.insert(
                    "params".into(),
                    Value::Object(
                        m.params
                            .iter()
                            .map(|(k, v)| (k.clone(), v.clone()))
                            .collect(),
                    ),
                );
                (m.name.clone(), Value::Object(o))
            })
            .collect();
        let mut top = Map::new();
        top.insert("unimetricSpec".into(), Value::from(FORMAT));
        top.insert("data".into(), Value::Object(data));
        top.insert("metrics".into(), Value::Object(metrics));
        Value::Object(top)
    }

    /// Hash of the semantics (`xxh3-128:` and 32 hex digits of the canonical form).
    pub fn definition_hash(&self) -> &str {
        &self.definition_hash
    }

    /// Hash of the whole document, cosmetic fields included (keys sorted, numbers normalised).
    pub fn hash(&self) -> &str {
        &self.hash
    }

    /// The document as parsed.
    pub fn document(&self) -> &Value {
        &self.document
    }

    /// The metric named `name`.
    pub fn metric(&self, name: &str) -> Option<&SpecMetric> {
        self.metrics.iter().find(|m| m.name == name)
    }

    /// A mapping of the data section (`"transactions"`, `"spend"`, `"assignments"`, `"touchpoints"` or `"traffic"`) as JSON, with the spec's
    /// time zone for naive times unless the mapping names its own: the form every reader of
    /// the table takes (`fromCsv`, `fromRows`).
    pub fn mapping(&self, table: &str) -> Result<Map<String, Value>> {
        let (given, instance) = match table {
            "spend" => (&self.data.spend, "Spend"),
            "assignments" => (&self.data.assignments, "assignments table"),
            "touchpoints" => (&self.data.touchpoints, "touchpoints table"),
            "traffic" => (&self.data.traffic, "traffic table"),
            _ => (&self.data.transactions, "Transactions"),
        };
        let mut m = given.clone().ok_or_else(|| {
            bad(
                &format!("data.{table}"),
                format!("the spec does not map {table}: give data.{table}, or pass a {instance} instance"),
            )
        })?;
        m.entry("timezone")
            .or_insert_with(|| Value::String(self.data.timezone.clone()));
        Ok(m)
    }

    /// The transactions mapping of the data section as [`ColumnMapping`] (see [`mapping`](Self::mapping)).
    pub fn transactions_mapping(&self) -> Result<ColumnMapping> {
        serde_json::from_value(Value::Object(self.mapping("transactions")?))
            .map_err(|e| bad("data.transactions", format!("not a column mapping: {e}")))
    }

    /// The spend mapping of the data section as [`SpendMapping`] (see [`mapping`](Self::mapping)).
    pub fn spend_mapping(&self) -> Result<SpendMapping> {
        serde_json::from_value(Value::Object(self.mapping("spend")?))
            .map_err(|e| bad("data.spend", format!("not a spend mapping: {e}")))
    }

    /// The assignments mapping of the data section as [`AssignmentMapping`] (see [`mapping`](Self::mapping)).
    pub fn assignments_mapping(&self) -> Result<AssignmentMapping> {
        serde_json::from_value(Value::Object(self.mapping("assignments")?)).map_err(|e| {
            bad(
                "data.assignments",
                format!("not an assignments mapping: {e}"),
            )
        })
    }

    /// The touchpoints mapping of the data section as [`TouchpointMapping`] (see [`mapping`](Self::mapping)).
    pub fn touchpoints_mapping(&self) -> Result<TouchpointMapping> {
        serde_json::from_value(Value::Object(self.mapping("touchpoints")?)).map_err(|e| {
            bad(
                "data.touchpoints",
                format!("not a touchpoints mapping: {e}"),
            )
        })
    }

    /// The traffic mapping of the data section as [`TrafficMapping`] (see [`mapping`](Self::mapping)).
    pub fn traffic_mapping(&self) -> Result<TrafficMapping> {
        serde_json::from_value(Value::Object(self.mapping("traffic")?))
            .map_err(|e| bad("data.traffic", format!("not a traffic mapping: {e}")))
    }

    /// `unit` with the spec's currency in place of the word "currency" (`EUR per customer`).
    pub fn unit(&self, unit: &str) -> String {
        match &self.data.currency {
            Some(c) => unit.replace("currency", c),
            None => unit.to_string(),
        }
    }

    /// Renders the team's living glossary (see `markdown`).
    pub fn to_markdown(&self) -> String {
        markdown::render(self)
    }

    /// Evaluates the metrics (all, or those named in `only`) on `inputs`, each by the direct call
    /// it equals (see [`entries`]). Results are in the spec's metric order.
    pub fn evaluate(&self, inputs: &Inputs<'_>, only: Option<&[String]>) -> Result<Vec<Evaluated>> {
        entries::evaluate(self, inputs, only)
    }
}

fn read_data(v: Option<&Value>) -> Result<DataSection> {
    let mut data = DataSection {
        transactions: None,
        spend: None,
        assignments: None,
        touchpoints: None,
        traffic: None,
        currency: None,
        timezone: "UTC".into(),
    };
    let Some(v) = v else { return Ok(data) };
    let m = object(v, "data")?;
    check_keys(m, "data", DATA_KEYS)?;
    if let Some(t) = m.get("transactions") {
        let o = object(t, "data.transactions")?;
        serde_json::from_value::<ColumnMapping>(t.clone()).map_err(|e| {
            bad(
                "data.transactions",
                format!("not a transactions column mapping: {e}"),
            )
        })?;
        data.transactions = Some(o.clone());
    }
    if let Some(s) = m.get("spend") {
        let o = object(s, "data.spend")?;
        serde_json::from_value::<SpendMapping>(s.clone())
            .map_err(|e| bad("data.spend", format!("not a spend column mapping: {e}")))?;
        data.spend = Some(o.clone());
    }
    if let Some(a) = m.get("assignments") {
        let o = object(a, "data.assignments")?;
        serde_json::from_value::<AssignmentMapping>(a.clone()).map_err(|e| {
            bad(
                "data.assignments",
                format!("not an assignments column mapping {{ unitId, arm, assignedAt }}: {e}"),
            )
        })?;
        data.assignments = Some(o.clone());
    }
    if let Some(t) = m.get("touchpoints") {
        let o = object(t, "data.touchpoints")?;
        serde_json::from_value::<TouchpointMapping>(t.clone()).map_err(|e| {
            bad(
                "data.touchpoints",
                format!(
                    "not a touchpoints column mapping {{ customerId, timestamp, channel }}: {e}"
                ),
            )
        })?;
        data.touchpoints = Some(o.clone());
    }
    if let Some(t) = m.get("traffic") {
        let o = object(t, "data.traffic")?;
        serde_json::from_value::<TrafficMapping>(t.clone()).map_err(|e| {
            bad(
                "data.traffic",
                format!("not a traffic column mapping {{ date, visits, channel? }}: {e}"),
            )
        })?;
        data.traffic = Some(o.clone());
    }
    if let Some(c) = string(m, "currency", "data", false)? {
        let ok = c.len() == 3 && c.chars().all(|ch| ch.is_ascii_uppercase());
        if !ok {
            return Err(Error::OutOfRange {
                column: "currency".into(),
                row: 0,
                message: format!(
                    "'{}' is not an ISO-4217 code of three capital letters, e.g. EUR",
                    truncate(&c)
                ),
            }
            .at_spec_path("data.currency"));
        }
        data.currency = Some(c);
    }
    if let Some(z) = string(m, "timezone", "data", false)? {
        Zone::parse(&z).map_err(|e| e.at_spec_path("data.timezone"))?;
        data.timezone = z;
    }
    Ok(data)
}

fn read_metric(
    name: &str,
    v: &Value,
    path: &str,
    shared: &BTreeMap<String, Value>,
    data: &DataSection,
) -> Result<SpecMetric> {
    let m = object(v, path)?;
    check_keys(m, path, METRIC_KEYS)?;
    let id = string(m, "metric", path, true)?.unwrap_or_default();
    let entry = entries::get(&id).ok_or_else(|| {
        let known: Vec<&str> = entries::all().iter().map(|e| e.metric).collect();
        Error::UnknownMetric {
            metric: truncate(&id),
            known: known.join(", "),
        }
        .at_spec_path(join(path, "metric"))
    })?;
    let definition = entry.definition;
    let requirement = match string(m, "version", path, false)? {
        None => "*".to_string(),
        Some(r) => {
            let req = semver::VersionReq::parse(&r).map_err(|e| {
                bad(
                    &join(path, "version"),
                    format!(
                        "'{}' is not a version requirement such as ^2 or >=2.1: {e}",
                        truncate(&r)
                    ),
                )
            })?;
            let have = semver::Version::parse(definition.version)
                .map_err(|e| bad(&join(path, "version"), format!("definition version: {e}")))?;
            if !req.matches(&have) {
                return Err(Error::Version {
                    metric: definition.id.into(),
                    required: r.clone(),
                    available: definition.version.into(),
                }
                .at_spec_path(join(path, "version")));
            }
            req.to_string()
        }
    };
    let label = string(m, "label", path, false)?;
    let description = string(m, "description", path, false)?;
    let own_path = join(path, "params");
    let own: Map<String, Value> = match m.get("params") {
        None => Map::new(),
        Some(p) => object(p, &own_path)?.clone(),
    };
    let mut params = BTreeMap::new();
    let mut sources = BTreeMap::new();
    for k in own.keys() {
        if !entry.params.iter().any(|p| p.name == k) {
            let known: Vec<&str> = entry.params.iter().map(|p| p.name).collect();
            return Err(Error::UnknownOption {
                option: k.clone(),
                function: definition.id.into(),
                known: known.join(", "),
            }
            .at_spec_path(join(&own_path, k)));
        }
    }
    for p in entry.params {
        let (value, source) = if let Some(v) = own.get(p.name) {
            (normalise(v), join(&own_path, p.name))
        } else if let Some(v) = shared.get(p.name) {
            (v.clone(), join("shared", p.name))
        } else if p.name == "timezone" {
            (Value::String(data.timezone.clone()), "data.timezone".into())
        } else if let Some(v) = default_of(p) {
            (v, "default".into())
        } else if p.required {
            return Err(bad(
                &join(&own_path, p.name),
                format!(
                    "{} needs parameter '{}': {}",
                    definition.id, p.name, p.description
                ),
            ));
        } else {
            continue;
        };
        check_param(p, &value, &source)?;
        params.insert(p.name.to_string(), value);
        sources.insert(p.name.to_string(), source);
    }
    // The direct call's options, built now so that every error surfaces at parse time.
    let call = entries::prepare(
        entry,
        entries::Params {
            values: &params,
            sources: &sources,
            metric: path,
            defs: entry.params,
        },
    )?;
    Ok(SpecMetric {
        name: name.into(),
        definition,
        entry,
        call,
        requirement,
        label,
        description,
        params,
        sources,
    })
}

fn read_changelog(v: Option<&Value>) -> Result<Vec<ChangelogEntry>> {
    let Some(v) = v else { return Ok(Vec::new()) };
    let a = v.as_array().ok_or_else(|| {
        bad(
            "changelog",
            format!(
                "expected an array of {{ version, date, by, why }}, found {}",
                type_name(v)
            ),
        )
    })?;
    if a.len() > MAX_METRICS * 10 {
        return Err(Error::TooLarge {
            what: "changelog".into(),
            size: a.len(),
            limit: MAX_METRICS * 10,
        }
        .at_spec_path("changelog"));
    }
    a.iter()
        .enumerate()
        .map(|(i, e)| {
            let path = format!("changelog.{i}");
            let m = object(e, &path)?;
            check_keys(m, &path, CHANGELOG_KEYS)?;
            Ok(ChangelogEntry {
                version: string(m, "version", &path, true)?.unwrap_or_default(),
                date: string(m, "date", &path, true)?.unwrap_or_default(),
                by: string(m, "by", &path, false)?,
                why: string(m, "why", &path, false)?.unwrap_or_default(),
            })
        })
        .collect()
}
