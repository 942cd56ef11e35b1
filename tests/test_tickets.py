"""Ticket durations, reconciliation, SLA, Pareto, scorecard and resolution curves on a hand-countable
desk of four tickets (naive times are Asia/Shanghai; 2026-06-01 is a Monday; 06-19 is a holiday),
agreement with lifelines, and recovery of the sample's planted service figures."""
import numpy as np
import pandas as pd
import pytest
from lifelines import KaplanMeierFitter
from lifelines.utils import median_survival_times

from helpers import tickets as T
from helpers.reconciliation import parse_ticket_metrics

TS = pd.Timestamp


@pytest.fixture
def desk():
    return pd.DataFrame({
        "ticket_id": ["t1", "t2", "t3", "t4"],
        "member_id": ["m1", "m2", "m3", "m3"],
        "created_ts": [TS("2026-06-01 10:00"), TS("2026-06-05 17:00"), TS("2026-06-06 12:00"), TS("2026-06-18 17:00")],
        "first_reply_ts": [TS("2026-06-01 10:30"), TS("2026-06-08 10:00"), TS("2026-06-06 13:00"), TS("2026-06-22 09:30")],
        "solved_ts": [TS("2026-06-01 12:00"), TS("2026-06-09 18:00"), pd.NaT, TS("2026-06-22 11:00")],
        "status": ["solved", "solved", "open", "solved"],
        "category": ["signoff_exception", "delivery_delay", "refund", "signoff_exception"],
        "priority": ["high", "normal", "low", "urgent"],
        "region": ["east", "east", "west", "west"],
        "team": ["A", "A", "B", "B"],
        "csat": ["good", "bad", "offered", "good"],
        "reopens": [0, 1, 0, 0],
        "replies": [1, 3, 1, 1],
    })


@pytest.fixture
def durations(desk):
    return T.ticket_durations(desk)


def test_durations_in_calendar_and_business_hours(durations):
    d = durations.set_index("ticket_id")
    # t2: Fri 17:00 -> Mon 10:00 is 65 calendar h, 1 + 1 business h; solved Tue 18:00: 97 h, 1 + 9 + 9 h
    # t4: Thu 17:00 -> Mon 09:30 over the Fri holiday and the weekend: 88.5 h, 1 + 0.5 business h
    assert d["first_reply_hours_calendar"].tolist() == pytest.approx([0.5, 65.0, 1.0, 88.5])
    assert d["first_reply_hours_business"].tolist() == pytest.approx([0.5, 2.0, 0.0, 1.5])
    np.testing.assert_allclose(d["resolution_hours_calendar"], [2.0, 97.0, np.nan, 90.0])
    np.testing.assert_allclose(d["resolution_hours_business"], [2.0, 19.0, np.nan, 3.0])
    # t3 is unsolved: its age runs to as_of = the latest time stamp (06-22 11:00): 16 days - 1 h;
    # business: 06-08..06-12 and 06-15..06-18 (9 days x 9 h) + Mon 06-22 09:00-11:00
    assert d.loc["t3", "age_hours_calendar"] == pytest.approx(383.0)
    assert d.loc["t3", "age_hours_business"] == pytest.approx(83.0)
    assert d["solved"].tolist() == [True, True, False, True]


def test_durations_same_from_ibis_and_pandas(desk, durations):
    import ibis
    via_ibis = T.ticket_durations(ibis.memtable(desk.assign(
        **{c: desk[c].dt.tz_localize("Asia/Shanghai") for c in ("created_ts", "first_reply_ts", "solved_ts")})))
    a, b = durations.sort_values("ticket_id"), via_ibis.sort_values("ticket_id")
    for col in T.HOURS:
        np.testing.assert_allclose(a[col], b[col])


def test_service_rates_hand_counts(durations):
    r = T.service_rates(durations).iloc[0]
    assert (r["tickets"], r["solved"], r["one_touch"], r["reopened"]) == (4, 3, 2, 1)
    assert r["one_touch_share"] == pytest.approx(2 / 3)   # t1, t4 of the solved t1, t2, t4
    assert r["reopen_rate"] == pytest.approx(1 / 3)       # t2
    assert r["csat_good_share"] == pytest.approx(2 / 3)   # good t1, t4; bad t2; 'offered' unrated
    assert r["mean_resolution_hours"] == pytest.approx((2 + 97 + 90) / 3)
    by_team = T.service_rates(durations, by="team").set_index("team")
    assert by_team.loc["B", "tickets"] == 2 and by_team.loc["B", "solved"] == 1
    with pytest.raises(KeyError, match="Available"):
        T.service_rates(durations, by="squad")


def test_backlog_counts_open_tickets(durations):
    b = T.backlog(durations).set_index(T.backlog(durations)["period_start"].dt.strftime("%m-%d"))
    assert b.loc["06-06", "open_at_end"] == 2   # t2, t3 (t1 solved on 06-01)
    assert b.loc["06-09", "open_at_end"] == 1   # t3
    assert b.loc["06-18", "open_at_end"] == 2   # t3, t4
    assert b.loc["06-22", "open_at_end"] == 1   # t3 still open
    assert b["created"].sum() == 4 and b["solved"].sum() == 3
    with pytest.raises(ValueError, match="freq"):
        T.backlog(durations, freq="M")


def test_category_pareto_shares(durations):
    p = T.category_pareto(durations)
    assert p["category"].tolist() == ["signoff_exception", "delivery_delay", "refund"]
    assert p["ticket_share"].tolist() == pytest.approx([0.5, 0.25, 0.25])
    # handling time: solved tickets' calendar hours, 2 + 90 | 97 | 0 (t3 unsolved) of 189
    assert p["time_share"].tolist() == pytest.approx([92 / 189, 97 / 189, 0.0])
    assert p["mean_resolution_hours"].iloc[0] == pytest.approx(46.0)
    in_window = T.category_pareto(durations, start="2026-06-05", end="2026-06-10")
    assert in_window["tickets"].sum() == 2  # t2, t3 created in [06-05, 06-10)
    with pytest.raises(ValueError, match="clock"):
        T.category_pareto(durations, clock="wall")


def test_region_category_and_tier_logistics(durations):
    rc = T.region_category(durations).set_index(["region", "category"])
    assert rc.loc[("west", "signoff_exception"), "share_of_row"] == pytest.approx(0.5)
    members = pd.DataFrame({"member_id": ["m1", "m2", "m3"], "city_tier": [1, 3, 3]})
    lg = T.logistics_share(durations, members).set_index("city_tier")
    # tier 3: t2 (delivery_delay), t3 (refund), t4 (signoff): 2 of 3 logistics, mean (97 + 90) / 2
    assert (lg.loc[3, "tickets"], lg.loc[3, "logistics_tickets"]) == (3, 2)
    assert lg.loc[3, "logistics_mean_resolution_hours"] == pytest.approx(93.5)
    with pytest.raises(ValueError, match="members"):
        T.region_category(durations, by="city_tier")


def test_sla_achievement_by_priority_and_team(durations):
    # business-minute targets: t1 reply 30 <= 120 ok; t2 120 <= 240 ok; t3 0 <= 540 ok; t4 90 > 60 breach.
    # resolution: t1 120 <= 1080; t2 1140 <= 1620; t3 unsolved, age 4980 > 2700 breach; t4 180 <= 540.
    s = T.sla_achievement(durations).set_index("metric")
    assert (s.loc["first_reply", "achieved"], s.loc["first_reply", "breached"]) == (3, 1)
    assert (s.loc["resolution", "achieved"], s.loc["resolution", "breached"]) == (3, 1)
    assert s.loc["resolution", "achievement_rate"] == pytest.approx(0.75)
    team = T.sla_achievement(durations, by="team").set_index(["team", "metric"])
    assert team.loc[("A", "first_reply"), "achievement_rate"] == 1.0
    assert team.loc[("B", "resolution"), "breach_rate"] == pytest.approx(0.5)
    week = T.sla_achievement(durations, by="week")
    assert sorted(week["week"].dt.strftime("%m-%d").unique()) == ["06-01", "06-15"]
    # a patient policy leaves the open ticket pending (excluded from the rate)
    patient = T.DEFAULT_SLA_POLICIES.assign(target_minutes=100_000)
    s2 = T.sla_achievement(durations, patient).set_index("metric")
    assert (s2.loc["resolution", "pending"], s2.loc["resolution", "achievement_rate"]) == (1, 1.0)


def test_sla_policies_are_checked(durations):
    with pytest.raises(ValueError, match="metric"):
        T.sla_achievement(durations, T.DEFAULT_SLA_POLICIES.assign(metric="first_touch"))
    with pytest.raises(KeyError, match="business_hours"):
        T.sla_achievement(durations, T.DEFAULT_SLA_POLICIES.drop(columns="business_hours"))
    with pytest.raises(ValueError, match="by"):
        T.sla_achievement(durations, by="agent")


def test_team_scorecard_normalizes_weights_and_ranks(durations):
    card = T.team_scorecard(durations).set_index("team")
    # A: median resolution 49.5 h (vs 90), SLA 4/4 (vs 2/4) -> best on speed and SLA;
    # B: CSAT 1/1 (vs 1/2), reopen 0 (vs 1/2), one-touch 1/1 (vs 1/2) -> best on the other three
    assert card.loc["A", "median_resolution_hours"] == pytest.approx(49.5)
    # speed is relative to the category: sign-off exceptions take 2 h and 90 h (median 46), the delivery delay 97 h
    # (its own median): A's tickets are 2/46 and 1.0 -> median 0.522; B's one solved ticket is 90/46 = 1.957
    assert card.loc["A", "relative_resolution_time"] == pytest.approx((2 / 46 + 1) / 2)
    assert card.loc["B", "relative_resolution_time"] == pytest.approx(90 / 46)
    assert card.loc["A", "score"] == pytest.approx(100 * (0.30 + 0.25))
    assert card.loc["B", "score"] == pytest.approx(100 * (0.20 + 0.15 + 0.10))
    assert card.loc["A", "rank"] == 1
    even = T.team_scorecard(durations, weights={"csat": 1.0}).set_index("team")
    assert even.loc["B", "rank"] == 1 and even.loc["B", "weight_csat"] == 1.0
    with pytest.raises(ValueError, match="available"):
        T.team_scorecard(durations, weights={"happiness": 1.0})


def test_resolution_curves_censor_open_tickets(durations):
    rc = T.resolution_curves(durations)
    row = rc.summary.iloc[0]
    assert (row["tickets"], row["solved"], row["censored"]) == (4, 3, 1)
    # times 2, 90, 97 solved, 383 censored: S = 3/4 after 2 h, 1/2 after 90 h -> median 90 h
    assert row["median_hours"] == pytest.approx(90.0)


def test_km_median_and_p90_equal_lifelines():
    rng = np.random.default_rng(5)
    n = 600
    created = pd.Timestamp("2026-06-01 09:00") + pd.to_timedelta(rng.integers(0, 40 * 24 * 60, n), unit="min")
    hours = np.round(rng.lognormal(3.5, 0.9, n), 2)
    solved = pd.Series(created + pd.to_timedelta(hours, unit="h"))
    cut = pd.Timestamp("2026-07-20")
    df = pd.DataFrame({"ticket_id": np.arange(n).astype(str), "created_ts": created, "first_reply_ts": created,
                       "solved_ts": solved.where(solved <= cut), "category": rng.choice(["a", "b"], n)})
    d = T.ticket_durations(df, as_of=cut)
    rc = T.resolution_curves(d, by="category")
    for cat, g in d.groupby("category"):
        t = np.where(g["solved"], g["resolution_hours_calendar"], g["age_hours_calendar"])
        kmf = KaplanMeierFitter().fit(t, event_observed=g["solved"])  # reference: lifelines on the same data
        row = rc.summary.set_index("group").loc[cat]
        assert row["censored"] == int((~g["solved"]).sum()) > 0
        assert row["median_hours"] == pytest.approx(kmf.median_survival_time_)
        sf = kmf.survival_function_.iloc[:, 0]
        assert row["p90_hours"] == pytest.approx(sf.index[sf.to_numpy() <= 0.1][0])  # first time 90% are solved
        ci = median_survival_times(kmf.confidence_interval_)
        assert (row["median_ci_low"], row["median_ci_high"]) == pytest.approx(tuple(ci.iloc[0]))


# reference: Zendesk API reference, Ticket Metrics, "Show Ticket Metrics" example object (time fields
# and minute objects as documented; the example's minutes are illustrative, not consistent with its dates)
ZENDESK_DOC_EXAMPLE = {"ticket_metric": {
    "id": 33, "ticket_id": 4343, "created_at": "2009-07-20T22:55:29Z", "updated_at": "2011-05-05T10:38:52Z",
    "group_stations": 7, "assignee_stations": 1, "reopens": 55, "replies": 322,
    "assignee_updated_at": "2011-05-06T10:38:52Z", "requester_updated_at": "2011-05-07T10:38:52Z",
    "status_updated_at": "2011-05-04T10:38:52Z", "initially_assigned_at": "2011-05-03T10:38:52Z",
    "assigned_at": "2011-05-05T10:38:52Z", "solved_at": "2011-05-09T10:38:52Z",
    "latest_comment_added_at": "2011-05-09T10:38:52Z",
    "first_resolution_time_in_minutes": {"calendar": 2391, "business": 737},
    "reply_time_in_minutes": {"calendar": 2391, "business": 737},
    "full_resolution_time_in_minutes": {"calendar": 2391, "business": 737},
    "agent_wait_time_in_minutes": {"calendar": 2391, "business": 737},
    "requester_wait_time_in_minutes": {"calendar": 2391, "business": 737},
    "on_hold_time_in_minutes": {"calendar": 2290, "business": 637}}}


def test_zendesk_doc_example_payload_parses():
    m = parse_ticket_metrics(ZENDESK_DOC_EXAMPLE).iloc[0]
    assert m["ticket_id"] == "4343" and (m["reopens"], m["replies"]) == (55, 322)
    assert m["vendor_reply_minutes_calendar"] == 2391 and m["vendor_reply_minutes_business"] == 737
    assert m["vendor_full_resolution_minutes_business"] / 60 == pytest.approx(12.2833, abs=1e-4)
    assert m["solved_at"] == pd.Timestamp("2011-05-09T10:38:52Z")


def test_reconcile_a_ticket_metrics_page_with_the_audits(desk):
    # a page in the data_formats.md shape; t1 / t4 exact, t2's full resolution stale after its reopen
    # (the first solve Mon 06-08 12:00: 67 h calendar, 1 + 3 business h), t3's business reply off by an hour
    def metric(tid, reply, full):
        return {"ticket_id": tid, "reply_time_in_minutes": dict(zip(("calendar", "business"), reply)),
                "full_resolution_time_in_minutes": dict(zip(("calendar", "business"), full))}
    page = {"ticket_metrics": [metric("t1", (30, 30), (120, 120)), metric("t2", (3900, 120), (4020, 240)),
                               metric("t3", (60, 60), (None, None)), metric("t4", (5310, 90.4), (5400, 180))]}
    vendor = parse_ticket_metrics(page).drop(columns=["reopens", "replies", "solved_at"])
    rec = T.reconcile_with_vendor(T.ticket_durations(desk.merge(vendor, on="ticket_id")))
    assert (rec.tickets, rec.agreeing, rec.agreement_share) == (4, 2, 0.5)
    causes = rec.disagreements.groupby("ticket_id")["cause"].agg(set)
    assert causes["t2"] == {"stale_after_reopen"}
    assert causes["t3"] == {"schedule"}
    by = rec.by_metric.set_index(["metric", "clock"])
    assert by.loc[("full_resolution", "calendar"), "compared"] == 3  # t3: null on both sides
    assert rec.summary["cause_stale_after_reopen"].iloc[0] == 1


# ---- the sample's planted truth (tests/conftest.py `sample`: scale 0.02, seed 7) ----

@pytest.fixture(scope="module")
def sample_durations(sample):
    return T.ticket_durations(sample.con.table("tickets"))


def test_sample_reconciles_with_zendesk_metrics(sample_durations):
    rec = T.reconcile_with_vendor(sample_durations)
    assert rec.agreement_share >= 0.99
    # the generator's only planted disagreement: stale full resolution after a reopen
    assert set(rec.disagreements["cause"]) <= {"stale_after_reopen"}


def test_sample_planted_service_figures(sample, sample_durations):
    fig = sample.truth["figures"]
    start, end = sample.timeline.pre
    p = T.category_pareto(sample_durations, start, end).set_index("category")
    assert p.loc["signoff_exception", "ticket_share"] == pytest.approx(fig["signoff_ticket_share"], abs=0.02)
    assert p.loc["signoff_exception", "time_share"] == pytest.approx(fig["signoff_time_share"], abs=0.02)
    mean = p["handling_hours"].sum() / p["solved"].sum()
    assert mean == pytest.approx(fig["mean_resolution_hours"], abs=4)
    assert T.service_rates(sample_durations, start=start, end=end)["mean_resolution_hours"].iloc[0] == pytest.approx(mean)
    tier = T.logistics_share(sample_durations, sample.con.table("members"), start=start, end=end).set_index("city_tier")
    assert tier.loc[3, "logistics_share"] == pytest.approx(fig["tier3_logistics_share"], abs=0.02)
    assert tier.loc[3, "logistics_mean_resolution_hours"] == pytest.approx(fig["tier3_logistics_mean_resolution_hours"], abs=4)
    # and the deck's figures, which the sample plants
    assert (fig["signoff_ticket_share"], fig["signoff_time_share"], fig["mean_resolution_hours"]) == pytest.approx((0.38, 0.22, 72))


def test_plots_draw_what_the_data_functions_returned(durations):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from helpers import plots, plots_service as P
    with plots.theme("zh"):
        ax = P.plot_pareto(T.category_pareto(durations), "pareto", lang="zh")
        assert len(ax.patches) == 6 and ax.get_xticklabels()[0].get_text() == "签收异常"
        ax = P.plot_resolution_curves(T.resolution_curves(durations, by="team").curves, "km")
        assert [t.get_text() for t in ax.get_legend().get_texts()] == ["A", "B"]
        ax = P.plot_scorecard(T.team_scorecard(durations), "card")
        assert ax.get_yticklabels()[0].get_text() == "1. A" and "×30%" in ax.get_xticklabels()[0].get_text()
        ax = P.plot_sla(T.sla_achievement(durations, by="priority"), "sla")
        assert ax.get_title(loc="left") == "sla" and len(ax.patches) == 8  # 4 priorities x 2 metrics
        ax = P.plot_heatmap(T.region_category(durations), "heat", value="tickets")
        assert ax.get_ylabel() == "Region"
    plt.close("all")


def test_every_reconciliation_cause_has_a_reader_label_in_both_languages():
    from helpers.glossary import NAMESPACED
    from helpers.reconciliation import CAUSES
    for cause in CAUSES:
        en, zh = NAMESPACED[f"reconciliation:{cause}"]
        assert en and zh and "_" not in en and en != zh


def test_scorecard_speed_does_not_reward_a_team_for_its_quick_category():
    # team F gets only quick sign-off tickets (4 h), team S only slow refunds (40 h); each is typical for its
    # category, so their relative speed ties at 1.0 although their raw medians differ tenfold
    t0 = TS("2026-06-02 09:00")
    rows = [dict(ticket_id=f"{team}{i}", member_id=f"m{i}", created_ts=t0, first_reply_ts=t0 + pd.Timedelta(hours=1),
                 solved_ts=t0 + pd.Timedelta(hours=h), status="solved", category=cat, priority="normal", region="east",
                 team=team, csat="good", reopens=0, replies=1)
            for team, cat, h in (("F", "signoff_exception", 4), ("S", "refund", 40)) for i in range(3)]
    card = T.team_scorecard(T.ticket_durations(pd.DataFrame(rows))).set_index("team")
    assert card.loc["F", "median_resolution_hours"] == pytest.approx(4) and card.loc["S", "median_resolution_hours"] == pytest.approx(40)
    assert card["relative_resolution_time"].tolist() == pytest.approx([1.0, 1.0])
    assert card.loc["F", "score"] == pytest.approx(card.loc["S", "score"])  # nothing else differs either


def test_scorecard_normalization_by_hand_and_floating_point_ties():
    from helpers.scorecard import _normalized
    x = pd.Series([2.0, 4.0, 6.0, np.nan])
    assert _normalized(x, higher=True).tolist()[:3] == [0.0, 0.5, 1.0] and np.isnan(_normalized(x, True).iloc[3])
    assert _normalized(x, higher=False).tolist()[:3] == [1.0, 0.5, 0.0]
    # four teams at a relative speed of 1, one of them 1.0000000000000002 after floating-point division:
    # a tie, not a spread from best to worst (which gave that team 0 of speed's 30% weight)
    noise = pd.Series([1.0, 1.0, 1.0, 1.0 + 2.2e-16])
    assert noise.iloc[3] != 1.0 and _normalized(noise, higher=False).tolist() == [1.0] * 4
    assert _normalized(pd.Series([1.0, 1.001]), higher=False).tolist() == pytest.approx([1.0, 0.0])  # a real gap still counts
    assert _normalized(pd.Series([np.nan, np.nan]), higher=True).isna().all()


def test_cell_contrast_against_scipy_and_bonferroni(durations):
    from scipy import stats
    # east signoff tickets: t1 2 h; west: t4 90 h; a single-ticket cell has no interval and no test
    one = T.cell_contrast(durations, "region", "west", "signoff_exception")
    assert (one["n"], one["mean_hours"], one["rest_n"], one["rest_mean_hours"]) == (1, 90.0, 1, 2.0)
    assert np.isnan(one["ci_low"]) and np.isnan(one["p_value"])
    rng = np.random.default_rng(3)
    hours = np.concatenate([rng.exponential(60, 40), rng.exponential(30, 200)])
    t0 = TS("2026-06-01 09:00")
    big = pd.DataFrame({"ticket_id": [f"k{i}" for i in range(240)], "member_id": "m", "created_ts": t0,
                        "first_reply_ts": t0 + pd.Timedelta(minutes=5), "solved_ts": [t0 + pd.Timedelta(hours=h) for h in hours],
                        "status": "solved", "category": "refund", "priority": "normal",
                        "region": ["sw"] * 40 + ["east"] * 200, "team": "A", "csat": "good", "reopens": 0, "replies": 1})
    c = T.cell_contrast(T.ticket_durations(big), "region", "sw", "refund", cells=10)
    got = T.ticket_durations(big).set_index("ticket_id")["resolution_hours_calendar"].to_numpy()
    want = stats.ttest_ind(got[:40], got[40:], equal_var=False).pvalue
    assert c["p_value"] == pytest.approx(want) and c["p_adjusted"] == pytest.approx(min(1.0, 10 * want))
    assert c["ci_low"] < c["mean_hours"] < c["ci_high"] and c["difference"] == pytest.approx(got[:40].mean() - got[40:].mean())


def test_scorecard_chart_writes_the_score_on_its_0_100_scale(durations):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from helpers import plots_service
    card = T.team_scorecard(durations)
    ax = plots_service.plot_scorecard(card, "t")
    cells = [x.get_text() for x in ax.texts]
    # A scores 55 and B 45 (the test above); each row: five indicators at 0-1, then the score
    assert cells[5] == "55" and cells[11] == "45" and cells[0] == "1.00"
    plt.close(ax.figure)
