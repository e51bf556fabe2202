//! The first screen: what the store holds, and the demo data on offer.

use crate::error::Result;
use crate::state::AppState;
use rapport::demo::{default_end, DemoOptions};
use rapport::engine::Status;
use tauri::State;

/// What the store holds, counted from the engine's facts (which the
/// dashboard asked for next needs anyway), not from every row of the store.
pub fn store_status(state: &AppState) -> Result<Status> {
    Ok(state.engine()?.status_from_facts()?)
}

/// Loads the demo data (6,000 conversations over the 60 days before today) and says what the store holds.
pub fn demo(state: &AppState) -> Result<Status> {
    let mut engine = state.engine()?;
    engine.load_demo(&DemoOptions { conversations: 6000, seed: 7, end: default_end() })?;
    Ok(engine.status_from_facts()?)
}

#[tauri::command]
pub async fn status(state: State<'_, AppState>) -> Result<Status> {
    let _step = crate::trace::step(|| "command status".to_owned());
    store_status(&state)
}

#[tauri::command]
pub async fn load_demo(state: State<'_, AppState>) -> Result<Status> {
    demo(&state)
}
