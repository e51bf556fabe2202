//! How results are shown: JSON for scripts, a short summary for people.

use rapport::engine::{Engine, Status};
use rapport::import::{ImportReport, Progress};
use rapport::metrics::{Dashboard, Filters, Metrics, Query};
use rapport::model::Micros;
use serde::Serialize;
use std::time::Instant;

pub fn print_json<T: Serialize>(value: &T) {
    match serde_json::to_string_pretty(value) {
        Ok(text) => println!("{text}"),
        Err(e) => eprintln!("rapport: cannot write JSON: {e}"),
    }
}

/// A progress bar on a terminal; nothing when output goes elsewhere.
pub struct ProgressBar(Option<indicatif::ProgressBar>);

impl ProgressBar {
    pub fn new(terminal: bool) -> ProgressBar {
        ProgressBar(terminal.then(|| {
            let bar = indicatif::ProgressBar::new(0);
            bar.set_style(
                indicatif::ProgressStyle::with_template("{spinner} {wide_msg} {bytes}/{total_bytes} [{bar:30}] {eta}")
                    .expect("a valid template")
                    .progress_chars("=> "),
            );
            bar
        }))
    }

    pub fn update(&mut self, p: &Progress) {
        if let Some(bar) = &self.0 {
            bar.set_length(p.bytes_total);
            bar.set_position(p.bytes_done);
            bar.set_message(format!(
                "file {}/{} {}: {} records, {} rejected",
                (p.files_done + 1).min(p.files_total),
                p.files_total,
                p.file,
                p.records,
                p.rejected
            ));
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

/// How many rejections the summary shows per file (`--json` lists them all).
const SHOWN_REJECTIONS: usize = 10;

pub fn print_import(report: &ImportReport, store: &str) {
    for f in &report.files {
        match &f.error {
            Some(_) => println!("{}: not imported (see below)", f.path),
            None => println!("{} ({}): {} records imported, {} rejected", f.path, f.format, f.records, f.rejected),
        }
        for r in f.rejections.iter().take(SHOWN_REJECTIONS) {
            println!("  rejected {}: {}", r.position, r.reason);
        }
        if f.rejected as usize > SHOWN_REJECTIONS {
            println!(
                "  … and {} more rejected (rapport import --json lists them all)",
                f.rejected as usize - SHOWN_REJECTIONS
            );
        }
    }
    if report.cancelled {
        println!("Import cancelled: the file in progress added nothing.");
    }
    let s = report.stored;
    println!(
        "The store {} now holds {} conversations, {} messages, {} actions and {} feedback.",
        store, s.conversations, s.messages, s.actions, s.feedback
    );
}

pub fn print_status(status: &Status) {
    let s = status.stored;
    println!("Store: {} (schema {})", status.store.display(), status.schema_version);
    println!(
        "Holds: {} conversations, {} messages, {} actions, {} feedback",
        s.conversations, s.messages, s.actions, s.feedback
    );
    match (status.first_message, status.last_message) {
        (Some(a), Some(b)) => println!("Messages from {a} to {b}"),
        _ => println!("No messages yet: run `rapport import PATH` or `rapport demo`."),
    }
    println!("Files imported: {}", status.files.len());
    for f in &status.files {
        println!(
            "  {} ({}): {} records, {} rejected, imported {}",
            f.path, f.format, f.records, f.rejected, f.imported_at
        );
    }
}

#[derive(Serialize)]
struct QueryEcho<'a> {
    from: Micros,
    to: Micros,
    tz: &'a str,
    filters: &'a Filters,
    #[serde(skip_serializing_if = "Option::is_none")]
    segment: Option<&'a Filters>,
}

/// `metrics` output: every key at the top, the previous period under
/// `previous`, and the query itself under `query`.
#[derive(Serialize)]
pub struct MetricsOutput<'a> {
    query: QueryEcho<'a>,
    #[serde(flatten)]
    dashboard: &'a Dashboard,
}

impl<'a> MetricsOutput<'a> {
    pub fn new(query: &'a Query, dashboard: &'a Dashboard) -> MetricsOutput<'a> {
        MetricsOutput {
            query: QueryEcho {
                from: query.from,
                to: query.to,
                tz: query.zone.name(),
                filters: &query.filters,
                segment: query.segment.as_ref(),
            },
            dashboard,
        }
    }
}

#[derive(Serialize)]
pub struct BenchQuery {
    /// Reading the store and building the in-memory facts.
    load_ms: f64,
    /// The full dashboard (every key, both periods), per run.
    query_ms: Vec<f64>,
    median_ms: f64,
    total_messages: u64,
    /// The full PDF report of the same query with the facts already loaded
    /// (what the app's Export does): gathering its numbers and rendering.
    report_pdf_ms: f64,
    /// With `--after-import`: that import, then the next dashboard (the
    /// facts brought up to date, and the query).
    after_import: Option<AfterImport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub search: Option<BenchSearch>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub topics: Option<BenchTopics>,
}

#[derive(Serialize)]
pub struct BenchTopics {
    /// The first "What people ask about" of the process (what it reads or
    /// builds once included), then each run after it.
    first_ms: f64,
    topics_ms: Vec<f64>,
    median_ms: f64,
    /// The phrases found, for a look at what was timed.
    phrases: Vec<String>,
}

/// Times the period's topics: the first in the process, then `repeat` more.
pub fn bench_topics(engine: &mut Engine, query: &Query, repeat: u32) -> Result<BenchTopics, String> {
    let t = Instant::now();
    let topics = engine.topics(query).map_err(|e| e.to_string())?;
    let first_ms = t.elapsed().as_secs_f64() * 1000.0;
    let mut topics_ms = Vec::new();
    for _ in 0..repeat.max(1) {
        let t = Instant::now();
        engine.topics(query).map_err(|e| e.to_string())?;
        topics_ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    Ok(BenchTopics {
        first_ms,
        median_ms: median(&topics_ms),
        topics_ms,
        phrases: topics.into_iter().map(|t| t.phrase).collect(),
    })
}

#[derive(Serialize)]
pub struct BenchSearch {
    phrase: String,
    /// A search of the period for the phrase (the full-text index, the
    /// newest 50 conversations, a snippet of each), per run.
    search_ms: Vec<f64>,
    median_ms: f64,
    /// The dashboard with the phrase as a `text` filter, per run.
    filtered_ms: Vec<f64>,
    filtered_median_ms: f64,
    /// Conversations of the period that say the phrase.
    conversations: u64,
}

fn median(runs: &[f64]) -> f64 {
    let mut sorted = runs.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}

/// Times a search for `phrase`, then the dashboard with it as a `text` filter.
pub fn bench_search(engine: &mut Engine, query: &Query, phrase: &str, repeat: u32) -> Result<BenchSearch, String> {
    let mut search_ms = Vec::new();
    for _ in 0..repeat.max(1) {
        let t = Instant::now();
        engine.search(query, phrase, 50).map_err(|e| e.to_string())?;
        search_ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let mut filtered = query.clone().compared();
    filtered.filters.add("text", phrase).map_err(|e| e.to_string())?;
    let mut filtered_ms = Vec::new();
    let mut conversations = 0;
    for _ in 0..repeat.max(1) {
        let t = Instant::now();
        conversations =
            engine.dashboard_view(&filtered).map_err(|e| e.to_string())?.dashboard.current.total_conversations;
        filtered_ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    Ok(BenchSearch {
        phrase: phrase.to_owned(),
        median_ms: median(&search_ms),
        search_ms,
        filtered_median_ms: median(&filtered_ms),
        filtered_ms,
        conversations,
    })
}

/// A line per conversation: its id and its start (`-` when unknown).
pub fn print_conversations(page: &rapport::metrics::ConversationPage) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    for row in &page.rows {
        let started = row.started_at.map_or_else(|| "-".to_owned(), |t| t.to_string());
        let _ = writeln!(out, "{}\t{}", row.conversation_id, started);
    }
}

/// One line per conversation a search found: its id, start and snippet.
pub fn print_search(hits: &[rapport::engine::SearchHit]) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    for hit in hits {
        let started = hit.started_at.map_or_else(|| "-".to_owned(), |t| t.to_string());
        let snippet = hit.snippet.as_ref().map_or_else(String::new, |s| {
            let text: String = s.text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
            format!("{}{}{}", if s.cut_before { "…" } else { "" }, text, if s.cut_after { "…" } else { "" })
        });
        let _ = writeln!(out, "{}\t{}\t{}", hit.conversation_id, started, snippet);
    }
}

#[derive(Serialize)]
pub struct AfterImport {
    import_ms: f64,
    dashboard_ms: f64,
    total_messages: u64,
}

pub fn bench_query(
    engine: &mut Engine,
    query: &Query,
    plain_first: Option<&Query>,
    repeat: u32,
    after_import: Option<&std::path::Path>,
) -> Result<BenchQuery, String> {
    let started = Instant::now();
    // A ClickHouse store's server computes every number: nothing to load.
    if engine.holds_facts() {
        engine.facts().map_err(|e| e.to_string())?;
    }
    let load_ms = started.elapsed().as_secs_f64() * 1000.0;
    if let Some(plain) = plain_first {
        engine.dashboard_view(&plain.clone().compared()).map_err(|e| e.to_string())?;
    }
    let mut query_ms = Vec::new();
    let mut last: Option<Metrics> = None;
    for _ in 0..repeat.max(1) {
        let t = Instant::now();
        // What the app's dashboard asks for: both periods and the extras.
        let view = engine.dashboard_view(&query.clone().compared()).map_err(|e| e.to_string())?;
        query_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        last = Some(view.dashboard.current);
    }
    let t = Instant::now();
    let data = rapport::report::ReportData::gather(engine, query, "Benchmark report")
        .map_err(|e| format!("the report could not be gathered: {e}"))?;
    rapport::report::report_pdf(&data, rapport::report::Paper::default())
        .map_err(|e| format!("the report could not be rendered: {e}"))?;
    let report_pdf_ms = t.elapsed().as_secs_f64() * 1000.0;
    let after_import = match after_import {
        None => None,
        Some(path) => {
            let t = Instant::now();
            let options = rapport::import::ImportOptions::default();
            engine.import(&[path.to_owned()], &options, &mut |_| {}).map_err(|e| e.to_string())?;
            let import_ms = t.elapsed().as_secs_f64() * 1000.0;
            let t = Instant::now();
            let view = engine.dashboard_view(&query.clone().compared()).map_err(|e| e.to_string())?;
            let dashboard_ms = t.elapsed().as_secs_f64() * 1000.0;
            Some(AfterImport { import_ms, dashboard_ms, total_messages: view.dashboard.current.total_messages })
        }
    };
    let mut sorted = query_ms.clone();
    sorted.sort_by(f64::total_cmp);
    Ok(BenchQuery {
        after_import,
        load_ms,
        median_ms: sorted[sorted.len() / 2],
        query_ms,
        total_messages: last.map_or(0, |m| m.total_messages),
        report_pdf_ms,
        search: None,
        topics: None,
    })
}
