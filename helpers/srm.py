"""Sample-ratio mismatch: are the arms as large as the design said they would be?

Pearson chi-square of the observed units per arm against the planned shares (``scipy.stats.chisquare``),
flagged at ``p < threshold`` (0.001 by default, the usual line: a real mismatch gives tiny p-values and
a lax threshold flags too many healthy tests). Run it at the level that was randomized: members for
member-level tests, group chats for group-level ones (and members in those chats as a second look).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np
import pandas as pd
from scipy import stats

from helpers._results import html_table


@dataclass(frozen=True)
class SRMResult:
    """Chi-square check of arm counts against the planned split; ``flagged`` when p < threshold."""

    arms: tuple
    observed: tuple
    expected: tuple
    statistic: float
    p_value: float
    threshold: float
    flagged: bool
    status: str = "OK"

    @property
    def summary(self) -> pd.DataFrame:
        return pd.DataFrame([{"arms": " / ".join(map(str, self.arms)),
                              "observed": " / ".join(f"{v:,}" for v in self.observed),
                              "expected": " / ".join(f"{v:,.1f}" for v in self.expected),
                              "statistic": self.statistic, "p_value": self.p_value,
                              "threshold": self.threshold, "flagged": self.flagged, "status": self.status}])

    def _repr_html_(self) -> str:
        return html_table(self)


def srm_check(counts, weights=None, threshold: float = 0.001) -> SRMResult:
    """Sample-ratio mismatch: Pearson chi-square of ``counts`` (a mapping arm -> units, a Series, or a
    frame with ``variant`` and ``units`` columns) against ``weights`` (planned shares; equal if None)."""
    if isinstance(counts, pd.DataFrame):
        missing = [c for c in ("variant", "units") if c not in counts.columns]
        if missing:
            raise KeyError(f"`counts` lacks column(s) {missing}. Available: {list(counts.columns)}.")
        counts = counts.groupby("variant")["units"].sum()
    counts = pd.Series(counts, dtype="float64")
    if len(counts) < 2:
        raise ValueError(f"`counts` needs at least two arms; got {list(counts.index)}.")
    w = np.ones(len(counts)) if weights is None else np.asarray(
        [weights[a] for a in counts.index] if isinstance(weights, Mapping) else weights, dtype=float)
    if len(w) != len(counts) or (w <= 0).any():
        raise ValueError("`weights` must give one positive share per arm.")
    total = counts.sum()
    expected = total * w / w.sum()
    arms, obs = tuple(counts.index), tuple(int(v) for v in counts)
    if total == 0:
        return SRMResult(arms, obs, tuple(expected), float("nan"), float("nan"), threshold, False, "NO_UNITS")
    chi2, p = stats.chisquare(counts.to_numpy(), expected)
    return SRMResult(arms, obs, tuple(float(e) for e in expected), float(chi2), float(p), threshold,
                     bool(p < threshold))
