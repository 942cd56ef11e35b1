"""Shared harness of the kit-versus-alternatives benchmarks (``bench_funnel.py``, ``bench_rfm.py``,
``bench_activity.py``); not a benchmark itself.

- **Data**: synthetic canonical ``events`` and ``orders`` tables drawn in DuckDB from ``range(n)``, kept
  in a temporary DuckDB file (what the kit and the DuckDB floors read) and copied to Parquet (what
  pandas, polars, numpy, lifetimes and retentioneering read). Uniform draws come from ``hash(8 i + k)``,
  so a table is the same on every run and every thread count. **Layout**: by default the rows are
  stored as the kit's warehouse stores them (``helpers.warehouse.SORT_ORDER``: by member, then time),
  in the DuckDB file and the Parquet copy alike, so every implementation reads the same rows in the
  same order; ``--arrival-order`` keeps the drawn (random) order instead, to show what the layout buys
  (results then saved as ``<name>_arrival``).
- **Cases**: every case runs in its own fresh interpreter (``case_code``), so its peak resident memory
  (``ru_maxrss``, DuckDB's and polars' native memory included) is its own. A case is ``setup`` (imports,
  connecting: not timed), ``load`` (reading the input into memory, for libraries that need it there:
  timed and also reported on its own), ``work`` (timed). ``seconds = load + work``. The work leaves its
  answer in ``RESULT``; the child saves it after the clock stops and the parent compares answers.
- **Output**: a printed table per benchmark, then the targets with PASS/MISS, and the same rows as CSV
  and JSON (with library versions and a fingerprint of the helper modules measured) under
  ``benchmarks/results/<name>.{csv,json,txt}`` (``<name>_quick.*`` for ``--quick`` runs, so a smoke run
  never overwrites a full one), with a dated copy in ``benchmarks/results/runs/``.
"""
from __future__ import annotations

import csv
import datetime as _dt
import hashlib
import importlib.metadata as _md
import json
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from helpers.warehouse import SORT_ORDER  # noqa: E402  (the layout the kit's ingestion writes)

BENCH = ROOT / "benchmarks"
RESULTS = BENCH / "results"
RETE_PYTHON = BENCH / ".venv-rete" / "bin" / "python"    # retentioneering 3.3.0 (pandas 1.5)
RETE5_PYTHON = BENCH / ".venv-rete5" / "bin" / "python"  # retentioneering 5.2.4 (DuckDB engine)
TZ = "Asia/Shanghai"
STUDY_START, STUDY_END = "2026-06-01", "2026-08-15"  # the 75 days the events cover (local time)
AS_OF = "2026-08-15"  # RFM as-of; orders cover the 440 days before it
ACTIVITY_EVENTS = ("post", "comment", "like")  # = helpers.schema.ACTIVITY_EVENTS (kept literal: baselines import no kit code)

# U(0,1) from a hash of the row number: reproducible whatever the thread count (hash(i, k) is not:
# its draws for different k correlate)
U = "((hash(i * 8 + {k}) >> 11)::DOUBLE / 9007199254740992.0)"

# one row per event; about 100 events per member over the 75 study days; pages follow rough traffic shares
# (the generator of bench_members.py, with hashed draws)
EVENTS_SQL = f"""
CREATE TABLE events AS
WITH r AS (SELECT i, {U.format(k=1)} AS u, {U.format(k=2)} AS v, {U.format(k=3)} AS w FROM range({{n}}) t(i))
SELECT 'm' || lpad(CAST(CAST(floor(v * {{members}}) AS BIGINT) AS VARCHAR), 8, '0') AS member_id,
       TIMESTAMPTZ '{STUDY_START} 00:00:00+08' + to_microseconds(CAST(floor(w * 75 * 86400e6) AS BIGINT)) AS ts,
       CASE WHEN u < 0.03 THEN 'booking_submit' WHEN u < 0.15 THEN 'click' WHEN u < 0.30 THEN 'post_view'
            WHEN u < 0.35 THEN 'like' ELSE 'page_view' END AS event,
       NULL::VARCHAR AS community_id,
       CASE WHEN u < 0.03 THEN 'booking_form' WHEN u < 0.30 THEN 'post_detail'
            WHEN u < 0.35 THEN 'post_detail' WHEN u < 0.55 THEN 'home' WHEN u < 0.68 THEN 'itinerary_consult'
            WHEN u < 0.76 THEN 'booking_form' WHEN u < 0.88 THEN 'content_list' ELSE 'mall' END AS page,
       NULL::VARCHAR AS content_id, NULL::VARCHAR AS content_type, NULL::DOUBLE AS x, NULL::DOUBLE AS y,
       NULL::VARCHAR AS campaign
FROM r
"""

# one row per order over the 440 days before AS_OF, about 100 orders per member
ORDERS_SQL = f"""
CREATE TABLE orders AS
WITH r AS (SELECT i, {U.format(k=4)} AS v, {U.format(k=5)} AS w, {U.format(k=6)} AS a FROM range({{n}}) t(i))
SELECT 'o' || i AS order_id, 'm' || lpad(CAST(CAST(floor(v * {{members}}) AS BIGINT) AS VARCHAR), 8, '0') AS member_id,
       TIMESTAMPTZ '2025-06-01 00:00:00+08' + to_microseconds(CAST(floor(w * 440 * 86400e6) AS BIGINT)) AS ts,
       round(20 + 400 * a * a, 2) AS amount, 'skincare' AS product_category
FROM r
"""

MESSAGES_SQL = ("CREATE TABLE messages (msg_id VARCHAR, community_id VARCHAR, sender_id VARCHAR, sender_type VARCHAR, "
                "ts TIMESTAMPTZ, msgtype VARCHAR, text VARCHAR)")

_GENERATE = """
import duckdb
con = duckdb.connect(P['db'])
con.execute("SET TimeZone = 'Asia/Shanghai'")
con.execute("SET memory_limit = '6GB'")  # a 5e7-row sort spills beyond it
for name, sql in P['sql'].items():
    con.execute("SET preserve_insertion_order = false")  # the draw streams
    con.execute(sql)
    con.execute("SET preserve_insertion_order = true")  # the sorted copy and the Parquet keep the order
    if name in P['order']:
        con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM {name} ORDER BY {P['order'][name]}")
    con.execute(f"COPY {name} TO '{P['dir']}/{name}.parquet' (FORMAT parquet, COMPRESSION zstd)")
con.execute("CHECKPOINT")
con.close()
RESULT = None
"""


def make_data(directory: Path, n: int, tables: tuple[str, ...], layout: str = "kit") -> dict:
    """Write ``tables`` (``events`` with an empty ``messages``; ``orders``) of ``n`` rows each to
    ``directory/bench.duckdb`` and ``directory/<table>.parquet`` in the kit's ``layout`` (or
    ``"arrival"``: as drawn); returns the paths and the seconds taken."""
    sql = {}
    if "events" in tables:
        sql["events"] = EVENTS_SQL.format(n=n, members=max(1, n // 100))
        sql["messages"] = MESSAGES_SQL
    if "orders" in tables:
        sql["orders"] = ORDERS_SQL.format(n=n, members=max(1, n // 100))
    paths = {"db": str(directory / "bench.duckdb"), "dir": str(directory)}
    paths.update({t: str(directory / f"{t}.parquet") for t in sql})
    order = {t: ", ".join(k) for t, k in SORT_ORDER.items() if t in sql} if layout == "kit" else {}
    r = run_case(Case("generate", work=_GENERATE), {**paths, "sql": sql, "order": order}, directory / "generate")
    return {**paths, "generate_seconds": r["seconds"], "generate_peak_mb": r["peak_mb"]}


@dataclass
class Case:
    """One implementation: code run in a fresh interpreter (``python``: another venv's, for
    retentioneering). ``P`` (a dict of paths and parameters) is in scope; ``work`` (or ``after``) sets ``RESULT``."""
    name: str
    setup: str = ""
    load: str = ""
    work: str = ""
    python: Path | str | None = None
    env: dict = field(default_factory=dict)
    after: str = ""  # runs after the clock stops (e.g. to shrink RESULT for the check)


def case_code(case: Case) -> str:
    d = textwrap.dedent
    return "\n".join([
        "import sys, json, time, resource",
        "P = json.loads(sys.argv[1])",
        d(case.setup),
        "_t0 = time.perf_counter()",
        d(case.load),
        "_t1 = time.perf_counter()",
        d(case.work),
        "_t2 = time.perf_counter()",
        "_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss",
        d(case.after),
        d("""
        _kind = type(RESULT).__module__.split('.')[0] + '.' + type(RESULT).__name__
        if _kind == 'pandas.DataFrame':
            RESULT.to_parquet(P['out'] + '.parquet'); _kind = 'parquet'
        elif _kind == 'polars.DataFrame':
            RESULT.write_parquet(P['out'] + '.parquet'); _kind = 'parquet'
        else:
            with open(P['out'] + '.json', 'w') as _f:
                json.dump(RESULT, _f, default=lambda o: o.item() if hasattr(o, 'item') else str(o))
            _kind = 'json'
        print('BENCH ' + json.dumps({'load': _t1 - _t0, 'work': _t2 - _t1, 'peak_kb': _peak, 'kind': _kind}))
        """),
    ])


def child_env(extra: dict | None = None) -> dict:
    """A small, explicit environment: the kit on the path, every library on all cores of the box (2 here)."""
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HOME": str(Path.home()),
           "POLARS_MAX_THREADS": str(os.cpu_count()), "LANG": "C.UTF-8"}
    for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "TMPDIR"):
        if k in os.environ:
            env[k] = os.environ[k]
    env.update(extra or {})
    return env


def run_case(case: Case, params: dict, out: Path, timeout: float | None = None) -> dict:
    """Run ``case`` in a fresh interpreter; returns seconds (load + work), load and work seconds, peak MB
    and the answer (``result``), or ``status`` "timeout" / "error" with the child's last words."""
    python = str(case.python or sys.executable)
    try:
        done = subprocess.run([python, "-c", case_code(case), json.dumps({**params, "out": str(out)})],
                              cwd=ROOT, capture_output=True, text=True, env=child_env(case.env), timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"status": "timeout", "seconds": float("nan"), "load": float("nan"), "work": float("nan"),
                "peak_mb": float("nan"), "result": None, "error": f"no answer within {timeout:.0f} s"}
    line = next((x for x in done.stdout.splitlines()[::-1] if x.startswith("BENCH ")), None)
    if done.returncode != 0 or line is None:
        tail = (done.stderr or done.stdout).strip().splitlines()[-12:]
        return {"status": "error", "seconds": float("nan"), "load": float("nan"), "work": float("nan"),
                "peak_mb": float("nan"), "result": None, "error": "\n".join(tail)}
    info = json.loads(line[6:])
    if info["kind"] == "parquet":
        result = pd.read_parquet(str(out) + ".parquet")
    else:
        result = json.loads(Path(str(out) + ".json").read_text())
    return {"status": "ok", "seconds": info["load"] + info["work"], "load": info["load"], "work": info["work"],
            "peak_mb": info["peak_kb"] / 1024, "result": result, "error": ""}


def run_best(case: Case, params: dict, out: Path, repeat: int = 1, timeout: float | None = None,
             cheap_s: float = 30.0) -> dict:
    """Best of ``repeat`` fresh-interpreter runs (the box is shared: the minimum is the least disturbed
    run); a case slower than ``cheap_s`` runs once. Peak memory is the largest seen; ``runs`` counts them."""
    best = run_case(case, params, out, timeout)
    runs, peak = 1, best["peak_mb"]
    while best["status"] == "ok" and runs < repeat and best["seconds"] < cheap_s:
        r = run_case(case, params, out, timeout)
        runs += 1
        if r["status"] != "ok":
            break
        peak = max(peak, r["peak_mb"])
        if r["seconds"] < best["seconds"]:
            best = r
    return {**best, "peak_mb": peak, "runs": runs}


def load_average() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


# ---------------------------------------------------------------------------------------------- printing

def fmt_seconds(x) -> str:
    if x != x:  # nan
        return "-"
    return f"{x:.3f}" if x < 10 else f"{x:.1f}"


def fmt_ratio(x) -> str:
    if x is None or x != x:
        return "-"
    return f"{x:.2f}x" if x < 10 else f"{x:,.0f}x"


class Table:
    """Prints rows as they are measured (long runs show progress) and keeps them for CSV/JSON."""

    COLS = [("size", 12), ("impl", 22), ("seconds", 9), ("load s", 8), ("peak MB", 9), ("x kit", 9),
            ("check", 11), ("target", 44)]

    def __init__(self, title: str, size_label: str):
        self.title, self.size_label, self.rows = title, size_label, []

    def header(self):
        print(f"\n{self.title}")
        cols = [(self.size_label if c == "size" else c, w) for c, w in self.COLS]
        print(" ".join(f"{c:>{w}}" if i != len(cols) - 1 else f"  {c}" for i, (c, w) in enumerate(cols)))
        sys.stdout.flush()

    def add(self, size: int, impl: str, r: dict, kit_seconds: float | None, check: str, target: str = "",
            **extra):
        x_kit = r["seconds"] / kit_seconds if kit_seconds and r["status"] == "ok" else float("nan")
        row = {"table": self.title, "size": size, "impl": impl, "status": r["status"], "seconds": r["seconds"],
               "load_seconds": r["load"] if r["load"] and r["load"] > 0.0005 else float("nan"),
               "work_seconds": r["work"], "peak_mb": r["peak_mb"], "x_kit": x_kit, "check": check,
               "target": target, "runs": r.get("runs", 1), **extra}
        self.rows.append(row)
        status = "" if r["status"] == "ok" else f"  [{r['status']}: {r['error'].splitlines()[-1] if r['error'] else ''}]"
        peak = "-" if r["peak_mb"] != r["peak_mb"] else f"{r['peak_mb']:,.0f}"
        vals = [f"{size:,}", impl, fmt_seconds(r["seconds"]), fmt_seconds(row["load_seconds"]), peak,
                fmt_ratio(x_kit) if impl != "kit" else "1", check, target]
        print(" ".join(f"{v:>{w}}" if i != len(vals) - 1 else f"  {v}"
                       for i, (v, (_, w)) in enumerate(zip(vals, self.COLS))) + status)
        sys.stdout.flush()
        return row


def _miss(factor: float) -> str:
    """How far a missed target is: a percentage below 2x (1.02x would print as "1.0x"), else a factor."""
    return f"MISS by {(factor - 1) * 100:.0f}%" if factor < 2 else f"MISS by {factor:.1f}x"


@dataclass
class Target:
    """``kit_s / other_s <= limit`` (``kind="at_most"``: the kit at most ``limit`` times the other's time)
    or ``other_s / kit_s >= limit`` (``kind="faster"``: the kit at least ``limit`` times faster)."""
    what: str
    kind: str
    limit: float

    def judge(self, kit_s: float, other_s: float) -> tuple[float, bool, str]:
        if kit_s != kit_s or other_s != other_s:
            return float("nan"), False, "not measured"
        if self.kind == "at_most":
            v = kit_s / other_s
            ok = v <= self.limit
            return v, ok, (f"kit = {v:.2f}x the time of {self.what} (target <= {self.limit:g}x): " +
                           ("PASS" if ok else _miss(v / self.limit)))
        v = other_s / kit_s
        ok = v >= self.limit
        pace = f"kit {v:,.1f}x faster than" if v >= 1 else f"kit {1 / v:,.1f}x SLOWER than"
        return v, ok, (f"{pace} {self.what} (target >= {self.limit:g}x faster): " +
                       ("PASS" if ok else _miss(self.limit / v)))


def versions(extra_python: dict | None = None) -> dict:
    out = {}
    for pkg in ("duckdb", "ibis-framework", "pandas", "numpy", "pyarrow", "polars", "lifetimes"):
        try:
            out[pkg] = _md.version(pkg)
        except _md.PackageNotFoundError:
            out[pkg] = None
    for label, py in (extra_python or {}).items():
        try:
            out[label] = subprocess.run(
                [str(py), "-c", "import importlib.metadata as m; print(m.version('retentioneering'), "
                                "m.version('pandas'), m.version('numpy'))"],
                capture_output=True, text=True, timeout=60).stdout.strip() or None
        except (OSError, subprocess.TimeoutExpired):
            out[label] = None
    return out


def fingerprint(modules: list[str]) -> dict:
    """Git HEAD and the sha256 of each measured helper module as it is on disk (others may be editing them)."""
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--", *modules], cwd=ROOT, capture_output=True,
                           text=True).stdout.split()
    return {"git_head": head, "modules": {m: hashlib.sha256((ROOT / m).read_bytes()).hexdigest()[:12] for m in modules},
            "modified_vs_head": [m for m in modules if m in dirty]}


def save(name: str, rows: list[dict], targets: list[dict], meta: dict, printed: str | None = None) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = _dt.datetime.now().strftime("%Y%m%dT%H%M%S")
    meta = {"benchmark": name, "when": stamp, "cpus": os.cpu_count(), **meta}
    clean = [{k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()} for r in rows]
    (RESULTS / f"{name}.json").write_text(json.dumps({"meta": meta, "rows": clean, "targets": targets},
                                                     indent=1, default=str))
    keys = list(dict.fromkeys(k for r in clean for k in r))
    with open(RESULTS / f"{name}.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=keys)
        w.writeheader()
        w.writerows(clean)
    if printed is not None:
        (RESULTS / f"{name}.txt").write_text(printed)
    # a dated copy too: the latest files are shared by everyone running the benchmark on this box
    dated = RESULTS / "runs"
    dated.mkdir(exist_ok=True)
    (dated / f"{name}-{stamp}.json").write_text((RESULTS / f"{name}.json").read_text())
    if printed is not None:
        (dated / f"{name}-{stamp}.txt").write_text(printed)
    return RESULTS / f"{name}.json"


METHOD = ("fresh interpreter per case; seconds = load + work after imports, best of --repeat runs "
          "for cases under 30 s; peak = max ru_maxrss")


def finish(name: str, args, rows: list[dict], targets: list[dict], meta: dict, tee: "Tee",
           failures: list[str]) -> int:
    """Print the targets, save the results (``<name>_quick`` for a smoke run, ``<name>_arrival`` for
    tables in arrival order), report disagreements; returns the exit code (1 when an implementation
    disagreed or a required case broke)."""
    print_targets(targets)
    sys.stdout = tee._out
    meta = {**meta, "layout": layout(args), "load_average": {"before": tee.load_before, "after": load_average()},
            "method": METHOD}
    path = save(name + ("_quick" if args.quick else "") + ("_arrival" if layout(args) == "arrival" else ""),
                rows, targets, meta, tee.text())
    print(f"\nsaved {path.relative_to(ROOT)} (+ .csv, .txt)")
    if failures:
        print("\nFAILED: the implementations disagree or a case broke:\n  " + "\n  ".join(failures), file=sys.stderr)
        return 1
    return 0


def print_targets(targets: list[dict]) -> None:
    print("\nTargets")
    for t in targets:
        print(f"  {t['size']:>12,}  {t['verdict']}")


class Tee:
    """Copy of everything printed, for ``results/<name>.txt``."""

    def __init__(self):
        self.parts, self._out = [], sys.stdout
        self.load_before = load_average()  # the machine's load when the benchmark began

    def write(self, s):
        self.parts.append(s)
        return self._out.write(s)

    def flush(self):
        self._out.flush()

    def text(self) -> str:
        return "".join(self.parts)


def sizes_arg(values) -> list[int]:
    return [int(float(v)) for v in values]


def add_options(ap, unit: str, sizes: list[str]) -> None:
    """The options every comparison script takes: ``--<unit>`` sizes, ``--quick``, ``--timeout``, ``--repeat``."""
    ap.add_argument(f"--{unit}", nargs="+", default=sizes, help=f"table sizes ({unit})")
    ap.add_argument("--quick", action="store_true", help=f"1e5 {unit} only (smoke run)")
    ap.add_argument("--timeout", type=float, default=1200, help="seconds allowed to one case")
    ap.add_argument("--repeat", type=int, default=3, help="best of N fresh runs for cases under 30 s")
    ap.add_argument("--arrival-order", action="store_true",
                    help="tables in drawn (random) order, not the kit's warehouse layout (by member, then time)")


def layout(args) -> str:
    """``"kit"`` (rows by member, then time, as the warehouse stores them) or ``"arrival"``."""
    return "arrival" if args.arrival_order else "kit"


def begin(args, unit: str) -> tuple[list[int], "Tee"]:
    """The sizes to run and the :class:`Tee` now copying stdout (for :func:`finish`)."""
    tee = Tee()
    sys.stdout = tee
    print(f"layout: {'rows in drawn (arrival) order' if layout(args) == 'arrival' else 'the kit warehouse layout: rows by member, then time'}")
    return ([100_000] if args.quick else sizes_arg(getattr(args, unit))), tee
