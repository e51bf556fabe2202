//! The conversation screen: one transcript.

use crate::error::Result;
use crate::state::AppState;
use rapport::engine::Transcript;
use tauri::State;

pub fn load_transcript(state: &AppState, id: &str) -> Result<Transcript> {
    Ok(state.engine()?.transcript(id)?)
}

#[tauri::command]
pub async fn conversation(state: State<'_, AppState>, id: String) -> Result<Transcript> {
    load_transcript(&state, &id)
}
