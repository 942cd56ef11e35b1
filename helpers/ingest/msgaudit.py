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

import pandas as pd

from helpers.ingest.identity import Stitched
from helpers.ingest.privacy import redact_text
from helpers.ingest.pseudonymize import pseudonymize
from helpers.ingest.quarantine import Ledger
from helpers.ingest.readers import jsonl_batches
from helpers.ingest.validation import Field, SeenKeys, reject_duplicates, reject_where
from helpers.ingest.wecom import SOURCE, is_customer, is_robot
from helpers.warehouse import append_rows, write_table

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


def _messages(df: pd.DataFrame, stitched: Stitched, ledger: Ledger, salt: str) -> pd.DataFrame:
    sender = df["from"].astype("string")
    df = df.assign(_customer=is_customer(sender).to_numpy(),
                   member_id=stitched.member_of("external_userid", sender.where(is_customer(sender))).to_numpy())
    df = reject_where(df, df["_customer"] & df["member_id"].isna(), ledger, SOURCE, TABLE, None,
                      "unknown sender: customer id not in WeCom contacts or chats", "from")
    sender, customer = df["from"].astype("string"), df["_customer"]
    staff_id = pseudonymize(sender.where(~customer), "staff_userid", salt)
    room = df["roomid"].astype("string")
    kind = pd.Series("staff", index=df.index, dtype="string").mask(customer, "customer").mask(is_robot(sender), "robot")
    return pd.DataFrame({
        "msg_id": df["msgid"],
        "community_id": room.where(room.str.len() > 0),
        "sender_id": df["member_id"].astype("string").where(customer, staff_id),
        "sender_type": kind,
        "ts": df["msgtime"],
        "msgtype": df["msgtype"],
        "text": redact_text(df["text"].where(df["msgtype"] == "text")),
        "_file": df["_file"],
    })


def ingest_messages(raw_dir: Path, con, ledger: Ledger, stitched: Stitched, salt: str, tz: str,
                    progress: bool = True) -> tuple[pd.DataFrame, set]:
    """Append every archive file's messages to the warehouse ``messages`` table (created empty first).

    Returns ``(consent, staff_ids)``: consent records ``member_id, consent, consent_ts`` and the raw
    ids of staff and robot senders (for the staff table; never written raw).
    """
    write_table(con, TABLE, pd.DataFrame({c: [] for c in _columns()}), tz=tz)
    consent, staff, seen = [], set(), SeenKeys()
    for df in jsonl_batches(archive_files(raw_dir), raw_dir, FIELDS, ledger, SOURCE, TABLE, progress=progress):
        df = reject_duplicates(df, ["msgid"], "msgid", ledger, SOURCE, TABLE, seen=seen)
        is_consent = df["msgtype"].isin(CONSENT_TYPES)
        cons = _consent(df[is_consent], stitched, ledger)
        msgs = _messages(df[~is_consent], stitched, ledger, salt)
        ledger.kept_rows(SOURCE, TABLE, cons)
        ledger.kept_rows(SOURCE, TABLE, msgs)
        consent.append(cons[["member_id", "consent", "consent_ts"]])
        senders = df.loc[~is_consent, "from"].astype("string")
        staff.update(senders[~is_customer(senders)].dropna().unique())
        if len(msgs):
            append_rows(con, TABLE, msgs.drop(columns="_file"), tz=tz)
    cols = {"member_id": "string", "consent": "string", "consent_ts": "datetime64[ms, UTC]"}
    consent = pd.concat(consent, ignore_index=True) if consent else pd.DataFrame(
        {c: pd.Series(dtype=t) for c, t in cols.items()})
    return consent, staff


def _columns():
    from helpers.schema import TABLES
    return TABLES[TABLE]
