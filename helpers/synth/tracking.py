"""Mini-program tracking events, one JSON-lines file per local day.

Per day: sessions of members who are active (1-3 sessions) or just browsing (1), link-open
sessions from mass messages, purchase sessions for tracked orders; page paths; planted itinerary
bounces (exact per period and ``nav_fix`` arm); content interactions (exact per age group and
content type); and a ``post`` for every active member-day that no archived message or chat-tagged
like/comment anchors. Events are rendered to JSON from Arrow pieces (:mod:`helpers.synth.render`) on
the writer's worker thread while the next day is simulated.
"""
from __future__ import annotations

from functools import partial

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from tqdm import tqdm  # plain bars: these run from the command line, not in notebooks

from helpers.synth import journeys as J, render as R, sessions as S, targets as T
from helpers.synth.broadcasts import CONTENT_TYPES
from helpers.synth.clock import Clock
from helpers.synth.draws import Choice
from helpers.synth.writers import Writer

CATALOG_SIZE = 600
CATALOG_P = [0.2, 0.25, 0.2, 0.2, 0.15]
INTERACTION_P = [0.6, 0.25, 0.15]           # like, comment, share
SPONTANEOUS_POST = 0.03
MAX_SESSION_MS = 50 * 60 * 1000


def _lookups(rng, people, comm, bc, orders) -> tuple[np.ndarray, dict]:
    """The catalogue's content types and the JSON pieces of every looked-up value (see :func:`_render`)."""
    n = people.n_members
    ctype = rng.choice(5, CATALOG_SIZE, p=CATALOG_P)
    uid = R.literals(people.unionid[:n])
    os_name = np.where(people.os[:n] == 0, "iOS", "Android")
    content_id = np.char.add("c", np.char.zfill(np.arange(1, CATALOG_SIZE + 1).astype(str), 6))
    amount = R.literals(orders["amount"])
    lk = {
        "head": R.concat('{"distinct_id":', uid, ',"type":"track","event":'),
        "props": R.concat(',"properties":{"$city":', R.literals(people.city_name[:n]), ',"$os":', R.literals(os_name)),
        "event": R.concat(R.literals(list(S.EV)), ',"time":'),
        "chat": R.keyed("chat_id", comm.chat_id), "page": R.keyed("page", J.PAGES),
        "content": R.keyed("content_id", content_id), "ctype": R.keyed("content_type", CONTENT_TYPES),
        "element": R.keyed("element", S.ELEMENTS), "campaign": R.keyed("utm_campaign", bc["msgid"]),
        "order": R.concat(R.keyed("order_id", orders["order_id"]), ',"amount":', amount),
    }
    return ctype, lk


def _render(lk: dict, ev: dict) -> pa.Array:
    """One JSON line per event, keys in the SDK's order for each event type::

        {"distinct_id":..,"type":"track","event":..,"time":..,"properties":{"$city":..,"$os":..,<by event>}}

    page_view: [chat_id], page; post_view, like, comment, share: [chat_id], page, content_id,
    content_type; post: chat_id, content_id, content_type; click: page, element, x, y; link_open:
    utm_campaign, content_type, page; booking_submit: page; purchase: order_id, amount.
    """
    e = ev["ev"]
    viewish = e <= S.EV["share"]
    is_post, click, link = e == S.EV["post"], e == S.EV["click"], e == S.EV["link_open"]

    def xy(rows):
        x10, y10 = (np.rint(ev[k][rows] * 10).astype(np.int64) for k in ("x", "y"))
        return R.concat(',"x":', R.text(x10 // 10), ".", R.text(x10 % 10), ',"y":', R.text(y10 // 10), ".",
                        R.text(y10 % 10))

    def post(rows):
        return R.concat(',"content_id":"p', pc.utf8_lpad(R.text(ev["post_id"][rows]), 8, "0"), '"')

    return R.concat(
        R.pick(lk["head"], ev["member"]), R.pick(lk["event"], e), R.text(ev["t"]), R.pick(lk["props"], ev["member"]),
        R.pick(lk["campaign"], ev["msg"], link), R.pick(lk["ctype"], ev["ctype"], link),
        R.pick(lk["chat"], ev["chat"], (viewish | is_post) & (ev["chat"] >= 0)),
        R.pick(lk["page"], ev["page"], ~is_post & (e <= S.EV["booking_submit"])),
        R.pick(lk["content"], ev["content"], viewish & (e != S.EV["page_view"])), R.on(is_post, post),
        R.pick(lk["ctype"], ev["ctype"], (e >= S.EV["post_view"]) & (e <= S.EV["post"])),
        R.pick(lk["element"], ev["element"], click), R.on(click, xy),
        R.pick(lk["order"], ev["ord"], e == S.EV["purchase"]), "}}\n")


def _by_day(day: np.ndarray, n_days: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(day, kind="stable")
    return order, np.searchsorted(day[order], np.arange(n_days + 1))


def run(w: Writer, rng: np.random.Generator, clock: Clock, people, comm, act, bc: dict, orders: dict,
        nav_variant: np.ndarray, age_group: np.ndarray, progress: bool = True) -> dict:
    n_mem = people.n_members
    cat_type, lk = _lookups(rng, people, comm, bc, orders)
    cat_w = 1.0 / (rng.permutation(CATALOG_SIZE) + 8.0)
    cat_w /= cat_w.sum()
    catalog = Choice(cat_w)
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
    for d in tqdm(range(clock.n_days), desc="tracking", disable=not progress):  # loop over days
        a_idx = amd_order[amd_bounds[d]:amd_bounds[d + 1]]
        o_idx = op_order[op_bounds[d]:op_bounds[d + 1]]
        p_idx = tracked[tr_order[tr_bounds[d]:tr_bounds[d + 1]]]
        ev = _day(rng, clock, d, comm, act, amd, a_idx, op, o_idx, orders, p_idx, n_mem, nav_variant, age_group,
                  cat_type, catalog, bounce_rate, inter_rate, state)
        w.lines_later(f"tracking/events_{clock.day_label(d)}.jsonl", ev["seq"].size, partial(_render, lk, ev),
                      "tracking/events")
        state["events"] += ev["seq"].size
    w.drain()
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
         cat_type, catalog, bounce_rate, inter_rate, state) -> dict:
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
    content = np.where(is_pv, catalog.draw(rng, vs.size), -1)
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
    order = _lexsort((ev["key"], ev["session"], t))
    return {"seq": np.arange(n), "member": member[ev["session"]][order].astype(np.int32), "t": t[order],
            "ev": ev["ev"][order].astype(np.int8), "page": ev["page"][order].astype(np.int8),
            "chat": ev["chat"][order].astype(np.int32), "content": ev["content"][order].astype(np.int32),
            "ctype": ev["ctype"][order].astype(np.int8), "element": el[order].astype(np.int8),
            "x": x[order], "y": y[order], "msg": msg[order].astype(np.int32), "ord": ordi[order].astype(np.int32),
            "post_id": post[order]}


def _times(rng, ev: dict, start_ms: np.ndarray) -> np.ndarray:
    """Event times: session start plus gaps (seconds apart; a few seconds after a view for an
    interaction), compressed so that a session lasts at most 50 minutes."""
    order = _lexsort((ev["key"], ev["session"]))
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


def _lexsort(keys: tuple) -> np.ndarray:
    """``np.lexsort(keys)`` (the last key sorts first) for integer keys: the keys packed into one int64
    when their ranges fit in 63 bits, sorted by the fast unstable sort, and the (rare) runs of equal
    keys put back in index order, which is what the stable lexsort gives. Several times faster."""
    keys = [np.asarray(k, dtype=np.int64) for k in keys]
    if keys[0].size == 0:
        return np.zeros(0, dtype=np.int64)
    low = [int(k.min()) for k in keys]
    bits = [int(k.max() - lo).bit_length() for k, lo in zip(keys, low)]
    if sum(bits) > 63:
        return np.lexsort(keys)
    packed = np.zeros(keys[0].size, dtype=np.int64)
    shift = 0
    for k, lo, b in zip(keys, low, bits):  # loop over the (two or three) keys
        packed |= (k - lo) << shift
        shift += b
    order = np.argsort(packed)
    sp = packed[order]
    tie = sp[1:] == sp[:-1]
    if tie.any():
        at = np.flatnonzero(np.r_[tie, False] | np.r_[False, tie])  # runs of equal keys, in place
        order[at] = order[at][np.lexsort((order[at], sp[at]))]
    return order
