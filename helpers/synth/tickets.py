"""Support tickets: who asks about what, and each ticket's life (reply, hold, solve, reopen, close).

Planted on tickets created in the pre-period (exact counts, group means hit by rescaling each
ticket's whole timeline): signoff_exception is 38% of tickets and 22% of the summed full
resolution hours, the overall mean full resolution is 72 h; among tier-3 requesters' tickets 68%
are logistics, with mean full resolution 48 h. About 28% of tickets are one-touch (the first public
agent comment solves them). Offsets are whole minutes from ``created_at``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.synth import targets as T, ticket_texts as TT
from helpers.synth.clock import DAY_S, Clock
from helpers.synth.people import People

OTHER_CATS = np.array([2, 3, 4, 5])
OTHER_P = np.array([0.30, 0.25, 0.15, 0.30])
NON_T3_DELAY = 0.12
REOPEN_P, HOLD_P, FOLLOWUP_P, NOTE_P = 0.08, 0.06, 0.5, 0.2
ONE_TOUCH_P = 0.3  # of tickets not reopened: solved by the first public agent comment
CLOSE_AFTER_MIN = 4 * 1440
LABELLED_TICKETS = 300  # descriptions a person labels to check the sentiment model on tickets
SIGMA = 0.9


def _categories(rng, tier3: np.ndarray, pre: np.ndarray) -> np.ndarray:
    n = tier3.size
    cat = OTHER_CATS[rng.choice(4, n, p=OTHER_P)]
    # outside the pre-period: the same mix at random
    u = rng.random(n)
    n3p = max(int((tier3 & pre).sum()), 1)
    non3_sign = (T.SIGNOFF_TICKET_SHARE * pre.sum() - T.TIER3_SIGNOFF_SHARE * n3p) / max((~tier3 & pre).sum(), 1)
    sign_p = np.where(tier3, T.TIER3_SIGNOFF_SHARE, non3_sign)
    delay_p = np.where(tier3, T.TIER3_LOGISTICS_SHARE - T.TIER3_SIGNOFF_SHARE, NON_T3_DELAY)
    cat = np.where(u < sign_p, 0, np.where(u < sign_p + delay_p, 1, cat))
    # the pre-period: exact counts
    t3 = rng.permutation(np.flatnonzero(pre & tier3))
    n_log3 = int(round(T.TIER3_LOGISTICS_SHARE * t3.size))
    n_sign3 = min(int(round(T.TIER3_SIGNOFF_SHARE * t3.size)), n_log3)
    cat[t3] = OTHER_CATS[rng.choice(4, t3.size, p=OTHER_P)]
    cat[t3[:n_sign3]] = 0
    cat[t3[n_sign3:n_log3]] = 1
    nt3 = rng.permutation(np.flatnonzero(pre & ~tier3))
    n_sign = max(int(round(T.SIGNOFF_TICKET_SHARE * pre.sum())) - n_sign3, 0)
    n_delay = int(round(NON_T3_DELAY * nt3.size))
    cat[nt3] = OTHER_CATS[rng.choice(4, nt3.size, p=OTHER_P)]
    cat[nt3[:n_sign]] = 0
    cat[nt3[n_sign:n_sign + n_delay]] = 1
    return cat


def _full_resolution(rng, cat, tier3, pre) -> tuple[np.ndarray, dict]:
    """Full resolution minutes; pre-period cells rescaled to their exact target sums."""
    log = cat <= 1
    cells = {"sign3": (cat == 0) & tier3, "sign": (cat == 0) & ~tier3, "delay3": (cat == 1) & tier3,
             "delay": (cat == 1) & ~tier3, "other": ~log}
    n = pre.sum()
    pc = {k: (v & pre) for k, v in cells.items()}
    n_sign = pc["sign"].sum() + pc["sign3"].sum()
    mean_sign = T.SIGNOFF_TIME_SHARE * T.MEAN_RESOLUTION_HOURS * n / max(n_sign, 1)
    n3_sign, n3_delay = pc["sign3"].sum(), pc["delay3"].sum()
    mean_delay3 = (T.TIER3_LOGISTICS_HOURS * (n3_sign + n3_delay) - mean_sign * n3_sign) / max(n3_delay, 1)
    mean_delay = T.NON_TIER3_DELAY_HOURS
    rest = T.MEAN_RESOLUTION_HOURS * n - mean_sign * n_sign - mean_delay3 * n3_delay - mean_delay * pc["delay"].sum()
    mean_other = rest / max(pc["other"].sum(), 1)
    means = {"sign3": mean_sign, "sign": mean_sign, "delay3": max(mean_delay3, 1.0), "delay": mean_delay, "other": max(mean_other, 1.0)}
    f_min = np.zeros(cat.size)
    for k, mask in cells.items():  # loop over the five cells
        m = means[k] * 60
        f_min[mask] = np.minimum(rng.lognormal(np.log(m) - SIGMA**2 / 2, SIGMA, mask.sum()), 35 * 1440)
        sel = mask & pre
        if sel.any():
            f_min[sel] *= m * sel.sum() / f_min[sel].sum()
    return np.maximum(np.round(f_min), 10).astype(np.int64), means


def build(rng: np.random.Generator, clock: Clock, people: People) -> dict:
    requesters = np.flatnonzero(people.zendesk)
    k = 1 + rng.poisson(0.5, requesters.size)
    person = np.repeat(requesters, k)
    n = person.size
    span = clock.n_days * DAY_S
    biz = rng.random(n) < 0.75
    day = rng.integers(0, clock.n_days, n)
    sec = np.where(biz, rng.integers(9 * 3600, 18 * 3600, n), rng.integers(0, 86_400, n))
    created = clock.day_start(day) + sec
    created += (created % 60 == 30)  # no half-minute second marks: rounding stays unambiguous
    created = np.minimum(created, clock.t0 + span - 3600)
    order = np.argsort(created, kind="stable")
    person, created = person[order], created[order]
    pre = clock.day_of(created) < clock.bounds["pre"][1]
    tier3 = people.tier[person] == 3
    cat = _categories(rng, tier3, pre)
    full, means = _full_resolution(rng, cat, tier3, pre)

    reopen = rng.random(n) < REOPEN_P
    s1 = np.where(reopen, np.round(full * rng.uniform(0.35, 0.7, n)), full).astype(np.int64)
    s1 = np.maximum(s1, 4)
    reopen &= full - s1 >= 4
    s1 = np.where(reopen, s1, full)
    o = np.where(reopen, s1 + np.maximum(np.round((full - s1) * rng.uniform(0.2, 0.6, n)), 1), -1).astype(np.int64)
    r = np.clip(np.round(rng.lognormal(np.log(150), 1.1, n)), 1, np.maximum(np.floor(0.6 * s1), 1)).astype(np.int64)
    # one-touch: the agent's first public comment solves the ticket (no reply before the solve, no
    # requester follow-up, no hold, no reopen)
    one_touch = ~reopen & (rng.random(n) < ONE_TOUCH_P)
    r = np.where(one_touch, s1, r)
    a = np.floor(r * rng.uniform(0.1, 0.9, n)).astype(np.int64)
    gap = s1 - r
    fu = (rng.random(n) < FOLLOWUP_P) & (gap >= 4)
    f = np.where(fu, r + np.maximum(np.round(gap * rng.uniform(0.2, 0.5, n)), 1), -1).astype(np.int64)
    hold = (rng.random(n) < HOLD_P) & (gap >= 10)
    h1 = np.where(hold, r + np.round(gap * rng.uniform(0.55, 0.7, n)), -1).astype(np.int64)
    h2 = np.where(hold, r + np.round(gap * rng.uniform(0.75, 0.9, n)), -1).astype(np.int64)
    note = (rng.random(n) < NOTE_P) & (r - a >= 2)
    export_min = (clock.t0 + span - created) // 60
    close = full + CLOSE_AFTER_MIN
    solved = full < export_min
    stale = np.zeros(n, dtype=bool)
    # stale metrics: late reopens (a day or more after the solve) first
    cand = rng.permutation(np.flatnonzero(reopen & solved))
    cand = cand[np.argsort(o[cand] - s1[cand] < 1440, kind="stable")]
    stale[cand[: min(int(np.floor(T.STALE_METRIC_SHARE * n)), cand.size)]] = True

    pii = np.zeros(n, dtype=bool)
    pii[rng.permutation(n)[: int(round(T.DESCRIPTION_PII_SHARE * n))]] = True
    english = rng.random(n) < 0.1
    body = TT.body_bank().texts[TT.body_bank().draw(rng, cat * 2 + english)]
    body_label = TT.body_labels(body)
    use_email = rng.random(n) < 0.5
    pii_val = np.where(use_email, people.email[person], people.phone[person].astype(str).astype(object))
    which = np.where(use_email, rng.integers(2, 4, n), rng.integers(0, 2, n))[pii]
    head = np.array([x.split("{}")[0] for x in TT.PII_TEMPLATES], dtype=object)[which]
    tail = np.array([x.split("{}")[1] for x in TT.PII_TEMPLATES], dtype=object)[which]
    body[pii] = body[pii] + " " + head + pii_val[pii] + tail
    offsets = {"a": a, "r": np.where(one_touch, -1, r), "f": f, "h1": h1, "h2": h2, "s1": s1, "o": o, "s2": np.where(reopen, full, -1),
               "close": close, "note": np.where(note, a + 1, -1)}
    t = {"person": person, "created_ts": created, "pre": pre, "tier3": tier3, "category": cat,
         "full_min": full, "solved": solved, "stale": stale, "export_min": export_min,
         "subject": TT.subject_bank().texts[TT.subject_bank().draw(rng, cat)], "description": body,
         "pii": pii, "offsets": offsets, "means_hours": means,
         "priority": np.array(["low", "normal", "high", "urgent"], dtype=object)[rng.choice(4, n, p=[0.2, 0.55, 0.2, 0.05])],
         "channel": np.array(["web", "email", "chat", "api"], dtype=object)[rng.choice(4, n, p=[0.35, 0.2, 0.35, 0.1])],
         "type": np.array(["question", "incident", "problem", "task"], dtype=object)[rng.choice(4, n, p=[0.45, 0.4, 0.1, 0.05])],
         "csat": np.where(solved, np.array(["good", "bad", "offered", "unoffered"], dtype=object)[rng.choice(4, n, p=[0.55, 0.1, 0.15, 0.2])], "unoffered"),
         "english": english, "body_label": body_label}
    t["realized"] = _realized(t)
    return t


def _realized(t: dict) -> dict:
    pre, cat, hours = t["pre"], t["category"], t["full_min"] / 60.0
    sp = pre & t["solved"]
    t3 = pre & t["tier3"]
    t3l = t3 & (cat <= 1) & t["solved"]
    return {"signoff_ticket_share": float((cat[pre] == 0).mean()),
            "mean_resolution_hours": float(hours[sp].mean()),
            "signoff_time_share": float(hours[sp & (cat == 0)].sum() / hours[sp].sum()),
            "tier3_logistics_share": float((cat[t3] <= 1).mean()),
            "tier3_logistics_mean_resolution_hours": float(hours[t3l].mean()),
            "pre_tickets": int(pre.sum()), "stale_metrics": int(t["stale"].sum()),
            "ticket_negative_share": float((t["body_label"] == "negative").mean())}


def write_labels(w, rng: np.random.Generator, tickets: dict, k: int = LABELLED_TICKETS) -> None:
    """``labels/ticket_sentiment.csv``: a person's labels of a uniform random sample of ``k`` tickets'
    descriptions (``ticket_id, label``; the label of the body, see ``ticket_texts.body_labels``), drawn
    with ``rng`` (a stream of its own, so nothing else depends on it)."""
    n = tickets["ticket_id"].size
    rows = np.sort(rng.choice(n, size=min(k, n), replace=False))
    w.csv("labels/ticket_sentiment.csv", pd.DataFrame({"ticket_id": tickets["ticket_id"][rows].astype(str),
                                                       "label": tickets["body_label"][rows]}), "labels")
