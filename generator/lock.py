"""One writer at a time: ``dvkit load``, ``build``, ``demo`` (and ``erase``) never interleave.

The lock is a PostgreSQL session-level advisory lock on one fixed key, held by a connection of its
own for as long as the command works:

* the key is ``LOCK_KEY`` = the first 8 bytes of SHA-256(``'dvkit vault'``) as a signed big-endian
  integer, ``-6255987992626701815``. Advisory locks belong to one database, so two vaults in two
  databases of one server never wait for each other, and two commands on the same database always do;
* ``pg_try_advisory_lock`` first; when another session holds the lock, the command either says for
  whom it waits (once) and blocks in ``pg_advisory_lock``, or, with ``--no-wait``, stops at once
  with ``error: the vault is busy: build by pid 123 (user@host) since 12:00:01`` and exit status 1;
* the holder writes who it is (command, process id, user, host, since when) into the one row of
  ``dvkit.lock_holder`` right after acquiring, and clears it on release, so a waiter can name it.
  The lock connection also carries it as its ``application_name`` (``dvkit build pid 123@host``),
  visible in ``pg_stat_activity``.

A killed holder (even ``kill -9``, or a crashed machine once the server notices the dead
connection: the lock connection asks for TCP keepalives) releases the lock by itself: PostgreSQL
drops a session's advisory locks when its connection ends. Only its row in ``dvkit.lock_holder``
stays behind; that row is stale, and ``lock_status`` shows it as the *last* holder while the lock
is free. The next holder overwrites it. Work a killed command left half done is the usual case of a
failed run: a load is one transaction (nothing kept), a build leaves its batches pending.

Inside one thread the lock is re-entrant (a nested ``vault_lock`` on the same database does nothing),
so a command that calls another never waits for itself.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import hashlib
import os
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import psycopg

from generator.db import Database
from generator.errors import DvkitError

LOCK_NAME = "dvkit vault"
LOCK_KEY = int.from_bytes(hashlib.sha256(LOCK_NAME.encode()).digest()[:8], "big", signed=True)
HOLDER_TABLE = "dvkit.lock_holder"
HOLDER_DDL = """
create schema if not exists dvkit;
create table if not exists dvkit.lock_holder (
    command text not null,
    pid integer not null,
    username text not null,
    host text not null,
    since timestamptz not null
)
"""
# The lock connection must neither time out while it waits nor be closed while it idles.
SESSION_SETTINGS = {
    "lock_timeout": "0",
    "statement_timeout": "0",
    "idle_in_transaction_session_timeout": "0",
    "idle_session_timeout": "0",  # PostgreSQL 14+; skipped where unknown
    "tcp_keepalives_idle": "30",  # ignored on unix sockets
    "tcp_keepalives_interval": "10",
    "tcp_keepalives_count": "3",
}
NO_WAIT_HINT = "run it again when that command has finished, or without --no-wait to wait for it"

_held = threading.local()  # (host, port, dbname) -> depth of nested vault_lock in this thread


@dataclass(frozen=True)
class Holder:
    """Who holds (or last held) the vault lock."""

    command: str
    pid: int
    username: str
    host: str
    since: dt.datetime

    def describe(self, now: dt.datetime | None = None) -> str:
        """``build by pid 123 (user@host) since 12:00:01`` (the date too when it is not today)."""
        since = self.since.astimezone() if self.since.tzinfo else self.since
        today = (now or dt.datetime.now(since.tzinfo)).date()
        when = since.strftime("%H:%M:%S" if since.date() == today else "%Y-%m-%d %H:%M:%S")
        return f"{self.command} by pid {self.pid} ({self.username}@{self.host}) since {when}"


def busy_message(holder: Holder | None) -> str:
    if holder is None:
        return "the vault is busy: another dvkit command holds its lock (who is not recorded)"
    return f"the vault is busy: {holder.describe()}"


@contextlib.contextmanager
def vault_lock(db: Database, command: str, wait: bool = True,
               on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the vault's lock for the ``with`` block; ``command`` names the holder ("build").

    When another process holds it: ``wait`` calls ``on_wait`` once with a message naming the holder,
    then blocks until the lock is free; without ``wait``, raises DvkitError naming the holder.
    """
    depth = _depths()
    key = (db.host, db.port, db.dbname)
    if depth.get(key):
        depth[key] += 1
        try:
            yield
        finally:
            depth[key] -= 1
        return
    conn = db.connect(autocommit=True, application_name=_application_name(command),
                      keepalives=1, keepalives_idle=30, keepalives_interval=10, keepalives_count=3)
    try:
        _configure(conn)
        if not _try_lock(conn):
            holder = read_holder(conn)
            if holder is not None or not _try_lock(conn):  # no row: it may have been released meanwhile
                message = busy_message(holder)
                if not wait:
                    raise DvkitError(message, hint=NO_WAIT_HINT)
                if on_wait is not None:
                    on_wait(f"{message}; waiting for it to finish (Ctrl-C to stop)")
                conn.execute("select pg_advisory_lock(%s)", (LOCK_KEY,))
        _record_holder(conn, command)
        depth[key] = 1
        try:
            yield
        finally:
            del depth[key]
            _release(conn)
    finally:
        conn.close()


def read_holder(conn: psycopg.Connection) -> Holder | None:
    """The row of ``dvkit.lock_holder``, if any (it may be stale: see ``lock_status``)."""
    try:
        exists = conn.execute("select to_regclass(%s) is not null", (HOLDER_TABLE,)).fetchone()
        if not exists or not exists[0]:
            return None
        row = conn.execute(
            f"select command, pid, username, host, since from {HOLDER_TABLE} order by since desc limit 1"
        ).fetchone()
    except psycopg.errors.InsufficientPrivilege:
        if not conn.autocommit:
            conn.rollback()
        return None
    return Holder(*row) if row else None


def lock_is_held(conn: psycopg.Connection) -> bool:
    """Whether any session holds the vault lock on this connection's database."""
    row = conn.execute(
        """select exists (select 1 from pg_locks
                          where locktype = 'advisory' and granted and objsubid = 1
                            and database = (select oid from pg_database where datname = current_database())
                            and classid = %s and objid = %s)""",
        _lock_tag(LOCK_KEY)).fetchone()
    return bool(row and row[0])


def lock_status(db: Database) -> str:
    """One line for people: busy (and by whom), free, or free with a stale last holder."""
    with db.connect(autocommit=True) as conn:
        holder = read_holder(conn)
        held = lock_is_held(conn)
    if held:
        return busy_message(holder)
    if holder is not None:
        return (f"the vault is free (last holder: {holder.describe()}; it ended without releasing "
                "the lock, e.g. killed, so its work may be incomplete)")
    return "the vault is free"


# -- internals ------------------------------------------------------------------------------------

def _depths() -> dict[tuple[str, int, str], int]:
    if not hasattr(_held, "depth"):
        _held.depth = {}
    return _held.depth  # type: ignore[no-any-return]


def _lock_tag(key: int) -> tuple[int, int]:
    """``pg_locks`` shows a bigint advisory key as classid (high 32 bits) and objid (low 32 bits)."""
    unsigned = key & 0xFFFFFFFFFFFFFFFF
    return unsigned >> 32, unsigned & 0xFFFFFFFF


def _who() -> tuple[str, str]:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # a container without a passwd entry for the uid
        user = str(os.getuid()) if hasattr(os, "getuid") else "?"
    return user, socket.gethostname()


def _application_name(command: str) -> str:
    user, host = _who()
    return f"dvkit {command} pid {os.getpid()} {user}@{host}"[:63]


def _configure(conn: psycopg.Connection) -> None:
    for name, value in SESSION_SETTINGS.items():
        try:
            conn.execute("select set_config(%s, %s, false)", (name, value))
        except psycopg.errors.UndefinedObject:  # a setting this server version does not have
            pass


def _try_lock(conn: psycopg.Connection) -> bool:
    row = conn.execute("select pg_try_advisory_lock(%s)", (LOCK_KEY,)).fetchone()
    return bool(row and row[0])


def _record_holder(conn: psycopg.Connection, command: str) -> None:
    """Replace the holder row with this process (the lock is held: no other writer of the row)."""
    user, host = _who()
    for attempt in (1, 2):
        try:
            with conn.transaction():
                conn.execute(HOLDER_DDL)
                conn.execute(f"delete from {HOLDER_TABLE}")
                conn.execute(f"insert into {HOLDER_TABLE} (command, pid, username, host, since) "
                             "values (%s, %s, %s, %s, now())", (command, os.getpid(), user, host))
            return
        except psycopg.errors.UniqueViolation:  # another dvkit table created the schema just now
            if attempt == 2:
                raise
        except psycopg.errors.InsufficientPrivilege:  # a role that may not create it: lock without a note
            return


def _release(conn: psycopg.Connection) -> None:
    """Clear this process's holder row, then unlock (closing the connection would unlock too)."""
    if conn.closed:
        return  # the connection is gone, and the lock with it
    try:
        try:
            with conn.transaction():
                exists = conn.execute("select to_regclass(%s) is not null", (HOLDER_TABLE,)).fetchone()
                if exists and exists[0]:
                    conn.execute(f"delete from {HOLDER_TABLE} where pid = %s and host = %s",
                                 (os.getpid(), _who()[1]))
        except psycopg.errors.InsufficientPrivilege:
            pass
        conn.execute("select pg_advisory_unlock(%s)", (LOCK_KEY,))
    except psycopg.OperationalError:
        pass  # the connection broke: the server has dropped the lock already
