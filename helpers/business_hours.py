"""Business-hour arithmetic on a support schedule, vectorized (no per-ticket Python loops).

A :class:`Schedule` is a time zone, open intervals per weekday (local wall-clock minutes) and a
list of holiday dates on which the desk is closed all day. The business time between two instants
is ``B(end) - B(start)``, where ``B(t)`` counts open seconds from a fixed reference Monday up to
``t``: whole weeks times the weekly open time, plus the open time of the earlier days of ``t``'s
week, minus the open time lost to holidays before ``t``'s local date (a cumulative sum looked up
with ``numpy.searchsorted``), plus the open part of ``t``'s own day unless that day is a holiday.
Time stamps are converted to local wall-clock time once (pandas), so daylight-saving zones work.

The default schedule is the kit's support desk: Monday-Friday 09:00-18:00 Asia/Shanghai minus the
public holidays in ``data/reference/holidays_cn.csv``. :func:`read_zendesk_schedule` reads a
schedule from Zendesk's ``schedules.json`` export (intervals in minutes from Sunday 00:00).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from helpers.timeline import DEFAULT_TZ

REFERENCE = Path(__file__).resolve().parent.parent / "data" / "reference"
DAY_S = 86_400
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

# Zendesk (Rails) time-zone names seen in schedules.json -> IANA names; an IANA name is accepted as is.
ZENDESK_TIME_ZONES = {
    "Beijing": "Asia/Shanghai", "Chongqing": "Asia/Chongqing", "Hong Kong": "Asia/Hong_Kong",
    "Urumqi": "Asia/Urumqi", "Taipei": "Asia/Taipei", "Singapore": "Asia/Singapore", "Tokyo": "Asia/Tokyo",
    "Seoul": "Asia/Seoul", "UTC": "UTC", "London": "Europe/London", "Berlin": "Europe/Berlin",
    "Paris": "Europe/Paris", "Eastern Time (US & Canada)": "America/New_York",
    "Central Time (US & Canada)": "America/Chicago", "Pacific Time (US & Canada)": "America/Los_Angeles",
}


@dataclass(frozen=True)
class Schedule:
    """Business hours: ``tz`` (IANA), ``intervals`` as ``(weekday, start_minute, end_minute)`` with
    weekday 0 = Monday and minutes of the local day (``end_minute`` <= 1440), ``holidays`` as ISO
    dates closed all day, and a ``name``."""

    tz: str = DEFAULT_TZ
    intervals: tuple[tuple[int, int, int], ...] = tuple((d, 540, 1080) for d in range(5))
    holidays: tuple[str, ...] = ()
    name: str = "business hours"

    def __post_init__(self):
        try:
            ZoneInfo(self.tz)
        except (ZoneInfoNotFoundError, ValueError) as err:
            raise ValueError(f"Schedule time zone {self.tz!r} is not an IANA zone such as 'Asia/Shanghai'.") from err
        for w, a, b in self.intervals:
            if not (0 <= int(w) <= 6 and 0 <= int(a) < int(b) <= 1440):
                raise ValueError(f"Schedule interval {(w, a, b)!r} must be (weekday 0-6, start, end) with "
                                 "0 <= start < end <= 1440 minutes of the local day.")
        pd.to_datetime(list(self.holidays), format="%Y-%m-%d")  # raises on a malformed date

    @cached_property
    def _tables(self):
        k = max([sum(1 for w, _, _ in self.intervals if w == d) for d in range(7)] + [1])
        starts = np.zeros((7, k))
        lengths = np.zeros((7, k))
        fill = [0] * 7
        for w, a, b in sorted(self.intervals):  # a handful of intervals, not tickets
            starts[w, fill[w]], lengths[w, fill[w]] = a * 60.0, (b - a) * 60.0
            fill[w] += 1
        day_s = lengths.sum(axis=1)
        prefix = np.concatenate([[0.0], np.cumsum(day_s)[:-1]])
        hol = np.unique(pd.to_datetime(list(self.holidays)).to_numpy(dtype="datetime64[D]").astype(np.int64))
        hol_s = day_s[(hol + 3) % 7]  # 1970-01-01 was a Thursday (weekday 3)
        return starts, lengths, day_s.sum(), prefix, hol, np.concatenate([[0.0], np.cumsum(hol_s)])

    @property
    def hours_per_week(self) -> float:
        return float(self._tables[2] / 3600)

    def table(self) -> pd.DataFrame:
        """One row per open interval: ``weekday, opens, closes`` (local ``HH:MM``)."""
        rows = [(WEEKDAYS[w], f"{a // 60:02d}:{a % 60:02d}", f"{b // 60:02d}:{b % 60:02d}")
                for w, a, b in sorted(self.intervals)]
        return pd.DataFrame(rows, columns=["weekday", "opens", "closes"])

    def cumulative_seconds(self, ts) -> np.ndarray:
        """``B(t)``: open seconds from the reference Monday (1969-12-29 local) to each time stamp;
        NaN where ``ts`` is missing. ``ts``: anything ``pandas.to_datetime`` reads; naive values
        are local times in ``tz``."""
        local = _local_seconds(ts, self.tz)
        ok = ~np.isnan(local)
        x = np.where(ok, local, 0.0)
        day = np.floor(x / DAY_S).astype(np.int64)
        sec = x - day * DAY_S
        e = day + 3  # days since the reference Monday
        weeks, w = np.floor_divide(e, 7), np.mod(e, 7)
        starts, lengths, week_s, prefix, hol, hol_cum = self._tables
        i = np.searchsorted(hol, day, side="left")
        is_hol = (i < hol.size) & (hol[np.minimum(i, max(hol.size - 1, 0))] == day) if hol.size else np.zeros(day.shape, bool)
        within = np.clip(sec[:, None] - starts[w], 0.0, lengths[w]).sum(axis=1)
        out = weeks * week_s + prefix[w] - hol_cum[i] + np.where(is_hol, 0.0, within)
        return np.where(ok, out, np.nan)


def _as_index(ts, tz: str) -> pd.DatetimeIndex:
    """A tz-aware DatetimeIndex from scalars, arrays, Series or Index (naive values read in ``tz``)."""
    if isinstance(ts, (pd.Series, pd.Index)):
        idx = pd.DatetimeIndex(ts)
    else:
        idx = pd.DatetimeIndex(pd.to_datetime(np.atleast_1d(np.asarray(ts, dtype=object))
                                              if not isinstance(ts, np.ndarray) or ts.dtype == object else ts))
    idx = idx.as_unit("ns")
    return idx.tz_localize(tz) if idx.tz is None else idx


def _local_seconds(ts, tz: str) -> np.ndarray:
    """Local wall-clock seconds since 1970-01-01 00:00 local, as float (NaN for missing)."""
    wall = _as_index(ts, tz).tz_convert(tz).tz_localize(None)
    return np.where(wall.isna(), np.nan, wall.asi8.astype(np.float64) / 1e9)


def _default() -> Schedule:
    h = pd.read_csv(REFERENCE / "holidays_cn.csv", dtype=str)
    return Schedule(tz=DEFAULT_TZ, holidays=tuple(h["date"]), name="Mon-Fri 09:00-18:00 Asia/Shanghai, CN holidays")


DEFAULT_SCHEDULE = _default()


def business_hours_between(start, end, schedule: Schedule = DEFAULT_SCHEDULE):
    """Business hours from ``start`` to ``end`` on ``schedule``.

    ``start`` / ``end``: scalars or equal-length array-likes of time stamps (tz-aware, or naive in
    the schedule's zone). Returns a float for two scalars, else a float numpy array; NaN where
    either end is missing; negative when ``end`` precedes ``start``.
    """
    if not isinstance(schedule, Schedule):
        raise TypeError(f"`schedule` must be a helpers.business_hours.Schedule; got {type(schedule).__name__}.")
    scalar = np.ndim(start) == 0 and np.ndim(end) == 0
    a, b = schedule.cumulative_seconds(start), schedule.cumulative_seconds(end)
    if a.shape != b.shape:
        raise ValueError(f"`start` and `end` must have the same length; got {a.size} and {b.size}.")
    out = (b - a) / 3600.0
    return float(out[0]) if scalar else out


def calendar_hours_between(start, end, tz: str = DEFAULT_TZ):
    """Elapsed calendar hours from ``start`` to ``end`` (same conventions as :func:`business_hours_between`)."""
    scalar = np.ndim(start) == 0 and np.ndim(end) == 0
    a, b = _utc_seconds(start, tz), _utc_seconds(end, tz)
    out = (b - a) / 3600.0
    return float(out[0]) if scalar else out


def _utc_seconds(ts, tz: str) -> np.ndarray:
    idx = _as_index(ts, tz)
    return np.where(idx.isna(), np.nan, idx.asi8.astype(np.float64) / 1e9)


def read_zendesk_schedule(source, schedule_id: int | None = None) -> Schedule:
    """A :class:`Schedule` from Zendesk's ``schedules.json`` (a path, a JSON string or the parsed dict).

    Zendesk gives ``time_zone`` as a Rails name ("Beijing"; mapped through ``ZENDESK_TIME_ZONES``, or
    an IANA name), ``intervals`` as ``start_time``/``end_time`` minutes from Sunday 00:00 (an interval
    crossing midnight is split), and ``holidays`` as inclusive ``start_date``..``end_date`` spells.
    ``schedule_id`` picks one schedule when the file holds several (default: the only one).
    """
    if isinstance(source, dict):
        payload = source
    elif isinstance(source, (str, Path)) and str(source).lstrip().startswith("{"):
        payload = json.loads(str(source))
    else:
        payload = json.loads(Path(source).read_text(encoding="utf-8"))
    schedules = payload.get("schedules") if "schedules" in payload else [payload.get("schedule", payload)]
    if schedule_id is not None:
        schedules = [s for s in schedules if s.get("id") == schedule_id]
    if len(schedules) != 1:
        ids = [s.get("id") for s in payload.get("schedules", [])]
        raise ValueError(f"Expected exactly one schedule; found {len(schedules)}. Pass `schedule_id`; available: {ids}.")
    s = schedules[0]
    zone = s.get("time_zone", "UTC")
    tz = ZENDESK_TIME_ZONES.get(zone, zone)
    intervals = []
    for iv in s.get("intervals", []):
        a, b = int(iv["start_time"]), int(iv["end_time"])
        while a < b:  # split at local midnights (at most a week of pieces)
            day_end = (a // 1440 + 1) * 1440
            piece_end = min(b, day_end)
            sunday_day = (a // 1440) % 7
            intervals.append(((sunday_day - 1) % 7, a % 1440, piece_end - (a // 1440) * 1440))
            a = piece_end
    days = []
    for h in s.get("holidays", []):
        days += [d.strftime("%Y-%m-%d") for d in pd.date_range(h["start_date"], h["end_date"], freq="D")]
    return Schedule(tz=tz, intervals=tuple(intervals), holidays=tuple(sorted(set(days))), name=s.get("name", "zendesk"))
