//! A Langfuse ClickHouse database, read directly (`?schema=langfuse`), gives
//! the same dashboard as the same traces, observations and scores exported
//! as files (Langfuse's API trace list with its observations and scores,
//! and its scores export) and imported into an SQLite store; and it is never
//! written.
//!
//! The database has Langfuse's v3 tables (`traces`, `observations`,
//! `scores`), made here from the column lists of Langfuse's own ClickHouse
//! migrations, holding data generated here: sessions of several traces and
//! traces alone, answers at known and unknown times, generations' usage and
//! cost, tool observations and plumbing, feedback scores of every data type
//! and evaluations, a trace updated after it was written, a deleted one, and
//! another project's.
//!
//! Needs chdb (ClickHouse 26.x: the old server lacks the schema's `Map`
//! and `DateTime64`): `tests/clickhouse/run.sh` runs this with `--ignored`,
//! giving `chdb://DIR/{db}` in `RAPPORT_TEST_LANGFUSE`.

mod common;
use common::*;
use serde_json::{json, Value};
use std::process::Command;

/// Langfuse's tables as its `unclustered` migrations leave them (the
/// columns Rapport reads and those around them; indexes left out).
const LANGFUSE_TABLES: &[&str] = &[
    "CREATE DATABASE IF NOT EXISTS {db}",
    "CREATE TABLE {db}.traces (
        id String, timestamp DateTime64(3), name String, user_id Nullable(String),
        metadata Map(LowCardinality(String), String), release Nullable(String), version Nullable(String),
        project_id String, environment LowCardinality(String) DEFAULT 'default', public Bool, bookmarked Bool,
        tags Array(String), input Nullable(String), output Nullable(String), session_id Nullable(String),
        created_at DateTime64(3) DEFAULT now(), updated_at DateTime64(3) DEFAULT now(),
        event_ts DateTime64(3), is_deleted UInt8
    ) ENGINE = ReplacingMergeTree(event_ts, is_deleted) PARTITION BY toYYYYMM(timestamp)
    PRIMARY KEY (project_id, toDate(timestamp)) ORDER BY (project_id, toDate(timestamp), id)",
    "CREATE TABLE {db}.observations (
        id String, trace_id String, project_id String, environment LowCardinality(String) DEFAULT 'default',
        type LowCardinality(String), parent_observation_id Nullable(String), start_time DateTime64(3),
        end_time Nullable(DateTime64(3)), name String, metadata Map(LowCardinality(String), String),
        level LowCardinality(String), status_message Nullable(String), version Nullable(String),
        input Nullable(String), output Nullable(String), provided_model_name Nullable(String),
        internal_model_id Nullable(String), model_parameters Nullable(String),
        provided_usage_details Map(LowCardinality(String), UInt64), usage_details Map(LowCardinality(String), UInt64),
        provided_cost_details Map(LowCardinality(String), Decimal64(12)),
        cost_details Map(LowCardinality(String), Decimal64(12)), total_cost Nullable(Decimal64(12)),
        completion_start_time Nullable(DateTime64(3)), prompt_id Nullable(String), prompt_name Nullable(String),
        prompt_version Nullable(UInt16), created_at DateTime64(3) DEFAULT now(),
        updated_at DateTime64(3) DEFAULT now(), event_ts DateTime64(3), is_deleted UInt8
    ) ENGINE = ReplacingMergeTree(event_ts, is_deleted) PARTITION BY toYYYYMM(start_time)
    PRIMARY KEY (project_id, type, toDate(start_time)) ORDER BY (project_id, type, toDate(start_time), id)",
    "CREATE TABLE {db}.scores (
        id String, timestamp DateTime64(3), project_id String, environment LowCardinality(String) DEFAULT 'default',
        trace_id Nullable(String), session_id Nullable(String), observation_id Nullable(String), name String,
        value Float64, source String, comment Nullable(String), author_user_id Nullable(String),
        config_id Nullable(String), data_type String, string_value Nullable(String), queue_id Nullable(String),
        created_at DateTime64(3) DEFAULT now(), updated_at DateTime64(3) DEFAULT now(),
        event_ts DateTime64(3), is_deleted UInt8
    ) ENGINE = ReplacingMergeTree(event_ts, is_deleted) PARTITION BY toYYYYMM(timestamp)
    PRIMARY KEY (project_id, toDate(timestamp), name) ORDER BY (project_id, toDate(timestamp), name, id)",
];

/// Milliseconds since 1970 as ISO 8601 in UTC.
fn iso(ms: i64) -> String {
    let t = rapport::model::Micros(ms * 1000);
    let s = rapport::model::format_rfc3339(t);
    s.replace("+00:00", "Z")
}

/// The same generated data, as database rows and as export documents.
#[derive(Default)]
struct Data {
    traces: Vec<Value>,
    observations: Vec<Value>,
    scores: Vec<Value>,
    /// The API's trace list: each trace with its observations and scores.
    trace_list: Vec<Value>,
    /// Session scores, which name no trace: the scores export.
    session_scores: Vec<Value>,
}

/// Questions as Langfuse keeps a trace's input (JSON text).
const QUESTIONS: [&str; 6] = [
    r#""¿Dónde está mi PEDIDO?""#,
    r#""Où est ma commande ?""#,
    r#"{"messages":[{"role":"system","content":"Be kind."},{"role":"user","content":"Ich möchte KÜNDIGEN, Straße {k}"}]}"#,
    r#"[{"role":"user","content":"İstanbul'a kargo ne zaman? 東京 📦"}]"#,
    r#""Question {k}: where is my refund?""#,
    r#""¿Dónde está mi pedido?""#,
];

/// Answers as Langfuse keeps a trace's output, some admitting not knowing.
const ANSWERS: [&str; 5] = [
    r#""It ships tomorrow (session {s}).""#,
    r#""I'm NOT sure, sorry.""#,
    r#"{"role":"assistant","content":"Die Rückerstattung kommt; I don't know when."}"#,
    r#"{"choices":[{"message":{"role":"assistant","content":"Je ne suis pas sûr."}}]}"#,
    r#""Your refund is on its way.""#,
];

const MODELS: [&str; 3] = ["gpt-4o", "claude-sonnet-4", "gemini-2.5-flash"];
const ENVIRONMENTS: [&str; 3] = ["production", "staging", "default"];

fn generate() -> Data {
    let mut d = Data::default();
    let base = 1_790_812_800_000_i64; // 2026-10-01T00:00:00Z
    let mut seed = 7_u64;
    let mut rand = move |n: u64| {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) % n
    };
    let event = iso(base + 40 * 86_400_000);
    let mut n_trace = 0;
    for s in 0..160 {
        // Sessions of 1 to 4 traces; every fifth trace group has no session.
        let session = (s % 5 != 4).then(|| format!("sess-{s}"));
        let user = (s % 6 != 5).then(|| format!("user-{}", s % 37));
        let environment = ENVIRONMENTS[s % 3];
        let turns = if session.is_some() { 1 + s % 4 } else { 1 };
        let start = base + (s as i64) * 4_000_000 + rand(600_000) as i64;
        for k in 0..turns {
            n_trace += 1;
            let id = format!("tr-{n_trace}");
            let ts = start + (k as i64) * 180_000 + rand(60_000) as i64;
            let kind = (s * 7 + k) % 10;
            let mut obs: Vec<Value> = Vec::new();
            let mut ob = |o: Value| obs.push(o);
            // 0: no observations at all (the answer's time is unknown).
            if kind != 0 {
                let latency = 900 + rand(6_000) as i64;
                ob(json!({"id": format!("{id}-root"), "type": "SPAN", "name": "support-turn", "parent": null,
                    "start": ts, "end": ts + latency, "input": null, "output": null}));
                let usage = json!({"input": 200 + rand(900), "input_cached_tokens": rand(100),
                    "output": 20 + rand(300), "output_reasoning_tokens": rand(20)});
                // 4: a generation that gives no cost.
                let cost = if kind == 4 {
                    json!({})
                } else {
                    // Hundred-thousandths, as Langfuse's Decimal64(12) keeps them exactly.
                    let (i, o) = (rand(1000), rand(3000));
                    json!({"input": i as f64 / 1e5, "output": o as f64 / 1e5, "total": (i + o) as f64 / 1e5})
                };
                ob(
                    json!({"id": format!("{id}-gen"), "type": "GENERATION", "name": "llm", "parent": format!("{id}-root"),
                    "start": ts + 50, "end": ts + 50 + rand(800) as i64, "model": MODELS[(s + k) % 3],
                    "usage": usage, "cost": cost,
                    "input": "{\"messages\":[{\"role\":\"user\",\"content\":\"where is my parcel?\"}]}",
                    "output": "{\"role\":\"assistant\",\"content\":\"It ships tomorrow.\"}"}),
                );
                if kind % 3 == 0 {
                    let error = rand(4) == 0;
                    ob(json!({"id": format!("{id}-tool"), "type": "TOOL",
                        "name": if kind == 3 { "execute_tool get_order_status" } else { "search_kb" },
                        "parent": format!("{id}-root"), "start": ts + 300,
                        "end": if kind == 9 { Value::Null } else { json!(ts + 300 + rand(700) as i64) },
                        "level": if error { "ERROR" } else { "DEFAULT" }}));
                }
                if kind == 5 || kind == 8 {
                    ob(json!({"id": format!("{id}-span"), "type": "SPAN", "name": "running tool: lookup_account",
                        "parent": format!("{id}-root"), "start": ts + 120, "end": ts + 420}));
                    ob(json!({"id": format!("{id}-plumbing"), "type": "SPAN", "name": "format_reply",
                        "parent": format!("{id}-root"), "start": ts + 500, "end": ts + 520}));
                }
            }
            // 1: the trace keeps no input or output (the generation's count);
            // 2: it has a question and no answer. Texts as Langfuse keeps
            // them (JSON): plain text, chat messages, a provider's message;
            // with accents, cases, ß, a Turkish İ and CJK, and answers that
            // admit not knowing, for the Insights and the `text` filter.
            let input = (kind != 1).then(|| QUESTIONS[(s + 3 * k) % QUESTIONS.len()].replace("{k}", &k.to_string()));
            let output =
                (kind != 1 && kind != 2).then(|| ANSWERS[(s * 5 + k) % ANSWERS.len()].replace("{s}", &s.to_string()));
            if kind == 2 {
                for o in obs.iter_mut().filter(|o| o["type"] == "GENERATION") {
                    o["output"] = Value::Null;
                }
            }
            let first = obs.iter().map(|o| o["start"].as_i64().unwrap()).min();
            let last = obs
                .iter()
                .map(|o| o["end"].as_i64().unwrap_or(o["start"].as_i64().unwrap()).max(o["start"].as_i64().unwrap()))
                .max();

            let mut scores: Vec<Value> = Vec::new();
            let score_at = ts + 20_000;
            // Feedback with a comment on every other turn: the dashboard's latest comments.
            let comment = (k % 2 == 0).then(|| format!("Said of {id}: ça va"));
            let mut score = |name: &str, source: &str, data_type: &str, value: f64, string: Option<&str>| {
                scores.push(json!({"id": format!("{id}-{name}"), "name": name, "source": source,
                    "dataType": data_type, "value": value, "stringValue": string, "timestamp": score_at,
                    "comment": comment}));
            };
            match (s + k) % 7 {
                0 => score("user-feedback", "API", "BOOLEAN", (rand(2)) as f64, None),
                1 => score("thumbs", "API", "NUMERIC", [0.0, 0.25, 0.5, 0.75, 1.0][rand(5) as usize], None),
                2 => score("rating", "ANNOTATION", "NUMERIC", (1 + rand(5)) as f64, None),
                3 => {
                    let word = ["good", "bad", "ok", "Thumbs Up", "so-so"][rand(5) as usize];
                    score("csat", "API", "CATEGORICAL", 0.0, Some(word))
                }
                4 => score("hallucination", "EVAL", "NUMERIC", rand(100) as f64 / 100.0, None),
                5 => score("quality", "ANNOTATION", "CATEGORICAL", 0.0, Some("good")),
                _ => {}
            }

            // The database's rows.
            let trace_row = |output: Option<&String>, event_ts: &str| {
                json!({"id": id, "timestamp": iso(ts), "name": "support-turn", "user_id": user,
                    "metadata": {}, "project_id": "p1", "environment": environment, "public": false,
                    "bookmarked": false, "tags": [], "input": input, "output": output, "session_id": session,
                    "event_ts": event_ts, "is_deleted": 0})
            };
            if kind == 7 {
                // Written first without its answer, then updated: the latest counts.
                d.traces.push(trace_row(None, &iso(base)));
            }
            d.traces.push(trace_row(output.as_ref(), &event));
            for o in &obs {
                d.observations.push(json!({"id": o["id"], "trace_id": id, "project_id": "p1",
                    "environment": environment, "type": o["type"], "parent_observation_id": o["parent"],
                    "start_time": iso(o["start"].as_i64().unwrap()),
                    "end_time": o["end"].as_i64().map(iso), "name": o["name"], "metadata": {},
                    "level": o.get("level").cloned().unwrap_or(json!("DEFAULT")),
                    "input": o.get("input").cloned().unwrap_or(Value::Null),
                    "output": o.get("output").cloned().unwrap_or(Value::Null),
                    "provided_model_name": o.get("model").cloned().unwrap_or(Value::Null),
                    "provided_usage_details": o.get("usage").cloned().unwrap_or(json!({})),
                    "usage_details": o.get("usage").cloned().unwrap_or(json!({})),
                    "provided_cost_details": o.get("cost").cloned().unwrap_or(json!({})),
                    "cost_details": o.get("cost").cloned().unwrap_or(json!({})),
                    "event_ts": event, "is_deleted": 0}));
            }
            for sc in &scores {
                d.scores.push(json!({"id": sc["id"], "timestamp": iso(sc["timestamp"].as_i64().unwrap()),
                    "project_id": "p1", "trace_id": id, "name": sc["name"], "value": sc["value"],
                    "source": sc["source"], "data_type": sc["dataType"], "string_value": sc["stringValue"],
                    "comment": sc["comment"], "event_ts": event, "is_deleted": 0}));
            }

            // The export: the API's trace body with its observations and scores.
            let observations: Vec<Value> = obs
                .iter()
                .map(|o| {
                    json!({"id": o["id"], "traceId": id, "type": o["type"], "parentObservationId": o["parent"],
                        "startTime": iso(o["start"].as_i64().unwrap()), "endTime": o["end"].as_i64().map(iso),
                        "name": o["name"], "level": o.get("level").cloned().unwrap_or(json!("DEFAULT")),
                        "input": o.get("input").cloned().unwrap_or(Value::Null),
                        "output": o.get("output").cloned().unwrap_or(Value::Null),
                        "model": o.get("model").cloned().unwrap_or(Value::Null),
                        "usageDetails": o.get("usage").cloned().unwrap_or(json!({})),
                        "costDetails": o.get("cost").cloned().unwrap_or(json!({}))})
                })
                .collect();
            let scores: Vec<Value> = scores
                .iter()
                .map(|sc| {
                    let mut sc = sc.clone();
                    sc["traceId"] = json!(id);
                    sc["timestamp"] = json!(iso(sc["timestamp"].as_i64().unwrap()));
                    sc
                })
                .collect();
            let decoded = |v: &Option<String>| v.as_ref().map(|t| serde_json::from_str::<Value>(t).unwrap());
            d.trace_list.push(json!({"id": id, "timestamp": iso(ts), "name": "support-turn", "userId": user,
                "sessionId": session, "environment": environment, "input": decoded(&input),
                "output": decoded(&output),
                "latency": match (first, last) { (Some(f), Some(l)) => json!((l - f) as f64 / 1000.0), _ => Value::Null },
                "observations": observations, "scores": scores}));
        }
        // A session's own feedback, naming no trace.
        if let Some(session) = session.as_ref().filter(|_| s % 4 == 1) {
            let at = start + 900_000;
            let value = (s % 8 == 1) as u8 as f64;
            d.scores.push(json!({"id": format!("{session}-fb"), "timestamp": iso(at), "project_id": "p1",
                "trace_id": null, "session_id": session, "name": "user-feedback", "value": value, "source": "API",
                "data_type": "BOOLEAN", "event_ts": event, "is_deleted": 0}));
            d.session_scores.push(json!({"id": format!("{session}-fb"), "timestamp": iso(at), "traceId": null,
                "sessionId": session, "name": "user-feedback", "value": value, "source": "API",
                "dataType": "BOOLEAN", "stringValue": null}));
        }
    }
    // Not in the export: a deleted trace, and another project's.
    for (id, project, deleted) in [("tr-deleted", "p1", 1), ("tr-other", "p2", 0)] {
        d.traces.push(json!({"id": id, "timestamp": iso(base + 3_600_000), "name": "support-turn",
            "user_id": "user-x", "metadata": {}, "project_id": project, "environment": "production",
            "public": false, "bookmarked": false, "tags": [], "input": "\"hello\"", "output": "\"hi\"",
            "session_id": null, "event_ts": event, "is_deleted": deleted}));
    }
    d
}

/// Numbers with a fraction within rounding: sums added up in another order.
const WITHIN_ROUNDING: Compare = Compare { names: ("", ""), within: Some(1e-9) };

fn rows(values: &[Value]) -> String {
    values.iter().map(|v| format!("{v}\n")).collect()
}

#[test]
#[ignore = "needs chdb: tests/clickhouse/run.sh runs it"]
fn a_langfuse_database_gives_the_dashboard_of_its_exports() {
    let pattern = std::env::var("RAPPORT_TEST_LANGFUSE").expect(
        "RAPPORT_TEST_LANGFUSE names where the Langfuse database goes (chdb://DIR/{db}): run tests/clickhouse/run.sh",
    );
    let url = pattern.replace("{db}", &format!("langfuse_{}", std::process::id()));
    let data = generate();
    let mut setup: Vec<String> = LANGFUSE_TABLES.iter().map(|s| s.to_string()).collect();
    for (table, values) in [("traces", &data.traces), ("observations", &data.observations), ("scores", &data.scores)] {
        setup.push(format!(
            "INSERT INTO {{db}}.{table} SETTINGS date_time_input_format = 'best_effort' FORMAT JSONEachRow\n{}",
            rows(values)
        ));
    }
    // Made in this process, whose chdb session ends here; read by `rapport`.
    rapport::store::clickhouse::execute(&url, &setup).expect("Langfuse's tables are made and filled");
    // A `text` filter names the conversations it keeps: at a million, a
    // statement of megabytes, past ClickHouse's default limit of 256 KiB.
    let long = format!("SELECT length('{}')", "x".repeat(2_000_000));
    rapport::store::clickhouse::execute(&url, &[long]).expect("a statement of megabytes runs");

    let ws = Workspace::new();
    // The page as the API writes it, its `meta` first.
    let page = format!(
        "{{\"meta\":{{\"page\":1,\"limit\":{n},\"totalItems\":{n}}},\"data\":{}}}",
        json!(data.trace_list),
        n = data.trace_list.len()
    );
    let list = ws.file("traces.json", page);
    let scores = ws.file("scores.jsonl", rows(&data.session_scores));
    let report = ws.import(&[list, scores]);
    let sqlite = ws.db().to_string_lossy().into_owned();
    let langfuse = format!("{url}?schema=langfuse&project=p1");

    let status = |db: &str| {
        let text = rapport(db, &["status"]);
        text.lines().find(|l| l.starts_with("Holds:")).unwrap_or_default().to_owned()
    };
    assert_eq!(status(&langfuse), status(&sqlite), "the same conversations, messages, actions and feedback");

    let periods: [&[&str]; 12] = [
        &["--from", "2026-09-01T00:00:00Z", "--to", "2026-12-01T00:00:00Z", "--tz", "Europe/Berlin"],
        &["--from", "2026-10-03T00:00:00Z", "--to", "2026-10-10T00:00:00Z", "--tz", "America/New_York"],
        &["--from", "2026-09-26T00:00:00Z", "--to", "2026-10-03T00:00:00Z", "--tz", "America/New_York"],
        &["--from", "2026-09-01", "--to", "2026-12-01", "--tz", "UTC", "--filter", "environment=production"],
        &[
            "--from",
            "2026-09-01",
            "--to",
            "2026-12-01",
            "--tz",
            "Asia/Tokyo",
            "--filter",
            "customer_id=user-3",
            "--escalation",
            "search_kb,get_order_status",
        ],
        &["--from", "2026-09-01", "--to", "2026-12-01", "--tz", "UTC", "--fallback", "je ne suis pas sur,TOMORROW"],
        &["--from", "2026-09-01", "--to", "2026-12-01", "--tz", "Europe/Paris", "--filter", "text=DONDE está"],
        &["--from", "2026-10-02", "--to", "2026-10-09", "--tz", "UTC", "--filter", "text=strasse"],
        &["--from", "2026-09-01", "--to", "2026-12-01", "--tz", "UTC", "--filter", "text=istanbul'a"],
        &[
            "--from",
            "2026-09-01",
            "--to",
            "2026-12-01",
            "--tz",
            "Asia/Tokyo",
            "--filter",
            "text=rückerstattung",
            "--filter",
            "text=not SURE",
            "--filter",
            "environment=production",
        ],
        &["--from", "2026-09-01", "--to", "2026-12-01", "--tz", "UTC", "--filter", "text=where is my parcel"],
        &["--from", "2026-09-01", "--to", "2026-12-01", "--tz", "UTC", "--filter", "text=nothing says this"],
    ];
    for period in periods {
        let args: Vec<&str> = ["metrics"].iter().chain(period.iter()).copied().collect();
        let expected: Value = serde_json::from_str(&rapport(&sqlite, &args)).unwrap();
        let got: Value = serde_json::from_str(&rapport(&langfuse, &args)).unwrap();
        let differences = json_differences(&expected, &got, WITHIN_ROUNDING);
        assert!(differences.is_empty(), "{period:?}: the Langfuse database differs from its exports: {differences:#?}");
    }
    let m: Value =
        serde_json::from_str(&rapport(&sqlite, &["metrics", "--from", "2026-09-01", "--to", "2026-12-01"])).unwrap();
    assert!(m["total_conversations"].as_u64().unwrap() > 100, "the comparison holds numbers: {report:?}");
    assert!(m["tokens"]["cost"].as_f64().unwrap() > 0.0 && m["avg_response_time_ms"].is_number());
    for rating in ["positive", "negative", "neutral"] {
        assert!(m["feedback"][rating].as_u64().unwrap() > 0, "feedback of every rating: {}", m["feedback"]);
    }
    assert!(!m["tools"].as_array().unwrap().is_empty(), "tools are counted");
    let counted = |key: &str| m[key].as_u64().unwrap();
    assert!(
        counted("questions") > counted("unanswered_questions")
            && counted("unanswered_questions") > 0
            && counted("fallback_answers") > 0
            && counted("resolved_conversations") > 0,
        "the Insights count something: {m}"
    );
    assert!(m["top_unanswered"][0]["count"].as_u64().unwrap() > 1, "texts asked more than once: {m}");
    for phrase in ["DONDE está", "strasse", "istanbul'a", "where is my parcel"] {
        let filter = format!("text={phrase}");
        let args = ["metrics", "--from", "2026-09-01", "--to", "2026-12-01", "--filter", &filter];
        let some: Value = serde_json::from_str(&rapport(&sqlite, &args)).unwrap();
        let n = some["total_conversations"].as_u64().unwrap();
        assert!(n > 0 && n < counted("total_conversations"), "{phrase:?} keeps some conversations: {n}");
    }

    // The conversation list with its drills, the search, what people ask
    // about, the exported tables and the report read the same.
    let month = ["--from", "2026-09-01", "--to", "2026-12-01", "--tz", "Europe/Paris"];
    let with = |command: &[&str], more: &[&str]| -> Vec<String> {
        command.iter().chain(month.iter()).chain(more.iter()).map(|s| s.to_string()).collect()
    };
    let top = m["top_unanswered"][0]["text"].as_str().unwrap().to_owned();
    let lists: Vec<Vec<String>> = vec![
        with(&["conversations", "--json"], &[]),
        with(&["conversations", "--json"], &["--filter", "environment=production", "--filter", "text=donde esta"]),
        with(&["conversations", "--json", "--resolved"], &[]),
        with(&["conversations", "--json", "--unresolved"], &["--fallback", "je ne suis pas sur"]),
        with(&["conversations", "--json", "--unanswered", &top], &[]),
        with(&["conversations", "--json", "--limit", "7"], &["--filter", "customer_id=user-3"]),
        with(&["search", "--json", "OÙ EST"], &[]),
        with(&["search", "--json", "straße 0"], &["--filter", "environment=default"]),
        with(&["topics"], &[]),
        with(&["topics"], &["--filter", "environment=production"]),
    ];
    for args in &lists {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (a, b) = (rapport(&sqlite, &args), rapport(&langfuse, &args));
        assert_eq!(a, b, "rapport {args:?} reads the same");
        assert!(a.len() > 40, "rapport {args:?} finds something: {a}");
    }
    for table in ["conversations", "tools", "countries", "daily", "unanswered"] {
        let read = |db: &str, name: &str| {
            let out = ws.dir.path().join(format!("{name}-{table}.csv"));
            rapport(
                db,
                &with(&["export", table, "--out", out.to_str().unwrap()], &[])
                    .iter()
                    .map(String::as_str)
                    .collect::<Vec<_>>(),
            );
            std::fs::read_to_string(out).unwrap()
        };
        let (a, b) = (read(&sqlite, "sqlite"), read(&langfuse, "langfuse"));
        assert!(a.lines().count() > 1, "the exported {table} have rows: {a}");
        let cells = |text: &str| -> Vec<Vec<String>> {
            text.lines().map(|l| l.split(',').map(str::to_owned).collect()).collect()
        };
        let (a, b) = (cells(&a), cells(&b));
        assert_eq!(a.len(), b.len(), "the exported {table} have the same rows");
        for (x, y) in a.iter().flatten().zip(b.iter().flatten()) {
            // Costs summed in another order (Langfuse keeps them as decimals): within rounding.
            match (x.parse::<f64>(), y.parse::<f64>()) {
                (Ok(u), Ok(v)) => assert!((u - v).abs() <= 1e-9 * u.abs().max(1.0), "{table}: {x} ≠ {y}"),
                _ => assert_eq!(x, y, "the exported {table} are the same"),
            }
        }
    }
    let report = |db: &str, name: &str| {
        let out = ws.dir.path().join(format!("{name}.html"));
        rapport(
            db,
            &with(&["report", "--out", out.to_str().unwrap()], &[]).iter().map(String::as_str).collect::<Vec<_>>(),
        );
        std::fs::read_to_string(out).unwrap()
    };
    let (a, b) = (report(&sqlite, "sqlite"), report(&langfuse, "langfuse"));
    // The same, but for the exact values the cards carry (`data-value`),
    // sums of costs added up in another order by the server: within rounding.
    let within_rounding = |x: &str, y: &str| {
        let (u, v) = (x.split('"').collect::<Vec<_>>(), y.split('"').collect::<Vec<_>>());
        u.len() == v.len()
            && u.iter().zip(&v).all(|(p, q)| match (p.parse::<f64>(), q.parse::<f64>()) {
                (Ok(p), Ok(q)) => (p - q).abs() <= 1e-9 * p.abs().max(1.0),
                _ => p == q,
            })
    };
    let differing: Vec<(&str, &str)> = a.lines().zip(b.lines()).filter(|(x, y)| !within_rounding(x, y)).collect();
    assert!(
        differing.is_empty() && a.lines().count() == b.lines().count(),
        "the report is the same: {:?}",
        differing.iter().map(|(x, y)| (&x[..x.len().min(300)], &y[..y.len().min(300)])).collect::<Vec<_>>()
    );

    // Transcripts, with what a person reads of each turn, and the app's
    // dashboard with its extras (in this process: after every `rapport` run).
    let mut a = ws.engine();
    let mut b =
        rapport::engine::Engine::open(std::path::Path::new(&langfuse), None).expect("the Langfuse database opens");
    // The app's whole dashboard, computed by the server over Langfuse's
    // tables (its extras: usage per model, the latest comments, the
    // conversations with an address), over periods, zones and filters.
    assert!(b.facts().is_err(), "no record of the Langfuse database is read into memory for the numbers");
    let views: [View; 5] = [
        ("2026-09-01T00:00:00Z", "2026-12-01T00:00:00Z", "UTC", &[]),
        ("2026-10-03T00:00:00Z", "2026-10-10T00:00:00Z", "America/New_York", &[]),
        ("2026-09-01T00:00:00Z", "2026-12-01T00:00:00Z", "Asia/Tokyo", &[("environment", "production")]),
        ("2026-09-01T00:00:00Z", "2026-12-01T00:00:00Z", "Europe/Paris", &[("text", "DONDE está")]),
        ("2026-09-01T00:00:00Z", "2026-12-01T00:00:00Z", "UTC", &[("customer_id", "user-3"), ("text", "not SURE")]),
    ];
    // A comment's `row` tells it apart: on SQLite its row, in the order the
    // files were imported; a database has no such order, so there it is its
    // place in first-seen order (a score's time, then its conversation and
    // id). Unique and the same at each call, compared apart.
    let rows_apart = |view: &mut Value| -> Vec<Value> {
        let comments = view["extras"]["latest_comments"].as_array_mut().unwrap();
        comments.iter_mut().map(|c| c.as_object_mut().unwrap().remove("row").unwrap()).collect()
    };
    let mut comments = 0;
    for (from, to, zone, filters) in views {
        let q = query(from, to, zone, filters).compared();
        let (mut x, mut y) = (as_json(&a.dashboard_view(&q).unwrap()), as_json(&b.dashboard_view(&q).unwrap()));
        let rows = rows_apart(&mut y);
        rows_apart(&mut x);
        let differences = json_differences(&x, &y, WITHIN_ROUNDING);
        assert!(differences.is_empty(), "{from}..{to} {zone} {filters:?}: the app's dashboard: {differences:#?}");
        let unique: std::collections::BTreeSet<String> = rows.iter().map(Value::to_string).collect();
        assert_eq!(unique.len(), rows.len(), "each comment has a row of its own: {rows:?}");
        let mut again = as_json(&b.dashboard_view(&q).unwrap());
        assert_eq!(rows_apart(&mut again), rows, "the same rows at the next call");
        comments += rows.len();
    }
    assert!(comments > 8, "the views list comments ({comments})");
    let q: rapport::metrics::Query = query("2026-09-01T00:00:00Z", "2026-12-01T00:00:00Z", "Europe/Berlin", &[]);
    let va = a.dashboard_view(&q).unwrap();
    let page = a.conversations(&q, &rapport::metrics::ListOptions { limit: 1000, ..Default::default() }).unwrap();
    assert!(page.rows.len() > 100);
    for row in &page.rows {
        let id = &row.conversation_id;
        assert_eq!(as_json(&a.transcript(id).unwrap()), as_json(&b.transcript(id).unwrap()), "the transcript of {id}");
    }
    assert!(b.transcript("nobody").is_err(), "an unknown conversation is an error");

    // The list ClickHouse computes, behind every kind of chart cell and
    // card, sorted every way, paged and searched, is the files' list.
    use rapport::metrics::{Drill, ListOptions, SortKey};
    let current = &va.dashboard.current;
    let day = current.daily.iter().find(|d| d.conversations > 1).expect("a day with conversations").date.clone();
    let (weekday, hour) = (0..7usize)
        .flat_map(|w| (0..24usize).map(move |h| (w, h)))
        .find(|&(w, h)| current.peak_hours[w][h] > 0)
        .expect("an hour with messages");
    let tool = current.tools.first().expect("a tool").name.clone();
    let drills = [
        None,
        Some(Drill::Day { date: day }),
        Some(Drill::Hour { weekday: weekday as u8, hour: hour as u8 }),
        Some(Drill::Tool { name: tool }),
        Some(Drill::Resolved),
        Some(Drill::Unresolved),
        Some(Drill::Unanswered { question: top.clone() }),
    ];
    let sorts = [SortKey::StartedAt, SortKey::CustomerId, SortKey::Messages, SortKey::DurationS, SortKey::Feedback];
    for drill in &drills {
        for (i, sort) in sorts.into_iter().enumerate() {
            let options = ListOptions {
                drill: drill.as_ref(),
                sort,
                descending: i % 2 == 0,
                offset: 2,
                limit: 15,
                ..Default::default()
            };
            let (x, y) = (a.conversations(&q, &options).unwrap(), b.conversations(&q, &options).unwrap());
            assert_eq!(as_json(&x), as_json(&y), "the list behind {drill:?} sorted by {sort:?}");
            assert!(x.total > 0, "{drill:?} opens some conversations");
        }
    }
    for search in ["USER-3", "production", "OÙ", "nothing like it"] {
        let options = ListOptions { search, sort: SortKey::ConversationId, limit: 20, ..Default::default() };
        let (x, y) = (a.conversations(&q, &options).unwrap(), b.conversations(&q, &options).unwrap());
        assert_eq!(as_json(&x), as_json(&y), "the search box's {search:?} finds the same");
    }
    drop(b); // chdb's folder is this process's until then

    let more = ws.file("more.jsonl", conversations_jsonl(1, "x"));
    let refused = Command::new(env!("CARGO_BIN_EXE_rapport"))
        .arg("--db")
        .arg(&langfuse)
        .arg("import")
        .arg(&more)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(
        !refused.status.success() && said.contains("never writes"),
        "an import into Langfuse's database is refused: {said}"
    );
}

/// A dashboard to compare: from, to, zone and filters.
type View<'a> = (&'a str, &'a str, &'a str, &'a [(&'a str, &'a str)]);

fn as_json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap()
}

fn rapport(db: &str, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_rapport")).arg("--db").arg(db).args(args).output().unwrap();
    assert!(out.status.success(), "rapport --db {db} {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}
