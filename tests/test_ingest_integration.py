"""Integration: the generated sample (conftest's session ``sample``, scale 0.02) ingests with a balanced
account, fills every canonical table and recovers the planted identity overlaps exactly
(ground_truth.json ``identity.overlap[pair].linkable``)."""
from __future__ import annotations

import pandas as pd

from helpers import schema
from helpers.ingest import scan_for_identifiers


def test_account_balances_and_every_table_is_filled(sample):
    log = sample.con.table("ingest_log").to_pandas()
    assert len(log) > 0
    assert (log["rows_in"] == log["rows_kept"] + log["rows_quarantined"]).all()
    for name in schema.TABLES:
        assert sample.con.table(name).count().execute() > 0, name


def test_events_and_orders_are_stored_by_member_and_time(sample):
    from helpers import warehouse
    for name, keys in warehouse.SORT_ORDER.items():
        # insertion order is the scan order (DuckDB keeps it for a plain SELECT)
        rows = sample.con.con.sql(f"SELECT {', '.join(keys)} FROM {name}").df()
        assert len(rows) > 100
        ordered = rows.sort_values(list(keys), kind="stable").reset_index(drop=True)
        assert rows.equals(ordered), name


def test_cluster_keeps_every_row_and_sorts():
    import pandas as pd
    from helpers import warehouse
    con = warehouse.connect(":memory:")
    ts = pd.to_datetime(["2026-06-02", "2026-06-01", "2026-06-03", "2026-06-01"]).tz_localize("Asia/Shanghai")
    orders = pd.DataFrame({"order_id": list("wxyz"), "member_id": ["b", "a", "a", None], "ts": ts,
                           "amount": [1.0, 2.0, 3.0, 4.0], "product_category": "x"})
    warehouse.write_table(con, "orders", orders)
    assert warehouse.cluster(con) == ["orders"]
    got = con.con.sql("SELECT order_id FROM orders").fetchall()
    assert [r[0] for r in got] == ["x", "y", "w", "z"]  # a's two orders by time, then b, nulls last


def test_identity_overlaps_equal_the_linkable_truth(sample):
    members = sample.con.table("members").to_pandas()
    overlap = sample.truth["identity"]["overlap"]
    for pair, counts in overlap.items():
        a, b = pair.split("|")
        assert int((members[f"in_{a}"] & members[f"in_{b}"]).sum()) == counts["linkable"], pair
    expected = sample.truth["identity"].get("stitched_members_expected")
    if expected is not None:
        assert len(members) == expected


def test_no_raw_phone_or_external_id_in_the_sample_warehouse(sample):
    import json
    contacts = json.loads(next((sample.raw / "wecom").glob("contacts_p*.json")).read_text(encoding="utf-8"))
    raw = set()
    for c in contacts["external_contact_list"][:200]:
        raw.add(c["external_contact"]["external_userid"])
        raw.add(c["external_contact"].get("unionid"))
        raw.add(c["external_contact"].get("name"))
        raw.update(c["follow_info"].get("remark_mobiles") or [])
    hits = scan_for_identifiers(sample.con, {v for v in raw if v})
    assert hits["hits"].sum() == 0, hits[hits["hits"] > 0]


def test_chat_names_map_every_chat_to_its_name_and_keep_ids_without_one():
    import ibis

    from helpers import catalog
    con = ibis.duckdb.connect()
    con.create_table("communities", pd.DataFrame({"community_id": ["wrA", "wrB", "wrC"],
                                                  "name": ["护肤交流01群", None, "会员福利群"]}))
    names = catalog.chat_names(con)
    assert names.to_dict() == {"wrA": "护肤交流01群", "wrB": "wrB", "wrC": "会员福利群"}


def test_staff_directory_numbers_each_kind_in_team_order():
    import ibis

    from helpers import catalog
    con = ibis.duckdb.connect()
    ids = [f"{i:02x}" for i in range(14)]
    kinds = ["staff"] * 10 + ["agent", "agent", "robot", "bot"]
    teams = ["北"] * 5 + ["东"] * 5 + ["物流", "售后", None, None]
    con.create_table("staff", pd.DataFrame({"staff_id": ids[::-1], "kind": kinds, "team": teams}))
    d = catalog.staff_directory(con).set_index("staff_id")
    # staff: team 东 (ids 08..04 reversed, so 04 first) before 北; 10 accounts pad to two digits
    assert d.loc["04", "alias"] == "S01" and d.loc["08", "alias"] == "S05" and d.loc["09", "alias"] == "S06"
    assert d.loc["0d", "alias"] == "S10"
    assert (d.loc["02", "alias"], d.loc["03", "alias"]) == ("A1", "A2")  # 售后 before 物流
    assert d.loc["01", "alias"] == "R1" and d.loc["00", "alias"] == "00"  # an unknown kind keeps its id
    assert d["alias"].is_unique and len(d) == 14


def test_staff_directory_of_the_sample_hides_every_id(sample):
    from helpers import catalog
    d = catalog.staff_directory(sample.con)
    assert len(d) == sample.con.table("staff").count().execute() and d["alias"].is_unique
    assert not d["alias"].isin(d["staff_id"]).any()
    assert d["alias"].str.fullmatch(r"[SAR]\d+").all()


def test_chat_names_of_the_sample_are_its_group_names(sample):
    from helpers import catalog
    names = catalog.chat_names(sample.con)
    n = sample.con.table("communities").count().execute()
    assert len(names) == n and names.index.is_unique
    assert names.str.endswith("群").all()  # the sample names every chat 'xx群'; no id leaks through
