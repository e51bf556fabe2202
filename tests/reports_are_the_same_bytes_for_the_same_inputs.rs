//! A report depends on the store and the query only: two stores of the same
//! records give byte-identical SVG and HTML (no clock, no random ids).

mod reports_common;

use rapport::report::{self, Chart, Paper};
use reports_common::{demo_store, october, report};

#[test]
fn two_stores_of_the_same_records_give_the_same_report_bytes() {
    let (mut a, mut b) = (demo_store(), demo_store());
    let q = october(&[]);
    let (ra, rb) = (report(&mut a, &q), report(&mut b, &q));
    for chart in Chart::ALL {
        assert_eq!(
            report::chart_svg(&ra, chart).unwrap(),
            report::chart_svg(&rb, chart).unwrap(),
            "the {} chart is drawn the same way twice",
            chart.name()
        );
    }
    for paper in [Paper::A4, Paper::Letter] {
        assert_eq!(report::html(&ra, paper).unwrap(), report::html(&rb, paper).unwrap(), "HTML, {paper:?}");
        assert_eq!(report::report_svg(&ra, paper).unwrap(), report::report_svg(&rb, paper).unwrap(), "SVG, {paper:?}");
    }
    // The PDF is not compared byte for byte: svg2pdf may order its font
    // objects differently from run to run. It carries no creation date.
    let pdf = report::report_pdf(&ra, Paper::A4).unwrap();
    assert!(!String::from_utf8_lossy(&pdf).contains("/CreationDate"), "the PDF carries no clock reading");
}

#[test]
fn a4_and_letter_pages_have_their_own_sizes() {
    let mut f = demo_store();
    let r = report(&mut f, &october(&[]));
    let a4 = report::report_svg(&r, Paper::A4).unwrap();
    let letter = report::report_svg(&r, Paper::Letter).unwrap();
    assert!(a4.contains("viewBox=\"0 0 595.28 841.89\""), "A4 pages are 595 × 842 pt");
    assert!(letter.contains("viewBox=\"0 0 612 792\""), "Letter pages are 612 × 792 pt");
    assert!(report::html(&r, Paper::Letter).unwrap().contains("@page { size: letter;"));
}

#[test]
fn the_html_is_self_contained() {
    let mut f = demo_store();
    let html = report::html(&report(&mut f, &october(&[])), Paper::A4).unwrap();
    for external in ["<script", "<link", "src=\"http", "href=\"http", "url(http"] {
        assert!(!html.contains(external), "the HTML loads nothing from elsewhere ({external})");
    }
    assert_eq!(html.matches("<figure id=\"chart-").count(), Chart::ALL.len(), "every chart is inline");
}
