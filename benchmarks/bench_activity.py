"""Daily KPIs and the weekly cohort matrix: the kit against plain pandas, polars and vectorized numpy.

The synthetic ``events`` table of ``_common``; each implementation in a fresh interpreter on the same
table (the kit on the DuckDB file, the others on its Parquet copy):

C1. **Daily active members** over the 75 study days: ``helpers.kpi.daily_active(events, messages, start,
    end)`` (a member is active on a local day with a ``post``, ``comment`` or ``like``; the messages
    table is empty here, so the baselines read the events alone), one row per day, zeros included.
C2. **Weekly cohort matrix**: ``helpers.retention.cohort_retention(events, "week")`` (cohort = local
    Monday week of the first event, period k = weeks since, members active in week k, recurring), one
    row per cohort and observed period with ``complete`` flags.

Baselines, each written the way an analyst would in that library:

- ``pandas``: ``pd.read_parquet`` (timed as ``load``; the daily case pushes the event filter into the
  reader), local days by ``tz_convert``, ``drop_duplicates`` / ``groupby``.
- ``polars``: a lazy query from ``scan_parquet`` (the read is inside ``work``): local dates,
  ``dt.truncate("1w")``, ``group_by``; the small distinct member-week table is then finished eagerly.
- ``numpy``: ``pyarrow.parquet.read_table`` (``load``), member ids dictionary-encoded by pyarrow, local
  day numbers from epoch microseconds plus the zone's fixed offset (Asia/Shanghai has had no DST since
  1991; checked), then ``np.unique`` on ``member * n + day`` (or week) keys and ``np.bincount``.

All must give identical numbers (days and counts; cohorts, periods, sizes, members, complete flags);
a mismatch fails the run. Usage: ``python benchmarks/bench_activity.py --events 1e7 5e7`` (``--quick``:
1e5). ``--pandas-max`` skips the pandas baselines above a size (default: none skipped).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (ACTIVITY_EVENTS, STUDY_END, STUDY_START, TZ, Case, Table, Target,  # noqa: E402
                     add_options, begin, layout, fingerprint, make_data, finish, run_best, versions)

KIT = """
from helpers import warehouse
con = warehouse.connect(P['db'], read_only=True)
ev = con.table('events')
"""

# the cohort x period grid from cohort sizes, observed cells and the last event's local day, as
# cohort_retention defines it (periods while cohort + k weeks <= last day; complete when the period
# ends by the day after the last day); shared by the baselines: it is a few hundred cells at most
GRID = """
import numpy as np, pandas as pd

def cohort_grid(sizes, cells, last_day):
    # sizes: DataFrame cohort (datetime64 day), cohort_size; cells: cohort, period, members; last_day: Timestamp
    parts = []
    for c, n in zip(sizes['cohort'], sizes['cohort_size']):
        span = (pd.Timestamp(last_day) - pd.Timestamp(c)).days
        k = np.arange(span // 7 + 1)
        parts.append(pd.DataFrame({'cohort': pd.Timestamp(c), 'period': k, 'cohort_size': int(n),
                                   'complete': 7 * (k + 1) <= span + 1}))
    grid = pd.concat(parts, ignore_index=True)
    cells = cells.assign(cohort=pd.to_datetime(cells['cohort']), period=cells['period'].astype('int64'))
    out = grid.merge(cells, on=['cohort', 'period'], how='left')
    out['members'] = out['members'].fillna(0).astype('int64')
    out['retention'] = out['members'] / out['cohort_size']
    return out[['cohort', 'period', 'cohort_size', 'members', 'retention', 'complete']]
"""

NUMPY_SETUP = """
import numpy as np, pandas as pd, pyarrow.compute as pc, pyarrow.parquet as pq
DAY_US = 86_400_000_000
_start, _end = pd.Timestamp(P['start'], tz=P['tz']), pd.Timestamp(P['end'], tz=P['tz'])
OFF = int(_start.utcoffset().total_seconds() * 1_000_000)  # the zone's offset, constant over the data:
assert _end.utcoffset() == _start.utcoffset() == pd.Timestamp('2025-01-01', tz=P['tz']).utcoffset()

def member_codes(col):
    return pc.dictionary_encode(col.combine_chunks()).indices.to_numpy().astype(np.int64)

def epoch_us(col):
    return col.combine_chunks().cast('int64').to_numpy()
"""

DAILY = {
    "kit": Case("kit", KIT + "from helpers import kpi",
                work="RESULT = kpi.daily_active(ev, con.table('messages'), P['start'], P['end'])"),
    "pandas": Case("pandas", "import pandas as pd", load="""
        df = pd.read_parquet(P['events'], columns=['member_id', 'ts'], filters=[('event', 'in', P['activity'])])
        """, work="""
        local = df['ts'].dt.tz_convert(P['tz']).dt.tz_localize(None)
        keep = (local >= pd.Timestamp(P['start'])) & (local < pd.Timestamp(P['end']))
        per_day = (df[keep].assign(day=local[keep].dt.normalize())
                   .groupby('day')['member_id'].nunique())
        days = pd.date_range(P['start'], P['end'], inclusive='left', name='day')
        RESULT = per_day.reindex(days, fill_value=0).rename('active_members').reset_index()
        """),
    "polars": Case("polars", "import datetime as dt, zoneinfo, polars as pl", work="""
        z = zoneinfo.ZoneInfo(P['tz'])
        start, end = dt.datetime.fromisoformat(P['start']), dt.datetime.fromisoformat(P['end'])
        per_day = (pl.scan_parquet(P['events'])
                   .filter(pl.col('event').is_in(P['activity']))
                   .select('member_id', local=pl.col('ts').dt.convert_time_zone(P['tz']))
                   .filter((pl.col('local') >= start.replace(tzinfo=z)) & (pl.col('local') < end.replace(tzinfo=z)))
                   .group_by(day=pl.col('local').dt.date())
                   .agg(active_members=pl.col('member_id').n_unique())
                   .collect())
        days = pl.DataFrame({'day': pl.date_range(start.date(), end.date(), '1d', closed='left', eager=True)})
        RESULT = days.join(per_day, on='day', how='left').with_columns(pl.col('active_members').fill_null(0)).sort('day')
        """),
    "numpy": Case("numpy", NUMPY_SETUP,
                  load="t = pq.read_table(P['events'], columns=['member_id', 'ts'], filters=[('event', 'in', P['activity'])])",
                  work="""
        d0 = (pd.Timestamp(P['start']).value // 1000) // DAY_US  # local day number of the first day
        nd = (pd.Timestamp(P['end']) - pd.Timestamp(P['start'])).days
        day = (epoch_us(t['ts']) + OFF) // DAY_US - d0
        keep = (day >= 0) & (day < nd)
        key = member_codes(t['member_id'])[keep] * nd + day[keep]
        counts = np.bincount(np.unique(key) % nd, minlength=nd)
        RESULT = pd.DataFrame({'day': pd.date_range(P['start'], periods=nd), 'active_members': counts})
        """),
}

COHORTS = {
    "kit": Case("kit", KIT + "from helpers.retention import cohort_retention", work="RESULT = cohort_retention(ev, 'week')"),
    "pandas": Case("pandas", GRID, load="df = pd.read_parquet(P['events'], columns=['member_id', 'ts'])", work="""
        day = df['ts'].dt.tz_convert(P['tz']).dt.tz_localize(None).dt.normalize()
        df['week'] = day - pd.to_timedelta(day.dt.dayofweek, unit='D')
        act = df[['member_id', 'week']].drop_duplicates()
        coh = act.groupby('member_id')['week'].min().rename('cohort')
        act = act.join(coh, on='member_id')
        act['period'] = (act['week'] - act['cohort']).dt.days // 7
        cells = act.groupby(['cohort', 'period']).size().rename('members').reset_index()
        sizes = coh.value_counts().rename('cohort_size').rename_axis('cohort').reset_index()
        RESULT = cohort_grid(sizes, cells, day.max())
        """),
    "polars": Case("polars", GRID + "import polars as pl", work="""
        act = (pl.scan_parquet(P['events'])
               .select('member_id', day=pl.col('ts').dt.convert_time_zone(P['tz']).dt.date())
               .group_by('member_id', week=pl.col('day').dt.truncate('1w'))   # distinct member-weeks, one pass
               .agg(last=pl.col('day').max())
               .collect())
        coh = act.group_by('member_id').agg(cohort=pl.col('week').min())
        cells = (act.join(coh, on='member_id')
                 .group_by('cohort', period=(pl.col('week') - pl.col('cohort')).dt.total_days() // 7)
                 .agg(members=pl.len()))
        sizes = coh.group_by('cohort').agg(cohort_size=pl.len())
        RESULT = cohort_grid(sizes.to_pandas(), cells.to_pandas(), act['last'].max())
        """),
    "numpy": Case("numpy", NUMPY_SETUP + GRID, load="t = pq.read_table(P['events'], columns=['member_id', 'ts'])", work="""
        day = (epoch_us(t['ts']) + OFF) // DAY_US         # local day number since 1970-01-01 (a Thursday)
        week = (day + 3) // 7                              # Monday weeks: week w starts on day 7w - 3
        w0 = int(week.min()); nw = int(week.max()) - w0 + 1
        u = np.unique(member_codes(t['member_id']) * nw + (week - w0))   # distinct member-weeks, by member then week
        m, w = u // nw, u % nw
        first = np.r_[True, m[1:] != m[:-1]]
        c = w[first][np.cumsum(first) - 1]                 # each member-week's cohort: the member's first week
        cells = np.bincount(c * nw + (w - c), minlength=nw * nw).reshape(nw, nw)
        to_day = lambda wk: pd.Timestamp(0) + pd.to_timedelta(7 * (wk + w0) - 3, unit='D')
        cc, kk = np.nonzero(cells)
        RESULT = cohort_grid(
            pd.DataFrame({'cohort': [to_day(x) for x in np.nonzero(cells[:, 0])[0]], 'cohort_size': cells[:, 0][cells[:, 0] > 0]}),
            pd.DataFrame({'cohort': [to_day(x) for x in cc], 'period': kk, 'members': cells[cc, kk]}),
            pd.Timestamp(0) + pd.to_timedelta(int(day.max()), unit='D'))
        """),
}

TARGETS = {  # (table, impl) -> target
    ("daily", "polars"): Target("polars", "at_most", 1.2),
    ("cohorts", "numpy"): Target("numpy", "at_most", 1.2),
    ("cohorts", "pandas"): Target("pandas", "faster", 5.0),
}
TARGET_NAMES = {("daily", "polars"): "daily KPIs <= 1.2x polars", ("cohorts", "numpy"): "cohorts <= 1.2x numpy",
                ("cohorts", "pandas"): "cohorts >= 5x faster than pandas"}


def normalize(df: pd.DataFrame, which: str) -> pd.DataFrame:
    df = df.to_pandas() if hasattr(df, "to_pandas") and not isinstance(df, pd.DataFrame) else df.copy()
    if which == "daily":
        out = pd.DataFrame({"day": pd.to_datetime(df["day"]).dt.tz_localize(None) if pd.to_datetime(df["day"]).dt.tz
                            else pd.to_datetime(df["day"]), "active_members": df["active_members"].astype("int64")})
        return out.sort_values("day").reset_index(drop=True)
    out = pd.DataFrame({"cohort": pd.to_datetime(df["cohort"]).astype("datetime64[ns]"),
                        "period": df["period"].astype("int64"), "cohort_size": df["cohort_size"].astype("int64"),
                        "members": df["members"].astype("int64"), "complete": df["complete"].astype(bool),
                        "retention": df["retention"].astype(float)})
    return out.sort_values(["cohort", "period"]).reset_index(drop=True)


def check(which: str, result, kit) -> str:
    a, b = normalize(kit, which), normalize(result, which)
    exact = [c for c in a.columns if c != "retention"]
    try:
        pd.testing.assert_frame_equal(a[exact], b[exact], check_dtype=False)
        if which == "cohorts":
            assert np.allclose(a["retention"], b["retention"], rtol=1e-12)
    except AssertionError:
        return "MISMATCH"
    return "ok"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_options(ap, "events", ["1e7", "5e7"])
    ap.add_argument("--tables", nargs="+", default=["daily", "cohorts"], choices=["daily", "cohorts"])
    ap.add_argument("--impls", nargs="+", default=["pandas", "polars", "numpy"], choices=["pandas", "polars", "numpy"])
    ap.add_argument("--pandas-max", type=float, default=float("inf"), help="largest size for the pandas baselines")
    args = ap.parse_args(argv)
    sizes, tee = begin(args, "events")
    rows, targets, failures = [], [], []
    with tempfile.TemporaryDirectory(prefix="bench_activity_") as d:
        data = {}
        for n in sizes:
            (Path(d) / str(n)).mkdir()
            data[n] = make_data(Path(d) / str(n), n, ("events",), layout(args))
        params = {"start": STUDY_START, "end": STUDY_END, "tz": TZ, "activity": list(ACTIVITY_EVENTS)}
        titles = {"daily": f"C1. Daily active members, {STUDY_START} to {STUDY_END} (75 days)",
                  "cohorts": "C2. Weekly cohort matrix (first-activity cohorts, recurring)"}
        for which in args.tables:
            cases = DAILY if which == "daily" else COHORTS
            table = Table(titles[which], "events")
            table.header()
            for n in sizes:
                kit_r = None
                for impl in ["kit"] + args.impls:
                    if impl == "pandas" and n > args.pandas_max:
                        print(f"{n:>12,} {impl:>22}  skipped above --pandas-max {args.pandas_max:,.0f}")
                        continue
                    r = run_best(cases[impl], {**data[n], **params}, Path(d) / f"{which}_{impl}", args.repeat,
                                 args.timeout)
                    kit_r = r if impl == "kit" else kit_r
                    if r["status"] != "ok":
                        chk = r["status"]
                        failures.append(f"{which} {n:,} {impl}: {r['status']}: {r['error']}")
                    elif impl == "kit":
                        chk = "reference"
                    elif kit_r["status"] != "ok":
                        chk = "-"
                    else:
                        chk = check(which, r["result"], kit_r["result"])
                        if chk == "MISMATCH":
                            failures.append(f"{which} {n:,} {impl}: numbers differ from the kit's")
                    target = ""
                    if (which, impl) in TARGETS:
                        v, ok, target = TARGETS[which, impl].judge(kit_r["seconds"], r["seconds"])
                        targets.append({"size": n, "target": TARGET_NAMES[which, impl], "value": v, "pass": ok,
                                        "verdict": f"{which}: {target}"})
                    table.add(n, impl, r, kit_r["seconds"] if kit_r["status"] == "ok" else None, chk, target)
            rows += table.rows
        print(f"\n(data generation: " + ", ".join(f"{n:,} events {data[n]['generate_seconds']:.1f} s" for n in sizes) + ")")
    meta = {"sizes": sizes, "start": STUDY_START, "end": STUDY_END, "versions": versions(),
            "kit": fingerprint(["helpers/kpi.py", "helpers/retention.py", "helpers/_engine.py", "helpers/warehouse.py"])}
    return finish("activity", args, rows, targets, meta, tee, failures)


if __name__ == "__main__":
    sys.exit(main())
