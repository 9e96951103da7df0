"""``dvkit docs``: dbt's documentation sites of both dbt projects, with the database's catalog, and the diagram."""

from __future__ import annotations

import click

from generator.cli.building import require_generated
from generator.cli.common import AUTOMATE_DV, friendly, out, project_spec, resolve_project, say


@click.command("docs")
@AUTOMATE_DV
@click.pass_context
@friendly
def docs_command(ctx: click.Context, automate_dv: str) -> None:
    """Run `dbt docs generate` on dbt_vault/ and business_vault/ (when it has models), and draw the model.

    Needs the database, whose catalog gives the built tables' columns; each site is written to the
    dbt project's target/ folder, which `dbt docs serve` shows. The raw vault's diagram goes beside
    dbt_vault/'s site: diagram.svg (a picture) and diagram.mmd (Mermaid text), as `dvkit diagram` draws it.
    """
    from generator.db import resolve
    from generator.dbt_docs import generate_docs
    from generator.diagram.files import write_docs_files
    from generator.places import DBT_PROJECT

    project = resolve_project(ctx)
    spec = project_spec(project)
    require_generated(project, spec)
    sites = generate_docs(project, resolve(project), automate_dv, log=say)
    for site in sites:
        out.print(f"wrote {site.relative_to(project)}", markup=False)
    for drawn in write_docs_files(spec, project / DBT_PROJECT / "target"):
        out.print(f"wrote {drawn.relative_to(project)}", markup=False)
    if sites:
        out.print(f"to browse one: cd {sites[0].parent.parent.relative_to(project)} && "
                  "dbt docs serve --profiles-dir .  (after eval \"$(dvkit db env)\")", markup=False)
