//! How bulk columns of a result serialise: as a plain sequence for any serde format (JSON,
//! native tests), and as a typed array (`Float64Array`, `Uint32Array`, `Uint8Array`) when the
//! JavaScript binding writes the result.
//!
//! A result field opts in with `#[serde(serialize_with = "crate::columns::f64s")]` (or `u32s`,
//! `flags`). The helper wraps the column in a newtype struct named after the typed
//! array ([`FLOAT64`], [`UINT32`], [`UINT8`]); serde formats that do not know the name (such as
//! `serde_json`) see through a newtype struct, so the JSON form is an ordinary array, while the
//! binding's serializer recognises the name and builds the typed array in one copy.
//!
//! ```
//! use serde::Serialize;
//! #[derive(Serialize)]
//! struct R {
//!     #[serde(serialize_with = "unimetric::columns::f64s")]
//!     values: Vec<f64>,
//! }
//! let json = serde_json::to_string(&R { values: vec![1.5, 2.0] }).unwrap();
//! assert_eq!(json, r#"{"values":[1.5,2.0]}"#);
//! ```

use serde::{Serialize, Serializer};

/// Newtype name of a column that crosses to JavaScript as a `Float64Array`.
pub const FLOAT64: &str = "Float64Array";
/// Newtype name of a column that crosses to JavaScript as a `Uint32Array`.
pub const UINT32: &str = "Uint32Array";
/// Newtype name of a column that crosses to JavaScript as a `Uint8Array` (0/1 flags).
pub const UINT8: &str = "Uint8Array";

/// A column of numbers (`Float64Array` in JavaScript).
pub fn f64s<S: Serializer>(v: &[f64], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_newtype_struct(FLOAT64, v)
}

/// An optional column of numbers (`Float64Array | null` in JavaScript).
pub fn opt_f64s<S: Serializer>(v: &Option<Vec<f64>>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => s.serialize_newtype_struct(FLOAT64, v),
        None => s.serialize_none(),
    }
}

/// A column of unsigned integers (`Uint32Array` in JavaScript).
pub fn u32s<S: Serializer>(v: &[u32], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_newtype_struct(UINT32, v)
}

/// A column of bytes (`Uint8Array` in JavaScript).
pub fn u8s<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_newtype_struct(UINT8, v)
}

/// A column of flags, written as 0/1 (`Uint8Array` in JavaScript).
pub fn flags<S: Serializer>(v: &[bool], s: S) -> Result<S::Ok, S::Error> {
    struct Bits<'a>(&'a [bool]);
    impl Serialize for Bits<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_seq(self.0.iter().map(|&b| u8::from(b)))
        }
    }
    s.serialize_newtype_struct(UINT8, &Bits(v))
}

/// A column of per-row values with the definition they follow: the JS result of the
/// per-customer predictions (`probabilityAlive`, `expectedPurchases`, `expectedSpend`,
/// `predict`, `evaluateScores`), `{ values, definition }`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
pub struct Values {
    /// One value per row of the input.
    #[serde(serialize_with = "f64s")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Float64Array"))]
    pub values: Vec<f64>,
    /// 1 for a customer with no repeat purchase (P(alive) of BG/NBD and 1 − P(alive) of
    /// `churn.alive` only).
    #[serde(
        rename = "noRepeatPurchase",
        skip_serializing_if = "Option::is_none",
        serialize_with = "opt_flags"
    )]
    #[cfg_attr(target_arch = "wasm32", tsify(optional, type = "Uint8Array"))]
    pub no_repeat_purchase: Option<Vec<bool>>,
    /// The metric, its version and the parameters in effect.
    pub definition: crate::glossary::DefinitionRef,
}

impl Values {
    /// Values following `definition`.
    pub fn new(values: Vec<f64>, definition: crate::glossary::DefinitionRef) -> Self {
        Values {
            values,
            no_repeat_purchase: None,
            definition,
        }
    }
}

fn opt_flags<S: Serializer>(v: &Option<Vec<bool>>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => flags(v, s),
        None => s.serialize_none(),
    }
}
