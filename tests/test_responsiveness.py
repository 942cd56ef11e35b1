"""Group-chat reply times from a hand-countable archive; reconciliation with groupchat/statistic."""
import math

import pandas as pd
import pytest

from helpers import responsiveness as rs

T = pd.Timestamp
START, END = "2026-06-01", "2026-06-03"


@pytest.fixture
def messages():
    # g1: c1 09:00 (a), c2 09:10 (b) -> staff s1 09:30 answers both (30, 20 min); robot at 09:01 never counts
    # g1: c3 10:00 (a) -> s2 at 12:00 (120 min); g2: c4 10:00 -> staff only in g1 -> unanswered
    # g2: c5 06-02 08:00 -> s1 replies 06-03 09:00 (25 h) -> outside a 24 h window
    return pd.DataFrame({
        "msg_id": ["c1", "r1", "c2", "s1a", "c3", "s2a", "c4", "c5", "s1b"],
        "community_id": ["g1", "g1", "g1", "g1", "g1", "g1", "g2", "g2", "g2"],
        "sender_id": ["a", "bot", "b", "s1", "a", "s2", "c", "c", "s1"],
        "sender_type": ["customer", "robot", "customer", "staff", "customer", "staff", "customer", "customer", "staff"],
        "ts": [T("2026-06-01 09:00"), T("2026-06-01 09:01"), T("2026-06-01 09:10"), T("2026-06-01 09:30"),
               T("2026-06-01 10:00"), T("2026-06-01 12:00"), T("2026-06-01 10:00"), T("2026-06-02 08:00"),
               T("2026-06-03 09:00")],
        "text": ["在吗", "auto", "ok", "hi", "price?", "yes", "hello", "where is my parcel？", "sorry"],
    })


def test_by_group_counts_and_minutes(messages):
    out = rs.responsiveness(messages, START, END, by="community").set_index("community_id")
    g1, g2 = out.loc["g1"], out.loc["g2"]
    assert (g1["customer_messages"], g1["answered"]) == (3, 3)
    assert g1["median_reply_minutes"] == pytest.approx(30.0) and g1["mean_reply_minutes"] == pytest.approx(170 / 3)
    assert (g2["customer_messages"], g2["answered"], g2["unanswered_share"]) == (2, 0, 1.0)
    assert math.isnan(g2["median_reply_minutes"])


def test_window_is_a_parameter_and_staff_credit(messages):
    wide = rs.responsiveness(messages, START, END, by="community", window_hours=26).set_index("community_id")
    assert wide.loc["g2", "answered"] == 1  # c5 answered after 25 h
    staff = rs.responsiveness(messages, START, END, by="staff").set_index("staff_id")
    assert staff.loc["s1", "answered"] == 2 and staff.loc["s2", "answered"] == 1
    assert "bot" not in staff.index
    overall = rs.responsiveness(messages, START, END, by="all").iloc[0]
    assert (overall["customer_messages"], overall["answered"]) == (5, 3)
    assert overall["unanswered_share"] == pytest.approx(0.4)
    q = rs.responsiveness(messages, START, END, by="all", questions_only=True).iloc[0]
    assert q["customer_messages"] == 3  # 在吗, price?, parcel？
    with pytest.raises(ValueError, match="by"):
        rs.responsiveness(messages, START, END, by="team")
    with pytest.raises(ValueError, match="window_hours"):
        rs.responsiveness(messages, START, END, window_hours=0)


def test_reconcile_daily_totals(messages):
    comms = pd.DataFrame({"community_id": ["g1", "g2"], "owner_id": ["o1", "o2"]})
    stats = pd.DataFrame({"owner_id": ["o1", "o2", "o2"], "day": pd.to_datetime(["2026-06-01", "2026-06-01", "2026-06-02"]).date,
                          "msg_total": [8, 1, 3]})
    daily = rs.reconcile_daily_totals(messages, stats, comms, START, END).set_index(["owner_id", "day"])
    # o1 06-01: 6 archived messages (customer, robot, staff) vs 8; o2 06-01: 1 vs 1; o2 06-02: 1 vs 3
    assert daily.loc[("o1", T("2026-06-01")), ["archive_msgs", "msg_total", "gap"]].tolist() == [6, 8, 2]
    assert daily.loc[("o2", T("2026-06-02")), "coverage"] == pytest.approx(1 / 3)
    summary = rs.reconciliation_summary(daily.reset_index()).iloc[0]
    assert (summary["archive_msgs"], summary["msg_total"]) == (8, 12)
    assert summary["coverage"] == pytest.approx(8 / 12) and summary["share_archive_above_total"] == 0.0
    assert summary["correlation"] == pytest.approx(pd.Series([6, 1, 1]).corr(pd.Series([8, 1, 3])))  # reference: pandas Pearson


def test_archive_never_exceeds_statistic_on_sample(sample):
    con, tl = sample.con, sample.timeline
    daily = rs.reconcile_daily_totals(con.table("messages"), con.table("owner_daily_stats"),
                                      con.table("communities"), *tl.pre)
    s = rs.reconciliation_summary(daily).iloc[0]
    assert s["owner_days"] > 0 and s["share_archive_above_total"] == 0.0
    assert 0.8 < s["coverage"] <= 1.0  # ~93% of members consent to archiving
    out = rs.responsiveness(con.table("messages"), *tl.pre, by="all").iloc[0]
    assert 0 < out["answered_share"] <= 1


@pytest.mark.parametrize("extra", [None, "tie"])
def test_window_formulation_equals_the_asof_join(messages, monkeypatch, extra):
    # engines without as-of joins (Spark) take the window-function path; on DuckDB both must agree
    if extra == "tie":  # a staff message at the very instant of a customer message answers it in 0 minutes
        messages = pd.concat([messages, pd.DataFrame({
            "msg_id": ["c6", "s3"], "community_id": ["g2", "g2"], "sender_id": ["d", "s3"],
            "sender_type": ["customer", "staff"], "ts": [T("2026-06-02 11:00")] * 2, "text": ["?", "!"]})])
    cols = ["msg_id", "staff_id", "reply_minutes", "answered"]
    asof = rs.reply_pairs(messages, START, END).to_pandas()[cols].sort_values("msg_id").reset_index(drop=True)
    monkeypatch.setattr(rs, "_NO_ASOF", ("duckdb",))
    window = rs.reply_pairs(messages, START, END).to_pandas()[cols].sort_values("msg_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(asof, window)
    assert asof["answered"].sum() == (5 if extra else 3)  # with the tie row, s3 also answers c5 (3 h)
    if extra:
        assert asof.set_index("msg_id").loc["c6", "reply_minutes"] == 0.0
