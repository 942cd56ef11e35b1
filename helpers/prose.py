"""Numbers into sentences: every figure in a chapter's text comes from the data through these."""
from __future__ import annotations

import math

from IPython.display import display

from helpers.glossary import t  # noqa: F401  (re-exported: a sentence or title in the chapter's language)


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def _rounded(x, digits: int) -> float:
    """``x`` rounded to ``digits`` decimals, with a negative zero made plain zero (no "-0.0")."""
    return round(float(x), digits) + 0.0


def pct(x, digits: int = 1) -> str:
    """0.1834 -> '18.3%'; missing -> 'n/a'. A share strictly between 0 and 1 never reads as 0% or 100%:
    0.00003 -> '<0.1%', 0.99997 -> '>99.9%' (31 unanswered of a million is not "none"); -0.0001 -> '0.0%'."""
    if _missing(x):
        return "n/a"
    step = 10.0 ** -(digits + 2)  # the smallest share shown: 0.001 is 0.1%
    if 0 < x < step / 2:
        return f"<{step:.{digits}%}"
    if 1 - step / 2 <= x < 1:
        return f">{1 - step:.{digits}%}"
    return f"{_rounded(x, digits + 2):.{digits}%}"


def num(x, digits: int = 0) -> str:
    """32000.4 -> '32,000'; -0.001 -> '0.00' at 2 digits (no minus zero); missing -> 'n/a'."""
    return "n/a" if _missing(x) else f"{_rounded(x, digits):,.{digits}f}"


def signed(x, digits: int = 1) -> str:
    """A change with its sign: 0.0213 -> '+0.0' at 1 digit, -0.02 -> '-0.02' at 2; one that rounds to zero
    is '+0.0', never '-0.0'; missing -> 'n/a'."""
    return "n/a" if _missing(x) else f"{_rounded(x, digits):+.{digits}f}"


def pp(x, digits: int = 1) -> str:
    """A difference of two shares in percentage points: 0.19 -> '+19.0 pp'; one that rounds to zero is
    '+0.0 pp', never '-0.0 pp'; missing -> 'n/a'."""
    return "n/a" if _missing(x) else f"{signed(x * 100, digits)} pp"


def pp_interval(low, high, digits: int = 1) -> str:
    """A 95% interval of a difference of shares: '(95% CI +18.0 to +20.0 pp)'."""
    return f"(95% CI {signed(low * 100, digits)} to {signed(high * 100, digits)} pp)"


def from_to(before, after, fmt=None, digits: int = 1) -> str:
    """'from 18.0% to 17.7%' with ``fmt`` (default :func:`pct`; :func:`num` for plain numbers). When the
    two values differ but print alike, up to two more digits are shown ('from 17.98% to 17.95%'); values
    that are equal print as 'from 18.0% to 18.0% (unchanged)'."""
    fmt = fmt or pct
    for d in (digits, digits + 1, digits + 2):
        a, b = fmt(before, d), fmt(after, d)
        if a != b:
            return f"from {a} to {b}"
    return f"from {fmt(before, digits)} to {fmt(after, digits)} (unchanged)"


def count_of(k: int, n: int, plural: str, singular: str | None = None) -> str:
    """'2 of the 3 tests', 'both tests', 'all 4 tests', 'none of the 3 tests', 'the one test', 'no tests'."""
    one = singular or plural
    if n == 0:
        return f"no {plural}"
    if n == 1:
        return f"the one {one}" if k == 1 else f"not the one {one}"
    if k == n:
        return f"both {plural}" if n == 2 else f"all {n} {plural}"
    return f"none of the {n} {plural}" if k == 0 else f"{k} of the {n} {plural}"


def listing(items) -> str:
    """['a'] -> 'a'; ['a', 'b'] -> 'a and b'; ['a', 'b', 'c'] -> 'a, b and c'."""
    items = [str(i) for i in items]
    return " and ".join(items) if len(items) <= 2 else f"{', '.join(items[:-1])} and {items[-1]}"


def pp_effect(x, low=None, high=None, digits: int = 1) -> str:
    """A difference of shares with its interval, for a table cell: '+6.0 pp (95% CI +5.6 to +6.4 pp)';
    the point alone when there is no interval."""
    if _missing(low) or _missing(high):
        return pp(x, digits)
    return f"{pp(x, digits)} {pp_interval(low, high, digits)}"


def effect(x, low=None, high=None, unit: str = "share", digits: int | None = None) -> str:
    """A difference with its 95% interval in the metric's unit: a share's in percentage points (as
    :func:`pp_effect`, 1 digit), any other as a signed number and ``unit`` (3 digits): '+0.012 tickets per
    member (95% CI -0.004 to +0.028)'; ``unit=""`` when the metric's name says it ('tickets per member');
    the point alone when there is no interval."""
    if unit == "share":
        return pp_effect(x, low, high, 1 if digits is None else digits)
    d = 3 if digits is None else digits
    point = f"{signed(x, d)} {unit}".rstrip()
    return point if _missing(low) or _missing(high) else f"{point} (95% CI {signed(low, d)} to {signed(high, d)})"


def p_value(p) -> str:
    """0.0123 -> '0.012'; below 0.001 -> '<0.001' (a printed 0 or 1e-213 claims a precision no test has);
    missing -> 'n/a'."""
    if _missing(p):
        return "n/a"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def p_is(p, name: str = "p") -> str:
    """A p-value in a sentence: 'p = 0.012', 'p < 0.001' (see :func:`p_value`); ``name`` for an adjusted one
    ('Holm p = 0.002')."""
    text = p_value(p)
    return f"{name} < 0.001" if text == "<0.001" else f"{name} = {text}"


def interval(low, high, digits: int = 1) -> str:
    """A 95% interval of two shares: '(95% CI 17.1%–19.5%)'."""
    return f"(95% CI {pct(low, digits)}–{pct(high, digits)})"


def say(text: str) -> None:
    """Show a Markdown sentence in the notebook (and in the code-free report). The text goes out as a raw
    ``text/markdown`` output: IPython's ``Markdown(text)`` would read a text that names an existing path
    (".") as that file."""
    display({"text/markdown": text, "text/plain": text}, raw=True)
