//! Rapport's desktop shell: registers the commands and plugins, nothing more.
//! The commands live in `commands/`, one file per screen; the numbers come
//! from the `rapport` engine.

pub mod commands;
pub mod error;
pub mod startup;
pub mod state;
pub use rapport::trace;

use tauri::Manager;

pub fn run() {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let startup = state::Startup::from_args(&args, rapport::settings::DataStoreChoice::default_file());
    let local = startup.local.clone();
    let opening = trace::step(|| "store opened".to_owned());
    let app_state = match state::AppState::start(startup) {
        Ok(s) => s,
        Err(e) => {
            startup::Failure::cannot_open_store(&local, &e).show();
            std::process::exit(1);
        }
    };
    drop(opening);
    tauri::Builder::default()
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            // A second start focuses the window that is already open.
            if let Some(window) = app.get_webview_window("main") {
                let _ = window.unminimize();
                let _ = window.set_focus();
            }
        }))
        .plugin(tauri_plugin_dialog::init())
        .manage(app_state)
        .invoke_handler(tauri::generate_handler![
            commands::welcome::status,
            commands::welcome::load_demo,
            commands::dashboard::dashboard,
            commands::dashboard::time_zones,
            commands::dashboard::topics,
            commands::conversations::conversations,
            commands::conversations::search,
            commands::conversation::conversation,
            commands::export::export,
            commands::import::import_files,
            commands::import::csv_needing_map,
            commands::import::preview_csv,
            commands::import::cancel_import,
            commands::import::pick_import_paths,
            commands::import::pasted_paths,
            commands::import::save_text_file,
            commands::settings::get_settings,
            commands::settings::set_settings,
            commands::data_store::data_store,
            commands::data_store::test_data_store,
            commands::data_store::choose_data_store,
        ])
        .run(tauri::generate_context!())
        .unwrap_or_else(|e| {
            startup::Failure::window_did_not_start(&e).show();
            std::process::exit(1);
        });
}
