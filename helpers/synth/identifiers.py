"""Vendor identifiers, phone numbers and e-mail addresses, and the per-system formatting quirks.

All functions are vectorized; uniqueness is guaranteed by redrawing collisions (a loop over
attempts, never over rows).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

ALNUM = np.frombuffer(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", dtype=np.uint8)
DOMAINS = np.array(["qq.com", "163.com", "126.com", "gmail.com", "outlook.com", "sina.com", "foxmail.com"], dtype=object)
DOMAIN_P = np.array([0.30, 0.22, 0.10, 0.10, 0.12, 0.08, 0.08])


def random_strings(rng: np.random.Generator, n: int, length: int, alphabet: np.ndarray = ALNUM) -> np.ndarray:
    """``n`` random strings of ``length`` characters (object array)."""
    codes = alphabet[rng.integers(0, alphabet.size, size=(n, length))]
    return codes.view(f"S{length}").ravel().astype(f"U{length}").astype(object)


def unique_ids(rng: np.random.Generator, n: int, prefix: str, length: int,
               alphabet: np.ndarray = ALNUM) -> np.ndarray:
    """``n`` distinct ids ``prefix`` + ``length`` random characters."""
    out = random_strings(rng, n, length, alphabet)
    dup = pd.Series(out).duplicated().to_numpy()
    while dup.any():
        out[dup] = random_strings(rng, int(dup.sum()), length, alphabet)
        dup = pd.Series(out).duplicated().to_numpy()
    return prefix + out


def unique_ints(rng: np.random.Generator, n: int, low: int, high: int) -> np.ndarray:
    """``n`` distinct integers in ``[low, high)``, in random order."""
    out = rng.integers(low, high, size=n, dtype=np.int64)
    dup = pd.Series(out).duplicated().to_numpy()
    while dup.any():
        out[dup] = rng.integers(low, high, size=int(dup.sum()), dtype=np.int64)
        dup = pd.Series(out).duplicated().to_numpy()
    return out


def mobile_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    """Distinct 11-digit mainland mobile numbers ``1[3-9]x xxxx xxxx`` as int64."""
    second = rng.integers(3, 10, size=n, dtype=np.int64)
    rest = unique_ints(rng, n, 0, 10**9)  # unique tails make the numbers unique
    return 10**10 + second * 10**9 + rest


PHONE_STYLES = ("plain", "spaced", "e164", "dashed")


def format_phones(rng: np.random.Generator, phones: np.ndarray, weights: tuple[float, ...]) -> np.ndarray:
    """Render numbers as ``13812345678``, ``+86 138 1234 5678``, ``+8613812345678`` or ``138-1234-5678``
    with the given style weights."""
    s = pd.Series(np.asarray(phones, dtype=np.int64).astype(str))
    a, b, c = s.str[:3], s.str[3:7], s.str[7:]
    styles = rng.choice(len(PHONE_STYLES), size=len(s), p=np.asarray(weights) / np.sum(weights))
    out = np.where(styles == 0, s, "")
    out = np.where(styles == 1, "+86 " + a + " " + b + " " + c, out)
    out = np.where(styles == 2, "+86" + s, out)
    out = np.where(styles == 3, a + "-" + b + "-" + c, out)
    return out.astype(object)


def emails(rng: np.random.Generator, surname_py: np.ndarray, given_py: np.ndarray) -> np.ndarray:
    """Distinct lower-case addresses built from pinyin names, numbers or QQ numbers."""
    n = len(surname_py)
    style = rng.choice(4, size=n, p=[0.35, 0.25, 0.2, 0.2])
    num = pd.Series(rng.integers(1, 9999, size=n)).astype(str).to_numpy(dtype=object)
    year = pd.Series(rng.integers(1975, 2008, size=n)).astype(str).to_numpy(dtype=object)
    qq = pd.Series(rng.integers(10**7, 3 * 10**9, size=n)).astype(str).to_numpy(dtype=object)
    sur, giv = np.asarray(surname_py, dtype=object), np.asarray(given_py, dtype=object)
    local = np.where(style == 0, sur + giv + num, "")
    local = np.where(style == 1, giv + "." + sur, local)
    local = np.where(style == 2, sur + "_" + giv + year, local)
    local = np.where(style == 3, qq, local)
    dom = np.where(style == 3, "qq.com", DOMAINS[rng.choice(DOMAINS.size, size=n, p=DOMAIN_P)])
    out = (local + "@" + dom).astype(object)
    dup = pd.Series(out).duplicated().to_numpy()
    if dup.any():  # disambiguate with the row number, deterministic
        idx = np.flatnonzero(dup)
        out[idx] = local[idx] + pd.Series(idx).astype(str).to_numpy(dtype=object) + "@" + dom[idx]
    return out


def messy_emails(rng: np.random.Generator, addresses: np.ndarray, messy_share: float = 0.25) -> np.ndarray:
    """Random case and stray spaces for about ``messy_share`` of the addresses."""
    s = pd.Series(np.asarray(addresses, dtype=object))
    kind = rng.choice(5, size=len(s), p=[1 - messy_share, messy_share * 0.35, messy_share * 0.25,
                                         messy_share * 0.25, messy_share * 0.15])
    out = s.to_numpy(dtype=object).copy()
    out = np.where(kind == 1, s.str.capitalize(), out)
    out = np.where(kind == 2, s.str.upper(), out)
    out = np.where(kind == 3, " " + s, out)
    out = np.where(kind == 4, s + " ", out)
    return out.astype(object)


def normalize_phone(values: pd.Series) -> pd.Series:
    """Digits only, last 11 (what stitching compares)."""
    return values.astype("string").str.replace(r"\D", "", regex=True).str[-11:]


def normalize_email(values: pd.Series) -> pd.Series:
    return values.astype("string").str.strip().str.lower()
