"""Ticket durations at 1e5 and 1e6 synthetic tickets: tickets per second and peak memory, beside a
floor measured in the same run.

- ``ticket_durations``: the kit's per-ticket first-reply / resolution / age hours, calendar and
  business (pandas input, so no engine round trip).
- ``business_hours_between``: the schedule arithmetic alone, one pair of columns.
- ``floor``: plain numpy subtraction of the same calendar times (int64 nanoseconds -> hours), the
  least any duration computation can cost.

Peak memory is ``tracemalloc``'s peak of the call (numpy and pandas buffers included). Usage:
``python benchmarks/bench_service.py --sizes 100000 1000000``.
"""
from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from helpers import tickets as T  # noqa: E402


def synthetic_tickets(n: int, seed: int = 7) -> pd.DataFrame:
    """``n`` tickets over a year with lognormal reply and resolution delays; 5% unsolved."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2026-01-01", tz="Asia/Shanghai")
    created = start + pd.to_timedelta(rng.integers(0, 365 * 86400, n), unit="s")
    reply = created + pd.to_timedelta(rng.lognormal(8, 1.2, n).astype(np.int64), unit="s")
    solved = pd.Series(created + pd.to_timedelta(rng.lognormal(11.5, 1.0, n).astype(np.int64), unit="s"))
    return pd.DataFrame({"ticket_id": np.arange(n).astype(str), "created_ts": created, "first_reply_ts": reply,
                         "solved_ts": solved.where(rng.random(n) > 0.05)})


def measure(fn, repeat: int = 3) -> tuple[float, float]:
    """Best wall seconds of ``repeat`` runs, and the peak traced MB of one run."""
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return best, peak / 2**20


def main(sizes: list[int]) -> pd.DataFrame:
    rows = []
    for n in sizes:
        df = synthetic_tickets(n)
        c = df["created_ts"].to_numpy(dtype="datetime64[ns]").view(np.int64)
        s = df["solved_ts"].to_numpy(dtype="datetime64[ns]").view(np.int64)
        cases = {
            "ticket_durations": lambda: T.ticket_durations(df),
            "business_hours_between": lambda: T.business_hours_between(df["created_ts"], df["solved_ts"]),
            "floor: numpy calendar subtraction": lambda: (s - c) / 3.6e12,
        }
        for name, fn in cases.items():
            seconds, peak = measure(fn)
            rows.append({"tickets": n, "step": name, "seconds": seconds, "tickets_per_second": n / seconds,
                         "peak_mb": peak})
    out = pd.DataFrame(rows)
    floor = out[out["step"].str.startswith("floor")].set_index("tickets")["seconds"]
    out["x_floor"] = out["seconds"] / out["tickets"].map(floor)
    return out


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    result = main(p.parse_args().sizes)
    with pd.option_context("display.width", 140, "display.float_format", "{:,.3f}".format):
        print(result.to_string(index=False))
