"""Weekly lifecycle (PostHog definitions) and Orbit-style levels on a hand-countable log."""
import pandas as pd
import pytest

from helpers import lifecycle as lc

T = pd.Timestamp


@pytest.fixture
def events():
    # weeks (Mondays): W0 = 05-25, W1 = 06-01, W2 = 06-08, W3 = 06-15
    # a: W0, W1, W3; b: W1, W2; c: W2; d: W0 only; e: page views only (never active)
    return pd.DataFrame({
        "member_id": ["a", "a", "a", "b", "b", "c", "d", "e"],
        "ts": [T("2026-05-26 10:00"), T("2026-06-02 10:00"), T("2026-06-16 10:00"), T("2026-06-01 08:00"),
               T("2026-06-10 10:00"), T("2026-06-14 23:30"), T("2026-05-27 10:00"), T("2026-06-02 10:00")],
        "event": ["like", "comment", "post", "like", "comment", "like", "like", "page_view"],
    })


@pytest.fixture
def messages():
    return pd.DataFrame({"sender_id": ["c", "s"], "sender_type": ["customer", "staff"],
                         "ts": [T("2026-06-09 10:00"), T("2026-06-02 10:00")]})


def test_weekly_lifecycle_with_history(events, messages):
    out = lc.weekly_lifecycle(events, messages, "2026-06-01", "2026-06-22", history_start="2026-05-25")
    wide = out.pivot(index="week", columns="status", values="members")
    w1, w2, w3 = wide.loc[T("2026-06-01")], wide.loc[T("2026-06-08")], wide.loc[T("2026-06-15")]
    # W1: a returning (W0), b new; d dormant (W0 not W1)
    assert (w1["new"], w1["returning"], w1["resurrecting"], w1["dormant"]) == (1, 1, 0, 1)
    # W2: b returning, c new; a dormant
    assert (w2["new"], w2["returning"], w2["resurrecting"], w2["dormant"]) == (1, 1, 0, 1)
    # W3: a resurrecting; b and c dormant
    assert (w3["new"], w3["returning"], w3["resurrecting"], w3["dormant"]) == (0, 0, 1, 2)


def test_without_history_the_first_week_is_all_new(events, messages):
    out = lc.weekly_lifecycle(events, messages, "2026-06-01", "2026-06-08")
    w1 = out.set_index("status")["members"]
    assert (w1["new"], w1["returning"], w1["dormant"]) == (2, 0, 0)
    with pytest.raises(ValueError, match="history_start"):
        lc.weekly_lifecycle(events, messages, "2026-06-01", "2026-06-08", history_start="2026-06-05")


def test_weekly_lifecycle_agrees_with_set_arithmetic_on_random_activity():
    import numpy as np
    rng = np.random.default_rng(5)
    n = 400
    ev = pd.DataFrame({"member_id": [f"m{i}" for i in rng.integers(0, 60, n)],
                       "ts": T("2026-05-25") + pd.to_timedelta(rng.integers(0, 56 * 24, n), unit="h"),
                       "event": "like"})
    none = pd.DataFrame({"sender_id": ["s"], "sender_type": ["staff"], "ts": [T("2026-06-02 10:00")]})  # staff: not activity
    out = lc.weekly_lifecycle(ev, none, "2026-06-08", "2026-07-20", history_start="2026-05-25")
    week = (ev["ts"].dt.normalize() - pd.to_timedelta(ev["ts"].dt.weekday, unit="D"))
    by = {w: set(g) for w, g in ev.groupby(week)["member_id"]}
    first = ev.groupby("member_id")["ts"].min().dt.normalize()
    first = first - pd.to_timedelta(first.dt.weekday, unit="D")
    for w, grp in out.groupby("week"):
        now, prev = by.get(w, set()), by.get(w - pd.Timedelta(days=7), set())
        new = {m for m in now if first[m] == w}
        want = {"new": len(new), "returning": len(now & prev), "resurrecting": len(now - prev - new),
                "dormant": len(prev - now)}
        assert grp.set_index("status")["members"].to_dict() == want, w


def test_member_levels_and_transitions(events, messages):
    ms = pd.DataFrame({"member_id": list("abcef"), "community_id": ["g"] * 5,
                       "join_ts": [T("2026-05-01")] * 4 + [T("2026-07-01")], "leave_ts": [pd.NaT] * 5})
    lv = lc.member_levels(events, messages, ms, "2026-06-01", "2026-06-22", contributing_min=2,
                          leading_min_days=3, leading_min_contributions=2).set_index("member_id")
    # a: comment + post = 2 contributions on 2 days -> contributing; b: like + comment -> participating;
    # c: like + message = 1 contribution -> participating; e: views only -> exploring; f joins later
    assert lv["level"].to_dict() == {"a": "contributing", "b": "participating", "c": "participating", "e": "exploring"}
    assert lv.loc["a", "active_days"] == 2 and lv.loc["c", "contributions"] == 1
    lead = lc.member_levels(events, messages, ms, "2026-06-01", "2026-06-22", contributing_min=1,
                            leading_min_days=2, leading_min_contributions=2).set_index("member_id")
    assert lead.loc["a", "level"] == "leading"
    after = pd.DataFrame({"member_id": ["a", "b", "f"], "level": ["leading", "exploring", "exploring"]})
    counts = lc.level_transitions(lv.reset_index(), after, normalize=False)
    assert counts.loc["contributing", "leading"] == 1 and counts.loc["participating", lc.NOT_MEMBER] == 1
    assert counts.loc[lc.NOT_MEMBER, "exploring"] == 1
    shares = lc.level_transitions(lv.reset_index(), after)
    assert shares.loc["participating"].tolist() == pytest.approx([0.5, 0, 0, 0, 0.5])
    with pytest.raises(ValueError, match="contributing_min"):
        lc.member_levels(events, messages, ms, "2026-06-01", "2026-06-22", contributing_min=0)


def test_lifecycle_on_sample_balances(sample):
    con, tl = sample.con, sample.timeline
    out = lc.weekly_lifecycle(con.table("events"), con.table("messages"), tl.pre[0], tl.end)
    wide = out.pivot(index="week", columns="status", values="members")
    active = wide["new"] + wide["returning"] + wide["resurrecting"]
    # identity: active(w) = returning(w) + new(w) + resurrecting(w) and active(w-1) = returning(w) + dormant(w)
    assert (active.shift(1).iloc[1:] == (wide["returning"] + wide["dormant"]).iloc[1:]).all()


def test_plot_lifecycle_draws_dormant_below_zero():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from helpers import plots_members as pm
    table = pd.DataFrame({"week": [T("2026-06-01")] * 4, "status": list(lc.STATUSES), "members": [3, 2, 1, 4]})
    ax = pm.plot_lifecycle(table)
    heights = sorted(p.get_height() for p in ax.patches)
    assert heights == [-4, 1, 2, 3]  # new 3, returning 2, resurrecting 1 stacked; dormant 4 drawn down
    plt.close(ax.figure)


def test_mixed_naive_and_aware_bounds(events, messages):
    start = pd.Timestamp("2026-06-01", tz="Asia/Shanghai")
    out = lc.weekly_lifecycle(events, messages, start, "2026-06-08", history_start="2026-05-25")
    assert out.set_index("status").loc["returning", "members"] == 1  # a, as with naive bounds


def test_quick_ratio_sums_weeks_and_resamples_them():
    weeks = pd.DataFrame({"new": [6, 8, 4], "resurrecting": [4, 4, 4], "dormant": [10, 8, 12]})
    q = lc.quick_ratio(weeks, n_boot=500)
    assert q["ratio"] == pytest.approx(30 / 30) and q["weeks"] == 3
    assert q["ci_low"] < 1 < q["ci_high"]  # the weeks disagree (1.0, 1.5, 0.67): the interval holds 1
    steady = lc.quick_ratio(pd.DataFrame({"new": [10, 10], "resurrecting": [2, 2], "dormant": [6, 6]}), n_boot=200)
    assert steady["ratio"] == steady["ci_low"] == steady["ci_high"] == pytest.approx(2.0)  # identical weeks: no spread
    one = lc.quick_ratio(weeks.iloc[:1])
    assert one["ratio"] == pytest.approx(1.0) and pd.isna(one["ci_low"])
    with pytest.raises(KeyError, match="dormant"):
        lc.quick_ratio(weeks.drop(columns="dormant"))
