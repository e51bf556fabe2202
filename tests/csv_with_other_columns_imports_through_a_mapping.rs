//! Issue 4, CSV with other column names: `--map field=column` and the zone
//! of naive timestamps; a preview for the app's mapping step.

mod common;
mod formats_common;
use common::*;
use formats_common::*;
use rapport::import::{import_paths_with, preview_csv, ColumnMap, FormatOptions, ImportOptions};
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
    let options = FormatOptions { naive_tz: Some(chrono_tz::Europe::Berlin), map: Some(mapping()) };
    let mut engine = ws.engine();
    let report = import_paths_with(
        engine.store_mut(),
        &[fixture("mapped/chatlog.csv")],
        &ImportOptions::default(),
        &options,
        &mut |_| {},
    )
    .unwrap();
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
