"""Zendesk Support exports: users, groups, ticket fields, schedule, tickets, ticket events, metrics."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from helpers.synth import audits, business_hours as BH, identifiers, names, render as R, targets as T, ticket_texts as TT
from helpers.synth.clock import Clock, iso_utc
from helpers.synth.identity import Registry
from helpers.synth.people import People
from helpers.synth.writers import ITEMS, Writer

CAT_FIELD, REGION_FIELD = 360001234501, 360001234502
REGION_VALUES = {"华北": "north_china", "华东": "east_china", "华南": "south_china", "华中": "central_china",
                 "西南": "southwest_china", "西北": "northwest_china", "东北": "northeast_china"}
GROUPS = [(360000111001, "物流支持组"), (360000111002, "售后服务组"), (360000111003, "会员服务组"), (360000111004, "咨询服务组")]
CAT_GROUP = np.array([0, 0, 1, 1, 2, 3])
VIA = {"web": "Web form", "email": "Mail", "chat": "Chat", "api": "API"}
BASE = "https://brand.zendesk.com/api/v2"
PAGE = 1000
METRICS = ("reply", "first_resolution", "full_resolution", "agent_wait", "requester_wait", "on_hold")


def build_users(rng: np.random.Generator, clock: Clock, people: People, tickets: dict, reg: Registry,
                scale: float) -> dict:
    """End users (requesters) and agents; registers the requesters' records for stitching."""
    req = np.flatnonzero(people.zendesk)
    n_ag = max(8, int(round(60 * scale)))
    ids = identifiers.unique_ints(rng, req.size + n_ag, 360_000_000_000, 399_999_999_999)
    uid = np.full(people.n, -1, dtype=np.int64)
    uid[req] = ids[:req.size]
    agent_id = np.sort(ids[req.size:])
    has_email = rng.random(req.size) < T.ZENDESK_EMAIL
    has_phone = rng.random(req.size) < T.ZENDESK_PHONE
    reg.add("zendesk", req, np.where(has_phone, people.phone[req], -1), np.where(has_email, people.email[req], ""))
    first = pd.Series(tickets["created_ts"]).groupby(tickets["person"]).min().reindex(req).to_numpy()
    created = np.where(rng.random(req.size) < 0.3, first - rng.integers(60, 3600, req.size),
                       clock.t0 - rng.integers(86_400, 700 * 86_400, req.size))
    pinyin = (pd.Series(people.name["given_py"][req]).str.capitalize() + " "
              + pd.Series(people.name["surname_py"][req]).str.capitalize()).to_numpy(dtype=object)
    ag = names.draw_names(rng, n_ag)
    users = {
        "id": np.r_[uid[req], agent_id],
        "name": np.r_[np.where(rng.random(req.size) < 0.85, people.name["full"][req], pinyin), ag["full"]],
        "email": np.r_[np.where(has_email, identifiers.messy_emails(rng, people.email[req]), None),
                       ag["given_py"] + "." + ag["surname_py"] + np.arange(n_ag).astype(str) + "@brand-cs.com"],
        "phone": np.r_[np.where(has_phone, identifiers.format_phones(rng, people.phone[req], (0.15, 0.25, 0.5, 0.1)),
                                None), np.full(n_ag, None, dtype=object)],
        "role": np.r_[np.full(req.size, "end-user", dtype=object), np.full(n_ag, "agent", dtype=object)],
        "created": np.r_[created, clock.t0 - rng.integers(100, 900, n_ag) * 86_400],
        "city": np.r_[people.city_name[req], np.full(n_ag, None, dtype=object)],
    }
    return {"users": users, "uid": uid, "agent_id": agent_id, "agent_group": np.arange(n_ag) % len(GROUPS)}


def _assign(rng, tickets: dict, u: dict) -> None:
    group = CAT_GROUP[tickets["category"]]
    assignee = np.zeros(group.size, dtype=np.int64)
    for g in range(len(GROUPS)):  # loop over the four support groups
        pool = u["agent_id"][u["agent_group"] == g]
        rows = np.flatnonzero(group == g)
        assignee[rows] = pool[rng.integers(0, pool.size, rows.size)]
    tickets["assignee"], tickets["group"] = assignee, group


def write(w: Writer, rng: np.random.Generator, people: People, tickets: dict, u: dict) -> dict:
    _assign(rng, tickets, u)
    a = audits.build(tickets)
    m = audits.metrics(tickets, a)
    n = tickets["created_ts"].size
    tid = 100_001 + np.arange(n)
    tickets["ticket_id"] = tid
    requester = u["uid"][tickets["person"]]
    city = people.city[tickets["person"]]
    tickets["region"] = people.cities["region"].to_numpy(dtype=object)[city]
    region_val = np.array([REGION_VALUES[r] for r in people.cities["region"]], dtype=object)[city]
    status = a[a["status"].notna()].groupby("t")["status"].last().reindex(pd.RangeIndex(n)).to_numpy(dtype=object)
    updated = a.groupby("t")["ts"].max().reindex(pd.RangeIndex(n)).to_numpy(dtype=np.int64)
    assigned = (tickets["offsets"]["a"] < tickets["export_min"])
    order = np.lexsort((tid, updated))
    cat = np.array(TT.CATEGORIES, dtype=object)[tickets["category"]]
    channel = R.distinct(tickets["channel"])
    tags = R.concat("[", R.distinct(cat), ",", R.distinct(region_val), ",", channel, "]")
    assignee = np.where(assigned, tickets["assignee"], -1)
    obj = R.concat(
        '{"id":', R.text(tid), ',"created_at":', R.quoted(iso_utc(tickets["created_ts"])), ',"updated_at":',
        R.quoted(iso_utc(updated)), ',"type":', R.distinct(tickets["type"]), ',"subject":', R.distinct(tickets["subject"]),
        ',"description":', R.distinct(tickets["description"]), ',"priority":', R.distinct(tickets["priority"]),
        ',"status":', R.distinct(status), ',"requester_id":', R.text(requester), ',"submitter_id":', R.text(requester),
        ',"assignee_id":', R.optional(assignee, assignee >= 0), ',"group_id":',
        R.text(np.array([g for g, _ in GROUPS])[tickets["group"]]), ',"tags":', tags, ',"via":{"channel":', channel,
        f'}},"custom_fields":[{{"id":{CAT_FIELD},"value":', R.distinct(cat), f'}},{{"id":{REGION_FIELD},"value":',
        R.distinct(region_val), '}],"satisfaction_rating":{"score":', R.distinct(tickets["csat"]), "}}")
    w.pages_of(obj.take(pa.array(order)), PAGE, lambda i: f"zendesk/tickets_p{i + 1:04d}.json",
               lambda p, k, end, last: {"tickets": ITEMS, "next_page": f"{BASE}/incremental/tickets.json?start_time={end}",
                                        "end_of_stream": last, "end_time": end, "count": k}, "zendesk/tickets",
               end_time=updated[order])
    _write_events(w, rng, tickets, a, requester)
    _write_metrics(w, tickets, m, tid)
    return {"metrics": m, "audits": a}


def _write_events(w: Writer, rng, tickets: dict, a: pd.DataFrame, requester: np.ndarray) -> None:
    n = tickets["created_ts"].size
    bodies = {"description": tickets["description"], "note": TT.pick(rng, TT.INTERNAL_NOTES, n),
              "first_reply": TT.pick(rng, TT.FIRST_REPLIES, n), "follow_up": TT.pick(rng, TT.REQUESTER_REPLIES, n),
              "solve": TT.pick(rng, TT.SOLVE_COMMENTS, n), "reopen": TT.pick(rng, TT.REOPEN_COMMENTS, n)}
    ch = audits.children(a, bodies, {"requester": requester, "agent": tickets["assignee"]})
    kinds = np.array(audits.KINDS, dtype=object)[a["kind"].to_numpy()]
    t = a["t"].to_numpy()
    by_req = np.isin(kinds, list(audits.BY_REQUESTER))
    chan = pd.Series(tickets["channel"][t]).map(VIA).to_numpy(dtype=object)
    # child events: Create, a status Change, a Comment; listed per audit in position order
    ctype = ch["ctype"].to_numpy()
    value, prev, body = (ch[c].to_numpy(dtype=object) for c in ("value", "prev", "body"))
    author = ch["author"].to_numpy(dtype=float)
    is_comment = ctype == 2
    child = R.concat(
        R.on(ctype == 0, lambda rows: pa.array(['{"event_type":"Create"}'] * rows.size, pa.string())),
        R.on(ctype == 1, lambda rows: R.concat('{"event_type":"Change","field_name":"status","value":',
                                               R.distinct(value[rows]), ',"previous_value":', R.distinct(prev[rows]), "}")),
        R.on(is_comment, lambda rows: R.concat(
            '{"event_type":"Comment","public":', R.pick(pa.array(["false", "true"]), (ch["public"].to_numpy(dtype=float)[rows] == 1)
                                                        .astype(np.int64)),
            ',"author_id":', R.text(author[rows].astype(np.int64)), ',"body":', R.distinct(body[rows]), "}")))
    per_audit = np.bincount(ch["audit"].to_numpy(), minlength=len(a))
    listed = np.flatnonzero(per_audit > 0)               # audits without a child event are not exported
    lists = R.grouped(child, per_audit[listed])
    ts = a["ts"].to_numpy()[listed]
    order = np.lexsort((listed, ts))
    k = listed[order]
    updater = np.where(kinds == "close", -1, np.where(by_req, requester[t], tickets["assignee"][t]))
    via = np.where(kinds == "close", "Rule", np.where(by_req, chan, "Web form")).astype(object)
    obj = R.concat(
        '{"id":', R.text(380_000_000_001 + np.arange(k.size)), ',"ticket_id":', R.text(tickets["ticket_id"][t[k]]),
        ',"timestamp":', R.text(ts[order]), ',"created_at":', R.quoted(iso_utc(ts[order])), ',"updater_id":',
        R.text(updater[k]), ',"via":', R.distinct(via[k]), ',"event_type":"Audit","child_events":[',
        lists.take(pa.array(order)), "]}")
    w.pages_of(obj, PAGE, lambda i: f"zendesk/ticket_events_p{i + 1:04d}.json",
               lambda p, k, end, last: {"ticket_events": ITEMS, "next_page": f"{BASE}/incremental/ticket_events.json?start_time={end}",
                                        "end_of_stream": last, "end_time": end, "count": k}, "zendesk/ticket_events",
               end_time=ts[order])


def _minutes(values: np.ndarray) -> pa.Array:
    """Float minutes as JSON integers (rounded half away from zero), null where NaN."""
    ok = ~np.isnan(values)
    return R.optional(np.trunc(values + np.copysign(0.5, values)), ok, lambda v: R.text(v.astype(np.int64)))


def _write_metrics(w: Writer, tickets: dict, m: pd.DataFrame, tid: np.ndarray) -> None:
    n = tid.size
    pieces = ['{"id":', R.text(370_000_000_001 + np.arange(n)), ',"ticket_id":', R.text(tid), ',"created_at":',
              R.quoted(iso_utc(tickets["created_ts"])), ',"updated_at":', R.quoted(iso_utc(m["updated_ts"].to_numpy(np.int64))),
              ',"reopens":', R.text(m["reopens"].to_numpy()), ',"replies":', R.text(m["replies"].to_numpy())]
    for col, name in (("assigned_ts", "assigned_at"), ("solved_ts", "solved_at")):
        v = m[col].to_numpy()
        pieces += [f',"{name}":', R.optional(np.nan_to_num(v).astype(np.int64), ~np.isnan(v), lambda x: R.quoted(iso_utc(x)))]
    for x in METRICS:
        pieces += [f',"{x}_time_in_minutes":{{"calendar":', _minutes(m[f"{x}_cal"].to_numpy()), ',"business":',
                   _minutes(m[f"{x}_biz"].to_numpy()), "}"]
    obj = R.concat(*pieces, "}")
    w.pages_of(obj, PAGE, lambda i: f"zendesk/ticket_metrics_p{i + 1:04d}.json",
               lambda p, k, end, last: {"ticket_metrics": ITEMS, "next_page": None if last else f"{BASE}/ticket_metrics.json?page={p + 2}",
                                        "count": n}, "zendesk/ticket_metrics")


def write_reference(w: Writer, people: People, u: dict) -> None:
    """Users pages, groups, ticket fields and the business-hours schedule."""
    us = u["users"]
    order = np.argsort(us["id"], kind="stable")
    n = order.size
    obj = R.concat('{"id":', R.text(us["id"][order]), ',"name":', R.distinct(us["name"][order]), ',"email":',
                   R.distinct(us["email"][order]), ',"phone":', R.distinct(us["phone"][order]), ',"role":',
                   R.distinct(us["role"][order]), ',"created_at":', R.quoted(iso_utc(us["created"][order])),
                   ',"user_fields":{"city":', R.distinct(us["city"][order]), "}}")
    w.pages_of(obj, PAGE, lambda i: f"zendesk/users_p{i + 1:04d}.json",
               lambda p, k, end, last: {"users": ITEMS, "next_page": None if last else f"{BASE}/users.json?page={p + 2}",
                                        "count": n}, "zendesk/users")
    w.json("zendesk/groups.json", {"groups": [{"id": g, "name": nm} for g, nm in GROUPS]}, "zendesk/groups", len(GROUPS))
    regions = list(dict.fromkeys(people.cities["region"]))
    fields = [{"id": CAT_FIELD, "title": "Category", "type": "tagger",
               "custom_field_options": [{"name": nm, "value": v} for nm, v in zip(TT.CATEGORY_NAMES, TT.CATEGORIES)]},
              {"id": REGION_FIELD, "title": "Region", "type": "tagger",
               "custom_field_options": [{"name": r, "value": REGION_VALUES[r]} for r in regions]}]
    w.json("zendesk/ticket_fields.json", {"ticket_fields": fields}, "zendesk/ticket_fields", len(fields))
    w.json("zendesk/schedules.json", BH.schedule_json(), "zendesk/schedules", 1)
