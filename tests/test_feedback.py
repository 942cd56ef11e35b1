"""Feedback from the warehouse: hand-countable frames, then the sample's planted tier-3 figures."""
import numpy as np
import pandas as pd
import ibis
import pytest
from statsmodels.stats.proportion import proportion_confint
from scipy import stats

from helpers import feedback as F


def ts(s):
    return pd.Timestamp(s)


@pytest.fixture(scope="module")
def frames():
    messages = pd.DataFrame({
        "msg_id": ["m1", "m2", "m3", "m4", "m5", "m6", "m7"],
        "sender_id": ["a", "a", "b", "s1", "b", "c", "a"],
        "sender_type": ["customer", "customer", "customer", "staff", "customer", "customer", "customer"],
        # m6 at 00:30 local on Monday 06-08 is 16:30 UTC on Sunday: its week must be the local one
        "ts": [ts("2026-06-01 10:00"), ts("2026-06-05 10:00"), ts("2026-06-02 10:00"), ts("2026-06-02 11:00"),
               ts("2026-06-03 09:00"), ts("2026-06-08 00:30"), ts("2026-07-01 00:00")],
        "community_id": ["c1", "c1", "c1", "c1", "c2", "c2", "c1"],
        "text": ["快递显示已签收，但我根本没收到", "客服回复很及时，问题很快解决了，很满意", "价格有点贵，优惠券也用不了", "收到",
                 "   ", "Fast delivery, great packaging, love it!", "物流太慢了"],
    })
    tickets = pd.DataFrame({
        "ticket_id": ["t1", "t2", "t3"], "member_id": ["a", "b", "c"],
        "created_ts": [ts("2026-06-02 09:00"), ts("2026-06-05 09:00"), ts("2026-06-06 09:00")],
        "solved_ts": [ts("2026-06-04 09:00"), pd.NaT, ts("2026-06-06 15:30")],
        "category": ["signoff_exception", "refund", "product_quality"], "csat": ["bad", "offered", "good"],
        "region": ["East", "North", "West"], "subject": ["签收异常", "申请退款", "产品有质量问题"],
        "description": ["物流显示已签收，但我本人没有收到包裹。", None, "  "],
    })
    members = pd.DataFrame({"member_id": ["a", "b", "c"], "region": ["East", None, "South"], "city_tier": [3, 1, None]})
    return messages, tickets, members


def test_member_feedback_filters_in_the_engine_and_joins_members(frames):
    messages, tickets, members = frames
    lazy = F.member_feedback(messages, tickets, members, start="2026-06-01", end="2026-07-01")
    assert isinstance(lazy, ibis.Table)  # nothing read yet: summaries aggregate in the engine
    fb = F.rows(lazy)
    # staff m4, blank m5 and m7 (at the window's end, excluded) are gone; 4 messages + 3 tickets remain
    assert sorted(fb["item_id"]) == ["m1", "m2", "m3", "m6", "t1", "t2", "t3"]
    assert list(fb.columns) == F.COLUMNS
    t = fb.set_index("item_id")
    assert t.loc["t2", "text"] == "申请退款" and t.loc["t3", "text"] == "产品有质量问题"  # subject when no description
    assert t.loc["t1", "handling_hours"] == pytest.approx(48.0) and np.isnan(t.loc["t2", "handling_hours"])
    assert t.loc["t3", "handling_hours"] == pytest.approx(6.5)
    # region: the member's, else the ticket's; city tier from members (nullable)
    assert (t.loc["t2", "region"], t.loc["t3", "region"], t.loc["m1", "city_tier"]) == ("North", "South", 3)
    assert pd.isna(t.loc["m6", "city_tier"])
    with pytest.raises(ValueError, match="Pass"):
        F.member_feedback()
    with pytest.raises(KeyError, match="text"):
        F.member_feedback(messages.drop(columns="text"))


@pytest.fixture(scope="module")
def scored(frames):
    return F.score_feedback(F.member_feedback(*frames, start="2026-06-01", end="2026-07-01"))


def test_score_feedback_adds_sentiment_and_aspects(scored):
    t = F.rows(scored).set_index("item_id")
    assert t.loc["m1", ["lang", "label", "aspect"]].tolist() == ["zh", "negative", "logistics"]
    assert t.loc["m2", ["label", "aspect"]].tolist() == ["positive", "service"]
    assert t.loc["m3", "aspect"] == "price"
    assert t.loc["m6", ["lang", "label"]].tolist() == ["en", "positive"] and np.isnan(t.loc["m6", "p_positive"])


def test_sentiment_by_week_uses_local_weeks_and_flags_spikes(scored):
    out = F.sentiment_by(scored, "week", min_texts=1)
    # 06-01..06-07: m1, m2, m3, t1, t2, t3; m6 (Monday 06-08 local) opens the next week
    assert out["week"].dt.strftime("%m-%d").tolist() == ["06-01", "06-08"]
    assert out["n_texts"].tolist() == [6, 1]
    # hand case for the spike rule: 30 negatives of 40 vs 10 of 100 elsewhere
    hand = pd.DataFrame({"community_id": ["x"] * 40 + ["y"] * 100, "score": 0.0,
                         "label": ["negative"] * 30 + ["positive"] * 10 + ["negative"] * 10 + ["positive"] * 90})
    sp = F.sentiment_by(hand, "community", alpha=0.05, min_texts=20).set_index("community_id")
    assert sp.loc["x", "negative_share"] == pytest.approx(0.75)
    assert sp.loc["x", "others_negative_share"] == pytest.approx(0.10)
    assert sp.loc["x", "p_value"] == pytest.approx(stats.binomtest(30, 40, 0.10, alternative="greater").pvalue)  # reference: scipy
    assert sp["negative_spike"].tolist() == [True, False]
    with pytest.raises(ValueError, match="'week'"):
        F.sentiment_by(scored, "month")


def test_aspect_joins_on_hand_frames(scored):
    share = F.aspect_share(scored, by="city_tier")
    # tier 3 (member a): m1 logistics, m2 service -> 1/2 each; tier 1 (member b): m3 price
    t3 = share[share["city_tier"] == 3].set_index("aspect")["share"]
    assert t3.to_dict() == {"logistics": 0.5, "service": 0.5}
    tiers = F.aspect_tickets_by_tier(scored).set_index("city_tier")
    assert tiers.loc[3, ["tickets", "category_tickets", "category_ticket_share"]].tolist() == [1, 1, 1.0]
    assert tiers.loc[3, "category_mean_handling_hours"] == pytest.approx(48.0)
    assert tiers.loc[3, "voiced_member_ticket_rate"] == 1.0
    # member a voiced logistics and filed; no other tier-3 chat member: no comparison, no p-value
    assert tiers.loc[3, "other_members"] == 0 and np.isnan(tiers.loc[3, "ticket_rate_p_value"])
    ac = F.aspect_category(scored).set_index("category")
    assert bool(ac.loc["signoff_exception", "matches"]) and ac.loc["signoff_exception", "aspect"] == "logistics"


def test_csat_and_before_after(scored):
    cs = F.csat_vs_sentiment(scored).set_index("csat")
    assert cs["n_tickets"].tolist() == [1, 1]  # t3 good, t1 bad; t2 'offered' is left out
    ba = F.sentiment_around_tickets(scored, window_days=14).set_index("category")
    # t1 (member a): m1 before creation (06-01), m2 after solving (06-05): one pair
    assert ba.loc["all", "tickets"] == 1
    m = F.rows(scored).set_index("item_id")["score"]
    assert ba.loc["all", "change"] == pytest.approx(m["m2"] - m["m1"])
    with pytest.raises(ValueError, match="window_days"):
        F.sentiment_around_tickets(scored, window_days=0)


@pytest.fixture(scope="module")
def sample_scored(sample):
    con = sample.con
    fb = F.member_feedback(con.table("messages"), con.table("tickets"), con.table("members"), *sample.timeline.pre)
    return F.score_feedback(fb)


def test_sample_logistics_dominates_tier3_feedback(sample, sample_scored):
    fig = sample.truth["figures"]
    tiers = F.aspect_tickets_by_tier(sample_scored).set_index("city_tier")
    # planted (sample_truth.md): tier-3 requesters' pre-period tickets 68% logistics, mean resolution 48 h
    assert tiers.loc[3, "category_ticket_share"] == pytest.approx(fig["tier3_logistics_share"], abs=0.02)
    assert tiers.loc[3, "category_mean_handling_hours"] == pytest.approx(fig["tier3_logistics_mean_resolution_hours"], abs=4)
    assert tiers["category_ticket_share"].idxmax() == 3
    # in chat, logistics is tier 3's largest aspect and at least twice its share in any other tier
    share = F.aspect_share(sample_scored, by="city_tier")
    t3 = share[share["city_tier"] == 3].set_index("aspect")["share"]
    assert t3.idxmax() == "logistics"
    other = share[(share["city_tier"] != 3) & (share["aspect"] == "logistics")]["share"]
    assert t3["logistics"] > 2 * other.max()


def test_ticket_rate_difference_is_fisher_tested():
    # tier 3: 4 members voice logistics (3 file a logistics ticket), 6 do not (1 files)
    msgs = pd.DataFrame({"source": "message", "member_id": [f"v{i}" for i in range(4)] + [f"o{i}" for i in range(6)],
                         "city_tier": 3, "aspect": ["logistics"] * 4 + ["price"] * 6, "category": None, "handling_hours": np.nan})
    tks = pd.DataFrame({"source": "ticket", "member_id": ["v0", "v1", "v2", "o0"], "city_tier": 3, "aspect": None,
                        "category": "delivery_delay", "handling_hours": 10.0})
    row = F.aspect_tickets_by_tier(pd.concat([msgs, tks], ignore_index=True)).iloc[0]
    assert (row["voiced_members"], row["other_members"]) == (4, 6)
    assert row["voiced_member_ticket_rate"] == 0.75 and row["other_member_ticket_rate"] == pytest.approx(1 / 6)
    assert row["ticket_rate_p_value"] == pytest.approx(stats.fisher_exact([[3, 1], [1, 5]]).pvalue)
    # Newcombe's hybrid score interval of 3/4 - 1/6 (Newcombe 1998, method 10): Wilson bounds of each rate combined
    (l1, u1), (l2, u2) = (proportion_confint(x, n, method="wilson") for x, n in ((3, 4), (1, 6)))
    d = 0.75 - 1 / 6
    assert row["rate_diff_ci_low"] == pytest.approx(d - ((0.75 - l1) ** 2 + (u2 - 1 / 6) ** 2) ** 0.5)
    assert row["rate_diff_ci_high"] == pytest.approx(d + ((u1 - 0.75) ** 2 + (1 / 6 - l2) ** 2) ** 0.5)


def test_sample_lexicon_agrees_with_most_but_not_all_logistics_tickets(sample_scored):
    ac = F.aspect_category(sample_scored)
    agree = ac[ac["matches"]].set_index("category")["share"]
    n = F.rows(sample_scored, source="ticket")["category"].value_counts()
    # planted (sample_truth.md): 1 of 6 sign-off and 1 of 5 delivery-delay Chinese sentences name no
    # logistics term; English ones all do (10%): 0.9 * 5/6 + 0.1 = 0.85 and 0.9 * 4/5 + 0.1 = 0.82;
    # three binomial standard errors (all-agreeing descriptions, as before, fail this)
    for cat, planted in (("signoff_exception", 0.85), ("delivery_delay", 0.82)):
        tol = 3 * (planted * (1 - planted) / n[cat]) ** 0.5
        assert agree[cat] == pytest.approx(planted, abs=tol), (cat, n[cat])


def test_plots_draw_what_the_tables_hold(scored):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from helpers import feedback_plots as FP
    trend = F.sentiment_by(scored, "week", min_texts=1).assign(negative_spike=[True, False])
    ax = FP.plot_sentiment_trend(trend, "title states the finding", lang="zh")
    assert ax.get_title(loc="left") == "title states the finding" or ax.get_title() == "title states the finding"
    assert len(ax.collections[-1].get_offsets()) == 1  # one spike marked
    shares = F.aspect_share(scored, by="city_tier")
    ax = FP.plot_aspect_share(shares, "t")
    assert len(ax.patches) == shares["city_tier"].nunique() * shares["aspect"].nunique()
    models = pd.DataFrame({"model": ["kit", "snownlp"], "accuracy": [0.86, 0.85], "accuracy_ci_low": [0.85, 0.84],
                           "accuracy_ci_high": [0.87, 0.86], "macro_f1": [0.86, 0.85]})
    ax = FP.plot_model_comparison(models, "t")
    assert sorted(round(p.get_width(), 2) for p in ax.patches) == [0.85, 0.85, 0.86, 0.86]
    plt.close("all")


def test_member_feedback_orders_on_time_then_source_then_id():
    when = ts("2026-06-03 10:00")
    messages = pd.DataFrame({"msg_id": ["m9", "m10", "m2", "m5"], "sender_id": ["a", "b", "c", "a"],
                             "sender_type": ["customer"] * 4, "ts": [when, when, ts("2026-06-02 08:00"), when],
                             "community_id": ["c1"] * 4, "text": ["慢", "好", "贵", "差"]})
    tickets = pd.DataFrame({"ticket_id": ["t2", "t1"], "member_id": ["a", "b"], "created_ts": [when, when],
                            "solved_ts": [pd.NaT, pd.NaT], "category": ["refund", "refund"], "csat": [None, None],
                            "region": ["East", "East"], "subject": ["退款", "退款"], "description": ["没到账", "没到账"]})
    fb = F.rows(F.member_feedback(messages, tickets))
    # ids compare as text ("m10" < "m5" < "m9"); at one time, messages come before tickets
    assert fb["item_id"].tolist() == ["m2", "m10", "m5", "m9", "t1", "t2"]
    assert fb.index.tolist() == list(range(6))


def test_overview_within_and_source_counts_by_hand(scored):
    hand = pd.DataFrame({"source": ["message", "message", "ticket"], "label": ["negative", "positive", "negative"]})
    ov = F.overview(hand).set_index("source")
    assert ov["n_texts"].to_dict() == {"message": 2, "ticket": 1, "all": 3}
    assert ov["negative_share"].tolist() == pytest.approx([0.5, 1.0, 2 / 3])
    # before 06-05 00:00 local: m1 (06-01), m3 and t1 (06-02); m2 (06-05 10:00) and t2 (06-05 09:00) are out
    assert sorted(F.rows(F.within(scored, end="2026-06-05"))["item_id"]) == ["m1", "m3", "t1"]
    assert F.rows(F.within(scored, start="2026-06-06"))["item_id"].tolist() == ["t3", "m6"]
    weekly = F.sentiment_by(scored, "week", min_texts=1, source="message")
    assert weekly["n_texts"].tolist() == [3, 1]  # m1, m2, m3; then m6


def test_rows_samples_the_same_rows_on_every_call():
    n = 60
    fb = pd.DataFrame({"source": "message", "item_id": [f"m{i}" for i in range(n)],
                       "ts": pd.date_range("2026-06-01", periods=n, freq="h"),
                       "label": ["negative", "neutral"] * (n // 2), "text": "x"})
    a, b = F.rows(fb, max_rows=10, seed=7), F.rows(fb, max_rows=10, seed=7)
    assert len(a) == 10 and a["item_id"].is_unique and a["item_id"].tolist() == b["item_id"].tolist()
    assert a["ts"].is_monotonic_increasing  # time order, not hash order
    assert set(F.rows(fb, max_rows=10, seed=8)["item_id"]) != set(a["item_id"])
    neg = F.rows(fb, label="negative", max_rows=100)
    assert len(neg) == n // 2 and (neg["label"] == "negative").all()  # fewer rows than max_rows: all of them
    with pytest.raises(ValueError, match="max_rows"):
        F.rows(fb, max_rows=0)


def test_engine_summaries_agree_with_pandas_on_the_sample(sample_scored):
    # the same figures computed the plain way on every row in pandas
    df = F.rows(sample_scored)
    by_chat = F.sentiment_by(sample_scored, "community").set_index("community_id")
    ref = df.dropna(subset=["community_id"]).groupby("community_id").agg(
        n_texts=("score", "size"), mean_score=("score", "mean"), negative=("label", lambda s: (s == "negative").sum()))
    pd.testing.assert_frame_equal(by_chat[["n_texts", "mean_score", "negative"]], ref, check_dtype=False, check_names=False)
    msg = df[(df["source"] == "message") & df["city_tier"].notna()]
    share = F.aspect_share(sample_scored, by="city_tier").set_index(["city_tier", "aspect"])["n_texts"]
    assert share.to_dict() == msg.groupby(["city_tier", "aspect"]).size().to_dict()
    tiers = F.aspect_tickets_by_tier(sample_scored).set_index("city_tier")
    voiced = msg[msg["aspect"] == "logistics"].groupby("city_tier")["member_id"].nunique()
    assert tiers["voiced_members"].to_dict() == voiced.to_dict()
    assert tiers["feedback_texts"].to_dict() == msg.groupby("city_tier").size().to_dict()
