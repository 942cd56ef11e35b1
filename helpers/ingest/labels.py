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
    path = Path(raw_dir) / SOURCE / "chat_sentiment.csv"
    if not path.exists():
        return pd.DataFrame({"msg_id": pd.Series(dtype="object"), "label": pd.Series(dtype="object")})
    file = relpath(path, raw_dir)
    df = read_csv(path, file, FIELDS, ledger, SOURCE, TABLE)
    df = reject_duplicates(df, ["msgid"], "msgid", ledger, SOURCE, TABLE, file)
    known = pd.Series(archived(df["msgid"].astype(str)), index=df.index, dtype=bool)
    df = reject_where(df, ~known, ledger, SOURCE, TABLE, file, "unknown message: msgid is not in the archive",
                      "msgid", values=df["msgid"])
    ledger.kept(SOURCE, TABLE, file, len(df))
    return pd.DataFrame({"msg_id": df["msgid"].astype(str), "label": df["label"].astype(str)})


def ticket_labels_table(raw_dir: Path, ledger: Ledger, known) -> pd.DataFrame:
    """Canonical ``ticket_sentiment_labels`` rows; ``known(ticket_ids)`` says which ids are in ``tickets``."""
    path = Path(raw_dir) / SOURCE / "ticket_sentiment.csv"
    if not path.exists():
        return pd.DataFrame({"ticket_id": pd.Series(dtype="object"), "label": pd.Series(dtype="object")})
    file = relpath(path, raw_dir)
    df = read_csv(path, file, TICKET_FIELDS, ledger, SOURCE, TICKET_TABLE)
    df = reject_duplicates(df, ["ticket_id"], "ticket_id", ledger, SOURCE, TICKET_TABLE, file)
    found = pd.Series(known(df["ticket_id"].astype(str)), index=df.index, dtype=bool)
    df = reject_where(df, ~found, ledger, SOURCE, TICKET_TABLE, file,
                      "unknown ticket: ticket_id is not in the Zendesk export", "ticket_id", values=df["ticket_id"])
    ledger.kept(SOURCE, TICKET_TABLE, file, len(df))
    return pd.DataFrame({"ticket_id": df["ticket_id"].astype(str), "label": df["label"].astype(str)})
