"""What decides the rows of a raw vault table: its definition, recorded when the table is built.

A definition has three parts, compared separately when the spec changes (``evolution/changes.py``):

- ``rows``: everything that decides what a row holds for a given delivery (hash algorithm, key
  columns and their types, parent, hashdiff columns, driving key...). Any change is *breaking*:
  rows already stored no longer match the rows the new spec would store.
- ``feeds``: the sources a hub or link takes keys from, with the columns hashed from each. A new
  source is *additive* (its keys are backfilled); a source dropped or hashed from other columns is
  breaking.
- ``added``: a satellite's ``payload_added`` columns (an xts: those of each satellite it tracks),
  append-only. Appending is additive; anything else is breaking.

Column types count: a key column read as an integer hashes ``'007'`` as ``7``. A column borrowed by a
lookup names where it comes from, since changing the lookup changes the values. Each kind of table
makes its own definition (``generator/kinds/``); this module holds what they share.

>>> from generator.spec.model import Lookup, Origin, Source, Spec
>>> orders = Source("orders", "o.csv", "o.csv", (("order_id", "integer"),), Origin("s.yml", 1),
...                 lookups=(Lookup("customers", "order_id", ("city",)),))
>>> customers = Source("customers", "c.csv", "c.csv", (("order_id", "integer"), ("city", "text")), Origin("s.yml", 9))
>>> typed(Spec(sources=(orders, customers)), "orders", ("order_id", "city"))
['order_id integer', 'city text from customers on order_id']
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from generator.spec.model import Hub, Link, Spec


@dataclass(frozen=True)
class Definition:
    """One raw vault table's definition; ``sources`` are the landing tables it reads."""

    model: str
    kind: str
    rows: dict[str, Any]
    sources: tuple[str, ...]
    feeds: dict[str, list[str]] = field(default_factory=dict)
    added: dict[str, list[str]] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """The stored form (``dvkit.vault_models.definition``)."""
        return {"kind": self.kind, "rows": self.rows, "feeds": self.feeds, "added": self.added}

    @property
    def digest(self) -> str:
        """A short fingerprint of the whole definition, for listings."""
        text = json.dumps(self.as_json(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def typed(spec: Spec, source_name: str, columns: tuple[str, ...]) -> list[str]:
    """``column type`` of each column as the stage reads it, with its lookup when it is borrowed."""
    source = spec.source(source_name)
    own = dict(source.columns)
    found = []
    for column in columns:
        if column in own:
            found.append(f"{column} {own[column]}")
            continue
        lookup = next((lk for lk in source.lookups if column in lk.columns), None)
        if lookup is None:  # a derived column of the stage (none today): its name is all we know
            found.append(column)
            continue
        other = dict(spec.source(lookup.source).columns)
        found.append(f"{column} {other.get(column, '?')} from {lookup.source} on {lookup.on}")
    return found


def parent_columns(spec: Spec, parent: Hub | Link, source: str) -> tuple[str, ...]:
    """The columns of ``source`` hashed into the key of a satellite's parent."""
    return parent.columns_in(source) if isinstance(parent, Hub) else spec.link_key_columns(parent, source)
