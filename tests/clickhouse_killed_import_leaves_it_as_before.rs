//! FORMAT.md: "An import is all-or-nothing per file: interrupted, cancelled
//! or crashed, it leaves the store as before that file", on ClickHouse too,
//! which has no transactions: a file's rows stay invisible until committed.
//!
//! Needs a ClickHouse server: `tests/clickhouse/run.sh` starts a two-shard
//! cluster and runs this with `--ignored`, giving the store's URL (with
//! `{db}` for the database) in `RAPPORT_TEST_CLICKHOUSE`.

mod common;
use common::*;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn url(database: &str) -> String {
    let pattern = std::env::var("RAPPORT_TEST_CLICKHOUSE")
        .expect("RAPPORT_TEST_CLICKHOUSE names the ClickHouse store: run tests/clickhouse/run.sh");
    pattern.replace("{db}", database)
}

/// The server of a `clickhouse://HOST:PORT/…` URL, asked directly.
fn ask(url: &str, sql: &str) -> String {
    let host = url.trim_start_matches("clickhouse://").split('/').next().unwrap();
    let mut answer = ureq::post(&format!("http://{host}/")).send(sql).expect("the server answers");
    answer.body_mut().read_to_string().unwrap()
}

fn rapport(db: &str, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_rapport")).arg("--db").arg(db).args(args).output().unwrap();
    assert!(out.status.success(), "rapport {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

const MONTH: [&str; 7] = ["metrics", "--from", "2026-01-01T00:00:00Z", "--to", "2027-01-01T00:00:00Z", "--tz", "UTC"];
/// What people ask about over the same year (computed by the server from
/// the runs each user message keeps in the `message` table).
const TOPICS: [&str; 7] = ["topics", "--from", "2026-01-01T00:00:00Z", "--to", "2027-01-01T00:00:00Z", "--tz", "UTC"];

#[test]
#[ignore = "needs a ClickHouse server: tests/clickhouse/run.sh runs it"]
fn a_killed_import_leaves_clickhouse_as_before_that_file() {
    let database = format!("rapport_killed_{}", std::process::id());
    let db = url(&database);
    let ws = Workspace::new();
    let small = ws.file("small.jsonl", conversations_jsonl(10, "s"));
    rapport(&db, &["import", small.to_str().unwrap()]);
    let before = rapport(&db, &MONTH);
    let topics_before = rapport(&db, &TOPICS);
    assert!(topics_before.contains("\"messages\": 10"), "the ten questions have a topic: {topics_before}");

    // Big enough that the import is still running when it is killed.
    let big = ws.file("big.jsonl", conversations_jsonl(300_000, "b"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_rapport"))
        .arg("--db")
        .arg(&db)
        .arg("import")
        .arg(&big)
        .stdout(Stdio::null())
        .spawn()
        .expect("rapport starts");
    // Wait until some of the file's rows are on the shards, then kill it hard.
    let raw = format!("SELECT count() FROM {database}.message_all");
    let started = Instant::now();
    while ask(&db, &raw).trim().parse::<u64>().unwrap_or(0) <= 100 {
        assert!(started.elapsed() < Duration::from_secs(120), "the import never got going");
        assert!(child.try_wait().unwrap().is_none(), "the import ended before it could be killed");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();

    assert!(
        ask(&db, &raw).trim().parse::<u64>().unwrap() > 100,
        "rows of the killed file are on the shards, or this test proves nothing"
    );
    assert_eq!(rapport(&db, &MONTH), before, "no number counts a row of the killed file");
    assert_eq!(rapport(&db, &TOPICS), topics_before, "no topic counts a row of the killed file");
    let status = rapport(&db, &["import", small.to_str().unwrap()]);
    assert!(status.contains("10 conversations"), "the store holds what it held: {status}");

    // The file imported again, whole, counts once.
    rapport(&db, &["import", big.to_str().unwrap()]);
    let after: serde_json::Value = serde_json::from_str(&rapport(&db, &MONTH)).unwrap();
    assert_eq!(after["total_conversations"], 300_010, "each conversation once: the killed rows never count");
    ask(&db, &format!("DROP DATABASE {database}"));
}
