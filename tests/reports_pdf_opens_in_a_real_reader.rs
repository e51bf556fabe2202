//! The PDF is read by poppler (`pdftoppm` renders every page, `pdftotext`
//! finds the numbers in it). Without poppler-utils they fail, saying so,
//! unless `RAPPORT_TEST_SKIP` names `poppler` (then `scripts/test.sh` lists
//! them among what the run did not test).

mod reports_common;

use rapport::metrics::Settings;
use rapport::report::{self, format, Paper};
use reports_common::{demo_store, october, report};
use std::process::Command;

/// Whether `tool` can run; a missing one fails the test unless the run opted out.
fn have(tool: &str) -> bool {
    if Command::new(tool).arg("-v").output().is_ok() {
        return true;
    }
    let opted_out = std::env::var("RAPPORT_TEST_SKIP").is_ok_and(|s| s.split(',').any(|w| w.trim() == "poppler"));
    assert!(
        opted_out,
        "{tool} is not installed (apt-get install poppler-utils), so the PDF cannot be read back; \
         set RAPPORT_TEST_SKIP=poppler to run the other tests without it"
    );
    eprintln!("SKIPPED: {tool} is not installed and RAPPORT_TEST_SKIP names poppler");
    false
}

#[test]
fn pdftoppm_renders_every_page_of_both_paper_sizes() {
    if !have("pdftoppm") {
        return;
    }
    let mut f = demo_store();
    let q = october(&[]);
    let r = report(&mut f, &q);
    for paper in [Paper::A4, Paper::Letter] {
        let pdf = f.dir.path().join(format!("report-{paper:?}.pdf"));
        std::fs::write(&pdf, report::report_pdf(&r, paper).unwrap()).unwrap();
        let prefix = f.dir.path().join(format!("page-{paper:?}"));
        let out = Command::new("pdftoppm").args(["-r", "20", "-png"]).arg(&pdf).arg(&prefix).output().unwrap();
        assert!(out.status.success(), "pdftoppm failed: {}", String::from_utf8_lossy(&out.stderr));
        assert!(out.stderr.is_empty(), "pdftoppm complained: {}", String::from_utf8_lossy(&out.stderr));
        let pages = std::fs::read_dir(f.dir.path())
            .unwrap()
            .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().starts_with(&format!("page-{paper:?}")))
            .count();
        assert!(pages >= 3, "the report has its pages ({pages})");
    }
}

#[test]
fn the_pdf_keeps_its_numbers_as_text() {
    if !have("pdftotext") {
        return;
    }
    let mut f = demo_store();
    let q = october(&[]);
    let m = f.engine.dashboard(&q, &Settings::default()).unwrap().current;
    let pdf = f.dir.path().join("report.pdf");
    std::fs::write(&pdf, report::report_pdf(&report(&mut f, &q), Paper::A4).unwrap()).unwrap();
    let out = Command::new("pdftotext").arg(&pdf).arg("-").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Total Messages"), "the card labels are text");
    assert!(text.contains(&format::count(m.total_messages)), "the message count reads back from the PDF");
    assert!(text.contains(&format::count(m.total_conversations)));
}
