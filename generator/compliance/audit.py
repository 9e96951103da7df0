"""The audit log (``dvkit.audit_log``): who loaded, built, rebuilt and erased what, when, and how it ended.

One table for every kind of action (``kind``: ``load``, ``build``, ``rebuild``, ``erasure``, and
``retention`` for a future retention run), one row per action, written in the same transaction as
the action's own records where the action has one (a load, an erasure), so that an action that is
rolled back leaves no audit row (a refused load is then logged on its own, with the outcome
``refused``), and a committed one always has its row. A build runs dbt in many
transactions: its row is written when it ends, succeeded or failed.

Each row names who acted (``db_role``: the database's ``current_user``, and in the summary the
``session_user`` when a SET ROLE made them differ; ``os_user``: the operating system user that ran
dvkit), when (``at``, the database's clock when the row was appended) and a ``summary`` (JSON: what
was done and its outcome). A summary never holds a personal value or the business key of an erased
person: an erasure is named by its hub key (the hash) and erasure id.

Tamper evidence: ``row_hash`` is the SHA-256 of the row's canonical content (``canonical``: its id,
time, kind, who, summary and ``prev_hash``, as JSON with sorted keys and an ISO time in UTC), and
``prev_hash`` is the ``row_hash`` of the row before (64 zeros for the first). Ids are consecutive.
Changing, deleting or inserting a row breaks the chain at that row, which ``verify`` names. Appends
take a transaction-level advisory lock, so two writers never fork the chain. A trigger refuses
UPDATE and DELETE, against accidents; an owner can drop it, which is what the chain is for.
What a chain cannot show is rows cut off its end: ``verify`` prints the last row's hash, to be
kept elsewhere and compared later.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import psycopg

KINDS = ("load", "build", "rebuild", "erasure", "retention")
GENESIS = "0" * 64  # the prev_hash of the first row
LOCK_KEY = 0x64766B6974_0A  # pg_advisory_xact_lock key of the appends ("dvkit" + 10)

AUDIT_DDL = """
create schema if not exists dvkit;
create table if not exists dvkit.audit_log (
    id bigint primary key,
    at timestamptz not null,
    kind text not null,
    db_role text not null,
    os_user text not null,
    summary jsonb not null,
    prev_hash text not null,
    row_hash text not null
);
create index if not exists audit_log_at_idx on dvkit.audit_log (at, id);
create or replace function dvkit.audit_log_append_only() returns trigger language plpgsql as $$
begin
    raise exception 'dvkit.audit_log is append-only: % is refused', tg_op;
end $$;
"""
TRIGGER_DDL = ("create trigger audit_log_append_only before update or delete on dvkit.audit_log "
               "for each row execute function dvkit.audit_log_append_only()")


@dataclass(frozen=True)
class AuditRow:
    """One row of the log, as stored."""

    id: int
    at: dt.datetime
    kind: str
    db_role: str
    os_user: str
    summary: dict[str, Any]
    prev_hash: str
    row_hash: str

    def content_hash(self) -> str:
        """The hash the row's content gives now (equal to ``row_hash`` unless the row was changed)."""
        return row_hash(self.id, self.at, self.kind, self.db_role, self.os_user, self.summary, self.prev_hash)


def iso(at: dt.datetime) -> str:
    """A time as canonical text: UTC, microseconds, with its offset.

    >>> iso(dt.datetime(2026, 1, 2, 4, 5, 6, tzinfo=dt.timezone(dt.timedelta(hours=1))))
    '2026-01-02T03:05:06.000000+00:00'
    """
    if at.tzinfo is None:
        raise ValueError(f"audit times carry a time zone: {at!r}")
    return at.astimezone(dt.timezone.utc).isoformat(timespec="microseconds")


def canonical(id_: int, at: dt.datetime, kind: str, db_role: str, os_user: str, summary: Mapping[str, Any],
              prev_hash: str) -> bytes:
    """The row's content as deterministic bytes: JSON, sorted keys, no spaces, ASCII only.

    >>> canonical(1, dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc), "load", "r", "u", {"b": 1, "a": "é"}, "0")
    b'{"at":"2026-01-01T00:00:00.000000+00:00","db_role":"r","id":1,"kind":"load","os_user":"u","prev_hash":"0","summary":{"a":"\\\\u00e9","b":1}}'
    """
    content = {"id": id_, "at": iso(at), "kind": kind, "db_role": db_role, "os_user": os_user,
               "summary": summary, "prev_hash": prev_hash}
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def row_hash(id_: int, at: dt.datetime, kind: str, db_role: str, os_user: str, summary: Mapping[str, Any],
             prev_hash: str) -> str:
    """SHA-256 (hex) of ``canonical``."""
    return hashlib.sha256(canonical(id_, at, kind, db_role, os_user, summary, prev_hash)).hexdigest()


def os_user() -> str:
    """The operating system user running dvkit ('unknown' when the system cannot tell)."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name and no passwd entry (some containers)
        return "unknown"


def ensure(conn: psycopg.Connection) -> None:
    """Create ``dvkit.audit_log`` and its append-only trigger when they do not exist."""
    conn.execute(AUDIT_DDL)
    has_trigger = conn.execute("select 1 from pg_trigger where tgname = 'audit_log_append_only' "
                               "and tgrelid = 'dvkit.audit_log'::regclass").fetchone()
    if has_trigger is None:
        conn.execute(TRIGGER_DDL)


def append(conn: psycopg.Connection, kind: str, summary: Mapping[str, Any]) -> AuditRow:
    """Append one row to the chain, in the connection's current transaction (committed with it).

    The summary must be JSON made of strings, integers, booleans, lists and objects (no floats:
    their text may not survive the round trip through jsonb exactly; give durations in ms).
    """
    if kind not in KINDS:
        raise ValueError(f"unknown audit kind {kind!r}; one of {', '.join(KINDS)}")
    _check_json(summary)
    with conn.transaction():
        # One appender at a time, until the transaction ends: the next id and prev_hash cannot fork.
        conn.execute("select pg_advisory_xact_lock(%s)", (LOCK_KEY,))
        if not exists(conn):
            ensure(conn)
        last = conn.execute("select id, row_hash from dvkit.audit_log order by id desc limit 1").fetchone()
        id_, prev = (int(last[0]) + 1, str(last[1])) if last else (1, GENESIS)
        # clock_timestamp, not now(): the time the row joins the chain, so times follow ids.
        found = conn.execute("select clock_timestamp(), current_user, session_user").fetchone()
        assert found is not None
        at, role, login = found
        content = dict(summary)
        if login != role:  # SET ROLE: the role that logged in is named too
            content["session_user"] = str(login)
        row = AuditRow(id_, at, kind, str(role), os_user(), content, prev, "")
        row = AuditRow(**{**row.__dict__, "row_hash": row.content_hash()})
        conn.execute("insert into dvkit.audit_log (id, at, kind, db_role, os_user, summary, prev_hash, row_hash) "
                     "values (%s, %s, %s, %s, %s, %s, %s, %s)",
                     (row.id, row.at, row.kind, row.db_role, row.os_user, json.dumps(row.summary, sort_keys=True),
                      row.prev_hash, row.row_hash))
    return row


def log_erasure(conn: psycopg.Connection, erasure: Any) -> AuditRow:
    """Append an erasure (a ``compliance.erase.ErasureResult``): its id, hub and hub key, the rows changed.

    Never the business key nor a reason (which ``dvkit.erasure_log`` keeps): only the hash names the person.
    """
    return append(conn, "erasure", {"outcome": "erased", "erasure_id": erasure.erasure_id, "entity": erasure.entity,
                                    "hub_key": erasure.hub_key.hex(), "rows_erased": erasure.rows_erased,
                                    "tables": list(erasure.tables),
                                    "keys": {hub: int(n) for hub, n in sorted(getattr(erasure, "keys", {}).items())}})


def _check_json(value: Any, where: str = "summary") -> None:
    if isinstance(value, float):
        raise TypeError(f"{where}: a float ({value!r}) in an audit summary; give an integer (e.g. milliseconds)")
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{where}: key {key!r} is not text")
            _check_json(item, f"{where}.{key}")
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _check_json(item, f"{where}[{index}]")
    elif value is not None and not isinstance(value, (str, int, bool)):
        raise TypeError(f"{where}: {type(value).__name__} is not JSON")


def exists(conn: psycopg.Connection) -> bool:
    found = conn.execute("select to_regclass('dvkit.audit_log') is not null").fetchone()
    return bool(found and found[0])


def rows(conn: psycopg.Connection, start: dt.datetime | None = None, end: dt.datetime | None = None,
         batch: int = 5000) -> Iterator[AuditRow]:
    """The rows with ``start <= at < end`` (either bound optional), by time then id, fetched ``batch`` at a time."""
    if not exists(conn):
        return
    with conn.cursor(name="audit_rows") as cursor:  # server side: a long log is not held in memory at once
        cursor.itersize = batch
        cursor.execute("select id, at, kind, db_role, os_user, summary, prev_hash, row_hash from dvkit.audit_log "
                       "where (%(start)s::timestamptz is null or at >= %(start)s) "
                       "and (%(end)s::timestamptz is null or at < %(end)s) order by at, id",
                       {"start": start, "end": end})
        for id_, at, kind, role, user, summary, prev, hashed in cursor:
            yield AuditRow(int(id_), at, kind, role, user, summary, prev, hashed)


@dataclass(frozen=True)
class Verdict:
    """The outcome of ``verify``: intact, or the first problem found, naming its row."""

    rows: int  # rows checked
    last_id: int | None
    last_hash: str | None
    problem: str | None = None
    row: int | None = None  # the id the problem is about

    @property
    def intact(self) -> bool:
        return self.problem is None


def verify(conn: psycopg.Connection) -> Verdict:
    """Walk the chain in id order and name the first row deleted, changed, or inserted out of order."""
    if not exists(conn):
        return Verdict(0, None, None)
    count = 0
    prev: AuditRow | None = None
    with conn.cursor(name="audit_verify") as cursor:
        cursor.itersize = 5000
        cursor.execute("select id, at, kind, db_role, os_user, summary, prev_hash, row_hash "
                       "from dvkit.audit_log order by id")
        for id_, at, kind, role, user, summary, prev_hash, hashed in cursor:
            row = AuditRow(int(id_), at, kind, role, user, summary, prev_hash, hashed)
            problem = check(prev, row)
            if problem is not None:
                return Verdict(count, prev.id if prev else None, prev.row_hash if prev else None, problem, row.id)
            count += 1
            prev = row
    return Verdict(count, prev.id if prev else None, prev.row_hash if prev else None)


def check(prev: AuditRow | None, row: AuditRow) -> str | None:
    """What is wrong with ``row`` following ``prev`` (None: the first row), or None.

    >>> at = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    >>> first = AuditRow(1, at, "load", "r", "u", {}, GENESIS, row_hash(1, at, "load", "r", "u", {}, GENESIS))
    >>> check(None, first) is None
    True
    >>> check(None, AuditRow(**{**first.__dict__, "summary": {"x": 1}}))
    'audit row 1 was changed: its content no longer matches its hash'
    """
    if row.content_hash() != row.row_hash:
        return f"audit row {row.id} was changed: its content no longer matches its hash"
    if prev is None:
        if row.id != 1:
            return f"rows are missing before audit row {row.id}: the log starts at id {row.id}, not 1"
        if row.prev_hash != GENESIS:
            return "rows are missing before audit row 1: its prev_hash is not that of a first row"
        return None
    if row.id != prev.id + 1:
        return (f"a row is missing between audit rows {prev.id} and {row.id} (ids not consecutive: "
                f"{row.id - prev.id - 1} row(s) gone)")
    if row.prev_hash != prev.row_hash:
        return (f"a row is missing or was replaced between audit rows {prev.id} and {row.id} "
                f"(row {row.id}'s prev_hash does not match row {prev.id})")
    if row.at < prev.at:
        return (f"audit row {row.id} is out of order: its time ({iso(row.at)}) is before "
                f"row {prev.id}'s ({iso(prev.at)})")
    return None


def check_anchor(conn: psycopg.Connection, id_: int, expected: str) -> str | None:
    """What is wrong with a row hash noted earlier (``verify`` prints the last one), or None.

    The chain cannot show rows cut off its end; a noted ``id:hash`` can: the row must still be
    there with that hash (every row before it is then covered by the chain).
    """
    if not exists(conn):
        return f"audit row {id_} is gone: there is no audit log"
    found = conn.execute("select row_hash from dvkit.audit_log where id = %s", (id_,)).fetchone()
    if found is None:
        last = conn.execute("select max(id) from dvkit.audit_log").fetchone()
        end = last[0] if last and last[0] is not None else 0
        return f"audit row {id_} is gone: the log now ends at row {end} (rows were cut off its end)"
    if found[0] != expected.strip().lower():
        return f"audit row {id_} no longer has the hash noted ({expected}): it is {found[0]}"
    return None
