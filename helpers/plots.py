"""Chart theme and the chapter charts. Each ``plot_*`` draws what a data function returned onto an
Axes and returns it; nothing here computes metrics, shows or saves.

Chinese renders through Noto Sans CJK SC shipped by the ``mplfonts`` package, registered inside
:func:`theme` (a context manager), not by changing global settings at import.
"""
from __future__ import annotations

from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import matplotlib as mpl
import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import numpy as np
import pandas as pd
import seaborn as sns

from helpers.glossary import check_lang, label

PALETTE = ["#1f5a96", "#e07b39", "#3a9a5b", "#c0392b", "#7f6aa8", "#8c8c8c"]


@lru_cache(maxsize=1)
def cjk_font() -> str:
    """Register the CJK font shipped by mplfonts with matplotlib and return its family name."""
    import mplfonts
    path = Path(mplfonts.__file__).parent / "fonts" / "NotoSansCJKsc-Regular.otf"
    if not path.exists():
        raise FileNotFoundError(f"CJK font not found at {path}; reinstall mplfonts from requirements.txt.")
    fm = mpl.font_manager.fontManager
    fm.addfont(str(path))
    # matplotlib's own fonts (STIX and Computer Modern draw the mathtext of log-axis ticks): a font cache
    # shared with another, since deleted, matplotlib install can lack them, and every such tick then
    # prints findfont warnings into the report
    known = {f.fname for f in fm.ttflist}
    for own in sorted((Path(mpl.get_data_path()) / "fonts" / "ttf").glob("*.ttf")):
        if str(own) not in known:
            fm.addfont(str(own))
    return mpl.font_manager.FontProperties(fname=str(path)).get_name()


@contextmanager
def theme(lang: str = "en", dpi: int = 110):
    """Context for every chart: clean seaborn style, the CJK font first in the list, no clutter."""
    check_lang(lang)
    family = cjk_font()
    rc = {
        "font.family": "sans-serif",
        "font.sans-serif": [family, "DejaVu Sans"],
        "axes.unicode_minus": False,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.titleweight": "bold",
        "axes.titlesize": 12,
        "axes.titlelocation": "left",
        "figure.dpi": dpi,
        "savefig.dpi": 200,
        "savefig.bbox": "tight",
        "axes.prop_cycle": mpl.cycler(color=PALETTE),
    }
    with sns.axes_style("whitegrid"), plt.rc_context(rc):
        yield


def _ax(ax, figsize=(8, 4)):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def percent_axis(ax, axis: str = "y"):
    fmt = mticker.PercentFormatter(xmax=1, decimals=0)
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)
    return ax


def shade_periods(ax, periods=None, lang: str = "en"):
    """Shade the study periods ``{"pre": (start, end), ...}`` on a date axis, each named at the top."""
    for i, (name, (lo, hi)) in enumerate((periods or {}).items()):
        ax.axvspan(pd.Timestamp(lo).tz_localize(None), pd.Timestamp(hi).tz_localize(None),
                   color=PALETTE[i % len(PALETTE)], alpha=0.06, lw=0)
        ax.text(pd.Timestamp(lo).tz_localize(None), 1.0, " " + label(name, lang),
                transform=ax.get_xaxis_transform(), va="top", fontsize=8, color="#555555")
    return ax


def plot_daily(daily: pd.DataFrame, y: str, title: str, ylabel: str, ax=None, periods=None,
               lang: str = "en", hue: str | None = None):
    """Line chart of a daily table (``day`` column plus ``y``); shades the study periods if given
    as ``{"pre": (start, end), ...}``."""
    ax = _ax(ax)
    sns.lineplot(data=daily, x="day", y=y, hue=hue, ax=ax, marker="o", markersize=3)
    shade_periods(ax, periods, lang)
    ax.set(title=title, xlabel=label("date", lang), ylabel=ylabel)
    ax.tick_params(axis="x", labelrotation=30)
    if hue and ax.get_legend() is not None:
        ax.legend(title=label(hue, lang))
    return ax


def plot_scoreboard(board: pd.DataFrame, title: str, ax=None, lang: str = "en"):
    """Horizontal bars of share-valued KPIs with their 95% intervals (``kpi, unit, value, ci_low,
    ci_high``). With ``test, test_low, test_high`` too (``helpers.summary.scoreboard``), each KPI gets
    two bars: the pre-period (``value``) above the test period."""
    shares = board[board["unit"] == "share"].iloc[::-1]
    periods = [("value", "ci_low", "ci_high", "pre")]
    if {"test", "test_low", "test_high"} <= set(shares.columns) and shares["test"].notna().any():
        periods.append(("test", "test_low", "test_high", "test"))
    ax = _ax(ax, figsize=(8, (0.5 if len(periods) == 1 else 0.8) * len(shares) + 1.2))
    names = [label(k, lang) for k in shares["kpi"]]
    y0 = np.arange(len(shares), dtype=float)
    height = 0.8 / len(periods)
    for i, (v, lo, hi, period) in enumerate(periods):
        y = y0 + (len(periods) - 1) * height / 2 - i * height  # the first period on top
        vals = shares[v].astype(float)
        ax.barh(y, vals, height=height * 0.9, color=PALETTE[i], alpha=0.85,
                label=label(period, lang) if len(periods) > 1 else None)
        ax.errorbar(vals, y, xerr=[vals - shares[lo], shares[hi] - vals], fmt="none", ecolor="#333333", capsize=3, lw=1)
        for yy, val, top in zip(y, vals, shares[hi].fillna(vals)):
            if pd.notna(val):
                ax.text(top, yy, f"  {val:.1%}", va="center", fontsize=9 if len(periods) == 1 else 8)
    ax.set_yticks(y0, names)
    ax.grid(axis="y", visible=False)
    percent_axis(ax, "x")
    if len(periods) > 1:
        ax.legend(frameon=False, fontsize=8, loc="lower right")
    ax.set(title=title, xlabel=label("share_pct", lang), ylabel="")
    top_hi = np.nanmax([shares[c].astype(float).max() for p in periods for c in (p[0], p[2])] + [0.0])
    ax.set_xlim(0, min(1.0, top_hi * 1.25 + 0.02))
    return ax


def plot_kpi_tree(tree: pd.DataFrame, title: str, ax=None, lang: str = "en", values: dict | None = None):
    """The indicator tree as boxes by level (``name, level, parent``), with a value under each name."""
    ax = _ax(ax, figsize=(10, 4))
    levels = sorted(tree["level"].unique())
    pos = {}
    for lvl in levels:
        names = list(tree.loc[tree["level"] == lvl, "name"])
        for i, name in enumerate(names):
            pos[name] = ((i + 1) / (len(names) + 1), 1 - (lvl - levels[0] + 0.5) / len(levels))
    for _, row in tree.iterrows():
        if isinstance(row["parent"], str) and row["parent"] in pos:
            (x0, y0), (x1, y1) = pos[row["parent"]], pos[row["name"]]
            ax.annotate("", xy=(x1, y1 + 0.07), xytext=(x0, y0 - 0.07),
                        arrowprops=dict(arrowstyle="-|>", color="#888888", lw=1))
    for name, (x, y) in pos.items():
        text = label(name, lang)
        if values and values.get(name) is not None:
            text += f"\n{values[name]}"
        ax.text(x, y, text, ha="center", va="center", fontsize=9,
                bbox=dict(boxstyle="round,pad=0.5", fc="#eef3f9", ec=PALETTE[0]))
    ax.set_axis_off()
    ax.set_title(title)
    return ax


def plot_counts(table: pd.DataFrame, x: str, y: str, title: str, xlabel: str, ylabel: str, ax=None,
                hue: str | None = None, percent: bool = False, lang: str = "en"):
    """Bar chart of a small tidy table, in the order given; the legend (with ``hue``) is titled with
    the glossary's label of ``hue``. Translate category values first, e.g. with ``glossary.relabel``."""
    ax = _ax(ax)
    sns.barplot(data=table, x=x, y=y, hue=hue, ax=ax, color=None if hue else PALETTE[0])
    if percent:
        percent_axis(ax)
    else:  # counts in full with thousands separators, no "1e6" offset (bars run along x or y)
        for col, axis in ((y, ax.yaxis), (x, ax.xaxis)):
            if pd.api.types.is_numeric_dtype(table[col]) and table[col].abs().max() >= 1000:
                axis.set_major_formatter(mticker.StrMethodFormatter("{x:,.0f}"))
    if hue and ax.get_legend() is not None:
        ax.legend(title=label(hue, lang), fontsize=8)
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    return ax
