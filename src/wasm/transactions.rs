//! `Transactions` for JS: constructors from rows, typed columns and CSV; summary and KPIs.

use super::convert::{
    check_keys, csv_bytes, ensure_fits, f64_column, for_each_row, get, id_column, object_keys,
    row_count, type_name, JsResult, OwnedCell, F64_ENTRY_BYTES, TEXT_ENTRY_BYTES,
};
use super::interop::{read, to_js};
use super::summary::CustomerSummary;
use crate::data::csv_input::CsvSkipOptions;
use crate::data::{ColumnMapping, RowBuilder, TimeColumn, TransactionColumns};
use crate::error::{join_names, Error};
use crate::kpi::Kpis;
use crate::summary::SummaryOptions;
use js_sys::{Array, Float64Array, Object, Reflect};
use wasm_bindgen::prelude::*;

/// The columns `Transactions.fromColumns` takes.
const COLUMN_KEYS: &[&str] = &[
    "customerId",
    "timestamp",
    "amount",
    "orderId",
    "channel",
    "cost",
];

/// A validated table of transactions held in WebAssembly memory.
#[wasm_bindgen]
pub struct Transactions {
    inner: crate::Transactions,
}

impl Transactions {
    pub(crate) fn wrap(inner: crate::Transactions) -> Self {
        Transactions { inner }
    }

    /// The core table.
    pub fn core(&self) -> &crate::Transactions {
        &self.inner
    }
}

#[wasm_bindgen]
impl Transactions {
    /// Builds transactions from an array of row objects; `mapping` names the columns.
    #[wasm_bindgen(js_name = fromRows)]
    pub fn from_rows(
        #[wasm_bindgen(unchecked_param_type = "ReadonlyArray<Record<string, unknown>>")]
        rows: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "ColumnMapping")] mapping_value: &JsValue,
    ) -> JsResult<Transactions> {
        Ok(Transactions::wrap(from_rows(rows, mapping_value)?))
    }

    /// Builds transactions from typed columns; `options.timezone` reads naive text times.
    #[wasm_bindgen(js_name = fromColumns)]
    pub fn from_columns(
        #[wasm_bindgen(unchecked_param_type = "TransactionColumnsInput")] columns: &JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "TableOptions")] options: &JsValue,
    ) -> JsResult<Transactions> {
        let opts: crate::data::TableOptions = read(options, "fromColumns")?;
        Ok(Transactions::wrap(from_columns(columns, &opts.timezone)?))
    }

    /// The IANA time zone the table was read in (the default `timezone` of its metrics).
    #[wasm_bindgen(getter)]
    pub fn timezone(&self) -> String {
        self.inner.timezone().name().to_string()
    }

    /// Builds transactions from CSV text (a string or UTF-8 bytes).
    #[wasm_bindgen(js_name = fromCsv)]
    pub fn from_csv(
        #[wasm_bindgen(unchecked_param_type = "string | Uint8Array")] text: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "ColumnMapping")] mapping_value: &JsValue,
    ) -> JsResult<Transactions> {
        let m: ColumnMapping = read(mapping_value, "mapping")?;
        let bytes = csv_bytes(text)?;
        Ok(Transactions::wrap(crate::Transactions::from_csv(
            &bytes, &m,
        )?))
    }

    /// Builds transactions from CSV text like `fromCsv`, but leaves out every row that is wrong
    /// on its own (a bad date or number, a missing value, a wrong field count) and reports it:
    /// `{ transactions, rejected: [{ code, message, row, column }], rejectedCount }`, at most
    /// `maxReported` (default 100) entries in `rejected`. Whole-file problems still throw.
    #[wasm_bindgen(js_name = fromCsvSkippingBadRows, unchecked_return_type = "CsvReadReport")]
    pub fn from_csv_skipping_bad_rows(
        #[wasm_bindgen(unchecked_param_type = "string | Uint8Array")] text: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "ColumnMapping")] mapping_value: &JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CsvSkipOptions")] options: &JsValue,
    ) -> JsResult<JsValue> {
        Ok(skipping_bad_rows(text, mapping_value, options)?)
    }

    /// Number of transactions.
    #[wasm_bindgen(getter)]
    pub fn length(&self) -> u32 {
        self.inner.len() as u32
    }

    /// Number of distinct customers.
    #[wasm_bindgen(getter, js_name = customerCount)]
    pub fn customer_count(&self) -> u32 {
        self.inner.customer_count() as u32
    }

    /// Distinct channel names in first-appearance order (empty without a channel column).
    #[wasm_bindgen(getter, unchecked_return_type = "string[]")]
    pub fn channels(&self) -> Array {
        self.inner
            .channel_names()
            .iter()
            .map(|s| JsValue::from_str(s))
            .collect()
    }

    /// Earliest and latest transaction time, epoch milliseconds.
    #[wasm_bindgen(getter, js_name = timeRange, unchecked_return_type = "{ first: number; last: number }")]
    pub fn time_range(&self) -> JsValue {
        let (a, b) = self.inner.time_range();
        let o = Object::new();
        let _ = Reflect::set(&o, &"first".into(), &JsValue::from_f64(a as f64));
        let _ = Reflect::set(&o, &"last".into(), &JsValue::from_f64(b as f64));
        o.into()
    }

    /// The per-customer summary (`customer.summary`).
    pub fn summary(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "SummaryOptions")] options: &JsValue,
    ) -> JsResult<CustomerSummary> {
        let opts: SummaryOptions = read(options, "summary")?;
        Ok(CustomerSummary::wrap(
            crate::CustomerSummary::from_transactions(&self.inner, &opts)?,
        ))
    }

    /// Customer-base KPIs, each with its definition.
    #[wasm_bindgen(unchecked_return_type = "Kpis")]
    pub fn kpis(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "SummaryOptions")] options: &JsValue,
    ) -> JsResult<JsValue> {
        let opts: SummaryOptions = read(options, "kpis")?;
        Ok(to_js(&Kpis::compute(&self.inner, &opts)?))
    }
}

fn from_columns(columns: &JsValue, zone: &crate::data::Zone) -> crate::Result<crate::Transactions> {
    if !columns.is_object() || Array::is_array(columns) {
        return Err(Error::BadOption {
            option: "columns".into(),
            message: format!(
                "expected an object of columns, found {}",
                type_name(columns)
            ),
        });
    }
    check_keys(columns, "Transactions.fromColumns", COLUMN_KEYS)?;
    let required = |key: &str| -> crate::Result<JsValue> {
        let v = get(columns, key);
        if v.is_undefined() || v.is_null() {
            Err(Error::MissingColumn {
                column: key.into(),
                field: key.into(),
                available: join_names(object_keys(columns)),
            })
        } else {
            Ok(v)
        }
    };
    let ids = id_column(&required("customerId")?, "customerId")?;
    let amount = f64_column(&required("amount")?, "amount")?;
    let tv = required("timestamp")?;
    let (times_ms, times_text);
    let timestamp = if let Some(a) = tv.dyn_ref::<Float64Array>() {
        ensure_fits("timestamp", a.length() as usize, F64_ENTRY_BYTES)?;
        times_ms = a.to_vec();
        TimeColumn::EpochMs(&times_ms)
    } else if Array::is_array(&tv) {
        let arr: &Array = tv.unchecked_ref();
        let first = arr.get(0);
        if first.is_string() {
            ensure_fits("timestamp", arr.length() as usize, TEXT_ENTRY_BYTES)?;
            let mut v = Vec::with_capacity(arr.length() as usize);
            for (i, x) in arr.iter().enumerate() {
                match OwnedCell::from_js(&x) {
                    OwnedCell::Text(s) => v.push(s),
                    OwnedCell::Missing => {
                        return Err(Error::MissingValue {
                            column: "timestamp".into(),
                            row: i + 1,
                        })
                    }
                    _ => {
                        return Err(Error::BadType {
                            column: "timestamp".into(),
                            row: i + 1,
                            expected: "an ISO-8601 string like the other rows".into(),
                            found: type_name(&x).into(),
                        })
                    }
                }
            }
            times_text = v;
            TimeColumn::Text(&times_text)
        } else {
            ensure_fits("timestamp", arr.length() as usize, F64_ENTRY_BYTES)?;
            let mut v = Vec::with_capacity(arr.length() as usize);
            for (i, x) in arr.iter().enumerate() {
                match OwnedCell::from_js(&x) {
                    OwnedCell::Number(ms) => v.push(ms),
                    OwnedCell::Missing => {
                        return Err(Error::MissingValue {
                            column: "timestamp".into(),
                            row: i + 1,
                        })
                    }
                    _ => {
                        return Err(Error::BadType {
                            column: "timestamp".into(),
                            row: i + 1,
                            expected: "epoch milliseconds or a Date like the other rows".into(),
                            found: type_name(&x).into(),
                        })
                    }
                }
            }
            times_ms = v;
            TimeColumn::EpochMs(&times_ms)
        }
    } else {
        return Err(Error::BadType {
            column: "timestamp".into(),
            row: 0,
            expected: "a Float64Array of epoch ms or an array of ISO-8601 strings".into(),
            found: type_name(&tv).into(),
        });
    };
    let order = {
        let v = get(columns, "orderId");
        if v.is_undefined() || v.is_null() {
            None
        } else {
            Some(id_column(&v, "orderId")?)
        }
    };
    let channel = {
        let v = get(columns, "channel");
        if v.is_undefined() || v.is_null() {
            None
        } else if Array::is_array(&v) {
            let arr: &Array = v.unchecked_ref();
            ensure_fits("channel", arr.length() as usize, TEXT_ENTRY_BYTES)?;
            let mut out = Vec::with_capacity(arr.length() as usize);
            for (i, x) in arr.iter().enumerate() {
                match OwnedCell::from_js(&x) {
                    OwnedCell::Text(s) => out.push(Some(s)),
                    OwnedCell::Missing => out.push(None),
                    _ => {
                        return Err(Error::BadType {
                            column: "channel".into(),
                            row: i + 1,
                            expected: "a channel name or null".into(),
                            found: type_name(&x).into(),
                        })
                    }
                }
            }
            Some(out)
        } else {
            return Err(Error::BadType {
                column: "channel".into(),
                row: 0,
                expected: "an array of strings".into(),
                found: type_name(&v).into(),
            });
        }
    };
    let cost = {
        let v = get(columns, "cost");
        if v.is_undefined() || v.is_null() {
            None
        } else {
            Some(f64_column(&v, "cost")?)
        }
    };
    crate::Transactions::from_columns_in(
        TransactionColumns {
            customer_id: ids.as_column(),
            timestamp,
            amount: &amount,
            order_id: order.as_ref().map(|o| o.as_column()),
            channel: channel.as_deref(),
            cost: cost.as_deref(),
        },
        zone,
    )
}

fn from_rows(rows: &JsValue, mapping_value: &JsValue) -> crate::Result<crate::Transactions> {
    let m: ColumnMapping = read(mapping_value, "mapping")?;
    let mut fields: Vec<(&str, &str)> = vec![
        ("customerId", m.customer_id.as_str()),
        ("timestamp", m.timestamp.as_str()),
        ("amount", m.amount.as_str()),
    ];
    if let Some(o) = &m.order_id {
        fields.push(("orderId", o.as_str()));
    }
    if let Some(c) = &m.channel {
        fields.push(("channel", c.as_str()));
    }
    if let Some(c) = &m.cost {
        fields.push(("cost", c.as_str()));
    }
    let mut b = RowBuilder::new(&m);
    let (has_order, has_channel, has_cost) =
        (m.order_id.is_some(), m.channel.is_some(), m.cost.is_some());
    b.reserve(row_count(rows)?)?;
    for_each_row(rows, &fields, |row, cells| {
        let cell = |i: usize| {
            cells
                .get(i)
                .map_or(crate::data::Cell::Missing, OwnedCell::cell)
        };
        let order = if has_order {
            cell(3)
        } else {
            crate::data::Cell::Missing
        };
        let channel = if has_channel {
            cell(3 + usize::from(has_order))
        } else {
            crate::data::Cell::Missing
        };
        let cost = if has_cost {
            cell(3 + usize::from(has_order) + usize::from(has_channel))
        } else {
            crate::data::Cell::Missing
        };
        b.push(
            row,
            crate::data::RowCells {
                customer: cell(0),
                time: cell(1),
                amount: cell(2),
                order,
                channel,
                cost,
            },
        )
    })?;
    b.finish()
}

#[wasm_bindgen(typescript_custom_section)]
const TS_CSV_REPORT: &'static str = r#"
/** A row `Transactions.fromCsvSkippingBadRows` left out, with the error that rejected it. */
export interface RejectedRow {
  code: ErrorCode;
  message: string;
  /** 1-based spreadsheet row (the header is row 1). */
  row: number;
  /** The column, when the error is about one field. */
  column?: string;
}

/** Result of `Transactions.fromCsvSkippingBadRows`. */
export interface CsvReadReport {
  transactions: Transactions;
  /** The first `maxReported` rejected rows, in file order. */
  rejected: RejectedRow[];
  /** Rows rejected in all. */
  rejectedCount: number;
}
"#;

fn skipping_bad_rows(
    text: &JsValue,
    mapping_value: &JsValue,
    options: &JsValue,
) -> crate::Result<JsValue> {
    let max_reported =
        read::<CsvSkipOptions>(options, "Transactions.fromCsvSkippingBadRows")?.max_reported()?;
    let m: ColumnMapping = read(mapping_value, "mapping")?;
    let bytes = csv_bytes(text)?;
    let (tx, rejected) =
        crate::data::csv_input::read_transactions_skipping(&bytes, &m, max_reported)?;
    let list = Array::new();
    for e in &rejected.errors {
        let item = js_sys::Object::new();
        let set = |k: &str, v: JsValue| {
            let _ = js_sys::Reflect::set(&item, &JsValue::from_str(k), &v);
        };
        set("code", e.code().into());
        set("message", e.to_string().into());
        set("row", JsValue::from_f64(e.row().unwrap_or(0) as f64));
        if let Some(c) = e.column() {
            set("column", c.into());
        }
        list.push(&item);
    }
    let out = js_sys::Object::new();
    let _ = js_sys::Reflect::set(
        &out,
        &"transactions".into(),
        &Transactions { inner: tx }.into(),
    );
    let _ = js_sys::Reflect::set(&out, &"rejected".into(), &list);
    let _ = js_sys::Reflect::set(
        &out,
        &"rejectedCount".into(),
        &JsValue::from_f64(rejected.count as f64),
    );
    Ok(out.into())
}
