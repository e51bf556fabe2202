//! METRICS.md: "Values of one key are alternatives, different keys must all
//! hold", and filter values are normalised as their dimension is.

mod common;
use common::*;

const EVENTS: &str = r#"{"type":"conversation","conversation_id":"a","started_at":"2026-10-02T10:00:00Z","source":"web","device":"mobile","language":"en"}
{"type":"conversation","conversation_id":"b","started_at":"2026-10-02T10:00:00Z","source":"WhatsApp","device":"mobile","language":"pt_br"}
{"type":"conversation","conversation_id":"c","started_at":"2026-10-02T10:00:00Z","source":"web","device":"desktop"}
{"type":"conversation","conversation_id":"d","started_at":"2026-10-02T10:00:00Z","source":"viber","device":"Phone","customer_id":"u9"}
"#;

#[test]
fn values_of_one_key_are_or_and_keys_are_and() {
    let ws = Workspace::new();
    ws.import(&[ws.file("events.jsonl", EVENTS)]);
    let mut engine = ws.engine();
    let count = |engine: &mut rapport::engine::Engine, filters: &[(&str, &str)]| {
        metrics(engine, &query("2026-10-01T00:00:00Z", "2026-10-03T00:00:00Z", "UTC", filters)).total_conversations
    };
    assert_eq!(count(&mut engine, &[]), 4);
    assert_eq!(count(&mut engine, &[("source", "web"), ("source", "whatsapp")]), 3, "one key: either value");
    assert_eq!(count(&mut engine, &[("source", "web"), ("device", "mobile")]), 1, "two keys: both must hold");
    assert_eq!(count(&mut engine, &[("source", "web"), ("source", "WhatsApp"), ("device", "mobile")]), 2);
    assert_eq!(count(&mut engine, &[("language", "PT-br")]), 1, "language filters are read as BCP 47");
    assert_eq!(count(&mut engine, &[("language", "unknown")]), 2, "unknown matches an absent value");
    assert_eq!(count(&mut engine, &[("device", "other")]), 1, "a device outside the three is other");
    assert_eq!(count(&mut engine, &[("customer_id", " u9 ")]), 1);
    assert_eq!(count(&mut engine, &[("country", "unknown")]), 4);
}

#[test]
fn an_unknown_filter_key_is_an_error() {
    let mut f = rapport::metrics::Filters::default();
    let err = f.add("planet", "mars").unwrap_err();
    assert!(err.to_string().contains("unknown filter key"), "{err}");
}
