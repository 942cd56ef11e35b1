"""The WeCom message archive (会话内容存档): ``wecom/msgaudit/messages_YYYYMMDD.jsonl``.

Streamed in batches of daily files (about 300k lines, at least one file) and appended to the
warehouse ``messages`` table, so the archive is never whole in memory. A msgid seen in an earlier
file is a duplicate too. Per message: ``msg_id`` = ``msgid``; ``community_id`` = ``roomid``
(null for one-to-one chats); ``sender_type`` customer (``wm``/``wo`` ids), robot (``wb``) or staff
(anything else); ``sender_id`` = the customer's member id, else the salted hash of the staff or
robot id; ``text`` = ``text.content`` with phones and e-mails redacted, only for ``msgtype`` text.

Consent records (``msgtype`` agree / disagree) are not messages: they are returned so that
``members.consent`` can be the latest one per member. In the row account they count as kept rows
of the archive file (table ``messages``).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from helpers.ingest import batches as B, validation as V
from helpers.ingest.identity import Stitched
from helpers.ingest.privacy import redact_text
from helpers.ingest.pseudonymize import pseudonymize
from helpers.ingest.quarantine import Ledger
from helpers.ingest.readers import jsonl_tables
from helpers.ingest.validation import Field, reject_where
from helpers.ingest.wecom import CUSTOMER_PREFIXES, ROBOT_PREFIX, SOURCE
from helpers.warehouse import write_table

TABLE = "messages"
FIELDS = [
    Field("msgid", required=True), Field("action"), Field("from", required=True), Field("roomid"),
    Field("msgtime", "ms", required=True), Field("msgtype", required=True),
    Field("text", "str", ("text", "content")),
    Field("agree_userid", "str", ("agree", "userid")), Field("agree_time", "ms", ("agree", "agree_time")),
    Field("disagree_userid", "str", ("disagree", "userid")),
    Field("disagree_time", "ms", ("disagree", "disagree_time")),
]
CONSENT_TYPES = ("agree", "disagree")


def archive_files(raw_dir: Path) -> list[Path]:
    """The daily archive files in date order."""
    return sorted((Path(raw_dir) / SOURCE / "msgaudit").glob("messages_*.jsonl"))


def _consent(df: pd.DataFrame, stitched: Stitched, ledger: Ledger) -> pd.DataFrame:
    agree = df["msgtype"] == "agree"
    userid = df["agree_userid"].where(agree, df["disagree_userid"]).fillna(df["from"])
    when = df["agree_time"].where(agree, df["disagree_time"]).fillna(df["msgtime"])
    member = stitched.member_of("external_userid", userid)
    df = df.assign(member_id=member.to_numpy(), consent=df["msgtype"], consent_ts=when)
    df = reject_where(df, df["member_id"].isna(), ledger, SOURCE, TABLE, None,
                      "consent record for an unknown customer (userid not in WeCom contacts or chats)", "userid")
    return df[["member_id", "consent", "consent_ts", "_file"]]


def _messages(tbl: pa.Table, keys: pa.Array, members: pa.Array, ledger: Ledger, salt: str) -> pa.Table:
    """Canonical ``messages`` rows of a batch of (non-consent) archive records, plus ``_file``."""
    sender = tbl.column("from")
    customer = _starts(sender, CUSTOMER_PREFIXES)
    member = B.lookup(pc.if_else(pa.array(customer), sender, pa.nulls(len(sender), pa.string())), keys, members)
    unknown = customer & member.is_null().to_numpy(zero_copy_only=False)
    tbl = B.reject_where(tbl, unknown, ledger, SOURCE, TABLE, "unknown sender: customer id not in WeCom contacts or chats",
                         "from")
    member, customer = member.filter(pa.array(~unknown)), customer[~unknown]
    sender = tbl.column("from")
    staff = pc.unique(sender.filter(pa.array(~customer))).drop_null()
    staff_id = B.lookup(sender, staff, pa.array(pseudonymize(staff.to_pylist(), "staff_userid", salt).tolist(), pa.string()))
    kind = np.where(_starts(sender, (ROBOT_PREFIX,)), "robot", np.where(customer, "customer", "staff"))
    room = tbl.column("roomid")
    text = pc.if_else(pc.equal(tbl.column("msgtype"), "text"), tbl.column("text"), pa.nulls(tbl.num_rows, pa.string()))
    return pa.table({
        "msg_id": tbl.column("msgid"),
        "community_id": pc.if_else(pc.greater(pc.utf8_length(room), 0), room, pa.nulls(tbl.num_rows, pa.string())),
        "sender_id": pc.if_else(pa.array(customer), member, staff_id),
        "sender_type": pa.array(kind, pa.string()),
        "ts": B.utc_times(tbl.column("msgtime"), "ms"),
        "msgtype": tbl.column("msgtype"),
        "text": _redacted(text),
        "_file": tbl.column("_file"),
    })


def _starts(ids, prefixes) -> np.ndarray:
    """Mask of ids starting with one of ``prefixes`` (null: False), as :func:`~helpers.ingest.wecom.is_customer`."""
    out = np.zeros(len(ids), dtype=bool)
    for p in prefixes:  # loop over the (one or two) prefixes
        out |= pc.fill_null(pc.starts_with(ids, p), False).to_numpy(zero_copy_only=False)
    return out


def _redacted(text) -> pa.Array:
    """:func:`~helpers.ingest.privacy.redact_text` of each text, computed once per distinct text."""
    distinct = pc.unique(text)
    clean = pa.array([redact_text(v) for v in distinct.to_pylist()], pa.string())
    return clean.take(pc.index_in(text, value_set=distinct))


def ingest_messages(raw_dir: Path, con, ledger: Ledger, stitched: Stitched, salt: str, tz: str,
                    progress: bool = True) -> tuple[pd.DataFrame, set]:
    """Append every archive file's messages to the warehouse ``messages`` table (created empty first).

    Returns ``(consent, staff_ids)``: consent records ``member_id, consent, consent_ts`` and the raw
    ids of staff and robot senders (for the staff table; never written raw). Batches stay Arrow
    tables (:mod:`helpers.ingest.batches`); consent records and flagged rows go through pandas.
    """
    write_table(con, TABLE, pd.DataFrame({c: [] for c in _columns()}), tz=tz)
    keys, members = stitched.member_index("external_userid")
    consent, staff, seen = [], set(), B.SeenKeys(con, "msgid")
    try:
        with B.Inserter(con) as out:
            for tbl in jsonl_tables(archive_files(raw_dir), raw_dir, FIELDS, ledger, SOURCE, TABLE, progress=progress):
                tbl = B.reject_duplicates(con, tbl, FIELDS, ["msgid"], "msgid", ledger, SOURCE, TABLE, seen=seen)
                is_consent = pc.fill_null(pc.is_in(tbl.column("msgtype"), value_set=pa.array(CONSENT_TYPES)), False)
                records = tbl.filter(is_consent)
                if records.num_rows:
                    cons = _consent(V.convert(B.to_pandas(records, FIELDS), FIELDS), stitched, ledger)
                    ledger.kept_rows(SOURCE, TABLE, cons)
                    consent.append(cons[["member_id", "consent", "consent_ts"]])
                tbl = tbl.filter(pc.invert(is_consent))
                customer = _starts(tbl.column("from"), CUSTOMER_PREFIXES)
                staff.update(pc.unique(tbl.column("from").filter(pa.array(~customer))).drop_null().to_pylist())
                msgs = _messages(tbl, keys, members, ledger, salt)
                B.kept(msgs, ledger, SOURCE, TABLE)
                out.put(TABLE, msgs.drop_columns(["_file"]))
    finally:
        seen.close()
    cols = {"member_id": "string", "consent": "string", "consent_ts": "datetime64[ms, UTC]"}
    consent = pd.concat(consent, ignore_index=True) if consent else pd.DataFrame(
        {c: pd.Series(dtype=t) for c, t in cols.items()})
    return consent, staff


def _columns():
    from helpers.schema import TABLES
    return TABLES[TABLE]
