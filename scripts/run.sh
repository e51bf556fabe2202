#!/usr/bin/env bash
# Builds Rapport and shows a dashboard: demo data is loaded into the store
# the first time (when it is empty), then the last 28 days' metrics are
# printed for this computer's time zone.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --quiet
rapport=target/release/rapport
conversations=$("$rapport" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["stored"]["conversations"])')
if [ "$conversations" = "0" ]; then
    "$rapport" demo
fi
tz=$( (timedatectl show -p Timezone --value 2>/dev/null || true) | head -n1)
[ -n "$tz" ] || tz=$(readlink /etc/localtime 2>/dev/null | sed 's|.*/zoneinfo/||' || true)
[ -n "$tz" ] || tz=UTC
today=$(date +%F)
from=$(date -d "$today - 28 days" +%F)
"$rapport" status
"$rapport" metrics --from "$from" --to "$today" --tz "$tz"
