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
    for missing in (None, math.nan):
        assert prose.pct(missing) == prose.num(missing) == prose.pp(missing) == "n/a"


def test_intervals():
    assert prose.interval(0.171, 0.195) == "(95% CI 17.1%–19.5%)"
    assert prose.pp_interval(0.18, 0.2) == "(95% CI +18.0 to +20.0 pp)"


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
