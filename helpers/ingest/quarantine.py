"""Rejected rows and the row account.

:class:`Ledger` is passed through one ingestion run. Parsers tell it how many rows each file
holds (``rows_in``), reject rows with a reason (the quarantine), and report how many rows of each
file they kept. :meth:`Ledger.account` checks, for every file, that
``rows_in = rows_kept + rows_quarantined`` and raises :class:`RowAccountError` otherwise.

A *row* is a record of the file: a line of a JSONL file, an element of a JSON document's record
list, a data line of a CSV (the header is row 1, so the first record is row 2). Quarantine rows
carry ``source, table, file, row, column, reason, value`` (``value``: the offending cell,
shortened, with phone numbers and emails redacted; null where it would be an identifier) and are
written to ``quarantine_dir/<table>.parquet``. The quarantine holds raw-export fragments: keep it
with the raw exports, not with the outputs.
"""
from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path

import pandas as pd

from helpers.ingest.errors import RowAccountError
from helpers.schema import TABLES

QUARANTINE_COLUMNS = ("run_id", "source", "table", "file", "row", "column", "reason", "value")
ACCOUNT_COLUMNS = ("source", "table", "file", "rows_in", "rows_kept", "rows_quarantined")


class Ledger:
    """The quarantine and row account of one ingestion run."""

    def __init__(self, run_id: str | None = None):
        self.run_id = run_id
        self._in: dict[tuple, int] = defaultdict(int)
        self._kept: dict[tuple, int] = defaultdict(int)
        self._rejected: list[pd.DataFrame] = []
        self._n_rejected: dict[tuple, int] = defaultdict(int)

    def rows_in(self, source: str, table: str, file: str, n: int) -> None:
        """Record that ``file`` holds ``n`` rows destined for ``table``."""
        self._in[(source, table, file)] += int(n)

    def kept(self, source: str, table: str, file: str, n: int) -> None:
        """Record that ``n`` rows of ``file`` were kept for ``table``."""
        self._in.setdefault((source, table, file), 0)
        self._kept[(source, table, file)] += int(n)

    def reject(self, source: str, table: str, file, rows, reasons, columns=None, values=None) -> None:
        """Quarantine rows (1-based ``rows``) of ``file`` with a ``reason`` each.

        ``file``, ``reasons``, ``columns`` and ``values`` are scalars or sequences aligned with
        ``rows``. A row must be rejected at most once per table (callers drop rejected rows).
        """
        rows = pd.Series(rows, dtype="Int64").reset_index(drop=True)
        n = len(rows)
        if n == 0:
            return

        def col(v):
            if v is None or isinstance(v, str):
                return pd.Series([v] * n, dtype="string")
            return pd.Series(list(v), dtype="object").astype("string").reset_index(drop=True)

        frame = pd.DataFrame({
            "run_id": pd.Series([self.run_id] * n, dtype="string"),
            "source": source, "table": table, "file": col(file), "row": rows,
            "column": col(columns), "reason": col(reasons), "value": col(values),
        })
        self._rejected.append(frame)
        for f, k in frame["file"].value_counts(sort=False).items():
            self._n_rejected[(source, table, f)] += int(k)
            self._in.setdefault((source, table, f), 0)

    def kept_rows(self, source: str, table: str, df: pd.DataFrame, file: str | None = None) -> None:
        """Record the rows of ``df`` as kept: all of ``file``, or per its ``_file`` column."""
        if file is not None:
            self.kept(source, table, file, len(df))
            return
        for f, k in df["_file"].value_counts(sort=False).items():
            self.kept(source, table, f, int(k))

    def quarantine(self, table: str | None = None) -> pd.DataFrame:
        """All quarantined rows (of ``table`` if given), in the order they were rejected."""
        if self._rejected:
            q = pd.concat(self._rejected, ignore_index=True)
        else:
            q = pd.DataFrame({c: pd.Series(dtype="Int64" if c == "row" else "string") for c in QUARANTINE_COLUMNS})
        q = q[list(QUARANTINE_COLUMNS)]
        return q if table is None else q[q["table"] == table].reset_index(drop=True)

    def account(self) -> pd.DataFrame:
        """The row account, one row per (source, table, file); raises if any file does not balance."""
        keys = sorted(self._in)
        acc = pd.DataFrame(
            [(*k, self._in[k], self._kept.get(k, 0), self._n_rejected.get(k, 0)) for k in keys],
            columns=list(ACCOUNT_COLUMNS),
        )
        bad = acc[acc["rows_in"] != acc["rows_kept"] + acc["rows_quarantined"]]
        if len(bad):
            raise RowAccountError(
                "Row account does not balance (rows_in != rows_kept + rows_quarantined) for:\n"
                + bad.to_string(index=False)
            )
        return acc.astype({c: "int64" for c in ACCOUNT_COLUMNS[3:]})

    def write(self, quarantine_dir: str | os.PathLike) -> list[Path]:
        """Write ``quarantine_dir/<table>.parquet`` for every table with rejected rows.

        Files of earlier runs named after canonical tables that have no rejects now are removed,
        so the folder always describes the latest run; other files are left alone.
        """
        out = Path(quarantine_dir)
        out.mkdir(parents=True, exist_ok=True)
        q = self.quarantine()
        written = []
        for name in TABLES:
            (out / f"{name}.parquet").unlink(missing_ok=True)
        for table, part in q.groupby("table", sort=True):
            path = out / f"{table}.parquet"
            part.reset_index(drop=True).to_parquet(path, index=False)
            written.append(path)
        return written


def short(value, limit: int = 60) -> str | None:
    """A printable, shortened form of an offending value for the quarantine (None stays None)."""
    if value is None or (not isinstance(value, (list, dict, str)) and pd.isna(value)):
        return None
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
