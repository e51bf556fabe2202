//! The import screen: files in, progress out, a report at the end.
//!
//! The import runs on a blocking thread with its own connection to the
//! store, so the window and the dashboard's queries go on meanwhile; the
//! dashboard's facts are refreshed when it ends.
//!
//! A CSV with columns of its own names is read through a mapping the person
//! chooses: the window asks which files need one ([`needing_column_map`],
//! folders looked into), shows each one's first rows ([`preview`]) and
//! imports with a mapping per file.

use crate::error::{AppError, Result};
use crate::state::AppState;
use rapport::engine::Engine;
use rapport::import::formats::mapped::CsvPreview;
use rapport::import::formats::{self, FormatOptions};
use rapport::import::{ImportOptions, ImportReport, Progress};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tauri::ipc::Channel;
use tauri::State;
use tauri_plugin_dialog::DialogExt;

/// How often progress reaches the window at most.
const PROGRESS_EVERY: Duration = Duration::from_millis(50);

/// Imports `paths` into the store at `db` on this thread, reading them with
/// `formats` (a CSV column mapping, the zone of naive timestamps), reporting
/// progress (throttled, and always the last) and stopping when `cancel` is set.
pub fn run_import(
    db: &Path,
    geo: Option<&Path>,
    paths: &[PathBuf],
    formats: &FormatOptions,
    cancel: Arc<AtomicBool>,
    progress: &mut dyn FnMut(&Progress),
) -> Result<ImportReport> {
    let mut engine = Engine::open(db, geo)?;
    let mut last = Instant::now() - PROGRESS_EVERY;
    let mut throttled = |p: &Progress| {
        if last.elapsed() >= PROGRESS_EVERY || p.files_done == p.files_total {
            last = Instant::now();
            progress(p);
        }
    };
    Ok(engine.import_with(paths, &ImportOptions { cancel: Some(cancel) }, formats, &mut throttled)?)
}

/// The files `paths` would import (folders looked into) that are CSV only a
/// column mapping can read: none of the formats Rapport recognises.
pub fn needing_column_map(paths: &[String]) -> Vec<String> {
    let paths: Vec<PathBuf> = paths.iter().map(PathBuf::from).collect();
    formats::needing_column_map(&paths).iter().map(|p| p.display().to_string()).collect()
}

/// The header and first rows of the CSV at `path`, for the mapping step.
pub fn preview(path: &str) -> Result<CsvPreview> {
    formats::mapped::preview_csv(Path::new(path)).map_err(|reason| AppError::new("engine", reason))
}

#[tauri::command]
pub async fn import_files(
    state: State<'_, AppState>,
    paths: Vec<String>,
    formats: Option<FormatOptions>,
    on_progress: Channel<Progress>,
) -> Result<ImportReport> {
    let cancel = Arc::new(AtomicBool::new(false));
    {
        let mut running = state.import_cancel.lock().map_err(|_| AppError::new("engine", "import state lost"))?;
        if running.is_some() {
            return Err(AppError::new("busy", "an import is already running; wait for it or cancel it"));
        }
        *running = Some(cancel.clone());
    }
    let (db, geo) = (state.db.clone(), state.geo.clone());
    let paths: Vec<PathBuf> = paths.into_iter().map(PathBuf::from).collect();
    let formats = formats.unwrap_or_default();
    let outcome = tauri::async_runtime::spawn_blocking(move || {
        run_import(&db, geo.as_deref(), &paths, &formats, cancel, &mut |p| {
            let _ = on_progress.send(p.clone());
        })
    })
    .await
    .map_err(|e| AppError::new("engine", format!("the import stopped unexpectedly: {e}")));
    if let Ok(mut running) = state.import_cancel.lock() {
        *running = None;
    }
    state.engine()?.refresh();
    outcome?
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

/// The native save dialog, then the text written there: for CSV and report
/// exports. Returns where the file went, or nothing when the person cancelled.
#[tauri::command]
pub async fn save_text_file(app: tauri::AppHandle, name: String, contents: String) -> Result<Option<String>> {
    let Some(path) = app.dialog().file().set_file_name(&name).blocking_save_file() else {
        return Ok(None);
    };
    let path = path.into_path().map_err(|e| AppError::new("engine", format!("cannot save there: {e}")))?;
    std::fs::write(&path, contents)
        .map_err(|e| AppError::new("engine", format!("cannot write {}: {e}", path.display())))?;
    Ok(Some(path.display().to_string()))
}
