//! The report's charts, one per file, each drawn with plotters as an SVG of
//! `WIDTH` × `HEIGHT` from numbers the metrics already computed.
//!
//! Every chart has a title naming what is counted and in which zone, and,
//! when its period has nothing to show, says so in a sentence instead of
//! drawing axes around nothing.

mod breakdown;
mod daily;
mod feedback;
mod peak_hours;
mod tokens;
mod tools;
mod world_map;

pub use world_map::country_name;

use super::font::FAMILY;
use super::style::{self, EMPTY_FILL, HEIGHT, INK, MUTED, PAD, WIDTH};
use super::text::clean;
use super::ReportData;
use plotters::chart::MeshStyle;
use plotters::coord::ranged1d::ValueFormatter;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

pub type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
pub type DrawResult = Result<(), DrawingAreaErrorKind<std::io::Error>>;

/// The charts of a report, by the name `--chart` takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chart {
    Daily,
    PeakHours,
    WorldMap,
    Devices,
    Sources,
    Languages,
    Tools,
    Feedback,
    Tokens,
}

impl Chart {
    /// In the order the report shows them.
    pub const ALL: [Chart; 9] = [
        Chart::Daily,
        Chart::PeakHours,
        Chart::WorldMap,
        Chart::Devices,
        Chart::Sources,
        Chart::Languages,
        Chart::Tools,
        Chart::Feedback,
        Chart::Tokens,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Chart::Daily => "daily",
            Chart::PeakHours => "peak-hours",
            Chart::WorldMap => "world-map",
            Chart::Devices => "devices",
            Chart::Sources => "sources",
            Chart::Languages => "languages",
            Chart::Tools => "tools",
            Chart::Feedback => "feedback",
            Chart::Tokens => "tokens",
        }
    }

    pub fn parse(text: &str) -> Option<Chart> {
        Chart::ALL.into_iter().find(|c| c.name() == text.trim().to_lowercase())
    }

    pub fn title(self) -> &'static str {
        match self {
            Chart::Daily => "Messages & conversations per day",
            Chart::PeakHours => "Peak hours",
            Chart::WorldMap => "Conversations by country",
            Chart::Devices => "Devices",
            Chart::Sources => "Sources",
            Chart::Languages => "Languages",
            Chart::Tools => "Tool usage and average duration",
            Chart::Feedback => "Conversation feedback",
            Chart::Tokens => "Token usage and cost per day",
        }
    }
}

/// Draws one chart as a standalone SVG document.
pub fn svg(data: &ReportData, chart: Chart) -> Result<String, super::ReportError> {
    super::font::register();
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (WIDTH, HEIGHT)).into_drawing_area();
        let drawn = draw(&root, data, chart).and_then(|_| root.present());
        drawn.map_err(|e| super::ReportError::Draw { chart: chart.name(), reason: e.to_string() })?;
    }
    Ok(out)
}

fn draw(root: &Area, data: &ReportData, chart: Chart) -> DrawResult {
    root.fill(&WHITE)?;
    let m = &data.view.dashboard.current;
    match chart {
        Chart::Daily => daily::draw(root, data),
        Chart::PeakHours => peak_hours::draw(root, data),
        Chart::WorldMap => world_map::draw(root, data),
        Chart::Devices => breakdown::draw(root, data, chart, &m.devices, "conversations per device"),
        Chart::Sources => breakdown::draw(root, data, chart, &m.sources, "conversations per source (channel)"),
        Chart::Languages => breakdown::draw(root, data, chart, &m.languages, "conversations per language"),
        Chart::Tools => tools::draw(root, data),
        Chart::Feedback => feedback::draw(root, data),
        Chart::Tokens => tokens::draw(root, data),
    }
}

/// The bundled font at a CSS pixel size (plotters' SVG backend writes
/// `font-size` as its size ÷ 1.24, so that is undone here).
pub fn font(size: f64, bold: bool) -> FontDesc<'static> {
    let style = if bold { FontStyle::Bold } else { FontStyle::Normal };
    FontDesc::new(FontFamily::Name(FAMILY), size * 1.24, style)
}

pub fn text_style(size: f64, bold: bool, color: RGBColor, h: HPos, v: VPos) -> TextStyle<'static> {
    font(size, bold).color(&color).pos(Pos::new(h, v))
}

/// Text whose left edge (or centre or right edge, per `h`) and vertical
/// centre are at `at`; cleaned of what an SVG may not hold (plotters
/// escapes markup, not control characters).
pub fn label(area: &Area, text: &str, at: (i32, i32), size: f64, color: RGBColor, h: HPos) -> DrawResult {
    area.draw(&Text::new(clean(text).into_owned(), at, text_style(size, false, color, h, VPos::Center)))
}

pub fn bold_label(area: &Area, text: &str, at: (i32, i32), size: f64, color: RGBColor, h: HPos) -> DrawResult {
    area.draw(&Text::new(clean(text).into_owned(), at, text_style(size, true, color, h, VPos::Center)))
}

/// The smallest and largest top a value axis gets. plotters finds an axis's
/// ticks by stepping powers of ten from the range's size: an infinite or NaN
/// end never ends that loop, and a subnormal one makes the step zero. Any
/// finite range between these two ends it in a few steps.
const LOWEST_TOP: f64 = 1e-6;
const HIGHEST_TOP: f64 = 1e300;

/// The top of a value axis (from 0) for data whose largest value is `max`:
/// a little above it, always finite. NaN, infinite and negative maxima, which
/// only sums past the largest double or an old store can give, get an axis
/// of 0 to 1 or the highest top.
pub fn axis_top(max: f64) -> f64 {
    if max.is_nan() || max <= 0.0 {
        return 1.0;
    }
    max.clamp(LOWEST_TOP, HIGHEST_TOP) * 1.08
}

/// The sum of counts, stopping at `u64::MAX` rather than wrapping (or, with
/// overflow checks, panicking) on counts no store should hold.
pub fn total(counts: impl IntoIterator<Item = u64>) -> u64 {
    counts.into_iter().fold(0, u64::saturating_add)
}

/// A value as drawn on an axis from 0 to `top`: no NaN, nothing past the ends.
pub fn on_axis(value: f64, top: f64) -> f64 {
    if value.is_nan() {
        0.0
    } else {
        value.clamp(0.0, top)
    }
}

/// Title and the line under it (what is counted, the zone, a total).
pub fn header(area: &Area, chart: Chart, subtitle: &str) -> DrawResult {
    bold_label(area, chart.title(), (PAD, 26), style::TITLE_SIZE, INK, HPos::Left)?;
    label(area, subtitle, (PAD, 56), style::SMALL_SIZE, MUTED, HPos::Left)
}

/// A legend entry drawn right-aligned so that it ends at `right`; returns
/// where the next entry to its left must end.
pub fn legend_entry(
    area: &Area,
    right: i32,
    swatch: Swatch,
    text: &str,
) -> Result<i32, DrawingAreaErrorKind<std::io::Error>> {
    let width = super::font::text_width(text, style::SMALL_SIZE, false).ceil() as i32;
    let y = 26;
    label(area, text, (right - width, y), style::SMALL_SIZE, INK, HPos::Left)?;
    let sx = right - width - 30;
    match swatch {
        Swatch::Bar(c) => area.draw(&Rectangle::new([(sx, y - 8), (sx + 22, y + 8)], c.filled()))?,
        Swatch::Line(c) => {
            area.draw(&PathElement::new(vec![(sx, y), (sx + 22, y)], c.stroke_width(3)))?;
            area.draw(&Circle::new((sx + 11, y), 4, c.filled()))?;
        }
    }
    Ok(sx - 22)
}

#[derive(Clone, Copy)]
pub enum Swatch {
    Bar(RGBColor),
    Line(RGBColor),
}

/// What an empty period shows instead of a chart: a pale panel and one
/// sentence, with no axes.
pub fn empty(area: &Area, chart: Chart, message: &str) -> DrawResult {
    header(area, chart, "Nothing to show for this period")?;
    let (w, h) = (WIDTH as i32, HEIGHT as i32);
    area.draw(&Rectangle::new([(PAD, style::PLOT_TOP + 6), (w - PAD, h - PAD)], EMPTY_FILL.filled()))?;
    label(area, message, (w / 2, (style::PLOT_TOP + h) / 2), style::LABEL_SIZE, MUTED, HPos::Center)
}

/// At most `max` of `n` positions to label, evenly spaced, always the first.
/// The left axis and grid of the per-day charts: `desc` on a count axis with
/// short numbers, horizontal grid lines only; the days are labelled apart.
pub fn per_day_mesh<X, Y>(mesh: &mut MeshStyle<'_, '_, X, Y, SVGBackend<'_>>, desc: &str) -> DrawResult
where
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    mesh.disable_x_mesh()
        .x_labels(0)
        .y_labels(6)
        .y_label_formatter(&|v| super::format::short(*v))
        .y_desc(desc)
        .light_line_style(WHITE)
        .bold_line_style(style::GRID)
        .axis_style(MUTED)
        .label_style(font(style::SMALL_SIZE, false).color(&MUTED))
        .axis_desc_style(font(style::SMALL_SIZE, false).color(&INK))
        .draw()
}

pub fn every(n: usize, max: usize) -> usize {
    n.div_ceil(max.max(1)).max(1)
}
