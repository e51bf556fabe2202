//! Fuzz target: any file, through detection, every reader and importer,
//! normalisation and the store (see `harness.rs`).

#[path = "../../harness.rs"]
mod harness;

use std::cell::RefCell;
use std::path::{Path, PathBuf};

thread_local! {
    /// The store the inputs go into, and how many went in: kept across
    /// inputs (AFL's persistent mode), renewed every 500 so a long run stays fast.
    static STORE: RefCell<Option<(rapport::engine::Engine, u32)>> = const { RefCell::new(None) };
}

fn store(dir: &Path, n: u32) -> PathBuf {
    dir.join(format!("store-{n}.db"))
}

fn main() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let dir = dir.path().to_owned();
    afl::fuzz!(|data: &[u8]| {
        STORE.with(|cell| {
            let mut slot = cell.borrow_mut();
            let runs = slot.as_ref().map_or(0, |(_, n)| *n) + 1;
            if slot.is_none() || runs % 500 == 0 {
                let engine = rapport::engine::Engine::open(&store(&dir, runs), None).expect("a new store opens");
                *slot = Some((engine, runs));
                for end in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{end}", store(&dir, runs.saturating_sub(500)).display()));
                }
            }
            let (engine, n) = slot.as_mut().expect("a store");
            *n = runs;
            harness::import(engine, &dir, data);
        });
    });
}
