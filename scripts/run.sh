#!/usr/bin/env bash
# Sets up and starts the Rapport desktop app (release build). On first
# start, with an empty store, it offers "Explore with demo data".
# `bash scripts/run.sh --db PATH` opens another store.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm --prefix ui run build --silent
cargo build --release --locked --quiet -p rapport-desktop --features tauri/custom-protocol
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
    echo "run.sh: built target/release/rapport-desktop, but there is no display to show it on." >&2
    echo "        Start it from a desktop session, or under Xvfb: xvfb-run -a target/release/rapport-desktop" >&2
    exit 1
fi
exec target/release/rapport-desktop "$@"
