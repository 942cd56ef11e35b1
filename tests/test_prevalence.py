"""Adjusted classify-and-count against hand-computed cases and the sample's planted chat sentiment."""
import numpy as np
import pandas as pd
import pytest

from helpers import feedback as F
from helpers import prevalence as P


def test_adjusted_share_by_hand():
    # 10 labelled: 4 negative, all read negative (tpr 1); 6 not negative, 3 read negative (fpr 0.5)
    truth = ["negative"] * 4 + ["neutral"] * 3 + ["positive"] * 3
    pred = ["negative"] * 4 + ["negative", "negative", "neutral", "negative", "positive", "positive"]
    r = P.adjusted_share(pred, truth, model_share=0.7, n_scored=1000, positive_class="negative", n_boot=500)
    assert (r.hit_rate, r.false_alarm_rate) == (1.0, 0.5)
    assert r.adjusted_share == pytest.approx((0.7 - 0.5) / (1 - 0.5))  # 0.4
    assert r.labelled_share == pytest.approx(0.4) and r.status == "OK"
    assert r.adjusted_ci_low <= r.adjusted_share <= r.adjusted_ci_high
    # clipped to [0, 1]: a model share below the false-alarm rate means none
    assert P.adjusted_share(pred, truth, 0.3, 1000, "negative", n_boot=50).adjusted_share == 0.0
    tab = P.confusion(pred, truth)
    assert tab.loc["neutral", "negative"] == 2 and tab.loc["positive", "negative"] == 1 and tab.to_numpy().sum() == 10


def test_adjusted_share_recovers_a_simulated_prevalence():
    rng = np.random.default_rng(5)
    n = 200_000
    truth = np.where(rng.random(n) < 0.25, "negative", "other")
    # a model that calls 90% of negatives and 35% of the rest negative: reads 0.25*0.9 + 0.75*0.35 = 48.75%
    pred = np.where(truth == "negative", np.where(rng.random(n) < 0.9, "negative", "other"),
                    np.where(rng.random(n) < 0.35, "negative", "other"))
    sample = rng.choice(n, 400, replace=False)
    r = P.adjusted_share(pred[sample], truth[sample], float((pred == "negative").mean()), n, "negative", seed=1)
    assert r.model_share == pytest.approx(0.4875, abs=0.005)
    assert r.adjusted_ci_low < 0.25 < r.adjusted_ci_high and abs(r.adjusted_share - 0.25) < 0.06
    assert r.labelled_ci_low < 0.25 < r.labelled_ci_high


def test_weak_model_and_one_sided_labels_are_flagged():
    same = P.adjusted_share(["negative", "negative", "neutral", "neutral"], ["negative", "neutral", "negative", "neutral"],
                            0.5, 10, "negative", n_boot=20)
    assert same.status == "MODEL_TOO_WEAK"  # tpr = fpr = 0.5: the model says nothing about the class
    none = P.adjusted_share(["neutral"] * 3, ["neutral"] * 3, 0.2, 10, "negative")
    assert none.status == "NO_LABELS" and np.isnan(none.adjusted_share)
    with pytest.raises(ValueError, match="differ in length"):
        P.adjusted_share(["negative"], ["negative", "neutral"], 0.5, 10, "negative")


def test_labelled_check_joins_labels_to_scored_messages():
    scored = pd.DataFrame({"source": ["message"] * 4 + ["ticket"], "item_id": ["m1", "m2", "m3", "m4", "t1"],
                           "label": ["negative", "negative", "positive", "neutral", "negative"]})
    labels = pd.DataFrame({"msg_id": ["m1", "m2", "m3", "zz"], "label": ["negative", "neutral", "positive", "negative"]})
    r, tab = F.labelled_check(scored, labels)
    assert r.n_scored == 4 and r.n_labelled == 3  # the ticket and the unknown message are left out
    assert r.model_share == 0.5 and (r.hit_rate, r.false_alarm_rate) == (1.0, 0.5)
    assert tab.loc["neutral", "negative"] == 1


def test_labelled_check_of_tickets_joins_ticket_labels():
    scored = pd.DataFrame({"source": ["message"] + ["ticket"] * 4, "item_id": ["m1", "101", "102", "103", "104"],
                           "label": ["negative", "negative", "negative", "negative", "neutral"]})
    labels = pd.DataFrame({"ticket_id": [101, 102, 104, 999], "label": ["negative", "neutral", "neutral", "negative"]})
    r, tab = F.labelled_check(scored, labels, source="ticket")
    assert r.n_scored == 4 and r.n_labelled == 3  # the message and the unknown ticket are left out
    assert r.model_share == 0.75 and (r.hit_rate, r.false_alarm_rate) == (1.0, 0.5)
    assert tab.loc["neutral", "negative"] == 1 and tab.loc["neutral", "neutral"] == 1
    with pytest.raises(KeyError, match="ticket_id"):
        F.labelled_check(scored, labels.rename(columns={"ticket_id": "msg_id"}), source="ticket")
    with pytest.raises(ValueError, match="source"):
        F.labelled_check(scored, labels, source="email")


def test_sample_ticket_negative_share_is_recovered_from_its_hand_labels(sample):
    con = sample.con
    fb = F.member_feedback(tickets=con.table("tickets"), start=sample.timeline.pre[0], end=sample.timeline.end)
    r, tab = F.labelled_check(F.score_feedback(fb), con.table("ticket_sentiment_labels"), seed=7, source="ticket")
    planted = sample.truth["figures"]["ticket_negative_share_realized"]
    labelled = con.table("ticket_sentiment_labels").to_pandas()
    assert len(labelled) == 300 and set(labelled["label"]) == {"negative", "neutral"}  # no description is positive
    assert r.status == "OK" and r.n_labelled >= 0.95 * 300
    assert r.adjusted_ci_low <= planted <= r.adjusted_ci_high and r.labelled_ci_low <= planted <= r.labelled_ci_high


def test_sample_negative_share_is_recovered_from_its_hand_labels(sample):
    con = sample.con
    fb = F.member_feedback(con.table("messages"), members=con.table("members"), start=sample.timeline.pre[0],
                           end=sample.timeline.end)
    r, tab = F.labelled_check(F.score_feedback(fb), con.table("sentiment_labels"), seed=7)
    planted = sample.truth["figures"]["chat_negative_share_realized"]
    # the model reads questions and neutral remarks as complaints: its own share is far above the truth
    assert r.model_share > planted + 0.1
    assert r.adjusted_ci_low <= planted <= r.adjusted_ci_high and r.labelled_ci_low <= planted <= r.labelled_ci_high
    assert r.n_labelled >= 0.95 * 400 and r.status == "OK"


def test_adjusted_by_group_by_hand_and_as_the_pooled_correction():
    # the same 10 labels as above: tpr 1, fpr 0.5; a group reading 70% negative is 40% negative, one reading
    # 45% is below the false-alarm rate (0), an empty group has no share
    truth = ["negative"] * 4 + ["neutral"] * 3 + ["positive"] * 3
    pred = ["negative"] * 4 + ["negative", "negative", "neutral", "negative", "positive", "positive"]
    groups = pd.DataFrame({"chat": ["a", "b", "c"], "n_texts": [1000, 200, 0], "negative": [700, 90, 0]})
    out = P.adjusted_by_group(groups, pred, truth, "negative", n_boot=300)
    assert out["adjusted_share"].iloc[0] == pytest.approx(0.4) and out["adjusted_share"].iloc[1] == 0.0
    assert out["adjusted_share"].isna().iloc[2] and out["adjusted_ci_low"].isna().iloc[2]
    assert list(out.columns[:3]) == ["chat", "n_texts", "negative"]  # the input's columns come first, unchanged
    # a group as large as the scored set gives the pooled correction's point estimate
    pooled = P.adjusted_share(pred, truth, 0.7, 1000, "negative", n_boot=300)
    assert out["adjusted_share"].iloc[0] == pytest.approx(pooled.adjusted_share)
    # labels with no negative item cannot correct anything
    none = P.adjusted_by_group(groups, ["neutral"] * 3, ["neutral"] * 3, "negative")
    assert none["adjusted_share"].isna().all()


def test_adjusted_by_group_intervals_cover_simulated_groups_and_widen_for_small_ones():
    # groups of 5,000 and 150 messages with true negative shares 20% and 40%; the model calls 90% of
    # negatives and 30% of the rest negative; 400 labels from the pooled messages. Over 60 draws each
    # group's interval covers its true share in most draws, and the small group's is wider
    rng = np.random.default_rng(11)
    covered, width = np.zeros(2), np.zeros(2)
    reps, shares, sizes = 60, np.array([0.2, 0.4]), np.array([5000, 150])
    for _ in range(reps):
        truth = [rng.random(s) < p for s, p in zip(sizes, shares)]
        pred = [np.where(t, rng.random(t.size) < 0.9, rng.random(t.size) < 0.3) for t in truth]
        t_all, p_all = np.concatenate(truth), np.concatenate(pred)
        pick = rng.choice(t_all.size, 400, replace=False)
        groups = pd.DataFrame({"n_texts": sizes, "negative": [int(p.sum()) for p in pred]})
        out = P.adjusted_by_group(groups, np.where(p_all[pick], "negative", "neutral"),
                                  np.where(t_all[pick], "negative", "neutral"), "negative", n_boot=400,
                                  seed=int(rng.integers(1 << 30)))
        covered += (out["adjusted_ci_low"] <= shares) & (shares <= out["adjusted_ci_high"])
        width += out["adjusted_ci_high"] - out["adjusted_ci_low"]
    assert (covered / reps >= 0.85).all(), covered / reps
    assert width[1] > 1.5 * width[0]


def test_labelled_by_corrects_each_chat_and_agrees_with_the_pooled_correction(sample):
    con = sample.con
    fb = F.member_feedback(con.table("messages"), members=con.table("members"), start=sample.timeline.pre[0],
                           end=sample.timeline.end)
    scored = F.score_feedback(fb)
    by_chat = F.labelled_by(F.sentiment_by(scored, "community"), scored, con.table("sentiment_labels"), seed=7)
    pooled, _ = F.labelled_check(scored, con.table("sentiment_labels"), seed=7)
    # the correction is affine in the model share, so the message-weighted mean of the chats' unclipped
    # corrections is the pooled one; clipping at 0 or 1 moves it only slightly
    mean = np.average(by_chat["adjusted_share"], weights=by_chat["n_texts"])
    assert mean == pytest.approx(pooled.adjusted_share, abs=0.02)
    assert (by_chat["adjusted_share"] < by_chat["negative_share"]).all()  # the model over-reads every chat
    ok = by_chat["adjusted_ci_low"] <= by_chat["adjusted_share"]
    assert (ok & (by_chat["adjusted_share"] <= by_chat["adjusted_ci_high"])).all()


def test_labelled_by_uses_chat_messages_only():
    scored = pd.DataFrame({"source": ["message"] * 4 + ["ticket"], "item_id": ["m1", "m2", "m3", "m4", "t1"],
                           "label": ["negative", "negative", "positive", "neutral", "negative"]})
    labels = pd.DataFrame({"msg_id": ["m1", "m2", "m3", "t1"], "label": ["negative", "neutral", "positive", "neutral"]})
    groups = pd.DataFrame({"community_id": ["c"], "n_texts": [100], "negative": [70]})
    out = F.labelled_by(groups, scored, labels)
    # labelled messages: tpr 1 (m1), fpr 1/2 (m2 of m2, m3); the ticket's label is not a message's
    assert out["adjusted_share"].iloc[0] == pytest.approx((0.7 - 0.5) / (1 - 0.5))
