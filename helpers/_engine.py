"""Backend quirks in one place: accept an Ibis table or a pandas frame, execute at the edge."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

import ibis
import ibis.expr.datatypes as dt
import pandas as pd

from helpers.timeline import DEFAULT_TZ

_TZ_SET: dict[int, str] = {}


def _default_backend(tz: str):
    """The default backend (where pandas inputs become memtables), its session zone set to ``tz``."""
    con = ibis.get_backend()
    if _TZ_SET.get(id(con)) != tz:
        con.raw_sql(f"SET TimeZone = '{tz}'")  # constant from configuration, not data
        _TZ_SET[id(con)] = tz
    return con


def table(obj, name: str = "table", required: tuple[str, ...] = (), tz: str = DEFAULT_TZ) -> ibis.Table:
    """An Ibis table from ``obj``: an Ibis table passes through; a pandas frame becomes a memtable
    with naive time stamps read in ``tz``. ``required`` columns are checked with a helpful error."""
    if isinstance(obj, pd.DataFrame):
        df = obj.copy()
        for col in df.columns:
            if pd.api.types.is_datetime64_any_dtype(df[col]):
                s = df[col]
                s = (s.dt.tz_localize(tz) if s.dt.tz is None else s).dt.tz_convert("UTC")
                df[col] = s.dt.floor("us").astype("datetime64[us, UTC]")  # Arrow memtables hold microseconds
        _default_backend(tz)
        obj = ibis.memtable(df)
    elif not isinstance(obj, ibis.Table):
        raise TypeError(f"`{name}` must be an Ibis table or a pandas DataFrame; got {type(obj).__name__}.")
    missing = [c for c in required if c not in obj.columns]
    if missing:
        raise KeyError(f"`{name}` lacks column(s) {missing}. Available: {list(obj.columns)}.")
    return obj


@ibis.udf.scalar.builtin(name="epoch_us")
def _duckdb_epoch_us(ts: dt.timestamp) -> dt.int64:
    """DuckDB's microseconds since the epoch."""


@ibis.udf.scalar.builtin(name="unix_micros")
def _spark_unix_micros(ts: dt.timestamp) -> dt.int64:
    """Spark's microseconds since the epoch."""


_EPOCH_US = {"duckdb": _duckdb_epoch_us, "pyspark": _spark_unix_micros}


@ibis.udf.scalar.builtin(name="make_timestamp")
def _duckdb_make_timestamp(us: dt.int64) -> dt.Timestamp(timezone=None):
    """DuckDB's naive TIMESTAMP from microseconds since the epoch."""


@ibis.udf.scalar.builtin(name="divide")
def _duckdb_divide(a: dt.int64, b: dt.int64) -> dt.int64:
    """DuckDB's integer division (``//``; truncates toward zero)."""


@ibis.udf.scalar.builtin(name="bit_count")
def bit_count(x: dt.int64) -> dt.int64:
    """Set bits of a 64-bit integer (DuckDB and Spark ``bit_count``; two's complement for negatives)."""


@ibis.udf.agg.builtin(name="bit_or")
def bit_or(x: dt.int64) -> dt.int64:
    """Bitwise OR over a group (DuckDB and Spark ``bit_or``; Ibis compiles its own only for some backends)."""


@ibis.udf.agg.builtin(name="bitstring_agg")
def _duckdb_bitstring_agg(x: dt.int64, lo: dt.int64, hi: dt.int64) -> dt.binary:
    """DuckDB's bitstring of ``hi - lo + 1`` bits, bit ``x - lo`` set for every ``x`` of the group."""


@ibis.udf.scalar.builtin(name="bit_count")
def _duckdb_bitstring_count(bits: dt.binary) -> dt.int64:
    """Set bits of a DuckDB bitstring."""


def count_distinct_in_range(x, lo: int, hi: int):
    """DuckDB only: the number of distinct values of integer expression ``x`` in a group, every value
    known to lie in ``[lo, hi]``: the set bits of one ``hi - lo + 1``-bit string per group (a value
    outside the range is an error, not a wrong count). Its cost grows with the width of the range."""
    return _duckdb_bitstring_count(_duckdb_bitstring_agg(x, lo, hi))


def backend_name(expr) -> str:
    """The name of the Ibis backend that executes ``expr`` (the default one for memtables)."""
    return expr._find_backend(use_default=True).name


def sql_name(name: str) -> str:
    """``name`` as a quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def sql_text(value) -> str:
    """``value`` as a SQL string literal."""
    return "'" + str(value).replace("'", "''") + "'"


def sql_list(values) -> str:
    """``values`` as a DuckDB list literal of strings (for ``list_contains``, as :func:`isin` uses)."""
    return "[" + ", ".join(map(sql_text, values)) + "]"


def bare_duckdb_table(t: ibis.Table):
    """``(backend, qualified SQL name)`` when ``t`` is a bare table on DuckDB (a stored table, or a
    pandas frame's memtable, registered here), for queries written by hand where Ibis's compile (about
    0.015-0.03 s a query) would cost more than the query; ``None`` for any other expression or backend."""
    op = t.op()
    if not isinstance(op, (ibis.expr.operations.DatabaseTable, ibis.expr.operations.InMemoryTable)):
        return None
    con = t._find_backend(use_default=True)
    if con.name != "duckdb":
        return None
    con._register_in_memory_tables(t)
    space = getattr(op, "namespace", None)
    parts = (getattr(space, "catalog", None), getattr(space, "database", None), op.name)
    return con, ".".join(sql_name(x) for x in parts if x)


def ts_sql(value, tz: str = DEFAULT_TZ) -> str:
    """A DuckDB ``TIMESTAMPTZ`` literal of ``value`` (naive values read in ``tz``; to the microsecond)."""
    ts = pd.Timestamp(value)
    ts = (ts.tz_localize(ZoneInfo(tz)) if ts.tzinfo is None else ts).tz_convert(timezone.utc)
    return f"TIMESTAMPTZ '{ts.strftime('%Y-%m-%d %H:%M:%S.%f')}+00'"


def zoned_columns(t: ibis.Table, *columns: str) -> bool:
    """Whether ``columns`` of ``t`` are all time stamps with a zone (what hand-written SQL assumes)."""
    schema = t.schema()
    return all(c in schema and schema[c].is_timestamp() and schema[c].timezone is not None for c in columns)


def stored_min_us(t: ibis.Table, column: str) -> int | None:
    """A lower bound on time column ``column`` of ``t`` in microseconds since the epoch, read from the
    statistics DuckDB keeps for a stored table (``stats()``: a few milliseconds, where ``min()`` reads
    every row: 0.08 s at 1e7 rows); ``None`` when ``t`` is not a bare DuckDB table or the statistics
    say nothing. The bound can be below the true minimum (statistics survive deletes), never above."""
    bare = bare_duckdb_table(t)
    if bare is None:
        return None
    con, name = bare
    rows = con.con.sql(f"SELECT stats(epoch_us({sql_name(column)})) FROM {name} LIMIT 1").fetchall()
    found = re.match(r"\[Min: (-?\d+),", rows[0][0]) if rows and rows[0][0] else None
    return int(found.group(1)) if found else None


def isin(column, values):
    """Whether ``column`` is one of ``values``, as ``column.isin(values)`` (null where ``column`` is
    null), for a short list tested against a column whose values do not cluster in storage (event
    names, pages, sender types). On DuckDB written as ``list_contains``: DuckDB 1.4 evaluates a string
    ``IN`` list as a chain of comparisons per row, and a 4-node filter over 1e7 events took 0.26 s that
    way against 0.10 s (``benchmarks/bench_funnel.py``'s table). Keep ``isin`` for a column the table
    is sorted by (``member_id`` of events): there ``IN`` skips row groups by their min/max statistics
    (4 members of 1e7 events: 2 ms against 52 ms). Lists over 32 values, or holding a null (``IN`` then
    gives null where ``list_contains`` gives false), keep ``isin`` too."""
    values = list(dict.fromkeys(values))
    if (backend_name(column) != "duckdb" or not 0 < len(values) <= 32
            or any(pd.isna(v) for v in values)):
        return column.isin(values)
    return ibis.literal(values, type=dt.Array(column.type())).contains(column)


def where_in(t: ibis.Table, column: str, values) -> ibis.Table:
    """The rows of ``t`` whose ``column`` equals one of ``values`` (as ``isin``; nulls never match),
    through :func:`isin`. A union of one equality filter per value, which DuckDB pushes into the scan,
    was measured slower: the activity events' daily actives on the SCALE 1 warehouse took 0.22 s as
    such a union, 0.14 s with ``IN`` and 0.10 s with ``list_contains`` (on 1e7 events in drawn order
    0.08 s, 0.11 s and 0.06 s)."""
    return t.filter(isin(t[column], values))


def epoch_us(ts):
    """Microseconds since the epoch of time stamp expression ``ts``, time-zone independent, through the
    engine's own builtin (DuckDB ``epoch_us``, Spark ``unix_micros``); elsewhere a portable difference.
    DuckDB's ``date_diff('microsecond', ...)`` on TIMESTAMPTZ goes through ICU calendar arithmetic and
    costs about 100x more than its builtin; Ibis's ``epoch_seconds`` truncates to whole seconds on Spark."""
    fn = _EPOCH_US.get(backend_name(ts))
    if fn is not None:
        return fn(ts)
    epoch = ibis.literal(pd.Timestamp("1970-01-01", tz="UTC"), type="timestamp('UTC')")
    return ts.delta(epoch, "microsecond")


def seconds_between(later, earlier):
    """``later - earlier`` in seconds (float, microsecond precision, the same on every engine)."""
    return (epoch_us(later) - epoch_us(earlier)) / 1e6


@lru_cache(maxsize=None)
def fixed_offset_us(tz: str) -> int | None:
    """The UTC offset of zone ``tz`` in microseconds if it was the same on the 15th of every month from
    1992 to 2100 (Asia/Shanghai: +8 h), else ``None`` (zones with daylight saving time)."""
    zone = ZoneInfo(tz)
    offsets = {zone.utcoffset(datetime(y, m, 15, 12)) for y in range(1992, 2101) for m in range(1, 13)}
    return int(offsets.pop().total_seconds()) * 1_000_000 if len(offsets) == 1 else None


def local_date(ts, tz: str = DEFAULT_TZ):
    """The local calendar date of time stamp expression ``ts`` in zone ``tz``.

    On DuckDB, for a zone without daylight saving time, this is integer arithmetic on epoch
    microseconds (about 15x cheaper than casting a TIMESTAMPTZ to DATE, which goes through ICU) and
    does not depend on the session's zone; elsewhere it is the engine's own date of ``ts`` in the
    session zone (the kit's connections set it to ``tz``)."""
    if backend_name(ts) == "duckdb":
        offset = fixed_offset_us(tz)
        if offset is not None:
            return _duckdb_make_timestamp(_duckdb_epoch_us(ts) + offset).cast("date")
    return ts.date()


_DAY_US = 86_400 * 10**6
_DAY_SHIFT = 10**6  # days added before dividing so that instants after year -800 divide as positive numbers


def local_day_number(ts, tz: str = DEFAULT_TZ):
    """Days since 1970-01-01 (int64; negative before) of the local date of ``ts`` in zone ``tz``: the
    same as ``local_date(ts, tz).epoch_days()``. On DuckDB, for a zone without daylight saving time, an
    integer division of epoch microseconds, about 10% cheaper per row than going through a ``DATE``
    (RFM at 1e7 orders)."""
    if backend_name(ts) == "duckdb":
        offset = fixed_offset_us(tz)
        if offset is not None:
            shifted = _duckdb_epoch_us(ts) + (offset + _DAY_SHIFT * _DAY_US)
            return _duckdb_divide(shifted, ibis.literal(_DAY_US, type="int64")) - _DAY_SHIFT
    return local_date(ts, tz).epoch_days().cast("int64")


def ts_literal(value, tz: str = DEFAULT_TZ):
    """A timezone-aware Ibis timestamp literal (naive values read in ``tz``)."""
    ts = pd.Timestamp(value)
    # ZoneInfo objects, not zone names: pandas resolves a name through pytz, whose first use costs
    # about 20 ms (it lists every zone), a tenth of a small KPI query
    ts = ts.tz_localize(ZoneInfo(tz)) if ts.tzinfo is None else ts
    return ibis.literal(ts.tz_convert(timezone.utc), type="timestamp('UTC')")


def to_pandas(expr, tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """Execute ``expr`` and return pandas with time stamps in ``tz``."""
    return _in_zone(expr.to_pandas(), tz)


def duckdb_sql(expr) -> tuple:
    """``(backend, SQL)``: ``expr`` compiled for its DuckDB backend, with the pandas frames it reads
    (memtables) registered first, since a raw query on the backend cannot see them otherwise."""
    con = expr._find_backend(use_default=True)
    con._register_in_memory_tables(expr)
    return con, ibis.to_sql(expr, dialect="duckdb")


def numeric_to_pandas(expr) -> pd.DataFrame:
    """Execute ``expr``, whose columns are all strings, integers without nulls or floats, and return
    pandas: on DuckDB through its own conversion (``.df()`` of the compiled query), which skips Ibis's
    result conversion (about 0.03 s for 1e5 rows of four columns); elsewhere ``to_pandas``."""
    if backend_name(expr) != "duckdb":
        return expr.to_pandas()
    con, sql = duckdb_sql(expr)
    return con.con.sql(sql).df()


def _in_zone(df: pd.DataFrame, tz: str) -> pd.DataFrame:
    """``df`` with its zone-aware time columns converted to ``tz`` (in place; returned for chaining)."""
    for col in df.columns:
        if isinstance(df[col].dtype, pd.DatetimeTZDtype):
            df[col] = df[col].dt.tz_convert(tz)
    return df


def rows_to_pandas(expr, tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """Execute ``expr`` through Arrow, for results of millions of rows: text as Python ``str`` (None
    when null), integers with nulls as float64 (NaN), time stamps in ``tz``.

    Ibis's own conversion (:func:`to_pandas`) first turns every column that holds a null into a list
    of Python objects; on the 3 million chat messages of the deck-size sample that takes about 5 s of
    the 7 s the query costs."""
    return _in_zone(expr.to_pyarrow().to_pandas(), tz)
