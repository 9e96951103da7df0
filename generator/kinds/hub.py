"""Hubs: one row per business key, fed by one or more sources."""

from __future__ import annotations

from typing import Any

from generator.kinds.base import Kind
from generator.kinds.definition import Definition, typed
from generator.render.data_tests import audit_columns, not_null, unique
from generator.render.files import GeneratedFile, render
from generator.spec.model import Hub, Spec


class HubKind(Kind[Hub]):
    name = "hub"
    entity_type = Hub
    section = "hubs"
    label = "hub"
    folder = "hubs"
    longest_name = "hub_{}"

    def entities(self, spec: Spec) -> tuple[Hub, ...]:
        return spec.hubs

    def sources(self, spec: Spec, hub: Hub) -> tuple[str, ...]:
        return tuple(sorted({feed.source for feed in hub.feeds}))

    def definition(self, spec: Spec, hub: Hub) -> Definition:
        feeds = {feed.source: typed(spec, feed.source, feed.columns)
                 for feed in sorted(hub.feeds, key=lambda f: f.source)}
        rows = {"hash": spec.settings.hash, "hash_key": hub.key, "business_key": list(hub.business_key)}
        return Definition(hub.model, self.name, rows, tuple(feeds), feeds)

    def files(self, spec: Spec, hub: Hub) -> list[GeneratedFile]:
        stages = [f"stg_{feed.source}" for feed in sorted(hub.feeds, key=lambda f: f.source)]
        nk = hub.business_key[0] if len(hub.business_key) == 1 else list(hub.business_key)
        return [self.table_file(hub, render("hub.sql.j2", hub=hub, stages=stages, nk=nk))]

    def docs(self, spec: Spec, hub: Hub) -> dict[str, Any]:
        columns: list[dict[str, Any]] = [
            {"name": hub.key, "description": f"Hash of {', '.join(hub.business_key)}.",
             "data_tests": [unique(), not_null()]},
        ]
        columns += [{"name": c, "description": "Business key, as first delivered.", "data_tests": [not_null()]}
                    for c in hub.business_key]
        columns += audit_columns()
        return {"name": hub.model, "description": hub.description or f"Hub {hub.name}.", "columns": columns}
