//! What each fuzz target does with one input, shared by the fuzzer's
//! targets (`fuzz/src/bin/`) and by the test that replays the saved corpus
//! and every finding as ordinary tests (`tests/fuzz_corpus_replays.rs`).
//!
//! Each function must return for any input, without panicking, within a
//! bounded time and memory; a panic is a finding.
#![allow(dead_code)] // each target uses one of its functions

use rapport::engine::Engine;
use rapport::import::ImportOptions;
use rapport::metrics::{Filters, Query};
use rapport::model::{parse_timestamp, Micros};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The names an input's first byte chooses among, so that every reader and
/// importer is reached: detection goes by content, the native readers by name.
const NAMES: &[&str] = &[
    "events.jsonl",
    "events.json",
    "events.csv",
    "messages.csv",
    "feedback.csv",
    "export",
    "events.jsonl.gz",
    "trace.json",
];

/// Writes `data` as a file to import: the first byte picks its name, and a
/// `.gz` name gets the rest gzip-compressed.
pub fn input_file(dir: &Path, data: &[u8]) -> PathBuf {
    let (choice, body) = data.split_first().map_or((0, &[][..]), |(c, rest)| (*c, rest));
    let name = NAMES[usize::from(choice) % NAMES.len()];
    let path = dir.join(name);
    let mut file = std::fs::File::create(&path).expect("a file in the fuzzer's folder");
    if name.ends_with(".gz") {
        let mut gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
        gz.write_all(body).expect("written");
        gz.finish().expect("written");
    } else {
        file.write_all(body).expect("written");
    }
    path
}

/// Detection, every reader and importer, normalisation and the store:
/// imports one file, and asks what the app asks of a dropped file.
pub fn import(engine: &mut Engine, dir: &Path, data: &[u8]) {
    let path = input_file(dir, data);
    let _ = rapport::import::needing_column_map(std::slice::from_ref(&path));
    let _ = rapport::import::preview_csv(&path);
    let report = engine.import(std::slice::from_ref(&path), &ImportOptions::default(), &mut |_| {});
    let report = report.expect("only a failing store is an error");
    for file in &report.files {
        assert!(file.rejections.len() as u64 <= file.rejected, "rejections listed are counted");
        assert!(file.rejections.iter().all(|r| r.reason.len() < 2048), "a reason quotes only an excerpt");
    }
}

/// Timestamp parsing: an instant or an error, and an instant always within
/// what a record may hold once the import's limits are applied.
pub fn timestamp(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(Micros(us)) = parse_timestamp(text) {
        // Years 1 to 9999: what every reader of these files agrees on.
        assert!((-62_135_596_800_000_000..=253_402_300_799_999_999).contains(&us), "{text:?} → {us}");
        let shown = rapport::model::format_rfc3339(Micros(us));
        assert_eq!(parse_timestamp(&shown), Ok(Micros(us)), "{text:?} prints as {shown:?}, which reads back");
    }
}

/// Chart labels and values: the input becomes tool, source, device and
/// language names, model names and numbers of one small store; every chart
/// is drawn and must be a well-formed SVG document.
pub fn charts(dir: &Path, data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.split('\u{1}');
    let mut label = || parts.next().unwrap_or("").to_owned();
    let (tool, source, device, language, model, comment) = (label(), label(), label(), label(), label(), label());
    let number = |i: usize| data.get(i).map_or(1.0, |b| 10f64.powi(i32::from(*b) % 13));
    let lines = [
        serde_json::json!({"type": "conversation", "conversation_id": "c", "started_at": "2026-10-01T10:00:00Z",
            "source": source, "device": device, "language": language, "customer_ip_address": "81.2.69.160"}),
        serde_json::json!({"type": "message", "conversation_id": "c", "role": "user",
            "timestamp": "2026-10-01T10:00:00Z", "content": comment}),
        serde_json::json!({"type": "message", "conversation_id": "c", "role": "agent", "model": model,
            "timestamp": "2026-10-01T10:00:02Z", "prompt_tokens": number(0) as u64, "completion_tokens": number(1) as u64,
            "cost": number(2)}),
        serde_json::json!({"type": "action", "conversation_id": "c", "name": tool,
            "started_at": "2026-10-01T10:00:01Z", "duration_ms": number(3)}),
        serde_json::json!({"type": "feedback", "conversation_id": "c", "rating": "negative", "comment": comment}),
    ];
    let body: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    let file = dir.join("labels.jsonl");
    std::fs::write(&file, body.join("\n")).expect("written");
    let db = dir.join("charts.db");
    let _ = std::fs::remove_file(&db);
    let mut engine = Engine::open(&db, None).expect("a new store opens");
    engine.import(&[file], &ImportOptions::default(), &mut |_| {}).expect("imported");
    let at = |s: &str| parse_timestamp(s).expect("an instant");
    let query =
        Query::new(at("2026-09-28T00:00:00Z"), at("2026-10-05T00:00:00Z"), "UTC", Filters::default()).expect("a query");
    let data = rapport::report::ReportData::gather(&mut engine, &query, &tool).expect("gathered");
    for chart in rapport::report::Chart::ALL {
        let svg = rapport::report::chart_svg(&data, chart).expect("drawn");
        if let Err(e) = roxmltree::Document::parse(&svg) {
            panic!("the {chart:?} chart is not well-formed SVG: {e}");
        }
    }
    let html = rapport::report::html(&data, rapport::report::Paper::A4).expect("an HTML report");
    assert!(!html.is_empty());
}
