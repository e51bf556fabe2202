//! `rapport report` and `rapport export`: pick the format from the file's
//! extension, ask the engine's report module for the bytes, write them.

use rapport::engine::Engine;
use rapport::metrics::Query;
use rapport::report::{self, Chart, Paper, ReportData, Table};
use std::path::Path;

pub struct ReportOptions<'a> {
    pub out: &'a Path,
    pub paper: &'a str,
    pub chart: Option<&'a str>,
    pub scale: u8,
    pub title: &'a str,
}

fn extension(path: &Path) -> String {
    path.extension().and_then(|e| e.to_str()).unwrap_or("").to_lowercase()
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Writes the report (or one chart) and says what was written.
pub fn write_report(engine: &mut Engine, query: &Query, o: &ReportOptions) -> Result<String, String> {
    // clap checked both against the same lists.
    let paper = Paper::parse(o.paper).unwrap_or_default();
    let chart = o.chart.and_then(Chart::parse);
    let ext = extension(o.out);
    let scale = f32::from(o.scale);
    let kind = match (ext.as_str(), chart) {
        ("pdf" | "html" | "htm", Some(_)) => {
            return Err(format!("--out {}: a single chart is written as .svg or .png", o.out.display()))
        }
        ("pdf" | "html" | "htm" | "svg" | "png", _) => ext.as_str(),
        _ => {
            return Err(format!(
                "--out {}: write .pdf, .html, .svg or .png (the extension picks the format)",
                o.out.display()
            ))
        }
    };
    let data = ReportData::gather(engine, query, o.title).map_err(|e| e.to_string())?;
    let err = |e: report::ReportError| e.to_string();
    let bytes = match (kind, chart) {
        ("svg", Some(c)) => report::chart_svg(&data, c).map_err(err)?.into_bytes(),
        ("png", Some(c)) => report::png(&report::chart_svg(&data, c).map_err(err)?, scale).map_err(err)?,
        ("svg", None) => report::report_svg(&data, paper).map_err(err)?.into_bytes(),
        ("png", None) => report::report_png(&data, paper, scale).map_err(err)?,
        ("pdf", _) => report::report_pdf(&data, paper).map_err(err)?,
        _ => report::html(&data, paper).map_err(err)?.into_bytes(),
    };
    write(o.out, &bytes)?;
    let what = match chart {
        Some(c) => format!("the {} chart", c.name()),
        None => "the report".to_owned(),
    };
    Ok(format!("Wrote {what} to {} ({} bytes).", o.out.display(), bytes.len()))
}

pub fn write_table(engine: &mut Engine, query: &Query, table: &str, out: &Path) -> Result<String, String> {
    let table = Table::parse(table).ok_or_else(|| format!("unknown table {table:?}"))?;
    let bytes = report::export_csv(engine, query, table).map_err(|e| e.to_string())?;
    write(out, &bytes)?;
    Ok(format!(
        "Wrote {} to {}.",
        match table {
            Table::Conversations => "the conversations",
            Table::Tools => "the tools",
            Table::Countries => "the countries",
            Table::Daily => "the daily series",
            Table::Unanswered => "the top unanswered questions",
        },
        out.display()
    ))
}
