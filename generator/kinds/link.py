"""Links: one row per relationship of hubs (and dependent child key)."""

from __future__ import annotations

from typing import Any

from generator.kinds.base import Kind
from generator.kinds.data_tests import audit_columns, description_of, not_null, relationship, unique
from generator.kinds.definition import Definition, typed
from generator.kinds.files import GeneratedFile, render
from generator.kinds.resolved import lookups_of, resolved_feed, resolved_stage
from generator.kinds.stage import Hashed, StageColumn
from generator.spec.model import Link, Spec


class LinkKind(Kind[Link]):
    name = "link"
    entity_type = Link
    section = "links"
    label = "link"
    folder = "links"
    longest_name = "link_{}_in_force"  # a bridge's CTE of the relationships in force
    made_names = ("{prefix}{name}_in_force", "{name}{key}")
    joins_hubs = True

    def entities(self, spec: Spec) -> tuple[Link, ...]:
        return spec.links

    def sources(self, spec: Spec, link: Link) -> tuple[str, ...]:
        return tuple(sorted(link.sources))

    def stage_hubs(self, spec: Spec, link: Link, source: str) -> tuple[str, ...]:
        return link.hubs if source in link.sources else ()

    def reads_resolved(self, spec: Spec, link: Link, source: str) -> bool:
        return source in link.sources and bool(lookups_of(spec, source, spec.link_key_columns(link, source)))

    def stage_columns(self, spec: Spec, link: Link, source: str) -> list[StageColumn]:
        return [Hashed(link.key, spec.link_key_columns(link, source))] if source in link.sources else []

    def definition(self, spec: Spec, link: Link) -> Definition:
        feeds = {source: typed(spec, source, spec.link_key_columns(link, source))
                 for source in self.sources(spec, link)}
        # A relationship resolved later comes with a delivery of the looked-up source: its batches feed
        # the link too (a batch of customers alone links the orders that waited for them).
        later = [source for source in self.sources(spec, link) if self.reads_resolved(spec, link, source)]
        feeds |= {resolved_feed(source): feeds[source] for source in later}
        looked_up = {s for source in later for s in lookups_of(spec, source, spec.link_key_columns(link, source))}
        sources = sorted({*self.sources(spec, link), *looked_up})
        rows = {"hash": spec.settings.hash, "hash_key": link.key, "hubs": [spec.hub(h).key for h in link.hubs],
                "dependent_child_key": list(link.dependent_child_key)}
        return Definition(link.model, self.name, rows, tuple(sources), feeds)

    def files(self, spec: Spec, link: Link) -> list[GeneratedFile]:
        stages = [stage for source in self.sources(spec, link)
                  for stage in (f"stg_{source}", *([resolved_stage(source)]
                                                  if self.reads_resolved(spec, link, source) else []))]
        fks = [spec.hub(name).key for name in link.hubs]
        return [self.table_file(link, render("link.sql.j2", link=link, stages=stages, fks=fks))]

    def docs(self, spec: Spec, link: Link) -> dict[str, Any]:
        columns = [{"name": link.key, "description": f"Hash of the keys of {', '.join(link.hubs)}"
                    + (f" and {', '.join(link.dependent_child_key)}." if link.dependent_child_key else "."),
                    "data_tests": [unique(), not_null()]}]
        for name in link.hubs:
            hub = spec.hub(name)
            columns.append({"name": hub.key, "description": f"Key of hub {name}.",
                            "data_tests": [not_null(), relationship(hub.model, hub.key)]})
        columns += [{"name": c, "description": description_of(spec, [(s, c) for s in link.sources])
                     or "Dependent child key.", "data_tests": [not_null()]} for c in link.dependent_child_key]
        columns += audit_columns()
        return {"name": link.model, "description": link.description or f"Link {link.name}.", "columns": columns}
