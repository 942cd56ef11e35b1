"""City tier x feedback category x handling time on hand-countable frames, and the planted tier-3 figures."""
import math

import pandas as pd
import pytest

from helpers import regions

T = pd.Timestamp


@pytest.fixture
def members():
    return pd.DataFrame({"member_id": list("abcde"), "city_tier": [3, 3, 1, None, 3],
                         "first_join_ts": [T("2026-05-01")] * 4 + [pd.NaT]})  # e never joined a group


@pytest.fixture
def tickets():
    return pd.DataFrame({
        "ticket_id": list("123456"),
        "member_id": ["a", "a", "b", "c", "e", "a"],
        "created_ts": [T("2026-06-01 00:00")] * 5 + [T("2026-07-01")],  # ticket 6 is after the window
        "solved_ts": [T("2026-06-03 00:00"), pd.NaT, T("2026-06-02 00:00"), T("2026-06-01 06:00"),
                      T("2026-06-01 12:00"), T("2026-07-02")],
        "category": ["delivery_delay", "refund", "signoff_exception", "signoff_exception", "account", "refund"],
    })


def test_tier_share_counts_community_members_with_unknown_tier(members):
    out = regions.tier_share(members).set_index("city_tier")
    # community members a, b, c, d (e never joined): tier 3 = a, b -> 2 of 4; d unknown stays in the denominator
    assert out.loc["3", "members"] == 2 and out.loc["3", "share"] == pytest.approx(0.5)
    assert out.loc["unknown", "members"] == 1
    assert regions.tier_share(members, community_only=False).set_index("city_tier").loc["3", "members"] == 3


def test_tier_feedback_shares_and_hours(members, tickets):
    out = regions.tier_feedback(tickets, members, "2026-06-01", "2026-07-01").set_index(["city_tier", "category_group"])
    # tier 3 tickets in window: 1 (a, delay, 48 h), 2 (a, refund, unsolved), 3 (b, signoff, 24 h), 5 (e, account, 12 h)
    log = out.loc[("3", "logistics")]
    assert (log["tickets"], log["solved"]) == (2, 2)
    assert log["share"] == pytest.approx(2 / 4)
    assert log["mean_resolution_hours"] == pytest.approx(36.0) and log["median_resolution_hours"] == pytest.approx(36.0)
    assert log["hours_share"] == pytest.approx(72 / 84)
    assert math.isnan(out.loc[("3", "refund"), "mean_resolution_hours"])  # unsolved: in the share, not the hours
    assert out.loc[("1", "logistics"), "mean_resolution_hours"] == pytest.approx(6.0)
    own = regions.tier_feedback(tickets, members, "2026-06-01", "2026-07-01", groups={})
    assert set(own["category_group"]) == {"delivery_delay", "refund", "signoff_exception", "account"}


def test_tier_summary(members, tickets):
    row = regions.tier_summary(tickets, members, "2026-06-01", "2026-07-01").iloc[0]
    assert (row["tickets"], row["group_share"], row["group_mean_resolution_hours"]) == (4, 0.5, 36.0)
    empty = regions.tier_summary(tickets, members, "2026-06-01", "2026-07-01", tier=5).iloc[0]
    assert empty["tickets"] == 0 and math.isnan(empty["group_share"])


def test_recovers_planted_tier3_figures(sample):
    tl, con, fig = sample.timeline, sample.con, sample.truth["figures"]
    row = regions.tier_summary(con.table("tickets"), con.table("members"), *tl.pre).iloc[0]
    assert row["member_share"] == pytest.approx(fig["tier3_member_share"], abs=0.02)  # deck: 28%
    assert row["group_share"] == pytest.approx(fig["tier3_logistics_share"], abs=0.02)  # deck: over 65%
    assert row["group_mean_resolution_hours"] == pytest.approx(fig["tier3_logistics_mean_resolution_hours"], abs=4)  # deck: 48 h
