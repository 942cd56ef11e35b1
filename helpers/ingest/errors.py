"""Errors raised by ingestion: what went wrong, where, what is available, how to fix it.

A bad *row* never raises: it is quarantined with its reason (see :mod:`helpers.ingest.quarantine`).
These errors are for problems that make a whole file unreadable or the run untrustworthy: a
column the parser needs is absent from a file, a JSON document is cut off or malformed, a WeCom
page holds an API error instead of data, or the row account does not balance.
"""
from __future__ import annotations

import difflib
from collections.abc import Iterable


class IngestError(Exception):
    """Base class of ingestion errors."""


class ColumnNotFoundError(IngestError, KeyError):
    """A column (CSV header) or key (JSON record) the parser needs is not in a file.

    The message names the column, the file, the row (1-based; for a CSV the header is row 1),
    the columns that are available there and, when one is close, the likely intended name.
    """

    def __init__(self, column: str, file: str, row: int | None, available: Iterable[str]):
        self.column, self.file, self.row = column, file, row
        self.available = sorted(str(a) for a in available)
        where = f"{file} (row {row})" if row is not None else file
        msg = f"column {column!r} not in {where}. Available: {self.available}."
        close = difflib.get_close_matches(column, self.available, n=1, cutoff=0.6)
        if close:
            msg += f" Did you mean {close[0]!r}?"
        self.message = msg
        super().__init__(msg)

    def __str__(self) -> str:  # KeyError would repr() the message
        return self.message


class TruncatedFileError(IngestError):
    """A JSON document ends before it is complete (an export cut off in transfer)."""


class MalformedFileError(IngestError):
    """A file cannot be parsed at all (invalid JSON document, unreadable CSV)."""


class VendorError(IngestError):
    """A saved API page holds a vendor error response (``errcode`` != 0) instead of data."""


class RowAccountError(IngestError):
    """For some file, rows in != rows kept + rows quarantined: rows were lost or double counted."""


def truncated_or_malformed(file: str, text: str, exc) -> IngestError:
    """Classify a :class:`json.JSONDecodeError` on a whole document.

    The document is *truncated* when the parser failed at its (whitespace-stripped) end, i.e. it
    ran out of text before the document closed; otherwise it is *malformed* at a line and column.
    """
    end = len(text.rstrip())
    if exc.pos >= end - 1:
        return TruncatedFileError(
            f"{file} is cut off: the JSON document ends at character {end} before it is complete "
            f"({exc.msg}). Re-export or re-download the file."
        )
    return MalformedFileError(
        f"{file} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}. Fix or re-export the file."
    )
