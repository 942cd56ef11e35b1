"""The study's calendar: a 30-day pre-period, a 15-day design period and a 30-day test period.

All boundaries are timezone-aware midnights in the configured zone (Asia/Shanghai by default);
each period is the half-open interval ``[start, end)``.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

DEFAULT_TZ = "Asia/Shanghai"
DEFAULT_START = "2026-06-01"


@dataclass(frozen=True)
class Timeline:
    """Period boundaries of the study.

    ``start`` is the first day of the pre-period (a date string or Timestamp; naive values are
    read in ``tz``). ``pre``, ``design`` and ``test`` are ``(start, end)`` pairs, end exclusive.
    """

    start: str | pd.Timestamp = DEFAULT_START
    pre_days: int = 30
    design_days: int = 15
    test_days: int = 30
    tz: str = DEFAULT_TZ

    def __post_init__(self):
        for name in ("pre_days", "design_days", "test_days"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be a positive number of days; got {getattr(self, name)!r}.")

    @property
    def t0(self) -> pd.Timestamp:
        ts = pd.Timestamp(self.start)
        ts = ts.tz_localize(self.tz) if ts.tzinfo is None else ts.tz_convert(self.tz)
        return ts.normalize()

    def _at(self, days: int) -> pd.Timestamp:
        return self.t0 + pd.Timedelta(days=days)

    @property
    def pre(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        return self._at(0), self._at(self.pre_days)

    @property
    def design(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        return self._at(self.pre_days), self._at(self.pre_days + self.design_days)

    @property
    def test(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        first = self.pre_days + self.design_days
        return self._at(first), self._at(first + self.test_days)

    @property
    def end(self) -> pd.Timestamp:
        return self.test[1]

    @property
    def total_days(self) -> int:
        return self.pre_days + self.design_days + self.test_days

    def period_of(self, ts: pd.Series) -> pd.Series:
        """Label each timestamp 'pre', 'design', 'test' or 'outside'."""
        ts = pd.to_datetime(ts)
        ts = ts.dt.tz_localize(self.tz) if ts.dt.tz is None else ts.dt.tz_convert(self.tz)
        out = pd.Series("outside", index=ts.index, dtype="object")
        for name in ("pre", "design", "test"):
            lo, hi = getattr(self, name)
            out[(ts >= lo) & (ts < hi)] = name
        return out

    def table(self) -> pd.DataFrame:
        """One row per period: ``period, first_day, last_day, days`` (local dates, last day inclusive)."""
        rows = []
        for name in ("pre", "design", "test"):
            lo, hi = getattr(self, name)
            rows.append((name, lo.date(), (hi - pd.Timedelta(days=1)).date(), (hi - lo).days))
        return pd.DataFrame(rows, columns=["period", "first_day", "last_day", "days"])
