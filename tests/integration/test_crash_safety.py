"""Crash safety: a load or build killed at any moment loses nothing and doubles nothing.

Every scenario starts from the same vault (the real Olist subset replayed by month up to 2017, built),
then replays 2018 in two loads and builds, with dvkit killed by SIGKILL somewhere on the way, as a
power cut would (``generator.faults`` names the points; the kill inside a satellite's INSERT is done
from outside, while the INSERT waits for a lock this test holds). Then the interrupted command is run
again, the build finishes, and every table of landing, the raw vault and the business vault must equal,
row for row, those of a run that was never interrupted. The same holds for a build that backfills a
satellite added to the spec, and for a ``dvkit rebuild``, each killed between its dbt runs: the
tables it builds from every landed batch first, then the 2018 batches of every table.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from psycopg import sql

from generator.db import Database, ensure_database

from ..conftest import REPO, olist_data
from .project import make_project

pytestmark = [
    pytest.mark.db,
    pytest.mark.dbt,
]

LIMIT = 300  # seconds any one command may take before the test gives up on it
COMPARED_SCHEMAS = ("landing", "raw_vault", "business_vault")
# Columns that record when something ran, not what the vault holds.
WALL_CLOCK_COLUMNS = {("landing", "batches", "loaded_at")}

HISTORY = ("--replay", "month", "--to", "2017-12-31")
FIRST_2018 = ("--replay", "month", "--from", "2018-01-01", "--to", "2018-03-31")
REST_2018 = ("--replay", "month", "--from", "2018-04-01")

# A satellite the history was built without: a build with it in the spec backfills it from every batch.
NEW_SATELLITE = """  - name: order_shipping
    description: When the order reached the carrier and the customer.
    parent: order
    source: orders
    payload: [order_delivered_carrier_date, order_delivered_customer_date]

"""
NEW_TABLE = "sat_order_shipping"


# -- running dvkit as a separate process ------------------------------------------------------------

def _dvkit(root: Path, db: Database, *args: str, crash_at: str | None = None) -> subprocess.Popen[str]:
    env = os.environ.copy()
    env.pop("DVKIT_CRASH_AT", None)
    env.update({"DVKIT_DATABASE_URL": db.display_url(), "DVKIT_AUTOMATE_DV": "builtin",
                "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))})
    if crash_at:
        env["DVKIT_CRASH_AT"] = crash_at
    return subprocess.Popen([sys.executable, "-m", "generator.cli", "--project", str(root), *args], env=env,
                            cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _finish(proc: subprocess.Popen[str]) -> tuple[int, str]:
    output, _ = proc.communicate(timeout=LIMIT)
    return proc.returncode, output


def run_ok(root: Path, db: Database, *args: str) -> str:
    code, output = _finish(_dvkit(root, db, *args))
    assert code == 0, output
    return output


def run_killed(root: Path, db: Database, crash_at: str, *args: str) -> None:
    """Run a command that must die at ``crash_at`` (by SIGKILL, so nothing of it cleans up)."""
    code, output = _finish(_dvkit(root, db, *args, crash_at=crash_at))
    assert code == -signal.SIGKILL, f"expected a kill at {crash_at}, got exit {code}:\n{output}"
    _wait_for_backends_to_end(db)


def load(root: Path, db: Database, replay: tuple[str, ...]) -> str:
    return run_ok(root, db, "load", *replay, str(olist_data()))


def _wait_for_backends_to_end(db: Database) -> None:
    """The server ends a dead client's session (and rolls back its transaction) when it notices."""
    deadline = time.monotonic() + 60
    with db.connect() as conn:
        conn.autocommit = True
        while conn.execute("select count(*) from pg_stat_activity where datname = current_database() "
                           "and pid <> pg_backend_pid()").fetchone() != (0,):
            assert time.monotonic() < deadline, "a killed client's session is still open"
            time.sleep(0.1)


# -- what the vault holds ----------------------------------------------------------------------------

def snapshot(db: Database, schemas: tuple[str, ...] = COMPARED_SCHEMAS) -> dict[str, tuple[int, str]]:
    """Every table's row count and a digest of its sorted rows (wall-clock columns left out)."""
    result = {}
    with db.connect() as conn:
        tables = conn.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema = any(%s) and table_type = 'BASE TABLE' order by 1, 2", (list(schemas),)).fetchall()
        for schema, table in tables:
            columns = [name for (name,) in conn.execute(
                "select column_name from information_schema.columns where table_schema = %s and table_name = %s "
                "order by ordinal_position", (schema, table)).fetchall()
                if (schema, table, name) not in WALL_CLOCK_COLUMNS]
            row = sql.SQL("row({})::text").format(sql.SQL(", ").join(map(sql.Identifier, columns)))
            count, digest = conn.execute(sql.SQL(
                "select count(*), md5(coalesce(string_agg(r, E'\\n' order by r), '')) "
                "from (select {} as r from {}) as rows").format(row, sql.Identifier(schema, table))).fetchone()
            result[f"{schema}.{table}"] = (int(count), str(digest))
    return result


def differences(got: dict[str, tuple[int, str]], want: dict[str, tuple[int, str]]) -> list[str]:
    names = sorted(set(got) | set(want))
    return [f"{name}: {got.get(name, 'missing')} instead of {want.get(name, 'missing')}"
            for name in names if got.get(name) != want.get(name)]


# -- the shared starting point and the uninterrupted run --------------------------------------------

@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root, _ = make_project(tmp_path_factory.mktemp("crash"), business_vault="generated")
    return root


@pytest.fixture(scope="module")
def evolved_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project with ``NEW_SATELLITE`` added to its spec (the same sources: it loads the same batches)."""
    files = {path.name: path.read_text(encoding="utf-8") for path in (REPO / "vault_spec").glob("*.yml")}
    anchor = "multi_active_satellites:"  # the new satellite ends the list of plain satellites
    assert files["satellites.yml"].count(anchor) == 1
    files["satellites.yml"] = files["satellites.yml"].replace(anchor, NEW_SATELLITE + anchor)
    root, spec = make_project(tmp_path_factory.mktemp("crash_evolved"), files, business_vault="generated")
    assert NEW_TABLE in spec.vault_models()
    return root


def _database(server: Database, name: str, template: str | None = None) -> Database:
    if template is None:
        ensure_database(server, name)
    else:
        with server.connect(autocommit=True) as conn:
            conn.execute(sql.SQL("create database {} template {}").format(sql.Identifier(name),
                                                                         sql.Identifier(template)))
    return Database(**{**server.__dict__, "dbname": name})


@pytest.fixture(scope="module")
def history(pg_server: Database, project: Path) -> Database:
    """The vault before the scenarios: 2016 and 2017 loaded and built (a template for each scenario)."""
    db = _database(pg_server, f"crash_base_{uuid.uuid4().hex[:8]}")
    load(project, db, HISTORY)
    run_ok(project, db, "build")
    _wait_for_backends_to_end(db)
    return db


@pytest.fixture(scope="module")
def uninterrupted(pg_server: Database, project: Path, history: Database) -> dict[str, Any]:
    """The run every scenario must end up equal to, and the landing state after its first 2018 load."""
    db = _database(pg_server, f"crash_clean_{uuid.uuid4().hex[:8]}", history.dbname)
    load(project, db, FIRST_2018)
    after_first = snapshot(db, ("landing",))
    load(project, db, REST_2018)
    run_ok(project, db, "build")
    _wait_for_backends_to_end(db)
    return {"after_first_load": after_first, "final": snapshot(db), "db": db}


@pytest.fixture(scope="module")
def backfilled(pg_server: Database, evolved_project: Path, history: Database) -> dict[str, tuple[int, str]]:
    """The uninterrupted run of the evolved spec: 2018 loaded, then one build backfills the new satellite
    from every batch and loads 2018 into every table."""
    db = _database(pg_server, f"crash_backfill_{uuid.uuid4().hex[:8]}", history.dbname)
    load(evolved_project, db, FIRST_2018)
    load(evolved_project, db, REST_2018)
    run_ok(evolved_project, db, "build")
    _wait_for_backends_to_end(db)
    return snapshot(db)


@pytest.fixture()
def scenario(pg_server: Database, history: Database) -> Iterator[Database]:
    yield _database(pg_server, f"crash_{uuid.uuid4().hex[:8]}", history.dbname)


# -- the scenarios ------------------------------------------------------------------------------------

@pytest.mark.parametrize("crash_at", ["copy:orders"])
def test_load_killed_during_copy_keeps_nothing_of_the_batch(crash_at: str, project: Path, scenario: Database,
                                                             uninterrupted: dict) -> None:
    load(project, scenario, FIRST_2018)
    run_killed(project, scenario, crash_at, "load", *REST_2018, str(olist_data()))
    # The batch being copied is gone entirely: landing is as the previous load left it.
    assert differences(snapshot(scenario, ("landing",)), uninterrupted["after_first_load"]) == []
    load(project, scenario, REST_2018)
    run_ok(project, scenario, "build")
    assert differences(snapshot(scenario), uninterrupted["final"]) == []


def test_replay_killed_between_batches_resumes_where_it_stopped(project: Path, scenario: Database,
                                                                uninterrupted: dict) -> None:
    load(project, scenario, FIRST_2018)
    run_killed(project, scenario, "batch-committed#2", "load", *REST_2018, str(olist_data()))
    with scenario.connect() as conn:
        committed = conn.execute("select count(*) from landing.batches where load_ts >= '2018-04-01'").fetchone()
    assert committed == (2,)  # the two committed batches stay
    output = load(project, scenario, REST_2018)
    assert output.count("already loaded as batch") == 2, output
    run_ok(project, scenario, "build")
    assert differences(snapshot(scenario), uninterrupted["final"]) == []


@pytest.mark.parametrize("crash_at", ["model:hub_order", "raw-vault-built", "model:pit_order"])
def test_build_killed_between_models_is_finished_by_the_next_build(crash_at: str, project: Path, scenario: Database,
                                                                   uninterrupted: dict) -> None:
    load(project, scenario, FIRST_2018)
    load(project, scenario, REST_2018)
    run_killed(project, scenario, crash_at, "build")
    with scenario.connect() as conn:
        recorded = conn.execute("select count(*) from dvkit.builds").fetchone()
    # The killed build recorded nothing (except when only the business vault was left): its batches stay pending.
    assert recorded == ((2,) if crash_at == "model:pit_order" else (1,))
    run_ok(project, scenario, "build")
    assert differences(snapshot(scenario), uninterrupted["final"]) == []


def test_build_killed_inside_a_satellite_insert(project: Path, scenario: Database, uninterrupted: dict) -> None:
    load(project, scenario, FIRST_2018)
    load(project, scenario, REST_2018)
    # A second connection watches: within the blocker's transaction pg_stat_activity would not change.
    with scenario.connect() as blocker, scenario.connect(autocommit=True) as watcher:
        # SHARE lets the build read the satellite but makes its INSERT wait: the kill lands inside it.
        blocker.execute("lock table raw_vault.sat_order_status in share mode")
        proc = _dvkit(project, scenario, "build")
        try:
            deadline = time.monotonic() + LIMIT
            while not watcher.execute(
                    "select count(*) > 0 from pg_stat_activity where datname = current_database() "
                    "and wait_event_type = 'Lock' and query ilike %s", ("%insert into%sat_order_status%",)
            ).fetchone()[0]:
                assert proc.poll() is None, proc.communicate()[0]
                assert time.monotonic() < deadline, "the build never reached the satellite's insert"
                time.sleep(0.05)
            proc.send_signal(signal.SIGKILL)
            proc.communicate(timeout=LIMIT)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        blocker.rollback()  # release the lock: the orphaned INSERT finishes, then its transaction is rolled back
    _wait_for_backends_to_end(scenario)
    with scenario.connect() as conn:
        assert conn.execute("select count(*) from dvkit.builds").fetchone() == (1,)
    run_ok(project, scenario, "build")
    assert differences(snapshot(scenario), uninterrupted["final"]) == []


def test_backfill_killed_before_it_is_recorded_is_done_again(evolved_project: Path, scenario: Database,
                                                              backfilled: dict) -> None:
    load(evolved_project, scenario, FIRST_2018)
    load(evolved_project, scenario, REST_2018)
    # The first dbt run backfills the new satellite from the history's batches; killed before its record.
    run_killed(evolved_project, scenario, "raw-vault-built", "build")
    with scenario.connect() as conn:
        assert conn.execute(sql.SQL("select count(*) > 0 from {}").format(
            sql.Identifier("raw_vault", NEW_TABLE))).fetchone() == (True,)
        assert conn.execute("select count(*) from dvkit.vault_models where model = %s",
                            (NEW_TABLE,)).fetchone() == (0,)
        assert conn.execute("select count(*) from dvkit.builds").fetchone() == (1,)
    run_ok(evolved_project, scenario, "build")
    assert differences(snapshot(scenario), backfilled) == []


def test_rebuild_killed_half_way_is_finished_by_running_it_again(project: Path, scenario: Database,
                                                                 uninterrupted: dict) -> None:
    load(project, scenario, FIRST_2018)
    load(project, scenario, REST_2018)
    # Killed in the first dbt run, which builds the customer tables again from the history's batches.
    run_killed(project, scenario, "model:hub_customer", "rebuild", "hub_customer+")
    with scenario.connect() as conn:
        assert conn.execute("select count(*) from dvkit.builds").fetchone() == (1,)
    run_ok(project, scenario, "rebuild", "hub_customer+")
    assert differences(snapshot(scenario), uninterrupted["final"]) == []


def test_the_comparison_sees_a_doubled_row(pg_server: Database, uninterrupted: dict) -> None:
    """The check itself: one satellite row written twice is a difference."""
    db = _database(pg_server, f"crash_{uuid.uuid4().hex[:8]}", uninterrupted["db"].dbname)
    assert differences(snapshot(db), uninterrupted["final"]) == []
    with db.connect() as conn:
        conn.execute("insert into raw_vault.sat_order_status select * from raw_vault.sat_order_status limit 1")
    assert [line.split(":")[0] for line in differences(snapshot(db), uninterrupted["final"])] == [
        "raw_vault.sat_order_status"]
