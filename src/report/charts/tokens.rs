//! Tokens per local day as bars (left axis) and their cost in US dollars as
//! a line with markers (right axis): two units, so two labelled axes.

use super::{
    axis_top, empty, every, font, header, label, legend_entry, on_axis, per_day_mesh, Area, Chart, DrawResult, Swatch,
};
use crate::report::format;
use crate::report::style::{self, HEIGHT, INK, MUTED, PLOT_TOP, SKY, VERMILLION, WIDTH};
use crate::report::ReportData;
use plotters::prelude::*;
use plotters::style::text_anchor::HPos;

pub fn draw(root: &Area, data: &ReportData) -> DrawResult {
    let m = &data.view.dashboard.current;
    if m.tokens.total == 0 && m.tokens.cost == 0.0 {
        return empty(root, Chart::Tokens, "No tokens were recorded in this period.");
    }
    let zone = data.query.zone.name();
    header(
        root,
        Chart::Tokens,
        &format!(
            "{} tokens ({} prompt, {} completion) · {} · days in {zone}",
            format::short(m.tokens.total as f64),
            format::short(m.tokens.prompt as f64),
            format::short(m.tokens.completion as f64),
            format::money(m.tokens.cost)
        ),
    )?;
    let right = legend_entry(root, WIDTH as i32 - style::PAD, Swatch::Line(VERMILLION), "cost (right)")?;
    legend_entry(root, right, Swatch::Bar(SKY), "tokens (left)")?;

    let days = &m.daily;
    let n = days.len();
    // Both axes from finite values only: a day's cost can be infinite when
    // an old store summed costs past the largest double.
    let tokens_top = axis_top(days.iter().map(|d| d.tokens).max().unwrap_or(0) as f64);
    let cost_top = axis_top(days.iter().map(|d| d.cost).filter(|c| c.is_finite()).fold(0.0, f64::max));
    let area = root.margin(PLOT_TOP + 4, 0, 0, 0);
    let mut chart = ChartBuilder::on(&area)
        .margin_left(8)
        .margin_right(8)
        .x_label_area_size(58)
        .y_label_area_size(86)
        .right_y_label_area_size(86)
        .build_cartesian_2d(-0.5f64..n as f64 - 0.5, 0f64..tokens_top)?
        .set_secondary_coord(-0.5f64..n as f64 - 0.5, 0f64..cost_top);
    per_day_mesh(&mut chart.configure_mesh(), "tokens per day")?;
    chart
        .configure_secondary_axes()
        .y_labels(6)
        .y_label_formatter(&|v| format::money(*v).trim_end_matches(".00").to_owned())
        .y_desc("cost per day (USD)")
        .axis_style(MUTED)
        .label_style(font(style::SMALL_SIZE, false).color(&MUTED))
        .axis_desc_style(font(style::SMALL_SIZE, false).color(&INK))
        .draw()?;
    let bar = if n > 40 { 0.45 } else { 0.36 };
    chart.draw_series(days.iter().enumerate().map(|(i, d)| {
        let x = i as f64;
        Rectangle::new([(x - bar, 0.0), (x + bar, on_axis(d.tokens as f64, tokens_top))], SKY.filled())
    }))?;
    let line: Vec<(f64, f64)> = days.iter().enumerate().map(|(i, d)| (i as f64, on_axis(d.cost, cost_top))).collect();
    chart.draw_secondary_series(LineSeries::new(line.clone(), VERMILLION.stroke_width(3)))?;
    if n <= 62 {
        chart.draw_secondary_series(line.iter().map(|&p| Circle::new(p, 3, VERMILLION.filled())))?;
    }
    let step = every(n, 9);
    for (i, d) in days.iter().enumerate().step_by(step) {
        let (x, y) = chart.backend_coord(&(i as f64, 0.0));
        label(root, &format::day_month(&d.date), (x, y + 16), style::SMALL_SIZE, MUTED, HPos::Center)?;
    }
    let (x0, _) = chart.backend_coord(&(-0.5, 0.0));
    let (x1, _) = chart.backend_coord(&(n as f64 - 0.5, 0.0));
    label(root, &format!("day ({zone})"), ((x0 + x1) / 2, HEIGHT as i32 - 18), style::SMALL_SIZE, INK, HPos::Center)
}
