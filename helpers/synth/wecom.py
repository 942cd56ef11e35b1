"""WeCom API responses: group chats (list, snapshot at the study start), the membership change
log, external contacts (the only WeCom record carrying a phone), staff, mass messages with their
send results, and the daily group-chat statistics by owner."""
from __future__ import annotations

import numpy as np

from helpers.synth import communities as C, identifiers, targets as T
from helpers.synth.clock import DAY_S, Clock
from helpers.synth.identity import Registry
from helpers.synth.messages import STAT_FIELDS
from helpers.synth.writers import ITEMS, Writer

PAGE = 1000
CORP_ID = "ww5f3a9c1e27b84d60"


def write_chats(w: Writer, rng, clock: Clock, people, comm: C.Communities) -> None:
    n = comm.n_chats
    w.pages("SELECT chat AS seq, 0 AS end_time, json_object('chat_id', cid, 'status', 0) AS obj FROM chats",
            PAGE, lambda i: f"wecom/groupchat_list_p{i + 1:04d}.json",
            lambda p, k, end, last: {"errcode": 0, "errmsg": "ok", "group_chat_list": ITEMS,
                                     "next_cursor": "" if last else f"cursor{p + 2:04d}"},
            "wecom/groupchat_list")
    ms = comm.ms
    snap = np.flatnonzero(ms["join_ts"] < clock.t0)
    mem = ms["member"][snap]
    nick = np.where(rng.random(snap.size) < 0.3, people.nickname[mem], "")
    staff_rows = np.r_[comm.owner, comm.assistant]
    staff_chat = np.r_[np.arange(n), np.arange(n)]
    w.register("gm", {
        "chat": np.r_[ms["chat"][snap], staff_chat], "userid": np.r_[people.external_userid[mem], comm.staff_userid[staff_rows]],
        "type": np.r_[np.full(snap.size, 2), np.full(2 * n, 1)],
        "join_time": np.r_[ms["join_ts"][snap], comm.create_ts[staff_chat] + np.repeat([0, 600], n)],
        "join_scene": np.r_[ms["scene"][snap], np.full(2 * n, 1)],
        "invitor": np.r_[comm.staff_userid[ms["invitor"][snap]], comm.staff_userid[comm.owner[staff_chat]]],
        "nick": np.r_[nick, np.full(2 * n, "", dtype=object)],
        "name": np.r_[people.nickname[mem], comm.staff_name[staff_rows]],
        "unionid": np.r_[people.unionid[mem], np.full(2 * n, None, dtype=object)]})
    w.register("gc", {"chat": np.arange(n), "cid": comm.chat_id, "cname": comm.name,
                      "owner": comm.staff_userid[comm.owner], "admin": comm.staff_userid[comm.assistant],
                      "create_time": comm.create_ts})
    rows = w.con.sql("""
        WITH m AS (SELECT chat, list(CASE WHEN type = 2 THEN json_object('userid', userid, 'type', type,
                     'join_time', join_time, 'join_scene', join_scene, 'invitor', json_object('userid', invitor),
                     'group_nickname', nick, 'name', name, 'unionid', unionid)
                   ELSE json_object('userid', userid, 'type', type, 'join_time', join_time, 'join_scene', join_scene,
                     'invitor', json_object('userid', invitor), 'group_nickname', nick, 'name', name) END
                   ORDER BY join_time, userid) AS ml, count(*) AS k FROM gm GROUP BY chat)
        SELECT cid, k, json_object('errcode', 0, 'errmsg', 'ok', 'group_chat', json_object('chat_id', cid, 'name', cname,
               'owner', owner, 'create_time', create_time, 'notice', ?, 'member_list', ml,
               'admin_list', [json_object('userid', admin)]))::VARCHAR
        FROM gc JOIN m USING (chat) ORDER BY chat""", params=[_notice()]).fetchall()
    for cid, k, text in rows:  # loop over chats (one file each)
        w.path(f"wecom/groupchat_get/{cid}.json").write_text(text, encoding="utf-8")
        w.counts["wecom/groupchat_get"] += 1
        w.counts["wecom/groupchat_get_members"] += int(k)
    _change_log(w, clock, people, comm)


def _notice() -> str:
    from helpers.synth.texts import CHAT_NOTICE
    return CHAT_NOTICE


def _change_log(w: Writer, clock: Clock, people, comm: C.Communities) -> None:
    ms = comm.ms
    left = np.flatnonzero(ms["leave_ts"] >= 0)
    back = np.flatnonzero(ms["kind"] == C.REJOIN)
    w.register("cl", {
        "ts": np.r_[ms["leave_ts"][left], ms["join_ts"][back]],
        "chat": np.r_[ms["chat"][left], ms["chat"][back]],
        "add": np.r_[np.zeros(left.size, bool), np.ones(back.size, bool)],
        "scene": np.r_[ms["quit_scene"][left], ms["scene"][back]].astype(np.int64),
        "userid": np.r_[people.external_userid[ms["member"][left]], people.external_userid[ms["member"][back]]]})
    w.lines("wecom/change_external_chat.jsonl", f"""
        SELECT CASE WHEN add THEN json_object('ToUserName', '{CORP_ID}', 'FromUserName', 'sys', 'CreateTime', ts,
                   'MsgType', 'event', 'Event', 'change_external_chat', 'ChatId', c.cid, 'ChangeType', 'update',
                   'UpdateDetail', 'add_member', 'JoinScene', scene, 'MemChangeCnt', 1, 'MemChangeList', [userid])
               ELSE json_object('ToUserName', '{CORP_ID}', 'FromUserName', 'sys', 'CreateTime', ts,
                   'MsgType', 'event', 'Event', 'change_external_chat', 'ChatId', c.cid, 'ChangeType', 'update',
                   'UpdateDetail', 'del_member', 'QuitScene', scene, 'MemChangeCnt', 1, 'MemChangeList', [userid]) END AS line
        FROM cl JOIN chats c USING (chat) ORDER BY ts, userid""", "wecom/change_external_chat")


def write_contacts(w: Writer, rng, clock: Clock, people, comm: C.Communities, reg: Registry) -> None:
    n = people.n_members
    has_phone = rng.random(n) < T.WECOM_PHONE
    reg.add("wecom", np.arange(n), np.where(has_phone, people.phone[:n], -1), np.full(n, "", dtype=object))
    first_join = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(first_join, comm.ms["member"], comm.ms["join_ts"])
    phone = identifiers.format_phones(rng, people.phone[:n], (0.8, 0.05, 0.1, 0.05))
    w.register("wc", {"seq": np.arange(n), "ext": people.external_userid[:n], "name": people.nickname[:n],
                      "gender": people.gender[:n].astype(np.int64), "unionid": people.unionid[:n],
                      "staff": comm.staff_userid[comm.owner[comm.home]],
                      "remark": np.where(rng.random(n) < 0.2, np.array(["VIP", "老客户", "新客", "活动"], dtype=object)[rng.integers(0, 4, n)], ""),
                      "createtime": first_join - rng.integers(3600, 30 * DAY_S, n), "phone": np.where(has_phone, phone, None),
                      "add_way": rng.choice(np.array([1, 3, 4, 9]), n), "state": np.where(rng.random(n) < 0.3, "qrcode_202605", "")})
    w.pages("""SELECT seq, 0 AS end_time, json_object('external_contact', json_object('external_userid', ext, 'name', name,
                   'type', 1, 'gender', gender, 'unionid', unionid),
               'follow_info', json_object('userid', staff, 'remark', remark, 'createtime', createtime,
                   'remark_mobiles', CASE WHEN phone IS NULL THEN []::VARCHAR[] ELSE [phone] END, 'add_way', add_way,
                   'state', state)) AS obj FROM wc""",
            PAGE, lambda i: f"wecom/contacts_p{i + 1:04d}.json",
            lambda p, k, end, last: {"errcode": 0, "errmsg": "ok", "external_contact_list": ITEMS,
                                     "next_cursor": "" if last else f"cursor{p + 2:04d}"},
            "wecom/contacts")
    teams = list(dict.fromkeys(comm.staff_team))
    w.json("wecom/staff.json", {"errcode": 0, "errmsg": "ok", "userlist": [
        {"userid": u, "name": nm, "department": [1, 2 + teams.index(t)], "position": p, "team": t}
        for u, nm, t, p in zip(comm.staff_userid, comm.staff_name, comm.staff_team, comm.staff_position)]},
        "wecom/staff", comm.staff_userid.size)


def write_broadcasts(w: Writer, people, comm: C.Communities, bc: dict) -> None:
    g = bc["group_msgs"]
    nm, ng = bc["msgid"].size, g["msgid"].size
    w.register("gl", {"seq": np.arange(nm + ng), "msgid": np.r_[bc["msgid"], g["msgid"]],
                      "creator": comm.staff_userid[np.r_[bc["creator"], g["creator"]]],
                      "create_type": np.r_[np.ones(nm, dtype=np.int64), np.zeros(ng, dtype=np.int64)],
                      "create_time": np.r_[bc["create_ts"], g["create_ts"]],
                      "content": np.r_["亲爱的会员，" + bc["title"] + "，点击查看", g["title"]],
                      "title": np.r_[bc["title"], np.full(ng, None, dtype=object)],
                      "url": np.r_[bc["url"], np.full(ng, None, dtype=object)]})
    w.pages("""SELECT row_number() OVER (ORDER BY create_time, gl.seq) - 1 AS seq, 0 AS end_time, CASE WHEN url IS NULL THEN json_object('msgid', msgid, 'creator', creator,
                   'create_type', create_type, 'create_time', create_time, 'text', json_object('content', content),
                   'attachments', []::JSON[])
               ELSE json_object('msgid', msgid, 'creator', creator, 'create_type', create_type,
                   'create_time', create_time, 'text', json_object('content', content),
                   'attachments', [json_object('msgtype', 'link', 'link', json_object('title', title, 'url', url))]) END AS obj
               FROM gl""", 10**9, lambda i: "wecom/groupmsg_list.json",
            lambda p, k, end, last: {"errcode": 0, "errmsg": "ok", "group_msg_list": ITEMS, "next_cursor": ""},
            "wecom/groupmsg_list")
    gs = bc["group_sends"]
    w.register("gs", {
        "msg": np.r_[bc["send_msg"], nm + gs["msg"]],
        "who": np.r_[people.external_userid[bc["send_member"]], comm.chat_id[gs["chat"]]],
        "is_chat": np.r_[np.zeros(bc["send_member"].size, bool), np.ones(gs["msg"].size, bool)],
        "userid": comm.staff_userid[np.r_[bc["creator"][bc["send_msg"]], g["creator"][gs["msg"]]]],
        "status": np.r_[bc["send_status"].astype(np.int64), np.ones(gs["msg"].size, dtype=np.int64)],
        "send_time": np.r_[bc["send_ts"], gs["send_ts"]]})
    rows = w.con.sql("""SELECT g.msgid, count(*), to_json(list(CASE
            WHEN is_chat THEN json_object('chat_id', who, 'userid', userid, 'status', status, 'send_time', send_time)
            WHEN status = 0 THEN json_object('external_userid', who, 'userid', userid, 'status', status)
            ELSE json_object('external_userid', who, 'userid', userid, 'status', status, 'send_time', send_time) END
            ORDER BY who))::VARCHAR FROM gs JOIN gl g ON gs.msg = g.seq GROUP BY g.msgid ORDER BY g.msgid""").fetchall()
    for msgid, k, items in rows:  # loop over mass messages (one file each)
        text = '{"errcode":0,"errmsg":"ok","send_list":' + items + ',"next_cursor":""}'
        w.path(f"wecom/groupmsg_send_result/{msgid}_p0001.json").write_text(text, encoding="utf-8")
        w.counts["wecom/groupmsg_send_result"] += int(k)


def write_statistics(w: Writer, clock: Clock, comm: C.Communities, stats: np.ndarray) -> None:
    """``groupchat/statistic`` by owner, one file per day."""
    ms = comm.ms
    nd, n = clock.n_days, comm.n_chats
    join_day = np.clip(clock.day_of(ms["join_ts"]), -1, nd)
    leave_day = np.where(ms["leave_ts"] >= 0, clock.day_of(ms["leave_ts"]), nd + 1)
    diff = np.zeros((n, nd + 3), dtype=np.int64)
    np.add.at(diff, (ms["chat"], join_day + 1), 1)
    np.add.at(diff, (ms["chat"], np.minimum(leave_day, nd + 1) + 1), -1)
    total = np.cumsum(diff, axis=1)[:, 1:nd + 1] + 2            # customers at the end of each day, plus two staff
    new = np.zeros((n, nd), dtype=np.int64)
    inwin = (join_day >= 0) & (join_day < nd)
    np.add.at(new, (ms["chat"][inwin], join_day[inwin]), 1)
    owners = np.unique(comm.owner)
    day, own = np.meshgrid(np.arange(nd), owners, indexing="ij")
    onehot = (comm.owner[None, :] == owners[:, None]).astype(np.int64)   # owners x chats
    vals = {"new_chat_cnt": np.zeros_like(day), "chat_total": np.tile(onehot.sum(1), (nd, 1)),
            "chat_has_msg": (stats[:, :, 0] > 0).astype(np.int64) @ onehot.T,
            "new_member_cnt": new.T @ onehot.T, "member_total": total.T @ onehot.T,
            "member_has_msg": stats[:, :, 1] @ onehot.T, "msg_total": stats[:, :, 0] @ onehot.T,
            "migrate_trainee_chat_cnt": np.zeros_like(day)}
    w.register("st", {"day": day.ravel(), "owner": comm.staff_userid[own.ravel()]} | {k: vals[k].ravel() for k in STAT_FIELDS})
    data = ", ".join(f"'{k}', {k}" for k in STAT_FIELDS)
    rows = w.con.sql(f"""SELECT day, count(*), to_json(list(json_object('owner', owner, 'data', json_object({data}))
                         ORDER BY owner))::VARCHAR FROM st GROUP BY day ORDER BY day""").fetchall()
    for d, k, items in rows:  # loop over days (one file each)
        text = '{"errcode":0,"errmsg":"ok","total":' + str(k) + ',"next_offset":' + str(k) + ',"items":' + items + "}"
        w.path(f"wecom/groupchat_statistic/statistic_{clock.day_label(int(d))}.json").write_text(text, encoding="utf-8")
        w.counts["wecom/groupchat_statistic"] += int(k)
