"""JSON text assembled from Arrow string pieces, for the big JSON-lines exports (tracking, archive).

A record is a row-wise concatenation of pieces: fixed text, a looked-up value rendered once per distinct
value (``json.dumps``, so escaping is exact), or a number cast to text. A key that a record does not have
is a null piece, skipped by :func:`concat`, so one pass renders records of several shapes. Arrow's
kernels release the GIL, so a day's file renders on a worker thread while the next day is simulated.
"""
from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def _json(v) -> str:
    if v is None or (isinstance(v, float) and v != v):  # NaN: a missing value, as DuckDB reads it from pandas
        return "null"
    return json.dumps(v, ensure_ascii=False)


def literals(values) -> pa.Array:
    """The JSON text of each value (``json.dumps``: strings quoted and escaped, UTF-8 kept; None, NaN -> null)."""
    vals = values.tolist() if isinstance(values, np.ndarray) else list(values)
    return pa.array([_json(v) for v in vals], pa.string())


def keyed(key: str, values) -> pa.Array:
    """``,"key":<value>`` for each value: a lookup table of one member of an object."""
    head = "," + json.dumps(key, ensure_ascii=False) + ":"
    vals = values.tolist() if isinstance(values, np.ndarray) else list(values)
    return pa.array([head + _json(v) for v in vals], pa.string())


def pick(table: pa.Array, index: np.ndarray, where: np.ndarray | None = None) -> pa.Array:
    """``table[index]``, null where ``where`` is False (``index`` is not read there)."""
    index = np.asarray(index)
    if where is None:
        return table.take(pa.array(index))
    return table.take(pa.array(np.where(where, index, 0), mask=~np.asarray(where)))


def distinct(values: np.ndarray, where: np.ndarray | None = None) -> pa.Array:
    """JSON literals of an object array of free values (each distinct value rendered once); null where
    ``where`` is False."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    return pick(literals(uniques), codes, where)


def text(values) -> pa.Array:
    """Integers as decimal text."""
    return pc.cast(pa.array(np.asarray(values)), pa.string())


def quoted(values) -> pa.Array:
    """Text that needs no escaping (time stamps, generated ids) as JSON strings."""
    return concat('"', pa.array(np.asarray(values, dtype=object), pa.string()), '"')


def optional(values: np.ndarray, where: np.ndarray, render=None) -> pa.Array:
    """``render(values[where])`` (default: integers as text) where ``where`` holds, ``null`` elsewhere."""
    out = on(where, lambda rows: (render or text)(values[rows]))
    return pc.fill_null(out, "null")


def on(where: np.ndarray, build) -> pa.Array:
    """``build(rows)`` evaluated only for the rows where ``where`` holds (it returns one text per row);
    null elsewhere."""
    where = np.asarray(where)
    part = build(np.flatnonzero(where))
    return part.take(pa.array(np.cumsum(where) - 1, mask=~where))


def concat(*pieces) -> pa.Array:
    """Row-wise concatenation; null pieces are skipped. A ``str`` piece is the same text on every row."""
    return pc.binary_join_element_wise(*pieces, "", null_handling="skip")


def grouped(items: pa.Array, sizes: np.ndarray, sep: str = ",") -> pa.Array:
    """Consecutive runs of ``items`` (run ``i`` has ``sizes[i]`` items) joined with ``sep``: one text per run."""
    offsets = np.r_[0, np.cumsum(sizes)].astype(np.int32)
    return pc.binary_join(pa.ListArray.from_arrays(pa.array(offsets), items), sep)


def md5_hex(texts: pa.Array, suffix: str = "") -> pa.Array:
    """Hex MD5 of each text (plus ``suffix``), for made-up file checksums and URLs."""
    return pa.array([hashlib.md5((v + suffix).encode("utf-8")).hexdigest() for v in texts.to_pylist()], pa.string())
