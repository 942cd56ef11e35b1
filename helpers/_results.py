"""What every frozen estimate (a test of treatment vs control) shares: significance and a one-row summary."""
from __future__ import annotations

from dataclasses import asdict

import pandas as pd


class Estimate:
    """Mixin for frozen dataclasses with ``p_value``, ``alpha`` and ``status`` fields."""

    @property
    def significant(self) -> bool:
        return self.status == "OK" and self.p_value < self.alpha

    @property
    def summary(self) -> pd.DataFrame:
        """One row with every field (and ``significant``)."""
        return pd.DataFrame([{**asdict(self), "significant": self.significant}])


def html_table(obj) -> str:
    """The notebook view of a result object: its one-row ``summary`` as an HTML table."""
    return obj.summary.to_html(index=False, float_format=lambda v: f"{v:.4g}")
