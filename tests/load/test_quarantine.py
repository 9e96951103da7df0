"""Bad source rows are set aside in landing.quarantine; good rows load; --strict refuses the batch.

Small hand-written files, one test per kind of bad row, then the reconciliation (rows read =
loaded + quarantined, per file), --strict, the command line, the value checks against
PostgreSQL's own input functions, and the real Olist files (skipped when absent).
"""

from __future__ import annotations

import csv
import doctest
import gzip
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console

import generator.load.quarantine as quarantine
from generator.cli import main
from generator.cli.quarantine import print_quarantined, print_reconciliation
from generator.db import Database
from generator.errors import DvkitError
from generator.load.landing import Extract, file_extracts, load_batch, load_extracts
from generator.load.quarantine import CHECKS, EMPTY_FILE, FAST, RowValidator, hub_keys
from generator.load.reader import open_text, read_header, records_with_lines
from generator.spec.model import Spec
from generator.spec.validate import load_spec
from tests.conftest import OLIST_DATA, REPO

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
      born: date
      price: numeric
      qty: integer
      weight: double
      active: boolean
  - name: tags
    file: tags.csv
    columns:
      thing_id: text
      tag: text
hubs:
  - name: thing
    business_key: thing_id
    sources: [{source: things}, {source: tags}]
  - name: tag
    business_key: tag
    sources: [{source: tags}]
links:
  - name: thing_tag
    hubs: [thing, tag]
    sources: [{source: tags}]
"""
HEADER = "thing_id,note,made_at,born,price,qty,weight,active\n"
# Line 2, then a row running over lines 3-4: the next row starts on line 5.
GOOD = '1,hello,2018-01-02 03:04:05,2000-02-29,10.50,3,-23.5,True\n2,"multi\nline, text",,,,,,\n'
TAGS = "thing_id,tag\n1,red\n2,blue\n"


@pytest.fixture()
def spec(tmp_path: Path) -> Spec:
    folder = tmp_path / "vault_spec"
    folder.mkdir()
    (folder / "sources.yml").write_text(SPEC)
    result = load_spec(folder)
    assert result.spec is not None, result.problems
    return result.spec


def _data(tmp_path: Path, things: str | bytes | None = HEADER + GOOD, tags: str | bytes | None = TAGS,
          folder: str = "data") -> Path:
    data = tmp_path / folder
    data.mkdir(exist_ok=True)
    for name, content in (("things.csv", things), ("tags.csv", tags)):
        if content is not None:
            (data / name).write_bytes(content if isinstance(content, bytes) else content.encode())
    return data


def _query(db: Database, query: str, params: Any = ()) -> list[tuple[Any, ...]]:
    with db.connect() as conn:
        return conn.execute(query, params).fetchall()  # type: ignore[arg-type]  # test-only, fixed text


def _quarantine(db: Database) -> list[tuple[Any, ...]]:
    return _query(db, "select batch_id, source, file_name, line, raw, reason from landing.quarantine "
                      "order by batch_id, source, line")


def _count(db: Database, table: str) -> int:
    with db.connect() as conn:
        found = conn.execute("select to_regclass(%s) is not null", (table,)).fetchone()
        if not found or not found[0]:
            return 0
        return int(conn.execute(f"select count(*) from {table}").fetchone()[0])  # type: ignore[index]


def _files(db: Database) -> list[tuple[Any, ...]]:
    return _query(db, "select batch_id, source, file_name, rows_read, row_count, rows_quarantined "
                      "from landing.batch_files order by batch_id, source")


# -- one test per kind of bad row ---------------------------------------------------------------------

TS = "(YYYY-MM-DD HH:MM:SS)"
BAD_ROWS = {
    "too many fields": ("3,x,,,,,,,extra", "9 field(s), the header has 8"),
    "too few fields": ("3,x", "2 field(s), the header has 8"),
    "a timestamp in words": ("3,x,yesterday,,,,,", f"column made_at: 'yesterday' is not a timestamp {TS}"),
    "a timestamp that does not exist": ("3,x,2018-02-29 10:00:00,,,,,",
                                        f"column made_at: '2018-02-29 10:00:00' is not a valid timestamp {TS}"),
    "an hour of 25": ("3,x,2018-01-01 25:00:00,,,,,", f"column made_at: '2018-01-01 25:00:00' is not a valid "
                                                       f"timestamp {TS}"),
    "a date": ("3,x,,2018-13-01,,,,", "column born: '2018-13-01' is not a valid date (YYYY-MM-DD)"),
    "a date in another form": ("3,x,,01/02/2018,,,,", "column born: '01/02/2018' is not a date (YYYY-MM-DD)"),
    "a decimal comma": ('3,x,,,"1,5",,,', "column price: '1,5' is not a numeric (a number such as 58.90, -1 or 1e3)"),
    "a fraction in an integer": ("3,x,,,,2.5,,", "column qty: '2.5' is not an integer (a whole number)"),
    "an integer out of range": ("3,x,,,,3000000000,,", "column qty: '3000000000' is out of range for integer"),
    "a double out of range": ("3,x,,,,,1e999,", "column weight: '1e999' is out of range for double"),
    "a boolean": ("3,x,,,,,,maybe", "column active: 'maybe' is not a boolean (true/false, t/f, yes/no, 1/0)"),
    "two bad values": ("3,x,soon,,,,,maybe", f"column made_at: 'soon' is not a timestamp {TS}; column active: "
                                             "'maybe' is not a boolean (true/false, t/f, yes/no, 1/0)"),
    "a long value, cut": ("3,x,,,," + "9" * 60 + ",,", "column qty: '" + "9" * 39 + "…' is out of range for integer"),
    "a NULL business key": (",x,,,,,,", "empty business key thing_id"),
    "a blank business key": ("  ,x,,,,,,", "empty business key thing_id"),
    "a NUL character": ("3,a\x00b,,,,,,", "NUL character in column note: 'a\\x00b'"),
    "an unclosed quote": ('3,"open,,,,,,\n4,x,,,,,,', "2 field(s), the header has 8; the record runs from line 5 "
                                                      "to line 6 (an unclosed quote?)"),
}


@pytest.mark.parametrize("kind", BAD_ROWS)
def test_a_bad_row_is_set_aside_with_its_reason_and_raw_text(fresh_db: Database, spec: Spec, tmp_path: Path,
                                                             kind: str) -> None:
    line, reason = BAD_ROWS[kind]
    result = load_batch(fresh_db, spec, _data(tmp_path, HEADER + GOOD + line + "\n"))
    raw = line.replace("\x00", "\\x00")  # PostgreSQL text cannot hold a NUL: it is stored escaped
    assert _quarantine(fresh_db) == [(result.batch_id, "things", "things.csv", 5, raw, reason)]
    assert (result.read["things"], result.rows["things"], result.quarantined["things"]) == (3, 2, 1)
    assert _query(fresh_db, "select thing_id, _source_line from landing.things order by 2") == [("1", 2), ("2", 3)]
    assert result.rows["tags"] == 2 and result.quarantined["tags"] == 0


def test_invalid_utf8_sets_aside_only_its_line_with_the_bytes_shown(fresh_db: Database, spec: Spec,
                                                                    tmp_path: Path) -> None:
    things = (HEADER + GOOD).encode() + "4,São Paulo,,,,,,\n".encode() + b"5,caf\xe9 \xff,,,,,,\n6,ok,,,,,,\n"
    data = _data(tmp_path, things, tags=b"thing_id,tag\n1,r\xe9d\n2,blue\n")  # Latin-1 in tags, not UTF-8
    result = load_batch(fresh_db, spec, data)
    assert [row[1:] for row in _quarantine(fresh_db)] == [
        ("tags", "tags.csv", 2, "1,r\\xe9d", "invalid UTF-8 in column tag: 'r\\xe9d'"),
        ("things", "things.csv", 6, "5,caf\\xe9 \\xff,,,,,,", "invalid UTF-8 in column note: 'caf\\xe9 \\xff'"),
    ]
    assert _query(fresh_db, "select note from landing.things where thing_id = '4'") == [("São Paulo",)]
    assert (result.read, result.rows, result.quarantined) == (
        {"things": 5, "tags": 2}, {"things": 4, "tags": 1}, {"things": 1, "tags": 1})


def test_invalid_utf8_in_a_gzip_file_with_an_explicit_load_time(fresh_db: Database, spec: Spec,
                                                                tmp_path: Path) -> None:
    import datetime as dt

    data = _data(tmp_path, things=None)
    (data / "things.csv.gz").write_bytes(gzip.compress((HEADER + GOOD).encode() + b"3,\x80,,,,,,\n"))
    load_ts = dt.datetime(2020, 1, 31)
    first = load_batch(fresh_db, spec, data, load_ts)  # the fingerprint reads the bad bytes too
    assert first.quarantined["things"] == 1
    assert _quarantine(fresh_db)[0][2:] == ("things.csv.gz", 5, "3,\\x80,,,,,,", "invalid UTF-8 in column note: "
                                                                              "'\\x80'")
    again = load_batch(fresh_db, spec, data, load_ts)
    assert again.duplicate_of == first.batch_id


def test_exact_duplicates_within_a_file_are_set_aside(fresh_db: Database, spec: Spec, tmp_path: Path) -> None:
    rows = ("1,a,2018-01-02 03:04:05,,1.5,,,\n"  # line 2
            "1,A,2018-01-02 03:04:05,,1.5,,,\n"  # 3: differs in case: not a duplicate
            "1,a,2018-01-02 03:04:05,,1.5,,,\n"  # 4: duplicate of 2
            '"1","a",2018-01-02 03:04:05,,1.5,,,\n'  # 5: quoted differently, the same values
            "2,b,,,,,,\n"  # 6
            "1,a,2018-01-02 03:04:05,,1.5,,,\n")  # 7
    result = load_batch(fresh_db, spec, _data(tmp_path, HEADER + rows))
    assert [(r[3], r[4], r[5]) for r in _quarantine(fresh_db)] == [
        (4, "1,a,2018-01-02 03:04:05,,1.5,,,", "duplicate of line 2"),
        (5, '"1","a",2018-01-02 03:04:05,,1.5,,,', "duplicate of line 2"),
        (7, "1,a,2018-01-02 03:04:05,,1.5,,,", "duplicate of line 2"),
    ]
    assert (result.read["things"], result.rows["things"]) == (6, 3)
    # Only within a file: the same rows in the next batch load again (the vault ignores unchanged rows).
    second = load_batch(fresh_db, spec, _data(tmp_path, HEADER + rows))
    assert (second.rows["things"], second.quarantined["things"]) == (3, 3)


def test_a_zero_byte_file_is_set_aside_and_a_header_alone_is_zero_rows(fresh_db: Database, spec: Spec,
                                                                       tmp_path: Path) -> None:
    result = load_batch(fresh_db, spec, _data(tmp_path, things=""))
    assert _quarantine(fresh_db) == [(result.batch_id, "things", "things.csv", 1, "", EMPTY_FILE)]
    assert result.rows == {"things": 0, "tags": 2}
    header_only = load_batch(fresh_db, spec, _data(tmp_path, things=HEADER, folder="header"))
    assert (header_only.read["things"], header_only.rows["things"], header_only.quarantined["things"]) == (0, 0, 0)
    # A gzip file of nothing and a file holding only a BOM are empty too.
    data = _data(tmp_path, things=None, folder="gz")
    (data / "things.csv.gz").write_bytes(gzip.compress(b""))
    (data / "tags.csv").write_bytes(b"\xef\xbb\xbf")
    empty = load_batch(fresh_db, spec, data)
    assert (empty.quarantined, empty.rows) == ({"things": 1, "tags": 1}, {"things": 0, "tags": 0})
    assert _files(fresh_db) == [
        (result.batch_id, "tags", "tags.csv", 2, 2, 0), (result.batch_id, "things", "things.csv", 1, 0, 1),
        (header_only.batch_id, "tags", "tags.csv", 2, 2, 0), (header_only.batch_id, "things", "things.csv", 0, 0, 0),
        (empty.batch_id, "tags", "tags.csv", 1, 0, 1), (empty.batch_id, "things", "things.csv.gz", 1, 0, 1),
    ]
    with pytest.raises(DvkitError, match=r"things.csv:1: empty file: no header line"):
        load_batch(fresh_db, spec, _data(tmp_path, things="", folder="strict"), strict=True)


# -- hub keys -----------------------------------------------------------------------------------------

def test_a_row_is_set_aside_only_when_it_has_no_hub_key_at_all(fresh_db: Database, spec: Spec,
                                                              tmp_path: Path) -> None:
    # tags feeds hubs thing and tag (a link's source feeds every hub of the link): a row holding one
    # of the two keys loads, the empty side is the build's to report; a row with neither is set aside.
    tags = "thing_id,tag\n,red\n2,\n,\n , \n3,green\n"
    result = load_batch(fresh_db, spec, _data(tmp_path, tags=tags))
    assert [(r[3], r[4], r[5]) for r in _quarantine(fresh_db)] == [
        (4, ",", "empty business key thing_id, tag"), (5, " , ", "empty business key thing_id, tag")]
    assert result.rows["tags"] == 3


def test_hub_keys_of_the_olist_spec() -> None:
    olist = load_spec(REPO / "vault_spec", REPO).spec
    assert olist is not None
    keys = {source.name: hub_keys(olist, source) for source in olist.sources}
    # orders feeds hub customer through a lookup (customer_unique_id is not in the file): not checked.
    assert keys["orders"] == (("order_id",),)
    assert keys["order_items"] == (("order_id",), ("product_id",), ("seller_id",))
    assert keys["closed_deals"] == (("mql_id",), ("seller_id",))
    assert keys["geolocation"] == () and keys["category_translation"] == ()
    assert hub_keys(None, olist.sources[0]) == ()


# -- reconciliation -----------------------------------------------------------------------------------

def test_every_load_records_and_prints_read_equals_loaded_plus_quarantined(fresh_db: Database, spec: Spec,
                                                                          tmp_path: Path) -> None:
    things = HEADER + GOOD + "3,x,never,,,,,\n4,y,,,,,,\n4,y,,,,,,\n\n"  # a blank line is no row
    result = load_batch(fresh_db, spec, _data(tmp_path, things, tags="thing_id,tag\n1,red\n1,\n,\n"))
    assert result.read == {"things": 5, "tags": 3}
    assert result.rows == {"things": 3, "tags": 2}
    assert result.quarantined == {"things": 2, "tags": 1}
    assert result.files == {"things": "things.csv", "tags": "tags.csv"}
    assert [str(p) for p in result.problems] == [  # sources in the spec's order
        "tags.csv:4: empty business key thing_id, tag",
        f"things.csv:5: column made_at: 'never' is not a timestamp {TS}", "things.csv:7: duplicate of line 6"]
    assert _files(fresh_db) == [(result.batch_id, "tags", "tags.csv", 3, 2, 1),
                                (result.batch_id, "things", "things.csv", 5, 3, 2)]
    # The tables agree with the record.
    for source, read, loaded, aside in ((r[1], r[3], r[4], r[5]) for r in _files(fresh_db)):
        assert _count(fresh_db, f"landing.{source}") == loaded
        assert len([q for q in _quarantine(fresh_db) if q[1] == source]) == aside == read - loaded
    assert _query(fresh_db, "select row_count from landing.batches") == [(5,)]
    console = Console(record=True, width=200)
    print_reconciliation(result, console)
    text = console.export_text()
    assert re.search(r"things[\s│]+things\.csv[\s│]+5[\s│]+3[\s│]+2", text)
    assert re.search(r"tags[\s│]+tags\.csv[\s│]+3[\s│]+2[\s│]+1", text)
    assert "read 8 = loaded 5 + quarantined 3" in text
    assert "things.csv:7: duplicate of line 6" in text
    assert f"dvkit quarantine --batch {result.batch_id}" in text


def test_older_batch_logs_gain_the_reconciliation_columns(fresh_db: Database, spec: Spec, tmp_path: Path) -> None:
    with fresh_db.connect() as conn:  # a landing schema from before quarantine existed
        conn.execute("create schema landing")
        conn.execute("create table landing.batches (batch_id bigserial primary key, load_ts timestamp not null, "
                     "source_dir text not null, loaded_at timestamptz not null default now(), "
                     "row_count bigint not null default 0, fingerprint text unique)")
        conn.execute("create table landing.batch_files (batch_id bigint not null references landing.batches, "
                     "source text not null, file_name text not null, row_count bigint not null, "
                     "primary key (batch_id, source))")
        conn.execute("insert into landing.batches (load_ts, source_dir, row_count) values (now(), 'old', 7)")
        conn.execute("insert into landing.batch_files values (1, 'things', 'things.csv', 7)")
    load_batch(fresh_db, spec, _data(tmp_path))
    assert _files(fresh_db)[0] == (1, "things", "things.csv", 7, 7, 0)


# -- strict -------------------------------------------------------------------------------------------

def test_strict_refuses_the_whole_batch_and_names_the_problems(fresh_db: Database, spec: Spec,
                                                               tmp_path: Path) -> None:
    first = load_batch(fresh_db, spec, _data(tmp_path, HEADER + GOOD + "3,x,never,,,,,\n"))
    before = {t: _count(fresh_db, t) for t in ("landing.things", "landing.tags", "landing.batches",
                                               "landing.batch_files", "landing.quarantine")}
    bad_things = HEADER + GOOD + "".join(f"{n},x,,,,{n}.5,,\n" for n in range(3, 27))  # 24 bad rows
    with pytest.raises(DvkitError) as caught:
        load_batch(fresh_db, spec, _data(tmp_path, bad_things, tags="thing_id,tag\n,\n", folder="bad"), strict=True)
    message = caught.value.message
    lines = message.splitlines()
    assert lines[0] == "25 bad row(s); --strict refuses the whole batch and nothing of it was loaded:"
    assert lines[1] == "  tags.csv:2: empty business key thing_id, tag"  # sources in the spec's order
    assert lines[2] == "  things.csv:5: column qty: '3.5' is not an integer (a whole number)"
    assert lines[20] == "  things.csv:23: column qty: '21.5' is not an integer (a whole number)"
    assert lines[21:] == ["  ... and 5 more"]
    assert "without --strict" in (caught.value.hint or "")
    assert {t: _count(fresh_db, t) for t in before} == before  # nothing of the refused batch is kept
    assert _quarantine(fresh_db)[0][0] == first.batch_id
    # Problems found after the first one are named too, in every file.
    with pytest.raises(DvkitError) as both:
        load_batch(fresh_db, spec, _data(tmp_path, HEADER + "9,x,,,,,,maybe\n", tags="thing_id,tag\n,\n",
                                         folder="both"), strict=True)
    assert both.value.message.splitlines()[1:] == [
        "  tags.csv:2: empty business key thing_id, tag",
        "  things.csv:2: column active: 'maybe' is not a boolean (true/false, t/f, yes/no, 1/0)"]
    # A clean batch loads under --strict.
    clean = load_batch(fresh_db, spec, _data(tmp_path, folder="clean"), strict=True)
    assert clean.rows == {"things": 2, "tags": 2} and clean.quarantined == {"things": 0, "tags": 0}


def test_postgresql_still_guards_what_python_lets_through(fresh_db: Database, spec: Spec, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    # Pretend the Python check of timestamps accepted anything: COPY refuses, the batch fails with file:line.
    monkeypatch.setitem(FAST, "timestamp", r"[^\x00]*")
    monkeypatch.setitem(CHECKS, "timestamp", lambda value: None)
    load_batch(fresh_db, spec, _data(tmp_path))
    with pytest.raises(DvkitError) as caught:
        load_batch(fresh_db, spec, _data(tmp_path, HEADER + GOOD + "3,x,not a time,,,,,\n", folder="bad"))
    assert caught.value.message.startswith("things.csv:5: invalid input syntax for type timestamp")
    assert "(column made_at)" in caught.value.message
    assert _count(fresh_db, "landing.things") == 2 and _count(fresh_db, "landing.batches") == 1


# -- extracts that are not files (replay) -------------------------------------------------------------

def test_rows_without_raw_text_are_set_aside_as_csv(fresh_db: Database, spec: Spec) -> None:
    source = spec.source("things")
    rows = [(2, ("1", "a", "", "", "", "", "", "")), (3, ("2", 'say "hi", bye', "", "", "", "x", "", "")),
            (4, ("1", "a", "", "", "", "", "", ""))]
    result = load_extracts(fresh_db, spec, [Extract(source, "things.csv", lambda: iter(rows))], None, "replay")
    assert [(r[3], r[4], r[5]) for r in _quarantine(fresh_db)] == [
        (3, '2,"say ""hi"", bye",,,,x,,', "column qty: 'x' is not an integer (a whole number)"),
        (4, "1,a,,,,,,", "duplicate of line 2")]
    assert (result.read, result.rows) == ({"things": 3}, {"things": 1})


# -- dvkit quarantine ---------------------------------------------------------------------------------

def test_the_quarantine_command_lists_what_was_set_aside(fresh_db: Database, spec: Spec, tmp_path: Path) -> None:
    runner, cli = CliRunner(), main
    env = {"DVKIT_DATABASE_URL": fresh_db.display_url()}
    args = ["--project", str(tmp_path), "quarantine"]
    empty = runner.invoke(cli, args, env=env)
    assert empty.exit_code == 0 and "no rows set aside in any batch" in empty.output
    result = load_batch(fresh_db, spec, _data(tmp_path, HEADER + GOOD + "3,x,never,,,,,\n3,x,never,,,,,\n"))
    load_batch(fresh_db, spec, _data(tmp_path, folder="clean"))
    listed = runner.invoke(cli, [*args, "--format", "json"], env=env)
    assert listed.exit_code == 0, listed.output
    document = json.loads(listed.output)
    reason = f"column made_at: 'never' is not a timestamp {TS}"
    assert document["rows"] == [
        {"batch_id": result.batch_id, "source": "things", "file_name": "things.csv", "line": line,
         "reason": reason, "raw": "3,x,never,,,,,"} for line in (5, 6)]
    assert document["files"] == [{"batch_id": result.batch_id, "source": "things", "file_name": "things.csv",
                                  "rows_read": 4, "rows_loaded": 2, "rows_quarantined": 2}]
    table = runner.invoke(cli, [*args, "--batch", str(result.batch_id)], env=env)
    assert table.exit_code == 0, table.output
    assert f"2 row(s) set aside in batch {result.batch_id}" in table.output
    clean = runner.invoke(cli, [*args, "--batch", str(result.batch_id + 1), "--format", "json"], env=env)
    assert json.loads(clean.output)["rows"] == [] and len(json.loads(clean.output)["files"]) == 2
    missing = runner.invoke(cli, [*args, "--batch", "99"], env=env)
    assert missing.exit_code == 1 and "there is no batch 99" in missing.output and "Traceback" not in missing.output
    # The table, as a wide terminal shows it.
    with fresh_db.connect() as conn:
        found = quarantine.quarantined(conn, result.batch_id)
    console = Console(record=True, width=200)
    print_quarantined(found, result.batch_id, console)
    text = console.export_text()
    assert f"things.csv:5 │ {reason}" in text and "3,x,never,,,,," in text
    assert re.search(r"things\s+│\s+things\.csv\s+│\s+4\s+│\s+2\s+│\s+2", text)


def test_dvkit_load_strict_and_its_reconciliation(fresh_db: Database, tmp_path: Path) -> None:
    (tmp_path / "vault_spec").mkdir()
    (tmp_path / "vault_spec" / "sources.yml").write_text(SPEC)
    data = _data(tmp_path, HEADER + GOOD + "3,x,never,,,,,\n")
    env = {"DVKIT_DATABASE_URL": fresh_db.display_url()}
    refused = CliRunner().invoke(main, ["--project", str(tmp_path), "load", str(data), "--strict"], env=env)
    assert refused.exit_code == 1 and "things.csv:5: column made_at" in refused.output
    assert _count(fresh_db, "landing.batches") == 0
    loaded = CliRunner().invoke(main, ["--project", str(tmp_path), "load", str(data)], env=env)
    assert loaded.exit_code == 0, loaded.output
    assert "read 5 = loaded 4 + quarantined 1" in loaded.output


# -- reading ------------------------------------------------------------------------------------------

def test_records_carry_their_raw_text(tmp_path: Path) -> None:
    path = tmp_path / "t.csv.gz"
    path.write_bytes(gzip.compress(b'\xef\xbb\xbf"id","text"\r\n"1","a\r\nb"\r\n2,caf\xe9\r\n\r\n3,x'))
    with open_text(path) as handle:
        assert read_header(handle, path) == ["id", "text"]
        assert list(records_with_lines(handle)) == [
            (2, ["1", "a\r\nb"], '"1","a\r\nb"\r\n'), (4, ["2", "caf\udce9"], "2,caf\udce9\r\n"), (5, [], "\r\n"),
            (6, ["3", "x"], "3,x")]


def test_module_examples() -> None:
    import generator.load.reader as reader

    assert doctest.testmod(reader).failed == 0
    assert doctest.testmod(quarantine).failed == 0


# -- the value checks against PostgreSQL ------------------------------------------------------------------

PG_TYPES = {"integer": "integer", "bigint": "bigint", "numeric": "numeric", "double": "double precision",
            "boolean": "boolean", "date": "date", "timestamp": "timestamp"}
# Both accept.
ACCEPTED = {
    "timestamp": ["2018-01-02 03:04:05", "2018-01-02", "2018-01-02 03:04:05.123", "2018-01-02 03:04:05.1234567",
                  "2018-01-02T03:04:05", " 2018-01-02 03:04:05 ", "2018-01-02 3:04:05", "2018-01-02 03:04",
                  "2018-01-02 24:00:00", "2018-12-31 23:59:60", "2016-02-29 00:00:00", "2018-01-02 03:04:05+03",
                  "2018-01-02 03:04:05Z", "2018-01-02 03:04:05 -03:00", "2018-1-2 03:04:05", "2018-01-02 03:04:05."],
    "date": ["2018-01-02", "2016-02-29", " 2018-01-02 ", "2018-01-02 03:04:05", "2018-01-02T03:04:05"],
    "integer": ["1", "-1", "+1", " 1 ", "2147483647", "-2147483648", "00000000000000000001"],
    "bigint": ["9223372036854775807", "-9223372036854775808"],
    "numeric": ["58.90", "-1", "1e3", "1.", ".5", "+.5e-3", " 1 ", "NaN", "Infinity", "-inf", "1e1000", "0.0"],
    "double": ["-23.54", "1e308", "1e-310", "0e-400", "NaN", "-Infinity", "inf", " 1.5 ", "0." + "0" * 320 + "1"],
    "boolean": ["True", "False", "true", "false", "t", "f", "1", "0", "yes", "no", "y", "n", "on", "off", "of",
                "tr", "fals", "TRUE", " t "],
}
# Both refuse.
REFUSED = {
    "timestamp": ["2018-01-02 24:00:01", "2018-02-29 00:00:00", "2018-13-01", "0000-01-01", "2018-01-02T",
                  "2018-01-02 25:00:00", "2018-01-02 03:60:00", "  ", "18-01-02"],
    "date": ["2018-02-30", "18-01-02", "2018-01-32"],
    "integer": ["2147483648", "-2147483649", "1.0", "1e3", "  ", "1 2"],
    "bigint": ["9223372036854775808"],
    "numeric": [".", "1,5", "--1", "1e", "e3", "1 2"],
    "double": ["1e309", "1e-400", "1" + "0" * 400, "1.5x"],
    "boolean": ["o", "2", "maybe", "yess", "tru e"],
}
# PostgreSQL takes these; no extract should hold them, so they are set aside.
STRICTER = {
    "timestamp": ["now", "epoch", "Jan 2 2018", "20180102"],
    "date": ["2018/01/02", "today"],
    "integer": ["1_000", "0x1F"],
    "numeric": ["1e1001", "1e-1001"],
}


@pytest.fixture(scope="module")
def pg(pg_server: Database) -> Iterator[psycopg.Connection]:
    with pg_server.connect(autocommit=True) as conn:
        if conn.info.server_version < 160000:
            pytest.skip("pg_input_is_valid needs PostgreSQL 16")
        yield conn


def _pg_accepts(conn: psycopg.Connection, value: str, kind: str) -> bool:
    row = conn.execute("select pg_input_is_valid(%s, %s)", (value, PG_TYPES[kind])).fetchone()
    return bool(row and row[0])


@pytest.mark.parametrize("kind", PG_TYPES)
def test_value_checks_agree_with_postgresql(pg: psycopg.Connection, kind: str) -> None:
    for value in ACCEPTED.get(kind, []):
        assert (CHECKS[kind](value), _pg_accepts(pg, value, kind)) == (None, True), value
    for value in REFUSED.get(kind, []):
        assert CHECKS[kind](value) is not None and not _pg_accepts(pg, value, kind), value
    for value in STRICTER.get(kind, []):
        assert CHECKS[kind](value) is not None and _pg_accepts(pg, value, kind), value


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(sorted(PG_TYPES)), value=st.text(alphabet="0123456789-+.:eE TtZfFnNaAlLsSyYoO ",
                                                               min_size=1, max_size=22))
def test_what_python_accepts_postgresql_accepts(pg: psycopg.Connection, kind: str, value: str) -> None:
    if CHECKS[kind](value) is None:
        assert _pg_accepts(pg, value, kind), (kind, value)


@settings(max_examples=300, deadline=None)
@given(data=st.data(), kind=st.sampled_from(sorted(PG_TYPES)))
def test_the_fast_path_accepts_only_what_the_checks_accept(data: st.DataObject, kind: str) -> None:
    value = data.draw(st.from_regex(re.compile(FAST[kind], re.ASCII), fullmatch=True).filter(bool))
    assert CHECKS[kind](value) is None, value


# -- the real Olist files -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def olist() -> Spec:
    if not OLIST_DATA.is_dir():
        pytest.skip(f"no Olist data in {OLIST_DATA}")
    spec = load_spec(REPO / "vault_spec", REPO).spec
    assert spec is not None
    return spec


def test_the_olist_subset_loads_setting_aside_only_exact_geolocation_duplicates(fresh_db: Database,
                                                                              olist: Spec) -> None:
    result = load_batch(fresh_db, olist, OLIST_DATA)
    # Kaggle's geolocation file repeats rows (same zip, coordinates, city and state); nothing else is bad.
    assert {name for name, n in result.quarantined.items() if n} == {"geolocation"}
    assert result.quarantined["geolocation"] == 1280 and result.rows["geolocation"] == 7660
    raw_lines = _raw_lines(olist, OLIST_DATA, "geolocation")
    for _, source, _, line, raw, reason in _quarantine(fresh_db):
        first = int(reason.removeprefix("duplicate of line "))
        assert source == "geolocation" and raw == raw_lines[line] == raw_lines[first], (line, reason)
    assert all(result.read[n] == result.rows[n] + result.quarantined[n] for n in result.read)


def test_the_complete_olist_files_load_without_a_bad_row(fresh_db: Database, olist: Spec) -> None:
    folder = OLIST_DATA / "complete"
    if not folder.is_dir():
        pytest.skip(f"no {folder}")
    result = load_batch(fresh_db, olist, folder)
    assert sum(result.quarantined.values()) == 0
    assert sum(result.rows.values()) == 352_094


def _raw_lines(spec: Spec, folder: Path, source: str) -> dict[int, str]:
    extract = next(e for e in file_extracts(spec, folder)[0] if e.source.name == source)
    assert extract.records is not None
    return {line: raw.rstrip("\r\n") for line, _, raw in extract.records()}


def test_the_csv_rebuilt_for_a_row_reads_back_as_its_fields(spec: Spec) -> None:
    fields = ["1", 'a "b", c', "x\r\ny", ""]
    raw = quarantine.storable_raw(None, fields)
    assert next(csv.reader(io.StringIO(raw, newline=""))) == fields
    assert RowValidator(spec.source("tags")).check(2, ["", ""], None) is None  # no keys given: none checked
