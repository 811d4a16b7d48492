//! Input contracts: transactions from typed columns, rows of cells, or CSV.
//!
//! A [`Transactions`] table holds one row per transaction: a customer id, a timestamp and an
//! amount, with an optional order id and acquisition channel. Every constructor validates every
//! row and reports the first problem as a coded [`Error`](crate::Error) naming the column and the
//! 1-based row; nothing the caller passed is modified.
//!
//! # Amounts and refunds
//!
//! Amounts are in the caller's currency units and must be finite. Negative amounts are refunds:
//! they are netted with the other transactions of the same customer in the same period (see
//! [`crate::summary`]). A period is a purchase period when it holds at least one transaction with
//! amount ≥ 0 (a $0.00 order counts), whatever its net amount; see
//! [`crate::summary::is_purchase`].
//!
//! # Cost
//!
//! An optional cost column gives each transaction's cost of goods in the same currency units as
//! the amount (finite; a negative cost, e.g. the cost returned with a refund, is allowed). Its
//! realised gross margin is `amount − cost`; [`crate::ltv::historical`] sums it instead of
//! applying a margin rate. A missing cost in a mapped column is `E_MISSING_VALUE`.
//!
//! # Dimensions
//!
//! Besides the channel, a table keeps any text columns named in [`ColumnMapping::dimensions`]
//! (e.g. `["country", "device"]`; for typed columns [`Transactions::with_dimensions`]) for
//! filters, splits and explanations. Each is stored as dictionary codes: one `u32` a row
//! ([`MISSING_VALUE`] for a missing or blank value) and its distinct values in first-appearance
//! order ([`Dimension`]). [`Transactions::dimension`] gives the per-row values, for filtering and
//! splitting transactions; `CustomerSummary::dimension` the value of each customer's first
//! purchase, for splitting customers (as the acquisition channel is). A dimension named twice, an
//! empty name (`E_BAD_OPTION`), a column that is absent (`E_MISSING_COLUMN`) or holds something
//! other than text (`E_BAD_TYPE`) is an error naming it.
//!
//! # Dates and time zones
//!
//! See [`dates`] for the accepted forms and the period calendar. A table is read in one time
//! zone (the mapping's `timezone`, default `"UTC"`): naive date-times and bare dates are local
//! to it, instants stay instants. The table remembers the zone ([`Transactions::timezone`]); it
//! is the default `timezone` of every metric computed from the table.

#[cfg(feature = "arrow")]
pub mod arrow;
pub mod attributes;
pub mod csv_input;
pub mod dates;
pub mod fingerprint;
pub mod spend;
pub mod traffic;

use crate::error::{join_names, Error, Result};
use rustc_hash::FxHashMap;
use serde::Deserialize;
use std::borrow::Cow;
use std::cmp::Ordering;

pub use dates::{Calendar, ObservationEnd, Period, When, Zone};

/// The largest number of transactions one table accepts (`E_TOO_LARGE` above it).
///
/// At about 24 bytes per transaction in wasm memory this keeps a table and its summary well
/// inside the 4 GiB a 32-bit WebAssembly instance can address.
pub const MAX_TRANSACTIONS: usize = 50_000_000;

/// Which input column holds each field, by column name (for rows and CSV).
///
/// ```
/// let m: unimetric::ColumnMapping = serde_json::from_str(
///     r#"{"customerId":"customer_id","timestamp":"order_date","amount":"revenue"}"#).unwrap();
/// assert_eq!(m.amount, "revenue");
/// assert!(m.channel.is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ColumnMapping {
    /// Column with the customer id (any text or number; compared as text).
    #[serde(deserialize_with = "column_name")]
    pub customer_id: String,
    /// Column with the transaction time (see [`dates`]).
    #[serde(deserialize_with = "column_name")]
    pub timestamp: String,
    /// Column with the transaction amount (refunds negative).
    #[serde(deserialize_with = "column_name")]
    pub amount: String,
    /// Optional column with an order id; several rows with one order id count as one order.
    #[serde(default, deserialize_with = "option_column_name")]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub order_id: Option<String>,
    /// Optional column with the acquisition/marketing channel of the transaction.
    #[serde(default, deserialize_with = "option_column_name")]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub channel: Option<String>,
    /// Optional column with the transaction's cost (same currency; historical LTV then uses
    /// amount − cost).
    #[serde(default, deserialize_with = "option_column_name")]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub cost: Option<String>,
    /// Text columns kept as dimensions for filters, splits and explanations (e.g.
    /// `["country", "device"]`); each name at most once, none empty. Read them back with
    /// `tx.dimension(name)` (per row) and `summary.dimension(name)` (at first purchase).
    #[serde(default, deserialize_with = "dimension_names")]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub dimensions: Vec<String>,
    /// IANA time zone in which naive date-times and bare dates are read (default `"UTC"`); the
    /// table remembers it as the default `timezone` of every metric (see [`dates`]).
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(optional, type = "string"))]
    pub timezone: Zone,
    /// How text dates write day and month (default `"YYYY-MM-DD"`: ISO 8601 and the date policy
    /// only); `"MM/DD/YYYY"`, `"DD/MM/YYYY"` or `"DD.MM.YYYY"` for exports that write slash or dot
    /// dates (see [`dates::DateFormat`]; [`dates::infer_date_format`] tells which).
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub date_format: dates::DateFormat,
}

/// Options of a table built from typed columns (`Transactions.fromColumns(columns, options)`):
/// the time zone naive text times are read in and the table remembers. JS `TableOptions`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct TableOptions {
    /// IANA time zone (default `"UTC"`), as in [`ColumnMapping::timezone`].
    #[cfg_attr(target_arch = "wasm32", tsify(optional, type = "string"))]
    pub timezone: Zone,
}

/// Reads the dimension names of a mapping: non-empty, distinct (serde `deserialize_with`).
pub fn dimension_names<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Vec<String>, D::Error> {
    let names = Vec::<String>::deserialize(d)?;
    check_dimension_names(names.iter().map(String::as_str))
        .map_err(|e| serde::de::Error::custom(e.to_string()))?;
    Ok(names)
}

/// `E_BAD_OPTION` (option `dimensions`) for an empty or repeated dimension name.
fn check_dimension_names<'a>(names: impl Iterator<Item = &'a str>) -> Result<()> {
    let mut seen: Vec<&str> = Vec::new();
    for (i, name) in names.enumerate() {
        if name.trim().is_empty() {
            return Err(Error::BadOption {
                option: "dimensions".into(),
                message: format!("dimension {} has an empty column name", i + 1),
            });
        }
        if seen.contains(&name) {
            return Err(Error::BadOption {
                option: "dimensions".into(),
                message: format!("dimension '{name}' is named more than once"),
            });
        }
        seen.push(name);
    }
    Ok(())
}

/// Reads a column name of a mapping: a non-empty string (serde `deserialize_with`).
pub fn column_name<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<String, D::Error> {
    let s = String::deserialize(d)?;
    if s.trim().is_empty() {
        return Err(serde::de::Error::custom(
            "expected a column name (non-empty string), found an empty string",
        ));
    }
    Ok(s)
}

/// Reads a list of column names of a mapping (each as [`column_name`]).
pub fn column_names<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Vec<String>, D::Error> {
    let names = Vec::<String>::deserialize(d)?;
    if names.iter().any(|s| s.trim().is_empty()) {
        return Err(serde::de::Error::custom(
            "expected column names (non-empty strings), found an empty string",
        ));
    }
    Ok(names)
}

/// Reads an optional column name of a mapping (see [`column_name`]).
pub fn option_column_name<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<String>, D::Error> {
    column_name(d).map(Some)
}

impl ColumnMapping {
    /// A mapping for the three required fields.
    pub fn new(customer_id: &str, timestamp: &str, amount: &str) -> Self {
        ColumnMapping {
            customer_id: customer_id.into(),
            timestamp: timestamp.into(),
            amount: amount.into(),
            order_id: None,
            channel: None,
            cost: None,
            dimensions: Vec::new(),
            timezone: Zone::utc(),
            date_format: dates::DateFormat::Iso,
        }
    }

    /// Checks the dimension names (see [`ColumnMapping::dimensions`]); the readers call it.
    pub fn check(&self) -> Result<()> {
        check_dimension_names(self.dimensions.iter().map(String::as_str))
    }
}

/// One value read from a row object or a CSV field, before validation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    /// Absent, `null` or `undefined`.
    Missing,
    /// A number.
    Number(f64),
    /// Text (CSV fields are always text).
    Text(&'a str),
    /// A value of another type; the string names the type (e.g. `boolean`).
    Other(&'a str),
}

/// The customer keys of a table: numeric (`Uint32Array` ids) or text.
#[derive(Debug, Clone, PartialEq)]
pub enum CustomerKeys {
    /// Numeric ids.
    Numeric(Vec<u32>),
    /// Text ids.
    Text(Vec<String>),
}

/// Customer ids cross to JavaScript as a `Uint32Array` (numeric ids) or an array of strings.
impl serde::Serialize for CustomerKeys {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            CustomerKeys::Numeric(v) => crate::columns::u32s(v, s),
            CustomerKeys::Text(v) => v.serialize(s),
        }
    }
}

impl CustomerKeys {
    /// Number of keys.
    pub fn len(&self) -> usize {
        match self {
            CustomerKeys::Numeric(v) => v.len(),
            CustomerKeys::Text(v) => v.len(),
        }
    }

    /// True when there are no keys.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The keys reordered by `order` (a list of indices into `self`).
    pub fn select(&self, order: &[u32]) -> CustomerKeys {
        match self {
            CustomerKeys::Numeric(v) => {
                CustomerKeys::Numeric(order.iter().map(|&i| v[i as usize]).collect())
            }
            CustomerKeys::Text(v) => {
                CustomerKeys::Text(order.iter().map(|&i| v[i as usize].clone()).collect())
            }
        }
    }

    /// Compares key `a` with key `b` in the output order: numeric ids ascending; text ids in
    /// natural order (all-digit ids without leading zeros by numeric value, before other text,
    /// which is compared byte by byte).
    pub fn compare(&self, a: usize, b: usize) -> Ordering {
        match self {
            CustomerKeys::Numeric(v) => v[a].cmp(&v[b]),
            CustomerKeys::Text(v) => natural_cmp(&v[a], &v[b]),
        }
    }

    /// Key indices in output order ([`CustomerKeys::compare`]: numeric ids ascending, text
    /// ids in natural order): the order every per-customer result is returned in. Equal keys
    /// (possible in a summary's id column) keep their index order.
    ///
    /// ```
    /// use unimetric::data::CustomerKeys;
    /// assert_eq!(CustomerKeys::Numeric(vec![30, 10, 20]).output_order(), vec![1, 2, 0]);
    /// let text = CustomerKeys::Text(vec!["b".into(), "10".into(), "9".into()]);
    /// assert_eq!(text.output_order(), vec![2, 1, 0]);
    /// ```
    pub fn output_order(&self) -> Vec<u32> {
        let m = self.len();
        match self {
            // Ascending already (dense ids are interned in that order).
            CustomerKeys::Numeric(keys) if keys.windows(2).all(|w| w[0] < w[1]) => {
                (0..m as u32).collect()
            }
            // Otherwise (sparse ids, interned in first-appearance order): sort (key, index)
            // pairs, with no indirection per comparison.
            CustomerKeys::Numeric(keys) => {
                let mut pairs: Vec<(u32, u32)> = keys
                    .iter()
                    .enumerate()
                    .map(|(c, &key)| (key, c as u32))
                    .collect();
                pairs.sort_unstable();
                pairs.into_iter().map(|(_, c)| c).collect()
            }
            CustomerKeys::Text(_) => {
                let mut order: Vec<u32> = (0..m as u32).collect();
                order.sort_unstable_by(|&a, &b| {
                    self.compare(a as usize, b as usize).then(a.cmp(&b))
                });
                order
            }
        }
    }

    /// The key at `i` as text.
    pub fn key_text(&self, i: usize) -> String {
        match self {
            CustomerKeys::Numeric(v) => v[i].to_string(),
            CustomerKeys::Text(v) => v[i].clone(),
        }
    }
}

fn is_plain_integer(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s.len() == 1 || !s.starts_with('0'))
}

/// Natural order of text ids (see [`CustomerKeys::compare`]).
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    match (is_plain_integer(a), is_plain_integer(b)) {
        (true, true) => a.len().cmp(&b.len()).then_with(|| a.cmp(b)),
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => a.cmp(b),
    }
}

/// A column of customer (or order) ids passed as typed columns.
#[derive(Debug, Clone, Copy)]
pub enum IdColumn<'a> {
    /// Numeric ids (`Uint32Array`).
    Numeric(&'a [u32]),
    /// Text ids (`string[]`).
    Text(&'a [String]),
}

impl IdColumn<'_> {
    /// Number of ids.
    pub fn len(&self) -> usize {
        match self {
            IdColumn::Numeric(v) => v.len(),
            IdColumn::Text(v) => v.len(),
        }
    }

    /// True when there are no ids.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A column of timestamps passed as typed columns.
#[derive(Debug, Clone, Copy)]
pub enum TimeColumn<'a> {
    /// Epoch milliseconds (`Float64Array`).
    EpochMs(&'a [f64]),
    /// Whole epoch milliseconds (e.g. Arrow timestamps already converted to milliseconds); the
    /// same range check as [`TimeColumn::EpochMs`].
    Instants(&'a [i64]),
    /// Text under the date policy (`string[]`).
    Text(&'a [String]),
}

/// Typed columns for [`Transactions::from_columns`]. All columns must have the same length.
#[derive(Debug, Clone, Copy)]
pub struct TransactionColumns<'a> {
    /// Customer id per transaction.
    pub customer_id: IdColumn<'a>,
    /// Time per transaction.
    pub timestamp: TimeColumn<'a>,
    /// Amount per transaction (finite; negative = refund).
    pub amount: &'a [f64],
    /// Optional order id per transaction.
    pub order_id: Option<IdColumn<'a>>,
    /// Optional channel per transaction (`None` = unknown).
    pub channel: Option<&'a [Option<String>]>,
    /// Optional cost per transaction (finite, same currency as `amount`).
    pub cost: Option<&'a [f64]>,
}

/// [`TransactionColumns`] of which the numeric columns may be owned, so that a reader that has
/// materialised them (Arrow) moves them into the table instead of copying them again.
pub(crate) struct OwnedColumns<'a> {
    pub customer_id: IdColumn<'a>,
    pub timestamp: OwnedTimes<'a>,
    pub amount: Cow<'a, [f64]>,
    pub order_id: Option<IdColumn<'a>>,
    pub channel: Option<&'a [Option<String>]>,
    pub cost: Option<Cow<'a, [f64]>>,
}

/// [`TimeColumn`] with owned columns allowed (the Arrow reader's).
pub(crate) enum OwnedTimes<'a> {
    EpochMs(Cow<'a, [f64]>),
    Instants(Cow<'a, [i64]>),
    Text(Cow<'a, [String]>),
}

impl OwnedTimes<'_> {
    fn len(&self) -> usize {
        match self {
            OwnedTimes::EpochMs(v) => v.len(),
            OwnedTimes::Instants(v) => v.len(),
            OwnedTimes::Text(v) => v.len(),
        }
    }

    /// The column as checked epoch milliseconds: numbers within the accepted years, text under
    /// the date policy (naive times in `zone`, dates in `format`); errors name `column` and the
    /// 1-based row.
    fn instants(self, column: &str, zone: &Zone, format: dates::DateFormat) -> Result<Vec<i64>> {
        match self {
            OwnedTimes::EpochMs(v) => dates::parse_epoch_ms_column(&v, column),
            OwnedTimes::Instants(v) => dates::check_instants(v, column),
            OwnedTimes::Text(v) => v
                .iter()
                .enumerate()
                .map(|(i, s)| dates::parse_date_text_as(s, column, i + 1, zone, format))
                .collect(),
        }
    }
}

impl TimeColumn<'_> {
    /// Number of values.
    pub fn len(&self) -> usize {
        match self {
            TimeColumn::EpochMs(v) => v.len(),
            TimeColumn::Instants(v) => v.len(),
            TimeColumn::Text(v) => v.len(),
        }
    }

    /// True when the column has no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The column as checked epoch milliseconds, text times without an offset read in `zone`
    /// (ISO dates); errors name `column` and the 1-based row.
    pub fn instants(self, column: &str, zone: &Zone) -> Result<Vec<i64>> {
        let owned = match self {
            TimeColumn::EpochMs(v) => OwnedTimes::EpochMs(Cow::Borrowed(v)),
            TimeColumn::Instants(v) => OwnedTimes::Instants(Cow::Borrowed(v)),
            TimeColumn::Text(v) => OwnedTimes::Text(Cow::Borrowed(v)),
        };
        owned.instants(column, zone, dates::DateFormat::Iso)
    }
}

impl<'a> From<TransactionColumns<'a>> for OwnedColumns<'a> {
    fn from(c: TransactionColumns<'a>) -> Self {
        OwnedColumns {
            customer_id: c.customer_id,
            timestamp: match c.timestamp {
                TimeColumn::EpochMs(v) => OwnedTimes::EpochMs(Cow::Borrowed(v)),
                TimeColumn::Instants(v) => OwnedTimes::Instants(Cow::Borrowed(v)),
                TimeColumn::Text(v) => OwnedTimes::Text(Cow::Borrowed(v)),
            },
            amount: Cow::Borrowed(c.amount),
            order_id: c.order_id,
            channel: c.channel,
            cost: c.cost.map(Cow::Borrowed),
        }
    }
}

/// Marker for "no channel" in the channel column.
pub const NO_CHANNEL: u32 = u32::MAX;

/// The code of a missing (absent, null or blank) value in a [`Dimension`].
pub const MISSING_VALUE: u32 = u32::MAX;

/// A text column kept with a table (a dimension, named in the mapping's `dimensions`): its name,
/// one code per row and the distinct values the codes index.
///
/// JS `Dimension` (`tx.dimension(name)`, `summary.dimension(name)`): `{ name, codes, values }`
/// with `codes` a `Uint32Array` (4294967295 = missing).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
pub struct Dimension {
    /// The column name.
    pub(crate) name: String,
    /// One code per row: an index into `values`, or 4294967295 (missing).
    #[serde(serialize_with = "crate::columns::u32s")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Uint32Array"))]
    pub(crate) codes: Vec<u32>,
    /// The distinct values, in first-appearance order.
    pub(crate) values: Vec<String>,
}

impl Dimension {
    /// Interns a column of optional texts (blank = missing, surrounding spaces trimmed).
    fn from_texts<'a>(name: &str, texts: impl Iterator<Item = Option<&'a str>>) -> Dimension {
        let mut interner = TextInterner::default();
        let codes = texts
            .map(|t| match t.map(str::trim) {
                Some(t) if !t.is_empty() => interner.intern(t),
                _ => MISSING_VALUE,
            })
            .collect();
        Dimension {
            name: name.to_string(),
            codes,
            values: interner.keys,
        }
    }

    /// The column name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// One code per row: an index into [`values`](Self::values), or [`MISSING_VALUE`].
    pub fn codes(&self) -> &[u32] {
        &self.codes
    }

    /// The distinct values, in first-appearance order.
    pub fn values(&self) -> &[String] {
        &self.values
    }

    /// The value of row `row` (0-based), `None` when missing or out of range.
    pub fn value(&self, row: usize) -> Option<&str> {
        let code = *self.codes.get(row)?;
        self.values.get(code as usize).map(String::as_str)
    }
}

/// A validated table of transactions, stored column-wise with interned ids.
///
/// ```
/// use unimetric::{Transactions, TransactionColumns, IdColumn, TimeColumn};
/// let ids = [1u32, 1, 2];
/// let t = [0.0, 86_400_000.0, 0.0];
/// let amount = [10.0, 20.0, 5.0];
/// let tx = Transactions::from_columns(TransactionColumns {
///     customer_id: IdColumn::Numeric(&ids), timestamp: TimeColumn::EpochMs(&t),
///     amount: &amount, order_id: None, channel: None, cost: None,
/// }).unwrap();
/// assert_eq!(tx.len(), 3);
/// assert_eq!(tx.customer_count(), 2);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Transactions {
    pub(crate) customer: Vec<u32>,
    pub(crate) keys: CustomerKeys,
    /// Epoch milliseconds, each within the accepted years (`dates::MIN_MS..=dates::MAX_MS`):
    /// every constructor checks it.
    pub(crate) timestamp: Vec<i64>,
    pub(crate) amount: Vec<f64>,
    pub(crate) order: Option<Vec<u32>>,
    pub(crate) channel: Option<Vec<u32>>,
    pub(crate) channel_names: Vec<String>,
    pub(crate) cost: Option<Vec<f64>>,
    pub(crate) dimensions: Vec<Dimension>,
    /// The zone the table was read in: the default zone of every metric on it.
    pub(crate) zone: Zone,
    /// xxh3-128 of the validated columns, computed once, when first asked for.
    pub(crate) fingerprint: fingerprint::Cell,
}

/// Interns text keys to dense indices in first-appearance order.
#[derive(Default)]
struct TextInterner {
    map: FxHashMap<String, u32>,
    keys: Vec<String>,
}

impl TextInterner {
    fn intern(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.map.get(s) {
            return i;
        }
        let i = self.keys.len() as u32;
        self.map.insert(s.to_string(), i);
        self.keys.push(s.to_string());
        i
    }
}

/// Interns numeric keys to dense indices in first-appearance order.
#[derive(Default)]
struct NumInterner {
    map: FxHashMap<u32, u32>,
    keys: Vec<u32>,
}

impl NumInterner {
    fn intern(&mut self, k: u32) -> u32 {
        let next = self.keys.len() as u32;
        let i = *self.map.entry(k).or_insert(next);
        if i == next {
            self.keys.push(k);
        }
        i
    }
}

fn check_size(n: usize) -> Result<()> {
    if n > MAX_TRANSACTIONS {
        return Err(Error::TooLarge {
            what: "transactions".into(),
            size: n,
            limit: MAX_TRANSACTIONS,
        });
    }
    Ok(())
}

fn clean_id(s: &str, column: &str, row: usize) -> Result<String> {
    let t = s.trim();
    if t.is_empty() {
        return Err(Error::MissingValue {
            column: column.to_string(),
            row,
        });
    }
    Ok(t.to_string())
}

impl Transactions {
    /// Builds a table from typed columns. Column names in errors are the field names
    /// (`customerId`, `timestamp`, `amount`, `orderId`, `channel`, `cost`); rows are 1-based
    /// indices.
    pub fn from_columns(cols: TransactionColumns<'_>) -> Result<Transactions> {
        Self::from_owned_columns(cols.into(), &Zone::utc(), dates::DateFormat::Iso)
    }

    /// [`Transactions::from_columns`] in `zone`: text times without an offset are read as local
    /// times there, and the table remembers the zone (see the [module docs](self)).
    pub fn from_columns_in(cols: TransactionColumns<'_>, zone: &Zone) -> Result<Transactions> {
        Self::from_owned_columns(cols.into(), zone, dates::DateFormat::Iso)
    }

    /// [`Transactions::from_columns`] for a reader that has already materialised some columns:
    /// owned amounts, costs and instants are checked and moved into the table, not copied.
    pub(crate) fn from_owned_columns(
        cols: OwnedColumns<'_>,
        zone: &Zone,
        format: dates::DateFormat,
    ) -> Result<Transactions> {
        let n = cols.amount.len();
        check_size(n)
            .and(check_size(cols.customer_id.len()))
            .and(check_size(cols.timestamp.len()))?;
        let mismatch = |column: &str, actual: usize| Error::LengthMismatch {
            column: column.into(),
            actual,
            reference: "amount".into(),
            expected: n,
        };
        if cols.customer_id.len() != n {
            return Err(mismatch("customerId", cols.customer_id.len()));
        }
        if cols.timestamp.len() != n {
            return Err(mismatch("timestamp", cols.timestamp.len()));
        }
        if let Some(o) = &cols.order_id {
            if o.len() != n {
                return Err(mismatch("orderId", o.len()));
            }
        }
        if let Some(c) = &cols.channel {
            if c.len() != n {
                return Err(mismatch("channel", c.len()));
            }
        }
        if let Some(c) = &cols.cost {
            if c.len() != n {
                return Err(mismatch("cost", c.len()));
            }
        }
        if n == 0 {
            return Err(Error::Empty {
                what: "transactions".into(),
            });
        }
        let amount = crate::error::check_numbers(cols.amount, "amount")?;
        let cost = match cols.cost {
            Some(c) => Some(crate::error::check_numbers(c, "cost")?),
            None => None,
        };
        let timestamp = cols.timestamp.instants("timestamp", zone, format)?;
        let (customer, keys) = intern_ids(cols.customer_id, "customerId")?;
        let order = match cols.order_id {
            Some(o) => Some(intern_ids(o, "orderId")?.0),
            None => None,
        };
        let mut channel_names = Vec::new();
        let channel = match cols.channel {
            Some(c) => {
                let mut interner = TextInterner::default();
                let v = c
                    .iter()
                    .map(|s| match s.as_deref().map(str::trim) {
                        Some(t) if !t.is_empty() => interner.intern(t),
                        _ => NO_CHANNEL,
                    })
                    .collect();
                channel_names = interner.keys;
                Some(v)
            }
            None => None,
        };
        Ok(Transactions {
            customer,
            keys,
            timestamp,
            amount,
            order,
            channel,
            channel_names,
            cost,
            dimensions: Vec::new(),
            zone: zone.clone(),
            fingerprint: fingerprint::Cell::default(),
        })
    }

    /// The table with text columns added as dimensions (see the [module docs](self#dimensions)):
    /// `(name, values)` pairs, one value per row (`None` or blank = missing). `E_BAD_OPTION` for
    /// an empty or repeated name (including one the table already has), `E_LENGTH_MISMATCH`
    /// naming the column when its length differs from the table's.
    ///
    /// ```
    /// use unimetric::{IdColumn, TimeColumn, TransactionColumns, Transactions};
    /// let tx = Transactions::from_columns(TransactionColumns {
    ///     customer_id: IdColumn::Numeric(&[1, 2]), timestamp: TimeColumn::EpochMs(&[0.0, 1.0]),
    ///     amount: &[5.0, 0.0], order_id: None, channel: None, cost: None,
    /// }).unwrap();
    /// let device = [Some("ios".to_string()), None];
    /// let tx = tx.with_dimensions(&[("device", &device)]).unwrap();
    /// assert_eq!(tx.dimension_names(), ["device"]);
    /// assert_eq!(tx.dimension("device").unwrap().value(0), Some("ios"));
    /// ```
    pub fn with_dimensions(
        mut self,
        columns: &[(&str, &[Option<String>])],
    ) -> Result<Transactions> {
        check_dimension_names(
            self.dimensions
                .iter()
                .map(|d| d.name.as_str())
                .chain(columns.iter().map(|c| c.0)),
        )?;
        for (name, values) in columns {
            self.add_dimension(name, values.len(), values.iter().map(|v| v.as_deref()))?;
        }
        Ok(self)
    }

    /// Adds a dimension of `len` values (names already checked): `E_LENGTH_MISMATCH` naming it
    /// when `len` is not the table's length.
    pub(crate) fn add_dimension<'a>(
        &mut self,
        name: &str,
        len: usize,
        values: impl Iterator<Item = Option<&'a str>>,
    ) -> Result<()> {
        if len != self.len() {
            return Err(Error::LengthMismatch {
                column: name.to_string(),
                actual: len,
                reference: "amount".into(),
                expected: self.len(),
            });
        }
        self.dimensions.push(Dimension::from_texts(name, values));
        self.fingerprint = fingerprint::Cell::default();
        Ok(())
    }

    /// The names of the table's dimensions, in mapping order.
    pub fn dimension_names(&self) -> Vec<&str> {
        self.dimensions.iter().map(|d| d.name.as_str()).collect()
    }

    /// The dimension named `name` (per-row codes and values), if the table has it.
    ///
    /// ```
    /// use unimetric::{ColumnMapping, Transactions};
    /// let csv = "c,d,a,country\n1,2024-01-01,5,DE\n2,2024-01-02,7,\n1,2024-01-03,3,FR\n";
    /// let mut m = ColumnMapping::new("c", "d", "a");
    /// m.dimensions = vec!["country".into()];
    /// let tx = Transactions::from_csv(csv.as_bytes(), &m).unwrap();
    /// let country = tx.dimension("country").unwrap();
    /// assert_eq!(country.values(), ["DE", "FR"]);
    /// assert_eq!(country.codes(), [0, unimetric::data::MISSING_VALUE, 1]);
    /// assert_eq!(country.value(2), Some("FR"));
    /// ```
    pub fn dimension(&self, name: &str) -> Option<&Dimension> {
        self.dimensions.iter().find(|d| d.name == name)
    }

    /// The dimension named `name`, or `E_BAD_OPTION` (option `dimension`) listing the ones the
    /// table has.
    pub fn require_dimension(&self, name: &str) -> Result<&Dimension> {
        self.dimension(name).ok_or_else(|| Error::BadOption {
            option: "dimension".into(),
            message: format!(
                "the transactions have no dimension '{name}'; they have {}",
                if self.dimensions.is_empty() {
                    "none (name them in the mapping's `dimensions`)".to_string()
                } else {
                    join_names(self.dimensions.iter().map(|d| format!("'{}'", d.name)))
                }
            ),
        })
    }

    /// Builds a table from CSV bytes (UTF-8, optional BOM, header row, `,` `;` or tab
    /// delimiter detected from the header). See [`csv_input`].
    pub fn from_csv(bytes: &[u8], mapping: &ColumnMapping) -> Result<Transactions> {
        csv_input::read_transactions(bytes, mapping)
    }

    /// Builds a table from Arrow IPC bytes (stream or file format), finding the columns by the
    /// names in `mapping`; the values go through [`Transactions::from_columns`]. See [`arrow`]
    /// for the accepted column types. Requires the cargo feature `arrow`.
    ///
    /// `bytes` is a `&[u8]` (copied once into the buffer the columns are read from) or a
    /// `Vec<u8>`, read in place.
    #[cfg(feature = "arrow")]
    pub fn from_arrow<'b>(
        bytes: impl Into<std::borrow::Cow<'b, [u8]>>,
        mapping: &ColumnMapping,
    ) -> Result<Transactions> {
        arrow::read_transactions(bytes, mapping)
    }

    /// Number of transactions.
    pub fn len(&self) -> usize {
        self.amount.len()
    }

    /// True when the table has no rows (never true for a constructed table).
    pub fn is_empty(&self) -> bool {
        self.amount.is_empty()
    }

    /// Number of distinct customers.
    pub fn customer_count(&self) -> usize {
        self.keys.len()
    }

    /// Distinct customer keys, one per customer index: dense numeric ids (the largest at most
    /// 4 × rows + 1,024) in ascending order, other keys in first-appearance order.
    pub fn customer_keys(&self) -> &CustomerKeys {
        &self.keys
    }

    /// The fingerprint of the validated columns (xxh3-128, see [`fingerprint`]), as
    /// `xxh3-128:` and 32 hex digits: equal for the same data read from CSV, rows, columns or
    /// Arrow. It is computed once, the first time it is asked for (one pass over the columns),
    /// and kept with the table.
    ///
    /// ```
    /// use unimetric::{ColumnMapping, Transactions};
    /// let m = ColumnMapping::new("id", "when", "amount");
    /// let a = Transactions::from_csv(b"id,when,amount\n7,2024-01-01,10\n", &m).unwrap();
    /// let b = Transactions::from_csv(b"amount,id,when\n10.0,7,2024-01-01T00:00:00Z\n", &m).unwrap();
    /// assert_eq!(a.fingerprint(), b.fingerprint());
    /// assert!(a.fingerprint().starts_with("xxh3-128:"));
    /// ```
    pub fn fingerprint(&self) -> String {
        fingerprint::hex(self.fingerprint.get_or(|| fingerprint::fingerprint(self)))
    }

    /// The time zone the table was read in (the default `timezone` of metrics on it).
    pub fn timezone(&self) -> &Zone {
        &self.zone
    }

    /// The same table with `zone` as its default zone (its instants are unchanged).
    pub fn with_timezone(mut self, zone: Zone) -> Transactions {
        self.zone = zone;
        self
    }

    /// Transaction times in epoch milliseconds.
    pub fn timestamps(&self) -> &[i64] {
        &self.timestamp
    }

    /// Transaction amounts.
    pub fn amounts(&self) -> &[f64] {
        &self.amount
    }

    /// Distinct channel names in first-appearance order (empty without a channel column).
    pub fn channel_names(&self) -> &[String] {
        &self.channel_names
    }

    /// True when an order id column was given.
    pub fn has_order_id(&self) -> bool {
        self.order.is_some()
    }

    /// True when a channel column was given.
    pub fn has_channel(&self) -> bool {
        self.channel.is_some()
    }

    /// Transaction costs, when a cost column was given (see the [module docs](self)).
    pub fn costs(&self) -> Option<&[f64]> {
        self.cost.as_deref()
    }

    /// Earliest and latest transaction time (epoch milliseconds).
    pub fn time_range(&self) -> (i64, i64) {
        let mut lo = i64::MAX;
        let mut hi = i64::MIN;
        for &t in &self.timestamp {
            lo = lo.min(t);
            hi = hi.max(t);
        }
        (lo, hi)
    }
}

fn intern_ids(col: IdColumn<'_>, name: &str) -> Result<(Vec<u32>, CustomerKeys)> {
    match col {
        IdColumn::Numeric(v) => {
            let max = v.iter().copied().max().unwrap_or(0) as usize;
            if max <= 4 * v.len() + 1024 {
                // Dense ids (the common case, e.g. 1..n): a direct table instead of hashing.
                // Dense ids get their rank among the distinct ids as their index, in three
                // branch-free passes (mark, number, look up), so `keys` comes out ascending.
                let mut slot = vec![0u32; max + 1];
                for &k in v {
                    if let Some(s) = slot.get_mut(k as usize) {
                        *s = 1;
                    }
                }
                let mut keys = Vec::new();
                for (k, s) in slot.iter_mut().enumerate() {
                    if *s != 0 {
                        *s = keys.len() as u32;
                        keys.push(k as u32);
                    }
                }
                let idx = v
                    .iter()
                    .map(|&k| slot.get(k as usize).copied().unwrap_or(0))
                    .collect();
                return Ok((idx, CustomerKeys::Numeric(keys)));
            }
            let mut int = NumInterner::default();
            let idx = v.iter().map(|&k| int.intern(k)).collect();
            Ok((idx, CustomerKeys::Numeric(int.keys)))
        }
        IdColumn::Text(v) => {
            let mut int = TextInterner::default();
            let mut idx = Vec::with_capacity(v.len());
            for (i, s) in v.iter().enumerate() {
                let t = s.trim();
                if t.is_empty() {
                    return Err(Error::MissingValue {
                        column: name.into(),
                        row: i + 1,
                    });
                }
                idx.push(int.intern(t));
            }
            Ok((idx, CustomerKeys::Text(int.keys)))
        }
    }
}

/// The cells of one input row, for [`RowBuilder::push`] (`Cell::Missing` for fields the mapping
/// does not name).
#[derive(Debug, Clone, Copy)]
pub struct RowCells<'a> {
    /// Customer id.
    pub customer: Cell<'a>,
    /// Time.
    pub time: Cell<'a>,
    /// Amount.
    pub amount: Cell<'a>,
    /// Order id.
    pub order: Cell<'a>,
    /// Channel.
    pub channel: Cell<'a>,
    /// Cost.
    pub cost: Cell<'a>,
}

/// Builds a [`Transactions`] table one row of [`Cell`]s at a time; used by the row-object and
/// CSV readers so both apply exactly the same validation.
pub struct RowBuilder {
    mapping: ColumnMapping,
    customers: TextInterner,
    orders: TextInterner,
    channels: TextInterner,
    customer: Vec<u32>,
    timestamp: Vec<i64>,
    amount: Vec<f64>,
    order: Vec<u32>,
    channel: Vec<u32>,
    cost: Vec<f64>,
    /// Per dimension of the mapping: its interner and codes.
    dimensions: Vec<(TextInterner, Vec<u32>)>,
}

fn type_error(column: &str, row: usize, expected: &str, found: &str) -> Error {
    Error::BadType {
        column: column.to_string(),
        row,
        expected: expected.to_string(),
        found: found.to_string(),
    }
}

/// Reads an id cell as text: numbers must be integers and are written without a fraction.
fn id_text(cell: Cell<'_>, column: &str, row: usize) -> Result<String> {
    match cell {
        Cell::Text(s) => clean_id(s, column, row),
        Cell::Number(v)
            if v.is_finite() && v.fract() == 0.0 && v.abs() < 9.007_199_254_740_992e15 =>
        {
            Ok(format!("{}", v as i64))
        }
        Cell::Number(v) => Err(type_error(
            column,
            row,
            "an id (text or integer)",
            &v.to_string(),
        )),
        Cell::Missing => Err(Error::MissingValue {
            column: column.to_string(),
            row,
        }),
        Cell::Other(t) => Err(type_error(column, row, "an id (text or integer)", t)),
    }
}

/// Reads an amount cell. Text must be a plain decimal number with `.` as decimal separator.
pub fn amount_value(cell: Cell<'_>, column: &str, row: usize) -> Result<f64> {
    match cell {
        Cell::Number(v) => crate::error::check_number(v, column, row),
        Cell::Text(s) => {
            let t = s.trim();
            if t.is_empty() {
                return Err(Error::MissingValue {
                    column: column.to_string(),
                    row,
                });
            }
            let lower = t.to_ascii_lowercase();
            if lower.contains("nan") || lower.contains("inf") {
                return Err(Error::NonFinite {
                    column: column.to_string(),
                    row,
                    value: if lower.contains("nan") {
                        f64::NAN
                    } else if t.starts_with('-') {
                        f64::NEG_INFINITY
                    } else {
                        f64::INFINITY
                    },
                });
            }
            match t.parse::<f64>() {
                Ok(v) => crate::error::check_number(v, column, row),
                Err(_) => Err(type_error(
                    column,
                    row,
                    "a number with '.' as decimal separator",
                    &format!("'{t}'"),
                )),
            }
        }
        Cell::Missing => Err(Error::MissingValue {
            column: column.to_string(),
            row,
        }),
        Cell::Other(t) => Err(type_error(column, row, "a number", t)),
    }
}

/// Reads a time cell under the date policy, in UTC.
pub fn time_value(cell: Cell<'_>, column: &str, row: usize) -> Result<i64> {
    time_value_in(cell, column, row, &Zone::utc(), dates::DateFormat::Iso)
}

/// Reads a time cell under the date policy, naive text in `zone`, text dates in `format`.
pub fn time_value_in(
    cell: Cell<'_>,
    column: &str,
    row: usize,
    zone: &Zone,
    format: dates::DateFormat,
) -> Result<i64> {
    match cell {
        Cell::Number(v) => dates::parse_epoch_ms(v, column, row),
        Cell::Text(s) => dates::parse_date_text_as(s, column, row, zone, format),
        Cell::Missing => Err(Error::MissingValue {
            column: column.to_string(),
            row,
        }),
        Cell::Other(t) => Err(type_error(column, row, "a date", t)),
    }
}

impl RowBuilder {
    /// A builder that validates rows against `mapping` (whose column names appear in errors).
    pub fn new(mapping: &ColumnMapping) -> Self {
        RowBuilder {
            mapping: mapping.clone(),
            customers: TextInterner::default(),
            orders: TextInterner::default(),
            channels: TextInterner::default(),
            customer: Vec::new(),
            timestamp: Vec::new(),
            amount: Vec::new(),
            order: Vec::new(),
            channel: Vec::new(),
            cost: Vec::new(),
            dimensions: mapping
                .dimensions
                .iter()
                .map(|_| (TextInterner::default(), Vec::new()))
                .collect(),
        }
    }

    /// Reserves room for `n` more rows, refusing sizes over [`MAX_TRANSACTIONS`].
    pub fn reserve(&mut self, n: usize) -> Result<()> {
        check_size(self.amount.len().saturating_add(n))?;
        self.customer.reserve(n);
        self.timestamp.reserve(n);
        self.amount.reserve(n);
        Ok(())
    }

    /// Validates and appends one row. `row` is the 1-based row number used in errors;
    /// `cells.order`, `cells.channel` and `cells.cost` are ignored unless the mapping names those
    /// columns. The row's dimensions (if the mapping names any) are missing; see
    /// [`push_with_dimensions`](Self::push_with_dimensions).
    pub fn push(&mut self, row: usize, cells: RowCells<'_>) -> Result<()> {
        self.push_with_dimensions(row, cells, &[])
    }

    /// [`push`](Self::push) with the cells of the mapping's dimensions, in mapping order (cells
    /// beyond the mapping's dimensions are ignored, absent ones are missing). A dimension cell
    /// must be text (`E_BAD_TYPE` naming the column and row otherwise); blank text is missing.
    pub fn push_with_dimensions(
        &mut self,
        row: usize,
        cells: RowCells<'_>,
        dimensions: &[Cell<'_>],
    ) -> Result<()> {
        for (i, name) in self.mapping.dimensions.iter().enumerate() {
            match dimensions.get(i).copied().unwrap_or(Cell::Missing) {
                Cell::Missing | Cell::Text(_) => {}
                Cell::Number(v) => {
                    return Err(type_error(name, row, "text (a dimension)", &v.to_string()))
                }
                Cell::Other(ty) => return Err(type_error(name, row, "text (a dimension)", ty)),
            }
        }
        let RowCells {
            customer,
            time,
            amount,
            order,
            channel,
            cost,
        } = cells;
        if self.amount.len() >= MAX_TRANSACTIONS {
            return Err(Error::TooLarge {
                what: "transactions".into(),
                size: self.amount.len() + 1,
                limit: MAX_TRANSACTIONS,
            });
        }
        let m = &self.mapping;
        let c = id_text(customer, &m.customer_id, row)?;
        let t = time_value_in(time, &m.timestamp, row, &m.timezone, m.date_format)?;
        let a = amount_value(amount, &m.amount, row)?;
        let o = match &m.order_id {
            Some(col) => Some(id_text(order, col, row)?),
            None => None,
        };
        let k = match &m.cost {
            Some(col) => Some(amount_value(cost, col, row)?),
            None => None,
        };
        let ch = match (&m.channel, channel) {
            (None, _) | (Some(_), Cell::Missing) => NO_CHANNEL,
            (Some(_), Cell::Text(s)) if s.trim().is_empty() => NO_CHANNEL,
            (Some(_), Cell::Text(s)) => self.channels.intern(s.trim()),
            (Some(_), Cell::Number(v)) if v.is_finite() => self.channels.intern(&v.to_string()),
            (Some(col), Cell::Number(v)) => {
                return Err(type_error(col, row, "a channel name", &v.to_string()))
            }
            (Some(col), Cell::Other(ty)) => return Err(type_error(col, row, "a channel name", ty)),
        };
        self.customer.push(self.customers.intern(&c));
        self.timestamp.push(t);
        self.amount.push(a);
        if let Some(o) = o {
            self.order.push(self.orders.intern(&o));
        }
        if m.channel.is_some() {
            self.channel.push(ch);
        }
        if let Some(k) = k {
            self.cost.push(k);
        }
        for (i, (interner, codes)) in self.dimensions.iter_mut().enumerate() {
            codes.push(match dimensions.get(i) {
                Some(Cell::Text(s)) if !s.trim().is_empty() => interner.intern(s.trim()),
                _ => MISSING_VALUE,
            });
        }
        Ok(())
    }

    /// Finishes the table; `E_EMPTY` when no row was pushed, `E_BAD_OPTION` for an empty or
    /// repeated dimension name.
    pub fn finish(self) -> Result<Transactions> {
        self.mapping.check()?;
        if self.amount.is_empty() {
            return Err(Error::Empty {
                what: "transactions".into(),
            });
        }
        Ok(Transactions {
            customer: self.customer,
            keys: CustomerKeys::Text(self.customers.keys),
            timestamp: self.timestamp,
            amount: self.amount,
            order: self.mapping.order_id.is_some().then_some(self.order),
            channel: self.mapping.channel.is_some().then_some(self.channel),
            channel_names: self.channels.keys,
            cost: self.mapping.cost.is_some().then_some(self.cost),
            dimensions: self
                .mapping
                .dimensions
                .iter()
                .zip(self.dimensions)
                .map(|(name, (interner, codes))| Dimension {
                    name: name.clone(),
                    codes,
                    values: interner.keys,
                })
                .collect(),
            zone: self.mapping.timezone,
            fingerprint: fingerprint::Cell::default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural_order() {
        let mut v = vec!["b", "10", "9", "a", "010", "2"];
        v.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(v, vec!["2", "9", "10", "010", "a", "b"]);
    }

    #[test]
    fn columns_validate_each_field() {
        let ids = [1u32, 2];
        let t = [0.0, 1.0];
        let bad_amount = [1.0, f64::INFINITY];
        let e = Transactions::from_columns(TransactionColumns {
            customer_id: IdColumn::Numeric(&ids),
            timestamp: TimeColumn::EpochMs(&t),
            amount: &bad_amount,
            order_id: None,
            channel: None,
            cost: None,
        })
        .unwrap_err();
        assert_eq!(e.code(), "E_NON_FINITE");
        assert_eq!(e.column(), Some("amount"));
        assert_eq!(e.row(), Some(2));

        let short = [1.0];
        let e = Transactions::from_columns(TransactionColumns {
            customer_id: IdColumn::Numeric(&ids),
            timestamp: TimeColumn::EpochMs(&short),
            amount: &[1.0, 2.0],
            order_id: None,
            channel: None,
            cost: None,
        })
        .unwrap_err();
        assert_eq!(e.code(), "E_LENGTH_MISMATCH");
        assert!(e.to_string().contains("'timestamp' has 1"), "{e}");

        let names = vec!["a".to_string(), " ".to_string()];
        let e = Transactions::from_columns(TransactionColumns {
            customer_id: IdColumn::Text(&names),
            timestamp: TimeColumn::EpochMs(&t),
            amount: &[1.0, 2.0],
            order_id: None,
            channel: None,
            cost: None,
        })
        .unwrap_err();
        assert_eq!((e.code(), e.row()), ("E_MISSING_VALUE", Some(2)));

        let e = Transactions::from_columns(TransactionColumns {
            customer_id: IdColumn::Numeric(&[]),
            timestamp: TimeColumn::EpochMs(&[]),
            amount: &[],
            order_id: None,
            channel: None,
            cost: None,
        })
        .unwrap_err();
        assert_eq!(e.code(), "E_EMPTY");
    }

    fn cells<'a>(
        customer: Cell<'a>,
        time: Cell<'a>,
        amount: Cell<'a>,
        order: Cell<'a>,
        channel: Cell<'a>,
    ) -> RowCells<'a> {
        RowCells {
            customer,
            time,
            amount,
            order,
            channel,
            cost: Cell::Missing,
        }
    }

    #[test]
    fn row_builder_cells() {
        let mut m = ColumnMapping::new("cid", "when", "amt");
        m.channel = Some("ch".into());
        let mut b = RowBuilder::new(&m);
        b.push(
            1,
            cells(
                Cell::Number(7.0),
                Cell::Text("2024-01-01"),
                Cell::Text("12.5"),
                Cell::Missing,
                Cell::Text("email"),
            ),
        )
        .unwrap();
        let e = b
            .push(
                2,
                cells(
                    Cell::Text("x"),
                    Cell::Text("2024-01-01"),
                    Cell::Text("1,5"),
                    Cell::Missing,
                    Cell::Missing,
                ),
            )
            .unwrap_err();
        assert_eq!(
            (e.code(), e.column(), e.row()),
            ("E_BAD_TYPE", Some("amt"), Some(2))
        );
        let e = b
            .push(
                3,
                cells(
                    Cell::Other("boolean"),
                    Cell::Text("2024-01-01"),
                    Cell::Number(1.0),
                    Cell::Missing,
                    Cell::Missing,
                ),
            )
            .unwrap_err();
        assert_eq!((e.code(), e.column()), ("E_BAD_TYPE", Some("cid")));
        let e = b
            .push(
                4,
                cells(
                    Cell::Text("x"),
                    Cell::Text("2024-01-01"),
                    Cell::Text("NaN"),
                    Cell::Missing,
                    Cell::Missing,
                ),
            )
            .unwrap_err();
        assert_eq!(e.code(), "E_NON_FINITE");
        let e = b
            .push(
                5,
                cells(
                    Cell::Number(1.5),
                    Cell::Text("2024-01-01"),
                    Cell::Number(1.0),
                    Cell::Missing,
                    Cell::Missing,
                ),
            )
            .unwrap_err();
        assert_eq!(e.code(), "E_BAD_TYPE");
        let tx = b.finish().unwrap();
        assert_eq!(tx.len(), 1);
        assert_eq!(tx.customer_keys(), &CustomerKeys::Text(vec!["7".into()]));
        assert_eq!(tx.channel_names(), &["email".to_string()]);
    }
}
