"""Sufficient statistics vs a plain group-by, and the A/A check's time per 1,000 splits.

A per-unit table of ``n`` rows (variant, metric, denominator) is written to an in-memory DuckDB table;
:func:`helpers.abtest.sufficient_stats` (ratio kind: n, Σx, Σx², Σy, Σy², Σxy per arm) is timed against
the floor ``group_by(variant).agg(n, mean)`` on the same table (ratio = what the extra sums cost).
Then :func:`helpers.abtest.aa_check` is timed for 1,000 splits of ``--aa-units`` units.
Usage: ``python benchmarks/bench_abtest.py --units 1e6 1e7 --aa-units 1e4 1e5``.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import ibis
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from helpers import abtest  # noqa: E402


def best_of(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def units_table(con, n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"variant": np.where(rng.random(n) < 0.5, "control", "treatment"),
                       "sends": rng.integers(0, 8, n).astype("int32")})
    df["opens"] = rng.binomial(df["sends"], 0.2).astype("int32")
    con.create_table("units", df, overwrite=True)
    return con.table("units")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--units", type=float, nargs="+", default=[1e6, 1e7])
    ap.add_argument("--aa-units", type=float, nargs="+", default=[1e4, 1e5])
    args = ap.parse_args(argv)
    con = ibis.duckdb.connect()
    print(f"{'units':>12} {'suff stats s':>13} {'group-by s':>11} {'ratio':>6}")
    for n in (int(u) for u in args.units):
        t = units_table(con, n)
        suff = best_of(lambda: abtest.sufficient_stats(t, "opens", kind="ratio", denominator="sends"))
        floor = best_of(lambda: t.group_by("variant").agg(n=t.variant.count(), mean=t.opens.mean()).to_pandas())
        print(f"{n:>12,} {suff:>13.3f} {floor:>11.3f} {suff / floor:>6.2f}")
    print(f"\n{'A/A units':>12} {'kind':>8} {'s per 1,000 splits':>19}")
    for n in (int(u) for u in args.aa_units):
        rng = np.random.default_rng(1)
        df = pd.DataFrame({"sends": rng.integers(1, 8, n)})
        df["opens"] = rng.binomial(df["sends"], 0.2)
        for kind in ("mean", "ratio"):
            sec = best_of(lambda: abtest.aa_check(df, "opens", n_splits=1000, kind=kind,
                                                  denominator="sends" if kind == "ratio" else None), repeat=1)
            print(f"{n:>12,} {kind:>8} {sec:>19.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
