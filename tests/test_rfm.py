"""RFM definitions on a hand-countable order log, tie rules, segments, migration, planted truth."""
import numpy as np
import pandas as pd
import pytest

from helpers import rfm

T = pd.Timestamp
AS_OF = "2026-06-01"


@pytest.fixture
def orders():
    # a: two orders on 05-31 (one purchase day) + one on 05-01 -> recency 1, frequency 2, total 60
    # b: one order 05-22 -> recency 10; c: 03-03 -> 90; d: 01-01 2025 -> 516; e: order on 06-01 (excluded)
    return pd.DataFrame({
        "member_id": ["a", "a", "a", "b", "c", "d", "e", "e"],
        "ts": [T("2026-05-31 09:00"), T("2026-05-31 23:30"), T("2026-05-01 12:00"), T("2026-05-22"),
               T("2026-03-03"), T("2025-01-01"), T("2026-06-01 00:00"), T("2026-04-01 23:59")],
        "amount": [10.0, 20.0, 30.0, 5.0, 100.0, 7.0, 999.0, 1.0],
    })


def test_definitions_recency_frequency_monetary(orders):
    out = rfm.score_rfm(orders, AS_OF).set_index("member_id")
    assert list(out.reset_index().columns) == rfm.COLUMNS
    a = out.loc["a"]
    assert (a["recency_days"], a["frequency"], a["total_spend"], a["monetary"]) == (1, 2, 60.0, 30.0)
    assert out.loc["b", "recency_days"] == 10 and out.loc["d", "recency_days"] == 516
    # e's 06-01 00:00 order is on as_of, not before it; its 04-01 23:59 local order is 61 days back
    assert (out.loc["e", "recency_days"], out.loc["e", "frequency"], out.loc["e", "total_spend"]) == (61, 1, 1.0)


@pytest.mark.parametrize("route", ["words", "bitstring"])
def test_distinct_days_agree_with_a_pandas_count_across_words_and_before_1970(route, monkeypatch):
    # day numbers around multiples of 63 (a word's first and last bit), negative days (before 1970, where
    # floor division matters), several orders on one day and local midnight in Asia/Shanghai (16:00 UTC);
    # both routes over the same orders: 63-bit words OR-ed per (member, word), one bitstring per member
    calls = []
    real = rfm._engine.count_distinct_in_range
    monkeypatch.setattr(rfm._engine, "count_distinct_in_range", lambda *a: calls.append(a[1:]) or real(*a))
    monkeypatch.setattr(rfm, "BITSTRING_MAX_DAYS", 0 if route == "words" else 100_000)
    rng = np.random.default_rng(7)
    word = rfm.DAYS_PER_WORD
    edges = np.array([-2 * word - 1, -word, -1, 0, word - 1, word, 2 * word - 1, 20_000, 20_000 + word - 1])
    days = np.concatenate([edges, rng.integers(-400, 21_000, 600)])
    members = rng.choice(["a", "b", "c", "d"], days.size)
    secs = rng.choice([0, 1, 8 * 3600 - 1, 8 * 3600, 86_399], days.size)  # around local midnight too
    # member e: local noon of days -2, -1 and 0; dividing toward zero instead of down would merge -1 and 0
    days, members, secs = (np.append(days, [-2, -1, 0]), np.append(members, ["e"] * 3),
                           np.append(secs, [12 * 3600] * 3))
    ts = pd.to_datetime(days * 86_400 + secs - 8 * 3600, unit="s", utc=True)
    orders = pd.DataFrame({"member_id": members, "ts": ts, "amount": rng.integers(1, 500, days.size) / 100})
    as_of = "2030-01-01"
    got = rfm.rfm_table(orders, as_of).set_index("member_id")
    # the bitstring spans the earliest order's local day to as_of's, in whole 64-bit words
    span = 21_915 - days.min() + 1
    assert calls == ([] if route == "words" else [(days.min(), days.min() + -(-span // 64) * 64 - 1)])
    local = orders["ts"].dt.tz_convert("Asia/Shanghai").dt.tz_localize(None).dt.normalize()
    want = orders.assign(day=local).groupby("member_id").agg(frequency=("day", "nunique"), last=("day", "max"),
                                                             total=("amount", "sum"))
    assert (days < 0).any() and (got["frequency"] == want["frequency"]).all()
    assert (got["recency_days"] == (pd.Timestamp(as_of) - want["last"]).dt.days).all()
    assert np.allclose(got["total_spend"], want["total"])


def test_bitstring_route_is_taken_for_a_short_span_and_starts_at_since(orders, monkeypatch):
    calls = []
    real = rfm._engine.count_distinct_in_range
    monkeypatch.setattr(rfm._engine, "count_distinct_in_range", lambda *a: calls.append(a[1:]) or real(*a))
    full = rfm.score_rfm(orders, AS_OF).set_index("member_id")
    first, as_of = rfm._day_number("2025-01-01", "Asia/Shanghai"), rfm._day_number(AS_OF, "Asia/Shanghai")
    assert as_of - first == 516 and calls == [(first, first + 9 * 64 - 1)]  # 517 days in 9 words
    late = rfm.score_rfm(orders, AS_OF, since="2026-05-01").set_index("member_id")
    assert calls[1] == (as_of - 31, as_of - 31 + 63)  # 32 days in one word
    # from 05-01 on: a's three orders and b's stay; c, d and e (its 04-01 order) drop out
    assert sorted(late.index) == ["a", "b"] and late.loc["a", "frequency"] == full.loc["a", "frequency"] == 2
    monkeypatch.setattr(rfm, "BITSTRING_MAX_DAYS", 0)  # the same orders through the words route
    words = rfm.score_rfm(orders, AS_OF).set_index("member_id")
    assert len(calls) == 2
    pd.testing.assert_frame_equal(words, full)


def test_quintile_cuts_and_ties_go_to_the_lower_value_bin():
    # recency 1..10: q20 = 2.8 (linear) -> r=5 for 1, 2; a value equal to a cut stays on its lower side
    cuts = rfm.quintile_cuts(np.arange(1, 11))
    assert cuts == pytest.approx(np.quantile(np.arange(1, 11), [0.2, 0.4, 0.6, 0.8]))  # reference: numpy
    assert rfm.score([1, 2, 3, 10], cuts, higher_is_better=False).tolist() == [5, 5, 4, 1]
    assert rfm.score([1, 2, 3, 10], cuts).tolist() == [1, 1, 2, 5]
    # ties: six members with frequency 1 and four with 2..5: cuts 1, 1, 1, 3.2 (position 7.2 of 0..9)
    # -> all six 1s score 1 (none exceeds a cut), 2 and 3 exceed three cuts (f=4), 4 and 5 all four (f=5)
    freq = [1, 1, 1, 1, 1, 1, 2, 3, 4, 5]
    f = rfm.score(freq, rfm.quintile_cuts(freq))
    assert f.tolist() == [1] * 6 + [4, 4, 5, 5]
    # a value exactly at a cut: cuts [30, ...] and recency 30 -> r = 5
    assert rfm.score([30, 31], [30, 40, 50, 60], higher_is_better=False).tolist() == [5, 4]


def test_fixed_bins_and_mode_errors(orders):
    bins = {"recency_days": [7, 30, 90, 180], "frequency": [1, 2, 3, 4], "monetary": [10, 50, 100, 500]}
    out = rfm.score_rfm(orders, AS_OF, method="fixed", bins=bins).set_index("member_id")
    assert out.loc["a", "rfm_score"] == "522"   # recency 1 <= 7; frequency 2 in (1, 2]; 30 in (10, 50]
    assert out.loc["c", "rfm_score"] == "313"   # 90 in (30, 90] -> 3; 1 <= 1 -> 1; 100 in (50, 100] -> 3
    with pytest.raises(ValueError, match="'quantile' or|one of"):
        rfm.score_rfm(orders, AS_OF, method="quartile")
    with pytest.raises(ValueError, match="bins"):
        rfm.score_rfm(orders, AS_OF, method="fixed")


def test_segment_map_covers_every_pair_and_can_be_replaced():
    r, f = zip(*[(a, b) for a in range(1, 6) for b in range(1, 6)])
    seg = rfm.segment_of(r, f)
    assert "Unassigned" not in set(seg)
    assert set(seg) == set(rfm.SEGMENT_ORDER)  # all eleven names are reachable
    assert seg[0] == "Lost" and seg[24] == "Champions" and seg[20] == "New"
    custom = rfm.segment_of([5, 1], [5, 1], {r"5.": "Recent", r"1.": "Old"})
    assert custom.tolist() == ["Recent", "Old"]
    assert rfm.segment_of([3], [3], {r"5.": "Recent"}).tolist() == ["Unassigned"]
    # a missing score matches no pattern; its neighbours keep their own names
    assert rfm.segment_of([5, None, 1], [5, 2, 1]).tolist() == ["Champions", "Unassigned", "Lost"]


def test_empty_and_migration(orders):
    empty = rfm.score_rfm(orders, "2020-01-01")
    assert empty.empty and list(empty.columns) == rfm.COLUMNS
    before = pd.DataFrame({"member_id": ["a", "b", "c"], "segment": ["Champions", "Lost", "Lost"]})
    after = pd.DataFrame({"member_id": ["a", "b", "d"], "segment": ["Champions", "Champions", "New"]})
    counts = rfm.rfm_migration(before, after, normalize=False)
    assert counts.loc["Lost", "Champions"] == 1 and counts.loc["Lost", "(none)"] == 1
    assert counts.loc["(none)", "New"] == 1
    shares = rfm.rfm_migration(before, after)
    assert shares.sum(axis=1).to_numpy() == pytest.approx(1.0)
    assert shares.loc["Lost", "Champions"] == pytest.approx(0.5)
    # Champions keep 1 of 1; Lost keep none: no one is Lost afterwards; "(none)" is no segment
    assert rfm.stay_rates(shares).to_dict() == {"Champions": 1.0, "Lost": 0.0}


def test_layer_outcomes_hand_counted(orders):
    scores = pd.DataFrame({"member_id": ["a", "b", "c"], "r": [5, 5, 1]})
    later = pd.DataFrame({"member_id": ["a", "c"], "ts": [T("2026-06-05"), T("2026-07-05")], "amount": [1.0, 1.0]})
    out = rfm.layer_outcomes(scores, later, ["b"], "2026-06-01", "2026-07-01").set_index("r")
    assert (out.loc[5, "members"], out.loc[5, "repurchasers"], out.loc[5, "participants"]) == (2, 1, 1)
    assert out.loc[1, "repurchase_rate"] == 0.0  # c's order is after the window
    # only a and b have a WeCom identity; b takes part: r = 5 is 2 of 2 reachable, 1 of them active
    reach = rfm.layer_outcomes(scores, later, ["b", "c"], "2026-06-01", "2026-07-01", community_members=["a", "b"]).set_index("r")
    assert (reach.loc[5, "in_community"], reach.loc[5, "participation_in_community"]) == (2, 0.5)
    assert reach.loc[1, "in_community"] == 0 and pd.isna(reach.loc[1, "participation_in_community"])
    assert reach.loc[1, "participants"] == 1  # c is active (unlinked in this toy case) but not reachable
    assert reach.loc[5, "in_community_share"] == 1.0 and reach.loc[1, "in_community_share"] == 0.0


def test_recovers_planted_r5_outcomes(sample):
    from helpers.kpi import active_member_days
    tl, con, fig = sample.timeline, sample.con, sample.truth["figures"]
    scores = rfm.score_rfm(con.table("orders"), tl.pre[0])
    active = active_member_days(con.table("events"), con.table("messages"), *tl.pre).select("member_id").distinct()
    ids = active.to_pandas()["member_id"]
    out = rfm.layer_outcomes(scores, con.table("orders"), ids, *tl.pre).set_index("r")
    assert out.loc[5, "repurchase_rate"] == pytest.approx(fig["rfm_r5_repurchase_rate"], abs=0.02)  # deck: 78%
    assert out.loc[5, "participation_rate"] == pytest.approx(fig["rfm_r5_participation_rate"], abs=0.02)  # deck: 35%


def test_a_stored_table_sizes_the_bitstring_from_its_statistics_or_else_its_earliest_order(orders, tmp_path, monkeypatch):
    import ibis
    calls, mins = [], []
    real, real_min = rfm._engine.count_distinct_in_range, rfm._engine.stored_min_us
    monkeypatch.setattr(rfm._engine, "count_distinct_in_range", lambda *a: calls.append(a[1:]) or real(*a))
    monkeypatch.setattr(rfm._engine, "stored_min_us", lambda *a: mins.append(real_min(*a)) or mins[-1])
    want = rfm.score_rfm(orders, AS_OF)
    con = ibis.duckdb.connect(str(tmp_path / "o.duckdb"))
    stored = orders.assign(ts=orders["ts"].dt.tz_localize("Asia/Shanghai"))
    old = pd.DataFrame({"member_id": ["z"], "ts": [pd.Timestamp("1990-01-01", tz="UTC")], "amount": [1.0]})
    con.create_table("orders", pd.concat([stored, old], ignore_index=True))
    con.raw_sql("DELETE FROM orders WHERE member_id = 'z'")  # statistics keep 1990: a 13,000-day span
    con.create_table("fresh", stored)
    for name in ("fresh", "orders"):
        pd.testing.assert_frame_equal(rfm.score_rfm(con.table(name), AS_OF), want)
    first = rfm._day_number("2025-01-01", "Asia/Shanghai")
    assert calls == [(first, first + 9 * 64 - 1)] * 3  # pandas; fresh (statistics); orders (its earliest order)
    assert mins[0] is None and rfm._day_number(pd.Timestamp(mins[1], unit="us", tz="UTC"), "Asia/Shanghai") == first
    assert mins[2] < pd.Timestamp("1990-01-02", tz="UTC").value // 1000
