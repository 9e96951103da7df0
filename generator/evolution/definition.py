"""What decides the rows of each raw vault table: its definition, recorded when the table is built.

A definition has three parts, compared separately when the spec changes (``changes.py``):

- ``rows``: everything that decides what a row holds for a given delivery (hash algorithm, key
  columns and their types, parent, hashdiff columns, driving key...). Any change is *breaking*:
  rows already stored no longer match the rows the new spec would store.
- ``feeds``: the sources a hub or link takes keys from, with the columns hashed from each. A new
  source is *additive* (its keys are backfilled); a source dropped or hashed from other columns is
  breaking.
- ``added``: a satellite's ``payload_added`` columns (an xts: those of each satellite it tracks),
  append-only. Appending is additive; anything else is breaking.

Column types count: a key column read as an integer hashes ``'007'`` as ``7``. A column borrowed by a
lookup names where it comes from, since changing the lookup changes the values.

>>> from generator.spec.model import Hub, Feed, Origin, Source, Spec
>>> src = Source("orders", "orders.csv", "orders.csv", (("order_id", "text"),), Origin("s.yml", 1))
>>> hub = Hub("order", ("order_id",), (Feed("orders", ("order_id",)),), Origin("h.yml", 2))
>>> d = definitions(Spec(sources=(src,), hubs=(hub,)))["hub_order"]
>>> d.kind, d.rows["business_key"], d.feeds
('hub', ['order_id'], {'orders': ['order_id text']})
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from generator.spec.model import (
    EffectivitySatellite,
    Hub,
    Link,
    MultiActiveSatellite,
    ReferenceTable,
    Satellite,
    Spec,
    TrackingSatellite,
)


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


def definitions(spec: Spec) -> dict[str, Definition]:
    """Every raw vault table's definition, by model name, in ``spec.vault_models()`` order."""
    found: list[Definition] = []
    found += [_hub(spec, hub) for hub in spec.hubs]
    found += [_link(spec, link) for link in spec.links]
    found += [_satellite(spec, sat) for sat in (*spec.satellites, *spec.multi_active_satellites)]
    found += [_effectivity(spec, eff) for eff in spec.effectivity_satellites]
    found += [_tracking(spec, xts) for xts in spec.tracking_satellites]
    found += [_reference(spec, ref) for ref in spec.reference_tables]
    return {d.model: d for d in found}


def _typed(spec: Spec, source_name: str, columns: tuple[str, ...]) -> list[str]:
    """``column type`` of each column as the stage reads it, with its lookup when it is borrowed."""
    source = spec.source(source_name)
    own = dict(source.columns)
    typed = []
    for column in columns:
        if column in own:
            typed.append(f"{column} {own[column]}")
            continue
        lookup = next((lk for lk in source.lookups if column in lk.columns), None)
        if lookup is None:  # a derived column of the stage (none today): its name is all we know
            typed.append(column)
            continue
        other = dict(spec.source(lookup.source).columns)
        typed.append(f"{column} {other.get(column, '?')} from {lookup.source} on {lookup.on}")
    return typed


def _hub(spec: Spec, hub: Hub) -> Definition:
    feeds = {feed.source: _typed(spec, feed.source, feed.columns) for feed in sorted(hub.feeds, key=lambda f: f.source)}
    rows = {"hash": spec.settings.hash, "hash_key": hub.key, "business_key": list(hub.business_key)}
    return Definition(hub.model, "hub", rows, tuple(feeds), feeds)


def _link(spec: Spec, link: Link) -> Definition:
    feeds = {source: _typed(spec, source, spec.link_key_columns(link, source)) for source in sorted(link.sources)}
    rows = {"hash": spec.settings.hash, "hash_key": link.key, "hubs": [spec.hub(h).key for h in link.hubs],
            "dependent_child_key": list(link.dependent_child_key)}
    return Definition(link.model, "link", rows, tuple(feeds), feeds)


def _parent_columns(spec: Spec, parent: Hub | Link, source: str) -> tuple[str, ...]:
    return parent.columns_in(source) if isinstance(parent, Hub) else spec.link_key_columns(parent, source)


def _satellite(spec: Spec, sat: Satellite | MultiActiveSatellite) -> Definition:
    parent = spec.parent_of(sat)
    rows: dict[str, Any] = {
        "hash": spec.settings.hash,
        "parent": parent.model,
        "parent_key": _typed(spec, sat.source, _parent_columns(spec, parent, sat.source)),
        "source": sat.source,
        # AutomateDV hashes the payload sorted by name: the order of the list changes no row.
        "payload": sorted(_typed(spec, sat.source, sat.payload), key=str.lower),
    }
    if isinstance(sat, MultiActiveSatellite):
        rows["child_key"] = _typed(spec, sat.source, sat.child_key)
        kind = "ma_sat"
    else:
        rows["effective_from"] = sat.effective_from
        rows["ghost_record"] = spec.settings.ghost_records
        kind = "sat"
    added = {sat.model: _typed(spec, sat.source, sat.payload_added)} if sat.payload_added else {}
    return Definition(sat.model, kind, rows, (sat.source,), added=added)


def _effectivity(spec: Spec, eff: EffectivitySatellite) -> Definition:
    link = spec.link(eff.link)
    rows = {"hash": spec.settings.hash, "link": link.model,
            "link_key": _typed(spec, eff.source, spec.link_key_columns(link, eff.source)),
            "driving_key": [spec.hub(h).key for h in link.hubs if h in eff.driving_key],
            "source": eff.source}
    return Definition(eff.model, "eff_sat", rows, (eff.source,))


def _tracking(spec: Spec, xts: TrackingSatellite) -> Definition:
    parent = spec.parent_of(xts)
    tracked = [_satellite(spec, spec.satellite(name)) for name in xts.satellites]
    # An xts row is a delivery of a tracked satellite's hashdiff: it follows their definitions.
    rows = {"hash": spec.settings.hash, "parent": parent.model, "satellites": {d.model: d.rows for d in tracked}}
    added = {model: columns for d in tracked for model, columns in d.added.items()}
    return Definition(xts.model, "xts", rows, tuple(sorted({s for d in tracked for s in d.sources})), added=added)


def _reference(spec: Spec, ref: ReferenceTable) -> Definition:
    rows = {"source": ref.source, "key": _typed(spec, ref.source, (ref.key,)),
            "payload": _typed(spec, ref.source, ref.payload), "one_row_per_key": ref.one_row_per_key}
    return Definition(ref.model, "ref_table", rows, (ref.source,))
