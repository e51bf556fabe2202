#!/bin/bash
# The ten-million run (not CI): ten gzip files of 1,000,000 conversations
# each from ../shared/tools/gen_events.py (seeds 11 to 20), imported into a
# fresh store, then the first `rapport metrics` (builds and keeps the
# facts), a one-shot `rapport metrics` from the kept facts, and the
# dashboard in one process with no filter and with two, each with its time
# and peak memory. About 2 GB of dumps, 12 GB of store, 7 GB of kept facts.
#
#   bash bench/ten_million.sh WORK_DIR
#   bash bench/ten_million.sh WORK_DIR DUMP
#
# With DUMP (a dump of 1,000,000 conversations made by gen_events.py with
# its default id prefix, e.g. bench/run.py's `--seed 1` one), the ten parts
# are that dump ten times, each with its ids given another prefix (`t11-`
# to `t20-`): ten million distinct conversations with one million's times
# and texts, made in minutes where generating ten takes a core half an hour.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
work=${1:?a folder for the dumps and the store}
dump=${2:-}
app=${RAPPORT_APP:-$root/target/release/rapport}
gen="$root/../shared/tools/gen_events.py"
[ -z "$dump" ] || dump=$(cd "$(dirname "$dump")" && pwd)/$(basename "$dump")
mkdir -p "$work"
cd "$work"
for s in 11 12 13 14 15 16 17 18 19 20; do
    [ -f "part-$s.jsonl.gz" ] && continue
    if [ -n "$dump" ]; then
        prefix=$(head -c 200 "$dump" | sed -n 's/.*"conversation_id": "\([^"]*-\)conv_.*/\1/p')
        [ -n "$prefix" ] || { echo "$dump: no conversation id with a prefix on its first line" >&2; exit 1; }
        sed "s/\"$prefix/\"t$s-/g" "$dump" | gzip -1 > "part-$s.tmp.jsonl.gz"
    else
        python3 "$gen" --conversations 1000000 --seed "$s" --id-prefix "t$s-" --gzip --out "part-$s.tmp.jsonl.gz"
    fi
    mv "part-$s.tmp.jsonl.gz" "part-$s.jsonl.gz"
done
q=(--from 2026-10-01T00:00:00Z --to 2026-10-29T00:00:00Z --tz Europe/Berlin)
rm -f ten.db ten.db-*
uptime
/usr/bin/time -f "import: %e s, peak RSS %M KB" "$app" --db ten.db import part-*.jsonl.gz | tail -1
ls -l ten.db
/usr/bin/time -f "first metrics (builds and keeps the facts): %e s, peak RSS %M KB" "$app" --db ten.db metrics "${q[@]}" >/dev/null
ls -l ten.db-facts
/usr/bin/time -f "metrics one shot (kept facts): %e s, peak RSS %M KB" "$app" --db ten.db metrics "${q[@]}" >/dev/null
/usr/bin/time -f "bench-query: %e s, peak RSS %M KB" "$app" --db ten.db bench-query "${q[@]}" --repeat 5
/usr/bin/time -f "bench-query, two filters: %e s, peak RSS %M KB" "$app" --db ten.db bench-query "${q[@]}" \
    --filter source=web --filter device=mobile --repeat 5
uptime
