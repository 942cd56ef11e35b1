"""What the warehouse holds: rows, time span and members per canonical table, and daily volumes."""
from __future__ import annotations

import pandas as pd
from ibis import _

from helpers import _engine
from helpers.timeline import DEFAULT_TZ

TIME_COLUMN = {
    "events": "ts", "messages": "ts", "broadcasts": "sent_ts", "tickets": "created_ts",
    "orders": "ts", "leads": "created_ts", "memberships": "join_ts", "assignments": "assigned_ts",
    "communities": "created_ts", "members": "first_join_ts",
}


def table_overview(con, tables: list[str], tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """One row per table: ``table, rows, members`` (distinct ``member_id``, if the table has one),
    ``first`` and ``last`` (of its main time column, local time)."""
    rows = []
    for name in tables:
        t = con.table(name)
        aggs = {"rows": t.count()}
        if "member_id" in t.columns:
            aggs["members"] = t.member_id.nunique()
        col = TIME_COLUMN.get(name)
        if col in t.columns:
            aggs["first"] = t[col].min()
            aggs["last"] = t[col].max()
        row = _engine.to_pandas(t.aggregate(**aggs), tz).iloc[0].to_dict()
        rows.append({"table": name, **row})
    out = pd.DataFrame(rows, columns=["table", "rows", "members", "first", "last"])
    return out.astype({"rows": "int64", "members": "Int64"})


def chat_names(con) -> pd.Series:
    """Group-chat names by ``community_id`` (from ``communities``), for tables and sentences a reader
    sees; a chat without a name keeps its id. ``names.get(cid, cid)`` also covers ids not in the table."""
    t = con.table("communities").select("community_id", "name").to_pandas()
    return t.set_index("community_id")["name"].fillna(pd.Series(t["community_id"].to_numpy(), index=t["community_id"]))


ALIAS_PREFIX = {"staff": "S", "agent": "A", "robot": "R"}  # group-chat staff, support agents, robots


def staff_directory(con) -> pd.DataFrame:
    """``staff_id, alias, kind, team`` for every account in ``staff``, for tables a reader sees.

    ``alias`` is ``S01``, ``S02``… for group-chat staff, ``A01``… for support agents and ``R1``… for
    robots (another kind keeps its id), numbered in (team, staff_id) order and zero-padded to the
    widest number of its kind. The warehouse ids are already pseudonyms; an alias is shorter to read
    and says which kind of account it is. It is stable for one warehouse (one salt), not across salts.
    """
    t = con.table("staff").select("staff_id", "kind", "team").to_pandas()
    t = t.sort_values(["kind", "team", "staff_id"], na_position="last", kind="stable").reset_index(drop=True)
    number = t.groupby("kind", dropna=False).cumcount() + 1
    width = t.groupby("kind", dropna=False)["staff_id"].transform("size").astype(str).str.len()
    prefix = t["kind"].map(ALIAS_PREFIX)
    t["alias"] = [f"{p}{n:0{w}d}" if isinstance(p, str) else sid
                  for p, n, w, sid in zip(prefix, number, width, t["staff_id"])]
    return t[["staff_id", "alias", "kind", "team"]]


def daily_counts(con, name: str, by: str | None = None, tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """Rows per local day of table ``name`` (by its main time column), optionally per ``by``."""
    if name not in TIME_COLUMN:
        raise ValueError(f"`name` must be one of {sorted(TIME_COLUMN)}; not {name!r}.")
    t = con.table(name)
    keys = ["day"] + ([by] if by else [])
    expr = t.mutate(day=_engine.local_date(t[TIME_COLUMN[name]], tz)).group_by(keys).agg(rows=_.count()).order_by(keys)
    out = _engine.to_pandas(expr, tz)
    out["day"] = pd.to_datetime(out["day"])
    return out


def distribution(table, column: str, dropna: bool = True, order: list | None = None,
                 tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """Rows per value of ``column``: ``<column>, rows, share`` where share is of the rows counted
    (missing values excluded when ``dropna``); in ``order`` if given, else by descending rows."""
    t = _engine.table(table, "table", (column,), tz)
    if dropna:
        t = t.filter(t[column].notnull())
    out = _engine.to_pandas(t.group_by(column).agg(rows=_.count()), tz)
    total = out["rows"].sum()
    out["share"] = out["rows"] / total if total else float("nan")
    if order is not None:
        out = out.set_index(column).reindex(order).fillna({"rows": 0, "share": 0.0}).reset_index()
        return out.astype({"rows": "int64"})
    return out.sort_values(["rows", column], ascending=[False, True]).reset_index(drop=True)
