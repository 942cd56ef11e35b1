"""Reading raw files into validated frames: JSON documents, JSON lines, CSV.

Every reader returns one column per :class:`~helpers.ingest.validation.Field` plus ``_row``, the
1-based row of the record in its file (JSONL: the line; JSON document: the position in the record
list; CSV: the line, header = 1). Rows in are counted in the :class:`Ledger`.

JSON lines take a fast path: ``pyarrow.json.read_json`` with an explicit schema of just the needed
keys (unknown keys ignored). Only when that fails for a file (a malformed or cut-off line, a value
of the wrong JSON type, blank lines that would shift line numbers) is the file re-read line by line
with ``json.loads`` so each bad line is quarantined with its line number.
"""
from __future__ import annotations

import json
import re
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.json as pj
from tqdm import tqdm  # plain bars: these run from the command line, not in notebooks

from helpers.ingest import batches as B
from helpers.ingest.errors import ColumnNotFoundError, MalformedFileError, VendorError, truncated_or_malformed
from helpers.ingest.quarantine import Ledger
from helpers.ingest.validation import Field, validate

_MISSING = object()
_ARROW = {"str": pa.string(), "id": pa.string(), "int": pa.int64(), "ms": pa.int64(), "s": pa.int64(),
          "float": pa.float64(), "bool": pa.bool_(), "list": pa.list_(pa.string()), "iso": pa.string(),
          "date": pa.string()}
_PANDAS = {pa.int64(): pd.Int64Dtype(), pa.float64(): pd.Float64Dtype(), pa.string(): pd.StringDtype("pyarrow"),
           pa.bool_(): pd.BooleanDtype()}


def relpath(path: Path, raw_dir: Path) -> str:
    """``path`` relative to the raw folder, with forward slashes (how files are named in reports)."""
    try:
        return Path(path).relative_to(raw_dir).as_posix()
    except ValueError:
        return Path(path).name


def pages(folder: Path, prefix: str) -> list[Path]:
    """Page files ``<prefix>_p0001.json``, ``<prefix>_p0002.json``, … in page order."""
    return sorted(Path(folder).glob(f"{prefix}_p*.json"))


def numbered_parts(folder: Path, stem: str, suffix: str = ".csv") -> list[Path]:
    """A result split over files: ``Contact.csv``, ``Contact_2.csv``, … in order."""
    folder = Path(folder)
    parts = [p for p in folder.glob(f"{stem}*{suffix}")
             if p.stem == stem or re.fullmatch(rf"{re.escape(stem)}_\d+", p.stem)]
    return sorted(parts, key=lambda p: 1 if p.stem == stem else int(p.stem.rsplit("_", 1)[1]))


def load_json(path: Path, file: str, wecom: bool = False):
    """Parse a whole JSON document; a cut-off or malformed document raises naming the file.

    With ``wecom=True`` a response whose ``errcode`` is not 0 raises :class:`VendorError`.
    """
    text = Path(path).read_text(encoding="utf-8")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise truncated_or_malformed(file, text, exc) from None
    if wecom and isinstance(doc, dict) and doc.get("errcode", 0) not in (0, None):
        raise VendorError(f"{file} holds a WeCom API error (errcode {doc.get('errcode')}: "
                          f"{doc.get('errmsg')!r}), not data. Re-run the export for this page.")
    return doc


def record_list(doc, key: str, file: str) -> list:
    """``doc[key]``, the record list of an API page; a missing key raises ColumnNotFoundError."""
    if not isinstance(doc, dict) or key not in doc:
        raise ColumnNotFoundError(key, file, None, list(doc) if isinstance(doc, dict) else [])
    records = doc[key]
    if records is None:
        return []
    if not isinstance(records, list):
        raise MalformedFileError(f"{file}: {key!r} should be a list of records, not {type(records).__name__}.")
    return records


def _get(rec, path):
    for k in path:
        if not isinstance(rec, dict) or k not in rec:
            return _MISSING
        rec = rec[k]
    return rec


def _values(records: list[dict], path: tuple) -> list:
    """The value at ``path`` in each record, None where a key is missing (``_get`` for a column)."""
    if len(path) == 1:
        key = path[0]
        return [r.get(key) for r in records]
    out = []
    for r in records:
        v = r
        for k in path:  # loop over the (two or three) keys
            v = v.get(k) if isinstance(v, dict) else None
        out.append(v)
    return out


def _check_required(records: list, rows: list[int], files: list[str], fields: list[Field]) -> None:
    """Raise ColumnNotFoundError for a required key that no record of a file has."""
    required = [f for f in fields if f.required]
    if not required or not records:
        return
    by_file: dict[str, list[int]] = {}
    for i, f in enumerate(files):
        by_file.setdefault(f, []).append(i)
    for file, idx in by_file.items():
        for f in required:
            if all(_get(records[i], f.path) is _MISSING for i in idx):
                first = records[idx[0]]
                parent = _get(first, f.path[:-1]) if len(f.path) > 1 else first
                available = list(parent) if isinstance(parent, dict) else []
                raise ColumnNotFoundError(".".join(f.path), file, rows[idx[0]], available)


def records_frame(records: list, fields: list[Field], ledger: Ledger, source: str, table: str,
                  file: str | list[str], rows: list[int] | None = None, check: bool = True) -> pd.DataFrame:
    """Validated frame of JSON ``records``; rows in are counted, bad rows quarantined.

    ``file`` names the file of all records, or is a list with each record's file (many pages
    validated at once); ``rows`` are the records' 1-based rows (default 1, 2, …). The frame
    carries ``_file`` and ``_row``.
    """
    rows = list(range(1, len(records) + 1)) if rows is None else list(rows)
    files = [file] * len(records) if isinstance(file, str) else list(file)
    if isinstance(file, str):
        ledger.rows_in(source, table, file, len(records))
    else:
        for f, n in pd.Series(files, dtype="object").value_counts(sort=False).items():
            ledger.rows_in(source, table, f, int(n))
    ok = [isinstance(r, dict) for r in records]
    if not all(ok):
        bad = [i for i, good in enumerate(ok) if not good]
        ledger.reject(source, table, [files[i] for i in bad], [rows[i] for i in bad], "record is not a JSON object")
    keep = [i for i, good in enumerate(ok) if good]
    recs, rows, files = [records[i] for i in keep], [rows[i] for i in keep], [files[i] for i in keep]
    _check_required(recs, rows, files, fields)
    data = {f.name: pd.Series(_values(recs, f.path), dtype="object") for f in fields}
    df = pd.DataFrame(data, index=pd.RangeIndex(len(recs)))
    df["_row"] = pd.Series(rows, dtype="int64")
    df["_file"] = pd.Series(files, dtype="object")
    return validate(df, fields, ledger, source, table) if check else df


def read_pages(paths: list[Path], raw_dir: Path, key: str, fields: list[Field], ledger: Ledger, source: str,
               table: str, wecom: bool = False) -> pd.DataFrame:
    """Validated frame of the record lists ``doc[key]`` of many JSON pages, validated at once."""
    records, rows, files = [], [], []
    for path in paths:
        file = relpath(path, raw_dir)
        recs = record_list(load_json(path, file, wecom=wecom), key, file)
        ledger.rows_in(source, table, file, 0)  # lists a page even when it is empty
        records += recs
        rows += range(1, len(recs) + 1)
        files += [file] * len(recs)
    return records_frame(records, fields, ledger, source, table, files, rows)


def _arrow_schema(fields: list[Field]) -> pa.Schema:
    tree: dict = {}
    for f in fields:
        node = tree
        for k in f.path[:-1]:
            node = node.setdefault(k, {})
        node[f.path[-1]] = _ARROW[f.kind]

    def build(node):
        return [pa.field(k, pa.struct(build(v)) if isinstance(v, dict) else v) for k, v in node.items()]
    return pa.schema(build(tree))


def _fast_table(data: bytes, fields: list[Field]) -> pa.Table | None:
    """The pyarrow parse of a JSONL buffer, one column per field (named by the field), or None when it
    fails or would misnumber lines."""
    n_lines = data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
    try:
        table = pj.read_json(pa.BufferReader(data), read_options=pj.ReadOptions(block_size=1 << 24),
                             parse_options=pj.ParseOptions(explicit_schema=_arrow_schema(fields),
                                                           unexpected_field_behavior="ignore"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return None
    if table.num_rows != n_lines:
        return None
    while any(pa.types.is_struct(t) for t in table.schema.types):
        table = table.flatten()
    return pa.table({f.name: table.column(".".join(f.path)) for f in fields})


def _fast(data: bytes, fields: list[Field]) -> pd.DataFrame | None:
    """The pyarrow parse of a JSONL buffer as a frame, or None when it fails or would misnumber lines."""
    table = _fast_table(data, fields)
    if table is None:
        return None
    cols = {}
    for f in fields:
        col = table.column(f.name)
        cols[f.name] = (pd.Series(col.to_pylist(), dtype="object") if f.kind == "list"
                        else col.to_pandas(types_mapper=_PANDAS.get))
    df = pd.DataFrame(cols)
    df["_row"] = pd.RangeIndex(1, len(df) + 1)
    return df


def _missing_required(table, data: bytes | Path, fields: list[Field], file: str) -> None:
    """Raise ColumnNotFoundError for a required key that the file lacks (all null: look at the first line
    of ``data``, the file's bytes or its path)."""
    for f in fields:
        if f.required and len(table) and (table[f.name].isna().all() if isinstance(table, pd.DataFrame)
                                          else table.column(f.name).null_count == table.num_rows):
            if isinstance(data, Path):
                with open(data, "rb") as fh:
                    data = fh.readline()
            first = json.loads(data.split(b"\n", 1)[0])
            if _get(first, f.path) is _MISSING:
                parent = _get(first, f.path[:-1]) if len(f.path) > 1 else first
                raise ColumnNotFoundError(".".join(f.path), file, 1, list(parent) if isinstance(parent, dict) else [])


def read_jsonl(path: Path, file: str, fields: list[Field], ledger: Ledger, source: str,
               table: str, check: bool = True) -> pd.DataFrame:
    """Validated frame of a JSON-lines file (fast path, per-line fallback; see module doc).

    ``check=False`` skips :func:`validate` for a fast-path parse (the caller validates a batch of
    files at once); a per-line parse is always validated. ``df.attrs["validated"]`` tells which.
    """
    data = Path(path).read_bytes()
    df = _fast(data, fields)
    if df is None:
        df = _per_line(data, fields, ledger, source, table, file)
        df.attrs["validated"] = True
        return df
    ledger.rows_in(source, table, file, len(df))
    df["_file"] = file
    _missing_required(df, data, fields, file)
    if not check:
        return df
    df = validate(df, fields, ledger, source, table)
    df.attrs["validated"] = True
    return df


def jsonl_batches(paths: list[Path], raw_dir: Path, fields: list[Field], ledger: Ledger, source: str, table: str,
                  batch_rows: int = 300_000, progress: bool = True):
    """Yield validated frames of consecutive JSON-lines files, about ``batch_rows`` rows each.

    Small daily files are validated together (one pandera run per batch); a large file is a batch
    of its own, so memory stays bounded by about one day's file at any scale.
    """
    parts, n = [], 0
    for path in tqdm(paths, desc=table, unit="file", disable=not progress):
        df = read_jsonl(path, relpath(path, raw_dir), fields, ledger, source, table, check=False)
        if df.attrs.get("validated"):  # a per-line parse: flush the earlier files first, keep file order
            if parts:
                yield validate(pd.concat(parts, ignore_index=True), fields, ledger, source, table)
                parts, n = [], 0
            yield df.reset_index(drop=True)
            continue
        parts.append(df)
        n += len(df)
        if n >= batch_rows:
            yield validate(pd.concat(parts, ignore_index=True), fields, ledger, source, table)
            parts, n = [], 0
    if parts:
        yield validate(pd.concat(parts, ignore_index=True), fields, ledger, source, table)


def jsonl_tables(paths: list[Path], raw_dir: Path, fields: list[Field], ledger: Ledger, source: str, table: str,
                 batch_rows: int = 300_000, progress: bool = True):
    """Yield validated Arrow batches (:mod:`helpers.ingest.batches`) of consecutive JSON-lines files,
    about ``batch_rows`` rows each, in file order: :func:`jsonl_batches` without pandas.

    Files are read and parsed on a worker thread a couple of files ahead of the batch being checked (the
    parse releases the GIL). A file that the fast parse cannot read exactly is parsed line by line (and
    validated by the pandas path) and makes a batch of its own. Memory stays bounded by a few days' files
    at any scale."""
    parts, n = [], 0
    files = _prefetch([Path(p) for p in paths], partial(_parse_file, fields=fields))
    for path, (tbl, data, cut) in tqdm(files, total=len(paths), desc=table, unit="file", disable=not progress):
        file = relpath(path, raw_dir)
        if cut is not None:
            ledger.rows_in(source, table, file, 1)
            ledger.reject(source, table, file, [cut[0]], [cut[1]])
        if tbl is None:
            df = _per_line(data, fields, ledger, source, table, file)
            del data
            if parts:  # flush the earlier files first: batches stay in file order
                yield B.validate(pa.concat_tables(parts), fields, ledger, source, table)
                parts, n = [], 0
            yield B.from_validated(df.reset_index(drop=True), fields)
            continue
        ledger.rows_in(source, table, file, tbl.num_rows)
        _missing_required(tbl, path, fields, file)
        tbl = tbl.append_column("_row", pa.array(np.arange(1, tbl.num_rows + 1, dtype=np.int64)))
        parts.append(tbl.append_column("_file", pa.array(np.full(tbl.num_rows, file, dtype=object), pa.string())))
        n += tbl.num_rows
        if n >= batch_rows:
            yield B.validate(pa.concat_tables(parts), fields, ledger, source, table)
            parts, n = [], 0
    if parts:
        yield B.validate(pa.concat_tables(parts), fields, ledger, source, table)


def _parse_file(path: Path, fields: list[Field]) -> tuple[pa.Table | None, bytes | None, tuple | None]:
    """The fast parse of a JSON-lines file: ``(table, None, None)``; ``(table, None, (row, reason))``
    when only a cut-off last line spoiled it (an export stopped mid-write); else ``(None, bytes, None)``
    for the per-line path."""
    data = path.read_bytes()
    tbl = _fast_table(data, fields)
    if tbl is not None:
        return tbl, None, None
    cut = data.rfind(b"\n") + 1
    tail = data[cut:]
    if tail.strip():
        try:
            json.loads(tail.decode("utf-8"))
        except json.JSONDecodeError as exc:  # the same reason as the per-line path gives
            head = _fast_table(data[:cut], fields)
            if head is not None:
                n = data.count(b"\n", 0, cut) + 1
                return head, None, (n, f"truncated last line {n}: {exc.msg} (character {exc.colno})")
        except UnicodeDecodeError:
            pass
    return None, data, None


def _prefetch(items: list, fn, ahead: int = 2):
    """Yield ``(item, fn(item))`` in order, ``fn`` running on a worker thread up to ``ahead`` items early."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-parse") as pool:
        pending: deque = deque()
        for item in items:
            pending.append((item, pool.submit(fn, item)))
            if len(pending) > ahead:
                done, fut = pending.popleft()
                yield done, fut.result()
        while pending:
            done, fut = pending.popleft()
            yield done, fut.result()


def _per_line(data: bytes, fields: list[Field], ledger: Ledger, source: str, table: str,
              file: str) -> pd.DataFrame:
    lines = data.split(b"\n")
    last = len(lines) if lines and lines[-1].strip() else len(lines) - 1  # 1-based number of the last line
    records, rows, bad = [], [], []
    for n, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            rec = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            bad.append((n, f"line {n} is not valid UTF-8"))
            continue
        except json.JSONDecodeError as exc:
            cut = n == last and not data.endswith(b"\n")
            what = "truncated last line" if cut else "malformed JSON at line"
            bad.append((n, f"{what} {n}: {exc.msg} (character {exc.colno})"))
            continue
        records.append(rec)
        rows.append(n)
    if bad:
        ledger.rows_in(source, table, file, len(bad))
        ledger.reject(source, table, file, [b[0] for b in bad], [b[1] for b in bad])
    ledger.rows_in(source, table, file, 0)
    return records_frame(records, fields, ledger, source, table, [file] * len(records), rows=rows)


def read_csv(path: Path, file: str, fields: list[Field], ledger: Ledger, source: str, table: str) -> pd.DataFrame:
    """Validated frame of a CSV with a header row (Salesforce Bulk API style: empty = null)."""
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8")
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise MalformedFileError(f"{file} could not be read as CSV: {exc}") from None
    header = list(raw.columns)
    for f in fields:
        if f.required and f.path[0] not in header:
            raise ColumnNotFoundError(f.path[0], file, 1, header)
    df = pd.DataFrame({f.name: (raw[f.path[0]].astype("object").where(raw[f.path[0]] != "", None)
                                if f.path[0] in header else pd.Series(None, index=raw.index, dtype="object"))
                       for f in fields}, index=raw.index)
    df["_row"] = raw.index + 2
    df["_file"] = file
    ledger.rows_in(source, table, file, len(df))
    return validate(df, fields, ledger, source, table)
