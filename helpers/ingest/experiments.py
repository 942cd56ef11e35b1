"""The test platform's assignment export: ``experiments/assignments.csv``.

``unit_id`` of a member unit is the member's WeCom ``unionid`` and becomes the ``member_id``; of a
community unit it is the group's ``chat_id`` and stays as it is. ``assigned_at`` must carry an
offset. Rejected: naive times, a unit assigned twice in one experiment (later rows), a member unit
whose unionid is unknown and a community unit whose chat_id is unknown (orphans).
``experiments.json`` (the experiments' descriptions) is metadata and not a canonical table.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from helpers.ingest.quarantine import Ledger
from helpers.ingest.readers import read_csv, relpath
from helpers.ingest.validation import Field, reject_duplicates, reject_where

SOURCE = "experiments"
TABLE = "assignments"
FIELDS = [Field("experiment_id", required=True), Field("unit_type", required=True, isin=("member", "community")),
          Field("unit_id", required=True), Field("variant", required=True),
          Field("assigned_at", "iso", required=True), Field("stratum")]


def assignments_table(raw_dir: Path, ledger: Ledger, member_of, chat_ids: set) -> pd.DataFrame:
    """Canonical ``assignments`` rows (``member_of(unionids)`` maps member units)."""
    path = Path(raw_dir) / SOURCE / "assignments.csv"
    cols = ["experiment_id", "unit_type", "unit_id", "variant", "assigned_ts", "stratum"]
    if not path.exists():
        return pd.DataFrame({c: pd.Series(dtype="object") for c in cols})
    file = relpath(path, raw_dir)
    df = read_csv(path, file, FIELDS, ledger, SOURCE, TABLE)
    df = reject_duplicates(df, ["experiment_id", "unit_type", "unit_id"], "unit", ledger, SOURCE, TABLE, file,
                           show_value=False)
    member = df["unit_type"] == "member"
    mapped = member_of(df["unit_id"].where(member)).to_numpy()
    df = df.assign(unit=pd.Series(mapped, index=df.index, dtype="string").where(member, df["unit_id"]))
    df = reject_where(df, member & df["unit"].isna(), ledger, SOURCE, TABLE, file,
                      "unknown member unit: unit_id is no known WeCom unionid", "unit_id")
    df = reject_where(df, (df["unit_type"] == "community") & ~df["unit_id"].astype(str).isin(chat_ids), ledger,
                      SOURCE, TABLE, file, "unknown community unit: unit_id is no known chat_id", "unit_id",
                      values=df["unit_id"])
    ledger.kept(SOURCE, TABLE, file, len(df))
    return pd.DataFrame({"experiment_id": df["experiment_id"], "unit_type": df["unit_type"], "unit_id": df["unit"],
                         "variant": df["variant"], "assigned_ts": df["assigned_at"], "stratum": df["stratum"]})
