//! Where the store lives when no `--db` or `RAPPORT_DB` says.
//!
//! `rapport.db` in the per-user folder for application data that stays on
//! this machine:
//!
//! | system  | folder |
//! | ------- | ------ |
//! | Linux   | `$XDG_DATA_HOME/dev.rapport.desktop/` (`~/.local/share/...`) |
//! | macOS   | `~/Library/Application Support/dev.rapport.desktop/` |
//! | Windows | `%LOCALAPPDATA%\dev.rapport.desktop\` |
//!
//! On Windows the local folder, not the roaming one (`%APPDATA%`) that a
//! domain profile copies between machines at every sign-in: no place for a
//! large SQLite file and its write-ahead log. Earlier versions used the
//! roaming folder there; the first start of this one moves such a store over.

use std::path::{Path, PathBuf};

/// The desktop app's identifier, which names its data folder.
pub const APP_IDENTIFIER: &str = "dev.rapport.desktop";

const STORE_FILE: &str = "rapport.db";

/// The store the desktop app and the command line open by default. On
/// Windows it first moves a store left in the roaming folder (see [`moved_store`]).
pub fn default_store_path() -> PathBuf {
    let local = dirs::data_local_dir().unwrap_or_else(|| PathBuf::from(".")).join(APP_IDENTIFIER).join(STORE_FILE);
    #[cfg(windows)]
    if let Some(roaming) = dirs::data_dir() {
        return moved_store(&roaming.join(APP_IDENTIFIER).join(STORE_FILE), local);
    }
    local
}

/// The store to open once the one at `from`, if any, has moved to `to`.
///
/// The move happens once: only when `to` holds no store yet and `from` does.
/// The write-ahead log and shared-memory files (`-wal`, `-shm`), and the
/// rollback journal a killed first import leaves (`-journal`), go first and
/// the database last, so a move cut short is finished on the next start and
/// never leaves a database without its log or journal. When the files cannot move (another
/// program holds them open, say) `from` is returned, so the person's data is
/// opened where it is, and the move is tried again next time.
pub fn moved_store(from: &Path, to: PathBuf) -> PathBuf {
    if to.exists() || !from.is_file() {
        return to;
    }
    let mut moved: Vec<(PathBuf, PathBuf)> = Vec::new();
    let mut step = || -> std::io::Result<()> {
        if let Some(folder) = to.parent() {
            std::fs::create_dir_all(folder)?;
        }
        for suffix in ["-wal", "-shm", "-journal", ""] {
            let (old, new) = (with_suffix(from, suffix), with_suffix(&to, suffix));
            if old.exists() {
                std::fs::rename(&old, &new)?;
                moved.push((old, new));
            }
        }
        Ok(())
    };
    if step().is_ok() {
        return to;
    }
    // Put back what moved: a database opened without its log would lose
    // the log's transactions.
    for (old, new) in moved.iter().rev() {
        let _ = std::fs::rename(new, old);
    }
    from.to_path_buf()
}

/// `rapport.db` → `rapport.db-wal`: SQLite names its side files so.
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}
