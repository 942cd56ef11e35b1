"""Who is active in which chat on which day, and archive consent.

Active on a day = at least one customer message in the archive or a ``post``/``comment``/``like``
event that day (the anchors are written by :mod:`messages` and :mod:`tracking`). Activity is
planted at the membership level: in programme chats a number of current members is drawn each day
(weighted by a member propensity) from chat rates that differ in level, in response to the programme
and week to week, scaled so that each arm's rate hits its target exactly; elsewhere members
follow a core/rest Bernoulli model, repaired so that the core share (>= 15 active pre-period days)
and the pre-period mean DAU are exact.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from helpers.synth import communities as C, targets as T
from helpers.synth.clock import Clock

AGREE, DISAGREE, NO_CONSENT = 0, 1, 2
BROWSE_P = 0.06
MSG_DAY_P, MSG_EXTRA_MEAN = 0.62, 1.3
RESPONSE_SHAPE = 8.0  # gamma shape of a programme chat's test-period response (mean 1, sd about 0.35)
WEEK_SD = 0.1         # week-to-week drift of a programme chat's activity (relative sd; see _weekly_drift)


@dataclass
class Activity:
    ams: np.ndarray           # bool (membership rows, days)
    member: np.ndarray        # bool (members, days)
    browse: np.ndarray        # bool (members, days): visits without activity
    core_class: np.ndarray
    consent: np.ndarray
    consent_day: np.ndarray
    consent_ts: np.ndarray
    amd: dict[str, np.ndarray]   # one row per active membership-day
    realized: dict


def _topk_in_groups(rng, group: np.ndarray, weight: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Select ``k[g]`` items of each group g without replacement, with probability ~ weight."""
    keys = np.log(weight) + rng.gumbel(size=group.size)
    order = np.lexsort((-keys, group))
    g_sorted = group[order]
    first = np.searchsorted(g_sorted, g_sorted, side="left")
    rank = np.arange(group.size) - first
    out = np.zeros(group.size, dtype=bool)
    out[order] = rank < k[g_sorted]
    return out


def _pick_days(rng, allowed: np.ndarray, m: np.ndarray) -> np.ndarray:
    """For each row choose ``m`` of its allowed columns at random; returns a bool mask."""
    keys = np.where(allowed, rng.random(allowed.shape), 2.0)
    rank = np.argsort(np.argsort(keys, axis=1, kind="stable"), axis=1, kind="stable")
    return (rank < m[:, None]) & allowed


def _programme(rng, clock: Clock, comm: C.Communities, ams: np.ndarray) -> dict:
    """Activity in programme chats. Each chat has a persistent level (``u``), its own response in the
    test period (``resp``: chats take to the programme unequally) and a weekly drift; the chat rates are
    then scaled per arm and period so that each arm's rate is exactly its target. The case-study chat
    has none of these (its rates are the targets)."""
    ms = comm.ms
    rows = np.flatnonzero(comm.arm[ms["chat"]] >= 0)
    chat = ms["chat"][rows]
    w = rng.gamma(2.0, 0.5, rows.size) + 0.05
    u = rng.uniform(0.8, 1.2, comm.n_chats)
    resp = np.clip(rng.gamma(RESPONSE_SHAPE, 1 / RESPONSE_SHAPE, comm.n_chats), 0.5, 1.6)
    u[comm.case_chat], resp[comm.case_chat] = 1.0, 1.0
    cur = C.current_matrix(comm, rows, clock.n_days)
    n_cur = np.stack([np.bincount(chat[cur[:, d]], minlength=comm.n_chats) for d in range(clock.n_days)], axis=1)
    pcode = clock.period_codes(np.arange(clock.n_days))
    drift = _weekly_drift(rng, comm, n_cur * u[:, None], pcode)
    targets = {0: (T.ACTIVITY_PROGRAMME_PRE, T.ACTIVITY_PROGRAMME_PRE),
               1: (T.ACTIVITY_PROGRAMME_PRE, T.ACTIVITY_PROGRAMME_PRE),
               2: (T.ACTIVITY_PROGRAMME_CONTROL, T.ACTIVITY_PROGRAMME_TREATMENT)}
    rate = np.zeros((3, comm.n_chats))
    for p in range(3):  # loop over periods: chat rates normalized so each arm hits its target
        md = n_cur[:, pcode == p].sum(axis=1)
        mult = u * resp if p == 2 else u  # the chat's level, times its response in the test period
        level = mult * (drift * n_cur)[:, pcode == p].sum(axis=1)
        for a in (0, 1):
            tgt = targets[p][a]
            in_arm = comm.arm == a
            free = in_arm.copy()
            free[comm.case_chat] = False
            k = tgt * (md[in_arm].sum() - md[comm.case_chat] * in_arm[comm.case_chat]) / max(level[free].sum(), 1e-9)
            rate[p, free] = mult[free] * k
            rate[p, in_arm & ~free] = tgt
    cum_exp = np.zeros((3, comm.n_chats))
    cum_act = np.zeros((3, comm.n_chats), dtype=np.int64)
    for d in range(clock.n_days):  # loop over days: exact counts with carried rounding
        p = pcode[d]
        c = np.flatnonzero(cur[:, d])
        cum_exp[p] += rate[p] * drift[:, d] * n_cur[:, d]
        k = np.clip(np.round(cum_exp[p]).astype(np.int64) - cum_act[p], 0, n_cur[:, d])
        pick = _topk_in_groups(rng, chat[c], w[c], k)
        cum_act[p] += np.bincount(chat[c][pick], minlength=comm.n_chats)
        ams[rows[c[pick]], d] = True
    return {"rows": rows, "cur": cur}


def _weekly_drift(rng, comm: C.Communities, weight: np.ndarray, pcode: np.ndarray) -> np.ndarray:
    """(chats, days) multipliers: each programme chat's activity drifts week to week (relative sd
    ``WEEK_SD``). Before the test period each arm's weighted mean drift is 1 in every week, so no
    pre-trend between the arms is planted (chats still scatter around it); in the test period it is not
    (the arms' weekly effects vary). The case-study chat does not drift."""
    week = np.arange(pcode.size) // 7
    dw = np.clip(1 + WEEK_SD * rng.standard_normal((comm.n_chats, week[-1] + 1)), 0.7, 1.3)
    free = np.ones(comm.n_chats, dtype=bool)
    free[comm.case_chat] = False
    for k in np.unique(week[pcode < 2]):  # loop over weeks before the test (a handful)
        wk = weight[:, week == k].sum(axis=1)
        for a in (0, 1):
            sel = free & (comm.arm == a) & (wk > 0)
            if sel.any():
                dw[sel, k] /= np.average(dw[sel, k], weights=wk[sel])
    dw[comm.case_chat] = 1.0
    return dw[:, week]


def _member_matrix(member: np.ndarray, mat: np.ndarray, n_members: int) -> np.ndarray:
    out = np.zeros((n_members, mat.shape[1]), dtype=bool)
    order = np.argsort(member, kind="stable")
    m_sorted = member[order]
    starts = np.flatnonzero(np.r_[True, m_sorted[1:] != m_sorted[:-1]])
    out[m_sorted[starts]] = np.logical_or.reduceat(mat[order], starts, axis=0)
    return out


def simulate(rng: np.random.Generator, clock: Clock, comm: C.Communities, n_members: int, scale: float) -> Activity:
    nd = clock.n_days
    pre = np.arange(*clock.bounds["pre"])
    n_pre = pre.size
    # 1. programme chats (their churn first, so the denominators are final)
    prog_member = comm.arm[comm.home] >= 0
    C.add_churn(rng, clock, comm, np.flatnonzero((comm.ms["kind"] == C.HOME) & prog_member[comm.ms["member"]]))
    ams = np.zeros((comm.ms["member"].size, nd), dtype=bool)
    prog = _programme(rng, clock, comm, ams)
    a_prog = _member_matrix(comm.ms["member"][prog["rows"]], ams[prog["rows"]], n_members)
    core_prog = int((a_prog[:, pre].sum(axis=1) >= T.CORE_MIN_DAYS).sum())

    # 2. core class among the other members: exact total, proportional to home-chat size
    np_members = np.flatnonzero(~prog_member)
    k_total = int(round(T.CORE_SHARE * n_members)) - core_prog
    size = np.bincount(comm.home[np_members], minlength=comm.n_chats).astype(float)
    quota = size * k_total / size.sum()
    k_chat = np.floor(quota).astype(np.int64)
    short = k_total - k_chat.sum()
    k_chat[np.argsort(-(quota - k_chat), kind="stable")[:short]] += 1
    core = np.zeros(n_members, dtype=bool)
    core[np_members[_topk_in_groups(rng, comm.home[np_members], np.ones(np_members.size), k_chat)]] = True
    C.add_churn(rng, clock, comm, np.flatnonzero((comm.ms["kind"] == C.HOME) & ~prog_member[comm.ms["member"]]
                                                 & ~core[comm.ms["member"]]))
    ams = np.vstack([ams, np.zeros((comm.ms["member"].size - ams.shape[0], nd), dtype=bool)])

    # 3. the Bernoulli model for non-programme members, on days they are in their chat
    np_rows = np.flatnonzero(~prog_member[comm.ms["member"]])
    cur_rows = C.current_matrix(comm, np_rows, nd)
    local = np.full(n_members, -1, dtype=np.int64)
    local[np_members] = np.arange(np_members.size)
    cur = _member_matrix(local[comm.ms["member"][np_rows]], cur_rows, np_members.size)
    g = np.where(clock.weekday(np.arange(nd)) >= 5, 1.12, 0.952)
    is_core = core[np_members]
    p = np.where(is_core, rng.uniform(*T.CORE_P, np_members.size), rng.uniform(*T.REST_P, np_members.size))
    target_total = int(round(T.DAU_AT_SCALE_1 * scale * n_pre))
    exp_core = (np.minimum(p[is_core, None] * g[pre], 1) * cur[is_core][:, pre]).sum()
    base_rest = (p[~is_core, None] * g[pre] * cur[~is_core][:, pre]).sum()
    f = float(np.clip((target_total - a_prog[:, pre].sum() - exp_core) / max(base_rest, 1e-9), 0.2, 3.0))
    prob = np.clip(np.where(is_core, 1.0, f)[:, None] * p[:, None] * g[None, :], 0, 0.97)
    a_np = (rng.random(prob.shape) < prob) & cur

    # 4. repairs on the pre-period: exact core class, then exact total active member-days
    sub = a_np[:, pre]
    cnt = sub.sum(axis=1)
    fix = np.flatnonzero(is_core & (cnt < T.CORE_MIN_DAYS))
    sub[fix] |= _pick_days(rng, cur[fix][:, pre] & ~sub[fix], T.CORE_MIN_DAYS - cnt[fix])
    fix = np.flatnonzero(~is_core & (cnt >= T.CORE_MIN_DAYS))
    sub[fix] &= ~_pick_days(rng, sub[fix], cnt[fix] - (T.CORE_MIN_DAYS - 1))
    for _ in range(50):  # a few passes, each moving at most one day per member
        diff = target_total - int(a_prog[:, pre].sum()) - int(sub.sum())
        if diff == 0:
            break
        cnt = sub.sum(axis=1)
        if diff > 0:
            elig = np.flatnonzero(~is_core & (cnt <= T.CORE_MIN_DAYS - 2) & (cur[:, pre] & ~sub).any(axis=1))
            rows = rng.permutation(elig)[:diff]
            sub[rows] |= _pick_days(rng, cur[rows][:, pre] & ~sub[rows], np.ones(rows.size, dtype=np.int64))
        else:
            elig = np.flatnonzero(~is_core & (cnt >= 1))
            rows = rng.permutation(elig)[:-diff]
            sub[rows] &= ~_pick_days(rng, sub[rows], np.ones(rows.size, dtype=np.int64))
        if rows.size == 0:
            break
    a_np[:, pre] = sub
    ams[np_rows] = a_np[local[comm.ms["member"][np_rows]]] & cur_rows

    member = _member_matrix(comm.ms["member"], ams, n_members)
    return _finish(rng, clock, comm, ams, member, core, prog, n_members)


def _finish(rng, clock, comm, ams, member, core, prog, n_members) -> Activity:
    nd = clock.n_days
    ms = comm.ms
    cur_all = _member_matrix(ms["member"], C.current_matrix(comm, np.arange(ms["member"].size), nd), n_members)
    browse = cur_all & ~member & (rng.random(member.shape) < BROWSE_P)
    nothing = np.flatnonzero(~(member | browse).any(axis=1))
    browse[nothing] |= _pick_days(rng, cur_all[nothing], np.ones(nothing.size, dtype=np.int64))

    n_agree = int(round(T.CONSENT["agree"] * n_members))
    n_dis = int(round(T.CONSENT["disagree"] * n_members))
    consent = np.full(n_members, NO_CONSENT, dtype=np.int8)
    perm = rng.permutation(n_members)
    consent[perm[:n_agree]] = AGREE
    consent[perm[n_agree:n_agree + n_dis]] = DISAGREE
    late = rng.random(n_members) < 0.15
    consent_day = np.where(consent == AGREE, np.where(late, rng.integers(1, 21, n_members), 0),
                           rng.integers(0, 41, n_members)).astype(np.int16)
    consent_ts = clock.day_start(consent_day) + rng.integers(0, 7 * 3600, n_members)

    row, day = np.nonzero(ams)
    mem = ms["member"][row]
    archived = (consent[mem] == AGREE) & (day >= consent_day[mem])
    n_msgs = np.where(rng.random(row.size) < MSG_DAY_P, 1 + rng.poisson(MSG_EXTRA_MEAN, row.size), 0)
    home_active = _member_matrix(ms["member"], ams & (ms["kind"] != C.SECOND)[:, None], n_members)
    primary = (ms["kind"][row] != C.SECOND) | ~home_active[mem, day]
    amd = {"row": row.astype(np.int32), "day": day.astype(np.int16), "member": mem, "chat": ms["chat"][row],
           "n_msgs": n_msgs.astype(np.int16), "archived": archived, "primary": primary}

    pre = slice(*clock.bounds["pre"])
    pre_days = member[:, pre].sum(axis=1)
    realized = {"dau_pre_mean": float(member[:, pre].sum(0).mean()),
                "core_share": float((pre_days >= T.CORE_MIN_DAYS).mean()),
                "pre_active_days": pre_days}
    cur = prog["cur"]
    for name, (a, period) in {"pre_control": (0, "pre"), "pre_treatment": (1, "pre"),
                              "test_control": (0, "test"), "test_treatment": (1, "test")}.items():
        sel = comm.arm[ms["chat"][prog["rows"]]] == a
        sl = slice(*clock.bounds[period])
        realized[f"community_{name}"] = float(ams[prog["rows"][sel], sl].sum() / cur[sel, sl].sum())
    pr = ms["chat"][prog["rows"]] >= 0
    sel = pr & (comm.arm[ms["chat"][prog["rows"]]] >= 0)
    realized["community_pre"] = float(ams[prog["rows"][sel], pre].sum() / cur[sel, pre].sum())
    case = ms["chat"][prog["rows"]] == comm.case_chat
    for period in ("pre", "test"):
        sl = slice(*clock.bounds[period])
        realized[f"case_{period}"] = float(ams[prog["rows"][case], sl].sum() / cur[case, sl].sum())
    chat_rate = np.zeros(comm.n_chats)
    rows_all = np.arange(ms["member"].size)
    cur_rows = C.current_matrix(comm, rows_all, nd)[:, pre]
    act = np.bincount(ms["chat"], weights=ams[:, pre].sum(axis=1), minlength=comm.n_chats)
    den = np.bincount(ms["chat"], weights=cur_rows.sum(axis=1), minlength=comm.n_chats)
    chat_rate[:] = act / np.maximum(den, 1)
    realized["chat_pre_rate"] = chat_rate
    return Activity(ams, member, browse, core, consent, consent_day, consent_ts, amd, realized)
