"""Shared fixtures. ``sample`` is one tiny generated enterprise, ingested once per test session."""
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SAMPLE_SCALE, SAMPLE_SEED = 0.02, 7


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
