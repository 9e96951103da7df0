"""End to end on the real Olist subset: load, build the raw vault with dbt, load again.

Uses the real data in ../shared/data/olist when present, else a synthetic set (tests/conftest.py).
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from psycopg import sql

from generator.build import build, row_counts
from generator.db import Database
from generator.load.landing import load_batch
from generator.load.reader import find_file, open_text
from generator.spec.model import Spec
from generator.spec.validate import load_spec

from ..conftest import REPO, olist_data

pytestmark = [pytest.mark.db, pytest.mark.dbt]


@pytest.fixture(scope="module")
def data_dir() -> Path:
    return olist_data()


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the repository's spec and dbt project, so runs leave the work tree alone."""
    root = tmp_path_factory.mktemp("project")
    shutil.copytree(REPO / "vault_spec", root / "vault_spec")
    shutil.copytree(REPO / "dbt_vault", root / "dbt_vault",
                    ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    return root


@pytest.fixture(scope="module")
def spec(project: Path) -> Spec:
    result = load_spec(project / "vault_spec", project)
    assert result.spec is not None
    return result.spec


@pytest.fixture(scope="module")
def vault(pg_server: Database, project: Path, spec: Spec, data_dir: Path) -> Database:
    from generator.db import ensure_database

    ensure_database(pg_server, "olist_vault")
    db = Database(**{**pg_server.__dict__, "dbname": "olist_vault"})
    load_batch(db, spec, data_dir)
    build(project, db, spec, mode="builtin")
    return db


def _distinct(data_dir: Path, file: str, column: str) -> int:
    path = find_file(data_dir, file)
    assert path is not None
    with open_text(path) as handle:
        return len({row[column].strip().upper() for row in csv.DictReader(handle) if row[column].strip()})


def _scalar(db: Database, query: sql.Composable | str) -> int:
    with db.connect() as conn:
        row = conn.execute(query).fetchone()
    assert row is not None
    return int(row[0])


def test_order_hub_has_one_row_per_distinct_order_id(vault: Database, data_dir: Path) -> None:
    assert _scalar(vault, "select count(*) from raw_vault.hub_order") == _distinct(
        data_dir, "olist_orders_dataset.csv", "order_id")
    assert _scalar(vault, "select count(distinct order_id) from raw_vault.hub_order") == _scalar(
        vault, "select count(*) from raw_vault.hub_order")


def test_customer_hub_has_one_row_per_customer_unique_id(vault: Database, data_dir: Path) -> None:
    assert _scalar(vault, "select count(*) from raw_vault.hub_customer") == _distinct(
        data_dir, "olist_customers_dataset.csv", "customer_unique_id")


def test_every_satellite_row_has_its_parent(vault: Database, spec: Spec) -> None:
    for sat in spec.satellites:
        parent = spec.parent_of(sat)
        orphans = sql.SQL("select count(*) from {s} where record_source <> 'AUTOMATE_DV_SYSTEM' "
                          "and not exists (select 1 from {p} where {p}.{k} = {s}.{k})")
        query = orphans.format(s=sql.Identifier("raw_vault", sat.model), p=sql.Identifier("raw_vault", parent.model),
                               k=sql.Identifier(parent.key))
        assert _scalar(vault, query) == 0, sat.model
        assert _scalar(vault, sql.SQL("select count(*) from {}").format(sql.Identifier("raw_vault", sat.model))) > 0


def test_keys_are_16_byte_md5_matching_python(vault: Database) -> None:
    from generator.hashing import hash_key

    with vault.connect() as conn:
        order_id, key = conn.execute("select order_id, order_hk from raw_vault.hub_order limit 1").fetchone()
    assert bytes(key) == hash_key([order_id]) and len(bytes(key)) == 16


def test_loading_the_same_files_again_adds_nothing(vault: Database, project: Path, spec: Spec,
                                                   data_dir: Path) -> None:
    before = dict(row_counts(vault, spec))
    load_batch(vault, spec, data_dir)
    result = build(project, vault, spec, mode="builtin")
    assert result.batch_from == result.batch_to  # the new batch was staged
    after = dict(row_counts(vault, spec))
    # An extended tracking satellite records every delivery, by design: one row per re-delivered order.
    tracked = {x.model for x in spec.tracking_satellites}
    assert {t: n for t, n in after.items() if t not in tracked} == {t: n for t, n in before.items() if t not in tracked}
    orders = _distinct(data_dir, "olist_orders_dataset.csv", "order_id")
    assert after["xts_order"] == before["xts_order"] + orders
