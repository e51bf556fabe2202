#!/usr/bin/env bash
# The ClickHouse store's tests, on real engines on this machine:
#   1. Debian's clickhouse-server (18.16) as a two-shard cluster with
#      Distributed tables, started and stopped here: the public conformance
#      suite with its Insights (`--insights`, which also runs
#      conformance/insights.json; run once more alone), 0 failures, and a
#      killed import;
#   2. chdb (ClickHouse 26.x in process, its C library from the npm package
#      @chdb/lib-linux-x64-gnu, loaded through Rapport's own FFI): the same
#      conformance suite, so the SQL is not tied to the old server's dialect;
#   3. on both, the same files imported into SQLite and into ClickHouse read
#      the same: status, the conversation list, transcripts, dashboard, exports,
#      the Insights and the `text` filter (with other fallback phrases too);
#      and a store of tables version 4 (no words kept) gets its older
#      messages' words when opened; what people ask about, computed by the
#      server, is SQLite's, and a store of version 7 (no runs kept) gets its
#      older user messages' runs when opened;
#   4. on chdb, a Langfuse database (Langfuse's v3 tables, read with
#      ?schema=langfuse) gives the dashboard, Insights, conversation list,
#      transcripts, search, topics, exports and report of the same data
#      exported as files. Not on 18.16: Langfuse's schema needs Map and DateTime64.
#
#   tests/clickhouse/run.sh            # installs what is missing (apt), builds, runs
#
# Nothing is skipped silently: an engine that cannot be had fails the run,
# unless RAPPORT_SKIP_CLICKHOUSE_SERVER=1 or RAPPORT_SKIP_CHDB=1 says to do
# without it (and it is then named as skipped). RAPPORT_CHDB_LIB may name a
# libchdb.so already at hand; otherwise it is fetched once with `npm pack`
# into ~/.cache/rapport/chdb.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
shared=${RAPPORT_SHARED:-$root/../shared}

# The conformance suite with the Insights, then the Insights cases, on the
# store TEMPLATE ({run} replaced by each run's name, so that each case of each
# run gets a database of its own); 0 failures or the script stops.
conformance() {
    local template=$1 log=$2 run
    for run in all insights; do
        local cases=()
        [ "$run" = insights ] && cases=(--case "$shared/conformance/insights.json")
        python3 "$shared/tools/conformance.py" --app target/release/rapport --insights "${cases[@]}" \
            --store "${template//\{run\}/$run}" | tee "$log" | grep -v '^ok '
        tail -1 "$log" | grep -q ' 0 failed$'
    done
}
base=${RAPPORT_CH_PORT_BASE:-18123}

CHDB_PACKAGE=@chdb/lib-linux-x64-gnu@26.7.3-stable.1
cargo build --release --locked --bin rapport

if [ "${RAPPORT_SKIP_CHDB:-}" = 1 ]; then
    echo "SKIPPED: the chdb (ClickHouse 26.x) conformance run (RAPPORT_SKIP_CHDB=1)"
else
    if [ -z "${RAPPORT_CHDB_LIB:-}" ]; then
        cache=${XDG_CACHE_HOME:-$HOME/.cache}/rapport/chdb
        if [ ! -f "$cache/package/libchdb.so" ]; then
            command -v npm >/dev/null || { echo "run.sh: npm is needed to fetch $CHDB_PACKAGE (or set RAPPORT_CHDB_LIB, or RAPPORT_SKIP_CHDB=1)" >&2; exit 1; }
            mkdir -p "$cache"
            (cd "$cache" && npm pack --silent "$CHDB_PACKAGE" >/dev/null && tar xzf chdb-lib-linux-x64-gnu-*.tgz && rm chdb-lib-linux-x64-gnu-*.tgz)
        fi
        export RAPPORT_CHDB_LIB="$cache/package/libchdb.so"
    fi
    chdb_data=$(mktemp -d /tmp/rapport-chdb.XXXXXX)
    echo "== conformance on chdb (ClickHouse 26.x in process), Insights and the text filter included"
    conformance "chdb://$chdb_data/{run}/rapport_{case}" "$chdb_data/conformance.log"
    echo "== on chdb, the same import reads as on SQLite (status, list, transcripts, reports)"
    RAPPORT_TEST_CLICKHOUSE="chdb://$chdb_data/{db}" \
        cargo test --release --locked --test clickhouse_reads_as_sqlite -- --ignored
    echo "== on chdb, a store of tables version 4 gets its older messages' words on opening"
    RAPPORT_TEST_CLICKHOUSE="chdb://$chdb_data/{db}" \
        cargo test --release --locked --test clickhouse_older_store_gets_its_words_on_opening -- --ignored
    echo "== on chdb, what people ask about, computed by the server, is SQLite's (an older store's too)"
    RAPPORT_TEST_CLICKHOUSE="chdb://$chdb_data/{db}" \
        cargo test --release --locked --test clickhouse_topics_are_sqlites -- --ignored
    echo "== on chdb, a Langfuse database reads as its exports imported into SQLite"
    RAPPORT_TEST_LANGFUSE="chdb://$chdb_data/{db}" \
        cargo test --release --locked --test clickhouse_langfuse_reads_as_its_exports -- --ignored
    rm -rf "$chdb_data"
fi

if [ "${RAPPORT_SKIP_CLICKHOUSE_SERVER:-}" = 1 ]; then
    echo "SKIPPED: the two-shard clickhouse-server tests (RAPPORT_SKIP_CLICKHOUSE_SERVER=1)"
    exit 0
fi
if ! command -v clickhouse-server >/dev/null; then
    echo "== installing Debian's clickhouse-server"
    apt-get install -y --no-install-recommends clickhouse-server clickhouse-client >/dev/null
fi

servers=$(mktemp -d /tmp/rapport-clickhouse.XXXXXX)
trap 'tests/clickhouse/servers.sh stop "$servers"; rm -rf "$servers"' EXIT
tests/clickhouse/servers.sh start "$servers" >/dev/null
cluster="cluster=rapport_two_shards&shards=127.0.0.1:$base,127.0.0.1:$((base + 1))"

echo "== conformance on a two-shard clickhouse-server $(curl -s "http://127.0.0.1:$base/?query=SELECT%20version()")"
# Each run's cases get databases of their own (each case needs an empty store).
conformance "clickhouse://127.0.0.1:$base/rapport_{run}_{case}?$cluster" "$servers/conformance.log"

echo "== on the two shards, the same import reads as on SQLite (status, list, transcripts, reports)"
RAPPORT_TEST_CLICKHOUSE="clickhouse://127.0.0.1:$base/{db}?$cluster" \
    cargo test --release --locked --test clickhouse_reads_as_sqlite -- --ignored

echo "== on the two shards, a store of tables version 4 gets its older messages' words on opening"
RAPPORT_TEST_CLICKHOUSE="clickhouse://127.0.0.1:$base/{db}?$cluster" \
    cargo test --release --locked --test clickhouse_older_store_gets_its_words_on_opening -- --ignored

echo "== on the two shards, what people ask about, computed by the server, is SQLite's (an older store's too)"
RAPPORT_TEST_CLICKHOUSE="clickhouse://127.0.0.1:$base/{db}?$cluster" \
    cargo test --release --locked --test clickhouse_topics_are_sqlites -- --ignored

echo "== a killed import leaves ClickHouse as before that file"
RAPPORT_TEST_CLICKHOUSE="clickhouse://127.0.0.1:$base/{db}?$cluster" \
    cargo test --release --locked --test clickhouse_killed_import_leaves_it_as_before -- --ignored
