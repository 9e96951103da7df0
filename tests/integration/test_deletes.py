"""Deletes at the source, end to end: full extracts, delete flags and status-tracking satellites.

A source declared ``delivery: full`` delivers its whole table every time, so a key missing from a
delivery is gone from the source; a delta source says so with its ``delete_flag``. The status-tracking
satellite (``sts_<name>``) records each change: the key gone (``deleted``) and back (``present``),
with the load time of the delivery that showed it, and trace says "no longer delivered by".
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from generator.build import build
from generator.compliance.trace import MATCH_KEY, MATCH_NOT_APPLICABLE, trace
from generator.db import Database, ensure_database
from generator.errors import DvkitError
from generator.load.landing import load_batch
from generator.spec.model import Spec
from olist_example.synth import generate_batches

from .project import make_project

pytestmark = [pytest.mark.db, pytest.mark.dbt]

SPEC = """\
    sources:
      - name: people
        file: people.csv
        delivery: full
        columns:
          person_id: text
          name: text
      - name: people_changes
        file: people_changes.csv
        delete_flag: is_deleted
        columns:
          person_id: text
          is_deleted: boolean
      - name: rooms
        file: rooms.csv
        columns:
          person_id: text
          room_id: text
    hubs:
      - name: person
        business_key: person_id
        sources: [{source: people}, {source: people_changes}, {source: rooms}]
      - name: room
        business_key: room_id
        sources: [{source: rooms}]
    links:
      - name: person_room
        hubs: [person, room]
        sources: [{source: rooms}]
    satellites:
      - name: person_name
        parent: person
        source: people
        payload: [name]
    status_tracking_satellites:
      - name: person
        parent: person
        source: people
      - name: person_changes
        parent: person
        source: people_changes
      - name: person_room
        parent: person_room
        source: rooms
    """
T = [dt.datetime(2021, month, 1) for month in range(1, 8)]


def _batch(root: Path, name: str, files: dict[str, str]) -> Path:
    folder = root / "data" / name
    folder.mkdir(parents=True)
    for file, text in files.items():
        (folder / file).write_text(text, encoding="utf-8")
    return folder


def _people(*keys: str) -> str:
    return "person_id,name\n" + "".join(f"{key},{key.upper()}\n" for key in keys)


def _status(db: Database, model: str = "sts_person", key: str = "person_hk",
            hub: str = "hub_person", business: str = "person_id") -> list[tuple[str, str, dt.datetime]]:
    with db.connect() as conn:
        return conn.execute(  # test-only: fixed identifiers
            f"select h.{business}, s.status, s.load_datetime from raw_vault.{model} s "
            f"join raw_vault.{hub} h using ({key}) order by 1, 3").fetchall()


def _load_all(db: Database, spec: Spec, root: Path, build_each: bool) -> None:
    """A, B, C; then B gone; then a batch without the file (says nothing); then B back, C gone."""
    deliveries = [_people("a", "b", "c"), _people("a", "c"), None, _people("a", "b")]
    for index, people in enumerate(deliveries):
        files = {"people.csv": people} if people is not None else {"people_changes.csv": "person_id,is_deleted\n"}
        load_batch(db, spec, _batch(root, f"b{index}", files), T[index])
        if build_each:
            build(root, db, spec, mode="builtin", business_vault=False)
    if not build_each:
        build(root, db, spec, mode="builtin", business_vault=False)


@pytest.fixture(scope="module")
def stepwise(pg_server: Database, tmp_path_factory: pytest.TempPathFactory) -> tuple[Database, Spec]:
    """The deliveries of ``_load_all``, built one batch at a time."""
    db = Database(**{**pg_server.__dict__, "dbname": "deletes_stepwise"})
    ensure_database(pg_server, db.dbname)
    root, spec = make_project(tmp_path_factory.mktemp("stepwise") / "p", {"people.yml": SPEC})
    _load_all(db, spec, root, build_each=True)
    return db, spec


def test_a_key_missing_from_a_full_extract_is_gone_until_it_comes_back(stepwise: tuple[Database, Spec]) -> None:
    db, _ = stepwise
    assert _status(db) == [
        ("a", "present", T[0]),
        ("b", "present", T[0]), ("b", "deleted", T[1]), ("b", "present", T[3]),
        ("c", "present", T[0]), ("c", "deleted", T[3]),
    ]
    # The vault keeps what it knew: B's name is still there, with its one version.
    with db.connect() as conn:
        assert conn.execute("select count(*) from raw_vault.sat_person_name").fetchone() == (3,)


def test_one_build_over_every_batch_records_what_one_build_per_batch_does(fresh_db: Database, tmp_path: Path) -> None:
    root, spec = make_project(tmp_path / "p", {"people.yml": SPEC})
    _load_all(fresh_db, spec, root, build_each=False)
    assert _status(fresh_db) == [
        ("a", "present", T[0]),
        ("b", "present", T[0]), ("b", "deleted", T[1]), ("b", "present", T[3]),
        ("c", "present", T[0]), ("c", "deleted", T[3]),
    ]


def test_trace_says_since_when_the_source_no_longer_delivers_the_key(stepwise: tuple[Database, Spec]) -> None:
    db, spec = stepwise
    events = [e for e in trace(db, spec, "person", "b").events if e.kind == "status"]
    assert [(e.name, e.summary, e.match) for e in events] == [
        ("person", "delivered by people", MATCH_KEY),
        ("person", "no longer delivered by people since 2021-02-01 00:00:00 (missing from its full extract)",
         MATCH_NOT_APPLICABLE),
        ("person", "delivered again by people since 2021-04-01 00:00:00", MATCH_KEY),
    ]
    assert [(line.source_file, line.source_line) for line in events[2].provenance] == [("people.csv", 3)]


def test_a_delta_delete_flag_marks_the_key_deleted(fresh_db: Database, tmp_path: Path) -> None:
    root, spec = make_project(tmp_path / "p", {"people.yml": SPEC})
    changes = ["person_id,is_deleted\na,false\nb,false\n",
               "person_id,is_deleted\nb,true\n",  # a is not in this delta: nothing is said of it
               "person_id,is_deleted\nb,false\nb,true\n"]  # the key's last line in the file decides
    for index, text in enumerate(changes):
        load_batch(fresh_db, spec, _batch(root, f"c{index}", {"people_changes.csv": text}), T[index])
    build(root, fresh_db, spec, mode="builtin", business_vault=False)
    assert _status(fresh_db, "sts_person_changes") == [
        ("a", "present", T[0]), ("b", "present", T[0]), ("b", "deleted", T[1])]
    events = [e for e in trace(fresh_db, spec, "person", "b").events if e.kind == "status"]
    assert events[-1].summary == "deleted at the source (is_deleted in people_changes) since 2021-02-01 00:00:00"
    assert [(line.source_file, line.source_line) for line in events[-1].provenance] == [("people_changes.csv", 2)]


def test_a_link_row_missing_from_a_full_extract_ends(fresh_db: Database, tmp_path: Path) -> None:
    # rooms is a delta source; two of its deliveries are loaded as full extracts (--full-extract rooms).
    root, spec = make_project(tmp_path / "p", {"people.yml": SPEC})
    load_batch(fresh_db, spec, _batch(root, "r0", {"rooms.csv": "person_id,room_id\na,r1\nb,r1\n"}), T[0])
    load_batch(fresh_db, spec, _batch(root, "r1", {"rooms.csv": "person_id,room_id\nc,r2\n"}), T[1])
    load_batch(fresh_db, spec, _batch(root, "r2", {"rooms.csv": "person_id,room_id\na,r1\nc,r2\n"}), T[2],
               full_extracts=("rooms",))
    build(root, fresh_db, spec, mode="builtin", business_vault=False)
    with fresh_db.connect() as conn:
        rows = conn.execute(
            "select h.person_id, s.status, s.load_datetime from raw_vault.sts_person_room s "
            "join raw_vault.link_person_room l using (person_room_hk) join raw_vault.hub_person h using (person_hk) "
            "order by 1, 3").fetchall()
    # The delta of T[1] said nothing of a and b; the full extract of T[2] no longer holds b's room.
    assert rows == [("a", "present", T[0]), ("b", "present", T[0]), ("b", "deleted", T[2]), ("c", "present", T[1])]


def test_a_full_extract_with_quarantined_lines_marks_nothing_deleted(fresh_db: Database, tmp_path: Path) -> None:
    root, spec = make_project(tmp_path / "p", {"people.yml": SPEC})
    load_batch(fresh_db, spec, _batch(root, "q0", {"people.csv": _people("a", "b")}), T[0])
    # b's line is unreadable (a field too many): set aside, so its absence proves nothing.
    load_batch(fresh_db, spec, _batch(root, "q1", {"people.csv": "person_id,name\na,A\nb,B,extra\n"}), T[1])
    load_batch(fresh_db, spec, _batch(root, "q2", {"people.csv": _people("a")}), T[2])
    build(root, fresh_db, spec, mode="builtin", business_vault=False)
    assert _status(fresh_db) == [("a", "present", T[0]), ("b", "present", T[0]), ("b", "deleted", T[2])]


def test_full_extract_must_name_a_source(fresh_db: Database, tmp_path: Path) -> None:
    root, spec = make_project(tmp_path / "p", {"people.yml": SPEC})
    with pytest.raises(DvkitError, match="--full-extract names no source of the spec: roms"):
        load_batch(fresh_db, spec, _batch(root, "x", {"rooms.csv": "person_id,room_id\n"}), T[0],
                   full_extracts=("roms",))


def test_orders_purged_at_the_source_are_deleted_in_fct_orders(fresh_db: Database, tmp_path: Path) -> None:
    # The Olist vault over synthetic batches whose orders files are full extracts without purged orders.
    root, spec = make_project(tmp_path / "olist", business_vault="all")
    data = tmp_path / "data"
    generate_batches(0.003, data, seed=3, batches=2, change_rate=0.05, delete_rate=0.2)
    load_batch(fresh_db, spec, data / "batch_000", T[0])
    build(root, fresh_db, spec, mode="builtin")
    for b in (1, 2):
        load_batch(fresh_db, spec, data / f"batch_{b:03d}", T[b], full_extracts=("orders",))
        build(root, fresh_db, spec, mode="builtin")
    held = [_order_ids(data / f"batch_{b:03d}" / "olist_orders_dataset.csv") for b in range(3)]
    # Gone since the first batch without it, unless it came back.
    gone_since = {order: None if order in held[2] else T[1] if order not in held[1] else T[2] for order in held[0]}
    expected = {order: (since is not None, since) for order, since in gone_since.items()}
    with fresh_db.connect() as conn:
        rows = conn.execute("select order_id, is_deleted, deleted_at from marts.fct_orders").fetchall()
    stored = {order: (deleted, since) for order, deleted, since in rows}
    assert stored == expected
    assert 0 < sum(deleted for deleted, _ in stored.values()) < len(stored) // 2


def _order_ids(path: Path) -> set[str]:
    with path.open(encoding="utf-8", newline="") as file:
        return {row["order_id"] for row in csv.DictReader(file)}


BRIDGE = """\
    bridges:
      - name: person_rooms
        hub: person
        links: [person_room]
        as_of: day
    """


def test_a_bridge_leaves_out_a_relationship_once_a_key_of_it_is_deleted(fresh_db: Database, tmp_path: Path) -> None:
    root, spec = make_project(tmp_path / "p", {"people.yml": SPEC, "bridge.yml": BRIDGE}, business_vault="generated")
    load_batch(fresh_db, spec, _batch(root, "d0", {"people.csv": _people("a", "b"),
                                                   "rooms.csv": "person_id,room_id\na,r1\nb,r1\n"}), T[0])
    load_batch(fresh_db, spec, _batch(root, "d1", {"people.csv": _people("a")}), T[1])  # b gone at the source
    build(root, fresh_db, spec, mode="builtin")
    with fresh_db.connect() as conn:
        last = dict(conn.execute(
            "select h.person_id, max(b.as_of_date) from business_vault.bridge_person_rooms b "
            "join raw_vault.hub_person h using (person_hk) group by 1").fetchall())
        newest = conn.execute("select max(as_of_date) from business_vault.bridge_person_rooms").fetchone()[0]
    # a's room is in force to the end; b's until the day before the full extract without b.
    assert last == {"a": newest, "b": T[1] - dt.timedelta(seconds=1)}
