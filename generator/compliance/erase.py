"""Erasure of persons' personal data (``dvkit erase ENTITY KEY... --reason TEXT``): the policy, and
the steps for the keys of one hub (``generator.compliance.subjects`` erases what a person reaches).

The erasure policy
==================

What is personal data is declared in the spec: a source marks its personal columns
(``personal_data: {columns: [...], retention: P5Y}``), and a satellite whose payload is made of
them is a personal-data satellite (Olist: ``sat_customer_location`` of a customer,
``sat_review_text`` of a review). Keys are never personal data: they stay for the audit trail.

``dvkit erase ENTITY KEY...`` names a hub and business keys, typed as a person would: each is
trimmed, upper-cased and hashed by the vault's own standard, so ``' ABC '`` and ``abc`` are the same
key; a key may also be another business key the spec relates to the hub through a lookup (an
order's ``customer_id`` for the person's ``customer_unique_id``). A key the hub does not hold refuses
the whole request (a key delivered to landing but not built yet is named as such: build first, then
erase), and so does a hub none of whose satellites holds personal data and that reaches none. A hub
declared a data subject in the spec (``data_subject: {reaches: [[order, review]]}``) erases, with
each of its keys, the keys its paths reach through the raw vault's links. The command asks for
confirmation unless ``--yes`` is given. For every key, in one transaction:

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
3. **Log.** One row per erased key in ``dvkit.erasure_log`` (each key given; each key reached
   whose data changed): when, the entity, the hub key (the hash, never the business key), the
   reason, the tables changed (``schema.table``), the number of rows changed, the database user
   who erased, and the run's id (``run_id``, shared by the rows of one run). The log holds no
   business key and no personal value, so it can be kept as long as the evidence is needed; a
   reason is required, and one that contains a business key is refused (refer to the request,
   e.g. its ticket, instead).
4. **Register.** Every key erased goes into ``dvkit.erasure_register`` (``register.py``): later
   loads empty the personal columns of its rows as they land, so the data stays erased.

After the commit, the trace dossiers under ``.dvkit/`` that name an erased key are removed
(``leftovers.py``), the changed tables are vacuumed, so PostgreSQL reclaims the old row versions
(which still hold the values) now rather than whenever autovacuum comes by, and the business vault
and marts are rebuilt once (``dbt build`` of ``business_vault``, told the erasure id, never the
keys, as its command line), so the dimensions and facts no longer show the data.

What erasure cannot reach, and must be handled by their owners:

- **The source system.** It should erase the data too: dvkit empties the erased keys' personal
  columns in every later delivery, but the delivered files still hold them.
- **Files and copies outside the vault's tables**: the delivered files in the data folder, backups,
  WAL archives and replicas, exports and extracts, dossiers written elsewhere (``--out``), and
  disk blocks freed by VACUUM until PostgreSQL writes over them.

Erasing a key again changes nothing that is already erased; it is logged with 0 rows. Personal data
in satellites of links is not erased by this command (none is declared in the Olist model); it is
named in the command's summary when a spec declares some.
"""

from __future__ import annotations

import csv
import difflib
import io
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

from generator import kinds
from generator.db import Database
from generator.errors import DvkitError
from generator.evolution import state
from generator.hashing import NULL_MARK, SEPARATOR, as_text, hash_key, hashdiff
from generator.places import BUSINESS_PROJECT
from generator.places import DVKIT as LOG_SCHEMA
from generator.places import LANDING as LANDING_SCHEMA
from generator.spec.model import Hub, Link, Lookup, MultiActiveSatellite, Satellite, Source, Spec, TrackingSatellite

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
);
alter table {table} add column if not exists run_id bigint
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
        return ([f"{vault_schema(s)}.{s.model}" for s in (*self.satellites, *self.multi_active)]
                + [f"{vault_schema(x)}.{x.model}" for x in dict.fromkeys(x for x, _ in self.tracking)]
                + [target.table for target in self.landing] + ([QUARANTINE] if self.landing else []))


@dataclass
class ErasureResult:
    """What one erasure run changed (``erasure_id`` names the run; with ``dry_run`` nothing was kept)."""

    erasure_id: int
    entity: str
    hub_key: bytes  # the first key of the entity erased
    rows: dict[str, int] = field(default_factory=dict)  # schema.table -> rows changed (all planned tables)
    columns: dict[str, tuple[str, ...]] = field(default_factory=dict)  # schema.table -> the columns emptied
    keys: dict[str, int] = field(default_factory=dict)  # hub -> keys erased (the entity's and those reached)
    dry_run: bool = False
    # The business keys erased (typed, and as the hubs store them): in memory only, to find files
    # that name them; never logged or shown.
    business_keys: set[str] = field(default_factory=set, repr=False)

    @property
    def tables(self) -> list[str]:
        """The tables something was changed in."""
        return [name for name, count in self.rows.items() if count]

    @property
    def rows_erased(self) -> int:
        return sum(self.rows.values())


def vault_schema(entity: Hub | Link | Satellite | MultiActiveSatellite | TrackingSatellite) -> str:
    """The schema of an entity's raw vault table (the spec's ``settings: naming: schemas:``)."""
    return entity.naming.raw_vault_schema


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


def exists(conn: psycopg.Connection, schema: str, table: str) -> bool:
    row = conn.execute("select to_regclass(%s) is not null",
                       (sql.Identifier(schema, table).as_string(conn),)).fetchone()
    return bool(row and row[0])


def _any_set(columns: Sequence[str], hashdiff_column: str) -> sql.Composable:
    """Rows that still hold something to erase: a payload value or a hashdiff other than the empty one."""
    return sql.SQL(" or ").join([*(sql.SQL("{} is not null").format(sql.Identifier(c)) for c in columns),
                                 sql.SQL("{} is distinct from %s").format(sql.Identifier(hashdiff_column))])


def _clear(columns: Sequence[str]) -> list[sql.Composable]:
    return [sql.SQL("{} = null").format(sql.Identifier(c)) for c in columns]


def _counted(rows: Sequence[tuple[object, ...]]) -> Counter[bytes]:
    """Rows changed per key, from the keys an UPDATE returned."""
    return Counter(bytes(row[0]) for row in rows if row[0] is not None)  # type: ignore[arg-type]


def _erase_satellite(conn: psycopg.Connection, spec: Spec, sat: Satellite, pk: str,
                     keys: Sequence[bytes]) -> Counter[bytes]:
    empty = hashdiff([None] * len(sat.payload), sat.payload, spec.settings.hash)
    query = sql.SQL("update {table} set {sets} where {pk} = any(%s) and ({pending}) returning {pk}").format(
        table=sql.Identifier(vault_schema(sat), sat.model),
        sets=sql.SQL(", ").join([*_clear(sat.stored_payload),
                                 sql.SQL("{} = %s").format(sql.Identifier(sat.hashdiff))]),
        pk=sql.Identifier(pk), pending=_any_set(sat.stored_payload, sat.hashdiff))
    return _counted(conn.execute(query, (empty, list(keys), empty)).fetchall())


def _erase_multi_active(conn: psycopg.Connection, spec: Spec, ma: MultiActiveSatellite, pk: str,
                        keys: Sequence[bytes]) -> Counter[bytes]:
    """Each row's hashdiff covers its child key, which stays: one empty hashdiff per row."""
    table = sql.Identifier(vault_schema(ma), ma.model)
    children = sql.SQL(", ").join(sql.SQL("cast({} as text)").format(sql.Identifier(c)) for c in ma.child_key)
    rows = conn.execute(sql.SQL("select cast(ctid as text), {pk}, {children} from {table} where {pk} = any(%s) "
                                "for update").format(pk=sql.Identifier(pk), children=children, table=table),
                        (list(keys),)).fetchall()
    update = sql.SQL("update {table} set {sets} where ctid = cast(%s as tid) and ({pending})").format(
        table=table,
        sets=sql.SQL(", ").join([*_clear(ma.stored_payload),
                                 sql.SQL("{} = %s").format(sql.Identifier(ma.hashdiff))]),
        pending=_any_set(ma.stored_payload, ma.hashdiff))
    changed: Counter[bytes] = Counter()
    names = (*ma.child_key, *ma.payload)
    for ctid, key, *child in rows:
        empty = hashdiff([*child, *([None] * len(ma.payload))], names, spec.settings.hash)
        changed[bytes(key)] += conn.execute(update, (empty, ctid, empty)).rowcount
    return +changed


def _erase_tracking(conn: psycopg.Connection, spec: Spec, xts: TrackingSatellite, sat: Satellite, pk: str,
                    keys: Sequence[bytes]) -> Counter[bytes]:
    empty = hashdiff([None] * len(sat.payload), sat.payload, spec.settings.hash)
    query = sql.SQL("update {} set hashdiff = %s where {pk} = any(%s) and satellite_name = %s "
                    "and hashdiff is distinct from %s returning {pk}").format(
        sql.Identifier(vault_schema(xts), xts.model), pk=sql.Identifier(pk))
    return _counted(conn.execute(query, (empty, list(keys), sat.model, empty)).fetchall())


def key_hash_sql(columns: Sequence[sql.Composable], algorithm: str = "MD5") -> sql.Composable:
    """SQL computing the hash key of ``columns`` by the vault's standard (``generator.hashing``), as staging does.

    >>> from psycopg import sql
    >>> print(key_hash_sql([sql.Identifier("a")]).as_string(None))
    decode(md5(nullif(upper(trim(cast("a" as text))), '')), 'hex')
    """
    texts = [sql.SQL("nullif(upper(trim(cast({} as text))), '')").format(c) for c in columns]
    if len(texts) == 1:
        pre_image: sql.Composable = texts[0]
    else:  # NULL parts read '^^'; a key whose parts are all NULL is NULL (hashing.pre_image)
        pre_image = sql.SQL("nullif(concat_ws({sep}, {parts}), {none})").format(
            sep=sql.Literal(SEPARATOR),
            parts=sql.SQL(", ").join(sql.SQL("coalesce({}, {})").format(t, sql.Literal(NULL_MARK)) for t in texts),
            none=sql.Literal(SEPARATOR.join([NULL_MARK] * len(texts))))
    if algorithm.upper() == "MD5":
        return sql.SQL("decode(md5({}), 'hex')").format(pre_image)
    return sql.SQL("sha256(convert_to({}, 'UTF8'))").format(pre_image)


def _lookup_reaching(source: Source, column: str) -> Lookup:
    """The lookup that gives ``source`` the key column it does not hold itself."""
    lookup = next((lk for lk in source.lookups if column in lk.columns), None)
    if lookup is None:  # the validator makes this impossible; say so rather than erase nothing
        raise DvkitError(f"cannot find the key column '{column}' in landing.{source.name}")
    return lookup


def landing_key(target: LandingTarget, algorithm: str,
                keys: sql.Composable) -> tuple[sql.Composable, sql.Composable, bool]:
    """A landing row (alias ``t``) of ``target`` whose hub key is in ``keys`` (an SQL array), and that
    key: (condition, key expression, whether the key expression names ``keys`` again). A key column
    the source does not hold is read through its lookup: the row matches when a looked-up row gives
    the key."""
    source = target.source
    lookups: dict[Lookup, sql.Identifier] = {}
    parts: list[sql.Composable] = []
    for column in target.key_columns:
        if column in source.column_names:
            parts.append(sql.Identifier("t", column))
            continue
        lookup = _lookup_reaching(source, column)
        alias = lookups.setdefault(lookup, sql.Identifier(f"l{len(lookups)}"))
        parts.append(sql.SQL("{}.{}").format(alias, sql.Identifier(column)))
    hashed = key_hash_sql(parts, algorithm)
    if not lookups:
        return sql.SQL("{} = any({})").format(hashed, keys), hashed, False
    joined = sql.SQL("from {tables} where {joins} and {hashed} = any({keys})").format(
        tables=sql.SQL(", ").join(sql.SQL("{} as {}").format(sql.Identifier(LANDING_SCHEMA, lk.source), alias)
                                  for lk, alias in lookups.items()),
        joins=sql.SQL(" and ").join(sql.SQL("{}.{} = {}").format(alias, sql.Identifier(lk.on),
                                                                sql.Identifier("t", lk.on))
                                    for lk, alias in lookups.items()),
        hashed=hashed, keys=keys)
    return (sql.SQL("exists (select 1 {})").format(joined),
            sql.SQL("(select {} {} limit 1)").format(hashed, joined), True)


def erase_landing(conn: psycopg.Connection, spec: Spec, target: LandingTarget, keys: sql.Composable,
                  params: Sequence[object], batch_id: int | None = None) -> Counter[bytes]:
    """Empty the personal columns of the landing rows of ``target`` whose key is in ``keys`` (an SQL
    array taking ``params``), of one batch or all; rows changed per key."""
    personal = target.source.personal_columns
    condition, key, again = landing_key(target, spec.settings.hash, keys)
    batch = sql.SQL(" and t._batch_id = %s") if batch_id is not None else sql.SQL("")
    query = sql.SQL("update {table} as t set {sets} where {condition}{batch} and ({pending}) returning {key}").format(
        table=sql.Identifier(LANDING_SCHEMA, target.source.name), sets=sql.SQL(", ").join(_clear(personal)),
        condition=condition, batch=batch, key=key,
        pending=sql.SQL(" or ").join(sql.SQL("t.{} is not null").format(sql.Identifier(c)) for c in personal))
    arguments = [*params, *([batch_id] if batch_id is not None else []), *(params if again else [])]
    return _counted(conn.execute(query, arguments).fetchall())


ERASED_RAW = "(erased: the row held personal data of an erased key)"


def _needles(conn: psycopg.Connection, target: LandingTarget, values: Sequence[str]) -> list[set[str]]:
    """Per key column, the texts that identify the key in a source row: the key value itself, or the
    join values of the lookup that reaches it (a customer's ``customer_id`` for its unique id)."""
    found: list[set[str]] = []
    for column, value in zip(target.key_columns, values, strict=True):
        text = as_text(value) or ""
        if column in target.source.column_names:
            found.append({text})
            continue
        lookup = _lookup_reaching(target.source, column)
        rows = conn.execute(sql.SQL("select distinct cast({on} as text) from {table} where "
                                    "nullif(upper(trim(cast({column} as text))), '') = %s").format(
            on=sql.Identifier(lookup.on), table=sql.Identifier(LANDING_SCHEMA, lookup.source),
            column=sql.Identifier(column)), [text]).fetchall()
        found.append({as_text(on) or "" for (on,) in rows} - {""})
    return found


def _fields(raw: str) -> list[str]:
    try:
        return [field for record in csv.reader(io.StringIO(raw)) for field in record]
    except csv.Error:  # not even CSV: split at the commas
        return raw.replace("\n", ",").split(",")


def erase_quarantine(conn: psycopg.Connection, target: LandingTarget, values: dict[bytes, Sequence[str]],
                     batch_id: int | None = None) -> Counter[bytes]:
    """Set-aside rows of the source that name a key lose their raw text; rows changed per key.

    A quarantined row is a line that could not be read as the spec says (a field too many, a bad
    value...), so its personal columns cannot be told apart by position: the whole raw line goes,
    its file, line and reason stay. A row names a key when, for every key column, one of its
    fields (trimmed, upper-cased) is the key's value (``values``: each key's business key values).
    """
    needles = {key: found for key, key_values_ in values.items()
               if all(found := _needles(conn, target, key_values_))}
    if not needles:
        return Counter()
    batch = sql.SQL(" and batch_id = %s") if batch_id is not None else sql.SQL("")
    matched: list[tuple[int, int, bytes]] = []
    for row_batch, line, raw in conn.execute(
            sql.SQL("select batch_id, line, raw from landing.quarantine where source = %s and raw <> %s{}").format(
                batch), (target.source.name, ERASED_RAW, *([batch_id] if batch_id is not None else []))).fetchall():
        fields = {as_text(field) or "" for field in _fields(raw)}
        key = next((key for key, columns in needles.items() if all(column & fields for column in columns)), None)
        if key is not None:
            matched.append((row_batch, line, key))
    for row_batch, line, _ in matched:
        conn.execute("update landing.quarantine set raw = %s where batch_id = %s and source = %s and line = %s",
                     (ERASED_RAW, row_batch, target.source.name, line))
    return Counter(key for _, _, key in matched)


def business_keys(conn: psycopg.Connection, hub: Hub, keys: Sequence[bytes]) -> dict[bytes, list[str]]:
    """The business key values the hub stores for ``keys`` (kept in memory only, to match raw lines)."""
    columns = sql.SQL(", ").join(sql.SQL("cast({} as text)").format(sql.Identifier(c)) for c in hub.business_key)
    rows = conn.execute(sql.SQL("select {}, {} from {} where {} = any(%s)").format(
        sql.Identifier(hub.key), columns, sql.Identifier(vault_schema(hub), hub.model), sql.Identifier(hub.key)),
        (list(keys),)).fetchall()
    return {bytes(key): [value or "" for value in values] for key, *values in rows}


def erase_keys(conn: psycopg.Connection, spec: Spec, plan: ErasurePlan,
               keys: Sequence[bytes]) -> dict[bytes, dict[str, int]]:
    """Erase the personal data of ``keys`` of the plan's hub, in the caller's transaction.

    Returns, per key, the rows changed in each planned table that exists (0 included).
    """
    pk = plan.hub.key
    keys = list(dict.fromkeys(keys))
    per_table: dict[str, Counter[bytes]] = {}

    def add(table: str, counts: Counter[bytes]) -> None:
        per_table.setdefault(table, Counter()).update(counts)

    for sat in plan.satellites:
        if exists(conn, vault_schema(sat), sat.model):
            add(f"{vault_schema(sat)}.{sat.model}", _erase_satellite(conn, spec, sat, pk, keys))
    for ma in plan.multi_active:
        if exists(conn, vault_schema(ma), ma.model):
            add(f"{vault_schema(ma)}.{ma.model}", _erase_multi_active(conn, spec, ma, pk, keys))
    for xts, sat in plan.tracking:
        if exists(conn, vault_schema(xts), xts.model):
            add(f"{vault_schema(xts)}.{xts.model}", _erase_tracking(conn, spec, xts, sat, pk, keys))
    values = business_keys(conn, plan.hub, keys) if exists(conn, vault_schema(plan.hub), plan.hub.model) else {}
    for target in plan.landing:
        if exists(conn, LANDING_SCHEMA, target.source.name):
            add(target.table, erase_landing(conn, spec, target, sql.SQL("%s"), [keys]))
        if exists(conn, LANDING_SCHEMA, "quarantine"):
            add(QUARANTINE, erase_quarantine(conn, target, values))
    return {key: {table: counts[key] for table, counts in per_table.items()} for key in keys}


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
