"""Load one batch of source files into the landing schema with PostgreSQL's COPY.

A batch is every file of the data folder, loaded in one transaction. Each row is checked in Python
before it is written to COPY (``generator.load.quarantine``): a bad row (shape, type, encoding,
empty business key, exact duplicate) is set aside in ``landing.quarantine`` with its file, line,
raw text and reason, and the good rows load. ``landing.batch_files`` records each file's
reconciliation: rows read = rows loaded (``row_count``) + rows quarantined. With ``strict=True`` any
bad row refuses the whole batch instead, and nothing of it is kept. Each landing row carries the
batch id, the batch's load time, the record source, the file name and the line the row starts on.

Schema drift: a file's columns are matched to the spec by header name, in any order. A declared
column the file lacks refuses the whole batch, in either mode. A column the spec does not declare
is left out with a warning, which ``landing.batch_files.note`` keeps for later review (or, with the
source's ``extra_columns: fail``, refuses the batch). A column declared with ``from`` is read from
the header of that name into the landing column named by the spec.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import functools
import hashlib
from array import array
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

from generator.compliance import audit
from generator.compliance.register import apply_to_batch
from generator.db import Database
from generator.errors import DvkitError
from generator.faults import crash_point
from generator.load import tables
from generator.load.landing_check import carry_over_renames
from generator.load.quarantine import (
    EMPTY_FILE,
    STRICT_LIMIT,
    Problem,
    RowValidator,
    ensure_quarantine,
    hub_keys,
    record,
    refusal,
    storable_raw,
)
from generator.load.reader import (
    EmptyFile,
    Layout,
    extra_warning,
    find_file,
    map_header,
    open_text,
    read_header,
    records_with_lines,
    rows_with_lines,
)
from generator.places import LANDING as SCHEMA
from generator.spec.model import Source, Spec

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
Rows = Callable[[], Iterator[tuple[int, Sequence[str]]]]
Records = Callable[[], Iterator[tuple[int, Sequence[str], str]]]
SHOWN_PROBLEMS = 20  # problems a BatchResult keeps for printing; all of them are in landing.quarantine


@dataclass(frozen=True)
class Extract:
    """The rows one source delivers in a batch, each with the file and line it comes from."""

    source: Source
    file_name: str
    rows: Rows  # opened when the batch is copied
    records: Records | None = None  # the same rows with their raw text (files); else it is rebuilt as CSV
    problem: str | None = None  # the file itself is unusable (e.g. zero bytes): one quarantined record
    layout: Layout | None = None  # where the declared columns sit in the rows; None: exactly as declared
    note: str | None = None  # a warning kept with the batch (e.g. undeclared columns left out)
    sha256: str | None = None  # of the delivered file's bytes (a replay: of the snapshot file it is cut from)
    # A table source: the order its rows were read in (their _source_line); sha256 is then of the rows read.
    order: str | None = None


@dataclass
class BatchResult:
    batch_id: int
    load_ts: dt.datetime
    rows: dict[str, int] = field(default_factory=dict)  # source name -> rows loaded
    skipped: list[str] = field(default_factory=list)  # sources without a file in the folder
    duplicate_of: int | None = None  # an identical batch (same load time and content) loaded before
    read: dict[str, int] = field(default_factory=dict)  # source name -> rows read from its file
    quarantined: dict[str, int] = field(default_factory=dict)  # source name -> rows set aside
    files: dict[str, str] = field(default_factory=dict)  # source name -> file name
    problems: list[Problem] = field(default_factory=list)  # the first SHOWN_PROBLEMS rows set aside
    notes: dict[str, str] = field(default_factory=dict)  # source name -> warning about its file
    erased: dict[str, int] = field(default_factory=dict)  # source name -> rows emptied: keys erased before
    audit_id: int | None = None  # the batch's row in dvkit.audit_log


def ensure_landing(conn: psycopg.Connection, spec: Spec) -> None:
    """Create the landing schema, the batch log and one table per source (adding new columns, renaming
    the ones the spec now reads from their old header: ``carry_over_renames``)."""
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
    # The reconciliation of each file: rows_read = row_count (rows loaded) + rows_quarantined.
    conn.execute("alter table landing.batch_files add column if not exists rows_read bigint")
    conn.execute("alter table landing.batch_files add column if not exists rows_quarantined bigint")
    # Batches loaded before quarantine existed set nothing aside: a bad row refused the batch.
    conn.execute("update landing.batch_files set rows_read = row_count, rows_quarantined = 0 where rows_read is null")
    # Warnings about a file kept for review, e.g. columns the spec does not declare that were left out.
    conn.execute("alter table landing.batch_files add column if not exists note text")
    # A whole delivery (a full extract): a key it lacks is gone from the source (status-tracking satellites).
    conn.execute("alter table landing.batch_files add column if not exists full_extract boolean not null default false")
    # Rows whose personal columns were emptied as they landed: keys erased before (the erasure register).
    conn.execute("alter table landing.batch_files add column if not exists rows_erased bigint not null default 0")
    # The SHA-256 of the delivered file, for the audit trail (NULL for batches loaded before it was kept).
    conn.execute("alter table landing.batch_files add column if not exists sha256 text")
    ensure_quarantine(conn)
    # A column renamed in the spec (`from`) is renamed in landing first, so that it is not added again empty.
    carry_over_renames(conn, spec)
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
    """One extract per source file found in ``data_dir`` (headers mapped, SHA-256 taken), and the sources without one.

    A header lacking a declared column (or, with ``extra_columns: fail``, holding an undeclared
    one) raises before anything is loaded.
    """
    if not data_dir.is_dir():
        raise DvkitError(f"data folder not found: {data_dir}", hint="pass the folder holding the CSV files")
    extracts: list[Extract] = []
    missing: list[str] = []
    for source in spec.sources:
        if source.table is not None:
            continue  # read from the database by table_extracts
        path = find_file(data_dir, source.file)
        if path is None:
            missing.append(source.name)
            continue
        try:
            with open_text(path) as handle:
                header = read_header(handle, path)
        except EmptyFile:
            extracts.append(Extract(source, path.name, _no_rows, problem=EMPTY_FILE, sha256=file_sha256(path)))
            continue
        except (OSError, EOFError) as exc:
            raise DvkitError(f"{path.name}: cannot read the file: {exc}", hint="check the extract") from None
        layout = map_header(header, source.header_names, path, source.name, source.extra_columns,
                            source.column_names if source.renamed else ())
        extracts.append(Extract(source, path.name, functools.partial(_file_rows, path),
                                functools.partial(_file_records, path),
                                layout=None if layout.identity else layout,
                                note=extra_warning(path.name, source.name, layout.extra) if layout.extra else None,
                                sha256=file_sha256(path)))
    if not extracts and all(s.table is None for s in spec.sources):
        expected = ", ".join(s.file for s in spec.sources)
        raise DvkitError(f"no source files in {data_dir}", hint=f"expected files such as {expected}")
    return extracts, missing


def table_extracts(conn: psycopg.Connection, spec: Spec) -> list[Extract]:
    """One extract per table source of the spec, read now in its deterministic order (``generator.load.tables``)."""
    extracts: list[Extract] = []
    for source in spec.sources:
        if source.table is None:
            continue
        label, rows, order, note = tables.read_table(conn, source)
        extracts.append(Extract(source, label, tables.row_source(rows), note=note,
                                sha256=tables.rows_digest(rows), order=order))
    return extracts


def file_sha256(path: Path) -> str:
    """SHA-256 (hex) of a file's bytes as delivered (a gzip file: of its compressed bytes)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _no_rows() -> Iterator[tuple[int, Sequence[str]]]:
    return iter(())


def _file_rows(path: Path) -> Iterator[tuple[int, Sequence[str]]]:
    with open_text(path) as handle, _readable(path):
        read_header(handle, path)
        yield from rows_with_lines(handle)


def _file_records(path: Path) -> Iterator[tuple[int, Sequence[str], str]]:
    with open_text(path) as handle, _readable(path):
        read_header(handle, path)
        yield from records_with_lines(handle)


@contextlib.contextmanager
def _readable(path: Path) -> Iterator[None]:
    """A damaged file (truncated gzip, a field over the CSV limit) is named in the error."""
    try:
        yield
    except (OSError, EOFError, csv.Error) as exc:
        raise DvkitError(f"{path.name}: cannot read the file: {exc}",
                         hint="check the extract; nothing of this batch was loaded") from None


def load_batch(db: Database, spec: Spec, data_dir: Path | None, load_ts: dt.datetime | None = None,
               progress: Progress | None = None, strict: bool = False,
               full_extracts: Collection[str] = (),
               found: tuple[list[Extract], list[str]] | None = None) -> BatchResult:
    """Load every source file found in ``data_dir`` and every table source as one batch, in one transaction.

    Table sources are read whole at the start of each load; ``data_dir`` None loads them alone.

    Bad rows are set aside in ``landing.quarantine``; with ``strict``, any bad row refuses the
    whole batch. With an explicit ``load_ts``, loading the same files again is recognised and skipped.
    ``full_extracts``: sources whose files are whole this time although the spec says ``delivery: delta``.
    ``found``: what ``file_extracts(spec, data_dir)`` already returned to a caller that checked the
    headers first (each file is read and hashed once).
    """
    unknown = sorted(set(full_extracts) - {source.name for source in spec.sources})
    if unknown:
        raise DvkitError(f"--full-extract names no source of the spec: {', '.join(unknown)}",
                         hint="name sources as the spec does: " + ", ".join(s.name for s in spec.sources))
    if found is None:
        found = file_extracts(spec, data_dir) if data_dir is not None else ([], [])
    extracts, missing = list(found[0]), found[1]
    if any(source.table is not None for source in spec.sources):
        with db.connect() as conn:
            extracts += table_extracts(conn, spec)
    if not extracts:
        raise DvkitError("the spec has no table source, and no data folder was given",
                         hint="pass the folder holding the CSV files")
    fingerprint = batch_fingerprint(load_ts, extracts) if load_ts is not None else None
    whole = {s.name for s in spec.sources if s.delivery == "full"} | set(full_extracts)
    origin = data_dir.name if data_dir is not None else "(tables)"
    result = load_extracts(db, spec, extracts, load_ts, origin, fingerprint, progress, strict=strict,
                           whole=whole)
    result.skipped = missing
    return result


def load_extracts(db: Database, spec: Spec, extracts: list[Extract], load_ts: dt.datetime | None,
                  origin: str, fingerprint: str | None = None, progress: Progress | None = None,
                  strict: bool = False, whole: Collection[str] = ()) -> BatchResult:
    """Copy ``extracts`` into landing as one batch in one transaction; ``whole``: the sources whose
    extracts are full extracts."""
    with db.connect() as conn:
        ensure_landing(conn, spec)
        conn.commit()
        result = copy_batch(conn, extracts, load_ts, origin, fingerprint, progress, spec=spec, strict=strict,
                            whole=whole)
        analyze(conn, {extract.source.name for extract in extracts})
    return result


def copy_batch(conn: psycopg.Connection, extracts: list[Extract], load_ts: dt.datetime | None, origin: str,
               fingerprint: str | None = None, progress: Progress | None = None, *, spec: Spec | None = None,
               strict: bool = False, whole: Collection[str] = ()) -> BatchResult:
    """One batch in one transaction on an open connection whose landing tables exist.

    ``spec`` names the business keys to check (a row with no key of any hub its source feeds is set
    aside); without it that check is skipped. ``strict``: any bad row refuses the whole batch (the
    error names the first STRICT_LIMIT and counts them all); nothing of it is kept. ``whole``: the
    sources whose extracts are full extracts (recorded in ``landing.batch_files.full_extract``). A
    loaded batch is logged in ``dvkit.audit_log`` in its own transaction; a refused one after its rollback.
    """
    try:
        return _copy_batch(conn, extracts, load_ts, origin, fingerprint, progress, spec=spec, strict=strict,
                           whole=whole)
    except DvkitError:
        # Names and hashes only: the error's text may quote a value of the file.
        refused = {"outcome": "refused", "strict": strict, "origin": origin,
                   "load_ts": load_ts.isoformat() if load_ts else None,
                   "files": [{"source": e.source.name, "file": e.file_name, "sha256": e.sha256}
                             for e in sorted(extracts, key=lambda e: e.source.name)]}
        # A connection that broke cannot log; the refusal itself is what the caller must see.
        with contextlib.suppress(psycopg.Error):
            audit.append(conn, "load", refused)
        raise


def _copy_batch(conn: psycopg.Connection, extracts: list[Extract], load_ts: dt.datetime | None, origin: str,
                fingerprint: str | None, progress: Progress | None, *, spec: Spec | None,
                strict: bool, whole: Collection[str]) -> BatchResult:
    load_ts = (load_ts or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)).replace(microsecond=0)
    with conn.transaction():
        # One loader at a time: batch ids then follow the order loads commit in.
        conn.execute("lock table landing.batches in exclusive mode")
        if fingerprint is not None:
            seen = conn.execute("select batch_id from landing.batches where fingerprint = %s",
                                (fingerprint,)).fetchone()
            if seen:
                return BatchResult(batch_id=int(seen[0]), load_ts=load_ts, duplicate_of=int(seen[0]))
        # The next id is taken under the lock, not from a sequence: a batch that is rolled back
        # (or killed) leaves no gap, so a re-run gives exactly the ids of an uninterrupted run.
        row = conn.execute(
            "insert into landing.batches (batch_id, load_ts, source_dir, fingerprint) "
            "select coalesce(max(batch_id), 0) + 1, %s, %s, %s from landing.batches "
            "returning batch_id", (load_ts, origin, fingerprint),
        ).fetchone()
        assert row is not None
        result = BatchResult(batch_id=int(row[0]), load_ts=load_ts)
        refused: list[Problem] = []  # strict: the problems named by the refusal
        total = 0  # strict: every problem found
        for extract in extracts:
            name = extract.source.name
            problems = _copy_rows(conn, extract, result, progress, hub_keys(spec, extract.source),
                                  strict=strict, refused=strict and total > 0)
            total += result.quarantined[name]
            if strict:
                refused.extend(problems[:STRICT_LIMIT - len(refused)])
            else:
                record(conn, result.batch_id, problems)
                result.problems.extend(problems[:SHOWN_PROBLEMS - len(result.problems)])
            if extract.note:
                result.notes[name] = extract.note
            conn.execute(
                "insert into landing.batch_files (batch_id, source, file_name, row_count, rows_read, rows_quarantined, "
                "note, full_extract, sha256) values (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (result.batch_id, name, extract.file_name, result.rows[name], result.read[name],
                 result.quarantined[name], extract.note, name in whole, extract.sha256),
            )
        if total and strict:
            raise refusal(refused, total)  # the transaction rolls back: nothing of the batch is kept
        if spec is not None:
            # Keys erased before stay erased: their personal columns are emptied as they land.
            result.erased = apply_to_batch(conn, spec, result.batch_id, result.rows)
            for name, count in result.erased.items():
                conn.execute("update landing.batch_files set rows_erased = %s where batch_id = %s and source = %s",
                             (count, result.batch_id, name))
        conn.execute("update landing.batches set row_count = %s where batch_id = %s",
                     (sum(result.rows.values()), result.batch_id))
        # In the batch's transaction: a batch is committed with its audit row, or neither is.
        result.audit_id = audit.append(conn, "load", load_summary(result, extracts, origin)).id
    crash_point("batch-committed")
    return result


def load_summary(result: BatchResult, extracts: list[Extract], origin: str) -> dict[str, object]:
    """What the audit log keeps of a loaded batch: its id, load time, folder and each file's hash and counts."""
    files = [{"source": e.source.name, "file": e.file_name, "sha256": e.sha256,
              "rows_read": result.read[e.source.name], "rows_loaded": result.rows[e.source.name],
              "rows_quarantined": result.quarantined[e.source.name],
              # A table: sha256 is of the rows read, in this order (their _source_line).
              **({"table": True, "order": e.order} if e.order is not None else {})}
             for e in sorted(extracts, key=lambda e: e.source.name)]
    return {"outcome": "loaded", "batch_id": result.batch_id, "load_ts": result.load_ts.isoformat(),
            "origin": origin, "rows_loaded": sum(result.rows.values()),
            "rows_quarantined": sum(result.quarantined.values()), "files": files}


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
        if extract.problem:
            digest.update(f"\x1d{extract.problem}".encode())
        for line, fields in extract.rows():
            # surrogateescape: undecodable bytes count as the bytes they were
            digest.update(f"\x1d{line}\x1f".encode() + "\x1f".join(fields).encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def _records(extract: Extract) -> Iterator[tuple[int, Sequence[str], str | None]]:
    if extract.records is not None:
        return extract.records()
    return ((line, fields, None) for line, fields in extract.rows())


def _copy_rows(conn: psycopg.Connection, extract: Extract, batch: BatchResult, progress: Progress | None,
               keys: tuple[tuple[str, ...], ...], strict: bool, refused: bool) -> list[Problem]:
    """COPY the good rows of ``extract``; count them in ``batch``; return the bad ones.

    ``strict``: keep only the first STRICT_LIMIT problems (all are counted) and, once the batch is
    ``refused`` (a bad row was found here or in an earlier file), only check rows: the batch will be
    rolled back, writing them would be wasted.
    """
    source = extract.source
    names = [*source.column_names, *(name for name, _ in METADATA)]
    statement = sql.SQL("copy {} ({}) from stdin").format(
        sql.Identifier(SCHEMA, source.name), sql.SQL(", ").join(map(sql.Identifier, names)))
    lines = array("l")  # the file line of each COPY row, to explain a rejected value
    fixed = (batch.batch_id, batch.load_ts, source.record_source, extract.file_name)
    validator = RowValidator(source, keys)
    check = validator.check
    layout = extract.layout
    problems: list[Problem] = []
    read = loaded = bad = 0
    if extract.problem:  # counted as one record read and set aside, so that read = loaded + quarantined
        read = bad = 1
        refused = refused or strict
        problems.append(Problem(source.name, extract.file_name, 1, "", extract.problem))
    try:
        with conn.cursor() as cursor, cursor.copy(statement) as copy:
            for line, fields, raw in _records(extract):
                if not fields:
                    continue  # a blank line (e.g. an extra newline at the end) carries no row
                read += 1
                if layout is None:
                    reason = check(line, fields, raw)
                elif len(fields) == layout.width:
                    fields = layout.project(fields)  # the declared columns, by header name
                    reason = check(line, fields, raw)
                else:
                    reason = validator.shape(line, fields, raw, layout.width)
                if reason is not None:
                    bad += 1
                    refused = refused or strict
                    if not strict or len(problems) < STRICT_LIMIT:
                        problems.append(Problem(source.name, extract.file_name, line, storable_raw(raw, fields),
                                                reason))
                elif not refused:
                    # Kaggle writes NULL as an empty field.
                    copy.write_row([value if value != "" else None for value in fields] + [*fixed, line])
                    lines.append(line)
                    loaded += 1
                    if loaded == 1:
                        crash_point(f"copy:{source.name}")
                if progress and read % 50_000 == 0:
                    progress(source.name, read)
    except psycopg.errors.DataError as exc:
        raise DvkitError(_explain_copy_error(exc, extract.file_name, lines),
                         hint=f"fix the value or the column's type in the spec (source '{source.name}'); "
                              "nothing of this batch was loaded") from None
    if progress:
        progress(source.name, read)
    if not refused and read != loaded + bad:  # nothing is dropped silently
        raise AssertionError(f"{extract.file_name}: read {read} rows, loaded {loaded}, set aside {bad}")
    name = source.name
    batch.read[name], batch.rows[name], batch.quarantined[name] = read, loaded, bad
    batch.files[name] = extract.file_name
    return problems


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
