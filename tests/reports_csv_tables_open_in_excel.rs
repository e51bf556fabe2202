//! The CSV exports: UTF-8 with a byte-order mark, RFC 4180 quoting, one row
//! per conversation of the query, and the same numbers as the dashboard.

mod reports_common;

use rapport::engine::Engine;
use rapport::import::ImportOptions;
use rapport::metrics::Settings;
use rapport::report::{export_csv, Table};
use reports_common::{demo_store, october};

fn rows(bytes: &[u8]) -> Vec<csv::StringRecord> {
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "the file starts with a UTF-8 byte-order mark");
    csv::Reader::from_reader(&bytes[3..]).records().map(|r| r.unwrap()).collect()
}

#[test]
fn tables_have_one_row_per_item_and_the_dashboard_numbers() {
    let mut f = demo_store();
    let q = october(&[("device", "mobile")]);
    let m = f.engine.dashboard(&q, &Settings::default()).unwrap().current;
    let conversations = rows(&export_csv(&mut f.engine, &q, Table::Conversations).unwrap());
    assert_eq!(conversations.len() as u64, m.total_conversations, "one row per conversation of the query");
    assert!(conversations.iter().all(|r| &r[4] == "mobile"), "the filter holds");
    let tools = rows(&export_csv(&mut f.engine, &q, Table::Tools).unwrap());
    assert_eq!(tools.len(), m.tools.len());
    assert_eq!(tools[0][1].parse::<u64>().unwrap(), m.tools[0].count);
    let countries = rows(&export_csv(&mut f.engine, &q, Table::Countries).unwrap());
    assert_eq!(countries.iter().map(|r| r[2].parse::<u64>().unwrap()).sum::<u64>(), m.total_conversations);
    let daily = rows(&export_csv(&mut f.engine, &q, Table::Daily).unwrap());
    assert_eq!(daily.len(), 31, "one row per day of October");
    assert_eq!(daily.iter().map(|r| r[1].parse::<u64>().unwrap()).sum::<u64>(), m.total_messages);
}

#[test]
fn commas_quotes_and_line_breaks_are_quoted_as_rfc_4180_says() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("events.jsonl");
    std::fs::write(
        &file,
        concat!(
            r#"{"type":"conversation","conversation_id":"c1","started_at":"2026-10-02T10:00:00Z","customer_id":"Doe, \"Jo\"\nsecond line"}"#,
            "\n",
            r#"{"type":"message","conversation_id":"c1","message_id":"m1","role":"user","timestamp":"2026-10-02T10:00:01Z","content":"Hallo Müller"}"#,
            "\n"
        ),
    )
    .unwrap();
    let mut engine = Engine::open(&dir.path().join("store.db"), None).unwrap();
    engine.import(&[file], &ImportOptions::default(), &mut |_| {}).unwrap();
    let bytes = export_csv(&mut engine, &october(&[]), Table::Conversations).unwrap();
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    assert!(text.contains("\"Doe, \"\"Jo\"\"\nsecond line\""), "the field is quoted and its quotes doubled: {text}");
    assert!(text.contains("\r\n"), "records end in CRLF");
    let parsed = rows(&export_csv(&mut engine, &october(&[]), Table::Conversations).unwrap());
    assert_eq!(&parsed[0][2], "Doe, \"Jo\"\nsecond line", "it reads back unchanged");
    assert_eq!(&parsed[0][1], "2026-10-02T12:00:00+02:00", "instants are in the query's zone");
}
