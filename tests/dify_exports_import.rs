//! Issue 4, Dify: service API messages, the console's conversation list and
//! workflow-run logs (CSV with a byte order mark and naive times, JSON Lines
//! opening with export_info).

mod common;
mod formats_common;
use common::*;
use formats_common::*;
use rapport::import::{import, ImportOptions};
use rapport::metrics::ExchangeRate;
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
    // m-1 is answered when its last agent thought is (2 s); m-2 and m-3 give
    // one time for question and answer: their response time is unknown, not
    // 0 ms, and they still count as exchanges (3 in 2 conversations).
    close(&m["avg_response_time_ms"], 2000.0, "average response");
    close(&m["p95_response_time_ms"], 2000.0, "p95 response");
    close(&m["avg_user_interactions"], 1.5, "exchanges per conversation");
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
/// currency kept with its message, not added to dollars (and not called a
/// rejection: the message is imported); the `feedbacks` list read.
#[test]
fn console_messages_read_usage_currency_and_feedbacks() {
    let ws = Workspace::new();
    let report = ws.import(&[fixture("dify/console-messages.json")]);
    assert_eq!(report.files[0].format, "dify-messages");
    assert_eq!(report.rejected, 0, "{:?}", report.files[0].rejections);

    let m = dashboard(&ws);
    assert_eq!((m["user_messages"].clone(), m["agent_messages"].clone()), (json!(2), json!(2)));
    close(&m["avg_response_time_ms"], (2500.0 + 1500.0) / 2.0, "provider_response_latency");
    // 620 + 300 prompt and 80 + 40 completion, where message_tokens + answer_tokens say 34 and 15.
    assert_eq!((m["tokens"]["prompt"].clone(), m["tokens"]["completion"].clone()), (json!(920), json!(120)));
    close(&m["tokens"]["cost"], 0.0021, "only the price in USD");
    // The end user's like and the operator's dislike.
    assert_eq!(m["feedback"], json!({"positive": 1, "negative": 1, "neutral": 0, "satisfaction_rate": 0.5}));
    let t = ws.engine().transcript("dc-1").unwrap();
    let answer = t.messages.iter().find(|m| m.message.message_id.as_deref() == Some("cm-2:answer")).unwrap();
    assert_eq!(
        (answer.message.cost, answer.message.foreign_cost, answer.message.foreign_currency.as_deref()),
        (None, Some(0.0126), Some("RMB")),
        "kept on its message with its currency"
    );
}

/// Issue 15: a cost in another currency without a rate is left out of the
/// dollars and said (how many messages, which currency) in the metrics;
/// with a rate set in the settings it is converted and counted.
#[test]
fn costs_in_another_currency_are_said_or_converted_with_the_rate_set() {
    let ws = Workspace::new();
    ws.import(&[fixture("dify/console-messages.json")]);
    let m = dashboard(&ws);
    assert_eq!(
        m["costs_left_out"],
        json!([{
            "currency": "RMB",
            "messages": 1,
            "amount": 0.0126,
            "note": "1 message priced in RMB (0.0126 RMB) is not in this total: set a rate in Settings"
        }])
    );
    close(
        &m["daily"].as_array().unwrap().iter().map(|d| d["cost"].as_f64().unwrap()).sum::<f64>().into(),
        0.0021,
        "days",
    );

    let mut engine = ws.engine();
    let mut settings = engine.settings().clone();
    settings.exchange_rates = vec![ExchangeRate { currency: "rmb".into(), usd_per_unit: 0.14 }];
    engine.set_settings(settings).unwrap();
    let m = dashboard(&ws);
    assert_eq!(m["costs_left_out"], json!([]), "a rate leaves nothing out");
    close(&m["tokens"]["cost"], 0.0021 + 0.0126 * 0.14, "0.0126 RMB at 0.14 USD each, added to the dollars");

    let mut engine = ws.engine();
    let mut settings = engine.settings().clone();
    settings.exchange_rates = vec![ExchangeRate { currency: "RMB".into(), usd_per_unit: -1.0 }];
    let refused = engine.set_settings(settings).unwrap_err().to_string();
    assert!(refused.contains("RMB") && refused.contains("above 0"), "{refused}");
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
