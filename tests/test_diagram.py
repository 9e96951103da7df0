"""``dvkit diagram``: the raw vault as a Mermaid flowchart and as SVG and PNG pictures, with every table and join."""

from __future__ import annotations

import doctest
import importlib
import importlib.util
import os
import re
import struct
import subprocess
import sys
from itertools import combinations, pairwise, permutations
from pathlib import Path
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner

from generator.cli import main
from generator.cli.diagram import FORMATS as CLI_FORMATS
from generator.diagram import FORMATS, HUB, LINK, REFERENCE, SATELLITE, graph, mermaid
from generator.diagram.graph import COLOURS
from generator.diagram.layout import Box, crossings, layout, order_hubs
from generator.diagram.svg import svg
from generator.errors import DvkitError
from generator.kinds import entities
from generator.spec.validate import load_spec

from .conftest import REPO

NODE = re.compile(r'^    ([a-z_][a-z0-9_]*)(\["\1"\]|\{\{"\1"\}\}|\(\["\1"\]\)|\[\("\1"\)\])$')
EDGE = re.compile(r"^  ([a-z_][a-z0-9_]*) --- ([a-z_][a-z0-9_]*)$")


def _olist():  # type: ignore[no-untyped-def]
    result = load_spec(REPO / "vault_spec", REPO)
    assert result.spec is not None
    return result.spec


def _parts(text: str) -> tuple[list[str], list[tuple[str, str]], list[str]]:
    """The node ids, edges and subgraph labels of a flowchart; fails on a line of any other form."""
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    nodes, edges, groups = [], [], []
    for line in lines[1:]:
        if node := NODE.match(line):
            nodes.append(node.group(1))
        elif edge := EDGE.match(line):
            edges.append((edge.group(1), edge.group(2)))
        elif group := re.match(r'^  subgraph file_[a-z0-9_]+\["([^"]+)"\]$', line):
            groups.append(group.group(1))
        else:
            assert line == "  end" or re.match(r"^  class(Def)? ", line), line
    return nodes, edges, groups


def test_the_olist_diagram_has_every_table_and_join() -> None:
    spec = _olist()
    text = mermaid(spec)
    nodes, edges, groups = _parts(text)
    assert sorted(nodes) == sorted(kind.model(e) for kind, e in entities(spec))
    assert len(nodes) == 25 and len(set(nodes)) == 25
    link_edges = sum(len(link.hubs) for link in (*spec.links, *spec.non_historised_links))
    children = sum(1 for kind, e in entities(spec) if kind.parent(spec, e) is not None)
    assert len(edges) == link_edges + children == 22
    assert ("hub_order", "link_order_item") in edges and ("link_order_customer", "eff_sat_order_customer") in edges
    assert ("hub_order", "sts_order") in edges
    assert set(a for a, _ in edges) | set(b for _, b in edges) <= set(nodes)
    assert groups == ["hubs.yml", "links.yml", "reference.yml", "satellites.yml"]
    assert 'link_order_item{{"link_order_item"}}' in text and 'ref_geolocation[("ref_geolocation")]' in text
    assert "class hub_customer,hub_lead,hub_order,hub_product,hub_review,hub_seller hub" in text
    assert mermaid(_olist()) == text  # the same spec, the same bytes


def test_a_tiny_project_diagram_on_stdout_and_in_markdown(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["init", str(tmp_path)]).exit_code == 0
    shown = runner.invoke(main, ["--project", str(tmp_path), "diagram"])
    assert shown.exit_code == 0, shown.output
    nodes, edges, groups = _parts(shown.output)
    assert (nodes, edges, groups) == (["hub_customer", "sat_customer_details"],
                                      [("hub_customer", "sat_customer_details")], ["example.yml"])
    page = tmp_path / "model.md"
    written = runner.invoke(main, ["--project", str(tmp_path), "diagram", "--out", str(page)])
    assert written.exit_code == 0, written.output
    assert page.read_text() == f"```mermaid\n{shown.output}```\n"
    plain = tmp_path / "model.mmd"
    assert runner.invoke(main, ["--project", str(tmp_path), "diagram", "--out", str(plain)]).exit_code == 0
    assert plain.read_text() == shown.output


def test_the_docs_show_the_olist_diagram_as_it_is() -> None:
    page = (REPO / "docs" / "modelers" / "diagram.md").read_text(encoding="utf-8")
    block = page.split("```mermaid\n")[-1].split("```")[0]
    assert block == mermaid(_olist()), "the Olist diagram changed: paste `dvkit diagram` into docs/modelers/diagram.md"


# --- The pictures: the layout, the SVG and the PNG -------------------------------------------------


def _inside(point: tuple[float, float], box: Box, margin: float = 0.5) -> bool:
    x, y = point
    return box.x + margin < x < box.right - margin and box.y + margin < y < box.bottom - margin


def test_the_olist_layout_has_no_overlaps_and_no_line_through_a_box() -> None:
    spec = _olist()
    plane = layout(spec)
    nodes, edges = graph(spec)
    assert [b.node.model for b in plane.boxes] == [n.model for n in nodes]
    everything = (*plane.boxes, *plane.legend)
    for a, b in combinations(everything, 2):
        assert not a.overlaps(b), (a.node.model, b.node.model)
    for box in everything:
        assert 0 <= box.x and box.right <= plane.width and 0 <= box.y and box.bottom <= plane.height, box.node.model
    assert [(e.parent, e.child) for e in plane.edges] == edges
    for edge in plane.edges:
        # Each line starts on its parent's outline and ends on its child's (links: on the hub).
        ends = {edge.parent, edge.child}
        for (x1, y1), (x2, y2) in pairwise(edge.points):
            for step in range(101):
                point = (x1 + (x2 - x1) * step / 100, y1 + (y2 - y1) * step / 100)
                crossed = [b.node.model for b in plane.boxes if b.node.model not in ends and _inside(point, b)]
                assert not crossed, (edge, crossed)
        assert all(not _inside(p, plane.box(m)) for p in edge.points for m in ends), edge


def test_each_satellite_hangs_beside_its_parent() -> None:
    spec = _olist()
    plane = layout(spec)
    hubs = sorted((b for b in plane.boxes if b.node.role == HUB), key=lambda b: b.y)
    ends = [*(b.y for b in hubs[1:]), plane.height]
    bands = {hub.node.model: (hub.y, end) for hub, end in zip(hubs, ends, strict=True)}
    for parent, child in graph(spec)[1]:
        p, c = plane.box(parent), plane.box(child)
        if c.node.role != SATELLITE:
            continue
        if p.node.role == HUB:  # right of its hub, within the hub's band
            assert c.x > p.right and bands[parent][0] <= c.y < bands[parent][1], child
        else:  # left of its link, level with it
            assert c.right < p.x and c.y == p.y, child
    # Links stand left of the hubs, which all share one column.
    assert {b.x for b in hubs} == {hubs[0].x}
    assert all(b.right < hubs[0].x for b in plane.boxes if b.node.role == LINK)
    assert plane.box("ref_geolocation").y > max(b.bottom for b in plane.boxes if b.node.role != REFERENCE)


def test_the_hub_order_crosses_links_least() -> None:
    spec = _olist()
    nodes, edges = graph(spec)
    hubs = [n.model for n in nodes if n.role == HUB]
    links = [[p for p, c in edges if c == n.model] for n in nodes if n.role == LINK]
    best = min(crossings(order, links) for order in permutations(hubs))
    assert crossings(order_hubs(hubs, links), links) == best
    assert order_hubs(hubs, links) == order_hubs(hubs, links)


def test_the_olist_svg_is_xml_with_a_labelled_table_per_model_and_a_line_per_join() -> None:
    spec = _olist()
    text = svg(spec)
    root = ElementTree.fromstring(text.encode("utf-8"))
    ns = "{http://www.w3.org/2000/svg}"
    assert root.tag == f"{ns}svg" and root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}"
    tables = [g for g in root.iter(f"{ns}g") if (g.get("class") or "").startswith("table ")]
    models = [kind.model(e) for kind, e in entities(spec)]
    assert [g.get("id") for g in tables] == models
    for g in tables:
        texts = [t.text for t in g.iter(f"{ns}text")]
        assert texts[0] == g.get("id") and texts[1].endswith(".yml"), texts
    roles = {g.get("id"): g.get("class", "").split()[1] for g in tables}
    assert roles["hub_order"] == HUB and roles["link_order_item"] == LINK and roles["ref_geolocation"] == REFERENCE
    assert roles["eff_sat_order_customer"] == SATELLITE
    shapes = {g.get("id"): [child.tag.removeprefix(ns) for child in g if child.tag != f"{ns}text"] for g in tables}
    assert shapes["hub_order"] == ["rect"] and shapes["link_order_item"] == ["polygon"]
    assert shapes["ref_geolocation"] == ["path", "path"] and shapes["sts_order"] == ["rect"]
    fills = {g.get("id"): next(iter(g)).get("fill") for g in tables}
    assert fills["hub_order"] == COLOURS[HUB][0] and fills["sat_order_status"] == COLOURS[SATELLITE][0]
    lines = [(p.get("data-parent"), p.get("data-child")) for p in root.iter(f"{ns}polyline")
             if p.get("class") == "edge"]
    assert lines == graph(spec)[1] and len(lines) == 22
    assert "sat_review_text" in text and "multi-active satellite · satellites.yml" in text
    assert svg(_olist()) == text


def test_the_svg_is_the_same_in_another_process() -> None:
    script = ("import sys; from pathlib import Path; from generator.diagram.svg import svg; "
              "from generator.spec.validate import load_spec; "
              "sys.stdout.write(svg(load_spec(Path('vault_spec'), Path('.')).spec))")
    other = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": "7"}, encoding="utf-8")
    assert other.stdout == svg(_olist())


def test_the_olist_png_is_a_picture_of_the_layout() -> None:
    pytest.importorskip("matplotlib")
    from generator.diagram.png import SCALE, png

    spec = _olist()
    data = png(spec)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    plane = layout(spec)
    assert (width, height) == (round(plane.width * SCALE), round(plane.height * SCALE))
    assert png(spec) == data


def test_without_matplotlib_a_png_says_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.diagram import png as png_module

    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now raises ImportError
    with pytest.raises(DvkitError) as refused:
        png_module.png(_olist())
    assert "matplotlib" in str(refused.value) and "--format svg" in (refused.value.hint or "")


def test_the_cli_writes_svg_and_png(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["init", str(tmp_path)]).exit_code == 0
    base = ["--project", str(tmp_path), "diagram"]
    picture = tmp_path / "model.svg"
    assert runner.invoke(main, [*base, "-o", str(picture)]).exit_code == 0  # the suffix names the format
    root = ElementTree.fromstring(picture.read_bytes())
    assert [g.get("id") for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("id")] == [
        "hub_customer", "sat_customer_details"]
    shown = runner.invoke(main, [*base, "--format", "svg"])
    assert shown.exit_code == 0 and shown.output == picture.read_text(encoding="utf-8")
    refused = runner.invoke(main, [*base, "--format", "png"])
    assert refused.exit_code == 1 and "-o diagram.png" in refused.output
    if importlib.util.find_spec("matplotlib") is not None:
        raster = tmp_path / "model.png"
        assert runner.invoke(main, [*base, "--out", str(raster)]).exit_code == 0
        assert raster.read_bytes()[:4] == b"\x89PNG"
    assert CLI_FORMATS == FORMATS


def test_docs_write_the_diagram_beside_the_raw_vault_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["init", str(tmp_path)]).exit_code == 0
    assert runner.invoke(main, ["--project", str(tmp_path), "generate"]).exit_code == 0
    site = tmp_path / "dbt_vault" / "target" / "index.html"
    # dbt and the database stand aside: this is about what `dvkit docs` adds to their site.
    monkeypatch.setattr("generator.db.resolve", lambda project: None)
    monkeypatch.setattr("generator.dbt_docs.generate_docs", lambda *args, **kwargs: [site])
    done = runner.invoke(main, ["--project", str(tmp_path), "docs"])
    assert done.exit_code == 0, done.output
    assert "wrote dbt_vault/target/diagram.svg" in done.output and "wrote dbt_vault/target/diagram.mmd" in done.output
    spec = load_spec(tmp_path / "vault_spec", tmp_path).spec
    assert spec is not None
    assert (tmp_path / "dbt_vault" / "target" / "diagram.svg").read_text(encoding="utf-8") == svg(spec)
    assert (tmp_path / "dbt_vault" / "target" / "diagram.mmd").read_text(encoding="utf-8") == mermaid(spec)


def test_the_docs_show_the_olist_picture_as_it_is() -> None:
    picture = REPO / "docs" / "modelers" / "olist-diagram.svg"
    assert picture.read_text(encoding="utf-8") == svg(_olist()), (
        "the Olist diagram changed: dvkit diagram -o docs/modelers/olist-diagram.svg")


@pytest.mark.parametrize("name", ["graph", "mermaid", "layout", "shapes", "svg", "files"])
def test_doctests(name: str) -> None:
    module = importlib.import_module(f"generator.diagram.{name}")
    assert doctest.testmod(module).failed == 0
