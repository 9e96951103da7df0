"""A source column renamed in the spec after batches were loaded, end to end.

README "Schema drift". Renamed alone, the spec no longer matches the landing table: the build says
so before dbt runs, naming the column's line and the landing column it probably was. Renamed with
`from` (the file's header it is read from), the build renames the landing column and the vault is
the one the new spec would have built from the start, row for row and line for line.
"""

from __future__ import annotations

import datetime as dt
import textwrap
import time
from pathlib import Path

import pytest

from generator.build import build
from generator.compliance.trace import trace
from generator.db import Database, ensure_database
from generator.errors import DvkitError
from generator.load.landing import load_batch
from generator.render.plan import plan
from generator.render.writer import write
from generator.spec.model import Spec
from generator.spec.validate import load_spec

from .project import make_project
from .vault_compare import row_differences, vault_tables

pytestmark = [pytest.mark.db, pytest.mark.dbt]

# The file's header says town; the modeler calls it city, everywhere from the landing table up.
NEW = """\
    sources:
      - name: people
        file: people.csv
        columns:
          person_id: text
          name: text
          city: {type: text, from: town}
    hubs:
      - name: person
        business_key: person_id
        sources: [{source: people}]
      - name: place
        business_key: city
        sources: [{source: people}]
    links:
      - name: person_place
        hubs: [person, place]
        sources: [{source: people}]
    satellites:
      - name: person_profile
        parent: person
        source: people
        payload: [name, city]
    """
OLD = NEW.replace("city: {type: text, from: town}", "town: text").replace("business_key: city",
                                                                          "business_key: town").replace(
    "payload: [name, city]", "payload: [name, town]")
RENAMED_ALONE = NEW.replace("city: {type: text, from: town}", "city: text")
JAN_FILE = "person_id,name,town\np1,Ann,Lisbon\np2,Bob,Porto\n"
FEB_FILE = "person_id,town,name\np1,Faro,Ann\np3,Porto,Cy\n"  # columns in another order: matched by header
JAN, FEB = dt.datetime(2020, 1, 1), dt.datetime(2020, 2, 1)


def _database(pg_server: Database, name: str) -> Database:
    ensure_database(pg_server, name)
    return Database(**{**pg_server.__dict__, "dbname": name})


def _batch(root: Path, name: str, text: str) -> Path:
    folder = root / "data" / name
    folder.mkdir(parents=True)
    (folder / "people.csv").write_text(text)
    return folder


def _respec(root: Path, text: str) -> Spec:
    """Change the spec and generate again, as `dvkit generate` does."""
    (root / "vault_spec" / "people.yml").write_text(textwrap.dedent(text))
    result = load_spec(root / "vault_spec", root)
    assert result.spec is not None, [str(p) for p in result.problems]
    write(plan(result.spec), root)
    return result.spec


def _landing(db: Database) -> list[tuple[object, ...]]:
    with db.connect() as conn:
        return conn.execute("select * from landing.people order by _batch_id, _source_line").fetchall()


def test_a_rename_without_from_is_refused_before_dbt(pg_server: Database, tmp_path: Path) -> None:
    db = _database(pg_server, "rename_refused")
    root, spec = make_project(tmp_path / "refused", {"people.yml": OLD})
    load_batch(db, spec, _batch(root, "jan", JAN_FILE), JAN)
    spec = _respec(root, RENAMED_ALONE)
    started = time.monotonic()
    with pytest.raises(DvkitError) as caught:
        build(root, db, spec, mode="builtin")
    assert time.monotonic() - started < 5  # dbt alone takes longer than that to start
    message = caught.value.message
    assert "vault_spec/people.yml:7: column 'city' of source 'people' is not in landing.people" in message
    assert "did you mean 'town'?" in message and "`city: {type: text, from: town}`" in message
    with db.connect() as conn:
        assert conn.execute("select count(*) from dvkit.builds").fetchone() == (0,)
        assert conn.execute("select to_regclass('raw_vault.hub_person')").fetchone() == (None,)
    assert not (root / "dbt_vault" / "target" / "run").exists()


def test_a_rename_with_from_builds_the_vault_the_new_spec_builds(pg_server: Database, tmp_path: Path) -> None:
    # Loaded under the old name, then renamed with `from`, then built and loaded again.
    renamed = _database(pg_server, "rename_carried")
    root, spec = make_project(tmp_path / "carried", {"people.yml": OLD})
    load_batch(renamed, spec, _batch(root, "jan", JAN_FILE), JAN)
    spec = _respec(root, NEW)
    said: list[str] = []
    build(root, renamed, spec, mode="builtin", log=said.append)
    assert "landing.people: column town renamed to city (the spec reads header town into city)" in said
    load_batch(renamed, spec, _batch(root, "feb", FEB_FILE), FEB)
    build(root, renamed, spec, mode="builtin")

    # The new spec from the start, on the same files.
    scratch = _database(pg_server, "rename_scratch")
    other, spec = make_project(tmp_path / "scratch", {"people.yml": NEW})
    for name, text, at in (("jan", JAN_FILE, JAN), ("feb", FEB_FILE, FEB)):
        load_batch(scratch, spec, _batch(other, name, text), at)
        build(other, scratch, spec, mode="builtin")

    vault = vault_tables(renamed, ("raw_vault",))
    assert {"raw_vault.hub_place", "raw_vault.link_person_place", "raw_vault.sat_person_profile"} <= set(vault)
    assert row_differences(vault, vault_tables(scratch, ("raw_vault",)), ("renamed", "scratch")) == []
    assert sum(vault["raw_vault.sat_person_profile"].rows.values()) == 4  # p1 moved to Faro: a second version
    assert _landing(renamed) == _landing(scratch)
    # Each version still leads back to its file and line.
    lines = [[(line.source_file, line.source_line) for line in event.provenance]
             for event in trace(renamed, spec, "person", "p1").events if event.kind == "satellite"]
    assert lines == [[("people.csv", 2)], [("people.csv", 2)]]
    assert [event.values["city"] for event in trace(renamed, spec, "person", "p1").events
            if event.kind == "satellite"] == ["Lisbon", "Faro"]
