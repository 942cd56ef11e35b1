"""Personas: feature table, age share and interaction by age on hand-countable frames; KMeans with k by
silhouette on separated blobs; planted 18-25 figures on the sample."""
import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler

from helpers import personas as ps

T = pd.Timestamp
START, END = "2026-06-01", "2026-07-01"


@pytest.fixture
def tables():
    members = pd.DataFrame({"member_id": list("abcd"), "age_band": ["18-25", "18-25", "36-45", "unknown"]})
    memberships = pd.DataFrame({"member_id": list("abc"), "community_id": ["g"] * 3,
                                "join_ts": [T("2026-05-01")] * 3, "leave_ts": [pd.NaT] * 3})
    events = pd.DataFrame({
        "member_id": ["a", "a", "a", "a", "b", "b", "c", "c"],
        "ts": [T("2026-06-02 10:00")] * 4 + [T("2026-06-03 10:00")] * 2 + [T("2026-06-04 10:00")] * 2,
        "event": ["post_view", "like", "post_view", "post_view", "post_view", "comment", "post_view", "share"],
        "content_type": ["guide", "guide", "skin_update", "guide", "skin_update", "skin_update", "guide", "guide"],
    })
    messages = pd.DataFrame({"sender_id": ["c"], "sender_type": ["customer"], "ts": [T("2026-06-05 10:00")]})
    orders = pd.DataFrame({"member_id": ["a", "c", "c"], "ts": [T("2026-01-01"), T("2026-05-01"), T("2026-06-10")],
                           "amount": [99.0, 100.0, 50.0]})
    tickets = pd.DataFrame({"member_id": ["b", "b"], "created_ts": [T("2026-06-01"), T("2026-06-20")]})
    return dict(members=members, memberships=memberships, events=events, messages=messages, orders=orders, tickets=tickets)


def test_age_share_excludes_unknown(tables):
    out = ps.age_share(tables["members"]).iloc[0]
    assert (out["members_with_age"], out["band_members"], out["share"]) == (3, 2, pytest.approx(2 / 3))


def test_interaction_by_age_band(tables):
    out = ps.interaction_by_segment(tables["events"], tables["members"], START, END).set_index(["age_band", "content_type"])
    # 18-25: guide views a, a (2) with a's like (1) -> 0.5; skin_update views a, b (2) with b's comment -> 0.5
    assert (out.loc[("18-25", "guide"), "views"], out.loc[("18-25", "guide"), "interactions"]) == (2, 1)
    assert out.loc[("18-25", "skin_update"), "rate"] == pytest.approx(0.5)
    assert out.loc[("36-45", "guide"), "rate"] == pytest.approx(1.0)


def test_member_features_five_dimensions(tables):
    f = ps.member_features(tables, START, END).set_index("member_id")
    assert list(f.index) == ["a", "b", "c"]  # d is no community member
    assert f.loc["a", "pref_guide"] == pytest.approx(2 / 3) and f.loc["a", "pref_skin_update"] == pytest.approx(1 / 3)
    assert f.loc["a", "interaction_rate"] == pytest.approx(1 / 3)
    # spending: orders in the 365 days before END: c 100 + 50, a 99
    assert (f.loc["c", "spend"], f.loc["a", "spend"], f.loc["b", "spend"]) == (150.0, 99.0, 0.0)
    assert f.loc["b", "tickets"] == 2 and f.loc["c", "active_days"] == 1  # c: a share is no activity; the message is
    assert f.loc["a", "age_years"] == 21.5 and f.loc["c", "age_years"] == 40.5
    for dim, cols in ps.DIMENSIONS.items():
        assert set(cols) <= set(f.columns), dim


def test_build_personas_finds_three_blobs():
    rng = np.random.default_rng(3)
    centers = np.array([[0, 0, 0], [6, 0, 0], [0, 6, 6]])
    x = np.vstack([c + rng.normal(0, 0.5, (40, 3)) for c in centers])
    feats = pd.DataFrame(x, columns=["age_years", "log_spend", "tickets"]).assign(member_id=[f"m{i}" for i in range(120)])
    p = ps.build_personas(feats, k_range=range(2, 6), columns=["age_years", "log_spend", "tickets"], sample_size=None)
    assert p.k == 3
    assert p.profiles["members"].tolist() == [40, 40, 40] and p.profiles["share"].sum() == pytest.approx(1.0)
    z = StandardScaler().fit_transform(x)
    ref = silhouette_score(z, KMeans(3, n_init=10, random_state=0).fit(z).labels_)  # reference: sklearn
    assert p.silhouette.set_index("k").loc[3, "silhouette"] == pytest.approx(ref)
    assert p.profiles["name"].nunique() == 3 and list(p.centroids.columns) == ["age_years", "log_spend", "tickets"]
    with pytest.raises(ValueError, match="k_range"):
        ps.build_personas(feats.head(3), k_range=range(5, 7), columns=["age_years"])
    with pytest.raises(KeyError, match="nope"):
        ps.build_personas(feats, columns=["nope"])


def test_recovers_planted_age_and_interaction(sample):
    con, tl, fig = sample.con, sample.timeline, sample.truth["figures"]
    share = ps.age_share(con.table("members")).iloc[0]["share"]
    assert share == pytest.approx(fig["age_18_25_share"], abs=0.02)  # deck page 5: 43%
    rates = ps.interaction_by_segment(con.table("events"), con.table("members"), tl.pre[0], tl.end)
    r = rates[rates["age_band"] == "18-25"].set_index("content_type")["rate"]
    assert r["skin_update"] == pytest.approx(fig["interaction_rate_18_25"]["skin_update"], abs=0.02)  # deck: 12%
    assert r["guide"] == pytest.approx(fig["interaction_rate_18_25"]["guide"], abs=0.02)  # deck: 38%


def test_radar_and_silhouette_draw_what_they_are_given():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from helpers import plots_members as pm
    cent = pd.DataFrame({"age_years": [1.0, -1.0], "log_spend": [0.5, -0.5], "tickets": [0.0, 2.0]})
    ax = pm.plot_radar(cent, {0: "Mature", 1: "Vocal"})
    assert len(ax.lines) == 2 and [t.get_text() for t in ax.get_legend().get_texts()] == ["Mature", "Vocal"]
    assert list(ax.lines[1].get_ydata()) == [-1.0, -0.5, 2.0, -1.0]  # closed polygon
    plt.close(ax.figure)
    ax = pm.plot_silhouette(pd.DataFrame({"k": [2, 3], "silhouette": [0.2, 0.4]}), 3)
    assert list(ax.lines[0].get_ydata()) == [0.2, 0.4]
    plt.close(ax.figure)
