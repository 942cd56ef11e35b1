"""Hand labels of chat messages' sentiment: ``labels/chat_sentiment.csv`` (``msgid``, ``label``).

A team checks a sentiment model by labelling a uniform random sample of archived customer messages
(a few hundred; chapter 2 uses them to correct the model's negative share). ``msg_id`` = ``msgid``;
``label`` is ``negative``, ``neutral`` or ``positive``. The file is optional (no file: an empty table).
Rejected: a missing or unknown label, a msgid labelled twice (later rows), a msgid that is not in the
ingested archive (a label of nothing).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from helpers.ingest.quarantine import Ledger
from helpers.ingest.readers import read_csv, relpath
from helpers.ingest.validation import Field, reject_duplicates, reject_where

SOURCE = "labels"
TABLE = "sentiment_labels"
LABELS = ("negative", "neutral", "positive")
FIELDS = [Field("msgid", required=True), Field("label", required=True, isin=LABELS)]


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
