"""dvkit's own automate_dv package: eff_sat, ma_sat, xts, ref_table (and a link with a child key).

The models are the mini project's `more_tables` (models/*/more/). Their landing tables are filled batch by
batch; the expected rows follow automate_dv_behaviour.md and the rules in the package README:
- eff_sat (auto end-dating, driving key = order): o03 moves c03 -> c04 -> c03;
- ma_sat (an order's payments, child key payment_sequential): a changed, added or removed member
  re-inserts the whole set; case-only changes and identical sets add nothing;
- xts: one row per staged row per satellite, from two stages;
- ref_table: a key keeps every distinct row of its first delivery (later ones are ignored).
Loading batch by batch and loading several batches in one run must give the same rows.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from generator.db import Database, ensure_database

from .dbt_helpers import (
    GHOST_KEY,
    GHOST_SOURCE,
    PACKAGE,
    TS,
    columns,
    dbt,
    make_project,
    md5,
    rows,
    use_database,
)

pytestmark = [pytest.mark.db, pytest.mark.dbt]

T1, T2, T3 = datetime(2024, 1, 1), datetime(2024, 1, 2), datetime(2024, 1, 3)
LATE = datetime(2024, 1, 2, 12)  # a batch arriving after T3 was loaded, with an older load time
OPEN_END = datetime(9999, 12, 31)
SELECT = ("--select", "tag:more_tables")
GHOSTS_ON = ("--vars", "{enable_ghost_records: true}")

LANDING_DDL = """
create schema if not exists landing;
create table landing.order_customer (
    load_datetime timestamp, src_system varchar(20), order_id text, customer_id text, effective_date text
);
create table landing.order_payments (
    load_datetime timestamp, src_system varchar(20), order_id text, payment_sequential int,
    payment_type text, payment_value numeric(10, 2)
);
create table landing.currency_rates (
    load_datetime timestamp, src_system varchar(20), currency_code text, currency_label text,
    rate_to_brl numeric(8, 4)
);
"""


def at(day: int, hour: int = 0) -> datetime:
    return datetime(2024, 1, day, hour)


# order_id, customer_id, effective date (source 'crm')
ORDER_CUSTOMER = {
    T1: [
        ("o01", "c01", at(1)),
        ("o02", "c02", at(1)),
        ("o03", "c03", at(1)),
        ("o05", None, at(1)),          # NULL secondary key: skipped
        (None, "c09", at(1)),          # NULL driving key: skipped
        ("o06", "c06", at(1, 5)),      # two customers in one load: the greatest effective-from wins
        ("o06", "c07", at(1, 6)),
    ],
    T2: [
        ("o01", "c01", at(1)),         # the current link again: nothing
        ("o03", "c04", at(2, 10)),     # o03 moves to c04: the c03 link is closed
        ("o06", "c07", at(2)),         # the current link with a new effective-from: nothing (auto)
    ],
    T3: [
        ("o01", "c01", at(1)),
        ("o03", "c03", at(3, 8)),      # back to c03: c04 closed, c03 opened again
        ("o02", "c02", at(3)),         # same effective-from: the greater link key wins ...
        ("o02", "c08", at(3)),         # ... md5('O02||C08') > md5('O02||C02'): o02 moves to c08
        ("o06", "c06", at(3)),         # closes c07 as opened at T1 (not as re-delivered at T2)
    ],
    LATE: [
        ("o03", "c05", at(2, 12)),     # older than o03's latest stored load: ignored
    ],
}

# order_id, payment_sequential, payment_type, payment_value (source 'pay')
PAYMENTS = {
    T1: [
        ("p1", 1, "credit_card", "10.00"), ("p1", 2, "voucher", "5.00"),
        ("p2", 1, "boleto", "20.00"),
        ("p3", 1, "credit_card", "30.00"), ("p3", 2, "voucher", "3.00"),
        ("p4", 1, "debit_card", "40.00"), ("p4", 1, "debit_card", "40.00"),   # exact duplicate: once
        (None, 1, "voucher", "1.00"),                                       # NULL key: skipped
    ],
    T2: [
        ("p1", 1, "credit_card", "10.00"), ("p1", 2, "voucher", "7.00"),    # one member changed: set of 2
        ("p2", 1, "BOLETO", "20.00"),                                       # case only: nothing
        ("p3", 1, "credit_card", "30.00"), ("p3", 2, "voucher", "3.00"),
        ("p3", 3, "voucher", "1.00"),                                       # new child key: set of 3
        ("p4", 1, "debit_card", "40.00"),                                   # identical set: nothing
    ],
    T3: [
        ("p1", 1, "credit_card", "10.00"), ("p1", 2, "voucher", "7.00"),    # identical set: nothing
        ("p2", 1, "boleto", "20.00"),                                       # as stored: nothing
        ("p3", 1, "credit_card", "30.00"), ("p3", 2, "voucher", "3.00"),    # member 3 gone: set of 2
        ("p4", 1, " debit_card ", "40.00"),                                 # spaces only: nothing
    ],
    LATE: [
        ("p3", 1, "pix", "99.00"),                                          # older than p3's latest: ignored
    ],
}

# currency_code, currency_label, rate_to_brl (source 'fx')
CURRENCIES = {
    T1: [
        ("BRL", "Real", "1.0000"),
        ("USD", "Dollar", "5.0000"), ("USD", "Dollar", "4.9000"),       # two rows of a key: both kept
        ("USD", "Dollar", "4.9000"),                                     # ... a repeated row once
        ("CHF", "Swiss franc", "5.9000"), ("CHF", "Franc", "6.0000"),
        ("EUR", None, "5.5000"), ("EUR", "Euro", "5.5000"),
        (None, "Nothing", "0.0000"),                                     # NULL key: skipped
    ],
    T2: [
        ("BRL", "Brazilian real", "1.0000"),                             # a stored key: ignored
        ("GBP", "Pound", "6.2000"),
    ],
    T3: [
        ("GBP", "Pound sterling", "6.3000"),                             # a stored key: ignored
    ],
    LATE: [
        ("JPY", "Yen", "0.0350"),                                        # a new key, however late
    ],
}


def land(db: Database, load_time: datetime) -> None:
    with db.connect(autocommit=True) as conn, conn.cursor() as cur:
        cur.executemany(
            "insert into landing.order_customer values (%s, 'crm', %s, %s, %s)",
            [(load_time, o, c, eff.strftime("%Y-%m-%d %H:%M:%S")) for o, c, eff in ORDER_CUSTOMER[load_time]],
        )
        cur.executemany(
            "insert into landing.order_payments values (%s, 'pay', %s, %s, %s, %s::numeric)",
            [(load_time, *row) for row in PAYMENTS[load_time]],
        )
        cur.executemany(
            "insert into landing.currency_rates values (%s, 'fx', %s, %s, %s::numeric)",
            [(load_time, *row) for row in CURRENCIES[load_time]],
        )


def run(project: Path, *extra: str) -> None:
    dbt(project, "run", *SELECT, *extra)


# --------------------------------------------------------------------------------------------------
# Reading the tables back, keys shown as the ids they hash


ORDER_IDS = ["o01", "o02", "o03", "o05", "o06", "p1", "p2", "p3", "p4"]
CUSTOMER_IDS = [f"c0{n}" for n in range(1, 10)]
ID_OF = {md5(i.upper()): i for i in ORDER_IDS + CUSTOMER_IDS} | {GHOST_KEY: "ghost"}


def eff_rows(db: Database, table: str) -> list[tuple]:
    """(order, customer, start, end, effective_from, load time, source), ghost left out, sorted."""
    found = rows(db, f"select * from raw_vault.{table} where record_source <> %s", (GHOST_SOURCE,))
    result = []
    for link_hk, order_hk, customer_hk, *rest in found:
        order, customer = ID_OF[order_hk], ID_OF[customer_hk]
        assert link_hk == md5(f"{order}||{customer}".upper())
        result.append((order, customer, *rest))
    return sorted(result, key=lambda r: (r[0], r[5], r[3], r[1]))


def ma_rows(db: Database) -> list[tuple]:
    """(order, seq, type, value, effective_from, load time, source), ghost left out, sorted."""
    found = rows(db, "select * from raw_vault.ma_sat_order_payments where record_source <> %s", (GHOST_SOURCE,))
    result = []
    for order_hk, seq, kind, value, hashdiff, *rest in found:
        assert hashdiff == md5(f"{seq}||{kind.strip().upper()}||{value}")
        result.append((ID_OF[order_hk], seq, kind, value, *rest))
    return sorted(result, key=lambda r: (r[0], r[5], r[1]))


def xts_rows(db: Database) -> list[tuple]:
    found = rows(db, "select * from raw_vault.xts_order")
    return sorted(((ID_OF[r[0]], *r[1:]) for r in found), key=repr)


TABLES = ("eff_sat_order_customer", "eff_sat_order_customer_manual", "ma_sat_order_payments",
          "link_order_payment", "xts_order", "ref_currency")


def snapshot(db: Database) -> dict[str, list[tuple]]:
    """Every table, ghost rows left out."""
    return {
        table: sorted(rows(db, f"select * from raw_vault.{table} where record_source <> %s", (GHOST_SOURCE,)),
                      key=repr)
        for table in TABLES
    }


# --------------------------------------------------------------------------------------------------
# The expected rows after T1, T2, T3


def open_row(order, customer, eff, ldts):
    return (order, customer, eff, OPEN_END, eff, ldts, "crm")


def closing_row(order, customer, start, end, ldts):
    return (order, customer, start, end, end, ldts, "crm")


O03_AFTER_T2 = [
    open_row("o03", "c03", at(1), T1),                      # the original open row stays as it was
    closing_row("o03", "c03", at(1), at(2, 10), T2),        # closed at c04's effective-from
    open_row("o03", "c04", at(2, 10), T2),
]

EFF_SAT = sorted([
    open_row("o01", "c01", at(1), T1),                      # re-delivered twice: nothing more
    open_row("o02", "c02", at(1), T1),
    closing_row("o02", "c02", at(1), at(3), T3),
    open_row("o02", "c08", at(3), T3),
    *O03_AFTER_T2,
    closing_row("o03", "c04", at(2, 10), at(3, 8), T3),
    open_row("o03", "c03", at(3, 8), T3),                   # reopened: a new open row
    open_row("o06", "c07", at(1, 6), T1),                   # the greatest effective-from of its load
    closing_row("o06", "c07", at(1, 6), at(3), T3),
    open_row("o06", "c06", at(3), T3),
], key=lambda r: (r[0], r[5], r[3], r[1]))

# Without auto end-dating: every link's row when its dates differ from its row before; nothing is closed.
EFF_SAT_MANUAL = sorted([
    open_row("o01", "c01", at(1), T1),
    open_row("o02", "c02", at(1), T1),
    open_row("o02", "c02", at(3), T3),
    open_row("o02", "c08", at(3), T3),
    open_row("o03", "c03", at(1), T1),
    open_row("o03", "c04", at(2, 10), T2),
    open_row("o03", "c03", at(3, 8), T3),
    open_row("o06", "c06", at(1, 5), T1),
    open_row("o06", "c07", at(1, 6), T1),
    open_row("o06", "c07", at(2), T2),
    open_row("o06", "c06", at(3), T3),
], key=lambda r: (r[0], r[5], r[3], r[1]))


def payment_set(order, members, ldts):
    return [(order, seq, kind, Decimal(value), ldts, ldts, "pay") for seq, kind, value in members]


P1_T1 = [(1, "credit_card", "10.00"), (2, "voucher", "5.00")]
P1_T2 = [(1, "credit_card", "10.00"), (2, "voucher", "7.00")]
P3_T1 = [(1, "credit_card", "30.00"), (2, "voucher", "3.00")]
P3_T2 = [*P3_T1, (3, "voucher", "1.00")]

MA_SAT = sorted([
    *payment_set("p1", P1_T1, T1),
    *payment_set("p1", P1_T2, T2),                          # one value changed: both members again
    *payment_set("p2", [(1, "boleto", "20.00")], T1),       # BOLETO (case only) added nothing
    *payment_set("p3", P3_T1, T1),
    *payment_set("p3", P3_T2, T2),                          # a new child key: all three
    *payment_set("p3", P3_T1, T3),                          # member 3 gone: the set of two again
    *payment_set("p4", [(1, "debit_card", "40.00")], T1),   # the duplicate counted once
], key=lambda r: (r[0], r[5], r[1]))

LINK_ORDER_PAYMENT = sorted(
    (md5(f"{order}||{seq}".upper()), md5(order.upper()), seq, ldts, "pay")
    for order, seq, ldts in [("p1", 1, T1), ("p1", 2, T1), ("p2", 1, T1), ("p3", 1, T1), ("p3", 2, T1),
                             ("p3", 3, T2), ("p4", 1, T1)]
)

REF_CURRENCY = [
    ("BRL", "Real", Decimal("1.0000"), T1, "fx"),
    ("CHF", "Franc", Decimal("6.0000"), T1, "fx"),
    ("CHF", "Swiss franc", Decimal("5.9000"), T1, "fx"),
    ("EUR", "Euro", Decimal("5.5000"), T1, "fx"),
    ("EUR", None, Decimal("5.5000"), T1, "fx"),
    ("GBP", "Pound", Decimal("6.2000"), T2, "fx"),
    ("USD", "Dollar", Decimal("4.9000"), T1, "fx"),
    ("USD", "Dollar", Decimal("5.0000"), T1, "fx"),
]


def expected_xts(load_times) -> list[tuple]:
    """One row per distinct staged (key, hashdiff, satellite, load time) of both stages."""
    found = set()
    for ldts in load_times:
        for order, customer, _ in ORDER_CUSTOMER[ldts]:
            if order is not None:
                hashdiff = md5(customer.upper() if customer else "^^")
                found.add((order, hashdiff, "SAT_ORDER_CUSTOMER", ldts, "crm"))
        for order, seq, kind, value in PAYMENTS[ldts]:
            if order is not None:
                hashdiff = md5(f"{seq}||{kind.strip().upper()}||{value}")
                found.add((order, hashdiff, "MA_SAT_ORDER_PAYMENTS", ldts, "pay"))
    return sorted(found, key=repr)


def assert_tables_after_t3(db: Database) -> None:
    assert eff_rows(db, "eff_sat_order_customer") == EFF_SAT
    assert eff_rows(db, "eff_sat_order_customer_manual") == EFF_SAT_MANUAL
    assert ma_rows(db) == MA_SAT
    assert sorted(rows(db, "select * from raw_vault.link_order_payment")) == LINK_ORDER_PAYMENT
    assert [r for r in xts_rows(db) if r[0] != "ghost"] == expected_xts([T1, T2, T3])
    assert rows(db, "select * from raw_vault.ref_currency order by currency_code, currency_label nulls last, "
                "rate_to_brl") == REF_CURRENCY


# --------------------------------------------------------------------------------------------------
# The package


def test_new_macros_dispatch_and_refuse_other_adapters():
    for name in ("eff_sat", "ma_sat", "xts", "ref_table"):
        text = (PACKAGE / "macros" / "tables" / f"{name}.sql").read_text()
        assert f"adapter.dispatch('{name}', 'automate_dv')" in text
        assert f"macro postgres__{name}(" in text
        assert f"automate_dv.unsupported_adapter('{name}')" in text
        assert name in (PACKAGE / "README.md").read_text()


# --------------------------------------------------------------------------------------------------
# Loading batch by batch


@pytest.fixture()
def project(tmp_path: Path, fresh_db, monkeypatch: pytest.MonkeyPatch) -> Path:
    project = make_project(tmp_path, fresh_db, monkeypatch)
    with fresh_db.connect(autocommit=True) as conn:
        conn.execute(LANDING_DDL)
    return project


def test_loading_batch_by_batch(project: Path, fresh_db):
    db = fresh_db

    # ---- T1
    land(db, T1)
    run(project)

    assert columns(db, "raw_vault", "eff_sat_order_customer") == [
        ("order_customer_hk", "bytea"), ("order_hk", "bytea"), ("customer_hk", "bytea"),
        ("start_date", TS), ("end_date", TS), ("effective_from", TS), ("load_datetime", TS),
        ("record_source", "text")]
    assert columns(db, "raw_vault", "eff_sat_order_customer_manual") == columns(
        db, "raw_vault", "eff_sat_order_customer")
    assert columns(db, "raw_vault", "ma_sat_order_payments") == [
        ("order_hk", "bytea"), ("payment_sequential", "integer"), ("payment_type", "text"),
        ("payment_value", "numeric"), ("order_payments_hashdiff", "bytea"), ("effective_from", TS),
        ("load_datetime", TS), ("record_source", "text")]
    assert columns(db, "raw_vault", "xts_order") == [
        ("order_hk", "bytea"), ("hashdiff", "bytea"), ("satellite_name", "text"), ("load_datetime", TS),
        ("record_source", "text")]
    assert columns(db, "raw_vault", "ref_currency") == [
        ("currency_code", "text"), ("currency_label", "text"), ("rate_to_brl", "numeric"),
        ("load_datetime", TS), ("record_source", "text")]
    # the link's dependent child key comes after the hub keys
    assert columns(db, "raw_vault", "link_order_payment") == [
        ("order_payment_hk", "bytea"), ("order_hk", "bytea"), ("payment_sequential", "integer"),
        ("load_datetime", TS), ("record_source", "text")]

    assert rows(db, "select count(*) from raw_vault.eff_sat_order_customer where record_source = %s",
                (GHOST_SOURCE,)) == [(0,)]  # ghost records are off by default
    assert [r for r in eff_rows(db, "eff_sat_order_customer") if r[0] == "o03"] == [O03_AFTER_T2[0]]
    assert [r for r in eff_rows(db, "eff_sat_order_customer") if r[0] == "o06"] == [
        open_row("o06", "c07", at(1, 6), T1)]
    # two delivered rows of p4 at one load time: one row
    assert [r for r in ma_rows(db) if r[0] == "p4"] == payment_set("p4", [(1, "debit_card", "40.00")], T1)
    ma_count_t1 = len(ma_rows(db))
    assert ma_count_t1 == 6

    # ---- T2
    land(db, T2)
    run(project)

    # o03 moved from c03 to c04: the open c03 row, its closing row and the open c04 row, nothing else
    assert [r for r in eff_rows(db, "eff_sat_order_customer") if r[0] == "o03"] == O03_AFTER_T2
    # re-delivering the current link (o01 as it was, o06 with a new effective-from) adds nothing
    assert [r[0] for r in eff_rows(db, "eff_sat_order_customer")] == ["o01", "o02", "o03", "o03", "o03", "o06"]

    ma_after_t2 = ma_rows(db)
    # p1: one value changed, the set of 2 again; p3: a new child key, the set of 3; p2 (case only) and
    # p4 (identical) nothing
    assert len(ma_after_t2) == ma_count_t1 + 2 + 3
    assert [r for r in ma_after_t2 if r[5] == T2] == payment_set("p1", P1_T2, T2) + payment_set("p3", P3_T2, T2)

    xts_after_t2 = xts_rows(db)
    assert xts_after_t2 == expected_xts([T1, T2])

    # ---- T3
    land(db, T3)
    run(project)
    assert_tables_after_t3(db)
    # the xts grew with every delivery, also where the satellites did not: o01 three times, p4 twice
    # (the T1 duplicate once), p2 with BOLETO and boleto
    xts = xts_rows(db)
    assert len(xts) > len(xts_after_t2)
    assert [r[3] for r in xts if r[0] == "o01"] == [T1, T2, T3]
    assert sorted(r[3] for r in xts if r[0] == "p4") == [T1, T2, T3]
    assert {r[2] for r in xts} == {"SAT_ORDER_CUSTOMER", "MA_SAT_ORDER_PAYMENTS"}
    after_t3 = snapshot(db)

    # ---- T3 delivered again (same load time) and run again: nothing changes, the xts included
    land(db, T3)
    run(project)
    assert snapshot(db) == after_t3

    # ---- a full rebuild from all staged batches (several batches in one first build): the same rows
    run(project, "--full-refresh")
    assert snapshot(db) == after_t3

    # ---- late data: never rewrites eff_sat or ma_sat history; a new reference key is still added, the
    # xts records the delivery
    land(db, LATE)
    run(project)
    after_late = snapshot(db)
    for table in ("eff_sat_order_customer", "eff_sat_order_customer_manual", "ma_sat_order_payments",
                  "link_order_payment"):
        assert after_late[table] == after_t3[table], table
    assert rows(db, "select * from raw_vault.ref_currency where load_datetime = %s", (LATE,)) == [
        ("JPY", "Yen", Decimal("0.0350"), LATE, "fx")]
    assert len(after_late["ref_currency"]) == len(REF_CURRENCY) + 1
    assert xts_rows(db) == expected_xts([T1, T2, T3, LATE])


# --------------------------------------------------------------------------------------------------
# Several batches in one run, ghost records on


def test_several_batches_in_one_run_match_batch_by_batch(project: Path, fresh_db, pg_server,
                                                         monkeypatch: pytest.MonkeyPatch):
    db = fresh_db
    land(db, T1)
    run(project, *GHOSTS_ON)

    # As in AutomateDV's release, only sat tables get a ghost record: none here, ghost records on or not.
    ghost_eff: list[tuple] = []
    ghost_ma: list[tuple] = []
    eff_ghost_query = "select * from raw_vault.eff_sat_order_customer where record_source = 'AUTOMATE_DV_SYSTEM'"
    ma_ghost_query = "select * from raw_vault.ma_sat_order_payments where record_source = 'AUTOMATE_DV_SYSTEM'"
    assert rows(db, eff_ghost_query) == ghost_eff
    assert rows(db, ma_ghost_query) == ghost_ma

    # T2 and T3 staged together, loaded by one incremental run
    land(db, T2)
    land(db, T3)
    run(project, *GHOSTS_ON)
    assert_tables_after_t3(db)
    # still no ghost row
    assert rows(db, eff_ghost_query) == ghost_eff
    assert rows(db, ma_ghost_query) == ghost_ma
    all_at_once = snapshot(db)

    # the same batches one run each, in a second database: the same rows
    other = Database(**{**pg_server.__dict__, "dbname": f"{db.dbname}_b"})
    ensure_database(pg_server, other.dbname)
    use_database(other, monkeypatch)
    with other.connect(autocommit=True) as conn:
        conn.execute(LANDING_DDL)
    for load_time in (T1, T2, T3):
        land(other, load_time)
        run(project, *GHOSTS_ON)
    assert snapshot(other) == all_at_once
    assert rows(other, ma_ghost_query) == ghost_ma
