//! The dashboard screen: every number of a query, and the zones to choose from.

use crate::error::Result;
use crate::state::AppState;
use rapport::engine::DashboardView;
use rapport::metrics::QueryText;
use tauri::State;

pub fn load_dashboard(state: &AppState, query: &QueryText) -> Result<DashboardView> {
    let query = query.to_query()?;
    Ok(state.engine()?.dashboard_view(&query)?)
}

/// Every IANA zone name, for the zone picker.
pub fn zone_names() -> Vec<&'static str> {
    chrono_tz::TZ_VARIANTS.iter().map(|z| z.name()).collect()
}

#[tauri::command]
pub async fn dashboard(state: State<'_, AppState>, query: QueryText) -> Result<DashboardView> {
    load_dashboard(&state, &query)
}

#[tauri::command]
pub async fn time_zones() -> Result<Vec<&'static str>> {
    Ok(zone_names())
}
