"""One spec, two engines: the real Olist subset replayed by month gives the same vault on Spark.

The batches are landed once (in PostgreSQL) and built twice: by ``dvkit build`` on PostgreSQL and by
``dvkit build --target spark``, each in two steps (June and July 2018, then the months after), so the
Spark build takes both its first and its incremental path. Then every raw vault table and every
business vault table and mart must hold the same rows on both engines: hash keys and hashdiffs the
same 16 bytes, load times and payloads equal. Values are compared as Python values, with the
spellings told apart only by type made alike: Spark's ``bytearray`` is compared as ``bytes``; a raw
vault ``numeric`` column, which Spark keeps as the text PostgreSQL holds, as that text; and the
numbers the business vault computes to six decimals (PostgreSQL's exact numerics against Spark's
doubles).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal

import pytest
from psycopg import sql

from generator.build import build
from generator.db import Database, ensure_database
from generator.load.replay import load_replay
from generator.spark.build import build_on_spark
from generator.spark.session import SparkPlaces, local_session

from ..conftest import OLIST_RULES, olist_data
from ..integration.project import make_project

pytest.importorskip("pyspark")
pytestmark = [pytest.mark.db, pytest.mark.dbt, pytest.mark.spark]

START, FIRST_END = dt.date(2018, 6, 1), dt.date(2018, 7, 31)
SCHEMAS = ("raw_vault", "business_vault", "marts")
Table = dict[str, Counter[tuple[object, ...]]]


def _value(value: object) -> object:
    """One spelling per value across the engines (see the module's docstring)."""
    if isinstance(value, bytearray | memoryview):
        return bytes(value)
    if isinstance(value, Decimal | float):
        # PostgreSQL computes with exact numerics, Spark with doubles over the numeric text: equal
        # to far more places than the data's two decimals.
        return round(float(value), 6)
    return value


def _postgres(db: Database) -> dict[str, tuple[tuple[str, ...], Counter[tuple[object, ...]]]]:
    found = {}
    with db.connect() as conn:
        for schema, table in conn.execute(
                "select table_schema, table_name from information_schema.tables "
                "where table_schema = any(%s) and table_type = 'BASE TABLE' order by 1, 2", (list(SCHEMAS),)):
            columns = [(name, kind) for name, kind in conn.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = %s and table_name = %s order by column_name", (schema, table))]
            selected = sql.SQL(", ").join(
                sql.SQL("{}::text").format(sql.Identifier(n)) if schema == "raw_vault" and kind == "numeric"
                else sql.Identifier(n) for n, kind in columns)
            rows = conn.execute(sql.SQL("select {} from {}").format(selected, sql.Identifier(schema, table)))
            found[f"{schema}.{table}"] = (tuple(n for n, _ in columns),
                                          Counter(tuple(_value(v) for v in row) for row in rows))
    return found


def _spark(spark) -> dict[str, tuple[tuple[str, ...], Counter[tuple[object, ...]]]]:  # type: ignore[no-untyped-def]
    found = {}
    for schema in SCHEMAS:
        for table in spark.catalog.listTables(schema):
            if table.isTemporary or table.tableType not in ("MANAGED", "EXTERNAL"):
                continue  # views, and the temporary views of dbt's incremental runs
            frame = spark.table(f"{schema}.{table.name}")
            columns = tuple(sorted(frame.columns))
            rows = frame.select(*columns).collect()
            found[f"{schema}.{table.name}"] = (columns, Counter(tuple(_value(v) for v in row) for row in rows))
    return found


@pytest.fixture(scope="module")
def engines(pg_server: Database, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:
    db = Database(**{**pg_server.__dict__, "dbname": "olist_spark"})
    ensure_database(pg_server, db.dbname)
    root, spec = make_project(tmp_path_factory.mktemp("olist_spark") / "p", business_vault="all")
    spark = local_session(SparkPlaces.of(root))
    steps = []
    for end in (FIRST_END, None):
        load_replay(db, spec, olist_data(), "month", start=START, end=end, rules=OLIST_RULES)
        build(root, db, spec, mode="builtin")
        steps.append(build_on_spark(root, db, spec))
    yield db, spark, steps
    spark.stop()


def test_the_spark_build_takes_its_first_and_its_incremental_path(engines: tuple) -> None:
    _, _, (first, second) = engines
    assert first.batch_from == 1 and second.batch_from == first.batch_to + 1 and second.batch_to > second.batch_from


def test_every_table_of_the_vault_and_the_marts_is_the_same_on_both_engines(engines: tuple) -> None:
    db, spark, _ = engines
    postgres, on_spark = _postgres(db), _spark(spark)
    assert sorted(postgres) == sorted(on_spark)
    assert len([t for t in postgres if t.startswith("raw_vault.")]) >= 20
    differences = []
    for table in sorted(postgres):
        (columns, rows), (spark_columns, spark_rows) = postgres[table], on_spark[table]
        if columns != spark_columns:
            differences.append(f"{table}: columns {columns} on PostgreSQL, {spark_columns} on Spark")
        elif rows != spark_rows:
            only_pg, only_spark = rows - spark_rows, spark_rows - rows
            differences.append(f"{table}: {sum(only_pg.values())} row(s) only on PostgreSQL, e.g. "
                               f"{sorted(only_pg, key=repr)[:2]}; {sum(only_spark.values())} only on Spark, e.g. "
                               f"{sorted(only_spark, key=repr)[:2]}")
    assert differences == []
