"""Load one batch of source files into the landing schema with PostgreSQL's COPY.

A batch is every file of the data folder, loaded in one transaction: if any file is refused
(header, type or shape), nothing of the batch is kept. Each landing row carries the batch id, the
batch's load time, the record source, the file name and the line the row starts on.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

from generator.db import Database
from generator.errors import DvkitError
from generator.load.reader import check_header, find_file, open_text, read_header, rows_with_lines
from generator.spec.model import Source, Spec

SCHEMA = "landing"
PG_TYPES = {
    "text": "text",
    "integer": "integer",
    "bigint": "bigint",
    "numeric": "numeric",
    "double": "double precision",
    "boolean": "boolean",
    "date": "date",
    "timestamp": "timestamp",
}
METADATA = (
    ("_batch_id", "bigint not null"),
    ("_load_ts", "timestamp not null"),
    ("_record_source", "text not null"),
    ("_source_file", "text not null"),
    ("_source_line", "integer not null"),
)

Progress = Callable[[str, int], None]


@dataclass(frozen=True)
class Extract:
    """The rows one source delivers in a batch, each with the file and line it comes from."""

    source: Source
    file_name: str
    rows: Callable[[], Iterator[tuple[int, Sequence[str]]]]  # opened when the batch is copied


@dataclass
class BatchResult:
    batch_id: int
    load_ts: dt.datetime
    rows: dict[str, int] = field(default_factory=dict)  # source name -> rows loaded
    skipped: list[str] = field(default_factory=list)  # sources without a file in the folder
    duplicate_of: int | None = None  # an identical batch (same load time and content) loaded before


def ensure_landing(conn: psycopg.Connection, spec: Spec) -> None:
    """Create the landing schema, the batch log and one table per source (adding new columns)."""
    conn.execute("create schema if not exists landing")
    conn.execute(
        """create table if not exists landing.batches (
               batch_id bigserial primary key,
               load_ts timestamp not null,
               source_dir text not null,
               loaded_at timestamptz not null default now(),
               row_count bigint not null default 0,
               fingerprint text unique
           )"""
    )
    conn.execute("alter table landing.batches add column if not exists fingerprint text unique")
    conn.execute(
        """create table if not exists landing.batch_files (
               batch_id bigint not null references landing.batches,
               source text not null,
               file_name text not null,
               row_count bigint not null,
               primary key (batch_id, source)
           )"""
    )
    for source in spec.sources:
        columns = [(name, PG_TYPES[type_]) for name, type_ in source.columns] + list(METADATA)
        table = sql.Identifier(SCHEMA, source.name)
        conn.execute(sql.SQL("create table if not exists {} ({})").format(
            table, sql.SQL(", ").join(sql.SQL("{} {}").format(sql.Identifier(n), sql.SQL(t)) for n, t in columns)))
        # A column added to the spec later is added to the table; old rows hold NULL there.
        for name, type_ in columns:
            conn.execute(sql.SQL("alter table {} add column if not exists {} {}").format(
                table, sql.Identifier(name), sql.SQL(type_.replace(" not null", ""))))
        conn.execute(sql.SQL("create index if not exists {} on {} (_batch_id)").format(
            sql.Identifier(f"{source.name}_batch_idx"), table))


def file_extracts(spec: Spec, data_dir: Path) -> tuple[list[Extract], list[str]]:
    """One extract per source file found in ``data_dir`` (headers checked), and the sources without one."""
    if not data_dir.is_dir():
        raise DvkitError(f"data folder not found: {data_dir}", hint="pass the folder holding the CSV files")
    extracts: list[Extract] = []
    missing: list[str] = []
    for source in spec.sources:
        path = find_file(data_dir, source.file)
        if path is None:
            missing.append(source.name)
            continue
        with open_text(path) as handle:
            check_header(read_header(handle, path), source.column_names, path, source.name)
        extracts.append(Extract(source, path.name, functools.partial(_file_rows, path)))
    if not extracts:
        expected = ", ".join(s.file for s in spec.sources)
        raise DvkitError(f"no source files in {data_dir}", hint=f"expected files such as {expected}")
    return extracts, missing


def _file_rows(path: Path) -> Iterator[tuple[int, Sequence[str]]]:
    with open_text(path) as handle:
        read_header(handle, path)
        yield from rows_with_lines(handle)


def load_batch(db: Database, spec: Spec, data_dir: Path, load_ts: dt.datetime | None = None,
               progress: Progress | None = None) -> BatchResult:
    """Load every source file found in ``data_dir`` as one batch; all or nothing.

    With an explicit ``load_ts``, loading the same files again is recognised and skipped.
    """
    extracts, missing = file_extracts(spec, data_dir)
    fingerprint = batch_fingerprint(load_ts, extracts) if load_ts is not None else None
    result = load_extracts(db, spec, extracts, load_ts, data_dir.name, fingerprint, progress)
    result.skipped = missing
    return result


def load_extracts(db: Database, spec: Spec, extracts: list[Extract], load_ts: dt.datetime | None,
                  origin: str, fingerprint: str | None = None, progress: Progress | None = None) -> BatchResult:
    """Copy ``extracts`` into landing as one batch in one transaction."""
    with db.connect() as conn:
        ensure_landing(conn, spec)
        conn.commit()
        result = copy_batch(conn, extracts, load_ts, origin, fingerprint, progress)
        analyze(conn, {extract.source.name for extract in extracts})
    return result


def copy_batch(conn: psycopg.Connection, extracts: list[Extract], load_ts: dt.datetime | None, origin: str,
               fingerprint: str | None = None, progress: Progress | None = None) -> BatchResult:
    """One batch in one transaction on an open connection whose landing tables exist."""
    load_ts = (load_ts or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)).replace(microsecond=0)
    with conn.transaction():
        # One loader at a time: batch ids then follow the order loads commit in.
        conn.execute("lock table landing.batches in exclusive mode")
        if fingerprint is not None:
            seen = conn.execute("select batch_id from landing.batches where fingerprint = %s",
                                (fingerprint,)).fetchone()
            if seen:
                return BatchResult(batch_id=int(seen[0]), load_ts=load_ts, duplicate_of=int(seen[0]))
        row = conn.execute(
            "insert into landing.batches (load_ts, source_dir, fingerprint) values (%s, %s, %s) "
            "returning batch_id", (load_ts, origin, fingerprint),
        ).fetchone()
        assert row is not None
        result = BatchResult(batch_id=int(row[0]), load_ts=load_ts)
        for extract in extracts:
            count = _copy_rows(conn, extract, result, progress)
            result.rows[extract.source.name] = count
            conn.execute(
                "insert into landing.batch_files (batch_id, source, file_name, row_count) values (%s, %s, %s, %s)",
                (result.batch_id, extract.source.name, extract.file_name, count),
            )
        conn.execute("update landing.batches set row_count = %s where batch_id = %s",
                     (sum(result.rows.values()), result.batch_id))
    return result


def analyze(conn: psycopg.Connection, sources: set[str]) -> None:
    """Refresh the planner's statistics of landing tables that received rows."""
    for name in sorted(sources):
        conn.execute(sql.SQL("analyze {}").format(sql.Identifier(SCHEMA, name)))
    conn.commit()


def batch_fingerprint(load_ts: dt.datetime | None, extracts: list[Extract]) -> str:
    """Identity of a batch: its load time and every delivered row (file, line and fields)."""
    digest = hashlib.sha256(str(load_ts).encode())
    for extract in extracts:
        digest.update(f"\x1e{extract.source.name}\x1f{extract.file_name}".encode())
        for line, fields in extract.rows():
            digest.update(f"\x1d{line}\x1f".encode() + "\x1f".join(fields).encode())
    return digest.hexdigest()


def _copy_rows(conn: psycopg.Connection, extract: Extract, batch: BatchResult, progress: Progress | None) -> int:
    source = extract.source
    names = [*source.column_names, *(name for name, _ in METADATA)]
    statement = sql.SQL("copy {} ({}) from stdin").format(
        sql.Identifier(SCHEMA, source.name), sql.SQL(", ").join(map(sql.Identifier, names)))
    width = len(source.column_names)
    lines = array("l")  # the file line of each COPY row, to explain a rejected value
    fixed = (batch.batch_id, batch.load_ts, source.record_source, extract.file_name)
    count = 0
    try:
        with conn.cursor() as cursor, cursor.copy(statement) as copy:
            for line, fields in extract.rows():
                if len(fields) != width:
                    if not fields:
                        continue  # a blank line (e.g. a trailing newline) carries no row
                    raise DvkitError(
                        f"{extract.file_name}:{line}: {len(fields)} field(s), the header has {width}",
                        hint="the row is malformed (check quoting); nothing of this batch was loaded",
                    )
                # Kaggle writes NULL as an empty field.
                copy.write_row([value if value != "" else None for value in fields] + [*fixed, line])
                lines.append(line)
                count += 1
                if progress and count % 50_000 == 0:
                    progress(source.name, count)
    except psycopg.errors.DataError as exc:
        raise DvkitError(_explain_copy_error(exc, extract.file_name, lines),
                         hint=f"fix the value or the column's type in the spec (source '{source.name}'); "
                              "nothing of this batch was loaded") from None
    if progress:
        progress(source.name, count)
    return count


def _explain_copy_error(exc: psycopg.errors.DataError, file_name: str, lines: array) -> str:
    """Turn "COPY orders, line 5, column x: ..." into "file.csv:<file line>: ..."."""
    message = (exc.diag.message_primary or str(exc)).strip()
    context = exc.diag.context or ""
    line = "?"
    column = ""
    marker = ", line "
    if marker in context:
        tail = context.split(marker, 1)[1]
        number = tail.split(",", 1)[0].split(":", 1)[0]
        if number.isdigit() and 0 < int(number) <= len(lines):
            line = str(lines[int(number) - 1])
        if ", column " in tail:
            column = " (column " + tail.split(", column ", 1)[1].split(":", 1)[0] + ")"
    return f"{file_name}:{line}: {message}{column}"
