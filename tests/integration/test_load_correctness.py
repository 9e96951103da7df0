"""The loads that go wrong most often: repeated, re-delivered, several changes, late, NULL keys.

One scenario of batches on a small spec; each test checks one rule of docs (README "Load
correctness"). Keys are distinct per case so the cases do not interfere.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from generator.build import BuildResult, build, row_counts, run_dbt
from generator.db import Database, ensure_database
from generator.load.landing import load_batch, load_extracts
from generator.spec.model import Spec

from .project import make_project

pytestmark = [pytest.mark.db, pytest.mark.dbt]

SPEC = {
    "people.yml": """\
        sources:
          - name: people
            file: people.csv
            columns:
              person_id: text
              name: text
              city: text
              changed_at: timestamp
        hubs:
          - name: person
            business_key: person_id
            sources: [{source: people}]
        satellites:
          - name: person_profile
            parent: person
            source: people
            payload: [name, city]
            effective_from: changed_at
        """,
}
HEADER = "person_id,name,city,changed_at\n"
JAN, FEB, MAR = dt.datetime(2020, 1, 1), dt.datetime(2020, 2, 1), dt.datetime(2020, 3, 1)
LATE = dt.datetime(2020, 1, 15)


def _batch(folder: Path, rows: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "people.csv").write_text(HEADER + "".join(r + "\n" for r in rows))
    return folder


class Scenario:
    def __init__(self, db: Database, root: Path, spec: Spec) -> None:
        self.db, self.root, self.spec = db, root, spec
        self.builds: dict[str, BuildResult] = {}
        self.counts: dict[str, dict[str, int]] = {}

    def profile(self, person: str) -> list[tuple[str, str, dt.datetime, dt.datetime]]:
        with self.db.connect() as conn:
            return conn.execute(
                "select s.name, s.city, s.effective_from, s.load_datetime from raw_vault.sat_person_profile s "
                "join raw_vault.hub_person h using (person_hk) where h.person_id = %s order by s.load_datetime",
                (person,)).fetchall()

    def hub_keys(self) -> list[str]:
        with self.db.connect() as conn:
            return [r[0] for r in conn.execute("select person_id from raw_vault.hub_person order by 1")]


@pytest.fixture(scope="module")
def scenario(pg_server: Database, tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    ensure_database(pg_server, "load_correctness")
    db = Database(**{**pg_server.__dict__, "dbname": "load_correctness"})
    root, spec = make_project(tmp_path_factory.mktemp("correctness"), SPEC)
    data = root / "data"
    s = Scenario(db, root, spec)

    load_batch(db, spec, _batch(data / "jan", [
        "p1,Ann,Lisbon,2019-12-01 00:00:00",
        "p2,Bob,Porto,2019-12-01 00:00:00",
        "p3,Cy,A,2019-12-01 00:00:00",
        # several changes of one key inside one batch: the last in effective time wins
        "p4,Dee,Y,2019-12-15 00:00:00",
        "p4,Dee,X,2019-12-01 00:00:00",
        # NULL and blank business keys never enter the hub: the loader sets them aside (lines 7, 8)
        ",Nobody,Nowhere,2019-12-01 00:00:00",
        "   ,Blank,Nowhere,2019-12-01 00:00:00",
    ]), JAN)
    s.builds["jan"] = build(root, db, spec, mode="builtin")
    load_batch(db, spec, _batch(data / "feb", [
        "p1,Ann,Lisbon,2019-12-01 00:00:00",  # re-delivered unchanged
        " P2 ,bob,PORTO ,2019-12-01 00:00:00",  # only case and spaces differ
        "p3,Cy,B,2020-01-20 00:00:00",
    ]), FEB)
    load_batch(db, spec, _batch(data / "mar", ["p3,Cy,A,2020-02-20 00:00:00"]), MAR)
    s.builds["feb+mar"] = build(root, db, spec, mode="builtin")  # two batches in one dbt run
    s.counts["after mar"] = dict(row_counts(db, spec))

    # The same batch again: recognised and skipped by the loader ...
    s.duplicate = load_batch(db, spec, _batch(data / "mar", ["p3,Cy,A,2020-02-20 00:00:00"]), MAR)
    # ... and even forced into landing and staged again, it adds nothing to the vault.
    from generator.load.landing import file_extracts

    extracts, _ = file_extracts(spec, data / "mar")
    load_extracts(db, spec, extracts, MAR, "mar (forced again)")
    s.builds["mar again"] = build(root, db, spec, mode="builtin")
    assert run_dbt(root, db, ["run"], (1, 99)).success  # restage all
    s.counts["after repeats"] = dict(row_counts(db, spec))

    # A late batch: its load time is older than what the vault holds.
    load_batch(db, spec, _batch(data / "late", [
        "p3,Cy,Z,2020-01-10 00:00:00",  # p3 has rows loaded later: stored between them
        "p9,Eve,Faro,2020-01-10 00:00:00",  # a key never seen: added
    ]), LATE)
    s.builds["late"] = build(root, db, spec, mode="builtin")
    return s


def test_same_batch_twice_adds_nothing(scenario: Scenario) -> None:
    assert scenario.duplicate.duplicate_of is not None
    assert scenario.counts["after repeats"] == scenario.counts["after mar"]


def test_redelivered_unchanged_rows_add_nothing(scenario: Scenario) -> None:
    assert [r[:2] for r in scenario.profile("p1")] == [("Ann", "Lisbon")]
    assert [r[:2] for r in scenario.profile("p2")] == [("Bob", "Porto")]  # case and spaces are no change


def test_a_b_a_over_three_batches_gives_three_rows(scenario: Scenario) -> None:
    rows = [r for r in scenario.profile("p3") if r[3] != LATE]  # the late batch's row is another test's
    assert [(r[1], r[3]) for r in rows] == [("A", JAN), ("B", FEB), ("A", MAR)]


def test_several_changes_in_one_batch_keep_the_last_in_effective_time(scenario: Scenario) -> None:
    assert scenario.profile("p4") == [("Dee", "Y", dt.datetime(2019, 12, 15), JAN)]


def test_late_batch_is_stored_in_load_time_order(scenario: Scenario) -> None:
    # The tables it feeds are rebuilt from landing: p3's late row takes its place in the history.
    assert [(r[1], r[3]) for r in scenario.profile("p3")] == [("A", JAN), ("Z", LATE), ("B", FEB), ("A", MAR)]
    assert scenario.profile("p9") == [("Eve", "Faro", dt.datetime(2020, 1, 10), LATE)]
    assert {m.status for m in scenario.builds["late"].plan.models} == {"late"}  # type: ignore[union-attr]


def test_null_and_blank_keys_never_enter_the_hub_and_are_quarantined(scenario: Scenario) -> None:
    assert scenario.hub_keys() == ["p1", "p2", "p3", "p4", "p9"]
    with scenario.db.connect() as conn:
        quarantined = conn.execute(
            "select q.source, q.file_name, q.line, q.raw, q.reason from landing.quarantine q "
            "join landing.batches b using (batch_id) where b.load_ts = %s order by q.line", (JAN,)).fetchall()
    assert quarantined == [
        ("people", "people.csv", 7, ",Nobody,Nowhere,2019-12-01 00:00:00", "empty business key person_id"),
        ("people", "people.csv", 8, "   ,Blank,Nowhere,2019-12-01 00:00:00", "empty business key person_id"),
    ]
    # They never reached landing, so the build has no NULL key left to count.
    assert scenario.builds["jan"].null_keys == {}
