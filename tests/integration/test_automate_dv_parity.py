"""The same spec and batches give the same vault with AutomateDV's release and with dvkit's own macros.

The oracle is the release as the dbt hub delivers it (AutomateDV 0.11.5 with dbt_utils 1.4.1, read from
the shared reference folder and installed into the project's ``dbt_packages/``, where ``dbt deps``
puts it). Each scenario loads its batches into one database, copies it, and builds one copy with each
package through ``dvkit build`` (the release's in a second process, at the same time): the built-in
stages every pending batch in one dbt run, the release one batch per run (as dvkit runs it). Then
every table of the compared schemas must be identical: the same columns with the same types, and the
same rows as a multiset (a doubled row is a difference).

Scenarios:
- ``paths``: a small spec of every entity kind (a ``payload_added`` column, both kinds of reference
  table) and four hand-made batches that take every incremental path of every table macro: new,
  changed, unchanged, case-only and A -> B -> A satellite rows; a multi-active set with a changed,
  an added and a removed member; an effectivity satellite whose relationship moves and comes back;
  re-deliveries for the tracking satellite; reference keys delivered twice. Raw and business vault.
- ``olist_one_shot``: the real Olist subset as one batch. Raw vault, business vault and marts.
- ``olist_monthly``: the real Olist subset replayed by month from August 2018 (the first batch holds
  everything known by then; each later month brings new orders and status changes).
- ``synthetic``: ``dvkit synth`` data with a change batch (customers, products and sellers moved).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import textwrap
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from psycopg import sql

from generator.build import build
from generator.db import Database, ensure_database
from generator.load.landing import load_batch
from generator.load.replay import load_replay
from generator.spec.model import Spec
from olist_example.synth import generate_batches

from ..conftest import OLIST_DATA, OLIST_RULES, RELEASED_PACKAGES, REPO, needs_real_olist
from .paths_scenario import PATHS_SPEC, load_paths
from .project import make_project
from .vault_compare import TableContent, row_differences, vault_tables

pytestmark = [
    pytest.mark.db,
    pytest.mark.dbt,
    pytest.mark.skipif(not (RELEASED_PACKAGES / "automate_dv" / "dbt_project.yml").exists(),
                       reason="needs the released AutomateDV and dbt_utils in ../shared/reference/dbt_packages"),
]
needs_olist = needs_real_olist  # its figures are the real subset's

NAMES = ("built-in", "release")
RELEASE_BUILD_LIMIT = 900  # seconds
Loader = Callable[[Database, Spec], None]


class Built:
    """One scenario built twice: the tables of each build, and the release's database for checks."""

    def __init__(self, builtin: dict[str, TableContent], release: dict[str, TableContent], db: Database) -> None:
        self.builtin, self.release, self.release_db = builtin, release, db

    def differences(self) -> list[str]:
        return row_differences(self.builtin, self.release, NAMES)

    def count(self, query: str) -> int:
        with self.release_db.connect() as conn:
            return int(conn.execute(query).fetchone()[0])  # type: ignore[index]


def build_both(server: Database, root: Path, spec_files: dict[str, str] | None, business_vault: str,
               load: Loader, schemas: tuple[str, ...]) -> Built:
    """Load once, copy the database, build one copy with each package, read both."""
    builtin_root, spec = make_project(root / "builtin", spec_files, business_vault)
    release_root, _ = make_project(root / "release", spec_files, business_vault)
    for package in ("automate_dv", "dbt_utils"):
        shutil.copytree(RELEASED_PACKAGES / package, release_root / "dbt_vault" / "dbt_packages" / package)
    name = f"parity_{uuid.uuid4().hex[:8]}"
    ensure_database(server, name)
    builtin_db = Database(**{**server.__dict__, "dbname": name})
    load(builtin_db, spec)
    release_db = Database(**{**server.__dict__, "dbname": f"{name}_release"})
    with server.connect(autocommit=True) as conn:
        conn.execute(sql.SQL("create database {} template {}").format(
            sql.Identifier(release_db.dbname), sql.Identifier(name)))
    # The release builds in a second process meanwhile: dbt mostly waits on the database, and the
    # release runs dbt once per batch.
    release = subprocess.Popen(
        [sys.executable, "-m", "generator.cli", "--project", str(release_root), "build", "--automate-dv", "hub"],
        env={**os.environ, "DVKIT_DATABASE_URL": release_db.display_url(),
             "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))},
        cwd=release_root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        build(builtin_root, builtin_db, spec, mode="builtin")
    finally:
        output, _ = release.communicate(timeout=RELEASE_BUILD_LIMIT)
    assert release.returncode == 0, output
    assert "built with AutomateDV 0.11.5: hub release" in output, output
    return Built(vault_tables(builtin_db, schemas), vault_tables(release_db, schemas), release_db)


# -- paths: every incremental path of every table macro ---------------------------------------------

@pytest.fixture(scope="module")
def paths(pg_server: Database, tmp_path_factory: pytest.TempPathFactory) -> Built:
    root = tmp_path_factory.mktemp("parity_paths")
    spec = {name: textwrap.dedent(text) for name, text in PATHS_SPEC.items()}
    return build_both(pg_server, root, spec, "generated", load_paths(root / "data"),
                      ("raw_vault", "business_vault"))


def test_every_incremental_path_gives_the_same_vault(paths: Built) -> None:
    assert not paths.differences(), "\n".join(paths.differences())


def test_the_paths_scenario_takes_the_paths_it_claims(paths: Built) -> None:
    """Each path left its trace in the release's tables (so the comparison above is not vacuous)."""
    assert paths.count("select count(*) from raw_vault.eff_sat_order_customer "
                       "where end_date < '9999-12-31'") == 2  # ref2 closed, then ref5 closed
    # o1 + o2's sets, o2 changed, o2 with a third payment, o2 without it (o1's case-only change: nothing)
    assert paths.count("select count(*) from raw_vault.ma_sat_order_payments") == (1 + 2) + 2 + 3 + 2
    assert paths.count("select count(*) from raw_vault.ref_cities where city_code = 'LIS'") == 2
    assert paths.count("select count(*) from raw_vault.ref_zips") == 3
    assert paths.count("select count(*) from raw_vault.sat_order_state where channel = 'app'") == 2
    assert paths.count("select count(*) from raw_vault.sat_customer_city "
                       "where record_source <> 'AUTOMATE_DV_SYSTEM'") == 3 + 2 + 1 + 1  # c2: A -> B -> A
    # o4, staged before its customer c9, linked by the batch that brings c9 alone (stg_orders_resolved)
    assert paths.count("select count(*) from raw_vault.link_order_customer l join raw_vault.hub_order h "
                       "using (order_hk) where h.order_id = 'o4' and l.load_datetime = '2024-01-02'") == 1
    assert paths.count("select count(*) from raw_vault.xts_order") == 4 + 4 + 3 + 2
    assert paths.count("select count(*) from business_vault.pit_order") > 0


def test_the_comparison_sees_one_changed_value(paths: Built) -> None:
    table = "raw_vault.sat_order_state"
    content = paths.release[table]
    row = sorted(content.rows, key=repr)[-1]
    changed = (*row[:-1], f"{row[-1]}-changed")  # one value of one row: the record source
    broken = dict(paths.release)
    broken[table] = TableContent(content.columns, content.rows - Counter([row]) + Counter([changed]))
    differences = row_differences(paths.builtin, broken, NAMES)
    assert len(differences) == 1 and differences[0].startswith(f"{table}: 1 row(s) only in the built-in, 1 only")


# -- the real Olist subset --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def olist_one_shot(pg_server: Database, tmp_path_factory: pytest.TempPathFactory) -> Built:
    def load(db: Database, spec: Spec) -> None:
        load_batch(db, spec, OLIST_DATA, dt.datetime(2018, 10, 31, 23, 59, 59))
    return build_both(pg_server, tmp_path_factory.mktemp("parity_olist"), None, "all", load,
                      ("raw_vault", "business_vault", "marts"))


@needs_olist
def test_olist_one_shot_gives_the_same_vault_and_marts(olist_one_shot: Built) -> None:
    assert not olist_one_shot.differences(), "\n".join(olist_one_shot.differences())
    assert olist_one_shot.count("select count(*) from raw_vault.ref_geolocation") == olist_one_shot.count(
        "select count(distinct geolocation_zip_code_prefix) from raw_vault.ref_geolocation")
    assert olist_one_shot.count("select count(*) from marts.fct_orders") == 6887


@needs_olist
def test_olist_monthly_replay_gives_the_same_vault(pg_server: Database,
                                                   tmp_path_factory: pytest.TempPathFactory) -> None:
    def load(db: Database, spec: Spec) -> None:
        steps = load_replay(db, spec, OLIST_DATA, "month", start=dt.date(2018, 8, 1), rules=OLIST_RULES)
        assert len(steps) >= 3
    built = build_both(pg_server, tmp_path_factory.mktemp("parity_replay"), None, "generated", load,
                       ("raw_vault", "business_vault"))
    assert not built.differences(), "\n".join(built.differences())
    # later months moved orders on: their status satellite holds more than one version
    assert built.count("select count(*) - count(distinct order_hk) from raw_vault.sat_order_status") > 0


# -- synthetic change batches ---------------------------------------------------------------------

def test_synthetic_change_batches_give_the_same_vault(pg_server: Database,
                                                      tmp_path_factory: pytest.TempPathFactory) -> None:
    root = tmp_path_factory.mktemp("parity_synth")
    generate_batches(0.003, root / "data", seed=5, batches=1, change_rate=0.05)

    def load(db: Database, spec: Spec) -> None:
        for number in range(2):
            load_batch(db, spec, root / "data" / f"batch_{number:03d}", dt.datetime(2019, 1, 1 + number))
    built = build_both(pg_server, root, None, "none", load, ("raw_vault",))
    assert not built.differences(), "\n".join(built.differences())
    assert built.count("select count(*) from raw_vault.sat_customer_location "
                       "where load_datetime > '2019-01-01'") > 0
