//! Issue 4, CSV with other column names: `--map field=column` and the zone
//! of naive timestamps; a preview for the app's mapping step.

mod common;
mod formats_common;
use common::*;
use formats_common::*;
use rapport::import::{import, preview_csv, ColumnMap, FileChoice, ImportOptions};
use serde_json::json;
use std::process::Command;

fn mapping() -> ColumnMap {
    ColumnMap::parse(&[
        "conversation_id=Chat",
        "role=Sender",
        "timestamp=Time",
        "content=Text",
        "customer_id=User",
        "source=Channel",
    ])
    .unwrap()
}

#[test]
fn a_mapped_csv_imports_its_rows_as_messages_with_their_context() {
    let ws = Workspace::new();
    let options =
        ImportOptions { naive_tz: Some(chrono_tz::Europe::Berlin), map: Some(mapping()), ..ImportOptions::default() };
    let mut engine = ws.engine();
    let report = import(engine.store_mut(), &[fixture("mapped/chatlog.csv")], &options, &mut |_| {}).unwrap();
    assert_eq!(report.files[0].format, "csv-mapped");
    assert_eq!(report.rejected, 1);
    assert_eq!(report.files[0].rejections[0].position, "chatlog.csv row 5");
    assert!(report.files[0].rejections[0].reason.contains("role \"narrator\""));
    let m = dashboard(&ws);
    assert_eq!((m["total_conversations"].clone(), m["total_messages"].clone()), (json!(2), json!(3)));
    close(&m["avg_response_time_ms"], 4000.0, "response");
    assert_eq!(m["sources"], json!({"web": 1, "whatsapp": 1}));
    assert_eq!(m["unique_users"], 2);
    let t = ws.engine().transcript("c-1").unwrap();
    assert_eq!(t.messages[0].message.timestamp, at("2026-10-12T07:00:00Z"), "09:00 in Berlin");
}

#[test]
fn the_preview_shows_the_header_and_first_rows() {
    let p = preview_csv(&fixture("mapped/chatlog.csv")).unwrap();
    assert_eq!(p.headers, ["Chat", "Sender", "Time", "Text", "User", "Channel"]);
    assert_eq!(p.rows.len(), 4);
    assert_eq!(p.rows[1][3], "Hi Alice");
}

#[test]
fn the_command_line_takes_map_and_naive_tz() {
    let ws = Workspace::new();
    let out = Command::new(env!("CARGO_BIN_EXE_rapport"))
        .arg("--db")
        .arg(ws.db())
        .args(["import", "--json", "--naive-tz", "Europe/Berlin"])
        .args([
            "--map",
            "conversation_id=Chat",
            "--map",
            "role=Sender",
            "--map",
            "timestamp=Time",
            "--map",
            "content=Text",
        ])
        .arg(fixture("mapped/chatlog.csv"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["files"][0]["format"], "csv-mapped");
    assert_eq!(report["stored"]["messages"], 3);

    let bad = Command::new(env!("CARGO_BIN_EXE_rapport"))
        .arg("--db")
        .arg(ws.db())
        .args(["import", "--map", "speaker=Sender"])
        .arg(fixture("mapped/chatlog.csv"))
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("\"speaker\" is no field"));
}

/// The desktop asks once per file: two CSVs of other columns inside a
/// dropped folder each get their own mapping and zone.
#[test]
fn each_file_of_a_folder_gets_its_own_mapping() {
    let ws = Workspace::new();
    let folder = ws.file("drop/a-chatlog.csv", std::fs::read(fixture("mapped/chatlog.csv")).unwrap());
    let folder = folder.parent().unwrap().to_owned();
    ws.file(
        "drop/nested/b-ratings.csv",
        "Ticket,Thumbs,When\nc-9,up,2026-10-12 08:00:00\nc-1,down,2026-10-12 12:00:00\n",
    );
    ws.file("drop/z-native.jsonl", conversations_jsonl(1, "n"));

    let needing = rapport::import::needing_column_map(std::slice::from_ref(&folder));
    let names: Vec<String> = needing.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert_eq!(names, ["a-chatlog.csv", "b-ratings.csv"], "the native file needs no mapping");

    let ratings = ColumnMap::parse(&["conversation_id=Ticket", "rating=Thumbs", "timestamp=When"]).unwrap();
    let options = ImportOptions {
        files: vec![
            FileChoice {
                path: needing[0].display().to_string(),
                map: mapping(),
                naive_tz: Some(chrono_tz::Europe::Berlin),
            },
            FileChoice { path: needing[1].display().to_string(), map: ratings, naive_tz: None },
        ],
        ..ImportOptions::default()
    };
    let mut engine = ws.engine();
    let report = import(engine.store_mut(), &[folder], &options, &mut |_| {}).unwrap();
    let formats: Vec<(&str, Option<&String>)> =
        report.files.iter().map(|f| (f.format.as_str(), f.error.as_ref())).collect();
    assert_eq!(formats, [("csv-mapped", None), ("csv-mapped", None), ("jsonl", None)]);
    assert_eq!(report.files[1].records, 2, "both ratings are feedback: {:?}", report.files[1].rejections);
    let t = ws.engine().transcript("c-1").unwrap();
    assert_eq!(t.messages[0].message.timestamp, at("2026-10-12T07:00:00Z"), "the chat log's own zone");
    let feedback = t.feedback.iter().map(|f| f.timestamp).collect::<Vec<_>>();
    assert_eq!(feedback, [Some(at("2026-10-12T12:00:00Z"))], "the ratings file keeps UTC");
}

/// Issue 14: Excel in much of Europe saves CSV with `;` between cells (the
/// comma being the decimal mark), and some tools write tabs. The mapping
/// step finds the separator, shows it, and the import reads the same one.
#[rstest::rstest]
#[case::semicolon(';', "semicolon")]
#[case::tab('\t', "tab")]
fn a_csv_with_semicolons_or_tabs_is_previewed_and_imported_with_them(#[case] sep: char, #[case] name: &str) {
    let ws = Workspace::new();
    let comma = std::fs::read_to_string(fixture("mapped/chatlog.csv")).unwrap();
    // Excel's way: CRLF line ends, and a cell holding the other marks.
    let text = comma.replace(',', &sep.to_string()).replace('\n', "\r\n").replace("Hi Alice", "\"Hi, Alice; 2,5 €\"");
    let path = ws.file("export-excel.csv", text);

    let needing = rapport::import::needing_column_map(std::slice::from_ref(&path));
    assert_eq!(needing, std::slice::from_ref(&path), "a file of another separator goes through the mapping step");
    let p = preview_csv(&path).unwrap();
    assert_eq!(serde_json::to_value(p.separator).unwrap(), name, "the preview says which separator it chose");
    assert_eq!(p.headers, ["Chat", "Sender", "Time", "Text", "User", "Channel"], "the header is split on {name}");
    assert_eq!(p.rows[1][3], "Hi, Alice; 2,5 €", "quoted text keeps its commas and semicolons");

    let options =
        ImportOptions { naive_tz: Some(chrono_tz::Europe::Berlin), map: Some(mapping()), ..ImportOptions::default() };
    let mut engine = ws.engine();
    let report = import(engine.store_mut(), &[path], &options, &mut |_| {}).unwrap();
    assert_eq!(report.files[0].format, "csv-mapped", "{:?}", report.files[0].error);
    assert_eq!(report.rejected, 1, "the narrator's row, as in the comma file: {:?}", report.files[0].rejections);
    let m = dashboard(&ws);
    assert_eq!((m["total_conversations"].clone(), m["total_messages"].clone()), (json!(2), json!(3)));
    let t = ws.engine().transcript("c-1").unwrap();
    assert_eq!(
        t.messages[1].message.content.as_deref(),
        Some("Hi, Alice; 2,5 €"),
        "cells read as the preview showed them"
    );
}

#[test]
fn a_comma_csv_keeps_its_comma() {
    let p = preview_csv(&fixture("mapped/chatlog.csv")).unwrap();
    assert_eq!(serde_json::to_value(p.separator).unwrap(), "comma");
}
