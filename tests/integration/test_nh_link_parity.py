"""A non-historised link gives the same rows with AutomateDV's release and with dvkit's own ``nh_link``.

The spec declares one ``non_historised_links`` entry (two hubs, a dependent child key and a payload);
four batches take its paths: a first load with an exact duplicate and a row without a hub key, a known
key delivered again with another payload (ignored), new keys in later batches, and a known key again
in other letter case (the same hash key: ignored). The built-in stages every batch in one dbt run, the
release runs once per batch: every row and column of every raw vault table must be the same.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from generator.db import Database
from generator.load.landing import load_batch
from generator.spec.model import Spec

from ..conftest import RELEASED_PACKAGES
from .test_automate_dv_parity import Built, build_both

pytestmark = [
    pytest.mark.db,
    pytest.mark.dbt,
    pytest.mark.skipif(not (RELEASED_PACKAGES / "automate_dv" / "dbt_project.yml").exists(),
                       reason="needs the released AutomateDV and dbt_utils in ../shared/reference/dbt_packages"),
]

SPEC = {"vault.yml": """\
    sources:
      - name: payments
        file: payments.csv
        columns: {order_id: text, customer_id: text, seq: integer, kind: text, amount: numeric}
    hubs:
      - {name: order, business_key: order_id, sources: [{source: payments}]}
      - {name: customer, business_key: customer_id, sources: [{source: payments}]}
    non_historised_links:
      - name: payment
        hubs: [order, customer]
        source: payments
        dependent_child_key: seq
        payload: [kind, amount]
"""}

HEADER = "order_id,customer_id,seq,kind,amount"
BATCHES = [
    ["o1,c1,1,card,10.00", "o1,c1,2,voucher,5.00", "o2,c2,1,boleto,20.00",
     "o2,c2,1,boleto,20.00",          # an exact duplicate: one row
     "o3,,1,card,1.00"],              # no customer key: no row
    ["o1,c1,1,card,99.00",            # a stored key with another payload: ignored
     "o4,c1,1,pix,7.50"],
    ["o4,c1,1,pix,8.00",              # stored in the batch before: ignored
     "o5,c3,1,card,3.00"],
    ["O5,C3,1,CARD,3.00"],            # the same key in other letters: ignored
]
LOAD_TIMES = [dt.datetime(2024, 1, day) for day in (1, 2, 3, 4)]


def load(data: Path):
    def loader(db: Database, spec: Spec) -> None:
        for number, lines in enumerate(BATCHES):
            folder = data / f"batch_{number}"
            folder.mkdir(parents=True)
            (folder / "payments.csv").write_text("\n".join([HEADER, *lines]) + "\n")
            load_batch(db, spec, folder, LOAD_TIMES[number])
    return loader


@pytest.fixture(scope="module")
def built(pg_server: Database, tmp_path_factory: pytest.TempPathFactory) -> Built:
    root = tmp_path_factory.mktemp("parity_nh_link")
    return build_both(pg_server, root, SPEC, "none", load(root / "data"), ("raw_vault",))


def test_the_non_historised_link_is_the_same_with_both_packages(built: Built) -> None:
    assert "raw_vault.nh_link_payment" in built.builtin
    assert not built.differences(), "\n".join(built.differences())


def test_each_key_keeps_its_first_row(built: Built) -> None:
    table = built.release["raw_vault.nh_link_payment"]
    assert [name for name, _ in table.columns] == [
        "payment_hk", "order_hk", "customer_hk", "kind", "amount", "seq", "load_datetime", "record_source"]
    kept = sorted((row[3], row[4], row[5], row[6]) for row in table.rows.elements())
    assert kept == [
        ("boleto", Decimal("20.00"), 1, LOAD_TIMES[0]),
        ("card", Decimal("3.00"), 1, LOAD_TIMES[2]),
        ("card", Decimal("10.00"), 1, LOAD_TIMES[0]),      # not 99.00, delivered again later
        ("pix", Decimal("7.50"), 1, LOAD_TIMES[1]),
        ("voucher", Decimal("5.00"), 2, LOAD_TIMES[0]),
    ]
