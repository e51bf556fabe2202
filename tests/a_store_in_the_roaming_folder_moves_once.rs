//! The default store lives in the local application data folder (on Windows
//! `%LOCALAPPDATA%`, not the roaming `%APPDATA%` that earlier versions used);
//! a store found in the old place moves over once, with its log files.

use rapport::store::{default_store_path, moved_store, Store, APP_IDENTIFIER};
use std::path::{Path, PathBuf};

fn store_with_a_setting(path: &Path) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let store = Store::open(path).unwrap();
    store.set_setting("zone", "\"Europe/Paris\"").unwrap();
}

fn side(path: &Path, suffix: &str) -> PathBuf {
    PathBuf::from(format!("{}{suffix}", path.display()))
}

#[test]
fn the_default_store_is_in_the_local_data_folder() {
    let expected = dirs::data_local_dir().unwrap().join(APP_IDENTIFIER).join("rapport.db");
    assert_eq!(default_store_path(), expected, "the local (non-roaming) data folder holds the store");
    assert_eq!(default_store_path().file_name().unwrap(), "rapport.db");
}

#[test]
fn a_store_in_the_old_folder_moves_with_its_log_files() {
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = (dir.path().join("Roaming").join("rapport.db"), dir.path().join("Local").join("rapport.db"));
    store_with_a_setting(&old);
    // The log files of a store another process left open.
    std::fs::write(side(&old, "-wal"), b"wal").unwrap();
    std::fs::write(side(&old, "-shm"), b"shm").unwrap();
    // And the rollback journal of a first import that was killed.
    std::fs::write(side(&old, "-journal"), b"journal").unwrap();

    assert_eq!(moved_store(&old, new.clone()), new, "the store is opened where it moved");
    for suffix in ["", "-wal", "-shm", "-journal"] {
        assert!(!side(&old, suffix).exists(), "nothing is left behind ({suffix})");
    }
    assert_eq!(std::fs::read(side(&new, "-wal")).unwrap(), b"wal", "the write-ahead log moves with the database");
    assert_eq!(std::fs::read(side(&new, "-shm")).unwrap(), b"shm");
    assert_eq!(std::fs::read(side(&new, "-journal")).unwrap(), b"journal", "so does a journal to roll back");
    for suffix in ["-wal", "-shm", "-journal"] {
        std::fs::remove_file(side(&new, suffix)).unwrap();
    }
    let store = Store::open(&new).unwrap();
    assert_eq!(store.setting("zone").unwrap().as_deref(), Some("\"Europe/Paris\""), "the records came along");
}

#[test]
fn the_move_happens_once_and_never_over_a_store() {
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = (dir.path().join("Roaming").join("rapport.db"), dir.path().join("Local").join("rapport.db"));
    store_with_a_setting(&old);
    std::fs::create_dir_all(new.parent().unwrap()).unwrap();
    Store::open(&new).unwrap();
    let before = std::fs::read(&new).unwrap();

    assert_eq!(moved_store(&old, new.clone()), new);
    assert!(old.exists(), "a store already in the new place wins; the old one is left alone");
    assert_eq!(std::fs::read(&new).unwrap(), before, "the new store is not overwritten");
}

#[test]
fn with_no_old_store_nothing_moves() {
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = (dir.path().join("Roaming").join("rapport.db"), dir.path().join("Local").join("rapport.db"));
    assert_eq!(moved_store(&old, new.clone()), new);
    assert!(!new.parent().unwrap().exists(), "no folder is made until the store is opened");
}

#[test]
fn a_store_that_cannot_move_is_opened_where_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("Roaming").join("rapport.db");
    store_with_a_setting(&old);
    // The new folder cannot be made: a file has its name.
    std::fs::write(dir.path().join("Local"), b"a file").unwrap();
    let new = dir.path().join("Local").join("rapport.db");

    assert_eq!(moved_store(&old, new), old, "the person's data is opened in the old place, not an empty store");
    assert!(old.exists());
}
