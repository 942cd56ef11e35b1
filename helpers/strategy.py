"""The strategy catalogue: chapter-2 insights -> candidate strategies -> ICE priority -> experiment plan.

ICE score = mean of impact, confidence and ease, each scored 1–10 by the team (impact: the KPI move if
it works; confidence: how directly the chapter-2 evidence supports it; ease: effort and risk to run).
Each row carries the experiment plan that tests it: unit and assignment, primary metric and its kind
(what :func:`helpers.abtest.compare` needs), the direction that counts as better, guardrails, the
minimum detectable effect wanted, duration and analysis method. Strategies without an ``experiment_id``
are planned for a later cycle.
"""
from __future__ import annotations

from typing import Mapping

import pandas as pd

GUARDRAILS = ("tickets", "leaves", "negative_messages")

_ROWS = [
    dict(strategy_id="nav_fix", insight="Many itinerary-consult page views end the session",
         strategy="Itinerary-consult navigation fix: a bottom navigation button to the booking form",
         impact=7, confidence=8, ease=9, experiment_id="nav_fix", unit="member",
         assignment="member-level, 50/50, stratified by pre-period activity tercile",
         primary_metric="itinerary_bounce_rate", metric_kind="ratio", direction="down", mde=0.05,
         hypothesis="The navigation fix lowers the itinerary-consult bounce rate",
         analysis_method="bounces / views per member, delta-method z; CUPED-style pre-period check"),
    dict(strategy_id="high_rfm_care", insight="The most recent buyers repurchase far more often than they take part in the community",
         strategy="Care for high-RFM members with low participation: personalized mass messages",
         impact=6, confidence=6, ease=8, experiment_id="broadcast_personalization", unit="member",
         assignment="member-level, 50/50",
         primary_metric="message_open_rate", metric_kind="ratio", direction="up", mde=0.03,
         hypothesis="Personalized mass messages raise the open rate (link opened within 72 h)",
         analysis_method="opens / delivered sends per member, delta-method z"),
    dict(strategy_id="content_mix", insight="18-25 members interact with guides much more often than with skin updates",
         strategy="Data-driven community programme: content mix toward guides with daily staff check-ins",
         impact=9, confidence=6, ease=5, experiment_id="community_programme", unit="community",
         assignment="group-chat-level (the least active fifth of chats), stratified by size tercile",
         primary_metric="community_activity_rate", metric_kind="did", direction="up", mde=0.05,
         hypothesis="The programme raises the daily activity rate of its group chats",
         analysis_method="difference-in-differences on chat-day rates, member-weighted, cluster-robust by chat; placebo pre-trend"),
    # chapter 2: tier-3 logistics tickets are about as fast as elsewhere but most of the tier's tickets, so the
    # squad is judged on how many reach the desk, not on how fast they close
    dict(strategy_id="regional_squad", insight="Tier-3 cities: logistics is most of their tickets",
         strategy="A regional service squad for tier-3 logistics: proactive delivery notices and a courier escalation path",
         impact=8, confidence=5, ease=3, experiment_id=None, unit="region",
         assignment="stepped roll-out by region (planned)",
         primary_metric="tier3_logistics_tickets_per_member", metric_kind="mean", direction="down", mde=0.02,
         hypothesis="The squad lowers the logistics tickets per tier-3 member over 30 days (fewer problems reach the desk)",
         analysis_method="DiD across roll-out steps on region-month ticket rates, cluster-robust by region; resolution hours as a guardrail"),
    dict(strategy_id="feedback_loop", insight="Members' requests in chats and tickets repeat the same few topics",
         strategy="A feedback loop that answers members' requests publicly within a week",
         impact=6, confidence=4, ease=5, experiment_id=None, unit="community",
         assignment="group-chat-level (planned)",
         primary_metric="negative_message_share", metric_kind="ratio", direction="down", mde=0.02,
         hypothesis="Answering requests lowers the share of negative messages",
         analysis_method="DiD on chat-week shares, cluster-robust"),
]


def catalogue(insights: Mapping[str, str] | None = None, duration_days: int = 30, lang: str = "en") -> pd.DataFrame:
    """The candidate strategies, best ICE first: ``strategy_id, insight, strategy, impact, confidence,
    ease, ice, experiment_id, unit, assignment, primary_metric, metric_kind, direction, mde,
    guardrails, duration_days, hypothesis, analysis_method, status``. ``insights`` replaces the insight
    sentence of the named strategies (e.g. with chapter 2's recorded figures); the default insights are in
    ``lang`` (the plan's own texts, as registered, stay English)."""
    from helpers.glossary import label
    df = pd.DataFrame(_ROWS)
    if lang != "en":
        df["insight"] = [label(s, lang, "insight") for s in df["strategy_id"]]
    if insights:
        unknown = sorted(set(insights) - set(df["strategy_id"]))
        if unknown:
            raise KeyError(f"Unknown strategy_id(s) {unknown}. Available: {df['strategy_id'].tolist()}.")
        df["insight"] = [insights.get(s, i) for s, i in zip(df["strategy_id"], df["insight"])]
    df["ice"] = df[["impact", "confidence", "ease"]].mean(axis=1).round(2)
    df["guardrails"] = ", ".join(GUARDRAILS)
    df["duration_days"] = duration_days
    df["status"] = df["experiment_id"].map(lambda e: "tested" if e else "planned")
    cols = ["strategy_id", "insight", "strategy", "impact", "confidence", "ease", "ice", "experiment_id", "unit",
            "assignment", "primary_metric", "metric_kind", "direction", "mde", "guardrails", "duration_days",
            "hypothesis", "analysis_method", "status"]
    return df[cols].sort_values(["ice", "strategy_id"], ascending=[False, True]).reset_index(drop=True)


def insights_from(recorded: Mapping[str, dict], lang: str = "en") -> dict[str, str]:
    """Insight sentences (in ``lang``) with chapter 2's recorded figures (``metrics.json`` as read by
    :func:`helpers.metrics.read_metrics`); strategies whose figures are missing keep the default text."""
    from helpers.glossary import t
    m = {k: v.get("value") for k, v in recorded.get("02", {}).items()}
    out = {}
    if m.get("itinerary_bounce_pre") is not None:
        b = m["itinerary_bounce_pre"]
        out["nav_fix"] = t(lang, f"{b:.0%} of itinerary-consult page views end the session", f"{b:.0%} 的行程咨询页浏览以结束会话告终")
    if m.get("rfm_r5_repurchase_rate") is not None and m.get("rfm_r5_participation_rate") is not None:
        rep, part, reach = m["rfm_r5_repurchase_rate"], m["rfm_r5_participation_rate"], m.get("rfm_r5_in_community_share")
        out["high_rfm_care"] = (t(lang, f"The most recent fifth of buyers repurchase at {rep:.0%} but only {part:.0%} take part in the community",
                                  f"最近购买的五分之一买家复购率为 {rep:.0%}，但只有 {part:.0%} 参与社群")
                                + (t(lang, f" (only {reach:.0%} of them have a linked WeCom identity)",
                                     f"（其中仅 {reach:.0%} 关联了企业微信身份）") if reach is not None else ""))
    if m.get("interaction_rate_18_25_guide") is not None and m.get("interaction_rate_18_25_skin_update") is not None:
        guide, skin = m["interaction_rate_18_25_guide"], m["interaction_rate_18_25_skin_update"]
        out["content_mix"] = t(lang, f"18-25 members' likes, comments and shares come to {guide:.0%} of their guide views "
                                     f"but {skin:.0%} of their skin-update views",
                               f"18–25 岁成员的点赞、评论和分享相当于其攻略浏览的 {guide:.0%}，而皮肤更新浏览仅 {skin:.0%}")
    if m.get("tier3_logistics_share") is not None and m.get("tier3_logistics_mean_resolution_hours") is not None:
        share, hours, other = m["tier3_logistics_share"], m["tier3_logistics_mean_resolution_hours"], \
            m.get("other_tiers_logistics_mean_resolution_hours")
        out["regional_squad"] = (t(lang, f"Tier-3 cities: {share:.0%} of their tickets are logistics, resolved in {hours:.0f} h on average",
                                   f"三线城市：{share:.0%} 的工单是物流问题，平均 {hours:.0f} 小时解决")
                                 + (t(lang, f" ({other:.0f} h in other tiers)", f"（其他线级 {other:.0f} 小时）") if other is not None else ""))
    return out


def plot_ice(table: pd.DataFrame, ax=None, lang: str = "en", title: str | None = None):
    """Horizontal bars of the ICE score per strategy (from :func:`catalogue`), tested ones coloured;
    strategy names, axis and the default title in ``lang``."""
    import matplotlib.pyplot as plt

    from helpers.glossary import label, t
    from helpers.plots import PALETTE

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 3.5), layout="constrained")
    df = table.sort_values("ice")
    colors = [PALETTE[0] if s == "tested" else PALETTE[5] for s in df["status"]]
    ax.barh([label(s, lang) for s in df["strategy_id"]], df["ice"], color=colors)
    for y, v in enumerate(df["ice"]):
        ax.text(v + 0.1, y, f"{v:.1f}", va="center", fontsize=9)
    ax.set_xlim(0, 10)
    ax.set_xlabel(t(lang, "ICE score (mean of impact, confidence, ease; 1-10)", "ICE 得分（影响力、信心、易行度的均值；1-10）"))
    ax.set_ylabel("")
    first = label(df.iloc[-1]["strategy_id"], lang)
    ax.set_title(title or t(lang, f"{first} ranks first; tested strategies in blue", f"{first}优先级最高；蓝色为已测试的策略"))
    return ax
