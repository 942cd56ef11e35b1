"""Member analytics at 1e6 and 1e7 events, each beside a floor measured in the same run on the same table.

For every size a synthetic ``events`` table (canonical columns; members, pages and times drawn in DuckDB)
is written to a temporary DuckDB file; every case then runs in its own fresh interpreter so its peak
resident memory (``ru_maxrss``, DuckDB included) is its own. Printed: seconds of the work itself (after
imports and connecting), the ratio to the case's floor, and peak MB of the process.

- funnel: ``helpers.funnel.build_funnel`` (home -> itinerary_consult -> booking_form -> booking_submit,
  14-day window) vs the floor ``count(DISTINCT member_id)`` per node, restricted to the step events.
- cohorts: ``helpers.retention.cohort_retention`` (weekly, recurring) vs the floor
  ``count(DISTINCT member_id)`` per day.
- rfm: ``helpers.rfm.score_rfm`` on an ``orders`` table with as many rows as events vs the floor, a bare
  DuckDB group-by (count, sum, max per member).
- daily_kpis: ``helpers.kpi.daily_active`` vs the floor ``count(DISTINCT member_id)`` per day.

Usage: ``python benchmarks/bench_members.py --events 1e6 1e7``.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STEPS = ["home", "itinerary_consult", "booking_form", "booking_submit"]

# one row per event; about 100 events per member over the 75 study days; pages follow rough traffic shares
MAKE_EVENTS = """
import duckdb
con = duckdb.connect(r'{db}')
con.execute("SET TimeZone = 'Asia/Shanghai'")
con.execute("SELECT setseed(0.7)")
con.execute('''
CREATE TABLE events AS
WITH r AS (SELECT i, random() AS u, random() AS v, random() AS w FROM range({n}) t(i))
SELECT 'm' || lpad(CAST(CAST(floor(v * {members}) AS BIGINT) AS VARCHAR), 8, '0') AS member_id,
       TIMESTAMPTZ '2026-06-01 00:00:00+08' + to_microseconds(CAST(floor(w * 75 * 86400e6) AS BIGINT)) AS ts,
       CASE WHEN u < 0.03 THEN 'booking_submit' WHEN u < 0.15 THEN 'click' WHEN u < 0.30 THEN 'post_view'
            WHEN u < 0.35 THEN 'like' ELSE 'page_view' END AS event,
       NULL::VARCHAR AS community_id,
       CASE WHEN u < 0.03 THEN 'booking_form' WHEN u < 0.30 THEN 'post_detail'
            WHEN u < 0.35 THEN 'post_detail' WHEN u < 0.55 THEN 'home' WHEN u < 0.68 THEN 'itinerary_consult'
            WHEN u < 0.76 THEN 'booking_form' WHEN u < 0.88 THEN 'content_list' ELSE 'mall' END AS page,
       NULL::VARCHAR AS content_id, NULL::VARCHAR AS content_type, NULL::DOUBLE AS x, NULL::DOUBLE AS y,
       NULL::VARCHAR AS campaign
FROM r''')
con.execute('''
CREATE TABLE orders AS
WITH r AS (SELECT i, random() AS v, random() AS w, random() AS a FROM range({n}) t(i))
SELECT 'o' || i AS order_id, 'm' || lpad(CAST(CAST(floor(v * {members}) AS BIGINT) AS VARCHAR), 8, '0') AS member_id,
       TIMESTAMPTZ '2025-06-01 00:00:00+08' + to_microseconds(CAST(floor(w * 440 * 86400e6) AS BIGINT)) AS ts,
       round(20 + 400 * a * a, 2) AS amount, 'skincare' AS product_category
FROM r''')
con.execute("CREATE TABLE messages (msg_id VARCHAR, community_id VARCHAR, sender_id VARCHAR, sender_type VARCHAR, "
            "ts TIMESTAMPTZ, msgtype VARCHAR, text VARCHAR)")
con.close()
"""

OPEN = ("from helpers import warehouse; con = warehouse.connect(r'{db}', read_only=True); "
        "ev = con.table('events')")
RAW = "import duckdb; c = duckdb.connect(r'{db}', read_only=True); c.execute(\"SET TimeZone = 'Asia/Shanghai'\")"
NODE = "CASE WHEN event = 'page_view' THEN page ELSE event END"

CASES = {
    # name: (set-up code, timed code, floor case or None); only the timed code counts in `seconds`
    "funnel": (OPEN + "; from helpers.funnel import build_funnel",
               f"build_funnel(ev, {STEPS!r}, window_days=14)", "funnel_floor"),
    "funnel_floor": (RAW, f"c.sql(\"SELECT {NODE} AS node, count(DISTINCT member_id) FROM events "
                          f"WHERE {NODE} IN ({', '.join(repr(s) for s in STEPS)}) GROUP BY 1\").fetchall()", None),
    "cohorts": (OPEN + "; from helpers.retention import cohort_retention", "cohort_retention(ev, 'week')",
                "daily_floor"),
    "daily_floor": (RAW, "c.sql('SELECT CAST(ts AS DATE) AS day, count(DISTINCT member_id) FROM events GROUP BY 1')"
                         ".fetchall()", None),
    # RFM on as many orders as events: quintile scores and segments vs a bare count/sum/max per member
    "rfm": (OPEN + "; from helpers.rfm import score_rfm", "score_rfm(con.table('orders'), '2026-08-15')", "rfm_floor"),
    "rfm_floor": (RAW, "c.sql('SELECT member_id, count(*), sum(amount), max(ts) FROM orders GROUP BY 1').fetchall()",
                  None),
    # daily active members (activity events; the messages table is empty here) vs count-distinct by day
    "daily_kpis": (OPEN + "; from helpers import kpi",
                   "kpi.daily_active(ev, con.table('messages'), '2026-06-01', '2026-08-15')", "daily_floor"),
}


def measure(setup: str, work: str = "") -> tuple[float, float]:
    """Seconds spent in ``work`` and peak resident MB of the whole child (``setup`` then ``work`` in a
    fresh interpreter; ``ru_maxrss`` includes DuckDB's memory since it runs in-process). Imports and
    connecting are in ``setup``, so they do not count."""
    code = (setup + "\nimport time, resource\n_t = time.perf_counter()\n" + (work or "pass") +
            "\nprint('SECONDS', time.perf_counter() - _t)"
            "\nprint('PEAK_KB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    done = subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HOME": str(Path.home())})
    lines = dict(line.split() for line in done.stdout.strip().splitlines()[-2:])
    return float(lines["SECONDS"]), int(lines["PEAK_KB"]) / 1024


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=float, nargs="+", default=[1e6, 1e7])
    ap.add_argument("--cases", nargs="+", default=list(CASES), choices=list(CASES))
    args = ap.parse_args(argv)
    print(f"{'events':>12} {'case':>14} {'seconds':>9} {'x floor':>8} {'peak MB':>9}")
    for n in args.events:
        n = int(n)
        with tempfile.TemporaryDirectory(prefix="bench_members_") as d:
            db = str(Path(d) / "bench.duckdb")
            measure(MAKE_EVENTS.format(db=db, n=n, members=max(1, n // 100)))
            results = {name: measure(setup.format(db=db), work) for name, (setup, work, _) in CASES.items()
                       if name in args.cases or any(CASES[c][2] == name for c in args.cases)}
            for name in args.cases:
                sec, peak = results[name]
                floor = CASES[name][2]
                ratio = f"{sec / results[floor][0]:>8.1f}" if floor else f"{'-':>8}"
                print(f"{n:>12,} {name:>14} {sec:>9.2f} {ratio} {peak:>9,.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
