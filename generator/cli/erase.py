"""``dvkit erase ENTITY KEY``: erase one person's personal data (the sequence is the library's)."""

from __future__ import annotations

import click
from rich.table import Column, Table

from generator.cli.common import err, friendly, out, project_spec, resolve_project, say
from generator.errors import DvkitError


@click.command("erase")
@click.argument("entity")
@click.argument("key", nargs=-1, required=True)
@click.option("--reason", required=True,
              help="Why (e.g. the request's ticket); logged, so no personal data in it.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
@friendly
def erase(ctx: click.Context, entity: str, key: tuple[str, ...], reason: str, yes: bool) -> None:
    """Erase the personal data of one KEY of hub ENTITY (e.g. customer, review), and log it.

    Personal-data satellites keep their rows (key, load time, record source) with an empty
    payload, the landing rows lose their personal columns, the marts are rebuilt. The source
    system must erase too, or a new delivery brings the data back.
    """
    from generator.compliance.erase import ErasureResult
    from generator.compliance.erasure import carry_out, check, prepare
    from generator.db import resolve

    if not reason.strip():
        raise DvkitError("--reason is empty", hint="say why, e.g. --reason 'GDPR art. 17 request #123'")
    project = resolve_project(ctx)
    spec = project_spec(project)
    request = prepare(spec, entity, key)
    database = resolve(project)
    check(database, request)
    for note in request.notes():
        err.print(f"note: {note}", markup=False)
    if not yes:
        out.print(request.confirmation(), markup=False)
        click.confirm("Erase it?", abort=True)

    def show(result: ErasureResult) -> None:
        table = Table("table", Column("rows erased", justify="right"),
                      title=f"erasure {result.erasure_id}: {entity} {request.hub_key.hex()}")
        for name, rows in result.rows.items():
            table.add_row(name, f"{rows:,}")
        out.print(table)

    outcome = carry_out(project, database, spec, request, reason, log=say, on_erased=show)
    for line in outcome.lines():
        out.print(line, markup=False)
