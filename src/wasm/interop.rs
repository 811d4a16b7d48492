//! The two generic halves of every export: reading an options object into a core options type,
//! and writing a core result as a JS value.
//!
//! - [`read`] reads `undefined`/`null` as `{}` (every field at its default; a required one is
//!   `E_BAD_OPTION` "is required"), refuses anything but a plain
//!   object (`E_BAD_OPTION`), refuses a key the type does not have (`E_UNKNOWN_OPTION`, naming
//!   the function and the known options), skips keys whose value is `undefined` or `null`, turns
//!   `Date`s into epoch milliseconds and deserialises the rest with serde; a value of the wrong
//!   type is `E_BAD_OPTION` naming the option's path. The options type then checks its own
//!   ranges (its `check`), so the binding holds no defaults and no ranges.
//! - [`to_js`] writes any `Serialize` result: structs and maps become plain objects, `None`
//!   becomes `null`, and the columns marked by [`crate::columns`] become typed arrays
//!   (`Float64Array`, `Uint32Array`, `Uint8Array`) in one copy.

use super::convert::{bad_option, check_keys, csv_bytes, get, object_keys, to_js_error, type_name};
use crate::columns::{FLOAT64, UINT32, UINT8};
use crate::error::Error;
use crate::glossary::field_names;
use js_sys::{Array, Object, Reflect};
use serde::de::DeserializeOwned;
use serde::ser::{self, Serialize};
use wasm_bindgen::{JsCast, JsValue};

impl From<Error> for JsValue {
    fn from(e: Error) -> JsValue {
        to_js_error(e)
    }
}

// ------------------------------------------------------------------------------ options

/// Reads `value` as the options of `function` (see the module docs).
pub fn read<T: DeserializeOwned>(value: &JsValue, function: &str) -> crate::Result<T> {
    read_with(value, function, &[])
}

/// As [`read`], with `extra` keys that the binding reads itself (such as `onProgress`): they
/// are allowed and left out of the deserialisation.
pub fn read_with<T: DeserializeOwned>(
    value: &JsValue,
    function: &str,
    extra: &[&str],
) -> crate::Result<T> {
    if value.is_undefined() || value.is_null() {
        // Defaults for every field; a required field is reported as missing.
        return deserialize(&Object::new().into());
    }
    if !value.is_object() || Array::is_array(value) || value.is_function() {
        return Err(Error::BadOption {
            option: "options".into(),
            message: format!(
                "{function} expects an options object, found {}",
                type_name(value)
            ),
        });
    }
    let mut known: Vec<&str> = field_names::<T>().to_vec();
    known.extend_from_slice(extra);
    check_keys(value, function, &known)?;
    deserialize(&plain_copy(value, extra)?)
}

/// Deserialises a JS value (already a plain object of the known keys) into `T`; a failure is
/// `E_BAD_OPTION` on the path of the value that failed (e.g. `classWeights.churned`).
pub fn deserialize<T: DeserializeOwned>(value: &JsValue) -> crate::Result<T> {
    let de = serde_wasm_bindgen::Deserializer::from(value.clone());
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        // serde-wasm-bindgen's errors are JS `Error`s, written "Error: …".
        let message = inner.strip_prefix("Error: ").unwrap_or(&inner).to_string();
        // serde reports a required field as "missing field `name`" at the parent's path.
        if let Some(name) = message
            .strip_prefix("missing field `")
            .and_then(|m| m.strip_suffix('`'))
        {
            let option = if path == "." {
                name.to_string()
            } else {
                format!("{path}.{name}")
            };
            return Error::BadOption {
                option,
                message: "is required".into(),
            };
        }
        Error::BadOption {
            option: if path == "." { "options".into() } else { path },
            message,
        }
    })
}

/// A shallow copy of an options object without `undefined`/`null` values and without `extra`
/// keys, with `Date` values as epoch milliseconds (one level deep, where options hold dates).
/// An array or typed array too long for wasm memory (such as k-means `init`) is `E_TOO_LARGE`
/// before anything is copied.
fn plain_copy(value: &JsValue, extra: &[&str]) -> crate::Result<JsValue> {
    let out = Object::new();
    for k in object_keys(value) {
        if extra.contains(&k.as_str()) {
            continue;
        }
        let key = JsValue::from_str(&k);
        let v = Reflect::get(value, &key).unwrap_or(JsValue::UNDEFINED);
        if v.is_undefined() || v.is_null() {
            continue;
        }
        if Array::is_array(&v) || js_sys::ArrayBuffer::is_view(&v) {
            let len = Reflect::get(&v, &"length".into())
                .ok()
                .and_then(|l| l.as_f64())
                .unwrap_or(0.0);
            super::convert::ensure_fits(&k, len as usize, super::convert::F64_ENTRY_BYTES)?;
        }
        let v = match v.dyn_ref::<js_sys::Date>() {
            Some(d) => JsValue::from_f64(d.get_time()),
            None => v,
        };
        let _ = Reflect::set(&out, &key, &v);
    }
    Ok(out.into())
}

// ------------------------------------------------------------------------------ results

/// Writes a result as a JS value (see the module docs). Serialisation of the library's own
/// result types cannot fail; should it, the value is `null`.
pub fn to_js<T: Serialize + ?Sized>(v: &T) -> JsValue {
    v.serialize(Js).unwrap_or(JsValue::NULL)
}

/// Errors of [`Js`] (only a custom message from a `Serialize` impl).
type SerError = serde::de::value::Error;

type SerResult<T> = Result<T, SerError>;

/// The serializer behind [`to_js`].
#[derive(Clone, Copy)]
pub struct Js;

/// A JS array being filled.
pub struct JsSeq(Array);

/// A JS object being filled; `variant` wraps it as `{ variant: object }` at the end.
pub struct JsObject {
    obj: Object,
    key: Option<JsValue>,
    variant: Option<&'static str>,
}

fn wrap(variant: &str, value: JsValue) -> JsValue {
    let o = Object::new();
    let _ = Reflect::set(&o, &JsValue::from_str(variant), &value);
    o.into()
}

/// Numbers become JS numbers (64-bit integers beyond 2^53 lose precision; results hold none).
macro_rules! js_number {
    ($($name:ident: $t:ty),*) => {
        $(fn $name(self, v: $t) -> SerResult<JsValue> {
            Ok(JsValue::from_f64(v as f64))
        })*
    };
}

impl ser::Serializer for Js {
    type Ok = JsValue;
    type Error = SerError;
    type SerializeSeq = JsSeq;
    type SerializeTuple = JsSeq;
    type SerializeTupleStruct = JsSeq;
    type SerializeTupleVariant = JsSeq;
    type SerializeMap = JsObject;
    type SerializeStruct = JsObject;
    type SerializeStructVariant = JsObject;

    fn serialize_bool(self, v: bool) -> SerResult<JsValue> {
        Ok(JsValue::from_bool(v))
    }
    js_number!(serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
        serialize_u8: u8, serialize_u16: u16, serialize_u32: u32, serialize_u64: u64,
        serialize_f32: f32, serialize_f64: f64);
    fn serialize_char(self, v: char) -> SerResult<JsValue> {
        Ok(JsValue::from_str(v.encode_utf8(&mut [0; 4])))
    }
    fn serialize_str(self, v: &str) -> SerResult<JsValue> {
        Ok(JsValue::from_str(v))
    }
    fn serialize_bytes(self, v: &[u8]) -> SerResult<JsValue> {
        Ok(js_sys::Uint8Array::from(v).into())
    }
    fn serialize_none(self) -> SerResult<JsValue> {
        Ok(JsValue::NULL)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> SerResult<JsValue> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> SerResult<JsValue> {
        Ok(JsValue::NULL)
    }
    fn serialize_unit_struct(self, _name: &'static str) -> SerResult<JsValue> {
        Ok(JsValue::NULL)
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> SerResult<JsValue> {
        Ok(JsValue::from_str(variant))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        v: &T,
    ) -> SerResult<JsValue> {
        if name == FLOAT64 || name == UINT32 || name == UINT8 {
            let mut values = Vec::new();
            v.serialize(Numbers(&mut values))?;
            return Ok(match name {
                n if n == FLOAT64 => js_sys::Float64Array::from(&values[..]).into(),
                n if n == UINT32 => {
                    let ints: Vec<u32> = values.iter().map(|&x| x as u32).collect();
                    js_sys::Uint32Array::from(&ints[..]).into()
                }
                _ => {
                    let bytes: Vec<u8> = values.iter().map(|&x| x as u8).collect();
                    js_sys::Uint8Array::from(&bytes[..]).into()
                }
            });
        }
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        v: &T,
    ) -> SerResult<JsValue> {
        Ok(wrap(variant, v.serialize(self)?))
    }
    fn serialize_seq(self, len: Option<usize>) -> SerResult<JsSeq> {
        let _ = len;
        Ok(JsSeq(Array::new()))
    }
    fn serialize_tuple(self, len: usize) -> SerResult<JsSeq> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> SerResult<JsSeq> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        len: usize,
    ) -> SerResult<JsSeq> {
        self.serialize_seq(Some(len))
    }
    fn serialize_map(self, _len: Option<usize>) -> SerResult<JsObject> {
        Ok(JsObject {
            obj: Object::new(),
            key: None,
            variant: None,
        })
    }
    fn serialize_struct(self, _name: &'static str, len: usize) -> SerResult<JsObject> {
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> SerResult<JsObject> {
        Ok(JsObject {
            obj: Object::new(),
            key: None,
            variant: Some(variant),
        })
    }
}

impl ser::SerializeSeq for JsSeq {
    type Ok = JsValue;
    type Error = SerError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> SerResult<()> {
        self.0.push(&v.serialize(Js)?);
        Ok(())
    }
    fn end(self) -> SerResult<JsValue> {
        Ok(self.0.into())
    }
}

/// The tuple forms fill the array like a sequence.
macro_rules! seq_like {
    ($($tr:ident :: $method:ident),*) => {
        $(impl ser::$tr for JsSeq {
            type Ok = JsValue;
            type Error = SerError;
            fn $method<T: Serialize + ?Sized>(&mut self, v: &T) -> SerResult<()> {
                ser::SerializeSeq::serialize_element(self, v)
            }
            fn end(self) -> SerResult<JsValue> {
                ser::SerializeSeq::end(self)
            }
        })*
    };
}

seq_like!(
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl JsObject {
    fn set(&mut self, key: &JsValue, v: JsValue) {
        let _ = Reflect::set(&self.obj, key, &v);
    }
    fn finish(self) -> JsValue {
        match self.variant {
            Some(variant) => wrap(variant, self.obj.into()),
            None => self.obj.into(),
        }
    }
}

impl ser::SerializeMap for JsObject {
    type Ok = JsValue;
    type Error = SerError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, k: &T) -> SerResult<()> {
        let k = k.serialize(Js)?;
        // Object keys are strings: numbers and flags are written as text.
        self.key = Some(match k.as_string() {
            Some(_) => k,
            None => JsValue::from(js_sys::JsString::from(k)),
        });
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> SerResult<()> {
        let key = self
            .key
            .take()
            .ok_or_else(|| ser::Error::custom("a map value without its key"))?;
        let v = v.serialize(Js)?;
        self.set(&key, v);
        Ok(())
    }
    fn end(self) -> SerResult<JsValue> {
        Ok(self.finish())
    }
}

impl ser::SerializeStruct for JsObject {
    type Ok = JsValue;
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        v: &T,
    ) -> SerResult<()> {
        let v = v.serialize(Js)?;
        self.set(&JsValue::from_str(key), v);
        Ok(())
    }
    fn end(self) -> SerResult<JsValue> {
        Ok(self.finish())
    }
}

impl ser::SerializeStructVariant for JsObject {
    type Ok = JsValue;
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        v: &T,
    ) -> SerResult<()> {
        ser::SerializeStruct::serialize_field(self, key, v)
    }
    fn end(self) -> SerResult<JsValue> {
        Ok(self.finish())
    }
}

/// Methods of a serializer that refuse their input (a typed-array column holds only numbers).
macro_rules! refuse {
    ($ok:ty; $($name:ident($($arg:ident: $t:ty),*) -> $ret:ty;)*) => {
        $(fn $name(self, $($arg: $t),*) -> SerResult<$ret> {
            $(let _ = $arg;)*
            Err(not_a_number())
        })*
    };
}

/// The methods every [`Numbers`] / [`Number`] serializer refuses.
macro_rules! refuse_compounds {
    ($ok:ty) => {
        refuse! { $ok;
            serialize_char(v: char) -> $ok;
            serialize_str(v: &str) -> $ok;
            serialize_unit() -> $ok;
            serialize_unit_struct(name: &'static str) -> $ok;
            serialize_unit_variant(name: &'static str, index: u32, variant: &'static str) -> $ok;
            serialize_tuple(len: usize) -> Self::SerializeTuple;
            serialize_tuple_struct(name: &'static str, len: usize) -> Self::SerializeTupleStruct;
            serialize_tuple_variant(name: &'static str, index: u32, variant: &'static str, len: usize) -> Self::SerializeTupleVariant;
            serialize_map(len: Option<usize>) -> Self::SerializeMap;
            serialize_struct(name: &'static str, len: usize) -> Self::SerializeStruct;
            serialize_struct_variant(name: &'static str, index: u32, variant: &'static str, len: usize) -> Self::SerializeStructVariant;
        }
        fn serialize_newtype_variant<T: Serialize + ?Sized>(
            self,
            _name: &'static str,
            _index: u32,
            _variant: &'static str,
            _v: &T,
        ) -> SerResult<$ok> {
            Err(not_a_number())
        }
        fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> SerResult<$ok> {
            v.serialize(self)
        }
        fn serialize_newtype_struct<T: Serialize + ?Sized>(
            self,
            _name: &'static str,
            v: &T,
        ) -> SerResult<$ok> {
            v.serialize(self)
        }
    };
}

fn not_a_number() -> SerError {
    ser::Error::custom("a typed-array column holds only numbers")
}

/// Collects a sequence of numbers (the inside of a typed-array column).
struct Numbers<'a>(&'a mut Vec<f64>);

impl<'a> ser::Serializer for Numbers<'a> {
    type Ok = ();
    type Error = SerError;
    type SerializeSeq = Self;
    type SerializeTuple = ser::Impossible<(), SerError>;
    type SerializeTupleStruct = ser::Impossible<(), SerError>;
    type SerializeTupleVariant = ser::Impossible<(), SerError>;
    type SerializeMap = ser::Impossible<(), SerError>;
    type SerializeStruct = ser::Impossible<(), SerError>;
    type SerializeStructVariant = ser::Impossible<(), SerError>;

    fn serialize_seq(self, len: Option<usize>) -> SerResult<Self> {
        self.0.reserve(len.unwrap_or(0));
        Ok(self)
    }
    fn serialize_bytes(self, v: &[u8]) -> SerResult<()> {
        self.0.extend(v.iter().map(|&b| f64::from(b)));
        Ok(())
    }
    refuse! { ();
        serialize_bool(v: bool) -> ();
        serialize_i8(v: i8) -> ();
        serialize_i16(v: i16) -> ();
        serialize_i32(v: i32) -> ();
        serialize_i64(v: i64) -> ();
        serialize_u8(v: u8) -> ();
        serialize_u16(v: u16) -> ();
        serialize_u32(v: u32) -> ();
        serialize_u64(v: u64) -> ();
        serialize_f32(v: f32) -> ();
        serialize_f64(v: f64) -> ();
        serialize_none() -> ();
    }
    refuse_compounds!(());
}

impl ser::SerializeSeq for Numbers<'_> {
    type Ok = ();
    type Error = SerError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> SerResult<()> {
        self.0.push(v.serialize(Number)?);
        Ok(())
    }
    fn end(self) -> SerResult<()> {
        Ok(())
    }
}

/// One element of a typed-array column.
struct Number;

macro_rules! number_from {
    ($($name:ident: $t:ty),*) => {
        $(fn $name(self, v: $t) -> SerResult<f64> {
            Ok(v as f64)
        })*
    };
}

impl ser::Serializer for Number {
    type Ok = f64;
    type Error = SerError;
    type SerializeSeq = ser::Impossible<f64, SerError>;
    type SerializeTuple = ser::Impossible<f64, SerError>;
    type SerializeTupleStruct = ser::Impossible<f64, SerError>;
    type SerializeTupleVariant = ser::Impossible<f64, SerError>;
    type SerializeMap = ser::Impossible<f64, SerError>;
    type SerializeStruct = ser::Impossible<f64, SerError>;
    type SerializeStructVariant = ser::Impossible<f64, SerError>;

    number_from!(serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
        serialize_u8: u8, serialize_u16: u16, serialize_u32: u32, serialize_u64: u64,
        serialize_f32: f32, serialize_f64: f64);

    fn serialize_bool(self, v: bool) -> SerResult<f64> {
        Ok(f64::from(u8::from(v)))
    }
    fn serialize_none(self) -> SerResult<f64> {
        Ok(f64::NAN)
    }
    refuse! { f64;
        serialize_bytes(v: &[u8]) -> f64;
        serialize_seq(len: Option<usize>) -> Self::SerializeSeq;
    }
    refuse_compounds!(f64);
}

/// The CSV bytes of `input` and the `mapping` option (of type `M`, read as `function`'s) naming
/// their columns, when `input` is CSV text or bytes; `None` when it is rows or columns (and no
/// mapping is given). A mapping without `timezone` reads naive times in `zone` (`zone_of` names
/// its field). `E_BAD_OPTION` when CSV comes without a mapping (`fields` lists the mapping's
/// keys) or a mapping comes with rows or columns (`values` says which names those use).
pub fn csv_and_mapping<M: serde::de::DeserializeOwned>(
    input: &JsValue,
    options: &JsValue,
    function: &str,
    (fields, values): (&str, &str),
    zone: &crate::data::Zone,
    zone_of: impl FnOnce(&mut M) -> &mut crate::data::Zone,
) -> crate::Result<Option<(Vec<u8>, M)>> {
    let mapping = if options.is_object() {
        Some(get(options, "mapping")).filter(|m| !m.is_undefined() && !m.is_null())
    } else {
        None
    };
    let csv = input.is_string() || input.dyn_ref::<js_sys::Uint8Array>().is_some();
    match (csv, mapping) {
        (true, Some(mv)) => {
            let mut m: M = read(&mv, &format!("{function} (mapping)"))?;
            if get(&mv, "timezone").is_undefined() {
                *zone_of(&mut m) = zone.clone();
            }
            Ok(Some((csv_bytes(input)?, m)))
        }
        (true, None) => Err(bad_option(
            "mapping",
            format!("input given as CSV needs options.mapping {{ {fields} }}"),
        )),
        (false, Some(_)) => Err(bad_option(
            "mapping",
            format!("names the columns of input given as CSV; {values}"),
        )),
        (false, None) => Ok(None),
    }
}
