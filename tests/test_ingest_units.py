"""Unit tests of the ingestion building blocks: normalization, hashing, stitching, ledger, redaction."""
from __future__ import annotations

import hashlib

import pandas as pd
import pytest

from helpers.ingest import normalize_email, normalize_phone, pseudonymize, redact_text
from helpers.ingest.errors import ColumnNotFoundError, RowAccountError
from helpers.ingest.identity import links_of, stitch
from helpers.ingest.pseudonymize import SAMPLE_SALT, get_salt, pseudonym
from helpers.ingest.quarantine import Ledger
from helpers.ingest.validation import Field, SeenKeys, reject_duplicates, validate


def test_phone_formats_normalize_to_eleven_digits():
    raw = ["13812345678", "+86 138 1234 5678", "+8613812345678", "138-1234-5678", "0086 138 1234 5678",
           "8613812345678", " 138 1234 5678 ", 13812345678]
    assert normalize_phone(raw).tolist() == ["13812345678"] * len(raw)
    assert normalize_phone(["12345", "010-12345678", "23812345678", None, ""]).isna().all()


def test_email_is_stripped_and_lowercased():
    assert normalize_email([" Alice.W@Example.COM ", "bob@x.org"]).tolist() == ["alice.w@example.com", "bob@x.org"]
    assert normalize_email(["not-an-email", None]).isna().all()


def test_pseudonym_is_salted_sha256_with_key_type():
    expected = hashlib.sha256(b"s\x1fphone\x1f13812345678").hexdigest()[:16]
    assert pseudonym("13812345678", "phone", "s") == expected
    assert pseudonym("13812345678", "requester_id", "s") != expected  # key type is part of the hash
    assert pseudonym("13812345678", "phone", "t") != expected        # so is the salt
    out = pseudonymize(pd.Series(["a", None, "a"]), "unionid", "s")
    assert out.iloc[0] == out.iloc[2] == pseudonym("a", "unionid", "s") and pd.isna(out.iloc[1])


def test_salt_from_argument_env_or_sample_default(monkeypatch):
    monkeypatch.delenv("KIT_SALT", raising=False)
    assert get_salt() == SAMPLE_SALT == "sample-salt-not-secret"
    monkeypatch.setenv("KIT_SALT", "from-env")
    assert get_salt() == "from-env" and get_salt("explicit") == "explicit"


def _links():
    wecom = pd.DataFrame({"external_userid": ["wm1", "wm2", "wm3"], "unionid": ["u1", "u2", "u3"],
                          "phone": normalize_phone(["+86 138 0000 0001", "139-0000-0002", None]).to_numpy(),
                          "t": pd.to_datetime(["2026-01-01", "2026-01-02", "2026-01-03"], utc=True)})
    zd = pd.DataFrame({"requester_id": ["z1", "z2"],
                       "email": normalize_email([" A@X.com", "lonely@x.com"]).to_numpy(),
                       "phone": normalize_phone(["13800000001", None]).to_numpy(),
                       "t": pd.to_datetime(["2025-06-01", "2026-02-01"], utc=True)})
    sf = pd.DataFrame({"contact_id": ["003a", "003b"], "email": normalize_email(["a@x.com", "b@x.com"]).to_numpy(),
                       "phone": normalize_phone([None, "0086 139 0000 0002"]).to_numpy(),
                       "t": pd.to_datetime(["2026-03-01", "2026-03-02"], utc=True)})
    return pd.concat([
        links_of("external_userid", "wecom", wecom, {"unionid": "unionid", "phone": "phone"}, "t"),
        links_of("requester_id", "zendesk", zd, {"email": "email", "phone": "phone"}, "t"),
        links_of("contact_id", "salesforce", sf, {"email": "email", "phone": "phone"}, "t")], ignore_index=True)


def test_stitching_three_wecom_two_zendesk_two_contacts():
    # wm1 -phone- z1 -email- 003a ; wm2 -phone- 003b ; wm3 alone ; z2 alone  => 4 members
    st = stitch(_links(), "s")
    m = {k: st.member_of(t, [k]).iloc[0] for t, k in [("external_userid", "wm1"), ("external_userid", "wm2"),
                                                       ("external_userid", "wm3"), ("requester_id", "z1"),
                                                       ("requester_id", "z2"), ("contact_id", "003a"),
                                                       ("contact_id", "003b")]}
    assert m["wm1"] == m["z1"] == m["003a"] and m["wm2"] == m["003b"]
    assert len(set(m.values())) == 4
    first = st.first_seen().set_index("member_id")["channel"]
    assert first[m["wm1"]] == "zendesk" and first[m["wm2"]] == "wecom"
    assert st.member_of("unionid", ["u3", "nobody"]).tolist()[1] is pd.NA


def test_member_ids_are_stable_and_salt_dependent():
    a, b, c = stitch(_links(), "s"), stitch(_links().iloc[::-1], "s"), stitch(_links(), "other")
    key = ["wm1", "wm2", "wm3"]
    assert a.member_of("external_userid", key).tolist() == b.member_of("external_userid", key).tolist()
    assert a.member_of("external_userid", key).tolist() != c.member_of("external_userid", key).tolist()


def test_redaction_of_phone_and_email_variants():
    s = pd.Series(["电话13812345678谢谢", "call +86 138 1234 5678", "138-1234-5678 或 0086 13812345678",
                   "mail A.b@Example.COM", "order 2026060112345678 and ts 1780279384123", None])
    assert redact_text(s).tolist()[:5] == ["电话[phone]谢谢", "call [phone]", "[phone] 或 [phone]", "mail [email]",
                                           "order 2026060112345678 and ts 1780279384123"]
    assert redact_text(s).isna().iloc[5] and redact_text("x 13812345678") == "x [phone]"


def test_ledger_raises_when_rows_are_lost():
    led = Ledger("r")
    led.rows_in("s", "t", "f.json", 3)
    led.reject("s", "t", "f.json", [2], "bad")
    led.kept("s", "t", "f.json", 1)
    with pytest.raises(RowAccountError, match="rows_in != rows_kept \\+ rows_quarantined"):
        led.account()
    led.kept("s", "t", "f.json", 1)
    assert led.account()[["rows_in", "rows_kept", "rows_quarantined"]].values.tolist() == [[3, 2, 1]]


def test_validate_maps_failures_to_rows_and_columns():
    led = Ledger()
    df = pd.DataFrame({"id": ["a", "b", None, "d"], "n": [1, "x", 3, 2.5], "_row": [1, 2, 3, 4]}, dtype=object)
    out = validate(df, [Field("id", required=True), Field("n", "int")], led, "s", "t", "f.json")
    assert out["id"].tolist() == ["a"] and out["n"].tolist() == [1]
    q = led.quarantine()
    assert q[["row", "column", "reason"]].values.tolist() == [
        [2, "n", "column 'n': wrong type, expected integer; got 'x'"],
        [3, "id", "column 'id': missing required value"],
        [4, "n", "column 'n': wrong type, expected integer; got '2.5'"]]


def test_duplicates_within_and_across_files():
    led, seen = Ledger(), SeenKeys()
    f1 = pd.DataFrame({"id": ["a", "b", "a"], "_row": [1, 2, 3]})
    f2 = pd.DataFrame({"id": ["b", "c"], "_row": [1, 2]})
    assert reject_duplicates(f1, ["id"], "id", led, "s", "t", "p1.json", seen)["id"].tolist() == ["a", "b"]
    assert reject_duplicates(f2, ["id"], "id", led, "s", "t", "p2.json", seen)["id"].tolist() == ["c"]
    assert led.quarantine()["reason"].tolist() == ["duplicate id first seen at row 1",
                                                   "duplicate id first seen at row 2 of p1.json"]


def test_column_not_found_message():
    err = ColumnNotFoundError("create_time", "tickets_p0001.json", 1, ["id", "created_at", "status"])
    assert str(err) == ("column 'create_time' not in tickets_p0001.json (row 1). "
                        "Available: ['created_at', 'id', 'status']. Did you mean 'created_at'?")


def test_text_test_reads_typed_and_mixed_columns_alike():
    from helpers.ingest.validation import _is_text
    mixed = pd.Series(["a", 1, None, float("nan"), ["x"], "b"], dtype=object)
    assert _is_text(mixed).tolist() == [True, False, False, False, False, True]
    text = pd.Series(["a", None, "b"], dtype=object)  # the fast path: inferred as text
    assert _is_text(text).tolist() == [True, False, True]
    assert _is_text(pd.Series(["a", None], dtype="string")).tolist() == [True, False]
    assert _is_text(pd.Series([1.0, float("nan")])).tolist() == [False, False]
