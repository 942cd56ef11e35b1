"""Mini-program tracking events: ``tracking/events_YYYYMMDD.jsonl``, one event a line.

Streamed in batches of daily files (about 300k lines, at least one file) and appended to the
warehouse ``events`` table. Per event:
``member_id`` from ``distinct_id`` (the WeCom ``unionid``); ``ts`` from ``time`` (Unix ms);
``community_id`` = ``properties.chat_id``; ``page``, ``content_id``, ``content_type``, ``x``,
``y`` from the properties; ``campaign`` = ``properties.utm_campaign`` (a mass message's msgid).

Rejected: events of an undocumented name; an event whose ``distinct_id`` is no known unionid
(orphan); a later copy of an event equal in every read field to an earlier line of the same batch
(identical events share their time, hence their daily file).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from helpers.ingest.identity import Stitched
from helpers.ingest.quarantine import Ledger
from helpers.ingest.readers import jsonl_batches
from helpers.ingest.validation import Field, reject_duplicates, reject_where
from helpers.schema import EVENT_NAMES, TABLES
from helpers.warehouse import append_rows, write_table

SOURCE = "tracking"
TABLE = "events"
_P = "properties"
FIELDS = [
    Field("distinct_id", required=True), Field("type"), Field("event", required=True, isin=EVENT_NAMES),
    Field("time", "ms", required=True),
    Field("city", "str", (_P, "$city")), Field("os", "str", (_P, "$os")),
    Field("chat_id", "str", (_P, "chat_id")), Field("page", "str", (_P, "page")),
    Field("content_id", "str", (_P, "content_id")), Field("content_type", "str", (_P, "content_type")),
    Field("element", "str", (_P, "element")), Field("x", "float", (_P, "x")), Field("y", "float", (_P, "y")),
    Field("utm_campaign", "str", (_P, "utm_campaign")), Field("order_id", "str", (_P, "order_id")),
    Field("amount", "float", (_P, "amount")),
]


def event_files(raw_dir: Path) -> list[Path]:
    """The daily tracking files in date order."""
    return sorted((Path(raw_dir) / SOURCE).glob("events_*.jsonl"))


def ingest_events(raw_dir: Path, con, ledger: Ledger, stitched: Stitched, tz: str,
                  progress: bool = True) -> tuple[pd.DataFrame, set]:
    """Append every tracking file's events to the warehouse ``events`` table (created empty first).

    Returns ``(city_counts, unionids)``: ``member_id, city, events`` (how many events each member
    sent from each ``$city``, for the members' city fallback) and the set of raw ``distinct_id``
    values that matched a member (for the tracking rows of ``identities``; never written raw).
    """
    write_table(con, TABLE, pd.DataFrame({c: [] for c in TABLES[TABLE]}), tz=tz)
    city_counts, unionids = None, set()
    for df in jsonl_batches(event_files(raw_dir), raw_dir, FIELDS, ledger, SOURCE, TABLE, progress=progress):
        df = reject_duplicates(df, [f.name for f in FIELDS], "event", ledger, SOURCE, TABLE, show_value=False)
        df = df.assign(member_id=stitched.member_of("unionid", df["distinct_id"]).to_numpy())
        df = reject_where(df, df["member_id"].isna(), ledger, SOURCE, TABLE, None,
                          "unknown distinct_id: no WeCom member has this unionid", "distinct_id")
        ledger.kept_rows(SOURCE, TABLE, df)
        unionids.update(df["distinct_id"].dropna().unique())
        counts = df.groupby(["member_id", "city"]).size().rename("events").reset_index()
        city_counts = counts if city_counts is None else (  # combined per batch: bounded by members x cities
            pd.concat([city_counts, counts], ignore_index=True)
            .groupby(["member_id", "city"], as_index=False)["events"].sum())
        out = pd.DataFrame({
            "member_id": df["member_id"], "ts": df["time"], "event": df["event"],
            "community_id": df["chat_id"], "page": df["page"], "content_id": df["content_id"],
            "content_type": df["content_type"], "x": df["x"], "y": df["y"], "campaign": df["utm_campaign"],
        })
        if len(out):
            append_rows(con, TABLE, out, tz=tz)
    if city_counts is None:
        city_counts = pd.DataFrame({"member_id": pd.Series(dtype="string"), "city": pd.Series(dtype="string"),
                                    "events": pd.Series(dtype="int64")})
    return city_counts, unionids
