//! Issue 12: the full-text index behind the `text` filter is kept in step by
//! the import (new messages, re-imports that change a message, an old store
//! migrated), and what it finds is held to the word rule of METRICS.md.

mod common;
use common::*;
use rapport::store::Store;

fn line(conversation: &str, message: &str, role: &str, content: &str) -> String {
    format!(
        "{{\"type\":\"message\",\"conversation_id\":\"{conversation}\",\"message_id\":\"{message}\",\"role\":\"{role}\",\"timestamp\":\"2026-10-02T10:00:0{}Z\",\"content\":\"{content}\"}}\n",
        if role == "user" { 1 } else { 2 }
    )
}

fn said(ws: &Workspace, phrase: &str) -> u64 {
    metrics(&mut ws.engine(), &query("2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z", "UTC", &[("text", phrase)]))
        .total_conversations
}

#[test]
fn a_reimport_that_changes_a_message_changes_what_it_says() {
    let ws = Workspace::new();
    let first = ws.file("a.jsonl", line("c1", "m1", "user", "I want a REFUND") + &line("c2", "m1", "user", "hello"));
    ws.import(&[first]);
    assert_eq!(said(&ws, "refund"), 1);
    assert_eq!(said(&ws, "Want a refund"), 1, "a phrase, in any case");

    let second = ws.file("b.jsonl", line("c1", "m1", "user", "never mind") + &line("c2", "m1", "user", "¿Dónde está?"));
    ws.import(&[second]);
    assert_eq!(said(&ws, "refund"), 0, "the replaced message no longer says it");
    assert_eq!(said(&ws, "DONDE ESTA"), 1, "accents and case do not matter");
    assert_eq!(said(&ws, "want"), 0);
}

#[test]
fn the_index_matches_words_not_parts_of_words() {
    let ws = Workspace::new();
    let file = ws.file(
        "a.jsonl",
        line("c1", "m1", "user", "refunded twice") + &line("c2", "m1", "agent", "snake_case Straße ﬁne"),
    );
    ws.import(&[file]);
    assert_eq!(said(&ws, "refund"), 0, "refunded is another word");
    assert_eq!(said(&ws, "case strasse"), 1, "_ separates words; ß folds to ss");
    assert_eq!(said(&ws, "fine"), 1, "a ligature is its letters");
    assert_eq!(said(&ws, "twice refunded"), 0, "a phrase keeps its order");
}

#[test]
fn a_store_from_before_the_index_gets_it_on_opening() {
    let ws = Workspace::new();
    let file = ws.file("a.jsonl", line("c1", "m1", "user", "charged twice"));
    // The schema version just before the index (found, not written down:
    // migrations may be renumbered when branches meet).
    let probe = Workspace::new();
    let latest = Store::open(&probe.db()).unwrap().schema_version().unwrap() as usize;
    let with_index = (1..=latest)
        .find(|&v| {
            let path = probe.dir.path().join(format!("v{v}.db"));
            drop(Store::open_at_version(&path, v).unwrap());
            let conn = rusqlite::Connection::open(&path).unwrap();
            conn.query_row("SELECT count(*) FROM sqlite_master WHERE name = 'message_words'", [], |r| {
                r.get::<_, i64>(0)
            })
            .unwrap()
                > 0
        })
        .expect("a migration makes the index");
    {
        let mut old = Store::open_at_version(&ws.db(), with_index - 1).unwrap();
        rapport::import::import_paths(&mut old, &[file], &Default::default(), &mut |_| {}).unwrap();
    }
    assert_eq!(said(&ws, "Charged Twice"), 1, "the migration indexes the messages already there");
}
