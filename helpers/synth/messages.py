"""The WeCom message archive (one JSON-lines file a day) and the group-chat daily statistics.

Customers write on their active days in the chats where they are active (text from the phrase
banks, some images, stickers and links; exactly 1% of archived customer texts carry the sender's
phone); staff answer questions after a lognormal delay; robots auto-reply to logistics questions
and post a daily notice; in the community programme's treatment chats staff post two check-in
prompts a day during the test period. Only customers who agreed are archived; every message
counts in ``groupchat/statistic``.

``labels/chat_sentiment.csv`` is the analyst's hand-labelling of a uniform random sample of
``LABELLED_MESSAGES`` archived customer texts (their planted sentiment; texts replaced by a phone line
are not drawn), as a team would label a few hundred messages to check a sentiment model. The sample is
drawn from its own random stream, so the archive does not depend on it.
"""
from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from tqdm import tqdm  # plain bars: these run from the command line, not in notebooks

from helpers.synth import identifiers, render as R, targets as T, texts
from helpers.synth.activity import AGREE, DISAGREE
from helpers.synth.clock import DAY_S, Clock
from helpers.synth.writers import Writer

CUSTOMER, STAFF, ROBOT, CONSENT = 0, 1, 2, 3
TEXT, IMAGE, EMOTION, LINK, AGREE_T, DISAGREE_T = range(6)
MSGTYPE_P = [0.85, 0.07, 0.05, 0.03]
TOPIC_P = {"tier3": [0.35, 0.16, 0.16, 0.18, 0.15], "other": [0.15, 0.2, 0.2, 0.25, 0.2]}
SENT_P = {"logistics": [0.25, 0.30, 0.45], "other": [0.45, 0.35, 0.20]}
STAFF_REPLY_P, ROBOT_REPLY_P = 0.75, 0.5
LABELLED_MESSAGES = 400
STAT_FIELDS = ("new_chat_cnt", "chat_total", "chat_has_msg", "new_member_cnt", "member_total", "member_has_msg",
               "msg_total", "migrate_trainee_chat_cnt")

def _customer(rng, clock, d, people, act, a_idx, state) -> dict:
    amd = act.amd
    rows = a_idx[amd["n_msgs"][a_idx] > 0]
    k = amd["n_msgs"][rows].astype(np.int64)
    mem = np.repeat(amd["member"][rows], k)
    n = mem.size
    chat = np.repeat(amd["chat"][rows], k)
    archived = np.repeat(amd["archived"][rows], k)
    t = (clock.day_start(d) + rng.integers(7 * 3600, DAY_S, n)) * 1000 + rng.integers(0, 1000, n)
    mt = rng.choice(4, n, p=MSGTYPE_P)
    tier3 = people.tier[mem] == 3
    topic = np.where(tier3, rng.choice(5, n, p=TOPIC_P["tier3"]), rng.choice(5, n, p=TOPIC_P["other"]))
    sent = np.where(topic == 0, rng.choice(3, n, p=SENT_P["logistics"]), rng.choice(3, n, p=SENT_P["other"]))
    english = rng.random(n) < 0.07
    bank = texts.feedback_bank()
    ti = bank.draw(rng, texts.feedback_group(topic, sent, english))
    txt = bank.texts[ti].copy()
    question = bank.question[ti] & (mt == TEXT)
    txt[mt == LINK] = np.array(texts.LINK_TITLES, dtype=object)[rng.integers(0, len(texts.LINK_TITLES), (mt == LINK).sum())]
    txt[(mt == IMAGE) | (mt == EMOTION)] = None
    # exactly 1% of archived customer texts carry the sender's phone (carried rounding over days)
    cand = np.flatnonzero(archived & (mt == TEXT))
    state["texts"] += cand.size
    k_ph = max(0, min(int(round(T.CHAT_PHONE_SHARE * state["texts"])) - state["phones"], cand.size))
    ph = rng.permutation(cand)[:k_ph]
    state["phones"] += ph.size
    tmpl = rng.integers(0, len(texts.PHONE_LINES), ph.size)
    head = np.array([x.split("{}")[0] for x in texts.PHONE_LINES], dtype=object)[tmpl]
    tail = np.array([x.split("{}")[1] for x in texts.PHONE_LINES], dtype=object)[tmpl]
    txt[ph] = head + identifiers.format_phones(rng, people.phone[mem[ph]], (0.7, 0.2, 0.0, 0.1)) + tail
    question[ph] = False
    sent = np.where(mt == TEXT, sent, -1)
    sent[ph] = -1
    return {"kind": np.full(n, CUSTOMER), "sender": mem, "chat": chat, "t": t, "mt": mt, "txt": txt,
            "archived": archived, "question": question, "logistics": topic == 0, "sent": sent}


def run(w: Writer, rng: np.random.Generator, clock: Clock, people, comm, act, progress: bool = True) -> dict:
    amd = act.amd
    order = np.argsort(amd["day"], kind="stable")
    bounds = np.searchsorted(amd["day"][order], np.arange(clock.n_days + 1))
    stats = np.zeros((clock.n_days, comm.n_chats, 2), dtype=np.int64)  # per chat: messages, distinct senders
    state = {"texts": 0, "phones": 0, "pending": None, "archived_customer": 0}
    labels = _Labels(rng.spawn(1)[0], LABELLED_MESSAGES)  # a child stream: rng's own draws are unchanged
    staff_ids = comm.staff_userid
    follow = comm.owner[comm.home]
    robots = comm.robots[np.arange(comm.n_chats) % comm.robots.size]
    lk = {"from": R.literals(np.r_[people.external_userid, staff_ids, robots]), "staff": R.literals(staff_ids),
          "room": R.literals(np.r_[[""], comm.chat_id]),
          "staff_at": people.external_userid.size, "robot_at": people.external_userid.size + staff_ids.size}
    for d in tqdm(range(clock.n_days), desc="archive", disable=not progress):  # loop over days
        c = _customer(rng, clock, d, people, act, order[bounds[d]:bounds[d + 1]], state)
        parts = [c, _replies(rng, comm, c), _notices(rng, clock, d, comm)]
        if state["pending"] is not None:
            parts.append(state["pending"])
        m = {k: np.concatenate([p[k] for p in parts]) for k in ("kind", "sender", "chat", "t", "mt", "txt", "archived", "sent")}
        late = m["t"] >= clock.day_start(d + 1) * 1000
        state["pending"] = {k: v[late] for k, v in m.items()} if late.any() else None
        m = {k: v[~late] for k, v in m.items()}
        _count(stats[d], m, comm)
        cons = np.flatnonzero((act.consent_day == d) & (act.consent != 2))
        keep = m["archived"]
        state["archived_customer"] += int((keep & (m["kind"] == CUSTOMER)).sum())
        kind = np.r_[m["kind"][keep], np.full(cons.size, CONSENT)]
        sender = np.r_[m["sender"][keep], cons]
        chat = np.r_[m["chat"][keep], np.full(cons.size, -1)]
        who = np.where(kind == STAFF, lk["staff_at"] + sender, np.where(kind == ROBOT, lk["robot_at"] + sender, sender))
        to = np.where(chat >= 0, comm.owner[np.maximum(chat, 0)], follow[np.where(chat < 0, sender, 0)])
        t = np.r_[m["t"][keep], act.consent_ts[cons] * 1000 + rng.integers(0, 1000, cons.size)]
        mt = np.r_[m["mt"][keep], np.where(act.consent[cons] == AGREE, AGREE_T, DISAGREE_T)]
        base = 10**18 + d * 10**15 + int(rng.integers(0, 10**14))
        n = kind.size
        txt = np.r_[m["txt"][keep], np.full(cons.size, None)]
        by_time = np.lexsort((np.arange(n), t))          # the archive is in time order
        cols = {"num": base + by_time, "who": who[by_time], "to": to[by_time], "room": chat[by_time] + 1,
                "t": t[by_time], "mt": mt[by_time], "txt": txt[by_time]}
        sent = np.r_[m["sent"][keep], np.full(cons.size, -1)][by_time]
        labels.offer(sent, lambda rows: [f"{n}_{s}_external" for n, s in zip(cols["num"][rows], cols["t"][rows] // 1000)])
        w.lines_later(f"wecom/msgaudit/messages_{clock.day_label(d)}.jsonl", n, partial(_render, lk, cols),
                      "wecom/msgaudit")
    w.drain()
    w.csv("labels/chat_sentiment.csv", labels.frame(), "labels")
    realized = {"chat_phone_share": state["phones"] / max(state["texts"], 1),
                "chat_negative_share": labels.negative / max(labels.seen, 1)}
    return {"stats": stats, "realized": realized}


class _Labels:
    """A uniform random sample of ``k`` labelled messages without storing the others (bottom-k of random
    keys), and the count of negative ones among all offered."""

    def __init__(self, rng: np.random.Generator, k: int):
        self.rng, self.k = rng, k
        self.keys, self.ids, self.sent = np.empty(0), np.empty(0, dtype=object), np.empty(0, dtype=np.int64)
        self.seen = self.negative = 0

    def offer(self, sent: np.ndarray, ids_of) -> None:
        rows = np.flatnonzero(sent >= 0)
        self.seen += rows.size
        self.negative += int((sent[rows] == texts.SENTIMENTS.index("negative")).sum())
        key = self.rng.random(rows.size)
        cut = self.keys[-1] if self.keys.size >= self.k else np.inf  # kept sorted: the k-th smallest key
        rows, key = rows[key < cut], key[key < cut]
        keys, ids, lab = np.r_[self.keys, key], np.r_[self.ids, np.array(ids_of(rows), dtype=object)], np.r_[self.sent, sent[rows]]
        top = np.argsort(keys, kind="stable")[: self.k]
        self.keys, self.ids, self.sent = keys[top], ids[top], lab[top]

    def frame(self) -> pd.DataFrame:
        out = pd.DataFrame({"msgid": self.ids, "label": np.array(texts.SENTIMENTS, dtype=object)[self.sent]})
        return out.sort_values("msgid", kind="stable").reset_index(drop=True)


def _render(lk: dict, c: dict) -> pa.Array:
    """One archive record per message, in the layout of the archive SDK (``tolist`` holds the chat owner,
    or for one-to-one records the customer's follow-up staff; ``roomid`` is empty there)."""
    mt, t = c["mt"], c["t"]
    mid = R.concat(R.text(c["num"]), "_", R.text(t // 1000), "_external")

    def media(rows, kind):
        m = mid.take(pa.array(rows))
        tr = t[rows]
        if kind == IMAGE:
            return R.concat(',"msgtype":"image","image":{"md5sum":"', R.md5_hex(m), '","filesize":',
                            R.text(20000 + tr % 900000), ',"sdkfileid":"CtY', R.md5_hex(m, "f"), '"}}')
        if kind == EMOTION:
            return R.concat(',"msgtype":"emotion","emotion":{"type":', R.text(1 + tr % 2),
                            ',"width":240,"height":240,"imagesize":', R.text(8000 + tr % 40000), ',"md5sum":"',
                            R.md5_hex(m), '"}}')
        return R.concat(',"msgtype":"link","link":{"title":', R.distinct(c["txt"][rows]),
                        ',"description":"点击查看详情","link_url":"https://m.brand.cn/s/',
                        pc.utf8_slice_codeunits(R.md5_hex(m), 0, 10), '","image_url":"https://img.brand.cn/',
                        pc.utf8_slice_codeunits(R.md5_hex(m, "i"), 0, 16), '.jpg"}}')

    def consent(rows, name):
        return R.concat(f',"msgtype":"{name}","{name}":{{"userid":', R.pick(lk["from"], c["who"][rows]),
                        f',"{name}_time":', R.text(t[rows]), "}}")

    return R.concat(
        '{"msgid":"', mid, '","action":"send","from":', R.pick(lk["from"], c["who"]), ',"tolist":[',
        R.pick(lk["staff"], c["to"]), '],"roomid":', R.pick(lk["room"], c["room"]), ',"msgtime":', R.text(t),
        R.on(mt == TEXT, lambda rows: R.concat(',"msgtype":"text","text":{"content":', R.distinct(c["txt"][rows]),
                                               "}}")),
        R.on(mt == IMAGE, partial(media, kind=IMAGE)), R.on(mt == EMOTION, partial(media, kind=EMOTION)),
        R.on(mt == LINK, partial(media, kind=LINK)), R.on(mt == AGREE_T, partial(consent, name="agree")),
        R.on(mt == DISAGREE_T, partial(consent, name="disagree")), "\n")


def _replies(rng, comm, c: dict) -> dict:
    q = np.flatnonzero(c["question"] & (rng.random(c["question"].size) < STAFF_REPLY_P))
    r = np.flatnonzero(c["question"] & c["logistics"] & (rng.random(c["question"].size) < ROBOT_REPLY_P))
    chat = np.r_[c["chat"][q], c["chat"][r]]
    staff = np.where(rng.random(q.size) < 0.7, comm.owner[c["chat"][q]], comm.assistant[c["chat"][q]])
    delay = np.r_[np.clip(rng.lognormal(np.log(360_000), 1.0, q.size), 20_000, 36 * 3_600_000),
                  rng.integers(2_000, 6_000, r.size)]
    n = chat.size
    txt = np.r_[np.array(texts.STAFF_REPLIES, dtype=object)[rng.integers(0, len(texts.STAFF_REPLIES), q.size)],
                np.array(texts.ROBOT_REPLIES, dtype=object)[rng.integers(0, len(texts.ROBOT_REPLIES), r.size)]]
    return {"kind": np.r_[np.full(q.size, STAFF), np.full(r.size, ROBOT)], "sender": np.r_[staff, chat[q.size:]],
            "chat": chat, "t": np.r_[c["t"][q], c["t"][r]] + delay.astype(np.int64), "mt": np.zeros(n, dtype=np.int64),
            "txt": txt, "archived": np.ones(n, dtype=bool), "sent": np.full(n, -1)}


def _notices(rng, clock, d, comm) -> dict:
    n = comm.n_chats
    chats = np.arange(n)
    t = (clock.day_start(d) + 9 * 3600 + rng.integers(0, 600, n)) * 1000
    kind = np.full(n, ROBOT)
    sender = chats.copy()
    txt = np.array(texts.ROBOT_NOTICES, dtype=object)[rng.integers(0, len(texts.ROBOT_NOTICES), n)]
    if clock.period_codes(d) == 2:
        tc = np.flatnonzero(comm.arm == 1)
        tc2 = np.r_[tc, tc]
        hours = np.repeat([10, 20], tc.size)
        chats = np.r_[chats, tc2]
        t = np.r_[t, (clock.day_start(d) + hours * 3600 + rng.integers(0, 900, tc2.size)) * 1000]
        kind = np.r_[kind, np.full(tc2.size, STAFF)]
        sender = np.r_[sender, comm.owner[tc2]]
        txt = np.r_[txt, np.array(texts.PROGRAMME_POSTS, dtype=object)[rng.integers(0, len(texts.PROGRAMME_POSTS), tc2.size)]]
    return {"kind": kind, "sender": sender, "chat": chats, "t": t, "mt": np.zeros(chats.size, dtype=np.int64),
            "txt": txt, "archived": np.ones(chats.size, dtype=bool), "sent": np.full(chats.size, -1)}


def _count(day_stats: np.ndarray, m: dict, comm) -> None:
    """Per chat: messages, distinct senders (customers and staff)."""
    n = comm.n_chats
    day_stats[:, 0] = np.bincount(m["chat"], minlength=n)
    human = m["kind"] != ROBOT
    key = np.unique(m["chat"][human].astype(np.int64) * 10**7 + m["kind"][human] * 10**6 + m["sender"][human])
    day_stats[:, 1] = np.bincount(key // 10**7, minlength=n)
