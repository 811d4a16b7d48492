//! Marketing spend, CAC, payback and LTV:CAC for JS.

use super::convert::{
    bad_option, bad_type, check_keys, csv_bytes, ensure_fits, f64_column, for_each_row, get,
    id_column, row_count, type_name, JsResult, OwnedCell,
};
use super::interop::{read, read_with, to_js};
use crate::cac::{AcquisitionTable, CacOptions, LtvCacOptions, LtvSource, PaybackOptions};
use crate::data::spend::{SpendBuilder, SpendMapping};
use crate::data::Cell;
use crate::error::Error;
use js_sys::Array;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_CAC: &'static str = r#"
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

/** A per-customer LTV column supplied by the caller (e.g. predictive CLV), with its metric id. */
export interface LtvColumn {
  customerId: Uint32Array | ReadonlyArray<string | number>;
  value: Float64Array | ReadonlyArray<number>;
  metric: string;
}
"#;

const SPEND_KEYS: &[&str] = &["date", "channel", "amount", "channelType"];

/// Marketing spend (date, channel, amount, optional channel type), held in WebAssembly memory.
#[wasm_bindgen]
pub struct Spend {
    inner: std::rc::Rc<crate::data::spend::Spend>,
    id: u32,
}

impl Spend {
    pub(crate) fn wrap(inner: crate::data::spend::Spend) -> Self {
        let inner = std::rc::Rc::new(inner);
        let id = super::tables::register_spend(&inner);
        Spend { inner, id }
    }
}

#[wasm_bindgen]
impl Spend {
    /// The table's handle for `MetricSpec.evaluate` (internal).
    #[wasm_bindgen(getter, js_name = __unimetricTable, skip_typescript)]
    pub fn table_handle(&self) -> u32 {
        self.id
    }

    /// The fingerprint of the validated rows (`xxh3-128:` and 32 hex digits).
    #[wasm_bindgen(getter)]
    pub fn fingerprint(&self) -> String {
        self.inner.fingerprint()
    }

    /// Builds spend from CSV text (a string or UTF-8 bytes).
    #[wasm_bindgen(js_name = fromCsv)]
    pub fn from_csv(
        #[wasm_bindgen(unchecked_param_type = "string | Uint8Array")] text: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "SpendMapping")] mapping: &JsValue,
    ) -> JsResult<Spend> {
        let m: SpendMapping = read(mapping, "mapping")?;
        let bytes = csv_bytes(text)?;
        Ok(Spend::wrap(crate::data::spend::Spend::from_csv(
            &bytes, &m,
        )?))
    }

    /// Builds spend from an array of row objects.
    #[wasm_bindgen(js_name = fromRows)]
    pub fn from_rows(
        #[wasm_bindgen(unchecked_param_type = "ReadonlyArray<Record<string, unknown>>")]
        rows: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "SpendMapping")] mapping: &JsValue,
    ) -> JsResult<Spend> {
        Ok(Spend::wrap(spend_from_rows(rows, mapping)?))
    }

    /// Builds spend from typed columns.
    #[wasm_bindgen(js_name = fromColumns)]
    pub fn from_columns(
        #[wasm_bindgen(unchecked_param_type = "SpendColumnsInput")] columns: &JsValue,
    ) -> JsResult<Spend> {
        Ok(Spend::wrap(spend_from_columns(columns)?))
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

pub(crate) fn spend_from_rows(
    rows: &JsValue,
    mapping: &JsValue,
) -> crate::Result<crate::data::spend::Spend> {
    let m: SpendMapping = read(mapping, "mapping")?;
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
        let found = type_name(columns);
        return Err(bad_option(
            "columns",
            format!("expected an object of columns, found {found}"),
        ));
    }
    check_keys(columns, "Spend.fromColumns", SPEND_KEYS)?;
    let m = SpendMapping {
        date: "date".into(),
        channel: "channel".into(),
        amount: "amount".into(),
        channel_type: (!get(columns, "channelType").is_undefined()).then(|| "channelType".into()),
        timezone: Default::default(),
    };
    let amount = f64_column(&get(columns, "amount"), "amount")?;
    let dates = get(columns, "date");
    let date_cells: Vec<OwnedCell> = if let Some(a) = dates.dyn_ref::<js_sys::Float64Array>() {
        // The copy of the epoch ms beside the cells made from it.
        ensure_fits("date", a.length() as usize, 8 + DATE_ENTRY_BYTES)?;
        a.to_vec().into_iter().map(OwnedCell::Number).collect()
    } else {
        let expected = "a Float64Array or an array of dates";
        let arr: &Array = dates
            .dyn_ref()
            .ok_or_else(|| bad_type("date", 0, expected, &dates))?;
        ensure_fits("date", arr.length() as usize, DATE_ENTRY_BYTES)?;
        arr.iter().map(|v| OwnedCell::from_js(&v)).collect()
    };
    let text_column = |key: &str| -> crate::Result<Vec<OwnedCell>> {
        let v = get(columns, key);
        let arr: &Array = v
            .dyn_ref()
            .ok_or_else(|| bad_type(key, 0, "an array of strings", &v))?;
        ensure_fits(key, arr.length() as usize, CHANNEL_ENTRY_BYTES)?;
        Ok(arr.iter().map(|x| OwnedCell::from_js(&x)).collect())
    };
    let channel = text_column("channel")?;
    let kinds = m
        .channel_type
        .as_ref()
        .map(|_| text_column("channelType"))
        .transpose()?;
    let n = amount.len();
    let kinds_len = kinds.as_ref().map_or(n, Vec::len);
    for (name, len) in [
        ("date", date_cells.len()),
        ("channel", channel.len()),
        ("channelType", kinds_len),
    ] {
        if len != n {
            let (column, reference) = (name.into(), "amount".into());
            return Err(Error::LengthMismatch {
                column,
                actual: len,
                reference,
                expected: n,
            });
        }
    }
    let mut b = SpendBuilder::new(&m);
    b.reserve(n)?;
    for (i, ((date, channel), amount)) in date_cells.iter().zip(&channel).zip(amount).enumerate() {
        let kind = kinds
            .as_ref()
            .and_then(|k| k.get(i))
            .map_or(Cell::Missing, OwnedCell::cell);
        b.push(
            i + 1,
            date.cell(),
            channel.cell(),
            Cell::Number(amount),
            kind,
        )?;
    }
    b.finish()
}

/// Reads the object option `key` of `value` (`None` when absent; `expected` describes it) with
/// the keys `known`, each read with `read(object)`.
fn table_option<T>(
    value: &JsValue,
    key: &str,
    expected: &str,
    known: &[&str],
    read: impl FnOnce(&JsValue) -> crate::Result<T>,
) -> crate::Result<Option<T>> {
    let v = get(value, key);
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    if !v.is_object() || Array::is_array(&v) {
        let found = v
            .as_string()
            .map_or_else(|| type_name(&v).to_string(), |s| format!("\"{s}\""));
        return Err(bad_option(
            key,
            format!("expected {expected}, found {found}"),
        ));
    }
    check_keys(&v, key, known)?;
    read(&v).map(Some)
}

/// Reads option `acquisitionChannels` with the column readers (typed arrays are copied once).
fn acquisition_option(value: &JsValue) -> crate::Result<Option<AcquisitionTable>> {
    let expected = "{ customerId, channel }";
    table_option(
        value,
        "acquisitionChannels",
        expected,
        &["customerId", "channel"],
        |v| {
            let column = |k: &str| -> crate::Result<Vec<String>> {
                Ok(id_column(&get(v, k), &format!("acquisitionChannels.{k}"))?.into_text())
            };
            Ok(AcquisitionTable {
                customer_id: column("customerId")?,
                channel: column("channel")?,
            })
        },
    )
}

/// Reads option `ltv` with the column readers: `"historical"` or `{ customerId, value, metric }`.
fn ltv_option(value: &JsValue) -> crate::Result<LtvSource> {
    if get(value, "ltv").as_string().as_deref() == Some("historical") {
        return Ok(LtvSource::Historical);
    }
    let expected = "\"historical\" or { customerId, value, metric }";
    let source = table_option(
        value,
        "ltv",
        expected,
        &["customerId", "value", "metric"],
        |v| {
            Ok(LtvSource::PerCustomer {
                customer_id: id_column(&get(v, "customerId"), "ltv.customerId")?.into_text(),
                value: f64_column(&get(v, "value"), "ltv.value")?,
                metric: get(v, "metric").as_string().unwrap_or_default(),
            })
        },
    )?;
    Ok(source.unwrap_or_default())
}

/// Blended, paid and channel CAC per period.
#[wasm_bindgen(unchecked_return_type = "CacTable")]
pub fn cac(
    spend: &Spend,
    transactions: &super::transactions::Transactions,
    #[wasm_bindgen(unchecked_optional_param_type = "CacOptions")] options: &JsValue,
) -> JsResult<JsValue> {
    let mut opts: CacOptions = read_with(
        options,
        "cac",
        &["acquisitionChannels", "attribution", "model"],
    )?;
    opts.acquisition = acquisition_option(options)?;
    opts.attributed = super::attribution::attributed_option(options, false)?;
    let t = crate::cac::cac(&spend.inner, transactions.core(), &opts)?;
    Ok(to_js(&t))
}

/// CAC payback per monthly cohort (observed curve) and the textbook payback per channel.
#[wasm_bindgen(js_name = cacPayback, unchecked_return_type = "PaybackTable")]
pub fn cac_payback(
    spend: &Spend,
    transactions: &super::transactions::Transactions,
    #[wasm_bindgen(unchecked_optional_param_type = "PaybackOptions")] options: &JsValue,
) -> JsResult<JsValue> {
    let mut opts: PaybackOptions = read_with(
        options,
        "cacPayback",
        &["acquisitionChannels", "attribution", "model"],
    )?;
    opts.acquisition = acquisition_option(options)?;
    opts.attributed = super::attribution::attributed_option(options, true)?;
    let t = crate::cac::cac_payback(&spend.inner, transactions.core(), &opts)?;
    Ok(to_js(&t))
}

/// LTV:CAC per channel over the whole window and per monthly cohort.
#[wasm_bindgen(js_name = ltvToCac, unchecked_return_type = "LtvCacTable")]
pub fn ltv_to_cac(
    spend: &Spend,
    transactions: &super::transactions::Transactions,
    #[wasm_bindgen(unchecked_optional_param_type = "LtvCacOptions")] options: &JsValue,
) -> JsResult<JsValue> {
    let mut opts: LtvCacOptions = read_with(
        options,
        "ltvToCac",
        &["acquisitionChannels", "ltv", "attribution", "model"],
    )?;
    opts.acquisition = acquisition_option(options)?;
    opts.attributed = super::attribution::attributed_option(options, true)?;
    opts.ltv = ltv_option(options)?;
    let t = crate::cac::ltv_to_cac(&spend.inner, transactions.core(), &opts)?;
    Ok(to_js(&t))
}
