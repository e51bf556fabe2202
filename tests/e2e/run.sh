#!/usr/bin/env bash
# Builds the desktop app and runs the end-to-end suite in the real window
# (WebKitGTK under Xvfb, through tauri-driver). Screenshots go to target/e2e/.
# Needs: the system packages of scripts/setup.sh, Debian's clickhouse-server (the
# Data store test switches the app to it), and ../shared beside the
# checkout for the generated data; without any of them it fails, saying which.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
gen="$root/../shared/tools/gen_events.py"
fail() {
    echo "tests/e2e/run.sh: $1" >&2
    exit 1
}
[ -f "$gen" ] || fail "$gen is missing: the suite runs on generated data only; put ../shared beside the checkout"
command -v xvfb-run >/dev/null || fail "xvfb-run is not installed (apt-get install xvfb xauth): there is no display to run the app in"
command -v WebKitWebDriver >/dev/null || fail "WebKitWebDriver is not installed (apt-get install webkit2gtk-driver): nothing can drive the app's window"
command -v xwininfo >/dev/null || fail "xwininfo is not installed (apt-get install x11-utils): the message box test cannot see the display's windows"
command -v clickhouse-server >/dev/null || fail "clickhouse-server is not installed (apt-get install clickhouse-server clickhouse-client; tests/clickhouse/run.sh does it): the app cannot be switched to a ClickHouse store"
out="$root/target/e2e"
rm -rf "$out" && mkdir -p "$out"

command -v tauri-driver >/dev/null || cargo install tauri-driver --locked --quiet
npm --prefix tests/e2e ci --ignore-scripts --no-audit --no-fund --silent
[ -d ui/node_modules ] || npm --prefix ui ci --ignore-scripts --no-audit --no-fund --silent

npm --prefix ui run build --silent
cargo build --locked --quiet -p rapport-desktop --features tauri/custom-protocol
cargo build --locked --quiet --bin rapport

db="$out/store.db"
import_file="$out/import-through-the-app.jsonl"
python3 "$gen" --conversations 1500 --seed 21 --out "$out/dump.jsonl"
python3 "$gen" --conversations 200 --seed 22 --messy --out "$import_file"
target/debug/rapport --db "$db" import "$out/dump.jsonl" >/dev/null

# A two-shard clickhouse-server for the Data store test (clickhouse.test.mjs),
# on ports of its own (RAPPORT_E2E_CH_PORT_BASE, default 18323), stopped
# however the suite ends.
ch_base=${RAPPORT_E2E_CH_PORT_BASE:-18323}
ch_dir=$(mktemp -d /tmp/rapport-e2e-clickhouse.XXXXXX)
trap '"$root/tests/clickhouse/servers.sh" stop "$ch_dir"; rm -rf "$ch_dir"' EXIT
RAPPORT_CH_PORT_BASE=$ch_base tests/clickhouse/servers.sh start "$ch_dir" >/dev/null ||
    fail "the ClickHouse servers did not start (see above): the Data store test needs one"
export E2E_CLICKHOUSE="clickhouse://127.0.0.1:$ch_base/DATABASE?cluster=rapport_two_shards&shards=127.0.0.1:$ch_base,127.0.0.1:$((ch_base + 1))"
export E2E_DUMP="$out/dump.jsonl"

# The port must be free: a killed run can leave WebKitWebDriver behind.
pkill -TERM -x WebKitWebDriver 2>/dev/null || true
export RAPPORT_APP="$root/target/debug/rapport-desktop"
export RAPPORT_CLI="$root/target/debug/rapport"
export RAPPORT_DB="$db"
export E2E_IMPORT_FILE="$import_file"
export E2E_MAPPED_FILE="$root/tests/e2e/other-columns.csv"
export E2E_OUT="$out"
# The conformance case of the limits (tokens 1e12, cost 1e9, 1970 and 2199),
# beside values past them, which the import rejects.
limits="$root/../shared/conformance/edge/d32_limits.jsonl"
[ -f "$limits" ] && export E2E_LIMITS_FILE="$limits"
export LANG=en_US.UTF-8
# The app turns WebKitGTK's accelerated compositing off (src-tauri/src/main.rs);
# without it WebKitWebDriver's screenshot of some transcripts never returns,
# though the page goes on drawing and answering. The suite keeps it on.
export WEBKIT_DISABLE_COMPOSITING_MODE=0
# A test that fails midway can leave its app open (its driver gone): the
# runner exits once every test has ended (--test-force-exit), and what is
# left of this run's apps is closed.
trap 'pkill -f "$root/target/debug/rapport-desktop" || true; "$root/tests/clickhouse/servers.sh" stop "$ch_dir"; rm -rf "$ch_dir"' EXIT
cd tests/e2e
# -noreset: by default Xvfb resets once its last client has gone, and a
# reset drops a client still in its handshake. A test that opens the app
# again starts the new one while the old one is closing; when the old one
# went last, the new one's GTK could not open the display and it panicked
# ("Failed to initialize GTK"), which failed a CI run. The race is shown
# in a loop of a client killed and another started at once: without
# -noreset 76 of 300 starts failed here, with it none.
display="-screen 0 1440x960x24 -noreset"
# `tests/e2e/run.sh FILE.test.mjs...` runs only those files.
if [ $# -gt 0 ]; then
    xvfb-run -a -s "$display" node --test --test-force-exit --test-concurrency=1 "$@"
else
    xvfb-run -a -s "$display" npm test --silent
fi
