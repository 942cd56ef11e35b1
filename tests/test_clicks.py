"""Click density on hand-placed clicks; before/after the navigation fix on the sample."""
import pandas as pd
import pytest

from helpers import clicks

T = pd.Timestamp
CL = pd.DataFrame({
    "member_id": ["a", "a", "b", "b", "c", "c"],
    "ts": [T("2026-06-01 10:00")] * 4 + [T("2026-06-20 10:00")] * 2,
    "event": ["click", "click", "click", "page_view", "click", "click"],
    "page": ["itinerary_consult"] * 5 + ["home"],
    "x": [10.0, 20.0, 370.0, None, 400.0, 10.0],
    "y": [10.0, 24.9, 800.0, None, 10.0, 10.0],
})


def test_density_counts_clicks_per_cell_and_sums_to_one():
    d = clicks.click_density(CL, "itinerary_consult", cell_px=25)
    # (10, 10) and (20, 24.9) share the top-left cell; (370, 800) is the bottom-right one; c's x=400 is off-screen
    assert len(d) == 15 * 33  # ceil(375/25) x ceil(812/25)
    top_left = d[(d["col"] == 0) & (d["row"] == 0)].iloc[0]
    assert (top_left["clicks"], top_left["x"], top_left["y"]) == (2, 12.5, 12.5)
    assert d.loc[(d["col"] == 14) & (d["row"] == 32), "clicks"].item() == 1
    assert d["density"].sum() == pytest.approx(1.0) and top_left["density"] == pytest.approx(2 / 3)
    assert (d["total"].iloc[0], d["outside"].iloc[0]) == (3, 1)


def test_windows_members_and_region_share():
    both = clicks.compare_click_density(CL, "itinerary_consult", {
        "before": ("2026-06-01", "2026-06-10"), "after": ("2026-06-10", "2026-07-01")}, cell_px=25)
    assert both.groupby("window", sort=False)["clicks"].sum().to_dict() == {"before": 3, "after": 0}
    assert both.loc[both["window"] == "after", "density"].isna().all()  # no clicks: undefined, not zero
    only_b = clicks.click_density(CL, "itinerary_consult", members=pd.DataFrame({"member_id": ["b"]}))
    assert only_b["clicks"].sum() == 1
    share = clicks.region_share(both, x=(0, 50), y=(0, 50)).set_index("window")
    assert share.loc["before", "share"] == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="cell_px"):
        clicks.click_density(CL, "home", cell_px=0)


def test_clicks_move_to_the_bottom_navigation_after_the_fix(sample):
    tl = sample.timeline
    a = sample.con.table("assignments")
    treated = a.filter((a.experiment_id == "nav_fix") & (a.variant == "treatment")).select(member_id=a.unit_id)
    d = clicks.compare_click_density(sample.con.table("events"), "itinerary_consult", {
        "before": (tl.pre[0], tl.pre[1]), "after": (tl.test[0], tl.test[1], treated)}, cell_px=25)
    bottom = clicks.region_share(d, x=(0, 375), y=(650, 812)).set_index("window")["share"]
    print(bottom.to_dict())
    # planted: after the fix, clicks cluster on a bottom navigation button; before, scattered
    assert bottom["after"] > bottom["before"] + 0.2


def test_heatmaps_side_by_side_share_one_scale():
    import matplotlib.pyplot as plt

    from helpers import plots_journey as pj
    from helpers.plots import theme
    both = clicks.compare_click_density(CL, "itinerary_consult", {
        "before": ("2026-06-01", "2026-06-10"), "after": ("2026-06-01", "2026-07-01")}, cell_px=25)
    with theme("en"):
        axes = pj.plot_click_heatmaps(both, "Clicks")
    assert len(axes) == 2
    assert [ax.images[0].get_clim() for ax in axes] == [(0, pytest.approx(2 / 3))] * 2
    assert axes[0].images[0].get_array().shape == (33, 15)
    plt.close("all")
