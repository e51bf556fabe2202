//! The facts kept beside the store are read back in place from the mapped
//! file (not copied row by row), an import copies only what it changes, and
//! the mapped file being replaced by another process (as the store always
//! replaces it: a new file renamed over the old) changes nothing for the
//! process that mapped it.

mod common;
use common::*;
use rapport::engine::Engine;
use rapport::metrics::{Query, Settings};
use rapport::store::facts_path;
use std::path::Path;

fn numbers(engine: &mut Engine, q: &Query) -> serde_json::Value {
    serde_json::to_value(engine.dashboard(&q.clone().compared(), &Settings::default()).unwrap()).unwrap()
}

fn opened(db: &Path) -> Engine {
    let mut engine = Engine::open(db, None).unwrap();
    engine.facts().unwrap();
    engine
}

#[test]
fn kept_facts_are_read_in_place_and_give_the_numbers_built_ones_give() {
    let ws = Workspace::new();
    ws.import(&[ws.file("a.jsonl", conversations_jsonl(300, "a"))]);
    let q = autumn("UTC");
    let _ = std::fs::remove_file(facts_path(&ws.db()));
    let mut built = opened(&ws.db());
    assert!(!built.facts().unwrap().messages.is_in_place(), "built from the rows");
    let truth = numbers(&mut built, &q);
    assert!(facts_path(&ws.db()).exists(), "kept for the next process");

    let mut read = opened(&ws.db());
    let facts = read.facts().unwrap();
    assert!(!facts.messages.is_empty());
    for (table, in_place) in [
        ("conversations", facts.conversations.is_in_place()),
        ("messages", facts.messages.is_in_place()),
        ("exchanges", facts.exchanges.is_in_place()),
        ("groups", facts.groups.rows.is_in_place()),
        ("responses", facts.groups.responses.is_in_place()),
        ("message conversations", facts.message_conversations.is_in_place()),
    ] {
        assert!(in_place, "{table} are read where they are in the mapped file");
    }
    assert_eq!(numbers(&mut read, &q), truth);
}

#[test]
fn an_import_into_facts_read_in_place_gives_the_numbers_of_the_rows() {
    let ws = Workspace::new();
    ws.import(&[ws.file("a.jsonl", conversations_jsonl(200, "a"))]);
    let q = autumn("UTC");
    drop(opened(&ws.db()));
    let mut engine = opened(&ws.db());
    assert!(engine.facts().unwrap().messages.is_in_place());
    engine.import(&[ws.file("b.jsonl", conversations_jsonl(20, "b"))], &Default::default(), &mut |_| {}).unwrap();
    let after = numbers(&mut engine, &q);
    let _ = std::fs::remove_file(facts_path(&ws.db()));
    assert_eq!(after, numbers(&mut opened(&ws.db()), &q), "merged into copied tables as built from the rows");
}

#[test]
fn the_kept_file_replaced_while_mapped_changes_nothing_for_the_process_that_mapped_it() {
    let ws = Workspace::new();
    ws.import(&[ws.file("a.jsonl", conversations_jsonl(200, "a"))]);
    let q = autumn("UTC");
    drop(opened(&ws.db()));
    let mut mapped = opened(&ws.db());
    assert!(mapped.facts().unwrap().messages.is_in_place());
    let before = numbers(&mut mapped, &q);

    // Another process keeps other facts, as the store always does: a whole
    // new file renamed over the mapped one, here far shorter than it (a
    // file cut short under a mapping would fault on the pages it lost).
    let other = Engine::open(&ws.db(), None).unwrap();
    other.store().save_facts("another state", b"").unwrap();
    assert!(std::fs::metadata(facts_path(&ws.db())).unwrap().len() < 100);
    assert_eq!(numbers(&mut mapped, &q), before, "the mapping keeps the file it mapped");
    // And a longer one again (a rebuild by a third process).
    let _ = std::fs::remove_file(facts_path(&ws.db()));
    let mut third = opened(&ws.db());
    assert_eq!(numbers(&mut mapped, &q), before);
    assert_eq!(numbers(&mut third, &q), before);
}
