//! Messages & conversations per local day: messages as light bars,
//! conversations as a dark line with markers (apart in colour and in grey).

use super::{
    axis_top, empty, every, header, label, legend_entry, on_axis, per_day_mesh, Area, Chart, DrawResult, Swatch,
};
use crate::report::format;
use crate::report::style::{self, HEIGHT, INK, MUTED, PLOT_TOP, SKY, VERMILLION, WIDTH};
use crate::report::ReportData;
use plotters::prelude::*;
use plotters::style::text_anchor::HPos;

pub fn draw(root: &Area, data: &ReportData) -> DrawResult {
    let m = &data.view.dashboard.current;
    if m.total_messages == 0 {
        return empty(root, Chart::Daily, "No messages in this period.");
    }
    let zone = data.query.zone.name();
    header(
        root,
        Chart::Daily,
        &format!(
            "{} messages, {} conversations · days in {zone}",
            format::count(m.total_messages),
            format::count(m.total_conversations)
        ),
    )?;
    let right = legend_entry(root, WIDTH as i32 - style::PAD, Swatch::Line(VERMILLION), "conversations")?;
    legend_entry(root, right, Swatch::Bar(SKY), "messages")?;

    let days = &m.daily;
    let n = days.len();
    let top = axis_top(days.iter().map(|d| d.messages.max(d.conversations)).max().unwrap_or(0) as f64);
    let area = root.margin(PLOT_TOP + 4, 0, 0, 0);
    let mut chart = ChartBuilder::on(&area)
        .margin_right(style::PAD)
        .margin_left(8)
        .x_label_area_size(58)
        .y_label_area_size(86)
        .build_cartesian_2d(-0.5f64..n as f64 - 0.5, 0f64..top)?;
    per_day_mesh(&mut chart.configure_mesh(), "count per day")?;
    let bar = if n > 40 { 0.45 } else { 0.36 };
    chart.draw_series(days.iter().enumerate().map(|(i, d)| {
        let x = i as f64;
        Rectangle::new([(x - bar, 0.0), (x + bar, on_axis(d.messages as f64, top))], SKY.filled())
    }))?;
    let line: Vec<(f64, f64)> =
        days.iter().enumerate().map(|(i, d)| (i as f64, on_axis(d.conversations as f64, top))).collect();
    chart.draw_series(LineSeries::new(line.clone(), VERMILLION.stroke_width(3)))?;
    if n <= 62 {
        chart.draw_series(line.iter().map(|&p| Circle::new(p, 3, VERMILLION.filled())))?;
    }
    // Dates as a person reads them, at most about nine along the axis.
    let step = every(n, 9);
    for (i, d) in days.iter().enumerate().step_by(step) {
        let (x, y) = chart.backend_coord(&(i as f64, 0.0));
        label(root, &format::day_month(&d.date), (x, y + 16), style::SMALL_SIZE, MUTED, HPos::Center)?;
    }
    let (x0, _) = chart.backend_coord(&(-0.5, 0.0));
    let (x1, _) = chart.backend_coord(&(n as f64 - 0.5, 0.0));
    label(root, &format!("day ({zone})"), ((x0 + x1) / 2, HEIGHT as i32 - 18), style::SMALL_SIZE, INK, HPos::Center)
}
