"""Command line: ``python -m helpers run|generate|ingest|models``."""
from __future__ import annotations

import argparse
import sys

from helpers.timeline import DEFAULT_START


def _parser() -> argparse.ArgumentParser:
    from helpers.runner import DEFAULT_SCALE, DEFAULT_SEED
    p = argparse.ArgumentParser(prog="python -m helpers", description="Community-operations research kit.")
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("run", help="sample (if missing) -> warehouse -> chapters -> HTML report")
    r.add_argument("--scale", type=float, default=DEFAULT_SCALE, help="sample size; 1.0 = the deck's community")
    r.add_argument("--seed", type=int, default=DEFAULT_SEED)
    r.add_argument("--run-id", default=None, help="folder under outputs/ (default scale<S>-seed<N>)")
    r.add_argument("--data-dir", default=None, help="folder with raw/ (default: data/)")
    r.add_argument("--output-dir", default=None, help="default: outputs/")
    r.add_argument("--only", default=None, help="chapter ids, e.g. 01,02")
    r.add_argument("--lang", default="en", choices=["en", "zh"])
    r.add_argument("--start", default=DEFAULT_START, help="first day of the pre-period (sample only)")

    g = sub.add_parser("generate", help="write the sample enterprise's raw exports")
    g.add_argument("--scale", type=float, default=DEFAULT_SCALE)
    g.add_argument("--seed", type=int, default=DEFAULT_SEED)
    g.add_argument("--data-dir", default=None)
    g.add_argument("--start", default=DEFAULT_START)

    i = sub.add_parser("ingest", help="raw exports -> warehouse")
    i.add_argument("--data-dir", default=None)
    i.add_argument("--run-id", default="manual")
    i.add_argument("--start", default=DEFAULT_START)

    m = sub.add_parser("models", help="train and cache the sentiment model and its comparison with SnowNLP")
    m.add_argument("--seed", type=int, default=None, help="default: the one chapter 2 uses")
    return p


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    from helpers import runner
    from helpers.project import data_paths
    try:
        if args.command == "run":
            runner.run(run_id=args.run_id, scale=args.scale, seed=args.seed, data_dir=args.data_dir,
                       output_dir=args.output_dir, only=args.only, lang=args.lang, start=args.start)
        elif args.command == "generate":
            from helpers.synth import generate
            generate(data_paths(args.data_dir)["data"], scale=args.scale, seed=args.seed, start=args.start)
        elif args.command == "ingest":
            runner.ensure_warehouse(data_paths(args.data_dir), args.run_id, args.start)
        elif args.command == "models":
            from helpers import sentiment
            sentiment.compare_models(**({} if args.seed is None else {"seed": args.seed}))
    except runner.RunError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
