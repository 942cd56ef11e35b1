"""The warehouse: canonical tables (``helpers.schema.TABLES``) in one DuckDB file, opened through Ibis.

Analysis helpers take tables from the connection returned by :func:`connect` and never open their
own. Time stamps are stored timezone-aware (DuckDB ``TIMESTAMPTZ``); the session time zone is set to
the study's zone so that dates and hours computed in the engine are local ones.

The same helpers run on PySpark: ``connect(parquet_dir, backend="pyspark")`` starts a local Spark
session (loopback only, a temporary warehouse directory) and registers every canonical table from the
Parquet copies that ingestion writes beside the DuckDB file (``data/parquet/<table>.parquet``).
"""
from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path
from typing import Literal

import ibis
import pandas as pd
import pyarrow as pa

from helpers import schema
from helpers.timeline import DEFAULT_TZ

Backend = Literal["duckdb", "pyspark"]
BACKENDS = ("duckdb", "pyspark")
DEFAULT_PATH = Path("data") / "warehouse.duckdb"
DEFAULT_PARQUET = Path("data") / "parquet"


def _check_backend(backend: str) -> None:
    if backend not in BACKENDS:
        raise ValueError(f"`backend` must be one of {BACKENDS!r}; not {backend!r}.")


def connect(path: str | os.PathLike | None = None, backend: Backend = "duckdb",
            tz: str = DEFAULT_TZ, read_only: bool = False, session=None):
    """Open the warehouse and return an Ibis connection.

    DuckDB: ``path`` defaults to ``data/warehouse.duckdb``; ``":memory:"`` gives an empty in-memory
    warehouse (tests). PySpark: ``path`` is the folder of Parquet copies (default ``data/parquet``);
    ``session`` an existing ``SparkSession`` (a cluster's), else a local one is started. The session
    time zone is ``tz`` on both.
    """
    _check_backend(backend)
    if backend == "pyspark":
        return _connect_spark(DEFAULT_PARQUET if path is None else Path(path), tz, session)
    path = DEFAULT_PATH if path is None else path
    if str(path) != ":memory:":
        path = Path(path)
        if read_only and not path.exists():
            raise FileNotFoundError(
                f"No warehouse at {path}. Run `make run` (or `python -m helpers ingest`) to build it."
            )
        path.parent.mkdir(parents=True, exist_ok=True)
    con = ibis.duckdb.connect(str(path), read_only=read_only)
    con.raw_sql(f"SET TimeZone = '{tz}'")  # a setting, not data: no user input reaches this string
    return con


def spark_session(tz: str = DEFAULT_TZ, cores: int | None = None):
    """A local Spark session bound to loopback, without UI, with a temporary warehouse folder
    (removed at exit). Shuffle partitions are the core count: the canonical tables are small."""
    from pyspark.sql import SparkSession

    cores = cores or os.cpu_count() or 2
    tmp = tempfile.mkdtemp(prefix="kit-spark-")
    atexit.register(shutil.rmtree, tmp, ignore_errors=True)
    conf = {
        "spark.driver.bindAddress": "127.0.0.1", "spark.driver.host": "127.0.0.1",
        "spark.ui.enabled": "false", "spark.ui.showConsoleProgress": "false",
        "spark.sql.warehouse.dir": str(Path(tmp) / "warehouse"), "spark.local.dir": tmp,
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={tmp} -Dlog4j2.level=error",
        "spark.sql.shuffle.partitions": str(cores), "spark.sql.session.timeZone": tz,
        "spark.sql.execution.arrow.pyspark.enabled": "true",
    }
    builder = SparkSession.builder.master(f"local[{cores}]").appName("community-kit")
    for key, value in conf.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _connect_spark(parquet_dir: Path, tz: str, session=None):
    if not parquet_dir.is_dir():
        raise FileNotFoundError(f"No Parquet folder at {parquet_dir}. Run `make run` (or `python -m helpers "
                                f"ingest`) to build the warehouse; ingestion writes the Parquet copies.")
    con = ibis.pyspark.connect(session or spark_session(tz))
    # Ibis sets the Spark session to UTC; dates and hours of the study are local ones, as on DuckDB
    con._session.conf.set("spark.sql.session.timeZone", tz)
    for name in schema.TABLES:
        file = parquet_dir / f"{name}.parquet"
        if file.exists():
            con.read_parquet(str(file), table_name=name)
    return con


def conform(df: pd.DataFrame, name: str, tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """Return ``df`` with exactly the columns of canonical table ``name``, in order, typed.

    Missing columns raise; extra columns raise (a typo should not vanish silently). Naive
    time stamps are read in ``tz``.
    """
    if name not in schema.TABLES:
        raise KeyError(f"No canonical table {name!r}. Available: {sorted(schema.TABLES)}.")
    cols = schema.TABLES[name]
    missing = [c for c in cols if c not in df.columns]
    extra = [c for c in df.columns if c not in cols]
    if missing or extra:
        raise ValueError(f"Table {name!r}: missing columns {missing}, unexpected columns {extra}.")
    out = {}
    for col, typ in cols.items():
        s = df[col]
        if typ == "timestamp":
            s = pd.to_datetime(s)
            s = s.dt.tz_localize(tz) if s.dt.tz is None else s.dt.tz_convert(tz)
        elif typ == "date":
            s = pd.to_datetime(s).dt.date
        elif typ == "string":
            s = s.astype("string")
        elif typ == "boolean":
            s = s.astype("boolean")
        elif typ.startswith("int"):
            s = s.astype(typ.replace("int", "Int"))
        elif typ.startswith("float"):
            s = pd.to_numeric(s).astype(typ)
        out[col] = s
    return pd.DataFrame(out, index=df.index).reset_index(drop=True)


def ibis_schema(name: str) -> ibis.Schema:
    """The Ibis schema of canonical table ``name`` (time stamps in UTC, as DuckDB stores them)."""
    types = {c: ("timestamp('UTC')" if t == "timestamp" else t) for c, t in schema.TABLES[name].items()}
    return ibis.schema(types)


def write_table(con, name: str, df: pd.DataFrame, tz: str = DEFAULT_TZ, append: bool = False):
    """Write (or with ``append=True`` add to) canonical table ``name`` from a pandas frame.

    Rows go in through a transient DuckDB relation over Arrow: an Ibis memtable would stay registered
    in DuckDB until the process exits, so a loop of appends (ingesting daily files) would hold every
    batch in memory.
    """
    df = conform(df, name, tz)
    if not (append and name in con.list_tables()):
        con.create_table(name, schema=ibis_schema(name), overwrite=True)
    if len(df):
        con.con.from_arrow(pa.Table.from_pandas(df, preserve_index=False)).insert_into(name)
    return con.table(name)


def append_rows(con, name: str, df: pd.DataFrame, tz: str = DEFAULT_TZ) -> None:
    """Append a pandas frame to canonical table ``name``, creating it empty first if absent."""
    write_table(con, name, df, tz, append=True)


# the physical order of the big per-member tables: DuckDB's hash aggregates and per-member lists group
# neighbouring rows far faster when a member's rows are adjacent (on 1e7 events: the ordered funnel 1.7x,
# distinct member-weeks 3x, the bare per-node distinct count 1.7x faster than on rows in arrival order;
# benchmarks/bench_funnel.py, bench_activity.py). Results never depend on it.
SORT_ORDER = {"events": ("member_id", "ts"), "orders": ("member_id", "ts")}


def cluster(con, names=None) -> list[str]:
    """Rewrite the tables of ``SORT_ORDER`` (or those of ``names``) present in the DuckDB warehouse
    ``con`` in that order; returns the names rewritten. A no-op on other backends."""
    if con.name != "duckdb":
        return []
    done, present = [], set(con.list_tables())
    for name, keys in SORT_ORDER.items():
        if (names is None or name in names) and name in present:
            order = ", ".join(f'"{k}"' for k in keys)  # constants of this module, not input
            con.raw_sql(f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM "{name}" ORDER BY {order}')
            done.append(name)
    return done


def export_parquet(con, out_dir: str | os.PathLike) -> list[Path]:
    """Copy every canonical table present to ``out_dir/<table>.parquet`` (for other engines)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name in schema.TABLES:
        if name in con.list_tables():
            path = out_dir / f"{name}.parquet"
            con.table(name).to_parquet(path)
            written.append(path)
    return written


def missing_tables(con) -> list[str]:
    """Canonical tables the warehouse does not hold."""
    present = set(con.list_tables())
    return [n for n in schema.TABLES if n not in present]
