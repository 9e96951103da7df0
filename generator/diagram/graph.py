"""The raw vault's tables and joins, read from the spec through the kinds' registry.

Every raw vault kind of ``generator.kinds.REGISTRY`` is a node, named by its table. A link is joined
to each of its hubs; a satellite of any kind (and an effectivity satellite, keyed by its link) to its
parent. A table's role (hub, link, satellite, reference table) decides its shape and colour.

>>> from generator.spec.model import Hub, Origin, Satellite, Spec
>>> spec = Spec(hubs=(Hub("order", ("order_id",), (), Origin("vault_spec/v.yml", 3)),),
...             satellites=(Satellite("order_status", "order", "orders", ("status",), Origin("vault_spec/v.yml", 9)),))
>>> nodes, edges = graph(spec)
>>> [(n.model, n.role, n.kind, n.file) for n in nodes]
[('hub_order', 'hub', 'hub', 'vault_spec/v.yml'), ('sat_order_status', 'satellite', 'satellite', 'vault_spec/v.yml')]
>>> edges
[('hub_order', 'sat_order_status')]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from generator.kinds import entities
from generator.kinds.base import Kind
from generator.spec.model import Spec

# A table's role in the picture, decided from what its kind says of itself.
HUB, LINK, SATELLITE, REFERENCE = "hub", "link", "satellite", "reference"
ROLES = (HUB, LINK, SATELLITE, REFERENCE)
# Fill and stroke of each role, in every format: Mermaid's classDefs, the SVG and the PNG.
COLOURS = {
    HUB: ("#cfe2ff", "#3d6db5"),
    LINK: ("#d1e7dd", "#3c8a5f"),
    SATELLITE: ("#fff3cd", "#b58b1c"),
    REFERENCE: ("#e2e3e5", "#6c757d"),
}


@dataclass(frozen=True)
class Node:
    """One table of the picture: its name (also its Mermaid id), its role, its spec file and its kind in words."""

    model: str
    role: str
    file: str
    kind: str = ""


def role(kind: Kind[Any], spec: Spec, entity: Any) -> str:
    """The role of a table: a hub, a link (it joins hubs' keys), a satellite (it has a parent) or a reference.

    >>> from generator.kinds import by_section
    >>> from generator.spec.model import ReferenceTable, Origin
    >>> role(by_section("reference_tables"), Spec(), ReferenceTable("state", "states", "code", (), Origin("r.yml", 1)))
    'reference'
    """
    if kind.name == HUB:
        return HUB
    if kind.joins_hubs:
        return LINK
    return SATELLITE if kind.parent(spec, entity) is not None else REFERENCE


def graph(spec: Spec) -> tuple[list[Node], list[tuple[str, str]]]:
    """The tables (registry order, then spec order) and the edges between them (parent, child)."""
    models = {e.name: e.model for e in (*spec.hubs, *spec.links)}  # what a parent's name stands for
    nodes: list[Node] = []
    edges: list[tuple[str, str]] = []
    for kind, entity in entities(spec):
        model = kind.model(entity)
        nodes.append(Node(model, role(kind, spec, entity), entity.origin.path, kind.label))
        if kind.joins_hubs:
            # A hub listed twice (a same-as link) is joined twice: the picture shows both roles.
            edges += [(spec.hub(hub).model, model) for hub in entity.hubs]
        parent = kind.parent(spec, entity)
        if parent is not None:
            edges.append((models[parent], model))
    return nodes, edges
