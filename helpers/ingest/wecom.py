"""WeCom (企业微信) API responses: contacts, group chats, membership callbacks, staff, statistics.

Reads ``raw/wecom/`` (formats: ``docs/data_formats.md``) into validated frames. Raw ids stay in
these frames (they are needed for stitching); the builders in :mod:`helpers.ingest.tables`
pseudonymize them before anything is written. The message archive is :mod:`msgaudit`, mass
messages :mod:`broadcasts`.

Membership rules: the ``groupchat/get`` snapshot (taken at the study start) gives the members
present then, with their ``join_time``; each ``add_member`` callback opens a membership at its
``CreateTime``; each ``del_member`` callback closes the member's open membership of that chat
(``leave_ts``). A ``del_member`` with no open membership, or an ``add_member`` for a member
already in the chat, is quarantined (the whole callback line).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from helpers.ingest.quarantine import Ledger
from helpers.ingest.errors import MalformedFileError
from helpers.ingest.readers import load_json, pages, read_jsonl, read_pages, record_list, records_frame, relpath
from helpers.ingest.validation import Field, reject_duplicates

SOURCE = "wecom"
CUSTOMER_PREFIXES = ("wm", "wo")
ROBOT_PREFIX = "wb"

CONTACT_FIELDS = [
    Field("external_userid", "str", ("external_contact", "external_userid"), required=True),
    Field("unionid", "str", ("external_contact", "unionid")),
    Field("gender", "int", ("external_contact", "gender"), isin=(0, 1, 2)),
    Field("follow_userid", "str", ("follow_info", "userid")),
    Field("createtime", "s", ("follow_info", "createtime")),
    Field("remark_mobiles", "list", ("follow_info", "remark_mobiles")),
]
CHAT_LIST_FIELDS = [Field("chat_id", required=True), Field("status", "int")]
CHAT_FIELDS = [Field("chat_id", required=True), Field("name"), Field("owner"), Field("create_time", "s"),
               Field("notice"), Field("admin_list", "list")]
MEMBER_FIELDS = [Field("userid", required=True), Field("type", "int", required=True, isin=(1, 2)),
                 Field("join_time", "s"), Field("join_scene", "int"), Field("unionid")]
CALLBACK_FIELDS = [Field("CreateTime", "s", required=True), Field("ChatId", required=True),
                   Field("ChangeType"), Field("UpdateDetail"), Field("JoinScene", "int"),
                   Field("QuitScene", "int"), Field("MemChangeList", "list")]
_CHAT = "\x00chat_id"  # the snapshot's chat_id, attached to each of its member records
STAFF_FIELDS = [Field("userid", required=True), Field("team")]
STAT_FIELDS = [Field("owner", required=True)] + [
    Field(k, "int", ("data", k)) for k in ("chat_total", "chat_has_msg", "member_total", "member_has_msg",
                                           "msg_total", "new_member_cnt")]


def is_customer(ids: pd.Series) -> pd.Series:
    """True for external (customer) ids: ``wm…`` or ``wo…``."""
    return ids.astype("string").str.startswith(CUSTOMER_PREFIXES).fillna(False).astype(bool)


def is_robot(ids: pd.Series) -> pd.Series:
    """True for robot ids: ``wb…``."""
    return ids.astype("string").str.startswith(ROBOT_PREFIX).fillna(False).astype(bool)


def read_contacts(raw_dir: Path, ledger: Ledger) -> pd.DataFrame:
    """External contacts (one row per contact and following staff member)."""
    df = read_pages(pages(raw_dir / SOURCE, "contacts"), raw_dir, "external_contact_list", CONTACT_FIELDS,
                    ledger, SOURCE, "members", wecom=True)
    df = reject_duplicates(df, ["external_userid", "follow_userid"], "external_userid+userid", ledger, SOURCE,
                           "members", show_value=False)
    ledger.kept_rows(SOURCE, "members", df)
    return df


def read_chat_list(raw_dir: Path, ledger: Ledger) -> pd.DataFrame:
    """Group chat ids from ``groupchat_list`` pages."""
    df = read_pages(pages(raw_dir / SOURCE, "groupchat_list"), raw_dir, "group_chat_list", CHAT_LIST_FIELDS,
                    ledger, SOURCE, "communities", wecom=True)
    df = reject_duplicates(df, ["chat_id"], "chat_id", ledger, SOURCE, "communities")
    ledger.kept_rows(SOURCE, "communities", df)
    return df


def read_chats(raw_dir: Path, ledger: Ledger) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``groupchat/get`` snapshots: (chats, member_list rows with ``chat_id``)."""
    chats, files, members, m_rows, m_files = [], [], [], [], []
    for path in sorted((raw_dir / SOURCE / "groupchat_get").glob("*.json")):
        file = relpath(path, raw_dir)
        doc = load_json(path, file, wecom=True)
        if not isinstance(doc, dict) or not isinstance(doc.get("group_chat"), dict):
            record_list(doc, "group_chat", file)  # a missing key raises ColumnNotFoundError naming the file
            raise MalformedFileError(f"{file}: 'group_chat' should be an object.")
        group = doc["group_chat"]
        chats.append(group)
        files.append(file)
        lst = record_list(group, "member_list", file)
        ledger.rows_in(SOURCE, "memberships", file, 0)
        members += [{**m, _CHAT: group.get("chat_id")} if isinstance(m, dict) else m for m in lst]
        m_rows += range(1, len(lst) + 1)
        m_files += [file] * len(lst)
    chat = records_frame(chats, CHAT_FIELDS, ledger, SOURCE, "communities", files)
    chat = reject_duplicates(chat, ["chat_id"], "chat_id", ledger, SOURCE, "communities")
    ledger.kept_rows(SOURCE, "communities", chat)
    mem = records_frame(members, MEMBER_FIELDS + [Field("chat_id", "str", (_CHAT,))], ledger, SOURCE,
                        "memberships", m_files, m_rows)
    mem = reject_duplicates(mem, ["chat_id", "userid"], "userid", ledger, SOURCE, "memberships", show_value=False)
    ledger.kept_rows(SOURCE, "memberships", mem)
    return chat, mem


def read_callbacks(raw_dir: Path, ledger: Ledger) -> pd.DataFrame:
    """``change_external_chat`` callbacks, validated (membership logic in :func:`memberships`)."""
    path = raw_dir / SOURCE / "change_external_chat.jsonl"
    if not path.exists():
        return _empty(CALLBACK_FIELDS)
    return read_jsonl(path, relpath(path, raw_dir), CALLBACK_FIELDS, ledger, SOURCE, "memberships")


def memberships(snapshot: pd.DataFrame, callbacks: pd.DataFrame, ledger: Ledger) -> pd.DataFrame:
    """Membership spells ``external_userid, chat_id, join_ts, leave_ts, join_scene`` (raw ids).

    Marks callback lines kept or quarantined in ``ledger`` (see the module doc for the rules).
    """
    ext = snapshot[snapshot["type"] == 2]
    spells = [dict(external_userid=u, chat_id=c, join_ts=t, leave_ts=pd.NaT, join_scene=s)
              for u, c, t, s in zip(ext["userid"], ext["chat_id"], ext["join_time"], ext["join_scene"])]
    open_ = {(s["external_userid"], s["chat_id"]): i for i, s in enumerate(spells)}
    cb = callbacks.sort_values(["CreateTime", "_row"], kind="stable") if len(callbacks) else callbacks
    kept: dict[str, int] = {}
    for rec in cb.rename(columns={"_file": "file", "_row": "row"}).itertuples(index=False):
        ids = [u for u in (rec.MemChangeList or []) if str(u).startswith(CUSTOMER_PREFIXES)]
        detail, key = rec.UpdateDetail, [(u, rec.ChatId) for u in ids]
        if detail == "add_member" and any(k in open_ for k in key):
            ledger.reject(SOURCE, "memberships", rec.file, [rec.row], "add_member for a member already in the chat",
                          "MemChangeList")
            continue
        if detail == "del_member" and not all(k in open_ for k in key):
            ledger.reject(SOURCE, "memberships", rec.file, [rec.row],
                          "del_member for a member not in the chat (no snapshot entry or add_member before it)",
                          "MemChangeList")
            continue
        for u, c in key:
            if detail == "add_member":
                open_[(u, c)] = len(spells)
                spells.append(dict(external_userid=u, chat_id=c, join_ts=rec.CreateTime, leave_ts=pd.NaT,
                                   join_scene=rec.JoinScene))
            elif detail == "del_member":
                spells[open_.pop((u, c))]["leave_ts"] = rec.CreateTime
        kept[rec.file] = kept.get(rec.file, 0) + 1
    for file, n in kept.items():
        ledger.kept(SOURCE, "memberships", file, n)
    cols = ["external_userid", "chat_id", "join_ts", "leave_ts", "join_scene"]
    out = pd.DataFrame(spells, columns=cols)
    for c in ("join_ts", "leave_ts"):
        out[c] = pd.to_datetime(out[c], utc=True)
    return out


def callback_members(callbacks: pd.DataFrame) -> pd.DataFrame:
    """Customer ids named in callbacks with the time first named: ``external_userid, first_seen``."""
    if callbacks.empty:
        return pd.DataFrame({"external_userid": pd.Series(dtype="string"),
                             "first_seen": pd.Series(dtype="datetime64[ns, UTC]")})
    ex = callbacks[["MemChangeList", "CreateTime"]].explode("MemChangeList").dropna()
    ex = ex[is_customer(ex["MemChangeList"])]
    out = ex.groupby("MemChangeList", sort=True)["CreateTime"].min().reset_index()
    return out.rename(columns={"MemChangeList": "external_userid", "CreateTime": "first_seen"})


def read_staff(raw_dir: Path, ledger: Ledger) -> pd.DataFrame:
    """Employees from ``staff.json`` (``userid``, ``team``)."""
    path = raw_dir / SOURCE / "staff.json"
    df = read_pages([path] if path.exists() else [], raw_dir, "userlist", STAFF_FIELDS, ledger, SOURCE, "staff",
                    wecom=True)
    df = reject_duplicates(df, ["userid"], "userid", ledger, SOURCE, "staff", show_value=False)
    ledger.kept_rows(SOURCE, "staff", df)
    return df


def read_statistics(raw_dir: Path, ledger: Ledger) -> pd.DataFrame:
    """``groupchat/statistic`` by owner and day (``day`` from the file name ``statistic_YYYYMMDD``)."""
    paths = sorted((raw_dir / SOURCE / "groupchat_statistic").glob("statistic_*.json"))
    df = read_pages(paths, raw_dir, "items", STAT_FIELDS, ledger, SOURCE, "owner_daily_stats", wecom=True)
    df["day"] = pd.to_datetime(df["_file"].astype(str).str.extract(r"statistic_(\d{8})", expand=False),
                               format="%Y%m%d")
    df = reject_duplicates(df, ["day", "owner"], "owner", ledger, SOURCE, "owner_daily_stats", show_value=False)
    ledger.kept_rows(SOURCE, "owner_daily_stats", df)
    return df


def _empty(fields: list[Field], extra: tuple = ()) -> pd.DataFrame:
    cols = [f.name for f in fields] + list(extra) + ["_row", "_file"]
    return pd.DataFrame({c: pd.Series(dtype="object") for c in cols})
