"""Proof from the data: a monthly replay of the real Olist subset gives checkable history.

The expected history is recomputed here straight from the CSV, independently of the replay code.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
from pathlib import Path

import pytest

from generator.build import build, row_counts
from generator.db import Database, ensure_database
from generator.load.landing import load_batch
from generator.load.reader import find_file, open_text
from generator.load.replay import load_replay
from generator.spec.model import Spec

from ..conftest import OLIST_RULES, olist_data
from .project import make_project

pytestmark = [
    pytest.mark.db,
    pytest.mark.dbt,
]
STEPS = ("order_approved_at", "order_delivered_carrier_date", "order_delivered_customer_date")


def _database(server: Database, name: str) -> Database:
    ensure_database(server, name)
    return Database(**{**server.__dict__, "dbname": name})


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Spec]:
    return make_project(tmp_path_factory.mktemp("replay"))


@pytest.fixture(scope="module")
def replayed(pg_server: Database, project: tuple[Path, Spec]) -> Database:
    root, spec = project
    db = _database(pg_server, "replay_month")
    steps = load_replay(db, spec, olist_data(), "month", rules=OLIST_RULES)
    assert 20 <= len(steps) <= 30
    build(root, db, spec, mode="builtin")
    return db


@pytest.fixture(scope="module")
def one_shot(pg_server: Database, project: tuple[Path, Spec]) -> Database:
    root, spec = project
    db = _database(pg_server, "replay_one_shot")
    load_batch(db, spec, olist_data())
    build(root, db, spec, mode="builtin")
    return db


def _month_ends(first: dt.datetime, last: dt.datetime) -> list[dt.datetime]:
    ends, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        day = calendar.monthrange(year, month)[1]
        ends.append(dt.datetime(year, month, day, 23, 59, 59))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return ends


def _ts(text: str) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


def _expected_states() -> dict[str, int]:
    """Distinct (status, timestamps) states of each order visible at the month ends."""
    path = find_file(olist_data(), "olist_orders_dataset.csv")
    assert path is not None
    with open_text(path) as handle:
        orders = list(csv.DictReader(handle))
    purchases = [_ts(o["order_purchase_timestamp"]) for o in orders]
    latest = max(t for o in orders for c in ("order_purchase_timestamp", *STEPS) if (t := _ts(o[c])))
    # Month ends up to the one holding the last timestamp: every order has reached its final state by then.
    ends = _month_ends(min(p for p in purchases if p), latest)
    states: dict[str, int] = {}
    for order in orders:
        bought = _ts(order["order_purchase_timestamp"])
        stamps = {c: _ts(order[c]) for c in STEPS}
        finished = max(t for t in (bought, *stamps.values()) if t)
        seen = set()
        for end in ends:
            if bought is None or bought > end:
                continue
            visible = {c: t if t and t <= end else None for c, t in stamps.items()}
            if end >= finished:
                status = order["order_status"]
            elif visible["order_delivered_customer_date"]:
                status = "delivered"
            elif visible["order_delivered_carrier_date"]:
                status = "shipped"
            elif visible["order_approved_at"]:
                status = "approved"
            else:
                status = "created"
            seen.add((status, *visible.values()))
        states[order["order_id"]] = len(seen)
    return states


def test_order_status_history_matches_the_csv(replayed: Database) -> None:
    expected = _expected_states()
    with replayed.connect() as conn:
        stored = dict(conn.execute(
            "select h.order_id, count(*) from raw_vault.sat_order_status s "
            "join raw_vault.hub_order h using (order_hk) group by h.order_id").fetchall())
    assert stored == expected
    # Real history: a month end often falls between purchase and delivery.
    assert sum(1 for n in expected.values() if n > 1) > len(expected) // 4


def test_hub_and_link_counts_equal_a_one_shot_load(replayed: Database, one_shot: Database,
                                                   project: tuple[Path, Spec]) -> None:
    _, spec = project
    wanted = {h.model for h in spec.hubs} | {link.model for link in spec.links}
    replay_counts = {t: n for t, n in row_counts(replayed, spec) if t in wanted}
    assert replay_counts == {t: n for t, n in row_counts(one_shot, spec) if t in wanted}
    assert all(replay_counts.values())


def test_latest_state_equals_the_one_shot_state(replayed: Database, one_shot: Database) -> None:
    query = ("select distinct on (order_hk) order_hk, order_status_hashdiff from raw_vault.sat_order_status "
             "order by order_hk, load_datetime desc")
    with replayed.connect() as a, one_shot.connect() as b:
        assert dict(a.execute(query).fetchall()) == dict(b.execute(query).fetchall())


def test_replaying_again_adds_nothing_anywhere(replayed: Database, project: tuple[Path, Spec]) -> None:
    root, spec = project
    before = row_counts(replayed, spec)
    with replayed.connect() as conn:
        batches = conn.execute("select count(*), sum(row_count) from landing.batches").fetchone()
    steps = load_replay(replayed, spec, olist_data(), "month", rules=OLIST_RULES)
    assert all(step.result.duplicate_of is not None for step in steps)
    build(root, replayed, spec, mode="builtin")
    assert row_counts(replayed, spec) == before
    with replayed.connect() as conn:
        assert conn.execute("select count(*), sum(row_count) from landing.batches").fetchone() == batches
