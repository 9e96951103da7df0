"""Retention: keys whose personal data the source stopped delivering longer ago than its ``retention``
are listed, then erased with the erasure machinery, logged in the audit trail and kept erased."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.build import build
from generator.cli import main
from generator.compliance import audit
from generator.compliance.retention import cutoff, expired
from generator.db import Database
from generator.errors import DvkitError
from generator.load.landing import load_batch

from ..integration.project import make_project

SPEC = {"vault.yml": """\
    sources:
      - name: customers
        file: customers.csv
        columns: {customer_ref: text, city: text}
        personal_data: {columns: [city], retention: P1Y}
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


def test_the_cutoff_counts_calendar_months_and_years() -> None:
    assert cutoff(dt.datetime(2024, 2, 29, 10), "P1Y") == dt.datetime(2023, 2, 28, 10)
    assert cutoff(dt.datetime(2024, 1, 15), "P13M") == dt.datetime(2022, 12, 15)
    assert cutoff(dt.datetime(2024, 1, 15), "P1W1D") == dt.datetime(2024, 1, 7)
    with pytest.raises(DvkitError, match="'5Y' is not an ISO 8601 duration"):
        cutoff(dt.datetime(2024, 1, 1), "5Y")


@pytest.mark.db
@pytest.mark.dbt
def test_keys_no_longer_delivered_for_longer_than_the_retention_are_erased(fresh_db: Database,
                                                                             tmp_path: Path) -> None:
    root, spec = make_project(tmp_path / "project", SPEC)
    for day, text in ((dt.datetime(2022, 1, 1), "customer_ref,city\nold-1,Lisbon\nkept-2,Porto\n"),
                      # kept-2 is delivered again (unchanged): its clock starts again
                      (dt.datetime(2023, 6, 1), "customer_ref,city\nkept-2,Porto\n")):
        folder = tmp_path / f"d{day:%Y%m%d}"
        folder.mkdir()
        (folder / "customers.csv").write_text(text, encoding="utf-8")
        load_batch(fresh_db, spec, folder, day)
    build(root, fresh_db, spec, mode="builtin")
    as_of = dt.datetime(2023, 9, 1)

    [group] = expired(fresh_db, spec, as_of)
    assert (group.source, group.hub, group.retention, group.cutoff) == ("customers", "customer", "P1Y",
                                                                        dt.datetime(2022, 9, 1))
    assert group.keys == (("old-1",),) and group.oldest == dt.datetime(2022, 1, 1)
    env = {"DVKIT_DATABASE_URL": fresh_db.conninfo()}
    listed = CliRunner().invoke(main, ["--project", str(root), "retention", "--as-of", "2023-09-01"], env=env)
    assert listed.exit_code == 0, listed.output
    assert "1 key(s) past retention; nothing changed" in listed.output and "old-1" not in listed.output
    with fresh_db.connect() as conn:  # listing changed nothing
        assert conn.execute("select count(*) from raw_vault.sat_customer_city where city is null").fetchone() == (0,)

    dry = CliRunner().invoke(main, ["--project", str(root), "retention", "apply", "--as-of", "2023-09-01",
                                    "--dry-run"], env=env)
    assert dry.exit_code == 0 and "nothing changed" in dry.output, dry.output
    applied = CliRunner().invoke(main, ["--project", str(root), "retention", "apply", "--as-of", "2023-09-01",
                                        "--yes"], env=env)
    assert applied.exit_code == 0, applied.output
    assert "1 customer key(s)" in applied.output and "logged in dvkit.erasure_log" in applied.output
    assert "old-1" not in applied.output
    with fresh_db.connect() as conn:
        cities = conn.execute("select h.customer_ref, s.city from raw_vault.sat_customer_city s "
                              "join raw_vault.hub_customer h using (customer_hk) order by 1").fetchall()
        assert cities == [("kept-2", "Porto"), ("old-1", None)]
        rows = list(audit.rows(conn))
        assert audit.verify(conn).intact
    retention = [r for r in rows if r.kind == "retention"]
    assert len(retention) == 1 and retention[0].summary["erasures"][0]["keys"] == 1
    assert "OLD-1" not in str([r.summary for r in rows]).upper()
    # Erased keys are not past retention any more; a later delivery keeps them erased.
    assert [g.keys for g in expired(fresh_db, spec, as_of)] == [()]
