"""An order staged before its customer is linked when the customer row arrives later, alone.

The orders source looks ``customer_unique_id`` up in the customers source. The first batch brings
three orders: one with its customer, one whose customer line is unreadable (quarantined), one whose
customer is not delivered. The next batches bring customers only, never the orders again: the
missing customer, then the quarantined line fixed, then a customer delivered again with one that
has no order. Each build links the orders whose customer arrived, at the load time of the batch
that brought it, in the link and in the marts; satellites record no delivery of the order that the
source never made; a build with nothing new adds nothing.

A second vault loads the customer in a late batch (older load time than the order's batch): the
link row then carries the order's own load time, as building the batches in load-time order does.
"""

from __future__ import annotations

import csv
import datetime as dt
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from generator.build import BuildResult, build, row_counts
from generator.db import Database, ensure_database
from generator.load.landing import load_batch
from generator.spec.model import Spec
from generator.unknown_members import UNKNOWN_KEY

from .project import make_project

pytestmark = [pytest.mark.db, pytest.mark.dbt]

ORDER_COLUMNS = ["order_id", "customer_id", "order_status", "order_purchase_timestamp", "order_approved_at",
                 "order_delivered_carrier_date", "order_delivered_customer_date", "order_estimated_delivery_date"]
CUSTOMER_COLUMNS = ["customer_id", "customer_unique_id", "customer_zip_code_prefix", "customer_city",
                    "customer_state"]
CUSTOMERS = {  # customer_id -> its line
    "c-known": ["c-known", "u-known", "01310", "sao paulo", "SP"],
    "c-quarantined": ["c-quarantined", "u-quarantined", "20040", "rio de janeiro", "RJ"],
    "c-late": ["c-late", "u-late", "30130", "belo horizonte", "MG"],
    "c-other": ["c-other", "u-other", "40010", "salvador", "BA"],
}
ORDERS = {"o-known": "c-known", "o-quarantined": "c-quarantined", "o-late": "c-late"}  # order -> customer_id
JAN, FEB, MAR, APR = (dt.datetime(2018, m, 28) for m in (1, 2, 3, 4))
WARNING = "warning: fct_orders: {} orders without a customer yet (customer_unique_id = (unknown))"


@dataclass
class Built:
    """The vault after one build."""

    result: BuildResult
    log: list[str]
    marts: dict[str, str]  # order_id -> fct_orders.customer_unique_id
    links: dict[tuple[str, str], tuple[dt.datetime, str]]  # (order, person) -> load time, record source
    counts: dict[str, int]  # rows of the raw vault tables
    eff: set[str]  # orders with a row in the effectivity satellite

    @property
    def warnings(self) -> list[str]:
        return [line for line in self.log if line.startswith("warning: fct_")]


def _write(folder: Path, orders: list[str], customers: list[list[str]]) -> Path:
    """One delivery, written as Kaggle does (every field quoted); no orders file when ``orders`` is empty."""
    folder.mkdir(parents=True)
    files: list[tuple[str, list[str], list[list[str]]]] = [("olist_customers_dataset.csv", CUSTOMER_COLUMNS, customers)]
    if orders:
        files.append(("olist_orders_dataset.csv", ORDER_COLUMNS, [
            [o, ORDERS[o], "delivered", "2018-01-02 10:00:00", "2018-01-02 11:00:00", "2018-01-03 09:00:00",
             "2018-01-08 15:00:00", "2018-01-10 00:00:00"] for o in orders]))
    for name, header, rows in files:
        with (folder / name).open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, quoting=csv.QUOTE_ALL)
            writer.writerow(header)
            writer.writerows(rows)
    return folder


def _database(pg_server: Database, prefix: str) -> Database:
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    ensure_database(pg_server, name)
    return Database(**{**pg_server.__dict__, "dbname": name})


def _build(db: Database, spec: Spec, root: Path) -> Built:
    log: list[str] = []
    result = build(root, db, spec, mode="builtin", log=log.append)  # raises if a data test fails
    with db.connect() as conn:
        marts = dict(conn.execute("select order_id, customer_unique_id from marts.fct_orders").fetchall())
        rows: list[Any] = conn.execute(
            "select o.order_id, c.customer_unique_id, l.load_datetime, l.record_source "
            "from raw_vault.link_order_customer l join raw_vault.hub_order o using (order_hk) "
            "join raw_vault.hub_customer c using (customer_hk)").fetchall()
        eff = {o for (o,) in conn.execute(
            "select o.order_id from raw_vault.eff_sat_order_customer e join raw_vault.hub_order o using (order_hk)")}
    links = {(order, person): (at, source) for order, person, at, source in rows}
    return Built(result, log, marts, links, dict(row_counts(db, spec)), eff)


@pytest.fixture(scope="module")
def builds(pg_server: Database, tmp_path_factory: pytest.TempPathFactory) -> list[Built]:
    """The vault after each of five builds: orders, then customers alone three times, then nothing new."""
    root, spec = make_project(tmp_path_factory.mktemp("resolved"), business_vault="all")
    db = _database(pg_server, "resolved")
    data = tmp_path_factory.mktemp("deliveries")
    deliveries = [
        (_write(data / "jan", list(ORDERS), [CUSTOMERS["c-known"], [*CUSTOMERS["c-quarantined"], "a field too many"]]),
         JAN),
        (_write(data / "feb", [], [CUSTOMERS["c-late"]]), FEB),
        (_write(data / "mar", [], [CUSTOMERS["c-quarantined"]]), MAR),  # the line fixed, loaded again
        (_write(data / "apr", [], [CUSTOMERS["c-late"], CUSTOMERS["c-other"]]), APR),
    ]
    built = []
    for folder, load_ts in deliveries:
        load_batch(db, spec, folder, load_ts)
        built.append(_build(db, spec, root))
    built.append(_build(db, spec, root))
    return built


def test_an_order_whose_customer_is_missing_points_at_the_unknown_member(builds: list[Built]) -> None:
    first = builds[0]
    assert first.marts == {"o-known": "u-known", "o-quarantined": UNKNOWN_KEY, "o-late": UNKNOWN_KEY}
    assert set(first.links) == {("o-known", "u-known")}
    assert first.warnings == [WARNING.format(2)]


def test_the_customer_arriving_alone_links_the_order_at_its_load_time(builds: list[Built]) -> None:
    second = builds[1]
    assert "link_order_customer" in second.result.built  # run although no order was delivered
    assert second.links[("o-late", "u-late")] == (FEB, "olist_orders_dataset.csv")  # the order row's source
    assert second.links[("o-known", "u-known")] == builds[0].links[("o-known", "u-known")]
    assert second.marts == {"o-known": "u-known", "o-quarantined": UNKNOWN_KEY, "o-late": "u-late"}
    assert second.warnings == [WARNING.format(1)]


def test_a_quarantined_customer_line_fixed_and_loaded_again_links_the_order(builds: list[Built]) -> None:
    third = builds[2]
    assert third.links[("o-quarantined", "u-quarantined")] == (MAR, "olist_orders_dataset.csv")
    assert third.marts == {"o-known": "u-known", "o-quarantined": "u-quarantined", "o-late": "u-late"}
    assert third.warnings == []


def test_no_satellite_records_a_delivery_the_source_never_made(builds: list[Built]) -> None:
    first, third = builds[0], builds[2]
    for table in ("sat_order_status", "xts_order", "sts_order", "eff_sat_order_customer"):
        assert third.counts[table] == first.counts[table], table
    assert third.eff == first.eff == {"o-known"}


def test_a_customer_delivered_again_or_nothing_new_adds_nothing(builds: list[Built]) -> None:
    third, fourth, fifth = builds[2], builds[3], builds[4]
    assert fourth.links == third.links and fifth.links == third.links
    assert fourth.counts["link_order_customer"] == third.counts["link_order_customer"] == 3
    assert fourth.counts["hub_customer"] == third.counts["hub_customer"] + 1  # u-other, who has no order
    assert fifth.result.idle and fifth.counts == fourth.counts


@pytest.fixture(scope="module")
def late(pg_server: Database, tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The customer's batch is loaded after the order's, with an older load time."""
    root, spec = make_project(tmp_path_factory.mktemp("resolved_late"), business_vault="all")
    db = _database(pg_server, "resolved_late")
    data = tmp_path_factory.mktemp("late_deliveries")
    load_batch(db, spec, _write(data / "orders", ["o-late"], []), MAR)
    _build(db, spec, root)
    load_batch(db, spec, _write(data / "customers", [], [CUSTOMERS["c-late"]]), FEB)
    return _build(db, spec, root)


def test_a_late_customer_batch_links_the_order_at_the_order_load_time(late: Built) -> None:
    # In load-time order the customer came first: the vault learned the link with the order.
    assert late.links == {("o-late", "u-late"): (MAR, "olist_orders_dataset.csv")}
    assert late.marts == {"o-late": "u-late"}
    assert any("link_order_customer: late batch 2" in line for line in late.log), late.log
