//! Issue 4, Langfuse: table exports of traces (CSV), observations (JSON
//! Lines), scores (JSON) and sessions (CSV), and a trace's "Download JSON".

mod common;
mod formats_common;
use common::*;
use formats_common::*;
use serde_json::json;

const TABLES: &[&str] =
    &["langfuse/observations.jsonl", "langfuse/scores.json", "langfuse/sessions.csv", "langfuse/traces.csv"];

#[test]
fn traces_are_turns_sessions_conversations_spans_actions_and_scores_feedback() {
    let ws = Workspace::new();
    let report = ws.import(&[folder(&ws, "export", TABLES)]);
    // Traces are read first: observations and scores name only their trace.
    let got: Vec<(String, &str, u64)> =
        report.files.iter().map(|f| (file_name(&f.path), f.format.as_str(), f.rejected)).collect();
    assert_eq!(
        got,
        [
            ("traces.csv".to_owned(), "langfuse-traces", 1),
            ("observations.jsonl".to_owned(), "langfuse-observations", 2),
            ("scores.json".to_owned(), "langfuse-scores", 1),
            ("sessions.csv".to_owned(), "langfuse-sessions", 0),
        ]
    );
    let reasons: Vec<(&str, &str)> = report
        .files
        .iter()
        .flat_map(|f| f.rejections.iter().map(|r| (r.position.as_str(), r.reason.as_str())))
        .collect();
    assert!(reasons[0].0 == "traces.csv row 5" && reasons[0].1.contains("timestamp \"not a date\""), "{reasons:?}");
    assert!(reasons[1].0 == "observations.jsonl line 2" && reasons[1].1.contains("GENERATION"), "{reasons:?}");
    assert!(reasons[2].0 == "observations.jsonl line 4" && reasons[2].1.contains("trace t-9"), "{reasons:?}");
    assert!(reasons[3].0 == "scores.json item 5" && reasons[3].1.contains("\"purple\""), "{reasons:?}");

    let m = dashboard(&ws);
    // s-1 (traces t-1, t-2) and t-3, which has no session.
    assert_eq!((m["total_conversations"].clone(), m["interactions"].clone()), (json!(2), json!(2)));
    assert_eq!((m["user_messages"].clone(), m["agent_messages"].clone()), (json!(3), json!(3)));
    // Latencies 1.25 s, 2.5 s and 0.5 s.
    close(&m["avg_response_time_ms"], (1250.0 + 2500.0 + 500.0) / 3.0, "average response");
    close(&m["p50_response_time_ms"], 1250.0, "median response");
    // s-1 lasts its sessionDuration (62.5 s); t-3 to its output, 0.5 s.
    close(&m["avg_conversation_duration_s"], (62.5 + 0.5) / 2.0, "duration");
    assert_eq!((m["tokens"]["prompt"].clone(), m["tokens"]["completion"].clone()), (json!(160), json!(35)));
    close(&m["tokens"]["cost"], 0.0018, "cost");
    assert_eq!(
        m["tools"],
        json!([
            {"name": "lookup_order", "count": 1, "avg_duration_ms": 800.0, "errors": 0},
            {"name": "open_ticket", "count": 1, "avg_duration_ms": 200.0, "errors": 1}
        ])
    );
    // NUMERIC 1 on 0–1 → positive; BOOLEAN 0 → negative; "good" → positive; 3 of 5 → neutral.
    assert_eq!(m["feedback"], json!({"positive": 2, "negative": 1, "neutral": 1, "satisfaction_rate": 2.0 / 3.0}));
    assert_eq!(m["unique_users"], 2);
    assert_eq!(m["escalation_rate"], 0.5);
}

#[test]
fn reimporting_langfuse_exports_changes_nothing() {
    let ws = Workspace::new();
    let dir = folder(&ws, "export", TABLES);
    let first = ws.import(std::slice::from_ref(&dir));
    let again = ws.import(&[dir]);
    assert_eq!(first.stored, again.stored);
}

#[test]
fn a_trace_download_brings_its_observations_and_scores() {
    let ws = Workspace::new();
    let report = ws.import(&[fixture("langfuse/trace-download.json")]);
    assert_eq!(report.files[0].format, "langfuse-trace");
    assert_eq!(report.rejected, 0);
    assert_eq!(
        (report.stored.conversations, report.stored.messages, report.stored.actions, report.stored.feedback),
        (1, 2, 1, 1)
    );
    let m = dashboard(&ws);
    close(&m["avg_response_time_ms"], 750.0, "latency 0.75 s");
    assert_eq!(m["feedback"]["positive"], 1);
}
