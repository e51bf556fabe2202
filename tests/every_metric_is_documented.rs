//! Every key `rapport metrics` prints is defined in `docs/metrics.md`, so
//! the project's own definitions cannot fall behind the engine: a key added
//! to the output fails here until the page says what it means.

mod common;

use common::Workspace;
use serde_json::Value;
use std::collections::BTreeSet;
use std::process::Command;

/// Objects whose keys are values from the data (a country, a channel, a
/// filter key as given), not names the engine chose: their own key is
/// documented, their children are not walked.
const KEYED_BY_VALUE: [&str; 6] = ["countries", "devices", "sources", "languages", "environments", "filters"];

/// A store where every kind of record, every breakdown and a filter occur,
/// so that no key is left out of the output for want of data (an
/// unanswered question too, for `top_unanswered`'s fields).
const EVENTS: &str = r#"{"type":"conversation","conversation_id":"c","customer_id":"u","customer_ip_address":"8.8.8.8","device":"mobile","source":"web","language":"en","metadata":{"environment":"prod"}}
{"type":"message","conversation_id":"c","role":"user","timestamp":"2026-10-01T09:00:00Z","content":"where is my order?","prompt_tokens":3,"cost":0.01}
{"type":"message","conversation_id":"c","role":"agent","timestamp":"2026-10-01T09:00:02Z","content":"It ships today.","model":"gpt-4o","completion_tokens":5}
{"type":"message","conversation_id":"c","role":"user","timestamp":"2026-10-01T09:00:09Z","content":"Can I pay by cheque?"}
{"type":"action","conversation_id":"c","name":"open_ticket","started_at":"2026-10-01T09:01:00Z","duration_ms":500,"status":"error"}
{"type":"feedback","conversation_id":"c","rating":"positive","comment":"thanks"}
"#;

fn keys(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                out.insert(key.clone());
                if !KEYED_BY_VALUE.contains(&key.as_str()) {
                    keys(child, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| keys(item, out)),
        _ => {}
    }
}

#[test]
fn every_key_of_rapport_metrics_is_in_docs_metrics_md() {
    let ws = Workspace::new();
    let events = ws.file("events.jsonl", EVENTS);
    ws.import(&[events]);
    let output = Command::new(env!("CARGO_BIN_EXE_rapport"))
        .arg("--db")
        .arg(ws.db())
        .args(["metrics", "--from", "2026-10-01", "--to", "2026-10-02", "--tz", "Europe/Berlin"])
        .args(["--filter", "source=web"])
        .output()
        .expect("rapport runs");
    assert!(output.status.success(), "rapport metrics failed: {}", String::from_utf8_lossy(&output.stderr));
    let printed: Value = serde_json::from_slice(&output.stdout).expect("rapport metrics prints JSON");

    let mut printed_keys = BTreeSet::new();
    keys(&printed, &mut printed_keys);
    assert!(printed_keys.contains("previous"), "the previous period is part of the output");

    let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/metrics.md"))
        .expect("docs/metrics.md is in the project");
    let missing: Vec<&String> = printed_keys.iter().filter(|k| !docs.contains(&format!("`{k}`"))).collect();
    assert!(
        missing.is_empty(),
        "docs/metrics.md must define every key rapport metrics prints (written in backticks); missing: {missing:?}"
    );
}
