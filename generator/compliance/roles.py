"""Read-only roles for reviewers (``dvkit db grant-reviewer ROLE [--personal-data]``).

Two kinds:

- the **reviewer** (the default) reads the raw vault (``raw_vault``), the business vault and marts
  (``business_vault``, ``marts``), the erasure log (``dvkit.erasure_log``), the audit trail
  (``dvkit.audit_log``) and, of ``landing``, the
  batch log and the batch, file and line of every row, so that ``dvkit trace`` can name where a
  version came from; but **no personal column anywhere**: the columns that
  :mod:`generator.compliance.personal` derives from the spec's ``personal_data:`` (landing, the
  satellites fed by them and their hashdiffs, every business vault and mart column whose lineage
  reaches them, and every column whose lineage cannot be shown) are left out.
- the **personal-data reviewer** (``personal_data=True``, e.g. a data protection officer) reads the
  same schemas with every column, landing's personal columns included.

Neither reads ``staging`` or dvkit's other bookkeeping, and neither can write: no insert, update,
delete or truncate on any table, no create in any schema or in the database.

Why column privileges rather than views: the reviewer queries the very tables the documentation,
``dvkit lineage`` and ``dvkit trace`` name (no second set of names to keep in step), a personal
column is refused with an error instead of silently showing NULL, and ``has_column_privilege``
lets ``dvkit trace`` say ``[personal data hidden]`` for exactly those values.

Column privileges belong to a table, and a build that recreates a table (dbt rebuilds every mart,
``dvkit rebuild`` a raw vault table) makes a new one without them. Default privileges cannot grant
columns, so the reviewer has none: a recreated table is unreadable to it (never readable in full)
until :func:`regrant_reviewers`, which ``dvkit build``, ``dvkit erase`` and ``dvkit retention apply``
run after they rebuild tables, grants it again. The personal-data reviewer also has default
privileges in the three schemas. Roles granted are listed in ``dvkit.reviewers`` for that purpose.

Running the command again updates an existing role to exactly these privileges (and its password
when one is given). A role that could escape them is refused: a superuser, a member of other roles,
the owner of objects in the database, or the current user. After granting, the effective privileges
are checked (grants to PUBLIC included) and any access beyond the above undoes the whole grant.

What stays possible, as for every role: connecting, reading the system catalogs, and temporary
tables (the TEMPORARY privilege PUBLIC holds on a database by default), which live only in the
session and are visible to nobody else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

from generator.compliance import audit
from generator.compliance.erase import LOG_SCHEMA, LOG_TABLE, ensure_log
from generator.compliance.personal import PersonalColumns, personal_columns
from generator.db import Database
from generator.errors import DvkitError
from generator.load.landing import METADATA
from generator.places import BUSINESS_VAULT, DVKIT, LANDING, MARTS, RAW_VAULT
from generator.spec.model import Spec

READ_SCHEMAS = (RAW_VAULT, BUSINESS_VAULT, MARTS)  # the raw vault's is the spec's own: ``read_schemas``
LANDING_LOGS = ("batches", "batch_files")
SAFE_ROLE = re.compile(r"[a-z_][a-z0-9_]{0,62}")
RESERVED_ROLES = {"public", "none", "all", "current_user", "current_role", "session_user", "user", "default"}


@dataclass
class ReviewerGrant:
    role: str
    created: bool
    personal_data: bool = False
    schemas_created: list[str] = field(default_factory=list)
    hidden: list[str] = field(default_factory=list)  # schema.table.column of every personal column withheld
    notes: list[str] = field(default_factory=list)


def read_schemas(spec: Spec | None) -> tuple[str, ...]:
    """The schemas a reviewer reads: the raw vault's by the spec's naming convention, the business vault, marts.

    >>> from generator.spec.model import Settings
    >>> from generator.spec.naming import Naming
    >>> read_schemas(Spec(settings=Settings(naming=Naming(raw_vault_schema="rv")))), read_schemas(None)[0]
    (('rv', 'business_vault', 'marts'), 'raw_vault')
    """
    return (spec.naming.raw_vault_schema, *READ_SCHEMAS[1:]) if spec is not None else READ_SCHEMAS


def check_role_name(role: str) -> str:
    """The role name when it is a safe identifier: lowercase letters, digits and underscores."""
    if not SAFE_ROLE.fullmatch(role or ""):
        raise DvkitError(f"'{role}' is not a safe role name",
                         hint="use lowercase letters, digits and underscores, starting with a letter (at most 63)")
    if role.startswith("pg_") or role in RESERVED_ROLES:
        raise DvkitError(f"'{role}' is reserved by PostgreSQL", hint="choose another name, e.g. reviewer")
    return role


def reviewer_database(db: Database, role: str, password: str = "") -> Database:
    """Connection facts for the reviewer role: the same server and database, ``user=role``."""
    return Database(host=db.host, port=db.port, user=check_role_name(role), password=password,
                    dbname=db.dbname, embedded=db.embedded)


def _refuse_escapes(conn: psycopg.Connection, role: str) -> bool:
    """DvkitError when an existing role could not be made read-only; True when the role exists."""
    me = conn.execute("select current_user").fetchone()
    if me and me[0] == role:
        raise DvkitError(f"'{role}' is the user dvkit connects as", hint="name a separate role for reviewers")
    row = conn.execute("select rolsuper from pg_roles where rolname = %s", (role,)).fetchone()
    if row is None:
        return False
    if row[0]:
        raise DvkitError(f"role '{role}' is a superuser: it bypasses every privilege, so it cannot be a reviewer",
                         hint="choose another name, or make it NOSUPERUSER first")
    groups = [name for (name,) in conn.execute(
        "select g.rolname from pg_auth_members m join pg_roles g on g.oid = m.roleid "
        "join pg_roles r on r.oid = m.member where r.rolname = %s order by 1", (role,))]
    if groups:
        raise DvkitError(f"role '{role}' is a member of {', '.join(groups)} and would hold their privileges",
                         hint=f"revoke those memberships (revoke <group> from {role}) or choose another name")
    owned = [name for (name,) in conn.execute(
        """select n.nspname || '.' || c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
           where c.relowner = (select oid from pg_roles where rolname = %(role)s)
           union all
           select nspname from pg_namespace where nspowner = (select oid from pg_roles where rolname = %(role)s)
           union all
           select 'database ' || datname from pg_database
           where datname = current_database() and datdba = (select oid from pg_roles where rolname = %(role)s)
           order by 1 limit 5""", {"role": role})]
    if owned:
        raise DvkitError(f"role '{role}' owns {', '.join(owned)}: an owner may change what it owns",
                         hint="reassign them (reassign owned by ...) or choose another name")
    return True


REGISTRY = ("dvkit", "reviewers")
ALL_COLUMNS = None  # in an allowance: the whole table


def _landing_columns(spec: Spec | None, personal_data: bool = False) -> dict[str, list[str]]:
    """The landing columns a reviewer may read, per table: everything but personal data (unless allowed)."""
    if spec is None:
        return {}
    return {source.name: [c for c in source.column_names if personal_data or c not in source.personal_columns]
            + [name for name, _ in METADATA] for source in spec.sources}


def _excess(conn: psycopg.Connection, role: str, allowed: dict[tuple[str, str], frozenset[str] | None]) -> list[str]:
    """Every privilege of ``role`` beyond ``allowed`` (grants to PUBLIC included).

    ``allowed`` maps each readable table to the columns it may read (``None``: all of them).
    """
    found = [f"create on database {name}" for (name,) in conn.execute(
        "select current_database() where has_database_privilege(%s, current_database(), 'CREATE')", (role,))]
    found += [f"create on schema {name}" for (name,) in conn.execute(
        """select nspname from pg_namespace
           where nspname not like 'pg\\_%%' and nspname <> 'information_schema'
             and has_schema_privilege(%s, oid, 'CREATE') order by 1""", (role,))]
    rows = conn.execute(
        """select n.nspname, c.relname, c.oid,
                  has_any_column_privilege(%(role)s, c.oid, 'SELECT') as can_read,
                  has_any_column_privilege(%(role)s, c.oid, 'INSERT, UPDATE, REFERENCES')
                  or has_table_privilege(%(role)s, c.oid, 'DELETE, TRUNCATE, TRIGGER') as can_write
           from pg_class c join pg_namespace n on n.oid = c.relnamespace
           where c.relkind in ('r', 'p', 'v', 'm', 'f')
             and n.nspname not like 'pg\\_%%' and n.nspname <> 'information_schema'
             and has_schema_privilege(%(role)s, n.oid, 'USAGE')
           order by 1, 2""", {"role": role}).fetchall()
    for schema, table, oid, can_read, can_write in rows:
        if can_write:
            found.append(f"write on {schema}.{table}")
            continue
        if not can_read:
            continue
        if (schema, table) not in allowed:
            found.append(f"select on {schema}.{table}")
            continue
        columns = allowed[(schema, table)]
        if columns is ALL_COLUMNS:
            continue
        readable = {name for (name,) in conn.execute(
            """select attname from pg_attribute
               where attrelid = %s and attnum > 0 and not attisdropped
                 and has_column_privilege(%s, attrelid, attnum, 'SELECT')""", (oid, role))}
        found += [f"select on {schema}.{table}.{c}" for c in sorted(readable - columns)]
    return found


def _tables(conn: psycopg.Connection, schema: str) -> dict[str, list[str]]:
    """The tables and views of ``schema`` with their columns, in order."""
    found: dict[str, list[str]] = {}
    for table, column in conn.execute(
            """select c.relname, a.attname from pg_class c join pg_namespace n on n.oid = c.relnamespace
               join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
               where n.nspname = %s and c.relkind in ('r', 'p', 'v', 'm', 'f') order by 1, a.attnum""",
            (schema,)):
        found.setdefault(str(table), []).append(str(column))
    return found


def ensure_registry(conn: psycopg.Connection) -> None:
    """``dvkit.reviewers``: the roles granted, so that a build can grant them again."""
    conn.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(REGISTRY[0])))
    conn.execute(sql.SQL(
        "create table if not exists {} (role name primary key, personal_data boolean not null, "
        "granted_at timestamptz not null default now())").format(sql.Identifier(*REGISTRY)))


def grant_reviewer(db: Database, role: str, password: str | None = None, spec: Spec | None = None,
                   *, personal_data: bool = False, project_dir: Path | None = None) -> ReviewerGrant:
    """Create or update ``role`` as a read-only reviewer, in one transaction.

    The default reviewer reads no personal column: which they are is derived from ``spec`` and the
    lineage of the dbt projects in ``project_dir`` (both required).
    ``personal_data=True`` makes a reviewer who reads them too. With ``spec``, the landing tables
    become readable (the default reviewer: their non-personal columns, for source lines); landing
    tables of sources added later need the grant again.
    """
    check_role_name(role)
    if password is not None and not password:
        raise DvkitError("the reviewer's password is empty", hint="set the variable to a non-empty password")
    ident = sql.Identifier(role)
    with db.connect() as conn:
        _refuse_escapes(conn, role)
    personal: PersonalColumns | None = None
    if not personal_data:
        if spec is None or project_dir is None:
            raise DvkitError(f"which columns role '{role}' may not read comes from the spec and the dbt projects",
                             hint="run it in a dvkit project (or grant --personal-data)")
        personal = personal_columns(project_dir, spec, db)
    with db.connect() as conn:
        with conn.transaction():
            exists = _refuse_escapes(conn, role)
            grant = ReviewerGrant(role, created=not exists, personal_data=personal_data)
            if personal is not None:
                grant.hidden = personal.listing()
                grant.notes += personal.notes
            if exists:
                attributes = conn.execute(
                    "select rolcreatedb, rolcreaterole, rolreplication, rolbypassrls from pg_roles "
                    "where rolname = %s", (role,)).fetchone()
                assert attributes is not None
                options = [sql.SQL("login")] + [
                    sql.SQL(option) for held, option in zip(
                        attributes, ("nocreatedb", "nocreaterole", "noreplication", "nobypassrls"), strict=True)
                    if held]
                conn.execute(sql.SQL("alter role {} with {}").format(ident, sql.SQL(" ").join(options)))
            else:
                conn.execute(sql.SQL("create role {} with login nosuperuser nocreatedb nocreaterole inherit")
                             .format(ident))
            if password is not None:
                # Sent as a SCRAM verifier computed here: the password itself never reaches the server's logs.
                method = conn.execute("show password_encryption").fetchone()
                algorithm = str(method[0]).encode() if method else b"scram-sha-256"
                verifier = conn.pgconn.encrypt_password(password.encode(), role.encode(), algorithm).decode()
                conn.execute(sql.SQL("alter role {} password {}").format(ident, sql.Literal(verifier)))

            database = sql.Identifier(db.dbname)
            conn.execute(sql.SQL("revoke all on database {} from {}").format(database, ident))
            conn.execute(sql.SQL("grant connect on database {} to {}").format(database, ident))
            schemas = [name for (name,) in conn.execute(
                "select nspname from pg_namespace where nspname not like 'pg\\_%' "
                "and nspname <> 'information_schema' order by 1")]
            for schema in schemas:  # start from nothing, then grant exactly the reviewer's privileges
                target = sql.Identifier(schema)
                conn.execute(sql.SQL("revoke all on all tables in schema {} from {}").format(target, ident))
                conn.execute(sql.SQL("revoke all on all sequences in schema {} from {}").format(target, ident))
                conn.execute(sql.SQL("revoke all on schema {} from {}").format(target, ident))
                conn.execute(sql.SQL("alter default privileges in schema {} revoke all on tables from {}")
                             .format(target, ident))
            allowed: dict[tuple[str, str], frozenset[str] | None] = {}
            for schema in read_schemas(spec):
                if schema not in schemas:  # not built yet: its default privileges must exist before the build
                    conn.execute(sql.SQL("create schema {}").format(sql.Identifier(schema)))
                    grant.schemas_created.append(schema)
                target = sql.Identifier(schema)
                conn.execute(sql.SQL("grant usage on schema {} to {}").format(target, ident))
                for table, columns in _tables(conn, schema).items():
                    hidden = personal.of(schema, table) if personal is not None else frozenset()
                    visible = [c for c in columns if c not in hidden]
                    allowed[(schema, table)] = frozenset(visible) if hidden else ALL_COLUMNS
                    if hidden and visible:
                        conn.execute(sql.SQL("grant select ({}) on {} to {}").format(
                            sql.SQL(", ").join(map(sql.Identifier, visible)), sql.Identifier(schema, table), ident))
                    elif not hidden:
                        conn.execute(sql.SQL("grant select on {} to {}").format(sql.Identifier(schema, table), ident))
                if personal_data:  # column privileges cannot be defaults: only the whole-table reader has them
                    conn.execute(sql.SQL("alter default privileges in schema {} grant select on tables to {}")
                                 .format(target, ident))
            landing = _landing_columns(spec, personal_data)
            existing = {name for (name,) in conn.execute(
                "select table_name from information_schema.tables where table_schema = %s", (LANDING,))}
            landing = {table: columns for table, columns in landing.items() if table in existing}
            if landing:
                conn.execute(sql.SQL("grant usage on schema {} to {}").format(sql.Identifier(LANDING), ident))
                for table in LANDING_LOGS:
                    if table in existing:
                        conn.execute(sql.SQL("grant select on {} to {}").format(sql.Identifier(LANDING, table), ident))
                        allowed[(LANDING, table)] = ALL_COLUMNS
                for table, columns in sorted(landing.items()):
                    conn.execute(sql.SQL("grant select ({}) on {} to {}").format(
                        sql.SQL(", ").join(map(sql.Identifier, columns)), sql.Identifier(LANDING, table), ident))
                    allowed[(LANDING, table)] = frozenset(columns)
            ensure_log(conn)
            conn.execute(sql.SQL("grant usage on schema {} to {}").format(sql.Identifier(LOG_SCHEMA), ident))
            conn.execute(sql.SQL("grant select on {} to {}").format(sql.Identifier(LOG_SCHEMA, LOG_TABLE), ident))
            allowed[(LOG_SCHEMA, LOG_TABLE)] = ALL_COLUMNS
            # The audit trail (who loaded, built and erased what): what a reviewer is there to read.
            audit.ensure(conn)
            conn.execute(sql.SQL("grant select on {} to {}").format(sql.Identifier(DVKIT, "audit_log"), ident))
            allowed[(DVKIT, "audit_log")] = ALL_COLUMNS
            ensure_registry(conn)
            conn.execute(sql.SQL(
                "insert into {} (role, personal_data) values (%s, %s) on conflict (role) do update "
                "set personal_data = excluded.personal_data, granted_at = now()").format(sql.Identifier(*REGISTRY)),
                (role, personal_data))

            # PostgreSQL 15+ no longer lets PUBLIC create in schema public; an older or upgraded server may.
            # The role's own grants are gone and it belongs to no group: what is left comes from PUBLIC.
            public_create = conn.execute(
                "select has_schema_privilege(%s, oid, 'CREATE') from pg_namespace where nspname = 'public'",
                (role,)).fetchone()
            if public_create and public_create[0]:
                conn.execute("revoke create on schema public from public")
                grant.notes.append("revoked CREATE on schema public from PUBLIC (PostgreSQL 15's default)")
            excess = _excess(conn, role, allowed)
            if excess:
                raise DvkitError(f"role '{role}' would still hold: {'; '.join(excess[:5])}"
                                 + (f" and {len(excess) - 5} more" if len(excess) > 5 else ""),
                                 hint="these come from grants to PUBLIC or another role; revoke them, then run "
                                      "grant-reviewer again (nothing was changed)")
    return grant


def regrant_reviewers(project_dir: Path, db: Database, spec: Spec) -> list[str]:
    """Grant every role of ``dvkit.reviewers`` again (after a build recreated tables); what was done, in words.

    A role dropped since is left out and said so; a role that can no longer be a reviewer (it
    joined a group, became a superuser) is said so and keeps what it had.
    """
    with db.connect() as conn:
        exists = conn.execute("select to_regclass(%s) is not null",
                              (sql.Identifier(*REGISTRY).as_string(conn),)).fetchone()
        if not exists or not exists[0]:
            return []
        roles = conn.execute(sql.SQL(
            "select r.role, r.personal_data, p.rolname is not null from {} r "
            "left join pg_roles p on p.rolname = r.role order by 1").format(sql.Identifier(*REGISTRY))).fetchall()
    done: list[str] = []
    for role, personal_data, alive in roles:
        kind = "personal-data reviewer" if personal_data else "reviewer"
        if not alive:
            done.append(f"{kind} {role}: the role no longer exists, left out")
            continue
        try:
            grant_reviewer(db, str(role), spec=spec, personal_data=bool(personal_data), project_dir=project_dir)
        except DvkitError as exc:
            done.append(f"{kind} {role}: not granted again: {exc.message}")
            continue
        done.append(f"{kind} {role}: privileges granted again")
    return done
