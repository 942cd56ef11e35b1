"""Customer group chats, their staff and robots, and memberships (joins, leaves, re-joins).

A membership row is one member in one chat for one stay. Row kinds: 0 home chat (joined before
the study), 1 second chat (the programme's contamination, joined before the study), 2 re-join
during the study. ``first_day``/``last_day`` bound the days the member was in the chat for the
whole day (the denominator of a community's daily activity rate).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from helpers.synth import identifiers, names, targets as T, texts
from helpers.synth.clock import DAY_S, Clock

HOME, SECOND, REJOIN = 0, 1, 2
TEAMS = ("华东社群组", "华南社群组", "华北社群组", "西部社群组")
POSITIONS = ("社群运营", "社群经理", "会员顾问", "客服专员")
LEAVE_SHARE, REJOIN_SHARE = 0.04, 0.4


@dataclass
class Communities:
    chat_id: np.ndarray
    name: np.ndarray
    topic: np.ndarray
    owner: np.ndarray            # staff index
    assistant: np.ndarray        # staff index
    create_ts: np.ndarray
    arm: np.ndarray              # -1 not in the programme, 0 control, 1 treatment
    stratum: np.ndarray
    case_chat: int
    staff_userid: np.ndarray
    staff_name: np.ndarray
    staff_team: np.ndarray
    staff_position: np.ndarray
    robots: np.ndarray
    home: np.ndarray             # home chat of each member
    ms: dict[str, np.ndarray]    # membership rows

    @property
    def n_chats(self) -> int:
        return self.chat_id.size

    @property
    def programme(self) -> np.ndarray:
        return self.arm >= 0

    def add_rows(self, rows: dict[str, np.ndarray]) -> None:
        self.ms = {k: np.concatenate([v, rows[k]]) for k, v in self.ms.items()}


def _staff(rng: np.random.Generator, n: int) -> tuple[np.ndarray, ...]:
    nm = names.draw_names(rng, n)
    # WeCom userids like "ZhangWei" or "LiNa2"; a repeated one gets the row number
    base = np.char.add(np.char.capitalize(nm["surname_py"].astype(str)), np.char.capitalize(nm["given_py"].astype(str)))
    userid = base.astype(object) + np.where(rng.random(n) < 0.4, rng.integers(1, 10, n).astype(str), "")
    _, first = np.unique(userid, return_index=True)
    dup = np.ones(n, dtype=bool)
    dup[first] = False
    userid[dup] = userid[dup] + np.arange(n)[dup].astype(str)
    team = np.array(TEAMS, dtype=object)[rng.integers(0, len(TEAMS), n)]
    position = np.array(POSITIONS, dtype=object)[rng.integers(0, len(POSITIONS), n)]
    return userid, nm["full"], team, position


def build(rng: np.random.Generator, clock: Clock, n_members: int, scale: float) -> Communities:
    n_chats = max(T.MIN_CHATS, int(round(T.CHATS_AT_SCALE_1 * scale)))
    n_staff = max(10, int(round(n_chats / 5)))
    userid, sname, team, position = _staff(rng, n_staff)
    robots = identifiers.unique_ids(rng, 3, "wb", 30)

    owner = rng.permutation(np.resize(np.arange(n_staff), n_chats)).astype(np.int32)
    assistant = ((owner + rng.integers(1, n_staff, n_chats)) % n_staff).astype(np.int32)
    topic_idx = rng.integers(0, len(texts.CHAT_TOPICS), n_chats)
    topics = np.array([t for t, _ in texts.CHAT_TOPICS], dtype=object)[topic_idx]
    seq = np.zeros(n_chats, dtype=np.int64)
    for t in range(len(texts.CHAT_TOPICS)):  # number the chats of each topic
        rows = np.flatnonzero(topic_idx == t)
        seq[rows] = np.arange(1, rows.size + 1)
    cn = np.array([c for _, c in texts.CHAT_TOPICS], dtype=object)[topic_idx]
    name = cn + np.char.zfill(seq.astype(str), 2).astype(object) + "群"
    create_ts = clock.t0 - rng.integers(60 * DAY_S, 720 * DAY_S, n_chats)

    # home chat of each member: a minimum size, then proportional to a lognormal weight
    weight = rng.lognormal(0.0, 0.6, n_chats)
    min_size = min(5, n_members // n_chats)
    home = np.empty(n_members, dtype=np.int32)
    perm = rng.permutation(n_members)
    k = min_size * n_chats
    home[perm[:k]] = np.arange(k) % n_chats
    home[perm[k:]] = rng.choice(n_chats, size=n_members - k, p=weight / weight.sum())
    size = np.bincount(home, minlength=n_chats)

    # the programme: 20% of chats (at least 10), randomized within size terciles
    n_prog = max(T.PROGRAMME_MIN_CHATS, int(round(T.PROGRAMME_CHAT_SHARE * n_chats)))
    prog = np.sort(rng.choice(n_chats, size=n_prog, replace=False))
    arm = np.full(n_chats, -1, dtype=np.int8)
    stratum = np.full(n_chats, "", dtype=object)
    order = prog[np.argsort(size[prog], kind="stable")]
    extra = int(rng.random() < 0.5)  # odd strata give their spare chat to the arms in turn
    for s, part in enumerate(np.array_split(order, 3)):  # loop over the three strata
        stratum[part] = ("small", "medium", "large")[s]
        shuffled = rng.permutation(part)
        n_t = part.size // 2 + (extra if part.size % 2 else 0)
        extra = 1 - extra if part.size % 2 else extra
        arm[shuffled[:n_t]] = 1
        arm[shuffled[n_t:]] = 0

    join_ts = clock.t0 - 3600 - (rng.random(n_members) * (clock.t0 - 3600 - create_ts[home] - DAY_S)).astype(np.int64)
    ms = {
        "member": np.arange(n_members, dtype=np.int32), "chat": home.copy(),
        "join_ts": join_ts, "scene": rng.choice(np.array([1, 2, 3], dtype=np.int8), n_members, p=[0.2, 0.35, 0.45]),
        "invitor": np.where(rng.random(n_members) < 0.7, owner[home], assistant[home]).astype(np.int32),
        "leave_ts": np.full(n_members, -1, dtype=np.int64), "quit_scene": np.full(n_members, -1, dtype=np.int8),
        "kind": np.zeros(n_members, dtype=np.int8),
        "first_day": np.zeros(n_members, dtype=np.int16),
        "last_day": np.full(n_members, clock.n_days - 1, dtype=np.int16),
    }
    comm = Communities(identifiers.unique_ids(rng, n_chats, "wr", 28), name, topics, owner, assistant, create_ts,
                       arm, stratum, -1, userid, sname, team, position, robots, home, ms)
    _contaminate(rng, clock, comm)
    # the case study: the treated chat with the most members at the start (second memberships included)
    treated = np.flatnonzero(arm == 1)
    at_start = np.bincount(comm.ms["chat"], minlength=n_chats)
    comm.case_chat = int(treated[np.argmax(at_start[treated])])
    return comm


def _contaminate(rng: np.random.Generator, clock: Clock, comm: Communities) -> None:
    """Exactly 3% of programme members also join a chat of the other arm before the study."""
    members = np.flatnonzero(comm.arm[comm.home] >= 0)
    pick = rng.permutation(members)[: int(round(T.CONTAMINATION_SHARE * members.size))]
    other_arm = 1 - comm.arm[comm.home[pick]]
    target = np.empty(pick.size, dtype=np.int32)
    for a in (0, 1):  # loop over the two arms
        pool = np.flatnonzero(comm.arm == a)
        rows = np.flatnonzero(other_arm == a)
        target[rows] = pool[rng.integers(0, pool.size, rows.size)]
    n = pick.size
    lo = np.maximum(comm.create_ts[target], clock.t0 - 90 * DAY_S)
    comm.add_rows({
        "member": pick.astype(np.int32), "chat": target, "join_ts": lo + (rng.random(n) * (clock.t0 - 3600 - lo)).astype(np.int64),
        "scene": np.full(n, 2, dtype=np.int8), "invitor": comm.owner[target],
        "leave_ts": np.full(n, -1, dtype=np.int64), "quit_scene": np.full(n, -1, dtype=np.int8),
        "kind": np.full(n, SECOND, dtype=np.int8), "first_day": np.zeros(n, dtype=np.int16),
        "last_day": np.full(n, clock.n_days - 1, dtype=np.int16),
    })


def add_churn(rng: np.random.Generator, clock: Clock, comm: Communities, candidates: np.ndarray) -> None:
    """Exactly 4% of the candidate home rows leave during the study; 40% of leavers re-join."""
    rows = rng.permutation(candidates)[: int(round(LEAVE_SHARE * candidates.size))]
    n = rows.size
    leave_day = rng.integers(1, clock.n_days, n)
    leave_ts = clock.day_start(leave_day) + rng.integers(8 * 3600, 23 * 3600, n)
    comm.ms["leave_ts"][rows] = leave_ts
    comm.ms["quit_scene"][rows] = (rng.random(n) < 0.15).astype(np.int8)
    comm.ms["last_day"][rows] = leave_day - 1
    back_day = leave_day + rng.integers(1, 11, n)
    back = (rng.random(n) < REJOIN_SHARE) & (back_day < clock.n_days)
    r, d = rows[back], back_day[back]
    k = r.size
    chat = comm.ms["chat"][r]
    comm.add_rows({
        "member": comm.ms["member"][r], "chat": chat,
        "join_ts": clock.day_start(d) + rng.integers(8 * 3600, 22 * 3600, k),
        "scene": rng.choice(np.array([2, 3], dtype=np.int8), k), "invitor": comm.owner[chat],
        "leave_ts": np.full(k, -1, dtype=np.int64), "quit_scene": np.full(k, -1, dtype=np.int8),
        "kind": np.full(k, REJOIN, dtype=np.int8), "first_day": (d + 1).astype(np.int16),
        "last_day": np.full(k, clock.n_days - 1, dtype=np.int16),
    })


def current(comm: Communities, day: int) -> np.ndarray:
    """Membership rows in their chat for the whole of ``day``."""
    return (comm.ms["first_day"] <= day) & (comm.ms["last_day"] >= day)


def current_matrix(comm: Communities, rows: np.ndarray, n_days: int) -> np.ndarray:
    """Bool (len(rows), n_days): row is current on the day."""
    days = np.arange(n_days)
    return (comm.ms["first_day"][rows, None] <= days) & (comm.ms["last_day"][rows, None] >= days)
