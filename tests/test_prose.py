"""Numbers into sentences: known answers for the formatters, and the bilingual helper they are used with."""
import math

import pytest

from helpers import prose
from helpers.glossary import t


def test_shares_counts_and_points():
    assert prose.pct(0.1834) == "18.3%" and prose.pct(0.1834, 0) == "18%"
    assert prose.num(32000.4) == "32,000" and prose.num(48.25, 1) == "48.2"
    assert prose.pp(0.19) == "+19.0 pp" and prose.pp(-0.14, 0) == "-14 pp"
    assert prose.pp(-0.0004) == "+0.0 pp" and prose.pp(-0.0006) == "-0.1 pp"  # no minus zero
    # a share strictly between 0 and 1 never shows as 0% or 100%; rounding never shows a minus zero
    assert prose.pct(31 / 1_168_772) == "<0.1%" and prose.pct(1 - 31 / 1_168_772) == ">99.9%"
    assert prose.pct(0.004, 0) == "<1%" and prose.pct(0.996, 0) == ">99%" and prose.pct(0.9994) == "99.9%"
    assert prose.pct(0) == "0.0%" and prose.pct(1) == "100.0%" and prose.pct(-0.00004) == "0.0%"
    assert prose.pct(1.25) == "125.0%" and prose.pct(-0.05) == "-5.0%"
    assert prose.num(-0.001, 2) == "0.00" and prose.num(-0.4) == "0" and prose.num(-0.6) == "-1"
    assert prose.pp_interval(-0.0004, 0.02) == "(95% CI +0.0 to +2.0 pp)"
    assert prose.signed(-0.004, 2) == "+0.00" and prose.signed(-0.02, 2) == "-0.02" and prose.signed(3.14159, 3) == "+3.142"
    for missing in (None, math.nan):
        assert prose.pct(missing) == prose.num(missing) == prose.pp(missing) == prose.signed(missing) == "n/a"


def test_intervals():
    assert prose.interval(0.171, 0.195) == "(95% CI 17.1%–19.5%)"
    assert prose.pp_interval(0.18, 0.2) == "(95% CI +18.0 to +20.0 pp)"
    assert prose.pp_effect(0.060004, 0.056234, 0.063774) == "+6.0 pp (95% CI +5.6 to +6.4 pp)"
    assert prose.pp_effect(-0.14, None, None) == prose.pp_effect(-0.14, math.nan, 0.1) == "-14.0 pp"
    assert prose.effect(0.060004, 0.056234, 0.063774) == prose.pp_effect(0.060004, 0.056234, 0.063774)
    assert prose.effect(0.0123, -0.0041, 0.02849, "tickets per member") == "+0.012 tickets per member (95% CI -0.004 to +0.028)"
    assert prose.effect(-0.00004, None, None, "groups left per member") == "+0.000 groups left per member"
    assert prose.effect(0.0123, -0.0041, 0.02849, "") == "+0.012 (95% CI -0.004 to +0.028)"
    assert prose.effect(-1.26, -2.5, 0.04, "days", digits=1) == "-1.3 days (95% CI -2.5 to +0.0)"


def test_p_values():
    assert prose.p_value(1.30544e-213) == prose.p_value(0.0) == "<0.001"
    assert prose.p_value(0.0123) == "0.012" and prose.p_value(0.001) == "0.001" and prose.p_value(1.0) == "1.000"
    assert prose.p_value(None) == prose.p_value(math.nan) == "n/a"
    assert prose.p_is(0.0123) == "p = 0.012" and prose.p_is(2e-9, "Holm p") == "Holm p < 0.001" and prose.p_is(None) == "p = n/a"


def test_prose_offers_the_glossary_t_for_bilingual_sentences():
    assert prose.t is t
    conv = 0.12
    line = prose.t("zh", f"Only {prose.pct(conv)} convert", f"仅 {prose.pct(conv)} 成交")
    assert line == "仅 12.0% 成交"
    with pytest.raises(ValueError, match="lang"):
        prose.t("jp", "a", "b")


def test_say_shows_the_text_itself_even_when_it_names_an_existing_path(tmp_path, monkeypatch):
    # IPython's Markdown(".") reads the current folder as a file: chapter 6 with no experiment failed so
    from helpers import prose
    shown = []
    monkeypatch.setattr(prose, "display", lambda obj, raw=False: shown.append((obj, raw)))
    monkeypatch.chdir(tmp_path)
    prose.say(".")
    prose.say("**12.0%** of leads")
    assert shown == [({"text/markdown": ".", "text/plain": "."}, True),
                     ({"text/markdown": "**12.0%** of leads", "text/plain": "**12.0%** of leads"}, True)]


def test_from_to_shows_a_change_that_rounding_would_hide():
    assert prose.from_to(0.180, 0.177) == "from 18.0% to 17.7%"
    assert prose.from_to(0.17984, 0.17951) == "from 17.98% to 17.95%"
    assert prose.from_to(0.2, 0.2) == "from 20.0% to 20.0% (unchanged)"
    assert prose.from_to(-0.0970, -0.0968, prose.num, 2) == "from -0.0970 to -0.0968"


def test_count_of_reads_naturally_at_the_edges():
    assert prose.count_of(2, 3, "tests") == "2 of the 3 tests" and prose.count_of(2, 2, "tests") == "both tests"
    assert prose.count_of(4, 4, "tests") == "all 4 tests" and prose.count_of(0, 3, "tests") == "none of the 3 tests"
    assert prose.count_of(1, 1, "tests", "test") == "the one test" and prose.count_of(0, 0, "tests") == "no tests"


def test_listing():
    assert prose.listing(["a"]) == "a" and prose.listing(["a", "b"]) == "a and b"
    assert prose.listing(["a", "b", "c"]) == "a, b and c" and prose.listing([]) == ""


def test_guardrail_change_reads_shares_in_points_and_counts_bare():
    from helpers.outcomes import guardrail_change
    assert guardrail_change("negative_share", 0.012, 0.005, 0.019) == "+1.2 pp (95% CI +0.5 to +1.9 pp)"
    assert guardrail_change("tickets_per_member", 0.0123, -0.0041, 0.02849) == "+0.012 (95% CI -0.004 to +0.028)"
    assert guardrail_change("open_rate", 0.06) == "+6.0 pp"  # a primary rate: a share
