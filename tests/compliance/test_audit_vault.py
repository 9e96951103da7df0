"""Every load, build, erasure and rebuild of a small vault leaves its audit row, and no business key
of the erased person reaches the log."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.build import build
from generator.cli import main
from generator.compliance import audit
from generator.compliance.erase import hub_key_of, plan_erasure
from generator.compliance.subjects import erase
from generator.db import Database, ensure_database
from generator.errors import DvkitError
from generator.load.landing import load_batch

from ..integration.project import make_project

pytestmark = [pytest.mark.db, pytest.mark.dbt]

SPEC = {"vault.yml": """\
    sources:
      - name: customers
        file: customers.csv
        columns: {customer_ref: text, city: text}
        personal_data: {columns: [city], retention: P5Y}
    hubs:
      - name: customer
        business_key: customer_ref
        sources: [{source: customers}]
    satellites:
      - name: customer_city
        parent: customer
        source: customers
        payload: [city]
    """}
KEY = "erasable-7731"


def test_loads_builds_an_erasure_and_a_rebuild_are_logged_and_chained(pg_server: Database, tmp_path: Path) -> None:
    root, spec = make_project(tmp_path / "project", SPEC)
    name = f"audit_{uuid.uuid4().hex[:8]}"
    ensure_database(pg_server, name)
    db = Database(**{**pg_server.__dict__, "dbname": name})
    with pytest.raises(DvkitError, match="nothing has been loaded yet"):
        build(root, db, spec, mode="builtin")
    data = tmp_path / "data"
    data.mkdir()
    (data / "customers.csv").write_text(f"customer_ref,city\n{KEY},Lisbon\nother-1,Porto\n")
    load_batch(db, spec, data, dt.datetime(2026, 1, 1))
    build(root, db, spec, mode="builtin")
    assert build(root, db, spec, mode="builtin").idle  # nothing to do: not logged
    erased = erase(db, spec, "customer", KEY, "request 12")
    build(root, db, spec, mode="builtin", rebuild=("sat_customer_city",))

    with db.connect() as conn:
        rows = list(audit.rows(conn))
        assert audit.verify(conn).intact
    assert [(r.id, r.kind, r.summary["outcome"]) for r in rows] == [
        (1, "build", "failed"), (2, "load", "loaded"), (3, "build", "succeeded"), (4, "erasure", "erased"),
        (5, "rebuild", "succeeded")]
    assert rows[0].summary["error"] == "nothing has been loaded yet"
    assert rows[2].summary["built"] == ["hub_customer", "sat_customer_city"]
    assert (rows[2].summary["batch_from"], rows[2].summary["batch_to"]) == (1, 1)
    hub_key = hub_key_of(spec, plan_erasure(spec, "customer").hub, KEY)
    assert rows[3].summary == {"outcome": "erased", "erasure_id": erased.erasure_id, "entity": "customer",
                               "hub_key": hub_key.hex(), "rows_erased": erased.rows_erased,
                               "tables": erased.tables, "keys": {"customer": 1}}
    assert rows[4].summary["rebuild"] == ["sat_customer_city"] and "sat_customer_city" in rows[4].summary["built"]
    assert all(r.db_role == db.user for r in rows)
    stored = json.dumps([r.summary for r in rows]).upper()
    assert KEY.upper() not in stored and "LISBON" not in stored and "REQUEST 12" not in stored

    env = {"DVKIT_DATABASE_URL": db.conninfo()}
    verified = CliRunner().invoke(main, ["--project", str(root), "audit", "verify"], env=env)
    assert verified.exit_code == 0 and "audit log intact: 5 row(s)" in verified.output
    report = CliRunner().invoke(main, ["--project", str(root), "audit"], env=env)
    assert f"erasure {erased.erasure_id} of customer hub key {hub_key.hex()}" in report.output
    assert "customers: customers.csv  sha256 " in report.output
