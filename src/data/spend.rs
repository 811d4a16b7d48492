//! Marketing spend: dated amounts per channel, with an optional channel type.
//!
//! Each spend row is counted in the period that contains its date (see [`super::dates`]), so
//! monthly spend dated on the 1st lands in that month. Amounts must be finite and non-negative
//! (`E_NEGATIVE` otherwise). The channel type, when given, is `paid`, `owned` or `organic`
//! (case-insensitive) and must be the same on every row of a channel.

use super::csv_input::{field, CsvTable};
use super::{amount_value, time_value_in, Cell, Zone, MAX_TRANSACTIONS};
use crate::error::{Error, Result};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

/// The type of a marketing channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(
    target_arch = "wasm32",
    derive(tsify::Tsify),
    tsify(missing_as_null, rename = "ChannelType")
)]
#[serde(rename = "ChannelType", rename_all = "lowercase")]
pub enum ChannelKind {
    /// Bought media (search, social, display…): counts towards paid CAC.
    Paid,
    /// Owned media (email, CRM…).
    Owned,
    /// Organic or earned (SEO, referral, word of mouth).
    Organic,
}

impl ChannelKind {
    /// Parses `paid`, `owned` or `organic` (case-insensitive, surrounding spaces ignored).
    pub fn parse(s: &str) -> Option<ChannelKind> {
        match s.trim().to_ascii_lowercase().as_str() {
            "paid" => Some(ChannelKind::Paid),
            "owned" => Some(ChannelKind::Owned),
            "organic" => Some(ChannelKind::Organic),
            _ => None,
        }
    }

    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Paid => "paid",
            ChannelKind::Owned => "owned",
            ChannelKind::Organic => "organic",
        }
    }
}

/// Which input column holds each spend field (rows, CSV and Arrow).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SpendMapping {
    /// Column with the date the spend belongs to.
    #[serde(deserialize_with = "super::column_name")]
    pub date: String,
    /// Column with the channel name (matched against acquisition channels).
    #[serde(deserialize_with = "super::column_name")]
    pub channel: String,
    /// Column with the amount spent.
    #[serde(deserialize_with = "super::column_name")]
    pub amount: String,
    /// Optional column with the channel type (`paid`, `owned`, `organic`); needed for paid
    /// CAC.
    #[serde(default, deserialize_with = "super::option_column_name")]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub channel_type: Option<String>,
    /// IANA time zone in which dates without an offset are read (default `"UTC"`); read spend
    /// in the zone the CAC is computed in (a bare date is the start of that local day).
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(optional, type = "string"))]
    pub timezone: Zone,
}

impl SpendMapping {
    /// A mapping for the three required fields.
    pub fn new(date: &str, channel: &str, amount: &str) -> Self {
        SpendMapping {
            date: date.into(),
            channel: channel.into(),
            amount: amount.into(),
            channel_type: None,
            timezone: Zone::utc(),
        }
    }
}

/// A validated table of marketing spend.
///
/// ```
/// use unimetric::data::spend::{Spend, SpendMapping};
/// let csv = "month,channel,type,amount\n2024-01-01,search,paid,100\n2024-02-01,search,paid,80\n";
/// let mut m = SpendMapping::new("month", "channel", "amount");
/// m.channel_type = Some("type".into());
/// let s = Spend::from_csv(csv.as_bytes(), &m).unwrap();
/// assert_eq!(s.len(), 2);
/// assert_eq!(s.channel_names(), &["search".to_string()]);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Spend {
    pub(crate) date: Vec<i64>,
    pub(crate) channel: Vec<u32>,
    pub(crate) amount: Vec<f64>,
    pub(crate) channel_names: Vec<String>,
    pub(crate) channel_kinds: Vec<Option<ChannelKind>>,
    /// Rows identical to an earlier row (same date, channel and amount), 1-based.
    pub(crate) duplicate_rows: Vec<usize>,
    /// The zone the dates were read in.
    pub(crate) zone: Zone,
    /// xxh3-128 of the validated rows, computed once, when first asked for.
    pub(crate) fingerprint: super::fingerprint::Cell,
}

/// Builds a [`Spend`] table row by row with the same validation for rows, columns and CSV.
pub struct SpendBuilder {
    mapping: SpendMapping,
    names: FxHashMap<String, u32>,
    spend: Spend,
    first_kind_row: Vec<usize>,
    seen: FxHashMap<(i64, u32, u64), ()>,
}

impl SpendBuilder {
    /// A builder whose errors use the column names of `mapping`.
    pub fn new(mapping: &SpendMapping) -> Self {
        SpendBuilder {
            mapping: mapping.clone(),
            names: FxHashMap::default(),
            spend: Spend {
                date: Vec::new(),
                channel: Vec::new(),
                amount: Vec::new(),
                channel_names: Vec::new(),
                channel_kinds: Vec::new(),
                duplicate_rows: Vec::new(),
                zone: mapping.timezone.clone(),
                fingerprint: super::fingerprint::Cell::default(),
            },
            first_kind_row: Vec::new(),
            seen: FxHashMap::default(),
        }
    }

    /// Reserves room for `n` more rows, refusing sizes over the transaction limit.
    pub fn reserve(&mut self, n: usize) -> Result<()> {
        let total = self.spend.amount.len().saturating_add(n);
        if total > MAX_TRANSACTIONS {
            return Err(Error::TooLarge {
                what: "spend rows".into(),
                size: total,
                limit: MAX_TRANSACTIONS,
            });
        }
        self.spend.date.reserve(n);
        self.spend.channel.reserve(n);
        self.spend.amount.reserve(n);
        Ok(())
    }

    /// Validates and appends one row (`row` is 1-based, used in errors). `kind` is ignored
    /// unless the mapping names a channel-type column.
    pub fn push(
        &mut self,
        row: usize,
        date: Cell<'_>,
        channel: Cell<'_>,
        amount: Cell<'_>,
        kind: Cell<'_>,
    ) -> Result<()> {
        if self.spend.amount.len() >= MAX_TRANSACTIONS {
            return Err(Error::TooLarge {
                what: "spend rows".into(),
                size: self.spend.amount.len() + 1,
                limit: MAX_TRANSACTIONS,
            });
        }
        let m = &self.mapping;
        let d = time_value_in(
            date,
            &m.date,
            row,
            &m.timezone,
            super::dates::DateFormat::Iso,
        )?;
        let name = match channel {
            Cell::Text(s) if !s.trim().is_empty() => s.trim().to_string(),
            Cell::Number(v) if v.is_finite() => v.to_string(),
            Cell::Missing | Cell::Text(_) => {
                return Err(Error::MissingValue {
                    column: m.channel.clone(),
                    row,
                })
            }
            Cell::Number(v) => {
                return Err(Error::BadType {
                    column: m.channel.clone(),
                    row,
                    expected: "a channel name".into(),
                    found: v.to_string(),
                })
            }
            Cell::Other(t) => {
                return Err(Error::BadType {
                    column: m.channel.clone(),
                    row,
                    expected: "a channel name".into(),
                    found: t.into(),
                })
            }
        };
        let a = amount_value(amount, &m.amount, row)?;
        if a < 0.0 {
            return Err(Error::Negative {
                column: m.amount.clone(),
                row,
                value: a,
            });
        }
        let k = match (&m.channel_type, kind) {
            (None, _) | (Some(_), Cell::Missing) => None,
            (Some(col), Cell::Text(s)) => match ChannelKind::parse(s) {
                Some(k) => Some(k),
                None => {
                    return Err(Error::BadType {
                        column: col.clone(),
                        row,
                        expected: "paid, owned or organic".into(),
                        found: format!("'{}'", s.trim()),
                    })
                }
            },
            (Some(col), other) => {
                return Err(Error::BadType {
                    column: col.clone(),
                    row,
                    expected: "paid, owned or organic".into(),
                    found: match other {
                        Cell::Number(v) => v.to_string(),
                        Cell::Other(t) => t.to_string(),
                        _ => String::new(),
                    },
                })
            }
        };
        let next = self.spend.channel_names.len() as u32;
        let idx = *self.names.entry(name.clone()).or_insert(next);
        if idx == next {
            self.spend.channel_names.push(name.clone());
            self.spend.channel_kinds.push(k);
            self.first_kind_row.push(row);
        } else if let Some(k) = k {
            let slot = &mut self.spend.channel_kinds[idx as usize];
            match *slot {
                None => *slot = Some(k),
                Some(prev) if prev != k => {
                    return Err(Error::OutOfRange {
                        column: m.channel_type.clone().unwrap_or_default(),
                        row,
                        message: format!(
                            "channel '{name}' is '{}' here but '{}' in an earlier row (row {} or later)",
                            k.as_str(),
                            prev.as_str(),
                            self.first_kind_row[idx as usize]
                        ),
                    })
                }
                Some(_) => {}
            }
        }
        if self.seen.insert((d, idx, a.to_bits()), ()).is_some() {
            self.spend.duplicate_rows.push(row);
        }
        self.spend.date.push(d);
        self.spend.channel.push(idx);
        self.spend.amount.push(a);
        Ok(())
    }

    /// Finishes the table; `E_EMPTY` when no row was pushed.
    pub fn finish(self) -> Result<Spend> {
        if self.spend.amount.is_empty() {
            return Err(Error::Empty {
                what: "spend".into(),
            });
        }
        Ok(self.spend)
    }
}

impl Spend {
    /// The fingerprint of the validated rows (xxh3-128, as for
    /// [`Transactions::fingerprint`](crate::Transactions::fingerprint)).
    pub fn fingerprint(&self) -> String {
        super::fingerprint::hex(
            self.fingerprint
                .get_or(|| super::fingerprint::spend_fingerprint(self)),
        )
    }

    /// Reads spend from CSV bytes (same CSV rules as transactions, see
    /// [`super::csv_input`]).
    pub fn from_csv(bytes: &[u8], mapping: &SpendMapping) -> Result<Spend> {
        let mut table = CsvTable::open(bytes)?;
        let di = table.column(&mapping.date, "date")?;
        let ci = table.column(&mapping.channel, "channel")?;
        let ai = table.column(&mapping.amount, "amount")?;
        let ki = match &mapping.channel_type {
            Some(name) => Some(table.column(name, "channelType")?),
            None => None,
        };
        let kind_name = mapping.channel_type.clone().unwrap_or_default();
        let mut b = SpendBuilder::new(mapping);
        table.for_each(|row, rec| {
            let d = field(rec, di, &mapping.date, row)?;
            let c = field(rec, ci, &mapping.channel, row)?;
            let a = field(rec, ai, &mapping.amount, row)?;
            let k = match ki {
                Some(i) => field(rec, i, &kind_name, row)?,
                None => Cell::Missing,
            };
            b.push(row, d, c, a, k)
        })?;
        b.finish()
    }

    /// Builds spend from typed columns: dates in epoch ms, channel names, amounts, and
    /// optional channel types. Column names in errors are `date`, `channel`, `amount`,
    /// `channelType`; rows are 1-based.
    pub fn from_columns(
        date: &[f64],
        channel: &[String],
        amount: &[f64],
        channel_type: Option<&[Option<String>]>,
    ) -> Result<Spend> {
        let n = amount.len();
        for (name, len) in [
            ("date", date.len()),
            ("channel", channel.len()),
            ("channelType", channel_type.map_or(n, |c| c.len())),
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
        let mut mapping = SpendMapping::new("date", "channel", "amount");
        if channel_type.is_some() {
            mapping.channel_type = Some("channelType".into());
        }
        let mut b = SpendBuilder::new(&mapping);
        b.reserve(n)?;
        for i in 0..n {
            let k = match channel_type
                .and_then(|c| c.get(i))
                .and_then(|k| k.as_deref())
            {
                Some(s) => Cell::Text(s),
                None => Cell::Missing,
            };
            b.push(
                i + 1,
                Cell::Number(date[i]),
                Cell::Text(&channel[i]),
                Cell::Number(amount[i]),
                k,
            )?;
        }
        b.finish()
    }

    /// Reads spend from Arrow IPC bytes (stream or file format) through the same row builder
    /// as CSV; see [`super::arrow`]. Requires the cargo feature `arrow`.
    #[cfg(feature = "arrow")]
    pub fn from_arrow(bytes: &[u8], mapping: &SpendMapping) -> Result<Spend> {
        super::arrow::read_spend(bytes, mapping)
    }

    /// Number of spend rows.
    pub fn len(&self) -> usize {
        self.amount.len()
    }

    /// True when there are no rows (never true for a constructed table).
    pub fn is_empty(&self) -> bool {
        self.amount.is_empty()
    }

    /// Channel names in first-appearance order.
    pub fn channel_names(&self) -> &[String] {
        &self.channel_names
    }

    /// Channel type per channel (same order as [`Spend::channel_names`]).
    pub fn channel_kinds(&self) -> &[Option<ChannelKind>] {
        &self.channel_kinds
    }

    /// Total amount.
    pub fn total(&self) -> f64 {
        self.amount.iter().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m() -> SpendMapping {
        let mut m = SpendMapping::new("month", "channel", "amount");
        m.channel_type = Some("type".into());
        m
    }

    #[test]
    fn validates_rows() {
        let e = Spend::from_csv(b"month,channel,type,amount\n2024-01-01,a,paid,-1\n", &m())
            .unwrap_err();
        assert_eq!(
            (e.code(), e.column(), e.row()),
            ("E_NEGATIVE", Some("amount"), Some(2))
        );
        let e = Spend::from_csv(b"month,channel,type,amount\n2024-01-01,a,bought,1\n", &m())
            .unwrap_err();
        assert_eq!((e.code(), e.column()), ("E_BAD_TYPE", Some("type")));
        let e = Spend::from_csv(
            b"month,channel,type,amount\n2024-01-01,a,paid,1\n2024-02-01,a,owned,1\n",
            &m(),
        )
        .unwrap_err();
        assert_eq!((e.code(), e.row()), ("E_OUT_OF_RANGE", Some(3)));
        let e =
            Spend::from_csv(b"month,channel,type,amount\n2024-01-01,,paid,1\n", &m()).unwrap_err();
        assert_eq!((e.code(), e.column()), ("E_MISSING_VALUE", Some("channel")));
        let s = Spend::from_csv(
            b"month,channel,type,amount\n2024-01-01,a,PAID,1\n2024-01-01,a,,1\n",
            &m(),
        )
        .unwrap();
        assert_eq!(s.duplicate_rows, vec![3]);
        assert_eq!(s.channel_kinds(), &[Some(ChannelKind::Paid)]);
    }
}
