"""The spec checked against the landing tables before dbt runs, and renamed columns carried over.

A landing table keeps every batch, so it has the columns of every spec it was loaded with: a column
declared later is added to it, NULL in the batches before (``ensure_landing``), and a column
dropped from the spec stays. Neither stops a build. What does is a declared column the table
lacks: the spec renamed a column after batches were loaded, or declares one no load has brought
yet. dbt would stop on it halfway through the models with a database error;
:func:`check_against_landing` says so first, with the column's file and line in the spec, the
table's undeclared columns (the likely old name) and the fix.

A column read from a header of another name (``from``) whose landing table still has a column of
that header's name, from batches loaded before the spec renamed it, has that column renamed to the
spec's name (:func:`carry_over_renames`): the table is then the one a load with the new spec would
have made from the start, values, files and lines alike.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass

import psycopg
from psycopg import sql

from generator.db import Database
from generator.errors import DvkitError
from generator.places import LANDING as SCHEMA
from generator.spec.model import Source, Spec
from generator.spec.validate import LANDING_COLUMNS
from generator.spec.yaml_lines import Problem


@dataclass(frozen=True)
class Rename:
    """A landing column renamed to the spec's name of the header it holds."""

    source: str
    old: str
    new: str

    def __str__(self) -> str:
        return f"landing.{self.source}: column {self.old} renamed to {self.new} (the spec reads header {self.old} " \
               f"into {self.new})"


def landing_columns(conn: psycopg.Connection) -> dict[str, list[str]]:
    """Each landing table's columns, in table order (from the catalog: privileges do not hide any)."""
    rows = conn.execute(
        """select c.relname, a.attname from pg_attribute a
           join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
           where n.nspname = %s and c.relkind in ('r', 'p') and a.attnum > 0 and not a.attisdropped
           order by c.relname, a.attnum""", (SCHEMA,)).fetchall()
    tables: dict[str, list[str]] = {}
    for table, column in rows:
        tables.setdefault(str(table), []).append(str(column))
    return tables


def carry_over_renames(conn: psycopg.Connection, spec: Spec) -> list[Rename]:
    """Rename each landing column still named after a header the spec now reads into another column.

    Only when the table lacks the spec's name, and no declared column has the header's name (then
    it is that column's, not an old one). Runs in the caller's transaction.
    """
    tables = landing_columns(conn)
    done: list[Rename] = []
    for source in spec.sources:
        present = tables.get(source.name)
        if present is None:
            continue
        for column, header in source.renamed:
            if header in present and column not in present and header not in source.column_names:
                conn.execute(sql.SQL("alter table {} rename column {} to {}").format(
                    sql.Identifier(SCHEMA, source.name), sql.Identifier(header), sql.Identifier(column)))
                present[present.index(header)] = column
                done.append(Rename(source.name, header, column))
    return done


def landing_problems(conn: psycopg.Connection, spec: Spec) -> list[Problem]:
    """Every declared column (and source) that the landing tables cannot give a build, at its spec line."""
    tables = landing_columns(conn)
    files = dict(conn.execute(
        "select source, count(*) from landing.batch_files group by source").fetchall()) if "batch_files" in tables \
        else {}
    problems: list[Problem] = []
    for source in spec.sources:
        present = tables.get(source.name)
        if present is None:
            problems.append(Problem(source.origin.path, source.origin.line,
                                    f"source '{source.name}' has no landing table: landing.{source.name} does not "
                                    "exist yet", "run `dvkit load`: it creates the landing table of every source"))
            continue
        leftover = [c for c in present if c not in source.column_names and c not in LANDING_COLUMNS]
        missing = [c for c in source.column_names if c not in present]
        loaded = f"{files.get(source.name, 0)} file(s) loaded"
        for column in missing:
            origin = source.column_origin(column)
            problems.append(Problem(origin.path, origin.line,
                                    f"column '{column}' of source '{source.name}' is not in landing.{source.name} "
                                    f"({loaded})", _fix(source, column, leftover, missing)))
        for column, header in source.renamed:
            if column in present and header in leftover and _values_left_behind(conn, source.name, header, column):
                origin = source.column_origin(column)
                problems.append(Problem(origin.path, origin.line,
                                        f"landing.{source.name} has both '{header}', the header column '{column}' "
                                        f"is read from, and '{column}', and rows hold a value in '{header}' only: "
                                        "the build would leave those values out",
                                        f"carry them over by hand, `update landing.{source.name} set {column} = "
                                        f"{header} where {column} is null`, and build again"))
    return problems


def check_against_landing(db: Database, spec: Spec, log: Callable[[str], None] = lambda _: None) -> None:
    """Carry renamed columns over, then raise a DvkitError naming every column the build could not read.

    Called by ``dvkit build`` before any dbt run, so that the error comes in a second, not from
    the middle of the models.
    """
    with db.connect() as conn, conn.transaction():
        for rename in carry_over_renames(conn, spec):
            log(str(rename))
        problems = landing_problems(conn, spec)
    if problems:
        shown = "\n  ".join(str(problem) for problem in problems)
        raise DvkitError(f"the spec does not match the landing tables ({len(problems)} problem(s)):\n  {shown}",
                         hint="nothing was built; the batches stay pending")


def _fix(source: Source, column: str, leftover: list[str], missing: list[str]) -> str:
    """How to make ``column`` readable: the likely old name and the mapping, or a load that brings it."""
    table = f"landing.{source.name}"
    guess = _guess(column, leftover, missing)
    type_ = dict(source.columns)[column]
    if guess is not None:
        return (f"{table} has {_listed(leftover)}, which the spec does not declare: did you mean '{guess}'? "
                f"If the file's header is still {guess}, read it into the new name, `{column}: {{type: {type_}, "
                f"from: {guess}}}`, and the build renames the landing column; if the header changed, keep the old "
                f"name and read the new header into it, `{guess}: {{type: {type_}, from: {column}}}`")
    if leftover:
        return (f"{table} has {_listed(leftover)}, which the spec does not declare; if one is this column under its "
                f"old name, read that header into it with `{column}: {{type: {type_}, from: <old name>}}`, else load "
                "a batch whose file has the column")
    return ("no batch has brought this column yet: load one whose file has it (the batches before hold NULL in it: "
            "list it under a satellite's payload_added), or remove it from the spec")


def _guess(column: str, leftover: list[str], missing: list[str]) -> str | None:
    """The undeclared landing column most like ``column``; one for one, the only one left."""
    close = difflib.get_close_matches(column, leftover, n=1, cutoff=0.5)
    if close:
        return close[0]
    return leftover[0] if len(leftover) == 1 and len(missing) == 1 else None


def _listed(columns: list[str]) -> str:
    return f"column {columns[0]}" if len(columns) == 1 else f"columns {', '.join(columns)}"


def _values_left_behind(conn: psycopg.Connection, table: str, old: str, new: str) -> bool:
    """Rows hold a value in ``old`` and none in ``new``: values the build would not read."""
    row = conn.execute(sql.SQL("select exists (select 1 from {} where {} is not null and {} is null)").format(
        sql.Identifier(SCHEMA, table), sql.Identifier(old), sql.Identifier(new))).fetchone()
    return bool(row and row[0])
