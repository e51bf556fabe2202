//! Reports for the people who never open the app: the dashboard of a query
//! as charts (SVG, PNG), one file (PDF, HTML) and tables (CSV).
//!
//! Numbers come from [`crate::metrics`] through the [`Engine`]; nothing here
//! computes one. The pipeline: [`ReportData::gather`] asks the engine →
//! [`charts`] draw each chart once, as SVG, with plotters → `pages` lays out
//! the report as SVG pages → `render` turns SVG into PNG (resvg) or PDF
//! (svg2pdf), and [`html`] into one self-contained page. [`tables`] writes
//! the CSV exports.
//!
//! Output depends only on the store and the query: no clock is read, so the
//! same inputs give the same bytes.

pub mod charts;
mod definitions;
mod font;
pub mod format;
mod html;
mod pages;
mod render;
mod style;
pub mod tables;
mod text;

use crate::engine::{DashboardView, Engine};
use crate::metrics::Query;
use std::path::PathBuf;

pub use charts::Chart;
pub use html::html;
pub use pages::Paper;
pub use render::{png, report_pdf, report_png, report_svg};
pub use tables::{export_csv, Table};

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Engine(#[from] crate::engine::Error),
    #[error("cannot draw the {chart} chart: {reason}")]
    Draw { chart: &'static str, reason: String },
    #[error("cannot render the report: {0}")]
    Render(String),
    #[error("cannot write the CSV table: {0}")]
    Csv(String),
    #[error("cannot write {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
}

/// Everything a report shows, read from the engine once.
#[derive(Debug, Clone)]
pub struct ReportData {
    pub title: String,
    pub query: Query,
    /// The query's numbers, the previous period's, and the extras (comments,
    /// models, the map's attribution), exactly as the dashboard gets them.
    pub view: DashboardView,
    /// The headline cards as the store's settings arrange them.
    pub layout: crate::settings::CardLayout,
}

impl ReportData {
    /// A report always compares with the previous period.
    pub fn gather(engine: &mut Engine, query: &Query, title: &str) -> Result<ReportData, ReportError> {
        let query = &query.clone().compared();
        let view = engine.dashboard_view(query)?;
        let layout = engine.settings().layout.clone();
        Ok(ReportData { title: title.to_owned(), query: query.clone(), view, layout })
    }
}

/// One chart as a standalone SVG document.
pub fn chart_svg(data: &ReportData, chart: Chart) -> Result<String, ReportError> {
    charts::svg(data, chart)
}
