"""The history of one business key, for a compliance reviewer: ``dvkit trace ENTITY KEY``.

:func:`trace` reads the vault (never writes; the session is read-only) and returns a :class:`Trace`:

- the hub row: the business key as first delivered, when it was first seen, its record source and
  the landing line(s) that delivered it;
- every event of the key, in time order: each version of each satellite of the hub
  (``raw_vault.sat_<name>``), each version of each multi-active satellite (``ma_sat_<name>``, a
  version being the set of rows of one load time), each version of the satellites of the links that
  include the hub, each link row (with the business keys of the other hubs it links to), each
  effectivity period of those links (``eff_sat_<name>``) and each erasure of the key's personal data
  logged in ``dvkit.erasure_log`` (when that table exists). Ghost rows are skipped;
- for every satellite, link and effectivity event, where it came from: the landing rows of its
  source (batch id, file, line) with the key's business key, the row's load time and -- for
  satellites -- a payload that hashes to the row's hashdiff; and a field-by-field diff against the
  previous version of the same satellite and parent key (the first version: every field "added");
- the state the vault held: the current version of every satellite, link and effectivity period
  (as of ``as_of`` when given, else now).

With ``as_of``, only what the vault knew then counts: rows with ``load_datetime <= as_of`` and
erasures with ``erased_at <= as_of``. Times are the vault's own, naive (dvkit's load times are UTC);
an aware ``as_of`` is converted to UTC, a naive one compared as it is; an erasure's ``erased_at``
(timestamptz) is shown in UTC.

The key is typed as a person would: any case, stray spaces. It is hashed by the vault's standard
(:func:`generator.hashing.hash_key`), so ``" ABC "`` finds ``abc``. A hub with a business key of
several columns takes them joined by ``||`` (the hash's own separator). A key the hub does not hold
is looked for through the spec's lookups (``customer_id`` of Olist's ``customers`` leads to the
person's ``customer_unique_id``, the key of hub ``customer``); the trace says so in its first note.

Columns the connected role may not read (a reviewer's withheld personal data) are read as
:data:`HIDDEN` and named in ``Event.hidden_fields``; the rest of the trace is as the owner's.
``Trace.batches`` holds what ``landing.batches`` records of every batch a source line names,
including the snapshot and period of a replayed batch (``dvkit load --replay``).

Erased values (an erasure nulls the personal payload of satellite rows) are listed in
``Event.erased_fields`` and diffed as ``"erased"``, never as a change made by the source.

Every value reaches SQL as a bound parameter; table and column names only as identifiers.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql

from generator import kinds
from generator.db import Database
from generator.errors import DvkitError
from generator.hashing import SEPARATOR, hash_key, hashdiff
from generator.places import DVKIT, LANDING
from generator.render.plan import link_key_columns
from generator.spec.model import (
    Hub,
    Link,
    MultiActiveSatellite,
    NonHistorisedLink,
    Satellite,
    Spec,
    StatusTrackingSatellite,
)

ERASURE_LOG = (DVKIT, "erasure_log")
GHOST_SOURCE = "AUTOMATE_DV_SYSTEM"
OPEN_END = dt.datetime(9999, 12, 31)
KEY_SEPARATOR = SEPARATOR  # a composite business key is typed as the hash joins its parts

# Events of one instant are listed in this order: the relationship, its period, then what it describes.
KIND_ORDER = ("link", "effectivity", "satellite", "multi_active_satellite", "status", "erasure")

# How the landing rows of an event were found (``Event.match``).
MATCH_HASHDIFF = "hashdiff"  # key, load time and a payload hashing to the row's hashdiff
MATCH_KEY = "key_and_load_time"  # key and load time only (links, effectivity, or a payload changed since)
MATCH_DRIVING_KEY = "driving_key_and_load_time"  # an end-dated period: the delivery that replaced it
MATCH_NONE = "none"  # no landing row found (landing emptied, or not kept)
MATCH_NOT_APPLICABLE = "not_applicable"  # erasures, and keys missing from a full extract: no line to cite


class Hidden:
    """A value the connected role may not read (a personal column withheld from a reviewer)."""

    _instance: Hidden | None = None

    def __new__(cls) -> Hidden:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return HIDDEN_TEXT

    def __str__(self) -> str:
        return HIDDEN_TEXT


HIDDEN_TEXT = "[personal data hidden]"
HIDDEN = Hidden()


@dataclass(frozen=True)
class SourceLine:
    """A landing row: the batch that delivered it and where it is in the file."""

    batch_id: int
    source_file: str
    source_line: int


@dataclass(frozen=True)
class Change:
    """One field of a diff. ``change``: added, changed, removed (a multi-active row gone) or erased."""

    field: str
    change: str
    old: Any = None
    new: Any = None


@dataclass(frozen=True)
class Parent:
    """What an event describes: the traced hub key, or one row of a link that includes it."""

    kind: str  # "hub" or "link"
    name: str  # hub or link name
    hash_key: bytes
    keys: tuple[tuple[str, Any], ...]  # hub: its business key; link: the other hubs' keys, then the child key
    hub_keys: tuple[tuple[str, bytes | None], ...]  # link: each other hub's hash key
    label: str


@dataclass
class Event:
    """One thing that happened to the key, at ``time`` (a load time, or an erasure's time)."""

    time: dt.datetime
    kind: str  # one of KIND_ORDER
    name: str  # satellite, link, effectivity satellite name; "erasure" for erasures
    table: str  # schema-qualified table the event was read from
    parent: Parent
    record_source: str | None
    effective_from: dt.datetime | None = None
    version: int = 1  # 1-based, per (kind, name, parent)
    values: dict[str, Any] = field(default_factory=dict)
    diff: list[Change] = field(default_factory=list)
    provenance: list[SourceLine] = field(default_factory=list)
    match: str = MATCH_NONE
    erased_fields: tuple[str, ...] = ()
    hidden_fields: tuple[str, ...] = ()  # values the connected role may not read (shown as HIDDEN)
    summary: str = ""

    @property
    def series(self) -> tuple[str, str, bytes]:
        return (self.kind, self.name, self.parent.hash_key)


@dataclass(frozen=True)
class HubRow:
    name: str
    table: str
    hash_key: bytes
    business_key: tuple[tuple[str, Any], ...]
    first_seen: dt.datetime
    record_source: str
    provenance: tuple[SourceLine, ...]
    match: str


@dataclass(frozen=True)
class BatchOrigin:
    """What ``landing.batches`` records of a batch; ``period`` is set when it replayed a snapshot.

    ``dvkit load --replay`` names the batch's folder ``<snapshot folder> (replay by <period>)`` and
    gives it the period's last second as load time; the file name of each line is the snapshot's.
    """

    batch_id: int
    load_ts: dt.datetime
    source_dir: str
    snapshot: str | None = None  # the snapshot's folder, for a replayed batch
    period: str | None = None  # day, week or month
    period_start: dt.date | None = None
    period_end: dt.datetime | None = None


REPLAYED = re.compile(r"^(?P<snapshot>.*) \(replay by (?P<period>day|week|month)\)$")


def batch_origin(batch_id: int, load_ts: dt.datetime, source_dir: str) -> BatchOrigin:
    """A batch as ``landing.batches`` holds it, with the replayed period when there is one.

    >>> batch_origin(3, dt.datetime(2017, 2, 28, 23, 59, 59), "olist (replay by month)").period_start
    datetime.date(2017, 2, 1)
    >>> batch_origin(4, dt.datetime(2017, 1, 8, 23, 59, 59), "olist (replay by week)").period_start
    datetime.date(2017, 1, 2)
    >>> batch_origin(5, dt.datetime(2017, 1, 8, 12, 0), "/data/olist").period is None
    True
    """
    found = REPLAYED.match(source_dir)
    if found is None:
        return BatchOrigin(batch_id, load_ts, source_dir)
    period, last = found["period"], load_ts.date()
    start = last.replace(day=1) if period == "month" else last - dt.timedelta(days=6) if period == "week" else last
    return BatchOrigin(batch_id, load_ts, source_dir, found["snapshot"], period, start, load_ts)


@dataclass
class Trace:
    entity: str
    key: str  # the business key as first delivered (columns joined by ||)
    key_as_typed: str
    hash_algorithm: str
    hub: HubRow
    as_of: dt.datetime | None
    events: list[Event]
    state: list[Event]  # the current event of every series (no erasures), as of ``as_of``
    database: str  # where it was read from (password masked)
    notes: list[str] = field(default_factory=list)
    generated_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc))  # aware, UTC
    batches: dict[int, BatchOrigin] = field(default_factory=dict)  # every batch a source line names
    looked_up: str | None = None  # how the key typed led to the hub's key, when it is not the hub's


# -- the entry point --------------------------------------------------------------------------------


def trace(db: Database, spec: Spec, entity: str, key: str, as_of: dt.datetime | None = None) -> Trace:
    """Everything the vault knows (or knew at ``as_of``) about one key of the hub ``entity``."""
    hub = find_hub(spec, entity)
    parts = key_parts(hub, key)
    algorithm = spec.settings.hash
    hk = hash_key(parts, algorithm)
    if hk is None:
        raise DvkitError(f"the key of {hub.name} is empty: '{key}'",
                         hint=f"give the {', '.join(hub.business_key)} to trace")
    as_of = naive_utc(as_of)
    generated_at = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    looked_up = None
    with db.connect(autocommit=True) as conn:
        conn.execute("set session characteristics as transaction read only")
        tracer = _Tracer(conn, spec, hub, hk, as_of)
        try:
            hub_row = tracer.hub_row(key)
        except KeyNotInHub as missing:
            found, looked_up = _through_lookup(conn, spec, hub, key)
            if found is None:
                raise DvkitError(missing.message, hint=(missing.hint or "") + (f"; {looked_up}" if looked_up else "")
                                 ) from None
            hk = hash_key(key_parts(hub, found), algorithm)
            assert hk is not None
            tracer = _Tracer(conn, spec, hub, hk, as_of)
            hub_row = tracer.hub_row(found)
        events = tracer.events()
        batches = tracer.batches([hub_row.provenance, *(e.provenance for e in events)])
    events.sort(key=_event_order)
    _number_versions(events)
    return Trace(
        entity=hub.name,
        key=KEY_SEPARATOR.join("" if v is None else str(v) for _, v in hub_row.business_key),
        key_as_typed=key,
        hash_algorithm=algorithm,
        hub=hub_row,
        as_of=as_of,
        events=events,
        state=_state(events),
        database=db.display_url(),
        notes=([looked_up] if looked_up else []) + tracer.notes,
        generated_at=generated_at,
        batches=batches,
        looked_up=looked_up,
    )


class KeyNotInHub(DvkitError):
    """The hub holds no such key (perhaps it is another key of the same thing: see ``_through_lookup``)."""


def _through_lookup(conn: psycopg.Connection, spec: Spec, hub: Hub, typed: str) -> tuple[str | None, str | None]:
    """The hub's business key for a key the hub does not use, found through the spec's lookups.

    A source whose rows reach the hub's key through a lookup (``lookups:`` in the spec, e.g. Olist's
    orders carry ``customer_id`` and find ``customer_unique_id`` in ``customers``) says which other
    key names the same thing. Returns (the hub's key or None, what was found in words or None).
    """
    if len(hub.business_key) != 1:
        return None, None
    wanted = hub.business_key[0]
    tried: list[str] = []
    for source in spec.sources:
        for lookup in source.lookups:
            if wanted not in lookup.columns:
                continue
            where = f"{lookup.source}.{lookup.on}"
            if where in tried:
                continue
            tried.append(where)
            query = sql.SQL("select distinct {}::text from {} where upper(trim({}::text)) = upper(trim(%s)) "
                            "and {} is not null order by 1 limit 6").format(
                sql.Identifier(wanted), sql.Identifier(LANDING, lookup.source), sql.Identifier(lookup.on),
                sql.Identifier(wanted))
            try:
                found = [str(v) for (v,) in conn.execute(query, (typed,)).fetchall()]
            except psycopg.Error:  # landing emptied, or not readable by this role: say what the hub uses
                continue
            if len(found) == 1:
                return found[0], (f"'{typed}' is not a {wanted} of hub {hub.name} but a {lookup.on} of source "
                                  f"{lookup.source}, which the spec's lookup (source {source.name}) maps to "
                                  f"{wanted} '{found[0]}': traced that")
            if found:
                raise DvkitError(f"{lookup.on} '{typed}' of source {lookup.source} maps to several {wanted}: "
                                 f"{', '.join(found[:5])}",
                                 hint=f"trace one of them: dvkit trace {hub.name} <{wanted}>")
    uses = f"hub {hub.name} is keyed by {wanted}"
    if tried:
        return None, f"{uses}; no {' or '.join(tried)} is '{typed}' either (the spec's lookups to it)"
    return None, None


def find_hub(spec: Spec, entity: str) -> Hub:
    """The hub named ``entity`` (case and spaces forgiven), or an error naming the closest one."""
    wanted = entity.strip().lower()
    for hub in spec.hubs:
        if wanted in (hub.name, hub.model):
            return hub
    names = [hub.name for hub in spec.hubs]
    close = difflib.get_close_matches(wanted, names, n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    raise DvkitError(f"unknown entity '{entity}': not a hub of the spec",
                     hint=f"{hint}hubs: {', '.join(names)}")


def key_parts(hub: Hub, key: str) -> list[str]:
    """The business key columns of ``key`` as typed (several columns: joined by ``||``)."""
    if len(hub.business_key) == 1:
        return [key]
    parts = key.split(KEY_SEPARATOR)
    if len(parts) != len(hub.business_key):
        raise DvkitError(
            f"{hub.name} has a business key of {len(hub.business_key)} columns "
            f"({', '.join(hub.business_key)}); '{key}' gives {len(parts)}",
            hint=f"join the values with {KEY_SEPARATOR}, in that order")
    return parts


def naive_utc(moment: dt.datetime | None) -> dt.datetime | None:
    """A time as the vault stores load times: naive; an aware time is converted to UTC first."""
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(dt.timezone.utc).replace(tzinfo=None)


# -- reading the vault ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Landed:
    """A landing row: every column as PostgreSQL casts it to text (as the stage hashes it)."""

    values: dict[str, str | None]
    batch_id: int
    load_ts: dt.datetime
    source_file: str
    source_line: int
    record_source: str

    def line(self) -> SourceLine:
        return SourceLine(self.batch_id, self.source_file, self.source_line)


class _Tracer:
    def __init__(self, conn: psycopg.Connection, spec: Spec, hub: Hub, hk: bytes, as_of: dt.datetime | None):
        self.conn = conn
        self.spec = spec
        self.hub = hub
        self.hk = hk
        self.as_of = as_of
        self.algorithm = spec.settings.hash
        self.vault = spec.naming.raw_vault_schema  # the raw vault's schema (settings: naming)
        self.notes: list[str] = []
        self.tables = self._existing_tables()
        self._landing_cache: dict[str, list[_Landed]] = {}
        self._hub_parent: Parent | None = None
        self._erased_tables: set[str] = set()
        self._hidden_cache: dict[str, frozenset[str]] = {}

    # -- helpers

    def _existing_tables(self) -> set[tuple[str, str]]:
        rows = self.conn.execute(
            "select n.nspname, c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace "
            "where n.nspname = any(%s) and c.relkind in ('r', 'v', 'm', 'p', 'f')",
            ([self.vault, LANDING, ERASURE_LOG[0]],)).fetchall()
        return {(str(schema), str(name)) for schema, name in rows}

    def _has(self, model: str) -> bool:
        if (self.vault, model) in self.tables:
            return True
        self.notes.append(f"{self.vault}.{model} does not exist (not built yet): left out")
        return False

    def _known_then(self, column: str = "load_datetime") -> tuple[sql.Composable, list[Any]]:
        """The conditions every vault row must meet: not a ghost, and loaded by ``as_of``."""
        condition: sql.Composable = sql.SQL("{} <> %s").format(sql.Identifier("record_source"))
        params: list[Any] = [GHOST_SOURCE]
        if self.as_of is not None:
            condition = sql.SQL("{} and {} <= %s").format(condition, sql.Identifier(column))
            params.append(self.as_of)
        return condition, params

    def _select(self, model: str, columns: Sequence[str], key_column: str, keys: Sequence[bytes],
                order: Sequence[str]) -> list[dict[str, Any]]:
        """Rows of ``raw_vault.<model>`` whose ``key_column`` is one of ``keys``, known by ``as_of``."""
        if not keys:
            return []
        condition, params = self._known_then()
        hidden = self._hidden(model)
        # A column the role may not read (personal data withheld from a reviewer) is selected as NULL
        # and returned as HIDDEN; the role then reads the rest of the table as it is.
        selected = [sql.SQL("null") if c in hidden else sql.Identifier(c) for c in columns]
        query = sql.SQL("select {} from {} where {} = any(%s) and {} order by {}").format(
            sql.SQL(", ").join(selected), sql.Identifier(self.vault, model),
            sql.Identifier(key_column), condition,
            sql.SQL(", ").join(sql.Identifier(c) for c in order if c not in hidden))
        rows = self.conn.execute(query, [list(keys), *params]).fetchall()
        return [dict(zip(columns, (HIDDEN if c in hidden else bytes(v) if isinstance(v, memoryview) else v
                                   for c, v in zip(columns, row, strict=True)), strict=True))
                for row in rows]

    def _hidden(self, model: str) -> frozenset[str]:
        """Columns of ``raw_vault.<model>`` the connected role may not select."""
        if model not in self._hidden_cache:
            self._hidden_cache[model] = frozenset(name for (name,) in self.conn.execute(
                """select attname from pg_attribute
                   where attrelid = %s::regclass and attnum > 0 and not attisdropped
                     and not has_column_privilege(attrelid, attnum, 'SELECT')""",
                (sql.Identifier(self.vault, model).as_string(self.conn),)))
            if self._hidden_cache[model]:
                self.notes.append(f"{self.vault}.{model}: {', '.join(sorted(self._hidden_cache[model]))} "
                                  f"shown as {HIDDEN_TEXT} (personal data this role may not read)")
        return self._hidden_cache[model]

    # -- the hub

    def hub_row(self, typed: str) -> HubRow:
        hub = self.hub
        if (self.vault, hub.model) not in self.tables:
            raise DvkitError(f"the vault has no table {self.vault}.{hub.model}",
                             hint="build the vault first: dvkit load, then dvkit build")
        columns = [*hub.business_key, "load_datetime", "record_source"]
        query = sql.SQL("select {} from {} where {} = %s").format(
            sql.SQL(", ").join(map(sql.Identifier, columns)), sql.Identifier(self.vault, hub.model),
            sql.Identifier(hub.key))
        row = self.conn.execute(query, (self.hk,)).fetchone()
        if row is None:
            raise KeyNotInHub(
                f"no {hub.name} with key '{typed}' in the vault",
                hint=f"{self.vault}.{hub.model} has no {', '.join(hub.business_key)} that hashes like '{typed}' "
                     f"(trimmed, upper-cased: {self.algorithm} {self.hk.hex()}); check the value and the entity, "
                     "or build the batch that delivers it")
        values = dict(zip(columns, row, strict=True))
        first_seen, record_source = values["load_datetime"], values["record_source"]
        if self.as_of is not None and first_seen > self.as_of:
            raise DvkitError(
                f"{hub.name} '{typed}' was not yet in the vault at {self.as_of.isoformat(sep=' ')}",
                hint=f"it was first loaded at {first_seen.isoformat(sep=' ')}; give a later --as-of")
        business_key = tuple((c, values[c]) for c in hub.business_key)
        self._hub_parent = Parent("hub", hub.name, self.hk, business_key, (),
                                  f"{hub.name} {_join(v for _, v in business_key)}")
        # The landing line(s) that delivered it first: a feed whose record source is the hub row's.
        feeds = [f for f in hub.feeds if self.spec.source(f.source).record_source == record_source] or list(hub.feeds)
        lines: list[SourceLine] = []
        for feed in feeds:
            lines += [r.line() for r in self._landing(feed.source)
                      if r.load_ts == first_seen and self._hash(r, feed.columns) == self.hk]
        return HubRow(hub.name, f"{self.vault}.{hub.model}", self.hk, business_key, first_seen, record_source,
                      tuple(sorted(set(lines), key=_line_order)), MATCH_KEY if lines else MATCH_NONE)

    def batches(self, lines: Iterable[Iterable[SourceLine]]) -> dict[int, BatchOrigin]:
        """What ``landing.batches`` records of every batch named in ``lines``."""
        wanted = sorted({line.batch_id for group in lines for line in group})
        if not wanted or (LANDING, "batches") not in self.tables:
            return {}
        try:
            rows = self.conn.execute("select batch_id, load_ts, source_dir from landing.batches "
                                     "where batch_id = any(%s) order by 1", (wanted,)).fetchall()
        except psycopg.Error as exc:
            self.notes.append(f"landing.batches could not be read ({exc.diag.message_primary or exc}): "
                              "replayed periods left out")
            return {}
        return {int(b): batch_origin(int(b), ts, str(d)) for b, ts, d in rows}

    @property
    def hub_parent(self) -> Parent:
        assert self._hub_parent is not None, "hub_row() first"
        return self._hub_parent

    # -- everything else

    def events(self) -> list[Event]:
        erasures = self._erasures()
        # Every table whose rows join the hub's key to others (links, non-historised links), as its kind says.
        links = [(kind, link) for kind, link in kinds.entities(self.spec)
                 if kind.joins_hubs and self.hub.name in link.hubs and self._has(kind.model(link))]
        parents: dict[str, list[Parent]] = {self.hub.name: [self.hub_parent]}
        events: list[Event] = []
        for kind, link in links:
            link_events = self._link_rows(link, kind.payload(link))
            parents[link.name] = [e.parent for e in link_events]
            events += link_events
            events += self._effectivity(link, {e.parent.hash_key: e.parent for e in link_events})
        # The tables keyed by the hub or by one of those links, read the way their kind's rows are read.
        readers: dict[str, Callable[[Any, list[Parent]], list[Event]]] = {
            "sat": self._satellite, "ma_sat": self._multi_active, "sts": self._status_tracking}
        for kind, entity in kinds.entities(self.spec):
            parent = kind.parent(self.spec, entity)
            if kind.name in readers and parent in parents and self._has(kind.model(entity)):
                events += readers[kind.name](entity, parents[parent])
        return events + erasures

    def _link_rows(self, link: Link | NonHistorisedLink, payload: tuple[str, ...] = ()) -> list[Event]:
        """One event per row of the link with the traced key; ``payload``: the columns a row stores besides
        keys (a non-historised link's), shown with the keys."""
        hubs = [self.spec.hub(name) for name in link.hubs]
        columns = [link.key, *(h.key for h in hubs), *link.dependent_child_key, *payload, "load_datetime",
                   "record_source"]
        rows = self._select(link.model, columns, self.hub.key, [self.hk], ["load_datetime", link.key])
        others = [h for h in hubs if h.name != self.hub.name]
        business = {h.name: self._business_keys(h, [r[h.key] for r in rows]) for h in others}
        events = []
        for row in rows:
            keys: list[tuple[str, Any]] = []
            for other in others:
                found = business[other.name].get(row[other.key])
                if found is None:
                    keys.append((other.key, row[other.key].hex() if row[other.key] else None))
                else:
                    keys += list(found)
            keys += [(c, row[c]) for c in link.dependent_child_key]
            parent = Parent("link", link.name, row[link.key], tuple(keys),
                            tuple((h.name, row[h.key]) for h in others),
                            f"{link.name} " + ", ".join(f"{c}={_text(v)}" for c, v in keys))
            values = dict(keys) | {c: row[c] for c in payload}
            lines, match = self._link_provenance(link, row[link.key], row["load_datetime"], row["record_source"])
            events.append(Event(
                time=row["load_datetime"], kind="link", name=link.name, table=f"{self.vault}.{link.model}",
                parent=parent, record_source=row["record_source"], values=values,
                diff=[Change(c, "added", None, v) for c, v in values.items()], provenance=lines, match=match,
                summary="linked to " + ", ".join(f"{c}={_text(v)}" for c, v in keys)
                + "".join(f"; {c}={_text(row[c])}" for c in payload)))
        return events

    def _business_keys(self, hub: Hub, keys: Iterable[bytes | None]) -> dict[bytes, tuple[tuple[str, Any], ...]]:
        wanted = sorted({k for k in keys if k is not None})
        if not wanted or (self.vault, hub.model) not in self.tables:
            return {}
        columns = [hub.key, *hub.business_key]
        query = sql.SQL("select {} from {} where {} = any(%s)").format(
            sql.SQL(", ").join(map(sql.Identifier, columns)), sql.Identifier(self.vault, hub.model),
            sql.Identifier(hub.key))
        return {bytes(row[0]): tuple(zip(hub.business_key, row[1:], strict=True))
                for row in self.conn.execute(query, (wanted,)).fetchall()}

    def _link_provenance(self, link: Link | NonHistorisedLink, link_hk: bytes, loaded: dt.datetime,
                         record_source: str) -> tuple[list[SourceLine], str]:
        sources = [s for s in link.sources if self.spec.source(s).record_source == record_source] or list(link.sources)
        lines = []
        for source in sources:
            columns = link_key_columns(self.spec, link, source)
            lines += [r.line() for r in self._landing(source)
                      if r.load_ts == loaded and self._hash(r, columns) == link_hk]
        return _sorted_lines(lines), MATCH_KEY if lines else MATCH_NONE

    def _effectivity(self, link: Link, parents: dict[bytes, Parent]) -> list[Event]:
        events: list[Event] = []
        for eff in self.spec.effectivity_satellites:
            if eff.link != link.name or not self._has(eff.model):
                continue
            hubs = [self.spec.hub(name) for name in link.hubs]
            columns = [link.key, *(h.key for h in hubs), "start_date", "end_date", "effective_from", "load_datetime",
                       "record_source"]
            rows = self._select(eff.model, columns, link.key, sorted(parents),
                                [link.key, "load_datetime", "effective_from", "start_date", "end_date"])
            previous: dict[bytes, dict[str, Any]] = {}
            for row in rows:
                parent = parents[row[link.key]]
                values = {"start_date": row["start_date"], "end_date": row["end_date"]}
                lines = [r.line() for r in self._landing(eff.source) if r.load_ts == row["load_datetime"]
                         and self._hash(r, link_key_columns(self.spec, link, eff.source)) == row[link.key]]
                match = MATCH_KEY if lines else MATCH_NONE
                if not lines and row["end_date"] != OPEN_END:
                    # Auto end-dating: a new relationship of the driving key closed this one.
                    driving = [self.spec.hub(h) for h in link.hubs if h in eff.driving_key]
                    lines = [r.line() for r in self._landing(eff.source) if r.load_ts == row["load_datetime"]
                             and bool(driving) and all(self._hash(r, h.columns_in(eff.source)) == row[h.key]
                                                       for h in driving)]
                    match = MATCH_DRIVING_KEY if lines else MATCH_NONE
                ended = row["end_date"] != OPEN_END
                summary = (f"ended {_text(row['end_date'])} (in force from {_text(row['start_date'])})" if ended
                           else f"in force from {_text(row['start_date'])}")
                events.append(Event(
                    time=row["load_datetime"], kind="effectivity", name=eff.name, table=f"{self.vault}.{eff.model}",
                    parent=parent, record_source=row["record_source"], effective_from=row["effective_from"],
                    values=values, diff=_diff(previous.get(row[link.key]), values, set(), set()),
                    provenance=_sorted_lines(lines), match=match, summary=f"{link.name} {summary}"))
                previous[row[link.key]] = values
        return events

    def _status_tracking(self, sts: StatusTrackingSatellite, parents: list[Parent]) -> list[Event]:
        """When the source stopped delivering the key (or a link row of it), and when it came back."""
        parent_entity = self._parent_entity(sts.parent)
        pk = parent_entity.key
        by_key = {p.hash_key: p for p in parents}
        rows = self._select(sts.model, [pk, "status", "load_datetime", "record_source"], pk, sorted(by_key),
                            [pk, "load_datetime"])
        key_columns = self._key_columns(parent_entity, sts.source)
        flag = self.spec.source(sts.source).delete_flag
        events: list[Event] = []
        previous: dict[bytes, dict[str, Any]] = {}
        for row in rows:
            values = {"status": row["status"]}
            since = _text(row["load_datetime"])
            lines = [r.line() for r in self._landing(sts.source) if r.load_ts == row["load_datetime"]
                     and self._hash(r, key_columns) == row[pk]]
            if row["status"] == "deleted" and lines:
                summary = f"deleted at the source ({flag} in {sts.source}) since {since}"
            elif row["status"] == "deleted":
                # Nothing to cite: the key is what the delivery lacked.
                summary = f"no longer delivered by {sts.source} since {since} (missing from its full extract)"
            elif previous.get(row[pk], {}).get("status") == "deleted":
                summary = f"delivered again by {sts.source} since {since}"
            else:
                summary = f"delivered by {sts.source}"
            events.append(Event(
                time=row["load_datetime"], kind="status", name=sts.name, table=f"{self.vault}.{sts.model}",
                parent=by_key[row[pk]], record_source=row["record_source"], values=values,
                diff=_diff(previous.get(row[pk]), values, set(), set()), provenance=_sorted_lines(lines),
                match=MATCH_KEY if lines else MATCH_NOT_APPLICABLE if row["status"] == "deleted" else MATCH_NONE,
                summary=summary))
            previous[row[pk]] = values
        return events

    def _satellite(self, sat: Satellite, parents: list[Parent]) -> list[Event]:
        parent_entity = self._parent_entity(sat.parent)
        pk = parent_entity.key
        by_key = {p.hash_key: p for p in parents}
        columns = [pk, sat.hashdiff, *sat.stored_payload, "effective_from", "load_datetime", "record_source"]
        rows = self._select(sat.model, columns, pk, sorted(by_key),
                            [pk, "load_datetime", "effective_from", sat.hashdiff])
        key_columns = self._key_columns(parent_entity, sat.source)
        personal = self._personal(sat.source, sat.stored_payload, sat.personal_data)
        events: list[Event] = []
        previous: dict[bytes, tuple[dict[str, Any], set[str]]] = {}
        for row in rows:
            values = {c: row[c] for c in sat.stored_payload}
            erased = self._erased(sat.model, values, personal)
            candidates = [r for r in self._landing(sat.source)
                          if r.load_ts == row["load_datetime"] and self._hash(r, key_columns) == row[pk]]
            exact = [r for r in candidates if row[sat.hashdiff] is not HIDDEN
                     and hashdiff([r.values.get(c) for c in sat.payload], sat.payload, self.algorithm,
                                  added=[r.values.get(c) for c in sat.payload_added]) == row[sat.hashdiff]]
            chosen = exact or candidates
            prior = previous.get(row[pk])
            diff = _diff(prior[0] if prior else None, values, erased, prior[1] if prior else set())
            hidden = tuple(c for c in sat.stored_payload if values[c] is HIDDEN)
            events.append(Event(
                time=row["load_datetime"], kind="satellite", name=sat.name, table=f"{self.vault}.{sat.model}",
                parent=by_key[row[pk]], record_source=row["record_source"], effective_from=row["effective_from"],
                values=values, diff=diff, provenance=_sorted_lines(r.line() for r in chosen),
                match=MATCH_HASHDIFF if exact else MATCH_KEY if candidates else MATCH_NONE,
                erased_fields=tuple(c for c in sat.stored_payload if c in erased), hidden_fields=hidden,
                summary=_diff_summary(diff, prior is None, hidden)))
            previous[row[pk]] = (values, erased)
        return events

    def _multi_active(self, sat: MultiActiveSatellite, parents: list[Parent]) -> list[Event]:
        parent_entity = self._parent_entity(sat.parent)
        pk = parent_entity.key
        by_key = {p.hash_key: p for p in parents}
        columns = [pk, *sat.child_key, sat.hashdiff, *sat.stored_payload, "effective_from", "load_datetime",
                   "record_source"]
        rows = self._select(sat.model, columns, pk, sorted(by_key), [pk, "load_datetime", *sat.child_key])
        key_columns = self._key_columns(parent_entity, sat.source)
        hashed = sat.child_key + sat.payload
        personal = self._personal(sat.source, sat.stored_payload, False)
        versions: dict[tuple[bytes, dt.datetime], list[dict[str, Any]]] = defaultdict(list)
        for row in rows:
            versions[(row[pk], row["load_datetime"])].append(row)
        events: list[Event] = []
        previous: dict[bytes, tuple[dict[str, Any], set[str]]] = {}
        for (parent_hk, loaded), version in sorted(versions.items(), key=lambda item: (item[0][0], item[0][1])):
            version.sort(key=lambda r: tuple(_sortable(r[c]) for c in sat.child_key))
            values: dict[str, Any] = {}
            erased: set[str] = set()
            for row in version:
                label = ",".join(f"{c}={_text(row[c])}" for c in sat.child_key)
                row_values = {c: row[c] for c in sat.stored_payload}
                row_erased = self._erased(sat.model, row_values, personal)
                for column, value in row_values.items():
                    values[f"{column}[{label}]"] = value
                    if column in row_erased:
                        erased.add(f"{column}[{label}]")
            candidates = [r for r in self._landing(sat.source)
                          if r.load_ts == loaded and self._hash(r, key_columns) == parent_hk]
            wanted = {row[sat.hashdiff] for row in version} - {HIDDEN}
            exact = [r for r in candidates
                     if hashdiff([r.values.get(c) for c in hashed], hashed, self.algorithm,
                                 added=[r.values.get(c) for c in sat.payload_added]) in wanted]
            chosen = exact or candidates
            prior = previous.get(parent_hk)
            diff = _diff(prior[0] if prior else None, values, erased, prior[1] if prior else set())
            first = version[0]
            events.append(Event(
                time=loaded, kind="multi_active_satellite", name=sat.name, table=f"{self.vault}.{sat.model}",
                parent=by_key[parent_hk], record_source=first["record_source"],
                effective_from=min(r["effective_from"] for r in version if r["effective_from"] is not None)
                if any(r["effective_from"] is not None for r in version) else None,
                values=values, diff=diff, provenance=_sorted_lines(r.line() for r in chosen),
                match=MATCH_HASHDIFF if exact else MATCH_KEY if candidates else MATCH_NONE,
                erased_fields=tuple(c for c in values if c in erased),
                hidden_fields=tuple(c for c, v in values.items() if v is HIDDEN),
                summary=f"{len(version)} row(s); " + _diff_summary(
                    diff, prior is None, tuple(c for c, v in values.items() if v is HIDDEN))))
            previous[parent_hk] = (values, erased)
        return events

    def _erasures(self) -> list[Event]:
        if ERASURE_LOG not in self.tables:
            return []
        condition = sql.SQL("")
        params: list[Any] = [[self.hub.name, self.hub.model], self.hk]
        if self.as_of is not None:
            condition = sql.SQL(" and erased_at <= %s")
            params.append(self.as_of.replace(tzinfo=dt.timezone.utc))
        query = sql.SQL(
            "select erasure_id, erased_at, reason, tables, rows_erased, erased_by from {} "
            "where entity = any(%s) and hub_key = %s{} order by erased_at, erasure_id"
        ).format(sql.Identifier(*ERASURE_LOG), condition)
        try:
            rows = self.conn.execute(query, params).fetchall()
        except psycopg.Error as exc:  # another shape than expected: say so, trace the rest
            self.notes.append(f"dvkit.erasure_log could not be read ({exc.diag.message_primary or exc}): "
                              "erasures left out")
            return []
        # Rows erased after as_of are erased today all the same: their values are gone.
        try:
            every = self.conn.execute(
                sql.SQL("select tables from {} where entity = any(%s) and hub_key = %s").format(
                    sql.Identifier(*ERASURE_LOG)), params[:2]).fetchall()
        except psycopg.Error:
            every = []
        for (tables,) in every:
            self._erased_tables.update(_bare(t) for t in tables or ())
        events = []
        for erasure_id, erased_at, reason, tables, rows_erased, erased_by in rows:
            tables = list(tables or [])
            when = naive_utc(erased_at) if isinstance(erased_at, dt.datetime) else erased_at
            values = {"erasure_id": erasure_id, "tables": tables, "reason": reason, "rows_erased": rows_erased,
                      "erased_by": erased_by}
            events.append(Event(
                time=when, kind="erasure", name="erasure", table=".".join(ERASURE_LOG), parent=self.hub_parent,
                record_source=None, values=values, match=MATCH_NOT_APPLICABLE,
                summary=f"personal data erased: tables {', '.join(tables) or '(none listed)'}, "
                        f"reason {reason or '(none given)'}"))
        return events

    def _erased(self, model: str, values: dict[str, Any], personal: Sequence[str]) -> set[str]:
        """Fields of a row emptied by an erasure (an erasure of this key lists the table)."""
        if model not in self._erased_tables:
            return set()
        return {c for c in personal if values.get(c) is None}

    def _personal(self, source: str, payload: Sequence[str], personal_data: bool) -> tuple[str, ...]:
        marked = set(self.spec.source(source).personal_columns)
        chosen = tuple(c for c in payload if personal_data or c in marked)
        return chosen or tuple(payload)

    def _parent_entity(self, name: str) -> Hub | Link:
        for entity in (*self.spec.hubs, *self.spec.links):
            if entity.name == name:
                return entity
        raise KeyError(name)

    def _key_columns(self, entity: Hub | Link, source: str) -> tuple[str, ...]:
        if isinstance(entity, Hub):
            return entity.columns_in(source)
        return link_key_columns(self.spec, entity, source)

    def _hash(self, row: _Landed, columns: Sequence[str]) -> bytes | None:
        return hash_key([row.values.get(c) for c in columns], self.algorithm)

    # -- landing

    def _readable(self, table: str) -> set[str]:
        """Columns of ``landing.<table>`` the connected role may select."""
        return {name for (name,) in self.conn.execute(
            """select attname from pg_attribute
               where attrelid = %s::regclass and attnum > 0 and not attisdropped
                 and has_column_privilege(attrelid, attnum, 'SELECT')""", (f"{LANDING}.{table}",))}

    def _landing(self, source_name: str) -> list[_Landed]:
        """Rows of ``landing.<source>`` with the traced key, every column cast to text."""
        if source_name in self._landing_cache:
            return self._landing_cache[source_name]
        rows: list[_Landed] = []
        self._landing_cache[source_name] = rows
        source = self.spec.source(source_name)
        if (LANDING, source.name) not in self.tables:
            self.notes.append(f"{LANDING}.{source.name} does not exist: no source lines for it")
            return rows
        key_columns = self.hub.columns_in(source.name)
        looked_up = {c: (i, lookup) for i, lookup in enumerate(source.lookups) for c in lookup.columns}
        own = set(source.column_names)
        if any(c not in own and c not in looked_up for c in key_columns):
            return rows
        business = [v for _, v in self.hub_parent.keys]

        def column(name: str) -> sql.Composable:
            if name in own:
                return sql.Identifier("l", name)
            return sql.Identifier(f"k{looked_up[name][0]}", name)

        def normalised(expression: sql.Composable) -> sql.Composable:
            return sql.SQL("nullif(upper(trim({}::text)), '')").format(expression)

        # A reviewer role may read every landing column but the personal ones: hashdiffs of
        # personal satellites then cannot be recomputed, and the key and load time decide alone.
        readable = self._readable(source.name)
        columns = [c for c in source.column_names if c in readable]
        columns += [c for lookup in source.lookups for c in lookup.columns if c not in own]
        joins: list[sql.Composable] = []
        where: list[sql.Composable] = []
        params: list[Any] = []
        for i, lookup in enumerate(source.lookups):
            if (LANDING, lookup.source) not in self.tables:
                self.notes.append(f"{LANDING}.{lookup.source} does not exist: {source.name} rows lack "
                                  f"{', '.join(lookup.columns)}")
                columns = [c for c in columns if c not in lookup.columns or c in own]
                if any(c in lookup.columns for c in key_columns):
                    return rows
                continue
            alias = f"k{i}"
            # The newest delivery up to the row's batch, as the stage's lookup sees it.
            joins.append(sql.SQL(
                "left join lateral (select {} from {} c where c.{} = l.{} and c._batch_id <= l._batch_id "
                "order by c._batch_id desc, c._source_line desc limit 1) {} on true"
            ).format(sql.SQL(", ").join(sql.Identifier("c", c) for c in lookup.columns),
                     sql.Identifier(LANDING, lookup.source), sql.Identifier(lookup.on), sql.Identifier(lookup.on),
                     sql.Identifier(alias)))
        for name, value in zip(key_columns, business, strict=True):
            if name not in own:
                # Narrow the rows first by the lookup's own table, so the join runs only for them.
                index, lookup = looked_up[name]
                where.append(sql.SQL("l.{} in (select c.{} from {} c where {} is not distinct from {})").format(
                    sql.Identifier(lookup.on), sql.Identifier(lookup.on), sql.Identifier(LANDING, lookup.source),
                    normalised(sql.Identifier("c", name)), normalised(sql.Placeholder())))
                params.append(value)
            where.append(sql.SQL("{} is not distinct from {}").format(normalised(column(name)),
                                                                       normalised(sql.Placeholder())))
            params.append(value)
        if self.as_of is not None:
            where.append(sql.SQL("l._load_ts <= %s"))
            params.append(self.as_of)
        query = sql.SQL(
            "select {}, l._batch_id, l._load_ts, l._source_file, l._source_line, l._record_source "
            "from {} l {} where {} order by l._batch_id, l._source_line"
        ).format(sql.SQL(", ").join(sql.SQL("{}::text").format(column(c)) for c in columns),
                 sql.Identifier(LANDING, source.name), sql.SQL(" ").join(joins), sql.SQL(" and ").join(where))
        for row in self.conn.execute(query, params).fetchall():
            width = len(columns)
            rows.append(_Landed(dict(zip(columns, row[:width], strict=True)), int(row[width]), row[width + 1],
                                str(row[width + 2]), int(row[width + 3]), str(row[width + 4])))
        return rows


# -- ordering, versions, diffs ----------------------------------------------------------------------


def _event_order(event: Event) -> tuple[Any, ...]:
    return (event.time, KIND_ORDER.index(event.kind), event.name, event.parent.label, event.parent.hash_key,
            event.effective_from or dt.datetime.min)


def _number_versions(events: list[Event]) -> None:
    counts: dict[tuple[str, str, bytes], int] = defaultdict(int)
    for event in events:
        if event.kind == "erasure":
            continue
        counts[event.series] += 1
        event.version = counts[event.series]


def _state(events: list[Event]) -> list[Event]:
    current: dict[tuple[str, str, bytes], Event] = {}
    for event in events:
        if event.kind != "erasure":
            current[event.series] = event
    return sorted(current.values(), key=lambda e: (KIND_ORDER.index(e.kind), e.name, e.parent.label,
                                                   e.parent.hash_key))


def _diff(previous: dict[str, Any] | None, current: dict[str, Any], erased: set[str],
          previously_erased: set[str]) -> list[Change]:
    """Field by field; the first version adds every field; erased fields are "erased", not changes."""
    changes = []
    for name, value in current.items():
        if name in erased:
            old = previous.get(name) if previous is not None and name not in previously_erased else None
            changes.append(Change(name, "erased", old, None))
        elif previous is None or name not in previous:
            changes.append(Change(name, "added", None, value))
        elif previous[name] != value or name in previously_erased:
            changes.append(Change(name, "changed", None if name in previously_erased else previous[name], value))
    for name, value in (previous or {}).items():
        if name not in current:
            changes.append(Change(name, "removed", None if name in previously_erased else value, None))
    return changes


def _diff_summary(diff: list[Change], first: bool, hidden: Sequence[str] = ()) -> str:
    erased = [c.field for c in diff if c.change == "erased"]
    changed = [c.field for c in diff if c.change != "erased"]
    parts = []
    if first:
        parts.append("first version")
    elif changed:
        parts.append(f"{len(changed)} field(s) changed: {', '.join(changed)}")
    elif hidden:  # a new version whose change is in fields this role may not read
        parts.append(f"a new version; what changed is personal data hidden from this role ({', '.join(hidden)})")
    elif not erased:
        parts.append("delivered again, no field changed")
    if erased:
        parts.append(f"erased: {', '.join(erased)}")
    return "; ".join(parts)


def _line_order(line: SourceLine) -> tuple[int, str, int]:
    return (line.batch_id, line.source_file, line.source_line)


def _sorted_lines(lines: Iterable[SourceLine]) -> list[SourceLine]:
    return sorted(set(lines), key=_line_order)


def _bare(table: str) -> str:
    return str(table).strip().split(".")[-1].strip('"')


def _sortable(value: Any) -> tuple[int, Any]:
    return (1, "") if value is None else (0, value)


def _text(value: Any) -> str:
    """A value as a reviewer reads it: ISO times, hex bytes, NULL spelled out."""
    if value is None:
        return "NULL"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    return str(value)


def _join(values: Iterable[Any]) -> str:
    return KEY_SEPARATOR.join(_text(v) for v in values)
