//! Anomaly flags for JS: `detectAnomalies(series, options)` on any series — a `kpiSeries`
//! metric or the caller's columns — and `explainAnomaly(transactions, options)`, which shares a
//! bucket's gap out over a dimension's values.

use super::convert::{
    bad_option, check_keys, f64_column, given_column, required_column, time_column, type_name,
    JsResult,
};
use super::interop::{read, read_with, to_js};
use super::transactions::Transactions;
use crate::anomaly::explain::ExplainTarget;
use crate::anomaly::{AnomalyOptions, AnomalySeries};
use crate::glossary::field_names;
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
/**
 * Options of `explainAnomaly`: what to explain (`metric`, `at`, `by`, the series' buckets and
 * range, the action log), the detection's options, and traffic for `traffic.conversion_rate`.
 */
export type ExplainAnomalyOptions = ExplainTarget &
  AnomalyOptions &
  Pick<KpiSeriesOptions, "traffic" | "trafficMapping">;
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

/// Explains the bucket of `at` in series `metric` (default `revenue.net`): its observed and
/// expected value and band from `detectAnomalies` on the whole series, each value of dimension
/// `by` with its part of the gap (largest share first), the action log's notes in the bucket and
/// a sentence ("Revenue on 3 Nov 2025 is 31 % below expected (band −12 % to +11 %); email
/// accounts for 80 % of the gap.").
#[wasm_bindgen(js_name = explainAnomaly, unchecked_return_type = "AnomalyExplanation")]
pub fn explain_anomaly(
    transactions: &Transactions,
    #[wasm_bindgen(unchecked_param_type = "ExplainAnomalyOptions")] options: &JsValue,
) -> JsResult<JsValue> {
    const TRAFFIC: [&str; 2] = ["traffic", "trafficMapping"];
    let detection_keys = field_names::<AnomalyOptions>();
    let target_keys = field_names::<ExplainTarget>();
    let target: ExplainTarget = read_with(
        options,
        "explainAnomaly",
        &[detection_keys, &TRAFFIC[..]].concat(),
    )?;
    let detection: AnomalyOptions = read_with(
        options,
        "explainAnomaly",
        &[target_keys, &TRAFFIC[..]].concat(),
    )?;
    let tx = transactions.core();
    let traffic = if options.is_object() {
        super::kpi_series::read_traffic(options, tx.timezone())?
    } else {
        None
    };
    Ok(to_js(&crate::anomaly::explain::explain_anomaly(
        tx,
        traffic.as_ref(),
        &target,
        &detection,
    )?))
}
