//! The store holds what people wrote to a chatbot: on Unix the store file and
//! SQLite's `-wal` and `-shm` files are `0600` and a folder Rapport creates
//! for it is `0700`, whatever the umask.
#![cfg(unix)]

use rapport::engine::Engine;
use rapport::import::ImportOptions;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).permissions().mode() & 0o777
}

fn import_one_message(engine: &mut Engine, dir: &Path) {
    let file = dir.join("one.jsonl");
    std::fs::write(
        &file,
        r#"{"type":"message","conversation_id":"c","role":"user","timestamp":"2026-10-02T10:00:00Z","content":"hi"}"#,
    )
    .unwrap();
    engine.import(&[file], &ImportOptions::default(), &mut |_| {}).unwrap();
}

#[test]
fn a_new_store_and_the_folder_made_for_it_are_the_owners_only() {
    let dir = tempfile::tempdir().unwrap();
    let existing = dir.path().join("home");
    std::fs::create_dir(&existing).unwrap();
    std::fs::set_permissions(&existing, std::fs::Permissions::from_mode(0o755)).unwrap();
    let folder = existing.join("rapport").join("data");
    let db = folder.join("store.db");
    let mut engine = Engine::open(&db, None).unwrap();
    import_one_message(&mut engine, dir.path());
    assert_eq!(mode(&folder), 0o700, "the folder Rapport made");
    assert_eq!(mode(&existing.join("rapport")), 0o700, "and its parent it made");
    for suffix in ["", "-wal", "-shm"] {
        let file = format!("{}{suffix}", db.display());
        assert_eq!(mode(Path::new(&file)), 0o600, "{file} is read and written by its owner only");
    }
    assert_eq!(mode(&existing), 0o755, "a folder that was there is left as it was");
}

#[test]
fn a_store_made_readable_by_others_is_made_the_owners_only() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.db");
    {
        let mut engine = Engine::open(&db, None).unwrap();
        import_one_message(&mut engine, dir.path());
    }
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    let _engine = Engine::open(&db, None).unwrap();
    assert_eq!(mode(&db), 0o600, "an older store is made private when opened");
}

#[test]
fn a_file_of_another_program_is_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("notes.txt");
    std::fs::write(&other, "not a store").unwrap();
    std::fs::set_permissions(&other, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert!(Engine::open(&other, None).is_err());
    assert_eq!(mode(&other), 0o644, "a refused file keeps its mode");
}
