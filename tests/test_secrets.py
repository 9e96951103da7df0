"""A password in DVKIT_DATABASE_URL is never printed, logged, or written into any file.

The embedded server trusts local connections, so a role with a password connects over the unix
socket whatever password it gives: the URL carries a real secret that every command must use and
none may show. Every command's output, every exception, and every file of the project (generated
models, dbt's logs and target/, .dvkit/) is searched for it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import traceback
import urllib.parse
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from psycopg import sql

from generator.build import run_dbt
from generator.cli import main
from generator.db import Database, ensure_database, from_url
from generator.errors import DvkitError

from .conftest import REPO
from .integration.project import make_project

pytestmark = [pytest.mark.db, pytest.mark.dbt]

PASSWORD = "S3cret-Pa55word"
ROLE = "dvkit_secret_role"
# The forms a leak could take (searched case-insensitively): as typed, and URL-encoded.
FORMS = {PASSWORD, urllib.parse.quote(PASSWORD, safe="")}

SPEC = {
    "people.yml": """\
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
        """,
}


def leaks(text: str) -> list[str]:
    return [form for form in FORMS if form.lower() in text.lower()]


@dataclass
class Secret:
    url: str = field(repr=False)  # pytest shows the fixture's value when a test fails
    db: Database = field(repr=False)
    root: Path
    outputs: dict[str, str] = field(default_factory=dict)  # what each command printed, by name

    def record(self, name: str, result: Result) -> Result:
        text = result.output
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            text += "\n" + "".join(traceback.format_exception(*result.exc_info))  # type: ignore[misc]
        self.outputs[name] = text
        return result


@pytest.fixture(scope="module")
def secret(pg_server: Database, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Secret]:
    """A database owned by a role with a password, a small project, and the URL holding the password."""
    name = f"t_secret_{uuid.uuid4().hex[:8]}"
    ensure_database(pg_server, name)
    with pg_server.connect(autocommit=True) as conn:
        exists = conn.execute("select 1 from pg_roles where rolname = %s", (ROLE,)).fetchone()
        verb = "alter" if exists else "create"
        conn.execute(sql.SQL(verb + " role {} login password {}").format(sql.Identifier(ROLE),
                                                                        sql.Literal(PASSWORD)))
        conn.execute(sql.SQL("alter database {} owner to {}").format(sql.Identifier(name), sql.Identifier(ROLE)))
    url = f"postgresql://{ROLE}:{PASSWORD}@/{name}?host={pg_server.host}&port={pg_server.port}"
    db = from_url(url)
    assert db.password == PASSWORD and db.user == ROLE
    root, _ = make_project(tmp_path_factory.mktemp("secret") / "project", SPEC, business_vault="generated")
    data = root / "data"
    for batch, rows in {"jan": "p1,Ann,Lisbon\np2,Bob,Porto\n", "feb": "p1,Ann,Faro\np3,Cy,Braga\n"}.items():
        (data / batch).mkdir(parents=True)
        (data / batch / "people.csv").write_text("person_id,name,city\n" + rows)
    (data / "bad").mkdir()
    (data / "bad" / "people.csv").write_text("person_id,nom,city\np9,X,Y\n")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DVKIT_DATABASE_URL", url)
        for key in db.dbt_env():  # run_dbt exports these; give the variables back after the module
            patch.delenv(key, raising=False)
        patch.chdir(root)  # anything written relative to the working folder lands in the project
        yield Secret(url, db, root)


def _cli(secret: Secret, name: str, *args: str, exit_code: int = 0) -> Result:
    result = secret.record(name, CliRunner().invoke(main, ["--project", str(secret.root), *args]))
    assert result.exit_code == exit_code, secret.outputs[name]
    return result


def _subprocess(secret: Secret, name: str, *args: str, exit_code: int = 0) -> str:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-m", "generator.cli", "--project", str(secret.root), *args],
                          capture_output=True, text=True, env=env, cwd=secret.root, timeout=120, check=False)
    secret.outputs[name] = done.stdout + done.stderr
    assert done.returncode == exit_code, secret.outputs[name]
    return secret.outputs[name]


def test_no_command_shows_the_password(secret: Secret) -> None:
    assert "***" in _cli(secret, "db url", "db", "url").output
    env = _cli(secret, "db env", "db", "env").output
    assert "export DVKIT_PG_USER=" in env and "DVKIT_PG_PASSWORD" in env
    _cli(secret, "db status", "db", "status")
    _cli(secret, "load jan", "load", str(secret.root / "data" / "jan"), "--load-time", "2020-01-01")
    assert "built with" in _cli(secret, "build", "build", "--automate-dv", "builtin").output
    # The password did reach dbt (so its absence from dbt's logs below means something).
    assert os.environ.get("DVKIT_PG_PASSWORD") == PASSWORD

    # Failing commands: a missing folder, a refused file, a stale model, a database that does not exist.
    _cli(secret, "load missing", "load", str(secret.root / "data" / "nowhere"), exit_code=1)
    assert "header does not match" in _cli(secret, "load bad", "load", str(secret.root / "data" / "bad"),
                                            exit_code=1).output
    spec = secret.root / "vault_spec" / "people.yml"
    original = spec.read_text()
    try:
        spec.write_text(original.replace("payload: [name, city]", "payload: [city]"))
        assert "out of date" in _cli(secret, "build stale", "build", "--automate-dv", "builtin", exit_code=1).output
    finally:
        spec.write_text(original)
    wrong = secret.url.replace(f"/{secret.db.dbname}?", "/no_such_db?")
    result = secret.record("db status wrong db", CliRunner().invoke(
        main, ["--project", str(secret.root), "db", "status"], env={"DVKIT_DATABASE_URL": wrong}))
    assert result.exit_code == 1 and "cannot connect" in result.output, result.output

    # As a real process: output written straight to the terminal's file descriptors is seen too.
    _subprocess(secret, "load feb (process)", "load", str(secret.root / "data" / "feb"), "--load-time", "2020-02-01")
    assert "raw vault" in _subprocess(secret, "build (process)", "build", "--automate-dv", "builtin")

    # A dbt failure: a hand-written business vault model that cannot run.
    broken = secret.root / "business_vault" / "models" / "marts" / "broken_mart.sql"
    broken.parent.mkdir(parents=True, exist_ok=True)
    broken.write_text("select * from raw_vault.no_such_table\n")
    try:
        failed = _cli(secret, "build dbt failure", "build", "--automate-dv", "builtin", exit_code=1).output
        assert "business vault and marts failed" in failed and "broken_mart" in failed
        failed = _subprocess(secret, "build dbt failure (process)", "build", "--automate-dv", "builtin",
                             exit_code=1)
        assert "broken_mart" in failed and "Traceback" not in failed
    finally:
        broken.unlink()

    assert leaks(secret.url) and leaks(f"x{PASSWORD.upper()}x")  # the search itself finds it
    shown = {name: leaks(text) for name, text in secret.outputs.items()}
    assert not any(shown.values()), {name: forms for name, forms in shown.items() if forms}


def test_no_file_holds_the_password(secret: Secret) -> None:
    if not secret.outputs:
        pytest.skip("needs test_no_command_shows_the_password to have run first")
    files = [path for path in secret.root.rglob("*") if path.is_file()]
    names = {path.relative_to(secret.root).as_posix() for path in files}
    # The places a secret could end up were written: dbt's logs and target/, the generated models.
    for expected in ("dbt_vault/logs/dbt.log", "dbt_vault/target/run_results.json",
                     "business_vault/logs/dbt.log", "dbt_vault/models/raw_vault/hubs/hub_person.sql"):
        assert expected in names, sorted(names)
    found = []
    for path in files:
        text = path.read_bytes().decode("utf-8", errors="replace")
        found += [(path.relative_to(secret.root).as_posix(), form) for form in leaks(text)]
    assert not found


def test_library_errors_do_not_show_the_password(secret: Secret) -> None:
    wrong = from_url(secret.url.replace(f"/{secret.db.dbname}?", "/no_such_db?"))
    with pytest.raises(DvkitError) as caught:
        wrong.connect()
    assert not leaks(str(caught.value)) and not leaks(repr(caught.value))
    assert "***" in caught.value.message  # the URL is shown, masked
    outcome = run_dbt(secret.root, wrong, ["run"], (1, 1))
    assert not outcome.success
    assert outcome.failures and not leaks("\n".join(outcome.failures)), outcome.failures
    with secret.db.connect() as conn:
        assert not leaks(repr(conn)) and not leaks(str(conn.info.dsn))


def test_the_repr_of_a_database_hides_the_password() -> None:
    db = from_url(f"postgresql://{ROLE}:{PASSWORD}@db.example:5432/vault")
    assert not leaks(repr(db)) and not leaks(str(db))
