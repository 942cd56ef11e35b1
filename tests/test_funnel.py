"""Funnel semantics on hand-countable logs, and the Ibis funnel against a brute-force pandas reference."""
import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lifelines import KaplanMeierFitter
from statsmodels.stats.proportion import proportions_ztest

from helpers import funnel

T = pd.Timestamp
STEPS = ["home", "itinerary_consult", "booking_submit"]


def log(rows):
    """rows: (member, 'HH:MM' on 2026-06-01, node); pages become page views, booking_submit an event."""
    return pd.DataFrame({
        "member_id": [r[0] for r in rows],
        "ts": [T(f"2026-06-01 {r[1]}") if len(r[1]) == 5 else T(r[1]) for r in rows],
        "event": ["booking_submit" if r[2] == "booking_submit" else "page_view" for r in rows],
        "page": ["booking_form" if r[2] == "booking_submit" else r[2] for r in rows],
    })


SIX = log([("a", "10:00", "home"), ("a", "10:05", "itinerary_consult"), ("a", "10:10", "booking_submit"),
           ("b", "10:00", "home"), ("b", "10:03", "booking_submit"),
           ("c", "09:00", "itinerary_consult")])


def test_six_row_log_counts_on_fingers():
    out = funnel.build_funnel(SIX, STEPS)
    # a: all three; b: home then booking without the consult -> step 1 only; c never did home -> not in
    assert out["members"].tolist() == [2, 1, 1]
    assert out["conversion"].tolist() == [1.0, 0.5, 0.5]
    assert out["step_conversion"].tolist() == [1.0, 0.5, 1.0]
    assert out["drop_off"].tolist() == [0, 1, 0]
    assert out["median_seconds_to_step"].tolist() == [0.0, 300.0, 600.0]


def test_optional_step_lets_the_chain_skip_it():
    out = funnel.build_funnel(SIX, STEPS, optional_steps=["itinerary_consult"])
    # b may skip the consult: booking reached by a (600 s) and b (180 s); the consult itself only by a
    assert out["members"].tolist() == [2, 1, 2]
    assert out["optional"].tolist() == [False, True, False]
    assert out.loc[2, "step_conversion"] == 1.0  # against home, the previous required step
    assert out.loc[2, "median_seconds_to_step"] == pytest.approx((600 + 180) / 2)


def test_window_counts_from_the_first_step():
    ev = log([("a", "2026-06-01 10:00", "home"), ("a", "2026-06-03 10:00", "itinerary_consult"),
              ("b", "2026-06-01 10:00", "home"), ("b", "2026-06-01 11:00", "itinerary_consult")])
    assert funnel.build_funnel(ev, STEPS[:2], window_days=1)["members"].tolist() == [2, 1]  # a took 2 days
    assert funnel.build_funnel(ev, STEPS[:2], window_days=None)["members"].tolist() == [2, 2]
    # a later home starts a fresh attempt: a's 06-02 home is within a day of the consult
    ev2 = pd.concat([ev, log([("a", "2026-06-02 12:00", "home")])])
    out = funnel.build_funnel(ev2, STEPS[:2], window_days=1)
    assert out["members"].tolist() == [2, 2]
    assert out["median_seconds_to_step"].iloc[1] == pytest.approx((22 * 3600 + 3600) / 2)


def test_strict_needs_the_next_event_but_ordered_does_not():
    ev = log([("a", "10:00", "home"), ("a", "10:01", "mall"), ("a", "10:02", "itinerary_consult"),
              ("b", "10:00", "home"), ("b", "10:02", "itinerary_consult"), ("b", "10:02", "mall")])
    assert funnel.build_funnel(ev, STEPS[:2], order="ordered")["members"].tolist() == [2, 2]
    # a: mall between the steps; b: mall at the same instant as the consult is not *between* them
    assert funnel.build_funnel(ev, STEPS[:2], order="strict")["members"].tolist() == [2, 1]


def test_equal_time_stamps_do_not_order_steps():
    ev = log([("a", "10:00", "home"), ("a", "10:00", "itinerary_consult")])
    assert funnel.build_funnel(ev, STEPS[:2])["members"].tolist() == [1, 0]


def test_unordered_counts_steps_in_any_order_within_the_window():
    ev = log([("a", "10:00", "itinerary_consult"), ("a", "10:30", "home"),
              ("b", "10:00", "home"), ("b", "2026-06-09 10:00", "itinerary_consult")])
    assert funnel.build_funnel(ev, STEPS[:2], order="ordered", window_days=1)["members"].tolist() == [2, 0]
    out = funnel.build_funnel(ev, STEPS[:2], order="unordered", window_days=1)
    assert out["members"].tolist() == [2, 1]  # a did both within 30 min, b's are 8 days apart
    assert out["median_seconds_to_step"].iloc[1] == 1800.0


def test_step_windows_limit_the_gap_from_the_previous_step():
    ev = log([("a", "10:00", "home"), ("a", "10:10", "itinerary_consult"), ("a", "12:00", "booking_submit"),
              ("b", "10:00", "home"), ("b", "11:50", "itinerary_consult"), ("b", "12:00", "booking_submit")])
    out = funnel.build_funnel(ev, STEPS, step_windows=[1 / 24, 1 / 24])  # one hour per step
    # a's booking is 110 min after its consult; b's consult is 110 min after home
    assert out["members"].tolist() == [2, 1, 0]
    out = funnel.build_funnel(ev, STEPS, step_windows=[None, 1 / 24])
    assert out["members"].tolist() == [2, 2, 1]


def test_exclusion_between_steps_drops_the_member():
    ev = log([("a", "10:00", "home"), ("a", "10:01", "mall"), ("a", "10:02", "itinerary_consult"),
              ("b", "10:00", "home"), ("b", "10:02", "itinerary_consult"), ("b", "10:03", "mall"),
              ("c", "10:00", "home"), ("c", "10:05", "mall")])
    out = funnel.build_funnel(ev, STEPS[:2], exclusions=[("mall", 0, 1)])
    # a: mall between home and consult -> dropped; b: mall after the consult -> kept;
    # c: mall after home and never a consult -> dropped
    assert out["members"].tolist() == [1, 1]


def test_breakdown_by_member_attribute_and_two_proportion_test():
    rows = []
    for i in range(10):  # arm t: 10 entrants, 7 consult; arm c: 10 entrants, 3 consult
        rows.append((f"t{i}", "10:00", "home"))
        rows.append((f"c{i}", "10:00", "home"))
        if i < 7:
            rows.append((f"t{i}", "10:05", "itinerary_consult"))
        if i < 3:
            rows.append((f"c{i}", "10:05", "itinerary_consult"))
    arms = pd.DataFrame({"member_id": [f"{a}{i}" for a in "tc" for i in range(10)],
                         "variant": ["treatment"] * 10 + ["control"] * 10})
    out = funnel.build_funnel(log(rows), STEPS[:2], breakdown="variant", members=arms)
    assert out.set_index(["variant", "step_index"])["members"].to_dict() == {
        ("control", 1): 10, ("control", 2): 3, ("treatment", 1): 10, ("treatment", 2): 7}
    cmp = funnel.compare_breakdown(out, "variant", reference="control").iloc[0]
    z, p = proportions_ztest([7, 3], [10, 10])  # reference: statsmodels pooled two-proportion z-test
    assert (cmp["z"], cmp["p_value"]) == pytest.approx((z, p))
    assert cmp["difference"] == pytest.approx(0.4)
    assert cmp["ci_low"] < 0.4 < cmp["ci_high"]


def test_time_to_convert_matches_lifelines_with_censoring():
    ev = log([("a", "10:00", "home"), ("a", "11:00", "booking_submit"),
              ("b", "10:00", "home"), ("b", "13:00", "booking_submit"),
              ("c", "10:00", "home"), ("d", "12:00", "home")])
    km = funnel.time_to_convert(ev, ["home", "booking_submit"], window_days=1, end="2026-06-01 14:00")
    # converted: a 1 h, b 3 h; censored at the end of observation: c 4 h, d 2 h
    ref = KaplanMeierFitter().fit([1, 3, 4, 2], [True, True, False, False])  # reference: lifelines
    expected = 1 - ref.survival_function_.iloc[:, 0]
    assert km["hours"].tolist() == pytest.approx(expected.index.tolist())
    assert km["converted_share"].tolist() == pytest.approx(expected.tolist())
    assert km["converted_share"].iloc[-1] == pytest.approx(1 - 0.75 * 0.5)  # hand: S = 3/4 at 1 h, x 1/2 at 3 h


def test_caller_mistakes_raise():
    with pytest.raises(ValueError, match="must be one of"):
        funnel.build_funnel(SIX, STEPS, order="sequential")
    with pytest.raises(ValueError, match="first step cannot be optional"):
        funnel.build_funnel(SIX, STEPS, optional_steps=[0])
    with pytest.raises(ValueError, match="step_windows"):
        funnel.build_funnel(SIX, STEPS, step_windows=[1])
    with pytest.raises(ValueError, match="unordered"):
        funnel.build_funnel(SIX, STEPS, order="unordered", exclusions=["mall"])
    with pytest.raises(KeyError, match="breakdown"):
        funnel.build_funnel(SIX, STEPS, breakdown="variant")


def test_nobody_entering_gives_zero_members_not_an_error():
    out = funnel.build_funnel(SIX, ["mall", "home"])
    assert out["members"].tolist() == [0, 0] and out["conversion"].isna().all()


# ---- brute-force reference: enumerate chains per member (plain pandas / Python) -------------------------

def reference_members(df, steps, window_days, order, step_windows, optional, exclusions):
    """{member: (reached list, seconds list)} by enumerating every chain; the module docstring's words."""
    us = ((df["ts"] - T("1970-01-01")).dt.total_seconds() * 1e6).round().astype("int64")
    node = np.where(df["event"] == "page_view", df["page"], df["event"])
    d = pd.DataFrame({"m": df["member_id"], "us": us, "node": node})
    W = None if window_days is None else round(window_days * funnel.US_PER_DAY)
    n = len(steps)
    out = {}
    for m, g in d.groupby("m"):
        rows = list(zip(g["us"], g["node"]))
        times = sorted({u for u, _ in rows})
        if not any(nd == steps[0] for _, nd in rows):
            continue
        reached, secs = [], []
        if order == "unordered":
            for k in range(n):
                occ = [[u for u, nd in rows if nd == steps[j]] for j in range(k + 1)]
                best = None
                for combo in itertools.product(*occ):
                    if W is None or max(combo) - min(combo) <= W:
                        cand = (max(combo), max(combo) - min(combo))
                        best = cand if best is None or cand < best else best
                reached.append(best is not None)
                secs.append(None if best is None else best[1] / 1e6)
        else:
            chains = {}
            for k in range(n):
                at = [u for u, nd in rows if nd == steps[k]]
                if k == 0:
                    chains[0] = [(u, u) for u in at]
                else:
                    preds, j = [k - 1], k - 1
                    while j in optional and j > 0:
                        j -= 1
                        preds.append(j)
                    gap = None if step_windows is None or step_windows[k - 1] is None else round(step_windows[k - 1] * funnel.US_PER_DAY)
                    chains[k] = []
                    for p in preds:
                        for t1, up in chains[p]:
                            for u in at:
                                if u <= up or (gap is not None and u - up > gap) or (W is not None and u - t1 > W):
                                    continue
                                if order == "strict" and any(up < x < u for x in times):
                                    continue
                                chains[k].append((t1, u))
                if chains[k]:
                    tk = min(u for _, u in chains[k])
                    reached.append(True)
                    secs.append((tk - max(t1 for t1, u in chains[k] if u == tk)) / 1e6)
                else:
                    reached.append(False)
                    secs.append(None)
            first = {k: (min(u for _, u in chains[k]) if chains[k] else None) for k in range(n)}
            dropped = False
            for x, i, j in exclusions:
                if first[i] is None:
                    continue
                for u, nd in rows:
                    if nd == x and u > first[i] and (first[j] is None or u < first[j]):
                        dropped = True
            if dropped:
                continue
        out[m] = (reached, secs)
    return out


NODES = ["home", "itinerary_consult", "booking_form", "mall"]


def _draw_log(draw, max_rows, who, max_minute):
    """Three equal-length lists: members drawn from ``who``, minutes 0..``max_minute``, nodes."""
    n_rows = draw(st.integers(1, max_rows))
    return [draw(st.lists(values, min_size=n_rows, max_size=n_rows))
            for values in (st.sampled_from(who), st.integers(0, max_minute), st.sampled_from(NODES))]


def _per_member(per, n):
    """{member: (reached list, seconds list)} of a ``funnel_members`` result, as the reference gives."""
    return {r["member_id"]: ([bool(r[f"reached_{k}"]) for k in range(1, n + 1)],
                             [None if pd.isna(r[f"seconds_{k}"]) else float(r[f"seconds_{k}"]) for k in range(1, n + 1)])
            for _, r in per.iterrows()}


@st.composite
def random_case(draw):
    members, minutes, nodes = _draw_log(draw, 24, "pqrstu", 40)
    order = draw(st.sampled_from(funnel.ORDERS))
    if order == "unordered":
        steps = draw(st.permutations(NODES[:3]))[: draw(st.integers(2, 3))]
        optional, step_windows, exclusions = [], None, []
    else:
        steps = draw(st.lists(st.sampled_from(NODES[:3]), min_size=2, max_size=4))
        optional = sorted(draw(st.sets(st.integers(1, len(steps) - 1), max_size=2)))
        step_windows = draw(st.none() | st.lists(st.sampled_from([None, 5 / 1440, 15 / 1440]),
                                                 min_size=len(steps) - 1, max_size=len(steps) - 1))
        exclusions = draw(st.sampled_from([[], [("mall", 0, len(steps) - 1)], [("mall", 0, 1)]]))
    window = draw(st.sampled_from([None, 10 / 1440, 25 / 1440]))
    df = pd.DataFrame({"member_id": members,
                       "ts": [T("2026-06-01 10:00") + pd.Timedelta(minutes=m) for m in minutes],
                       "event": "page_view", "page": nodes})
    return df, list(steps), window, order, step_windows, optional, exclusions


@settings(max_examples=60, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_case())
def test_ibis_funnel_equals_the_pandas_reference_on_random_logs(case):
    df, steps, window, order, step_windows, optional, exclusions = case
    ref = reference_members(df, steps, window, order, step_windows, optional, exclusions)
    per = funnel.funnel_members(df, steps, window, order, step_windows, optional, exclusions).to_pandas()
    n = len(steps)
    assert _per_member(per, n) == ref
    counts = funnel.build_funnel(df, steps, window, order, step_windows, optional, exclusions)["members"].tolist()
    assert counts == [sum(v[0][k] for v in ref.values()) for k in range(n)]


def test_funnel_charts_draw_what_the_tables_hold():
    import matplotlib.pyplot as plt

    from helpers import plots_journey as pj
    from helpers.plots import theme
    with theme("en"):
        ax = pj.plot_funnel(funnel.build_funnel(SIX, STEPS), "Half of entrants book")
        assert [p.get_height() for p in ax.patches] == [1.0, 0.5, 0.5] and ax.get_title("left") == "Half of entrants book"
        km = funnel.time_to_convert(SIX, ["home", "booking_submit"], window_days=1, end="2026-06-01 12:00")
        ax = pj.plot_time_to_convert(km, "Time to book")
        assert ax.lines[0].get_ydata()[-1] == pytest.approx(km["converted_share"].iloc[-1])
    plt.close("all")


def test_ibis_funnel_equals_the_reference_on_sample_members(sample):
    ev, (lo, hi) = sample.con.table("events"), sample.timeline.pre
    ev = ev.filter((ev.ts >= lo) & (ev.ts < hi))
    small = ev.group_by("member_id").aggregate(n=ev.member_id.count())
    small = small.filter((small.n >= 5) & (small.n <= 30)).order_by("member_id").limit(40)
    df = ev.semi_join(small, "member_id").select("member_id", "ts", "event", "page").to_pandas()
    df["ts"] = df["ts"].dt.tz_convert("Asia/Shanghai").dt.tz_localize(None)  # naive local, read back as such
    steps = ["home", "itinerary_consult", "booking_form", "booking_submit"]
    for order in funnel.ORDERS:
        ref = reference_members(df, steps, 1, order, None, [], [])
        out = funnel.build_funnel(df, steps, window_days=1, order=order)
        assert out["members"].tolist() == [sum(v[0][k] for v in ref.values()) for k in range(4)]
    assert out["members"].iloc[-1] > 0  # the sample members reach the last step: the comparison is not vacuous


@st.composite
def plain_ordered_case(draw):
    """Plain ordered funnels (the ``lists`` route): many equal time stamps, steps that repeat a node."""
    members, minutes, nodes = _draw_log(draw, 30, "pqrs", 12)
    steps = draw(st.lists(st.sampled_from(NODES[:3]), min_size=2, max_size=5))
    window = draw(st.sampled_from([None, 3 / 1440, 8 / 1440]))
    day = draw(st.sampled_from(["2026-06-01 10:00", "1969-12-31 23:55"]))  # also before the epoch
    df = pd.DataFrame({"member_id": members, "ts": [T(day) + pd.Timedelta(minutes=m) for m in minutes],
                       "event": "page_view", "page": nodes, "channel": [m in "pq" for m in members]})
    return df, list(steps), window


@settings(max_examples=80, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plain_ordered_case())
def test_list_scan_and_windows_agree_with_the_reference(case):
    df, steps, window = case
    ref = reference_members(df, steps, window, "ordered", None, [], [])
    n = len(steps)
    for method in ("windows", "lists"):
        per = funnel.funnel_members(df, steps, window, method=method).to_pandas()
        assert _per_member(per, n) == ref, method
        first = per.set_index("member_id")["entered_ts"].dt.tz_convert("Asia/Shanghai").dt.tz_localize(None)
        want = df[df["page"] == steps[0]].groupby("member_id")["ts"].min()
        assert first.sort_index().tolist() == want.sort_index().tolist(), method
    by = [funnel.build_funnel(df, steps, window, breakdown="channel", method=m).fillna(-1)
          for m in ("windows", "lists", "scan")]
    pd.testing.assert_frame_equal(by[0], by[1])
    pd.testing.assert_frame_equal(by[0], by[2])  # the scan: rows of an event property, fetched again sorted


def test_list_scan_refuses_what_it_does_not_compute():
    with pytest.raises(ValueError, match="plain ordered"):
        funnel.funnel_members(SIX, STEPS, 1, optional_steps=[1], method="lists")
    with pytest.raises(ValueError, match="method"):
        funnel.funnel_members(SIX, STEPS, 1, method="fast")


# ---- the compiled scan (helpers/_funnel_scan.pyx, built by `make setup`) --------------------------------

def test_the_compiled_scan_is_built():
    # `make test` builds it first; without it build_funnel would quietly take the slower list route
    assert funnel._funnel_scan is not None


def test_scan_counts_hand_logs_as_the_list_route_does():
    assert funnel.build_funnel(SIX, STEPS, method="scan")["members"].tolist() == [2, 1, 1]
    assert funnel.build_funnel(SIX, STEPS, method="scan")["median_seconds_to_step"].tolist() == [0.0, 300.0, 600.0]
    ties = log([("a", "10:00", "home"), ("a", "10:00", "itinerary_consult")])
    assert funnel.build_funnel(ties, STEPS[:2], method="scan")["members"].tolist() == [1, 0]
    late = log([("b", "10:00", "home"), ("b", "2026-06-09 10:00", "itinerary_consult")])
    assert funnel.build_funnel(late, STEPS[:2], window_days=1, method="scan")["members"].tolist() == [1, 0]
    for steps in (["mall", "home"], STEPS):  # nobody enters; and the same frame as the list route
        pd.testing.assert_frame_equal(funnel.build_funnel(SIX, steps, method="scan"),
                                      funnel.build_funnel(SIX, steps, method="lists"))


def test_scan_reads_bare_tables_with_hand_written_sql_and_expressions_through_ibis(tmp_path):
    import duckdb
    import ibis
    path = tmp_path / "w.duckdb"
    with duckdb.connect(str(path)) as c:
        c.execute("CREATE SCHEMA raw; SET TimeZone = 'UTC'")
        c.execute("CREATE TABLE raw.\"ev'\" (member_id VARCHAR, ts TIMESTAMPTZ, event VARCHAR, page VARCHAR)")
        ev = pd.concat([SIX, log([("o'k", "10:00", "home"), (None, "10:01", "home"), ("d", "23:30", "home")])])
        ev["ts"] = ev["ts"].dt.tz_localize("Asia/Shanghai")
        c.register("df", ev)
        c.execute("INSERT INTO raw.\"ev'\" SELECT * FROM df ORDER BY member_id, ts")
    con = ibis.duckdb.connect(str(path))
    stored = con.table("ev'", database="raw")
    assert funnel._step_events_sql(stored, STEPS, None, None, "Asia/Shanghai") is not None
    assert funnel._step_events_sql(stored.select("member_id", "ts", "event", "page"), STEPS, None, None, "UTC") is None
    # bounds: naive ones read in `tz`, aware ones as given; "d" (23:30 Shanghai) falls outside [10:00, 23:00)
    for (start, end), n in zip([(None, None), ("2026-06-01 10:00", "2026-06-01 23:00"),
                                (T("2026-06-01 02:00", tz="UTC"), T("2026-06-01 15:00", tz="UTC"))], [4, 3, 3]):
        want = funnel.build_funnel(stored, STEPS, start=start, end=end, method="lists")
        pd.testing.assert_frame_equal(funnel.build_funnel(stored, STEPS, start=start, end=end, method="scan"), want)
        assert want["members"].tolist() == [n, 1, 1]  # a, b, o'k (and d); never the member without an id


def test_scan_kernel_on_arrays_in_member_and_time_order():
    from helpers import _funnel_scan
    h = np.array([5, 5, 5, 9, 9], dtype=np.uint64)
    us = np.array([0, 10, 10, 3, 7], dtype=np.int64)
    c = np.array([0, 1, 0, 0, 1], dtype=np.int8)  # codes = steps 0 and 1
    starts, entered, sec = _funnel_scan.scan(h, us, c, np.array([[0], [1]], dtype=np.int8), 2, -1)
    # member 5: step 1 at 10 extends the chain started at 0 (the step 0 at 10 is a tie, not before it)
    assert starts.tolist() == [0, 3] and entered.tolist() == [0, 3] and sec[:, 1].tolist() == [10, 4]
    assert _funnel_scan.scan(h, us, c, np.array([[0], [1]], dtype=np.int8), 2, 5)[2][:, 1].tolist() == [-1, 4]
    assert _funnel_scan.scan(h, us[::-1].copy(), c, np.array([[0], [1]], dtype=np.int8), 2, -1) is None


def test_scan_breaks_down_by_member_attribute_and_times_conversions_as_the_list_route():
    arms = pd.DataFrame({"member_id": list("abcd"), "variant": ["t", "c", "t", "c"]})
    ev = log([("a", "10:00", "home"), ("a", "11:00", "booking_submit"),
              ("b", "10:00", "home"), ("b", "13:00", "booking_submit"),
              ("c", "10:00", "home"), ("d", "12:00", "home"), ("d", "2026-06-01 12:00:00.0005", "booking_submit")])
    for kw in ({}, {"breakdown": "variant", "members": arms}):
        want = funnel.build_funnel(ev, ["home", "booking_submit"], 1, method="lists", **kw)
        pd.testing.assert_frame_equal(funnel.build_funnel(ev, ["home", "booking_submit"], 1, method="scan", **kw), want)
        km = [funnel.time_to_convert(ev, ["home", "booking_submit"], 1, end="2026-06-01 14:00", method=m, **kw)
              for m in ("lists", "scan")]
        pd.testing.assert_frame_equal(km[1], km[0])
    assert km[0]["subjects"].tolist()[0] == 2 and set(km[0]["variant"]) == {"c", "t"}
    with pytest.raises(TypeError, match="unexpected"):
        funnel.time_to_convert(ev, ["home", "booking_submit"], 1, exclusion=["mall"])


def test_scan_refuses_what_it_does_not_compute_and_auto_falls_back():
    with pytest.raises(ValueError, match="plain ordered"):
        funnel.build_funnel(SIX, STEPS, optional_steps=[1], method="scan")
    with pytest.raises(ValueError, match="build_funnel"):
        funnel.funnel_members(SIX, STEPS, method="scan")


def test_without_the_compiled_scan_auto_takes_the_list_route(monkeypatch):
    want = funnel.build_funnel(SIX, STEPS)
    monkeypatch.setattr(funnel, "_funnel_scan", None)
    pd.testing.assert_frame_equal(funnel.build_funnel(SIX, STEPS), want)
    with pytest.raises(ValueError, match="compiled"):
        funnel.build_funnel(SIX, STEPS, method="scan")


@settings(max_examples=80, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plain_ordered_case())
def test_scan_agrees_with_the_reference_and_the_list_route(case):
    df, steps, window = case
    ref = reference_members(df, steps, window, "ordered", None, [], [])
    want = funnel.build_funnel(df, steps, window, method="lists")
    assert want["members"].tolist() == [sum(v[0][k] for v in ref.values()) for k in range(len(steps))]
    # rows as drawn (the scan refetches them sorted) and in (member, time) order (the scan takes them as
    # stored); read by the hand-written SQL, and (a table expression, not a bare table) through Ibis
    rows = df.sort_values(["member_id", "ts"], kind="stable")
    for ev in (df, rows, funnel._engine.table(rows).select("member_id", "ts", "event", "page")):
        pd.testing.assert_frame_equal(funnel.build_funnel(ev, steps, window, method="scan"), want)
