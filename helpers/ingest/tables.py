"""Builders of the person- and group-level canonical tables from the parsed sources.

``members`` (one stitched person):

- ``first_join_ts`` / ``home_community_id``: the earliest membership's ``join_ts`` and chat.
- ``age_band``: age at the study start from the Salesforce ``Birthdate`` (of the member's earliest
  Contact that has one): ``<18``, ``18-25``, ``26-35``, ``36-45``, ``46+``; ``unknown`` without one.
- ``gender``: WeCom ``gender`` (1 male, 2 female; 0 or absent ``unknown``).
- ``city``: Contact ``MailingCity``, else Zendesk ``user_fields.city``, else the ``$city`` the member
  sent most tracking events from (ties: the first in sort order); ``city_tier`` / ``region`` from
  ``data/reference/cities.csv`` (null when the city is not listed).
- ``channel``: the source of the member's earliest first-seen time (WeCom follow ``createtime``,
  join time or callback time; Contact / Lead ``CreatedDate``; Zendesk user ``created_at``).
- ``consent``: the latest archive consent record (``agree`` / ``disagree``), ``none`` without one.
- ``in_wecom`` / ``in_zendesk`` / ``in_salesforce``: the member has a record in that source.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from helpers.ingest.identity import Stitched, links_of, normalize_email, normalize_phone
from helpers.ingest.pseudonymize import pseudonymize
from helpers.ingest.wecom import is_robot

AGE_BANDS = ((0, 18, "<18"), (18, 26, "18-25"), (26, 36, "26-35"), (36, 46, "36-45"), (46, 200, "46+"))
GENDERS = {1: "male", 2: "female"}


def collect_links(wc: dict, zd: dict, sf: dict) -> pd.DataFrame:
    """Link rows of every person-record (see :mod:`helpers.ingest.identity`), keys normalized."""
    parts = []
    c = wc["contacts"].explode("remark_mobiles")
    c = c.assign(phone=normalize_phone(c["remark_mobiles"]).to_numpy())
    parts.append(links_of("external_userid", "wecom", c, {"unionid": "unionid", "phone": "phone"}, "createtime"))
    m = wc["chat_members"]
    m = m[m["type"] == 2].rename(columns={"userid": "external_userid"})
    parts.append(links_of("external_userid", "wecom", m, {"unionid": "unionid"}, "join_time"))
    parts.append(links_of("external_userid", "wecom", wc["callback_members"], {}, "first_seen"))
    u = zd["users"][zd["users"]["role"] == "end-user"]
    u = u.assign(requester_id=u["id"], email=normalize_email(u["email"]).to_numpy(),
                 phone=normalize_phone(u["phone"]).to_numpy())
    parts.append(links_of("requester_id", "zendesk", u, {"email": "email", "phone": "phone"}, "created_at"))
    for kind, frame, extra in (("contact_id", sf["contacts"], {}),
                               ("lead_id", sf["leads"], {"contact_id": "ConvertedContactId"})):
        f = frame.assign(**{kind: frame["Id"]}, email=normalize_email(frame["Email"]).to_numpy(),
                         phone=normalize_phone(frame["Phone"]).to_numpy())
        parts.append(links_of(kind, "salesforce", f, {"email": "email", "phone": "phone", **extra}, "CreatedDate"))
    return pd.concat(parts, ignore_index=True)


def _first(df: pd.DataFrame, value: str, order: str) -> pd.Series:
    """Per member, ``value`` of the earliest row by ``order`` that has one."""
    d = df.dropna(subset=["member_id", value]).sort_values([order, "member_id"], na_position="last", kind="stable")
    return d.drop_duplicates("member_id").set_index("member_id")[value]


def age_band(birth: pd.Series, start: pd.Timestamp) -> pd.Series:
    """Age band at ``start`` of each birth date (``unknown`` for null)."""
    b = pd.to_datetime(birth)
    age = start.year - b.dt.year - ((b.dt.month > start.month) | ((b.dt.month == start.month) & (b.dt.day > start.day)))
    out = pd.Series("unknown", index=birth.index, dtype="string")
    for lo, hi, label in AGE_BANDS:
        out = out.mask((age >= lo) & (age < hi), label)
    return out


def members_table(stitched: Stitched, memberships: pd.DataFrame, wc: dict, zd: dict, sf: dict,
                  city_counts: pd.DataFrame, consent: pd.DataFrame, cities: pd.DataFrame,
                  start: pd.Timestamp) -> pd.DataFrame:
    """Canonical ``members`` rows (definitions in the module doc)."""
    m = stitched.first_seen().set_index("member_id")
    ms = memberships.sort_values(["join_ts", "community_id"], na_position="last").drop_duplicates("member_id")
    ms = ms.set_index("member_id")
    contacts = sf["contacts"].assign(member_id=stitched.member_of("contact_id", sf["contacts"]["Id"]).to_numpy())
    wcc = wc["contacts"].assign(member_id=stitched.member_of("external_userid", wc["contacts"]["external_userid"])
                                .to_numpy(), g=wc["contacts"]["gender"].map(GENDERS))
    users = zd["users"][zd["users"]["role"] == "end-user"]
    users = users.assign(member_id=stitched.member_of("requester_id", users["id"]).to_numpy())
    top_city = (city_counts.sort_values(["member_id", "events", "city"], ascending=[True, False, True])
                .drop_duplicates("member_id").set_index("member_id")["city"])
    city = _first(contacts, "MailingCity", "CreatedDate").reindex(m.index).astype("string")
    for fallback in (_first(users, "city", "created_at"), top_city):
        city = city.fillna(fallback.reindex(m.index).astype("string"))
    ref = cities.drop_duplicates("city").set_index("city")
    latest = consent.sort_values("consent_ts", kind="stable").drop_duplicates("member_id", keep="last")
    latest = latest.set_index("member_id")["consent"]
    links = stitched.links
    birth = _first(contacts, "Birthdate", "CreatedDate").reindex(m.index)
    out = pd.DataFrame({
        "member_id": m.index.to_numpy(),
        "first_join_ts": ms["join_ts"].reindex(m.index).to_numpy(),
        "home_community_id": ms["community_id"].reindex(m.index).to_numpy(),
        "age_band": age_band(birth, start).to_numpy(),
        "gender": _first(wcc, "g", "createtime").reindex(m.index).fillna("unknown").to_numpy(),
        "city": city.to_numpy(),
        "city_tier": city.map(ref["city_tier"]).to_numpy(),
        "region": city.map(ref["region"]).to_numpy(),
        "channel": m["channel"].to_numpy(),
        "consent": latest.reindex(m.index).fillna("none").to_numpy(),
        **{f"in_{s}": m.index.isin(links.loc[links["source"] == s, "member_id"]) for s in ("wecom", "zendesk", "salesforce")},
    })
    return out.sort_values("member_id").reset_index(drop=True)


def memberships_table(spells: pd.DataFrame, stitched: Stitched) -> pd.DataFrame:
    """Canonical ``memberships`` from raw membership spells."""
    return pd.DataFrame({"member_id": stitched.member_of("external_userid", spells["external_userid"]).to_numpy(),
                         "community_id": spells["chat_id"].to_numpy(), "join_ts": spells["join_ts"].to_numpy(),
                         "leave_ts": spells["leave_ts"].to_numpy(), "join_scene": spells["join_scene"].to_numpy()})


def communities_table(chats: pd.DataFrame, chat_list: pd.DataFrame, salt: str) -> pd.DataFrame:
    """Canonical ``communities``: every chat of ``groupchat/get`` plus listed chats without one.

    ``topic`` is the group notice (``notice``); ``owner_id`` is the owner's salted hash.
    """
    extra = chat_list.loc[~chat_list["chat_id"].isin(chats["chat_id"]), ["chat_id"]]
    c = pd.concat([chats, extra], ignore_index=True)
    notice = c["notice"].astype("string").str.strip()
    return pd.DataFrame({"community_id": c["chat_id"], "name": c["name"],
                         "owner_id": pseudonymize(c["owner"], "staff_userid", salt),
                         "created_ts": pd.to_datetime(c["create_time"], utc=True),
                         "topic": notice.where(notice.str.len() > 0)}).sort_values("community_id")


def staff_table(staff: pd.DataFrame, other_ids, agents: pd.DataFrame, salt: str) -> pd.DataFrame:
    """Canonical ``staff``: ``staff.json`` employees, other WeCom staff and robot ids seen, Zendesk agents."""
    team = dict(zip(staff["userid"], staff["team"]))
    ids = pd.Series(sorted(set(staff["userid"].dropna()) | {i for i in other_ids if isinstance(i, str)}),
                    dtype="string")
    robot = is_robot(ids)
    wecom = pd.DataFrame({"staff_id": pseudonymize(ids, "staff_userid", salt),
                          "kind": np.where(robot, "robot", "staff"), "team": ids.map(team).astype("string")})
    zd = pd.DataFrame({"staff_id": pseudonymize(agents["agent_id"], "zendesk_agent_id", salt), "kind": "agent",
                       "team": agents["team"]})
    parts = [f.astype("string") for f in (wecom, zd) if len(f)] or [wecom.astype("string")]
    return pd.concat(parts, ignore_index=True).drop_duplicates("staff_id").reset_index(drop=True)


def staff_userids(wc: dict, broadcast_senders, message_senders) -> set:
    """Raw WeCom staff and robot ids seen anywhere: chat owners, admins and type-1 members, mass-message
    creators and senders, statistic owners and non-customer archive senders."""
    chats, members = wc["chats"], wc["chat_members"]
    admins = {a.get("userid") for lst in chats["admin_list"].dropna() for a in lst if isinstance(a, dict)}
    ids = (set(message_senders) | set(chats["owner"].dropna()) | set(wc["group_messages"]["creator"].dropna())
           | set(broadcast_senders) | set(wc["stats"]["owner"].dropna()) | admins
           | set(members.loc[members["type"] == 1, "userid"].dropna()))
    return {i for i in ids if isinstance(i, str) and i}


def identities_table(stitched: Stitched, tracking_unionids, salt: str) -> pd.DataFrame:
    """Canonical ``identities``: stitched keys plus the unionids seen as tracking ``distinct_id``."""
    u = pd.Series(sorted(tracking_unionids), dtype="string")
    tracking = pd.DataFrame({"member_id": stitched.member_of("unionid", u).to_numpy(), "source": "tracking",
                             "key_type": "unionid", "source_key": pseudonymize(u, "unionid", salt).to_numpy()})
    parts = [stitched.identities()] + ([tracking] if len(tracking) else [])
    return pd.concat(parts, ignore_index=True).dropna(subset=["member_id"])


def owner_stats_table(stats: pd.DataFrame, salt: str) -> pd.DataFrame:
    """Canonical ``owner_daily_stats`` (owner hashed like every staff id)."""
    cols = ["chat_total", "chat_has_msg", "member_total", "member_has_msg", "msg_total", "new_member_cnt"]
    return pd.DataFrame({"owner_id": pseudonymize(stats["owner"], "staff_userid", salt), "day": stats["day"],
                         **{c: stats[c] for c in cols}})


def read_cities(path: Path) -> pd.DataFrame:
    """``cities.csv`` reference: ``city, province, city_tier, region``."""
    return pd.read_csv(path, dtype={"city": str, "province": str, "city_tier": "Int64", "region": str})
