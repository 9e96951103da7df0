"""The naming convention (``settings: naming:``): today's names by default, a team's own when set,
and people-friendly problems for names that cannot work."""

from __future__ import annotations

import doctest
import re
import textwrap
from pathlib import Path

import pytest

import generator.spec.naming as naming_module
import generator.spec.naming_check as naming_check
from generator.kinds import REGISTRY
from generator.render.plan import plan
from generator.spec.model import Hub, Origin
from generator.spec.naming import DEFAULT_NAMING, DEFAULT_PREFIXES, Naming
from generator.spec.structure import schema
from generator.spec.validate import load_spec

from ..conftest import REPO

SPEC = """\
sources:
  - name: orders
    file: orders.csv
    columns:
      order_id: text
      customer_id: text
      order_status: text
hubs:
  - name: order
    business_key: order_id
    sources: [{source: orders}]
  - name: customer
    business_key: customer_id
    sources: [{source: orders}]
links:
  - name: order_customer
    hubs: [order, customer]
    sources: [{source: orders}]
satellites:
  - name: order_state
    parent: order
    source: orders
    payload: [order_status]
"""
PIT = """\
point_in_time_tables:
  - name: order
    parent: order
    satellites: [order_state]
    as_of: load_times
"""


def _load(tmp_path: Path, naming: str, spec: str = SPEC):
    folder = tmp_path / "vault_spec"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "vault.yml").write_text(spec, encoding="utf-8")
    (folder / "settings.yml").write_text("settings:\n  naming:\n" + textwrap.indent(textwrap.dedent(naming), "    "),
                                         encoding="utf-8")
    return load_spec(folder, tmp_path)


def _problems(tmp_path: Path, naming: str, spec: str = SPEC) -> list[str]:
    return [str(p) for p in _load(tmp_path, naming, spec).problems]


# -- the convention -----------------------------------------------------------------------------------

def test_the_doctests_of_the_convention() -> None:
    for module in (naming_module, naming_check):
        assert doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE).failed == 0, module.__name__


def test_every_raw_vault_kind_has_a_default_prefix_in_the_schema_too() -> None:
    assert list(DEFAULT_PREFIXES) == [kind.section for kind in REGISTRY]
    prefixes = schema()["$defs"]["settings"]["properties"]["naming"]["properties"]["prefixes"]["properties"]
    assert {section: node["default"] for section, node in prefixes.items()} == DEFAULT_PREFIXES


def test_the_defaults_are_todays_names() -> None:
    hub = Hub("order", ("order_id",), (), Origin("h.yml", 1))
    assert (hub.model, hub.key) == ("hub_order", "order_hk")
    assert DEFAULT_NAMING.is_default and DEFAULT_NAMING == Naming()
    for kind in REGISTRY:  # the longest identifier of a name is the one the kind has always said
        assert kind.longest(DEFAULT_NAMING, "abc") == kind.longest_name.format("abc"), kind.section


def test_the_shipped_spec_keeps_the_default_convention() -> None:
    result = load_spec(REPO / "vault_spec", REPO)
    assert result.spec is not None and result.spec.naming.is_default


def test_a_convention_of_its_own_names_every_table_key_hashdiff_and_schema(tmp_path: Path) -> None:
    result = _load(tmp_path, """\
        prefixes: {hubs: h_, links: l_, satellites: s_}
        hash_key_suffix: _hkey
        hashdiff_suffix: _hash_diff
        schemas: {raw_vault: rv, staging: stage_area}
        """, SPEC + PIT)
    assert result.spec is not None, [str(p) for p in result.problems]
    spec = result.spec
    assert spec.vault_models() == ["h_customer", "h_order", "l_order_customer", "s_order_state"]
    assert (spec.hub("order").key, spec.satellite("order_state").hashdiff) == ("order_hkey", "order_state_hash_diff")
    files = {file.path: file.body for file in plan(spec)}
    assert "dbt_vault/models/raw_vault/hubs/h_order.sql" in files
    assert "dbt_vault/models/staging/stg_s_order_state.sql" in files
    assert not any("/hub_" in path or "/sat_" in path for path in files)
    assert "+schema: rv" in files["dbt_vault/dbt_project.yml"]
    assert "+schema: stage_area" in files["dbt_vault/dbt_project.yml"]
    assert "schema: rv" in files["business_vault/models/sources/_raw_vault.yml"]
    # The business vault's generated tables read the raw vault by its names, from the source `raw_vault`.
    pit = files["business_vault/models/business_vault/pits/pit_order.sql"]
    assert "source('raw_vault', 'h_order')" in pit and "source('raw_vault', 's_order_state')" in pit
    assert "s_order_state_ldts" in pit and "order_hkey" in pit
    words = set(re.findall(r"\w+", "\n".join(files.values())))
    assert {"order_hkey", "customer_hkey", "order_customer_hkey", "order_state_hash_diff"} <= words
    assert not {word for word in words if word.endswith("_hk")}
    # Only AutomateDV's and dvkit's own words end like the default hashdiff (src_hashdiff, is_hashdiff...).
    assert {word for word in words if word.endswith("_hashdiff")} <= {"src_hashdiff", "is_hashdiff", "dvkit_hashdiff"}


def test_a_convention_spelling_out_the_defaults_is_the_default(tmp_path: Path) -> None:
    result = _load(tmp_path, """\
        prefixes: {hubs: hub_, links: link_, satellites: sat_}
        hash_key_suffix: _hk
        hashdiff_suffix: _hashdiff
        schemas: {raw_vault: raw_vault, staging: staging}
        """)
    assert result.spec is not None and result.spec.naming == DEFAULT_NAMING


def test_a_kind_left_out_keeps_its_default_prefix(tmp_path: Path) -> None:
    result = _load(tmp_path, "prefixes: {hubs: h_}\n")
    assert result.spec is not None
    assert result.spec.vault_models()[-2:] == ["link_order_customer", "sat_order_state"]


# -- problems -------------------------------------------------------------------------------------------

def test_a_prefix_that_is_not_a_safe_name_is_refused(tmp_path: Path) -> None:
    assert _problems(tmp_path, "prefixes: {hubs: H-}\n") == [
        "vault_spec/settings.yml:3: 'H-' is not a safe SQL name in settings.naming.prefixes.hubs "
        "(hint: use lowercase letters, digits and underscores, starting with a letter (no quotes, semicolons "
        "or spaces))"]


def test_an_unknown_kind_is_refused_with_the_closest(tmp_path: Path) -> None:
    problems = _problems(tmp_path, "prefixes: {hub: h_}\n")
    assert len(problems) == 1 and "unknown key 'hub'" in problems[0] and "did you mean 'hubs'?" in problems[0]


def test_two_kinds_with_one_prefix_are_refused(tmp_path: Path) -> None:
    assert _problems(tmp_path, "prefixes:\n  hubs: x_\n  satellites: x_\n") == [
        "vault_spec/settings.yml:5: satellites and hubs share the table prefix 'x_': a satellite and a hub of the "
        "same name would be one table (hint: give each kind its own prefix)"]


def test_a_prefix_taking_another_kinds_default_is_refused(tmp_path: Path) -> None:
    problems = _problems(tmp_path, "prefixes: {satellites: hub_}\n")
    assert problems == ["vault_spec/settings.yml:3: satellites and hubs share the table prefix 'hub_': a satellite "
                        "and a hub of the same name would be one table (hint: give each kind its own prefix)"]


def test_equal_suffixes_are_refused(tmp_path: Path) -> None:
    problems = _problems(tmp_path, "hash_key_suffix: _h\nhashdiff_suffix: _h\n")
    assert problems == ["vault_spec/settings.yml:4: hashdiff_suffix '_h' is also the hash_key_suffix: a satellite "
                        "named like a hub would put two columns of one name in the stage "
                        "(hint: give hash keys and hashdiffs different suffixes)"]


def test_names_too_long_under_the_convention_are_refused(tmp_path: Path) -> None:
    # 'order_customer' is fine under the defaults; a long link prefix makes its bridge CTE too long.
    prefix = "l" * 45 + "_"
    problems = _problems(tmp_path, f"prefixes: {{links: {prefix}}}\n")
    longest = f"{prefix}order_customer_in_force"
    assert problems == [f"vault_spec/vault.yml:16: name 'order_customer' is too long: dvkit makes '{longest}' of it, "
                        f"longer than PostgreSQL's 63 characters (hint: use at most {63 - len(longest) + 14} "
                        "characters)"]


def test_a_long_hash_key_suffix_is_measured_too(tmp_path: Path) -> None:
    suffix = "_" + "k" * 52
    problems = _problems(tmp_path, f"hash_key_suffix: {suffix}\n")
    assert any("name 'order_customer' is too long: dvkit makes 'order_customer" + suffix in p for p in problems)


@pytest.mark.parametrize(("schemas", "message"), [
    ("{raw_vault: vault, staging: vault}", "vault_spec/settings.yml:3: staging and the raw vault share the schema "
     "'vault': a stage view and a table of one name would clash (hint: give each layer its own schema)"),
    ("{raw_vault: staging}", "vault_spec/settings.yml:3: staging and the raw vault share the schema 'staging': a "
     "stage view and a table of one name would clash (hint: give each layer its own schema)"),
    ("{staging: landing}", "vault_spec/settings.yml:3: schema 'landing' of the staging is the schema of the landing "
     "tables (hint: choose a schema of its own)"),
    ("{raw_vault: marts}", "vault_spec/settings.yml:3: schema 'marts' of the raw vault is the schema of the marts "
     "(hint: choose a schema of its own)"),
    ("{raw_vault: select}", "vault_spec/settings.yml:3: schema 'select' of the raw vault is a reserved word of "
     "PostgreSQL (hint: dvkit never quotes names; choose another schema)"),
])
def test_schemas_that_clash_are_refused(tmp_path: Path, schemas: str, message: str) -> None:
    assert _problems(tmp_path, f"schemas: {schemas}\n") == [message]


def test_a_column_ending_like_a_hash_key_is_reserved(tmp_path: Path) -> None:
    spec = SPEC.replace("order_status: text", "order_status: text\n      order_hkey: text")
    problems = _problems(tmp_path, "hash_key_suffix: _hkey\n", spec)
    assert any("column name 'order_hkey' is reserved for columns dvkit adds" in p for p in problems), problems
    assert _problems(tmp_path / "default", "hash_key_suffix: _hk\n", spec) == []  # the default suffix allows it


def test_a_source_table_in_the_raw_vault_schema_is_refused(tmp_path: Path) -> None:
    spec = SPEC.replace("file: orders.csv", "table: rv.orders")
    problems = _problems(tmp_path, "schemas: {raw_vault: rv}\n", spec)
    assert any("table 'rv.orders' of source 'orders' is in dvkit's own schema 'rv'" in p for p in problems), problems
    # The default's name is free for a source system's own schema then.
    elsewhere = SPEC.replace("file: orders.csv", "table: raw_vault.orders")
    assert _problems(tmp_path / "free", "schemas: {raw_vault: rv}\n", elsewhere) == []


# -- tools ----------------------------------------------------------------------------------------------

def test_lineage_knows_the_raw_vault_and_staging_by_their_schemas(tmp_path: Path) -> None:
    import json

    from generator.compliance.lineage import load_relations

    models = {"nodes": {
        "model.v.h_order": {"resource_type": "model", "schema": "staging", "name": "h_order",
                            "fqn": ["v", "raw_vault", "hubs", "h_order"]},
        "model.v.stg_orders": {"resource_type": "model", "schema": "raw_vault", "name": "stg_orders",
                               "fqn": ["v", "staging", "stg_orders"]},
    }}
    business = {"nodes": {}, "sources": {"source.b.raw_vault.h_order": {"schema": "staging", "name": "h_order"}}}
    for project, manifest in (("dbt_vault", models), ("business_vault", business)):
        (tmp_path / project / "target").mkdir(parents=True)
        (tmp_path / project / "target" / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    # Swapped names: only the convention can tell the layers apart (the folders are not read for sources).
    naming = Naming(raw_vault_schema="staging", staging_schema="raw_vault")
    relations = load_relations(tmp_path, naming)
    assert {key: relation.kind for key, relation in relations.items()} == {
        "staging.h_order": "raw_vault", "raw_vault.stg_orders": "staging"}
