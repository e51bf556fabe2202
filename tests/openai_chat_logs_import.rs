//! Issue 4, OpenAI-style chat logs: a conversation a line; system and tool
//! messages kept as neither side; tool calls as actions.

mod common;
mod formats_common;
use common::*;
use formats_common::*;
use rapport::model::Role;
use serde_json::json;

#[test]
fn each_line_is_a_conversation_and_tool_calls_are_actions() {
    let ws = Workspace::new();
    let report = ws.import(&[fixture("openai/chat.jsonl")]);
    assert_eq!(report.files[0].format, "openai-chat");
    let rejected: Vec<&str> = report.files[0].rejections.iter().map(|r| r.position.as_str()).collect();
    assert_eq!(rejected, ["chat.jsonl line 3", "chat.jsonl line 4"], "broken JSON; a chat with no time");
    assert_eq!((report.stored.conversations, report.stored.messages, report.stored.actions), (2, 6, 1));

    let m = dashboard(&ws);
    assert_eq!(
        (m["user_messages"].clone(), m["agent_messages"].clone(), m["total_messages"].clone()),
        (json!(2), json!(2), json!(6))
    );
    // chat-1 has one time for all (0 ms); line 2's messages carry their own (2 s).
    close(&m["avg_response_time_ms"], 1000.0, "average response");
    assert_eq!(m["tools"], json!([{"name": "get_weather", "count": 1, "avg_duration_ms": null, "errors": 0}]));
    assert_eq!((m["tokens"]["prompt"].clone(), m["tokens"]["completion"].clone()), (json!(40), json!(12)));
    assert_eq!(m["unique_users"], 1);

    let t = ws.engine().transcript("chat-1").unwrap();
    let roles: Vec<Role> = t.messages.iter().map(|m| m.message.role).collect();
    assert_eq!(
        roles,
        [Role::System, Role::User, Role::Tool, Role::Agent],
        "the tool-only assistant turn is its action"
    );
    assert_eq!(t.messages[3].message.model.as_deref(), Some("gpt-4o-mini"));
    assert!(ws.engine().transcript("chat.jsonl line 2").is_ok(), "a line without id is named by its place");
}

/// Issue 15: a fine-tuning file has no times: it is no log, and is refused
/// with a sentence saying what Rapport needs, not "imported" into nothing.
#[test]
fn a_fine_tuning_file_is_refused_with_what_rapport_needs() {
    let ws = Workspace::new();
    let report = ws.import(&[fixture("openai/fine-tuning.jsonl")]);
    let file = &report.files[0];
    assert_eq!((file.records, file.rejected), (0, 0), "a refused file adds nothing");
    let error = file.error.as_deref().expect("refused");
    assert!(error.contains("fine-tuning") && error.contains("`created`") && error.contains("`timestamp`"), "{error}");
    assert_eq!(report.stored.conversations, 0);
}

/// A file of one chat is JSON Lines of one line: read as that chat, so a
/// one-line fine-tuning file is refused like a longer one.
#[test]
fn a_file_of_one_chat_is_read_as_one_line() {
    let ws = Workspace::new();
    let one = ws.file(
        "one.jsonl",
        r#"{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}"#,
    );
    let report = ws.import(&[one]);
    let error = report.files[0].error.as_deref().expect("refused");
    assert!(error.contains("fine-tuning"), "{error}");

    let timed = ws.file(
        "timed.jsonl",
        r#"{"created": 1790847000, "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}"#,
    );
    let report = ws.import(&[timed]);
    assert_eq!(report.files[0].error, None);
    assert_eq!(report.stored.messages, 2, "{report:?}");
}
