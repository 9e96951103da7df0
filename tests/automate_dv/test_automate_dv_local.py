"""dvkit's own automate_dv package (dbt_vault/automate_dv_local) against PostgreSQL.

The hashes must match the reference vectors measured on AutomateDV 0.11.5, and hubs, links and
satellites must load three batches the way automate_dv_behaviour.md describes. dbt runs in-process on a
copy of tests/automate_dv/mini_project with the package copied to its dbt_packages/automate_dv.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from ..conftest import HASH_VECTORS
from .dbt_helpers import (
    GHOST_DATE,
    GHOST_KEY,
    PACKAGE,
    TS,
    columns,
    compile_inline,
    make_project,
    md5,
    rows,
)
from .dbt_helpers import dbt as run_dbt

pytestmark = [pytest.mark.db, pytest.mark.dbt]


T1, T2, T3 = datetime(2024, 1, 1), datetime(2024, 1, 2), datetime(2024, 1, 3)

# The models of test_more_tables.py read landing tables this file does not fill.
OWN_MODELS = ("--exclude", "tag:more_tables")


# --------------------------------------------------------------------------------------------------
# Helpers


@pytest.fixture()
def project(tmp_path: Path, fresh_db, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The mini project in tmp_path with the package installed, and the connection in the environment."""
    return make_project(tmp_path, fresh_db, monkeypatch)


def dbt(project: Path, *args: str):
    """dbt on this file's models only (compile --inline needs no selection)."""
    if args and args[0] in ("build", "run"):
        args = (*args, *OWN_MODELS)
    return run_dbt(project, *args)


# --------------------------------------------------------------------------------------------------
# The package itself


def test_package_identifies_itself_as_dvkits_own():
    project = yaml.safe_load((PACKAGE / "dbt_project.yml").read_text())
    assert project["name"] == "automate_dv"
    assert project["version"] == "0.11.5-dvkit"
    assert project["require-dbt-version"] == [">=1.11.0", "<1.12.0"]
    assert (PACKAGE / ".dvkit-builtin").read_text().strip()
    for macro in ("staging/stage.sql", "supporting/hash.sql", "tables/hub.sql", "tables/link.sql",
                  "tables/sat.sql"):
        text = (PACKAGE / "macros" / macro).read_text()
        name = Path(macro).stem
        assert f"adapter.dispatch('{name}', 'automate_dv')" in text
        assert f"macro postgres__{name}(" in text


# --------------------------------------------------------------------------------------------------
# 1. The hashing standard, against the reference vectors

HASHES = {
    # alias: (columns, is_hashdiff)
    "hk_a": (["col_a"], False),
    "hk_ab": (["col_a", "col_b"], False),
    "hd_ba": (["col_b", "col_a"], True),
    "hd_a": (["col_a"], True),
    "hd_all": (["ts_d", "num_c", "col_b", "col_a"], True),
}


def hash_query() -> str:
    items = []
    for alias, (cols, is_hashdiff) in HASHES.items():
        # a one-column key is passed as a plain string, the way generated stages name it
        arg = repr(cols[0]) if len(cols) == 1 and not is_hashdiff else repr(cols)
        items.append(f"{{{{ automate_dv.hash({arg}, '{alias}', is_hashdiff={str(is_hashdiff).lower()}) }}}}")
    return "select vec_id, " + ", ".join(items) + " from public.hash_vectors order by vec_id"


@pytest.mark.skipif(not HASH_VECTORS.exists(), reason="reference vectors not available")
def test_hashes_match_reference_vectors(project: Path, fresh_db):
    vectors = json.loads(HASH_VECTORS.read_text(encoding="utf-8"))
    with fresh_db.connect(autocommit=True) as conn:
        conn.execute(
            "create table public.hash_vectors (vec_id int, col_a text, col_b text, num_c numeric, ts_d timestamp)"
        )
        with conn.cursor() as cur:
            cur.executemany(
                "insert into public.hash_vectors values (%s, %s, %s, %s::numeric, %s::timestamp)",
                [(v["vec_id"], v["col_a"], v["col_b"], v["num_c"], v["ts_d"]) for v in vectors],
            )

    md5_sql = compile_inline(project, hash_query())
    sha_sql = compile_inline(project, hash_query(), "{hash: SHA}")
    assert "md5(" in md5_sql and "sha256(" in sha_sql
    md5_rows = {r[0]: r[1:] for r in rows(fresh_db, md5_sql)}
    sha_rows = {r[0]: r[1:] for r in rows(fresh_db, sha_sql)}
    assert len(md5_rows) == len(sha_rows) == len(vectors)

    checked = 0
    for vector in vectors:
        vec_id = vector["vec_id"]
        for position, alias in enumerate(HASHES):
            digest, sha_digest = md5_rows[vec_id][position], sha_rows[vec_id][position]
            expected = vector[alias]
            pre_image = vector[f"pre_{alias}"]
            where = f"vector {vec_id} {alias}"
            if expected == "NULL":
                assert digest is None, where
                assert sha_digest is None, where
                continue
            assert digest is not None and len(digest) == 16, where
            assert digest.hex() == expected, where
            # the pre-image in the vectors is what was hashed: SHA-256 of its UTF-8 bytes
            assert len(sha_digest) == 32, where
            assert sha_digest == hashlib.sha256(pre_image.encode("utf-8")).digest(), where
            if f"sha_{alias}" in vector:
                assert sha_digest.hex() == vector[f"sha_{alias}"], where
            checked += 1
    assert checked > 60


# --------------------------------------------------------------------------------------------------
# 2. Loading three batches

LANDING_DDL = """
create schema landing;
create table landing.src_rows (
    batch_id int,
    load_datetime timestamp,
    src_system varchar(20),
    order_id text,
    customer_id text,
    order_status text,
    amount numeric(10, 2),
    status_date text
);
"""

# (order_id, customer_id, order_status, amount, src_system, status_date or None for the load time)
BATCHES = {
    1: (T1, [
        (" o1 ", "c1", "created", "10.00", "crm", None),
        ("o2", "c2", "created", "20.00", "crm", None),
        ("o3", None, "created", "30.00", "crm", None),       # NULL customer: no link
        ("o4", "c4", "packed", "40.00", "crm", "2024-01-01 05:00:00"),
        ("O4", "c4", "picked", "40.00", "web", "2024-01-01 06:00:00"),  # same key, same load time
        (None, "c9", "created", "90.00", "crm", None),       # NULL order: no order anywhere
        ("o5", "c5", None, None, "crm", None),
    ]),
    2: (T2, [
        ("O1", "c1", "CREATED", "10.00", "crm", None),       # case only: nothing new
        ("o2", "c2", "shipped", "20.00", "crm", None),       # A -> B
        ("o3", "c3", "created", "30.00", "crm", None),       # new link, same sat payload
        ("o5", "c5", "", None, "crm", None),                 # NULL -> '': nothing new
        ("o6", "c6", "new", "60.00", "crm", None),
    ]),
    3: (T3, [
        ("o1", "c1", "created", "10.00", "crm", None),       # identical re-delivery, later
        ("o2", "c2", "created", "20.00", "crm", None),       # B -> A
        ("o5", "c5", "   ", None, "crm", None),              # '' -> '   ': nothing new
        ("o6", " c6 ", "  new  ", "60.00", "crm", None),     # spaces only
        (" O6", "c6", "new", "60.00", "crm", None),          # hub variant
    ]),
}


def land(db, batch: int) -> None:
    load_time, batch_rows = BATCHES[batch]
    with db.connect(autocommit=True) as conn, conn.cursor() as cur:
        cur.executemany(
            "insert into landing.src_rows values (%s, %s, %s, %s, %s, %s, %s::numeric, %s)",
            [
                (batch, load_time, src, order, customer, status, amount,
                 status_date or load_time.strftime("%Y-%m-%d %H:%M:%S"))
                for order, customer, status, amount, src, status_date in batch_rows
            ],
        )


TABLES = ("hub_order", "hub_customer", "hub_order_multi", "link_order_customer", "sat_order_status")


def snapshot(db) -> dict[str, list[tuple]]:
    return {t: sorted(rows(db, f"select * from raw_vault.{t}"), key=repr) for t in TABLES}


def ghosts(db) -> list[tuple]:
    return rows(db, "select * from raw_vault.sat_order_status where record_source = 'AUTOMATE_DV_SYSTEM'")


ORDER_KEYS = {md5(k): k for k in ("O1", "O2", "O3", "O4", "O5", "O6")}


def sat_rows(db) -> list[tuple]:
    """The satellite by order id, ghost left out, in key and load-time order."""
    found = rows(db, "select * from raw_vault.sat_order_status where record_source <> 'AUTOMATE_DV_SYSTEM'")
    return sorted(((ORDER_KEYS[r[0]], *r[1:]) for r in found), key=lambda r: (r[0], r[5]))


def test_loading_three_batches(project: Path, fresh_db):
    with fresh_db.connect(autocommit=True) as conn:
        conn.execute(LANDING_DDL)

    # ---- batch 1, ghost records off (the default)
    land(fresh_db, 1)
    dbt(project, "build")

    assert columns(fresh_db, "raw_vault", "hub_order") == [
        ("order_hk", "bytea"), ("order_id", "text"), ("load_datetime", TS), ("record_source", "text")]
    assert columns(fresh_db, "raw_vault", "hub_customer") == [
        ("customer_hk", "bytea"), ("customer_id", "text"), ("load_datetime", TS), ("record_source", "text")]
    assert columns(fresh_db, "raw_vault", "link_order_customer") == [
        ("order_customer_hk", "bytea"), ("order_hk", "bytea"), ("customer_hk", "bytea"),
        ("load_datetime", TS), ("record_source", "text")]
    assert columns(fresh_db, "raw_vault", "sat_order_status") == [
        ("order_hk", "bytea"), ("order_status_hashdiff", "bytea"), ("order_status", "text"),
        ("amount", "numeric"), ("effective_from", TS), ("load_datetime", TS), ("record_source", "text")]
    # stage: source columns (batch_id replaced by its derived namesake), derived, then hashed
    assert [c for c, _ in columns(fresh_db, "staging", "stg_orders")] == [
        "load_datetime", "src_system", "order_id", "customer_id", "order_status", "amount", "status_date",
        "record_source", "effective_from", "batch_id", "order_customer_ref", "feed_name",
        "order_hk", "customer_hk", "order_customer_hk", "order_status_hashdiff"]
    # without source columns: derived, null keys (original kept), hashed, ranked
    assert [c for c, _ in columns(fresh_db, "staging", "stg_order_extras")] == [
        "record_source", "load_datetime", "order_id", "customer_id_original", "customer_id",
        "order_status_original", "order_status", "order_hk", "row_hashdiff", "delivery_rank"]

    assert rows(fresh_db, "select octet_length(order_hk), octet_length(order_status_hashdiff) "
                          "from raw_vault.sat_order_status group by 1, 2") == [(16, 16)]
    assert ghosts(fresh_db) == []
    assert len(rows(fresh_db, "select 1 from raw_vault.hub_order")) == 5
    # two rows of o4 at one load time: the hub takes the earliest record source ('crm', as 'o4'),
    # the satellite the greatest effective-from ('picked', from 'web')
    assert rows(fresh_db, "select order_id, record_source from raw_vault.hub_order where order_hk = %s",
                (md5("O4"),)) == [("o4", "crm")]

    # ---- batch 2, ghost records on: the ghost is added to the existing satellite
    land(fresh_db, 2)
    dbt(project, "run", "--vars", "{enable_ghost_records: true}")
    assert ghosts(fresh_db) == [
        (GHOST_KEY, GHOST_KEY, None, None, GHOST_DATE, GHOST_DATE, "AUTOMATE_DV_SYSTEM")]

    # ---- batch 3
    land(fresh_db, 3)
    dbt(project, "run", "--vars", "{enable_ghost_records: true}")
    after_batch_3 = snapshot(fresh_db)

    hub_order = rows(fresh_db, "select order_hk, order_id, load_datetime, record_source from raw_vault.hub_order")
    assert sorted(hub_order) == sorted([
        (md5("O1"), " o1 ", T1, "crm"),   # the first business key, spaces included
        (md5("O2"), "o2", T1, "crm"),
        (md5("O3"), "o3", T1, "crm"),
        (md5("O4"), "o4", T1, "crm"),
        (md5("O5"), "o5", T1, "crm"),
        (md5("O6"), "o6", T2, "crm"),
    ])
    assert sorted(rows(fresh_db, "select customer_id, load_datetime from raw_vault.hub_customer")) == [
        ("c1", T1), ("c2", T1), ("c3", T2), ("c4", T1), ("c5", T1), ("c6", T2), ("c9", T1)]
    # several stages: the earliest load time across them, ties to the smaller record source
    assert sorted(rows(fresh_db, "select order_id, load_datetime, record_source from raw_vault.hub_order_multi "
                                 "where order_hk <> %s", (md5("O4"),))) == [
        (" o1 ", T1, "AAA_EXTRAS"), ("o2", T1, "AAA_EXTRAS"), ("o3", T1, "AAA_EXTRAS"),
        ("o5", T1, "AAA_EXTRAS"), ("o6", T2, "AAA_EXTRAS")]
    assert len(rows(fresh_db, "select 1 from raw_vault.hub_order_multi")) == 6

    # links: NULL hub keys on either side (o3 without customer, c9 without order) are skipped
    link = rows(fresh_db, "select order_customer_hk, order_hk, customer_hk, load_datetime "
                          "from raw_vault.link_order_customer")
    assert sorted(link) == sorted(
        (md5(f"O{n}||C{c}"), md5(f"O{n}"), md5(f"C{c}"), t)
        for n, c, t in [(1, 1, T1), (2, 2, T1), (3, 3, T2), (4, 4, T1), (5, 5, T1), (6, 6, T2)]
    )

    assert sat_rows(fresh_db) == [
        ("O1", md5("10.00||CREATED"), "created", Decimal("10.00"), T1, T1, "crm"),
        # A -> B -> A: three rows; the hashdiff is over the columns sorted by name (amount first)
        ("O2", md5("20.00||CREATED"), "created", Decimal("20.00"), T1, T1, "crm"),
        ("O2", md5("20.00||SHIPPED"), "shipped", Decimal("20.00"), T2, T2, "crm"),
        ("O2", md5("20.00||CREATED"), "created", Decimal("20.00"), T3, T3, "crm"),
        ("O3", md5("30.00||CREATED"), "created", Decimal("30.00"), T1, T1, "crm"),
        ("O4", md5("40.00||PICKED"), "picked", Decimal("40.00"), datetime(2024, 1, 1, 6), T1, "web"),
        ("O5", md5("^^||^^"), None, None, T1, T1, "crm"),
        ("O6", md5("60.00||NEW"), "new", Decimal("60.00"), T2, T2, "crm"),
    ]
    assert len(ghosts(fresh_db)) == 1

    # stage extras: null keys replaced (-1 required, -2 optional), hashdiff over all but excluded columns
    extras = rows(fresh_db, "select order_id, customer_id_original, customer_id, order_status_original, "
                            "order_status, row_hashdiff, delivery_rank from staging.stg_order_extras "
                            "where load_datetime = %s", (T1,))
    by_order = {r[0]: r[1:] for r in extras if r[0] is not None}
    # delivery_rank orders each key's deliveries latest first: o3 came twice, o5 three times
    assert by_order["o3"] == (None, "-1", "created", "created", md5("30.00||-1||O3||CREATED"), 2)
    assert by_order["o5"] == ("c5", "c5", None, "-2", md5("^^||C5||O5||-2"), 3)
    assert rows(fresh_db, "select distinct batch_id, feed_name from staging.stg_orders order by 1") == [
        (10, "LANDING.SRC_ROWS"), (20, "LANDING.SRC_ROWS"), (30, "LANDING.SRC_ROWS")]
    assert rows(fresh_db, "select order_customer_ref from staging.stg_orders where order_id = 'o3' "
                          "order by load_datetime") == [("o3",), ("o3||c3",)]

    # ---- batch 3 delivered again (same load time) and a rerun: nothing changes anywhere
    land(fresh_db, 3)
    dbt(project, "run", "--vars", "{enable_ghost_records: true}")
    assert snapshot(fresh_db) == after_batch_3

    # ---- a full rebuild from all staged batches gives the same tables, the ghost added on first build
    dbt(project, "run", "--full-refresh", "--vars", "{enable_ghost_records: true}")
    assert snapshot(fresh_db) == after_batch_3
    assert len(ghosts(fresh_db)) == 1
