//! The facts kept beside the store (`STORE-facts`) are read by the next
//! process instead of being rebuilt from every row, but only while they are
//! of the store as it is: after an import (in this process or another), a
//! killed import, a store put back as an older Rapport wrote it, a change of
//! prices, exchange rates or GeoIP database, or damage to the file, every
//! number is the one the store's rows give.

mod common;
use common::*;
use rapport::engine::Engine;
use rapport::metrics::{ExchangeRate, Price, Query, Settings};
use rapport::store::facts_path;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// Every number of the dashboard, both periods, as JSON (so any difference shows).
fn numbers(db: &Path, q: &Query) -> serde_json::Value {
    let mut engine = Engine::open(db, None).unwrap();
    serde_json::to_value(engine.dashboard(&q.clone().compared(), &Settings::default()).unwrap()).unwrap()
}

/// The numbers the store's rows give, whatever facts were kept.
fn rebuilt(db: &Path, q: &Query) -> serde_json::Value {
    let _ = std::fs::remove_file(facts_path(db));
    numbers(db, q)
}

fn kept(db: &Path) -> Vec<u8> {
    std::fs::read(facts_path(db)).expect("facts are kept beside the store")
}

/// Keeps `good` (kept facts) with a byte of their body changed, which
/// their checksum no longer holds; gives the bytes kept.
fn with_a_body_byte_flipped(db: &Path, good: &[u8]) -> Vec<u8> {
    let mut flipped = good.to_vec();
    let last = flipped.len() - 9;
    flipped[last] ^= 0x40;
    std::fs::write(facts_path(db), &flipped).unwrap();
    flipped
}

/// Conversations with tokens and a model but no cost, from one address.
fn unpriced_jsonl(n: usize, prefix: &str, ip: &str) -> String {
    let mut out = String::new();
    for i in 0..n {
        out.push_str(&format!(
            "{{\"type\":\"conversation\",\"conversation_id\":\"{prefix}{i}\",\"customer_ip_address\":\"{ip}\"}}\n\
             {{\"type\":\"message\",\"conversation_id\":\"{prefix}{i}\",\"message_id\":\"m1\",\"role\":\"user\",\"timestamp\":\"2026-10-03T09:00:00Z\"}}\n\
             {{\"type\":\"message\",\"conversation_id\":\"{prefix}{i}\",\"message_id\":\"m2\",\"role\":\"agent\",\"timestamp\":\"2026-10-03T09:00:02Z\",\"model\":\"m-1\",\"prompt_tokens\":1000000,\"completion_tokens\":0}}\n"
        ));
    }
    out
}

#[test]
fn kept_facts_give_every_number_the_rows_give() {
    let ws = Workspace::new();
    ws.import(&[
        ws.file("a.jsonl", conversations_jsonl(500, "a")),
        ws.file("b.jsonl", unpriced_jsonl(20, "p", "8.8.8.8")),
    ]);
    let q = autumn("Europe/Berlin");
    let first = numbers(&ws.db(), &q);
    let bytes = kept(&ws.db());
    let second = numbers(&ws.db(), &q);
    assert_eq!(kept(&ws.db()), bytes, "the second process read the kept facts, it did not make them again");
    assert_eq!(second, first);
    assert_eq!(rebuilt(&ws.db(), &q), first);
    let filtered = query("2026-10-02T10:10:00Z", "2026-10-02T10:40:00Z", "Asia/Kathmandu", &[("source", "web")]);
    let from_kept = numbers(&ws.db(), &filtered);
    assert_eq!(from_kept, rebuilt(&ws.db(), &filtered), "a period off the quarter hours, another zone, a filter");
}

#[test]
fn an_import_makes_kept_facts_of_before_unused_in_this_process_and_others() {
    let ws = Workspace::new();
    ws.import(&[ws.file("a.jsonl", conversations_jsonl(50, "a"))]);
    let q = autumn("UTC");
    let before = numbers(&ws.db(), &q);
    let stale = kept(&ws.db());
    // Another process imports: it does not touch the kept facts.
    let more = ws.file("more.jsonl", conversations_jsonl(30, "b"));
    let status = Command::new(env!("CARGO_BIN_EXE_rapport")).arg("--db").arg(ws.db()).arg("import").arg(&more).output();
    assert!(status.unwrap().status.success());
    assert_eq!(kept(&ws.db()), stale, "the importing process left the kept facts as they were");
    let after = numbers(&ws.db(), &q);
    assert_ne!(after, before, "80 conversations now, not 50");
    assert_eq!(after["total_conversations"], 80);
    assert_eq!(after, rebuilt(&ws.db(), &q));

    // The same in one engine: import, then ask.
    let mut engine = ws.engine();
    let _ = metrics(&mut engine, &q);
    engine.import(&[ws.file("again.jsonl", conversations_jsonl(5, "c"))], &Default::default(), &mut |_| {}).unwrap();
    assert_eq!(metrics(&mut engine, &q).total_conversations, 85);
}

#[test]
fn reimported_records_that_change_in_place_make_kept_facts_unused() {
    // Same identities, so the same rows and row ids: only the generation tells.
    let ws = Workspace::new();
    let q = autumn("UTC");
    ws.import(&[ws.file("a.jsonl", conversations_jsonl(40, "a"))]);
    let before = numbers(&ws.db(), &q);
    let changed = conversations_jsonl(40, "a").replace("\"cost\":0.001", "\"cost\":0.5");
    let rows = |ws: &Workspace| ws.engine().store().counts().unwrap();
    let counts = rows(&ws);
    ws.import(&[ws.file("a2.jsonl", changed)]);
    assert_eq!(rows(&ws), counts, "the re-import replaced rows in place");
    let after = numbers(&ws.db(), &q);
    assert_ne!(after, before);
    assert_eq!(after["tokens"]["cost"], 20.0);
    assert_eq!(after, rebuilt(&ws.db(), &q));
}

#[test]
fn a_killed_import_leaves_kept_facts_that_agree_with_the_store() {
    let ws = Workspace::new();
    ws.import(&[ws.file("small.jsonl", conversations_jsonl(10, "s"))]);
    let q = autumn("UTC");
    let before = numbers(&ws.db(), &q);
    let kept_before = kept(&ws.db());

    let big = ws.file("big.jsonl", conversations_jsonl(300_000, "b"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_rapport"))
        .arg("--db")
        .arg(ws.db())
        .arg("import")
        .arg(&big)
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("rapport starts");
    let wal = ws.db().with_extension("db-wal");
    let started = Instant::now();
    while std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0) < 1_000_000 {
        assert!(started.elapsed() < Duration::from_secs(60), "the import never got going");
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(child.try_wait().unwrap().is_none(), "the import must still be running when killed");
    child.kill().unwrap();
    child.wait().unwrap();

    let after = numbers(&ws.db(), &q);
    assert_eq!(kept(&ws.db()), kept_before, "the kept facts are still of the store: read, not rebuilt");
    assert_eq!(after, before);
    assert_eq!(after, rebuilt(&ws.db(), &q));
}

#[test]
fn a_store_put_back_as_an_older_rapport_wrote_it_is_never_read_with_kept_facts() {
    let ws = Workspace::new();
    let q = autumn("UTC");
    ws.import(&[ws.file("a.jsonl", conversations_jsonl(60, "a"))]);
    let before = numbers(&ws.db(), &q);
    {
        // What a copy of this store written by version 3 looks like: no
        // generation (nor the message columns of migration 5, the keys,
        // role codes and model names of 7, the text dictionaries of 8, the
        // key tables of 9), and its rows changed where they
        // are (the same row ids and counts), as an older Rapport
        // re-importing would.
        let conn = rusqlite::Connection::open(ws.db()).unwrap();
        let identity = "CASE WHEN typeof(k.key) = 'text' THEN 'i' || k.key ELSE CAST(k.key AS TEXT) END";
        let id = "CASE WHEN typeof(k.key) = 'text' THEN k.key END";
        conn.execute_batch(&format!(
            "DROP TABLE store_generation;
             DROP TABLE text_dictionary;
             CREATE TABLE message_3 (id INTEGER PRIMARY KEY, conversation INTEGER NOT NULL,
                 identity TEXT NOT NULL, message_id TEXT, role TEXT NOT NULL, timestamp INTEGER NOT NULL,
                 content TEXT, model TEXT, prompt_tokens INTEGER, completion_tokens INTEGER, cost REAL,
                 UNIQUE (conversation, identity));
             INSERT INTO message_3 SELECT m.id, m.conversation, {identity}, {id}, role, timestamp, content,
                 (SELECT name FROM model_name WHERE model_name.id = model_id), prompt_tokens,
                 completion_tokens, cost FROM message AS m JOIN message_key AS k ON k.id = m.id;
             DROP VIEW message;
             DROP TABLE message_row;
             DROP TABLE message_key;
             DROP TABLE model_name;
             ALTER TABLE message_3 RENAME TO message;
             CREATE TABLE action_3 (id INTEGER PRIMARY KEY, conversation INTEGER NOT NULL,
                 identity TEXT NOT NULL, action_id TEXT, name TEXT NOT NULL, started_at INTEGER NOT NULL,
                 duration_ms REAL, status TEXT, error INTEGER NOT NULL, UNIQUE (conversation, identity));
             INSERT INTO action_3 SELECT a.id, a.conversation, {identity}, {id}, name, started_at,
                 duration_ms, status, error FROM action AS a JOIN action_key AS k ON k.id = a.id;
             DROP TABLE action;
             DROP TABLE action_key;
             ALTER TABLE action_3 RENAME TO action;
             CREATE TABLE feedback_3 (id INTEGER PRIMARY KEY, conversation INTEGER NOT NULL,
                 identity TEXT NOT NULL, feedback_id TEXT, message_id TEXT, timestamp INTEGER,
                 rating TEXT NOT NULL, score REAL, comment TEXT, UNIQUE (conversation, identity));
             INSERT INTO feedback_3 SELECT f.id, f.conversation, {identity}, {id}, message_id, timestamp,
                 rating, score, comment FROM feedback AS f JOIN feedback_key AS k ON k.id = f.id;
             DROP TABLE feedback;
             DROP TABLE feedback_key;
             ALTER TABLE feedback_3 RENAME TO feedback;
             UPDATE message SET cost = 2.0 WHERE role = 'agent';
             UPDATE conversation SET source = 'email';
             PRAGMA user_version = 3;"
        ))
        .unwrap();
    }
    let after = numbers(&ws.db(), &q);
    assert_ne!(after, before);
    assert_eq!(after["tokens"]["cost"], 120.0);
    assert_eq!(after, rebuilt(&ws.db(), &q));
}

#[test]
fn a_store_of_a_newer_schema_is_refused_before_anything_is_written() {
    // Why an older Rapport, which does not draw the generation, cannot edit
    // a store behind kept facts: it refuses it, as this one refuses a newer one.
    let ws = Workspace::new();
    ws.import(&[ws.file("a.jsonl", conversations_jsonl(3, "a"))]);
    let version = ws.engine().store().schema_version().unwrap();
    {
        let conn = rusqlite::Connection::open(ws.db()).unwrap();
        conn.execute_batch(&format!("PRAGMA user_version = {};", version + 1)).unwrap();
    }
    let bytes = std::fs::read(ws.db()).unwrap();
    assert!(Engine::open(&ws.db(), None).is_err());
    assert_eq!(std::fs::read(ws.db()).unwrap(), bytes);
}

#[test]
fn a_change_of_prices_makes_kept_facts_unused() {
    let ws = Workspace::new();
    ws.import(&[ws.file("p.jsonl", unpriced_jsonl(10, "p", "8.8.8.8"))]);
    let q = autumn("UTC");
    assert_eq!(numbers(&ws.db(), &q)["tokens"]["cost"], 0.0);
    {
        let mut engine = ws.engine();
        assert_eq!(metrics(&mut engine, &q).tokens.cost, 0.0, "facts held by this engine");
        let mut settings = engine.settings().clone();
        settings.default_zone = Some("Asia/Tokyo".into());
        engine.set_settings(settings.clone()).unwrap();
        assert_eq!(metrics(&mut engine, &q).tokens.cost, 0.0, "a zone changes no fact");
        settings.prices = vec![Price { model: "m-1".into(), prompt_per_million: 3.0, completion_per_million: 15.0 }];
        engine.set_settings(settings).unwrap();
        assert_eq!(metrics(&mut engine, &q).tokens.cost, 30.0, "this process");
    }
    assert_eq!(numbers(&ws.db(), &q)["tokens"]["cost"], 30.0, "the next process");
    {
        let mut engine = ws.engine();
        let mut settings = engine.settings().clone();
        settings.prices.clear();
        engine.set_settings(settings).unwrap();
    }
    assert_eq!(numbers(&ws.db(), &q)["tokens"]["cost"], 0.0, "prices taken away again");
}

#[test]
fn a_change_of_exchange_rates_makes_kept_facts_unused() {
    let ws = Workspace::new();
    // Two answers priced in RMB (Dify's console), 0.0021 USD beside them.
    let console = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/formats/dify/console-messages.json");
    ws.import(&[std::path::PathBuf::from(console)]);
    let q = autumn("UTC");
    let cost = |v: &serde_json::Value| v["tokens"]["cost"].as_f64().unwrap();
    let left_out = |v: &serde_json::Value| v["costs_left_out"].as_array().unwrap().len();
    let first = numbers(&ws.db(), &q);
    assert_eq!(left_out(&first), 1);
    let rmb = |usd_per_unit: f64| vec![ExchangeRate { currency: "RMB".into(), usd_per_unit }];
    {
        let mut engine = ws.engine();
        let mut settings = engine.settings().clone();
        settings.exchange_rates = rmb(0.14);
        engine.set_settings(settings.clone()).unwrap();
        let m = serde_json::to_value(metrics(&mut engine, &q)).unwrap();
        assert_eq!(left_out(&m), 0, "this process");
        assert!((cost(&m) - (0.0021 + 0.0126 * 0.14)).abs() < 1e-12, "{m}");
        settings.exchange_rates = rmb(0.5);
        engine.set_settings(settings).unwrap();
        let m = serde_json::to_value(metrics(&mut engine, &q)).unwrap();
        assert!((cost(&m) - (0.0021 + 0.0126 * 0.5)).abs() < 1e-12, "another rate, this process: {m}");
    }
    let next = numbers(&ws.db(), &q);
    assert!((cost(&next) - (0.0021 + 0.0126 * 0.5)).abs() < 1e-12, "the next process: {next}");
    assert_eq!(next, rebuilt(&ws.db(), &q));
    {
        let mut engine = ws.engine();
        let mut settings = engine.settings().clone();
        settings.exchange_rates.clear();
        engine.set_settings(settings).unwrap();
    }
    assert_eq!(numbers(&ws.db(), &q), first, "the rate taken away again");
}

#[test]
fn another_geoip_database_makes_kept_facts_unused() {
    let ws = Workspace::new();
    ws.import(&[ws.file("p.jsonl", unpriced_jsonl(4, "p", "81.2.69.160"))]);
    let q = autumn("UTC");
    let countries = |engine: &mut Engine| {
        serde_json::to_value(engine.dashboard(&q, &Settings::default()).unwrap().current).unwrap()["countries"].clone()
    };
    let bundled = countries(&mut ws.engine());
    let kept_bundled = kept(&ws.db());
    // The same data from a file of its own is another database to the facts:
    // they are built again and kept under its name.
    let file = ws.file(
        "country.mmdb",
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/data/geo/iptoasn-country.mmdb")).unwrap(),
    );
    assert_eq!(countries(&mut Engine::open(&ws.db(), Some(&file)).unwrap()), bundled);
    let kept_file = kept(&ws.db());
    assert_ne!(kept_file, kept_bundled, "kept under the file's name, not the bundled database's");
    // Back on the bundled database, the facts of the file are not read.
    assert_eq!(countries(&mut ws.engine()), bundled);
    assert_eq!(kept(&ws.db()), kept_bundled);
    // A database that is no MaxMind file falls back to the bundled one, and so do its facts.
    let broken = ws.file("not.mmdb", "not a database");
    assert_eq!(countries(&mut Engine::open(&ws.db(), Some(&broken)).unwrap()), bundled);
    assert_eq!(kept(&ws.db()), kept_bundled, "the bundled database's facts were read back");
}

#[test]
fn damaged_or_cut_short_kept_facts_are_rebuilt() {
    let ws = Workspace::new();
    ws.import(&[ws.file("a.jsonl", conversations_jsonl(200, "a"))]);
    let q = autumn("UTC");
    let truth = numbers(&ws.db(), &q);
    let good = kept(&ws.db());
    // Cut short, as a process killed while writing would leave it were it not renamed into place.
    std::fs::write(facts_path(&ws.db()), &good[..good.len() / 2]).unwrap();
    assert_eq!(numbers(&ws.db(), &q), truth);
    // One byte changed in the body: the checksum no longer holds.
    with_a_body_byte_flipped(&ws.db(), &good);
    assert_eq!(numbers(&ws.db(), &q), truth);
    assert_eq!(kept(&ws.db()), good, "rebuilt and kept again");
}

#[cfg(unix)]
#[test]
fn kept_facts_are_readable_by_their_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let ws = Workspace::new();
    ws.import(&[ws.file("a.jsonl", conversations_jsonl(5, "a"))]);
    let _ = numbers(&ws.db(), &autumn("UTC"));
    let mode = std::fs::metadata(facts_path(&ws.db())).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
}

/// Conversations whose agent answers every third question with a fallback phrase.
fn questions_jsonl(n: usize) -> String {
    let mut out = String::new();
    for i in 0..n {
        let answer = if i % 3 == 0 { "I'm not sure, sorry." } else { "Let me check: done." };
        out.push_str(&format!(
            "{{\"type\":\"message\",\"conversation_id\":\"q{i}\",\"message_id\":\"m1\",\"role\":\"user\",\"timestamp\":\"2026-10-02T11:00:01Z\",\"content\":\"Can I change plan {}?\"}}\n\
             {{\"type\":\"message\",\"conversation_id\":\"q{i}\",\"message_id\":\"m2\",\"role\":\"agent\",\"timestamp\":\"2026-10-02T11:00:04Z\",\"content\":\"{answer}\"}}\n",
            i % 4
        ));
    }
    out
}

/// [`numbers`] with the store's own settings (its fallback phrases).
fn numbers_as_set(db: &Path, q: &Query) -> serde_json::Value {
    let mut engine = Engine::open(db, None).unwrap();
    let settings = engine.settings().metric_settings();
    serde_json::to_value(engine.dashboard(&q.clone().compared(), &settings).unwrap()).unwrap()
}

#[test]
fn kept_facts_carry_the_questions_found_with_the_settings_fallback_phrases() {
    let ws = Workspace::new();
    ws.import(&[ws.file("q.jsonl", questions_jsonl(90))]);
    let q = autumn("UTC");
    let first = numbers(&ws.db(), &q);
    assert_eq!(first["questions"], 90);
    assert_eq!(first["unanswered_questions"], 30, "the default phrases know \"i'm not sure\"");
    let bytes = kept(&ws.db());
    assert_eq!(numbers(&ws.db(), &q), first);
    assert_eq!(kept(&ws.db()), bytes, "read back with their questions, not kept again");

    // Other phrases in the settings: the questions are found again, and kept so.
    {
        let mut engine = Engine::open(&ws.db(), None).unwrap();
        let mut settings = engine.settings().clone();
        settings.fallback_phrases = vec!["let me check".to_owned()];
        engine.set_settings(settings).unwrap();
    }
    let other = numbers_as_set(&ws.db(), &q);
    assert_eq!(other["unanswered_questions"], 60);
    let rekept = kept(&ws.db());
    assert_ne!(rekept, bytes, "kept again with the questions of the new phrases");
    assert_eq!(numbers_as_set(&ws.db(), &q), other);
    assert_eq!(kept(&ws.db()), rekept);
    let _ = std::fs::remove_file(facts_path(&ws.db()));
    assert_eq!(numbers_as_set(&ws.db(), &q), other, "as the rows give them");
}

#[test]
fn a_damaged_kept_copy_with_conversations_changed_since_is_rebuilt() {
    // Its checksums are checked while the changed conversations are read:
    // the damage still wins, and the numbers are the rows'.
    let ws = Workspace::new();
    ws.import(&[ws.file("a.jsonl", conversations_jsonl(200, "a"))]);
    let q = autumn("UTC");
    let _ = numbers(&ws.db(), &q);
    let good = kept(&ws.db());
    ws.import(&[ws.file("b.jsonl", conversations_jsonl(7, "b"))]);
    let flipped = with_a_body_byte_flipped(&ws.db(), &good);
    let after = numbers(&ws.db(), &q);
    assert_eq!(after["total_conversations"], 207);
    assert_ne!(kept(&ws.db()), flipped, "built from every row and kept again");
    assert_eq!(after, rebuilt(&ws.db(), &q));
}

#[test]
fn other_fallback_phrases_and_conversations_changed_since_give_the_rows_questions() {
    let ws = Workspace::new();
    ws.import(&[ws.file("q.jsonl", questions_jsonl(90))]);
    let q = autumn("UTC");
    assert_eq!(numbers_as_set(&ws.db(), &q)["unanswered_questions"], 30);
    let kept_before = kept(&ws.db());
    // A few more conversations (kept facts brought up to date, not kept
    // again), then other phrases in the settings.
    ws.import(&[ws.file("more.jsonl", questions_jsonl(93).split_inclusive('\n').skip(180).collect::<String>())]);
    assert_eq!(numbers_as_set(&ws.db(), &q)["unanswered_questions"], 31);
    assert_eq!(kept(&ws.db()), kept_before, "three conversations more: a second run, not kept again");
    {
        let mut engine = Engine::open(&ws.db(), None).unwrap();
        let mut settings = engine.settings().clone();
        settings.fallback_phrases = vec!["let me check".to_owned()];
        engine.set_settings(settings).unwrap();
    }
    let other = numbers_as_set(&ws.db(), &q);
    assert_eq!(other["questions"], 93);
    assert_eq!(other["unanswered_questions"], 62);
    let _ = std::fs::remove_file(facts_path(&ws.db()));
    assert_eq!(numbers_as_set(&ws.db(), &q), other, "as the rows give them");
}
