//! After an import, the facts of the conversations it touched replace
//! theirs (new ones are added) instead of every fact being built again from
//! every row: in the process that holds them, and in the next one from the
//! facts kept beside the store. Either way every number is the one the
//! store's rows give, costs in another currency (converted, or left out and
//! said) and answers without a time of their own included.

mod common;
use common::*;
use rapport::demo::DemoOptions;
use rapport::engine::Engine;
use rapport::metrics::{ExchangeRate, Price, Query};
use rapport::store::facts_path;
use std::path::Path;

fn numbers(engine: &mut Engine, q: &Query) -> serde_json::Value {
    serde_json::to_value(engine.dashboard_view(&q.clone().compared()).unwrap()).unwrap()
}

fn assert_same(updated: &serde_json::Value, rebuilt: &serde_json::Value, q: &Query) {
    let mut out = json_differences(updated, rebuilt, Compare::EXACT);
    out.truncate(12);
    assert!(out.is_empty(), "updated facts differ from rebuilt ones for {q:?}:\n{}", out.join("\n"));
}

fn rebuilt(db: &Path, q: &Query) -> serde_json::Value {
    let _ = std::fs::remove_file(facts_path(db));
    numbers(&mut Engine::open(db, None).unwrap(), q)
}

/// Events for demo conversations already stored (more messages, a tool
/// call, feedback, another source, an earlier start) and for new ones.
fn changes() -> String {
    let mut out = String::new();
    for i in 1..=40 {
        let c = format!("demo-{i:06}");
        out.push_str(&format!(
            "{{\"type\":\"message\",\"conversation_id\":\"{c}\",\"message_id\":\"late-u\",\"role\":\"user\",\"timestamp\":\"2026-10-20T08:00:0{}Z\",\"content\":\"one more thing\"}}\n\
             {{\"type\":\"message\",\"conversation_id\":\"{c}\",\"message_id\":\"late-a\",\"role\":\"agent\",\"timestamp\":\"2026-10-20T08:00:09Z\",\"model\":\"gpt-late\",\"prompt_tokens\":{},\"completion_tokens\":7,\"cost\":0.25}}\n\
             {{\"type\":\"action\",\"conversation_id\":\"{c}\",\"action_id\":\"late\",\"name\":\"escalate_to_human\",\"started_at\":\"2026-10-20T08:00:10Z\",\"duration_ms\":{}}}\n\
             {{\"type\":\"feedback\",\"conversation_id\":\"{c}\",\"feedback_id\":\"late\",\"rating\":\"{}\",\"timestamp\":\"2026-10-20T08:01:00Z\"}}\n",
            i % 10,
            100 + i,
            10 * i,
            if i % 3 == 0 { "negative" } else { "positive" }
        ));
    }
    for i in 41..=60 {
        out.push_str(&format!(
            "{{\"type\":\"conversation\",\"conversation_id\":\"demo-{i:06}\",\"started_at\":\"2026-09-05T00:00:00Z\",\"source\":\"email\",\"device\":\"tablet\"}}\n"
        ));
    }
    out.push_str(&conversations_jsonl(30, "fresh-"));
    out
}

/// Dify messages, one per conversation, 7 s apart from `created_at` (Unix
/// seconds): answers priced in RMB (no rate set: left out), in EUR
/// (converted with the rate set) and in USD, and answers given one time
/// with their question (no response time of their own) beside answers with
/// a latency.
fn dify_messages(conversations: &[String], created_at: i64) -> String {
    let items: Vec<serde_json::Value> = conversations
        .iter()
        .enumerate()
        .map(|(i, conversation)| {
            let currency = ["RMB", "EUR", "USD"][i % 3];
            let mut item = serde_json::json!({
                "id": format!("dx-{conversation}-{created_at}"),
                "conversation_id": conversation,
                "query": format!("question {i}"),
                "answer": format!("answer {i}"),
                "created_at": created_at + 7 * i as i64,
                "agent_thoughts": [],
                "metadata": {"usage": {
                    "prompt_tokens": 100 + i,
                    "completion_tokens": 10 + i,
                    "total_price": format!("0.{:04}", 100 + i),
                    "currency": currency
                }}
            });
            if i % 4 != 0 {
                item["provider_response_latency"] = serde_json::json!(0.5 + i as f64 / 10.0);
            }
            item
        })
        .collect();
    serde_json::json!({"limit": 100, "has_more": false, "data": items}).to_string()
}

/// Dify messages in the import: for 24 demo conversations already stored
/// and for 12 new ones, at 08:02 on 20 October (12 of them in RMB).
fn dify_changes() -> String {
    let conversations: Vec<String> =
        (1..=36).map(|i| if i <= 24 { format!("demo-{:06}", 100 + i) } else { format!("dify-fresh-{i}") }).collect();
    dify_messages(&conversations, 1_792_483_320)
}

fn demo(ws: &Workspace) {
    let end = at("2026-11-01T00:00:00Z");
    let mut engine = ws.engine();
    engine.load_demo(&DemoOptions { conversations: 1500, seed: 7, end }).unwrap();
    // Before the import: Dify conversations of 10 October, which it does
    // not touch (their facts are carried over, untimed answers and costs
    // left out with them).
    let early: Vec<String> = (1..=30).map(|i| format!("dify-early-{i}")).collect();
    let file = ws.file("early.json", dify_messages(&early, 1_791_626_400));
    engine.import(&[file], &Default::default(), &mut |_| {}).unwrap();
    let mut settings = engine.settings().clone();
    settings.exchange_rates = vec![ExchangeRate { currency: "EUR".into(), usd_per_unit: 1.1 }];
    engine.set_settings(settings).unwrap();
}

/// The numbers say the costs left out (the RMB ones, not the converted
/// EUR ones), those before the import and those it brought: the updates
/// carry them.
fn holds_costs_left_out(numbers: &serde_json::Value) {
    let left_out = numbers["costs_left_out"].as_array().unwrap();
    assert_eq!(left_out.len(), 1, "{left_out:?}");
    assert_eq!(left_out[0]["currency"], "RMB");
    assert_eq!(left_out[0]["messages"], 10 + 12);
}

fn queries() -> Vec<Query> {
    vec![
        query("2026-09-02T00:00:00Z", "2026-11-01T00:00:00Z", "Europe/Berlin", &[]),
        query("2026-10-20T07:50:00Z", "2026-10-20T08:07:30Z", "UTC", &[]),
        query("2026-09-02T00:00:00Z", "2026-11-01T00:00:00Z", "America/New_York", &[("source", "email")]),
    ]
}

#[test]
fn facts_updated_in_the_process_that_held_them_are_those_built_from_every_row() {
    let ws = Workspace::new();
    demo(&ws);
    let mut engine = ws.engine();
    let before: Vec<_> = queries().iter().map(|q| numbers(&mut engine, q)).collect();
    let kept = std::fs::read(facts_path(&ws.db())).unwrap();
    let files = [ws.file("changes.jsonl", changes()), ws.file("dify.json", dify_changes())];
    engine.import(&files, &Default::default(), &mut |_| {}).unwrap();
    let after: Vec<_> = queries().iter().map(|q| numbers(&mut engine, q)).collect();
    holds_costs_left_out(&after[0]);
    assert_eq!(
        std::fs::read(facts_path(&ws.db())).unwrap(),
        kept,
        "updated in memory, not rebuilt (a rebuild keeps its facts)"
    );
    assert_ne!(after, before, "the import changed the numbers");
    for (q, numbers) in queries().iter().zip(after) {
        assert_same(&numbers, &rebuilt(&ws.db(), q), q);
    }
}

#[test]
fn facts_updated_from_the_kept_ones_in_the_next_process_are_those_built_from_every_row() {
    let ws = Workspace::new();
    demo(&ws);
    let _ = numbers(&mut ws.engine(), &queries()[0]);
    let kept = std::fs::read(facts_path(&ws.db())).unwrap();
    // Another process imports, in two files: two changes to catch up with.
    let (first, second) = {
        let all = changes();
        let lines: Vec<&str> = all.lines().collect();
        let half = lines.len() / 2;
        (lines[..half].join("\n") + "\n", lines[half..].join("\n") + "\n")
    };
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_rapport"))
        .arg("--db")
        .arg(ws.db())
        .arg("import")
        .arg(ws.file("first.jsonl", first))
        .arg(ws.file("second.jsonl", second))
        .arg(ws.file("dify.json", dify_changes()))
        .output()
        .unwrap();
    assert!(status.status.success());
    let mut engine = ws.engine();
    let after: Vec<_> = queries().iter().map(|q| numbers(&mut engine, q)).collect();
    holds_costs_left_out(&after[0]);
    assert_eq!(std::fs::read(facts_path(&ws.db())).unwrap(), kept, "updated from the kept facts, not rebuilt");
    for (q, numbers) in queries().iter().zip(after) {
        assert_same(&numbers, &rebuilt(&ws.db(), q), q);
    }
}

#[test]
fn facts_of_a_store_whose_changes_are_not_all_listed_are_rebuilt() {
    let ws = Workspace::new();
    demo(&ws);
    let q = &queries()[0];
    let _ = numbers(&mut ws.engine(), q);
    ws.import(&[ws.file("changes.jsonl", changes())]);
    {
        // The listing of that change is gone (as when more changes than the
        // store lists were made since the facts were kept).
        let conn = rusqlite::Connection::open(ws.db()).unwrap();
        conn.execute_batch("DELETE FROM store_change; DELETE FROM changed_conversation;").unwrap();
    }
    let after = numbers(&mut ws.engine(), q);
    assert_eq!(after["total_conversations"], 1560, "1500 demo, 30 from Dify, 30 fresh");
    assert_eq!(after, rebuilt(&ws.db(), q));
}

/// Every row of the facts, named by what does not depend on how the facts
/// number their conversations, users or names: the conversations in their
/// order (by start, as built), then each table's rows in theirs with their
/// conversation's store row.
fn rows_in_order(facts: &rapport::metrics::Facts) -> Vec<String> {
    let row = |c: u32| facts.conversation_rows[c as usize];
    let mut out: Vec<String> = facts
        .conversations
        .iter()
        .zip(&facts.conversation_rows)
        .zip(&facts.conversation_ids)
        .map(|((c, r), id)| {
            let user = facts.users.values.get(c.user as usize).unwrap_or("-");
            let names = [c.country, c.device, c.source, c.language, c.environment].map(|n| facts.names.name(n));
            format!("conversation {r} {id} {} {} {} {user} {names:?}", c.started, c.ended, c.messages)
        })
        .collect();
    out.extend(
        facts.messages.iter().map(|m| format!("message {} {} {:?} {}", m.ts, row(m.conversation), m.side, m.cost)),
    );
    out.extend(facts.exchanges.iter().map(|e| format!("exchange {} {} {}", e.ts, row(e.conversation), e.response_us)));
    out.extend(facts.actions.iter().map(|a| format!("action {} {} {}", a.ts, row(a.conversation), a.duration_ms)));
    out.extend(facts.feedback.iter().map(|f| format!("feedback {} {} {}", f.ts, row(f.conversation), f.row)));
    out.extend(facts.groups.rows.iter().map(|g| {
        format!(
            "group {} {} {} {} {} {} {}",
            g.bucket,
            row(g.conversation),
            g.messages,
            g.cost,
            g.exchanges,
            g.timed,
            g.first_response
        )
    }));
    out.extend(facts.groups.conversations.iter().map(|&c| format!("grouped {}", row(c))));
    out.push(format!("responses {:?}", facts.groups.responses));
    out.extend(
        facts
            .message_conversations
            .iter()
            .enumerate()
            .filter(|(_, &c)| c != rapport::metrics::NO_CONVERSATION)
            .map(|(m, &c)| format!("message row {m} in {}", row(c))),
    );
    out.extend(
        facts.insights.questions.iter().map(|q| format!("question {} {} {}", q.ts, row(q.conversation), q.unanswered)),
    );
    out
}

#[test]
fn updated_facts_hold_the_rows_of_built_ones_in_the_same_order() {
    let ws = Workspace::new();
    demo(&ws);
    let mut engine = ws.engine();
    engine.facts().unwrap();
    let files = [ws.file("changes.jsonl", changes()), ws.file("dify.json", dify_changes())];
    engine.import(&files, &Default::default(), &mut |_| {}).unwrap();
    let facts = engine.facts().unwrap();
    assert!(facts.has_delta(), "the changed conversations' facts are a second run beside the first");
    // Folded into one run (as they are before they are kept), they are built ones.
    let updated = rows_in_order(&facts.clone().folded());
    let _ = std::fs::remove_file(facts_path(&ws.db()));
    let built = rows_in_order(Engine::open(&ws.db(), None).unwrap().facts().unwrap());
    assert_eq!(updated.len(), built.len());
    let first_difference = updated.iter().zip(&built).find(|(a, b)| a != b);
    assert_eq!(first_difference, None, "updated facts hold other rows, or in another order, than built ones");
}

#[test]
fn the_first_import_into_facts_read_in_place_replaces_records_as_a_build_would() {
    let ws = Workspace::new();
    demo(&ws);
    // Built and kept with the settings in use; the next engine reads them in place.
    let _ = numbers(&mut ws.engine(), &queries()[0]);
    let mut engine = ws.engine();
    let facts = engine.facts().unwrap();
    for (table, in_place) in [
        ("conversations", facts.conversations.is_in_place()),
        ("messages", facts.messages.is_in_place()),
        ("exchanges", facts.exchanges.is_in_place()),
        ("actions", facts.actions.is_in_place()),
        ("feedback", facts.feedback.is_in_place()),
        ("groups", facts.groups.rows.is_in_place()),
        ("responses", facts.groups.responses.is_in_place()),
        ("message conversations", facts.message_conversations.is_in_place()),
        ("questions", facts.insights.questions.is_in_place()),
    ] {
        assert!(in_place, "{table} are read in place before the import");
    }
    // Records replaced (demo conversations given more messages, feedback,
    // another source and an earlier start) and new ones, new users among them.
    let mut changes = changes();
    changes
        .push_str("{\"type\":\"conversation\",\"conversation_id\":\"demo-000007\",\"customer_id\":\"someone-new\"}\n");
    let files = [ws.file("changes.jsonl", changes), ws.file("dify.json", dify_changes())];
    engine.import(&files, &Default::default(), &mut |_| {}).unwrap();
    let facts = engine.facts().unwrap();
    for (table, in_place) in [
        ("messages", facts.messages.is_in_place()),
        ("exchanges", facts.exchanges.is_in_place()),
        ("groups", facts.groups.rows.is_in_place()),
        ("message conversations", facts.message_conversations.is_in_place()),
    ] {
        assert!(in_place, "{table} are still read in place after the import: only what changed is written");
    }
    let updated = rows_in_order(&facts.clone().folded());
    let after: Vec<_> = queries().iter().map(|q| numbers(&mut engine, q)).collect();
    holds_costs_left_out(&after[0]);
    let _ = std::fs::remove_file(facts_path(&ws.db()));
    let built = rows_in_order(Engine::open(&ws.db(), None).unwrap().facts().unwrap());
    assert_eq!(updated.len(), built.len());
    let first_difference = updated.iter().zip(&built).find(|(a, b)| a != b);
    assert_eq!(first_difference, None, "facts updated from the mapped ones differ from built ones");
    assert!(built.iter().any(|row| row.contains("someone-new")), "the new user is among the built facts");
    for (q, numbers) in queries().iter().zip(after) {
        assert_same(&numbers, &rebuilt(&ws.db(), q), q);
    }
}

/// Kept facts are kept again by how much the store changed since, not by
/// how many imports changed it: twenty small imports leave them as they
/// are (each next process adds the few changed conversations as a second
/// run), one of more than 4,096 conversations, which folds the two runs
/// into one, has them kept again.
#[test]
fn kept_facts_are_kept_again_by_how_much_changed_not_by_how_many_imports() {
    let ws = Workspace::new();
    demo(&ws);
    let q = &queries()[0];
    let _ = numbers(&mut ws.engine(), q);
    let kept = std::fs::read(facts_path(&ws.db())).unwrap();
    let mut engine = ws.engine();
    for i in 0..20 {
        let file = ws.file(&format!("small-{i}.jsonl"), conversations_jsonl(2, &format!("small-{i}-")));
        engine.import(&[file], &Default::default(), &mut |_| {}).unwrap();
        let _ = numbers(&mut engine, q);
    }
    let mut next = ws.engine();
    let after_small = numbers(&mut next, q);
    assert!(next.facts().unwrap().has_delta(), "the forty conversations are a second run");
    assert_eq!(std::fs::read(facts_path(&ws.db())).unwrap(), kept, "twenty small imports: not kept again");

    let file = ws.file("large.jsonl", conversations_jsonl(4200, "large-"));
    next.import(&[file], &Default::default(), &mut |_| {}).unwrap();
    let mut third = ws.engine();
    let after_large = numbers(&mut third, q);
    assert_ne!(std::fs::read(facts_path(&ws.db())).unwrap(), kept, "a large import: kept again");
    let mut fourth = ws.engine();
    let read_back = numbers(&mut fourth, q);
    assert!(!fourth.facts().unwrap().has_delta(), "the next process reads them as kept, one run");
    assert_same(&read_back, &after_large, q);
    assert_ne!(after_large, after_small);
    assert_same(&after_large, &rebuilt(&ws.db(), q), q);
}

/// 70,000 conversations imported and their facts kept (the bytes kept
/// given back), then `more` imported.
fn kept_then_imported(ws: &Workspace, q: &Query, more: String) -> Vec<u8> {
    ws.import(&[ws.file("a.jsonl", conversations_jsonl(70_000, "a-"))]);
    let _ = numbers(&mut ws.engine(), q);
    let kept = std::fs::read(facts_path(&ws.db())).unwrap();
    ws.import(&[ws.file("b.jsonl", more)]);
    kept
}

/// A second run large enough to be kept again, but not so large that it is
/// folded as it is added, is folded and kept on another thread: the
/// numbers come from the two runs meanwhile; then the engine holds the
/// facts kept, in one run, and the next process reads those. (4,200
/// conversations: more than 4,096 and one in 256 of 70,000, kept again;
/// fewer than one in 16, which would be folded as they are added.)
#[test]
fn a_large_second_run_is_folded_and_kept_on_another_thread() {
    let ws = Workspace::new();
    let q = &queries()[0];
    let kept = kept_then_imported(&ws, q, conversations_jsonl(4_200, "b-"));

    let mut engine = ws.engine();
    let first = numbers(&mut engine, q);
    assert_eq!(first["total_conversations"], 74_200);
    // (Whether the thread is done by now is the machine's business.)
    engine.wait_for_kept_facts();
    assert!(!engine.facts().unwrap().has_delta(), "then the facts kept, in one run, are held");
    assert_same(&numbers(&mut engine, q), &first, q);
    assert_ne!(std::fs::read(facts_path(&ws.db())).unwrap(), kept, "kept again");

    let mut next = ws.engine();
    let read_back = numbers(&mut next, q);
    assert!(!next.facts().unwrap().has_delta(), "the next process reads them as kept, one run");
    assert_same(&read_back, &first, q);
    assert_same(&first, &rebuilt(&ws.db(), q), q);
}

/// Facts folded and kept on another thread under the prices of before are
/// not taken once other prices are chosen meanwhile: the numbers are those
/// of the prices chosen.
#[test]
fn facts_kept_on_another_thread_under_prices_of_before_are_not_taken() {
    let ws = Workspace::new();
    let q = &queries()[0];
    // Answers with a model and tokens but no cost: priced by the settings.
    let unpriced = conversations_jsonl(4_200, "b-").replace("\"cost\":0.001", "\"model\":\"m-1\"");
    kept_then_imported(&ws, q, unpriced);

    let mut engine = ws.engine();
    let before = numbers(&mut engine, q);
    let mut settings = engine.settings().clone();
    settings.prices = vec![Price { model: "m-1".into(), prompt_per_million: 3.0, completion_per_million: 15.0 }];
    engine.set_settings(settings).unwrap();
    let priced = numbers(&mut engine, q);
    let cost = |n: &serde_json::Value| n["tokens"]["cost"].as_f64().unwrap();
    assert!(
        (cost(&priced) - cost(&before) - 4_200.0 * 0.0006).abs() < 1e-6,
        "{} then {}",
        cost(&before),
        cost(&priced)
    );
    engine.wait_for_kept_facts();
    assert_same(&numbers(&mut engine, q), &priced, q);
    drop(engine);
    assert_same(&numbers(&mut ws.engine(), q), &priced, q);
}
