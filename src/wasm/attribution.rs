//! Attribution for JS: the `Journeys` class (from rows, columns, CSV, aggregated paths or the
//! library's transactions), `attribution` and `compareAttribution`. Options and results are the
//! core's types (`crate::attribution`).

use super::convert::{
    bad_option, bad_type, check_keys, csv_bytes, each, ensure_fits, f64_column, for_each_row, get,
    given_column, id_column, required_column, time_column, type_name, Ids, JsResult, OwnedCell,
    TEXT_ENTRY_BYTES,
};
use super::interop::{csv_and_mapping, read, read_with, to_js};
use super::transactions::Transactions;
use crate::attribution::{
    AttributionOptions, ConversionColumns, JourneyMapping, JourneyPaths,
    JourneysFromTransactionsOptions, Model, PathOptions, TouchColumns,
};
use crate::data::{amount_value, time_value_in, Cell, TableOptions, TimeColumn, Zone};
use crate::error::Error;
use js_sys::Array;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_JOURNEYS: &'static str = r#"
/** One touchpoint: a journey (or customer) id, when, and through which channel. */
export interface TouchpointRow {
  journeyId: string | number;
  /** ISO 8601 text, epoch milliseconds or a Date. */
  timestamp: string | number | Date;
  channel: string;
}

/** One conversion of a journey; `value` defaults to 0. */
export interface ConversionRow {
  journeyId: string | number;
  timestamp: string | number | Date;
  value?: number;
}

/** Touchpoints as columns of one length. */
export interface TouchpointColumns {
  journeyId: Uint32Array | ReadonlyArray<string | number>;
  /** Epoch milliseconds, or an array of dates (epoch ms, Date or ISO text). */
  timestamp: Float64Array | ReadonlyArray<string | number | Date>;
  channel: ReadonlyArray<string>;
}

/** Conversions as columns of one length. */
export interface ConversionColumnsInput {
  journeyId: Uint32Array | ReadonlyArray<string | number>;
  timestamp: Float64Array | ReadonlyArray<string | number | Date>;
  value?: Float64Array | ReadonlyArray<number>;
}

/** Which CSV columns hold a touchpoint's fields (`Journeys.fromTransactions` with CSV touchpoints, the spec's `data.touchpoints`). */
export interface TouchpointMapping {
  customerId: string;
  timestamp: string;
  channel: string;
  /** IANA zone of naive times (default: the transactions' zone). */
  timezone?: string;
}

export interface JourneysFromTransactionsOptions {
  /** The columns of touchpoints given as CSV text or bytes. */
  mapping?: TouchpointMapping;
}

/** Touchpoints as rows or columns; for `Journeys.fromTransactions`, `journeyId` is the customer id. */
export type TouchpointsInput = ReadonlyArray<TouchpointRow> | TouchpointColumns;
/** Conversions as rows or columns. */
export type ConversionsInput = ReadonlyArray<ConversionRow> | ConversionColumnsInput;
"#;

/// Journeys: the touchpoints that led (or did not lead) to conversions, as paths.
#[wasm_bindgen]
pub struct Journeys {
    inner: crate::attribution::Journeys,
}

/// A table of events read from JS: journey ids, times and the third column (channel or value).
struct Events<T> {
    ids: Ids,
    times: Vec<f64>,
    third: Option<Vec<T>>,
}

/// How to read the third column of an events table.
struct Third<T> {
    key: &'static str,
    required: bool,
    cell: fn(Cell<'_>, usize) -> crate::Result<T>,
    column: fn(&JsValue) -> crate::Result<Vec<T>>,
}

fn channel_cell(cell: Cell<'_>, row: usize) -> crate::Result<String> {
    match cell {
        Cell::Text(s) => Ok(s.to_string()),
        Cell::Missing => Err(Error::MissingValue {
            column: "channel".into(),
            row,
        }),
        Cell::Number(_) => Err(Error::BadType {
            column: "channel".into(),
            row,
            expected: "a channel name (text)".into(),
            found: "number".into(),
        }),
        Cell::Other(t) => Err(Error::BadType {
            column: "channel".into(),
            row,
            expected: "a channel name (text)".into(),
            found: t.into(),
        }),
    }
}

fn channel_column(value: &JsValue) -> crate::Result<Vec<String>> {
    if !Array::is_array(value) {
        return Err(bad_type("channel", 0, "an array of channel names", value));
    }
    let arr: &Array = value.unchecked_ref();
    ensure_fits("channel", arr.length() as usize, TEXT_ENTRY_BYTES)?;
    each(arr, |row, x| {
        channel_cell(OwnedCell::from_js(&x).cell(), row)
    })
}

fn value_cell(cell: Cell<'_>, row: usize) -> crate::Result<f64> {
    amount_value(cell, "value", row)
}

fn value_column(value: &JsValue) -> crate::Result<Vec<f64>> {
    f64_column(value, "value")
}

const CHANNEL: Third<String> = Third {
    key: "channel",
    required: true,
    cell: channel_cell,
    column: channel_column,
};
const VALUE: Third<f64> = Third {
    key: "value",
    required: false,
    cell: value_cell,
    column: value_column,
};

/// Reads touchpoints or conversions given as an array of rows or an object of columns.
fn read_events<T>(
    value: &JsValue,
    what: &str,
    zone: &Zone,
    third: &Third<T>,
) -> crate::Result<Events<T>> {
    let keys = ["journeyId", "timestamp", third.key];
    let time = |cell: Cell<'_>, row: usize| -> crate::Result<f64> {
        time_value_in(
            cell,
            "timestamp",
            row,
            zone,
            crate::data::dates::DateFormat::Iso,
        )
        .map(|t| t as f64)
    };
    if Array::is_array(value) {
        let arr: &Array = value.unchecked_ref();
        let with_third =
            third.required || (arr.length() > 0 && !get(&arr.get(0), third.key).is_undefined());
        let mut fields = vec![("journeyId", keys[0]), ("timestamp", keys[1])];
        if with_third {
            fields.push((third.key, third.key));
        }
        let (mut ids, mut times, mut rest) = (Vec::new(), Vec::new(), Vec::new());
        for_each_row(value, &fields, |row, cells| {
            let cell = |i: usize| cells.get(i).map_or(Cell::Missing, OwnedCell::cell);
            ids.push(match cell(0) {
                Cell::Text(s) => s.to_string(),
                Cell::Number(x) if x.fract() == 0.0 && x.abs() < 9e15 => format!("{}", x as i64),
                Cell::Missing => {
                    return Err(Error::MissingValue {
                        column: "journeyId".into(),
                        row,
                    })
                }
                Cell::Number(_) | Cell::Other(_) => {
                    return Err(Error::BadType {
                        column: "journeyId".into(),
                        row,
                        expected: "a string or integer id".into(),
                        found: "another value".into(),
                    })
                }
            });
            times.push(time(cell(1), row)?);
            if with_third {
                rest.push((third.cell)(cell(2), row)?);
            }
            Ok(())
        })?;
        return Ok(Events {
            ids: Ids::Text(ids),
            times,
            third: with_third.then_some(rest),
        });
    }
    if !value.is_object() || value.is_function() {
        return Err(bad_option(
            what,
            format!(
                "expected an array of rows {{ {} }} or an object of columns, found {}",
                keys.join(", "),
                type_name(value)
            ),
        ));
    }
    check_keys(value, &format!("Journeys ({what})"), &keys)?;
    let given = |key: &str| given_column(value, key);
    let required = |key: &str| required_column(value, key);
    let ids = id_column(&required("journeyId")?, "journeyId")?;
    let times = time_column(&required("timestamp")?, "timestamp", time)?;
    let third = if third.required {
        Some((third.column)(&required(third.key)?)?)
    } else {
        given(third.key).map(|v| (third.column)(&v)).transpose()?
    };
    Ok(Events { ids, times, third })
}

fn touch_columns(e: &Events<String>) -> TouchColumns<'_> {
    TouchColumns {
        journey_id: e.ids.as_column(),
        timestamp: TimeColumn::EpochMs(&e.times),
        channel: e.third.as_deref().unwrap_or(&[]),
    }
}

/// Touchpoints given as rows `{ journeyId, timestamp, channel }` or columns (as
/// `Journeys.fromTransactions` takes them; `journeyId` is the customer id), naive times read in
/// `zone`, as the table a metric spec evaluates.
pub(super) fn read_touchpoints(
    value: &JsValue,
    zone: &Zone,
) -> crate::Result<crate::attribution::TouchpointTable> {
    let e = read_events(value, "touchpoints", zone, &CHANNEL)?;
    Ok(crate::attribution::TouchpointTable {
        customer_id: match e.ids {
            Ids::Numeric(v) => crate::attribution::CustomerIds::Numeric(v),
            Ids::Text(v) => crate::attribution::CustomerIds::Text(v),
        },
        timestamp: e.times,
        channel: e.third.unwrap_or_default(),
    })
}

fn zone_of(options: &JsValue, function: &str) -> crate::Result<Zone> {
    Ok(read::<TableOptions>(options, function)?.timezone)
}

#[wasm_bindgen]
impl Journeys {
    /// Journeys from touchpoint rows `{ journeyId, timestamp, channel }` and conversion rows
    /// `{ journeyId, timestamp, value? }`; `options.timezone` reads naive text times.
    #[wasm_bindgen(js_name = fromRows)]
    pub fn from_rows(
        #[wasm_bindgen(unchecked_param_type = "ReadonlyArray<TouchpointRow>")]
        touchpoints: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "ReadonlyArray<ConversionRow>")]
        conversions: &JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "TableOptions")] options: &JsValue,
    ) -> JsResult<Journeys> {
        Ok(Self::from_events(
            touchpoints,
            conversions,
            options,
            "Journeys.fromRows",
        )?)
    }

    /// Journeys from touchpoint and conversion columns (typed arrays or arrays).
    #[wasm_bindgen(js_name = fromColumns)]
    pub fn from_columns(
        #[wasm_bindgen(unchecked_param_type = "TouchpointColumns")] touchpoints: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "ConversionColumnsInput")] conversions: &JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "TableOptions")] options: &JsValue,
    ) -> JsResult<Journeys> {
        Ok(Self::from_events(
            touchpoints,
            conversions,
            options,
            "Journeys.fromColumns",
        )?)
    }

    /// Journeys from two CSV texts (touchpoints, conversions) under `mapping`.
    #[wasm_bindgen(js_name = fromCsv)]
    pub fn from_csv(
        #[wasm_bindgen(unchecked_param_type = "string | Uint8Array")] touchpoints: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "string | Uint8Array")] conversions: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "JourneyMapping")] mapping: &JsValue,
    ) -> JsResult<Journeys> {
        let m: JourneyMapping = read(mapping, "Journeys.fromCsv (mapping)")?;
        let inner = crate::attribution::Journeys::from_csv(
            &csv_bytes(touchpoints)?,
            &csv_bytes(conversions)?,
            &m,
        )?;
        Ok(Journeys { inner })
    }

    /// Journeys from aggregated paths as ChannelAttribution takes them:
    /// `{ path: ["search > email", …], conversions, value?, nulls? }`.
    #[wasm_bindgen(js_name = fromPaths)]
    pub fn from_paths(
        #[wasm_bindgen(unchecked_param_type = "JourneyPaths")] paths: &JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "PathOptions")] options: &JsValue,
    ) -> JsResult<Journeys> {
        let cols: JourneyPaths = read(paths, "Journeys.fromPaths (paths)")?;
        let opts: PathOptions = read(options, "Journeys.fromPaths")?;
        let inner = crate::attribution::Journeys::from_paths(&cols, &opts)?;
        Ok(Journeys { inner })
    }

    /// Journeys from touchpoints of customers and the library's transactions: each purchase is a
    /// conversion credited to the customer's touches within `lookbackDays` before it. The
    /// touchpoints are rows or columns (`journeyId` = customer id), or CSV text or bytes whose
    /// columns `options.mapping` names (`{ customerId, timestamp, channel, timezone? }`; naive
    /// times in the transactions' zone unless it names one).
    #[wasm_bindgen(js_name = fromTransactions)]
    pub fn from_transactions(
        #[wasm_bindgen(unchecked_param_type = "TouchpointsInput | string | Uint8Array")]
        touchpoints: &JsValue,
        tx: &Transactions,
        #[wasm_bindgen(unchecked_optional_param_type = "JourneysFromTransactionsOptions")]
        options: &JsValue,
    ) -> JsResult<Journeys> {
        let opts: JourneysFromTransactionsOptions =
            read_with(options, "Journeys.fromTransactions", &["mapping"])?;
        let zone = tx.core().timezone();
        let csv = csv_and_mapping(
            touchpoints,
            options,
            "Journeys.fromTransactions",
            (
                "customerId, timestamp, channel, timezone?",
                "rows and columns of touchpoints use journeyId, timestamp and channel",
            ),
            zone,
            |m: &mut crate::attribution::TouchpointMapping| &mut m.timezone,
        )?;
        let table = match csv {
            Some((bytes, m)) => crate::attribution::TouchpointTable::from_csv(&bytes, &m)?,
            None => read_touchpoints(touchpoints, zone)?,
        };
        let inner =
            crate::attribution::Journeys::from_transactions(table.view(), tx.core(), &opts)?;
        Ok(Journeys { inner })
    }

    /// Channel names, sorted.
    #[wasm_bindgen(getter, unchecked_return_type = "string[]")]
    pub fn channels(&self) -> JsValue {
        to_js(self.inner.channels())
    }

    /// Number of paths (one per conversion and per non-converting journey end; one per row of
    /// aggregated paths).
    #[wasm_bindgen(getter, js_name = pathCount)]
    pub fn path_count(&self) -> u32 {
        self.inner.path_count() as u32
    }

    /// Number of touches.
    #[wasm_bindgen(getter, js_name = touchCount)]
    pub fn touch_count(&self) -> u32 {
        self.inner.touch_count() as u32
    }

    /// Total conversions.
    #[wasm_bindgen(getter, js_name = totalConversions)]
    pub fn total_conversions(&self) -> f64 {
        self.inner.total_conversions()
    }

    /// Total conversion value.
    #[wasm_bindgen(getter, js_name = totalValue)]
    pub fn total_value(&self) -> f64 {
        self.inner.total_value()
    }

    /// Non-converting journey ends.
    #[wasm_bindgen(getter, js_name = totalNulls)]
    pub fn total_nulls(&self) -> f64 {
        self.inner.total_nulls()
    }

    /// True when touches carry times (needed by time decay).
    #[wasm_bindgen(getter, js_name = hasTimes)]
    pub fn has_times(&self) -> bool {
        self.inner.has_times()
    }

    /// Purchases `fromTransactions` could not credit (no touch in the lookback window).
    #[wasm_bindgen(getter, unchecked_return_type = "Unattributed")]
    pub fn unattributed(&self) -> JsValue {
        to_js(&self.inner.unattributed())
    }
}

impl Journeys {
    #[cfg(feature = "arrow")]
    pub(crate) fn wrap(inner: crate::attribution::Journeys) -> Journeys {
        Journeys { inner }
    }

    fn from_events(
        touchpoints: &JsValue,
        conversions: &JsValue,
        options: &JsValue,
        function: &str,
    ) -> crate::Result<Journeys> {
        let zone = zone_of(options, function)?;
        let t = read_events(touchpoints, "touchpoints", &zone, &CHANNEL)?;
        let c = read_events(conversions, "conversions", &zone, &VALUE)?;
        let inner = crate::attribution::Journeys::from_events(
            touch_columns(&t),
            ConversionColumns {
                journey_id: c.ids.as_column(),
                timestamp: TimeColumn::EpochMs(&c.times),
                value: c.third.as_deref(),
            },
            &zone,
        )?;
        Ok(Journeys { inner })
    }
}

/// Runs the attribution models (`options.models`, default every model the journeys allow) on
/// `journeys`: per model the conversions and value credited to each channel, with the Markov
/// chain and its removal effects.
#[wasm_bindgen(unchecked_return_type = "AttributionResult")]
pub fn attribution(
    journeys: &Journeys,
    #[wasm_bindgen(unchecked_optional_param_type = "AttributionOptions")] options: &JsValue,
) -> JsResult<JsValue> {
    let opts: AttributionOptions = read(options, "attribution")?;
    Ok(to_js(&crate::attribution::attribution(
        &journeys.inner,
        &opts,
    )?))
}

/// Compares the conversions two models of an attribution result credit to each channel, in
/// plain words ("Last touch credits search with 38 % more conversions than Markov").
#[wasm_bindgen(js_name = compareAttribution, unchecked_return_type = "AttributionComparison")]
pub fn compare_attribution(
    #[wasm_bindgen(unchecked_param_type = "AttributionResult")] result: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "AttributionModel")] a: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "AttributionModel")] b: &JsValue,
) -> JsResult<JsValue> {
    let model = |v: &JsValue, option: &str| -> crate::Result<Model> {
        let name = v.as_string().ok_or_else(|| {
            bad_option(
                option,
                format!("expected a model name, found {}", type_name(v)),
            )
        })?;
        Model::parse(&name).map_err(|e| match e {
            Error::BadOption { message, .. } => bad_option(option, message),
            e => e,
        })
    };
    let (ma, mb) = (model(a, "a")?, model(b, "b")?);
    if !result.is_object() {
        return Err(bad_option(
            "result",
            format!(
                "expected an attribution result, found {}",
                type_name(result)
            ),
        )
        .into());
    }
    let names: Vec<String> = read_names(&get(result, "channels"))?;
    let models = get(result, "models");
    let conversions = |m: Model| -> crate::Result<Vec<f64>> {
        let entry = if models.is_object() {
            get(&models, m.name())
        } else {
            JsValue::UNDEFINED
        };
        if !entry.is_object() {
            return Err(bad_option(
                "result",
                format!("model '{}' is not in the attribution result", m.name()),
            ));
        }
        let column = format!("models.{}.conversions", m.name());
        let c = f64_column(&get(&entry, "conversions"), &column)?;
        for (i, &x) in c.iter().enumerate() {
            crate::error::check_number(x, &column, i + 1)?;
        }
        if c.len() != names.len() {
            return Err(Error::LengthMismatch {
                column,
                actual: c.len(),
                reference: "channels".into(),
                expected: names.len(),
            });
        }
        Ok(c)
    };
    let (ca, cb) = (conversions(ma)?, conversions(mb)?);
    Ok(to_js(&crate::attribution::compare_credits(
        &names,
        (ma, &ca),
        (mb, &cb),
    )))
}

fn read_names(v: &JsValue) -> crate::Result<Vec<String>> {
    read_texts(v, "result", "channels", "a channel name")
}

/// Reads the result's array of texts `column` (`option` named when it is not an array).
fn read_texts(
    v: &JsValue,
    option: &str,
    column: &str,
    expected: &str,
) -> crate::Result<Vec<String>> {
    if !Array::is_array(v) {
        return Err(bad_option(
            option,
            format!(
                "expected the result's {column} (an array of names), found {}",
                type_name(v)
            ),
        ));
    }
    let arr: &Array = v.unchecked_ref();
    each(arr, |row, x| {
        x.as_string().ok_or_else(|| Error::BadType {
            column: column.into(),
            row,
            expected: expected.into(),
            found: type_name(&x).into(),
        })
    })
}

/// A column of indices (a Uint32Array, or numbers; anything else becomes `u32::MAX`, refused
/// later as out of range).
fn index_column(v: &JsValue, column: &str) -> crate::Result<Vec<u32>> {
    if let Some(a) = v.dyn_ref::<js_sys::Uint32Array>() {
        return Ok(a.to_vec());
    }
    Ok(f64_column(v, column)?
        .into_iter()
        .map(|x| {
            if x >= 0.0 && x.fract() == 0.0 && x < 4e9 {
                x as u32
            } else {
                u32::MAX
            }
        })
        .collect())
}

#[wasm_bindgen(typescript_custom_section)]
const TS_CAC_ATTRIBUTED: &'static str = r#"
export interface CacOptions {
  /** An `attribution` result computed with `credits: true` on journeys from first purchases (`Journeys.fromTransactions`): the paid and channel rows then count each channel's new customers by its credit (`cac.attributed`). */
  attribution?: AttributionResult;
  /** The model of `attribution` whose credits count (required with `attribution`). */
  model?: AttributionModel;
}

export interface PaybackOptions {
  /** An `attribution` result computed with `credits: true` on journeys from first purchases (`Journeys.fromTransactions`, journey ids = customer ids): each customer then counts in a channel's cohort at that channel's credit (the rest as `unknown`), and the channel CAC is `cac.attributed`'s. */
  attribution?: AttributionResult;
  /** The model of `attribution` whose credits count (required with `attribution`). */
  model?: AttributionModel;
}

export interface LtvCacOptions {
  /** An `attribution` result computed with `credits: true` on journeys from first purchases (`Journeys.fromTransactions`, journey ids = customer ids): a channel's LTV weights each customer by that channel's credit, and the channel CAC is `cac.attributed`'s. */
  attribution?: AttributionResult;
  /** The model of `attribution` whose credits count (required with `attribution`). */
  model?: AttributionModel;
}
"#;

/// The `attribution` and `model` options of `cac`, `cacPayback` and `ltvToCac`: the model's
/// per-conversion credits, read from the JS result (`None` when `attribution` is not given);
/// with `customers`, each credit's customer too (the result's `journeys` named by the credits'
/// `journey`), which payback and LTV:CAC need.
pub(super) fn attributed_option(
    options: &JsValue,
    customers: bool,
) -> crate::Result<Option<crate::cac::AttributedAcquisitions>> {
    if options.is_undefined() || options.is_null() {
        return Ok(None);
    }
    let result = get(options, "attribution");
    let model = get(options, "model");
    if result.is_undefined() || result.is_null() {
        if !model.is_undefined() && !model.is_null() {
            return Err(bad_option(
                "model",
                "names a model of the `attribution` option, which is not given",
            ));
        }
        return Ok(None);
    }
    let name = model.as_string().ok_or_else(|| {
        bad_option(
            "model",
            format!(
                "required with `attribution`: the model whose credits count, found {}",
                type_name(&model)
            ),
        )
    })?;
    let model = Model::parse(&name).map_err(|e| match e {
        Error::BadOption { message, .. } => bad_option("model", message),
        e => e,
    })?;
    if !result.is_object() {
        return Err(bad_option(
            "attribution",
            format!(
                "expected an attribution result, found {}",
                type_name(&result)
            ),
        ));
    }
    let entry = get(&get(&result, "models"), model.name());
    if !entry.is_object() {
        return Err(bad_option(
            "attribution",
            format!("model '{}' is not in the attribution result", model.name()),
        ));
    }
    let credits = get(&entry, "credits");
    if !credits.is_object() {
        return Err(bad_option(
            "attribution",
            "the attribution result has no per-conversion credits: run attribution with credits: true",
        ));
    }
    let time = get(&credits, "time");
    if time.is_null() || time.is_undefined() {
        return Err(bad_option(
            "attribution",
            "the attribution's journeys have no times (aggregated paths): build them with Journeys.fromTransactions",
        ));
    }
    let channel = index_column(&get(&credits, "channel"), "attribution credits.channel")?;
    let customer = if customers {
        let journeys = read_texts(
            &get(&result, "journeys"),
            "attribution",
            "journeys",
            "a journey id",
        )?;
        let journey = index_column(&get(&credits, "journey"), "attribution credits.journey")?;
        crate::cac::AttributedAcquisitions::customers_of(&journey, &journeys)?
    } else {
        Vec::new()
    };
    Ok(Some(crate::cac::AttributedAcquisitions {
        model: model.name().into(),
        channels: read_names(&get(&entry, "channels"))?,
        time: f64_column(&time, "attribution credits.time")?,
        channel,
        weight: f64_column(&get(&credits, "weight"), "attribution credits.weight")?,
        customer,
    }))
}
