//! The date policy: how every timestamp entering unimetric is read, and calendar periods.
//!
//! # Accepted forms
//!
//! | input | read as |
//! |---|---|
//! | number (JS `number`, typed-array element) | epoch milliseconds: an instant |
//! | `2024-03-05` | the start of that local day in the table's time zone |
//! | `2024-03-05T14:30`, `2024-03-05 14:30:15`, `…:15.250` | that wall time in the table's time zone |
//! | `2024-03-05T14:30:15Z`, `…+02:00`, `…-0500` | that instant (the offset is applied) |
//! | `20240305` (exactly eight digits) | the date `YYYYMMDD`, as `2024-03-05` |
//! | `1709649000000` (other all-digit text, optional leading `-`) | epoch milliseconds |
//!
//! Anything else — `03/05/2024`, `5 March 2024`, an impossible date such as `2024-02-30` — is
//! rejected with `E_BAD_DATE` naming the column and row: slash dates are ambiguous between
//! day/month and month/day orders, and unimetric never guesses. A mapping that names its
//! [`DateFormat`] (`dateFormat: "MM/DD/YYYY"`, `"DD/MM/YYYY"` or `"DD.MM.YYYY"`) reads that form
//! too (one or two digits for day, month and hour, an optional time `H:MM` or `H:MM:SS`), as
//! local wall time like any naive date-time; [`infer_date_format`] says which form a column's
//! values settle, or that they are ambiguous. Eight-digit text is always
//! `YYYYMMDD` (an epoch-millisecond value with eight digits would be within the first day of
//! 1970). Accepted instants lie in the years 1000 to 9999.
//!
//! # Time zones
//!
//! A table is read in one time zone ([`Zone`]: `"UTC"` unless the mapping names an IANA zone
//! such as `"Europe/Berlin"`, resolved against the tz database bundled into the library, never
//! the system's, so native code, Node and browsers read the same rules). Instants (numbers, text
//! with an offset) stay instants; naive date-times and bare dates are local to that zone. A naive
//! wall time that does not exist or exists twice at a DST change is resolved the way Temporal
//! and jiff call *compatible*: a time in a spring-forward gap is shifted forward by the length of
//! the gap (02:30 on a night that jumps from 02:00 to 03:00 is 03:30, new offset), and a time
//! repeated by a fall-back is the earlier of its two instants (the one with the old offset).
//!
//! # Periods
//!
//! Periods are calendar-aligned in a [`Calendar`]'s zone (UTC unless a `timezone` option or the
//! transactions say otherwise): a day starts at local midnight, a week on its `weekStart` day
//! (Monday by default: ISO 8601), a month on the 1st, a quarter on the 1st of January, April,
//! July or October. A day of 23 or 25 hours at a DST change is one day. A period is identified
//! by its index counted from the local period containing 1970-01-01.

use crate::error::{Error, Result};
use crate::glossary::ParameterDef;
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// Milliseconds in one day.
pub const MS_PER_DAY: i64 = 86_400_000;

/// Earliest accepted instant: 1000-01-01T00:00:00Z, in epoch milliseconds.
pub const MIN_MS: i64 = -30_610_224_000_000;
/// Latest accepted instant: 9999-12-31T23:59:59.999Z, in epoch milliseconds.
pub const MAX_MS: i64 = 253_402_300_799_999;

/// A calendar period length used to bucket transactions.
///
/// ```
/// use unimetric::Period;
/// // 2024-03-05 (a Tuesday) falls in the week starting Monday 2024-03-04.
/// let ms = unimetric::data::dates::parse_date_text("2024-03-05", "t", 1).unwrap();
/// let w = Period::Week.index(ms);
/// assert_eq!(Period::Week.start_ms(w), unimetric::data::dates::parse_date_text("2024-03-04", "t", 1).unwrap());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "lowercase")]
pub enum Period {
    /// A UTC calendar day.
    #[default]
    Day,
    /// An ISO week, Monday to Sunday, UTC.
    Week,
    /// A calendar month, UTC.
    Month,
    /// A calendar quarter, UTC.
    Quarter,
}

impl Period {
    /// The names of every period, in the order of the enum: the values of every `period`
    /// parameter in the glossary.
    pub const NAMES: &'static [&'static str] = &["day", "week", "month", "quarter"];

    /// The lowercase name used in options and definitions (`day`, `week`, `month`, `quarter`).
    pub fn as_str(self) -> &'static str {
        match self {
            Period::Day => "day",
            Period::Week => "week",
            Period::Month => "month",
            Period::Quarter => "quarter",
        }
    }

    /// Parses `day`, `week`, `month` or `quarter`.
    pub fn parse(s: &str) -> Result<Period> {
        match s {
            "day" => Ok(Period::Day),
            "week" => Ok(Period::Week),
            "month" => Ok(Period::Month),
            "quarter" => Ok(Period::Quarter),
            other => Err(Error::BadOption {
                option: "period".into(),
                message: format!("'{other}' is not one of day, week, month, quarter"),
            }),
        }
    }

    /// Index of the period containing the instant `ms` (epoch milliseconds) in UTC, weeks from
    /// Monday. [`Calendar::index`] is the same in any zone and with any week start.
    #[inline]
    pub fn index(self, ms: i64) -> i64 {
        self.local_index(ms, WEEK_SHIFT_MONDAY)
    }

    /// First instant (epoch milliseconds) of the UTC period with index `index` (weeks from
    /// Monday); see [`Calendar::start_ms`].
    pub fn start_ms(self, index: i64) -> i64 {
        self.local_start(index, WEEK_SHIFT_MONDAY)
    }

    /// Index of the period containing the local wall time `local_ms` (milliseconds of wall time
    /// since 1970-01-01T00:00 local); weeks start `week_shift` days before the Thursday
    /// 1970-01-01 counts from (3 = Monday, see [`week_shift`]).
    #[inline]
    pub(crate) fn local_index(self, local_ms: i64, week_shift: i64) -> i64 {
        let day = local_ms.div_euclid(MS_PER_DAY);
        match self {
            Period::Day => day,
            // 1970-01-01 was a Thursday; with Monday weeks, shifting by 3 days counts weeks from
            // Monday 1969-12-29.
            Period::Week => (day + week_shift).div_euclid(7),
            Period::Month | Period::Quarter => {
                let (y, m) = year_month_of_day(day);
                let months = (y - 1970) * 12 + (m - 1);
                if self == Period::Month {
                    months
                } else {
                    months.div_euclid(3)
                }
            }
        }
    }

    /// Local wall time (see [`Period::local_index`]) at which the period `index` starts.
    fn local_start(self, index: i64, week_shift: i64) -> i64 {
        match self {
            Period::Day => index * MS_PER_DAY,
            Period::Week => (index * 7 - week_shift) * MS_PER_DAY,
            Period::Month | Period::Quarter => {
                let months = if self == Period::Month {
                    index
                } else {
                    index * 3
                };
                let y = 1970 + months.div_euclid(12);
                let m = months.rem_euclid(12) + 1;
                days_from_civil(y, m, 1) * MS_PER_DAY
            }
        }
    }
}

/// [`week_shift`] of Monday weeks.
const WEEK_SHIFT_MONDAY: i64 = 3;

/// Days from the start of the week containing 1970-01-01 (a Thursday, ISO weekday 4) to that
/// Thursday, for weeks starting on ISO weekday `week_start` (1 = Monday … 7 = Sunday).
fn week_shift(week_start: u8) -> i64 {
    (4 - i64::from(week_start)).rem_euclid(7)
}

/// Parameter `timezone`, shared by every function that buckets time.
pub const TIMEZONE: ParameterDef = ParameterDef::new(
    "timezone",
    "the transactions' time zone (\"UTC\" unless their mapping names one)",
    "IANA time zone (e.g. \"Europe/Berlin\") in which days, weeks and months begin at local midnight, DST-correct. Default: the zone the transactions were read in.",
)
.rule("transactionsTimezone");

/// Parameter `timezone` of a column mapping: the zone naive date-times and bare dates are read
/// in, which the table remembers as the default `timezone` of every function that buckets it.
pub const MAPPING_TIMEZONE: ParameterDef = ParameterDef::new(
    "timezone",
    "\"UTC\"",
    "IANA time zone in which naive date-times (no offset) and bare dates are read; instants stay instants. The table remembers it as the default timezone of every metric.",
)
.text("UTC");

/// Parameter `weekStart`: ISO weekday on which weeks begin (1 = Monday … 7 = Sunday).
pub const WEEK_START: ParameterDef = ParameterDef::new(
    "weekStart",
    "1",
    "ISO weekday on which a week period begins: 1 = Monday (ISO 8601) … 7 = Sunday.",
)
.number(1.0)
.range(1.0, 7.0)
.whole();

/// Parameter `observationEnd`, one rule everywhere (summary, KPIs, historical LTV, holdout).
pub const OBSERVATION_END: ParameterDef = ParameterDef::new(
    "observationEnd",
    "\"lastTransaction\"",
    "End of the observation window: a date (the end of that local day in the timezone), a date-time or epoch ms (that instant), or \"lastTransaction\" (the time of the last transaction). Transactions after it are ignored (by period where the metric counts periods).",
)
.text("lastTransaction")
.rule("lastTransaction");

/// The default `weekStart` (Monday).
pub(crate) fn default_week_start() -> u8 {
    (const { WEEK_START.default_number() }) as u8
}

/// A time zone: an IANA zone from the bundled tz database, or UTC.
///
/// ```
/// use unimetric::data::dates::Zone;
/// let z = Zone::parse("Europe/Berlin").unwrap();
/// assert_eq!(z.name(), "Europe/Berlin");
/// // 2024-07-01T12:00Z is 14:00 in Berlin (CEST, +02:00).
/// assert_eq!(z.offset_ms(1_719_835_200_000), 7_200_000);
/// assert_eq!(Zone::parse("Mars/Olympus").unwrap_err().code(), "E_BAD_OPTION");
/// ```
#[derive(Debug, Clone)]
pub struct Zone {
    name: Cow<'static, str>,
    tz: jiff::tz::TimeZone,
    /// The offset of a zone that has only one (UTC, Etc/GMT+5…), in ms: the fast path.
    fixed: Option<i64>,
}

impl PartialEq for Zone {
    fn eq(&self, other: &Zone) -> bool {
        self.name == other.name
    }
}

impl Eq for Zone {}

impl Default for Zone {
    fn default() -> Self {
        Zone::utc()
    }
}

impl Zone {
    /// UTC.
    pub fn utc() -> Zone {
        Zone {
            name: Cow::Borrowed("UTC"),
            tz: jiff::tz::TimeZone::UTC,
            fixed: Some(0),
        }
    }

    /// The zone named `name` (an IANA name, case-insensitive, e.g. `Europe/Berlin`, `UTC`):
    /// `E_BAD_OPTION` on option `timezone` naming it when the bundled database has no such zone.
    pub fn parse(name: &str) -> Result<Zone> {
        let trimmed = name.trim();
        if trimmed.eq_ignore_ascii_case("UTC") {
            return Ok(Zone::utc());
        }
        let tz = (!trimmed.is_empty())
            .then(|| jiff::tz::db().get(trimmed).ok())
            .flatten()
            .ok_or_else(|| Error::BadOption {
                option: "timezone".into(),
                message: format!(
                    "'{name}' is not a time zone of the IANA database (e.g. \"UTC\", \"Europe/Berlin\", \"America/New_York\")"
                ),
            })?;
        let fixed = tz
            .to_fixed_offset()
            .ok()
            .map(|o| i64::from(o.seconds()) * 1000);
        let name = tz.iana_name().unwrap_or(trimmed).to_string();
        Ok(Zone {
            name: Cow::Owned(name),
            tz,
            fixed,
        })
    }

    /// The zone's IANA name as the database spells it (`UTC` for UTC).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// True for UTC.
    pub fn is_utc(&self) -> bool {
        self.fixed == Some(0)
    }

    /// The zone's offset from UTC at the instant `ms`, in milliseconds.
    #[inline]
    pub fn offset_ms(&self, ms: i64) -> i64 {
        match self.fixed {
            Some(o) => o,
            None => self.offset_slow(ms),
        }
    }

    #[inline(never)]
    fn offset_slow(&self, ms: i64) -> i64 {
        jiff::Timestamp::from_millisecond(ms)
            .map(|t| i64::from(self.tz.to_offset(t).seconds()) * 1000)
            .unwrap_or(0)
    }

    /// The instant of the local wall time `local_ms` (milliseconds of wall time since
    /// 1970-01-01T00:00 local) under the *compatible* rule of the [module docs](self): a time in
    /// a gap is shifted forward by the gap, a repeated time is its earlier instant.
    ///
    /// ```
    /// use unimetric::data::dates::Zone;
    /// let berlin = Zone::parse("Europe/Berlin").unwrap();
    /// // 2024-03-31T02:30 does not exist in Berlin (02:00 CET → 03:00 CEST): it is read as
    /// // 03:30 CEST = 01:30Z.
    /// let wall = 1_711_852_200_000; // 2024-03-31T02:30 as wall-clock ms
    /// assert_eq!(berlin.local_to_instant(wall), wall - 3_600_000);
    /// // 2024-10-27T02:30 happens twice (CEST, then CET): the earlier, 00:30Z.
    /// let wall = 1_729_996_200_000; // 2024-10-27T02:30 as wall-clock ms
    /// assert_eq!(berlin.local_to_instant(wall), wall - 7_200_000);
    /// ```
    pub fn local_to_instant(&self, local_ms: i64) -> i64 {
        if let Some(o) = self.fixed {
            return local_ms.saturating_sub(o);
        }
        jiff::Timestamp::from_millisecond(local_ms)
            .ok()
            .map(|t| jiff::tz::Offset::UTC.to_datetime(t))
            .and_then(|dt| self.tz.to_ambiguous_timestamp(dt).compatible().ok())
            .map_or_else(
                || local_ms.saturating_sub(self.offset_ms(local_ms)),
                |t| t.as_millisecond(),
            )
    }
}

impl<'de> Deserialize<'de> for Zone {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Zone, D::Error> {
        let name = String::deserialize(d)?;
        Zone::parse(&name).map_err(|e| match e {
            Error::BadOption { message, .. } => serde::de::Error::custom(message),
            other => serde::de::Error::custom(other.to_string()),
        })
    }
}

/// The calendar periods are counted in: a zone and the weekday weeks start on. Built once per
/// call ([`Calendar::new`]); every function that buckets time asks it, so the zone rules live
/// here only.
///
/// ```
/// use unimetric::{Period, data::dates::{Calendar, Zone}};
/// let ny = Calendar::new(Zone::parse("America/New_York").unwrap(), 1).unwrap();
/// // 2024-03-01T03:00Z is still 2024-02-29 22:00 in New York: February.
/// let t = 1_709_262_000_000;
/// assert_eq!(ny.index(Period::Month, t), Period::Month.index(t) - 1);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Calendar {
    zone: Zone,
    week_start: u8,
    week_shift: i64,
    /// For a zone with DST: its offsets over the instants `lo..hi` (the data's range, see
    /// [`Calendar::for_call`]), as `(first instant, offset ms)` in time order, so a row's
    /// offset is a binary search in a few entries instead of a tz-database lookup.
    offsets: Vec<(i64, i64)>,
    lo: i64,
    hi: i64,
}

/// The most transitions a [`Calendar`] tabulates (a DST zone has two a year).
const MAX_TABULATED: usize = 1 << 16;

impl Default for Calendar {
    fn default() -> Self {
        Calendar::utc()
    }
}

impl Calendar {
    /// UTC, weeks from Monday.
    pub fn utc() -> Calendar {
        Calendar {
            zone: Zone::utc(),
            week_start: 1,
            week_shift: WEEK_SHIFT_MONDAY,
            offsets: Vec::new(),
            lo: 0,
            hi: 0,
        }
    }

    /// A calendar in `zone` with weeks starting on ISO weekday `week_start` (1 = Monday … 7 =
    /// Sunday; otherwise `E_BAD_OPTION` on `weekStart`).
    pub fn new(zone: Zone, week_start: u8) -> Result<Calendar> {
        WEEK_START.check_count(f64::from(week_start))?;
        Ok(Calendar {
            zone,
            week_start,
            week_shift: week_shift(week_start),
            offsets: Vec::new(),
            lo: 0,
            hi: 0,
        })
    }

    /// The same calendar with the zone's offsets tabulated over the instants `lo..=hi` (a day's
    /// margin added either side): lookups there cost a binary search among the transitions in
    /// the range; elsewhere they ask the tz database. Nothing to do for a fixed-offset zone.
    pub fn tabulated(mut self, lo: i64, hi: i64) -> Calendar {
        if self.zone.fixed.is_some() || lo > hi {
            return self;
        }
        let (lo, hi) = (
            lo.saturating_sub(MS_PER_DAY).max(MIN_MS),
            hi.saturating_add(MS_PER_DAY).min(MAX_MS),
        );
        let Ok(start) = jiff::Timestamp::from_millisecond(lo) else {
            return self;
        };
        let mut offsets = vec![(lo, self.zone.offset_ms(lo))];
        let mut end = hi + 1;
        for t in self.zone.tz.following(start) {
            let at = t.timestamp().as_millisecond();
            if at > hi {
                break;
            }
            if offsets.len() >= MAX_TABULATED {
                end = at;
                break;
            }
            offsets.push((at, i64::from(t.offset().seconds()) * 1000));
        }
        self.offsets = offsets;
        self.lo = lo;
        self.hi = end;
        self
    }

    /// The calendar of a metric call: the option's zone when given, else the transactions'.
    pub fn for_call(
        option: Option<&Zone>,
        transactions: &crate::data::Transactions,
        week_start: u8,
    ) -> Result<Calendar> {
        let cal = Calendar::new(
            option.unwrap_or(transactions.timezone()).clone(),
            week_start,
        )?;
        if cal.zone.fixed.is_some() {
            // Nothing to tabulate: no pass over the times on the UTC path.
            return Ok(cal);
        }
        let (lo, hi) = transactions.time_range();
        Ok(cal.tabulated(lo, hi))
    }

    /// The zone's offset at the instant `ms`, in milliseconds.
    #[inline]
    pub fn offset_ms(&self, ms: i64) -> i64 {
        if let Some(o) = self.zone.fixed {
            return o;
        }
        if (self.lo..self.hi).contains(&ms) {
            let i = self.offsets.partition_point(|&(start, _)| start <= ms);
            if let Some(&(_, o)) = self.offsets.get(i.wrapping_sub(1)) {
                return o;
            }
        }
        self.zone.offset_slow(ms)
    }

    /// The zone's offset (ms) when it has only one, and the week shift: what a hot loop hoists
    /// out of [`Calendar::index`] (`period.local_index(ms + offset, shift)` for a fixed zone).
    #[inline]
    pub(crate) fn fixed_parts(&self) -> Option<(i64, i64)> {
        self.zone.fixed.map(|o| (o, self.week_shift))
    }

    /// The zone.
    pub fn zone(&self) -> &Zone {
        &self.zone
    }

    /// The ISO weekday weeks start on.
    pub fn week_start(&self) -> u8 {
        self.week_start
    }

    /// Index of the local period containing the instant `ms`.
    #[inline]
    pub fn index(&self, period: Period, ms: i64) -> i64 {
        period.local_index(ms + self.offset_ms(ms), self.week_shift)
    }

    /// Local day (days since 1970-01-01 local) of the instant `ms`.
    #[inline]
    pub fn day(&self, ms: i64) -> i64 {
        self.index(Period::Day, ms)
    }

    /// First instant of the local period `index` (its local midnight; where a DST change skips
    /// midnight, the first instant of the day).
    pub fn start_ms(&self, period: Period, index: i64) -> i64 {
        self.zone
            .local_to_instant(period.local_start(index, self.week_shift))
    }

    /// Last millisecond of the local day `day`.
    pub fn end_of_day(&self, day: i64) -> i64 {
        self.start_ms(Period::Day, day + 1) - 1
    }

    /// The instant of a [`When`] read in this calendar's zone: an instant as it is, a naive
    /// date-time as local wall time, a bare date as the *start* of that local day.
    pub fn instant(&self, when: When) -> i64 {
        match when {
            When::Instant(ms) => ms,
            When::Local(local) => self.zone.local_to_instant(local),
            When::Date(day) => self.start_ms(Period::Day, day),
        }
    }

    /// The instant of a [`When`] used as the end of a window: a bare date is the *end* of that
    /// local day (its last millisecond); other forms as [`Calendar::instant`].
    pub fn end_instant(&self, when: When) -> i64 {
        match when {
            When::Date(day) => self.end_of_day(day),
            other => self.instant(other),
        }
    }
}

/// A point in time as written, before a zone is known: how an option date or a text cell reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// An instant (epoch ms, or text with an offset).
    Instant(i64),
    /// A naive date-time: wall-clock milliseconds since 1970-01-01T00:00 local.
    Local(i64),
    /// A bare date: days since 1970-01-01 local.
    Date(i64),
}

impl<'de> Deserialize<'de> for When {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<When, D::Error> {
        // `deserialize_any`, so that an absent required field is serde's "missing field".
        match d.deserialize_any(WhenVisitor)? {
            ObservationEnd::At(w) => Ok(w),
            ObservationEnd::LastTransaction => Err(serde::de::Error::custom(
                "expected a date (epoch ms, ISO-8601 text or Date)",
            )),
        }
    }
}

/// Reads a date option: epoch ms, text under the date policy, or `"lastTransaction"`.
struct WhenVisitor;

impl<'de> serde::de::Visitor<'de> for WhenVisitor {
    type Value = ObservationEnd;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a date (epoch ms, ISO-8601 text or Date) or \"lastTransaction\"")
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> std::result::Result<Self::Value, E> {
        parse_epoch_ms(v, "", 0)
            .map(ObservationEnd::at)
            .map_err(date_error)
    }
    fn visit_i64<E: serde::de::Error>(self, v: i64) -> std::result::Result<Self::Value, E> {
        self.visit_f64(v as f64)
    }
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> std::result::Result<Self::Value, E> {
        self.visit_f64(v as f64)
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> std::result::Result<Self::Value, E> {
        if v.trim() == "lastTransaction" {
            return Ok(ObservationEnd::LastTransaction);
        }
        parse_when(v, "", 0)
            .map(ObservationEnd::At)
            .map_err(date_error)
    }
}

/// The end of an observation window — one rule for every metric that has one: `"lastTransaction"`
/// (the default: the time of the last transaction), a bare date (the end of that local day), a
/// naive date-time (that local wall time) or an instant (epoch ms, text with an offset).
///
/// ```
/// use unimetric::data::dates::{Calendar, ObservationEnd, Zone};
/// let end: ObservationEnd = serde_json::from_str(r#""2024-01-31""#).unwrap();
/// let utc = Calendar::utc();
/// assert_eq!(end.resolve(&utc, 0), 1_706_745_599_999); // 2024-01-31T23:59:59.999Z
/// let berlin = Calendar::new(Zone::parse("Europe/Berlin").unwrap(), 1).unwrap();
/// assert_eq!(end.resolve(&berlin, 0), 1_706_741_999_999); // 22:59:59.999Z (CET, +01:00)
/// let last: ObservationEnd = serde_json::from_str(r#""lastTransaction""#).unwrap();
/// assert_eq!(last.resolve(&utc, 42), 42);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ObservationEnd {
    /// The time of the last transaction.
    #[default]
    LastTransaction,
    /// A date, date-time or instant.
    At(When),
}

impl ObservationEnd {
    /// The instant `ms` (epoch milliseconds).
    pub fn at(ms: i64) -> ObservationEnd {
        ObservationEnd::At(When::Instant(ms))
    }

    /// The end instant in `calendar`'s zone, `last_transaction` for `"lastTransaction"`.
    pub fn resolve(&self, calendar: &Calendar, last_transaction: i64) -> i64 {
        match *self {
            ObservationEnd::LastTransaction => last_transaction,
            ObservationEnd::At(w) => calendar.end_instant(w),
        }
    }

    /// [`ObservationEnd::resolve`], checked against the accepted years (`E_BAD_OPTION` naming
    /// `option`); `last_transaction` is asked only for `"lastTransaction"`.
    pub fn resolve_checked(
        &self,
        calendar: &Calendar,
        last_transaction: impl FnOnce() -> i64,
        option: &str,
    ) -> Result<i64> {
        let ms = match *self {
            ObservationEnd::LastTransaction => last_transaction(),
            ObservationEnd::At(w) => calendar.end_instant(w),
        };
        if (MIN_MS..=MAX_MS).contains(&ms) {
            Ok(ms)
        } else {
            Err(Error::BadOption {
                option: option.into(),
                message: "outside the years 1000 to 9999".into(),
            })
        }
    }
}

impl<'de> Deserialize<'de> for ObservationEnd {
    fn deserialize<D: serde::Deserializer<'de>>(
        d: D,
    ) -> std::result::Result<ObservationEnd, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = ObservationEnd;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                serde::de::Visitor::expecting(&WhenVisitor, f)
            }
            fn visit_none<E: serde::de::Error>(self) -> std::result::Result<Self::Value, E> {
                Ok(ObservationEnd::LastTransaction)
            }
            fn visit_unit<E: serde::de::Error>(self) -> std::result::Result<Self::Value, E> {
                Ok(ObservationEnd::LastTransaction)
            }
            fn visit_some<D: serde::Deserializer<'de>>(
                self,
                d: D,
            ) -> std::result::Result<Self::Value, D::Error> {
                d.deserialize_any(WhenVisitor)
            }
        }
        d.deserialize_option(V)
    }
}

/// Year and month (1–12) of a day counted from 1970-01-01 (proleptic Gregorian calendar).
///
/// Howard Hinnant's `civil_from_days` in integer arithmetic: it sits on the hot path of every
/// monthly and quarterly aggregation, where a calendar-library call per row was measurably
/// slower. A test checks it against chrono for every day of the accepted range.
fn year_month_of_day(day: i64) -> (i64, i64) {
    let z = day + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m)
}

/// Days from 1970-01-01 to the given civil date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    NaiveDate::from_ymd_opt(y as i32, m as u32, d as u32)
        .map(|date| date.num_days_from_ce() as i64 - 719_163)
        .unwrap_or(0)
}

fn bad(column: &str, row: usize, value: &str, reason: &str) -> Error {
    Error::BadDate {
        column: column.to_string(),
        row,
        value: value.to_string(),
        reason: reason.to_string(),
    }
}

fn check_range(ms: i64, column: &str, row: usize, shown: &str) -> Result<i64> {
    if (MIN_MS..=MAX_MS).contains(&ms) {
        Ok(ms)
    } else {
        Err(bad(column, row, shown, "outside the years 1000 to 9999"))
    }
}

/// Reads a numeric timestamp (epoch milliseconds). Fractions of a millisecond are dropped
/// (rounded toward negative infinity).
pub fn parse_epoch_ms(value: f64, column: &str, row: usize) -> Result<i64> {
    if !value.is_finite() {
        return Err(Error::NonFinite {
            column: column.to_string(),
            row,
            value,
        });
    }
    if !(MIN_MS as f64..=MAX_MS as f64).contains(&value) {
        return Err(bad(
            column,
            row,
            &value.to_string(),
            "outside the years 1000 to 9999",
        ));
    }
    Ok(value.floor() as i64)
}

/// Reads a column of numeric timestamps with [`parse_epoch_ms`]: the error of its first bad
/// value (1-based row), else the instants. Values are tested in blocks, without a branch per
/// value.
///
/// ```
/// use unimetric::data::dates::parse_epoch_ms_column;
/// assert_eq!(parse_epoch_ms_column(&[0.0, 1.5, -0.5], "t"), Ok(vec![0, 1, -1]));
/// assert_eq!(parse_epoch_ms_column(&[0.0, f64::NAN], "t").unwrap_err().code(), "E_NON_FINITE");
/// assert_eq!(parse_epoch_ms_column(&[1e300], "t").unwrap_err().code(), "E_BAD_DATE");
/// ```
pub fn parse_epoch_ms_column(values: &[f64], column: &str) -> Result<Vec<i64>> {
    let (lo, hi) = (MIN_MS as f64, MAX_MS as f64);
    // NaN fails the comparison too.
    if let Some(i) = crate::error::first_failing(values, |v| lo <= v && v <= hi) {
        parse_epoch_ms(values[i], column, i + 1)?;
    }
    Ok(values.iter().map(|v| v.floor() as i64).collect())
}

/// Checks a column of whole epoch milliseconds against the accepted years, as
/// [`parse_epoch_ms`] does: the error of its first instant outside them (1-based row), else the
/// instants (borrowed instants are copied; an owned vector is returned as it is).
///
/// ```
/// use unimetric::data::dates::check_instants;
/// assert_eq!(check_instants(&[0, -1], "t"), Ok(vec![0, -1]));
/// assert_eq!(check_instants(&[0, i64::MAX], "t").unwrap_err().row(), Some(2));
/// ```
pub fn check_instants<'a>(values: impl Into<Cow<'a, [i64]>>, column: &str) -> Result<Vec<i64>> {
    let values = values.into();
    if let Some(i) = crate::error::first_failing(&values, |v| (MIN_MS..=MAX_MS).contains(&v)) {
        parse_epoch_ms(values[i] as f64, column, i + 1)?;
    }
    Ok(values.into_owned())
}

/// Reads a timestamp written as text under the policy in the [module docs](self), in UTC.
///
/// ```
/// use unimetric::data::dates::parse_date_text;
/// assert_eq!(parse_date_text("1970-01-02", "d", 1).unwrap(), 86_400_000);
/// assert_eq!(parse_date_text("19700102", "d", 1).unwrap(), 86_400_000);
/// assert_eq!(parse_date_text("1970-01-02T02:00:00+02:00", "d", 1).unwrap(), 86_400_000);
/// assert_eq!(parse_date_text("01/02/1970", "d", 7).unwrap_err().code(), "E_BAD_DATE");
/// ```
pub fn parse_date_text(text: &str, column: &str, row: usize) -> Result<i64> {
    parse_date_text_in(text, column, row, &Zone::utc())
}

/// Reads a timestamp written as text in `zone`: naive date-times are wall time there, bare
/// dates the start of that local day (see the [module docs](self)).
///
/// ```
/// use unimetric::data::dates::{parse_date_text_in, Zone};
/// let ny = Zone::parse("America/New_York").unwrap();
/// // Midnight of 1970-01-02 in New York (EST, −05:00) is 05:00Z.
/// assert_eq!(parse_date_text_in("1970-01-02", "d", 1, &ny).unwrap(), 86_400_000 + 5 * 3_600_000);
/// // Text with an offset is an instant whatever the zone.
/// assert_eq!(parse_date_text_in("1970-01-02T00:00:00Z", "d", 1, &ny).unwrap(), 86_400_000);
/// ```
pub fn parse_date_text_in(text: &str, column: &str, row: usize, zone: &Zone) -> Result<i64> {
    parse_date_text_as(text, column, row, zone, DateFormat::Iso)
}

/// Reads text under the date policy without a zone: what it says (an instant, a naive
/// date-time or a bare date). Instants are checked against the accepted years here; local forms
/// once a zone places them.
pub fn parse_when(text: &str, column: &str, row: usize) -> Result<When> {
    let s = text.trim();
    if s.is_empty() {
        return Err(Error::MissingValue {
            column: column.to_string(),
            row,
        });
    }
    let bytes = s.as_bytes();
    let all_digits = |b: &[u8]| !b.is_empty() && b.iter().all(u8::is_ascii_digit);
    let day_of = |date: NaiveDate| date.num_days_from_ce() as i64 - 719_163;
    // Local forms are checked with a day's slack either side of the accepted years, so that a
    // zone can still place them; the instant is checked again.
    let local = |ms: i64| {
        if (MIN_MS - MS_PER_DAY..=MAX_MS + MS_PER_DAY).contains(&ms) {
            Ok(ms)
        } else {
            Err(bad(column, row, s, "outside the years 1000 to 9999"))
        }
    };
    if bytes.len() == 8 && all_digits(bytes) {
        let date = NaiveDate::parse_from_str(s, "%Y%m%d")
            .map_err(|_| bad(column, row, s, "YYYYMMDD is not a calendar date"))?;
        local(day_of(date) * MS_PER_DAY)?;
        return Ok(When::Date(day_of(date)));
    }
    let digits = bytes.strip_prefix(b"-").unwrap_or(bytes);
    if all_digits(digits) {
        let ms: i64 = s
            .parse()
            .map_err(|_| bad(column, row, s, "epoch milliseconds out of range"))?;
        return check_range(ms, column, row, s).map(When::Instant);
    }
    if s.contains('/') {
        return Err(bad(
            column,
            row,
            s,
            "slash dates are ambiguous between day/month orders; name the mapping's dateFormat (\"MM/DD/YYYY\" or \"DD/MM/YYYY\") or write YYYY-MM-DD",
        ));
    }
    if bytes.len() == 10 {
        return match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            Ok(date) => {
                local(day_of(date) * MS_PER_DAY)?;
                Ok(When::Date(day_of(date)))
            }
            Err(_) => Err(bad(column, row, s, "not a valid YYYY-MM-DD date")),
        };
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return check_range(dt.timestamp_millis(), column, row, s).map(When::Instant);
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%d %H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M%z",
        "%Y-%m-%d %H:%M%z",
    ] {
        if let Ok(dt) = DateTime::parse_from_str(s, fmt) {
            return check_range(dt.timestamp_millis(), column, row, s).map(When::Instant);
        }
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(s, fmt) {
            return local(dt.and_utc().timestamp_millis()).map(When::Local);
        }
    }
    Err(bad(column, row, s, "not a recognised date format"))
}

/// How the day, month and year of text dates are written: the mapping's `dateFormat`.
///
/// `"YYYY-MM-DD"` (the default) is the date policy of the [module docs](self) alone. The other
/// forms read `D/M/YYYY`-style text in their order — one or two digits for day and month, four
/// for the year, an optional time `H:MM` or `H:MM:SS` after a space — and still accept every
/// form of the policy (ISO dates, instants, epoch ms), which are unambiguous.
///
/// ```
/// use unimetric::data::dates::{parse_date_text_as, DateFormat, Zone};
/// let utc = Zone::utc();
/// let us = parse_date_text_as("12/1/2010 8:26", "d", 1, &utc, DateFormat::MonthDayYear).unwrap();
/// assert_eq!(us, 1_291_191_960_000); // 2010-12-01T08:26:00Z
/// let eu = parse_date_text_as("1.12.2010", "d", 1, &utc, DateFormat::DayMonthYearDots).unwrap();
/// assert_eq!(eu, 1_291_161_600_000); // 2010-12-01T00:00:00Z
/// let err = parse_date_text_as("13/1/2010", "d", 4, &utc, DateFormat::MonthDayYear).unwrap_err();
/// assert_eq!(err.code(), "E_BAD_DATE");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub enum DateFormat {
    /// ISO 8601 and the rest of the date policy; slash dates are refused.
    #[default]
    #[serde(rename = "YYYY-MM-DD")]
    Iso,
    /// Month first, slashes: `12/1/2010`, `12/23/2010 8:26` (US exports).
    #[serde(rename = "MM/DD/YYYY")]
    MonthDayYear,
    /// Day first, slashes: `1/12/2010`, `23/12/2010 08:26:10` (UK, France, Spain …).
    #[serde(rename = "DD/MM/YYYY")]
    DayMonthYear,
    /// Day first, dots: `1.12.2010`, `23.12.2010 8:26` (Germany, Switzerland …).
    #[serde(rename = "DD.MM.YYYY")]
    DayMonthYearDots,
}

impl DateFormat {
    /// Every format, the default first.
    pub const ALL: [DateFormat; 4] = [
        DateFormat::Iso,
        DateFormat::MonthDayYear,
        DateFormat::DayMonthYear,
        DateFormat::DayMonthYearDots,
    ];

    /// The format's name as written in a mapping (`"MM/DD/YYYY"`).
    pub fn name(self) -> &'static str {
        match self {
            DateFormat::Iso => "YYYY-MM-DD",
            DateFormat::MonthDayYear => "MM/DD/YYYY",
            DateFormat::DayMonthYear => "DD/MM/YYYY",
            DateFormat::DayMonthYearDots => "DD.MM.YYYY",
        }
    }

    /// The separator and chrono date pattern of a day-month form; `None` for ISO.
    fn pattern(self) -> Option<(char, &'static str)> {
        match self {
            DateFormat::Iso => None,
            DateFormat::MonthDayYear => Some(('/', "%m/%d/%Y")),
            DateFormat::DayMonthYear => Some(('/', "%d/%m/%Y")),
            DateFormat::DayMonthYearDots => Some(('.', "%d.%m.%Y")),
        }
    }
}

/// Reads text under the date policy with a mapping's [`DateFormat`]: what it says (an instant,
/// a naive date-time or a bare date), as [`parse_when`] does for the default format.
pub fn parse_when_as(text: &str, column: &str, row: usize, format: DateFormat) -> Result<When> {
    let Some((sep, date)) = format.pattern() else {
        return parse_when(text, column, row);
    };
    let s = text.trim();
    if !s.contains(sep) || s.contains('-') {
        return parse_when(text, column, row);
    }
    let shape = |b: &str| b.len() <= 2 && !b.is_empty() && b.bytes().all(|c| c.is_ascii_digit());
    let (day_part, time_part) = match s.split_once(' ') {
        Some((d, t)) => (d, Some(t.trim())),
        None => (s, None),
    };
    let pieces: Vec<&str> = day_part.split(sep).collect();
    let well_formed = matches!(pieces.as_slice(), [a, b, y]
        if shape(a) && shape(b) && y.len() == 4 && y.bytes().all(|c| c.is_ascii_digit()))
        && time_part.map_or(true, |t| {
            let two = |x: &&str| x.len() == 2 && shape(x);
            match t.split(':').collect::<Vec<_>>().as_slice() {
                [h, rest @ ..] => shape(h) && (1..=2).contains(&rest.len()) && rest.iter().all(two),
                [] => false,
            }
        });
    let reason = match format {
        DateFormat::MonthDayYear => "not a MM/DD/YYYY date (month first)",
        DateFormat::DayMonthYear => "not a DD/MM/YYYY date (day first)",
        _ => "not a DD.MM.YYYY date",
    };
    if !well_formed {
        return Err(bad(column, row, s, reason));
    }
    let day = NaiveDate::parse_from_str(day_part, date).map_err(|_| bad(column, row, s, reason))?;
    let days = day.num_days_from_ce() as i64 - 719_163;
    let ms = match time_part {
        None => days * MS_PER_DAY,
        Some(t) => {
            let fmt = if t.matches(':').count() == 2 {
                "%H:%M:%S"
            } else {
                "%H:%M"
            };
            let time = chrono::NaiveTime::parse_from_str(t, fmt)
                .map_err(|_| bad(column, row, s, "not a valid time of day"))?;
            day.and_time(time).and_utc().timestamp_millis()
        }
    };
    if !(MIN_MS - MS_PER_DAY..=MAX_MS + MS_PER_DAY).contains(&ms) {
        return Err(bad(column, row, s, "outside the years 1000 to 9999"));
    }
    Ok(match time_part {
        None => When::Date(days),
        Some(_) => When::Local(ms),
    })
}

/// Reads a timestamp written as text in `zone` under a mapping's [`DateFormat`] (see
/// [`parse_date_text_in`] for the default format).
pub fn parse_date_text_as(
    text: &str,
    column: &str,
    row: usize,
    zone: &Zone,
    format: DateFormat,
) -> Result<i64> {
    let ms = match parse_when_as(text, column, row, format)? {
        When::Instant(ms) => ms,
        When::Local(local) => zone.local_to_instant(local),
        When::Date(day) => zone.local_to_instant(day.saturating_mul(MS_PER_DAY)),
    };
    check_range(ms, column, row, text.trim())
}

/// What [`infer_date_format`] found: the one format that reads every value, or that the values
/// do not settle the order of day and month. JS `DateFormatInference`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
pub struct DateFormatInference {
    /// The format, when the values settle it; `null` when they are ambiguous.
    pub format: Option<DateFormat>,
    /// True when more than one format reads every value (e.g. only `1/2/2024`-style dates with
    /// both numbers ≤ 12): the caller must choose; nothing is guessed.
    pub ambiguous: bool,
    /// Every format that reads every value.
    pub candidates: Vec<DateFormat>,
    /// Values read (blank and missing values are skipped).
    pub values: usize,
}

/// Decides from a column's values how its dates are written.
///
/// The values settle the format when exactly one format reads them all: ISO 8601 when the date
/// policy alone reads every value; otherwise the one day-month form that does (a `12/23/2010`
/// among the values rules out day first, a `23/12/2010` month first). When both slash orders
/// read every value the result is `ambiguous` with `format: None`. Blank and missing values are
/// skipped; no value at all is `E_EMPTY`; values that no single format reads are `E_BAD_DATE`
/// naming the first value the format reading the most values cannot read (`column` and its
/// 1-based row).
///
/// ```
/// use unimetric::data::dates::{infer_date_format, DateFormat};
/// let us = infer_date_format(["12/1/2010 8:26", "12/23/2010 9:01"].map(Some), "InvoiceDate").unwrap();
/// assert_eq!((us.format, us.ambiguous), (Some(DateFormat::MonthDayYear), false));
/// let open = infer_date_format(["1/2/2024", "3/4/2024"].map(Some), "date").unwrap();
/// assert_eq!((open.format, open.ambiguous), (None, true));
/// assert_eq!(open.candidates, [DateFormat::MonthDayYear, DateFormat::DayMonthYear]);
/// ```
pub fn infer_date_format<'a>(
    values: impl IntoIterator<Item = Option<&'a str>>,
    column: &str,
) -> Result<DateFormatInference> {
    let values: Vec<(usize, &str)> = values
        .into_iter()
        .enumerate()
        .filter_map(|(i, v)| {
            v.map(str::trim)
                .filter(|v| !v.is_empty())
                .map(|v| (i + 1, v))
        })
        .collect();
    if values.is_empty() {
        return Err(Error::Empty {
            what: format!("date values in column '{column}'"),
        });
    }
    let first_failure = |format: DateFormat| {
        values
            .iter()
            .position(|&(row, v)| parse_when_as(v, column, row, format).is_err())
    };
    let failures: Vec<(DateFormat, Option<usize>)> = DateFormat::ALL
        .iter()
        .map(|&f| (f, first_failure(f)))
        .collect();
    let reads_all = |f: &DateFormat| failures.iter().any(|&(g, e)| g == *f && e.is_none());
    let candidates: Vec<DateFormat> = if reads_all(&DateFormat::Iso) {
        vec![DateFormat::Iso]
    } else {
        DateFormat::ALL[1..]
            .iter()
            .copied()
            .filter(reads_all)
            .collect()
    };
    if candidates.is_empty() {
        let (format, at) = failures
            .iter()
            .filter_map(|&(f, e)| e.map(|i| (f, i)))
            .max_by_key(|&(_, i)| i)
            .unwrap_or((DateFormat::Iso, 0));
        let (row, value) = values.get(at).copied().unwrap_or((0, ""));
        return Err(bad(
            column,
            row,
            value,
            &format!(
                "no one date format reads every value ({} reads the {} values before this one)",
                format.name(),
                at
            ),
        ));
    }
    Ok(DateFormatInference {
        format: if candidates.len() == 1 {
            candidates.first().copied()
        } else {
            None
        },
        ambiguous: candidates.len() > 1,
        candidates,
        values: values.len(),
    })
}

/// Formats epoch milliseconds as an ISO-8601 UTC date-time (`2024-03-05T00:00:00.000Z`).
pub fn format_iso(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .map(|d| d.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_else(|| ms.to_string())
}

/// Options that hold a date: epoch milliseconds or ISO-8601 / `YYYYMMDD` text, read under the
/// same policy as a timestamp column (a JavaScript `Date` arrives as epoch milliseconds). For
/// `#[serde(deserialize_with = "crate::data::dates::option_date")]` on an `Option<i64>` field;
/// a bad value fails with a message that says why, and the binding names the option.
///
/// ```
/// #[derive(serde::Deserialize)]
/// struct O {
///     #[serde(default, deserialize_with = "unimetric::data::dates::option_date")]
///     end: Option<i64>,
/// }
/// let o: O = serde_json::from_str(r#"{ "end": "2024-01-02" }"#).unwrap();
/// assert_eq!(o.end, Some(1_704_153_600_000));
/// let o: O = serde_json::from_str(r#"{ "end": 86400000 }"#).unwrap();
/// assert_eq!(o.end, Some(86_400_000));
/// assert!(serde_json::from_str::<O>(r#"{ "end": "someday" }"#).is_err());
/// ```
pub fn option_date<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<i64>, D::Error> {
    struct V;
    impl<'de> serde::de::Visitor<'de> for V {
        type Value = Option<i64>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a date (epoch ms, ISO-8601 text or Date)")
        }
        fn visit_none<E: serde::de::Error>(self) -> std::result::Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: serde::de::Error>(self) -> std::result::Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: serde::Deserializer<'de>>(
            self,
            d: D,
        ) -> std::result::Result<Self::Value, D::Error> {
            d.deserialize_any(V)
        }
        fn visit_f64<E: serde::de::Error>(self, v: f64) -> std::result::Result<Self::Value, E> {
            parse_epoch_ms(v, "", 0).map(Some).map_err(date_error)
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> std::result::Result<Self::Value, E> {
            self.visit_f64(v as f64)
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> std::result::Result<Self::Value, E> {
            self.visit_f64(v as f64)
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> std::result::Result<Self::Value, E> {
            parse_date_text(v, "", 0).map(Some).map_err(date_error)
        }
    }
    d.deserialize_option(V)
}

/// A required date option (see [`option_date`]); absent is serde's "missing field".
pub fn required_date<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<i64, D::Error> {
    option_date(d)?.ok_or_else(|| serde::de::Error::custom("is required"))
}

/// A date parse error as a serde error: "cannot read '…' as a date (why)".
fn date_error<E: serde::de::Error>(e: Error) -> E {
    E::custom(match e {
        Error::BadDate { value, reason, .. } => {
            format!("cannot read '{value}' as a date ({reason})")
        }
        Error::NonFinite { value, .. } => format!("{value} is not a finite number"),
        Error::MissingValue { .. } => "an empty text is not a date".to_string(),
        other => other.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(y: i32, m: u32, d: u32) -> i64 {
        (NaiveDate::from_ymd_opt(y, m, d).unwrap().num_days_from_ce() as i64 - 719_163) * MS_PER_DAY
    }

    #[test]
    fn iso_forms() {
        let day = ms(2024, 3, 5);
        assert_eq!(parse_date_text("2024-03-05", "c", 1).unwrap(), day);
        assert_eq!(parse_date_text(" 2024-03-05 ", "c", 1).unwrap(), day);
        assert_eq!(parse_date_text("20240305", "c", 1).unwrap(), day);
        let h = 3_600_000;
        assert_eq!(
            parse_date_text("2024-03-05T14:30", "c", 1).unwrap(),
            day + 14 * h + 30 * 60_000
        );
        assert_eq!(
            parse_date_text("2024-03-05 14:30:15.250", "c", 1).unwrap(),
            day + 14 * h + 30 * 60_000 + 15_250
        );
        assert_eq!(
            parse_date_text("2024-03-05T14:30:15Z", "c", 1).unwrap(),
            day + 14 * h + 30 * 60_000 + 15_000
        );
        assert_eq!(
            parse_date_text("2024-03-05T14:30:15+02:00", "c", 1).unwrap(),
            day + 12 * h + 30 * 60_000 + 15_000
        );
        assert_eq!(
            parse_date_text("2024-03-05T14:30:15-0500", "c", 1).unwrap(),
            day + 19 * h + 30 * 60_000 + 15_000
        );
        assert_eq!(
            parse_date_text("1709649000000", "c", 1).unwrap(),
            1_709_649_000_000
        );
        assert_eq!(parse_date_text("-86400000", "c", 1).unwrap(), -MS_PER_DAY);
    }

    #[test]
    fn rejects_ambiguous_and_impossible() {
        for s in [
            "03/05/2024",
            "2024-02-30",
            "20240230",
            "5 March 2024",
            "2024-3-5x",
            "abc",
        ] {
            let e = parse_date_text(s, "order_date", 4).unwrap_err();
            assert_eq!(e.code(), "E_BAD_DATE", "{s}");
            assert!(e.to_string().contains("order_date"), "{e}");
            assert!(e.to_string().contains("row 4"), "{e}");
        }
        assert_eq!(
            parse_date_text("", "c", 1).unwrap_err().code(),
            "E_MISSING_VALUE"
        );
        assert_eq!(
            parse_date_text("99999999999999999", "c", 1)
                .unwrap_err()
                .code(),
            "E_BAD_DATE"
        );
        assert_eq!(
            parse_epoch_ms(f64::NAN, "c", 1).unwrap_err().code(),
            "E_NON_FINITE"
        );
        assert_eq!(
            parse_epoch_ms(1e300, "c", 1).unwrap_err().code(),
            "E_BAD_DATE"
        );
    }

    #[test]
    fn civil_months_match_chrono_over_the_whole_range() {
        let first = ms(1000, 1, 1) / MS_PER_DAY;
        let last = ms(9999, 12, 31) / MS_PER_DAY;
        for day in first..=last {
            let date = NaiveDate::from_num_days_from_ce_opt((day + 719_163) as i32).unwrap();
            assert_eq!(
                year_month_of_day(day),
                (date.year() as i64, date.month() as i64),
                "day {day}"
            );
        }
    }

    #[test]
    fn periods_are_calendar_aligned() {
        // 2024-03-05 is a Tuesday: its ISO week starts Monday 2024-03-04.
        let t = ms(2024, 3, 5) + 5_000;
        assert_eq!(Period::Day.start_ms(Period::Day.index(t)), ms(2024, 3, 5));
        assert_eq!(Period::Week.start_ms(Period::Week.index(t)), ms(2024, 3, 4));
        assert_eq!(
            Period::Month.start_ms(Period::Month.index(t)),
            ms(2024, 3, 1)
        );
        assert_eq!(
            Period::Quarter.start_ms(Period::Quarter.index(t)),
            ms(2024, 1, 1)
        );
        // A Sunday belongs to the week that began six days earlier.
        let sunday = ms(2024, 3, 10);
        assert_eq!(Period::Week.index(sunday), Period::Week.index(t));
        assert_eq!(
            Period::Week.index(sunday + MS_PER_DAY),
            Period::Week.index(t) + 1
        );
        // Month indices count calendar months: Jan 1970 = 0, Dec 1969 = -1.
        assert_eq!(Period::Month.index(0), 0);
        assert_eq!(Period::Month.index(-1), -1);
        assert_eq!(Period::Month.index(ms(2024, 3, 31)), 54 * 12 + 2);
        assert_eq!(Period::Quarter.index(ms(2024, 7, 1)), 54 * 4 + 2);
    }
}
