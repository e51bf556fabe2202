//! Messages per local weekday and hour as a heatmap: one light-to-dark blue
//! ramp (light to dark grey in print), with the scale drawn beneath.

use super::{empty, header, label, Area, Chart, DrawResult};
use crate::report::format;
use crate::report::style::{self, ramp, HEIGHT, INK, MUTED, PAD, PLOT_TOP, WIDTH};
use crate::report::ReportData;
use plotters::prelude::*;
use plotters::style::text_anchor::HPos;

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

pub fn draw(root: &Area, data: &ReportData) -> DrawResult {
    let m = &data.view.dashboard.current;
    let max = m.peak_hours.iter().flatten().copied().max().unwrap_or(0);
    if max == 0 {
        return empty(root, Chart::PeakHours, "No messages in this period.");
    }
    let zone = data.query.zone.name();
    // The busiest cell, named in words so the chart reads without the scale.
    let (mut bw, mut bh) = (0, 0);
    for (w, row) in m.peak_hours.iter().enumerate() {
        for (h, &v) in row.iter().enumerate() {
            if v > m.peak_hours[bw][bh] {
                (bw, bh) = (w, h);
            }
        }
    }
    header(
        root,
        Chart::PeakHours,
        &format!(
            "Messages by weekday and hour in {zone} · busiest: {} {:02}:00–{:02}:00",
            WEEKDAYS[bw],
            bh,
            (bh + 1) % 24
        ),
    )?;
    let left = PAD + 52;
    let top = PLOT_TOP + 8;
    let cell_w = (WIDTH as i32 - left - PAD) / 24;
    let cell_h = (HEIGHT as i32 - top - 110) / 7;
    for (w, row) in m.peak_hours.iter().enumerate() {
        let y = top + w as i32 * cell_h;
        label(root, WEEKDAYS[w], (left - 10, y + cell_h / 2), style::SMALL_SIZE, INK, HPos::Right)?;
        for (h, &v) in row.iter().enumerate() {
            let x = left + h as i32 * cell_w;
            let c = ramp(v as f64 / max as f64);
            root.draw(&Rectangle::new([(x, y), (x + cell_w - 2, y + cell_h - 2)], c.filled()))?;
        }
    }
    let axis_y = top + 7 * cell_h + 14;
    for h in (0..24).step_by(3) {
        let x = left + h * cell_w;
        label(root, &format!("{h:02}:00"), (x + cell_w / 2, axis_y), style::SMALL_SIZE, MUTED, HPos::Center)?;
    }
    label(
        root,
        &format!("hour of the day ({zone})"),
        (left + 12 * cell_w, axis_y + 26),
        style::SMALL_SIZE,
        INK,
        HPos::Center,
    )?;
    // The scale: a strip of the ramp from 0 to the busiest hour's count.
    let sy = HEIGHT as i32 - 30;
    let sx = left;
    let sw = 240;
    label(root, "messages per hour:", (sx, sy), style::SMALL_SIZE, INK, HPos::Left)?;
    let bar_x = sx + 160;
    label(root, "0", (bar_x, sy), style::SMALL_SIZE, MUTED, HPos::Left)?;
    let strip_x = bar_x + 16;
    for i in 0..sw {
        let c = ramp(f64::from(i) / f64::from(sw - 1));
        root.draw(&Rectangle::new([(strip_x + i, sy - 8), (strip_x + i + 1, sy + 8)], c.filled()))?;
    }
    label(root, &format::count(max), (strip_x + sw + 8, sy), style::SMALL_SIZE, MUTED, HPos::Left)?;
    Ok(())
}
