//! CSV input, read with the `csv` crate.
//!
//! - The first record is the header; columns are found by name (surrounding spaces ignored).
//! - The delimiter is detected from the header line: whichever of `,` `;` and tab occurs most
//!   often outside quotes (`,` when none does).
//! - A UTF-8 byte-order mark is skipped; the text must be UTF-8 (`E_CSV` otherwise).
//! - Fields may be quoted with `"`; quotes inside are doubled (RFC 4180).
//! - Every record must have as many fields as the header (`E_CSV` naming the row otherwise).
//! - Rows are numbered as a spreadsheet shows them: the header is row 1, the first record row 2.
//! - Numbers use `.` as the decimal separator; `1,5` is an error, never silently 15 or 1.5.

use super::{Cell, ColumnMapping, RowBuilder, RowCells, Transactions};
use crate::error::{join_names, Error, Result};
use crate::glossary::ParameterDef;
use serde::Deserialize;

/// Picks the delimiter from the header line: the most frequent of `,` `;` `\t` outside quotes.
pub fn sniff_delimiter(bytes: &[u8]) -> u8 {
    let mut counts = [0usize; 3];
    let mut in_quotes = false;
    for &b in bytes {
        match b {
            b'"' => in_quotes = !in_quotes,
            b'\n' | b'\r' if !in_quotes => break,
            b',' if !in_quotes => counts[0] += 1,
            b';' if !in_quotes => counts[1] += 1,
            b'\t' if !in_quotes => counts[2] += 1,
            _ => {}
        }
    }
    let candidates = [b',', b';', b'\t'];
    let mut best = 0;
    for i in 1..3 {
        if counts[i] > counts[best] {
            best = i;
        }
    }
    candidates[best]
}

/// Strips a UTF-8 byte-order mark.
pub fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// A CSV reader configured by the rules in the [module docs](self), with the header read.
pub struct CsvTable<'a> {
    reader: csv::Reader<&'a [u8]>,
    /// Header names, trimmed.
    pub headers: Vec<String>,
}

impl<'a> CsvTable<'a> {
    /// Opens CSV bytes and reads the header row.
    pub fn open(bytes: &'a [u8]) -> Result<CsvTable<'a>> {
        Self::open_with(bytes, false)
    }

    /// [`open`](Self::open); with `flexible`, records with the wrong number of fields are
    /// handed to [`for_each`](Self::for_each) instead of failing the read (the caller checks).
    fn open_with(bytes: &'a [u8], flexible: bool) -> Result<CsvTable<'a>> {
        let body = strip_bom(bytes);
        let delimiter = sniff_delimiter(body);
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(true)
            .flexible(flexible)
            .from_reader(body);
        let headers = reader
            .byte_headers()
            .map_err(|e| csv_error(&e, 1))?
            .iter()
            .enumerate()
            .map(|(i, h)| {
                std::str::from_utf8(h)
                    .map(|s| s.trim().to_string())
                    .map_err(|_| Error::Csv {
                        row: 1,
                        message: format!("header field {} is not valid UTF-8", i + 1),
                    })
            })
            .collect::<Result<Vec<_>>>()?;
        if headers.iter().all(|h| h.is_empty()) {
            return Err(Error::Empty {
                what: "CSV header".into(),
            });
        }
        Ok(CsvTable { reader, headers })
    }

    /// Index of the column named `name`, or `E_MISSING_COLUMN` for mapping field `field`.
    pub fn column(&self, name: &str, field: &str) -> Result<usize> {
        self.headers
            .iter()
            .position(|h| h == name.trim())
            .ok_or_else(|| Error::MissingColumn {
                column: name.to_string(),
                field: field.to_string(),
                available: join_names(self.headers.iter().map(|h| format!("'{h}'"))),
            })
    }

    /// Calls `f(row, record)` for every record; `row` is the spreadsheet row (header = 1).
    pub fn for_each<F>(&mut self, mut f: F) -> Result<usize>
    where
        F: FnMut(usize, &csv::ByteRecord) -> Result<()>,
    {
        let mut record = csv::ByteRecord::new();
        let mut row = 1usize;
        loop {
            match self.reader.read_byte_record(&mut record) {
                Ok(true) => {
                    row += 1;
                    f(row, &record)?;
                }
                Ok(false) => break,
                Err(e) => return Err(csv_error(&e, row + 1)),
            }
        }
        Ok(row - 1)
    }
}

fn csv_error(e: &csv::Error, row: usize) -> Error {
    let message = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("has {len} fields but the header has {expected_len}"),
        _ => e.to_string(),
    };
    Error::Csv { row, message }
}

/// Reads one field of a record as a [`Cell`]: empty fields are [`Cell::Missing`].
pub fn field<'r>(
    record: &'r csv::ByteRecord,
    idx: usize,
    column: &str,
    row: usize,
) -> Result<Cell<'r>> {
    match record.get(idx) {
        None => Ok(Cell::Missing),
        Some(raw) => {
            let s = std::str::from_utf8(raw).map_err(|_| Error::Csv {
                row,
                message: format!("field in column '{column}' is not valid UTF-8"),
            })?;
            if s.trim().is_empty() {
                Ok(Cell::Missing)
            } else {
                Ok(Cell::Text(s))
            }
        }
    }
}

/// Reads transactions from CSV bytes under `mapping`.
pub fn read_transactions(bytes: &[u8], mapping: &ColumnMapping) -> Result<Transactions> {
    read(bytes, mapping, None)
}

/// Parameter `maxReported`: how many rejected rows a skipping read reports (0–1000000).
pub const MAX_REPORTED: ParameterDef = ParameterDef::new(
    "maxReported",
    "100",
    "Rejected rows reported at most (whole number, 0–1000000); all are counted.",
)
.number(100.0)
.range(0.0, 1e6)
.whole();

/// Options of a CSV read that skips bad rows (JS `Transactions.fromCsvSkippingBadRows`); JS
/// `CsvSkipOptions`.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct CsvSkipOptions {
    /// Rejected rows reported at most (default 100).
    pub max_reported: u32,
}

impl Default for CsvSkipOptions {
    fn default() -> Self {
        CsvSkipOptions {
            max_reported: const { MAX_REPORTED.default_number() } as u32,
        }
    }
}

impl CsvSkipOptions {
    /// `maxReported` checked against its range (`E_BAD_OPTION`).
    pub fn max_reported(&self) -> Result<usize> {
        MAX_REPORTED.check_count(f64::from(self.max_reported))
    }
}

/// Rows that [`read_transactions_skipping`] left out.
#[derive(Debug, Clone, PartialEq)]
pub struct RejectedRows {
    /// The error of each rejected row, in file order, at most `max_reported` of them (each
    /// names the 1-based row and, where it is about one field, the column).
    pub errors: Vec<Error>,
    /// How many rows were rejected in all (may exceed `errors.len()`).
    pub count: usize,
}

/// Reads transactions from CSV bytes under `mapping`, leaving out every record that is wrong on
/// its own (a missing, unparsable or non-finite value, a wrong field count, invalid UTF-8 in a
/// field) and reporting it, instead of failing on the first one as [`read_transactions`] does.
/// Problems of the file as a whole still fail: a missing column, an unreadable header, more than
/// the row limit (`E_TOO_LARGE`). When every record is rejected the error of the first one is
/// returned. The rows kept give exactly the table `read_transactions` gives for the file
/// without the rejected rows.
///
/// ```
/// use unimetric::{data::csv_input::read_transactions_skipping, ColumnMapping};
/// let csv = "customer,date,amount\na,2024-01-01,10\nb,not a date,5\nc,2024-01-03\nd,2024-01-04,2\n";
/// let (tx, rejected) =
///     read_transactions_skipping(csv.as_bytes(), &ColumnMapping::new("customer", "date", "amount"), 100).unwrap();
/// assert_eq!(tx.len(), 2);
/// assert_eq!(rejected.count, 2);
/// assert_eq!(rejected.errors[0].code(), "E_BAD_DATE");
/// assert_eq!((rejected.errors[0].row(), rejected.errors[0].column()), (Some(3), Some("date")));
/// assert_eq!((rejected.errors[1].code(), rejected.errors[1].row()), ("E_CSV", Some(4)));
/// ```
pub fn read_transactions_skipping(
    bytes: &[u8],
    mapping: &ColumnMapping,
    max_reported: usize,
) -> Result<(Transactions, RejectedRows)> {
    let mut rejected = RejectedRows {
        errors: Vec::new(),
        count: 0,
    };
    let mut first: Option<Error> = None;
    let tx = read(
        bytes,
        mapping,
        Some(&mut |e: Error| {
            rejected.count += 1;
            if first.is_none() {
                first = Some(e.clone());
            }
            if rejected.errors.len() < max_reported {
                rejected.errors.push(e);
            }
        }),
    );
    match (tx, first) {
        (Err(Error::Empty { .. }), Some(e)) => Err(e),
        (tx, _) => Ok((tx?, rejected)),
    }
}

/// Whether an error is about one record alone (so that record can be left out).
fn row_level(e: &Error) -> bool {
    !matches!(
        e,
        Error::TooLarge { .. } | Error::MissingColumn { .. } | Error::Empty { .. }
    ) && e.row().is_some()
}

/// The reader behind both: with `reject`, row-level errors go to it and the row is left out.
fn read(
    bytes: &[u8],
    mapping: &ColumnMapping,
    mut reject: Option<&mut dyn FnMut(Error)>,
) -> Result<Transactions> {
    let mut table = CsvTable::open_with(bytes, reject.is_some())?;
    let width = table.headers.len();
    let ci = table.column(&mapping.customer_id, "customerId")?;
    let ti = table.column(&mapping.timestamp, "timestamp")?;
    let ai = table.column(&mapping.amount, "amount")?;
    let oi = match &mapping.order_id {
        Some(name) => Some(table.column(name, "orderId")?),
        None => None,
    };
    let chi = match &mapping.channel {
        Some(name) => Some(table.column(name, "channel")?),
        None => None,
    };
    let ki = match &mapping.cost {
        Some(name) => Some(table.column(name, "cost")?),
        None => None,
    };
    mapping.check()?;
    let di = mapping
        .dimensions
        .iter()
        .map(|name| table.column(name, "dimensions"))
        .collect::<Result<Vec<_>>>()?;
    let mut builder = RowBuilder::new(mapping);
    // A rough row count from the byte length keeps reallocation rare.
    builder.reserve(bytes.len() / 64)?;
    table.for_each(|row, rec| {
        let Some(reject) = reject.as_deref_mut() else {
            return push_record(
                &mut builder,
                mapping,
                row,
                rec,
                [ci, ti, ai],
                [oi, chi, ki],
                &di,
            );
        };
        let result = if rec.len() == width {
            push_record(
                &mut builder,
                mapping,
                row,
                rec,
                [ci, ti, ai],
                [oi, chi, ki],
                &di,
            )
        } else {
            Err(Error::Csv {
                row,
                message: format!("has {} fields but the header has {width}", rec.len()),
            })
        };
        match result {
            Err(e) if row_level(&e) => {
                reject(e);
                Ok(())
            }
            other => other,
        }
    })?;
    builder.finish()
}

/// Reads one record's fields (customer, time, amount at `idx`; optional order, channel and
/// cost; the dimensions at `dimensions`) and pushes them; nothing is pushed when a field is wrong.
fn push_record(
    builder: &mut RowBuilder,
    mapping: &ColumnMapping,
    row: usize,
    rec: &csv::ByteRecord,
    idx: [usize; 3],
    optional: [Option<usize>; 3],
    dimensions: &[usize],
) -> Result<()> {
    let [ci, ti, ai] = idx;
    let [oi, chi, ki] = optional;
    let optional_field = |i: Option<usize>, name: &Option<String>| match i {
        Some(i) => field(rec, i, name.as_deref().unwrap_or_default(), row),
        None => Ok(Cell::Missing),
    };
    let cells = RowCells {
        customer: field(rec, ci, &mapping.customer_id, row)?,
        time: field(rec, ti, &mapping.timestamp, row)?,
        amount: field(rec, ai, &mapping.amount, row)?,
        order: optional_field(oi, &mapping.order_id)?,
        channel: optional_field(chi, &mapping.channel)?,
        cost: optional_field(ki, &mapping.cost)?,
    };
    if dimensions.is_empty() {
        return builder.push(row, cells);
    }
    let dims = dimensions
        .iter()
        .zip(&mapping.dimensions)
        .map(|(&i, name)| field(rec, i, name, row))
        .collect::<Result<Vec<_>>>()?;
    builder.push_with_dimensions(row, cells, &dims)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapping() -> ColumnMapping {
        ColumnMapping::new("customer", "date", "amount")
    }

    #[test]
    fn delimiters_bom_and_quotes() {
        for text in [
            "customer,date,amount\na,2024-01-01,10\n\"b, inc\",2024-01-02,\"2.5\"\n",
            "\u{feff}customer;date;amount\na;2024-01-01;10\n\"b, inc\";2024-01-02;2.5\n",
            "customer\tdate\tamount\r\na\t2024-01-01\t10\r\nb, inc\t2024-01-02\t2.5\r\n",
        ] {
            let tx = read_transactions(text.as_bytes(), &mapping()).unwrap();
            assert_eq!(tx.len(), 2, "{text:?}");
            assert_eq!(tx.amounts(), &[10.0, 2.5]);
            assert_eq!(
                tx.customer_keys(),
                &crate::data::CustomerKeys::Text(vec!["a".into(), "b, inc".into()])
            );
        }
    }

    #[test]
    fn errors_name_column_and_spreadsheet_row() {
        let text = "customer,date,amount\na,2024-01-01,10\nb,2024-13-01,1\n";
        let e = read_transactions(text.as_bytes(), &mapping()).unwrap_err();
        assert_eq!(
            (e.code(), e.column(), e.row()),
            ("E_BAD_DATE", Some("date"), Some(3))
        );

        let ragged = "customer,date,amount\na,2024-01-01,10\nb,2024-01-02\n";
        let e = read_transactions(ragged.as_bytes(), &mapping()).unwrap_err();
        assert_eq!((e.code(), e.row()), ("E_CSV", Some(3)));
        assert!(
            e.to_string().contains("2 fields but the header has 3"),
            "{e}"
        );

        let missing = "customer,when,amount\na,2024-01-01,10\n";
        let e = read_transactions(missing.as_bytes(), &mapping()).unwrap_err();
        assert_eq!(e.code(), "E_MISSING_COLUMN");
        assert!(e.to_string().contains("'when'"), "{e}");

        let e = read_transactions(b"customer,date,amount\n", &mapping()).unwrap_err();
        assert_eq!(e.code(), "E_EMPTY");
        let e = read_transactions(b"", &mapping()).unwrap_err();
        assert_eq!(e.code(), "E_EMPTY");

        let bad_utf8 = b"customer,date,amount\n\xff\xfe,2024-01-01,1\n";
        let e = read_transactions(bad_utf8, &mapping()).unwrap_err();
        assert_eq!((e.code(), e.row()), ("E_CSV", Some(2)));

        let blank_amount = "customer,date,amount\na,2024-01-01,\n";
        let e = read_transactions(blank_amount.as_bytes(), &mapping()).unwrap_err();
        assert_eq!(
            (e.code(), e.column(), e.row()),
            ("E_MISSING_VALUE", Some("amount"), Some(2))
        );
    }
}
