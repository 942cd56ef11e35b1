"""Bad input: each planted defect is quarantined with its reason, or raises a clear error."""
from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from helpers import warehouse
from helpers.ingest import ColumnNotFoundError, MalformedFileError, TruncatedFileError, VendorError, ingest_all
from tests.fixtures_raw import event, ms, text_msg, ticket, write_csv, write_json

SALT = "test-salt"
EV = "tracking/events_20260601.jsonl"
MSG2 = "wecom/msgaudit/messages_20260602.jsonl"


def _append_lines(path, lines, final_newline=True):
    text = path.read_text(encoding="utf-8") + "\n".join(lines) + ("\n" if final_newline else "")
    path.write_text(text, encoding="utf-8")


def _add_csv_rows(path, rows):
    def q(v):
        return '"' + str(v) + '"'
    _append_lines(path, [",".join(q("" if v is None else v) for v in r) for r in rows])


def plant_defects(raw):
    """Add bad rows to every source of the clean fixture (see EXPECTED)."""
    first = json.dumps(event("uA1", "page_view", "2026-06-01T10:00:00+08:00",
                             **{"$city": "上海", "$os": "iOS", "page": "home", "chat_id": "wrCHAT1"}), ensure_ascii=False)
    _append_lines(raw / EV, [
        '{"distinct_id": "uA1", "event": "page_view", "time": }',                          # line 7
        first,                                                                              # line 8
        json.dumps(event("uA1", "foo", "2026-06-01T13:00:00+08:00")),                      # line 9
        json.dumps(event("uZZ", "page_view", "2026-06-01T13:00:00+08:00")),                # line 10
        '{"distinct_id": "uA1", "ev'], final_newline=False)                                 # line 11
    bad_time = text_msg("m5", "zhangsan", "wrCHAT1", "2026-06-02T10:00:00+08:00", "hi")
    bad_time["msgtime"] = "abc"
    _append_lines(raw / MSG2, [
        json.dumps(bad_time),                                                               # line 3
        json.dumps(text_msg("m1", "wmAAA001", "wrCHAT1", "2026-06-01T10:00:00+08:00", "again")),  # line 4
        json.dumps(text_msg("m6", "wmZZZ999", "wrCHAT1", "2026-06-02T10:00:00+08:00", "who"))])   # line 5
    write_json(raw / "zendesk" / "tickets_p0002.json", {"next_page": None, "count": 3, "tickets": [
        ticket(101, 9001, "2026-06-01T02:00:00Z", "solved", "signoff_exception"),
        ticket(103, 9001, "2026-06-03T02:00:00", "open", "refund"),
        ticket(104, 9999, "2026-06-03T02:00:00Z", "open", "refund")]})
    write_json(raw / "zendesk" / "ticket_metrics_p0002.json", {"ticket_metrics": [
        {"id": 3, "ticket_id": 104, "reply_time_in_minutes": {"calendar": 1, "business": 1}}]})
    _add_csv_rows(raw / "salesforce" / "Contact.csv", [
        ["003C3", "C", "C", "c3@example.com", None, None, None, "2026-05-01T00:00:00.000"]])
    _add_csv_rows(raw / "salesforce" / "orders.csv", [
        ["o1", "003A1", "2026-05-02T10:00:00+08:00", "5", "skincare"],
        ["o3", "003A1", "2026-05-02T10:00:00+08:00", "12,3x", "skincare"],
        ["o4", "003ZZ", "2026-05-02T10:00:00+08:00", "5", "skincare"],
        ["o5", "003A1", "2026-05-02 10:00:00", "5", "skincare"]])
    _add_csv_rows(raw / "experiments" / "assignments.csv", [
        ["nav_fix", "member", "uB2", "control", "2026-07-16T00:00:00", "t1"],
        ["nav_fix", "member", "uA1", "control", "2026-07-16T00:00:00+08:00", "t1"],
        ["nav_fix", "member", "uZZ", "control", "2026-07-16T00:00:00+08:00", "t1"]])
    write_csv(raw / "labels" / "chat_sentiment.csv", ["msgid", "label"], [
        ["m1", "negative"], ["m1", "positive"], ["m2", "angry"], ["m999", "neutral"], [None, "neutral"]])
    write_csv(raw / "labels" / "ticket_sentiment.csv", ["ticket_id", "label"], [
        ["101", "negative"], ["102", "neutral"], ["101", "neutral"], ["999", "negative"], [None, "positive"]])
    _append_lines(raw / "wecom" / "change_external_chat.jsonl", [json.dumps(
        {"CreateTime": 1780900000, "ChatId": "wrCHAT1", "ChangeType": "update", "UpdateDetail": "del_member",
         "QuitScene": 0, "MemChangeCnt": 1, "MemChangeList": ["woCCC003"]})])


EXPECTED = [  # table, file, row, column, reason
    ("assignments", "experiments/assignments.csv", 5, "assigned_at",
     "column 'assigned_at': naive timestamp (no UTC offset), not guessed; got '2026-07-16T00:00:00'"),
    ("assignments", "experiments/assignments.csv", 6, "experiment_id, unit_type, unit_id",
     "duplicate unit first seen at row 2"),
    ("assignments", "experiments/assignments.csv", 7, "unit_id",
     "unknown member unit: unit_id is no known WeCom unionid"),
    ("events", EV, 7, None, "malformed JSON at line 7: Expecting value (character 54)"),
    ("events", EV, 8, "distinct_id, type, event, time, city, os, chat_id, page, content_id, content_type, element, "
                      "x, y, utm_campaign, order_id, amount", "duplicate event first seen at row 1"),
    ("events", EV, 9, "event", "column 'event': not one of the documented values ['page_view', 'post_view', "
                               "'like', 'comment', 'share', 'post', 'click', 'link_open', 'booking_submit', "
                               "'purchase']; got 'foo'"),
    ("events", EV, 10, "distinct_id", "unknown distinct_id: no WeCom member has this unionid"),
    ("events", EV, 11, None, "truncated last line 11: Unterminated string starting at (character 24)"),
    ("members", "salesforce/Contact.csv", 3, "CreatedDate",
     "column 'CreatedDate': naive timestamp (no UTC offset), not guessed; got '2026-05-01T00:00:00.000'"),
    ("memberships", "wecom/change_external_chat.jsonl", 4, "MemChangeList",
     "del_member for a member not in the chat (no snapshot entry or add_member before it)"),
    ("messages", MSG2, 3, "msgtime", "column 'msgtime': wrong type, expected integer Unix milliseconds; got 'abc'"),
    ("messages", MSG2, 4, "msgid", "duplicate msgid first seen at row 1 of wecom/msgaudit/messages_20260601.jsonl"),
    ("messages", MSG2, 5, "from", "unknown sender: customer id not in WeCom contacts or chats"),
    ("orders", "salesforce/orders.csv", 4, "order_id", "duplicate order_id first seen at row 2"),
    ("orders", "salesforce/orders.csv", 5, "amount", "column 'amount': not a number; got '12,3x'"),
    ("orders", "salesforce/orders.csv", 6, "contact_id", "unknown contact_id: not a Salesforce Contact in Contact.csv"),
    ("orders", "salesforce/orders.csv", 7, "order_time",
     "column 'order_time': naive timestamp (no UTC offset), not guessed; got '2026-05-02 10:00:00'"),
    ("sentiment_labels", "labels/chat_sentiment.csv", 3, "msgid", "duplicate msgid first seen at row 2"),
    ("sentiment_labels", "labels/chat_sentiment.csv", 4, "label",
     "column 'label': not one of the documented values ['negative', 'neutral', 'positive']; got 'angry'"),
    ("sentiment_labels", "labels/chat_sentiment.csv", 5, "msgid", "unknown message: msgid is not in the archive"),
    ("sentiment_labels", "labels/chat_sentiment.csv", 6, "msgid", "column 'msgid': missing required value"),
    ("ticket_sentiment_labels", "labels/ticket_sentiment.csv", 4, "ticket_id", "duplicate ticket_id first seen at row 2"),
    ("ticket_sentiment_labels", "labels/ticket_sentiment.csv", 5, "ticket_id",
     "unknown ticket: ticket_id is not in the Zendesk export"),
    ("ticket_sentiment_labels", "labels/ticket_sentiment.csv", 6, "ticket_id",
     "column 'ticket_id': missing required value"),
    ("tickets", "zendesk/ticket_metrics_p0002.json", 1, "ticket_id",
     "ticket_metrics of an unknown ticket_id (not in the kept tickets)"),
    ("tickets", "zendesk/tickets_p0002.json", 1, "id", "duplicate id first seen at row 1 of zendesk/tickets_p0001.json"),
    ("tickets", "zendesk/tickets_p0002.json", 2, "created_at",
     "column 'created_at': naive timestamp (no UTC offset), not guessed; got '2026-06-03T02:00:00'"),
    ("tickets", "zendesk/tickets_p0002.json", 3, "requester_id",
     "unknown requester_id: not a Zendesk end-user in the users files"),
]


@pytest.fixture(scope="module")
def dirty(tmp_path_factory):
    from tests.fixtures_raw import write_raw
    root = tmp_path_factory.mktemp("dirty")
    raw = write_raw(root)
    plant_defects(raw)
    con = warehouse.connect(":memory:")
    account = ingest_all(raw, con, root / "quarantine", run_id="dirty", salt=SALT, progress=False)
    q = pd.concat([pd.read_parquet(p) for p in sorted((root / "quarantine").glob("*.parquet"))], ignore_index=True)
    return account, q, con


def test_every_planted_defect_is_quarantined_with_its_reason(dirty):
    _, q, _ = dirty
    got = sorted(zip(q["table"], q["file"], q["row"].astype(int), q["column"].astype(object).where(q["column"].notna(), None),
                     q["reason"]))
    assert got == sorted(EXPECTED)
    assert set(q["run_id"]) == {"dirty"}


def test_every_quarantine_reason_reads_in_chinese(dirty, tmp_path):
    from helpers import quality
    from helpers.glossary import column_text
    _, q, _ = dirty
    q.to_parquet(tmp_path / "all.parquet")
    kinds = quality.quarantine_reasons(tmp_path)["reason"]
    assert len(kinds) >= 15
    for kind in kinds:
        zh = column_text(kind, "reason", "zh")
        assert re.search(r"[\u4e00-\u9fff]", zh) and not re.search(
            r"\b(not|no|unknown|duplicate|column|missing|expected|wrong|of|in|for|integer|line)\b", zh), (kind, zh)


def test_row_account_balances_per_file(dirty):
    account, q, con = dirty
    assert (account["rows_in"] == account["rows_kept"] + account["rows_quarantined"]).all()
    a = account.set_index(["table", "file"])
    assert a.loc[("events", EV), ["rows_in", "rows_kept", "rows_quarantined"]].tolist() == [11, 6, 5]
    assert a.loc[("messages", MSG2), ["rows_in", "rows_kept", "rows_quarantined"]].tolist() == [5, 2, 3]
    assert a.loc[("sentiment_labels", "labels/chat_sentiment.csv"), ["rows_in", "rows_kept", "rows_quarantined"]].tolist() == [5, 1, 4]
    assert con.table("sentiment_labels").to_pandas().values.tolist() == [["m1", "negative"]]
    assert a.loc[("ticket_sentiment_labels", "labels/ticket_sentiment.csv"),
                 ["rows_in", "rows_kept", "rows_quarantined"]].tolist() == [5, 2, 3]
    assert sorted(con.table("ticket_sentiment_labels").to_pandas().values.tolist()) == [["101", "negative"], ["102", "neutral"]]
    assert a["rows_quarantined"].sum() == len(q) == len(EXPECTED)
    assert con.table("events").count().execute() == 6 and con.table("orders").count().execute() == 2


def test_good_rows_survive_next_to_bad_ones(dirty):
    _, _, con = dirty
    assert sorted(con.table("tickets").to_pandas()["ticket_id"]) == ["101", "102"]
    assert sorted(con.table("messages").to_pandas()["msg_id"]) == ["m1", "m2", "m3", "m4"]
    assert len(con.table("members").to_pandas()) == 6  # the naive-dated Contact 003C3 made no member


def _fresh(tmp_path):
    from tests.fixtures_raw import write_raw
    return write_raw(tmp_path)


def _ingest(raw, tmp_path):
    return ingest_all(raw, warehouse.connect(":memory:"), tmp_path / "q", run_id="t", salt=SALT, progress=False)


def test_truncated_json_document_raises_naming_the_file(tmp_path):
    raw = _fresh(tmp_path)
    path = raw / "zendesk" / "tickets_p0001.json"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: int(len(text) * 0.7)], encoding="utf-8")
    with pytest.raises(TruncatedFileError, match=r"zendesk/tickets_p0001\.json is cut off"):
        _ingest(raw, tmp_path)


def test_malformed_json_document_raises_with_line(tmp_path):
    raw = _fresh(tmp_path)
    path = raw / "wecom" / "staff.json"
    path.write_text('{"errcode": 0, "userlist": [\n {"userid": "a",, "team": "x"}\n]}', encoding="utf-8")
    with pytest.raises(MalformedFileError, match=r"wecom/staff\.json is not valid JSON: .* at line 2 column"):
        _ingest(raw, tmp_path)


def test_missing_key_raises_column_not_found_with_hint(tmp_path):
    raw = _fresh(tmp_path)
    path = raw / "zendesk" / "tickets_p0001.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    for t in doc["tickets"]:
        t["create_time"] = t.pop("created_at")
    write_json(path, doc)
    with pytest.raises(ColumnNotFoundError) as err:
        _ingest(raw, tmp_path)
    msg = str(err.value)
    assert msg.startswith("column 'created_at' not in zendesk/tickets_p0001.json (row 1). Available: [")
    assert "'create_time'" in msg and msg.endswith("Did you mean 'create_time'?")


def test_missing_csv_column_raises_column_not_found(tmp_path):
    raw = _fresh(tmp_path)
    write_csv(raw / "salesforce" / "orders.csv", ["order_id", "contact_id", "order_time", "amt", "product_category"],
              [["o1", "003A1", "2026-05-01T10:00:00+08:00", "1", "x"]])
    with pytest.raises(ColumnNotFoundError, match=r"column 'amount' not in salesforce/orders\.csv \(row 1\)\. "
                                                  r"Available: \[.*\]\. Did you mean 'amt'\?"):
        _ingest(raw, tmp_path)


def test_missing_jsonl_key_raises_column_not_found(tmp_path):
    raw = _fresh(tmp_path)
    path = raw / "tracking" / "events_20260601.jsonl"
    lines = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
    for rec in lines:
        rec["ts"] = rec.pop("time")
    path.write_text("\n".join(json.dumps(r) for r in lines) + "\n", encoding="utf-8")
    with pytest.raises(ColumnNotFoundError, match=r"column 'time' not in tracking/events_20260601\.jsonl \(row 1\)"):
        _ingest(raw, tmp_path)


def test_wecom_error_page_raises(tmp_path):
    raw = _fresh(tmp_path)
    write_json(raw / "wecom" / "contacts_p0002.json", {"errcode": 40001, "errmsg": "invalid credential"})
    with pytest.raises(VendorError, match=r"wecom/contacts_p0002\.json holds a WeCom API error \(errcode 40001"):
        _ingest(raw, tmp_path)


def test_blank_lines_take_the_per_line_path_with_the_same_result(tmp_path):
    raw = _fresh(tmp_path)
    path = raw / "tracking" / "events_20260601.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(lines[:3] + [""] + lines[3:]) + "\n", encoding="utf-8")
    account = _ingest(raw, tmp_path)
    row = account.set_index("file").loc["tracking/events_20260601.jsonl"]
    assert (row["rows_in"], row["rows_kept"], row["rows_quarantined"]) == (6, 6, 0)


def test_wrong_json_type_in_events_is_quarantined_by_line(tmp_path):
    raw = _fresh(tmp_path)
    bad = event("uA1", "click", "2026-06-01T13:00:00+08:00", x="left", y=3)
    _append_lines(raw / EV, [json.dumps(bad)])
    _ingest(raw, tmp_path)
    q = pd.read_parquet(tmp_path / "q" / "events.parquet")
    assert q[["row", "column", "reason"]].values.tolist() == [
        [7, "x", "column 'x': wrong type, expected number; got 'left'"]]
    assert ms("2026-06-01T13:00:00+08:00") > 0
