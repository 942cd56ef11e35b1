"""Event-scale ingestion on Arrow batches: the tracking events and the message archive.

A *batch* is a ``pyarrow.Table`` of JSON-lines rows with one column per
:class:`~helpers.ingest.validation.Field` (as parsed: text, ``int64`` for integers and Unix times,
``float64``, ``bool``), ``_file`` (the file, relative to the raw folder) and ``_row`` (its 1-based
line). The checks are those of :mod:`helpers.ingest.validation`, vectorized; every row a check flags
is handed to the pandas path (:func:`~helpers.ingest.validation.validate`,
:func:`~helpers.ingest.validation.reject_duplicates`), so a quarantine reason is the same text
whichever path found it, and only the few flagged rows ever become pandas objects.

Duplicate keys are found by DuckDB's ``hash`` of the key columns (equal keys, equal hashes); only
rows whose hash repeats are compared exactly. Keys seen in earlier batches (the archive's msgids,
across daily files) live in :class:`SeenKeys`: their hashes in memory (8 bytes a key), the keys
with the file and row of their first occurrence in a DuckDB temporary table, which DuckDB spills
to disk under its memory limit, so millions of keys do not sit in Python objects.
"""
from __future__ import annotations

from collections import deque
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from helpers.ingest import validation as V
from helpers.ingest.quarantine import Ledger
from helpers.schema import TABLES

FAST_KINDS = ("str", "id", "int", "float", "bool", "ms", "s")
_PANDAS = {pa.int64(): pd.Int64Dtype(), pa.float64(): pd.Float64Dtype(), pa.string(): pd.StringDtype("pyarrow"),
           pa.bool_(): pd.BooleanDtype()}
_RANGE = {"ms": V._MS_RANGE, "s": (V._MS_RANGE[0] // 1000, V._MS_RANGE[1] // 1000)}


def to_pandas(tbl: pa.Table, fields: list) -> pd.DataFrame:
    """The rows of a batch as the frame :func:`~helpers.ingest.validation.validate` takes (index = the
    rows' positions in the batch are the caller's to set)."""
    cols = {f.name: (pd.Series(tbl.column(f.name).to_pylist(), dtype="object") if f.kind == "list"
                     else tbl.column(f.name).to_pandas(types_mapper=_PANDAS.get)) for f in fields}
    df = pd.DataFrame(cols)
    df["_row"] = tbl.column("_row").to_numpy()
    df["_file"] = pd.Series(tbl.column("_file").to_pylist(), dtype="object")
    return df


def from_validated(df: pd.DataFrame, fields: list) -> pa.Table:
    """A batch from a frame the pandas path validated and converted (the per-line parse of a file)."""
    cols = {}
    for f in fields:
        s = df[f.name]
        if f.kind in ("ms", "s"):
            cols[f.name] = pc.cast(pa.array(s, pa.timestamp("ns", tz="UTC")), pa.timestamp(f.kind, tz="UTC")).cast(pa.int64())
        else:
            typ = {"int": pa.int64(), "float": pa.float64(), "bool": pa.bool_()}.get(f.kind, pa.string())
            cols[f.name] = pa.array(s.astype("object").where(s.notna(), None).tolist(), typ)
    cols["_row"] = pa.array(df["_row"].to_numpy(dtype=np.int64))
    cols["_file"] = pa.array(df["_file"].astype("object").tolist(), pa.string())
    return pa.table(cols)


def validate(tbl: pa.Table, fields: list, ledger: Ledger, source: str, table: str) -> pa.Table:
    """Quarantine the rows of a fast-path batch that break ``fields``; return the others.

    A fast-path parse already has every value in its JSON type (else the file takes the per-line path),
    so what is left to check is required values, Unix-time ranges and documented values."""
    n = tbl.num_rows
    flagged = np.zeros(n, dtype=bool)
    if any(f.kind not in FAST_KINDS for f in fields):
        flagged[:] = True
    else:
        for f in fields:  # loop over the fields' checks
            col = tbl.column(f.name)
            if f.required:
                flagged |= col.is_null().to_numpy(zero_copy_only=False)
            if f.kind in _RANGE:
                lo, hi = _RANGE[f.kind]
                out = pc.or_(pc.less(col, lo), pc.greater_equal(col, hi))
                flagged |= pc.fill_null(out, False).to_numpy(zero_copy_only=False)
            if f.isin is not None:
                out = pc.invert(pc.is_in(col, value_set=pa.array(list(f.isin), col.type)))
                flagged |= pc.fill_null(out, False).to_numpy(zero_copy_only=False)
    if not flagged.any():
        return tbl
    rows = np.flatnonzero(flagged)
    sub = to_pandas(tbl.take(pa.array(rows)), fields)
    sub.index = rows
    kept = V.validate(sub, fields, ledger, source, table)
    return drop(tbl, np.setdiff1d(rows, kept.index.to_numpy()))


def drop(tbl: pa.Table, rows: np.ndarray) -> pa.Table:
    """``tbl`` without the rows at positions ``rows``."""
    if len(rows) == 0:
        return tbl
    keep = np.ones(tbl.num_rows, dtype=bool)
    keep[rows] = False
    return tbl.filter(pa.array(keep))


def reject_where(tbl: pa.Table, mask: np.ndarray, ledger: Ledger, source: str, table: str, reason: str,
                 column: str | None = None) -> pa.Table:
    """Quarantine the rows where ``mask`` holds (one reason for all); return the others."""
    mask = np.asarray(mask, dtype=bool)
    if not mask.any():
        return tbl
    bad = tbl.filter(pa.array(mask))
    ledger.reject(source, table, bad.column("_file").to_pylist(), bad.column("_row").to_numpy(), reason, column)
    return tbl.filter(pa.array(~mask))


def kept(tbl: pa.Table, ledger: Ledger, source: str, table: str) -> None:
    """Count the rows of ``tbl`` as kept, per file."""
    if tbl.num_rows == 0:
        return
    for item in pc.value_counts(tbl.column("_file")).to_pylist():  # loop over the batch's files
        ledger.kept(source, table, item["values"], item["counts"])


def row_hash(con, tbl: pa.Table, keys: list[str]) -> np.ndarray:
    """DuckDB's ``hash`` of the key columns of each row (equal keys give equal hashes)."""
    if tbl.num_rows == 0:
        return np.zeros(0, dtype=np.uint64)
    view = tbl.select(keys)
    raw = con.con if hasattr(con, "con") else con
    cols = ", ".join('"' + k.replace('"', '""') + '"' for k in keys)
    raw.register("_ingest_keys", view)
    try:  # a projection over one scan keeps the rows in order
        out = raw.sql(f"SELECT hash({cols}) AS h FROM _ingest_keys").fetch_arrow_table().column("h")
    finally:
        raw.unregister("_ingest_keys")
    return out.to_numpy()


class SeenKeys:
    """Single-column keys kept by earlier batches, with the file and row where each was first kept.

    Hashes are kept in sorted numpy blocks; the keys themselves in a DuckDB temporary table that is
    only read for the (rare) rows whose hash was seen before."""

    def __init__(self, con, name: str):
        self.raw = con.con if hasattr(con, "con") else con
        self.table = f"_ingest_seen_{name}"
        self.raw.execute(f"CREATE OR REPLACE TEMP TABLE {self.table} (k VARCHAR, file VARCHAR, row BIGINT)")
        self._blocks: list[np.ndarray] = []

    def hits(self, h: np.ndarray) -> np.ndarray:
        """Mask of hashes that an earlier batch kept."""
        out = np.zeros(h.size, dtype=bool)
        for block in self._blocks:  # loop over earlier batches
            pos = np.minimum(np.searchsorted(block, h), block.size - 1)
            out |= block[pos] == h
        return out

    def lookup(self, keys: list[str]) -> dict:
        """``{key: (file, row)}`` for those of ``keys`` seen before."""
        if not keys:
            return {}
        self.raw.register("_ingest_probe", pa.table({"k": pa.array(keys, pa.string())}))
        try:
            rows = self.raw.sql(f"SELECT s.k, s.file, s.row FROM {self.table} s JOIN _ingest_probe USING (k)").fetchall()
        finally:
            self.raw.unregister("_ingest_probe")
        return {k: (f, int(r)) for k, f, r in rows}

    def add(self, keys: pa.Array, h: np.ndarray, files: pa.Array, rows: pa.Array) -> None:
        """Remember keys kept by this batch (first occurrences, not seen before)."""
        if len(keys) == 0:
            return
        self._blocks.append(np.sort(h))
        while len(self._blocks) > 1 and self._blocks[-2].size <= 2 * self._blocks[-1].size:
            # merge blocks of similar size (two sorted runs: a linear merge), so there are few to search
            top = self._blocks.pop()
            self._blocks[-1] = np.sort(np.concatenate([self._blocks[-1], top]), kind="stable")
        self.raw.register("_ingest_new", pa.table({"k": keys, "file": files, "row": rows}))
        try:
            self.raw.execute(f"INSERT INTO {self.table} SELECT k, file, row FROM _ingest_new")
        finally:
            self.raw.unregister("_ingest_new")

    def close(self) -> None:
        self.raw.execute(f"DROP TABLE IF EXISTS {self.table}")


class _Earlier:
    """The ``seen`` argument of :func:`~helpers.ingest.validation.reject_duplicates` for flagged rows:
    answers from a lookup made beforehand; remembering is done by :meth:`SeenKeys.add`."""

    def __init__(self, found: dict):
        self.found = found

    def get(self, key):
        return self.found.get(key)

    def update(self, items) -> None:
        pass


def batch_hash(tbl: pa.Table, keys: list[str]) -> np.ndarray:
    """A hash of the key columns of each row that only holds inside this batch (text is numbered by
    its first appearance), for finding rows that may repeat: equal keys give equal hashes."""
    h = np.zeros(tbl.num_rows, dtype=np.uint64)
    for k in keys:  # loop over the key columns
        col = tbl.column(k).combine_chunks()
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            col = pc.dictionary_encode(col).indices
        if pa.types.is_floating(col.type):
            v = pc.fill_null(col.cast(pa.float64()), np.nan).to_numpy(zero_copy_only=False).view(np.uint64)
        else:
            v = pc.fill_null(col.cast(pa.int64()), -1).to_numpy(zero_copy_only=False).view(np.uint64)
        h = h * np.uint64(0x9E3779B97F4A7C15) + v
    return h


def reject_duplicates(con, tbl: pa.Table, fields: list, keys: list[str], label: str, ledger: Ledger, source: str,
                      table: str, seen: SeenKeys | None = None, show_value: bool = True,
                      candidates: list[str] | None = None) -> pa.Table:
    """:func:`~helpers.ingest.validation.reject_duplicates` for a batch: later duplicates of ``keys``
    (within the batch, and with ``seen`` across batches) are quarantined; the rest returned.

    ``candidates`` (some of ``keys``, default all) find the rows that may repeat: a cheaper test when
    a few columns almost identify a row; the exact comparison of all ``keys`` follows."""
    n = tbl.num_rows
    if n == 0:
        return tbl
    h = row_hash(con, tbl, keys) if seen is not None else batch_hash(tbl, candidates or keys)
    flagged = pd.Series(h).duplicated(keep=False).to_numpy()
    earlier = seen.hits(h) if seen is not None else np.zeros(n, dtype=bool)
    flagged |= earlier
    out = tbl
    if flagged.any():
        rows = np.flatnonzero(flagged)
        sub = V.convert(to_pandas(tbl.take(pa.array(rows)), fields), fields)
        sub.index = rows
        found = seen.lookup(tbl.column(keys[0]).take(pa.array(np.flatnonzero(earlier))).to_pylist()) if (
            seen is not None and earlier.any()) else {}
        survivors = V.reject_duplicates(sub, keys, label, ledger, source, table,
                                        seen=_Earlier(found) if seen is not None else None, show_value=show_value)
        out = drop(tbl, np.setdiff1d(rows, survivors.index.to_numpy()))
        h = np.delete(h, np.setdiff1d(rows, survivors.index.to_numpy()))
    if seen is not None:
        seen.add(out.column(keys[0]), h, out.column("_file"), out.column("_row"))
    return out


def lookup(values: pa.ChunkedArray | pa.Array, keys: pa.Array, targets: pa.Array) -> pa.Array:
    """``targets[i]`` where ``values`` equals ``keys[i]``; null where no key matches (each distinct
    value is looked up once)."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    enc = pc.dictionary_encode(values)
    return targets.take(pc.index_in(enc.dictionary, value_set=keys)).take(enc.indices)


class Inserter:
    """Appends batches to canonical tables on a worker thread (its own DuckDB cursor), in submission
    order, while the caller parses the next batch: DuckDB and Arrow release the GIL, so parsing and
    writing share the cores. At most ``ahead`` batches wait; use as a context manager (leaving it
    waits for every batch and re-raises a worker's error)."""

    def __init__(self, con, ahead: int = 1):
        raw = con.con if hasattr(con, "con") else con
        tz = raw.sql("SELECT current_setting('TimeZone')").fetchone()[0]
        self.cursor = raw.cursor()
        self.cursor.execute(f"SET TimeZone = '{tz}'")  # a setting read from DuckDB itself, not data
        self.ahead = ahead
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-insert")
        self.pending: deque = deque()

    def put(self, name: str, tbl: pa.Table) -> None:
        """Append ``tbl`` (exactly the columns of canonical table ``name``, in order) to the warehouse."""
        cols = list(TABLES[name])
        if tbl.column_names != cols:
            raise ValueError(f"Table {name!r} takes columns {cols}; got {tbl.column_names}.")
        if tbl.num_rows == 0:
            return
        while len(self.pending) > self.ahead:
            self.pending.popleft().result()
        self.pending.append(self.pool.submit(lambda: self.cursor.from_arrow(tbl).insert_into(name)))

    def __enter__(self) -> "Inserter":
        return self

    def __exit__(self, kind, exc, tb) -> None:
        try:
            if kind is None:
                while self.pending:
                    self.pending.popleft().result()
        finally:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.cursor.close()


def utc_times(values, unit: str) -> pa.Array:
    """Unix times (``ms`` or ``s``) as UTC time stamps."""
    return pc.cast(values, pa.timestamp(unit, tz="UTC"))
