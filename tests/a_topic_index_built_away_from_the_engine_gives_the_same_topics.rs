//! The app builds the topic index on a thread and connection of its own
//! (`Engine::topic_index_job`), so that the engine goes on answering; the
//! index it hands back gives the topics the engine finds itself, and one
//! built before the store changed is not used.

mod common;
use common::*;

/// Conversations whose users ask about refunds and parcels.
fn asking(n: usize, prefix: &str, about: &str) -> String {
    let mut out = String::new();
    for i in 0..n {
        out.push_str(&format!(
            "{{\"type\":\"message\",\"conversation_id\":\"{prefix}{i}\",\"message_id\":\"m1\",\"role\":\"user\",\"timestamp\":\"2026-10-05T09:{:02}:00Z\",\"content\":\"{about} number {i}\"}}\n\
             {{\"type\":\"message\",\"conversation_id\":\"{prefix}{i}\",\"message_id\":\"m2\",\"role\":\"agent\",\"timestamp\":\"2026-10-05T09:{:02}:05Z\",\"content\":\"Done.\"}}\n",
            i % 60,
            i % 60
        ));
    }
    out
}

#[test]
fn an_index_built_by_a_job_gives_the_topics_the_engine_finds() {
    let ws = Workspace::new();
    ws.import(&[
        ws.file("a.jsonl", conversations_jsonl(300, "a")),
        ws.file("b.jsonl", asking(120, "b", "refund for my damaged parcel")),
    ]);
    let expected = autumn_topics(&mut ws.engine());
    assert!(expected.as_array().is_some_and(|t| !t.is_empty()), "some topics: {expected}");
    // The job builds the index from the messages, not from the copy the
    // engine kept beside the store.
    std::fs::remove_file(rapport::store::topics_path(&ws.db())).unwrap();

    let mut engine = ws.engine();
    let job = engine.topic_index_job().unwrap().expect("no index held yet");
    let built = job.build().unwrap();
    engine.install_topic_index(built).unwrap();
    assert!(engine.topic_index_job().unwrap().is_none(), "the index handed back is used");
    assert_eq!(autumn_topics(&mut engine), expected);
}

#[test]
fn an_index_built_before_the_store_changed_is_not_used() {
    let ws = Workspace::new();
    ws.import(&[ws.file("a.jsonl", conversations_jsonl(300, "a"))]);
    let mut engine = ws.engine();
    let job = engine.topic_index_job().unwrap().expect("no index held yet");
    let built = job.build().unwrap();
    // Meanwhile, an import through the engine.
    engine
        .import(&[ws.file("b.jsonl", asking(200, "b", "invoice address change"))], &Default::default(), &mut |_| {})
        .unwrap();
    engine.install_topic_index(built).unwrap();
    assert!(engine.topic_index_job().unwrap().is_some(), "the stale index was dropped");
    let topics = autumn_topics(&mut engine);
    assert_eq!(topics, autumn_topics(&mut ws.engine()), "the topics of the store as it is now");
    assert!(topics.to_string().contains("address change"), "the new messages count: {topics}");
}

#[test]
fn topics_counted_away_from_the_engine_are_the_engines_and_a_count_told_to_stop_gives_none() {
    use rapport::engine::TopicsAsked;
    let ws = Workspace::new();
    ws.import(&[
        ws.file("a.jsonl", conversations_jsonl(300, "a")),
        ws.file("b.jsonl", asking(120, "b", "refund for my damaged parcel")),
    ]);
    let mut engine = ws.engine();
    let expected = autumn_topics(&mut engine);
    let TopicsAsked::Count(count) = engine.topics_asked(&autumn("UTC")).unwrap() else {
        panic!("a SQLite store's topics are counted from its topic index")
    };
    // The engine is free meanwhile: another question is answered first.
    engine.dashboard_view(&autumn("UTC")).unwrap();
    let counted = std::thread::spawn(move || count.count(&|| false)).join().unwrap();
    assert_eq!(serde_json::to_value(counted.expect("not stopped")).unwrap(), expected);
    let TopicsAsked::Count(count) = engine.topics_asked(&autumn("UTC")).unwrap() else { unreachable!() };
    assert!(count.count(&|| true).is_none(), "told to stop, it gives nothing");
}

/// Conversations in German (`language`), whose users ask about `about`.
fn in_german(n: usize, prefix: &str, about: &str) -> String {
    let described: String = (0..n)
        .map(|i| format!("{{\"type\":\"conversation\",\"conversation_id\":\"{prefix}{i}\",\"language\":\"de\"}}\n"))
        .collect();
    described + &asking(n, prefix, about)
}

#[test]
fn a_language_first_imported_later_has_its_stop_words_left_out_by_the_same_engine() {
    let ws = Workspace::new();
    ws.import(&[
        ws.file("a.jsonl", conversations_jsonl(300, "a")),
        ws.file("b.jsonl", asking(120, "b", "meine rechnung fehlt")),
    ]);
    let mut engine = ws.engine();
    let before = autumn_topics(&mut engine).to_string();
    assert!(before.contains("meine rechnung"), "no German conversation yet: `meine` is a word like others: {before}");
    // German conversations come: German stop words are left out from now on.
    engine
        .import(&[ws.file("c.jsonl", in_german(150, "c", "wo ist mein paket"))], &Default::default(), &mut |_| {})
        .unwrap();
    let after = autumn_topics(&mut engine);
    assert!(!after.to_string().contains("meine rechnung"), "`meine` is a German stop word now: {after}");
    assert_eq!(after, autumn_topics(&mut ws.engine()), "as a new engine finds them");
}
