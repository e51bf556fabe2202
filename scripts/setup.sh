#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine of this project's kind (Rust
# toolchain, Python 3 and Node present) lacks to build and test Rapport:
# the system libraries of the desktop shell (WebKitGTK), Xvfb and the
# WebDriver bridge for the end-to-end tests, a UTF-8 locale, the Python
# package the reference implementation needs, and the UI's npm packages.
# Safe to run again: it skips what is there.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(build-essential pkg-config file libssl-dev libwebkit2gtk-4.1-dev libgtk-3-dev
    libsoup-3.0-dev libayatana-appindicator3-dev librsvg2-dev libxdo-dev xvfb xauth
    webkit2gtk-driver x11-utils locales poppler-utils)
missing=()
for p in "${packages[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if ! locale -a 2>/dev/null | grep -qi '^en_US.utf8$'; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo sed -i 's/^# *en_US.UTF-8 UTF-8/en_US.UTF-8 UTF-8/' /etc/locale.gen
    $sudo locale-gen >/dev/null
fi

if ! command -v cargo >/dev/null; then
    echo "setup.sh: cargo is missing; install the Rust toolchain (rustup) first" >&2
    exit 1
fi
python3 -m pip install --quiet --disable-pip-version-check maxminddb
npm --prefix ui ci --ignore-scripts --no-audit --no-fund --silent
