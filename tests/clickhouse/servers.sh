#!/usr/bin/env bash
# Starts or stops a two-shard ClickHouse cluster of Debian's clickhouse-server
# on 127.0.0.1, for the ClickHouse store's tests.
#
#   tests/clickhouse/servers.sh start DIR   # DIR gets data, logs and PIDs
#   tests/clickhouse/servers.sh stop DIR
#
# Ports (override with RAPPORT_CH_PORT_BASE, default 18123): shard 1 answers
# HTTP on BASE and TCP on BASE+877 (19000), shard 2 on BASE+1 and BASE+878.
# Both know the cluster `rapport_two_shards` naming both shards; Rapport
# creates its tables on each shard and a Distributed table over them.
set -euo pipefail
cmd=${1:?start or stop}
dir=${2:?a folder for the servers}
base=${RAPPORT_CH_PORT_BASE:-18123}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

start_one() {
    local n=$1 http=$2 tcp=$3 inter=$4 tcp1=$5 tcp2=$6 root="$dir/shard$1"
    mkdir -p "$root"/{data,tmp,user_files,format_schemas,log}
    python3 - "$root" "$http" "$tcp" "$inter" "$tcp1" "$tcp2" <<'PY'
import re, sys
root, http, tcp, inter, tcp1, tcp2 = sys.argv[1:]
xml = open("/etc/clickhouse-server/config.xml").read()
def set_tag(tag, value):
    global xml
    xml = re.sub(rf"<{tag}>[^<]*</{tag}>", f"<{tag}>{value}</{tag}>", xml, count=1)
set_tag("path", f"{root}/data/")
set_tag("tmp_path", f"{root}/tmp/")
set_tag("user_files_path", f"{root}/user_files/")
set_tag("format_schema_path", f"{root}/format_schemas/")
set_tag("log", f"{root}/log/server.log")
set_tag("errorlog", f"{root}/log/server.err.log")
set_tag("http_port", http)
set_tag("tcp_port", tcp)
set_tag("interserver_http_port", inter)
xml = re.sub(r"<tcp_port_secure>.*?</tcp_port_secure>", "", xml)
xml = re.sub(r"<https_port>.*?</https_port>", "", xml)
xml = re.sub(r"<listen_host>[^<]*</listen_host>", "", xml)
xml = xml.replace("<http_port>", "<listen_host>127.0.0.1</listen_host>\n    <http_port>", 1)
cluster = f"""<remote_servers>
        <rapport_two_shards>
            <shard><replica><host>127.0.0.1</host><port>{tcp1}</port></replica></shard>
            <shard><replica><host>127.0.0.1</host><port>{tcp2}</port></replica></shard>
        </rapport_two_shards>
    </remote_servers>"""
xml = re.sub(r"<remote_servers.*?</remote_servers>", cluster, xml, flags=re.S)
xml = xml.replace("users.xml", "/etc/clickhouse-server/users.xml")
open(f"{root}/config.xml", "w").write(xml)
PY
    (cd "$root" && exec clickhouse-server --config-file="$root/config.xml" >"$root/log/stdout.log" 2>&1) &
    echo $! >"$root/pid"
}

wait_up() {
    local port=$1
    for _ in $(seq 1 100); do
        if curl -sf "http://127.0.0.1:$port/?query=SELECT%201" >/dev/null 2>&1; then return 0; fi
        sleep 0.2
    done
    echo "servers.sh: the server on port $port did not start; see $dir/shard*/log" >&2
    return 1
}

case "$cmd" in
start)
    command -v clickhouse-server >/dev/null || {
        echo "servers.sh: clickhouse-server is not installed (apt-get install clickhouse-server clickhouse-client)" >&2
        exit 1
    }
    tcp1=$((base + 877)) tcp2=$((base + 878))
    start_one 1 "$base" "$tcp1" $((base + 886)) "$tcp1" "$tcp2"
    start_one 2 $((base + 1)) "$tcp2" $((base + 887)) "$tcp1" "$tcp2"
    wait_up "$base"
    wait_up $((base + 1))
    echo "clickhouse://127.0.0.1:$base/DATABASE?cluster=rapport_two_shards&shards=127.0.0.1:$base,127.0.0.1:$((base + 1))"
    ;;
stop)
    for root in "$dir"/shard*; do
        [ -f "$root/pid" ] || continue
        pid=$(cat "$root/pid")
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
        rm -f "$root/pid"
    done
    ;;
*) echo "servers.sh: start or stop" >&2; exit 1 ;;
esac
