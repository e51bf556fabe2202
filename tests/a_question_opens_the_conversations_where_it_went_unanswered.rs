//! A row of Top Unanswered Questions opens the conversations in which that
//! question was asked and went unanswered: not every conversation that says
//! its words (`text=`), only those where it was the question and got no
//! answer, or an answer with a fallback phrase.

mod common;
use common::*;
use rapport::metrics::{ConversationPage, Drill, ListOptions};
use std::process::Command;

/// One conversation: its source, then its messages as (second, role, text).
fn conversation(id: &str, source: &str, day: u32, messages: &[(u32, &str, &str)]) -> String {
    let mut out = serde_json::json!({"type": "conversation", "conversation_id": id,
        "started_at": format!("2026-10-{day:02}T10:00:00Z"), "source": source})
    .to_string()
        + "\n";
    for (n, (second, role, content)) in messages.iter().enumerate() {
        out += &(serde_json::json!({"type": "message", "conversation_id": id, "message_id": format!("m{n}"),
            "role": role, "timestamp": format!("2026-10-{day:02}T10:00:{second:02}Z"), "content": content})
        .to_string()
            + "\n");
    }
    out
}

fn events() -> String {
    [
        // Asked, and the agent admits not knowing: unanswered.
        conversation("fallback", "web", 2, &[(1, "user", "Can I pay by cheque?"), (2, "agent", "I'm not sure.")]),
        // Asked, in other case and punctuation, and nothing follows: unanswered.
        conversation("silence", "whatsapp", 3, &[(1, "user", "can I pay by CHEQUE")]),
        // Asked and answered: says the question, but is not behind its row.
        conversation("answered", "web", 4, &[(1, "user", "Can I pay by cheque?"), (2, "agent", "Yes, by post.")]),
        // Says it, but a later user message is the question (a run's last asks).
        conversation("superseded", "web", 5, &[(1, "user", "Can I pay by cheque?"), (2, "user", "Hello?")]),
        // The agent says it, not the user.
        conversation("agent-says", "web", 6, &[(1, "user", "Hi"), (2, "agent", "Can I pay by cheque? I do not know.")]),
        // A longer question that contains it is another question.
        conversation("longer", "web", 7, &[(1, "user", "Can I pay by cheque today?")]),
        // Asked and unanswered, but before the period.
        conversation("earlier", "web", 1, &[(1, "user", "Can I pay by cheque?")]),
    ]
    .concat()
}

fn ids(page: &ConversationPage) -> Vec<&str> {
    let mut ids: Vec<&str> = page.rows.iter().map(|r| r.conversation_id.as_str()).collect();
    ids.sort_unstable();
    ids
}

fn asked(question: &str) -> Drill {
    Drill::Unanswered { question: question.to_owned() }
}

fn options(drill: &Drill) -> ListOptions<'_> {
    ListOptions { drill: Some(drill), limit: 100, ..Default::default() }
}

#[test]
fn only_conversations_where_the_question_was_asked_and_went_unanswered_are_listed() {
    let ws = Workspace::new();
    ws.import(&[ws.file("events.jsonl", events())]);
    let mut engine = ws.engine();
    let q = query("2026-10-02T00:00:00Z", "2026-11-01T00:00:00Z", "UTC", &[]);

    let drill = asked("can i pay by cheque");
    let page = engine.conversations(&q, &options(&drill)).unwrap();
    assert_eq!(ids(&page), ["fallback", "silence"]);
    assert_eq!(page.total, 2);

    // Its row on the card counts the same questions.
    let m = metrics(&mut engine, &q);
    let top = m.insights.0.expect("a SQLite store counts the Insights").top_unanswered;
    let row = top.iter().find(|t| t.text == "can i pay by cheque").expect("the question is listed");
    assert_eq!(row.count, 2);

    // The text filter finds every conversation that says it: more than these.
    let said = query("2026-10-02T00:00:00Z", "2026-11-01T00:00:00Z", "UTC", &[("text", "can i pay by cheque")]);
    let all = engine.conversations(&said, &ListOptions { limit: 100, ..Default::default() }).unwrap();
    assert_eq!(ids(&all), ["agent-says", "answered", "fallback", "longer", "silence", "superseded"]);
}

#[test]
fn the_question_is_matched_by_its_words_as_the_card_groups_it() {
    let ws = Workspace::new();
    ws.import(&[ws.file("events.jsonl", events())]);
    let mut engine = ws.engine();
    let q = query("2026-10-02T00:00:00Z", "2026-11-01T00:00:00Z", "UTC", &[]);
    let page = engine.conversations(&q, &options(&asked("  CAN I PAY, by Cheque?? "))).unwrap();
    assert_eq!(ids(&page), ["fallback", "silence"]);
    let page = engine.conversations(&q, &options(&asked("can i pay"))).unwrap();
    assert_eq!(page.total, 0, "a part of a question is not the question");
}

#[test]
fn the_filters_and_the_period_narrow_the_list() {
    let ws = Workspace::new();
    ws.import(&[ws.file("events.jsonl", events())]);
    let mut engine = ws.engine();
    let drill = asked("can i pay by cheque");
    let web = query("2026-10-02T00:00:00Z", "2026-11-01T00:00:00Z", "UTC", &[("source", "web")]);
    assert_eq!(ids(&engine.conversations(&web, &options(&drill)).unwrap()), ["fallback"]);
    let wider = query("2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z", "UTC", &[]);
    assert_eq!(ids(&engine.conversations(&wider, &options(&drill)).unwrap()), ["earlier", "fallback", "silence"]);
}

#[test]
fn the_command_line_lists_the_same_conversations_with_its_own_fallback_phrases() {
    let ws = Workspace::new();
    ws.import(&[ws.file("events.jsonl", events())]);
    let run = |extra: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_rapport"))
            .arg("--db")
            .arg(ws.db())
            .args(["conversations", "--from", "2026-10-02", "--to", "2026-11-01", "--unanswered"])
            .arg("Can I pay by cheque?")
            .args(extra)
            .output()
            .expect("rapport runs");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let mut ids: Vec<String> =
            String::from_utf8(out.stdout).unwrap().lines().map(|l| l.split('\t').next().unwrap().to_owned()).collect();
        ids.sort();
        ids
    };
    assert_eq!(run(&[]), ["fallback", "silence"]);
    // With "yes, by post" a fallback phrase, the answered one went unanswered too.
    assert_eq!(run(&["--fallback", "yes by post"]), ["answered", "silence"]);

    let refused = Command::new(env!("CARGO_BIN_EXE_rapport"))
        .arg("--db")
        .arg(ws.db())
        .args(["conversations", "--from", "2026-10-02", "--to", "2026-11-01", "--unanswered", "?!"])
        .output()
        .expect("rapport runs");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("no word"));
}
