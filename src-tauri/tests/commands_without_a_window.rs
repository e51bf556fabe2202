//! The commands' work, called as plain functions on a temporary store: what
//! the window would get, without a window.

use rapport::metrics::{Drill, QuerySpec, SortKey};
use rapport_desktop::commands::{conversation, conversations, dashboard, import, settings, welcome};
use rapport_desktop::state::AppState;
use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

fn state(dir: &tempfile::TempDir) -> AppState {
    AppState::open(dir.path().join("store.db"), None).expect("a fresh store opens")
}

fn month(filters: &[(&str, &str)]) -> QuerySpec {
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, v) in filters {
        map.entry(k.to_string()).or_default().push(v.to_string());
    }
    QuerySpec {
        from: "2026-10-01T00:00:00Z".into(),
        to: "2026-10-29T00:00:00Z".into(),
        tz: "Europe/Berlin".into(),
        filters: map,
    }
}

const EVENTS: &str = r#"{"type":"conversation","conversation_id":"a","started_at":"2026-10-02T10:00:00Z","customer_id":"u1","source":"web","customer_ip_address":"8.8.8.8"}
{"type":"message","conversation_id":"a","message_id":"1","role":"user","timestamp":"2026-10-02T10:00:01Z","content":"<b>not bold</b>"}
{"type":"message","conversation_id":"a","message_id":"2","role":"agent","timestamp":"2026-10-02T10:00:03Z","content":"Hello"}
{"type":"action","conversation_id":"a","name":"open_ticket","started_at":"2026-10-02T10:00:02Z","duration_ms":120}
{"type":"conversation","conversation_id":"b","started_at":"2026-10-03T10:00:00Z","source":"whatsapp"}
not json
"#;

#[test]
fn an_empty_store_says_so_and_demo_data_fills_it() {
    let dir = tempfile::tempdir().unwrap();
    let s = state(&dir);
    assert_eq!(
        welcome::store_status(&s).unwrap().stored.conversations,
        0,
        "the welcome screen shows on an empty store"
    );
    let status = welcome::demo(&s).unwrap();
    assert_eq!(status.stored.conversations, 6000);
    assert!(status.first_message.is_some());
}

#[test]
fn import_then_dashboard_list_and_transcript() {
    let dir = tempfile::tempdir().unwrap();
    let s = state(&dir);
    let file = dir.path().join("events.jsonl");
    std::fs::write(&file, EVENTS).unwrap();
    let mut seen = Vec::new();
    let report =
        import::run_import(&s.db, None, &[file], Arc::new(AtomicBool::new(false)), &mut |p| seen.push(p.clone()))
            .unwrap();
    assert_eq!(report.files[0].records, 5);
    assert_eq!(report.files[0].rejections[0].position, "events.jsonl line 6");
    assert_eq!(seen.last().map(|p| p.files_done), Some(1), "the last progress always reaches the window");
    s.engine().unwrap().refresh();

    let view = dashboard::load_dashboard(&s, &month(&[])).unwrap();
    assert_eq!(view.dashboard.current.total_conversations, 2);
    assert_eq!(view.dashboard.current.escalated_conversations, 1);
    assert_eq!(view.extras.conversations_with_ip, 1);
    let web = dashboard::load_dashboard(&s, &month(&[("source", "web")])).unwrap();
    assert_eq!(web.dashboard.current.total_conversations, 1);

    let request = conversations::ConversationsRequest {
        query: month(&[]),
        drill: Some(Drill::Tool { name: "open_ticket".into() }),
        search: String::new(),
        sort: conversations::Sort { key: SortKey::StartedAt, desc: true },
        offset: 0,
        limit: 50,
    };
    let page = conversations::list_conversations(&s, &request).unwrap();
    assert_eq!(page.total, 1);
    assert_eq!(page.rows[0].conversation_id, "a");
    assert_eq!(page.rows[0].country, "US");

    let t = conversation::load_transcript(&s, "a").unwrap();
    assert_eq!(t.messages[0].message.content.as_deref(), Some("<b>not bold</b>"), "text stays text");
    assert_eq!(t.messages[1].response_ms, Some(2000.0));
}

#[test]
fn errors_reach_the_window_with_a_code_and_a_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let s = state(&dir);
    let mut bad = month(&[]);
    bad.tz = "Mars/Olympus".into();
    let err = dashboard::load_dashboard(&s, &bad).unwrap_err();
    assert_eq!(err.code, "query");
    assert!(err.message.contains("Mars/Olympus"), "{}", err.message);
    let err = conversation::load_transcript(&s, "nobody").unwrap_err();
    assert_eq!(err.code, "not_found");
}

#[test]
fn settings_are_kept_and_checked() {
    let dir = tempfile::tempdir().unwrap();
    let s = state(&dir);
    let mut wanted = settings::read_settings(&s).unwrap();
    assert!(wanted.escalation_tools.contains(&"fallback_to_human".to_string()));
    wanted.escalation_tools = vec!["handover".into()];
    wanted.default_zone = Some("Asia/Kathmandu".into());
    settings::write_settings(&s, wanted.clone()).unwrap();
    let reopened = state(&dir);
    assert_eq!(settings::read_settings(&reopened).unwrap(), wanted, "settings travel with the store");
    wanted.default_zone = Some("Nowhere/Land".into());
    assert_eq!(settings::write_settings(&s, wanted).unwrap_err().code, "query");
    assert!(dashboard::zone_names().contains(&"America/St_Johns"));
}
