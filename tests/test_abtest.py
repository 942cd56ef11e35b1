"""Experiment analysis against the field's references (scipy, statsmodels) and hand-counted cases."""
import math
import re

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportions_ztest

from helpers import abtest
from helpers.aa import _half_splits, _masks
from helpers.abtest import MeanStats, ProportionStats, RatioStats


def mean_stats(x):
    x = np.asarray(x, float)
    return MeanStats(len(x), float(x.sum()), float((x * x).sum()))


def test_welch_from_sufficient_stats_equals_scipy():
    rng = np.random.default_rng(1)
    a, b = rng.normal(10, 2, 40), rng.normal(11, 5, 25)
    r = abtest.welch_test(mean_stats(a), mean_stats(b))
    # reference: scipy.stats.ttest_ind_from_stats(equal_var=False) (treatment first: same sign)
    ref = stats.ttest_ind_from_stats(b.mean(), b.std(ddof=1), len(b), a.mean(), a.std(ddof=1), len(a),
                                     equal_var=False)
    assert r.statistic == pytest.approx(ref.statistic, rel=1e-10)
    assert r.p_value == pytest.approx(ref.pvalue, rel=1e-10)
    # reference: scipy.stats.ttest_ind(...).confidence_interval() for the Welch interval
    ci = stats.ttest_ind(b, a, equal_var=False).confidence_interval(0.95)
    assert (r.abs_ci_low, r.abs_ci_high) == pytest.approx((ci.low, ci.high), rel=1e-10)
    assert r.abs_diff == pytest.approx(b.mean() - a.mean())


def test_pooled_z_equals_statsmodels():
    c, t = ProportionStats(2000, 240), ProportionStats(2100, 315)
    r = abtest.proportion_test(c, t)
    # reference: statsmodels proportions_ztest (pooled variance under H0 is its default)
    z, p = proportions_ztest([315, 240], [2100, 2000])
    assert (r.statistic, r.p_value) == pytest.approx((z, p), rel=1e-10)
    assert r.abs_diff == pytest.approx(0.15 - 0.12)
    se = math.sqrt(0.12 * 0.88 / 2000 + 0.15 * 0.85 / 2100)  # unpooled Wald, by hand
    assert r.abs_ci_low == pytest.approx(0.03 - 1.959963984540054 * se)
    assert r.rel_diff == pytest.approx(0.25)


def test_ratio_delta_method_equals_linearization():
    rng = np.random.default_rng(3)
    def arm(n, p):
        y = rng.integers(1, 6, n).astype(float)  # sends per member
        return rng.binomial(y.astype(int), p).astype(float), y
    (xc, yc), (xt, yt) = arm(500, 0.2), arm(480, 0.26)
    def rs(x, y):
        return RatioStats(len(x), x.sum(), (x * x).sum(), y.sum(), (y * y).sum(), (x * y).sum())
    r = abtest.ratio_test(rs(xc, yc), rs(xt, yt))
    # reference: the linearized unit values l = (x - R y) / ȳ have Var(R) = var(l)/n (textbook delta method)
    def var_r(x, y):
        R = x.sum() / y.sum()
        return np.var((x - R * y) / y.mean(), ddof=1) / len(x)
    se = math.sqrt(var_r(xc, yc) + var_r(xt, yt))
    diff = xt.sum() / yt.sum() - xc.sum() / yc.sum()
    assert r.abs_diff == pytest.approx(diff)
    assert r.statistic == pytest.approx(diff / se, rel=1e-9)


def test_degenerate_arms_return_status_not_errors():
    assert abtest.proportion_test(ProportionStats(0, 0), ProportionStats(10, 3)).status == "NO_UNITS"
    assert abtest.proportion_test(ProportionStats(10, 0), ProportionStats(10, 0)).status == "ZERO_VARIANCE"
    assert abtest.welch_test(MeanStats(3, 3, 3), MeanStats(3, 3, 3)).status == "ZERO_VARIANCE"
    r = abtest.welch_test(MeanStats(1, 3, 9), MeanStats(3, 3, 5))
    assert r.status == "NO_UNITS" and not r.significant and math.isnan(r.p_value)
    assert abtest.ratio_test(RatioStats(5, 0, 0, 0, 0, 0), RatioStats(5, 1, 1, 5, 5, 1)).status == "ZERO_DENOMINATOR"
    with pytest.raises(ValueError, match="alpha"):
        abtest.welch_test(MeanStats(3, 3, 5), MeanStats(3, 3, 5), alpha=5)


def test_sufficient_stats_and_compare_on_a_frame():
    df = pd.DataFrame({"variant": ["control"] * 4 + ["treatment"] * 3,
                       "opened": [1, 0, 0, 1, 1, 1, 0], "sends": [2, 1, 1, 2, 1, 2, 3]})
    s = abtest.sufficient_stats(df, "opened", kind="ratio", denominator="sends")
    assert s["variant"].tolist() == ["control", "treatment"]
    assert s[["n", "sum", "den_sum", "cross_sum"]].to_numpy().tolist() == [[4, 2, 6, 4], [3, 2, 6, 3]]
    r = abtest.compare(df, "opened", kind="proportion")
    assert (r.control_mean, r.treatment_mean) == pytest.approx((0.5, 2 / 3))
    assert abtest.compare(df, "opened", kind="mean", treatment="nobody").status == "NO_UNITS"
    with pytest.raises(ValueError, match=r"one of \('proportion', 'mean', 'ratio'\)"):
        abtest.compare(df, "opened", kind="median")
    with pytest.raises(KeyError, match="Available"):
        abtest.sufficient_stats(df, "clicks")
    summary = r.summary
    assert summary.shape[0] == 1 and "p_value" in summary and "<table" in r._repr_html_()


def test_srm_equals_scipy_chisquare_and_flags():
    r = abtest.srm_check({"control": 5000, "treatment": 5200})
    ref = stats.chisquare([5000, 5200])  # reference: scipy.stats.chisquare, equal expected
    assert (r.statistic, r.p_value) == pytest.approx((ref.statistic, ref.pvalue))
    assert not r.flagged  # p ≈ 0.048 > 0.001
    r = abtest.srm_check(pd.Series({"control": 5000, "treatment": 5400}))
    assert r.flagged  # chi2 = 400²·2/10400 ≈ 15.4, p ≈ 8.7e-5
    r = abtest.srm_check(pd.DataFrame({"variant": ["a", "b", "c"], "units": [100, 100, 200]}),
                         weights=[1, 1, 2])
    assert r.statistic == pytest.approx(0.0) and r.expected == (100.0, 100.0, 200.0)
    with pytest.raises(ValueError, match="two arms"):
        abtest.srm_check({"a": 10})


def test_adjust_pvalues_equal_statsmodels_with_explicit_method():
    p = {"open_rate": 0.01, "bounce": 0.04, "complaints": 0.03, "leave": 0.2, "sentiment": 0.005}
    holm = abtest.adjust_pvalues(p, method="holm")
    bh = abtest.adjust_pvalues(p, method="bh")
    # reference: statsmodels multipletests with method named explicitly ('holm', 'fdr_bh')
    assert holm["p_adjusted"].to_numpy() == pytest.approx(multipletests(list(p.values()), method="holm")[1])
    assert bh["p_adjusted"].to_numpy() == pytest.approx(multipletests(list(p.values()), method="fdr_bh")[1])
    # by hand: Holm multiplies the sorted p by 5, 4, 3, 2, 1 and takes running maxima
    assert holm.set_index("metric")["p_adjusted"].to_dict() == pytest.approx(
        {"sentiment": 0.025, "open_rate": 0.04, "complaints": 0.09, "bounce": 0.09, "leave": 0.2})
    assert holm["method"].iloc[0] == "Holm" and bh["method"].iloc[0] == "Benjamini-Hochberg"
    with pytest.raises(ValueError, match="'holm', 'bh'"):
        abtest.adjust_pvalues(p, method="fdr_bh")


def test_cuped_equals_welch_on_adjusted_values():
    rng = np.random.default_rng(5)
    n = 400
    x = rng.gamma(2, 2, n)
    arm = np.repeat(["control", "treatment"], n // 2)
    y = 0.8 * x + rng.normal(0, 1, n) + np.where(arm == "treatment", 0.5, 0)
    df = pd.DataFrame({"variant": arm, "y": y, "x": x})
    r = abtest.cuped(df, "y", "x")
    theta = np.cov(x, y, ddof=1)[0, 1] / np.var(x, ddof=1)  # reference: CUPED θ by numpy
    adj = y - theta * (x - x.mean())
    ref = stats.ttest_ind(adj[arm == "treatment"], adj[arm == "control"], equal_var=False)  # reference: scipy
    assert r.theta == pytest.approx(theta)
    assert r.adjusted.statistic == pytest.approx(ref.statistic, rel=1e-8)
    assert r.variance_reduction == pytest.approx(1 - np.var(adj, ddof=1) / np.var(y, ddof=1))
    assert r.variance_reduction > 0.5
    assert r.adjusted.abs_ci_high - r.adjusted.abs_ci_low < r.unadjusted.abs_ci_high - r.unadjusted.abs_ci_low
    assert r.adjusted.abs_ci_low < 0.5 < r.adjusted.abs_ci_high


def test_did_equals_ols_with_cluster_robust_errors():
    rng = np.random.default_rng(11)
    rows = []
    for g in range(20):
        treated = g % 2
        level = rng.normal(0.15, 0.03)
        for day in range(20):
            post = int(day >= 10)
            rows.append((f"c{g}", day, treated, post, level + 0.2 * treated * post + rng.normal(0, 0.02)))
    df = pd.DataFrame(rows, columns=["community_id", "day", "treated", "post", "rate"])
    r = abtest.did(df, "rate", "treated", "post", cluster="community_id")
    # reference: statsmodels OLS formula fit on the same rows, cluster-robust with t inference
    fit = sm.OLS.from_formula("rate ~ treated * post", df).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(df["community_id"])[0]}, use_t=True)
    assert r.estimate == pytest.approx(fit.params["treated:post"])
    assert r.std_error == pytest.approx(fit.bse["treated:post"])
    assert r.ci_low < 0.2 < r.ci_high and r.n_clusters == 20
    # 2x2 means by hand give the same δ
    assert r.estimate == pytest.approx((r.treatment_post - r.treatment_pre) - (r.control_post - r.control_pre))
    pre = abtest.did_pretrend(df[df.post == 0], "rate", "treated", "day", cluster="community_id")
    assert pre.ci_low < 0 < pre.ci_high
    assert abtest.did(df[df.treated == 0], "rate", "treated", "post").status == "NO_UNITS"


def test_effect_by_period_gives_one_row_per_week():
    df = pd.DataFrame({"week": [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2], "treated": [0, 0, 1, 1] * 3,
                       "y": [1, 1.2, 1, 1.2, 1, 1.2, 2, 2.2, 1, 1.2, 1.5, 1.7]})
    out = abtest.effect_by_period(df, "y", "treated", "week", baseline=0)
    assert out["period"].tolist() == [1, 2] and out["estimate"].to_numpy() == pytest.approx([1.0, 0.5])


def test_bootstrap_median_interval_covers_the_shift():
    rng = np.random.default_rng(2)
    df = pd.DataFrame({"variant": np.repeat(["control", "treatment"], 300),
                       "resolution_hours": np.concatenate([rng.exponential(72, 300), rng.exponential(48, 300)])})
    r = abtest.bootstrap_median(df, "resolution_hours", n_resamples=500, seed=1)
    true_shift = (48 - 72) * math.log(2)  # exponential medians: mean · ln 2
    assert r.abs_ci_low < true_shift < r.abs_ci_high
    assert r.abs_diff == pytest.approx(df.groupby("variant")["resolution_hours"].median().diff().iloc[-1])


def test_aa_false_positive_rate_is_nominal_over_1000_splits():
    rng = np.random.default_rng(2026)
    df = pd.DataFrame({"active_days": rng.poisson(rng.gamma(2, 3, 3000))})
    r = abtest.aa_check(df, "active_days", n_splits=1000, seed=7)
    assert 0.035 <= r.false_positive_rate <= 0.065  # issue 5: within [0.035, 0.065] over 1,000 splits
    assert 0.93 <= r.coverage <= 0.97 and len(r.p_values) == 1000
    # the vectorized split equals the scalar Welch test on the same first split
    mask = _masks(np.random.default_rng(7), 1, 3000)[0]
    x = df["active_days"].to_numpy(float)
    assert r.p_values[0] == pytest.approx(abtest.welch_test(mean_stats(x[~mask]), mean_stats(x[mask])).p_value)


def test_aa_clustered_data_needs_the_cluster_split():
    rng = np.random.default_rng(8)
    groups = np.repeat(np.arange(60), 50)
    y = (rng.random(3000) < np.repeat(rng.beta(2, 8, 60), 50)).astype(float)  # strong ICC
    df = pd.DataFrame({"active": y, "community_id": groups})
    naive = abtest.aa_check(df, "active", n_splits=400, kind="proportion", seed=1)
    clustered = abtest.aa_check(df, "active", n_splits=400, cluster="community_id", seed=1)
    # the member-level split here is valid (members are split); the cluster split is what a group-level
    # treatment implies, and the ratio test keeps its nominal rate with whole clusters moved
    assert 0.02 <= clustered.false_positive_rate <= 0.09
    assert 0.02 <= naive.false_positive_rate <= 0.09
    assert "clusters" in clustered.method


def _null_panel(rng, n_clusters, days=20):
    """Chat × day rates with no treatment: chat levels, AR(1) noise within a chat, shared day shocks."""
    level = rng.normal(0.3, 0.05, n_clusters)
    noise = np.zeros((n_clusters, days))
    for d in range(days):
        noise[:, d] = (0.9 * noise[:, d - 1] if d else 0) + rng.normal(0, 0.03, n_clusters)
    rate = level[:, None] + rng.normal(0, 0.02, days)[None, :] + noise
    return pd.DataFrame({"community_id": np.repeat([f"c{i:02d}" for i in range(n_clusters)], days),
                         "day": np.tile(pd.date_range("2026-06-01", periods=days), n_clusters),
                         "rate": rate.ravel(), "members": np.repeat(rng.integers(20, 200, n_clusters), days)})


@pytest.mark.parametrize("n, expected", [(10, 126), (7, 35), (4, 3)])
def test_half_splits_enumerate_each_distinct_split_once(n, expected):
    masks, exhaustive = _half_splits(np.random.default_rng(0), n, 1000)
    assert exhaustive and masks.shape == (expected, n) and (masks.sum(axis=1) == n // 2).all()
    seen = {tuple(m) for m in masks}
    assert len(seen) == expected  # C(10,5)/2 = 126 (a split and its mirror are one test), C(7,3) = 35
    if n % 2 == 0:
        assert not any(tuple(~np.array(m)) in seen for m in seen)
    sampled, exhaustive = _half_splits(np.random.default_rng(0), 12, 100)  # C(12,6)/2 = 462 > 100
    assert not exhaustive and sampled.shape == (100, 12)


def test_did_aa_check_runs_the_did_on_every_split():
    df = _null_panel(np.random.default_rng(3), 10)
    r = abtest.did_aa_check(df, "rate", "community_id", "day", weights="members")
    assert r.exhaustive and r.n_splits == 126 and r.n_units == 10 and len(r.p_values) == 126
    # the first split treats chats c00..c04 from day 11 (the median of 20 days): the same as abtest.did
    split = df.assign(treated=df["community_id"] < "c05", post=df["day"] >= pd.Timestamp("2026-06-11"))
    ref = abtest.did(split, "rate", "treated", "post", cluster="community_id", weights="members")
    assert r.p_values[0] == pytest.approx(ref.p_value, rel=1e-12)
    assert r.false_positive_rate == pytest.approx(np.mean(np.array(r.p_values) < 0.05))
    few = abtest.did_aa_check(df[df["community_id"] < "c03"], "rate", "community_id", "day")
    assert few.status == "NO_UNITS" and few.n_units == 3


def test_did_aa_check_holds_its_size_with_serially_correlated_days():
    rng = np.random.default_rng(11)
    rates = [abtest.did_aa_check(_null_panel(rng, 40), "rate", "community_id", "day", weights="members",
                                 n_splits=100, seed=s) for s in range(6)]
    assert not rates[0].exhaustive and rates[0].n_splits == 100
    fpr = np.mean([r.false_positive_rate for r in rates])
    # cluster-robust errors absorb the AR(1) days; with day-level (HC1) errors the rate here is about 12%
    assert 0.02 <= fpr <= 0.09
    assert 0.9 <= np.mean([r.coverage for r in rates]) <= 0.98


def test_ratio_summary_interval_by_hand():
    df = pd.DataFrame({"g": ["a"] * 4, "x": [1, 0, 2, 1], "y": [2, 2, 2, 2]})
    r = abtest.ratio_summary(df, "x", "y", by="g").iloc[0]
    # R = 4/8 = 0.5; linearized l = (x - R y)/ȳ = [0, -0.5, 0.5, 0] -> var(l) = 1/6, se = sqrt(1/24)
    assert r["rate"] == pytest.approx(0.5)
    assert r["ci_high"] - r["rate"] == pytest.approx(1.959963984540054 * math.sqrt(1 / 24))


def test_memo_rules_ship_iterate_stop():
    from helpers import memo
    ship = {"estimate": 0.06, "ci_low": 0.04, "ci_high": 0.08}
    assert memo.decide("e", ship, "open_rate", mde=0.03).decision == "ship"
    # bounce should go down: -14 pp with an interval below 0 ships
    down = {"estimate": -0.14, "ci_low": -0.16, "ci_high": -0.12}
    assert memo.decide("e", down, "bounce", mde=0.05, direction="down").decision == "ship"
    assert memo.decide("e", down, "bounce", mde=0.05, direction="up").decision == "stop"
    unclear = {"estimate": 0.01, "ci_low": -0.02, "ci_high": 0.04}
    assert memo.decide("e", unclear, "open_rate", mde=0.03).decision == "iterate"
    precise_null = {"estimate": 0.001, "ci_low": -0.004, "ci_high": 0.006}
    assert memo.decide("e", precise_null, "open_rate", mde=0.03).decision == "stop"
    harm = pd.DataFrame({"metric": ["tickets", "leaves"], "estimate": [0.2, -0.1], "p_value": [0.001, 0.01]})
    m = memo.decide("e", ship, "open_rate", mde=0.03, guardrails=harm)
    assert m.decision == "iterate" and m.guardrails_harmed == ("tickets",)
    assert m.text.startswith("**E: ITERATE.** The open rate effect") and m.text.endswith("But a guardrail is harmed: tickets.")
    # known experiments and metrics read by their glossary labels
    named = memo.decide("nav_fix", ship, "community_activity_rate", mde=0.03, guardrails=harm).text
    assert named.startswith("**Navigation fix: ITERATE.** The group-chat activity rate effect")
    assert memo.decide("e", unclear, "open_rate", mde=0.03, guardrails=harm).decision == "stop"
    est = abtest.proportion_test(ProportionStats(1000, 200), ProportionStats(1000, 260))
    m = memo.decide("e", est, "open_rate", mde=0.03)
    assert m.decision == "ship" and "SHIP" in m.text and m.summary.shape[0] == 1
    na = abtest.proportion_test(ProportionStats(0, 0), ProportionStats(10, 1))
    assert memo.decide("e", na, "open_rate", mde=0.03).decision == "iterate"
    with pytest.raises(ValueError, match="'up', 'down'"):
        memo.decide("e", ship, "open_rate", mde=0.03, direction="higher")
    # rates are written in percentage points, other metrics to 3 significant digits
    assert "+6.0 pp (95% CI +4.0 pp to +8.0 pp)" in memo.decide("e", ship, "open_rate", mde=0.03, unit="share").text
    assert "effect 3.0 pp" in memo.decide("e", precise_null, "open_rate", mde=0.03, unit="share").text
    assert "+0.06 (95% CI +0.04 to +0.08)" in memo.decide("e", ship, "spend", mde=0.03).text
    with pytest.raises(ValueError, match="'share', 'value'"):
        memo.decide("e", ship, "open_rate", mde=0.03, unit="%")


def test_plots_draw_what_they_are_given():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from helpers import design, strategy
    eff = pd.DataFrame({"metric": ["open_rate", "bounce"], "abs_diff": [0.06, -0.14],
                        "abs_ci_low": [0.04, -0.16], "abs_ci_high": [0.08, -0.12]})
    ax = abtest.plot_effects(eff, truth=[0.06, -0.14])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["open rate", "bounce"]
    rates = pd.DataFrame({"period": ["pre", "test"], "rate": [0.15, 0.35], "ci_low": [0.13, 0.32], "ci_high": [0.17, 0.38]})
    ax = abtest.plot_rates(rates, "period", lang="zh")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["数据采集期", "效果验证期"]
    aa = abtest.aa_check(pd.DataFrame({"y": np.arange(40.0)}), "y", n_splits=50)
    assert sum(p.get_height() for p in abtest.plot_aa(aa).patches) == 50
    bal = pd.DataFrame({"covariate": ["x", "z"], "smd": [0.02, -0.3]})
    assert len(abtest.plot_balance(bal).collections[-1].get_offsets()) == 2
    curve = design.power_curve(0.15, [0.05], [100, 200])
    assert len(design.plot_power_curve(curve).get_lines()) >= 2
    assert len(strategy.plot_ice(strategy.catalogue()).patches) == 5
    plt.close("all")


def test_strategy_insights_carry_recorded_figures():
    from helpers import strategy
    recorded = {"02": {"itinerary_bounce_pre": {"value": 0.3201}, "rfm_r5_repurchase_rate": {"value": 0.78},
                       "rfm_r5_participation_rate": {"value": 0.35}, "tier3_logistics_share": {"value": 0.68},
                       "tier3_logistics_mean_resolution_hours": {"value": 48.0},
                       "other_tiers_logistics_mean_resolution_hours": {"value": 45.6}}}
    ins = strategy.insights_from(recorded)
    assert ins["nav_fix"].startswith("32% of itinerary-consult")
    assert "78%" in ins["high_rfm_care"] and "35%" in ins["high_rfm_care"] and "WeCom" not in ins["high_rfm_care"]
    reach = strategy.insights_from({"02": {**recorded["02"], "rfm_r5_in_community_share": {"value": 0.364}}})
    assert reach["high_rfm_care"].endswith("take part in the community (only 36% of them have a linked WeCom identity)")
    assert ins["regional_squad"].endswith("68% of their tickets are logistics, resolved in 48 h on average (46 h in other tiers)")
    assert "content_mix" not in ins  # no figure recorded: the default sentence stays
    cat = strategy.catalogue(insights=ins).set_index("strategy_id")
    assert cat.loc["nav_fix", "insight"] == ins["nav_fix"]
    assert not any(ch.isdigit() for ch in cat.loc["content_mix", "insight"].replace("18-25", ""))
    # in Chinese: the same figures, and the default insights of the strategies without figures
    zh = strategy.insights_from({"02": {**recorded["02"], "rfm_r5_in_community_share": {"value": 0.364}}}, lang="zh")
    assert set(zh) == set(reach) and zh["nav_fix"].startswith("32% 的行程咨询页")
    assert "78%" in zh["high_rfm_care"] and "36%" in zh["high_rfm_care"] and "46 小时" in zh["regional_squad"]
    cat_zh = strategy.catalogue(insights=zh, lang="zh").set_index("strategy_id")
    assert cat_zh.loc["nav_fix", "insight"] == zh["nav_fix"] and cat_zh.loc["content_mix", "insight"].startswith("18–25 岁")
    assert all(re.search(r"[\u4e00-\u9fff]", i) for i in cat_zh["insight"])


def test_default_insights_have_chinese_twins_of_the_catalogue_text():
    from helpers import strategy
    from helpers.glossary import label
    for row in strategy.catalogue().itertuples():
        assert label(row.strategy_id, "en", "insight") == row.insight
        assert re.search(r"[\u4e00-\u9fff]", label(row.strategy_id, "zh", "insight"))


def test_period_contrast_is_the_difference_of_the_weekly_effects_with_its_own_interval():
    # the hand-countable weeks above: effects +1.0 (week 1) and +0.5 (week 2) against week 0, so the change is -0.5
    df = pd.DataFrame({"week": [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2], "treated": [0, 0, 1, 1] * 3,
                       "y": [1, 1.2, 1, 1.2, 1, 1.2, 2, 2.2, 1, 1.2, 1.5, 1.7]})
    c = abtest.period_contrast(df, "y", "treated", "week", 1, 2)
    assert c.estimate == pytest.approx(-0.5)
    # on a clustered panel whose lift halves from week 1 to week 4, it equals the difference of the
    # weekly effects and its cluster-robust interval excludes 0
    rng = np.random.default_rng(4)
    rows = []
    for chat in range(30):
        tr, level = chat % 2, rng.normal(0.3, 0.05)
        for week in range(5):
            lift = {0: 0.0, 1: 0.2, 2: 0.15, 3: 0.12, 4: 0.1}[week] * tr
            rows += [dict(chat=chat, treated=tr, week=week, rate=level + lift + rng.normal(0, 0.02)) for _ in range(7)]
    panel = pd.DataFrame(rows)
    weekly = abtest.effect_by_period(panel, "rate", "treated", "week", baseline=0, cluster="chat").set_index("period")
    fade = abtest.period_contrast(panel, "rate", "treated", "week", 1, 4, cluster="chat")
    assert fade.estimate == pytest.approx(weekly.loc[4, "estimate"] - weekly.loc[1, "estimate"])
    assert fade.ci_high < 0 < fade.ci_low + 0.2 and fade.n_clusters == 30
    with pytest.raises(ValueError, match="not among the values"):
        abtest.period_contrast(panel, "rate", "treated", "week", 1, 9)
