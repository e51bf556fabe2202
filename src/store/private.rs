//! The store is readable by its owner only: it holds what people wrote to a
//! chatbot, their addresses and ids. On Unix the store file and SQLite's
//! `-wal`, `-shm` and `-journal` beside it are `0600`, and a folder Rapport creates for
//! it is `0700`; a folder that already exists (a home, a shared drive) is
//! left as it is. SQLite gives the files it creates beside the store the
//! mode of the store file, so setting that one first covers them.
//!
//! Elsewhere (Windows) a file in the user's profile is already theirs.

use std::io;
use std::path::{Path, PathBuf};

/// Creates the folder (and any missing parents) the store goes in.
pub fn create_folder(folder: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(folder)
}

/// Creates an empty store file readable by its owner only, unless one is
/// there: SQLite then makes a new database of it, with that mode.
pub fn create_file(path: &Path) -> io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// Makes an existing store, and the files beside it, readable by its
/// owner only (a store an older version made with the default mode). Best
/// effort: a file system without Unix modes must not stop the store opening.
pub fn restrict(path: &Path) {
    #[cfg(unix)]
    for file in companions(path) {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(&file) {
            if meta.is_file() && meta.permissions().mode() & 0o077 != 0 {
                let _ = std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600));
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// The store file and SQLite's files beside it (the rollback journal of a
/// first import, journal.rs, among them).
pub fn companions(path: &Path) -> [PathBuf; 4] {
    let with = |suffix: &str| {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        PathBuf::from(name)
    };
    [path.to_owned(), with("-wal"), with("-shm"), with("-journal")]
}
