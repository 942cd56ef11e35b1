"""Proof that personal data stays out: the raw identifiers of the exports, looked for in the shared
outputs (the warehouse scan is :func:`helpers.ingest.privacy.scan_for_identifiers`).

This is the one analysis-side module that reads the raw exports, and only to know what must not
appear. What the kit shares (``outputs/<run_id>/``) should meet a PIPL-style minimum: no phone, email,
name or vendor user id; member keys are salted hashes (``KIT_SALT``), which cannot be reversed without
the salt and which change when the salt changes, so keep the salt secret and out of the outputs.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

SF_COLUMNS = {"Contact": ("Id", "Email", "Phone"), "Lead": ("Id", "Email", "Phone")}
GAZETTEER = Path(__file__).resolve().parents[1] / "data" / "reference" / "cities.csv"


def place_names(path: str | Path = GAZETTEER) -> set[str]:
    """City and province names of the kit's gazetteer (``data/reference/cities.csv``). A raw name equal
    to one (a person called 金华, like the city) cannot be told apart from the place where it appears
    (a ``city`` column, a chart of regions), so the scans leave such names out and say how many."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    return {v.strip() for col in ("city", "province") if col in df for v in df[col] if v.strip()}


def raw_identifiers(raw_dir: str | Path) -> set[str]:
    """Phones, emails, full names and vendor user ids found in the raw exports (stripped, non-empty).
    Salesforce names are joined both ways (surname first for Chinese, given name first for Latin)."""
    raw = Path(raw_dir)
    vals: set[str] = set()
    for stem, cols in SF_COLUMNS.items():
        for path in sorted((raw / "salesforce").glob(f"{stem}*.csv")):
            df = pd.read_csv(path, dtype=str, keep_default_na=False)
            for col in cols:
                if col in df:
                    vals |= set(df[col].str.strip())
            # full names only: a given name alone (often two characters, such as a city's) identifies no one
            first = df["FirstName"].str.strip() if "FirstName" in df else pd.Series("", index=df.index)
            last = df["LastName"].str.strip() if "LastName" in df else pd.Series("", index=df.index)
            vals |= set(last + first) | set((first + " " + last).str.strip())
    for page in sorted((raw / "wecom").glob("contacts_p*.json")):
        for rec in json.loads(page.read_text(encoding="utf-8")).get("external_contact_list", []):
            c, f = rec.get("external_contact", {}), rec.get("follow_info", {})
            vals |= {str(c.get(k) or "") for k in ("external_userid", "unionid", "name")}
            vals |= {str(p) for p in f.get("remark_mobiles") or []} | {str(f.get("userid") or "")}
    for page in sorted((raw / "zendesk").glob("users_p*.json")):
        for u in json.loads(page.read_text(encoding="utf-8")).get("users", []):
            vals |= {str(u.get(k) or "") for k in ("name", "email", "phone")}
    staff = raw / "wecom" / "staff.json"
    if staff.exists():
        for u in json.loads(staff.read_text(encoding="utf-8")).get("userlist", []):
            vals |= {str(u.get("userid") or ""), str(u.get("name") or "")}
    return {v.strip() for v in vals if v and v.strip()}


_TOKEN = re.compile(r"[A-Za-z0-9@._+-]+")
# runs start at a token's first character and take whole tokens (possessive): otherwise every position
# inside a long token without a following space (a notebook's base64 images) restarts the scan of the
# token, quadratic in its length (5 s of the 6 s scan of chapter 2's notebook at SCALE 1)
_SPACED_RUN = re.compile(r"(?<![A-Za-z0-9@._+-])[A-Za-z0-9@._+-]++(?:[ \t]+[A-Za-z0-9@._+-]++)+")
_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
_DATA_URI = re.compile(r"data:[a-z]+/[a-z0-9.+-]+;base64,[A-Za-z0-9+/=]+")


def find_identifiers(text: str, needles: set[str]) -> list[str]:
    """The raw identifiers that ``text`` shows: Latin-script values (ids, phones, emails, Latin names) as
    whole tokens, values with spaces (formatted phones) as whole runs of such tokens, Chinese values
    inside runs of Chinese characters. Embedded images (base64 data URIs) are not text and are skipped."""
    return _find(text, _by_script(needles))


def _by_script(needles: set[str]) -> tuple:
    """``needles`` split once for :func:`_find`: Latin tokens, space-separated Latin values, Chinese
    values, and the lengths of the Chinese ones."""
    latin = {n for n in needles if n.isascii() and " " not in n}
    spaced = {" ".join(n.split()) for n in needles if n.isascii() and " " in n}
    cjk = {n for n in needles if not n.isascii()}
    return latin, spaced, cjk, sorted({len(n) for n in cjk})


def _find(text: str, split: tuple) -> list[str]:
    latin, spaced, cjk, lengths = split
    text = _DATA_URI.sub(" ", text)
    hits = [tok for tok in (t.rstrip(".-_") for t in _TOKEN.findall(text)) if tok in latin]
    if spaced:  # runs of space-separated tokens, looked up word n-gram by n-gram (not one scan per value)
        widest = max(n.count(" ") + 1 for n in spaced)
        for run in _SPACED_RUN.findall(text):
            words = run.split()
            hits += [g for i in range(len(words)) for k in range(2, min(widest, len(words) - i) + 1)
                     if (g := " ".join(words[i:i + k]).rstrip(".-_")) in spaced]
    for run in _CJK_RUN.findall(text):
        hits += [run[i:i + k] for k in lengths for i in range(len(run) - k + 1) if run[i:i + k] in cjk]
    return hits


def scan_outputs(folder: str | Path, needles: set[str], min_length: int = 3,
                 suffixes: tuple[str, ...] = (".html", ".ipynb", ".json", ".csv", ".md")) -> pd.DataFrame:
    """Files under ``folder`` that show a raw identifier (see :func:`find_identifiers`):
    ``file, hits, examples``. Values shorter than ``min_length`` are skipped (two-character names
    occur in ordinary prose)."""
    split = _by_script({n for n in needles if len(n) >= min_length})  # once, not per file: a run holds ~1M needles
    rows = []
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_file() and p.suffix in suffixes):
        hits = _find(path.read_text(encoding="utf-8", errors="replace"), split)
        rows.append({"file": str(path.relative_to(folder)), "hits": len(hits), "examples": ", ".join(sorted(set(hits))[:3])})
    return pd.DataFrame(rows, columns=["file", "hits", "examples"])
