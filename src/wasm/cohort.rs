//! The cohort matrix for JS: `cohorts(transactions, options)`. Options and result are the core's
//! types (`crate::cohort`); `values` crosses as a `Float64Array`, `complete` as a `Uint8Array`.

use super::convert::JsResult;
use super::interop::{read, to_js};
use super::transactions::Transactions;
use crate::cohort::CohortOptions;
use wasm_bindgen::prelude::*;

/// The cohort matrix: cohorts by acquisition period × age in periods since acquisition, one
/// measure per call (see the `cohort.matrix` definition). `values` is row-major rows × ages,
/// NaN where `complete` is 0 (the age period is not yet fully observed).
#[wasm_bindgen(js_name = cohorts, unchecked_return_type = "CohortMatrix")]
pub fn cohorts(
    tx: &Transactions,
    #[wasm_bindgen(unchecked_optional_param_type = "CohortOptions")] options: &JsValue,
) -> JsResult<JsValue> {
    let opts: CohortOptions = read(options, "cohorts")?;
    Ok(to_js(&crate::cohort::cohorts(tx.core(), &opts)?))
}
