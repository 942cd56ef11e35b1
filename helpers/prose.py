"""Numbers into sentences: every figure in a chapter's text comes from the data through these."""
from __future__ import annotations

import math

from IPython.display import display

from helpers.glossary import t  # noqa: F401  (re-exported: a sentence or title in the chapter's language)


def pct(x, digits: int = 1) -> str:
    """0.1834 -> '18.3%'; missing -> 'n/a'."""
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}%}"


def num(x, digits: int = 0) -> str:
    """32000.4 -> '32,000'; missing -> 'n/a'."""
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:,.{digits}f}"


def pp(x, digits: int = 1) -> str:
    """A difference of two shares in percentage points: 0.19 -> '+19.0 pp'; one that rounds to zero is
    '+0.0 pp', never '-0.0 pp'; missing -> 'n/a'."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{round(x * 100, digits) + 0.0:+.{digits}f} pp"  # + 0.0 turns -0.0 into 0.0


def pp_interval(low, high, digits: int = 1) -> str:
    """A 95% interval of a difference of shares: '(95% CI +18.0 to +20.0 pp)'."""
    return f"(95% CI {low * 100:+.{digits}f} to {high * 100:+.{digits}f} pp)"


def interval(low, high, digits: int = 1) -> str:
    """A 95% interval of two shares: '(95% CI 17.1%–19.5%)'."""
    return f"(95% CI {pct(low, digits)}–{pct(high, digits)})"


def say(text: str) -> None:
    """Show a Markdown sentence in the notebook (and in the code-free report). The text goes out as a raw
    ``text/markdown`` output: IPython's ``Markdown(text)`` would read a text that names an existing path
    (".") as that file."""
    display({"text/markdown": text, "text/plain": text}, raw=True)
