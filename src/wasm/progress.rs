//! The `onProgress` option of the long fits: a JS function called with `{ stage, done, total }`
//! at the core's progress boundaries (see [`crate::progress`]). Returning `false` or throwing
//! stops the fit with `E_CANCELLED`.

use super::convert::{bad_option, get, type_name};
use super::interop::to_js;
use crate::error::Error;
use crate::progress::Progress;
use js_sys::Function;
use wasm_bindgen::prelude::*;
use wasm_bindgen::{JsCast, JsValue};

#[wasm_bindgen(typescript_custom_section)]
const TS_PROGRESS: &'static str = r#"
/** The `onProgress` option of the long fits. */
export interface WithProgress {
  /** Called with each progress report; return `false` to cancel (`E_CANCELLED`). */
  onProgress?: ProgressCallback;
}

/** One progress report of a long fit: `done` of `total` steps of `stage` are finished. */
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
pub fn option(options: &JsValue) -> crate::Result<Option<Function>> {
    let v = get(options, KEY);
    if !options.is_object() || v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    v.dyn_into::<Function>().map(Some).map_err(|v| {
        let found = type_name(&v);
        bad_option(
            KEY,
            format!("expected a function (progress) => void | boolean, found {found}"),
        )
    })
}

/// Reads the options `O` of `function` (with `onProgress`, which the options type does not
/// have) and runs `f` with them and a hook that reports to `onProgress`.
pub fn run<O: serde::de::DeserializeOwned, T>(
    options: &JsValue,
    function: &str,
    f: impl FnOnce(&O, &mut crate::progress::ProgressHook<'_>) -> crate::Result<T>,
) -> crate::Result<T> {
    let opts: O = super::interop::read_with(options, function, &[KEY])?;
    let callback = option(options)?;
    with_hook(callback.as_ref(), function, |hook| f(&opts, hook))
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
