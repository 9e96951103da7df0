"""``dvkit build --target spark``: the same generated models, built by dbt-spark in the local session.

A Spark build copies the batches Spark lacks (``generator.spark.landing``), runs the raw vault's dbt
project on them with the ``spark`` target of the profile, then the business vault and marts, and
records what it built in Spark itself (``dvkit.builds``), beside the tables it describes: deleting the
Spark folder forgets both together.

PostgreSQL keeps what only it does: loading, quarantine, the vault's lock, the audit trail, and the
evolution of the vault as the spec changes (plan, backfill, rebuild of one table). On Spark the
vault is rebuilt whole when its inputs stop being plain appends:

- the generated models changed since the last Spark build (a spec change), or
- a batch arrived whose load time is older than one already built (a late batch);

then the build stops and says to run ``dvkit spark reset`` and build again.

AutomateDV's release has no Spark implementations (its Spark-like platform is Databricks), so a
Spark build always runs dvkit's own macros. A release installed in ``dbt_vault/dbt_packages`` for
PostgreSQL is parked under ``.dvkit/`` for the Spark build and put back after it (also by the next
build, should a build be killed in between), so PostgreSQL's builds keep using it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from generator.build import (
    BUILTIN_MARKER,
    PARKED_RELEASE,
    installed_automate_dv,
    resolve_automate_dv,
    restore_parked_release,
    run_dbt,
)
from generator.db import Database
from generator.errors import DvkitError
from generator.evolution.state import files_digest
from generator.places import BUSINESS_PROJECT, DBT_PROJECT, LANDING
from generator.spark.landing import copy_landing
from generator.spark.session import SparkPlaces, local_session
from generator.spec.model import Spec

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

Log = Callable[[str], None]
TARGET = ["--target", "spark"]
RECORD = "dvkit.builds"


@dataclass
class SparkBuild:
    """What a Spark build did."""

    batch_from: int = 0
    batch_to: int = 0
    row_counts: list[tuple[str, int]] = field(default_factory=list)
    business_counts: list[tuple[str, int]] = field(default_factory=list)
    seconds: float = 0.0
    # Where the time went: "session and landing" (the JVM's start, the copy of new batches),
    # "raw vault", "business vault and marts" (each one dbt build), "row counts".
    phases: dict[str, float] = field(default_factory=dict)

    @property
    def idle(self) -> bool:
        return self.batch_to == 0


def models_digest(project_dir: Path) -> str:
    """What the raw vault on Spark is built from: the generated models and the macros."""
    return files_digest(project_dir / DBT_PROJECT, ["dbt_project.yml", "models", "macros", "automate_dv_local"])


def build_on_spark(project_dir: Path, db: Database, spec: Spec, log: Log = lambda _: None,
                   progress: Log | None = None) -> SparkBuild:
    """Copy the new batches to Spark and build the raw vault, business vault and marts there."""
    started = time.monotonic()
    clock = _Clock()
    places = SparkPlaces.of(project_dir)
    spark = local_session(places)
    copy_landing(db, spark, spec, places.warehouse.parent / "incoming", log=log)
    spark.sql("create database if not exists dvkit")
    spark.sql(f"create table if not exists {RECORD} (batch_from bigint, batch_to bigint, models_digest string, "
              "built_at timestamp_ntz) using parquet")
    built = spark.sql(f"select max(batch_to), max_by(models_digest, batch_to) from {RECORD}").collect()[0]
    last_built, digest = int(built[0] or 0), built[1]
    landed = spark.sql(f"select batch_id, load_ts from {LANDING}.batches order by batch_id").collect()
    pending = [row for row in landed if row[0] > last_built]
    result = SparkBuild()
    result.phases["session and landing"] = clock.lap()
    if not pending:
        log("nothing new to build on Spark")
        result.seconds = time.monotonic() - started
        return result
    _refuse_rebuilds(project_dir, digest, last_built, landed, pending)
    result.batch_from, result.batch_to = pending[0][0], pending[-1][0]
    log(f"building batches {result.batch_from}..{result.batch_to} on Spark")
    with builtin_automate_dv(project_dir, log):
        _run(project_dir, db, ["build", *TARGET], (result.batch_from, result.batch_to), progress, DBT_PROJECT,
             "the raw vault")
    result.phases["raw vault"] = clock.lap()
    if any((project_dir / BUSINESS_PROJECT / "models").rglob("*.sql")):
        # The dbt unit tests' fixtures are PostgreSQL's SQL (bytea keys); they test the models' logic,
        # which PostgreSQL's build checks: on Spark the models and their data tests run.
        _run(project_dir, db, ["build", *TARGET, "--exclude-resource-type", "unit_test"], None, progress,
             BUSINESS_PROJECT, "the business vault and marts")
        result.phases["business vault and marts"] = clock.lap()
    spark.createDataFrame([(result.batch_from, result.batch_to, models_digest(project_dir),
                            dt.datetime.now().replace(microsecond=0))],
                          "batch_from bigint, batch_to bigint, models_digest string, built_at timestamp_ntz") \
        .write.insertInto(RECORD)
    result.row_counts = counts(spark, spec.naming.raw_vault_schema)
    result.business_counts = [(f"{schema}.{name}", rows) for schema in ("business_vault", "marts")
                              for name, rows in counts(spark, schema)]
    result.phases["row counts"] = clock.lap()
    result.seconds = time.monotonic() - started
    return result


class _Clock:
    """Seconds since the last lap."""

    def __init__(self) -> None:
        self.last = time.monotonic()

    def lap(self) -> float:
        now = time.monotonic()
        seconds, self.last = now - self.last, now
        return round(seconds, 2)


@contextlib.contextmanager
def builtin_automate_dv(project_dir: Path, log: Log = lambda _: None) -> Iterator[None]:
    """dvkit's own AutomateDV macros for the duration of a Spark build; an installed release is
    parked under ``.dvkit/`` meanwhile and put back afterwards (see the module's docstring)."""
    installed = installed_automate_dv(project_dir)
    parked = project_dir / PARKED_RELEASE
    restore_parked_release(project_dir)
    if installed.is_dir() and not (installed / BUILTIN_MARKER).exists():
        log("AutomateDV's release has no Spark macros: dvkit's own build on Spark; "
            "the installed release is put back afterwards")
        parked.parent.mkdir(parents=True, exist_ok=True)
        installed.rename(parked)
    try:
        resolve_automate_dv(project_dir, "builtin", log)
        yield
    finally:
        restore_parked_release(project_dir)


def _refuse_rebuilds(project_dir: Path, digest: str | None, last_built: int, landed: list, pending: list) -> None:
    """Stop before a build that would not equal a build from scratch: Spark's vault only appends."""
    if not last_built:
        return
    if digest != models_digest(project_dir):
        raise DvkitError("the generated models changed since the vault on Spark was built",
                         hint="on Spark the vault is built again whole after a spec change: "
                              "run `dvkit spark reset`, then `dvkit build --target spark`")
    newest = max(row[1] for row in landed if row[0] <= last_built)
    late = [row[0] for row in pending if row[1] < newest]
    if late:
        raise DvkitError(f"batch(es) {', '.join(map(str, late))} carry load times older than batches already "
                         "built on Spark",
                         hint="on Spark a late batch means a build from scratch: run `dvkit spark reset`, "
                              "then `dvkit build --target spark`")


def _run(project_dir: Path, db: Database, args: list[str], batches: tuple[int, int] | None, progress: Log | None,
         project: str, what: str) -> None:
    with _spark_env(project_dir):
        outcome = run_dbt(project_dir, db, args, batches, progress, project)
    if not outcome.success:
        details = "\n  ".join(outcome.failures) or f"see {project}/logs/dbt.log"
        raise DvkitError(f"dbt build of {what} on Spark failed:\n  {details}",
                         hint="landing on Spark is copied; fix the model and run `dvkit build --target spark` again")


@contextlib.contextmanager
def _spark_env(project_dir: Path) -> Iterator[None]:
    """The profile's ``spark`` output finds the project's warehouse and metastore in the environment."""
    values = SparkPlaces.of(project_dir).dbt_env()
    before = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def counts(spark: SparkSession, database: str) -> list[tuple[str, int]]:
    """Rows of every table of ``database`` on Spark, by name (views left out)."""
    if not spark.catalog.databaseExists(database):
        return []
    # dbt's `__dbt_tmp` relations of an incremental run are temporary views: only stored tables count.
    tables = sorted(t.name for t in spark.catalog.listTables(database)
                    if t.tableType in ("MANAGED", "EXTERNAL") and not t.isTemporary)
    return [(name, int(spark.table(f"{database}.{name}").count())) for name in tables]
