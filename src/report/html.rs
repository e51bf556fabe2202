//! The report as one self-contained HTML file: charts as inline SVG, the
//! bundled font inline, no script and nothing fetched; every text from the
//! store escaped. Prints on A4 or Letter (`@page`).

use super::charts::{self, Chart};
use super::definitions::{cost_notes, headlines, APPENDIX};
use super::font;
use super::format::{self, escape};
use super::pages::{country_rows, query_lines, rating, tool_rows, unanswered_rows, Paper, UNANSWERED_HEADER};
use super::{ReportData, ReportError};
use std::fmt::Write;

const STYLE: &str = r#"
:root { color: #222; background: #fff; }
body { font-family: FONT; margin: 0 auto; max-width: 60rem; padding: 2rem 1.5rem; line-height: 1.4; }
h1 { font-size: 1.8rem; margin: 0 0 .75rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .75rem; break-after: avoid; }
dl.query { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: 0; }
dl.query dt { font-weight: bold; color: #5f5f5f; }
dl.query dd { margin: 0; }
.cards { display: grid; grid-template-columns: repeat(3, 1fr); gap: .6rem; }
.card { border: 1px solid #d0d0d0; border-radius: 6px; background: #f7f7f7; padding: .5rem .7rem; break-inside: avoid; }
.card .label { color: #5f5f5f; font-size: .85rem; }
.card .value { font-size: 1.5rem; font-weight: bold; }
.card .change { font-size: .85rem; }
.card .detail { color: #5f5f5f; font-size: .8rem; }
figure { margin: 0 0 1rem; break-inside: avoid; }
figure svg { width: 100%; height: auto; display: block; }
table { border-collapse: collapse; width: 100%; margin-bottom: .5rem; }
th, td { padding: .25rem .5rem; border-bottom: 1px solid #e3e3e3; text-align: left; }
th { color: #5f5f5f; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
.comment { margin: 0 0 .8rem; break-inside: avoid; }
.comment .meta { color: #5f5f5f; font-size: .85rem; }
.comment p { margin: .1rem 0 0; white-space: pre-wrap; }
.empty { color: #5f5f5f; }
.note { color: #5f5f5f; font-size: .9rem; margin: .5rem 0 0; }
dl.defs dt { font-weight: bold; margin-top: .5rem; }
dl.defs dd { margin: 0; }
@page { size: PAPER; margin: 14mm; }
@media print { body { max-width: none; padding: 0; } }
"#;

/// Standard base64, for the inline font.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn table(out: &mut String, header: [&str; 4], rows: &[[String; 4]], empty: &str) {
    if rows.is_empty() {
        let _ = writeln!(out, "<p class=\"empty\">{}</p>", escape(empty));
        return;
    }
    out.push_str("<table><thead><tr>");
    for (i, h) in header.iter().enumerate() {
        let _ = write!(out, "<th{}>{}</th>", if i > 0 { " class=\"n\"" } else { "" }, escape(h));
    }
    out.push_str("</tr></thead><tbody>\n");
    for row in rows {
        out.push_str("<tr>");
        for (i, cell) in row.iter().enumerate() {
            let _ = write!(out, "<td{}>{}</td>", if i > 0 { " class=\"n\"" } else { "" }, escape(cell));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table>\n");
}

pub fn html(data: &ReportData, paper: Paper) -> Result<String, ReportError> {
    let mut out = String::with_capacity(2_000_000);
    let style = STYLE.replace("FONT", font::CSS_FAMILY).replace("PAPER", paper.css());
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>\n@font-face {{ font-family: 'Noto Sans'; font-weight: normal; src: url(data:font/ttf;base64,{}) format('truetype'); }}\n@font-face {{ font-family: 'Noto Sans'; font-weight: bold; src: url(data:font/ttf;base64,{}) format('truetype'); }}\n{style}</style>\n</head>\n<body>\n",
        escape(&data.title),
        base64(font::REGULAR),
        base64(font::BOLD)
    );
    let _ = writeln!(out, "<h1>{}</h1>\n<dl class=\"query\">", escape(&data.title));
    for (label, value) in query_lines(data) {
        let _ = writeln!(out, "<dt>{}</dt><dd>{}</dd>", escape(label), escape(&value));
    }
    out.push_str("</dl>\n<h2>Headline numbers</h2>\n<div class=\"cards\">\n");
    let m = &data.view.dashboard;
    for c in headlines(m, &data.layout) {
        // data-value carries the exact number, so a script (or a test) can
        // hold the report to `rapport metrics`.
        let value = c.value.map_or_else(|| "null".to_owned(), |v| format!("{v}"));
        let _ = writeln!(
            out,
            "<div class=\"card\" id=\"kpi-{}\" data-value=\"{value}\"><div class=\"label\">{}</div><div class=\"value\">{}</div><div class=\"change\">{}</div>{}</div>",
            c.key,
            escape(c.label),
            escape(&c.text),
            escape(&c.change),
            c.segment.map(|d| format!("<div class=\"change\">{}</div>", escape(&d))).unwrap_or_default()
                + &c.detail.map(|d| format!("<div class=\"detail\">{}</div>", escape(&d))).unwrap_or_default()
        );
    }
    out.push_str("</div>\n");
    for note in cost_notes(&m.current) {
        let _ = writeln!(out, "<p class=\"note costs-left-out\">{}</p>", escape(note));
    }
    out.push_str("<h2>Charts</h2>\n");
    for chart in Chart::ALL {
        let svg = charts::svg(data, chart)?;
        let _ = writeln!(
            out,
            "<figure id=\"chart-{}\" aria-label=\"{}\">\n{}</figure>",
            chart.name(),
            escape(chart.title()),
            svg.trim_start_matches("<?xml version=\"1.0\" encoding=\"UTF-8\"?>").trim()
        );
    }
    out.push_str("<h2>Top tools</h2>\n");
    table(
        &mut out,
        ["Tool", "Calls", "Avg duration", "Errors"],
        &tool_rows(data),
        "No tool was called in this period.",
    );
    out.push_str("<h2>Top countries</h2>\n");
    table(
        &mut out,
        ["Country", "Code", "Conversations", "Share"],
        &country_rows(data),
        "No conversations started in this period.",
    );
    if let Some(unanswered) = unanswered_rows(data) {
        out.push_str("<h2>Top unanswered questions</h2>\n");
        table(&mut out, UNANSWERED_HEADER, &unanswered, "Every question in this period got an answer.");
    }
    out.push_str("<h2>Latest feedback comments</h2>\n");
    let comments = &data.view.extras.latest_comments;
    if comments.is_empty() {
        out.push_str("<p class=\"empty\">No feedback with a comment was given in this period.</p>\n");
    }
    for c in comments {
        let _ = writeln!(
            out,
            "<div class=\"comment\"><div class=\"meta\">{} · {} · conversation {}</div><p>{}</p></div>",
            escape(&format::instant(c.timestamp, data.query.zone)),
            rating(c.rating),
            escape(&c.conversation_id),
            escape(&c.comment)
        );
    }
    out.push_str("<h2>How these numbers are defined</h2>\n<dl class=\"defs\">\n");
    for (term, text) in APPENDIX {
        let _ = writeln!(out, "<dt>{}</dt><dd>{}</dd>", escape(term), escape(text));
    }
    out.push_str("</dl>\n</body>\n</html>\n");
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_pads_as_the_standard_says() {
        assert_eq!(super::base64(b"Ma"), "TWE=");
        assert_eq!(super::base64(b"Man"), "TWFu");
        assert_eq!(super::base64(b"M"), "TQ==");
    }
}
