//! Issue 4: AgentSight's `environment` is kept and becomes a filter, so that
//! development traffic can be left out of the numbers.

mod common;
use common::*;
use std::path::PathBuf;

#[test]
fn environment_is_counted_and_filters_like_any_other_dimension() {
    let ws = Workspace::new();
    let sdk = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/formats/agentsight/sdk");
    ws.import(&[sdk]);
    let mut engine = ws.engine();
    let all = metrics(&mut engine, &query("2020-01-01T00:00:00Z", "2030-01-01T00:00:00Z", "UTC", &[]));
    assert_eq!(all.environments.get("production"), Some(&2));
    assert_eq!(all.environments.get("development"), Some(&1));
    let production = metrics(
        &mut engine,
        &query("2020-01-01T00:00:00Z", "2030-01-01T00:00:00Z", "UTC", &[("environment", "Production")]),
    );
    assert_eq!(production.total_conversations, 2, "only the production conversations pass");
    assert_eq!(production.environments.keys().collect::<Vec<_>>(), ["production"]);
}
