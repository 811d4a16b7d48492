//! The date policy: how every timestamp entering unimetric is read, and calendar periods.
//!
//! # Accepted forms
//!
//! | input | read as |
//! |---|---|
//! | number (JS `number`, typed-array element) | epoch milliseconds, UTC |
//! | `2024-03-05` | midnight UTC of that day |
//! | `2024-03-05T14:30`, `2024-03-05 14:30:15`, `…:15.250` | that wall time in UTC |
//! | `2024-03-05T14:30:15Z`, `…+02:00`, `…-0500` | that instant (the offset is applied) |
//! | `20240305` (exactly eight digits) | the date `YYYYMMDD`, midnight UTC |
//! | `1709649000000` (other all-digit text, optional leading `-`) | epoch milliseconds |
//!
//! Anything else — `03/05/2024`, `5 March 2024`, an impossible date such as `2024-02-30` — is
//! rejected with `E_BAD_DATE` naming the column and row: slash dates are ambiguous between
//! day/month and month/day orders, and unimetric never guesses. Eight-digit text is always
//! `YYYYMMDD` (an epoch-millisecond value with eight digits would be within the first day of
//! 1970). Accepted instants lie in the years 1000 to 9999.
//!
//! # Periods
//!
//! Periods are calendar-aligned in UTC: a day starts at midnight, a week on Monday (ISO 8601),
//! a month on the 1st, a quarter on the 1st of January, April, July or October. A period is
//! identified by its index counted from the period containing 1970-01-01.

use crate::error::{Error, Result};
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

    /// Index of the period containing the instant `ms` (epoch milliseconds, UTC).
    #[inline]
    pub fn index(self, ms: i64) -> i64 {
        let day = ms.div_euclid(MS_PER_DAY);
        match self {
            Period::Day => day,
            // 1970-01-01 was a Thursday; shifting by 3 days counts weeks from Monday 1969-12-29.
            Period::Week => (day + 3).div_euclid(7),
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

    /// First instant (epoch milliseconds, UTC) of the period with index `index`.
    pub fn start_ms(self, index: i64) -> i64 {
        match self {
            Period::Day => index * MS_PER_DAY,
            Period::Week => (index * 7 - 3) * MS_PER_DAY,
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

/// Reads a timestamp written as text under the policy in the [module docs](self).
///
/// ```
/// use unimetric::data::dates::parse_date_text;
/// assert_eq!(parse_date_text("1970-01-02", "d", 1).unwrap(), 86_400_000);
/// assert_eq!(parse_date_text("19700102", "d", 1).unwrap(), 86_400_000);
/// assert_eq!(parse_date_text("1970-01-02T02:00:00+02:00", "d", 1).unwrap(), 86_400_000);
/// assert_eq!(parse_date_text("01/02/1970", "d", 7).unwrap_err().code(), "E_BAD_DATE");
/// ```
pub fn parse_date_text(text: &str, column: &str, row: usize) -> Result<i64> {
    let s = text.trim();
    if s.is_empty() {
        return Err(Error::MissingValue {
            column: column.to_string(),
            row,
        });
    }
    let bytes = s.as_bytes();
    let all_digits = |b: &[u8]| !b.is_empty() && b.iter().all(u8::is_ascii_digit);
    if bytes.len() == 8 && all_digits(bytes) {
        let date = NaiveDate::parse_from_str(s, "%Y%m%d")
            .map_err(|_| bad(column, row, s, "YYYYMMDD is not a calendar date"))?;
        let ms = (date.num_days_from_ce() as i64 - 719_163) * MS_PER_DAY;
        return check_range(ms, column, row, s);
    }
    let digits = bytes.strip_prefix(b"-").unwrap_or(bytes);
    if all_digits(digits) {
        let ms: i64 = s
            .parse()
            .map_err(|_| bad(column, row, s, "epoch milliseconds out of range"))?;
        return check_range(ms, column, row, s);
    }
    if s.contains('/') {
        return Err(bad(
            column,
            row,
            s,
            "slash dates are ambiguous between day/month orders; use YYYY-MM-DD",
        ));
    }
    if bytes.len() == 10 {
        return match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            Ok(date) => check_range(
                (date.num_days_from_ce() as i64 - 719_163) * MS_PER_DAY,
                column,
                row,
                s,
            ),
            Err(_) => Err(bad(column, row, s, "not a valid YYYY-MM-DD date")),
        };
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return check_range(dt.timestamp_millis(), column, row, s);
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%d %H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M%z",
        "%Y-%m-%d %H:%M%z",
    ] {
        if let Ok(dt) = DateTime::parse_from_str(s, fmt) {
            return check_range(dt.timestamp_millis(), column, row, s);
        }
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(s, fmt) {
            return check_range(dt.and_utc().timestamp_millis(), column, row, s);
        }
    }
    Err(bad(column, row, s, "not a recognised date format"))
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
