//! The glossary: one [`Definition`] per metric, declared next to the code that computes it.
//!
//! Each metric module exposes its definitions as `pub const` items; [`crate::catalog::all`]
//! gathers them in a stable order (this module holds only the types, so every metric module can
//! import it without importing the others). Every result carries a [`DefinitionRef`]
//! (`{ metric, version, params }`) so a dashboard can say exactly what it shows.
//! `docs/GLOSSARY.md` is generated from the catalog; a test fails when the checked-in file is
//! stale.
//!
//! Versions follow semver: a change of formula or of a default bumps the metric's version and
//! is recorded in CHANGELOG.md. A change that can move any number is a major bump, and moves
//! every definition that builds on it ([`Definition::depends_on`]) to a new major version too.
//! `tests/fixtures/definition_versions.csv` records every definition's version and a hash of its
//! canonical text ([`crate::catalog::canonical_text`]: formula, unit, parameters and the
//! versions of its dependencies); a test fails when the text changes without a version bump.

use serde::Serialize;
use std::collections::BTreeMap;

/// The literal default of a parameter, as a JS value would hold it (`null` when the parameter has
/// no literal default: it is required, or its default depends on the data, see
/// [`ParameterDef::rule`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(untagged)]
pub enum Literal {
    /// No literal default (serialised as `null`).
    None,
    /// A number.
    Number(f64),
    /// Text, e.g. `"day"`.
    Text(&'static str),
    /// A flag.
    Bool(bool),
}

/// A named parameter of a metric: its default, its range and, for enumerations, its values.
///
/// One source for the binding, the glossary and the dashboard: each options type builds its
/// `Default` from [`value`](ParameterDef::value) and checks its ranges with
/// [`check_number`](ParameterDef::check_number), and `getDefinition(id).parameters` hands the
/// same fields to JavaScript.
///
/// ```
/// use unimetric::glossary::{Literal, ParameterDef};
/// const HORIZON: ParameterDef = ParameterDef::new("horizonMonths", "12", "Horizon in months.")
///     .number(12.0)
///     .range(1.0, 1200.0);
/// assert_eq!(HORIZON.value, Literal::Number(12.0));
/// assert!(HORIZON.check_number(600.0).is_ok());
/// assert_eq!(HORIZON.check_number(0.0).unwrap_err().code(), "E_BAD_OPTION");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase")]
pub struct ParameterDef {
    /// Option key as passed from JS (camelCase).
    pub name: &'static str,
    /// What it controls, in plain language.
    pub description: &'static str,
    /// The default, as written in the options (e.g. `"day"`, `0.01`, `last transaction`).
    pub default: &'static str,
    /// The literal default, or [`Literal::None`].
    pub value: Literal,
    /// A named data-dependent default (e.g. `lastTransaction`), when there is one.
    pub rule: Option<&'static str>,
    /// True when the caller must give the parameter.
    pub required: bool,
    /// Smallest allowed value (numbers), inclusive.
    pub min: Option<f64>,
    /// Largest allowed value (numbers), inclusive.
    pub max: Option<f64>,
    /// The allowed values of an enumeration.
    pub values: Option<&'static [&'static str]>,
    /// True when [`min`](Self::min) itself is excluded (the value must be greater).
    pub min_exclusive: bool,
    /// True when only whole numbers are allowed.
    pub integer: bool,
}

impl ParameterDef {
    /// A parameter with display default `default` and nothing else known.
    pub const fn new(
        name: &'static str,
        default: &'static str,
        description: &'static str,
    ) -> ParameterDef {
        ParameterDef {
            name,
            description,
            default,
            value: Literal::None,
            rule: None,
            required: false,
            min: None,
            max: None,
            values: None,
            min_exclusive: false,
            integer: false,
        }
    }

    /// With the literal numeric default `v`.
    pub const fn number(mut self, v: f64) -> Self {
        self.value = Literal::Number(v);
        self
    }

    /// With the literal text default `v`.
    pub const fn text(mut self, v: &'static str) -> Self {
        self.value = Literal::Text(v);
        self
    }

    /// With the literal flag default `v`.
    pub const fn flag(mut self, v: bool) -> Self {
        self.value = Literal::Bool(v);
        self
    }

    /// Allowed range `min..=max`.
    pub const fn range(mut self, min: f64, max: f64) -> Self {
        self.min = Some(min);
        self.max = Some(max);
        self
    }

    /// Allowed range `min..` (no upper bound).
    pub const fn at_least(mut self, min: f64) -> Self {
        self.min = Some(min);
        self
    }

    /// Allowed range `(min..)`: greater than `min`.
    pub const fn above(mut self, min: f64) -> Self {
        self.min = Some(min);
        self.min_exclusive = true;
        self
    }

    /// Allowed range `..=max` (combines with a lower bound).
    pub const fn at_most(mut self, max: f64) -> Self {
        self.max = Some(max);
        self
    }

    /// Whole numbers only.
    pub const fn whole(mut self) -> Self {
        self.integer = true;
        self
    }

    /// The allowed values of an enumeration.
    pub const fn one_of(mut self, values: &'static [&'static str]) -> Self {
        self.values = Some(values);
        self
    }

    /// A named data-dependent default.
    pub const fn rule(mut self, rule: &'static str) -> Self {
        self.rule = Some(rule);
        self
    }

    /// The caller must give it.
    pub const fn required(mut self) -> Self {
        self.required = true;
        self
    }

    /// The numeric default, for a `Default` impl that cannot drift from the definition. Crate
    /// only, and every caller writes `const { X.default_number() }`: on a parameter without a
    /// numeric default the `panic!` below is then a compile error, never a run-time trap. The
    /// test `defaults_are_read_in_const_context` below holds every caller to that form.
    pub(crate) const fn default_number(&self) -> f64 {
        match self.value {
            Literal::Number(v) => v,
            // Unreachable at run time: only evaluated inside `const { }` (see above), where a
            // panic fails the build.
            _ => panic!("parameter has no numeric default"),
        }
    }

    /// The text default (see [`default_number`](Self::default_number)).
    pub(crate) const fn default_text(&self) -> &'static str {
        match self.value {
            Literal::Text(v) => v,
            // Unreachable at run time: only evaluated inside `const { }`, as above.
            _ => panic!("parameter has no text default"),
        }
    }

    /// The flag default (see [`default_number`](Self::default_number)).
    pub(crate) const fn default_flag(&self) -> bool {
        match self.value {
            Literal::Bool(v) => v,
            // Unreachable at run time: only evaluated inside `const { }`, as above.
            _ => panic!("parameter has no flag default"),
        }
    }

    /// Checks `x` against the parameter's range (and wholeness): `E_BAD_OPTION` naming the
    /// parameter and its range when `x` is not finite or outside it.
    pub fn check_number(&self, x: f64) -> crate::Result<f64> {
        let lo = self.min.unwrap_or(f64::NEG_INFINITY);
        let hi = self.max.unwrap_or(f64::INFINITY);
        let whole = !self.integer || x.fract() == 0.0;
        let above_min = if self.min_exclusive { x > lo } else { x >= lo };
        if x.is_finite() && above_min && x <= hi && whole {
            return Ok(x);
        }
        let kind = if self.integer {
            "a whole number"
        } else {
            "a number"
        };
        let range = match (self.min, self.max) {
            (Some(a), Some(b)) if self.min_exclusive => {
                format!(" greater than {a} and at most {b}")
            }
            (Some(a), None) if self.min_exclusive => format!(" greater than {a}"),
            (Some(a), Some(b)) => format!(" from {a} to {b}"),
            (Some(a), None) => format!(" of at least {a}"),
            (None, Some(b)) => format!(" of at most {b}"),
            (None, None) => " (finite)".to_string(),
        };
        Err(crate::Error::BadOption {
            option: self.name.into(),
            message: format!("expected {kind}{range}, found {x}"),
        })
    }

    /// Checks `x` as a whole number in range (see [`check_number`](Self::check_number)).
    pub fn check_count(&self, x: f64) -> crate::Result<usize> {
        let p = ParameterDef {
            integer: true,
            ..*self
        };
        p.check_number(x).map(|v| v as usize)
    }
}

/// The definition of one metric.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
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
    /// Ids of the definitions this one builds on (JS `dependsOn`), e.g. `ltv.clv` on
    /// `customer.summary`, `ltv.bgnbd` and `ltv.gamma_gamma`. A new major version of any of them
    /// can move this one's numbers, so it takes a new major version too; the test
    /// `tests/glossary.rs` checks it against `tests/fixtures/definition_versions.csv`.
    pub depends_on: &'static [&'static str],
}

/// A parameter value as recorded in a result's definition reference.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
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
#[cfg_attr(
    target_arch = "wasm32",
    derive(tsify::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
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

/// The field names serde's derive gives a struct (`deserialize_struct`'s `fields`), found by
/// asking the type to deserialise itself from a deserializer that only records them: the option
/// keys of an options type (the binding refuses any other key with `E_UNKNOWN_OPTION`), which
/// a test compares with its definition's parameters.
///
/// ```
/// let names = unimetric::glossary::field_names::<unimetric::ltv::historical::HistoricalOptions>();
/// assert_eq!(names, ["margin", "marginRate", "observationEnd", "timezone"]); // aliases included
/// ```
pub fn field_names<T: serde::de::DeserializeOwned>() -> &'static [&'static str] {
    let mut fields: &'static [&'static str] = &[];
    let _ = T::deserialize(FieldNames(&mut fields));
    fields
}

/// Reads an options object of type `T` from JSON text, as the binding reads it from JS: a key
/// that is not one of `T`'s fields (or of `aliases`) is `E_UNKNOWN_OPTION` naming `function`
/// and the known keys, a value of the wrong type `E_BAD_OPTION` naming the option's path.
/// Ranges are the caller's to check.
///
/// ```
/// use unimetric::cohort::CohortOptions;
/// let o: CohortOptions = unimetric::glossary::options_from_json(r#"{ "maxAge": 12 }"#, "cohorts", &[]).unwrap();
/// assert_eq!(o.max_age, Some(12.0));
/// let e = unimetric::glossary::options_from_json::<CohortOptions>("[1]", "cohorts", &[]).unwrap_err();
/// assert_eq!(e.code(), "E_BAD_OPTION");
/// ```
pub fn options_from_json<T: serde::de::DeserializeOwned>(
    text: &str,
    function: &str,
    aliases: &[&str],
) -> crate::Result<T> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| crate::Error::BadOption {
            option: "options".into(),
            message: e.to_string(),
        })?;
    let serde_json::Value::Object(map) = &value else {
        return Err(crate::Error::BadOption {
            option: "options".into(),
            message: format!("{function} expects an options object"),
        });
    };
    let known = field_names::<T>();
    if let Some(k) = map
        .keys()
        .find(|k| !known.contains(&k.as_str()) && !aliases.contains(&k.as_str()))
    {
        return Err(crate::Error::UnknownOption {
            option: k.clone(),
            function: function.into(),
            known: known.join(", "),
        });
    }
    serde_path_to_error::deserialize(&value).map_err(|e| crate::Error::BadOption {
        option: e.path().to_string(),
        message: e.inner().to_string(),
    })
}

struct FieldNames<'a>(&'a mut &'static [&'static str]);

impl<'de> serde::Deserializer<'de> for FieldNames<'_> {
    type Error = serde::de::value::Error;

    fn deserialize_any<V: serde::de::Visitor<'de>>(self, _v: V) -> Result<V::Value, Self::Error> {
        Err(serde::de::Error::custom("field names only"))
    }

    fn deserialize_struct<V: serde::de::Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _v: V,
    ) -> Result<V::Value, Self::Error> {
        *self.0 = fields;
        Err(serde::de::Error::custom("field names only"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

/// Checks that a saved model written under definition version `found` can be read by `want`:
/// the same major version (a major bump changes what the saved numbers mean). Otherwise
/// `E_BAD_OPTION` on option `version`.
///
/// ```
/// use unimetric::glossary::check_saved_version;
/// let want = &unimetric::summary::DEFINITION; // version 2.1.0
/// assert!(check_saved_version("2.4.2", want).is_ok());
/// assert_eq!(check_saved_version("1.0.0", want).unwrap_err().code(), "E_BAD_OPTION");
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

#[cfg(test)]
mod tests {
    /// Every call of `default_number`, `default_text` or `default_flag` in the crate is written
    /// inside `const { }` on its line, so a parameter without that kind of default fails the
    /// build instead of panicking at run time.
    #[test]
    fn defaults_are_read_in_const_context() {
        fn walk(dir: &std::path::Path, out: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let p = entry.path();
                if p.is_dir() {
                    walk(&p, out);
                } else if p.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&p).unwrap_or_default();
                    for (i, line) in text.lines().enumerate() {
                        let t = line.trim_start();
                        let call = ["number", "text", "flag"]
                            .iter()
                            .any(|k| t.contains(&format!(".default_{k}()")));
                        if call && !t.starts_with("//") && !t.contains("const {") {
                            out.push(format!("{}:{}: {t}", p.display(), i + 1));
                        }
                    }
                }
            }
        }
        let mut bad = Vec::new();
        walk(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut bad,
        );
        assert!(
            bad.is_empty(),
            "defaults read outside const context:\n{}",
            bad.join("\n")
        );
    }
}
