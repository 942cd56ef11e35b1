"""Purchases of Salesforce Contacts, with the RFM pattern planted.

RFM at ``as_of = start`` on orders before it: ``recency_days`` = days from the last order's local
date to the start date. The r = 5 group is the ``floor(0.2 (n - 1)) + 2`` most recent buyers (last
order 1-30 days before the start; everyone else 31-365), so quantile cuts land cleanly. Exactly
78% of them order again in the pre-period and exactly 35% are community members active in the
pre-period whose WeCom and Salesforce records can be stitched.
"""
from __future__ import annotations

import numpy as np

from helpers.synth import targets as T
from helpers.synth.clock import DAY_S, Clock
from helpers.synth.people import MEMBER, People

CATEGORIES = np.array(["skincare", "makeup", "fragrance", "travel_package", "accessory"], dtype=object)
CATEGORY_P = np.array([0.35, 0.25, 0.15, 0.10, 0.15])
MEAN_AMOUNT = np.array([380.0, 260.0, 650.0, 4200.0, 150.0])
TRACKED_SHARE = 0.6


def _times_on_days(rng, clock: Clock, day: np.ndarray) -> np.ndarray:
    return clock.day_start(day) + rng.integers(8 * 3600, 23 * 3600, day.size)


def build(rng: np.random.Generator, clock: Clock, people: People, contacts: dict,
          pre_active: np.ndarray, linked_wecom_sf: np.ndarray) -> dict:
    """Orders of every Contact; returns order arrays plus the realized RFM figures."""
    nd = clock.n_days
    pre_end = clock.bounds["pre"][1]
    n_start = contacts["n_start"]
    person = contacts["person"][:n_start]
    n = n_start
    n5 = min(int(np.floor(T.RFM_R5_SHARE * (n - 1))) + 2, n)
    is_member = people.kind[person] == MEMBER
    active = np.zeros(n, dtype=bool)
    active[is_member] = pre_active[person[is_member]] > 0
    linked = np.isin(person, linked_wecom_sf)
    part_pool = np.flatnonzero(is_member & active & linked)
    non_pool = np.flatnonzero(~is_member | ~active)
    n_part = min(int(round(T.RFM_R5_PARTICIPATION * n5)), part_pool.size)
    n_non = min(n5 - n_part, non_pool.size)
    r5 = np.r_[rng.permutation(part_pool)[:n_part], rng.permutation(non_pool)[:n_non]]
    in_r5 = np.zeros(n, dtype=bool)
    in_r5[r5] = True
    recency = 31 + np.floor(335 * rng.beta(1.2, 1.6, n)).astype(np.int64)
    recency[r5] = rng.integers(1, 31, r5.size)
    recency[r5[np.argsort(recency[r5], kind="stable")[-2:]]] = 30  # ties at the top of the r5 range
    repurchase = np.zeros(n, dtype=bool)
    repurchase[rng.permutation(r5)[: int(round(T.RFM_R5_REPURCHASE * r5.size))]] = True

    last_ts = _times_on_days(rng, clock, -recency)
    k_prev = rng.poisson(1.8, n)
    prev_owner = np.repeat(np.arange(n), k_prev)
    lo = clock.t0 - T.ORDER_HISTORY_DAYS * DAY_S
    prev_ts = lo + (rng.random(prev_owner.size) * (last_ts[prev_owner] - lo)).astype(np.int64)

    pre_k = np.where(repurchase, 1 + rng.poisson(0.3, n), 0)
    pre_k = np.where(~in_r5, (rng.random(n) < 0.12) * (1 + rng.poisson(0.2, n)), pre_k)
    pre_owner = np.repeat(np.arange(n), pre_k)
    pre_day = rng.integers(0, pre_end, pre_owner.size)
    later_owner = np.flatnonzero(rng.random(n) < 0.28)
    later_day = rng.integers(pre_end, nd, later_owner.size)
    conv = np.arange(n_start, contacts["person"].size)
    conv_day = clock.day_of(contacts["created_ts"][conv])
    buy = rng.random(conv.size) < 0.5
    conv_order_day = conv_day + rng.integers(0, 10, conv.size)
    keep = buy & (conv_order_day <= nd - 1)

    contact = np.r_[np.arange(n), prev_owner, pre_owner, later_owner, conv[keep]]
    day = np.r_[-recency, clock.day_of(prev_ts), pre_day, later_day, conv_order_day[keep]]
    ts = np.r_[last_ts, prev_ts, _times_on_days(rng, clock, np.r_[pre_day, later_day, conv_order_day[keep]])]
    m = contact.size
    cat = rng.choice(CATEGORIES.size, m, p=CATEGORY_P)
    amount = np.round(rng.lognormal(np.log(MEAN_AMOUNT[cat]) - 0.125, 0.5), 2)
    order = np.lexsort((contact, ts))
    contact, day, ts, cat, amount = contact[order], day[order], ts[order], cat[order], amount[order]
    buyer = contacts["person"][contact]
    tracked = (day >= 0) & (people.kind[buyer] == MEMBER) & (rng.random(m) < TRACKED_SHARE)
    r5_pre = np.zeros(n, dtype=bool)
    sel = (day >= 0) & (day < pre_end) & (contact < n)
    r5_pre[contact[sel]] = True
    realized = {"rfm_r5_n": int(n5), "rfm_r5_repurchase_rate": float(r5_pre[r5].mean()),
                "rfm_r5_participation_rate": float(np.isin(r5, part_pool).mean())}
    return {"contact": contact, "person": buyer, "day": day, "ts": ts, "category": CATEGORIES[cat],
            "amount": amount, "tracked": tracked, "order_id": "SO" + (10_000_001 + np.arange(m)).astype(str).astype(object),
            "realized": realized}
