"""Charts of the journey section: each ``plot_*`` draws what a data function of :mod:`helpers.funnel`,
:mod:`helpers.paths`, :mod:`helpers.clicks` or :mod:`helpers.retention` returned, onto an Axes, and
returns it. Nothing here computes metrics, shows or saves. Call inside ``helpers.plots.theme(lang)``.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.sankey import Sankey

from helpers.glossary import NAMESPACED, label
from helpers.plots import PALETTE, _ax, percent_axis



def tr(key, lang: str = "en") -> str:
    """Label of ``key`` from the glossary's journey vocabulary (``ns='journey'``)."""
    return label(key, lang, ns="journey")


def tr_node(node, lang: str = "en") -> str:
    """Label of a journey node (a page or an event name; ``ns='node'``)."""
    return label(node, lang, ns="node")


def plot_funnel(funnel: pd.DataFrame, title: str, ax=None, lang: str = "en", breakdown: str | None = None):
    """Bars of conversion from step 1 per step (grouped by ``breakdown`` when given), labelled with
    members and the share; draws a ``build_funnel`` table."""
    ax = _ax(ax, figsize=(8, 4))
    d = funnel.assign(step_label=[f"{k}. {tr_node(s, lang)}" for k, s in zip(funnel["step_index"], funnel["step"])])
    if breakdown:
        d = d.assign(**{breakdown: d[breakdown].map(lambda v: tr(v, lang) if isinstance(v, str) else v)})
        sns.barplot(data=d, x="step_label", y="conversion", hue=breakdown, ax=ax, palette=PALETTE[: d[breakdown].nunique()])
        ax.legend(title=tr(breakdown, lang), fontsize=8)
    else:
        ax.bar(d["step_label"], d["conversion"], color=PALETTE[0], alpha=0.85)
        for i, (c, n) in enumerate(zip(d["conversion"], d["members"])):
            ax.text(i, c, f"{c:.0%}\n(n={n:,})", ha="center", va="bottom", fontsize=8)
    percent_axis(ax)
    ax.set_ylim(0, 1.15)
    ax.set(title=title, xlabel=tr("step", lang), ylabel=tr("conversion", lang))
    return ax


def plot_time_to_convert(km: pd.DataFrame, title: str, ax=None, lang: str = "en", breakdown: str | None = None):
    """Kaplan-Meier share converted by hours since step 1, with its 95% band (``time_to_convert``)."""
    ax = _ax(ax)
    groups = km.groupby(breakdown, sort=True) if breakdown else [(None, km)]
    for i, (name, g) in enumerate(groups):
        color = PALETTE[i % len(PALETTE)]
        ax.step(g["hours"], g["converted_share"], where="post", color=color,
                label=None if name is None else tr(name, lang))
        ax.fill_between(g["hours"], g["ci_low"], g["ci_high"], step="post", color=color, alpha=0.15, lw=0)
    if breakdown:
        ax.legend(fontsize=8)
    percent_axis(ax)
    ax.set(title=title, xlabel=tr("hours", lang), ylabel=tr("converted_share", lang))
    return ax


def plot_top_paths(paths: pd.DataFrame, title: str, ax=None, lang: str = "en"):
    """Horizontal bars of the share of members taking each path (``top_paths``), ``other`` last."""
    d = paths.iloc[::-1]
    ax = _ax(ax, figsize=(9, 0.4 * len(d) + 1.2))
    names = [" → ".join(tr_node(p, lang) for p in path.split(" → ")) for path in d["path"]]
    colors = [PALETTE[5] if p == "other" else PALETTE[0] for p in d["path"]]
    ax.barh(names, d["share"], color=colors, alpha=0.85)
    for y, v in enumerate(d["share"]):
        ax.text(v, y, f"  {v:.1%}", va="center", fontsize=8)
    percent_axis(ax, "x")
    ax.set(title=title, xlabel=tr("share_of_members", lang), ylabel="")
    return ax


def plot_transition_matrix(tm: pd.DataFrame, title: str, ax=None, lang: str = "en", nodes=None):
    """Heatmap of transition probabilities (rows: from, columns: to) from ``transition_matrix``."""
    d = tm
    if nodes is not None:  # rows: the listed nodes; columns: the listed nodes, other destinations pooled
        keep = set(nodes) | {"(end)"}
        d = tm[tm["from_node"].isin(nodes)].assign(to_node=lambda x: x["to_node"].where(x["to_node"].isin(keep), "other"))
    m = d.pivot_table(index="from_node", columns="to_node", values="probability", aggfunc="sum", fill_value=0.0)
    order = list(nodes) if nodes is not None else sorted(m.index)
    m = m.reindex(index=[n for n in order if n in m.index])
    cols = [c for c in order if c in m.columns] + [c for c in m.columns if c not in order and c not in ("other", "(end)")]
    cols += [c for c in ("other", "(end)") if c in m.columns]
    m = m[cols]
    ax = _ax(ax, figsize=(1.0 * len(cols) + 3, 0.6 * len(m) + 1.5))
    sns.heatmap(m, annot=True, fmt=".0%", cmap="Blues", vmin=0, vmax=1, cbar=False, ax=ax,
                xticklabels=[tr_node(c, lang) for c in m.columns], yticklabels=[tr_node(i, lang) for i in m.index],
                annot_kws={"fontsize": 7})
    ax.set(title=title, xlabel=tr("to_node", lang), ylabel=tr("from_node", lang))
    ax.tick_params(axis="x", labelrotation=30)
    ax.grid(False)
    return ax


def plot_path_sankey(next_nodes: pd.DataFrame, node: str, title: str, ax=None, lang: str = "en"):
    """Sankey of where members go after ``node``: one inflow, one outflow per next node (a ``top_paths``
    table of length 1; shares add up to 1)."""
    ax = _ax(ax, figsize=(8, 5))
    d = next_nodes.sort_values("share", ascending=False)
    outs = [tr_node(p.split(" → ")[-1] if p != "other" else "other", lang) for p in d["path"]]
    n = len(d)
    orient = [0] + [0 if i == 0 else (1 if i % 2 else -1) for i in range(n)]  # the largest flow straight on
    sk = Sankey(ax=ax, scale=1.0, unit=None, gap=0.4, head_angle=120, format="%.0f")
    sk.add(flows=[1.0] + [-s for s in d["share"]], labels=[tr_node(node, lang)] + [f"{o}\n{s:.0%}" for o, s in zip(outs, d["share"])],
           orientations=orient, pathlengths=[0.3] + [0.3 + 0.15 * i for i in range(n)], facecolor=PALETTE[0], alpha=0.6)
    sk.finish()
    ax.set_aspect("equal", adjustable="box")  # Sankey asks for 'datalim', which fights the constrained layout
    for t in ax.texts:
        t.set_fontsize(8)
    ax.set_axis_off()
    ax.set_title(title)
    return ax


def plot_bounce(bounce: pd.DataFrame, group: str, title: str, ax=None, lang: str = "en", period: str | None = None):
    """Bars of bounce rate with Wilson 95% intervals, one per row of a ``bounce_rates`` table, named by
    its ``group`` column (and its ``period`` column above it, when given and different)."""
    ax = _ax(ax, figsize=(7, 4))
    names = []
    for _i, r in bounce.iterrows():
        g = tr_node(r[group], lang) if f"node:{r[group]}" in NAMESPACED else tr(r[group], lang)
        p = tr(r[period], lang) if period else None
        names.append(g if p is None or r[period] == r[group] else f"{p}\n{g}")
    ax.bar(names, bounce["bounce_rate"], color=[PALETTE[i % len(PALETTE)] for i in range(len(bounce))], alpha=0.85)
    err = [bounce["bounce_rate"] - bounce["ci_low"], bounce["ci_high"] - bounce["bounce_rate"]]
    ax.errorbar(names, bounce["bounce_rate"], yerr=err, fmt="none", ecolor="#333333", capsize=4, lw=1)
    for i, (v, n) in enumerate(zip(bounce["bounce_rate"], bounce["views"])):
        ax.text(i, v / 2, f"{v:.1%}\n(n={n:,})", ha="center", va="center", fontsize=9, color="white")
    percent_axis(ax)
    ax.set_ylim(0, min(1.0, float(bounce["ci_high"].max()) * 1.2))
    ax.grid(axis="x", visible=False)
    ax.set(title=title, xlabel="", ylabel=tr("bounce_rate", lang))
    return ax


def plot_click_heatmaps(density: pd.DataFrame, title: str, axes=None, lang: str = "en"):
    """Side-by-side click densities, one panel per ``window`` of a ``compare_click_density`` table,
    on one colour scale. Returns the array of Axes (``axes[0].figure`` holds them all)."""
    windows = list(dict.fromkeys(density["window"]))
    if axes is None:
        _, axes = plt.subplots(1, len(windows), figsize=(3.2 * len(windows) + 0.8, 6), layout="constrained",
                               squeeze=False)
        axes = axes[0]
    vmax = float(np.nanmax(density["density"].to_numpy(dtype=float))) if density["density"].notna().any() else 1.0
    for ax, w in zip(axes, windows):
        d = density[density["window"] == w]
        grid = d.pivot(index="row", columns="col", values="density").sort_index()
        cell = float(d["x"].iloc[0] * 2) if len(d) else 1.0  # centre of the first cell is half a cell
        ext = (0, cell * grid.shape[1], cell * grid.shape[0], 0)
        im = ax.imshow(grid.to_numpy(dtype=float), cmap="magma_r", vmin=0, vmax=vmax, extent=ext, aspect="equal")
        ax.set_title(f"{tr(w, lang)} (n={int(d['total'].iloc[0]):,})", fontsize=10, loc="center")
        ax.set(xlabel=tr("x_px", lang))
        ax.grid(False)
    axes[0].set_ylabel(tr("y_px", lang))
    cb = axes[0].figure.colorbar(im, ax=list(axes), shrink=0.6)
    cb.set_label(tr("click_density", lang))
    cb.ax.yaxis.set_major_formatter(plt.matplotlib.ticker.PercentFormatter(xmax=1, decimals=1))
    axes[0].figure.suptitle(title, fontweight="bold", x=0.02, ha="left")
    return axes


def plot_retention(ret: pd.DataFrame, title: str, ax=None, lang: str = "en", period: str = "week",
                   first_note: str | None = None):
    """Heatmap of retention (rows: cohorts, columns: periods since the cohort), annotated in percent;
    incomplete cells are left blank and periods no cohort has completed are not drawn (a
    ``cohort_retention`` table without breakdown). ``first_note`` is added to the first cohort's name
    (e.g. that it holds the members already active when the data starts)."""
    d = ret.assign(cohort=pd.to_datetime(ret["cohort"]).dt.strftime("%Y-%m-%d"))
    m = d.pivot(index="cohort", columns="period", values="retention")
    complete = d.assign(complete=d["complete"].astype(float)).pivot(
        index="cohort", columns="period", values="complete").fillna(0.0).astype(bool)
    seen = complete.any(axis=0)
    m, complete = m.loc[:, seen], complete.loc[:, seen]
    sizes = d.groupby("cohort")["cohort_size"].first()
    names = [f"{c} (n={sizes[c]:,})" + (f" {first_note}" if first_note and i == 0 else "") for i, c in enumerate(m.index)]
    ax = _ax(ax, figsize=(0.7 * m.shape[1] + 3, 0.45 * m.shape[0] + 1.5))
    sns.heatmap(m.where(complete), annot=True, fmt=".0%", cmap="Blues", vmin=0, vmax=1, cbar=False, ax=ax,
                annot_kws={"fontsize": 7}, yticklabels=names)
    ax.set(title=title, xlabel=tr(f"period_{period}", lang), ylabel=tr("cohort", lang))
    ax.grid(False)
    return ax
