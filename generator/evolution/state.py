"""The record of what each raw vault table was built from (``dvkit.vault_models``).

One row per table: its definition when it was last built (``definition.py``) and the last landing
batch it has consumed. A build writes the row after the dbt run that built the table commits, so a
killed build leaves the table's batches pending and the next build runs them again (the vault
macros insert only what a table does not hold yet).

Databases built before the record existed have ``dvkit.builds`` only: their tables are taken as
built from the current spec up to the last built batch (``adopted``), which is what that build did
unless the spec changed since.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from generator.db import Database
from generator.evolution.definition import Definition
from generator.places import RAW_VAULT as RAW_VAULT_SCHEMA

STATE_DDL = """
create schema if not exists dvkit;
create table if not exists dvkit.builds (
    build_id bigserial primary key,
    batch_from bigint not null,
    batch_to bigint not null,
    automate_dv text not null,
    started_at timestamptz not null,
    finished_at timestamptz not null
);
create table if not exists dvkit.vault_models (
    model text primary key,
    definition jsonb not null,
    last_batch bigint not null,
    built_at timestamptz not null
);
create table if not exists dvkit.projects (
    project text primary key,
    digest text not null,
    built_at timestamptz not null
);
"""


@dataclass(frozen=True)
class Recorded:
    """What the record says of one table."""

    model: str
    definition: dict[str, Any]
    last_batch: int
    adopted: bool = False  # no row yet: taken from dvkit.builds (a database older than the record)


@dataclass(frozen=True)
class VaultState:
    """The database's side of a plan: landed batches, recorded tables, tables that exist."""

    last_loaded: int
    recorded: dict[str, Recorded]
    tables: set[str]  # the raw vault tables that exist
    business_digest: str | None  # ``business_digest`` when the business vault was last built

    def record_digest(self) -> str:
        """A fingerprint of the recorded definitions (not of the batches: a build that adds rows says so)."""
        text = json.dumps({m: r.definition for m, r in sorted(self.recorded.items())}, sort_keys=True)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def ensure(conn: psycopg.Connection) -> None:
    conn.execute(STATE_DDL)


def read(db: Database, current: dict[str, Definition], schema: str = RAW_VAULT_SCHEMA) -> VaultState | None:
    """The state, or None when nothing has been loaded yet; ``schema`` holds the raw vault's tables."""
    with db.connect() as conn:
        ensure(conn)
        conn.commit()
        if not conn.execute("select to_regclass('landing.batches') is not null").fetchone()[0]:  # type: ignore[index]
            return None
        last_loaded = int(conn.execute("select coalesce(max(batch_id), 0) from landing.batches").fetchone()[0])  # type: ignore[index]
        tables = {name for name, in conn.execute(
            "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace "
            "where n.nspname = %s and c.relkind in ('r', 'p')", (schema,)).fetchall()}
        recorded = {model: Recorded(model, definition, int(last))
                    for model, definition, last in conn.execute(
                        "select model, definition, last_batch from dvkit.vault_models").fetchall()}
        if not recorded:  # built before the record existed: adopt what the last build did
            last_built = int(conn.execute("select coalesce(max(batch_to), 0) from dvkit.builds").fetchone()[0])  # type: ignore[index]
            recorded = {model: Recorded(model, d.as_json(), last_built, adopted=True)
                        for model, d in current.items() if model in tables and last_built}
        business = conn.execute("select digest from dvkit.projects where project = 'business_vault'").fetchone()
    return VaultState(last_loaded, recorded, tables, business[0] if business else None)


def record(db: Database, built: Iterable[Definition], last_batch: int) -> None:
    """Say that ``built`` tables now hold every batch up to ``last_batch``, as defined."""
    now = dt.datetime.now(dt.timezone.utc)
    with db.connect() as conn:
        ensure(conn)
        for definition in built:
            conn.execute(
                "insert into dvkit.vault_models (model, definition, last_batch, built_at) values (%s, %s, %s, %s) "
                "on conflict (model) do update set definition = excluded.definition, "
                "last_batch = excluded.last_batch, built_at = excluded.built_at",
                (definition.model, json.dumps(definition.as_json()), last_batch, now))


def forget(db: Database, models: Iterable[str]) -> None:
    """Drop the record of tables no longer in the spec (after their tables are dropped)."""
    with db.connect() as conn:
        ensure(conn)
        conn.execute("delete from dvkit.vault_models where model = any(%s)", (list(models),))


def record_business(db: Database, digest: str) -> None:
    """Say the business vault was built from the raw vault and project files ``digest`` describes."""
    with db.connect() as conn:
        ensure(conn)
        conn.execute(
            "insert into dvkit.projects (project, digest, built_at) values ('business_vault', %s, now()) "
            "on conflict (project) do update set digest = excluded.digest, built_at = excluded.built_at", (digest,))


def forget_business(conn: psycopg.Connection) -> None:
    """The business vault must be built again (its raw vault changed outside a build, e.g. an erasure)."""
    ensure(conn)
    conn.execute("delete from dvkit.projects where project = 'business_vault'")


def files_digest(root: Path, parts: Iterable[str]) -> str:
    """A fingerprint of the files under ``parts`` of ``root`` (files or folders), names and contents.

    >>> files_digest(Path("/nonexistent"), ["models"]) == files_digest(Path("/elsewhere"), ["models"])
    True
    """
    digest = hashlib.sha256()
    for part in parts:
        top = root / part
        for path in sorted([top] if top.is_file() else top.rglob("*")):
            if path.is_file():
                digest.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0")
                digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]
