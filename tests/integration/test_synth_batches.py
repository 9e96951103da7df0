"""Synthetic change batches through the Olist vault: new satellite versions exactly for the changed keys.

The snapshot (batch_000) is loaded and built, then each change batch; a change batch holds only the
customers, products and sellers files, which the loader takes as a batch of those sources alone.
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

import pytest

from generator.build import build, row_counts
from generator.db import Database, ensure_database
from generator.load.landing import load_batch
from generator.spec.model import Spec
from generator.spec.validate import load_spec
from olist_example.synth import generate_batches

from ..conftest import REPO

pytestmark = [pytest.mark.db, pytest.mark.dbt]

BATCHES = 2
FIRST_LOAD = dt.datetime(2019, 1, 1)
# satellite -> (hub, business key column, changed file, column of the key in that file)
CHANGED = {
    "sat_customer_location": ("hub_customer", "customer_unique_id", "olist_customers_dataset.csv", 1),
    "sat_product_details": ("hub_product", "product_id", "olist_products_dataset.csv", 0),
    "sat_seller_location": ("hub_seller", "seller_id", "olist_sellers_dataset.csv", 0),
}


def _keys(path: Path, column: int) -> set[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))[1:]
    return {row[column] for row in rows}


def _new_versions(db: Database, sat: str, hub: str, key: str, load_time: dt.datetime) -> list[str]:
    with db.connect() as conn:
        rows = conn.execute(
            f"select h.{key} from raw_vault.{sat} s join raw_vault.{hub} h using ({hub.removeprefix('hub_')}_hk) "
            "where s.load_datetime = %s order by 1", (load_time,)).fetchall()
    return [r[0] for r in rows]


@pytest.fixture(scope="module")
def setup(pg_server: Database, tmp_path_factory: pytest.TempPathFactory) -> tuple[Database, Path, Spec, Path]:
    root = tmp_path_factory.mktemp("synth_batches")
    shutil.copytree(REPO / "vault_spec", root / "vault_spec")
    shutil.copytree(REPO / "dbt_vault", root / "dbt_vault",
                    ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    result = load_spec(root / "vault_spec", root)
    assert result.spec is not None
    data = root / "data"
    generate_batches(0.002, data, seed=11, batches=BATCHES, change_rate=0.01)
    ensure_database(pg_server, "synth_batches")
    db = Database(**{**pg_server.__dict__, "dbname": "synth_batches"})
    return db, root, result.spec, data


def test_change_batches_add_satellite_versions_for_the_changed_keys_only(setup) -> None:
    db, root, spec, data = setup
    loaded = load_batch(db, spec, data / "batch_000", FIRST_LOAD)
    assert not loaded.skipped
    build(root, db, spec, mode="builtin")
    for b in range(1, BATCHES + 1):
        before = dict(row_counts(db, spec))
        folder = data / f"batch_{b:03d}"
        load_time = FIRST_LOAD + dt.timedelta(days=b)
        loaded = load_batch(db, spec, folder, load_time)
        # only the three changed files are there; the loader skips the other sources
        assert set(loaded.rows) == {"customers", "products", "sellers"}
        assert set(loaded.skipped) == {s.name for s in spec.sources} - {"customers", "products", "sellers"}
        build(root, db, spec, mode="builtin")
        after = dict(row_counts(db, spec))
        for sat, (hub, key, file, column) in CHANGED.items():
            changed = _keys(folder / file, column)
            assert changed, file
            assert _new_versions(db, sat, hub, key, load_time) == sorted(changed), sat
            assert after[sat] - before[sat] == len(changed), sat
        # no new hub or link rows, and no other table moves
        unchanged = {t: n for t, n in after.items() if t not in CHANGED}
        assert unchanged == {t: n for t, n in before.items() if t not in CHANGED}, b
