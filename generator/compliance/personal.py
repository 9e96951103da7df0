"""Which columns of the database hold personal data, derived from the spec (``personal_data:``).

A column is personal data when its value comes from a source column the spec marks as personal:

- ``landing.<source>``: the marked columns themselves;
- ``raw_vault``: the payload of the satellites and multi-active satellites fed by marked columns,
  with their hashdiff (a hash of personal data is still personal data: few values hash alike), the
  ``hashdiff`` of a tracking satellite (xts) that tracks such a satellite, and, as a safety net for
  kinds to come, any raw vault column named like a marked column of any source;
- ``business_vault`` and ``marts``: every column whose lineage (:mod:`generator.compliance.lineage`,
  read from the SQL dbt compiled) reaches a marked source column or a personal raw vault column.

Nothing is assumed safe that could not be shown safe: a business vault or mart column whose
lineage cannot be traced, and every column of a table the dbt projects do not define, count as
personal (``PersonalColumns.notes`` says which and why). A new personal column in a source, a
new satellite of it or a new mart column derived from it is therefore hidden without anyone
having to mark it a second time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from generator.db import Database
from generator.errors import DvkitError
from generator.places import BUSINESS_VAULT, LANDING, MARTS
from generator.spec.model import Spec

Table = tuple[str, str]  # (schema, table)


@dataclass
class PersonalColumns:
    """The personal columns of each table that has some; ``notes``: columns hidden for want of proof."""

    tables: dict[Table, frozenset[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def of(self, schema: str, table: str) -> frozenset[str]:
        return self.tables.get((schema, table), frozenset())

    def listing(self) -> list[str]:
        """``schema.table.column`` of every personal column, sorted."""
        return sorted(f"{schema}.{table}.{column}" for (schema, table), columns in self.tables.items()
                      for column in columns)


def source_personal(spec: Spec) -> dict[str, frozenset[str]]:
    """The marked columns of each source (sources without any left out)."""
    return {s.name: frozenset(s.personal_columns) for s in spec.sources if s.personal_columns}


def raw_vault_personal(spec: Spec) -> dict[str, frozenset[str]]:
    """The personal columns of each raw vault table the spec defines (see the module docstring).

    Only the columns a satellite's spec marks count; the by-name safety net needs the database's
    column list and is applied by :func:`personal_columns`.
    """
    marked = source_personal(spec)
    found: dict[str, set[str]] = defaultdict(set)
    personal_sats: set[str] = set()
    for sat in (*spec.satellites, *spec.multi_active_satellites):
        columns = [c for c in sat.stored_payload if c in marked.get(sat.source, ())]
        if columns:
            found[sat.model] |= {*columns, sat.hashdiff}
            personal_sats.add(sat.name)
    for xts in spec.tracking_satellites:
        if personal_sats & set(xts.satellites):
            found[xts.model].add("hashdiff")
    return {model: frozenset(columns) for model, columns in found.items()}


def _columns(conn: psycopg.Connection, schemas: Iterable[str]) -> dict[Table, list[str]]:
    rows = conn.execute(
        """select n.nspname, c.relname, a.attname from pg_class c
           join pg_namespace n on n.oid = c.relnamespace
           join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
           where n.nspname = any(%s) and c.relkind in ('r', 'p', 'v', 'm', 'f')
           order by 1, 2, a.attnum""", (list(schemas),)).fetchall()
    found: dict[Table, list[str]] = defaultdict(list)
    for schema, table, column in rows:
        found[(str(schema), str(table))].append(str(column))
    return found


def personal_columns(project_dir: Path, spec: Spec, db: Database) -> PersonalColumns:
    """The personal columns of every table of landing, the raw vault, the business vault and marts."""
    result = PersonalColumns()
    marked = source_personal(spec)
    every_marked = frozenset().union(*marked.values()) if marked else frozenset()
    raw_vault = spec.naming.raw_vault_schema
    with db.connect() as conn:
        existing = _columns(conn, (LANDING, raw_vault, BUSINESS_VAULT, MARTS))
    for source, columns in marked.items():
        if (LANDING, source) in existing:
            result.tables[(LANDING, source)] = columns
    by_spec = raw_vault_personal(spec)
    for (schema, table), columns in existing.items():
        if schema == raw_vault:
            hidden = (by_spec.get(table, frozenset()) | every_marked) & set(columns)
            if hidden:
                result.tables[(schema, table)] = frozenset(hidden)
    derived = [(key, columns) for key, columns in existing.items() if key[0] in (BUSINESS_VAULT, MARTS)]
    if derived:
        _derived_personal(project_dir, spec, db, derived, by_spec, result)
    return result


def _derived_personal(project_dir: Path, spec: Spec, db: Database, tables: list[tuple[Table, list[str]]],
                      raw: dict[str, frozenset[str]], result: PersonalColumns) -> None:
    """Business vault and mart columns whose lineage reaches personal data (or cannot be traced)."""
    from generator.compliance.lineage import LineageGraph

    files = {s.file: frozenset(s.personal_columns) for s in spec.sources if s.personal_columns}
    graph = LineageGraph(project_dir, spec, db)
    for (schema, table), columns in sorted(tables):
        key = f"{schema}.{table}"
        if key not in graph.relations or not graph.relations[key].sql:
            result.tables[(schema, table)] = frozenset(columns)
            result.notes.append(f"{key}: no dbt model defines it, so its lineage is unknown: every column hidden")
            continue
        hidden: set[str] = set()
        for column in columns:
            try:
                node = graph.resolve(f"{key}.{column}")
            except DvkitError as exc:
                hidden.add(column)
                result.notes.append(f"{key}.{column}: lineage unknown ({exc.message}): hidden")
                continue
            for step in node.walk():
                if step.column is None:
                    continue
                if (step.kind == "csv" and step.column in files.get(step.relation or "", ())) or (
                        step.kind == "raw_vault" and step.column in raw.get((step.relation or "").split(".")[-1], ())):
                    hidden.add(column)
                    break
        if hidden:
            result.tables[(schema, table)] = frozenset(hidden)
