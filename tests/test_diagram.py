"""``dvkit diagram``: the raw vault as a Mermaid flowchart, with every table and every join of the spec."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from generator.cli import main
from generator.diagram import mermaid
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
