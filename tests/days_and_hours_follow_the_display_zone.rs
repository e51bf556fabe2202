//! METRICS.md: days and hours are bucketed in the display zone, DST
//! included; zones with :30 and :45 offsets too.

mod common;
use common::*;

/// One message at each whole UTC hour between two instants.
fn hourly(from: &str, hours: i64) -> String {
    let start = at(from).0;
    (0..hours)
        .map(|h| {
            let t = rapport::model::format_rfc3339(rapport::model::Micros(start + h * 3_600_000_000));
            format!("{{\"type\":\"message\",\"conversation_id\":\"c\",\"message_id\":\"{h}\",\"role\":\"user\",\"timestamp\":\"{t}\"}}\n")
        })
        .collect()
}

#[test]
fn a_spring_forward_day_has_23_hours_and_a_fall_back_day_25() {
    let ws = Workspace::new();
    // Europe/Berlin: 29 March 2026 (spring forward), 25 October 2026 (fall back).
    let file = ws.file("hourly.jsonl", hourly("2026-03-27T00:00:00Z", 24 * 215));
    ws.import(&[file]);
    let mut engine = ws.engine();
    let q = query("2026-03-27T23:00:00Z", "2026-10-26T23:00:00Z", "Europe/Berlin", &[]);
    let m = metrics(&mut engine, &q);
    let day =
        |date: &str| m.daily.iter().find(|d| d.date == date).unwrap_or_else(|| panic!("{date} is a row")).messages;
    assert_eq!(day("2026-03-28"), 24);
    assert_eq!(day("2026-03-29"), 23, "spring forward: the day loses an hour");
    assert_eq!(day("2026-10-25"), 25, "fall back: the day gains an hour");
    assert_eq!(day("2026-10-26"), 24);
    assert_eq!(m.daily.first().unwrap().date, "2026-03-28", "rows start at the local day of `from`");
    assert_eq!(m.daily.last().unwrap().date, "2026-10-26", "rows end at the local day of `to` minus a millisecond");
}

#[test]
fn a_quarter_hour_zone_buckets_by_its_own_hours() {
    let ws = Workspace::new();
    // 18:14:59Z is 23:59:59 in Kathmandu (+05:45); 18:15:00Z is midnight there.
    let file = ws.file(
        "edge.jsonl",
        r#"{"type":"message","conversation_id":"c","message_id":"1","role":"user","timestamp":"2026-10-01T18:14:59Z"}
{"type":"message","conversation_id":"c","message_id":"2","role":"agent","timestamp":"2026-10-01T18:15:00Z"}
"#,
    );
    ws.import(&[file]);
    let mut engine = ws.engine();
    let m = metrics(&mut engine, &query("2026-09-30T18:15:00Z", "2026-10-02T18:15:00Z", "Asia/Kathmandu", &[]));
    let dates: Vec<(&str, u64)> = m.daily.iter().map(|d| (d.date.as_str(), d.messages)).collect();
    assert_eq!(dates, vec![("2026-10-01", 1), ("2026-10-02", 1)]);
    // 2026-10-01 is a Thursday (index 3), 2026-10-02 a Friday.
    assert_eq!(m.peak_hours[3][23], 1, "23:59:59 local is hour 23 of Thursday");
    assert_eq!(m.peak_hours[4][0], 1, "midnight local is hour 0 of Friday");
    let m = metrics(&mut engine, &query("2026-09-30T18:15:00Z", "2026-10-02T18:15:00Z", "Asia/Kolkata", &[]));
    assert_eq!(m.peak_hours[3][23], 2, "in +05:30 both fall in Thursday's last hour");
}

#[test]
fn the_previous_period_has_the_same_length() {
    let q = query("2026-10-08T00:00:00Z", "2026-10-15T00:00:00Z", "UTC", &[]);
    let p = q.previous();
    assert_eq!((p.from, p.to), (at("2026-10-01T00:00:00Z"), at("2026-10-08T00:00:00Z")));
}
