"""A vault named by a convention of its own (``settings: naming:``), end to end.

Prefixes ``h_``, ``l_`` and ``s_``, hash keys ending ``_hkey``, hashdiffs ending ``_hash_diff``, the
raw vault in schema ``rv`` and staging in ``stage_area``: the generated project builds, the tables
and columns carry those names (and no default one), the build counts their rows, ``trace`` finds a
key's history, ``erase`` clears a data subject's personal data (and keeps it cleared when delivered
again), retention, the personal columns and a reviewer's grants find the tables.
"""

from __future__ import annotations

import datetime as dt
import shutil
import uuid
from pathlib import Path

import pytest

from generator.build import build
from generator.compliance.personal import personal_columns
from generator.compliance.retention import expired
from generator.compliance.roles import grant_reviewer
from generator.compliance.subjects import erase
from generator.compliance.trace import trace
from generator.db import Database

from .project import make_project

pytestmark = [pytest.mark.db, pytest.mark.dbt]

SPEC = """\
    settings:
      naming:
        prefixes: {hubs: h_, links: l_, satellites: s_}
        hash_key_suffix: _hkey
        hashdiff_suffix: _hash_diff
        schemas: {raw_vault: rv, staging: stage_area}
    sources:
      - name: people
        file: people.csv
        columns:
          person_id: text
          city: text
        personal_data:
          columns: [city]
          retention: P5Y
      - name: orders
        file: orders.csv
        columns:
          order_id: text
          person_id: text
          amount: numeric
          note: text
        personal_data:
          columns: [note]
          retention: P5Y
    hubs:
      - name: person
        business_key: person_id
        sources: [{source: people}, {source: orders}]
        data_subject:
          reaches: [[order]]
      - name: order
        business_key: order_id
        sources: [{source: orders}]
    links:
      - name: order_person
        hubs: [order, person]
        sources: [{source: orders}]
    satellites:
      - name: person_city
        parent: person
        source: people
        payload: [city]
      - name: order_amount
        parent: order
        source: orders
        payload: [amount]
      - name: order_note
        parent: order
        source: orders
        payload: [note]
    """
TABLES = ["h_order", "h_person", "l_order_person", "s_order_amount", "s_order_note", "s_person_city"]


def _columns(db: Database, schema: str) -> dict[str, list[str]]:
    with db.connect() as conn:
        rows = conn.execute("select table_name, column_name from information_schema.columns "
                            "where table_schema = %s order by table_name, ordinal_position", (schema,)).fetchall()
    found: dict[str, list[str]] = {}
    for table, column in rows:
        found.setdefault(table, []).append(column)
    return found


def test_a_vault_of_its_own_names_builds_traces_and_erases(fresh_db: Database, tmp_path: Path) -> None:
    from generator.load.landing import load_batch

    root, spec = make_project(tmp_path / "p", {"vault.yml": SPEC})
    project = (root / "dbt_vault" / "dbt_project.yml").read_text(encoding="utf-8")
    assert "+schema: rv" in project and "+schema: stage_area" in project
    assert (root / "dbt_vault" / "models" / "raw_vault" / "hubs" / "h_person.sql").is_file()

    data = tmp_path / "batch"
    data.mkdir()
    (data / "people.csv").write_text("person_id,city\np1,Lyon\np2,Nice\n", encoding="utf-8")
    (data / "orders.csv").write_text("order_id,person_id,amount,note\no1,p1,10.5,ring twice\no2,p2,20,\n",
                                     encoding="utf-8")
    load_batch(fresh_db, spec, data, dt.datetime(2024, 1, 1))
    result = build(root, fresh_db, spec, mode="builtin", business_vault=False)

    assert dict(result.row_counts) == {"h_order": 2, "h_person": 2, "l_order_person": 2,
                                       "s_order_amount": 2, "s_order_note": 2, "s_person_city": 2}
    raw = _columns(fresh_db, "rv")
    assert sorted(raw) == TABLES
    assert raw["h_person"][0] == "person_hkey"
    assert raw["l_order_person"][:3] == ["order_person_hkey", "order_hkey", "person_hkey"]
    assert "person_city_hash_diff" in raw["s_person_city"]
    assert not any(column.endswith(("_hk", "_hashdiff")) for columns in raw.values() for column in columns)
    assert "pending_people" in _columns(fresh_db, "stage_area")
    assert _columns(fresh_db, "raw_vault") == {} and _columns(fresh_db, "staging") == {}

    personal = personal_columns(root, spec, fresh_db).tables
    assert personal[("rv", "s_person_city")] == {"city", "person_city_hash_diff"}
    assert personal[("rv", "s_order_note")] == {"note", "order_note_hash_diff"}
    later = dt.datetime(2040, 1, 1)
    assert [e.keys for e in expired(fresh_db, spec, later) if e.source == "people"] == [(("p1",), ("p2",))]

    # A reviewer reads the raw vault in its own schema, without the personal columns.
    role = f"naming_{uuid.uuid4().hex[:8]}"
    grant = grant_reviewer(fresh_db, role, spec=spec, project_dir=root)
    assert "rv.s_person_city.city" in grant.hidden
    with fresh_db.connect() as conn:
        assert conn.execute("select has_table_privilege(%s, 'rv.h_person', 'select'), "
                            "has_column_privilege(%s, 'rv.s_person_city', 'city', 'select'), "
                            "has_column_privilege(%s, 'rv.s_person_city', 'person_hkey', 'select')",
                            (role, role, role)).fetchone() == (True, False, True)

    found = trace(fresh_db, spec, "person", "p1")
    assert found.hub.table == "rv.h_person"
    tables = {event.table for event in found.events}
    assert {"rv.s_person_city", "rv.l_order_person"} <= tables, tables

    erased = erase(fresh_db, spec, "person", "p1", "test request")
    assert erased.rows["rv.s_person_city"] == 1 and erased.rows["rv.s_order_note"] == 1  # o1, reached
    with fresh_db.connect() as conn:
        cities = conn.execute("select h.person_id, s.city from rv.s_person_city s join rv.h_person h "
                              "using (person_hkey) order by 1").fetchall()
    assert cities == [("p1", None), ("p2", "Nice")]
    assert [e.keys for e in expired(fresh_db, spec, later) if e.source == "people"] == [(("p2",),)]

    # Delivered again, the erased person's data stays erased (the erasure register, by the hub's own names).
    again = tmp_path / "again"
    shutil.copytree(data, again)
    load_batch(fresh_db, spec, again, dt.datetime(2024, 2, 1))
    build(root, fresh_db, spec, mode="builtin", business_vault=False)
    with fresh_db.connect() as conn:
        assert conn.execute("select count(*) from rv.s_person_city where city = 'Lyon'").fetchone() == (0,)
