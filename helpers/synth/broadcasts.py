"""Mass messages (群发): staff send a link to part of their customers every few days; a member
"opens" a delivered message by opening its link (a tracked ``link_open`` within 72 h).

In the test period every send is split: the ``broadcast_personalization`` treatment arm gets a
personalized version (its own msgid). Opens are planted with exact counts per period and arm
(20% of delivered sends; 26% for the treatment arm in the test period); which sends are opened follows
a persistent habit weight per member, so a member's pre-period opens predict their test-period opens.
"""
from __future__ import annotations

import numpy as np

from helpers.synth import identifiers, targets as T, texts
from helpers.synth.clock import Clock
from helpers.synth.communities import Communities

CONTENT_TYPES = np.array(["skin_update", "guide", "promotion", "news", "event"], dtype=object)
LINK_PAGE = np.array([1, 1, 7, 1, 3])      # journeys page codes: content_list, mall, itinerary_consult
PAGE_SLUG = np.array(["home", "content_list", "post_detail", "itinerary_consult", "booking_form",
                      "booking_success", "member_center", "mall"], dtype=object)
STATUS = np.array([1, 0, 2, 3], dtype=np.int8)
STATUS_P = [0.88, 0.04, 0.04, 0.04]
EVERY_DAYS, TARGET_SHARE = 4, 0.5
HABIT_SHAPE = 0.5  # gamma shape of the open habit: smaller is more unequal (0.5: pre/test opens per member correlate about 0.5)


def build(rng: np.random.Generator, clock: Clock, comm: Communities, n_members: int, variant: np.ndarray) -> dict:
    """``variant``: broadcast_personalization arm of each member (0 control, 1 treatment)."""
    n_staff = comm.staff_userid.size
    follow = comm.owner[comm.home]                       # the staff member who added the customer
    phase = rng.integers(0, EVERY_DAYS, n_staff)
    test0 = clock.test_start
    msgs = {k: [] for k in ("creator", "create_ts", "ctype", "personalized", "day", "group")}
    sends = {k: [] for k in ("msg", "member", "status", "ts")}
    for d in range(clock.n_days):  # loop over days
        senders = np.flatnonzero((d - phase) % EVERY_DAYS == 0)
        if senders.size == 0:
            continue
        n_new = senders.size * (2 if d >= test0 else 1)
        base = sum(len(x) for x in msgs["creator"])
        create = clock.day_start(d) + 9 * 3600 + 1800 + rng.integers(0, 1800, senders.size)
        ctype = rng.integers(0, CONTENT_TYPES.size, senders.size)
        versions = 2 if d >= test0 else 1
        msgs["creator"].append(np.tile(senders, versions))
        msgs["create_ts"].append(np.tile(create, versions))
        msgs["ctype"].append(np.tile(ctype, versions))
        msgs["personalized"].append(np.repeat(np.arange(versions) == 1, senders.size))
        msgs["day"].append(np.full(n_new, d))
        msgs["group"].append(np.zeros(n_new, dtype=bool))
        pos = np.full(n_staff, -1)
        pos[senders] = np.arange(senders.size)
        m = np.flatnonzero((pos[follow] >= 0) & (rng.random(n_members) < TARGET_SHARE))
        k = pos[follow[m]]
        msg = base + k + (senders.size * variant[m] if d >= test0 else 0)
        st = STATUS[rng.choice(4, m.size, p=STATUS_P)]
        sends["msg"].append(msg)
        sends["member"].append(m)
        sends["status"].append(st)
        sends["ts"].append(np.where(st == 0, -1, create[k] + rng.integers(30, 1500, m.size)))
    out = {k: np.concatenate(v) for k, v in msgs.items()}
    out.update({f"send_{k}": np.concatenate(v) for k, v in sends.items()})
    n_msg = out["creator"].size
    out["msgid"] = identifiers.unique_ids(rng, n_msg, "msg", 27)
    _texts(rng, out)
    _group_sends(rng, clock, comm, out)
    _opens(rng, clock, out, variant)
    return out


def _texts(rng, out: dict) -> None:
    title = np.empty(out["ctype"].size, dtype=object)
    for c, name in enumerate(CONTENT_TYPES):  # loop over content types
        rows = np.flatnonzero(out["ctype"] == c)
        options = np.array(texts.BROADCAST[name], dtype=object)
        title[rows] = options[rng.integers(0, options.size, rows.size)]
    title = np.where(out["personalized"], texts.PERSONALIZED_PREFIX + title, title)
    out["title"] = title
    out["url"] = ("https://m.brand.cn/" + PAGE_SLUG[LINK_PAGE[out["ctype"]]] + "?utm_campaign=" + out["msgid"]
                  + "&content_type=" + CONTENT_TYPES[out["ctype"]])


def _group_sends(rng, clock: Clock, comm: Communities, out: dict) -> None:
    """Weekly mass messages from each owner to their group chats (no link opens are planted)."""
    owners = np.unique(comm.owner)
    days = np.arange(2, clock.n_days, 7)
    creator = np.repeat(owners, days.size)
    day = np.tile(days, owners.size)
    create = clock.day_start(day) + 15 * 3600 + rng.integers(0, 1800, day.size)
    gid = identifiers.unique_ids(rng, day.size, "msg", 27)
    chat_msg = []
    for i in range(len(owners)):  # loop over owners (a few dozen)
        chats = np.flatnonzero(comm.owner == owners[i])
        sel = np.flatnonzero(creator == owners[i])
        chat_msg.append((np.repeat(sel, chats.size), np.tile(chats, sel.size)))
    g_msg = np.concatenate([a for a, _ in chat_msg])
    g_chat = np.concatenate([b for _, b in chat_msg])
    out["group_msgs"] = {"msgid": gid, "creator": creator, "create_ts": create,
                         "title": np.array(texts.ROBOT_NOTICES, dtype=object)[rng.integers(0, len(texts.ROBOT_NOTICES), day.size)]}
    out["group_sends"] = {"msg": g_msg, "chat": g_chat, "send_ts": create[g_msg] + rng.integers(30, 900, g_msg.size)}


def _opens(rng, clock: Clock, out: dict, variant: np.ndarray) -> None:
    member, status = out["send_member"], out["send_status"]
    day = out["day"][out["send_msg"]]
    period = clock.period_codes(day)
    arm = np.where(period == 2, variant[member], -1)
    delivered = status == 1
    opened = np.zeros(member.size, dtype=bool)
    # opening is a habit: each member's odds carry a persistent weight (gamma, mean 1), so past opens
    # predict future ones (what CUPED uses); exact counts per period and arm by Gumbel top-k
    key = np.log(rng.gamma(HABIT_SHAPE, 1 / HABIT_SHAPE, variant.size))[member] + rng.gumbel(size=member.size)
    realized = {}
    for name, (p_sel, a_sel, rate) in {"pre": ((0,), (-1,), T.OPEN_RATE_BASE),
                                       "design": ((1,), (-1,), T.OPEN_RATE_BASE),
                                       "test_control": ((2,), (0,), T.OPEN_RATE_BASE),
                                       "test_treatment": ((2,), (1,), T.OPEN_RATE_TREATMENT)}.items():
        rows = np.flatnonzero(delivered & np.isin(period, p_sel) & np.isin(arm, a_sel))
        k = int(round(rate * rows.size))
        opened[rows[np.argsort(-key[rows], kind="stable")[:k]]] = True
        realized[name] = float(opened[rows].mean()) if rows.size else float("nan")
    o = np.flatnonzero(opened)
    delay = rng.choice(3, o.size, p=[0.55, 0.30, 0.15])
    delay = np.where(day[o] + delay > clock.n_days - 1, 0, delay)
    msg = out["send_msg"][o]
    out["opens"] = {"send": o, "member": member[o], "msg": msg, "day": day[o] + delay, "same_day": delay == 0,
                    "page": LINK_PAGE[out["ctype"][msg]], "ctype": out["ctype"][msg]}
    out["realized_open_rate"] = realized
