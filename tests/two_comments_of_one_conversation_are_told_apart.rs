//! Two feedback comments of one conversation, given at the same second (a
//! Dify export gives every feedback its message's time), are two items with
//! ids of their own: the app keys its list of comments by that id, and
//! its list of imported files by theirs.

use rapport::engine::Engine;
use rapport::import::ImportOptions;
use rapport::metrics::Query;
use rapport::model::parse_timestamp;

fn message(id: &str, comment: &str) -> String {
    format!(
        r#"{{"id":"{id}","conversation_id":"dup","query":"q {id}","answer":"a {id}","feedback":{{"rating":"like","content":"{comment}"}},"created_at":1791536400,"agent_thoughts":[]}}"#
    )
}

#[test]
fn each_comment_and_each_imported_file_has_its_own_id() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("messages.json");
    let body = [message("m-1", "Helpful"), message("m-2", "Helpful")].join(",");
    std::fs::write(&file, format!(r#"{{"limit":20,"has_more":false,"data":[{body}]}}"#)).unwrap();
    let other = dir.path().join("other.jsonl");
    std::fs::write(
        &other,
        r#"{"type":"message","conversation_id":"c","role":"user","timestamp":"2026-10-09T09:00:00Z","content":"hi"}"#,
    )
    .unwrap();
    let mut engine = Engine::open(&dir.path().join("store.db"), None).unwrap();
    engine.import(&[file, other], &ImportOptions::default(), &mut |_| {}).unwrap();

    let query = Query::new(
        parse_timestamp("2026-10-01T00:00:00Z").unwrap(),
        parse_timestamp("2026-11-01T00:00:00Z").unwrap(),
        "UTC",
        Default::default(),
    )
    .unwrap();
    let comments = engine.dashboard_view(&query).unwrap().extras.latest_comments;
    assert_eq!(comments.len(), 2, "both comments are listed");
    assert_eq!(
        (&comments[0].conversation_id, comments[0].timestamp, &comments[0].comment),
        (&comments[1].conversation_id, comments[1].timestamp, &comments[1].comment),
        "the two comments are alike in everything the app showed"
    );
    assert_ne!(comments[0].row, comments[1].row, "but their ids differ");
    let json = serde_json::to_value(&comments[0]).unwrap();
    assert!(json["row"].is_i64(), "the id reaches the app: {json}");

    let files = engine.status().unwrap().files;
    assert_eq!(files.len(), 2);
    assert_ne!(files[0].id, files[1].id, "each imported file has its own id");
}
