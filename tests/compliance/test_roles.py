"""dvkit db grant-reviewer: read-only roles over the vault, business vault, marts and erasure log.

Two roles on one built vault: the reviewer, who reads no personal column anywhere, and the
personal-data reviewer (--personal-data), who reads them all. Which columns are personal is written
out here from the spec by hand, independently of the code that derives them.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner
from psycopg import sql

from generator.build import build, run_dbt
from generator.cli import main
from generator.compliance.roles import grant_reviewer, regrant_reviewers, reviewer_database
from generator.compliance.subjects import erase
from generator.db import Database, ensure_database
from generator.errors import DvkitError
from generator.load.landing import load_batch
from generator.spec.model import Spec

from ..conftest import olist_data
from ..integration.project import make_project

pytestmark = [
    pytest.mark.db,
    pytest.mark.dbt,
]

READABLE = ("raw_vault", "business_vault", "marts")
# Personal data by the spec (sources.yml personal_data:), and where it flows; written out by hand.
PERSONAL = {
    "landing.customers": ["customer_zip_code_prefix", "customer_city", "customer_state"],
    "landing.order_reviews": ["review_comment_title", "review_comment_message"],
    "raw_vault.sat_customer_location": ["customer_zip_code_prefix", "customer_city", "customer_state",
                                        "customer_location_hashdiff"],
    "raw_vault.sat_review_text": ["review_comment_title", "review_comment_message", "review_text_hashdiff"],
    "marts.dim_customer": ["customer_zip_code_prefix", "customer_city", "customer_state"],
}
NOT_PERSONAL = {
    "landing.customers": ["customer_id", "customer_unique_id", "_source_line"],
    "raw_vault.sat_customer_location": ["customer_hk", "load_datetime", "record_source"],
    "raw_vault.sat_review_text": ["review_hk", "load_datetime"],
    "marts.dim_customer": ["customer_unique_id", "valid_from"],
    "marts.fct_orders": ["order_id"],
}
PERSONAL_NAMES = {c for columns in PERSONAL.values() for c in columns if not c.endswith("_hashdiff")}
PASSWORD = "pw-" + uuid.uuid4().hex  # never to be printed


@dataclass
class Vault:
    root: Path
    spec: Spec
    db: Database
    role: str
    output: str
    dpo: str  # the personal-data reviewer
    dpo_output: str


@pytest.fixture(scope="module")
def vault(pg_server: Database, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Vault]:
    root, spec = make_project(tmp_path_factory.mktemp("roles"), business_vault="all")
    name = f"roles_{uuid.uuid4().hex[:8]}"
    ensure_database(pg_server, name)
    db = Database(**{**pg_server.__dict__, "dbname": name})
    load_batch(db, spec, olist_data(), dt.datetime(2020, 1, 1))
    build(root, db, spec, mode="builtin")
    with db.connect() as conn:
        key = conn.execute("select review_id from landing.order_reviews "
                           "where review_comment_message is not null limit 1").fetchone()[0]
    erase(db, spec, "review", key, "request 5")  # so the log has a row to read
    role = f"reviewer_{uuid.uuid4().hex[:8]}"
    dpo = f"dpo_{uuid.uuid4().hex[:8]}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DVKIT_DATABASE_URL", db.conninfo())
        patch.setenv("REVIEWER_PW", PASSWORD)
        result = CliRunner().invoke(main, ["--project", str(root), "db", "grant-reviewer", role,
                                           "--password-env", "REVIEWER_PW"])
        dpo_result = CliRunner().invoke(main, ["--project", str(root), "db", "grant-reviewer", dpo,
                                               "--personal-data"])
    assert result.exit_code == 0, result.output
    assert dpo_result.exit_code == 0, dpo_result.output
    yield Vault(root, spec, db, role, result.output, dpo, dpo_result.output)
    with db.connect() as conn:  # roles belong to the server: leave none behind
        for name in (role, dpo):
            conn.execute(sql.SQL("drop owned by {}").format(sql.Identifier(name)))
            conn.execute(sql.SQL("drop role {}").format(sql.Identifier(name)))


def _as_reviewer(vault: Vault) -> psycopg.Connection:
    # The embedded server trusts local connections: no password needed to log in as the role.
    return reviewer_database(vault.db, vault.role).connect(autocommit=True)


def _as_dpo(vault: Vault) -> psycopg.Connection:
    return reviewer_database(vault.db, vault.dpo).connect(autocommit=True)


def _readable(conn: psycopg.Connection, schema: str, table: str) -> list[str]:
    """The columns the connected role may select, in table order."""
    return [name for (name,) in conn.execute(
        """select attname from pg_attribute where attrelid = %s::regclass and attnum > 0 and not attisdropped
           and has_column_privilege(attrelid, attnum, 'SELECT') order by attnum""",
        (sql.Identifier(schema, table).as_string(conn),))]


def _tables(db: Database, schema: str) -> list[str]:
    with db.connect() as conn:
        return [name for (name,) in conn.execute(
            "select table_name from information_schema.tables where table_schema = %s order by 1", (schema,))]


def test_the_command_prints_how_to_connect_and_never_the_password(vault: Vault) -> None:
    assert f"postgresql://{vault.role}@/{vault.db.dbname}?host=" in vault.output
    assert PASSWORD not in vault.output and "REVIEWER_PW" in vault.output
    with vault.db.connect() as conn:
        stored = conn.execute("select rolpassword from pg_authid where rolname = %s", (vault.role,)).fetchone()
    assert stored is not None and stored[0].startswith("SCRAM-SHA-256$") and PASSWORD not in stored[0]


def test_reviewer_database_is_the_same_database_as_the_role() -> None:
    db = Database(host="/tmp/s", port=5433, user="postgres", password="secret", dbname="vault", embedded=True)
    reviewer = reviewer_database(db, "auditor")
    assert (reviewer.host, reviewer.port, reviewer.dbname, reviewer.user, reviewer.password) == \
           ("/tmp/s", 5433, "vault", "auditor", "")
    with pytest.raises(DvkitError, match="not a safe role name"):
        reviewer_database(db, 'auditor"; drop table x; --')


def test_the_reviewer_reads_the_vault_the_marts_and_the_erasure_log(vault: Vault) -> None:
    with _as_reviewer(vault) as conn:
        assert conn.execute("select current_user").fetchone() == (vault.role,)
        for schema in READABLE:
            tables = _tables(vault.db, schema)
            assert tables, schema
            for table in tables:
                columns = _readable(conn, schema, table)
                assert columns, f"{schema}.{table}"
                conn.execute(sql.SQL("select {} from {} limit 1").format(
                    sql.SQL(", ").join(map(sql.Identifier, columns)), sql.Identifier(schema, table))).fetchall()
        assert conn.execute("select count(*) from raw_vault.hub_customer").fetchone()[0] > 0
        assert conn.execute("select count(*) from marts.fct_orders").fetchone()[0] > 0
        assert conn.execute("select entity from dvkit.erasure_log").fetchall() == [("review",)]


def test_the_reviewer_reads_landing_without_its_personal_data(vault: Vault) -> None:
    with _as_reviewer(vault) as conn:
        assert conn.execute("select count(*) from landing.batches").fetchone()[0] == 1
        row = conn.execute("select customer_unique_id, _source_file, _source_line from landing.customers "
                           "limit 1").fetchone()
        assert row is not None and row[1] == "olist_customers_dataset.csv.gz"
    for column in ("customer_city", "customer_zip_code_prefix", "customer_state"):
        with _as_reviewer(vault) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(sql.SQL("select {} from landing.customers limit 1").format(sql.Identifier(column)))
    with _as_reviewer(vault) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("select review_comment_message from landing.order_reviews limit 1")


def test_trace_and_lineage_work_as_the_reviewer(vault: Vault) -> None:
    from generator.compliance.lineage import lineage
    from generator.compliance.trace import trace

    reviewer = reviewer_database(vault.db, vault.role)
    with vault.db.connect() as conn:
        order_id = conn.execute("select order_id from raw_vault.hub_order order by order_id limit 1").fetchone()[0]
    result = trace(reviewer, vault.spec, "order", order_id.upper())
    status = [e for e in result.events if e.name == "order_status"]
    assert status and status[0].provenance and status[0].provenance[0].source_file == "olist_orders_dataset.csv.gz"
    node = lineage(vault.root, vault.spec, reviewer, "fct_order_items.price")
    assert "olist_order_items_dataset.csv" in repr(node)


def test_lineage_as_the_reviewer_is_the_owners_for_every_mart_and_business_vault_column(vault: Vault) -> None:
    """The reviewer may not read personal columns of landing, yet select * must expand the same."""
    from generator.compliance.lineage import LineageGraph

    with vault.db.connect() as conn:
        columns = conn.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where table_schema = any(%s) order by 1, 2, ordinal_position", (["marts", "business_vault"],)).fetchall()
    assert len({(s, t) for s, t, _ in columns}) >= 16
    owner = LineageGraph(vault.root, vault.spec, vault.db)
    reviewer = LineageGraph(vault.root, vault.spec, reviewer_database(vault.db, vault.role))
    different = []
    for schema, table, column in columns:
        target = f"{schema}.{table}.{column}"
        expected = owner.resolve(target)
        if reviewer.resolve(target).to_dict() != expected.to_dict():
            different.append(target)
    assert different == []
    city = reviewer.resolve("dim_customer.customer_city")
    files = [leaf.label for leaf in city.leaves() if leaf.kind == "csv"]
    assert files == ["olist_customers_dataset.csv : customer_city"]  # not the ids the wrong expansion gave


def test_the_lineage_command_as_the_reviewer_prints_the_owners_answer_and_no_sqlglot_noise(vault: Vault) -> None:
    answers = []
    for db in (vault.db, reviewer_database(vault.db, vault.role)):
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("DVKIT_DATABASE_URL", db.conninfo())
            result = CliRunner().invoke(main, ["--project", str(vault.root), "lineage", "dim_customer.customer_city"])
        assert result.exit_code == 0, result.output
        assert "Unknown subquery scope" not in result.output
        answers.append(result.output)
    assert answers[0] == answers[1]
    assert "landing.customers.customer_city  [landing]" in answers[1]
    assert "1 source column(s): olist_customers_dataset.csv : customer_city" in answers[1]


def test_lineage_refuses_when_the_role_cannot_read_the_catalog(vault: Vault) -> None:
    from generator.compliance.lineage import lineage

    with vault.db.connect() as conn:  # a hardened server: the catalog no longer names columns to everyone
        conn.execute("revoke select on pg_catalog.pg_attribute from public")
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("DVKIT_DATABASE_URL", reviewer_database(vault.db, vault.role).conninfo())
            result = CliRunner().invoke(main, ["--project", str(vault.root), "lineage", "dim_customer.customer_city"])
    finally:
        with vault.db.connect() as conn:
            conn.execute("grant select on pg_catalog.pg_attribute to public")
    assert result.exit_code == 1, result.output
    assert f"role '{vault.role}' cannot read the catalog" in result.output and "pg_attribute" in result.output
    assert "Traceback" not in result.output and "customers_dataset" not in result.output
    assert "olist_customers_dataset.csv" in repr(lineage(vault.root, vault.spec, reviewer_database(
        vault.db, vault.role), "dim_customer.customer_city"))  # granted back: answered again


@pytest.mark.parametrize("table", ["landing.customers", "landing.order_reviews",
                                   "staging.stg_customers", "staging.pending_order_reviews", "dvkit.builds"])
def test_the_reviewer_cannot_read_landing_staging_or_other_bookkeeping(vault: Vault, table: str) -> None:
    schema, name = table.split(".")
    with _as_reviewer(vault) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(sql.SQL("select * from {} limit 1").format(sql.Identifier(schema, name)))


WRITES = [
    "insert into raw_vault.hub_customer select * from raw_vault.hub_customer limit 1",
    "update raw_vault.sat_customer_location set customer_city = 'x'",
    "delete from raw_vault.sat_review_text",
    "truncate raw_vault.link_order_customer",
    "update marts.dim_customer set customer_city = 'x'",
    "delete from marts.fct_orders",
    "insert into business_vault.pit_order select * from business_vault.pit_order limit 1",
    "delete from dvkit.erasure_log",
    "update dvkit.erasure_log set reason = 'x'",
    "insert into dvkit.erasure_log (entity, hub_key, reason, tables, rows_erased) values ('x', '\\x00', 'x', '{}', 0)",
    "update landing.customers set customer_city = 'x'",
    "create table raw_vault.intruder (x int)",
    "create table business_vault.intruder (x int)",
    "create table marts.intruder (x int)",
    "create table dvkit.intruder (x int)",
    "create table landing.intruder (x int)",
    "create table staging.intruder (x int)",
    "create table public.intruder (x int)",
    "create view marts.intruder as select 1 as x",
    "create schema intruder",
]


@pytest.mark.parametrize("statement", WRITES)
def test_the_reviewer_writes_nowhere(vault: Vault, statement: str) -> None:
    with _as_reviewer(vault) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(statement)


def test_a_table_recreated_outside_dvkit_build_is_never_readable_in_full_until_granted_again(vault: Vault) -> None:
    with vault.db.connect() as conn:
        before = conn.execute("select 'marts.dim_customer'::regclass::oid").fetchone()
    outcome = run_dbt(vault.root, vault.db, ["run", "--select", "dim_customer", "dim_date"], None, None,
                      "business_vault")
    assert outcome.success, outcome.failures
    with vault.db.connect() as conn:
        after = conn.execute("select 'marts.dim_customer'::regclass::oid").fetchone()
    assert after != before  # dbt made new tables: they carry no column privileges
    with _as_reviewer(vault) as conn:
        assert _readable(conn, "marts", "dim_customer") == []  # not the whole table: nothing
    with _as_dpo(vault) as conn:  # the personal-data reviewer's default privileges cover it
        assert conn.execute("select count(customer_city) from marts.dim_customer").fetchone()[0] > 0
    lines = regrant_reviewers(vault.root, vault.db, vault.spec)
    assert f"reviewer {vault.role}: privileges granted again" in lines
    assert f"personal-data reviewer {vault.dpo}: privileges granted again" in lines
    with _as_reviewer(vault) as conn:
        assert conn.execute("select count(*) from marts.dim_date").fetchone()[0] > 0
        assert conn.execute("select count(customer_unique_id) from marts.dim_customer").fetchone()[0] > 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("select customer_city from marts.dim_customer limit 1")


def test_a_new_mart_column_derived_from_personal_data_is_hidden_after_dvkit_build(vault: Vault) -> None:
    """Nobody marks the new column: its lineage reaches customer_state, so the reviewer may not read it."""
    model = vault.root / "business_vault" / "models" / "marts" / "dim_customer_region.sql"
    model.write_text("select customer_hk, upper(customer_state) as region, load_datetime\n"
                     "from {{ source('raw_vault', 'sat_customer_location') }}\n", encoding="utf-8")
    with vault.db.connect() as conn:
        before = conn.execute("select 'marts.dim_customer'::regclass::oid").fetchone()
    built = CliRunner().invoke(main, ["--project", str(vault.root), "build", "--automate-dv", "builtin"],
                               env={"DVKIT_DATABASE_URL": vault.db.conninfo()})
    assert built.exit_code == 0, built.output
    assert f"reviewer {vault.role}: privileges granted again" in built.output
    with vault.db.connect() as conn:
        assert conn.execute("select 'marts.dim_customer'::regclass::oid").fetchone() != before  # recreated
        assert conn.execute("select count(*) from marts.dim_customer_region").fetchone()[0] > 0
    with _as_reviewer(vault) as conn:
        assert _readable(conn, "marts", "dim_customer_region") == ["customer_hk", "load_datetime"]
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("select region from marts.dim_customer_region limit 1")
    with _as_reviewer(vault) as conn:  # the tables the build recreated are as before
        assert "customer_city" not in _readable(conn, "marts", "dim_customer")
        assert conn.execute("select count(customer_unique_id) from marts.dim_customer").fetchone()[0] > 0
    with _as_dpo(vault) as conn:
        assert conn.execute("select count(region) from marts.dim_customer_region").fetchone()[0] > 0


def test_the_reviewer_reads_no_personal_column_anywhere(vault: Vault) -> None:
    for table, columns in PERSONAL.items():
        for column in columns:
            with _as_reviewer(vault) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(sql.SQL("select {} from {} limit 1").format(
                    sql.Identifier(column), sql.Identifier(*table.split("."))))
    with _as_reviewer(vault) as conn:
        for table, columns in NOT_PERSONAL.items():
            conn.execute(sql.SQL("select {} from {} limit 1").format(
                sql.SQL(", ").join(map(sql.Identifier, columns)), sql.Identifier(*table.split(".")))).fetchall()
        # Nowhere a column named like a personal source column, whatever table it is in.
        readable = conn.execute(
            """select n.nspname || '.' || c.relname || '.' || a.attname from pg_attribute a
               join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
               where n.nspname = any(%s) and a.attnum > 0 and not a.attisdropped
                 and has_column_privilege(c.oid, a.attnum, 'SELECT')""",
            (["landing", *READABLE],)).fetchall()
    assert readable and not [name for (name,) in readable if name.split(".")[-1] in PERSONAL_NAMES]
    assert "personal columns withheld:" in vault.output and "marts.dim_customer.customer_city" in vault.output


def test_the_personal_data_reviewer_reads_them_all_and_writes_nowhere(vault: Vault) -> None:
    assert "personal-data reviewer" in vault.dpo_output
    with _as_dpo(vault) as conn, vault.db.connect() as owner:
        for table, columns in PERSONAL.items():
            query = sql.SQL("select {} from {} order by {} limit 5").format(
                sql.SQL(", ").join(map(sql.Identifier, columns)), sql.Identifier(*table.split(".")),
                sql.SQL(", ").join(sql.SQL(str(i + 1)) for i in range(len(columns))))
            assert conn.execute(query).fetchall() == owner.execute(query).fetchall()
    for statement in WRITES:
        with _as_dpo(vault) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(statement)
    for table in ("staging.stg_customers", "dvkit.builds", "dvkit.reviewers"):
        with _as_dpo(vault) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(sql.SQL("select * from {} limit 1").format(sql.Identifier(*table.split("."))))


def test_trace_as_the_reviewer_hides_personal_values_and_as_the_dpo_shows_them(vault: Vault) -> None:
    from io import StringIO

    from rich.console import Console

    from generator.compliance.trace import trace
    from generator.compliance.trace_render import to_html, to_json, to_table

    with vault.db.connect() as conn:
        key, city = conn.execute(
            "select h.customer_unique_id, s.customer_city from raw_vault.sat_customer_location s "
            "join raw_vault.hub_customer h using (customer_hk) where s.customer_city is not null "
            "order by 1 limit 1").fetchone()
    hidden = trace(reviewer_database(vault.db, vault.role), vault.spec, "customer", key)
    location = next(e for e in hidden.events if e.name == "customer_location")
    assert set(location.hidden_fields) == {"customer_zip_code_prefix", "customer_city", "customer_state"}
    assert any(e.kind == "link" for e in hidden.events)  # the rest of the history is there
    buffer = StringIO()
    to_table(hidden, Console(file=buffer, width=200, color_system=None))
    text = buffer.getvalue()
    assert "customer_city: + [personal data hidden]" in text and city not in text
    document = to_json(hidden)
    assert city not in document and '"customer_city": null' in document and '"hidden_fields": [' in document
    html = to_html(hidden)
    assert "[personal data hidden]" in html and city not in html
    shown = trace(reviewer_database(vault.db, vault.dpo), vault.spec, "customer", key)
    location = next(e for e in shown.events if e.name == "customer_location")
    assert location.hidden_fields == () and location.values["customer_city"] == city
    assert location.match == "hashdiff"  # the personal landing columns are readable: the payload matched


def test_granting_again_updates_the_role_to_the_same_privileges(vault: Vault) -> None:
    with vault.db.connect() as conn:  # a stray privilege, granted by hand since
        conn.execute(sql.SQL("grant select, insert on landing.customers to {}").format(sql.Identifier(vault.role)))
        conn.execute(sql.SQL("grant usage on schema landing to {}").format(sql.Identifier(vault.role)))
        conn.execute(sql.SQL("grant insert, delete on marts.dim_customer to {}").format(sql.Identifier(vault.role)))
    result = grant_reviewer(vault.db, vault.role, spec=vault.spec, project_dir=vault.root)
    assert not result.created
    with _as_reviewer(vault) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("select * from landing.customers limit 1")
        assert conn.execute("select count(*) from marts.dim_customer").fetchone()[0] > 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("delete from marts.dim_customer")
    with vault.db.connect() as conn:
        stored = conn.execute("select rolpassword from pg_authid where rolname = %s", (vault.role,)).fetchone()
    assert stored is not None and stored[0] is not None  # no --password-env: the password is kept


@pytest.mark.parametrize(("role", "message"), [
    ("Reviewer", "not a safe role name"),
    ("rev; drop table x", "not a safe role name"),
    ("pg_monitor", "reserved"),
    ("public", "reserved"),
    ("postgres", "the user dvkit connects as"),
])
def test_unsafe_or_powerful_roles_are_refused(vault: Vault, role: str, message: str) -> None:
    with pytest.raises(DvkitError, match=message):
        grant_reviewer(vault.db, role)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DVKIT_DATABASE_URL", vault.db.conninfo())
        result = CliRunner().invoke(main, ["--project", str(vault.root), "db", "grant-reviewer", role])
    assert result.exit_code == 1 and "error:" in result.output and "Traceback" not in result.output


def test_a_role_that_belongs_to_a_group_is_refused(vault: Vault) -> None:
    member, group = f"member_{uuid.uuid4().hex[:8]}", f"group_{uuid.uuid4().hex[:8]}"
    with vault.db.connect() as conn:
        conn.execute(sql.SQL("create role {}").format(sql.Identifier(group)))
        conn.execute(sql.SQL("create role {} login in role {}").format(sql.Identifier(member), sql.Identifier(group)))
    try:
        with pytest.raises(DvkitError, match="is a member of"):
            grant_reviewer(vault.db, member)
    finally:
        with vault.db.connect() as conn:
            conn.execute(sql.SQL("drop role {}, {}").format(sql.Identifier(member), sql.Identifier(group)))


def test_a_missing_password_variable_is_refused(vault: Vault, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DVKIT_DATABASE_URL", vault.db.conninfo())
    monkeypatch.delenv("NO_SUCH_PW", raising=False)
    result = CliRunner().invoke(main, ["--project", str(vault.root), "db", "grant-reviewer", vault.role,
                                       "--password-env", "NO_SUCH_PW"])
    assert result.exit_code == 1 and "NO_SUCH_PW is not set" in result.output
