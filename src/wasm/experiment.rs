//! Experiments for JS: `experiment`, `experimentFromUnits`, `experimentOnTransactions`,
//! `experimentReport`, `srmCheck`, `planExperiment`.

use super::convert::{
    bad_option, bad_type, check_keys, each, ensure_fits, f64_column, for_each_row, get,
    given_column, id_column, missing, object_keys, required_column, time_column, type_name, Ids,
    JsResult, OwnedCell, F64_ENTRY_BYTES, TEXT_ENTRY_BYTES,
};
use super::interop::{csv_and_mapping, deserialize, read, read_with, to_js};
use super::transactions::Transactions;
use crate::error::{join_names, Error};
use crate::experiment::{
    ArmValues, AssignmentMapping, AssignmentTable, ExperimentArm, ExperimentInput,
    ExperimentOnTransactionsOptions, ExperimentOptions, ExperimentPrior, ExperimentReportOptions,
    ExperimentUnitsOptions, PlanOptions, ReportInput, UnitColumns, UnitIds,
};
use crate::glossary::field_names;
use js_sys::{Array, Uint32Array, Uint8Array};
use wasm_bindgen::prelude::*;

/// Compares every arm with the baseline from summary statistics.
#[wasm_bindgen(unchecked_return_type = "ExperimentResult")]
pub fn experiment(
    #[wasm_bindgen(unchecked_param_type = "ExperimentInput")] input: &JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "ExperimentOptions")] options: &JsValue,
) -> JsResult<JsValue> {
    let input_value = input;
    let input: ExperimentInput = read(input_value, "experiment input")?;
    let opts: ExperimentOptions = read(options, "experiment")?;
    // `read` refuses unknown keys of the top-level object; the nested objects' keys are checked
    // here (serde-wasm-bindgen reads a struct's known fields only).
    for (i, arm) in Array::from(&get(input_value, "arms")).iter().enumerate() {
        check_keys(
            &arm,
            &format!("experiment (arms[{i}])"),
            field_names::<ExperimentArm>(),
        )?;
    }
    if opts.prior.is_some() {
        check_keys(
            &get(options, "prior"),
            "experiment (prior)",
            field_names::<ExperimentPrior>(),
        )?;
    }
    Ok(to_js(&crate::experiment::experiment(&input, &opts)?))
}

/// The columns `experimentFromUnits` takes.
const UNIT_KEYS: &[&str] = &["arm", "armNames", "value", "denominator", "pre"];

#[wasm_bindgen(typescript_custom_section)]
const TS_EXPERIMENT_UNITS: &'static str = r#"
/** The per-unit columns of `experimentFromUnits`: one row per unit, every column of one length. */
export interface ExperimentUnits {
  /** Each unit's arm: codes into `armNames` (`Uint8Array` or `Uint32Array`), or arm names. */
  arm: Uint8Array | Uint32Array | ReadonlyArray<string>;
  /** Arm names, code i being `armNames[i]`: required with codes; with names, fixes the arms' order (default: order of first appearance). */
  armNames?: ReadonlyArray<string>;
  /** The metric per unit (0 or 1 for a proportion; the numerator of a ratio). */
  value: Float64Array | ReadonlyArray<number>;
  /** The denominator per unit: makes the metric a ratio. */
  denominator?: Float64Array | ReadonlyArray<number>;
  /** The pre-period value per unit (CUPED covariate; proportion and mean metrics). */
  pre?: Float64Array | ReadonlyArray<number>;
}
"#;

/// Compares every arm with the baseline from one row per unit (typed columns): the per-arm
/// sums in one pass, then `experiment` on them.
#[wasm_bindgen(js_name = experimentFromUnits, unchecked_return_type = "ExperimentResult")]
pub fn experiment_from_units(
    #[wasm_bindgen(unchecked_param_type = "ExperimentUnits")] units: &JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "ExperimentUnitsOptions")] options: &JsValue,
) -> JsResult<JsValue> {
    Ok(to_js(&from_units(units, options)?))
}

/// Reads an `arm` column: `Uint8Array` / `Uint32Array` codes or an array of arm names.
fn read_arms(av: &JsValue) -> crate::Result<ArmValues> {
    if let Some(a) = av.dyn_ref::<Uint8Array>() {
        ensure_fits("arm", a.length() as usize, 2)?;
        Ok(ArmValues::Codes8(a.to_vec()))
    } else if let Some(a) = av.dyn_ref::<Uint32Array>() {
        ensure_fits("arm", a.length() as usize, 8)?;
        Ok(ArmValues::Codes32(a.to_vec()))
    } else if Array::is_array(av) {
        let arr: &Array = av.unchecked_ref();
        ensure_fits("arm", arr.length() as usize, TEXT_ENTRY_BYTES)?;
        Ok(ArmValues::Text(each(arr, |row, x| match x.as_string() {
            Some(s) => Ok(s),
            None if x.is_undefined() || x.is_null() => Err(missing("arm", row)),
            None => Err(bad_type("arm", row, "an arm name (a string)", &x)),
        })?))
    } else {
        let expected = "a Uint8Array or Uint32Array of arm codes, or an array of arm names";
        Err(bad_type("arm", 0, expected, av))
    }
}

/// Reads `armNames` when given.
fn arm_names(value: Option<JsValue>) -> crate::Result<Option<Vec<String>>> {
    value
        .map(|v| {
            let arr: &Array = v
                .dyn_ref()
                .ok_or_else(|| bad_type("armNames", 0, "an array of arm names (strings)", &v))?;
            ensure_fits("armNames", arr.length() as usize, TEXT_ENTRY_BYTES)?;
            each(arr, |row, x| {
                x.as_string()
                    .ok_or_else(|| bad_type("armNames", row, "an arm name (a string)", &x))
            })
        })
        .transpose()
}

/// The columns `experimentOnTransactions` takes.
const ASSIGNMENT_KEYS: &[&str] = &["unitId", "arm", "armNames", "assignedAt"];

#[wasm_bindgen(typescript_custom_section)]
const TS_EXPERIMENT_ASSIGNMENTS: &'static str = r#"
/** The assignments of `experimentOnTransactions`: one row per unit, every column of one length. */
export interface ExperimentAssignments {
  /** Each unit's id, as the transactions' customer ids (numbers or strings; each unit once). */
  unitId: Uint32Array | ReadonlyArray<string | number>;
  /** Each unit's arm: codes into `armNames` (`Uint8Array` or `Uint32Array`), or arm names. */
  arm: Uint8Array | Uint32Array | ReadonlyArray<string>;
  /** Arm names, code i being `armNames[i]`: required with codes; with names, fixes the arms' order (default: order of first appearance). */
  armNames?: ReadonlyArray<string>;
  /** When each unit was assigned: epoch ms, `Date`s or ISO 8601 text (naive text in the transactions' timezone). */
  assignedAt: Float64Array | ReadonlyArray<number | string | Date>;
}
/** Which CSV columns hold an assignment's fields (`experimentOnTransactions` with CSV assignments, the spec's `data.assignments`). */
export interface AssignmentMapping {
  unitId: string;
  arm: string;
  assignedAt: string;
  /** IANA zone of naive times (default: the transactions' zone). */
  timezone?: string;
}
export interface ExperimentOnTransactionsOptions {
  /** The columns of assignments given as CSV text or bytes. */
  mapping?: AssignmentMapping;
}
/** One unit's assignment, as a row of `experimentOnTransactions`. */
export interface ExperimentAssignmentRow {
  /** The unit's id, as the transactions' customer ids. */
  unitId: string | number;
  /** The unit's arm. */
  arm: string;
  /** When the unit was assigned: epoch ms, a `Date` or ISO 8601 text. */
  assignedAt: number | string | Date;
}
"#;

/// Compares every arm with the baseline on a metric of the transactions in a window after each
/// unit's assignment (`experiment.conversion`, `.orders_per_unit`, `.revenue_per_unit`,
/// `.aov`); units whose window ends after the last transaction are left out and counted. The
/// assignments are columns, rows, or CSV text or bytes whose columns `options.mapping` names
/// (`{ unitId, arm, assignedAt, timezone? }`; naive times in the transactions' zone unless it
/// names one).
#[wasm_bindgen(
    js_name = experimentOnTransactions,
    unchecked_return_type = "ExperimentOnTransactionsResult"
)]
pub fn experiment_on_transactions(
    #[wasm_bindgen(
        unchecked_param_type = "ExperimentAssignments | ReadonlyArray<ExperimentAssignmentRow> | string | Uint8Array"
    )]
    assignments: &JsValue,
    transactions: &Transactions,
    #[wasm_bindgen(unchecked_param_type = "ExperimentOnTransactionsOptions")] options: &JsValue,
) -> JsResult<JsValue> {
    Ok(to_js(&on_transactions(assignments, transactions, options)?))
}

fn on_transactions(
    assignments: &JsValue,
    transactions: &Transactions,
    options: &JsValue,
) -> crate::Result<crate::experiment::ExperimentOnTransactionsResult> {
    let opts: ExperimentOnTransactionsOptions =
        read_with(options, "experimentOnTransactions", &["mapping"])?;
    if opts.prior.is_some() {
        check_keys(
            &get(options, "prior"),
            "experimentOnTransactions (prior)",
            field_names::<ExperimentPrior>(),
        )?;
    }
    let zone = transactions.core().timezone();
    let csv = csv_and_mapping(
        assignments,
        options,
        "experimentOnTransactions",
        (
            "unitId, arm, assignedAt, timezone?",
            "rows and columns of assignments use unitId, arm and assignedAt",
        ),
        zone,
        |m: &mut AssignmentMapping| &mut m.timezone,
    )?;
    let table = match csv {
        Some((bytes, m)) => AssignmentTable::from_csv(&bytes, &m)?,
        None => read_assignments(assignments, zone)?,
    };
    crate::experiment::experiment_on_transactions(&table.view(), transactions.core(), &opts)
}

/// Assignments given as columns `{ unitId, arm, armNames?, assignedAt }` or rows `{ unitId,
/// arm, assignedAt }`, naive times read in `zone`.
pub(super) fn read_assignments(
    assignments: &JsValue,
    zone: &crate::data::Zone,
) -> crate::Result<AssignmentTable> {
    let read_time = |cell: &crate::data::Cell<'_>, row: usize| {
        crate::data::time_value_in(
            *cell,
            "assignedAt",
            row,
            zone,
            crate::data::dates::DateFormat::Iso,
        )
        .map(|t| t as f64)
    };
    let (ids, arms, names, assigned_at) = if Array::is_array(assignments) {
        assignment_rows(assignments, read_time)?
    } else {
        if !assignments.is_object() || assignments.is_function() {
            let found = type_name(assignments);
            return Err(bad_option(
                "assignments",
                format!("expected an object of columns {{ unitId, arm, armNames?, assignedAt }} or an array of rows {{ unitId, arm, assignedAt }}, found {found}"),
            ));
        }
        check_keys(
            assignments,
            "experimentOnTransactions (assignments)",
            ASSIGNMENT_KEYS,
        )?;
        let given = |key: &str| given_column(assignments, key);
        let required = |key: &str| required_column(assignments, key);
        let ids = id_column(&required("unitId")?, "unitId")?;
        let arms = read_arms(&required("arm")?)?;
        let names = arm_names(given("armNames"))?;
        let assigned_at = time_column(&required("assignedAt")?, "assignedAt", |cell, row| {
            read_time(&cell, row)
        })?;
        (ids, arms, names, assigned_at)
    };
    Ok(AssignmentTable {
        unit_id: match ids {
            Ids::Numeric(v) => UnitIds::Numeric(v),
            Ids::Text(v) => UnitIds::Text(v),
        },
        arm: arms,
        arm_names: names,
        assigned_at,
    })
}

/// Unit ids, arms, arm names and assignment times (epoch ms).
type AssignmentColumns = (Ids, ArmValues, Option<Vec<String>>, Vec<f64>);

/// The columns of assignments given as rows `{ unitId, arm, assignedAt }` (unit ids as text,
/// whole numbers written in decimal; arm names as text).
fn assignment_rows(
    rows: &JsValue,
    read_time: impl Fn(&crate::data::Cell<'_>, usize) -> crate::Result<f64>,
) -> crate::Result<AssignmentColumns> {
    let (mut ids, mut arms, mut at) = (Vec::new(), Vec::new(), Vec::new());
    let fields = [
        ("unitId", "unitId"),
        ("arm", "arm"),
        ("assignedAt", "assignedAt"),
    ];
    let wrong = |column: &str, row: usize, expected: &str, found: &str| Error::BadType {
        column: column.into(),
        row,
        expected: expected.into(),
        found: found.into(),
    };
    for_each_row(rows, &fields, |row, cells| {
        ids.push(match &cells[0] {
            OwnedCell::Text(s) => s.clone(),
            OwnedCell::Number(x) if x.fract() == 0.0 && x.abs() < 9e15 => {
                format!("{}", *x as i64)
            }
            OwnedCell::Missing => return Err(missing("unitId", row)),
            OwnedCell::Number(_) => {
                return Err(wrong("unitId", row, "a string or integer id", "number"))
            }
            OwnedCell::Other(t) => return Err(wrong("unitId", row, "a string or integer id", t)),
        });
        arms.push(match &cells[1] {
            OwnedCell::Text(s) => s.clone(),
            OwnedCell::Missing => return Err(missing("arm", row)),
            OwnedCell::Number(_) => {
                return Err(wrong("arm", row, "an arm name (a string)", "number"))
            }
            OwnedCell::Other(t) => return Err(wrong("arm", row, "an arm name (a string)", t)),
        });
        at.push(read_time(&cells[2].cell(), row)?);
        Ok(())
    })?;
    Ok((Ids::Text(ids), ArmValues::Text(arms), None, at))
}

fn from_units(
    units: &JsValue,
    options: &JsValue,
) -> crate::Result<crate::experiment::ExperimentResult> {
    if !units.is_object() || Array::is_array(units) || units.is_function() {
        let found = type_name(units);
        return Err(bad_option(
            "units",
            format!("expected an object of columns {{ arm, armNames?, value, denominator?, pre? }}, found {found}"),
        ));
    }
    check_keys(units, "experimentFromUnits (units)", UNIT_KEYS)?;
    let opts: ExperimentUnitsOptions = read(options, "experimentFromUnits")?;
    if opts.prior.is_some() {
        check_keys(
            &get(options, "prior"),
            "experimentFromUnits (prior)",
            field_names::<ExperimentPrior>(),
        )?;
    }
    let given = |key: &str| Some(get(units, key)).filter(|v| !v.is_undefined() && !v.is_null());
    let required = |key: &str| {
        given(key).ok_or_else(|| Error::MissingColumn {
            column: key.into(),
            field: key.into(),
            available: join_names(object_keys(units).iter().map(|k| format!("'{k}'"))),
        })
    };
    let arms = read_arms(&required("arm")?)?;
    let arm_names = arm_names(given("armNames"))?;
    let value = f64_column(&required("value")?, "value")?;
    let denominator = given("denominator")
        .map(|v| f64_column(&v, "denominator"))
        .transpose()?;
    let pre = given("pre").map(|v| f64_column(&v, "pre")).transpose()?;
    crate::experiment::experiment_from_units(
        &UnitColumns {
            arm: arms.column(),
            arm_names: arm_names.as_deref(),
            value: &value,
            denominator: denominator.as_deref(),
            pre: pre.as_deref(),
        },
        &opts,
    )
}

/// Corrects the p-values of several experiment results (several metrics) together.
#[wasm_bindgen(js_name = experimentReport, unchecked_return_type = "ExperimentReport")]
pub fn experiment_report(
    #[wasm_bindgen(unchecked_param_type = "ReadonlyArray<ExperimentResult>")] results: &JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "ExperimentReportOptions")] options: &JsValue,
) -> JsResult<JsValue> {
    if !Array::is_array(results) {
        return Err(bad_type("results", 0, "an array of experiment results", results).into());
    }
    ensure_fits(
        "results",
        Array::from(results).length() as usize,
        F64_ENTRY_BYTES,
    )?;
    let results: Vec<ReportInput> = deserialize(results)?;
    let opts: ExperimentReportOptions = read(options, "experimentReport")?;
    Ok(to_js(&crate::experiment::experiment_report(
        &results, &opts,
    )?))
}

/// Sample-ratio mismatch check: units per arm against intended weights (equal by default).
#[wasm_bindgen(js_name = srmCheck, unchecked_return_type = "SrmResult")]
pub fn srm_check(
    #[wasm_bindgen(unchecked_param_type = "Float64Array | ReadonlyArray<number>")] counts: &JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "Float64Array | ReadonlyArray<number> | null")]
    weights: &JsValue,
) -> JsResult<JsValue> {
    let counts = f64_column(counts, "counts")?;
    let weights = if weights.is_undefined() || weights.is_null() {
        None
    } else {
        Some(f64_column(weights, "weights")?)
    };
    Ok(to_js(&crate::experiment::srm_check(
        &counts,
        weights.as_deref(),
    )?))
}

/// Units per arm and days to detect a minimum effect.
#[wasm_bindgen(js_name = planExperiment, unchecked_return_type = "PlanResult")]
pub fn plan_experiment(
    #[wasm_bindgen(unchecked_param_type = "PlanOptions")] options: &JsValue,
) -> JsResult<JsValue> {
    let opts: PlanOptions = read(options, "planExperiment")?;
    Ok(to_js(&crate::experiment::plan_experiment(&opts)?))
}
