"""The raw vault as a Mermaid flowchart: hubs, links and satellites, one subgraph per spec file.

Every table of ``graph`` is drawn, labelled with its table's name, and every join. Shapes and
colours tell the roles apart: hubs are rectangles, links hexagons, satellites rounded, reference
tables cylinders. The text depends only on the spec, so it can be committed and reviewed.

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
from pathlib import PurePosixPath

from generator.diagram.graph import COLOURS, HUB, LINK, REFERENCE, SATELLITE, graph
from generator.spec.model import Spec

SHAPES = {HUB: '["{}"]', LINK: '{{{{"{}"}}}}', SATELLITE: '(["{}"])', REFERENCE: '[("{}")]'}
STYLES = {name: f"fill:{fill},stroke:{stroke}" for name, (fill, stroke) in COLOURS.items()}


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
