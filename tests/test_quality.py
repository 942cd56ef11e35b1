import numpy as np
import pandas as pd
import pytest

from helpers import quality, warehouse


def test_completeness_counts_empty_strings_as_missing():
    df = pd.DataFrame({"a": ["x", "", None, "y"], "b": [1.0, 2.0, None, 4.0]})
    out = quality.completeness(df).set_index("column")
    assert out.loc["a", "filled"] == 2 and out.loc["b", "filled"] == 3
    assert out.loc["a", "completeness"] == pytest.approx(0.5)
    # white space alone is empty wherever it stands; text after it is not; full-width space is text
    blank = [" ", "\t\n", " \r\f\v ", "  ", ""]
    text = [" y", "\tz", "x ", "好", "\u3000", "\n\n。"]
    out = quality.completeness(pd.DataFrame({"s": blank + text})).set_index("column")
    assert out.loc["s", "filled"] == len(text)


def test_duplicates_over_keys():
    df = pd.DataFrame({"k": [1, 1, 2, 3, 3, 3], "v": list("abcdef")})
    out = quality.duplicates(df, ["k"]).iloc[0]
    assert (out["rows"], out["distinct_keys"], out["duplicate_rows"]) == (6, 3, 3)


def test_quality_report_freshness_in_hours():
    con = warehouse.connect(":memory:")
    orders = pd.DataFrame({"order_id": ["1", "2", "2"], "member_id": ["m", None, "m"],
                           "ts": pd.to_datetime(["2026-06-01 10:00", "2026-06-02 10:00", "2026-06-02 10:00"]),
                           "amount": [1.0, 2.0, 2.0], "product_category": ["a", "b", "b"]})
    warehouse.write_table(con, "orders", orders)
    out = quality.quality_report(con, "2026-06-03 10:00", tables=["orders"]).iloc[0]
    assert out["freshness_hours"] == pytest.approx(24.0)
    assert out["duplicate_rows"] == 1 and out["worst_column"] == "member_id"
    assert out["min_completeness"] == pytest.approx(2 / 3)


def test_quarantine_reasons_group_by_kind(tmp_path):
    pd.DataFrame({"table": ["events"] * 3, "file": ["a.jsonl"] * 3, "row": [5, 9, 12],
                  "reason": ["duplicate event first seen at row 1", "duplicate event first seen at row 2",
                             "column 'time': naive timestamp (no UTC offset), not guessed; got '2026'"]}
                 ).to_parquet(tmp_path / "events.parquet")
    out = quality.quarantine_reasons(tmp_path)
    assert out[["reason", "rows"]].values.tolist() == [["duplicate event", 2],
                                                       ["column 'time': naive timestamp (no UTC offset), not guessed", 1]]
    assert quality.quarantine_reasons(tmp_path / "none").empty


def test_quarantine_reasons_cut_line_numbers_and_parser_messages(tmp_path):
    pd.DataFrame({"table": ["events"] * 4, "file": ["a.jsonl", "b.jsonl", "c.jsonl", "c.jsonl"], "row": [70, 12, 3, 9],
                  "reason": ["truncated last line 70: Unterminated string starting at (character 103)",
                             "truncated last line 12: Expecting ',' delimiter (character 40)",
                             "line 3 is not valid UTF-8", "malformed JSON at line 9: Expecting value (character 1)"]}
                 ).to_parquet(tmp_path / "events.parquet")
    out = quality.quarantine_reasons(tmp_path)
    assert out[["reason", "rows", "example_row"]].values.tolist() == [["truncated last line", 2, 70],
                                                                      ["line is not valid UTF-8", 1, 3],
                                                                      ["malformed JSON", 1, 9]]


def test_worst_column_skips_columns_empty_by_design():
    con = warehouse.connect(":memory:")
    spells = pd.DataFrame({"member_id": ["a", "b", "c", None], "community_id": ["g"] * 4,
                           "join_ts": pd.to_datetime(["2026-06-01"] * 4), "leave_ts": pd.to_datetime([None, None, None, "2026-06-05"]),
                           "join_scene": [1, 2, 3, 1]})
    warehouse.write_table(con, "memberships", spells)
    out = quality.quality_report(con, "2026-06-10", tables=["memberships"]).iloc[0]
    # leave_ts is 25% filled (members still in the group have none); member_id, 75%, is the real gap
    assert out["worst_column"] == "member_id" and out["min_completeness"] == pytest.approx(0.75)
    assert quality.completeness(spells).set_index("column").loc["leave_ts", "completeness"] == pytest.approx(0.25)


def test_duplicates_agree_with_pandas_on_many_keys_with_nulls():
    rng = np.random.default_rng(3)
    n = 3000  # small domains: many repeated keys, some of them null in one or more columns
    df = pd.DataFrame({"a": rng.choice(["x", "y", None], n), "b": rng.choice([1.0, 2.0, np.nan], n),
                       "c": rng.choice(["p", "q", "r", None], n), "d": rng.integers(0, 40, n)})
    out = quality.duplicates(df, ["a", "b", "c", "d"]).iloc[0]
    expected = int(df.duplicated(["a", "b", "c", "d"]).sum())  # pandas: nulls equal, as SQL DISTINCT
    assert 0 < expected and out["duplicate_rows"] == expected and out["rows"] == n
    assert out["distinct_keys"] == n - expected
    unique = df.drop_duplicates(["a", "b", "c", "d"])
    assert quality.duplicates(unique, ["a", "b", "c", "d"]).iloc[0]["duplicate_rows"] == 0
    assert quality.duplicates(df.iloc[:0], ["a"]).iloc[0]["rows"] == 0
