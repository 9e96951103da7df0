"""The audit log: what a load records, the hash chain, ``dvkit audit verify`` against each kind of
tampering, and the report in every format. Small synthetic specs, a few rows, no dbt."""

from __future__ import annotations

import csv
import datetime as dt
import doctest
import hashlib
import io
import json
import threading
import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest
from click.testing import CliRunner, Result

from generator.cli import main
from generator.compliance import audit, audit_report
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
    columns:
      thing_id: text
      price: numeric
  - name: tags
    file: tags.csv
    columns:
      thing_id: text
      tag: text
"""
THINGS = "thing_id,price\n1,10.50\n2,not a number\n3,7\n"  # line 3 is set aside
TAGS = "thing_id,tag\n1,red\n"
UTC = dt.timezone.utc
T0 = dt.datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture()
def project(tmp_path: Path) -> tuple[Path, Spec]:
    folder = tmp_path / "project" / "vault_spec"
    folder.mkdir(parents=True)
    (folder / "sources.yml").write_text(SPEC)
    result = load_spec(folder)
    assert result.spec is not None
    return folder.parent, result.spec


def _data(tmp_path: Path, things: str = THINGS) -> Path:
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    (data / "things.csv").write_text(things)
    (data / "tags.csv").write_text(TAGS)
    return data


def _log(db: Database) -> list[audit.AuditRow]:
    with db.connect() as conn:
        return list(audit.rows(conn))


def _cli(db: Database, root: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--project", str(root), "audit", *args],
                              env={"DVKIT_DATABASE_URL": db.conninfo()})


def _forge(conn: psycopg.Connection, id_: int, at: dt.datetime, kind: str, summary: dict[str, Any],
           prev: str) -> str:
    """Write a row as someone who knows the hashing would: its own hash is right."""
    hashed = audit.row_hash(id_, at, kind, "mallory", "mallory", summary, prev)
    conn.execute("insert into dvkit.audit_log values (%s, %s, %s, 'mallory', 'mallory', %s, %s, %s)",
                 (id_, at, kind, json.dumps(summary), prev, hashed))
    return hashed


def _chain(db: Database, times: list[dt.datetime]) -> None:
    """A valid log with rows at chosen times (ids in time order)."""
    kinds = ["load", "build", "erasure", "rebuild", "retention"]
    with db.connect() as conn:
        audit.ensure(conn)
        prev = audit.GENESIS
        for number, at in enumerate(times, start=1):
            kind = kinds[(number - 1) % len(kinds)]
            summary: dict[str, Any] = {"outcome": "ok", "n": number}
            if kind == "load":
                summary = {"outcome": "loaded", "batch_id": number, "load_ts": "2026-01-01T00:00:00",
                           "origin": "<script>alert(1)</script>", "rows_loaded": 2, "rows_quarantined": 1,
                           "files": [{"source": "things", "file": "things.csv", "sha256": "ab" * 32,
                                      "rows_read": 3, "rows_loaded": 2, "rows_quarantined": 1}]}
            prev = _forge(conn, number, at, kind, summary, prev)


def _tamper(db: Database, *statements: str) -> None:
    with db.connect() as conn:
        conn.execute("alter table dvkit.audit_log disable trigger audit_log_append_only")
        for statement in statements:
            conn.execute(statement)
        conn.execute("alter table dvkit.audit_log enable trigger audit_log_append_only")


# -- what a load records ---------------------------------------------------------------------------

def test_a_load_logs_who_each_files_sha256_and_its_counts(fresh_db: Database, project: tuple[Path, Spec],
                                                           tmp_path: Path) -> None:
    root, spec = project
    data = _data(tmp_path)
    result = load_batch(fresh_db, spec, data, dt.datetime(2026, 1, 31))
    [row] = _log(fresh_db)
    assert (row.id, row.kind, row.db_role, row.os_user) == (1, "load", fresh_db.user, audit.os_user())
    assert row.prev_hash == audit.GENESIS and result.audit_id == 1
    sha = {name: hashlib.sha256((data / name).read_bytes()).hexdigest() for name in ("things.csv", "tags.csv")}
    assert row.summary == {
        "outcome": "loaded", "batch_id": result.batch_id, "load_ts": "2026-01-31T00:00:00", "origin": "data",
        "rows_loaded": 3, "rows_quarantined": 1,
        "files": [{"source": "tags", "file": "tags.csv", "sha256": sha["tags.csv"],  # by source name
                   "rows_read": 1, "rows_loaded": 1, "rows_quarantined": 0},
                  {"source": "things", "file": "things.csv", "sha256": sha["things.csv"],
                   "rows_read": 3, "rows_loaded": 2, "rows_quarantined": 1}]}
    with fresh_db.connect() as conn:  # the batch's own record keeps the hash too
        kept = dict(conn.execute("select file_name, sha256 from landing.batch_files").fetchall())
    assert kept == sha
    # No row value reaches the log: only names, hashes and counts.
    assert "10.50" not in json.dumps(row.summary) and "red" not in json.dumps(row.summary)
    assert _cli(fresh_db, root, "verify").exit_code == 0


def test_a_refused_load_is_logged_without_values_and_a_repeated_one_not_at_all(
        fresh_db: Database, project: tuple[Path, Spec], tmp_path: Path) -> None:
    root, spec = project
    with pytest.raises(DvkitError, match="not a number"):
        load_batch(fresh_db, spec, _data(tmp_path), dt.datetime(2026, 1, 31), strict=True)
    [refused] = _log(fresh_db)
    assert (refused.kind, refused.summary["outcome"], refused.summary["strict"]) == ("load", "refused", True)
    assert [f["file"] for f in refused.summary["files"]] == ["tags.csv", "things.csv"]
    assert "not a number" not in json.dumps(refused.summary)  # the error quotes a value: not logged
    assert "#1  " in (report := _cli(fresh_db, root).output) and "refused under --strict" in report
    with fresh_db.connect() as conn:
        assert conn.execute("select count(*) from landing.batches").fetchone() == (0,)
    load_batch(fresh_db, spec, _data(tmp_path), dt.datetime(2026, 1, 31))
    again = load_batch(fresh_db, spec, _data(tmp_path), dt.datetime(2026, 1, 31))
    assert again.duplicate_of is not None  # nothing changed: nothing logged
    assert [row.summary["outcome"] for row in _log(fresh_db)] == ["refused", "loaded"]


def test_the_doctests_of_the_audit_modules() -> None:
    assert doctest.testmod(audit).failed == 0
    assert doctest.testmod(audit_report).failed == 0


# -- the chain -------------------------------------------------------------------------------------

def test_appends_chain_and_the_log_refuses_update_and_delete(fresh_db: Database) -> None:
    with fresh_db.connect() as conn:
        first = audit.append(conn, "build", {"outcome": "succeeded", "built": ["hub_a"]})
        second = audit.append(conn, "retention", {"outcome": "ok", "deleted": 0})
    assert (first.id, second.id, second.prev_hash) == (1, 2, first.row_hash)
    assert [r.row_hash for r in _log(fresh_db)] == [first.row_hash, second.row_hash]
    for statement in ("update dvkit.audit_log set os_user = 'x'", "delete from dvkit.audit_log"):
        with fresh_db.connect() as conn, pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            conn.execute(statement)
    with fresh_db.connect() as conn, pytest.raises(TypeError, match="float"):
        audit.append(conn, "build", {"seconds": 1.5})
    with fresh_db.connect() as conn:  # under SET ROLE, the role that logged in is named too
        role = f"audit_writer_{uuid.uuid4().hex[:8]}"  # rolled back with the rest
        conn.execute(f"create role {role}")
        conn.execute(f"grant all on schema dvkit to {role}")
        conn.execute(f"grant all on dvkit.audit_log to {role}")
        conn.execute(f"set role {role}")
        third = audit.append(conn, "build", {"outcome": "succeeded"})
        conn.rollback()
    assert third.db_role == role and third.summary["session_user"] == fresh_db.user


def test_concurrent_appends_never_fork_the_chain(fresh_db: Database) -> None:
    with fresh_db.connect() as conn:
        audit.ensure(conn)

    def writer(name: str) -> None:
        with fresh_db.connect() as conn:
            for number in range(15):
                audit.append(conn, "build", {"outcome": "succeeded", "writer": name, "n": number})

    threads = [threading.Thread(target=writer, args=(name,)) for name in ("a", "b", "c")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with fresh_db.connect() as conn:
        verdict = audit.verify(conn)
    assert verdict.intact and verdict.rows == 45 and verdict.last_id == 45


TIMES = [T0 + dt.timedelta(minutes=m) for m in range(5)]


@pytest.mark.parametrize(("tampering", "message"), [
    (["update dvkit.audit_log set summary = jsonb_set(summary, '{n}', '99') where id = 2"],
     "audit row 2 was changed: its content no longer matches its hash"),
    (["update dvkit.audit_log set os_user = 'someone else' where id = 4"],
     "audit row 4 was changed"),
    (["delete from dvkit.audit_log where id = 3"],
     "a row is missing between audit rows 2 and 4 (ids not consecutive: 1 row(s) gone)"),
    (["delete from dvkit.audit_log where id = 1"],
     "rows are missing before audit row 2"),
    # Row 3 replaced by one whose own hash is right: row 4 no longer follows it.
    (["delete from dvkit.audit_log where id = 3", "FORGE 3"],
     "a row is missing or was replaced between audit rows 3 and 4 (row 4's prev_hash does not match row 3)"),
    # A row slipped in at the end, chained correctly, but dated before the last one.
    (["FORGE 6 BACKDATED"],
     "audit row 6 is out of order: its time (2026-03-01T12:01:00.000000+00:00) is before row 5's"),
])
def test_verify_names_the_first_row_deleted_changed_or_out_of_order(
        fresh_db: Database, project: tuple[Path, Spec], tampering: list[str], message: str) -> None:
    root, _ = project
    _chain(fresh_db, TIMES)
    ok = _cli(fresh_db, root, "verify")
    assert ok.exit_code == 0 and "audit log intact: 5 row(s); last row 5" in ok.output
    statements = [s for s in tampering if not s.startswith("FORGE")]
    _tamper(fresh_db, *statements)
    for forged in (s for s in tampering if s.startswith("FORGE")):
        id_ = int(forged.split()[1])
        with fresh_db.connect() as conn:
            prev = conn.execute("select row_hash from dvkit.audit_log where id = %s", (id_ - 1,)).fetchone()
            at = TIMES[1] if "BACKDATED" in forged else TIMES[id_ - 1]
            _forge(conn, id_, at, "erasure", {"outcome": "erased", "erasure_id": 7}, prev[0])
    broken = _cli(fresh_db, root, "verify")
    assert broken.exit_code == 3, broken.output
    assert message in " ".join(broken.output.split())


def test_an_anchor_shows_rows_cut_off_the_end(fresh_db: Database, project: tuple[Path, Spec]) -> None:
    root, _ = project
    _chain(fresh_db, TIMES)
    with fresh_db.connect() as conn:
        verdict = audit.verify(conn)
    anchor = f"{verdict.last_id}:{verdict.last_hash}"
    assert _cli(fresh_db, root, "verify", "--anchor", anchor).exit_code == 0
    _tamper(fresh_db, "delete from dvkit.audit_log where id = 5")
    assert _cli(fresh_db, root, "verify").exit_code == 0  # the chain alone cannot tell
    cut = _cli(fresh_db, root, "verify", "--anchor", anchor)
    assert cut.exit_code == 3 and "audit row 5 is gone: the log now ends at row 4" in " ".join(cut.output.split())


# -- the report ------------------------------------------------------------------------------------

def test_the_report_in_every_format_is_ordered_deterministic_and_escaped(
        fresh_db: Database, project: tuple[Path, Spec]) -> None:
    root, _ = project
    days = [T0, T0 + dt.timedelta(days=1), T0 + dt.timedelta(days=2), T0 + dt.timedelta(days=2, hours=1)]
    _chain(fresh_db, days)
    table = _cli(fresh_db, root)
    assert table.exit_code == 0, table.output
    lines = table.output.splitlines()
    assert lines[0] == "audit log, everything: 4 row(s)"
    assert [line.split()[0] for line in lines if line.startswith("#")] == ["#1", "#2", "#3", "#4"]
    assert "things: things.csv  sha256 " + "ab" * 32 + "  read 3, loaded 2, set aside 1" in table.output
    # The period takes whole UTC days, both ends included.
    period = _cli(fresh_db, root, "--from", "2026-03-02", "--to", "2026-03-02", "--format", "json")
    document = json.loads(period.output)
    assert document["period"] == {"from": "2026-03-02", "to": "2026-03-02"}
    assert [row["id"] for row in document["rows"]] == [2]
    assert document["rows"][0]["row_hash"] == _log(fresh_db)[1].row_hash
    rows = list(csv.DictReader(io.StringIO(_cli(fresh_db, root, "--format", "csv").output)))
    assert [(r["id"], r["kind"], r["file"]) for r in rows] == [
        ("1", "load", "things.csv"), ("2", "build", ""), ("3", "erasure", ""), ("4", "rebuild", "")]
    html = _cli(fresh_db, root, "--format", "html").output
    assert html.startswith("<!DOCTYPE html>") and "<script>" not in html and "&lt;script&gt;" in html
    assert "http" not in html.split("<style>")[1].split("</style>")[0]  # nothing fetched
    for fmt in ("table", "json", "csv", "html"):
        assert _cli(fresh_db, root, "--format", fmt).output == _cli(fresh_db, root, "--format", fmt).output
    empty = _cli(fresh_db, root, "--to", "2000-01-01")
    assert empty.exit_code == 0 and empty.output == "audit log, up to 2000-01-01: 0 row(s)\n"
