//! Issue 4, Dify: service API messages, the console's conversation list and
//! workflow-run logs (CSV with a byte order mark and naive times, JSON Lines
//! opening with export_info).

mod common;
mod formats_common;
use common::*;
use formats_common::*;
use rapport::import::{import, ImportOptions};
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
    let options = ImportOptions { naive_tz: Some(chrono_tz::Europe::Berlin), ..ImportOptions::default() };
    let mut engine = berlin.engine();
    import(engine.store_mut(), &files[..1], &options, &mut |_| {}).unwrap();
    let t = berlin.engine().transcript("wr-1").unwrap();
    assert_eq!(t.messages[0].message.timestamp, at("2026-10-10T06:00:00Z"), "08:00 in Berlin is 06:00 UTC");
}

/// Issue 15: the console's messages: tokens from `metadata.usage` (what the
/// model counted), not `message_tokens`/`answer_tokens`; a price in another
/// currency kept with it, not added to dollars; the `feedbacks` list read.
#[test]
fn console_messages_read_usage_currency_and_feedbacks() {
    let ws = Workspace::new();
    let report = ws.import(&[fixture("dify/console-messages.json")]);
    assert_eq!(report.files[0].format, "dify-messages");
    let reasons: Vec<&str> = report.files[0].rejections.iter().map(|r| r.reason.as_str()).collect();
    assert_eq!(reasons.len(), 1, "{reasons:?}");
    assert!(reasons[0].contains("0.0126 RMB") && reasons[0].contains("not in US dollars"), "{reasons:?}");

    let m = dashboard(&ws);
    assert_eq!((m["user_messages"].clone(), m["agent_messages"].clone()), (json!(2), json!(2)));
    close(&m["avg_response_time_ms"], (2500.0 + 1500.0) / 2.0, "provider_response_latency");
    // 620 + 300 prompt and 80 + 40 completion, where message_tokens + answer_tokens say 34 and 15.
    assert_eq!((m["tokens"]["prompt"].clone(), m["tokens"]["completion"].clone()), (json!(920), json!(120)));
    close(&m["tokens"]["cost"], 0.0021, "only the price in USD");
    // The end user's like and the operator's dislike.
    assert_eq!(m["feedback"], json!({"positive": 1, "negative": 1, "neutral": 0, "satisfaction_rate": 0.5}));
    let t = ws.engine().transcript("dc-1").unwrap();
    assert_eq!(t.metadata.unwrap()["cost in RMB (cm-2:answer)"], json!(0.0126), "kept with its currency");
}

/// Issue 15: the service API's GET /v1/conversations.
#[test]
fn the_service_api_conversation_list_imports() {
    let ws = Workspace::new();
    let report = ws.import(&[fixture("dify/service-conversations.json")]);
    assert_eq!(report.files[0].format, "dify-conversations");
    assert_eq!(report.rejected, 0);
    let m = dashboard(&ws);
    assert_eq!(
        (m["total_conversations"].clone(), m["visits"].clone()),
        (json!(2), json!(2)),
        "no messages yet: visits"
    );
    let t = ws.engine().transcript("sc-1").unwrap();
    assert_eq!(t.started_at, Some(at("2026-10-10T11:00:00Z")));
    assert_eq!(t.metadata.unwrap()["name"], json!("Refund question"));
}

/// Issue 15: the workflow logs API gives runs without inputs or outputs; each
/// is still a conversation of its day, and a run that succeeded answered.
#[test]
fn workflow_logs_keep_their_times() {
    let ws = Workspace::new();
    let report = ws.import(&[fixture("dify/workflow-logs.json")]);
    assert_eq!(report.files[0].format, "dify-workflow-runs");
    assert_eq!(report.rejected, 0);
    let m = dashboard(&ws);
    assert_eq!(m["total_conversations"], 2, "both runs are on the dashboard");
    assert_eq!((m["user_messages"].clone(), m["agent_messages"].clone()), (json!(0), json!(1)), "run-2 failed");
    assert_eq!(m["tokens"]["completion"], 512);
    let t = ws.engine().transcript("run-1").unwrap();
    assert_eq!((t.started_at, t.ended_at), (Some(at("2026-10-11T10:00:00Z")), Some(at("2026-10-11T10:00:04Z"))));
    assert_eq!(t.customer_id.as_deref(), Some("sess-31"));
    let failed = ws.engine().transcript("run-2").unwrap();
    assert_eq!(failed.ended_at, Some(at("2026-10-11T10:10:30Z")));
}
