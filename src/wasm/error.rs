//! The JS error: every core [`Error`](crate::error::Error) becomes an instance of the package's
//! `UnimetricError` class, defined once in `js/error.js`. wasm-bindgen copies that file under
//! `pkg/snippets/`; `pkg-config/typed-glue-errors.mjs` points the glue at the package's single
//! `error.js` instead, so both entry points throw instances of one class, which they export.

use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/js/error.js")]
extern "C" {
    #[wasm_bindgen(extends = js_sys::Error)]
    type UnimetricError;

    /// `new UnimetricError(message, { code, column, row })`.
    #[wasm_bindgen(constructor)]
    fn new(message: &str, options: &Object) -> UnimetricError;
}

#[wasm_bindgen(typescript_custom_section)]
const TS_ERROR: &'static str = r#"
/**
 * The class of every error the library throws and the worker clients reject with, exported by
 * every entry: `e instanceof UnimetricError`, with a stable `code`, and the column and 1-based row
 * when the error is about one field. Under CommonJS (`require`) it is the class of the CommonJS
 * files, distinct from the one `import` gives.
 */
export class UnimetricError extends Error {
  name: "UnimetricError";
  /** One of `errorCodes()`. */
  readonly code: ErrorCode;
  /** The column (or option) the error is about, when there is one. */
  readonly column?: string;
  /** The 1-based row, when the error is about one row. */
  readonly row?: number;
  /** The path in a metric spec, e.g. `metrics.ltv12.params.margin`, when the error is about a spec. */
  readonly path?: string;
  /** The 1-based line in a spec's JSON text, when known. */
  readonly line?: number;
  /** The 1-based column in a spec's JSON text, when known. */
  readonly col?: number;
  /** `code` is required; the other fields are set only when given; `cause` is passed to `Error`. */
  constructor(message: string, options: { code: ErrorCode; column?: string; row?: number; path?: string; line?: number; col?: number; cause?: unknown });
}
"#;

/// The `UnimetricError` instance for a core error: its message, `code`, and `column` and `row`
/// when the error names them.
pub fn js_error(e: &crate::error::Error) -> JsValue {
    let options = Object::new();
    let _ = Reflect::set(&options, &"code".into(), &e.code().into());
    if let Some(column) = e.column() {
        let _ = Reflect::set(&options, &"column".into(), &column.into());
    }
    if let Some(row) = e.row() {
        let _ = Reflect::set(&options, &"row".into(), &JsValue::from_f64(row as f64));
    }
    if let Some(path) = e.path() {
        let _ = Reflect::set(&options, &"path".into(), &path.into());
    }
    if let Some((line, col)) = e.position() {
        let _ = Reflect::set(&options, &"line".into(), &JsValue::from_f64(line as f64));
        let _ = Reflect::set(&options, &"col".into(), &JsValue::from_f64(col as f64));
    }
    UnimetricError::new(&e.to_string(), &options).into()
}
