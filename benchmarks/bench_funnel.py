"""A 4-step ordered funnel with a 7-day window: the kit against a floor, plain SQL, polars and retentioneering.

Steps ``home -> itinerary_consult -> booking_form -> booking_submit`` (a step is the page of a
``page_view``, else the event name) over the synthetic ``events`` table of ``_common`` (about 100 events
per member over 75 days). Each implementation runs in a fresh interpreter on the same table:

- ``kit``: ``helpers.funnel.build_funnel(events, steps, window_days=7)`` on the DuckDB file: its
  ``"auto"`` method takes the compiled scan (``helpers/_funnel_scan.pyx``, built by ``make setup``):
  the step events fetched in stored order, one pass per member in two threads.
- ``floor``: DuckDB ``count(DISTINCT member_id)`` per node over the same table restricted to the four
  step nodes: one scan and one hash aggregate, no order at all; no funnel can cost less. (Its counts
  bound the funnel's from above; step 1 must agree, and that is its check.)
- ``floor_lc``: the same count with the kit's own filter: ``event``/``page`` tested against the node
  lists with ``list_contains``, which DuckDB 1.4 evaluates 1.5-2.5x faster than the floor's ``IN``
  over the derived node. The issue's target is judged against ``floor``; this row shows how far the kit is from
  the cheapest reading of the step events found here (informational, no target).
- ``sql``: a plain SQL funnel in DuckDB: every step-1 event is an anchor; the anchors are joined to the
  next step's events after the previous matched step and within 7 days of the anchor, keeping the
  earliest (greedy earliest is optimal, so it counts every member who has some valid chain).
- ``polars``: the same anchors in polars: scan Parquet, sort, then per step a forward ``join_asof``
  (strictly later event of the next step, by member) and the window filter.
- ``retentioneering3`` (3.3.0, the last release with the pandas ``Eventstream`` and ``funnel_type``;
  its own venv ``benchmarks/.venv-rete``, as it needs pandas<2): ``pd.read_parquet`` (timed as
  ``load``), then the ``Eventstream`` built from that pandas frame and ``stream.funnel(stages,
  funnel_type="closed")``.
- ``retentioneering5`` (5.2.4, the current release, whose ``Eventstream`` sorts and indexes the pandas
  frame and whose funnel is one DuckDB query; venv ``benchmarks/.venv-rete5``): the same load, then
  ``Eventstream(df, schema=...)`` and ``stream.funnel_data(steps)``.

Definitional difference: retentioneering has no conversion window. Its ordered funnels (3.3
``closed``: each stage counted among users present at every previous stage, in order; 5.2: a path
reaches step k when events of steps 1..k occur at increasing positions) are the ordered funnel
*without* a window, so their counts are checked against ``kit_nowin`` (``build_funnel(...,
window_days=None)``, timed in the same run), while their time is set against the kit's 7-day funnel
(the no-window kit costs about the same). Equal time stamps are also treated differently (3.3 lets
step 2 share the step-1 time stamp, 5.2 orders ties by row position, the kit needs strictly later
times); random microsecond times make a tie within a member vanishingly rare (the check would show
one). 3.3's ``open`` funnel counts each stage without order (that is the floor) and ``hybrid`` ignores
the order after step 1. Each retentioneering version is timed up to a size (``--rete-max``,
``--rete5-max``); ratios are reported at the sizes measured.

Usage: ``python benchmarks/bench_funnel.py --events 1e6 1e7 5e7`` (``--quick``: 1e5 only). The venvs:
``python3.11 -m venv benchmarks/.venv-rete && benchmarks/.venv-rete/bin/pip install -r
benchmarks/requirements-retentioneering.txt`` (likewise ``.venv-rete5`` from
``requirements-retentioneering5.txt``; ``make bench`` does both); without one, its row says so and the
rest runs.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (RETE5_PYTHON, RETE_PYTHON, Case, Table, Target, add_options, begin, layout, fingerprint, make_data,  # noqa: E402
                     finish, run_best, versions)

STEPS = ["home", "itinerary_consult", "booking_form", "booking_submit"]
WINDOW_DAYS = 7
NODE = "CASE WHEN event = 'page_view' THEN page ELSE event END"
STEP_LIST = ", ".join(f"'{s}'" for s in STEPS)  # constants of this script, not data
PAGES_EVENTS = f"(event = 'page_view' AND list_contains([{STEP_LIST}], page)) OR list_contains([{STEP_LIST}], event)"


def sql_funnel(steps: list[str], window_us: int) -> str:
    """The plain anchor-join funnel (DuckDB SQL), one CTE per step."""
    ctes = [f"s AS (SELECT member_id, epoch_us(ts) AS us, {NODE} AS node FROM events WHERE {NODE} IN ({STEP_LIST}))",
            f"step1 AS (SELECT DISTINCT member_id, us AS t0, us AS t FROM s WHERE node = '{steps[0]}')"]
    for k, step in enumerate(steps[1:], start=2):
        ctes.append(f"step{k} AS (SELECT a.member_id, a.t0, min(s.us) AS t FROM step{k - 1} a JOIN s "
                    f"ON s.member_id = a.member_id AND s.node = '{step}' AND s.us > a.t AND s.us <= a.t0 + {window_us} "
                    f"GROUP BY a.member_id, a.t0)")
    counts = ", ".join(f"(SELECT count(DISTINCT member_id) FROM step{k})" for k in range(1, len(steps) + 1))
    return f"WITH {', '.join(ctes)} SELECT {counts}"


KIT = """
from helpers import warehouse
from helpers.funnel import build_funnel
con = warehouse.connect(P['db'], read_only=True)
ev = con.table('events')
"""
RAW = """
import duckdb
c = duckdb.connect(P['db'], read_only=True)
c.execute("SET TimeZone = 'Asia/Shanghai'")
"""

CASES = {
    "kit": Case("kit", KIT, work="RESULT = [int(x) for x in build_funnel(ev, P['steps'], window_days=P['window_days'])['members']]"),
    "floor": Case("floor", RAW, work=f"""
        rows = c.sql("SELECT {NODE} AS node, count(DISTINCT member_id) FROM events WHERE {NODE} IN ({STEP_LIST}) GROUP BY 1").fetchall()
        RESULT = dict(rows)
        """),
    "floor_lc": Case("floor_lc", RAW, work=f"""
        rows = c.sql("SELECT {NODE} AS node, count(DISTINCT member_id) FROM events WHERE {PAGES_EVENTS} GROUP BY 1").fetchall()
        RESULT = dict(rows)
        """),
    "sql": Case("sql", RAW, work="RESULT = list(c.sql(P['sql']).fetchone())"),
    "polars": Case("polars", "import polars as pl", work="""
        W, steps = P['window_us'], P['steps']
        df = (pl.scan_parquet(P['events'])
              .select('member_id', pl.col('ts').dt.epoch('us').alias('us'),
                      pl.when(pl.col('event') == 'page_view').then(pl.col('page')).otherwise(pl.col('event')).alias('node'))
              .filter(pl.col('node').is_in(steps))
              .collect())
        per = {s: df.filter(pl.col('node') == s).select('member_id', 'us').sort('us') for s in steps}
        cur = per[steps[0]].select('member_id', t0=pl.col('us'), t=pl.col('us'))
        counts = [cur['member_id'].n_unique()]
        for s in steps[1:]:
            nxt = per[s].rename({'us': 't_next'})
            cur = (cur.join_asof(nxt, left_on='t', right_on='t_next', by='member_id', strategy='forward',
                                 allow_exact_matches=False, check_sortedness=False)
                      .filter(pl.col('t_next') - pl.col('t0') <= W)
                      .select('member_id', 't0', t=pl.col('t_next'))
                      .sort('t'))
            counts.append(cur['member_id'].n_unique())
        RESULT = counts
        """),
    "kit_nowin": Case("kit_nowin", KIT, work="RESULT = [int(x) for x in build_funnel(ev, P['steps'], window_days=None)['members']]"),  # reference for retentioneering (no window)
    "retentioneering3": Case("retentioneering3", """
        import numpy as np, pandas as pd
        from retentioneering.eventstream import Eventstream
        """, load="df = pd.read_parquet(P['events'], columns=['member_id', 'ts', 'event', 'page'])", work="""
        df['node'] = np.where(df['event'] == 'page_view', df['page'], df['event'])
        df['ts'] = df['ts'].dt.tz_convert('Asia/Shanghai').dt.tz_localize(None)
        stream = Eventstream(df[['member_id', 'ts', 'node']],
                             raw_data_schema={'user_id': 'member_id', 'event_name': 'node', 'event_timestamp': 'ts'})
        f = stream.funnel(stages=list(P['steps']), funnel_type='closed', show_plot=False)
        RESULT = [int(x) for x in f.values['unique_users']]
        """, python=RETE_PYTHON, env={"RETE_TRACKER_ENABLED": "false"}),
    "retentioneering5": Case("retentioneering5", """
        import numpy as np, pandas as pd
        from retentioneering import Eventstream
        """, load="df = pd.read_parquet(P['events'], columns=['member_id', 'ts', 'event', 'page'])", work="""
        df['node'] = np.where(df['event'] == 'page_view', df['page'], df['event'])
        df['ts'] = df['ts'].dt.tz_convert('Asia/Shanghai').dt.tz_localize(None)
        stream = Eventstream(df[['member_id', 'ts', 'node']],
                             schema={'path_cols': ['member_id'], 'event_col': 'node', 'timestamp_col': 'ts'})
        RESULT = [int(s['unique_paths']) for s in stream.funnel_data(list(P['steps']))['steps']]
        """, python=RETE5_PYTHON, env={"RETENTIONEERING_NO_TRACK": "1"}),
}

FLOOR = Target("the floor", "at_most", 1.0)
FLOOR_LC = Target("the list_contains floor", "at_most", 1.0)  # informational: printed, not counted as a target
RETE = {"retentioneering3": Target("retentioneering 3.3", "faster", 150.0),
        "retentioneering5": Target("retentioneering 5.2", "faster", 150.0)}
RETE_VENV = {"retentioneering3": RETE_PYTHON, "retentioneering5": RETE5_PYTHON}
PEAK_LIMIT_MB = 8 * 1024


def check(name: str, result, kit, kit_nowin) -> str:
    if name == "kit":
        return "reference"
    if name in ("floor", "floor_lc"):
        bound_ok = result.get(STEPS[0]) == kit[0] and all(result.get(s, 0) >= v for s, v in zip(STEPS, kit))
        return "ok" if bound_ok else "MISMATCH"
    if name == "kit_nowin":
        return "reference"  # the no-window funnel retentioneering is checked against
    if name.startswith("retentioneering"):
        return "ok (no win)" if result == kit_nowin else "MISMATCH"
    return "ok" if result == kit else "MISMATCH"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_options(ap, "events", ["1e6", "1e7", "5e7"])
    ap.add_argument("--cases", nargs="+", default=list(CASES), choices=list(CASES))
    ap.add_argument("--rete-max", type=float, default=1e6, help="largest size at which retentioneering 3 is timed")
    ap.add_argument("--rete5-max", type=float, default=1e7, help="largest size at which retentioneering 5 is timed")
    args = ap.parse_args(argv)
    sizes, tee = begin(args, "events")
    window_us = WINDOW_DAYS * 86_400 * 1_000_000
    table = Table(f"A. Funnel: 4 ordered steps, {WINDOW_DAYS}-day window ({', '.join(STEPS)})", "events")
    table.header()
    targets, failures = [], []
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="bench_funnel_") as d:
            data = make_data(Path(d), n, ("events",), layout(args))
            params = {**data, "steps": STEPS, "window_days": WINDOW_DAYS, "window_us": window_us,
                      "sql": sql_funnel(STEPS, window_us)}
            limits = {"retentioneering3": args.rete_max, "retentioneering5": args.rete5_max}
            want = [c for c in CASES if c in args.cases and n <= limits.get(c, float("inf"))]
            skipped = [c for c in limits if c in args.cases and c not in want]
            if not any(c.startswith("retentioneering") for c in want):
                want = [c for c in want if c != "kit_nowin"]
            res = {}
            for name in ["kit"] + [c for c in want if c != "kit"]:
                case = CASES[name]
                if name in RETE_VENV and not RETE_VENV[name].exists():
                    print(f"{n:>12,} {name:>22}  skipped: no {RETE_VENV[name].parent.parent.name} venv "
                          "(make bench creates it from benchmarks/requirements-retentioneering*.txt)")
                    continue
                r = run_best(case, params, Path(d) / name, args.repeat, args.timeout)
                res[name] = r
                kit_r = res["kit"]
                if r["status"] != "ok":
                    chk = r["status"]
                    if name in ("kit", "sql", "polars", "floor", "floor_lc", "kit_nowin"):
                        failures.append(f"{n:,} {name}: {r['status']}: {r['error']}")
                elif kit_r["status"] != "ok":
                    chk = "-"
                else:
                    chk = check(name, r["result"], kit_r["result"],
                                res.get("kit_nowin", {}).get("result"))
                    if chk == "MISMATCH":
                        failures.append(f"{n:,} {name}: {r['result']} vs kit {kit_r['result']}"
                                        + (f" (no window: {res['kit_nowin']['result']})" if name in RETE else ""))
                target = ""
                if name == "floor":
                    v, ok, target = FLOOR.judge(kit_r["seconds"], r["seconds"])
                    targets.append({"size": n, "target": "funnel <= 1.0x floor", "value": v, "pass": ok, "verdict": target})
                elif name == "floor_lc":
                    v, _, verdict = FLOOR_LC.judge(kit_r["seconds"], r["seconds"])
                    target = verdict.split(" (target")[0] + " (informational)"
                elif name in RETE:
                    v, ok, target = RETE[name].judge(kit_r["seconds"], r["seconds"])
                    targets.append({"size": n, "target": f"funnel >= 150x faster than {RETE[name].what}", "value": v,
                                    "pass": ok, "verdict": target})
                elif name == "kit":
                    ok = r["peak_mb"] < PEAK_LIMIT_MB
                    target = f"peak < {PEAK_LIMIT_MB:,} MB: " + ("PASS" if ok else "MISS")
                    targets.append({"size": n, "target": "kit peak < 8 GB", "value": r["peak_mb"], "pass": ok,
                                    "verdict": f"kit peak {r['peak_mb']:,.0f} MB ({target})"})
                table.add(n, name, r, kit_r["seconds"] if kit_r["status"] == "ok" else None, chk, target,
                          counts=r["result"] if r["status"] == "ok" else None)
            for name in skipped:
                flag = "--rete-max" if name == "retentioneering3" else "--rete5-max"
                print(f"{n:>12,} {name:>22}  not timed at this size (above {flag} {limits[name]:,.0f}); "
                      "see the smaller sizes")
            nowin = res.get("kit_nowin", {}).get("result")
            print(f"{'':>12} {'(counts)':>22}  kit {res['kit']['result'] if res['kit']['status'] == 'ok' else '-'}"
                  + (f", no window {nowin}" if nowin else "") + "; "
                  f"data generation {data['generate_seconds']:.1f} s")
    meta = {"sizes": sizes, "steps": STEPS, "window_days": WINDOW_DAYS, "rete_max": args.rete_max,
            "rete5_max": args.rete5_max,
            "versions": versions({f"{k} (retentioneering, pandas, numpy)": p for k, p in RETE_VENV.items() if p.exists()}),
            "kit": fingerprint(["helpers/funnel.py", "helpers/_engine.py", "helpers/warehouse.py"])}
    return finish("funnel", args, table.rows, targets, meta, tee, failures)


if __name__ == "__main__":
    sys.exit(main())
