"""Per-unit outcome tables on hand-countable frames (naive time stamps read as Asia/Shanghai)."""
import pandas as pd
import pytest

from helpers import outcomes, paths
from helpers.timeline import Timeline

TL = Timeline(start="2026-06-01", pre_days=2, design_days=1, test_days=2)  # pre 06-01..02, test 06-04..05
ts = pd.Timestamp


def assignments(exp, unit_type, units):
    return pd.DataFrame({"experiment_id": exp, "unit_type": unit_type, "unit_id": [u for u, _ in units],
                         "variant": [v for _, v in units], "assigned_ts": ts("2026-06-04"), "stratum": "s"})


def test_itinerary_bounces_per_member_and_period():
    ev = pd.DataFrame({
        "member_id": ["a", "a", "a", "a", "b", "b", "b"],
        "ts": [ts("2026-06-01 10:00"), ts("2026-06-01 10:10"),   # a: view then event 10 min later -> no bounce
               ts("2026-06-04 09:00"), ts("2026-06-04 09:31"),   # a: next event 31 min later -> bounce
               ts("2026-06-02 23:50"),                           # b: last event -> bounce (pre)
               ts("2026-06-03 12:00"),                           # b: design period view, not counted
               ts("2026-06-05 08:00")],                          # b: last event in test -> bounce
        "event": ["page_view", "click", "page_view", "page_view", "page_view", "page_view", "page_view"],
        "page": ["itinerary_consult", "itinerary_consult", "itinerary_consult", "home", "itinerary_consult",
                 "itinerary_consult", "itinerary_consult"],
    })
    a = assignments("nav_fix", "member", [("a", "treatment"), ("b", "control"), ("c", "control")])
    out = outcomes.itinerary_bounces(ev, a, TL).set_index("member_id")
    assert out.loc["a", ["pre_views", "pre_bounces", "test_views", "test_bounces"]].tolist() == [1, 0, 1, 1]
    assert out.loc["b", ["pre_views", "pre_bounces", "test_views", "test_bounces"]].tolist() == [1, 1, 1, 1]
    assert out.loc["c", ["pre_views", "test_views"]].tolist() == [0, 0]  # assigned, no events: zeros
    assert out.loc["a", "variant"] == "treatment"
    with pytest.raises(ValueError, match="gap_minutes"):
        outcomes.itinerary_bounces(ev, a, TL, gap_minutes=0)


def test_a_simultaneous_event_does_not_continue_the_session_whichever_way_the_tie_sorts():
    # d: a view and a click at one instant, then nothing for days: a bounce, as in paths.sessions, whether
    # the engine puts the click before or after the view; e: two simultaneous views, then nothing: both
    at, late = ts("2026-06-01 10:00"), ts("2026-06-05 10:00")
    ev = pd.DataFrame({"member_id": ["d", "d", "e", "e", "d"], "ts": [at, at, at, at, late],
                       "event": ["page_view", "click", "page_view", "page_view", "page_view"],
                       "page": ["itinerary_consult", None, "itinerary_consult", "itinerary_consult", "home"]})
    a = assignments("nav_fix", "member", [("d", "treatment"), ("e", "control")])
    for rows in (ev, ev.iloc[[1, 0, 3, 2, 4]]):
        out = outcomes.itinerary_bounces(rows, a, TL).set_index("member_id")
        assert out.loc["d", ["pre_views", "pre_bounces"]].tolist() == [1, 1]
        assert out.loc["e", ["pre_views", "pre_bounces"]].tolist() == [2, 2]
    # the same rule as the journey chapter's bounce rates
    pages = paths.bounce_rates(ev.assign(member_id="d"), nodes=["itinerary_consult"], start=TL.pre[0], end=TL.pre[1])
    assert pages[["views", "bounces"]].values.tolist() == [[3, 3]]


def test_message_opens_counts_delivered_sends_and_timely_opens():
    b = pd.DataFrame({"broadcast_id": ["m1", "m1", "m2", "m2", "m3"], "member_id": ["a", "b", "a", "b", "a"],
                      "sent_ts": [ts("2026-06-01 10:00")] * 2 + [ts("2026-06-04 10:00")] * 2 + [ts("2026-06-05 10:00")],
                      "status": [1, 1, 1, 2, 1]})
    ev = pd.DataFrame({"member_id": ["a", "b", "a"], "event": ["link_open"] * 3, "campaign": ["m1", "m1", "m2"],
                       "ts": [ts("2026-06-01 11:00"), ts("2026-06-04 11:00"), ts("2026-06-04 12:00")]})
    a = assignments("broadcast_personalization", "member", [("a", "treatment"), ("b", "control")])
    out = outcomes.message_opens(b, ev, a, TL).set_index("member_id")
    # a: pre m1 opened; test m2 opened, m3 not. b: pre m1 opened after 73 h -> not; m2 not delivered
    assert out.loc["a", ["pre_sends", "pre_opens", "test_sends", "test_opens"]].tolist() == [1, 1, 2, 1]
    assert out.loc["b", ["pre_sends", "pre_opens", "test_sends", "test_opens"]].tolist() == [1, 0, 0, 0]


@pytest.fixture
def programme():
    mem = pd.DataFrame({"member_id": ["a", "b", "c", "c"], "community_id": ["g1", "g1", "g2", "g1"],
                        "join_ts": [ts("2026-05-01"), ts("2026-05-01"), ts("2026-05-01"), ts("2026-05-01")],
                        # b leaves on 06-02 at noon: current on 06-01 only
                        "leave_ts": [pd.NaT, ts("2026-06-02 12:00"), pd.NaT, pd.NaT]})
    ev = pd.DataFrame({"member_id": ["a", "a", "c"], "event": ["like", "page_view", "post"],
                       "community_id": ["g1", "g1", "g2"],
                       "ts": [ts("2026-06-01 09:00"), ts("2026-06-02 09:00"), ts("2026-06-04 09:00")]})
    msg = pd.DataFrame({"sender_id": ["b", "a", "s"], "sender_type": ["customer", "customer", "staff"],
                        "community_id": ["g1", "g1", "g1"], "text": ["hi", "太差了", "ok"],
                        "ts": [ts("2026-06-02 09:00"), ts("2026-06-04 10:00"), ts("2026-06-04 10:00")]})
    a = assignments("community_programme", "community", [("g1", "treatment"), ("g2", "control")])
    return mem, ev, msg, a


def test_community_activity_daily_rates(programme):
    mem, ev, msg, a = programme
    out = outcomes.community_activity_daily(ev, msg, mem, a, TL)
    g1 = out[out.community_id == "g1"].set_index(out[out.community_id == "g1"]["day"].dt.strftime("%m-%d"))
    # 06-01: a, b, c current; a active (like) -> 1/3. 06-02: a, c current (b left); a's page_view is not
    # activity and b's message comes after b is no longer current -> 0/2. 06-04: a's message -> 1/2
    assert g1.loc["06-01", ["current_members", "active_members"]].tolist() == [3, 1]
    assert g1.loc["06-02", ["current_members", "active_members"]].tolist() == [2, 0]
    assert g1.loc["06-04", ["current_members", "active_members", "post", "week"]].tolist() == [2, 1, 1, 1]
    assert len(out) == 2 * 5  # two chats x five days
    cont = outcomes.contamination(mem, a, TL)
    assert cont.set_index("member_id")["contaminated"].to_dict() == {"a": False, "c": True}
    excl = outcomes.community_activity_daily(ev, msg, mem, a, TL, exclude_members=["c"])
    assert excl[excl.community_id == "g1"]["current_members"].iloc[0] == 2


def test_member_activity_and_guardrails(programme):
    mem, ev, msg, a = programme
    ma = outcomes.member_activity(ev, msg, mem, TL).set_index(["member_id", "community_id", "period"])
    assert ma.loc[("a", "g1", "pre"), ["current_days", "active_days"]].tolist() == [2, 1]
    am = assignments("x", "member", [("a", "treatment"), ("b", "control")])
    tk = pd.DataFrame({"ticket_id": ["1", "2"], "member_id": ["a", "b"],
                       "created_ts": [ts("2026-06-04 09:00"), ts("2026-06-01 09:00")]})
    g = outcomes.guardrails(tk, mem, msg, am, TL, "x").set_index("member_id")
    assert g.loc["a", ["test_tickets", "test_messages", "test_negative_messages", "test_leaves"]].tolist() == [1, 1, 1, 0]
    assert g.loc["b", ["pre_tickets", "pre_leaves", "pre_messages", "pre_negative_messages"]].tolist() == [1, 1, 1, 0]
    cg = outcomes.community_guardrails(tk, mem, msg, a, TL).set_index("community_id")
    # test-period members: g1 a (c sits in both arms: left out), g2 none left -> only g1
    assert cg.index.tolist() == ["g1"] and cg.loc["g1", ["members", "test_tickets", "test_negative_messages"]].tolist() == [1, 1, 1]
    panel = outcomes.community_guardrail_panel(cg.reset_index())
    assert panel[["period", "tickets_per_member", "treated"]].values.tolist() == [["pre", 0.0, 1], ["test", 1.0, 1]]
    assert panel["negative_share"].isna().tolist() == [True, False]  # a wrote nothing in the pre-period
    assert panel["negative_share"].iloc[1] == 1.0
    lex = outcomes.guardrails(tk, mem, msg, am, TL, "x", negative_terms=["太差"]).set_index("member_id")
    assert lex.loc["a", "test_negative_messages"] == 1 and lex["pre_negative_messages"].sum() == 0
    none = outcomes.guardrails(tk, mem, msg, am, TL, "x", negative_terms=["nothing like this"])
    assert none[["pre_negative_messages", "test_negative_messages"]].to_numpy().sum() == 0


def test_negative_texts_are_what_the_sentiment_model_labels_negative():
    import ibis
    from helpers import sentiment
    texts = ["客服半天不回消息，太失望了", "物流很快，包装也很好，非常满意", "The parcel never came and support ignored me.",
             "Great service, thank you!", "客服半天不回消息，太失望了", None]
    col = ibis.memtable({"text": texts}).text
    got = set(outcomes.negative_texts(col).to_pandas()["text"])
    labels = sentiment.sentiment([t for t in texts if t], lang="auto")
    assert got == set(labels.loc[labels["label"] == "negative", "text"])
    assert got == {"客服半天不回消息，太失望了", "The parcel never came and support ignored me."}  # one copy per distinct text


def test_negative_texts_scores_each_text_once_per_process(monkeypatch):
    import ibis
    from helpers import sentiment
    scored = []
    real = sentiment.sentiment

    def counting(texts, *args, **kwargs):
        scored.extend(texts)
        return real(texts, *args, **kwargs)

    monkeypatch.setattr(sentiment, "sentiment", counting)
    first = ["物流太慢了，一周还没到", "非常满意，下次还来"]
    outcomes.negative_texts(ibis.memtable({"text": first}).text).to_pandas()
    got = set(outcomes.negative_texts(ibis.memtable({"text": first + ["客服半天不回消息"]}).text).to_pandas()["text"])
    assert sorted(scored) == sorted(first + ["客服半天不回消息"])  # the second call scored only the new text
    assert got == {x for x in first + ["客服半天不回消息"] if real([x], lang="auto")["label"].iloc[0] == "negative"}
    assert "物流太慢了，一周还没到" in got


# ---------------------------------------------------------------- planted truth of the sample (scale 0.02)
def _tables(sample):
    return {n: sample.con.table(n) for n in ("events", "messages", "memberships", "broadcasts", "tickets", "assignments")}


def test_sample_broadcast_personalization_open_rate_recovered(sample):
    from helpers import abtest
    t, truth = _tables(sample), sample.truth["figures"]
    op = outcomes.message_opens(t["broadcasts"], t["events"], t["assignments"], sample.timeline)
    r = abtest.compare(op, "test_opens", kind="ratio", denominator="test_sends")
    real = truth["open_rate_realized"]  # ground_truth.json: exact per arm (planted counts)
    assert (r.control_mean, r.treatment_mean) == pytest.approx((real["test_control"], real["test_treatment"]), abs=1e-5)
    effect = truth["open_rate"]["test_treatment"] - truth["open_rate"]["test_control"]  # planted +6 pp
    assert r.abs_ci_low < effect < r.abs_ci_high and r.significant
    pre = abtest.compare(op, "pre_opens", kind="ratio", denominator="pre_sends")
    assert pre.abs_ci_low < 0 < pre.abs_ci_high  # no difference before the test
    # opening is a planted habit (pre/test opens per member correlate about 0.5), so CUPED narrows the
    # interval by roughly rho^2 (about a quarter of the variance) and its estimate stays unbiased
    cu = abtest.cuped(op, "test_opens", "pre_opens")
    assert 0.1 < cu.variance_reduction < 0.45 and cu.theta > 0
    width = cu.adjusted.abs_ci_high - cu.adjusted.abs_ci_low
    assert width < 0.95 * (cu.unadjusted.abs_ci_high - cu.unadjusted.abs_ci_low)
    assert cu.adjusted.abs_ci_low < cu.unadjusted.abs_diff < cu.adjusted.abs_ci_high


def test_sample_nav_fix_bounce_recovered(sample):
    from helpers import abtest
    t, truth = _tables(sample), sample.truth["figures"]
    b = outcomes.itinerary_bounces(t["events"], t["assignments"], sample.timeline)
    r = abtest.compare(b, "test_bounces", kind="ratio", denominator="test_views")
    real = truth["itinerary_bounce_realized"]
    assert (r.control_mean, r.treatment_mean) == pytest.approx((real["test_control"], real["test_treatment"]), abs=1e-5)
    pre = b[["pre_bounces"]].sum().iloc[0] / b[["pre_views"]].sum().iloc[0]
    assert pre == pytest.approx(real["pre"], abs=1e-5)
    effect = truth["itinerary_bounce"]["test_treatment"] - truth["itinerary_bounce"]["test_control"]  # -14 pp
    assert r.abs_ci_low < effect < r.abs_ci_high and r.significant
    aa = abtest.aa_check(b, "pre_bounces", kind="ratio", denominator="pre_views", n_splits=1000, seed=1)
    assert 0.035 <= aa.false_positive_rate <= 0.065


def test_sample_community_programme_did_and_case_study(sample):
    from helpers import abtest
    t, truth = _tables(sample), sample.truth
    d = outcomes.community_activity_daily(t["events"], t["messages"], t["memberships"], t["assignments"], sample.timeline)
    d = d[d["period"] != "design"]
    r = abtest.did(d, "rate", "treated", "post", cluster="community_id", weights="current_members")
    real = truth["experiments"]["community_programme"]["realized"]
    assert (r.control_pre, r.treatment_pre, r.control_post, r.treatment_post) == pytest.approx(
        (real["pre_control"], real["pre_treatment"], real["test_control"], real["test_treatment"]), abs=1e-5)
    assert r.ci_low < truth["experiments"]["community_programme"]["did"] < r.ci_high  # planted DiD +19 pp
    assert r.n_clusters == sum(truth["experiments"]["community_programme"]["units"].values())
    pre = abtest.did_pretrend(d[d["period"] == "pre"], "rate", "treated", "day", cluster="community_id",
                              weights="current_members")
    # no pre-trend is planted (each arm's weekly drift averages 1 before the test) while chats scatter around
    # it, so the placebo is near 0 with an honest, chat-level interval
    assert abs(pre.estimate) < 0.005 and pre.ci_low < 0 < pre.ci_high and 0.005 < pre.ci_high - pre.ci_low < 0.1
    # chats respond unequally to the programme: with 10 chats the interval is several points wide, not a sliver
    assert 0.03 < r.ci_high - r.ci_low < 0.2
    weekly = abtest.effect_by_period(d, "rate", "treated", "week", baseline=0, cluster="community_id",
                                     weights="current_members")
    assert len(weekly) == 4 and ((weekly["ci_low"] < 0.19) & (0.19 < weekly["ci_high"])).all()  # no novelty decay planted
    cs = truth["case_study"]
    ma = outcomes.member_activity(t["events"], t["messages"], t["memberships"], sample.timeline, [cs["community_id"]])
    rates = abtest.ratio_summary(ma, "active_days", "current_days", by="period").set_index("period")
    assert rates.loc["pre", "rate"] == pytest.approx(cs["activity_pre_realized"], abs=1e-5)
    assert rates.loc["test", "rate"] == pytest.approx(cs["activity_test_realized"], abs=1e-5)
    assert rates.loc["pre", "ci_low"] < cs["activity_pre"] < rates.loc["pre", "ci_high"]
    assert rates.loc["test", "ci_low"] < cs["activity_test"] < rates.loc["test", "ci_high"]
    cont = outcomes.contamination(t["memberships"], t["assignments"], sample.timeline, period="pre")
    # planted: 3% of programme members also sit in a chat of the other arm (of members at the start)
    assert cont["contaminated"].mean() == pytest.approx(truth["experiments"]["community_programme"]["contamination_share"], abs=0.006)


def test_sample_assignments_pass_srm(sample):
    from helpers import abtest, design
    ov = design.experiment_overview(sample.con.table("assignments"))
    for exp, g in ov.groupby("experiment_id"):
        assert not abtest.srm_check(g).flagged, exp
        assert g.set_index("variant")["units"].to_dict() == sample.truth["experiments"][exp]["units"]
