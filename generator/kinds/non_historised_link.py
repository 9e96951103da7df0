"""Non-historised links (AutomateDV's ``nh_link``): transactions, one row per key, never updated.

A non-historised link is a link that carries its payload: each key (the hubs' keys and any dependent
child key, hashed as a link's) is stored once, with the payload of its first delivery; later
deliveries of the key are ignored, as a link ignores them. It reads the stage of one source, which
must feed each of its hubs.

>>> from generator.spec.model import NonHistorisedLink, Origin
>>> nh = NonHistorisedLink("payment", ("order",), "payments", Origin("l.yml", 1), payload=("amount",))
>>> kind = NonHistorisedLinkKind()
>>> kind.model(nh), nh.key, kind.longest_name.format(nh.name)
('nh_link_payment', 'payment_hk', 'nh_link_payment')
"""

from __future__ import annotations

from typing import Any

from generator.kinds.base import Kind
from generator.kinds.data_tests import audit_columns, not_null, relationship, source_column, unique
from generator.kinds.definition import Definition, typed
from generator.kinds.files import GeneratedFile, render
from generator.kinds.stage import Hashed, StageColumn
from generator.spec.model import NonHistorisedLink, Spec


class NonHistorisedLinkKind(Kind[NonHistorisedLink]):
    name = "nh_link"
    entity_type = NonHistorisedLink
    section = "non_historised_links"
    label = "non-historised link"
    folder = "links"
    longest_name = "nh_link_{}"  # longer than its key, {}_hk
    made_names = ("{prefix}{name}", "{name}{key}")
    joins_hubs = True

    def entities(self, spec: Spec) -> tuple[NonHistorisedLink, ...]:
        return spec.non_historised_links

    def sources(self, spec: Spec, nh: NonHistorisedLink) -> tuple[str, ...]:
        return (nh.source,)

    def payload(self, nh: NonHistorisedLink) -> tuple[str, ...]:
        return nh.payload

    def stage_hubs(self, spec: Spec, nh: NonHistorisedLink, source: str) -> tuple[str, ...]:
        return nh.hubs if source == nh.source else ()

    def stage_columns(self, spec: Spec, nh: NonHistorisedLink, source: str) -> list[StageColumn]:
        return [Hashed(nh.key, spec.link_key_columns(nh, source))] if source == nh.source else []

    def definition(self, spec: Spec, nh: NonHistorisedLink) -> Definition:
        # Keys are hashed as a link's; the payload is stored as first delivered, so its columns count too.
        feeds = {nh.source: typed(spec, nh.source, spec.link_key_columns(nh, nh.source))}
        rows = {"hash": spec.settings.hash, "hash_key": nh.key, "hubs": [spec.hub(h).key for h in nh.hubs],
                "dependent_child_key": list(nh.dependent_child_key), "source": nh.source,
                "payload_columns": typed(spec, nh.source, nh.payload)}
        return Definition(nh.model, self.name, rows, self.sources(spec, nh), feeds)

    def files(self, spec: Spec, nh: NonHistorisedLink) -> list[GeneratedFile]:
        fks = [spec.hub(name).key for name in nh.hubs]
        return [self.table_file(nh, render("nh_link.sql.j2", nh=nh, stage=f"stg_{nh.source}", fks=fks))]

    def docs(self, spec: Spec, nh: NonHistorisedLink) -> dict[str, Any]:
        columns = [{"name": nh.key, "description": f"Hash of the keys of {', '.join(nh.hubs)}"
                    + (f" and {', '.join(nh.dependent_child_key)}." if nh.dependent_child_key else "."),
                    "data_tests": [unique(), not_null()]}]
        for name in nh.hubs:
            hub = spec.hub(name)
            columns.append({"name": hub.key, "description": f"Key of hub {name}.",
                            "data_tests": [not_null(), relationship(hub.model, hub.key)]})
        # AutomateDV stores the payload before the extra columns (here the dependent child key).
        columns += [source_column(spec, nh.source, c, "Payload, as first delivered.") for c in nh.payload]
        columns += [{**source_column(spec, nh.source, c, "Dependent child key."), "data_tests": [not_null()]}
                    for c in nh.dependent_child_key]
        columns += audit_columns()
        return {"name": nh.model, "description": nh.description or f"Non-historised link {nh.name}.",
                "columns": columns}
