//! Shared by the report tests: a store of demo activity made with a fixed
//! seed and end, so every run reports the same records.
#![allow(dead_code)]

use rapport::demo::DemoOptions;
use rapport::engine::Engine;
use rapport::metrics::{Filters, Query};
use rapport::model::parse_timestamp;
use rapport::report::ReportData;

pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub engine: Engine,
}

/// 800 demo conversations over the 60 days before 1 November 2026.
pub fn demo_store() -> Fixture {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut engine = Engine::open(&dir.path().join("store.db"), None).expect("the store opens");
    let end = parse_timestamp("2026-11-01T00:00:00Z").unwrap();
    engine.load_demo(&DemoOptions { conversations: 800, seed: 11, end }).expect("the demo loads");
    Fixture { dir, engine }
}

/// October 2026 in Berlin, with optional filters.
pub fn october(filters: &[(&str, &str)]) -> Query {
    let mut f = Filters::default();
    for (k, v) in filters {
        f.add(k, v).unwrap();
    }
    Query::new(
        parse_timestamp("2026-09-30T22:00:00Z").unwrap(),
        parse_timestamp("2026-10-31T23:00:00Z").unwrap(),
        "Europe/Berlin",
        f,
    )
    .unwrap()
}

pub fn report(fixture: &mut Fixture, query: &Query) -> ReportData {
    ReportData::gather(&mut fixture.engine, query, "Demo report").expect("the report's data is read")
}
