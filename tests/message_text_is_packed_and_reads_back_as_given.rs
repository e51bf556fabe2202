//! Issue 10: message text is kept packed (zstd, with a dictionary the store
//! learns from the first file that has messages enough), and whatever reads
//! it (transcripts, search snippets, the text filter, the conversation
//! list's search) gets back the text as it was given.

mod common;
use common::*;
use rapport::metrics::ListOptions;
use rapport::store::DICTIONARY_SAMPLES;

/// A conversation per message, each text its own; one message in seven
/// without an id (known by its content), one in eleven without text.
fn dump(n: usize, prefix: &str) -> (String, Vec<(String, Option<String>)>) {
    let shops = ["north", "south", "harbour"];
    let mut out = String::new();
    let mut given = Vec::new();
    for i in 0..n {
        let c = format!("{prefix}{i}");
        let content = (i % 11 != 3).then(|| {
            format!(
                "Order {i} from the {} shop arrived {} days late — café ñ 日本 {}",
                shops[i % 3],
                i % 9,
                "again ".repeat(i % 4)
            )
        });
        let id = (i % 7 != 0).then(|| format!("m{i}"));
        out.push_str(
            &serde_json::json!({"type": "message", "conversation_id": c, "message_id": id, "role": "user",
                "timestamp": format!("2026-10-{:02}T10:{:02}:{:02}Z", 1 + i % 28, i % 60, i % 59),
                "content": content})
            .to_string(),
        );
        out.push('\n');
        given.push((c, content));
    }
    (out, given)
}

fn packed_and_plain(ws: &Workspace) -> (i64, i64) {
    let conn = rusqlite::Connection::open(ws.db()).unwrap();
    conn.query_row(
        "SELECT count(*) FILTER (WHERE typeof(content) = 'blob'), count(*) FILTER (WHERE typeof(content) = 'text')
         FROM message",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .unwrap()
}

fn transcript_text(ws: &Workspace, conversation: &str) -> Option<String> {
    let t = ws.engine().transcript(conversation).unwrap();
    assert_eq!(t.messages.len(), 1);
    t.messages[0].message.content.clone()
}

#[test]
fn text_is_packed_once_the_store_has_learnt_its_dictionary_and_every_reader_gets_it_back() {
    let ws = Workspace::new();
    // A first file too small to learn from keeps its text as given.
    let (small, small_given) = dump(20, "s");
    ws.import(&[ws.file("small.jsonl", small)]);
    assert_eq!(packed_and_plain(&ws), (0, 18), "too few messages to learn a dictionary from");

    let n = DICTIONARY_SAMPLES + 1500;
    let (big, given) = dump(n, "b");
    let big = ws.file("big.jsonl", big);
    ws.import(std::slice::from_ref(&big));
    let (packed, plain) = packed_and_plain(&ws);
    assert!(packed as usize > n * 9 / 10, "{packed} of {n} messages packed ({plain} as text)");

    for (c, content) in given.iter().step_by(97).chain(small_given.iter().take(5)) {
        assert_eq!(&transcript_text(&ws, c), content, "{c}: the transcript shows the text as given");
    }

    let period = query("2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z", "UTC", &[]);
    // The full-text index (filled from the text before it was packed).
    let says = |phrase: &str| {
        given.iter().chain(&small_given).filter(|(_, t)| t.as_deref().is_some_and(|t| t.contains(phrase))).count()
            as u64
    };
    let filtered = query("2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z", "UTC", &[("text", "harbour shop arrived 4")]);
    assert_eq!(metrics(&mut ws.engine(), &filtered).total_conversations, says("harbour shop arrived 4 "));
    // Snippets, made from the text read back.
    let hits = ws.engine().search(&period, "Order 4097 from", 10).unwrap();
    assert_eq!(hits.len(), 1);
    let snippet = hits[0].snippet.as_ref().expect("a snippet");
    assert!(snippet.text.contains("Order 4097 from the harbour shop arrived 2 days late"), "{}", snippet.text);
    // The conversation list's search (ASCII letters in any case).
    let mut engine = ws.engine();
    let options = ListOptions { search: "SOUTH SHOP ARRIVED 2", limit: 10_000, ..Default::default() };
    let page = engine.conversations(&period, &options).unwrap();
    assert_eq!(page.total, says("south shop arrived 2 "));

    // What people ask about (the topic index reads every user message's text).
    let topics = ws.engine().topics(&period).unwrap();
    assert!(!topics.is_empty(), "topics found in the packed text");
    for t in &topics {
        let said = given.iter().chain(&small_given).filter_map(|(_, t)| t.as_deref()).any(|text| {
            rapport::store::message_words(text)
                .split(' ')
                .collect::<Vec<_>>()
                .windows(t.phrase.split(' ').count())
                .any(|w| w.join(" ") == t.phrase)
        });
        assert!(said, "the topic {:?} is said in the text as given", t.phrase);
    }

    // A second import of the same file changes nothing, packed bytes and all.
    let stored = |ws: &Workspace| -> Vec<(i64, Vec<u8>)> {
        let conn = rusqlite::Connection::open(ws.db()).unwrap();
        let mut stmt = conn
            .prepare("SELECT id, CAST(content AS BLOB) FROM message WHERE content IS NOT NULL ORDER BY id")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect()
    };
    let before = stored(&ws);
    ws.import(&[big]);
    assert_eq!(stored(&ws), before, "re-importing leaves every stored text as it was");

    // A later file is packed with the same dictionary.
    let (later, later_given) = dump(30, "l");
    ws.import(&[ws.file("later.jsonl", later)]);
    let (packed_after, _) = packed_and_plain(&ws);
    assert!(packed_after > packed + 20, "{packed_after} packed after {packed}");
    assert_eq!(transcript_text(&ws, "l5"), later_given[5].1);
}

#[test]
fn a_process_that_opened_the_store_before_its_dictionary_was_learnt_reads_the_packed_text() {
    let ws = Workspace::new();
    let early = ws.engine();
    let (text, given) = dump(DICTIONARY_SAMPLES + 10, "c");
    ws.import(&[ws.file("a.jsonl", text)]);
    assert!(packed_and_plain(&ws).0 > 0);
    let t = early.transcript("c100").unwrap();
    assert_eq!(t.messages[0].message.content, given[100].1, "the dictionary is read when first needed");
}

#[test]
fn a_process_that_opened_the_store_before_its_dictionary_was_learnt_replaces_packed_messages() {
    let ws = Workspace::new();
    let mut early = ws.engine();
    let (text, _) = dump(DICTIONARY_SAMPLES + 10, "c");
    ws.import(&[ws.file("a.jsonl", text)]);
    assert!(packed_and_plain(&ws).0 > 0);
    // c100's message (m100), packed by the other process, given anew.
    let line = serde_json::json!({"type": "message", "conversation_id": "c100", "message_id": "m100",
        "role": "user", "timestamp": "2026-10-17T10:40:41Z", "content": "a kettle whistles"});
    let report = early
        .import(&[ws.file("b.jsonl", format!("{line}\n"))], &rapport::import::ImportOptions::default(), &mut |_| {})
        .unwrap();
    assert_eq!(report.files[0].error, None);
    let said = |engine: &mut rapport::engine::Engine, phrase: &str| {
        metrics(engine, &query("2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z", "UTC", &[("text", phrase)]))
            .total_conversations
    };
    assert_eq!(said(&mut early, "kettle whistles"), 1);
    assert_eq!(said(&mut early, "order 100 from"), 0, "the old words left the index");
    assert_eq!(said(&mut early, "order 101 from"), 1);
}

#[test]
fn a_cancelled_import_takes_its_dictionary_with_it_and_the_next_one_learns_again() {
    use rapport::import::ImportOptions;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    let ws = Workspace::new();
    let (text, _) = dump(DICTIONARY_SAMPLES * 4, "c");
    let file = ws.file("a.jsonl", text);
    let cancel = Arc::new(AtomicBool::new(false));
    let options = ImportOptions { cancel: Some(cancel.clone()), ..ImportOptions::default() };
    let mut engine = ws.engine();
    let report = engine
        .import(&[file], &options, &mut |p| {
            // Past the messages the dictionary is learnt from: it is in the transaction.
            if p.records > DICTIONARY_SAMPLES as u64 + 500 {
                cancel.store(true, Ordering::Relaxed);
            }
        })
        .unwrap();
    assert!(report.cancelled);
    let dictionaries = |ws: &Workspace| -> i64 {
        let conn = rusqlite::Connection::open(ws.db()).unwrap();
        conn.query_row("SELECT count(*) FROM text_dictionary", [], |r| r.get(0)).unwrap()
    };
    assert_eq!(dictionaries(&ws), 0, "the dictionary went with the cancelled file");
    assert_eq!(packed_and_plain(&ws), (0, 0));

    // The same process imports other text: a dictionary learnt anew (not
    // the one it learnt for the cancelled file), every text read back.
    let (text, _) = dump(DICTIONARY_SAMPLES * 2, "d");
    let other = |t: &str| t.replace("Order", "Parcel").replace("shop", "depot").replace("late", "early");
    let given: Vec<(String, Option<String>)> =
        dump(DICTIONARY_SAMPLES * 2, "d").1.into_iter().map(|(c, t)| (c, t.map(|t| other(&t)))).collect();
    engine.import(&[ws.file("b.jsonl", other(&text))], &ImportOptions::default(), &mut |_| {}).unwrap();
    assert_eq!(dictionaries(&ws), 1);
    assert!(packed_and_plain(&ws).0 > 0);
    for (c, content) in given.iter().step_by(211) {
        let t = engine.transcript(c).unwrap();
        assert_eq!(&t.messages[0].message.content, content, "{c}");
    }
}

/// A file that says a few texts again and again (a bot's canned answers),
/// among more different texts than the reading thread remembers, and
/// texts too long to remember: every message is kept and indexed as if it
/// were the only one saying its text.
#[test]
fn texts_said_again_and_again_are_packed_and_indexed_as_each_message_says_them() {
    let ws = Workspace::new();
    let canned =
        ["Let me check that for you.", "I've started a refund; it takes 3-5 business days.", "Obrigado, resolvido!"];
    let long = format!("A long answer that is repeated — {}", "step by step, ".repeat(30));
    let mut out = String::new();
    let mut given = Vec::new();
    // More than DICTIONARY_SAMPLES (packing starts after the dictionary is
    // learnt) and more distinct texts than the memo holds (4,096).
    let n = DICTIONARY_SAMPLES + 9000;
    for i in 0..n {
        let content = match i % 5 {
            0 | 1 => canned[i % 3].to_owned(),
            2 => long.clone(),
            _ => format!("Parcel {i} came to the {} depot", ["north", "south"][i % 2]),
        };
        let c = format!("c{i}");
        out.push_str(
            &serde_json::json!({"type": "message", "conversation_id": c, "message_id": "m1", "role": "agent",
                "timestamp": format!("2026-10-{:02}T10:{:02}:00Z", 1 + i % 28, i % 60), "content": content})
            .to_string(),
        );
        out.push('\n');
        given.push((c, content));
    }
    ws.import(&[ws.file("canned.jsonl", out)]);
    let (packed, _) = packed_and_plain(&ws);
    assert!(packed as usize > n * 9 / 10, "{packed} of {n} packed");
    for (c, content) in given.iter().step_by(53) {
        assert_eq!(transcript_text(&ws, c).as_deref(), Some(content.as_str()), "{c}");
    }
    // Messages saying the same text are stored alike, packed or not.
    let conn = rusqlite::Connection::open(ws.db()).unwrap();
    let forms: i64 = conn
        .query_row(
            "SELECT count(DISTINCT CAST(m.content AS BLOB)) FROM message_key AS k JOIN message AS m ON m.id = k.id
             JOIN conversation AS c ON c.id = k.conversation WHERE c.conversation_id IN ('c0', 'c15', 'c30', 'c9000')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(forms, 1, "c0, c15, c30 and c9000 say the same canned text");
    let said = |phrase: &str| {
        let q = query("2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z", "UTC", &[("text", phrase)]);
        metrics(&mut ws.engine(), &q).total_conversations
    };
    let count = |f: &dyn Fn(&str) -> bool| given.iter().filter(|(_, t)| f(t)).count() as u64;
    assert_eq!(said("check that for you"), count(&|t| t.contains("check that for you")));
    assert_eq!(said("resolvido"), count(&|t| t.contains("resolvido")));
    assert_eq!(said("step by step"), count(&|t| t.contains("step by step")));
    assert_eq!(said("parcel 9003 came"), 1);
    assert_eq!(said("south depot"), count(&|t| t.contains("south depot")));
}
