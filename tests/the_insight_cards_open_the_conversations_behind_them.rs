//! A click on Resolution Rate or Unanswered Questions lists the
//! conversations behind the number: as many resolved conversations as
//! `resolved_conversations` counts, and every conversation that holds one of
//! the unanswered questions `unanswered_questions` counts.

mod common;
use common::*;
use rapport::metrics::{Drill, ListOptions, Settings};

/// Conversations whose one question gets an answer, a fallback answer, no
/// answer at all, or an answer followed by an escalation or negative feedback.
fn mixed(n: usize) -> String {
    let mut out = String::new();
    for i in 0..n {
        let c = format!("c{i}");
        let t = |s: u32| format!("2026-10-0{}T10:{:02}:{:02}Z", 2 + i % 5, i % 60, s);
        out.push_str(&format!(
            "{{\"type\":\"message\",\"conversation_id\":\"{c}\",\"message_id\":\"u\",\"role\":\"user\",\"timestamp\":\"{}\",\"content\":\"Where is parcel {}?\"}}\n",
            t(0),
            i % 7
        ));
        match i % 5 {
            0 => {}
            1 => out.push_str(&format!(
                "{{\"type\":\"message\",\"conversation_id\":\"{c}\",\"message_id\":\"a\",\"role\":\"agent\",\"timestamp\":\"{}\",\"content\":\"I'm not sure.\"}}\n",
                t(5)
            )),
            _ => out.push_str(&format!(
                "{{\"type\":\"message\",\"conversation_id\":\"{c}\",\"message_id\":\"a\",\"role\":\"agent\",\"timestamp\":\"{}\",\"content\":\"It arrives today.\"}}\n",
                t(5)
            )),
        }
        if i % 5 == 3 {
            out.push_str(&format!(
                "{{\"type\":\"action\",\"conversation_id\":\"{c}\",\"action_id\":\"e\",\"name\":\"contact_human\",\"started_at\":\"{}\"}}\n",
                t(7)
            ));
        }
        if i % 5 == 4 && i % 2 == 0 {
            out.push_str(&format!(
                "{{\"type\":\"feedback\",\"conversation_id\":\"{c}\",\"feedback_id\":\"f\",\"rating\":\"negative\",\"timestamp\":\"{}\"}}\n",
                t(9)
            ));
        }
    }
    out
}

#[test]
fn resolution_rate_and_unanswered_questions_open_the_conversations_behind_them() {
    let ws = Workspace::new();
    ws.import(&[ws.file("m.jsonl", mixed(200))]);
    let mut engine = ws.engine();
    let settings = Settings::default();
    for q in [autumn("UTC"), query("2026-10-03T00:00:00Z", "2026-10-05T00:00:00Z", "Asia/Tokyo", &[])] {
        let m = engine.dashboard(&q, &settings).unwrap().current;
        let insights = m.insights.0.clone().expect("Insights on SQLite");
        let list = |engine: &mut rapport::engine::Engine, drill: Drill| {
            let options = ListOptions { drill: Some(&drill), limit: 10_000, ..Default::default() };
            engine.conversations_with(&q, &settings, &options).unwrap()
        };
        let resolved = list(&mut engine, Drill::Resolved);
        assert!(insights.resolved_conversations > 0, "some are resolved");
        assert_eq!(resolved.total, insights.resolved_conversations, "{q:?}");
        let unresolved = list(&mut engine, Drill::Unresolved);
        // One question per conversation here: one conversation per unanswered question.
        assert!(insights.unanswered_questions > 0, "some are unanswered");
        assert_eq!(unresolved.total, insights.unanswered_questions, "{q:?}");
        for r in &unresolved.rows {
            let i: usize = r.conversation_id[1..].parse().unwrap();
            assert!(i % 5 <= 1, "{} got an answer", r.conversation_id);
        }
        for r in &resolved.rows {
            let i: usize = r.conversation_id[1..].parse().unwrap();
            assert!(i % 5 != 3, "{} was escalated", r.conversation_id);
            assert!(i % 10 != 4, "{} got negative feedback", r.conversation_id);
        }
    }
}
