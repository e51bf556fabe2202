#!/usr/bin/env bash
# Sets up everything the tests need on a fresh Debian 12 machine of this
# project's kind (Rust toolchain present), then runs them all: formatting,
# lints, unit and integration tests, and the conformance run against the
# reference implementation when ../shared is beside the checkout.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo >/dev/null; then
    echo "test.sh: cargo is missing; install the Rust toolchain (rustup) first" >&2
    exit 1
fi
# The reference implementation geolocates with the maxminddb package.
python3 -m pip install --quiet --disable-pip-version-check maxminddb

cargo fmt --check
cargo clippy --all-targets --locked -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --locked --quiet
cargo test --locked
cargo build --release --locked

if [ -f ../shared/tools/conformance.py ]; then
    python3 ../shared/tools/conformance.py --app target/release/rapport
fi
if [ -f ../shared/tools/conformance.py ]; then
    # Our own cases: odd zones (:45, DST at midnight), unaligned ranges, filters.
    python3 ../shared/tools/conformance.py --app target/release/rapport --case tests/conformance/cases.json
fi
