"""Each kind of spec mistake is reported with file, line and a hint; a clean spec builds a model."""

from __future__ import annotations

import shutil
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
    folder.mkdir(parents=True)
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
        "vault_spec/links.yml:3: invalid YAML: the '[' in column 11 is not closed (expected ',' or ']', but got "
        "'<stream end>' at line 4) (hint: close it with ']', separating the items with commas)"
    ]


@pytest.mark.parametrize(("text", "expected"), [
    ("hubs:\n  - name: order\n    business_key: order_id\n   sources: [{source: orders}]\n",
     "hubs.yml:4: invalid YAML: expected <block end>, but found '<block mapping start>' (hint: line 4 starts in "
     "column 4 and line 3 in column 5: the keys of one entry start in the same column, a nested value further "
     "right)"),
    ("hubs:\n  - name: 'order\n", "hubs.yml:2: invalid YAML: the quote in column 11 is not closed (found "
     "unexpected end of stream at line 3) (hint: end the value with the same quote)"),
    ("hubs:\n\t- name: order\n", "hubs.yml:2: invalid YAML: found character '\\t' that cannot start any token "
     "(hint: indent with spaces: YAML does not allow tabs)"),
    ("hubs: [{name: order}]]\n", "hubs.yml:1: invalid YAML: expected <block end>, but found ']' "
     "(hint: remove the unmatched ']')"),
    ("hubs:\n  - name: order: x\n", "hubs.yml:2: invalid YAML: mapping values are not allowed here "
     "(hint: quote a value that contains ': ')"),
])
def test_yaml_syntax_errors_say_the_fix(tmp_path: Path, text: str, expected: str) -> None:
    assert _messages(_spec(tmp_path, hubs=text)) == [f"vault_spec/{expected}"]


def test_an_unreadable_file_hides_the_problems_it_would_cause(tmp_path: Path) -> None:
    """The other files' references into the unreadable one are not reported; their own mistakes are."""
    spec = tmp_path / "vault_spec"
    shutil.copytree(REPO / "vault_spec", spec)
    hubs = spec / "hubs.yml"
    hubs.write_text(hubs.read_text().replace("    business_key: customer_unique_id\n",
                                             "    business_key: [customer_unique_id\n"))
    line = hubs.read_text().splitlines().index("    business_key: [customer_unique_id") + 1
    assert _messages(spec) == [
        f"vault_spec/hubs.yml:{line}: invalid YAML: the '[' in column 19 is not closed (expected ',' or ']', but "
        f"got ':' at line {line + 1}) (hint: close it with ']', separating the items with commas)"
    ]
    sats = spec / "satellites.yml"
    sats.write_text(sats.read_text().replace("    parent: review\n", "    parent: review\n    colour: red\n", 1))
    messages = _messages(spec)
    assert len(messages) == 2 and "hubs.yml" in messages[0], messages
    assert "satellites.yml" in messages[1] and "unknown key 'colour'" in messages[1]


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


def test_a_link_of_one_hub_says_a_link_joins_two(tmp_path: Path) -> None:
    folder = _spec(tmp_path, links=LINKS.replace("hubs: [order, customer]", "hubs: [order]"), satellites="""\
        effectivity_satellites:
          - name: order_customer
            link: order_customer
            driving_key: order
        """)
    # One problem: the effectivity satellite's driving key is not also "every hub of the link".
    assert _messages(folder) == [
        "vault_spec/links.yml:3: link 'order_customer' lists only one hub ('order'): a link joins two or more "
        "hubs (hint: list every hub it joins, e.g. `hubs: [order, <other hub>]`; attributes of 'order' alone go "
        "in a satellite with `parent: order`)"
    ]
    empty = _spec(tmp_path / "empty", links=LINKS.replace("hubs: [order, customer]", "hubs: []"))
    assert _messages(empty) == [
        "vault_spec/links.yml:3: link 'order_customer' lists no hub: a link joins two or more hubs "
        "(hint: list every hub it joins, e.g. `hubs: [<hub>, <other hub>]`)"
    ]
    no_source = _spec(tmp_path / "no_source", links=LINKS.replace("[{source: orders}]", "[]"))
    assert _messages(no_source) == ["vault_spec/links.yml:4: must not be empty in links.sources"]


CUSTOMER_ORDERS = """\
    satellites:
      - name: customer_orders
        parent: order
        source: customers
        payload: [customer_city]
    """
# The fix the hint below gives: customers borrow order_id from orders (by customer_id) and feed hub order.
BORROWED = SOURCES + "    lookups:\n      - {source: orders, on: customer_id, columns: [order_id]}\n"
FED = HUBS.replace("      - source: orders\n  - name: customer", "      - source: orders\n      - source: customers\n"
                   "  - name: customer")


def test_a_satellite_whose_source_lacks_the_key_gets_a_fix_that_works(tmp_path: Path) -> None:
    assert _messages(_spec(tmp_path, satellites=CUSTOMER_ORDERS)) == [
        "vault_spec/satellites.yml:4: source 'customers' of 'customer_orders' has no column order_id, the key of "
        "hub 'order' (hint: borrow it from source 'orders' by the shared column customer_id: add the lookup "
        "`{source: orders, on: customer_id, columns: [order_id]}` to the `lookups:` of source 'customers', and "
        "`- source: customers` to the sources of hub 'order'; or use a source that has the key: orders)"
    ]
    fixed = load_spec(_spec(tmp_path / "fixed", sources=BORROWED, hubs=FED, satellites=CUSTOMER_ORDERS))
    assert fixed.ok, [str(p) for p in fixed.problems]
    chosen = load_spec(_spec(tmp_path / "chosen", satellites=CUSTOMER_ORDERS.replace(
        "source: customers\n        payload: [customer_city]", "source: orders\n        payload: [order_status]")))
    assert chosen.ok, [str(p) for p in chosen.problems]


def test_a_link_satellite_whose_source_lacks_a_hub_key_gets_a_fix_that_works(tmp_path: Path) -> None:
    satellites = "satellites:\n  - name: city\n    parent: order_customer\n    source: customers\n" \
                 "    payload: [customer_city]\n"
    assert _messages(_spec(tmp_path, links=LINKS, satellites=satellites)) == [
        "vault_spec/satellites.yml:4: source 'customers' of 'city' has no column order_id, part of the key of "
        "link 'order_customer' (hint: borrow it from source 'orders' by the shared column customer_id: add the "
        "lookup `{source: orders, on: customer_id, columns: [order_id]}` to the `lookups:` of source "
        "'customers', and `- source: customers` to the sources of link 'order_customer', and `- source: "
        "customers` to the sources of hub 'order'; or use a source that has the key: orders)"
    ]
    links = LINKS.replace("sources: [{source: orders}]", "sources: [{source: orders}, {source: customers}]")
    fixed = load_spec(_spec(tmp_path / "fixed", sources=BORROWED, hubs=FED, links=links, satellites=satellites))
    assert fixed.ok, [str(p) for p in fixed.problems]


def test_a_missing_key_column_is_added_to_an_existing_lookup(tmp_path: Path) -> None:
    sources = SOURCES + "      customer_segment: text\n  - name: visits\n    file: visits.csv\n    columns:\n" \
                        "      order_id: text\n      visited_at: timestamp\n    lookups:\n" \
                        "      - {source: orders, on: order_id, columns: [order_status]}\n"
    hubs = HUBS + "  - name: segment\n    business_key: customer_segment\n    sources:\n      - source: customers\n"
    satellites = "satellites:\n  - name: visit\n    parent: segment\n    source: visits\n    payload: [visited_at]\n"
    messages = _messages(_spec(tmp_path, sources=sources, hubs=hubs, satellites=satellites))
    assert messages == [
        "vault_spec/satellites.yml:4: source 'visits' of 'visit' has no column customer_segment, the key of hub "
        "'segment' (hint: use a source that has the key: customers)"
    ]
    orders = sources.replace("      order_status: text\n", "      order_status: text\n      customer_segment: text\n")
    assert "add customer_segment to the columns of its lookup of source 'orders', and `- source: visits` to the " \
           "sources of hub 'segment'" in _messages(_spec(tmp_path / "more", sources=orders, hubs=hubs,
                                                          satellites=satellites))[0]
    fixed = load_spec(_spec(tmp_path / "fixed", sources=orders.replace("[order_status]", "[order_status, "
                                                                       "customer_segment]"),
                            hubs=hubs + "      - source: visits\n", satellites=satellites))
    assert fixed.ok, [str(p) for p in fixed.problems]


def test_an_entry_under_the_wrong_section_says_where_it_goes(tmp_path: Path) -> None:
    misplaced_link = LINKS.replace("links:", "satellites:")
    folder = _spec(tmp_path, hubs=HUBS + "  - name: order_state\n    parent: order\n    source: orders\n"
                   "    payload: [order_status]\n",
                   links=misplaced_link + "  - name: customer_city\n    parent: order_customer\n"
                   "    source: orders\n    payload: [order_status]\n")
    # The satellite of the misplaced link finds its parent: no "unknown parent" with a wrong hint.
    assert _messages(folder) == [
        "vault_spec/hubs.yml:11: entry 'order_state' under `hubs:` looks like a satellite, not a hub "
        "(hint: move it under `satellites:`)",
        "vault_spec/links.yml:2: entry 'order_customer' under `satellites:` looks like a link, not a satellite "
        "(hint: move it under `links:`)",
    ]
    effectivity = "tracking_satellites:\n  - name: order_customer\n    link: order_customer\n    driving_key: order\n"
    assert _messages(_spec(tmp_path / "eff", links=LINKS, satellites=effectivity)) == [
        "vault_spec/satellites.yml:2: entry 'order_customer' under `tracking_satellites:` looks like an "
        "effectivity satellite, not a tracking satellite (hint: move it under `effectivity_satellites:`)"
    ]


def test_every_list_section_of_the_schema_is_a_section_of_the_checker() -> None:
    from generator.spec.structure import schema
    from generator.spec.validate import SECTIONS

    lists = [name for name, section in schema()["properties"].items() if section.get("type") == "array"]
    assert sorted(lists) == sorted(SECTIONS)


def test_two_entities_that_would_generate_one_dbt_model_are_refused(tmp_path: Path) -> None:
    """A source called sat_status stages as stg_sat_status, the stage view of satellite status."""
    sources = SOURCES + ("  - name: sat_status\n    file: sat_status.csv\n    columns:\n"
                         "      order_id: text\n      note: text\n")
    satellites = ("satellites:\n  - name: status\n    parent: order\n    source: orders\n"
                  "    payload: [order_status]\n")
    hubs = HUBS.replace("      - source: orders\n  - name: customer", "      - source: orders\n"
                        "      - source: sat_status\n  - name: customer")
    messages = _messages(_spec(tmp_path, sources=sources, hubs=hubs, satellites=satellites))
    assert messages == ["vault_spec/satellites.yml:2: source sat_status and satellite status both generate the "
                        "dbt model 'stg_sat_status' (hint: rename one of them)"]


def _resolving(tmp_path: Path, name: str, looked_up: str = "customers") -> list[str]:
    """Source ``name`` borrows customer_city from ``looked_up``, and hub city is keyed by it."""
    sources = SOURCES.replace("  - name: orders\n", f"  - name: {name}\n").replace(
        "      order_status: text\n", "      order_status: text\n    lookups:\n"
        f"      - {{source: {looked_up}, on: customer_id, columns: [customer_city]}}\n").replace(
        "  - name: customers\n", f"  - name: {looked_up}\n")
    hubs = (f"hubs:\n  - name: city\n    business_key: customer_city\n    sources:\n"
            f"      - source: {looked_up}\n      - source: {name}\n")
    return _messages(_spec(tmp_path, sources=sources, hubs=hubs))


def test_a_source_whose_rows_resolve_later_needs_a_name_its_resolved_stage_can_take(tmp_path: Path) -> None:
    """Hub city reads stg_<source>_resolved, 13 characters more than the source's name."""
    assert _resolving(tmp_path / "fits", "o" * 50) == []
    assert _resolving(tmp_path / "long", "o" * 51) == [
        f"vault_spec/sources.yml:2: source {'o' * 51} generates the dbt model 'stg_{'o' * 51}_resolved', longer "
        "than PostgreSQL's 63 characters (hint: shorten the name by 1 character(s))"]


def test_a_looked_up_source_cannot_take_a_name_of_the_resolved_view(tmp_path: Path) -> None:
    messages = _resolving(tmp_path, "orders", looked_up="seen")
    assert any("a looked-up source cannot be called 'seen'" in m for m in messages), messages
