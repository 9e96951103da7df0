"""The vault follows the spec on the real Olist subset, replayed by month, and on synthetic batches.

The window is May to August 2018: the first batch holds everything known at the end of May, then
June, July and August each bring new orders, status changes, reviews and answers. A vault evolves
with a reduced Olist spec (no review hub, link or satellites, no multi-active payments, no
effectivity satellite, the order hub not fed by the reviews), loaded and built month by month; then
the spec becomes the repository's own, the rest is loaded, the plan's verdict on every table is
checked and the build carries it out. Every raw vault table must then equal, row for row and column
for column, that of a fresh vault built month by month with the full spec from the start. A breaking
change (the review hub keyed by review and order) is refused before dbt and then rebuilt; the vault
it must equal is that fresh one with the breaking tables built month by month from the changed spec
(``--select``), since a table's rows follow from its definition and the landed batches alone.
"""

from __future__ import annotations

import datetime as dt
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from psycopg import sql

from generator.build import build, vault_plan
from generator.db import Database, ensure_database
from generator.errors import DvkitError
from generator.load.landing import load_batch
from generator.load.replay import ReplayStep, load_replay
from generator.render.plan import plan as render
from generator.render.writer import write
from generator.spec.validate import load_spec
from olist_example.synth import generate_batches

from ..conftest import OLIST_RULES, REAL_OLIST, REPO, olist_data
from .project import make_project
from .vault_compare import TableContent, row_differences, vault_tables

pytestmark = [pytest.mark.db, pytest.mark.dbt]

START = dt.date(2018, 5, 1)  # the first batch: everything known at the end of May 2018
CHANGED_AFTER = dt.date(2018, 6, 30)  # May and June are loaded and built with the spec before the change
LAST = dt.date(2018, 8, 31)
BATCHES = 4  # May, June, July, August

# The raw vault's spec files; the business vault's are left out (this compares the raw vault).
FULL = {name: (REPO / "vault_spec" / name).read_text(encoding="utf-8")
        for name in ("sources.yml", "hubs.yml", "links.yml", "satellites.yml", "reference.yml", "settings.yml")}


def _without(text: str, *blocks: str) -> str:
    for block in blocks:
        assert text.count(block) == 1, block
        text = text.replace(block, "")
    return text


def _block(text: str, first_line: str) -> str:
    """The list entry (or section) starting at ``first_line``, up to the next one at its indentation or less."""
    start = text.index(first_line)
    indent = len(first_line) - len(first_line.lstrip())
    lines = text[start:].splitlines(keepends=True)
    end = 1
    while end < len(lines) and (not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip()) > indent):
        end += 1
    return "".join(lines[:end])


_REVIEW_HUB = _block(FULL["hubs.yml"], "  - name: review\n")
# The customer's data reaches its reviews: without reviews, the customer holds its own data only.
_REACHES_REVIEWS = _block(FULL["hubs.yml"], "    data_subject:\n")
REDUCED = {
    **FULL,
    # The order hub loses one of its sources: the reviews.
    "hubs.yml": _without(_without(FULL["hubs.yml"], _REVIEW_HUB, _REACHES_REVIEWS), "      - source: order_reviews\n"),
    "links.yml": _without(FULL["links.yml"], _block(FULL["links.yml"], "  - name: order_review\n")),
    "satellites.yml": _without(FULL["satellites.yml"], _block(FULL["satellites.yml"], "  - name: review_score\n"),
                               _block(FULL["satellites.yml"], "  - name: review_text\n"),
                               _block(FULL["satellites.yml"], "multi_active_satellites:\n"),
                               _block(FULL["satellites.yml"], "effectivity_satellites:\n")),
}
assert "review" not in REDUCED["hubs.yml"] and "effectivity" not in REDUCED["satellites.yml"]

# Breaking: a review is keyed by its review and order ids (Olist repeats a review_id across orders).
BREAKING = {**FULL, "hubs.yml": FULL["hubs.yml"].replace(
    "    business_key: review_id\n", "    business_key: [review_id, order_id]\n")}
assert BREAKING["hubs.yml"] != FULL["hubs.yml"]


class OlistVault:
    """A project and its database; ``respec`` rewrites the spec files and regenerates the models."""

    def __init__(self, server: Database, root: Path, files: dict[str, str], db: Database | None = None) -> None:
        self.root, self.spec = make_project(root, files)
        if db is None:
            name = f"olist_evolve_{uuid.uuid4().hex[:8]}"
            ensure_database(server, name)
            db = Database(**{**server.__dict__, "dbname": name})
        self.db = db
        self.select: tuple[str, ...] = ()  # what the builds of ``replay`` build: every table when empty

    def respec(self, files: dict[str, str]) -> None:
        for path in (self.root / "vault_spec").glob("*.yml"):
            path.unlink()
        for name, text in files.items():
            (self.root / "vault_spec" / name).write_text(text, encoding="utf-8")
        result = load_spec(self.root / "vault_spec", self.root)
        assert result.spec is not None, [str(p) for p in result.problems]
        shutil.rmtree(self.root / "dbt_vault" / "models")
        write(render(result.spec), self.root)
        self.spec = result.spec

    def replay(self, until: dt.date, build_each: bool = False) -> list[ReplayStep]:
        """Replay the months from START to ``until``: the months already loaded are recognised and skipped.

        ``build_each``: build after each month loaded (each batch is committed when it is reported).
        """
        def built(step: ReplayStep) -> None:
            if step.result.duplicate_of is None:
                self.build(select=self.select)
        return load_replay(self.db, self.spec, olist_data(), "month", start=START, end=until,
                           on_batch=built if build_each else None, rules=OLIST_RULES)

    def build(self, **options: object) -> None:
        build(self.root, self.db, self.spec, mode="builtin", **options)  # type: ignore[arg-type]

    def statuses(self) -> dict[str, str]:
        plan, _ = vault_plan(self.root, self.db, self.spec)
        return {m.model: m.status for m in plan.models} | {t: "retired" for t in plan.retired}

    def tables(self) -> dict[str, TableContent]:
        return vault_tables(self.db, ("raw_vault",))

    def count(self, query: str) -> int:
        with self.db.connect() as conn:
            row = conn.execute(query).fetchone()
        assert row is not None
        return int(row[0])


def _new_months(steps: list[ReplayStep]) -> int:
    return sum(step.result.duplicate_of is None for step in steps)


def fresh(server: Database, root: Path, files: dict[str, str], select: tuple[str, ...] = ()) -> OlistVault:
    """Every month loaded and built one by one with ``files`` (only the tables ``select`` names, if any)."""
    vault = OlistVault(server, root, files)
    vault.select = select
    assert _new_months(vault.replay(LAST, build_each=True)) == BATCHES
    return vault


@dataclass(frozen=True)
class FreshFull:
    vault: OlistVault
    after_june: str  # a copy of its database as built after June (the template of the breaking scenario)


@pytest.fixture(scope="module")
def fresh_full(pg_server: Database, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FreshFull]:
    vault = OlistVault(pg_server, tmp_path_factory.mktemp("olist_fresh_full"), FULL)
    assert _new_months(vault.replay(CHANGED_AFTER, build_each=True)) == 2
    copy = f"olist_june_{uuid.uuid4().hex[:8]}"
    with pg_server.connect(autocommit=True) as conn:  # no session is left on the vault between commands
        conn.execute(sql.SQL("create database {} template {}").format(
            sql.Identifier(copy), sql.Identifier(vault.db.dbname)))
    assert _new_months(vault.replay(LAST, build_each=True)) == 2
    yield FreshFull(vault, copy)


def test_a_reduced_olist_vault_grows_to_the_full_spec(pg_server: Database, tmp_path: Path,
                                                      fresh_full: FreshFull) -> None:
    vault = OlistVault(pg_server, tmp_path / "evolved", REDUCED)
    assert _new_months(vault.replay(CHANGED_AFTER, build_each=True)) == 2
    vault.respec(FULL)
    assert _new_months(vault.replay(LAST)) == 2  # July and August, loaded but not built
    statuses = vault.statuses()
    assert statuses == {
        "hub_customer": "pending", "hub_order": "additive", "hub_product": "pending", "hub_seller": "pending",
        "hub_review": "new", "hub_lead": "pending",
        "link_order_customer": "pending", "link_order_item": "pending", "link_order_review": "new",
        "link_lead_seller": "pending",
        "sat_order_status": "pending", "sat_customer_location": "pending", "sat_product_details": "pending",
        "sat_seller_location": "pending", "sat_review_score": "new", "sat_review_text": "new",
        "sat_order_item_price": "pending", "sat_lead_details": "pending", "sat_deal_details": "pending",
        "ma_sat_order_payments": "new", "eff_sat_order_customer": "new", "xts_order": "pending",
        "ref_category_translation": "pending", "ref_geolocation": "pending", "sts_order": "pending",
    }
    vault.build()
    assert set(vault.statuses().values()) == {"unchanged"}
    differences = row_differences(vault.tables(), fresh_full.vault.tables(), ("evolved", "fresh"))
    assert differences == [], "\n".join(differences)
    # Not vacuous: the new tables hold the months loaded before they existed, each at its own load
    # time, and the order hub the orders known only from a review.
    assert vault.count("select count(distinct load_datetime) from raw_vault.hub_review") == BATCHES
    assert vault.count("select count(distinct load_datetime) from raw_vault.ma_sat_order_payments") == BATCHES
    if REAL_OLIST:  # facts of the real subset, which the synthetic files do not reproduce
        assert vault.count("select count(*) from raw_vault.hub_order where record_source like '%reviews%'") > 0
        assert vault.count("select count(*) - count(distinct review_hk) from raw_vault.sat_review_score") > 0


def test_a_breaking_change_on_olist_is_refused_then_rebuilt(pg_server: Database, tmp_path: Path,
                                                            fresh_full: FreshFull) -> None:
    # The vault of May and June built with the full spec; then the review hub's key changes.
    vault = OlistVault(pg_server, tmp_path / "evolved", FULL,
                       Database(**{**pg_server.__dict__, "dbname": fresh_full.after_june}))
    vault.respec(BREAKING)
    assert _new_months(vault.replay(LAST)) == 2
    statuses = vault.statuses()
    breaking = [m for m, s in statuses.items() if s == "breaking"]
    assert breaking == ["hub_review", "link_order_review", "sat_review_score", "sat_review_text"]
    assert set(statuses.values()) == {"breaking", "pending"}
    before = vault.tables()
    with pytest.raises(DvkitError, match=r"hub_review: business key: \+order_id") as refused:
        vault.build()
    assert refused.value.hint and f"dvkit rebuild {' '.join(breaking)}" in refused.value.hint
    assert vault.tables() == before  # refused before dbt: not even the pending months were loaded
    vault.build(rebuild=breaking)
    assert set(vault.statuses().values()) == {"unchanged"}
    # A table's rows follow from its definition and the landed batches alone: the fresh vault of the
    # changed spec is the full one's tables with the breaking tables built fresh from the new spec.
    rebuilt = fresh(pg_server, tmp_path / "fresh", BREAKING, select=tuple(breaking)).tables()
    assert sorted(rebuilt) == [f"raw_vault.{m}" for m in sorted(breaking)]
    expected = fresh_full.vault.tables() | rebuilt
    differences = row_differences(vault.tables(), expected, ("rebuilt", "fresh"))
    assert differences == [], "\n".join(differences)
    # Not vacuous: a review_id delivered for two orders is two hub rows now (the real subset has such
    # review ids; the synthetic files do not).
    if REAL_OLIST:
        assert vault.count("select count(*) - count(distinct review_id) from raw_vault.hub_review") > 0


def test_synthetic_change_batches_follow_a_grown_spec(pg_server: Database, tmp_path: Path) -> None:
    """``dvkit synth``'s snapshot and a change batch (customers, products, sellers moved): the same growth."""
    generate_batches(0.003, tmp_path / "data", seed=7, batches=1, change_rate=0.05)
    times = (dt.datetime(2019, 1, 1), dt.datetime(2019, 2, 1))

    def load(vault: OlistVault, number: int) -> None:
        load_batch(vault.db, vault.spec, tmp_path / "data" / f"batch_{number:03d}", times[number])

    evolved = OlistVault(pg_server, tmp_path / "evolved", REDUCED)
    load(evolved, 0)
    evolved.build()
    evolved.respec(FULL)
    load(evolved, 1)
    statuses = evolved.statuses()
    assert {m for m, s in statuses.items() if s == "new"} == {
        "hub_review", "link_order_review", "sat_review_score", "sat_review_text", "ma_sat_order_payments",
        "eff_sat_order_customer"}
    assert statuses["hub_order"] == "additive" and statuses["sat_customer_location"] == "pending"
    evolved.build()
    expected = OlistVault(pg_server, tmp_path / "fresh", FULL)
    for number in range(len(times)):
        load(expected, number)
        expected.build()
    differences = row_differences(evolved.tables(), expected.tables(), ("evolved", "fresh"))
    assert differences == [], "\n".join(differences)
    assert evolved.count("select count(*) from raw_vault.sat_customer_location where load_datetime = "
                         "'2019-02-01'") > 0  # the change batch moved customers
