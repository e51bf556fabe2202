//! The same files imported into SQLite and into ClickHouse give the same
//! `status` counts, the same conversation list, the same transcripts, the
//! same dashboard (extras included) and the same exported tables: the app and
//! the reports do not change with the store. On ClickHouse the app's
//! dashboard and its extras are computed by the server, and no method the
//! app calls reads every record into memory (`Engine::facts` is an error
//! there: a method that went through it would fail here).
//!
//! Needs a ClickHouse store: `tests/clickhouse/run.sh` runs this with
//! `--ignored`, on the two-shard server and on chdb, giving the store's URL
//! (with `{db}` for the database) in `RAPPORT_TEST_CLICKHOUSE`.

mod common;
use common::*;
use rapport::engine::Engine;
use rapport::import::ImportOptions;
use rapport::metrics::{Drill, ExchangeRate, Filters, ListOptions, Price, Query, SortKey};
use rapport::report::{export_csv, Table};
use std::path::{Path, PathBuf};

fn clickhouse(database: &str) -> Engine {
    let pattern = std::env::var("RAPPORT_TEST_CLICKHOUSE")
        .expect("RAPPORT_TEST_CLICKHOUSE names the ClickHouse store: run tests/clickhouse/run.sh");
    Engine::open(Path::new(&pattern.replace("{db}", database)), None).expect("the ClickHouse store opens")
}

/// What a message says after its "turn K of I": questions with accents
/// and case, answers that admit not knowing, and one a setting may call so.
fn said(i: usize, k: usize) -> &'static str {
    match (k, i % 5) {
        (2, 0 | 1) => ". ¿DÓNDE está mi pedido?",
        (2, 2) => ". Kündigen, bitte",
        (3, 0) => ". I'm not sure, sorry",
        (3, 2) => ". I could not find it",
        (1, 3) => ". Let me check with the team",
        _ => "",
    }
}

/// Conversations with comments, actions, addresses, models, words to find
/// and answers that admit not knowing, and a re-import.
fn rich_jsonl() -> String {
    let mut out = String::new();
    for i in 0..40 {
        let day = 1 + i % 28;
        out.push_str(&format!(
            "{{\"type\":\"conversation\",\"conversation_id\":\"r{i}\",\"customer_id\":\"u{}\",\"customer_ip_address\":\"8.8.{i}.8\",\"device\":\"{}\",\"language\":\"fr\",\"metadata\":{{\"environment\":\"{}\"}}}}\n",
            i % 7,
            if i % 2 == 0 { "mobile" } else { "desktop" },
            if i % 3 == 0 { "prod" } else { "staging" }
        ));
        for (k, role) in ["user", "assistant", "user", "assistant"].iter().enumerate() {
            let tokens = if *role == "assistant" {
                ",\"model\":\"gpt-4o\",\"prompt_tokens\":120,\"completion_tokens\":30"
            } else {
                ""
            };
            out.push_str(&format!(
                "{{\"type\":\"message\",\"conversation_id\":\"r{i}\",\"message_id\":\"m{k}\",\"role\":\"{role}\",\"timestamp\":\"2026-10-{day:02}T{:02}:0{k}:00Z\",\"content\":\"turn {k} of {i}{}\"{tokens}}}\n",
                i % 24,
                said(i, k)
            ));
        }
        if i % 4 == 0 {
            out.push_str(&format!(
                "{{\"type\":\"action\",\"conversation_id\":\"r{i}\",\"name\":\"search\",\"started_at\":\"2026-10-{day:02}T{:02}:01:10Z\",\"duration_ms\":250,\"status\":\"{}\"}}\n",
                i % 24,
                if i % 8 == 0 { "error" } else { "ok" }
            ));
        }
        if i % 10 == 5 {
            // Two ratings without a time: both at the conversation's end,
            // the one given last is its latest.
            for rating in ["positive", "negative"] {
                out.push_str(&format!(
                    "{{\"type\":\"feedback\",\"conversation_id\":\"r{i}\",\"rating\":\"{rating}\"}}\n"
                ));
            }
        }
        if i % 3 == 0 {
            out.push_str(&format!(
                "{{\"type\":\"feedback\",\"conversation_id\":\"r{i}\",\"rating\":\"{}\",\"comment\":\"comment {i}\",\"timestamp\":\"2026-10-{day:02}T{:02}:05:00Z\"}}\n",
                if i % 2 == 0 { "positive" } else { "negative" },
                i % 24
            ));
        }
    }
    out
}

fn json<T: serde::Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap()
}

/// Numbers with a fraction within rounding: ClickHouse adds costs up in another order.
const SQLITE_CLICKHOUSE: Compare = Compare { names: ("SQLite", "ClickHouse"), within: Some(1e-9) };

/// A dashboard to compare: from, to, zone and filters.
type View<'a> = (&'a str, &'a str, &'a str, &'a [(&'a str, &'a str)]);

/// The app's whole dashboard (every key of both periods and of a second
/// segment, the extras: usage per model, the latest comments with their
/// rows, the conversations with an address; the cards) is SQLite's over
/// periods, zones and filters, `text` ones included; returns how many
/// comments the views listed.
fn the_apps_dashboard_is_the_same(sqlite: &mut Engine, ch: &mut Engine) -> usize {
    let views: &[View] = &[
        ("2000-01-01T00:00:00Z", "2030-01-01T00:00:00Z", "Europe/Paris", &[]),
        ("2026-10-01T00:00:00Z", "2026-10-15T00:00:00Z", "Asia/Tokyo", &[]),
        ("2026-10-05T00:00:00Z", "2026-10-29T00:00:00Z", "America/New_York", &[("device", "mobile")]),
        ("2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z", "UTC", &[("text", "DONDE esta")]),
        (
            "2026-10-01T00:00:00Z",
            "2026-11-01T00:00:00Z",
            "Europe/Berlin",
            &[("environment", "prod"), ("text", "turn 3")],
        ),
        ("2026-10-10T00:00:00Z", "2026-10-12T00:00:00Z", "Australia/Lord_Howe", &[("customer_id", "u3")]),
        ("2026-09-01T00:00:00Z", "2026-12-01T00:00:00Z", "UTC", &[("country", "US"), ("device", "desktop")]),
    ];
    let mut comments = 0;
    for (i, (from, to, zone, filters)) in views.iter().enumerate() {
        let mut q = query(from, to, zone, filters);
        if i % 2 == 0 {
            q = q.compared();
        }
        if i == 1 {
            let mut segment = Filters::default();
            segment.add("device", "mobile").unwrap();
            segment.add("text", "kundigen").unwrap();
            q.segment = Some(segment);
        }
        let (a, b) = (json(&sqlite.dashboard_view(&q).unwrap()), json(&ch.dashboard_view(&q).unwrap()));
        let differing = json_differences(&a, &b, SQLITE_CLICKHOUSE);
        assert!(differing.is_empty(), "{from}..{to} {zone} {filters:?}: the app's dashboard differs: {differing:#?}");
        let rows: Vec<&serde_json::Value> =
            b["extras"]["latest_comments"].as_array().unwrap().iter().map(|c| &c["row"]).collect();
        let unique: std::collections::BTreeSet<String> = rows.iter().map(|r| r.to_string()).collect();
        assert_eq!(unique.len(), rows.len(), "each comment has a row of its own: {rows:?}");
        comments += rows.len();
        if i == 0 {
            assert!(!b["response_time_by_model"].as_array().unwrap().is_empty(), "response times per model: {b}");
            assert!(!b["extras"]["models"].as_array().unwrap().is_empty(), "usage per model");
            assert!(b["extras"]["conversations_with_ip"].as_u64().unwrap() > 0, "conversations with an address");
        }
    }
    comments
}

#[test]
#[ignore = "needs a ClickHouse store: tests/clickhouse/run.sh runs it"]
fn the_same_import_reads_the_same_on_sqlite_and_on_clickhouse() {
    let ws = Workspace::new();
    let rich = ws.file("rich.jsonl", rich_jsonl());
    let plain = ws.file("plain.jsonl", conversations_jsonl(120, "p"));
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/formats");
    // With costs in RMB (dify/console-messages.json) and answers without a
    // time of their own (dify/messages.json, langfuse/api/traces-page.json).
    let paths = vec![
        rich.clone(),
        plain,
        fixtures.join("langfuse/traces.csv"),
        fixtures.join("dify/conversations.json"),
        fixtures.join("dify/console-messages.json"),
        fixtures.join("dify/messages.json"),
        fixtures.join("langfuse/api/traces-page.json"),
        rich,
    ];

    let mut sqlite = ws.engine();
    let mut ch = clickhouse(&format!("rapport_reads_{}", std::process::id()));
    for engine in [&mut sqlite, &mut ch] {
        engine.import(&paths, &ImportOptions::default(), &mut |_| {}).expect("the import runs");
    }

    let (a, b) = (sqlite.status().unwrap(), ch.status().unwrap());
    assert_eq!(json(&a.stored), json(&b.stored), "status counts the same records");
    assert_eq!((a.first_message, a.last_message), (b.first_message, b.last_message), "status: the same span");
    assert_eq!(a.files.len(), b.files.len(), "status lists the same files");

    let q: Query = query("2000-01-01T00:00:00Z", "2030-01-01T00:00:00Z", "Europe/Paris", &[]);
    let first = ListOptions { limit: 50, ..ListOptions::default() };
    let (pa, pb) = (sqlite.conversations(&q, &first).unwrap(), ch.conversations(&q, &first).unwrap());
    assert!(pa.total > 100, "the data has conversations ({})", pa.total);
    assert_eq!(json(&pa), json(&pb), "the first page of conversations is the same");
    let search = ListOptions { search: "TURN 3", limit: 50, ..ListOptions::default() };
    assert_eq!(
        json(&sqlite.conversations(&q, &search).unwrap()),
        json(&ch.conversations(&q, &search).unwrap()),
        "searching message content finds the same conversations"
    );

    for id in ["r0", "r3", "r8", "p7", "dc-1", "d-1", "lf-tr-4"] {
        assert_eq!(
            json(&sqlite.transcript(id).unwrap()),
            json(&ch.transcript(id).unwrap()),
            "the transcript of {id} is the same"
        );
    }
    assert!(ch.transcript("nobody").is_err(), "an unknown conversation is an error on ClickHouse too");

    assert!(
        matches!(ch.facts(), Err(rapport::engine::Error::OnTheServer(_))),
        "a ClickHouse store's records are never read into memory for the numbers"
    );
    let comments = the_apps_dashboard_is_the_same(&mut sqlite, &mut ch);
    assert!(comments > 8, "the views list comments ({comments})");
    let (va, vb) = (sqlite.dashboard_view(&q).unwrap(), ch.dashboard_view(&q).unwrap());
    assert_eq!(vb.extras.latest_comments.len(), 8, "the latest 8 comments");
    assert_eq!(json(&va.extras), json(&vb.extras), "the dashboard's extras are the same, rows included");
    assert_eq!(va.dashboard.current.costs_left_out.len(), 1, "the RMB are left out and said, on both");
    let insights = va.dashboard.current.insights.0.clone().expect("SQLite counts the Insights");
    assert!(
        insights.unanswered_questions > 0 && insights.fallback_answers > 0 && !insights.top_unanswered.is_empty(),
        "the data has unanswered questions and fallback answers: {insights:?}"
    );

    // The Insights and the `text` filter computed by ClickHouse's SQL (the
    // dashboard of `rapport metrics`) and through the conversation list
    // equal SQLite's, with the default fallback phrases and with others.
    let texts: &[&[(&str, &str)]] = &[
        &[],
        &[("text", "DONDE esta")],
        &[("text", "kundigen"), ("text", "not sure")],
        &[("text", "turn 3 of 10"), ("device", "mobile")],
        &[("text", "pedido kundigen")],
    ];
    let mut settings = sqlite.settings().metric_settings();
    for fallback in [None, Some(vec!["let me check".to_owned(), "I'M NOT SURE".to_owned()])] {
        if let Some(phrases) = fallback {
            settings.fallback_phrases = phrases;
        }
        for filters in texts {
            let q: Query = query("2026-10-01T00:00:00Z", "2026-10-20T00:00:00Z", "Asia/Tokyo", filters);
            let (a, b) = (sqlite.dashboard(&q, &settings).unwrap(), ch.dashboard(&q, &settings).unwrap());
            let fallback = &settings.fallback_phrases;
            let counts = |m: &rapport::metrics::Metrics| (m.total_conversations, m.interactions, m.total_messages);
            assert_eq!(counts(&a.current), counts(&b.current), "{filters:?}: the same conversations and messages");
            assert_eq!(json(&a.current.insights), json(&b.current.insights), "{filters:?}, {fallback:?}: Insights");
            let previous = |d: &rapport::metrics::Dashboard| d.previous.as_ref().map(|p| json(&p.insights));
            assert_eq!(previous(&a), previous(&b), "{filters:?}, {fallback:?}: the previous period's Insights");
            let (la, lb) = (sqlite.conversations(&q, &first).unwrap(), ch.conversations(&q, &first).unwrap());
            assert_eq!(json(&la), json(&lb), "{filters:?}: the same conversations");
            if filters.first().map(|f| f.1) == Some("pedido kundigen") {
                assert_eq!(lb.total, 0, "words said apart are not the phrase");
            } else if !filters.is_empty() {
                assert!(lb.total > 0 && lb.total < pb.total, "{filters:?} keeps some conversations ({})", lb.total);
            }
        }
    }
    // The search (by the stored words, snippets cut as on SQLite) and what
    // people ask about (the same method on the server's text) are the same.
    let month: Query = query("2026-10-01T00:00:00Z", "2026-10-15T00:00:00Z", "Europe/Paris", &[]);
    for phrase in ["dónde ESTÁ", "kündigen", "turn 3 of 12", "I'm not sure", "pedido kundigen"] {
        let (a, b) = (sqlite.search(&month, phrase, 20).unwrap(), ch.search(&month, phrase, 20).unwrap());
        assert_eq!(json(&a), json(&b), "the search for {phrase:?} finds the same, with the same snippets");
        assert_eq!(a.is_empty(), phrase == "pedido kundigen", "{phrase:?} is found, or not as a phrase");
    }
    let topics = sqlite.topics(&month).unwrap();
    assert!(!topics.is_empty(), "the data has topics");
    assert_eq!(json(&topics), json(&ch.topics(&month).unwrap()), "what people ask about is the same");
    // A top unanswered question opens the same conversations: asked, then "I'm not sure".
    let asked = rapport::metrics::Drill::Unanswered { question: "Turn 2 of 5. ¿Dónde está mi pedido?".into() };
    let options = ListOptions { drill: Some(&asked), limit: 50, ..Default::default() };
    let (ua, ub) = (sqlite.conversations(&month, &options).unwrap(), ch.conversations(&month, &options).unwrap());
    assert_eq!(json(&ua), json(&ub), "the conversations of an unanswered question are the same");
    assert_eq!(ua.rows.iter().map(|r| r.conversation_id.as_str()).collect::<Vec<_>>(), ["r5"]);

    every_choice_of_the_list_is_the_same(&mut sqlite, &mut ch);

    let said: Query = query("2000-01-01T00:00:00Z", "2030-01-01T00:00:00Z", "UTC", &[("text", "dónde ESTÁ")]);
    let (sa, sb) = (json(&sqlite.dashboard_view(&said).unwrap()), json(&ch.dashboard_view(&said).unwrap()));
    let differing = json_differences(&sa, &sb, SQLITE_CLICKHOUSE);
    assert!(differing.is_empty(), "the app's dashboard with a text filter is the same: {differing:#?}");
    for table in [Table::Conversations, Table::Tools, Table::Countries, Table::Daily, Table::Unanswered] {
        let (a, b) = (export_csv(&mut sqlite, &q, table).unwrap(), export_csv(&mut ch, &q, table).unwrap());
        let (a, b) = (String::from_utf8(a).unwrap(), String::from_utf8(b).unwrap());
        let cells = |text: &str| -> Vec<Vec<String>> {
            text.lines().map(|l| l.split(',').map(str::to_owned).collect()).collect()
        };
        let (a, b) = (cells(&a), cells(&b));
        assert_eq!(a.len(), b.len(), "the exported table {table:?} has the same rows");
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(x.len(), y.len(), "{table:?}: {x:?} and {y:?}");
            for (u, v) in x.iter().zip(y) {
                // Costs the shards added up in another order: within rounding.
                match (u.parse::<f64>(), v.parse::<f64>()) {
                    (Ok(p), Ok(q)) => assert!((p - q).abs() <= 1e-9 * p.abs().max(1.0), "{table:?}: {u} ≠ {v}"),
                    _ => assert_eq!(u, v, "the exported table {table:?} is the same"),
                }
            }
        }
    }

    // The settings' prices cost tokens that came without a cost, per model,
    // in ClickHouse's SQL as in the SQLite store's facts.
    for engine in [&mut sqlite, &mut ch] {
        let mut settings = engine.settings().clone();
        settings.prices = vec![Price { model: "gpt-4o".into(), prompt_per_million: 2.5, completion_per_million: 10.0 }];
        settings.exchange_rates = vec![ExchangeRate { currency: "rmb".into(), usd_per_unit: 0.14 }];
        engine.set_settings(settings).unwrap();
    }
    let metric_settings = sqlite.settings().metric_settings();
    let (ma, mb) = (sqlite.dashboard(&q, &metric_settings).unwrap(), ch.dashboard(&q, &metric_settings).unwrap());
    // And in the app's usage per model, which says whether each was priced.
    let (pa, pb) = (json(&sqlite.dashboard_view(&q).unwrap()), json(&ch.dashboard_view(&q).unwrap()));
    let differing = json_differences(&pa, &pb, SQLITE_CLICKHOUSE);
    assert!(differing.is_empty(), "the app's dashboard with prices and rates is the same: {differing:#?}");
    assert!(ma.current.costs_left_out.is_empty() && mb.current.costs_left_out.is_empty(), "a rate converts the RMB");
    let priced = ma.current.tokens.cost;
    assert!(priced > va.dashboard.current.tokens.cost, "the prices add cost ({priced})");
    assert!(
        (priced - mb.current.tokens.cost).abs() < 1e-9,
        "priced cost: SQLite {priced}, ClickHouse {}",
        mb.current.tokens.cost
    );
    let day_cost = |m: &rapport::metrics::Metrics| -> std::collections::BTreeMap<String, f64> {
        m.daily.iter().filter(|d| d.messages > 0).map(|d| (d.date.clone(), d.cost)).collect()
    };
    let (da, db) = (day_cost(&ma.current), day_cost(&mb.current));
    assert_eq!(da.keys().collect::<Vec<_>>(), db.keys().collect::<Vec<_>>(), "the same days have messages");
    for (day, cost) in &da {
        assert!((cost - db[day]).abs() < 1e-9, "the cost of {day}: SQLite {cost}, ClickHouse {}", db[day]);
    }
}

/// The conversation list, which ClickHouse computes in SQL (only the page
/// and the count travel), is SQLite's for every drill a chart cell or a
/// card opens, with filters, the search box, every sort both ways and pages.
fn every_choice_of_the_list_is_the_same(sqlite: &mut Engine, ch: &mut Engine) {
    let month: Query = query("2026-10-01T00:00:00Z", "2026-10-20T00:00:00Z", "Europe/Paris", &[]);
    // The cells to open, taken from the dashboard (SQLite's): a busy day, a
    // busy hour, a tool, a top unanswered question.
    let view = sqlite.dashboard_view(&month).unwrap();
    let metrics = &view.dashboard.current;
    let day = metrics.daily.iter().find(|d| d.conversations > 1).expect("a day with conversations").date.clone();
    let (weekday, hour) = (0..7usize)
        .flat_map(|w| (0..24usize).map(move |h| (w, h)))
        .find(|&(w, h)| metrics.peak_hours[w][h] > 0)
        .expect("an hour with messages");
    let tool = metrics.tools.first().expect("a tool").name.clone();
    let insights = metrics.insights.0.clone().expect("the Insights");
    let question = insights.top_unanswered.first().expect("an unanswered question").text.clone();
    let drills = [
        None,
        Some(Drill::Day { date: day }),
        Some(Drill::Day { date: "not a day".into() }),
        Some(Drill::Hour { weekday: weekday as u8, hour: hour as u8 }),
        Some(Drill::Tool { name: tool }),
        Some(Drill::Tool { name: "no such tool".into() }),
        Some(Drill::Resolved),
        Some(Drill::Unresolved),
        Some(Drill::Unanswered { question }),
    ];
    let filters: [&[(&str, &str)]; 3] = [&[], &[("device", "mobile"), ("environment", "prod")], &[("text", "turn 3")]];
    let settings = sqlite.settings().metric_settings();
    let mut found = 0;
    for drill in &drills {
        for filters in filters {
            let q: Query = query("2026-10-01T00:00:00Z", "2026-10-20T00:00:00Z", "Europe/Paris", filters);
            let options = ListOptions { drill: drill.as_ref(), descending: true, limit: 100, ..Default::default() };
            let (a, b) = (
                sqlite.conversations_with(&q, &settings, &options).unwrap(),
                ch.conversations_with(&q, &settings, &options).unwrap(),
            );
            assert_eq!(json(&a), json(&b), "the list behind {drill:?} with {filters:?} is the same");
            found += usize::from(a.total > 0);
        }
        let q = &month;
        if drill.is_some() {
            assert!(
                sqlite
                    .conversations(q, &ListOptions { drill: drill.as_ref(), limit: 1, ..Default::default() })
                    .unwrap()
                    .total
                    > 0
                    || matches!(drill, Some(Drill::Day { date }) if date == "not a day")
                    || matches!(drill, Some(Drill::Tool { name }) if name == "no such tool"),
                "{drill:?} opens some conversations"
            );
        }
    }
    assert!(found > 12, "most drills keep some conversations ({found})");

    let everything: Query = query("2000-01-01T00:00:00Z", "2030-01-01T00:00:00Z", "UTC", &[]);
    for sort in SortKey::ALL {
        for descending in [false, true] {
            for (offset, limit) in [(0, 25), (30, 12)] {
                let options = ListOptions { sort, descending, offset, limit, ..Default::default() };
                let (a, b) = (
                    sqlite.conversations(&everything, &options).unwrap(),
                    ch.conversations(&everything, &options).unwrap(),
                );
                assert_eq!(
                    json(&a),
                    json(&b),
                    "sorted by {sort:?} (descending {descending}), from {offset}: the same page"
                );
                assert_eq!(a.rows.len(), limit, "a full page");
            }
        }
    }
    let beyond = ListOptions { offset: 100_000, limit: 10, ..Default::default() };
    assert_eq!(
        json(&sqlite.conversations(&everything, &beyond).unwrap()),
        json(&ch.conversations(&everything, &beyond).unwrap())
    );
    let latest: Vec<_> =
        sqlite.conversations(&everything, &ListOptions { search: "r25", limit: 5, ..Default::default() }).unwrap().rows;
    assert_eq!(
        latest.iter().find(|r| r.conversation_id == "r25").and_then(|r| r.feedback),
        Some(rapport::model::Rating::Negative),
        "of two ratings at one instant the one given last is the latest"
    );

    // The search box: ids and customers in any case, a device, a language,
    // and messages' text (case-insensitive in ASCII only, on both).
    for search in ["R1", "u3", "MOBILE", "fr", "TURN 3 of 1", "¿dÓNDE", "¿dónde", "nothing like it", "  p7  "] {
        for drill in [None, Some(Drill::Resolved)] {
            let options = ListOptions {
                search,
                drill: drill.as_ref(),
                sort: SortKey::ConversationId,
                limit: 30,
                ..Default::default()
            };
            let (a, b) = (
                sqlite.conversations(&everything, &options).unwrap(),
                ch.conversations(&everything, &options).unwrap(),
            );
            assert_eq!(json(&a), json(&b), "the search box's {search:?} ({drill:?}) finds the same");
            if drill.is_none() {
                // Letters beyond ASCII are matched as they are written.
                let none = ["nothing like it", "¿dónde"].contains(&search);
                assert_eq!(a.total == 0, none, "{search:?} finds some conversations, or none");
            }
        }
    }
}
