//! `rapport export unanswered`: the period's top unanswered questions with
//! their counts, as the other exports are written (UTF-8 with a byte-order
//! mark, CRLF rows), equal to `top_unanswered` of the same query.

mod common;
use common::*;
use std::process::Command;

fn message(conversation: &str, n: u32, role: &str, second: u32, content: &str) -> String {
    serde_json::json!({"type": "message", "conversation_id": conversation, "message_id": format!("m{n}"),
        "role": role, "timestamp": format!("2026-10-02T10:00:{second:02}Z"), "content": content})
    .to_string()
        + "\n"
}

#[test]
fn the_export_lists_the_unanswered_questions_by_count_as_rapport_metrics_does() {
    let ws = Workspace::new();
    let mut events = String::new();
    // "can i pay by cheque" is asked three times and never answered well;
    // "where is my order" twice, answered once; one question is answered.
    for (i, c) in ["a", "b", "c"].into_iter().enumerate() {
        events += &message(c, 1, "user", 1, "Can I pay by CHEQUE?");
        if i < 2 {
            events += &message(c, 2, "agent", 2, "I'm not sure, sorry.");
        }
    }
    events += &message("d", 1, "user", 1, "Where is my order?");
    events += &message("e", 1, "user", 1, "where is my order");
    events += &message("e", 2, "agent", 2, "It ships today.");
    events += &message("f", 1, "user", 1, "¿Dónde está?");
    events += &message("f", 2, "agent", 2, "I do not know.");
    let file = ws.file("events.jsonl", events);
    ws.import(&[file]);

    let out = ws.dir.path().join("unanswered.csv");
    let run = Command::new(env!("CARGO_BIN_EXE_rapport"))
        .arg("--db")
        .arg(ws.db())
        .args(["export", "unanswered", "--from", "2026-10-01", "--to", "2026-11-01", "--out"])
        .arg(&out)
        .output()
        .expect("rapport runs");
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let bytes = std::fs::read(&out).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "a byte-order mark first");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    assert_eq!(text, "question,count\r\ncan i pay by cheque,3\r\ndonde esta,1\r\nwhere is my order,1\r\n");

    let m = metrics(&mut ws.engine(), &query("2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z", "UTC", &[]));
    let insights = m.insights.0.expect("a SQLite store counts the Insights");
    let listed: Vec<(String, u64)> = insights.top_unanswered.into_iter().map(|q| (q.text, q.count)).collect();
    assert_eq!(
        listed,
        [("can i pay by cheque".to_owned(), 3), ("donde esta".to_owned(), 1), ("where is my order".to_owned(), 1)]
    );
    assert_eq!((insights.questions, insights.unanswered_questions, insights.fallback_answers), (6, 5, 3));
}
