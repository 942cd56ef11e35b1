"""Experiment design: what was assigned, and what the samples can detect.

Formulas (each named, since the common ones differ: for 12% → 15% at α 0.05 two-sided and power 0.8
they give 1,899, 2,031 or 2,036 per arm):

- **proportions** (:func:`sample_size_proportions`, :func:`sample_size_proportion`,
  :func:`mde_proportion`): Cohen's effect size h = 2·asin(√p1) − 2·asin(√p0) with the normal
  approximation (statsmodels ``NormalIndPower``): n = ((z₁₋α/₂ + z₁₋β) / h)² → **2,031** per arm for
  12% → 15%. (The pooled-variance formula gives 2,036; Fleiss without continuity correction 1,899.)
- **means** (:func:`sample_size_means`): Cohen's d = difference / standard deviation with the
  two-sample t distribution (statsmodels ``TTestIndPower``).
- **cluster randomization** (:func:`cluster_design`): design effect DE = 1 + (m − 1)·ICC for mean
  cluster size m; members needed = DE × the individual-randomization n; clusters = ⌈members / m⌉ per
  arm. The ICC comes from the pre-period (:func:`icc_anova`, one-way ANOVA estimator).
- **rates over clustered units** (:func:`ratio_design_effect`): a rate of sends or page views whose
  members are randomized is analysed by the delta method on members; its design effect (delta-method
  over binomial variance) turns units into effective units before the proportion formulas apply.
- :func:`power_curve` tabulates power against units (or clusters) per arm for a few effects.

Assignment, balance and pre-registration are in :mod:`helpers.assignment` (re-exported here).
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Sequence

import numpy as np
import pandas as pd
from ibis import _
from statsmodels.stats.power import NormalIndPower, TTestIndPower

from helpers import _engine
from helpers._results import html_table
from helpers.timeline import DEFAULT_TZ


def _check_prob(name: str, p: float) -> None:
    if not 0 < p < 1:
        raise ValueError(f"`{name}` must be a proportion strictly between 0 and 1; got {p!r}.")


def _check_alpha_power(alpha: float, power: float) -> None:
    if not 0 < alpha < 1 or not 0 < power < 1:
        raise ValueError(f"`alpha` and `power` must lie strictly between 0 and 1; got {alpha!r}, {power!r}.")


def cohens_h(p0: float, p1: float) -> float:
    """Cohen's h = 2·asin(√p1) − 2·asin(√p0) (statsmodels ``proportion_effectsize(p1, p0)``)."""
    return 2 * math.asin(math.sqrt(p1)) - 2 * math.asin(math.sqrt(p0))


def sample_size_proportion(p0: float, p1: float, alpha: float = 0.05, power: float = 0.8,
                           ratio: float = 1.0) -> int:
    """Units per arm (control; treatment is ``ratio`` times it) to detect ``p0`` → ``p1`` (Cohen's h)."""
    _check_prob("p0", p0), _check_prob("p1", p1)
    _check_alpha_power(alpha, power)
    if p0 == p1:
        raise ValueError("`p0` and `p1` are equal: no effect to detect.")
    n = NormalIndPower().solve_power(effect_size=abs(cohens_h(p0, p1)), alpha=alpha, power=power,
                                     ratio=ratio, alternative="two-sided")
    return int(math.ceil(n))


def sample_size_proportions(baseline: float, mde: float, alpha: float = 0.05, power: float = 0.8,
                            ratio: float = 1.0, relative: bool = False) -> int:
    """Units per arm to detect a change of ``mde`` from ``baseline`` (absolute, e.g. 0.03 for
    12% → 15%; relative to the baseline if ``relative``), two-sided, by Cohen's h (see module doc)."""
    _check_prob("baseline", baseline)
    target = baseline * (1 + mde) if relative else baseline + mde
    return sample_size_proportion(baseline, target, alpha, power, ratio)


def sample_size_means(effect_size: float, alpha: float = 0.05, power: float = 0.8, ratio: float = 1.0) -> int:
    """Units per arm to detect a standardized difference ``effect_size`` (Cohen's d = Δ / σ),
    two-sample t-test, two-sided (statsmodels ``TTestIndPower``)."""
    _check_alpha_power(alpha, power)
    if not effect_size or not math.isfinite(effect_size):
        raise ValueError(f"`effect_size` must be a non-zero finite number; got {effect_size!r}.")
    n = TTestIndPower().solve_power(effect_size=abs(effect_size), alpha=alpha, power=power, ratio=ratio,
                                    alternative="two-sided")
    return int(math.ceil(n))


def mde_proportion(p0: float, n_per_arm: int, alpha: float = 0.05, power: float = 0.8) -> float:
    """The smallest upward change from ``p0`` detectable with ``n_per_arm`` units per arm (absolute)."""
    _check_prob("p0", p0)
    if n_per_arm < 2:
        return float("nan")
    h = NormalIndPower().solve_power(nobs1=n_per_arm, alpha=alpha, power=power, ratio=1.0,
                                     alternative="two-sided")
    p1 = math.sin(min(math.pi / 2, math.asin(math.sqrt(p0)) + h / 2)) ** 2
    return p1 - p0


def design_effect(mean_cluster_size: float, icc: float) -> float:
    """Variance inflation of cluster randomization: 1 + (m − 1)·ICC."""
    if not 0 <= icc <= 1:
        raise ValueError(f"`icc` must be between 0 and 1; got {icc!r}.")
    return 1 + (mean_cluster_size - 1) * icc


def ratio_design_effect(numerators, denominators) -> float:
    """Variance inflation of a rate whose units (sends, page views) come in clusters (members), the
    unit of randomization: the delta-method variance of ``sum(numerators) / sum(denominators)`` over
    the clusters, Σ(yᵢ − R·nᵢ)² / (Σnᵢ)² · k/(k − 1), divided by the binomial variance R(1 − R) / Σnᵢ
    that treats every unit as independent. 1 when each cluster has one unit; m when clusters of m
    units are all-or-nothing. Divide the units by it to get the effective sample size. NaN with
    fewer than two clusters holding units, or a rate of 0 or 1."""
    y = np.asarray(numerators, dtype=float)
    n = np.asarray(denominators, dtype=float)
    if y.shape != n.shape:
        raise ValueError(f"`numerators` and `denominators` differ in length ({y.size} vs {n.size}).")
    keep = n > 0
    y, n = y[keep], n[keep]
    k, total = y.size, n.sum()
    r = y.sum() / total if total else float("nan")
    if k < 2 or not 0 < r < 1:
        return float("nan")
    var_delta = ((y - r * n) ** 2).sum() / total ** 2 * k / (k - 1)
    return float(var_delta / (r * (1 - r) / total))


def icc_anova(table, outcome: str, cluster: str, tz: str = DEFAULT_TZ) -> float:
    """Intra-class correlation of ``outcome`` (one row per member: e.g. the pre-period share of
    active days) within ``cluster`` (group chat), by the one-way ANOVA estimator
    ICC = (MSB − MSW) / (MSB + (m₀ − 1)·MSW), m₀ = (N − Σnᵢ²/N) / (k − 1); negative values are
    reported as 0. Cluster sums are aggregated in the engine."""
    t = _engine.table(table, "table", (outcome, cluster), tz)
    y = t[outcome].cast("float64")
    g = _engine.to_pandas(t.filter(y.notnull()).group_by(cluster).aggregate(
        n=_.count(), s=y.sum(), ss=(y * y).sum()), tz)
    k, n_total = len(g), g["n"].sum()
    if k < 2 or n_total <= k:
        return float("nan")
    grand = g["s"].sum() / n_total
    ssb = float((g["s"] ** 2 / g["n"]).sum() - n_total * grand ** 2)
    ssw = float(g["ss"].sum() - (g["s"] ** 2 / g["n"]).sum())
    msb, msw = ssb / (k - 1), ssw / (n_total - k)
    m0 = (n_total - (g["n"] ** 2).sum() / n_total) / (k - 1)
    den = msb + (m0 - 1) * msw
    return max(0.0, (msb - msw) / den) if den > 0 else float("nan")


@dataclass(frozen=True)
class ClusterDesign:
    """Members and clusters per arm needed under cluster randomization (see module doc)."""

    baseline: float
    mde: float
    icc: float
    mean_cluster_size: float
    design_effect: float
    n_individual_per_arm: int
    members_per_arm: int
    clusters_per_arm: int
    clusters_available: int | None
    alpha: float
    power: float

    @property
    def feasible(self) -> bool | None:
        """Whether the available clusters cover both arms (None when unknown)."""
        return None if self.clusters_available is None else 2 * self.clusters_per_arm <= self.clusters_available

    @property
    def summary(self) -> pd.DataFrame:
        return pd.DataFrame([{**asdict(self), "feasible": self.feasible}])

    def _repr_html_(self) -> str:
        return html_table(self)


def cluster_design(baseline: float, mde: float, icc: float, mean_cluster_size: float,
                   clusters_available: int | None = None, alpha: float = 0.05, power: float = 0.8) -> ClusterDesign:
    """Design of a group-chat-level test of a proportion: individual n (Cohen's h) × the design effect,
    in clusters of ``mean_cluster_size`` members."""
    if mean_cluster_size < 1:
        raise ValueError(f"`mean_cluster_size` must be at least 1; got {mean_cluster_size!r}.")
    n = sample_size_proportions(baseline, mde, alpha, power)
    de = design_effect(mean_cluster_size, icc)
    members = int(math.ceil(n * de))
    return ClusterDesign(baseline, mde, icc, float(mean_cluster_size), de, n, members,
                         int(math.ceil(members / mean_cluster_size)), clusters_available, alpha, power)


def power_proportions(baseline: float, mde: float, n_per_arm, alpha: float = 0.05, design_eff: float = 1.0):
    """Power of the two-sided test (Cohen's h) with ``n_per_arm`` units, deflated by ``design_eff``."""
    h = abs(cohens_h(baseline, baseline + mde))
    n_eff = np.asarray(n_per_arm, dtype=float) / design_eff
    return NormalIndPower().power(effect_size=h, nobs1=n_eff, alpha=alpha, ratio=1.0, alternative="two-sided")


def power_curve(baseline: float, mdes: Sequence[float], n_per_arm: Sequence[int], icc: float = 0.0,
                mean_cluster_size: float = 1.0, alpha: float = 0.05) -> pd.DataFrame:
    """Power for each absolute effect in ``mdes`` and each member count in ``n_per_arm``; with an ICC
    the members form clusters of ``mean_cluster_size`` (power uses n / design effect). Returns
    ``mde, n_per_arm, clusters_per_arm, design_effect, power``."""
    _check_prob("baseline", baseline)
    de = design_effect(mean_cluster_size, icc)
    rows = [dict(mde=m, n_per_arm=int(n), clusters_per_arm=n / mean_cluster_size, design_effect=de,
                 power=float(power_proportions(baseline, m, n, alpha, de))) for m in mdes for n in n_per_arm]
    return pd.DataFrame(rows)


def plot_power_curve(curve: pd.DataFrame, ax=None, lang: str = "en", title: str | None = None,
                     x: str = "n_per_arm", target_power: float = 0.8):
    """Power against ``x`` (``n_per_arm`` or ``clusters_per_arm``), one line per effect, from
    :func:`power_curve`; a dashed line at ``target_power``."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    from helpers.glossary import label, t
    from helpers.plots import PALETTE, percent_axis

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4), layout="constrained")
    unit = t(lang, "pp", "个百分点")
    df = curve.assign(effect=curve["mde"].map(lambda m: f"+{m * 100:.1f} {unit}"))
    sns.lineplot(data=df, x=x, y="power", hue="effect", ax=ax, palette=PALETTE[:df["effect"].nunique()])
    ax.axhline(target_power, ls="--", color="#555555", lw=1)
    percent_axis(ax)
    ax.set_xlabel(t(lang, "Members per arm", "每组成员数") if x == "n_per_arm"
                  else t(lang, "Group chats per arm", "每组社群数"))
    ax.set_ylabel(t(lang, "Power (%)", "检验效能（%）"))
    ax.set_title(title or t(lang, "Power rises with the sample; small effects need many more units",
                            "样本越大检验效能越高；效应越小所需样本越多"))
    ax.legend(title=label("mde", lang))
    return ax


def experiment_overview(assignments, tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """Units per experiment and arm: ``experiment_id, unit_type, variant, units, strata, assigned_from,
    assigned_to``."""
    a = _engine.table(assignments, "assignments",
                      ("experiment_id", "unit_type", "unit_id", "variant", "assigned_ts", "stratum"), tz)
    expr = a.group_by(["experiment_id", "unit_type", "variant"]).agg(
        units=_.unit_id.nunique(), strata=_.stratum.nunique(),
        assigned_from=_.assigned_ts.min(), assigned_to=_.assigned_ts.max(),
    ).order_by(["experiment_id", "variant"])
    return _engine.to_pandas(expr, tz)


def arms_even(overview: pd.DataFrame, tolerance: float = 0.05) -> bool:
    """True when, in every experiment of :func:`experiment_overview`'s table, the largest arm has at most
    ``1 + tolerance`` times the units of the smallest (a description; the SRM test is the check)."""
    sizes = overview.groupby("experiment_id")["units"]
    return bool((sizes.max() <= (1 + tolerance) * sizes.min()).all())


from helpers.assignment import assign, balance_table, preregister, read_preregistration, stratify  # noqa: E402

__all__ = [
    "ClusterDesign",
    "arms_even",
    "assign",
    "balance_table",
    "cluster_design",
    "cohens_h",
    "design_effect",
    "ratio_design_effect",
    "experiment_overview",
    "icc_anova",
    "mde_proportion",
    "plot_power_curve",
    "power_curve",
    "power_proportions",
    "preregister",
    "read_preregistration",
    "sample_size_means",
    "sample_size_proportion",
    "sample_size_proportions",
    "stratify",
]
