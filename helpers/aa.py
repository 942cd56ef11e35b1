"""A/A validation: many random splits of pre-period data, where the true effect is zero.

Each split assigns exactly half of the units (or of the clusters, with ``cluster``) to a fake
treatment, seeded; the same test as the real analysis runs on every split (vectorized: the arm sums
of all splits come from one matrix product). A sound pipeline rejects in about ``alpha`` of the
splits and its intervals cover 0 in about 1 − ``alpha`` of them. With ``cluster`` the metric is the
ratio Σ metric / Σ units per arm over whole clusters (delta method), as for group-level treatments;
analysing clustered data member by member instead shows an inflated false-positive rate.

:func:`did_aa_check` validates a difference-in-differences over a panel the same way: half of the
clusters become a fake treatment and the second half of the pre-period a fake test period, and the
DiD of :mod:`helpers.did` (same weights, cluster-robust errors, t with G − 1 df) runs on each split.
When the clusters allow no more distinct half-splits than ``n_splits`` (10 chats: 126), every one of
them is run once (``exhaustive``), so the rate is the test's exact false-positive rate on this
pre-period rather than a sample of it.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from helpers import _engine
from helpers.did import _fit, _frame
from helpers.timeline import DEFAULT_TZ
from helpers._results import html_table


@dataclass(frozen=True)
class AAResult:
    """False-positive rate (with its Wilson interval) and interval coverage over ``n_splits`` splits."""

    metric: str
    method: str
    n_units: int
    n_splits: int
    alpha: float
    false_positive_rate: float
    fpr_ci_low: float
    fpr_ci_high: float
    coverage: float
    p_values: tuple = ()
    status: str = "OK"
    exhaustive: bool = False

    @property
    def summary(self) -> pd.DataFrame:
        row = {k: v for k, v in asdict(self).items() if k != "p_values"}
        return pd.DataFrame([row])

    def _repr_html_(self) -> str:
        return html_table(self)


def _masks(rng: np.random.Generator, k: int, n: int) -> np.ndarray:
    """``k`` splits of ``n`` units, each with exactly ``n // 2`` treated (boolean ``k × n``)."""
    base = np.zeros(n, dtype=bool)
    base[: n // 2] = True
    return rng.permuted(np.tile(base, (k, 1)), axis=1)


def _arm_sums(mask, cols):
    m = mask.astype(np.float64)
    treated = [m @ c for c in cols]
    return treated, [c.sum() - s for c, s in zip(cols, treated)]


def aa_check(table, metric: str, n_splits: int = 1000, kind: Literal["mean", "proportion", "ratio"] = "mean",
             denominator: str | None = None, cluster: str | None = None, alpha: float = 0.05,
             seed: int = 0, chunk: int = 100, tz: str = DEFAULT_TZ) -> AAResult:
    """Run ``n_splits`` seeded A/A splits of a per-unit table and report the false-positive rate.

    ``kind`` picks the test used by the real analysis: 'mean' (Welch t), 'proportion' (pooled z on a
    0/1 metric), 'ratio' (delta method on Σ``metric`` / Σ``denominator``). With ``cluster`` whole
    clusters are split and the test is the ratio Σ metric / Σ units (or Σ ``denominator``), referred to
    a t distribution with (clusters − 2) degrees of freedom.
    """
    from helpers.abtest import check_one_of

    check_one_of("kind", kind, ("mean", "proportion", "ratio"))
    if kind == "ratio" and denominator is None:
        raise ValueError("`denominator` is required when kind='ratio'.")
    if n_splits < 1:
        raise ValueError(f"`n_splits` must be at least 1; got {n_splits}.")
    cols = [metric] + [c for c in (denominator, cluster) if c]
    t = _engine.table(table, "table", tuple(cols), tz)
    df = _engine.to_pandas(t.select(*cols), tz)
    x = df[metric].astype(float).fillna(0).to_numpy()
    y = df[denominator].astype(float).fillna(0).to_numpy() if denominator else np.ones_like(x)
    if cluster:
        g = pd.DataFrame({"c": df[cluster], "x": x, "y": y}).groupby("c", sort=True)[["x", "y"]].sum()
        x, y, kind = g["x"].to_numpy(), g["y"].to_numpy(), "ratio"
    n = len(x)
    method = {"mean": "Welch t", "proportion": "pooled z", "ratio": "delta-method z"}[kind]
    if cluster:
        method += f" on clusters ({cluster})"
    if n < 4:
        nan = float("nan")
        return AAResult(metric, method, n, n_splits, alpha, nan, nan, nan, nan, (), "NO_UNITS")
    rng = np.random.default_rng(seed)
    pvals, covered = [], []
    for start in range(0, n_splits, chunk):
        k = min(chunk, n_splits - start)
        mask = _masks(rng, k, n)
        (nt, st, sst, dt, ddt, cxt), (nc, sc, ssc, dc, ddc, cxc) = _arm_sums(
            mask, [np.ones(n), x, x * x, y, y * y, x * y])
        if kind in ("mean", "proportion"):
            mt, mc = st / nt, sc / nc
            if kind == "mean":
                vt = (sst - nt * mt ** 2) / (nt - 1) / nt
                vc = (ssc - nc * mc ** 2) / (nc - 1) / nc
                dof = (vt + vc) ** 2 / (vt ** 2 / (nt - 1) + vc ** 2 / (nc - 1))
                with np.errstate(divide="ignore", invalid="ignore"):
                    stat = (mt - mc) / np.sqrt(vt + vc)
                p = 2 * stats.t.sf(np.abs(stat), dof)
                q = stats.t.ppf(1 - alpha / 2, dof)
            else:
                pool = (st + sc) / (nt + nc)
                with np.errstate(divide="ignore", invalid="ignore"):
                    stat = (mt - mc) / np.sqrt(pool * (1 - pool) * (1 / nt + 1 / nc))
                p = 2 * stats.norm.sf(np.abs(stat))
                vt, vc = mt * (1 - mt) / nt, mc * (1 - mc) / nc
                q = stats.norm.ppf(1 - alpha / 2)
        else:
            def dvar(nn, s, ss, d, dd, cx):
                mx, my = s / nn, d / nn
                vx, vy = (ss - nn * mx ** 2) / (nn - 1), (dd - nn * my ** 2) / (nn - 1)
                cxy = (cx - nn * mx * my) / (nn - 1)
                r = mx / my
                return r, (vx - 2 * r * cxy + r * r * vy) / (nn * my * my)
            mt, vt = dvar(nt, st, sst, dt, ddt, cxt)
            mc, vc = dvar(nc, sc, ssc, dc, ddc, cxc)
            with np.errstate(divide="ignore", invalid="ignore"):
                stat = (mt - mc) / np.sqrt(vt + vc)
            # few clusters: t with (clusters − 2) df instead of z, as the DiD's small-G correction
            ref = stats.t(n - 2) if cluster else stats.norm
            p = 2 * ref.sf(np.abs(stat))
            q = ref.ppf(1 - alpha / 2)
        half = q * np.sqrt(vt + vc)
        pvals.append(p)
        covered.append(np.abs(mt - mc) <= half)
    p = np.concatenate(pvals)
    ok = np.isfinite(p)
    if not ok.any():
        nan = float("nan")
        return AAResult(metric, method, n, n_splits, alpha, nan, nan, nan, nan, (), "ZERO_VARIANCE")
    rejections = int((p[ok] < alpha).sum())
    lo, hi = proportion_confint(rejections, int(ok.sum()), alpha=0.05, method="wilson")
    return AAResult(metric, method, n, n_splits, alpha, rejections / ok.sum(), float(lo), float(hi),
                    float(np.concatenate(covered)[ok].mean()), tuple(float(v) for v in p),
                    "OK" if ok.all() else "SOME_SPLITS_ZERO_VARIANCE")


def _half_splits(rng: np.random.Generator, n: int, n_splits: int) -> tuple[np.ndarray, bool]:
    """Boolean ``k × n`` half-splits (``n // 2`` treated): every distinct one when there are at most
    ``n_splits`` (for even ``n`` a split and its mirror give the same test, so unit 0 stays treated),
    else ``n_splits`` seeded random ones. Also returns whether the list is exhaustive."""
    half = n // 2
    distinct = math.comb(n, half) // (2 if n % 2 == 0 else 1)
    if distinct > n_splits:
        return _masks(rng, n_splits, n), False
    if n % 2 == 0:
        combos = ((0, *c) for c in itertools.combinations(range(1, n), half - 1))
    else:
        combos = itertools.combinations(range(n), half)
    out = np.zeros((distinct, n), dtype=bool)
    for row, c in enumerate(combos):
        out[row, list(c)] = True
    return out, True


def did_aa_check(table, outcome: str, cluster: str, time: str, weights: str | None = None, split=None,
                 n_splits: int = 1000, alpha: float = 0.05, seed: int = 0, tz: str = DEFAULT_TZ) -> AAResult:
    """A/A check of the cluster-robust DiD on pre-period panel rows (e.g. chat × day).

    Each split makes half of the ``cluster`` values (``G // 2``) a fake treatment and the rows with
    ``time >= split`` a fake test period (default: the median of the distinct ``time`` values, as
    :func:`helpers.did.did_pretrend`), then runs :func:`helpers.did.did` with ``weights`` and
    ``cluster``. Every distinct half-split is run when there are at most ``n_splits`` of them
    (``exhaustive=True``); otherwise ``n_splits`` seeded random ones. Fewer than four clusters give
    ``status='NO_UNITS'``. ``n_units`` counts clusters."""
    if n_splits < 1:
        raise ValueError(f"`n_splits` must be at least 1; got {n_splits}.")
    cols = [outcome, cluster, time] + ([weights] if weights else [])
    df = _frame(table, cols, tz).dropna(subset=[outcome]).reset_index(drop=True)
    times = np.sort(df[time].unique())
    if split is None and len(times):
        split = times[len(times) // 2]
    df["_post"] = (df[time] >= split).astype(int) if split is not None else 0
    codes, clusters = pd.factorize(df[cluster], sort=True)
    n = len(clusters)
    method = f"DiD OLS on a placebo period, cluster-robust ({cluster}; t with G-1 df)"
    if n < 4 or df["_post"].nunique() < 2:
        nan = float("nan")
        return AAResult(outcome, method, n, 0, alpha, nan, nan, nan, nan, (), "NO_UNITS")
    masks, exhaustive = _half_splits(np.random.default_rng(seed), n, n_splits)
    pvals, covered = np.full(len(masks), np.nan), np.zeros(len(masks), dtype=bool)
    for i, mask in enumerate(masks):
        df["_treated"] = mask[codes].astype(int)
        r = _fit(df, outcome, "_treated", "_post", cluster, weights, alpha, method)
        if r.status == "OK":
            pvals[i], covered[i] = r.p_value, r.ci_low <= 0 <= r.ci_high
    ok = np.isfinite(pvals)
    if not ok.any():
        nan = float("nan")
        return AAResult(outcome, method, n, len(masks), alpha, nan, nan, nan, nan, (), "ZERO_VARIANCE", exhaustive)
    rejections = int((pvals[ok] < alpha).sum())
    lo, hi = proportion_confint(rejections, int(ok.sum()), alpha=0.05, method="wilson")
    return AAResult(outcome, method, n, len(masks), alpha, rejections / ok.sum(), float(lo), float(hi),
                    float(covered[ok].mean()), tuple(float(v) for v in pvals),
                    "OK" if ok.all() else "SOME_SPLITS_ZERO_VARIANCE", exhaustive)
