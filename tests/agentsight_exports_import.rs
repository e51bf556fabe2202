//! Issue 4, AgentSight: SDK export files (made by running agentsight 0.1.4's
//! file exporter, see tests/fixtures/formats/agentsight/make_fixtures.py) and
//! history import files, version 1.

mod common;
mod formats_common;
use common::*;
use formats_common::*;
use serde_json::json;

#[test]
fn sdk_exports_merge_a_conversation_split_over_files_and_count_what_the_product_shows() {
    let ws = Workspace::new();
    let report = ws.import(&[fixture("agentsight/sdk")]);
    let formats: Vec<&str> = report.files.iter().map(|f| f.format.as_str()).collect();
    assert_eq!(formats, ["agentsight-sdk"; 3]);
    // The abandoned turn is left out, as AgentSight hides it, and said so.
    assert_eq!(report.rejected, 1);
    let r = &report.files[1].rejections[0];
    assert_eq!(r.position, "export-0002.json conversation 1 span 4");
    assert!(r.reason.contains("incomplete (abandoned)"), "{}", r.reason);
    assert_eq!((report.stored.conversations, report.stored.messages, report.stored.actions), (3, 7, 3));

    let m = dashboard(&ws);
    // as-1: 2 turns (user+agent, user+agent+agent); as-2 opened only (a visit); as-3: user+agent.
    assert_eq!(
        (m["total_messages"].clone(), m["user_messages"].clone(), m["agent_messages"].clone()),
        (json!(7), json!(3), json!(4))
    );
    assert_eq!(
        (m["total_conversations"].clone(), m["interactions"].clone(), m["visits"].clone()),
        (json!(3), json!(2), json!(1))
    );
    // Response times 1700, 1500 (the second agent message answers no one) and 300 ms.
    close(&m["avg_response_time_ms"], 3500.0 / 3.0, "average response");
    close(&m["p50_response_time_ms"], 1500.0, "median response");
    close(&m["p95_response_time_ms"], 1700.0, "p95 response");
    // as-1 from conversation_opened (09:00:00) to its last message (09:01:02); as-3 0.3 s.
    close(&m["avg_conversation_duration_s"], (62.0 + 0.3) / 2.0, "duration");
    // prompt = input + cache read + cache write: (120 + 40 + 10) + 200; completion 35 + 15.
    assert_eq!(m["tokens"]["prompt"], 370);
    assert_eq!(m["tokens"]["completion"], 50);
    assert_eq!(
        m["tools"],
        json!([
            {"name": "lookup_order", "count": 1, "avg_duration_ms": 250.0, "errors": 0},
            {"name": "open_ticket", "count": 1, "avg_duration_ms": 100.0, "errors": 1},
            {"name": "summarise", "count": 1, "avg_duration_ms": 200.0, "errors": 0}
        ])
    );
    assert_eq!(m["escalated_conversations"], 1, "open_ticket is an escalation tool");
    assert_eq!(m["devices"], json!({"desktop": 1, "mobile": 1, "unknown": 1}));
    assert_eq!(m["sources"], json!({"unknown": 1, "web": 1, "whatsapp": 1}));
    assert_eq!(m["languages"], json!({"en-GB": 1, "unknown": 2}));

    // The tokens go to the last agent message of their turn, with the model.
    let t = ws.engine().transcript("as-1").unwrap();
    let last = t.messages.last().unwrap();
    assert_eq!(last.message.content.as_deref(), Some("A colleague will write to you."));
    assert_eq!((last.message.prompt_tokens, last.message.completion_tokens), (Some(200), Some(15)));
    assert_eq!(last.message.model.as_deref(), Some("gpt-4o-mini"));
    let meta = t.metadata.unwrap();
    assert_eq!(
        (meta["environment"].as_str(), meta["plan"].as_str()),
        (Some("production"), Some("pro")),
        "environment is kept"
    );
}

#[test]
fn reimporting_sdk_exports_changes_nothing() {
    let ws = Workspace::new();
    let first = ws.import(&[fixture("agentsight/sdk")]);
    let again = ws.import(&[fixture("agentsight/sdk")]);
    assert_eq!(first.stored, again.stored);
    assert_eq!(dashboard(&ws)["total_messages"], 7);
}

#[test]
fn a_broken_span_is_reported_and_the_rest_of_the_batch_imports() {
    let ws = Workspace::new();
    let text = std::fs::read_to_string(fixture("agentsight/sdk/export-0001.json")).unwrap();
    let broken =
        text.replacen("\"agentsight.message.sender\": \"agent\"", "\"agentsight.message.sender\": \"robot\"", 1);
    assert_ne!(text, broken);
    let report = ws.import(&[ws.file("batch.json", broken)]);
    assert_eq!(report.files[0].format, "agentsight-sdk");
    // The message, and the LLM call whose tokens now have no agent message to go with.
    assert_eq!(report.rejected, 2);
    let r = &report.files[0].rejections;
    assert_eq!(r[0].position, "batch.json conversation 1 span 2");
    assert!(r[0].reason.contains("role \"robot\""), "{}", r[0].reason);
    assert_eq!(r[1].position, "batch.json conversation 1 span 4");
    assert!(r[1].reason.contains("has no agent message"), "{}", r[1].reason);
    assert_eq!((report.stored.messages, report.stored.actions), (1, 1), "the user message and the tool call went in");
}

#[test]
fn history_files_map_senders_and_report_the_ones_they_cannot() {
    let ws = Workspace::new();
    let report = ws.import(&[fixture("agentsight/history-v1.json")]);
    assert_eq!(report.files[0].format, "agentsight-history-v1");
    assert_eq!(report.rejected, 1);
    assert_eq!(report.files[0].rejections[0].position, "history-v1.json conversation 2 message 2");
    let m = dashboard(&ws);
    assert_eq!((m["total_messages"].clone(), m["user_messages"].clone()), (json!(6), json!(3)));
    // 2500 and 1000 ms in h-1, 1000 ms in h-2.
    close(&m["avg_response_time_ms"], 1500.0, "average response");
    close(&m["p50_response_time_ms"], 1000.0, "median response");
    // h-1 from 08:00:00 to 08:01:01, h-2 (started 09:00+02:00) to 07:00:06Z.
    close(&m["avg_conversation_duration_s"], (61.0 + 6.0) / 2.0, "duration");
    assert_eq!(m["languages"], json!({"pt-BR": 1, "unknown": 1}));
    assert_eq!(m["devices"], json!({"mobile": 1, "unknown": 1}));
    assert_eq!(m["unique_users"], 1);
}

#[test]
fn a_history_file_of_another_version_is_refused_whole() {
    let ws = Workspace::new();
    let file = ws.file("v2.json", r#"{"schema_version": 2, "conversations": [{"conversation_id": "x", "started_at": "2026-10-01T00:00:00Z", "messages": []}]}"#);
    let report = ws.import(&[file]);
    assert!(report.files[0].error.as_deref().unwrap().contains("schema_version 2"));
    assert_eq!(report.stored.conversations, 0);
}
