//! SVG to PNG (resvg) and to PDF (svg2pdf), both with the bundled font only.

use super::font;
use super::pages::{self, svg_body, Paper};
use super::{ReportData, ReportError};
use resvg::{tiny_skia, usvg};

fn parse(svg: &str) -> Result<usvg::Tree, ReportError> {
    usvg::Tree::from_str(svg, &font::usvg_options()).map_err(|e| ReportError::Render(e.to_string()))
}

/// An SVG drawn as PNG at `scale` (1 for the screen, 2 for slides), on white.
pub fn png(svg: &str, scale: f32) -> Result<Vec<u8>, ReportError> {
    let tree = parse(svg)?;
    let size = tree.size();
    let (w, h) = ((size.width() * scale).ceil() as u32, (size.height() * scale).ceil() as u32);
    let mut pixmap =
        tiny_skia::Pixmap::new(w, h).ok_or_else(|| ReportError::Render(format!("cannot make a {w}×{h} image")))?;
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(&tree, tiny_skia::Transform::from_scale(scale, scale), &mut pixmap.as_mut());
    pixmap.encode_png().map_err(|e| ReportError::Render(e.to_string()))
}

/// Points to CSS pixels: a page at scale 1 is as wide as a browser shows it.
const PX_PER_PT: f32 = 96.0 / 72.0;
const PAGE_GAP: f64 = 16.0;

/// The whole report as one SVG: its pages one under the other.
pub fn report_svg(data: &ReportData, paper: Paper) -> Result<String, ReportError> {
    let pages = pages::pages(data, paper)?;
    let (w, h) = paper.size();
    let total_h = pages.len() as f64 * (h + PAGE_GAP) - PAGE_GAP;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{:.0}\" height=\"{:.0}\" viewBox=\"0 0 {w} {total_h}\">\n<rect width=\"{w}\" height=\"{total_h}\" fill=\"#e5e5e5\"/>\n",
        w * f64::from(PX_PER_PT),
        total_h * f64::from(PX_PER_PT)
    );
    for (i, page) in pages.iter().enumerate() {
        let y = i as f64 * (h + PAGE_GAP);
        // Each page keeps its font-family: copy the page's own root attributes.
        out.push_str(&format!(
            "<svg x=\"0\" y=\"{y}\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"{}\">{}</svg>\n",
            super::format::escape(font::CSS_FAMILY),
            svg_body(page)
        ));
    }
    out.push_str("</svg>\n");
    Ok(out)
}

/// The whole report as one PNG; scale 1 is 96 pixels per inch.
pub fn report_png(data: &ReportData, paper: Paper, scale: f32) -> Result<Vec<u8>, ReportError> {
    // The SVG is sized in pixels already (points × 96/72), so only `scale` applies.
    let svg = report_svg(data, paper)?;
    png(&svg, scale * PX_PER_PT)
}

/// The report as a PDF: one page per SVG page, text kept as text in the
/// embedded (subset) font, so it can be searched and copied.
pub fn report_pdf(data: &ReportData, paper: Paper) -> Result<Vec<u8>, ReportError> {
    use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, TextStr};
    use std::collections::HashMap;

    let pages = pages::pages(data, paper)?;
    let (w, h) = paper.size();
    let mut alloc = Ref::new(1);
    let catalog_id = alloc.bump();
    let tree_id = alloc.bump();
    let info_id = alloc.bump();
    let page_ids: Vec<Ref> = pages.iter().map(|_| alloc.bump()).collect();
    let mut pdf = Pdf::new();
    pdf.catalog(catalog_id).pages(tree_id);
    pdf.pages(tree_id).kids(page_ids.iter().copied()).count(page_ids.len() as i32);
    // No creation date: the same report gives the same bytes.
    pdf.document_info(info_id).title(TextStr(&super::text::clean(&data.title))).creator(TextStr("Rapport"));
    for (page_svg, &page_id) in pages.iter().zip(&page_ids) {
        let tree = parse(page_svg)?;
        let (chunk, svg_id) = svg2pdf::to_chunk(&tree, svg2pdf::ConversionOptions::default())
            .map_err(|e| ReportError::Render(e.to_string()))?;
        let mut map = HashMap::new();
        let chunk = chunk.renumber(|old| *map.entry(old).or_insert_with(|| alloc.bump()));
        let svg_id = map.get(&svg_id).copied().ok_or_else(|| ReportError::Render("svg2pdf lost the page".into()))?;
        let content_id = alloc.bump();
        let mut page = pdf.page(page_id);
        page.media_box(Rect::new(0.0, 0.0, w as f32, h as f32));
        page.parent(tree_id);
        page.contents(content_id);
        page.resources().x_objects().pair(Name(b"P"), svg_id);
        page.finish();
        let mut content = Content::new();
        content.transform([w as f32, 0.0, 0.0, h as f32, 0.0, 0.0]).x_object(Name(b"P"));
        pdf.stream(content_id, &content.finish());
        pdf.extend(&chunk);
    }
    Ok(pdf.finish())
}
