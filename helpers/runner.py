"""One runner, one manifest: sample → warehouse → chapters (papermill) → HTML, recorded in run.json.

``python -m helpers run`` calls :func:`run`. The ordered chapter list is ``notebooks/manifest.json``.
"""
from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

from helpers.project import ROOT, data_paths, resolve_dir
from helpers.timeline import DEFAULT_START

NOTEBOOK_DIR = ROOT / "notebooks"
MANIFEST = NOTEBOOK_DIR / "manifest.json"
DEFAULT_SCALE = 0.05
DEFAULT_SEED = 7
MODELS_COMMAND = [sys.executable, "-m", "helpers", "models"]  # see start_models


class RunError(RuntimeError):
    """A chapter failed; the message names the notebook and the cell, and where the partial copy is."""


def manifest() -> list[dict]:
    """The ordered chapters: ``id``, ``notebook``, ``title`` and, optionally, ``needs`` (what the chapter
    reads besides the warehouse: ``"sentiment_model"``, the kit's trained model and its comparison)."""
    return json.loads(MANIFEST.read_text(encoding="utf-8"))["chapters"]


def select(chapters: list[dict], only: str | list[str] | None) -> list[dict]:
    """The chapters named by ``only`` ("01,02" or a list of ids), in manifest order."""
    if not only:
        return chapters
    wanted = [s.strip() for s in (only.split(",") if isinstance(only, str) else only) if s.strip()]
    known = [c["id"] for c in chapters]
    unknown = [w for w in wanted if w not in known]
    if unknown:
        raise ValueError(f"Unknown chapter id(s) {unknown} in --only. Available: {known}.")
    return [c for c in chapters if c["id"] in wanted]


def file_digests(folder: Path) -> dict[str, str]:
    """SHA-256 of every file below ``folder``, by path relative to it (sorted)."""
    out = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        h = hashlib.sha256()
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        out[path.relative_to(folder).as_posix()] = h.hexdigest()
    return out


def _digest_of(digests: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(digests, sort_keys=True).encode()).hexdigest()


def ensure_sample(paths: dict, scale: float, seed: int, start: str, progress: bool = True) -> str:
    """Generate the sample into ``paths['raw']`` unless raw exports are there. A sample of another
    scale or seed is regenerated; the analyst's own exports (no ground_truth.json) are never touched.
    Returns 'generated', 'kept sample' or 'own exports'."""
    raw = paths["raw"]
    truth = raw / "ground_truth.json"
    has_files = raw.exists() and any(p.is_file() for p in raw.rglob("*"))
    if has_files and not truth.exists():
        return "own exports"
    if has_files:
        gt = json.loads(truth.read_text(encoding="utf-8"))
        if float(gt.get("scale")) == float(scale) and int(gt.get("seed")) == int(seed) \
                and str(gt.get("start")) == str(start):
            return "kept sample"
        shutil.rmtree(raw)
    from helpers.synth import generate
    generate(paths["data"], scale=scale, seed=seed, start=start, progress=progress)
    return "generated"


def ensure_warehouse(paths: dict, run_id: str, start: str, progress: bool = True) -> dict:
    """Ingest ``raw/`` into the warehouse unless it already holds exactly these inputs.
    Returns the input digests."""
    digests = file_digests(paths["raw"])
    stamp = paths["warehouse"].with_suffix(".json")
    digest = _digest_of(digests)
    if paths["warehouse"].exists() and stamp.exists() and \
            json.loads(stamp.read_text()).get("inputs_digest") == digest:
        return digests
    from helpers import warehouse
    from helpers.ingest import ingest_all
    tmp = paths["warehouse"].with_suffix(".building.duckdb")
    tmp.unlink(missing_ok=True)
    con = warehouse.connect(tmp)
    try:
        ingest_all(paths["raw"], con, paths["quarantine"] / run_id, run_id=run_id, start=start,
                   progress=progress)
        warehouse.export_parquet(con, paths["parquet"])
    finally:
        con.disconnect()
    tmp.replace(paths["warehouse"])
    stamp.write_text(json.dumps({"inputs_digest": digest, "run_id": run_id}, indent=1))
    return digests


@contextmanager
def measured(steps: list, name: str, interval: float = 0.2):
    """Append ``{step, seconds, peak_mb}`` to ``steps`` for the block: wall time, and the peak resident
    memory of this process plus its children (the chapter's kernel), sampled every ``interval`` s."""
    import psutil

    me = psutil.Process()
    peak = [0]
    done = threading.Event()

    def sample():
        while True:
            total = 0
            for p in [me, *me.children(recursive=True)]:
                try:
                    total += p.memory_info().rss
                except psutil.Error:  # a child that just ended
                    pass
            peak[0] = max(peak[0], total)
            if done.wait(interval):
                return

    watcher = threading.Thread(target=sample, daemon=True)
    t0 = time.perf_counter()
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join()
        steps.append({"step": name, "seconds": round(time.perf_counter() - t0, 1),
                      "peak_mb": round(peak[0] / 2**20)})


def package_versions() -> dict[str, str]:
    """Installed versions of every package pinned in requirements.txt."""
    out = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        name = line.split("==")[0].split("[")[0].strip()
        if name and not name.startswith("#"):
            try:
                out[name] = metadata.version(name)
            except metadata.PackageNotFoundError:
                out[name] = "not installed"
    return out


def start_models(chapters: list[dict]):
    """Start training the sentiment model and its comparison with SnowNLP (``python -m helpers models``)
    in a background process when a chapter of ``chapters`` needs them. Returns ``(process, log file)``
    or None.

    Training and scoring take about 40 s of one core. The sample and the warehouse build leave part of
    the second core idle, so a fresh run hides most of that time instead of spending it in chapter 2.
    When the cache holds them, the process only reads the cached comparison and ends. The runner does
    not import the model's packages itself: they would stay in its memory for the whole run.
    """
    if not any("sentiment_model" in c.get("needs", ()) for c in chapters):
        return None
    log = tempfile.TemporaryFile(mode="w+")
    proc = subprocess.Popen(MODELS_COMMAND, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    return proc, log


def wait_models(job) -> None:
    """Wait for :func:`start_models`' process. If it failed, say so and go on: the chapter then trains
    the model itself (the cache files are written atomically, so a partial file is never read)."""
    if job is None:
        return
    proc, log = job
    if proc.wait() != 0:
        log.seek(0)
        print(f"[run] training the sentiment model in the background failed (exit {proc.returncode}); "
              f"the chapter trains it itself. Its output ended with:\n{log.read()[-2000:]}", flush=True)


def stop_models(job) -> None:
    """End :func:`start_models`' process if it still runs (a run that stopped early); close its log."""
    if job is None:
        return
    proc, log = job
    if proc.poll() is None:
        proc.terminate()
        proc.wait()
    log.close()


def _execute(chapter: dict, out_dir: Path, params: dict) -> Path:
    import papermill as pm
    src = NOTEBOOK_DIR / chapter["notebook"]
    dst = out_dir / chapter["notebook"]
    try:
        pm.execute_notebook(str(src), str(dst), parameters=params, cwd=str(NOTEBOOK_DIR),
                            kernel_name="python3", progress_bar=False, log_output=False)
    except pm.PapermillExecutionError as err:
        raise RunError(f"Chapter {chapter['id']} ({chapter['notebook']}) failed in cell {err.cell_index} "
                       f"(execution count {err.exec_count}): {err.ename}: {err.evalue}. "
                       f"The partial executed notebook is kept at {dst}.") from None
    return dst


def run(run_id: str | None = None, scale: float = DEFAULT_SCALE, seed: int = DEFAULT_SEED,
        data_dir: str | None = None, output_dir: str | None = None, only=None, lang: str = "en",
        start: str = DEFAULT_START, conversion_window_days: int = 30, progress: bool = True) -> Path:
    """Run the study end to end and return ``outputs/<run_id>/``.

    Steps: the sample (if ``raw/`` has no exports), ingestion (if the inputs changed), each chapter
    of the manifest with papermill, a code-free HTML page and offline reveal.js slides per chapter,
    one ``report.html`` with a table of contents, ``deck.pptx``, ``index.html`` and ``run.json``
    (parameters, package versions, a SHA-256 of every input file). A failing chapter stops the run with
    :class:`RunError`; its partial executed copy is kept.
    """
    from helpers import deck, publish
    run_id = run_id or f"scale{scale:g}-seed{seed}"
    paths = data_paths(data_dir)
    out_dir = resolve_dir(output_dir, "outputs") / run_id
    chapters = select(manifest(), only)
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    # kernels inherit the environment: a headless MPLBACKEND (Agg, set for tests) would keep every chart
    # out of the executed notebooks, so the kernels get the inline backend explicitly
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    t0 = time.time()
    steps: list[dict] = []
    models = start_models(chapters)  # in parallel with the sample and the warehouse; counted in their peaks
    try:
        with measured(steps, "sample"):
            sample = ensure_sample(paths, scale, seed, start, progress)
        with measured(steps, "warehouse"):
            digests = ensure_warehouse(paths, run_id, start, progress)
    except BaseException:
        stop_models(models)
        raise
    out_dir.mkdir(parents=True, exist_ok=True)
    params = dict(run_id=run_id, data_dir=str(paths["data"]), warehouse=str(paths["warehouse"]),
                  backend="duckdb", scale=float(scale), seed=int(seed), start=str(start),
                  pre_days=30, design_days=15, test_days=30,
                  conversion_window_days=int(conversion_window_days), lang=lang, output_dir=str(out_dir))
    record = {"run_id": run_id, "parameters": params, "sample": sample, "python": platform.python_version(),
              "packages": package_versions(), "inputs": digests, "chapters": [], "steps": steps}
    run_json = out_dir / "run.json"
    status = {c["id"]: "not run" for c in manifest()}
    try:
        for ch in chapters:
            print(f"[run] chapter {ch['id']} {ch['notebook']} ...", flush=True)
            status[ch["id"]] = "failed"
            with measured(steps, f"chapter {ch['id']}"):
                if "sentiment_model" in ch.get("needs", ()):
                    wait_models(models)
                nb = _execute(ch, out_dir, params)
                publish.export_html(nb)
                publish.export_slides(nb)
            status[ch["id"]] = "ok"
            record["chapters"].append({"id": ch["id"], "notebook": ch["notebook"], **{
                k: steps[-1][k] for k in ("seconds", "peak_mb")}})
        with measured(steps, "exports"):
            publish.copy_slide_assets(out_dir)
            executed = [out_dir / c["notebook"] for c in manifest() if (out_dir / c["notebook"]).exists()]
            publish.export_report(executed, out_dir / "report.html")
            deck.build_deck(out_dir, lang=lang, params=params)  # run.json is written after this
    finally:
        stop_models(models)
        record["seconds"] = round(time.time() - t0, 1)
        run_json.write_text(json.dumps(record, indent=1, ensure_ascii=False), encoding="utf-8")
        publish.write_index(out_dir, [dict(c, status=status[c["id"]]) for c in manifest()])
    for st in steps:
        print(f"[run] {st['step']:<11} {st['seconds']:>7.1f} s  peak {st['peak_mb']:>6,} MB", flush=True)
    print(f"[run] report: {out_dir / 'index.html'}", flush=True)
    return out_dir

