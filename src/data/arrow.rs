//! Arrow IPC input (cargo feature `arrow`): transactions, spend and the columns of other tables
//! (customer summaries, feature matrices, attributes) from the bytes of an Arrow IPC stream or
//! file, read with the arrow-rs crates.
//!
//! The bytes are what `tableToIPC(table)` of the `apache-arrow` JS package returns for a
//! DuckDB-WASM query result, what `pyarrow` writes with `ipc.new_stream` / `ipc.new_file`, or a
//! `.arrow` / `.feather` (v2, uncompressed) file. The format is detected from the leading
//! `ARROW1` magic of the file format; anything else is read as a stream. Columns are found by
//! name through the same mappings as CSV and rows, and each table is then built by the same core
//! builder as its typed-columns constructor, so the numbers are identical to
//! [`Transactions::from_columns`] on the same values.
//!
//! # Column types
//!
//! | field | Arrow types accepted |
//! |---|---|
//! | ids (`customerId`, `orderId`) | `Int8`…`Int64`, `UInt8`…`UInt64` (kept numeric when every value is in `0..=4294967295`, else compared as text), `Utf8`, `LargeUtf8`, `Utf8View`, dictionary of those |
//! | times (`timestamp`, spend `date`) | `Timestamp` of every unit (s, ms, µs, ns; with or without a time zone — the stored value is an instant since the epoch in UTC either way), `Date32`, `Date64` (bare dates: the start of that local day in the mapping's `timezone`), integers and floats as epoch milliseconds, text under the [date policy](super::dates) in the mapping's `timezone` |
//! | numbers (`amount`, summary columns) | `Int*`, `UInt*`, `Float16`/`32`/`64`, `Decimal128` (scaled by its scale) |
//! | names (`channel`, `channelType`) | text or dictionary-encoded text; null means unknown for `channel` |
//!
//! Sub-millisecond timestamps are rounded toward negative infinity to whole milliseconds, as
//! for numeric epoch milliseconds. A null in a required column is `E_MISSING_VALUE` naming the
//! column and the 1-based row of the whole table (rows of later record batches continue the
//! count). A column of another type is `E_BAD_TYPE` with row 0. Bytes that are not Arrow IPC,
//! are cut short or corrupt, or use IPC body compression (not compiled in), are `E_ARROW`: the
//! schema, every record and dictionary batch and a file's footer are checked before arrow-rs
//! decodes them (`check.rs`), since arrow-rs asserts on some malformed input and a panic is a
//! trap in WebAssembly.
//!
//! Feature matrices ([`read_features`]) and the churn model's customer attributes
//! ([`read_attributes`]) are read from the same tables.
//!
//! ```
//! # #[cfg(feature = "arrow")] {
//! use std::sync::Arc;
//! use arrow_array::{Float64Array, RecordBatch, StringArray, TimestampMicrosecondArray};
//! use unimetric::{ColumnMapping, Transactions};
//! let batch = RecordBatch::try_from_iter([
//!     ("customer", Arc::new(StringArray::from(vec!["a", "a", "b"])) as _),
//!     ("ts", Arc::new(TimestampMicrosecondArray::from(vec![0, 86_400_000_000, 0])) as _),
//!     ("amount", Arc::new(Float64Array::from(vec![10.0, 20.0, 5.0])) as _),
//! ]).unwrap();
//! let mut bytes = Vec::new();
//! let mut w = arrow_ipc::writer::StreamWriter::try_new(&mut bytes, &batch.schema()).unwrap();
//! w.write(&batch).unwrap();
//! w.finish().unwrap();
//! drop(w);
//! let tx = Transactions::from_arrow(&bytes, &ColumnMapping::new("customer", "ts", "amount")).unwrap();
//! assert_eq!((tx.len(), tx.customer_count()), (3, 2));
//! assert_eq!(tx.timestamps(), &[0, 86_400_000, 0]);
//! # }
//! ```

use super::dates::MS_PER_DAY;
use super::spend::{Spend, SpendBuilder, SpendMapping};
use super::{Cell, ColumnMapping, IdColumn, OwnedColumns, OwnedTimes, Transactions};
use crate::data::attributes::CustomerAttributes;
use crate::error::{join_names, Error, Result};
use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Decimal128Type, Float16Type, Float32Type, Float64Type, Int16Type,
    Int32Type, Int64Type, Int8Type, TimestampMicrosecondType, TimestampMillisecondType,
    TimestampNanosecondType, TimestampSecondType, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, SchemaRef, TimeUnit};
use std::borrow::Cow;

mod check;

/// The magic bytes that open (and close) the Arrow IPC file format.
const FILE_MAGIC: &[u8] = b"ARROW1";

/// An Arrow IPC table read into memory: its schema and record batches.
pub struct ArrowTable {
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
}

fn arrow_error(e: impl std::fmt::Display) -> Error {
    Error::Arrow {
        message: e.to_string(),
    }
}

/// Where arrow-rs will find `bytes`, for the alignment checks of [`check`]: owned bytes are
/// read in place, borrowed bytes are copied to a 64-byte aligned buffer (0 will do).
#[allow(clippy::ptr_arg)] // whether the bytes are owned is the point
fn base_address(bytes: &Cow<'_, [u8]>) -> usize {
    match bytes {
        Cow::Owned(v) => v.as_ptr() as usize,
        Cow::Borrowed(_) => 0,
    }
}

/// The bytes as an arrow-rs buffer: owned bytes without a copy, borrowed bytes copied once.
fn into_buffer(bytes: Cow<'_, [u8]>) -> arrow_buffer::Buffer {
    match bytes {
        Cow::Owned(v) => arrow_buffer::Buffer::from_vec(v),
        Cow::Borrowed(b) => arrow_buffer::Buffer::from(b),
    }
}

/// Reads the IPC file format through its footer, as arrow-rs's `FileReader` does, once
/// [`check::check_file`] has checked every offset and length the footer gives. Owned bytes are
/// read in place, borrowed bytes copied once; each block is a zero-copy slice of them.
fn read_file(bytes: Cow<'_, [u8]>) -> Result<ArrowTable> {
    let parts = check::check_file(&bytes, FILE_MAGIC, base_address(&bytes))?;
    let schema = std::sync::Arc::new(parts.schema);
    let whole = into_buffer(bytes);
    let slice = |b: &arrow_ipc::Block| {
        // In range: check_file checked offset + metadata + body against the input.
        let start = b.offset() as usize;
        let len = b.metaDataLength() as usize + b.bodyLength() as usize;
        whole.slice_with_length(start, len)
    };
    let mut decoder = arrow_ipc::reader::FileDecoder::new(schema.clone(), parts.version);
    for b in &parts.dictionaries {
        decoder.read_dictionary(b, &slice(b)).map_err(arrow_error)?;
    }
    let mut batches = Vec::with_capacity(parts.batches.len());
    for b in &parts.batches {
        if let Some(batch) = decoder
            .read_record_batch(b, &slice(b))
            .map_err(arrow_error)?
        {
            batches.push(batch);
        }
    }
    Ok(ArrowTable { schema, batches })
}

impl ArrowTable {
    /// Reads Arrow IPC bytes: the file format when they start with `ARROW1`, else the stream
    /// format. `E_ARROW` when they are neither; `E_EMPTY` for zero bytes.
    ///
    /// Owned bytes (`Vec<u8>`) are read in place; borrowed bytes are copied once, into the
    /// buffer the record batches are sliced from.
    pub fn read<'b>(bytes: impl Into<Cow<'b, [u8]>>) -> Result<ArrowTable> {
        let bytes: Cow<'b, [u8]> = bytes.into();
        if bytes.is_empty() {
            return Err(Error::Empty {
                what: "Arrow IPC input".into(),
            });
        }
        if bytes.starts_with(FILE_MAGIC) {
            return read_file(bytes);
        }
        let end = check::check_stream(&bytes, base_address(&bytes))?;
        // The stream decoder slices record batches out of one buffer without further copies.
        let mut buffer = into_buffer(bytes).slice_with_length(0, end);
        let mut decoder = arrow_ipc::reader::StreamDecoder::new();
        let mut batches = Vec::new();
        while !buffer.is_empty() {
            if let Some(batch) = decoder.decode(&mut buffer).map_err(arrow_error)? {
                batches.push(batch);
            }
        }
        decoder.finish().map_err(arrow_error)?;
        let schema = decoder.schema().ok_or_else(|| Error::Arrow {
            message: "the stream has no schema message".into(),
        })?;
        Ok(ArrowTable { schema, batches })
    }

    /// Number of rows over all record batches.
    pub fn num_rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }

    /// Column names in schema order.
    pub fn column_names(&self) -> Vec<String> {
        self.schema
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect()
    }

    /// The column named `name` (one array per record batch), or `E_MISSING_COLUMN` for mapping
    /// field `field`. Names are matched exactly, then with surrounding spaces ignored.
    pub fn column(&self, name: &str, field: &str) -> Result<Column<'_>> {
        let fields = self.schema.fields();
        let idx = fields
            .iter()
            .position(|f| f.name() == name)
            .or_else(|| fields.iter().position(|f| f.name().trim() == name.trim()))
            .ok_or_else(|| Error::MissingColumn {
                column: name.to_string(),
                field: field.to_string(),
                available: join_names(fields.iter().map(|f| format!("'{}'", f.name()))),
            })?;
        Ok(Column {
            name: fields[idx].name(),
            data_type: fields[idx].data_type(),
            chunks: self.batches.iter().map(|b| b.column(idx)).collect(),
        })
    }
}

/// One column of an [`ArrowTable`]: its name, type and one array per record batch.
pub struct Column<'a> {
    name: &'a str,
    data_type: &'a DataType,
    chunks: Vec<&'a ArrayRef>,
}

/// Ids read from an Arrow column.
pub enum Ids<'a> {
    /// Every value fits a `u32`.
    Numeric(Vec<u32>),
    /// Text ids (or integers outside `u32`, written in decimal).
    Text(Vec<String>),
    /// Borrowed text, converted to owned text by [`Ids::into_owned`].
    Borrowed(Vec<&'a str>),
}

impl Ids<'_> {
    fn into_owned(self) -> OwnedIds {
        match self {
            Ids::Numeric(v) => OwnedIds::Numeric(v),
            Ids::Text(v) => OwnedIds::Text(v),
            Ids::Borrowed(v) => OwnedIds::Text(v.into_iter().map(str::to_string).collect()),
        }
    }
}

/// An id column read from Arrow, owned.
pub enum OwnedIds {
    /// Every value fits a `u32`.
    Numeric(Vec<u32>),
    /// Text ids (or integers outside `u32`, written in decimal).
    Text(Vec<String>),
}

impl OwnedIds {
    /// Borrowed as a core id column.
    pub fn as_column(&self) -> IdColumn<'_> {
        match self {
            OwnedIds::Numeric(v) => IdColumn::Numeric(v),
            OwnedIds::Text(v) => IdColumn::Text(v),
        }
    }
}

impl<'a> Column<'a> {
    fn bad_type(&self, expected: &str) -> Error {
        Error::BadType {
            column: self.name.to_string(),
            row: 0,
            expected: expected.to_string(),
            found: format!("an Arrow {} column", self.data_type),
        }
    }

    fn missing(&self, row: usize) -> Error {
        Error::MissingValue {
            column: self.name.to_string(),
            row,
        }
    }

    /// `E_MISSING_VALUE` at the first null of the column, if any (dictionary arrays count a
    /// null key or a null value).
    fn check_no_nulls(&self) -> Result<()> {
        let mut offset = 0;
        for chunk in &self.chunks {
            if let Some(nulls) = chunk.logical_nulls() {
                if let Some(i) = (0..chunk.len()).find(|&i| nulls.is_null(i)) {
                    return Err(self.missing(offset + i + 1));
                }
            }
            offset += chunk.len();
        }
        Ok(())
    }

    /// Total number of rows.
    fn len(&self) -> usize {
        self.chunks.iter().map(|c| c.len()).sum()
    }

    /// Per row, true when the value is null (dictionary arrays: a null key or a null value).
    fn null_mask(&self) -> Vec<bool> {
        let mut out = Vec::with_capacity(self.len());
        for chunk in &self.chunks {
            match chunk.logical_nulls() {
                Some(n) => out.extend((0..chunk.len()).map(|i| n.is_null(i))),
                None => out.extend(std::iter::repeat(false).take(chunk.len())),
            }
        }
        out
    }

    /// The column's values as numbers (`f64`); `None` when the type is not numeric. The value
    /// at a null row is unspecified: callers check nulls separately.
    fn numbers(&self) -> Option<Vec<f64>> {
        let mut out = Vec::with_capacity(self.len());
        for chunk in &self.chunks {
            macro_rules! prim {
                ($t:ty) => {
                    chunk
                        .as_primitive_opt::<$t>()
                        .map(|a| out.extend(a.values().iter().map(|&x| x as f64)))
                };
            }
            let done = match chunk.data_type() {
                DataType::Float64 => chunk
                    .as_primitive_opt::<Float64Type>()
                    .map(|a| out.extend_from_slice(a.values())),
                DataType::Float32 => prim!(Float32Type),
                DataType::Float16 => chunk
                    .as_primitive_opt::<Float16Type>()
                    .map(|a| out.extend(a.values().iter().map(|&x| f64::from(x)))),
                DataType::Int8 => prim!(Int8Type),
                DataType::Int16 => prim!(Int16Type),
                DataType::Int32 => prim!(Int32Type),
                DataType::Int64 => prim!(Int64Type),
                DataType::UInt8 => prim!(UInt8Type),
                DataType::UInt16 => prim!(UInt16Type),
                DataType::UInt32 => prim!(UInt32Type),
                DataType::UInt64 => prim!(UInt64Type),
                DataType::Decimal128(_, scale) => {
                    let div = 10f64.powi(i32::from(*scale));
                    chunk
                        .as_primitive_opt::<Decimal128Type>()
                        .map(|a| out.extend(a.values().iter().map(|&x| x as f64 / div)))
                }
                _ => None,
            };
            done?;
        }
        Some(out)
    }

    /// The column as text, nulls as `None`; `None` when the type is not text or dictionary
    /// of text.
    fn texts(&self) -> Option<Vec<Option<&'a str>>> {
        let mut out = Vec::new();
        for &chunk in &self.chunks {
            let chunk: &'a dyn Array = chunk.as_ref();
            if !push_texts(chunk, &mut out) {
                return None;
            }
        }
        Some(out)
    }

    /// Required numbers (`amount` and summary columns).
    fn required_numbers(&self) -> Result<Vec<f64>> {
        let values = self
            .numbers()
            .ok_or_else(|| self.bad_type("a numeric column (integer, float or decimal)"))?;
        self.check_no_nulls()?;
        Ok(values)
    }

    /// Required ids: unsigned-fitting integers stay numeric, others become text.
    fn ids(&self) -> Result<Ids<'a>> {
        self.check_no_nulls()?;
        let mut numeric: Vec<u32> = Vec::new();
        let mut wide: Option<Vec<String>> = None;
        for chunk in &self.chunks {
            macro_rules! ints {
                ($t:ty) => {
                    chunk.as_primitive_opt::<$t>().map(|a| {
                        let values = a.values();
                        if wide.is_none() && values.iter().all(|&x| u32::try_from(x).is_ok()) {
                            // The common case, in one bulk conversion.
                            numeric.extend(values.iter().map(|&x| x as u32));
                            return;
                        }
                        for &x in values.iter() {
                            match (&mut wide, u32::try_from(x)) {
                                (None, Ok(v)) => numeric.push(v),
                                (None, Err(_)) => {
                                    let mut w: Vec<String> =
                                        numeric.iter().map(u32::to_string).collect();
                                    w.push(x.to_string());
                                    wide = Some(w);
                                }
                                (Some(w), _) => w.push(x.to_string()),
                            }
                        }
                    })
                };
            }
            let done = match chunk.data_type() {
                DataType::Int8 => ints!(Int8Type),
                DataType::Int16 => ints!(Int16Type),
                DataType::Int32 => ints!(Int32Type),
                DataType::Int64 => ints!(Int64Type),
                DataType::UInt8 => ints!(UInt8Type),
                DataType::UInt16 => ints!(UInt16Type),
                DataType::UInt32 => ints!(UInt32Type),
                DataType::UInt64 => ints!(UInt64Type),
                _ => None,
            };
            if done.is_none() {
                return match self.texts() {
                    Some(t) => Ok(Ids::Borrowed(t.into_iter().flatten().collect())),
                    None => Err(self.bad_type("an id column (integer or text)")),
                };
            }
        }
        Ok(match wide {
            Some(w) => Ids::Text(w),
            None => Ids::Numeric(numeric),
        })
    }

    /// Times as epoch milliseconds; `None` when the type is not temporal or numeric. The value
    /// at a null row is unspecified. `E_BAD_DATE` when a value overflows milliseconds.
    fn epoch_ms(&self) -> Option<Result<Vec<f64>>> {
        match self.instants() {
            Some(ms) => Some(ms.map(|v| v.into_iter().map(|x| x as f64).collect())),
            // Plain numbers are epoch milliseconds, as in typed columns.
            None => self.numbers().map(Ok),
        }
    }

    /// Times of a temporal column (timestamps of every unit, dates) as whole epoch milliseconds,
    /// sub-millisecond units floored; `None` for other types. The value at a null row is
    /// unspecified. `E_BAD_DATE` when a value overflows milliseconds.
    fn instants(&self) -> Option<Result<Vec<i64>>> {
        let mut out: Vec<i64> = Vec::with_capacity(self.len());
        for chunk in &self.chunks {
            let start = out.len();
            macro_rules! time {
                ($t:ty, $mul:expr, $div:expr) => {
                    chunk.as_primitive_opt::<$t>().map(|a| {
                        if $mul == 1 {
                            // Nothing can overflow: one conversion a value, no test.
                            out.extend(a.values().iter().map(|&x| i64::from(x).div_euclid($div)));
                            return Ok(());
                        }
                        for (i, &x) in a.values().iter().enumerate() {
                            match i64::from(x).checked_mul($mul) {
                                Some(v) => out.push(v.div_euclid($div)),
                                None if a.is_null(i) => out.push(0),
                                None => {
                                    return Err(Error::BadDate {
                                        column: self.name.to_string(),
                                        row: start + i + 1,
                                        value: x.to_string(),
                                        reason: "outside the years 1000 to 9999".into(),
                                    })
                                }
                            }
                        }
                        Ok(())
                    })
                };
            }
            let done = match chunk.data_type() {
                DataType::Timestamp(TimeUnit::Second, _) => time!(TimestampSecondType, 1000, 1),
                DataType::Timestamp(TimeUnit::Millisecond, _) => {
                    time!(TimestampMillisecondType, 1, 1)
                }
                DataType::Timestamp(TimeUnit::Microsecond, _) => {
                    time!(TimestampMicrosecondType, 1, 1000)
                }
                DataType::Timestamp(TimeUnit::Nanosecond, _) => {
                    time!(TimestampNanosecondType, 1, 1_000_000)
                }
                DataType::Date32 => time!(Date32Type, MS_PER_DAY, 1),
                DataType::Date64 => time!(Date64Type, 1, 1),
                _ => None,
            };
            match done {
                Some(Ok(())) => {}
                Some(Err(e)) => return Some(Err(e)),
                None => return None,
            }
        }
        Some(Ok(out))
    }

    /// Required times (transactions' `timestamp`). `Date32`/`Date64` values are bare dates:
    /// the start of that local day in `zone`; timestamps are instants.
    fn times(&self, zone: &super::Zone) -> Result<OwnedTimes<'static>> {
        if let Some(ms) = self.instants() {
            let mut ms = ms?;
            self.check_no_nulls()?;
            let dates = self
                .chunks
                .iter()
                .all(|c| matches!(c.data_type(), DataType::Date32 | DataType::Date64));
            if dates && !zone.is_utc() {
                for v in &mut ms {
                    *v = zone.local_to_instant(*v);
                }
            }
            return Ok(OwnedTimes::Instants(Cow::Owned(ms)));
        }
        if let Some(ms) = self.numbers() {
            self.check_no_nulls()?;
            return Ok(OwnedTimes::EpochMs(Cow::Owned(ms)));
        }
        match self.texts() {
            Some(t) => {
                let mut out = Vec::with_capacity(t.len());
                for (i, v) in t.into_iter().enumerate() {
                    out.push(v.ok_or_else(|| self.missing(i + 1))?.to_string());
                }
                Ok(OwnedTimes::Text(Cow::Owned(out)))
            }
            None => Err(self.bad_type("a timestamp, date, epoch-milliseconds or text column")),
        }
    }

    /// Per-row cells for the row builders (spend): numbers, times and text as [`Cell`]s.
    fn cells(&self, kind: CellKind) -> Result<Vec<Cell<'a>>> {
        let values = match kind {
            CellKind::Time => match self.epoch_ms() {
                Some(ms) => Some(ms?),
                None => None,
            },
            CellKind::Number => self.numbers(),
            CellKind::Text => None,
        };
        let cells = values.map(|v| {
            v.into_iter()
                .zip(self.null_mask())
                .map(|(x, null)| if null { Cell::Missing } else { Cell::Number(x) })
                .collect()
        });
        if let Some(c) = cells {
            return Ok(c);
        }
        if let Some(t) = self.texts() {
            return Ok(t
                .into_iter()
                .map(|v| v.map_or(Cell::Missing, Cell::Text))
                .collect());
        }
        Err(self.bad_type(match kind {
            CellKind::Time => "a timestamp, date, epoch-milliseconds or text column",
            CellKind::Number => "a numeric column (integer, float or decimal)",
            CellKind::Text => "a text column",
        }))
    }
}

#[derive(Clone, Copy)]
enum CellKind {
    Time,
    Number,
    Text,
}

/// Appends the text values of `chunk` (plain or dictionary-encoded text) to `out`; false when
/// the type is not text.
fn push_texts<'a>(chunk: &'a dyn Array, out: &mut Vec<Option<&'a str>>) -> bool {
    if let Some(a) = chunk.as_string_opt::<i32>() {
        out.extend(a.iter());
    } else if let Some(a) = chunk.as_string_opt::<i64>() {
        out.extend(a.iter());
    } else if let Some(a) = chunk.as_string_view_opt() {
        out.extend(a.iter());
    } else if let Some(d) = chunk.as_any_dictionary_opt() {
        let values = d.values();
        let mut dict = Vec::with_capacity(values.len());
        if !push_texts(values.as_ref(), &mut dict) {
            return false;
        }
        if dict.is_empty() {
            // Every key is null (a non-null key would point outside the empty dictionary).
            out.extend(std::iter::repeat(None).take(chunk.len()));
            return true;
        }
        let keys = d.normalized_keys();
        let nulls = d.keys().logical_nulls();
        for (i, &k) in keys.iter().enumerate() {
            let is_null = nulls.as_ref().is_some_and(|n| n.is_null(i));
            out.push(if is_null {
                None
            } else {
                dict.get(k).copied().flatten()
            });
        }
    } else {
        return false;
    }
    true
}

/// Replaces the field names that the typed-columns builders put in errors (`customerId`,
/// `amount`…) with the Arrow column names of the mapping: `names` holds `(field, column)`
/// pairs.
pub fn renamed(mut e: Error, names: &[(&str, &str)]) -> Error {
    let column = match &mut e {
        Error::LengthMismatch { column, .. }
        | Error::NonFinite { column, .. }
        | Error::Negative { column, .. }
        | Error::MissingValue { column, .. }
        | Error::BadDate { column, .. }
        | Error::BadType { column, .. }
        | Error::OutOfRange { column, .. } => Some(column),
        _ => None,
    };
    if let Some(c) = column {
        if let Some((_, to)) = names.iter().find(|(from, _)| *from == c.as_str()) {
            *c = (*to).to_string();
        }
    }
    e
}

/// Reads transactions from Arrow IPC bytes under `mapping` (see the [module docs](self)).
pub fn read_transactions<'b>(
    bytes: impl Into<Cow<'b, [u8]>>,
    mapping: &ColumnMapping,
) -> Result<Transactions> {
    let table = ArrowTable::read(bytes)?;
    let customer = table.column(&mapping.customer_id, "customerId")?;
    let time = table.column(&mapping.timestamp, "timestamp")?;
    let amount = table.column(&mapping.amount, "amount")?;
    let order = match &mapping.order_id {
        Some(name) => Some(table.column(name, "orderId")?),
        None => None,
    };
    let channel = match &mapping.channel {
        Some(name) => Some(table.column(name, "channel")?),
        None => None,
    };
    let cost = match &mapping.cost {
        Some(name) => Some(table.column(name, "cost")?),
        None => None,
    };
    mapping.check()?;
    let dimension_columns = mapping
        .dimensions
        .iter()
        .map(|name| table.column(name, "dimensions"))
        .collect::<Result<Vec<_>>>()?;
    let ids = customer.ids()?.into_owned();
    let timestamp = time.times(&mapping.timezone)?;
    let amounts = amount.required_numbers()?;
    let costs = match &cost {
        Some(c) => Some(c.required_numbers()?),
        None => None,
    };
    let orders = match &order {
        Some(c) => Some(c.ids()?.into_owned()),
        None => None,
    };
    let channels: Option<Vec<Option<String>>> = match &channel {
        Some(c) => Some(
            c.texts()
                .ok_or_else(|| c.bad_type("a text column"))?
                .into_iter()
                .map(|v| v.map(str::to_string))
                .collect(),
        ),
        None => None,
    };
    let dimensions = dimension_columns
        .iter()
        .map(|c| {
            c.texts()
                .ok_or_else(|| c.bad_type("a text column (utf8 or dictionary)"))
        })
        .collect::<Result<Vec<_>>>()?;
    let mut names = vec![
        ("customerId", mapping.customer_id.as_str()),
        ("timestamp", mapping.timestamp.as_str()),
        ("amount", mapping.amount.as_str()),
    ];
    if let Some(o) = &mapping.order_id {
        names.push(("orderId", o));
    }
    if let Some(c) = &mapping.channel {
        names.push(("channel", c));
    }
    if let Some(c) = &mapping.cost {
        names.push(("cost", c));
    }
    let mut tx = Transactions::from_owned_columns(
        OwnedColumns {
            customer_id: ids.as_column(),
            timestamp,
            amount: Cow::Owned(amounts),
            order_id: orders.as_ref().map(OwnedIds::as_column),
            channel: channels.as_deref(),
            cost: costs.map(Cow::Owned),
        },
        &mapping.timezone,
        mapping.date_format,
    )
    .map_err(|e| renamed(e, &names))?;
    for (name, texts) in mapping.dimensions.iter().zip(dimensions) {
        tx.add_dimension(name, texts.len(), texts.into_iter())?;
    }
    Ok(tx)
}

/// The kind of value a column read by [`for_each_row`] holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// A timestamp, date, epoch-milliseconds or text column (times as epoch-ms numbers).
    Time,
    /// A numeric column (integer, float or decimal), or text.
    Number,
    /// A text column.
    Text,
}

/// Calls `f(row, cells)` for every row (1-based) of an Arrow IPC table, with the cells of the
/// named columns in order: `columns` holds `(field, column name, kind)`. A missing column is
/// `E_MISSING_COLUMN` naming the field, a column of another type `E_BAD_TYPE`; nulls are
/// [`Cell::Missing`]. The cells are not checked further: the caller's row reader does, as for
/// CSV. Returns the number of rows.
pub fn for_each_row(
    bytes: &[u8],
    columns: &[(&str, &str, ColumnKind)],
    mut f: impl FnMut(usize, &[Cell<'_>]) -> Result<()>,
) -> Result<usize> {
    let table = ArrowTable::read(bytes)?;
    let cols = columns
        .iter()
        .map(|&(field, name, kind)| {
            table.column(name, field)?.cells(match kind {
                ColumnKind::Time => CellKind::Time,
                ColumnKind::Number => CellKind::Number,
                ColumnKind::Text => CellKind::Text,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let n = table.num_rows();
    let mut cells = Vec::with_capacity(cols.len());
    for i in 0..n {
        cells.clear();
        cells.extend(
            cols.iter()
                .map(|c| c.get(i).copied().unwrap_or(Cell::Missing)),
        );
        f(i + 1, &cells)?;
    }
    Ok(n)
}

/// Reads marketing spend from Arrow IPC bytes under `mapping`, row by row through the same
/// [`SpendBuilder`] as CSV, rows and typed columns.
pub fn read_spend(bytes: &[u8], mapping: &SpendMapping) -> Result<Spend> {
    let table = ArrowTable::read(bytes)?;
    let date = table.column(&mapping.date, "date")?.cells(CellKind::Time)?;
    let channel = table
        .column(&mapping.channel, "channel")?
        .cells(CellKind::Text)?;
    let amount = table
        .column(&mapping.amount, "amount")?
        .cells(CellKind::Number)?;
    let kind = match &mapping.channel_type {
        Some(name) => Some(table.column(name, "channelType")?.cells(CellKind::Text)?),
        None => None,
    };
    let mut b = SpendBuilder::new(mapping);
    b.reserve(amount.len())?;
    for (i, ((&d, &c), &a)) in date.iter().zip(&channel).zip(&amount).enumerate() {
        let k = kind
            .as_ref()
            .and_then(|k| k.get(i).copied())
            .unwrap_or(Cell::Missing);
        b.push(i + 1, d, c, a, k)?;
    }
    b.finish()
}

/// Reads an id column and required numeric columns by name: `id` and each of `numbers` is a
/// `(field, column)` pair, the field naming the column in a missing-column error. Ids as
/// [`OwnedIds`], numbers as `f64` in the order of `numbers`; a null is `E_MISSING_VALUE` and a
/// column of another type `E_BAD_TYPE`, each naming the column (the values are not checked
/// further: the table built from them does that, and [`renamed`] maps its errors back to the
/// column names).
pub fn read_ids_and_numbers(
    bytes: &[u8],
    id: (&str, &str),
    numbers: &[(&str, &str)],
) -> Result<(OwnedIds, Vec<Vec<f64>>)> {
    let table = ArrowTable::read(bytes)?;
    let ids = table.column(id.1, id.0)?.ids()?.into_owned();
    let columns = numbers
        .iter()
        .map(|&(field, name)| table.column(name, field)?.required_numbers())
        .collect::<Result<Vec<_>>>()?;
    Ok((ids, columns))
}

/// The numeric columns `columns` of a table, each checked: a numeric type (else `E_BAD_TYPE`),
/// no nulls (`E_MISSING_VALUE`), finite and at most 1e150 in magnitude (`E_NON_FINITE`,
/// `E_OUT_OF_RANGE`); errors name the Arrow column and the 1-based row.
fn finite_columns(table: &ArrowTable, columns: &[String]) -> Result<Vec<Vec<f64>>> {
    columns
        .iter()
        .map(|name| {
            let column = table.column(name, name)?;
            crate::error::check_numbers(column.required_numbers()?, column.name)
        })
        .collect()
}

/// Reads the numeric columns named in `columns`, in that order, into a row-major feature
/// matrix: `rows × columns.len()` values, row `i`'s value of column `j` at
/// `i * columns.len() + j` — the layout the segmentation functions
/// ([`segment`](crate::segment::model::segment), [`kmeans_rows`](crate::segment::model::kmeans_rows))
/// take with `d = columns.len()`. Owned bytes are read in place, as by
/// [`ArrowTable::read`]. Integer, float and decimal columns are read as `f64`. A null
/// is `E_MISSING_VALUE`, a column of another type `E_BAD_TYPE`, NaN or ±Infinity
/// `E_NON_FINITE` and a magnitude above 1e150 `E_OUT_OF_RANGE`, each naming the column and row;
/// no columns named is `E_BAD_OPTION`, a table without rows `E_EMPTY`.
///
/// ```
/// # #[cfg(feature = "arrow")] {
/// use std::sync::Arc;
/// use arrow_array::{Float64Array, Int32Array, RecordBatch, StringArray};
/// use unimetric::data::arrow::read_features;
/// let batch = RecordBatch::try_from_iter([
///     ("customer", Arc::new(StringArray::from(vec!["a", "b"])) as _),
///     ("orders", Arc::new(Int32Array::from(vec![3, 1])) as _),
///     ("spend", Arc::new(Float64Array::from(vec![120.0, 15.5])) as _),
/// ]).unwrap();
/// let mut bytes = Vec::new();
/// let mut w = arrow_ipc::writer::StreamWriter::try_new(&mut bytes, &batch.schema()).unwrap();
/// w.write(&batch).unwrap();
/// w.finish().unwrap();
/// drop(w);
/// let x = read_features(&bytes, &["spend".into(), "orders".into()]).unwrap();
/// assert_eq!(x, vec![120.0, 3.0, 15.5, 1.0]);
/// # }
/// ```
pub fn read_features<'b>(bytes: impl Into<Cow<'b, [u8]>>, columns: &[String]) -> Result<Vec<f64>> {
    if columns.is_empty() {
        return Err(Error::BadOption {
            option: "columns".into(),
            message: "name at least one numeric column".into(),
        });
    }
    let table = ArrowTable::read(bytes)?;
    let n = table.num_rows();
    if n == 0 {
        return Err(Error::Empty {
            what: "Arrow table".into(),
        });
    }
    let d = columns.len();
    let mut out = vec![0.0; n * d];
    for (j, values) in finite_columns(&table, columns)?.into_iter().enumerate() {
        for (slot, x) in out.iter_mut().skip(j).step_by(d).zip(values) {
            *slot = x;
        }
    }
    Ok(out)
}

/// Which Arrow columns make a [`CustomerAttributes`] table: the customer id column, numeric
/// attribute columns and categorical (text) attribute columns, each kept under its Arrow name.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Deserialize)]
#[cfg_attr(
    target_arch = "wasm32",
    derive(tsify::Tsify),
    tsify(missing_as_null, rename = "AttributeColumns")
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AttributeMapping {
    /// The customer id column (integer or text).
    #[serde(deserialize_with = "super::column_name")]
    pub customer_id: String,
    /// Numeric attribute columns (integer, float or decimal).
    #[serde(default, deserialize_with = "super::column_names")]
    pub numeric: Vec<String>,
    /// Categorical attribute columns (text or dictionary-encoded text).
    #[serde(default, deserialize_with = "super::column_names")]
    pub categorical: Vec<String>,
}

/// Reads per-customer attributes for the churn model (one row per customer) from Arrow IPC
/// bytes: ids as text (integers in decimal), numeric columns checked as in [`read_features`],
/// categorical columns as text, where a null is `E_MISSING_VALUE` with the column and row. The
/// table then passes [`CustomerAttributes::validate`] (distinct non-blank ids, names that are
/// not feature names).
///
/// ```
/// # #[cfg(feature = "arrow")] {
/// use std::sync::Arc;
/// use arrow_array::{Float64Array, RecordBatch, StringArray, UInt32Array};
/// use unimetric::data::arrow::{read_attributes, AttributeMapping};
/// let batch = RecordBatch::try_from_iter([
///     ("id", Arc::new(UInt32Array::from(vec![7, 9])) as _),
///     ("age", Arc::new(Float64Array::from(vec![34.0, 51.0])) as _),
///     ("plan", Arc::new(StringArray::from(vec!["pro", "basic"])) as _),
/// ]).unwrap();
/// let mut bytes = Vec::new();
/// let mut w = arrow_ipc::writer::StreamWriter::try_new(&mut bytes, &batch.schema()).unwrap();
/// w.write(&batch).unwrap();
/// w.finish().unwrap();
/// drop(w);
/// let m = AttributeMapping { customer_id: "id".into(), numeric: vec!["age".into()], categorical: vec!["plan".into()] };
/// let a = read_attributes(&bytes, &m).unwrap();
/// assert_eq!(a.customer_id, vec!["7", "9"]);
/// assert_eq!(a.numeric, vec![("age".to_string(), vec![34.0, 51.0])]);
/// assert_eq!(a.categorical[0].1, vec![Some("pro".to_string()), Some("basic".to_string())]);
/// # }
/// ```
pub fn read_attributes<'b>(
    bytes: impl Into<Cow<'b, [u8]>>,
    mapping: &AttributeMapping,
) -> Result<CustomerAttributes> {
    let table = ArrowTable::read(bytes)?;
    let customer_id = match table
        .column(&mapping.customer_id, "customerId")?
        .ids()?
        .into_owned()
    {
        OwnedIds::Numeric(v) => v.iter().map(u32::to_string).collect(),
        OwnedIds::Text(v) => v,
    };
    let numeric = mapping
        .numeric
        .iter()
        .cloned()
        .zip(finite_columns(&table, &mapping.numeric)?)
        .collect();
    let mut categorical = Vec::with_capacity(mapping.categorical.len());
    for name in &mapping.categorical {
        let column = table.column(name, name)?;
        let texts = column
            .texts()
            .ok_or_else(|| column.bad_type("a text column (category names)"))?;
        let mut values = Vec::with_capacity(texts.len());
        for (i, v) in texts.into_iter().enumerate() {
            values.push(Some(v.ok_or_else(|| column.missing(i + 1))?.to_string()));
        }
        categorical.push((name.clone(), values));
    }
    let attributes = CustomerAttributes {
        customer_id,
        numeric,
        categorical,
    };
    attributes
        .validate()
        .map_err(|e| renamed(e, &[("customerId", mapping.customer_id.as_str())]))?;
    Ok(attributes)
}
