"""Field specifications and row validation (pandera), duplicates and orphans.

A parser describes each column it needs with a :class:`Field`: the output name, the key path in
the record (or the CSV header), the *kind* of value, whether it is required, and the allowed values.
:func:`validate` builds a pandera schema from the fields, validates lazily, quarantines every row
with a failure (``file``, ``row``, ``column``, ``reason``) and returns the surviving rows converted
to typed columns.

Kinds (what a valid non-null value is):

=============  ==========================================================================
``str``        a JSON string
``id``         a JSON string or integer (kept as text)
``int``        a JSON integer
``float``      a JSON number
``bool``       a JSON boolean
``list``       a JSON array
``ms`` / ``s`` an integer Unix time in milliseconds / seconds between 2000 and 2100 (UTC)
``iso``        ISO 8601 date-time text **with** a UTC offset (``Z`` or ``+08:00``); naive is rejected
``date``       ``YYYY-MM-DD`` text
``num_text``   number text (CSV), e.g. ``12.30``
``bool_text``  ``true`` or ``false`` (CSV)
=============  ==========================================================================
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pandera.pandas as pa

from helpers.ingest.privacy import redact_text
from helpers.ingest.quarantine import Ledger, short

KINDS = ("str", "id", "int", "float", "bool", "list", "ms", "s", "iso", "date", "num_text", "bool_text")
_MS_RANGE = (946_684_800_000, 4_102_444_800_000)  # 2000-01-01 .. 2100-01-01 UTC
_OFFSET = r"(?:Z|[+-]\d{2}:?\d{2})\s*$"
_DATE = r"^\d{4}-\d{2}-\d{2}$"


@dataclass(frozen=True)
class Field:
    """One column a parser reads.

    ``path`` is the key path in a JSON record (``("properties", "$city")``) or ``(header,)`` for a
    CSV; it defaults to ``(name,)``. ``required``: the key must exist in the file (else
    :class:`~helpers.ingest.errors.ColumnNotFoundError`) and each row must have a non-null value
    (else the row is quarantined). ``isin``: the allowed values, if the format documents them.
    """

    name: str
    kind: str = "str"
    path: tuple[str, ...] | None = None
    required: bool = False
    isin: tuple | None = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"Field kind must be one of {KINDS}; not {self.kind!r}.")
        if self.path is None:
            object.__setattr__(self, "path", (self.name,))


def _is_num(v, integral: bool) -> bool:
    if isinstance(v, bool):
        return False
    if isinstance(v, (int, np.integer)):
        return True
    if isinstance(v, (float, np.floating)):
        return (not integral) or float(v).is_integer()
    return False


def _is_text(s: pd.Series) -> pd.Series:
    """Whether each value is a ``str`` (False for nulls). A column that pandas' type inference (a C loop)
    reads as text is answered without a Python call per value."""
    if s.dtype != object:
        return s.notna() if pd.api.types.is_string_dtype(s.dtype) else pd.Series(False, index=s.index)
    if pd.api.types.infer_dtype(s, skipna=True) in ("string", "empty"):
        return s.notna()
    return s.map(lambda v: isinstance(v, str))


def _typed(s: pd.Series, kind: str) -> bool:
    """True when the column already has the dtype the kind needs (the fast path)."""
    if kind in ("int", "ms", "s"):
        return pd.api.types.is_integer_dtype(s.dtype)
    if kind == "float":
        return pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype)
    if kind in ("str", "id"):
        return pd.api.types.is_string_dtype(s.dtype) and s.dtype != object
    if kind == "bool":
        return pd.api.types.is_bool_dtype(s.dtype)
    return False


# what pandas' type inference (a C loop, nulls skipped) may report for a column whose every value is
# valid for the kind; anything else is checked value by value
_INFERRED_OK = {"str": ("string", "empty"), "iso": ("string", "empty"), "date": ("string", "empty"),
                "num_text": ("string", "empty"), "bool_text": ("string", "empty"),
                "id": ("string", "integer", "empty"), "int": ("integer", "empty"), "ms": ("integer", "empty"),
                "s": ("integer", "empty"), "float": ("integer", "floating", "mixed-integer-float", "empty"),
                "bool": ("boolean", "empty")}


def _type_ok(kind: str):
    def check(s: pd.Series) -> pd.Series:
        if _typed(s, kind) or (s.dtype == object and kind in _INFERRED_OK
                               and pd.api.types.infer_dtype(s, skipna=True) in _INFERRED_OK[kind]):
            return pd.Series(True, index=s.index)
        if kind in ("str", "iso", "date", "num_text", "bool_text"):
            return _is_text(s)
        if kind == "id":
            return s.map(lambda v: isinstance(v, str) or _is_num(v, integral=True))
        if kind in ("int", "ms", "s"):
            return s.map(lambda v: _is_num(v, integral=True))
        if kind == "float":
            return s.map(lambda v: _is_num(v, integral=False))
        if kind == "bool":
            return s.map(lambda v: isinstance(v, (bool, np.bool_)))
        return s.map(lambda v: isinstance(v, list))
    return check


_EXPECT = {"str": "text", "id": "text or integer id", "int": "integer", "float": "number", "bool": "boolean",
           "list": "array", "ms": "integer Unix milliseconds", "s": "integer Unix seconds",
           "iso": "ISO 8601 timestamp text", "date": "date text YYYY-MM-DD", "num_text": "a number",
           "bool_text": "true or false"}


def _numeric(s: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        return s
    if s.dtype == object and pd.api.types.infer_dtype(s, skipna=True) in ("string", "empty"):
        return pd.to_numeric(s, errors="coerce")
    return pd.to_numeric(s.where(s.map(lambda v: _is_num(v, False) or isinstance(v, str))), errors="coerce")


class _Parsed:
    """ISO parses of the columns of one :func:`validate` call: each check and the conversion of a
    column reuse its parse (the same values; the index tells that it is the same column)."""

    def __init__(self):
        self._by_field: dict[str, tuple[pd.Index, pd.Series]] = {}

    def iso(self, name: str, s: pd.Series) -> pd.Series:
        hit = self._by_field.get(name)
        if hit is not None and hit[0].equals(s.index):
            return hit[1]
        text = _is_text(s) if s.dtype == object else s.notna()
        parsed = _parse_iso(s.where(text))
        self._by_field[name] = (s.index, parsed)
        return parsed


def _checks(f: Field, parsed: _Parsed | None = None) -> list[pa.Check]:
    checks = [pa.Check(_type_ok(f.kind), error=f"wrong type, expected {_EXPECT[f.kind]}")]
    if f.kind in ("ms", "s"):
        lo, hi = _MS_RANGE if f.kind == "ms" else (_MS_RANGE[0] // 1000, _MS_RANGE[1] // 1000)
        checks.append(pa.Check(lambda s: ~_numeric(s).lt(lo) & ~_numeric(s).ge(hi),
                               error=f"out of range for {_EXPECT[f.kind]} (years 2000-2099)"))
    if f.kind == "iso":
        parsed = parsed or _Parsed()

        def parses(s):
            return ~_is_text(s) | parsed.iso(f.name, s).notna()

        def has_offset(s):
            text = s.where(_is_text(s))
            return ~parses(s) | text.str.contains(_OFFSET, regex=True).fillna(True).astype(bool)
        checks.append(pa.Check(parses, error="not an ISO 8601 timestamp"))
        checks.append(pa.Check(has_offset, error="naive timestamp (no UTC offset), not guessed"))
    if f.kind == "date":
        checks.append(pa.Check(lambda s: s.astype("string").str.match(_DATE).fillna(True).astype(bool)
                               & pd.to_datetime(s.astype("string"), format="%Y-%m-%d", errors="coerce").notna()
                               | ~_is_text(s),
                               error="not a date YYYY-MM-DD"))
    if f.kind == "num_text":
        checks.append(pa.Check(lambda s: ~_is_text(s) | _numeric(s).notna(),
                               error="not a number"))
    if f.kind == "bool_text":
        checks.append(pa.Check(lambda s: ~_is_text(s)
                               | s.astype("string").str.lower().isin(["true", "false"]).fillna(True).astype(bool),
                               error="not true or false"))
    if f.isin is not None:
        allowed = list(f.isin)
        checks.append(pa.Check(lambda s: s.isin(allowed), error=f"not one of the documented values {allowed}"))
    return checks


def _parse_iso(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s.astype("string").str.strip(), format="ISO8601", utc=True, errors="coerce")


def _schema(fields: list[Field], parsed: _Parsed | None = None) -> pa.DataFrameSchema:
    return pa.DataFrameSchema({f.name: pa.Column(None, nullable=not f.required, checks=_checks(f, parsed))
                               for f in fields})


def _run(schema: pa.DataFrameSchema, df: pd.DataFrame):
    with warnings.catch_warnings():
        # pandera concatenates failure-case frames, some empty; pandas 2.3 warns about the dtype rule
        # for empty frames in concat. The consolidated failure cases do not depend on it.
        warnings.filterwarnings("ignore", message="The behavior of DataFrame concatenation with empty",
                                category=FutureWarning)
        try:
            schema.validate(df, lazy=True)
            return None
        except pa.errors.SchemaErrors as exc:
            return exc.failure_cases


def _files(df: pd.DataFrame, file: str | None, index=None):
    """The file of each row: ``file`` for all, else the frame's ``_file`` column."""
    if file is not None:
        return file
    return df["_file"] if index is None else df.loc[index, "_file"]


def validate(df: pd.DataFrame, fields: list[Field], ledger: Ledger, source: str, table: str,
             file: str | None = None) -> pd.DataFrame:
    """Quarantine rows of ``df`` that break ``fields``; return the rest with typed columns.

    ``df`` holds one column per field plus ``_row`` (the 1-based row in its file: ``file``, or
    the ``_file`` column when ``file`` is None, for many pages validated at once). Each rejected
    row gets one quarantine entry whose reason lists every failure, e.g.
    ``column 'msgtime': wrong type, expected integer Unix milliseconds; got 'abc'``.
    """
    parsed = _Parsed()
    failures = _run(_schema(fields, parsed), df[[f.name for f in fields]])
    if failures is not None:
        cases = failures[failures["index"].notna()].copy()
        if cases.empty:  # a failure not tied to rows means a parser bug, not bad data
            raise RuntimeError(f"Validation of {file} failed outside rows:\n{failures.to_string()}")
        cases["check"] = cases["check"].replace({"not_nullable": "missing required value"})
        is_missing = cases["check"] == "missing required value"
        cases["value"] = [None if m else short(redact_text(v) if isinstance(v, str) else v)
                          for v, m in zip(cases["failure_case"], is_missing)]
        cases["reason"] = [f"column '{c}': {k}" + (f"; got {v!r}" if v is not None else "")
                           for c, k, v in zip(cases["column"], cases["check"], cases["value"])]
        cases = cases.drop_duplicates(["index", "column", "check"])
        by_row = cases.groupby("index", sort=True).agg(
            reason=("reason", "; ".join), column=("column", lambda c: ", ".join(dict.fromkeys(c))),
            value=("value", "first"))
        ledger.reject(source, table, _files(df, file, by_row.index), df.loc[by_row.index, "_row"], by_row["reason"],
                      by_row["column"], by_row["value"])
        df = df.drop(index=by_row.index)
    return convert(df, fields, parsed)


def convert(df: pd.DataFrame, fields: list[Field], parsed: _Parsed | None = None) -> pd.DataFrame:
    """Typed columns for validated rows: text as ``string``, numbers nullable, times UTC-aware."""
    out = df.copy()
    for f in fields:
        s = df[f.name]
        if f.kind == "str":
            out[f.name] = s.astype("string")
        elif f.kind == "id":
            if s.dtype == object:
                s = s.map(lambda v: str(int(v)) if _is_num(v, integral=True) else v)
            out[f.name] = s.astype("string")
        elif f.kind in ("int", "ms", "s"):
            n = pd.to_numeric(s).astype("Int64")
            out[f.name] = n if f.kind == "int" else pd.to_datetime(n, unit=f.kind, utc=True)
        elif f.kind in ("float", "num_text"):
            out[f.name] = pd.to_numeric(s).astype("Float64")
        elif f.kind == "bool":
            out[f.name] = s.astype("boolean")
        elif f.kind == "bool_text":
            out[f.name] = s.astype("string").str.lower().map({"true": True, "false": False}).astype("boolean")
        elif f.kind == "iso":
            hit = parsed._by_field.get(f.name) if parsed is not None else None
            out[f.name] = hit[1].reindex(s.index) if hit is not None and s.index.isin(hit[0]).all() else _parse_iso(s)
        elif f.kind == "date":
            out[f.name] = pd.to_datetime(s.astype("string"), format="%Y-%m-%d")
    return out


def reject_where(df: pd.DataFrame, mask, ledger: Ledger, source: str, table: str, file: str | None,
                 reason: str, column: str | None = None, values=None) -> pd.DataFrame:
    """Quarantine the rows of ``df`` where ``mask`` holds (same reason for all); return the rest.

    ``file`` None: each row's file is its ``_file`` column.
    """
    mask = pd.Series(mask, index=df.index).fillna(False).astype(bool)
    if mask.any():
        vals = None if values is None else pd.Series(values, index=df.index)[mask].map(short)
        ledger.reject(source, table, _files(df, file, mask[mask].index), df.loc[mask, "_row"], reason, column, vals)
    return df.loc[~mask]


class SeenKeys:
    """Keys kept by earlier calls of :func:`reject_duplicates`, with the file and row of each.

    Compact for millions of keys (the message archive's msgids): one packed integer per key.
    """

    def __init__(self):
        self._at: dict[str, int] = {}
        self._files: list[str] = []
        self._code: dict[str, int] = {}

    def get(self, key: str):
        """``(file, row)`` where ``key`` was first kept, or None."""
        v = self._at.get(key)
        return None if v is None else (self._files[v >> 32], v & 0xFFFFFFFF)

    def update(self, items) -> None:
        """Add ``(key, (file, row))`` pairs."""
        for key, (file, row) in items:
            code = self._code.setdefault(file, len(self._code))
            if code == len(self._files):
                self._files.append(file)
            self._at[key] = (code << 32) | int(row)


def reject_duplicates(df: pd.DataFrame, keys: list[str], label: str, ledger: Ledger, source: str,
                      table: str, file: str | None = None, seen: SeenKeys | None = None,
                      show_value: bool = True) -> pd.DataFrame:
    """Quarantine later duplicates of ``keys``; return the first occurrences.

    Rows are in file order (``file``, or the ``_file`` column when ``file`` is None). A duplicate
    of a row of the same file gives ``duplicate <label> first seen at row N``, of another file
    ``duplicate <label> first seen at row N of <file>``. ``seen`` (a :class:`SeenKeys` carried
    across calls) extends the check to earlier calls' rows and is updated.
    """
    if df.empty:
        return df
    cand = pd.Series(True, index=df.index) if seen is not None else df.duplicated(keys, keep=False)
    if not cand.any():
        return df
    sub = df.loc[cand]
    files = pd.Series(_files(sub, file), index=sub.index).astype(str)
    key = (sub[keys[0]].astype("string") if len(keys) == 1 else
           sub[keys].astype("string").fillna("<NA>").agg("\x1f".join, axis=1)).fillna("<NA>")
    pos = pd.Series(range(len(sub)), index=sub.index)
    first = pos.groupby(key.to_numpy(), sort=False).transform("min").to_numpy()
    first_row, first_file = sub["_row"].to_numpy()[first], files.to_numpy()[first]
    if seen is not None:
        earlier = [seen.get(k) for k in key]
        first_file = [fr[0] if fr else f for fr, f in zip(earlier, first_file)]
        first_row = [fr[1] if fr else r for fr, r in zip(earlier, first_row)]
        dup = pd.Series([fr is not None for fr in earlier], index=sub.index) | (pos.to_numpy() != first)
    else:
        dup = pd.Series(pos.to_numpy() != first, index=sub.index)
    reasons = pd.Series([f"duplicate {label} first seen at row {r}" + ("" if ff == f else f" of {ff}")
                         for r, ff, f in zip(first_row, first_file, files)], index=sub.index)
    if seen is not None:
        seen.update(zip(key[~dup], zip(files[~dup], (int(r) for r in sub.loc[~dup, "_row"]))))
    if dup.any():
        ledger.reject(source, table, files[dup], sub.loc[dup, "_row"], reasons[dup], ", ".join(keys),
                      key[dup].map(short) if show_value else None)
    return df.drop(index=sub.index[dup.to_numpy()])
