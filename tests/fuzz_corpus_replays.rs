//! The fuzzers' saved corpus and every finding, replayed as ordinary tests:
//! each input must go through its target without a panic (the fuzzer itself
//! runs by hand, README "Fuzzing"; CI runs only this).
//!
//! `fuzz/corpus/TARGET/` holds the seeds and the inputs a run kept as
//! covering new paths, `fuzz/findings/TARGET/` every crash or hang a run
//! found, each fixed and named after what it broke.

#[path = "../fuzz/harness.rs"]
mod harness;

use std::path::{Path, PathBuf};

fn inputs(target: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut files: Vec<PathBuf> = ["corpus", "findings"]
        .iter()
        .filter_map(|kind| std::fs::read_dir(root.join(kind).join(target)).ok())
        .flat_map(|dir| dir.flatten().map(|e| e.path()))
        .filter(|p| p.is_file() && !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "the {target} corpus is in fuzz/corpus/{target}");
    files
}

#[test]
fn every_saved_input_imports_without_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = rapport::engine::Engine::open(&dir.path().join("store.db"), None).unwrap();
    for input in inputs("import") {
        let data = std::fs::read(&input).unwrap();
        harness::import(&mut engine, dir.path(), &data);
    }
}

#[test]
fn every_saved_timestamp_parses_or_is_refused() {
    for input in inputs("timestamp") {
        harness::timestamp(&std::fs::read(&input).unwrap());
    }
}

#[test]
fn every_saved_label_draws_well_formed_charts() {
    let dir = tempfile::tempdir().unwrap();
    for input in inputs("charts") {
        harness::charts(dir.path(), &std::fs::read(&input).unwrap());
    }
}
