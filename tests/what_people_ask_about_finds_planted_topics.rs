//! "What people ask about" (docs/metrics.md): the phrases that set a
//! period's user messages apart from the whole store's, found on data whose
//! topics were planted, in two languages, with the filters of the query.

mod common;
use common::*;

fn message(conversation: &str, day: u32, minute: u32, text: &str, source: &str, language: &str) -> String {
    format!(
        "{{\"type\":\"conversation\",\"conversation_id\":\"{conversation}\",\"started_at\":\"2026-{day}T10:{minute:02}:00Z\",\"source\":\"{source}\",\"language\":\"{language}\"}}\n\
         {{\"type\":\"message\",\"conversation_id\":\"{conversation}\",\"role\":\"user\",\"timestamp\":\"2026-{day}T10:{minute:02}:30Z\",\"content\":\"{text}\"}}\n",
        day = if day > 30 { format!("10-{:02}", day - 30) } else { format!("09-{day:02}") },
    )
}

#[test]
fn a_planted_phrase_is_the_first_topic_of_its_period_and_filter() {
    let ws = Workspace::new();
    let mut events = String::new();
    let everyday = ["Where is my order?", "I want to reset my password", "What are your opening hours?"];
    // September and October alike: the everyday questions, in English and German.
    for day in 1..=60u32 {
        for (i, text) in everyday.iter().enumerate() {
            events.push_str(&message(&format!("e{day}-{i}"), day, i as u32, text, "web", "en"));
        }
        events.push_str(&message(&format!("g{day}"), day, 10, "Wo ist meine Bestellung?", "web", "de"));
    }
    // October only: a damaged parcel on WhatsApp, and a German one on the web.
    for n in 0..12u32 {
        events.push_str(&message(
            &format!("p{n}"),
            31 + n,
            20,
            "My parcel arrived damaged, what now?",
            "whatsapp",
            "en",
        ));
        events.push_str(&message(&format!("k{n}"), 31 + n, 30, "Das Paket ist kaputt angekommen", "web", "de"));
    }
    ws.import(&[ws.file("events.jsonl", events)]);
    let mut engine = ws.engine();
    let october = |filters: &[(&str, &str)]| query("2026-10-01T00:00:00Z", "2026-10-31T00:00:00Z", "UTC", filters);

    let topics = engine.topics(&october(&[])).unwrap();
    let phrases: Vec<&str> = topics.iter().map(|t| t.phrase.as_str()).collect();
    assert!(phrases.contains(&"parcel arrived damaged"), "{phrases:?}");
    assert!(
        phrases.iter().any(|p| p.contains("kaputt") && !p.starts_with("ist") && !p.ends_with("ist")),
        "German stop words are known, its topic found: {phrases:?}"
    );
    let parcel = topics.iter().find(|t| t.phrase == "parcel arrived damaged").unwrap();
    assert_eq!((parcel.messages, parcel.previous_messages), (12, 0), "asked twelve times, never before");
    assert!(!phrases.iter().any(|p| p.contains("password") || p.contains("opening")), "always asked: no topic");
    assert!(!phrases.iter().any(|p| *p == "parcel" || *p == "arrived damaged"), "a topic is not repeated by its parts");

    let whatsapp = engine.topics(&october(&[("source", "whatsapp")])).unwrap();
    assert!(whatsapp.iter().all(|t| !t.phrase.contains("paket")), "the filter keeps the web's German out");
    assert_eq!(whatsapp.first().map(|t| t.phrase.as_str()), Some("parcel arrived damaged"));
}

#[test]
fn topics_asked_again_after_an_import_count_the_new_messages() {
    let ws = Workspace::new();
    let mut events = String::new();
    for day in 1..=60u32 {
        events.push_str(&message(&format!("e{day}"), day, 0, "Where is my order?", "web", "en"));
    }
    for n in 0..4u32 {
        events.push_str(&message(&format!("p{n}"), 31 + n, 20, "My parcel arrived damaged", "web", "en"));
    }
    ws.import(&[ws.file("first.jsonl", events)]);
    let mut engine = ws.engine();
    let october = query("2026-10-01T00:00:00Z", "2026-10-31T00:00:00Z", "UTC", &[]);
    let count = |topics: &[rapport::metrics::Topic], phrase: &str| {
        topics.iter().find(|t| t.phrase == phrase).map(|t| (t.messages, t.previous_messages))
    };
    let before = engine.topics(&october).unwrap();
    assert_eq!(count(&before, "parcel arrived damaged"), Some((4, 0)));
    assert_eq!(engine.topics(&october).unwrap(), before, "asked again, the same");

    // Imported through the same engine: the kept index is of the store before.
    let mut more = String::new();
    for n in 0..3u32 {
        more.push_str(&message(&format!("q{n}"), 40 + n, 40, "My parcel arrived damaged", "web", "en"));
        more.push_str(&message(&format!("s{n}"), 45 + n, 50, "The invoice is missing", "web", "en"));
    }
    engine.import(&[ws.file("more.jsonl", more)], &Default::default(), &mut |_| {}).unwrap();
    let after = engine.topics(&october).unwrap();
    assert_eq!(count(&after, "parcel arrived damaged"), Some((7, 0)));
    assert_eq!(count(&after, "invoice is missing"), Some((3, 0)), "{after:?}");
}
