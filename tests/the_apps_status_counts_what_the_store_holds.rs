//! The app's status (what the store holds: counts, first and last message)
//! is counted from the engine's facts instead of from every row of the
//! store; it must say what the store's rows say: after the facts are read
//! back, built, and brought up to date after an import that adds records
//! and replaces some.

mod common;
use common::*;
use rapport::demo::DemoOptions;
use rapport::engine::Engine;
use rapport::store::facts_path;

fn assert_same_status(engine: &mut Engine, when: &str) {
    let from_rows = serde_json::to_value(engine.status().unwrap()).unwrap();
    let from_facts = serde_json::to_value(engine.status_from_facts().unwrap()).unwrap();
    assert_eq!(from_facts, from_rows, "{when}: the status from the facts differs from the store's rows");
}

/// Records for demo conversations already stored (a message replaced, one
/// added, a tool call, feedback) and new conversations, one of them with a
/// message earlier than any stored.
fn changes() -> String {
    let mut out = String::new();
    for i in 1..=20 {
        let c = format!("demo-{i:06}");
        out.push_str(&format!(
            "{{\"type\":\"message\",\"conversation_id\":\"{c}\",\"message_id\":\"late-u\",\"role\":\"user\",\"timestamp\":\"2026-10-20T08:00:0{}Z\",\"content\":\"one more thing\"}}\n\
             {{\"type\":\"action\",\"conversation_id\":\"{c}\",\"action_id\":\"late\",\"name\":\"escalate_to_human\",\"started_at\":\"2026-10-20T08:00:10Z\",\"duration_ms\":40}}\n\
             {{\"type\":\"feedback\",\"conversation_id\":\"{c}\",\"feedback_id\":\"late\",\"rating\":\"positive\",\"timestamp\":\"2026-10-20T08:01:00Z\"}}\n",
            i % 10,
        ));
    }
    out.push_str(
        "{\"type\":\"message\",\"conversation_id\":\"early-1\",\"message_id\":\"m1\",\"role\":\"user\",\"timestamp\":\"2020-01-02T03:04:05Z\",\"content\":\"hello\"}\n",
    );
    out.push_str(&conversations_jsonl(15, "fresh-"));
    out
}

#[test]
fn the_status_counted_from_the_facts_is_the_stores() {
    let ws = Workspace::new();
    {
        let mut engine = ws.engine();
        engine.load_demo(&DemoOptions { conversations: 400, seed: 3, end: at("2026-11-01T00:00:00Z") }).unwrap();
        assert_same_status(&mut engine, "facts built from every row");
    }
    assert!(facts_path(&ws.db()).exists(), "the facts were kept");
    let mut engine = ws.engine();
    assert_same_status(&mut engine, "facts read back");
    let before = engine.status_from_facts().unwrap();
    engine.import(&[ws.file("changes.jsonl", changes())], &Default::default(), &mut |_| {}).unwrap();
    assert_same_status(&mut engine, "facts brought up to date after an import");
    let after = engine.status_from_facts().unwrap();
    assert_eq!(after.stored.conversations, before.stored.conversations + 16, "16 new conversations");
    assert!(after.first_message < before.first_message, "the new earliest message is the first");
    // Again, the same file: records replaced, nothing added.
    engine.import(&[ws.file("again.jsonl", changes())], &Default::default(), &mut |_| {}).unwrap();
    assert_same_status(&mut engine, "facts brought up to date after a file imported again");
    assert_eq!(engine.status_from_facts().unwrap().stored, after.stored);
}

#[test]
fn an_empty_store_counts_nothing() {
    let ws = Workspace::new();
    let mut engine = ws.engine();
    assert_same_status(&mut engine, "an empty store");
    assert_eq!(engine.status_from_facts().unwrap().first_message, None);
}
