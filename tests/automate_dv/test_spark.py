"""dvkit's own automate_dv package on Apache Spark: the same vault as on PostgreSQL, byte for byte.

The mini project is built twice from the same landing rows: on the embedded PostgreSQL (the
reference, checked row by row by test_automate_dv_local.py and test_more_tables.py) and on Spark
through dbt-spark's `session` method (PySpark in this process, Parquet tables in a Hive metastore
under tmp). Every staging view and raw vault table must then hold the same columns and the same rows:
hash keys and hashdiffs as the same bytes, load times as the same timestamps, payloads equal.

One SparkSession serves the whole module (the JVM takes ~15 s to start): the fixture creates it
first, and dbt-spark's session connection gets it back from SparkSession.builder.getOrCreate().
The module is skipped where PySpark or a Java runtime is missing (`pip install -e '.[spark]'`).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from generator import hashing

from . import test_automate_dv_local as first_tables
from . import test_more_tables as more_tables
from .dbt_helpers import REPO, columns, make_project, rows
from .dbt_helpers import dbt as run_dbt

pytest.importorskip("pyspark", reason="the spark extra is not installed: pip install -e '.[spark]'")
pytest.importorskip("dbt.adapters.spark", reason="the spark extra is not installed: pip install -e '.[spark]'")
if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
    pytest.skip("no Java runtime for Spark (java on PATH or JAVA_HOME)", allow_module_level=True)

from pyspark.sql import SparkSession  # noqa: E402

pytestmark = [pytest.mark.db, pytest.mark.dbt, pytest.mark.spark]

GHOSTS_ON = ("--vars", "{enable_ghost_records: true}")

# The landing tables on Spark, typed as the tests' PostgreSQL DDL types them (timestamp without time
# zone is Spark's TIMESTAMP_NTZ; text and varchar are STRING).
SPARK_LANDING = {
    "src_rows": "batch_id int, load_datetime timestamp_ntz, src_system string, order_id string, "
                "customer_id string, order_status string, amount decimal(10, 2), status_date string",
    "order_customer": "load_datetime timestamp_ntz, src_system string, order_id string, customer_id string, "
                      "effective_date string",
    "order_payments": "load_datetime timestamp_ntz, src_system string, order_id string, payment_sequential int, "
                      "payment_type string, payment_value decimal(10, 2)",
    "currency_rates": "load_datetime timestamp_ntz, src_system string, currency_code string, "
                      "currency_label string, rate_to_brl decimal(8, 4)",
    "batches": "batch_id bigint, load_ts timestamp_ntz",
    "batch_files": "batch_id bigint, source string, full_extract boolean, rows_quarantined bigint",
}
# What dvkit's loader records of each batch (generator/load/landing.py), as the status-tracking
# satellite reads it: batches 1 and 2 are whole deliveries of 'orders', batch 3 is not.
BATCH_DDL = """
create table landing.batches (batch_id bigint, load_ts timestamp);
create table landing.batch_files (batch_id bigint, source text, full_extract boolean, rows_quarantined bigint);
"""
WHOLE_DELIVERIES = {1: True, 2: True, 3: False}

# dvkit's status-tracking satellite (dbt_vault/macros/tables/) on the orders of src_rows, added to the
# test's copy of the mini project: o4, missing from the whole delivery of batch 2, is deleted there.
# Lines are numbered in an order both engines agree on (md5 hex text: no NULL, no collation at play).
STS_FILES = {
    "models/staging/sts/stg_order_lines.sql": """
select
    {{ automate_dv.hash('order_id', 'order_hk') }},
    batch_id as _batch_id,
    row_number() over (partition by batch_id order by src_system, md5(coalesce(order_id, ''))) as _source_line,
    load_datetime
from {{ source('landing', 'src_rows') }}
""",
    "models/raw_vault/sts/sts_order.sql":
        "{{ dvkit_status_tracking_sat('order_hk', 'stg_order_lines', 'orders', 'crm') }}\n",
}

# The column types each engine gives the same data (PostgreSQL's information_schema -> Spark).
SAME_TYPE = {
    "bytea": "binary",
    "text": "string",
    "character varying": "string",
    "timestamp without time zone": "timestamp_ntz",
    "integer": "int",
    "date": "date",
    "boolean": "boolean",
}


# --------------------------------------------------------------------------------------------------
# Spark, dbt on both engines, reading tables back


@pytest.fixture(scope="module")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparkSession]:
    """One local Spark with a Hive metastore of its own under tmp (a worker of pytest-xdist gets its own)."""
    root = tmp_path_factory.mktemp("spark")
    with pytest.MonkeyPatch.context() as env:
        # the profile's server_side_parameters read the same places (and dbt-spark re-applies them)
        env.setenv("DVKIT_SPARK_WAREHOUSE", str(root / "warehouse"))
        env.setenv("DVKIT_SPARK_METASTORE", str(root / "metastore_db"))
        session = (
            SparkSession.builder.master("local[2]")
            .appName("dvkit-tests")
            .config("spark.sql.warehouse.dir", str(root / "warehouse"))
            .config("spark.hadoop.javax.jdo.option.ConnectionURL",
                    f"jdbc:derby:;databaseName={root / 'metastore_db'};create=true")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.default.parallelism", "2")
            .config("spark.ui.enabled", "false")
            # Derby writes its log to the working directory unless told otherwise
            .config("spark.driver.extraJavaOptions", f"-Dderby.stream.error.file={root / 'derby.log'}")
            .enableHiveSupport()
            .getOrCreate()
        )
        session.sparkContext.setLogLevel("ERROR")
        try:
            yield session
        finally:
            session.stop()


@pytest.fixture()
def project(tmp_path: Path, fresh_db, spark: SparkSession, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The mini project, its PostgreSQL database and its Spark databases, all empty."""
    for database in ("landing", "staging", "raw_vault", "public"):
        spark.sql(f"drop database if exists {database} cascade")
        spark.sql(f"create database {database}")
    # Spark's working directory for anything relative: the test's own
    monkeypatch.chdir(tmp_path)
    return make_project(tmp_path, fresh_db, monkeypatch)


def dbt_both(project: Path, *args: str) -> None:
    """The same dbt command on PostgreSQL (the profile's default target) and on Spark."""
    run_dbt(project, *args)
    run_dbt(project, *args, "--target", "spark")


def plain(value: object) -> object:
    """A value as both drivers can agree on: Spark's binary comes back as bytearray, psycopg's as bytes."""
    return bytes(value) if isinstance(value, bytearray | memoryview) else value


def pg_table(db, schema: str, table: str) -> tuple[list[tuple[str, str]], list[tuple]]:
    found = [tuple(plain(v) for v in row) for row in rows(db, f"select * from {schema}.{table}")]
    return columns(db, schema, table), sorted(found, key=repr)


def spark_table(spark: SparkSession, schema: str, table: str) -> tuple[list[tuple[str, str]], list[tuple]]:
    frame = spark.table(f"{schema}.{table}")
    found = [tuple(plain(v) for v in row) for row in frame.collect()]
    return [(f.name, f.dataType.simpleString()) for f in frame.schema.fields], sorted(found, key=repr)


def copy_landing(db, spark: SparkSession) -> None:
    """Spark's landing tables become what PostgreSQL's hold, row for row."""
    for table in SPARK_LANDING:
        schema = spark.table(f"landing.{table}").schema
        found = rows(db, f"select * from landing.{table}")
        spark.createDataFrame(found, schema=schema).write.insertInto(f"landing.{table}", overwrite=True)


def add_status_tracking(project: Path) -> None:
    """The status-tracking satellite and its stage, in the test's copy of the mini project."""
    for name, text in STS_FILES.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text.lstrip())
    macros = REPO / "dbt_vault" / "macros"
    shutil.copy(macros / "tables" / "status_tracking_sat.sql", project / "macros")
    # Its one row per group, per engine (DISTINCT ON, or row_number on Spark).
    shutil.copy(macros / "staging" / "first_per.sql", project / "macros")
    shutil.copy(macros / "staging" / "spark" / "first_per.sql", project / "macros" / "spark_first_per.sql")
    sources = project / "models" / "sources.yml"
    sources.write_text(sources.read_text() + "      - name: batches\n      - name: batch_files\n")


def create_landing(db, spark: SparkSession) -> None:
    with db.connect(autocommit=True) as conn:
        conn.execute(first_tables.LANDING_DDL)
        conn.execute(more_tables.LANDING_DDL)
        conn.execute(BATCH_DDL)
    for table, ddl in SPARK_LANDING.items():
        spark.sql(f"create table landing.{table} ({ddl}) using parquet")


MODELS = {
    "staging": ["stg_orders", "stg_order_extras", "stg_order_customer", "stg_order_payments",
                "stg_currency_rates", "stg_order_lines"],
    "raw_vault": ["hub_order", "hub_customer", "hub_order_multi", "link_order_customer", "sat_order_status",
                  "eff_sat_order_customer", "eff_sat_order_customer_manual", "link_order_payment",
                  "ma_sat_order_payments", "xts_order", "ref_currency", "sts_order"],
}


def assert_same_vault(db, spark: SparkSession) -> dict[str, int]:
    """Every model has the same columns (in order, of matching types) and rows on both engines."""
    counts = {}
    for schema, models in MODELS.items():
        for model in models:
            pg_columns, pg_rows = pg_table(db, schema, model)
            spark_columns, spark_rows = spark_table(spark, schema, model)
            where = f"{schema}.{model}"
            assert [name for name, _ in spark_columns] == [name for name, _ in pg_columns], where
            if schema == "raw_vault":
                for (name, pg_type), (_, spark_type) in zip(pg_columns, spark_columns, strict=True):
                    expected = SAME_TYPE.get(pg_type, "decimal" if pg_type == "numeric" else pg_type)
                    assert spark_type.split("(")[0] == expected, f"{where}.{name}: {pg_type} -> {spark_type}"
            assert spark_rows == pg_rows, where
            counts[where] = len(pg_rows)
    return counts


# --------------------------------------------------------------------------------------------------
# 1. Hashes of awkward values: Spark, PostgreSQL and generator/hashing.py give the same bytes

TRICKY_COLUMNS = "id int, s {text}, n decimal(12, 3), i bigint, d date, ts {timestamp}, b boolean"

# (id, s, n, i, d, ts, b)
TRICKY = [
    (1, None, None, None, None, None, None),
    (2, "", Decimal("0.000"), 0, date(2024, 2, 29), datetime(2024, 1, 1), True),
    (3, "   ", Decimal("-1.500"), -7, date(1900, 1, 1), datetime(1999, 12, 31, 23, 59, 59), False),
    (4, "  mixed Case  ", Decimal("123456789.120"), 9007199254740993, date(9999, 12, 31),
     datetime(2024, 6, 1, 5, 6, 7), None),
    (5, "São Paulo – coração, ação, Ñandú, Ærø", Decimal("0.001"), 42, None, None, True),
    (6, "tab\there\nnewline", None, None, None, datetime(2024, 1, 1, 0, 0, 1), None),
    (7, "^^", None, None, None, None, None),               # a literal null marker
    (8, "a||b", None, None, None, None, None),             # a literal separator
    (9, "O'Brien \\ c:\\temp", None, None, None, None, None),
    (10, "日本語 😀 𝔘", None, None, None, None, None),
    (11, "x", None, None, None, datetime(2024, 1, 1, 5, 6, 7, 500000), None),
]
# generator/hashing.py writes fractional seconds with six digits ('07.500000'), where both engines
# write '07.5': the Python twin is not compared on them (a difference of the twin, not of Spark).
PYTHON_DIFFERS = {(11, "hk_ts"), (11, "hk_all"), (11, "hd_all")}
NAMES = ["s", "n", "i", "d", "ts", "b"]

HASHES_SQL = (
    "select id, "
    + ", ".join(f"{{{{ automate_dv.hash('{name}', 'hk_{name}') }}}}" for name in NAMES)
    + ", {{ automate_dv.hash(['s', 'n', 'i', 'd', 'ts', 'b'], 'hk_all') }}"
    + ", {{ automate_dv.hash(['b', 'ts', 'd', 'i', 'n', 's'], 'hd_all', is_hashdiff=true) }}"
    # the project's hashdiff of a payload that gained columns (dbt_vault/macros/dvkit_hashdiff.sql)
    + ", {{ dvkit_hashdiff(['s', 'n'], ['i', 'd', 'b']) }} as hd_added"
    + " from public.tricky order by id"
)
ALIASES = ["id", *[f"hk_{name}" for name in NAMES], "hk_all", "hd_all", "hd_added"]


def python_hashes(row: tuple) -> tuple:
    """The same hashes by generator/hashing.py, the standard's reference."""
    values = row[1:]
    singles = [hashing.hash_key([value]) for value in values]
    added = hashing.hashdiff(values[:2], NAMES[:2], added=[values[2], values[3], values[5]])
    return (row[0], *singles, hashing.hash_key(values), hashing.hashdiff(values, NAMES), added)


def test_hashes_of_awkward_values_are_the_same_bytes_everywhere(project: Path, fresh_db, spark: SparkSession):
    shutil.copy(REPO / "dbt_vault" / "macros" / "dvkit_hashdiff.sql", project / "macros")
    with fresh_db.connect(autocommit=True) as conn:
        conn.execute(f"create table public.tricky ({TRICKY_COLUMNS.format(text='text', timestamp='timestamp')})")
        with conn.cursor() as cur:
            cur.executemany("insert into public.tricky values (%s, %s, %s, %s, %s, %s, %s)", TRICKY)
    spark.sql(f"create table public.tricky ({TRICKY_COLUMNS.format(text='string', timestamp='timestamp_ntz')}) "
              "using parquet")
    schema = spark.table("public.tricky").schema
    spark.createDataFrame(TRICKY, schema=schema).write.insertInto("public.tricky")

    pg_sql = run_dbt(project, "compile", "--quiet", "--inline", HASHES_SQL).result.results[0].node.compiled_code
    spark_sql = run_dbt(project, "compile", "--quiet", "--inline", HASHES_SQL,
                        "--target", "spark").result.results[0].node.compiled_code
    assert "decode(md5(" in pg_sql and "unhex(md5(" in spark_sql

    on_postgres = [tuple(plain(v) for v in row) for row in rows(fresh_db, pg_sql)]
    on_spark = [tuple(plain(v) for v in row) for row in spark.sql(spark_sql).collect()]
    in_python = [python_hashes(row) for row in TRICKY]

    assert len(on_postgres) == len(TRICKY)
    for pg_row, spark_row, python_row in zip(on_postgres, on_spark, in_python, strict=True):
        for position, alias in enumerate(ALIASES):
            where = f"row {pg_row[0]} {alias}"
            assert spark_row[position] == pg_row[position], where
            if (pg_row[0], alias) not in PYTHON_DIFFERS:
                assert python_row[position] == pg_row[position], where
            if alias != "id" and pg_row[position] is not None:
                assert isinstance(spark_row[position], bytes) and len(spark_row[position]) == 16, where
    # the awkward rows do hash (NULL only where every value is missing)
    assert on_spark[0][1:-2] == (None,) * 7 and None not in on_spark[0][-2:]
    assert all(value is not None for value in on_spark[4][1:3])


# --------------------------------------------------------------------------------------------------
# 2. The mini project on both engines: first build, then incremental loads


def land(db, spark: SparkSession, batches: list[int], load_times: list[datetime]) -> None:
    """Batches of each test file's landing data, on PostgreSQL, then copied to Spark."""
    for batch in batches:
        first_tables.land(db, batch)
        with db.connect(autocommit=True) as conn:
            conn.execute("insert into landing.batches values (%s, %s)", (batch, first_tables.BATCHES[batch][0]))
            conn.execute("insert into landing.batch_files values (%s, 'orders', %s, 0)",
                         (batch, WHOLE_DELIVERIES[batch]))
    for load_time in load_times:
        more_tables.land(db, load_time)
    copy_landing(db, spark)


def test_vault_on_spark_is_the_vault_on_postgres(project: Path, fresh_db, spark: SparkSession):
    db = fresh_db
    add_status_tracking(project)
    create_landing(db, spark)

    # ---- first build
    land(db, spark, [1], [more_tables.T1])
    dbt_both(project, "run", *GHOSTS_ON)
    first = assert_same_vault(db, spark)
    assert first["raw_vault.hub_order"] == 5 and first["raw_vault.ma_sat_order_payments"] == 6
    # the ghost record: its '0' bytes, its 1900 dates, on both
    ghost = spark.sql("select * from raw_vault.sat_order_status where record_source = 'AUTOMATE_DV_SYSTEM'")
    assert [tuple(plain(v) for v in row) for row in ghost.collect()] == [
        (b"0" * 32, b"0" * 32, None, None, datetime(1900, 1, 1), datetime(1900, 1, 1), "AUTOMATE_DV_SYSTEM")]

    # ---- an incremental load of three more batches in one run: every kind of table reads what it
    # stored (NOT EXISTS on its keys, its latest rows, its open links, its latest sets) and appends
    land(db, spark, [2, 3], [more_tables.T2, more_tables.T3, more_tables.LATE])
    dbt_both(project, "run", *GHOSTS_ON)
    second = assert_same_vault(db, spark)
    for table in ("hub_order", "link_order_customer", "sat_order_status", "eff_sat_order_customer",
                  "ma_sat_order_payments", "xts_order", "ref_currency", "link_order_payment", "sts_order"):
        assert second[f"raw_vault.{table}"] > first[f"raw_vault.{table}"], table
    # o4, missing from the whole delivery of batch 2, is deleted at its load time (on both, as compared)
    assert [tuple(row) for row in spark.sql(
        "select status, load_datetime from raw_vault.sts_order where order_hk = unhex(md5('O4')) "
        "order by load_datetime").collect()] == [("present", first_tables.T1), ("deleted", first_tables.T2)]

    # the tables are Parquet files
    detail = {row["col_name"]: row["data_type"]
              for row in spark.sql("describe table extended raw_vault.hub_order").collect()}
    assert detail["Provider"] == "parquet"
