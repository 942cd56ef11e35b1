"""Paths through the journey nodes, computed in the engine (Ibis): sessions, bounce, top paths, transitions.

Definitions:

- A **node** is the page of a ``page_view`` event, otherwise the event name (as in :mod:`helpers.funnel`).
- A **session** of a member is a run of events each within ``gap_minutes`` (30) of the previous one;
  a gap longer than that starts a new session. Events in a member's session are ordered by time stamp,
  then by node name (a tie-break, so results are deterministic).
- A node's event **bounces** when it is the last tracked event of its session: no other event of the
  member follows it (strictly later time stamp) within ``gap_minutes``. The **bounce rate** of a node is
  bounced events / events of that node (page views for a page): a share of views, not of members.
- **Top paths** after (before) a node: for each member who reached the node in the window, the next
  (previous) ``length`` nodes in the same session from the member's *first* visit to it, ``(end)``
  (``(start)``) where the session ends (starts). The denominator is all members who reached the node;
  paths beyond the ``top`` most frequent are pooled as ``other``, so shares add up to 1.
- Paths and transitions skip ``ignore`` nodes (``click`` by default: a click stays on its page), which
  still count as events for sessions and bounce.
- The **transition matrix** counts consecutive pairs of events in a session (``(end)`` after a session's
  last event): ``probability`` = pair count / events of the from-node; ``median_seconds`` = median time
  between the two events.
"""
from __future__ import annotations

from typing import Literal

import ibis
import pandas as pd
from ibis import _
from statsmodels.stats.proportion import proportion_confint

from helpers import _engine
from helpers.funnel import check_one_of, journey_nodes, with_breakdown
from helpers.timeline import DEFAULT_TZ

Direction = Literal["after", "before"]
DIRECTIONS = ("after", "before")
END, START, OTHER = "(end)", "(start)", "other"


def session_gap_us(gap_minutes: float) -> int:
    """The session gap in whole microseconds; ``gap_minutes`` must be positive."""
    if gap_minutes <= 0:
        raise ValueError(f"`gap_minutes` must be positive; got {gap_minutes!r}.")
    return int(round(gap_minutes * 60e6))


def sessions(events, gap_minutes: float = 30, start=None, end=None, ignore=(), tz: str = DEFAULT_TZ) -> ibis.Table:
    """Events with ``node``, ``us``, ``session`` (1, 2, ... per member), ``bounced``, ``rn`` (order
    within the member), ``next_node`` (null after a session's last event) and ``seconds_to_next`` (Ibis).

    Sessions and bounces are cut with every event; nodes in ``ignore`` (e.g. ``click``, which stays on
    the page) are then dropped, and ``rn``/``next_node`` skip them (the next *other* node of the session).
    """
    gap_us = session_gap_us(gap_minutes)
    t = journey_nodes(events, start, end, tz)
    w = ibis.window(group_by="member_id", order_by=["us", "node"])
    t = t.mutate(prev_us=t.us.lag().over(w),
                 # any strictly later event within the gap (ties at the same instant do not continue a session)
                 later=t.us.max().over(ibis.window(group_by="member_id", order_by="us", range=(1, gap_us))))
    new = (t.prev_us.isnull() | (t.us - t.prev_us > gap_us)).cast("int64")
    t = t.mutate(session=new.sum().over(ibis.window(group_by="member_id", order_by=["us", "node"], rows=(None, 0))),
                 bounced=t.later.isnull()).drop("prev_us", "later")
    if ignore:
        t = t.filter(~_engine.isin(t.node, ignore))
    t = t.mutate(rn=ibis.row_number().over(w), next_us=t.us.lead().over(w), next_node0=t.node.lead().over(w),
                 next_session=t.session.lead().over(w))
    cont = t.next_session.notnull() & (t.next_session == t.session)
    return t.mutate(next_node=ibis.ifelse(cont, t.next_node0, ibis.null("string")),
                    seconds_to_next=ibis.ifelse(cont, (t.next_us - t.us) / 1e6, ibis.null("float64"))
                    ).drop("next_us", "next_node0", "next_session")



def bounce_rates(events, nodes=None, gap_minutes: float = 30, start=None, end=None, breakdown: str | None = None,
                 *, members=None, tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """Bounce rate per node (of ``nodes``, default all) in ``[start, end)``: ``(breakdown,) node, views,
    bounces, bounce_rate, ci_low, ci_high`` (Wilson 95%), sorted by bounce rate, highest first.

    Sessions are cut with every event of the member (also those outside the window), so an event just
    before ``end`` is not made a bounce by the window's edge. ``members`` (``member_id`` plus the
    ``breakdown`` column, e.g. the arms of an experiment) restricts to its members.
    """
    gap_us = session_gap_us(gap_minutes)
    # a view bounces when no strictly later event of the member follows within the gap: one window over
    # the events from `start` to `end` + gap (earlier events cannot change it; later ones can)
    horizon = None if end is None else pd.Timestamp(end) + pd.Timedelta(minutes=gap_minutes)
    s = journey_nodes(events, start, horizon, tz)
    s = s.mutate(bounced=s.us.max().over(ibis.window(group_by="member_id", order_by="us", range=(1, gap_us))).isnull())
    if end is not None:
        s = s.filter(s.ts < _engine.ts_literal(end, tz))
    if nodes is not None:
        s = s.filter(_engine.isin(s.node, nodes))
    s, keys = with_breakdown(s, breakdown, members, tz)
    agg = s.group_by([*keys, "node"]).aggregate(views=_.member_id.count(), bounces=_.bounced.sum())
    df = _engine.to_pandas(agg, tz)
    df["bounces"] = df["bounces"].astype("int64")
    df["bounce_rate"] = df["bounces"] / df["views"]
    lo, hi = proportion_confint(df["bounces"], df["views"], method="wilson")
    df["ci_low"], df["ci_high"] = lo, hi
    cols = [*keys, "node", "views", "bounces", "bounce_rate", "ci_low", "ci_high"]
    return df[cols].sort_values([*keys, "bounce_rate", "node"], ascending=[*[True] * len(keys), False, True]
                                ).reset_index(drop=True)


def dropoff_nodes(events, min_views: int = 30, gap_minutes: float = 30, start=None, end=None,
                  tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """Nodes with at least ``min_views`` events, ranked by bounce rate (``rank`` 1 = the worst drop-off)."""
    df = bounce_rates(events, None, gap_minutes, start, end, tz=tz)
    df = df[df["views"] >= min_views].reset_index(drop=True)
    df.insert(0, "rank", range(1, len(df) + 1))
    return df


def top_paths(events, node: str, direction: Direction = "after", length: int = 3, top: int = 10,
              gap_minutes: float = 30, start=None, end=None, ignore=("click",), tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """The most frequent paths of ``length`` nodes after (before) a member's first visit to ``node``.

    Returns ``path`` (nodes joined by " → "), ``step_1..step_length``, ``members``, ``share`` (of all
    members who reached ``node``; an ``other`` row pools the rest so shares add up to 1) and
    ``reached`` (the denominator), most frequent first, ``other`` last. Nodes in ``ignore`` (clicks,
    which stay on the page, by default) are skipped in the paths but still keep sessions alive.
    Several lengths from one query: :func:`path_counts` once, then :func:`pool_paths` per length.
    """
    if top < 1:
        raise ValueError(f"`top` must be at least 1; got {top!r}.")
    return pool_paths(path_counts(events, node, direction, length, gap_minutes, start, end, ignore, tz), top)


def path_counts(events, node: str, direction: Direction = "after", length: int = 3, gap_minutes: float = 30,
                start=None, end=None, ignore=("click",), tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """Members per path of :func:`top_paths`, none pooled: ``node, direction, step_1..step_length,
    members``. A path that ends (starts) early reads ``(end)`` (``(start)``) at its edge and "" after it."""
    check_one_of("direction", direction, DIRECTIONS)
    if length < 1:
        raise ValueError(f"`length` must be at least 1; got {length!r}.")
    s = sessions(events, gap_minutes, start, end, ignore, tz)
    w = ibis.window(group_by="member_id")
    s = s.mutate(first_rn=ibis.ifelse(s.node == node, s.rn, ibis.null("int64")).min().over(w))
    s = s.filter(s.first_rn.notnull())
    s = s.mutate(first_session=ibis.ifelse(s.rn == s.first_rn, s.session, ibis.null("int64")).max().over(w))
    off = (s.rn - s.first_rn) if direction == "after" else (s.first_rn - s.rn)
    s = s.filter((s.session == s.first_session) & (off >= 0) & (off <= length)).mutate(off=off)
    steps = {f"step_{k}": s.node.max(where=s.off == k) for k in range(1, length + 1)}
    per = s.group_by("member_id").aggregate(**steps)
    agg = per.group_by(list(steps)).aggregate(members=_.member_id.count())
    df = _engine.to_pandas(agg, tz)
    fill = END if direction == "after" else START
    for k in range(1, length + 1):  # the first missing step is the session's edge; nothing after it
        col = f"step_{k}"
        prev_missing = df[f"step_{k - 1}"].isin([fill, ""]) if k > 1 else False
        df[col] = df[col].where(df[col].notna(), fill)
        if k > 1:
            df.loc[prev_missing, col] = ""
    cols = list(steps)
    df = df.groupby(cols, as_index=False)["members"].sum()
    df.insert(0, "direction", direction)
    df.insert(0, "node", node)
    return df[["node", "direction", *cols, "members"]]


def pool_paths(counts: pd.DataFrame, top: int = 10, length: int | None = None) -> pd.DataFrame:
    """:func:`top_paths` from :func:`path_counts`' ``counts``, cut to their first ``length`` steps
    (default all): members summed over the paths that share those steps, the ``top`` most frequent
    kept and the rest pooled as ``other``."""
    have = [c for c in counts.columns if c.startswith("step_")]
    length = len(have) if length is None else length
    if top < 1 or not 1 <= length <= len(have):
        raise ValueError(f"`top` must be at least 1 and `length` between 1 and {len(have)}; got {top!r}, {length!r}.")
    node, direction = counts["node"].iloc[0] if len(counts) else "", counts["direction"].iloc[0] if len(counts) else "after"
    cols = have[:length]
    df = counts.groupby(cols, as_index=False)["members"].sum()
    reached = int(df["members"].sum())
    arrow = " → "
    nodes = df[cols].apply(lambda r: [v for v in r if v], axis=1) if len(df) else pd.Series(dtype=object)
    df["path"] = nodes.map(lambda v: arrow.join([node, *v]) if direction == "after" else arrow.join([*v[::-1], node]))
    df = df.sort_values(["members", "path"], ascending=[False, True]).reset_index(drop=True)
    head, rest = df.iloc[:top].copy(), df.iloc[top:]
    if len(rest):
        head = pd.concat([head, pd.DataFrame([{"path": OTHER, **{c: "" for c in cols},
                                               "members": int(rest["members"].sum())}])], ignore_index=True)
    head["members"] = head["members"].astype("int64")
    head["share"] = head["members"] / reached if reached else float("nan")
    head["reached"] = reached
    return head[["path", *cols, "members", "share", "reached"]]


def transition_matrix(events, gap_minutes: float = 30, start=None, end=None, nodes=None, ignore=("click",),
                      tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """Transitions between consecutive events of a session: ``from_node, to_node, transitions,
    probability, median_seconds`` (``to_node`` = ``(end)`` after the session's last event, with no
    time). ``nodes`` keeps only pairs whose from-node is listed (probabilities stay over all exits);
    nodes in ``ignore`` are skipped (a pair links the next *other* node of the session)."""
    s = sessions(events, gap_minutes, start, end, ignore, tz)
    if nodes is not None:
        s = s.filter(_engine.isin(s.node, nodes))
    s = s.mutate(to_node=s.next_node.fill_null(END))
    agg = s.group_by(from_node=s.node, to_node=s.to_node).aggregate(
        transitions=_.member_id.count(), median_seconds=_.seconds_to_next.median())
    df = _engine.to_pandas(agg, tz)
    df["probability"] = df["transitions"] / df.groupby("from_node")["transitions"].transform("sum")
    return df[["from_node", "to_node", "transitions", "probability", "median_seconds"]].sort_values(
        ["from_node", "probability", "to_node"], ascending=[True, False, True]).reset_index(drop=True)
