"""Hand labels of sentiment: ``labels/chat_sentiment.csv`` (``msgid``, ``label``) for chat messages and
``labels/ticket_sentiment.csv`` (``ticket_id``, ``label``) for ticket descriptions.

A team checks a sentiment model by labelling a uniform random sample of archived customer messages
and of tickets' descriptions (a few hundred each; chapter 2 uses them to correct the model's negative
shares). ``msg_id`` = ``msgid``; ``ticket_id`` is Zendesk's ticket id; ``label`` is ``negative``,
``neutral`` or ``positive``. Both files are optional (no file: an empty table). Rejected: a missing or
unknown label, an id labelled twice (later rows), an id that is not in the ingested archive or ticket
export (a label of nothing).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from helpers.ingest.quarantine import Ledger
from helpers.ingest.readers import read_csv, relpath
from helpers.ingest.validation import Field, reject_duplicates, reject_where

SOURCE = "labels"
TABLE = "sentiment_labels"
TICKET_TABLE = "ticket_sentiment_labels"
LABELS = ("negative", "neutral", "positive")
FIELDS = [Field("msgid", required=True), Field("label", required=True, isin=LABELS)]
TICKET_FIELDS = [Field("ticket_id", "id", required=True), Field("label", required=True, isin=LABELS)]


def sentiment_labels_table(raw_dir: Path, ledger: Ledger, archived) -> pd.DataFrame:
    """Canonical ``sentiment_labels`` rows; ``archived(msg_ids)`` says which ids are in the archive."""
    return _labels_table(raw_dir, "chat_sentiment.csv", FIELDS, TABLE, ledger, archived, "msg_id",
                         "unknown message: msgid is not in the archive")


def ticket_labels_table(raw_dir: Path, ledger: Ledger, known) -> pd.DataFrame:
    """Canonical ``ticket_sentiment_labels`` rows; ``known(ticket_ids)`` says which ids are in ``tickets``."""
    return _labels_table(raw_dir, "ticket_sentiment.csv", TICKET_FIELDS, TICKET_TABLE, ledger, known, "ticket_id",
                         "unknown ticket: ticket_id is not in the Zendesk export")


def _labels_table(raw_dir: Path, name: str, fields: list[Field], table: str, ledger: Ledger, known, key: str,
                  unknown: str) -> pd.DataFrame:
    """``key, label`` rows of ``labels/<name>`` (empty without the file): the file's id column is
    ``fields[0]``; a second label of an id, and an id ``known`` does not find (reason ``unknown``), are
    quarantined."""
    path = Path(raw_dir) / SOURCE / name
    if not path.exists():
        return pd.DataFrame({key: pd.Series(dtype="object"), "label": pd.Series(dtype="object")})
    file, col = relpath(path, raw_dir), fields[0].name
    df = read_csv(path, file, fields, ledger, SOURCE, table)
    df = reject_duplicates(df, [col], col, ledger, SOURCE, table, file)
    found = pd.Series(known(df[col].astype(str)), index=df.index, dtype=bool)
    df = reject_where(df, ~found, ledger, SOURCE, table, file, unknown, col, values=df[col])
    ledger.kept(SOURCE, table, file, len(df))
    return pd.DataFrame({key: df[col].astype(str), "label": df["label"].astype(str)})
