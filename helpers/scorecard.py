"""Service-efficiency scorecard per team: five indicators, normalized across teams and weighted.

Indicators (tickets created in the window):

| indicator | definition | better |
| --- | --- | --- |
| ``speed`` | median relative resolution time of solved tickets: calendar hours over the median of the ticket's category (all teams) | lower |
| ``sla`` | SLA achievement over first reply and resolution, achieved / (achieved + breached) | higher |
| ``csat`` | good / (good + bad) satisfaction ratings | higher |
| ``reopen`` | reopened solved tickets / solved tickets | lower |
| ``one_touch`` | solved with at most one public agent reply / solved tickets | higher |

Speed is relative to each ticket's category so that a team is not rewarded for the quick categories it
is routed to (a team of sign-off exceptions looks fast in raw hours): 1 means typical for the category;
without a ``category`` column every ticket is set against the overall median. Raw median hours are
reported beside it. Each indicator is min-max normalized across the teams to 0-1 (1 = the best team; all teams get 1
when they tie), and the ``score`` is the weighted mean of the normalized indicators times 100. The
weights used are returned with the table (``weight_<indicator>`` columns) so a chart can show them.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.sla import DEFAULT_SLA_POLICIES, sla_status
from helpers.timeline import DEFAULT_TZ

SCORECARD_WEIGHTS = {"speed": 0.30, "sla": 0.25, "csat": 0.20, "reopen": 0.15, "one_touch": 0.10}
INDICATORS = {  # name -> (column of the raw value, higher is better)
    "speed": ("relative_resolution_time", False), "sla": ("sla_achievement", True),
    "csat": ("csat_good_share", True), "reopen": ("reopen_rate", False), "one_touch": ("one_touch_share", True)}


def team_scorecard(durations, policies: pd.DataFrame = DEFAULT_SLA_POLICIES, weights: dict | None = None,
                   start=None, end=None, tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """One row per team, best first: ``rank, team, tickets, median_resolution_hours``, the raw indicators
    (``relative_resolution_time, sla_achievement, csat_good_share, reopen_rate, one_touch_share``),
    their normalized values ``<indicator>_norm`` (0-1), ``score`` (0-100) and ``weight_<indicator>``.
    ``weights`` maps indicator names (keys of ``SCORECARD_WEIGHTS``) to non-negative numbers."""
    from helpers.tickets import _durations, in_window, service_rates
    w = dict(SCORECARD_WEIGHTS if weights is None else weights)
    unknown = sorted(set(w) - set(INDICATORS))
    if unknown:
        raise ValueError(f"Unknown scorecard indicator(s) {unknown}; available: {list(INDICATORS)}.")
    if any(v < 0 for v in w.values()) or sum(w.values()) <= 0:
        raise ValueError(f"Scorecard weights must be non-negative with a positive sum; got {w}.")
    d = in_window(_durations(durations, tz), start, end, tz)
    rates = service_rates(d, by="team", tz=tz)
    s = sla_status(d, policies, tz)
    s = s[s["status"] != "pending"]
    sla = s.assign(ok=s["status"].eq("achieved")).groupby("team")["ok"].mean().rename("sla_achievement")
    out = rates.merge(sla, on="team", how="left").merge(_relative_speed(d), on="team", how="left")
    score = np.zeros(len(out))
    for name, (col, higher) in INDICATORS.items():  # five indicators
        out[f"{name}_norm"] = _normalized(out[col].astype(float), higher)
        score += w.get(name, 0.0) * out[f"{name}_norm"].fillna(0).to_numpy()
    out["score"] = 100 * score / sum(w.values())
    for name in INDICATORS:
        out[f"weight_{name}"] = w.get(name, 0.0) / sum(w.values())
    out = out.sort_values(["score", "team"], ascending=[False, True], ignore_index=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    cols = ["rank", "team", "tickets", "median_resolution_hours"] + [c for c, _ in INDICATORS.values()] + \
        [f"{n}_norm" for n in INDICATORS] + ["score"] + [f"weight_{n}" for n in INDICATORS]
    return out[cols]


def _normalized(x: pd.Series, higher: bool, rel_tol: float = 1e-9) -> pd.Series:
    """``x`` min-max scaled to 0-1 with 1 for the best (the highest if ``higher``, else the lowest); all 1
    when the values tie. Values equal up to ``rel_tol`` (floating-point noise, such as a ratio of 1 that
    comes out as 1.0000000000000002) tie: stretching noise to the full 0-1 range would rank teams on it."""
    lo, hi = x.min(), x.max()
    if not hi - lo > rel_tol * max(abs(lo), abs(hi), 1.0):  # also when all values are NaN
        return pd.Series(np.where(x.notna(), 1.0, np.nan), index=x.index)
    norm = (x - lo) / (hi - lo)
    return norm if higher else 1 - norm


def _relative_speed(d: pd.DataFrame) -> pd.Series:
    """Per team: the median over its solved tickets of calendar resolution hours / the median of the
    ticket's category over all teams (``relative_resolution_time``)."""
    solved = d[d["solved"] & d["resolution_hours_calendar"].notna()]
    hours = solved["resolution_hours_calendar"].astype(float)
    typical = (solved.groupby("category")["resolution_hours_calendar"].transform("median") if "category" in solved
               else pd.Series(hours.median(), index=solved.index))
    rel = hours / typical.where(typical > 0)
    return rel.groupby(solved["team"]).median().rename("relative_resolution_time")

