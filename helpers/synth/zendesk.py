"""Zendesk Support exports: users, groups, ticket fields, schedule, tickets, ticket events, metrics."""
from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.synth import audits, business_hours as BH, identifiers, names, targets as T, ticket_texts as TT
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
    w.register("tk", {
        "id": tid, "created_at": iso_utc(tickets["created_ts"]).astype(object), "updated": updated,
        "updated_at": iso_utc(updated).astype(object), "type": tickets["type"], "subject": tickets["subject"],
        "description": tickets["description"], "priority": tickets["priority"], "status": status,
        "requester_id": requester, "assignee_id": np.where(assigned, tickets["assignee"], -1),
        "group_id": np.array([g for g, _ in GROUPS])[tickets["group"]], "channel": tickets["channel"],
        "category": np.array(TT.CATEGORIES, dtype=object)[tickets["category"]], "region": region_val,
        "csat": tickets["csat"]})
    w.pages(f"""SELECT row_number() OVER (ORDER BY updated, id) - 1 AS seq, updated AS end_time, json_object(
        'id', id, 'created_at', created_at, 'updated_at', updated_at, 'type', type, 'subject', subject,
        'description', description, 'priority', priority, 'status', status, 'requester_id', requester_id,
        'submitter_id', requester_id, 'assignee_id', CASE WHEN assignee_id < 0 THEN NULL ELSE assignee_id END,
        'group_id', group_id, 'tags', [category, region, channel], 'via', json_object('channel', channel),
        'custom_fields', [json_object('id', {CAT_FIELD}, 'value', category),
                          json_object('id', {REGION_FIELD}, 'value', region)],
        'satisfaction_rating', json_object('score', csat)) AS obj FROM tk""",
            PAGE, lambda i: f"zendesk/tickets_p{i + 1:04d}.json",
            lambda p, k, end, last: {"tickets": ITEMS, "next_page": f"{BASE}/incremental/tickets.json?start_time={end}",
                                     "end_of_stream": last, "end_time": end, "count": k}, "zendesk/tickets")
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
    w.register("au", {"audit": np.arange(len(a)), "ticket_id": tickets["ticket_id"][t], "ts": a["ts"].to_numpy(),
                      "created_at": iso_utc(a["ts"].to_numpy()).astype(object),
                      "updater": np.where(kinds == "close", -1, np.where(by_req, requester[t], tickets["assignee"][t])),
                      "via": np.where(kinds == "close", "Rule", np.where(by_req, chan, "Web form")).astype(object),
                      "kind": a["kind"].to_numpy()})
    w.register("ch", {c: ch[c].to_numpy() for c in ("audit", "pos", "ctype")}
               | {"value": ch["value"].to_numpy(dtype=object), "prev": ch["prev"].to_numpy(dtype=object),
                  "public": ch["public"].to_numpy(dtype=float), "author": ch["author"].to_numpy(dtype=float),
                  "body": ch["body"].to_numpy(dtype=object)})
    w.pages("""WITH c AS (SELECT audit, list(CASE ctype WHEN 0 THEN json_object('event_type', 'Create')
                   WHEN 1 THEN json_object('event_type', 'Change', 'field_name', 'status', 'value', value,
                                           'previous_value', prev)
                   ELSE json_object('event_type', 'Comment', 'public', public = 1,
                                    'author_id', author::BIGINT, 'body', body) END ORDER BY pos) AS ce
               FROM ch GROUP BY audit)
        SELECT row_number() OVER (ORDER BY ts, audit) - 1 AS seq, ts AS end_time, json_object(
            'id', 380000000001 + row_number() OVER (ORDER BY ts, audit) - 1, 'ticket_id', ticket_id, 'timestamp', ts,
            'created_at', created_at, 'updater_id', updater, 'via', via, 'event_type', 'Audit',
            'child_events', ce) AS obj FROM au JOIN c USING (audit)""",
            PAGE, lambda i: f"zendesk/ticket_events_p{i + 1:04d}.json",
            lambda p, k, end, last: {"ticket_events": ITEMS, "next_page": f"{BASE}/incremental/ticket_events.json?start_time={end}",
                                     "end_of_stream": last, "end_time": end, "count": k}, "zendesk/ticket_events")


def _write_metrics(w: Writer, tickets: dict, m: pd.DataFrame, tid: np.ndarray) -> None:
    n = tid.size
    cols = {"seq": np.arange(n), "id": 370_000_000_001 + np.arange(n), "ticket_id": tid,
            "created_at": iso_utc(tickets["created_ts"]).astype(object),
            "updated_at": iso_utc(m["updated_ts"].to_numpy(np.int64)).astype(object),
            "reopens": m["reopens"].to_numpy(), "replies": m["replies"].to_numpy()}
    for col, name in (("assigned_ts", "assigned_at"), ("solved_ts", "solved_at")):
        v = m[col].to_numpy()
        cols[name] = np.where(np.isnan(v), None, iso_utc(np.nan_to_num(v).astype(np.int64)).astype(object))
    for x in METRICS:
        cols[f"{x}_cal"], cols[f"{x}_biz"] = m[f"{x}_cal"].to_numpy(), m[f"{x}_biz"].to_numpy()
    w.register("tm", cols)
    parts = ", ".join(f"'{x}_time_in_minutes', json_object('calendar', {x}_cal::BIGINT, 'business', {x}_biz::BIGINT)"
                      for x in METRICS)
    w.pages(f"""SELECT seq, 0 AS end_time, json_object('id', id, 'ticket_id', ticket_id, 'created_at', created_at,
        'updated_at', updated_at, 'reopens', reopens, 'replies', replies, 'assigned_at', assigned_at,
        'solved_at', solved_at, {parts}) AS obj FROM tm""", PAGE,
            lambda i: f"zendesk/ticket_metrics_p{i + 1:04d}.json",
            lambda p, k, end, last: {"ticket_metrics": ITEMS, "next_page": None if last else f"{BASE}/ticket_metrics.json?page={p + 2}",
                                     "count": n}, "zendesk/ticket_metrics")


def write_reference(w: Writer, people: People, u: dict) -> None:
    """Users pages, groups, ticket fields and the business-hours schedule."""
    us = u["users"]
    order = np.argsort(us["id"], kind="stable")
    w.register("zu", {k: np.asarray(v)[order] for k, v in us.items()}
               | {"seq": np.arange(order.size), "created_at": iso_utc(us["created"][order]).astype(object)})
    n = order.size
    w.pages("""SELECT seq, 0 AS end_time, json_object('id', id, 'name', name, 'email', email, 'phone', phone,
        'role', role, 'created_at', created_at, 'user_fields', json_object('city', city)) AS obj FROM zu""",
            PAGE, lambda i: f"zendesk/users_p{i + 1:04d}.json",
            lambda p, k, end, last: {"users": ITEMS, "next_page": None if last else f"{BASE}/users.json?page={p + 2}", "count": n},
            "zendesk/users")
    w.json("zendesk/groups.json", {"groups": [{"id": g, "name": nm} for g, nm in GROUPS]}, "zendesk/groups", len(GROUPS))
    regions = list(dict.fromkeys(people.cities["region"]))
    fields = [{"id": CAT_FIELD, "title": "Category", "type": "tagger",
               "custom_field_options": [{"name": nm, "value": v} for nm, v in zip(TT.CATEGORY_NAMES, TT.CATEGORIES)]},
              {"id": REGION_FIELD, "title": "Region", "type": "tagger",
               "custom_field_options": [{"name": r, "value": REGION_VALUES[r]} for r in regions]}]
    w.json("zendesk/ticket_fields.json", {"ticket_fields": fields}, "zendesk/ticket_fields", len(fields))
    w.json("zendesk/schedules.json", BH.schedule_json(), "zendesk/schedules", 1)
