"""Sources that are tables of the vault's database (``table: crm.customers``), loaded like files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from generator.db import Database
from generator.load.landing import load_batch
from generator.load.tables import digest_sql
from generator.spec.model import Spec
from generator.spec.validate import load_spec

pytestmark = pytest.mark.db

SOURCES = """\
sources:
  - name: customers
    table: crm.customers
    columns:
      customer_id: text
      name: text
      age: integer
"""
VAULT = """\
hubs:
  - name: customer
    business_key: customer_id
    sources:
      - source: customers
satellites:
  - name: customer_details
    parent: customer
    source: customers
    payload: [name, age]
"""


def _spec(tmp_path: Path, sources: str = SOURCES) -> Spec:
    folder = tmp_path / "vault_spec"
    folder.mkdir(exist_ok=True)
    (folder / "sources.yml").write_text(sources)
    (folder / "vault.yml").write_text(VAULT)
    result = load_spec(folder)
    assert result.spec is not None, result.problems
    return result.spec


def _crm(db: Database) -> None:
    """A source system's table: age is text there, and one value of it is not a number."""
    with db.connect() as conn:
        conn.execute("create schema crm")
        conn.execute("create table crm.customers (customer_id text primary key, name text, age text, "
                     "since date)")
        # Inserted out of key order: the load reads by the primary key.
        conn.execute("insert into crm.customers values ('c3', 'Cy', '41', '2020-01-01'), "
                     "('c1', 'Ann', '30', null), ('c2', 'Bo', 'forty', null), ('c4', null, null, null)")
        conn.commit()


def test_a_table_source_lands_in_key_order_with_row_identity(fresh_db: Database, tmp_path: Path) -> None:
    _crm(fresh_db)
    spec = _spec(tmp_path)
    [source] = spec.sources
    assert (source.table, source.file, source.record_source) == ("crm.customers", "crm.customers", "crm.customers")

    result = load_batch(fresh_db, spec, None, dt.datetime(2024, 5, 1))

    assert (result.read, result.rows, result.quarantined) == ({"customers": 4}, {"customers": 3}, {"customers": 1})
    assert result.notes == {"customers": "crm.customers: column(s) since not declared by source 'customers' "
                                         "of the spec: not loaded"}
    with fresh_db.connect() as conn:
        landed = conn.execute("select customer_id, name, age, _source_file, _source_line, _record_source, _load_ts "
                              "from landing.customers order by _source_line").fetchall()
        assert landed == [
            ("c1", "Ann", 30, "crm.customers", 1, "crm.customers", dt.datetime(2024, 5, 1)),
            ("c3", "Cy", 41, "crm.customers", 3, "crm.customers", dt.datetime(2024, 5, 1)),
            ("c4", None, None, "crm.customers", 4, "crm.customers", dt.datetime(2024, 5, 1)),
        ]
        # The value that does not cast to the spec's type is set aside with the row's identity.
        assert conn.execute("select file_name, line, raw, reason from landing.quarantine").fetchall() == [
            ("crm.customers", 2, "c2,Bo,forty", "column age: 'forty' is not an integer (a whole number)")]
        assert conn.execute("select file_name, rows_read, row_count, rows_quarantined, sha256 "
                            "from landing.batch_files").fetchall() == [
            ("crm.customers", 4, 3, 1, result_sha(conn, spec))]
        entry = conn.execute("select summary from dvkit.audit_log where kind = 'load'").fetchone()
        assert entry is not None
        [file] = entry[0]["files"]
        assert file["order"] == "primary key (customer_id)" and file["table"] is True
        assert file["sha256"] == result_sha(conn, spec)


def result_sha(conn: object, spec: Spec) -> str:
    """The digest a reviewer computes in SQL over the table as it is."""
    [source] = spec.sources
    row = conn.execute(digest_sql(source, "crm.customers", ["customer_id"])).fetchone()  # type: ignore[attr-defined]
    return str(row[0])


def test_a_table_without_key_is_read_in_order_of_every_column(fresh_db: Database, tmp_path: Path) -> None:
    with fresh_db.connect() as conn:
        conn.execute("create schema crm")
        conn.execute("create table crm.customers (customer_id text, name text, age integer)")
        conn.execute("insert into crm.customers values ('b', 'x', 2), ('a', 'z', 1), ('a', 'y', 5)")
        conn.commit()
    result = load_batch(fresh_db, _spec(tmp_path), None, dt.datetime(2024, 5, 1))
    assert result.rows == {"customers": 3}
    with fresh_db.connect() as conn:
        assert conn.execute("select customer_id, name, _source_line from landing.customers "
                            "order by _source_line").fetchall() == [("a", "y", 1), ("a", "z", 2), ("b", "x", 3)]
        detail = conn.execute("select summary from dvkit.audit_log where kind = 'load'").fetchone()
        assert detail is not None and detail[0]["files"][0]["order"] == "every column (customer_id, name, age)"


@pytest.mark.parametrize(("entry", "expected"), [
    ("    table: crm.customers\n    file: c.csv\n", "names both a file ('c.csv') and a table ('crm.customers')"),
    ("", "names neither a file nor a table"),
    ("    table: raw_vault.hub_customer\n", "is in dvkit's own schema 'raw_vault'"),
    ("    table: Crm.Customers\n", "table"),
])
def test_validation_of_table(tmp_path: Path, entry: str, expected: str) -> None:
    folder = tmp_path / "vault_spec"
    folder.mkdir()
    (folder / "sources.yml").write_text("sources:\n  - name: customers\n" + entry
                                        + "    columns:\n      customer_id: text\n")
    result = load_spec(folder)
    assert result.spec is None
    messages = [str(p) for p in result.problems]
    assert any(expected in m and "sources.yml:" in m for m in messages), messages


def test_dvkit_load_without_a_folder_reads_the_table_sources(fresh_db: Database, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from generator.cli import main

    _crm(fresh_db)
    _spec(tmp_path)
    assert not fresh_db.password  # the embedded server's URL carries no secret to mask
    result = CliRunner().invoke(main, ["--project", str(tmp_path), "load", "--load-time", "2024-05-01"],
                                env={"DVKIT_DATABASE_URL": fresh_db.display_url()})
    assert result.exit_code == 0, result.output
    assert "crm.customers: column(s) since not declared" in result.output
    assert "loaded 3 rows" in result.output
    with fresh_db.connect() as conn:
        assert conn.execute("select source_dir from landing.batches").fetchall() == [("(tables)",)]
