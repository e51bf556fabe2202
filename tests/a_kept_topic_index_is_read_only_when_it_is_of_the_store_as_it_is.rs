//! The topic index is kept beside the store (`STORE-topics`), so that a new
//! process (the app opened again) reads it instead of building it from
//! every user message's text; it is read only when its tag says it is of
//! the store as it is now, with the same stop words, and whole.

mod common;
use common::*;
use std::path::Path;

/// The kept file's identity: a file kept again is a new one renamed over it.
#[cfg(unix)]
fn identity(path: &Path) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path).expect("a topic index kept");
    (meta.dev(), meta.ino())
}

#[cfg(not(unix))]
fn identity(path: &Path) -> std::time::SystemTime {
    std::fs::metadata(path).and_then(|m| m.modified()).expect("a topic index kept")
}

#[test]
fn a_new_engine_reads_the_kept_index_and_finds_the_same_topics() {
    let ws = Workspace::new();
    ws.import(&[
        ws.file("a.jsonl", conversations_jsonl(200, "a")),
        ws.file("b.jsonl", users_asking(0..90, "b", "refund for my damaged parcel")),
    ]);
    let expected = topics_built_again(&ws);
    assert!(expected.to_string().contains("damaged parcel"), "some topics: {expected}");
    let kept = rapport::store::topics_path(&ws.db());
    let before = identity(&kept);

    assert_eq!(autumn_topics(&mut ws.engine()), expected);
    assert_eq!(identity(&kept), before, "read, not built and kept again");
}

#[test]
fn after_an_import_the_kept_index_is_not_read_as_it_is_and_the_new_messages_count() {
    let ws = Workspace::new();
    ws.import(&[ws.file("a.jsonl", users_asking(0..90, "a", "refund for my damaged parcel"))]);
    topics_built_again(&ws);
    let kept = rapport::store::topics_path(&ws.db());
    let before = identity(&kept);

    ws.import(&[ws.file("b.jsonl", users_asking(0..150, "b", "invoice address change"))]);
    let topics = autumn_topics(&mut ws.engine());
    assert!(topics.to_string().contains("address change"), "the new messages count: {topics}");
    assert_ne!(identity(&kept), before, "made again (brought up to date) and kept");
    assert_eq!(topics, topics_built_again(&ws));
}

#[test]
fn a_kept_index_with_a_byte_changed_is_built_again() {
    let ws = Workspace::new();
    ws.import(&[
        ws.file("a.jsonl", conversations_jsonl(100, "a")),
        ws.file("b.jsonl", users_asking(0..90, "b", "refund for my damaged parcel")),
    ]);
    let expected = topics_built_again(&ws);
    let kept = rapport::store::topics_path(&ws.db());
    // A letter of a phrase changed: still an index, of another phrase.
    let mut bytes = std::fs::read(&kept).unwrap();
    let at = bytes.windows(7).position(|w| w == b"damaged").expect("the phrase is kept");
    bytes[at] = b'l';
    std::fs::write(&kept, &bytes).unwrap();
    let before = identity(&kept);

    assert_eq!(autumn_topics(&mut ws.engine()), expected);
    assert_ne!(identity(&kept), before, "the damaged copy was replaced");
}
