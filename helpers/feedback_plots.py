"""Charts of the member-voice tables: each draws what a :mod:`helpers.feedback` /
:mod:`helpers.sentiment` function returned; none computes, shows or saves. Titles are passed in
(the notebook writes them so that they state the finding)."""
from __future__ import annotations

import pandas as pd

from helpers.glossary import label, tier_name
from helpers.plots import PALETTE, _ax, percent_axis



def _l(key: str, lang: str) -> str:
    """Label of ``key`` from the glossary's voice vocabulary (``ns='voice'``)."""
    return label(key, lang, ns="voice")


def plot_sentiment_trend(trend: pd.DataFrame, title: str, ax=None, lang: str = "en"):
    """Weekly negative share with its 95% interval (``sentiment_by(..., by="week")``); spikes marked."""
    ax = _ax(ax)
    x = pd.to_datetime(trend["week"])
    ax.plot(x, trend["negative_share"], marker="o", color=PALETTE[0])
    ax.fill_between(x, trend["ci_low"], trend["ci_high"], color=PALETTE[0], alpha=0.15, lw=0)
    sp = trend[trend["negative_spike"]]
    ax.scatter(pd.to_datetime(sp["week"]), sp["negative_share"], s=80, color=PALETTE[3], zorder=3,
               label=_l("spike", lang))
    if len(sp):
        ax.legend(loc="upper left", frameon=False)
    percent_axis(ax)
    ax.set_ylim(0, min(1.0, float(trend["ci_high"].max()) * 1.15 + 0.01))
    ax.set(title=title, xlabel=_l("week", lang), ylabel=_l("negative_share", lang))
    ax.tick_params(axis="x", labelrotation=30)
    return ax


def plot_aspect_share(shares: pd.DataFrame, title: str, ax=None, lang: str = "en", by: str = "city_tier"):
    """Stacked horizontal bars: share of each group's feedback by aspect (``aspect_share(...)``)."""
    ax = _ax(ax, figsize=(8, 0.5 * shares[by].nunique() + 1.5))
    wide = shares.pivot_table(index=by, columns="aspect", values="share", fill_value=0.0).sort_index(ascending=False)
    order = [a for a in ("logistics", "price", "service", "product", "content", "none") if a in wide.columns]
    wide = wide[order + [c for c in wide.columns if c not in order]]
    left = pd.Series(0.0, index=wide.index)
    names = [tier_name(i, lang) if by == "city_tier" else str(i) for i in wide.index]
    for i, col in enumerate(wide.columns):
        ax.barh(names, wide[col], left=left, color=PALETTE[i % len(PALETTE)], label=_l(col, lang))
        left += wide[col]
    percent_axis(ax, "x")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=8)
    ax.set(title=title, xlabel=_l("aspect_share", lang), ylabel=_l(by, lang))
    return ax


def plot_model_comparison(table: pd.DataFrame, title: str, ax=None, lang: str = "en"):
    """Held-out accuracy (with its 95% interval) and macro-F1 per model (``compare_models()``)."""
    ax = _ax(ax, figsize=(8, 2.8))
    names = [_l(m, lang) for m in table["model"]][::-1]  # the known models' names have a Chinese twin
    acc, f1 = table["accuracy"].to_numpy()[::-1], table["macro_f1"].to_numpy()[::-1]
    y = range(len(names))
    ax.barh([i + 0.2 for i in y], acc, height=0.38, color=PALETTE[0], label=_l("accuracy", lang))
    ax.barh([i - 0.2 for i in y], f1, height=0.38, color=PALETTE[1], label=_l("macro_f1", lang))
    lo, hi = table["accuracy_ci_low"].to_numpy()[::-1], table["accuracy_ci_high"].to_numpy()[::-1]
    ax.errorbar(acc, [i + 0.2 for i in y], xerr=[acc - lo, hi - acc], fmt="none", ecolor="#333333", capsize=3, lw=1)
    ax.set_yticks(list(y), names)
    for yy, a, f in zip(y, acc, f1):
        ax.text(a, yy + 0.2, f"  {a:.1%}", va="center", fontsize=8)
        ax.text(f, yy - 0.2, f"  {f:.1%}", va="center", fontsize=8)
    ax.set_xlim(0, 1.0)
    percent_axis(ax, "x")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=8)
    ax.set(title=title, xlabel=_l("score", lang), ylabel="")
    return ax


__all__ = ["plot_aspect_share", "plot_model_comparison", "plot_sentiment_trend"]
