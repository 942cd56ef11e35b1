"""Per-unit outcome tables of the experiments, built in the engine (Ibis) from the warehouse.

Each function returns a member- or community-scale pandas frame ready for :mod:`helpers.abtest`.
Periods are the timeline's half-open ``[start, end)`` windows in local time; ``pre`` and ``test``.

- :func:`message_opens` (``broadcast_personalization``): per assigned member, delivered one-to-one
  sends (status 1) per period (by send time) and those opened, an open being a ``link_open`` whose
  ``campaign`` is the broadcast, by the recipient, within ``open_window_hours`` after the send (the
  KPI definition of :func:`helpers.kpi.message_open_rate`).
- :func:`itinerary_bounces` (``nav_fix``): per assigned member, ``itinerary_consult`` page views per
  period and bounces, a bounce being a view with no further tracked event by the member within
  ``gap_minutes`` (the view ends its session); an event at the view's very time stamp is not a further
  one, as for :func:`helpers.paths.sessions`' bounces.
- :func:`membership_days` / :func:`community_activity_daily` / :func:`member_activity`
  (``community_programme``): a member is *current* in a group chat on a local day when the
  membership began before the day and did not end before the day was over; *active in the chat* that
  day when the member wrote a customer message there or a ``post``/``comment``/``like`` event carries
  the chat's ``community_id``. Daily activity rate = active current members / current members.
- :func:`contamination`: members current in chats of both arms during the test period.
- :func:`guardrails` / :func:`community_guardrails`: per assigned member (or per chat) and period,
  support tickets created, group chats left (``memberships.leave_ts``), customer messages and the
  negative ones: labelled ``negative`` by :func:`helpers.sentiment.sentiment` (``lang="auto"``: the
  kit's Chinese model, score <= -0.2, i.e. P(positive) <= 0.4; VADER's compound <= -0.05 for English),
  each distinct text scored once; or, given ``negative_terms``, containing one of those terms.
"""
from __future__ import annotations

import ibis
import pandas as pd
from ibis import _

from helpers import _engine, kpi
from helpers.paths import session_gap_us
from helpers.prose import effect
from helpers.schema import ACTIVITY_EVENTS
from helpers.timeline import DEFAULT_TZ, Timeline

PERIODS = ("pre", "test")
# the guardrails (lower is better) and the unit a difference of each is read in ("share": percentage points)
GUARDRAIL_UNITS = {"tickets_per_member": "tickets per member", "leaves_per_member": "groups left per member",
                   "negative_share": "share"}

# a simple lexicon rule, for ``guardrails(negative_terms=NEGATIVE_TERMS)`` (the default is the sentiment model)
NEGATIVE_TERMS = ("投诉", "太差", "差评", "失望", "退款", "太慢", "不满", "垃圾", "无语", "没人处理", "不回",
                  "bad", "slow", "complain", "refund", "disappointed", "terrible", "nobody", "never")


def guardrail_change(metric: str, estimate, low=None, high=None) -> str:
    """A guardrail's change (or a primary rate's: a metric not in :data:`GUARDRAIL_UNITS` is a share) as a
    reader reads it, with its 95% interval: percentage points for a share, else a bare signed number,
    since the metric's name ('tickets per member') carries its unit (:func:`helpers.prose.effect`)."""
    return effect(estimate, low, high, "share" if GUARDRAIL_UNITS.get(metric, "share") == "share" else "")


def _win(col, start, end, tz):
    return (col >= _engine.ts_literal(start, tz)) & (col < _engine.ts_literal(end, tz))


def _units(assignments, experiment_id: str, unit_type: str, tz: str) -> ibis.Table:
    a = _engine.table(assignments, "assignments", ("experiment_id", "unit_type", "unit_id", "variant", "stratum"), tz)
    return a.filter((a.experiment_id == experiment_id) & (a.unit_type == unit_type)).select(
        unit_id=a.unit_id, variant=a.variant, stratum=a.stratum)


def _period_case(col, timeline: Timeline, tz: str):
    c = ibis.cases(*[(_win(col, *getattr(timeline, p), tz), p) for p in PERIODS], else_=None)
    return c


def _wide(long: pd.DataFrame, key: str, values: list[str], units: pd.DataFrame) -> pd.DataFrame:
    """Long (key, period, values...) -> one row per unit with ``<period>_<value>`` columns (0 filled)."""
    out = units.rename(columns={"unit_id": key})
    for p in PERIODS:
        part = long[long["period"] == p].drop(columns="period").rename(columns={v: f"{p}_{v}" for v in values})
        out = out.merge(part, on=key, how="left")
    cols = [f"{p}_{v}" for p in PERIODS for v in values]
    out[cols] = out[cols].fillna(0).astype("int64")
    return out.sort_values(key).reset_index(drop=True)


def message_opens(broadcasts, events, assignments, timeline: Timeline,
                  experiment_id: str = "broadcast_personalization", open_window_hours: float = 72.0) -> pd.DataFrame:
    """One row per assigned member: ``member_id, variant, stratum, pre_sends, pre_opens, test_sends,
    test_opens`` (delivered sends by send time; opens within ``open_window_hours``)."""
    tz = timeline.tz
    b = _engine.table(broadcasts, "broadcasts", ("broadcast_id", "member_id", "sent_ts", "status"), tz)
    ev = _engine.table(events, "events", ("member_id", "ts", "event", "campaign"), tz)
    units = _units(assignments, experiment_id, "member", tz)
    period = _period_case(b.sent_ts, timeline, tz)
    sends = b.filter((b.status == 1) & b.member_id.notnull()).mutate(period=period).filter(_.period.notnull())
    sends = sends.select("broadcast_id", "member_id", "sent_ts", "period").distinct(
        on=["broadcast_id", "member_id"], keep="first")
    sends = sends.semi_join(units, sends.member_id == units.unit_id)
    per_send = kpi.opened_sends(sends, ev, open_window_hours, keys=("broadcast_id", "member_id", "period"), tz=tz)
    per = per_send.group_by(["member_id", "period"]).agg(sends=_.broadcast_id.count(),
                                                          opens=_.opened.cast("int64").sum())
    long = _engine.to_pandas(per, tz)
    return _wide(long, "member_id", ["sends", "opens"], _engine.to_pandas(units, tz))


def itinerary_bounces(events, assignments, timeline: Timeline, experiment_id: str = "nav_fix",
                      page: str = "itinerary_consult", gap_minutes: float = 30.0) -> pd.DataFrame:
    """One row per assigned member: ``member_id, variant, stratum, pre_views, pre_bounces,
    test_views, test_bounces`` (page views of ``page``; bounce = no event of the member at a strictly
    later time within ``gap_minutes``, the rule of :func:`helpers.paths.sessions`). A range window
    finds that event: the next row of a time-ordered window would, at a tie, depend on how the engine
    happened to sort the tied events."""
    gap_us = session_gap_us(gap_minutes)
    tz = timeline.tz
    ev = _engine.table(events, "events", ("member_id", "ts", "event", "page"), tz)
    units = _units(assignments, experiment_id, "member", tz)
    lo, hi = timeline.pre[0], timeline.test[1] + pd.Timedelta(minutes=gap_minutes)
    e = ev.filter(ev.member_id.notnull() & _win(ev.ts, lo, hi, tz))
    e = e.semi_join(units, e.member_id == units.unit_id)
    # only the columns the window needs: it holds every event of the assigned members
    e = e.select("member_id", "ts", is_view=((e.event == "page_view") & (e.page == page)).fill_null(False))
    e = e.mutate(us=_engine.epoch_us(e.ts))
    e = e.mutate(later=e.us.max().over(ibis.window(group_by=e.member_id, order_by=e.us, range=(1, gap_us))))
    views = e.filter(e.is_view)
    views = views.mutate(period=_period_case(views.ts, timeline, tz)).filter(_.period.notnull())
    views = views.mutate(bounce=views.later.isnull())
    per = views.group_by(["member_id", "period"]).agg(views=_.count(), bounces=_.bounce.cast("int64").sum())
    long = _engine.to_pandas(per, tz)
    return _wide(long, "member_id", ["views", "bounces"], _engine.to_pandas(units, tz))


def _days(timeline: Timeline) -> pd.DataFrame:
    starts = pd.date_range(timeline.pre[0], timeline.test[1], freq="D", inclusive="left")
    df = pd.DataFrame({"day": starts.date, "day_start": starts, "day_end": starts + pd.Timedelta(days=1)})
    df["period"] = timeline.period_of(df["day_start"])
    return df


def membership_days(events, messages, memberships, timeline: Timeline, community_ids=None) -> ibis.Table:
    """Ibis table of ``member_id, community_id, day, period, active`` for every local day on which the
    member was current in the chat over the study (optionally only ``community_ids``)."""
    tz = timeline.tz
    m = _engine.table(memberships, "memberships", ("member_id", "community_id", "join_ts", "leave_ts"), tz)
    ev = _engine.table(events, "events", ("member_id", "ts", "event", "community_id"), tz)
    ms = _engine.table(messages, "messages", ("sender_id", "sender_type", "community_id", "ts"), tz)
    if community_ids is not None:
        ids = [str(c) for c in community_ids]
        m, ev, ms = (x.filter(x.community_id.isin(ids)) for x in (m, ev, ms))
    days = _engine.table(_days(timeline), "days", (), tz)
    cur = m.cross_join(days).filter(lambda t: (t.join_ts <= t.day_start)
                                    & (t.leave_ts.isnull() | (t.leave_ts >= t.day_end)))
    cur = cur.select("member_id", "community_id", "day", "period").distinct()
    lo, hi = timeline.pre[0], timeline.test[1]
    a = _engine.where_in(ev, "event", ACTIVITY_EVENTS)
    a = a.filter(a.community_id.notnull() & _win(a.ts, lo, hi, tz))
    a = a.select(a_member=a.member_id, a_comm=a.community_id, a_day=_engine.local_date(a.ts, tz))
    b = ms.filter((ms.sender_type == "customer") & ms.community_id.notnull() & _win(ms.ts, lo, hi, tz))
    b = b.select(a_member=b.sender_id, a_comm=b.community_id, a_day=_engine.local_date(b.ts, tz))
    act = a.union(b, distinct=True).mutate(active=ibis.literal(1))
    j = cur.left_join(act, (cur.member_id == act.a_member) & (cur.community_id == act.a_comm) & (cur.day == act.a_day))
    return j.select("member_id", "community_id", "day", "period", active=j.active.fill_null(0))


def _programme_units(assignments, experiment_id, tz) -> pd.DataFrame:
    return _engine.to_pandas(_units(assignments, experiment_id, "community", tz), tz)


def community_activity_daily(events, messages, memberships, assignments, timeline: Timeline,
                             experiment_id: str = "community_programme",
                             exclude_members=None) -> pd.DataFrame:
    """One row per programme chat and local day of the study: ``community_id, variant, stratum, day,
    period, current_members, active_members, rate, treated, post, week`` (``week`` 1.. of the test
    period, 0 before; ``post`` = test period). ``exclude_members`` drops those members (e.g. the
    contaminated ones) from numerator and denominator."""
    tz = timeline.tz
    units = _programme_units(assignments, experiment_id, tz)
    md = membership_days(events, messages, memberships, timeline, units["unit_id"].tolist())
    if exclude_members is not None and len(exclude_members):
        md = md.filter(~md.member_id.isin([str(x) for x in exclude_members]))
    per = md.group_by(["community_id", "day", "period"]).agg(current_members=_.count(),
                                                            active_members=_.active.sum())
    df = _engine.to_pandas(per, tz).merge(units.rename(columns={"unit_id": "community_id"}), on="community_id")
    df["day"] = pd.to_datetime(df["day"])
    df["rate"] = df["active_members"] / df["current_members"]
    df["treated"] = (df["variant"] == "treatment").astype(int)
    df["post"] = (df["period"] == "test").astype(int)
    t0 = pd.Timestamp(timeline.test[0].date())
    weeks = max(timeline.test_days // 7, 1)
    df["week"] = ((df["day"] - t0).dt.days // 7 + 1).clip(upper=weeks).where(df["post"] == 1, 0).astype(int)
    cols = ["community_id", "variant", "stratum", "day", "period", "current_members", "active_members",
            "rate", "treated", "post", "week"]
    return df[cols].sort_values(["community_id", "day"]).reset_index(drop=True)


def member_activity(events, messages, memberships, timeline: Timeline, community_ids=None) -> pd.DataFrame:
    """One row per member, chat and period: ``member_id, community_id, period, current_days,
    active_days, active_share`` (for the ICC of the design and the case study's member-level intervals)."""
    md = membership_days(events, messages, memberships, timeline, community_ids)
    per = md.group_by(["member_id", "community_id", "period"]).agg(current_days=_.count(), active_days=_.active.sum())
    df = _engine.to_pandas(per, timeline.tz)
    df["active_share"] = df["active_days"] / df["current_days"]
    return df.sort_values(["community_id", "member_id", "period"]).reset_index(drop=True)


def contamination(memberships, assignments, timeline: Timeline, experiment_id: str = "community_programme",
                  period: str = "test") -> pd.DataFrame:
    """One row per member of a programme chat during ``period``: ``member_id, arms, contaminated``
    (``arms`` e.g. 'control+treatment'; contaminated when the member sat in chats of both arms)."""
    tz = timeline.tz
    m = _engine.table(memberships, "memberships", ("member_id", "community_id", "join_ts", "leave_ts"), tz)
    units = _units(assignments, experiment_id, "community", tz)
    lo, hi = getattr(timeline, period)
    m = m.filter((m.join_ts < _engine.ts_literal(hi, tz))
                 & (m.leave_ts.isnull() | (m.leave_ts >= _engine.ts_literal(lo, tz))))
    j = m.join(units, m.community_id == units.unit_id).select("member_id", "variant").distinct()
    df = _engine.to_pandas(j, tz)
    out = df.groupby("member_id")["variant"].agg(lambda s: "+".join(sorted(set(s)))).rename("arms").reset_index()
    out["contaminated"] = out["arms"].str.contains(r"\+")
    return out.sort_values("member_id").reset_index(drop=True)


def guardrails(tickets, memberships, messages, assignments, timeline: Timeline, experiment_id: str,
               negative_terms=None, model=None) -> pd.DataFrame:
    """One row per assigned member (member experiments) with ``<period>_tickets``,
    ``<period>_leaves`` (memberships ended in the period), ``<period>_messages`` (customer messages) and
    ``<period>_negative_messages`` (those the sentiment model labels negative, or, with
    ``negative_terms``, those containing one of the terms; compare the share negative / messages, since
    a livelier arm writes more of both), periods pre and test, plus ``variant``. ``model``: a Chinese
    sentiment model for :func:`helpers.sentiment.sentiment` (default: the kit's)."""
    tz = timeline.tz
    t = _engine.table(tickets, "tickets", ("ticket_id", "member_id", "created_ts"), tz)
    m = _engine.table(memberships, "memberships", ("member_id", "community_id", "leave_ts"), tz)
    ms = _engine.table(messages, "messages", ("sender_id", "sender_type", "ts", "text"), tz)
    units = _units(assignments, experiment_id, "member", tz)
    tk = t.filter(t.member_id.notnull()).select(member_id=t.member_id, period=_period_case(t.created_ts, timeline, tz),
                                                kind=ibis.literal("tickets"))
    lv = m.filter(m.leave_ts.notnull()).select(member_id=m.member_id, period=_period_case(m.leave_ts, timeline, tz),
                                               kind=ibis.literal("leaves"))
    cm = ms.filter(ms.sender_type == "customer")
    cm = cm.mutate(period=_period_case(cm.ts, timeline, tz))
    cm = cm.filter(cm.period.notnull()).semi_join(units, cm.sender_id == units.unit_id)
    mg = cm.select(member_id=cm.sender_id, period=cm.period, kind=ibis.literal("messages"))
    if negative_terms is None:
        neg = cm.semi_join(negative_texts(cm.text, model, tz), "text")
    else:
        hit = ibis.literal(False)
        for term in negative_terms:
            hit = hit | cm.text.lower().contains(term.lower())
        neg = cm.filter(hit.fill_null(False))
    ng = neg.select(member_id=neg.sender_id, period=neg.period, kind=ibis.literal("negative_messages"))
    allk = tk.union(lv).union(mg).union(ng)
    allk = allk.filter(allk.period.notnull()).semi_join(units, allk.member_id == units.unit_id)
    per = allk.group_by(["member_id", "period", "kind"]).agg(n=_.count())
    long = _engine.to_pandas(per, tz).pivot_table(index=["member_id", "period"], columns="kind", values="n",
                                                  fill_value=0).reset_index()
    kinds = ["tickets", "leaves", "messages", "negative_messages"]
    for k in kinds:
        if k not in long:
            long[k] = 0
    long = long[["member_id", "period", *kinds]]
    return _wide(long, "member_id", kinds, _engine.to_pandas(units, tz))


def negative_texts(texts, model=None, tz: str = DEFAULT_TZ) -> ibis.Table:
    """The distinct texts of the column expression ``texts`` that :func:`helpers.sentiment.sentiment`
    labels negative (``lang="auto"``), as a one-column table ``text`` to join back. Each distinct text
    is scored once, in pandas (a few thousand texts a second on one core once the model is loaded);
    with the kit's model (``model=None``) once across calls and runs (:func:`helpers.sentiment.kit_scores`:
    chapter 3 asks for the guardrails of several experiments whose members write largely the same texts,
    and chapter 5 again)."""
    from helpers import sentiment
    distinct = texts.name("text").as_table().filter(_.text.notnull()).distinct()
    wanted = _engine.to_pandas(distinct, tz)["text"].tolist()
    if model is None:
        labels = sentiment.kit_scores(wanted)["label"].tolist()
    else:
        labels = sentiment.sentiment(wanted, lang="auto", model=model)["label"].tolist()
    bad = pd.DataFrame({"text": [x for x, lab in zip(wanted, labels) if lab == "negative"]}, dtype=object)
    return ibis.memtable(bad, schema={"text": "string"})


def arm_daily(daily: pd.DataFrame) -> pd.DataFrame:
    """Pooled daily rate per arm from :func:`community_activity_daily`: ``day, period, variant,
    current_members, active_members, rate`` (Σ active / Σ current over the arm's chats)."""
    g = daily.groupby(["day", "period", "variant"], as_index=False)[["current_members", "active_members"]].sum()
    g["rate"] = g["active_members"] / g["current_members"]
    return g.sort_values(["variant", "day"]).reset_index(drop=True)


def community_guardrails(tickets, memberships, messages, assignments, timeline: Timeline,
                         experiment_id: str = "community_programme", exclude_contaminated: bool = True,
                         negative_terms=None, model=None) -> pd.DataFrame:
    """Guardrails of a group-level experiment, one row per chat: ``community_id, variant, members``
    (members of the chat during the test period) and the sums of :func:`guardrails` over them
    (``pre_tickets`` ... ``test_negative_messages``). Members in chats of both arms are left out unless
    ``exclude_contaminated`` is False (they then count in each of their chats)."""
    tz = timeline.tz
    m = _engine.table(memberships, "memberships", ("member_id", "community_id", "join_ts", "leave_ts"), tz)
    units = _units(assignments, experiment_id, "community", tz)
    lo, hi = timeline.test
    m = m.filter((m.join_ts < _engine.ts_literal(hi, tz)) & (m.leave_ts.isnull() | (m.leave_ts >= _engine.ts_literal(lo, tz))))
    pm = _engine.to_pandas(m.join(units, m.community_id == units.unit_id).select("member_id", "community_id", "variant")
                           .distinct(), tz)
    if exclude_contaminated:
        arms = pm.groupby("member_id")["variant"].nunique()
        pm = pm[pm["member_id"].map(arms) == 1]
    member_units = pd.DataFrame({"experiment_id": "_members", "unit_type": "member",
                                 "unit_id": pm["member_id"].unique(), "variant": "", "stratum": ""})
    g = guardrails(tickets, memberships, messages, member_units, timeline, "_members", negative_terms,
                   model).drop(columns=["variant", "stratum"])
    per = pm.merge(g, on="member_id", how="left").fillna(0)
    cols = [c for c in g.columns if c != "member_id"]
    out = per.groupby(["community_id", "variant"], as_index=False).agg(members=("member_id", "nunique"),
                                                                       **{c: (c, "sum") for c in cols})
    out[cols] = out[cols].astype("int64")
    return out.sort_values("community_id").reset_index(drop=True)


def community_guardrail_panel(table: pd.DataFrame) -> pd.DataFrame:
    """Long form of :func:`community_guardrails` for a DiD: one row per chat and period with
    ``community_id, variant, period, treated, post, members, messages, tickets_per_member,
    leaves_per_member, negative_share`` (negative / customer messages; NaN without messages)."""
    rows = []
    for post, p in ((0, "pre"), (1, "test")):
        part = table[["community_id", "variant", "members"]].assign(period=p, post=post,
                                                                     messages=table[f"{p}_messages"])
        part["tickets_per_member"] = table[f"{p}_tickets"] / table["members"]
        part["leaves_per_member"] = table[f"{p}_leaves"] / table["members"]
        part["negative_share"] = (table[f"{p}_negative_messages"] / table[f"{p}_messages"]).where(table[f"{p}_messages"] > 0)
        rows.append(part)
    out = pd.concat(rows, ignore_index=True)
    out["treated"] = (out["variant"] == "treatment").astype(int)
    return out.sort_values(["community_id", "post"]).reset_index(drop=True)
