"""Business-hour arithmetic on hand cases (times are Asia/Shanghai unless stated; 2026-06-01 is a
Monday; 2026-06-19 to 06-21 is the Dragon Boat holiday in data/reference/holidays_cn.csv)."""
import numpy as np
import pandas as pd
import pytest

from helpers.business_hours import (DEFAULT_SCHEDULE, Schedule, business_hours_between, calendar_hours_between,
                                    read_zendesk_schedule)


@pytest.mark.parametrize("start, end, hours", [
    ("2026-06-01 10:00", "2026-06-01 12:30", 2.5),   # inside one business day
    ("2026-06-01 17:00", "2026-06-02 10:00", 2.0),   # overnight: 1 h Mon + 1 h Tue
    ("2026-06-05 17:00", "2026-06-08 10:00", 2.0),   # over the weekend
    ("2026-06-18 17:00", "2026-06-22 10:00", 2.0),   # Fri 06-19 is a holiday, then the weekend
    ("2026-06-06 14:00", "2026-06-08 09:30", 0.5),   # opened on Saturday: the clock starts Monday 09:00
    ("2026-06-02 20:00", "2026-06-03 08:00", 0.0),   # opened and answered outside hours
    ("2026-06-01 08:00", "2026-06-04 12:00", 30.0),  # spanning days: 9 + 9 + 9 + 3
    ("2026-06-19 10:00", "2026-06-19 15:00", 0.0),   # entirely inside a holiday
    ("2026-06-02 10:00", "2026-06-01 17:00", -2.0),  # end before start: negative
])
def test_hand_cases(start, end, hours):
    assert business_hours_between(pd.Timestamp(start), pd.Timestamp(end)) == pytest.approx(hours)


def test_timezone_aware_inputs_and_missing_values():
    # 01:00Z is 09:00 in Beijing
    a = pd.Timestamp("2026-06-01T01:00Z")
    assert business_hours_between(a, a + pd.Timedelta(hours=1)) == pytest.approx(1.0)
    s = pd.Series(pd.to_datetime(["2026-06-01 08:00", None])).dt.tz_localize("Asia/Shanghai")
    out = business_hours_between(s, s + pd.Timedelta(hours=30))
    assert out[0] == pytest.approx(14.0) and np.isnan(out[1])  # Mon 9 h + Tue 09:00-14:00
    assert calendar_hours_between(s, s + pd.Timedelta(hours=30))[0] == pytest.approx(30.0)


def _brute_force_hours(start, end) -> float:
    """Reference: count the minutes one by one (weekday, not a holiday, 09:00 <= t < 18:00)."""
    minutes = pd.date_range(start, end, freq="min", inclusive="left")
    hol = set(DEFAULT_SCHEDULE.holidays)
    ok = (minutes.weekday < 5) & (minutes.hour >= 9) & (minutes.hour < 18) & ~minutes.strftime("%Y-%m-%d").isin(hol)
    return ok.sum() / 60


def test_vectorized_matches_minute_by_minute_count():
    rng = np.random.default_rng(11)
    base = pd.Timestamp("2026-04-25")  # spans the Labour Day and Dragon Boat holidays
    a = base + pd.to_timedelta(rng.integers(0, 60 * 24 * 50, 40), unit="min")
    b = a + pd.to_timedelta(rng.integers(0, 60 * 24 * 12, 40), unit="min")
    got = business_hours_between(a, b)
    want = [_brute_force_hours(x, y) for x, y in zip(a, b)]  # reference: brute force above
    np.testing.assert_allclose(got, want)


def test_additive_over_a_split_point():
    a, m, b = pd.Timestamp("2026-06-03 11:11"), pd.Timestamp("2026-06-10 16:40"), pd.Timestamp("2026-06-24 09:05")
    assert business_hours_between(a, b) == pytest.approx(business_hours_between(a, m) + business_hours_between(m, b))


def _schedules_json():
    """The schedules.json shape of docs/data_formats.md (minutes from Sunday 00:00)."""
    h = pd.read_csv(DEFAULT_SCHEDULE_CSV, dtype=str)
    return {"schedules": [{"id": 1, "name": "Business hours", "time_zone": "Beijing",
                           "intervals": [{"start_time": d * 1440 + 540, "end_time": d * 1440 + 1080} for d in range(1, 6)],
                           "holidays": [{"name": n, "start_date": d, "end_date": d} for d, n in zip(h["date"], h["name"])]}]}


DEFAULT_SCHEDULE_CSV = "data/reference/holidays_cn.csv"


def test_zendesk_schedule_reads_to_the_default_schedule(monkeypatch):
    monkeypatch.chdir(__import__("pathlib").Path(__file__).resolve().parent.parent)
    s = read_zendesk_schedule(_schedules_json())
    assert s.tz == "Asia/Shanghai"
    assert sorted(s.intervals) == sorted(DEFAULT_SCHEDULE.intervals)
    assert set(s.holidays) == set(DEFAULT_SCHEDULE.holidays)
    assert s.hours_per_week == 45.0


def test_zendesk_schedule_spells_split_intervals_and_zones():
    payload = {"schedule": {"id": 7, "name": "East Coast", "time_zone": "Eastern Time (US & Canada)",
                            # Mon 09:00-17:00 (1980 = 1440 + 540), and Fri 22:00 - Sat 02:00 across midnight
                            "intervals": [{"start_time": 1980, "end_time": 2460},
                                          {"start_time": 5 * 1440 + 1320, "end_time": 6 * 1440 + 120}],
                            "holidays": [{"name": "x", "start_date": "2026-06-01", "end_date": "2026-06-02"}]}}
    s = read_zendesk_schedule(payload)
    assert s.tz == "America/New_York"
    assert sorted(s.intervals) == [(0, 540, 1020), (4, 1320, 1440), (5, 0, 120)]
    assert s.holidays == ("2026-06-01", "2026-06-02")
    ny = lambda x: pd.Timestamp(x, tz="America/New_York")  # noqa: E731
    assert business_hours_between(ny("2026-06-05 21:00"), ny("2026-06-06 12:00"), s) == pytest.approx(4.0)
    assert business_hours_between(ny("2026-06-01 08:00"), ny("2026-06-08 10:00"), s) == pytest.approx(1.0 + 4.0)
    # over the US daylight-saving change (Sun 2026-03-08): the calendar loses an hour, the
    # wall-clock schedule does not (Fri 22-24 + Sat 0-2 + Mon 9-17 = 12 h)
    a, b = ny("2026-03-06 00:00"), ny("2026-03-10 00:00")
    assert calendar_hours_between(a, b) == pytest.approx(95.0)
    assert business_hours_between(a, b, s) == pytest.approx(12.0)


def test_caller_mistakes_raise():
    with pytest.raises(ValueError, match="interval"):
        Schedule(intervals=((0, 600, 500),))
    with pytest.raises(ValueError, match="IANA"):
        Schedule(tz="Mars/Olympus")
    with pytest.raises(ValueError, match="schedule_id"):
        read_zendesk_schedule({"schedules": [{"id": 1}, {"id": 2}]})
    with pytest.raises(TypeError, match="Schedule"):
        business_hours_between("2026-06-01", "2026-06-02", schedule="weekdays")
