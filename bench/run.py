#!/usr/bin/env python3
"""Rapport's benchmark: import and dashboard figures, side by side with DuckDB.

    python3 bench/run.py                       # 100,000 conversations (~850,000 events, ~200 MB)
    python3 bench/run.py --conversations 1000000

It makes a clean dump with ../shared/tools/gen_events.py, then in the same run:
- imports it into a fresh Rapport store (`rapport import`): wall time,
  events per second and the peak resident memory of the process;
- times the full dashboard (every METRICS.md key plus the previous period,
  28 days, Europe/Berlin) in one process, with no filter and with two
  filters, after the facts are loaded (what the desktop app does on a
  filter change), the one-shot `rapport metrics` command (open, load,
  compute, print) and the one-shot `rapport report` of the same query to PDF;
- times, in the same process, a full-text search of the period (the
  newest 50 conversations that say a phrase, with their snippets), the
  dashboard with that phrase as a `text` filter, and "What people ask about"
  (the first in the process, which builds the topic index, then the next
  ones), and the one-shot `rapport topics`. These two are Rapport's alone:
  bench/duckdb_dashboard.py asks DuckDB no search and no topics, so they
  have no side-by-side figure;
- loads the same file into DuckDB in memory and asks it the same questions
  (bench/duckdb_dashboard.py);
- with --app-redraw, opens the store in the real desktop app (WebKitGTK
  under Xvfb, driven by tauri-driver: tests/e2e/redraw-benchmark.mjs), shows
  All time, and times filter changes from the click until the new dashboard
  is painted: a country added (asked of the engine) and removed again;
- with --db clickhouse://HOST:PORT/DB[?cluster=..&shards=..] (repeatable:
  one shard, two shards, chdb://DIR/DB), imports the same dump into that
  ClickHouse store (its database dropped first) and times `rapport metrics`
  there, which ClickHouse computes as SQL (the Insights included): the
  dashboard's latency, with no filter, two filters and a `text` filter,
  and `rapport search`; the same one-shot `text` filter and search on SQLite;
and prints the figures and the ratios. Figures are printed, never asserted.
Needs `pip install duckdb` and a release build (`cargo build --release`);
--app-redraw also the release app (`bash scripts/run.sh` builds it, or
`cargo build --release -p rapport-desktop --features tauri/custom-protocol`
after `npm --prefix ui run build`), xvfb-run, tauri-driver and
`npm --prefix tests/e2e ci`.
"""
import argparse
import shutil
import urllib.parse
import urllib.request
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared")
QUERY = ["--from", "2026-10-01T00:00:00Z", "--to", "2026-10-29T00:00:00Z", "--tz", "Europe/Berlin"]
FILTERS = ["--filter", "source=web", "--filter", "device=mobile"]
# A word gen_events.py's customers say (refund requests): searched, then a `text` filter.
PHRASE = "refund"


def run_measured(cmd):
    """Runs a command; returns (seconds, stdout)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = proc.communicate()
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd[:3])}... failed ({proc.returncode}): {err.strip()[-500:]}")
    return seconds, out


def peak_rss_mb(cmd):
    """Runs a command in a child and returns its own peak resident memory in MB."""
    pid = os.fork()
    if pid == 0:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.execvp(cmd[0], cmd)
    _, status, usage = os.wait4(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(cmd)} failed")
    return usage.ru_maxrss / 1024


def clickhouse_fresh(url):
    """Drops the database of a clickhouse:// or chdb:// store (on every shard) so the import starts empty."""
    parsed = urllib.parse.urlparse(url)
    database = parsed.path.strip("/")
    if parsed.scheme == "chdb":
        shutil.rmtree(parsed.netloc + os.path.dirname(parsed.path), ignore_errors=True)
        return
    hosts = [parsed.netloc.split("@")[-1]]
    shards = urllib.parse.parse_qs(parsed.query).get("shards", [""])[0]
    hosts += [h for h in shards.split(",") if h and h not in hosts]
    for host in hosts:
        sql = f"DROP DATABASE IF EXISTS {database}".encode()
        urllib.request.urlopen(urllib.request.Request(f"http://{host}/", data=sql)).read()


def clickhouse_figures(app, url, dump, events, repeat):
    """Import rate and `rapport metrics` latency (SQL on ClickHouse) for one store."""
    clickhouse_fresh(url)
    print(f"importing into {url} ...", file=sys.stderr)
    import_s, _ = run_measured([app, "--db", url, "import", dump])
    times, filtered, said, searched = [], [], [], []
    for _ in range(repeat):
        seconds, out = run_measured([app, "--db", url, "metrics", *QUERY])
        times.append(seconds)
        filtered.append(run_measured([app, "--db", url, "metrics", *QUERY, *FILTERS])[0])
        seconds, out_said = run_measured([app, "--db", url, "metrics", *QUERY, "--filter", f"text={PHRASE}"])
        said.append(seconds)
        searched.append(run_measured([app, "--db", url, "search", PHRASE, *QUERY])[0])
    median = lambda xs: sorted(xs)[len(xs) // 2]
    m, m_said = json.loads(out), json.loads(out_said)
    return {"import_s": import_s, "rate": events / import_s, "median_s": median(times),
            "filtered_s": median(filtered), "said_s": median(said), "search_s": median(searched),
            "messages": m["total_messages"], "questions": m.get("questions"),
            "said_conversations": m_said["total_conversations"]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--conversations", type=int, default=100_000)
    ap.add_argument("--app", default=os.path.join(ROOT, "target", "release", "rapport"))
    ap.add_argument("--work", help="folder for the dump and the store, kept (default: a temporary one, removed at the end)")
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--skip-duckdb", action="store_true")
    ap.add_argument("--import-pairs", type=int, default=3,
                    help="imports timed each right before a DuckDB in-memory load of the same file, for the import ratio")
    ap.add_argument("--app-redraw", action="store_true", help="also time filter changes in the desktop app")
    ap.add_argument("--desktop", default=os.path.join(ROOT, "target", "release", "rapport-desktop"))
    ap.add_argument("--db", action="append", default=[], metavar="URL",
                    help="also a ClickHouse store (clickhouse://... or chdb://...); repeatable")
    a = ap.parse_args()

    if a.work:
        os.makedirs(a.work, exist_ok=True)
        measure(a, a.work)
    else:
        # The dump and the stores take about 400 MB at 100,000 conversations
        # (4 GB at 1,000,000): a folder the benchmark made goes with it.
        with tempfile.TemporaryDirectory(prefix="rapport-bench-") as work:
            measure(a, work)


def measure(a, work):
    dump = os.path.join(work, f"events-{a.conversations}.jsonl")
    if not os.path.exists(dump):
        print(f"generating {a.conversations:,} conversations into {dump} ...", file=sys.stderr)
        subprocess.run([sys.executable, os.path.join(SHARED, "tools", "gen_events.py"),
                        "--conversations", str(a.conversations), "--seed", "1", "--out", dump], check=True)
    with open(dump, "rb") as f:
        events = sum(1 for _ in f)
    size_mb = os.path.getsize(dump) / 1e6
    db = os.path.join(work, "bench.db")
    for suffix in ("", "-wal", "-shm", "-journal", "-facts", "-topics"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)

    print("importing into a fresh store ...", file=sys.stderr)
    start = time.perf_counter()
    rss = peak_rss_mb([a.app, "--db", db, "import", dump])
    import_s = time.perf_counter() - start
    store_bytes = sum(os.path.getsize(db + s) for s in ("", "-wal") if os.path.exists(db + s))

    print("timing rapport metrics, one shot ...", file=sys.stderr)
    # The first process after the import builds the facts from every row and keeps them.
    build_s, _ = run_measured([a.app, "--db", db, "metrics", *QUERY])
    facts_bytes = os.path.getsize(db + "-facts") if os.path.exists(db + "-facts") else 0
    one_shot = sorted(run_measured([a.app, "--db", db, "metrics", *QUERY])[0] for _ in range(5))
    cold_s = one_shot[len(one_shot) // 2]
    metrics_rss = peak_rss_mb([a.app, "--db", db, "metrics", *QUERY])

    print("timing the dashboard ...", file=sys.stderr)
    _, out = run_measured([a.app, "--db", db, "bench-query", *QUERY, "--repeat", str(a.repeat)])
    plain = json.loads(out)
    _, out = run_measured([a.app, "--db", db, "bench-query", *QUERY, *FILTERS, "--repeat", str(a.repeat)])
    filtered = json.loads(out)
    print("timing search and topics ...", file=sys.stderr)
    _, out = run_measured([a.app, "--db", db, "bench-query", *QUERY, "--repeat", str(a.repeat),
                           "--search", PHRASE, "--topics"])
    insights = json.loads(out)
    topics_once = sorted(run_measured([a.app, "--db", db, "topics", *QUERY])[0] for _ in range(3))
    topics_s = topics_once[len(topics_once) // 2]
    print("timing the PDF report ...", file=sys.stderr)
    report_s, _ = run_measured([a.app, "--db", db, "report", *QUERY, "--out", os.path.join(work, "report.pdf")])

    if a.db:
        # The one-shot `text` filter and search beside ClickHouse's, and the
        # counts ClickHouse's must equal (before the small import below).
        print("timing the text filter and search one shot, for the ClickHouse stores ...", file=sys.stderr)
        sqlite_said = sorted(run_measured([a.app, "--db", db, "metrics", *QUERY, "--filter", f"text={PHRASE}"])[0]
                             for _ in range(3))[1]
        sqlite_search = sorted(run_measured([a.app, "--db", db, "search", PHRASE, *QUERY])[0] for _ in range(3))[1]
        _, out = run_measured([a.app, "--db", db, "metrics", *QUERY])
        sqlite_m = json.loads(out)
        _, out = run_measured([a.app, "--db", db, "metrics", *QUERY, "--filter", f"text={PHRASE}"])
        sqlite_said_n = json.loads(out)["total_conversations"]

    print("a small import, then rapport metrics ...", file=sys.stderr)
    small = os.path.join(work, "small-100.jsonl")
    if not os.path.exists(small):
        subprocess.run([sys.executable, os.path.join(SHARED, "tools", "gen_events.py"), "--conversations", "100",
                        "--seed", "2", "--id-prefix", "small-", "--out", small], check=True)
    # In one process, as the app: facts loaded, the small file imported, the next dashboard.
    _, out = run_measured([a.app, "--db", db, "bench-query", *QUERY, "--repeat", "1", "--after-import", small])
    after = json.loads(out)["after_import"]
    after_small = sorted(run_measured([a.app, "--db", db, "metrics", *QUERY])[0] for _ in range(3))
    after_small_s = after_small[len(after_small) // 2]

    duck = duck_f = duck_saved = None
    duck_open_s = None
    pairs = []
    if not a.skip_duckdb:
        script = os.path.join(ROOT, "bench", "duckdb_dashboard.py")
        # The machine's speed drifts by a fifth from minute to minute here
        # (a shared host): the import ratio is taken from imports each timed
        # right before DuckDB's load of the same file, the median of them.
        print(f"{a.import_pairs} imports, each paired with a DuckDB load ...", file=sys.stderr)
        pair_db = os.path.join(work, "pair.db")
        for _ in range(a.import_pairs):
            for suffix in ("", "-wal", "-shm", "-journal", "-facts", "-topics"):
                if os.path.exists(pair_db + suffix):
                    os.remove(pair_db + suffix)
            ours, _ = run_measured([a.app, "--db", pair_db, "import", dump])
            _, out = run_measured([sys.executable, script, dump, *QUERY, "--load-only"])
            pairs.append((ours, json.loads(out)["load_s"]))
        for suffix in ("", "-wal", "-shm", "-journal", "-facts", "-topics"):
            if os.path.exists(pair_db + suffix):
                os.remove(pair_db + suffix)
        print("asking DuckDB the same ...", file=sys.stderr)
        _, out = run_measured([sys.executable, script, dump, *QUERY, "--repeat", "5"])
        duck = json.loads(out)
        _, out = run_measured([sys.executable, script, dump, *QUERY, *FILTERS, "--repeat", "5"])
        duck_f = json.loads(out)
        if duck["results"]["total_messages"] != plain["total_messages"]:
            print(f"warning: DuckDB counted {duck['results']['total_messages']} messages, "
                  f"Rapport {plain['total_messages']}", file=sys.stderr)
        saved = os.path.join(work, "bench.duckdb")
        _, out = run_measured([sys.executable, script, dump, *QUERY, "--repeat", "1", "--save", saved])
        duck_saved = json.loads(out)
        opens = sorted(run_measured([sys.executable, script, dump, *QUERY, "--open", saved])[0] for _ in range(5))
        duck_open_s = opens[len(opens) // 2]

    redraw = None
    if a.app_redraw:
        print("timing filter changes in the desktop app ...", file=sys.stderr)
        small_app = os.path.join(work, "small-app-100.jsonl")
        if not os.path.exists(small_app):
            subprocess.run([sys.executable, os.path.join(SHARED, "tools", "gen_events.py"), "--conversations", "100",
                            "--seed", "3", "--id-prefix", "small-app-", "--out", small_app], check=True)
        env = dict(os.environ, RAPPORT_APP=a.desktop, RAPPORT_DB=db, RAPPORT_SMALL=small_app, LANG="en_US.UTF-8")
        proc = subprocess.run(
            ["xvfb-run", "-a", "-s", "-screen 0 1440x960x24 -noreset", "node",  # -noreset: tests/e2e/run.sh says why
             os.path.join(ROOT, "tests", "e2e", "redraw-benchmark.mjs"), str(a.repeat)],
            cwd=os.path.join(ROOT, "tests", "e2e"), env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            sys.exit(f"the app redraw benchmark failed: {proc.stderr.strip()[-800:]}")
        redraw = json.loads(proc.stdout.strip().splitlines()[-1])

    load = os.getloadavg()
    rows = [
        ("dump", f"{a.conversations:,} conversations, {events:,} events, {size_mb:.0f} MB"),
        ("machine load (1, 5, 15 min) at the end", f"{load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f}"),
        ("Rapport import (persisted, SQLite)", f"{import_s:.2f} s, {events / import_s:,.0f} events/s, peak RSS {rss:.0f} MB"),
        ("Rapport store on disk", f"{store_bytes / 1e6:.0f} MB, {store_bytes / events:.0f} bytes/event"
                                  f" (+ kept facts {facts_bytes / 1e6:.0f} MB)"),
        ("rapport metrics, first after the import (builds + keeps facts)", f"{build_s * 1000:.0f} ms"),
        ("rapport metrics, one shot (open+read kept facts+compute+print)", f"{cold_s * 1000:.0f} ms median of 5, peak RSS {metrics_rss:.0f} MB"),
        ("first dashboard after opening, in process (facts ready)", f"{plain['load_ms']:.0f} ms"),
        ("Rapport dashboard in process, no filter (both periods)", f"{plain['median_ms']:.1f} ms median of {a.repeat}"),
        ("Rapport dashboard in process, 2 filters", f"{filtered['median_ms']:.1f} ms median of {a.repeat}"),
        (f"search \"{PHRASE}\" in process (newest 50 + snippets)",
         f"{insights['search']['median_ms']:.1f} ms median of {a.repeat}"),
        (f"  dashboard with text={PHRASE} in process (both periods)",
         f"{insights['search']['filtered_median_ms']:.1f} ms median of {a.repeat},"
         f" {insights['search']['conversations']:,} conversations"),
        ("What people ask about in process, first (builds + keeps the topic index)", f"{insights['topics']['first_ms']:.0f} ms"),
        ("  then each next one (another period or filter)", f"{insights['topics']['median_ms']:.1f} ms median of {a.repeat}"),
        ("rapport topics, one shot (reads the kept topic index)", f"{topics_s * 1000:.0f} ms median of 3"),
        ("search and topics beside DuckDB", "not measured: DuckDB is asked neither"),
        ("small import (100 conversations) in process, as the app", f"{after['import_ms']:.0f} ms"),
        ("  then the dashboard, in process (facts updated + query)", f"{after['dashboard_ms']:.0f} ms"),
        ("rapport metrics, one shot after it (facts updated, not rebuilt)", f"{after_small_s * 1000:.0f} ms median of 3"),
        ("report to PDF with the facts loaded (the app's Export)", f"{plain['report_pdf_ms']:.0f} ms"),
        ("rapport report to PDF, one shot", f"{report_s * 1000:.0f} ms"),
    ]
    if redraw:
        def phases(m):
            return (f"numbers painted {m['numbers']} ms (in the page {m['data']} ms),"
                    f" charts painted {m['painted']} ms")
        rows += [
            ("app: started to the first dashboard's numbers", f"{redraw['start_to_numbers_ms']} ms"),
            ("app: then All time chosen, to its numbers", f"{redraw['first_load_ms']} ms"),
            ("app: small import (100 conversations), Import clicked to its report",
             f"{redraw['small_import']['import_ms']} ms"),
            ("app: Import clicked to the dashboard counting them",
             f"{redraw['small_import']['to_new_numbers_ms']} ms"),
            ("app: filter added, click to painted (median)", phases(redraw["add_filter_ms"])),
            ("app: filter removed, click to painted (median)", phases(redraw["remove_filter_ms"])),
        ]
    if duck:
        rows += [
            ("DuckDB load (in memory, not persisted)", f"{duck['load_s']:.2f} s, {duck['events_per_s']:,.0f} events/s"),
            ("DuckDB load saved to a file", f"{duck_saved['load_s']:.2f} s, {duck_saved['events_per_s']:,.0f} events/s"),
            ("DuckDB file on disk", f"{duck_saved['saved_bytes'] / 1e6:.0f} MB, {duck_saved['saved_bytes'] / events:.0f} bytes/event"),
            ("DuckDB one shot: a process opening its file, same questions", f"{duck_open_s * 1000:.0f} ms median of 5"),
            ("DuckDB dashboard in process, no filter (both periods)", f"{duck['query_ms']:.1f} ms"),
            ("DuckDB dashboard in process, 2 filters", f"{duck_f['query_ms']:.1f} ms"),
            ("import paired with DuckDB's in-memory load (Rapport / DuckDB)",
             ", ".join(f"{ours:.2f} s / {theirs:.2f} s" for ours, theirs in pairs) or "not run"),
            ("ratio import: Rapport rate / DuckDB in memory, median of the pairs",
             f"{sorted(theirs / ours for ours, theirs in pairs)[len(pairs) // 2]:.2f}x" if pairs else "not run"),
            ("ratio import: the first import above / DuckDB's load above", f"{duck['load_s'] / import_s:.2f}x"),
            ("ratio import: Rapport rate / DuckDB saved", f"{duck_saved['load_s'] / import_s:.2f}x"),
            ("ratio one shot: Rapport / DuckDB (goal <= 0.5)", f"{cold_s / duck_open_s:.2f}x"),
            ("ratio dashboard: DuckDB / Rapport, no filter (goal >= 10)", f"{duck['query_ms'] / plain['median_ms']:.1f}x"),
            ("ratio dashboard: DuckDB / Rapport, 2 filters", f"{duck_f['query_ms'] / filtered['median_ms']:.1f}x"),
            ("ratio store: Rapport / DuckDB bytes (goal <= 1.5)", f"{store_bytes / duck_saved['saved_bytes']:.2f}x"),
        ]
    if a.db:
        rows += [
            (f"SQLite rapport metrics --filter text={PHRASE} (one shot)", f"{sqlite_said * 1000:.0f} ms median of 3"),
            (f"SQLite rapport search {PHRASE} (one shot)", f"{sqlite_search * 1000:.0f} ms median of 3"),
        ]
    for url in a.db:
        shown = url.split("?")[0] + (" (two shards)" if "shards=" in url and "," in url.split("shards=")[1] else "")
        f = clickhouse_figures(a.app, url, dump, events, min(a.repeat, 5))
        rows += [
            (f"ClickHouse import, {shown}", f"{f['import_s']:.2f} s, {f['rate']:,.0f} events/s"),
            ("  rapport metrics on it, no filter, Insights included (SQL, one shot)", f"{f['median_s'] * 1000:.0f} ms median"),
            ("  rapport metrics on it, 2 filters (SQL, one shot)", f"{f['filtered_s'] * 1000:.0f} ms median"),
            (f"  rapport metrics on it, text={PHRASE} (SQL, one shot)",
             f"{f['said_s'] * 1000:.0f} ms median, {f['said_conversations']:,} conversations"),
            (f"  rapport search {PHRASE} on it (one shot)", f"{f['search_s'] * 1000:.0f} ms median"),
        ]
        same = (f["messages"], f["questions"], f["said_conversations"]) == (
            sqlite_m["total_messages"], sqlite_m.get("questions"), sqlite_said_n)
        if not same:
            print(f"warning: {shown} counted {f['messages']} messages, {f['questions']} questions and "
                  f"{f['said_conversations']} conversations saying {PHRASE}; SQLite {sqlite_m['total_messages']}, "
                  f"{sqlite_m.get('questions')} and {sqlite_said_n}", file=sys.stderr)
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"{k:<{width}}  {v}")


if __name__ == "__main__":
    main()
