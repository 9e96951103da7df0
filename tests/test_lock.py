"""The vault lock: one load, build or erase at a time per database, and who holds it.

Every child process is started through ``Children``, which kills whatever is still running when a
test ends; every wait is bounded, so a broken lock fails a test instead of hanging it.
"""

from __future__ import annotations

import hashlib
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.db import Database
from generator.errors import DvkitError
from generator.lock import LOCK_KEY, Holder, lock_is_held, lock_status, read_holder, vault_lock

from .conftest import REPO
from .integration.project import make_project

pytestmark = pytest.mark.db

LIMIT = 30.0  # seconds: no child outlives this, no wait is longer
BUSY = re.compile(r"the vault is busy: (\w+) by pid (\d+) \(([^@()]+)@([^()]+)\) since \d\d:\d\d:\d\d")

# A holder in a process of its own: takes the lock, says so, holds it until a line arrives on stdin.
HOLDER = """
import sys, time
from generator.db import Database
from generator.lock import vault_lock
host, port, user, dbname, command = sys.argv[1:6]
db = Database(host=host, port=int(port), user=user, password="", dbname=dbname)
with vault_lock(db, command, on_wait=lambda m: print("WAITING", m, flush=True)):
    print("ACQUIRED", repr(time.time()), flush=True)
    sys.stdin.readline()
    print("RELEASING", repr(time.time()), flush=True)
print("RELEASED", repr(time.time()), flush=True)
"""


class Child:
    """A child process whose output lines are read by a thread, so reading them can time out."""

    def __init__(self, args: list[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> None:
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env=env, cwd=cwd)
        self.lines: queue.Queue[tuple[str, str]] = queue.Queue()
        self.seen: list[tuple[str, str]] = []
        self.matched: set[int] = set()
        self.pumps = [threading.Thread(target=self._pump, args=(name, stream), daemon=True)
                      for name, stream in (("out", self.proc.stdout), ("err", self.proc.stderr))]
        for pump in self.pumps:
            pump.start()

    def _pump(self, name: str, stream) -> None:  # type: ignore[no-untyped-def]
        for line in stream:
            self.lines.put((name, line.rstrip("\n")))

    def expect(self, prefix: str, timeout: float = LIMIT) -> str:
        """The first line not returned before that starts with ``prefix``; fails after ``timeout`` s."""
        deadline = time.monotonic() + timeout
        while True:
            for index, (_, line) in enumerate(self.seen):
                if index not in self.matched and line.startswith(prefix):
                    self.matched.add(index)
                    return line
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no line starting with {prefix!r} within {timeout}s; got {self.seen}")
            try:
                self.seen.append(self.lines.get(timeout=min(left, 0.5)))
            except queue.Empty:
                if self.proc.poll() is not None:
                    self._drain()
                    if self.lines.empty():
                        raise AssertionError(f"exited with {self.proc.returncode} before {prefix!r}: "
                                             f"{self.seen}") from None

    def output(self) -> str:
        """Every line so far (stdout and stderr interleaved as they were read)."""
        if self.proc.poll() is not None:
            self._drain()
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        return "\n".join(line for _, line in self.seen)

    def _drain(self) -> None:
        """The process has ended: wait (bounded) for the pump threads to read the pipes to the end."""
        for pump in self.pumps:
            pump.join(timeout=5)

    def release(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write("\n")
        self.proc.stdin.flush()

    def wait(self, timeout: float = LIMIT) -> int:
        return self.proc.wait(timeout=timeout)


class Children:
    def __init__(self) -> None:
        self.started: list[Child] = []

    def holder(self, db: Database, command: str) -> Child:
        return self.run([sys.executable, "-c", HOLDER, db.host, str(db.port), db.user, db.dbname, command])

    def run(self, args: list[str], **kwargs) -> Child:  # type: ignore[no-untyped-def]
        env = kwargs.pop("env", None) or os.environ.copy()
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
        child = Child(args, env=env, **kwargs)
        self.started.append(child)
        return child


@pytest.fixture()
def children() -> Iterator[Children]:
    kids = Children()
    try:
        yield kids
    finally:
        for child in kids.started:
            if child.proc.poll() is None:
                child.proc.kill()
            child.proc.wait(timeout=LIMIT)
            child._drain()
            for stream in (child.proc.stdin, child.proc.stdout, child.proc.stderr):
                if stream is not None:
                    stream.close()


def test_the_key_is_derived_from_its_documented_name() -> None:
    digest = hashlib.sha256(b"dvkit vault").digest()
    assert LOCK_KEY == int.from_bytes(digest[:8], "big", signed=True) == -6255987992626701815


def test_a_second_process_waits_until_the_first_releases(fresh_db: Database, children: Children) -> None:
    first = children.holder(fresh_db, "build")
    acquired_first = float(first.expect("ACQUIRED").split()[1])
    second = children.holder(fresh_db, "load")
    waiting = second.expect("WAITING")
    match = BUSY.search(waiting)
    assert match, waiting
    assert match.group(1) == "build" and int(match.group(2)) == first.proc.pid
    assert "waiting for it to finish" in waiting
    with pytest.raises(AssertionError):  # still waiting a second later
        second.expect("ACQUIRED", timeout=1.0)

    first.release()
    released_first = float(first.expect("RELEASING").split()[1])
    acquired_second = float(second.expect("ACQUIRED").split()[1])
    assert acquired_first < released_first <= acquired_second
    assert first.wait() == 0
    second.release()
    assert second.wait() == 0
    assert lock_status(fresh_db) == "the vault is free"  # both rows cleared on release


def test_no_wait_names_the_holder(fresh_db: Database, children: Children) -> None:
    first = children.holder(fresh_db, "build")
    first.expect("ACQUIRED")
    started = time.monotonic()
    with pytest.raises(DvkitError) as caught:
        with vault_lock(fresh_db, "load", wait=False):
            raise AssertionError("the lock is held by the other process")
    assert time.monotonic() - started < 5
    match = BUSY.fullmatch(caught.value.message)
    assert match, caught.value.message
    assert match.group(1) == "build" and int(match.group(2)) == first.proc.pid
    assert "--no-wait" in (caught.value.hint or "")
    assert lock_status(fresh_db) == caught.value.message
    first.release()
    assert first.wait() == 0


def test_a_killed_holder_releases_the_lock(fresh_db: Database, children: Children) -> None:
    first = children.holder(fresh_db, "build")
    first.expect("ACQUIRED")
    first.proc.send_signal(signal.SIGKILL)
    assert first.wait() == -signal.SIGKILL
    # The server notices the closed connection at once; allow it a moment to end the backend.
    deadline = time.monotonic() + 5
    with fresh_db.connect(autocommit=True) as conn:
        while lock_is_held(conn):
            assert time.monotonic() < deadline, "the killed holder's lock was not released"
            time.sleep(0.05)
    status = lock_status(fresh_db)
    assert status.startswith(f"the vault is free (last holder: build by pid {first.proc.pid} ("), status
    started = time.monotonic()
    with vault_lock(fresh_db, "load", wait=False):
        assert time.monotonic() - started < 2
        with fresh_db.connect(autocommit=True) as conn:
            holder = read_holder(conn)
            assert lock_is_held(conn)
        assert holder is not None and (holder.command, holder.pid) == ("load", os.getpid())
    assert lock_status(fresh_db) == "the vault is free"


def test_nested_locks_in_one_thread_do_not_wait_for_themselves(fresh_db: Database) -> None:
    with vault_lock(fresh_db, "demo", wait=False):
        with vault_lock(fresh_db, "load", wait=False):
            pass
        with fresh_db.connect(autocommit=True) as conn:
            assert lock_is_held(conn)
            holder = read_holder(conn)
            assert holder is not None and holder.command == "demo"  # the outer holder is still named
    with fresh_db.connect(autocommit=True) as conn:
        assert not lock_is_held(conn)


def test_the_holder_is_described_for_people() -> None:
    import datetime as dt

    since = dt.datetime(2024, 5, 1, 12, 0, 1).astimezone()
    holder = Holder("build", 123, "ana", "box", since)
    assert holder.describe(now=since) == "build by pid 123 (ana@box) since 12:00:01"
    assert holder.describe(now=since + dt.timedelta(days=1)) == "build by pid 123 (ana@box) since 2024-05-01 12:00:01"


# -- two real `dvkit load` processes ----------------------------------------------------------------

SPEC = {
    "sources.yml": """\
        sources:
          - name: things
            file: things.csv
            columns:
              thing_id: text
              note: text
          - name: tags
            file: tags.csv
            columns:
              thing_id: text
              tag: text
        """,
}


def test_dvkit_load_no_wait_fails_then_waits_for_the_holder(fresh_db: Database, children: Children,
                                                            tmp_path: Path) -> None:
    root, _ = make_project(tmp_path / "project", SPEC)
    data = tmp_path / "data"
    data.mkdir()
    (data / "things.csv").write_text("thing_id,note\n1,hello\n2,world\n")
    (data / "tags.csv").write_text("thing_id,tag\n1,red\n")
    env = os.environ.copy()
    env["DVKIT_DATABASE_URL"] = fresh_db.display_url()
    load = [sys.executable, "-m", "generator.cli", "--project", str(root), "load", str(data)]

    with vault_lock(fresh_db, "build"):
        refused = children.run([*load, "--no-wait"], env=env, cwd=root)
        assert refused.wait() == 1
        output = refused.output()
        assert re.search(rf"^error: the vault is busy: build by pid {os.getpid()} \(.+@.+\) since "
                         r"\d\d:\d\d:\d\d$", output, re.M), output
        assert "hint:" in output and "Traceback" not in output

        waiting = children.run(load, env=env, cwd=root)
        line = waiting.expect("the vault is busy: build by pid")
        assert str(os.getpid()) in line and "waiting for it to finish" in line
        time.sleep(2)
        assert waiting.proc.poll() is None, waiting.output()  # still waiting for the lock
        with fresh_db.connect() as conn:
            assert conn.execute("select to_regclass('landing.batches')").fetchone() == (None,)
    assert waiting.wait() == 0, waiting.output()
    output = waiting.output()
    assert output.count("the vault is busy") == 1  # said once
    assert "loaded 3 rows" in output
    with fresh_db.connect() as conn:
        assert conn.execute("select count(*) from landing.things").fetchone() == (2,)


def test_cli_commands_release_the_lock_and_refuse_with_no_wait(fresh_db: Database, children: Children,
                                                               tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from generator.cli import main

    root, _ = make_project(tmp_path / "project", SPEC)
    data = tmp_path / "data"
    data.mkdir()
    (data / "things.csv").write_text("thing_id,note\n1,hello\n")
    monkeypatch.setenv("DVKIT_DATABASE_URL", fresh_db.display_url())
    runner = CliRunner()
    args = ["--project", str(root)]
    loaded = runner.invoke(main, [*args, "load", str(data)])
    assert loaded.exit_code == 0, loaded.output
    assert lock_status(fresh_db) == "the vault is free"  # released when the command ends ...
    failed = runner.invoke(main, [*args, "demo", "--data", str(tmp_path / "nowhere"), "--no-wait"])
    assert failed.exit_code == 1 and "data folder not found" in failed.output, failed.output
    assert lock_status(fresh_db) == "the vault is free"  # ... and when it fails while holding it

    first = children.holder(fresh_db, "erase")
    first.expect("ACQUIRED")
    for command in (["load", str(data)], ["build", "--automate-dv", "builtin"], ["demo", "--data", str(data)]):
        refused = runner.invoke(main, [*args, *command, "--no-wait"])
        assert refused.exit_code == 1, refused.output
        assert f"error: the vault is busy: erase by pid {first.proc.pid} (" in refused.output
        assert "hint: run it again when that command has finished, or without --no-wait" in refused.output
    first.release()
    assert first.wait() == 0
