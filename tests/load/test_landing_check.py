"""Columns read from a header of another name (`from`), and the spec checked against landing before dbt."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from generator.db import Database
from generator.errors import DvkitError
from generator.load.landing import load_batch
from generator.load.landing_check import check_against_landing, landing_problems
from generator.spec.model import Spec
from generator.spec.validate import load_spec

pytestmark = pytest.mark.db

SPEC = """\
sources:
  - name: people
    file: people.csv
    columns:
      person_id: text
      town: text
      age: integer
"""
# The modeler's name for town is city; the file still says town.
RENAMED = SPEC.replace("      town: text\n", "      city: {type: text, from: town}\n")
JAN, FEB = dt.datetime(2020, 1, 1), dt.datetime(2020, 2, 1)


def _spec(tmp_path: Path, text: str) -> Spec:
    folder = tmp_path / "vault_spec"
    folder.mkdir(exist_ok=True)
    (folder / "sources.yml").write_text(text)
    result = load_spec(folder, tmp_path)
    assert result.spec is not None, [str(p) for p in result.problems]
    return result.spec


def _data(tmp_path: Path, name: str, text: str) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "people.csv").write_text(text)
    return folder


def _rows(db: Database, query: str) -> list[tuple[object, ...]]:
    with db.connect() as conn:
        return conn.execute(query).fetchall()


def _columns(db: Database) -> list[str]:
    return [str(name) for name, in _rows(
        db, "select column_name from information_schema.columns where table_schema = 'landing' "
            "and table_name = 'people' and column_name not like '\\_%' order by ordinal_position")]


def _problems(db: Database, spec: Spec) -> list[str]:
    with db.connect() as conn:
        return [str(p) for p in landing_problems(conn, spec)]


def test_a_header_is_read_into_the_column_the_spec_names(fresh_db: Database, tmp_path: Path) -> None:
    spec = _spec(tmp_path, RENAMED)
    assert spec.source("people").header_names == ("person_id", "town", "age")
    assert spec.source("people").column_names == ("person_id", "city", "age")
    load_batch(fresh_db, spec, _data(tmp_path, "jan", "age,town,person_id\n30,Lisbon,p1\n,Porto,p2\n"), JAN)
    assert _columns(fresh_db) == ["person_id", "city", "age"]
    assert _rows(fresh_db, "select person_id, city, age, _source_file, _source_line from landing.people "
                           "order by 1") == [("p1", "Lisbon", 30, "people.csv", 2),
                                             ("p2", "Porto", None, "people.csv", 3)]
    assert _problems(fresh_db, spec) == []


def test_a_file_lacking_the_header_names_it_and_the_column(fresh_db: Database, tmp_path: Path) -> None:
    spec = _spec(tmp_path, RENAMED)
    with pytest.raises(DvkitError) as caught:
        load_batch(fresh_db, spec, _data(tmp_path, "jan", "person_id,city,age\np1,Lisbon,30\n"), JAN)
    assert caught.value.message == ("people.csv:1: header does not match source 'people' of the spec: "
                                    "missing column(s) town (read into city); undeclared column(s) city")


def test_a_column_renamed_in_the_spec_alone_is_named_with_its_line_and_old_name(
        fresh_db: Database, tmp_path: Path) -> None:
    load_batch(fresh_db, _spec(tmp_path, SPEC), _data(tmp_path, "jan", "person_id,town,age\np1,Lisbon,30\n"), JAN)
    spec = _spec(tmp_path, SPEC.replace("town: text", "city: text"))
    with pytest.raises(DvkitError) as caught:
        check_against_landing(fresh_db, spec)
    message = caught.value.message
    assert message.startswith("the spec does not match the landing tables (1 problem(s)):\n  "
                              "vault_spec/sources.yml:6: column 'city' of source 'people' is not in landing.people "
                              "(1 file(s) loaded) (hint: landing.people has column town, which the spec does not "
                              "declare: did you mean 'town'? If the file's header is still town, read it into the "
                              "new name, `city: {type: text, from: town}`, and the build renames the landing column")
    assert "keep the old name and read the new header into it, `town: {type: text, from: city}`" in message
    assert caught.value.hint == "nothing was built; the batches stay pending"
    assert _columns(fresh_db) == ["person_id", "town", "age"]  # nothing renamed without a `from`


def test_the_rename_is_carried_over_into_landing(fresh_db: Database, tmp_path: Path) -> None:
    load_batch(fresh_db, _spec(tmp_path, SPEC), _data(tmp_path, "jan", "person_id,town,age\np1,Lisbon,30\n"), JAN)
    spec = _spec(tmp_path, RENAMED)
    said: list[str] = []
    check_against_landing(fresh_db, spec, said.append)
    assert said == ["landing.people: column town renamed to city (the spec reads header town into city)"]
    assert _columns(fresh_db) == ["person_id", "city", "age"]  # in place: the table a new load would make
    check_against_landing(fresh_db, spec, said.append)
    assert len(said) == 1  # done once
    # The next file, still saying town, loads into city beside the earlier rows.
    load_batch(fresh_db, spec, _data(tmp_path, "feb", "person_id,town,age\np2,Porto,40\n"), FEB)
    assert _rows(fresh_db, "select _batch_id, person_id, city, _source_line from landing.people order by 1") == [
        (1, "p1", "Lisbon", 2), (2, "p2", "Porto", 2)]


def test_a_load_carries_the_rename_over_before_adding_columns(fresh_db: Database, tmp_path: Path) -> None:
    load_batch(fresh_db, _spec(tmp_path, SPEC), _data(tmp_path, "jan", "person_id,town,age\np1,Lisbon,30\n"), JAN)
    spec = _spec(tmp_path, RENAMED)
    load_batch(fresh_db, spec, _data(tmp_path, "feb", "person_id,town,age\np2,Porto,40\n"), FEB)
    assert _columns(fresh_db) == ["person_id", "city", "age"]  # not a second, empty city column
    assert _rows(fresh_db, "select person_id, city from landing.people order by 1") == [
        ("p1", "Lisbon"), ("p2", "Porto")]


def test_columns_added_later_are_no_problem_and_missing_ones_are(fresh_db: Database, tmp_path: Path) -> None:
    load_batch(fresh_db, _spec(tmp_path, SPEC), _data(tmp_path, "jan", "person_id,town,age\np1,Lisbon,30\n"), JAN)
    added = _spec(tmp_path, SPEC + "      phone: text\n")
    problems = _problems(fresh_db, added)
    assert problems == ["vault_spec/sources.yml:8: column 'phone' of source 'people' is not in landing.people "
                        "(1 file(s) loaded) (hint: no batch has brought this column yet: load one whose file has it "
                        "(the batches before hold NULL in it: list it under a satellite's payload_added), or remove "
                        "it from the spec)"]
    load_batch(fresh_db, added, _data(tmp_path, "feb", "person_id,town,age,phone\np2,Porto,40,555\n"), FEB)
    assert _problems(fresh_db, added) == []  # NULL in the first batch: as the landing means it
    # A column dropped from the spec stays in landing and stops nothing.
    assert _problems(fresh_db, _spec(tmp_path, SPEC.replace("      age: integer\n", ""))) == []


def test_a_source_added_to_the_spec_has_no_landing_table_yet(fresh_db: Database, tmp_path: Path) -> None:
    load_batch(fresh_db, _spec(tmp_path, SPEC), _data(tmp_path, "jan", "person_id,town,age\np1,Lisbon,30\n"), JAN)
    spec = _spec(tmp_path, SPEC + "  - name: pets\n    file: pets.csv\n    columns:\n      pet_id: text\n")
    assert _problems(fresh_db, spec) == [
        "vault_spec/sources.yml:8: source 'pets' has no landing table: landing.pets does not exist yet "
        "(hint: run `dvkit load`: it creates the landing table of every source)"]


def test_values_left_in_the_old_column_are_named(fresh_db: Database, tmp_path: Path) -> None:
    load_batch(fresh_db, _spec(tmp_path, SPEC), _data(tmp_path, "jan", "person_id,town,age\np1,Lisbon,30\n"), JAN)
    # city declared without `from`, then a load whose folder lacks the file: landing gains an empty city.
    (tmp_path / "other").mkdir()
    bare = _spec(tmp_path, SPEC.replace("town: text", "city: text") + "  - name: pets\n    file: pets.csv\n"
                 "    columns:\n      pet_id: text\n")
    (tmp_path / "other" / "pets.csv").write_text("pet_id\nx\n")
    load_batch(fresh_db, bare, tmp_path / "other", FEB)
    spec = _spec(tmp_path, RENAMED)
    problems = _problems(fresh_db, spec)
    assert problems == ["vault_spec/sources.yml:6: landing.people has both 'town', the header column 'city' is read "
                        "from, and 'city', and rows hold a value in 'town' only: the build would leave those values "
                        "out (hint: carry them over by hand, `update landing.people set city = town where city is "
                        "null`, and build again)"]
    with fresh_db.connect() as conn:
        conn.execute("update landing.people set city = town where city is null")
    assert _problems(fresh_db, spec) == []
