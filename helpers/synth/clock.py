"""The study calendar in Unix seconds, and vectorized time-stamp formatting for the vendor files.

Asia/Shanghai has had a fixed +08:00 offset since 1991, so local days are 86,400-second blocks
from the start midnight and formatting needs no time-zone database.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from helpers.timeline import Timeline

OFFSET_S = 8 * 3600
DAY_S = 86_400
PERIODS = ("pre", "design", "test")


@dataclass(frozen=True)
class Clock:
    """Day arithmetic for a :class:`~helpers.timeline.Timeline` (``day`` 0 is the start date)."""

    timeline: Timeline

    @property
    def t0(self) -> int:
        """Epoch seconds of the start midnight (local)."""
        return int(self.timeline.t0.timestamp())

    @property
    def n_days(self) -> int:
        return self.timeline.total_days

    @property
    def bounds(self) -> dict[str, tuple[int, int]]:
        """Period name -> (first day, end day exclusive)."""
        p, d = self.timeline.pre_days, self.timeline.design_days
        return {"pre": (0, p), "design": (p, p + d), "test": (p + d, self.n_days)}

    @property
    def test_start(self) -> int:
        return self.bounds["test"][0]

    def period_codes(self, day) -> np.ndarray:
        """0 pre, 1 design, 2 test for each day index."""
        day = np.asarray(day)
        return (day >= self.bounds["design"][0]).astype(np.int8) + (day >= self.test_start)

    def day_start(self, day) -> np.ndarray:
        return self.t0 + np.asarray(day, dtype=np.int64) * DAY_S

    def day_of(self, seconds) -> np.ndarray:
        return (np.asarray(seconds, dtype=np.int64) - self.t0) // DAY_S

    def start_date(self) -> np.datetime64:
        return np.datetime64(self.timeline.t0.date().isoformat(), "D")

    def day_label(self, day: int) -> str:
        return str(self.start_date() + np.timedelta64(int(day), "D")).replace("-", "")

    def weekday(self, day) -> np.ndarray:
        """0 Monday ... 6 Sunday."""
        dates = self.start_date() + np.asarray(day, dtype=np.int64).astype("timedelta64[D]")
        return ((dates.astype(np.int64) + 3) % 7).astype(np.int8)


def _as_dt(seconds) -> np.ndarray:
    return np.asarray(seconds, dtype=np.int64).astype("datetime64[s]")


def iso_utc(seconds) -> np.ndarray:
    """``2026-06-01T02:03:04Z`` (Zendesk)."""
    return np.char.add(np.datetime_as_string(_as_dt(seconds), unit="s"), "Z")


def iso_utc_millis(seconds) -> np.ndarray:
    """``2026-06-01T02:03:04.000Z`` (Salesforce date-times)."""
    return np.char.add(np.datetime_as_string(_as_dt(seconds), unit="s"), ".000Z")


def iso_local(seconds) -> np.ndarray:
    """``2026-06-01T10:03:04+08:00`` (orders, assignments)."""
    local = _as_dt(np.asarray(seconds, dtype=np.int64) + OFFSET_S)
    return np.char.add(np.datetime_as_string(local, unit="s"), "+08:00")


def local_date(seconds) -> np.ndarray:
    """Local calendar date (``datetime64[D]``) of each time stamp."""
    return (_as_dt(np.asarray(seconds, dtype=np.int64) + OFFSET_S)).astype("datetime64[D]")
