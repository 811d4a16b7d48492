//! The glossary for JS.

use super::interop::to_js;
use wasm_bindgen::prelude::*;

/// Every metric definition: id, version, name, description, formula, unit, parameters, inputs.
#[wasm_bindgen(unchecked_return_type = "Definition[]")]
pub fn glossary() -> JsValue {
    to_js(&crate::catalog::all())
}

/// The definition with the given id, or undefined.
#[wasm_bindgen(js_name = getDefinition, unchecked_return_type = "Definition | undefined")]
pub fn get_definition(id: &str) -> JsValue {
    crate::catalog::get(id).map_or(JsValue::UNDEFINED, to_js)
}
