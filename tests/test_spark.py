"""Parity: the event-scale helpers give the same answers on PySpark as on DuckDB.

One local Spark session (``warehouse.connect(parquet_dir, backend="pyspark")``) reads the Parquet
copies of the session's ``sample`` warehouse; each case runs the same helper call on both connections
and compares the results after sorting on their keys. Needs Java (``.ci/run`` installs it if absent).
"""
import gc
import warnings

import pandas as pd
import pytest

from helpers import abtest, funnel, kpi, outcomes, paths, responsiveness, retention, rfm, warehouse

# py4j leaves its gateway sockets to the garbage collector; they are the JVM bridge's, not the kit's
pytestmark = [pytest.mark.spark, pytest.mark.filterwarnings("ignore::ResourceWarning"),
              pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")]

START, END = "2026-06-01", "2026-07-01"
STEPS = ["home", "itinerary_consult", "booking_form", "booking_submit"]


@pytest.fixture(scope="module")
def engines(sample):
    spark = warehouse.connect(sample.data / "parquet", backend="pyspark")
    yield {"duckdb": sample.con, "pyspark": spark}
    spark._session.stop()
    with warnings.catch_warnings():  # collect py4j's sockets here, not during a later module's test
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()


def _orders_with_arm(con):
    o = con.table("orders")
    return o.mutate(variant=(o.member_id.length() % 2 == 0).ifelse("treatment", "control"))


CASES = {
    "daily_active": (lambda c, tl: kpi.daily_active(c.table("events"), c.table("messages"), START, END), ["day"]),
    "kpi_tree": (lambda c, tl: kpi.compute_kpis(c, START, END), ["kpi"]),
    "kpis_by_community": (lambda c, tl: kpi.kpis_by_community(c, START, END), ["community_id", "kpi"]),
    "kpis_by_week": (lambda c, tl: kpi.compute_kpis_by_period(c, START, END, freq="week"), ["period", "kpi"]),
    "dau_wau_mau": (lambda c, tl: kpi.dau_wau_mau(c.table("events"), c.table("messages"), START, END), ["day"]),
    "community_kpis": (lambda c, tl: kpi.community_kpis(c, START, END), ["community_id", "period"]),
    "funnel_ordered": (lambda c, tl: funnel.build_funnel(c.table("events"), STEPS, 7), ["step_index"]),
    "funnel_strict": (lambda c, tl: funnel.build_funnel(c.table("events"), STEPS, 7, order="strict"), ["step_index"]),
    "funnel_unordered": (lambda c, tl: funnel.build_funnel(c.table("events"), STEPS, 7, order="unordered"),
                         ["step_index"]),
    "funnel_by_tier": (lambda c, tl: funnel.build_funnel(c.table("events"), STEPS, 14, breakdown="city_tier",
                                                         members=c.table("members")), ["city_tier", "step_index"]),
    "bounce": (lambda c, tl: paths.bounce_rates(c.table("events")), ["node"]),
    "top_paths": (lambda c, tl: paths.top_paths(c.table("events"), "itinerary_consult"), ["path"]),
    "transitions": (lambda c, tl: paths.transition_matrix(c.table("events")), ["from_node", "to_node"]),
    "cohorts_weekly": (lambda c, tl: retention.cohort_retention(c.table("events")), ["cohort", "period"]),
    "cohorts_monthly_first_time": (lambda c, tl: retention.cohort_retention(
        c.table("events"), period="month", returning="first_time"), ["cohort", "period"]),
    "rfm": (lambda c, tl: rfm.score_rfm(c.table("orders"), END), ["member_id"]),
    "reply_times": (lambda c, tl: responsiveness.responsiveness(c.table("messages"), START, END), ["community_id"]),
    "sufficient_stats_mean": (lambda c, tl: abtest.sufficient_stats(_orders_with_arm(c), "amount"), ["variant"]),
    "sufficient_stats_ratio": (lambda c, tl: abtest.sufficient_stats(
        _orders_with_arm(c).mutate(one=1), "amount", kind="ratio", denominator="one"), ["variant"]),
    "message_opens": (lambda c, tl: outcomes.message_opens(c.table("broadcasts"), c.table("events"),
                                                           c.table("assignments"), tl), ["member_id"]),
    "itinerary_bounces": (lambda c, tl: outcomes.itinerary_bounces(c.table("events"), c.table("assignments"), tl),
                          ["member_id"]),
    "programme_daily": (lambda c, tl: outcomes.community_activity_daily(
        c.table("events"), c.table("messages"), c.table("memberships"), c.table("assignments"), tl),
        ["community_id", "day"]),
}


def _sorted(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    keys = [k for k in keys if k in df.columns]
    assert keys, f"none of the sort keys in {list(df.columns)}"
    return df.sort_values(keys).reset_index(drop=True)


@pytest.mark.parametrize("case", list(CASES))
def test_same_answer_on_duckdb_and_pyspark(engines, sample, case):
    call, keys = CASES[case]
    duck = _sorted(call(engines["duckdb"], sample.timeline), keys)
    spark = _sorted(call(engines["pyspark"], sample.timeline), keys)
    assert len(duck) > 0, f"{case}: the fixture gives an empty result; the comparison would prove nothing"
    pd.testing.assert_frame_equal(duck, spark, check_dtype=False, rtol=1e-9)


def test_spark_tables_are_the_canonical_ones(engines):
    spark, duck = engines["pyspark"], engines["duckdb"]
    for name in ("events", "messages", "orders", "members"):
        assert spark.table(name).columns == duck.table(name).columns
        assert spark.table(name).count().execute() == duck.table(name).count().execute()


def test_spark_days_are_local_days(engines):
    # Ibis sets Spark sessions to UTC; the kit sets the study's zone back, so dates are local ones
    spark, duck = engines["pyspark"], engines["duckdb"]
    assert spark._session.conf.get("spark.sql.session.timeZone") == "Asia/Shanghai"
    per_day = [c.table("events").ts.date().value_counts().to_pandas().sort_values(
        c.table("events").ts.date().get_name()).reset_index(drop=True) for c in (duck, spark)]
    pd.testing.assert_frame_equal(*per_day, check_dtype=False)


def test_missing_parquet_folder_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="No Parquet folder"):
        warehouse.connect(tmp_path / "nowhere", backend="pyspark")


def test_unknown_backend_is_refused():
    with pytest.raises(ValueError, match="backend"):
        warehouse.connect(":memory:", backend="sqlite")
