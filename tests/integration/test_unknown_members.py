"""A referential gap never breaks the marts: the fact points at the unknown member until its row arrives.

A small delivery in Kaggle's format: three orders, of which one customer line is unreadable (a
field too many, so it is quarantined) and one customer is not delivered at all. The build succeeds,
both orders point at dim_customer's unknown member and the build says how many. A later batch
brings the two customers (with their orders again, as a full extract does; the customer rows
alone would do too: ``test_lookup_resolved_later.py``), and the next build links them.
"""

from __future__ import annotations

import csv
import datetime as dt
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from generator.build import build
from generator.db import Database, ensure_database
from generator.load.landing import load_batch
from generator.spec.model import Spec
from generator.unknown_members import UNKNOWN_KEY, count_unknown_members

from .project import make_project

pytestmark = [pytest.mark.db, pytest.mark.dbt]

ORDER_COLUMNS = ["order_id", "customer_id", "order_status", "order_purchase_timestamp", "order_approved_at",
                 "order_delivered_carrier_date", "order_delivered_customer_date", "order_estimated_delivery_date"]
CUSTOMER_COLUMNS = ["customer_id", "customer_unique_id", "customer_zip_code_prefix", "customer_city",
                    "customer_state"]
CUSTOMERS = {  # customer_id -> the rest of its line
    "c-known": ["u-known", "01310", "sao paulo", "SP"],
    "c-quarantined": ["u-quarantined", "20040", "rio de janeiro", "RJ"],
    "c-late": ["u-late", "30130", "belo horizonte", "MG"],
}
ORDERS = {  # order_id -> customer_id
    "o-known": "c-known",
    "o-quarantined": "c-quarantined",
    "o-late": "c-late",
}


@dataclass
class Built:
    """The vault after one build: its marts' orders, the unknown-member counts and the build's log."""

    customers: dict[str, str]
    unknown: dict[str, int]
    log: list[str]
    dims: dict[str, list[tuple[Any, ...]]]
    quarantined: list[str]


def _write(folder: Path, orders: list[str], customers: list[list[str]]) -> Path:
    """One delivery of the orders and customers files, written as Kaggle does (every field quoted)."""
    folder.mkdir(parents=True)
    with (folder / "olist_orders_dataset.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL)
        writer.writerow(ORDER_COLUMNS)
        for order_id in orders:
            writer.writerow([order_id, ORDERS[order_id], "delivered", "2018-01-02 10:00:00", "2018-01-02 11:00:00",
                             "2018-01-03 09:00:00", "2018-01-08 15:00:00", "2018-01-10 00:00:00"])
    with (folder / "olist_customers_dataset.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL)
        writer.writerow(CUSTOMER_COLUMNS)
        writer.writerows(customers)
    return folder


def _state(db: Database, root: Path, log: list[str]) -> Built:
    with db.connect() as conn:
        customers = dict(conn.execute("select order_id, customer_unique_id from marts.fct_orders").fetchall())
        dims = {name: conn.execute(f"select {key}, is_unknown from marts.{name} where is_unknown").fetchall()
                for name, key in (("dim_customer", "customer_unique_id"), ("dim_product", "product_id"),
                                  ("dim_seller", "seller_id"))}  # fixed names
        quarantined = [r for (r,) in conn.execute("select raw from landing.quarantine where source = 'customers'")]
    unknown = {f"{gap.fact}.{gap.column}": count for gap, count in count_unknown_members(db, root)}
    return Built(customers, unknown, list(log), dims, quarantined)


@pytest.fixture(scope="module")
def builds(pg_server: Database, tmp_path_factory: pytest.TempPathFactory) -> tuple[Built, Built]:
    """The vault after the batch with the gaps, then after the batch that fills them."""
    root, spec = make_project(tmp_path_factory.mktemp("unknown"), business_vault="all")
    name = f"unknown_{uuid.uuid4().hex[:8]}"
    ensure_database(pg_server, name)
    db = Database(**{**pg_server.__dict__, "dbname": name})
    data = tmp_path_factory.mktemp("deliveries")
    first = _write(data / "first", list(ORDERS), [
        ["c-known", *CUSTOMERS["c-known"]],
        ["c-quarantined", *CUSTOMERS["c-quarantined"], "a field too many"],  # set aside, not loaded
    ])
    second = _write(data / "second", ["o-quarantined", "o-late"],
                    [["c-quarantined", *CUSTOMERS["c-quarantined"]], ["c-late", *CUSTOMERS["c-late"]]])
    return _load_and_build(db, spec, root, first, dt.datetime(2018, 1, 31)), \
        _load_and_build(db, spec, root, second, dt.datetime(2018, 2, 28))


def _load_and_build(db: Database, spec: Spec, root: Path, folder: Path, load_ts: dt.datetime) -> Built:
    load_batch(db, spec, folder, load_ts)
    log: list[str] = []
    build(root, db, spec, mode="builtin", log=log.append)  # raises if any data test of the marts fails
    return _state(db, root, log)


def test_the_unreadable_line_was_quarantined(builds: tuple[Built, Built]) -> None:
    first, _ = builds
    assert len(first.quarantined) == 1 and "u-quarantined" in first.quarantined[0]


def test_orders_without_their_customer_point_at_the_unknown_member(builds: tuple[Built, Built]) -> None:
    first, _ = builds
    assert first.customers == {"o-known": "u-known", "o-quarantined": UNKNOWN_KEY, "o-late": UNKNOWN_KEY}
    assert first.unknown == {"fct_orders.customer_unique_id": 2, "fct_order_items.product_id": 0,
                             "fct_order_items.seller_id": 0}


def test_the_build_reports_the_gap(builds: tuple[Built, Built]) -> None:
    first, _ = builds
    warnings = [line for line in first.log if line.startswith("warning: fct_")]
    assert warnings == ["warning: fct_orders: 2 orders without a customer yet (customer_unique_id = (unknown))"]


def test_each_dimension_has_one_unknown_member(builds: tuple[Built, Built]) -> None:
    for built in builds:
        assert built.dims == {"dim_customer": [(UNKNOWN_KEY, True)], "dim_product": [(UNKNOWN_KEY, True)],
                              "dim_seller": [(UNKNOWN_KEY, True)]}


def test_the_customers_that_arrive_later_are_linked(builds: tuple[Built, Built]) -> None:
    _, second = builds
    assert second.customers == {"o-known": "u-known", "o-quarantined": "u-quarantined", "o-late": "u-late"}
    assert second.unknown == {"fct_orders.customer_unique_id": 0, "fct_order_items.product_id": 0,
                              "fct_order_items.seller_id": 0}
    assert [line for line in second.log if line.startswith("warning: fct_")] == []
