#!/usr/bin/env python3
"""DuckDB side of the Rapport dashboard benchmark.

Measures how long DuckDB (in memory) takes to load a clean JSON Lines dump
written by gen_events.py and to answer the dashboard questions of
spec/METRICS.md, in SQL, for a query period [from, to) and for the previous
period of the same length, in a display time zone, with optional filters.

    pip install duckdb
    python3 bench/duckdb_dashboard.py EVENTS.jsonl \
        --from 2026-10-01T00:00:00Z --to 2026-10-29T00:00:00Z --tz Europe/Berlin \
        [--filter source=web --filter device=mobile ...] [--repeat 5]

"Load" is read_json plus splitting the events into typed tables (parsed
timestamps, normalised dimensions, conversation end and engagement), which is
what an importer does once. The question set runs once to warm up, then
--repeat times; the medians are reported. One JSON object goes to stdout,
notes go to stderr.

--save FILE loads into a database file instead of memory (checkpointed, so
its size on disk is final: "saved_bytes"); --open FILE answers the questions
once from such a file, read only, without loading anything: what a process
that opens DuckDB's saved file and draws the dashboard does (time it whole);
--load-only loads and asks nothing.

Only the clean output of gen_events.py is supported: each conversation has
one line, and records are well formed. Countries need geolocation, which
DuckDB alone does not have, so a country filter is ignored.
"""
import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time

import duckdb

# Every field of FORMAT.md's four records; explicit types keep the load from
# depending on DuckDB's schema sniffing of the first rows.
COLUMNS = {
    "type": "VARCHAR", "conversation_id": "VARCHAR", "started_at": "VARCHAR",
    "ended_at": "VARCHAR", "customer_id": "VARCHAR", "customer_ip_address": "VARCHAR",
    "device": "VARCHAR", "source": "VARCHAR", "language": "VARCHAR",
    "message_id": "VARCHAR", "role": "VARCHAR", "timestamp": "VARCHAR", "content": "VARCHAR",
    "model": "VARCHAR", "prompt_tokens": "BIGINT", "completion_tokens": "BIGINT",
    "cost": "DOUBLE", "action_id": "VARCHAR", "name": "VARCHAR", "duration_ms": "DOUBLE",
    "status": "VARCHAR", "feedback_id": "VARCHAR", "rating": "VARCHAR", "score": "DOUBLE",
    "comment": "VARCHAR",
}
FILTER_KEYS = ("source", "device", "language", "country", "customer_id")
ESCALATION = ("fallback_to_human", "open_ticket", "ticket", "contact_human")

LOAD_SQL = [
    # seq keeps file order: ties in time are broken by it, as METRICS.md asks.
    """CREATE TABLE ev AS
       SELECT row_number() OVER () AS seq, *
       FROM read_json($path, format = 'newline_delimited', columns = $columns)""",
    """CREATE TABLE msg AS
       SELECT seq, conversation_id, role, CAST(timestamp AS TIMESTAMPTZ) AS ts,
              coalesce(prompt_tokens, 0) AS prompt, coalesce(completion_tokens, 0) AS completion,
              coalesce(cost, 0) AS cost
       FROM ev WHERE type = 'message'""",
    # An action lasts duration_ms, else until ended_at, else it ends when it starts.
    """CREATE TABLE act AS
       SELECT conversation_id, name, CAST(started_at AS TIMESTAMPTZ) AS start,
              coalesce(duration_ms, (epoch_us(CAST(ended_at AS TIMESTAMPTZ))
                                     - epoch_us(CAST(started_at AS TIMESTAMPTZ))) / 1000) AS dur_ms,
              lower(coalesce(status, '')) = 'error' AS error
       FROM ev WHERE type = 'action'""",
    """CREATE TABLE fb AS
       SELECT conversation_id, CAST(timestamp AS TIMESTAMPTZ) AS ts,
              CASE WHEN rating IS NOT NULL THEN lower(rating)
                   WHEN score >= 4 THEN 'positive' WHEN score <= 2 THEN 'negative'
                   ELSE 'neutral' END AS kind
       FROM ev WHERE type = 'feedback'""",
    # Conversation end defaults to its last message or action end; engaged
    # means a user message anywhere. Both are per-conversation facts, so they
    # are computed once here rather than in every query.
    """CREATE TABLE conv AS
       WITH m AS (SELECT conversation_id, max(ts) AS last_ts, bool_or(role = 'user') AS engaged
                  FROM msg GROUP BY 1),
            a AS (SELECT conversation_id,
                         max(start + to_microseconds(CAST(round(coalesce(dur_ms, 0) * 1000) AS BIGINT))) AS last_end
                  FROM act GROUP BY 1)
       SELECT e.conversation_id, CAST(e.started_at AS TIMESTAMPTZ) AS started_at,
              coalesce(CAST(e.ended_at AS TIMESTAMPTZ),
                       greatest(m.last_ts, a.last_end)) AS end_ts,
              e.customer_id,
              CASE WHEN e.device IS NULL THEN 'unknown'
                   WHEN lower(e.device) IN ('desktop', 'tablet', 'mobile') THEN lower(e.device)
                   ELSE 'other' END AS device,
              coalesce(lower(e.source), 'unknown') AS source,
              coalesce(e.language, 'unknown') AS language,  -- clean data is already BCP 47 case
              coalesce(m.engaged, false) AS engaged
       FROM ev e LEFT JOIN m USING (conversation_id) LEFT JOIN a USING (conversation_id)
       WHERE e.type = 'conversation'""",
]

# One statement per question. {f} is the filter on the conversation c;
# $lo/$hi are the period bounds, $tz the display zone.
IN = "{t} >= $lo AND {t} < $hi"
QUESTIONS = {
    "messages_by_role": f"""
        SELECT m.role, count(*) FROM msg m JOIN conv c USING (conversation_id)
        WHERE {IN.format(t='m.ts')} AND {{f}} GROUP BY 1 ORDER BY 1""",
    "conversations": f"""
        SELECT count(*) AS total, count(*) FILTER (engaged) AS interactions,
               count(*) FILTER (NOT engaged) AS visits, count(DISTINCT customer_id) AS users
        FROM conv c WHERE {IN.format(t='c.started_at')} AND {{f}}""",
    # LAG over user/agent messages only: system and tool messages do not break
    # an exchange. Only messages before $hi can be part of one ending in range.
    "exchanges": f"""
        WITH seq AS (
            SELECT m.conversation_id, c.customer_id, m.role, m.ts,
                   lag(m.role) OVER w AS prev_role, lag(m.ts) OVER w AS prev_ts
            FROM msg m JOIN conv c USING (conversation_id)
            WHERE m.role IN ('user', 'agent') AND m.ts < $hi AND {{f}}
            WINDOW w AS (PARTITION BY m.conversation_id ORDER BY m.ts, m.seq)),
        ex AS (
            SELECT conversation_id, customer_id, epoch_us(ts) - epoch_us(prev_ts) AS rt_us
            FROM seq WHERE role = 'agent' AND prev_role = 'user' AND {IN.format(t='ts')})
        SELECT count(*) AS exchanges, avg(rt_us) / 1000 AS avg_ms,
               quantile_disc(rt_us, 0.5) / 1000 AS p50_ms,
               quantile_disc(rt_us, 0.95) / 1000 AS p95_ms,
               (SELECT count(*) FROM (SELECT customer_id FROM ex WHERE customer_id IS NOT NULL
                                      GROUP BY 1 HAVING count(*) >= 2)) AS active_users,
               coalesce(count(*) / nullif(count(DISTINCT conversation_id), 0), 0) AS per_conv
        FROM ex""",
    "avg_duration": f"""
        SELECT avg(epoch_us(end_ts) - epoch_us(started_at)) / 1e6 FROM conv c
        WHERE engaged AND {IN.format(t='c.started_at')} AND {{f}}""",
    "peak_hours": f"""
        SELECT isodow(timezone($tz, m.ts)) - 1 AS weekday, hour(timezone($tz, m.ts)) AS hour,
               count(*)
        FROM msg m JOIN conv c USING (conversation_id)
        WHERE {IN.format(t='m.ts')} AND {{f}} GROUP BY 1, 2 ORDER BY 1, 2""",
    # Every local day of the period gets a row, empty days included.
    "daily": f"""
        WITH days AS (
            SELECT CAST(d AS DATE) AS day FROM generate_series(
                CAST(timezone($tz, $lo) AS DATE),
                CAST(timezone($tz, $hi - INTERVAL 1 millisecond) AS DATE), INTERVAL 1 DAY) t(d)),
        m AS (
            SELECT CAST(timezone($tz, m.ts) AS DATE) AS day, m.conversation_id, c.customer_id,
                   m.prompt + m.completion AS tokens, m.cost
            FROM msg m JOIN conv c USING (conversation_id)
            WHERE {IN.format(t='m.ts')} AND {{f}})
        SELECT days.day, count(m.day), count(DISTINCT m.conversation_id),
               count(DISTINCT m.customer_id), coalesce(sum(m.tokens), 0), coalesce(sum(m.cost), 0)
        FROM days LEFT JOIN m USING (day) GROUP BY 1 ORDER BY 1""",
    "tools": f"""
        SELECT a.name, count(*) AS n, avg(a.dur_ms), count(*) FILTER (a.error)
        FROM act a JOIN conv c USING (conversation_id)
        WHERE {IN.format(t='a.start')} AND {{f}} GROUP BY 1 ORDER BY n DESC, a.name""",
    **{dim: f"""
        SELECT c.{dim[:-1]}, count(*) FROM conv c
        WHERE {IN.format(t='c.started_at')} AND {{f}} GROUP BY 1 ORDER BY 1"""
       for dim in ("devices", "sources", "languages")},
    # An escalation tool called at any time counts, not only in range.
    "escalated": f"""
        SELECT count(*) FROM conv c
        WHERE c.engaged AND {IN.format(t='c.started_at')} AND {{f}}
          AND EXISTS (SELECT 1 FROM act a WHERE a.conversation_id = c.conversation_id
                      AND lower(a.name) IN {ESCALATION})""",
    "feedback": f"""
        SELECT count(*) FILTER (kind = 'positive'), count(*) FILTER (kind = 'negative'),
               count(*) FILTER (kind = 'neutral')
        FROM fb JOIN conv c USING (conversation_id)
        WHERE {IN.format(t='coalesce(fb.ts, c.end_ts, c.started_at)')} AND {{f}}""",
    "tokens": f"""
        SELECT coalesce(sum(m.prompt), 0), coalesce(sum(m.completion), 0), coalesce(sum(m.cost), 0)
        FROM msg m JOIN conv c USING (conversation_id)
        WHERE {IN.format(t='m.ts')} AND {{f}}""",
}


def parse_instant(text):
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(dt.timezone.utc)


def norm_filter(key, value):
    """A filter value in the normal form of its dimension (see FORMAT.md)."""
    value = value.strip()
    if key == "device":
        v = value.lower()
        return v if v in ("desktop", "tablet", "mobile", "unknown") else "other"
    if key == "source":
        return value.lower()
    if key == "language" and value.lower() != "unknown":
        parts = value.replace("_", "-").split("-")
        return "-".join([parts[0].lower()] + [p.title() if len(p) == 4 else p.upper() if len(p) == 2
                                              else p.lower() for p in parts[1:]])
    return value


def build_filter(specs):
    """Filters as SQL: values of one key are ORed, keys are ANDed."""
    values = {}
    for spec in specs:
        key, _, value = spec.partition("=")
        if key not in FILTER_KEYS:
            sys.exit(f"unknown filter key {key!r}; keys: {', '.join(FILTER_KEYS)}")
        values.setdefault(key, []).append(value)
    if "country" in values:
        print("note: country filter ignored (needs geolocation, not available in DuckDB)",
              file=sys.stderr)
    clauses, params = [], {}
    for key, vals in values.items():
        if key == "country":
            continue
        names = []
        for v in vals:
            name = f"f{len(params)}"
            params[name] = norm_filter(key, v)
            names.append("$" + name)
        clauses.append(f"c.{key} IN ({', '.join(names)})")
    return " AND ".join(clauses) or "TRUE", params, values


def run_questions(con, sqls, bound):
    """Runs every question for both periods; returns ({name: ms}, {name: query-period rows})."""
    times, first = {}, {}
    for name, sql in sqls.items():
        start = time.perf_counter()
        rows = [con.execute(sql, params).fetchall() for params in bound[name]]
        times[name] = (time.perf_counter() - start) * 1000
        first[name] = rows[0]
    return times, first


def main():
    ap = argparse.ArgumentParser(description="DuckDB side of the Rapport dashboard benchmark.")
    ap.add_argument("events", help="clean JSON Lines dump from gen_events.py")
    ap.add_argument("--from", dest="start", required=True, help="RFC 3339 instant, inclusive")
    ap.add_argument("--to", dest="end", required=True, help="RFC 3339 instant, exclusive")
    ap.add_argument("--tz", default="UTC", help="IANA display zone for days and hours")
    ap.add_argument("--filter", action="append", default=[], help="key=value, repeatable")
    ap.add_argument("--repeat", type=int, default=5, help="timed runs after one warm-up")
    ap.add_argument("--save", metavar="FILE", help="load into this database file (made anew) instead of memory")
    ap.add_argument("--open", metavar="FILE", help="answer once from a file --save made; no load")
    ap.add_argument("--load-only", action="store_true", help="load, then print the load's figures; ask nothing")
    a = ap.parse_args()

    where, fparams, fvalues = build_filter(a.filter)
    lo, hi = parse_instant(a.start), parse_instant(a.end)
    periods = [{"lo": lo, "hi": hi, "tz": a.tz, **fparams},
               {"lo": lo - (hi - lo), "hi": lo, "tz": a.tz, **fparams}]  # previous period
    # Questions are written without $tz where they need no zone; DuckDB
    # rejects unused named parameters, so each gets only what it uses.
    sqls = {name: sql.replace("{f}", where) for name, sql in QUESTIONS.items()}
    bound = {name: [{k: v for k, v in p.items() if "$" + k in sql} for p in periods]
             for name, sql in sqls.items()}

    if a.open:
        con = duckdb.connect(a.open, read_only=True)
        con.execute("SET TimeZone = 'UTC'")
        _, first = run_questions(con, sqls, bound)
        roles = dict(first["messages_by_role"])
        print(json.dumps({"engine": "duckdb", "results": {"total_messages": sum(roles.values())}}))
        return
    if a.save:
        for suffix in ("", ".wal"):
            if os.path.exists(a.save + suffix):
                os.remove(a.save + suffix)
    con = duckdb.connect(a.save or ":memory:")
    con.execute("SET TimeZone = 'UTC'")  # parsing only; local time goes through timezone($tz, ...)
    start = time.perf_counter()
    for sql in LOAD_SQL:
        con.execute(sql, {"path": a.events, "columns": COLUMNS} if "$path" in sql else None)
    if a.save:
        con.execute("CHECKPOINT")
    load_s = time.perf_counter() - start
    saved_bytes = os.path.getsize(a.save) if a.save else None
    events = con.execute("SELECT count(*) FROM ev").fetchone()[0]
    print(f"note: loaded {events} events in {load_s:.3f} s", file=sys.stderr)
    if a.load_only:
        print(json.dumps({"engine": "duckdb", "events": events, "load_s": round(load_s, 4)}))
        return

    _, first = run_questions(con, sqls, bound)  # warm-up; its results are the ones reported
    runs = [run_questions(con, sqls, bound)[0] for _ in range(max(1, a.repeat))]
    questions = {name: round(statistics.median(r[name] for r in runs), 3) for name in sqls}
    total_ms = statistics.median(sum(r.values()) for r in runs)

    roles = dict(first["messages_by_role"])
    total, interactions, _, users = first["conversations"][0]
    _, avg_ms, _, p95_ms, _, _ = first["exchanges"][0]
    print(json.dumps({
        "engine": "duckdb",
        "duckdb_version": duckdb.__version__,
        "events": events,
        "load_s": round(load_s, 4),
        "events_per_s": round(events / load_s) if load_s else None,
        "saved_bytes": saved_bytes,
        "query_ms": round(total_ms, 3),
        "questions": questions,
        "filters": fvalues,
        "results": {
            "total_messages": sum(roles.values()),
            "total_conversations": total,
            "interactions": interactions,
            "unique_users": users,
            "avg_response_time_ms": avg_ms,
            "p95_response_time_ms": p95_ms,
        },
    }))


if __name__ == "__main__":
    main()
