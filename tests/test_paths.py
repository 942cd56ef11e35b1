"""Sessions, bounce, top paths and transitions on a hand-countable log; bounce recovered on the sample."""
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from helpers import paths

T = pd.Timestamp


def log(rows):
    return pd.DataFrame({"member_id": [r[0] for r in rows], "ts": [T(f"2026-06-01 {r[1]}") for r in rows],
                         "event": "page_view", "page": [r[2] for r in rows]})


# a: one session 10:00-10:02, a new one at 11:00 (58 min later); b: bounces at the consult;
# c: consult, consult again 20 min later, mall 20 min after that (one session of three views)
LOG = log([("a", "10:00", "home"), ("a", "10:01", "itinerary_consult"), ("a", "10:02", "booking_form"),
           ("a", "11:00", "home"),
           ("b", "10:00", "home"), ("b", "10:05", "itinerary_consult"),
           ("c", "10:00", "itinerary_consult"), ("c", "10:20", "itinerary_consult"), ("c", "10:40", "mall")])


def test_sessions_cut_after_thirty_minutes_without_events():
    s = paths.sessions(LOG).to_pandas().sort_values(["member_id", "rn"])
    assert s.groupby("member_id")["session"].max().to_dict() == {"a": 2, "b": 1, "c": 1}
    edge = log([("d", "10:00", "home"), ("d", "10:30", "mall"), ("d", "11:00:00.001", "home")])
    s = paths.sessions(edge).to_pandas().sort_values("rn")
    assert s["session"].tolist() == [1, 1, 2]  # exactly 30 min continues; 30 min + 1 ms does not
    assert s["bounced"].tolist() == [False, True, True]


def test_bounce_rate_is_a_share_of_views_with_wilson_interval():
    out = paths.bounce_rates(LOG).set_index("node")
    # consult views: a (followed by a form), b (last of its session), c twice (followed) -> 1 of 4
    assert (out.loc["itinerary_consult", "views"], out.loc["itinerary_consult", "bounces"]) == (4, 1)
    assert out.loc["itinerary_consult", "bounce_rate"] == 0.25
    low, high = proportion_confint(1, 4, method="wilson")  # reference: statsmodels Wilson interval
    assert (out.loc["itinerary_consult", "ci_low"], out.loc["itinerary_consult", "ci_high"]) == pytest.approx((low, high))
    # home: a 10:00 (followed), a 11:00 (last), b 10:00 (followed) -> 1 of 3; form and mall always last
    assert out.loc["home", "bounces"] == 1 and out.loc["booking_form", "bounce_rate"] == 1.0
    ranked = paths.dropoff_nodes(LOG, min_views=2)
    assert ranked["node"].tolist() == ["home", "itinerary_consult"] and ranked["rank"].tolist() == [1, 2]


def test_bounce_window_and_breakdown_by_arm():
    arms = pd.DataFrame({"member_id": ["a", "b", "c"], "variant": ["treatment", "control", "treatment"]})
    out = paths.bounce_rates(LOG, nodes=["itinerary_consult"], breakdown="variant", members=arms).set_index("variant")
    assert out.loc["control", ["views", "bounces"]].tolist() == [1, 1]
    assert out.loc["treatment", ["views", "bounces"]].tolist() == [3, 0]
    # the window keeps c's 10:20 consult, which is followed by the mall at 10:40 outside the window
    late = paths.bounce_rates(LOG, nodes=["itinerary_consult"], start="2026-06-01 10:10", end="2026-06-01 10:30")
    assert late[["views", "bounces"]].iloc[0].tolist() == [1, 0]


def test_top_paths_share_one_denominator_and_add_to_one():
    out = paths.top_paths(LOG, "itinerary_consult", length=2)
    # reached: a, b, c (c from its first visit)
    assert dict(zip(out["path"], out["members"])) == {
        "itinerary_consult → (end)": 1,
        "itinerary_consult → booking_form → (end)": 1,
        "itinerary_consult → itinerary_consult → mall": 1}
    assert out["reached"].iloc[0] == 3 and out["share"].sum() == pytest.approx(1.0)
    small = paths.top_paths(LOG, "itinerary_consult", length=2, top=1)
    assert small["path"].tolist()[-1] == "other" and small["members"].tolist() == [1, 2]
    before = paths.top_paths(LOG, "itinerary_consult", direction="before", length=1)
    assert dict(zip(before["path"], before["members"])) == {"(start) → itinerary_consult": 1,
                                                            "home → itinerary_consult": 2}
    with pytest.raises(ValueError, match="direction"):
        paths.top_paths(LOG, "home", direction="next")


def test_shorter_paths_pooled_from_longer_counts_equal_their_own_query():
    import numpy as np
    rng = np.random.default_rng(3)
    pages = ["home", "itinerary_consult", "booking_form", "mall", "booking_submit"]
    rows = [(f"m{rng.integers(40)}", f"{h:02d}:{mi:02d}", pages[rng.integers(len(pages))])
            for h, mi in zip(rng.integers(8, 20, 600), rng.integers(0, 60, 600))]
    ev = log(rows)
    for direction in ("after", "before"):
        counts = paths.path_counts(ev, "itinerary_consult", direction, length=3)
        assert counts[["node", "direction"]].drop_duplicates().values.tolist() == [["itinerary_consult", direction]]
        for length in (1, 2, 3):
            for top in (2, 50):
                pooled = paths.pool_paths(counts, top=top, length=length)
                own = paths.top_paths(ev, "itinerary_consult", direction, length=length, top=top)
                pd.testing.assert_frame_equal(pooled, own)
    with pytest.raises(ValueError, match="length"):
        paths.pool_paths(counts, length=4)


def test_transition_matrix_probabilities_and_median_seconds():
    tm = paths.transition_matrix(LOG).set_index(["from_node", "to_node"])
    assert tm.loc[("home", "itinerary_consult"), "transitions"] == 2
    assert tm.loc[("home", "itinerary_consult"), "probability"] == pytest.approx(2 / 3)
    assert tm.loc[("home", "itinerary_consult"), "median_seconds"] == pytest.approx((60 + 300) / 2)
    assert tm.loc[("home", "(end)"), "probability"] == pytest.approx(1 / 3)
    assert tm.groupby(level=0)["probability"].sum().tolist() == pytest.approx([1.0] * 4)


def test_itinerary_bounce_recovers_the_planted_truth(sample):
    truth = sample.truth["figures"]["itinerary_bounce"]
    ev, tl = sample.con.table("events"), sample.timeline
    pre = paths.bounce_rates(ev, ["itinerary_consult"], start=tl.pre[0], end=tl.pre[1]).iloc[0]
    a = sample.con.table("assignments")
    arms = a.filter(a.experiment_id == "nav_fix").select(member_id=a.unit_id, variant=a.variant)
    test = paths.bounce_rates(ev, ["itinerary_consult"], start=tl.test[0], end=tl.test[1],
                              breakdown="variant", members=arms).set_index("variant")
    print(pre.to_dict(), test.to_dict())
    assert pre["bounce_rate"] == pytest.approx(truth["pre"], abs=0.02)  # planted 32%
    assert test.loc["treatment", "bounce_rate"] == pytest.approx(truth["test_treatment"], abs=0.02)  # 18%
    assert test.loc["control", "bounce_rate"] == pytest.approx(truth["test_control"], abs=0.02)  # 32%


def test_clicks_keep_the_session_alive_but_are_skipped_in_paths():
    ev = pd.concat([log([("e", "10:00", "itinerary_consult"), ("e", "10:20", "booking_form")]),
                    pd.DataFrame({"member_id": ["e"], "ts": [T("2026-06-01 10:01")], "event": ["click"], "page": ["itinerary_consult"]})])
    s = paths.sessions(ev, ignore=("click",)).to_pandas().sort_values("rn")
    assert s["node"].tolist() == ["itinerary_consult", "booking_form"] and s["session"].tolist() == [1, 1]
    assert s["next_node"].tolist()[0] == "booking_form" and s["seconds_to_next"].tolist()[0] == 1200.0
    assert paths.top_paths(ev, "itinerary_consult", length=1)["path"].tolist() == ["itinerary_consult → booking_form"]
    with_clicks = paths.top_paths(ev, "itinerary_consult", length=1, ignore=())
    assert with_clicks["path"].tolist() == ["itinerary_consult → click"]


def test_path_charts_draw_what_the_tables_hold():
    import matplotlib.pyplot as plt

    from helpers import plots_journey as pj
    from helpers.plots import theme
    with theme("zh"):
        ax = pj.plot_top_paths(paths.top_paths(LOG, "itinerary_consult", length=2), "三条路径各占三分之一", lang="zh")
        assert len(ax.patches) == 3 and ax.get_title("left") == "三条路径各占三分之一"
        ax = pj.plot_transition_matrix(paths.transition_matrix(LOG), "Transitions", nodes=["home", "itinerary_consult"])
        assert [t.get_text() for t in ax.get_yticklabels()] == ["Home", "Itinerary consult"]
        ax = pj.plot_path_sankey(paths.top_paths(LOG, "itinerary_consult", length=1), "itinerary_consult", "Next")
        assert ax.get_title("left") == "Next"
        bounce = paths.bounce_rates(LOG, ["home", "itinerary_consult"])
        ax = pj.plot_bounce(bounce, "node", "Bounce by node")
        assert [round(p.get_height(), 4) for p in ax.patches] == [round(1 / 3, 4), 0.25]
    plt.close("all")


def test_bounce_rates_agree_with_the_session_table(sample):
    # bounce_rates takes one window over [start, end + gap); the full session table must give the same
    ev = sample.con.table("events")
    start, end = "2026-06-10 13:00", "2026-06-17 09:30"
    fast = paths.bounce_rates(ev, start=start, end=end).set_index("node")
    s = paths.sessions(ev).to_pandas()
    s = s[(s["ts"] >= pd.Timestamp(start, tz="Asia/Shanghai")) & (s["ts"] < pd.Timestamp(end, tz="Asia/Shanghai"))]
    slow = s.groupby("node").agg(views=("member_id", "size"), bounces=("bounced", "sum"))
    assert len(fast) > 5
    pd.testing.assert_frame_equal(fast[["views", "bounces"]].sort_index(), slow.sort_index(), check_dtype=False)
