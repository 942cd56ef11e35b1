"""The context a chapter works in: warehouse connection, calendar, output folder, language.

A chapter opens it once from its papermill parameters and passes it around; recording a figure or
saving a chart goes through it so every chapter writes to the same ``outputs/<run_id>/``.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from helpers import metrics, warehouse
from helpers.glossary import check_lang
from helpers.project import data_paths, resolve_dir
from helpers.timeline import DEFAULT_TZ, Timeline


@dataclass(frozen=True)
class Study:
    """What a chapter needs: ``con`` (Ibis), ``timeline``, ``output_dir``, ``lang``, ``chapter`` id."""

    con: object
    timeline: Timeline
    output_dir: Path
    lang: str
    chapter: str
    data_dir: Path

    @property
    def tz(self) -> str:
        return self.timeline.tz

    def record(self, name: str, value, **kwargs) -> None:
        """Record figure ``name`` of this chapter in metrics.json (see :func:`helpers.metrics.record`).
        Returns nothing, so a cell that ends with a record shows no stray output."""
        metrics.record(self.output_dir, self.chapter, name, value, **kwargs)

    def metrics(self) -> dict:
        """Everything recorded so far in this run, by chapter."""
        return metrics.read_metrics(self.output_dir)

    def save(self, ax_or_fig, name: str) -> Path:
        """Save a chart as ``figures/<chapter>_<name>.png`` (print resolution) and list it, with its
        title as the headline, in ``figures/index.json`` for the PPTX deck."""
        fig = getattr(ax_or_fig, "figure", ax_or_fig)
        path = self.output_dir / "figures" / f"{self.chapter}_{name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=200, bbox_inches="tight")
        # a figure-level title states the finding of a multi-panel chart; panels carry their own labels
        titles = [fig._suptitle.get_text() if fig._suptitle else ""]
        titles += [a.get_title(loc) for a in fig.axes for loc in ("left", "center")]
        headline = next((t for t in titles if t), name)
        index_path = path.parent / "index.json"
        index = json.loads(index_path.read_text(encoding="utf-8")) if index_path.exists() else []
        index = [e for e in index if e["file"] != path.name]
        index.append({"chapter": self.chapter, "name": name, "title": headline, "file": path.name})
        index.sort(key=lambda e: e["chapter"])  # stable: save order within a chapter
        index_path.write_text(json.dumps(index, ensure_ascii=False, indent=1), encoding="utf-8")
        return path

    def periods(self) -> dict:
        return {"pre": self.timeline.pre, "design": self.timeline.design, "test": self.timeline.test}


def open_study(chapter: str, run_id: str = "manual", data_dir: str = "", warehouse_path: str = "",
               backend: str = "duckdb", start: str = "2026-06-01", pre_days: int = 30,
               design_days: int = 15, test_days: int = 30, lang: str = "en", output_dir: str = "",
               tz: str = DEFAULT_TZ) -> Study:
    """Open the warehouse read-only and build the chapter's context from its parameters.
    Empty paths mean the kit's defaults: ``data/``, ``data/warehouse.duckdb``, ``outputs/<run_id>``.
    With ``backend="pyspark"`` the warehouse is the folder of Parquet copies (default ``data/parquet``).
    Sets the notebook's table display for readers: numbers with at most 3 decimals, text cells in full
    (pandas' defaults show 6 decimals and cut text at 50 characters)."""
    check_lang(lang)
    pd.set_option("display.precision", 3)
    pd.set_option("display.max_colwidth", None)
    paths = data_paths(data_dir or None)
    default = paths["parquet"] if backend == "pyspark" else paths["warehouse"]
    db = resolve_dir(warehouse_path, str(default)) if warehouse_path else default
    out = resolve_dir(output_dir, f"outputs/{run_id}") if output_dir else resolve_dir(None, f"outputs/{run_id}")
    out.mkdir(parents=True, exist_ok=True)
    con = warehouse.connect(db, backend=backend, tz=tz, read_only=True)
    missing = warehouse.missing_tables(con)
    if missing:
        raise RuntimeError(f"The warehouse {db} lacks tables {missing}. Re-run ingestion: `make run`.")
    tl = Timeline(start=start, pre_days=pre_days, design_days=design_days, test_days=test_days, tz=tz)
    return Study(con=con, timeline=tl, output_dir=out, lang=lang, chapter=str(chapter), data_dir=paths["data"])
