//! Anomaly flags for JS: `detectAnomalies(series, options)` on any series — a `kpiSeries`
//! metric or the caller's columns.

use super::convert::{
    bad_option, check_keys, f64_column, given_column, required_column, time_column, type_name,
    JsResult,
};
use super::interop::{read, to_js};
use crate::anomaly::{AnomalyOptions, AnomalySeries};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_ANOMALY: &'static str = r#"
/** A series for `detectAnomalies`: one entry per bucket, every column of one length. */
export interface AnomalySeriesColumns {
  /** Bucket starts: epoch ms, `Date`s or ISO 8601 text (bare dates in UTC); strictly increasing, evenly spaced. */
  time: Float64Array | ReadonlyArray<number | string | Date>;
  /** The values; for a rate series the counts (numerators). */
  value: Float64Array | ReadonlyArray<number>;
  /** For a rate series, the base of each count (e.g. visits): the rate is value ÷ denominator. */
  denominator?: Float64Array | ReadonlyArray<number> | null;
}
"#;

/// The columns a series takes.
const SERIES_KEYS: &[&str] = &["time", "value", "denominator"];

/// Flags the points of a series far from what its trend and seasonality lead to expect
/// (`anomaly.detect`, or `anomaly.esd` with `method: "esd"`), with the band, the scores and the
/// STL decomposition (`anomaly.stl`).
#[wasm_bindgen(js_name = detectAnomalies, unchecked_return_type = "AnomalyResult")]
pub fn detect_anomalies(
    #[wasm_bindgen(unchecked_param_type = "AnomalySeriesColumns")] series: &JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "AnomalyOptions")] options: &JsValue,
) -> JsResult<JsValue> {
    let s = read_series(series)?;
    let o: AnomalyOptions = read(options, "detectAnomalies")?;
    Ok(to_js(&crate::anomaly::detect_anomalies(&s, &o)?))
}

/// The series' columns (extra keys, such as a `kpiSeries` metric's `previous`, are refused so
/// that a misspelt column is not silently ignored).
fn read_series(series: &JsValue) -> crate::Result<AnomalySeries> {
    if !series.is_object() || js_sys::Array::is_array(series) || series.is_function() {
        return Err(bad_option(
            "series",
            format!(
                "expected an object of columns {{ time, value, denominator? }}, found {}",
                type_name(series)
            ),
        ));
    }
    check_keys(series, "detectAnomalies (series)", SERIES_KEYS)?;
    let utc = crate::data::Zone::utc();
    let time = time_column(&required_column(series, "time")?, "time", |cell, row| {
        crate::data::time_value_in(cell, "time", row, &utc, crate::data::dates::DateFormat::Iso)
            .map(|t| t as f64)
    })?;
    let value = f64_column(&required_column(series, "value")?, "value")?;
    let denominator = given_column(series, "denominator")
        .map(|d| f64_column(&d, "denominator"))
        .transpose()?;
    Ok(AnomalySeries {
        time,
        value,
        denominator,
    })
}
