"""The test platform's assignment export and experiment definitions.

``nav_fix`` and ``broadcast_personalization`` randomize all community members 50/50 within
pre-period activity terciles (independently); ``community_programme`` randomizes the 20% least
active group chats within size terciles (done in :mod:`communities`). All are assigned at the
start of the test period.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.synth import targets as T
from helpers.synth.clock import Clock, iso_local
from helpers.synth.writers import Writer

TERCILES = np.array(["low", "mid", "high"], dtype=object)


def activity_terciles(rng: np.random.Generator, pre_days: np.ndarray) -> np.ndarray:
    """Tercile of pre-period active days (ties broken at random), 0 low .. 2 high."""
    order = np.lexsort((rng.random(pre_days.size), pre_days))
    out = np.empty(pre_days.size, dtype=np.int64)
    out[order] = np.arange(pre_days.size) * 3 // pre_days.size
    return out


def assign_members(rng: np.random.Generator, strata: np.ndarray) -> np.ndarray:
    """Exactly half of each stratum (the odd one at random) to treatment (1)."""
    out = np.zeros(strata.size, dtype=np.int8)
    for s in np.unique(strata):  # loop over strata
        rows = rng.permutation(np.flatnonzero(strata == s))
        k = rows.size // 2 + int(rows.size % 2 == 1 and rng.random() < 0.5)
        out[rows[:k]] = 1
    return out


def write(w: Writer, clock: Clock, people, comm, nav: np.ndarray, bp: np.ndarray, strata: np.ndarray) -> None:
    n = people.n_members
    at = str(iso_local(np.array([clock.t0 + clock.test_start * 86_400]))[0])
    prog = np.flatnonzero(comm.arm >= 0)
    variant = np.array(["control", "treatment"], dtype=object)
    frame = pd.DataFrame({
        "experiment_id": np.r_[np.full(n, "nav_fix"), np.full(n, "broadcast_personalization"),
                               np.full(prog.size, "community_programme")],
        "unit_type": np.r_[np.full(2 * n, "member"), np.full(prog.size, "community")],
        "unit_id": np.r_[people.unionid[:n], people.unionid[:n], comm.chat_id[prog]],
        "variant": np.r_[variant[nav], variant[bp], variant[comm.arm[prog]]],
        "assigned_at": at,
        "stratum": np.r_[TERCILES[strata], TERCILES[strata], comm.stratum[prog]]})
    w.csv("experiments/assignments.csv", frame, "experiments/assignments")
    start, end = clock.timeline.test
    period = {"start": start.isoformat(), "end": end.isoformat()}
    exps = [
        {"experiment_id": "nav_fix", "name": "行程咨询页导航修复", "unit_type": "member",
         "hypothesis": "A visible bottom navigation button on itinerary_consult lowers its bounce rate.",
         "primary_metric": "itinerary_consult bounce rate", **period, "variants": ["control", "treatment"]},
        {"experiment_id": "broadcast_personalization", "name": "群发内容个性化", "unit_type": "member",
         "hypothesis": "Personalized mass messages are opened more often.",
         "primary_metric": "mass-message open rate (link opened within 72 h of a delivered send)", **period,
         "variants": ["control", "treatment"]},
        {"experiment_id": "community_programme", "name": "数据驱动社群运营计划", "unit_type": "community",
         "hypothesis": "Daily check-in prompts and content raise the daily activity rate of low-activity chats.",
         "primary_metric": "daily activity rate (active members / current members)", **period,
         "variants": ["control", "treatment"]},
    ]
    w.json("experiments/experiments.json", {"experiments": exps}, "experiments/experiments", len(exps))


def planted_effects() -> dict:
    return {
        "nav_fix": {"metric": "itinerary_bounce", "control": T.BOUNCE_TEST_CONTROL, "treatment": T.BOUNCE_TEST_TREATMENT,
                    "pre": T.BOUNCE_PRE, "effect": T.BOUNCE_TEST_TREATMENT - T.BOUNCE_TEST_CONTROL},
        "broadcast_personalization": {"metric": "open_rate", "control": T.OPEN_RATE_BASE,
                                      "treatment": T.OPEN_RATE_TREATMENT, "pre": T.OPEN_RATE_BASE,
                                      "effect": T.OPEN_RATE_TREATMENT - T.OPEN_RATE_BASE},
        "community_programme": {"metric": "community_activity", "control": T.ACTIVITY_PROGRAMME_CONTROL,
                                "treatment": T.ACTIVITY_PROGRAMME_TREATMENT, "pre": T.ACTIVITY_PROGRAMME_PRE,
                                "did": (T.ACTIVITY_PROGRAMME_TREATMENT - T.ACTIVITY_PROGRAMME_PRE)
                                - (T.ACTIVITY_PROGRAMME_CONTROL - T.ACTIVITY_PROGRAMME_PRE),
                                "contamination_share": T.CONTAMINATION_SHARE},
    }
