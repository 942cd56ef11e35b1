"""Chapter 6 reads what chapters 1-4 recorded (``metrics.json``) and recomputes nothing.

- :func:`scoreboard`: each KPI of the tree at baseline (pre-period, chapter 1) and in the test period
  (chapter 3), with intervals and the change in percentage points.
- :func:`experiment_results`: each experiment's effect, interval and memo decision (chapter 3).
- :func:`recommendations`: shipped strategies ranked by estimated impact = |effect| / baseline of the
  primary metric (relative change), then planned strategies by ICE score.
"""
from __future__ import annotations

import math

from typing import Mapping

import pandas as pd

from helpers.glossary import in_sentence, label, t, zh_effect
from helpers.prose import interval, pct, pp, pp_interval

KPIS = ("active_rate", "core_share", "message_open_rate", "content_interaction_rate", "service_response",
        "prospect_conversion")
# experiment -> (chapter, figure) holding the primary metric's baseline
BASELINES = {
    "nav_fix": ("02", "itinerary_bounce_pre"),
    "broadcast_personalization": ("01", "message_open_rate"),
    "community_programme": ("04", "case_activity_pre"),
}


def _get(recorded, chapter, name, field="value"):
    entry = recorded.get(chapter, {}).get(name)
    if entry is None:
        return None
    return entry.get(field)


def scoreboard(recorded: Mapping[str, dict]) -> pd.DataFrame:
    """One row per KPI recorded at baseline: ``kpi, unit, baseline, baseline_low, baseline_high, test,
    test_low, test_high, change`` (test − baseline; NaN where the test period was not recorded) and
    ``change_low, change_high``: a 95% interval of the change from the two periods' intervals, their
    half-widths combined as independent normal errors. The same members appear in both periods, whose
    rates are then positively correlated, so the interval errs on the wide side."""
    rows = []
    for k in KPIS:
        base = recorded.get("01", {}).get(k)
        if base is None:
            continue
        test = recorded.get("03", {}).get(f"test_{k}", {})
        b_ci, t_ci = base.get("ci") or [None, None], test.get("ci") or [None, None]
        rows.append(dict(kpi=k, unit=base.get("unit"), baseline=base["value"], baseline_low=b_ci[0], baseline_high=b_ci[1],
                         test=test.get("value"), test_low=t_ci[0], test_high=t_ci[1]))
    out = pd.DataFrame(rows, columns=["kpi", "unit", "baseline", "baseline_low", "baseline_high", "test", "test_low", "test_high"])
    out = out.astype({c: "float64" for c in out.columns if c not in ("kpi", "unit")})
    out["change"] = out["test"] - out["baseline"]
    half = ((out["baseline_high"] - out["baseline_low"]) ** 2 + (out["test_high"] - out["test_low"]) ** 2) ** 0.5 / 2
    out["change_low"], out["change_high"] = out["change"] - half, out["change"] + half
    return out


def experiment_results(recorded: Mapping[str, dict]) -> pd.DataFrame:
    """One row per experiment with a recorded effect: ``experiment_id, metric`` (its primary metric, as
    chapter 3 records it with the effect; None if not recorded), ``effect, ci_low, ci_high,
    decision, baseline, relative_effect`` (effect / baseline of its primary metric)."""
    rows = []
    for name, entry in sorted(recorded.get("03", {}).items()):
        if not name.startswith("effect_"):
            continue
        exp = name[len("effect_"):]
        ci = entry.get("ci") or [None, None]
        base = _get(recorded, *BASELINES[exp]) if exp in BASELINES else None
        rows.append(dict(experiment_id=exp, metric=entry.get("metric"),
                         effect=entry["value"], ci_low=ci[0], ci_high=ci[1],
                         decision=_get(recorded, "03", f"decision_{exp}"), baseline=base,
                         relative_effect=entry["value"] / base if base else None))
    cols = ["experiment_id", "metric", "effect", "ci_low", "ci_high", "decision", "baseline", "relative_effect"]
    return pd.DataFrame(rows, columns=cols)


def aa_caveat(recorded: Mapping[str, dict], experiment_id: str, lang: str = "en") -> str:
    """A sentence (in ``lang``) when chapter 3's A/A check of the experiment (``aa_false_positive_rate_<id>``,
    with its 95% interval) rejects more often than 5%: its test's intervals are then too narrow on this data
    and a decision resting on them is provisional. Empty when the interval holds 5% or lies below it, or
    when the check was not recorded."""
    entry = recorded.get("03", {}).get(f"aa_false_positive_rate_{experiment_id}")
    ci = (entry or {}).get("ci") or [None, None]
    if entry is None or ci[0] is None or ci[0] <= 0.05:
        return ""
    rate, ci_text = pct(entry["value"]), interval(*ci)
    return t(lang, f" Its A/A check rejects {rate} of chance splits {ci_text}, above the 5% it should, so "
                   "its interval is too narrow: treat this decision as provisional.",
             f"其 A/A 检验在 {rate} 的随机拆分中判定有差异（{ci_text[1:-1]}），高于应有的 5%，说明其区间偏窄："
             "此决策应视为暂定。")


def _sure_relative(effect, low, high, baseline) -> float:
    """|end of the interval nearest 0| / |baseline| (0 if the interval crosses 0; |effect / baseline|
    without an interval; 0 without a baseline)."""
    if not baseline:
        return 0.0
    if low is None or high is None:
        return abs(effect / baseline)
    return min(abs(low), abs(high)) / abs(baseline) if low * high > 0 else 0.0


def _recommendation(r, lang: str) -> str:
    """The sentence of one experiment of :func:`experiment_results` (decision, metric, effect with its
    interval, relative effect) in ``lang``."""
    ci = pp_interval(r.ci_low, r.ci_high) if r.ci_low is not None else t(lang, "(no interval)", "（无区间）")
    sure = r.ci_low is not None and r.impact > 0
    decision = label(r.decision or "review", lang)
    if lang == "en":
        rel = (f", {r.relative_effect:+.0%} relative to its baseline"
               + (f" ({math.copysign(r.impact, r.effect):+.0%} at the interval's end nearest 0)" if sure else "")
               if r.relative_effect is not None else "")
        what = f"{in_sentence(label(r.metric))} " if r.metric else ""
        return f"{decision} {in_sentence(label(r.experiment_id))}: {what}{pp(r.effect)} {ci}{rel}."
    rel = (f"，相对基线 {r.relative_effect:+.0%}"
           + (f"（区间靠近 0 的一端为 {math.copysign(r.impact, r.effect):+.0%}）" if sure else "")
           if r.relative_effect is not None else "")
    what = f"{label(r.metric, lang)} " if r.metric else ""
    return f"{decision}{label(r.experiment_id, lang)}：{what}{zh_effect(f'{pp(r.effect)} {ci}')}{rel}。"


def recommendations(recorded: Mapping[str, dict], catalogue: pd.DataFrame | None = None,
                    lang: str = "en") -> pd.DataFrame:
    """Ranked recommendations: ``rank, experiment_id, action, impact, text`` (the text, in ``lang``, names the
    experiment and its primary metric by their glossary labels). Shipped experiments come
    first, then 'iterate' ones, then strategies still to test (by ICE, from ``catalogue`` if given).
    Within a decision the **impact** is the relative effect the interval guarantees: the end of the 95%
    interval nearest 0 over the baseline, as a magnitude (0 when the interval crosses 0, the point
    estimate's magnitude when there is no interval), so a wide interval does not outrank a sure one."""
    res = experiment_results(recorded)
    order = {"ship": 0, "iterate": 1, "stop": 2}
    sure = [_sure_relative(*row) for row in zip(res["effect"], res["ci_low"], res["ci_high"], res["baseline"])]
    res = res.assign(order=res["decision"].map(order).fillna(3), impact=sure)
    res = res.sort_values(["order", "impact"], ascending=[True, False])
    rows = []
    for r in res.itertuples():
        rows.append(dict(experiment_id=r.experiment_id, action=r.decision or "review", impact=r.impact,
                         text=_recommendation(r, lang) + aa_caveat(recorded, r.experiment_id, lang)))
    if catalogue is not None:
        for r in catalogue[catalogue["status"] == "planned"].itertuples():
            rows.append(dict(experiment_id=r.strategy_id, action="test next", impact=None,
                             text=t(lang, f"Test next: {r.strategy} (ICE {r.ice:.1f}); {r.insight}.",
                                    f"下一步测试：{label(r.strategy_id, lang)}（ICE {r.ice:.1f}）；{r.insight}。")))
    out = pd.DataFrame(rows, columns=["experiment_id", "action", "impact", "text"])
    out.insert(0, "rank", range(1, len(out) + 1))
    return out
