"""A hand-written raw export (docs/data_formats.md) small enough to count on your fingers.

Persons and how they link (normalized phone / email):

- A: WeCom wmAAA001 (unionid uA1, phone "+86 138 0013 8001") = Zendesk 9001 (" Alice.W@Example.com ",
  "13800138001") = Contact 003A1 ("ALICE.W@example.com", "+8613800138001")
- B: WeCom wmBBB002 (uB2, "139-0013-9002") = Contact 003B2 ("0086 139 0013 9002") = Lead 00QL2
  (converted to 003B2, opportunity 006O1)
- C: WeCom woCCC003 (uC3, no phone) only; joins wrCHAT2 by callback
- D: wmDDD004, only named in an add_member callback
- E: Zendesk 9002 (bob@example.org) only
- F: Lead 00QL1 (dave@example.com), not converted

So 6 members. Staff: zhangsan (owner of wrCHAT1), lisi (owner of wrCHAT2), robot wbROBOT1,
Zendesk agent 7001.
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

START = "2026-06-01"


def unix(ts: str) -> int:
    """Unix seconds of an ISO time with offset."""
    return int(pd.Timestamp(ts).timestamp())


def ms(ts: str) -> int:
    return unix(ts) * 1000


RAW_IDENTIFIERS = [
    # phones in every format used, normalized too
    "+86 138 0013 8001", "13800138001", "+8613800138001", "139-0013-9002", "0086 139 0013 9002", "13900139002",
    # emails as written and normalized
    " Alice.W@Example.com ", "alice.w@example.com", "ALICE.W@example.com", "bob@example.org", "dave@example.com",
    "carol@example.net",
    # names
    "王小丽", "李大明", "Alice Wang", "Bob Li", "张三", "李四", "Wang", "Dave",
    # WeCom ids, unionids, staff ids
    "wmAAA001", "wmBBB002", "woCCC003", "wmDDD004", "uA1", "uB2", "uC3", "zhangsan", "lisi", "wbROBOT1",
    # Zendesk user ids, Salesforce ids
    "9001", "9002", "7001", "003A1", "003B2", "00QL1", "00QL2", "006O1",
]


def write_json(path: Path, obj) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def write_jsonl(path: Path, records: list) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_csv(path: Path, header: list[str], rows: list[list]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)

    def q(v):
        return '"' + str(v).replace('"', '""') + '"'
    lines = [",".join(q(h) for h in header)] + [",".join(q("" if v is None else v) for v in r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def member(userid, type_, join, scene, unionid=None, name="x"):
    m = {"userid": userid, "type": type_, "join_time": unix(join), "join_scene": scene,
         "invitor": {"userid": "zhangsan"}, "group_nickname": "", "name": name}
    if unionid:
        m["unionid"] = unionid
    return m


def contact(ext, name, unionid, gender, phones, created, follow="zhangsan"):
    return {"external_contact": {"external_userid": ext, "name": name, "type": 1, "gender": gender,
                                 "unionid": unionid},
            "follow_info": {"userid": follow, "remark": name, "createtime": unix(created),
                            "remark_mobiles": phones, "add_way": 1, "state": ""}}


def callback(ts, chat, detail, ids, scene=None):
    cb = {"ToUserName": "corp", "FromUserName": "sys", "CreateTime": unix(ts), "MsgType": "event",
          "Event": "change_external_chat", "ChatId": chat, "ChangeType": "update", "UpdateDetail": detail,
          "MemChangeCnt": len(ids), "MemChangeList": ids}
    cb["JoinScene" if detail == "add_member" else "QuitScene"] = scene
    return cb


def text_msg(msgid, sender, room, ts, content):
    return {"msgid": msgid, "action": "send", "from": sender, "tolist": ["x"], "roomid": room, "msgtime": ms(ts),
            "msgtype": "text", "text": {"content": content}}


def consent_msg(msgid, userid, kind, ts):
    return {"msgid": msgid, "action": "send", "from": userid, "tolist": ["zhangsan"], "roomid": "",
            "msgtime": ms(ts), "msgtype": kind, kind: {"userid": userid, f"{kind}_time": ms(ts)}}


def event(uid, name, ts, **props):
    return {"distinct_id": uid, "type": "track", "event": name, "time": ms(ts), "properties": props}


def audit(aid, tid, ts, *children):
    return {"id": aid, "ticket_id": tid, "timestamp": unix(ts), "created_at": ts, "updater_id": 1,
            "via": {"channel": "web"}, "event_type": "Audit", "child_events": list(children)}


def comment(author, public=True):
    return {"event_type": "Comment", "public": public, "author_id": author, "body": "..."}


def status(prev, new):
    return {"event_type": "Change", "field_name": "status", "value": new, "previous_value": prev}


def ticket(tid, requester, created, status_, category, group=501, **over):
    t = {"id": tid, "created_at": created, "updated_at": created, "type": "incident", "subject": "签收异常",
         "description": "请联系我 13800138001 或 alice.w@example.com", "priority": "high", "status": status_,
         "requester_id": requester, "submitter_id": requester, "assignee_id": 7001, "group_id": group,
         "tags": [], "via": {"channel": "web"},
         "custom_fields": [{"id": 360001, "value": category}, {"id": 360002, "value": "east_china"}],
         "satisfaction_rating": {"score": "good"}}
    t.update(over)
    return t


def write_raw(root: Path) -> Path:
    """Write the sample described in the module doc under ``root/raw`` and return that folder."""
    raw = Path(root) / "raw"
    w, z, s = raw / "wecom", raw / "zendesk", raw / "salesforce"
    write_json(w / "groupchat_list_p0001.json", {"errcode": 0, "errmsg": "ok", "next_cursor": "",
               "group_chat_list": [{"chat_id": "wrCHAT1", "status": 0}, {"chat_id": "wrCHAT2", "status": 0}]})
    write_json(w / "groupchat_get" / "wrCHAT1.json", {"errcode": 0, "errmsg": "ok", "group_chat": {
        "chat_id": "wrCHAT1", "name": "护肤交流群", "owner": "zhangsan", "create_time": unix("2026-01-01T00:00:00+08:00"),
        "notice": "护肤", "admin_list": [{"userid": "zhangsan"}], "member_list": [
            member("zhangsan", 1, "2026-01-01T00:00:00+08:00", 1, name="张三"),
            member("wmAAA001", 2, "2026-05-10T12:00:00+08:00", 2, "uA1", name="王小丽"),
            member("wmBBB002", 2, "2026-05-20T12:00:00+08:00", 3, "uB2", name="李大明")]}})
    write_json(w / "groupchat_get" / "wrCHAT2.json", {"errcode": 0, "errmsg": "ok", "group_chat": {
        "chat_id": "wrCHAT2", "name": "旅行群", "owner": "lisi", "create_time": unix("2026-02-01T00:00:00+08:00"),
        "notice": "", "admin_list": [], "member_list": [member("lisi", 1, "2026-02-01T00:00:00+08:00", 1, name="李四")]}})
    write_jsonl(w / "change_external_chat.jsonl", [
        callback("2026-06-02T10:00:00+08:00", "wrCHAT2", "add_member", ["woCCC003"], 1),
        callback("2026-06-03T10:00:00+08:00", "wrCHAT1", "add_member", ["wmDDD004"], 3),
        callback("2026-06-05T10:00:00+08:00", "wrCHAT1", "del_member", ["wmBBB002"], 0)])
    write_json(w / "contacts_p0001.json", {"errcode": 0, "errmsg": "ok", "next_cursor": "", "external_contact_list": [
        contact("wmAAA001", "王小丽", "uA1", 2, ["+86 138 0013 8001"], "2026-04-01T00:00:00+08:00"),
        contact("wmBBB002", "李大明", "uB2", 1, ["139-0013-9002"], "2026-04-02T00:00:00+08:00")]})
    write_json(w / "contacts_p0002.json", {"errcode": 0, "errmsg": "ok", "next_cursor": "", "external_contact_list": [
        contact("woCCC003", "Bob Li", "uC3", 0, [], "2026-04-03T00:00:00+08:00", follow="lisi")]})
    write_json(w / "staff.json", {"errcode": 0, "userlist": [
        {"userid": "zhangsan", "name": "张三", "department": [1], "position": "运营", "team": "华东运营"},
        {"userid": "lisi", "name": "李四", "department": [2], "position": "运营", "team": "华南运营"}]})
    write_jsonl(w / "msgaudit" / "messages_20260601.jsonl", [
        text_msg("m1", "wmAAA001", "wrCHAT1", "2026-06-01T10:00:00+08:00",
                 "我的电话是138 0013 8001，邮箱 Alice.W@Example.com"),
        text_msg("m2", "zhangsan", "wrCHAT1", "2026-06-01T10:05:00+08:00", "收到"),
        {"msgid": "m3", "action": "send", "from": "wbROBOT1", "tolist": [], "roomid": "wrCHAT1",
         "msgtime": ms("2026-06-01T10:06:00+08:00"), "msgtype": "image", "image": {"md5sum": "x"}},
        consent_msg("c1", "wmAAA001", "agree", "2026-06-01T09:00:00+08:00"),
        consent_msg("c2", "wmBBB002", "agree", "2026-06-01T09:00:00+08:00")])
    write_jsonl(w / "msgaudit" / "messages_20260602.jsonl", [
        consent_msg("c3", "wmBBB002", "disagree", "2026-06-02T09:00:00+08:00"),
        text_msg("m4", "woCCC003", "wrCHAT2", "2026-06-02T11:00:00+08:00", "hello")])
    url = "https://example.com/post?utm_campaign=msgA&content_type=guide"
    write_json(w / "groupmsg_list.json", {"errcode": 0, "group_msg_list": [
        {"msgid": "msgA", "creator": "zhangsan", "create_type": 1, "create_time": unix("2026-06-01T08:00:00+08:00"),
         "text": {"content": "新攻略"}, "attachments": [{"msgtype": "link", "link": {"title": "攻略", "url": url}}]}]})
    write_json(w / "groupmsg_send_result" / "msgA_p0001.json", {"errcode": 0, "errmsg": "ok", "next_cursor": "",
               "send_list": [
                   {"external_userid": "wmAAA001", "userid": "zhangsan", "status": 1,
                    "send_time": unix("2026-06-01T08:01:00+08:00")},
                   {"external_userid": "wmBBB002", "userid": "zhangsan", "status": 0},
                   {"chat_id": "wrCHAT2", "userid": "lisi", "status": 1,
                    "send_time": unix("2026-06-01T08:02:00+08:00")}]})
    stat = {"new_chat_cnt": 0, "chat_total": 1, "chat_has_msg": 1, "new_member_cnt": 0, "member_total": 3,
            "member_has_msg": 2, "msg_total": 5, "migrate_trainee_chat_cnt": 0}
    write_json(w / "groupchat_statistic" / "statistic_20260601.json", {"errcode": 0, "errmsg": "ok", "total": 2,
               "next_offset": 2, "items": [{"owner": "zhangsan", "data": stat},
                                           {"owner": "lisi", "data": {**stat, "msg_total": 1}}]})
    write_jsonl(raw / "tracking" / "events_20260601.jsonl", [
        event("uA1", "page_view", "2026-06-01T10:00:00+08:00", **{"$city": "上海", "$os": "iOS", "page": "home",
                                                                  "chat_id": "wrCHAT1"}),
        event("uC3", "post_view", "2026-06-01T11:00:00+08:00", **{"$city": "深圳", "page": "post_detail",
              "content_id": "c000001", "content_type": "skin_update", "chat_id": "wrCHAT2"}),
        event("uC3", "like", "2026-06-01T11:00:05+08:00", **{"$city": "深圳", "page": "post_detail",
              "content_id": "c000001", "content_type": "skin_update", "chat_id": "wrCHAT2"}),
        event("uC3", "page_view", "2026-06-01T12:00:00+08:00", **{"$city": "北京", "page": "home"}),
        event("uA1", "link_open", "2026-06-01T12:30:00+08:00", **{"$city": "上海", "utm_campaign": "msgA",
              "content_type": "guide", "page": "post_detail"}),
        event("uA1", "click", "2026-06-01T12:31:00+08:00", **{"$city": "上海", "page": "itinerary_consult",
              "element": "nav", "x": 350, "y": 40.5})])
    write_json(z / "users_p0001.json", {"next_page": None, "count": 3, "users": [
        {"id": 9001, "name": "Alice Wang", "email": " Alice.W@Example.com ", "phone": "13800138001",
         "role": "end-user", "created_at": "2026-03-01T00:00:00Z", "user_fields": {"city": "广州"}},
        {"id": 9002, "name": "Bob Li", "email": "bob@example.org", "phone": None, "role": "end-user",
         "created_at": "2026-03-02T00:00:00Z", "user_fields": {"city": "成都"}},
        {"id": 7001, "name": "Agent Wang", "email": "agent@corp.example", "phone": None, "role": "agent",
         "created_at": "2025-01-01T00:00:00Z", "user_fields": {"city": None}}]})
    write_json(z / "groups.json", {"groups": [{"id": 501, "name": "物流组"}, {"id": 502, "name": "售后组"}]})
    write_json(z / "ticket_fields.json", {"ticket_fields": [
        {"id": 360001, "title": "Category", "type": "tagger", "custom_field_options": [
            {"name": "签收异常", "value": "signoff_exception"}, {"name": "配送延迟", "value": "delivery_delay"}]},
        {"id": 360002, "title": "Region", "type": "tagger", "custom_field_options": [
            {"name": "华东", "value": "east_china"}]}]})
    write_json(z / "tickets_p0001.json", {"next_page": None, "end_of_stream": True, "end_time": 0, "count": 2,
               "tickets": [ticket(101, 9001, "2026-06-01T02:00:00Z", "solved", "signoff_exception"),
                           ticket(102, 9002, "2026-06-02T01:00:00Z", "open", "delivery_delay", group=502,
                                  satisfaction_rating={"score": "unoffered"})]})
    write_json(z / "ticket_metrics_p0001.json", {"next_page": None, "count": 2, "ticket_metrics": [
        {"id": 1, "ticket_id": 101, "reopens": 1, "replies": 3,
         "reply_time_in_minutes": {"calendar": 90, "business": 30},
         "first_resolution_time_in_minutes": {"calendar": 180, "business": 120},
         "full_resolution_time_in_minutes": {"calendar": 360, "business": 240}},
        {"id": 2, "ticket_id": 102, "reopens": 0, "replies": 1,
         "reply_time_in_minutes": {"calendar": 180, "business": 0},
         "first_resolution_time_in_minutes": {"calendar": None, "business": None},
         "full_resolution_time_in_minutes": {"calendar": None, "business": None}}]})
    write_json(z / "ticket_events_p0001.json", {"next_page": None, "end_of_stream": True, "count": 7,
               "ticket_events": [
        audit(1, 101, "2026-06-01T02:00:00Z", {"event_type": "Create"}, comment(9001), status(None, "new")),
        audit(2, 101, "2026-06-01T03:30:00Z", comment(7001), status("new", "open")),
        audit(3, 101, "2026-06-01T05:00:00Z", comment(7001), status("open", "solved")),
        audit(4, 101, "2026-06-01T06:00:00Z", comment(9001), status("solved", "open")),
        audit(5, 101, "2026-06-01T08:00:00Z", comment(7001), status("open", "solved")),
        audit(6, 102, "2026-06-02T01:00:00Z", {"event_type": "Create"}, comment(9002), status(None, "new")),
        audit(7, 102, "2026-06-02T02:00:00Z", comment(7001, public=False)),
        audit(8, 102, "2026-06-02T04:00:00Z", comment(7001), status("new", "open"))]})
    write_csv(s / "Contact.csv", ["Id", "FirstName", "LastName", "Email", "Phone", "MailingCity", "Birthdate",
                                  "CreatedDate"], [
        ["003A1", "Alice", "Wang", "ALICE.W@example.com", "+8613800138001", "上海", "2004-07-15",
         "2025-01-01T00:00:00.000Z"]])
    write_csv(s / "Contact_2.csv", ["Id", "FirstName", "LastName", "Email", "Phone", "MailingCity", "Birthdate",
                                    "CreatedDate"], [
        ["003B2", "Carol", "Li", "carol@example.net", "0086 139 0013 9002", None, "1980-01-01",
         "2026-05-01T00:00:00.000Z"]])
    write_csv(s / "Lead.csv", ["Id", "LastName", "Email", "Phone", "LeadSource", "Status", "IsConverted",
                               "ConvertedDate", "ConvertedContactId", "ConvertedOpportunityId", "CreatedDate"], [
        ["00QL1", "Dave", "dave@example.com", None, "WeCom Community", "Open", "false", None, None, None,
         "2026-06-02T00:00:00.000Z"],
        ["00QL2", "Li", None, None, "WeCom Community", "Converted", "true", "2026-06-10", "003B2", "006O1",
         "2026-06-01T00:00:00.000Z"]])
    write_csv(s / "Opportunity.csv", ["Id", "ContactId", "AccountId", "StageName", "Amount", "CloseDate", "IsWon",
                                      "IsClosed", "CreatedDate"], [
        ["006O1", "003B2", "001X", "Closed Won", "1200.50", "2026-06-10", "true", "true", "2026-06-10T00:00:00.000Z"]])
    write_csv(s / "orders.csv", ["order_id", "contact_id", "order_time", "amount", "product_category"], [
        ["o1", "003A1", "2026-05-01T10:00:00+08:00", "199.00", "skincare"],
        ["o2", "003B2", "2026-06-03T12:00:00+08:00", "88.5", "makeup"]])
    write_csv(raw / "experiments" / "assignments.csv", ["experiment_id", "unit_type", "unit_id", "variant",
                                                          "assigned_at", "stratum"], [
        ["nav_fix", "member", "uA1", "treatment", "2026-07-16T00:00:00+08:00", "t1"],
        ["nav_fix", "member", "uC3", "control", "2026-07-16T00:00:00+08:00", "t2"],
        ["community_programme", "community", "wrCHAT1", "treatment", "2026-07-16T00:00:00+08:00", "small"]])
    write_json(raw / "experiments" / "experiments.json", {"experiments": []})
    write_csv(raw / "labels" / "chat_sentiment.csv", ["msgid", "label"], [["m1", "negative"], ["m4", "neutral"]])
    write_csv(raw / "labels" / "ticket_sentiment.csv", ["ticket_id", "label"], [["101", "negative"], ["102", "neutral"]])
    return raw
