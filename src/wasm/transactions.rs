//! `Transactions` for JS: constructors from rows, typed columns and CSV; summary and KPIs.

use super::convert::{
    bad_option, bad_type, check_keys, csv_bytes, each, ensure_fits, f64_column, for_each_row, get,
    id_column, missing, object_keys, row_count, type_name, JsResult, OwnedCell, F64_ENTRY_BYTES,
    TEXT_ENTRY_BYTES,
};
use super::interop::{read, to_js};
use super::summary::CustomerSummary;
use crate::data::csv_input::CsvSkipOptions;
use crate::data::{Cell, ColumnMapping, RowBuilder, RowCells, TimeColumn, TransactionColumns};
use crate::error::{join_names, Error};
use crate::kpi::Kpis;
use crate::summary::SummaryOptions;
use js_sys::{Array, Float64Array, Reflect};
use wasm_bindgen::prelude::*;

/// The columns `Transactions.fromColumns` takes.
const COLUMN_KEYS: &[&str] = &[
    "customerId",
    "timestamp",
    "amount",
    "orderId",
    "channel",
    "cost",
    "dimensions",
];

/// A validated table of transactions held in WebAssembly memory.
#[wasm_bindgen]
pub struct Transactions {
    inner: std::rc::Rc<crate::Transactions>,
    id: u32,
}

impl Transactions {
    pub(crate) fn wrap(inner: crate::Transactions) -> Self {
        let inner = std::rc::Rc::new(inner);
        let id = super::tables::register_transactions(&inner);
        Transactions { inner, id }
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

    /// The table's handle for `MetricSpec.evaluate` (internal).
    #[wasm_bindgen(getter, js_name = __unimetricTable, skip_typescript)]
    pub fn table_handle(&self) -> u32 {
        self.id
    }

    /// The fingerprint of the validated columns: `xxh3-128:` and 32 hex digits, equal for the
    /// same data read from CSV, rows, columns or Arrow (see `MetricSpec.evaluate`).
    #[wasm_bindgen(getter)]
    pub fn fingerprint(&self) -> String {
        self.inner.fingerprint()
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

    /// Names of the dimensions kept from the mapping's `dimensions` (or `fromColumns`'
    /// `dimensions` object), in order.
    #[wasm_bindgen(getter, unchecked_return_type = "string[]")]
    pub fn dimensions(&self) -> Array {
        let names = self.inner.dimension_names();
        names.into_iter().map(JsValue::from_str).collect()
    }

    /// Dimension `name` per transaction row: `{ name, codes, values }`, `codes[i]` indexing
    /// `values` (4294967295 = missing). `E_BAD_OPTION` for a dimension the table lacks.
    #[wasm_bindgen(unchecked_return_type = "Dimension")]
    pub fn dimension(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] name: &JsValue,
    ) -> JsResult<JsValue> {
        let name = super::convert::dimension_name(name)?;
        Ok(to_js(self.inner.require_dimension(&name)?))
    }

    /// Earliest and latest transaction time, epoch milliseconds.
    #[wasm_bindgen(getter, js_name = timeRange, unchecked_return_type = "{ first: number; last: number }")]
    pub fn time_range(&self) -> JsValue {
        let (first, last) = self.inner.time_range();
        let o = js_sys::Object::new();
        let _ = Reflect::set(&o, &"first".into(), &JsValue::from_f64(first as f64));
        let _ = Reflect::set(&o, &"last".into(), &JsValue::from_f64(last as f64));
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
        let found = type_name(columns);
        return Err(bad_option(
            "columns",
            format!("expected an object of columns, found {found}"),
        ));
    }
    check_keys(columns, "Transactions.fromColumns", COLUMN_KEYS)?;
    let given = |key: &str| Some(get(columns, key)).filter(|v| !v.is_undefined() && !v.is_null());
    let required = |key: &str| {
        given(key).ok_or_else(|| Error::MissingColumn {
            column: key.into(),
            field: key.into(),
            available: join_names(object_keys(columns)),
        })
    };
    let ids = id_column(&required("customerId")?, "customerId")?;
    let amount = f64_column(&required("amount")?, "amount")?;
    let tv = required("timestamp")?;
    let (times_ms, times_text);
    let timestamp = if let Some(a) = tv.dyn_ref::<Float64Array>() {
        ensure_fits("timestamp", a.length() as usize, F64_ENTRY_BYTES)?;
        times_ms = a.to_vec();
        TimeColumn::EpochMs(&times_ms)
    } else {
        let expected = "a Float64Array of epoch ms or an array of ISO-8601 strings";
        let arr: &Array = tv
            .dyn_ref()
            .ok_or_else(|| bad_type("timestamp", 0, expected, &tv))?;
        // The first value decides: text (ISO-8601) or numbers (epoch ms or Dates).
        let text = arr.get(0).is_string();
        let bytes = if text {
            TEXT_ENTRY_BYTES
        } else {
            F64_ENTRY_BYTES
        };
        ensure_fits("timestamp", arr.length() as usize, bytes)?;
        let wrong = |row, x: &JsValue| match text {
            true => bad_type(
                "timestamp",
                row,
                "an ISO-8601 string like the other rows",
                x,
            ),
            false => bad_type(
                "timestamp",
                row,
                "epoch milliseconds or a Date like the other rows",
                x,
            ),
        };
        let cells = each(arr, |row, x| match OwnedCell::from_js(&x) {
            OwnedCell::Missing => Err(missing("timestamp", row)),
            OwnedCell::Text(_) | OwnedCell::Number(_) if text != x.is_string() => {
                Err(wrong(row, &x))
            }
            OwnedCell::Other(_) => Err(wrong(row, &x)),
            cell => Ok(cell),
        })?;
        if text {
            let text = |c| {
                if let OwnedCell::Text(s) = c {
                    s
                } else {
                    String::new()
                }
            };
            times_text = cells.into_iter().map(text).collect::<Vec<_>>();
            TimeColumn::Text(&times_text)
        } else {
            let ms = |c| {
                if let OwnedCell::Number(x) = c {
                    x
                } else {
                    f64::NAN
                }
            };
            times_ms = cells.into_iter().map(ms).collect::<Vec<_>>();
            TimeColumn::EpochMs(&times_ms)
        }
    };
    let order = given("orderId")
        .map(|v| id_column(&v, "orderId"))
        .transpose()?;
    let channel = given("channel")
        .map(|v| text_column(&v, "channel", "a channel name or null"))
        .transpose()?;
    let cost = given("cost").map(|v| f64_column(&v, "cost")).transpose()?;
    let mut dimensions: Vec<(String, Vec<Option<String>>)> = Vec::new();
    if let Some(dv) = given("dimensions") {
        if !dv.is_object() || Array::is_array(&dv) {
            let found = type_name(&dv);
            let message = format!("expected an object of text columns by name, found {found}");
            return Err(bad_option("dimensions", message));
        }
        for name in object_keys(&dv) {
            let column = text_column(&get(&dv, &name), &name, "a dimension value or null")?;
            dimensions.push((name, column));
        }
    }
    let dims: Vec<(&str, &[Option<String>])> = dimensions
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_slice()))
        .collect();
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
    )?
    .with_dimensions(&dims)
}

/// A column of optional texts (`channel`, a dimension): an array of strings or nulls.
fn text_column(v: &JsValue, column: &str, expected: &str) -> crate::Result<Vec<Option<String>>> {
    let arr: &Array = v
        .dyn_ref()
        .ok_or_else(|| bad_type(column, 0, "an array of strings", v))?;
    ensure_fits(column, arr.length() as usize, TEXT_ENTRY_BYTES)?;
    each(arr, |row, x| match OwnedCell::from_js(&x) {
        OwnedCell::Text(s) => Ok(Some(s)),
        OwnedCell::Missing => Ok(None),
        _ => Err(bad_type(column, row, expected, &x)),
    })
}

/// Decides how a column's text dates write day and month, from its values (strings; null and
/// blank skipped): `{ format, ambiguous, candidates, values }`. `format` is the mapping's
/// `dateFormat` to use, or null when the values do not settle it (`ambiguous`: every format in
/// `candidates` reads them all, so the user must choose). `column` names the column in errors.
#[wasm_bindgen(js_name = inferDateFormat, unchecked_return_type = "DateFormatInference")]
pub fn infer_date_format(
    #[wasm_bindgen(unchecked_param_type = "ReadonlyArray<string | null>")] values: &JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "string")] column: &JsValue,
) -> JsResult<JsValue> {
    let column = match column.as_string() {
        Some(c) => c,
        None if column.is_undefined() || column.is_null() => "values".to_string(),
        None => return Err(bad_type("column", 0, "a column name (a string)", column).into()),
    };
    let texts = text_column(values, &column, "a date written as text, or null")?;
    let found = crate::data::dates::infer_date_format(texts.iter().map(Option::as_deref), &column)?;
    Ok(to_js(&found))
}

pub(crate) fn from_rows(
    rows: &JsValue,
    mapping_value: &JsValue,
) -> crate::Result<crate::Transactions> {
    let m: ColumnMapping = read(mapping_value, "mapping")?;
    let optional = [
        ("orderId", &m.order_id),
        ("channel", &m.channel),
        ("cost", &m.cost),
    ];
    let mut fields = vec![
        ("customerId", m.customer_id.as_str()),
        ("timestamp", m.timestamp.as_str()),
        ("amount", m.amount.as_str()),
    ];
    // Where each optional column's cell is in a row's cells (after the three required ones).
    let mut at = [None; 3];
    for (slot, (field, column)) in at.iter_mut().zip(optional) {
        if let Some(c) = column {
            *slot = Some(fields.len());
            fields.push((field, c.as_str()));
        }
    }
    let first_dimension = fields.len();
    fields.extend(m.dimensions.iter().map(|d| ("dimensions", d.as_str())));
    let mut b = RowBuilder::new(&m);
    b.reserve(row_count(rows)?)?;
    for_each_row(rows, &fields, |row, cells| {
        let cell = |i: Option<usize>| {
            i.and_then(|i| cells.get(i))
                .map_or(Cell::Missing, OwnedCell::cell)
        };
        let [order, channel, cost] = at.map(cell);
        let (customer, time, amount) = (cell(Some(0)), cell(Some(1)), cell(Some(2)));
        let dimensions: Vec<_> = cells
            .get(first_dimension..)
            .unwrap_or(&[])
            .iter()
            .map(OwnedCell::cell)
            .collect();
        b.push_with_dimensions(
            row,
            RowCells {
                customer,
                time,
                amount,
                order,
                channel,
                cost,
            },
            &dimensions,
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
    let out = to_js(&CsvReadReport {
        rejected: &rejected.errors,
        rejected_count: rejected.count,
    });
    let _ = Reflect::set(&out, &"transactions".into(), &Transactions::wrap(tx).into());
    Ok(out)
}

/// A `CsvReadReport` without its `transactions`.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct CsvReadReport<'a> {
    /// Each error serialises as `{ code, message, row, column? }` (a `RejectedRow`).
    rejected: &'a [Error],
    rejected_count: usize,
}
