import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.multitest import multipletests

from helpers import identities, pitfalls


def test_match_rates_and_unmatched_by_hand():
    m = pd.DataFrame({"member_id": list("abcde"),
                      "in_wecom": [True, True, True, False, True],
                      "in_zendesk": [True, False, False, True, False],
                      "in_salesforce": [True, True, False, True, False]})
    r = identities.match_rates(m).set_index(["source", "target"])
    assert r.loc[("wecom", "salesforce"), "members"] == 4 and r.loc[("wecom", "salesforce"), "matched"] == 2
    assert r.loc[("zendesk", "salesforce"), "match_rate"] == pytest.approx(1.0)
    only = identities.unmatched_by_source(m).set_index("source")["people"]
    assert only.to_dict() == {"wecom": 2, "zendesk": 0, "salesforce": 0}


def test_metric_family_adjusts_like_statsmodels():
    rng = np.random.default_rng(3)
    n = 400
    df = pd.DataFrame({"variant": ["control"] * n + ["treatment"] * n,
                       "a": np.r_[rng.normal(0, 1, n), rng.normal(0.5, 1, n)],   # a real effect
                       "b": rng.normal(0, 1, 2 * n), "c": rng.normal(0, 1, 2 * n)})
    fam = pitfalls.metric_family(df, metrics=("a", "b", "c"))
    # reference: statsmodels multipletests with the methods named explicitly
    assert fam["p_holm"].to_numpy() == pytest.approx(multipletests(fam["p_value"], method="holm")[1])
    assert fam["p_bh"].to_numpy() == pytest.approx(multipletests(fam["p_value"], method="fdr_bh")[1])
    w = pitfalls.wins(fam)
    assert w["tested"] == 3 and w["holm"] <= w["raw"] and bool(fam.set_index("metric").loc["a", "win_holm"])


def test_family_on_the_sample_finds_the_planted_open_effect(sample):
    table = pitfalls.member_outcomes(sample.con, sample.timeline, "broadcast_personalization")
    fam = pitfalls.metric_family(table).set_index("metric")
    assert fam.loc["opens", "win_holm"]  # planted: 20% -> 26% open rate
    assert fam.loc["opens", "treatment_mean"] > fam.loc["opens", "control_mean"]


def test_registered_guardrails_set_beside_the_family_by_hand():
    fam = pd.DataFrame({"metric": ["tickets", "leaves", "negative_messages", "opens"],
                        "abs_diff": [0.02, -0.01, 0.5, 0.2], "win_holm": [True, True, False, True]})
    rec = {"guardrail_x_negative_share": {"value": 0.01, "worse": True},
           "guardrail_x_tickets_per_member": {"value": 0.02, "worse": False},
           "guardrail_y_leaves_per_member": {"value": 0.3, "worse": True},   # another experiment
           "effect_x": {"value": 0.06}}
    r = pitfalls.registered_guardrails(fam, rec, "x")
    # leaves win here but fell (a difference below 0 is no harm); opens are no guardrail
    assert r == {"registered": ["negative_share", "tickets_per_member"], "worse_registered": ["negative_share"],
                 "worse_here": ["tickets_per_member"]}
    assert pitfalls.registered_guardrails(fam, {}, "x")["registered"] == []
    assert set(pitfalls.REGISTERED.values()) <= set(pitfalls.FAMILY)


def test_kpi_sensitivity_on_the_sample(sample):
    c = sample.con
    out = identities.kpi_sensitivity(c.table("events"), c.table("messages"), c.table("memberships"), c.table("members"),
                                     *sample.timeline.pre).set_index("population")
    assert out.loc["all community members", "core_share"] == pytest.approx(sample.truth["figures"]["core_share"], abs=0.02)
    assert out.loc["matched beyond WeCom", "members"] < out.loc["all community members", "members"]


def test_weekly_effects_from_recorded_metrics_in_week_order():
    m = {"did_activity_week10": {"value": 0.01, "ci": [0.0, 0.02]}, "did_activity_week2": {"value": 0.05, "ci": [0.04, 0.06]},
         "did_activity_week1": {"value": 0.09, "ci": [0.07, 0.11]}, "did_activity": {"value": 0.2}, "other": {"value": 1}}
    w = pitfalls.weekly_effects(m)
    assert w["period"].tolist() == [1, 2, 10] and w["estimate"].tolist() == [0.09, 0.05, 0.01]
    assert "did_activity_week_change" not in m and pitfalls.weekly_effects({**m, "did_activity_week_change": {"value": -0.01}})["period"].tolist() == [1, 2, 10]
    assert pitfalls.weekly_effects({}).empty and list(pitfalls.weekly_effects({}).columns) == ["period", "estimate", "ci_low", "ci_high"]


def test_every_outcome_of_the_family_has_a_reader_label_in_both_languages():
    from helpers.glossary import NAMESPACED
    from helpers.pitfalls import FAMILY
    for metric in FAMILY:
        en, zh = NAMESPACED[f"outcome:{metric}"]
        assert "per member" in en and "人均" in zh
