//! Fuzz target: timestamp parsing (see `harness.rs`).

#[path = "../../harness.rs"]
mod harness;

fn main() {
    afl::fuzz!(|data: &[u8]| {
        harness::timestamp(data);
    });
}
