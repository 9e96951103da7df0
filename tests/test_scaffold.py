"""``dvkit scaffold``: profiling CSV files (types, keys, inclusions, change rates) and the proposed spec."""

from __future__ import annotations

import doctest
import gzip
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import generator.profile.columns as columns_module
import generator.profile.files as files_module
import generator.profile.propose as propose_module
import generator.profile.scaffold as scaffold_module
from generator.cli import main
from generator.errors import DvkitError
from generator.profile.columns import ColumnProfile
from generator.profile.files import profile_file
from generator.profile.relations import inclusions
from generator.profile.scaffold import SPEC_FILE, scaffold
from generator.spec.validate import load_spec

CUSTOMERS = """\ufeffcustomer_id,name,zip,age,score,vip,signed_on,last_seen,city
C1,Ana,01037,31,4.5,true,2024-01-15,2024-03-01 10:00:00,Sao Paulo
C2,Bruno,20000,45,3,false,2024-02-03,2024-03-02 11:30:00,Rio
C3,"Carla, Jr",30100,,2.25,true,2024-02-20,,Belo Horizonte
C4,Dani,40000,28,5,false,2024-02-21,2024-03-04 09:00:00,Recife
"""
CUSTOMERS_LATER = """customer_id,name,zip,age,score,vip,signed_on,last_seen,city
C1,Ana,01037,31,4.5,true,2024-01-15,2024-03-01 10:00:00,Campinas
C2,Bruno,20000,45,3,false,2024-02-03,2024-03-02 11:30:00,Niteroi
"""
ORDERS = """order_id,customer_id,amount
O1,C1,10.5
O2,C1,20
O3,C2,7.25
O4,C4,1
"""
LINES = """order_id,line_no,product_id,qty
O1,1,P1,2
O1,2,P2,1
O2,1,P1,1
O3,1,P3,4
O3,2,P1,1
"""
PRODUCTS = """product_id,title
P1,Pen
P2,Ink
P3,Pad
"""


def _data(root: Path) -> Path:
    """Two batch folders: the snapshot, then two customers who moved."""
    first, second = root / "batch_000", root / "batch_001"
    first.mkdir(parents=True)
    second.mkdir()
    (first / "customers.csv").write_text(CUSTOMERS, encoding="utf-8")
    with gzip.open(first / "orders.csv.gz", "wt", encoding="utf-8", newline="") as handle:
        handle.write(ORDERS)
    (first / "order_lines.csv").write_text(LINES, encoding="utf-8")
    (first / "products.csv").write_text(PRODUCTS, encoding="utf-8")
    (second / "customers.csv").write_text(CUSTOMERS_LATER, encoding="utf-8")
    return root


def _entries(spec_dir: Path) -> dict[str, dict[str, dict]]:
    document = yaml.safe_load((spec_dir / SPEC_FILE).read_text(encoding="utf-8"))
    return {section: {entry["name"]: entry for entry in entries} for section, entries in document.items()}


def test_types_nulls_and_distinct_counts_per_column(tmp_path: Path) -> None:
    data = _data(tmp_path / "data")
    profile = profile_file(data / "batch_000" / "customers.csv", "customers")
    assert profile.rows == 4
    types = {c.name: c.type for c in profile.columns}
    assert types == {"customer_id": "text", "name": "text", "zip": "text", "age": "integer", "score": "numeric",
                     "vip": "boolean", "signed_on": "date", "last_seen": "timestamp", "city": "text"}
    assert profile.column("age").nulls == 1 and profile.column("last_seen").nulls == 1
    assert profile.column("vip").distinct == 2
    assert profile.key == ("customer_id",)


def test_a_pair_key_when_no_single_column_is_one(tmp_path: Path) -> None:
    data = _data(tmp_path / "data")
    assert profile_file(data / "batch_000" / "order_lines.csv", "order_lines").key == ("order_id", "line_no")


def test_distinct_tracking_stops_at_the_cap_and_then_no_key_is_claimed(tmp_path: Path) -> None:
    column = ColumnProfile("id", cap=2)
    for value in ("a", "b", "c"):
        column.add(value)
    assert column.many and column.distinct is None
    data = _data(tmp_path / "data")
    assert profile_file(data / "batch_000" / "products.csv", "products", cap=2).key == ()


def test_inclusion_dependencies_point_at_the_other_files_keys(tmp_path: Path) -> None:
    folder = _data(tmp_path / "data") / "batch_000"
    profiles = [profile_file(folder / name, name.split(".")[0])
                for name in ("customers.csv", "order_lines.csv", "orders.csv.gz", "products.csv")]
    found = {(i.source, i.column): (i.target, i.key) for i in inclusions(profiles)}
    assert found == {("orders", "customer_id"): ("customers", "customer_id"),
                     ("order_lines", "order_id"): ("orders", "order_id"),
                     ("order_lines", "product_id"): ("products", "product_id")}


def test_the_proposal_validates_and_models_hubs_links_and_satellites(tmp_path: Path) -> None:
    data = _data(tmp_path / "data")
    spec_dir = tmp_path / "project" / "vault_spec"
    done = scaffold(data, spec_dir)
    assert done.batches == 2
    result = load_spec(spec_dir, spec_dir.parent)
    assert result.ok, [str(p) for p in result.problems]
    entries = _entries(spec_dir)
    assert entries["sources"]["orders"]["file"] == "orders.csv"
    assert entries["sources"]["customers"]["columns"]["zip"] == "text"
    hubs = entries["hubs"]
    assert sorted(hubs) == ["customer", "order", "product"]
    assert [f["source"] for f in hubs["order"]["sources"]] == ["orders", "order_lines"]
    links = entries["links"]
    assert links["order_customer"]["hubs"] == ["order", "customer"]
    assert links["order_product"]["dependent_child_key"] == "line_no"
    sats = entries["satellites"]
    # Only the city changed in the second batch: it gets a satellite of its own.
    assert sats["customers_changing"]["payload"] == ["city"]
    assert "city" not in sats["customers_stable"]["payload"] and "name" in sats["customers_stable"]["payload"]
    assert sats["order_lines"]["parent"] == "order_product" and sats["order_lines"]["payload"] == ["qty"]
    text = (spec_dir / SPEC_FILE).read_text(encoding="utf-8")
    assert "# customer_id of orders.csv found in key customer_id of customers.csv: 100.0%" in text
    assert "# city: changed in 2 of 2 re-delivered keys (100%)" in text


def test_the_output_is_deterministic_and_not_overwritten_without_force(tmp_path: Path) -> None:
    data = _data(tmp_path / "data")
    scaffold(data, tmp_path / "a")
    with pytest.raises(DvkitError, match="exists"):
        scaffold(data, tmp_path / "a")
    scaffold(data, tmp_path / "a", force=True)
    scaffold(data, tmp_path / "b")
    assert (tmp_path / "a" / SPEC_FILE).read_bytes() == (tmp_path / "b" / SPEC_FILE).read_bytes()


def test_the_command_writes_a_spec_that_generates(tmp_path: Path) -> None:
    data = _data(tmp_path / "data")
    project = tmp_path / "shop"
    runner = CliRunner()
    assert runner.invoke(main, ["init", str(project)]).exit_code == 0
    (project / "vault_spec" / "example.yml").unlink()
    (project / "vault_spec" / "settings.yml").rename(project / "vault_spec" / "project.yml")
    result = runner.invoke(main, ["scaffold", str(data), "--out", str(project / "vault_spec")])
    assert result.exit_code == 0, result.output
    assert "profiled 4 file(s) in 2 batch folders" in result.output
    assert "proposed 3 hub(s), 2 link(s)" in result.output
    assert f"wrote {project / 'vault_spec' / 'settings.yml'}" not in result.output  # init's is kept
    generated = runner.invoke(main, ["--project", str(project), "generate"])
    assert generated.exit_code == 0, generated.output
    assert (project / "dbt_vault" / "models" / "raw_vault" / "links" / "link_order_product.sql").is_file()


def test_a_folder_without_csv_files_is_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["scaffold", str(tmp_path), "--out", str(tmp_path / "spec")])
    assert result.exit_code == 1 and "no .csv or .csv.gz file" in result.output


def test_the_synthetic_olist_files_give_its_main_hubs_and_the_order_item_link(tmp_path: Path) -> None:
    from olist_example.synth import generate

    generate(0.002, tmp_path / "olist")
    spec_dir = tmp_path / "vault_spec"
    scaffold(tmp_path / "olist", spec_dir)
    assert load_spec(spec_dir, tmp_path).ok
    entries = _entries(spec_dir)
    assert {"order", "product", "seller"} <= set(entries["hubs"])
    items = [link for link in entries["links"].values() if link["sources"] == [{"source": "order_items"}]]
    assert len(items) == 1 and items[0]["hubs"] == ["order", "product", "seller"]
    assert items[0]["dependent_child_key"] == "order_item_id"
    # The data cannot tell that the person is customer_unique_id; the proposal points at it.
    assert entries["hubs"]["customer"]["business_key"] == "customer_id"
    assert "# customer_unique_id is almost a key too" in (spec_dir / SPEC_FILE).read_text(encoding="utf-8")


@pytest.mark.parametrize("module", [columns_module, files_module, propose_module, scaffold_module])
def test_doctests(module: object) -> None:
    assert doctest.testmod(module).failed == 0  # type: ignore[arg-type]


def test_a_key_found_in_another_key_feeds_its_hub_and_a_renamed_column_names_its_key(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "leads.csv").write_text("lead_id,origin\nL1,web\nL2,mail\nL3,web\n", encoding="utf-8")
    (data / "deals.csv").write_text("lead_id,won_by,amount\nL1,S1,5\nL3,S2,7\n", encoding="utf-8")
    (data / "staff.csv").write_text("staff_id,name\nS1,Ana\nS2,Bia\n", encoding="utf-8")
    spec_dir = tmp_path / "vault_spec"
    scaffold(data, spec_dir)
    assert load_spec(spec_dir, tmp_path).ok
    entries = _entries(spec_dir)
    assert sorted(entries["hubs"]) == ["lead", "staff"]
    assert entries["hubs"]["lead"]["sources"] == [{"source": "leads"}, {"source": "deals"}]
    assert entries["hubs"]["staff"]["sources"] == [{"source": "staff"}, {"source": "deals", "business_key": "won_by"}]
    assert entries["links"]["lead_staff"]["hubs"] == ["lead", "staff"]
    assert entries["satellites"]["deals"] == {"name": "deals", "parent": "lead", "source": "deals",
                                              "payload": ["amount"]}
