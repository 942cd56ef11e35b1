"""The decision memo of an experiment: ship, iterate or stop, from the primary metric's interval and
the guardrails.

Rules (``direction`` says which way is good for the primary metric; guardrails are "lower is better"
counts such as complaint tickets, negative messages and members leaving groups):

1. **stop** when the primary metric's interval lies wholly on the harmful side of 0, or when the
   interval excludes the minimum effect worth having (the whole interval is nearer to 0 than ``mde``:
   a precise null), or when a guardrail is significantly harmed and the primary effect is not positive.
2. **ship** when the interval lies wholly on the good side of 0 and no guardrail is significantly
   harmed (``p < alpha`` after the multiple-testing adjustment the caller applied).
3. **iterate** otherwise: inconclusive (the interval spans 0 and ``mde``), or a positive effect with a
   harmed guardrail.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal, Sequence

import pandas as pd

from helpers._results import html_table
from helpers.glossary import in_sentence, label

Decision = Literal["ship", "iterate", "stop"]


@dataclass(frozen=True)
class Memo:
    """``decision`` with the ``reasons`` behind it; ``.summary`` one row, ``.text`` a Markdown paragraph."""

    experiment_id: str
    decision: str
    primary_metric: str
    effect: float
    ci_low: float
    ci_high: float
    reasons: tuple = field(default_factory=tuple)
    guardrails_harmed: tuple = field(default_factory=tuple)

    @property
    def summary(self) -> pd.DataFrame:
        return pd.DataFrame([dict(experiment_id=self.experiment_id, decision=self.decision,
                                  primary_metric=self.primary_metric, effect=self.effect, ci_low=self.ci_low,
                                  ci_high=self.ci_high, guardrails_harmed=", ".join(self.guardrails_harmed),
                                  reasons="; ".join(self.reasons))])

    @property
    def text(self) -> str:
        name = label(self.experiment_id)
        return f"**{name[:1].upper() + name[1:]}: {self.decision.upper()}.** " + " ".join(
            r[0].upper() + r[1:] + "." for r in self.reasons)

    def _repr_html_(self) -> str:
        return html_table(self)


def _fields(est):
    """(estimate, low, high, p, status) from an EffectEstimate, DidResult or a mapping/row."""
    if hasattr(est, "abs_diff"):
        return est.abs_diff, est.abs_ci_low, est.abs_ci_high, est.p_value, est.status
    if hasattr(est, "estimate"):
        return est.estimate, est.ci_low, est.ci_high, est.p_value, est.status
    return est["estimate"], est["ci_low"], est["ci_high"], est.get("p_value", math.nan), est.get("status", "OK")


def decide(experiment_id: str, primary, primary_metric: str, mde: float,
           guardrails: pd.DataFrame | None = None, direction: Literal["up", "down"] = "up",
           alpha: float = 0.05, unit: Literal["share", "value"] = "value") -> Memo:
    """Decide from ``primary`` (an :class:`~helpers.abtest.EffectEstimate`, a
    :class:`~helpers.did.DidResult` or a mapping with ``estimate, ci_low, ci_high``) and
    ``guardrails`` (a frame with ``metric, estimate, p_value``; a positive estimate means more of the
    bad thing; pass adjusted p-values). ``mde`` is the smallest effect worth shipping, as a positive
    magnitude in the metric's unit. ``unit="share"``: the metric is a rate, so the effect, its interval
    and ``mde`` are written in percentage points (``+6.0 pp``); otherwise to 3 significant digits."""
    if direction not in ("up", "down"):
        raise ValueError(f"`direction` must be one of ('up', 'down'); not {direction!r}.")
    if not mde > 0:
        raise ValueError(f"`mde` must be a positive magnitude; got {mde!r}.")
    if unit not in ("share", "value"):
        raise ValueError(f"`unit` must be one of ('share', 'value'); not {unit!r}.")
    fmt = (lambda v, sign="+": f"{v * 100:{sign}.1f} pp") if unit == "share" else (lambda v, sign="+": f"{v:{sign}.3g}")
    est, lo, hi, _, status = _fields(primary)
    sign = 1 if direction == "up" else -1
    g_lo, g_hi = sorted((sign * lo, sign * hi))  # the interval in "good is positive" terms
    harmed: tuple = ()
    if guardrails is not None and len(guardrails):
        missing = [c for c in ("metric", "estimate", "p_value") if c not in guardrails.columns]
        if missing:
            raise KeyError(f"`guardrails` lacks column(s) {missing}. Available: {list(guardrails.columns)}.")
        bad = guardrails[(guardrails["estimate"] > 0) & (guardrails["p_value"] < alpha)]
        harmed = tuple(bad["metric"].astype(str))
    if status != "OK" or not (math.isfinite(lo) and math.isfinite(hi)):
        return Memo(experiment_id, "iterate", primary_metric, est, lo, hi,
                    (f"the primary estimate is unavailable ({status}); fix the data and rerun",), harmed)
    span = f"the {in_sentence(label(primary_metric))} effect is {fmt(est)} (95% CI {fmt(lo)} to {fmt(hi)})"
    named = ", ".join(in_sentence(label(h)) for h in harmed)
    guards = "guardrails are" if len(harmed) > 1 else "a guardrail is"
    if g_hi < 0:
        return Memo(experiment_id, "stop", primary_metric, est, lo, hi, (span, "the change makes the metric worse"), harmed)
    if g_hi < mde and g_lo > -mde:
        return Memo(experiment_id, "stop", primary_metric, est, lo, hi,
                    (span, f"the interval excludes the minimum worthwhile effect {fmt(mde, '')}"), harmed)
    if harmed and g_lo <= 0:
        return Memo(experiment_id, "stop", primary_metric, est, lo, hi,
                    (span, f"{guards} harmed: {named}"), harmed)
    if g_lo > 0 and not harmed:
        return Memo(experiment_id, "ship", primary_metric, est, lo, hi,
                    (span, "the interval excludes 0 and no guardrail shows a significant harm"), harmed)
    if g_lo > 0:
        return Memo(experiment_id, "iterate", primary_metric, est, lo, hi,
                    (span, f"but {guards} harmed: {named}"), harmed)
    return Memo(experiment_id, "iterate", primary_metric, est, lo, hi,
                (span, "the interval includes both 0 and the minimum worthwhile effect: run longer or larger"), harmed)


def memo_table(memos: Sequence[Memo]) -> pd.DataFrame:
    """One row per memo (the ``.summary`` rows stacked)."""
    return pd.concat([m.summary for m in memos], ignore_index=True)
