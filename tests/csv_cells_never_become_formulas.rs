//! Text from the logs that starts like a formula (`=`, `+`, `-`, `@`, a tab
//! or a carriage return: OWASP's list) is written to every CSV table with a
//! leading `'`, so a spreadsheet shows it as text instead of running it;
//! the numbers Rapport writes itself stay numbers.

mod reports_common;

use rapport::engine::Engine;
use rapport::import::ImportOptions;
use rapport::report::{export_csv, Table};
use reports_common::october;

const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

fn rows(bytes: &[u8]) -> Vec<csv::StringRecord> {
    csv::Reader::from_reader(&bytes[3..]).records().map(|r| r.unwrap()).collect()
}

#[test]
fn text_cells_that_start_a_formula_get_a_quote_in_every_table() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("formulas.jsonl");
    std::fs::write(
        &file,
        [
            r#"{"type":"conversation","conversation_id":"=HYPERLINK(\"http://evil.example\",\"click\")","started_at":"2026-10-02T10:00:00Z","customer_id":"@SUM(A1:A9)","device":"+mobile","source":"-web","language":"=en"}"#,
            r#"{"type":"message","conversation_id":"=HYPERLINK(\"http://evil.example\",\"click\")","role":"user","timestamp":"2026-10-02T10:00:01Z","content":"hi"}"#,
            r#"{"type":"action","conversation_id":"=HYPERLINK(\"http://evil.example\",\"click\")","name":"=cmd|' /C calc'!A0","started_at":"2026-10-02T10:00:02Z"}"#,
            r#"{"type":"conversation","conversation_id":"\tc2","started_at":"2026-10-03T10:00:00Z","customer_id":"-42"}"#,
        ]
        .join("\n"),
    )
    .unwrap();
    let mut engine = Engine::open(&dir.path().join("store.db"), None).unwrap();
    let report = engine.import(&[file], &ImportOptions::default(), &mut |_| {}).unwrap();
    assert_eq!(report.files[0].rejections.len(), 0, "every line imports: {:?}", report.files[0].rejections);

    let q = october(&[]);
    for table in [Table::Conversations, Table::Tools, Table::Countries, Table::Daily] {
        for row in rows(&export_csv(&mut engine, &q, table).unwrap()) {
            for cell in row.iter() {
                assert!(!cell.starts_with(FORMULA_STARTS), "{table:?}: the cell {cell:?} would be read as a formula");
            }
        }
    }
    let conversations = rows(&export_csv(&mut engine, &q, Table::Conversations).unwrap());
    let first = conversations.iter().find(|r| r[0].contains("HYPERLINK")).expect("the conversation is exported");
    assert_eq!(&first[0], "'=HYPERLINK(\"http://evil.example\",\"click\")", "the id is kept whole after the quote");
    assert_eq!(&first[2], "'@SUM(A1:A9)");
    let second = conversations.iter().find(|r| r[0].ends_with("c2")).expect("the second conversation is exported");
    assert_eq!(&second[2], "'-42", "a customer id is text, even when it looks like a number");
    let tools = rows(&export_csv(&mut engine, &q, Table::Tools).unwrap());
    assert_eq!(&tools[0][0], "'=cmd|' /C calc'!A0");
    assert_eq!(&tools[0][1], "1", "counts are written as numbers");
}
