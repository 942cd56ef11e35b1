"""Experiment design: sample sizes against statsmodels, ICC by hand, assignment, balance, pre-registration."""
import json
import math

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.power import NormalIndPower, TTestIndPower
from statsmodels.stats.proportion import proportion_effectsize

from helpers import design


def test_sample_size_for_twelve_to_fifteen_percent_is_2031_with_cohens_h():
    assert design.sample_size_proportions(0.12, 0.03) == 2031  # issue 5: 2,031 per arm (Cohen's h)
    assert design.sample_size_proportion(0.12, 0.15) == 2031
    assert design.sample_size_proportions(0.12, 0.25, relative=True) == 2031
    # reference: statsmodels proportion_effectsize + NormalIndPower.solve_power, the formula the kit names
    h = proportion_effectsize(0.15, 0.12)
    assert design.cohens_h(0.12, 0.15) == pytest.approx(h)
    ref = NormalIndPower().solve_power(effect_size=h, alpha=0.05, power=0.8, ratio=1.0)
    assert design.sample_size_proportions(0.12, 0.03) == math.ceil(ref)
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        design.sample_size_proportions(1.2, 0.03)


def test_sample_size_means_equals_statsmodels_t_power():
    ref = TTestIndPower().solve_power(effect_size=0.2, alpha=0.05, power=0.8, ratio=1.0)  # reference: statsmodels
    assert design.sample_size_means(0.2) == math.ceil(ref) == 394
    with pytest.raises(ValueError, match="effect_size"):
        design.sample_size_means(0)


def test_mde_inverts_sample_size():
    mde = design.mde_proportion(0.12, 2031)
    assert mde == pytest.approx(0.03, abs=2e-4)
    assert math.isnan(design.mde_proportion(0.12, 1))


def test_icc_anova_by_hand_and_by_simulation():
    # groups A [1,1,0], B [0,0,1], C [1,1,1]: MSB = 1/3, MSW = 2/9, m0 = 3 -> ICC = (1/9)/(7/9) = 1/7
    df = pd.DataFrame({"g": list("AAABBBCCC"), "y": [1, 1, 0, 0, 0, 1, 1, 1, 1]})
    assert design.icc_anova(df, "y", "g") == pytest.approx(1 / 7)
    rng = np.random.default_rng(4)
    g = np.repeat(np.arange(300), 30)
    y = rng.normal(0, math.sqrt(0.2), 300)[g] + rng.normal(0, math.sqrt(0.8), g.size)  # true ICC 0.2
    assert design.icc_anova(pd.DataFrame({"g": g, "y": y}), "y", "g") == pytest.approx(0.2, abs=0.04)
    assert math.isnan(design.icc_anova(df[df.g == "A"], "y", "g"))


def test_cluster_design_applies_the_design_effect():
    d = design.cluster_design(0.15, 0.05, icc=0.02, mean_cluster_size=51, clusters_available=60)
    assert d.design_effect == pytest.approx(1 + 50 * 0.02)  # 2.0
    assert d.n_individual_per_arm == design.sample_size_proportions(0.15, 0.05)
    assert d.members_per_arm == math.ceil(2 * d.n_individual_per_arm)
    assert d.clusters_per_arm == math.ceil(d.members_per_arm / 51)
    assert d.feasible == (2 * d.clusters_per_arm <= 60)
    assert d.summary.shape[0] == 1
    with pytest.raises(ValueError, match="icc"):
        design.cluster_design(0.15, 0.05, icc=1.5, mean_cluster_size=10)


def test_power_curve_reaches_target_at_the_sample_size():
    n = design.sample_size_proportions(0.12, 0.03)
    curve = design.power_curve(0.12, [0.03], [n - 50, n, 4 * n])
    assert curve["power"].iloc[1] == pytest.approx(0.8, abs=0.002)
    assert curve["power"].is_monotonic_increasing
    clustered = design.power_curve(0.12, [0.03], [n], icc=0.05, mean_cluster_size=21)
    assert clustered["power"].iloc[0] < 0.8 and clustered["design_effect"].iloc[0] == pytest.approx(2.0)


def test_assign_is_stratified_reproducible_and_order_free():
    rng = np.random.default_rng(0)
    units = pd.DataFrame({"member_id": [f"m{i:03d}" for i in range(300)],
                          "active_days": rng.integers(0, 31, 300), "region": rng.choice(["N", "S"], 300)})
    a = design.assign(units, "member_id", strata=["active_days", "region"], seed=42)
    b = design.assign(units.sample(frac=1, random_state=1), "member_id", strata=["active_days", "region"], seed=42)
    assert a["variant"].tolist() == b["variant"].tolist()
    assert a["stratum"].nunique() == 6  # terciles x 2 regions
    per = a.groupby(["stratum", "variant"]).size().unstack()
    assert ((per["control"] - per["treatment"]).abs() <= 1).all()  # blocked: each stratum splits evenly
    c = design.assign(units, "member_id", strata=["active_days"], seed=43)
    assert (c["variant"] != a["variant"]).any()
    with pytest.raises(ValueError, match="duplicates"):
        design.assign(pd.concat([units, units.head(1)]), "member_id")


def test_balance_table_smd_by_hand():
    df = pd.DataFrame({"variant": ["control"] * 3 + ["treatment"] * 3, "x": [1, 2, 3, 2, 3, 4]})
    row = design.balance_table(df, ["x"]).iloc[0]
    # means 2 and 3, both variances 1 -> SMD = 1 / sqrt(1) = 1
    assert (row["control_mean"], row["treatment_mean"], row["smd"]) == pytest.approx((2, 3, 1))
    assert not row["balanced"]


def test_preregister_writes_once_and_refuses_a_changed_plan(tmp_path):
    kw = dict(hypothesis="Personalized messages raise opens", primary_metric="open_rate",
              guardrails=["complaints", "leaves"], mde=0.03, duration_days=30, analysis_method="delta-method z")
    p = design.preregister(tmp_path, "broadcast_personalization", **kw)
    rec = json.loads(p.read_text(encoding="utf-8"))
    assert rec["primary_metric"] == "open_rate" and len(rec["sha256"]) == 64 and rec["registered_at"]
    assert design.preregister(tmp_path, "broadcast_personalization", **kw) == p
    with pytest.raises(FileExistsError, match="different plan"):
        design.preregister(tmp_path, "broadcast_personalization", **{**kw, "mde": 0.01})
    assert design.read_preregistration(tmp_path, "broadcast_personalization")["mde"] == 0.03
    with pytest.raises(FileNotFoundError, match="Registered: \\['broadcast_personalization'\\]"):
        design.read_preregistration(tmp_path, "nav_fix")


def test_experiment_overview_counts_units_per_arm():
    a = pd.DataFrame({"experiment_id": ["e"] * 3, "unit_type": ["member"] * 3, "unit_id": ["1", "2", "3"],
                      "variant": ["control", "treatment", "treatment"],
                      "assigned_ts": pd.to_datetime(["2026-07-16"] * 3), "stratum": ["a", "a", "b"]})
    out = design.experiment_overview(a)
    assert out["units"].tolist() == [1, 2]


def test_strategy_catalogue_ranks_by_ice_and_links_experiments():
    from helpers import strategy
    cat = strategy.catalogue()
    assert cat["ice"].is_monotonic_decreasing
    nav = cat.set_index("strategy_id").loc["nav_fix"]
    assert nav["ice"] == pytest.approx((7 + 8 + 9) / 3, abs=0.01) and nav["direction"] == "down"
    assert set(cat["experiment_id"].dropna()) == {"nav_fix", "broadcast_personalization", "community_programme"}
    assert (cat["status"] == "planned").sum() == 2
    custom = strategy.catalogue({"nav_fix": "32% of views bounce"})
    assert custom.set_index("strategy_id").loc["nav_fix", "insight"] == "32% of views bounce"
    with pytest.raises(KeyError, match="Available"):
        strategy.catalogue({"navfix": "x"})


def test_power_curve_labels_follow_the_language():
    curve = design.power_curve(0.12, [0.03], [100, 400])
    zh, en = design.plot_power_curve(curve, lang="zh"), design.plot_power_curve(curve, lang="en")
    assert zh.get_title().startswith("样本越大") and zh.get_xlabel() == "每组成员数"
    assert en.get_xlabel() == "Members per arm" and "pp" in en.get_legend().get_texts()[0].get_text()
    assert "个百分点" in zh.get_legend().get_texts()[0].get_text()


def test_arms_even_within_each_experiment_only():
    ov = pd.DataFrame({"experiment_id": ["a", "a", "b", "b"], "variant": ["c", "t"] * 2, "units": [100, 105, 10, 30]})
    assert design.arms_even(ov.iloc[:2]) and not design.arms_even(ov.iloc[:2], tolerance=0.04)
    assert not design.arms_even(ov)  # b's arms are 10 and 30; sizes are never compared across experiments
    assert design.arms_even(ov.assign(units=[100, 100, 10, 10]))


def test_ratio_design_effect_by_hand_and_against_the_delta_method():
    # one unit per member: independent units, so the design effect is k / (k - 1) (the small-sample factor)
    y = np.array([1, 0, 0, 1, 0, 1, 0, 0, 0, 1])
    assert design.ratio_design_effect(y, np.ones(10)) == pytest.approx(10 / 9)
    # all-or-nothing members of 4 units each: every member's units move together, so the effect is 4 (x k/(k-1))
    z = np.array([1, 0, 0, 1, 0, 1, 0, 0])
    assert design.ratio_design_effect(4 * z, np.full(8, 4)) == pytest.approx(4 * 8 / 7)
    # against the delta-method variance of statsmodels-free hand algebra on uneven members:
    # y = (2, 0, 3), n = (4, 2, 5): R = 5/11; sum of (y - R n)^2 = 0.0661 + 0.8264 + 0.5165 = 1.4091 (x 3/2, / 121)
    r = 5 / 11
    var_delta = ((2 - 4 * r) ** 2 + (0 - 2 * r) ** 2 + (3 - 5 * r) ** 2) / 121 * 3 / 2
    want = var_delta / (r * (1 - r) / 11)
    assert design.ratio_design_effect([2, 0, 3, 0], [4, 2, 5, 0]) == pytest.approx(want)  # members without units are left out
    assert np.isnan(design.ratio_design_effect([0, 0], [3, 4]))  # a rate of 0 has no binomial variance
    with pytest.raises(ValueError, match="differ in length"):
        design.ratio_design_effect([1, 2], [3])
