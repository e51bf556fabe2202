//! The dashboard's Export menu: the report (PDF, HTML), one chart (PNG, SVG)
//! or one table (CSV) of the dashboard's query, drawn by the engine's report
//! module and written where the person says in the native save dialog.

use crate::error::{AppError, Result};
use crate::state::AppState;
use rapport::metrics::{Query, QueryText};
use rapport::report::{self, Chart, Paper, ReportData, Table};
use serde::{Deserialize, Serialize};
use tauri::State;
use tauri_plugin_dialog::DialogExt;

/// The title on a report's first page, as `rapport report` writes it.
const TITLE: &str = "Chatbot activity report";

/// One item of the Export menu. Charts, tables and papers go by the names
/// `rapport report --chart`, `rapport export` and `--paper` take.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Export {
    /// The whole report as PDF; `paper` is `a4` or `letter`.
    Pdf {
        paper: String,
    },
    /// The whole report as one self-contained HTML page.
    Html {
        paper: String,
    },
    /// One chart as PNG, at 1 or 2 image pixels per drawing pixel.
    Png {
        chart: String,
        scale: u8,
    },
    Svg {
        chart: String,
    },
    /// One table as CSV: `conversations`, `tools`, `countries`, `daily` or `unanswered`.
    Csv {
        table: String,
    },
}

impl Export {
    /// The file type the save dialog offers for this export, and its endings.
    pub fn file_type(&self) -> (&'static str, &'static [&'static str]) {
        match self {
            Export::Pdf { .. } => ("PDF document", &["pdf"]),
            Export::Html { .. } => ("HTML page", &["html", "htm"]),
            Export::Png { .. } => ("PNG image", &["png"]),
            Export::Svg { .. } => ("SVG image", &["svg"]),
            Export::Csv { .. } => ("CSV table", &["csv"]),
        }
    }
}

fn paper(name: &str) -> Result<Paper> {
    Paper::parse(name).ok_or_else(|| AppError::new("engine", format!("no paper size {name:?} (a4 or letter)")))
}

fn chart(name: &str) -> Result<Chart> {
    Chart::parse(name).ok_or_else(|| AppError::new("engine", format!("no chart {name:?}")))
}

fn rendered(e: report::ReportError) -> AppError {
    match e {
        report::ReportError::Engine(e) => e.into(),
        e => {
            log::error!("{e:?}");
            AppError::new("engine", e.to_string())
        }
    }
}

/// What a report or chart shows, read with the engine held only that long.
fn gathered(state: &AppState, query: &Query) -> Result<ReportData> {
    ReportData::gather(&mut *state.engine()?, query, TITLE).map_err(rendered)
}

/// The file's bytes, exactly as `rapport report` / `rapport export` would write them.
pub fn export_bytes(state: &AppState, query: &QueryText, export: &Export) -> Result<Vec<u8>> {
    let query = query.to_query()?;
    match export {
        Export::Pdf { paper: p } => {
            let p = paper(p)?;
            report::report_pdf(&gathered(state, &query)?, p).map_err(rendered)
        }
        Export::Html { paper: p } => {
            let p = paper(p)?;
            Ok(report::html(&gathered(state, &query)?, p).map_err(rendered)?.into_bytes())
        }
        Export::Png { chart: c, scale } => {
            let c = chart(c)?;
            if !(1..=2).contains(scale) {
                return Err(AppError::new("engine", format!("a PNG is drawn at 1x or 2x, not {scale}x")));
            }
            let svg = report::chart_svg(&gathered(state, &query)?, c).map_err(rendered)?;
            report::png(&svg, f32::from(*scale)).map_err(rendered)
        }
        Export::Svg { chart: c } => {
            let c = chart(c)?;
            Ok(report::chart_svg(&gathered(state, &query)?, c).map_err(rendered)?.into_bytes())
        }
        Export::Csv { table } => {
            let table = Table::parse(table).ok_or_else(|| AppError::new("engine", format!("no table {table:?}")))?;
            report::export_csv(&mut *state.engine()?, &query, table).map_err(rendered)
        }
    }
}

/// The native save dialog (suggesting `name`), then the export written
/// there. Returns where the file went, or nothing when the person cancelled.
#[tauri::command]
pub async fn export(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    query: QueryText,
    export: Export,
    name: String,
) -> Result<Option<String>> {
    let (label, endings) = export.file_type();
    let dialog = app.dialog().file().set_title("Export").set_file_name(&name).add_filter(label, endings);
    let Some(path) = dialog.blocking_save_file() else {
        return Ok(None);
    };
    let path = path.into_path().map_err(|e| AppError::new("engine", format!("cannot save there: {e}")))?;
    let bytes = export_bytes(&state, &query, &export)?;
    std::fs::write(&path, bytes)
        .map_err(|e| AppError::new("engine", format!("cannot write {}: {e}", path.display())))?;
    Ok(Some(path.display().to_string()))
}
