//! Traffic: visits per date, optionally per channel — the base of `traffic.conversion_rate`
//! (orders ÷ visits) in [`crate::kpi_series`].
//!
//! A row is `{ date, visits, channel? }`: `date` an instant (epoch ms, ISO text with an offset)
//! or a bare date / naive date-time read in the mapping's `timezone` (default UTC), as
//! transaction times are; `visits` a finite number ≥ 0; `channel` optional text (blank = none).
//! Rows with the same date and channel add up. Errors name the column and the 1-based row.
//!
//! ```
//! use unimetric::data::traffic::{Traffic, TrafficMapping};
//! let csv = "day,visits,source\n2024-01-01,120,email\n2024-01-01,80,\n2024-01-02,95,email\n";
//! let mut m = TrafficMapping::new("day", "visits");
//! m.channel = Some("source".into());
//! let t = Traffic::from_csv(csv.as_bytes(), &m).unwrap();
//! assert_eq!(t.len(), 3);
//! assert_eq!(t.visits(), [120.0, 80.0, 95.0]);
//! assert_eq!(t.channel_names(), ["email"]);
//! let bad = "day,visits\n2024-01-01,-3\n";
//! let e = Traffic::from_csv(bad.as_bytes(), &TrafficMapping::new("day", "visits")).unwrap_err();
//! assert_eq!((e.code(), e.column(), e.row()), ("E_NEGATIVE", Some("visits"), Some(2)));
//! ```

use super::csv_input::{field, CsvTable};
use super::{amount_value, time_value_in, Cell, Zone, MAX_TRANSACTIONS, NO_CHANNEL};
use crate::error::{Error, Result};

/// Which CSV columns hold the traffic fields, and the zone of bare dates; JS
/// `TrafficMapping` (`kpiSeries`' option `trafficMapping`).
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TrafficMapping {
    /// The date column.
    #[serde(deserialize_with = "super::column_name")]
    pub date: String,
    /// The visits column.
    #[serde(deserialize_with = "super::column_name")]
    pub visits: String,
    /// The channel column, if any.
    #[serde(default, deserialize_with = "super::option_column_name")]
    pub channel: Option<String>,
    /// The zone bare dates and naive date-times are read in (default UTC).
    #[serde(default)]
    pub timezone: Zone,
}

impl TrafficMapping {
    /// A mapping with the date and visits columns, no channel, UTC.
    pub fn new(date: &str, visits: &str) -> Self {
        TrafficMapping {
            date: date.into(),
            visits: visits.into(),
            channel: None,
            timezone: Zone::utc(),
        }
    }
}

/// A validated traffic table.
#[derive(Debug, Clone, PartialEq)]
pub struct Traffic {
    /// Each row's instant (epoch ms).
    pub(crate) time: Vec<i64>,
    pub(crate) visits: Vec<f64>,
    /// Each row's channel index ([`NO_CHANNEL`] for none), with a channel column.
    pub(crate) channel: Option<Vec<u32>>,
    pub(crate) channel_names: Vec<String>,
}

impl Traffic {
    /// xxh3-128 of the rows in load order (instant, visits, channel name), as a metric spec's
    /// `trafficFingerprint`: CSV, rows and columns of the same traffic agree.
    pub fn fingerprint(&self) -> String {
        crate::data::fingerprint::hex(crate::data::fingerprint::traffic(self))
    }

    /// Builds a table from typed columns: dates (epoch ms or text read in `zone`), visits and
    /// optional channel names. Column names in errors are `date`, `visits`, `channel`.
    pub fn from_columns(
        date: super::TimeColumn<'_>,
        visits: &[f64],
        channel: Option<&[Option<String>]>,
        zone: &Zone,
    ) -> Result<Traffic> {
        let n = visits.len();
        for (name, len) in [
            ("date", date.len()),
            ("channel", channel.map_or(n, <[_]>::len)),
        ] {
            if len != n {
                return Err(Error::LengthMismatch {
                    column: name.into(),
                    actual: len,
                    reference: "visits".into(),
                    expected: n,
                });
            }
        }
        let time = date.instants("date", zone)?;
        let mut b = Builder::new(channel.is_some());
        for (i, (&t, &v)) in time.iter().zip(visits).enumerate() {
            let c = channel.and_then(|c| c.get(i)).and_then(|c| c.as_deref());
            b.push(t, visit_count(Cell::Number(v), "visits", i + 1)?, c);
        }
        b.finish()
    }

    /// Reads a table from CSV bytes (the CSV rules of transactions, see
    /// [`super::csv_input`]).
    pub fn from_csv(bytes: &[u8], mapping: &TrafficMapping) -> Result<Traffic> {
        let mut table = CsvTable::open(bytes)?;
        let di = table.column(&mapping.date, "date")?;
        let vi = table.column(&mapping.visits, "visits")?;
        let ci = match &mapping.channel {
            Some(name) => Some(table.column(name, "channel")?),
            None => None,
        };
        let channel_name = mapping.channel.clone().unwrap_or_default();
        let mut b = Builder::new(ci.is_some());
        table.for_each(|row, rec| {
            let d = field(rec, di, &mapping.date, row)?;
            let t = time_value_in(
                d,
                &mapping.date,
                row,
                &mapping.timezone,
                super::dates::DateFormat::Iso,
            )?;
            let v = visit_count(field(rec, vi, &mapping.visits, row)?, &mapping.visits, row)?;
            let c = match ci {
                Some(i) => match field(rec, i, &channel_name, row)? {
                    Cell::Text(s) => Some(s),
                    _ => None,
                },
                None => None,
            };
            if b.time.len() >= MAX_TRANSACTIONS {
                return Err(Error::TooLarge {
                    what: "traffic rows".into(),
                    size: b.time.len() + 1,
                    limit: MAX_TRANSACTIONS,
                });
            }
            b.push(t, v, c);
            Ok(())
        })?;
        b.finish()
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.visits.len()
    }

    /// True when there are no rows (never, for a built table).
    pub fn is_empty(&self) -> bool {
        self.visits.is_empty()
    }

    /// Each row's instant (epoch ms).
    pub fn times(&self) -> &[i64] {
        &self.time
    }

    /// Each row's visits.
    pub fn visits(&self) -> &[f64] {
        &self.visits
    }

    /// Distinct channel names in first-appearance order (empty without a channel column).
    pub fn channel_names(&self) -> &[String] {
        &self.channel_names
    }

    /// True when a channel column was given.
    pub fn has_channel(&self) -> bool {
        self.channel.is_some()
    }

    /// The channel name of row `row`, if it has one.
    pub fn channel(&self, row: usize) -> Option<&str> {
        let c = *self.channel.as_ref()?.get(row)?;
        self.channel_names.get(c as usize).map(String::as_str)
    }
}

/// A visits cell: a finite number ≥ 0 (`E_MISSING_VALUE`, `E_NON_FINITE`, `E_BAD_TYPE`,
/// `E_NEGATIVE` otherwise).
fn visit_count(cell: Cell<'_>, column: &str, row: usize) -> Result<f64> {
    if cell == Cell::Missing {
        return Err(Error::MissingValue {
            column: column.into(),
            row,
        });
    }
    let v = amount_value(cell, column, row)?;
    if v < 0.0 {
        return Err(Error::Negative {
            column: column.into(),
            row,
            value: v,
        });
    }
    Ok(v)
}

struct Builder {
    time: Vec<i64>,
    visits: Vec<f64>,
    channel: Option<Vec<u32>>,
    names: Vec<String>,
}

impl Builder {
    fn new(with_channel: bool) -> Self {
        Builder {
            time: Vec::new(),
            visits: Vec::new(),
            channel: with_channel.then(Vec::new),
            names: Vec::new(),
        }
    }

    fn push(&mut self, t: i64, v: f64, channel: Option<&str>) {
        self.time.push(t);
        self.visits.push(v);
        if let Some(codes) = &mut self.channel {
            let code = match channel.map(str::trim).filter(|s| !s.is_empty()) {
                None => NO_CHANNEL,
                Some(s) => match self.names.iter().position(|n| n == s) {
                    Some(i) => i as u32,
                    None => {
                        self.names.push(s.to_string());
                        (self.names.len() - 1) as u32
                    }
                },
            };
            codes.push(code);
        }
    }

    fn finish(self) -> Result<Traffic> {
        if self.visits.is_empty() {
            return Err(Error::Empty {
                what: "traffic".into(),
            });
        }
        Ok(Traffic {
            time: self.time,
            visits: self.visits,
            channel: self.channel,
            channel_names: self.names,
        })
    }
}
