"""Service-level agreements as data: targets by priority, achievement and breach rates.

A policy table has one row per ``priority`` and ``metric`` (``first_reply`` or ``resolution``)
with ``target_minutes`` and ``business_hours`` (True: the target counts schedule minutes, as
Zendesk SLA policies do when "business hours" is ticked). Per ticket and metric:

- **achieved**: the event (first reply / last solve) happened within the target;
- **breached**: it happened after the target, or has not happened and the ticket's age at the data's
  end (``as_of``) already exceeds the target (a ticket solved without any reply breaches first reply
  once its age exceeds the target);
- **pending**: not happened and still within target; excluded from the rates.

``achievement_rate = achieved / (achieved + breached)``; ``breach_rate = 1 - achievement_rate``.
Tickets whose priority has no policy are not counted.
"""
from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from helpers.timeline import DEFAULT_TZ

METRICS = ("first_reply", "resolution")
BY = (None, "priority", "team", "category", "week", "region", "channel")

# The kit's default desk policy (business minutes): urgent 1 h / 1 day, high 2 h / 2 days,
# normal 4 h / 3 days, low 1 day / 5 days (a business day = 9 h on the default schedule).
DEFAULT_SLA_POLICIES = pd.DataFrame(
    [("urgent", "first_reply", 60, True), ("high", "first_reply", 120, True),
     ("normal", "first_reply", 240, True), ("low", "first_reply", 540, True),
     ("urgent", "resolution", 540, True), ("high", "resolution", 1080, True),
     ("normal", "resolution", 1620, True), ("low", "resolution", 2700, True)],
    columns=["priority", "metric", "target_minutes", "business_hours"])


def _check_policies(policies) -> pd.DataFrame:
    if not isinstance(policies, pd.DataFrame):
        raise TypeError(f"`policies` must be a pandas DataFrame; got {type(policies).__name__}.")
    need = ["priority", "metric", "target_minutes", "business_hours"]
    missing = [c for c in need if c not in policies.columns]
    if missing:
        raise KeyError(f"`policies` lacks column(s) {missing}. Available: {list(policies.columns)}.")
    bad = sorted(set(policies["metric"]) - set(METRICS))
    if bad:
        raise ValueError(f"`policies.metric` values must be one of {METRICS!r}; not {bad!r}.")
    if (policies["target_minutes"] <= 0).any() or policies["target_minutes"].isna().any():
        raise ValueError("`policies.target_minutes` must be positive numbers.")
    if policies.duplicated(["priority", "metric"]).any():
        raise ValueError("`policies` has more than one row for a (priority, metric) pair.")
    return policies[need]


def sla_status(durations, policies: pd.DataFrame = DEFAULT_SLA_POLICIES, tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """One row per ticket and policy metric: ``ticket_id, priority, metric, target_minutes,
    business_hours, elapsed_minutes`` (to the event, or the age so far), ``status`` (achieved,
    breached, pending), plus ``team, category, region, channel, created_ts`` when present."""
    from helpers.tickets import _durations
    p = _check_policies(policies)
    d = _durations(durations, tz)
    keep = [c for c in ("ticket_id", "priority", "team", "category", "region", "channel", "created_ts") if c in d]
    j = d.merge(p, on="priority", how="inner")
    clock = np.where(j["business_hours"].astype(bool), "business", "calendar")
    event_h = np.where(j["metric"] == "first_reply",
                       np.where(clock == "business", j["first_reply_hours_business"], j["first_reply_hours_calendar"]),
                       np.where(clock == "business", j["resolution_hours_business"], j["resolution_hours_calendar"]))
    age_h = np.where(clock == "business", j["age_hours_business"], j["age_hours_calendar"])
    happened = ~np.isnan(event_h)
    elapsed = np.where(happened, event_h, age_h) * 60.0
    target = j["target_minutes"].to_numpy(float)
    status = np.select([happened & (elapsed <= target), elapsed > target], ["achieved", "breached"], "pending")
    out = j[keep + ["metric", "target_minutes", "business_hours"]].copy()
    out["elapsed_minutes"] = elapsed
    out["status"] = status
    return out


def sla_achievement(durations, policies: pd.DataFrame = DEFAULT_SLA_POLICIES,
                    by: Literal[None, "priority", "team", "category", "week", "region", "channel"] = None,
                    tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """Achievement and breach rates per ``by`` group (``week``: Monday of the local creation week)
    and metric: ``<by>, metric, tickets, achieved, breached, pending, achievement_rate,
    ci_low, ci_high`` (Wilson 95%), ``breach_rate``, ``status`` ("OK" or "NO_DECIDED_TICKETS")."""
    if by not in BY:
        raise ValueError(f"`by` must be one of {BY!r}; not {by!r}.")
    s = sla_status(durations, policies, tz)
    if by == "week":
        local = s["created_ts"].dt.tz_convert(tz)
        s["week"] = (local.dt.normalize() - pd.to_timedelta(local.dt.weekday, unit="D")).dt.tz_localize(None)
    keys = ([by] if by else []) + ["metric"]
    counts = pd.crosstab([s[k] for k in keys], s["status"])
    for c in ("achieved", "breached", "pending"):
        if c not in counts:
            counts[c] = 0
    out = counts[["achieved", "breached", "pending"]].reset_index()
    out.columns.name = None
    out.insert(len(keys), "tickets", out[["achieved", "breached", "pending"]].sum(axis=1))
    decided = out["achieved"] + out["breached"]
    out["achievement_rate"] = out["achieved"] / decided.where(decided > 0)
    lo, hi = proportion_confint(out["achieved"], decided.clip(lower=1), alpha=0.05, method="wilson")
    out["ci_low"], out["ci_high"] = np.where(decided > 0, lo, np.nan), np.where(decided > 0, hi, np.nan)
    out["breach_rate"] = 1 - out["achievement_rate"]
    out["status"] = np.where(decided > 0, "OK", "NO_DECIDED_TICKETS")
    return out
