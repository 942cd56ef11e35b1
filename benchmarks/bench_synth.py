"""Time and memory of the sample generator at one scale.

Usage: ``python benchmarks/bench_synth.py [--scale 0.05] [--seed 7] [--out DIR]``. Prints wall time,
rows written (all file kinds) per second and the process's peak resident memory. The output folder
is a temporary one unless ``--out`` is given (and is then kept).
"""
from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from helpers.synth import generate  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=0.05)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp)
        t0 = time.perf_counter()
        truth = generate(out, scale=args.scale, seed=args.seed, progress=False)
        seconds = time.perf_counter() - t0
    rows = sum(truth["counts"].values())
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"scale={args.scale} seed={args.seed}: {seconds:.1f} s, {rows:,} rows "
          f"({truth['counts'].get('tracking/events', 0):,} tracking events), {rows / seconds:,.0f} rows/s, "
          f"peak RSS {peak_mb:,.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
