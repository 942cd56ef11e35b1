"""The full run (sample, warehouse, six chapters, exports) at several scales: seconds and peak memory per step.

Usage: ``python benchmarks/bench_run.py [--scales 0.1 1 2] [--seed 7] [--keep DIR]``. Each scale runs
``python -m helpers run`` in a fresh process on a data folder of its own (so the sample is generated,
ingested and the sentiment model trained as on a fresh clone), then reads the steps the runner measured
(``run.json``: wall seconds, peak resident memory of the runner plus the chapter's kernel). Prints one
table per scale and issue 7's targets: SCALE 1 within 10 minutes and every scale below 8 GB. Results go
to ``benchmarks/results/run.{json,txt}``.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
TARGET_SECONDS = {1.0: 600.0}   # scale -> wall-time target of the whole run
TARGET_PEAK_MB = 8192.0


def run_scale(scale: float, seed: int, folder: Path) -> dict:
    """Run the study at ``scale`` into ``folder``; returns the run's steps, total seconds and peak MB."""
    run_id = f"bench-scale{scale:g}"
    cmd = [sys.executable, "-m", "helpers", "run", "--scale", str(scale), "--seed", str(seed),
           "--data-dir", str(folder / "data"), "--output-dir", str(folder / "outputs"), "--run-id", run_id]
    env = dict(os.environ, PYTHONPATH=str(ROOT), MPLBACKEND="Agg")
    t0 = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"scale {scale:g}: the run failed:\n" + "\n".join(done.stderr.strip().splitlines()[-15:]))
    record = json.loads((folder / "outputs" / run_id / "run.json").read_text(encoding="utf-8"))
    steps = record["steps"]
    return {"scale": scale, "seed": seed, "wall_seconds": round(wall, 1), "steps": steps,
            "peak_mb": max(s["peak_mb"] for s in steps)}


def table(result: dict) -> str:
    total = sum(s["seconds"] for s in result["steps"])
    lines = [f"scale {result['scale']:g}: {result['wall_seconds']:.0f} s wall, peak {result['peak_mb']:,} MB",
             f"  {'step':<12} {'seconds':>8} {'share':>6} {'peak MB':>8}"]
    for s in result["steps"]:
        lines.append(f"  {s['step']:<12} {s['seconds']:>8.1f} {s['seconds'] / total:>6.0%} {s['peak_mb']:>8,}")
    return "\n".join(lines)


def verdicts(results: list[dict]) -> list[str]:
    out = []
    for r in results:
        limit = TARGET_SECONDS.get(float(r["scale"]))
        if limit is not None:
            ok = r["wall_seconds"] <= limit
            out.append(f"scale {r['scale']:g} within {limit:.0f} s: {r['wall_seconds']:.0f} s "
                       f"({r['wall_seconds'] / limit:.2f}x the limit) {'PASS' if ok else 'MISS'}")
        ok = r["peak_mb"] < TARGET_PEAK_MB
        out.append(f"scale {r['scale']:g} peak below {TARGET_PEAK_MB:,.0f} MB: {r['peak_mb']:,} MB {'PASS' if ok else 'MISS'}")
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scales", type=float, nargs="+", default=[0.1, 1.0, 2.0])
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--keep", type=Path, default=None, help="run in this folder and keep it (default: temporary)")
    args = ap.parse_args(argv)
    load = os.getloadavg()
    print(f"full run per step; load average before {load[0]:.1f} on {os.cpu_count()} cores", flush=True)
    results = []
    for scale in args.scales:
        if args.keep:
            folder = args.keep / f"scale{scale:g}"
            folder.mkdir(parents=True, exist_ok=True)
            results.append(run_scale(scale, args.seed, folder))
        else:
            with tempfile.TemporaryDirectory(prefix="bench_run_") as tmp:
                results.append(run_scale(scale, args.seed, Path(tmp)))
        print(table(results[-1]), flush=True)
    text = "\n".join([*(table(r) for r in results), *verdicts(results)])
    print("\n".join(verdicts(results)))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "run.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    (RESULTS / "run.txt").write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
