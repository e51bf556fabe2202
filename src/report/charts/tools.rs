//! Tool usage: calls per tool as ranked bars, each followed by its average
//! duration and errors in words.

use super::breakdown::{bars, Bar};
use super::{empty, header, total, Area, Chart, DrawResult};
use crate::report::format;
use crate::report::style::{BLUE, GREY};
use crate::report::ReportData;

const SHOWN: usize = 8;

pub fn draw(root: &Area, data: &ReportData) -> DrawResult {
    let tools = &data.view.dashboard.current.tools;
    if tools.is_empty() {
        return empty(root, Chart::Tools, "No tool was called in this period.");
    }
    let calls = total(tools.iter().map(|t| t.count));
    let mut rows: Vec<Bar> = tools
        .iter()
        .take(SHOWN)
        .map(|t| {
            let mut text = format!(
                "{} · avg {}",
                format::count(t.count),
                format::optional(t.avg_duration_ms, format::duration_ms)
            );
            if t.errors > 0 {
                text.push_str(&format!(" · {} errors", format::count(t.errors)));
            }
            Bar { name: t.name.clone(), value: t.count as f64, text, color: BLUE }
        })
        .collect();
    if tools.len() > SHOWN {
        let rest = total(tools[SHOWN..].iter().map(|t| t.count));
        rows.push(Bar {
            name: format!("{} other tools", tools.len() - SHOWN),
            value: rest as f64,
            text: format::count(rest),
            color: GREY,
        });
    }
    header(root, Chart::Tools, &format!("{} calls of {} tools", format::count(calls), tools.len()))?;
    bars(root, &rows, "calls · average duration (of calls with a known duration) · errors")
}
