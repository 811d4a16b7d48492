//! The team's living glossary: each metric of a spec with its label, description, formula and
//! the parameters in effect, then the spec's owner, version and changelog.

use super::{canonical_json, MetricSpec};
use serde_json::Value;

fn show(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => canonical_json(other),
    }
}

pub(super) fn render(spec: &MetricSpec) -> String {
    let mut s = String::new();
    s.push_str(&format!("# {} {}\n\n", spec.name, spec.version));
    if let Some(d) = &spec.description {
        s.push_str(&format!("{d}\n\n"));
    }
    if let Some(o) = &spec.owner {
        s.push_str(&format!("Owner: {o}. "));
    }
    s.push_str(&format!(
        "Definition hash `{}`. Time zone {}{}.\n\n",
        spec.definition_hash(),
        spec.data.timezone,
        spec.data
            .currency
            .as_ref()
            .map_or(String::new(), |c| format!(", currency {c}"))
    ));
    s.push_str("| name | label | metric | value in |\n|---|---|---|---|\n");
    for m in &spec.metrics {
        let unit = spec.unit(m.entry.unit);
        s.push_str(&format!(
            "| `{}` | {} | `{}`@{} ({}) | {} |\n",
            m.name,
            m.label.as_deref().unwrap_or(m.definition.name),
            m.definition.id,
            m.definition.version,
            m.requirement,
            unit
        ));
    }
    for m in &spec.metrics {
        s.push_str(&format!(
            "\n## {} (`{}`)\n\n",
            m.label.as_deref().unwrap_or(m.definition.name),
            m.name
        ));
        s.push_str(&format!(
            "`{}` version {} — {}\n\n",
            m.definition.id, m.definition.version, m.definition.name
        ));
        s.push_str(&format!(
            "{}\n\n",
            m.description.as_deref().unwrap_or(m.definition.description)
        ));
        s.push_str(&format!("Formula: {}\n\n", m.definition.formula));
        s.push_str(&format!(
            "Computed as `{}`; headline: {}.\n\n",
            m.entry.call, m.entry.headline
        ));
        s.push_str("| parameter | in effect | set by |\n|---|---|---|\n");
        for (k, v) in &m.params {
            let src = m.sources.get(k).map_or("default", String::as_str);
            s.push_str(&format!("| `{k}` | {} | {src} |\n", show(v)));
        }
    }
    if !spec.changelog.is_empty() {
        s.push_str("\n## Changelog\n\n");
        for c in &spec.changelog {
            let by = c.by.as_deref().map_or(String::new(), |b| format!(" ({b})"));
            s.push_str(&format!(
                "- **{}** {}{}: {}\n",
                c.version, c.date, by, c.why
            ));
        }
    }
    s
}
