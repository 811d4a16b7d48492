//! The `onProgress` option of the long fits: a JS function called with `{ stage, done, total }`
//! at the core's progress boundaries (see [`crate::progress`]). Returning `false` or throwing
//! stops the fit with `E_CANCELLED`.

use super::convert::{get, to_js, type_name};
use crate::error::Error;
use crate::progress::Progress;
use js_sys::Function;
use wasm_bindgen::prelude::*;
use wasm_bindgen::{JsCast, JsValue};

#[wasm_bindgen(typescript_custom_section)]
const TS_PROGRESS: &'static str = r#"
/** One progress report of a long fit: `done` of `total` steps of `stage` are finished. */
/** The `onProgress` option of the long fits. */
export interface WithProgress {
  /** Called with each progress report; return `false` to cancel (`E_CANCELLED`). */
  onProgress?: ProgressCallback;
}

export interface Progress {
  /** "kmeans" (runs of nInit), "chooseK" (runs over all k), "bgnbd" or "gammaGamma" (optimiser starts). */
  stage: "kmeans" | "chooseK" | "bgnbd" | "gammaGamma";
  done: number;
  total: number;
}

/** Called at each progress boundary (synchronously, on the thread running the fit). Returning `false` or throwing stops the fit with `E_CANCELLED`. */
export type ProgressCallback = (progress: Progress) => boolean | void;
"#;

/// The option name.
pub const KEY: &str = "onProgress";

/// Reads `onProgress` from an options object: `None` when absent, `E_BAD_OPTION` when it is not
/// a function.
pub fn option(options: Option<&JsValue>) -> crate::Result<Option<Function>> {
    let Some(o) = options else { return Ok(None) };
    let v = get(o, KEY);
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    v.dyn_into::<Function>()
        .map(Some)
        .map_err(|v| Error::BadOption {
            option: KEY.into(),
            message: format!(
                "expected a function (progress) => void | boolean, found {}",
                type_name(&v)
            ),
        })
}

/// Runs `f` with a progress hook that calls `callback` (or with the silent hook when `None`).
pub fn with_hook<T>(
    callback: Option<&Function>,
    what: &str,
    f: impl FnOnce(&mut crate::progress::ProgressHook<'_>) -> crate::Result<T>,
) -> crate::Result<T> {
    let Some(callback) = callback else {
        return f(&mut crate::progress::silent);
    };
    f(
        &mut |p: Progress| match callback.call1(&JsValue::NULL, &to_js(&p)) {
            Ok(v) if v.as_bool() == Some(false) => Err(Error::Cancelled {
                what: what.into(),
                reason: "onProgress returned false".into(),
            }),
            Ok(_) => Ok(()),
            Err(e) => Err(Error::Cancelled {
                what: what.into(),
                reason: format!(
                    "onProgress threw: {}",
                    e.dyn_ref::<js_sys::Error>()
                        .map(|e| String::from(e.message()))
                        .or_else(|| e.as_string())
                        .unwrap_or_else(|| "a non-Error value".into())
                ),
            }),
        },
    )
}
