"""The embedded PostgreSQL: start, status, url, stop; UTF-8 ctype; external URLs; masked passwords."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import main
from generator.db import Database, ctype_of, from_url, redact

pytestmark = pytest.mark.db


@pytest.fixture()
def project_in_tmp() -> Iterator[Path]:
    """A project folder outside pytest's temporary tree: the server runs as another user, who must
    traverse the folders above its data, and every pytest session that starts makes pytest's own
    temporary root private again (a test run beside another one would lose its server)."""
    folder = Path(tempfile.mkdtemp(prefix="dvkit-test-db-", dir="/tmp"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_db_lifecycle_from_the_cli(project_in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tmp_path = project_in_tmp
    monkeypatch.delenv("DVKIT_DATABASE_URL", raising=False)
    (tmp_path / "vault_spec").mkdir()
    runner = CliRunner()
    args = ["--project", str(tmp_path), "db"]
    try:
        started = runner.invoke(main, [*args, "start"])
        assert started.exit_code == 0, started.output
        assert "embedded PostgreSQL running" in started.output
        assert (tmp_path / ".dvkit" / "pgdata" / "PG_VERSION").exists()
        status = runner.invoke(main, [*args, "status"])
        assert status.exit_code == 0 and "running" in status.output
        url = runner.invoke(main, [*args, "url"]).output.strip()
        assert url.startswith("postgresql://postgres@/dvkit?host=")
    finally:
        stopped = runner.invoke(main, [*args, "stop"])
    assert stopped.exit_code == 0 and "stopped" in stopped.output
    after = runner.invoke(main, [*args, "status"])
    assert after.exit_code == 1 and "stopped" in after.output


def test_databases_have_a_utf8_ctype(fresh_db: Database) -> None:
    assert ctype_of(fresh_db) == "C.UTF-8"
    with fresh_db.connect() as conn:
        row = conn.execute("select upper('são paulo'), md5(upper('são paulo'))").fetchone()
    assert row == ("SÃO PAULO", "242af8a7e5069b17d61a621241789ffc")


def test_external_url_and_masking() -> None:
    db = from_url("postgresql://vault:s3cret@db.internal:6543/warehouse")
    assert (db.host, db.port, db.user, db.dbname) == ("db.internal", 6543, "vault", "warehouse")
    assert "s3cret" not in db.display_url()
    assert redact("could not connect with password s3cret", db) == "could not connect with password ***"
    assert db.dbt_env()["DVKIT_PG_PORT"] == "6543"
