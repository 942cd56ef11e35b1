"""Experiment pitfalls, measured: many metrics tested at once, where "wins" appear by chance.

:func:`metric_family` tests a member-level experiment's arms on a family of test-period metrics
(Welch on per-member values) and adjusts the p-values with Holm (family-wise error) and
Benjamini–Hochberg (false discovery rate), named explicitly. :func:`weekly_effects` takes a chapter's
recorded effects by test week back from its metrics (the novelty test itself is
:func:`helpers.did.period_contrast`: the change of the effect from the first week to the last).
"""
from __future__ import annotations

import pandas as pd
from ibis import _

from helpers import _engine, abtest, kpi, outcomes
from helpers.timeline import Timeline

FAMILY = ("active_days", "tickets", "leaves", "messages", "negative_messages", "opens", "bounces")


def member_outcomes(con, timeline: Timeline, experiment_id: str) -> pd.DataFrame:
    """One row per assigned member: ``member_id, variant`` and the test-period family of metrics."""
    t = {n: con.table(n) for n in ("events", "messages", "memberships", "tickets", "assignments", "broadcasts")}
    g = outcomes.guardrails(t["tickets"], t["memberships"], t["messages"], t["assignments"], timeline, experiment_id)
    g = g.rename(columns={f"test_{k}": k for k in ("tickets", "leaves", "messages", "negative_messages")})
    lo, hi = timeline.test
    days = kpi.active_member_days(t["events"], t["messages"], lo, hi, timeline.tz)
    act = _engine.to_pandas(days.group_by("member_id").agg(active_days=_.count()), timeline.tz)
    opens = outcomes.message_opens(t["broadcasts"], t["events"], t["assignments"], timeline, experiment_id)
    bounces = outcomes.itinerary_bounces(t["events"], t["assignments"], timeline, experiment_id)
    out = (g[["member_id", "variant", "tickets", "leaves", "messages", "negative_messages"]]
           .merge(act, on="member_id", how="left")
           .merge(opens[["member_id", "test_opens"]].rename(columns={"test_opens": "opens"}), on="member_id", how="left")
           .merge(bounces[["member_id", "test_bounces"]].rename(columns={"test_bounces": "bounces"}), on="member_id", how="left"))
    return out.fillna({c: 0 for c in FAMILY})


def metric_family(table: pd.DataFrame, metrics=FAMILY, alpha: float = 0.05) -> pd.DataFrame:
    """Welch test per metric, then Holm and BH adjustments: ``metric, control_mean, treatment_mean,
    abs_diff, p_value, win_raw, p_holm, win_holm, p_bh, win_bh`` (a win = p below ``alpha``)."""
    rows = [abtest.compare(table, m, kind="mean", alpha=alpha) for m in metrics]
    est = pd.DataFrame([dict(metric=e.metric, control_mean=e.control_mean, treatment_mean=e.treatment_mean,
                             abs_diff=e.abs_diff, p_value=e.p_value) for e in rows if e.status == "OK"])
    holm = abtest.adjust_pvalues(est.set_index("metric")["p_value"], method="holm", alpha=alpha)
    bh = abtest.adjust_pvalues(est.set_index("metric")["p_value"], method="bh", alpha=alpha)
    est["win_raw"] = est["p_value"] < alpha
    est["p_holm"], est["win_holm"] = holm["p_adjusted"].to_numpy(), holm["reject"].to_numpy()
    est["p_bh"], est["win_bh"] = bh["p_adjusted"].to_numpy(), bh["reject"].to_numpy()
    return est


def wins(family: pd.DataFrame) -> dict:
    """How many metrics 'win' before and after adjustment: ``{'raw', 'holm', 'bh', 'tested'}``."""
    return {"tested": len(family), "raw": int(family["win_raw"].sum()), "holm": int(family["win_holm"].sum()),
            "bh": int(family["win_bh"].sum())}


# chapter 3's registered guardrails and the metric of this family that counts the same thing per member
REGISTERED = {"tickets_per_member": "tickets", "leaves_per_member": "leaves", "negative_share": "negative_messages"}


def registered_guardrails(family: pd.DataFrame, recorded: dict, experiment_id: str) -> dict:
    """Set this family beside the experiment's registered guardrails as chapter 3 recorded them
    (``recorded``: that chapter's metrics, entries ``guardrail_<experiment>_<metric>`` with a ``worse`` flag):
    ``{"registered": [guardrails recorded], "worse_registered": [...], "worse_here": [...]}``, each sorted; a
    guardrail is worse here when its per-member counterpart (:data:`REGISTERED`) wins after Holm with a
    positive difference (more tickets, leaves or negative messages)."""
    pre = f"guardrail_{experiment_id}_"
    mine = {k[len(pre):]: v for k, v in recorded.items() if k.startswith(pre)}
    here = family.set_index("metric")
    return {"registered": sorted(mine),
            "worse_registered": sorted(m for m, v in mine.items() if v.get("worse")),
            "worse_here": sorted(m for m, c in REGISTERED.items()
                                 if c in here.index and bool(here.loc[c, "win_holm"]) and here.loc[c, "abs_diff"] > 0)}


def weekly_effects(metrics: dict, prefix: str = "did_activity_week") -> pd.DataFrame:
    """``period, estimate, ci_low, ci_high`` from a chapter's recorded metrics named ``<prefix><week>``
    (as chapter 4 records them), ordered by week number (so week 10 follows week 9)."""
    rows = [{"period": int(k[len(prefix):]), "estimate": v["value"],
             "ci_low": (v.get("ci") or [None, None])[0], "ci_high": (v.get("ci") or [None, None])[1]}
            for k, v in metrics.items() if k.startswith(prefix) and k[len(prefix):].isdigit()]
    out = pd.DataFrame(rows, columns=["period", "estimate", "ci_low", "ci_high"])
    return out.astype({"ci_low": "float64", "ci_high": "float64"}).sort_values("period", ignore_index=True)
