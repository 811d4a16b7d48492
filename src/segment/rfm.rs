//! RFM scores (`segment.rfm`): recency, frequency and monetary quintile scores 1–5, the RFM
//! cell, and a named segment from a fixed map.
//!
//! * **Inputs per customer**: recency gap = `T − recency` (periods since the last purchase;
//!   smaller is better), F = `frequency + 1` (purchase periods), M = net revenue (`total`,
//!   needs a summary built from transactions) or `monetaryValue` (`meanRepeat`).
//! * **Quintile score (tie rule)**: with `w` = the number of customers with a strictly worse
//!   value (larger gap for R; smaller F or M), `score = 1 + ⌊5 w / n⌋`. Tied customers share a
//!   score, that of the lowest position of their tie group, so a large tie (e.g. many
//!   one-time buyers) never splits across scores.
//! * **Cell**: the three digits `"RFM"`, e.g. `"545"`.
//! * **Named segment** from R (rows) and F (columns); M does not change the name:
//!
//! | R \ F | 1 | 2 | 3 | 4 | 5 |
//! |---|---|---|---|---|---|
//! | 5 | New | Potential loyalists | Potential loyalists | Champions | Champions |
//! | 4 | New | Potential loyalists | Potential loyalists | Champions | Champions |
//! | 3 | Hibernating | Hibernating | Loyal | Loyal | Loyal |
//! | 2 | Hibernating | Hibernating | At risk | At risk | Can't lose |
//! | 1 | Lost | Lost | At risk | Can't lose | Can't lose |

use crate::error::{Error, Result};
use crate::glossary::{Definition, DefinitionRef, ParamValue, ParameterDef};
use crate::CustomerSummary;
use serde::{Deserialize, Serialize};

/// Parameter `monetary`.
pub const MONETARY: ParameterDef = ParameterDef::new("monetary", "\"total\" when the summary has revenue, else \"meanRepeat\"", "\"total\" (net revenue per customer; summary from transactions) or \"meanRepeat\" (monetaryValue).").rule("summaryRevenue").one_of(&["total", "meanRepeat"]);

/// `segment.rfm`.
pub const DEFINITION: Definition = Definition {
    id: "segment.rfm",
    version: "2.0.1",
    name: "RFM scores and segments",
    description: "Each customer scored 1–5 on recency (periods since last purchase, fewer is better), frequency (purchase periods) and monetary value, by quintile within the customer base; the three digits form the RFM cell, and R × F map to a named segment (Champions, Loyal, Potential loyalists, New, At risk, Can't lose, Hibernating, Lost).",
    formula: "score = 1 + ⌊5 w / n⌋, w = customers with a strictly worse value (ties share the lowest position); R on T − recency (smaller better), F on frequency + 1, M on net revenue or monetaryValue; name = map[R][F]: R≥4: F=1 New, F 2–3 Potential loyalists, F≥4 Champions; R=3: F≤2 Hibernating, F≥3 Loyal; R=2: F≤2 Hibernating, F 3–4 At risk, F=5 Can't lose; R=1: F≤2 Lost, F=3 At risk, F≥4 Can't lose",
    unit: "scores 1–5; cell \"RFM\"; segment name",
    parameters: &[MONETARY],
    inputs: "A CustomerSummary.",
    depends_on: &["customer.summary"],
};

/// The named segments, in map order.
pub const SEGMENT_NAMES: [&str; 8] = [
    "Champions",
    "Loyal",
    "Potential loyalists",
    "New",
    "At risk",
    "Can't lose",
    "Hibernating",
    "Lost",
];

/// Which monetary value M scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase")]
pub enum Monetary {
    /// Net revenue per customer.
    Total,
    /// `monetaryValue` (mean repeat spend).
    MeanRepeat,
}

/// Options of [`rfm_scores`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct RfmOptions {
    /// M's value; unset: `total` when the summary has revenue, else `meanRepeat`
    /// (rule `summaryRevenue` of [`MONETARY`]).
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub monetary: Option<Monetary>,
}

/// A column of scores 1–5 (`Uint8Array` in JavaScript; see [`crate::columns`]).
fn scores<S: serde::Serializer>(v: &[u8], s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_newtype_struct(crate::columns::UINT8, v)
}

/// RFM result, one entry per customer (JS `RfmResult`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(
    target_arch = "wasm32",
    derive(tsify::Tsify),
    tsify(missing_as_null, rename = "RfmResult")
)]
pub struct RfmScores {
    /// Recency score 1–5 (5 = most recent).
    #[serde(serialize_with = "scores")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Uint8Array"))]
    pub r: Vec<u8>,
    /// Frequency score 1–5.
    #[serde(serialize_with = "scores")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Uint8Array"))]
    pub f: Vec<u8>,
    /// Monetary score 1–5.
    #[serde(serialize_with = "scores")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Uint8Array"))]
    pub m: Vec<u8>,
    /// Cell, e.g. "545".
    pub cell: Vec<String>,
    /// Segment name (one of [`SEGMENT_NAMES`]).
    #[cfg_attr(
        target_arch = "wasm32",
        tsify(
            type = "(\"Champions\" | \"Loyal\" | \"Potential loyalists\" | \"New\" | \"At risk\" | \"Can't lose\" | \"Hibernating\" | \"Lost\")[]"
        )
    )]
    pub segment: Vec<&'static str>,
    /// Definition reference.
    pub definition: DefinitionRef,
}

/// Quintile scores with the documented tie rule; `higher_is_better` orients the score.
///
/// ```
/// use unimetric::segment::rfm::quintile_scores;
/// // n = 5 distinct values: w = 0..4 → scores 1..5.
/// assert_eq!(quintile_scores(&[10.0, 30.0, 20.0, 50.0, 40.0], true), vec![1, 3, 2, 5, 4]);
/// // Ties share the lowest position: w for 1,1,1 = 0 → 1; for 2: w = 3 → 1 + ⌊15/4⌋ = 4.
/// assert_eq!(quintile_scores(&[1.0, 1.0, 1.0, 2.0], true), vec![1, 1, 1, 4]);
/// ```
pub fn quintile_scores(values: &[f64], higher_is_better: bool) -> Vec<u8> {
    let n = values.len();
    let key = |v: f64| if higher_is_better { v } else { -v };
    let mut sorted: Vec<f64> = values.iter().map(|&v| key(v)).collect();
    sorted.sort_by(f64::total_cmp);
    values
        .iter()
        .map(|&v| {
            let kv = key(v);
            let w = sorted.partition_point(|&s| s < kv);
            (1 + (5 * w) / n.max(1)) as u8
        })
        .collect()
}

/// The segment name of an (R, F) pair (see the module documentation).
pub fn segment_name(r: u8, f: u8) -> &'static str {
    if r >= 4 {
        match f {
            0..=1 => "New",
            2..=3 => "Potential loyalists",
            _ => "Champions",
        }
    } else if r == 3 {
        if f <= 2 {
            "Hibernating"
        } else {
            "Loyal"
        }
    } else if r == 2 {
        match f {
            0..=2 => "Hibernating",
            3..=4 => "At risk",
            _ => "Can't lose",
        }
    } else {
        match f {
            0..=2 => "Lost",
            3 => "At risk",
            _ => "Can't lose",
        }
    }
}

/// RFM scores of every customer of `s`. `monetary: None` picks `Total` when the summary has
/// revenue, else `MeanRepeat`.
///
/// Errors: `E_EMPTY`; `E_BAD_OPTION` for `Total` without revenue.
pub fn rfm_scores(s: &CustomerSummary, monetary: Option<Monetary>) -> Result<RfmScores> {
    if s.is_empty() {
        return Err(Error::Empty {
            what: "customer summary".into(),
        });
    }
    let revenue = s.details.as_ref().map(|d| d.revenue.as_slice());
    rfm_from_columns(
        &s.t,
        &s.recency,
        &s.frequency,
        &s.monetary_value,
        revenue,
        monetary,
    )
}

/// [`rfm_scores`] from summary columns (`revenue` when the summary has it).
///
/// Errors: `E_EMPTY`, `E_LENGTH_MISMATCH`; `E_BAD_OPTION` for `Total` without revenue.
pub fn rfm_from_columns(
    t: &[f64],
    recency: &[f64],
    frequency: &[f64],
    monetary_value: &[f64],
    revenue: Option<&[f64]>,
    monetary: Option<Monetary>,
) -> Result<RfmScores> {
    let n = t.len();
    if n == 0 {
        return Err(Error::Empty {
            what: "customer summary".into(),
        });
    }
    for (name, len) in [
        ("recency", recency.len()),
        ("frequency", frequency.len()),
        ("monetaryValue", monetary_value.len()),
        ("revenue", revenue.map_or(n, |r| r.len())),
    ] {
        if len != n {
            return Err(Error::LengthMismatch {
                column: name.into(),
                actual: len,
                reference: "T".into(),
                expected: n,
            });
        }
    }
    let monetary = monetary.unwrap_or(if revenue.is_some() {
        Monetary::Total
    } else {
        Monetary::MeanRepeat
    });
    let mvals: Vec<f64> = match (monetary, revenue) {
        (Monetary::Total, Some(r)) => r.to_vec(),
        (Monetary::Total, None) => {
            return Err(Error::BadOption {
                option: "monetary".into(),
                message: "\"total\" needs a summary built from transactions (it has no revenue column); use \"meanRepeat\"".into(),
            })
        }
        (Monetary::MeanRepeat, _) => monetary_value.to_vec(),
    };
    let gap: Vec<f64> = t.iter().zip(recency).map(|(t, r)| t - r).collect();
    let fvals: Vec<f64> = frequency.iter().map(|f| f + 1.0).collect();
    let r = quintile_scores(&gap, false);
    let f = quintile_scores(&fvals, true);
    let m = quintile_scores(&mvals, true);
    let cell = (0..n)
        .map(|i| format!("{}{}{}", r[i], f[i], m[i]))
        .collect();
    let segment = (0..n).map(|i| segment_name(r[i], f[i])).collect();
    let definition = DefinitionRef::new(&DEFINITION).with(
        "monetary",
        ParamValue::Text(
            match monetary {
                Monetary::Total => "total",
                Monetary::MeanRepeat => "meanRepeat",
            }
            .into(),
        ),
    );
    Ok(RfmScores {
        r,
        f,
        m,
        cell,
        segment,
        definition,
    })
}
