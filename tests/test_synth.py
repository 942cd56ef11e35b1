"""The sample-enterprise generator (helpers.synth): determinism, the documented raw formats, and the
planted figures recovered from the raw files with small independent pandas code (never from the
generator's own arrays). Planted values and tolerances: docs/sample_truth.md and the task brief.
"""
from __future__ import annotations

import csv
import hashlib
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from helpers.synth import generate

SCALE, SEED, START = 0.02, 7, "2026-06-01"
T0 = pd.Timestamp(START, tz="Asia/Shanghai")
PRE_END = T0 + pd.Timedelta(days=30)
TEST_START = T0 + pd.Timedelta(days=45)
REFERENCE = Path(__file__).resolve().parents[1] / "data" / "reference"
MEMBER_MSGTYPES = ("text", "image", "emotion", "link")


# ---------------------------------------------------------------- fixtures and raw-file readers

@pytest.fixture(scope="module")
def synth_sample(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth") / "data"
    truth = generate(out, scale=SCALE, seed=SEED, start=START, progress=False, defects=False)
    return out / "raw", truth


def _local(ms_or_s, unit):
    return pd.to_datetime(ms_or_s, unit=unit, utc=True).dt.tz_convert("Asia/Shanghai")


def _lines(paths) -> list[dict]:
    out = []
    for p in sorted(paths):
        with open(p, encoding="utf-8") as fh:
            out.extend(json.loads(line) for line in fh)
    return out


@pytest.fixture(scope="module")
def events(synth_sample):
    raw, _ = synth_sample
    rows = _lines((raw / "tracking").glob("events_*.jsonl"))
    props = pd.DataFrame([r["properties"] for r in rows])
    ev = pd.DataFrame({"uid": [r["distinct_id"] for r in rows], "event": [r["event"] for r in rows],
                       "time": [r["time"] for r in rows]})
    ev = pd.concat([ev, props], axis=1)
    ev["ts"] = _local(ev["time"], "ms")
    return ev


@pytest.fixture(scope="module")
def archive(synth_sample):
    raw, _ = synth_sample
    rows = _lines((raw / "wecom" / "msgaudit").glob("messages_*.jsonl"))
    df = pd.DataFrame({"msgid": [r["msgid"] for r in rows], "sender": [r["from"] for r in rows],
                       "roomid": [r["roomid"] for r in rows], "msgtime": [r["msgtime"] for r in rows],
                       "msgtype": [r["msgtype"] for r in rows],
                       "text": [r.get("text", {}).get("content") for r in rows]})
    df["ts"] = _local(df["msgtime"], "ms")
    return df


@pytest.fixture(scope="module")
def chats(synth_sample):
    """Snapshot members at the start: one row per (chat, external member)."""
    raw, _ = synth_sample
    rows = []
    for f in sorted((raw / "wecom" / "groupchat_get").glob("*.json")):
        gc = json.loads(f.read_text(encoding="utf-8"))["group_chat"]
        for m in gc["member_list"]:
            if m["type"] == 2:
                rows.append((gc["chat_id"], m["userid"], m["unionid"], m["join_time"]))
    return pd.DataFrame(rows, columns=["chat_id", "userid", "unionid", "join_time"])


@pytest.fixture(scope="module")
def zendesk(synth_sample):
    raw, _ = synth_sample
    z = raw / "zendesk"
    tickets = pd.DataFrame([t for f in sorted(z.glob("tickets_p*.json"))
                            for t in json.loads(f.read_text(encoding="utf-8"))["tickets"]])
    audits = [a for f in sorted(z.glob("ticket_events_p*.json"))
              for a in json.loads(f.read_text(encoding="utf-8"))["ticket_events"]]
    metrics = pd.DataFrame([m for f in sorted(z.glob("ticket_metrics_p*.json"))
                            for m in json.loads(f.read_text(encoding="utf-8"))["ticket_metrics"]])
    users = pd.DataFrame([u for f in sorted(z.glob("users_p*.json"))
                          for u in json.loads(f.read_text(encoding="utf-8"))["users"]])
    return tickets, audits, metrics, users


def _ticket_timeline(tickets, audits, users):
    """Per ticket: created, first public agent comment, first and last solve (from the audits)."""
    agents = set(users.loc[users["role"] == "agent", "id"])
    rows = []
    for a in audits:
        for c in a["child_events"]:
            if c["event_type"] == "Comment" and c["public"] and c["author_id"] in agents:
                rows.append((a["ticket_id"], a["timestamp"], "reply"))
            if c["event_type"] == "Change" and c["field_name"] == "status" and c["value"] == "solved":
                rows.append((a["ticket_id"], a["timestamp"], "solve"))
    ev = pd.DataFrame(rows, columns=["id", "t", "what"])
    out = tickets[["id", "created_at"]].copy()
    out["created"] = pd.to_datetime(out["created_at"]).astype("int64") // 10**9
    g = ev.groupby(["id", "what"])["t"]
    out["reply"] = out["id"].map(g.min().xs("reply", level="what"))
    out["first_solve"] = out["id"].map(g.min().xs("solve", level="what"))
    out["last_solve"] = out["id"].map(g.max().xs("solve", level="what"))
    return out


def _category(tickets):
    return tickets["custom_fields"].map(lambda fs: next(f["value"] for f in fs if f["id"] == 360001234501))


# ---------------------------------------------------------------- determinism

def _digests(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_gives_identical_files_and_another_seed_does_not(tmp_path):
    generate(tmp_path / "a", scale=0.005, seed=11, progress=False)
    generate(tmp_path / "b", scale=0.005, seed=11, progress=False)
    generate(tmp_path / "c", scale=0.005, seed=12, progress=False)
    a, b, c = (_digests(tmp_path / x / "raw") for x in "abc")
    assert len(a) > 300
    assert a == b
    shared = set(a) & set(c)
    assert sum(a[k] != c[k] for k in shared) > 0.9 * len(shared)


def test_scale_must_be_positive(tmp_path):
    with pytest.raises(ValueError, match="scale"):
        generate(tmp_path, scale=0, progress=False)


# ---------------------------------------------------------------- documented files and keys

def test_every_documented_file_kind_exists_and_counts_match(synth_sample):
    raw, truth = synth_sample
    expected = ["wecom/groupchat_list_p0001.json", "wecom/change_external_chat.jsonl", "wecom/contacts_p0001.json",
                "wecom/staff.json", "wecom/groupmsg_list.json", "zendesk/tickets_p0001.json",
                "zendesk/ticket_metrics_p0001.json", "zendesk/ticket_events_p0001.json", "zendesk/ticket_fields.json",
                "zendesk/users_p0001.json", "zendesk/groups.json", "zendesk/schedules.json", "salesforce/Contact.csv",
                "salesforce/Lead.csv", "salesforce/Opportunity.csv", "salesforce/orders.csv",
                "experiments/assignments.csv", "experiments/experiments.json", "ground_truth.json"]
    for rel in expected:
        assert (raw / rel).is_file(), rel
    assert len(list((raw / "wecom" / "groupchat_get").glob("wr*.json"))) == truth["population"]["group_chats"]
    assert len(list((raw / "wecom" / "msgaudit").glob("messages_2026????.jsonl"))) == 75
    assert len(list((raw / "wecom" / "groupchat_statistic").glob("statistic_2026????.json"))) == 75
    assert len(list((raw / "tracking").glob("events_2026????.jsonl"))) == 75
    assert list((raw / "wecom" / "groupmsg_send_result").glob("msg*_p0001.json"))
    n_events = sum(p.read_bytes().count(b"\n") for p in (raw / "tracking").glob("*.jsonl"))
    assert truth["counts"]["tracking/events"] == n_events
    assert set(truth) >= {"seed", "scale", "start", "timeline", "definitions", "figures", "identity", "experiments",
                          "case_study", "counts"}


def test_wecom_shapes(synth_sample):
    raw, _ = synth_sample
    w = raw / "wecom"
    lst = json.loads((w / "groupchat_list_p0001.json").read_text(encoding="utf-8"))
    assert list(lst) == ["errcode", "errmsg", "group_chat_list", "next_cursor"]
    assert set(lst["group_chat_list"][0]) == {"chat_id", "status"}
    gc = json.loads(next(w.glob("groupchat_get/*.json")).read_text(encoding="utf-8"))["group_chat"]
    assert set(gc) == {"chat_id", "name", "owner", "create_time", "notice", "member_list", "admin_list"}
    ext = [m for m in gc["member_list"] if m["type"] == 2]
    staff = [m for m in gc["member_list"] if m["type"] == 1]
    assert ext and staff and all("unionid" not in m for m in staff)
    assert set(ext[0]) == {"userid", "type", "join_time", "join_scene", "invitor", "group_nickname", "name", "unionid"}
    assert all(m["join_time"] < T0.timestamp() for m in gc["member_list"])
    change = _lines([w / "change_external_chat.jsonl"])
    assert {c["UpdateDetail"] for c in change} == {"add_member", "del_member"}
    assert all(("JoinScene" in c) == (c["UpdateDetail"] == "add_member") for c in change)
    contact = json.loads((w / "contacts_p0001.json").read_text(encoding="utf-8"))["external_contact_list"][0]
    assert set(contact["external_contact"]) == {"external_userid", "name", "type", "gender", "unionid"}
    assert set(contact["follow_info"]) == {"userid", "remark", "createtime", "remark_mobiles", "add_way", "state"}
    line = _lines([w / "msgaudit" / "messages_20260610.jsonl"])[0]
    assert {"msgid", "action", "from", "tolist", "roomid", "msgtime", "msgtype"} <= set(line)
    room = [r for r in _lines([w / "msgaudit" / "messages_20260610.jsonl"]) if r["msgtype"] == "text"][0]
    assert list(room) == ["msgid", "action", "from", "tolist", "roomid", "msgtime", "msgtype", "text"]
    assert set(room["text"]) == {"content"} and room["roomid"].startswith("wr")
    gm = json.loads((w / "groupmsg_list.json").read_text(encoding="utf-8"))["group_msg_list"]
    linked = [g for g in gm if g["attachments"]]
    assert "utm_campaign=" + linked[0]["msgid"] in linked[0]["attachments"][0]["link"]["url"]
    res = json.loads((w / "groupmsg_send_result" / f"{linked[0]['msgid']}_p0001.json").read_text(encoding="utf-8"))
    assert all(("send_time" in s) == (s["status"] != 0) for s in res["send_list"])
    assert {s["status"] for s in res["send_list"]} <= {0, 1, 2, 3}
    st = json.loads((w / "groupchat_statistic" / "statistic_20260601.json").read_text(encoding="utf-8"))
    assert set(st["items"][0]["data"]) == {"new_chat_cnt", "chat_total", "chat_has_msg", "new_member_cnt",
                                           "member_total", "member_has_msg", "msg_total",
                                           "migrate_trainee_chat_cnt"}


def test_statistic_msg_total_counts_unarchived_messages_too(synth_sample, archive):
    raw, _ = synth_sample
    total = sum(i["data"]["msg_total"] for f in (raw / "wecom" / "groupchat_statistic").glob("*.json")
                for i in json.loads(f.read_text(encoding="utf-8"))["items"])
    archived = int((archive["roomid"] != "").sum())
    assert total > archived


def test_tracking_line_shape_and_utf8(synth_sample):
    raw, _ = synth_sample
    text = (raw / "tracking" / "events_20260605.jsonl").read_bytes().decode("utf-8")
    assert "\\u" not in text and any("\u4e00" <= ch <= "\u9fff" for ch in text[:2000])
    rows = [json.loads(x) for x in text.splitlines()]
    assert set(rows[0]) == {"distinct_id", "type", "event", "time", "properties"}
    by_event = {r["event"]: r["properties"] for r in rows}
    assert set(by_event) == {"page_view", "post_view", "like", "comment", "share", "post", "click", "link_open",
                             "booking_submit", "purchase"}
    assert {"page", "content_id", "content_type"} <= set(by_event["post_view"])
    assert {"page", "element", "x", "y"} <= set(by_event["click"])
    assert {"utm_campaign", "content_type", "page"} <= set(by_event["link_open"])
    assert {"order_id", "amount"} <= set(by_event["purchase"])
    assert all("chat_id" not in r["properties"] for r in rows if r["event"] == "click")


def test_zendesk_shapes(synth_sample, zendesk):
    raw, _ = synth_sample
    tickets, audits, metrics, users = zendesk
    page = json.loads((raw / "zendesk" / "tickets_p0001.json").read_text(encoding="utf-8"))
    assert list(page) == ["tickets", "next_page", "end_of_stream", "end_time", "count"]
    assert {"id", "created_at", "updated_at", "type", "subject", "description", "priority", "status", "requester_id",
            "submitter_id", "assignee_id", "group_id", "tags", "via", "custom_fields",
            "satisfaction_rating"} == set(tickets.columns)
    assert tickets["created_at"].str.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$").all()
    assert set(audits[0]) == {"id", "ticket_id", "timestamp", "created_at", "updater_id", "via", "event_type",
                              "child_events"}
    kinds = {c["event_type"] for a in audits for c in a["child_events"]}
    assert kinds == {"Create", "Change", "Comment"}
    assert {"reply_time_in_minutes", "first_resolution_time_in_minutes", "full_resolution_time_in_minutes",
            "agent_wait_time_in_minutes", "requester_wait_time_in_minutes", "on_hold_time_in_minutes", "reopens",
            "replies", "assigned_at", "solved_at"} <= set(metrics.columns)
    assert set(metrics["full_resolution_time_in_minutes"].iloc[0]) == {"calendar", "business"}
    assert set(users["role"]) == {"end-user", "agent"}
    assert set(users.columns) == {"id", "name", "email", "phone", "role", "created_at", "user_fields"}
    sched = json.loads((raw / "zendesk" / "schedules.json").read_text(encoding="utf-8"))["schedules"][0]
    assert sched["time_zone"] == "Beijing" and len(sched["intervals"]) == 5


SF_HEADERS = {
    "Contact": "Id,FirstName,LastName,Email,Phone,MailingCity,Birthdate,CreatedDate",
    "Lead": "Id,LastName,Email,Phone,LeadSource,Status,IsConverted,ConvertedDate,ConvertedContactId,"
            "ConvertedOpportunityId,CreatedDate",
    "Opportunity": "Id,ContactId,AccountId,StageName,Amount,CloseDate,IsWon,IsClosed,CreatedDate",
    "orders": "order_id,contact_id,order_time,amount,product_category",
}


@pytest.mark.parametrize("stem", list(SF_HEADERS))
def test_salesforce_csv_headers_and_every_value_quoted(synth_sample, stem):
    raw, _ = synth_sample
    path = raw / "salesforce" / f"{stem}.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    header = next(csv.reader([lines[0]]))
    assert ",".join(header) == SF_HEADERS[stem]
    width = len(header)
    quoted = re.compile(r'^"[^"]*"(,"[^"]*")*$')
    assert all(quoted.match(line) and line.count('","') == width - 1 for line in lines)
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    if stem == "Contact":
        assert df["Id"].str.match(r"^003\w{15}$").all()
        assert df["CreatedDate"].str.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$").all()
    if stem == "orders":
        assert df["order_time"].str.endswith("+08:00").all()
    if stem == "Lead":
        assert set(df["IsConverted"]) == {"true", "false"}


def test_experiments_export(synth_sample):
    raw, truth = synth_sample
    a = pd.read_csv(raw / "experiments" / "assignments.csv")
    assert list(a.columns) == ["experiment_id", "unit_type", "unit_id", "variant", "assigned_at", "stratum"]
    counts = a.groupby(["experiment_id", "variant"]).size()
    n = truth["population"]["community_members"]
    assert abs(counts["nav_fix"]["treatment"] - n / 2) <= 3
    prog = a[a["experiment_id"] == "community_programme"]
    assert len(prog) == truth["population"]["programme_chats"] >= 10
    assert a["assigned_at"].eq("2026-07-16T00:00:00+08:00").all()


# ---------------------------------------------------------------- privacy, labels, texts

def test_no_labels_and_no_full_names_in_texts(synth_sample, archive, zendesk):
    raw, _ = synth_sample
    label = re.compile(r"\b(core|segment|persona|bounce[d]?|cluster|class)\b", re.IGNORECASE)
    for sub in ("wecom", "tracking", "zendesk", "salesforce"):
        for p in list((raw / sub).rglob("*.json*"))[:40] + list((raw / sub).rglob("*.csv")):
            assert not label.search(p.read_text(encoding="utf-8")), p
    contacts = pd.read_csv(raw / "salesforce" / "Contact.csv", dtype=str, keep_default_na=False)
    tickets, audits, _, users = zendesk
    names = set(contacts["LastName"] + contacts["FirstName"]) | set(users["name"].dropna())
    names = {n for n in names if len(n) >= 2 and not n.isascii()}
    bodies = {c["body"] for a in audits for c in a["child_events"] if c["event_type"] == "Comment"}
    texts = set(archive["text"].dropna()) | set(tickets["description"]) | set(tickets["subject"]) | bodies
    pattern = re.compile("|".join(sorted(map(re.escape, names), key=len, reverse=True)))
    assert len(names) > 500
    assert not [t for t in texts if pattern.search(t)]


def test_pii_shares_in_descriptions_and_chat_messages(zendesk, archive):
    tickets, *_ = zendesk
    pii = re.compile(r"1[3-9]\d{9}|\S+@\S+\.\w+")
    share = tickets["description"].str.contains(pii).mean()
    assert share == pytest.approx(0.05, abs=0.002)
    cust = archive[(archive["msgtype"] == "text") & archive["sender"].str.match(r"^w[mo]")]
    phone = re.compile(r"1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}")
    assert cust["text"].str.contains(phone).mean() == pytest.approx(0.01, abs=0.001)


def test_ticket_labels_are_a_sample_of_tickets_with_their_bodies_labels(synth_sample, zendesk):
    from helpers.synth import ticket_texts as TT
    raw, truth = synth_sample
    tickets, *_ = zendesk
    lab = pd.read_csv(raw / "labels" / "ticket_sentiment.csv", dtype=str)
    assert list(lab.columns) == ["ticket_id", "label"] and len(lab) == min(300, len(tickets))
    assert lab["ticket_id"].is_unique and set(lab["ticket_id"]) <= set(tickets["id"].astype(str))
    # the body is the description, or its start when a contact line (" " + a PII template) follows it
    bodies = set(TT.body_bank().texts)
    body = [next(b for b in bodies if d == b or d.startswith(b + " ")) for d in tickets["description"]]
    planted = pd.Series(TT.body_labels(np.array(body, dtype=object)), index=tickets["id"].astype(str))
    assert (lab.set_index("ticket_id")["label"] == planted.reindex(lab["ticket_id"])).all()
    share = float((planted == "negative").mean())
    assert truth["figures"]["ticket_negative_share_realized"] == pytest.approx(share)
    assert 0.6 < share < 0.95 and set(planted) == {"negative", "neutral"}


def test_identifier_formats_differ_across_systems(synth_sample, zendesk):
    raw, _ = synth_sample
    _, _, _, users = zendesk
    contacts = pd.read_csv(raw / "salesforce" / "Contact.csv", dtype=str, keep_default_na=False)
    phones = pd.concat([contacts["Phone"], users["phone"].dropna()])
    phones = phones[phones != ""]
    styles = {"plain": r"^1\d{10}$", "spaced": r"^\+86 \d{3} \d{4} \d{4}$", "e164": r"^\+861\d{10}$",
              "dashed": r"^\d{3}-\d{4}-\d{4}$"}
    for name, rx in styles.items():
        assert phones.str.match(rx).sum() > 20, name
    emails = contacts["Email"][contacts["Email"] != ""]
    assert (emails != emails.str.strip().str.lower()).mean() > 0.1


# ---------------------------------------------------------------- planted figures, from raw files

def test_age_18_25_share_of_contacts_with_birthdate(synth_sample):
    raw, truth = synth_sample
    c = pd.read_csv(raw / "salesforce" / "Contact.csv", dtype=str, keep_default_na=False)
    bd = pd.to_datetime(c.loc[c["Birthdate"] != "", "Birthdate"])
    start = pd.Timestamp(START)
    age = start.year - bd.dt.year - ((bd.dt.month > start.month) | ((bd.dt.month == start.month) & (bd.dt.day > start.day)))
    assert age.between(18, 25).mean() == pytest.approx(0.43, abs=0.01)
    assert truth["figures"]["age_18_25_share"] == 0.43


def test_community_lead_conversion_within_30_days(synth_sample):
    raw, _ = synth_sample
    lead = pd.read_csv(raw / "salesforce" / "Lead.csv", dtype=str, keep_default_na=False)
    created = pd.to_datetime(lead["CreatedDate"]).dt.tz_convert("Asia/Shanghai")
    pre = lead[(lead["LeadSource"] == "WeCom Community") & (created < PRE_END)]
    conv = pd.to_datetime(pre["ConvertedDate"].replace("", None)).dt.tz_localize("Asia/Shanghai")
    within = (conv - created[pre.index]) <= pd.Timedelta(days=30)
    assert within.mean() == pytest.approx(0.12, abs=0.01)
    other = lead[lead["LeadSource"] != "WeCom Community"]
    assert other["IsConverted"].eq("true").mean() == pytest.approx(0.2, abs=0.06)


def test_support_desk_figures(zendesk):
    tickets, audits, _, users = zendesk
    tl = _ticket_timeline(tickets, audits, users)
    created = pd.to_datetime(tickets["created_at"]).dt.tz_convert("Asia/Shanghai")
    pre = (created < PRE_END).to_numpy()
    cat = _category(tickets).to_numpy()
    assert (cat[pre] == "signoff_exception").mean() == pytest.approx(0.38, abs=0.01)
    hours = ((tl["last_solve"] - tl["created"]) / 3600).to_numpy()
    solved = pre & ~np.isnan(hours)
    assert solved.sum() == pre.sum()
    assert hours[solved].mean() == pytest.approx(72, abs=2)
    share = hours[solved & (cat == "signoff_exception")].sum() / hours[solved].sum()
    assert share == pytest.approx(0.22, abs=0.01)
    cities = pd.read_csv(REFERENCE / "cities.csv")
    tier = users.set_index("id")["user_fields"].map(lambda f: f["city"]).map(cities.set_index("city")["city_tier"])
    t3 = pre & (tickets["requester_id"].map(tier) == 3).to_numpy()
    logistics = np.isin(cat, ["signoff_exception", "delivery_delay"])
    assert logistics[t3].mean() == pytest.approx(0.68, abs=0.01)
    assert hours[t3 & logistics].mean() == pytest.approx(48, abs=1)


def test_ticket_metrics_agree_with_events_except_a_few_stale(zendesk):
    tickets, audits, metrics, users = zendesk
    tl = _ticket_timeline(tickets, audits, users).set_index("id")
    m = metrics.set_index("ticket_id")
    full = m["full_resolution_time_in_minutes"].map(lambda x: x["calendar"])
    reply = m["reply_time_in_minutes"].map(lambda x: x["calendar"])
    solved = tl["last_solve"].notna()
    calc_full = ((tl["last_solve"] - tl["created"]) / 60).round()
    agree_full = (calc_full[solved] - full[solved[solved].index]).abs() <= 1
    assert agree_full.mean() >= 0.995
    assert (~agree_full).sum() >= 1                        # a few stale metrics exist
    replied = tl["reply"].notna()
    calc_reply = ((tl["reply"] - tl["created"]) / 60).round()
    assert ((calc_reply[replied] - reply[replied[replied].index]).abs() <= 1).all()


def _naive_business_minutes(start_s: int, end_s: int, holidays) -> int:
    """Count schedule minutes one by one (reference implementation for the vectorized one)."""
    minutes = pd.date_range(pd.Timestamp(start_s, unit="s", tz="UTC"), pd.Timestamp(end_s, unit="s", tz="UTC"),
                            freq="min", inclusive="left").tz_convert("Asia/Shanghai")
    day = minutes.tz_localize(None).normalize()
    ok = (minutes.weekday < 5) & (minutes.hour >= 9) & (minutes.hour < 18) & ~day.isin(holidays)
    return int(ok.sum())


def test_business_minutes_match_a_minute_by_minute_count(zendesk):
    tickets, audits, metrics, users = zendesk
    tl = _ticket_timeline(tickets, audits, users).set_index("id")
    m = metrics.set_index("ticket_id")
    holidays = pd.to_datetime(pd.read_csv(REFERENCE / "holidays_cn.csv", dtype=str)["date"])
    short = (tl["first_solve"] - tl["created"]) < 6 * 86_400
    ids = tl.index[tl["reply"].notna() & short][:150]
    assert len(ids) == 150
    for tid in ids:
        created = int(tl.at[tid, "created"])
        exp_reply = _naive_business_minutes(created, int(tl.at[tid, "reply"]), holidays)
        exp_first = _naive_business_minutes(created, int(tl.at[tid, "first_solve"]), holidays)
        assert abs(m.at[tid, "reply_time_in_minutes"]["business"] - exp_reply) <= 1, tid
        assert abs(m.at[tid, "first_resolution_time_in_minutes"]["business"] - exp_first) <= 1, tid


def test_tier3_share_of_members(chats, events):
    cities = pd.read_csv(REFERENCE / "cities.csv")
    city = events.groupby("uid")["$city"].first()
    members = chats["unionid"].drop_duplicates()
    assert members.isin(city.index).all()                  # every member has tracked events
    tier = members.map(city).map(cities.set_index("city")["city_tier"])
    assert (tier == 3).mean() == pytest.approx(0.28, abs=0.01)


def _active_member_days(archive, events, chats):
    uid_of = chats.drop_duplicates("userid").set_index("userid")["unionid"]
    msg = archive[archive["msgtype"].isin(MEMBER_MSGTYPES) & archive["sender"].str.match(r"^w[mo]")]
    a = pd.DataFrame({"uid": msg["sender"].map(uid_of), "chat_id": msg["roomid"], "day": msg["ts"].dt.date})
    e = events[events["event"].isin(["post", "comment", "like"])]
    b = pd.DataFrame({"uid": e["uid"], "chat_id": e["chat_id"], "day": e["ts"].dt.date})
    return pd.concat([a, b], ignore_index=True)


def test_core_share_and_dau_from_archive_and_tracking(archive, events, chats, synth_sample):
    _, truth = synth_sample
    act = _active_member_days(archive, events, chats)
    pre = act[pd.to_datetime(act["day"]) < PRE_END.tz_localize(None)]
    days = pre.drop_duplicates(["uid", "day"])
    n_members = chats["unionid"].nunique()
    core = (days.groupby("uid").size() >= 15).sum() / n_members
    assert core == pytest.approx(0.18, abs=0.02)
    dau = days.groupby("day").size()
    assert len(dau) == 30
    assert dau.mean() == pytest.approx(32_000 * SCALE, rel=0.02)
    assert truth["figures"]["core_share_realized"] == pytest.approx(core, abs=1e-6)


def test_itinerary_bounce_before_and_after_the_fix(synth_sample, events):
    raw, _ = synth_sample
    ev = events.sort_values(["uid", "time"], kind="stable")
    nxt = ev.groupby("uid")["time"].shift(-1)
    it = ev[(ev["event"] == "page_view") & (ev["page"] == "itinerary_consult")].copy()
    it["bounce"] = ~((nxt[it.index] - it["time"]) <= 30 * 60 * 1000)
    pre = it[it["ts"] < PRE_END]
    assert pre["bounce"].mean() == pytest.approx(0.32, abs=0.02)
    a = pd.read_csv(raw / "experiments" / "assignments.csv")
    arm = a[a["experiment_id"] == "nav_fix"].set_index("unit_id")["variant"]
    test = it[it["ts"] >= TEST_START]
    rate = test.groupby(test["uid"].map(arm))["bounce"].mean()
    assert rate["treatment"] == pytest.approx(0.18, abs=0.02)
    assert rate["control"] == pytest.approx(0.32, abs=0.02)
    # consecutive events of a session are under 30 minutes apart: itinerary views never repeat within one
    gap = ev.groupby("uid")["time"].diff()
    session = (gap.isna() | (gap > 30 * 60 * 1000)).cumsum()
    per_session = ev[(ev["event"] == "page_view") & (ev["page"] == "itinerary_consult")].groupby(session).size()
    assert per_session.max() == 1


def test_interaction_rates_18_25_vs_others(synth_sample, events, chats):
    _, truth = synth_sample
    rates = truth["figures"]["interaction_rate_18_25_realized"]
    assert rates["skin_update"] == pytest.approx(0.12, abs=0.01)
    assert rates["guide"] == pytest.approx(0.38, abs=0.01)
    views = events[events["event"] == "post_view"]
    inter = events[events["event"].isin(["like", "comment", "share"])]
    overall = inter.groupby("content_type").size() / views.groupby("content_type").size()
    assert overall["guide"] > overall["skin_update"]       # everyone mixed: between the two groups' rates
    assert 0.12 < overall["skin_update"] < 0.22 and 0.30 < overall["guide"] < 0.38


def test_open_rates_planted_by_arm(synth_sample, events):
    raw, _ = synth_sample
    sends = []
    for f in (raw / "wecom" / "groupmsg_send_result").glob("*.json"):
        msgid = f.name.split("_p")[0]
        for s in json.loads(f.read_text(encoding="utf-8"))["send_list"]:
            if "external_userid" in s and s["status"] == 1:
                sends.append((msgid, s["external_userid"], s["send_time"]))
    sends = pd.DataFrame(sends, columns=["msgid", "userid", "send_time"])
    contacts = [c for f in (raw / "wecom").glob("contacts_p*.json")
                for c in json.loads(f.read_text(encoding="utf-8"))["external_contact_list"]]
    uid = {c["external_contact"]["external_userid"]: c["external_contact"]["unionid"] for c in contacts}
    sends["uid"] = sends["userid"].map(uid)
    opens = events[events["event"] == "link_open"][["uid", "utm_campaign", "time"]]
    m = sends.merge(opens, left_on=["uid", "msgid"], right_on=["uid", "utm_campaign"], how="left")
    m["opened"] = (m["time"] / 1000 - m["send_time"]).between(0, 72 * 3600)
    m["day"] = _local(m["send_time"], "s")
    a = pd.read_csv(raw / "experiments" / "assignments.csv")
    arm = a[a["experiment_id"] == "broadcast_personalization"].set_index("unit_id")["variant"]
    pre = m[m["day"] < PRE_END]
    test = m[m["day"] >= TEST_START]
    assert pre["opened"].mean() == pytest.approx(0.20, abs=0.005)
    by_arm = test.groupby(test["uid"].map(arm))["opened"].mean()
    assert by_arm["control"] == pytest.approx(0.20, abs=0.005)
    assert by_arm["treatment"] == pytest.approx(0.26, abs=0.005)


def test_community_programme_activity_and_selection(synth_sample, archive, events, chats):
    raw, truth = synth_sample
    a = pd.read_csv(raw / "experiments" / "assignments.csv")
    arm = a[a["experiment_id"] == "community_programme"].set_index("unit_id")["variant"]
    # whole-day membership: snapshot rows until a del_member, re-joins count from the next day
    change = pd.DataFrame(_lines([raw / "wecom" / "change_external_chat.jsonl"]))
    change["userid"] = change["MemChangeList"].str[0]
    change["day"] = _local(change["CreateTime"], "s").dt.normalize()
    days = pd.date_range(T0, periods=75, freq="D")
    spans = chats[["chat_id", "userid"]].assign(first=days[0], last=days[-1])
    left = change[change["UpdateDetail"] == "del_member"].groupby(["ChatId", "userid"])["day"].min()
    key = list(zip(spans["chat_id"], spans["userid"]))
    spans["last"] = [left.get(k, days[-1] + pd.Timedelta(days=1)) - pd.Timedelta(days=1) for k in key]
    back = change[change["UpdateDetail"] == "add_member"]
    spans = pd.concat([spans, pd.DataFrame({"chat_id": back["ChatId"], "userid": back["userid"],
                                            "first": back["day"] + pd.Timedelta(days=1), "last": days[-1]})])
    uid_of = chats.drop_duplicates("userid").set_index("userid")["unionid"]
    spans["uid"] = spans["userid"].map(uid_of)
    act = _active_member_days(archive, events, chats).dropna(subset=["chat_id"]).drop_duplicates()
    act["day"] = pd.to_datetime(act["day"]).dt.tz_localize("Asia/Shanghai")
    joined = act.merge(spans, on=["uid", "chat_id"])
    joined = joined[(joined["day"] >= joined["first"]) & (joined["day"] <= joined["last"])]

    def rate(chat_ids, lo, hi):
        s = spans[spans["chat_id"].isin(chat_ids)]
        lo_, hi_ = np.maximum(s["first"], lo), np.minimum(s["last"], hi - pd.Timedelta(days=1))
        member_days = ((hi_ - lo_).dt.days + 1).clip(lower=0).sum()
        j = joined[joined["chat_id"].isin(chat_ids) & (joined["day"] >= lo) & (joined["day"] < hi)]
        return len(j) / member_days

    treat, ctrl = arm.index[arm == "treatment"], arm.index[arm == "control"]
    end = T0 + pd.Timedelta(days=75)
    assert rate(arm.index, T0, PRE_END) == pytest.approx(0.15, abs=0.01)
    assert rate(treat, TEST_START, end) == pytest.approx(0.35, abs=0.015)
    assert rate(ctrl, TEST_START, end) == pytest.approx(0.16, abs=0.01)
    per_chat = {c: rate([c], T0, PRE_END) for c in chats["chat_id"].unique()}
    lowest = sorted(per_chat, key=per_chat.get)[:len(arm)]
    assert set(lowest) == set(arm.index)
    case = truth["case_study"]["community_id"]
    assert arm[case] == "treatment"
    size = chats.groupby("chat_id").size()
    assert size[case] == size[arm.index[arm == "treatment"]].max() == truth["case_study"]["members_at_start"]
    assert rate([case], TEST_START, end) == pytest.approx(0.35, abs=0.02)


def test_rfm_recency_top_fifth(synth_sample, archive, events, chats):
    raw, _ = synth_sample
    orders = pd.read_csv(raw / "salesforce" / "orders.csv", dtype={"amount": float})
    ts = pd.to_datetime(orders["order_time"]).dt.tz_convert("Asia/Shanghai")
    before = orders[ts < T0]
    last = ts[before.index].groupby(before["contact_id"]).max()
    recency = (T0.tz_localize(None) - last.dt.tz_localize(None).dt.normalize()).dt.days
    r5 = recency.index[recency <= recency.quantile(0.2)]
    assert len(r5) / len(recency) == pytest.approx(0.2, abs=0.002)
    pre_buyers = orders.loc[(ts >= T0) & (ts < PRE_END), "contact_id"].unique()
    assert pd.Index(r5).isin(pre_buyers).mean() == pytest.approx(0.78, abs=0.01)


def test_identity_linkable_overlaps_recomputed_from_raw(synth_sample, zendesk):
    raw, truth = synth_sample
    _, _, _, users = zendesk
    contacts = [c for f in (raw / "wecom").glob("contacts_p*.json")
                for c in json.loads(f.read_text(encoding="utf-8"))["external_contact_list"]]
    rec = [("wecom", c["external_contact"]["external_userid"], (c["follow_info"]["remark_mobiles"] or [None])[0], None, None)
           for c in contacts]
    endu = users[users["role"] == "end-user"]
    rec += [("zendesk", str(i), p, e, None) for i, p, e in zip(endu["id"], endu["phone"], endu["email"])]
    con = pd.read_csv(raw / "salesforce" / "Contact.csv", dtype=str, keep_default_na=False)
    lead = pd.read_csv(raw / "salesforce" / "Lead.csv", dtype=str, keep_default_na=False)
    rec += [("salesforce", i, p, e, i) for i, p, e in zip(con["Id"], con["Phone"], con["Email"])]
    rec += [("salesforce", i, p, e, c) for i, p, e, c in zip(lead["Id"], lead["Phone"], lead["Email"], lead["ConvertedContactId"])]
    r = pd.DataFrame(rec, columns=["source", "key", "phone", "email", "link"]).replace({"": None})
    r["phone"] = r["phone"].str.replace(r"\D", "", regex=True).str[-11:]
    r["email"] = r["email"].str.strip().str.lower()
    cols, offset = [], len(r)
    rows = []
    for col in ("phone", "email", "link"):
        has = r[col].notna().to_numpy()
        codes = pd.factorize(r.loc[has, col])[0]
        rows.append(np.flatnonzero(has))
        cols.append(codes + offset)
        offset += codes.max() + 1
    i, j = np.concatenate(rows), np.concatenate(cols)
    _, comp = connected_components(coo_matrix((np.ones(i.size), (i, j)), shape=(offset, offset)), directed=False)
    r["comp"] = comp[:len(r)]
    assert r["comp"].nunique() == truth["identity"]["stitched_members_expected"]
    src = r.groupby("comp")["source"].agg(set)
    for pair, counts in truth["identity"]["overlap"].items():
        a, b = pair.split("|")
        assert src.map(lambda s: a in s and b in s).sum() == counts["linkable"], pair
        assert counts["linkable"] <= counts["true"]


def test_defects_are_extra_rows_that_ingestion_quarantines(sample):
    """The shared sample carries the planted dirt: each defect is quarantined with its reason and the
    clean rows are all kept (rows kept = rows the generator counted as clean)."""
    planted = sample.truth["defects"]
    log = sample.con.table("ingest_log").to_pandas().groupby("table")[["rows_kept", "rows_quarantined"]].sum()
    assert log.loc["events", "rows_quarantined"] == (planted["tracking_duplicate_events"] + planted["tracking_anonymous_events"]
                                                     + planted["tracking_truncated_lines"])
    assert log.loc["events", "rows_kept"] == sample.truth["counts"]["tracking/events"]
    assert log.loc["orders", "rows_quarantined"] == planted["orders_naive_timestamps"]
    assert log.loc["tickets", "rows_quarantined"] == planted["tickets_duplicate_ids"]
    assert log.loc["messages", "rows_quarantined"] == planted["archive_duplicate_records"]


def test_generate_refuses_to_replace_exports_that_are_not_a_sample(tmp_path):
    from helpers.synth import generate
    own = tmp_path / "raw" / "wecom" / "groupchat_list.json"
    own.parent.mkdir(parents=True)
    own.write_text("{}")
    with pytest.raises(FileExistsError, match="own exports"):
        generate(tmp_path, scale=0.001, progress=False)
    assert own.read_text() == "{}"  # untouched
