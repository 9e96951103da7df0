"""The raw vault as a Mermaid flowchart: hubs, links and satellites, one subgraph per spec file.

Every raw vault kind of ``generator.kinds.REGISTRY`` is drawn, labelled with its table's name. A
link is joined to each of its hubs; a satellite of any kind (and an effectivity satellite, keyed by
its link) to its parent. Shapes and colours tell the roles apart: hubs are rectangles, links
hexagons, satellites rounded, reference tables cylinders. The text depends only on the spec, so it
can be committed and reviewed.

>>> from generator.spec.model import Hub, Origin, Satellite, Spec
>>> spec = Spec(hubs=(Hub("order", ("order_id",), (), Origin("vault_spec/v.yml", 3)),),
...             satellites=(Satellite("order_status", "order", "orders", ("status",), Origin("vault_spec/v.yml", 9)),))
>>> print(mermaid(spec))
flowchart LR
  subgraph file_v_yml["v.yml"]
    hub_order["hub_order"]
    sat_order_status(["sat_order_status"])
  end
  hub_order --- sat_order_status
  classDef hub fill:#cfe2ff,stroke:#3d6db5
  classDef link fill:#d1e7dd,stroke:#3c8a5f
  classDef satellite fill:#fff3cd,stroke:#b58b1c
  classDef reference fill:#e2e3e5,stroke:#6c757d
  class hub_order hub
  class sat_order_status satellite
<BLANKLINE>
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from generator.kinds import entities
from generator.kinds.base import Kind
from generator.spec.model import Spec

# A table's role in the picture, decided from what its kind says of itself.
HUB, LINK, SATELLITE, REFERENCE = "hub", "link", "satellite", "reference"
SHAPES = {HUB: '["{}"]', LINK: '{{{{"{}"}}}}', SATELLITE: '(["{}"])', REFERENCE: '[("{}")]'}
STYLES = {
    HUB: "fill:#cfe2ff,stroke:#3d6db5",
    LINK: "fill:#d1e7dd,stroke:#3c8a5f",
    SATELLITE: "fill:#fff3cd,stroke:#b58b1c",
    REFERENCE: "fill:#e2e3e5,stroke:#6c757d",
}


@dataclass(frozen=True)
class Node:
    """One table of the picture: its name (also its Mermaid id), its role and its spec file."""

    model: str
    role: str
    file: str


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
        nodes.append(Node(model, role(kind, spec, entity), entity.origin.path))
        if kind.joins_hubs:
            # A hub listed twice (a same-as link) is joined twice: the picture shows both roles.
            edges += [(spec.hub(hub).model, model) for hub in entity.hubs]
        parent = kind.parent(spec, entity)
        if parent is not None:
            edges.append((models[parent], model))
    return nodes, edges


def _subgraph_id(path: str) -> str:
    """A Mermaid id for a spec file's subgraph, apart from every table name (they have no ``file_``).

    >>> _subgraph_id("vault_spec/hubs.yml")
    'file_hubs_yml'
    """
    return "file_" + re.sub(r"[^A-Za-z0-9_]", "_", PurePosixPath(path).name)


def mermaid(spec: Spec) -> str:
    """The spec's raw vault as a Mermaid ``flowchart`` (left to right), ending with a newline."""
    nodes, edges = graph(spec)
    lines = ["flowchart LR"]
    for path in sorted({n.file for n in nodes}):
        lines.append(f'  subgraph {_subgraph_id(path)}["{PurePosixPath(path).name}"]')
        lines += [f"    {n.model}{SHAPES[n.role].format(n.model)}" for n in nodes if n.file == path]
        lines.append("  end")
    lines += [f"  {parent} --- {child}" for parent, child in edges]
    lines += [f"  classDef {name} {style}" for name, style in STYLES.items()]
    for name in STYLES:
        members = [n.model for n in nodes if n.role == name]
        if members:
            lines.append(f"  class {','.join(members)} {name}")
    return "\n".join(lines) + "\n"


def markdown(spec: Spec) -> str:
    """The flowchart in a fenced ``mermaid`` block, for a Markdown page."""
    return f"```mermaid\n{mermaid(spec)}```\n"
