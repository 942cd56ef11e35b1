"""Journey funnels computed in the engine (Ibis): window functions over the step events, no self-joins.

A **node** is what a step names: the ``page`` of a ``page_view`` event, otherwise the ``event``
itself (so ``home -> itinerary_consult -> booking_form -> booking_submit`` mixes pages and an
event). A **chain** of a member is a choice of one event per step, in step order.

Semantics (``order``):

- ``"ordered"``: the steps' events come at strictly increasing time stamps (equal time stamps do not
  order events); other events may occur between them.
- ``"strict"``: as ``ordered``, and no other event of the member has a time stamp strictly between two
  consecutive matched steps (the next step is at the member's next distinct time stamp).
- ``"unordered"``: steps 1..k are reached when an event of each of them falls in one interval of at
  most ``window_days`` (any order).

A member **reaches step k** (ordered, strict) when some chain of steps 1..k has its step-k event
within ``window_days`` of its step-1 event (``None``: no window) and, when ``step_windows`` is given,
each step within ``step_windows[k-1]`` days of the previous *matched* step. An **optional** step may
be skipped by the chain (its own count is members whose chain includes it, so counts need not fall
monotonically around it). The step's **time to step** is measured on the member's *earliest*
completion of step k: that event's time minus the latest step-1 time of a chain ending there.
An **exclusion** ``(node, i, j)`` drops the member from the whole funnel when an event ``node``
falls strictly between the member's earliest completions of steps ``i`` and ``j`` (after step ``i``
at any time when step ``j`` is never reached; no effect when step ``i`` is never reached).
Events outside ``[start, end)`` are ignored. Breakdown by a column of the events (an event property)
makes each (member, value) its own unit; a member-level attribute joins from ``members``.

How: each step-k event carries the latest step-1 time of any valid chain ending at it, which is a max
over the member's earlier events of the step-(k-1) values (a range window ordered by time, bounded by
the step window), so N steps cost N-1 window passes over the step events sorted by member and time;
``strict`` ranks all of the member's events once first; ``unordered`` keeps the last time of each step.
On DuckDB a plain ordered funnel (no step windows, optional steps or exclusions) takes a faster
route (``method="lists"``, chosen by ``"auto"``): one hash aggregate gathers each member's step events
into a list sorted by time, and ``list_reduce`` runs the same recursion as a scan (latest chain start
per step; ``_scan_lists`` says how equal time stamps are kept apart); about 3.5x faster than the
window route on ``benchmarks/bench_funnel.py``'s 1e7 events in the warehouse's member-sorted layout
(2.95 s against 10.3 s, best of three in one process, on a busy machine). ``build_funnel`` of such a
funnel without a breakdown goes further (``method="scan"``, chosen by ``"auto"`` when
``helpers/_funnel_scan.pyx`` is compiled): DuckDB hands over the step events in stored order and one
compiled pass runs the recursion per member (``_scan_units``); at 1e7 events about 2.5x faster than the
list route, close to the cost of reading the step events at all. ``time_to_convert`` and breakdowns take
it too. On a bare table without a breakdown the step events' query is written by hand
(``_step_events_sql``) rather than compiled by Ibis, whose 0.03 s a call was half the kit's time at 1e6
events. A property test checks every route
against a brute-force enumeration of chains.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Literal, Sequence

import ibis
import numpy as np
import pandas as pd

from helpers import _engine
from helpers.timeline import DEFAULT_TZ

try:  # compiled by `make setup` (Cython); without it build_funnel takes the list route
    from helpers import _funnel_scan
except ImportError:
    _funnel_scan = None

Order = Literal["ordered", "strict", "unordered"]
ORDERS = ("ordered", "strict", "unordered")
Method = Literal["auto", "windows", "lists", "scan"]
METHODS = ("auto", "windows", "lists", "scan")
US_PER_DAY = 86_400 * 1_000_000
_EPOCH = pd.Timestamp("1970-01-01", tz="UTC")


def check_one_of(name: str, value, allowed) -> None:
    if value not in allowed:
        raise ValueError(f"`{name}` must be one of {tuple(allowed)!r}; not {value!r}.")


def with_breakdown(t, breakdown, members, tz: str = DEFAULT_TZ):
    """``(t, keys)``: ``t`` with column ``breakdown`` taken from ``members`` (joined on ``member_id``) when
    given, else from ``t`` itself; ``keys`` is ``[breakdown]``, or ``[]`` when there is no breakdown."""
    if breakdown is None:
        return t, []
    if members is not None:
        m = _engine.table(members, "members", ("member_id", breakdown), tz).select("member_id", breakdown)
        t = t.drop(*[c for c in (breakdown,) if c in t.columns]).inner_join(m, "member_id")
    elif breakdown not in t.columns:
        raise KeyError(f"breakdown column {breakdown!r} is not in `events`; pass `members` with it. "
                       f"Available: {list(t.columns)}.")
    return t, [breakdown]


def journey_nodes(events, start=None, end=None, tz: str = DEFAULT_TZ, nodes: Sequence[str] | None = None) -> ibis.Table:
    """Events with a ``node`` column (the page of a ``page_view``, else the event name) and ``us``
    (microseconds since the epoch), restricted to ``[start, end)`` when given (Ibis); events without a
    member, node or time are dropped. ``nodes``: keep only events at these nodes, tested on ``event``
    and ``page`` themselves, which DuckDB evaluates faster than the derived node (for a 4-step funnel
    at 1e7 events the filter takes about 0.18 s instead of 0.28 s)."""
    t = _engine.table(events, "events", ("member_id", "ts", "event"), tz)
    derived = "node" not in t.columns
    if derived:
        if "page" not in t.columns:
            raise KeyError(f"`events` needs a `page` column (or a `node` column). Available: {list(t.columns)}.")
        t = t.mutate(node=ibis.ifelse(t.event == "page_view", t.page, t.event))
    if start is not None:
        t = t.filter(t.ts >= _engine.ts_literal(start, tz))
    if end is not None:
        t = t.filter(t.ts < _engine.ts_literal(end, tz))
    keep = t.member_id.notnull() & t.ts.notnull()
    if nodes is None:
        keep &= t.node.notnull()
    elif derived:  # node = page for a page view, else the event (a null event has no node)
        nodes = list(dict.fromkeys(nodes))
        keep &= ((t.event == "page_view") & _engine.isin(t.page, nodes)) | _engine.isin(t.event, [x for x in nodes if x != "page_view"])
    else:
        keep &= _engine.isin(t.node, nodes)
    t = t.filter(keep)
    return t.mutate(us=_engine.epoch_us(t.ts))


def _window_us(window_days: float | None) -> int | None:
    """The conversion window in whole microseconds (``None``: no window)."""
    return None if window_days is None else int(round(window_days * US_PER_DAY))


def _positions(items, steps, what) -> list[int]:
    out = []
    for it in items:
        if isinstance(it, (int, np.integer)) and not isinstance(it, bool):
            pos = int(it)
        elif it in steps:
            if list(steps).count(it) > 1:
                raise ValueError(f"{what} step {it!r} appears more than once in `steps`; give its position.")
            pos = list(steps).index(it)
        else:
            raise ValueError(f"{what} step {it!r} is not a step. Steps: {list(steps)}.")
        if not 0 <= pos < len(steps):
            raise ValueError(f"{what} step position {pos} out of range 0..{len(steps) - 1}.")
        out.append(pos)
    return out


def _max2(a, b):
    return ibis.ifelse(a.isnull(), b, ibis.ifelse(b.isnull() | (a >= b), a, b))


def _check(steps, window_days, order, step_windows, optional, exclusions):
    check_one_of("order", order, ORDERS)
    steps = list(steps)
    if len(steps) < 2:
        raise ValueError(f"`steps` needs at least two steps; got {steps!r}.")
    if window_days is not None and window_days <= 0:
        raise ValueError(f"`window_days` must be positive or None; got {window_days!r}.")
    opt = _positions(optional, steps, "optional")
    if 0 in opt:
        raise ValueError("The first step cannot be optional.")
    if step_windows is not None:
        step_windows = list(step_windows)
        if len(step_windows) != len(steps) - 1:
            raise ValueError(f"`step_windows` needs one entry per step after the first ({len(steps) - 1}); "
                             f"got {len(step_windows)}.")
    excl = []
    for ex in exclusions:
        node, i, j = (ex, 0, len(steps) - 1) if isinstance(ex, str) else ex
        i, j = _positions([i, j], steps, "exclusion")
        if i >= j:
            raise ValueError(f"Exclusion {ex!r}: the first step must come before the second.")
        if node in steps:
            raise ValueError(f"Exclusion node {node!r} is also a step; exclusions must be other nodes.")
        excl.append((node, i, j))
    if order == "unordered":
        if opt or step_windows is not None or excl:
            raise ValueError("`order='unordered'` takes no `optional_steps`, `step_windows` or `exclusions` "
                             "(they need an order of steps).")
        if len(set(steps)) != len(steps):
            raise ValueError(f"`order='unordered'` needs distinct steps; got {steps!r}.")
    return steps, step_windows, opt, excl


def funnel_members(events, steps: Sequence[str], window_days: float | None = 14, order: Order = "ordered",
                   step_windows: Sequence[float | None] | None = None, optional_steps=(), exclusions=(),
                   breakdown: str | None = None, *, members=None, start=None, end=None,
                   tz: str = DEFAULT_TZ, method: Method = "auto") -> ibis.Table:
    """One row per member (per member and breakdown value) who did the first step (Ibis):
    ``member_id``, the breakdown column, ``entered_ts`` (first step-1 event), ``reached_1..N``
    (booleans) and ``seconds_1..N`` (time to step on the earliest completion; null if not reached).
    Semantics and ``method``: see the module docstring (both methods give the same rows)."""
    steps, step_windows, opt, excl = _check(steps, window_days, order, step_windows, optional_steps, exclusions)
    check_one_of("method", method, METHODS)
    n = len(steps)
    wanted = sorted(set(steps) | {x for x, _, _ in excl})
    t = journey_nodes(events, start, end, tz, nodes=None if order == "strict" else wanted)  # strict ranks all events
    part = ["member_id"]
    if breakdown is not None:
        t, keys = with_breakdown(t, breakdown, members, tz)
        t = t.filter(t[breakdown].notnull())
        part += keys
    if order == "strict":
        t = t.mutate(rk=ibis.dense_rank().over(group_by=part, order_by="us"))
        t = t.filter(_engine.isin(t.node, wanted))
    t = t.select(*part, "ts", "us", "node", *(["rk"] if order == "strict" else []))
    win_us = _window_us(window_days)
    null_us = ibis.null("int64")
    scannable = (order == "ordered" and step_windows is None and not opt and not excl
                 and _engine.backend_name(t) == "duckdb")
    if method == "scan":
        raise ValueError("`method='scan'` gives the funnel's counts and times only: use it with `build_funnel` "
                         "(or 'lists' here).")
    if method == "lists" and not scannable:
        raise ValueError("`method='lists'` needs a plain ordered funnel (no step windows, optional steps or "
                         "exclusions) on DuckDB; use 'auto'.")
    if method != "windows" and scannable:
        return _finish(_scan_lists(t, steps, win_us, part), part, n, None, entered_only=True)

    if order == "unordered":
        cum = ibis.window(group_by=part, order_by="us", range=(None, 0))
        t = t.mutate(**{f"l{k}": ibis.ifelse(t.node == s, t.us, null_us).max().over(cum) for k, s in enumerate(steps)})
        lo = None
        spans = {}
        for k in range(n):
            lk = t[f"l{k}"]
            lo = lk if lo is None else ibis.ifelse(lo.isnull() | lk.isnull(), null_us, ibis.ifelse(lk < lo, lk, lo))
            span = t.us - lo
            spans[f"v{k}"] = ibis.ifelse(span <= win_us, lo, null_us) if win_us is not None else lo
        t = t.mutate(**spans)
    else:
        t = t.mutate(v0=ibis.ifelse(t.node == steps[0], t.us, null_us))
        t = t.mutate(p0=t.v0)
        if order == "strict":
            prev = ibis.window(group_by=part, order_by="rk", range=(-1, -1))
        for k in range(1, n):
            gap_days = step_windows[k - 1] if step_windows is not None else None
            if order == "strict":
                best = t[f"p{k - 1}"].max().over(prev)
                ok = t.node == steps[k]
                if gap_days is not None:
                    ok = ok & ((t.us - t.us.max().over(prev)) <= int(round(gap_days * US_PER_DAY)))
            else:
                lo_b = None if gap_days is None else -int(round(gap_days * US_PER_DAY))
                best = t[f"p{k - 1}"].max().over(ibis.window(group_by=part, order_by="us", range=(lo_b, -1)))
                ok = t.node == steps[k]
            v = ibis.ifelse(ok, best, null_us)
            if win_us is not None:
                v = ibis.ifelse(t.us - v <= win_us, v, null_us)
            t = t.mutate(**{f"v{k}": v})
            t = t.mutate(**{f"p{k}": _max2(t[f"v{k}"], t[f"p{k - 1}"]) if k in opt else t[f"v{k}"]})
    drop = None
    if excl:
        whole = ibis.window(group_by=part)
        firsts = {f"T{k}": ibis.ifelse(t[f"v{k}"].notnull(), t.us, null_us).min().over(whole)
                  for k in sorted({i for _, i, _ in excl} | {j for _, _, j in excl})}
        t = t.mutate(**firsts)
        for node, i, j in excl:
            hit = (t.node == node) & t[f"T{i}"].notnull() & (t.us > t[f"T{i}"]) & (
                t[f"T{j}"].isnull() | (t.us < t[f"T{j}"]))
            drop = hit if drop is None else drop | hit
    aggs = {"entered_us": t.us.min(where=t.node == steps[0])}
    if drop is not None:
        aggs["_excluded"] = drop.any()
    for k in range(n):
        done = t[f"v{k}"].notnull()
        aggs[f"reached_{k + 1}"] = done.any()
        aggs[f"seconds_{k + 1}"] = ((t.us - t[f"v{k}"]) / 1e6).argmin(t.us, where=done)
    return _finish(t.group_by(part).aggregate(**aggs), part, n, drop)


def _finish(per, part, n, drop, entered_only=False):
    """The per-member rows from the aggregated ``entered_us``, ``reached_k``, ``seconds_k``
    (``entered_only``: ``per`` holds only members who entered)."""
    if not entered_only:
        keep = per.entered_us.notnull()
        per = per.filter(keep & ~per._excluded.fill_null(False) if drop is not None else keep)
    entered = ibis.literal(_EPOCH, type="timestamp('UTC')") + (per.entered_us // 1000).as_interval("ms")
    cols = {"entered_ts": entered}
    for k in range(n):
        cols[f"reached_{k + 1}"] = per[f"reached_{k + 1}"].fill_null(False)
        cols[f"seconds_{k + 1}"] = per[f"seconds_{k + 1}"]
    return per.select(*part, **cols)


def _scan_lists(t, steps, win_us, part) -> ibis.Table:
    """The plain ordered funnel on DuckDB as a scan of each member's sorted step events.

    Each event becomes ``us * K + code`` (``code`` in ``0..K-1`` numbers the ``K`` distinct step nodes),
    so sorting the member's list sorts by time. The scan's state holds, per step ``j`` before the last,
    the latest chain start ``a{j}`` of any chain ending at a step-``j`` event at an earlier time stamp,
    and per later step the time to step ``s{k}`` of its earliest completion. A step-``k`` event completes
    a chain when ``a{k-1}`` is set (within the window). With distinct steps ``a{j}`` ignores the window:
    the latest start gives the shortest chain, so a chain that fails the window at step ``j`` fails it
    at every later step too, and only the completions need the test (about 10% faster at 1e7 events). Equal time stamps do not order steps: when the
    steps' nodes are distinct, codes number them from the last step down, so at one time stamp a later
    step is scanned before an earlier one and cannot see it; when a node repeats, new chain starts at
    the current time stamp wait in ``n{j}`` until the time moves on. The list elements are structs of
    the state's type, as ``list_reduce`` requires."""
    n = len(steps)
    pending = len(set(steps)) < n
    nodes = sorted(set(steps)) if pending else list(reversed(steps))
    K = len(nodes)
    code = {nd: i for i, nd in enumerate(nodes)}
    c = t.node.cases(*code.items(), else_=None)
    con, inner = _engine.duckdb_sql(t.select(*part, "us", c=c, x=t.us * K + c))

    flush = "(x.cu > acc.cu)"
    fields = ["cu", "nd"] + [f"a{j}" for j in range(n - 1)] + ([f"n{j}" for j in range(n - 1)] if pending else [])
    fields += [f"s{k}" for k in range(1, n)]
    new = {"cu": "x.cu", "nd": "NULL::BIGINT"}
    cond, val = {}, {}
    for k in range(n):
        cond[k] = f"x.nd = {code[steps[k]]}"
        if k == 0:
            val[k] = "x.cu"
            continue
        prev = (f"(CASE WHEN {flush} THEN greatest(acc.a{k - 1}, acc.n{k - 1}) ELSE acc.a{k - 1} END)"
                if pending else f"acc.a{k - 1}")
        cond[k] += f" AND {prev} IS NOT NULL" + ("" if win_us is None else f" AND x.cu - {prev} <= {int(win_us)}")
        val[k] = prev
    for j in range(n - 1):
        if pending:
            new[f"a{j}"] = f"(CASE WHEN {flush} THEN greatest(acc.a{j}, acc.n{j}) ELSE acc.a{j} END)"
            new[f"n{j}"] = f"(CASE WHEN {cond[j]} THEN {val[j]} WHEN {flush} THEN NULL ELSE acc.n{j} END)"
        else:  # no window test here: a{j} is the latest chain start, and only the completions s{k} test it
            new[f"a{j}"] = f"(CASE WHEN x.nd = {code[steps[j]]} THEN {val[j]} ELSE acc.a{j} END)"
    for k in range(1, n):
        new[f"s{k}"] = f"coalesce(acc.s{k}, CASE WHEN {cond[k]} THEN x.cu - {val[k]} END)"
    assert sorted(new) == sorted(fields)
    step = "(acc, x) -> {" + ", ".join(f"'{f}': {new[f]}" for f in fields) + "}"
    start = "{" + ", ".join(f"'{f}': " + ("(-9223372036854775807)::BIGINT" if f == "cu" else "NULL::BIGINT")
                            for f in fields) + "}"
    dec = f"((x % {K}) + {K}) % {K}"  # the code, also for times before 1970
    elem = "{" + ", ".join([f"'cu': (x - {dec}) // {K}", f"'nd': {dec}"] + [f"'{f}': NULL::BIGINT" for f in fields[2:]]) + "}"
    keys = ", ".join(f'"{col}"' for col in part)
    outs = ", ".join(["true AS reached_1"] + [f"st.s{k} IS NOT NULL AS reached_{k + 1}" for k in range(1, n)]
                     + ["0.0::DOUBLE AS seconds_1"] + [f"st.s{k} / 1e6 AS seconds_{k + 1}" for k in range(1, n)])
    # members without a step-1 event are dropped before the scan, and ``entered_us`` is a plain
    # aggregate: a filter on a field of the scan's result would make DuckDB run the scan twice
    sql = (f"SELECT {keys}, entered_us, {outs} FROM (SELECT {keys}, entered_us, list_reduce(list_transform("
           f"list_sort(xs), x -> {elem}), {step}, {start}) AS st FROM (SELECT {keys}, list(x) AS xs, "
           f"min(us) FILTER (WHERE c = {code[steps[0]]}) AS entered_us "
           f"FROM ({inner}) AS e GROUP BY ALL HAVING entered_us IS NOT NULL) AS g) AS r")
    return con.sql(sql)


_THREADED_ROWS = 2_000_000  # below this a second thread costs more to start than it saves (1e6 events: 0.44e6 rows, 7 ms)


def _scan_halves(cols, steps_of, n, win):
    """``(starts, entered, seconds)`` of the compiled scan over ``cols`` (``h``, ``us``, ``c``), from
    ``_THREADED_ROWS`` rows on as two halves (split between units) scanned in two threads; ``None`` when
    the rows are not grouped by unit in time order (a unit's times decrease, or a unit's rows come in
    more than one run)."""
    h, us, c = cols["h"], cols["us"], cols["c"]
    cut = len(h) // 2 if len(h) >= _THREADED_ROWS else 0
    while 0 < cut < len(h) and h[cut] == h[cut - 1]:
        cut += 1
    if cut:
        parts = [slice(0, cut), slice(cut, len(h))]
        with ThreadPoolExecutor(2) as pool:  # the scan releases the GIL
            outs = list(pool.map(lambda p: _funnel_scan.scan(h[p], us[p], c[p], steps_of, n, win), parts))
    else:
        outs = [_funnel_scan.scan(h, us, c, steps_of, n, win)]
    if any(o is None for o in outs):
        return None
    starts = np.concatenate([o[0] + first for o, first in zip(outs, (0, cut))])
    heads = np.sort(h[starts])
    if (heads[1:] == heads[:-1]).any():
        return None
    return starts, np.concatenate([o[1] for o in outs]), np.concatenate([o[2] for o in outs])


def _node_codes(steps) -> tuple[dict, np.ndarray]:
    """``(code, steps_of)``: each distinct step node's code (0.. in sorted order), and per code the
    0-based positions of the steps at that node, latest first, padded with -1 (the kernel's table)."""
    nodes = sorted(set(steps))
    code = {nd: i for i, nd in enumerate(nodes)}
    of = [sorted((k for k, s in enumerate(steps) if s == nd), reverse=True) for nd in nodes]
    steps_of = np.full((len(nodes), max(map(len, of))), -1, dtype=np.int8)
    for c, ks in enumerate(of):
        steps_of[c, :len(ks)] = ks
    return code, steps_of


def _step_events_sql(events, steps, start, end, tz) -> tuple | None:
    """``(con, sql)``: DuckDB SQL of the step events of ``steps`` read straight from ``events``
    (``member_id``, ``us``, node code ``c``: :func:`journey_nodes` with its ``nodes`` filter, and
    :func:`_node_codes`), when ``events`` is a bare DuckDB table (stored, or a pandas frame's
    memtable) with ``member_id``, a zone-aware ``ts``, ``event`` and ``page`` and no ``node``; else
    ``None`` (the caller compiles :func:`journey_nodes` through Ibis). Written by hand because Ibis's
    compile costs about 0.03 s a call, which at 1e6 events is more than half the cost of reading the
    step events. The node lists are tested with ``list_contains``, not ``IN``: DuckDB 1.4 evaluates
    ``IN`` as a chain of string comparisons, and the filter over 1e7 events took 0.26 s that way
    against 0.10 s (same rows)."""
    t = _engine.table(events, "events", ("member_id", "ts", "event"), tz)
    bare = _engine.bare_duckdb_table(t)
    if bare is None or "page" not in t.columns or "node" in t.columns or not _engine.zoned_columns(t, "ts"):
        return None
    con, name = bare
    _text = _engine.sql_text
    code, _ = _node_codes(steps)
    node = "CASE WHEN event = 'page_view' THEN page ELSE event END"
    cases = " ".join(f"WHEN {_text(nd)} THEN {c}" for nd, c in code.items())
    others = [nd for nd in code if nd != "page_view"]
    keep = [f"((event = 'page_view' AND list_contains({_engine.sql_list(code)}, page))"
            + (f" OR list_contains({_engine.sql_list(others)}, event))" if others else ")"),
            "member_id IS NOT NULL", "ts IS NOT NULL"]
    for bound, op_ in ((start, ">="), (end, "<")):
        if bound is not None:
            keep.append(f"ts {op_} {_engine.ts_sql(bound, tz)}")
    return con, (f"SELECT member_id, epoch_us(ts) AS us, CASE {node} {cases} END AS c FROM {name} "
                 f"WHERE {' AND '.join(keep)}")


def _scan_units(con, inner: str, steps, win_us, keys, stored_order: bool = True) -> pd.DataFrame:
    """One row per unit (member, or member and breakdown value) who did step 1, from the compiled scan
    (``helpers/_funnel_scan.pyx``) over the step events, the rows of DuckDB SQL ``inner`` on backend
    ``con`` (``member_id``, ``us``, node code ``c`` of :func:`_node_codes`, and the breakdown column
    ``keys[0]``, if any). Columns: the breakdown column, ``entered_us`` and ``seconds_1..N`` (NaN: not
    reached).

    DuckDB hands over each step event's unit key (``hash(member_id)``, or ``hash(member_id, value)``),
    microseconds and node code as numpy arrays in the table's stored order; on the warehouse's layout
    (by member, then time) that order is the scan's, so nothing is sorted. Otherwise (a unit's times
    decrease, or its rows are not together, as for a breakdown by an event property) the rows are
    fetched again ordered by member, value and time; ``stored_order=False`` (a breakdown by an event
    property, whose values interleave within a member) fetches them ordered at once. Units are told
    apart by the 64-bit hash, so two units whose hashes are equal *and* whose rows are neighbours would
    merge: with M units the chance is about M / 1.8e19. A breakdown value travels as its hash and is
    read back from the distinct values."""
    _, steps_of = _node_codes(steps)
    k = _engine.sql_name(keys[0]) if keys else None  # the breakdown column
    sql = (f"SELECT hash(member_id{', ' + k if keys else ''}) AS h, us, c::TINYINT AS c"
           f"{f', hash({k}) AS hk' if keys else ''} FROM ({inner}) AS e")
    win = -1 if win_us is None else win_us
    out = None
    if stored_order:
        cols = con.con.sql(sql).fetchnumpy()
        out = _scan_halves(cols, steps_of, len(steps), win)
    if out is None:  # not in (unit, time) order as stored
        cols = con.con.sql(f"{sql} ORDER BY member_id, {k + ', ' if keys else ''}us").fetchnumpy()
        out = _scan_halves(cols, steps_of, len(steps), win)
    starts, entered, micro = out
    did = entered != _funnel_scan.NONE_US  # units who did the first step
    micro = micro[did]
    units = pd.DataFrame({"entered_us": entered[did], "seconds_1": np.zeros(len(micro)),
                          **{f"seconds_{j + 1}": np.where(micro[:, j] >= 0, micro[:, j] / 1e6, np.nan)
                             for j in range(1, len(steps))}})
    if keys:
        values = dict(con.con.sql(f"SELECT DISTINCT hash({k}), {k} FROM ({inner}) AS e").fetchall())
        units.insert(0, keys[0], pd.Series(cols["hk"][starts[did]]).map(values).to_numpy())
    return units


def _unit_quantiles(units: pd.DataFrame, keys, n: int) -> pd.DataFrame:
    """Per breakdown value (one row without): ``n{k}`` units reaching step k, ``med{k}`` and ``p90{k}``
    of their seconds (linear interpolation, as DuckDB's ``quantile_cont``), from :func:`_scan_units`."""
    secs = [f"seconds_{k}" for k in range(1, n + 1)]
    if not keys:  # numpy on the columns: a pandas group-by of one group costs about 0.03 s at 1e5 units
        row = {}
        for k, col in enumerate(secs, start=1):
            v = units[col].to_numpy()
            v = v[~np.isnan(v)]
            row[f"n{k}"] = len(v)
            row[f"med{k}"], row[f"p90{k}"] = np.quantile(v, [0.5, 0.9]) if len(v) else (np.nan, np.nan)
        return pd.DataFrame([row])
    g = units.groupby(keys)[secs]
    names = {q: [f"{q}{k}" for k in range(1, n + 1)] for q in ("n", "med", "p90")}
    return pd.concat([g.count().set_axis(names["n"], axis=1), g.median().set_axis(names["med"], axis=1),
                      g.quantile(0.9).set_axis(names["p90"], axis=1)], axis=1).reset_index()


def _scanned_units(events, steps, window_days, order, step_windows, optional_steps, exclusions, breakdown,
                   members, start, end, tz, method) -> pd.DataFrame | None:
    """:func:`_scan_units`' frame when ``method`` allows the compiled scan and the funnel is a plain
    ordered one on DuckDB (no step windows, optional steps or exclusions); else ``None`` (the caller
    takes :func:`funnel_members`), or a ``ValueError`` for ``method="scan"``."""
    steps, step_windows, opt, excl = _check(steps, window_days, order, step_windows, optional_steps, exclusions)
    check_one_of("method", method, METHODS)
    units = None
    plain = order == "ordered" and step_windows is None and not opt and not excl
    if method in ("auto", "scan") and plain and _funnel_scan is not None:
        win_us = _window_us(window_days)
        direct = None if breakdown is not None else _step_events_sql(events, steps, start, end, tz)
        if direct is not None:
            units = _scan_units(*direct, steps, win_us, [])
        else:
            t, keys = with_breakdown(journey_nodes(events, start, end, tz, nodes=steps), breakdown, members, tz)
            if keys:
                t = t.filter(t[breakdown].notnull())
            if _engine.backend_name(t) == "duckdb":
                code, _ = _node_codes(steps)
                con, inner = _engine.duckdb_sql(
                    t.select("member_id", "us", *keys, c=t.node.cases(*code.items(), else_=None)))
                units = _scan_units(con, inner, steps, win_us, keys, stored_order=not keys or members is not None)
    if units is None and method == "scan":
        raise ValueError("`method='scan'` needs a plain ordered funnel (no step windows, optional steps or "
                         "exclusions) on DuckDB, and the compiled helpers/_funnel_scan module (`make setup`).")
    return units


def build_funnel(events, steps: Sequence[str], window_days: float | None = 14, order: Order = "ordered",
                 step_windows: Sequence[float | None] | None = None, optional_steps=(), exclusions=(),
                 breakdown: str | None = None, *, members=None, start=None, end=None,
                 tz: str = DEFAULT_TZ, method: Method = "auto") -> pd.DataFrame:
    """The funnel of ``steps`` over ``events(member_id, ts, event, page)`` as a tidy table.

    Parameters
    ----------
    steps : node names (a page of a ``page_view`` or an event name), at least two.
    window_days : days allowed from the step-1 event to each later step's event; ``None``: no window.
    order : "ordered", "strict" or "unordered" (module docstring).
    step_windows : one entry per step after the first: days allowed from the previous matched step
        (``None`` entries: no limit); the total ``window_days`` still applies.
    optional_steps : step positions (0-based) or names that a chain may skip; not the first.
    exclusions : ``(node, i, j)`` triples (positions or names) or a bare node (= between the first
        and the last step): members with that node between their steps ``i`` and ``j`` are dropped.
    breakdown : a column of ``events`` (event property: each member-value its own unit) or, with
        ``members`` (a table with ``member_id`` and that column), a member attribute.
    start, end : only events in ``[start, end)`` count.
    method : "auto", "windows" or "lists" (the computation; same answer: module docstring).

    Returns
    -------
    One row per (breakdown value and) step: ``step`` (node), ``step_index`` (1-based), ``optional``,
    ``members`` (units reaching the step), ``conversion`` (members / members at step 1),
    ``step_conversion`` (members / members at the previous *required* step), ``drop_off``
    (members at the previous required step minus members; 0 at step 1), ``drop_off_rate``
    (1 - step_conversion), ``median_seconds_to_step`` and ``p90_seconds_to_step`` (from step 1 on
    the earliest completion; interpolated quantiles; 0 at step 1).
    """
    steps, _, opt, _ = _check(steps, window_days, order, step_windows, optional_steps, exclusions)
    opt = set(opt)
    keys = [breakdown] if breakdown else []
    units = _scanned_units(events, steps, window_days, order, step_windows, optional_steps, exclusions, breakdown,
                           members, start, end, tz, method)
    if units is not None:
        wide = _unit_quantiles(units, keys, len(steps))
    else:
        per = funnel_members(events, steps, window_days, order, step_windows, optional_steps, exclusions,
                             breakdown, members=members, start=start, end=end, tz=tz, method=method)
        aggs = {}
        for k in range(1, len(steps) + 1):
            aggs[f"n{k}"] = per[f"reached_{k}"].sum()
            aggs[f"med{k}"] = per[f"seconds_{k}"].median()
            aggs[f"p90{k}"] = per[f"seconds_{k}"].quantile(0.9)
        agg = per.group_by(keys).aggregate(**aggs) if keys else per.aggregate(**aggs)
        wide = _engine.to_pandas(agg, tz)
    rows = []
    for _, w in wide.iterrows():
        first = int(w["n1"] or 0)
        prev = first
        for k, step in enumerate(steps, start=1):
            n_k = int(w[f"n{k}"] or 0)
            conv = n_k / first if first else float("nan")
            sconv = 1.0 if k == 1 else (n_k / prev if prev else float("nan"))
            row = {**({breakdown: w[breakdown]} if breakdown else {}), "step": step, "step_index": k,
                   "optional": (k - 1) in opt, "members": n_k, "conversion": conv if k > 1 else (1.0 if first else float("nan")),
                   "step_conversion": sconv, "drop_off": 0 if k == 1 else prev - n_k,
                   "drop_off_rate": 1.0 - sconv,
                   "median_seconds_to_step": float(w[f"med{k}"]) if pd.notna(w[f"med{k}"]) else float("nan"),
                   "p90_seconds_to_step": float(w[f"p90{k}"]) if pd.notna(w[f"p90{k}"]) else float("nan")}
            rows.append(row)
            if (k - 1) not in opt:
                prev = n_k
    cols = keys + ["step", "step_index", "optional", "members", "conversion", "step_conversion", "drop_off",
                   "drop_off_rate", "median_seconds_to_step", "p90_seconds_to_step"]
    out = pd.DataFrame(rows, columns=cols)
    if out.empty and not keys:  # nobody did the first step: zero members, undefined rates
        out = pd.DataFrame([{"step": s, "step_index": k, "optional": (k - 1) in opt, "members": 0}
                            for k, s in enumerate(steps, start=1)]).reindex(columns=cols)
        out["drop_off"] = 0
    return out.sort_values(keys + ["step_index"]).reset_index(drop=True)


def compare_breakdown(funnel: pd.DataFrame, breakdown: str, reference=None, alpha: float = 0.05) -> pd.DataFrame:
    """Two-proportion z-tests of each group's conversion from step 1 against ``reference``'s (the first
    group in sort order by default), at every step after the first, from a ``build_funnel`` table.

    Returns ``breakdown, reference, step, step_index, members, entered, conversion, reference_conversion,
    difference, ci_low, ci_high, z, p_value``: statsmodels ``proportions_ztest`` (pooled) and the
    Newcombe hybrid score interval of the difference (``confint_proportions_2indep``, method "newcomb").
    A group with no entrants gets NaN statistics.
    """
    from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest
    if breakdown not in funnel.columns:
        raise KeyError(f"breakdown column {breakdown!r} not in the funnel table. Available: {list(funnel.columns)}.")
    groups = sorted(funnel[breakdown].unique(), key=str)
    reference = groups[0] if reference is None else reference
    if reference not in groups:
        raise ValueError(f"`reference` {reference!r} is not a group. Groups: {groups}.")
    entered = funnel[funnel["step_index"] == 1].set_index(breakdown)["members"]
    ref = funnel[funnel[breakdown] == reference].set_index("step_index")
    rows = []
    for _, r in funnel[(funnel[breakdown] != reference) & (funnel["step_index"] > 1)].iterrows():
        n1, x1 = int(entered[r[breakdown]]), int(r["members"])
        n0, x0 = int(entered[reference]), int(ref.loc[r["step_index"], "members"])
        z = p = lo = hi = float("nan")
        if n1 and n0 and 0 < x1 + x0 < n1 + n0:
            z, p = proportions_ztest([x1, x0], [n1, n0])
            lo, hi = confint_proportions_2indep(x1, n1, x0, n0, method="newcomb", compare="diff", alpha=alpha)
        rows.append({breakdown: r[breakdown], "reference": reference, "step": r["step"],
                     "step_index": r["step_index"], "members": x1, "entered": n1,
                     "conversion": x1 / n1 if n1 else float("nan"),
                     "reference_conversion": x0 / n0 if n0 else float("nan"),
                     "difference": (x1 / n1 - x0 / n0) if n1 and n0 else float("nan"),
                     "ci_low": float(lo), "ci_high": float(hi), "z": float(z), "p_value": float(p)})
    return pd.DataFrame(rows)


def time_to_convert(events, steps: Sequence[str], window_days: float | None = 14, order: Order = "ordered",
                    breakdown: str | None = None, *, members=None, start=None, end=None,
                    tz: str = DEFAULT_TZ, **funnel_kwargs) -> pd.DataFrame:
    """Kaplan-Meier curve of the time from step 1 to the last step (lifelines ``KaplanMeierFitter``).

    Each member who did step 1 is one subject: converted members contribute their time to the last
    step (the funnel's earliest completion); the others are censored at the end of their window
    (``window_days`` after their first step-1 event) or at the end of observation (``end``, else the
    last event in the data), whichever comes first. Returns ``(breakdown,) hours, converted_share
    (1 - S(t)), ci_low, ci_high, at_risk, subjects`` at each event time, starting at 0.
    """
    from lifelines import KaplanMeierFitter
    last = len(list(steps))
    keys = [breakdown] if breakdown else []
    kw = {"step_windows": None, "optional_steps": (), "exclusions": (), "method": "auto"}
    unknown = sorted(set(funnel_kwargs) - set(kw))
    if unknown:
        raise TypeError(f"time_to_convert() got unexpected keyword arguments {unknown}; it passes {sorted(kw)} on.")
    kw.update(funnel_kwargs)
    units = _scanned_units(events, steps, window_days, order, kw["step_windows"], kw["optional_steps"],
                           kw["exclusions"], breakdown, members, start, end, tz, kw["method"])
    if units is not None:
        # whole milliseconds, as funnel_members' entered_ts
        entered = pd.to_datetime(units["entered_us"] // 1000, unit="ms", utc=True).dt.tz_convert(tz)
        df = pd.DataFrame({**{b: units[b] for b in keys}, "entered_ts": entered,
                           "done": units[f"seconds_{last}"].notna(), "seconds": units[f"seconds_{last}"]})
    else:
        per = funnel_members(events, steps, window_days, order, breakdown=breakdown, members=members,
                             start=start, end=end, tz=tz, **funnel_kwargs)
        df = _engine.to_pandas(per.select(*keys, "entered_ts", done=per[f"reached_{last}"],
                                          seconds=per[f"seconds_{last}"]), tz)
    if end is not None:
        obs_end = pd.Timestamp(end)
        obs_end = obs_end.tz_localize(tz) if obs_end.tzinfo is None else obs_end
    else:
        t = journey_nodes(events, start, None, tz)
        obs_end = _engine.to_pandas(t.aggregate(last=t.ts.max()), tz)["last"].iloc[0]
    cap = (obs_end - df["entered_ts"]).dt.total_seconds()
    if window_days is not None:
        cap = cap.clip(upper=window_days * 86_400)
    df["duration_hours"] = np.where(df["done"], df["seconds"], cap) / 3600.0
    out = []
    for key, g in (df.groupby(keys) if keys else [((), df)]):
        if g.empty:
            continue
        km = KaplanMeierFitter().fit(g["duration_hours"], event_observed=g["done"].astype(bool))
        sf, ci = km.survival_function_, km.confidence_interval_survival_function_
        tab = km.event_table
        part = pd.DataFrame({"hours": sf.index.to_numpy(dtype=float),
                             "converted_share": 1.0 - sf.iloc[:, 0].to_numpy(),
                             "ci_low": 1.0 - ci.iloc[:, 1].to_numpy(), "ci_high": 1.0 - ci.iloc[:, 0].to_numpy(),
                             "at_risk": tab["at_risk"].reindex(sf.index).fillna(0).astype(int).to_numpy(),
                             "subjects": len(g)})
        if keys:
            part.insert(0, breakdown, key[0] if isinstance(key, tuple) else key)
        out.append(part)
    cols = keys + ["hours", "converted_share", "ci_low", "ci_high", "at_risk", "subjects"]
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame(columns=cols)
