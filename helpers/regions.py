"""Regional differences: city tier of members, and city tier x feedback category x handling time.

Definitions:

- **community member**: a member with ``first_join_ts`` not null (joined a customer group chat).
- **city tier** from ``members.city_tier`` (1..5); members with an unknown city form the tier
  ``"unknown"`` and stay in the denominator.
- **handling time** (full resolution): ``solved_ts - created_ts`` in calendar hours, over solved
  tickets; unsolved tickets count in the category shares but not in the hours.
- A ticket's tier is its requester's (``tickets.member_id`` -> ``members.city_tier``); tickets are
  those created in ``[start, end)``.
- **category group**: ``CATEGORY_GROUPS`` maps categories to groups; by default the two delivery
  categories are ``logistics`` and every other category is its own group.
"""
from __future__ import annotations

from typing import Mapping

import pandas as pd
from ibis import _

from helpers import _engine
from helpers.timeline import DEFAULT_TZ

CATEGORY_GROUPS: dict[str, str] = {"signoff_exception": "logistics", "delivery_delay": "logistics"}


def _tier_label(s: pd.Series) -> pd.Series:
    return s.map(lambda v: "unknown" if pd.isna(v) else str(int(v)))


def tier_share(members, community_only: bool = True, tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """One row per city tier: ``city_tier`` ("1".."5", "unknown"), ``members``, ``share`` of all
    (community) members, ordered by tier."""
    m = _engine.table(members, "members", ("member_id", "city_tier", "first_join_ts"), tz)
    if community_only:
        m = m.filter(m.first_join_ts.notnull())
    df = _engine.to_pandas(m.group_by("city_tier").agg(members=_.member_id.nunique()), tz)
    df["city_tier"] = _tier_label(df["city_tier"])
    df = df.groupby("city_tier", as_index=False)["members"].sum()
    total = df["members"].sum()
    df["share"] = df["members"] / total if total else float("nan")
    return df.sort_values("city_tier").reset_index(drop=True)


def tier_feedback(tickets, members, start, end, groups: Mapping[str, str] | None = None,
                  tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """City tier x category group of tickets created in ``[start, end)``.

    Returns ``city_tier, category_group, tickets, share`` (of the tier's tickets), ``solved``,
    ``mean_resolution_hours``, ``median_resolution_hours`` and ``hours_share`` (of the tier's summed
    resolution hours). Tickets without a requester in ``members`` fall in tier ``"unknown"``.
    """
    t = _engine.table(tickets, "tickets", ("ticket_id", "member_id", "created_ts", "solved_ts", "category"), tz)
    m = _engine.table(members, "members", ("member_id", "city_tier"), tz)
    t = t.filter((t.created_ts >= _engine.ts_literal(start, tz)) & (t.created_ts < _engine.ts_literal(end, tz)))
    hours = _engine.seconds_between(t.solved_ts, t.created_ts) / 3600.0
    mapping = dict(CATEGORY_GROUPS if groups is None else groups)
    group = t.category.substitute(mapping, else_=t.category) if mapping else t.category
    t = t.mutate(hours=hours, category_group=group)
    mm = m.select(mid=m.member_id, city_tier=m.city_tier)
    t = t.left_join(mm, t.member_id == mm.mid)
    agg = t.group_by(["city_tier", "category_group"]).agg(
        tickets=_.ticket_id.count(), solved=_.hours.count(), hours_sum=_.hours.sum(),
        median_resolution_hours=_.hours.median())
    df = _engine.to_pandas(agg, tz)
    df["city_tier"] = _tier_label(df["city_tier"])
    df = df.astype({"tickets": "int64", "solved": "int64"})
    df["hours_sum"] = df["hours_sum"].fillna(0.0)
    df["mean_resolution_hours"] = df["hours_sum"] / df["solved"].where(df["solved"] > 0)
    tier_total = df.groupby("city_tier")["tickets"].transform("sum")
    tier_hours = df.groupby("city_tier")["hours_sum"].transform("sum")
    df["share"] = df["tickets"] / tier_total
    df["hours_share"] = df["hours_sum"] / tier_hours.where(tier_hours > 0)
    grouped = df
    cols = ["city_tier", "category_group", "tickets", "share", "solved", "mean_resolution_hours",
            "median_resolution_hours", "hours_share"]
    return grouped[cols].sort_values(["city_tier", "tickets"], ascending=[True, False]).reset_index(drop=True)


def tier_summary(tickets, members, start, end, tier: int = 3, group: str = "logistics",
                 groups: Mapping[str, str] | None = None, tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """One row for the headline: ``city_tier, member_share`` (of community members), ``tickets``
    (of the tier in the window), ``group``, ``group_share`` of those tickets and
    ``group_mean_resolution_hours``. A tier without tickets gives NaN shares."""
    shares = tier_share(members, tz=tz).set_index("city_tier")
    fb = tier_feedback(tickets, members, start, end, groups, tz)
    fb = fb[fb["city_tier"] == str(tier)]
    row = fb[fb["category_group"] == group]
    return pd.DataFrame([dict(
        city_tier=str(tier), member_share=float(shares["share"].get(str(tier), 0.0)),
        tickets=int(fb["tickets"].sum()), group=group,
        group_share=float(row["share"].sum()) if len(fb) else float("nan"),
        group_mean_resolution_hours=float(row["mean_resolution_hours"].iloc[0]) if len(row) else float("nan"))])
