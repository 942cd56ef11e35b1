"""Group-chat responsiveness from the message archive, and the archive reconciled with WeCom's
``groupchat/statistic`` daily totals.

WeCom's own reply metrics exclude group chats; this is computed from the archive (``messages``).

Definitions:

- **customer message**: ``sender_type == "customer"``, sent in ``[start, end)``; with
  ``questions_only=True`` only texts containing ``?``, ``？`` or ``吗``.
- **reply**: the first message by staff (``sender_type == "staff"``; robots are excluded) in the same
  group chat at or after the customer message and within ``window_hours``. One staff message can
  answer several earlier customer messages. The reply is credited to its sender (``staff_id``).
- **reply time**: reply ts - customer message ts, in minutes.
- **unanswered**: no staff message in the group within the window (a window that runs past the end
  of the data counts as unanswered: keep ``end`` at least ``window_hours`` before the data ends).
"""
from __future__ import annotations

from typing import Literal

import ibis
import pandas as pd
from ibis import _

from helpers import _engine
from helpers.timeline import DEFAULT_TZ

By = Literal["community", "staff", "day", "all"]
BYS = ("community", "staff", "day", "all")
_KEYS = {"community": ["community_id"], "staff": ["staff_id"], "day": ["day"], "all": []}


_NO_ASOF = ("pyspark", "trino", "bigquery", "clickhouse")  # engines Ibis cannot compile an as-of join for


def _next_reply(c: ibis.Table, s: ibis.Table) -> ibis.Table:
    """The as-of join "first staff message at or after each customer message in the same chat" as
    window functions, for engines without as-of joins: number the chat's staff messages in time order
    (ties by staff id), interleave them with the customer messages (a customer message sorts before
    staff messages of the same instant) and take the smallest staff number at or after each row."""
    s = s.mutate(seq=ibis.row_number().over(group_by=s.s_comm, order_by=[s.reply_ts, s.staff_id]))
    both = c.select(community_id=c.community_id, ts=c.ts, kind=ibis.literal(0), seq=ibis.null("int64"),
                    msg_id=c.msg_id).union(
        s.select(community_id=s.s_comm, ts=s.reply_ts, kind=ibis.literal(1), seq=s.seq, msg_id=ibis.null("string")))
    after = ibis.window(group_by="community_id", order_by=["ts", "kind"], rows=(0, None))
    nxt = both.mutate(next_seq=both.seq.min().over(after)).filter(_.kind == 0).select("msg_id", "next_seq")
    j = c.left_join(nxt, "msg_id").select(*c.columns, "next_seq")
    j = j.left_join(s, (j.community_id == s.s_comm) & (j.next_seq == s.seq))
    return j.select(*c.columns, "s_comm", "staff_id", "reply_ts")


def reply_pairs(messages, start, end, window_hours: float = 24.0, questions_only: bool = False,
                tz: str = DEFAULT_TZ) -> ibis.Table:
    """Ibis table, one row per customer message: ``msg_id, community_id, sender_id, ts, day,
    staff_id`` (null if unanswered), ``reply_ts``, ``reply_minutes``, ``answered``."""
    if window_hours <= 0:
        raise ValueError(f"`window_hours` must be positive; got {window_hours!r}.")
    m = _engine.table(messages, "messages", ("msg_id", "community_id", "sender_id", "sender_type", "ts"), tz)
    c = m.filter((m.sender_type == "customer") & (m.ts >= _engine.ts_literal(start, tz))
                 & (m.ts < _engine.ts_literal(end, tz)))
    if questions_only:
        if "text" not in m.columns:
            raise KeyError("`questions_only=True` needs a `text` column in `messages`.")
        c = c.filter(c.text.re_search(r"[?？吗]"))
    c = c.select("msg_id", "community_id", "sender_id", "ts")
    s = m.filter(m.sender_type == "staff").select(s_comm=m.community_id, staff_id=m.sender_id, reply_ts=m.ts)
    j = _next_reply(c, s) if _engine.backend_name(m) in _NO_ASOF else c.asof_join(
        s, on=c.ts <= s.reply_ts, predicates=c.community_id == s.s_comm)
    minutes = _engine.seconds_between(j.reply_ts, j.ts) / 60.0
    ok = (minutes <= window_hours * 60).fill_null(False)
    return j.select("msg_id", "community_id", "sender_id", "ts", day=_engine.local_date(j.ts, tz),
                    staff_id=ok.ifelse(j.staff_id, ibis.null(str)),
                    reply_ts=ok.ifelse(j.reply_ts, ibis.null("timestamp('UTC')")),
                    reply_minutes=ok.ifelse(minutes, ibis.null(float)), answered=ok)


def responsiveness(messages, start, end, by: By = "community", window_hours: float = 24.0,
                   questions_only: bool = False, tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """Reply times of customer messages aggregated ``by`` group chat, staff member, day or overall.

    Returns the key column(s) then ``customer_messages, answered, answered_share, unanswered_share,
    median_reply_minutes, p90_reply_minutes, mean_reply_minutes`` (times over answered messages).
    ``by="staff"`` has one row per replying staff member (answered messages only, so its shares are 1).
    """
    if by not in BYS:
        raise ValueError(f"`by` must be one of {BYS!r}; not {by!r}.")
    p = reply_pairs(messages, start, end, window_hours, questions_only, tz)
    if by == "staff":
        p = p.filter(p.answered)
    aggs = dict(customer_messages=_.msg_id.count(), answered=_.answered.sum(),
                median_reply_minutes=_.reply_minutes.median(),
                p90_reply_minutes=_.reply_minutes.quantile(0.9),
                mean_reply_minutes=_.reply_minutes.mean())
    keys = _KEYS[by]
    expr = p.group_by(keys).agg(**aggs) if keys else p.aggregate(**aggs)
    df = _engine.to_pandas(expr, tz)
    df = df.astype({"customer_messages": "int64", "answered": "int64"})
    n = df["customer_messages"].where(df["customer_messages"] > 0)
    df["answered_share"] = df["answered"] / n
    df["unanswered_share"] = 1 - df["answered_share"]
    cols = keys + ["customer_messages", "answered", "answered_share", "unanswered_share",
                   "median_reply_minutes", "p90_reply_minutes", "mean_reply_minutes"]
    df = df[cols]
    if by == "day":
        df["day"] = pd.to_datetime(df["day"])
    return df.sort_values(keys or cols[:1]).reset_index(drop=True)


def reconcile_daily_totals(messages, owner_daily_stats, communities, start, end,
                           sender_types: tuple[str, ...] = ("customer", "staff", "robot"),
                           tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """Archive messages per group owner and local day beside WeCom's ``msg_total``.

    The archive holds only the messages of members who agreed to archiving, while ``msg_total``
    (``groupchat/statistic``) counts every message in the owner's group chats, so ``gap =
    msg_total - archive_msgs`` is expected to be positive and about the non-consenting members'
    share. Returns ``owner_id, day, archive_msgs, msg_total, gap, coverage`` (archive / msg_total);
    owner-days present on one side only appear with 0 on the other.
    """
    m = _engine.table(messages, "messages", ("community_id", "sender_type", "ts"), tz)
    st = _engine.table(owner_daily_stats, "owner_daily_stats", ("owner_id", "day", "msg_total"), tz)
    cm = _engine.table(communities, "communities", ("community_id", "owner_id"), tz)
    m = m.filter(_engine.isin(m.sender_type, sender_types) & (m.ts >= _engine.ts_literal(start, tz))
                 & (m.ts < _engine.ts_literal(end, tz)))
    a = m.join(cm.select("community_id", "owner_id"), "community_id").mutate(day=_engine.local_date(m.ts, tz))
    a = a.group_by(["owner_id", "day"]).agg(archive_msgs=_.community_id.count())
    lo, hi = pd.Timestamp(start), pd.Timestamp(end)
    lo = (lo.tz_convert(tz) if lo.tzinfo else lo).date()
    hi = (hi.tz_convert(tz) if hi.tzinfo else hi).date()
    st = st.filter((st.day >= lo) & (st.day < hi)).group_by(["owner_id", "day"]).agg(msg_total=_.msg_total.sum())
    left = _engine.to_pandas(a, tz)
    right = _engine.to_pandas(st, tz)
    for df in (left, right):
        df["day"] = pd.to_datetime(df["day"])
    out = left.merge(right, on=["owner_id", "day"], how="outer").fillna({"archive_msgs": 0, "msg_total": 0})
    out = out.astype({"archive_msgs": "int64", "msg_total": "int64"})
    out["gap"] = out["msg_total"] - out["archive_msgs"]
    out["coverage"] = out["archive_msgs"] / out["msg_total"].where(out["msg_total"] > 0)
    return out.sort_values(["day", "owner_id"]).reset_index(drop=True)


def reconciliation_summary(daily: pd.DataFrame) -> pd.DataFrame:
    """One row from :func:`reconcile_daily_totals`: ``owner_days``, ``archive_msgs``, ``msg_total``,
    ``coverage`` (summed archive / summed msg_total), ``correlation`` (Pearson over owner-days),
    ``share_archive_above_total`` (owner-days where the archive exceeds the statistic: should be 0)."""
    if daily.empty:
        return pd.DataFrame([dict(owner_days=0, archive_msgs=0, msg_total=0, coverage=float("nan"),
                                  correlation=float("nan"), share_archive_above_total=float("nan"))])
    tot = int(daily["msg_total"].sum())
    corr = daily["archive_msgs"].corr(daily["msg_total"]) if len(daily) > 1 else float("nan")
    return pd.DataFrame([dict(owner_days=len(daily), archive_msgs=int(daily["archive_msgs"].sum()),
                              msg_total=tot, coverage=daily["archive_msgs"].sum() / tot if tot else float("nan"),
                              correlation=float(corr),
                              share_archive_above_total=float((daily["gap"] < 0).mean()))])
