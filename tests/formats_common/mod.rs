//! Shared by the tests of other platforms' exports: fixture paths, a copy of
//! fixtures into a fresh folder, and the dashboard as JSON to compare with
//! numbers worked out by hand.
#![allow(dead_code)]

use std::path::PathBuf;

/// The file name of a path a report gives, whatever the system's separator
/// (`Path::file_name`, never a split on `/`, which Windows paths do not use).
pub fn file_name(path: &str) -> String {
    std::path::Path::new(path).file_name().expect("a file's path").to_string_lossy().into_owned()
}

pub fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/formats").join(rel)
}

/// The metrics of the whole autumn (UTC) as JSON, keyed as METRICS.md.
pub fn dashboard(ws: &crate::common::Workspace) -> serde_json::Value {
    let mut engine = ws.engine();
    let m = crate::common::metrics(&mut engine, &crate::common::autumn("UTC"));
    serde_json::to_value(&m).expect("metrics serialise")
}

/// Copies fixtures into a folder of the workspace, returning the folder.
pub fn folder(ws: &crate::common::Workspace, name: &str, files: &[&str]) -> PathBuf {
    let dir = ws.dir.path().join(name);
    std::fs::create_dir_all(&dir).unwrap();
    for f in files {
        let from = fixture(f);
        std::fs::copy(&from, dir.join(from.file_name().unwrap())).unwrap();
    }
    dir
}

pub fn close(got: &serde_json::Value, want: f64, what: &str) {
    let got = got.as_f64().unwrap_or_else(|| panic!("{what} is {got}, not a number"));
    assert!((got - want).abs() <= 1e-9 * want.abs().max(1.0), "{what}: {got} != {want}");
}
