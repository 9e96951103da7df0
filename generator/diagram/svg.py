"""The diagram as SVG, written as plain XML text: no dependency, and the same bytes for the same spec.

Elements come in a fixed order (title, legend, lines, tables in ``graph`` order), styles are written
as attributes on each element and numbers with at most one decimal, so a change of the model shows
in a diff as the lines of the tables it moves. Each table is a ``<g class="table ROLE">`` whose id is
its name; each join a ``<polyline class="edge">`` naming its parent and child.

>>> from generator.spec.model import Hub, Origin, Spec
>>> text = svg(Spec(hubs=(Hub("order", ("order_id",), (), Origin("v.yml", 3)),)))
>>> text.splitlines()[1][:60]
'<svg xmlns="http://www.w3.org/2000/svg" width="532" height="'
>>> '<g class="table hub" id="hub_order">' in text
True
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from generator.diagram.graph import COLOURS, HUB, LINK, REFERENCE, SATELLITE
from generator.diagram.layout import FONT, SMALL, TITLE, Box, Layout, layout
from generator.diagram.shapes import INK, LID, LINE_WIDTH, MUTED, baselines, hexagon
from generator.spec.model import Spec

FONTS = "DejaVu Sans Mono, Menlo, Consolas, Liberation Mono, monospace"


def num(value: float) -> str:
    """A coordinate as written: an integer when it is one, else one decimal.

    >>> num(12.0), num(12.25), num(-0.04)
    ('12', '12.2', '0')
    """
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _shape(box: Box) -> str:
    """The outline of a box in its role's shape and colours."""
    fill, stroke = COLOURS[box.node.role]
    paint = f'fill="{fill}" stroke="{stroke}" stroke-width="{num(LINE_WIDTH)}"'
    x, y, w, h = box.x, box.y, box.w, box.h
    if box.node.role == LINK:
        points = " ".join(f"{num(px)},{num(py)}" for px, py in hexagon(box))
        return f'<polygon points="{points}" {paint}/>'
    if box.node.role == REFERENCE:
        rx, ry = w / 2, LID
        body = (f"M{num(x)},{num(y + ry)} A{num(rx)},{num(ry)} 0 0 1 {num(x + w)},{num(y + ry)} "
                f"V{num(y + h - ry)} A{num(rx)},{num(ry)} 0 0 1 {num(x)},{num(y + h - ry)} Z")
        lid = f"M{num(x)},{num(y + ry)} A{num(rx)},{num(ry)} 0 0 0 {num(x + w)},{num(y + ry)}"
        rim = f'fill="none" stroke="{stroke}" stroke-width="{num(LINE_WIDTH)}"'
        return f'<path d="{body}" {paint}/><path d="{lid}" {rim}/>'
    radius = h / 2 if box.node.role == SATELLITE else 2.0
    assert box.node.role in (HUB, SATELLITE)
    return (f'<rect x="{num(x)}" y="{num(y)}" width="{num(w)}" height="{num(h)}" rx="{num(radius)}" '
            f'{paint}/>')


def _table(box: Box) -> str:
    """A table's group: its shape, its name and its caption."""
    middle = num(box.x + box.w / 2)
    name_y, caption_y = baselines(box)
    return (f'<g class="table {box.node.role}" id={quoteattr(box.node.model)}>{_shape(box)}'
            f'<text x="{middle}" y="{num(name_y)}" text-anchor="middle" font-size="{num(FONT)}" '
            f'font-weight="bold" fill="{INK}">{escape(box.node.model)}</text>'
            f'<text x="{middle}" y="{num(caption_y)}" text-anchor="middle" font-size="{num(SMALL)}" '
            f'fill="{MUTED}">{escape(box.caption)}</text></g>')


def _legend_entry(box: Box) -> str:
    """A legend's small shape with its role's words to the right."""
    return (f'<g class="legend-entry">{_shape(box)}<text x="{num(box.right + 8)}" y="{num(box.y + 13)}" '
            f'font-size="{num(SMALL)}" fill="{MUTED}">{escape(box.node.model)}</text></g>')


def render(plane: Layout) -> str:
    """The SVG document of a laid out diagram, ending with a newline."""
    width, height = num(plane.width), num(plane.height)
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="{FONTS}">',
        f"<title>{escape(plane.title)}</title>",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text class="title" x="20" y="36" font-size="{num(TITLE)}" font-weight="bold" fill="{INK}">'
        f"{escape(plane.title)}</text>",
        '<g class="legend">',
        *(_legend_entry(box) for box in plane.legend),
        "</g>",
        '<g class="edges">',
    ]
    for edge in plane.edges:
        points = " ".join(f"{num(x)},{num(y)}" for x, y in edge.points)
        lines.append(f'<polyline class="edge" data-parent={quoteattr(edge.parent)} data-child={quoteattr(edge.child)} '
                     f'points="{points}" fill="none" stroke="{MUTED}" stroke-width="{num(LINE_WIDTH)}"/>')
    lines += ["</g>", '<g class="tables">', *(_table(box) for box in plane.boxes), "</g>", "</svg>"]
    return "\n".join(lines) + "\n"


def svg(spec: Spec) -> str:
    """The spec's raw vault as an SVG document."""
    return render(layout(spec))
