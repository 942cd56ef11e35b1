"""The KPI tree of deck page 2 and the indicators under it, computed in the engine (Ibis).

Definitions used throughout (a window is the half-open interval ``[start, end)`` in local time):

- **active** member-day: at least one customer message in the chat archive, or a ``post``,
  ``comment`` or ``like`` event, that local day.
- **community members** of a window: members with a group-chat membership that began before the
  window ends and did not end before it starts.
- **core member**: a community member active on at least ``min_active_days`` days of the window
  (15 of 30 by default: half the days).
- **engagement per member**: activity actions (messages + posts + comments + likes) per community
  member per day.
- **message open rate**: delivered one-to-one mass-message sends (status 1) whose tracked link the
  recipient opened (a ``link_open`` with ``campaign`` = the broadcast) within ``open_window_hours``,
  divided by delivered sends. WeCom has no read receipts; this is the only observable open.
- **content interaction rate**: interaction events (like, comment, share) divided by ``post_view``
  events, by content type.
- **service response within target**: tickets created in the window whose first public agent reply
  came within ``target_hours`` calendar hours, divided by all tickets created in the window (a ticket
  never replied to counts as a miss).
- **prospect conversion**: leads from ``source`` created in the window that converted within
  ``window_days`` days (converted date minus created date, local dates), divided by those leads.
- **DAU / WAU / MAU**: members active that day / on at least one of the 7 / 30 days ending that day;
  **stickiness** = DAU / MAU.
- **per community**: a member counts for a group chat on the days they belong to it; the community
  health index over these sub-metrics is :func:`helpers.health.health_index` (re-exported here).
"""
from __future__ import annotations

from typing import Literal

import ibis
import pandas as pd
from ibis import _
from statsmodels.stats.proportion import proportion_confint

from helpers import _engine
from helpers.schema import ACTIVITY_EVENTS, INTERACTION_EVENTS
from helpers.timeline import DEFAULT_TZ

# the industry-average conversion of community-sourced leads that the source deck cites (page 1: 25%, against
# the company's 12%); an external benchmark, not a figure of the data: replace it with your own
CONVERSION_REFERENCE = 0.25
RESPONSE_TARGET_HOURS = 4.0  # default service-response target: first public reply within this many calendar hours

# ``formula`` may hold ``{target_hours}`` (the response target) and ``{window_days}`` (the conversion window):
# fill them from the run's settings with ``str.format`` before showing a formula
KPI_TREE = pd.DataFrame(
    [
        ("health_index", 1, None, "Overall health of the community", "entropy-weighted 0-100 index of each chat's active rate, actions per member-day, content interaction and answered share", "", "", "index 0-100", "up"),
        ("engagement", 2, "health_index", "How much members take part", "active member-days / community member-days", "active member-days", "community member-days", "share", "up"),
        ("service_response", 2, "health_index", "Speed of the support desk", "tickets first replied within {target_hours:g} h / tickets created", "tickets replied within target", "tickets created", "share", "up"),
        ("message_open_rate", 3, "engagement", "Reach of mass messages", "delivered sends opened within 72 h / delivered sends", "sends opened", "delivered sends", "share", "up"),
        ("content_interaction_rate", 3, "engagement", "Interaction with posted content", "likes + comments + shares / post views", "interaction events", "post views", "share", "up"),
        ("prospect_conversion", 3, "service_response", "Community leads that become customers", "community leads converted within {window_days} days / community leads", "converted leads", "community leads", "share", "up"),
    ],
    columns=["name", "level", "parent", "definition", "formula", "numerator", "denominator", "unit", "direction"],
)


def _window(t, col, start, end, tz):
    return (t[col] >= _engine.ts_literal(start, tz)) & (t[col] < _engine.ts_literal(end, tz))


def _rate_row(kpi, num, den, unit="share", definition="", **extra) -> dict:
    num, den = int(num or 0), int(den or 0)
    if den == 0:
        low = high = value = float("nan")
    else:
        value = num / den
        low, high = proportion_confint(num, den, alpha=0.05, method="wilson")
    return dict(kpi=kpi, value=value, unit=unit, numerator=num, denominator=den,
                ci_low=low, ci_high=high, definition=definition, **extra)


def _actions(events, messages, start, end, tz) -> ibis.Table:
    """One row ``(member_id, day)`` per activity action in the window: an activity event of a known
    member or a customer message (Ibis; not distinct)."""
    ev = _engine.table(events, "events", ("member_id", "ts", "event"), tz)
    ms = _engine.table(messages, "messages", ("sender_id", "sender_type", "ts"), tz)
    a = _engine.where_in(ev, "event", ACTIVITY_EVENTS)
    a = a.filter(_window(a, "ts", start, end, tz) & a.member_id.notnull())
    a = a.select(member_id=a.member_id, day=_engine.local_date(a.ts, tz))
    b = ms.filter((ms.sender_type == "customer") & _window(ms, "ts", start, end, tz))
    b = b.select(member_id=b.sender_id, day=_engine.local_date(b.ts, tz))
    return a.union(b)


def active_member_days(events, messages, start, end, tz: str = DEFAULT_TZ) -> ibis.Table:
    """Distinct ``(member_id, day)`` pairs with at least one activity action in the window (Ibis)."""
    return _actions(events, messages, start, end, tz).distinct()


def community_members(memberships, start, end, tz: str = DEFAULT_TZ) -> ibis.Table:
    """Distinct ``member_id`` of members in any group chat at some time in the window (Ibis)."""
    m = _engine.table(memberships, "memberships", ("member_id", "join_ts", "leave_ts"), tz)
    keep = (m.join_ts < _engine.ts_literal(end, tz)) & (
        m.leave_ts.isnull() | (m.leave_ts >= _engine.ts_literal(start, tz)))
    return m.filter(keep).select("member_id").distinct()


def _daily_active_sql(events, messages, start, end, tz) -> tuple | None:
    """``(backend, SQL)`` of :func:`daily_active`'s counts per day (``day``, ``active_members``), written
    by hand, when ``events`` and ``messages`` are bare tables of one DuckDB backend with zone-aware
    ``ts`` and ``tz`` has a fixed offset; else ``None``. Ibis's building and compiling of the same
    query cost about 0.045 s, a fifth of the whole call at 1e7 events (``benchmarks/bench_activity.py``)."""
    ev = _engine.table(events, "events", ("member_id", "ts", "event"), tz)
    ms = _engine.table(messages, "messages", ("sender_id", "sender_type", "ts"), tz)
    bare = [_engine.bare_duckdb_table(t) for t in (ev, ms)]
    offset = _engine.fixed_offset_us(tz)
    if (None in bare or bare[0][0] is not bare[1][0] or offset is None
            or not (_engine.zoned_columns(ev, "ts") and _engine.zoned_columns(ms, "ts"))):
        return None
    (con, ev_name), (_, ms_name) = bare
    window = f"ts >= {_engine.ts_sql(start, tz)} AND ts < {_engine.ts_sql(end, tz)}"
    day = f"CAST(make_timestamp(epoch_us(ts) + {offset}) AS DATE) AS day"  # as _engine.local_date
    parts = [f"SELECT member_id, {day} FROM {ev_name} WHERE list_contains({_engine.sql_list(ACTIVITY_EVENTS)}, "
             f"event) AND {window} AND member_id IS NOT NULL",  # list_contains, as _engine.isin
             f"SELECT sender_id AS member_id, {day} FROM {ms_name} WHERE sender_type = 'customer' AND {window}"]
    return con, (f"SELECT day, count(member_id) AS active_members FROM (SELECT DISTINCT member_id, day "
                 f"FROM ({' UNION ALL '.join(parts)}) AS a) AS d GROUP BY day")


def daily_active(events, messages, start, end, tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """One row per day of the window: ``day``, ``active_members`` (days with none are 0)."""
    direct = _daily_active_sql(events, messages, start, end, tz)
    if direct is not None:
        out = direct[0].con.sql(direct[1]).df()
    else:
        amd = active_member_days(events, messages, start, end, tz)
        out = _engine.to_pandas(amd.group_by("day").agg(active_members=_.member_id.count()), tz)
    days = pd.date_range(pd.Timestamp(start).date(), pd.Timestamp(end).date(), inclusive="left")
    out["day"] = pd.to_datetime(out["day"])
    return (pd.DataFrame({"day": days}).merge(out, on="day", how="left")
            .fillna({"active_members": 0}).astype({"active_members": "int64"}))


def core_share(events, messages, memberships, start, end, min_active_days: int = 15,
               tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """One row: community members, core members (active on >= ``min_active_days`` days of the
    window), their share and its Wilson 95% interval."""
    if min_active_days < 1:
        raise ValueError(f"`min_active_days` must be at least 1; got {min_active_days}.")
    amd = active_member_days(events, messages, start, end, tz)
    per = amd.group_by("member_id").agg(active_days=_.day.count())
    cm = community_members(memberships, start, end, tz)
    j = cm.left_join(per, "member_id")
    agg = j.aggregate(members=_.member_id.count(),
                      core=(_.active_days.fill_null(0) >= min_active_days).sum())
    row = _engine.to_pandas(agg, tz).iloc[0]
    return pd.DataFrame([_rate_row("core_share", row["core"], row["members"],
                                   definition=f"community members active on >= {min_active_days} days of the window",
                                   min_active_days=min_active_days)])


def active_rate(events, messages, memberships, start, end, tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """One row: active member-days / community member-days over the window, with mean DAU."""
    amd = active_member_days(events, messages, start, end, tz)
    cm = community_members(memberships, start, end, tz)
    n_days = (pd.Timestamp(end) - pd.Timestamp(start)).days
    active = amd.semi_join(cm, "member_id").count()
    members = cm.count()
    num, n_members = int(active.execute()), int(members.execute())
    return pd.DataFrame([_rate_row("active_rate", num, n_members * n_days,
                                   definition="active member-days / (community members x days)",
                                   dau_mean=num / n_days if n_days else float("nan"),
                                   members=n_members, days=n_days)])


def engagement_per_member(events, messages, memberships, start, end, tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """One row: activity actions per community member per day in the window (a mean, not a share)."""
    ev = _engine.table(events, "events", ("member_id", "ts", "event"), tz)
    ms = _engine.table(messages, "messages", ("sender_id", "sender_type", "ts"), tz)
    a = _engine.where_in(ev, "event", ACTIVITY_EVENTS)
    n_ev = a.filter(_window(a, "ts", start, end, tz)).count().execute()
    n_ms = ms.filter((ms.sender_type == "customer") & _window(ms, "ts", start, end, tz)).count().execute()
    n_members = int(community_members(memberships, start, end, tz).count().execute())
    n_days = (pd.Timestamp(end) - pd.Timestamp(start)).days
    den = n_members * n_days
    return pd.DataFrame([dict(kpi="engagement_per_member", value=(n_ev + n_ms) / den if den else float("nan"),
                              unit="actions per member-day", numerator=int(n_ev + n_ms), denominator=den,
                              ci_low=float("nan"), ci_high=float("nan"),
                              definition="messages + posts + comments + likes per community member per day")])


def _with_member(t: ibis.Table) -> ibis.Table:
    """``t`` with a ``member_id`` column (null if the caller's frame has none: the overall rates need none)."""
    return t if "member_id" in t.columns else t.mutate(member_id=ibis.null("string"))


def opened_sends(sends: ibis.Table, events, open_window_hours: float = 72.0,
                 keys: tuple[str, ...] = ("broadcast_id", "member_id"), tz: str = DEFAULT_TZ) -> ibis.Table:
    """One row per send of ``sends`` (Ibis: ``broadcast_id, member_id, sent_ts`` plus any other ``keys``,
    already filtered to delivered one-to-one sends) with ``opened``: a ``link_open`` by that member whose
    ``campaign`` is the broadcast, at or after the send and within ``open_window_hours``."""
    ev = _engine.table(events, "events", ("member_id", "ts", "event", "campaign"), tz)
    opens = ev.filter((ev.event == "link_open") & ev.campaign.notnull()).select(
        o_member=ev.member_id, o_campaign=ev.campaign, o_ts=ev.ts)
    j = sends.left_join(opens, (sends.member_id == opens.o_member) & (sends.broadcast_id == opens.o_campaign)
                        & (opens.o_ts >= sends.sent_ts))
    lag = _engine.seconds_between(j.o_ts, j.sent_ts)
    j = j.mutate(opened=(lag <= open_window_hours * 3600).fill_null(False))
    return j.group_by(list(keys)).agg(opened=_.opened.max())


def _open_units(broadcasts, events, start, end, open_window_hours, tz) -> ibis.Table:
    """One row per delivered one-to-one send in the window: ``broadcast_id, member_id, success`` (opened)."""
    b = _engine.table(broadcasts, "broadcasts", ("broadcast_id", "member_id", "sent_ts", "status"), tz)
    sends = b.filter((b.status == 1) & b.member_id.notnull() & _window(b, "sent_ts", start, end, tz))
    sends = sends.select("broadcast_id", "member_id", "sent_ts").distinct(on=["broadcast_id", "member_id"], keep="first")
    per = opened_sends(sends, events, open_window_hours, tz=tz)
    return per.select("broadcast_id", "member_id", success=per.opened)


def message_open_rate(broadcasts, events, start, end, open_window_hours: float = 72.0,
                      tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """One row: delivered one-to-one sends in the window, those opened within ``open_window_hours``."""
    per = _open_units(broadcasts, events, start, end, open_window_hours, tz)
    agg = per.aggregate(delivered=_.broadcast_id.count(), opened=_.success.sum())
    row = _engine.to_pandas(agg, tz).iloc[0]
    return pd.DataFrame([_rate_row("message_open_rate", row["opened"], row["delivered"],
                                   definition=f"delivered sends opened (tracked link) within {open_window_hours:g} h / delivered sends")])


def content_interaction_rate(events, start, end, by: str | None = "content_type",
                             tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """Interaction events / post views in the window, overall (``by=None``) or per value of ``by``."""
    ev = _engine.table(events, "events", ("member_id", "ts", "event", "content_type"), tz)
    ev = ev.filter(_window(ev, "ts", start, end, tz))
    keys = [by] if by else []
    agg = ev.group_by(keys).agg(views=(ev.event == "post_view").sum(),
                                interactions=_engine.isin(ev.event, INTERACTION_EVENTS).sum()) if keys else \
        ev.aggregate(views=(ev.event == "post_view").sum(), interactions=_engine.isin(ev.event, INTERACTION_EVENTS).sum())
    df = _engine.to_pandas(agg, tz)
    rows = [_rate_row("content_interaction_rate", r["interactions"], r["views"],
                      definition="likes + comments + shares / post views",
                      **({by: r[by]} if by else {})) for _, r in df.iterrows()]
    out = pd.DataFrame(rows)
    return out.sort_values(by).reset_index(drop=True) if by and len(out) else out


def _response_units(tickets, start, end, target_hours, tz) -> ibis.Table:
    """One row per ticket created in the window: ``ticket_id, member_id, success`` (replied within target)."""
    t = _with_member(_engine.table(tickets, "tickets", ("ticket_id", "created_ts", "first_reply_ts"), tz))
    t = t.filter(_window(t, "created_ts", start, end, tz))
    lag = _engine.seconds_between(t.first_reply_ts, t.created_ts)
    return t.select("ticket_id", "member_id", success=(lag <= target_hours * 3600).fill_null(False))


def service_response_rate(tickets, start, end, target_hours: float = RESPONSE_TARGET_HOURS, tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """One row: tickets created in the window first replied within ``target_hours`` calendar hours."""
    t = _response_units(tickets, start, end, target_hours, tz)
    agg = t.aggregate(created=t.ticket_id.count(), within=t.success.sum())
    row = _engine.to_pandas(agg, tz).iloc[0]
    return pd.DataFrame([_rate_row("service_response", row["within"], row["created"],
                                   definition=f"tickets first replied within {target_hours:g} calendar hours / tickets created")])


def _conversion_units(leads, start, end, source, window_days, observed_until, tz) -> ibis.Table:
    """One row per lead of ``source`` created in the window (and observable): ``lead_id, member_id, success``."""
    le = _with_member(_engine.table(leads, "leads", ("lead_id", "created_ts", "converted_ts", "source"), tz))
    le = le.filter((le.source == source) & _window(le, "created_ts", start, end, tz))
    if observed_until is not None:
        le = le.filter(le.created_ts < _engine.ts_literal(pd.Timestamp(observed_until) - pd.Timedelta(days=window_days), tz))
    lag_days = _engine.local_date(le.converted_ts, tz).delta(_engine.local_date(le.created_ts, tz), unit="day")
    return le.select("lead_id", "member_id", success=((lag_days >= 0) & (lag_days <= window_days)).fill_null(False))


def prospect_conversion(leads, start, end, source: str = "WeCom Community", window_days: int = 30,
                        observed_until=None, tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """One row: leads from ``source`` created in the window, those converted within ``window_days``.

    With ``observed_until`` (the end of the data), leads whose ``window_days`` had not fully passed by
    then are left out rather than counted as not converted (their outcome is censored); when none is
    left the value is missing."""
    le = _conversion_units(leads, start, end, source, window_days, observed_until, tz)
    agg = le.aggregate(leads=le.lead_id.count(), converted=le.success.sum())
    row = _engine.to_pandas(agg, tz).iloc[0]
    return pd.DataFrame([_rate_row("prospect_conversion", row["converted"], row["leads"],
                                   definition=f"'{source}' leads converted within {window_days} days / those leads")])


def kpis_by_community(con_or_tables, start, end, *, open_window_hours: float = 72.0,
                      response_target_hours: float = RESPONSE_TARGET_HOURS, lead_source: str = "WeCom Community",
                      conversion_window_days: int = 30, observed_until=None, tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """Message open rate, service response within target and prospect conversion per community, each
    unit (send, ticket, lead) credited to its member's home group chat (``members.home_community_id``;
    units of members in no group chat are left out). Definitions as in the module docstring. Returns
    ``community_id, kpi, numerator, denominator, value, ci_low, ci_high`` (Wilson 95%)."""
    names = ("events", "broadcasts", "tickets", "leads", "members")
    t = con_or_tables if isinstance(con_or_tables, dict) else {n: con_or_tables.table(n) for n in names}
    home = _engine.table(t["members"], "members", ("member_id", "home_community_id"), tz)
    home = home.filter(home.home_community_id.notnull()).select("member_id", community_id=home.home_community_id)
    parts = {
        "message_open_rate": _open_units(t["broadcasts"], t["events"], start, end, open_window_hours, tz),
        "service_response": _response_units(t["tickets"], start, end, response_target_hours, tz),
        "prospect_conversion": _conversion_units(t["leads"], start, end, lead_source, conversion_window_days,
                                                 observed_until, tz),
    }
    rows = []
    for name, units in parts.items():
        agg = units.join(home, "member_id").group_by("community_id").agg(
            numerator=_.success.sum(), denominator=_.count())
        for r in _engine.to_pandas(agg, tz).itertuples():
            rows.append({"community_id": r.community_id, **_rate_row(name, r.numerator, r.denominator)})
    cols = ["community_id", "kpi", "numerator", "denominator", "value", "ci_low", "ci_high"]
    out = pd.DataFrame(rows, columns=cols + ["unit", "definition"])[cols]
    return out.sort_values(["kpi", "community_id"]).reset_index(drop=True)


def compute_kpis(con, start, end, *, min_active_days: int = 15, open_window_hours: float = 72.0,
                 response_target_hours: float = RESPONSE_TARGET_HOURS, lead_source: str = "WeCom Community",
                 conversion_window_days: int = 30, observed_until=None, tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """The scoreboard of the window from the warehouse: one row per KPI with ``kpi, value, unit,
    numerator, denominator, ci_low, ci_high, definition`` (Wilson 95% intervals for shares)."""
    t = {name: con.table(name) for name in
         ("events", "messages", "memberships", "broadcasts", "tickets", "leads")}
    parts = [
        active_rate(t["events"], t["messages"], t["memberships"], start, end, tz),
        core_share(t["events"], t["messages"], t["memberships"], start, end, min_active_days, tz),
        engagement_per_member(t["events"], t["messages"], t["memberships"], start, end, tz),
        message_open_rate(t["broadcasts"], t["events"], start, end, open_window_hours, tz),
        content_interaction_rate(t["events"], start, end, by=None, tz=tz),
        service_response_rate(t["tickets"], start, end, response_target_hours, tz),
        prospect_conversion(t["leads"], start, end, lead_source, conversion_window_days, observed_until, tz),
    ]
    cols = ["kpi", "value", "unit", "numerator", "denominator", "ci_low", "ci_high", "definition"]
    return pd.concat([p[cols] for p in parts], ignore_index=True)


# --- per day / week and per community ------------------------------------------------------------

Freq = Literal["day", "week"]
FREQS = ("day", "week")


def _check_freq(freq):
    if freq not in FREQS:
        raise ValueError(f"`freq` must be one of {FREQS!r}; not {freq!r}.")


def _calendar(start, end, tz):
    """Ibis memtable of the local days of ``[start, end)``: ``day`` (date), ``day_lo``, ``day_hi``."""
    lo = pd.Timestamp(start)
    lo = lo.tz_convert(tz) if lo.tzinfo else lo.tz_localize(tz)
    hi = pd.Timestamp(end)
    hi = hi.tz_convert(tz) if hi.tzinfo else hi.tz_localize(tz)
    days = pd.date_range(lo.normalize(), hi, freq="D", inclusive="left")
    cal = pd.DataFrame({"day": days.tz_localize(None).date, "day_lo": days.tz_convert("UTC"),
                        "day_hi": (days + pd.Timedelta(days=1)).tz_convert("UTC")})
    _engine._default_backend(tz)
    return ibis.memtable(cal, schema={"day": "date", "day_lo": "timestamp('UTC')", "day_hi": "timestamp('UTC')"})


def member_days(memberships, start, end, by_community: bool = False, tz: str = DEFAULT_TZ) -> ibis.Table:
    """Distinct ``(member_id[, community_id], day)`` with the member in a group chat at some time of
    that local day (joined before the day ends, not left before it starts) (Ibis)."""
    need = ("member_id", "community_id", "join_ts", "leave_ts") if by_community else ("member_id", "join_ts", "leave_ts")
    m = _engine.table(memberships, "memberships", need, tz)
    cal = _calendar(start, end, tz)
    j = m.join(cal, (m.join_ts < cal.day_hi) & (m.leave_ts.isnull() | (m.leave_ts >= cal.day_lo)))
    keys = ["member_id", "community_id", "day"] if by_community else ["member_id", "day"]
    return j.select(*keys).distinct()


def activity_by_period(events, messages, memberships, start, end, freq: Freq = "day",
                       by_community: bool = False, tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """Activity KPIs per ``period`` (the day, or the Monday of the week) and optionally per community.

    A member counts for a community on the days they belong to it (a member of two groups counts in
    both). Returns ``period[, community_id], members`` (distinct members present in the period),
    ``active_members`` (of those, active at least once), ``member_days``, ``active_member_days``,
    ``active_rate`` (active member-days / member-days), ``actions`` (messages + posts + comments +
    likes of present members on present days) and ``engagement_per_member`` (actions / member-days).
    """
    _check_freq(freq)
    md = member_days(memberships, start, end, by_community, tz)
    # a (member, day) is active exactly when it has an action: one scan gives both
    acts = _actions(events, messages, start, end, tz).group_by(["member_id", "day"]).agg(actions=_.count())
    j = md.left_join(acts, ["member_id", "day"]).select(*md.columns, actions=_.actions.fill_null(0))
    j = j.mutate(active=(j.actions > 0).cast("int64"))
    j = j.mutate(period=j.day.truncate("W") if freq == "week" else j.day)
    keys = ["period", "community_id"] if by_community else ["period"]
    agg = j.group_by(keys).agg(members=_.member_id.nunique(),
                               active_members=(_.active == 1).ifelse(_.member_id, ibis.null(str)).nunique(),
                               member_days=_.count(), active_member_days=_.active.sum(), actions=_.actions.sum())
    df = _engine.to_pandas(agg, tz)
    df["period"] = pd.to_datetime(df["period"])
    for c in ("members", "active_members", "member_days", "active_member_days", "actions"):
        df[c] = df[c].astype("int64")
    df["active_rate"] = df["active_member_days"] / df["member_days"]
    df["engagement_per_member"] = df["actions"] / df["member_days"]
    return df.sort_values(keys).reset_index(drop=True)


def dau_wau_mau(events, messages, start, end, wau_days: int = 7, mau_days: int = 30,
                tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """Per local day of ``[start, end)``: ``dau`` (members active that day), ``wau`` (active on at least
    one of the ``wau_days`` days ending that day), ``mau`` (same over ``mau_days``) and ``stickiness`` =
    dau / mau. The trailing windows read activity before ``start`` when the data has it;
    ``wau_complete`` / ``mau_complete`` are False on days whose window reaches back before the first
    activity in the data (there WAU and MAU, and so stickiness, are undercounted: a chart should not
    draw them)."""
    if not 1 <= wau_days <= mau_days:
        raise ValueError(f"Need 1 <= `wau_days` <= `mau_days`; got {wau_days} and {mau_days}.")
    lo = pd.Timestamp(start) - pd.Timedelta(days=mau_days - 1)
    amd = active_member_days(events, messages, lo, end, tz)
    amd = amd.filter(amd.member_id.notnull())
    # A member active on day d counts on days d .. d + n - 1; cut each such span at the member's next
    # active day, and the spans of one member are disjoint, so a day's count is the running sum of
    # +1 where spans start and -1 where they end: one sort of the member-days, whatever n is (a join
    # of every day with the n days before it grows with n).
    # The three windows' span ends come from one window pass and one query (the member-days with their
    # next active day, then one group-by per window, stacked).
    nxt = amd.day.lead().over(ibis.window(group_by="member_id", order_by="day"))
    spans = amd.mutate(nxt=nxt)
    windows = (("dau", 1), ("wau", wau_days), ("mau", mau_days))
    stops = {}
    for name, n in windows:
        stop = spans.day + ibis.interval(days=n)
        stops[name] = ibis.ifelse(spans.nxt.notnull() & (spans.nxt < stop), spans.nxt, stop)
    spans = spans.select(**stops)
    parts = [spans.group_by(d=spans[name]).agg(delta=-_.count()).mutate(name=ibis.literal(name)) for name, _n in windows]
    ends = _engine.to_pandas(ibis.union(*parts), tz)
    deltas = [(name, ends[ends["name"] == name]) for name, _n in windows]
    starts = _engine.to_pandas(amd.group_by("day").agg(delta=_.count()), tz)
    days = pd.to_datetime(_engine.to_pandas(_calendar(start, end, tz).select("day"), tz)["day"]).sort_values()
    out = pd.DataFrame({"day": days.to_numpy()})
    for name, part in deltas:
        d = pd.concat([starts[["day", "delta"]], part.rename(columns={"d": "day"})[["day", "delta"]]])
        running = d.groupby(pd.to_datetime(d["day"]))["delta"].sum().sort_index().cumsum()
        out[name] = running.reindex(out["day"], method="ffill").fillna(0).astype("int64").to_numpy()
    out["stickiness"] = out["dau"] / out["mau"].where(out["mau"] > 0)
    first = pd.to_datetime(starts["day"]).min() if len(starts) else out["day"].max() + pd.Timedelta(days=1)
    for name, n in (("wau", wau_days), ("mau", mau_days)):
        out[f"{name}_complete"] = out["day"] - pd.Timedelta(days=n - 1) >= first
    return out.reset_index(drop=True)


def community_kpis(con_or_tables, start, end, freq: Freq = "week", reply_window_hours: float = 24.0,
                   tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """The health index's sub-metrics per community and period: ``period, community_id,
    members, active_rate, engagement_per_member`` (as :func:`activity_by_period`),
    ``content_interaction_rate`` (interactions / post views of events tagged with the community; NaN
    without views) and ``answered_share`` (customer messages answered by staff within
    ``reply_window_hours``, ``helpers.responsiveness``; NaN without customer messages)."""
    from helpers.responsiveness import reply_pairs
    _check_freq(freq)
    names = ("events", "messages", "memberships")
    t = con_or_tables if isinstance(con_or_tables, dict) else {n: con_or_tables.table(n) for n in names}
    act = activity_by_period(t["events"], t["messages"], t["memberships"], start, end, freq, True, tz)
    ev = _engine.table(t["events"], "events", ("ts", "event", "community_id"), tz)
    ev = ev.filter(_window(ev, "ts", start, end, tz) & ev.community_id.notnull()).mutate(day=_engine.local_date(ev.ts, tz))
    ev = ev.mutate(period=ev.day.truncate("W") if freq == "week" else ev.day)
    ci = ev.group_by(["period", "community_id"]).agg(views=(_.event == "post_view").sum(),
                                                      interactions=_engine.isin(ev.event, INTERACTION_EVENTS).sum())
    rp = reply_pairs(t["messages"], start, end, reply_window_hours, tz=tz)
    rp = rp.mutate(period=rp.day.truncate("W") if freq == "week" else rp.day)
    rs = rp.group_by(["period", "community_id"]).agg(customer_messages=_.msg_id.count(), answered=_.answered.sum())
    for part in (ci, rs):
        df = _engine.to_pandas(part, tz)
        df["period"] = pd.to_datetime(df["period"])
        act = act.merge(df, on=["period", "community_id"], how="left")
    act["content_interaction_rate"] = act["interactions"] / act["views"].where(act["views"] > 0)
    act["answered_share"] = act["answered"] / act["customer_messages"].where(act["customer_messages"] > 0)
    cols = ["period", "community_id", "members", "active_rate", "engagement_per_member",
            "content_interaction_rate", "answered_share"]
    return act[cols].sort_values(["period", "community_id"]).reset_index(drop=True)


def readable_board(board: pd.DataFrame, missing: str = "n/a") -> pd.DataFrame:
    """:func:`compute_kpis` output as a reader sees it: ``kpi``, ``value`` (shares as percentages, other
    KPIs with two decimals, ``missing`` when not measurable, e.g. a conversion whose window is still open),
    ``interval`` (the 95% interval of a share; empty otherwise), ``numerator``, ``denominator``, ``definition``."""
    from helpers.prose import interval, num, pct
    share = board["unit"] == "share"
    known = board["value"].notna()
    value = [(pct(v) if s else num(v, 2)) if k else missing for v, s, k in zip(board["value"], share, known)]
    ci = [interval(lo, hi) if s and k and pd.notna(lo) else "" for lo, hi, s, k in
          zip(board["ci_low"], board["ci_high"], share, known)]
    return board.assign(value=value, interval=ci)[["kpi", "value", "interval", "numerator", "denominator", "definition"]]


def compute_kpis_by_period(con, start, end, freq: Freq = "week", **kwargs) -> pd.DataFrame:
    """:func:`compute_kpis` for each day or week (Monday start) of ``[start, end)``: the same columns plus
    ``period`` and ``period_end``. Partial first and last weeks are cut at ``start`` and ``end``, so
    event counts of the periods add up to the window's; ``core_share`` uses ``min_active_days``
    (default 15) and is only meaningful on windows of about a month. ``kwargs`` go to :func:`compute_kpis`."""
    _check_freq(freq)
    tz = kwargs.get("tz", DEFAULT_TZ)
    lo, hi = (pd.Timestamp(x) for x in (start, end))
    lo, hi = (x.tz_convert(tz) if x.tzinfo else x.tz_localize(tz) for x in (lo, hi))
    step = pd.Timedelta(days=1 if freq == "day" else 7)
    first = lo.normalize() - (pd.Timedelta(0) if freq == "day" else pd.Timedelta(days=lo.weekday()))
    parts = []
    for p in pd.date_range(first, hi, freq=step, inclusive="left"):
        a, b = max(p, lo), min(p + step, hi)
        parts.append(compute_kpis(con, a, b, **kwargs).assign(period=p, period_end=b))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()



def period_heterogeneity(by_period: pd.DataFrame, kpi: str) -> dict:
    """Do the periods of a :func:`compute_kpis_by_period` table share one rate of share KPI ``kpi``?
    Pearson's chi-square test of homogeneity on the periods' successes and failures (``numerator``,
    ``denominator - numerator``; no continuity correction; periods with no units left out).
    Returns ``chi2, dof, p_value, periods, units`` (``p_value`` NaN with fewer than two periods)."""
    from scipy.stats import chi2_contingency
    rows = by_period[(by_period["kpi"] == kpi) & (by_period["denominator"] > 0)]
    if rows.empty and kpi not in set(by_period["kpi"]):
        raise KeyError(f"KPI {kpi!r} is not in the table. Available: {sorted(set(by_period['kpi']))}.")
    num, den = rows["numerator"].to_numpy(float), rows["denominator"].to_numpy(float)
    out = {"chi2": float("nan"), "dof": 0, "p_value": float("nan"), "periods": len(rows), "units": int(den.sum())}
    if len(rows) >= 2 and 0 < num.sum() < den.sum():
        res = chi2_contingency([num, den - num], correction=False)
        out.update(chi2=float(res.statistic), dof=int(res.dof), p_value=float(res.pvalue))
    return out

from helpers.health import health_index  # noqa: E402  re-export: the index lives in helpers.health
