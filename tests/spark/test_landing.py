"""Landing on Spark: the batches landed in PostgreSQL, copied to Spark row for row and only once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from generator.db import Database, ensure_database
from generator.spark.landing import copied_batches, copy_landing
from generator.spark.session import SparkPlaces, local_session
from generator.spec.model import Spec

from ..integration.project import make_project
from .items import deliver_items

pytest.importorskip("pyspark")
pytestmark = [pytest.mark.db, pytest.mark.spark]

SPEC = """\
    sources:
      - name: items
        file: items.csv
        columns:
          item_id: text
          note: text
          price: numeric
          seen_at: timestamp
          quantity: integer
    hubs:
      - name: item
        business_key: item_id
        sources: [{source: items}]
    satellites:
      - name: item_details
        parent: item
        source: items
        payload: [note, price, seen_at, quantity]
    """
# Text that CSV must carry intact: a quote, a comma, a line break, non-ASCII letters, an empty field.
FIRST = ('item_id,note,price,seen_at,quantity\n'
         'a,"says ""hi"", twice",10.50,2021-01-02 03:04:05,1\n'
         'b,"two\nlines",7,2021-01-02 03:04:05.5,\n'
         'c,São Paulo — açaí,,,3\n')
SECOND = 'item_id,note,price,seen_at,quantity\na,changed,11.00,2021-02-01 00:00:00,2\nd,,0.125,,\n'
T1, T2 = dt.datetime(2021, 1, 31), dt.datetime(2021, 2, 28)
COLUMNS = ("item_id, note, price::text, seen_at, quantity, _batch_id, _load_ts, _record_source, _source_file, "
           "_source_line")


@pytest.fixture(scope="module")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    session = local_session(SparkPlaces.of(tmp_path_factory.mktemp("spark")))
    yield session
    session.stop()


@pytest.fixture(scope="module")
def project(pg_server: Database, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Database, Spec]:
    db = Database(**{**pg_server.__dict__, "dbname": "spark_landing"})
    ensure_database(pg_server, db.dbname)
    root, spec = make_project(tmp_path_factory.mktemp("spark_landing") / "p", {"items.yml": SPEC})
    return root, db, spec


def _postgres_rows(db: Database) -> list[tuple]:
    with db.connect() as conn:
        return conn.execute(f"select {COLUMNS} from landing.items order by _batch_id, _source_line").fetchall()


def _spark_rows(spark) -> list[tuple]:  # type: ignore[no-untyped-def]
    return [tuple(row) for row in spark.sql(
        "select item_id, note, price, seen_at, quantity, _batch_id, _load_ts, _record_source, _source_file, "
        "_source_line from landing.items order by _batch_id, _source_line").collect()]


def test_batches_are_copied_row_for_row_once_each(project: tuple[Path, Database, Spec], spark) -> None:  # type: ignore[no-untyped-def]
    root, db, spec = project
    deliver_items(root, db, spec, "b1", FIRST, T1)
    first = copy_landing(db, spark, spec, root / ".dvkit" / "spark" / "incoming")
    assert first.batches == [1] and first.rows == {"items": 3}
    assert _spark_rows(spark) == _postgres_rows(db)
    rows = {row[0]: row for row in _spark_rows(spark)}
    assert rows["a"][1] == 'says "hi", twice' and rows["b"][1] == "two\nlines"
    assert rows["c"][1] == "São Paulo — açaí" and rows["c"][2] is None and rows["c"][3] is None
    assert rows["a"][2] == "10.50"  # the scale as delivered, which a hash diff of the text sees
    assert rows["b"][3] == dt.datetime(2021, 1, 2, 3, 4, 5, 500000) and rows["a"][6] == T1

    deliver_items(root, db, spec, "b2", SECOND, T2)
    second = copy_landing(db, spark, spec, root / ".dvkit" / "spark" / "incoming")
    assert second.batches == [2] and second.rows == {"items": 2}
    assert _spark_rows(spark) == _postgres_rows(db)
    assert copied_batches(spark) == [1, 2]
    assert spark.sql("select load_ts from landing.batches order by batch_id").collect()[1][0] == T2

    nothing = copy_landing(db, spark, spec, root / ".dvkit" / "spark" / "incoming")
    assert nothing.batches == [] and len(_spark_rows(spark)) == 5

    # Copying everything again (after landing changed in place, e.g. an erasure) replaces, never adds.
    again = copy_landing(db, spark, spec, root / ".dvkit" / "spark" / "incoming", again=True)
    assert again.batches == [1, 2] and _spark_rows(spark) == _postgres_rows(db)
    assert Decimal(_spark_rows(spark)[-1][2]) == Decimal("0.125")
