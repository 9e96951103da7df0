"""The ``dvkit erase`` and ``dvkit db grant-reviewer`` commands (registered by generator.cli)."""

from __future__ import annotations

import os

import click


def register(main: click.Group, db_group: click.Group) -> None:
    """Add ``erase`` to ``main`` and ``grant-reviewer`` to the ``db`` group."""
    from rich.table import Column, Table

    from generator.cli import _resolve_project, _spec, err, friendly, out
    from generator.errors import DvkitError

    @main.command("erase")
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
        from generator.compliance.erase import check_key, hub_key_of, plan_erasure, rebuild_marts, vacuum
        from generator.compliance.erase import erase as run_erase
        from generator.db import resolve
        from generator.lock import vault_lock

        if not reason.strip():
            raise DvkitError("--reason is empty", hint="say why, e.g. --reason 'GDPR art. 17 request #123'")
        project = _resolve_project(ctx)
        spec = _spec(project)
        plan = plan_erasure(spec, entity)
        hub_key = hub_key_of(spec, plan.hub, list(key))
        database = resolve(project)
        with database.connect() as conn:
            check_key(conn, plan, hub_key, list(key))
        for model in plan.not_covered:
            err.print(f"note: {model} holds personal data on a link and is not erased by this command",
                      markup=False)
        if not yes:
            out.print(f"{entity} {hub_key.hex()}: the personal data in {', '.join(plan.tables())} "
                      "will be erased for good.", markup=False)
            click.confirm("Erase it?", abort=True)
        # One writer at a time: no build or load runs while the data is erased and the marts rebuilt.
        ctx.with_resource(vault_lock(database, "erase", on_wait=lambda message: err.print(message, markup=False)))
        result = run_erase(database, spec, entity, list(key), reason)
        table = Table("table", Column("rows erased", justify="right"),
                      title=f"erasure {result.erasure_id}: {entity} {hub_key.hex()}")
        for name, rows in result.rows.items():
            table.add_row(name, f"{rows:,}")
        out.print(table)
        if not result.rows_erased:
            out.print("nothing left to erase for this key (already erased?); the request is logged", markup=False)
            return
        skipped = vacuum(database, result.tables)
        if skipped:
            err.print(f"note: could not VACUUM {', '.join(skipped)}; autovacuum will remove the old row versions",
                      markup=False)
        err.print("rebuilding the business vault and marts", markup=False)
        rebuilt = rebuild_marts(project, database)
        out.print(f"erased {result.rows_erased:,} row(s) in {len(result.tables)} table(s); logged in "
                  f"dvkit.erasure_log ({result.erasure_id})"
                  + ("; business vault and marts rebuilt" if rebuilt else ""), markup=False)
        out.print("the source system must erase this data too, or its next delivery brings it back", markup=False)

    @db_group.command("grant-reviewer")
    @click.argument("role")
    @click.option("--password-env", "password_env", metavar="VAR", default=None,
                  help="Environment variable holding the role's password (not needed on the embedded server).")
    @click.pass_context
    @friendly
    def grant_reviewer(ctx: click.Context, role: str, password_env: str | None) -> None:
        """Create or update ROLE: reads the vault, business vault, marts and erasure log; writes nothing."""
        from generator.compliance.roles import READ_SCHEMAS, reviewer_database
        from generator.compliance.roles import grant_reviewer as run_grant
        from generator.db import resolve

        password = None
        if password_env is not None:
            password = os.environ.get(password_env)
            if not password:
                raise DvkitError(f"the environment variable {password_env} is not set or empty",
                                 hint=f"export {password_env}=... first (the password is never printed)")
        project = _resolve_project(ctx)
        database = resolve(project)
        result = run_grant(database, role, password, _spec(project))
        action = "created" if result.created else "updated"
        out.print(f"role {role} {action}: reads {', '.join(READ_SCHEMAS)}, dvkit.erasure_log and the "
                  "non-personal columns of landing (for source lines); no staging, no writes", markup=False)
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
