"""The erasure register applied by a load: registered keys land without their personal columns.

No dbt here: the hub the register's keys are matched against is written by hand, as a build would.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from generator.compliance import register
from generator.compliance.erase import ERASED_RAW
from generator.db import Database
from generator.hashing import hash_key
from generator.load.landing import load_batch
from generator.spec.model import Spec
from generator.spec.validate import load_spec

pytestmark = [pytest.mark.db]

SPEC = """
sources:
  - name: people
    file: people.csv
    columns: {person_id: text, person_code: text, full_name: text, city: text}
    personal_data: {columns: [full_name], retention: P5Y}
  - name: phones
    file: phones.csv
    columns: {person_id: text, phone: text}
    lookups:
      - {source: people, on: person_id, columns: [person_code]}
    personal_data: {columns: [phone], retention: P1Y}
hubs:
  - name: person
    business_key: person_code
    sources: [{source: people}, {source: phones}]
satellites:
  - {name: person_name, parent: person, source: people, payload: [full_name]}
  - {name: person_phone, parent: person, source: phones, payload: [phone]}
"""


def _spec(tmp_path: Path) -> Spec:
    (tmp_path / "vault_spec").mkdir()
    (tmp_path / "vault_spec" / "spec.yml").write_text(SPEC, encoding="utf-8")
    spec = load_spec(tmp_path / "vault_spec", tmp_path).spec
    assert spec is not None
    return spec


def _deliver(folder: Path, people: str, phones: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "people.csv").write_text("person_id,person_code,full_name,city\n" + people, encoding="utf-8")
    (folder / "phones.csv").write_text("person_id,phone\n" + phones, encoding="utf-8")
    return folder


def test_a_load_empties_the_personal_columns_of_registered_keys(fresh_db: Database, tmp_path: Path) -> None:
    spec = _spec(tmp_path)
    first = load_batch(fresh_db, spec, _deliver(tmp_path / "b1", "id1,code1,Ana Souza,Recife\n",
                                                "id1,+55 81 1111\n"), dt.datetime(2024, 1, 1))
    assert first.erased == {}  # nothing registered: nothing emptied
    ana, bruno = hash_key(["CODE1"]), hash_key(["CODE2"])
    with fresh_db.connect() as conn:  # what a build and an erasure of code1 leave
        conn.execute("create schema raw_vault; create table raw_vault.hub_person (person_hk bytea, person_code text)")
        conn.execute("insert into raw_vault.hub_person values (%s, 'code1'), (%s, 'code2')", (ana, bruno))
        register.record(conn, "person", [ana], ["landing.people.full_name"], 7)
    second = load_batch(fresh_db, spec, _deliver(
        tmp_path / "b2",
        " CODE1 ,code1,Ana Souza,Olinda\nid2,code2,Bruno Lima,Natal\nid1,code1,Ana,Recife,extra\n",
        "id1,+55 81 2222\n CODE1 ,+55 81 3333\nid2,+55 84 4444\n"), dt.datetime(2024, 2, 1))
    # The key typed another way is the same key; a phone reaches it through the lookup of people.
    assert second.erased == {"people": 2, "phones": 2}
    with fresh_db.connect() as conn:
        rows = conn.execute("select person_code, full_name, city from landing.people where _batch_id = %s "
                            "order by _source_line", (second.batch_id,)).fetchall()
        assert rows == [("code1", None, "Olinda"), ("code2", "Bruno Lima", "Natal")]
        phones = conn.execute("select person_id, phone from landing.phones where _batch_id = %s "
                              "order by _source_line", (second.batch_id,)).fetchall()
        assert phones == [("id1", None), (" CODE1 ", None), ("id2", "+55 84 4444")]
        # The line set aside (a field too many) named the key: its raw text goes, file and line stay.
        assert conn.execute("select line, raw from landing.quarantine where batch_id = %s",
                            (second.batch_id,)).fetchall() == [(4, ERASED_RAW)]
        # The first batch is the erasure's to empty, not the load's; the load reports its counts.
        assert conn.execute("select full_name from landing.people where _batch_id = %s",
                            (first.batch_id,)).fetchall() == [("Ana Souza",)]
        assert dict(conn.execute("select source, rows_erased from landing.batch_files where batch_id = %s",
                                 (second.batch_id,)).fetchall()) == {"people": 2, "phones": 2}
        assert register.registered(conn) == {"person": 1}
