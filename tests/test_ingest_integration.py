"""Integration: the generated sample (conftest's session ``sample``, scale 0.02) ingests with a balanced
account, fills every canonical table and recovers the planted identity overlaps exactly
(ground_truth.json ``identity.overlap[pair].linkable``)."""
from __future__ import annotations

from helpers import schema
from helpers.ingest import scan_for_identifiers


def test_account_balances_and_every_table_is_filled(sample):
    log = sample.con.table("ingest_log").to_pandas()
    assert len(log) > 0
    assert (log["rows_in"] == log["rows_kept"] + log["rows_quarantined"]).all()
    for name in schema.TABLES:
        assert sample.con.table(name).count().execute() > 0, name


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
