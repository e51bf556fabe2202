//! After an import, the topic index the engine held (or the app's job was
//! given, or a new process finds kept beside the store) is brought up to
//! date from the messages of the conversations the import changed, not
//! built again from every message; its topics are those of an index built
//! again from the whole store.

mod common;
use common::*;
use rapport::engine::Engine;

fn topics_json(engine: &mut Engine) -> serde_json::Value {
    serde_json::to_value(engine.topics(&autumn("UTC")).unwrap()).unwrap()
}

/// Conversations `from..to` whose users ask about `about`, in October 2026.
fn asking(from: usize, to: usize, prefix: &str, about: &str) -> String {
    let mut out = String::new();
    for i in from..to {
        out.push_str(&format!(
            "{{\"type\":\"message\",\"conversation_id\":\"{prefix}{i}\",\"message_id\":\"m1\",\"role\":\"user\",\"timestamp\":\"2026-10-06T10:{:02}:00Z\",\"content\":\"{about} please, case {i}\"}}\n\
             {{\"type\":\"message\",\"conversation_id\":\"{prefix}{i}\",\"message_id\":\"m2\",\"role\":\"user\",\"timestamp\":\"2026-10-06T10:{:02}:30Z\"}}\n",
            i % 60,
            i % 60
        ));
    }
    out
}

/// The topics of the store with an index built from every message.
fn built_again(ws: &Workspace) -> serde_json::Value {
    let _ = std::fs::remove_file(rapport::store::topics_path(&ws.db()));
    topics_json(&mut ws.engine())
}

/// An import that adds conversations and gives others again with other words.
fn changes(ws: &Workspace) -> Vec<std::path::PathBuf> {
    vec![ws.file(
        "b.jsonl",
        asking(0, 40, "a", "invoice address change") + &asking(200, 260, "a", "invoice address change"),
    )]
}

/// Topics after [`changes`]: the new messages count, and they are what an
/// index built again from the whole store gives.
fn are_those_of_an_index_built_again(ws: &Workspace, after: serde_json::Value) {
    assert!(after.to_string().contains("address change"), "the new messages count: {after}");
    assert_eq!(after, built_again(ws));
}

/// A store of 150 conversations about a damaged parcel.
fn asking_about_parcels() -> Workspace {
    let ws = Workspace::new();
    ws.import(&[ws.file("a.jsonl", asking(0, 150, "a", "refund for my damaged parcel"))]);
    ws
}

#[test]
fn the_engines_index_brought_up_to_date_finds_the_topics_of_one_built_again() {
    let ws = asking_about_parcels();
    let mut engine = ws.engine();
    let before = topics_json(&mut engine);
    assert!(before.to_string().contains("damaged parcel"), "{before}");

    engine.import(&changes(&ws), &Default::default(), &mut |_| {}).unwrap();
    are_those_of_an_index_built_again(&ws, topics_json(&mut engine));
}

#[test]
fn the_apps_job_brings_the_index_held_up_to_date_to_the_topics_of_one_built_again() {
    let ws = asking_about_parcels();
    let mut engine = ws.engine();
    topics_json(&mut engine);

    engine.import(&changes(&ws), &Default::default(), &mut |_| {}).unwrap();
    let job = engine.topic_index_job().unwrap().expect("the index held is of the store before the import");
    engine.install_topic_index(job.build().unwrap()).unwrap();
    assert!(engine.topic_index_job().unwrap().is_none(), "the index handed back is used");
    are_those_of_an_index_built_again(&ws, topics_json(&mut engine));
}

#[test]
fn a_new_engine_brings_the_index_kept_before_another_import_up_to_date() {
    let ws = asking_about_parcels();
    topics_json(&mut ws.engine());
    // Another process imports (the command line, say); the next one opens the store.
    ws.import(&changes(&ws));
    are_those_of_an_index_built_again(&ws, topics_json(&mut ws.engine()));
}
