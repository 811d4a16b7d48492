//! What changed between two specs, in words a marketer reads, with the version bump it needs.
//!
//! Changes are found on the semantic form (every default filled in), so setting a parameter to
//! its default explicitly is not a change, while any change of a parameter, a metric id, a
//! version requirement, the time zone, the currency or a column role is *breaking*: a number
//! with the same name can move. Labels, descriptions, the owner and the changelog are
//! *cosmetic*; a metric present only in the new spec is *added*, one present only in the old
//! spec *removed* (which also breaks: a dashboard showing it loses it).
//!
//! `suggestedVersion` bumps the old spec's version: major for a breaking change or a removal,
//! minor for an addition, patch for cosmetic changes only, unchanged when nothing changed.

use super::{canonical_json, MetricSpec, SpecMetric};
use serde::Serialize;
use serde_json::Value;

/// The kind of a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ChangeKind {
    /// A number with the same name can move.
    Breaking,
    /// Only words changed.
    Cosmetic,
    /// A metric was added.
    Added,
    /// A metric was removed.
    Removed,
}

/// One change between two specs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// Spec path of what changed, e.g. `metrics.churn90.params.horizonDays`.
    pub path: String,
    /// Its kind.
    pub kind: ChangeKind,
    /// The value before (`null` when added).
    pub before: Value,
    /// The value after (`null` when removed).
    pub after: Value,
    /// What it means, in plain words.
    pub explanation: String,
}

/// A metric's headline before and after, on the same data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValueChange {
    /// The metric's name.
    pub name: String,
    /// Headline under the old spec (`null` when absent or undefined).
    pub before: Option<f64>,
    /// Headline under the new spec.
    pub after: Option<f64>,
}

/// The difference between two specs.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SpecDiff {
    /// True when any change is breaking or a removal.
    pub breaking: bool,
    /// Every change, data first, then metrics by name, then the spec's own fields.
    pub changes: Vec<Change>,
    /// The version the new spec should carry, from the old spec's version.
    pub suggested_version: String,
    /// Definition hashes before and after.
    pub definition_hash: (String, String),
    /// With data: each changed, added or removed metric's headline before and after.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<ValueChange>>,
}

fn show(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "none".into(),
        other => canonical_json(other),
    }
}

fn num(v: &Value) -> Option<f64> {
    v.as_f64()
}

/// The plain-words meaning of parameter `key` changing from `a` to `b`.
fn explain_param(m: &SpecMetric, key: &str, a: &Value, b: &Value) -> String {
    let change = format!("{} → {}", show(a), show(b));
    let up = match (num(a), num(b)) {
        (Some(x), Some(y)) => Some(y > x),
        _ => None,
    };
    let what = match (key, up) {
        ("horizonDays", Some(true)) => "a longer churn window: fewer customers count as churned".to_string(),
        ("horizonDays", Some(false)) => "a shorter churn window: more customers count as churned".to_string(),
        ("margin", Some(_)) => match (num(a), num(b)) {
            (Some(x), Some(y)) if x > 0.0 => format!(
                "every margin-based value ({}) is multiplied by {:.4}",
                m.definition.name,
                y / x
            ),
            _ => "every margin-based value changes".into(),
        },
        ("horizonMonths", Some(true)) => "a longer horizon: CLV counts more future purchases and rises".into(),
        ("horizonMonths", Some(false)) => "a shorter horizon: CLV counts fewer future purchases and falls".into(),
        ("discountRate" | "continuousRate", Some(true)) => "a higher discount rate: future purchases count less, CLV falls".into(),
        ("discountRate" | "continuousRate", Some(false)) => "a lower discount rate: future purchases count more, CLV rises".into(),
        ("attributionLag", _) => "new customers are matched to spend a different number of periods later: CAC per period moves".into(),
        ("period", _) => "purchases are merged and periods counted in a different calendar unit: frequency, recency and every value built on them move".into(),
        ("observationEnd", _) => "the observation window ends at a different time: every value over the window moves".into(),
        ("timezone", _) => "days, weeks and months begin at midnight in a different zone: purchases near midnight move to another period".into(),
        ("weekStart", _) => "weeks begin on a different weekday: weekly periods regroup".into(),
        ("cutoff", _) => "churn is measured from a different day".into(),
        ("discountConvention", _) => "CLV is discounted by a different convention".into(),
        ("starts" | "maxIterations" | "tolerance", _) => "the model fit is searched differently: fitted parameters can move slightly".into(),
        _ => m
            .definition
            .parameters
            .iter()
            .find(|p| p.name == key)
            .map_or_else(|| "the metric is computed differently".into(), |p| p.description.to_string()),
    };
    let label = m.label.as_deref().unwrap_or(m.definition.name);
    format!("{label}: {key} {change}: {what}")
}

fn bump(version: &str, breaking: bool, added: bool, cosmetic: bool) -> String {
    let Ok(mut v) = semver::Version::parse(version) else {
        return version.to_string();
    };
    v.pre = semver::Prerelease::EMPTY;
    v.build = semver::BuildMetadata::EMPTY;
    if breaking {
        v.major += 1;
        v.minor = 0;
        v.patch = 0;
    } else if added {
        v.minor += 1;
        v.patch = 0;
    } else if cosmetic {
        v.patch += 1;
    } else {
        return version.to_string();
    }
    v.to_string()
}

fn opt_str(s: &Option<String>) -> Value {
    s.clone().map_or(Value::Null, Value::String)
}

/// The changes from `a` to `b` (see the [module docs](self)).
///
/// ```
/// use unimetric::spec::{MetricSpec, diff::diff_specs};
/// let a = MetricSpec::parse(r#"{"unimetricSpec":1,"name":"acme","version":"1.3.0",
///   "metrics":{"churn90":{"metric":"churn.rate","params":{"horizonDays":90}}}}"#).unwrap();
/// let b = MetricSpec::parse(r#"{"unimetricSpec":1,"name":"acme","version":"1.3.0",
///   "metrics":{"churn90":{"metric":"churn.rate","params":{"horizonDays":60}}}}"#).unwrap();
/// let d = diff_specs(&a, &b);
/// assert!(d.breaking);
/// assert_eq!(d.changes[0].path, "metrics.churn90.params.horizonDays");
/// assert!(d.changes[0].explanation.contains("more customers count as churned"));
/// assert_eq!(d.suggested_version, "2.0.0");
/// ```
pub fn diff_specs(a: &MetricSpec, b: &MetricSpec) -> SpecDiff {
    let mut changes = Vec::new();
    let mut push = |path: String, kind, before: Value, after: Value, explanation: String| {
        changes.push(Change {
            path,
            kind,
            before,
            after,
            explanation,
        })
    };
    // Data semantics.
    if a.data.timezone != b.data.timezone {
        push(
            "data.timezone".into(),
            ChangeKind::Breaking,
            Value::String(a.data.timezone.clone()),
            Value::String(b.data.timezone.clone()),
            format!(
                "time zone {} → {}: days, weeks and months begin at midnight in the new zone, so purchases near midnight move to another period",
                a.data.timezone, b.data.timezone
            ),
        );
    }
    if a.data.currency != b.data.currency {
        push(
            "data.currency".into(),
            ChangeKind::Breaking,
            opt_str(&a.data.currency),
            opt_str(&b.data.currency),
            format!(
                "currency {} → {}: every money value is read in a different currency",
                show(&opt_str(&a.data.currency)),
                show(&opt_str(&b.data.currency))
            ),
        );
    }
    for (section, x, y) in [
        ("transactions", &a.data.transactions, &b.data.transactions),
        ("spend", &a.data.spend, &b.data.spend),
        ("assignments", &a.data.assignments, &b.data.assignments),
        ("touchpoints", &a.data.touchpoints, &b.data.touchpoints),
    ] {
        let empty = serde_json::Map::new();
        let (x, y) = (x.as_ref().unwrap_or(&empty), y.as_ref().unwrap_or(&empty));
        let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
        keys.sort();
        keys.dedup();
        for k in keys {
            let (before, after) = (
                x.get(k).cloned().unwrap_or(Value::Null),
                y.get(k).cloned().unwrap_or(Value::Null),
            );
            if canonical_json(&before) != canonical_json(&after) {
                push(
                    format!("data.{section}.{k}"),
                    ChangeKind::Breaking,
                    before.clone(),
                    after.clone(),
                    format!(
                        "the {section} column read as {k}: {} → {}: every metric reading it is computed from a different column",
                        show(&before),
                        show(&after)
                    ),
                );
            }
        }
    }
    // Metrics.
    let mut names: Vec<&str> = a
        .metrics
        .iter()
        .chain(&b.metrics)
        .map(|m| m.name.as_str())
        .collect();
    names.sort_unstable();
    names.dedup();
    for name in names {
        let path = format!("metrics.{name}");
        match (a.metric(name), b.metric(name)) {
            (Some(x), None) => push(
                path,
                ChangeKind::Removed,
                Value::String(x.definition.id.into()),
                Value::Null,
                format!(
                    "{name} ({}) is no longer defined: dashboards showing it lose it",
                    x.definition.id
                ),
            ),
            (None, Some(y)) => push(
                path,
                ChangeKind::Added,
                Value::Null,
                Value::String(y.definition.id.into()),
                format!("{name} ({}) is newly defined", y.definition.id),
            ),
            (Some(x), Some(y)) => {
                if x.definition.id != y.definition.id {
                    push(
                        format!("{path}.metric"),
                        ChangeKind::Breaking,
                        Value::String(x.definition.id.into()),
                        Value::String(y.definition.id.into()),
                        format!(
                            "{name} now computes {} ({}) instead of {} ({}): a different metric under the same name",
                            y.definition.id, y.definition.name, x.definition.id, x.definition.name
                        ),
                    );
                    continue;
                }
                if x.requirement != y.requirement {
                    push(
                        format!("{path}.version"),
                        ChangeKind::Breaking,
                        Value::String(x.requirement.clone()),
                        Value::String(y.requirement.clone()),
                        format!(
                            "{name} accepts definition versions {} instead of {}",
                            y.requirement, x.requirement
                        ),
                    );
                }
                let mut keys: Vec<&String> = x.params.keys().chain(y.params.keys()).collect();
                keys.sort();
                keys.dedup();
                for k in keys {
                    let (before, after) = (
                        x.params.get(k).cloned().unwrap_or(Value::Null),
                        y.params.get(k).cloned().unwrap_or(Value::Null),
                    );
                    if canonical_json(&before) != canonical_json(&after) {
                        let explanation = explain_param(y, k, &before, &after);
                        push(
                            format!("{path}.params.{k}"),
                            ChangeKind::Breaking,
                            before,
                            after,
                            explanation,
                        );
                    }
                }
                for (field, before, after) in [
                    ("label", &x.label, &y.label),
                    ("description", &x.description, &y.description),
                ] {
                    if before != after {
                        push(
                            format!("{path}.{field}"),
                            ChangeKind::Cosmetic,
                            opt_str(before),
                            opt_str(after),
                            format!("{name}: {field} reworded; the numbers do not change"),
                        );
                    }
                }
            }
            (None, None) => {}
        }
    }
    // The spec's own words.
    for (field, before, after) in [
        ("name", Some(a.name.clone()), Some(b.name.clone())),
        ("owner", a.owner.clone(), b.owner.clone()),
        ("description", a.description.clone(), b.description.clone()),
    ] {
        if before != after {
            push(
                field.into(),
                ChangeKind::Cosmetic,
                opt_str(&before),
                opt_str(&after),
                format!("{field} changed; the numbers do not change"),
            );
        }
    }
    if a.changelog != b.changelog {
        push(
            "changelog".into(),
            ChangeKind::Cosmetic,
            Value::from(a.changelog.len()),
            Value::from(b.changelog.len()),
            "changelog edited; the numbers do not change".into(),
        );
    }
    let breaking = changes
        .iter()
        .any(|c| matches!(c.kind, ChangeKind::Breaking | ChangeKind::Removed));
    let added = changes.iter().any(|c| c.kind == ChangeKind::Added);
    let cosmetic = changes.iter().any(|c| c.kind == ChangeKind::Cosmetic);
    SpecDiff {
        breaking,
        suggested_version: bump(&a.version, breaking, added, cosmetic),
        changes,
        definition_hash: (a.definition_hash().into(), b.definition_hash().into()),
        values: None,
    }
}

/// [`diff_specs`] with each changed, added or removed metric's headline before and after on
/// `inputs`.
pub fn diff_specs_on(
    a: &MetricSpec,
    b: &MetricSpec,
    inputs: &super::Inputs<'_>,
) -> crate::Result<SpecDiff> {
    let mut d = diff_specs(a, b);
    let mut names: Vec<String> = d
        .changes
        .iter()
        .filter(|c| c.kind != ChangeKind::Cosmetic)
        .filter_map(|c| c.path.strip_prefix("metrics."))
        .map(|p| p.split('.').next().unwrap_or(p).to_string())
        .collect();
    let data_changed = d.changes.iter().any(|c| c.path.starts_with("data."));
    if data_changed {
        names.extend(b.metrics.iter().map(|m| m.name.clone()));
    }
    names.sort();
    names.dedup();
    let in_a: Vec<String> = names
        .iter()
        .filter(|n| a.metric(n).is_some())
        .cloned()
        .collect();
    let in_b: Vec<String> = names
        .iter()
        .filter(|n| b.metric(n).is_some())
        .cloned()
        .collect();
    let before = if in_a.is_empty() {
        Vec::new()
    } else {
        a.evaluate(inputs, Some(&in_a))?
    };
    let after = if in_b.is_empty() {
        Vec::new()
    } else {
        b.evaluate(inputs, Some(&in_b))?
    };
    d.values = Some(
        names
            .into_iter()
            .map(|name| ValueChange {
                before: before.iter().find(|e| e.name == name).and_then(|e| e.value),
                after: after.iter().find(|e| e.name == name).and_then(|e| e.value),
                name,
            })
            .collect(),
    );
    Ok(d)
}
