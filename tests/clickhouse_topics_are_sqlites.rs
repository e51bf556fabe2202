//! What people ask about, computed by ClickHouse (only the best-scored
//! phrases travel), is SQLite's for the same files: over several periods
//! and zones, with filters (a `text` filter among them), with the stop
//! words of the languages the data has, when the first page of phrases the
//! server gives does not settle the card, and on an older store whose
//! messages get their runs when it is opened.
//!
//! Needs a ClickHouse store: `tests/clickhouse/run.sh` runs this with
//! `--ignored`, on the two-shard server and on chdb, giving the store's URL
//! (with `{db}` for the database) in `RAPPORT_TEST_CLICKHOUSE`.

mod common;
use common::*;
use rapport::engine::Engine;
use rapport::import::ImportOptions;
use rapport::metrics::Query;
use std::path::{Path, PathBuf};

fn json<T: serde::Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap()
}

/// A conversation line and its user messages (each answered), as JSON Lines.
fn conversation(
    out: &mut String,
    id: &str,
    language: &str,
    source: &str,
    device: &str,
    said: &[(String, Option<&str>)],
) {
    out.push_str(&format!(
        "{{\"type\":\"conversation\",\"conversation_id\":\"{id}\",\"customer_id\":\"u-{id}\",\"language\":\"{language}\",\"source\":\"{source}\",\"device\":\"{device}\"}}\n"
    ));
    for (k, (at, text)) in said.iter().enumerate() {
        let content = match text {
            Some(t) => format!(",\"content\":{}", serde_json::to_string(t).unwrap()),
            None => String::new(),
        };
        out.push_str(&format!(
            "{{\"type\":\"message\",\"conversation_id\":\"{id}\",\"message_id\":\"q{k}\",\"role\":\"user\",\"timestamp\":\"{at}\"{content}}}\n"
        ));
        out.push_str(&format!(
            "{{\"type\":\"message\",\"conversation_id\":\"{id}\",\"message_id\":\"a{k}\",\"role\":\"assistant\",\"timestamp\":\"{at}\",\"content\":\"Let me look into the parcel for you\"}}\n"
        ));
    }
}

/// An instant of 2026, day `day` of `month`, hour `hour`.
fn instant(month: u32, day: usize, hour: usize) -> String {
    format!("2026-{month:02}-{:02}T{:02}:17:00Z", 1 + day % 28, hour % 24)
}

/// Questions in English, German, French and Spanish (whose stop words the
/// topics leave out when the data has those languages), planted topics in
/// October, numbers, messages of blanks only or without text; and, from
/// the `api` source on October 10–12, 150 two-word phrases that share a
/// word and are said as often, so that the card needs more phrases than
/// the server gives first.
fn asked_jsonl() -> String {
    let lines: [(&str, &[&str]); 4] = [
        (
            "en",
            &[
                "Where is my parcel? It never arrived",
                "I want to cancel my subscription",
                "How do I reset my password",
                "my invoice shows the wrong amount",
                "the app crashes on login",
            ],
        ),
        (
            "de",
            &[
                "Wo ist meine Rückerstattung?",
                "Ich möchte mein Abo kündigen",
                "Die Lieferung ist nicht angekommen",
                "Mein Passwort funktioniert nicht",
            ],
        ),
        ("fr", &["Où est mon colis ?", "Je veux annuler mon abonnement", "Le paiement a échoué deux fois"]),
        ("es", &["¿Dónde está mi pedido?", "Quiero cancelar mi suscripción", "El pago no funciona"]),
    ];
    let devices = ["mobile", "desktop", "tablet"];
    let sources = ["web", "whatsapp"];
    let mut out = String::new();
    for i in 0..240 {
        let (language, said) = lines[i % 4];
        // September and October alike: what is always said.
        let month = if i % 3 == 0 { 9 } else { 10 };
        let mut messages: Vec<(String, Option<&str>)> =
            (0..1 + i % 3).map(|k| (instant(month, i + k, i * 7 + k), Some(said[(i / 4 + k) % said.len()]))).collect();
        // Planted in October: the parcel that never arrived, the double charge.
        if month == 10 && i % 5 == 1 {
            messages.push((instant(10, i, 9), Some("my parcel NEVER arrived, 4411")));
        }
        if month == 10 && i % 7 == 2 {
            messages.push((instant(10, i, 11), Some("Ich wurde doppelt belastet")));
        }
        if i % 11 == 0 {
            messages.push((instant(month, i, 12), Some("   ")));
        }
        if i % 13 == 0 {
            messages.push((instant(month, i, 13), None));
        }
        let source = sources[i % 2];
        conversation(&mut out, &format!("c{i}"), language, source, devices[i % 3], &messages);
    }
    // The `api` source: 150 phrases "zeta X", each in 3 messages of October
    // 10–12, said nowhere else, so that each scores alike and each but the
    // first is "said in nearly the same messages" as one kept before it;
    // and twelve words said 3 times there and 3 times elsewhere, which score
    // below them.
    let name = |i: usize| format!("q{}{}", (b'a' + (i / 26) as u8) as char, (b'a' + (i % 26) as u8) as char);
    for i in 0..150 {
        let mut said: Vec<(String, Option<&str>)> = Vec::new();
        let texts: Vec<String> = (0..3).map(|_| format!("zeta {}", name(i))).collect();
        for (k, text) in texts.iter().enumerate() {
            said.push((format!("2026-10-{:02}T{:02}:00:00Z", 10 + k, i % 24), Some(text.as_str())));
        }
        conversation(&mut out, &format!("z{i}"), "en", "api", "desktop", &said);
    }
    // Said in October in English conversations: "della" is a word like any
    // other until the data has Italian, whose stop words hold it.
    for k in 0..60 {
        let at = instant(10, k, 15);
        conversation(&mut out, &format!("it{k}"), "en", "web", "mobile", &[(at, Some("della pizza bruciata"))]);
    }
    let words = [
        "billing", "invoice", "shipping", "warranty", "coupon", "delivery", "account", "voucher", "payment",
        "checkout", "tracking", "receipt",
    ];
    for (j, word) in words.iter().enumerate() {
        for k in 0..6 {
            let (at, source) = match k {
                0..=2 => (format!("2026-10-{:02}T08:00:00Z", 10 + k), "api"),
                _ => (instant(9, j + k, k), "web"),
            };
            conversation(&mut out, &format!("w{j}-{k}"), "en", source, "mobile", &[(at, Some(word))]);
        }
    }
    out
}

/// One conversation in each language whose stop words are known: the
/// statement then carries the longest list there is.
fn every_language_jsonl() -> String {
    let every = [
        "ar", "az", "da", "de", "el", "en", "es", "fi", "fr", "hu", "id", "it", "kk", "ne", "nl", "no", "pt", "ro",
        "ru", "sl", "sv", "tg", "tr",
    ];
    let mut out = String::new();
    for (j, language) in every.iter().enumerate() {
        let at = instant(9, j, j);
        conversation(&mut out, &format!("l{j}"), language, "web", "desktop", &[(at, Some("hello there"))]);
    }
    out
}

fn import(engine: &mut Engine, paths: &[PathBuf]) {
    engine.import(paths, &ImportOptions::default(), &mut |_| {}).expect("the import runs");
}

/// The periods, zones and filters compared.
fn queries() -> Vec<(&'static str, Query)> {
    let q = |from: &str, to: &str, tz: &str, filters: &[(&str, &str)]| query(from, to, tz, filters);
    vec![
        ("October", q("2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z", "UTC", &[])),
        ("half of October, Paris", q("2026-10-01T00:00:00Z", "2026-10-15T00:00:00Z", "Europe/Paris", &[])),
        ("across the months, New York", q("2026-09-20T04:00:00Z", "2026-10-20T04:00:00Z", "America/New_York", &[])),
        ("all the time there is", q("2000-01-01T00:00:00Z", "2030-01-01T00:00:00Z", "UTC", &[])),
        ("one day", q("2026-10-11T00:00:00Z", "2026-10-12T00:00:00Z", "Asia/Tokyo", &[])),
        ("German", q("2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z", "Europe/Berlin", &[("language", "de")])),
        (
            "mobile or tablet on the web",
            q(
                "2026-10-01T00:00:00Z",
                "2026-11-01T00:00:00Z",
                "UTC",
                &[("device", "mobile"), ("device", "tablet"), ("source", "web")],
            ),
        ),
        ("saying parcel", q("2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z", "UTC", &[("text", "parcel")])),
        (
            "saying never arrived, or kündigen",
            q(
                "2026-09-01T00:00:00Z",
                "2026-11-01T00:00:00Z",
                "UTC",
                &[("text", "NEVER arrived"), ("text", "kündigen")],
            ),
        ),
        ("api, more than a page", q("2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z", "UTC", &[("source", "api")])),
        ("nobody", q("2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z", "UTC", &[("source", "fax")])),
    ]
}

#[test]
#[ignore = "needs a ClickHouse store: tests/clickhouse/run.sh runs it"]
fn topics_computed_by_clickhouse_are_sqlites() {
    let ws = Workspace::new();
    let asked = ws.file("asked.jsonl", asked_jsonl());
    // The same file twice: a re-import changes nothing.
    let paths = vec![asked.clone(), ws.file("plain.jsonl", conversations_jsonl(40, "p")), asked];
    let mut sqlite = ws.engine();
    import(&mut sqlite, &paths);
    let mut ch = Engine::open(Path::new(&clickhouse_url("rapport_topics")), None).expect("the ClickHouse store opens");
    import(&mut ch, &paths);

    let mut before = Vec::new();
    for (name, q) in queries() {
        let (a, b) = (sqlite.topics(&q).unwrap(), ch.topics(&q).unwrap());
        assert_eq!(json(&a), json(&b), "{name}: what people ask about is the same");
        before.push(a.clone());
        let phrases: Vec<&str> = a.iter().map(|t| t.phrase.as_str()).collect();
        match name {
            "October" => {
                assert!(phrases.contains(&"parcel never arrived"), "{name}: the planted topic: {phrases:?}");
                assert!(phrases.contains(&"della pizza bruciata"), "{name}: no Italian yet: {phrases:?}");
            }
            "German" => {
                assert!(phrases.contains(&"doppelt belastet"), "{name}: {phrases:?}");
                assert!(!phrases.iter().any(|p| p.starts_with("ich ") || p.ends_with(" nicht")), "{phrases:?}");
            }
            "api, more than a page" => {
                assert_eq!(a.len(), 10, "{name}: a full card: {phrases:?}");
                assert_eq!(&phrases[..2], ["zeta", "zeta qaa"], "{name}: one of the 150 alike, then words");
            }
            "nobody" => assert!(a.is_empty()),
            _ => assert!(!a.is_empty(), "{name} has topics"),
        }
    }
    // Every language the stop words know: more words are left out.
    let every = vec![ws.file("every.jsonl", every_language_jsonl())];
    import(&mut sqlite, &every);
    import(&mut ch, &every);
    let mut changed = 0;
    for ((name, q), earlier) in queries().into_iter().zip(before) {
        let (a, b) = (sqlite.topics(&q).unwrap(), ch.topics(&q).unwrap());
        assert_eq!(json(&a), json(&b), "{name}, every language: what people ask about is the same");
        changed += usize::from(a != earlier);
        if name == "October" {
            let phrases: Vec<&str> = a.iter().map(|t| t.phrase.as_str()).collect();
            assert!(phrases.contains(&"pizza bruciata"), "{name}: Italian's stop words: {phrases:?}");
            assert!(!phrases.iter().any(|p| p.starts_with("della")), "{name}: {phrases:?}");
        }
    }
    assert!(changed > 0, "the languages' stop words change some topics");
}

#[test]
#[ignore = "needs a ClickHouse store: tests/clickhouse/run.sh runs it"]
fn an_older_clickhouse_store_gets_its_phrases_on_opening() {
    let url = clickhouse_url("rapport_older_topics");
    let ws = Workspace::new();
    let paths = vec![ws.file("asked.jsonl", asked_jsonl())];
    let mut sqlite = ws.engine();
    import(&mut sqlite, &paths);
    {
        let mut ch = Engine::open(Path::new(&url), None).expect("the ClickHouse store opens");
        import(&mut ch, &paths);
    }
    // Back to version 7 on every server: no runs kept, facts without them.
    put_clickhouse_back(
        &url,
        7,
        &[
            "ALTER TABLE {db}.message DROP COLUMN phrases",
            "DROP TABLE IF EXISTS {db}.message_phrases_filled",
            "DROP TABLE IF EXISTS {db}.conversation_facts",
            "ALTER TABLE {db}.conversation_facts_built DROP COLUMN u_ts",
            "ALTER TABLE {db}.conversation_facts_built DROP COLUMN u_phrase",
            "ALTER TABLE {db}.conversation_facts_built DROP COLUMN u_phrase_ts",
        ],
    );
    for opening in ["the first opening gives the runs", "opening again changes nothing"] {
        let mut ch = Engine::open(Path::new(&url), None).expect("the older store opens");
        assert_eq!(
            json(&sqlite.status().unwrap().stored),
            json(&ch.status().unwrap().stored),
            "{opening}: the same records, none twice"
        );
        for (name, q) in queries() {
            assert_eq!(json(&sqlite.topics(&q).unwrap()), json(&ch.topics(&q).unwrap()), "{opening}, {name}: topics");
        }
    }
}
