"""KPI definitions on hand-countable frames (naive time stamps are read as Asia/Shanghai)."""
import math

import numpy as np
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
    # bare tables take the hand-written SQL; expressions, and zones with daylight saving time, Ibis
    assert kpi._daily_active_sql(events, messages, START, END, "Asia/Shanghai") is not None
    assert kpi._daily_active_sql(events, messages, START, END, "Europe/Berlin") is None
    ev = kpi._engine.table(events)
    assert kpi._daily_active_sql(ev.select(*ev.columns), messages, START, END, "Asia/Shanghai") is None
    pd.testing.assert_frame_equal(kpi.daily_active(ev.select(*ev.columns), messages, START, END), out)


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


# --- per day / week, per community, DAU/WAU/MAU (added with issue 3) --------------------------------

def test_activity_by_period_per_community_and_week(events, messages, memberships):
    ms = memberships.assign(community_id=["g1", "g1", "g2", "g2", "g1", "g1"])
    out = kpi.activity_by_period(events, messages, ms, START, END, freq="week", by_community=True)
    g1 = out.set_index("community_id").loc["g1"]
    # g1 members present: a, b (3 days each), e (06-01 only: leaves 06-02 00:00, so present 06-01 and 06-02)
    # -> member-days 3 + 3 + 2 = 8; active member-days: a 3, b 1, e 1 (06-02 00:30) = 5
    assert (g1["members"], g1["member_days"], g1["active_member_days"], g1["active_members"]) == (3, 8, 5, 3)
    assert g1["active_rate"] == pytest.approx(5 / 8)
    # actions of present members: a 3, b like + message 2, e message 1 = 6
    assert g1["engagement_per_member"] == pytest.approx(6 / 8)
    day = kpi.activity_by_period(events, messages, memberships, START, END, freq="day")
    assert day["active_member_days"].tolist() == [2, 2, 2]  # same as daily_active
    with pytest.raises(ValueError, match="freq"):
        kpi.activity_by_period(events, messages, memberships, START, END, freq="month")


def test_dau_wau_mau_and_stickiness(events, messages):
    out = kpi.dau_wau_mau(events, messages, START, END, wau_days=2, mau_days=3).set_index("day")
    # active: 06-01 a, b; 06-02 a, e; 06-03 a, d
    assert out["dau"].tolist() == [2, 2, 2]
    assert out["wau"].tolist() == [2, 3, 3]        # 2-day windows: {a,b}, {a,b,e}, {a,e,d}
    assert out["mau"].tolist() == [2, 3, 4]        # 3-day windows reach back before START (no data there)
    assert out["stickiness"].tolist() == pytest.approx([1.0, 2 / 3, 0.5])
    # the first activity is on 06-01: a 2-day window is whole from 06-02, a 3-day one from 06-03
    assert out["wau_complete"].tolist() == [False, True, True] and out["mau_complete"].tolist() == [False, False, True]
    with pytest.raises(ValueError, match="wau_days"):
        kpi.dau_wau_mau(events, messages, START, END, wau_days=8, mau_days=7)


def test_community_kpis_feed_the_health_index(events, messages, memberships):
    ms = memberships.assign(community_id=["g1", "g1", "g2", "g2", "g1", "g1"])
    ev = events.assign(community_id=["g1", "g1", "g1", "g1", "g1", "g2", "g2", "g2", None])
    msg = messages.assign(msg_id=["1", "2", "3", "4"], community_id=["g2", "g1", "g1", "g1"])
    out = kpi.community_kpis({"events": ev, "messages": msg, "memberships": ms}, START, END, freq="week")
    g = out.set_index("community_id")
    # interactions / views of events tagged g1: a like + comment, b like (3) over b's one view
    assert g.loc["g1", "content_interaction_rate"] == pytest.approx(3.0)
    assert g.loc["g2", "content_interaction_rate"] == pytest.approx(1.0)   # c's view + share
    # g1 customer messages: b 06-01 00:00 (answered by s1 06-02 12:00 > 24 h: no), e 06-02 00:30 (s1 at 12:00: yes)
    assert g.loc["g1", "answered_share"] == pytest.approx(0.5)
    hi = kpi.health_index(out, "equal")
    assert set(hi.scores["community_id"]) == {"g1", "g2"}


def test_kpis_by_week_partition_the_window(sample):
    con, (start, end) = sample.con, sample.timeline.pre
    weekly = kpi.compute_kpis_by_period(con, start, end, freq="week")
    whole = kpi.compute_kpis(con, start, end).set_index("kpi")
    assert weekly["period"].nunique() == 5  # 30 days from a Monday: four full weeks and two days
    for name in ("service_response", "prospect_conversion", "message_open_rate"):
        part = weekly[weekly["kpi"] == name]
        # tickets, leads and sends belong to the week they were created or sent in: the counts add up
        assert (part["numerator"].sum(), part["denominator"].sum()) == (whole.loc[name, "numerator"], whole.loc[name, "denominator"])
    with pytest.raises(ValueError, match="freq"):
        kpi.compute_kpis_by_period(con, start, end, freq="quarter")


def test_prospect_conversion_leaves_out_leads_whose_window_is_not_over():
    le = pd.DataFrame({"lead_id": list("abc"), "source": ["WeCom Community"] * 3,
                       "created_ts": [ts("2026-06-01 10:00"), ts("2026-06-20 10:00"), ts("2026-06-25 10:00")],
                       "converted_ts": [pd.NaT, ts("2026-06-22"), pd.NaT]})
    # data end 2026-07-10: a 30-day window is over only for leads created before 2026-06-10
    out = kpi.prospect_conversion(le, "2026-06-01", "2026-07-01", observed_until="2026-07-10").iloc[0]
    assert (out["numerator"], out["denominator"]) == (0, 1)
    full = kpi.prospect_conversion(le, "2026-06-01", "2026-07-01").iloc[0]
    assert (full["numerator"], full["denominator"]) == (1, 3)


def test_kpis_by_community_credit_units_to_the_home_chat():
    members = pd.DataFrame({"member_id": ["a", "b", "c"], "home_community_id": ["g1", "g2", None]})
    broadcasts = pd.DataFrame({"broadcast_id": ["m1", "m1", "m1"], "member_id": ["a", "b", "c"],
                               "sent_ts": [ts("2026-06-01 10:00")] * 3, "status": [1, 1, 1]})
    events = pd.DataFrame({"member_id": ["a", "c"], "ts": [ts("2026-06-01 11:00")] * 2, "event": ["link_open"] * 2,
                           "campaign": ["m1", "m1"]})
    tickets = pd.DataFrame({"ticket_id": ["1", "2"], "member_id": ["b", "b"],
                            "created_ts": [ts("2026-06-01 09:00")] * 2,
                            "first_reply_ts": [ts("2026-06-01 10:00"), ts("2026-06-02 10:00")]})
    leads = pd.DataFrame({"lead_id": ["x"], "member_id": ["a"], "source": ["WeCom Community"],
                          "created_ts": [ts("2026-06-01 10:00")], "converted_ts": [ts("2026-06-05")]})
    out = kpi.kpis_by_community({"events": events, "broadcasts": broadcasts, "tickets": tickets, "leads": leads,
                                 "members": members}, START, END)
    got = {(r.kpi, r.community_id): (r.numerator, r.denominator) for r in out.itertuples()}
    # c has no home chat: its opened send is left out
    assert got == {("message_open_rate", "g1"): (1, 1), ("message_open_rate", "g2"): (0, 1),
                   ("service_response", "g2"): (1, 2), ("prospect_conversion", "g1"): (1, 1)}


def test_period_heterogeneity_matches_a_hand_computed_chi_square():
    # 10/100 against 20/100: pooled 15%, expected 15 and 85 per period;
    # chi2 = 2 * (25/15 + 25/85) = 3.9216 on 1 degree of freedom (no continuity correction)
    from scipy.stats import chi2 as chi2_dist
    weeks = pd.DataFrame({"kpi": ["prospect_conversion"] * 3 + ["active_rate"],
                          "numerator": [10, 20, 0, 5], "denominator": [100, 100, 0, 10]})
    h = kpi.period_heterogeneity(weeks, "prospect_conversion")
    assert h["chi2"] == pytest.approx(2 * (25 / 15 + 25 / 85), rel=1e-9)
    assert h["dof"] == 1 and h["periods"] == 2 and h["units"] == 200  # the empty week is left out
    assert h["p_value"] == pytest.approx(chi2_dist.sf(2 * (25 / 15 + 25 / 85), 1), rel=1e-9)
    same = kpi.period_heterogeneity(weeks.assign(numerator=[10, 10, 0, 5]), "prospect_conversion")
    assert same["chi2"] == pytest.approx(0.0, abs=1e-12) and same["p_value"] == pytest.approx(1.0)
    one = kpi.period_heterogeneity(weeks, "active_rate")
    assert one["periods"] == 1 and math.isnan(one["p_value"])
    with pytest.raises(KeyError, match="not in the table"):
        kpi.period_heterogeneity(weeks, "core_share")


def test_readable_board_formats_shares_rates_and_unmeasurable_kpis():
    board = pd.DataFrame({"kpi": ["active_rate", "engagement_per_member", "prospect_conversion"],
                          "value": [0.3159, 0.5978, np.nan], "unit": ["share", "actions per member-day", "share"],
                          "ci_low": [0.3154, np.nan, np.nan], "ci_high": [0.3164, np.nan, np.nan],
                          "numerator": [1030601, 1950247, 0], "denominator": [3262410, 3262410, 0],
                          "definition": ["a", "b", "c"]})
    out = kpi.readable_board(board, missing="not measurable yet")
    assert list(out.columns) == ["kpi", "value", "interval", "numerator", "denominator", "definition"]
    assert out["value"].tolist() == ["31.6%", "0.60", "not measurable yet"]
    assert out["interval"].tolist() == ["(95% CI 31.5%–31.6%)", "", ""]
    assert out["numerator"].tolist() == [1030601, 1950247, 0]


def test_dau_wau_mau_chart_draws_no_stickiness_before_the_month_window_fills(events, messages):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from helpers import plots_members as pm
    out = kpi.dau_wau_mau(events, messages, START, END, wau_days=2, mau_days=3)
    ax = pm.plot_dau_wau_mau(out)
    sticky = ax.figure.axes[1].get_lines()[0].get_ydata()
    assert np.isnan(sticky[:2]).all() and sticky[2] == pytest.approx(0.5)  # only 06-03's month window is whole
    assert [x.get_text() for x in ax.get_legend().get_texts()][-1] == "window not yet full"
    plt.close(ax.figure)


def test_dau_wau_mau_agrees_with_counting_each_window_by_brute_force():
    rng = np.random.default_rng(5)
    n = 600  # 40 members on 60 days, a few with gaps longer than a window
    active = pd.DataFrame({"member_id": rng.choice([f"m{i}" for i in range(40)], n),
                           "day": pd.Timestamp("2026-05-01") + pd.to_timedelta(rng.integers(0, 60, n), unit="D")})
    events = active.assign(ts=active["day"] + pd.Timedelta(hours=12), event="like")[["member_id", "ts", "event"]]
    messages = pd.DataFrame({"sender_id": ["s1"], "sender_type": ["staff"], "ts": [ts("2026-05-02 09:00")]})  # staff: never counts
    out = kpi.dau_wau_mau(events, messages, "2026-05-20", "2026-06-30", wau_days=7, mau_days=30).set_index("day")
    pairs = active.drop_duplicates()
    for day, row in out.iterrows():
        for col, k in (("dau", 1), ("wau", 7), ("mau", 30)):
            inside = pairs[(pairs["day"] <= day) & (pairs["day"] > day - pd.Timedelta(days=k))]
            assert row[col] == inside["member_id"].nunique(), (day, col)
    assert out["mau_complete"].sum() == (out.index >= pd.Timestamp("2026-05-30")).sum()  # first activity 05-01


def test_every_kpi_definition_reads_in_chinese_with_its_parameters(sample):
    import re
    from helpers.glossary import definition, relabel
    con, (start, end) = sample.con, sample.timeline.pre
    board = kpi.compute_kpis(con, start, end, conversion_window_days=21, response_target_hours=6)
    zh = [definition(d, "zh") for d in board["definition"]]
    for en, text in zip(board["definition"], zh):
        assert re.search(r"[\u4e00-\u9fff]", text) and not re.search(r"\b(within|days|per|of)\b", text), (en, text)
    assert any("21 天" in z for z in zh) and any("6 个日历小时" in z for z in zh)  # the run's parameters kept
    assert definition(board["definition"].iloc[0], "en") == board["definition"].iloc[0]
    assert definition("a definition the glossary does not know", "zh") == "a definition the glossary does not know"
    shown = relabel(kpi.readable_board(board), "zh")
    assert shown["定义"].tolist() == zh
