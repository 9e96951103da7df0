"""Each kind of spec mistake is reported with file, line and a hint; a clean spec builds a model."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from generator.spec.validate import load_spec

from ..conftest import REPO

SOURCES = """\
sources:
  - name: orders
    file: orders.csv
    columns:
      order_id: text
      customer_id: text
      order_status: text
  - name: customers
    file: customers.csv
    columns:
      customer_id: text
      customer_city: text
"""
HUBS = """\
hubs:
  - name: order
    business_key: order_id
    sources:
      - source: orders
  - name: customer
    business_key: customer_id
    sources:
      - source: customers
      - source: orders
"""


def _spec(tmp_path: Path, **files: str) -> Path:
    folder = tmp_path / "vault_spec"
    folder.mkdir()
    defaults = {"sources": SOURCES, "hubs": HUBS}
    for name, text in {**defaults, **files}.items():
        (folder / f"{name}.yml").write_text(textwrap.dedent(text), encoding="utf-8")
    return folder


def _messages(folder: Path) -> list[str]:
    return [str(p) for p in load_spec(folder).problems]


def test_the_shipped_olist_spec_is_valid() -> None:
    result = load_spec(REPO / "vault_spec", REPO)
    assert result.ok, [str(p) for p in result.problems]
    assert result.spec is not None
    assert {h.name for h in result.spec.hubs} >= {"customer", "order", "product", "seller", "review"}
    assert result.spec.hub("customer").business_key == ("customer_unique_id",)
    assert len(result.spec.sources) == 11


def test_minimal_spec_builds_a_model(tmp_path: Path) -> None:
    result = load_spec(_spec(tmp_path))
    assert result.ok and result.spec is not None
    assert [h.key for h in result.spec.hubs] == ["customer_hk", "order_hk"]


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    folder = _spec(tmp_path, links="links:\n  - name: x\n    hubs: [order, customer\n")
    assert _messages(folder) == [
        "vault_spec/links.yml:4: invalid YAML: expected ',' or ']', but got '<stream end>' "
        "(hint: check indentation and quoting)"
    ]


def test_unknown_key_suggests_the_closest(tmp_path: Path) -> None:
    folder = _spec(tmp_path, hubs=HUBS.replace("    business_key: order_id", "    busines_key: order_id"))
    messages = _messages(folder)
    assert "vault_spec/hubs.yml:3: unknown key 'busines_key' in hubs (hint: did you mean 'business_key'?)" in messages
    assert "vault_spec/hubs.yml:2: missing key 'business_key' in hubs (hint: add `business_key:`)" in messages


def test_duplicate_yaml_key(tmp_path: Path) -> None:
    folder = _spec(tmp_path, hubs=HUBS.replace("    business_key: order_id\n",
                                               "    business_key: order_id\n    business_key: order_id\n", 1))
    assert any("hubs.yml:4: duplicate key 'business_key' (first at line 3)" in m for m in _messages(folder))


def test_duplicate_entity_names_across_files(tmp_path: Path) -> None:
    folder = _spec(tmp_path,
                   more="hubs:\n  - name: order\n    business_key: order_id\n    sources: [{source: orders}]\n")
    assert _messages(folder) == [
        "vault_spec/more.yml:2: duplicate name 'order' (already declared at vault_spec/hubs.yml:2) "
        "(hint: give each entity its own name)"
    ]


def test_unknown_hub_in_link_names_the_closest(tmp_path: Path) -> None:
    folder = _spec(tmp_path, links="links:\n  - name: order_customer\n    hubs: [order, custmer]\n"
                                   "    sources: [{source: orders}]\n")
    assert _messages(folder) == [
        "vault_spec/links.yml:3: unknown hub 'custmer' in link 'order_customer' (hint: did you mean 'customer'?)"
    ]


def test_unknown_source_and_parent(tmp_path: Path) -> None:
    folder = _spec(tmp_path, satellites="""\
        satellites:
          - name: order_state
            parent: ordr
            source: order
            payload: [order_status]
        """)
    assert _messages(folder) == [
        "vault_spec/satellites.yml:3: unknown parent 'ordr' of satellite 'order_state' (hint: did you mean 'order'?)",
        "vault_spec/satellites.yml:4: unknown source 'order' (hint: did you mean 'orders'?)",
    ]


def test_column_checked_against_its_source(tmp_path: Path) -> None:
    folder = _spec(tmp_path, satellites="""\
        satellites:
          - name: order_state
            parent: order
            source: orders
            payload:
              - order_status
              - order_stat
        """)
    assert _messages(folder) == [
        "vault_spec/satellites.yml:7: payload column 'order_stat' is not a column of source 'orders' "
        "(hint: did you mean 'order_status'?)"
    ]


def test_key_overlapping_payload(tmp_path: Path) -> None:
    folder = _spec(tmp_path, satellites="""\
        satellites:
          - name: order_state
            parent: order
            source: orders
            payload: [order_id, order_status]
        """)
    assert _messages(folder) == [
        "vault_spec/satellites.yml:5: payload column 'order_id' is a key of 'order' "
        "(hint: keys live in hubs and links; remove it from the payload)"
    ]


@pytest.mark.parametrize("bad", ['order"id', "order_id;drop table x", "order id", "Order"])
def test_unsafe_identifiers_are_rejected(tmp_path: Path, bad: str) -> None:
    folder = _spec(tmp_path, hubs=HUBS.replace("business_key: order_id", f"business_key: '{bad}'"))
    result = load_spec(folder)
    assert result.spec is None  # nothing reaches the renderer
    assert any(f"'{bad}' is not a safe SQL name" in str(p) and ":3:" in str(p) for p in result.problems)


def test_unsafe_column_name_in_source(tmp_path: Path) -> None:
    folder = _spec(tmp_path, sources=SOURCES.replace("      order_status: text", "      'order; status': text"))
    assert any("sources.yml:7: 'order; status' is not a safe SQL name" in m for m in _messages(folder))


def test_reserved_words_and_dvkit_columns(tmp_path: Path) -> None:
    folder = _spec(tmp_path,
                   sources=SOURCES.replace("      order_status: text", "      select: text\n      load_datetime: text"))
    messages = _messages(folder)
    assert any("sources.yml:7: column name 'select' is an SQL reserved word" in m for m in messages)
    assert any("sources.yml:8: column name 'load_datetime' is reserved for columns dvkit adds" in m for m in messages)


def test_a_column_read_from_a_header_of_another_name(tmp_path: Path) -> None:
    folder = _spec(tmp_path, sources=SOURCES.replace(
        "      order_status: text", "      order_status: {type: text, from: Status}\n      status_code:\n"
                                   "        type: integer"))
    result = load_spec(folder)
    assert result.spec is not None, [str(p) for p in result.problems]
    orders = result.spec.source("orders")
    assert orders.columns == (("order_id", "text"), ("customer_id", "text"), ("order_status", "text"),
                              ("status_code", "integer"))
    assert orders.header_names == ("order_id", "customer_id", "Status", "status_code")
    assert orders.renamed == (("order_status", "Status"),)
    assert orders.column_origin("status_code").line == 8


def test_mistakes_in_the_long_form_of_a_column(tmp_path: Path) -> None:
    folder = _spec(tmp_path, sources=SOURCES.replace(
        "      order_status: text",
        "      order_status: {type: text, from: customer_id}\n      status: {type: txt}\n"
        "      state: {type: text, form: x}\n      stage: {from: x}\n      step: {type: text, from: ''}"))
    assert _messages(folder) == [
        "vault_spec/sources.yml:7: column 'order_status' of source 'orders' reads the file's header 'customer_id', "
        "which column 'customer_id' reads too (hint: each header of the file feeds one column: fix the `from`)",
        "vault_spec/sources.yml:8: 'txt' is not allowed in sources.columns.status.type (hint: did you mean 'text'?)",
        "vault_spec/sources.yml:9: unknown key 'form' in sources.columns.state (hint: did you mean 'from'?)",
        "vault_spec/sources.yml:10: missing key 'type' in sources.columns.stage (hint: add `type:`)",
        "vault_spec/sources.yml:11: '' should be non-empty in sources.columns.step.from",
    ]


def test_two_columns_cannot_read_one_header(tmp_path: Path) -> None:
    folder = _spec(tmp_path, sources=SOURCES.replace(
        "      customer_city: text", "      city: {type: text, from: town}\n      town_name: {type: text, from: town}"))
    assert _messages(folder) == [
        "vault_spec/sources.yml:13: column 'town_name' of source 'customers' reads the file's header 'town', which "
        "column 'city' reads too (hint: each header of the file feeds one column: fix the `from`)"]


def test_several_mistakes_are_all_reported(tmp_path: Path) -> None:
    folder = _spec(
        tmp_path,
        links="links:\n  - name: order_customer\n    hubs: [order, custmer]\n    sources: [{source: orders}]\n",
        satellites="""\
        satellites:
          - name: order_state
            parent: order
            source: orders
            payload: [order_statuz]
            colour: blue
        """,
    )
    messages = _messages(folder)
    assert len(messages) == 3, messages
    assert [m.split(":")[0] for m in messages] == ["vault_spec/links.yml", "vault_spec/satellites.yml",
                                                   "vault_spec/satellites.yml"]


def test_lookup_columns_are_usable_by_stages(tmp_path: Path) -> None:
    sources = SOURCES.replace("      order_status: text\n", "      order_status: text\n    lookups:\n"
                              "      - source: customers\n        on: customer_id\n        columns: [customer_city]\n")
    folder = _spec(tmp_path, sources=sources, satellites="""\
        satellites:
          - name: order_city
            parent: order
            source: orders
            payload: [customer_city]
        """)
    result = load_spec(folder)
    assert result.ok, [str(p) for p in result.problems]
    assert result.spec is not None and result.spec.source("orders").lookups[0].columns == ("customer_city",)


def test_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "vault_spec").mkdir()
    assert "no spec files" in _messages(tmp_path / "vault_spec")[0]


def test_the_json_schema_is_valid_and_documents_every_key() -> None:
    import jsonschema

    from generator.spec.structure import schema

    jsonschema.Draft202012Validator.check_schema(schema())
    for kind in ("source", "hub", "link", "satellite"):
        assert "name" in schema()["$defs"][kind]["required"]


def test_a_renamed_key_cannot_shadow_a_source_column(tmp_path: Path) -> None:
    hubs = HUBS + "  - name: city\n    business_key: customer_id\n    sources:\n      - source: orders\n" \
                  "        business_key: order_status\n"
    assert _messages(_spec(tmp_path, hubs=hubs)) == [
        "vault_spec/hubs.yml:15: source 'orders' already has a column 'customer_id', the hub's key name "
        "(hint: feed the hub from that column, or rename the hub's business key)"
    ]


LINKS = "links:\n  - name: order_customer\n    hubs: [order, customer]\n    sources: [{source: orders}]\n"


def test_every_entity_kind_builds_a_model(tmp_path: Path) -> None:
    folder = _spec(tmp_path, links=LINKS, satellites="""\
        settings:
          ghost_records: true
        satellites:
          - name: order_state
            parent: order
            source: orders
            payload: [order_status]
        multi_active_satellites:
          - name: order_states
            parent: order
            source: orders
            child_key: customer_id
            payload: [order_status]
        effectivity_satellites:
          - name: order_customer
            link: order_customer
            driving_key: order
        tracking_satellites:
          - name: order
            parent: order
            satellites: [order_state]
        reference_tables:
          - name: cities
            source: customers
            key: customer_id
            payload: [customer_city]
        """)
    result = load_spec(folder)
    assert result.ok, [str(p) for p in result.problems]
    spec = result.spec
    assert spec is not None and spec.settings.ghost_records
    assert spec.effectivity_satellites[0].source == "orders"
    assert spec.vault_models() == ["hub_customer", "hub_order", "link_order_customer", "sat_order_state",
                                   "ma_sat_order_states", "eff_sat_order_customer", "xts_order", "ref_cities"]


def test_mistakes_in_the_other_kinds(tmp_path: Path) -> None:
    folder = _spec(tmp_path, links=LINKS, satellites="""\
        satellites:
          - name: order_state
            parent: customer
            source: customers
            payload: [customer_city]
        multi_active_satellites:
          - name: order_state
            parent: order
            source: orders
            child_key: order_id
            payload: [order_status]
        effectivity_satellites:
          - name: order_customer
            link: order_customer
            driving_key: [order, customer]
          - name: by_order
            link: order_custmer
            driving_key: order
        tracking_satellites:
          - name: order
            parent: order
            satellites: [order_state]
        reference_tables:
          - name: cities
            source: customers
            key: customer_id
            payload: [customer_id]
        """)
    assert _messages(folder) == [
        "vault_spec/satellites.yml:7: duplicate name 'order_state' (already declared at "
        "vault_spec/satellites.yml:2) (hint: give each entity its own name)",
        "vault_spec/satellites.yml:15: the driving key cannot be every hub of the link (hint: name the hub(s) "
        "that own the relationship, e.g. the order of an order-customer link)",
        "vault_spec/satellites.yml:17: unknown link 'order_custmer' of effectivity satellite 'by_order' "
        "(hint: did you mean 'order_customer'?)",
        "vault_spec/satellites.yml:22: satellite 'order_state' describes 'customer', not 'order' "
        "(hint: list only satellites of the same parent)",
        "vault_spec/satellites.yml:27: payload column 'customer_id' is the reference key "
        "(hint: keys live in hubs and links; remove it from the payload)",
    ]


def test_multi_active_child_key_cannot_be_the_parent_key(tmp_path: Path) -> None:
    folder = _spec(tmp_path, satellites="""\
        multi_active_satellites:
          - name: order_states
            parent: order
            source: orders
            child_key: order_id
            payload: [order_status, customer_id, customer_id]
        """)
    assert _messages(folder) == [
        "vault_spec/satellites.yml:5: child key column 'order_id' is a key of 'order' "
        "(hint: keys live in hubs and links; remove it from the payload)",
        "vault_spec/satellites.yml:6: payload column 'customer_id' is listed twice (hint: remove one)",
    ]


def test_a_link_source_must_feed_its_hubs(tmp_path: Path) -> None:
    without_orders = HUBS.rsplit("      - source: orders\n", 1)[0]  # customer fed by customers only
    folder = _spec(tmp_path, hubs=without_orders, links=LINKS)
    assert _messages(folder) == [
        "vault_spec/links.yml:4: source 'orders' of link 'order_customer' does not feed hub 'customer' "
        "(hint: add `- source: orders` to the sources of hub 'customer', so that every key of the table "
        "finds its hub row, whatever order the data arrives in)"
    ]


def test_personal_data_lives_in_satellites_of_its_own(tmp_path: Path) -> None:
    sources = SOURCES.replace("      customer_city: text\n", "      customer_city: text\n    personal_data:\n"
                              "      columns: [customer_city, customer_id]\n      retention: P5Y\n")
    folder = _spec(tmp_path, sources=sources, hubs=HUBS.replace("      - source: orders\n\"\"\"", "\"\"\""),
                   satellites="""\
        satellites:
          - name: customer_city
            parent: customer
            source: customers
            payload: [customer_city]
        reference_tables:
          - name: cities
            source: customers
            key: customer_city
            payload: [customer_id]
        """)
    messages = _messages(folder)
    assert any("hubs.yml:9: business key 'customer_id' of source 'customers' is marked as personal data" in m
               for m in messages), messages
    assert any("reference table 'cities' holds personal data (customer_city, customer_id)" in m for m in messages)


def test_a_satellite_mixing_personal_data_is_rejected(tmp_path: Path) -> None:
    sources = SOURCES.replace("      customer_city: text\n", "      customer_city: text\n      customer_name: text\n"
                              "    personal_data:\n      columns: [customer_name]\n      retention: P1Y\n")
    folder = _spec(tmp_path, sources=sources, satellites="""\
        satellites:
          - name: customer_profile
            parent: customer
            source: customers
            payload: [customer_city, customer_name]
        """)
    assert _messages(folder) == [
        "vault_spec/satellites.yml:5: satellite 'customer_profile' mixes personal data (customer_name) with other "
        "columns (customer_city) (hint: move the personal-data columns into a satellite of their own, so they "
        "can be erased alone)"
    ]


def test_olist_personal_data() -> None:
    spec = load_spec(REPO / "vault_spec", REPO).spec
    assert spec is not None
    assert {s.name for s in spec.satellites if s.personal_data} == {"customer_location", "review_text"}
    assert spec.source("sellers").personal_columns == ()
    assert spec.source("customers").retention == "P5Y"
