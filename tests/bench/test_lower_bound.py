"""The hand-written lower bound of the benchmark builds the same raw vault as the generated models.

Two batches (a synthetic snapshot, then changes: moved customers, a corrected product, an order given
to another customer, a changed payment set, a case-only edit that is no change) are loaded and built
once; bench/lower_bound.sql then runs on the same landing rows. Every vault table must hold exactly the
same rows in both schemas: same columns in the same order, same keys, same hashdiffs, same history.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
from psycopg import sql

from generator.build import build
from generator.db import Database
from generator.load.landing import load_batch
from generator.spec.model import Spec

from ..conftest import REPO
from ..integration.project import make_project

pytestmark = [pytest.mark.db, pytest.mark.dbt]

progress: list[str] = []  # the build's progress lines


def _rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        return next(reader), list(reader)


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([header, *rows])


def _changes(snapshot: Path, out: Path) -> None:
    """A second batch that exercises every history rule of the vault."""
    out.mkdir()
    header, customers = _rows(snapshot / "olist_customers_dataset.csv")
    moved = [row[:] for row in customers[:20]]
    for row in moved[:10]:
        row[3] = "nova cidade"  # a new location: a new satellite version
    for row in moved[10:]:
        row[3] = f"  {row[3].upper()} "  # case and spaces only: the same hashdiff, no new row
    _write(out / "olist_customers_dataset.csv", header, moved)

    header, products = _rows(snapshot / "olist_products_dataset.csv")
    corrected = [row[:] for row in products[:5]]
    for row in corrected:
        row[5] = "9999"
    _write(out / "olist_products_dataset.csv", header, corrected)

    header, orders = _rows(snapshot / "olist_orders_dataset.csv")
    reassigned = [orders[0][:], orders[1][:]]
    reassigned[0][1] = orders[2][1]  # order 0 now belongs to the customer of order 2
    reassigned[1][2] = "canceled"
    _write(out / "olist_orders_dataset.csv", header, reassigned)

    header, payments = _rows(snapshot / "olist_order_payments_dataset.csv")
    changed = [payments[0][:]]
    changed[0][4] = "1.23"
    _write(out / "olist_order_payments_dataset.csv", header, changed)


@pytest.fixture(scope="module")
def built(pg_server: Database, tmp_path_factory: pytest.TempPathFactory) -> tuple[Database, Spec]:
    from generator.db import ensure_database
    from olist_example.synth import generate

    root = tmp_path_factory.mktemp("lower_bound")
    project, spec = make_project(root / "project")
    snapshot = root / "batch_000"
    generate(0.01, snapshot, seed=3)
    _changes(snapshot, root / "batch_001")
    ensure_database(pg_server, "lower_bound_check")
    db = Database(**{**pg_server.__dict__, "dbname": "lower_bound_check"})
    load_batch(db, spec, snapshot, dt.datetime(2018, 10, 1))
    load_batch(db, spec, root / "batch_001", dt.datetime(2018, 10, 2))
    build(project, db, spec, mode="builtin", progress=progress.append)
    with db.connect(autocommit=True) as conn:
        conn.execute((REPO / "bench" / "lower_bound.sql").read_text(encoding="utf-8"))  # type: ignore[arg-type]
    shutil.rmtree(root, ignore_errors=True)
    return db, spec


def _columns(conn, schema: str, table: str) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return conn.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = %s and table_name = %s order by ordinal_position", (schema, table)).fetchall()


def test_lower_bound_builds_every_vault_table(built: tuple[Database, Spec]) -> None:
    db, spec = built
    with db.connect() as conn:
        lower = {r[0] for r in conn.execute(
            "select table_name from information_schema.tables where table_schema = 'lower_bound'")}
    assert lower == set(spec.vault_models())


@pytest.mark.parametrize("table", [
    "hub_customer", "hub_order", "hub_product", "hub_seller", "hub_review", "hub_lead",
    "link_order_customer", "link_order_item", "link_order_review", "link_lead_seller",
    "sat_order_status", "sat_customer_location", "sat_product_details", "sat_seller_location",
    "sat_review_score", "sat_review_text", "sat_order_item_price", "sat_lead_details", "sat_deal_details",
    "ma_sat_order_payments", "eff_sat_order_customer", "xts_order", "sts_order",
    "ref_category_translation", "ref_geolocation",
])
def test_same_rows_keys_and_hashdiffs(built: tuple[Database, Spec], table: str) -> None:
    db, _ = built
    with db.connect() as conn:
        assert _columns(conn, "lower_bound", table) == _columns(conn, "raw_vault", table)
        vault = sql.Identifier("raw_vault", table)
        lower = sql.Identifier("lower_bound", table)
        count = conn.execute(sql.SQL("select count(*) from {}").format(vault)).fetchone()[0]
        missing = conn.execute(sql.SQL("select count(*) from (select * from {} except all select * from {}) d")
                               .format(vault, lower)).fetchone()[0]
        extra = conn.execute(sql.SQL("select count(*) from (select * from {} except all select * from {}) d")
                             .format(lower, vault)).fetchone()[0]
    assert count > 1  # more than the ghost record
    assert (missing, extra) == (0, 0)


def test_the_changes_made_history(built: tuple[Database, Spec]) -> None:
    """The second batch really exercised the history rules (else the comparison proves little)."""
    db, _ = built
    with db.connect() as conn:
        def versions(table: str, key: str) -> int:
            return conn.execute(sql.SQL("select count(*) from (select {} from {} group by 1 having count(*) > 1) v")
                                .format(sql.Identifier(key), sql.Identifier("raw_vault", table))).fetchone()[0]

        assert versions("sat_customer_location", "customer_hk") == 10  # case-only edits are no change
        assert versions("sat_product_details", "product_hk") == 5
        assert versions("sat_order_status", "order_hk") == 1
        assert versions("ma_sat_order_payments", "order_hk") >= 1
        closed = conn.execute("select count(*) from raw_vault.eff_sat_order_customer "
                              "where end_date < '9999-12-31'").fetchone()[0]
        assert closed == 1


def _indexed(conn, schema: str) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    rows = conn.execute(
        "select t.relname, string_agg(a.attname, ',' order by k.n) "
        "from pg_index i join pg_class t on t.oid = i.indrelid join pg_namespace s on s.oid = t.relnamespace "
        "cross join lateral unnest(i.indkey) with ordinality as k(attnum, n) "
        "join pg_attribute a on a.attrelid = t.oid and a.attnum = k.attnum "
        "where s.nspname = %s group by i.indexrelid, t.relname", (schema,)).fetchall()
    return {(table, columns) for table, columns in rows}


def test_vault_tables_are_indexed_on_hash_keys_and_load_times(built: tuple[Database, Spec]) -> None:
    """Incremental loads look up stored rows by key: every vault table has its index, and the lower
    bound builds the same ones."""
    db, _ = built
    with db.connect() as conn:
        vault = _indexed(conn, "raw_vault")
        assert ("hub_order", "order_hk") in vault
        assert ("link_order_item", "order_item_hk") in vault
        assert ("sat_order_status", "order_hk,load_datetime") in vault
        assert ("eff_sat_order_customer", "order_hk,load_datetime") in vault
        assert ("ref_geolocation", "geolocation_zip_code_prefix") in vault
        assert {table for table, _ in vault} == set(built[1].vault_models())
        assert vault == _indexed(conn, "lower_bound")


def test_build_prints_a_line_per_finished_model_with_its_time(built: tuple[Database, Spec]) -> None:
    _, spec = built
    finished = {line.split()[1]: line for line in progress}
    for table in spec.vault_models():
        assert re.fullmatch(rf"\d+/\d+ {table} (SELECT|INSERT 0) \d+ \(\d+\.\d\ds, \d+\.\ds in all\)",
                            finished[table]), finished[table]
    assert all(not line.split()[1].startswith(("not_null", "unique")) for line in progress)  # tests: summed
