"""Where each table of the diagram goes: boxes on a plane and the lines that join them.

The picture reads left to right in four columns: link satellites, links, hubs, hub satellites. Hubs
stand in the middle, one band each, in the order that makes the links' lines cross least; a hub's
satellites stack to its right, joined by one trunk line with a branch each. Links stand left of the
hubs, each level with the middle of the hubs it joins, their satellites stacked to their left.
Reference tables, which join nothing, close the picture in rows of their own. Every box of a column
has the column's width, so the columns line up; no two boxes overlap and no line crosses a box.

Sizes come from the names' lengths in a monospaced font, so the plane is known without measuring
text, and every coordinate depends only on the spec: the same spec gives the same picture.

>>> from generator.spec.model import Hub, Origin, Satellite, Spec
>>> spec = Spec(hubs=(Hub("order", ("order_id",), (), Origin("v.yml", 3)),),
...             satellites=(Satellite("order_status", "order", "orders", ("status",), Origin("v.yml", 9)),))
>>> plane = layout(spec)
>>> [(b.node.model, b.x, b.y) for b in plane.boxes]
[('hub_order', 20.0, 88.0), ('sat_order_status', 151.0, 88.0)]
>>> plane.edges[0].points
((115.0, 108.0), (133.0, 108.0), (133.0, 108.0), (151.0, 108.0))
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from pathlib import PurePosixPath

from generator.diagram.graph import HUB, LINK, REFERENCE, ROLES, SATELLITE, Node, graph
from generator.spec.model import Spec

FONT = 13.0  # px of a table's name
TITLE = 16.0  # px of the picture's title
SMALL = 10.0  # px of the caption under it (its kind and spec file) and of the legend
CHAR = 0.6  # a monospaced character's width, in font sizes (DejaVu Sans Mono: 0.602)
PAD = 12.0  # between the text and the box's sides
TIP = 12.0  # a link hexagon's point, on each side
HEIGHT = 40.0  # every table's box: its name and its caption
STACK = 12.0  # between stacked satellites
BAND = 22.0  # between one hub's band (the hub and its satellites) and the next
FAN = 36.0  # between a parent's column and its satellites': the trunk runs in the middle
SPAN = 150.0  # between the links' column and the hubs': the links' lines cross it
MARGIN = 20.0
HEADER = 68.0  # the title and the legend, above the tables
LEGEND = 18.0  # a legend shape's height
ROLE_WORDS = {HUB: "hub", LINK: "link", SATELLITE: "satellite (any kind)", REFERENCE: "reference table"}
# How far the search for the hubs' order goes, in hubs: up to MOVE_LIMIT a hub may move anywhere,
# up to SEARCH_LIMIT only past a neighbour (each try costs the square of the lines), above it only
# the sorting by barycentres is done. A diagram of a few dozen hubs is laid out in about a second.
MOVE_LIMIT = 16
SEARCH_LIMIT = 40


@dataclass(frozen=True)
class Box:
    """A table's box (or a legend entry's): top-left corner, size, and the caption under the name."""

    node: Node
    x: float
    y: float
    w: float
    h: float
    caption: str

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h

    @property
    def cy(self) -> float:
        return self.y + self.h / 2

    def overlaps(self, other: Box) -> bool:
        """Whether two boxes share any area (touching sides do not).

        >>> a = Box(Node("a", HUB, "f"), 0, 0, 10, 10, "")
        >>> b, c = Box(Node("b", HUB, "f"), 10, 0, 10, 10, ""), Box(Node("c", HUB, "f"), 9, 9, 5, 5, "")
        >>> a.overlaps(b), a.overlaps(c)
        (False, True)
        """
        return self.x < other.right and other.x < self.right and self.y < other.bottom and other.y < self.bottom


@dataclass(frozen=True)
class Edge:
    """A join, parent to child, as a line through ``points``."""

    parent: str
    child: str
    points: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Layout:
    """The whole picture: its size, its title, the legend, the tables' boxes (graph order) and the joins."""

    width: float
    height: float
    title: str
    legend: tuple[Box, ...]
    boxes: tuple[Box, ...]
    edges: tuple[Edge, ...]

    def box(self, model: str) -> Box:
        """The box of a table, by name."""
        return next(b for b in self.boxes if b.node.model == model)


def caption(node: Node) -> str:
    """The line under a table's name: its kind in words and the spec file (subject area) it is in.

    >>> caption(Node("sat_x", SATELLITE, "vault_spec/orders.yml", "multi-active satellite"))
    'multi-active satellite · orders.yml'
    """
    return f"{node.kind or node.role} · {PurePosixPath(node.file).name}"


def text_width(text: str, size: float) -> float:
    """The width of a line of monospaced text, in px.

    >>> text_width("hub_order", 10)
    54.0
    """
    return len(text) * size * CHAR


def box_width(node: Node) -> float:
    """The narrowest box that holds a table's name and caption (with room for a hexagon's points)."""
    inner = max(text_width(node.model, FONT), text_width(caption(node), SMALL))
    return float(math.ceil(inner + 2 * PAD + (2 * TIP if node.role == LINK else 0)))


def crossings(order: Sequence[str], links: Sequence[Sequence[str]]) -> tuple[int, float]:
    """How bad a top-to-bottom order of hubs is: the links' lines that cross, then their total reach.

    Each link stands level with the mean place of its hubs; two lines cross when they leave two links
    in one order and reach their hubs in the other.

    >>> crossings(["a", "b", "c"], [["a", "c"], ["b", "b"]]), crossings(["a", "c", "b"], [["a", "c"], ["b", "b"]])
    ((0, 2.0), (0, 1.0))
    >>> crossings(["a", "b", "c", "d"], [["a", "c"], ["b", "d"]])
    (1, 4.0)
    """
    place = {hub: i for i, hub in enumerate(order)}
    lines = []
    reach = 0.0
    for number, hubs in enumerate(links):
        spots = [place[h] for h in hubs]
        level = sum(spots) / len(spots)
        reach += max(spots) - min(spots)
        lines += [(number, level, spot) for spot in spots]
    crossed = sum(1 for (n1, a1, b1), (n2, a2, b2) in combinations(lines, 2)
                  if n1 != n2 and (a1 - a2) * (b1 - b2) < 0)
    return crossed, reach


def order_hubs(hubs: Sequence[str], links: Sequence[Sequence[str]]) -> list[str]:
    """The hubs, top to bottom: from the spec's order, moves of one hub that lower ``crossings``, until none does.

    Deterministic (moves are tried in a fixed order, ties keep the earlier order). The hubs are
    first sorted by where their links' other hubs stand (``_barycentres``), when that crosses less;
    then, up to ``MOVE_LIMIT`` hubs, a hub may move to any place, up to ``SEARCH_LIMIT`` only past a
    neighbour, and above that not at all.

    >>> order_hubs(["a", "b", "c", "d"], [["a", "c"], ["b", "d"], ["c", "d"]])
    ['a', 'c', 'd', 'b']
    """
    order = list(hubs)
    n = len(order)
    moves = [(i, j) for i in range(n) for j in range(n)
             if i != j and (n <= MOVE_LIMIT or abs(i - j) == 1) and n <= SEARCH_LIMIT]
    best = crossings(order, links)
    trial = order
    for _ in range(8):
        trial = _barycentres(trial, links)
        cost = crossings(trial, links)
        if cost < best:
            order, best = trial, cost
    improved = True
    while improved:
        improved = False
        for i, j in moves:
            trial = order[:i] + order[i + 1:]
            trial.insert(j, order[i])
            cost = crossings(trial, links)
            if cost < best:
                order, best, improved = trial, cost, True
    return order


def _barycentres(order: Sequence[str], links: Sequence[Sequence[str]]) -> list[str]:
    """The hubs sorted by the mean place of the hubs they share a link with (a lone hub keeps its own).

    >>> _barycentres(["a", "b", "c", "d"], [["a", "c"], ["b", "d"]])
    ['c', 'd', 'a', 'b']
    """
    place = {hub: i for i, hub in enumerate(order)}
    others: dict[str, list[int]] = {hub: [] for hub in order}
    for hubs in links:
        for hub in hubs:
            others[hub] += [place[other] for other in hubs if other != hub]
    return sorted(order, key=lambda hub: (sum(others[hub]) / len(others[hub]) if others[hub] else place[hub],
                                          place[hub]))


def spread(wanted: Sequence[float], sizes: Sequence[float], gap: float) -> list[float]:
    """Starts on a line as near the ``wanted`` ones as can be with no overlap, in the given order.

    Items that would overlap are moved as one block, centred on where they want to be.

    >>> spread([0, 10, 100], [20, 20, 20], 10)
    [-10.0, 20.0, 100.0]
    """
    blocks: list[tuple[list[int], float]] = []  # the items of a block, and the block's start
    for i in range(len(wanted)):
        items, start = [i], float(wanted[i])
        while blocks:
            previous, previous_start = blocks[-1]
            end = previous_start + sum(sizes[k] for k in previous) + gap * len(previous)
            if end <= start:
                break
            blocks.pop()
            items = previous + items
            offsets = _offsets(items, sizes, gap)
            start = sum(wanted[k] - offset for k, offset in zip(items, offsets, strict=True)) / len(items)
        blocks.append((items, start))
    starts = [0.0] * len(wanted)
    for items, start in blocks:
        for k, offset in zip(items, _offsets(items, sizes, gap), strict=True):
            starts[k] = start + offset
    return starts


def _offsets(items: Sequence[int], sizes: Sequence[float], gap: float) -> list[float]:
    """Where each item of a block starts, from the block's start."""
    offsets, at = [], 0.0
    for k in items:
        offsets.append(at)
        at += sizes[k] + gap
    return offsets


def _stack(n: int) -> float:
    """The height of ``n`` boxes stacked (at least one: a parent's own row)."""
    return max(n, 1) * (HEIGHT + STACK) - STACK


def layout(spec: Spec) -> Layout:
    """Place every table of the spec's raw vault and route every join (see the module's doc)."""
    nodes, edges = graph(spec)
    by_model = {n.model: n for n in nodes}
    hubs = [n.model for n in nodes if n.role == HUB]
    links = [n.model for n in nodes if n.role == LINK]
    joined = {link: [p for p, c in edges if c == link] for link in links}
    children = {n.model: [c for p, c in edges if p == n.model and by_model[c].role == SATELLITE] for n in nodes}
    hubs = order_hubs(hubs, [joined[link] for link in links])

    def width(models: Sequence[str]) -> float:
        return max((box_width(by_model[m]) for m in models), default=0.0)

    link_sats = [c for link in links for c in children[link]]
    hub_sats = [c for hub in hubs for c in children[hub]]
    # The columns, left to right: link satellites, links, hubs, hub satellites.
    col_link_sat = MARGIN
    col_link = col_link_sat + (width(link_sats) + FAN if link_sats else 0.0)
    col_hub = col_link + (width(links) + SPAN if links else 0.0)
    col_hub_sat = col_hub + width(hubs) + FAN
    boxes: dict[str, Box] = {}

    def place(model: str, x: float, y: float, w: float) -> None:
        boxes[model] = Box(by_model[model], x, y, w, HEIGHT, caption(by_model[model]))

    top = MARGIN + HEADER
    y = top
    for hub in hubs:
        place(hub, col_hub, y, width(hubs))
        for k, sat in enumerate(children[hub]):
            place(sat, col_hub_sat, y + k * (HEIGHT + STACK), width(hub_sats))
        y += _stack(len(children[hub])) + BAND
    # Links level with the middle of their hubs, moved apart where their stacks would overlap.
    wanted = {link: sum(boxes[h].cy for h in joined[link]) / len(joined[link]) - HEIGHT / 2 for link in links}
    ranked = sorted(links, key=lambda link: (wanted[link], links.index(link)))
    starts = spread([wanted[link] for link in ranked], [_stack(len(children[link])) for link in ranked], BAND)
    for link, start in zip(ranked, starts, strict=True):
        place(link, col_link, start, width(links))
        for k, sat in enumerate(children[link]):
            place(sat, col_link_sat, start + k * (HEIGHT + STACK), width(link_sats))
    # Links pushed above the first hub move everything down.
    shift = max(0.0, top - min((b.y for b in boxes.values()), default=top))
    boxes = {m: Box(b.node, b.x, b.y + shift, b.w, b.h, b.caption) for m, b in boxes.items()}
    right = max((b.right for b in boxes.values()), default=MARGIN)
    legend = _legend()
    title = _title(nodes)
    # The picture is at least as wide as its title and legend.
    last = legend[-1]
    right = max(right, MARGIN + text_width(title, TITLE), last.right + 8 + text_width(last.node.model, SMALL))
    # Reference tables in rows as wide as the rest of the picture.
    bottom = max((b.bottom for b in boxes.values()), default=top - BAND)
    x, y = MARGIN, bottom + BAND * 2
    for n in nodes:
        if n.role != REFERENCE:
            continue
        w = box_width(n)
        if x > MARGIN and x + w > right:
            x, y = MARGIN, y + HEIGHT + STACK
        place(n.model, x, y, w)
        x += w + FAN
    right = max([right, *(b.right for b in boxes.values())])
    lines = _lines(boxes, edges, joined)
    height = max((b.bottom for b in boxes.values()), default=top) + MARGIN
    return Layout(float(math.ceil(right + MARGIN)), float(math.ceil(height)), title, legend,
                  tuple(boxes[n.model] for n in nodes), lines)


def _title(nodes: Sequence[Node]) -> str:
    """The picture's title: how many tables of each role it shows (a role it has none of is left out).

    >>> _title([Node("hub_a", HUB, "f"), Node("sat_a", SATELLITE, "f"), Node("sat_b", SATELLITE, "f")])
    'Raw vault: 1 hub, 2 satellites'
    """
    counts = []
    for role, word in ((HUB, "hub"), (LINK, "link"), (SATELLITE, "satellite"), (REFERENCE, "reference table")):
        n = sum(1 for node in nodes if node.role == role)
        if n:
            counts.append(f"{n} {word}{'' if n == 1 else 's'}")
    return "Raw vault: " + (", ".join(counts) or "no tables")


def _legend() -> tuple[Box, ...]:
    """One small shape per role, with its words beside it, on a row under the title."""
    entries, x = [], MARGIN
    for role in ROLES:
        entries.append(Box(Node(ROLE_WORDS[role], role, ""), x, MARGIN + 30, 34.0, LEGEND, ""))
        x += 34.0 + 8 + text_width(ROLE_WORDS[role], SMALL) + 24
    return tuple(entries)


def _lines(boxes: dict[str, Box], edges: Sequence[tuple[str, str]], joined: dict[str, list[str]]) -> tuple[Edge, ...]:
    """Every join's line, in ``graph``'s order of edges.

    A link's lines leave its right point and reach the hubs' left sides, spread over a side when a
    hub has several, so that a same-as link's two lines stay apart. A satellite's line runs from its
    parent's side along a trunk in the gap between the columns and turns into the satellite.
    """
    # Where each link's lines reach a hub: spread over the hub's left side, in the links' vertical order.
    arrivals: dict[str, list[tuple[float, str, int]]] = {}
    for link, hubs in joined.items():
        for k, hub in enumerate(hubs):
            arrivals.setdefault(hub, []).append((boxes[link].cy, link, k))
    reach: dict[tuple[str, int], tuple[float, float]] = {}
    for hub, comers in arrivals.items():
        box = boxes[hub]
        for rank, (_, link, k) in enumerate(sorted(comers)):
            reach[(link, k)] = (box.x, box.y + box.h * (rank + 1) / (len(comers) + 1))
    lines: list[Edge] = []
    used: dict[str, int] = {}
    for parent, child in edges:
        if child in joined:  # a link's line to one of its hubs, the k-th of them
            k = used.get(child, 0)
            used[child] = k + 1
            link = boxes[child]
            lines.append(Edge(parent, child, ((link.right, link.cy), reach[(child, k)])))
            continue
        p, c = boxes[parent], boxes[child]
        if c.x > p.x:  # a hub's satellite, to the right
            trunk = p.right + FAN / 2
            points = ((p.right, p.cy), (trunk, p.cy), (trunk, c.cy), (c.x, c.cy))
        else:  # a link's satellite, to the left
            trunk = p.x - FAN / 2
            points = ((p.x, p.cy), (trunk, p.cy), (trunk, c.cy), (c.right, c.cy))
        lines.append(Edge(parent, child, points))
    return tuple(lines)
