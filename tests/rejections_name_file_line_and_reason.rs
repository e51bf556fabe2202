//! FORMAT.md, "Bad input": a bad record is rejected with where and why and
//! the import goes on; a file that cannot be read at all adds nothing.

mod common;
use common::*;
use std::io::Write;

fn reasons(ws: &Workspace, name: &str, content: &str) -> Vec<(String, String)> {
    let file = ws.file(name, content);
    let report = ws.import(&[file]);
    assert!(report.files[0].error.is_none(), "{name} is readable");
    report.files[0].rejections.iter().map(|r| (r.position.clone(), r.reason.clone())).collect()
}

#[test]
fn each_bad_line_is_rejected_with_its_line_and_reason_and_the_rest_imports() {
    let ws = Workspace::new();
    let lines = [
        r#"{"type":"conversation","conversation_id":"ok","started_at":"2026-10-02T10:00:00Z"}"#,
        r#"{not json"#,
        r#"[1, 2, 3]"#,
        r#"{"role":"user"}"#,
        r#"{"type":"teleport","conversation_id":"x"}"#,
        r#"{"type":"message","role":"user","timestamp":"2026-10-01T10:00:00Z"}"#,
        r#"{"type":"message","conversation_id":"x","role":"user","timestamp":"yesterday"}"#,
        r#"{"type":"message","conversation_id":"x","role":"narrator","timestamp":"2026-10-01T10:00:00Z"}"#,
        r#"{"type":"message","conversation_id":"x","role":"agent","timestamp":"2026-10-01T10:00:00Z","prompt_tokens":12.5}"#,
        r#"{"type":"message","conversation_id":"x","role":"agent","timestamp":"2026-10-01T10:00:00Z","completion_tokens":-3}"#,
        r#"{"type":"action","conversation_id":"x","started_at":"2026-10-01T10:00:00Z"}"#,
        r#"{"type":"action","conversation_id":"x","name":"t","started_at":"2026-10-01T10:00:07Z","ended_at":"2026-10-01T10:00:06Z"}"#,
        r#"{"type":"feedback","conversation_id":"x","timestamp":"2026-10-01T10:00:00Z"}"#,
        r#"{"type":"feedback","conversation_id":"x","rating":"meh"}"#,
        r#"{"type":"feedback","conversation_id":"x","score":9}"#,
        r#"{"type":"message","conversation_id":"ok","role":"user","timestamp":"2026-10-02T10:00:01Z"}"#,
    ];
    let got = reasons(&ws, "events.jsonl", &(lines.join("\n") + "\n"));
    let expected = [
        (2, "not valid JSON"),
        (3, "not a JSON object"),
        (4, "missing type"),
        (5, "unknown type \"teleport\""),
        (6, "missing conversation_id"),
        (7, "timestamp \"yesterday\" is not a date and time"),
        (8, "role \"narrator\""),
        (9, "prompt_tokens 12.5 must be a whole number"),
        (10, "completion_tokens -3 is negative"),
        (11, "missing name"),
        (12, "ended_at 2026-10-01T10:00:06Z is before started_at"),
        (13, "feedback needs a rating or a score"),
        (14, "rating \"meh\""),
        (15, "score 9 is outside 1 to 5"),
    ];
    assert_eq!(got.len(), expected.len(), "{got:#?}");
    for ((position, reason), (line, want)) in got.iter().zip(expected) {
        assert_eq!(position, &format!("events.jsonl line {line}"));
        assert!(reason.contains(want), "line {line}: {reason:?} should say {want:?}");
    }
    let engine = ws.engine();
    let counts = engine.store().counts().unwrap();
    assert_eq!((counts.conversations, counts.messages), (1, 1), "the good lines around the bad ones went in");
}

#[test]
fn csv_rows_and_json_items_are_named_by_their_position() {
    let ws = Workspace::new();
    let csv = reasons(
        &ws,
        "messages.csv",
        "conversation_id,role,timestamp\na,user,2026-10-02T10:00:00Z\nb,robot,2026-10-02T10:00:00Z\n",
    );
    assert_eq!(
        csv,
        vec![(
            "messages.csv row 3".to_owned(),
            "role \"robot\" is not user or agent (nor an alias of them, system or tool)".to_owned()
        )]
    );
    let json =
        reasons(&ws, "events.json", r#"[{"type":"conversation","conversation_id":"a"}, "a note", {"type":"message"}]"#);
    assert_eq!(json[0].0, "events.json item 2");
    assert_eq!(json[1].0, "events.json item 3");
}

fn refused(ws: &Workspace, name: &str, content: &[u8]) -> String {
    let before = ws.engine().store().counts().unwrap();
    let file = ws.file(name, content);
    let report = ws.import(&[file]);
    assert_eq!(report.stored, before, "{name}: a refused file adds nothing");
    assert_eq!(report.files[0].records, 0);
    report.files[0].error.clone().unwrap_or_else(|| panic!("{name} should be refused"))
}

#[test]
fn a_file_that_cannot_be_read_is_refused_whole() {
    let ws = Workspace::new();
    let good = r#"{"type":"conversation","conversation_id":"a","started_at":"2026-10-02T10:00:00Z"}"#;
    let mut latin1 = format!("{good}\n").into_bytes();
    latin1.extend_from_slice(b"{\"type\":\"message\",\"content\":\"caf\xe9\"}\n");
    assert!(refused(&ws, "latin1.jsonl", &latin1).contains("not UTF-8"));
    assert!(refused(&ws, "broken.jsonl.gz", b"\x1f\x8b\x08\x00garbage").contains("gzip"));
    assert!(refused(&ws, "truncated.json", format!("[{good},\n{good}\n").as_bytes()).contains("not valid JSON"));
    assert!(refused(&ws, "shape.json", br#"{"hello": "world"}"#).contains("another shape"));
    assert!(refused(&ws, "export.csv", b"a,b\n1,2\n").contains("`type` column"));
    assert!(refused(&ws, "notes.txt", b"dear diary\n").contains("not a format Rapport reads"));
}

#[test]
fn a_missing_file_is_refused_and_the_others_still_go_in() {
    let ws = Workspace::new();
    let good = ws.file("good.jsonl", conversations_jsonl(3, "g"));
    let report = ws.import(&[ws.dir.path().join("nowhere.jsonl"), good]);
    assert!(report.files[0].error.as_deref().unwrap().contains("no such file"));
    assert_eq!(report.files[1].records, 9);
    assert_eq!(report.stored.conversations, 3);
}

#[test]
fn gzip_and_a_byte_order_mark_are_read_by_content() {
    let ws = Workspace::new();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(b"\xEF\xBB\xBF").unwrap();
    gz.write_all(conversations_jsonl(4, "z").as_bytes()).unwrap();
    let file = ws.file("export.jsonl.gz", gz.finish().unwrap());
    let report = ws.import(&[file]);
    assert_eq!(report.files[0].format, "jsonl+gzip");
    assert_eq!(report.stored.messages, 8);
}
