//! The numbers in a report are the engine's: read back from the HTML and
//! the SVG text, they equal the dashboard (what `rapport metrics` prints)
//! for the same query.

mod reports_common;

use rapport::metrics::{Metrics, Settings};
use rapport::report::{self, format, Chart, Paper};
use reports_common::{demo_store, october, report};

/// The `data-value` of the headline card `key` in the HTML.
fn card_value(html: &str, key: &str) -> Option<f64> {
    let at = html.find(&format!("id=\"kpi-{key}\" data-value=\""))?;
    let rest = &html[at..];
    let start = rest.find("data-value=\"")? + "data-value=\"".len();
    let end = start + rest[start..].find('"')?;
    rest[start..end].parse().ok()
}

fn expected(m: &Metrics) -> Vec<(&'static str, Option<f64>)> {
    vec![
        ("total_messages", Some(m.total_messages as f64)),
        ("total_conversations", Some(m.total_conversations as f64)),
        ("interactions", Some(m.interactions as f64)),
        ("unique_users", Some(m.unique_users as f64)),
        ("active_users", Some(m.active_users as f64)),
        ("avg_user_interactions", Some(m.avg_user_interactions)),
        ("avg_response_time_ms", m.avg_response_time_ms),
        ("avg_conversation_duration_s", m.avg_conversation_duration_s),
        ("escalation_rate", m.escalation_rate),
        ("satisfaction_rate", m.feedback.satisfaction_rate),
        ("total_tokens", Some(m.tokens.total as f64)),
        ("cost", Some(m.tokens.cost)),
    ]
}

#[test]
fn every_headline_number_in_the_html_equals_the_dashboard() {
    for filters in [vec![], vec![("source", "web"), ("device", "mobile")]] {
        let mut f = demo_store();
        let q = october(&filters);
        let dashboard = f.engine.dashboard(&q, &Settings::default()).unwrap();
        let html = report::html(&report(&mut f, &q), Paper::A4).unwrap();
        for (key, want) in expected(&dashboard.current) {
            let got = card_value(&html, key);
            match (got, want) {
                (Some(g), Some(w)) => {
                    assert!((g - w).abs() <= 1e-9 * w.abs().max(1.0), "{key}: report {g}, dashboard {w} ({filters:?})")
                }
                (None, None) => {}
                _ => panic!("{key}: report {got:?}, dashboard {want:?} ({filters:?})"),
            }
        }
        assert!(dashboard.current.total_messages > 0, "the fixture has activity in October");
    }
}

#[test]
fn the_charts_state_the_dashboard_totals() {
    let mut f = demo_store();
    let q = october(&[]);
    let m = f.engine.dashboard(&q, &Settings::default()).unwrap().current;
    let r = report(&mut f, &q);
    let daily = report::chart_svg(&r, Chart::Daily).unwrap();
    assert!(
        daily.contains(&format!(
            "{} messages, {} conversations",
            format::count(m.total_messages),
            format::count(m.total_conversations)
        )),
        "the daily chart's subtitle gives the period's totals"
    );
    let tools = report::chart_svg(&r, Chart::Tools).unwrap();
    let top = &m.tools[0];
    assert!(
        tools.contains(&format!("{} · avg", format::count(top.count))),
        "the busiest tool's calls are written on its bar"
    );
    let html = report::html(&r, Paper::A4).unwrap();
    let (code, n) = m.countries.iter().filter(|(k, _)| *k != "unknown").max_by_key(|(_, n)| **n).unwrap();
    assert!(
        html.contains(&format!("<td class=\"n\">{code}</td><td class=\"n\">{}</td>", format::count(*n))),
        "the top countries table lists {code} with {n} conversations"
    );
}

#[test]
fn the_report_names_its_period_comparison_zone_and_filters() {
    let mut f = demo_store();
    let html = report::html(&report(&mut f, &october(&[("source", "web")])), Paper::A4).unwrap();
    assert!(html.contains("<dd>1 Oct 2026 – 31 Oct 2026</dd>"), "the period, last day included");
    assert!(html.contains("<dt>Compared with</dt>"));
    assert!(html.contains("<dd>Europe/Berlin</dd>"));
    assert!(html.contains("<dd>source = web</dd>"));
    assert!(html.contains("How these numbers are defined"));
}
