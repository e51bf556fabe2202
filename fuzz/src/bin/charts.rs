//! Fuzz target: chart labels and values, drawn as SVG (see `harness.rs`).

#[path = "../../harness.rs"]
mod harness;

fn main() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    afl::fuzz!(|data: &[u8]| {
        harness::charts(dir.path(), data);
    });
}
