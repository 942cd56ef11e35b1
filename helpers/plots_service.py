"""Charts of the service-efficiency section. Each ``plot_*`` draws what a data function of
:mod:`helpers.tickets` returned onto an Axes and returns it; nothing here computes, shows or saves.
Call inside ``with helpers.plots.theme(lang):`` so Chinese labels render.
"""
from __future__ import annotations

import matplotlib.ticker as mticker
import numpy as np
import pandas as pd
import seaborn as sns

from helpers.glossary import label, t, tier_name
from helpers.plots import PALETTE, _ax, percent_axis

PRIORITY_ORDER = ["urgent", "high", "normal", "low"]  # Zendesk's priorities, most urgent first


def term(key, lang: str = "en") -> str:
    """Label of ``key`` from the glossary's service vocabulary (``ns='service'``)."""
    return label(key, lang, ns="service")


def plot_pareto(pareto: pd.DataFrame, title: str, ax=None, lang: str = "en"):
    """Bars: each category's share of tickets beside its share of handling time (from
    ``category_pareto``), in the table's order, with the cumulative ticket share as a line."""
    ax = _ax(ax, figsize=(9, 4.2))
    x = np.arange(len(pareto))
    ax.bar(x - 0.2, pareto["ticket_share"], 0.4, color=PALETTE[0], label=term("ticket_share", lang))
    ax.bar(x + 0.2, pareto["time_share"], 0.4, color=PALETTE[1], label=term("time_share", lang))
    for i, (a, b) in enumerate(zip(pareto["ticket_share"], pareto["time_share"])):
        ax.text(i - 0.2, a, f"{a:.0%}", ha="center", va="bottom", fontsize=8)
        ax.text(i + 0.2, b, f"{b:.0%}", ha="center", va="bottom", fontsize=8)
    ax.plot(x, pareto["cumulative_ticket_share"], color="#555555", marker="o", lw=1, ms=3,
            label=term("cumulative_share", lang))
    ax.set_xticks(x, [term(c, lang) for c in pareto["category"]], rotation=20)
    percent_axis(ax)
    ax.set_ylim(0, 1.05)
    ax.set(title=title, xlabel=term("category", lang), ylabel=label("share_pct", lang))
    ax.legend(frameon=False, fontsize=8, loc="center right")
    return ax


def plot_heatmap(table: pd.DataFrame, title: str, value: str = "tickets", row: str = "region", ax=None,
                 lang: str = "en", fmt: str = ".0f"):
    """Heatmap of a long ``row x category`` table (``region_category``): ``value`` in each cell
    (``tickets``, ``share_of_row``, ``handling_hours`` or ``mean_resolution_hours``)."""
    wide = table.pivot_table(index=row, columns="category", values=value, aggfunc="sum")
    ax = _ax(ax, figsize=(1.2 * wide.shape[1] + 3, 0.5 * wide.shape[0] + 1.8))
    wide.columns = [term(c, lang) for c in wide.columns]
    wide.index = [tier_name(i, lang) if row == "city_tier" else term(i, lang) if isinstance(i, str) else str(i)
                  for i in wide.index]
    sns.heatmap(wide, annot=True, fmt=fmt, cmap="Blues", cbar_kws={"label": term(value, lang)}, ax=ax,
                annot_kws={"fontsize": 8})
    if "%" in fmt:  # the colour bar in the cells' unit
        ax.collections[0].colorbar.ax.yaxis.set_major_formatter(mticker.PercentFormatter(1.0, decimals=0))
    ax.tick_params(axis="y", rotation=0)  # row names read horizontally (Chinese ones too)
    ax.set(title=title, xlabel=term("category", lang), ylabel=term(row, lang))
    return ax


def plot_resolution_curves(curves: pd.DataFrame, title: str, ax=None, lang: str = "en", clock: str = "calendar",
                           max_hours: float | None = None):
    """Kaplan-Meier step curves with 95% bands (``ResolutionCurves.curves``), one per group; the
    x axis ends at ``max_hours`` (default: the last time any curve is above 2% unsolved)."""
    ax = _ax(ax, figsize=(8, 4.5))
    for i, (group, g) in enumerate(curves.groupby("group", sort=True)):
        color = PALETTE[i % len(PALETTE)]
        ax.step(g["hours"], g["share_unsolved"], where="post", color=color, lw=1.5, label=term(group, lang))
        ax.fill_between(g["hours"], g["ci_low"], g["ci_high"], step="post", color=color, alpha=0.15, lw=0)
    ax.axhline(0.5, color="#888888", lw=0.8, ls="--")
    percent_axis(ax)
    unit = "" if clock == "calendar" else t(lang, " (business)", " (工作时间)")
    ax.set(title=title, xlabel=term("hours", lang) + unit, ylabel=term("share_unsolved", lang))
    if max_hours is None:
        above = curves.loc[curves["share_unsolved"] > 0.02, "hours"]
        max_hours = float(above.max()) if len(above) else float(curves["hours"].max())
    day = 24 if clock == "calendar" else 9
    ax.set_xlim(0, max_hours)
    ax.xaxis.set_major_locator(mticker.MultipleLocator(day * max(1, int(np.ceil(max_hours / day / 10)))))
    ax.legend(frameon=False, fontsize=8)
    return ax


def plot_scorecard(card: pd.DataFrame, title: str, ax=None, lang: str = "en"):
    """Teams (rows, ranked) x normalized indicators (0-1) from ``team_scorecard``, the weights in the
    column headers and the weighted score (0-100, as the table and the titles give it) in the last column."""
    names = ["speed", "sla", "csat", "reopen", "one_touch"]
    wide = card.set_index("team")[[f"{n}_norm" for n in names]].copy()
    wide.columns = [f"{term(n, lang)}\n×{card[f'weight_{n}'].iloc[0]:.0%}" for n in names]
    score = card.set_index("team")["score"]
    wide[term("score", lang)] = score / 100  # coloured on the indicators' 0-1 scale, written as 0-100
    text = wide.map(lambda v: f"{v:.2f}").astype(object)
    text.iloc[:, -1] = [f"{v:.0f}" for v in score]
    ax = _ax(ax, figsize=(9, 0.6 * len(wide) + 1.8))
    sns.heatmap(wide, annot=text.to_numpy(), fmt="", cmap="RdYlGn", vmin=0, vmax=1, cbar=False, ax=ax,
                annot_kws={"fontsize": 9})
    ax.set_yticklabels([f"{r}. {t}" for r, t in zip(card["rank"], card["team"])], rotation=0)
    ax.set(title=title, xlabel="", ylabel=term("team", lang))
    ax.tick_params(axis="x", labelsize=8)
    return ax


def plot_sla(achievement: pd.DataFrame, title: str, by: str = "priority", ax=None, lang: str = "en"):
    """Bars of SLA achievement (``sla_achievement(by=...)``) per group and metric with 95% intervals."""
    ax = _ax(ax)
    t = achievement.copy()
    t["metric_label"] = [term(m, lang) for m in t["metric"]]
    groups = list(dict.fromkeys(t[by]))
    if by == "priority":  # by urgency, not in the data's order
        groups = sorted(groups, key=lambda g: PRIORITY_ORDER.index(g) if g in PRIORITY_ORDER else len(PRIORITY_ORDER))
    metrics = list(dict.fromkeys(t["metric_label"]))
    width = 0.8 / max(len(metrics), 1)
    for j, m in enumerate(metrics):
        s = t[t["metric_label"] == m].set_index(by).reindex(groups)
        x = np.arange(len(groups)) + (j - (len(metrics) - 1) / 2) * width
        ax.bar(x, s["achievement_rate"], width, color=PALETTE[j % len(PALETTE)], label=m)
        err = [(s["achievement_rate"] - s["ci_low"]).clip(lower=0), (s["ci_high"] - s["achievement_rate"]).clip(lower=0)]
        ax.errorbar(x, s["achievement_rate"], yerr=err,
                    fmt="none", ecolor="#333333", capsize=2, lw=1)
    ax.set_xticks(np.arange(len(groups)), [term(g, lang) if isinstance(g, str) else str(g)[:10] for g in groups])
    percent_axis(ax)
    ax.set_ylim(0, 1.05)
    ax.set(title=title, xlabel=term(by, lang), ylabel=term("achievement_rate", lang) + " (%)")
    ax.legend(frameon=False, fontsize=8)
    return ax


def plot_backlog(backlog: pd.DataFrame, title: str, ax=None, lang: str = "en"):
    """Open tickets at the end of each period (``backlog``)."""
    ax = _ax(ax)
    ax.plot(backlog["period_start"].dt.tz_localize(None), backlog["open_at_end"], color=PALETTE[0], lw=1.5)
    ax.set(title=title, xlabel=label("date", lang), ylabel=term("open_at_end", lang))
    ax.tick_params(axis="x", labelrotation=30)
    return ax
