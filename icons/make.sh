#!/usr/bin/env bash
# Draws every icon of the desktop app from icons/icon.svg (1024 x 1024) with
# the Tauri CLI's `tauri icon`: the PNG sizes, icon.ico (Windows: 16 to 256
# px) and icon.icns (macOS: 16 to 1024 px). Run it after changing icon.svg
# and commit what it writes; src-tauri/tests/builds_on_every_desktop.rs
# checks that the configuration names only these files and that each PNG
# has the size its name says.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x ui/node_modules/.bin/tauri ] || npm --prefix ui ci --ignore-scripts --no-audit --no-fund --silent
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
ui/node_modules/.bin/tauri icon icons/icon.svg --output "$out" >"$out/log" 2>&1 || { cat "$out/log" >&2; exit 1; }
# The desktop's files only: not the Android, iOS and Microsoft Store ones.
cp "$out"/32x32.png "$out"/64x64.png "$out"/128x128.png "$out"/128x128@2x.png "$out"/icon.png \
    "$out"/icon.ico "$out"/icon.icns icons/
