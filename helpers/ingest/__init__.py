"""Ingestion: raw vendor exports -> validated, pseudonymized, stitched canonical warehouse tables.

``ingest_all(raw_dir, con, quarantine_dir, run_id)`` reads ``raw_dir/<source>/`` (formats:
``docs/data_formats.md``), quarantines bad rows with reasons, stitches identities into
``member_id``, writes every table of :data:`helpers.schema.TABLES` and returns the row account.
"""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
from tqdm import tqdm  # plain bars: these run from the command line, not in notebooks

from helpers.ingest import broadcasts, experiments, labels, msgaudit, salesforce, tables, tracking, wecom, zendesk
from helpers.ingest.errors import (
    ColumnNotFoundError,
    IngestError,
    MalformedFileError,
    RowAccountError,
    TruncatedFileError,
    VendorError,
)
from helpers.ingest.identity import normalize_email, normalize_phone, stitch
from helpers.ingest.privacy import redact_text, scan_for_identifiers
from helpers.ingest.pseudonymize import get_salt, pseudonymize
from helpers.ingest.quarantine import Ledger
from helpers.schema import TABLES
from helpers.timeline import DEFAULT_TZ, Timeline
from helpers.warehouse import cluster, write_table

__all__ = [
    "ColumnNotFoundError",
    "IngestError",
    "MalformedFileError",
    "RowAccountError",
    "TruncatedFileError",
    "VendorError",
    "ingest_all",
    "normalize_email",
    "normalize_phone",
    "pseudonymize",
    "redact_text",
    "scan_for_identifiers",
    "summarize",
]

REFERENCE_DIR = Path(__file__).resolve().parents[2] / "data" / "reference"


def _read_sources(raw: Path, ledger: Ledger) -> tuple[dict, dict, dict]:
    chats, chat_members = wecom.read_chats(raw, ledger)
    callbacks = wecom.read_callbacks(raw, ledger)
    wc = {"contacts": wecom.read_contacts(raw, ledger), "chat_list": wecom.read_chat_list(raw, ledger),
          "chats": chats, "chat_members": chat_members, "callbacks": callbacks,
          "callback_members": wecom.callback_members(callbacks), "staff": wecom.read_staff(raw, ledger),
          "stats": wecom.read_statistics(raw, ledger), "group_messages": broadcasts.read_group_messages(raw, ledger)}
    return wc, zendesk.read_zendesk(raw, ledger), salesforce.read_salesforce(raw, ledger)


def ingest_all(raw_dir: str | os.PathLike, con, quarantine_dir: str | os.PathLike, run_id: str,
               salt: str | None = None, tz: str = DEFAULT_TZ, progress: bool = True,
               start: str | pd.Timestamp | None = None, reference_dir: str | os.PathLike | None = None,
               memory_limit: str | None = "1GB", threads: int | None = 1) -> pd.DataFrame:
    """Ingest every raw export under ``raw_dir`` into the warehouse ``con``.

    Parameters
    ----------
    raw_dir
        Folder with ``wecom/``, ``tracking/``, ``zendesk/``, ``salesforce/``, ``experiments/``
        (a missing folder is read as an empty source).
    con
        Warehouse connection (:func:`helpers.warehouse.connect`); every canonical table is replaced.
    quarantine_dir
        Where rejected rows go, one ``<table>.parquet`` per table with rejects.
    run_id
        Label stored with each quarantined row.
    salt
        Pseudonymization salt; default ``$KIT_SALT``, else the sample's ``sample-salt-not-secret``.
    tz
        Time zone of the warehouse's timestamps.
    progress
        Show tqdm bars and print the row account.
    start
        Study start (age bands are computed at this date); default :class:`helpers.timeline.Timeline`'s.
    reference_dir
        Folder with ``cities.csv``; default the repository's ``data/reference``.
    memory_limit
        DuckDB's memory cap while ingesting (restored afterwards), so its page cache of the growing
        event and message tables does not add to peak memory; None leaves the setting alone. The final
        sort of events and orders by member and time (``helpers.warehouse.SORT_ORDER``) spills to disk
        beyond it.
    threads
        DuckDB's worker threads while ingesting (restored afterwards). Event and message batches are
        appended on a thread of their own while the next batch is parsed, so the cores are busy anyway;
        an append on one DuckDB thread costs about half the CPU of one on two. None leaves it alone.

    Returns
    -------
    DataFrame
        The row account ``source, table, file, rows_in, rows_kept, rows_quarantined``, one row per
        file and table it feeds (also written as the ``ingest_log`` table). For every row
        ``rows_in = rows_kept + rows_quarantined``; :class:`RowAccountError` is raised otherwise.
    """
    previous = _set_memory_limit(con, memory_limit)
    previous_threads = _setting(con, "threads") if threads is not None else None
    try:
        if threads is not None:
            con.raw_sql(f"SET threads = {int(threads)}")
        account = _ingest(Path(raw_dir), con, quarantine_dir, run_id, get_salt(salt), tz, progress, start,
                          reference_dir)
        if previous_threads is not None:  # the sort below uses every core
            con.raw_sql(f"SET threads = {int(previous_threads)}")
        cluster(con)
        return account
    finally:
        if previous is not None:  # back to the default if it was the default (its text is rounded)
            con.raw_sql("RESET memory_limit")
            if _memory_limit(con) != previous:
                _set_memory_limit(con, previous)
        if previous_threads is not None:
            con.raw_sql(f"SET threads = {int(previous_threads)}")


def _memory_limit(con) -> str:
    return _setting(con, "memory_limit")


def _setting(con, name: str):
    return con.raw_sql(f"SELECT current_setting('{name}')").fetchone()[0]  # a setting's name, not data


def _set_memory_limit(con, limit: str | None) -> str | None:
    """Set DuckDB's ``memory_limit`` to ``limit`` (if given); return the value it had."""
    if limit is None:
        return None
    previous = _memory_limit(con)
    # a setting, not data; the value is the caller's or DuckDB's own
    con.raw_sql(f"SET memory_limit = '{str(limit).replace(chr(39), '')}'")
    return previous


def _ingest(raw: Path, con, quarantine_dir, run_id: str, salt: str, tz: str, progress: bool, start,
            reference_dir) -> pd.DataFrame:
    """The body of :func:`ingest_all` (arguments already resolved)."""
    t0 = Timeline(start if start is not None else Timeline().start, tz=tz).t0
    cities = tables.read_cities(Path(reference_dir or REFERENCE_DIR) / "cities.csv")
    ledger = Ledger(run_id)
    stages = tqdm(total=6, desc="ingest", unit="stage", disable=not progress)

    stages.set_postfix_str("parse sources")
    wc, zd, sf = _read_sources(raw, ledger)
    stages.update()
    stages.set_postfix_str("stitch identities")
    stitched = stitch(tables.collect_links(wc, zd, sf), salt)
    spells = wecom.memberships(wc["chat_members"], wc["callbacks"], ledger)
    stages.update()

    def member_of(key_type):
        return lambda values: stitched.member_of(key_type, values)

    # tables that need no streamed data first, so the raw ticket, order and send-result frames are
    # freed before the event and message streams run
    stages.set_postfix_str("tables")
    memberships = tables.memberships_table(spells, stitched)
    communities = tables.communities_table(wc["chats"], wc["chat_list"], salt)
    bc = broadcasts.read_send_results(raw, ledger, wc["group_messages"], stitched, salt)
    bc_senders = set(bc.pop("_sender_raw").dropna())
    tickets = zendesk.tickets_table(zd, ledger, member_of("requester_id"))
    tickets["subject"], tickets["description"] = redact_text(tickets["subject"]), redact_text(tickets["description"])
    done = {
        "memberships": memberships, "communities": communities, "broadcasts": bc, "tickets": tickets,
        "orders": salesforce.orders_table(sf, ledger, member_of("contact_id")),
        "leads": salesforce.leads_table(sf, member_of("lead_id"), lambda v: pseudonymize(v, "lead_id", salt),
                                        lambda v: pseudonymize(v, "opportunity_id", salt), tz),
        "assignments": experiments.assignments_table(raw, ledger, member_of("unionid"),
                                                     set(communities["community_id"].astype(str))),
        "owner_daily_stats": tables.owner_stats_table(wc["stats"], salt),
    }
    for name, df in done.items():
        write_table(con, name, df, tz=tz)
    agents = zendesk.agent_teams(zd)
    for key in ("tickets", "metrics", "events"):
        zd[key] = zd[key].iloc[:0]
    for key in ("orders", "leads", "opportunities"):
        sf[key] = sf[key].iloc[:0]
    del done, bc, tickets
    stages.update()

    stages.set_postfix_str("events")
    city_counts, unionids = tracking.ingest_events(raw, con, ledger, stitched, tz, progress)
    stages.update()
    stages.set_postfix_str("messages")
    consent, senders = msgaudit.ingest_messages(raw, con, ledger, stitched, salt, tz, progress)
    stages.update()

    stages.set_postfix_str("members")
    staff_ids = tables.staff_userids(wc, bc_senders, senders)
    rest = {
        "members": tables.members_table(stitched, memberships, wc, zd, sf, city_counts, consent, cities, t0),
        "identities": tables.identities_table(stitched, unionids, salt),
        "staff": tables.staff_table(wc["staff"], staff_ids, agents, salt),
        "sentiment_labels": labels.sentiment_labels_table(raw, ledger, lambda ids: _known(con, "messages", "msg_id", ids)),
        "ticket_sentiment_labels": labels.ticket_labels_table(raw, ledger, lambda ids: _known(con, "tickets", "ticket_id", ids)),
    }
    for name, df in rest.items():
        write_table(con, name, df, tz=tz)
    account = ledger.account()
    write_table(con, "ingest_log", account, tz=tz)
    ledger.write(quarantine_dir)
    stages.update()
    stages.close()
    missing = [t for t in TABLES if t not in con.list_tables()]
    if missing:
        raise RuntimeError(f"Ingestion wrote no table for {missing}.")
    if progress:
        print(summarize(account).to_string(index=False))
    return account


def _known(con, table: str, column: str, values: pd.Series) -> pd.Series:
    """Whether each value is a ``column`` value of the warehouse's ``table`` (a semi-join in the engine)."""
    import ibis

    ids = ibis.memtable(pd.DataFrame({column: values.astype(str).unique()}))
    found = set(ids.semi_join(con.table(table), column).to_pandas()[column])
    return values.astype(str).isin(found)


def summarize(account: pd.DataFrame) -> pd.DataFrame:
    """The row account per source and table (files counted), with a total row."""
    g = account.groupby(["source", "table"], as_index=False).agg(
        files=("file", "nunique"), rows_in=("rows_in", "sum"), rows_kept=("rows_kept", "sum"),
        rows_quarantined=("rows_quarantined", "sum"))
    total = pd.DataFrame([{"source": "all", "table": "all", "files": account["file"].nunique(),
                           **{c: g[c].sum() for c in ("rows_in", "rows_kept", "rows_quarantined")}}])
    return pd.concat([g, total], ignore_index=True)
