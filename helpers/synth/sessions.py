"""One day of mini-program sessions: scheduling into time slots, page paths, itinerary bounces,
clicks and content views, as a table of events with a sort key inside each session.

Sessions start in two-hour slots (07:00, 09:00, ... 21:00) plus up to 30 minutes and last at most
50 minutes, so events of one session are under 30 minutes apart and sessions over 30 minutes
apart. Same-day link opens use slots from 11:00, after the 09:30-10:30 sends.
"""
from __future__ import annotations

import numpy as np

from helpers.synth import journeys as J

SLOT_HOURS = np.array([7, 9, 11, 13, 15, 17, 19, 21])
EV = {name: i for i, name in enumerate(("page_view", "post_view", "like", "comment", "share", "post",
                                         "click", "link_open", "booking_submit", "purchase"))}
ELEMENTS = ("content_area", "nav_top_link", "nav_bottom_booking", "banner", "tab_bar")
REGULAR, LINK, PURCHASE = 0, 1, 2


def schedule(rng: np.random.Generator, member: np.ndarray, priority: np.ndarray, constrained: np.ndarray) -> tuple:
    """Distinct slots per member. Lower ``priority`` gets a slot first; ``constrained`` sessions
    (same-day link opens) get slots from 11:00. Returns (slot, kept mask)."""
    order = np.lexsort((priority, member))
    m_sorted = member[order]
    first = np.searchsorted(m_sorted, m_sorted, side="left")
    rank = np.empty(member.size, dtype=np.int64)
    rank[order] = np.arange(member.size) - first
    members, mrow = np.unique(member, return_inverse=True)
    keys = rng.random((members.size, SLOT_HOURS.size))
    has_c = np.zeros(members.size, dtype=bool)
    has_c[mrow[constrained]] = True
    keys[has_c, :2] += 1.0
    perm = np.argsort(keys, axis=1)
    kept = rank < SLOT_HOURS.size
    slot = np.full(member.size, -1)
    slot[kept] = perm[mrow[kept], rank[kept]]
    return slot, kept


def paths(rng: np.random.Generator, kind: np.ndarray, start_page: np.ndarray, content_ok: np.ndarray) -> dict:
    """Page visits of each session (purchase sessions: home -> mall)."""
    walkers = np.flatnonzero(kind != PURCHASE)
    v = J.walk(rng, start_page[walkers], content_ok[walkers])
    buyers = np.flatnonzero(kind == PURCHASE)
    sess = np.r_[walkers[v["session"]], np.repeat(buyers, 2)]
    step = np.r_[v["step"], np.tile([0, 1], buyers.size)]
    page = np.r_[v["page"], np.tile([J.HOME, J.MALL], buyers.size)]
    return {"session": sess, "step": step, "page": page}


def bounce(rng, visits: dict, group: np.ndarray, rate: np.ndarray, state: dict) -> np.ndarray:
    """Choose bounces among itinerary views (carried rounding per group keeps cumulative counts
    exact); truncate their sessions. ``group`` per session. Returns the kept-visit mask."""
    it = np.flatnonzero(visits["page"] == J.ITIN)
    g = group[visits["session"][it]]
    chosen = np.zeros(it.size, dtype=bool)
    for k in range(rate.size):  # loop over bounce groups
        rows = np.flatnonzero(g == k)
        state["views"][k] += rows.size
        n_b = int(round(rate[k] * state["views"][k])) - state["bounces"][k]
        n_b = max(0, min(n_b, rows.size))
        chosen[rng.permutation(rows)[:n_b]] = True
        state["bounces"][k] += n_b
    cut = np.full(group.size, 10**6)
    cut[visits["session"][it[chosen]]] = visits["step"][it[chosen]]
    keep = visits["step"] <= cut[visits["session"]]
    bounced = np.zeros(visits["page"].size, dtype=bool)
    bounced[it[chosen]] = True
    visits["bounced"] = bounced
    return keep


def clicks(rng, visits: dict, fixed: np.ndarray) -> dict:
    """Clicks after non-bounced itinerary views (and some home views). ``fixed`` per visit: the
    navigation fix is live for this member."""
    it = np.flatnonzero((visits["page"] == J.ITIN) & ~visits["bounced"])
    n_it = np.minimum(rng.poisson(0.9, it.size), 3)
    home = np.flatnonzero(visits["page"] == J.HOME)
    home = home[rng.random(home.size) < 0.15]
    src = np.r_[np.repeat(it, n_it), home]
    total = int(n_it.sum())
    within = np.arange(total) - np.repeat(np.cumsum(n_it) - n_it, n_it) + 1
    sub = np.r_[within, np.ones(home.size, dtype=np.int64)].astype(np.int64)
    n = src.size
    is_it = np.r_[np.ones(total, dtype=bool), np.zeros(home.size, dtype=bool)]
    u = rng.random(n)
    fix = fixed[src] & is_it
    bottom = fix & (u < 0.6)
    top = is_it & ~fix & (u < 0.12)
    x = rng.uniform(0, 375, n)
    y = np.where(is_it, rng.uniform(0, 812, n), rng.uniform(80, 260, n))
    x = np.where(bottom, rng.normal(187, 28, n), np.where(top, rng.normal(346, 7, n), x))
    y = np.where(bottom, rng.normal(778, 8, n), np.where(top, rng.normal(46, 5, n), y))
    element = np.where(bottom, 2, np.where(top, 1, np.where(is_it, 0, 3)))
    return {"visit": src, "sub": sub, "x": np.round(np.clip(x, 0, 375), 1), "y": np.round(np.clip(y, 0, 812), 1),
            "element": element}
