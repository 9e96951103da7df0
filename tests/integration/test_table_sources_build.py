"""A source that is a table of the database, loaded twice and built into a hub and satellite, then traced."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from pathlib import Path

import pytest
from rich.console import Console

from generator.build import build
from generator.compliance.trace import trace
from generator.compliance.trace_render import to_table
from generator.db import Database, ensure_database
from generator.load.landing import load_batch

from .project import make_project

pytestmark = pytest.mark.db

SPEC = {
    "sources.yml": """\
        sources:
          - name: customers
            table: crm.customers
            columns:
              customer_id: text
              name: text
              age: integer
        """,
    "vault.yml": """\
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
        """,
}


def test_table_source_builds_history_and_traces_to_its_rows(pg_server: Database, tmp_path: Path) -> None:
    root, spec = make_project(tmp_path / "project", SPEC)
    name = f"t_{uuid.uuid4().hex[:12]}"
    ensure_database(pg_server, name)
    db = Database(**{**pg_server.__dict__, "dbname": name})
    with db.connect() as conn:
        conn.execute("create schema crm")
        conn.execute("create table crm.customers (customer_id text primary key, name text, age text)")
        conn.execute("insert into crm.customers values ('c2', 'Bo', 'forty'), ('c1', 'Ann', '30')")
        conn.commit()
    first = load_batch(db, spec, None, dt.datetime(2024, 1, 1))
    assert (first.rows, first.quarantined) == ({"customers": 1}, {"customers": 1})
    build(root, db, spec, mode="builtin")
    with db.connect() as conn:
        conn.execute("update crm.customers set name = 'Anne' where customer_id = 'c1'")
        conn.execute("update crm.customers set age = '40' where customer_id = 'c2'")
        conn.commit()
    second = load_batch(db, spec, None, dt.datetime(2024, 2, 1))
    assert (second.rows, second.quarantined) == ({"customers": 2}, {"customers": 0})
    build(root, db, spec, mode="builtin")

    with db.connect() as conn:
        assert conn.execute("select customer_id from raw_vault.hub_customer order by 1").fetchall() == [
            ("c1",), ("c2",)]
        history = conn.execute(
            "select h.customer_id, s.name, s.age, s.load_datetime, s.record_source "
            "from raw_vault.sat_customer_details s join raw_vault.hub_customer h using (customer_hk) "
            "order by 1, 4").fetchall()
    assert history == [
        ("c1", "Ann", 30, dt.datetime(2024, 1, 1), "crm.customers"),
        ("c1", "Anne", 30, dt.datetime(2024, 2, 1), "crm.customers"),
        ("c2", "Bo", 40, dt.datetime(2024, 2, 1), "crm.customers"),
    ]

    result = trace(db, spec, "customer", "c1")
    lines = {(line.batch_id, line.source_file, line.source_line) for e in result.events for line in e.provenance}
    assert lines == {(1, "crm.customers", 1), (2, "crm.customers", 1)}
    buffer = io.StringIO()
    to_table(result, Console(file=buffer, width=200, color_system=None))
    assert "crm.customers row 1" in buffer.getvalue()
