"""The plan: each kind of spec change gets the status that says what a build does with it."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import main
from generator.db import Database
from generator.evolution import state
from generator.evolution.changes import (
    ADDITIVE,
    BREAKING,
    MISSING,
    NEW,
    PENDING,
    UNCHANGED,
    ModelPlan,
    compare,
    make_plan,
)
from generator.evolution.definition import definitions
from generator.evolution.state import Recorded, VaultState
from generator.load.landing import load_batch
from generator.spec.model import Feed, Hub, Origin, Satellite, Source, Spec
from generator.spec.validate import load_spec

from ..conftest import REPO

HERE = Origin("vault.yml", 1)
ORDERS = Source("orders", "orders.csv", "orders.csv",
                (("order_id", "text"), ("status", "text"), ("channel", "text"), ("shop", "text")), HERE)
SHOPS = Source("shops", "shops.csv", "shops.csv", (("order_id", "text"), ("shop", "text")), HERE)
HUB = Hub("order", ("order_id",), (Feed("orders", ("order_id",)),), HERE)
SAT = Satellite("order_status", "order", "orders", ("status",), HERE)
BASE = Spec(sources=(ORDERS, SHOPS), hubs=(HUB,), satellites=(SAT,))


def _status(before: Spec, after: Spec, model: str) -> tuple[str, list[str]]:
    return compare(definitions(before)[model].as_json(), definitions(after)[model])


def _with(spec: Spec, **changes: object) -> Spec:
    return dataclasses.replace(spec, **changes)


def test_an_unchanged_definition_is_unchanged() -> None:
    assert _status(BASE, BASE, "sat_order_status") == (UNCHANGED, [])


def test_a_new_source_for_a_hub_is_additive_and_a_dropped_one_breaking() -> None:
    fed = _with(BASE, hubs=(dataclasses.replace(HUB, feeds=(*HUB.feeds, Feed("shops", ("order_id",)))),))
    assert _status(BASE, fed, "hub_order") == (ADDITIVE, ["new source shops"])
    status, reasons = _status(fed, BASE, "hub_order")
    assert status == BREAKING and reasons == ["source shops no longer feeds it (the keys it delivered stay until "
                                              "rebuilt)"]


def test_payload_added_is_additive_when_appended_and_breaking_otherwise() -> None:
    one = _with(BASE, satellites=(dataclasses.replace(SAT, payload_added=("channel",)),))
    two = _with(BASE, satellites=(dataclasses.replace(SAT, payload_added=("channel", "shop")),))
    swapped = _with(BASE, satellites=(dataclasses.replace(SAT, payload_added=("shop", "channel")),))
    assert _status(BASE, one, "sat_order_status") == (
        ADDITIVE, ["payload_added of sat_order_status gains channel text"])
    assert _status(one, two, "sat_order_status")[0] == ADDITIVE
    assert _status(two, swapped, "sat_order_status")[0] == BREAKING


@pytest.mark.parametrize(("change", "reason"), [
    ({"payload": ("status", "channel")}, "hashdiff columns: +channel text"),
    ({"payload": ("channel",)}, "hashdiff columns: status text -> channel text"),
    ({"effective_from": "shop"}, "effective_from: None -> shop"),
])
def test_what_decides_a_satellites_rows_is_breaking(change: dict[str, object], reason: str) -> None:
    after = _with(BASE, satellites=(dataclasses.replace(SAT, **change),))
    assert _status(BASE, after, "sat_order_status") == (BREAKING, [reason])


def test_a_business_key_change_breaks_the_hub_and_its_satellites() -> None:
    keyed = Source("orders", "orders.csv", "orders.csv", (*ORDERS.columns, ("order_no", "text")), HERE)
    after = _with(BASE, sources=(keyed, SHOPS),
                  hubs=(Hub("order", ("order_no",), (Feed("orders", ("order_no",)),), HERE),))
    assert _status(BASE, after, "hub_order")[0] == BREAKING
    assert _status(BASE, after, "sat_order_status") == (
        BREAKING, ["parent key columns: order_id text -> order_no text"])


def test_a_column_type_change_is_breaking() -> None:
    typed = Source("orders", "orders.csv", "orders.csv", (("order_id", "integer"), *ORDERS.columns[1:]), HERE)
    assert _status(BASE, _with(BASE, sources=(typed, SHOPS)), "hub_order")[0] == BREAKING


def _state(recorded: dict[str, int], tables: set[str], last: int = 3) -> VaultState:
    current = definitions(BASE)
    return VaultState(last, {m: Recorded(m, current[m].as_json() if m in current else {}, batch)
                             for m, batch in recorded.items()}, tables, None)


def test_the_plan_says_new_missing_pending_retired_and_the_batches_of_each() -> None:
    vault = _state({"hub_order": 2, "sat_order_status": 3, "sat_gone": 3}, {"hub_order", "sat_gone", "old_table"})
    plan = make_plan(definitions(BASE), vault)
    assert [(m.model, m.status, m.first_batch, m.last_batch) for m in plan.models] == [
        ("hub_order", PENDING, 3, 3), ("sat_order_status", MISSING, 1, 3)]
    assert plan.retired == ("old_table", "sat_gone")
    assert plan.safe and not plan.idle
    fresh = make_plan(definitions(BASE), _state({}, set()))
    assert {m.status for m in fresh.models} == {NEW}


def test_the_plan_is_idle_when_every_table_has_every_batch() -> None:
    plan = make_plan(definitions(BASE), _state({"hub_order": 3, "sat_order_status": 3}, {"hub_order",
                                                                                           "sat_order_status"}))
    assert plan.idle and plan.work == []


# -- dvkit plan on a database ------------------------------------------------------------------------

def _project(tmp_path: Path) -> tuple[Path, Spec]:
    (tmp_path / "vault_spec").mkdir()
    (tmp_path / "vault_spec" / "vault.yml").write_text(
        "sources:\n  - name: orders\n    file: orders.csv\n    columns: {order_id: text, status: text}\n"
        "hubs:\n  - name: order\n    business_key: order_id\n    sources: [{source: orders}]\n"
        "satellites:\n  - name: order_status\n    parent: order\n    source: orders\n    payload: [status]\n")
    result = load_spec(tmp_path / "vault_spec", tmp_path)
    assert result.spec is not None, result.problems
    data = tmp_path / "data"
    data.mkdir()
    (data / "orders.csv").write_text("order_id,status\no1,created\n")
    return tmp_path, result.spec


@pytest.mark.db
def test_dvkit_plan_lists_the_tables_and_exits_3_on_a_breaking_change(fresh_db: Database, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    root, spec = _project(tmp_path)
    load_batch(fresh_db, spec, root / "data")
    monkeypatch.setenv("DVKIT_DATABASE_URL", fresh_db.display_url())
    result = CliRunner().invoke(main, ["--project", str(root), "plan", "--format", "json"])
    assert result.exit_code == 0, result.output
    plan = json.loads(result.output)
    assert [(m["model"], m["status"], m["batches"]) for m in plan["models"]] == [
        ("hub_order", "new", [1, 1]), ("sat_order_status", "new", [1, 1])]
    assert plan["safe"] is True
    # As if the satellite had been built over another payload, up to batch 1.
    old = dataclasses.replace(spec.satellites[0], payload=("order_id",))
    state.record(fresh_db, [definitions(dataclasses.replace(spec, satellites=(old,)))["sat_order_status"]], 1)
    with fresh_db.connect() as conn:
        conn.execute("create schema raw_vault; create table raw_vault.sat_order_status (x int)")
    result = CliRunner().invoke(main, ["--project", str(root), "plan"])
    assert result.exit_code == 3, result.output
    assert "breaking  sat_order_status: hashdiff columns: order_id text -> status text" in result.output
    assert "`dvkit rebuild sat_order_status`" in result.output


def test_reading_rows_resolved_later_is_additive_and_feeds_the_looked_up_source() -> None:
    """A vault built before the resolved stages existed rebuilds its hub and link once, from landing,
    and the batches of the looked-up source (customers alone) feed them from then on."""
    result = load_spec(REPO / "vault_spec", REPO)
    assert result.spec is not None
    current = definitions(result.spec)
    for model in ("hub_customer", "link_order_customer"):
        before = current[model].as_json()
        before["feeds"] = {k: v for k, v in before["feeds"].items() if k != "orders (lookups resolved later)"}
        assert compare(before, current[model]) == (ADDITIVE, ["new source orders (lookups resolved later)"])
        assert "customers" in current[model].sources
    # Not a satellite, and not a table whose key borrows nothing.
    assert current["eff_sat_order_customer"].sources == ("orders",)
    assert "customers" not in current["hub_order"].sources


def test_the_repository_spec_has_a_definition_per_vault_table() -> None:
    result = load_spec(REPO / "vault_spec", REPO)
    assert result.spec is not None
    assert list(definitions(result.spec)) == result.spec.vault_models()


def test_steps_bring_lagging_tables_up_to_the_others_first() -> None:
    from generator.build import steps

    work = [ModelPlan("a", PENDING, (), 4, 6), ModelPlan("b", PENDING, (), 2, 6), ModelPlan("c", NEW, (), 1, 6)]
    assert [(s.models, s.first, s.last, s.full_refresh) for s in steps(work)] == [
        (("c",), 1, 1, True), (("b", "c"), 2, 3, False), (("a", "b", "c"), 4, 6, False)]
