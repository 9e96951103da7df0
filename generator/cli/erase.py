"""``dvkit erase ENTITY KEY...``: erase persons' personal data (the sequence is the library's)."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Column, Table

from generator.cli.common import err, friendly, out, project_spec, resolve_project, say
from generator.errors import DvkitError


@click.command("erase")
@click.argument("entity")
@click.argument("key", nargs=-1)
@click.option("--keys-file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Read keys from FILE, one a line (with the KEYs given, if any).")
@click.option("--reason", required=True,
              help="Why (e.g. the request's ticket); logged, so no personal data in it.")
@click.option("--dry-run", is_flag=True, help="List every table, column and row count it would change; change nothing.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
@friendly
def erase(ctx: click.Context, entity: str, key: tuple[str, ...], keys_file: Path | None, reason: str,
          dry_run: bool, yes: bool) -> None:
    """Erase the personal data of the KEYs of hub ENTITY (e.g. customer), and all they reach, and log it.

    A KEY may be any business key the spec knows for the hub (Olist: a customer_unique_id, or an
    order's customer_id). A hub declared a data subject erases what its paths reach too (a
    customer's reviews). All keys are erased in one transaction, the marts rebuilt once. Personal
    satellites keep their rows (key, load time, record source) with an empty payload, the landing
    rows lose their personal columns, and later loads keep these keys' personal data empty.
    """
    from generator.compliance.erase import ErasureResult
    from generator.compliance.erasure import carry_out, check, prepare, read_keys_file
    from generator.db import resolve

    if not reason.strip():
        raise DvkitError("--reason is empty", hint="say why, e.g. --reason 'GDPR art. 17 request #123'")
    values = [*key, *(read_keys_file(keys_file) if keys_file is not None else [])]
    if not values:
        raise DvkitError("no key to erase", hint="give the keys after the entity, or --keys-file FILE")
    project = resolve_project(ctx)
    spec = project_spec(project)
    request = prepare(spec, entity, values)
    database = resolve(project)
    check(database, spec, request)
    for note in request.notes():
        err.print(f"note: {note}", markup=False)
    if not yes and not dry_run:
        out.print(request.confirmation(), markup=False)
        click.confirm("Erase it?", abort=True)

    def show(result: ErasureResult) -> None:
        keys = ", ".join(f"{count:,} {hub}" for hub, count in result.keys.items())
        title = (f"dry run, nothing changed: {keys} key(s)" if result.dry_run
                 else f"erasure {result.erasure_id}: {keys} key(s)")
        table = Table(Column("table", no_wrap=True),
                      Column("rows" + (" it would change" if result.dry_run else " erased"), justify="right"),
                      title=title)
        for name, rows in result.rows.items():
            table.add_row(name, f"{rows:,}")
        out.print(table)
        out.print("columns emptied:", markup=False)
        for name, columns in result.columns.items():  # whole lines, so that they can be searched
            out.print(f"  {name}: {', '.join(columns)}", markup=False, soft_wrap=True)

    outcome = carry_out(project, database, spec, request, reason, log=say, on_erased=show, dry_run=dry_run)
    for line in outcome.lines():
        out.print(line, markup=False)
