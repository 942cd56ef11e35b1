import pandas as pd
import pytest

from helpers import quality, warehouse


def test_completeness_counts_empty_strings_as_missing():
    df = pd.DataFrame({"a": ["x", "", None, "y"], "b": [1.0, 2.0, None, 4.0]})
    out = quality.completeness(df).set_index("column")
    assert out.loc["a", "filled"] == 2 and out.loc["b", "filled"] == 3
    assert out.loc["a", "completeness"] == pytest.approx(0.5)


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
