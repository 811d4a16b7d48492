//! `fromArrow` constructors (cargo feature `arrow`, the `unimetric/arrow` entry point): Arrow
//! IPC bytes in, the same tables as the typed-columns constructors out.

use super::cac::{spend_mapping, Spend};
use super::convert::{column_names, js, type_name, JsResult};
use super::summary::CustomerSummary;
use super::transactions::{mapping as transaction_mapping, summary_options, Transactions};
use crate::data::arrow::SummaryMapping;
use crate::error::Error;
use wasm_bindgen::prelude::*;

const SUMMARY_MAPPING_KEYS: &[&str] = &["customerId", "frequency", "recency", "T", "monetaryValue"];

#[wasm_bindgen(typescript_custom_section)]
const TS_ARROW_TYPES: &'static str = r#"
/** Arrow IPC bytes (stream or file format), e.g. `tableToIPC(table)` of `apache-arrow` for a DuckDB-WASM result. */
export type ArrowIpcInput = Uint8Array | ArrayBuffer;

/** Which Arrow column holds each field of `CustomerSummary.fromArrow`; each defaults to the field's own name. */
export interface SummaryMapping {
  customerId?: string;
  frequency?: string;
  recency?: string;
  T?: string;
  monetaryValue?: string;
}
"#;

/// Copies Arrow IPC input (`Uint8Array` or `ArrayBuffer`) into wasm memory: the one copy.
fn ipc_bytes(value: &JsValue) -> crate::Result<Vec<u8>> {
    if let Some(b) = value.dyn_ref::<js_sys::Uint8Array>() {
        Ok(b.to_vec())
    } else if let Some(b) = value.dyn_ref::<js_sys::ArrayBuffer>() {
        Ok(js_sys::Uint8Array::new(b).to_vec())
    } else {
        Err(Error::BadType {
            column: "ipc".into(),
            row: 0,
            expected: "Arrow IPC bytes as a Uint8Array or ArrayBuffer (e.g. tableToIPC(table))"
                .into(),
            found: type_name(value).into(),
        })
    }
}

fn summary_mapping(value: &JsValue) -> crate::Result<SummaryMapping> {
    let mut m = SummaryMapping::default();
    if value.is_undefined() || value.is_null() {
        return Ok(m);
    }
    let names = column_names(
        value,
        "{ customerId: \"customer_id\", monetaryValue: \"avg_spend\" }",
        &[],
        SUMMARY_MAPPING_KEYS,
    )?;
    let slots = [
        &mut m.customer_id,
        &mut m.frequency,
        &mut m.recency,
        &mut m.t,
        &mut m.monetary_value,
    ];
    for (slot, name) in slots.into_iter().zip(names) {
        if let Some(n) = name {
            *slot = n;
        }
    }
    Ok(m)
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
        let m = js(transaction_mapping(mapping))?;
        let bytes = js(ipc_bytes(ipc))?;
        js(crate::Transactions::from_arrow(bytes, &m)).map(Transactions::wrap)
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
        let m = js(spend_mapping(mapping))?;
        let bytes = js(ipc_bytes(ipc))?;
        js(crate::data::spend::Spend::from_arrow(&bytes, &m)).map(Spend::wrap)
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
        #[wasm_bindgen(unchecked_param_type = "SummaryOptions")] options: &JsValue,
    ) -> JsResult<CustomerSummary> {
        let m = js(summary_mapping(mapping))?;
        let opts = js(summary_options(options, "CustomerSummary.fromArrow"))?;
        let bytes = js(ipc_bytes(ipc))?;
        js(crate::CustomerSummary::from_arrow(
            &bytes,
            &m,
            opts.period,
            opts.observation_end,
        ))
        .map(CustomerSummary::wrap)
    }
}
