"""Generate + ingest at several scales: rows, seconds, rows per second, peak memory, and a floor.

Each step runs in its own process so its peak resident memory is its own. The floor is DuckDB reading
the same tracking and archive JSON lines with ``read_json_auto`` (no validation, no stitching): the
ratio ingest/floor says what the checks cost. Usage: ``python benchmarks/bench_synth_ingest.py --scales 0.1 1.0``.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

STEPS = {
    "generate": "from helpers.synth import generate; generate(r'{d}', scale={s}, seed=7, progress=False)",
    "ingest": ("from helpers import warehouse; from helpers.ingest import ingest_all; "
               "con = warehouse.connect(r'{d}/warehouse.duckdb'); "
               "ingest_all(r'{d}/raw', con, r'{d}/quarantine/bench', run_id='bench', progress=False)"),
    "floor": ("import duckdb; c = duckdb.connect(); "
              "c.sql(\"select count(*) from read_json_auto('{d}/raw/tracking/*.jsonl', format='newline_delimited', ignore_errors=true)\").fetchall(); "
              "c.sql(\"select count(*) from read_json_auto('{d}/raw/wecom/msgaudit/*.jsonl', format='newline_delimited', union_by_name=true, ignore_errors=true)\").fetchall()"),
}


def measure(code: str) -> tuple[float, float]:
    """Seconds and peak resident MB of ``code`` run in a fresh interpreter (the child reports its own
    ``ru_maxrss``, which includes DuckDB's memory since it runs in-process)."""
    probe = "; import resource; print('PEAK_KB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    t = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code + probe], check=True, cwd=ROOT, capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HOME": str(Path.home())})
    seconds = time.perf_counter() - t
    peak_kb = int(done.stdout.strip().splitlines()[-1].split()[-1])
    return seconds, peak_kb / 1024


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scales", type=float, nargs="+", default=[0.1])
    args = ap.parse_args(argv)
    print(f"{'scale':>6} {'step':>9} {'rows':>12} {'seconds':>9} {'rows/s':>11} {'peak MB':>9} {'x floor':>8}")
    for scale in args.scales:
        with tempfile.TemporaryDirectory(prefix="bench_") as d:
            results = {}
            for step, template in STEPS.items():
                results[step] = measure(template.format(d=d, s=scale))
                if step == "generate":
                    truth = json.loads((Path(d) / "raw" / "ground_truth.json").read_text())
                    rows = sum(v for v in truth.get("counts", {}).values() if isinstance(v, (int, float)))
            for step, (sec, peak) in results.items():
                ratio = sec / results["floor"][0]
                print(f"{scale:>6g} {step:>9} {rows:>12,} {sec:>9.1f} {rows / sec:>11,.0f} {peak:>9,.0f} {ratio:>8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
