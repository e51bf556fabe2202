//! Issue 4, Dify: service API messages, the console's conversation list and
//! workflow-run logs (CSV with a byte order mark and naive times, JSON Lines
//! opening with export_info).

mod common;
mod formats_common;
use common::*;
use formats_common::*;
use rapport::import::{import_paths_with, FormatOptions, ImportOptions};
use serde_json::json;

#[test]
fn each_dify_message_is_a_question_and_its_answer() {
    let ws = Workspace::new();
    let report = ws.import(&[fixture("dify/messages.json"), fixture("dify/conversations.json")]);
    assert_eq!(report.files[0].format, "dify-messages");
    assert_eq!(report.files[1].format, "dify-conversations");
    assert_eq!(report.rejected, 1);
    assert_eq!(report.files[0].rejections[0].position, "messages.json item 4");
    assert!(report.files[0].rejections[0].reason.contains("missing conversation_id"));

    let m = dashboard(&ws);
    // d-1 (two messages), d-2 (one), d-3 listed with none: a visit.
    assert_eq!(
        (m["total_conversations"].clone(), m["interactions"].clone(), m["visits"].clone()),
        (json!(3), json!(2), json!(1))
    );
    assert_eq!((m["user_messages"].clone(), m["agent_messages"].clone()), (json!(3), json!(3)));
    // m-1 is answered when its last agent thought is (2 s); the others give no later time.
    close(&m["avg_response_time_ms"], 2000.0 / 3.0, "average response");
    assert_eq!(m["feedback"], json!({"positive": 1, "negative": 1, "neutral": 0, "satisfaction_rate": 0.5}));
    assert_eq!(
        m["tools"],
        json!([
            {"name": "calculator", "count": 1, "avg_duration_ms": null, "errors": 0},
            {"name": "web_search", "count": 1, "avg_duration_ms": null, "errors": 0}
        ])
    );
    assert_eq!(m["sources"], json!({"api": 3}));
    assert_eq!(m["unique_users"], 3);
    assert_eq!(m["countries"], json!({"unknown": 3}), "Dify exports carry no IP addresses");
}

#[test]
fn workflow_runs_read_naive_times_in_the_zone_given() {
    let ws = Workspace::new();
    let files = [fixture("dify/workflow-runs.csv"), fixture("dify/workflow-runs.jsonl")];
    let report = ws.import(&files);
    assert_eq!(report.files[0].format, "dify-workflow-runs");
    assert_eq!(report.files[1].format, "dify-workflow-runs");
    assert_eq!(report.files[0].rejections[0].position, "workflow-runs.csv row 4");
    let m = dashboard(&ws);
    // wr-1 answered after 3.2 s, wr-10 after 1.5 s; wr-2 failed: a question without answer.
    assert_eq!((m["user_messages"].clone(), m["agent_messages"].clone()), (json!(3), json!(2)));
    close(&m["avg_response_time_ms"], 2350.0, "average response");
    assert_eq!(m["tokens"]["completion"], 192, "150 + 42, Dify's totals read as completion");

    let berlin = Workspace::new();
    let options = FormatOptions { naive_tz: Some(chrono_tz::Europe::Berlin), map: None, files: Vec::new() };
    let mut engine = berlin.engine();
    import_paths_with(engine.store_mut(), &files[..1], &ImportOptions::default(), &options, &mut |_| {}).unwrap();
    let t = berlin.engine().transcript("wr-1").unwrap();
    assert_eq!(t.messages[0].message.timestamp, at("2026-10-10T06:00:00Z"), "08:00 in Berlin is 06:00 UTC");
}
