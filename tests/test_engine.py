"""Engine quirks: epoch microseconds, seconds between time stamps, local dates on the fast path."""
import ibis
import pandas as pd
import pytest

from helpers import _engine


def _stamps(tz: str) -> pd.DataFrame:
    # instants around local midnight (and a DST change in Berlin), given in UTC
    utc = pd.to_datetime(["2026-06-01 15:59:59.999999", "2026-06-01 16:00:00", "2026-03-29 00:30:00",
                          "2026-03-29 01:30:00", "2026-10-25 00:30:00", "1970-01-01 00:00:00"], utc=True, format="ISO8601")
    return pd.DataFrame({"ts": utc.tz_convert(tz)})


def test_fixed_offsets():
    assert _engine.fixed_offset_us("Asia/Shanghai") == 8 * 3600 * 10**6
    assert _engine.fixed_offset_us("UTC") == 0
    assert _engine.fixed_offset_us("Europe/Berlin") is None  # daylight saving time


@pytest.mark.parametrize("tz", ["Asia/Shanghai", "Europe/Berlin", "UTC"])
def test_local_date_is_the_calendar_date_in_the_zone(tz):
    df = _stamps(tz)
    t = _engine.table(df, tz=tz)
    got = _engine.to_pandas(t.select(d=_engine.local_date(t.ts, tz)), tz)["d"]
    expected = df["ts"].dt.tz_convert(tz).dt.date
    assert [pd.Timestamp(x).date() for x in got] == list(expected)
    if tz == "Asia/Shanghai":  # 15:59:59.999999 UTC is still June 1st; 16:00 UTC is June 2nd
        assert [pd.Timestamp(x).day for x in got[:2]] == [1, 2]


@pytest.mark.parametrize("tz", ["Asia/Shanghai", "Europe/Berlin", "UTC"])
def test_local_day_number_counts_local_days_from_1970_before_and_after(tz):
    df = pd.concat([_stamps(tz), pd.DataFrame({"ts": pd.to_datetime(
        ["1969-12-31 15:59:59", "1969-12-31 16:00:00", "1900-03-01 12:00:00"], utc=True).tz_convert(tz)})])
    t = _engine.table(df, tz=tz)
    got = _engine.to_pandas(t.select(n=_engine.local_day_number(t.ts, tz)), tz)["n"]
    local = df["ts"].dt.tz_convert(tz).dt.tz_localize(None).dt.normalize()
    assert list(got) == list((local - pd.Timestamp("1970-01-01")).dt.days) and str(got.dtype) == "int64"
    if tz == "Asia/Shanghai":  # 1969-12-31 16:00 UTC is local 1970-01-01 (day 0); a second earlier is day -1
        assert list(got[-3:-1]) == [-1, 0]


def test_epoch_us_and_seconds_between():
    df = pd.DataFrame({"a": pd.to_datetime(["2026-06-01 00:00:00.000001"], utc=True),
                       "b": pd.to_datetime(["2026-06-01 00:00:01.500001"], utc=True)})
    t = _engine.table(df)
    out = _engine.to_pandas(t.select(us=_engine.epoch_us(t.a), s=_engine.seconds_between(t.b, t.a)))
    assert out["us"].iloc[0] == pd.Timestamp("2026-06-01", tz="UTC").value // 1000 + 1
    assert out["s"].iloc[0] == 1.5


def test_rows_to_pandas_matches_ibis_conversion_with_nulls():
    df = pd.DataFrame({"id": ["a", None, "c"], "n": pd.array([1, None, 3], dtype="Int64"),
                       "x": [0.5, None, 2.0],
                       "ts": pd.to_datetime(["2026-06-01 00:30", None, "2026-06-02 12:00"]).tz_localize("UTC")})
    t = ibis.memtable(df)
    fast, ref = _engine.rows_to_pandas(t, "Asia/Shanghai"), _engine.to_pandas(t, "Asia/Shanghai")
    assert fast["id"].tolist() == ["a", None, "c"] and fast["id"].tolist() == ref["id"].tolist()
    assert fast["n"].dtype == "float64" and fast["n"].isna().tolist() == [False, True, False]
    assert fast["n"].dropna().tolist() == [1.0, 3.0] and fast["x"].isna().sum() == 1
    assert str(fast["ts"].dt.tz) == "Asia/Shanghai" and fast["ts"].iloc[0].hour == 8  # 00:30 UTC is 08:30 local
    assert fast["ts"].isna().tolist() == ref["ts"].isna().tolist()
    assert fast["ts"].dropna().tolist() == ref["ts"].dropna().tolist()


def _stored(tmp_path, df: pd.DataFrame, name: str = "t"):
    con = ibis.duckdb.connect(str(tmp_path / "s.duckdb"))
    con.create_table(name, df)
    return con, con.table(name)


def test_stored_min_us_is_a_lower_bound_from_statistics_and_only_for_stored_tables(tmp_path):
    ts = pd.to_datetime(["2026-06-01 00:00:00.000001", "1969-12-31 23:59:59", "2026-06-02"], utc=True, format="ISO8601")
    con, t = _stored(tmp_path, pd.DataFrame({"member_id": ["a", "b", "c"], "ts": ts}))
    assert _engine.stored_min_us(t, "ts") == -1_000_000  # one second before the epoch
    con.raw_sql("DELETE FROM t WHERE member_id = 'b'")
    assert _engine.stored_min_us(t, "ts") <= int(ts[0].value // 1000)  # statistics may stay wide, never narrower
    assert _engine.stored_min_us(t.filter(t.member_id == "a"), "ts") is None  # an expression, not a bare table
    assert _engine.stored_min_us(_engine.table(pd.DataFrame({"ts": ts})), "ts") is None  # a memtable keeps none
    assert _engine.bare_duckdb_table(t) == (con, '"t"')


def test_numeric_to_pandas_equals_ibis_conversion(tmp_path):
    df = pd.DataFrame({"member_id": ["x", "y", None], "n": [1, 2, 3], "v": [0.5, None, 2.0]})
    for t in (_engine.table(df), _stored(tmp_path, df)[1]):
        e = t.mutate(n2=t.n * 2).order_by("n")
        pd.testing.assert_frame_equal(_engine.numeric_to_pandas(e), e.to_pandas())


@pytest.mark.parametrize("values", [["home", "it's"], ["home"], [], ["home", None], ["home"] + [f"p{i}" for i in range(40)]])
def test_isin_equals_ibis_isin_in_filters_negations_and_sums(values):
    df = pd.DataFrame({"node": ["home", "it's", None, "mall", "home"]})
    t = _engine.table(df)
    fast, ref = _engine.isin(t.node, values), t.node.isin(values)
    got = _engine.to_pandas(t.select(a=fast, b=ref, na=~fast, nb=~ref).mutate(i=ibis.row_number()).order_by("i"))
    assert got["a"].tolist() == got["b"].tolist() and got["na"].tolist() == got["nb"].tolist()
    assert _engine.to_pandas(t.filter(fast)).shape[0] == len([v for v in df["node"] if v in values and v is not None])
    if values:  # Ibis folds isin([]) to the scalar False, which has no column sum
        sums = _engine.to_pandas(t.aggregate(a=fast.sum(), b=ref.sum()))
        assert sums["a"].iloc[0] == sums["b"].iloc[0] == sum(v in values for v in df["node"] if v is not None)
    sql = ibis.to_sql(t.filter(fast), dialect="duckdb").upper()
    assert ("ARRAY_CONTAINS" in sql) == (0 < len(values) <= 32 and None not in values)  # a null or a long list keeps IN


def test_sql_list_quotes_each_string_and_duckdb_reads_it_back():
    lst = _engine.sql_list(["home", "it's"])
    assert lst == "['home', 'it''s']"
    con = ibis.duckdb.connect()
    assert con.con.sql(f"SELECT list_contains({lst}, 'it''s'), list_contains({lst}, 'it')").fetchone() == (True, False)
