//! Whatever labels and numbers reach a report, every chart and every report
//! file is drawn and returns: each SVG is well-formed XML (parsed here with
//! roxmltree), the HTML holds no character XML forbids, and the PDF and PNG
//! render. Bounded by construction: axes come from finite values only and
//! labels are cut in one pass, so these calls return whatever the values.
//!
//! Labels and values are put straight into the report's data, as a store of
//! an older version, a sum past the largest double or a conformance-limit
//! store could give them; the importer's own limits are tested with it.

mod reports_common;

use rapport::engine::Engine;
use rapport::metrics::{Comment, ToolRow};
use rapport::model::{parse_timestamp, Rating};
use rapport::report::{self, Chart, Paper, ReportData};
use reports_common::{demo_store, october, report};

/// Characters XML 1.0 does not allow anywhere in a document.
fn xml_illegal(c: char) -> bool {
    let n = c as u32;
    (n < 0x20 && !matches!(c, '\t' | '\n' | '\r')) || n == 0xfffe || n == 0xffff
}

fn assert_well_formed(svg: &str, what: &str) {
    if let Err(e) = roxmltree::Document::parse(svg) {
        panic!("{what} is not well-formed XML: {e}");
    }
}

/// Every chart alone, and the whole report as SVG and HTML.
fn draw_svgs(data: &ReportData) {
    for chart in Chart::ALL {
        let svg = report::chart_svg(data, chart).unwrap_or_else(|e| panic!("the {} chart draws: {e}", chart.name()));
        assert_well_formed(&svg, chart.name());
    }
    let svg = report::report_svg(data, Paper::A4).expect("the report draws as SVG");
    assert_well_formed(&svg, "the report's SVG");
    let html = report::html(data, Paper::A4).expect("the report is written as HTML");
    assert!(!html.chars().any(xml_illegal), "the HTML holds no XML-illegal character");
}

/// The SVGs, and the report rendered as PDF and PNG, each chart as PNG.
fn draw_everything(data: &ReportData) {
    draw_svgs(data);
    for chart in Chart::ALL {
        let png = report::png(&report::chart_svg(data, chart).unwrap(), 1.0)
            .unwrap_or_else(|e| panic!("the {} chart renders: {e}", chart.name()));
        assert!(png.starts_with(b"\x89PNG"), "the {} chart is a PNG", chart.name());
    }
    let pdf = report::report_pdf(data, Paper::Letter).expect("the report renders as PDF");
    assert!(pdf.starts_with(b"%PDF"), "the PDF is a PDF");
    let png = report::report_png(data, Paper::A4, 0.5).expect("the report renders as PNG");
    assert!(png.starts_with(b"\x89PNG"), "the report is a PNG");
}

/// Labels a file from the wild can hold.
const HOSTILE: [&str; 9] = [
    "\u{0}nul",
    "\u{1b}[31mred\u{1b}[0m",
    "not\u{fffe}a\u{ffff}char",
    "\u{202e}reversed\u{202c} and \u{200f}مرحبا",
    "\u{301}\u{302}\u{303}",
    "line\r\nbreak\ttab",
    "<svg onload=alert(1)>&amp;\"'",
    "\u{7f}\u{85}\u{9b}c1",
    "\u{fdd0}\u{10fffe}",
];

#[test]
fn hostile_labels_leave_every_svg_well_formed_and_every_report_drawn() {
    let mut f = demo_store();
    let mut data = report(&mut f, &october(&[]));
    let long = format!("tool_{}", "x".repeat(10_000));
    let m = &mut data.view.dashboard.current;
    m.tools.insert(0, ToolRow { name: long.clone(), count: 1_000_000, avg_duration_ms: Some(12.0), errors: 3 });
    for (i, label) in HOSTILE.iter().enumerate() {
        m.tools.insert(1, ToolRow { name: (*label).to_owned(), count: 999_000, avg_duration_ms: None, errors: 0 });
        m.devices.insert((*label).to_owned(), 10_000 + i as u64);
        m.sources.insert((*label).to_owned(), 10_000 + i as u64);
        m.languages.insert((*label).to_owned(), 10_000 + i as u64);
        m.countries.insert((*label).to_owned(), 10_000 + i as u64);
    }
    m.devices.insert(long.clone(), 20_000);
    data.view.extras.latest_comments = HOSTILE
        .into_iter()
        .chain([long.as_str(), &"word ".repeat(20_000)])
        .enumerate()
        .map(|(i, text)| Comment {
            conversation_id: format!("{text}{i}"),
            timestamp: parse_timestamp("2026-10-02T10:00:00Z").unwrap(),
            rating: Rating::Negative,
            comment: text.to_owned(),
            row: i as i64,
        })
        .collect();
    data.view.extras.geo_attribution = format!("{}{}", HOSTILE.concat(), long);
    data.title = format!("{}{}", HOSTILE.concat(), long);
    draw_everything(&data);

    let svg = report::chart_svg(&data, Chart::Tools).unwrap();
    assert!(!svg.contains(&"x".repeat(200)), "a 10,000-character tool name is cut to the chart's width");
    assert!(svg.contains("x…"), "and ends in an ellipsis");
}

#[test]
fn values_past_any_limit_still_give_finite_axes() {
    let mut f = demo_store();
    let base = report(&mut f, &october(&[]));
    for cost in [1.7e308, f64::MAX, f64::INFINITY, f64::NAN, -1.0, 5e-324, 0.0] {
        let mut data = base.clone();
        let m = &mut data.view.dashboard.current;
        for (i, day) in m.daily.iter_mut().enumerate() {
            day.cost = if i % 2 == 0 { cost } else { 0.0 };
            day.tokens = if i % 3 == 0 { u128::MAX } else { 0 };
            day.messages = if i % 5 == 0 { u64::MAX } else { 0 };
        }
        m.tokens.cost = cost;
        m.tokens.total = u128::MAX;
        m.avg_response_time_ms = Some(f64::MAX);
        m.avg_conversation_duration_s = Some(f64::INFINITY);
        m.tools[0].avg_duration_ms = Some(f64::NAN);
        m.tools.iter_mut().for_each(|t| t.count = u64::MAX);
        m.devices.values_mut().for_each(|n| *n = u64::MAX);
        m.countries.values_mut().for_each(|n| *n = u64::MAX);
        (m.feedback.positive, m.feedback.negative) = (u64::MAX, u64::MAX);
        data.view.dashboard.previous.as_mut().expect("a report compares").tokens.cost = 1e-300;
        if cost == 1.7e308 {
            draw_everything(&data);
        } else {
            draw_svgs(&data);
        }
    }
}

#[test]
fn zero_values_draw_as_empty_or_flat_charts() {
    let mut f = demo_store();
    let mut data = report(&mut f, &october(&[]));
    let m = &mut data.view.dashboard.current;
    for day in &mut m.daily {
        (day.cost, day.tokens, day.messages, day.conversations) = (0.0, 0, 0, 0);
    }
    m.tokens.cost = 0.0;
    m.tools.iter_mut().for_each(|t| t.count = 0);
    m.devices.values_mut().for_each(|n| *n = 0);
    draw_everything(&data);
}

/// The store the conformance limits allow: one message of 10¹² prompt and
/// 10¹² completion tokens costing $10⁹, at the first and the last instants
/// a store may hold; read back through the engine and reported.
#[test]
fn a_store_at_the_conformance_limits_reports() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("limits.jsonl");
    let lines = [
        (1, "1970-01-01T00:00:00Z"),
        (2, "2026-10-01T09:30:00Z"),
        (3, "2026-10-01T09:31:00Z"),
        (4, "2199-12-31T23:59:59Z"),
    ]
    .map(|(i, at)| {
        format!(
            r#"{{"type":"message","conversation_id":"lim{i}","role":"agent","timestamp":"{at}","content":"a","prompt_tokens":1000000000000,"completion_tokens":1000000000000,"cost":1000000000.0,"model":"m"}}"#
        )
    });
    std::fs::write(&file, lines.join("\n")).unwrap();
    let mut engine = Engine::open(&dir.path().join("store.db"), None).unwrap();
    engine.import(&[file], &Default::default(), &mut |_| {}).expect("the limit values import");
    for (from, to) in
        [("2026-10-01T00:00:00Z", "2026-10-02T00:00:00Z"), ("1970-01-01T00:00:00Z", "1970-01-02T00:00:00Z")]
    {
        let query = rapport::metrics::Query::new(
            parse_timestamp(from).unwrap(),
            parse_timestamp(to).unwrap(),
            "UTC",
            Default::default(),
        )
        .unwrap();
        let data = ReportData::gather(&mut engine, &query, "Limits").unwrap();
        assert!(data.view.dashboard.current.tokens.cost > 0.0, "the period holds the limit values");
        draw_everything(&data);
    }
}
