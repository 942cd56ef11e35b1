"""Difference-in-differences over pre/test × treatment/control with cluster-robust standard errors.

The model is the two-by-two regression ``y = a + b·treated + c·post + δ·treated·post + e`` fitted by
OLS (``statsmodels``; WLS when ``weights`` is given, e.g. members per community-day). δ is the DiD
estimate. With ``cluster`` the covariance is cluster-robust (CR1, statsmodels ``cov_type='cluster'``)
and inference uses a t distribution with G − 1 degrees of freedom (G clusters), which keeps the
coverage honest with a dozen group chats. Without ``cluster`` it is heteroskedasticity-robust (HC1).

The pre-trend (placebo) check :func:`did_pretrend` runs the same regression on pre-period rows only,
with a fake ``post`` that starts halfway through: a real effect there means the arms were already
drifting apart before the treatment.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm

from helpers import _engine
from helpers._results import Estimate, html_table
from helpers.timeline import DEFAULT_TZ


@dataclass(frozen=True)
class DidResult(Estimate):
    """δ (``estimate``) with its cluster-robust interval; group means of the 2×2 for the chart."""

    outcome: str
    method: str
    estimate: float
    std_error: float
    ci_low: float
    ci_high: float
    p_value: float
    n_obs: int
    n_clusters: int
    control_pre: float
    control_post: float
    treatment_pre: float
    treatment_post: float
    alpha: float = 0.05
    status: str = "OK"


    def _repr_html_(self) -> str:
        return html_table(self)


def _frame(table, cols, tz) -> pd.DataFrame:
    if isinstance(table, pd.DataFrame):
        missing = [c for c in cols if c not in table.columns]
        if missing:
            raise KeyError(f"`table` lacks column(s) {missing}. Available: {list(table.columns)}.")
        return table[list(cols)].copy()
    t = _engine.table(table, "table", tuple(cols), tz)
    return _engine.to_pandas(t.select(*cols), tz)


def _fit(df, outcome, treated, post, cluster, weights, alpha, method) -> DidResult:
    y = df[outcome].astype(float).to_numpy()
    tr = df[treated].astype(float).to_numpy()
    po = df[post].astype(float).to_numpy()
    means = {}
    for a, b, key in ((0, 0, "control_pre"), (0, 1, "control_post"), (1, 0, "treatment_pre"), (1, 1, "treatment_post")):
        m = (tr == a) & (po == b)
        w = df[weights].to_numpy(float)[m] if weights else None
        means[key] = float(np.average(y[m], weights=w)) if m.any() and (w is None or w.sum() > 0) else float("nan")
    n_clusters = int(df[cluster].nunique()) if cluster else 0
    nan = float("nan")
    if any(np.isnan(v) for v in means.values()):
        return DidResult(outcome, method, nan, nan, nan, nan, nan, len(df), n_clusters, **means, alpha=alpha,
                         status="NO_UNITS")
    if cluster and n_clusters < 3:
        return DidResult(outcome, method, nan, nan, nan, nan, nan, len(df), n_clusters, **means, alpha=alpha,
                         status="TOO_FEW_CLUSTERS")
    X = np.column_stack([np.ones_like(y), tr, po, tr * po])
    model = sm.WLS(y, X, weights=df[weights].to_numpy(float)) if weights else sm.OLS(y, X)
    if cluster:
        groups = pd.factorize(df[cluster])[0]
        fit = model.fit(cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)
    else:
        fit = model.fit(cov_type="HC1")
    est, se = float(fit.params[3]), float(fit.bse[3])
    if not np.isfinite(se) or se == 0:
        return DidResult(outcome, method, est, se, nan, nan, nan, len(df), n_clusters, **means, alpha=alpha,
                         status="ZERO_VARIANCE")
    lo, hi = fit.conf_int(alpha=alpha)[3]
    return DidResult(outcome, method, est, se, float(lo), float(hi), float(fit.pvalues[3]), len(df),
                     n_clusters, **means, alpha=alpha)


def did(table, outcome: str, treated: str, post: str, cluster: str | None = None,
        weights: str | None = None, alpha: float = 0.05, tz: str = DEFAULT_TZ) -> DidResult:
    """Difference-in-differences estimate of ``treated × post`` on ``outcome``.

    Takes one row per observation (e.g. community × day): ``outcome`` (number), ``treated`` and
    ``post`` (0/1 or booleans), optional ``cluster`` (the randomized unit, e.g. ``community_id``) and
    ``weights``. Returns :class:`DidResult`; an empty cell of the 2×2 gives ``status='NO_UNITS'``, fewer
    than three clusters ``'TOO_FEW_CLUSTERS'``.
    """
    cols = [outcome, treated, post] + [c for c in (cluster, weights) if c]
    df = _frame(table, cols, tz).dropna(subset=[outcome])
    method = "DiD OLS, " + ("cluster-robust (CR1, t with G-1 df)" if cluster else "HC1")
    return _fit(df, outcome, treated, post, cluster, weights, alpha, method)


def did_pretrend(table, outcome: str, treated: str, time: str, cluster: str | None = None,
                 weights: str | None = None, split=None, alpha: float = 0.05,
                 tz: str = DEFAULT_TZ) -> DidResult:
    """Placebo DiD on pre-period rows: fake ``post`` = ``time >= split`` (default: the median of the
    distinct ``time`` values). An interval covering 0 means no detectable pre-trend."""
    cols = [outcome, treated, time] + [c for c in (cluster, weights) if c]
    df = _frame(table, cols, tz).dropna(subset=[outcome])
    times = np.sort(df[time].unique())
    if split is None:
        split = times[len(times) // 2] if len(times) else None
    df["_placebo_post"] = (df[time] >= split).astype(int) if split is not None else 0
    return _fit(df, outcome, treated, "_placebo_post", cluster, weights, alpha,
                "placebo DiD on the pre-period" + (", cluster-robust" if cluster else ", HC1"))


def effect_by_period(table, outcome: str, treated: str, period: str, baseline, cluster: str | None = None,
                     weights: str | None = None, alpha: float = 0.05, tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """DiD of each value of ``period`` (e.g. test week 1..4) against the ``baseline`` rows (e.g. the
    pre-period), for a novelty check. Returns ``period, estimate, ci_low, ci_high, p_value, n_obs,
    status``, one row per non-baseline period in sorted order."""
    cols = [outcome, treated, period] + [c for c in (cluster, weights) if c]
    df = _frame(table, cols, tz).dropna(subset=[outcome])
    if not (df[period] == baseline).any():
        raise ValueError(f"`baseline` {baseline!r} is not a value of `{period}`; "
                         f"available: {sorted(df[period].unique().tolist())}.")
    rows = []
    for p in sorted(v for v in df[period].unique() if v != baseline):
        r = _two_periods(df, outcome, treated, period, baseline, p, cluster, weights, alpha, "DiD by period")
        rows.append(dict(period=p, estimate=r.estimate, ci_low=r.ci_low, ci_high=r.ci_high,
                         p_value=r.p_value, n_obs=r.n_obs, status=r.status))
    return pd.DataFrame(rows)


def period_contrast(table, outcome: str, treated: str, period: str, first, last, cluster: str | None = None,
                    weights: str | None = None, alpha: float = 0.05, tz: str = DEFAULT_TZ) -> DidResult:
    """How much the effect changed from period ``first`` to period ``last`` (e.g. test week 1 to the
    last week): the DiD of ``last`` against ``first``, which equals :func:`effect_by_period`'s estimate
    of ``last`` minus that of ``first`` (same baseline), with its own interval. Below 0 the lift faded
    (novelty); an interval covering 0 bounds how large a fade the data could have missed."""
    cols = [outcome, treated, period] + [c for c in (cluster, weights) if c]
    df = _frame(table, cols, tz).dropna(subset=[outcome])
    missing = [v for v in (first, last) if not (df[period] == v).any()]
    if missing:
        raise ValueError(f"{missing!r} not among the values of `{period}`: {sorted(df[period].unique().tolist())}.")
    return _two_periods(df, outcome, treated, period, first, last, cluster, weights, alpha,
                        "change of the DiD effect between periods" + (", cluster-robust" if cluster else ", HC1"))


def _two_periods(df, outcome, treated, period, before, after, cluster, weights, alpha, method) -> DidResult:
    """The DiD of period ``after`` against period ``before`` on the rows of those two periods."""
    sub = df[df[period].isin([before, after])].copy()
    sub["_after"] = (sub[period] == after).astype(int)
    return _fit(sub, outcome, treated, "_after", cluster, weights, alpha, method)

