//! Touchpoints held as a table: one row per touch with the customer's id, its time and its
//! channel, read from CSV under a column mapping or built from columns. The metric spec takes
//! touchpoints in this form (`inputs.touchpoints`, mapped by `data.touchpoints`);
//! [`TouchpointTable::view`] lends them to
//! [`Journeys::from_transactions`](super::Journeys::from_transactions), which matches the
//! customer ids with the transactions' customer ids.

use super::TouchColumns;
use crate::data::csv_input::{field, CsvTable};
use crate::data::dates::DateFormat;
use crate::data::{time_value_in, Cell, IdColumn, TimeColumn, Zone};
use crate::error::{Error, Result};
use serde::Deserialize;

/// Which CSV columns hold a touchpoint's fields; the spec's `data.touchpoints`.
///
/// ```
/// use unimetric::attribution::TouchpointMapping;
/// let m: TouchpointMapping = serde_json::from_str(
///     r#"{ "customerId": "user", "timestamp": "at", "channel": "source" }"#,
/// )
/// .unwrap();
/// assert_eq!(m, TouchpointMapping::new("user", "at", "source"));
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TouchpointMapping {
    /// Column with the customer id (matched with the transactions' customer ids).
    #[serde(deserialize_with = "crate::data::column_name")]
    pub customer_id: String,
    /// Column with the time of the touch (ISO 8601 text or epoch ms).
    #[serde(deserialize_with = "crate::data::column_name")]
    pub timestamp: String,
    /// Column with the channel name (trimmed; blank is an error when journeys are built).
    #[serde(deserialize_with = "crate::data::column_name")]
    pub channel: String,
    /// IANA time zone in which times without an offset are read (default `"UTC"`).
    #[serde(default)]
    pub timezone: Zone,
}

impl TouchpointMapping {
    /// A mapping of the three columns, times without an offset in UTC.
    pub fn new(customer_id: &str, timestamp: &str, channel: &str) -> Self {
        TouchpointMapping {
            customer_id: customer_id.into(),
            timestamp: timestamp.into(),
            channel: channel.into(),
            timezone: Zone::default(),
        }
    }
}

/// Customer ids of touchpoints, owned.
#[derive(Debug, Clone, PartialEq)]
pub enum CustomerIds {
    /// Numeric ids (JS `Uint32Array`).
    Numeric(Vec<u32>),
    /// Text ids.
    Text(Vec<String>),
}

impl CustomerIds {
    /// Number of ids.
    pub fn len(&self) -> usize {
        match self {
            CustomerIds::Numeric(v) => v.len(),
            CustomerIds::Text(v) => v.len(),
        }
    }

    /// True when there are no ids.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Touchpoints: one row per touch, every column of one length (checked when journeys are
/// built from them).
///
/// ```
/// use unimetric::attribution::{TouchpointMapping, TouchpointTable};
/// let csv = b"user,at,source\nu1,2024-01-01,search\nu1,2024-01-03,email\n";
/// let t = TouchpointTable::from_csv(csv, &TouchpointMapping::new("user", "at", "source")).unwrap();
/// assert_eq!(t.len(), 2);
/// assert_eq!(t.timestamp[0], 1_704_067_200_000.0);
/// assert_eq!(t.channel, ["search", "email"]);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct TouchpointTable {
    /// Each touch's customer id.
    pub customer_id: CustomerIds,
    /// Time of each touch (epoch ms).
    pub timestamp: Vec<f64>,
    /// Channel of each touch.
    pub channel: Vec<String>,
}

impl TouchpointTable {
    /// Reads touchpoints from CSV bytes (the CSV rules of transactions: header row, delimiter
    /// sniffed, BOM stripped; text times read in `mapping.timezone`). Errors name the column
    /// and the 1-based row: `E_MISSING_COLUMN` for a mapped column the header lacks,
    /// `E_MISSING_VALUE` for an empty id or channel, the date errors for a bad time.
    pub fn from_csv(bytes: &[u8], mapping: &TouchpointMapping) -> Result<TouchpointTable> {
        let mut table = CsvTable::open(bytes)?;
        let ci = table.column(&mapping.customer_id, "customerId")?;
        let ti = table.column(&mapping.timestamp, "timestamp")?;
        let chi = table.column(&mapping.channel, "channel")?;
        let (mut ids, mut times, mut channels) = (Vec::new(), Vec::new(), Vec::new());
        table.for_each(|row, rec| {
            let text = |idx: usize, column: &str| -> Result<String> {
                match field(rec, idx, column, row)? {
                    Cell::Text(s) if !s.trim().is_empty() => Ok(s.trim().to_string()),
                    _ => Err(Error::MissingValue {
                        column: column.into(),
                        row,
                    }),
                }
            };
            ids.push(text(ci, &mapping.customer_id)?);
            let t = time_value_in(
                field(rec, ti, &mapping.timestamp, row)?,
                &mapping.timestamp,
                row,
                &mapping.timezone,
                DateFormat::Iso,
            )?;
            times.push(t as f64);
            channels.push(text(chi, &mapping.channel)?);
            Ok(())
        })?;
        Ok(TouchpointTable {
            customer_id: CustomerIds::Text(ids),
            timestamp: times,
            channel: channels,
        })
    }

    /// Number of touches.
    pub fn len(&self) -> usize {
        self.timestamp.len()
    }

    /// True when there are no touches.
    pub fn is_empty(&self) -> bool {
        self.timestamp.is_empty()
    }

    /// The touchpoints as [`Journeys::from_transactions`](super::Journeys::from_transactions)
    /// reads them (customer ids as journey ids, times as epoch ms).
    pub fn view(&self) -> TouchColumns<'_> {
        TouchColumns {
            journey_id: match &self.customer_id {
                CustomerIds::Numeric(v) => IdColumn::Numeric(v),
                CustomerIds::Text(v) => IdColumn::Text(v),
            },
            timestamp: TimeColumn::EpochMs(&self.timestamp),
            channel: &self.channel,
        }
    }

    /// xxh3-128 of the rows in load order: each customer id as text, the time (IEEE-754 bits)
    /// and the channel name (trimmed); CSV, rows and columns of the same touchpoints agree.
    pub fn fingerprint(&self) -> String {
        let ids: Vec<String> = match &self.customer_id {
            CustomerIds::Numeric(v) => v.iter().map(u32::to_string).collect(),
            CustomerIds::Text(v) => v.clone(),
        };
        crate::data::fingerprint::hex(crate::data::fingerprint::touchpoints(
            &ids,
            &self.timestamp,
            &self.channel,
        ))
    }
}
