//! FORMAT.md: "An import is all-or-nothing per file: interrupted, cancelled
//! or crashed, it leaves the store as before that file."

mod common;
use common::*;
use rapport::import::ImportOptions;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[test]
fn a_killed_import_leaves_the_store_as_before_and_it_opens() {
    let ws = Workspace::new();
    let small = ws.file("small.jsonl", conversations_jsonl(10, "s"));
    ws.import(&[small]);
    let before = ws.engine().store().counts().unwrap();

    // Big enough that the import is still running when it is killed.
    let big = ws.file("big.jsonl", conversations_jsonl(300_000, "b"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_rapport"))
        .arg("--db")
        .arg(ws.db())
        .arg("import")
        .arg(&big)
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("rapport starts");
    // Wait until the import has spilled pages of its open transaction into
    // the WAL (past the page cache), then kill it hard. (A store that holds
    // records is written in WAL mode: only the first import is not.)
    let wal = ws.db().with_extension("db-wal");
    let started = Instant::now();
    while std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0) < 1_000_000 {
        assert!(started.elapsed() < Duration::from_secs(60), "the import never got going");
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(
        child.try_wait().unwrap().is_none(),
        "the import must still be running when killed, or this test proves nothing"
    );
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();

    let engine = ws.engine();
    assert_eq!(engine.store().counts().unwrap(), before, "nothing of the killed file stays");
    assert_eq!(engine.store().files().unwrap().len(), 1, "the killed file is not listed as imported");
}

/// The first import into a new store is written with a rollback journal,
/// straight into the store's file (src/store/journal.rs): killed after it
/// has written pages there, the journal it leaves puts the file back.
#[test]
fn a_first_import_killed_midway_leaves_an_empty_sound_store_that_takes_the_next() {
    let ws = Workspace::new();
    let big = ws.file("big.jsonl", conversations_jsonl(300_000, "b"));
    let import = |file: &std::path::Path| {
        Command::new(env!("CARGO_BIN_EXE_rapport"))
            .arg("--db")
            .arg(ws.db())
            .arg("import")
            .arg(file)
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("rapport starts")
    };
    let mut child = import(&big);
    // Wait until the import has spilled pages of its open transaction into
    // the store's file itself (past the page cache), then kill it hard.
    let journal = ws.db().with_extension("db-journal");
    let started = Instant::now();
    while std::fs::metadata(ws.db()).map(|m| m.len()).unwrap_or(0) < 8_000_000 {
        assert!(started.elapsed() < Duration::from_secs(60), "the import never got going");
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(journal.is_file(), "the first import is written with a rollback journal, not in WAL mode");
    assert!(
        std::fs::metadata(ws.db().with_extension("db-wal")).map(|m| m.len()).unwrap_or(0) == 0,
        "nothing of the import goes through the WAL"
    );
    assert!(
        child.try_wait().unwrap().is_none(),
        "the import must still be running when killed, or this test proves nothing"
    );
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(journal.is_file(), "the killed import left its journal");

    {
        let engine = ws.engine();
        assert_eq!(engine.store().counts().unwrap(), Default::default(), "nothing of the killed file stays");
        assert!(engine.store().files().unwrap().is_empty(), "the killed file is not listed as imported");
    }
    assert!(!journal.exists(), "opening the store rolled the file back with the journal");
    let sqlite = rusqlite::Connection::open(ws.db()).unwrap();
    let check: String = sqlite.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(check, "ok");
    let mode: String = sqlite.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal", "opened again, the store is in WAL mode");
    drop(sqlite);

    // The next import, a first one again (the store holds nothing).
    let small = ws.file("small.jsonl", conversations_jsonl(1_000, "s"));
    let status = import(&small).wait().unwrap();
    assert!(status.success(), "the next import runs");
    let engine = ws.engine();
    let counts = engine.store().counts().unwrap();
    assert_eq!((counts.conversations, counts.messages), (1_000, 2_000));
    assert!(!journal.exists(), "no journal is left after an import that ended");
    let sqlite = rusqlite::Connection::open(ws.db()).unwrap();
    let mode: String = sqlite.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal", "after its first import the store is in WAL mode");
    let check: String = sqlite.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(check, "ok");
}

#[test]
fn a_cancelled_import_leaves_the_store_as_before() {
    let ws = Workspace::new();
    let small = ws.file("small.jsonl", conversations_jsonl(10, "s"));
    ws.import(&[small]);
    let big = ws.file("big.jsonl", conversations_jsonl(20_000, "b"));
    let cancel = Arc::new(AtomicBool::new(false));
    let options = ImportOptions { cancel: Some(cancel.clone()), ..ImportOptions::default() };
    let mut engine = ws.engine();
    let before = engine.store().counts().unwrap();
    let mut seen_records = 0;
    let report = engine
        .import(&[big], &options, &mut |p| {
            seen_records = p.records;
            if p.records > 5_000 {
                cancel.store(true, Ordering::Relaxed);
            }
        })
        .unwrap();
    assert!(seen_records > 5_000, "progress reported records as they were written");
    assert!(report.cancelled);
    assert_eq!(report.stored, before, "the cancelled file added nothing");
}

#[test]
fn progress_counts_bytes_up_to_the_total() {
    let ws = Workspace::new();
    let file = ws.file("events.jsonl", conversations_jsonl(3_000, "p"));
    let size = std::fs::metadata(&file).unwrap().len();
    let mut last = None;
    ws.engine().import(&[file], &ImportOptions::default(), &mut |p| last = Some(p.clone())).unwrap();
    let last = last.expect("progress was reported");
    assert_eq!((last.bytes_done, last.bytes_total), (size, size));
    assert_eq!(last.records, 9_000);
    assert_eq!(last.files_done, 1);
}
