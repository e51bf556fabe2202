#!/usr/bin/env bash
# Sets up everything the tests need on a fresh Debian 12 machine of this
# project's kind, then runs them all: formatting and lints, the engine's unit
# and integration tests, the conformance runs against the reference
# implementation in ../shared, the UI's checks and tests, the check that the
# TypeScript bindings are up to date, the desktop commands' tests, and the
# end-to-end suite in the real app.
#
# Nothing is skipped in silence: a missing reference (../shared), renderer
# (poppler), WebDriver bridge or virtual display fails the run with a
# sentence. RAPPORT_TEST_SKIP, a comma-separated list of `reference`,
# `poppler` and `e2e`, lets a run go on without them; it then says, at the
# end, what it did not test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

skipped=()
# without NAME SENTENCE: NAME is missing; fail, unless RAPPORT_TEST_SKIP names it.
without() {
    if [[ ",${RAPPORT_TEST_SKIP:-}," == *",$1,"* ]]; then
        echo "test.sh: SKIPPED ($1): $2" >&2
        skipped+=("$1: $2")
    else
        echo "test.sh: $2. Provide it, or set RAPPORT_TEST_SKIP=$1 to run the rest without it." >&2
        exit 1
    fi
}
report_skipped() {
    if [ ${#skipped[@]} -gt 0 ]; then
        echo "test.sh: this run did NOT test:" >&2
        printf '  - %s\n' "${skipped[@]}" >&2
    fi
}
trap report_skipped EXIT

# The PDF tests read their output with poppler; they fail without it unless
# told (through the same variable) that it may be missing.
command -v pdftoppm >/dev/null && command -v pdftotext >/dev/null \
    || without poppler "poppler-utils (pdftoppm, pdftotext) is not installed: the PDF report cannot be read back"
export RAPPORT_TEST_SKIP="${RAPPORT_TEST_SKIP:-}"
# The reference implementation and the data generator: checked before the
# long build, so a checkout without ../shared fails at once.
[ -f ../shared/tools/conformance.py ] && [ -f ../shared/tools/gen_events.py ] \
    || without reference "../shared is not beside the checkout (or lacks tools/conformance.py and tools/gen_events.py): no conformance run against the reference implementation, and no end-to-end suite, which runs on generated data"

# A clean checkout builds everything once: incremental state (about 2 GB
# for the debug builds) would only take disk. Measured on a CI rehearsal, the
# whole run's target directory comes to about 6.4 GB without it.
if [ -n "${CI:-}" ]; then
    export CARGO_INCREMENTAL=0
fi
free_kb=$(df -Pk . | awk 'NR == 2 { print $4 }')
if [ "${free_kb:-0}" -lt $((10 * 1024 * 1024)) ]; then
    echo "test.sh: warning: only $((free_kb / 1024)) MB free here; the builds, the ClickHouse servers and the end-to-end data need about 10 GB" >&2
fi

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
    # FORMAT.md's Limits (instants 1970 to 2200, tokens, cost, durations) and
    # its encodings (UTF-16 with a byte-order mark, CRLF line ends).
    python3 ../shared/tools/conformance.py --app target/release/rapport --case ../shared/conformance/limits.json
    python3 ../shared/tools/conformance.py --app target/release/rapport --case ../shared/conformance/encodings.json
    # docs/metrics.md, Insights: resolution, questions, the text filter (the
    # generated cases with the Insights keys too, then their own cases).
    python3 ../shared/tools/conformance.py --app target/release/rapport --insights
    python3 ../shared/tools/conformance.py --app target/release/rapport --insights --case ../shared/conformance/insights.json
    echo "== ClickHouse store (a two-shard clickhouse-server 18.16, and chdb 26.x)"
    bash tests/clickhouse/run.sh
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
if [ ! -f ../shared/tools/gen_events.py ]; then
    echo "skipped: no generated data without ../shared (see above)" >&2
elif ! command -v xvfb-run >/dev/null || ! command -v WebKitWebDriver >/dev/null; then
    without e2e "xvfb-run (the virtual display) or WebKitWebDriver (the WebDriver bridge) is not installed: the app's window is not driven"
else
    bash tests/e2e/run.sh
fi
