"""Facts that point at a dimension's unknown member: referential gaps, counted instead of failing.

A fact whose dimension row has not arrived yet (an order before its customer) or was quarantined
(an unreadable line) points at the dimension's unknown member, keyed ``UNKNOWN_KEY``. The marts
build; this module counts those facts so that the build can say how many wait for their row. The
next build that brings the row links the fact to it, and the count goes down.

Which columns can point at an unknown member is said by the marts themselves, in the YAML beside
each model (dbt keeps it in the business vault's ``target/manifest.json``)::

    columns:
      - name: customer_unique_id
        config:
          meta:
            unknown_member: orders without a customer yet   # what the build calls such facts
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.db import Database
from generator.places import BUSINESS_PROJECT

UNKNOWN_KEY = "(unknown)"  # the key of every dimension's unknown member (business_vault/macros/unknown_member.sql)
META_KEY = "unknown_member"


@dataclass(frozen=True)
class Gap:
    """A fact's key into a dimension, and what its facts are called when they point at the unknown member."""

    schema: str
    fact: str
    column: str
    what: str

    def warning(self, count: int) -> str:
        """The build's line for ``count`` facts at the unknown member.

        >>> Gap("marts", "fct_orders", "customer_unique_id", "orders without a customer yet").warning(12)
        'warning: fct_orders: 12 orders without a customer yet (customer_unique_id = (unknown))'
        """
        return f"warning: {self.fact}: {count:,} {self.what} ({self.column} = {UNKNOWN_KEY})"


def declared_gaps(manifest: dict[str, Any]) -> list[Gap]:
    """The columns whose YAML declares ``meta: unknown_member``, in model then column order.

    >>> column = {"name": "seller_id", "config": {"meta": {"unknown_member": "items without a seller"}}}
    >>> node = {"resource_type": "model", "schema": "marts", "alias": "fct_items", "columns": {"seller_id": column}}
    >>> declared_gaps({"nodes": {"model.bv.fct_items": node}})
    [Gap(schema='marts', fact='fct_items', column='seller_id', what='items without a seller')]
    """
    gaps: list[Gap] = []
    for _, node in sorted((manifest.get("nodes") or {}).items()):
        if node.get("resource_type") != "model":
            continue
        for name, column in (node.get("columns") or {}).items():
            meta = {**(column.get("meta") or {}), **((column.get("config") or {}).get("meta") or {})}
            if META_KEY in meta:
                gaps.append(Gap(node["schema"], node.get("alias") or node["name"], name, str(meta[META_KEY])))
    return gaps


def _manifest(project_dir: Path) -> dict[str, Any]:
    path = project_dir / BUSINESS_PROJECT / "target" / "manifest.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def count_unknown_members(db: Database, project_dir: Path) -> list[tuple[Gap, int]]:
    """Every declared gap with the number of its fact rows at the unknown member (0 included).

    A fact table that is not built (no business vault, or not yet) is left out.
    """
    from psycopg import sql

    found: list[tuple[Gap, int]] = []
    with db.connect() as conn:
        for gap in declared_gaps(_manifest(project_dir)):
            exists = conn.execute("select to_regclass(%s) is not null", (f"{gap.schema}.{gap.fact}",)).fetchone()
            if not (exists and exists[0]):
                continue
            query = sql.SQL("select count(*) from {} where {} = %s").format(
                sql.Identifier(gap.schema, gap.fact), sql.Identifier(gap.column))
            row = conn.execute(query, (UNKNOWN_KEY,)).fetchone()
            found.append((gap, int(row[0]) if row else 0))
    return found


def unknown_member_warnings(db: Database, project_dir: Path) -> list[str]:
    """One warning line per gap with facts at the unknown member; none when every fact has its row."""
    return [gap.warning(count) for gap, count in count_unknown_members(db, project_dir) if count]
