"""What decides the rows of each raw vault table: its definition, recorded when the table is built.

Each kind of table makes its own (``generator/kinds/``; what a definition holds:
``generator/kinds/definition.py``); ``changes.py`` compares them with the recorded ones.

>>> from generator.spec.model import Hub, Feed, Origin, Source, Spec
>>> src = Source("orders", "orders.csv", "orders.csv", (("order_id", "text"),), Origin("s.yml", 1))
>>> hub = Hub("order", ("order_id",), (Feed("orders", ("order_id",)),), Origin("h.yml", 2))
>>> d = definitions(Spec(sources=(src,), hubs=(hub,)))["hub_order"]
>>> d.kind, d.rows["business_key"], d.feeds
('hub', ['order_id'], {'orders': ['order_id text']})
"""

from __future__ import annotations

from generator.kinds import entities
from generator.kinds.definition import Definition
from generator.spec.model import Spec

__all__ = ["Definition", "definitions"]


def definitions(spec: Spec) -> dict[str, Definition]:
    """Every raw vault table's definition, by model name, in ``spec.vault_models()`` order."""
    found = [kind.definition(spec, entity) for kind, entity in entities(spec)]
    return {d.model: d for d in found}
