//! The JavaScript binding: the only `#[wasm_bindgen]` code in the crate.
//!
//! It converts JS values to core inputs, calls the core, and converts results back. No metric
//! logic lives here. Errors become JS `Error`s with `code`, `column` and `row` properties.

pub mod anomaly;
#[cfg(feature = "arrow")]
pub mod arrow;
pub mod attribution;
pub mod cac;
pub mod churn;
pub mod cohort;
pub mod convert;
mod error;
pub mod experiment;
pub mod glossary;
pub mod interop;
pub mod kpi_series;
pub mod ltv;
pub mod progress;
pub mod retention;
pub mod segment;
pub mod spec;
pub mod summary;
mod tables;
pub mod transactions;
mod types;

use wasm_bindgen::prelude::*;

/// The library version (the crate version).
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// Every error code the library can throw.
#[wasm_bindgen(js_name = errorCodes, unchecked_return_type = "ErrorCode[]")]
pub fn error_codes() -> js_sys::Array {
    crate::Error::CODES
        .iter()
        .map(|c| JsValue::from_str(c))
        .collect()
}
