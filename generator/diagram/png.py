"""The diagram as a PNG picture, drawn with matplotlib from the same layout as the SVG.

matplotlib is optional (the ``olist`` extra installs it); without it, ``png`` says how to get it or
to ask for SVG instead. The picture is drawn at twice the layout's size (``SCALE``), so names stay
sharp when it is shown smaller, and without a timestamp or version in its metadata.
"""

from __future__ import annotations

import io
from typing import Any

from generator.diagram.graph import COLOURS, LINK, REFERENCE, SATELLITE
from generator.diagram.layout import FONT, SMALL, TITLE, Box, Layout, layout
from generator.diagram.shapes import INK, LID, LINE_WIDTH, MUTED, baselines, hexagon
from generator.errors import DvkitError
from generator.spec.model import Spec

SCALE = 2.0
DPI = 72.0 * SCALE  # at 72 dots per inch a point is a pixel, so the layout's px are points


def _pyplot() -> Any:
    """matplotlib's pyplot on its file-only backend, or a DvkitError saying how to install it."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib import pyplot
    except ImportError as missing:
        raise DvkitError(f"a PNG diagram needs matplotlib, which is not installed ({missing})",
                         hint="pip install matplotlib (or dvkit's olist extra), or use --format svg") from None
    return pyplot


def _shape(box: Box) -> list[Any]:
    """The matplotlib patches of a box's outline, in its role's colours."""
    from matplotlib.patches import Ellipse, FancyBboxPatch, Polygon, Rectangle

    fill, stroke = COLOURS[box.node.role]
    paint = {"facecolor": fill, "edgecolor": stroke, "linewidth": LINE_WIDTH, "zorder": 2}
    x, y, w, h = box.x, box.y, box.w, box.h
    if box.node.role == LINK:
        return [Polygon(hexagon(box), closed=True, **paint)]
    if box.node.role == SATELLITE:
        return [FancyBboxPatch((x, y), w, h, boxstyle=f"round,pad=0,rounding_size={h / 2}", **paint)]
    if box.node.role == REFERENCE:
        # A cylinder: the bottom ellipse, the body over its upper half, the sides, the lid on top.
        bottom = Ellipse((x + w / 2, y + h - LID), w, 2 * LID, **paint)
        body = Rectangle((x, y + LID), w, h - 2 * LID, facecolor=fill, edgecolor="none", zorder=2)
        sides = [Polygon(((side, y + LID), (side, y + h - LID)), closed=False, fill=False, edgecolor=stroke,
                         linewidth=LINE_WIDTH, zorder=2) for side in (x, x + w)]
        lid = Ellipse((x + w / 2, y + LID), w, 2 * LID, **paint)
        return [bottom, body, *sides, lid]
    return [Rectangle((x, y), w, h, **paint)]


def render(plane: Layout) -> bytes:
    """The PNG bytes of a laid out diagram."""
    pyplot = _pyplot()
    figure = pyplot.figure(figsize=(plane.width / 72.0, plane.height / 72.0), dpi=DPI, facecolor="#ffffff")
    try:
        axes = figure.add_axes((0.0, 0.0, 1.0, 1.0))
        axes.set_xlim(0, plane.width)
        axes.set_ylim(plane.height, 0)  # y grows downwards, as in the layout and the SVG
        axes.set_axis_off()
        text = {"family": "monospace", "zorder": 3}
        axes.text(20, 36, plane.title, fontsize=TITLE, fontweight="bold", color=INK, **text)
        for box in plane.legend:
            for patch in _shape(box):
                axes.add_patch(patch)
            axes.text(box.right + 8, box.y + 13, box.node.model, fontsize=SMALL, color=MUTED, **text)
        for edge in plane.edges:
            xs, ys = [x for x, _ in edge.points], [y for _, y in edge.points]
            axes.plot(xs, ys, color=MUTED, linewidth=LINE_WIDTH, zorder=1, solid_capstyle="butt")
        for box in plane.boxes:
            for patch in _shape(box):
                axes.add_patch(patch)
            name_y, caption_y = baselines(box)
            middle = box.x + box.w / 2
            axes.text(middle, name_y, box.node.model, fontsize=FONT, fontweight="bold", color=INK,
                      ha="center", va="baseline", **text)
            axes.text(middle, caption_y, box.caption, fontsize=SMALL, color=MUTED, ha="center", va="baseline", **text)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
        return buffer.getvalue()
    finally:
        pyplot.close(figure)


def png(spec: Spec) -> bytes:
    """The spec's raw vault as a PNG picture."""
    return render(layout(spec))
