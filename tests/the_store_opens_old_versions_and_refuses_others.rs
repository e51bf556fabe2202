//! A store written by an older version opens and migrates; a file that is
//! not a Rapport store is refused and never overwritten.

mod common;
use common::*;
use rapport::store::Store;

#[test]
fn a_store_of_an_older_schema_migrates_and_keeps_its_records() {
    let ws = Workspace::new();
    {
        let old = Store::open_at_version(&ws.db(), 1).unwrap();
        assert_eq!(old.schema_version().unwrap(), 1);
    }
    {
        // Rows as version 1 wrote them.
        let conn = rusqlite::Connection::open(ws.db()).unwrap();
        conn.execute_batch(
            "INSERT INTO conversation (conversation_id, started_at) VALUES ('kept', 1790935200000000);
             INSERT INTO import_file (path, format, bytes, records, rejected, imported_at)
             VALUES ('old.jsonl', 'jsonl', 10, 1, 0, 0);",
        )
        .unwrap();
    }
    let store = Store::open(&ws.db()).unwrap();
    assert!(store.schema_version().unwrap() > 1, "opening migrates to the latest schema");
    assert_eq!(store.counts().unwrap().conversations, 1, "records of the old store are kept");
}

#[test]
fn messages_known_by_their_content_keep_their_identity_across_migration_3() {
    let ws = Workspace::new();
    let long = "a long answer ".repeat(5_000);
    let line = serde_json::json!({"type": "message", "conversation_id": "c", "role": "agent",
        "timestamp": "2026-10-01T10:00:00Z", "content": long});
    let file = ws.file("answers.jsonl", format!("{line}\n"));
    drop(Store::open_at_version(&ws.db(), 2).unwrap());
    assert_eq!(ws.import(std::slice::from_ref(&file)).stored.messages, 1);
    {
        // As version 2 wrote it: the identity repeated the whole content (and
        // the columns of later migrations were not there).
        let conn = rusqlite::Connection::open(ws.db()).unwrap();
        conn.execute_batch(
            "UPDATE message SET identity = 'ka' || char(31) || timestamp || char(31) || content;
             ALTER TABLE message DROP COLUMN foreign_cost;
             ALTER TABLE message DROP COLUMN foreign_currency;
             ALTER TABLE message DROP COLUMN time_unknown;
             PRAGMA user_version = 2;",
        )
        .unwrap();
    }
    let report = ws.import(&[file]);
    assert_eq!(report.stored.messages, 1, "re-importing after the migration changes nothing");
    let conn = rusqlite::Connection::open(ws.db()).unwrap();
    let identity: String = conn.query_row("SELECT identity FROM message", [], |r| r.get(0)).unwrap();
    assert!(identity.len() < 64, "the identity no longer repeats the content: {} bytes", identity.len());
}

#[test]
fn a_file_that_is_not_a_store_is_refused_and_left_untouched() {
    let ws = Workspace::new();
    let text = ws.file("notes.db", "These are my notes, not a database.\n");
    let err = Store::open(&text).err().expect("a text file is no store");
    assert!(err.to_string().contains("is not a Rapport store"), "{err}");
    assert_eq!(std::fs::read_to_string(&text).unwrap(), "These are my notes, not a database.\n");

    let other = ws.dir.path().join("other.sqlite");
    {
        let conn = rusqlite::Connection::open(&other).unwrap();
        conn.execute_batch("CREATE TABLE recipes (name TEXT); INSERT INTO recipes VALUES ('soup');").unwrap();
    }
    let before = std::fs::read(&other).unwrap();
    let err = Store::open(&other).err().expect("another program's database is no store");
    assert!(err.to_string().contains("another program"), "{err}");
    assert_eq!(std::fs::read(&other).unwrap(), before, "never overwritten");
}

#[test]
fn a_corrupt_store_gives_a_clear_error() {
    let ws = Workspace::new();
    ws.import(&[ws.file("a.jsonl", conversations_jsonl(50, "c"))]);
    // Keep the SQLite header, wreck the rest.
    let mut bytes = std::fs::read(ws.db()).unwrap();
    for b in bytes.iter_mut().skip(100) {
        *b = 0x5a;
    }
    let _ = std::fs::remove_file(ws.db().with_extension("db-wal"));
    std::fs::write(ws.db(), &bytes).unwrap();
    let err = Store::open(&ws.db()).err().expect("a wrecked file does not open");
    assert!(err.to_string().contains(&ws.db().display().to_string()), "the error names the file: {err}");
}

/// A FIFO or device named as the store is refused unread: opening it to read
/// its header would block for ever.
#[cfg(unix)]
#[test]
fn a_store_path_that_is_no_regular_file_is_refused_unread() {
    let ws = Workspace::new();
    let fifo = ws.dir.path().join("pipe.db");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let err = Store::open(&fifo).err().expect("a FIFO is no store");
    assert!(err.to_string().contains("not a regular file"), "{err}");
}
