//! The settings screen.

use crate::error::Result;
use crate::state::AppState;
use rapport::settings::AppSettings;
use tauri::State;

pub fn read_settings(state: &AppState) -> Result<AppSettings> {
    Ok(state.engine()?.settings().clone())
}

pub fn write_settings(state: &AppState, settings: AppSettings) -> Result<AppSettings> {
    Ok(state.engine()?.set_settings(settings)?.clone())
}

#[tauri::command]
pub async fn get_settings(state: State<'_, AppState>) -> Result<AppSettings> {
    let _step = crate::trace::step(|| "command get_settings".to_owned());
    read_settings(&state)
}

#[tauri::command]
pub async fn set_settings(state: State<'_, AppState>, settings: AppSettings) -> Result<AppSettings> {
    write_settings(&state, settings)
}
