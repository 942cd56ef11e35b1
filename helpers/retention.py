"""Cohort retention computed in the engine (Ibis); the small cohort x period grid comes to pandas.

Definitions (periods are local calendar weeks starting Monday, or calendar months):

- **cohort** of a member: the period of the member's first activity (``cohort_by="first_activity"``: the
  first event in ``[start, end)``, of ``activity_events`` when given) or of joining
  (``cohort_by="join"``: the earliest ``first_join_ts`` or ``join_ts`` in ``joins``; members who joined
  outside ``[start, end)`` are left out).
- **period** ``k``: whole periods from the cohort's period to the activity's (0 = the cohort's own).
- ``returning="recurring"``: a member counts at ``k`` when active in period ``k`` (classic N-period
  retention). ``returning="first_time"``: a member counts at ``k >= 1`` only in the period of the first
  activity after the cohort period (so the shares along a row add up to the share who ever returned);
  ``k = 0`` counts members active in their cohort period in both modes.
- ``retention`` = members / cohort size. A cell whose period is not fully observed before ``end`` (or
  the last event) has ``complete`` False; cells starting after it are left out.
"""
from __future__ import annotations

from typing import Literal

import ibis
import pandas as pd
from ibis import _

from helpers import _engine
from helpers.funnel import check_one_of
from helpers.timeline import DEFAULT_TZ

Period = Literal["week", "month"]
PERIODS = ("week", "month")
COHORT_BY = ("first_activity", "join")
RETURNING = ("recurring", "first_time")
_UNIT = {"week": "W", "month": "M"}


def _period_index(p, c, period):
    if period == "week":
        return p.delta(c, unit="day") // 7
    return (p.year() - c.year()) * 12 + p.month() - c.month()


def cohort_retention(events, period: Period = "week", cohort_by: Literal["first_activity", "join"] = "first_activity",
                     returning: Literal["recurring", "first_time"] = "recurring", start=None, end=None,
                     breakdown: str | None = None, *, joins=None, members=None, activity_events=None,
                     tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """Cohort x period retention of ``events(member_id, ts, event)``.

    Parameters
    ----------
    period : "week" or "month".
    cohort_by : "first_activity" or "join" (then ``joins``: a table with ``member_id`` and
        ``first_join_ts`` or ``join_ts``, e.g. ``members`` or ``memberships``).
    returning : "recurring" or "first_time" (module docstring).
    breakdown : a member attribute in ``members`` (``member_id`` plus that column).
    activity_events : event names that count as activity (default: every event).

    Returns
    -------
    ``(breakdown,) cohort`` (first day of the cohort period), ``period`` (k), ``cohort_size``,
    ``members``, ``retention``, ``complete``; one row per cohort and observed period, zeros included.
    """
    check_one_of("period", period, PERIODS)
    check_one_of("cohort_by", cohort_by, COHORT_BY)
    check_one_of("returning", returning, RETURNING)
    ev = _engine.table(events, "events", ("member_id", "ts", "event"), tz)
    ev = ev.filter(ev.member_id.notnull())
    if activity_events is not None:
        ev = _engine.where_in(ev, "event", activity_events)
    if start is not None:
        ev = ev.filter(ev.ts >= _engine.ts_literal(start, tz))
    if end is not None:
        ev = ev.filter(ev.ts < _engine.ts_literal(end, tz))
    unit = _UNIT[period]
    act = ev.select("member_id", p=_engine.local_date(ev.ts, tz).truncate(unit)).distinct()
    if cohort_by == "first_activity":
        coh = act.group_by("member_id").aggregate(c=_.p.min())
    else:
        if joins is None:
            raise ValueError("`cohort_by='join'` needs `joins` (a table with member_id and first_join_ts or join_ts).")
        j = _engine.table(joins, "joins", ("member_id",), tz)
        col = next((c for c in ("first_join_ts", "join_ts") if c in j.columns), None)
        if col is None:
            raise KeyError(f"`joins` needs `first_join_ts` or `join_ts`. Available: {list(j.columns)}.")
        j = j.filter(j[col].notnull() & j.member_id.notnull())
        if start is not None:
            j = j.filter(j[col] >= _engine.ts_literal(start, tz))
        if end is not None:
            j = j.filter(j[col] < _engine.ts_literal(end, tz))
        coh = j.group_by("member_id").aggregate(first=j[col].min())
        coh = coh.select("member_id", c=_engine.local_date(coh.first, tz).truncate(unit))
    keys = []
    if breakdown is not None:
        if members is None:
            raise ValueError("`breakdown` needs `members` (a table with member_id and the breakdown column).")
        m = _engine.table(members, "members", ("member_id", breakdown), tz).select("member_id", breakdown)
        coh = coh.inner_join(m, "member_id")
        keys = [breakdown]
    a = act.inner_join(coh, "member_id")
    a = a.mutate(k=_period_index(a.p, a.c, period)).filter(_.k >= 0)
    if returning == "first_time":
        first = a.filter(a.k >= 1).group_by([*keys, "member_id", "c"]).aggregate(k=_.k.min())
        a = a.filter(a.k == 0).select(*keys, "member_id", "c", "k").union(first)
    # rows are distinct (member, period) pairs, so a count is a distinct count; a breakdown table may
    # repeat a member, so that path keeps the distinct count
    members_in_cell = _.member_id.nunique() if keys else _.count()
    cells = _engine.to_pandas(a.group_by([*keys, "c", "k"]).aggregate(members=members_in_cell), tz)
    if cohort_by == "first_activity":  # every member is active in the period of its first activity
        sizes = cells.loc[cells["k"] == 0, [*keys, "c", "members"]].rename(columns={"members": "cohort_size"})
    else:
        sizes = _engine.to_pandas(coh.group_by([*keys, "c"]).aggregate(cohort_size=_.member_id.count()), tz)
    last = _engine.to_pandas(ev.aggregate(last=ev.ts.max()), tz)["last"].iloc[0]
    obs_end = pd.Timestamp(end) if end is not None else last
    obs_end = (obs_end.tz_localize(tz) if obs_end.tzinfo is None else obs_end.tz_convert(tz)) if pd.notna(obs_end) else obs_end
    if sizes.empty or pd.isna(obs_end):
        return pd.DataFrame(columns=[*keys, "cohort", "period", "cohort_size", "members", "retention", "complete"])
    step = pd.DateOffset(weeks=1) if period == "week" else pd.DateOffset(months=1)
    last_day = (obs_end - pd.Timedelta(microseconds=1)).tz_localize(None).normalize() if end is not None \
        else obs_end.tz_localize(None).normalize()
    rows = []
    for _i, s in sizes.iterrows():
        c0 = pd.Timestamp(s["c"])
        k = 0
        while c0 + k * step <= last_day:
            p_end = c0 + (k + 1) * step  # first day after the period
            rows.append({**{b: s[b] for b in keys}, "cohort": c0, "period": k, "cohort_size": int(s["cohort_size"]),
                         "complete": bool(p_end <= last_day + pd.Timedelta(days=1))})
            k += 1
    grid = pd.DataFrame(rows)
    cells = cells.rename(columns={"c": "cohort", "k": "period"})
    cells["cohort"] = pd.to_datetime(cells["cohort"])
    out = grid.merge(cells, on=[*keys, "cohort", "period"], how="left")
    out["members"] = out["members"].fillna(0).astype("int64")
    out["retention"] = out["members"] / out["cohort_size"]
    cols = [*keys, "cohort", "period", "cohort_size", "members", "retention", "complete"]
    return out[cols].sort_values([*keys, "cohort", "period"]).reset_index(drop=True)
