"""Zendesk Support exports: users, groups, ticket fields, tickets, ticket metrics, ticket events.

Ticket definitions (from ``ticket_events``, one audit = one row; its time is ``created_at``):

- ``first_reply_ts``: the earliest public ``Comment`` whose author is an agent (``role`` agent or
  admin in the users files), in an audit after the ticket's ``created_at`` and not the audit that
  created the ticket.
- ``replies``: the number of such comments.
- ``solved_ts``: the time of the last ``Change`` of ``status`` to ``solved``; null if there is none,
  or if a reopen follows it.
- ``reopens``: changes of ``status`` from ``solved`` to ``new``, ``open``, ``pending`` or ``hold``.
- ``category`` / ``region``: the ``custom_fields`` value of the field titled ``Category`` /
  ``Region`` in ``ticket_fields.json`` (the option ``value``, e.g. ``signoff_exception``).
- ``team``: the name of the ticket's group; ``csat``: ``satisfaction_rating.score``;
  ``vendor_*_minutes_*``: ``ticket_metrics`` as exported.

Row account: users pages count under table ``members`` (agents among them are kept: they become
``staff`` rows); groups, ticket fields, metrics and events pages under ``tickets``.

Rejected: naive ``created_at``; duplicate ticket / metric / audit ids; tickets whose requester is
no Zendesk end-user; metrics and audits of unknown tickets.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from helpers.ingest.quarantine import Ledger
from helpers.ingest.readers import pages, read_pages
from helpers.ingest.validation import Field, reject_duplicates, reject_where

SOURCE = "zendesk"
AGENT_ROLES = ("agent", "admin")
REOPEN_TO = ("new", "open", "pending", "hold")
USER_FIELDS = [Field("id", "id", required=True), Field("email"), Field("phone", "id"),
               Field("role", required=True, isin=("end-user", "agent", "admin")),
               Field("created_at", "iso"), Field("city", "str", ("user_fields", "city"))]
GROUP_FIELDS = [Field("id", "id", required=True), Field("name")]
TICKET_FIELD_FIELDS = [Field("id", "id", required=True), Field("title"), Field("custom_field_options", "list")]
TICKET_FIELDS = [
    Field("id", "id", required=True), Field("created_at", "iso", required=True), Field("subject"),
    Field("description"), Field("priority", isin=("low", "normal", "high", "urgent")),
    Field("status", required=True, isin=("new", "open", "pending", "hold", "solved", "closed")),
    Field("requester_id", "id", required=True), Field("assignee_id", "id"), Field("group_id", "id"),
    Field("channel", "str", ("via", "channel")), Field("custom_fields", "list"),
    Field("csat", "str", ("satisfaction_rating", "score")),
]
_METRICS = {"reply": "reply_time_in_minutes", "first_resolution": "first_resolution_time_in_minutes",
            "full_resolution": "full_resolution_time_in_minutes"}
METRIC_FIELDS = [Field("ticket_id", "id", required=True)] + [
    Field(f"vendor_{k}_minutes_{c}", "float", (v, c)) for k, v in _METRICS.items() for c in ("calendar", "business")]
EVENT_FIELDS = [Field("id", "id", required=True), Field("ticket_id", "id", required=True),
                Field("created_at", "iso", required=True), Field("child_events", "list", required=True)]


def _read_pages(raw_dir: Path, prefix: str, key: str, fields, table: str, ledger: Ledger,
                dedupe: str | None = "id") -> pd.DataFrame:
    files = pages(raw_dir / SOURCE, prefix) or sorted((raw_dir / SOURCE).glob(f"{prefix}.json"))
    df = read_pages(files, raw_dir, key, fields, ledger, SOURCE, table)
    if dedupe:
        df = reject_duplicates(df, [dedupe], dedupe, ledger, SOURCE, table)
    return df


def _kept(ledger: Ledger, table: str, df: pd.DataFrame) -> None:
    ledger.kept_rows(SOURCE, table, df)


def read_zendesk(raw_dir: Path, ledger: Ledger) -> dict[str, pd.DataFrame]:
    """Users, groups, ticket fields and raw ticket tables (validated; tickets not yet joined)."""
    users = _read_pages(raw_dir, "users", "users", USER_FIELDS, "members", ledger)
    _kept(ledger, "members", users)
    groups = _read_pages(raw_dir, "groups", "groups", GROUP_FIELDS, "tickets", ledger)
    _kept(ledger, "tickets", groups)
    fields = _read_pages(raw_dir, "ticket_fields", "ticket_fields", TICKET_FIELD_FIELDS, "tickets", ledger)
    _kept(ledger, "tickets", fields)
    tickets = _read_pages(raw_dir, "tickets", "tickets", TICKET_FIELDS, "tickets", ledger)
    metrics = _read_pages(raw_dir, "ticket_metrics", "ticket_metrics", METRIC_FIELDS, "tickets", ledger,
                          dedupe="ticket_id")
    events = _read_pages(raw_dir, "ticket_events", "ticket_events", EVENT_FIELDS, "tickets", ledger)
    return {"users": users, "groups": groups, "fields": fields, "tickets": tickets, "metrics": metrics,
            "events": events}


def _custom(tickets: pd.DataFrame, fields: pd.DataFrame, title: str) -> pd.Series:
    ids = set(fields.loc[fields["title"].astype("string").str.lower() == title.lower(), "id"].astype(str))

    def pick(custom):
        for cf in custom or []:
            if isinstance(cf, dict) and str(cf.get("id")) in ids:
                return cf.get("value")
        return None
    return tickets["custom_fields"].map(pick).astype("string")


def _id_text(v) -> str | None:
    """An id as text: ``7001`` and ``7001.0`` (a float column's view of it) both give ``"7001"``."""
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    return str(int(v)) if isinstance(v, (int, float, np.integer, np.floating)) else str(v)


def _timeline(events: pd.DataFrame, agents: set, created: pd.Series) -> pd.DataFrame:
    """Per ticket: first_reply_ts, replies, solved_ts, reopens from the audits' child events."""
    ev = events[["id", "ticket_id", "created_at", "child_events"]].explode("child_events", ignore_index=True)
    ev = ev[ev["child_events"].map(lambda c: isinstance(c, dict))]
    child = pd.DataFrame(list(ev["child_events"]), index=ev.index)
    for c in ("event_type", "public", "author_id", "field_name", "value", "previous_value"):
        if c not in child:
            child[c] = None
    ev = ev.drop(columns="child_events").join(child[["event_type", "public", "author_id", "field_name", "value",
                                                     "previous_value"]])
    ev["created"] = ev["ticket_id"].map(created)
    creating = set(ev.loc[ev["event_type"] == "Create", "id"])
    reply = ((ev["event_type"] == "Comment") & (ev["public"] == True)  # noqa: E712 (object column)
             & ev["author_id"].map(_id_text).isin(agents)
             & (ev["created_at"] > ev["created"]) & ~ev["id"].isin(creating))
    replies = ev[reply].groupby("ticket_id").agg(first_reply_ts=("created_at", "min"), replies=("id", "size"))
    st = ev[(ev["event_type"] == "Change") & (ev["field_name"] == "status")].sort_values(["created_at", "id"])
    st = st.assign(solve=st["value"] == "solved",
                   reopen=(st["previous_value"] == "solved") & st["value"].isin(REOPEN_TO))
    last_solve = st[st["solve"]].groupby("ticket_id")["created_at"].max()
    last_reopen = st[st["reopen"]].groupby("ticket_id")["created_at"].max()
    reopens = st.groupby("ticket_id")["reopen"].sum()
    solved = last_solve.where(~(last_reopen.reindex(last_solve.index) > last_solve))
    return pd.DataFrame({"first_reply_ts": replies["first_reply_ts"], "replies": replies["replies"],
                         "solved_ts": solved, "reopens": reopens})


def tickets_table(zd: dict[str, pd.DataFrame], ledger: Ledger, member_of) -> pd.DataFrame:
    """Canonical ``tickets`` rows (``member_id`` via ``member_of(requester_ids)``; text not yet redacted).

    Also quarantines orphans (tickets of unknown requesters; metrics and audits of unknown
    tickets) and completes the row account of the ticket, metric and event pages.
    """
    tickets, metrics, events, users = zd["tickets"], zd["metrics"], zd["events"], zd["users"]
    tickets = tickets.assign(member_id=member_of(tickets["requester_id"]).to_numpy())
    end_users = set(users.loc[~users["role"].isin(AGENT_ROLES), "id"].astype(str))
    orphan = tickets["member_id"].isna() | ~tickets["requester_id"].astype(str).isin(end_users)
    tickets = reject_where(tickets, orphan, ledger, SOURCE, "tickets", None,
                           "unknown requester_id: not a Zendesk end-user in the users files", "requester_id")
    _kept(ledger, "tickets", tickets)
    ids = set(tickets["id"].astype(str))
    metrics = _drop_orphans(metrics, ids, ledger, "ticket_metrics")
    events = _drop_orphans(events, ids, ledger, "ticket_events")
    agents = set(users.loc[users["role"].isin(AGENT_ROLES), "id"].astype(str))
    created = tickets.set_index(tickets["id"].astype(str))["created_at"]
    events = events.assign(ticket_id=events["ticket_id"].astype(str))
    timeline = _timeline(events, agents, created) if len(events) else pd.DataFrame(
        columns=["first_reply_ts", "replies", "solved_ts", "reopens"])
    teams = dict(zip(zd["groups"]["id"].astype(str), zd["groups"]["name"]))
    t = tickets.set_index(tickets["id"].astype(str))
    t = t.join(timeline, how="left").join(metrics.set_index(metrics["ticket_id"].astype(str))
                                          .drop(columns=["ticket_id", "_row", "_file"]), how="left")
    return pd.DataFrame({
        "ticket_id": t.index.to_numpy(), "member_id": t["member_id"].to_numpy(),
        "created_ts": t["created_at"].to_numpy(), "first_reply_ts": t["first_reply_ts"].to_numpy(),
        "solved_ts": t["solved_ts"].to_numpy(), "status": t["status"].to_numpy(),
        "category": _custom(t, zd["fields"], "Category").to_numpy(),
        "channel": t["channel"].to_numpy(), "priority": t["priority"].to_numpy(),
        "region": _custom(t, zd["fields"], "Region").to_numpy(),
        "team": t["group_id"].astype("string").map(teams).to_numpy(), "csat": t["csat"].to_numpy(),
        "reopens": t["reopens"].fillna(0).astype("int64").to_numpy(),
        "replies": t["replies"].fillna(0).astype("int64").to_numpy(),
        "subject": t["subject"].to_numpy(), "description": t["description"].to_numpy(),
        **{c: t[c].to_numpy(dtype="float64", na_value=np.nan) for c in t.columns if c.startswith("vendor_")},
    })


def _drop_orphans(df: pd.DataFrame, ids: set, ledger: Ledger, what: str) -> pd.DataFrame:
    df = reject_where(df, ~df["ticket_id"].astype(str).isin(ids), ledger, SOURCE, "tickets", None,
                      f"{what} of an unknown ticket_id (not in the kept tickets)", "ticket_id")
    _kept(ledger, "tickets", df)
    return df


def agent_teams(zd: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Zendesk agents: ``agent_id`` (raw) and ``team`` (the group they are most often assigned)."""
    users, tickets = zd["users"], zd["tickets"]
    agents = users.loc[users["role"].isin(AGENT_ROLES), "id"].astype(str)
    teams = dict(zip(zd["groups"]["id"].astype(str), zd["groups"]["name"]))
    t = tickets.dropna(subset=["assignee_id", "group_id"])
    t = t.assign(agent=t["assignee_id"].astype(str), team=t["group_id"].astype(str).map(teams)).dropna(subset=["team"])
    top = (t.groupby(["agent", "team"]).size().rename("n").reset_index()
           .sort_values(["agent", "n", "team"], ascending=[True, False, True]).drop_duplicates("agent"))
    return pd.DataFrame({"agent_id": agents.to_numpy()}).merge(
        top[["agent", "team"]].rename(columns={"agent": "agent_id"}), on="agent_id", how="left")
