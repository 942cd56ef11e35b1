"""Member lifecycle per week and Orbit-style engagement levels with their pre -> test transitions.

**Lifecycle** (PostHog's lifecycle insight, applied to weeks starting Monday, local time). A member
is *active* in a week when they have an active day in it (``helpers.kpi.active_member_days``:
a customer message, post, comment or like). For week ``w``:

- ``new``: active in ``w`` and never active before ``w`` (first activity since ``history_start``);
- ``returning``: active in ``w`` and in ``w - 1``;
- ``resurrecting``: active in ``w``, not in ``w - 1``, but active in some week before;
- ``dormant``: active in ``w - 1`` but not in ``w`` (PostHog draws these as negative counts).

The **quick ratio** (:func:`quick_ratio`) of a run of weeks is (new + resurrecting) / dormant summed
over them: above 1 the active base grows. Its interval resamples whole weeks (percentile bootstrap),
so it says whether the balance holds from week to week, not just in the sum.

Without activity before ``history_start`` the first week's actives are all ``new``: pass an
earlier ``history_start`` than ``start`` to see the first weeks correctly.

**Levels** (in the spirit of the Orbit model, one period at a time, per member of the community in
that period):

- ``exploring``: a community member with no activity action in the period (may only read);
- ``participating``: at least one activity action but fewer than ``contributing_min`` contributions;
- ``contributing``: at least ``contributing_min`` contributions (customer messages, comments, posts);
- ``leading``: a contributor who is also active on at least ``leading_min_days`` days and wrote at
  least ``leading_min_contributions`` contributions;
- ``(not a member)``: not in any group chat during the period.
"""
from __future__ import annotations

import ibis
import numpy as np
import pandas as pd
from ibis import _

from helpers import _engine
from helpers.kpi import active_member_days, community_members
from helpers.timeline import DEFAULT_TZ

STATUSES = ("new", "returning", "resurrecting", "dormant")
LEVELS = ("exploring", "participating", "contributing", "leading")
NOT_MEMBER = "(not a member)"


def _local(x, tz: str) -> pd.Timestamp:
    ts = pd.Timestamp(x)
    return ts.tz_convert(tz) if ts.tzinfo else ts.tz_localize(tz)


def _monday(x, tz: str = DEFAULT_TZ) -> pd.Timestamp:
    ts = pd.Timestamp(x)
    d = ts.tz_convert(tz).tz_localize(None).normalize() if ts.tzinfo else ts.normalize()
    return d - pd.Timedelta(days=d.weekday())


def weekly_lifecycle(events, messages, start, end, history_start=None, tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """Lifecycle counts per week: ``week`` (Monday), ``status``, ``members`` (dormant as a positive
    count), for the Monday-weeks overlapping ``[start, end)``; every week has all four statuses."""
    lo = history_start if history_start is not None else start
    if _local(lo, tz) > _local(start, tz):
        raise ValueError(f"`history_start` ({lo}) must not be after `start` ({start}).")
    amd = active_member_days(events, messages, _monday(lo, tz), end, tz)
    mw = amd.select("member_id", week=amd.day.truncate("W")).distinct()
    df = _engine.to_pandas(mw, tz)
    last = pd.Timestamp(end)
    last = (last.tz_convert(tz).tz_localize(None) if last.tzinfo else last).normalize() - pd.Timedelta(days=1)
    weeks = pd.date_range(_monday(start, tz), last, freq="W-MON")
    if df.empty:
        return pd.DataFrame([(w, s, 0) for w in weeks for s in STATUSES], columns=["week", "status", "members"])
    df["week"] = pd.to_datetime(df["week"])
    seven = pd.Timedelta(days=7)
    held = pd.MultiIndex.from_arrays([df["member_id"], df["week"]])  # the member-weeks with activity
    new = df["week"].eq(df.groupby("member_id")["week"].transform("min"))
    back = pd.MultiIndex.from_arrays([df["member_id"], df["week"] - seven]).isin(held)  # active the week before
    stays = pd.MultiIndex.from_arrays([df["member_id"], df["week"] + seven]).isin(held)  # active the week after
    per = pd.DataFrame({"new": new, "returning": back, "resurrecting": ~back & ~new}).groupby(df["week"]).sum()
    lost = pd.Series(~stays).groupby((df["week"] + seven).to_numpy()).sum()  # dormant in w: active in w - 7, not in w
    per = per.reindex(weeks, fill_value=0).assign(dormant=lost.reindex(weeks, fill_value=0))
    rows = [(w, st, int(per.at[w, st])) for w in weeks for st in STATUSES]
    return pd.DataFrame(rows, columns=["week", "status", "members"])


def quick_ratio(weeks: pd.DataFrame, n_boot: int = 2000, seed: int = 0) -> dict:
    """``ratio, ci_low, ci_high, weeks`` of the quick ratio over ``weeks`` (one row per week with
    ``new``, ``resurrecting`` and ``dormant`` counts, e.g. :func:`weekly_lifecycle` pivoted wide; pass
    whole weeks only). The 95% interval resamples weeks with replacement; NaN with fewer than two
    weeks or no dormant member."""
    missing = [c for c in ("new", "resurrecting", "dormant") if c not in weeks.columns]
    if missing:
        raise KeyError(f"`weeks` lacks column(s) {missing}. Available: {list(weeks.columns)}.")
    gain = (weeks["new"].fillna(0) + weeks["resurrecting"].fillna(0)).to_numpy(float)
    lost = weeks["dormant"].fillna(0).to_numpy(float)
    nan = float("nan")
    ratio = gain.sum() / lost.sum() if lost.sum() > 0 else nan
    if len(gain) < 2 or not np.isfinite(ratio):
        return {"ratio": ratio, "ci_low": nan, "ci_high": nan, "weeks": len(gain)}
    idx = np.random.default_rng(seed).integers(0, len(gain), (n_boot, len(gain)))
    with np.errstate(divide="ignore", invalid="ignore"):
        boot = gain[idx].sum(axis=1) / lost[idx].sum(axis=1)
    lo, hi = np.percentile(boot[np.isfinite(boot)], [2.5, 97.5])
    return {"ratio": float(ratio), "ci_low": float(lo), "ci_high": float(hi), "weeks": len(gain)}


def member_levels(events, messages, memberships, start, end, contributing_min: int = 10,
                  leading_min_days: int = 15, leading_min_contributions: int = 30,
                  tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """One row per community member of ``[start, end)``: ``member_id, active_days, actions,
    contributions, level`` (definitions in the module docstring)."""
    if not 1 <= contributing_min <= leading_min_contributions:
        raise ValueError("Need 1 <= `contributing_min` <= `leading_min_contributions`; got "
                         f"{contributing_min} and {leading_min_contributions}.")
    ev = _engine.table(events, "events", ("member_id", "ts", "event"), tz)
    ms = _engine.table(messages, "messages", ("sender_id", "sender_type", "ts"), tz)
    lo, hi = _engine.ts_literal(start, tz), _engine.ts_literal(end, tz)
    e = _engine.where_in(ev, "event", ["post", "comment", "like"]).filter((_.ts >= lo) & (_.ts < hi))
    e = e.select("member_id", contrib=(e.event != "like").cast("int64"))
    m = ms.filter((ms.sender_type == "customer") & (ms.ts >= lo) & (ms.ts < hi))
    m = m.select(member_id=m.sender_id, contrib=ibis.literal(1, "int64"))
    acts = e.union(m).group_by("member_id").agg(actions=_.contrib.count(), contributions=_.contrib.sum())
    days = active_member_days(events, messages, start, end, tz).group_by("member_id").agg(active_days=_.day.count())
    cm = community_members(memberships, start, end, tz)
    j = cm.left_join(acts, "member_id").select("member_id", "actions", "contributions")
    j = j.left_join(days, "member_id").select("member_id", "actions", "contributions", "active_days")
    df = _engine.to_pandas(j, tz).fillna({"actions": 0, "contributions": 0, "active_days": 0})
    df = df.astype({"actions": "int64", "contributions": "int64", "active_days": "int64"})
    level = pd.Series("exploring", index=df.index, dtype="object")
    level[df["actions"] > 0] = "participating"
    level[df["contributions"] >= contributing_min] = "contributing"
    level[(df["contributions"] >= leading_min_contributions) & (df["active_days"] >= leading_min_days)] = "leading"
    df["level"] = level
    return df[["member_id", "active_days", "actions", "contributions", "level"]].sort_values(
        "member_id").reset_index(drop=True)


def level_transitions(before: pd.DataFrame, after: pd.DataFrame, normalize: bool = True) -> pd.DataFrame:
    """Level transition matrix (rows: ``before`` level, columns: ``after`` level) over members in
    either table; a member missing from one side is ``"(not a member)"`` there. ``normalize=True``
    gives row shares (each row sums to 1), else counts."""
    m = before[["member_id", "level"]].merge(after[["member_id", "level"]], on="member_id", how="outer",
                                             suffixes=("_before", "_after"))
    m = m.astype({"level_before": "object", "level_after": "object"}).fillna(NOT_MEMBER)
    order = list(LEVELS) + [NOT_MEMBER]
    tab = pd.crosstab(m["level_before"], m["level_after"]).reindex(index=order, columns=order, fill_value=0)
    tab = tab.loc[tab.sum(axis=1) > 0]
    tab.index.name, tab.columns.name = "before", "after"
    return tab.div(tab.sum(axis=1), axis=0) if normalize else tab
