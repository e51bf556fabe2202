//! The report laid out as pages of SVG, in points: the PDF is these pages
//! (through svg2pdf) and the whole-report SVG and PNG are them stacked.
//!
//! A simple flow: blocks go down the page and a block that does not fit
//! starts the next one; charts are the chart SVGs nested at page width.

use super::charts::{self, Chart};
use super::definitions::{cost_notes, headlines, APPENDIX};
use super::font::CSS_FAMILY;
use super::format::{self, escape};
use super::style;
use super::text::{ellipsize, wrap};
use super::{ReportData, ReportError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Paper {
    #[default]
    A4,
    Letter,
}

impl Paper {
    pub fn parse(text: &str) -> Option<Paper> {
        match text.trim().to_lowercase().as_str() {
            "a4" => Some(Paper::A4),
            "letter" => Some(Paper::Letter),
            _ => None,
        }
    }

    /// Width and height in points.
    pub fn size(self) -> (f64, f64) {
        match self {
            Paper::A4 => (595.28, 841.89),
            Paper::Letter => (612.0, 792.0),
        }
    }

    /// The CSS `@page` size.
    pub fn css(self) -> &'static str {
        match self {
            Paper::A4 => "A4",
            Paper::Letter => "letter",
        }
    }
}

const MARGIN: f64 = 40.0;
const INK: &str = "#222222";
const MUTED: &str = "#5f5f5f";
const RULE: &str = "#d0d0d0";

struct Flow {
    w: f64,
    h: f64,
    pages: Vec<String>,
    page: String,
    y: f64,
}

impl Flow {
    fn content_width(&self) -> f64 {
        self.w - 2.0 * MARGIN
    }

    /// Where content must end: the footer sits below.
    fn bottom(&self) -> f64 {
        self.h - MARGIN - 14.0
    }

    /// Starts a new page unless `height` still fits on this one.
    fn need(&mut self, height: f64) {
        if self.y + height > self.bottom() && self.y > MARGIN + 1.0 {
            self.pages.push(std::mem::take(&mut self.page));
            self.y = MARGIN;
        }
    }

    fn text(&mut self, (x, baseline): (f64, f64), text: &str, size: f64, bold: bool, color: &str, anchor: &str) {
        self.page.push_str(&format!(
            "<text x=\"{x:.2}\" y=\"{baseline:.2}\" font-size=\"{size}\"{} fill=\"{color}\" text-anchor=\"{anchor}\">{}</text>\n",
            if bold { " font-weight=\"bold\"" } else { "" },
            escape(text)
        ));
    }

    fn rule(&mut self, y: f64) {
        let (x0, x1) = (MARGIN, self.w - MARGIN);
        self.page.push_str(&format!("<path d=\"M{x0:.2} {y:.2}H{x1:.2}\" stroke=\"{RULE}\" stroke-width=\"0.6\"/>\n"));
    }

    /// A heading kept on one page with the `next` points of content below it,
    /// so that it never ends a page on its own.
    fn heading_before(&mut self, text: &str, next: f64) {
        self.need(40.0 + next);
        self.heading(text);
    }

    fn heading(&mut self, text: &str) {
        self.need(40.0);
        self.y += 10.0;
        self.text((MARGIN, self.y + 13.0), text, 14.0, true, INK, "start");
        self.y += 22.0;
    }

    /// A paragraph wrapped to the content width.
    fn paragraph(&mut self, text: &str, size: f64, color: &str) {
        let lines = wrap(text, size, false, self.content_width(), usize::MAX);
        let pitch = size * 1.35;
        for line in lines {
            self.need(pitch);
            self.text((MARGIN, self.y + size), &line, size, false, color, "start");
            self.y += pitch;
        }
    }
}

/// The inside of a standalone SVG document, to nest it in another.
pub fn svg_body(svg: &str) -> &str {
    let start = svg.find("<svg").and_then(|i| svg[i..].find('>').map(|j| i + j + 1)).unwrap_or(0);
    let end = svg.rfind("</svg>").unwrap_or(svg.len());
    &svg[start..end.max(start)]
}

/// What a report says about its query, line by line, for page and HTML.
pub fn query_lines(data: &ReportData) -> Vec<(&'static str, String)> {
    let q = &data.query;
    let previous = q.previous();
    let filters = |filters: &crate::metrics::Filters| {
        if filters.is_empty() {
            "none: every conversation".to_owned()
        } else {
            filters.0.iter().map(|(k, v)| format!("{} = {}", k.name(), v.join(" or "))).collect::<Vec<_>>().join("; ")
        }
    };
    let mut lines = vec![
        ("Period", format::period(q.from, q.to, q.zone)),
        ("Compared with", format::period(previous.from, previous.to, previous.zone)),
        ("Time zone", q.zone.name().to_owned()),
        ("Filters", filters(&q.filters)),
    ];
    if let Some(segment) = &q.segment {
        lines.push(("Other segment", filters(segment)));
    }
    lines
}

/// Rows of the top-tools table: name, calls, average duration, errors.
pub fn tool_rows(data: &ReportData) -> Vec<[String; 4]> {
    data.view
        .dashboard
        .current
        .tools
        .iter()
        .take(10)
        .map(|t| {
            [
                t.name.clone(),
                format::count(t.count),
                format::optional(t.avg_duration_ms, format::duration_ms),
                format::count(t.errors),
            ]
        })
        .collect()
}

/// Rows of the top-countries table: name, code, conversations, share.
pub fn country_rows(data: &ReportData) -> Vec<[String; 4]> {
    let m = &data.view.dashboard.current;
    let mut ranked: Vec<(&String, &u64)> = m.countries.iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
    ranked
        .into_iter()
        .take(10)
        .map(|(code, &n)| {
            [
                charts::country_name(code),
                code.clone(),
                format::count(n),
                format::percent(n as f64 / m.total_conversations.max(1) as f64),
            ]
        })
        .collect()
}

/// Rows of the top-unanswered table: the question, times asked, its share of
/// the period's unanswered questions, and of its questions. `None` where the
/// store does not count them (a ClickHouse store).
pub fn unanswered_rows(data: &ReportData) -> Option<Vec<[String; 4]>> {
    let insights = data.view.dashboard.current.insights.0.as_ref()?;
    let share = |n: u64, of: u64| format::percent(n as f64 / of.max(1) as f64);
    Some(
        insights
            .top_unanswered
            .iter()
            .map(|q| {
                [
                    q.text.clone(),
                    format::count(q.count),
                    share(q.count, insights.unanswered_questions),
                    share(q.count, insights.questions),
                ]
            })
            .collect(),
    )
}

/// The header of the top-unanswered table.
pub const UNANSWERED_HEADER: [&str; 4] = ["Question", "Times asked", "Of unanswered", "Of all questions"];

/// The height a table of `rows` rows takes, its header included.
fn table_height(rows: usize) -> f64 {
    15.0 * (rows.max(1) as f64 + 1.0) + 8.0
}

/// A table: the header row and rows, numbers right-aligned from column 1 on.
fn table(flow: &mut Flow, header: [&str; 4], rows: &[[String; 4]], empty: &str) {
    let cw = flow.content_width();
    let cols = [0.0, cw * 0.58, cw * 0.79, cw];
    let size = 9.5;
    let pitch = 15.0;
    // A table of ten rows fits a page: keep it whole rather than split it
    // from its header.
    flow.need(table_height(rows.len()));
    for (i, h) in header.iter().enumerate() {
        let (x, anchor) = if i == 0 { (MARGIN, "start") } else { (MARGIN + cols[i], "end") };
        flow.text((x, flow.y + 10.0), h, size, true, MUTED, anchor);
    }
    flow.y += pitch;
    flow.rule(flow.y - 2.0);
    if rows.is_empty() {
        flow.text((MARGIN, flow.y + 11.0), empty, size, false, MUTED, "start");
        flow.y += pitch + 4.0;
        return;
    }
    for row in rows {
        flow.need(pitch);
        let first = ellipsize(&row[0], size, false, cols[1] - 90.0);
        flow.text((MARGIN, flow.y + 11.0), &first, size, false, INK, "start");
        for i in 1..4 {
            flow.text((MARGIN + cols[i], flow.y + 11.0), &row[i], size, false, INK, "end");
        }
        flow.y += pitch;
    }
    flow.y += 4.0;
}

/// The report as SVG pages of `paper`'s size, in points.
pub fn pages(data: &ReportData, paper: Paper) -> Result<Vec<String>, ReportError> {
    let (w, h) = paper.size();
    let mut flow = Flow { w, h, pages: Vec::new(), page: String::new(), y: MARGIN };
    let cw = flow.content_width();

    // Title, period, comparison, zone, filters.
    flow.text((MARGIN, flow.y + 20.0), &ellipsize(&data.title, 22.0, true, cw), 22.0, true, INK, "start");
    flow.y += 34.0;
    for (label, value) in query_lines(data) {
        flow.text((MARGIN, flow.y + 10.0), label, 10.0, true, MUTED, "start");
        for (i, line) in wrap(&value, 10.0, false, cw - 90.0, usize::MAX).into_iter().enumerate() {
            flow.text((MARGIN + 90.0, flow.y + 10.0), &line, 10.0, false, INK, "start");
            if i > 0 {
                flow.y += 14.0;
            }
        }
        flow.y += 14.0;
    }
    flow.y += 4.0;
    flow.rule(flow.y);

    // Headline numbers with their change, three cards a row.
    flow.heading("Headline numbers");
    let m = &data.view.dashboard;
    let cards = headlines(m, &data.layout);
    let gap = 8.0;
    let card_w = (cw - 2.0 * gap) / 3.0;
    let segment_line = if m.segment.is_some() { 11.0 } else { 0.0 };
    let card_h = 64.0 + segment_line;
    for row in cards.chunks(3) {
        flow.need(card_h + gap);
        for (i, c) in row.iter().enumerate() {
            let x = MARGIN + i as f64 * (card_w + gap);
            let y = flow.y;
            flow.page.push_str(&format!(
                "<g id=\"kpi-{}\"><rect x=\"{x:.2}\" y=\"{y:.2}\" width=\"{card_w:.2}\" height=\"{card_h}\" rx=\"4\" fill=\"#f7f7f7\" stroke=\"{RULE}\" stroke-width=\"0.6\"/>\n",
                c.key
            ));
            let inner = card_w - 16.0;
            flow.text((x + 8.0, y + 13.0), &ellipsize(c.label, 8.5, false, inner), 8.5, false, MUTED, "start");
            flow.text((x + 8.0, y + 32.0), &ellipsize(&c.text, 16.0, true, inner), 16.0, true, INK, "start");
            flow.text((x + 8.0, y + 45.0), &ellipsize(&c.change, 8.0, false, inner), 8.0, false, INK, "start");
            if let Some(segment) = &c.segment {
                flow.text((x + 8.0, y + 56.0), &ellipsize(segment, 8.0, false, inner), 8.0, false, INK, "start");
            }
            if let Some(detail) = &c.detail {
                let y = y + 57.0 + segment_line;
                flow.text((x + 8.0, y), &ellipsize(detail, 7.5, false, inner), 7.5, false, MUTED, "start");
            }
            flow.page.push_str("</g>\n");
        }
        flow.y += card_h + gap;
    }
    for note in cost_notes(&m.current) {
        flow.paragraph(note, 9.0, MUTED);
    }

    // Every chart at the content width.
    flow.heading("Charts");
    let chart_h = cw * f64::from(style::HEIGHT) / f64::from(style::WIDTH);
    for chart in Chart::ALL {
        let svg = charts::svg(data, chart)?;
        flow.need(chart_h + 10.0);
        flow.page.push_str(&format!(
            "<svg id=\"chart-{}\" x=\"{MARGIN}\" y=\"{:.2}\" width=\"{cw:.2}\" height=\"{chart_h:.2}\" viewBox=\"0 0 {} {}\">{}</svg>\n",
            chart.name(),
            flow.y,
            style::WIDTH,
            style::HEIGHT,
            svg_body(&svg)
        ));
        flow.y += chart_h + 10.0;
    }

    let tools = tool_rows(data);
    flow.heading_before("Top tools", table_height(tools.len()));
    table(&mut flow, ["Tool", "Calls", "Avg duration", "Errors"], &tools, "No tool was called in this period.");
    let countries = country_rows(data);
    flow.heading_before("Top countries", table_height(countries.len()));
    table(
        &mut flow,
        ["Country", "Code", "Conversations", "Share"],
        &countries,
        "No conversations started in this period.",
    );
    if let Some(unanswered) = unanswered_rows(data) {
        flow.heading_before("Top unanswered questions", table_height(unanswered.len()));
        table(&mut flow, UNANSWERED_HEADER, &unanswered, "Every question in this period got an answer.");
    }

    flow.heading("Latest feedback comments");
    let comments = &data.view.extras.latest_comments;
    if comments.is_empty() {
        flow.paragraph("No feedback with a comment was given in this period.", 9.5, MUTED);
    }
    for c in comments {
        flow.need(34.0);
        let meta = format!(
            "{} · {} · conversation {}",
            format::instant(c.timestamp, data.query.zone),
            rating(c.rating),
            c.conversation_id
        );
        flow.text((MARGIN, flow.y + 9.0), &ellipsize(&meta, 8.5, false, cw), 8.5, false, MUTED, "start");
        flow.y += 13.0;
        for line in wrap(&c.comment, 10.0, false, cw, 6) {
            flow.need(14.0);
            flow.text((MARGIN, flow.y + 10.0), &line, 10.0, false, INK, "start");
            flow.y += 14.0;
        }
        flow.y += 6.0;
    }

    flow.heading("How these numbers are defined");
    for (term, text) in APPENDIX {
        flow.need(30.0);
        flow.text((MARGIN, flow.y + 9.5), term, 9.5, true, INK, "start");
        flow.y += 13.5;
        flow.paragraph(text, 9.0, INK);
        flow.y += 4.0;
    }

    flow.pages.push(std::mem::take(&mut flow.page));
    let total = flow.pages.len();
    let footer_left = format!("{} · {}", data.title, format::period(data.query.from, data.query.to, data.query.zone));
    let footer_left = ellipsize(&footer_left, 8.0, false, w - 2.0 * MARGIN - 80.0);
    Ok(flow
        .pages
        .iter()
        .enumerate()
        .map(|(i, body)| {
            let y = h - MARGIN + 8.0;
            format!(
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"{}\">\n<rect width=\"{w}\" height=\"{h}\" fill=\"#ffffff\"/>\n{body}<text x=\"{MARGIN}\" y=\"{y:.2}\" font-size=\"8\" fill=\"{MUTED}\">{}</text>\n<text x=\"{:.2}\" y=\"{y:.2}\" font-size=\"8\" fill=\"{MUTED}\" text-anchor=\"end\">Page {} of {total}</text>\n</svg>\n",
                escape(CSS_FAMILY),
                escape(&footer_left),
                w - MARGIN,
                i + 1
            )
        })
        .collect())
}

pub fn rating(r: crate::model::Rating) -> &'static str {
    match r {
        crate::model::Rating::Positive => "Positive",
        crate::model::Rating::Neutral => "Neutral",
        crate::model::Rating::Negative => "Negative",
    }
}
