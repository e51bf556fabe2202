//! FORMAT.md: "A record whose identity was seen before replaces it
//! (re-importing a file changes nothing)."

mod common;
use common::*;

const EVENTS: &str = r#"{"type":"conversation","conversation_id":"a","started_at":"2026-10-02T10:00:00Z","customer_id":"u1","metadata":{"plan":"pro"}}
{"type":"message","conversation_id":"a","message_id":"1","role":"user","timestamp":"2026-10-02T10:00:05Z","content":"hi"}
{"type":"message","conversation_id":"a","role":"agent","timestamp":"2026-10-02T10:00:07Z","content":"hello"}
{"type":"action","conversation_id":"a","name":"search","started_at":"2026-10-02T10:00:06Z","duration_ms":300}
{"type":"feedback","conversation_id":"a","rating":"up"}
"#;

#[test]
fn reimporting_a_file_changes_no_count_and_no_number() {
    let ws = Workspace::new();
    let file = ws.file("events.jsonl", EVENTS);
    let first = ws.import(std::slice::from_ref(&file));
    let mut engine = ws.engine();
    let before = metrics(&mut engine, &autumn("UTC"));
    let second = ws.import(&[file.clone(), file]);
    let mut engine = ws.engine();
    let after = metrics(&mut engine, &autumn("UTC"));
    assert_eq!(first.stored, second.stored, "records with an identity seen before replace it");
    assert_eq!(before, after, "the numbers do not move when the same file comes again");
    assert_eq!(first.stored.messages, 2);
    assert_eq!(first.stored.feedback, 1, "undated feedback without ids on one conversation is one record");
}

#[test]
fn a_later_line_with_the_same_identity_replaces_the_earlier_one() {
    let ws = Workspace::new();
    let file = ws.file(
        "events.jsonl",
        r#"{"type":"message","conversation_id":"a","message_id":"1","role":"user","timestamp":"2026-10-02T10:00:05Z"}
{"type":"message","conversation_id":"a","message_id":"1","role":"agent","timestamp":"2026-10-02T10:00:09Z"}
"#,
    );
    ws.import(&[file]);
    let mut engine = ws.engine();
    let m = metrics(&mut engine, &autumn("UTC"));
    assert_eq!((m.total_messages, m.user_messages, m.agent_messages), (1, 0, 1), "the second line replaced the first");
}

#[test]
fn conversation_lines_merge_and_a_later_null_erases_nothing() {
    let ws = Workspace::new();
    let file = ws.file(
        "events.jsonl",
        r#"{"type":"conversation","conversation_id":"a","started_at":"2026-10-02T10:00:00Z","customer_id":"u1","device":"mobile","metadata":{"plan":"pro"}}
{"type":"conversation","conversation_id":"a","customer_id":null,"device":"","source":"WhatsApp","metadata":{"resolved":true}}
"#,
    );
    ws.import(&[file]);
    let engine = ws.engine();
    let detail = engine.store().conversation("a").unwrap().expect("stored");
    assert_eq!(detail.customer_id.as_deref(), Some("u1"));
    assert_eq!(detail.device.as_deref(), Some("mobile"));
    assert_eq!(detail.source.as_deref(), Some("WhatsApp"));
    assert_eq!(
        detail.metadata,
        Some(serde_json::json!({"plan": "pro", "resolved": true})),
        "metadata merges key by key"
    );
}
