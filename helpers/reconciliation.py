"""Reconciliation of the kit's ticket durations with the vendor's own ``ticket_metrics``.

Zendesk reports, per ticket, ``reply_time_in_minutes`` and ``full_resolution_time_in_minutes``
(calendar and business) in whole minutes. The kit recomputes them from the audit time stamps
(``created_ts``, ``first_reply_ts``, ``solved_ts``) on its schedule. A ticket **agrees** when every
compared metric is within ``tolerance_minutes`` on both sides or missing on both sides.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.timeline import DEFAULT_TZ

PAIRS = (  # (metric, clock, kit hours column, vendor minutes column)
    ("reply", "calendar", "first_reply_hours_calendar", "vendor_reply_minutes_calendar"),
    ("reply", "business", "first_reply_hours_business", "vendor_reply_minutes_business"),
    ("full_resolution", "calendar", "resolution_hours_calendar", "vendor_full_resolution_minutes_calendar"),
    ("full_resolution", "business", "resolution_hours_business", "vendor_full_resolution_minutes_business"),
)
CAUSES = {
    "stale_after_reopen": "vendor full resolution shorter than the last solve, ticket reopened: metric not updated after the reopen",
    "missing_kit": "the vendor has a value, the audits give no event (event missing from the export?)",
    "missing_vendor": "the audits give an event, the vendor has no value (metric not computed yet?)",
    "schedule": "calendar agrees, business differs: a different schedule or holiday list",
    "reply_definition": "first reply differs: a private note, a requester comment or an agent-role change",
    "unexplained": "no rule matched; inspect the ticket's audits",
}


@dataclass(frozen=True)
class Reconciliation:
    """``agreement_share`` of ``tickets`` (``agreeing`` of them) within ``tolerance_minutes``;
    ``by_metric`` (one row per metric and clock: ``compared, agreeing, agreement_share``) and
    ``disagreements`` (one row per ticket and disagreeing metric: ``ticket_id, metric, clock,
    kit_minutes, vendor_minutes, difference_minutes, reopens, cause, explanation``)."""

    agreement_share: float
    tickets: int
    agreeing: int
    tolerance_minutes: float
    by_metric: pd.DataFrame
    disagreements: pd.DataFrame

    @property
    def summary(self) -> pd.DataFrame:
        causes = self.disagreements.drop_duplicates("ticket_id")["cause"].value_counts()
        return pd.DataFrame([{"tickets": self.tickets, "agreeing": self.agreeing,
                              "agreement_share": self.agreement_share, "tolerance_minutes": self.tolerance_minutes,
                              **{f"cause_{k}": int(v) for k, v in causes.items()}}])

    def _repr_html_(self):
        return self.summary._repr_html_()


def reconcile_with_vendor(durations, tolerance_minutes: float = 1.0, tz: str = DEFAULT_TZ) -> Reconciliation:
    """Compare the kit's first-reply and full-resolution minutes (calendar and business) with the
    vendor's ``vendor_*_minutes_*`` columns of a :func:`helpers.tickets.ticket_durations` frame (or
    a tickets table, whose durations are computed on the default schedule)."""
    from helpers.tickets import _durations
    if tolerance_minutes < 0:
        raise ValueError(f"`tolerance_minutes` must be >= 0; got {tolerance_minutes}.")
    d = _durations(durations, tz)
    missing = [v for *_, v in PAIRS if v not in d.columns]
    if missing:
        raise KeyError(f"The durations lack vendor column(s) {missing}; reconciliation needs the ticket_metrics minutes.")
    reopens = d["reopens"] if "reopens" in d else pd.Series(0, index=d.index)
    ok_all = np.ones(len(d), bool)
    rows, parts = [], []
    calendar_ok = {}
    for metric, clock, kit_col, v_col in PAIRS:  # four metric columns, vectorized over tickets
        kit = d[kit_col].to_numpy(float) * 60.0
        ven = d[v_col].to_numpy(float)
        both_nan = np.isnan(kit) & np.isnan(ven)
        diff = kit - ven
        ok = both_nan | (np.abs(diff) <= tolerance_minutes)
        if clock == "calendar":
            calendar_ok[metric] = ok
        ok_all &= ok
        compared = int((~both_nan).sum())
        rows.append({"metric": metric, "clock": clock, "compared": compared,
                     "agreeing": int((ok & ~both_nan).sum()),
                     "agreement_share": float((ok & ~both_nan).sum() / compared) if compared else np.nan})
        bad = ~ok
        cause = np.select(
            [(metric == "full_resolution") & (reopens.to_numpy() > 0) & (np.isnan(kit) | (diff > 0)),
             np.isnan(kit), np.isnan(ven),
             (clock == "business") & calendar_ok.get(metric, np.zeros(len(d), bool)),
             np.full(len(d), metric == "reply")],
            ["stale_after_reopen", "missing_kit", "missing_vendor", "schedule", "reply_definition"], "unexplained")
        parts.append(pd.DataFrame({"ticket_id": d["ticket_id"].to_numpy()[bad], "metric": metric, "clock": clock,
                                   "kit_minutes": kit[bad], "vendor_minutes": ven[bad], "difference_minutes": diff[bad],
                                   "reopens": reopens.to_numpy()[bad], "cause": cause[bad]}))
    dis = pd.concat(parts, ignore_index=True)
    dis["explanation"] = dis["cause"].map(CAUSES)
    n, k = len(d), int(ok_all.sum())
    return Reconciliation(agreement_share=k / n if n else float("nan"), tickets=n, agreeing=k,
                          tolerance_minutes=float(tolerance_minutes), by_metric=pd.DataFrame(rows),
                          disagreements=dis.sort_values(["ticket_id", "metric", "clock"], ignore_index=True))


def parse_ticket_metrics(payload) -> pd.DataFrame:
    """Vendor minutes from Zendesk ``ticket_metrics`` API JSON: a ``{"ticket_metrics": [...]}`` page,
    a ``{"ticket_metric": {...}}`` show response, one metric object or a list of them. Returns one row
    per ticket: ``ticket_id, reopens, replies, solved_at`` and the ``vendor_*_minutes_*`` columns of
    the canonical tickets table (float; NaN where Zendesk gives null)."""
    if isinstance(payload, dict):
        items = payload.get("ticket_metrics") or ([payload["ticket_metric"]] if "ticket_metric" in payload else [payload])
    else:
        items = list(payload)
    rows = []
    for m in items:  # API pages of at most 100 objects
        if "ticket_id" not in m:
            raise KeyError(f"A ticket metric object lacks 'ticket_id'. Keys: {sorted(m)}.")
        row = {"ticket_id": str(m["ticket_id"]), "reopens": m.get("reopens"), "replies": m.get("replies"),
               "solved_at": pd.to_datetime(m.get("solved_at"), utc=True)}
        for name in ("reply", "first_resolution", "full_resolution"):
            obj = m.get(f"{name}_time_in_minutes") or {}
            for clock in ("calendar", "business"):
                v = obj.get(clock)
                row[f"vendor_{name}_minutes_{clock}"] = float(v) if v is not None else np.nan
        rows.append(row)
    return pd.DataFrame(rows)
