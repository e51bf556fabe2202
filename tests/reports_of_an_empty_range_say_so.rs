//! A period with no activity: every chart says so in words, with no axes
//! drawn around nothing, and the tables say they are empty.

mod reports_common;

use rapport::metrics::Query;
use rapport::model::parse_timestamp;
use rapport::report::{self, Chart, Paper};
use reports_common::{demo_store, report};

#[test]
fn every_chart_of_an_empty_period_says_there_is_nothing_to_show() {
    let mut f = demo_store();
    let q = Query::new(
        parse_timestamp("2020-01-01T00:00:00Z").unwrap(),
        parse_timestamp("2020-02-01T00:00:00Z").unwrap(),
        "UTC",
        Default::default(),
    )
    .unwrap();
    let r = report(&mut f, &q);
    for chart in Chart::ALL {
        let svg = report::chart_svg(&r, chart).unwrap();
        assert!(svg.contains("Nothing to show for this period"), "{} says it is empty", chart.name());
        assert!(svg.contains("in this period."), "{} gives the reason in a sentence", chart.name());
        assert!(!svg.contains("<line"), "{} draws no axis", chart.name());
    }
    let html = report::html(&r, Paper::A4).unwrap();
    assert!(html.contains("No tool was called in this period."));
    assert!(html.contains("No feedback with a comment was given in this period."));
    assert!(report::report_pdf(&r, Paper::Letter).is_ok(), "an empty report still makes a PDF");
}
