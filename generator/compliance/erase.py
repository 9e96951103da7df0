"""Erasure of one person's personal data (``dvkit erase ENTITY KEY --reason TEXT``).

The erasure policy
==================

What is personal data is declared in the spec: a source marks its personal columns
(``personal_data: {columns: [...], retention: P5Y}``), and a satellite whose payload is made of
them is a personal-data satellite (Olist: ``sat_customer_location`` of a customer,
``sat_review_text`` of a review). Keys are never personal data: they stay for the audit trail.

``dvkit erase ENTITY KEY`` names a hub and a business key, typed as a person would: it is trimmed,
upper-cased and hashed by the vault's own standard, so ``' ABC '`` and ``abc`` are the same key.
A key the hub does not hold is refused (a key delivered to landing but not built yet is named as
such: build first, then erase), and so is a hub none of whose satellites holds personal data. The
command asks for confirmation unless ``--yes`` is given. For that key, in one transaction:

1. **Raw vault.** In every personal-data satellite of the hub, every row of the key keeps its key,
   load time, effective-from and record source, and loses its payload: every payload column is set
   to NULL and the hashdiff to the hashdiff of an all-NULL payload (what the vault stores for an
   empty delivery), since a hashdiff of a few personal values can be recovered by guessing them.
   The audit trail stays: that a version existed, when it was loaded and where it came from; the
   personal values go. A multi-active satellite holding personal data is treated the same way (its
   hashdiff covers the child key, which is kept), and so is the hashdiff an extended tracking
   satellite recorded for such a satellite. Hubs, links, effectivity satellites and every other
   satellite are not touched.
2. **Landing.** The landing rows the satellites were loaded from (``landing.<source>``, the rows
   whose business key columns match the key, compared trimmed and upper-cased like the hash) lose
   their personal columns (set to NULL); every other column stays. Otherwise a rebuild of the vault
   or a replay would bring the data back (a full rebuild then stores the key's first empty version
   only, where the erased vault keeps one row per former version). Rows of those sources that were
   set aside (``landing.quarantine``) and name the key lose their whole raw line: a line that could
   not be read cannot be split into personal and other columns. The staging layer is made of
   views and stores nothing.
3. **Log.** One row in ``dvkit.erasure_log``: when, the entity, the hub key (the hash, never the
   business key), the reason, the tables changed (``schema.table``), the number of rows changed,
   and the database user who erased. The log holds no business key and no personal value, so it
   can be kept as long as the evidence is needed; a reason is required, and one that contains the
   business key is refused (refer to the request, e.g. its ticket, instead).

After the commit, the changed tables are vacuumed, so PostgreSQL reclaims the old row versions
(which still hold the values) now rather than whenever autovacuum comes by, and the business vault
and marts are rebuilt (``dbt build`` of ``business_vault``), so the dimensions and facts no longer
show the data.

What erasure cannot reach, and must be handled by their owners:

- **The source system.** It must erase the data too: a later delivery of the same values is a
  change for the vault (the stored hashdiff is now the empty one) and comes back as a new version.
- **Files and copies outside the vault's tables**: the delivered files in the data folder (loading
  them again brings the data back), backups, WAL archives and replicas, exports and extracts, and
  disk blocks freed by VACUUM until PostgreSQL writes over them.

Erasing a key again changes nothing that is already erased; it is logged with 0 rows. Personal data
in satellites of links is not erased by this command (none is declared in the Olist model); it is
named in the command's summary when a spec declares some.
"""

from __future__ import annotations

import csv
import difflib
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

from generator import kinds
from generator.db import Database
from generator.errors import DvkitError
from generator.evolution import state
from generator.hashing import as_text, hash_key, hashdiff
from generator.places import BUSINESS_PROJECT
from generator.places import DVKIT as LOG_SCHEMA
from generator.places import LANDING as LANDING_SCHEMA
from generator.places import RAW_VAULT as VAULT_SCHEMA
from generator.spec.model import Hub, Lookup, MultiActiveSatellite, Satellite, Source, Spec, TrackingSatellite

QUARANTINE = "landing.quarantine"
# The kinds of table whose personal data this module knows how to clear (``_erase_satellite``,
# ``_erase_multi_active``): a kind that declares personal columns (``Kind.personal_columns``) and is
# not listed here is refused by name rather than left as it is.
ERASABLE = {"sat": "satellites", "ma_sat": "multi-active satellites"}
LOG_TABLE = "erasure_log"

LOG_DDL = sql.SQL("""
create schema if not exists {schema};
create table if not exists {table} (
    erasure_id bigserial primary key,
    erased_at timestamptz not null default now(),
    entity text not null,
    hub_key bytea not null,
    reason text not null,
    tables text[] not null,
    rows_erased integer not null,
    erased_by text not null default current_user
)
""").format(schema=sql.Identifier(LOG_SCHEMA), table=sql.Identifier(LOG_SCHEMA, LOG_TABLE))


@dataclass(frozen=True)
class LandingTarget:
    """Landing rows to clear: the key's rows of one source, and its personal columns."""

    source: Source
    key_columns: tuple[str, ...]  # the hub's business key under the source's names

    @property
    def table(self) -> str:
        return f"{LANDING_SCHEMA}.{self.source.name}"


@dataclass(frozen=True)
class ErasurePlan:
    """What erasing one key of a hub touches, from the spec alone."""

    hub: Hub
    satellites: tuple[Satellite, ...]
    multi_active: tuple[MultiActiveSatellite, ...]
    tracking: tuple[tuple[TrackingSatellite, Satellite], ...]  # an xts and the personal satellite it tracks
    landing: tuple[LandingTarget, ...]
    not_covered: tuple[str, ...] = ()  # personal-data satellites of links holding this hub

    def tables(self) -> list[str]:
        return ([f"{VAULT_SCHEMA}.{s.model}" for s in (*self.satellites, *self.multi_active)]
                + [f"{VAULT_SCHEMA}.{x.model}" for x in dict.fromkeys(x for x, _ in self.tracking)]
                + [target.table for target in self.landing] + ([QUARANTINE] if self.landing else []))


@dataclass
class ErasureResult:
    erasure_id: int
    entity: str
    hub_key: bytes
    rows: dict[str, int] = field(default_factory=dict)  # schema.table -> rows changed (all planned tables)

    @property
    def tables(self) -> list[str]:
        """The tables something was changed in."""
        return [name for name, count in self.rows.items() if count]

    @property
    def rows_erased(self) -> int:
        return sum(self.rows.values())


def plan_erasure(spec: Spec, entity: str) -> ErasurePlan:
    """The tables erasing a key of hub ``entity`` changes; DvkitError when there is nothing to erase."""
    hubs = {hub.name: hub for hub in spec.hubs}
    if entity not in hubs:
        close = difflib.get_close_matches(entity, list(hubs), n=1)
        raise DvkitError(f"no hub named '{entity}'",
                         hint=f"did you mean '{close[0]}'?" if close else f"hubs: {', '.join(sorted(hubs))}")
    hub = hubs[entity]
    # The tables holding personal data, as their kinds say; each kind erasable here has its SQL below.
    personal = [(kind, e) for kind, e in kinds.entities(spec) if kind.personal_columns(spec, e)]
    refused = [kind.what(e) for kind, e in personal if kind.name not in ERASABLE]
    if refused:
        raise DvkitError(f"dvkit erase cannot clear the personal data of {', '.join(refused)}",
                         hint=f"erase clears personal data in {' and '.join(ERASABLE.values())} only")
    own = [(kind, e) for kind, e in personal if kind.parent(spec, e) == hub.name]
    satellites = tuple(e for kind, e in own if kind.name == "sat")
    multi_active = tuple(e for kind, e in own if kind.name == "ma_sat")
    if not satellites and not multi_active:
        holders = sorted({str(kind.parent(spec, e)) for kind, e in personal} & set(hubs))
        raise DvkitError(f"{entity} holds no personal data: nothing personal to erase",
                         hint=(f"personal data is kept for: {', '.join(holders)}" if holders
                               else "no satellite of the spec holds personal data"))
    personal_names = {s.name for s in satellites}
    tracking = tuple((xts, s) for xts in spec.tracking_satellites if xts.parent == hub.name
                     for s in satellites if s.name in xts.satellites)
    landing = tuple(LandingTarget(spec.source(name), hub.columns_in(name))
                    for name in dict.fromkeys(s.source for s in (*satellites, *multi_active))
                    if spec.source(name).personal_columns)
    link_names = {link.name for kind, link in kinds.entities(spec) if kind.joins_hubs and hub.name in link.hubs}
    not_covered = tuple(kind.model(e) for kind, e in personal
                        if kind.parent(spec, e) in link_names and e.name not in personal_names)
    return ErasurePlan(hub, satellites, multi_active, tracking, landing, not_covered)


def key_values(hub: Hub, key: str | Sequence[str]) -> list[str]:
    """The typed key as one value per business key column."""
    values = [key] if isinstance(key, str) else list(key)
    if len(values) != len(hub.business_key):
        raise DvkitError(f"the business key of {hub.name} has {len(hub.business_key)} column(s) "
                         f"({', '.join(hub.business_key)}); got {len(values)} value(s)",
                         hint="give one value per column, in that order")
    return values


def hub_key_of(spec: Spec, hub: Hub, key: str | Sequence[str]) -> bytes:
    """The hub key of a business key typed by a person, hashed exactly as the vault does."""
    digest = hash_key(key_values(hub, key), spec.settings.hash)
    if digest is None:
        raise DvkitError(f"the key of {hub.name} is empty", hint="give the business key to erase")
    return digest


def ensure_log(conn: psycopg.Connection) -> None:
    """Create ``dvkit.erasure_log`` when it does not exist."""
    conn.execute(LOG_DDL)


def _exists(conn: psycopg.Connection, schema: str, table: str) -> bool:
    row = conn.execute("select to_regclass(%s) is not null",
                       (sql.Identifier(schema, table).as_string(conn),)).fetchone()
    return bool(row and row[0])


def check_key(conn: psycopg.Connection, plan: ErasurePlan, hub_key: bytes, key: str | Sequence[str]) -> None:
    """DvkitError unless the hub holds the key."""
    hub = plan.hub
    if not _exists(conn, VAULT_SCHEMA, hub.model):
        raise DvkitError(f"the raw vault has no {hub.model} yet", hint="run `dvkit build` first")
    found = conn.execute(sql.SQL("select 1 from {} where {} = %s").format(
        sql.Identifier(VAULT_SCHEMA, hub.model), sql.Identifier(hub.key)), (hub_key,)).fetchone()
    if found is not None:
        return
    shown = key if isinstance(key, str) else ", ".join(key)
    values = [key] if isinstance(key, str) else list(key)
    for target in plan.landing:  # delivered, but not built into the vault yet?
        if _exists(conn, LANDING_SCHEMA, target.source.name) and conn.execute(
                sql.SQL("select 1 from {} where {} limit 1").format(
                    sql.Identifier(LANDING_SCHEMA, target.source.name), _landing_match(target)), values).fetchone():
            raise DvkitError(f"no {hub.name} with key '{shown}' in the vault yet, but {target.table} holds rows of it",
                             hint="run `dvkit build` to load the pending batches, then erase again")
    raise DvkitError(f"no {hub.name} with key '{shown}' (hub key {hub_key.hex()})",
                     hint=f"keys are compared trimmed and upper-cased; check the value of "
                          f"{', '.join(hub.business_key)}")


def _any_set(columns: Sequence[str], hashdiff_column: str) -> sql.Composable:
    """Rows that still hold something to erase: a payload value or a hashdiff other than the empty one."""
    return sql.SQL(" or ").join([*(sql.SQL("{} is not null").format(sql.Identifier(c)) for c in columns),
                                 sql.SQL("{} is distinct from %s").format(sql.Identifier(hashdiff_column))])


def _clear(columns: Sequence[str]) -> list[sql.Composable]:
    return [sql.SQL("{} = null").format(sql.Identifier(c)) for c in columns]


def _erase_satellite(conn: psycopg.Connection, spec: Spec, sat: Satellite, pk: str, hub_key: bytes) -> int:
    empty = hashdiff([None] * len(sat.payload), sat.payload, spec.settings.hash)
    query = sql.SQL("update {table} set {sets} where {pk} = %s and ({pending})").format(
        table=sql.Identifier(VAULT_SCHEMA, sat.model),
        sets=sql.SQL(", ").join([*_clear(sat.stored_payload),
                                 sql.SQL("{} = %s").format(sql.Identifier(sat.hashdiff))]),
        pk=sql.Identifier(pk), pending=_any_set(sat.stored_payload, sat.hashdiff))
    return conn.execute(query, (empty, hub_key, empty)).rowcount


def _erase_multi_active(conn: psycopg.Connection, spec: Spec, ma: MultiActiveSatellite, pk: str,
                        hub_key: bytes) -> int:
    """Each row's hashdiff covers its child key, which stays: one empty hashdiff per row."""
    table = sql.Identifier(VAULT_SCHEMA, ma.model)
    children = sql.SQL(", ").join(sql.SQL("cast({} as text)").format(sql.Identifier(c)) for c in ma.child_key)
    rows = conn.execute(sql.SQL("select cast(ctid as text), {} from {} where {} = %s for update").format(
        children, table, sql.Identifier(pk)), (hub_key,)).fetchall()
    update = sql.SQL("update {table} set {sets} where ctid = cast(%s as tid) and ({pending})").format(
        table=table,
        sets=sql.SQL(", ").join([*_clear(ma.stored_payload),
                                 sql.SQL("{} = %s").format(sql.Identifier(ma.hashdiff))]),
        pending=_any_set(ma.stored_payload, ma.hashdiff))
    changed = 0
    names = (*ma.child_key, *ma.payload)
    for ctid, *child in rows:
        empty = hashdiff([*child, *([None] * len(ma.payload))], names, spec.settings.hash)
        changed += conn.execute(update, (empty, ctid, empty)).rowcount
    return changed


def _erase_tracking(conn: psycopg.Connection, spec: Spec, xts: TrackingSatellite, sat: Satellite, pk: str,
                    hub_key: bytes) -> int:
    empty = hashdiff([None] * len(sat.payload), sat.payload, spec.settings.hash)
    query = sql.SQL("update {} set hashdiff = %s where {} = %s and satellite_name = %s "
                    "and hashdiff is distinct from %s").format(
        sql.Identifier(VAULT_SCHEMA, xts.model), sql.Identifier(pk))
    return conn.execute(query, (empty, hub_key, sat.model, empty)).rowcount


def _same_key(column: sql.Composable) -> sql.Composable:
    """A column equal to a typed key value, both trimmed and upper-cased as the hash does ('' is NULL)."""
    return sql.SQL("nullif(upper(trim(cast({} as text))), '') is not distinct from "
                   "nullif(upper(trim(cast(%s as text))), '')").format(column)


def _lookup_reaching(source: Source, column: str) -> Lookup:
    """The lookup that gives ``source`` the key column it does not hold itself."""
    lookup = next((lk for lk in source.lookups if column in lk.columns), None)
    if lookup is None:  # the validator makes this impossible; say so rather than erase nothing
        raise DvkitError(f"cannot find the key column '{column}' in landing.{source.name}")
    return lookup


def _landing_match(target: LandingTarget) -> sql.Composable:
    """Rows of the source whose key matches, reaching a key column through a lookup when needed."""
    source = target.source
    conditions: list[sql.Composable] = []
    for column in target.key_columns:
        if column in source.column_names:
            conditions.append(_same_key(sql.Identifier(column)))
            continue
        lookup = _lookup_reaching(source, column)
        conditions.append(sql.SQL("{on} in (select {on} from {table} where {match})").format(
            on=sql.Identifier(lookup.on), table=sql.Identifier(LANDING_SCHEMA, lookup.source),
            match=_same_key(sql.Identifier(column))))
    return sql.SQL(" and ").join(conditions)


def _erase_landing(conn: psycopg.Connection, target: LandingTarget, values: list[str]) -> int:
    personal = target.source.personal_columns
    query = sql.SQL("update {table} set {sets} where {match} and ({pending})").format(
        table=sql.Identifier(LANDING_SCHEMA, target.source.name), sets=sql.SQL(", ").join(_clear(personal)),
        match=_landing_match(target),
        pending=sql.SQL(" or ").join(sql.SQL("{} is not null").format(sql.Identifier(c)) for c in personal))
    return conn.execute(query, values).rowcount


ERASED_RAW = "(erased: the row held personal data of an erased key)"


def _needles(conn: psycopg.Connection, target: LandingTarget, values: list[str]) -> list[set[str]]:
    """Per key column, the texts that identify the key in a source row: the key value itself, or the
    join values of the lookup that reaches it (a customer's ``customer_id`` for its unique id)."""
    found: list[set[str]] = []
    for column, value in zip(target.key_columns, values, strict=True):
        text = as_text(value) or ""
        if column in target.source.column_names:
            found.append({text})
            continue
        lookup = _lookup_reaching(target.source, column)
        rows = conn.execute(sql.SQL("select distinct cast({on} as text) from {table} where {match}").format(
            on=sql.Identifier(lookup.on), table=sql.Identifier(LANDING_SCHEMA, lookup.source),
            match=_same_key(sql.Identifier(column))), [value]).fetchall()
        found.append({as_text(on) or "" for (on,) in rows} - {""})
    return found


def _fields(raw: str) -> list[str]:
    try:
        return [field for record in csv.reader(io.StringIO(raw)) for field in record]
    except csv.Error:  # not even CSV: split at the commas
        return raw.replace("\n", ",").split(",")


def _erase_quarantine(conn: psycopg.Connection, target: LandingTarget, values: list[str]) -> int:
    """Set-aside rows of the source that name the key lose their raw text.

    A quarantined row is a line that could not be read as the spec says (a field too many, a bad
    value...), so its personal columns cannot be told apart by position: the whole raw line goes,
    its file, line and reason stay. A row names the key when, for every key column, one of its
    fields (trimmed, upper-cased) is the key's value.
    """
    needles = _needles(conn, target, values)
    if not all(needles):
        return 0
    matched = []
    for batch_id, line, raw in conn.execute(
            "select batch_id, line, raw from landing.quarantine where source = %s and raw <> %s",
            (target.source.name, ERASED_RAW)).fetchall():
        fields = {as_text(field) or "" for field in _fields(raw)}
        if all(column & fields for column in needles):
            matched.append((batch_id, line))
    for batch_id, line in matched:
        conn.execute("update landing.quarantine set raw = %s where batch_id = %s and source = %s and line = %s",
                     (ERASED_RAW, batch_id, target.source.name, line))
    return len(matched)


def erase(db: Database, spec: Spec, entity: str, key: str | Sequence[str], reason: str) -> ErasureResult:
    """Erase the personal data of one key of hub ``entity`` and log it, in one transaction.

    The business vault and marts are not rebuilt here: see ``rebuild_marts``.
    """
    reason = (reason or "").strip()
    if not reason:
        raise DvkitError("the reason for the erasure is empty",
                         hint="say why, e.g. --reason 'GDPR art. 17 request #123' (no personal data in it)")
    plan = plan_erasure(spec, entity)
    values = key_values(plan.hub, key)
    # A key of a few characters may appear in any text by chance; a real identifier may not.
    if any(len(text) >= 4 and text in reason.upper() for text in (as_text(v) or "" for v in values)):
        raise DvkitError("the reason contains the business key: the erasure log must hold no business key",
                         hint="refer to the request instead, e.g. its ticket number")
    hub_key = hub_key_of(spec, plan.hub, values)
    pk = plan.hub.key
    rows: dict[str, int] = {}
    with db.connect() as conn:
        with conn.transaction():
            check_key(conn, plan, hub_key, values)
            for sat in plan.satellites:
                if _exists(conn, VAULT_SCHEMA, sat.model):
                    rows[f"{VAULT_SCHEMA}.{sat.model}"] = _erase_satellite(conn, spec, sat, pk, hub_key)
            for ma in plan.multi_active:
                if _exists(conn, VAULT_SCHEMA, ma.model):
                    rows[f"{VAULT_SCHEMA}.{ma.model}"] = _erase_multi_active(conn, spec, ma, pk, hub_key)
            for xts, sat in plan.tracking:
                if _exists(conn, VAULT_SCHEMA, xts.model):
                    name = f"{VAULT_SCHEMA}.{xts.model}"
                    rows[name] = rows.get(name, 0) + _erase_tracking(conn, spec, xts, sat, pk, hub_key)
            for target in plan.landing:
                if _exists(conn, LANDING_SCHEMA, target.source.name):
                    rows[target.table] = _erase_landing(conn, target, values)
                if _exists(conn, LANDING_SCHEMA, "quarantine"):
                    rows[QUARANTINE] = rows.get(QUARANTINE, 0) + _erase_quarantine(conn, target, values)
            result = ErasureResult(0, plan.hub.name, hub_key, rows)
            state.forget_business(conn)  # the marts show the erased data until they are built again
            ensure_log(conn)
            logged = conn.execute(
                sql.SQL("insert into {} (entity, hub_key, reason, tables, rows_erased, erased_by) "
                        "values (%s, %s, %s, %s, %s, current_user) returning erasure_id").format(
                    sql.Identifier(LOG_SCHEMA, LOG_TABLE)),
                (plan.hub.name, hub_key, reason, result.tables, result.rows_erased)).fetchone()
            assert logged is not None
            result.erasure_id = int(logged[0])
            from generator.compliance.audit import log_erasure  # in the erasure's transaction
            log_erasure(conn, result)
    return result


def vacuum(db: Database, tables: Sequence[str]) -> list[str]:
    """VACUUM the changed tables so old row versions leave their pages; returns the ones it could not."""
    skipped = []
    with db.connect(autocommit=True) as conn:
        for name in tables:
            schema, table = name.split(".", 1)
            try:
                conn.execute(sql.SQL("vacuum {}").format(sql.Identifier(schema, table)))
            except psycopg.Error:
                skipped.append(name)
    return skipped


def has_business_models(project_dir: Path) -> bool:
    folder = project_dir / BUSINESS_PROJECT
    return (folder / "dbt_project.yml").exists() and any((folder / "models").rglob("*.sql"))


def rebuild_marts(project_dir: Path, db: Database) -> bool:
    """``dbt build`` the business vault and marts so they no longer show erased data.

    Returns False when the project has no business vault models; raises DvkitError when dbt fails.
    """
    from generator.build import business_digest, run_dbt

    if not has_business_models(project_dir):
        return False
    outcome = run_dbt(project_dir, db, ["build"], None, None, BUSINESS_PROJECT)
    if not outcome.success:
        details = "\n  ".join(outcome.failures) or f"see {BUSINESS_PROJECT}/logs/dbt.log"
        raise DvkitError(f"the erasure is committed, but rebuilding the business vault and marts failed:\n  {details}",
                         hint="the marts may still show the erased data: fix the problem and run `dvkit build`")
    vault = state.read(db, {})
    digest = business_digest(project_dir, vault) if vault else None
    if digest:
        state.record_business(db, digest)
    return True
