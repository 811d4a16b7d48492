//! `fromArrow` constructors (cargo feature `arrow`, the `unimetric/arrow` entry point): Arrow
//! IPC bytes in, the same tables as the typed-columns constructors out.

use super::attribution::Journeys;
use super::cac::Spend;
use super::convert::{bad_type, ensure_fits, name_list, JsResult};
use super::interop::{read, to_js};
use super::segment::FeatureMatrix;
use super::summary::CustomerSummary;
use super::transactions::Transactions;
use crate::data::arrow::AttributeMapping;
use crate::data::spend::SpendMapping;
use crate::data::ColumnMapping;
use crate::summary::{SummaryMapping, SummaryOptions};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_ARROW_TYPES: &'static str = r#"
/** Arrow IPC bytes (stream or file format), e.g. `tableToIPC(table)` of `apache-arrow` for a DuckDB-WASM result. */
export type ArrowIpcInput = Uint8Array | ArrayBuffer;

"#;

/// Copies Arrow IPC input (`Uint8Array` or `ArrayBuffer`) into wasm memory: the one copy.
fn ipc_bytes(value: &JsValue) -> crate::Result<Vec<u8>> {
    let bytes = if let Some(b) = value.dyn_ref::<js_sys::Uint8Array>() {
        b.clone()
    } else if let Some(b) = value.dyn_ref::<js_sys::ArrayBuffer>() {
        js_sys::Uint8Array::new(b)
    } else {
        let expected = "Arrow IPC bytes as a Uint8Array or ArrayBuffer (e.g. tableToIPC(table))";
        return Err(bad_type("ipc", 0, expected, value));
    };
    // The bytes in wasm memory, read in place, and the columns decoded from them.
    ensure_fits("ipc", bytes.length() as usize, 2)?;
    Ok(bytes.to_vec())
}

#[wasm_bindgen]
impl Transactions {
    /// Builds transactions from Arrow IPC bytes (stream or file format); `mapping` names the
    /// columns. Dictionary-encoded text, timestamps of every unit, dates and decimals are read;
    /// nulls in required columns throw `E_MISSING_VALUE` with the column and row.
    #[wasm_bindgen(js_name = fromArrow)]
    pub fn from_arrow(
        #[wasm_bindgen(unchecked_param_type = "ArrowIpcInput")] ipc: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "ColumnMapping")] mapping: &JsValue,
    ) -> JsResult<Transactions> {
        let m: ColumnMapping = read(mapping, "mapping")?;
        let bytes = ipc_bytes(ipc)?;
        Ok(Transactions::wrap(crate::Transactions::from_arrow(
            bytes, &m,
        )?))
    }
}

#[wasm_bindgen]
impl Spend {
    /// Builds spend from Arrow IPC bytes (stream or file format); `mapping` names the columns.
    #[wasm_bindgen(js_name = fromArrow)]
    pub fn from_arrow(
        #[wasm_bindgen(unchecked_param_type = "ArrowIpcInput")] ipc: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "SpendMapping")] mapping: &JsValue,
    ) -> JsResult<Spend> {
        let m: SpendMapping = read(mapping, "mapping")?;
        let bytes = ipc_bytes(ipc)?;
        Ok(Spend::wrap(crate::data::spend::Spend::from_arrow(
            &bytes, &m,
        )?))
    }
}

#[wasm_bindgen]
impl CustomerSummary {
    /// A summary computed elsewhere, from Arrow IPC bytes; columns default to the field names
    /// (`customerId`, `frequency`, `recency`, `T`, `monetaryValue`).
    #[wasm_bindgen(js_name = fromArrow)]
    pub fn from_arrow(
        #[wasm_bindgen(unchecked_param_type = "ArrowIpcInput")] ipc: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "SummaryMapping | undefined")] mapping: &JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "SummaryOptions")] options: &JsValue,
    ) -> JsResult<CustomerSummary> {
        let m: SummaryMapping = read(mapping, "mapping")?;
        let opts: SummaryOptions = read(options, "CustomerSummary.fromArrow")?;
        let bytes = ipc_bytes(ipc)?;
        Ok(CustomerSummary::wrap(crate::CustomerSummary::from_arrow(
            &bytes,
            &m,
            opts.period,
            opts.fixed_observation_end(),
        )?))
    }
}

#[wasm_bindgen]
impl FeatureMatrix {
    /// A feature matrix from the numeric columns `columns` of Arrow IPC bytes, in that order:
    /// one row per Arrow row, as `new FeatureMatrix(values, columns.length)` with the values
    /// row-major. Integer, float and decimal columns are read; a null throws `E_MISSING_VALUE`,
    /// a column of another type `E_BAD_TYPE`, NaN or ±Infinity `E_NON_FINITE`, a magnitude
    /// above 1e150 `E_OUT_OF_RANGE` (each with the column and 1-based row), a missing column
    /// `E_MISSING_COLUMN`, a table without rows `E_EMPTY`.
    ///
    /// ```js
    /// const m = FeatureMatrix.fromArrow(tableToIPC(table), ["spend", "orders"]);
    /// const { labels } = m.kmeans({ k: 3, seed: 1 });
    /// ```
    #[wasm_bindgen(js_name = fromArrow)]
    pub fn from_arrow(
        #[wasm_bindgen(unchecked_param_type = "ArrowIpcInput")] ipc: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "ReadonlyArray<string>")] columns: &JsValue,
    ) -> JsResult<FeatureMatrix> {
        let names = name_list(columns, "columns")?;
        let data = crate::data::arrow::read_features(ipc_bytes(ipc)?, &names)?;
        Ok(FeatureMatrix::from_checked(data, names.len()))
    }
}

/// Customer attributes for the churn model from Arrow IPC bytes (one row per customer), as the
/// `attributes` option of `churnFeatures`, `evaluateChurn` and `fitAliveChurn` takes them:
/// `{ customerId: string[], numeric: { name: Float64Array }, categorical: { name: string[] } }`,
/// each column under its Arrow name. Integer ids become their decimal text. A null throws
/// `E_MISSING_VALUE` with the column and row; a numeric column of another type, or a
/// categorical column that is not text, `E_BAD_TYPE`; repeated or blank customer ids and
/// attribute names that repeat a feature name are refused as in the object form.
///
/// ```js
/// const attributes = customerAttributesFromArrow(tableToIPC(crm), { customerId: "id", numeric: ["age"], categorical: ["plan"] });
/// const f = churnFeatures(tx, { cutoff: "2024-06-30", attributes });
/// ```
#[wasm_bindgen(js_name = customerAttributesFromArrow, unchecked_return_type = "CustomerAttributesInput")]
pub fn customer_attributes_from_arrow(
    #[wasm_bindgen(unchecked_param_type = "ArrowIpcInput")] ipc: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "AttributeColumns")] columns: &JsValue,
) -> JsResult<JsValue> {
    let m: AttributeMapping = read(columns, "columns")?;
    let attributes = crate::data::arrow::read_attributes(ipc_bytes(ipc)?, &m)?;
    Ok(to_js(&attributes))
}

#[wasm_bindgen]
impl Journeys {
    /// Journeys from two Arrow IPC tables (touchpoints and conversions, stream or file format)
    /// under `mapping`: the same rules as `Journeys.fromCsv`.
    #[wasm_bindgen(js_name = fromArrow)]
    pub fn from_arrow(
        #[wasm_bindgen(unchecked_param_type = "ArrowIpcInput")] touchpoints: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "ArrowIpcInput")] conversions: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "JourneyMapping")] mapping: &JsValue,
    ) -> JsResult<Journeys> {
        let m: crate::attribution::JourneyMapping = read(mapping, "Journeys.fromArrow (mapping)")?;
        let inner = crate::attribution::Journeys::from_arrow(
            &ipc_bytes(touchpoints)?,
            &ipc_bytes(conversions)?,
            &m,
        )?;
        Ok(Journeys::wrap(inner))
    }
}
