//! Every number is one click from its conversations: a chart cell drills to
//! the list, and a transcript shows each reply's response time.

mod common;
use common::*;
use rapport::metrics::{Drill, ListOptions, SortKey};
use rapport::settings::AppSettings;

const EVENTS: &str = r#"{"type":"conversation","conversation_id":"a","started_at":"2026-10-02T10:00:00Z","customer_id":"ana","source":"web"}
{"type":"message","conversation_id":"a","message_id":"1","role":"user","timestamp":"2026-10-02T10:00:01Z","content":"Where is my parcel?"}
{"type":"message","conversation_id":"a","message_id":"2","role":"user","timestamp":"2026-10-02T10:00:03Z","content":"Hello?"}
{"type":"action","conversation_id":"a","name":"get_order_status","started_at":"2026-10-02T10:00:04Z","duration_ms":400}
{"type":"message","conversation_id":"a","message_id":"3","role":"agent","timestamp":"2026-10-02T10:00:05.5Z","content":"On its way.","model":"m1","prompt_tokens":1000,"completion_tokens":100}
{"type":"feedback","conversation_id":"a","rating":"up","comment":"Quick!","timestamp":"2026-10-02T10:01:00Z"}
{"type":"conversation","conversation_id":"b","started_at":"2026-10-03T21:30:00Z","customer_id":"bo","source":"whatsapp"}
{"type":"message","conversation_id":"b","message_id":"1","role":"user","timestamp":"2026-10-03T21:30:01Z","content":"I want a human"}
{"type":"action","conversation_id":"b","name":"fallback_to_human","started_at":"2026-10-03T21:30:02Z"}
{"type":"conversation","conversation_id":"c","started_at":"2026-10-04T08:00:00Z"}
"#;

fn options<'a>(drill: Option<&'a Drill>, search: &'a str) -> ListOptions<'a> {
    ListOptions { drill, search, sort: SortKey::StartedAt, descending: false, limit: 100, ..Default::default() }
}

fn ids(page: &rapport::metrics::ConversationPage) -> Vec<&str> {
    page.rows.iter().map(|r| r.conversation_id.as_str()).collect()
}

#[test]
fn drills_and_search_select_the_conversations_behind_a_cell() {
    let ws = Workspace::new();
    ws.import(&[ws.file("e.jsonl", EVENTS)]);
    let mut engine = ws.engine();
    let q = query("2026-10-01T00:00:00Z", "2026-10-08T00:00:00Z", "Europe/Berlin", &[]);
    assert_eq!(ids(&engine.conversations(&q, &options(None, "")).unwrap()), ["a", "b", "c"]);
    // 21:30Z on 3 October is 23:30 in Berlin: Saturday (5), hour 23.
    let day = Drill::Day { date: "2026-10-03".into() };
    assert_eq!(ids(&engine.conversations(&q, &options(Some(&day), "")).unwrap()), ["b"]);
    let cell = Drill::Hour { weekday: 5, hour: 23 };
    assert_eq!(ids(&engine.conversations(&q, &options(Some(&cell), "")).unwrap()), ["b"]);
    let tool = Drill::Tool { name: "get_order_status".into() };
    assert_eq!(ids(&engine.conversations(&q, &options(Some(&tool), "")).unwrap()), ["a"]);
    assert_eq!(ids(&engine.conversations(&q, &options(None, "PARCEL")).unwrap()), ["a"], "search reads message text");
    assert_eq!(ids(&engine.conversations(&q, &options(None, "bo")).unwrap()), ["b"], "and customers");
    let page = engine.conversations(&q, &options(None, "")).unwrap();
    let b = &page.rows[1];
    assert!(b.escalated, "fallback_to_human is an escalation tool");
    assert_eq!(page.rows[0].feedback, Some(rapport::model::Rating::Positive));
    assert_eq!(page.rows[0].messages, 3);
}

#[test]
fn a_transcript_shows_each_replys_response_time() {
    let ws = Workspace::new();
    ws.import(&[ws.file("e.jsonl", EVENTS)]);
    let t = ws.engine().transcript("a").unwrap();
    let response: Vec<Option<f64>> = t.messages.iter().map(|m| m.response_ms).collect();
    assert_eq!(response, vec![None, None, Some(2500.0)], "the last user message before the reply counts");
    assert_eq!(t.actions[0].name, "get_order_status");
    assert_eq!(t.feedback[0].comment.as_deref(), Some("Quick!"));
    assert!(ws.engine().transcript("nope").is_err());
}

#[test]
fn prices_fill_in_cost_and_an_unknown_model_stays_unpriced() {
    let ws = Workspace::new();
    ws.import(&[ws.file("e.jsonl", EVENTS)]);
    let mut engine = ws.engine();
    let q = query("2026-10-01T00:00:00Z", "2026-10-08T00:00:00Z", "UTC", &[]);
    let view = engine.dashboard_view(&q).unwrap();
    assert_eq!(view.dashboard.current.tokens.cost, 0.0);
    assert!(!view.extras.models[0].priced, "tokens without cost or price are unpriced, not free");
    assert_eq!(view.extras.latest_comments[0].comment, "Quick!");

    let mut settings = AppSettings::default();
    settings.prices.push(rapport::metrics::Price {
        model: "m1".into(),
        prompt_per_million: 2.0,
        completion_per_million: 10.0,
    });
    engine.set_settings(settings).unwrap();
    let view = engine.dashboard_view(&q).unwrap();
    assert!((view.dashboard.current.tokens.cost - 0.003).abs() < 1e-12, "1000 × $2/M + 100 × $10/M");
    assert!(view.extras.models[0].priced);
    // Settings travel with the store.
    assert_eq!(ws.engine().settings().prices.len(), 1);
}
