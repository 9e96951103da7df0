"""dvkit lineage: from a mart column down to the source CSV column.

Unit tests run on a small hand-made project (two manifests like dbt writes them, no database);
the integration tests build the Olist vault and marts once and trace every column of them.
"""

from __future__ import annotations

import hashlib
import json
import os
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

from generator.cli import main
from generator.cli.lineage import render_tree
from generator.compliance.lineage import (
    LineageGraph,
    LineageNode,
    csv_origin,
    landing_node,
    lineage,
    manifest_problem,
    to_json,
)
from generator.db import Database, ensure_database
from generator.errors import DvkitError
from generator.spec.model import Origin, Source, Spec

from ..conftest import olist_data

# -- a small project ---------------------------------------------------------------------------------

ITEMS = Source(name="items", file="shop_items.csv", record_source="shop.items",
               columns=(("order_id", "text"), ("price", "numeric"), ("freight", "numeric")),
               origin=Origin("vault_spec/sources.yml", 3))
SPEC = Spec(sources=(ITEMS,))

# project -> model file -> (schema, compiled SQL); the model files hold the compiled SQL itself.
MODELS = {
    "dbt_vault": {
        "models/staging/pending_items.sql": ("staging", """
            with landed as (
                select * from "dev"."landing"."items"
                where _batch_id between 1 and 1
            )
            select landed.* from landed
        """),
        "models/staging/stg_items.sql": ("staging", """
            with source_data as (
                select * from "dev"."staging"."pending_items"
            ),
            hashed_columns as (
                select
                    order_id,
                    price,
                    freight,
                    _load_ts as load_datetime,
                    _record_source as record_source,
                    decode(md5(nullif(upper(trim(cast(order_id as varchar))), '')), 'hex') as order_hk
                from source_data
            )
            select * from hashed_columns
        """),
        "models/raw_vault/sat_item.sql": ("raw_vault", """
            with staged as (
                select order_hk, price, freight, cast(load_datetime as timestamp) as load_datetime,
                       cast(record_source as text) as record_source
                from "dev"."staging"."stg_items"
                where order_hk is not null
            ),
            latest as (
                select order_hk, max(load_datetime) as stored_ldts
                from "dev"."raw_vault"."sat_item" as stored
                group by order_hk
            )
            select
                staged.order_hk,
                staged.price,
                staged.freight,
                greatest(staged.load_datetime, latest.stored_ldts) as load_datetime,
                staged.record_source
            from staged
            left join latest on latest.order_hk = staged.order_hk
            union all
            select
                convert_to(repeat('0', 32), 'UTF8') as order_hk,
                null as price,
                null as freight,
                timestamp '1900-01-01 00:00:00' as load_datetime,
                text 'AUTOMATE_DV_SYSTEM' as record_source
        """),
    },
    "business_vault": {
        "models/marts/fct_items.sql": ("marts", """
            with prices as (
                select order_hk, price, freight, load_datetime
                from "dev"."raw_vault"."sat_item"
                where record_source <> 'AUTOMATE_DV_SYSTEM'
            )
            select
                prices.order_hk,
                prices.price,
                prices.price + prices.freight as item_value,
                'shop' as shop_name,
                cast(prices.load_datetime as date) as load_date
            from prices
        """),
        "models/marts/mart_totals.sql": ("marts", """
            select order_hk, count(*) as items, sum(item_value) as total
            from "dev"."marts"."fct_items"
            group by order_hk
        """),
    },
}
PACKAGES = {"dbt_vault": "dvkit_vault", "business_vault": "dvkit_business_vault"}


def _manifest(project: str, files: dict[str, tuple[str, str]]) -> dict:
    nodes = {}
    for path, (schema, sql) in files.items():
        name = Path(path).stem
        text = textwrap.dedent(sql).strip()
        nodes[f"model.{PACKAGES[project]}.{name}"] = {
            "resource_type": "model", "package_name": PACKAGES[project], "name": name, "alias": name,
            "schema": schema, "database": "dev", "fqn": [PACKAGES[project], *Path(path).parts[1:-1], name],
            "original_file_path": path, "checksum": {"name": "sha256",
                                                     "checksum": hashlib.sha256(text.encode()).hexdigest()},
            "compiled_code": text, "columns": {},
            "relation_name": f'"dev"."{schema}"."{name}"',
        }
    if project == "dbt_vault":
        sources = {"source.dvkit_vault.landing.items": {
            "schema": "landing", "name": "items", "identifier": "items", "columns": {}}}
    else:
        sources = {"source.dvkit_business_vault.raw_vault.sat_item": {
            "schema": "raw_vault", "name": "sat_item", "identifier": "sat_item",
            "columns": {c: {"name": c} for c in ("order_hk", "price", "freight", "load_datetime", "record_source")}}}
    return {"metadata": {"project_name": PACKAGES[project]}, "nodes": nodes, "sources": sources, "macros": {}}


def make_small_project(root: Path) -> Path:
    for project, files in MODELS.items():
        (root / project).mkdir(parents=True)
        (root / project / "dbt_project.yml").write_text(f"name: {PACKAGES[project]}\n", encoding="utf-8")
        for path, (_, sql) in files.items():
            (root / project / path).parent.mkdir(parents=True, exist_ok=True)
            (root / project / path).write_text(textwrap.dedent(sql).strip() + "\n", encoding="utf-8")
        (root / project / "target").mkdir()
        (root / project / "target" / "manifest.json").write_text(json.dumps(_manifest(project, files)),
                                                                 encoding="utf-8")
    return root


@pytest.fixture()
def small(tmp_path: Path) -> Path:
    return make_small_project(tmp_path)


def _chain(node: LineageNode) -> list[str]:
    """The labels down the first input of each node."""
    labels = [node.label]
    while node.inputs:
        node = node.inputs[0]
        labels.append(node.label)
    return labels


# -- unit: the spec side -------------------------------------------------------------------------------

def test_a_landing_column_is_the_csv_column_of_the_same_name() -> None:
    node = landing_node(SPEC, "items", "price")
    assert (node.relation, node.column, node.kind) == ("landing.items", "price", "landing")
    assert node.inputs == (LineageNode(relation="shop_items.csv", column="price", kind="csv"),)
    assert node.inputs[0].label == "shop_items.csv : price"


def test_loader_columns_are_constants_of_the_batch() -> None:
    record_source = csv_origin(SPEC, "items", "_record_source")
    assert record_source.kind == "constant" and "'shop.items'" in (record_source.value or "")
    load_time = csv_origin(SPEC, "items", "_load_ts")
    assert load_time.kind == "constant" and "load time" in (load_time.value or "")


def test_a_column_the_spec_does_not_know_names_the_closest() -> None:
    with pytest.raises(DvkitError) as caught:
        csv_origin(SPEC, "items", "prize")
    assert "no column 'prize'" in caught.value.message and "'price'" in (caught.value.hint or "")
    with pytest.raises(DvkitError) as caught:
        csv_origin(SPEC, "itmes", "price")
    assert "'items'" in (caught.value.hint or "")


# -- unit: the chain over compiled SQL, without a database ----------------------------------------------

def test_a_mart_column_reaches_the_csv_column(small: Path) -> None:
    node = lineage(small, SPEC, None, "fct_items.price")
    assert _chain(node) == ["marts.fct_items.price", "raw_vault.sat_item.price", "staging.stg_items.price",
                            "staging.pending_items.price", "landing.items.price", "shop_items.csv : price"]
    assert [n.kind for n in node.walk()] == ["mart", "raw_vault", "staging", "staging", "landing", "csv"]


def test_a_computed_column_branches_into_each_input(small: Path) -> None:
    node = lineage(small, SPEC, None, "fct_items.item_value")
    assert node.derivation == ("prices.price + prices.freight",)
    assert [leaf.label for leaf in node.leaves()] == ["shop_items.csv : freight", "shop_items.csv : price"]
    total = lineage(small, SPEC, None, "mart_totals.total")
    assert [leaf.label for leaf in total.leaves()] == ["shop_items.csv : freight", "shop_items.csv : price"]


def test_a_hash_key_is_derived_from_its_business_key(small: Path) -> None:
    node = lineage(small, SPEC, None, "fct_items.order_hk")
    staged = node.inputs[0].inputs[0]
    assert staged.label == "staging.stg_items.order_hk"
    assert staged.derivation and "MD5" in staged.derivation[0].upper()
    assert [leaf.label for leaf in node.leaves()] == ["shop_items.csv : order_id"]


def test_count_star_is_derived_from_what_it_counts_per(small: Path) -> None:
    node = lineage(small, SPEC, None, "mart_totals.items")
    assert node.derivation == ("COUNT(*)  -- rows per fct_items.order_hk",)
    assert [leaf.label for leaf in node.leaves()] == ["shop_items.csv : order_id"]


def test_literals_end_a_branch_and_ghost_records_and_own_rows_are_left_out(small: Path) -> None:
    shop = lineage(small, SPEC, None, "fct_items.shop_name")
    assert shop.inputs == (LineageNode(relation="marts.fct_items", column=None, kind="constant", value="'shop'"),)
    # the satellite's ghost record (NULL price) and its own stored rows are not origins
    price = lineage(small, SPEC, None, "sat_item.price")
    assert [n.label for n in price.inputs] == ["staging.stg_items.price"]
    load_date = lineage(small, SPEC, None, "fct_items.load_date")
    assert [leaf.label for leaf in load_date.leaves()] == [
        "constant the load time of the batch (dvkit load) (in landing.items)"]


def test_json_is_stable_and_documented(small: Path) -> None:
    first = json.dumps(to_json("fct_items.item_value", lineage(small, SPEC, None, "fct_items.item_value")))
    again = json.dumps(to_json("fct_items.item_value", lineage(small, SPEC, None, "fct_items.item_value")))
    assert first == again
    shape = json.loads(first)
    assert set(shape) == {"column", "node"} and shape["column"] == "fct_items.item_value"
    for node in _json_nodes(shape["node"]):
        assert set(node) == {"relation", "column", "kind", "derivation", "value", "inputs"}
        keys = [(i["relation"] or "", i["column"] or "", i["kind"], i["value"] or "") for i in node["inputs"]]
        assert keys == sorted(keys)
    assert [i["column"] for i in shape["node"]["inputs"]] == ["freight", "price"]


def _json_nodes(node: dict) -> list[dict]:
    return [node, *(n for child in node["inputs"] for n in _json_nodes(child))]


def test_unknown_model_names_the_closest(small: Path) -> None:
    with pytest.raises(DvkitError) as caught:
        lineage(small, SPEC, None, "fct_item.price")
    assert caught.value.message == "unknown model 'fct_item'"
    assert "'fct_items'" in (caught.value.hint or "")


def test_unknown_column_lists_the_columns_of_the_model(small: Path) -> None:
    with pytest.raises(DvkitError) as caught:
        lineage(small, SPEC, None, "fct_items.prise")
    assert caught.value.message == "fct_items has no column 'prise'"
    hint = caught.value.hint or ""
    assert "did you mean 'price'?" in hint
    assert "columns of fct_items: item_value, load_date, order_hk, price, shop_name" in hint


def test_a_target_must_name_a_column(small: Path) -> None:
    with pytest.raises(DvkitError, match="is not MODEL.COLUMN"):
        lineage(small, SPEC, None, "fct_items")


def test_a_stale_manifest_needs_the_database_to_be_compiled(small: Path) -> None:
    assert manifest_problem(small, "business_vault") is None
    model = small / "business_vault" / "models" / "marts" / "fct_items.sql"
    model.write_text(model.read_text(encoding="utf-8") + "-- changed\n", encoding="utf-8")
    assert "fct_items.sql changed" in (manifest_problem(small, "business_vault") or "")
    with pytest.raises(DvkitError) as caught:
        lineage(small, SPEC, None, "fct_items.price")
    assert "needs the database" in caught.value.message and "dvkit db start" in (caught.value.hint or "")
    (small / "dbt_vault" / "target" / "manifest.json").unlink()
    assert manifest_problem(small, "dbt_vault") == "missing"


def test_a_model_added_after_the_compile_makes_the_manifest_stale(small: Path) -> None:
    (small / "business_vault" / "models" / "marts" / "dim_new.sql").write_text("select 1 as one\n")
    assert "dim_new.sql is not in it" in (manifest_problem(small, "business_vault") or "")


def test_the_tree_shows_the_chain_down_to_the_file(small: Path) -> None:
    console = Console(width=200, record=True, color_system=None)
    console.print(render_tree("fct_items.item_value", lineage(small, SPEC, None, "fct_items.item_value")))
    text = console.export_text()
    assert text.splitlines()[0].startswith("fct_items.item_value (marts.fct_items.item_value)")
    assert "= prices.price + prices.freight" in text
    assert "landing.items.freight" in text and "shop_items.csv : price" in text


def test_the_command_prints_json_and_friendly_errors(small: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (small / "vault_spec").mkdir()
    monkeypatch.setenv("DVKIT_DATABASE_URL", "postgresql://nobody@127.0.0.1:9/none?connect_timeout=2")
    monkeypatch.setattr("generator.cli.lineage.project_spec", lambda project: SPEC)
    runner = CliRunner()
    result = runner.invoke(main, ["--project", str(small), "lineage", "fct_items.price", "--format", "json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["node"]["relation"] == "marts.fct_items"
    tree = runner.invoke(main, ["--project", str(small), "lineage", "fct_items.price"])
    assert tree.exit_code == 0 and "shop_items.csv : price" in tree.stdout
    wrong = runner.invoke(main, ["--project", str(small), "lineage", "fct_itemz.price"])
    assert wrong.exit_code == 1 and "unknown model 'fct_itemz'" in wrong.output
    assert "Traceback" not in wrong.output


def test_a_subquery_sqlglot_cannot_follow_is_an_error_not_a_warning(small: Path,
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    """A column list without ``freight`` (what a role without its privilege used to get) leaves
    sqlglot unable to follow the staging subquery: refused for that column, silent on stderr."""
    graph = LineageGraph(small, SPEC, compile=False)
    graph._db_columns = {"landing.items": ("order_id", "price", "_batch_id", "_load_ts", "_record_source",
                                           "_source_file", "_source_line")}
    caplog.set_level("WARNING")
    with pytest.raises(DvkitError, match=r"stg_items\.freight: sqlglot could not follow the subquery") as error:
        graph.resolve("fct_items.item_value")
    assert "dvkit build" in (error.value.hint or "")
    assert [leaf.label for leaf in graph.resolve("fct_items.price").leaves()] == ["shop_items.csv : price"]
    assert "Unknown subquery scope" not in caplog.text


# -- integration: the Olist vault and marts ------------------------------------------------------------



@pytest.fixture(scope="module")
def olist(pg_server: Database, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Spec, Database]:
    """The Olist subset loaded in one batch and built up to the marts."""
    from generator.build import build
    from generator.load.landing import load_batch

    from ..integration.project import make_project
    from ..integration.test_marts import copy_business_vault

    root, spec = make_project(tmp_path_factory.mktemp("lineage"))
    copy_business_vault(root)
    ensure_database(pg_server, "lineage")
    db = Database(**{**pg_server.__dict__, "dbname": "lineage"})
    load_batch(db, spec, olist_data())
    build(root, db, spec, mode="builtin")
    return root, spec, db


@pytest.fixture(scope="module")
def graph(olist: tuple[Path, Spec, Database]) -> LineageGraph:
    root, spec, db = olist
    return LineageGraph(root, spec, db)


@pytest.mark.db
@pytest.mark.dbt
def test_item_price_reaches_the_items_file(olist: tuple[Path, Spec, Database]) -> None:
    root, spec, db = olist
    node = lineage(root, spec, db, "fct_order_items.price")
    assert _chain(node) == [
        "marts.fct_order_items.price", "raw_vault.sat_order_item_price.price",
        "staging.stg_sat_order_item_price.price", "staging.stg_order_items.price",
        "staging.pending_order_items.price", "landing.order_items.price", "olist_order_items_dataset.csv : price"]
    assert [leaf.label for leaf in node.leaves()] == ["olist_order_items_dataset.csv : price"]


@pytest.mark.db
@pytest.mark.dbt
def test_order_value_branches_to_price_and_freight(graph: LineageGraph) -> None:
    node = graph.resolve("fct_orders.order_value")
    assert node.inputs[0].label == "business_vault.bsat_order_value.order_value"
    assert [leaf.label for leaf in node.leaves()] == ["olist_order_items_dataset.csv : freight_value",
                                                      "olist_order_items_dataset.csv : price"]
    landing = {n.label for n in node.walk() if n.kind == "landing"}
    assert landing == {"landing.order_items.freight_value", "landing.order_items.price"}


@pytest.mark.db
@pytest.mark.dbt
def test_hash_keys_and_dates_lead_to_their_columns(graph: LineageGraph) -> None:
    items = graph.resolve("fct_orders.item_count")  # count(*) per order_hk: the hash of order_id
    hashed = [n for n in items.walk() if n.label == "staging.stg_order_items.order_hk"]
    assert hashed and "MD5" in hashed[0].derivation[0].upper()
    assert [leaf.label for leaf in items.leaves()] == ["olist_order_items_dataset.csv : order_id"]
    days = graph.resolve("fct_orders.days_to_deliver")
    assert [leaf.label for leaf in days.leaves()] == ["olist_orders_dataset.csv : order_delivered_customer_date",
                                                      "olist_orders_dataset.csv : order_purchase_timestamp"]
    month = graph.resolve("mart_delivery_sla_monthly.delivery_month")
    assert [leaf.label for leaf in month.leaves()] == ["olist_orders_dataset.csv : order_delivered_customer_date"]
    pit = graph.resolve("pit_order.order_hk")
    assert {leaf.relation for leaf in pit.leaves()} == {
        "olist_orders_dataset.csv", "olist_order_items_dataset.csv", "olist_order_payments_dataset.csv",
        "olist_order_reviews_dataset.csv"}
    assert {leaf.column for leaf in pit.leaves()} == {"order_id"}


@pytest.mark.db
@pytest.mark.dbt
def test_every_column_of_the_marts_and_business_vault_resolves(olist: tuple[Path, Spec, Database],
                                                               graph: LineageGraph) -> None:
    _, _, db = olist
    with db.connect() as conn:
        columns = conn.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where table_schema = any(%s) order by 1, 2, ordinal_position", (["marts", "business_vault"],)).fetchall()
    assert len({(s, t) for s, t, _ in columns}) >= 16
    unresolved = []
    for schema, table, column in columns:
        node = graph.resolve(f"{schema}.{table}.{column}")
        assert node.relation == f"{schema}.{table}" and node.column == column
        leaves = node.leaves()
        if not leaves or any(leaf.kind not in ("csv", "constant") for leaf in leaves):
            unresolved.append(f"{schema}.{table}.{column}")
    assert unresolved == []


@pytest.mark.db
@pytest.mark.dbt
def test_the_command_on_the_built_project(olist: tuple[Path, Spec, Database], monkeypatch: pytest.MonkeyPatch) -> None:
    root, _, db = olist
    monkeypatch.setenv("DVKIT_DATABASE_URL", db.conninfo())
    result = CliRunner().invoke(main, ["--project", str(root), "lineage", "fct_order_items.price"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("fct_order_items.price (marts.fct_order_items.price)")
    assert any(line.endswith("landing.order_items.price  [landing]") for line in lines)
    assert any(line.endswith("olist_order_items_dataset.csv : price") for line in lines)


@pytest.mark.db
@pytest.mark.dbt
def test_a_changed_model_is_compiled_again(olist: tuple[Path, Spec, Database]) -> None:
    """Runs last: it edits a mart of the module's project."""
    root, spec, db = olist
    model = root / "business_vault" / "models" / "marts" / "fct_order_items.sql"
    anchor = "current_prices.shipping_limit_date as shipping_limit_at,"
    text = model.read_text(encoding="utf-8")
    assert anchor in text, "the mart changed: pick another line to add a column after"
    model.write_text(text.replace(anchor, anchor + "\n        current_prices.price * 2 as double_price,"),
                     encoding="utf-8")
    assert manifest_problem(root, "business_vault") is not None
    node = lineage(root, spec, db, "fct_order_items.double_price")
    assert manifest_problem(root, "business_vault") is None
    assert node.derivation == ("current_prices.price * 2",)
    assert [leaf.label for leaf in node.leaves()] == ["olist_order_items_dataset.csv : price"]
    assert os.path.exists(root / "business_vault" / "target" / "manifest.json")
