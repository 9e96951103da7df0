"""Hubs: one row per business key, fed by one or more sources."""

from __future__ import annotations

from typing import Any

from generator.kinds.base import Kind
from generator.kinds.data_tests import audit_columns, description_of, not_null, unique
from generator.kinds.definition import Definition, typed
from generator.kinds.files import GeneratedFile, render
from generator.kinds.resolved import lookups_of, resolved_feed, resolved_stage
from generator.kinds.stage import Derived, Hashed, StageColumn
from generator.spec.model import Hub, Spec


class HubKind(Kind[Hub]):
    name = "hub"
    entity_type = Hub
    section = "hubs"
    label = "hub"
    folder = "hubs"
    longest_name = "hub_{}"
    made_names = ("{prefix}{name}", "{name}{key}")

    def entities(self, spec: Spec) -> tuple[Hub, ...]:
        return spec.hubs

    def sources(self, spec: Spec, hub: Hub) -> tuple[str, ...]:
        return tuple(sorted({feed.source for feed in hub.feeds}))

    def stage_hubs(self, spec: Spec, hub: Hub, source: str) -> tuple[str, ...]:
        return (hub.name,) if source in self.sources(spec, hub) else ()

    def reads_resolved(self, spec: Spec, hub: Hub, source: str) -> bool:
        return source in self.sources(spec, hub) and bool(lookups_of(spec, source, hub.columns_in(source)))

    def key_columns(self, hub: Hub, source: str) -> list[StageColumn]:
        """The hub's key in the stage of ``source``, for any table that needs it (``stage.py``)."""
        columns = hub.columns_in(source)
        found: list[StageColumn] = []
        if columns != hub.business_key:
            # A multi-source hub reads one key column name from every stage.
            found += [Derived(key, column, f"hub '{hub.name}'", hub.origin)
                      for key, column in zip(hub.business_key, columns, strict=True)]
        return [*found, Hashed(hub.key, columns)]

    def definition(self, spec: Spec, hub: Hub) -> Definition:
        feeds = {feed.source: typed(spec, feed.source, feed.columns)
                 for feed in sorted(hub.feeds, key=lambda f: f.source)}
        # A key resolved later comes with a delivery of the looked-up source: its batches feed the hub too.
        later = [feed for feed in sorted(hub.feeds, key=lambda f: f.source)
                 if self.reads_resolved(spec, hub, feed.source)]
        feeds |= {resolved_feed(feed.source): typed(spec, feed.source, feed.columns) for feed in later}
        sources = sorted({feed.source for feed in hub.feeds}
                         | {s for feed in later for s in lookups_of(spec, feed.source, feed.columns)})
        rows = {"hash": spec.settings.hash, "hash_key": hub.key, "business_key": list(hub.business_key)}
        return Definition(hub.model, self.name, rows, tuple(sources), feeds)

    def files(self, spec: Spec, hub: Hub) -> list[GeneratedFile]:
        stages = [stage for feed in sorted(hub.feeds, key=lambda f: f.source)
                  for stage in (f"stg_{feed.source}", *([resolved_stage(feed.source)]
                                                       if self.reads_resolved(spec, hub, feed.source) else []))]
        nk = hub.business_key[0] if len(hub.business_key) == 1 else list(hub.business_key)
        return [self.table_file(hub, render("hub.sql.j2", hub=hub, stages=stages, nk=nk))]

    def docs(self, spec: Spec, hub: Hub) -> dict[str, Any]:
        columns: list[dict[str, Any]] = [
            {"name": hub.key, "description": f"Hash of {', '.join(hub.business_key)}.",
             "data_tests": [unique(), not_null()]},
        ]
        # A source may name the key otherwise: the description is the first feed's that has one.
        columns += [{"name": c, "description": description_of(spec, [(f.source, f.columns[i]) for f in hub.feeds])
                     or "Business key, as first delivered.", "data_tests": [not_null()]}
                    for i, c in enumerate(hub.business_key)]
        columns += audit_columns()
        return {"name": hub.model, "description": hub.description or f"Hub {hub.name}.", "columns": columns}
