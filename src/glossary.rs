//! The glossary: one [`Definition`] per metric, declared next to the code that computes it.
//!
//! Each metric module exposes its definitions as `pub const` items; [`all`] gathers them in a
//! stable order. Every result carries a [`DefinitionRef`] (`{ metric, version, params }`) so a
//! dashboard can say exactly what it shows. `docs/GLOSSARY.md` is generated from [`all`] by
//! [`to_markdown`]; a test fails when the checked-in file is stale.
//!
//! Versions follow semver: a change of formula or of a default bumps the metric's version and
//! is recorded in CHANGELOG.md.

use serde::Serialize;
use std::collections::BTreeMap;

/// A named parameter of a metric, with its default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ParameterDef {
    /// Option key as passed from JS (camelCase).
    pub name: &'static str,
    /// What it controls, in plain language.
    pub description: &'static str,
    /// The default, as written in the options (e.g. `"day"`, `0.01`, `last transaction`).
    pub default: &'static str,
}

/// The definition of one metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Definition {
    /// Stable id, e.g. `customer.summary`.
    pub id: &'static str,
    /// Semantic version of the definition.
    pub version: &'static str,
    /// Short human name.
    pub name: &'static str,
    /// Plain-language description for a marketer.
    pub description: &'static str,
    /// The formula, in plain text.
    pub formula: &'static str,
    /// Unit of the value(s).
    pub unit: &'static str,
    /// Parameters with defaults.
    pub parameters: &'static [ParameterDef],
    /// The input contract.
    pub inputs: &'static str,
}

/// A parameter value as recorded in a result's definition reference.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ParamValue {
    /// A number.
    Number(f64),
    /// Text.
    Text(String),
    /// A flag.
    Bool(bool),
}

/// What a result says about how it was computed: metric id, version and the parameters used.
///
/// ```
/// use unimetric::glossary::{DefinitionRef, ParamValue};
/// let r = DefinitionRef::new(&unimetric::summary::DEFINITION)
///     .with("period", ParamValue::Text("week".into()));
/// assert_eq!(r.metric, "customer.summary");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DefinitionRef {
    /// Metric id.
    pub metric: &'static str,
    /// Definition version.
    pub version: &'static str,
    /// Parameters in effect (after defaults), by option key.
    pub params: BTreeMap<&'static str, ParamValue>,
}

impl DefinitionRef {
    /// A reference to `def` with no parameters recorded yet.
    pub fn new(def: &Definition) -> Self {
        DefinitionRef {
            metric: def.id,
            version: def.version,
            params: BTreeMap::new(),
        }
    }

    /// Records a parameter value.
    pub fn with(mut self, key: &'static str, value: ParamValue) -> Self {
        self.params.insert(key, value);
        self
    }
}

/// Checks that a saved model written under definition version `found` can be read by `want`:
/// the same major version (a major bump changes what the saved numbers mean). Otherwise
/// `E_BAD_OPTION` on option `version`.
///
/// ```
/// use unimetric::glossary::check_saved_version;
/// let want = &unimetric::summary::DEFINITION; // version 1.0.0
/// assert!(check_saved_version("1.4.2", want).is_ok());
/// assert_eq!(check_saved_version("2.0.0", want).unwrap_err().code(), "E_BAD_OPTION");
/// ```
pub fn check_saved_version(found: &str, want: &Definition) -> crate::Result<()> {
    let major = |v: &str| v.split('.').next().unwrap_or("").to_string();
    if major(found) != major(want.version) {
        return Err(crate::Error::BadOption {
            option: "version".into(),
            message: format!(
                "the model was saved under {} version {found}; this library reads {}.x",
                want.id,
                major(want.version)
            ),
        });
    }
    Ok(())
}

/// Every definition, grouped by module, in a stable order.
pub fn all() -> Vec<&'static Definition> {
    let mut out: Vec<&'static Definition> = vec![&crate::summary::DEFINITION];
    out.extend(crate::kpi::DEFINITIONS.iter());
    out.extend(crate::cac::DEFINITIONS.iter());
    out.extend(crate::churn::DEFINITIONS.iter());
    out.extend(crate::segment::DEFINITIONS.iter().copied());
    out.extend(crate::ltv::DEFINITIONS.iter());
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
        "Generated from the definitions in the code (`unimetric::glossary::all()`); do not edit \
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
        if !d.parameters.is_empty() {
            s.push_str("\n| parameter | default | meaning |\n|---|---|---|\n");
            for p in d.parameters {
                s.push_str(&format!(
                    "| `{}` | {} | {} |\n",
                    p.name, p.default, p.description
                ));
            }
        }
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

fn anchor(id: &str) -> String {
    id.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect::<String>()
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
