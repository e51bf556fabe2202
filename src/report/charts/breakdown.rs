//! Device, source and language breakdowns: conversations per value as
//! ranked horizontal bars, each labelled with its count and share so no
//! legend or colour needs decoding. Also the bar layout the tool and
//! feedback charts share.

use super::{empty, header, label, total, Area, Chart, DrawResult};
use crate::report::font::text_width;
use crate::report::format;
use crate::report::style::{self, BLUE, HEIGHT, INK, MUTED, PAD, PLOT_TOP, WIDTH};
use crate::report::text::ellipsize;
use crate::report::ReportData;
use plotters::prelude::*;
use plotters::style::text_anchor::HPos;
use std::collections::BTreeMap;

/// How many values get a bar of their own; the rest are summed as "other".
const SHOWN: usize = 7;
/// The widest a bar's name is drawn, in pixels; longer names end in "…".
const NAME_WIDTH: f64 = 220.0;

pub fn draw(root: &Area, _data: &ReportData, chart: Chart, counts: &BTreeMap<String, u64>, what: &str) -> DrawResult {
    let all = total(counts.values().copied());
    if all == 0 {
        return empty(root, chart, "No conversations started in this period.");
    }
    let mut ranked: Vec<(&String, &u64)> = counts.iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
    let mut rows: Vec<Bar> = ranked
        .iter()
        .take(SHOWN)
        .map(|(name, &n)| Bar {
            name: (*name).clone(),
            value: n as f64,
            text: format!("{} · {}", format::count(n), format::percent(n as f64 / all as f64)),
            color: BLUE,
        })
        .collect();
    if ranked.len() > SHOWN {
        let rest = total(ranked[SHOWN..].iter().map(|(_, &n)| n));
        rows.push(Bar {
            name: format!("{} others", ranked.len() - SHOWN),
            value: rest as f64,
            text: format!("{} · {}", format::count(rest), format::percent(rest as f64 / all as f64)),
            color: style::GREY,
        });
    }
    header(root, chart, &format!("{} {what} · {} values", format::count(all), counts.len()))?;
    bars(root, &rows, "conversations (count · share)")
}

pub struct Bar {
    pub name: String,
    pub value: f64,
    /// Written after the bar.
    pub text: String,
    pub color: RGBColor,
}

/// Ranked horizontal bars: names on the left, the text after each bar, and
/// a caption under them saying what the bars measure.
pub fn bars(root: &Area, rows: &[Bar], caption: &str) -> DrawResult {
    let w = WIDTH as i32;
    let names: Vec<String> = rows.iter().map(|r| ellipsize(&r.name, style::LABEL_SIZE, false, NAME_WIDTH)).collect();
    let names_w =
        names.iter().map(|n| text_width(n, style::LABEL_SIZE, false)).fold(0.0, f64::max).min(NAME_WIDTH).ceil() as i32;
    let texts_w =
        rows.iter().map(|r| text_width(&r.text, style::LABEL_SIZE, false)).fold(0.0, f64::max).ceil() as i32 + 12;
    let x0 = PAD + names_w + 14;
    let bar_max = (w - PAD - texts_w - x0).max(60);
    let top = PLOT_TOP + 10;
    let bottom = HEIGHT as i32 - 44;
    let pitch = ((bottom - top) / rows.len().max(1) as i32).min(46);
    let max = rows.iter().map(|r| r.value).fold(0.0, f64::max).max(f64::MIN_POSITIVE);
    for (i, (r, name)) in rows.iter().zip(&names).enumerate() {
        let y = top + i as i32 * pitch;
        let mid = y + pitch / 2;
        label(root, name, (x0 - 14, mid), style::LABEL_SIZE, INK, HPos::Right)?;
        let len = ((r.value / max) * f64::from(bar_max)).round() as i32;
        let thickness = (pitch * 2 / 3).max(8);
        root.draw(&Rectangle::new(
            [(x0, mid - thickness / 2), (x0 + len.max(2), mid + thickness / 2)],
            r.color.filled(),
        ))?;
        label(root, &r.text, (x0 + len.max(2) + 10, mid), style::LABEL_SIZE, INK, HPos::Left)?;
    }
    root.draw(&PathElement::new(vec![(x0, top), (x0, top + pitch * rows.len() as i32)], MUTED.stroke_width(1)))?;
    // The caption right under the bars, so a short list does not leave it stranded.
    let caption_y = (top + pitch * rows.len() as i32 + 22).min(HEIGHT as i32 - 22);
    label(root, caption, (x0, caption_y), style::SMALL_SIZE, MUTED, HPos::Left)
}
