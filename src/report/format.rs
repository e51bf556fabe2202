//! How numbers, dates and changes read in a report (English, as the CLI).

use crate::model::Micros;
use chrono::{NaiveDate, TimeZone};
use chrono_tz::Tz;

/// 1234567 → "1,234,567".
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// A count for an axis: 950, 12k, 1.2M, 3.4e18; "—" for no number.
pub fn short(n: f64) -> String {
    let a = n.abs();
    if !a.is_finite() {
        "—".to_owned()
    } else if a >= 1e15 {
        format!("{n:.1e}")
    } else if a >= 1e9 {
        format!("{}G", trim(n / 1e9))
    } else if a >= 1e6 {
        format!("{}M", trim(n / 1e6))
    } else if a >= 1e4 {
        format!("{}k", trim(n / 1e3))
    } else if a >= 1.0 || a == 0.0 {
        count(n.round() as u64)
    } else {
        format!("{n:.2}")
    }
}

fn trim(x: f64) -> String {
    let s = format!("{x:.1}");
    s.strip_suffix(".0").map(str::to_owned).unwrap_or(s)
}

pub fn decimal(x: f64, places: usize) -> String {
    format!("{x:.places$}")
}

/// US dollars: "$1,234.56"; small amounts keep four places so a cent's
/// fraction does not read as free; amounts no log should hold (an old store,
/// a sum past the largest double) as "$1.7e308" and "—".
pub fn money(x: f64) -> String {
    if !x.is_finite() {
        return "—".to_owned();
    }
    if x.abs() >= 1e15 {
        return format!("${x:.1e}");
    }
    if x != 0.0 && x.abs() < 0.01 {
        return format!("${x:.4}");
    }
    let cents = (x * 100.0).round() as i64;
    format!(
        "{}${}.{:02}",
        if cents < 0 { "-" } else { "" },
        count(cents.unsigned_abs() / 100),
        cents.unsigned_abs() % 100
    )
}

pub fn percent(x: f64) -> String {
    if !x.is_finite() {
        return "—".to_owned();
    }
    format!("{:.1}%", x * 100.0)
}

/// A duration in milliseconds as a person reads it: 840 ms, 2.4 s, 3 min 20 s.
pub fn duration_ms(ms: f64) -> String {
    if !ms.is_finite() {
        "—".to_owned()
    } else if ms < 1000.0 {
        format!("{} ms", ms.round())
    } else if ms < 60_000.0 {
        format!("{:.1} s", ms / 1000.0)
    } else if ms < 3_600_000.0 {
        let s = (ms / 1000.0).round() as u64;
        format!("{} min {} s", s / 60, s % 60)
    } else {
        let m = (ms / 60_000.0).round() as u64;
        format!("{} h {} min", m / 60, m % 60)
    }
}

pub fn optional(x: Option<f64>, f: impl Fn(f64) -> String) -> String {
    x.map_or_else(|| "—".to_owned(), f)
}

/// "2026-10-03" → "3 Oct".
pub fn day_month(date: &str) -> String {
    NaiveDate::parse_from_str(date, "%Y-%m-%d").map_or_else(|_| date.to_owned(), |d| d.format("%-d %b").to_string())
}

/// An instant in the display zone: "3 Oct 2026 14:05".
pub fn instant(t: Micros, zone: Tz) -> String {
    match zone.timestamp_micros(t.0).single() {
        Some(dt) => dt.format("%-d %b %Y %H:%M").to_string(),
        None => t.to_string(),
    }
}

/// An instant as RFC 3339 in the display zone, for CSV: "2026-10-03T14:05:00+02:00".
pub fn rfc3339_in(t: Micros, zone: Tz) -> String {
    match zone.timestamp_micros(t.0).single() {
        Some(dt) => dt.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false),
        None => t.to_string(),
    }
}

/// A period `[from, to)` as a person reads it: whole local days as
/// "1 Oct 2026 – 28 Oct 2026" (the last day included), otherwise the instants.
pub fn period(from: Micros, to: Micros, zone: Tz) -> String {
    let (Some(a), Some(b)) = (zone.timestamp_micros(from.0).single(), zone.timestamp_micros(to.0).single()) else {
        return format!("{from} – {to}");
    };
    let midnight = |d: &chrono::DateTime<Tz>| d.format("%H:%M:%S%.f").to_string() == "00:00:00";
    if midnight(&a) && midnight(&b) {
        let last = zone.timestamp_micros(to.0 - 1).single().unwrap_or(b);
        if a.date_naive() == last.date_naive() {
            return a.format("%-d %b %Y").to_string();
        }
        return format!("{} – {}", a.format("%-d %b %Y"), last.format("%-d %b %Y"));
    }
    format!("{} – {}", a.format("%-d %b %Y %H:%M"), b.format("%-d %b %Y %H:%M"))
}

/// Escapes text for HTML and SVG (element content and quoted attributes).
/// Line breaks and tabs stay (HTML comments keep their lines); every other
/// control character and noncharacter goes as in `text::clean`: a
/// log's stray byte must not make the SVG or PDF unreadable.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\t' => out.push(c),
            c => out.extend(super::text::cleaned(c)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_people_write_them() {
        assert_eq!(count(0), "0");
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(short(12_300.0), "12.3k");
        assert_eq!(short(2_000_000.0), "2M");
        assert_eq!(money(1234.5), "$1,234.50");
        assert_eq!(money(0.0012), "$0.0012");
        assert_eq!(duration_ms(840.2), "840 ms");
        assert_eq!(duration_ms(2_400.0), "2.4 s");
        assert_eq!(duration_ms(200_000.0), "3 min 20 s");
        assert_eq!(escape("<b>&\"'"), "&lt;b&gt;&amp;&quot;&#39;");
        assert_eq!(escape("a\u{0}\u{1b}\u{fffe}\nb"), "a\nb", "XML-illegal characters go, lines stay");
    }

    #[test]
    fn numbers_no_log_should_hold_still_read_as_numbers() {
        assert_eq!(money(1.7e308), "$1.7e308");
        assert_eq!(money(f64::INFINITY), "—");
        assert_eq!(money(f64::NAN), "—");
        assert_eq!(short(1e18), "1.0e18");
        assert_eq!(short(f64::INFINITY), "—");
        assert_eq!(duration_ms(f64::NAN), "—");
        assert_eq!(percent(f64::NAN), "—");
    }

    #[test]
    fn whole_days_show_the_last_day_included() {
        let zone: Tz = "Europe/Berlin".parse().unwrap();
        let from = crate::model::parse_timestamp("2026-09-30T22:00:00Z").unwrap();
        let to = crate::model::parse_timestamp("2026-10-28T23:00:00Z").unwrap();
        assert_eq!(period(from, to, zone), "1 Oct 2026 – 28 Oct 2026");
    }
}
