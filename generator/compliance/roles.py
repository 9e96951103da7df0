"""A least-privilege, read-only role for reviewers (``dvkit db grant-reviewer ROLE``).

The reviewer reads the raw vault (``raw_vault``), the business vault and marts (``business_vault``,
``marts``) and the erasure log (``dvkit.erasure_log``); of ``landing``, only the batch log and the
columns of each source that are not personal data (the business keys, the non-personal payload and
the batch, file and line of every row), so that ``dvkit trace`` can name the file and line a version
came from; nothing else: no personal column of landing, not ``staging``, not dvkit's other
bookkeeping. It can write
nowhere: no insert, update, delete or truncate on any table, no create in any schema or in the
database. Tables created by later builds stay readable: the grant sets the default privileges of the
role that builds (the current user) in the three schemas.

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

import psycopg
from psycopg import sql

from generator.compliance.erase import LOG_SCHEMA, LOG_TABLE, ensure_log
from generator.db import Database
from generator.errors import DvkitError
from generator.load.landing import METADATA
from generator.places import BUSINESS_VAULT, LANDING, MARTS, RAW_VAULT
from generator.spec.model import Spec

READ_SCHEMAS = (RAW_VAULT, BUSINESS_VAULT, MARTS)
LANDING_LOGS = ("batches", "batch_files")
SAFE_ROLE = re.compile(r"[a-z_][a-z0-9_]{0,62}")
RESERVED_ROLES = {"public", "none", "all", "current_user", "current_role", "session_user", "user", "default"}


@dataclass
class ReviewerGrant:
    role: str
    created: bool
    schemas_created: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


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


def _landing_columns(spec: Spec | None) -> dict[str, list[str]]:
    """The landing columns a reviewer may read, per table: everything but personal data."""
    if spec is None:
        return {}
    return {source.name: [c for c in source.column_names if c not in source.personal_columns]
            + [name for name, _ in METADATA] for source in spec.sources}


def _excess(conn: psycopg.Connection, role: str, landing: dict[str, list[str]] | None = None) -> list[str]:
    """Every privilege of ``role`` beyond the reviewer's (grants to PUBLIC included)."""
    found = [f"create on database {name}" for (name,) in conn.execute(
        "select current_database() where has_database_privilege(%s, current_database(), 'CREATE')", (role,))]
    found += [f"create on schema {name}" for (name,) in conn.execute(
        """select nspname from pg_namespace
           where nspname not like 'pg\\_%%' and nspname <> 'information_schema'
             and has_schema_privilege(%s, oid, 'CREATE') order by 1""", (role,))]
    rows = conn.execute(
        """select n.nspname, c.relname,
                  has_any_column_privilege(%(role)s, c.oid, 'SELECT') as can_read,
                  has_any_column_privilege(%(role)s, c.oid, 'INSERT, UPDATE, REFERENCES')
                  or has_table_privilege(%(role)s, c.oid, 'DELETE, TRUNCATE, TRIGGER') as can_write
           from pg_class c join pg_namespace n on n.oid = c.relnamespace
           where c.relkind in ('r', 'p', 'v', 'm', 'f')
             and n.nspname not like 'pg\\_%%' and n.nspname <> 'information_schema'
             and has_schema_privilege(%(role)s, n.oid, 'USAGE')
           order by 1, 2""", {"role": role}).fetchall()
    landing = landing or {}
    for schema, table, can_read, can_write in rows:
        allowed = schema in READ_SCHEMAS or (schema, table) == (LOG_SCHEMA, LOG_TABLE) or (
            schema == LANDING and (table in LANDING_LOGS or table in landing))
        if can_write:
            found.append(f"write on {schema}.{table}")
        elif can_read and not allowed:
            found.append(f"select on {schema}.{table}")
        elif can_read and schema == LANDING and table in landing:
            readable = {name for (name,) in conn.execute(
                """select attname from pg_attribute
                   where attrelid = %s::regclass and attnum > 0 and not attisdropped
                     and has_column_privilege(%s, attrelid, attnum, 'SELECT')""",
                (f"{LANDING}.{table}", role))}
            found += [f"select on {schema}.{table}.{c}" for c in sorted(readable - set(landing[table]))]
    return found


def grant_reviewer(db: Database, role: str, password: str | None = None, spec: Spec | None = None) -> ReviewerGrant:
    """Create or update ``role`` as a read-only reviewer, in one transaction.

    With ``spec``, the non-personal columns of the landing tables become readable too (for source
    lines); landing tables of sources added later need the grant again.
    """
    check_role_name(role)
    if password is not None and not password:
        raise DvkitError("the reviewer's password is empty", hint="set the variable to a non-empty password")
    ident = sql.Identifier(role)
    with db.connect() as conn:
        with conn.transaction():
            exists = _refuse_escapes(conn, role)
            grant = ReviewerGrant(role, created=not exists)
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
            for schema in READ_SCHEMAS:
                if schema not in schemas:  # not built yet: its default privileges must exist before the build
                    conn.execute(sql.SQL("create schema {}").format(sql.Identifier(schema)))
                    grant.schemas_created.append(schema)
                target = sql.Identifier(schema)
                conn.execute(sql.SQL("grant usage on schema {} to {}").format(target, ident))
                conn.execute(sql.SQL("grant select on all tables in schema {} to {}").format(target, ident))
                conn.execute(sql.SQL("alter default privileges in schema {} grant select on tables to {}")
                             .format(target, ident))
            landing = _landing_columns(spec)
            existing = {name for (name,) in conn.execute(
                "select table_name from information_schema.tables where table_schema = %s", (LANDING,))}
            landing = {table: columns for table, columns in landing.items() if table in existing}
            if landing:
                conn.execute(sql.SQL("grant usage on schema {} to {}").format(sql.Identifier(LANDING), ident))
                for table in LANDING_LOGS:
                    if table in existing:
                        conn.execute(sql.SQL("grant select on {} to {}").format(sql.Identifier(LANDING, table), ident))
                for table, columns in sorted(landing.items()):
                    conn.execute(sql.SQL("grant select ({}) on {} to {}").format(
                        sql.SQL(", ").join(map(sql.Identifier, columns)), sql.Identifier(LANDING, table), ident))
            ensure_log(conn)
            conn.execute(sql.SQL("grant usage on schema {} to {}").format(sql.Identifier(LOG_SCHEMA), ident))
            conn.execute(sql.SQL("grant select on {} to {}").format(sql.Identifier(LOG_SCHEMA, LOG_TABLE), ident))

            # PostgreSQL 15+ no longer lets PUBLIC create in schema public; an older or upgraded server may.
            # The role's own grants are gone and it belongs to no group: what is left comes from PUBLIC.
            public_create = conn.execute(
                "select has_schema_privilege(%s, oid, 'CREATE') from pg_namespace where nspname = 'public'",
                (role,)).fetchone()
            if public_create and public_create[0]:
                conn.execute("revoke create on schema public from public")
                grant.notes.append("revoked CREATE on schema public from PUBLIC (PostgreSQL 15's default)")
            excess = _excess(conn, role, landing)
            if excess:
                raise DvkitError(f"role '{role}' would still hold: {'; '.join(excess[:5])}"
                                 + (f" and {len(excess) - 5} more" if len(excess) > 5 else ""),
                                 hint="these come from grants to PUBLIC or another role; revoke them, then run "
                                      "grant-reviewer again (nothing was changed)")
    return grant
