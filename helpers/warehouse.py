"""The warehouse: canonical tables (``helpers.schema.TABLES``) in one DuckDB file, opened through Ibis.

Analysis helpers take tables from the connection returned by :func:`connect` and never open their
own. Time stamps are stored timezone-aware (DuckDB ``TIMESTAMPTZ``); the session time zone is set to
the study's zone so that dates and hours computed in the engine are local ones.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import ibis
import pandas as pd
import pyarrow as pa

from helpers import schema
from helpers.timeline import DEFAULT_TZ

Backend = Literal["duckdb"]
BACKENDS = ("duckdb",)
DEFAULT_PATH = Path("data") / "warehouse.duckdb"


def _check_backend(backend: str) -> None:
    if backend not in BACKENDS:
        raise ValueError(f"`backend` must be one of {BACKENDS!r}; not {backend!r}.")


def connect(path: str | os.PathLike | None = None, backend: Backend = "duckdb",
            tz: str = DEFAULT_TZ, read_only: bool = False):
    """Open the warehouse and return an Ibis connection.

    ``path`` defaults to ``data/warehouse.duckdb``; ``":memory:"`` gives an empty in-memory
    warehouse (tests). The session time zone is ``tz``.
    """
    _check_backend(backend)
    path = DEFAULT_PATH if path is None else path
    if str(path) != ":memory:":
        path = Path(path)
        if read_only and not path.exists():
            raise FileNotFoundError(
                f"No warehouse at {path}. Run `make run` (or `python -m helpers ingest`) to build it."
            )
        path.parent.mkdir(parents=True, exist_ok=True)
    con = ibis.duckdb.connect(str(path), read_only=read_only)
    con.raw_sql(f"SET TimeZone = '{tz}'")  # a setting, not data: no user input reaches this string
    return con


def conform(df: pd.DataFrame, name: str, tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """Return ``df`` with exactly the columns of canonical table ``name``, in order, typed.

    Missing columns raise; extra columns raise (a typo should not vanish silently). Naive
    time stamps are read in ``tz``.
    """
    if name not in schema.TABLES:
        raise KeyError(f"No canonical table {name!r}. Available: {sorted(schema.TABLES)}.")
    cols = schema.TABLES[name]
    missing = [c for c in cols if c not in df.columns]
    extra = [c for c in df.columns if c not in cols]
    if missing or extra:
        raise ValueError(f"Table {name!r}: missing columns {missing}, unexpected columns {extra}.")
    out = {}
    for col, typ in cols.items():
        s = df[col]
        if typ == "timestamp":
            s = pd.to_datetime(s)
            s = s.dt.tz_localize(tz) if s.dt.tz is None else s.dt.tz_convert(tz)
        elif typ == "date":
            s = pd.to_datetime(s).dt.date
        elif typ == "string":
            s = s.astype("string")
        elif typ == "boolean":
            s = s.astype("boolean")
        elif typ.startswith("int"):
            s = s.astype(typ.replace("int", "Int"))
        elif typ.startswith("float"):
            s = pd.to_numeric(s).astype(typ)
        out[col] = s
    return pd.DataFrame(out, index=df.index).reset_index(drop=True)


def ibis_schema(name: str) -> ibis.Schema:
    """The Ibis schema of canonical table ``name`` (time stamps in UTC, as DuckDB stores them)."""
    types = {c: ("timestamp('UTC')" if t == "timestamp" else t) for c, t in schema.TABLES[name].items()}
    return ibis.schema(types)


def write_table(con, name: str, df: pd.DataFrame, tz: str = DEFAULT_TZ, append: bool = False):
    """Write (or with ``append=True`` add to) canonical table ``name`` from a pandas frame.

    Rows go in through a transient DuckDB relation over Arrow: an Ibis memtable would stay registered
    in DuckDB until the process exits, so a loop of appends (ingesting daily files) would hold every
    batch in memory.
    """
    df = conform(df, name, tz)
    if not (append and name in con.list_tables()):
        con.create_table(name, schema=ibis_schema(name), overwrite=True)
    if len(df):
        con.con.from_arrow(pa.Table.from_pandas(df, preserve_index=False)).insert_into(name)
    return con.table(name)


def append_rows(con, name: str, df: pd.DataFrame, tz: str = DEFAULT_TZ) -> None:
    """Append a pandas frame to canonical table ``name``, creating it empty first if absent."""
    write_table(con, name, df, tz, append=True)


def export_parquet(con, out_dir: str | os.PathLike) -> list[Path]:
    """Copy every canonical table present to ``out_dir/<table>.parquet`` (for other engines)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name in schema.TABLES:
        if name in con.list_tables():
            path = out_dir / f"{name}.parquet"
            con.table(name).to_parquet(path)
            written.append(path)
    return written


def missing_tables(con) -> list[str]:
    """Canonical tables the warehouse does not hold."""
    present = set(con.list_tables())
    return [n for n in schema.TABLES if n not in present]
