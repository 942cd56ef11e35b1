"""Resolution curves: Kaplan-Meier estimates of the share of tickets still unsolved over time.

A solved ticket's duration is its full resolution time; a ticket still unsolved at the data's end
(``as_of``) is **censored** at its age, not dropped (dropping them would bias the curves towards
fast tickets). Fitted with ``lifelines.KaplanMeierFitter`` (exponential Greenwood 95% bands); the
median and 90th percentile (the time by which 50% / 90% are solved) come with the interval read off
those bands (``lifelines.utils.qth_survival_times``), NaN when the curve or band never gets there.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from lifelines import KaplanMeierFitter
from lifelines.utils import qth_survival_times

from helpers.timeline import DEFAULT_TZ


@dataclass(frozen=True)
class ResolutionCurves:
    """``curves`` (long: ``group, hours, share_unsolved, ci_low, ci_high, at_risk``) and
    ``summary`` (one row per group: ``group, tickets, solved, censored, median_hours,
    median_ci_low, median_ci_high, p90_hours, p90_ci_low, p90_ci_high, status``)."""

    curves: pd.DataFrame
    summary: pd.DataFrame
    clock: str

    def _repr_html_(self):
        return self.summary._repr_html_()


def _quantile(kmf: KaplanMeierFitter, q_solved: float) -> tuple[float, float, float]:
    """Time by which ``q_solved`` are solved, and its interval from the confidence band."""
    s = 1 - q_solved
    band = kmf.confidence_interval_survival_function_
    # the lower band reaches s first (early bound), the upper band last (late bound)
    vals = [np.squeeze(np.asarray(qth_survival_times(s, f), dtype=float))
            for f in (kmf.survival_function_, band.iloc[:, [0]], band.iloc[:, [1]])]
    return tuple(np.nan if np.isinf(v) else float(v) for v in vals)


def resolution_curves(tickets, by: str | None = None, clock: Literal["calendar", "business"] = "calendar",
                      start=None, end=None, tz: str = DEFAULT_TZ) -> ResolutionCurves:
    """Kaplan-Meier resolution curves per ``by`` group (a column such as ``category``; None = all).

    ``tickets``: a tickets table, or a :func:`helpers.tickets.ticket_durations` frame (whose
    ``as_of`` ends the censored ages). Only tickets created in ``[start, end)`` are used.
    """
    from helpers.tickets import _check, _durations, in_window
    _check("clock", clock, ("calendar", "business"))
    d = in_window(_durations(tickets, tz), start, end, tz)
    if by is not None and by not in d.columns:
        raise KeyError(f"`by` column {by!r} not in the tickets. Available: {list(d.columns)}.")
    dur = np.where(d["solved"], d[f"resolution_hours_{clock}"], d[f"age_hours_{clock}"])
    x = pd.DataFrame({"group": d[by].astype(str) if by else "all", "hours": np.clip(dur, 0, None),
                      "solved": d["solved"].to_numpy()})
    curves, rows = [], []
    for group, g in x.groupby("group", sort=True):  # one fit per category
        row = {"group": group, "tickets": len(g), "solved": int(g["solved"].sum()),
               "censored": int((~g["solved"]).sum())}
        if row["solved"] == 0:
            rows.append({**row, "status": "NO_EVENTS"})
            continue
        kmf = KaplanMeierFitter().fit(g["hours"], event_observed=g["solved"], label=str(group))
        band = kmf.confidence_interval_survival_function_
        curves.append(pd.DataFrame({"group": group, "hours": kmf.survival_function_.index.to_numpy(),
                                    "share_unsolved": kmf.survival_function_.iloc[:, 0].to_numpy(),
                                    "ci_low": band.iloc[:, 0].to_numpy(), "ci_high": band.iloc[:, 1].to_numpy(),
                                    "at_risk": kmf.event_table["at_risk"].to_numpy()}))
        (m, m_lo, m_hi), (p, p_lo, p_hi) = _quantile(kmf, 0.5), _quantile(kmf, 0.9)
        rows.append({**row, "median_hours": m, "median_ci_low": m_lo, "median_ci_high": m_hi,
                     "p90_hours": p, "p90_ci_low": p_lo, "p90_ci_high": p_hi, "status": "OK"})
    summary = pd.DataFrame(rows, columns=["group", "tickets", "solved", "censored", "median_hours", "median_ci_low",
                                          "median_ci_high", "p90_hours", "p90_ci_low", "p90_ci_high", "status"])
    cols = ["group", "hours", "share_unsolved", "ci_low", "ci_high", "at_risk"]
    return ResolutionCurves(curves=pd.concat(curves, ignore_index=True) if curves else pd.DataFrame(columns=cols),
                            summary=summary, clock=clock)
