"""Writing vendor files fast. JSON is assembled from Arrow string pieces (:mod:`helpers.synth.render`)
and goes to disk straight from Arrow's buffers; small payloads use :mod:`json`, CSV uses pandas.
The big JSON-lines exports (tracking events, the message archive) render on one worker thread, a file
at a time, while the caller simulates the next day: memory holds a few days, never a whole table.

Every writer counts the rows it writes under a ``"<source>/<file kind>"`` key.
"""
from __future__ import annotations

import csv
import json
from collections import Counter, deque
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import pyarrow as pa

from helpers.synth import render as R

ITEMS = "@@items@@"   # placeholder for the list of records inside a page envelope


class Writer:
    """Owns the output folder, the worker thread of :meth:`lines_later` and the counts."""

    def __init__(self, raw_dir: Path):
        self.raw = Path(raw_dir)
        self.counts: Counter = Counter()
        self._pool: ThreadPoolExecutor | None = None
        self._pending: deque = deque()

    def path(self, rel: str) -> Path:
        p = self.raw / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        return p

    def json(self, rel: str, obj, kind: str | None = None, rows: int = 1) -> None:
        self.path(rel).write_text(json.dumps(obj, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        if kind:
            self.counts[kind] += rows

    def lines_now(self, rel: str, lines: pa.Array, kind: str) -> int:
        """Write rendered lines (each ending in a newline) to ``rel``."""
        with open(self.path(rel), "wb") as fh:
            _write_column(fh, lines)
        self.counts[kind] += len(lines)
        return len(lines)

    def lines_later(self, rel: str, n: int, render: Callable[[], pa.Array], kind: str, ahead: int = 1) -> None:
        """Write ``rel`` from ``render()`` (``n`` texts, each ending in a newline) on the worker thread.

        Files are written in the order they are submitted; at most ``ahead`` wait behind the one being
        rendered (this call blocks until then), which bounds memory. ``render`` must not draw random
        numbers or read arrays the caller changes later. Errors surface here or in :meth:`drain`."""
        path = self.path(rel)
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="synth-writer")
        while len(self._pending) > ahead:
            self._pending.popleft().result()
        self._pending.append(self._pool.submit(_render_to, path, n, render, kind))
        self.counts[kind] += n

    def drain(self) -> None:
        """Wait for every file submitted by :meth:`lines_later` (re-raising a worker's error)."""
        while self._pending:
            self._pending.popleft().result()

    def close(self) -> None:
        """Stop the worker; files not yet started are dropped (after an error elsewhere)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        self._pending.clear()

    def pages_of(self, objs: pa.Array, page_size: int, rel_for: Callable[[int], str],
                 envelope: Callable[[int, int, int, bool], dict], kind: str, end_time: np.ndarray | None = None) -> int:
        """Group rendered JSON objects (in page order) into pages of ``page_size``, one file each.

        ``envelope(page, rows, end_time, is_last)`` returns the page object with :data:`ITEMS` where
        the list of objects goes, so key order follows the vendor's; ``end_time`` (one per object)
        gives each page's ``max``. No objects still make one (empty) page."""
        n = len(objs)
        starts = list(range(0, n, page_size)) or [0]
        sizes = [min(page_size, n - lo) for lo in starts]
        items = R.grouped(objs, np.array(sizes)) if n else pa.array([""])
        for i, (lo, k) in enumerate(zip(starts, sizes)):  # loop over pages
            end = int(end_time[lo:lo + k].max()) if end_time is not None and k else 0
            env = envelope(i, k, end, i == len(sizes) - 1)
            text = json.dumps(env, ensure_ascii=False, separators=(",", ":"))
            text = text.replace(f'"{ITEMS}"', "[" + items[i].as_py() + "]", 1)
            self.path(rel_for(i)).write_text(text, encoding="utf-8")
            self.counts[kind] += k
        return len(sizes)

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


def _render_to(path: Path, n: int, render: Callable[[], pa.Array], kind: str) -> None:
    col = render()
    if len(col) != n:
        raise RuntimeError(f"{kind}: rendered {len(col)} lines for {n} rows ({path.name}).")
    with open(path, "wb") as fh:
        _write_column(fh, col)


def _write_column(fh, col: pa.ChunkedArray | pa.Array) -> None:
    """Write the bytes of a string column (no nulls) as they lie in Arrow's data buffer."""
    chunks = col.chunks if isinstance(col, pa.ChunkedArray) else [col]
    for chunk in chunks:
        if len(chunk) == 0:
            continue
        bufs = chunk.buffers()
        width = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
        off = np.frombuffer(bufs[1], dtype=width)[chunk.offset:chunk.offset + len(chunk) + 1]
        fh.write(memoryview(bufs[2])[int(off[0]):int(off[-1])])
