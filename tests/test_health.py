"""Community health index: normalization, weights (equal, mapping, entropy), score, rank and trend."""
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from helpers import health
from helpers.kpi import health_index as reexported


@pytest.fixture
def kpis():
    return pd.DataFrame({"community_id": ["g1", "g2", "g3"], "x1": [0.0, 1.0, 2.0], "x2": [0.0, 0.0, 1.0],
                         "flat": [5.0, 5.0, 5.0]})


def test_reexported_from_kpi():
    assert reexported is health.health_index


def test_equal_and_mapping_weights_minmax(kpis):
    hi = health.health_index(kpis, "equal", metrics=("x1", "x2"), period=None)
    # normalized x1 = 0, .5, 1; x2 = 0, 0, 1 -> scores 100 * (0, .25, 1)
    assert hi.trend["score"].tolist() == pytest.approx([0.0, 25.0, 100.0])
    assert hi.scores["community_id"].tolist() == ["g3", "g2", "g1"] and hi.scores["rank"].tolist() == [1, 2, 3]
    assert hi.weights["weight"].tolist() == [0.5, 0.5] and set(hi.weights["method"]) == {"equal"}
    m = health.health_index(kpis, {"x1": 3, "x2": 1}, metrics=("x1", "x2"), period=None)
    assert m.weights["weight"].tolist() == pytest.approx([0.75, 0.25])
    assert m.trend["score"].tolist() == pytest.approx([0.0, 37.5, 100.0])


def test_entropy_weights_by_hand(kpis):
    hi = health.health_index(kpis, "entropy", metrics=("x1", "x2", "flat"), period=None)
    # p1 = (0, 1/3, 2/3); e1 = -(1/3 ln 1/3 + 2/3 ln 2/3) / ln 3; p2 = (0, 0, 1) -> e2 = 0; flat -> e = 1
    e1 = -(1 / 3 * np.log(1 / 3) + 2 / 3 * np.log(2 / 3)) / np.log(3)
    d = np.array([1 - e1, 1.0, 0.0])
    assert hi.weights["weight"].to_numpy() == pytest.approx(d / d.sum())
    assert hi.weights.set_index("metric").loc["flat", "weight"] == 0.0
    assert any("flat" in f for f in hi.flags)


def test_z_normalization_and_direction(kpis):
    z = health.health_index(kpis, "equal", normalize="z", metrics=("x1",), period=None)
    assert z.trend["x1_norm"].to_numpy() == pytest.approx(stats.zscore([0.0, 1.0, 2.0]))  # reference: scipy zscore
    down = health.health_index(kpis, "equal", metrics=("x1",), directions={"x1": "down"}, period=None)
    assert down.scores.iloc[0]["community_id"] == "g1"


def test_trend_per_period_and_missing_values():
    k = pd.DataFrame({"community_id": ["a", "b", "a", "b"], "period": ["w1", "w1", "w2", "w2"],
                      "x": [1.0, 3.0, 2.0, np.nan]})
    hi = health.health_index(k, "equal", metrics=("x",))
    # pooled min-max over the four rows: a-w1 0, b-w1 1, a-w2 0.5, b-w2 missing -> 0.5
    t = hi.trend.set_index(["community_id", "period"])["score"]
    assert t.to_dict() == pytest.approx({("a", "w1"): 0.0, ("a", "w2"): 50.0, ("b", "w1"): 100.0, ("b", "w2"): 50.0})
    assert hi.trend.set_index(["community_id", "period"]).loc[("b", "w1"), "rank"] == 1
    assert hi.scores.set_index("community_id")["score"].to_dict() == pytest.approx({"a": 25.0, "b": 75.0})


def test_caller_mistakes_raise(kpis):
    with pytest.raises(ValueError, match="normalize"):
        health.health_index(kpis, normalize="rank", metrics=("x1",), period=None)
    with pytest.raises(ValueError, match="weights"):
        health.health_index(kpis, "critic", metrics=("x1",), period=None)
    with pytest.raises(ValueError, match="x2"):
        health.health_index(kpis, {"x1": 1}, metrics=("x1", "x2"), period=None)
    with pytest.raises(KeyError, match="nope"):
        health.health_index(kpis, metrics=("nope",), period=None)


def test_health_trend_plots_the_best_and_the_weakest_chats_by_name():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from helpers import plots_members as pm
    weeks = pd.date_range("2026-06-01", periods=3, freq="7D")
    trend = pd.DataFrame({"community_id": [c for c in "abcde" for _ in weeks], "period": list(weeks) * 5,
                          "score": [90, 91, 92, 80, 80, 80, 50, 50, 50, 30, 31, 32, 10, 12, 11]})
    ax = pm.plot_health_trend(trend, best=1, worst=2, names={"a": "Chat A", "e": "Chat E"})
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == ["Chat A", "d", "Chat E", "Median"]  # best first, the weakest last, then the weekly median
    assert list(ax.get_lines()[-1].get_ydata()) == [50, 50, 50]
    plt.close(ax.figure)
    ax = pm.plot_reply_times(pd.DataFrame({"community_id": ["g1", "g2", "g3"], "customer_messages": [10, 20, 5],
                                           "median_reply_minutes": [5.0, 30.0, 1.0], "unanswered_share": [0.003, 0.2, 0.0]}),
                             top=2, names={"g1": "Chat 1"})
    assert [x.get_text() for x in ax.get_yticklabels()] == ["Chat 1", "g2"]  # the 2 busiest, fastest at the bottom
    assert [x.get_text() for x in ax.texts] == [" 0.3% unanswered", " 20.0% unanswered"]
    plt.close(ax.figure)
    ax = pm.plot_reply_times(pd.DataFrame({"community_id": ["g1"], "customer_messages": [10], "median_reply_minutes": [5.0],
                                           "unanswered_share": [0.0]}))
    assert len(ax.texts) == 0  # all answered: no "0.0% unanswered" on every bar
    plt.close(ax.figure)
