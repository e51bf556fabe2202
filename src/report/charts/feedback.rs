//! Feedback: positive, neutral and negative ratings as labelled bars, and
//! the satisfaction rate above them.

use super::breakdown::{bars, Bar};
use super::{empty, header, total, Area, Chart, DrawResult};
use crate::report::format;
use crate::report::style::{GREEN, GREY, VERMILLION};
use crate::report::ReportData;

pub fn draw(root: &Area, data: &ReportData) -> DrawResult {
    let f = &data.view.dashboard.current.feedback;
    let all = total([f.positive, f.neutral, f.negative]);
    if all == 0 {
        return empty(root, Chart::Feedback, "No feedback was given in this period.");
    }
    let share = |n: u64| format!("{} · {}", format::count(n), format::percent(n as f64 / all as f64));
    let rows = [
        Bar { name: "Positive".into(), value: f.positive as f64, text: share(f.positive), color: GREEN },
        Bar { name: "Neutral".into(), value: f.neutral as f64, text: share(f.neutral), color: GREY },
        Bar { name: "Negative".into(), value: f.negative as f64, text: share(f.negative), color: VERMILLION },
    ];
    header(
        root,
        Chart::Feedback,
        &format!(
            "{} ratings · satisfaction {} (positive ÷ positive and negative)",
            format::count(all),
            format::optional(f.satisfaction_rate, format::percent)
        ),
    )?;
    bars(root, &rows, "ratings (count · share of all ratings)")
}
