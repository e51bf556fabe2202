//! Issue 12: the full-text index behind the `text` filter is kept in step by
//! the import (new messages, re-imports that change a message, an old store
//! migrated), and what it finds is held to the word rule of METRICS.md.

mod common;
use common::*;
use rapport::store::Store;

fn line(conversation: &str, message: &str, role: &str, content: &str) -> String {
    format!(
        "{{\"type\":\"message\",\"conversation_id\":\"{conversation}\",\"message_id\":\"{message}\",\"role\":\"{role}\",\"timestamp\":\"2026-10-02T10:00:0{}Z\",\"content\":\"{content}\"}}\n",
        if role == "user" { 1 } else { 2 }
    )
}

fn said(ws: &Workspace, phrase: &str) -> u64 {
    metrics(&mut ws.engine(), &query("2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z", "UTC", &[("text", phrase)]))
        .total_conversations
}

#[test]
fn a_reimport_that_changes_a_message_changes_what_it_says() {
    let ws = Workspace::new();
    let first = ws.file("a.jsonl", line("c1", "m1", "user", "I want a REFUND") + &line("c2", "m1", "user", "hello"));
    ws.import(&[first]);
    assert_eq!(said(&ws, "refund"), 1);
    assert_eq!(said(&ws, "Want a refund"), 1, "a phrase, in any case");

    let second = ws.file("b.jsonl", line("c1", "m1", "user", "never mind") + &line("c2", "m1", "user", "¿Dónde está?"));
    ws.import(&[second]);
    assert_eq!(said(&ws, "refund"), 0, "the replaced message no longer says it");
    assert_eq!(said(&ws, "DONDE ESTA"), 1, "accents and case do not matter");
    assert_eq!(said(&ws, "want"), 0);
}

#[test]
fn the_index_matches_words_not_parts_of_words() {
    let ws = Workspace::new();
    let file = ws.file(
        "a.jsonl",
        line("c1", "m1", "user", "refunded twice") + &line("c2", "m1", "agent", "snake_case Straße ﬁne"),
    );
    ws.import(&[file]);
    assert_eq!(said(&ws, "refund"), 0, "refunded is another word");
    assert_eq!(said(&ws, "case strasse"), 1, "_ separates words; ß folds to ss");
    assert_eq!(said(&ws, "fine"), 1, "a ligature is its letters");
    assert_eq!(said(&ws, "twice refunded"), 0, "a phrase keeps its order");
}

#[test]
fn a_store_from_before_the_index_gets_it_on_opening() {
    let ws = Workspace::new();
    // The schema version just before the index (found, not written down:
    // migrations may be renumbered when branches meet).
    let probe = Workspace::new();
    let latest = Store::open(&probe.db()).unwrap().schema_version().unwrap() as usize;
    let with_index = (1..=latest)
        .find(|&v| {
            let path = probe.dir.path().join(format!("v{v}.db"));
            drop(Store::open_at_version(&path, v).unwrap());
            let conn = rusqlite::Connection::open(&path).unwrap();
            conn.query_row("SELECT count(*) FROM sqlite_master WHERE name = 'message_words'", [], |r| {
                r.get::<_, i64>(0)
            })
            .unwrap()
                > 0
        })
        .expect("a migration makes the index");
    {
        // A message as the schema before the index kept it.
        drop(Store::open_at_version(&ws.db(), with_index - 1).unwrap());
        let conn = rusqlite::Connection::open(ws.db()).unwrap();
        conn.execute_batch(
            "INSERT INTO conversation (conversation_id) VALUES ('c1');
             INSERT INTO message (conversation, identity, message_id, role, timestamp, content)
             VALUES (1, 'im1', 'm1', 'user', 1790935201000000, 'charged twice');",
        )
        .unwrap();
    }
    assert_eq!(said(&ws, "Charged Twice"), 1, "the migration indexes the messages already there");
}

#[test]
fn a_message_given_twice_in_one_file_is_indexed_as_last_given() {
    let ws = Workspace::new();
    let file = ws.file("a.jsonl", line("c1", "m1", "user", "first draft") + &line("c1", "m1", "user", "final words"));
    ws.import(std::slice::from_ref(&file));
    assert_eq!(said(&ws, "first draft"), 0, "the later line replaced the message");
    assert_eq!(said(&ws, "final words"), 1);
    ws.import(&[file]);
    assert_eq!(said(&ws, "final words"), 1, "the same file again changes nothing");
}

#[test]
fn a_search_finds_the_conversations_that_say_a_phrase_newest_first_with_a_snippet() {
    let ws = Workspace::new();
    let file = ws.file(
        "a.jsonl",
        line("old", "m1", "user", "I was charged twice!").replace("10:00:01", "09:00:01")
            + &line("new", "m1", "user", "hello")
            + &line("new", "m2", "agent", "Sorry you were CHARGED  twice.")
            + &line("other", "m1", "user", "charged once, twice refunded"),
    );
    ws.import(&[file]);
    let period = query("2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z", "UTC", &[]);
    let hits = ws.engine().search(&period, "charged twice", 10).unwrap();
    let ids: Vec<&str> = hits.iter().map(|h| h.conversation_id.as_str()).collect();
    assert_eq!(ids, ["new", "old"], "newest first; words apart are no phrase");
    let snippet = hits[0].snippet.as_ref().expect("the message that says it");
    let (a, b) = snippet.highlights[0];
    let utf16: Vec<u16> = snippet.text.encode_utf16().collect();
    assert_eq!(String::from_utf16(&utf16[a as usize..b as usize]).unwrap(), "CHARGED  twice");
    assert!(ws.engine().search(&period, "?!", 10).is_err(), "a phrase without a word is refused");
}

#[test]
fn the_filter_keeps_the_conversations_that_say_it_whatever_order_they_were_imported_in() {
    let ws = Workspace::new();
    // Imported latest first: the facts number conversations by their start.
    let file = ws.file(
        "a.jsonl",
        line("late", "m1", "user", "a refund please").replace("10:00:01", "23:00:01")
            + &line("early", "m1", "user", "hello").replace("10:00:01", "01:00:01")
            + &line("middle", "m1", "user", "refund?").replace("10:00:01", "12:00:01"),
    );
    ws.import(&[file]);
    let q = query("2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z", "UTC", &[("text", "refund")]);
    let page =
        ws.engine().conversations(&q, &rapport::metrics::ListOptions { limit: 10, ..Default::default() }).unwrap();
    let mut ids: Vec<String> = page.rows.into_iter().map(|r| r.conversation_id).collect();
    ids.sort();
    assert_eq!(ids, ["late", "middle"]);
}

#[test]
fn a_phrase_said_across_two_messages_of_one_conversation_is_not_said() {
    let ws = Workspace::new();
    let file = ws.file(
        "a.jsonl",
        line("c1", "m1", "user", "where is my")
            + &line("c1", "m2", "agent", "order status")
            + &line("c2", "m1", "user", "my order"),
    );
    ws.import(&[file]);
    assert_eq!(said(&ws, "my order"), 1, "only the conversation that says it in one message");
    assert_eq!(said(&ws, "order"), 2, "a word is said wherever one of its messages says it");
}

#[test]
fn a_replaced_message_takes_its_words_away_and_leaves_the_others_messages() {
    let ws = Workspace::new();
    let first =
        ws.file("a.jsonl", line("c1", "m1", "user", "refund please") + &line("c1", "m2", "agent", "sure thing"));
    ws.import(&[first]);
    assert_eq!(said(&ws, "refund please"), 1);
    // A later file replaces one message and adds one to the same conversation.
    let second = ws.file(
        "b.jsonl",
        line("c1", "m1", "user", "cancel it")
            + &line("c1", "m3", "user", "thanks a lot").replace("10:00:01", "10:00:05"),
    );
    ws.import(&[second]);
    assert_eq!(said(&ws, "refund"), 0, "the old text's words are gone");
    assert_eq!(said(&ws, "sure thing"), 1, "the message not replaced still says its words");
    assert_eq!(said(&ws, "cancel it"), 1);
    assert_eq!(said(&ws, "thanks a lot"), 1, "a message added to a stored conversation is found");
}

#[test]
fn conversations_interleaved_beyond_what_the_reading_thread_holds_are_all_found() {
    // More conversations than the reading thread holds open at once
    // (run.rs), each said in two rounds: each conversation's words are
    // sent twice, and its document is written again from its messages.
    let ws = Workspace::new();
    let n = 1500;
    let mut text = String::new();
    for i in 0..n {
        text += &line(&format!("c{i}"), "m1", "user", &format!("first w{i}"));
    }
    for i in 0..n {
        let said_then = if i % 3 == 0 { "refund now" } else { "all good" };
        text += &line(&format!("c{i}"), "m2", "agent", said_then);
    }
    // And one message given again, changed, at the end.
    text += &line("c1", "m1", "user", "refund now");
    let file = ws.file("a.jsonl", text);
    ws.import(&[file]);
    assert_eq!(said(&ws, "first"), n - 1, "every conversation's first round but the one replaced");
    assert_eq!(said(&ws, "w7"), 1);
    assert_eq!(said(&ws, "w1"), 0, "c1's first message was replaced");
    assert_eq!(said(&ws, "refund now"), n / 3 + 1);
    assert_eq!(said(&ws, "good"), n - n / 3);
}

#[test]
fn records_written_without_their_words_ahead_are_indexed_at_the_commit() {
    // The demo writes record by record (no reading thread gathers words):
    // each conversation's words are read back from its messages at the commit.
    let ws = Workspace::new();
    let options = rapport::demo::DemoOptions { conversations: 300, seed: 5, end: at("2026-10-20T00:00:00Z") };
    ws.engine().load_demo(&options).unwrap();
    let records = rapport::demo::records(&options);
    let messages: Vec<(&str, Vec<String>)> = records
        .iter()
        .filter_map(|r| match r {
            rapport::model::Record::Message(m) => {
                Some((m.conversation_id.as_str(), rapport::metrics::words::words(m.content.as_deref()?)))
            }
            _ => None,
        })
        .collect();
    let first = messages.iter().find(|(_, w)| w.len() >= 2).expect("a message of two words");
    for phrase in [first.1[..1].to_vec(), first.1[..2].to_vec()] {
        let expected: std::collections::HashSet<&str> =
            messages.iter().filter(|(_, w)| rapport::metrics::words::has_phrase(w, &phrase)).map(|(c, _)| *c).collect();
        let q = query("2000-01-01T00:00:00Z", "2100-01-01T00:00:00Z", "UTC", &[("text", &phrase.join(" "))]);
        assert_eq!(metrics(&mut ws.engine(), &q).total_conversations, expected.len() as u64, "{phrase:?}");
    }
}
