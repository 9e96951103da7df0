"""The raw vault's data tests check the rows of the build's batches, not the whole history.

README "Data tests". The batch range a build stages reaches dbt as DVKIT_BATCH_FROM/TO; per-row
rules (not_null, relationships) read only the rows whose load time is one of those batches', while
uniqueness looks the window's keys up in the whole table, so a new row repeating an old key fails.
Without a range (plain `dbt build`, the first build) every row is checked, ghost records included.

One vault of two batches (January, then February) is built once; each test breaks a row, runs the
data tests with or without a window, and puts the row back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.build import build, run_dbt
from generator.db import Database, ensure_database
from generator.load.landing import load_batch

from .project import make_project

pytestmark = [pytest.mark.db, pytest.mark.dbt]

SPEC = """\
    sources:
      - name: people
        file: people.csv
        columns:
          person_id: text
          city: text
    hubs:
      - name: person
        business_key: person_id
        sources: [{source: people}]
    satellites:
      - name: person_home
        parent: person
        source: people
        payload: [city]
    settings:
      ghost_records: true
    """
JAN, FEB = dt.datetime(2020, 1, 1), dt.datetime(2020, 2, 1)
FEB_ONLY = (2, 2)  # the second build's window: batch 2 (February)
DUPLICATE_KEY = "dvkit_unique_in_window_hub_person_person_hk"
P1, P2, P3 = (f"person_hk = decode(md5('{key}'), 'hex')" for key in ("P1", "P2", "P3"))  # hub keys: MD5 of upper case


@pytest.fixture(scope="module")
def vault(pg_server: Database, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Database]]:
    """p1, p2 loaded in January (batch 1), p3 in February (batch 2), each batch built by `dvkit build`."""
    ensure_database(pg_server, "windowed_tests")
    db = Database(**{**pg_server.__dict__, "dbname": "windowed_tests"})
    root, spec = make_project(tmp_path_factory.mktemp("windowed"), {"people.yml": SPEC})
    for name, load_ts, rows in (("jan", JAN, "p1,Lisbon\np2,Porto\n"), ("feb", FEB, "p3,Braga\n")):
        folder = root / "data" / name
        folder.mkdir(parents=True)
        (folder / "people.csv").write_text("person_id,city\n" + rows)
        load_batch(db, spec, folder, load_ts)
        build(root, db, spec, mode="builtin")
    yield root, db


def _execute(db: Database, statement: str) -> None:
    with db.connect() as conn:
        conn.execute(statement)
        conn.commit()


def _failing(root: Path, db: Database, batches: tuple[int, int] | None) -> set[str]:
    """The data tests of the raw vault that fail, run for the window of ``batches`` (None: no window)."""
    outcome = run_dbt(root, db, ["test", "--select", "raw_vault"], batches)
    return {failure.split(":", 1)[0] for failure in outcome.failures}


def test_all_data_tests_pass_on_a_sound_vault_with_and_without_window(vault: tuple[Path, Database]) -> None:
    root, db = vault
    assert _failing(root, db, FEB_ONLY) == set()
    assert _failing(root, db, None) == set()


def test_a_later_batch_repeating_an_old_hub_key_fails_unique_although_the_old_row_is_outside(
        vault: tuple[Path, Database]) -> None:
    root, db = vault
    # p1 again, as if February's batch had delivered it as a new key: the January row is outside the window.
    _execute(db, "insert into raw_vault.hub_person (person_hk, person_id, load_datetime, record_source) "
                 "select person_hk, person_id, timestamp '2020-02-01', 'people.csv' "
                 f"from raw_vault.hub_person where {P1}")
    try:
        assert DUPLICATE_KEY in _failing(root, db, FEB_ONLY)
    finally:
        _execute(db, f"delete from raw_vault.hub_person where {P1} and load_datetime = timestamp '2020-02-01'")


def test_a_null_in_a_row_of_the_window_fails_not_null(vault: tuple[Path, Database]) -> None:
    root, db = vault
    _execute(db, f"update raw_vault.hub_person set person_id = null where {P3}")
    try:
        assert "not_null_hub_person_person_id" in _failing(root, db, FEB_ONLY)
    finally:
        _execute(db, f"update raw_vault.hub_person set person_id = 'p3' where {P3}")


def test_a_row_outside_the_window_is_not_scanned_and_is_without_a_window(vault: tuple[Path, Database]) -> None:
    root, db = vault
    # January's p2 loses its record source and its satellite row its parent: both outside February.
    _execute(db, f"update raw_vault.hub_person set record_source = null where {P2}")
    _execute(db, "update raw_vault.sat_person_home set person_hk = decode(md5('nobody'), 'hex') "
                 "where city = 'Porto'")
    try:
        assert _failing(root, db, FEB_ONLY) == set()
        assert _failing(root, db, (3, 3)) == set()  # no such batch yet: a build that added nothing
        expected = {"not_null_hub_person_record_source",
                    "relationships_sat_person_home_person_hk__person_hk__ref_hub_person_"}
        assert expected <= _failing(root, db, None)
        assert expected <= _failing(root, db, (1, 2))  # a range from the first batch is the whole vault
    finally:
        _execute(db, f"update raw_vault.hub_person set record_source = 'people.csv' where {P2}")
        _execute(db, f"update raw_vault.sat_person_home set {P2} where city = 'Porto'")


def test_without_a_window_ghost_records_and_old_duplicates_are_checked(vault: tuple[Path, Database]) -> None:
    root, db = vault
    _execute(db, "update raw_vault.sat_person_home set person_home_hashdiff = null "
                 "where record_source = 'AUTOMATE_DV_SYSTEM'")
    _execute(db, "insert into raw_vault.hub_person (person_hk, person_id, load_datetime, record_source) "
                 "select person_hk, person_id, timestamp '2019-12-01', record_source "
                 f"from raw_vault.hub_person where {P1}")
    try:
        assert _failing(root, db, FEB_ONLY) == set()  # the ghost record and December are no batch of it
        failing = _failing(root, db, None)
        assert {"not_null_sat_person_home_person_home_hashdiff", DUPLICATE_KEY} <= failing
    finally:
        _execute(db, "delete from raw_vault.hub_person where load_datetime = timestamp '2019-12-01'")
        _execute(db, "update raw_vault.sat_person_home set person_home_hashdiff = convert_to(repeat('0', 32), 'UTF8') "
                     "where record_source = 'AUTOMATE_DV_SYSTEM'")
