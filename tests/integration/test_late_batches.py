"""A late batch is stored: the vault equals one that loaded every batch in load-time order.

The small spec of every entity kind (``paths_scenario``) gets its first three batches delivered as
1, 3, 2 (the third one's load time is older than the second's), building after each, then the fourth;
every raw vault table is compared, row for row and column for column, with a vault that got them in
load-time order.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest

from generator.build import BuildResult, build, vault_plan
from generator.cli.building import plan_lines
from generator.db import Database, ensure_database
from generator.load.landing import load_batch

from .paths_scenario import LOAD_TIMES, PATHS_SPEC, write_batch
from .project import make_project
from .vault_compare import row_differences, vault_tables

pytestmark = [pytest.mark.db, pytest.mark.dbt]


class Vault:
    def __init__(self, server: Database, root: Path) -> None:
        self.root, self.spec = make_project(root, PATHS_SPEC)
        name = f"late_{uuid.uuid4().hex[:8]}"
        ensure_database(server, name)
        self.db = Database(**{**server.__dict__, "dbname": name})
        self.log: list[str] = []

    def load(self, number: int) -> None:
        load_batch(self.db, self.spec, write_batch(self.root / "data", number), LOAD_TIMES[number])

    def build(self) -> BuildResult:
        return build(self.root, self.db, self.spec, mode="builtin", log=self.log.append)

    def order_states(self) -> list[tuple[str, object]]:
        with self.db.connect() as conn:
            return conn.execute(
                "select h.order_id, s.load_datetime from raw_vault.sat_order_state s "
                "join raw_vault.hub_order h using (order_hk) where h.order_id = 'o1' order by 2").fetchall()


@pytest.fixture(scope="module")
def vaults(pg_server: Database, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The late vault (batches 1, 3, 2, 4), the in-order one (1, 2, 3, 4), and what the late one saw."""
    late = Vault(pg_server, tmp_path_factory.mktemp("late"))
    seen: dict[str, object] = {}
    late.load(0)
    late.build()
    late.load(2)
    started = time.monotonic()
    late.build()
    seen["incremental seconds"] = time.monotonic() - started
    late.load(1)  # landed as batch 3, with a load time older than batch 2's
    plan, _ = vault_plan(late.root, late.db, late.spec)
    seen["statuses"] = {m.model: m.status for m in plan.models}
    seen["plan"] = plan_lines(plan)
    started = time.monotonic()
    late.build()
    seen["late seconds"] = time.monotonic() - started
    seen["after late"] = vault_plan(late.root, late.db, late.spec)[0]
    late.load(3)
    late.build()
    seen["late"], seen["log"] = late, late.log

    in_order = Vault(pg_server, tmp_path_factory.mktemp("in_order"))
    for number in range(4):
        in_order.load(number)
        in_order.build()
    seen["in order"] = in_order
    print(f"\nbuild of batch 3 (incremental): {seen['incremental seconds']:.1f} s; "
          f"build of the late batch (rebuild from landing): {seen['late seconds']:.1f} s")
    return seen


def test_every_raw_vault_table_equals_the_vault_loaded_in_load_time_order(vaults: dict) -> None:
    late, in_order = vaults["late"], vaults["in order"]
    tables = vault_tables(late.db, ("raw_vault",))
    assert len(tables) == len(late.spec.vault_models())
    differences = row_differences(tables, vault_tables(in_order.db, ("raw_vault",)), ("late", "in order"))
    assert not differences, "\n".join(differences)


def test_the_late_batch_rows_are_stored(vaults: dict) -> None:
    # Not vacuous: o1 changes in the late batch (its status) and again in the batch after it; ignoring
    # the late rows would leave o1 without its row of the second load time.
    assert [at for _, at in vaults["late"].order_states()] == LOAD_TIMES[:3]


def test_the_plan_says_which_tables_a_late_batch_rebuilds(vaults: dict) -> None:
    statuses = vaults["statuses"]
    # The reference tables got nothing from batch 2 (it has no cities or zips): batch 3 is not late for them.
    assert statuses == {m: "late" for m in statuses} | {"ref_cities": "pending", "ref_zips": "pending"}
    line = next(line for line in vaults["plan"] if " sat_order_state " in line)
    assert line == ("  late      sat_order_state [batches 1..3]: late batch 3 (load time 2024-01-02 00:00:00) is "
                    "older than the table's newest row (batch 2, 2024-01-03 00:00:00): rebuilt from landing "
                    "in load-time order")
    assert vaults["plan"][-1] == "`dvkit build` carries this plan out"


def test_the_build_says_it_and_the_next_plan_is_idle(vaults: dict) -> None:
    assert any(line.startswith("late batch: rebuilt from every landed batch in load-time order (1..3): hub_customer")
               for line in vaults["log"])
    assert any(line.startswith("sat_order_state: late batch 3 (load time 2024-01-02") for line in vaults["log"])
    assert {m.status for m in vaults["after late"].models} == {"unchanged"}
