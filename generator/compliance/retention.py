"""Retention: personal data kept longer than its source's ``retention`` allows, and its erasure.

A source's ``personal_data: retention:`` (an ISO 8601 duration such as ``P5Y``) says how long the
vault may keep the personal data it delivers. The clock of a key starts at the **last delivery** of
that key by the source (the newest landing row of the key, changed or not): as long as the source
keeps sending a customer's address, the vault may keep it; once the source stops, the data expires
``retention`` after that delivery. A key is past retention at ``as_of`` when its last delivery is
older than ``as_of - retention``. Keys already erased (``dvkit.erasure_register``) are left out.

``dvkit retention`` lists what is past retention and changes nothing; ``dvkit retention apply``
erases it with the erasure machinery (``generator.compliance.subjects.erase_subjects``: the personal
data of the keys and everything a data subject reaches), logged like an erasure, with the reason
``retention <duration> of source <name>``.

>>> cutoff(dt.datetime(2024, 3, 31, 12, 0), "P1Y1M")
datetime.datetime(2023, 2, 28, 12, 0)
>>> cutoff(dt.datetime(2024, 3, 31), "P2W3D")
datetime.datetime(2024, 3, 14, 0, 0)
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from generator.compliance import audit
from generator.compliance.erase import ErasureResult, exists, key_hash_sql
from generator.compliance.erasure import refresh_after_erasure
from generator.compliance.leftovers import remove_dossiers
from generator.compliance.register import REGISTER
from generator.compliance.subjects import erase_subjects
from generator.db import Database
from generator.errors import DvkitError
from generator.lock import vault_lock
from generator.places import LANDING
from generator.spec.model import Hub, Spec

DURATION = re.compile(r"^P(?=\d)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$")


def cutoff(as_of: dt.datetime, duration: str) -> dt.datetime:
    """``as_of`` minus an ISO 8601 duration of years, months, weeks and days (calendar months: the
    day is clamped to the month's last)."""
    match = DURATION.match(duration)
    if match is None:
        raise DvkitError(f"retention '{duration}' is not an ISO 8601 duration of years, months, weeks and days",
                         hint="write e.g. P5Y, P18M or P30D")
    years, months, weeks, days = (int(part or 0) for part in match.groups())
    month_index = as_of.year * 12 + as_of.month - 1 - years * 12 - months
    year, month = divmod(month_index, 12)
    day = min(as_of.day, calendar.monthrange(year, month + 1)[1])
    return as_of.replace(year=year, month=month + 1, day=day) - dt.timedelta(weeks=weeks, days=days)


@dataclass(frozen=True)
class Expired:
    """The keys of one hub whose personal data from one source is past retention."""

    source: str
    hub: str
    retention: str
    cutoff: dt.datetime
    keys: tuple[tuple[str, ...], ...]  # business keys, as the hub stores them (never printed)
    oldest: dt.datetime | None  # the oldest last delivery among them

    @property
    def reason(self) -> str:
        return f"retention {self.retention} of source {self.source}"


def _holders(spec: Spec) -> list[tuple[str, Hub, str]]:
    """(source, hub, retention) for each hub whose satellites keep a source's personal data."""
    found: dict[tuple[str, str], tuple[str, Hub, str]] = {}
    for sat in (*spec.satellites, *spec.multi_active_satellites):
        source = spec.source(sat.source)
        if not source.retention or not source.personal_columns:
            continue
        if not set(sat.stored_payload) & set(source.personal_columns):
            continue
        hub = next((h for h in spec.hubs if h.name == sat.parent), None)
        if hub is None:
            continue  # a link's satellite: no data subject to count from
        own = set(source.column_names)
        columns = hub.columns_in(source.name)
        if not columns or not set(columns) <= own:
            raise DvkitError(f"the retention of source '{source.name}' cannot be counted per {hub.name}: the "
                             f"source does not deliver the hub's key itself ({', '.join(columns) or 'none'})",
                             hint=f"keep the personal data of '{source.name}' in a satellite of a hub whose "
                                  "business key is a column of the source")
        found[(source.name, hub.name)] = (source.name, hub, source.retention)
    return [found[k] for k in sorted(found)]


def expired(db: Database, spec: Spec, as_of: dt.datetime) -> list[Expired]:
    """What is past retention at ``as_of``, per source and hub (empty entries included)."""
    result = []
    with db.connect() as conn:
        for source_name, hub, retention in _holders(spec):
            limit = cutoff(as_of, retention)
            keys, oldest = _expired_keys(conn, spec, source_name, hub, limit)
            result.append(Expired(source_name, hub.name, retention, limit, keys, oldest))
    return result


def _expired_keys(conn: psycopg.Connection, spec: Spec, source: str, hub: Hub,
                  limit: dt.datetime) -> tuple[tuple[tuple[str, ...], ...], dt.datetime | None]:
    if not exists(conn, LANDING, source) or not exists(conn, hub.naming.raw_vault_schema, hub.model):
        return (), None
    columns = hub.columns_in(source)
    key = key_hash_sql([sql.Identifier("l", c) for c in columns], spec.settings.hash)
    erased = (sql.SQL("and h.{pk} not in (select hub_key from {register} where entity = {entity})").format(
        pk=sql.Identifier(hub.key), register=sql.Identifier(*REGISTER), entity=sql.Literal(hub.name))
        if exists(conn, *REGISTER) else sql.SQL(""))
    query = sql.SQL("""
        with deliveries as (
            select {key} as hub_key, max(l._load_ts) as last_delivery
            from {landing} as l
            group by 1
        )
        select {business}, d.last_delivery
        from deliveries as d
        join {hub} as h on h.{pk} = d.hub_key
        where d.last_delivery < %s {erased}
        order by d.last_delivery, 1
    """).format(key=key, landing=sql.Identifier(LANDING, source),
                hub=sql.Identifier(hub.naming.raw_vault_schema, hub.model),
                pk=sql.Identifier(hub.key), erased=erased,
                business=sql.SQL(", ").join(sql.Identifier("h", c) for c in hub.business_key))
    rows = conn.execute(query, (limit,)).fetchall()
    keys = tuple(tuple(str(v) for v in row[:-1]) for row in rows)
    return keys, (rows[0][-1] if rows else None)


@dataclass(frozen=True)
class RetentionOutcome:
    """What ``apply`` did: the erasure runs (one per source and hub with expired keys), whether the
    marts were rebuilt, the audit row of the run."""

    erasures: tuple[tuple[Expired, ErasureResult], ...]
    marts_rebuilt: bool

    @property
    def rows_erased(self) -> int:
        return sum(result.rows_erased for _, result in self.erasures)


def apply(project_dir: Path, db: Database, spec: Spec, as_of: dt.datetime,
          log: Callable[[str], None] = lambda _: None) -> RetentionOutcome:
    """Erase every key past retention at ``as_of`` with the erasure machinery (one erasure run per
    source and hub, each in its own transaction, logged and registered), then VACUUM and rebuild the
    business vault and marts once; the run is logged in the audit trail (kind ``retention``)."""
    done: list[tuple[Expired, ErasureResult]] = []
    with vault_lock(db, "retention", on_wait=log):
        for group in expired(db, spec, as_of):
            if not group.keys:
                continue
            log(f"{group.reason}: erasing {len(group.keys):,} {group.hub} key(s) last delivered before "
                f"{group.cutoff:%Y-%m-%d %H:%M:%S}")
            result = erase_subjects(db, spec, group.hub, [list(key) for key in group.keys], group.reason)
            done.append((group, result))
            remove_dossiers(project_dir, result.business_keys)
        with db.connect() as conn, conn.transaction():
            audit.append(conn, "retention", {
                "outcome": "erased" if done else "nothing past retention", "as_of": as_of.isoformat(),
                "erasures": [{"source": group.source, "hub": group.hub, "retention": group.retention,
                              "cutoff": group.cutoff.isoformat(), "keys": len(group.keys),
                              "erasure_id": result.erasure_id, "rows_erased": result.rows_erased}
                             for group, result in done]})
        tables = sorted({table for _, result in done for table in result.tables})
        rebuilt = False
        if tables:
            _, rebuilt = refresh_after_erasure(project_dir, db, spec, tables, f"--dvkit-retention={as_of:%Y-%m-%d}",
                                               log)
    return RetentionOutcome(tuple(done), rebuilt)
