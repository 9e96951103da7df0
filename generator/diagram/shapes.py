"""The shapes of the roles, as points on the plane, shared by the SVG and PNG renderers.

Hubs are rectangles, links hexagons, satellites stadiums (rounded ends), reference tables cylinders,
as in the Mermaid flowchart. The name is centred on a box's upper line, the caption on its lower one.

>>> from generator.diagram.graph import LINK, Node
>>> from generator.diagram.layout import Box
>>> hexagon(Box(Node("link_a", LINK, "f"), 0, 0, 100, 40, ""))
((12.0, 0), (88.0, 0), (100, 20.0), (88.0, 40), (12.0, 40), (0, 20.0))
"""

from __future__ import annotations

from generator.diagram.graph import REFERENCE
from generator.diagram.layout import TIP, Box

LID = 4.0  # half the height of a cylinder's top ellipse
INK = "#1b1b1b"  # names
MUTED = "#555555"  # captions, lines, the legend's words
LINE_WIDTH = 1.3


def hexagon(box: Box) -> tuple[tuple[float, float], ...]:
    """A link's outline, clockwise from the top-left corner of its flat top."""
    x, y, w, h = box.x, box.y, box.w, box.h
    return ((x + TIP, y), (x + w - TIP, y), (x + w, y + h / 2), (x + w - TIP, y + h), (x + TIP, y + h), (x, y + h / 2))


def baselines(box: Box) -> tuple[float, float]:
    """The baselines of a box's name and caption (a cylinder's sit lower, below its lid)."""
    drop = 3.0 if box.node.role == REFERENCE else 0.0
    return box.y + 18 + drop, box.y + 32 + drop
