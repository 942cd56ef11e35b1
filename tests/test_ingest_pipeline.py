"""ingest_all on the hand-written export of tests/fixtures_raw.py: exact, hand-counted answers."""
from __future__ import annotations

import pandas as pd
import pytest

from helpers import schema, warehouse
from helpers.ingest import ingest_all, scan_for_identifiers
from helpers.ingest.pseudonymize import member_id_of, pseudonym
from tests.fixtures_raw import RAW_IDENTIFIERS, write_raw

SALT = "test-salt"
UTC = "UTC"


@pytest.fixture(scope="module")
def ingested(tmp_path_factory):
    root = tmp_path_factory.mktemp("pipeline")
    raw = write_raw(root)
    con = warehouse.connect(":memory:")
    account = ingest_all(raw, con, root / "quarantine", run_id="t", salt=SALT, progress=False)
    tables = {name: con.table(name).to_pandas() for name in schema.TABLES}
    return account, tables, con, root


def mid(key_type: str, value: str, tables) -> str:
    """The member id holding the pseudonymized key (looked up through identities)."""
    ids = tables["identities"]
    hit = ids.loc[(ids["key_type"] == key_type) & (ids["source_key"] == pseudonym(value, key_type, SALT)), "member_id"]
    assert hit.nunique() == 1
    return hit.iloc[0]


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text).tz_convert(UTC)


def test_row_account_balances_with_nothing_quarantined(ingested):
    account, tables, _, root = ingested
    assert (account["rows_in"] == account["rows_kept"] + account["rows_quarantined"]).all()
    assert account["rows_quarantined"].sum() == 0
    assert account["rows_in"].sum() == 68
    assert len(tables["ingest_log"]) == len(account) == 29
    assert not list((root / "quarantine").glob("*.parquet"))


def test_every_canonical_table_is_written_with_its_columns(ingested):
    _, tables, _, _ = ingested
    for name, cols in schema.TABLES.items():
        assert list(tables[name].columns) == list(cols), name
        assert len(tables[name]) > 0, name


def test_six_members_stitched_across_sources(ingested):
    _, tables, _, _ = ingested
    members = tables["members"]
    assert len(members) == 6
    a = mid("external_userid", "wmAAA001", tables)
    # A: WeCom phone "+86 138 0013 8001" = Zendesk phone/email = Contact email/phone
    assert mid("requester_id", "9001", tables) == a
    assert mid("contact_id", "003A1", tables) == a
    b = mid("external_userid", "wmBBB002", tables)
    assert mid("contact_id", "003B2", tables) == b
    assert mid("lead_id", "00QL2", tables) == b  # converted Lead -> the Contact's member
    singles = {mid("external_userid", "woCCC003", tables), mid("external_userid", "wmDDD004", tables),
               mid("requester_id", "9002", tables), mid("lead_id", "00QL1", tables)}
    assert len(singles | {a, b}) == 6
    ids = tables["identities"]
    got = ids[ids["member_id"] == a].groupby("source")["key_type"].apply(sorted).to_dict()
    assert got == {"salesforce": ["contact_id", "email", "phone"], "tracking": ["unionid"],
                   "wecom": ["external_userid", "phone", "unionid"], "zendesk": ["email", "phone", "requester_id"]}
    assert mid("phone", "13800138001", tables) == a and mid("email", "alice.w@example.com", tables) == a


def test_member_id_is_hash_of_smallest_key(ingested):
    _, tables, _, _ = ingested
    ids = tables["identities"]
    for member_id, keys in ids.groupby("member_id")["source_key"]:
        assert member_id == member_id_of(keys.min())


def test_member_attributes(ingested):
    _, tables, _, _ = ingested
    m = tables["members"].set_index("member_id")
    a, b = mid("external_userid", "wmAAA001", tables), mid("external_userid", "wmBBB002", tables)
    c, d = mid("external_userid", "woCCC003", tables), mid("external_userid", "wmDDD004", tables)
    e, f = mid("requester_id", "9002", tables), mid("lead_id", "00QL1", tables)
    # age at 2026-06-01: born 2004-07-15 -> 21; born 1980-01-01 -> 46
    assert m.loc[[a, b, c], "age_band"].tolist() == ["18-25", "46+", "unknown"]
    assert m.loc[[a, b, c, d], "gender"].tolist() == ["female", "male", "unknown", "unknown"]
    # city: Contact 上海 beats Zendesk 广州; C from tracking 深圳 (2 events) over 北京 (1); E Zendesk 成都
    assert m.loc[[a, c, e], "city"].tolist() == ["上海", "深圳", "成都"]
    assert pd.isna(m.loc[b, "city"]) and pd.isna(m.loc[b, "city_tier"])
    assert m.loc[[a, e], "city_tier"].tolist() == [1, 2] and m.loc[e, "region"] == "西南"
    # channel: A's Contact (2025-01-01) is older than the WeCom follow (2026-04-01)
    assert m.loc[[a, b, c, d, e, f], "channel"].tolist() == ["salesforce", "wecom", "wecom", "wecom", "zendesk",
                                                              "salesforce"]
    assert m.loc[[a, b, c], "consent"].tolist() == ["agree", "disagree", "none"]
    assert m.loc[a, "first_join_ts"] == ts("2026-05-10T12:00:00+08:00") and m.loc[a, "home_community_id"] == "wrCHAT1"
    assert m.loc[c, "home_community_id"] == "wrCHAT2" and pd.isna(m.loc[e, "first_join_ts"])
    flags = m.loc[[a, b, c, e, f], ["in_wecom", "in_zendesk", "in_salesforce"]].to_numpy().tolist()
    assert flags == [[True, True, True], [True, False, True], [True, False, False], [False, True, False],
                     [False, False, True]]


def test_memberships_from_snapshot_and_callbacks(ingested):
    _, tables, _, _ = ingested
    ms = tables["memberships"]
    b = mid("external_userid", "wmBBB002", tables)
    assert len(ms) == 4
    row = ms[ms["member_id"] == b].iloc[0]
    assert (row["join_ts"], row["leave_ts"], row["join_scene"]) == (
        ts("2026-05-20T12:00:00+08:00"), ts("2026-06-05T10:00:00+08:00"), 3)
    assert ms["leave_ts"].notna().sum() == 1


def test_ticket_timeline_from_events(ingested):
    _, tables, _, _ = ingested
    t = tables["tickets"].set_index("ticket_id")
    # 101: created 02:00Z, first public agent comment 03:30Z (90 min), solved 05:00, reopened 06:00, solved 08:00
    assert t.loc["101", "first_reply_ts"] == ts("2026-06-01T03:30:00Z")
    assert (t.loc["101", "first_reply_ts"] - t.loc["101", "created_ts"]) == pd.Timedelta(minutes=90)
    assert t.loc["101", "solved_ts"] == ts("2026-06-01T08:00:00Z")
    assert (t.loc["101", "reopens"], t.loc["101", "replies"]) == (1, 3)
    # 102: the private comment at 02:00 is no reply; the public one at 04:00 is; never solved
    assert t.loc["102", "first_reply_ts"] == ts("2026-06-02T04:00:00Z")
    assert pd.isna(t.loc["102", "solved_ts"]) and (t.loc["102", "reopens"], t.loc["102", "replies"]) == (0, 1)
    assert t.loc["101", ["category", "region", "team", "csat", "channel"]].tolist() == [
        "signoff_exception", "east_china", "物流组", "good", "web"]
    assert t.loc["102", ["category", "team", "csat"]].tolist() == ["delivery_delay", "售后组", "unoffered"]
    assert t.loc["101", "vendor_reply_minutes_calendar"] == 90 and t.loc["101", "vendor_full_resolution_minutes_business"] == 240
    assert t.loc["101", "description"] == "请联系我 [phone] 或 [email]"


def test_messages_senders_and_redaction(ingested):
    _, tables, _, _ = ingested
    msg = tables["messages"].set_index("msg_id")
    assert list(msg.index) == ["m1", "m2", "m3", "m4"]  # consent records c1-c3 are not messages
    assert msg["sender_type"].tolist() == ["customer", "staff", "robot", "customer"]
    assert msg.loc["m1", "sender_id"] == mid("external_userid", "wmAAA001", tables)
    assert msg.loc["m2", "sender_id"] == pseudonym("zhangsan", "staff_userid", SALT)
    assert msg.loc["m1", "text"] == "我的电话是[phone]，邮箱 [email]"
    assert pd.isna(msg.loc["m3", "text"]) and msg.loc["m3", "msgtype"] == "image"
    staff = tables["staff"].set_index("staff_id")
    assert staff.loc[msg.loc["m3", "sender_id"], "kind"] == "robot"
    assert staff.loc[msg.loc["m2", "sender_id"], ["kind", "team"]].tolist() == ["staff", "华东运营"]
    assert sorted(staff["kind"]) == ["agent", "robot", "staff", "staff"]


def test_events_broadcasts_orders_leads_assignments(ingested):
    _, tables, _, _ = ingested
    ev = tables["events"]
    assert len(ev) == 6 and ev["campaign"].tolist().count("msgA") == 1
    click = ev[ev["event"] == "click"].iloc[0]
    assert (click["x"], click["y"], click["page"]) == (350.0, 40.5, "itinerary_consult")
    assert ev["ts"].min() == ts("2026-06-01T10:00:00+08:00")
    bc = tables["broadcasts"]
    assert bc["status"].tolist() == [1, 0, 1] and set(bc["content_type"]) == {"guide"}
    assert bc["community_id"].tolist()[2] == "wrCHAT2" and pd.isna(bc["sent_ts"].iloc[1])
    orders = tables["orders"].set_index("order_id")
    assert orders.loc["o2", "amount"] == 88.5 and orders.loc["o1", "ts"] == ts("2026-05-01T10:00:00+08:00")
    leads = tables["leads"].set_index("lead_id")
    won = leads.loc[pseudonym("00QL2", "lead_id", SALT)]
    assert (won["stage"], won["amount"], won["is_won"]) == ("Closed Won", 1200.5, True)
    assert won["converted_ts"] == pd.Timestamp("2026-06-10", tz="Asia/Shanghai")
    a = tables["assignments"]
    assert a["unit_id"].tolist() == [mid("unionid", "uA1", tables), mid("unionid", "uC3", tables), "wrCHAT1"]


def test_timestamps_are_timezone_aware(ingested):
    _, _, con, _ = ingested
    for name, cols in schema.TABLES.items():
        for col, typ in cols.items():
            if typ == "timestamp":
                assert con.table(name).schema()[col].timezone is not None, (name, col)


def test_no_raw_identifier_reaches_the_warehouse(ingested):
    _, _, con, _ = ingested
    exact = scan_for_identifiers(con, RAW_IDENTIFIERS)
    assert len(exact) > 40 and exact["hits"].sum() == 0
    # substring scan, for values long enough not to occur by chance inside a hash
    long_values = [v for v in RAW_IDENTIFIERS if len(v.strip()) >= 5]
    assert scan_for_identifiers(con, long_values, substring=True)["hits"].sum() == 0


def test_scan_finds_planted_identifiers():
    frames = {"t": pd.DataFrame({"a": ["x", "13800138001", None], "b": ["call 13800138001", "y", "z"]})}
    exact = scan_for_identifiers(frames, ["13800138001"]).set_index("column")["hits"]
    assert exact.to_dict() == {"a": 1, "b": 0}
    sub = scan_for_identifiers(frames, ["13800138001"], substring=True).set_index("column")["hits"]
    assert sub.to_dict() == {"a": 1, "b": 1}


def test_missing_source_folders_are_read_as_empty(tmp_path):
    import shutil
    raw = write_raw(tmp_path)
    for folder in ("wecom", "tracking", "experiments", "labels"):
        shutil.rmtree(raw / folder)
    con = warehouse.connect(":memory:")
    account = ingest_all(raw, con, tmp_path / "q", run_id="t", salt=SALT, progress=False)
    assert set(account["source"]) == {"zendesk", "salesforce"}
    # A (Zendesk 9001 = Contact 003A1), B (Contact 003B2 = Lead 00QL2), E (Zendesk 9002), F (Lead 00QL1)
    assert len(con.table("members").to_pandas()) == 4
    assert con.table("events").count().execute() == 0 and con.table("tickets").count().execute() == 2
    assert not con.table("members").to_pandas()["in_wecom"].any()


def test_duckdb_memory_limit_and_threads_are_restored(tmp_path):
    con = warehouse.connect(":memory:")
    settings = "SELECT current_setting('memory_limit'), current_setting('threads')"
    before = con.raw_sql(settings).fetchone()
    ingest_all(write_raw(tmp_path), con, tmp_path / "q", run_id="t", salt=SALT, progress=False)
    assert con.raw_sql(settings).fetchone() == before


def test_exact_scan_counts_each_column_of_each_table():
    frames = {"t": pd.DataFrame({"a": ["x", "13800138001", "13800138001"], "n": [1, 2, 3]}),
              "u": pd.DataFrame({"a": ["a@b.cn", None], "c": ["13800138001", "a@b.cn"]})}
    got = scan_for_identifiers(frames, ["13800138001", " a@b.cn ", ""])
    assert list(zip(got["table"], got["column"], got["hits"])) == [("t", "a", 2), ("u", "a", 1), ("u", "c", 2)]
    none = scan_for_identifiers(frames, [None, " "])
    assert none["hits"].tolist() == [0, 0, 0] and len(none) == 3
