"""``dvkit db``: run the embedded PostgreSQL, or show the external one in DVKIT_DATABASE_URL."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

import click

from generator.cli.common import friendly, out, resolve_project

if TYPE_CHECKING:
    from generator.db import EmbeddedServer


@click.group()
def db() -> None:
    """Run the embedded PostgreSQL (or show the external one in DVKIT_DATABASE_URL)."""


def _server(ctx: click.Context) -> EmbeddedServer:
    from generator.db import EmbeddedServer, project_data_dir

    return EmbeddedServer(project_data_dir(resolve_project(ctx)))


def _external() -> bool:
    from generator.db import URL_ENV

    return bool(os.environ.get(URL_ENV))


@db.command("start")
@click.pass_context
@friendly
def db_start(ctx: click.Context) -> None:
    """Start the embedded server (creating it on first use)."""
    if _external():
        out.print("DVKIT_DATABASE_URL is set: using the external server, nothing to start")
        return
    server = _server(ctx)
    database = server.start()
    out.print(f"embedded PostgreSQL running (pid {server.pid()}): {database.display_url()}")


@db.command("stop")
@click.pass_context
@friendly
def db_stop(ctx: click.Context) -> None:
    """Stop the embedded server."""
    if _external():
        out.print("DVKIT_DATABASE_URL is set: the external server is not dvkit's to stop")
        return
    out.print("stopped" if _server(ctx).stop() else "not running")


@db.command("status")
@click.pass_context
@friendly
def db_status(ctx: click.Context) -> None:
    """Say whether the database is up (exit 1 when it is not)."""
    from generator.db import ctype_of, resolve

    if _external():
        database = resolve(resolve_project(ctx))
        out.print(f"external: {database.display_url()} (ctype {ctype_of(database)})")
        return
    server = _server(ctx)
    if not server.is_running():
        out.print(f"embedded: stopped (data in {server.data_dir})")
        sys.exit(1)
    out.print(f"embedded: running, pid {server.pid()}, data in {server.data_dir}")


@db.command("url")
@click.pass_context
@friendly
def db_url(ctx: click.Context) -> None:
    """Print the connection URL (password masked), starting the embedded server if needed."""
    from generator.db import resolve

    out.print(resolve(resolve_project(ctx)).display_url(), markup=False)


@db.command("env")
@click.pass_context
@friendly
def db_env(ctx: click.Context) -> None:
    """Print shell exports for dbt: eval "$(dvkit db env)"; then dbt build --profiles-dir . in dbt_vault/."""
    import shlex

    from generator.db import resolve

    for key, value in resolve(resolve_project(ctx)).dbt_env().items():
        if key == "DVKIT_PG_PASSWORD" and value:
            # Keep the secret out of the terminal: point at the variable that holds it instead.
            out.print('export DVKIT_PG_PASSWORD="$(python -c \'import os; from psycopg.conninfo import '
                      'conninfo_to_dict as d; print(d(os.environ["DVKIT_DATABASE_URL"]).get("password") or "")\')"',
                      markup=False)
            continue
        out.print(f"export {key}={shlex.quote(value)}", markup=False)
