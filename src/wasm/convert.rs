//! Conversions between JS values and core types, and the JS error type.

use crate::error::{join_names, Error};
use js_sys::{Array, Float64Array, Object, Reflect, Uint32Array};
use wasm_bindgen::{JsCast, JsValue};

/// Converts a core error into the package's `UnimetricError` (see [`super::error`]).
pub fn to_js_error(e: Error) -> JsValue {
    super::error::js_error(&e)
}

/// `E_BAD_OPTION` about `option`.
pub fn bad_option(option: &str, message: impl Into<String>) -> Error {
    Error::BadOption {
        option: option.into(),
        message: message.into(),
    }
}

/// `E_BAD_TYPE`: `value` in `column` at 1-based `row` (0: the whole column) is not `expected`.
pub fn bad_type(column: &str, row: usize, expected: &str, value: &JsValue) -> Error {
    Error::BadType {
        column: column.into(),
        row,
        expected: expected.into(),
        found: type_name(value).into(),
    }
}

/// `E_MISSING_VALUE` in `column` at 1-based `row`.
pub fn missing(column: &str, row: usize) -> Error {
    Error::MissingValue {
        column: column.into(),
        row,
    }
}

/// Result type of exported functions.
pub type JsResult<T> = Result<T, JsValue>;

/// Maps a core result to a JS result.
pub fn js<T>(r: crate::Result<T>) -> JsResult<T> {
    r.map_err(to_js_error)
}

/// The `typeof`-style name of a JS value, for error messages.
pub fn type_name(v: &JsValue) -> &'static str {
    if v.is_undefined() {
        "undefined"
    } else if v.is_null() {
        "null"
    } else if v.as_bool().is_some() {
        "boolean"
    } else if v.as_f64().is_some() {
        "number"
    } else if v.is_string() {
        "string"
    } else if v.is_bigint() {
        "bigint"
    } else if Array::is_array(v) {
        "array"
    } else if v.is_function() {
        "function"
    } else if v.is_object() {
        "object"
    } else {
        "symbol"
    }
}

/// Rejects keys of `value` that are not in `known`.
pub fn check_keys(value: &JsValue, function: &str, known: &[&str]) -> crate::Result<()> {
    for k in object_keys(value) {
        if !known.contains(&k.as_str()) {
            return Err(Error::UnknownOption {
                option: k,
                function: function.into(),
                known: join_names(known),
            });
        }
    }
    Ok(())
}

/// Bytes a wasm32 module can address at most (65,536 pages of 64 KiB: 4 GiB).
const ADDRESS_SPACE: u64 = 65_536 * 65_536;

/// Checks, before anything is copied, that `entries` values of `bytes_per_entry` bytes each can
/// still be allocated in WebAssembly memory: at most the 4 GiB a wasm32 module addresses less
/// what the memory has already grown to. `bytes_per_entry` counts the copies the computation
/// makes of each input value, not only the first one. Otherwise `E_TOO_LARGE`, whose `limit`
/// is the number of entries that would fit, so an input that cannot fit is refused with a typed
/// error instead of an out-of-memory trap.
///
/// Example: a `Float64Array` of 600 million values (4.8 GB) fails with `E_TOO_LARGE` at once.
pub fn ensure_fits(what: &str, entries: usize, bytes_per_entry: usize) -> crate::Result<()> {
    let used = (core::arch::wasm32::memory_size(0) as u64) * 65_536;
    let available = ADDRESS_SPACE.saturating_sub(used);
    let per = bytes_per_entry.max(1) as u64;
    if (entries as u64).saturating_mul(per) > available {
        return Err(Error::TooLarge {
            what: what.into(),
            size: entries,
            limit: usize::try_from(available / per).unwrap_or(usize::MAX),
        });
    }
    Ok(())
}

/// Bytes per numeric input value: the copy in wasm memory plus one working copy.
pub const F64_ENTRY_BYTES: usize = 16;

/// Bytes per text input value before the text itself: its `String` and one working copy (an
/// interned key or the parsed value), with room to spare (a `String` is 12 bytes in wasm32).
pub const TEXT_ENTRY_BYTES: usize = 48;

/// Reads a numeric column: a `Float64Array` or an array of numbers.
pub fn f64_column(value: &JsValue, column: &str) -> crate::Result<Vec<f64>> {
    if let Some(a) = value.dyn_ref::<Float64Array>() {
        ensure_fits(column, a.length() as usize, F64_ENTRY_BYTES)?;
        return Ok(a.to_vec());
    }
    if Array::is_array(value) {
        let arr: &Array = value.unchecked_ref();
        ensure_fits(column, arr.length() as usize, F64_ENTRY_BYTES)?;
        let mut out = Vec::with_capacity(arr.length() as usize);
        for (i, v) in arr.iter().enumerate() {
            match v.as_f64() {
                Some(x) => out.push(x),
                None if v.is_null() || v.is_undefined() => {
                    return Err(Error::MissingValue {
                        column: column.into(),
                        row: i + 1,
                    })
                }
                None => {
                    return Err(Error::BadType {
                        column: column.into(),
                        row: i + 1,
                        expected: "a number".into(),
                        found: type_name(&v).into(),
                    })
                }
            }
        }
        return Ok(out);
    }
    Err(Error::BadType {
        column: column.into(),
        row: 0,
        expected: "a Float64Array or an array of numbers".into(),
        found: type_name(value).into(),
    })
}

/// An id column read from JS.
pub enum Ids {
    /// From a `Uint32Array`.
    Numeric(Vec<u32>),
    /// From an array of strings (integers are written as text).
    Text(Vec<String>),
}

impl Ids {
    /// The ids as text (numeric ids written in decimal).
    pub fn into_text(self) -> Vec<String> {
        match self {
            Ids::Numeric(v) => v.iter().map(u32::to_string).collect(),
            Ids::Text(v) => v,
        }
    }

    /// Borrowed as a core id column.
    pub fn as_column(&self) -> crate::IdColumn<'_> {
        match self {
            Ids::Numeric(v) => crate::IdColumn::Numeric(v),
            Ids::Text(v) => crate::IdColumn::Text(v),
        }
    }
}

/// Reads an id column: a `Uint32Array` or an array of strings / integers.
pub fn id_column(value: &JsValue, column: &str) -> crate::Result<Ids> {
    if let Some(a) = value.dyn_ref::<Uint32Array>() {
        ensure_fits(column, a.length() as usize, 8)?;
        return Ok(Ids::Numeric(a.to_vec()));
    }
    if Array::is_array(value) {
        let arr: &Array = value.unchecked_ref();
        ensure_fits(column, arr.length() as usize, TEXT_ENTRY_BYTES)?;
        let mut out = Vec::with_capacity(arr.length() as usize);
        for (i, v) in arr.iter().enumerate() {
            if let Some(s) = v.as_string() {
                out.push(s);
            } else if let Some(x) = v.as_f64().filter(|x| x.fract() == 0.0 && x.abs() < 9e15) {
                out.push(format!("{}", x as i64));
            } else if v.is_null() || v.is_undefined() {
                return Err(Error::MissingValue {
                    column: column.into(),
                    row: i + 1,
                });
            } else {
                return Err(Error::BadType {
                    column: column.into(),
                    row: i + 1,
                    expected: "a string or integer id".into(),
                    found: type_name(&v).into(),
                });
            }
        }
        return Ok(Ids::Text(out));
    }
    Err(Error::BadType {
        column: column.into(),
        row: 0,
        expected: "a Uint32Array or an array of strings".into(),
        found: type_name(value).into(),
    })
}

/// A JS value as a core [`Cell`](crate::data::Cell) with owned text.
pub enum OwnedCell {
    /// Missing.
    Missing,
    /// Number (Dates become epoch ms).
    Number(f64),
    /// Text.
    Text(String),
    /// Another type.
    Other(&'static str),
}

impl OwnedCell {
    /// From a JS value.
    pub fn from_js(v: &JsValue) -> OwnedCell {
        if v.is_undefined() || v.is_null() {
            OwnedCell::Missing
        } else if let Some(s) = v.as_string() {
            OwnedCell::Text(s)
        } else if let Some(x) = v.as_f64() {
            OwnedCell::Number(x)
        } else if let Some(d) = v.dyn_ref::<js_sys::Date>() {
            OwnedCell::Number(d.get_time())
        } else {
            OwnedCell::Other(type_name(v))
        }
    }

    /// Borrowed as a core cell.
    pub fn cell(&self) -> crate::data::Cell<'_> {
        match self {
            OwnedCell::Missing => crate::data::Cell::Missing,
            OwnedCell::Number(x) => crate::data::Cell::Number(*x),
            OwnedCell::Text(s) => crate::data::Cell::Text(s),
            OwnedCell::Other(t) => crate::data::Cell::Other(t),
        }
    }
}

/// Reads each value of a JS array with `cell(row, value)` (rows 1-based).
pub fn each<T>(
    arr: &Array,
    cell: impl Fn(usize, JsValue) -> crate::Result<T>,
) -> crate::Result<Vec<T>> {
    arr.iter()
        .enumerate()
        .map(|(i, x)| cell(i + 1, x))
        .collect()
}

/// Reads property `key` of `obj`.
pub fn get(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// The own enumerable keys of a JS object.
pub fn object_keys(value: &JsValue) -> Vec<String> {
    let obj: &Object = value.unchecked_ref();
    Object::keys(obj)
        .iter()
        .filter_map(|k| k.as_string())
        .collect()
}

/// CSV input as bytes: a JS string (UTF-8 encoded) or a `Uint8Array` (copied once).
///
/// The text is checked to fit in wasm memory first (`E_TOO_LARGE`): up to three UTF-8 bytes per
/// UTF-16 unit of a string, and room for the parsed columns beside the bytes.
pub fn csv_bytes(text: &JsValue) -> crate::Result<Vec<u8>> {
    if let Some(s) = text.dyn_ref::<js_sys::JsString>() {
        ensure_fits("CSV text", s.length() as usize, 3 * 2)?;
        Ok(String::from(s).into_bytes())
    } else if let Some(b) = text.dyn_ref::<js_sys::Uint8Array>() {
        ensure_fits("CSV text", b.length() as usize, 2)?;
        Ok(b.to_vec())
    } else {
        Err(Error::BadType {
            column: "text".into(),
            row: 0,
            expected: "CSV as a string or Uint8Array".into(),
            found: type_name(text).into(),
        })
    }
}

/// The length of an array of row objects (`E_BAD_TYPE` when `rows` is not an array).
pub fn row_count(rows: &JsValue) -> crate::Result<usize> {
    if !Array::is_array(rows) {
        return Err(Error::BadType {
            column: "rows".into(),
            row: 0,
            expected: "an array of row objects".into(),
            found: type_name(rows).into(),
        });
    }
    let arr: &Array = rows.unchecked_ref();
    let n = arr.length() as usize;
    // One transaction or spend row in columnar form, with room for its interned text.
    ensure_fits("rows", n, 64)?;
    Ok(n)
}

/// Reads an array of row objects. `fields` lists `(mapping field, column name)` pairs; for
/// each row, `f(row, cells)` receives the values of those columns in order (`row` is 1-based).
/// A column absent from the first row is `E_MISSING_COLUMN`; later absences are missing values.
pub fn for_each_row<F>(rows: &JsValue, fields: &[(&str, &str)], mut f: F) -> crate::Result<()>
where
    F: FnMut(usize, &[OwnedCell]) -> crate::Result<()>,
{
    let n = row_count(rows)?;
    let arr: &Array = rows.unchecked_ref();
    let keys: Vec<JsValue> = fields.iter().map(|(_, c)| JsValue::from_str(c)).collect();
    let mut cells: Vec<OwnedCell> = Vec::with_capacity(fields.len());
    for i in 0..n {
        let row = arr.get(i as u32);
        if !row.is_object() || Array::is_array(&row) {
            return Err(Error::BadType {
                column: "rows".into(),
                row: i + 1,
                expected: "a row object".into(),
                found: type_name(&row).into(),
            });
        }
        if i == 0 {
            for ((field, name), key) in fields.iter().zip(&keys) {
                if !Reflect::has(&row, key).unwrap_or(false) {
                    return Err(Error::MissingColumn {
                        column: (*name).into(),
                        field: (*field).into(),
                        available: join_names(object_keys(&row).iter().map(|k| format!("'{k}'"))),
                    });
                }
            }
        }
        cells.clear();
        for key in &keys {
            cells.push(OwnedCell::from_js(
                &Reflect::get(&row, key).unwrap_or(JsValue::UNDEFINED),
            ));
        }
        f(i + 1, &cells)?;
    }
    Ok(())
}

/// Reads option `option` as an array of column names (non-empty strings); `E_BAD_OPTION`
/// otherwise.
pub fn name_list(value: &JsValue, option: &str) -> crate::Result<Vec<String>> {
    let bad = |found: String| Error::BadOption {
        option: option.into(),
        message: format!("expected an array of column names (non-empty strings), found {found}"),
    };
    if !Array::is_array(value) {
        return Err(bad(type_name(value).into()));
    }
    let arr: &Array = value.unchecked_ref();
    arr.iter()
        .map(|v| match v.as_string() {
            Some(s) if !s.trim().is_empty() => Ok(s),
            _ => Err(bad(format!("an element that is {}", type_name(&v)))),
        })
        .collect()
}

/// A dimension name passed to `dimension(name)`: a string, else `E_BAD_OPTION` (option
/// `dimension`). Read here, not as a `&str` parameter: the generated glue traps on a non-string.
pub fn dimension_name(v: &JsValue) -> crate::Result<String> {
    v.as_string().ok_or_else(|| Error::BadOption {
        option: "dimension".into(),
        message: format!(
            "expected a dimension name (a string), found {}",
            type_name(v)
        ),
    })
}

/// Property `key` of an object of columns, when present (neither `undefined` nor `null`).
pub fn given_column(columns: &JsValue, key: &str) -> Option<JsValue> {
    Some(get(columns, key)).filter(|v| !v.is_undefined() && !v.is_null())
}

/// Property `key` of an object of columns, or `E_MISSING_COLUMN` listing the keys it has.
pub fn required_column(columns: &JsValue, key: &str) -> crate::Result<JsValue> {
    given_column(columns, key).ok_or_else(|| Error::MissingColumn {
        column: key.into(),
        field: key.into(),
        available: join_names(object_keys(columns).iter().map(|k| format!("'{k}'"))),
    })
}

/// Reads a time column: a `Float64Array` of epoch milliseconds (taken as is; the table checks
/// them), or an array of dates, each read by `time(cell, row)` (rows 1-based).
pub fn time_column(
    value: &JsValue,
    column: &str,
    time: impl Fn(crate::data::Cell<'_>, usize) -> crate::Result<f64>,
) -> crate::Result<Vec<f64>> {
    if let Some(a) = value.dyn_ref::<Float64Array>() {
        ensure_fits(column, a.length() as usize, F64_ENTRY_BYTES)?;
        Ok(a.to_vec())
    } else if Array::is_array(value) {
        let arr: &Array = value.unchecked_ref();
        ensure_fits(column, arr.length() as usize, TEXT_ENTRY_BYTES)?;
        each(arr, |row, x| time(OwnedCell::from_js(&x).cell(), row))
    } else {
        let expected =
            "a Float64Array of epoch ms or an array of dates (epoch ms, Date or ISO text)";
        Err(bad_type(column, 0, expected, value))
    }
}
