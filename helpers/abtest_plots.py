"""Charts of experiment results. Each draws what an analysis function returned and returns the Axes;
nothing here computes an estimate, shows or saves."""
from __future__ import annotations

import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import numpy as np
import pandas as pd

from helpers.glossary import label, t
from helpers.plots import PALETTE, percent_axis


def _ax(ax, figsize):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def plot_effects(table: pd.DataFrame, ax=None, lang: str = "en", title: str | None = None,
                 label_col: str = "metric", estimate: str = "abs_diff", low: str = "abs_ci_low",
                 high: str = "abs_ci_high", percent: bool = True, xlabel: str | None = None, truth=None):
    """Forest plot: one row per ``label_col`` with the estimate and its interval, a line at 0 and, if
    ``truth`` (a sequence aligned with the rows) is given, the planted value as an open diamond."""
    df = table.reset_index(drop=True)
    ax = _ax(ax, (8, 0.55 * len(df) + 1.4))
    y = np.arange(len(df))[::-1]
    ax.errorbar(df[estimate], y, xerr=[df[estimate] - df[low], df[high] - df[estimate]], fmt="o",
                color=PALETTE[0], ecolor=PALETTE[0], capsize=4, lw=1.5)
    if truth is not None:
        ax.scatter(list(truth), y, marker="D", facecolors="none", edgecolors=PALETTE[1], zorder=3,
                   label=t(lang, "planted", "预设值"))
        ax.legend(loc="best", fontsize=8)
    ax.axvline(0, color="#555555", lw=1, ls="--")
    ax.set_yticks(y, [label(str(v), lang) for v in df[label_col]])
    if percent:  # differences of shares shown in percentage points
        ax.xaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _: f"{v * 100:g}"))
    ax.set_xlabel(xlabel or t(lang, "Difference, treatment − control (pp)", "实验组 − 对照组 差值 (百分点)"))
    ax.set_title(title or t(lang, "Effects with 95% intervals", "效应及其 95% 置信区间"))
    return ax


def plot_rates(table: pd.DataFrame, by: str, ax=None, lang: str = "en", title: str | None = None,
               ylabel: str | None = None, rate: str = "rate", low: str = "ci_low", high: str = "ci_high"):
    """Bars of a rate per group (e.g. :func:`helpers.abtest.ratio_summary` by period) with intervals."""
    ax = _ax(ax, (6, 4))
    names = [label(str(v), lang) for v in table[by]]
    ax.bar(names, table[rate], color=PALETTE[: len(table)], alpha=0.85)
    ax.errorbar(names, table[rate], yerr=[table[rate] - table[low], table[high] - table[rate]], fmt="none",
                ecolor="#333333", capsize=4)
    for x, (v, top) in enumerate(zip(table[rate], table[high])):
        ax.text(x, top, f"{v:.1%}\n", ha="center", va="bottom", fontsize=9)
    percent_axis(ax)
    ax.set_ylim(0, float(table[high].max()) * 1.3)
    ax.set(title=title or "", xlabel="", ylabel=ylabel or label("share_pct", lang))
    return ax


def plot_aa(result, ax=None, lang: str = "en", title: str | None = None):
    """Histogram of the A/A p-values of an :class:`helpers.aa.AAResult` (flat when the test is sound)."""
    ax = _ax(ax, (7, 3.5))
    ax.hist(result.p_values, bins=20, range=(0, 1), color=PALETTE[0], alpha=0.85, edgecolor="white")
    ax.axhline(len(result.p_values) / 20, color=PALETTE[1], ls="--", lw=1)
    ax.axvline(result.alpha, color="#555555", lw=1)
    ax.set(title=title or t(lang, f"A/A: {result.false_positive_rate:.1%} of splits reject at α = {result.alpha:g}",
                            f"A/A 检验：{result.false_positive_rate:.1%} 的随机拆分在 α = {result.alpha:g} 下显著"),
           xlabel=t(lang, "p-value", "p 值"), ylabel=t(lang, "Splits", "拆分次数"))
    return ax


def plot_balance(table: pd.DataFrame, ax=None, lang: str = "en", title: str | None = None, threshold: float = 0.1):
    """Standardized mean differences of :func:`helpers.assignment.balance_table`, band at ±threshold."""
    ax = _ax(ax, (7, 0.5 * len(table) + 1.4))
    y = np.arange(len(table))[::-1]
    ax.axvspan(-threshold, threshold, color=PALETTE[2], alpha=0.12, lw=0)
    ax.scatter(table["smd"], y, color=PALETTE[0], zorder=3)
    ax.set_yticks(y, [label(str(v), lang) for v in table["covariate"]])
    ax.axvline(0, color="#555555", lw=1)
    lim = max(threshold * 2, float(np.nanmax(np.abs(table["smd"]))) * 1.2 if len(table) else threshold * 2)
    ax.set_xlim(-lim, lim)
    ax.set(title=title or t(lang, "Covariate balance", "协变量平衡"),
           xlabel=t(lang, "Standardized mean difference (SD units)", "标准化均值差 (标准差)"))
    return ax
