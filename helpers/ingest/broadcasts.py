"""WeCom mass messages: ``groupmsg_list.json`` and ``groupmsg_send_result/<msgid>_pNNNN.json``.

One ``broadcasts`` row per entry of a send result: ``broadcast_id`` = the mass message's ``msgid``
(from the file name), ``member_id`` for a send to one customer (``external_userid``) or
``community_id`` for a send to a group chat (``chat_id``), ``sender_id`` = the salted hash of the
sending staff member (the entry's ``userid``, else the message's ``creator``), ``sent_ts`` from
``send_time`` (absent when status is 0), ``status``, and ``content_type`` from the ``content_type``
query parameter of the message's first link attachment.

Rejected: a send result for a msgid missing from ``groupmsg_list``; an entry whose customer is
unknown (orphan) or that names neither a customer nor a chat.
"""
from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pandas as pd

from helpers.ingest.identity import Stitched
from helpers.ingest.pseudonymize import pseudonymize
from helpers.ingest.quarantine import Ledger
from helpers.ingest.readers import read_pages
from helpers.ingest.validation import Field, reject_duplicates, reject_where
from helpers.ingest.wecom import SOURCE

TABLE = "broadcasts"
LIST_FIELDS = [Field("msgid", required=True), Field("creator"), Field("create_type", "int"),
               Field("create_time", "s"), Field("attachments", "list")]
SEND_FIELDS = [Field("external_userid"), Field("chat_id"), Field("userid"),
               Field("status", "int", required=True, isin=(0, 1, 2, 3)), Field("send_time", "s")]


def link_query(attachments, param: str) -> str | None:
    """Value of query ``param`` in the url of the first ``link`` attachment (None if absent)."""
    for att in attachments or []:
        url = (att.get("link") or {}).get("url") if isinstance(att, dict) else None
        if url:
            values = parse_qs(urlparse(url).query).get(param)
            return values[0] if values else None
    return None


def read_group_messages(raw_dir: Path, ledger: Ledger) -> pd.DataFrame:
    """``groupmsg_list``: ``msgid, creator, create_time, content_type, campaign``."""
    path = raw_dir / SOURCE / "groupmsg_list.json"
    df = read_pages([path] if path.exists() else [], raw_dir, "group_msg_list", LIST_FIELDS, ledger, SOURCE,
                    TABLE, wecom=True)
    df = reject_duplicates(df, ["msgid"], "msgid", ledger, SOURCE, TABLE)
    ledger.kept_rows(SOURCE, TABLE, df)
    df["content_type"] = df["attachments"].map(lambda a: link_query(a, "content_type"))
    df["campaign"] = df["attachments"].map(lambda a: link_query(a, "utm_campaign"))
    return df[["msgid", "creator", "create_time", "content_type", "campaign"]]


def _chunks(paths: list[Path], files_per_chunk: int) -> list[list[Path]]:
    """Send-result pages in chunks of about ``files_per_chunk`` files, a msgid's pages never split."""
    chunks, current, last = [], [], None
    for path in paths:
        msgid = path.name.rsplit("_p", 1)[0]
        if len(current) >= files_per_chunk and msgid != last:
            chunks.append(current)
            current = []
        current.append(path)
        last = msgid
    return chunks + ([current] if current else [])


def read_send_results(raw_dir: Path, ledger: Ledger, group_messages: pd.DataFrame, stitched: Stitched,
                      salt: str, files_per_chunk: int = 200) -> pd.DataFrame:
    """Canonical ``broadcasts`` rows (plus ``_sender_raw``) from every send-result page.

    Pages are parsed and validated a chunk of files at a time, so only canonical rows accumulate.
    """
    known = group_messages.drop_duplicates("msgid").set_index("msgid")
    paths = sorted((raw_dir / SOURCE / "groupmsg_send_result").glob("*_p*.json"))
    out = [_send_chunk(chunk, raw_dir, ledger, known, stitched, salt) for chunk in _chunks(paths, files_per_chunk)]
    return pd.concat(out, ignore_index=True) if out else _send_chunk([], raw_dir, ledger, known, stitched, salt)


def _send_chunk(paths, raw_dir, ledger, known, stitched, salt) -> pd.DataFrame:
    df = read_pages(paths, raw_dir, "send_list", SEND_FIELDS, ledger, SOURCE, TABLE, wecom=True)
    files = df["_file"].astype(str)
    names = pd.Series(files.unique())  # the msgid is the file name's stem before "_pNNNN": once per file
    stems = names.str.rsplit("/", n=1).str[-1].str.replace(r"_p\d+\.json$", "", regex=True)
    df["msgid"] = files.map(dict(zip(names, stems))).to_numpy(dtype=object)
    df = reject_where(df, ~df["msgid"].isin(known.index), ledger, SOURCE, TABLE, None,
                      "send result for a msgid not in groupmsg_list.json", "msgid", values=df["msgid"])
    df = reject_where(df, df["external_userid"].isna() & df["chat_id"].isna(), ledger, SOURCE, TABLE, None,
                      "send entry names neither external_userid nor chat_id", "external_userid")
    df = df.assign(member_id=stitched.member_of("external_userid", df["external_userid"]).to_numpy())
    df = reject_where(df, df["external_userid"].notna() & df["member_id"].isna(), ledger, SOURCE, TABLE, None,
                      "unknown external_userid: not in WeCom contacts or chats", "external_userid")
    df = reject_duplicates(df, ["msgid", "external_userid", "chat_id"], "receiver", ledger, SOURCE, TABLE,
                           show_value=False)
    ledger.kept_rows(SOURCE, TABLE, df)
    sender = df["userid"].astype("string").fillna(df["msgid"].map(known["creator"]).astype("string"))
    return pd.DataFrame({
        "broadcast_id": df["msgid"].astype("string"), "member_id": df["member_id"].astype("string"),
        "community_id": df["chat_id"].astype("string"),
        "sender_id": pseudonymize(sender, "staff_userid", salt), "sent_ts": df["send_time"],
        "status": df["status"].astype("Int64"), "content_type": df["msgid"].map(known["content_type"]).astype("string"),
        "_sender_raw": sender,
    })
