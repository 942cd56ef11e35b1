"""Persons of the sample enterprise: who exists, in which systems, and their true attributes.

Persons are rows ``0 .. n-1``; community members come first (``0 .. N-1``), so a member index is
also a person index. Attributes here are the truth; each source shows only some of them, in its
own format (see :mod:`helpers.synth.identifiers`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.synth import identifiers, names, targets as T

REFERENCE = Path(__file__).resolve().parents[2] / "data" / "reference"
MEMBER, OUTSIDE_BUYER, ZENDESK_ONLY, PROSPECT = 0, 1, 2, 3


def load_cities() -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "cities.csv", dtype={"city_tier": "int8"})


@dataclass
class People:
    """Truth about every person (arrays of equal length)."""

    n_members: int
    kind: np.ndarray
    name: dict[str, np.ndarray]
    gender: np.ndarray            # 0 unknown, 1 male, 2 female (WeCom codes)
    city: np.ndarray              # index into ``cities``
    cities: pd.DataFrame
    phone: np.ndarray             # int64, unique
    email: np.ndarray             # canonical lower-case, unique
    contact_start: np.ndarray     # Salesforce Contact before the study starts
    zendesk: np.ndarray           # has a Zendesk end-user record
    external_userid: np.ndarray   # WeCom, members only ('' otherwise)
    unionid: np.ndarray           # WeChat unionid, members only
    nickname: np.ndarray
    os: np.ndarray                # 0 iOS, 1 Android
    extra: dict = field(default_factory=dict)

    @property
    def n(self) -> int:
        return self.kind.size

    @property
    def tier(self) -> np.ndarray:
        return self.cities["city_tier"].to_numpy()[self.city]

    @property
    def city_name(self) -> np.ndarray:
        return self.cities["city"].to_numpy(dtype=object)[self.city]


def _exact(rng: np.random.Generator, n: int, share: float) -> np.ndarray:
    """Boolean mask with exactly ``round(share * n)`` True, at random positions."""
    out = np.zeros(n, dtype=bool)
    out[rng.permutation(n)[: int(round(share * n))]] = True
    return out


def _cities_for(rng: np.random.Generator, tiers: np.ndarray, cities: pd.DataFrame) -> np.ndarray:
    """A random city of each requested tier (uniform within the tier)."""
    out = np.empty(tiers.size, dtype=np.int16)
    city_tier = cities["city_tier"].to_numpy()
    for t in np.unique(tiers):  # loop over the five tiers
        pool = np.flatnonzero(city_tier == t)
        rows = np.flatnonzero(tiers == t)
        out[rows] = pool[rng.integers(0, pool.size, size=rows.size)]
    return out


def build(rng: np.random.Generator, scale: float) -> People:
    n_mem = int(round(T.MEMBERS_AT_SCALE_1 * scale))
    sizes = [n_mem, int(round(T.OUTSIDE_BUYERS * n_mem)), int(round(T.ZENDESK_ONLY * n_mem)),
             int(round(T.LEAD_ONLY_PROSPECTS * n_mem))]
    kind = np.repeat(np.arange(4, dtype=np.int8), sizes)
    n = kind.size
    is_mem = kind == MEMBER

    contact = kind == OUTSIDE_BUYER
    contact[:n_mem] = _exact(rng, n_mem, T.MEMBER_CONTACT_SHARE)
    zendesk = kind == ZENDESK_ONLY
    zendesk[:n_mem] = _exact(rng, n_mem, T.MEMBER_ZENDESK_SHARE)
    ob = np.flatnonzero(kind == OUTSIDE_BUYER)
    zendesk[ob] = rng.random(ob.size) < T.OUTSIDE_BUYER_ZENDESK_SHARE

    cities = load_cities()
    tiers_w = np.array(list(T.TIER_WEIGHTS.values()))
    tier = rng.choice(np.array(list(T.TIER_WEIGHTS)), size=n, p=tiers_w / tiers_w.sum())
    # community members: exactly 28% tier 3, the rest spread over the other tiers
    t3 = _exact(rng, n_mem, T.TIER3_MEMBER_SHARE)
    other_t = np.array([1, 2, 4, 5])
    other_w = np.array([T.TIER_WEIGHTS[t] for t in other_t])
    tier[:n_mem] = np.where(t3, 3, rng.choice(other_t, size=n_mem, p=other_w / other_w.sum()))
    city = _cities_for(rng, tier, cities)

    nm = names.draw_names(rng, n)
    gender = rng.choice(np.array([0, 1, 2], dtype=np.int8), size=n, p=[0.08, 0.30, 0.62])
    phone = identifiers.mobile_numbers(rng, n)
    email = identifiers.emails(rng, nm["surname_py"], nm["given_py"])

    ext = np.full(n, "", dtype=object)
    wo = rng.random(n_mem) < 0.1
    ext[:n_mem] = np.where(wo, "wo", "wm") + identifiers.unique_ids(rng, n_mem, "", 30)
    union = np.full(n, "", dtype=object)
    union[:n_mem] = identifiers.unique_ids(rng, n_mem, "o", 27)
    nickname = np.where(rng.random(n) < 0.3, nm["full"], names.draw_nicknames(rng, n))
    os_ = (rng.random(n) < 0.45).astype(np.int8)
    return People(n_mem, kind, nm, gender, city, cities, phone, email, contact, zendesk, ext, union,
                  nickname, os_)
