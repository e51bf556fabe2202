//! Timestamps as whole microseconds since 1970, read from every form FORMAT.md lists.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::Serialize;
use std::fmt;

/// An instant in whole microseconds since 1970-01-01T00:00:00Z; written
/// out (JSON, the UI) as RFC 3339 in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export, type = "string"))]
pub struct Micros(pub i64);

impl Serialize for Micros {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_rfc3339(*self))
    }
}

impl fmt::Display for Micros {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_rfc3339(*self))
    }
}

/// Why a timestamp could not be read; the importer adds the field name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimestampError {
    #[error("is not a date and time")]
    Unreadable,
    #[error("is a negative number")]
    Negative,
    #[error("is out of range")]
    OutOfRange,
}

/// Milliseconds rather than seconds from this value on (FORMAT.md).
const MILLIS_FROM: f64 = 1e11;
/// Years 1 to 9999, the range every reader of these files agrees on.
const MIN_MICROS: i64 = -62_135_596_800_000_000;
const MAX_MICROS: i64 = 253_402_300_799_999_999;

fn in_range(us: i64) -> Result<Micros, TimestampError> {
    if (MIN_MICROS..=MAX_MICROS).contains(&us) {
        Ok(Micros(us))
    } else {
        Err(TimestampError::OutOfRange)
    }
}

/// A number of seconds since 1970, or of milliseconds when it is 10^11 or more.
/// Fractions of a microsecond are rounded half to even.
pub fn parse_timestamp_number(value: f64) -> Result<Micros, TimestampError> {
    if !value.is_finite() {
        return Err(TimestampError::Unreadable);
    }
    if value < 0.0 {
        return Err(TimestampError::Negative);
    }
    let us =
        if value >= MILLIS_FROM { (value * 1000.0).round_ties_even() } else { (value * 1_000_000.0).round_ties_even() };
    if us > MAX_MICROS as f64 {
        return Err(TimestampError::OutOfRange);
    }
    in_range(us as i64)
}

/// The same for a whole number, without passing through floating point.
pub fn parse_timestamp_integer(value: i128) -> Result<Micros, TimestampError> {
    if value < 0 {
        return Err(TimestampError::Negative);
    }
    let scale = if value >= 100_000_000_000 { 1000 } else { 1_000_000 };
    let us = value.checked_mul(scale).ok_or(TimestampError::OutOfRange)?;
    i64::try_from(us).map_err(|_| TimestampError::OutOfRange).and_then(in_range)
}

/// Reads a timestamp written as text: RFC 3339 (with `T`, `t` or a space, and
/// offsets `Z`, `+02:00`, `+0200`, `+02`), the same without an offset (UTC),
/// or a number of seconds or milliseconds since 1970.
///
/// ```
/// use rapport::model::{parse_timestamp, Micros};
/// assert_eq!(parse_timestamp("1970-01-01 00:00:01.5"), Ok(Micros(1_500_000)));
/// assert_eq!(parse_timestamp("1970-01-01T02:00:00+02"), Ok(Micros(0)));
/// assert_eq!(parse_timestamp("1500"), Ok(Micros(1_500_000_000)));
/// ```
pub fn parse_timestamp(text: &str) -> Result<Micros, TimestampError> {
    let s = text.trim();
    if is_numeric(s) {
        let digits = s.strip_prefix('-').unwrap_or(s);
        if digits.bytes().all(|b| b.is_ascii_digit()) {
            // Whole numbers stay exact, however long.
            return match s.parse::<i128>() {
                Ok(v) => parse_timestamp_integer(v),
                Err(_) => Err(TimestampError::OutOfRange),
            };
        }
        return s.parse::<f64>().map_err(|_| TimestampError::Unreadable).and_then(parse_timestamp_number);
    }
    parse_datetime(s).ok_or(TimestampError::Unreadable).and_then(in_range)
}

/// `-?\d+(\.\d+)?([eE][-+]?\d+)?`: the numbers that text may hold.
pub fn is_numeric(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if b.first() == Some(&b'-') {
        i = 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i > start
    };
    if !digits(&mut i) {
        return false;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        if !digits(&mut i) {
            return false;
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        if !digits(&mut i) {
            return false;
        }
    }
    i == b.len()
}

fn two(b: &[u8], at: usize) -> Option<u32> {
    let (x, y) = (*b.get(at)?, *b.get(at + 1)?);
    (x.is_ascii_digit() && y.is_ascii_digit()).then(|| u32::from(x - b'0') * 10 + u32::from(y - b'0'))
}

/// `YYYY-MM-DD[Tt ]HH:MM:SS[.fraction][blanks][offset]` as microseconds.
fn parse_datetime(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    if !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let year = two(b, 0)? * 100 + two(b, 2)?;
    if year == 0 {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(year as i32, two(b, 5)?, two(b, 8)?)?;
    let time = NaiveTime::from_hms_opt(two(b, 11)?, two(b, 14)?, two(b, 17)?)?;
    let mut i = 19;
    let mut micros: i64 = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return None;
        }
        // Digits beyond the sixth are dropped, not rounded.
        for k in 0..6 {
            let digit = if start + k < i { i64::from(b[start + k] - b'0') } else { 0 };
            micros = micros * 10 + digit;
        }
    }
    let offset_s: i64 = if i == b.len() {
        0 // no offset: UTC
    } else {
        let rest = s[i..].trim_start();
        parse_offset(rest)?
    };
    let local = date.and_time(time).and_utc().timestamp();
    // Years 1 to 9999 with an offset under a day: far inside i64 microseconds.
    Some((local - offset_s) * 1_000_000 + micros)
}

/// `Z`, `+HH`, `+HHMM` or `+HH:MM` (and `-`), as seconds east of UTC.
fn parse_offset(s: &str) -> Option<i64> {
    if s == "Z" || s == "z" {
        return Some(0);
    }
    let b = s.as_bytes();
    let sign = match b.first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let hours = two(b, 1)?;
    let minutes = match b.len() {
        3 => 0,
        5 => two(b, 3)?,
        6 if b[3] == b':' => two(b, 4)?,
        _ => return None,
    };
    let total = i64::from(hours * 60 + minutes);
    if total >= 24 * 60 {
        return None;
    }
    Some(sign * total * 60)
}

/// An instant as RFC 3339 in UTC, with as many fraction digits as it needs.
pub fn format_rfc3339(t: Micros) -> String {
    match DateTime::<Utc>::from_timestamp_micros(t.0) {
        Some(dt) => dt.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
        None => t.0.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    const T: i64 = 1_790_847_000_000_000; // 2026-10-01T09:30:00Z

    #[rstest]
    #[case("2026-10-01T09:30:00Z", T)]
    #[case("2026-10-01t09:30:00z", T)]
    #[case("2026-10-01 09:30:00", T)]
    #[case("2026-10-01T11:30:00.250+02:00", T + 250_000)]
    #[case("2026-10-01T11:30:00+0200", T)]
    #[case("2026-10-01T11:30:00+02", T)]
    #[case("2026-10-01T04:00:00-05:30", T)]
    #[case("2026-10-01T09:30:00 +00:00", T)]
    #[case("2026-10-01T09:30:00.5", T + 500_000)]
    #[case("2026-10-01T09:30:00.1234567Z", T + 123_456)]
    #[case("1790847000", T)]
    #[case("1790847000000", T)]
    #[case("1790847000.25", T + 250_000)]
    #[case("  1790847000  ", T)]
    fn every_listed_form_reads_to_the_microsecond(#[case] text: &str, #[case] micros: i64) {
        assert_eq!(parse_timestamp(text), Ok(Micros(micros)), "{text}");
    }

    #[rstest]
    #[case("yesterday")]
    #[case("2026-10-01")]
    #[case("2026-02-30T10:00:00Z")]
    #[case("2026-10-01T24:00:00Z")]
    #[case("2026-10-01T10:00:60Z")]
    #[case("2026-10-01T10:00:00+24:00")]
    #[case("2026-10-01T10:00:00.Z")]
    #[case("2026-10-01T10:00:00+5")]
    #[case("")]
    fn unreadable_forms_are_refused(#[case] text: &str) {
        assert_eq!(parse_timestamp(text), Err(TimestampError::Unreadable), "{text:?}");
    }

    #[test]
    fn negative_numbers_are_refused() {
        assert_eq!(parse_timestamp("-5"), Err(TimestampError::Negative));
        assert_eq!(parse_timestamp_number(-0.5), Err(TimestampError::Negative));
    }

    #[test]
    fn milliseconds_start_at_ten_to_the_eleventh() {
        assert_eq!(parse_timestamp_integer(99_999_999_999), Ok(Micros(99_999_999_999_000_000)));
        assert_eq!(parse_timestamp_integer(100_000_000_000), Ok(Micros(100_000_000_000_000)));
    }

    #[rstest]
    #[case("340282366920938463463376398278768212")]
    #[case("170141183460469231731687303715884105727")]
    #[case("99999999999999999999999999999999999999999999")]
    #[case("9223372036854775807")]
    #[case("1e300")]
    fn huge_numbers_are_out_of_range_never_wrapped(#[case] text: &str) {
        assert_eq!(parse_timestamp(text), Err(TimestampError::OutOfRange), "{text}");
    }

    #[test]
    fn formats_back_to_rfc3339() {
        assert_eq!(format_rfc3339(Micros(T + 250_000)), "2026-10-01T09:30:00.250Z");
        assert_eq!(format_rfc3339(Micros(T)), "2026-10-01T09:30:00Z");
    }
}
