"""Erase persons: every key given, and everything a data subject reaches, in one transaction.

A hub declared a data subject in the spec (``data_subject: {reaches: [[order, review]]}``) is a
person: erasing one of its keys erases the personal data of its own satellites and, following each
path link by link through the raw vault, that of every key reached (Olist: the customer's orders,
then the reviews of those orders). A hub that is not a data subject erases its own personal data
only.

Keys are typed as a person would, and may be any business key the spec knows for the hub: the
hub's own key, or a column that a lookup of the spec maps to it (Olist: an order's ``customer_id``
is looked up in ``customers`` to give the person's ``customer_unique_id``). Every key must match;
one that matches nothing refuses the whole request, naming the key the hub uses.

One run writes, besides the erased tables: one row per erased key in ``dvkit.erasure_log`` (every
key given, and each key reached whose data changed; all share the run's ``run_id``), and every key
erased in ``dvkit.erasure_register`` (``generator.compliance.register``), which later loads apply.
A dry run does the same in a transaction it rolls back, and reports what it would change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import psycopg
from psycopg import sql

from generator.compliance import audit, register
from generator.compliance.erase import (
    LANDING_SCHEMA,
    LOG_SCHEMA,
    LOG_TABLE,
    QUARANTINE,
    ErasurePlan,
    ErasureResult,
    business_keys,
    ensure_log,
    erase_keys,
    exists,
    hub_key_of,
    key_values,
    landing_key,
    plan_erasure,
    vault_schema,
)
from generator.db import Database
from generator.errors import DvkitError
from generator.evolution import state
from generator.hashing import as_text, hash_key
from generator.spec.model import Hub, Spec

GHOST_BYTES = {0}  # a ghost record's key is all zero bytes: never a person


class DryRun(Exception):
    """Raised inside the transaction of a dry run, so that it rolls back."""


@dataclass(frozen=True)
class SubjectPlan:
    """What erasing keys of ``hub`` touches: a plan per hub holding personal data, the hub's first."""

    hub: Hub
    plans: tuple[ErasurePlan, ...]

    def tables(self) -> list[str]:
        return list(dict.fromkeys(t for plan in self.plans for t in plan.tables()))

    def not_covered(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(m for plan in self.plans for m in plan.not_covered))


def plan_subject(spec: Spec, entity: str) -> SubjectPlan:
    """The plans of hub ``entity`` and of the hubs its data-subject paths reach; DvkitError when none
    holds personal data."""
    hubs = {hub.name: hub for hub in spec.hubs}
    hub = hubs.get(entity)
    if hub is None or hub.data_subject is None:
        plan = plan_erasure(spec, entity)  # raises on an unknown hub or one without personal data
        return SubjectPlan(plan.hub, (plan,))
    plans = []
    for name in (hub.name, *hub.data_subject.hubs()):
        try:
            plans.append(plan_erasure(spec, name))
        except DvkitError:
            continue  # a hub on the way (an order) holds no personal data of its own
    if not plans:
        raise DvkitError(f"{entity} holds no personal data and reaches none: nothing personal to erase",
                         hint="check its data_subject paths in the spec")
    return SubjectPlan(hub, tuple(plans))


def typed_keys(hub: Hub, values: Sequence[str]) -> list[list[str]]:
    """Values typed on the command line as keys: one each, or one per business key column in turn.

    >>> from generator.spec.model import Origin
    >>> typed_keys(Hub("pair", ("a", "b"), (), Origin("x", 1)), ["1", "2", "3", "4"])
    [['1', '2'], ['3', '4']]
    """
    width = len(hub.business_key)
    if not values or len(values) % width:
        raise DvkitError(f"the business key of {hub.name} has {width} column(s) ({', '.join(hub.business_key)}); "
                         f"got {len(values)} value(s)", hint="give one value per column for each key, in that order")
    return [list(values[i:i + width]) for i in range(0, len(values), width)]


def aliases(spec: Spec, hub: Hub) -> list[tuple[str, str, str]]:
    """Other business keys the spec knows for the hub: (source, column, hub key column in that source).

    A lookup ``{source: customers, on: customer_id, columns: [customer_unique_id]}`` says that
    ``customer_id`` gives the person's ``customer_unique_id`` in ``customers``.
    """
    if len(hub.business_key) != 1:
        return []
    found = []
    for source in spec.sources:
        for lookup in source.lookups:
            column = hub.columns_in(lookup.source)[0]
            if column in lookup.columns and (lookup.source, lookup.on, column) not in found:
                found.append((lookup.source, lookup.on, column))
    return found


def resolve_keys(conn: psycopg.Connection, spec: Spec, plan: SubjectPlan, keys: Sequence[Sequence[str]]) -> list[bytes]:
    """The hub keys of the typed keys, each by the hub's own key or another one the spec knows.

    Raises DvkitError naming every key that matches nothing (and the key the hub uses), before
    anything is changed.
    """
    hub = plan.hub
    if not exists(conn, vault_schema(hub), hub.model):
        raise DvkitError(f"the raw vault has no {hub.model} yet", hint="run `dvkit build` first")
    hashed = [hub_key_of(spec, hub, list(key)) for key in keys]
    held = {bytes(k) for (k,) in conn.execute(sql.SQL("select {} from {} where {} = any(%s)").format(
        sql.Identifier(hub.key), sql.Identifier(vault_schema(hub), hub.model), sql.Identifier(hub.key)),
        (hashed,)).fetchall()}
    resolved: list[bytes] = []
    missing: list[list[str]] = []
    for key, digest in zip(keys, hashed, strict=True):
        if digest in held:
            resolved.append(digest)
            continue
        found = _through_aliases(conn, spec, hub, key[0]) if len(key) == 1 else []
        found = [k for k in found if k in _held(conn, hub, found)]
        if found:
            resolved.extend(found)
        else:
            missing.append(list(key))
    if missing:
        _refuse(conn, spec, plan, missing)
    return list(dict.fromkeys(resolved))


def _held(conn: psycopg.Connection, hub: Hub, keys: list[bytes]) -> set[bytes]:
    if not keys:
        return set()
    query = sql.SQL("select {} from {} where {} = any(%s)").format(
        sql.Identifier(hub.key), sql.Identifier(vault_schema(hub), hub.model), sql.Identifier(hub.key))
    return {bytes(k) for (k,) in conn.execute(query, (keys,)).fetchall()}


def _through_aliases(conn: psycopg.Connection, spec: Spec, hub: Hub, value: str) -> list[bytes]:
    """The hub keys that another business key of the hub gives (an order's customer_id: its person)."""
    text = as_text(value)
    found: list[bytes] = []
    for source, on, column in aliases(spec, hub):
        if text is None or not exists(conn, LANDING_SCHEMA, source):
            continue
        rows = conn.execute(sql.SQL("select distinct cast({} as text) from {} where "
                                    "nullif(upper(trim(cast({} as text))), '') = %s").format(
            sql.Identifier(column), sql.Identifier(LANDING_SCHEMA, source), sql.Identifier(on)), (text,)).fetchall()
        found += [k for (v,) in rows if (k := hash_key([v], spec.settings.hash)) is not None]
    return list(dict.fromkeys(found))


def _refuse(conn: psycopg.Connection, spec: Spec, plan: SubjectPlan, missing: list[list[str]]) -> None:
    hub = plan.hub
    shown = ", ".join(f"'{', '.join(key)}'" for key in missing[:5]) + (
        f" and {len(missing) - 5} more" if len(missing) > 5 else "")
    for key in missing:  # delivered, but not built into the vault yet?
        digest = hub_key_of(spec, hub, key)
        for target in plan.plans[0].landing if plan.plans[0].hub == hub else ():
            if exists(conn, LANDING_SCHEMA, target.source.name):
                condition, _, _ = landing_key(target, spec.settings.hash, sql.SQL("%s"))
                if conn.execute(sql.SQL("select 1 from {} as t where {} limit 1").format(
                        sql.Identifier(LANDING_SCHEMA, target.source.name), condition), ([digest],)).fetchone():
                    raise DvkitError(f"no {hub.name} with key '{', '.join(key)}' in the vault yet, but "
                                     f"{target.table} holds rows of it",
                                     hint="run `dvkit build` to load the pending batches, then erase again")
    others = [f"{column} (through landing.{source})" for source, column, _ in aliases(spec, hub)]
    known = f"{', '.join(hub.business_key)} (the key of hub {hub.name})" + "".join(f", or {o}" for o in others)
    raise DvkitError(f"no {hub.name} with key {shown}: {'it matches' if len(missing) == 1 else 'they match'} "
                     f"no {known}; nothing was erased",
                     hint="keys are compared trimmed and upper-cased; check the value of "
                          f"{', '.join(hub.business_key)}")


def reach(conn: psycopg.Connection, spec: Spec, hub: Hub, keys: Sequence[bytes]) -> dict[str, list[bytes]]:
    """The keys of every hub the data subject's paths reach from ``keys``, through the raw vault's links."""
    found: dict[str, list[bytes]] = {hub.name: list(keys)}
    if hub.data_subject is None:
        return found
    for path in hub.data_subject.reaches:
        here, current = hub, list(keys)
        for step in path:
            link, target = spec.link(step.link), spec.hub(step.hub)
            if not current or not exists(conn, vault_schema(link), link.model):
                current = []
                break
            rows = conn.execute(sql.SQL("select distinct {} from {} where {} = any(%s)").format(
                sql.Identifier(target.key), sql.Identifier(vault_schema(link), link.model), sql.Identifier(here.key)),
                (current,)).fetchall()
            current = [bytes(k) for (k,) in rows if k is not None and set(bytes(k)) - GHOST_BYTES]
            found[target.name] = list(dict.fromkeys([*found.get(target.name, []), *current]))
            here = target
    return found


def _reason_ok(reason: str, keys: Sequence[Sequence[str]]) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DvkitError("the reason for the erasure is empty",
                         hint="say why, e.g. --reason 'GDPR art. 17 request #123' (no personal data in it)")
    # A key of a few characters may appear in any text by chance; a real identifier may not.
    if any(len(text) >= 4 and text in reason.upper() for key in keys for text in (as_text(v) or "" for v in key)):
        raise DvkitError("the reason contains the business key: the erasure log must hold no business key",
                         hint="refer to the request instead, e.g. its ticket number")
    return reason


def _columns(plan: ErasurePlan) -> dict[str, tuple[str, ...]]:
    """The columns each table of the plan empties (schema.table -> columns)."""
    found: dict[str, tuple[str, ...]] = {}
    for sat in (*plan.satellites, *plan.multi_active):
        found[f"{vault_schema(sat)}.{sat.model}"] = (*sat.stored_payload, sat.hashdiff)
    for xts, _ in plan.tracking:
        found[f"{vault_schema(xts)}.{xts.model}"] = ("hashdiff",)
    for target in plan.landing:
        found[target.table] = target.source.personal_columns
        found[QUARANTINE] = ("raw",)
    return found


def erase_subjects(db: Database, spec: Spec, entity: str, keys: Sequence[Sequence[str]], reason: str,
                   dry_run: bool = False) -> ErasureResult:
    """Erase the personal data of ``keys`` of hub ``entity`` and of all they reach, and log it, in
    one transaction (rolled back with ``dry_run``, which reports what would change).

    The business vault and marts are not rebuilt here: see ``erase.rebuild_marts``.
    """
    subject = plan_subject(spec, entity)
    for key in keys:
        key_values(subject.hub, list(key))
    reason = _reason_ok(reason, keys)
    result = ErasureResult(0, subject.hub.name, b"", dry_run=dry_run)
    try:
        with db.connect() as conn, conn.transaction():
            hub_keys = resolve_keys(conn, spec, subject, keys)
            result.hub_key = hub_keys[0]
            result.business_keys.update(v for key in keys for v in key if v.strip())
            reached = reach(conn, spec, subject.hub, hub_keys)
            ensure_log(conn)
            log_rows: list[tuple[str, bytes, list[str], int]] = []
            for plan in subject.plans:
                erased = reached.get(plan.hub.name, [])
                per_key = erase_keys(conn, spec, plan, erased) if erased else {}
                columns = _columns(plan)
                for key, tables in per_key.items():
                    for table, count in tables.items():
                        result.rows[table] = result.rows.get(table, 0) + count
                        result.columns.setdefault(table, columns.get(table, ()))
                    if plan.hub.name == subject.hub.name or any(tables.values()):
                        log_rows.append((plan.hub.name, key, [t for t, n in tables.items() if n],
                                         sum(tables.values())))
                if not per_key:
                    for table in plan.tables():
                        result.rows.setdefault(table, 0)
                        result.columns.setdefault(table, columns.get(table, ()))
                result.keys[plan.hub.name] = len(erased)
                result.business_keys.update(v for values in business_keys(conn, plan.hub, erased).values()
                                            for v in values if v)
                result.erasure_id = _log(conn, log_rows, reason, result.erasure_id)
                log_rows = []
                register.record(conn, plan.hub.name, erased,
                                sorted({f"{t}.{c}" for t in columns for c in columns[t]}), result.erasure_id)
            audit.log_erasure(conn, result)  # in the erasure's transaction: no erasure without its audit row
            state.forget_business(conn)  # the marts show the erased data until they are built again
            if dry_run:
                raise DryRun
    except DryRun:
        pass
    return result


def _log(conn: psycopg.Connection, rows: list[tuple[str, bytes, list[str], int]], reason: str, run_id: int) -> int:
    """Log one row per erased key; all rows of a run share its ``run_id`` (the first row's id)."""
    for entity, key, tables, count in rows:
        logged = conn.execute(
            sql.SQL("insert into {} (entity, hub_key, reason, tables, rows_erased, erased_by, run_id) "
                    "values (%s, %s, %s, %s, %s, current_user, nullif(%s, 0)) returning erasure_id").format(
                sql.Identifier(LOG_SCHEMA, LOG_TABLE)), (entity, key, reason, tables, count, run_id)).fetchone()
        assert logged is not None
        if not run_id:
            run_id = int(logged[0])
            conn.execute(sql.SQL("update {} set run_id = erasure_id where erasure_id = %s").format(
                sql.Identifier(LOG_SCHEMA, LOG_TABLE)), (run_id,))
    return run_id


def erase(db: Database, spec: Spec, entity: str, key: str | Sequence[str], reason: str) -> ErasureResult:
    """Erase the personal data of one key of hub ``entity`` (and of what a data subject reaches) and
    log it, in one transaction: ``erase_subjects`` for a single key.

    The business vault and marts are not rebuilt here: see ``erase.rebuild_marts``.
    """
    return erase_subjects(db, spec, entity, [[key] if isinstance(key, str) else list(key)], reason)
