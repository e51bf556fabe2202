//! The import screen: files in, progress out, a report at the end.
//!
//! The import runs on a blocking thread with its own connection to the
//! store, so the window and the dashboard's queries go on meanwhile; the
//! dashboard's facts are brought up to date when it ends, on a thread of
//! their own, while the report reaches the window.
//!
//! A CSV with columns of its own names is read through a mapping the person
//! chooses: the window asks which files need one ([`needing_column_map`],
//! folders looked into), shows each one's first rows ([`preview`]) and
//! imports with a mapping per file.

use crate::commands::welcome::store_status;
use crate::error::{AppError, Result};
use crate::state::{AppState, Opener};
use rapport::import::{self, CsvPreview, ImportOptions, ImportReport, Progress};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tauri::ipc::Channel;
use tauri::State;
use tauri_plugin_dialog::DialogExt;

/// How often progress reaches the window at most.
const PROGRESS_EVERY: Duration = Duration::from_millis(50);

/// Imports `paths` into the store in use (opened again by `store`) on this
/// thread, reading them with `options` (a CSV column mapping, the zone of
/// naive timestamps), reporting progress (throttled, and always the last)
/// and stopping when the options' `cancel` is set.
pub fn run_import(
    store: &Opener,
    paths: &[PathBuf],
    options: &ImportOptions,
    progress: &mut dyn FnMut(&Progress),
) -> Result<ImportReport> {
    let opening = crate::trace::step(|| "import: its engine opened".to_owned());
    let mut engine = store.open()?;
    drop(opening);
    let _step = crate::trace::step(|| format!("import: {} path(s) imported", paths.len()));
    let mut last = Instant::now() - PROGRESS_EVERY;
    let mut throttled = |p: &Progress| {
        if last.elapsed() >= PROGRESS_EVERY || p.files_done == p.files_total {
            last = Instant::now();
            progress(p);
        }
    };
    Ok(engine.import(paths, options, &mut throttled)?)
}

/// What the window's engine is told when an import beside it ended (or
/// stopped): its facts are set aside, and brought up to date from them at
/// once, on a thread of their own, while the report reaches the window,
/// which asks for the status and the dashboard next. The import waits for
/// nothing the engine is doing meanwhile.
pub fn after_import(state: &AppState) {
    state.store_changed();
}

/// The files `paths` would import (folders looked into) that are CSV only a
/// column mapping can read: none of the formats Rapport recognises.
pub fn needing_column_map(paths: &[String]) -> Vec<String> {
    let paths: Vec<PathBuf> = paths.iter().map(PathBuf::from).collect();
    import::needing_column_map(&paths).iter().map(|p| p.display().to_string()).collect()
}

/// The paths in text pasted into the import screen's box, one a line, as
/// people copy them: the quotes of Windows Explorer's "Copy as path" (and of
/// shells) stripped, a `file://` address read as its path, `~` read as the
/// home folder, and a path that is not absolute read from the home folder,
/// not from wherever the app happened to start.
///
/// ```text
/// "C:\Users\ana\Downloads\chat log.csv"  →  C:\Users\ana\Downloads\chat log.csv
/// ~/Downloads/export.jsonl                →  /home/ana/Downloads/export.jsonl
/// Downloads/export.jsonl                  →  /home/ana/Downloads/export.jsonl
/// file:///home/ana/chat%20log.csv         →  /home/ana/chat log.csv
/// ```
pub fn pasted(text: &str, home: &Path) -> Vec<PathBuf> {
    text.lines().filter_map(|line| pasted_path(line, home)).collect()
}

fn pasted_path(line: &str, home: &Path) -> Option<PathBuf> {
    let mut text = line.trim();
    for quote in ['"', '\''] {
        if text.len() >= 2 && text.starts_with(quote) && text.ends_with(quote) {
            text = text[1..text.len() - 1].trim();
        }
    }
    if text.is_empty() {
        return None;
    }
    let text = match text.strip_prefix("file://") {
        Some(rest) => percent_decoded(rest.strip_prefix("localhost").unwrap_or(rest)),
        None => text.to_owned(),
    };
    let path = match text.strip_prefix('~') {
        Some("") => home.to_path_buf(),
        Some(rest) if rest.starts_with(['/', '\\']) => home.join(&rest[1..]),
        _ => PathBuf::from(&text),
    };
    // A file:// address of a Windows path reads `/C:/Users/...`.
    #[cfg(windows)]
    let path = match text.strip_prefix('/') {
        Some(rest) if Path::new(rest).is_absolute() => PathBuf::from(rest),
        _ => path,
    };
    Some(if path.is_absolute() { path } else { home.join(path) })
}

/// `%20` → a space: how a file:// address writes what a URL cannot hold.
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(high), Some(low)) => {
                out.push((high * 16 + low) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The header and first rows of the CSV at `path`, for the mapping step.
pub fn preview(path: &str) -> Result<CsvPreview> {
    import::preview_csv(Path::new(path)).map_err(|reason| AppError::new("engine", reason))
}

#[tauri::command]
pub async fn import_files(
    state: State<'_, AppState>,
    paths: Vec<String>,
    options: Option<ImportOptions>,
    on_progress: Channel<Progress>,
) -> Result<ImportReport> {
    let _step = crate::trace::step(|| "command import_files".to_owned());
    let store = state.opener()?;
    let cancel = Arc::new(AtomicBool::new(false));
    {
        let mut running = state.import_cancel.lock().map_err(|_| AppError::new("engine", "import state lost"))?;
        if running.is_some() {
            return Err(AppError::new("busy", "an import is already running; wait for it or cancel it"));
        }
        *running = Some(cancel.clone());
    }
    let paths: Vec<PathBuf> = paths.into_iter().map(PathBuf::from).collect();
    // The store's rows are counted from the window's facts, brought up to
    // date after the import anyway, not by reading every page of the store.
    let options = ImportOptions { cancel: Some(cancel), uncounted: true, ..options.unwrap_or_default() };
    let outcome = tauri::async_runtime::spawn_blocking(move || {
        run_import(&store, &paths, &options, &mut |p| {
            let _ = on_progress.send(p.clone());
        })
    })
    .await
    .map_err(|e| AppError::new("engine", format!("the import stopped unexpectedly: {e}")));
    if let Ok(mut running) = state.import_cancel.lock() {
        *running = None;
    }
    after_import(&state);
    let mut report = outcome??;
    report.stored = store_status(&state)?.stored;
    Ok(report)
}

#[tauri::command]
pub async fn csv_needing_map(paths: Vec<String>) -> Result<Vec<String>> {
    Ok(needing_column_map(&paths))
}

#[tauri::command]
pub async fn preview_csv(path: String) -> Result<CsvPreview> {
    preview(&path)
}

#[tauri::command]
pub async fn cancel_import(state: State<'_, AppState>) -> Result<()> {
    if let Some(cancel) = state.import_cancel.lock().map_err(|_| AppError::new("engine", "import state lost"))?.as_ref()
    {
        cancel.store(true, Ordering::Relaxed);
    }
    Ok(())
}

/// The paths in text pasted into the import box ([`pasted`]), read from the home folder.
#[tauri::command]
pub async fn pasted_paths(text: String) -> Result<Vec<String>> {
    let home = dirs::home_dir()
        .ok_or_else(|| AppError::new("engine", "your home folder is unknown: paste the whole path of the file"))?;
    Ok(pasted(&text, &home).iter().map(|p| p.display().to_string()).collect())
}

/// The native dialog: files (or a folder) to import.
#[tauri::command]
pub async fn pick_import_paths(app: tauri::AppHandle, folder: Option<bool>) -> Result<Vec<String>> {
    let dialog = app.dialog().file().set_title("Import logs");
    let picked = if folder.unwrap_or(false) {
        dialog.blocking_pick_folders()
    } else {
        dialog
            .add_filter("Logs (JSON Lines, JSON, CSV, gzip)", &["jsonl", "ndjson", "json", "csv", "gz"])
            .add_filter("All files", &["*"])
            .blocking_pick_files()
    };
    Ok(picked.unwrap_or_default().into_iter().map(|p| p.to_string()).collect())
}

/// What the save dialog offers for a file named `name`: its type, by its
/// ending, so the dialog lists only such files and keeps the ending.
pub fn save_filter(name: &str) -> (&'static str, &'static [&'static str]) {
    match Path::new(name).extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
        Some("csv") => ("CSV table", &["csv"]),
        Some("pdf") => ("PDF document", &["pdf"]),
        Some("html" | "htm") => ("HTML page", &["html", "htm"]),
        Some("png") => ("PNG image", &["png"]),
        Some("svg") => ("SVG image", &["svg"]),
        _ => ("All files", &["*"]),
    }
}

/// The native save dialog, then the text written there: the rejections as
/// CSV. Returns where the file went, or nothing when the person cancelled.
#[tauri::command]
pub async fn save_text_file(app: tauri::AppHandle, name: String, contents: String) -> Result<Option<String>> {
    let (label, endings) = save_filter(&name);
    let Some(path) = app.dialog().file().set_file_name(&name).add_filter(label, endings).blocking_save_file() else {
        return Ok(None);
    };
    let path = path.into_path().map_err(|e| AppError::new("engine", format!("cannot save there: {e}")))?;
    std::fs::write(&path, contents)
        .map_err(|e| AppError::new("engine", format!("cannot write {}: {e}", path.display())))?;
    Ok(Some(path.display().to_string()))
}
