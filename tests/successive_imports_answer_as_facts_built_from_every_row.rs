//! After each of several small imports, the facts brought up to date (the
//! changed conversations' facts in a second run beside the first, those they
//! replace left out: `metrics::delta`) answer every question as facts built
//! from every row do, key by key and row by row: dashboards with filters
//! and a second segment, lists in every order and behind every drill,
//! searches and the text filter, Insights, topics, the latest comments, and
//! what the store holds. Records are replaced in place, conversations
//! re-imported (in the first run and in the second), a conversation moves
//! in time, new users and names arrive. The same holds in the next process,
//! brought up to date from the facts kept before all of the imports.

mod common;
use common::*;
use rapport::demo::DemoOptions;
use rapport::engine::Engine;
use rapport::metrics::{Drill, ListOptions, Query, SortKey};
use rapport::store::facts_path;
use serde_json::{json, Value};

fn queries() -> Vec<Query> {
    let mut segment = rapport::metrics::Filters::default();
    segment.add("source", "kiosk").unwrap();
    let mut with_segment = query("2026-09-01T00:00:00Z", "2026-11-01T00:00:00Z", "UTC", &[]).compared();
    with_segment.segment = Some(segment);
    vec![
        with_segment,
        query("2026-09-02T00:00:00Z", "2026-11-01T00:00:00Z", "Europe/Berlin", &[]).compared(),
        // Not on a quarter hour: read message by message.
        query("2026-10-19T23:59:59Z", "2026-10-21T00:00:07Z", "Asia/Kolkata", &[]),
        query("2026-09-01T00:00:00Z", "2026-11-01T00:00:00Z", "America/New_York", &[("source", "kiosk")]),
        query("2026-09-01T00:00:00Z", "2026-11-01T00:00:00Z", "UTC", &[("device", "other"), ("device", "mobile")]),
        query("2026-09-01T00:00:00Z", "2026-11-01T00:00:00Z", "UTC", &[("customer_id", "newcomer-3")]),
        query("2026-09-01T00:00:00Z", "2026-11-01T00:00:00Z", "UTC", &[("environment", "staging")]),
        query("2026-09-01T00:00:00Z", "2026-11-01T00:00:00Z", "UTC", &[("text", "quantum refund")]),
        query("2026-09-01T00:00:00Z", "2026-11-01T00:00:00Z", "UTC", &[("language", "eo")]),
    ]
}

/// Everything the engine answers about the store, as JSON.
fn answers(engine: &mut Engine) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for (i, q) in queries().iter().enumerate() {
        let view = engine.dashboard_view(q).unwrap();
        let question = view.dashboard.current.insights.0.as_ref().and_then(|i| i.top_unanswered.first().cloned());
        out.push((format!("query {i} dashboard"), serde_json::to_value(&view).unwrap()));
        let tool = view.dashboard.current.tools.first().map(|t| t.name.clone());
        let day = view.dashboard.current.daily.iter().find(|d| d.messages > 0).map(|d| d.date.clone());
        let mut drills = vec![
            Drill::Hour { weekday: 1, hour: 8 },
            Drill::Unresolved,
            Drill::Resolved,
            Drill::Tool { name: "escalate_to_human".into() },
        ];
        drills.extend(tool.map(|name| Drill::Tool { name }));
        drills.extend(day.map(|date| Drill::Day { date }));
        drills.extend(question.map(|q| Drill::Unanswered { question: q.text }));
        for sort in SortKey::ALL {
            for descending in [false, true] {
                let options = ListOptions { sort, descending, limit: 5000, ..ListOptions::default() };
                let page = engine.conversations(q, &options).unwrap();
                out.push((format!("query {i} list {sort:?} {descending}"), serde_json::to_value(&page).unwrap()));
            }
        }
        for drill in &drills {
            let options = ListOptions { drill: Some(drill), limit: 5000, ..ListOptions::default() };
            let page = engine.conversations(q, &options).unwrap();
            out.push((format!("query {i} drill {drill:?}"), serde_json::to_value(&page).unwrap()));
        }
        let options = ListOptions { search: "newcomer", limit: 5000, ..ListOptions::default() };
        out.push((
            format!("query {i} search"),
            serde_json::to_value(engine.conversations(q, &options).unwrap()).unwrap(),
        ));
        let hits = engine.search(q, "quantum refund", 50).unwrap();
        out.push((format!("query {i} text search"), serde_json::to_value(&hits).unwrap()));
        out.push((format!("query {i} topics"), serde_json::to_value(engine.topics(q).unwrap()).unwrap()));
    }
    for id in ["demo-000003", "demo-000300", "fresh-2-1", "newcomer-conv-1"] {
        let transcript = engine.transcript(id).map(|t| serde_json::to_value(t).unwrap()).unwrap_or(Value::Null);
        out.push((format!("transcript {id}"), transcript));
    }
    let status = engine.status_from_facts().unwrap();
    out.push(("status".into(), json!([status.stored, status.first_message, status.last_message])));
    out
}

/// A store's answers from facts built from every row of it (none kept).
fn rebuilt(ws: &Workspace) -> Vec<(String, Value)> {
    let _ = std::fs::remove_file(facts_path(&ws.db()));
    let mut engine = ws.engine();
    let built = answers(&mut engine);
    assert!(!engine.facts().unwrap().has_delta());
    built
}

fn assert_same(updated: &[(String, Value)], built: &[(String, Value)], when: &str) {
    assert_eq!(updated.len(), built.len(), "{when}");
    for ((what, a), (_, b)) in updated.iter().zip(built) {
        assert!(a == b, "{when}: {what} differs from facts built from every row:\n{a}\nvs\n{b}");
    }
}

fn line(v: Value) -> String {
    v.to_string() + "\n"
}

/// Records replacing demo ones in place (more messages in two models, a
/// fallback answer, tool calls, commented feedback), and new conversations
/// of new users with new names; `round` makes each import's its own.
fn changes(round: u32, replaced: std::ops::RangeInclusive<u32>, fresh: u32) -> String {
    let mut out = String::new();
    for i in replaced {
        let c = format!("demo-{i:06}");
        let t = format!("2026-10-20T08:{:02}:{:02}", 10 * round + i % 7, i % 60);
        out += &line(json!({"type": "message", "conversation_id": c, "message_id": format!("r{round}-u"),
            "role": "user", "timestamp": format!("{t}Z"), "content": "Can I get a quantum refund?"}));
        out += &line(json!({"type": "message", "conversation_id": c, "message_id": format!("r{round}-a"),
            "role": "agent", "timestamp": format!("{t}.5Z"), "model": "gpt-late",
            "content": "I'm not sure about quantum refunds.", "prompt_tokens": 100 + i,
            "completion_tokens": 7, "cost": 0.1 + f64::from(i) * 0.013}));
        out += &line(json!({"type": "message", "conversation_id": c, "message_id": format!("r{round}-b"),
            "role": "agent", "timestamp": format!("{t}.7Z"), "model": "gpt-other",
            "content": "Let me check.", "prompt_tokens": 10, "completion_tokens": i, "cost": 0.07 / f64::from(i)}));
        out += &line(json!({"type": "action", "conversation_id": c, "action_id": format!("r{round}"),
            "name": if i % 2 == 0 { "escalate_to_human" } else { "lookup_order" },
            "started_at": format!("{t}.6Z"), "duration_ms": 10.0 / f64::from(i + round)}));
        out += &line(json!({"type": "feedback", "conversation_id": c, "feedback_id": format!("r{round}"),
            "rating": if i % 3 == 0 { "negative" } else { "positive" }, "comment": format!("round {round} of {i}"),
            "timestamp": format!("{t}.9Z")}));
        // The latest comments, all at one instant: told apart by row.
        out += &line(json!({"type": "feedback", "conversation_id": c, "feedback_id": format!("r{round}-late"),
            "rating": "neutral", "comment": format!("round {round} late {i}"),
            "timestamp": format!("2026-10-31T23:59:{:02}Z", 30 + round)}));
    }
    for k in 0..fresh {
        let c = format!("fresh-{round}-{k}");
        let t = format!("2026-10-{:02}T{:02}:15:00", 3 + k % 20, k % 24);
        out += &line(json!({"type": "conversation", "conversation_id": c, "customer_id": format!("newcomer-{k}"),
            "device": if k % 2 == 0 { "Smartwatch" } else { "mobile" }, "source": "kiosk", "language": "eo",
            "customer_ip_address": "8.8.8.8", "metadata": {"environment": "staging"}}));
        out += &line(json!({"type": "message", "conversation_id": c, "message_id": "u", "role": "user",
            "timestamp": format!("{t}Z"), "content": "Where is my quantum refund?"}));
        out += &line(json!({"type": "message", "conversation_id": c, "message_id": "a", "role": "agent",
            "timestamp": format!("{t}.25Z"), "model": "gpt-late", "content": "On its way.",
            "prompt_tokens": 5, "completion_tokens": 5, "cost": 0.003 * f64::from(k + 1)}));
        out += &line(json!({"type": "feedback", "conversation_id": c, "feedback_id": "f", "rating": "positive",
            "comment": format!("fresh {round} {k}"), "timestamp": format!("{t}.5Z")}));
        out += &line(json!({"type": "feedback", "conversation_id": c, "feedback_id": "late", "rating": "positive",
            "comment": format!("fresh {round} {k} late"), "timestamp": format!("2026-10-31T23:59:{:02}Z", 30 + round)}));
    }
    out
}

/// Each import of the test: its file's lines.
fn imports() -> Vec<String> {
    let mut second = changes(2, 5..=12, 4);
    // A conversation of the base moves in time, another gets a new user;
    // one of the first import's new conversations is re-imported changed.
    second += &line(json!({"type": "conversation", "conversation_id": "demo-000300",
        "started_at": "2026-09-01T00:30:00Z", "source": "kiosk"}));
    second += &line(json!({"type": "conversation", "conversation_id": "demo-000301",
        "customer_id": "newcomer-3", "device": "desktop"}));
    second += &line(json!({"type": "message", "conversation_id": "fresh-1-2", "message_id": "u2", "role": "user",
        "timestamp": "2026-10-30T23:59:00Z", "content": "And the quantum refund?"}));
    second += &line(json!({"type": "conversation", "conversation_id": "newcomer-conv-1", "customer_id": "newcomer-1"}));
    // The first import's first conversation, replaced again; a
    // conversation the second moved, moved back later.
    let mut third = changes(3, 1..=2, 1);
    third += &line(json!({"type": "conversation", "conversation_id": "demo-000300",
        "started_at": "2026-10-31T23:50:00Z", "ended_at": "2026-10-31T23:55:00Z"}));
    vec![changes(1, 1..=8, 6), second, third]
}

fn demo(ws: &Workspace) {
    let end = at("2026-11-01T00:00:00Z");
    ws.engine().load_demo(&DemoOptions { conversations: 1500, seed: 7, end }).unwrap();
    // Comments at the instant of the first import's latest ones, in
    // conversations it leaves alone: ties between the two runs.
    let mut base = String::new();
    for i in 1000..1004 {
        base += &line(json!({"type": "feedback", "conversation_id": format!("demo-{i:06}"), "feedback_id": "tie",
            "rating": "negative", "comment": format!("base late {i}"), "timestamp": "2026-10-31T23:59:31Z"}));
    }
    ws.import(&[ws.file("base.jsonl", base)]);
}

#[test]
fn facts_brought_up_to_date_by_successive_imports_answer_as_facts_built_from_every_row() {
    let ws = Workspace::new();
    demo(&ws);
    let mut engine = ws.engine();
    let before = answers(&mut engine);
    let kept = std::fs::read(facts_path(&ws.db())).unwrap();
    for (n, lines) in imports().into_iter().enumerate() {
        let file = ws.file(&format!("import-{n}.jsonl"), lines);
        engine.import(std::slice::from_ref(&file), &Default::default(), &mut |_| {}).unwrap();
        let updated = answers(&mut engine);
        assert!(engine.facts().unwrap().has_delta(), "import {n}: the changed facts are a second run");
        assert_same(&updated, &rebuilt(&ws), &format!("after import {n}"));
        if n == 0 {
            assert_ne!(updated, before, "the import changes the answers");
            let of = |what: &str| &updated.iter().find(|(w, _)| w == what).unwrap().1;
            assert!(!of("query 7 text search").as_array().unwrap().is_empty(), "the text search finds the new words");
            assert!(of("query 5 dashboard")["total_conversations"].as_u64().unwrap() > 0, "a new user's conversations");
            assert!(of("query 3 list StartedAt false")["total"].as_u64().unwrap() > 0, "a new source's");
            assert!(updated
                .iter()
                .any(|(w, v)| w.starts_with("query 0 drill Unanswered") && v["total"].as_u64() > Some(0)));
            assert!(
                of("query 0 dashboard")["extras"]["latest_comments"].to_string().contains("round 1"),
                "the new comments"
            );
        }
        // The same file again (records replaced by themselves).
        engine.import(&[file], &Default::default(), &mut |_| {}).unwrap();
        assert_same(&answers(&mut engine), &updated, &format!("after import {n} again"));
    }

    // The next process, from the facts kept before every import: each
    // change since then in one update.
    let rebuilt_last = rebuilt(&ws);
    std::fs::write(facts_path(&ws.db()), &kept).unwrap();
    let mut next = ws.engine();
    let updated = answers(&mut next);
    assert!(next.facts().unwrap().has_delta(), "brought up to date from the kept facts");
    #[cfg(unix)]
    assert!(
        next.facts().unwrap().conversations.is_grown_in_place(),
        "the kept conversations grown in a private mapping of the file, not copied"
    );
    assert_same(&updated, &rebuilt_last, "in the next process");

    // Folded into one run, the facts are built ones too.
    let folded = next.facts().unwrap().clone().folded();
    assert!(!folded.has_delta());
    let status = next.status().unwrap();
    assert_eq!(
        (folded.conversations.len() as u64, folded.messages.len() as u64, folded.feedback.len() as u64),
        (status.stored.conversations, status.stored.messages, status.stored.feedback),
        "folded facts hold what the store holds"
    );
}

#[test]
fn what_the_store_holds_is_counted_from_facts_with_a_second_run_as_the_store_counts_it() {
    let ws = Workspace::new();
    demo(&ws);
    let mut engine = ws.engine();
    engine.facts().unwrap();
    for (n, lines) in imports().into_iter().enumerate() {
        let file = ws.file(&format!("import-{n}.jsonl"), lines);
        engine.import(&[file], &Default::default(), &mut |_| {}).unwrap();
        let from_facts = engine.status_from_facts().unwrap();
        let counted = engine.status().unwrap();
        assert_eq!(
            json!([from_facts.stored, from_facts.first_message, from_facts.last_message]),
            json!([counted.stored, counted.first_message, counted.last_message]),
            "after import {n}"
        );
    }
}
