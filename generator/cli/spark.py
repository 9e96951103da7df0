"""``dvkit spark``: the project's local Spark (what it holds, a query, starting over)."""

from __future__ import annotations

import click
from rich.table import Column, Table

from generator.cli.common import NO_WAIT, err, friendly, hold_vault, out, project_spec, resolve_project, say
from generator.errors import DvkitError


@click.group()
def spark() -> None:
    """The local Spark of the project: its tables live under .dvkit/spark (see `dvkit build --target spark`)."""


@spark.command("status")
@click.pass_context
@friendly
def spark_status(ctx: click.Context) -> None:
    """Batches copied to Spark, the last Spark build, and the rows of every table there."""
    from generator.spark.build import RECORD, counts
    from generator.spark.landing import copied_batches
    from generator.spark.session import SparkPlaces, local_session

    project = resolve_project(ctx)
    places = SparkPlaces.of(project)
    if not places.warehouse.exists():
        out.print("no Spark tables yet: run `dvkit build --target spark`", markup=False)
        return
    session = local_session(places)
    batches = copied_batches(session)
    out.print(f"warehouse: {places.warehouse}", markup=False)
    out.print(f"batches copied from landing: {_ranges(batches) or 'none'}", markup=False)
    if session.catalog.tableExists(RECORD):
        last = session.sql(f"select max(batch_to), max(built_at) from {RECORD}").collect()[0]
        out.print(f"built up to batch {last[0]} (last build {last[1]})", markup=False)
    table = Table("table", Column("rows", justify="right"), title="Spark")
    naming = project_spec(project).naming
    for database in ("landing", naming.staging_schema, naming.raw_vault_schema, "business_vault", "marts"):
        for name, rows in counts(session, database):
            table.add_row(f"{database}.{name}", f"{rows:,}")
    out.print(table)


@spark.command("sql")
@click.argument("query")
@click.pass_context
@friendly
def spark_sql(ctx: click.Context, query: str) -> None:
    """Run one Spark SQL query on the project's tables and print its rows (tab-separated)."""
    from pyspark.errors import PySparkException

    from generator.spark.session import SparkPlaces, local_session

    session = local_session(SparkPlaces.of(resolve_project(ctx)))
    try:
        frame = session.sql(query)
        rows = frame.collect()
    except PySparkException as error:
        # Spark's message names the table or column it could not resolve; its plan is left out.
        message = str(error).split("\n", 1)[0]
        raise DvkitError(f"Spark could not run the query: {message}",
                         hint="`dvkit spark status` lists the tables; `describe <table>` lists a table's columns")\
            from None
    # click, not rich: rich would expand the tabs into spaces, and the rows are meant for other tools.
    click.echo("\t".join(frame.columns))
    for row in rows:
        click.echo("\t".join("" if value is None else str(value) for value in row))


@spark.command("reset")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@NO_WAIT
@click.pass_context
@friendly
def spark_reset(ctx: click.Context, yes: bool, no_wait: bool) -> None:
    """Delete the project's Spark tables; the next `dvkit build --target spark` builds from every batch.

    Landing in PostgreSQL is untouched: it is copied to Spark again.
    """
    from generator.db import resolve
    from generator.spark.session import SparkPlaces

    project = resolve_project(ctx)
    hold_vault(ctx, resolve(project), "spark reset", not no_wait)
    if not yes:
        click.confirm("Delete every table of the project's local Spark?", abort=True, err=True)
    places = SparkPlaces.of(project)
    out.print("deleted the local Spark tables" if places.remove() else "no Spark tables to delete", markup=False)


def run_spark_build(ctx: click.Context) -> None:
    """``dvkit build --target spark``: build on Spark and print the tables' row counts."""
    from generator.db import resolve
    from generator.spark.build import build_on_spark

    project = resolve_project(ctx)
    spec = project_spec(project)
    database = resolve(project)
    result = build_on_spark(project, database, spec, log=say, progress=lambda m: err.print(f"  {m}", markup=False))
    if result.idle:
        out.print(f"nothing to do ({result.seconds:.1f}s)", markup=False)
        return
    for title, rows in (("raw vault on Spark", result.row_counts),
                        ("business vault and marts on Spark", result.business_counts)):
        if rows:
            table = Table("table", Column("rows", justify="right"), title=title)
            for name, count in rows:
                table.add_row(name, f"{count:,}")
            out.print(table)
    out.print(f"built batches {result.batch_from}..{result.batch_to} on Spark in {result.seconds:.1f}s",
              markup=False)


def _ranges(batches: list[int]) -> str:
    """1, 2, 3, 5 -> '1..3, 5'.

    >>> _ranges([1, 2, 3, 5, 7, 8])
    '1..3, 5, 7..8'
    """
    parts: list[str] = []
    for batch in batches:
        if parts and batch == int(parts[-1].split("..")[-1]) + 1:
            parts[-1] = f"{parts[-1].split('..')[0]}..{batch}"
        else:
            parts.append(str(batch))
    return ", ".join(parts)
