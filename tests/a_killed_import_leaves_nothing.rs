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
    // the WAL (past the page cache), then kill it hard.
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
