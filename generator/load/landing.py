"""Load one batch of source files into the landing schema with PostgreSQL's COPY.

A batch is every file of the data folder, loaded in one transaction: if any file is refused
(header, type or shape), nothing of the batch is kept. Each landing row carries the batch id, the
batch's load time, the record source, the file name and the line the row starts on.
"""

from __future__ import annotations

import datetime as dt
from array import array
from collections.abc import Callable
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


@dataclass
class BatchResult:
    batch_id: int
    load_ts: dt.datetime
    rows: dict[str, int] = field(default_factory=dict)  # source name -> rows loaded
    skipped: list[str] = field(default_factory=list)  # sources without a file in the folder


def ensure_landing(conn: psycopg.Connection, spec: Spec) -> None:
    """Create the landing schema, the batch log and one table per source (adding new columns)."""
    conn.execute("create schema if not exists landing")
    conn.execute(
        """create table if not exists landing.batches (
               batch_id bigserial primary key,
               load_ts timestamp not null,
               source_dir text not null,
               loaded_at timestamptz not null default now(),
               row_count bigint not null default 0
           )"""
    )
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


def load_batch(db: Database, spec: Spec, data_dir: Path, load_ts: dt.datetime | None = None,
               progress: Progress | None = None) -> BatchResult:
    """Load every source file found in ``data_dir`` as one batch; all or nothing."""
    if not data_dir.is_dir():
        raise DvkitError(f"data folder not found: {data_dir}", hint="pass the folder holding the CSV files")
    files: list[tuple[Source, Path]] = []
    skipped: list[str] = []
    for source in spec.sources:
        path = find_file(data_dir, source.file)
        if path is None:
            skipped.append(source.name)
        else:
            files.append((source, path))
    if not files:
        expected = ", ".join(s.file for s in spec.sources)
        raise DvkitError(f"no source files in {data_dir}", hint=f"expected files such as {expected}")
    # Check every header before writing anything.
    for source, path in files:
        with open_text(path) as handle:
            check_header(read_header(handle, path), source.column_names, path, source.name)

    load_ts = (load_ts or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)).replace(microsecond=0)
    with db.connect() as conn:
        with conn.transaction():
            ensure_landing(conn, spec)
            row = conn.execute(
                "insert into landing.batches (load_ts, source_dir) values (%s, %s) returning batch_id",
                (load_ts, data_dir.name),
            ).fetchone()
            assert row is not None
            result = BatchResult(batch_id=int(row[0]), load_ts=load_ts, skipped=skipped)
            for source, path in files:
                count = _copy_file(conn, source, path, result, progress)
                result.rows[source.name] = count
                conn.execute(
                    "insert into landing.batch_files (batch_id, source, file_name, row_count) values (%s, %s, %s, %s)",
                    (result.batch_id, source.name, path.name, count),
                )
            conn.execute("update landing.batches set row_count = %s where batch_id = %s",
                         (sum(result.rows.values()), result.batch_id))
        for source, _ in files:
            conn.execute(sql.SQL("analyze {}").format(sql.Identifier(SCHEMA, source.name)))
    return result


def _copy_file(conn: psycopg.Connection, source: Source, path: Path, batch: BatchResult,
               progress: Progress | None) -> int:
    names = [*source.column_names, *(name for name, _ in METADATA)]
    statement = sql.SQL("copy {} ({}) from stdin").format(
        sql.Identifier(SCHEMA, source.name), sql.SQL(", ").join(map(sql.Identifier, names)))
    width = len(source.column_names)
    lines = array("l")  # the file line of each COPY row, to explain a rejected value
    fixed = (batch.batch_id, batch.load_ts, source.record_source, path.name)
    count = 0
    try:
        with conn.cursor() as cursor, cursor.copy(statement) as copy, open_text(path) as handle:
            read_header(handle, path)
            for line, fields in rows_with_lines(handle):
                if len(fields) != width:
                    if not fields:
                        continue  # a blank line (e.g. a trailing newline) carries no row
                    raise DvkitError(
                        f"{path.name}:{line}: {len(fields)} field(s), the header has {width}",
                        hint="the row is malformed (check quoting); nothing of this batch was loaded",
                    )
                # Kaggle writes NULL as an empty field.
                copy.write_row([value if value != "" else None for value in fields] + [*fixed, line])
                lines.append(line)
                count += 1
                if progress and count % 50_000 == 0:
                    progress(source.name, count)
    except psycopg.errors.DataError as exc:
        raise DvkitError(_explain_copy_error(exc, path, lines),
                         hint=f"fix the value or the column's type in the spec (source '{source.name}'); "
                              "nothing of this batch was loaded") from None
    if progress:
        progress(source.name, count)
    return count


def _explain_copy_error(exc: psycopg.errors.DataError, path: Path, lines: array) -> str:
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
    return f"{path.name}:{line}: {message}{column}"
