"""Key figures of a run, recorded by the chapters into ``outputs/<run_id>/metrics.json``.

Later chapters read them back with :func:`read_metrics`; they never re-run an earlier notebook.
The file is written with sorted keys and rounded floats, so the same data gives the same bytes.
"""
from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np

FILENAME = "metrics.json"
DIGITS = 6


def _clean(value):
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        if math.isnan(value) or math.isinf(value):
            return None
        return round(value, DIGITS)
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    return value


def record(output_dir: str | os.PathLike, chapter: str, name: str, value, *, unit: str | None = None,
           definition: str | None = None, ci: tuple[float, float] | None = None, **extra) -> dict:
    """Add or replace figure ``chapter.name`` in ``output_dir/metrics.json`` and return the entry.

    ``unit`` is one of 'share' (0-1), 'members', 'hours', 'count', 'currency' or free text; ``ci`` a
    (low, high) interval when the figure is an estimate.
    """
    if not chapter or not name:
        raise ValueError("`chapter` and `name` are required, e.g. record(out, '01', 'core_share', 0.18).")
    path = Path(output_dir) / FILENAME
    path.parent.mkdir(parents=True, exist_ok=True)
    data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    entry = {"value": _clean(value)}
    if unit is not None:
        entry["unit"] = unit
    if definition is not None:
        entry["definition"] = definition
    if ci is not None:
        entry["ci"] = _clean(list(ci))
    entry.update({k: _clean(v) for k, v in extra.items()})
    data.setdefault(str(chapter), {})[name] = entry
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1), encoding="utf-8")
    tmp.replace(path)
    return entry


def read_metrics(output_dir: str | os.PathLike) -> dict:
    """All recorded figures, ``{chapter: {name: {"value", "unit", ...}}}``; empty if none yet."""
    path = Path(output_dir) / FILENAME
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def value(output_dir: str | os.PathLike, chapter: str, name: str):
    """One recorded value; a clear error names what was recorded if it is missing."""
    data = read_metrics(output_dir)
    try:
        return data[str(chapter)][name]["value"]
    except KeyError:
        have = {ch: sorted(v) for ch, v in data.items()}
        raise KeyError(f"No figure {chapter}.{name} in {Path(output_dir) / FILENAME}. Recorded: {have}. "
                       f"Run chapter {chapter} first.") from None
