"""Experiment design: what was assigned, and what the samples can detect.

Sample sizes for proportions use Cohen's effect size h = 2·asin(√p1) − 2·asin(√p0) with the normal
approximation (statsmodels ``NormalIndPower``); for 12% → 15% at α 0.05 (two-sided) and power 0.8 this
gives 2,031 per arm (the pooled-variance formula gives 2,036, Fleiss without continuity 1,899).
"""
from __future__ import annotations

import math

import pandas as pd
from ibis import _
from statsmodels.stats.power import NormalIndPower

from helpers import _engine
from helpers.timeline import DEFAULT_TZ


def _check_prob(name: str, p: float) -> None:
    if not 0 < p < 1:
        raise ValueError(f"`{name}` must be a proportion strictly between 0 and 1; got {p!r}.")


def sample_size_proportion(p0: float, p1: float, alpha: float = 0.05, power: float = 0.8,
                           ratio: float = 1.0) -> int:
    """Units per arm (control; treatment is ``ratio`` times it) to detect ``p0`` → ``p1`` (Cohen's h)."""
    _check_prob("p0", p0), _check_prob("p1", p1)
    if p0 == p1:
        raise ValueError("`p0` and `p1` are equal: no effect to detect.")
    h = 2 * math.asin(math.sqrt(p1)) - 2 * math.asin(math.sqrt(p0))
    n = NormalIndPower().solve_power(effect_size=abs(h), alpha=alpha, power=power, ratio=ratio,
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
