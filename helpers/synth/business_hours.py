"""Business minutes on the support schedule: Mon-Fri 09:00-18:00 Asia/Shanghai minus public holidays.

``business_seconds(a, b)`` = B(b) - B(a), where B(t) counts schedule seconds from a fixed Monday:
whole business days before t's local date (``numpy.busday_count``) times nine hours, plus the part
of t's own day inside 09:00-18:00 when that day is a business day. Vectorized over arrays of Unix
seconds.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from helpers.synth.clock import DAY_S, OFFSET_S
from helpers.synth.people import REFERENCE

OPEN_S, CLOSE_S = 9 * 3600, 18 * 3600
REF_DAY = np.datetime64("2000-01-03")  # a Monday


@lru_cache(maxsize=1)
def holidays() -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "holidays_cn.csv", dtype=str)


@lru_cache(maxsize=1)
def _calendar() -> np.busdaycalendar:
    return np.busdaycalendar(weekmask="1111100", holidays=holidays()["date"].to_numpy(dtype="datetime64[D]"))


def cumulative_seconds(t) -> np.ndarray:
    """B(t): schedule seconds between the reference Monday and each time stamp."""
    local = np.asarray(t, dtype=np.int64) + OFFSET_S
    day = (local // DAY_S).astype("datetime64[D]")
    sec = local % DAY_S
    cal = _calendar()
    before = np.busday_count(REF_DAY, day, busdaycal=cal).astype(np.int64)
    within = np.clip(sec - OPEN_S, 0, CLOSE_S - OPEN_S) * np.is_busday(day, busdaycal=cal)
    return before * (CLOSE_S - OPEN_S) + within


def business_minutes(start, end) -> np.ndarray:
    """Schedule minutes from ``start`` to ``end`` (Unix seconds), rounded to the minute."""
    return np.round((cumulative_seconds(end) - cumulative_seconds(start)) / 60.0)


def calendar_minutes(start, end) -> np.ndarray:
    return np.round((np.asarray(end, dtype=np.int64) - np.asarray(start, dtype=np.int64)) / 60.0)


def schedule_json() -> dict:
    """The ``schedules.json`` payload (intervals in minutes from Sunday 00:00)."""
    intervals = [{"start_time": d * 1440 + 540, "end_time": d * 1440 + 1080} for d in range(1, 6)]
    # one holiday entry per spell of consecutive dates
    h = holidays().copy()
    h["d"] = pd.to_datetime(h["date"])
    h["spell"] = (h["d"].diff().dt.days.fillna(99) > 1).cumsum()
    spells = h.groupby("spell").agg(name=("name", "first"), start=("date", "min"), end=("date", "max"))
    return {"schedules": [{"id": 360000012345, "name": "工作时间 Business hours", "time_zone": "Beijing",
                           "intervals": intervals,
                           "holidays": [{"name": r.name, "start_date": r.start, "end_date": r.end}
                                        for r in spells.itertuples()]}]}
