"""Landing on Spark: the batches ``dvkit load`` landed in PostgreSQL, copied batch by batch.

Every delivery goes through one loader (``generator.load``): the same reader, validation,
quarantine, reconciliation, erasure register and audit trail, whichever engine builds the vault.
PostgreSQL stays the control plane (batch log, quarantine, locks, audit); a Spark build first copies
the batches Spark does not have yet, so its vault is built from exactly the rows, batch ids, load
times, record sources, files and lines of the PostgreSQL landing.

Each source's table is Parquet, partitioned by ``_batch_id`` (a build reads only its batches), with
the spec's columns and landing's metadata columns. Copying is idempotent: batches are written with
dynamic partition overwrite, and ``landing.batches``, which says what Spark holds, is written last,
so a copy stopped half way is simply done again. Column types follow PostgreSQL's, with two choices:

- ``timestamp`` is ``TIMESTAMP_NTZ``, a wall-clock time like PostgreSQL's ``timestamp``;
- ``numeric`` stays the **text** PostgreSQL holds ('10.50' keeps its scale), since hash diffs are
  computed from a value's text and Spark's decimals have one scale per column.

>>> spark_type("timestamp"), spark_type("numeric"), spark_type("integer")
('timestamp_ntz', 'string', 'int')
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from psycopg import sql

from generator.db import Database
from generator.load.landing import METADATA
from generator.places import LANDING
from generator.spec.model import Spec

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

SPARK_TYPES = {"text": "string", "integer": "int", "bigint": "bigint", "numeric": "string",
               "double": "double", "boolean": "boolean", "date": "date", "timestamp": "timestamp_ntz"}
METADATA_TYPES = {"bigint not null": "bigint", "timestamp not null": "timestamp_ntz", "text not null": "string",
                  "integer not null": "int"}
BATCH_COLUMNS = (("batch_id", "bigint"), ("load_ts", "timestamp_ntz"), ("source_dir", "string"),
                 ("row_count", "bigint"))
BATCH_FILE_COLUMNS = (("batch_id", "bigint"), ("source", "string"), ("file_name", "string"),
                      ("row_count", "bigint"), ("rows_read", "bigint"), ("rows_quarantined", "bigint"),
                      ("full_extract", "boolean"), ("rows_erased", "bigint"))


def spark_type(spec_type: str) -> str:
    """The Spark SQL type of a landing column of ``spec_type``."""
    return SPARK_TYPES[spec_type]


@dataclass
class CopyResult:
    """What a copy did: the batches copied and the rows per source."""

    batches: list[int] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)


def copied_batches(spark: SparkSession) -> list[int]:
    """The batch ids whose rows Spark's landing holds."""
    if not spark.catalog.tableExists(f"{LANDING}.batches"):
        return []
    return sorted(row[0] for row in spark.sql(f"select batch_id from {LANDING}.batches").collect())


def copy_landing(db: Database, spark: SparkSession, spec: Spec, work_dir: Path, again: bool = False,
                 log: Callable[[str], None] = lambda _: None) -> CopyResult:
    """Copy the batches of PostgreSQL's landing that Spark lacks (all of them with ``again``).

    ``work_dir`` holds each source's rows on their way (CSV written by PostgreSQL's COPY, read by
    Spark); it is emptied afterwards.
    """
    with db.connect() as conn:
        landed = [row[0] for row in conn.execute(f"select batch_id from {LANDING}.batches order by batch_id")]
        have = set() if again else set(copied_batches(spark))
        wanted = [batch for batch in landed if batch not in have]
        result = CopyResult(wanted)
        spark.sql(f"create database if not exists {LANDING}")
        work_dir.mkdir(parents=True, exist_ok=True)
        for source in spec.sources:
            columns = [(name, spark_type(type_)) for name, type_ in source.columns] + \
                [(name, METADATA_TYPES[type_]) for name, type_ in METADATA]
            _ensure_table(spark, source.name, columns)
            if not wanted:
                continue
            path = work_dir / f"{source.name}.csv"
            query = sql.SQL("copy (select {} from {} where _batch_id = any(%s)) to stdout (format csv)").format(
                sql.SQL(", ").join(sql.Identifier(name) for name, _ in columns), sql.Identifier(LANDING, source.name))
            with path.open("wb") as out, conn.cursor().copy(query, (wanted,)) as copy:
                for chunk in copy:
                    out.write(chunk)
            frame = _read_csv(spark, path, columns)
            result.rows[source.name] = frame.count()
            log(f"  {source.name}: {result.rows[source.name]:,} rows")
            frame.select(*spark.table(f"{LANDING}.{source.name}").columns) \
                .write.insertInto(f"{LANDING}.{source.name}", overwrite=True)
            path.unlink()
        # Last, the batch log: it is what says which batches Spark holds.
        _replace(spark, "batch_files", BATCH_FILE_COLUMNS,
                 conn.execute(sql.SQL("select {} from {}.batch_files order by batch_id, source").format(
                     sql.SQL(", ").join(sql.Identifier(n) for n, _ in BATCH_FILE_COLUMNS),
                     sql.Identifier(LANDING))).fetchall())
        _replace(spark, "batches", BATCH_COLUMNS,
                 conn.execute(sql.SQL("select {} from {}.batches order by batch_id").format(
                     sql.SQL(", ").join(sql.Identifier(n) for n, _ in BATCH_COLUMNS),
                     sql.Identifier(LANDING))).fetchall())
    return result


def _ensure_table(spark: SparkSession, name: str, columns: Sequence[tuple[str, str]]) -> None:
    """Create ``landing.<name>`` partitioned by batch, or add the spec's new columns to it."""
    table = f"{LANDING}.{name}"
    if not spark.catalog.tableExists(table):
        spark.sql(f"create table {table} ({', '.join(f'`{n}` {t}' for n, t in columns)}) using parquet "
                  "partitioned by (_batch_id)")
        return
    present = {column.name for column in spark.catalog.listColumns(table)}
    added = [(n, t) for n, t in columns if n not in present]
    if added:  # a column added to the spec later: older batches hold NULL there, as in PostgreSQL
        spark.sql(f"alter table {table} add columns ({', '.join(f'`{n}` {t}' for n, t in added)})")


def _read_csv(spark: SparkSession, path: Path, columns: Sequence[tuple[str, str]]) -> DataFrame:
    """PostgreSQL's CSV of ``columns``: every field read as text (an unquoted empty field is NULL, a
    quoted one the empty string), then cast to its type."""
    text_schema = ", ".join(f"`{name}` string" for name, _ in columns)
    frame = (spark.read.schema(text_schema).option("multiLine", True).option("escape", '"')
             .option("mode", "FAILFAST").csv(str(path.absolute())))
    return frame.selectExpr(*[f"cast(`{name}` as {type_}) as `{name}`" for name, type_ in columns])


def _replace(spark: SparkSession, name: str, columns: Sequence[tuple[str, str]], rows: list[tuple]) -> None:
    """Overwrite the small table ``landing.<name>`` with ``rows``."""
    schema = ", ".join(f"`{n}` {t}" for n, t in columns)
    spark.createDataFrame(rows, schema).write.mode("overwrite").format("parquet").saveAsTable(f"{LANDING}.{name}")
