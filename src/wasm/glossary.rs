//! The glossary for JS.

use super::convert::bad_type;
use super::interop::to_js;
use wasm_bindgen::prelude::*;

/// Every metric definition: id, version, name, description, formula, unit, parameters, inputs.
#[wasm_bindgen(unchecked_return_type = "Definition[]")]
pub fn glossary() -> JsValue {
    to_js(&crate::catalog::all())
}

/// The definition with the given id, or undefined; an id that is not a string is `E_BAD_TYPE`.
#[wasm_bindgen(js_name = getDefinition, unchecked_return_type = "Definition | undefined")]
pub fn get_definition(
    #[wasm_bindgen(unchecked_param_type = "string")] id: &JsValue,
) -> Result<JsValue, JsValue> {
    let id = id
        .as_string()
        .ok_or_else(|| bad_type("id", 0, "a definition id (a string)", id))?;
    Ok(crate::catalog::get(&id).map_or(JsValue::UNDEFINED, to_js))
}
