"""Charts of chapter 2's member analyses and the KPI section of chapter 1. Each ``plot_*`` draws what a
data function returned (named in its docstring) and returns the Axes; none computes, shows or saves.
Titles are the caller's (a title states the finding); call inside ``helpers.plots.theme(lang)``.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.lines import Line2D
import numpy as np
import pandas as pd
import seaborn as sns

from helpers.glossary import label, t, tier_name
from helpers.plots import PALETTE, percent_axis, shade_periods
from helpers.prose import pct


def _ax(ax, figsize=(8, 4), polar=False):
    if ax is None:
        fig = plt.figure(figsize=figsize, layout="constrained")
        ax = fig.add_subplot(projection="polar" if polar else None)
    return ax


def plot_dau_wau_mau(table: pd.DataFrame, ax=None, lang: str = "en", periods=None):
    """Lines of ``dau``, ``wau``, ``mau`` per day (``helpers.kpi.dau_wau_mau``), stickiness (DAU/MAU) on a
    twin axis, the study ``periods`` shaded when given. Where a trailing window reaches back before the
    data (``wau_complete`` / ``mau_complete`` False) WAU and MAU are undercounted: drawn faint and dotted,
    and stickiness is not drawn there."""
    ax = _ax(ax)
    day = table["day"]
    filling = False
    for i, col in enumerate(("dau", "wau", "mau")):
        ok = table[f"{col}_complete"] if f"{col}_complete" in table else pd.Series(True, index=table.index)
        ax.plot(day, table[col].where(ok), color=PALETTE[i], label=col.upper())
        if not ok.all():  # the warm-up, joined to the first whole window
            ax.plot(day, table[col].where(~ok | (ok & ~ok.shift(1, fill_value=False))), color=PALETTE[i], alpha=0.4, ls=":")
            filling = True
    ax.set_xlabel(label("date", lang))
    ax.set_ylabel(label("members", lang))
    twin = ax.twinx()
    whole = table["mau_complete"] if "mau_complete" in table else pd.Series(True, index=table.index)
    twin.plot(day, table["stickiness"].where(whole), color=PALETTE[3], ls="--", label="DAU/MAU")
    twin.set_ylabel("DAU/MAU")
    percent_axis(twin)
    twin.grid(False)
    shade_periods(ax, periods, lang)
    lines = ax.get_legend_handles_labels()
    more = twin.get_legend_handles_labels()
    handles, names = lines[0] + more[0], lines[1] + more[1]
    if filling:
        handles.append(Line2D([], [], color="#888888", alpha=0.6, ls=":"))
        names.append(t(lang, "window not yet full", "窗口未满"))
    ax.legend(handles, names, loc="upper center", bbox_to_anchor=(0.5, -0.3), fontsize=8, ncol=5, frameon=False)
    ax.tick_params(axis="x", rotation=30)
    return ax


def plot_health_trend(trend: pd.DataFrame, entity: str = "community_id", period: str = "period",
                      best: int = 2, worst: int = 2, names=None, ax=None, lang: str = "en"):
    """Weekly score of the ``best`` and the ``worst`` communities by mean weekly score (solid and dotted
    lines) and the weekly median of all (dashed) (``HealthIndex.trend``); ``names``: a mapping of
    ``entity`` to the name shown (e.g. :func:`helpers.catalog.chat_names`), else the key."""
    ax = _ax(ax)
    means = trend.groupby(entity)["score"].mean().sort_values(ascending=False)
    ends = list(dict.fromkeys(list(means.index[:best]) + list(means.index[::-1][:worst][::-1])))
    for i, key in enumerate(ends):
        d = trend[trend[entity] == key]
        name = names.get(key, key) if names is not None else key
        ax.plot(d[period], d["score"], marker="o", ms=3, color=PALETTE[i % len(PALETTE)],
                ls="-" if i < best else ":", label=str(name))
    med = trend.groupby(period)["score"].median()
    ax.plot(med.index, med.to_numpy(), color="#333333", lw=2, ls="--", label=label("median", lang))
    ax.set_xlabel(label("date", lang))
    ax.set_ylabel(label("health_index", lang))
    ax.legend(fontsize=7, ncol=3)
    ax.tick_params(axis="x", rotation=30)
    return ax


def plot_weights(weights: pd.DataFrame, ax=None, lang: str = "en"):
    """Horizontal bars of the weights used (``HealthIndex.weights``)."""
    ax = _ax(ax, (6, 3))
    w = weights.sort_values("weight")
    ax.barh([label(m, lang) for m in w["metric"]], w["weight"], color=PALETTE[0])
    for y, v in enumerate(w["weight"]):
        ax.text(v, y, f" {v:.0%}", va="center", fontsize=8)
    ax.set_xlabel(label("share", lang))
    percent_axis(ax, "x")
    return ax


def plot_lifecycle(table: pd.DataFrame, ax=None, lang: str = "en"):
    """PostHog-style stacked bars per week (``helpers.lifecycle.weekly_lifecycle``), dormant below zero."""
    ax = _ax(ax)
    wide = table.pivot(index="week", columns="status", values="members").fillna(0)
    x = np.arange(len(wide))
    bottom = np.zeros(len(wide))
    for i, s in enumerate(("returning", "resurrecting", "new")):
        ax.bar(x, wide.get(s, 0), bottom=bottom, color=PALETTE[i], label=label(s, lang, ns="segment"))
        bottom += wide.get(s, pd.Series(0, index=wide.index)).to_numpy()
    ax.bar(x, -wide.get("dormant", 0), color=PALETTE[3], label=label("dormant", lang, ns="segment"))
    ax.axhline(0, color="#333333", lw=0.8)
    ax.set_xticks(x, [pd.Timestamp(w).strftime("%m-%d") for w in wide.index])
    ax.set_xlabel(label("week_of", lang))
    ax.set_ylabel(label("members", lang))
    ax.legend(fontsize=8, ncol=4)
    return ax


def plot_transition_matrix(matrix: pd.DataFrame, ax=None, lang: str = "en", fmt: str = ".0%"):
    """Heatmap of a transition matrix (``rfm.rfm_migration`` or ``lifecycle.level_transitions``); segment
    and level names from the glossary's segment vocabulary."""
    ax = _ax(ax, (7, 5))
    sns.heatmap(matrix, annot=True, fmt=fmt, cmap="Blues", cbar=False, ax=ax, annot_kws={"fontsize": 7})
    ax.set_xlabel(label("test", lang))
    ax.set_ylabel(label("pre", lang))
    ax.set_xticklabels([label(x.get_text(), lang, ns="segment") for x in ax.get_xticklabels()], rotation=40, ha="right")
    ax.set_yticklabels([label(y.get_text(), lang, ns="segment") for y in ax.get_yticklabels()], rotation=0)
    return ax


def plot_silhouette(silhouette: pd.DataFrame, best_k: int, ax=None, lang: str = "en"):
    """Silhouette by k (``Personas.silhouette``) with the chosen k marked."""
    ax = _ax(ax, (5, 3))
    ax.plot(silhouette["k"], silhouette["silhouette"], marker="o", color=PALETTE[0])
    ax.axvline(best_k, color=PALETTE[1], ls="--")
    ax.set_xlabel(label("k_clusters", lang))
    ax.set_ylabel(label("silhouette", lang))
    return ax


def plot_radar(centroids: pd.DataFrame, names: dict | None = None, ax=None, lang: str = "en"):
    """Radar chart: one polygon per persona over the features (``Personas.centroids``, standard units);
    feature names from the glossary's persona vocabulary."""
    ax = _ax(ax, (6, 6), polar=True)
    cols = list(centroids.columns)
    angles = np.linspace(0, 2 * np.pi, len(cols), endpoint=False).tolist()
    for i, (p, row) in enumerate(centroids.iterrows()):
        vals = row.tolist()
        ax.plot(angles + angles[:1], vals + vals[:1], color=PALETTE[i % len(PALETTE)],
                label=(names or {}).get(p, str(p)))
        ax.fill(angles + angles[:1], vals + vals[:1], color=PALETTE[i % len(PALETTE)], alpha=0.12)
    ax.set_xticks(angles, [label(c, lang, ns="persona") for c in cols], fontsize=7)
    # the radial scale between the first two spokes (on a spoke its numbers sat on an axis name and the
    # polygons), and what it measures: each axis name carries its feature's unit, the radius does not
    ax.set_rlabel_position(float(np.degrees(angles[1] / 2)) if len(angles) > 1 else 22.5)
    ax.tick_params(axis="y", labelsize=6, labelcolor="#555555")
    ax.text(0.5, -0.1, t(lang, "Radius: standard deviations from the average member (0 = average)",
                         "半径：与平均成员相差的标准差（0 = 平均水平）"),
            transform=ax.transAxes, ha="center", va="top", fontsize=7, color="#555555")
    ax.legend(loc="upper right", bbox_to_anchor=(1.35, 1.1), fontsize=7)
    return ax


def plot_interaction_by_segment(table: pd.DataFrame, by: str = "age_band", ax=None, lang: str = "en"):
    """Grouped bars of interaction rate by content type and segment (``personas.interaction_by_segment``)."""
    ax = _ax(ax)
    d = table.assign(content=[label(c, lang) for c in table["content_type"]])
    sns.barplot(data=d, x="content", y="rate", hue=by, ax=ax, palette=PALETTE[: d[by].nunique()])
    ax.set_xlabel(label("content_type", lang))
    ax.set_ylabel(label("interactions_per_view", lang))
    ax.legend(title=label(by, lang), fontsize=8)
    percent_axis(ax)
    return ax


def plot_tier_feedback(table: pd.DataFrame, ax=None, lang: str = "en"):
    """Stacked shares of category groups per city tier (``regions.tier_feedback``)."""
    ax = _ax(ax)
    wide = table.pivot(index="city_tier", columns="category_group", values="share").fillna(0)
    wide.columns = [label(c, lang, ns="service") for c in wide.columns]
    wide.index = [tier_name(i, lang) for i in wide.index]
    wide.plot(kind="bar", stacked=True, ax=ax, color=PALETTE + ["#b0b0b0"] * 4, width=0.7)
    ax.set_xlabel(label("city_tier", lang, ns="service"))
    ax.set_ylabel(label("ticket_share", lang, ns="service"))
    percent_axis(ax)
    ax.tick_params(axis="x", rotation=0)
    ax.legend(fontsize=7, ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.15), frameon=False)
    return ax


def plot_reply_times(table: pd.DataFrame, key: str = "community_id", top: int = 15, names=None, ax=None,
                     lang: str = "en"):
    """Median reply minutes and unanswered share of the ``top`` groups (or staff) by customer messages
    (``responsiveness.responsiveness``; shares written only when one is above 0); ``names``: a mapping of
    ``key`` to the name shown, else the key."""
    ax = _ax(ax)
    d = table.nlargest(top, "customer_messages").sort_values("median_reply_minutes")
    shown = d[key].map(lambda k: names.get(k, k) if names is not None else k).astype(str)
    ax.barh(shown, d["median_reply_minutes"], color=PALETTE[0])
    if d["unanswered_share"].max() > 0:  # a row of "0.0% unanswered" would say nothing bar by bar
        for y, (m, u) in enumerate(zip(d["median_reply_minutes"], d["unanswered_share"])):
            ax.text(m, y, t(lang, f" {pct(u)} unanswered", f" {pct(u)} 未回复"), va="center", fontsize=7)
    ax.set_xlabel(label("median_reply_minutes", lang))
    ax.set_ylabel(label(key, lang))
    return ax


def plot_reconciliation(daily: pd.DataFrame, ax=None, lang: str = "en"):
    """Archive messages vs ``msg_total`` per owner-day (``responsiveness.reconcile_daily_totals``)."""
    ax = _ax(ax, (5, 5))
    ax.scatter(daily["msg_total"], daily["archive_msgs"], s=8, alpha=0.5, color=PALETTE[0])
    hi = float(max(daily["msg_total"].max(), daily["archive_msgs"].max(), 1))
    ax.plot([0, hi], [0, hi], color="#333333", ls="--", lw=1, label=t(lang, "archive = statistic", "存档 = 统计"))
    ax.set_xlabel(label("msg_total", lang))
    ax.set_ylabel(label("archive_msgs", lang))
    ax.legend(fontsize=8)
    return ax
