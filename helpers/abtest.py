"""Experiment analysis from sufficient statistics: the engine aggregates, inference runs on small numbers.

The engine (Ibis: DuckDB, Spark, ...) reduces a per-unit outcome table to a few numbers per arm
(:func:`sufficient_stats`): ``n``, ``sum``, ``sum_squares`` and, for ratio metrics, the denominator's
sum and sum of squares and the cross-product. The tests below run on those numbers, so unit tests need
no database and the same code serves any backend.

Definitions
-----------
- **absolute difference**: treatment mean − control mean; **relative**: treatment / control − 1, its
  interval by the delta method (Var ≈ Var(t)/c² + t²·Var(c)/c⁴).
- :func:`proportion_test`: two-proportion z-test with the *pooled* proportion in the test statistic
  (as ``statsmodels.stats.proportion.proportions_ztest``); the interval of the difference is the
  unpooled Wald interval.
- :func:`welch_test`: Welch's unequal-variance t-test with Welch–Satterthwaite degrees of freedom (as
  ``scipy.stats.ttest_ind_from_stats(equal_var=False)``); interval from the same t quantile.
- :func:`ratio_test`: ratio of sums (e.g. opens / sends per member) with the delta-method variance
  Var(R) ≈ (s²ₓ − 2R·sₓᵧ + R²·s²ᵧ) / (n·ȳ²), then a z-test of the difference.
- :func:`srm_check`: Pearson chi-square of the arm counts against the planned split, flagged at
  ``p < threshold`` (0.001 by default).
- :func:`adjust_pvalues`: Holm (family-wise) or Benjamini–Hochberg (false discovery rate), named
  explicitly.

Degenerate data (an arm with no units, zero variance) returns a result whose ``status`` says so
instead of raising; caller mistakes (unknown modes, missing columns) raise.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Literal, Mapping, Sequence

import numpy as np
import pandas as pd
from ibis import _
from scipy import stats
from statsmodels.stats.multitest import multipletests

from helpers import _engine
from helpers._results import Estimate, html_table
from helpers.timeline import DEFAULT_TZ

Kind = Literal["proportion", "mean", "ratio"]
KINDS = ("proportion", "mean", "ratio")
ADJUST_METHODS = {"holm": "holm", "bh": "fdr_bh"}
STATUSES = ("OK", "NO_UNITS", "ZERO_VARIANCE", "ZERO_DENOMINATOR")


def check_one_of(name: str, value, allowed) -> None:
    """Raise ``ValueError`` naming the allowed values when ``value`` is not one of them."""
    if value not in allowed:
        raise ValueError(f"`{name}` must be one of {tuple(allowed)!r}; not {value!r}.")


# ---------------------------------------------------------------- sufficient statistics
@dataclass(frozen=True)
class ProportionStats:
    """One arm of a binary metric: ``n`` units, ``successes`` of them with the outcome."""

    n: int
    successes: int

    @property
    def mean(self) -> float:
        return self.successes / self.n if self.n else float("nan")

    @property
    def variance(self) -> float:
        """Bernoulli variance p(1 − p) of one unit."""
        p = self.mean
        return p * (1 - p)


@dataclass(frozen=True)
class MeanStats:
    """One arm of a continuous metric: ``n``, ``sum`` and ``sum_squares`` of the unit values."""

    n: int
    sum: float
    sum_squares: float

    @property
    def mean(self) -> float:
        return self.sum / self.n if self.n else float("nan")

    @property
    def variance(self) -> float:
        """Sample variance (denominator n − 1)."""
        if self.n < 2:
            return float("nan")
        return max((self.sum_squares - self.sum ** 2 / self.n) / (self.n - 1), 0.0)


@dataclass(frozen=True)
class RatioStats:
    """One arm of a ratio metric Σx / Σy over ``n`` units: sums, sums of squares and Σxy."""

    n: int
    sum: float
    sum_squares: float
    den_sum: float
    den_sum_squares: float
    cross_sum: float

    @property
    def mean(self) -> float:
        return self.sum / self.den_sum if self.den_sum else float("nan")

    @property
    def variance_of_mean(self) -> float:
        """Delta-method variance of the ratio of sums."""
        n = self.n
        if n < 2 or not self.den_sum:
            return float("nan")
        mx, my = self.sum / n, self.den_sum / n
        vx = (self.sum_squares - n * mx * mx) / (n - 1)
        vy = (self.den_sum_squares - n * my * my) / (n - 1)
        cxy = (self.cross_sum - n * mx * my) / (n - 1)
        r = mx / my
        return max((vx - 2 * r * cxy + r * r * vy) / (n * my * my), 0.0)


def sufficient_stats(table, metric: str, by: str = "variant", kind: Kind = "mean",
                     denominator: str | None = None, tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """Per-arm sufficient statistics of a per-unit table, aggregated in the engine.

    Takes one row per unit with ``by`` (the arm) and ``metric`` (and ``denominator`` for
    ``kind="ratio"``). Returns one row per arm: ``<by>, n, sum, sum_squares`` and for ratios also
    ``den_sum, den_sum_squares, cross_sum``. Nulls in the metric count as 0 (a unit without events).
    """
    check_one_of("kind", kind, KINDS)
    if kind == "ratio" and denominator is None:
        raise ValueError("`denominator` is required when kind='ratio'.")
    cols = (by, metric) + ((denominator,) if kind == "ratio" else ())
    t = _engine.table(table, "table", cols, tz)
    x = t[metric].cast("float64").fill_null(0)
    aggs = dict(n=t[by].count(), sum=x.sum(), sum_squares=(x * x).sum())
    if kind == "ratio":
        y = t[denominator].cast("float64").fill_null(0)
        aggs.update(den_sum=y.sum(), den_sum_squares=(y * y).sum(), cross_sum=(x * y).sum())
    out = _engine.to_pandas(t.group_by(by).aggregate(**aggs).order_by(by), tz)
    return out.fillna({c: 0 for c in aggs}).reset_index(drop=True)


def stats_for(row: Mapping, kind: Kind = "mean"):
    """The :class:`ProportionStats`, :class:`MeanStats` or :class:`RatioStats` of one arm's row."""
    check_one_of("kind", kind, KINDS)
    if kind == "proportion":
        return ProportionStats(int(row["n"]), int(round(row["sum"])))
    if kind == "mean":
        return MeanStats(int(row["n"]), float(row["sum"]), float(row["sum_squares"]))
    return RatioStats(int(row["n"]), float(row["sum"]), float(row["sum_squares"]), float(row["den_sum"]),
                      float(row["den_sum_squares"]), float(row["cross_sum"]))


# ---------------------------------------------------------------- results
@dataclass(frozen=True)
class EffectEstimate(Estimate):
    """Treatment vs control on one metric. ``status`` is 'OK' or why the estimate is missing."""

    metric: str
    method: str
    control_mean: float
    treatment_mean: float
    n_control: int
    n_treatment: int
    abs_diff: float
    abs_ci_low: float
    abs_ci_high: float
    rel_diff: float
    rel_ci_low: float
    rel_ci_high: float
    statistic: float
    p_value: float
    alpha: float = 0.05
    status: str = "OK"


    def _repr_html_(self) -> str:
        return html_table(self)


def _nan_estimate(metric, method, c_mean, t_mean, n_c, n_t, alpha, status) -> EffectEstimate:
    nan = float("nan")
    return EffectEstimate(metric, method, c_mean, t_mean, int(n_c), int(n_t), nan, nan, nan, nan, nan,
                          nan, nan, nan, alpha, status)


def _estimate(metric, method, mc, mt, vc, vt, n_c, n_t, stat, p, q, alpha) -> EffectEstimate:
    """Assemble an estimate from arm means ``mc, mt`` and the variances of those means ``vc, vt``;
    ``q`` is the two-sided critical value used for both intervals."""
    diff = mt - mc
    se = math.sqrt(vc + vt)
    rel = mt / mc - 1 if mc else float("nan")
    rel_se = math.sqrt(vt / mc ** 2 + mt ** 2 * vc / mc ** 4) if mc else float("nan")
    return EffectEstimate(metric, method, mc, mt, int(n_c), int(n_t), diff, diff - q * se, diff + q * se,
                          rel, rel - q * rel_se, rel + q * rel_se, float(stat), float(p), alpha, "OK")


def _check_alpha(alpha: float) -> None:
    if not 0 < alpha < 1:
        raise ValueError(f"`alpha` must be between 0 and 1; got {alpha!r}.")


def proportion_test(control: ProportionStats, treatment: ProportionStats, alpha: float = 0.05,
                    metric: str = "proportion") -> EffectEstimate:
    """Pooled two-proportion z-test; Wald interval (unpooled) for the difference."""
    _check_alpha(alpha)
    if control.n == 0 or treatment.n == 0:
        return _nan_estimate(metric, "pooled z", control.mean, treatment.mean, control.n, treatment.n,
                             alpha, "NO_UNITS")
    pooled = (control.successes + treatment.successes) / (control.n + treatment.n)
    se0 = math.sqrt(pooled * (1 - pooled) * (1 / control.n + 1 / treatment.n))
    if se0 == 0:
        return _nan_estimate(metric, "pooled z", control.mean, treatment.mean, control.n, treatment.n,
                             alpha, "ZERO_VARIANCE")
    z = (treatment.mean - control.mean) / se0
    p = 2 * stats.norm.sf(abs(z))
    return _estimate(metric, "pooled z", control.mean, treatment.mean, control.variance / control.n,
                     treatment.variance / treatment.n, control.n, treatment.n, z, p,
                     stats.norm.ppf(1 - alpha / 2), alpha)


def welch_test(control: MeanStats, treatment: MeanStats, alpha: float = 0.05,
               metric: str = "mean") -> EffectEstimate:
    """Welch's t-test on two arms' sufficient statistics (Welch–Satterthwaite df)."""
    _check_alpha(alpha)
    if control.n < 2 or treatment.n < 2:
        return _nan_estimate(metric, "Welch t", control.mean, treatment.mean, control.n, treatment.n,
                             alpha, "NO_UNITS")
    vc, vt = control.variance / control.n, treatment.variance / treatment.n
    if vc + vt == 0:
        return _nan_estimate(metric, "Welch t", control.mean, treatment.mean, control.n, treatment.n,
                             alpha, "ZERO_VARIANCE")
    df = (vc + vt) ** 2 / (vc ** 2 / (control.n - 1) + vt ** 2 / (treatment.n - 1))
    t = (treatment.mean - control.mean) / math.sqrt(vc + vt)
    p = 2 * stats.t.sf(abs(t), df)
    return _estimate(metric, "Welch t", control.mean, treatment.mean, vc, vt, control.n, treatment.n,
                     t, p, stats.t.ppf(1 - alpha / 2, df), alpha)


def ratio_test(control: RatioStats, treatment: RatioStats, alpha: float = 0.05,
               metric: str = "ratio") -> EffectEstimate:
    """z-test of the difference of two ratio metrics with delta-method variances."""
    _check_alpha(alpha)
    if control.n < 2 or treatment.n < 2:
        return _nan_estimate(metric, "delta-method z", control.mean, treatment.mean, control.n,
                             treatment.n, alpha, "NO_UNITS")
    if not control.den_sum or not treatment.den_sum:
        return _nan_estimate(metric, "delta-method z", control.mean, treatment.mean, control.n,
                             treatment.n, alpha, "ZERO_DENOMINATOR")
    vc, vt = control.variance_of_mean, treatment.variance_of_mean
    if vc + vt == 0:
        return _nan_estimate(metric, "delta-method z", control.mean, treatment.mean, control.n,
                             treatment.n, alpha, "ZERO_VARIANCE")
    z = (treatment.mean - control.mean) / math.sqrt(vc + vt)
    return _estimate(metric, "delta-method z", control.mean, treatment.mean, vc, vt, control.n,
                     treatment.n, z, 2 * stats.norm.sf(abs(z)), stats.norm.ppf(1 - alpha / 2), alpha)


def compare(table, metric: str, kind: Kind = "mean", by: str = "variant", denominator: str | None = None,
            control: str = "control", treatment: str = "treatment", alpha: float = 0.05,
            tz: str = DEFAULT_TZ) -> EffectEstimate:
    """Aggregate ``table`` per arm in the engine and run the test for ``kind`` (proportion: pooled z;
    mean: Welch; ratio: delta method). An arm missing from the data gives ``status='NO_UNITS'``."""
    check_one_of("kind", kind, KINDS)
    suff = sufficient_stats(table, metric, by, kind, denominator, tz).set_index(by)
    empty = {"n": 0, "sum": 0.0, "sum_squares": 0.0, "den_sum": 0.0, "den_sum_squares": 0.0, "cross_sum": 0.0}
    arms = [stats_for(suff.loc[a] if a in suff.index else empty, kind) for a in (control, treatment)]
    test = {"proportion": proportion_test, "mean": welch_test, "ratio": ratio_test}[kind]
    return test(*arms, alpha=alpha, metric=metric)


def ratio_summary(table, metric: str, denominator: str, by: str = "variant", alpha: float = 0.05,
                  tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """Σ``metric`` / Σ``denominator`` per value of ``by`` with its delta-method interval (units = rows,
    e.g. members): ``<by>, n, numerator, denominator, rate, ci_low, ci_high``."""
    _check_alpha(alpha)
    suff = sufficient_stats(table, metric, by, "ratio", denominator, tz)
    q = stats.norm.ppf(1 - alpha / 2)
    rows = []
    for _, r in suff.iterrows():
        s = stats_for(r, "ratio")
        se = math.sqrt(s.variance_of_mean) if s.n >= 2 and s.den_sum else float("nan")
        rows.append({by: r[by], "n": s.n, "numerator": s.sum, "denominator": s.den_sum, "rate": s.mean,
                     "ci_low": s.mean - q * se, "ci_high": s.mean + q * se})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- multiple testing
def adjust_pvalues(pvalues, method: Literal["holm", "bh"] = "holm", alpha: float = 0.05) -> pd.DataFrame:
    """Adjust a family of p-values: ``method='holm'`` (Holm step-down, family-wise error) or ``'bh'``
    (Benjamini–Hochberg, false discovery rate). Takes a mapping metric -> p, a Series or a list;
    returns ``metric, p_value, p_adjusted, reject, method`` in the input order."""
    check_one_of("method", method, tuple(ADJUST_METHODS))
    s = pd.Series(pvalues, dtype="float64")
    if s.isna().any() or ((s < 0) | (s > 1)).any():
        raise ValueError("`pvalues` must all be between 0 and 1 (drop missing estimates first).")
    if s.empty:
        return pd.DataFrame(columns=["metric", "p_value", "p_adjusted", "reject", "method"])
    reject, adj, _, _ = multipletests(s.to_numpy(), alpha=alpha, method=ADJUST_METHODS[method])
    return pd.DataFrame({"metric": s.index.astype(str), "p_value": s.to_numpy(), "p_adjusted": adj,
                         "reject": reject, "method": "Holm" if method == "holm" else "Benjamini-Hochberg"})


# ---------------------------------------------------------------- medians
def bootstrap_median(table, metric: str, by: str = "variant", control: str = "control",
                     treatment: str = "treatment", n_resamples: int = 2000, alpha: float = 0.05,
                     seed: int = 0, tz: str = DEFAULT_TZ) -> EffectEstimate:
    """Difference of medians (treatment − control) with a percentile bootstrap interval
    (``scipy.stats.bootstrap``, arms resampled independently). Member-scale data (e.g. resolution
    hours per ticket); nulls are dropped. ``p_value`` is not computed (NaN)."""
    _check_alpha(alpha)
    t = _engine.table(table, "table", (by, metric), tz)
    df = _engine.to_pandas(t.select(by, metric), tz).dropna()
    xc = df.loc[df[by] == control, metric].to_numpy(float)
    xt = df.loc[df[by] == treatment, metric].to_numpy(float)
    mc = float(np.median(xc)) if len(xc) else float("nan")
    mt = float(np.median(xt)) if len(xt) else float("nan")
    if len(xc) < 2 or len(xt) < 2:
        return _nan_estimate(metric, "bootstrap median", mc, mt, len(xc), len(xt), alpha, "NO_UNITS")
    res = stats.bootstrap((xt, xc), lambda a, b, axis=-1: np.median(a, axis=axis) - np.median(b, axis=axis),
                          n_resamples=n_resamples, confidence_level=1 - alpha, method="percentile",
                          vectorized=True, rng=np.random.default_rng(seed))
    lo, hi = res.confidence_interval
    rel = mt / mc - 1 if mc else float("nan")
    nan = float("nan")
    return EffectEstimate(metric, "bootstrap median", mc, mt, len(xc), len(xt), mt - mc, float(lo), float(hi),
                          rel, (mc + lo) / mc - 1 if mc else nan, (mc + hi) / mc - 1 if mc else nan,
                          nan, nan, alpha, "OK")


def estimates_table(estimates: Sequence) -> pd.DataFrame:
    """Stack the ``.summary`` rows of several results into one tidy table."""
    return pd.concat([e.summary for e in estimates], ignore_index=True) if estimates else pd.DataFrame(
        columns=[f.name for f in fields(EffectEstimate)])


# re-exports: the public names live in helpers.abtest
from helpers.cuped import CupedResult, cuped  # noqa: E402
from helpers.did import DidResult, did, did_pretrend, effect_by_period, period_contrast  # noqa: E402
from helpers.aa import AAResult, aa_check, did_aa_check  # noqa: E402
from helpers.srm import SRMResult, srm_check  # noqa: E402
from helpers.abtest_plots import plot_aa, plot_balance, plot_effects, plot_rates  # noqa: E402

__all__ = [
    "AAResult",
    "CupedResult",
    "DidResult",
    "EffectEstimate",
    "MeanStats",
    "ProportionStats",
    "RatioStats",
    "SRMResult",
    "aa_check",
    "did_aa_check",
    "adjust_pvalues",
    "bootstrap_median",
    "compare",
    "cuped",
    "did",
    "did_pretrend",
    "effect_by_period",
    "period_contrast",
    "estimates_table",
    "proportion_test",
    "plot_aa",
    "plot_balance",
    "plot_effects",
    "plot_rates",
    "ratio_summary",
    "ratio_test",
    "srm_check",
    "stats_for",
    "sufficient_stats",
    "welch_test",
]
