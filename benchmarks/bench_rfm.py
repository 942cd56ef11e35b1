"""RFM with quintile scores: the kit against a bare DuckDB group-by (the floor) and lifetimes.

The synthetic ``orders`` table of ``_common`` (about 100 orders per member over the 440 days before the
as-of date); each implementation in a fresh interpreter on the same table:

- ``kit``: ``helpers.rfm.score_rfm(orders, as_of)`` on the DuckDB file: per-member recency, frequency
  (distinct purchase days), monetary in the engine, quintile scores and segments in pandas.
- ``floor``: DuckDB ``SELECT member_id, count(*), sum(amount), max(ts) ... GROUP BY 1``, fetched as a
  pandas frame (``.df()``, the form the kit returns; ``fetchall()`` would add about 0.7 s at 1e7 for
  building 1e5 Python datetimes and flatter the kit): one scan and one hash aggregate, no distinct
  days, no scoring. Checked on members and total spend.
- ``lifetimes``: ``pd.read_parquet`` (timed as ``load``), local naive times, the orders before ``as_of``,
  ``lifetimes.utils.summary_data_from_transaction_data(..., freq="D", observation_period_end=as_of)``,
  then the same quintile rule (``np.quantile`` cuts, a value on a cut goes to the lower-value bin).
  Definitions differ: lifetimes' ``frequency`` is *repeat* purchase days (the kit's minus 1), its
  ``recency`` is first to last purchase (the kit's ``recency_days`` is ``T - recency``), and its
  ``monetary_value`` is the mean spend of the *repeat* purchase days (0 for one-day buyers) where the
  kit's ``monetary`` averages over all purchase days. So recency days, purchase days and the R and F
  scores must equal the kit's exactly; M is compared for information only (share of equal M scores).

Usage: ``python benchmarks/bench_rfm.py --orders 1e6 1e7`` (``--quick``: 1e5).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (AS_OF, TZ, Case, Table, Target, add_options, begin, layout, fingerprint, make_data,  # noqa: E402
                     finish, run_best, versions)

CASES = {
    "kit": Case("kit", """
        from helpers import warehouse
        from helpers.rfm import score_rfm
        con = warehouse.connect(P['db'], read_only=True)
        """, work="RESULT = score_rfm(con.table('orders'), P['as_of'])"),
    "floor": Case("floor", """
        import duckdb
        import pandas  # imported before the clock, as the kit's is: .df() would import it inside
        c = duckdb.connect(P['db'], read_only=True)
        c.execute("SET TimeZone = 'Asia/Shanghai'")
        """, work="df = c.sql('SELECT member_id, count(*) AS n, sum(amount) AS spend, max(ts) AS last FROM orders GROUP BY 1').df()",
        after="RESULT = {'members': len(df), 'orders': int(df['n'].sum()), 'spend': float(df['spend'].sum())}"),
    "lifetimes": Case("lifetimes", """
        import numpy as np, pandas as pd
        from lifetimes.utils import summary_data_from_transaction_data
        """, load="o = pd.read_parquet(P['orders'], columns=['member_id', 'ts', 'amount'])", work="""
        as_of = pd.Timestamp(P['as_of'])  # local midnight, naive
        o['ts'] = o['ts'].dt.tz_convert(P['tz']).dt.tz_localize(None)
        o = o[o['ts'] < as_of]
        s = summary_data_from_transaction_data(o, 'member_id', 'ts', monetary_value_col='amount',
                                               observation_period_end=as_of.normalize(), freq='D')
        out = pd.DataFrame({'member_id': s.index.to_numpy(),
                            'recency_days': (s['T'] - s['recency']).to_numpy().astype('int64'),
                            'frequency': (s['frequency'] + 1).to_numpy().astype('int64'),
                            'monetary': s['monetary_value'].to_numpy()})

        def score(v, higher_is_better):
            k = np.searchsorted(np.quantile(v.astype(float), [0.2, 0.4, 0.6, 0.8]), v, side='left')
            return 1 + k if higher_is_better else 5 - k

        out['r'] = score(out['recency_days'].to_numpy(), False)
        out['f'] = score(out['frequency'].to_numpy(), True)
        out['m'] = score(out['monetary'].to_numpy(), True)
        RESULT = out
        """),
}

FLOOR = Target("the floor", "at_most", 2.5)
LIFETIMES = Target("lifetimes", "faster", 15.0)


def check(name: str, result, kit: pd.DataFrame) -> tuple[str, dict]:
    if name == "kit":
        return "reference", {"members": len(kit)}
    if name == "floor":
        ok = result["members"] == len(kit) and abs(result["spend"] - kit["total_spend"].sum()) < 1e-6 * result["spend"]
        return ("ok" if ok else "MISMATCH"), result
    m = kit.merge(result, on="member_id", how="outer", suffixes=("", "_lt"), indicator=True)
    same = (m["_merge"] == "both").all() and all((m[c] == m[f"{c}_lt"]).all() for c in ("recency_days", "frequency", "r", "f"))
    m_share = float((m["m"] == m["m_lt"]).mean())
    info = {"members": len(result), "m_score_equal_share": round(m_share, 4)}
    return ("ok (R,F)" if same else "MISMATCH"), info


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_options(ap, "orders", ["1e6", "1e7"])
    ap.add_argument("--cases", nargs="+", default=list(CASES), choices=list(CASES))
    args = ap.parse_args(argv)
    sizes, tee = begin(args, "orders")
    table = Table(f"B. RFM with quintile scores (as of {AS_OF})", "orders")
    table.header()
    targets, failures = [], []
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="bench_rfm_") as d:
            data = make_data(Path(d), n, ("orders",), layout(args))
            params = {**data, "as_of": AS_OF, "tz": TZ}
            res = {}
            for name in ["kit"] + [c for c in args.cases if c != "kit"]:
                r = run_best(CASES[name], params, Path(d) / name, args.repeat, args.timeout)
                res[name] = r
                kit_r = res["kit"]
                info = {}
                if r["status"] != "ok":
                    chk = r["status"]
                    failures.append(f"{n:,} {name}: {r['status']}: {r['error']}")
                elif kit_r["status"] != "ok":
                    chk = "-"
                else:
                    chk, info = check(name, r["result"], kit_r["result"])
                    if chk == "MISMATCH":
                        failures.append(f"{n:,} {name}: disagrees with the kit ({info})")
                target = ""
                if name in ("floor", "lifetimes"):
                    t = FLOOR if name == "floor" else LIFETIMES
                    v, ok, target = t.judge(kit_r["seconds"], r["seconds"])
                    targets.append({"size": n, "target": "rfm <= 2.5x floor" if name == "floor"
                                    else "rfm >= 15x faster than lifetimes", "value": v, "pass": ok, "verdict": target})
                table.add(n, name, r, kit_r["seconds"] if kit_r["status"] == "ok" else None, chk, target, **info)
            lt = table.rows[-1] if table.rows and table.rows[-1]["impl"] == "lifetimes" else {}
            print(f"{'':>12} {'(info)':>22}  members {len(res['kit']['result']) if res['kit']['status'] == 'ok' else '-'}"
                  + (f"; equal M scores kit vs lifetimes {lt['m_score_equal_share']:.1%} (M defined differently)"
                     if "m_score_equal_share" in lt else "")
                  + f"; data generation {data['generate_seconds']:.1f} s")
    meta = {"sizes": sizes, "as_of": AS_OF, "versions": versions(),
            "kit": fingerprint(["helpers/rfm.py", "helpers/_engine.py", "helpers/warehouse.py"])}
    return finish("rfm", args, table.rows, targets, meta, tee, failures)


if __name__ == "__main__":
    sys.exit(main())
