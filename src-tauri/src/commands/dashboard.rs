//! The dashboard screen: every number of a query, and the zones to choose from.

use crate::error::Result;
use crate::state::AppState;
use rapport::engine::DashboardView;
use rapport::metrics::{QueryText, Topic};
use tauri::State;

pub fn load_dashboard(state: &AppState, query: &QueryText) -> Result<DashboardView> {
    let query = query.to_query()?;
    Ok(state.engine()?.dashboard_view(&query)?)
}

/// What people ask about in the query's period (its own card, loaded after the numbers).
pub fn load_topics(state: &AppState, query: &QueryText) -> Result<Vec<Topic>> {
    let query = query.to_query()?;
    Ok(state.engine()?.topics(&query)?)
}

#[tauri::command]
pub async fn topics(state: State<'_, AppState>, query: QueryText) -> Result<Vec<Topic>> {
    load_topics(&state, &query)
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
