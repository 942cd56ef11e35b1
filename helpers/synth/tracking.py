"""Mini-program tracking events, one JSON-lines file per local day.

Per day: sessions of members who are active (1-3 sessions) or just browsing (1), link-open
sessions from mass messages, purchase sessions for tracked orders; page paths; planted itinerary
bounces (exact per period and ``nav_fix`` arm); content interactions (exact per age group and
content type); and a ``post`` for every active member-day that no archived message or chat-tagged
like/comment anchors. Events are rendered to JSON by DuckDB.
"""
from __future__ import annotations

import numpy as np
from tqdm import tqdm  # plain bars: these run from the command line, not in notebooks

from helpers.synth import journeys as J, sessions as S, targets as T
from helpers.synth.broadcasts import CONTENT_TYPES
from helpers.synth.clock import Clock
from helpers.synth.writers import Batch, Writer

CATALOG_SIZE = 600
CATALOG_P = [0.2, 0.25, 0.2, 0.2, 0.15]
INTERACTION_P = [0.6, 0.25, 0.15]           # like, comment, share
SPONTANEOUS_POST = 0.03
MAX_SESSION_MS = 50 * 60 * 1000


def _lookups(w: Writer, rng, people, comm, bc, orders) -> np.ndarray:
    n = people.n_members
    w.register("mem", {"m": np.arange(n, dtype=np.int32), "uid": people.unionid[:n],
                       "city": people.city_name[:n], "os": np.where(people.os[:n] == 0, "iOS", "Android").astype(object)})
    w.register("chats", {"chat": np.arange(comm.n_chats, dtype=np.int32), "cid": comm.chat_id})
    ctype = rng.choice(5, CATALOG_SIZE, p=CATALOG_P)
    w.register("content", {"ci": np.arange(CATALOG_SIZE, dtype=np.int32),
                           "content_id": np.char.add("c", np.char.zfill(np.arange(1, CATALOG_SIZE + 1).astype(str), 6)).astype(object)})
    w.register("names_ev", {"ev": np.arange(len(S.EV), dtype=np.int8), "name": np.array(list(S.EV), dtype=object)})
    w.register("names_pg", {"pg": np.arange(len(J.PAGES), dtype=np.int8), "name": np.array(J.PAGES, dtype=object)})
    w.register("names_ct", {"ct": np.arange(5, dtype=np.int8), "name": CONTENT_TYPES})
    w.register("names_el", {"el": np.arange(len(S.ELEMENTS), dtype=np.int8), "name": np.array(S.ELEMENTS, dtype=object)})
    w.register("bmsg", {"bm": np.arange(bc["msgid"].size, dtype=np.int32), "msgid": bc["msgid"]})
    w.register("ord", {"oi": np.arange(orders["order_id"].size, dtype=np.int32), "order_id": orders["order_id"],
                       "amount": orders["amount"]})
    return ctype


SQL = """
SELECT json_object('distinct_id', m.uid, 'type', 'track', 'event', ne.name, 'time', e.t, 'properties',
  CASE
    WHEN e.ev = 0 AND e.chat >= 0 THEN json_object('$city', m.city, '$os', m.os, 'chat_id', c.cid, 'page', pg.name)
    WHEN e.ev = 0 THEN json_object('$city', m.city, '$os', m.os, 'page', pg.name)
    WHEN e.ev <= 4 AND e.chat >= 0 THEN json_object('$city', m.city, '$os', m.os, 'chat_id', c.cid, 'page', pg.name,
                                                    'content_id', co.content_id, 'content_type', ct.name)
    WHEN e.ev <= 4 THEN json_object('$city', m.city, '$os', m.os, 'page', pg.name, 'content_id', co.content_id,
                                    'content_type', ct.name)
    WHEN e.ev = 5 THEN json_object('$city', m.city, '$os', m.os, 'chat_id', c.cid,
                                   'content_id', 'p' || lpad(e.post_id::VARCHAR, 8, '0'), 'content_type', ct.name)
    WHEN e.ev = 6 THEN json_object('$city', m.city, '$os', m.os, 'page', pg.name, 'element', el.name, 'x', e.x, 'y', e.y)
    WHEN e.ev = 7 THEN json_object('$city', m.city, '$os', m.os, 'utm_campaign', b.msgid, 'content_type', ct.name,
                                   'page', pg.name)
    WHEN e.ev = 8 THEN json_object('$city', m.city, '$os', m.os, 'page', pg.name)
    ELSE json_object('$city', m.city, '$os', m.os, 'order_id', o.order_id, 'amount', o.amount)
  END) AS line
FROM ev e JOIN mem m ON e.member = m.m JOIN names_ev ne ON e.ev = ne.ev
LEFT JOIN names_pg pg ON e.page = pg.pg LEFT JOIN chats c ON e.chat = c.chat LEFT JOIN content co ON e.content = co.ci
LEFT JOIN names_ct ct ON e.ctype = ct.ct LEFT JOIN names_el el ON e.element = el.el LEFT JOIN bmsg b ON e.msg = b.bm
LEFT JOIN ord o ON e.ord = o.oi ORDER BY e.seq
"""


def _by_day(day: np.ndarray, n_days: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(day, kind="stable")
    return order, np.searchsorted(day[order], np.arange(n_days + 1))


def run(w: Writer, rng: np.random.Generator, clock: Clock, people, comm, act, bc: dict, orders: dict,
        nav_variant: np.ndarray, age_group: np.ndarray, progress: bool = True) -> dict:
    n_mem = people.n_members
    cat_type = _lookups(w, rng, people, comm, bc, orders)
    cat_w = 1.0 / (rng.permutation(CATALOG_SIZE) + 8.0)
    cat_w /= cat_w.sum()
    amd = act.amd
    amd_order, amd_bounds = _by_day(amd["day"], clock.n_days)
    op = bc["opens"]
    op_order, op_bounds = _by_day(op["day"], clock.n_days)
    tracked = np.flatnonzero(orders["tracked"])
    tr_order, tr_bounds = _by_day(orders["day"][tracked], clock.n_days)
    bounce_rate = np.array([T.BOUNCE_PRE, T.BOUNCE_PRE, T.BOUNCE_TEST_CONTROL, T.BOUNCE_TEST_TREATMENT])
    types = list(T.INTERACTION_OTHER)
    inter_rate = np.array([[T.INTERACTION_OTHER[t] for t in types], [T.INTERACTION_18_25[t] for t in types],
                           [T.INTERACTION_18_25[t] for t in types]])
    state = {"views": np.zeros(4, np.int64), "bounces": np.zeros(4, np.int64),
             "pv": np.zeros(15, np.int64), "inter": np.zeros(15, np.int64), "posts": 0, "dropped": 0, "events": 0}
    batch = Batch(w, "ev", SQL, "tracking/events")
    for d in tqdm(range(clock.n_days), desc="tracking", disable=not progress):  # loop over days
        a_idx = amd_order[amd_bounds[d]:amd_bounds[d + 1]]
        o_idx = op_order[op_bounds[d]:op_bounds[d + 1]]
        p_idx = tracked[tr_order[tr_bounds[d]:tr_bounds[d + 1]]]
        ev = _day(rng, clock, d, comm, act, amd, a_idx, op, o_idx, orders, p_idx, n_mem, nav_variant, age_group,
                  cat_type, cat_w, bounce_rate, inter_rate, state)
        batch.add(f"tracking/events_{clock.day_label(d)}.jsonl", ev)
        state["events"] += ev["seq"].size
    batch.flush()
    realized = {"itinerary_bounce": {"pre": state["bounces"][0] / max(state["views"][0], 1),
                                     "test_control": state["bounces"][2] / max(state["views"][2], 1),
                                     "test_treatment": state["bounces"][3] / max(state["views"][3], 1)},
                "itinerary_views": state["views"].tolist(),
                "interaction_rate": {g: {t: state["inter"][gi * 5 + ti] / max(state["pv"][gi * 5 + ti], 1)
                                         for ti, t in enumerate(types)}
                                     for gi, g in enumerate(("other", "18-25_linkable", "18-25_unlinkable"))},
                "interaction_18_25_all": {t: (state["inter"][5 + ti] + state["inter"][10 + ti])
                                          / max(state["pv"][5 + ti] + state["pv"][10 + ti], 1) for ti, t in enumerate(types)},
                "dropped_sessions": state["dropped"], "posts": state["posts"]}
    return realized


def _day(rng, clock, d, comm, act, amd, a_idx, op, o_idx, orders, p_idx, n_mem, nav_variant, age_group,
         cat_type, cat_w, bounce_rate, inter_rate, state) -> dict:
    active, browse = act.member[:, d], act.browse[:, d]
    prim = a_idx[amd["primary"][a_idx]]
    pchat = np.full(n_mem, -1, dtype=np.int64)
    pchat[amd["member"][prim]] = amd["chat"][prim]
    vis = np.flatnonzero(active | browse)
    nreg = np.where(active[vis], 1 + rng.binomial(2, 0.35, vis.size), 1)
    r_mem = np.repeat(vis, nreg)
    r_first = np.zeros(r_mem.size, dtype=bool)
    r_first[np.cumsum(nreg) - nreg] = True
    r_chat = np.where(active[r_mem], pchat[r_mem], np.where(rng.random(r_mem.size) < 0.5, comm.home[r_mem], -1))
    p_mem = orders["person"][p_idx]
    member = np.r_[r_mem, op["member"][o_idx], p_mem]
    kind = np.repeat([S.REGULAR, S.LINK, S.PURCHASE], [r_mem.size, o_idx.size, p_idx.size])
    chat = np.r_[r_chat, np.full(o_idx.size + p_idx.size, -1)]
    start_page = np.r_[np.full(r_mem.size, J.HOME), op["page"][o_idx], np.full(p_idx.size, J.HOME)]
    same = np.r_[np.zeros(r_mem.size, bool), op["same_day"][o_idx], np.zeros(p_idx.size, bool)]
    priority = np.r_[np.where(r_first, 3, 4), np.where(op["same_day"][o_idx], 0, 1), np.full(p_idx.size, 2)]
    ref = np.r_[np.full(r_mem.size, -1), o_idx, p_idx]
    slot, kept = S.schedule(rng, member, priority, same)
    state["dropped"] += int((~kept).sum())
    member, kind, chat, start_page, priority, ref, slot = (x[kept] for x in (member, kind, chat, start_page, priority, ref, slot))
    ns = member.size
    start_ms = (clock.day_start(d) + S.SLOT_HOURS[slot] * 3600 + rng.integers(0, 1800, ns)) * 1000 + rng.integers(0, 1000, ns)
    content_ok = active[member]
    period = int(clock.period_codes(d))
    group = np.full(ns, period) if period < 2 else 2 + nav_variant[member]

    visits = S.paths(rng, kind, start_page, content_ok)
    keep = S.bounce(rng, visits, group, bounce_rate, state)
    visits = {k: v[keep] for k, v in visits.items()}
    vs = visits["session"]
    vkey = 10 * (visits["step"] + 1)
    fixed = (period == 2) & (nav_variant[member[vs]] == 1)
    cl = S.clicks(rng, visits, fixed)
    is_pv = visits["page"] == J.POST
    content = np.where(is_pv, rng.choice(CATALOG_SIZE, vs.size, p=cat_w), -1)
    ctype = np.where(is_pv, cat_type[np.maximum(content, 0)], -1)

    pv = np.flatnonzero(is_pv)
    ig = age_group[member[vs[pv]]] * 5 + ctype[pv]
    pick = np.zeros(pv.size, dtype=bool)
    for g in range(15):  # loop over (age group, content type) cells
        rows = np.flatnonzero(ig == g)
        state["pv"][g] += rows.size
        k = int(round(inter_rate[g // 5, g % 5] * state["pv"][g])) - state["inter"][g]
        k = max(0, min(k, rows.size))
        pick[rng.permutation(rows)[:k]] = True
        state["inter"][g] += k
    iv = pv[pick]
    ikind = np.array([S.EV["like"], S.EV["comment"], S.EV["share"]])[rng.choice(3, iv.size, p=INTERACTION_P)]

    # anchors: active member-days with no archived message and no chat-tagged like/comment
    need = a_idx[~(amd["archived"][a_idx] & (amd["n_msgs"][a_idx] > 0))]
    lc = ikind != S.EV["share"]
    ichat = chat[vs[iv]]
    anchored = member[vs[iv]][lc & (ichat >= 0)].astype(np.int64) * comm.n_chats + ichat[lc & (ichat >= 0)]
    need = need[~np.isin(amd["member"][need].astype(np.int64) * comm.n_chats + amd["chat"][need], anchored)]
    spont = prim[rng.random(prim.size) < SPONTANEOUS_POST]
    first_reg = np.full(n_mem, -1)
    first_reg[member[priority == 3]] = np.flatnonzero(priority == 3)
    post_rows = np.r_[need, spont]
    post_sess = first_reg[amd["member"][post_rows]]
    ok = post_sess >= 0
    n_need = int(ok[:need.size].sum())
    post_rows, post_sess = post_rows[ok], post_sess[ok]
    n_post = post_rows.size
    post_id = state["posts"] + np.arange(1, n_post + 1)
    state["posts"] += n_post

    link = np.flatnonzero(kind == S.LINK)
    buy = np.flatnonzero(kind == S.PURCHASE)
    sub = visits["page"] == J.SUCCESS
    cols = {
        "session": [vs, vs[sub], vs[cl["visit"]], vs[iv], link, buy, post_sess],
        "key": [vkey, vkey[sub] - 5, vkey[cl["visit"]] + cl["sub"], vkey[iv] + 5, np.zeros(link.size, int),
                np.full(buy.size, 30), np.full(n_post, 15) + (np.arange(n_post) >= n_need)],
        "ev": [np.where(is_pv, S.EV["post_view"], S.EV["page_view"]), np.full(sub.sum(), S.EV["booking_submit"]),
               np.full(cl["visit"].size, S.EV["click"]), ikind, np.full(link.size, S.EV["link_open"]),
               np.full(buy.size, S.EV["purchase"]), np.full(n_post, S.EV["post"])],
        "page": [visits["page"], np.full(sub.sum(), J.FORM), visits["page"][cl["visit"]], np.full(iv.size, J.POST),
                 start_page[link], np.full(buy.size, -1), np.full(n_post, -1)],
        "chat": [chat[vs], np.full(sub.sum(), -1), np.full(cl["visit"].size, -1), chat[vs[iv]],
                 np.full(link.size, -1), np.full(buy.size, -1), amd["chat"][post_rows]],
        "content": [content, np.full(sub.sum(), -1), np.full(cl["visit"].size, -1), content[iv],
                    np.full(link.size, -1), np.full(buy.size, -1), np.full(n_post, -1)],
        "ctype": [ctype, np.full(sub.sum(), -1), np.full(cl["visit"].size, -1), ctype[iv],
                  op["ctype"][ref[link]] if link.size else np.zeros(0, int), np.full(buy.size, -1),
                  rng.choice(5, n_post, p=[0.3, 0.4, 0.05, 0.1, 0.15])],
    }
    ev = {k: np.concatenate(v).astype(np.int64) for k, v in cols.items()}
    n_vis_sub_cl = vs.size + int(sub.sum())
    n = ev["session"].size
    x = np.full(n, np.nan)
    y = np.full(n, np.nan)
    el = np.full(n, -1)
    lo = n_vis_sub_cl
    x[lo:lo + cl["x"].size], y[lo:lo + cl["x"].size], el[lo:lo + cl["x"].size] = cl["x"], cl["y"], cl["element"]
    msg = np.full(n, -1)
    ordi = np.full(n, -1)
    lo = n - n_post - buy.size - link.size
    msg[lo:lo + link.size] = op["msg"][ref[link]]
    ordi[lo + link.size:lo + link.size + buy.size] = ref[buy]
    post = np.full(n, -1)
    post[n - n_post:] = post_id
    t = _times(rng, ev, start_ms)
    orders["ts"][ref[buy]] = t[lo + link.size:lo + link.size + buy.size] // 1000
    order = np.lexsort((ev["key"], ev["session"], t))
    return {"seq": np.arange(n), "member": member[ev["session"]][order].astype(np.int32), "t": t[order],
            "ev": ev["ev"][order].astype(np.int8), "page": ev["page"][order].astype(np.int8),
            "chat": ev["chat"][order].astype(np.int32), "content": ev["content"][order].astype(np.int32),
            "ctype": ev["ctype"][order].astype(np.int8), "element": el[order].astype(np.int8),
            "x": x[order], "y": y[order], "msg": msg[order].astype(np.int32), "ord": ordi[order].astype(np.int32),
            "post_id": post[order]}


def _times(rng, ev: dict, start_ms: np.ndarray) -> np.ndarray:
    """Event times: session start plus gaps (seconds apart; a few seconds after a view for an
    interaction), compressed so that a session lasts at most 50 minutes."""
    order = np.lexsort((ev["key"], ev["session"]))
    s = ev["session"][order]
    e = ev["ev"][order]
    n = s.size
    gap = np.clip(rng.lognormal(np.log(20_000), 0.8, n), 2_000, 150_000)
    gap = np.where(np.isin(e, [S.EV["like"], S.EV["comment"], S.EV["share"]]), rng.uniform(2_000, 15_000, n), gap)
    gap = np.where(e == S.EV["click"], rng.uniform(1_000, 20_000, n), gap)
    gap = np.where(e == S.EV["post"], rng.uniform(5_000, 60_000, n), gap)
    first = np.r_[True, s[1:] != s[:-1]]
    gap[first] = 0
    cs = np.cumsum(gap)
    start_idx = np.flatnonzero(first)
    seg = np.cumsum(first) - 1
    offset = cs - cs[start_idx][seg]
    dur = np.maximum.reduceat(offset, start_idx)
    factor = np.minimum(1.0, MAX_SESSION_MS / np.maximum(dur, 1))
    t_sorted = start_ms[s] + np.floor(offset * factor[seg]).astype(np.int64)
    t = np.empty(n, dtype=np.int64)
    t[order] = t_sorted
    return t
