"""Click heatmaps of a page: click density on a grid of the viewport, binned in the engine (Ibis).

A click is a ``click`` event with ``page`` and ``x, y`` (CSS pixels on the ``viewport``, 375 x 812 by
default). The page is cut into square cells of ``cell_px`` pixels; a cell's **density** is its clicks
divided by all clicks on the page in the window (so each window's densities add up to 1, and two windows
with different traffic compare fairly). A click on the viewport's right or bottom edge falls in the last
cell; clicks outside the viewport are counted in ``outside`` and left out of the grid.
"""
from __future__ import annotations

import math

import ibis
import numpy as np
import pandas as pd
from ibis import _

from helpers import _engine
from helpers.timeline import DEFAULT_TZ

VIEWPORT = (375, 812)


def click_density(events, page: str, start=None, end=None, *, members=None, cell_px: int = 25,
                  viewport: tuple[int, int] = VIEWPORT, tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """Click density of ``page`` in ``[start, end)`` (of ``members``' clicks when given: a table with
    ``member_id``, e.g. one arm of an experiment).

    Returns one row per grid cell (all cells, zeros included): ``col, row`` (cell indices),
    ``x, y`` (cell centres, px), ``clicks``, ``density`` (clicks / page clicks in the grid), with
    ``total`` and ``outside`` (clicks outside the viewport) repeated on every row.
    """
    if cell_px <= 0:
        raise ValueError(f"`cell_px` must be a positive number of pixels; got {cell_px!r}.")
    ev = _engine.table(events, "events", ("member_id", "ts", "event", "page", "x", "y"), tz)
    c = ev.filter((ev.event == "click") & (ev.page == page) & ev.x.notnull() & ev.y.notnull())
    if start is not None:
        c = c.filter(c.ts >= _engine.ts_literal(start, tz))
    if end is not None:
        c = c.filter(c.ts < _engine.ts_literal(end, tz))
    if members is not None:
        m = _engine.table(members, "members", ("member_id",), tz).select("member_id").distinct()
        c = c.semi_join(m, "member_id")
    w, h = viewport
    ncol, nrow = math.ceil(w / cell_px), math.ceil(h / cell_px)
    inside = (c.x >= 0) & (c.x <= w) & (c.y >= 0) & (c.y <= h)
    col = (c.x / cell_px).floor().cast("int64")
    row = (c.y / cell_px).floor().cast("int64")
    cells = c.filter(inside).group_by(col=ibis.ifelse(col >= ncol, ncol - 1, col),
                                      row=ibis.ifelse(row >= nrow, nrow - 1, row)).aggregate(clicks=_.x.count())
    counts = _engine.to_pandas(cells, tz)
    outside = int(_engine.to_pandas(c.filter(~inside).aggregate(n=_.x.count()), tz)["n"].iloc[0])
    grid = pd.DataFrame([(i, j) for j in range(nrow) for i in range(ncol)], columns=["col", "row"])
    out = grid.merge(counts, on=["col", "row"], how="left").fillna({"clicks": 0})
    out["clicks"] = out["clicks"].astype("int64")
    out["x"] = (out["col"] + 0.5) * cell_px
    out["y"] = (out["row"] + 0.5) * cell_px
    total = int(out["clicks"].sum())
    out["density"] = out["clicks"] / total if total else np.nan
    out["total"], out["outside"] = total, outside
    return out[["col", "row", "x", "y", "clicks", "density", "total", "outside"]]


def compare_click_density(events, page: str, windows: dict, *, cell_px: int = 25,
                          viewport: tuple[int, int] = VIEWPORT, tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """:func:`click_density` for several labelled windows stacked with a ``window`` column (in the
    order given). ``windows`` maps a label to ``(start, end)`` or ``(start, end, members)``."""
    parts = []
    for name, spec in windows.items():
        if len(spec) not in (2, 3):
            raise ValueError(f"window {name!r} must be (start, end) or (start, end, members); got {spec!r}.")
        start, end, members = (*spec, None)[:3]
        d = click_density(events, page, start, end, members=members, cell_px=cell_px, viewport=viewport, tz=tz)
        d.insert(0, "window", name)
        parts.append(d)
    return pd.concat(parts, ignore_index=True)


def region_share(density: pd.DataFrame, x: tuple[float, float], y: tuple[float, float]) -> pd.DataFrame:
    """Share of clicks whose cell centre lies in the rectangle ``x`` x ``y`` (px), per ``window`` when
    present: ``(window,) clicks, total, share``."""
    keys = ["window"] if "window" in density.columns else []
    inside = density["x"].between(*x) & density["y"].between(*y)
    d = density.assign(_in=np.where(inside, density["clicks"], 0))
    g = d.groupby(keys, sort=False) if keys else None
    if g is None:
        clicks, total = int(d["_in"].sum()), int(d["clicks"].sum())
        return pd.DataFrame([{"clicks": clicks, "total": total, "share": clicks / total if total else np.nan}])
    out = g.agg(clicks=("_in", "sum"), total=("clicks", "sum")).reset_index()
    out["share"] = out["clicks"] / out["total"].where(out["total"] > 0)
    return out
