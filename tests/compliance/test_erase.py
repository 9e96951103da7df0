"""dvkit erase on a vault built from the real Olist subset, marts included.

One customer is given a second location delivery, so the key has two satellite versions; the
customer is erased through the command line, and everything else is compared row for row with a
snapshot taken just before.
"""

from __future__ import annotations

import csv
import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from psycopg import sql
from psycopg.rows import dict_row

from generator.build import build
from generator.cli import main
from generator.compliance.erase import ERASED_RAW, hub_key_of, plan_erasure, rebuild_marts
from generator.compliance.subjects import erase
from generator.db import Database, ensure_database
from generator.errors import DvkitError
from generator.hashing import hash_key, hashdiff
from generator.load.landing import load_batch
from generator.spec.model import Spec

from ..conftest import REPO, olist_data
from ..integration.project import make_project

pytestmark = [pytest.mark.db, pytest.mark.dbt]

LOCATION = ("customer_zip_code_prefix", "customer_city", "customer_state")
REVIEW_TEXT = ("review_comment_title", "review_comment_message")
REASON = "GDPR art. 17 request, ticket 4711"
NEW_LOCATION = ("99990", "cidade apagavel", "ZZ")  # the second delivery of the erased customer
QUARANTINED_LOCATION = ("99991", "cidade posta de lado", "YY")  # in lines that were set aside


@dataclass
class Vault:
    root: Path
    spec: Spec
    db: Database


@dataclass
class Erased:
    """The customer erasure: who, and the state just before and just after."""

    key: str
    hub_key: bytes
    personal_values: set[str]
    output: str
    before: dict[str, Any]
    after: dict[str, Any]


def _rows(db: Database, query: sql.Composable | str, params: Any = ()) -> list[tuple[Any, ...]]:
    with db.connect() as conn:
        return conn.execute(query, params).fetchall()


def _dicts(db: Database, query: sql.Composable | str, params: Any = ()) -> list[dict[str, Any]]:
    with db.connect(row_factory=dict_row) as conn:
        return conn.execute(query, params).fetchall()


@pytest.fixture(scope="module")
def vault(pg_server: Database, tmp_path_factory: pytest.TempPathFactory) -> Vault:
    root, spec = make_project(tmp_path_factory.mktemp("erase"), business_vault="all")
    name = f"erase_{uuid.uuid4().hex[:8]}"
    ensure_database(pg_server, name)
    db = Database(**{**pg_server.__dict__, "dbname": name})
    load_batch(db, spec, olist_data(), dt.datetime(2020, 1, 1))
    # A second delivery: one customer (a person with one customer id) moves, so its satellite holds
    # two versions.
    row = _dicts(db, "select customer_id, customer_unique_id from landing.customers "
                     "where customer_city is not null and customer_unique_id in ("
                     "    select customer_unique_id from landing.customers group by 1 having count(*) = 1) "
                     "order by customer_unique_id limit 1")[0]
    moved = tmp_path_factory.mktemp("moved")
    with (moved / "olist_customers_dataset.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL)
        writer.writerow(["customer_id", "customer_unique_id", *LOCATION])
        writer.writerow([row["customer_id"], row["customer_unique_id"], *NEW_LOCATION])
        # Lines that cannot be read (a field too many) are set aside with their raw text: one of
        # the customer erased below, one of another customer.
        writer.writerow([row["customer_id"], row["customer_unique_id"], *QUARANTINED_LOCATION, "x"])
        writer.writerow(["other-customer-id", "other-unique-id", *QUARANTINED_LOCATION, "x"])
    load_batch(db, spec, moved, dt.datetime(2020, 2, 1))
    build(root, db, spec, mode="builtin")
    return Vault(root, spec, db)


def _raw_vault(db: Database) -> dict[str, list[str]]:
    """Every raw vault table as its sorted rows, each row as PostgreSQL's text of the whole row."""
    tables = [name for (name,) in _rows(db, "select table_name from information_schema.tables where "
                                            "table_schema = 'raw_vault' and table_type = 'BASE TABLE'")]
    return {name: sorted(text for (text,) in _rows(db, sql.SQL("select cast(t as text) from {} as t").format(
        sql.Identifier("raw_vault", name)))) for name in tables}


def _landing(db: Database, table: str) -> list[dict[str, Any]]:
    return _dicts(db, sql.SQL("select * from {} order by _batch_id, _source_line").format(
        sql.Identifier("landing", table)))


def _totals(db: Database) -> dict[str, Any]:
    """Mart figures that do not depend on personal data."""
    queries = {
        "orders": "select count(*), sum(order_value), sum(items_value), sum(freight_value) from marts.fct_orders",
        "items": "select count(*), sum(price), sum(freight_value) from marts.fct_order_items",
        "payments": "select count(*), sum(payment_value) from marts.fct_payments",
        "sellers": "select count(*), sum(revenue), sum(orders) from marts.mart_seller_scorecard",
        "customers": "select count(*), count(distinct customer_unique_id) from marts.dim_customer",
        "reviews": "select count(*), sum(review_score) from marts.fct_reviews",
    }
    return {name: _rows(db, query)[0] for name, query in queries.items()}


def _log_count(db: Database) -> int:
    if not _rows(db, "select to_regclass('dvkit.erasure_log') is not null")[0][0]:
        return 0
    return int(_rows(db, "select count(*) from dvkit.erasure_log")[0][0])


def _state(vault: Vault, key: str) -> dict[str, Any]:
    return {
        "raw_vault": _raw_vault(vault.db),
        "landing": _landing(vault.db, "customers"),
        "totals": _totals(vault.db),
        "dim_customer": _rows(vault.db, "select customer_zip_code_prefix, customer_city, customer_state, valid_from "
                                        "from marts.dim_customer where customer_unique_id = %s order by valid_from",
                              (key,)),
        "log": _log_count(vault.db),
        "quarantine": _rows(vault.db, "select line, raw, reason from landing.quarantine where source = 'customers' "
                                          "order by batch_id, line"),
        "sla": _rows(vault.db, "select delivery_month, customer_state, customers, delivered_orders, late_orders "
                               "from marts.mart_delivery_sla_monthly order by delivery_month, customer_state"),
        "delivered": _rows(vault.db, "select delivered_customer_at from marts.fct_orders "
                                     "where customer_unique_id = %s and is_delivered", (key,)),
    }


@pytest.fixture(scope="module")
def erased(vault: Vault) -> Iterator[Erased]:
    """Erase the customer that moved, through the command line."""
    key = _rows(vault.db, "select customer_unique_id from landing.customers where customer_city = %s",
                (NEW_LOCATION[1],))[0][0]
    hub_key = hash_key([key])
    assert hub_key is not None
    personal = {str(v) for row in _rows(vault.db, "select customer_zip_code_prefix, customer_city, customer_state "
                                                  "from landing.customers where customer_unique_id = %s", (key,))
                for v in row if v}
    before = _state(vault, key)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DVKIT_DATABASE_URL", vault.db.conninfo())
        result = CliRunner().invoke(main, ["--project", str(vault.root), "erase", "customer", key,
                                           "--reason", REASON, "--yes"])
    assert result.exit_code == 0, result.output
    yield Erased(key, hub_key, personal, result.output, before, _state(vault, key))


def test_the_customer_had_two_location_versions(erased: Erased) -> None:
    rows = [r for r in erased.before["raw_vault"]["sat_customer_location"] if erased.hub_key.hex() in r]
    assert len(rows) == 2
    assert all(value in " ".join(rows).lower() for value in ("cidade apagavel", "99990"))


def test_personal_satellite_rows_keep_the_audit_trail_and_lose_the_payload(vault: Vault, erased: Erased) -> None:
    empty = hashdiff([None, None, None], LOCATION)
    rows = _dicts(vault.db, "select * from raw_vault.sat_customer_location where customer_hk = %s "
                            "order by load_datetime", (erased.hub_key,))
    assert len(rows) == 2
    for row in rows:
        assert all(row[c] is None for c in LOCATION)
        assert bytes(row["customer_location_hashdiff"]) == empty
    assert [r["load_datetime"] for r in rows] == [dt.datetime(2020, 1, 1), dt.datetime(2020, 2, 1)]
    assert all(r["record_source"] and r["effective_from"] for r in rows)
    # The other customers' rows did not change.
    others_before = [r for r in erased.before["raw_vault"]["sat_customer_location"] if erased.hub_key.hex() not in r]
    others_after = [r for r in erased.after["raw_vault"]["sat_customer_location"] if erased.hub_key.hex() not in r]
    assert others_after == others_before and len(others_after) > 100


def test_every_other_raw_vault_table_is_unchanged(erased: Erased) -> None:
    before, after = erased.before["raw_vault"], erased.after["raw_vault"]
    assert set(before) == set(after) and len(before) >= 15
    for table in before:
        if table != "sat_customer_location":
            assert after[table] == before[table], table
    # The customer's other history is still there: hub row, links, effectivity.
    for table in ("hub_customer", "link_order_customer", "eff_sat_order_customer"):
        assert any(erased.hub_key.hex() in row for row in after[table]), table


def test_the_landing_rows_lose_only_their_personal_columns(erased: Erased) -> None:
    before, after = erased.before["landing"], erased.after["landing"]
    assert len(before) == len(after)
    mine = 0
    for old, new in zip(before, after, strict=True):
        if old["customer_unique_id"] == erased.key:
            mine += 1
            assert all(new[c] is None for c in LOCATION)
            assert {k: v for k, v in new.items() if k not in LOCATION} == \
                   {k: v for k, v in old.items() if k not in LOCATION}
        else:
            assert new == old
    assert mine == 2


def test_set_aside_lines_of_the_key_lose_their_raw_text(erased: Erased) -> None:
    before, after = erased.before["quarantine"], erased.after["quarantine"]
    assert len(before) == len(after) == 2
    (mine_before, other_before), (mine_after, other_after) = before, after
    assert erased.key in mine_before[1] and QUARANTINED_LOCATION[1] in mine_before[1]
    assert erased.key not in mine_after[1] and QUARANTINED_LOCATION[1] not in mine_after[1]
    assert "erased" in mine_after[1]
    assert (mine_after[0], mine_after[2]) == (mine_before[0], mine_before[2])  # line and reason stay
    assert other_after == other_before


def test_the_log_has_one_entry_without_business_key_or_personal_values(vault: Vault, erased: Erased) -> None:
    rows = _dicts(vault.db, "select * from dvkit.erasure_log where hub_key = %s", (erased.hub_key,))
    assert len(rows) == 1
    entry = rows[0]
    assert entry["entity"] == "customer" and entry["reason"] == REASON
    assert sorted(entry["tables"]) == ["landing.customers", "landing.quarantine", "raw_vault.sat_customer_location"]
    assert entry["rows_erased"] == 5  # two satellite versions, two landing rows, one line set aside
    assert entry["erased_by"] == "postgres" and entry["erased_at"] is not None
    assert erased.after["log"] == erased.before["log"] + 1
    text = _rows(vault.db, "select cast(l as text) from dvkit.erasure_log l where hub_key = %s",
                 (erased.hub_key,))[0][0].lower()
    assert erased.key.lower() not in text
    words = " ".join(str(entry[c]) for c in ("entity", "reason", "tables", "erased_by")).lower()
    for value in erased.personal_values:
        assert value.lower() not in words
    assert all(value.lower() not in text for value in erased.personal_values if not value.isdigit())


def test_the_summary_shows_no_personal_value(erased: Erased) -> None:
    assert "raw_vault.sat_customer_location" in erased.output and "landing.customers" in erased.output
    assert erased.key not in erased.output
    assert all(value.lower() not in erased.output.lower() for value in erased.personal_values if len(value) > 2)


def test_the_marts_show_no_location_and_keep_their_totals(erased: Erased) -> None:
    before, after = erased.before["dim_customer"], erased.after["dim_customer"]
    assert len(before) == len(after) == 2
    assert any(value is not None for row in before for value in row[:3])
    assert all(value is None for row in after for value in row[:3])
    assert [row[3] for row in after] == [row[3] for row in before]
    assert erased.after["totals"] == erased.before["totals"]
    assert erased.before["totals"]["orders"][1] > Decimal(0)


def test_the_erasure_adds_no_aggregate_row_that_singles_the_customer_out(erased: Erased) -> None:
    """Before, the customer is alone in their state; after, alone under '(unknown)'. Both groups
    are too small to show, so the monthly SLA is the same row for row and no report tells them apart."""
    threshold = int(yaml.safe_load((REPO / "business_vault" / "dbt_project.yml").read_text(
        encoding="utf-8"))["vars"]["dvkit_min_cell_size"])
    before, after = erased.before["sla"], erased.after["sla"]
    assert erased.before["delivered"], "the erased customer has a delivered order, so the mart counts them"
    assert all(customers >= threshold for _, _, customers, _, _ in before + after)
    assert {state for _, state, *_ in before + after}.isdisjoint({NEW_LOCATION[2], "(unknown)"})
    assert after == before


def test_a_review_text_is_erased_with_the_key_typed_in_other_case_and_spaces(vault: Vault, erased: Erased) -> None:
    db = vault.db
    empty = hashdiff([None, None], REVIEW_TEXT)
    # The vault stores exactly this hashdiff for reviews delivered without text.
    assert _rows(db, "select count(*) from raw_vault.sat_review_text where review_comment_title is null "
                     "and review_comment_message is null and review_hk <> %s", (b"0" * 32,))[0][0] > 0
    assert _rows(db, "select count(*) from raw_vault.sat_review_text where review_comment_title is null "
                     "and review_comment_message is null and review_hk <> %s and review_text_hashdiff <> %s",
                 (b"0" * 32, empty))[0][0] == 0
    review_id = _rows(db, "select review_id from landing.order_reviews where review_comment_message is not null "
                          "and review_comment_title is not null order by review_id limit 1")[0][0]
    review_hk = hash_key([review_id])
    score_before = _rows(db, "select cast(s as text) from raw_vault.sat_review_score s where review_hk = %s",
                         (review_hk,))
    landing_before = _landing(db, "order_reviews")
    assert _rows(db, "select has_comment from marts.fct_reviews where review_id = %s", (review_id,)) == [(True,)]

    result = erase(db, vault.spec, "review", f"  {review_id.upper()} ", "request 12")
    assert result.hub_key == review_hk and result.entity == "review"
    assert result.tables == ["raw_vault.sat_review_text", "landing.order_reviews"]
    assert rebuild_marts(vault.root, db)

    rows = _dicts(db, "select * from raw_vault.sat_review_text where review_hk = %s", (review_hk,))
    assert rows and all(r["review_comment_title"] is None and r["review_comment_message"] is None
                        and bytes(r["review_text_hashdiff"]) == empty for r in rows)
    assert _rows(db, "select cast(s as text) from raw_vault.sat_review_score s where review_hk = %s",
                 (review_hk,)) == score_before
    for old, new in zip(landing_before, _landing(db, "order_reviews"), strict=True):
        if old["review_id"] == review_id:
            assert new["review_comment_title"] is None and new["review_comment_message"] is None
            assert {k: v for k, v in new.items() if k not in REVIEW_TEXT} == \
                   {k: v for k, v in old.items() if k not in REVIEW_TEXT}
        else:
            assert new == old
    assert _rows(db, "select has_comment from marts.fct_reviews where review_id = %s", (review_id,)) == [(False,)]
    # The same key typed as delivered: already erased, nothing changes, the request is still logged.
    again = erase(db, vault.spec, "review", review_id, "request 12, repeated")
    assert again.rows_erased == 0 and again.tables == []
    assert _rows(db, "select rows_erased, tables from dvkit.erasure_log where erasure_id = %s",
                 (again.erasure_id,)) == [(0, [])]


def test_keys_are_hashed_trimmed_and_upper_cased(vault: Vault) -> None:
    hub = plan_erasure(vault.spec, "customer").hub
    assert hub_key_of(vault.spec, hub, "  AbC ") == hub_key_of(vault.spec, hub, "abc") == hash_key(["ABC"])
    with pytest.raises(DvkitError, match="empty"):
        hub_key_of(vault.spec, hub, "   ")


@pytest.mark.parametrize(("entity", "key", "reason", "message"), [
    ("customer", "no-such-customer", "request 1", "no customer with key 'no-such-customer'"),
    ("seller", "whatever", "request 1", "nothing personal to erase"),
    ("product", "whatever", "request 1", "nothing personal to erase"),
    ("customer", "no-such-customer", "", "reason"),
    ("customer", "no-such-customer", "   ", "reason"),
    ("custmer", "x", "request 1", "no hub named 'custmer'"),
])
def test_mistakes_are_refused_with_a_message_and_change_nothing(vault: Vault, erased: Erased, entity: str, key: str,
                                                                reason: str, message: str) -> None:
    logged = _log_count(vault.db)
    with pytest.raises(DvkitError, match=message):
        erase(vault.db, vault.spec, entity, key, reason)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DVKIT_DATABASE_URL", vault.db.conninfo())
        result = CliRunner().invoke(main, ["--project", str(vault.root), "erase", entity, key,
                                           "--reason", reason, "--yes"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "error:" in result.output and message.split("'")[0] in result.output
    assert _log_count(vault.db) == logged


def test_the_reason_may_not_hold_the_key_and_a_refused_prompt_erases_nothing(vault: Vault, erased: Erased) -> None:
    key = _rows(vault.db, "select customer_unique_id from landing.customers where customer_city is not null "
                          "order by customer_unique_id desc limit 1")[0][0]
    logged = _log_count(vault.db)
    with pytest.raises(DvkitError, match="contains the business key"):
        erase(vault.db, vault.spec, "customer", key, f"customer {key} asked")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DVKIT_DATABASE_URL", vault.db.conninfo())
        result = CliRunner().invoke(main, ["--project", str(vault.root), "erase", "customer", key,
                                           "--reason", "request 2"], input="n\n")
    assert result.exit_code == 1 and "Aborted" in result.output
    assert _log_count(vault.db) == logged
    assert _rows(vault.db, "select count(*) from landing.customers where customer_unique_id = %s "
                           "and customer_city is not null", (key,))[0][0] > 0


def test_values_reach_the_database_only_as_parameters(vault: Vault, erased: Erased) -> None:
    hostile = "x' or '1'='1"
    landing = _landing(vault.db, "customers")
    with pytest.raises(DvkitError, match="no customer with key"):
        erase(vault.db, vault.spec, "customer", hostile, "request 3")
    assert _landing(vault.db, "customers") == landing


# -- the parts of the policy the Olist model does not use ---------------------------------------------

MINI_SPEC = """
sources:
  - name: people
    file: people.csv
    columns: {person_id: text, person_code: text, full_name: text, city: text}
    personal_data: {columns: [full_name], retention: P5Y}
  - name: phones
    file: phones.csv
    columns: {person_id: text, phone_seq: integer, phone: text}
    lookups:
      - {source: people, on: person_id, columns: [person_code]}
    personal_data: {columns: [phone], retention: P1Y}
hubs:
  - name: person
    business_key: person_code
    sources: [{source: people}, {source: phones}]
satellites:
  - {name: person_name, parent: person, source: people, payload: [full_name]}
  - {name: person_city, parent: person, source: people, payload: [city]}
multi_active_satellites:
  - {name: person_phones, parent: person, source: phones, child_key: phone_seq, payload: [phone]}
tracking_satellites:
  - {name: person, parent: person, satellites: [person_name, person_city]}
"""

MINI_TABLES = """
create schema landing;
create schema raw_vault;
create table landing.people (person_id text, person_code text, full_name text, city text, _source_line int);
create table landing.phones (person_id text, phone_seq integer, phone text, _source_line int);
create table landing.quarantine (batch_id bigint, source text, file_name text, line integer, raw text, reason text);
create table raw_vault.hub_person (person_hk bytea, person_code text, load_datetime timestamp, record_source text);
create table raw_vault.sat_person_name (person_hk bytea, person_name_hashdiff bytea, full_name text,
    effective_from timestamp, load_datetime timestamp, record_source text);
create table raw_vault.sat_person_city (person_hk bytea, person_city_hashdiff bytea, city text,
    effective_from timestamp, load_datetime timestamp, record_source text);
create table raw_vault.ma_sat_person_phones (person_hk bytea, person_phones_hashdiff bytea, phone_seq integer,
    phone text, effective_from timestamp, load_datetime timestamp, record_source text);
create table raw_vault.xts_person (person_hk bytea, hashdiff bytea, satellite_name text, load_datetime timestamp,
    record_source text);
"""


def test_multi_active_and_tracking_satellites_and_a_key_reached_through_a_lookup(fresh_db: Database,
                                                                                 tmp_path: Path) -> None:
    from generator.spec.validate import load_spec

    (tmp_path / "vault_spec").mkdir()
    (tmp_path / "vault_spec" / "spec.yml").write_text(MINI_SPEC, encoding="utf-8")
    spec = load_spec(tmp_path / "vault_spec", tmp_path).spec
    assert spec is not None
    ana, bruno = hash_key(["CODE1"]), hash_key(["CODE2"])
    t1, t2 = dt.datetime(2024, 1, 1), dt.datetime(2024, 2, 1)

    def name_hd(name: str | None) -> bytes:
        return hashdiff([name], ["full_name"])

    def phone_hd(seq: int, phone: str | None) -> bytes:
        return hashdiff([seq, phone], ["phone_seq", "phone"])

    with fresh_db.connect() as conn:
        conn.execute(MINI_TABLES)
        conn.cursor().executemany("insert into landing.people values (%s, %s, %s, %s, %s)", [
            ("id1", "code1", "Ana Souza", "Recife", 1), ("id1b", " CODE1 ", "Ana S.", "Olinda", 2),
            ("id2", "code2", "Bruno Lima", "Natal", 3)])
        conn.cursor().executemany("insert into landing.phones values (%s, %s, %s, %s)", [
            ("id1", 1, "+55 81 1111", 1), ("id1", 2, "+55 81 2222", 2), ("id1b", 1, "+55 81 3333", 3),
            ("id2", 1, "+55 84 4444", 4)])
        # Lines set aside: the key is reached through the lookup's join column (person_id).
        conn.cursor().executemany("insert into landing.quarantine values (1, %s, 'phones.csv', %s, %s, 'bad')", [
            ("phones", 5, 'id1b,x,"+55 81 9999"'), ("phones", 6, 'id2,y,"+55 84 5555"'),
            ("people", 7, 'id9,"+55 81 9999",Ana')])
        conn.cursor().executemany("insert into raw_vault.sat_person_name values (%s, %s, %s, %s, %s, 'people.csv')", [
            (ana, name_hd("Ana Souza"), "Ana Souza", t1, t1), (ana, name_hd("Ana S."), "Ana S.", t2, t2),
            (bruno, name_hd("Bruno Lima"), "Bruno Lima", t1, t1)])
        conn.cursor().executemany(
            "insert into raw_vault.sat_person_city values (%s, %s, %s, %s, %s, 'people.csv')", [
                (ana, hashdiff(["Recife"], ["city"]), "Recife", t1, t1),
                (bruno, hashdiff(["Natal"], ["city"]), "Natal", t1, t1)])
        conn.cursor().executemany(
            "insert into raw_vault.ma_sat_person_phones values (%s, %s, %s, %s, %s, %s, 'phones.csv')", [
                (ana, phone_hd(1, "+55 81 1111"), 1, "+55 81 1111", t1, t1),
                (ana, phone_hd(2, "+55 81 2222"), 2, "+55 81 2222", t1, t1),
                (bruno, phone_hd(1, "+55 84 4444"), 1, "+55 84 4444", t1, t1)])
        conn.cursor().executemany("insert into raw_vault.xts_person values (%s, %s, %s, %s, 'people.csv')", [
            (ana, name_hd("Ana Souza"), "sat_person_name", t1), (ana, name_hd("Ana S."), "sat_person_name", t2),
            (ana, hashdiff(["Recife"], ["city"]), "sat_person_city", t1),
            (bruno, name_hd("Bruno Lima"), "sat_person_name", t1)])
        conn.execute("insert into raw_vault.hub_person values (%s, 'code1', %s, 'people.csv'), "
                     "(%s, 'code2', %s, 'people.csv')", (ana, t1, bruno, t1))
    untouched = {t: _rows(fresh_db, sql.SQL("select cast(t as text) from {} as t order by 1").format(
        sql.Identifier("raw_vault", t))) for t in ("hub_person", "sat_person_city")}

    result = erase(fresh_db, spec, "person", "Code1", "request 7")

    assert result.rows == {"raw_vault.sat_person_name": 2, "raw_vault.ma_sat_person_phones": 2,
                           "raw_vault.xts_person": 2, "landing.people": 2, "landing.phones": 3,
                           "landing.quarantine": 1}
    assert [raw for (raw,) in _rows(fresh_db, "select raw from landing.quarantine order by line")] == [
        ERASED_RAW, 'id2,y,"+55 84 5555"', 'id9,"+55 81 9999",Ana']
    assert _rows(fresh_db, "select person_hk, person_name_hashdiff, full_name, load_datetime "
                           "from raw_vault.sat_person_name order by 4, 3 nulls first") == [
        (ana, name_hd(None), None, t1), (bruno, name_hd("Bruno Lima"), "Bruno Lima", t1),
        (ana, name_hd(None), None, t2)]
    # Each multi-active row keeps its child key, which its empty hashdiff still covers.
    assert _rows(fresh_db, "select person_hk, phone_seq, phone, person_phones_hashdiff "
                           "from raw_vault.ma_sat_person_phones order by 1, 2") == sorted([
        (ana, 1, None, phone_hd(1, None)), (ana, 2, None, phone_hd(2, None)),
        (bruno, 1, "+55 84 4444", phone_hd(1, "+55 84 4444"))])
    assert phone_hd(1, None) != phone_hd(2, None)
    assert _rows(fresh_db, "select person_hk, satellite_name, hashdiff from raw_vault.xts_person order by 1, 2, 3") \
        == sorted([(ana, "sat_person_name", name_hd(None)), (ana, "sat_person_name", name_hd(None)),
                   (ana, "sat_person_city", hashdiff(["Recife"], ["city"])),
                   (bruno, "sat_person_name", name_hd("Bruno Lima"))])
    assert _rows(fresh_db, "select person_code, full_name, city from landing.people order by _source_line") == [
        ("code1", None, "Recife"), (" CODE1 ", None, "Olinda"), ("code2", "Bruno Lima", "Natal")]
    assert _rows(fresh_db, "select person_id, phone from landing.phones order by _source_line") == [
        ("id1", None), ("id1", None), ("id1b", None), ("id2", "+55 84 4444")]
    for table, rows in untouched.items():
        assert _rows(fresh_db, sql.SQL("select cast(t as text) from {} as t order by 1").format(
            sql.Identifier("raw_vault", table))) == rows
    # Delivered but not built yet: the vault does not know the key, landing says why.
    with fresh_db.connect() as conn:
        conn.execute("insert into landing.people values ('id3', 'code3', 'Carla Dias', 'Natal', 4)")
    with pytest.raises(DvkitError, match="landing.people holds rows of it"):
        erase(fresh_db, spec, "person", "CODE3", "request 8")
    assert _rows(fresh_db, "select full_name from landing.people where person_id = 'id3'") == [("Carla Dias",)]
