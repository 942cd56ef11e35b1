"""Identity resolution, measured: how many people each system shares with the others, and how the
headline KPIs move if members that could not be matched across systems are dropped.

A member is **matched** to a system when the stitched person has at least one record there
(``members.in_wecom``, ``in_zendesk``, ``in_salesforce``, set by ingestion from shared, normalized
phone numbers and emails).
"""
from __future__ import annotations

import pandas as pd
from ibis import _

from helpers import _engine, kpi
from helpers.timeline import DEFAULT_TZ

SYSTEMS = {"wecom": "in_wecom", "zendesk": "in_zendesk", "salesforce": "in_salesforce"}


def match_rates(members, tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """One row per ordered pair of systems: ``source, target, members`` (in source), ``matched`` (also
    in target), ``match_rate`` = matched / members."""
    m = _engine.table(members, "members", tuple(SYSTEMS.values()), tz)
    aggs = {f"n_{a}": m[ca].fill_null(False).sum() for a, ca in SYSTEMS.items()}
    aggs.update({f"n_{a}__{b}": (m[ca].fill_null(False) & m[cb].fill_null(False)).sum()
                 for a, ca in SYSTEMS.items() for b, cb in SYSTEMS.items() if a != b})
    row = _engine.to_pandas(m.aggregate(**aggs), tz).iloc[0]
    rows = [dict(source=a, target=b, members=int(row[f"n_{a}"]), matched=int(row[f"n_{a}__{b}"]))
            for a in SYSTEMS for b in SYSTEMS if a != b]
    out = pd.DataFrame(rows)
    out["match_rate"] = out["matched"] / out["members"].where(out["members"] > 0)
    return out


POPULATIONS = ("all community members", "matched beyond WeCom")  # the rows of kpi_sensitivity (glossary: population)


def kpi_sensitivity(events, messages, memberships, members, start, end, min_active_days: int = 15,
                    tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """Core share and daily active rate of community members in the window, for everyone and for
    members matched to Salesforce or Zendesk only: ``population, members, core_share, active_rate``."""
    mem = _engine.table(members, "members", ("member_id", "in_zendesk", "in_salesforce"), tz)
    ms = _engine.table(memberships, "memberships", ("member_id", "join_ts", "leave_ts"), tz)
    matched = mem.filter(mem.in_zendesk.fill_null(False) | mem.in_salesforce.fill_null(False)).select("member_id")
    rows = []
    for name, subset in zip(POPULATIONS, (ms, ms.semi_join(matched, "member_id"))):
        core = kpi.core_share(events, messages, subset, start, end, min_active_days, tz).iloc[0]
        act = kpi.active_rate(events, messages, subset, start, end, tz).iloc[0]
        rows.append(dict(population=name, members=int(core["denominator"]), core_share=core["value"],
                         active_rate=act["value"]))
    return pd.DataFrame(rows)


def unmatched_by_source(members, tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """People known to one system only: ``source, people`` (e.g. community members never matched to the
    CRM or the support desk)."""
    m = _engine.table(members, "members", tuple(SYSTEMS.values()), tz)
    flags = {a: m[c].fill_null(False).cast("int8") for a, c in SYSTEMS.items()}
    only = sum(flags.values()) == 1
    aggs = {a: (only & m[c].fill_null(False)).sum() for a, c in SYSTEMS.items()}
    row = _engine.to_pandas(m.aggregate(**aggs), tz).iloc[0]
    return pd.DataFrame([{"source": a, "people": int(row[a])} for a in SYSTEMS])
