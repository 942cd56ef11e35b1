"""A/A validation: many random splits of pre-period data, where the true effect is zero.

Each split assigns exactly half of the units (or of the clusters, with ``cluster``) to a fake
treatment, seeded; the same test as the real analysis runs on every split (vectorized: the arm sums
of all splits come from one matrix product). A sound pipeline rejects in about ``alpha`` of the
splits and its intervals cover 0 in about 1 − ``alpha`` of them. With ``cluster`` the metric is the
ratio Σ metric / Σ units per arm over whole clusters (delta method), as for group-level treatments;
analysing clustered data member by member instead shows an inflated false-positive rate.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from helpers import _engine
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
