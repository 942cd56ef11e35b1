"""Time and memory of the sample generator at one scale.

Usage: ``python benchmarks/bench_synth.py [--scale 0.05 | --events 5e7] [--seed 7] [--out DIR]``.
``--events`` picks the scale that writes about that many tracking events (issue #7: 5e7 events in
under 3 minutes on 2 cores, below 8 GB peak memory; checked and printed as PASS or MISS when given).
Prints wall and CPU seconds, tracking events and rows written (all file kinds) per second, and the
process's peak resident memory (the writer thread's Arrow buffers included). The output folder is a
temporary one unless ``--out`` is given (and is then kept). The load average is printed too: the box
is shared, so a busy one makes the wall time longer than the CPU time suggests.
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from helpers.synth import generate  # noqa: E402

# tracking events per unit of scale, seed 7: scale 1.0 wrote 17,416,838 and 2.9 wrote 50,320,056
EVENTS_PER_SCALE = 17.35e6
TARGET_SECONDS, TARGET_PEAK_MB = 180.0, 8192.0


def scale_for(events: float) -> float:
    """The scale that writes about ``events`` tracking events (two decimals)."""
    return round(events / EVENTS_PER_SCALE, 2)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    size = ap.add_mutually_exclusive_group()
    size.add_argument("--scale", type=float, default=None, help="generator scale (default 0.05)")
    size.add_argument("--events", type=float, default=None, help="about this many tracking events, e.g. 5e7")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, default=None, help="keep the output here (default: a temporary folder)")
    args = ap.parse_args(argv)
    scale = scale_for(args.events) if args.events else (args.scale or 0.05)
    load = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench_synth_") as tmp:
        out = args.out or Path(tmp)
        t0, c0 = time.perf_counter(), time.process_time()
        truth = generate(out, scale=scale, seed=args.seed, progress=False)
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    counts = truth["counts"]
    rows, events = sum(counts.values()), counts.get("tracking/events", 0)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"scale={scale:g} seed={args.seed}: {seconds:.1f} s wall ({cpu:.1f} s CPU, both threads), "
          f"{events:,} tracking events ({events / seconds:,.0f}/s), {rows:,} rows of all kinds ({rows / seconds:,.0f}/s), "
          f"peak RSS {peak_mb:,.0f} MB; load average before {load[0]:.1f} on {os.cpu_count()} cores")
    if args.events:
        ok = seconds < TARGET_SECONDS and peak_mb < TARGET_PEAK_MB
        print(f"target {args.events:,.0f} events in < {TARGET_SECONDS:.0f} s and < {TARGET_PEAK_MB:,.0f} MB: "
              + ("PASS" if ok else "MISS"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
