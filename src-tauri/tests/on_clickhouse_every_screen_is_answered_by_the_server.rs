//! On a ClickHouse store every screen of the app is answered by the server:
//! each command the window calls (the status, the dashboard with its
//! extras, filters, a `text` filter and a second segment, the conversation
//! list behind every kind of chart cell and card, a search, a transcript,
//! what people ask about, every export of the menu, the settings) works,
//! and none reads the store's records into the client to count them: the
//! engine's facts, the way the numbers of this computer's store are
//! counted, are an error on a ClickHouse store, so a command that went
//! through them would fail here.
//!
//! Needs a ClickHouse store: `tests/clickhouse/run.sh` runs this with
//! `--ignored` on chdb, giving the store's URL (with `{db}` for the
//! database) in `RAPPORT_TEST_CLICKHOUSE`.

mod common;
use common::month;
use rapport::engine::Error;
use rapport::import::ImportOptions;
use rapport::metrics::{Drill, QueryText, SortKey};
use rapport_desktop::commands::conversations::{list_conversations, search_phrase, ConversationsRequest, Sort};
use rapport_desktop::commands::export::{export_bytes, Export};
use rapport_desktop::commands::{conversation, dashboard, import, settings, welcome};
use rapport_desktop::state::AppState;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Three conversations: with comments, an address, a model, a tool, a
/// question left unanswered.
const EVENTS: &str = r#"{"type":"conversation","conversation_id":"a","started_at":"2026-10-02T10:00:00Z","customer_id":"u1","source":"web","device":"mobile","customer_ip_address":"8.8.8.8"}
{"type":"message","conversation_id":"a","message_id":"1","role":"user","timestamp":"2026-10-02T10:00:01Z","content":"Where is my parcel?"}
{"type":"message","conversation_id":"a","message_id":"2","role":"agent","timestamp":"2026-10-02T10:00:03Z","content":"It left the depot today.","model":"gpt-4o","prompt_tokens":100,"completion_tokens":20,"cost":0.001}
{"type":"action","conversation_id":"a","name":"open_ticket","started_at":"2026-10-02T10:00:02Z","duration_ms":120}
{"type":"feedback","conversation_id":"a","rating":"positive","comment":"quick, thanks","timestamp":"2026-10-02T10:01:00Z"}
{"type":"conversation","conversation_id":"b","started_at":"2026-10-03T10:00:00Z","source":"whatsapp","device":"desktop"}
{"type":"message","conversation_id":"b","message_id":"1","role":"user","timestamp":"2026-10-03T10:00:01Z","content":"Can I get a refund?"}
{"type":"message","conversation_id":"b","message_id":"2","role":"agent","timestamp":"2026-10-03T10:00:09Z","content":"I'm not sure, sorry.","model":"gpt-4o-mini","prompt_tokens":80,"completion_tokens":10}
{"type":"feedback","conversation_id":"b","rating":"negative","comment":"no answer","timestamp":"2026-10-03T10:02:00Z"}
{"type":"feedback","conversation_id":"b","rating":"negative","comment":"no answer","timestamp":"2026-10-03T10:02:00Z","feedback_id":"second"}
{"type":"conversation","conversation_id":"c","started_at":"2026-10-04T08:00:00Z","source":"web","device":"mobile"}
{"type":"message","conversation_id":"c","message_id":"1","role":"user","timestamp":"2026-10-04T08:00:01Z","content":"refund please"}
"#;

fn request(query: &QueryText, drill: Option<Drill>, search: &str) -> ConversationsRequest {
    ConversationsRequest {
        query: query.clone(),
        drill,
        search: search.into(),
        sort: Sort { key: SortKey::StartedAt, desc: true },
        offset: 0,
        limit: 50,
    }
}

#[test]
#[ignore = "needs a ClickHouse store: tests/clickhouse/run.sh runs it"]
fn every_command_of_the_window_is_answered_by_the_clickhouse_server() {
    let pattern = std::env::var("RAPPORT_TEST_CLICKHOUSE")
        .expect("RAPPORT_TEST_CLICKHOUSE names the ClickHouse store: run tests/clickhouse/run.sh");
    let url = pattern.replace("{db}", &format!("rapport_app_{}", std::process::id()));
    let dir = tempfile::tempdir().unwrap();
    let s = AppState::open(PathBuf::from(&url), None).expect("the ClickHouse store opens");
    let file = dir.path().join("events.jsonl");
    std::fs::write(&file, EVENTS).unwrap();
    // Imported through the window's own engine: chdb keeps one session a process.
    s.engine().unwrap().import(&[file], &ImportOptions::default(), &mut |_| {}).expect("the import runs");
    import::after_import(&s);

    let on_the_server = |what: &str| {
        let mut engine = s.engine().unwrap();
        assert!(!engine.holds_facts(), "{what}: the engine holds no facts on a ClickHouse store");
        assert!(
            matches!(engine.facts(), Err(Error::OnTheServer(_))),
            "{what}: the facts of every record are not to be had on a ClickHouse store"
        );
    };
    on_the_server("after the import");

    let status = welcome::store_status(&s).unwrap();
    assert_eq!(
        (status.stored.conversations, status.stored.messages, status.stored.feedback),
        (3, 5, 3),
        "the status counts what the server holds"
    );

    let q = month(&[]);
    let view = dashboard::load_dashboard(&s, &q).unwrap();
    let current = &view.dashboard.current;
    assert_eq!((current.total_conversations, current.total_messages), (3, 5));
    assert_eq!(view.extras.conversations_with_ip, 1, "one conversation has an address");
    let models: Vec<&str> = view.extras.models.iter().map(|m| m.model.as_str()).collect();
    assert_eq!(models, ["gpt-4o", "gpt-4o-mini"], "usage per model, by cost");
    assert!(!view.extras.models[1].priced, "tokens without a cost or a price are said");
    let comments: Vec<(&str, &str)> =
        view.extras.latest_comments.iter().map(|c| (c.conversation_id.as_str(), c.comment.as_str())).collect();
    assert_eq!(comments, [("b", "no answer"), ("b", "no answer"), ("a", "quick, thanks")], "newest first");
    let rows: std::collections::BTreeSet<i64> = view.extras.latest_comments.iter().map(|c| c.row).collect();
    assert_eq!(rows.len(), 3, "two comments alike have rows of their own");
    let times = view.dashboard.current.response_time_by_model.as_ref().expect("response times per model");
    assert_eq!(times.len(), 2, "{times:?}");
    let insights = current.insights.0.as_ref().expect("the Insights");
    assert_eq!(insights.unanswered_questions, 2, "{insights:?}");

    let mut segmented = month(&[("device", "mobile")]);
    let mut segment = BTreeMap::new();
    segment.insert("text".to_owned(), vec!["refund".to_owned()]);
    segmented.segment = Some(segment);
    let view = dashboard::load_dashboard(&s, &segmented).unwrap();
    assert_eq!(view.dashboard.current.total_conversations, 2, "the mobile conversations");
    assert_eq!(view.dashboard.segment.as_ref().map(|m| m.total_conversations), Some(2), "those saying refund");
    let said = dashboard::load_dashboard(&s, &month(&[("text", "REFUND")])).unwrap();
    assert_eq!(said.extras.latest_comments.len(), 2, "the comments of the conversations saying it");

    let drills = [
        (None, 3),
        (Some(Drill::Day { date: "2026-10-03".into() }), 1),
        (Some(Drill::Hour { weekday: 5, hour: 12 }), 1),
        (Some(Drill::Tool { name: "open_ticket".into() }), 1),
        (Some(Drill::Resolved), 1),
        (Some(Drill::Unresolved), 2),
        (Some(Drill::Unanswered { question: "Can I get a refund?".into() }), 1),
    ];
    for (drill, expected) in drills {
        let page = list_conversations(&s, &request(&q, drill.clone(), "")).unwrap();
        assert_eq!(page.total, expected, "the conversations behind {drill:?}");
    }
    assert_eq!(list_conversations(&s, &request(&q, None, "parcel")).unwrap().total, 1, "the search box");
    let hits = search_phrase(&s, &q, "refund").unwrap();
    assert_eq!(hits.len(), 2, "a full-text search: {hits:?}");
    let transcript = conversation::load_transcript(&s, "a").unwrap();
    assert_eq!(transcript.messages.len(), 2);
    assert_eq!(transcript.country, "US", "the address located");
    assert!(conversation::load_transcript(&s, "nobody").is_err());
    dashboard::load_topics(&s, &q).expect("what people ask about");

    for export in [
        Export::Pdf { paper: "a4".into() },
        Export::Html { paper: "letter".into() },
        Export::Png { chart: "daily".into(), scale: 1 },
        Export::Svg { chart: "world-map".into() },
        Export::Csv { table: "conversations".into() },
        Export::Csv { table: "tools".into() },
        Export::Csv { table: "countries".into() },
        Export::Csv { table: "daily".into() },
        Export::Csv { table: "unanswered".into() },
    ] {
        let bytes = export_bytes(&s, &q, &export).unwrap_or_else(|e| panic!("{export:?}: {}", e.message));
        assert!(!bytes.is_empty(), "{export:?}");
    }

    assert_eq!(dashboard::load_dashboard(&s, &q).unwrap().dashboard.current.escalated_conversations, 1);
    let mut changed = settings::read_settings(&s).unwrap();
    changed.escalation_tools = Vec::new();
    settings::write_settings(&s, changed).unwrap();
    let view = dashboard::load_dashboard(&s, &q).unwrap();
    assert_eq!(
        view.dashboard.current.escalated_conversations, 0,
        "the settings' escalation tools, in the server's SQL"
    );
    on_the_server("after every screen");
}
