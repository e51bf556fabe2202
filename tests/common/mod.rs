//! Shared by the integration tests: a store in a temporary folder, files
//! written into it, and the dashboard of a query.
#![allow(dead_code)]

use rapport::engine::Engine;
use rapport::import::{ImportOptions, ImportReport};
use rapport::metrics::{Filters, Metrics, Query, Settings};
use rapport::model::parse_timestamp;
use std::path::PathBuf;

pub struct Workspace {
    pub dir: tempfile::TempDir,
}

impl Workspace {
    pub fn new() -> Workspace {
        Workspace { dir: tempfile::tempdir().expect("a temporary folder") }
    }

    pub fn db(&self) -> PathBuf {
        self.dir.path().join("store.db")
    }

    pub fn file(&self, name: &str, content: impl AsRef<[u8]>) -> PathBuf {
        let path = self.dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&path, content).unwrap();
        path
    }

    pub fn engine(&self) -> Engine {
        Engine::open(&self.db(), None).expect("the store opens")
    }

    pub fn import(&self, paths: &[PathBuf]) -> ImportReport {
        self.engine().import(paths, &ImportOptions::default(), &mut |_| {}).expect("the import runs")
    }
}

pub fn at(text: &str) -> rapport::model::Micros {
    parse_timestamp(text).expect("a valid instant")
}

pub fn query(from: &str, to: &str, tz: &str, filters: &[(&str, &str)]) -> Query {
    let mut f = Filters::default();
    for (k, v) in filters {
        f.add(k, v).unwrap();
    }
    Query::new(at(from), at(to), tz, f).unwrap()
}

pub fn metrics(engine: &mut Engine, q: &Query) -> Metrics {
    engine.dashboard(q, &Settings::default()).unwrap().current
}

/// A whole month, wide enough for every fixture.
pub fn autumn(tz: &str) -> Query {
    query("2026-09-01T00:00:00Z", "2026-12-01T00:00:00Z", tz, &[])
}

/// `n` conversations of one user and one agent message each, as JSON Lines.
pub fn conversations_jsonl(n: usize, prefix: &str) -> String {
    let mut out = String::new();
    for i in 0..n {
        let minute = i % 60;
        out.push_str(&format!(
            "{{\"type\":\"conversation\",\"conversation_id\":\"{prefix}{i}\",\"started_at\":\"2026-10-02T10:{minute:02}:00Z\",\"customer_id\":\"u{}\",\"source\":\"web\"}}\n",
            i % 97
        ));
        out.push_str(&format!(
            "{{\"type\":\"message\",\"conversation_id\":\"{prefix}{i}\",\"message_id\":\"m1\",\"role\":\"user\",\"timestamp\":\"2026-10-02T10:{minute:02}:01Z\",\"content\":\"Where is my order {i}?\"}}\n"
        ));
        out.push_str(&format!(
            "{{\"type\":\"message\",\"conversation_id\":\"{prefix}{i}\",\"message_id\":\"m2\",\"role\":\"agent\",\"timestamp\":\"2026-10-02T10:{minute:02}:03.5Z\",\"content\":\"It is on its way.\",\"prompt_tokens\":100,\"completion_tokens\":20,\"cost\":0.001}}\n"
        ));
    }
    out
}

/// The ClickHouse store of `RAPPORT_TEST_CLICKHOUSE` (a URL with `{db}` for
/// the database), its database `database` and this process's id.
pub fn clickhouse_url(database: &str) -> String {
    let pattern = std::env::var("RAPPORT_TEST_CLICKHOUSE")
        .expect("RAPPORT_TEST_CLICKHOUSE names the ClickHouse store: run tests/clickhouse/run.sh");
    pattern.replace("{db}", &format!("{database}_{}", std::process::id()))
}

/// Every server of a store's URL that holds records, as a URL of its own:
/// the shards of a cluster, else the URL's server.
pub fn clickhouse_servers(url: &str) -> Vec<String> {
    let (base, options) = url.split_once('?').unwrap_or((url, ""));
    let database = base.rsplit('/').next().unwrap();
    match options.split('&').find_map(|o| o.strip_prefix("shards=")) {
        Some(shards) => shards.split(',').map(|s| format!("clickhouse://{s}/{database}")).collect(),
        None => vec![base.to_owned()],
    }
}

/// Puts a ClickHouse store back to an older tables `version`: runs
/// `statements` on every server holding records, and drops a cluster's
/// Distributed tables, which that version made otherwise.
pub fn put_clickhouse_back(url: &str, version: u32, statements: &[&str]) {
    let statements: Vec<String> = statements.iter().map(|s| s.to_string()).collect();
    for server in clickhouse_servers(url) {
        rapport::store::clickhouse::execute(&server, &statements)
            .unwrap_or_else(|e| panic!("the store is put back to version {version}: {e}"));
    }
    if url.contains("cluster=") {
        rapport::store::clickhouse::execute(
            url,
            &[
                "DROP TABLE IF EXISTS {db}.message_all".to_owned(),
                "DROP TABLE IF EXISTS {db}.conversation_facts_all".to_owned(),
            ],
        )
        .unwrap_or_else(|e| panic!("the Distributed tables of version {version}: {e}"));
    }
}

/// How two JSON answers are compared by [`json_differences`].
#[derive(Clone, Copy)]
pub struct Compare<'a> {
    /// What the two sides are called in a difference ("SQLite", "ClickHouse").
    pub names: (&'a str, &'a str),
    /// Numbers with a fraction are the same within this share of the larger
    /// (and of 1): sums added up in another order. `None`: equal exactly.
    pub within: Option<f64>,
}

impl Compare<'_> {
    /// Equal exactly, the two sides unnamed.
    pub const EXACT: Compare<'static> = Compare { names: ("", ""), within: None };
}

/// Where two JSON values differ, key by key and element by element, each
/// as its path and the two values: empty when they are the same. A key one
/// side lacks reads as `null` there.
pub fn json_differences(a: &serde_json::Value, b: &serde_json::Value, how: Compare) -> Vec<String> {
    let mut out = Vec::new();
    differ(a, b, "", how, &mut out);
    out
}

fn differ(a: &serde_json::Value, b: &serde_json::Value, at: &str, how: Compare, out: &mut Vec<String>) {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for k in x.keys().chain(y.keys().filter(|k| !x.contains_key(*k))) {
                let (u, v) = (x.get(k).unwrap_or(&Value::Null), y.get(k).unwrap_or(&Value::Null));
                differ(u, v, &format!("{at}.{k}"), how, out);
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (u, v)) in x.iter().zip(y).enumerate() {
                differ(u, v, &format!("{at}[{i}]"), how, out);
            }
        }
        (Value::Number(x), Value::Number(y)) if how.within.is_some() && (x.is_f64() || y.is_f64()) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            if (x - y).abs() > how.within.unwrap() * x.abs().max(1.0) {
                out.push(difference(at, &x, &y, how));
            }
        }
        _ if a != b => out.push(difference(at, a, b, how)),
        _ => {}
    }
}

fn difference(at: &str, a: &dyn std::fmt::Display, b: &dyn std::fmt::Display, how: Compare) -> String {
    match how.names {
        ("", "") => format!("{at}: {a} vs {b}"),
        (x, y) => format!("{at}: {x} {a}, {y} {b}"),
    }
}

/// The topics of [`autumn`] in UTC, as JSON.
pub fn autumn_topics(engine: &mut Engine) -> serde_json::Value {
    serde_json::to_value(engine.topics(&autumn("UTC")).unwrap()).unwrap()
}

/// [`autumn_topics`] of the store with a topic index built from its
/// messages (the one kept beside it removed first).
pub fn topics_built_again(ws: &Workspace) -> serde_json::Value {
    let _ = std::fs::remove_file(rapport::store::topics_path(&ws.db()));
    autumn_topics(&mut ws.engine())
}

/// Conversations `prefix` + each number of `ids` whose user asks about
/// `about` on 6 October 2026, then sends a message without text.
pub fn users_asking(ids: std::ops::Range<usize>, prefix: &str, about: &str) -> String {
    let mut out = String::new();
    for i in ids {
        out.push_str(&format!(
            "{{\"type\":\"message\",\"conversation_id\":\"{prefix}{i}\",\"message_id\":\"m1\",\"role\":\"user\",\"timestamp\":\"2026-10-06T10:{:02}:00Z\",\"content\":\"{about} please, case {i}\"}}\n\
             {{\"type\":\"message\",\"conversation_id\":\"{prefix}{i}\",\"message_id\":\"m2\",\"role\":\"user\",\"timestamp\":\"2026-10-06T10:{:02}:30Z\"}}\n",
            i % 60,
            i % 60
        ));
    }
    out
}
