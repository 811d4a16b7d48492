//! The catalog: every [`Definition`] of the library, in a stable order, and the glossary
//! rendered from them.
//!
//! This module sits above every metric module: it imports them all, and nothing in the core
//! imports it (only the binding, the metric spec and the tests do), so the metric modules form
//! layers without cycles. A new metric family adds its definitions to [`all`].

use crate::glossary::Definition;

/// Every definition, grouped by module, in a stable order.
pub fn all() -> Vec<&'static Definition> {
    let mut out: Vec<&'static Definition> = vec![&crate::summary::DEFINITION];
    out.extend(crate::kpi::DEFINITIONS.iter());
    out.extend(crate::kpi_series::DEFINITIONS.iter());
    out.push(&crate::cohort::DEFINITION);
    out.extend(crate::cac::DEFINITIONS.iter());
    out.extend(crate::churn::DEFINITIONS.iter());
    out.extend(crate::segment::DEFINITIONS.iter().copied());
    out.extend(crate::ltv::DEFINITIONS.iter());
    out.extend(crate::experiment::DEFINITIONS.iter().copied());
    out.extend(crate::attribution::DEFINITIONS.iter().copied());
    out.extend(crate::anomaly::DEFINITIONS.iter().copied());
    out
}

/// The definition with id `id`, if any.
pub fn get(id: &str) -> Option<&'static Definition> {
    all().into_iter().find(|d| d.id == id)
}

/// Renders the glossary as Markdown (the content of `docs/GLOSSARY.md`).
pub fn to_markdown() -> String {
    let mut s = String::new();
    s.push_str("# Glossary\n\n");
    s.push_str(
        "Generated from the definitions in the code (`unimetric::catalog::all()`); do not edit \
         by hand. Regenerate with `scripts/glossary.sh`; `cargo test` fails when this file is \
         stale.\n\n",
    );
    s.push_str(&metric_table(""));
    for d in all() {
        s.push_str(&format!("\n## {}\n\n", d.id));
        s.push_str(&format!("**{}** — version {}\n\n", d.name, d.version));
        s.push_str(&format!("{}\n\n", d.description));
        s.push_str(&format!("- **Formula:** {}\n", d.formula));
        s.push_str(&format!("- **Unit:** {}\n", d.unit));
        s.push_str(&format!("- **Inputs:** {}\n", d.inputs));
        if !d.depends_on.is_empty() {
            let deps: Vec<String> = d
                .depends_on
                .iter()
                .map(|id| match get(id) {
                    Some(dep) => format!("[`{id}`](#{}) {}", anchor(id), dep.version),
                    None => format!("`{id}` (unknown)"),
                })
                .collect();
            s.push_str(&format!("- **Builds on:** {}\n", deps.join(", ")));
        }
        if !d.parameters.is_empty() {
            s.push_str("\n| parameter | default | allowed | meaning |\n|---|---|---|---|\n");
            for p in d.parameters {
                s.push_str(&format!(
                    "| `{}` | {} | {} | {} |\n",
                    p.name,
                    p.default,
                    allowed(p),
                    p.description
                ));
            }
        }
    }
    s
}

/// The canonical text of a definition: what its numbers depend on, one field a line, in a
/// fixed order and independent of the struct's layout — id, formula, unit, every parameter's
/// machine-readable fields (name, literal default, rule, requirement, range, wholeness,
/// enumeration; not its wording) and the id and version of every definition it builds on.
/// `tests/fixtures/definition_versions.csv` records a SHA-256 of it per definition, and a test
/// fails when it changes without a version bump.
///
/// ```
/// let text = unimetric::catalog::canonical_text(&unimetric::kpi::AOV);
/// assert!(text.contains("dependsOn: orders.count@"));
/// ```
pub fn canonical_text(d: &Definition) -> String {
    use crate::glossary::Literal;
    let opt = |v: Option<f64>| v.map_or("-".to_string(), |x| format!("{x:?}"));
    let mut s = format!("id: {}\nformula: {}\nunit: {}\n", d.id, d.formula, d.unit);
    for p in d.parameters {
        let value = match p.value {
            Literal::None => "-".to_string(),
            Literal::Number(v) => format!("{v:?}"),
            Literal::Text(v) => format!("{v:?}"),
            Literal::Bool(v) => v.to_string(),
        };
        s.push_str(&format!(
            "parameter: {}; value {}; rule {}; required {}; min {}; max {}; minExclusive {}; \
             integer {}; values {}\n",
            p.name,
            value,
            p.rule.unwrap_or("-"),
            p.required,
            opt(p.min),
            opt(p.max),
            p.min_exclusive,
            p.integer,
            p.values.map_or("-".to_string(), |v| v.join("|")),
        ));
    }
    for id in d.depends_on {
        let version = get(id).map_or("?", |dep| dep.version);
        s.push_str(&format!("dependsOn: {id}@{version}\n"));
    }
    s
}

/// The table of metrics (id, version, name, unit), each id linking to its section at
/// `{link_base}#anchor` (`""` inside GLOSSARY.md, `"docs/GLOSSARY.md"` from the README).
pub fn metric_table(link_base: &str) -> String {
    let mut s = String::from("| id | version | name | unit |\n|---|---|---|---|\n");
    for d in all() {
        s.push_str(&format!(
            "| [`{}`]({}#{}) | {} | {} | {} |\n",
            d.id,
            link_base,
            anchor(d.id),
            d.version,
            d.name,
            d.unit
        ));
    }
    s
}

/// The family a definition belongs to in [`metric_index`], from its id's namespace.
fn family(id: &str) -> &str {
    let prefix = id.split('.').next().unwrap_or(id);
    match prefix {
        "customer" | "customers" | "orders" | "revenue" | "traffic" => "Summary and KPIs",
        "cohort" | "retention" => "Cohorts and retention",
        "cac" => "CAC, payback, LTV:CAC",
        "churn" => "Churn",
        "segment" => "Segments",
        "ltv" => "Lifetime value",
        "experiment" => "Experiments",
        "attribution" => "Attribution",
        "anomaly" => "Anomalies",
        other => other,
    }
}

/// The metrics grouped by family, one row per family (first appearance in catalog order), each
/// id linking to its section at `{link_base}#anchor` with its version: the README's index.
pub fn metric_index(link_base: &str) -> String {
    let mut families: Vec<(&str, Vec<String>)> = Vec::new();
    for d in all() {
        let entry = format!("[`{}`]({}#{}) {}", d.id, link_base, anchor(d.id), d.version);
        let name = family(d.id);
        match families.iter_mut().find(|(f, _)| *f == name) {
            Some((_, items)) => items.push(entry),
            None => families.push((name, vec![entry])),
        }
    }
    let mut s = String::from("| family | definitions (version) |\n|---|---|\n");
    for (name, items) in families {
        s.push_str(&format!("| {name} | {} |\n", items.join(" · ")));
    }
    s
}

/// The allowed values of a parameter in words: its enumeration, its range, or "—".
fn allowed(p: &crate::glossary::ParameterDef) -> String {
    let mut parts = Vec::new();
    if p.required {
        parts.push("required".to_string());
    }
    if let Some(values) = p.values {
        parts.push(
            values
                .iter()
                .map(|v| format!("`\"{v}\"`"))
                .collect::<Vec<_>>()
                .join(", "),
        );
    }
    let kind = if p.integer { "whole number" } else { "number" };
    match (p.min, p.max) {
        (Some(a), Some(b)) if p.min_exclusive => parts.push(format!("{kind} > {a} and ≤ {b}")),
        (Some(a), None) if p.min_exclusive => parts.push(format!("{kind} > {a}")),
        (Some(a), Some(b)) => parts.push(format!("{kind} {a} to {b}")),
        (Some(a), None) => parts.push(format!("{kind} ≥ {a}")),
        (None, Some(b)) => parts.push(format!("{kind} ≤ {b}")),
        (None, None) if p.integer => parts.push(kind.to_string()),
        (None, None) => {}
    }
    if let Some(rule) = p.rule {
        parts.push(format!("default rule `{rule}`"));
    }
    if parts.is_empty() {
        "—".to_string()
    } else {
        parts.join("; ")
    }
}

fn anchor(id: &str) -> String {
    id.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect::<String>()
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::glossary::Literal;

    #[test]
    fn ids_unique_and_versions_semver() {
        let defs = all();
        let mut ids: Vec<_> = defs.iter().map(|d| d.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), defs.len());
        for d in defs {
            let parts: Vec<_> = d.version.split('.').collect();
            assert_eq!(parts.len(), 3, "{}", d.id);
            assert!(parts.iter().all(|p| p.parse::<u32>().is_ok()), "{}", d.id);
            assert!(!d.formula.is_empty() && !d.description.is_empty() && !d.unit.is_empty());
        }
    }

    /// The display default and the machine-readable one say the same thing, and a literal
    /// default lies inside the parameter's own range and enumeration.
    #[test]
    fn parameter_defaults_agree_with_their_values() {
        for d in all() {
            for p in d.parameters {
                let at = format!("{}.{}", d.id, p.name);
                match p.value {
                    Literal::Number(v) => {
                        let shown: f64 = p.default.parse().unwrap_or(f64::NAN);
                        assert_eq!(shown, v, "{at}: default text {:?}", p.default);
                        assert!(p.check_number(v).is_ok(), "{at}: default outside its range");
                    }
                    Literal::Text(v) => {
                        assert_eq!(p.default, format!("\"{v}\""), "{at}");
                        if let Some(values) = p.values {
                            assert!(values.contains(&v), "{at}: default not among values");
                        }
                    }
                    Literal::Bool(v) => assert_eq!(p.default, v.to_string(), "{at}"),
                    Literal::None => assert!(
                        p.required || p.rule.is_some() || !p.default.is_empty(),
                        "{at}: no default, rule or requirement"
                    ),
                }
                if let (Some(a), Some(b)) = (p.min, p.max) {
                    assert!(a <= b, "{at}: empty range");
                }
            }
        }
    }
}
