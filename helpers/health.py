"""Community health index: sub-metrics normalized, weighted and summed per community and period.

Input: one row per community (and period) with one column per sub-metric, e.g.
``helpers.kpi.community_kpis``. Steps:

1. **direction**: a metric where lower is better (``directions[m] == "down"``) is mirrored.
2. **normalize** over all rows (all communities and periods together, so weeks are comparable):
   ``"minmax"``: ``(x - min) / (max - min)`` in [0, 1] (a constant metric gives 0.5);
   ``"z"``: ``(x - mean) / sd`` (population sd; a constant metric gives 0).
   Missing values (e.g. no views that week) take the metric's normalized mean (0.5 or 0).
3. **weights**: ``"equal"`` (1/m each); a mapping ``{metric: weight}`` (expert weights, rescaled to
   sum to 1); or ``"entropy"``: the entropy-weight method on the min-max values
   ``p_ij = x_ij / sum_i x_ij``, ``e_j = -sum_i p_ij ln p_ij / ln n``, ``w_j = (1 - e_j) / sum_k (1 - e_k)``
   (metrics that vary more across rows get more weight; a constant metric gets 0).
4. **score** = sum_j w_j x_ij, times 100 for ``"minmax"`` (an index 0-100); in standard units for ``"z"``.

A community's ``score`` is the mean of its period scores; ``rank`` 1 is the healthiest.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Mapping

import numpy as np
import pandas as pd

Normalize = Literal["minmax", "z"]
NORMALIZE = ("minmax", "z")
WEIGHT_MODES = ("entropy", "equal")
DEFAULT_METRICS = ("active_rate", "engagement_per_member", "content_interaction_rate", "answered_share")


@dataclass(frozen=True)
class HealthIndex:
    """``scores``: one row per entity (``<entity>, score, rank, periods``); ``trend``: one row per
    entity and period (``<entity>, <period>, score, rank`` plus the normalized sub-metrics);
    ``weights``: ``metric, weight, direction, method`` (the weights actually used); ``flags``: notes
    on degenerate metrics (constant, all missing)."""

    scores: pd.DataFrame
    trend: pd.DataFrame
    weights: pd.DataFrame
    normalize: str
    flags: tuple[str, ...] = ()


def minmax(x: pd.Series) -> pd.Series:
    lo, hi = x.min(), x.max()
    if not np.isfinite(hi - lo) or hi == lo:
        return pd.Series(0.5, index=x.index)
    return (x - lo) / (hi - lo)


def zscore(x: pd.Series) -> pd.Series:
    sd = x.std(ddof=0)
    if not np.isfinite(sd) or sd == 0:
        return pd.Series(0.0, index=x.index)
    return (x - x.mean()) / sd


def entropy_weights(norm: pd.DataFrame) -> pd.Series:
    """Entropy weights of the columns of a non-negative matrix (rows: units); see the module docstring."""
    x = norm.to_numpy(dtype=float)
    n = x.shape[0]
    if n < 2:
        return pd.Series(1.0 / x.shape[1], index=norm.columns)
    col = x.sum(axis=0)
    p = np.divide(x, col, out=np.full_like(x, 1.0 / n), where=col > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log(p), 0.0)
    e = -plogp.sum(axis=0) / np.log(n)
    d = np.clip(1 - e, 0, None)
    d[d < 1e-12] = 0.0  # a constant column: 1 - e is rounding noise
    w = d / d.sum() if d.sum() > 0 else np.full_like(d, 1.0 / d.size)
    return pd.Series(w, index=norm.columns)


def health_index(kpis: pd.DataFrame, weights: str | Mapping[str, float] = "entropy",
                 normalize: Normalize = "minmax", metrics: tuple[str, ...] | None = None,
                 directions: Mapping[str, str] | None = None, entity: str = "community_id",
                 period: str | None = "period") -> HealthIndex:
    """Score, rank and trend of each ``entity`` from the ``metrics`` columns of ``kpis``.

    ``weights``: "entropy", "equal" or a mapping metric -> weight (rescaled to sum to 1; every metric
    needs one). ``normalize``: "minmax" or "z". ``directions``: metric -> "up" | "down" (default "up").
    ``period``: the period column (``None`` or absent: one row per entity). See the module docstring.
    """
    if normalize not in NORMALIZE:
        raise ValueError(f"`normalize` must be one of {NORMALIZE!r}; not {normalize!r}.")
    if isinstance(weights, str) and weights not in WEIGHT_MODES:
        raise ValueError(f"`weights` must be one of {WEIGHT_MODES!r} or a mapping metric -> weight; not {weights!r}.")
    metrics = tuple(metrics or [m for m in DEFAULT_METRICS if m in kpis.columns])
    missing = [c for c in (entity,) + metrics if c not in kpis.columns]
    if missing or not metrics:
        raise KeyError(f"`kpis` lacks {missing or 'any metric'}. Available: {list(kpis.columns)}.")
    directions = dict(directions or {})
    bad = {m: d for m, d in directions.items() if d not in ("up", "down")}
    if bad:
        raise ValueError(f"`directions` values must be 'up' or 'down'; got {bad}.")
    if not isinstance(weights, str):
        absent = [m for m in metrics if m not in weights]
        if absent or any(w < 0 for w in weights.values()) or sum(weights.get(m, 0) for m in metrics) <= 0:
            raise ValueError(f"`weights` mapping needs a non-negative weight for each of {list(metrics)} "
                             f"(missing {absent}) with a positive sum.")
    keys = [entity] + ([period] if period and period in kpis.columns else [])
    df = kpis[keys + list(metrics)].copy()
    flags = []
    raw = df[list(metrics)].astype(float)
    for m in metrics:
        if directions.get(m, "up") == "down":
            raw[m] = -raw[m]
        if raw[m].isna().all():
            flags.append(f"{m}: all values missing")
        elif raw[m].nunique() == 1:
            flags.append(f"{m}: constant across rows")
    mm = raw.apply(minmax).fillna(0.5)
    norm = mm if normalize == "minmax" else raw.apply(zscore).fillna(0.0)
    if isinstance(weights, str):
        w = entropy_weights(mm) if weights == "entropy" else pd.Series(1.0 / len(metrics), index=list(metrics))
        method = weights
    else:
        w = pd.Series({m: float(weights[m]) for m in metrics})
        w, method = w / w.sum(), "mapping"
    score = norm.to_numpy() @ w.to_numpy() * (100.0 if normalize == "minmax" else 1.0)
    trend = df[keys].copy()
    trend["score"] = score
    for m in metrics:
        trend[f"{m}_norm"] = norm[m].to_numpy()
    if len(keys) > 1:
        trend["rank"] = trend.groupby(period)["score"].rank(ascending=False, method="min").astype("int64")
    else:
        trend["rank"] = trend["score"].rank(ascending=False, method="min").astype("int64")
    scores = trend.groupby(entity).agg(score=("score", "mean"), periods=("score", "size")).reset_index()
    scores["rank"] = scores["score"].rank(ascending=False, method="min").astype("int64")
    scores = scores[[entity, "score", "rank", "periods"]].sort_values(["rank", entity]).reset_index(drop=True)
    wt = pd.DataFrame({"metric": list(metrics), "weight": w.to_numpy(),
                       "direction": [directions.get(m, "up") for m in metrics], "method": method})
    return HealthIndex(scores=scores, trend=trend.sort_values(keys).reset_index(drop=True), weights=wt,
                       normalize=normalize, flags=tuple(flags))
