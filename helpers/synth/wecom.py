"""WeCom API responses: group chats (list, snapshot at the study start), the membership change
log, external contacts (the only WeCom record carrying a phone), staff, mass messages with their
send results, and the daily group-chat statistics by owner."""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from helpers.synth import communities as C, identifiers, render as R, targets as T
from helpers.synth.clock import DAY_S, Clock
from helpers.synth.identity import Registry
from helpers.synth.messages import STAT_FIELDS
from helpers.synth.writers import ITEMS, Writer

PAGE = 1000
CORP_ID = "ww5f3a9c1e27b84d60"


def write_chats(w: Writer, rng, clock: Clock, people, comm: C.Communities) -> None:
    n = comm.n_chats
    w.pages_of(R.concat('{"chat_id":', R.literals(comm.chat_id), ',"status":0}'), PAGE,
               lambda i: f"wecom/groupchat_list_p{i + 1:04d}.json",
               lambda p, k, end, last: {"errcode": 0, "errmsg": "ok", "group_chat_list": ITEMS,
                                        "next_cursor": "" if last else f"cursor{p + 2:04d}"},
               "wecom/groupchat_list")
    ms = comm.ms
    snap = np.flatnonzero(ms["join_ts"] < clock.t0)
    mem = ms["member"][snap]
    nick = np.where(rng.random(snap.size) < 0.3, people.nickname[mem], "")
    staff_rows = np.r_[comm.owner, comm.assistant]
    staff_chat = np.r_[np.arange(n), np.arange(n)]
    chat = np.r_[ms["chat"][snap], staff_chat]
    userid = np.r_[people.external_userid[mem], comm.staff_userid[staff_rows]]
    join_time = np.r_[ms["join_ts"][snap], comm.create_ts[staff_chat] + np.repeat([0, 600], n)]
    customer = np.r_[np.ones(snap.size, bool), np.zeros(2 * n, bool)]
    member = R.concat(
        '{"userid":', R.distinct(userid), ',"type":', R.pick(pa.array(["1", "2"]), customer.astype(np.int64)),
        ',"join_time":', R.text(join_time), ',"join_scene":', R.text(np.r_[ms["scene"][snap], np.full(2 * n, 1)]),
        ',"invitor":{"userid":', R.distinct(comm.staff_userid[np.r_[ms["invitor"][snap], comm.owner[staff_chat]]]),
        '},"group_nickname":', R.distinct(np.r_[nick, np.full(2 * n, "", dtype=object)]), ',"name":',
        R.distinct(np.r_[people.nickname[mem], comm.staff_name[staff_rows]]),
        R.on(customer, lambda rows: R.concat(',"unionid":', R.distinct(people.unionid[mem[rows]]))), "}")
    order = np.lexsort((np.unique(userid, return_inverse=True)[1], join_time, chat))  # by time, then user id
    k = np.bincount(chat, minlength=n)
    text = R.concat('{"errcode":0,"errmsg":"ok","group_chat":{"chat_id":', R.literals(comm.chat_id), ',"name":',
                    R.literals(comm.name), ',"owner":', R.literals(comm.staff_userid[comm.owner]), ',"create_time":',
                    R.text(comm.create_ts), ',"notice":', R.literals([_notice()]).take(pa.array(np.zeros(n, np.int64))),
                    ',"member_list":[', R.grouped(member.take(pa.array(order)), k), '],"admin_list":[{"userid":',
                    R.literals(comm.staff_userid[comm.assistant]), "}]}}")
    for c in range(n):  # loop over chats (one file each)
        w.path(f"wecom/groupchat_get/{comm.chat_id[c]}.json").write_text(text[c].as_py(), encoding="utf-8")
        w.counts["wecom/groupchat_get"] += 1
        w.counts["wecom/groupchat_get_members"] += int(k[c])
    _change_log(w, clock, people, comm)


def _notice() -> str:
    from helpers.synth.texts import CHAT_NOTICE
    return CHAT_NOTICE


def _change_log(w: Writer, clock: Clock, people, comm: C.Communities) -> None:
    ms = comm.ms
    left = np.flatnonzero(ms["leave_ts"] >= 0)
    back = np.flatnonzero(ms["kind"] == C.REJOIN)
    ts = np.r_[ms["leave_ts"][left], ms["join_ts"][back]]
    add = np.r_[np.zeros(left.size, bool), np.ones(back.size, bool)]
    userid = people.external_userid[np.r_[ms["member"][left], ms["member"][back]]]
    order = np.lexsort((np.unique(userid, return_inverse=True)[1], ts))   # by time, then user id
    line = R.concat(
        f'{{"ToUserName":"{CORP_ID}","FromUserName":"sys","CreateTime":', R.text(ts),
        ',"MsgType":"event","Event":"change_external_chat","ChatId":', R.literals(comm.chat_id).take(
            pa.array(np.r_[ms["chat"][left], ms["chat"][back]])),
        ',"ChangeType":"update","UpdateDetail":', R.pick(pa.array(['"del_member","QuitScene":', '"add_member","JoinScene":']),
                                                         add.astype(np.int64)),
        R.text(np.r_[ms["quit_scene"][left], ms["scene"][back]].astype(np.int64)), ',"MemChangeCnt":1,"MemChangeList":[',
        R.distinct(userid), "]}\n")
    w.lines_now("wecom/change_external_chat.jsonl", line.take(pa.array(order)), "wecom/change_external_chat")


def write_contacts(w: Writer, rng, clock: Clock, people, comm: C.Communities, reg: Registry) -> None:
    n = people.n_members
    has_phone = rng.random(n) < T.WECOM_PHONE
    reg.add("wecom", np.arange(n), np.where(has_phone, people.phone[:n], -1), np.full(n, "", dtype=object))
    first_join = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(first_join, comm.ms["member"], comm.ms["join_ts"])
    phone = identifiers.format_phones(rng, people.phone[:n], (0.8, 0.05, 0.1, 0.05))
    remark = np.where(rng.random(n) < 0.2, np.array(["VIP", "老客户", "新客", "活动"], dtype=object)[rng.integers(0, 4, n)], "")
    createtime = first_join - rng.integers(3600, 30 * DAY_S, n)
    add_way = rng.choice(np.array([1, 3, 4, 9]), n)
    state = np.where(rng.random(n) < 0.3, "qrcode_202605", "")
    obj = R.concat(
        '{"external_contact":{"external_userid":', R.literals(people.external_userid[:n]), ',"name":',
        R.distinct(people.nickname[:n]), ',"type":1,"gender":', R.text(people.gender[:n].astype(np.int64)),
        ',"unionid":', R.literals(people.unionid[:n]), '},"follow_info":{"userid":',
        R.distinct(comm.staff_userid[comm.owner[comm.home]]), ',"remark":', R.distinct(remark), ',"createtime":',
        R.text(createtime), ',"remark_mobiles":',
        pc.fill_null(R.on(has_phone, lambda rows: R.concat("[", R.literals(phone[rows]), "]")), "[]"),
        ',"add_way":', R.text(add_way), ',"state":', R.distinct(state), "}}")
    w.pages_of(obj, PAGE, lambda i: f"wecom/contacts_p{i + 1:04d}.json",
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
    msgid = np.r_[bc["msgid"], g["msgid"]]
    create_time = np.r_[bc["create_ts"], g["create_ts"]]
    linked = np.r_[np.ones(nm, bool), np.zeros(ng, bool)]
    title = np.r_[bc["title"], np.full(ng, None, dtype=object)]
    url = np.r_[bc["url"], np.full(ng, None, dtype=object)]
    obj = R.concat(
        '{"msgid":', R.literals(msgid), ',"creator":', R.distinct(comm.staff_userid[np.r_[bc["creator"], g["creator"]]]),
        ',"create_type":', R.pick(pa.array(["0", "1"]), linked.astype(np.int64)), ',"create_time":', R.text(create_time),
        ',"text":{"content":', R.distinct(np.r_["亲爱的会员，" + bc["title"] + "，点击查看", g["title"]]), '},"attachments":',
        pc.fill_null(R.on(linked, lambda rows: R.concat('[{"msgtype":"link","link":{"title":', R.distinct(title[rows]),
                                                         ',"url":', R.distinct(url[rows]), "}}]")), "[]"), "}")
    w.pages_of(obj.take(pa.array(np.lexsort((np.arange(nm + ng), create_time)))), 10**9,
               lambda i: "wecom/groupmsg_list.json",
               lambda p, k, end, last: {"errcode": 0, "errmsg": "ok", "group_msg_list": ITEMS, "next_cursor": ""},
               "wecom/groupmsg_list")
    # send results: one file per mass message, its sends in receiver-id order
    gs = bc["group_sends"]
    msg = np.r_[bc["send_msg"], nm + gs["msg"]]
    who = np.r_[people.external_userid[bc["send_member"]], comm.chat_id[gs["chat"]]]
    is_chat = np.r_[np.zeros(bc["send_member"].size, bool), np.ones(gs["msg"].size, bool)]
    status = np.r_[bc["send_status"].astype(np.int64), np.ones(gs["msg"].size, dtype=np.int64)]
    send_time = np.r_[bc["send_ts"], gs["send_ts"]]
    obj = R.concat(
        pc.if_else(pa.array(is_chat), '{"chat_id":', '{"external_userid":'), R.distinct(who), ',"userid":',
        R.distinct(comm.staff_userid[np.r_[bc["creator"][bc["send_msg"]], g["creator"][gs["msg"]]]]), ',"status":',
        R.text(status), R.on(is_chat | (status != 0), lambda rows: R.concat(',"send_time":', R.text(send_time[rows]))), "}")
    order = np.lexsort((np.unique(who, return_inverse=True)[1], msg))
    k = np.bincount(msg, minlength=nm + ng)
    text = R.concat('{"errcode":0,"errmsg":"ok","send_list":[', R.grouped(obj.take(pa.array(order)), k),
                    '],"next_cursor":""}')
    for i in np.flatnonzero(k):  # loop over mass messages (one file each)
        w.path(f"wecom/groupmsg_send_result/{msgid[i]}_p0001.json").write_text(text[int(i)].as_py(), encoding="utf-8")
        w.counts["wecom/groupmsg_send_result"] += int(k[i])


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
    owner_id = comm.staff_userid[own.ravel()]
    data = []
    for i, key in enumerate(STAT_FIELDS):  # loop over the statistic's fields
        data += [("," if i else "") + f'"{key}":', R.text(vals[key].ravel())]
    obj = R.concat('{"owner":', R.distinct(owner_id), ',"data":{', *data, "}}")
    order = np.lexsort((np.unique(owner_id, return_inverse=True)[1], day.ravel()))
    k = owners.size
    items = R.grouped(obj.take(pa.array(order)), np.full(nd, k))
    for d in range(nd):  # loop over days (one file each)
        text = ('{"errcode":0,"errmsg":"ok","total":' + str(k) + ',"next_offset":' + str(k) + ',"items":['
                + items[d].as_py() + "]}")
        w.path(f"wecom/groupchat_statistic/statistic_{clock.day_label(d)}.json").write_text(text, encoding="utf-8")
        w.counts["wecom/groupchat_statistic"] += k
