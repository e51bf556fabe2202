//! Local time in a display zone, fast enough to bucket millions of events.
//!
//! A zone's offset is constant between transitions (DST changes, law
//! changes). [`LocalClock`] finds the transitions inside the span it is asked
//! about once, then turns each instant into a local day and hour with a
//! binary search over a handful of entries instead of a zone-database lookup.

use chrono::{NaiveDate, Offset, TimeZone};
use chrono_tz::Tz;

pub const HOUR_US: i64 = 3_600_000_000;
pub const DAY_US: i64 = 24 * HOUR_US;

#[derive(Debug, Clone)]
pub struct LocalClock {
    /// (first instant, offset in microseconds), sorted; the first entry
    /// covers everything before the second.
    spans: Vec<(i64, i64)>,
}

fn offset_us(zone: Tz, t: i64) -> i64 {
    let secs = t.div_euclid(1_000_000);
    match zone.timestamp_opt(secs, 0) {
        chrono::LocalResult::Single(dt) => i64::from(dt.offset().fix().local_minus_utc()) * 1_000_000,
        _ => 0,
    }
}

impl LocalClock {
    /// A clock exact for instants in `[lo, hi]`.
    pub fn new(zone: Tz, lo: i64, hi: i64) -> LocalClock {
        let mut spans = vec![(i64::MIN, offset_us(zone, lo))];
        if hi > lo {
            // Probe hourly; no zone changes its offset twice within an hour.
            let mut t = lo;
            let mut current = spans[0].1;
            while t < hi {
                let next = (t + HOUR_US).min(hi);
                let off = offset_us(zone, next);
                if off != current {
                    // The change is at a whole second in (t, next]: find it.
                    let (mut a, mut b) = (t.div_euclid(1_000_000), next.div_euclid(1_000_000));
                    while b - a > 1 {
                        let mid = a + (b - a) / 2;
                        if offset_us(zone, mid * 1_000_000) == current {
                            a = mid;
                        } else {
                            b = mid;
                        }
                    }
                    spans.push((b * 1_000_000, off));
                    current = off;
                }
                t = next;
            }
        }
        LocalClock { spans }
    }

    /// Local wall-clock microseconds (as if the zone were UTC).
    #[inline]
    pub fn local(&self, t: i64) -> i64 {
        let i = self.spans.partition_point(|&(start, _)| start <= t);
        t + self.spans[i.saturating_sub(1)].1
    }

    /// The first instant after `t` at which the offset changes (or `i64::MAX`).
    #[inline]
    pub fn next_change_after(&self, t: i64) -> i64 {
        let i = self.spans.partition_point(|&(start, _)| start <= t);
        self.spans.get(i).map_or(i64::MAX, |&(start, _)| start)
    }

    /// Whether every offset, and every instant it changes, is a whole
    /// quarter hour: then all instants of a UTC quarter hour share their
    /// local day and hour. True of every zone today; not of old local mean times.
    pub fn quarter_aligned(&self) -> bool {
        const QUARTER: i64 = 15 * 60 * 1_000_000;
        self.spans
            .iter()
            .enumerate()
            .all(|(i, &(start, offset))| offset.rem_euclid(QUARTER) == 0 && (i == 0 || start.rem_euclid(QUARTER) == 0))
    }

    /// Local day number (days since 1970-01-01 in the zone).
    #[inline]
    pub fn day(&self, t: i64) -> i64 {
        self.local(t).div_euclid(DAY_US)
    }
}

/// Monday = 0 … Sunday = 6 of a day number (1970-01-01 was a Thursday).
#[inline]
pub fn weekday(day: i64) -> usize {
    (day + 3).rem_euclid(7) as usize
}

#[inline]
pub fn hour_of(local: i64) -> usize {
    (local.rem_euclid(DAY_US) / HOUR_US) as usize
}

/// The date of a day number, as `YYYY-MM-DD`.
pub fn date_of(day: i64) -> String {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date");
    epoch
        .checked_add_signed(chrono::Duration::days(day))
        .map_or_else(|| day.to_string(), |d| d.format("%Y-%m-%d").to_string())
}

/// The local day number of an instant, straight from the zone database.
pub fn day_in_zone(zone: Tz, t: i64) -> i64 {
    (t + offset_us(zone, t)).div_euclid(DAY_US)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> i64 {
        crate::model::parse_timestamp(s).unwrap().0
    }

    #[test]
    fn a_spring_forward_day_has_23_hours_and_a_fall_back_day_25() {
        let zone: Tz = "Europe/Berlin".parse().unwrap();
        let clock = LocalClock::new(zone, at("2026-03-01T00:00:00Z"), at("2026-11-30T00:00:00Z"));
        // Local midnights around 29 March 2026 (spring forward) and 25 October (fall back).
        let march_29 = at("2026-03-28T23:00:00Z");
        let march_30 = at("2026-03-29T22:00:00Z");
        assert_eq!(clock.day(march_29), clock.day(march_30) - 1);
        assert_eq!(
            clock.day(march_30 - 1),
            clock.day(march_29),
            "23 hours after 29 March's midnight is still 29 March"
        );
        let oct_25 = at("2026-10-24T22:00:00Z");
        let oct_26 = at("2026-10-25T23:00:00Z");
        assert_eq!((oct_26 - oct_25) / HOUR_US, 25);
        assert_eq!(clock.day(oct_26 - 1), clock.day(oct_25));
        assert_eq!(clock.day(oct_26), clock.day(oct_25) + 1);
    }

    #[test]
    fn quarter_hour_zones_bucket_by_their_own_hours() {
        let zone: Tz = "Asia/Kathmandu".parse().unwrap(); // UTC+05:45
        let clock = LocalClock::new(zone, at("2026-10-01T00:00:00Z"), at("2026-10-03T00:00:00Z"));
        let t = at("2026-10-01T18:14:59Z"); // 23:59:59 local
        assert_eq!(hour_of(clock.local(t)), 23);
        assert_eq!(hour_of(clock.local(t + 1_000_000)), 0);
        assert_eq!(clock.day(t + 1_000_000), clock.day(t) + 1);
    }

    #[test]
    fn todays_zones_change_on_quarter_hours_and_old_mean_times_do_not() {
        for (name, aligned) in [("Europe/Berlin", true), ("Asia/Kathmandu", true), ("Pacific/Chatham", true)] {
            let zone: Tz = name.parse().unwrap();
            let clock = LocalClock::new(zone, at("2025-01-01T00:00:00Z"), at("2026-12-31T00:00:00Z"));
            assert_eq!(clock.quarter_aligned(), aligned, "{name}");
        }
        // Liberia kept Monrovia Mean Time, UTC−00:44:30, until 1972.
        let zone: Tz = "Africa/Monrovia".parse().unwrap();
        let clock = LocalClock::new(zone, at("1960-01-01T00:00:00Z"), at("1961-01-01T00:00:00Z"));
        assert!(!clock.quarter_aligned());
    }

    #[test]
    fn weekdays_start_on_monday() {
        assert_eq!(weekday(0), 3, "1970-01-01 was a Thursday");
        assert_eq!(date_of(20_362), "2025-10-01");
    }
}
