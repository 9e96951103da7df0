"""Where the vault lives: an embedded PostgreSQL (pgserver) or an external server.

The embedded server keeps its files in ``.dvkit/pgdata`` inside the project and listens on a unix
socket only. ``DVKIT_DATABASE_URL`` points every command at an external server instead.

The database is always created with a UTF-8 ``LC_CTYPE``: ``UPPER()`` of accented letters, and so
every hash of Portuguese text, depends on it (``'são paulo'`` must upper-case to ``'SÃO PAULO'``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from generator.errors import DvkitError

URL_ENV = "DVKIT_DATABASE_URL"
DEFAULT_DBNAME = "dvkit"
UTF8_LOCALE = "C.UTF-8"

# Settings of the embedded server only (an external server is its owner's to tune). A private,
# single-user database on a developer's machine or a CI runner, rebuilt from the source files at will:
EMBEDDED_SETTINGS = {
    # The default 128MB caches less than the landing and vault tables of one full Olist (~350MB).
    "shared_buffers": "256MB",
    # The vault macros sort and hash whole batches (window functions, DISTINCT, anti-joins); the 4MB
    # default sends those sorts to disk from about 50,000 rows. Few sessions run at once (dbt threads).
    "work_mem": "64MB",
    # The hash key indexes are built after a first build fills its table: sorted in memory.
    "maintenance_work_mem": "256MB",
    # A first build writes gigabytes; a larger WAL between checkpoints means fewer forced checkpoints.
    "max_wal_size": "2GB",
    # An OS crash may lose the last few commits (never corrupts: each is all or nothing, and the
    # batches stay pending until their build commits); no commit waits for a flush to disk.
    "synchronous_commit": "off",
    # Nothing reads this server's WAL (no replica, no archive): a table created and filled in one
    # transaction, as dbt's first build of every vault table does, then writes no WAL at all.
    "wal_level": "minimal",
    "max_wal_senders": "0",
}


@dataclass(frozen=True)
class Database:
    """Connection facts for one PostgreSQL database.

    >>> db = Database(host="/tmp/s", port=5432, user="postgres", password="", dbname="dvkit")
    >>> db.display_url()
    'postgresql://postgres@/dvkit?host=/tmp/s&port=5432'
    """

    host: str
    port: int
    user: str
    password: str = field(repr=False)  # never in a repr, a log or a failure display
    dbname: str = DEFAULT_DBNAME
    embedded: bool = False

    def conninfo(self) -> str:
        return make_conninfo(
            host=self.host, port=self.port, user=self.user, password=self.password or None,
            dbname=self.dbname,
        )

    def connect(self, **kwargs: object) -> psycopg.Connection:
        try:
            return psycopg.connect(self.conninfo(), **kwargs)  # type: ignore[arg-type]
        except psycopg.OperationalError as exc:
            raise DvkitError(
                f"cannot connect to PostgreSQL at {self.display_url()}: {redact(str(exc), self)}",
                hint=f"start the embedded server with `dvkit db start`, or check {URL_ENV}",
            ) from None

    def display_url(self) -> str:
        """The URL with the password masked: safe to print and log."""
        auth = self.user + (":***" if self.password else "")
        if self.host.startswith("/"):
            return f"postgresql://{auth}@/{self.dbname}?host={self.host}&port={self.port}"
        return f"postgresql://{auth}@{self.host}:{self.port}/{self.dbname}"

    def dbt_env(self) -> dict[str, str]:
        """Environment variables read by ``dbt_vault/profiles.yml``."""
        return {
            "DVKIT_PG_HOST": self.host,
            "DVKIT_PG_PORT": str(self.port),
            "DVKIT_PG_USER": self.user,
            "DVKIT_PG_PASSWORD": self.password,
            "DVKIT_PG_DBNAME": self.dbname,
        }


def redact(text: str, db: Database | None = None) -> str:
    """Remove a password from text before it is shown to anyone."""
    if db is not None and db.password:
        text = text.replace(db.password, "***")
    return text


def from_url(url: str) -> Database:
    """Parse a libpq URL or key=value string.

    >>> from_url("postgresql://me:pw@db.example:5433/vault").port
    5433
    """
    try:
        parts = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        raise DvkitError(
            f"{URL_ENV} is not a valid PostgreSQL URL",
            hint="use the form postgresql://user:password@host:5432/dbname",
        ) from None
    return Database(
        host=str(parts.get("host") or "localhost"),
        port=int(parts.get("port") or 5432),
        user=str(parts.get("user") or os.environ.get("USER", "postgres")),
        password=str(parts.get("password") or ""),
        dbname=str(parts.get("dbname") or DEFAULT_DBNAME),
    )


class EmbeddedServer:
    """A private PostgreSQL server for one project folder, run by pgserver."""

    def __init__(self, data_dir: Path, dbname: str = DEFAULT_DBNAME) -> None:
        self.data_dir = data_dir.resolve()
        self.dbname = dbname

    def is_running(self) -> bool:
        info = self._postmaster_info()
        return info is not None and info.is_running()

    def start(self) -> Database:
        """Start the server when it is not running and make sure the database exists."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        pgserver = _import_pgserver()
        # initdb inherits the locale from the environment: make it UTF-8 whatever the shell says.
        with _environ(LC_ALL=UTF8_LOCALE, LANG=UTF8_LOCALE):
            server = pgserver.get_server(self.data_dir, cleanup_mode=None)
        admin = self._admin(server)
        if _configure(admin):  # settings that only a restart applies (once, on the first start)
            self._restart()
            admin = self._admin(server)
        ensure_database(admin, self.dbname)
        return Database(**{**admin.__dict__, "dbname": self.dbname})

    @staticmethod
    def _admin(server) -> Database:  # type: ignore[no-untyped-def]
        info = server.get_postmaster_info()
        return Database(
            host=str(info.socket_dir), port=int(info.port or 5432), user="postgres", password="",
            dbname="postgres", embedded=True,
        )

    def _restart(self) -> None:
        from pgserver._commands import pg_ctl

        user = "pgserver" if hasattr(os, "geteuid") and os.geteuid() == 0 else None
        # restart keeps the socket options the server was started with (postmaster.opts)
        pg_ctl(["-w", "-l", str(self.data_dir / "log"), "restart", "-m", "fast"], pgdata=self.data_dir, user=user)

    def stop(self) -> bool:
        """Stop the server; return False when it was not running."""
        if not self.is_running():
            return False
        _import_pgserver()
        from pgserver._commands import pg_ctl  # the package's own wrapper of PostgreSQL's pg_ctl

        # As root, pgserver runs PostgreSQL as its own system user "pgserver"; pg_ctl must too.
        user = "pgserver" if hasattr(os, "geteuid") and os.geteuid() == 0 else None
        pg_ctl(["-w", "stop", "-m", "fast"], pgdata=self.data_dir, user=user)
        return True

    def pid(self) -> int | None:
        info = self._postmaster_info()
        return info.pid if info is not None and info.is_running() else None

    def _postmaster_info(self):  # type: ignore[no-untyped-def]
        _import_pgserver()
        from pgserver.utils import PostmasterInfo

        return PostmasterInfo.read_from_pgdata(self.data_dir)


def _configure(admin: Database) -> bool:
    """Write EMBEDDED_SETTINGS that differ and reload; True when a restart is needed to apply some
    and no other session is connected (else they wait for the next start)."""
    with admin.connect(autocommit=True) as conn:
        contexts = []
        for name, value in EMBEDDED_SETTINGS.items():
            current = conn.execute("select current_setting(%s), context from pg_settings where name = %s",
                                   (name, name)).fetchone()
            if current is not None and str(current[0]).lower() != value.lower():
                conn.execute(sql.SQL("alter system set {} = {}").format(sql.Identifier(name), sql.Literal(value)))
                contexts.append(str(current[1]))
        if not contexts:
            return False
        conn.execute("select pg_reload_conf()")
        others = conn.execute("select count(*) from pg_stat_activity where backend_type = 'client backend' "
                              "and pid <> pg_backend_pid()").fetchone()
    return "postmaster" in contexts and not (others and others[0])


def ensure_database(admin: Database, dbname: str) -> None:
    """Create ``dbname`` with a UTF-8 ctype unless it exists (names are checked, never interpolated raw)."""
    with admin.connect(autocommit=True) as conn:
        exists = conn.execute("select 1 from pg_database where datname = %s", (dbname,)).fetchone()
        if exists:
            return
        conn.execute(
            sql.SQL(
                "create database {} template template0 encoding 'UTF8' lc_collate {} lc_ctype {}"
            ).format(
                sql.Identifier(dbname),
                sql.Literal(UTF8_LOCALE),
                sql.Literal(UTF8_LOCALE),
            )
        )


def project_data_dir(project_dir: Path) -> Path:
    return project_dir / ".dvkit" / "pgdata"


def resolve(project_dir: Path, start: bool = True) -> Database:
    """The database every command uses: the external URL when set, else the embedded server."""
    url = os.environ.get(URL_ENV)
    if url:
        return from_url(url)
    server = EmbeddedServer(project_data_dir(project_dir))
    if not start and not server.is_running():
        raise DvkitError("the embedded database is not running", hint="run `dvkit db start`")
    return server.start()


def ctype_of(db: Database) -> str:
    with db.connect() as conn:
        row = conn.execute(
            "select datctype from pg_database where datname = current_database()"
        ).fetchone()
    return str(row[0]) if row else ""


def _import_pgserver():  # type: ignore[no-untyped-def]
    # pgserver warns about XDG_RUNTIME_DIR on servers without a login session; harmless here.
    os.environ.setdefault("XDG_RUNTIME_DIR", str(Path("/tmp") / f"runtime-{os.getuid()}"))
    Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(mode=0o700, exist_ok=True)
    logging.getLogger("pgserver").setLevel(logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver

    return pgserver


@contextlib.contextmanager
def _environ(**values: str) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old
