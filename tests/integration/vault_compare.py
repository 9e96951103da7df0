"""Compare two vaults table by table: every table, every column, every row.

>>> tables = vault_tables(db, ("raw_vault",))          # doctest: +SKIP
>>> row_differences(tables, other_tables)              # doctest: +SKIP
['raw_vault.sat_order_status: 1 row(s) only in the first ...']
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from psycopg import sql

from generator.db import Database

SHOWN = 3  # rows shown per side of a differing table


@dataclass(frozen=True)
class TableContent:
    columns: tuple[tuple[str, str], ...]  # (name, data type) in table order
    rows: Counter[tuple[object, ...]]  # a multiset: a doubled row counts twice


def vault_tables(db: Database, schemas: tuple[str, ...]) -> dict[str, TableContent]:
    """Every base table of ``schemas``, as ``schema.table`` -> its columns and rows."""
    result = {}
    with db.connect() as conn:
        tables = conn.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema = any(%s) and table_type = 'BASE TABLE' order by 1, 2", (list(schemas),)).fetchall()
        for schema, table in tables:
            columns = tuple(conn.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = %s and table_name = %s order by ordinal_position", (schema, table)).fetchall())
            rows = conn.execute(sql.SQL("select * from {}").format(sql.Identifier(schema, table))).fetchall()
            result[f"{schema}.{table}"] = TableContent(columns, Counter(rows))
    return result


def row_differences(first: dict[str, TableContent], second: dict[str, TableContent],
                    names: tuple[str, str] = ("first", "second")) -> list[str]:
    """One line per table that is missing on one side or differs in its columns or rows."""
    found = []
    for table in sorted(set(first) | set(second)):
        if table not in first or table not in second:
            found.append(f"{table}: only in the {names[0] if table in first else names[1]}")
            continue
        a, b = first[table], second[table]
        if a.columns != b.columns:
            found.append(f"{table}: columns differ: {names[0]} {list(a.columns)}, {names[1]} {list(b.columns)}")
        elif a.rows != b.rows:
            only_a, only_b = a.rows - b.rows, b.rows - a.rows
            lines = [f"{table}: {sum(only_a.values())} row(s) only in the {names[0]}, "
                     f"{sum(only_b.values())} only in the {names[1]} ({sum(a.rows.values())} and "
                     f"{sum(b.rows.values())} rows)"]
            lines += [f"    {names[0]}: {row!r}" for row in sorted(only_a, key=repr)[:SHOWN]]
            lines += [f"    {names[1]}: {row!r}" for row in sorted(only_b, key=repr)[:SHOWN]]
            found.append("\n".join(lines))
    return found
