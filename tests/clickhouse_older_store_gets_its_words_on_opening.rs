//! A ClickHouse store written before each message's words were kept (its
//! tables of version 4: `message` without `text_key`, facts without
//! `m_key`) gets its older messages' words when it is opened, without its
//! files being imported again: the `text` filter, the Insights and the
//! search then read as on SQLite, nothing else changes, and opening it again
//! changes nothing more.
//!
//! The version-4 store is made here from a current one: the same rows, the
//! columns version 5 added dropped on every server.
//!
//! Needs a ClickHouse store: `tests/clickhouse/run.sh` runs this with
//! `--ignored`, on the two-shard server and on chdb, giving the store's URL
//! (with `{db}` for the database) in `RAPPORT_TEST_CLICKHOUSE`.

mod common;
use common::*;
use rapport::engine::Engine;
use rapport::import::ImportOptions;
use rapport::metrics::{ListOptions, Query};
use std::path::Path;

/// Conversations whose questions have accents and case, some answered by
/// "I'm not sure", others not answered at all.
fn said_jsonl() -> String {
    let questions = ["¿Dónde está mi PEDIDO?", "Ich möchte kündigen, Straße 5", "Where is my refund?"];
    let answers = ["It ships tomorrow.", "I'm NOT sure, sorry.", "Die Rückerstattung kommt."];
    let mut out = String::new();
    for i in 0..60 {
        let day = 1 + i % 20;
        out.push_str(&format!(
            "{{\"type\":\"conversation\",\"conversation_id\":\"c{i}\",\"customer_id\":\"u{}\",\"device\":\"{}\"}}\n",
            i % 9,
            if i % 2 == 0 { "mobile" } else { "desktop" }
        ));
        let question = questions[i % 3];
        out.push_str(&format!(
            "{{\"type\":\"message\",\"conversation_id\":\"c{i}\",\"message_id\":\"q\",\"role\":\"user\",\"timestamp\":\"2026-10-{day:02}T10:00:00Z\",\"content\":\"{question}\"}}\n"
        ));
        if i % 7 != 3 {
            let answer = answers[(i / 3) % 3];
            out.push_str(&format!(
                "{{\"type\":\"message\",\"conversation_id\":\"c{i}\",\"message_id\":\"a\",\"role\":\"agent\",\"timestamp\":\"2026-10-{day:02}T10:00:04Z\",\"content\":\"{answer}\",\"prompt_tokens\":50,\"completion_tokens\":9}}\n"
            ));
        }
    }
    out
}

fn json<T: serde::Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap()
}

#[test]
#[ignore = "needs a ClickHouse store: tests/clickhouse/run.sh runs it"]
fn an_older_clickhouse_store_gets_its_messages_words_on_opening() {
    let url = clickhouse_url("rapport_older");
    let ws = Workspace::new();
    let paths = vec![ws.file("said.jsonl", said_jsonl()), ws.file("plain.jsonl", conversations_jsonl(30, "p"))];
    let mut sqlite = ws.engine();
    sqlite.import(&paths, &ImportOptions::default(), &mut |_| {}).unwrap();
    {
        let mut ch = Engine::open(Path::new(&url), None).expect("the ClickHouse store opens");
        ch.import(&paths, &ImportOptions::default(), &mut |_| {}).unwrap();
    }

    // Back to version 4 on every server: no words, facts without them.
    put_clickhouse_back(
        &url,
        4,
        &[
            "ALTER TABLE {db}.message DROP COLUMN text_key",
            "DROP TABLE IF EXISTS {db}.message_words_filled",
            "DROP TABLE IF EXISTS {db}.conversation_facts",
            "ALTER TABLE {db}.conversation_facts_built DROP COLUMN m_key",
            // Nor each feedback's first-seen order, which version 7 added.
            "ALTER TABLE {db}.conversation_facts_built DROP COLUMN f_seq",
        ],
    );

    let settings = sqlite.settings().metric_settings();
    let filters: [&[(&str, &str)]; 4] =
        [&[], &[("text", "DONDE esta")], &[("text", "kundigen strasse")], &[("text", "refund"), ("device", "mobile")]];
    let month = |filters: &[(&str, &str)]| -> Query {
        query("2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z", "Europe/Berlin", filters)
    };
    for opening in ["the first opening gives the words", "opening again changes nothing"] {
        let mut ch = Engine::open(Path::new(&url), None).expect("the older store opens");
        assert_eq!(
            json(&sqlite.status().unwrap().stored),
            json(&ch.status().unwrap().stored),
            "{opening}: the same records, none twice"
        );
        for filters in filters {
            let q = month(filters);
            let (a, b) = (sqlite.dashboard(&q, &settings).unwrap(), ch.dashboard(&q, &settings).unwrap());
            let (x, y) = (json(&a.current), json(&b.current));
            let differing = json_differences(&x, &y, Compare { names: ("SQLite", "ClickHouse"), within: Some(1e-12) });
            assert!(differing.is_empty(), "{opening}, {filters:?}: the dashboard, Insights included: {differing:#?}");
            let total = a.current.total_conversations;
            assert!(total > 0, "{filters:?} keeps some conversations");
            let insights = a.current.insights.0.clone().unwrap();
            if filters.is_empty() {
                assert!(insights.unanswered_questions > 0 && insights.fallback_answers > 0, "{insights:?}");
            }
            assert_eq!(
                json(&sqlite.topics(&q).unwrap()),
                json(&ch.topics(&q).unwrap()),
                "{opening}, {filters:?}: what people ask about"
            );
            let first = ListOptions { limit: 100, ..ListOptions::default() };
            assert_eq!(
                json(&sqlite.conversations(&q, &first).unwrap()),
                json(&ch.conversations(&q, &first).unwrap()),
                "{opening}, {filters:?}: the conversation list"
            );
        }
        for phrase in ["dónde ESTÁ", "kündigen", "not sure"] {
            let (a, b) = (sqlite.search(&month(&[]), phrase, 50).unwrap(), ch.search(&month(&[]), phrase, 50).unwrap());
            assert!(!a.is_empty(), "{phrase:?} is said");
            assert_eq!(json(&a), json(&b), "{opening}: the search for {phrase:?}");
        }
        for id in ["c0", "c3", "c10", "p4"] {
            assert_eq!(
                json(&sqlite.transcript(id).unwrap()),
                json(&ch.transcript(id).unwrap()),
                "{opening}: the transcript of {id}"
            );
        }
    }
}
