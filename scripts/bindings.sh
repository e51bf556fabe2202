#!/usr/bin/env bash
# Writes the TypeScript types of everything the UI sends and receives, from
# the Rust types (ts-rs), into ui/src/lib/generated/. Run after changing them.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --locked --quiet --features ts --lib export_bindings >/dev/null
cargo test --locked --quiet -p rapport-desktop --features ts --lib export_bindings >/dev/null
