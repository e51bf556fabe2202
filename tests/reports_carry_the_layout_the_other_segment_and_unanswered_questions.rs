//! A report shows the headline cards the person kept, in their order, and,
//! when the query names a second segment, each card's number in it.

mod reports_common;

use rapport::metrics::{Filters, Settings, HEADLINE_CARDS};
use rapport::report::{self, Paper};
use rapport::settings::CardLayout;
use reports_common::{demo_store, october, report};

/// The card keys of the HTML, in the order they appear.
fn card_keys(html: &str) -> Vec<String> {
    html.match_indices("class=\"card\" id=\"kpi-")
        .map(|(at, m)| {
            let rest = &html[at + m.len()..];
            rest[..rest.find('"').unwrap()].to_owned()
        })
        .collect()
}

#[test]
fn hidden_cards_are_left_out_and_the_order_is_kept() {
    let mut f = demo_store();
    let mut settings = f.engine.settings().clone();
    let (first, last) = (HEADLINE_CARDS[0].key, HEADLINE_CARDS[HEADLINE_CARDS.len() - 1].key);
    settings.layout = CardLayout { order: vec![last.to_owned()], hidden: vec![first.to_owned()] };
    f.engine.set_settings(settings).unwrap();
    let html = report::html(&report(&mut f, &october(&[])), Paper::A4).unwrap();
    let keys = card_keys(&html);
    assert_eq!(keys.first().map(String::as_str), Some(last), "the card put first comes first");
    assert!(!keys.iter().any(|k| k == first), "the hidden card is not in the report");
    assert_eq!(keys.len(), HEADLINE_CARDS.len() - 1);
    // The PDF pages draw the same cards.
    let pages = report::report_svg(&report(&mut f, &october(&[])), Paper::A4).unwrap();
    assert!(pages.contains(&format!("id=\"kpi-{last}\"")) && !pages.contains(&format!("id=\"kpi-{first}\"")));
}

#[test]
fn a_second_segment_is_named_and_set_beside_every_card() {
    let mut f = demo_store();
    let mut q = october(&[("source", "web")]);
    let mut segment = Filters::default();
    segment.add("source", "whatsapp").unwrap();
    q.segment = Some(segment);
    let data = report(&mut f, &q);
    let other = f.engine.dashboard(&october(&[("source", "whatsapp")]), &Settings::default()).unwrap().current;
    assert_eq!(data.view.dashboard.segment.as_ref(), Some(&other), "the report reads the other segment's numbers");
    let html = report::html(&data, Paper::A4).unwrap();
    assert!(html.contains("<dt>Other segment</dt><dd>source = whatsapp</dd>"), "the query names the segment");
    let messages = rapport::report::format::count(other.total_messages);
    assert!(
        html.contains(&format!("vs {messages} in the other segment")),
        "the messages card sets the other segment's {messages} beside its own"
    );
    assert_eq!(html.matches("in the other segment").count(), HEADLINE_CARDS.len());
    let without = report::html(&report(&mut f, &october(&[("source", "web")])), Paper::A4).unwrap();
    assert!(!without.contains("other segment"), "no segment line without a second segment");
}

#[test]
fn the_report_lists_the_top_unanswered_questions() {
    let mut f = demo_store();
    let asked = |i: u32, text: &str, answer: Option<&str>| {
        let mut lines = format!(
            "{{\"type\":\"message\",\"conversation_id\":\"q{i}\",\"role\":\"user\",\"timestamp\":\"2026-10-10T10:00:0{}Z\",\"content\":\"{text}\"}}\n",
            i % 10
        );
        if let Some(a) = answer {
            lines.push_str(&format!(
                "{{\"type\":\"message\",\"conversation_id\":\"q{i}\",\"role\":\"agent\",\"timestamp\":\"2026-10-10T10:01:0{}Z\",\"content\":\"{a}\"}}\n",
                i % 10
            ));
        }
        lines
    };
    let mut events = String::new();
    for i in 0..3 {
        events.push_str(&asked(i, "Where is my <parcel>?", Some("Sorry, I don't know.")));
    }
    events.push_str(&asked(3, "Can I pay = in cash?", None));
    events.push_str(&asked(4, "Hello", Some("Hi! How can I help?")));
    let path = f.dir.path().join("questions.jsonl");
    std::fs::write(&path, events).unwrap();
    f.engine.import(&[path], &Default::default(), &mut |_| {}).unwrap();
    let data = report(&mut f, &october(&[]));
    let insights = data.view.dashboard.current.insights.0.clone().expect("a SQLite store counts the Insights");
    assert!(insights.top_unanswered.len() >= 2, "the fixture leaves questions unanswered");
    let html = report::html(&data, Paper::A4).unwrap();
    let table = &html[html.find("<h2>Top unanswered questions</h2>").expect("the report has the table")..];
    for q in &insights.top_unanswered {
        let cell = format!("<td>{}</td><td class=\"n\">{}</td>", q.text, q.count);
        assert!(table.contains(&cell), "the report lists {cell}");
    }
    assert!(
        table.contains("<td>where is my parcel</td><td class=\"n\">3</td>"),
        "the question's words, asked three times"
    );
    let pages = report::report_svg(&data, Paper::A4).unwrap();
    assert!(pages.contains("Top unanswered questions") && pages.contains("where is my parcel"));
}
