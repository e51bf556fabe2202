//! Issue 15: a cost in another currency without an exchange rate is left out
//! of the dollars, and wherever the cost is shown the left-out messages are
//! said (how many, which currency): `rapport metrics` (`costs_left_out`), the
//! HTML report and the PDF report. With a rate set, they are counted and
//! nothing is said.

mod common;
mod formats_common;

use common::*;
use formats_common::*;
use rapport::metrics::ExchangeRate;
use rapport::report::{self, Paper, ReportData};
use serde_json::Value;
use std::process::Command;

/// What the fixture's one answer priced in yuan leaves out (worked out by
/// hand from `dify/console-messages.json`: cm-2's `total_price` 0.0126, RMB).
const NOTE: &str = "1 message priced in RMB (0.0126 RMB) is not in this total: set a rate in Settings";

fn cli_metrics(ws: &Workspace) -> Value {
    let output = Command::new(env!("CARGO_BIN_EXE_rapport"))
        .arg("--db")
        .arg(ws.db())
        .args(["metrics", "--from", "2026-09-01", "--to", "2026-12-01", "--tz", "UTC"])
        .output()
        .expect("rapport runs");
    assert!(output.status.success(), "rapport metrics failed: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("rapport metrics prints JSON")
}

/// Whether `pdftotext` runs; a missing one fails the test unless the run opted out.
fn have_pdftotext() -> bool {
    if Command::new("pdftotext").arg("-v").output().is_ok() {
        return true;
    }
    let opted_out = std::env::var("RAPPORT_TEST_SKIP").is_ok_and(|s| s.split(',').any(|w| w.trim() == "poppler"));
    assert!(
        opted_out,
        "pdftotext is not installed (apt-get install poppler-utils); RAPPORT_TEST_SKIP=poppler runs without it"
    );
    eprintln!("SKIPPED: the PDF half, pdftotext is not installed and RAPPORT_TEST_SKIP names poppler");
    false
}

#[test]
fn rapport_metrics_and_both_reports_say_which_costs_were_left_out() {
    let ws = Workspace::new();
    ws.import(&[fixture("dify/console-messages.json")]);

    let printed = cli_metrics(&ws);
    assert_eq!(printed["costs_left_out"][0]["currency"], "RMB");
    assert_eq!(printed["costs_left_out"][0]["messages"], 1);
    assert_eq!(printed["costs_left_out"][0]["note"], NOTE);
    close(&printed["tokens"]["cost"], 0.0021, "the dollars only");

    let mut engine = ws.engine();
    let data = ReportData::gather(&mut engine, &autumn("UTC"), "Currency").unwrap();
    let html = report::html(&data, Paper::A4).unwrap();
    assert!(html.contains(NOTE), "the HTML report says it under the headline numbers");
    assert!(html.contains("without 1 message in RMB (no rate set)"), "and on the cost card");

    if have_pdftotext() {
        let pdf = ws.dir.path().join("report.pdf");
        std::fs::write(&pdf, report::report_pdf(&data, Paper::A4).unwrap()).unwrap();
        let out = Command::new("pdftotext").args(["-raw"]).arg(&pdf).arg("-").output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout).split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(text.contains(NOTE), "the PDF says it too: {text}");
    }

    // With a rate, the yuan are counted and nothing is said.
    let mut settings = engine.settings().clone();
    settings.exchange_rates = vec![ExchangeRate { currency: "RMB".into(), usd_per_unit: 0.14 }];
    engine.set_settings(settings).unwrap();
    let printed = cli_metrics(&ws);
    assert_eq!(printed["costs_left_out"], serde_json::json!([]));
    close(&printed["tokens"]["cost"], 0.0021 + 0.0126 * 0.14, "converted at 0.14 USD per RMB");
    let data = ReportData::gather(&mut engine, &autumn("UTC"), "Currency").unwrap();
    let html = report::html(&data, Paper::A4).unwrap();
    assert!(!html.contains("not in this total"), "nothing left out, nothing said");
}
