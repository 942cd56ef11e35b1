"""Shared fixtures. ``sample`` is one tiny generated enterprise, ingested once per test session;
``e2e`` is one end-to-end run of every chapter on it (Chinese labels), shared by the end-to-end and
real-browser tests so the pipeline runs once per session."""
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SAMPLE_SCALE, SAMPLE_SEED = 0.02, 7
E2E_LANG = "zh"  # Chinese chart and table labels, so the browser check sees CJK text


@pytest.fixture(autouse=True)
def _isolated_text_scores(tmp_path, monkeypatch):
    """Each test starts with no cached sentiment scores (``sentiment.kit_scores`` keeps them per
    process and on disk), so a test that counts scoring calls sees its own."""
    from helpers import sentiment
    monkeypatch.setattr(sentiment, "_scores_dir", lambda: tmp_path / "text_scores")
    monkeypatch.setattr(sentiment, "_SCORES", {})
    monkeypatch.setattr(sentiment, "_READ", set())


@dataclass(frozen=True)
class Sample:
    """A generated and ingested sample: ``con`` (Ibis, read-only), ``truth`` (ground_truth.json),
    ``raw`` (the raw export folder), ``data`` (its data folder), ``timeline``."""

    con: object
    truth: dict
    raw: Path
    data: Path
    timeline: object


@pytest.fixture(scope="session")
def sample(tmp_path_factory) -> Sample:
    from helpers import project, runner, warehouse
    from helpers.timeline import Timeline

    data = tmp_path_factory.mktemp("sample") / "data"
    paths = project.data_paths(data)
    runner.ensure_sample(paths, SAMPLE_SCALE, SAMPLE_SEED, "2026-06-01", progress=False)
    runner.ensure_warehouse(paths, "tests", "2026-06-01", progress=False)
    con = warehouse.connect(paths["warehouse"], read_only=True)
    truth = json.loads((paths["raw"] / "ground_truth.json").read_text(encoding="utf-8"))
    yield Sample(con=con, truth=truth, raw=paths["raw"], data=data, timeline=Timeline(start=truth.get("start", "2026-06-01")))
    con.disconnect()


@dataclass(frozen=True)
class E2ERun:
    """One end-to-end run: ``base`` (its temporary folder), ``out`` (``outputs/<run_id>/``), ``truth``
    (ground_truth.json), ``data`` (its data folder), and the run's ``scale``, ``seed`` and ``lang``."""

    base: Path
    out: Path
    truth: dict
    data: Path
    scale: float
    seed: int
    lang: str


@pytest.fixture(scope="session")
def e2e(tmp_path_factory) -> E2ERun:
    """generate -> ingest -> six chapters under papermill -> HTML, slides, report, deck (run_id ``e2e``)."""
    from helpers import runner

    base = tmp_path_factory.mktemp("e2e")
    out = runner.run(run_id="e2e", scale=SAMPLE_SCALE, seed=SAMPLE_SEED, data_dir=str(base / "data"),
                     output_dir=str(base / "outputs"), lang=E2E_LANG, progress=False)
    truth = json.loads((base / "data" / "raw" / "ground_truth.json").read_text(encoding="utf-8"))
    return E2ERun(base=base, out=out, truth=truth, data=base / "data", scale=SAMPLE_SCALE,
                  seed=SAMPLE_SEED, lang=E2E_LANG)
