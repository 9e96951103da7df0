"""Erasing persons on a vault built from the Olist data, marts included.

Three customers are erased in one run: one by its person key (customer_unique_id), one by the
customer_id of one of its orders (the spec's lookup relates the two), one from a keys file. The
customer is a data subject that reaches the reviews of its orders, so their text goes too. Then
the same files are loaded again and built: the erased values must not come back; and no file of
the project, no text column of the database keeps them.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from psycopg import sql

from generator.build import build
from generator.cli import main
from generator.db import Database, ensure_database
from generator.hashing import hash_key
from generator.load.landing import load_batch
from generator.spec.model import Spec

from ..conftest import olist_data
from ..integration.project import make_project

pytestmark = [pytest.mark.db, pytest.mark.dbt]

REASON = "GDPR art. 17 requests, tickets 90-92"
T1, T2 = dt.datetime(2020, 1, 1), dt.datetime(2020, 3, 1)
LOCATION = ("customer_zip_code_prefix", "customer_city", "customer_state")
TEXT = ("review_comment_title", "review_comment_message")
SEARCHED_SCHEMAS = ("landing", "staging", "raw_vault", "business_vault", "marts", "dvkit")


@dataclass
class Vault:
    root: Path
    spec: Spec
    db: Database


@dataclass
class People:
    """The three persons erased: how they were named, their keys, their reviews and their values."""

    typed: list[str]  # as given: a unique id, an order's customer_id, a unique id (keys file)
    unique_ids: list[str]
    hub_keys: list[bytes]
    review_ids: list[str]
    review_keys: list[bytes]
    texts: set[str]  # review titles and messages (long enough to be theirs alone)
    customer_ids: list[str]


def _rows(db: Database, query: sql.Composable | str, params: Any = ()) -> list[tuple[Any, ...]]:
    with db.connect() as conn:
        return conn.execute(query, params).fetchall()


def _cli(vault: Vault, *args: str) -> Result:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DVKIT_DATABASE_URL", vault.db.conninfo())
        return CliRunner().invoke(main, ["--project", str(vault.root), *args])


@pytest.fixture(scope="module")
def vault(pg_server: Database, tmp_path_factory: pytest.TempPathFactory) -> Vault:
    root, spec = make_project(tmp_path_factory.mktemp("erase_subjects"), business_vault="all")
    name = f"subjects_{uuid.uuid4().hex[:8]}"
    ensure_database(pg_server, name)
    db = Database(**{**pg_server.__dict__, "dbname": name})
    load_batch(db, spec, olist_data(), T1)
    build(root, db, spec, mode="builtin")
    return Vault(root, spec, db)


@pytest.fixture(scope="module")
def people(vault: Vault) -> People:
    # Persons with one customer id, an order and a review of it with a long message of its own.
    rows = _rows(vault.db, """
        select c.customer_unique_id, c.customer_id, r.review_id, r.review_comment_title, r.review_comment_message
        from landing.customers c join landing.orders o using (customer_id) join landing.order_reviews r using (order_id)
        where length(r.review_comment_message) > 40 and c.customer_city is not null
          and c.customer_unique_id in (select customer_unique_id from landing.customers group by 1 having count(*) = 1)
          and r.review_id in (select review_id from landing.order_reviews group by 1 having count(*) = 1)
          and r.review_comment_message in (
              select review_comment_message from landing.order_reviews group by 1 having count(*) = 1)
        order by c.customer_unique_id limit 3""")
    assert len(rows) == 3
    unique_ids = [r[0] for r in rows]
    texts = {t for r in rows for t in (r[3], r[4]) if t and len(t) > 12}
    keys = [hash_key([u]) for u in unique_ids]
    review_ids = [r[2] for r in rows]
    return People(typed=[unique_ids[0], f"  {rows[1][1].upper()} ", unique_ids[2]], unique_ids=unique_ids,
                  hub_keys=[k for k in keys if k], review_ids=review_ids,
                  review_keys=[k for k in (hash_key([r]) for r in review_ids) if k], texts=texts,
                  customer_ids=[r[1] for r in rows])


def _snapshot(db: Database) -> dict[str, list[str]]:
    tables = _rows(db, "select table_schema, table_name from information_schema.tables where table_schema in "
                       "('landing', 'raw_vault') and table_type = 'BASE TABLE' order by 1, 2")
    return {f"{s}.{t}": sorted(text for (text,) in _rows(db, sql.SQL("select cast(x as text) from {} as x").format(
        sql.Identifier(s, t)))) for s, t in tables}


@pytest.fixture(scope="module")
def dry_run(vault: Vault, people: People) -> Iterator[tuple[Result, dict[str, list[str]], dict[str, list[str]]]]:
    before = _snapshot(vault.db)
    result = _cli(vault, "erase", "customer", *people.typed, "--reason", REASON, "--dry-run")
    yield result, before, _snapshot(vault.db)


@pytest.fixture(scope="module")
def erased(vault: Vault, people: People, dry_run: Any) -> Iterator[tuple[Result, int]]:
    """Trace dossiers are written, then the three persons erased in one run (one from a keys file)."""
    for entity, key in (("customer", people.unique_ids[0]), ("review", people.review_ids[0])):
        traced = _cli(vault, "trace", entity, key, "--format", "html")
        assert traced.exit_code == 0, traced.output
    assert len(list((vault.root / ".dvkit").glob("trace-*.html"))) == 2
    keys_file = vault.root.parent / "keys.txt"
    keys_file.write_text(f"# request 92\n{people.typed[2]}\n", encoding="utf-8")
    from generator.compliance import erasure

    rebuilds = []
    original = erasure.rebuild_marts

    def counted(project: Path, db: Database) -> bool:
        rebuilds.append(project)
        return original(project, db)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(erasure, "rebuild_marts", counted)
        result = _cli(vault, "erase", "customer", *people.typed[:2], "--keys-file", str(keys_file),
                      "--reason", REASON, "--yes")
    keys_file.unlink()
    assert result.exit_code == 0, result.output
    yield result, len(rebuilds)


def test_a_dry_run_lists_tables_columns_and_counts_and_changes_nothing(vault: Vault, dry_run: Any) -> None:
    result, before, after = dry_run
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "dry run" in text and "nothing was changed" in text
    for table in ("raw_vault.sat_customer_location", "raw_vault.sat_review_text", "landing.customers",
                  "landing.order_reviews"):
        assert table in text
    assert "customer_city" in text and "review_comment_message" in text
    assert after == before
    assert _rows(vault.db, "select to_regclass('dvkit.erasure_register'), to_regclass('dvkit.erasure_log')")[0] \
        == (None, None)  # no log and no register: the transaction was rolled back


def test_one_run_erases_the_persons_and_the_reviews_they_reach(vault: Vault, people: People,
                                                               erased: tuple[Result, int]) -> None:
    result, rebuilds = erased
    assert rebuilds == 1
    db = vault.db
    locations = _rows(db, "select customer_hk, customer_zip_code_prefix, customer_city, customer_state "
                          "from raw_vault.sat_customer_location where customer_hk = any(%s)", (people.hub_keys,))
    assert {bytes(r[0]) for r in locations} == set(people.hub_keys)
    assert all(v is None for r in locations for v in r[1:])
    texts = _rows(db, "select review_hk, review_comment_title, review_comment_message from raw_vault.sat_review_text "
                      "where review_hk = any(%s)", (people.review_keys,))
    assert {bytes(r[0]) for r in texts} == set(people.review_keys)
    assert all(v is None for r in texts for v in r[1:])
    # Others keep theirs; scores of the reviews stay.
    assert _rows(db, "select count(*) from raw_vault.sat_customer_location where customer_city is not null")[0][0] > 100
    assert _rows(db, "select count(*) from raw_vault.sat_review_score where review_hk = any(%s) "
                     "and review_score is not null", (people.review_keys,))[0][0] == 3
    assert _rows(db, "select count(*) from landing.order_reviews where review_id = any(%s) and "
                     "(review_comment_message is not null or review_comment_title is not null)",
                 (people.review_ids,))[0][0] == 0
    # One run in the log: a row per person and per review whose text went, all with the run's id.
    log = _rows(db, "select entity, hub_key, run_id, rows_erased from dvkit.erasure_log order by erasure_id")
    assert {r[2] for r in log} == {log[0][2]} and log[0][2] is not None
    assert sorted((r[0], bytes(r[1])) for r in log) == sorted(
        [("customer", k) for k in people.hub_keys] + [("review", k) for k in people.review_keys])
    # The register: hash keys, hubs, columns, the run, a time; no business key.
    register = _rows(db, "select entity, hub_key, erased_columns, erasure_id, erased_at from dvkit.erasure_register")
    assert {(r[0], bytes(r[1])) for r in register} >= {("customer", k) for k in people.hub_keys}
    assert all(r[3] == log[0][2] and r[4] is not None for r in register)
    assert "landing.customers.customer_city" in next(r[2] for r in register if r[0] == "customer")
    text = " ".join(str(r) for r in _rows(db, "select cast(x as text) from dvkit.erasure_register x")).lower()
    assert not any(k.lower() in text for k in (*people.unique_ids, *people.review_ids))
    output = " ".join(result.output.split())
    assert "3 customer" in output and "review" in output and "rebuilt" in output
    assert not any(k in result.output for k in (*people.unique_ids, *people.review_ids))
    # The marts were rebuilt: no location, no comment for them.
    assert _rows(db, "select count(*) from marts.dim_customer where customer_unique_id = any(%s) "
                     "and customer_city is not null", (people.unique_ids,))[0][0] == 0
    assert _rows(db, "select count(*) from marts.fct_reviews where review_id = any(%s) and has_comment",
                 (people.review_ids,))[0][0] == 0


def test_a_key_that_matches_nothing_refuses_the_whole_request(vault: Vault, people: People,
                                                              erased: tuple[Result, int]) -> None:
    logged = _rows(vault.db, "select count(*) from dvkit.erasure_log")[0][0]
    other = _rows(vault.db, "select customer_unique_id from landing.customers where customer_city is not null "
                            "order by customer_unique_id desc limit 1")[0][0]
    result = _cli(vault, "erase", "customer", other, "no-such-person", "--reason", "request 93", "--yes")
    assert result.exit_code == 1
    text = " ".join(result.output.split())
    assert "no customer with key 'no-such-person'" in text
    assert "customer_unique_id (the key of hub customer)" in text and "customer_id (through landing.customers)" in text
    assert _rows(vault.db, "select count(*) from dvkit.erasure_log")[0][0] == logged
    assert _rows(vault.db, "select count(*) from landing.customers where customer_unique_id = %s "
                           "and customer_city is not null", (other,))[0][0] > 0


def _files_naming(root: Path, needles: set[str]) -> list[str]:
    found = []
    lowered = [n.lower() for n in needles]
    for path in root.rglob("*"):
        if path.is_file():
            text = path.read_bytes().decode("utf-8", "replace").lower()
            found += [f"{path.relative_to(root)}: {n}" for n in lowered if n in text]
    return found


def _columns_holding(db: Database, needles: set[str]) -> list[str]:
    columns = _rows(db, "select c.table_schema, c.table_name, c.column_name from information_schema.columns c "
                        "join information_schema.tables t using (table_schema, table_name) "
                        "where c.table_schema = any(%s) and c.data_type in ('text', 'character varying') "
                        "and t.table_type = 'BASE TABLE'", (list(SEARCHED_SCHEMAS),))
    found = []
    for schema, table, column in columns:
        for needle in needles:
            hit = _rows(db, sql.SQL("select 1 from {} where strpos(lower({}), %s) > 0 limit 1").format(
                sql.Identifier(schema, table), sql.Identifier(column)), (needle.lower(),))
            if hit:
                found.append(f"{schema}.{table}.{column}: {needle[:20]}")
    return found


def test_nothing_left_behind_in_files_or_tables(vault: Vault, people: People, erased: tuple[Result, int]) -> None:
    assert (vault.root / "business_vault" / "target" / "run_results.json").exists()
    invocation = json.loads((vault.root / "business_vault" / "target" / "run_results.json").read_text())["args"]
    assert "erase" not in invocation["invocation_command"] or "dvkit-erasure" in invocation["invocation_command"]
    assert list((vault.root / ".dvkit").glob("trace-*")) == []
    keys = {*people.unique_ids, *people.review_ids, *people.customer_ids}
    assert _files_naming(vault.root, keys | people.texts) == []
    assert _columns_holding(vault.db, people.texts) == []


@pytest.fixture(scope="module")
def reloaded(vault: Vault, people: People, erased: Any) -> tuple[Result, dict[str, int]]:
    """The same files loaded again (a new delivery), and built."""
    counts = {t: _rows(vault.db, sql.SQL("select count(*) from {}").format(sql.Identifier("raw_vault", t)))[0][0]
              for t in ("sat_customer_location", "sat_review_text")}
    result = _cli(vault, "load", str(olist_data()), "--load-time", T2.isoformat(sep=" "))
    assert result.exit_code == 0, result.output
    build(vault.root, vault.db, vault.spec, mode="builtin")
    return result, counts


def test_erased_stays_erased_when_the_same_files_are_loaded_again(vault: Vault, people: People,
                                                                  reloaded: tuple[Result, dict[str, int]]) -> None:
    result, counts = reloaded
    db = vault.db
    batch = _rows(db, "select max(batch_id) from landing.batches")[0][0]
    assert batch == 2
    # The new landing rows of the erased keys landed without their personal columns, and were counted.
    assert _rows(db, "select count(*), count(customer_city) from landing.customers where _batch_id = %s "
                     "and customer_unique_id = any(%s)", (batch, people.unique_ids))[0] == (3, 0)
    assert _rows(db, "select count(*), count(review_comment_message) from landing.order_reviews where _batch_id = %s "
                     "and review_id = any(%s)", (batch, people.review_ids))[0] == (3, 0)
    erased = dict(_rows(db, "select source, rows_erased from landing.batch_files where batch_id = %s", (batch,)))
    assert erased["customers"] == 3 and erased["order_reviews"] == 3
    assert "kept erased: 6 row(s)" in " ".join(result.output.split())
    # Others' rows landed whole.
    assert _rows(db, "select count(customer_city) from landing.customers where _batch_id = %s", (batch,))[0][0] > 100
    # No new satellite version for the erased keys: their latest version is already the empty one.
    for table, column, keys in (("sat_customer_location", "customer_hk", people.hub_keys),
                                ("sat_review_text", "review_hk", people.review_keys)):
        assert _rows(db, sql.SQL("select count(*) from {} where {} = any(%s) and load_datetime = %s").format(
            sql.Identifier("raw_vault", table), sql.Identifier(column)), (keys, T2))[0][0] == 0
    assert _columns_holding(db, people.texts) == []


def test_the_trace_shows_no_value_coming_back(vault: Vault, people: People, reloaded: Any) -> None:
    for entity, key in (("customer", people.unique_ids[0]), ("review", people.review_ids[0])):
        result = _cli(vault, "trace", entity, key, "--format", "json")
        assert result.exit_code == 0, result.output
        trace = json.loads(result.output)
        kinds = [e["kind"] for e in trace["events"]]
        assert "erasure" in kinds
        for event in trace["events"]:
            if event["name"] in ("customer_location", "review_text"):
                assert all(v is None for k, v in event["values"].items() if k in (*LOCATION, *TEXT)), event
        assert not any(t.lower() in result.output.lower() for t in people.texts)
