"""The erasure register: which keys were erased, so that no later load brings their personal data back.

``dvkit erase`` records every key it erased in ``dvkit.erasure_register``: the hub, the hash key,
the columns it emptied, the erasure (run) id and when. It holds no business key and no personal
value, only what is needed to recognise the key again.

Every later load applies it (``apply_to_batch``, inside the load's transaction): the rows of the
new batch whose key is registered lose their personal columns as they land, and the lines of the
batch that were set aside and name such a key lose their raw text. Staging reads landing, so the
satellites never see the values; a rebuild or a replay reads the same emptied landing rows. The
counts are the load's to report (``BatchResult.erased``, ``landing.batch_files.rows_erased``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

import psycopg
from psycopg import sql

from generator.compliance.erase import LandingTarget, erase_landing, erase_quarantine, exists
from generator.errors import DvkitError
from generator.places import DVKIT
from generator.spec.model import Spec

REGISTER = (DVKIT, "erasure_register")

REGISTER_DDL = sql.SQL("""
create schema if not exists {schema};
create table if not exists {table} (
    entity text not null,
    hub_key bytea not null,
    erased_columns text[] not null,
    erasure_id bigint not null,
    erased_at timestamptz not null default now(),
    primary key (entity, hub_key)
)
""").format(schema=sql.Identifier(DVKIT), table=sql.Identifier(*REGISTER))


def record(conn: psycopg.Connection, entity: str, keys: Sequence[bytes], columns: Sequence[str],
           erasure_id: int) -> None:
    """Register ``keys`` of hub ``entity`` as erased (a key erased before keeps its first entry)."""
    conn.execute(REGISTER_DDL)
    conn.cursor().executemany(
        sql.SQL("insert into {} (entity, hub_key, erased_columns, erasure_id) values (%s, %s, %s, %s) "
                "on conflict (entity, hub_key) do nothing").format(sql.Identifier(*REGISTER)),
        [(entity, key, list(columns), erasure_id) for key in keys])


def registered(conn: psycopg.Connection) -> dict[str, int]:
    """Keys registered per hub (empty when nothing was ever erased)."""
    if not exists(conn, *REGISTER):
        return {}
    rows = conn.execute(sql.SQL("select entity, count(*) from {} group by 1").format(
        sql.Identifier(*REGISTER))).fetchall()
    return {str(entity): int(count) for entity, count in rows}


def _targets(spec: Spec, entity: str) -> tuple[LandingTarget, ...]:
    """The landing rows an erased key of ``entity`` keeps empty, by today's spec (none if it holds no
    personal data any more)."""
    from generator.compliance.erase import plan_erasure

    try:
        return plan_erasure(spec, entity).landing
    except DvkitError:  # the hub was removed from the spec, or holds no personal data any more
        return ()


def apply_to_batch(conn: psycopg.Connection, spec: Spec, batch_id: int, sources: Iterable[str]) -> dict[str, int]:
    """Empty the personal columns of registered keys in batch ``batch_id``; rows emptied per source.

    Runs in the caller's transaction, on the landing rows of ``sources`` (those the batch delivered).
    Lines of the batch set aside in ``landing.quarantine`` are counted with their source.
    """
    entities = registered(conn)
    if not entities:
        return {}
    delivered = set(sources)
    keys = sql.SQL("(select hub_key from {} where entity = %s)").format(sql.Identifier(*REGISTER))
    emptied: Counter[str] = Counter()
    for entity in sorted(entities):
        targets = [t for t in _targets(spec, entity) if t.source.name in delivered]
        values = _register_values(conn, spec, entity) if targets and exists(conn, "landing", "quarantine") else {}
        for target in targets:
            emptied[target.source.name] += sum(erase_landing(conn, spec, target, sql.SQL("array{}").format(keys),
                                                              [entity], batch_id).values())
            if values:
                emptied[target.source.name] += sum(erase_quarantine(conn, target, values, batch_id).values())
    return {name: count for name, count in sorted(emptied.items()) if count}


def _register_values(conn: psycopg.Connection, spec: Spec, entity: str) -> dict[bytes, Sequence[str]]:
    """The business keys the hub stores for the registered keys of ``entity`` (in memory, to match
    set-aside raw lines, which cannot be hashed column by column)."""
    from generator.compliance.erase import business_keys

    hub = next((h for h in spec.hubs if h.name == entity), None)
    if hub is None or not exists(conn, hub.naming.raw_vault_schema, hub.model):
        return {}
    keys = [bytes(key) for (key,) in conn.execute(
        sql.SQL("select hub_key from {} where entity = %s").format(sql.Identifier(*REGISTER)), (entity,)).fetchall()]
    return dict(business_keys(conn, hub, keys))
