"""Read the sources that are tables or views of the vault's own database (``table: crm.customers``).

Each load reads every table source whole, as text, in a deterministic order: by the primary key when
the table has one, else by every column in table order. A row's identity is the qualified table name
(``_source_file``) and its ordinal in that order, counting from 1 (``_source_line``). The rows then go
through the same checks and COPY as a file's rows (``generator.load.landing``): a value that does not
cast to the spec's type is set aside in ``landing.quarantine`` with that identity.

Instead of a file's SHA-256, a table extract carries the SHA-256 of the rows read, which a reviewer
can recompute in SQL (:func:`digest_sql`): every row, in the order used, as its declared columns' text
(NULL as empty) joined by tabs and ended by a newline.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterator, Sequence

import psycopg
from psycopg import sql

from generator.errors import DvkitError
from generator.load.reader import extra_warning
from generator.spec.model import Source


def qualified(conn: psycopg.Connection, source: Source) -> tuple[str, str]:
    """The schema and name of the source's table (an unqualified name is found on the search path)."""
    assert source.table is not None
    found = conn.execute(
        "select n.nspname, c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace "
        "where c.oid = to_regclass(%s)", (source.table,)).fetchone()
    if found is None:
        raise DvkitError(f"{source.origin.path}:{source.origin.line}: table '{source.table}' of source "
                         f"'{source.name}' does not exist in the database",
                         hint="create it (or grant dvkit's user access to it), or correct `table:` in the spec")
    return str(found[0]), str(found[1])


def table_columns(conn: psycopg.Connection, schema: str, name: str) -> list[str]:
    """The table's columns in table order."""
    rows = conn.execute(
        "select a.attname from pg_attribute a where a.attrelid = to_regclass(%s) and a.attnum > 0 "
        "and not a.attisdropped order by a.attnum", (sql.Identifier(schema, name).as_string(conn),)).fetchall()
    return [str(r[0]) for r in rows]


def primary_key(conn: psycopg.Connection, schema: str, name: str) -> list[str]:
    """The primary key's columns, in key order (none for a view or a table without one)."""
    rows = conn.execute(
        "select a.attname from pg_index i cross join lateral unnest(i.indkey) with ordinality k(attnum, n) "
        "join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum "
        "where i.indrelid = to_regclass(%s) and i.indisprimary order by k.n",
        (sql.Identifier(schema, name).as_string(conn),)).fetchall()
    return [str(r[0]) for r in rows]


def read_order(conn: psycopg.Connection, schema: str, name: str) -> tuple[list[str], str]:
    """The columns rows are ordered by, and that order in words for the batch record, e.g.
    ``primary key (customer_id)`` or ``every column (a, b)``."""
    key = primary_key(conn, schema, name)
    if key:
        return key, f"primary key ({', '.join(key)})"
    every = table_columns(conn, schema, name)
    return every, f"every column ({', '.join(every)})"


def read_table(conn: psycopg.Connection, source: Source) -> tuple[str, list[tuple[str, ...]], str, str | None]:
    """Read a table source: its qualified name, its rows as text, the order used and a note on undeclared columns.

    A declared column the table lacks refuses the load (as a file's header would); a column the spec
    does not declare is left out with a warning, or refuses the load with ``extra_columns: fail``.
    """
    schema, name = qualified(conn, source)
    label = f"{schema}.{name}"
    present = table_columns(conn, schema, name)
    wanted = source.header_names
    missing = [c for c in wanted if c not in present]
    extra = [c for c in present if c not in wanted]
    if missing or (extra and source.extra_columns == "fail"):
        parts = []
        if missing:
            parts.append(f"missing column(s) {', '.join(missing)}")
        if extra and source.extra_columns == "fail":
            parts.append(f"undeclared column(s) {', '.join(extra)} (extra_columns: fail)")
        raise DvkitError(f"{label}: the table does not match source '{source.name}' of the spec "
                         f"({source.origin.path}:{source.origin.line}): {'; '.join(parts)}",
                         hint="declare the table's columns under the source's columns (by name), "
                              "or read a view that has them; nothing of this batch was loaded")
    order, said = read_order(conn, schema, name)
    statement = sql.SQL("select {} from {} order by {}").format(
        sql.SQL(", ").join(sql.SQL("{}::text").format(sql.Identifier(c)) for c in wanted),
        sql.Identifier(schema, name),
        sql.SQL(", ").join(map(sql.Identifier, order)))
    # NULL reads as an empty field, as in a CSV file: the loader writes it back as NULL.
    rows = [tuple("" if v is None else v for v in row) for row in conn.execute(statement)]
    note = extra_warning(label, source.name, extra) if extra else None
    return label, rows, said, note


def rows_digest(rows: Sequence[Sequence[str]]) -> str:
    """SHA-256 (hex) of the rows read: each row's fields joined by tabs, ended by a newline, in UTF-8.

    >>> rows_digest([("1", "Ann"), ("2", "")]) == hashlib.sha256(b"1\\tAnn\\n2\\t\\n").hexdigest()
    True
    """
    digest = hashlib.sha256()
    for row in rows:
        digest.update(("\t".join(row) + "\n").encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def digest_sql(source: Source, label: str, order: Sequence[str]) -> str:
    """A query that recomputes :func:`rows_digest` of the table as it is now, for a reviewer."""
    fields = ", ".join(f"coalesce({c}::text, '')" for c in source.header_names)
    return (f"select encode(sha256(convert_to(coalesce(string_agg(concat_ws(E'\\t', {fields}) || E'\\n', '' "
            f"order by {', '.join(order)}), ''), 'UTF8')), 'hex') from {label}")


def numbered(rows: Sequence[tuple[str, ...]]) -> Iterator[tuple[int, Sequence[str]]]:
    """The rows with their ordinal in the read order, from 1: the row identity a reviewer follows."""
    return enumerate(rows, start=1)


def row_source(rows: list[tuple[str, ...]]) -> functools.partial[Iterator[tuple[int, Sequence[str]]]]:
    """What an ``Extract`` opens when the batch is copied: the rows, numbered."""
    return functools.partial(numbered, rows)
