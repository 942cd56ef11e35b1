"""Support tickets: durations in calendar and business hours, reconciliation with the vendor's
metrics, service rates, backlog, category Pareto and the region (or city tier) x category view.

Definitions (a window is ``[start, end)`` on ``created_ts``, local time):

- **first reply time**: ``created_ts`` -> ``first_reply_ts`` (first public agent comment).
- **full resolution time**: ``created_ts`` -> ``solved_ts`` (the last change to solved); NaN while
  unsolved. Both in hours, calendar (elapsed) and business (on a :class:`Schedule`).
- **age**: ``created_ts`` -> ``solved_ts`` for solved tickets, else -> ``as_of`` (the data's end):
  the follow-up time of a censored ticket in :mod:`helpers.resolution`.
- **one-touch**: a solved ticket with at most one public agent reply (``replies <= 1``); share of
  solved tickets. **reopen rate**: solved tickets reopened at least once, share of solved tickets.
  **CSAT good share**: ``good`` / (``good`` + ``bad``) ratings.
- **category Pareto**: each category's share of tickets created in the window (all of them) and
  its share of the summed full resolution hours of the window's solved tickets ("handling time").

SLA policies live in :mod:`helpers.sla`, the team scorecard in :mod:`helpers.scorecard`, resolution
curves (Kaplan-Meier) in :mod:`helpers.resolution`; their public names are re-exported here.
"""
from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from helpers import _engine
from helpers.business_hours import (DEFAULT_SCHEDULE, Schedule, business_hours_between,  # noqa: F401
                                    calendar_hours_between, read_zendesk_schedule)
from helpers.timeline import DEFAULT_TZ

LOGISTICS = ("signoff_exception", "delivery_delay")
REQUIRED = ("ticket_id", "created_ts", "first_reply_ts", "solved_ts")
OPTIONAL = ("member_id", "status", "category", "channel", "priority", "region", "team", "csat", "reopens", "replies")
VENDOR = tuple(f"vendor_{m}_minutes_{k}" for m in ("reply", "first_resolution", "full_resolution")
               for k in ("calendar", "business"))
HOURS = ("first_reply_hours_calendar", "first_reply_hours_business",
         "resolution_hours_calendar", "resolution_hours_business", "age_hours_calendar", "age_hours_business")
Clock = Literal["calendar", "business"]


def _check(name: str, value, allowed: tuple) -> None:
    if value not in allowed:
        raise ValueError(f"`{name}` must be one of {allowed!r}; not {value!r}.")


def ticket_durations(tickets, schedule: Schedule = DEFAULT_SCHEDULE, as_of=None, tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """Per ticket: first reply and full resolution time in calendar and business hours.

    Takes ``tickets(ticket_id, created_ts, first_reply_ts, solved_ts, ...)`` (Ibis or pandas);
    ``status, category, priority, region, team, csat, reopens, replies, member_id, channel`` and the
    ``vendor_*_minutes_*`` columns are carried when present. ``as_of`` (default: the latest time
    stamp in the table) ends the age of unsolved tickets. Returns one row per ticket with those
    columns plus ``solved`` (bool) and ``first_reply_hours_{calendar,business}``,
    ``resolution_hours_{calendar,business}`` (NaN while unsolved), ``age_hours_{calendar,business}``.
    Ticket-scale work: the selected columns come to pandas (not the text columns).
    """
    if isinstance(tickets, pd.DataFrame):  # already in pandas: no round trip through the engine
        missing = [c for c in REQUIRED if c not in tickets.columns]
        if missing:
            raise KeyError(f"`tickets` lacks column(s) {missing}. Available: {list(tickets.columns)}.")
        df = tickets[list(REQUIRED) + [c for c in OPTIONAL + VENDOR if c in tickets.columns]].copy()
    else:
        t = _engine.table(tickets, "tickets", REQUIRED, tz)
        df = _engine.to_pandas(t.select(list(REQUIRED) + [c for c in OPTIONAL + VENDOR if c in t.columns]), tz)
    for c in ("created_ts", "first_reply_ts", "solved_ts"):
        s = pd.to_datetime(df[c])
        df[c] = s.dt.tz_localize(tz) if s.dt.tz is None else s.dt.tz_convert(tz)
    if as_of is None:
        as_of = df[["created_ts", "first_reply_ts", "solved_ts"]].max().max()
    as_of = pd.Timestamp(as_of)
    as_of = as_of.tz_localize(tz) if as_of.tzinfo is None else as_of
    df["solved"] = df["solved_ts"].notna()
    end = df["solved_ts"].where(df["solved"], as_of)
    for kind, fn in (("calendar", lambda a, b: calendar_hours_between(a, b, tz)),
                     ("business", lambda a, b: business_hours_between(a, b, schedule))):
        df[f"first_reply_hours_{kind}"] = fn(df["created_ts"], df["first_reply_ts"])
        df[f"resolution_hours_{kind}"] = fn(df["created_ts"], df["solved_ts"])
        df[f"age_hours_{kind}"] = fn(df["created_ts"], end)
    df.attrs["as_of"] = as_of
    return df


def _durations(obj, tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """``obj`` if it already is a ticket_durations frame, else its durations on the default schedule."""
    if isinstance(obj, pd.DataFrame) and set(HOURS) <= set(obj.columns):
        return obj
    return ticket_durations(obj, tz=tz)


def in_window(d: pd.DataFrame, start=None, end=None, tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """Rows of ``d`` whose ``created_ts`` lies in ``[start, end)`` (either bound may be None)."""
    keep = pd.Series(True, index=d.index)
    for bound, op in ((start, "ge"), (end, "lt")):
        if bound is not None:
            b = pd.Timestamp(bound)
            b = b.tz_localize(tz) if b.tzinfo is None else b
            keep &= getattr(d["created_ts"], op)(b)
    return d[keep]


def _share(num: int, den: int) -> tuple[float, float, float]:
    if den == 0:
        return float("nan"), float("nan"), float("nan")
    low, high = proportion_confint(num, den, alpha=0.05, method="wilson")
    return num / den, float(low), float(high)


def service_rates(durations, by: str | None = None, start=None, end=None, tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """One row per group of ``by`` (a column such as ``team`` or ``category``; None = all tickets of
    the window): ``tickets, solved, one_touch_share, reopen_rate, csat_good_share, csat_rated,
    mean_resolution_hours, median_resolution_hours, median_first_reply_hours_business`` (see the
    module docstring for definitions; resolution hours are calendar hours of solved tickets)."""
    d = in_window(_durations(durations, tz), start, end, tz)
    if by is not None and by not in d.columns:
        raise KeyError(f"`by` column {by!r} not in the durations. Available: {list(d.columns)}.")
    csat = d["csat"] if "csat" in d else pd.Series(None, index=d.index, dtype=object)
    x = pd.DataFrame({
        "key": d[by] if by else "all", "tickets": 1, "solved": d["solved"],
        "one_touch": d["solved"] & (d["replies"] <= 1) if "replies" in d else False,
        "reopened": d["solved"] & (d["reopens"] > 0) if "reopens" in d else False,
        "csat_rated": csat.isin(["good", "bad"]), "csat_good": csat.eq("good"),
        "resolution_hours": d["resolution_hours_calendar"], "first_reply": d["first_reply_hours_business"]})
    g = x.groupby("key", dropna=False, sort=True)
    out = g[["tickets", "solved", "one_touch", "reopened", "csat_rated", "csat_good"]].sum().astype("int64")
    out["mean_resolution_hours"] = g["resolution_hours"].mean()
    out["median_resolution_hours"] = g["resolution_hours"].median()
    out["median_first_reply_hours_business"] = g["first_reply"].median()
    out = out.reset_index(names=by or "group")
    out["one_touch_share"] = out["one_touch"] / out["solved"].where(out["solved"] > 0)
    out["reopen_rate"] = out["reopened"] / out["solved"].where(out["solved"] > 0)
    out["csat_good_share"] = out["csat_good"] / out["csat_rated"].where(out["csat_rated"] > 0)
    return out


def backlog(durations, freq: Literal["D", "W"] = "D", tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """Open tickets over time: one row per local day (or Monday-starting week) from the first
    ticket to ``as_of``: ``period_start, created, solved, open_at_end`` (created but not yet solved
    at the end of the period; a reopened, unsolved ticket counts as open)."""
    _check("freq", freq, ("D", "W"))
    d = _durations(durations, tz)
    as_of = d.attrs.get("as_of", d[["created_ts", "solved_ts"]].max().max())
    first = d["created_ts"].min().normalize()
    if freq == "W":
        first = first - pd.Timedelta(days=first.weekday())
    starts = pd.date_range(first, pd.Timestamp(as_of), freq="7D" if freq == "W" else "D")
    ends = starts + pd.Timedelta(days=7 if freq == "W" else 1)
    c = np.sort(d["created_ts"].to_numpy(dtype="datetime64[ns]"))
    s = np.sort(d["solved_ts"].dropna().to_numpy(dtype="datetime64[ns]"))
    e = ends.tz_convert("UTC").tz_localize(None).to_numpy()
    b = starts.tz_convert("UTC").tz_localize(None).to_numpy()
    c_end, s_end = np.searchsorted(c, e, "left"), np.searchsorted(s, e, "left")
    return pd.DataFrame({"period_start": starts, "created": c_end - np.searchsorted(c, b, "left"),
                         "solved": s_end - np.searchsorted(s, b, "left"), "open_at_end": c_end - s_end})


def category_pareto(durations, start=None, end=None, clock: Clock = "calendar", tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """Share of tickets vs share of handling time by category, sorted by tickets (descending).

    Columns: ``category, tickets, ticket_share, ticket_share_ci_low, ticket_share_ci_high,
    cumulative_ticket_share, solved, handling_hours, time_share, cumulative_time_share,
    mean_resolution_hours``. ``ticket_share`` counts every ticket created in the window;
    ``handling_hours`` sums ``clock`` full-resolution hours of its solved tickets and
    ``time_share`` divides by the window's total; ``mean_resolution_hours`` is their mean.
    """
    _check("clock", clock, ("calendar", "business"))
    d = in_window(_durations(durations, tz), start, end, tz)
    h = f"resolution_hours_{clock}"
    g = d.groupby("category", dropna=False)
    out = pd.DataFrame({"tickets": g.size(), "solved": g["solved"].sum(), "handling_hours": g[h].sum(),
                        "mean_resolution_hours": g[h].mean()}).reset_index()
    out = out.sort_values(["tickets", "category"], ascending=[False, True], ignore_index=True)
    n, total = int(out["tickets"].sum()), float(out["handling_hours"].sum())
    ci = [_share(int(k), n) for k in out["tickets"]]
    out["ticket_share"] = [c[0] for c in ci]
    out["ticket_share_ci_low"], out["ticket_share_ci_high"] = [c[1] for c in ci], [c[2] for c in ci]
    out["cumulative_ticket_share"] = out["ticket_share"].cumsum()
    out["time_share"] = out["handling_hours"] / total if total > 0 else np.nan
    out["cumulative_time_share"] = out["time_share"].cumsum()
    return out[["category", "tickets", "ticket_share", "ticket_share_ci_low", "ticket_share_ci_high",
                "cumulative_ticket_share", "solved", "handling_hours", "time_share", "cumulative_time_share",
                "mean_resolution_hours"]]


def _with_tier(d: pd.DataFrame, members, tz: str) -> pd.DataFrame:
    m = _engine.table(members, "members", ("member_id", "city_tier"), tz)
    m = _engine.to_pandas(m.select("member_id", "city_tier"), tz).drop_duplicates("member_id")
    if "member_id" not in d.columns:
        raise KeyError("The durations lack `member_id`; it is needed to join members' city tier.")
    m["city_tier"] = m["city_tier"].astype("Int64")
    return d.merge(m, on="member_id", how="left").dropna(subset=["city_tier"])  # unknown city: left out


def region_category(durations, members=None, by: Literal["region", "city_tier"] = "region", start=None, end=None,
                    clock: Clock = "calendar", tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """Volume and handling time by ``by`` x category (long): ``<by>, category, tickets,
    share_of_row`` (the category's share of the row's tickets), ``solved, handling_hours,
    mean_resolution_hours``. ``by="city_tier"`` joins ``members(member_id, city_tier)``; tickets of
    requesters with no known city tier are left out of that view."""
    _check("by", by, ("region", "city_tier"))
    _check("clock", clock, ("calendar", "business"))
    d = in_window(_durations(durations, tz), start, end, tz)
    if by == "city_tier":
        if members is None:
            raise ValueError("`members` is required when by='city_tier'.")
        d = _with_tier(d, members, tz)
    h = f"resolution_hours_{clock}"
    g = d.groupby([by, "category"], dropna=False)
    out = pd.DataFrame({"tickets": g.size(), "solved": g["solved"].sum(), "handling_hours": g[h].sum(),
                        "mean_resolution_hours": g[h].mean()}).reset_index()
    out.insert(3, "share_of_row", out["tickets"] / out.groupby(by, dropna=False)["tickets"].transform("sum"))
    return out


def cell_contrast(durations, by: str, group, category: str, start=None, end=None, cells: int = 1,
                  clock: Clock = "calendar", tz: str = DEFAULT_TZ) -> dict:
    """Is the ``by == group`` x ``category`` cell of :func:`region_category` slower than the same category
    elsewhere? Over solved tickets created in the window: ``mean_hours`` of the cell with its t 95%
    ``ci_low``/``ci_high`` and ``n``, ``rest_mean_hours`` and ``rest_n`` (the category in the other
    groups), ``difference`` and Welch's two-sided ``p_value`` (scipy), and ``p_adjusted`` = min(1,
    ``cells`` x p): Bonferroni for the number of cells scanned when the cell was picked as the slowest."""
    from scipy import stats
    d = in_window(_durations(durations, tz), start, end, tz)
    if by not in d.columns:
        raise KeyError(f"`by` column {by!r} not in the durations. Available: {list(d.columns)}.")
    h = f"resolution_hours_{clock}"
    d = d[(d["category"] == category) & d["solved"] & d[h].notna()]
    cell, rest = d.loc[d[by] == group, h].astype(float), d.loc[d[by] != group, h].astype(float)
    nan = float("nan")
    out = {"n": len(cell), "mean_hours": float(cell.mean()) if len(cell) else nan, "ci_low": nan, "ci_high": nan,
           "rest_n": len(rest), "rest_mean_hours": float(rest.mean()) if len(rest) else nan,
           "difference": nan, "p_value": nan, "p_adjusted": nan}
    if len(cell) >= 2:
        out["ci_low"], out["ci_high"] = (float(x) for x in stats.t.interval(0.95, len(cell) - 1, cell.mean(), stats.sem(cell)))
    if len(cell) >= 2 and len(rest) >= 2:
        p = float(stats.ttest_ind(cell, rest, equal_var=False).pvalue)
        out.update(difference=out["mean_hours"] - out["rest_mean_hours"], p_value=p, p_adjusted=min(1.0, cells * p))
    return out


def logistics_share(durations, members, by: str = "city_tier", logistics: tuple[str, ...] = LOGISTICS,
                    start=None, end=None, tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """Per value of ``by`` (``city_tier`` joins members): ``tickets, logistics_tickets,
    logistics_share`` (+ Wilson 95% ``ci_low, ci_high``) over tickets created in the window (with
    ``city_tier``, of requesters whose tier is known), and
    ``logistics_solved, logistics_mean_resolution_hours`` (calendar hours of the solved ones)."""
    d = in_window(_durations(durations, tz), start, end, tz)
    if by == "city_tier":
        d = _with_tier(d, members, tz)
    is_log = d["category"].isin(list(logistics))
    rows = []
    for key, grp in d.assign(_log=is_log).groupby(by, dropna=True, sort=True):  # a handful of tiers
        k = int(grp["_log"].sum())
        share, low, high = _share(k, len(grp))
        lg = grp[grp["_log"]]
        rows.append({by: key, "tickets": len(grp), "logistics_tickets": k, "logistics_share": share,
                     "ci_low": low, "ci_high": high, "logistics_solved": int(lg["solved"].sum()),
                     "logistics_mean_resolution_hours": lg["resolution_hours_calendar"].mean()})
    return pd.DataFrame(rows)


from helpers.reconciliation import Reconciliation, reconcile_with_vendor  # noqa: E402,F401
from helpers.resolution import ResolutionCurves, resolution_curves  # noqa: E402,F401
from helpers.scorecard import SCORECARD_WEIGHTS, team_scorecard  # noqa: E402,F401
from helpers.sla import DEFAULT_SLA_POLICIES, sla_achievement, sla_status  # noqa: E402,F401

__all__ = [
    "DEFAULT_SCHEDULE",
    "DEFAULT_SLA_POLICIES",
    "LOGISTICS",
    "SCORECARD_WEIGHTS",
    "Reconciliation",
    "ResolutionCurves",
    "Schedule",
    "backlog",
    "business_hours_between",
    "calendar_hours_between",
    "category_pareto",
    "in_window",
    "logistics_share",
    "read_zendesk_schedule",
    "reconcile_with_vendor",
    "region_category",
    "resolution_curves",
    "service_rates",
    "sla_achievement",
    "sla_status",
    "team_scorecard",
    "ticket_durations",
]
