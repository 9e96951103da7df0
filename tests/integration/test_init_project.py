"""A project made by ``dvkit init`` loads its sample data, builds its raw vault and documents it as it stands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.build import build
from generator.cli import main
from generator.db import Database
from generator.dbt_docs import generate_docs
from generator.load.landing import load_batch
from generator.places import RAW_VAULT
from generator.render.plan import plan
from generator.render.writer import write
from generator.spec.validate import load_spec

pytestmark = [pytest.mark.db, pytest.mark.dbt]


def test_a_new_project_loads_and_builds(tmp_path: Path, fresh_db: Database) -> None:
    root = tmp_path / "shop"
    result = CliRunner().invoke(main, ["init", str(root)])
    assert result.exit_code == 0, result.output
    loaded = load_spec(root / "vault_spec", root)
    assert loaded.spec is not None, [str(p) for p in loaded.problems]
    spec = loaded.spec
    write(plan(spec), root)
    sample = root / (spec.settings.data_dir or "")
    rows = load_batch(fresh_db, spec, sample).rows
    assert sum(rows.values()) == 3
    outcome = build(root, fresh_db, spec, mode="builtin")
    counts = dict(outcome.row_counts)
    with fresh_db.connect() as conn:
        hub = conn.execute(f"select count(*) from {RAW_VAULT}.hub_customer").fetchone()
        sat = conn.execute(f"select count(*) from {RAW_VAULT}.sat_customer_details").fetchone()
        names = conn.execute(f"select customer_name from {RAW_VAULT}.sat_customer_details order by 1").fetchall()
    assert hub == (3,) and sat == (3,), counts
    assert [n for (n,) in names] == ["Ana Souza", "Bruno Lima", "Carla Dias"]
    # dbt's documentation of the built project: the catalog has the tables' columns from the database.
    sites = generate_docs(root, fresh_db, mode="builtin")
    assert sites == [root / "dbt_vault" / "target" / "index.html"] and sites[0].is_file()
    catalog = json.loads((root / "dbt_vault" / "target" / "catalog.json").read_text())
    tables = {node["metadata"]["name"]: node["columns"] for node in catalog["nodes"].values()}
    assert "customer_name" in {c.lower() for c in tables["sat_customer_details"]}
    assert "customer_hk" in {c.lower() for c in tables["hub_customer"]}
