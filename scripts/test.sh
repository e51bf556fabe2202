#!/usr/bin/env bash
# Sets up everything the tests need on a fresh Debian 12 machine of this
# project's kind, then runs them all: formatting and lints, the engine's unit
# and integration tests, the conformance runs against the reference
# implementation (when ../shared is beside the checkout), the UI's checks
# and tests, the check that the TypeScript bindings are up to date, the
# desktop commands' tests, and the end-to-end suite in the real app.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

echo "== engine"
cargo fmt --all --check
cargo clippy --locked --all-targets -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc --locked --no-deps --quiet
cargo test --locked
cargo build --locked --release

if [ -f ../shared/tools/conformance.py ]; then
    echo "== conformance"
    python3 ../shared/tools/conformance.py --app target/release/rapport
    # Our own cases: odd zones (:45, DST at midnight), unaligned ranges, filters.
    python3 ../shared/tools/conformance.py --app target/release/rapport --case tests/conformance/cases.json
fi

echo "== ui"
npm --prefix ui run check --silent
npm --prefix ui test --silent
# The shell embeds the built UI: every build of it below needs ui/dist.
npm --prefix ui run build --silent

echo "== bindings"
bash scripts/bindings.sh
if [ -n "$(git status --porcelain -- ui/src/lib/generated)" ]; then
    git status --short -- ui/src/lib/generated
    echo "test.sh: the TypeScript bindings are stale: run scripts/bindings.sh and commit ui/src/lib/generated" >&2
    exit 1
fi

echo "== desktop"
cargo clippy --locked -p rapport-desktop --all-targets -- -D warnings
cargo test --locked -p rapport-desktop

echo "== end to end"
bash tests/e2e/run.sh
