"""KPI definitions on hand-countable frames (naive time stamps are read as Asia/Shanghai)."""
import math

import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from helpers import kpi

START, END = "2026-06-01", "2026-06-04"  # three days


def ts(s):
    return pd.Timestamp(s)


@pytest.fixture
def events():
    return pd.DataFrame({
        "member_id": ["a", "a", "a", "b", "b", "c", "c", "c", "d"],
        "ts": [ts("2026-06-01 09:00"), ts("2026-06-02 09:00"), ts("2026-06-03 23:59"),
               ts("2026-06-01 10:00"), ts("2026-06-01 10:01"), ts("2026-06-02 08:00"),
               ts("2026-06-02 08:01"), ts("2026-06-04 00:00"), ts("2026-06-02 12:00")],
        "event": ["like", "comment", "post", "post_view", "like", "post_view", "share", "like", "page_view"],
        "content_type": [None, None, None, "guide", "guide", "guide", "guide", None, None],
        "campaign": [None] * 9,
    })


@pytest.fixture
def messages():
    # d writes on 06-03; 'staff' rows never count; a 06-01 00:00 message at the window's first instant counts
    return pd.DataFrame({
        "sender_id": ["d", "s1", "b", "e"],
        "sender_type": ["customer", "staff", "customer", "customer"],
        # e's 00:30 local message is 16:30 UTC the day before: the day must be the local one
        "ts": [ts("2026-06-03 12:00"), ts("2026-06-02 12:00"), ts("2026-06-01 00:00"), ts("2026-06-02 00:30")],
    })


@pytest.fixture
def memberships():
    return pd.DataFrame({
        "member_id": ["a", "b", "c", "d", "e", "f"],
        "join_ts": [ts("2026-05-01")] * 5 + [ts("2026-06-10")],  # f joins after the window
        "leave_ts": [pd.NaT] * 4 + [ts("2026-06-02"), pd.NaT],   # e leaves inside the window: still counted
    })


def test_daily_active_counts_each_member_once_per_local_day(events, messages):
    out = kpi.daily_active(events, messages, START, END)
    # 06-01: a (like), b (like + message); 06-02: a (comment), e (00:30 message); 06-03: a (post, 23:59),
    # d (message); c's 06-02 share is not an activity; c's like at 06-04 00:00 is outside the window
    assert out["active_members"].tolist() == [2, 2, 2]
    assert out["day"].dt.strftime("%m-%d").tolist() == ["06-01", "06-02", "06-03"]


def test_core_share_counts_members_with_enough_active_days(events, messages, memberships):
    out = kpi.core_share(events, messages, memberships, START, END, min_active_days=2).iloc[0]
    # community members in window: a, b, c, d, e (f joins later) -> 5; a has 3 active days -> core
    assert (out["numerator"], out["denominator"]) == (1, 5)
    assert out["value"] == pytest.approx(0.2)
    low, high = proportion_confint(1, 5, method="wilson")  # reference: statsmodels Wilson interval
    assert (out["ci_low"], out["ci_high"]) == pytest.approx((low, high))
    with pytest.raises(ValueError, match="min_active_days"):
        kpi.core_share(events, messages, memberships, START, END, min_active_days=0)


def test_active_rate_and_engagement(events, messages, memberships):
    ar = kpi.active_rate(events, messages, memberships, START, END).iloc[0]
    assert (ar["numerator"], ar["denominator"]) == (6, 15)
    assert ar["dau_mean"] == pytest.approx(6 / 3)
    en = kpi.engagement_per_member(events, messages, memberships, START, END).iloc[0]
    # actions: a like/comment/post (3), b like (1) + b message (1), d message (1), e message (1)
    # = 7 over 5 members x 3 days
    assert en["value"] == pytest.approx(7 / 15)


def test_content_interaction_rate_by_type(events):
    out = kpi.content_interaction_rate(events, START, END)
    guide = out.set_index("content_type").loc["guide"]
    assert (guide["numerator"], guide["denominator"]) == (2, 2)  # b like after view, c share after view


def test_message_open_rate_window_and_dedup():
    b = pd.DataFrame({"broadcast_id": ["m1", "m1", "m1", "m1", "m2"],
                      "member_id": ["a", "b", "c", "d", "a"],
                      "sent_ts": [ts("2026-06-01 10:00")] * 4 + [ts("2026-06-02 10:00")],
                      "status": [1, 1, 1, 2, 1]})
    ev = pd.DataFrame({"member_id": ["a", "a", "b", "c"],
                       "ts": [ts("2026-06-01 11:00"), ts("2026-06-01 12:00"), ts("2026-06-05 10:01"), ts("2026-06-01 09:00")],
                       "event": ["link_open"] * 4, "campaign": ["m1", "m1", "m1", "m1"]})
    out = kpi.message_open_rate(b, ev, START, END, open_window_hours=72).iloc[0]
    # delivered: (m1,a), (m1,b), (m1,c), (m2,a); opened in 72 h: (m1,a) only (twice -> once);
    # b opened after 96 h; c's click precedes the send; d was not delivered
    assert (out["numerator"], out["denominator"]) == (1, 4)


def test_service_response_and_unreplied_tickets_count_as_misses():
    t = pd.DataFrame({"ticket_id": ["1", "2", "3", "4"],
                      "created_ts": [ts("2026-06-01 09:00")] * 3 + [ts("2026-06-09 09:00")],
                      "first_reply_ts": [ts("2026-06-01 12:59"), ts("2026-06-01 13:01"), pd.NaT, ts("2026-06-09 09:01")]})
    out = kpi.service_response_rate(t, START, END, target_hours=4).iloc[0]
    assert (out["numerator"], out["denominator"]) == (1, 3)


def test_prospect_conversion_uses_local_dates_and_window():
    le = pd.DataFrame({"lead_id": list("abcde"),
                       "source": ["WeCom Community"] * 4 + ["Web"],
                       "created_ts": [ts("2026-06-01 23:00")] * 5,
                       "converted_ts": [ts("2026-07-01"), ts("2026-07-02"), pd.NaT, ts("2026-06-05"), ts("2026-06-02")]})
    out = kpi.prospect_conversion(le, START, END, window_days=30).iloc[0]
    # a: 30 days -> in; b: 31 days -> out; c never; d: 4 days -> in; e is another source
    assert (out["numerator"], out["denominator"]) == (2, 4)


def test_empty_window_gives_nan_not_an_error():
    le = pd.DataFrame({"lead_id": ["a"], "source": ["Web"], "created_ts": [ts("2026-06-01")], "converted_ts": [pd.NaT]})
    out = kpi.prospect_conversion(le, START, END).iloc[0]
    assert out["denominator"] == 0 and math.isnan(out["value"])


def test_tree_has_one_root_and_known_parents():
    tree = kpi.KPI_TREE
    assert (tree["parent"].isna()).sum() == 1
    assert set(tree["parent"].dropna()) <= set(tree["name"])
