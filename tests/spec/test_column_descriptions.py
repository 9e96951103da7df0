"""A source column's description reaches the landing YAML and the raw vault columns holding it; Jinja is refused."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import yaml

from generator.render.plan import plan
from generator.spec.model import Spec
from generator.spec.validate import load_spec

SPEC = """\
sources:
  - name: orders
    file: orders.csv
    columns:
      order_id: {type: text, description: Number of the order.}
      order_status: {type: text, description: "Where the order stands: shipped, delivered."}
      placed_at: timestamp
  - name: lines
    file: lines.csv
    columns:
      order_ref: {type: text, from: order, description: The order the line belongs to.}
      line_no: {type: integer, description: Place of the line in its order.}
      price: numeric
      sku: {type: text, description: Stock keeping unit of the product sold.}
      quantity: {type: integer, description: Units sold.}
hubs:
  - name: order
    business_key: order_number
    sources:
      - source: lines
        business_key: order_ref
      - source: orders
        business_key: order_id
  - name: product
    business_key: sku
    sources:
      - source: lines
satellites:
  - name: order_status
    parent: order
    source: orders
    payload: [order_status, placed_at]
multi_active_satellites:
  - name: order_lines
    parent: order
    source: lines
    child_key: line_no
    payload: [price]
reference_tables:
  - name: statuses
    source: orders
    key: order_status
    payload: [placed_at, order_id]
non_historised_links:
  - name: sale
    hubs: [order, product]
    source: lines
    dependent_child_key: line_no
    payload: [price, quantity]
"""


def _load(tmp_path: Path, text: str) -> tuple[Spec | None, list[str]]:
    folder = tmp_path / "vault_spec"
    folder.mkdir()
    (folder / "spec.yml").write_text(textwrap.dedent(text), encoding="utf-8")
    result = load_spec(folder, tmp_path)
    return result.spec, [str(p) for p in result.problems]


def _yaml_file(spec: Spec, suffix: str) -> dict[str, Any]:
    body = next(f.body for f in plan(spec) if f.path.endswith(suffix))
    document = yaml.safe_load(body)
    assert isinstance(document, dict)
    return document


def _columns(entry: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {column["name"]: column for column in entry["columns"]}


def test_a_described_column_is_described_in_the_landing_yaml(tmp_path: Path) -> None:
    spec, problems = _load(tmp_path, SPEC)
    assert spec is not None, problems
    tables = {t["name"]: t for t in _yaml_file(spec, "_landing_sources.yml")["sources"][0]["tables"]}
    orders = _columns(tables["orders"])
    assert orders["order_status"]["description"] == "Where the order stands: shipped, delivered."
    assert orders["order_status"]["data_type"] == "text"
    assert "description" not in orders["placed_at"]  # the short form stays valid, without a description
    assert _columns(tables["lines"])["order_ref"]["description"] == "The order the line belongs to."


def test_raw_vault_columns_holding_a_source_column_carry_its_description(tmp_path: Path) -> None:
    spec, problems = _load(tmp_path, SPEC)
    assert spec is not None, problems
    models = {m["name"]: m for m in _yaml_file(spec, "raw_vault/_raw_vault.yml")["models"]}
    sat = _columns(models["sat_order_status"])
    assert sat["order_status"]["description"] == "Where the order stands: shipped, delivered."
    assert "description" not in sat["placed_at"]
    ma_sat = _columns(models["ma_sat_order_lines"])
    assert ma_sat["line_no"]["description"] == "Place of the line in its order."
    assert ma_sat["line_no"]["data_tests"]  # the child key keeps its tests
    assert "description" not in ma_sat["price"]
    ref = _columns(models["ref_statuses"])
    assert ref["order_status"]["description"] == "Where the order stands: shipped, delivered."
    assert ref["order_status"]["data_tests"]
    assert ref["order_id"]["description"] == "Number of the order."
    assert "description" not in ref["placed_at"]
    nh_link = _columns(models["nh_link_sale"])
    assert nh_link["quantity"]["description"] == "Units sold."
    assert nh_link["price"]["description"] == "Payload, as first delivered."  # the default stays
    assert nh_link["line_no"]["description"] == "Place of the line in its order."
    assert _columns(models["hub_product"])["sku"]["description"] == "Stock keeping unit of the product sold."
    # The hub's key is read from two sources under two names: the first feed's description wins.
    assert _columns(models["hub_order"])["order_number"]["description"] == "The order the line belongs to."


def test_an_undescribed_key_keeps_its_default_description(tmp_path: Path) -> None:
    spec, problems = _load(tmp_path, SPEC.replace("line_no: {type: integer, description: Place of the line in "
                                                  "its order.}", "line_no: integer"))
    assert spec is not None, problems
    models = {m["name"]: m for m in _yaml_file(spec, "raw_vault/_raw_vault.yml")["models"]}
    assert _columns(models["ma_sat_order_lines"])["line_no"]["description"] == (
        "Child key: tells the active rows of one key apart.")


def test_jinja_in_a_column_description_is_refused_with_its_line(tmp_path: Path) -> None:
    spec, problems = _load(tmp_path, SPEC.replace("description: Number of the order.",
                                                  "description: \"Number {{ run_query('drop') }}\""))
    assert spec is None
    assert len(problems) == 1, problems
    assert problems[0].startswith("vault_spec/spec.yml:5: the description of column 'order_id' of 'orders' "
                                  "contains Jinja")
    assert "write it without curly braces" in problems[0]


def test_a_description_must_be_text(tmp_path: Path) -> None:
    _, problems = _load(tmp_path, SPEC.replace("description: Number of the order.", "description: [a, b]"))
    assert problems == ["vault_spec/spec.yml:5: expected a string in sources.columns.order_id.description, "
                        "got a list"], problems
