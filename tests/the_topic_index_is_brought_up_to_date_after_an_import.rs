//! After an import, the topic index the engine held (or the app's job was
//! given, or a new process finds kept beside the store) is brought up to
//! date from the messages of the conversations the import changed, not
//! built again from every message; its topics are those of an index built
//! again from the whole store.

mod common;
use common::*;

/// An import that adds conversations and gives others again with other words.
fn changes(ws: &Workspace) -> Vec<std::path::PathBuf> {
    vec![ws.file(
        "b.jsonl",
        users_asking(0..40, "a", "invoice address change") + &users_asking(200..260, "a", "invoice address change"),
    )]
}

/// Topics after [`changes`]: the new messages count, and they are what an
/// index built again from the whole store gives.
fn are_those_of_an_index_built_again(ws: &Workspace, after: serde_json::Value) {
    assert!(after.to_string().contains("address change"), "the new messages count: {after}");
    assert_eq!(after, topics_built_again(ws));
}

/// A store of 150 conversations about a damaged parcel.
fn asking_about_parcels() -> Workspace {
    let ws = Workspace::new();
    ws.import(&[ws.file("a.jsonl", users_asking(0..150, "a", "refund for my damaged parcel"))]);
    ws
}

#[test]
fn the_engines_index_brought_up_to_date_finds_the_topics_of_one_built_again() {
    let ws = asking_about_parcels();
    let mut engine = ws.engine();
    let before = autumn_topics(&mut engine);
    assert!(before.to_string().contains("damaged parcel"), "{before}");

    engine.import(&changes(&ws), &Default::default(), &mut |_| {}).unwrap();
    are_those_of_an_index_built_again(&ws, autumn_topics(&mut engine));
}

#[test]
fn the_apps_job_brings_the_index_held_up_to_date_to_the_topics_of_one_built_again() {
    let ws = asking_about_parcels();
    let mut engine = ws.engine();
    autumn_topics(&mut engine);

    engine.import(&changes(&ws), &Default::default(), &mut |_| {}).unwrap();
    let job = engine.topic_index_job().unwrap().expect("the index held is of the store before the import");
    engine.install_topic_index(job.build().unwrap()).unwrap();
    assert!(engine.topic_index_job().unwrap().is_none(), "the index handed back is used");
    are_those_of_an_index_built_again(&ws, autumn_topics(&mut engine));
}

#[test]
fn a_new_engine_brings_the_index_kept_before_another_import_up_to_date() {
    let ws = asking_about_parcels();
    autumn_topics(&mut ws.engine());
    // Another process imports (the command line, say); the next one opens the store.
    ws.import(&changes(&ws));
    are_those_of_an_index_built_again(&ws, autumn_topics(&mut ws.engine()));
}
