"""``dvkit db grant-reviewer ROLE [--personal-data]``: a database role that reads the vault and writes nothing."""

from __future__ import annotations

import os

import click

from generator.cli.common import friendly, out, project_spec, resolve_project
from generator.errors import DvkitError


@click.command("grant-reviewer")
@click.argument("role")
@click.option("--password-env", "password_env", metavar="VAR", default=None,
              help="Environment variable holding the role's password (not needed on the embedded server).")
@click.option("--personal-data", "personal_data", is_flag=True, default=False,
              help="Let ROLE read personal data too (e.g. the data protection officer). Without it, ROLE reads "
                   "no column the spec's personal_data: marks, nor any column derived from one.")
@click.pass_context
@friendly
def grant_reviewer(ctx: click.Context, role: str, password_env: str | None, personal_data: bool) -> None:
    """Create or update ROLE: reads the vault, business vault, marts and erasure log; writes nothing.

    By default ROLE reads no personal column anywhere (landing, raw vault, business vault, marts);
    which columns those are is derived from the spec and the lineage of the dbt models, and
    `dvkit build` grants the role again after every build. --personal-data grants every column.
    """
    from generator.compliance.roles import grant_reviewer as run_grant
    from generator.compliance.roles import read_schemas, reviewer_database
    from generator.db import resolve

    password = None
    if password_env is not None:
        password = os.environ.get(password_env)
        if not password:
            raise DvkitError(f"the environment variable {password_env} is not set or empty",
                             hint=f"export {password_env}=... first (the password is never printed)")
    project = resolve_project(ctx)
    database = resolve(project)
    spec = project_spec(project)
    result = run_grant(database, role, password, spec, personal_data=personal_data, project_dir=project)
    schemas = ", ".join(read_schemas(spec))
    action = "created" if result.created else "updated"
    if personal_data:
        out.print(f"role {role} {action} as a personal-data reviewer: reads {schemas}, "
                  "dvkit.erasure_log and landing, personal data included; no staging, no writes", markup=False)
    else:
        out.print(f"role {role} {action}: reads {schemas}, dvkit.erasure_log and landing "
                  "(for source lines), without personal data; no staging, no writes", markup=False)
        out.print(f"personal columns withheld: {len(result.hidden)}"
                  + (f" ({', '.join(result.hidden)})" if result.hidden else ""), markup=False)
    for schema in result.schemas_created:
        out.print(f"schema {schema} created (empty until the next build)", markup=False)
    for note in result.notes:
        out.print(f"note: {note}", markup=False)
    reviewer = reviewer_database(database, role)  # no password in what is printed
    out.print(f"connect as it: psql '{reviewer.display_url()}'", markup=False)
    if password:
        out.print(f"  (password: the value of ${password_env})", markup=False)
    elif not database.embedded:
        out.print("  (no password set: give one with --password-env VAR if the server asks for it)",
                  markup=False)
