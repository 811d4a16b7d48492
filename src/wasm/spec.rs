//! `MetricSpec` and `diffSpecs` for JS: the team's metric definitions as one file.

use super::convert::{check_keys, csv_bytes, get, type_name, JsResult};
use super::interop::{read, to_js};
use crate::error::Error;
use crate::spec::{diff, entries, Inputs};
use js_sys::{Array, Reflect, Uint8Array};
use serde::Deserialize;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_SPEC: &'static str = r#"
/** A table for `MetricSpec.evaluate` read with the spec's `data` mapping: CSV text or bytes, or rows. */
export type SpecTableInput = string | Uint8Array | ReadonlyArray<Record<string, unknown>>;
/** The inputs of `MetricSpec.evaluate`: each table as `SpecTableInput`, or an instance already built. */
export interface SpecInputs {
  transactions?: SpecTableInput | Transactions;
  spend?: SpecTableInput | Spend;
  /** An experiment's assignments: CSV text or bytes read with the spec's `data.assignments` mapping, or the columns or rows `experimentOnTransactions` takes. */
  assignments?: string | Uint8Array | ExperimentAssignments | ReadonlyArray<ExperimentAssignmentRow>;
  /** Marketing touchpoints: CSV text or bytes read with the spec's `data.touchpoints` mapping, or the rows or columns `Journeys.fromTransactions` takes (`journeyId` is the customer id). */
  touchpoints?: string | Uint8Array | TouchpointsInput;
  /** Visits per date (and channel), for `traffic.conversion_rate`: CSV text or bytes read with the spec's `data.traffic` mapping, or the columns or rows `kpiSeries` takes. */
  traffic?: string | Uint8Array | TrafficColumns | ReadonlyArray<TrafficRow>;
}
/** Options of `MetricSpec.evaluate`. */
export interface SpecEvaluateOptions {
  /** Evaluate only these metrics (their names in the spec). */
  only?: string[];
}
/** Options of `diffSpecs`. */
export interface SpecDiffOptions {
  /** With data: each changed metric's headline before and after. */
  data?: SpecInputs;
}
/** What a number computed from a spec was computed from. */
export interface SpecDefinitionRef {
  metric: string;
  version: string;
  params: Record<string, unknown>;
  spec: { name: string; version: string; definitionHash: string };
  /** xxh3-128 of the transactions' validated columns, when the metric reads them. */
  dataFingerprint: string | null;
  /** xxh3-128 of the spend rows, when the metric reads them. */
  spendFingerprint: string | null;
  /** xxh3-128 of the assignments (unit id, arm, time per row), when the metric reads them. */
  assignmentsFingerprint: string | null;
  /** xxh3-128 of the touchpoints (customer id, time, channel per row), when the metric reads them. */
  touchpointsFingerprint: string | null;
  /** xxh3-128 of the traffic (instant, visits, channel per row), when the metric reads it. */
  trafficFingerprint: string | null;
  /** True when the caller built the tables instead of the spec's `data` mapping. */
  mappedByCaller: boolean;
}
/** One metric evaluated from a spec. */
export interface SpecValue {
  /** The headline number (null when the metric has none, or it is undefined). */
  value: number | null;
  unit: string;
  label: string;
  /** The full result of the direct call the metric equals. */
  detail: unknown;
  definition: SpecDefinitionRef;
}
/** One change between two specs. */
export interface SpecChange {
  path: string;
  kind: "breaking" | "cosmetic" | "added" | "removed";
  before: unknown;
  after: unknown;
  explanation: string;
}
/** The result of `diffSpecs`. */
export interface SpecDiff {
  breaking: boolean;
  changes: SpecChange[];
  suggestedVersion: string;
  /** Definition hashes before and after. */
  definitionHash: [string, string];
  /** With `data`: each changed metric's headline before and after. */
  values?: { name: string; before: number | null; after: number | null }[];
}
/** A metric a spec can name: the direct call it equals, its inputs, headline and parameters. */
export interface SpecCatalogEntry {
  metric: string;
  call: string;
  inputs: ("transactions" | "spend" | "assignments" | "touchpoints" | "traffic")[];
  headline: string;
  unit: string;
  params: string[];
}
"#;

/// A team's metric definitions, parsed and validated (see `docs/SPEC.md`).
#[wasm_bindgen]
pub struct MetricSpec {
    inner: crate::spec::MetricSpec,
}

/// Options of `evaluate`.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct EvaluateOptions {
    #[serde(default)]
    only: Option<Vec<String>>,
}

enum Table<T> {
    None,
    Built(Rc<T>),
    Read(T),
}

impl<T> Table<T> {
    fn get(&self) -> Option<&T> {
        match self {
            Table::None => None,
            Table::Built(r) => Some(r),
            Table::Read(t) => Some(t),
        }
    }
}

/// An instance's handle, when `v` is a live `Transactions` or `Spend`.
fn handle(v: &JsValue) -> Option<Result<u32, Error>> {
    if !v.is_object() || Array::is_array(v) || v.is_instance_of::<Uint8Array>() {
        return None;
    }
    match Reflect::get(v, &JsValue::from_str("__unimetricTable")) {
        Ok(h) => h.as_f64().map(|x| Ok(x as u32)),
        // The getter throws on an instance that was freed.
        Err(_) => Some(Err(Error::BadType {
            column: "inputs".into(),
            row: 0,
            expected: "a live table".into(),
            found: "an instance that was freed".into(),
        })),
    }
}

fn read_table<T>(
    v: &JsValue,
    key: &str,
    lookup: impl Fn(u32) -> Option<Rc<T>>,
    from_text: impl Fn(&[u8]) -> crate::Result<T>,
    from_rows: impl Fn(&JsValue) -> crate::Result<T>,
    built: &mut bool,
) -> crate::Result<Table<T>> {
    if v.is_undefined() || v.is_null() {
        return Ok(Table::None);
    }
    let wrong = || Error::BadType {
        column: format!("inputs.{key}"),
        row: 0,
        expected: format!(
            "CSV text or bytes, an array of rows, or a {} instance",
            if key == "spend" {
                "Spend"
            } else {
                "Transactions"
            }
        ),
        found: type_name(v).into(),
    };
    if let Some(h) = handle(v) {
        let t = lookup(h?).ok_or_else(wrong)?;
        *built = true;
        return Ok(Table::Built(t));
    }
    if v.is_string() || v.is_instance_of::<Uint8Array>() {
        return Ok(Table::Read(from_text(&csv_bytes(v)?)?));
    }
    if Array::is_array(v) {
        return Ok(Table::Read(from_rows(v)?));
    }
    Err(wrong())
}

/// The inputs of one evaluation, read or looked up.
struct Tables {
    tx: Table<crate::Transactions>,
    spend: Table<crate::data::spend::Spend>,
    assignments: Option<crate::experiment::AssignmentTable>,
    touchpoints: Option<crate::attribution::TouchpointTable>,
    traffic: Option<crate::data::traffic::Traffic>,
    built: bool,
}

impl Tables {
    fn inputs(&self) -> Inputs<'_> {
        Inputs {
            transactions: self.tx.get(),
            spend: self.spend.get(),
            assignments: self.assignments.as_ref(),
            touchpoints: self.touchpoints.as_ref(),
            traffic: self.traffic.as_ref(),
            mapped_by_caller: self.built,
        }
    }
}

impl MetricSpec {
    fn tables(&self, inputs: &JsValue) -> crate::Result<Tables> {
        let mut t = Tables {
            tx: Table::None,
            spend: Table::None,
            assignments: None,
            touchpoints: None,
            traffic: None,
            built: false,
        };
        if inputs.is_undefined() || inputs.is_null() {
            return Ok(t);
        }
        if !inputs.is_object() || Array::is_array(inputs) {
            return Err(Error::BadOption {
                option: "inputs".into(),
                message: format!(
                    "expected {{ transactions, spend, assignments, touchpoints, traffic }}, found {}",
                    type_name(inputs)
                ),
            });
        }
        check_keys(
            inputs,
            "MetricSpec.evaluate inputs",
            &[
                "transactions",
                "spend",
                "assignments",
                "touchpoints",
                "traffic",
            ],
        )?;
        let spec = &self.inner;
        t.tx = read_table(
            &get(inputs, "transactions"),
            "transactions",
            super::tables::transactions,
            |b| crate::Transactions::from_csv(b, &spec.transactions_mapping()?),
            |rows| super::transactions::from_rows(rows, &to_js(&spec.mapping("transactions")?)),
            &mut t.built,
        )?;
        t.spend = read_table(
            &get(inputs, "spend"),
            "spend",
            super::tables::spend,
            |b| crate::data::spend::Spend::from_csv(b, &spec.spend_mapping()?),
            |rows| super::cac::spend_from_rows(rows, &to_js(&spec.mapping("spend")?)),
            &mut t.built,
        )?;
        let a = get(inputs, "assignments");
        if a.is_string() || a.is_instance_of::<Uint8Array>() {
            t.assignments = Some(crate::experiment::AssignmentTable::from_csv(
                &csv_bytes(&a)?,
                &spec.assignments_mapping()?,
            )?);
        } else if !a.is_undefined() && !a.is_null() {
            // Columns or rows as `experimentOnTransactions` takes them: naive times in the
            // transactions' zone, else the spec's.
            let zone = match t.tx.get() {
                Some(tx) => tx.timezone().clone(),
                None => crate::data::Zone::parse(&spec.data.timezone)?,
            };
            t.assignments = Some(super::experiment::read_assignments(&a, &zone)?);
        }
        let tp = get(inputs, "touchpoints");
        if tp.is_string() || tp.is_instance_of::<Uint8Array>() {
            t.touchpoints = Some(crate::attribution::TouchpointTable::from_csv(
                &csv_bytes(&tp)?,
                &spec.touchpoints_mapping()?,
            )?);
        } else if !tp.is_undefined() && !tp.is_null() {
            // Rows or columns as `Journeys.fromTransactions` takes them: naive times in the
            // transactions' zone (as that call reads them), else the spec's.
            let zone = match t.tx.get() {
                Some(tx) => tx.timezone().clone(),
                None => crate::data::Zone::parse(&spec.data.timezone)?,
            };
            t.touchpoints = Some(super::attribution::read_touchpoints(&tp, &zone)?);
        }
        let tr = get(inputs, "traffic");
        if tr.is_string() || tr.is_instance_of::<Uint8Array>() {
            t.traffic = Some(crate::data::traffic::Traffic::from_csv(
                &csv_bytes(&tr)?,
                &spec.traffic_mapping()?,
            )?);
        } else if !tr.is_undefined() && !tr.is_null() {
            // Columns or rows as `kpiSeries` takes them: bare dates in the transactions' zone,
            // else the spec's.
            let zone = match t.tx.get() {
                Some(tx) => tx.timezone().clone(),
                None => crate::data::Zone::parse(&spec.data.timezone)?,
            };
            t.traffic = Some(super::kpi_series::read_traffic_value(&tr, &zone)?);
        }
        Ok(t)
    }
}

/// A JS value (JSON text or an object) as JSON: an object goes through `JSON.stringify`, so a
/// cycle, a BigInt or nesting deeper than the engine writes is `E_BAD_SPEC`, never a trap.
fn json_value(input: &JsValue, what: &str) -> crate::Result<serde_json::Value> {
    let text = if let Some(text) = input.as_string() {
        text
    } else if input.is_object() && !Array::is_array(input) {
        js_sys::JSON::stringify(input)
            .ok()
            .and_then(|s| s.as_string())
            .ok_or_else(|| {
                Error::BadSpec {
                    message: format!("the {what} object cannot be written as JSON (a cycle, a BigInt, or nesting too deep)"),
                }
                .at_spec_path("$")
            })?
    } else {
        return Err(Error::BadSpec {
            message: format!(
                "expected the {what} as JSON text or an object, found {}",
                type_name(input)
            ),
        }
        .at_spec_path("$"));
    };
    if text.len() > crate::spec::MAX_BYTES {
        return Err(Error::TooLarge {
            what: format!("{what} text (bytes)"),
            size: text.len(),
            limit: crate::spec::MAX_BYTES,
        }
        .at_spec_path("$"));
    }
    serde_json::from_str(&text).map_err(|e| Error::InSpec {
        path: "$".into(),
        line: if input.is_string() { e.line() } else { 0 },
        col: if input.is_string() { e.column() } else { 0 },
        inner: Box::new(Error::BadSpec {
            message: format!("not valid JSON: {e}"),
        }),
    })
}

/// `{ [name]: { value, unit, label, detail, definition } }` in name order; a result shared by
/// several metrics (the KPIs of one summary, the CAC table of paid and blended CAC) is converted
/// once and the same JS object is each metric's `detail`.
fn evaluated_js(out: &[entries::Evaluated]) -> JsValue {
    let mut sorted: Vec<&entries::Evaluated> = out.iter().collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    let mut shared: Vec<(usize, JsValue)> = Vec::new();
    let result = js_sys::Object::new();
    for e in sorted {
        let detail = match e.detail.shared() {
            Some(ptr) => match shared.iter().find(|(p, _)| *p == ptr) {
                Some((_, v)) => v.clone(),
                None => {
                    let v = to_js(&e.detail);
                    shared.push((ptr, v.clone()));
                    v
                }
            },
            None => to_js(&e.detail),
        };
        let o = js_sys::Object::new();
        let set = |k: &str, v: &JsValue| {
            let _ = Reflect::set(&o, &JsValue::from_str(k), v);
        };
        set("value", &e.value.map_or(JsValue::NULL, JsValue::from_f64));
        set("unit", &JsValue::from_str(&e.unit));
        set("label", &JsValue::from_str(&e.label));
        set("detail", &detail);
        set("definition", &to_js(&e.definition));
        let _ = Reflect::set(&result, &JsValue::from_str(&e.name), &o);
    }
    result.into()
}

#[wasm_bindgen]
impl MetricSpec {
    /// Parses and validates a spec from JSON text or an object: `E_BAD_SPEC`,
    /// `E_UNKNOWN_METRIC`, `E_UNKNOWN_OPTION`, `E_OUT_OF_RANGE`, `E_BAD_OPTION`, `E_VERSION`
    /// or `E_TOO_LARGE`, each with the spec `path` (and `line`, `col` for text).
    pub fn parse(
        #[wasm_bindgen(unchecked_param_type = "string | Record<string, unknown>")] input: &JsValue,
    ) -> JsResult<MetricSpec> {
        if let Some(text) = input.as_string() {
            return Ok(MetricSpec {
                inner: crate::spec::MetricSpec::parse(&text)?,
            });
        }
        let value = json_value(input, "spec")?;
        Ok(MetricSpec {
            inner: crate::spec::MetricSpec::from_value(value)?,
        })
    }

    /// The spec's name.
    #[wasm_bindgen(getter)]
    pub fn name(&self) -> String {
        self.inner.name.clone()
    }

    /// The spec's own semver version.
    #[wasm_bindgen(getter)]
    pub fn version(&self) -> String {
        self.inner.version.clone()
    }

    /// Who owns the spec.
    #[wasm_bindgen(getter)]
    pub fn owner(&self) -> Option<String> {
        self.inner.owner.clone()
    }

    /// Hash of the semantics only (`xxh3-128:` and 32 hex digits): the canonical form with
    /// defaults filled in; labels, descriptions, owner, changelog, key order, whitespace and
    /// number spelling do not change it.
    #[wasm_bindgen(getter, js_name = definitionHash)]
    pub fn definition_hash(&self) -> String {
        self.inner.definition_hash().to_string()
    }

    /// Hash of the whole document, cosmetic fields included.
    #[wasm_bindgen(getter)]
    pub fn hash(&self) -> String {
        self.inner.hash().to_string()
    }

    /// The transactions mapping of the spec's data section, with the spec's time zone for naive
    /// times (as `Transactions.fromCsv` takes it), or null when the spec maps none.
    #[wasm_bindgen(getter, js_name = transactionsMapping, unchecked_return_type = "ColumnMapping | null")]
    pub fn transactions_mapping(&self) -> JsValue {
        self.inner
            .mapping("transactions")
            .map_or(JsValue::NULL, |m| to_js(&m))
    }

    /// The spend mapping of the spec's data section (as `Spend.fromCsv` takes it), or null.
    #[wasm_bindgen(getter, js_name = spendMapping, unchecked_return_type = "SpendMapping | null")]
    pub fn spend_mapping(&self) -> JsValue {
        self.inner
            .mapping("spend")
            .map_or(JsValue::NULL, |m| to_js(&m))
    }

    /// The names of the spec's metrics.
    #[wasm_bindgen(getter, unchecked_return_type = "string[]")]
    pub fn metrics(&self) -> JsValue {
        to_js(
            &self
                .inner
                .metrics
                .iter()
                .map(|m| &m.name)
                .collect::<Vec<_>>(),
        )
    }

    /// The semantic form the definition hash is taken over (every default filled in).
    #[wasm_bindgen(unchecked_return_type = "Record<string, unknown>")]
    pub fn canonical(&self) -> JsValue {
        to_js(&self.inner.canonical())
    }

    /// The spec document as parsed (`JSON.stringify(spec)` writes it back).
    #[wasm_bindgen(js_name = toJSON, unchecked_return_type = "Record<string, unknown>")]
    pub fn to_json(&self) -> JsValue {
        to_js(self.inner.document())
    }

    /// The spec as an Open Semantic Interchange model (OSI 0.2.0.dev0): datasets from the data
    /// mapping, one metric per spec metric, everything OSI has no field for in
    /// `custom_extensions` of vendor `UNIMETRIC`. `MetricSpec.fromOsi` reads it back to the same
    /// hashes.
    #[wasm_bindgen(js_name = toOsi, unchecked_return_type = "Record<string, unknown>")]
    pub fn to_osi(&self) -> JsValue {
        to_js(&self.inner.to_osi())
    }

    /// Reads a spec back from an OSI model written by `toOsi` (an object or JSON text).
    #[wasm_bindgen(js_name = fromOsi)]
    pub fn from_osi(
        #[wasm_bindgen(unchecked_param_type = "string | Record<string, unknown>")] model: &JsValue,
    ) -> JsResult<MetricSpec> {
        let value = json_value(model, "OSI model")?;
        Ok(MetricSpec {
            inner: crate::spec::MetricSpec::from_osi(&value)?,
        })
    }

    /// The team's living glossary as Markdown: each metric's label, description, formula and
    /// parameters in effect, then owner, version and changelog.
    #[wasm_bindgen(js_name = toMarkdown)]
    pub fn to_markdown(&self) -> String {
        self.inner.to_markdown()
    }

    /// Evaluates the metrics on `inputs` (`{ transactions, spend, assignments, touchpoints }`:
    /// CSV text or bytes or rows read with the spec's `data` mapping, or instances; assignments
    /// also as the columns or rows `experimentOnTransactions` takes, touchpoints as the rows or
    /// columns `Journeys.fromTransactions` takes): `{ [name]: { value, unit, label, detail,
    /// definition } }`.
    #[wasm_bindgen(unchecked_return_type = "Record<string, SpecValue>")]
    pub fn evaluate(
        &self,
        #[wasm_bindgen(unchecked_param_type = "SpecInputs")] inputs: &JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "SpecEvaluateOptions")] options: &JsValue,
    ) -> JsResult<JsValue> {
        let opts: EvaluateOptions = read(options, "MetricSpec.evaluate")?;
        let tables = self.tables(inputs)?;
        let out = self
            .inner
            .evaluate(&tables.inputs(), opts.only.as_deref())?;
        Ok(evaluated_js(&out))
    }
}

/// What changed from spec `a` to spec `b`, in plain words, with the semver bump it needs;
/// with `{ data }`, each changed metric's headline before and after.
#[wasm_bindgen(js_name = diffSpecs, unchecked_return_type = "SpecDiff")]
pub fn diff_specs(
    a: &MetricSpec,
    b: &MetricSpec,
    #[wasm_bindgen(unchecked_optional_param_type = "SpecDiffOptions")] options: &JsValue,
) -> JsResult<JsValue> {
    if options.is_undefined() || options.is_null() {
        return Ok(to_js(&diff::diff_specs(&a.inner, &b.inner)));
    }
    if !options.is_object() || Array::is_array(options) {
        return Err(Error::BadOption {
            option: "options".into(),
            message: format!("diffSpecs expects {{ data }}, found {}", type_name(options)),
        }
        .into());
    }
    check_keys(options, "diffSpecs", &["data"])?;
    let data = get(options, "data");
    if data.is_undefined() || data.is_null() {
        return Ok(to_js(&diff::diff_specs(&a.inner, &b.inner)));
    }
    let tables = b.tables(&data)?;
    Ok(to_js(&diff::diff_specs_on(
        &a.inner,
        &b.inner,
        &tables.inputs(),
    )?))
}

/// Every metric a spec can name: the direct call it equals, its inputs, headline and parameters.
#[wasm_bindgen(js_name = specCatalog, unchecked_return_type = "SpecCatalogEntry[]")]
pub fn spec_catalog() -> JsValue {
    to_js(entries::all())
}
