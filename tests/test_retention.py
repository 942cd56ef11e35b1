"""Cohort retention on a hand-countable log (2026-06-01 is a Monday; local weeks and days)."""
import pandas as pd
import pytest

from helpers import retention

T = pd.Timestamp
EV = pd.DataFrame({
    "member_id": ["a", "a", "a", "b", "b", "c", "c", "c", "d"],
    "ts": [T("2026-06-01 09:00"), T("2026-06-09 09:00"), T("2026-06-23 09:00"),
           T("2026-06-02 09:00"), T("2026-06-17 09:00"),
           T("2026-06-10 09:00"), T("2026-06-11 09:00"), T("2026-06-16 09:00"),
           T("2026-06-08 00:30")],  # 06-07 16:30 UTC: its local week is the one starting 06-08
    "event": ["page_view"] * 9,
})
END = "2026-06-29"


def grid(out):
    return {(c.strftime("%m-%d"), k): m for c, k, m in zip(out["cohort"], out["period"], out["members"])}


def test_recurring_weekly_retention_counts_members_active_in_each_week():
    out = retention.cohort_retention(EV, "week", end=END)
    # cohort 06-01: a, b; a back in weeks 1 and 3, b in week 2. cohort 06-08: c, d; c back in week 1
    assert grid(out) == {("06-01", 0): 2, ("06-01", 1): 1, ("06-01", 2): 1, ("06-01", 3): 1,
                         ("06-08", 0): 2, ("06-08", 1): 1, ("06-08", 2): 0}
    assert out.loc[out["cohort"] == T("2026-06-01"), "retention"].tolist() == [1.0, 0.5, 0.5, 0.5]
    assert out["complete"].all()


def test_first_time_return_counts_each_member_once():
    out = retention.cohort_retention(EV, "week", returning="first_time", end=END)
    g = grid(out)
    assert (g[("06-01", 1)], g[("06-01", 2)], g[("06-01", 3)]) == (1, 1, 0)  # a returns in wk1, b in wk2


def test_incomplete_periods_are_flagged_and_months_work():
    out = retention.cohort_retention(EV, "week", end="2026-06-25")
    last = out[(out["cohort"] == T("2026-06-01")) & (out["period"] == 3)].iloc[0]
    assert not last["complete"] and last["members"] == 1
    open_ended = retention.cohort_retention(EV, "week")  # observed up to the last event, Tuesday 06-23
    assert open_ended.groupby("complete")["period"].max().to_dict() == {False: 3, True: 2}
    month = retention.cohort_retention(EV, "month", end="2026-07-01")
    assert month[["cohort_size", "members", "retention"]].values.tolist() == [[4, 4, 1.0]]


def test_join_cohorts_and_breakdown():
    joins = pd.DataFrame({"member_id": ["a", "b", "c"],
                          "first_join_ts": [T("2026-06-03"), T("2026-06-10"), T("2026-06-10")],
                          "tier": ["x", "x", "y"]})
    out = retention.cohort_retention(EV, "week", cohort_by="join", joins=joins, end=END)
    g = grid(out)
    # a joined in week 06-01 (active 06-01: week 0); b joined week 06-08: its 06-02 visit predates joining
    assert g[("06-01", 0)] == 1 and g[("06-08", 0)] == 1 and g[("06-08", 1)] == 2
    by = retention.cohort_retention(EV, "week", end=END, breakdown="tier", members=joins)
    assert set(by["tier"]) == {"x", "y"}
    assert by[(by["tier"] == "x") & (by["period"] == 0)]["cohort_size"].tolist() == [2]
    with pytest.raises(ValueError, match="must be one of"):
        retention.cohort_retention(EV, "day")
    with pytest.raises(ValueError, match="joins"):
        retention.cohort_retention(EV, cohort_by="join")


def test_retention_heatmap_draws_the_grid():
    import matplotlib.pyplot as plt

    from helpers import plots_journey as pj
    from helpers.plots import theme
    out = retention.cohort_retention(EV, "week", end="2026-06-25")
    with theme("en"):
        ax = pj.plot_retention(out, "Half of the first cohort comes back")
        labels = [t.get_text() for t in ax.texts]
    # cohort 06-01: 100% 50% 50% (week 3 incomplete: blank); cohort 06-08: 100% 50% (week 2 incomplete)
    assert labels == ["100%", "50%", "50%", "100%", "50%"]
    assert [x.get_text() for x in ax.get_xticklabels()] == ["0", "1", "2"]  # week 3: no cohort has completed it
    plt.close("all")
    ax = pj.plot_retention(out, "t", first_note="(already active)")
    assert ax.get_yticklabels()[0].get_text().endswith("(already active)")
    assert not ax.get_yticklabels()[1].get_text().endswith("(already active)")
    plt.close("all")
