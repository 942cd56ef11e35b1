"""Where the kit's folders are, resolved from the package location, never from the working directory."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE_DIR = ROOT / "data" / "reference"


def resolve_dir(value: str | os.PathLike | None, default: str) -> Path:
    """An absolute folder: ``value`` if given (relative values are read from the kit's root), else ``ROOT/default``."""
    path = Path(value) if value not in (None, "") else Path(default)
    return path if path.is_absolute() else (ROOT / path).resolve()


def data_paths(data_dir: str | os.PathLike | None = None) -> dict[str, Path]:
    """The data folder's layout: ``raw``, ``warehouse`` (DuckDB file), ``parquet``, ``quarantine``."""
    base = resolve_dir(data_dir, "data")
    return {
        "data": base,
        "raw": base / "raw",
        "warehouse": base / "warehouse.duckdb",
        "parquet": base / "parquet",
        "quarantine": base / "quarantine",
    }
