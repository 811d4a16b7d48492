//! Journeys: the touchpoints that led (or did not lead) to conversions, as paths.
//!
//! A [`Journeys`] holds paths: each path is a sequence of channel touches with the number of
//! conversions, their value and the number of non-converting ends (`nulls`) it stands for.
//! Built three ways:
//!
//! - [`Journeys::from_events`]: touchpoints `{ journeyId, timestamp, channel }` and conversions
//!   `{ journeyId, timestamp, value? }`. A journey's touches and conversions are put in time
//!   order; each conversion's path is the journey's touches after its previous conversion and at
//!   or before it (a touch at the conversion's instant counts). A later conversion with no new
//!   touch since the previous one reuses the previous conversion's path (the customer came back
//!   on their own: the same touches get the credit again). The touches after a journey's last
//!   conversion, and all touches of a journey without conversion, form a non-converting path.
//!   A conversion with no touch at or before it in its journey is an error.
//! - [`Journeys::from_paths`]: aggregated paths as ChannelAttribution takes them
//!   (`"search > email > search"`, conversions, value, nulls); no touch times.
//! - [`Journeys::from_transactions`]: the library's own data. Each purchase (the first purchase
//!   of each customer by default, or every purchase day) is a conversion of the customer's
//!   journey, credited to their touches less than `lookbackDays` before it (and not after it);
//!   purchases with no touch
//!   in the window are counted as unattributed. Touches of customers with no purchase form
//!   non-converting paths.
//!
//! Channel names are trimmed; blank names are errors. Channels are numbered in sorted order
//! (byte order of the names), so every result is independent of the input's row order.

use crate::data::csv_input::{field, CsvTable};
use crate::data::dates::DateFormat;
use crate::data::{amount_value, time_value_in, Calendar, Cell, IdColumn, TimeColumn, Zone};
use crate::data::{CustomerKeys, Transactions};
use crate::error::{check_number, Error, Result};
use crate::glossary::ParameterDef;
use crate::summary::is_purchase;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

/// The most distinct channels journeys may have.
pub const MAX_CHANNELS: usize = 1000;

/// The most touches one path may have.
pub const MAX_PATH_LENGTH: usize = 10_000;

/// Milliseconds in a day.
const DAY_MS: f64 = 86_400_000.0;

/// Parameter `separator` of [`Journeys::from_paths`].
pub const SEPARATOR: ParameterDef = ParameterDef::new(
    "separator",
    "\">\"",
    "Text between two channels of a path; channel names are trimmed.",
)
.text(">");

/// Parameter `lookbackDays` of [`Journeys::from_transactions`].
pub const LOOKBACK_DAYS: ParameterDef = ParameterDef::new(
    "lookbackDays",
    "30",
    "Touches up to this many days before a purchase are credited with it.",
)
.number(30.0)
.above(0.0)
.at_most(3650.0);

/// Parameter `purchases` of [`Journeys::from_transactions`].
pub const PURCHASES: ParameterDef = ParameterDef::new(
    "purchases",
    "\"first\"",
    "Which purchases are conversions: each customer's first purchase (acquisition, as CAC counts new customers) or every purchase day.",
)
.text("first")
.one_of(&["first", "all"]);

/// Touchpoints as typed columns: one row per touch, every column of one length.
#[derive(Debug, Clone, Copy)]
pub struct TouchColumns<'a> {
    /// Journey (or customer) id per touch.
    pub journey_id: IdColumn<'a>,
    /// Time of the touch.
    pub timestamp: TimeColumn<'a>,
    /// Channel of the touch (trimmed; blank is an error).
    pub channel: &'a [String],
}

/// Conversions as typed columns: one row per conversion.
#[derive(Debug, Clone, Copy)]
pub struct ConversionColumns<'a> {
    /// Journey id per conversion.
    pub journey_id: IdColumn<'a>,
    /// Time of the conversion.
    pub timestamp: TimeColumn<'a>,
    /// Value per conversion (0 each when absent).
    pub value: Option<&'a [f64]>,
}

/// Aggregated paths as ChannelAttribution takes them (JS `JourneyPaths`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct JourneyPaths {
    /// Each path: channel names joined by the separator, e.g. `"search > email"`.
    pub path: Vec<String>,
    /// Conversions of each path (≥ 0).
    pub conversions: Vec<f64>,
    /// Conversion value of each path (default 0).
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub value: Option<Vec<f64>>,
    /// Journeys that followed the path and did not convert (default 0).
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub nulls: Option<Vec<f64>>,
}

/// Options of [`Journeys::from_paths`] (JS `PathOptions`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct PathOptions {
    /// Text between two channels (default `">"`).
    pub separator: String,
}

impl Default for PathOptions {
    fn default() -> Self {
        PathOptions {
            separator: const { SEPARATOR.default_text() }.to_string(),
        }
    }
}

/// Which purchases [`Journeys::from_transactions`] takes as conversions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "lowercase")]
pub enum Purchases {
    /// Each customer's first purchase (acquisition).
    #[default]
    First,
    /// Every purchase day of each customer.
    All,
}

/// Options of [`Journeys::from_transactions`] (JS `JourneysFromTransactionsOptions`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct JourneysFromTransactionsOptions {
    /// Days before a purchase in which touches are credited (default 30).
    pub lookback_days: f64,
    /// First purchases (default) or every purchase day.
    pub purchases: Purchases,
}

impl Default for JourneysFromTransactionsOptions {
    fn default() -> Self {
        JourneysFromTransactionsOptions {
            lookback_days: const { LOOKBACK_DAYS.default_number() },
            purchases: Purchases::First,
        }
    }
}

/// Which CSV columns hold the touchpoints' and conversions' fields (JS `JourneyMapping`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct JourneyMapping {
    /// Column of the journey id, in both files.
    #[serde(deserialize_with = "crate::data::column_name")]
    pub journey_id: String,
    /// Column of the time, in both files.
    #[serde(deserialize_with = "crate::data::column_name")]
    pub timestamp: String,
    /// Column of the channel, in the touchpoints file.
    #[serde(deserialize_with = "crate::data::column_name")]
    pub channel: String,
    /// Column of the conversion value, in the conversions file (optional).
    #[serde(default, deserialize_with = "crate::data::option_column_name")]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub value: Option<String>,
    /// IANA time zone in which times without an offset are read (default `"UTC"`).
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(optional, type = "string"))]
    pub timezone: Zone,
}

/// Conversions and value that [`Journeys::from_transactions`] could not credit: purchases with
/// no touch of their customer in the lookback window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct Unattributed {
    /// Purchases without a touch in their window.
    pub conversions: f64,
    /// Their net value.
    pub value: f64,
}

/// Journeys as paths (see the [module docs](self)).
///
/// ```
/// use unimetric::attribution::{Journeys, JourneyPaths, PathOptions};
/// let j = Journeys::from_paths(
///     &JourneyPaths {
///         path: vec!["search > email".into(), "email".into()],
///         conversions: vec![3.0, 1.0],
///         value: None,
///         nulls: Some(vec![5.0, 2.0]),
///     },
///     &PathOptions::default(),
/// )
/// .unwrap();
/// assert_eq!(j.channels(), ["email", "search"]);
/// assert_eq!(j.total_conversions(), 4.0);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Journeys {
    /// Channel names, sorted; touches are indices into it.
    pub(crate) channels: Vec<String>,
    /// Path `p`'s touches are `touch[offsets[p]..offsets[p + 1]]`.
    pub(crate) offsets: Vec<usize>,
    /// Channel index per touch, in time order within a path.
    pub(crate) touch: Vec<u32>,
    /// Days from each touch to its path's conversion (event input; `None` for aggregated paths).
    pub(crate) age_days: Option<Vec<f64>>,
    /// Conversions per path.
    pub(crate) conversions: Vec<f64>,
    /// Conversion value per path.
    pub(crate) value: Vec<f64>,
    /// Non-converting ends per path.
    pub(crate) nulls: Vec<f64>,
    /// Conversion time per path (epoch ms; event input only; the last touch's time for a
    /// non-converting path).
    pub(crate) time: Option<Vec<i64>>,
    /// Journey index per path (event input: into `journey_ids`; paths input: the row).
    pub(crate) journey: Vec<u32>,
    /// Journey ids (event input), or empty.
    pub(crate) journey_ids: Vec<String>,
    /// What `from_transactions` could not credit.
    pub(crate) unattributed: Unattributed,
}

/// Interns journey ids of one or two columns into one index space: numeric when every column is
/// numeric, text otherwise (numbers written in decimal).
struct IdSpace {
    numeric: FxHashMap<u32, u32>,
    text: FxHashMap<String, u32>,
    names: Vec<String>,
    all_numeric: bool,
}

impl IdSpace {
    fn new(all_numeric: bool) -> Self {
        IdSpace {
            numeric: FxHashMap::default(),
            text: FxHashMap::default(),
            names: Vec::new(),
            all_numeric,
        }
    }

    fn intern_column(&mut self, col: IdColumn<'_>, column: &str) -> Result<Vec<u32>> {
        let mut out = Vec::with_capacity(col.len());
        match col {
            IdColumn::Numeric(v) if self.all_numeric => {
                for &k in v {
                    let next = self.names.len() as u32;
                    let idx = *self.numeric.entry(k).or_insert(next);
                    if idx == next {
                        self.names.push(k.to_string());
                    }
                    out.push(idx);
                }
            }
            IdColumn::Numeric(v) => {
                for &k in v {
                    out.push(self.intern_text(&k.to_string()));
                }
            }
            IdColumn::Text(v) => {
                for (i, s) in v.iter().enumerate() {
                    let t = s.trim();
                    if t.is_empty() {
                        return Err(Error::MissingValue {
                            column: column.into(),
                            row: i + 1,
                        });
                    }
                    out.push(self.intern_text(t));
                }
            }
        }
        Ok(out)
    }

    /// The ids in sorted order (numbers by value, text in natural order) and, per interned
    /// index, its sorted position: journeys are numbered in this order so that results do not
    /// depend on the input's row order.
    fn sorted(self) -> (Vec<String>, Vec<u32>) {
        sorted_names(self.names, crate::data::natural_cmp)
    }

    fn intern_text(&mut self, t: &str) -> u32 {
        if let Some(&i) = self.text.get(t) {
            return i;
        }
        let i = self.names.len() as u32;
        self.text.insert(t.to_string(), i);
        self.names.push(t.to_string());
        i
    }
}

/// `names` sorted by `cmp` and, per original index, its sorted position.
fn sorted_names(
    names: Vec<String>,
    cmp: impl Fn(&str, &str) -> std::cmp::Ordering,
) -> (Vec<String>, Vec<u32>) {
    let mut order: Vec<u32> = (0..names.len() as u32).collect();
    order.sort_by(|&a, &b| cmp(&names[a as usize], &names[b as usize]));
    let mut rank = vec![0u32; names.len()];
    for (r, &i) in order.iter().enumerate() {
        rank[i as usize] = r as u32;
    }
    let sorted = order.iter().map(|&i| names[i as usize].clone()).collect();
    (sorted, rank)
}

/// Channel names interned, then renumbered in sorted order.
#[derive(Default)]
struct ChannelSpace {
    map: FxHashMap<String, u32>,
    names: Vec<String>,
}

impl ChannelSpace {
    fn intern(&mut self, raw: &str, column: &str, row: usize) -> Result<u32> {
        let t = raw.trim();
        if t.is_empty() {
            return Err(Error::MissingValue {
                column: column.into(),
                row,
            });
        }
        if let Some(&i) = self.map.get(t) {
            return Ok(i);
        }
        if self.names.len() >= MAX_CHANNELS {
            return Err(Error::TooLarge {
                what: "journeys' distinct channels".into(),
                size: self.names.len() + 1,
                limit: MAX_CHANNELS,
            });
        }
        let i = self.names.len() as u32;
        self.map.insert(t.to_string(), i);
        self.names.push(t.to_string());
        Ok(i)
    }

    /// The names in sorted order and, per interned index, its sorted position.
    fn sorted(self) -> (Vec<String>, Vec<u32>) {
        sorted_names(self.names, |a, b| a.cmp(b))
    }
}

fn mismatch(column: &str, actual: usize, reference: &str, expected: usize) -> Error {
    Error::LengthMismatch {
        column: column.into(),
        actual,
        reference: reference.into(),
        expected,
    }
}

fn check_rows(n: usize, what: &str) -> Result<()> {
    if n > crate::data::MAX_TRANSACTIONS {
        return Err(Error::TooLarge {
            what: what.into(),
            size: n,
            limit: crate::data::MAX_TRANSACTIONS,
        });
    }
    Ok(())
}

/// Touches read and checked: journey index, time, channel (interned order), row order kept.
struct Touches {
    journey: Vec<u32>,
    time: Vec<i64>,
    channel: Vec<u32>,
}

fn read_touches(
    cols: TouchColumns<'_>,
    ids: &mut IdSpace,
    channels: &mut ChannelSpace,
    zone: &Zone,
) -> Result<Touches> {
    let n = cols.channel.len();
    check_rows(n, "touchpoints")?;
    if cols.journey_id.len() != n {
        return Err(mismatch("journeyId", cols.journey_id.len(), "channel", n));
    }
    if cols.timestamp.len() != n {
        return Err(mismatch("timestamp", cols.timestamp.len(), "channel", n));
    }
    if n == 0 {
        return Err(Error::Empty {
            what: "touchpoints".into(),
        });
    }
    let time = cols.timestamp.instants("timestamp", zone)?;
    let journey = ids.intern_column(cols.journey_id, "journeyId")?;
    let channel = cols
        .channel
        .iter()
        .enumerate()
        .map(|(i, c)| channels.intern(c, "channel", i + 1))
        .collect::<Result<Vec<u32>>>()?;
    Ok(Touches {
        journey,
        time,
        channel,
    })
}

/// Builds paths as they are pushed, then renumbers channels in sorted order.
struct PathBuilder {
    offsets: Vec<usize>,
    touch: Vec<u32>,
    age_days: Option<Vec<f64>>,
    conversions: Vec<f64>,
    value: Vec<f64>,
    nulls: Vec<f64>,
    time: Option<Vec<i64>>,
    journey: Vec<u32>,
}

impl PathBuilder {
    fn new(timed: bool) -> Self {
        PathBuilder {
            offsets: vec![0],
            touch: Vec::new(),
            age_days: timed.then(Vec::new),
            conversions: Vec::new(),
            value: Vec::new(),
            nulls: Vec::new(),
            time: timed.then(Vec::new),
            journey: Vec::new(),
        }
    }

    /// Adds a path of `touches` (channel, time) ending at `end` (ms) with the given weights.
    fn push_timed(
        &mut self,
        touches: impl Iterator<Item = (u32, i64)>,
        end: i64,
        conversions: f64,
        value: f64,
        nulls: f64,
        journey: u32,
    ) -> Result<()> {
        for (c, t) in touches {
            self.touch.push(c);
            if let Some(a) = &mut self.age_days {
                a.push((end - t) as f64 / DAY_MS);
            }
        }
        if let Some(t) = &mut self.time {
            t.push(end);
        }
        self.finish_path(conversions, value, nulls, journey)
    }

    fn finish_path(
        &mut self,
        conversions: f64,
        value: f64,
        nulls: f64,
        journey: u32,
    ) -> Result<()> {
        let start = self.offsets.last().copied().unwrap_or(0);
        let len = self.touch.len() - start;
        if len > MAX_PATH_LENGTH {
            return Err(Error::TooLarge {
                what: format!("path {}", self.conversions.len() + 1),
                size: len,
                limit: MAX_PATH_LENGTH,
            });
        }
        self.offsets.push(self.touch.len());
        self.conversions.push(conversions);
        self.value.push(value);
        self.nulls.push(nulls);
        self.journey.push(journey);
        Ok(())
    }

    fn finish(
        mut self,
        channels: ChannelSpace,
        journey_ids: Vec<String>,
        unattributed: Unattributed,
    ) -> Result<Journeys> {
        if self.conversions.is_empty() {
            return Err(Error::Empty {
                what: "journeys".into(),
            });
        }
        let (names, rank) = channels.sorted();
        for t in &mut self.touch {
            *t = rank.get(*t as usize).copied().unwrap_or(0);
        }
        Ok(Journeys {
            channels: names,
            offsets: self.offsets,
            touch: self.touch,
            age_days: self.age_days,
            conversions: self.conversions,
            value: self.value,
            nulls: self.nulls,
            time: self.time,
            journey: self.journey,
            journey_ids,
            unattributed,
        })
    }
}

/// A row reader: called with each row (1-based) and its cells.
type RowFn<'f> = dyn FnMut(usize, &[Cell<'_>]) -> Result<()> + 'f;

/// Calls `f` with the cells of the `(field, column)` pairs of every CSV row.
fn csv_rows(bytes: &[u8], fields: &[(&str, &str)], f: &mut RowFn<'_>) -> Result<()> {
    let mut table = CsvTable::open(bytes)?;
    let idx = fields
        .iter()
        .map(|&(field, name)| table.column(name, field))
        .collect::<Result<Vec<usize>>>()?;
    table.for_each(|row, rec| {
        let cells = idx
            .iter()
            .zip(fields)
            .map(|(&i, &(_, name))| field(rec, i, name, row))
            .collect::<Result<Vec<Cell<'_>>>>()?;
        f(row, &cells)
    })?;
    Ok(())
}

/// Calls `f` with the cells of the `(field, column)` pairs of every Arrow row (times, the
/// value as a number, the rest as text).
#[cfg(feature = "arrow")]
fn arrow_rows(bytes: &[u8], fields: &[(&str, &str)], f: &mut RowFn<'_>) -> Result<()> {
    use crate::data::arrow::{for_each_row, ColumnKind};
    let columns: Vec<(&str, &str, ColumnKind)> = fields
        .iter()
        .map(|&(field, name)| {
            // Ids may be integers or text: a number column falls back to text.
            let kind = match field {
                "timestamp" => ColumnKind::Time,
                "channel" => ColumnKind::Text,
                _ => ColumnKind::Number,
            };
            (field, name, kind)
        })
        .collect();
    for_each_row(bytes, &columns, |row, cells| f(row, cells)).map(|_| ())
}

/// Maps interned indices to their sorted positions.
fn renumber(v: &mut [u32], rank: &[u32]) {
    for x in v {
        *x = rank.get(*x as usize).copied().unwrap_or(0);
    }
}

/// Row order sorted by (journey, time, row).
fn order_by_journey(journey: &[u32], time: &[i64]) -> Vec<u32> {
    let mut order: Vec<u32> = (0..journey.len() as u32).collect();
    // Tables usually arrive grouped by journey and in time order: then there is nothing to sort.
    let sorted = journey
        .windows(2)
        .zip(time.windows(2))
        .all(|(j, t)| (j[0], t[0]) <= (j[1], t[1]));
    if !sorted {
        order.sort_by_key(|&i| (journey[i as usize], time[i as usize], i));
    }
    order
}

impl Journeys {
    /// Journeys from touchpoints and conversions (see the [module docs](self)); text times
    /// without an offset are read in `zone`.
    ///
    /// Errors: `E_LENGTH_MISMATCH`, `E_EMPTY` (no touchpoint), `E_MISSING_VALUE` (a blank id or
    /// channel), `E_NON_FINITE`/`E_NEGATIVE` (a value), `E_BAD_DATE`, `E_TOO_LARGE` (more than
    /// [`MAX_CHANNELS`] channels), and `E_OUT_OF_RANGE` naming the conversion's row when a
    /// conversion has no touch at or before it in its journey.
    pub fn from_events(
        touches: TouchColumns<'_>,
        conversions: ConversionColumns<'_>,
        zone: &Zone,
    ) -> Result<Journeys> {
        let numeric = matches!(touches.journey_id, IdColumn::Numeric(_))
            && matches!(conversions.journey_id, IdColumn::Numeric(_));
        let mut ids = IdSpace::new(numeric);
        let mut channels = ChannelSpace::default();
        let t = read_touches(touches, &mut ids, &mut channels, zone)?;
        let m = conversions.journey_id.len();
        check_rows(m, "conversions")?;
        if conversions.timestamp.len() != m {
            return Err(mismatch(
                "timestamp",
                conversions.timestamp.len(),
                "journeyId",
                m,
            ));
        }
        let value = match conversions.value {
            Some(v) if v.len() != m => return Err(mismatch("value", v.len(), "journeyId", m)),
            Some(v) => {
                for (i, &x) in v.iter().enumerate() {
                    check_number(x, "value", i + 1)?;
                }
                v.to_vec()
            }
            None => vec![0.0; m],
        };
        let ctime = conversions.timestamp.instants("timestamp", zone)?;
        let mut cjourney = ids.intern_column(conversions.journey_id, "journeyId")?;
        let (names, rank) = ids.sorted();
        let mut t = t;
        renumber(&mut t.journey, &rank);
        renumber(&mut cjourney, &rank);

        let torder = order_by_journey(&t.journey, &t.time);
        let corder = order_by_journey(&cjourney, &ctime);
        let mut b = PathBuilder::new(true);
        let (mut ti, mut ci) = (0usize, 0usize);
        let tj = |i: usize| t.journey[torder[i] as usize];
        let cj = |i: usize| cjourney[corder[i] as usize];
        let journeys = names.len() as u32;
        for j in 0..journeys {
            let t_start = ti;
            while ti < torder.len() && tj(ti) == j {
                ti += 1;
            }
            let touches = &torder[t_start..ti];
            let c_start = ci;
            while ci < corder.len() && cj(ci) == j {
                ci += 1;
            }
            // The journey's touches consumed so far, and the previous conversion's window.
            let mut next = 0usize;
            let mut previous: Option<(usize, usize)> = None;
            for &c in &corder[c_start..ci] {
                let at = ctime[c as usize];
                let begin = next;
                while next < touches.len() && t.time[touches[next] as usize] <= at {
                    next += 1;
                }
                let window = if next > begin {
                    (begin, next)
                } else {
                    match previous {
                        Some(w) => w,
                        None => {
                            return Err(Error::OutOfRange {
                                column: "timestamp".into(),
                                row: c as usize + 1,
                                message: format!(
                                "the conversion of journey '{}' has no touchpoint at or before it",
                                names.get(j as usize).map_or("", String::as_str)
                            ),
                            })
                        }
                    }
                };
                previous = Some(window);
                let path = touches[window.0..window.1]
                    .iter()
                    .map(|&r| (t.channel[r as usize], t.time[r as usize]));
                b.push_timed(path, at, 1.0, value[c as usize], 0.0, j)?;
            }
            if next < touches.len() {
                let rest = &touches[next..];
                let end = rest.last().map_or(0, |&r| t.time[r as usize]);
                let path = rest
                    .iter()
                    .map(|&r| (t.channel[r as usize], t.time[r as usize]));
                b.push_timed(path, end, 0.0, 0.0, 1.0, j)?;
            }
        }
        b.finish(channels, names, Unattributed::default())
    }

    /// Journeys from aggregated paths (`"search > email"`, conversions, value, nulls) as
    /// ChannelAttribution takes them; no touch times, so no time-decay model.
    ///
    /// Errors: `E_LENGTH_MISMATCH`, `E_EMPTY`, `E_MISSING_VALUE` (a blank path or a blank
    /// channel between separators, naming column `path` and the row), `E_NON_FINITE` and
    /// `E_NEGATIVE` (counts and values), `E_BAD_OPTION` (an empty separator), `E_TOO_LARGE`.
    pub fn from_paths(cols: &JourneyPaths, opts: &PathOptions) -> Result<Journeys> {
        if opts.separator.is_empty() {
            return Err(Error::BadOption {
                option: "separator".into(),
                message: "must not be empty".into(),
            });
        }
        let n = cols.path.len();
        check_rows(n, "paths")?;
        if cols.conversions.len() != n {
            return Err(mismatch("conversions", cols.conversions.len(), "path", n));
        }
        let check_column = |v: &Option<Vec<f64>>, name: &str| -> Result<()> {
            match v {
                Some(v) if v.len() != n => Err(mismatch(name, v.len(), "path", n)),
                _ => Ok(()),
            }
        };
        check_column(&cols.value, "value")?;
        check_column(&cols.nulls, "nulls")?;
        let count = |x: f64, column: &str, row: usize| -> Result<f64> {
            let x = check_number(x, column, row)?;
            if x < 0.0 {
                return Err(Error::Negative {
                    column: column.into(),
                    row,
                    value: x,
                });
            }
            Ok(x)
        };
        let mut channels = ChannelSpace::default();
        let mut b = PathBuilder::new(false);
        for (i, p) in cols.path.iter().enumerate() {
            let row = i + 1;
            if p.trim().is_empty() {
                return Err(Error::MissingValue {
                    column: "path".into(),
                    row,
                });
            }
            for name in p.split(opts.separator.as_str()) {
                let c = channels.intern(name, "path", row)?;
                b.touch.push(c);
            }
            let conv = count(cols.conversions[i], "conversions", row)?;
            let value = match &cols.value {
                Some(v) => check_number(v[i], "value", row)?,
                None => 0.0,
            };
            let nulls = match &cols.nulls {
                Some(v) => count(v[i], "nulls", row)?,
                None => 0.0,
            };
            b.finish_path(conv, value, nulls, i as u32)?;
        }
        b.finish(channels, Vec::new(), Unattributed::default())
    }

    /// Journeys from touchpoints and the library's transactions (see the
    /// [module docs](self)): touch journey ids are customer ids.
    ///
    /// A purchase is a local day (in the transactions' zone) with at least one transaction that
    /// is a purchase under [`is_purchase`]; its time is that of the day's earliest purchase row
    /// and its value the day's net amount. Touches at or before the purchase and less than
    /// `lookbackDays` before it are its path.
    pub fn from_transactions(
        touches: TouchColumns<'_>,
        tx: &Transactions,
        opts: &JourneysFromTransactionsOptions,
    ) -> Result<Journeys> {
        let lookback_ms = LOOKBACK_DAYS.check_number(opts.lookback_days)? * DAY_MS;
        let numeric = matches!(touches.journey_id, IdColumn::Numeric(_))
            && matches!(tx.customer_keys(), CustomerKeys::Numeric(_));
        let mut ids = IdSpace::new(numeric);
        let mut channels = ChannelSpace::default();
        let t = read_touches(touches, &mut ids, &mut channels, tx.timezone())?;
        // Customers of the transactions in the same id space as the touches.
        let mut customer_journey: Vec<u32> = match tx.customer_keys() {
            CustomerKeys::Numeric(k) => ids.intern_column(IdColumn::Numeric(k), "customerId")?,
            CustomerKeys::Text(k) => ids.intern_column(IdColumn::Text(k), "customerId")?,
        };
        let (names, rank) = ids.sorted();
        let mut t = t;
        renumber(&mut t.journey, &rank);
        renumber(&mut customer_journey, &rank);
        let mut purchases = purchase_days(tx, opts.purchases)?;
        purchases.sort_by_key(|p| (customer_journey[p.customer as usize], p.time));
        let torder = order_by_journey(&t.journey, &t.time);
        // First touch row (in `torder`) of each journey.
        let journeys = names.len();
        let mut first = vec![usize::MAX; journeys + 1];
        for (k, &r) in torder.iter().enumerate().rev() {
            first[t.journey[r as usize] as usize] = k;
        }
        let mut b = PathBuilder::new(true);
        let mut unattributed = Unattributed::default();
        let mut converted = vec![false; journeys];
        for p in &purchases {
            let j = customer_journey[p.customer as usize];
            converted[j as usize] = true;
            let mut path: Vec<(u32, i64)> = Vec::new();
            let mut k = first[j as usize];
            while k < torder.len() && t.journey[torder[k] as usize] == j {
                let r = torder[k] as usize;
                let at = t.time[r];
                if at > p.time {
                    break;
                }
                if ((p.time - at) as f64) < lookback_ms {
                    path.push((t.channel[r], at));
                }
                k += 1;
            }
            if path.is_empty() {
                unattributed.conversions += 1.0;
                unattributed.value += p.value;
                continue;
            }
            b.push_timed(path.into_iter(), p.time, 1.0, p.value, 0.0, j)?;
        }
        for (j, &done) in converted.iter().enumerate() {
            let k0 = first[j];
            if done || k0 == usize::MAX {
                continue;
            }
            let mut k = k0;
            while k < torder.len() && t.journey[torder[k] as usize] == j as u32 {
                k += 1;
            }
            let rows = &torder[k0..k];
            let end = rows.last().map_or(0, |&r| t.time[r as usize]);
            let path = rows
                .iter()
                .map(|&r| (t.channel[r as usize], t.time[r as usize]));
            b.push_timed(path, end, 0.0, 0.0, 1.0, j as u32)?;
        }
        if b.conversions.is_empty() {
            return Err(Error::Empty {
                what: "journeys (no purchase has a touchpoint in its lookback window and no customer without purchase has a touchpoint)".into(),
            });
        }
        b.finish(channels, names, unattributed)
    }

    /// Journeys from two CSV files (touchpoints and conversions) under `mapping`.
    pub fn from_csv(
        touchpoints: &[u8],
        conversions: &[u8],
        mapping: &JourneyMapping,
    ) -> Result<Journeys> {
        Self::from_row_sources(
            |fields, f| csv_rows(touchpoints, fields, f),
            |fields, f| csv_rows(conversions, fields, f),
            mapping,
        )
    }

    /// Journeys from two Arrow IPC tables (touchpoints and conversions) under `mapping`; time
    /// columns may be timestamps, dates, epoch milliseconds or text.
    #[cfg(feature = "arrow")]
    pub fn from_arrow(
        touchpoints: &[u8],
        conversions: &[u8],
        mapping: &JourneyMapping,
    ) -> Result<Journeys> {
        Self::from_row_sources(
            |fields, f| arrow_rows(touchpoints, fields, f),
            |fields, f| arrow_rows(conversions, fields, f),
            mapping,
        )
    }

    /// Journeys from two sources of rows (CSV or Arrow): each is called with the `(field,
    /// column)` pairs to read and a function taking each row's cells in that order.
    fn from_row_sources(
        touchpoints: impl FnOnce(&[(&str, &str)], &mut RowFn<'_>) -> Result<()>,
        conversions: impl FnOnce(&[(&str, &str)], &mut RowFn<'_>) -> Result<()>,
        mapping: &JourneyMapping,
    ) -> Result<Journeys> {
        let zone = &mapping.timezone;
        let id = |cell: Cell<'_>, row: usize| -> Result<String> {
            match cell {
                Cell::Text(s) => Ok(s.trim().to_string()),
                Cell::Number(x) if x.fract() == 0.0 && x.abs() < 9e15 => {
                    Ok(format!("{}", x as i64))
                }
                _ => Err(Error::MissingValue {
                    column: mapping.journey_id.clone(),
                    row,
                }),
            }
        };
        let time = |cell: Cell<'_>, row: usize| {
            time_value_in(cell, &mapping.timestamp, row, zone, DateFormat::Iso)
        };
        let (mut tid, mut tt, mut tch) = (Vec::new(), Vec::new(), Vec::new());
        touchpoints(
            &[
                ("journeyId", mapping.journey_id.as_str()),
                ("timestamp", mapping.timestamp.as_str()),
                ("channel", mapping.channel.as_str()),
            ],
            &mut |row, cells| {
                let cell = |i: usize| cells.get(i).copied().unwrap_or(Cell::Missing);
                tid.push(id(cell(0), row)?);
                tt.push(time(cell(1), row)?);
                match cell(2) {
                    Cell::Text(s) => tch.push(s.trim().to_string()),
                    _ => {
                        return Err(Error::MissingValue {
                            column: mapping.channel.clone(),
                            row,
                        })
                    }
                }
                Ok(())
            },
        )?;
        let mut fields = vec![
            ("journeyId", mapping.journey_id.as_str()),
            ("timestamp", mapping.timestamp.as_str()),
        ];
        if let Some(v) = &mapping.value {
            fields.push(("value", v.as_str()));
        }
        let (mut cid, mut ct, mut cv) = (Vec::new(), Vec::new(), Vec::new());
        conversions(&fields, &mut |row, cells| {
            let cell = |i: usize| cells.get(i).copied().unwrap_or(Cell::Missing);
            cid.push(id(cell(0), row)?);
            ct.push(time(cell(1), row)?);
            if let Some(name) = &mapping.value {
                cv.push(amount_value(cell(2), name, row)?);
            }
            Ok(())
        })?;
        Journeys::from_events(
            TouchColumns {
                journey_id: IdColumn::Text(&tid),
                timestamp: TimeColumn::Instants(&tt),
                channel: &tch,
            },
            ConversionColumns {
                journey_id: IdColumn::Text(&cid),
                timestamp: TimeColumn::Instants(&ct),
                value: mapping.value.as_ref().map(|_| cv.as_slice()),
            },
            zone,
        )
    }

    /// Channel names, sorted.
    pub fn channels(&self) -> &[String] {
        &self.channels
    }

    /// Number of paths (one per conversion and per non-converting journey end for event input;
    /// one per row for aggregated paths).
    pub fn path_count(&self) -> usize {
        self.conversions.len()
    }

    /// Number of touches.
    pub fn touch_count(&self) -> usize {
        self.touch.len()
    }

    /// Total conversions.
    pub fn total_conversions(&self) -> f64 {
        self.conversions.iter().sum()
    }

    /// Total conversion value.
    pub fn total_value(&self) -> f64 {
        self.value.iter().sum()
    }

    /// Total non-converting journey ends.
    pub fn total_nulls(&self) -> f64 {
        self.nulls.iter().sum()
    }

    /// True when touches carry times (event and transaction input).
    pub fn has_times(&self) -> bool {
        self.age_days.is_some()
    }

    /// What `from_transactions` could not credit (zero otherwise).
    pub fn unattributed(&self) -> Unattributed {
        self.unattributed
    }

    /// The touches of path `p`.
    pub(crate) fn path(&self, p: usize) -> &[u32] {
        let (a, b) = (self.offsets[p], self.offsets[p + 1]);
        &self.touch[a..b]
    }

    /// The ages (days) of path `p`'s touches, when known.
    pub(crate) fn ages(&self, p: usize) -> Option<&[f64]> {
        let (a, b) = (self.offsets[p], self.offsets[p + 1]);
        self.age_days.as_ref().map(|v| &v[a..b])
    }
}

/// One conversion of `from_transactions`.
struct Purchase {
    customer: u32,
    time: i64,
    value: f64,
}

/// Purchase days of every customer (all, or the first of each), in customer then time order.
fn purchase_days(tx: &Transactions, which: Purchases) -> Result<Vec<Purchase>> {
    let cal = Calendar::new(
        tx.timezone().clone(),
        crate::data::dates::default_week_start(),
    )?;
    let n = tx.len();
    let mut order: Vec<u32> = (0..n as u32).collect();
    order.sort_by_key(|&r| (tx.customer[r as usize], tx.timestamp[r as usize], r));
    let mut out: Vec<Purchase> = Vec::new();
    let mut i = 0;
    while i < n {
        let r0 = order[i] as usize;
        let (c, day) = (tx.customer[r0], cal.day(tx.timestamp[r0]));
        let mut j = i;
        let (mut net, mut first_purchase) = (0.0, None);
        while j < n {
            let r = order[j] as usize;
            if tx.customer[r] != c || cal.day(tx.timestamp[r]) != day {
                break;
            }
            net += tx.amount[r];
            if first_purchase.is_none() && is_purchase(tx.amount[r]) {
                first_purchase = Some(tx.timestamp[r]);
            }
            j += 1;
        }
        if let Some(time) = first_purchase {
            let first_of_customer = !matches!(out.last(), Some(p) if p.customer == c);
            if which == Purchases::All || first_of_customer {
                out.push(Purchase {
                    customer: c,
                    time,
                    value: net,
                });
            }
        }
        i = j;
    }
    Ok(out)
}
