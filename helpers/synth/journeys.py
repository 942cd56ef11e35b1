"""Page paths inside mini-program sessions: a Markov chain over pages, walked step by step for all
sessions at once.

``itinerary_consult`` appears at most once per session and never ends a session by itself: a
bounce there is planted afterwards by truncating the session (see :mod:`tracking`).
"""
from __future__ import annotations

import numpy as np

PAGES = ("home", "content_list", "post_detail", "itinerary_consult", "booking_form", "booking_success",
         "member_center", "mall")
HOME, LIST, POST, ITIN, FORM, SUCCESS, CENTER, MALL = range(8)
END = 8
MAX_STEPS = 8

P = np.zeros((9, 9))
P[HOME, [LIST, ITIN, CENTER, MALL, END]] = [0.35, 0.18, 0.10, 0.15, 0.22]
P[LIST, [POST, HOME, END]] = [0.60, 0.10, 0.30]
P[POST, [POST, LIST, HOME, END]] = [0.30, 0.25, 0.10, 0.35]
P[ITIN, [FORM, HOME, LIST, MALL]] = [0.45, 0.25, 0.15, 0.15]
P[FORM, [SUCCESS, HOME, END]] = [0.55, 0.15, 0.30]       # -> booking_success means a booking_submit
P[SUCCESS, [HOME, END]] = [0.30, 0.70]
P[CENTER, [HOME, MALL, END]] = [0.30, 0.20, 0.50]
P[MALL, [HOME, LIST, END]] = [0.20, 0.10, 0.70]
P[END, END] = 1.0


def walk(rng: np.random.Generator, start: np.ndarray, content_ok: np.ndarray) -> dict[str, np.ndarray]:
    """Walk every session from its ``start`` page. Without ``content_ok`` (a day with no activity)
    posts are not opened. Returns page visits ``session, step, page`` (step 0 = the start page)."""
    n = start.size
    state = start.astype(np.int64).copy()
    seen_itin = state == ITIN
    out_s, out_t, out_p = [np.arange(n)], [np.zeros(n, dtype=np.int64)], [state.copy()]
    for step in range(1, MAX_STEPS + 2):  # loop over steps
        live = np.flatnonzero(state != END)
        if live.size == 0:
            break
        if step > MAX_STEPS:  # only sessions sitting on itinerary_consult take one more step
            live = live[state[live] == ITIN]
            state[(state != END) & (state != ITIN)] = END
            if live.size == 0:
                break
        no_post, seen = ~content_ok[live], seen_itin[live]
        u = rng.random(live.size)
        if step <= MAX_STEPS:  # the next page is the number of cumulative probabilities below u
            variant = state[live] * 4 + no_post * 2 + seen
            nxt = np.zeros(live.size, dtype=np.int64)
            for col in _CDF:  # loop over the 9 pages
                nxt += u > col[variant]
        else:
            probs = _transitions(state[live], no_post, seen)
            probs[:, END] = 0.0
            probs /= probs.sum(axis=1, keepdims=True)
            nxt = (u[:, None] > np.cumsum(probs, axis=1)).sum(axis=1)
        nxt = np.minimum(nxt, END)
        state[live] = nxt
        seen_itin[live] |= nxt == ITIN
        moved = nxt != END
        out_s.append(live[moved])
        out_t.append(np.full(int(moved.sum()), step))
        out_p.append(nxt[moved])
    return {"session": np.concatenate(out_s), "step": np.concatenate(out_t), "page": np.concatenate(out_p)}


def _transitions(state: np.ndarray, no_post: np.ndarray, seen: np.ndarray) -> np.ndarray:
    """Transition probabilities of sessions on ``state``: no post is opened on a day without content
    (``no_post``: that mass ends the session), itinerary_consult is not revisited (``seen``: back home)."""
    probs = P[state].copy()
    probs[no_post, END] += probs[no_post, POST]
    probs[no_post, POST] = 0.0
    probs[seen, HOME] += probs[seen, ITIN]
    probs[seen, ITIN] = 0.0
    return probs


# cumulative transition probabilities of every (state, no_post, seen) variant, row state * 4 + no_post * 2
# + seen, one array per next page: the same arithmetic as row by row, a table lookup per session
_ROWS = np.arange(36)
_CDF = tuple(np.cumsum(_transitions(_ROWS // 4, (_ROWS // 2) % 2 == 1, _ROWS % 2 == 1), axis=1).T.copy())
