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
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.json as pj
from tqdm import tqdm  # plain bars: these run from the command line, not in notebooks

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
    data = {f.name: pd.Series([None if (v := _get(r, f.path)) is _MISSING else v for r in recs], dtype="object")
            for f in fields}
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


def _fast(data: bytes, fields: list[Field]) -> pd.DataFrame | None:
    """The pyarrow parse of a JSONL buffer, or None when it fails or would misnumber lines."""
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
    cols = {}
    for f in fields:
        col = table.column(".".join(f.path))
        cols[f.name] = (pd.Series(col.to_pylist(), dtype="object") if f.kind == "list"
                        else col.to_pandas(types_mapper=_PANDAS.get))
    df = pd.DataFrame(cols)
    df["_row"] = pd.RangeIndex(1, len(df) + 1)
    return df


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
    for f in fields:  # a required key absent from the file: look at the first line's keys
        if f.required and len(df) and df[f.name].isna().all():
            first = json.loads(data.split(b"\n", 1)[0])
            if _get(first, f.path) is _MISSING:
                parent = _get(first, f.path[:-1]) if len(f.path) > 1 else first
                raise ColumnNotFoundError(".".join(f.path), file, 1, list(parent) if isinstance(parent, dict) else [])
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
