"""Writing vendor files fast: DuckDB renders JSON (escaping, UTF-8) from Arrow tables, and the
rendered text goes to disk straight from Arrow's buffers. Small payloads use :mod:`json`.

Every writer counts the rows it writes under a ``"<source>/<file kind>"`` key.
"""
from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path
from typing import Callable

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

ITEMS = "@@items@@"   # placeholder for the list of records inside a page envelope


class Writer:
    """Owns the output folder, one DuckDB connection (used only to render text) and the counts."""

    def __init__(self, raw_dir: Path):
        self.raw = Path(raw_dir)
        self.con = duckdb.connect()
        self.con.execute("SET threads = 2")
        self.counts: Counter = Counter()

    def path(self, rel: str) -> Path:
        p = self.raw / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        return p

    def register(self, name: str, table) -> None:
        """Load an Arrow table or a dict of arrays into a DuckDB table ``name`` (replacing it).

        A native table, not an Arrow view: scanning a registered Arrow object costs a fixed
        10-20 ms per query, which adds up over 150 daily files."""
        if isinstance(table, dict):
            table = pa.table({k: _arrow(v) for k, v in table.items()})
        self.con.register("_incoming", table)
        self.con.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM _incoming')
        self.con.unregister("_incoming")

    def json(self, rel: str, obj, kind: str | None = None, rows: int = 1) -> None:
        self.path(rel).write_text(json.dumps(obj, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        if kind:
            self.counts[kind] += rows

    def lines(self, rel: str, sql: str, kind: str) -> int:
        """Write the single text column of ``sql`` (one JSON document a row, ordered) as JSON lines."""
        col = self.con.sql(f"SELECT line || chr(10) FROM ({sql})").fetch_arrow_table().column(0)
        with open(self.path(rel), "wb") as fh:
            _write_column(fh, col)
        self.counts[kind] += len(col)
        return len(col)

    def lines_split(self, rels: list[str], sizes: list[int], sql: str, kind: str) -> None:
        """Like :meth:`lines`, for several files at once: ``sql`` yields ``sum(sizes)`` lines in file
        order, the first ``sizes[0]`` go to ``rels[0]`` and so on."""
        col = self.con.sql(f"SELECT line || chr(10) FROM ({sql})").fetch_arrow_table().column(0)
        if len(col) != sum(sizes):
            raise RuntimeError(f"{kind}: query gave {len(col)} lines for {sum(sizes)} rows.")
        start = 0
        for rel, n in zip(rels, sizes):  # loop over files
            with open(self.path(rel), "wb") as fh:
                _write_column(fh, col.slice(start, n))
            start += n
        self.counts[kind] += len(col)

    def pages(self, sql: str, page_size: int, rel_for: Callable[[int], str],
              envelope: Callable[[int, int, int, bool], dict], kind: str) -> int:
        """Group the ``(seq, obj, end_time)`` rows of ``sql`` into pages of ``page_size``.

        ``envelope(page, rows, end_time, is_last)`` returns the page object with :data:`ITEMS` where
        the list of ``obj`` goes, so key order follows the vendor's."""
        pages = self.con.sql(
            f"SELECT seq // {page_size} AS page, to_json(list(obj ORDER BY seq))::VARCHAR AS items, "
            f"count(*) AS n, max(end_time) AS end_time FROM ({sql}) GROUP BY page ORDER BY page").fetchall()
        if not pages:
            pages = [(0, "[]", 0, 0)]
        for i, (page, items, n, end_time) in enumerate(pages):
            env = envelope(int(page), int(n), int(end_time or 0), i == len(pages) - 1)
            text = json.dumps(env, ensure_ascii=False, separators=(",", ":")).replace(f'"{ITEMS}"', items, 1)
            self.path(rel_for(i)).write_text(text, encoding="utf-8")
            self.counts[kind] += int(n)
        return len(pages)

    def csv(self, rel: str, frame: pd.DataFrame, kind: str) -> None:
        """Every value quoted, empty for null, ``\\n`` line ends (Salesforce Bulk API 2.0 style)."""
        frame.to_csv(self.path(rel), index=False, quoting=csv.QUOTE_ALL, na_rep="", lineterminator="\n",
                     encoding="utf-8")
        self.counts[kind] += len(frame)

    def csv_split(self, stem: str, frame: pd.DataFrame, kind: str, max_rows: int = 50_000) -> None:
        """``Contact.csv``, ``Contact_2.csv``, ... with at most ``max_rows`` rows each."""
        for i, lo in enumerate(range(0, max(len(frame), 1), max_rows)):
            name = f"{stem}.csv" if i == 0 else f"{stem}_{i + 1}.csv"
            self.csv(name, frame.iloc[lo:lo + max_rows], kind)


def _arrow(values) -> pa.Array:
    arr = np.asarray(values)
    if arr.dtype == object:
        return pa.array(arr, type=pa.string(), from_pandas=True)
    return pa.array(arr, from_pandas=True)


def _write_column(fh, col: pa.ChunkedArray) -> None:
    for chunk in col.chunks:
        if len(chunk) == 0:
            continue
        bufs = chunk.buffers()
        width = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
        off = np.frombuffer(bufs[1], dtype=width)[chunk.offset:chunk.offset + len(chunk) + 1]
        fh.write(memoryview(bufs[2])[int(off[0]):int(off[-1])])


class Batch:
    """Collect per-file tables (one output line per row, column ``seq`` numbering rows inside the
    file) and render them with one query per ``max_rows`` rows: fewer, larger DuckDB queries."""

    def __init__(self, w: Writer, table: str, sql: str, kind: str, max_rows: int = 400_000):
        self.w, self.table, self.sql, self.kind, self.max_rows = w, table, sql, kind, max_rows
        self.parts: list[dict] = []
        self.rels: list[str] = []

    def add(self, rel: str, cols: dict) -> None:
        self.parts.append(cols)
        self.rels.append(rel)
        if sum(len(p["seq"]) for p in self.parts) >= self.max_rows:
            self.flush()

    def flush(self) -> None:
        if not self.parts:
            return
        sizes = [len(p["seq"]) for p in self.parts]
        offsets = np.cumsum([0] + sizes[:-1])
        merged = {k: np.concatenate([p[k] for p in self.parts]) for k in self.parts[0] if k != "seq"}
        merged["seq"] = np.concatenate([p["seq"] + o for p, o in zip(self.parts, offsets)])
        self.w.register(self.table, merged)
        self.w.lines_split(self.rels, sizes, self.sql, self.kind)
        self.parts, self.rels = [], []
