"""A source that gains a column, end to end: load, build, add the column to a live satellite.

README "Schema drift". The file first arrives with a column the spec does not declare (loaded
without it, with a warning); then the modeler declares it and lists it under the satellite's
``payload_added``: rows without a value keep their hashdiff (no new version), rows with one get
exactly one new version. The pitfall: the same column put in ``payload`` gives every key a new
version, which ``dvkit generate`` warns about.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import textwrap
from pathlib import Path

import pytest

from generator.build import build
from generator.compliance.trace import MATCH_HASHDIFF, trace
from generator.db import Database, ensure_database
from generator.errors import DvkitError
from generator.hashing import hashdiff
from generator.load.landing import load_batch
from generator.render.drift import changes, definitions, read_definitions
from generator.render.plan import plan
from generator.render.writer import write
from generator.spec.model import Spec
from generator.spec.validate import load_spec

from .project import make_project

pytestmark = [pytest.mark.db, pytest.mark.dbt]

SPEC = """\
    sources:
      - name: people
        file: people.csv
        columns:
          person_id: text
          name: text
          city: text
    hubs:
      - name: person
        business_key: person_id
        sources: [{source: people}]
    satellites:
      - name: person_profile
        parent: person
        source: people
        payload: [name, city]
    """
WITH_PHONE = SPEC.replace("          city: text\n", "          city: text\n          phone: text\n")
ADDED = WITH_PHONE.replace("          phone: text\n", "          phone: text\n          email: text\n").replace(
    "payload: [name, city]\n", "payload: [name, city]\n        payload_added: [phone, email]\n")
IN_PAYLOAD = WITH_PHONE.replace("payload: [name, city]", "payload: [name, city, phone]")
JAN, FEB, MAR = dt.datetime(2020, 1, 1), dt.datetime(2020, 2, 1), dt.datetime(2020, 3, 1)


def _batch(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "people.csv").write_text(text)
    return folder


def _respec(root: Path, text: str) -> tuple[Spec, list[str]]:
    """Change the spec and generate again, as `dvkit generate` does; return the drift warnings."""
    (root / "vault_spec" / "people.yml").write_text(textwrap.dedent(text))
    result = load_spec(root / "vault_spec", root)
    assert result.spec is not None, [str(p) for p in result.problems]
    warnings = [str(c) for c in changes(read_definitions(root), definitions(result.spec))]
    write(plan(result.spec), root)
    return result.spec, warnings


def _versions(db: Database, phone: str = "s.phone") -> list[tuple[str, str | None, dt.datetime, bytes]]:
    with db.connect() as conn:
        return conn.execute(  # test-only: phone is a fixed column expression
            f"select h.person_id, {phone}, s.load_datetime, s.person_profile_hashdiff "
            "from raw_vault.sat_person_profile s join raw_vault.hub_person h using (person_hk) "
            "order by 1, 3").fetchall()


def _start(pg_server: Database, tmp_path: Path, name: str) -> tuple[Database, Path]:
    """A vault built from one batch, then a batch whose file has a column the spec does not declare."""
    ensure_database(pg_server, name)
    db = Database(**{**pg_server.__dict__, "dbname": name})
    root, spec = make_project(tmp_path / name, {"people.yml": SPEC})
    load_batch(db, spec, _batch(root / "data" / "jan", "person_id,name,city\np1,Ann,Lisbon\np2,Bob,Porto\n"), JAN)
    build(root, db, spec, mode="builtin")
    # The source now delivers a phone number: loaded without it, with a warning kept for review.
    result = load_batch(db, spec, _batch(root / "data" / "feb", "person_id,name,phone,city\n"
                                                                 "p1,Ann,,Lisbon\np2,Bob,555,Porto\n"), FEB)
    assert result.notes == {"people": "people.csv: column(s) phone not declared by source 'people' of the spec: "
                                      "not loaded"}
    build(root, db, spec, mode="builtin")
    assert len(_versions(db, phone="null")) == 2  # nothing changed in the declared columns
    return db, root


def test_added_payload_column_gives_new_versions_only_where_it_has_a_value(
        pg_server: Database, tmp_path: Path) -> None:
    db, root = _start(pg_server, tmp_path, "drift_added")
    before = {person: digest for person, _, _, digest in _versions(db, phone="null")}
    spec, warnings = _respec(root, ADDED)
    assert warnings == []  # appending to payload_added keeps every existing hashdiff
    stage = (root / "dbt_vault/models/staging/stg_people.sql").read_text()
    assert "dvkit_hashdiff([\"name\", \"city\"], [\"phone\", \"email\"])" in stage

    mar = _batch(root / "data" / "mar", "person_id,name,city,phone,email\np1,Ann,Lisbon,,\np2,Bob,Porto,555,\n"
                                        "p3,Cy,,  ,  c@d.pt \n")
    load_batch(db, spec, mar, MAR)
    build(root, db, spec, mode="builtin")
    rows = _versions(db)
    # p1 has neither new column: the same hashdiff as before, so no new version; p2 gains exactly one.
    assert [(p, phone, at) for p, phone, at, _ in rows] == [("p1", None, JAN), ("p2", None, JAN),
                                                           ("p2", "555", MAR), ("p3", "  ", MAR)]
    assert rows[0][3] == before["p1"] == hashdiff(["Ann", "Lisbon"], ["name", "city"])
    # The SQL macro and the Python twin agree: a trailing NULL left out, a blank inner one written '^^'.
    assert rows[2][3] == hashdiff(["Bob", "Porto"], ["name", "city"], added=["555", None])
    assert rows[2][3] != before["p2"]
    assert rows[3][3] == hashdiff(["Cy", None], ["name", "city"], added=["  ", " c@d.pt "])
    assert rows[3][3] == hashlib.md5(b"^^||CY||^^||C@D.PT").digest()

    # The same values again add nothing; trace matches the new version's landing row by its hashdiff.
    load_batch(db, spec, _batch(root / "data" / "apr", mar.joinpath("people.csv").read_text()),
               dt.datetime(2020, 4, 1))
    build(root, db, spec, mode="builtin")
    assert len(_versions(db)) == 4
    events = [e for e in trace(db, spec, "person", "p2").events if e.kind == "satellite"]
    assert [(e.values["phone"], e.match) for e in events] == [(None, MATCH_HASHDIFF), ("555", MATCH_HASHDIFF)]
    assert events[1].provenance[0].source_file == "people.csv" and events[1].provenance[0].source_line == 3


def test_column_put_in_payload_instead_is_refused_until_rebuilt(pg_server: Database, tmp_path: Path) -> None:
    db, root = _start(pg_server, tmp_path, "drift_pitfall")
    spec, warnings = _respec(root, IN_PAYLOAD)
    assert warnings == ["satellite 'person_profile': hashdiff columns change (+phone): every key would get a new "
                        "version; a breaking change: `dvkit build` refuses it until `dvkit rebuild` builds "
                        "the tables `dvkit plan` names (hint: list new columns under payload_added instead "
                        "of payload: rows without them keep their hashdiff)"]
    load_batch(db, spec, _batch(root / "data" / "mar", "person_id,name,city,phone\np1,Ann,Lisbon,\n"
                                                         "p2,Bob,Porto,\n"), MAR)
    # Loaded as it is, every key would get a second version although nothing changed in the data:
    # the build refuses before dbt runs, and names the change and the way out.
    with pytest.raises(DvkitError, match=r"sat_person_profile: hashdiff columns: \+phone text") as refused:
        build(root, db, spec, mode="builtin")
    assert refused.value.hint and "dvkit rebuild sat_person_profile" in refused.value.hint
    with db.connect() as conn:
        assert conn.execute("select count(*) from raw_vault.sat_person_profile").fetchone() == (2,)
    # Rebuilt from landing: the satellite the new spec gives from the start, one version per key.
    build(root, db, spec, mode="builtin", rebuild=["sat_person_profile"])
    assert [(p, at) for p, _, at, _ in _versions(db)] == [("p1", JAN), ("p2", JAN)]


CARDS = """\
    sources:
      - name: cards
        file: cards.csv
        columns:
          person_id: text
          seq: integer
          brand: text
    hubs:
      - name: person
        business_key: person_id
        sources: [{source: cards}]
    multi_active_satellites:
      - name: cards
        parent: person
        source: cards
        child_key: seq
        payload: [brand]
    """
CARDS_ADDED = CARDS.replace("          brand: text\n", "          brand: text\n          colour: text\n").replace(
    "payload: [brand]\n", "payload: [brand]\n        payload_added: [colour]\n")


def test_multi_active_satellite_with_an_added_column(pg_server: Database, tmp_path: Path) -> None:
    ensure_database(pg_server, "drift_cards")
    db = Database(**{**pg_server.__dict__, "dbname": "drift_cards"})
    root, spec = make_project(tmp_path / "cards", {"people.yml": CARDS})
    data = root / "data"
    jan = "person_id,seq,brand\np1,1,visa\np1,2,amex\np2,1,visa\n"
    (data / "jan").mkdir(parents=True)
    (data / "jan" / "cards.csv").write_text(jan)
    load_batch(db, spec, data / "jan", JAN)
    build(root, db, spec, mode="builtin")
    spec, warnings = _respec(root, CARDS_ADDED)
    assert warnings == []
    (data / "feb").mkdir()
    (data / "feb" / "cards.csv").write_text("person_id,seq,brand,colour\np1,1,visa,\np1,2,amex,\np2,1,visa,red\n")
    load_batch(db, spec, data / "feb", FEB)
    build(root, db, spec, mode="builtin")
    with db.connect() as conn:
        rows = conn.execute(
            "select h.person_id, s.seq, s.colour, s.load_datetime, s.cards_hashdiff from raw_vault.ma_sat_cards s "
            "join raw_vault.hub_person h using (person_hk) order by 1, 4, 2").fetchall()
    # p1's cards have no colour: no new version; p2's card has one: a new version of p2's set.
    assert [r[:4] for r in rows] == [("p1", 1, None, JAN), ("p1", 2, None, JAN), ("p2", 1, None, JAN),
                                     ("p2", 1, "red", FEB)]
    assert rows[3][4] == hashdiff([1, "visa"], ["seq", "brand"], added=["red"])
    assert rows[0][4] == hashdiff([1, "visa"], ["seq", "brand"])
