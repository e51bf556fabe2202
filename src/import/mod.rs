//! Import: detect → read (one reader per layout) → normalise into a record or
//! a rejection → write, one transaction per file → report.
//!
//! Reading and normalising run on a second thread while this one writes, so
//! an import uses both cores; the channel between them is bounded, so memory
//! stays flat whatever the file's size.

pub mod formats;
mod normalize;
pub mod raw;
mod readers;
mod source;
pub mod split;

pub use formats::mapped::{preview_csv, ColumnMap, CsvPreview, MapError};
pub use formats::{FileChoice, FormatOptions};
pub use normalize::normalize;

use crate::model::Record;
use crate::store::{Counts, ImportTarget, StoreError};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::Arc;

/// Where in its file a record was: a line (JSON Lines), a row (CSV, the
/// header being row 1) or an item of a JSON array (the first being 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    Line(u64),
    Row(u64),
    Item(u64),
    /// An item of a named list: `trace.json observation 3` (the first being 1).
    Of(&'static str, u64),
    /// A part of such an item: `export.json conversation 2 span 5`.
    Within(&'static str, u64, &'static str, u64),
}

impl Position {
    fn describe(self, file: &str) -> String {
        match self {
            Position::Line(n) => format!("{file} line {n}"),
            Position::Row(n) => format!("{file} row {n}"),
            Position::Item(n) => format!("{file} item {n}"),
            Position::Of(what, n) => format!("{file} {what} {n}"),
            Position::Within(what, n, part, k) => format!("{file} {what} {n} {part} {k}"),
        }
    }
}

/// The writer stopped listening; the reader should stop too.
#[derive(Debug)]
pub struct Stopped;

/// Where readers put what they read.
pub trait Sink {
    fn push(&mut self, position: Position, outcome: Result<Record, String>) -> Result<(), Stopped>;
}

/// A rejected record: where it was and why, in words a person understands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Rejection {
    #[serde(rename = "where")]
    pub position: String,
    pub reason: String,
}

/// What happened to one file.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct FileReport {
    pub path: String,
    /// The format detected: `jsonl`, `json` or `csv` (the native format), or
    /// another platform's (`agentsight-sdk`, `langfuse-traces`, `dify-messages`,
    /// `openai-chat`, ...: see [`formats::FORMATS`]), with `+gzip` when compressed.
    pub format: String,
    /// Records read and stored from this file.
    pub records: u64,
    pub rejected: u64,
    /// The first rejected records ([`crate::limits::KEPT_REJECTIONS`] at most,
    /// as many as the store keeps); `rejected` counts them all.
    pub rejections: Vec<Rejection>,
    /// Why the file was refused as a whole, when it was: it added nothing.
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ImportReport {
    pub files: Vec<FileReport>,
    /// What the store holds after the import.
    pub stored: Counts,
    pub rejected: u64,
    /// True when the import was cancelled: the file in progress added nothing,
    /// and the files after it were not read.
    pub cancelled: bool,
}

impl ImportReport {
    pub fn refused_files(&self) -> impl Iterator<Item = &FileReport> {
        self.files.iter().filter(|f| f.error.is_some())
    }
}

impl FileReport {
    /// Why a file that was read added nothing, when it did: every record
    /// rejected, or none there. A file is never "imported" into nothing
    /// without a sentence (the app's import report says the same).
    pub fn nothing_imported(&self) -> Option<String> {
        if self.error.is_some() || self.records > 0 {
            return None;
        }
        Some(match self.rejected {
            0 => "it holds no records".to_owned(),
            1 => "its only record was rejected".to_owned(),
            n => format!("all {n} of its records were rejected"),
        })
    }
}

/// How far an import has come, for a progress bar.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Progress {
    pub file: String,
    pub files_done: usize,
    pub files_total: usize,
    pub bytes_done: u64,
    pub bytes_total: u64,
    pub records: u64,
    pub rejected: u64,
}

#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Set to true (from any thread) to cancel: the file in progress is rolled back.
    pub cancel: Option<Arc<AtomicBool>>,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The endings a folder's files are imported by (each also with `.gz`).
const IMPORTABLE: &[&str] = &[".jsonl", ".ndjson", ".json", ".csv"];

fn importable(name: &str) -> bool {
    let lower = name.to_lowercase();
    let lower = lower.strip_suffix(".gz").unwrap_or(&lower);
    IMPORTABLE.iter().any(|end| lower.ends_with(end))
}

/// The files an import of `paths` reads, folders expanded, in the order given.
pub fn expand_paths(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for p in paths {
        expand(p, &mut files);
    }
    files
}

/// A path given to import: a file, or every importable file in a folder and
/// below it, in order of their path within it.
fn expand(path: &Path, out: &mut Vec<PathBuf>) {
    if !path.is_dir() {
        out.push(path.to_owned());
        return;
    }
    let mut found = Vec::new();
    let mut stack = vec![path.to_owned()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let p = entry.path();
            match entry.file_type() {
                Ok(t) if t.is_dir() => stack.push(p),
                Ok(_) if importable(&entry.file_name().to_string_lossy()) => {
                    let rel = p.strip_prefix(path).unwrap_or(&p);
                    let key: Vec<String> =
                        rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
                    found.push((key.join("/"), p));
                }
                _ => {}
            }
        }
    }
    found.sort();
    out.extend(found.into_iter().map(|(_, p)| p));
}

/// Imports files and folders into the store, each file all or nothing.
///
/// A file that cannot be read at all is reported with its `error` and adds
/// nothing; the other files still go in. Only a failing store is an `Err`.
pub fn import_paths(
    store: &mut dyn ImportTarget,
    paths: &[PathBuf],
    options: &ImportOptions,
    progress: &mut dyn FnMut(&Progress),
) -> Result<ImportReport, ImportError> {
    import_paths_with(store, paths, options, &FormatOptions::default(), progress)
}

/// [`import_paths`] with the choices a file cannot tell: the zone of naive
/// timestamps and a CSV column mapping.
pub fn import_paths_with(
    store: &mut dyn ImportTarget,
    paths: &[PathBuf],
    options: &ImportOptions,
    formats: &FormatOptions,
    progress: &mut dyn FnMut(&Progress),
) -> Result<ImportReport, ImportError> {
    let mut files = expand_paths(paths);
    // Langfuse observations and scores name only their trace: its file goes first.
    files.sort_by_key(|f| !formats::read_first(f));
    let mut ctx = formats::Context::new(formats.clone());
    let bytes_total = files.iter().map(|f| std::fs::metadata(f).map(|m| m.len()).unwrap_or(0)).sum();
    let mut report = ImportReport { files: Vec::new(), stored: Counts::default(), rejected: 0, cancelled: false };
    let mut state = Progress {
        file: String::new(),
        files_done: 0,
        files_total: files.len(),
        bytes_done: 0,
        bytes_total,
        records: 0,
        rejected: 0,
    };
    for file in &files {
        let bytes_before = state.bytes_done;
        ctx.options = formats.for_file(file);
        let outcome = import_file(store, file, options, &ctx, &mut state, progress)?;
        state.files_done += 1;
        state.bytes_done = bytes_before + std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
        match outcome {
            Some(file_report) => {
                report.rejected += file_report.rejected;
                report.files.push(file_report);
            }
            None => {
                report.cancelled = true;
                break;
            }
        }
    }
    progress(&state);
    report.stored = store.counts()?;
    Ok(report)
}

/// Detected layouts of the native format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    JsonLines,
    Json,
    Csv,
}

fn layout_by_name(name: &str) -> Option<Layout> {
    let lower = name.to_lowercase();
    if lower.ends_with(".csv") {
        Some(Layout::Csv)
    } else if lower.ends_with(".jsonl") || lower.ends_with(".ndjson") {
        Some(Layout::JsonLines)
    } else if lower.ends_with(".json") {
        Some(Layout::Json)
    } else {
        None
    }
}

/// A file with no telling ending is judged by its first bytes.
fn sniff(source: &mut source::Source) -> Result<Layout, String> {
    match readers::first_significant_byte(source)? {
        Some(b'[' | b'{') | None => Ok(Layout::Json),
        Some(_) => {
            use std::io::BufRead;
            let head = source.reader.fill_buf().map_err(|e| source::describe_read_error(&e))?;
            let first_line = head.split(|&b| b == b'\n').next().unwrap_or(&[]);
            let line = String::from_utf8_lossy(first_line);
            if line.split(',').any(|h| h.trim().trim_matches('"') == "type") {
                Ok(Layout::Csv)
            } else {
                Err(format!("not a format Rapport reads. {}", formats::readable_formats()))
            }
        }
    }
}

struct Batch {
    items: Vec<(Position, Result<Record, String>)>,
}

/// Collects items into batches for the writer thread.
struct ChannelSink {
    tx: SyncSender<Batch>,
    batch: Vec<(Position, Result<Record, String>)>,
}

/// Small enough that a batch's buffer is reused from the heap, not mapped anew.
const BATCH: usize = 256;

impl Sink for ChannelSink {
    fn push(&mut self, position: Position, outcome: Result<Record, String>) -> Result<(), Stopped> {
        self.batch.push((position, outcome));
        if self.batch.len() >= BATCH {
            self.flush()?;
        }
        Ok(())
    }
}

impl ChannelSink {
    fn flush(&mut self) -> Result<(), Stopped> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let items = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH));
        self.tx.send(Batch { items }).map_err(|_| Stopped)
    }
}

/// Imports one file in one transaction. `None` when cancelled.
fn import_file(
    store: &mut dyn ImportTarget,
    path: &Path,
    options: &ImportOptions,
    ctx: &formats::Context,
    state: &mut Progress,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Option<FileReport>, ImportError> {
    let shown = path.display().to_string();
    state.file = shown.clone();
    let refused = |format: &str, reason: String| FileReport {
        path: shown.clone(),
        format: format.to_owned(),
        records: 0,
        rejected: 0,
        rejections: Vec::new(),
        error: Some(reason),
    };
    let mut src = match source::open(path) {
        Ok(s) => s,
        Err(reason) => return Ok(Some(refused("unknown", reason))),
    };
    // Another platform's export, recognised by its first bytes, or else the native format.
    let detected = match formats::detect(&mut src, &ctx.options) {
        Ok(d) => d,
        Err(reason) => return Ok(Some(refused("unknown", reason))),
    };
    let layout = match (&detected, layout_by_name(&src.name)) {
        (Some(_), _) => Layout::Json, // unused: the detected format reads the file
        (None, Some(l)) => l,
        (None, None) => match sniff(&mut src) {
            Ok(l) => l,
            Err(reason) => return Ok(Some(refused("unknown", reason))),
        },
    };
    let gzip = src.gzip;
    let name = src.name.clone();
    let size = src.size;
    let read_counter = src.read.clone();
    let bytes_before = state.bytes_done;
    let cancel = options.cancel.clone().unwrap_or_default();

    let mut writer = store.begin_file(&shown, size)?;
    let mut records: u64 = 0;
    let mut rejected: u64 = 0;
    let mut rejections: Vec<Rejection> = Vec::new();
    let mut store_error = None;
    let mut cancelled = false;

    let (end, format) = std::thread::scope(|scope| {
        let (tx, rx) = sync_channel::<Batch>(8);
        let reader = scope.spawn(move || {
            let mut sink = ChannelSink { tx, batch: Vec::with_capacity(BATCH) };
            let reopen = || source::open(path);
            let result = match (&detected, layout) {
                (Some(d), _) => d.read(src, ctx, &mut sink).map(|_| d.format),
                (None, Layout::JsonLines) => readers::json_lines(src, &mut sink).map(|_| "jsonl"),
                (None, Layout::Json) => readers::json_document(src, &reopen, &mut sink),
                (None, Layout::Csv) => readers::csv(src, &mut sink).map(|_| "csv"),
            };
            // What was read before a refusal is discarded by the writer anyway.
            let flushed = sink.flush();
            match (result, flushed) {
                (Ok(f), Ok(())) => (Ok(()), f),
                (Ok(f), Err(_)) => (Err(readers::End::Stopped), f),
                (Err(e), _) => (Err(e), detected.as_ref().map_or("unknown", |d| d.format)),
            }
        });
        for batch in rx.iter() {
            for (position, outcome) in batch.items {
                match outcome {
                    Ok(record) => {
                        if let Err(e) = writer.write(&record) {
                            store_error = Some(e);
                            break;
                        }
                        records += 1;
                    }
                    Err(reason) => {
                        rejected += 1;
                        // A file of millions of bad records keeps the first ones, and counts them all.
                        if rejections.len() < crate::limits::KEPT_REJECTIONS {
                            let r = Rejection { position: position.describe(&name), reason };
                            if let Err(e) = writer.reject(&r.position, &r.reason) {
                                store_error = Some(e);
                                break;
                            }
                            rejections.push(r);
                        }
                    }
                }
            }
            state.records = records;
            state.rejected = rejected;
            state.bytes_done = bytes_before + read_counter.load(Ordering::Relaxed).min(size);
            progress(state);
            if store_error.is_some() {
                break;
            }
            if cancel.load(Ordering::Relaxed) {
                cancelled = true;
                break;
            }
        }
        drop(rx); // a reader still sending learns that nobody listens
        reader.join().unwrap_or((Err(readers::End::Refused("the reader failed".into())), "unknown"))
    });

    let format = if gzip { format!("{format}+gzip") } else { format.to_owned() };
    if let Some(e) = store_error {
        let _ = writer.rollback();
        return Err(ImportError::Store(e));
    }
    if cancelled {
        writer.rollback()?;
        return Ok(None);
    }
    match end {
        Err(readers::End::Refused(reason)) => {
            writer.rollback()?;
            Ok(Some(refused(&format, reason)))
        }
        Err(readers::End::Stopped) => {
            writer.rollback()?;
            Ok(None)
        }
        Ok(()) => {
            writer.commit(&format, records, rejected)?;
            Ok(Some(FileReport { path: shown, format, records, rejected, rejections, error: None }))
        }
    }
}
