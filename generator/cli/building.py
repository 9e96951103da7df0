"""``dvkit build``, ``dvkit rebuild`` and ``dvkit plan``: carry the spec into the database."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.table import Column, Table

from generator.cli.common import (
    AUTOMATE_DV,
    NO_WAIT,
    err,
    friendly,
    hold_vault,
    out,
    project_spec,
    resolve_project,
    say,
)
from generator.errors import DvkitError

if TYPE_CHECKING:
    from generator.db import Database
    from generator.evolution.changes import Plan
    from generator.spec.model import Spec


def require_generated(project: Path, spec: Spec) -> None:
    """Refuse to build models that no longer match the spec."""
    from generator.render.plan import plan
    from generator.render.writer import write

    stale = write(plan(spec), project, check=True)
    if not stale.clean:
        for line in stale.lines(check=True):
            err.print(line, markup=False)
        raise DvkitError("generated models are out of date with the spec", hint="run `dvkit generate` first")


def run_build(project: Path, spec: Spec, database: Database, mode: str, per_batch: bool = False,
              select: tuple[str, ...] = (), rebuild: tuple[str, ...] = (), drop_retired: bool = False) -> None:
    """Build the vault (refusing stale models) and print its tables' row counts."""
    from generator.build import build as build_vault

    require_generated(project, spec)
    result = build_vault(project, database, spec, mode, log=say, progress=lambda m: err.print(f"  {m}", markup=False),
                         per_batch=per_batch, select=select, rebuild=rebuild, drop_retired=drop_retired)
    if result.idle:
        out.print(f"nothing to do ({result.seconds:.1f}s)", markup=False)
        return
    # Recreated tables lost their column privileges: the reviewer roles get them back (see roles.py).
    from generator.compliance.roles import regrant_reviewers

    for line in regrant_reviewers(project, database, spec):
        say(line)
    table = Table("table", Column("rows", justify="right"), Column("added", justify="right"), title="raw vault")
    for name, rows in result.row_counts:
        table.add_row(name, f"{rows:,}", f"{rows - result.rows_before.get(name, 0):,}")
    out.print(table)
    if result.business_counts:
        business = Table("table", Column("rows", justify="right"), title="business vault and marts")
        for name, rows in result.business_counts:
            business.add_row(name, f"{rows:,}")
        out.print(business)
    for name, rows in result.dropped:
        out.print(f"dropped retired table {spec.naming.raw_vault_schema}.{name} ({rows:,} rows)", markup=False)
    for where, count in sorted(result.null_keys.items()):
        out.print(f"NULL or empty business key: {count:,} row(s) of {where} not added to the hub", markup=False)
    assert result.package is not None
    out.print(f"built with {result.package.describe()} in {result.seconds:.1f}s", markup=False)


SELECT = click.option("--select", "-s", "select", multiple=True,
                      help="Build only these raw vault tables: names, or dbt's selection syntax (stg_orders+: every "
                           "table fed by the orders); repeatable.")


@click.command()
@AUTOMATE_DV
@click.option("--per-batch", is_flag=True,
              help="Run dbt once per pending batch instead of once for all of them (slower; for comparison).")
@SELECT
@click.option("--drop-retired", is_flag=True,
              help="Drop the raw vault tables the spec no longer declares (their rows are listed first).")
@click.option("--target", type=click.Choice(["postgres", "spark"]), default="postgres", show_default=True,
              help="The engine that builds the vault: spark copies landing to the project's local Spark and "
                   "builds there (see `dvkit spark`).")
@NO_WAIT
@click.pass_context
@friendly
def build(ctx: click.Context, automate_dv: str, per_batch: bool, select: tuple[str, ...], drop_retired: bool,
          target: str, no_wait: bool) -> None:
    """Carry out the plan: load pending batches, backfill new tables; then the business vault and marts."""
    from generator.db import resolve

    project = resolve_project(ctx)
    spec = project_spec(project)
    database = resolve(project)
    hold_vault(ctx, database, "build", not no_wait)
    if target == "spark":
        if per_batch or select or drop_retired or automate_dv == "hub":
            raise DvkitError("--per-batch, --select, --drop-retired and --automate-dv hub go with the postgres target",
                             hint="on Spark the vault is built from dvkit's own macros, all tables at once")
        require_generated(project, spec)
        from generator.cli.spark import run_spark_build

        run_spark_build(ctx)
        return
    run_build(project, spec, database, automate_dv, per_batch, select, drop_retired=drop_retired)


@click.command()
@click.argument("models", nargs=-1)
@click.option("--all", "everything", is_flag=True, help="Rebuild every raw vault table.")
@AUTOMATE_DV
@NO_WAIT
@click.pass_context
@friendly
def rebuild(ctx: click.Context, models: tuple[str, ...], everything: bool, automate_dv: str, no_wait: bool) -> None:
    """Build raw vault tables again from every landed batch (names, or dbt selection: stg_order_reviews+).

    The result equals a vault built batch by batch with the current spec; erased personal data stays
    erased (it is erased in landing too). Other tables load their pending batches as in `dvkit build`.
    """
    from generator.build import resolve_selection
    from generator.db import resolve

    if not models and not everything:
        raise DvkitError("name the tables to rebuild",
                         hint="e.g. `dvkit rebuild hub_review sat_review_score`, `dvkit rebuild stg_order_reviews+` "
                              "(every table fed by that source), or `--all`")
    project = resolve_project(ctx)
    spec = project_spec(project)
    database = resolve(project)
    hold_vault(ctx, database, "rebuild", not no_wait)
    chosen = tuple(spec.vault_models() if everything
                   else resolve_selection(project, database, models, spec, automate_dv))
    err.print(f"rebuilding from landing: {', '.join(chosen)}", markup=False)
    run_build(project, spec, database, automate_dv, rebuild=chosen)


@click.command("plan")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
@friendly
def plan_command(ctx: click.Context, fmt: str) -> None:
    """What `dvkit build` would do: per raw vault table, unchanged, pending, new, additive, breaking or retired.

    Exit status 0 when a build can carry the plan out, 3 when a breaking change needs a decision.
    """
    import json

    from generator.build import vault_plan
    from generator.db import resolve

    project = resolve_project(ctx)
    spec = project_spec(project)
    plan, _ = vault_plan(project, resolve(project), spec)
    if fmt == "json":
        out.print(json.dumps(plan.as_json(), indent=2), markup=False)
    else:
        for line in plan_lines(plan):
            out.print(line, markup=False)
    if not plan.safe:
        sys.exit(3)


def plan_lines(plan: Plan) -> list[str]:
    """The plan as text: a line per table (unchanged ones counted), then retired tables and the verdict."""
    lines = [f"landed batches: 1..{plan.last_loaded}"]
    unchanged = [m for m in plan.models if m.status == "unchanged"]
    for m in plan.models:
        if m.status == "unchanged":
            continue
        batches = f" [batches {m.first_batch}..{m.last_batch}]" if m.first_batch <= m.last_batch else ""
        reasons = f": {'; '.join(m.reasons)}" if m.reasons else ""
        lines.append(f"  {m.status:<9} {m.model}{batches}{reasons}")
    if unchanged:
        lines.append(f"  unchanged {len(unchanged)} table(s): {', '.join(m.model for m in unchanged)}")
    for table in plan.retired:
        lines.append(f"  retired   {table}: no longer in the spec; kept (`dvkit build --drop-retired` drops it)")
    if plan.business_stale:
        lines.append("  business vault and marts: to be built")
    lines += [f"note: {note}" for note in plan.notes]
    if plan.breaking:
        lines.append("breaking changes need a decision: `dvkit rebuild "
                     + " ".join(m.model for m in plan.breaking) + "` (or undo the change in the spec)")
    elif plan.idle:
        lines.append("nothing to do")
    else:
        lines.append("`dvkit build` carries this plan out")
    return lines
