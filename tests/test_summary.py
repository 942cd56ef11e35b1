import pandas as pd
import pytest

from helpers import strategy, summary

RECORDED = {
    "01": {"core_share": {"value": 0.18, "unit": "share", "ci": [0.17, 0.19]},
           "message_open_rate": {"value": 0.20, "unit": "share", "ci": [0.19, 0.21]}},
    "02": {"itinerary_bounce_pre": {"value": 0.32}},
    "03": {"test_core_share": {"value": 0.20, "ci": [0.19, 0.21]},
           "effect_nav_fix": {"value": -0.14, "ci": [-0.15, -0.13], "metric": "itinerary_bounce_rate"},
           "decision_nav_fix": {"value": "ship"},
           "effect_broadcast_personalization": {"value": 0.06, "ci": [0.04, 0.08]},
           "decision_broadcast_personalization": {"value": "ship"},
           "effect_community_programme": {"value": 0.01, "ci": [-0.01, 0.03]},
           "decision_community_programme": {"value": "iterate"}},
    "04": {"case_activity_pre": {"value": 0.15}},
}


def test_scoreboard_pairs_baseline_and_test():
    board = summary.scoreboard(RECORDED).set_index("kpi")
    assert board.loc["core_share", "change"] == pytest.approx(0.02)
    # half-widths 0.01 and 0.01 combine to sqrt(2) * 0.01
    assert (board.loc["core_share", "change_low"], board.loc["core_share", "change_high"]) == \
        (pytest.approx(0.02 - 0.01 * 2 ** 0.5), pytest.approx(0.02 + 0.01 * 2 ** 0.5))
    assert pd.isna(board.loc["message_open_rate", "change_low"])
    assert pd.isna(board.loc["message_open_rate", "test"])  # test period not recorded for this KPI
    assert list(board.index) == ["core_share", "message_open_rate"]  # tree order, recorded ones only


def test_recommendations_rank_ship_by_relative_impact_then_iterate_then_planned():
    rec = summary.recommendations(RECORDED, strategy.catalogue())
    # sure relative effects: nav_fix |-0.13|/0.32 = 41%; broadcast 0.04/0.20 = 20%; programme is 'iterate'
    assert rec["experiment_id"].tolist()[:3] == ["nav_fix", "broadcast_personalization", "community_programme"]
    assert rec.iloc[0]["impact"] == pytest.approx(0.13 / 0.32)
    assert rec.iloc[0]["text"] == ("Ship navigation fix: itinerary bounce rate -14.0 pp (95% CI -15.0 to -13.0 pp), "
                                   "-44% relative to its baseline (-41% at the interval's end nearest 0).")
    assert rec.iloc[1]["text"].startswith("Ship personalized mass messages: +6.0 pp")  # no metric recorded
    assert rec.iloc[2]["impact"] == 0 and "nearest 0" not in rec.iloc[2]["text"]  # its interval crosses 0
    # a large but uncertain effect ranks below a smaller sure one
    # (+133% relative, but its interval guarantees only 0.005 / 0.15 = 3%: below broadcast's 20%)
    wide = {**RECORDED, "03": {**RECORDED["03"], "effect_community_programme": {"value": 0.2, "ci": [0.005, 0.395]},
                               "decision_community_programme": {"value": "ship"}}}
    assert summary.recommendations(wide)["experiment_id"].tolist()[:3] == ["nav_fix", "broadcast_personalization",
                                                                          "community_programme"]
    assert set(rec["action"].iloc[3:]) == {"test next"} and rec["rank"].tolist() == list(range(1, len(rec) + 1))


def test_a_failed_aa_check_makes_the_decision_provisional():
    loose = {**RECORDED, "03": {**RECORDED["03"],
                                "aa_false_positive_rate_nav_fix": {"value": 0.088, "ci": [0.072, 0.107]},
                                "aa_false_positive_rate_broadcast_personalization": {"value": 0.06, "ci": [0.046, 0.076]}}}
    caveat = summary.aa_caveat(loose, "nav_fix")
    assert caveat == (" Its A/A check rejects 8.8% of chance splits (95% CI 7.2%–10.7%), above the 5% it should, so its "
                      "interval is too narrow: treat this decision as provisional.")
    # an interval that holds 5%, and a check not recorded, add nothing
    assert summary.aa_caveat(loose, "broadcast_personalization") == summary.aa_caveat(loose, "community_programme") == ""
    rec = summary.recommendations(loose).set_index("experiment_id")["text"]
    assert rec["nav_fix"].endswith(caveat.strip()) and "A/A" not in rec["broadcast_personalization"]


def test_empty_metrics_give_empty_tables():
    assert summary.scoreboard({}).empty and summary.recommendations({}).empty


def test_scoreboard_chart_sets_the_test_period_beside_the_baseline():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from helpers import plots
    board = summary.scoreboard(RECORDED).rename(columns={"baseline": "value", "baseline_low": "ci_low", "baseline_high": "ci_high"})
    ax = plots.plot_scoreboard(board, "t")
    bars = sorted((round(p.get_y() + p.get_height() / 2, 2), round(p.get_width(), 2)) for p in ax.patches)
    # core share: baseline 0.18 above test 0.20; open rate: baseline 0.20 only (no test figure recorded)
    assert [w for _, w in bars if w == w] == [0.2, 0.2, 0.18]
    assert [x.get_text() for x in ax.get_legend().get_texts()] == ["Pre-period", "Test period"]
    plt.close(ax.figure)
    alone = plots.plot_scoreboard(board.drop(columns=["test", "test_low", "test_high"]), "t")
    assert alone.get_legend() is None and len(alone.patches) == 2
    plt.close(alone.figure)


def test_recommendations_read_in_chinese_with_the_same_figures_and_order():
    en = summary.recommendations(RECORDED, strategy.catalogue())
    zh = summary.recommendations(RECORDED, strategy.catalogue(lang="zh"), lang="zh")
    assert zh[["rank", "experiment_id", "action", "impact"]].equals(en[["rank", "experiment_id", "action", "impact"]])
    assert zh.iloc[0]["text"] == ("上线导航优化：行程咨询跳出率 -14.0 个百分点（95% CI -15.0 至 -13.0 个百分点），"
                                  "相对基线 -44%（区间靠近 0 的一端为 -41%）。")
    assert zh.iloc[2]["text"].startswith("迭代") and "区间靠近 0" not in zh.iloc[2]["text"]  # its interval crosses 0
    planned = zh[zh["action"] == "test next"]["text"]
    assert len(planned) >= 2 and all(t.startswith("下一步测试：") and "ICE" in t for t in planned)
    assert not any(w in " ".join(zh["text"]) for w in ("Ship", "Test next", "relative", "pp"))
    loose = {**RECORDED, "03": {**RECORDED["03"], "aa_false_positive_rate_nav_fix": {"value": 0.088, "ci": [0.072, 0.107]}}}
    assert summary.aa_caveat(loose, "nav_fix", "zh") == ("其 A/A 检验在 8.8% 的随机拆分中判定有差异（95% CI 7.2%–10.7%），"
                                                          "高于应有的 5%，说明其区间偏窄：此决策应视为暂定。")
