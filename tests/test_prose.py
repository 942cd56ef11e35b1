"""Numbers into sentences: known answers for the formatters, and the bilingual helper they are used with."""
import math

import pytest

from helpers import prose
from helpers.glossary import t


def test_shares_counts_and_points():
    assert prose.pct(0.1834) == "18.3%" and prose.pct(0.1834, 0) == "18%"
    assert prose.num(32000.4) == "32,000" and prose.num(48.25, 1) == "48.2"
    assert prose.pp(0.19) == "+19.0 pp" and prose.pp(-0.14, 0) == "-14 pp"
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
