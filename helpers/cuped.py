"""CUPED: variance reduction with the pre-period value of the same metric as covariate.

Adjusted unit value Y' = Y − θ·(X − X̄), with θ = Cov(Y, X) / Var(X) over both arms pooled
(Deng et al. 2013) and X̄ the pooled covariate mean. The arms are compared with Welch's t-test on
Y'. Everything is computed from per-arm sums (n, ΣY, ΣY², ΣX, ΣX², ΣXY) aggregated in the engine.
``variance_reduction`` = 1 − Var(Y') / Var(Y) over the pooled units (≈ ρ², the squared correlation).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import pandas as pd

from helpers import _engine
from helpers.timeline import DEFAULT_TZ
from helpers._results import html_table


@dataclass(frozen=True)
class CupedResult:
    """``adjusted`` and ``unadjusted`` :class:`helpers.abtest.EffectEstimate`, θ and the variance cut."""

    adjusted: object
    unadjusted: object
    theta: float
    variance_reduction: float
    status: str = "OK"

    @property
    def summary(self) -> pd.DataFrame:
        row = {k: v for k, v in asdict(self.adjusted).items()}
        row.update(theta=self.theta, variance_reduction=self.variance_reduction,
                   unadjusted_abs_diff=self.unadjusted.abs_diff,
                   unadjusted_ci_low=self.unadjusted.abs_ci_low, unadjusted_ci_high=self.unadjusted.abs_ci_high,
                   status=self.status)
        return pd.DataFrame([row])

    def _repr_html_(self) -> str:
        return html_table(self)


def cuped(table, metric: str, covariate: str, by: str = "variant", control: str = "control",
          treatment: str = "treatment", alpha: float = 0.05, tz: str = DEFAULT_TZ) -> CupedResult:
    """CUPED-adjusted Welch comparison of ``metric`` between arms with ``covariate`` (pre-period value).

    Takes one row per unit: ``by``, ``metric``, ``covariate`` (nulls count as 0). A covariate with no
    variance gives θ = 0 (the unadjusted test) and ``status='ZERO_VARIANCE_COVARIATE'``.
    """
    from helpers.abtest import MeanStats, welch_test

    t = _engine.table(table, "table", (by, metric, covariate), tz)
    y, x = t[metric].cast("float64").fill_null(0), t[covariate].cast("float64").fill_null(0)
    agg = t.group_by(by).aggregate(n=t[by].count(), sy=y.sum(), syy=(y * y).sum(), sx=x.sum(),
                                   sxx=(x * x).sum(), sxy=(x * y).sum())
    df = _engine.to_pandas(agg, tz).set_index(by).reindex([control, treatment]).fillna(0)
    tot = df.sum()
    n = tot["n"]
    status = "OK"
    if n < 2:
        theta, var_x, var_y = 0.0, 0.0, 0.0
    else:
        var_x = (tot["sxx"] - tot["sx"] ** 2 / n) / (n - 1)
        var_y = (tot["syy"] - tot["sy"] ** 2 / n) / (n - 1)
        cov = (tot["sxy"] - tot["sx"] * tot["sy"] / n) / (n - 1)
        theta = cov / var_x if var_x > 0 else 0.0
        if var_x <= 0:
            status = "ZERO_VARIANCE_COVARIATE"
    xbar = tot["sx"] / n if n else 0.0

    def arm(name, adjusted):
        r = df.loc[name]
        if not adjusted:
            return MeanStats(int(r["n"]), float(r["sy"]), float(r["syy"]))
        # Y' = Y - θ(X - x̄): sums expand from the arm's sums
        s = r["sy"] - theta * (r["sx"] - r["n"] * xbar)
        ss = (r["syy"] - 2 * theta * (r["sxy"] - xbar * r["sy"])
              + theta ** 2 * (r["sxx"] - 2 * xbar * r["sx"] + r["n"] * xbar ** 2))
        return MeanStats(int(r["n"]), float(s), float(ss))

    adj = welch_test(arm(control, True), arm(treatment, True), alpha, metric=f"{metric} (CUPED)")
    raw = welch_test(arm(control, False), arm(treatment, False), alpha, metric=metric)
    var_adj = var_y - 2 * theta * (theta * var_x) + theta ** 2 * var_x if n >= 2 else 0.0
    reduction = 1 - var_adj / var_y if var_y > 0 else float("nan")
    if adj.status != "OK":
        status = adj.status
    return CupedResult(adj, raw, float(theta), float(reduction), status)
