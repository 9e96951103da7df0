"""The vault follows the spec: after a change, the vault equals one built with the new spec from the start.

Each scenario loads the small spec of every entity kind (``paths_scenario``) batch by batch, building
after each, with one spec; changes the spec; loads the remaining batches; checks the plan's verdict on
every table; carries it out (``build``, or ``rebuild`` for a breaking change); and compares every raw
vault table, row for row and column for column, with a fresh vault built batch by batch from the first
batch with the changed spec.
"""

from __future__ import annotations

import shutil
import textwrap
import uuid
from pathlib import Path

import pytest

from generator.build import build, vault_plan
from generator.compliance.subjects import erase
from generator.db import Database, ensure_database
from generator.errors import DvkitError
from generator.load.landing import load_batch
from generator.render.plan import plan as render
from generator.render.writer import write
from generator.spec.validate import load_spec

from .paths_scenario import BATCHES, HEADERS, LOAD_TIMES, PATHS_SPEC, write_batch
from .project import make_project
from .vault_compare import row_differences, vault_tables

pytestmark = [pytest.mark.db, pytest.mark.dbt]

RAW = PATHS_SPEC["vault.yml"].replace(  # the customers' address is personal data
    "        columns: {customer_id: text, customer_ref: text, city: text, zip: text}\n",
    "        columns: {customer_id: text, customer_ref: text, city: text, zip: text}\n"
    "        personal_data: {columns: [city, zip], retention: P5Y}\n")
assert "personal_data" in RAW
FULL = textwrap.dedent(RAW)


def _without(text: str, *blocks: str) -> str:
    for block in blocks:
        assert block in text, block
        text = text.replace(block, "")
    return text


# The spec before the change: fewer entities, one source less for a hub, no payload_added column.
REDUCED = textwrap.dedent(_without(
    RAW,
    "      - name: product\n        business_key: sku\n        sources: [{source: items}]\n",
    "    links:\n      - name: order_customer\n        hubs: [order, customer]\n        sources: [{source: orders}]\n"
    "      - name: order_line\n        hubs: [order, product]\n        dependent_child_key: item_no\n"
    "        sources: [{source: items}]\n",
    "        payload_added: [channel]\n",
    "      - name: line_price\n        parent: order_line\n        source: items\n        payload: [price]\n",
    "    multi_active_satellites:\n      - name: order_payments\n        parent: order\n        source: payments\n"
    "        child_key: seq\n        payload: [kind, amount]\n",
    "    effectivity_satellites:\n      - name: order_customer\n        link: order_customer\n"
    "        driving_key: order\n",
    "      - name: zips\n        source: zips\n        key: zip_code\n        payload: [lat, place]\n"
    "        one_row_per_key: true\n",
    "    point_in_time_tables:\n      - name: order\n        parent: order\n        satellites: [order_state]\n"
    "        as_of: load_times\n",
    "    bridges:\n      - name: order_lines\n        hub: customer\n        links: [order_customer, order_line]\n"
    "        as_of: load_times\n",
).replace("sources: [{source: customers}, {source: orders}]", "sources: [{source: customers}]"))

# Breaking: the customer hub keyed by customer_id instead of customer_ref; the order status's
# hashdiff over one more column.
BREAKING = textwrap.dedent(
    RAW.replace("        business_key: customer_ref\n", "        business_key: customer_id\n")
    .replace("        payload: [status, placed_at]\n", "        payload: [status, placed_at, customer_id]\n"))
assert BREAKING.count("customer_id") == FULL.count("customer_id") + 2


class Vault:
    """One project and database of the scenario; ``respec`` rewrites the spec and regenerates."""

    def __init__(self, server: Database, root: Path, spec_text: str) -> None:
        self.root, self.spec = make_project(root, {"vault.yml": spec_text})
        name = f"evolve_{uuid.uuid4().hex[:8]}"
        ensure_database(server, name)
        self.db = Database(**{**server.__dict__, "dbname": name})

    def respec(self, spec_text: str) -> None:
        (self.root / "vault_spec" / "vault.yml").write_text(spec_text, encoding="utf-8")
        result = load_spec(self.root / "vault_spec", self.root)
        assert result.spec is not None, [str(p) for p in result.problems]
        shutil.rmtree(self.root / "dbt_vault" / "models")
        write(render(result.spec), self.root)
        self.spec = result.spec

    def load(self, number: int) -> None:
        load_batch(self.db, self.spec, write_batch(self.root / "data", number), LOAD_TIMES[number])

    def build(self, **options: object) -> None:
        build(self.root, self.db, self.spec, mode="builtin", **options)  # type: ignore[arg-type]

    def statuses(self) -> dict[str, str]:
        plan, _ = vault_plan(self.root, self.db, self.spec)
        return {m.model: m.status for m in plan.models} | {t: "retired" for t in plan.retired}

    def tables(self) -> dict:
        return vault_tables(self.db, ("raw_vault",))


def evolve(server: Database, root: Path, before: str, after: str, changed_at: int) -> Vault:
    """Batches before ``changed_at`` loaded and built one by one with ``before``; the rest loaded with ``after``."""
    vault = Vault(server, root, before)
    for number in range(changed_at):
        vault.load(number)
        vault.build()
    vault.respec(after)
    for number in range(changed_at, len(BATCHES)):
        vault.load(number)
    return vault


def fresh(server: Database, root: Path, spec_text: str) -> Vault:
    """Every batch loaded and built one by one with ``spec_text``."""
    vault = Vault(server, root, spec_text)
    for number in range(len(BATCHES)):
        vault.load(number)
        vault.build()
    return vault


def test_new_tables_a_new_source_and_an_added_column_are_backfilled(pg_server: Database, tmp_path: Path) -> None:
    vault = evolve(pg_server, tmp_path / "evolved", REDUCED, FULL, changed_at=2)
    assert vault.statuses() == {
        "hub_customer": "additive", "hub_order": "pending", "hub_product": "new",
        "link_order_customer": "new", "link_order_line": "new",
        "sat_order_state": "additive", "sat_customer_city": "pending", "sat_line_price": "new",
        "ma_sat_order_payments": "new", "eff_sat_order_customer": "new", "xts_order": "additive",
        "ref_cities": "pending", "ref_zips": "new",
    }
    vault.build()
    assert vault.statuses() == dict.fromkeys(vault.spec.vault_models(), "unchanged")
    expected = fresh(pg_server, tmp_path / "fresh", FULL)
    assert row_differences(vault.tables(), expected.tables(), ("evolved", "fresh")) == []
    # not vacuous: the new tables hold the history of the batches loaded before they existed
    with vault.db.connect() as conn:
        assert conn.execute("select count(distinct load_datetime) from raw_vault.ma_sat_order_payments").fetchone() \
            == (4,)


def test_a_breaking_change_is_refused_then_rebuilt_from_landing(pg_server: Database, tmp_path: Path) -> None:
    vault = evolve(pg_server, tmp_path / "evolved", FULL, BREAKING, changed_at=2)
    statuses = vault.statuses()
    assert {m for m, s in statuses.items() if s == "breaking"} == {
        "hub_customer", "link_order_customer", "sat_customer_city", "sat_order_state", "eff_sat_order_customer",
        "xts_order"}
    before = vault.tables()
    with pytest.raises(DvkitError, match="hub_customer: business key: customer_ref -> customer_id") as refused:
        vault.build()
    assert refused.value.hint and "dvkit rebuild hub_customer link_order_customer" in refused.value.hint
    assert vault.tables() == before  # refused before dbt: nothing changed, nothing recorded
    breaking = [m for m, s in statuses.items() if s == "breaking"]
    vault.build(rebuild=breaking)
    expected = fresh(pg_server, tmp_path / "fresh", BREAKING)
    assert row_differences(vault.tables(), expected.tables(), ("evolved", "fresh")) == []


def test_a_removed_table_is_kept_until_dropped_on_request(pg_server: Database, tmp_path: Path) -> None:
    fewer = textwrap.dedent(_without(
        RAW, "      - name: line_price\n        parent: order_line\n        source: items\n        payload: [price]\n"))
    vault = evolve(pg_server, tmp_path / "evolved", FULL, fewer, changed_at=2)
    assert vault.statuses()["sat_line_price"] == "retired"
    vault.build()
    assert "raw_vault.sat_line_price" in vault.tables()  # kept
    assert vault.statuses()["sat_line_price"] == "retired"
    vault.build(drop_retired=True)
    assert "sat_line_price" not in vault.statuses()
    expected = fresh(pg_server, tmp_path / "fresh", fewer)
    assert row_differences(vault.tables(), expected.tables(), ("evolved", "fresh")) == []


def test_a_selected_build_a_no_op_build_and_a_dropped_table(pg_server: Database, tmp_path: Path) -> None:
    vault = evolve(pg_server, tmp_path / "evolved", FULL, FULL, changed_at=len(BATCHES) - 1)
    vault.build(select=("sat_order_state",))  # a part: the other tables keep their batch pending
    statuses = vault.statuses()
    assert statuses.pop("sat_order_state") == "unchanged" and set(statuses.values()) == {"pending"}
    vault.build()
    assert set(vault.statuses().values()) == {"unchanged"}
    result = build(vault.root, vault.db, vault.spec, mode="builtin")
    assert result.idle and not result.run_seconds
    before = vault.tables()
    with vault.db.connect() as conn:
        conn.execute("drop table raw_vault.sat_customer_city")
    assert vault.statuses()["sat_customer_city"] == "missing"
    vault.build()
    assert row_differences(vault.tables(), before, ("rebuilt", "before")) == []


def test_erased_data_stays_erased_after_a_rebuild(pg_server: Database, tmp_path: Path) -> None:
    vault = evolve(pg_server, tmp_path / "evolved", FULL, FULL, changed_at=len(BATCHES))
    erase(vault.db, vault.spec, "customer", "ref2", "request 1")
    vault.build(rebuild=vault.spec.vault_models())
    with vault.db.connect() as conn:
        kept = conn.execute(
            "select count(*), count(city) + count(zip) from raw_vault.sat_customer_city s "
            "join raw_vault.hub_customer h using (customer_hk) where upper(trim(h.customer_ref)) = 'REF2'").fetchone()
    assert kept is not None and kept[0] >= 1 and kept[1] == 0


LOOKUP_BATCHES = [
    {"customers": ["c1,ref1,Lisbon,1000"],
     "orders": ["o1,c1,created,2024-01-01 10:00:00,web",
                "o7,c7,created,2024-01-01 11:00:00,web"]},  # c7 is delivered a batch later
    {"customers": ["c7,ref7,Porto,2000", "c1,ref1b,Lisbon,1000"],  # c1 now refers to another person
     "orders": ["o1,c1,approved,2024-01-01 10:00:00,web"]},
]


def test_one_run_of_several_batches_sees_each_lookup_as_its_own_batch_did(pg_server: Database,
                                                                          tmp_path: Path) -> None:
    """A backfill stages every batch in one run: a looked-up column must be the one of the row's batch."""
    def load(vault: Vault, number: int) -> None:
        folder = tmp_path / "data" / f"lookup_{number}"
        folder.mkdir(parents=True, exist_ok=True)
        for source, lines in LOOKUP_BATCHES[number].items():
            (folder / f"{source}.csv").write_text("\n".join([HEADERS[source], *lines]) + "\n")
        load_batch(vault.db, vault.spec, folder, LOAD_TIMES[number])

    together = Vault(pg_server, tmp_path / "together", FULL)
    one_by_one = Vault(pg_server, tmp_path / "one_by_one", FULL)
    for number in range(len(LOOKUP_BATCHES)):
        load(together, number)
        load(one_by_one, number)
        one_by_one.build()
    together.build()
    assert row_differences(together.tables(), one_by_one.tables(), ("together", "one by one")) == []
    with together.db.connect() as conn:  # o1 belonged to ref1 in the first batch, to ref1b in the second;
        # o7, staged before c7 arrived, is linked by the second batch although it does not deliver o7 again
        assert conn.execute("select count(*) from raw_vault.link_order_customer").fetchone() == (3,)


def test_a_hub_selected_alone_is_built_before_the_tables_that_refer_to_it(pg_server: Database,
                                                                           tmp_path: Path) -> None:
    vault = Vault(pg_server, tmp_path / "selected", FULL)
    vault.load(0)
    vault.build(select=["hub_customer"])  # the data tests of its satellites and links wait for their tables
    assert set(vault.tables()) == {"raw_vault.hub_customer"}
    assert vault.statuses()["hub_customer"] == "unchanged"
    vault.build()
    assert set(vault.statuses().values()) == {"unchanged"}
