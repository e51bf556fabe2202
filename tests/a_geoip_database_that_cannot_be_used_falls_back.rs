//! A GeoIP database given with `--geo` or named in the settings that is
//! missing, moved, unreadable, not a regular file, too large or not a
//! MaxMind file never stops Rapport: the bundled database is used, with a
//! warning the command line prints on stderr and the app shows.

use rapport::engine::Engine;
use rapport::geo::MAX_DATABASE_BYTES;
use rapport::settings::AppSettings;
use std::path::{Path, PathBuf};
use std::process::Command;

const BUNDLED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/geo/iptoasn-country.mmdb");

/// Opens a store with `geo` and says what the engine warned about.
fn warnings_with(dir: &Path, geo: &Path) -> Vec<String> {
    let engine = Engine::open(&dir.join("store.db"), Some(geo)).expect("the store opens whatever --geo names");
    let status = engine.status().unwrap();
    assert_eq!(status.warnings, engine.warnings(), "the status carries the warnings to the app");
    engine.warnings()
}

fn assert_falls_back(dir: &Path, geo: &Path, why: &str) {
    let warnings = warnings_with(dir, geo);
    assert_eq!(warnings.len(), 1, "one warning for {why}: {warnings:?}");
    assert!(warnings[0].contains(&geo.display().to_string()), "it names the file: {}", warnings[0]);
    assert!(warnings[0].contains(why), "it says why ({why}): {}", warnings[0]);
    assert!(warnings[0].contains("bundled database"), "and what is used instead: {}", warnings[0]);
}

#[test]
fn a_missing_database_falls_back_to_the_bundled_one() {
    let dir = tempfile::tempdir().unwrap();
    assert_falls_back(dir.path(), &dir.path().join("moved-away.mmdb"), "No such file");
}

#[test]
fn a_folder_is_not_read_as_a_database() {
    let dir = tempfile::tempdir().unwrap();
    assert_falls_back(dir.path(), dir.path(), "not a regular file");
}

#[test]
fn a_file_that_is_not_a_maxmind_database_falls_back() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("notes.mmdb");
    std::fs::write(&file, "not a database").unwrap();
    assert_falls_back(dir.path(), &file, "not a MaxMind DB file");
}

#[test]
fn a_database_larger_than_the_bound_is_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("huge.mmdb");
    // Sparse: it takes no room, and is refused by its size before a read.
    std::fs::File::create(&file).unwrap().set_len(MAX_DATABASE_BYTES + 1).unwrap();
    assert_falls_back(dir.path(), &file, "larger than 512 MiB");
}

#[cfg(unix)]
#[test]
fn a_fifo_or_a_device_is_refused_without_being_opened() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo.mmdb");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo runs");
    assert!(made.success());
    // Opening a FIFO for reading would wait for a writer forever.
    assert_falls_back(dir.path(), &fifo, "not a regular file");
    let link = dir.path().join("zero.mmdb");
    std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
    assert_falls_back(dir.path(), &link, "not a regular file");
}

#[cfg(unix)]
#[test]
fn an_unreadable_database_falls_back() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("locked.mmdb");
    std::fs::copy(BUNDLED, &file).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::File::open(&file).is_ok() {
        eprintln!("skipped: this user (root) reads files whatever their mode");
        return;
    }
    assert_falls_back(dir.path(), &file, "Permission denied");
}

#[test]
fn a_database_named_in_the_settings_and_then_moved_falls_back() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.db");
    let geo: PathBuf = dir.path().join("city.mmdb");
    std::fs::copy(BUNDLED, &geo).unwrap();
    {
        let mut engine = Engine::open(&db, None).unwrap();
        let settings = AppSettings { geo_database: Some(geo.clone()), ..AppSettings::default() };
        engine.set_settings(settings).expect("a readable database is accepted");
        assert!(engine.warnings().is_empty());
    }
    std::fs::rename(&geo, dir.path().join("elsewhere.mmdb")).unwrap();
    let mut engine = Engine::open(&db, None).expect("the moved database does not stop the store opening");
    assert_eq!(engine.warnings().len(), 1, "{:?}", engine.warnings());
    assert_eq!(engine.settings().geo_database.as_deref(), Some(geo.as_path()), "the setting is kept as it was");

    // Choosing a database that cannot be used is refused then and there...
    let missing = AppSettings { geo_database: Some(dir.path().join("nope.mmdb")), ..AppSettings::default() };
    assert!(engine.set_settings(missing).is_err(), "a new unusable choice is refused with its reason");
    // ...and going back to the bundled one ends the warning.
    engine.set_settings(AppSettings::default()).unwrap();
    assert!(engine.warnings().is_empty(), "no warning once the setting is cleared");
}

#[test]
fn the_command_line_warns_on_stderr_and_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_rapport"))
        .arg("--db")
        .arg(dir.path().join("store.db"))
        .arg("--geo")
        .arg(dir.path().join("moved.mmdb"))
        .args(["status", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "the command runs: {}", String::from_utf8_lossy(&out.stderr));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("rapport: warning: cannot open the GeoIP database"), "the warning is on stderr: {stderr}");
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is still the JSON");
    assert_eq!(status["warnings"].as_array().map(Vec::len), Some(1));
}
