//! What the app says when it cannot start. Before the window exists a line on
//! stderr reaches no one: a Windows app has no console, and an app opened
//! from the macOS Finder or a Linux menu no terminal. So the sentence and
//! what to do go into a native message box, on every system, before the app
//! exits.

use std::path::Path;

/// Why the app cannot start, as the message box says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub title: String,
    /// The error's sentence, a blank line, then what to do about it.
    pub message: String,
}

impl Failure {
    /// The store at `db` (or the GeoIP database beside it) cannot be opened:
    /// locked, written by a newer version, corrupt, or another program's.
    pub fn cannot_open_store(db: &Path, error: &rapport::engine::Error) -> Failure {
        use rapport::engine::Error;
        let what_to_do = match error {
            Error::Store(e) => e.what_to_do(),
            Error::Geo(_) => {
                "Give Rapport a GeoIP database that exists (--geo FILE, a MaxMind .mmdb file), or start it without --geo."
            }
            _ => "Start Rapport again; if it happens again, give it another store (--db PATH, or the RAPPORT_DB variable).",
        };
        log::error!("cannot open the store {}: {error:?}", db.display());
        Failure { title: "Rapport cannot start".into(), message: format!("{error}.\n\n{what_to_do}") }
    }

    /// The window itself could not be made (no display, no WebView2 runtime).
    pub fn window_did_not_start(error: &tauri::Error) -> Failure {
        Failure {
            title: "Rapport cannot start".into(),
            message: format!(
                "The window could not open: {error}.\n\n\
                 On Windows, install Microsoft Edge WebView2 (the installer offers it); elsewhere, \
                 start Rapport from a desktop session."
            ),
        }
    }

    /// Says it on stderr (for a terminal and logs) and in a native message
    /// box; returns when the person has closed the box.
    pub fn show(&self) {
        eprintln!("rapport-desktop: {}: {}", self.title, self.message.replace("\n\n", " "));
        rfd::MessageDialog::new()
            .set_level(rfd::MessageLevel::Error)
            .set_title(&self.title)
            .set_description(&self.message)
            .set_buttons(rfd::MessageButtons::Ok)
            .show();
    }
}
