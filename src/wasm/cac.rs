//! Marketing spend, CAC, payback and LTV:CAC for JS.

use super::convert::{
    check_keys, column_names, csv_bytes, ensure_fits, f64_column, for_each_row, get, id_column, js,
    options_object, period_option, row_count, to_js, type_name, Ids, JsResult, OwnedCell,
};
use crate::cac::{AcquisitionTable, CacOptions, LtvSource, PaybackOptions};
use crate::data::spend::{SpendBuilder, SpendMapping};
use crate::data::{Cell, Period};
use crate::error::Error;
use js_sys::Array;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_CAC: &'static str = r#"
/** Which column holds each spend field (rows and CSV). */
export interface SpendMapping {
  date: string;
  channel: string;
  amount: string;
  /** Column with "paid", "owned" or "organic". Needed for paid CAC. */
  channelType?: string;
}

/** Typed columns for `Spend.fromColumns`; all of equal length. */
export interface SpendColumnsInput {
  /** Epoch milliseconds, Dates or ISO-8601 strings; each row counts in the period containing it. */
  date: Float64Array | ReadonlyArray<number | Date | string>;
  channel: ReadonlyArray<string>;
  amount: Float64Array | ReadonlyArray<number>;
  channelType?: ReadonlyArray<"paid" | "owned" | "organic" | null>;
}

/** An explicit acquisition channel per customer (overrides the transactions' channel column). */
export interface AcquisitionChannels {
  customerId: Uint32Array | ReadonlyArray<string | number>;
  channel: ReadonlyArray<string>;
}

/** Options of `cac()`. */
export interface CacOptions {
  /** Default "month". */
  period?: Period;
  /** Spend in period t is set against customers acquired in t..t+L. Default 0. */
  attributionLag?: number;
  acquisitionChannels?: AcquisitionChannels;
}

export type ChannelType = "paid" | "owned" | "organic";

/** One row of the CAC table. `value` is null when undefined, with the reason. */
export interface CacRow {
  period: number;
  periodStart: number;
  variant: "blended" | "paid" | "channel";
  channel: string | null;
  channelType: ChannelType | null;
  spend: number;
  newCustomers: number;
  value: number | null;
  reason: string | null;
  complete: boolean;
  definition: DefinitionRef;
}

export interface CacTable {
  rows: CacRow[];
  warnings: string[];
}

/** Options of `cacPayback()` and `ltvToCac()`. */
export interface PaybackOptions {
  /** Gross margin rate in (0, 1]. Default 1 (payback on revenue). */
  grossMargin?: number;
  /** In months. Default 0. */
  attributionLag?: number;
  acquisitionChannels?: AcquisitionChannels;
}

export interface PaybackRow {
  cohort: number;
  cohortStart: number;
  channel: string | null;
  customers: number;
  cac: number | null;
  monthsObserved: number;
  /** Cumulative gross margin per acquired customer at months 0..monthsObserved after acquisition. */
  curve: number[];
  paybackMonths: number | null;
  status: "paid_back" | "not_yet" | "no_cac";
  note: string;
  definition: DefinitionRef;
}

export interface SimplePayback {
  channel: string | null;
  cac: number | null;
  monthlyRevenuePerCustomer: number;
  value: number | null;
  reason: string | null;
  definition: DefinitionRef;
}

export interface PaybackTable {
  cohorts: PaybackRow[];
  simple: SimplePayback[];
  warnings: string[];
}

/** A per-customer LTV column supplied by the caller (e.g. predictive CLV), with its metric id. */
export interface LtvColumn {
  customerId: Uint32Array | ReadonlyArray<string | number>;
  value: Float64Array | ReadonlyArray<number>;
  metric: string;
}

export interface LtvCacOptions extends PaybackOptions {
  /** Default "historical": realised gross margin per acquired customer to date. */
  ltv?: "historical" | LtvColumn;
}

export interface LtvCacRow {
  cohort: number | null;
  channel: string | null;
  customers: number;
  ltv: number;
  cac: number | null;
  value: number | null;
  reason: string | null;
  definition: DefinitionRef;
}

export interface LtvCacTable {
  rows: LtvCacRow[];
  warnings: string[];
}
"#;

const SPEND_KEYS: &[&str] = &["date", "channel", "amount", "channelType"];

/// Reads a spend mapping object (`{ date, channel, amount, channelType? }`).
pub fn spend_mapping(value: &JsValue) -> crate::Result<SpendMapping> {
    let mut names = column_names(
        value,
        "{ date: \"month\", channel: \"channel\", amount: \"spend\" }",
        &SPEND_KEYS[..3],
        &SPEND_KEYS[3..],
    )?
    .into_iter();
    let mut next = || names.next().flatten();
    Ok(SpendMapping {
        date: next().unwrap_or_default(),
        channel: next().unwrap_or_default(),
        amount: next().unwrap_or_default(),
        channel_type: next(),
    })
}

/// Marketing spend (date, channel, amount, optional channel type), held in WebAssembly memory.
#[wasm_bindgen]
pub struct Spend {
    inner: crate::data::spend::Spend,
}

impl Spend {
    pub(crate) fn wrap(inner: crate::data::spend::Spend) -> Self {
        Spend { inner }
    }
}

#[wasm_bindgen]
impl Spend {
    /// Builds spend from CSV text (a string or UTF-8 bytes).
    #[wasm_bindgen(js_name = fromCsv)]
    pub fn from_csv(
        #[wasm_bindgen(unchecked_param_type = "string | Uint8Array")] text: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "SpendMapping")] mapping: &JsValue,
    ) -> JsResult<Spend> {
        let m = js(spend_mapping(mapping))?;
        let bytes = js(csv_bytes(text))?;
        js(crate::data::spend::Spend::from_csv(&bytes, &m)).map(Spend::wrap)
    }

    /// Builds spend from an array of row objects.
    #[wasm_bindgen(js_name = fromRows)]
    pub fn from_rows(
        #[wasm_bindgen(unchecked_param_type = "ReadonlyArray<Record<string, unknown>>")]
        rows: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "SpendMapping")] mapping: &JsValue,
    ) -> JsResult<Spend> {
        js(spend_from_rows(rows, mapping)).map(Spend::wrap)
    }

    /// Builds spend from typed columns.
    #[wasm_bindgen(js_name = fromColumns)]
    pub fn from_columns(
        #[wasm_bindgen(unchecked_param_type = "SpendColumnsInput")] columns: &JsValue,
    ) -> JsResult<Spend> {
        js(spend_from_columns(columns)).map(Spend::wrap)
    }

    /// Number of spend rows.
    #[wasm_bindgen(getter)]
    pub fn length(&self) -> u32 {
        self.inner.len() as u32
    }

    /// Channel names in first-appearance order.
    #[wasm_bindgen(getter, unchecked_return_type = "string[]")]
    pub fn channels(&self) -> Array {
        self.inner
            .channel_names()
            .iter()
            .map(|s| JsValue::from_str(s))
            .collect()
    }

    /// Total amount spent.
    #[wasm_bindgen(getter)]
    pub fn total(&self) -> f64 {
        self.inner.total()
    }
}

fn spend_from_rows(rows: &JsValue, mapping: &JsValue) -> crate::Result<crate::data::spend::Spend> {
    let m = spend_mapping(mapping)?;
    let mut fields = vec![
        ("date", m.date.as_str()),
        ("channel", m.channel.as_str()),
        ("amount", m.amount.as_str()),
    ];
    if let Some(k) = &m.channel_type {
        fields.push(("channelType", k.as_str()));
    }
    let mut b = SpendBuilder::new(&m);
    b.reserve(row_count(rows)?)?;
    for_each_row(rows, &fields, |row, cells| {
        let cell = |i: usize| cells.get(i).map_or(Cell::Missing, OwnedCell::cell);
        b.push(row, cell(0), cell(1), cell(2), cell(3))
    })?;
    b.finish()
}

/// Bytes per spend date read from JS: its cell and the date the spend row keeps (epoch ms).
const DATE_ENTRY_BYTES: usize = core::mem::size_of::<OwnedCell>() + 8;
/// Bytes per channel or channel type read from JS: its cell and the row's channel number, before
/// the text itself.
const CHANNEL_ENTRY_BYTES: usize = core::mem::size_of::<OwnedCell>() + 4;

fn spend_from_columns(columns: &JsValue) -> crate::Result<crate::data::spend::Spend> {
    if !columns.is_object() || Array::is_array(columns) {
        return Err(Error::BadOption {
            option: "columns".into(),
            message: format!(
                "expected an object of columns, found {}",
                type_name(columns)
            ),
        });
    }
    check_keys(columns, "Spend.fromColumns", SPEND_KEYS)?;
    let m = SpendMapping {
        date: "date".into(),
        channel: "channel".into(),
        amount: "amount".into(),
        channel_type: (!get(columns, "channelType").is_undefined())
            .then(|| "channelType".to_string()),
    };
    let amount = f64_column(&get(columns, "amount"), "amount")?;
    let dates = get(columns, "date");
    let date_cells: Vec<OwnedCell> = if let Some(a) = dates.dyn_ref::<js_sys::Float64Array>() {
        // The copy of the epoch ms beside the cells made from it.
        ensure_fits("date", a.length() as usize, 8 + DATE_ENTRY_BYTES)?;
        a.to_vec().into_iter().map(OwnedCell::Number).collect()
    } else if Array::is_array(&dates) {
        let arr: &Array = dates.unchecked_ref();
        ensure_fits("date", arr.length() as usize, DATE_ENTRY_BYTES)?;
        arr.iter().map(|v| OwnedCell::from_js(&v)).collect()
    } else {
        return Err(Error::BadType {
            column: "date".into(),
            row: 0,
            expected: "a Float64Array or an array of dates".into(),
            found: type_name(&dates).into(),
        });
    };
    let text_column = |key: &str| -> crate::Result<Vec<OwnedCell>> {
        let v = get(columns, key);
        if !Array::is_array(&v) {
            return Err(Error::BadType {
                column: key.into(),
                row: 0,
                expected: "an array of strings".into(),
                found: type_name(&v).into(),
            });
        }
        let arr: &Array = v.unchecked_ref();
        ensure_fits(key, arr.length() as usize, CHANNEL_ENTRY_BYTES)?;
        Ok(arr.iter().map(|x| OwnedCell::from_js(&x)).collect())
    };
    let channel = text_column("channel")?;
    let kinds = match &m.channel_type {
        Some(_) => Some(text_column("channelType")?),
        None => None,
    };
    let n = amount.len();
    for (name, len) in [
        ("date", date_cells.len()),
        ("channel", channel.len()),
        ("channelType", kinds.as_ref().map_or(n, Vec::len)),
    ] {
        if len != n {
            return Err(Error::LengthMismatch {
                column: name.into(),
                actual: len,
                reference: "amount".into(),
                expected: n,
            });
        }
    }
    let mut b = SpendBuilder::new(&m);
    b.reserve(n)?;
    for i in 0..n {
        let kind = kinds
            .as_ref()
            .and_then(|k| k.get(i))
            .map_or(Cell::Missing, OwnedCell::cell);
        b.push(
            i + 1,
            date_cells[i].cell(),
            channel[i].cell(),
            Cell::Number(amount[i]),
            kind,
        )?;
    }
    b.finish()
}

fn lag_option(value: &JsValue) -> crate::Result<u32> {
    let v = get(value, "attributionLag");
    if v.is_undefined() || v.is_null() {
        return Ok(0);
    }
    match v.as_f64() {
        Some(x) if x.fract() == 0.0 && (0.0..=1000.0).contains(&x) => Ok(x as u32),
        _ => Err(Error::BadOption {
            option: "attributionLag".into(),
            message: format!(
                "expected a whole number of periods from 0 to 1000, found {}",
                describe(&v)
            ),
        }),
    }
}

fn describe(v: &JsValue) -> String {
    v.as_f64()
        .map_or_else(|| type_name(v).to_string(), |x| x.to_string())
}

fn acquisition_option(value: &JsValue) -> crate::Result<Option<AcquisitionTable>> {
    let v = get(value, "acquisitionChannels");
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    if !v.is_object() || Array::is_array(&v) {
        return Err(Error::BadOption {
            option: "acquisitionChannels".into(),
            message: format!(
                "expected {{ customerId, channel }}, found {}",
                type_name(&v)
            ),
        });
    }
    check_keys(&v, "acquisitionChannels", &["customerId", "channel"])?;
    let customer_id = Ids::into_text(id_column(
        &get(&v, "customerId"),
        "acquisitionChannels.customerId",
    )?);
    let channel = Ids::into_text(id_column(
        &get(&v, "channel"),
        "acquisitionChannels.channel",
    )?);
    Ok(Some(AcquisitionTable {
        customer_id,
        channel,
    }))
}

fn object_or_default(value: &JsValue, function: &str, known: &[&str]) -> crate::Result<bool> {
    Ok(options_object(value, function, known)?.is_some())
}

fn cac_options(value: &JsValue) -> crate::Result<CacOptions> {
    if !object_or_default(
        value,
        "cac",
        &["period", "attributionLag", "acquisitionChannels"],
    )? {
        return Ok(CacOptions::default());
    }
    let period = period_option(value, Period::Month)?;
    Ok(CacOptions {
        period,
        attribution_lag: lag_option(value)?,
        acquisition: acquisition_option(value)?,
    })
}

fn payback_options(
    value: &JsValue,
    function: &str,
    extra: &[&str],
) -> crate::Result<PaybackOptions> {
    let mut known = vec!["grossMargin", "attributionLag", "acquisitionChannels"];
    known.extend_from_slice(extra);
    if !object_or_default(value, function, &known)? {
        return Ok(PaybackOptions::default());
    }
    let m = get(value, "grossMargin");
    let margin = if m.is_undefined() || m.is_null() {
        1.0
    } else {
        m.as_f64().ok_or_else(|| Error::BadOption {
            option: "grossMargin".into(),
            message: format!("expected a number in (0, 1], found {}", type_name(&m)),
        })?
    };
    Ok(PaybackOptions {
        margin,
        attribution_lag: lag_option(value)?,
        acquisition: acquisition_option(value)?,
    })
}

fn ltv_option(value: &JsValue) -> crate::Result<LtvSource> {
    let v = if value.is_object() {
        get(value, "ltv")
    } else {
        JsValue::UNDEFINED
    };
    if v.is_undefined() || v.is_null() || v.as_string().as_deref() == Some("historical") {
        return Ok(LtvSource::Historical);
    }
    if !v.is_object() || Array::is_array(&v) {
        return Err(Error::BadOption {
            option: "ltv".into(),
            message: format!(
                "expected \"historical\" or {{ customerId, value, metric }}, found {}",
                describe(&v)
            ),
        });
    }
    check_keys(&v, "ltv", &["customerId", "value", "metric"])?;
    let metric = get(&v, "metric")
        .as_string()
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| Error::BadOption {
            option: "ltv.metric".into(),
            message: "name the metric the values come from, e.g. \"ltv.clv\"".into(),
        })?;
    Ok(LtvSource::PerCustomer {
        customer_id: Ids::into_text(id_column(&get(&v, "customerId"), "ltv.customerId")?),
        value: f64_column(&get(&v, "value"), "ltv.value")?,
        metric,
    })
}

/// Blended, paid and channel CAC per period.
#[wasm_bindgen(unchecked_return_type = "CacTable")]
pub fn cac(
    spend: &Spend,
    transactions: &super::transactions::Transactions,
    #[wasm_bindgen(unchecked_optional_param_type = "CacOptions")] options: &JsValue,
) -> JsResult<JsValue> {
    let opts = js(cac_options(options))?;
    js(crate::cac::cac(&spend.inner, transactions.core(), &opts)).map(|t| to_js(&t))
}

/// CAC payback per monthly cohort (observed curve) and the textbook payback per channel.
#[wasm_bindgen(js_name = cacPayback, unchecked_return_type = "PaybackTable")]
pub fn cac_payback(
    spend: &Spend,
    transactions: &super::transactions::Transactions,
    #[wasm_bindgen(unchecked_optional_param_type = "PaybackOptions")] options: &JsValue,
) -> JsResult<JsValue> {
    let opts = js(payback_options(options, "cacPayback", &[]))?;
    js(crate::cac::cac_payback(
        &spend.inner,
        transactions.core(),
        &opts,
    ))
    .map(|t| to_js(&t))
}

/// LTV:CAC per channel over the whole window and per monthly cohort.
#[wasm_bindgen(js_name = ltvToCac, unchecked_return_type = "LtvCacTable")]
pub fn ltv_to_cac(
    spend: &Spend,
    transactions: &super::transactions::Transactions,
    #[wasm_bindgen(unchecked_optional_param_type = "LtvCacOptions")] options: &JsValue,
) -> JsResult<JsValue> {
    let opts = js(payback_options(options, "ltvToCac", &["ltv"]))?;
    let ltv = js(ltv_option(options))?;
    js(crate::cac::ltv_to_cac(
        &spend.inner,
        transactions.core(),
        &opts,
        &ltv,
    ))
    .map(|t| to_js(&t))
}
