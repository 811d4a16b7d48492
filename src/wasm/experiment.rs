//! Experiments for JS: `experiment`, `experimentReport`, `srmCheck`, `planExperiment`.

use super::convert::{
    bad_type, check_keys, ensure_fits, f64_column, get, JsResult, F64_ENTRY_BYTES,
};
use super::interop::{deserialize, read, to_js};
use crate::experiment::{
    ExperimentArm, ExperimentInput, ExperimentOptions, ExperimentPrior, ExperimentReportOptions,
    PlanOptions, ReportInput,
};
use crate::glossary::field_names;
use js_sys::Array;
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
