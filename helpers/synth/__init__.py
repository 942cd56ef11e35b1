"""Sample-enterprise generator: raw vendor exports with planted truth.

``generate(out_dir)`` writes ``out_dir/raw/{wecom,tracking,zendesk,salesforce,experiments}/`` in the
formats of ``docs/data_formats.md``, hand labels under ``out_dir/raw/labels/`` and
``out_dir/raw/ground_truth.json`` (``docs/sample_truth.md``). ``seed`` fixes every draw (the labels and
the planted defects use streams of their own derived from it), so a seed gives byte-identical files.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
from tqdm import tqdm  # plain bars: these run from the command line, not in notebooks

from helpers.synth import defects as planted_defects
from helpers.synth import (activity, broadcasts, communities, experiments, identity, messages, orders, people,
                           salesforce, tickets, tracking, truth, wecom, zendesk)
from helpers.synth.clock import Clock
from helpers.synth.writers import Writer
from helpers.timeline import DEFAULT_START, Timeline

__all__ = [
    "generate",
]

SOURCES = ("wecom", "tracking", "zendesk", "salesforce", "experiments")


def generate(out_dir, scale: float = 0.05, seed: int = 7, start: str = DEFAULT_START, progress: bool = True,
             defects: bool = True) -> dict:
    """Write the sample enterprise's raw exports under ``out_dir/raw/`` and return the ground truth.

    ``scale`` = 1.0 is the deck's community (about 110,000 members, 32,000 daily active); ``seed``
    fixes every random draw; ``start`` is the first day of the 30-day pre-period (Asia/Shanghai).
    Existing source folders under ``out_dir/raw/`` are replaced when they hold an earlier sample
    (``ground_truth.json``); a ``raw/`` with other files is someone's own exports, and the generator
    refuses to touch it (``FileExistsError``). ``defects`` appends realistic dirt
    (duplicate, anonymous, truncated and naive-time rows; see :mod:`helpers.synth.defects`) that ingestion
    must quarantine; ``ground_truth.json['defects']`` counts it and ``counts`` counts the clean rows only.
    """
    if not scale > 0:
        raise ValueError(f"`scale` must be positive; got {scale!r}.")
    raw = Path(out_dir) / "raw"
    if raw.is_dir() and not (raw / "ground_truth.json").exists() and any(p.is_file() for p in raw.rglob("*")):
        raise FileExistsError(f"{raw} holds files but no ground_truth.json: these look like your own exports, which the "
                              "generator would replace. Generate into another data folder (--data-dir), or remove "
                              "the folder yourself if it is a broken sample.")
    for src in SOURCES:
        shutil.rmtree(raw / src, ignore_errors=True)
    raw.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    clock = Clock(Timeline(start))
    w = Writer(raw)
    try:
        bar = tqdm(total=8, desc="synth", disable=not progress)

        def step(name: str) -> None:
            bar.set_postfix_str(name)
            bar.update(1)

        pp = people.build(rng, scale)
        comm = communities.build(rng, clock, pp.n_members, scale)
        step("people and chats")
        act = activity.simulate(rng, clock, comm, pp.n_members, scale)
        step("activity")

        leads = salesforce.build_leads(rng, clock, pp)
        contacts = salesforce.build_contacts(rng, clock, pp, leads)
        opps = salesforce.build_opportunities(rng, clock, leads)
        reg = identity.Registry()
        wecom.write_contacts(w, rng, clock, pp, comm, reg)
        salesforce.register(reg, pp, contacts, leads)
        tk = tickets.build(rng, clock, pp)
        users = zendesk.build_users(rng, clock, pp, tk, reg, scale)
        records = reg.frame()
        ident = identity.summarize(records, pp.n)
        linked = identity.linked_pairs(records, "wecom", "salesforce")
        step("identities")

        pre_days = act.realized["pre_active_days"]
        od = orders.build(rng, clock, pp, contacts, pre_days, linked)
        strata = experiments.activity_terciles(rng, pre_days)
        nav = experiments.assign_members(rng, strata)
        bp = experiments.assign_members(rng, strata)
        bc = broadcasts.build(rng, clock, comm, pp.n_members, bp)
        band = pp.extra["age_band"][:pp.n_members]
        is_linked = np.isin(np.arange(pp.n_members), linked)
        age_group = np.where(band == "18-25", np.where(is_linked, 1, 2), 0)
        step("orders and broadcasts")

        wecom.write_chats(w, rng, clock, pp, comm)
        arch = messages.run(w, rng, clock, pp, comm, act, progress)
        wecom.write_statistics(w, clock, comm, arch["stats"])
        wecom.write_broadcasts(w, pp, comm, bc)
        step("wecom")
        trk = tracking.run(w, rng, clock, pp, comm, act, bc, od, nav, age_group, progress)
        step("tracking")
        salesforce.write(w, rng, pp, contacts, leads, opps, od)
        zd = zendesk.write(w, rng, pp, tk, users)
        tickets.write_labels(w, np.random.default_rng([seed, 98]), tk)  # its own stream: nothing else moves
        zendesk.write_reference(w, pp, users)
        experiments.write(w, clock, pp, comm, nav, bp, strata)
        step("zendesk, salesforce, experiments")
    finally:
        w.close()
    gt = _truth(seed, scale, clock, pp, comm, act, contacts, leads, od, tk, zd, bc, trk, arch, ident, nav, bp, w)
    # extra rows for the quarantine, from their own random stream so the clean sample does not depend on them
    gt["defects"] = planted_defects.plant(raw, np.random.default_rng([seed, 99])) if defects else {}
    (raw / "ground_truth.json").write_text(json.dumps(gt, ensure_ascii=False, indent=1), encoding="utf-8")
    step("ground truth")
    bar.close()
    return gt


def _truth(seed, scale, clock, pp, comm, act, contacts, leads, od, tk, zd, bc, trk, arch, ident, nav, bp, w) -> dict:
    r = act.realized
    tr = tk["realized"]
    m = zd["metrics"]
    solved = ~np.isnan(m["full_resolution_cal"].to_numpy())
    agree = float((np.abs(m["full_resolution_cal"].to_numpy()[solved] - tk["full_min"][solved]) <= 1).mean())
    realized = {
        "dau_pre_mean": r["dau_pre_mean"], "core_share": r["core_share"],
        "age_18_25_share": contacts["realized_age_18_25"],
        "interaction_rate_18_25": {k: trk["interaction_rate"]["18-25_linkable"][k] for k in ("skin_update", "guide")},
        "interaction_rate_other": {k: trk["interaction_rate"]["other"][k] for k in ("skin_update", "guide")},
        "rfm_r5_repurchase_rate": od["realized"]["rfm_r5_repurchase_rate"],
        "rfm_r5_participation_rate": od["realized"]["rfm_r5_participation_rate"],
        "tier3_member_share": float((pp.tier[:pp.n_members] == 3).mean()),
        "tier3_logistics_share": tr["tier3_logistics_share"],
        "tier3_logistics_mean_resolution_hours": tr["tier3_logistics_mean_resolution_hours"],
        "itinerary_bounce": trk["itinerary_bounce"],
        "mean_resolution_hours": tr["mean_resolution_hours"], "signoff_ticket_share": tr["signoff_ticket_share"],
        "signoff_time_share": tr["signoff_time_share"],
        "prospect_conversion_rate": leads["pre_converted_30d"] / max(leads["pre_community"].size, 1),
        "open_rate": {k: bc["realized_open_rate"][k] for k in ("pre", "test_control", "test_treatment")},
        "chat_negative_share": arch["realized"]["chat_negative_share"],
        "ticket_negative_share": tr["ticket_negative_share"],
        "community_activity": {"pre": r["community_pre"], "test_treatment": r["community_test_treatment"],
                               "test_control": r["community_test_control"]},
    }
    exps = experiments.planted_effects()
    exps["nav_fix"]["units"] = {"control": int((nav == 0).sum()), "treatment": int((nav == 1).sum())}
    exps["broadcast_personalization"]["units"] = {"control": int((bp == 0).sum()), "treatment": int((bp == 1).sum())}
    exps["community_programme"]["units"] = {"control": int((comm.arm == 0).sum()), "treatment": int((comm.arm == 1).sum())}
    exps["community_programme"]["realized"] = {k: r[f"community_{k}"] for k in
                                               ("pre_control", "pre_treatment", "test_control", "test_treatment")}
    c = comm.case_chat
    case = {"community_id": str(comm.chat_id[c]), "name": str(comm.name[c]), "arm": "treatment",
            "members_at_start": int((comm.ms["chat"][comm.ms["kind"] != communities.REJOIN] == c).sum()),
            "activity_pre": 0.15, "activity_test": 0.35,
            "activity_pre_realized": r["case_pre"], "activity_test_realized": r["case_test"]}
    population = {"community_members": int(pp.n_members), "persons": int(pp.n), "group_chats": int(comm.n_chats),
                  "programme_chats": int((comm.arm >= 0).sum()),
                  "contaminated_members": int((comm.ms["kind"] == communities.SECOND).sum()),
                  "tickets": int(tk["created_ts"].size), "tickets_pre": tr["pre_tickets"],
                  "stale_ticket_metrics": tr["stale_metrics"], "ticket_metrics_agree_share": agree,
                  "chat_phone_share": arch["realized"]["chat_phone_share"],
                  "description_pii_share": float(tk["pii"].mean()), "dropped_sessions": trk["dropped_sessions"]}
    return truth.assemble(seed=seed, scale=scale, clock=clock, realized=realized, identity=ident, case=case,
                          counts=dict(w.counts), extra={"experiments": exps, "population": population})
