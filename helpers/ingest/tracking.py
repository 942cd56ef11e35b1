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
import pyarrow as pa
import pyarrow.compute as pc

from helpers.ingest import batches as B
from helpers.ingest.identity import Stitched
from helpers.ingest.quarantine import Ledger
from helpers.ingest.readers import jsonl_tables
from helpers.ingest.validation import Field
from helpers.schema import EVENT_NAMES, TABLES
from helpers.warehouse import write_table

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
    Batches stay Arrow tables (:mod:`helpers.ingest.batches`); only flagged rows become pandas.
    """
    write_table(con, TABLE, pd.DataFrame({c: [] for c in TABLES[TABLE]}), tz=tz)
    keys, members = stitched.member_index("unionid")
    names = [f.name for f in FIELDS]
    counts, unionids = _CITY_COUNTS.empty_table(), set()
    with B.Inserter(con) as out:
        for tbl in jsonl_tables(event_files(raw_dir), raw_dir, FIELDS, ledger, SOURCE, TABLE, progress=progress):
            tbl = B.reject_duplicates(con, tbl, FIELDS, names, "event", ledger, SOURCE, TABLE, show_value=False,
                                      candidates=["distinct_id", "time", "event"])
            member = B.lookup(tbl.column("distinct_id"), keys, members)
            orphan = member.is_null().to_numpy(zero_copy_only=False)
            tbl = B.reject_where(tbl, orphan, ledger, SOURCE, TABLE, "unknown distinct_id: no WeCom member has this unionid",
                                 "distinct_id")
            member = member.filter(pa.array(~orphan))
            B.kept(tbl, ledger, SOURCE, TABLE)
            unionids.update(pc.unique(tbl.column("distinct_id")).drop_null().to_pylist())
            batch = pa.table({"member_id": member, "city": tbl.column("city"), "events": pa.repeat(1, tbl.num_rows)})
            counts = _sum_counts(pa.concat_tables([counts, batch]))   # bounded by members x cities
            out.put(TABLE, pa.table({
                "member_id": member, "ts": B.utc_times(tbl.column("time"), "ms"), "event": tbl.column("event"),
                "community_id": tbl.column("chat_id"), "page": tbl.column("page"), "content_id": tbl.column("content_id"),
                "content_type": tbl.column("content_type"), "x": tbl.column("x"), "y": tbl.column("y"),
                "campaign": tbl.column("utm_campaign")}))
    city_counts = pd.DataFrame({"member_id": pd.Series(counts.column("member_id").to_pylist(), dtype="string"),
                                "city": pd.Series(counts.column("city").to_pylist(), dtype="string"),
                                "events": counts.column("events").to_numpy().astype("int64")})
    return city_counts.sort_values(["member_id", "city"], ignore_index=True), unionids


_CITY_COUNTS = pa.schema([("member_id", pa.string()), ("city", pa.string()), ("events", pa.int64())])


def _sum_counts(t: pa.Table) -> pa.Table:
    """Events per (member, city), both known."""
    t = t.filter(pc.and_(pc.is_valid(t.column("member_id")), pc.is_valid(t.column("city"))))
    g = t.group_by(["member_id", "city"]).aggregate([("events", "sum")])
    return pa.table({"member_id": g.column("member_id"), "city": g.column("city"), "events": g.column("events_sum")},
                    schema=_CITY_COUNTS)
