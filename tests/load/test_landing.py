"""Loading batches into the landing schema on the embedded PostgreSQL."""

from __future__ import annotations

import datetime as dt
import gzip
from pathlib import Path

import pytest

from generator.db import Database
from generator.errors import DvkitError
from generator.load.landing import load_batch
from generator.spec.model import Spec
from generator.spec.validate import load_spec

pytestmark = pytest.mark.db

SPEC = """\
sources:
  - name: things
    file: things.csv
    record_source: test.things
    columns:
      thing_id: text
      note: text
      made_at: timestamp
      price: numeric
  - name: tags
    file: tags.csv
    columns:
      thing_id: text
      tag: text
"""
THINGS = ('\ufeff"thing_id","note","made_at","price"\r\n"1",hello,2018-01-02 03:04:05,10.50\r\n'
          '2,"multi\r\nline, text",,\r\n')
TAGS = 'thing_id,tag\n1,red\n2,blue\n'


@pytest.fixture()
def spec(tmp_path: Path) -> Spec:
    folder = tmp_path / "vault_spec"
    folder.mkdir()
    (folder / "sources.yml").write_text(SPEC)
    result = load_spec(folder)
    assert result.spec is not None
    return result.spec


def _data(tmp_path: Path, things: str = THINGS, tags: str = TAGS) -> Path:
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    (data / "things.csv.gz").write_bytes(gzip.compress(things.encode()))
    (data / "tags.csv").write_text(tags)
    return data


def _count(db: Database, table: str) -> int:
    with db.connect() as conn:
        exists = conn.execute("select to_regclass(%s) is not null", (table,)).fetchone()
        if not exists or not exists[0]:
            return 0
        row = conn.execute(f"select count(*) from {table}").fetchone()  # test-only, fixed names
        return int(row[0]) if row else 0


def test_rows_land_typed_with_batch_metadata(fresh_db: Database, spec: Spec, tmp_path: Path) -> None:
    load_ts = dt.datetime(2018, 1, 31, 23, 59, 59)
    result = load_batch(fresh_db, spec, _data(tmp_path), load_ts)
    assert result.rows == {"things": 2, "tags": 2}
    with fresh_db.connect() as conn:
        rows = conn.execute(
            "select thing_id, note, made_at, price, _batch_id, _load_ts, _record_source, _source_file, _source_line "
            "from landing.things order by _source_line").fetchall()
    assert rows[0] == ("1", "hello", dt.datetime(2018, 1, 2, 3, 4, 5), pytest.approx(10.5), result.batch_id, load_ts,
                       "test.things", "things.csv.gz", 2)
    # An embedded CRLF stays in the value; empty fields are NULL; the row starts on line 3.
    assert rows[1][1] == "multi\r\nline, text" and rows[1][2] is None and rows[1][8] == 3


def test_header_mismatch_refuses_the_whole_batch(fresh_db: Database, spec: Spec, tmp_path: Path) -> None:
    data = _data(tmp_path, tags="thing_id,label\n1,red\n")
    with pytest.raises(DvkitError, match=r"tags.csv:1: header does not match source 'tags'.*missing column\(s\) tag"):
        load_batch(fresh_db, spec, data)
    assert _count(fresh_db, "landing.things") == 0


def test_bad_value_names_file_line_and_column_and_loads_nothing(fresh_db: Database, spec: Spec,
                                                                tmp_path: Path) -> None:
    # strict: a bad row refuses the batch (by default it is set aside: tests/load/test_quarantine.py)
    load_batch(fresh_db, spec, _data(tmp_path))
    bad = THINGS + "3,x,not a time,1\r\n"
    with pytest.raises(DvkitError) as caught:
        load_batch(fresh_db, spec, _data(tmp_path, things=bad), strict=True)
    assert "things.csv.gz:5:" in caught.value.message and "made_at" in caught.value.message
    assert _count(fresh_db, "landing.things") == 2  # the first batch is intact, the second left nothing
    assert _count(fresh_db, "landing.tags") == 2


def test_wrong_field_count_is_refused(fresh_db: Database, spec: Spec, tmp_path: Path) -> None:
    with pytest.raises(DvkitError, match=r"tags.csv:3: 3 field\(s\), the header has 2"):
        load_batch(fresh_db, spec, _data(tmp_path, tags="thing_id,tag\n1,red\n2,blue,green\n"), strict=True)
    assert _count(fresh_db, "landing.batches") == 0


def test_batches_get_increasing_ids(fresh_db: Database, spec: Spec, tmp_path: Path) -> None:
    first = load_batch(fresh_db, spec, _data(tmp_path))
    second = load_batch(fresh_db, spec, _data(tmp_path))
    assert second.batch_id == first.batch_id + 1
    assert _count(fresh_db, "landing.things") == 4
