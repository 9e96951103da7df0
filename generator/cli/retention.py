"""``dvkit retention [apply]``: personal data past its source's retention, listed, then erased."""

from __future__ import annotations

import datetime as dt

import click
from rich.table import Column, Table

from generator.cli.common import friendly, out, project_spec, resolve_project, say


@click.command("retention")
@click.argument("action", required=False, type=click.Choice(["apply"]))
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%d %H:%M:%S"]), default=None,
              help="Count retention up to this time (default: now, UTC).")
@click.option("--dry-run", is_flag=True, help="List what is past retention and change nothing (also the default "
                                              "without `apply`).")
@click.option("--yes", is_flag=True, help="With apply: do not ask for confirmation.")
@click.pass_context
@friendly
def retention_command(ctx: click.Context, action: str | None, as_of: dt.datetime | None, dry_run: bool,
                      yes: bool) -> None:
    """List the personal data kept longer than its source's `retention:` allows; `apply` erases it.

    A key's clock starts at its last delivery by the source: it is past retention when that
    delivery is older than the retention before --as-of. `apply` erases those keys as `dvkit erase`
    does (and what a data subject reaches), logs and registers them, and rebuilds the marts once.
    """
    from generator.compliance.retention import apply, expired
    from generator.db import resolve

    project = resolve_project(ctx)
    spec = project_spec(project)
    database = resolve(project)
    moment = as_of or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)
    groups = expired(database, spec, moment)
    table = Table("source", "hub", "retention", "last delivery before", Column("keys past retention", justify="right"),
                  "oldest last delivery", title=f"past retention at {moment:%Y-%m-%d %H:%M:%S}")
    for group in groups:
        table.add_row(group.source, group.hub, group.retention, f"{group.cutoff:%Y-%m-%d %H:%M:%S}",
                      f"{len(group.keys):,}", f"{group.oldest:%Y-%m-%d %H:%M:%S}" if group.oldest else "-")
    out.print(table)
    total = sum(len(group.keys) for group in groups)
    if action != "apply" or dry_run:
        out.print(f"{total:,} key(s) past retention; nothing changed" + ("" if action == "apply" else
                  " (`dvkit retention apply` erases them)"), markup=False)
        return
    if not total:
        out.print("nothing past retention: nothing erased", markup=False)
        return
    if not yes:
        click.confirm(f"Erase the personal data of these {total:,} key(s) (and what they reach) for good?", abort=True)
    outcome = apply(project, database, spec, moment, log=say)
    for group, result in outcome.erasures:
        out.print(f"{group.reason}: {len(group.keys):,} {group.hub} key(s), {result.rows_erased:,} row(s) erased "
                  f"(erasure {result.erasure_id})", markup=False)
    out.print(f"erased {outcome.rows_erased:,} row(s); logged in dvkit.erasure_log and dvkit.audit_log"
              + ("; business vault and marts rebuilt" if outcome.marts_rebuilt else ""), markup=False)
