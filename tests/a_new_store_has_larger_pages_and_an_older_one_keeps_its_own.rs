//! A store made from nothing has pages of `store::PAGE_SIZE` bytes (an
//! import then splits, writes and checkpoints fewer pages); a store made
//! with SQLite's 4 KiB pages, as Rapport made them before, keeps them and
//! takes imports as before.

mod common;
use common::*;
use rapport::store::{Store, PAGE_SIZE};

fn page_size(db: &std::path::Path) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row("PRAGMA page_size", [], |r| r.get(0)).unwrap()
}

const TWO_MESSAGES: &str = concat!(
    r#"{"type":"message","conversation_id":"c","message_id":"m1","role":"user","timestamp":"2026-10-02T10:00:00Z","content":"hello"}"#,
    "\n",
    r#"{"type":"message","conversation_id":"c","message_id":"m2","role":"agent","timestamp":"2026-10-02T10:00:05Z","content":"hi"}"#,
    "\n",
);

#[test]
fn a_store_made_from_nothing_has_larger_pages() {
    assert_eq!(PAGE_SIZE, 8192);
    let ws = Workspace::new();
    ws.import(&[ws.file("two.jsonl", TWO_MESSAGES)]);
    assert_eq!(page_size(&ws.db()), PAGE_SIZE);
    assert_eq!(Store::open(&ws.db()).unwrap().counts().unwrap().messages, 2);
}

#[test]
fn a_store_of_4_kib_pages_keeps_them_and_its_records() {
    let ws = Workspace::new();
    ws.import(&[ws.file("first.jsonl", TWO_MESSAGES)]);
    {
        // As an earlier Rapport left it: the same store, in pages of 4 KiB.
        let conn = rusqlite::Connection::open(ws.db()).unwrap();
        conn.execute_batch("PRAGMA journal_mode = DELETE; PRAGMA page_size = 4096; VACUUM;").unwrap();
    }
    assert_eq!(page_size(&ws.db()), 4096, "the store was rewritten in 4 KiB pages");
    let more = TWO_MESSAGES.replace("\"c\"", "\"d\"");
    ws.import(&[ws.file("second.jsonl", more)]);
    assert_eq!(page_size(&ws.db()), 4096, "opening and importing leave the page size as it was");
    let counts = Store::open(&ws.db()).unwrap().counts().unwrap();
    assert_eq!((counts.conversations, counts.messages), (2, 4));
}
