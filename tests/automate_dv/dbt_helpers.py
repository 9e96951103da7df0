"""Shared by the tests of dvkit's own automate_dv package: the mini project, dbt in-process, queries.

Each test gets a copy of tests/automate_dv/mini_project in tmp_path with the package copied to its
dbt_packages/automate_dv, and the connection of its fresh database in the environment (profiles.yml
reads DVKIT_PG_*).
"""

from __future__ import annotations

import hashlib
import shutil
from datetime import datetime
from pathlib import Path

import pytest
from dbt.cli.main import dbtRunner

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
PACKAGE = REPO / "dbt_vault" / "automate_dv_local"
MINI_PROJECT = HERE / "mini_project"

TS = "timestamp without time zone"
GHOST_KEY = b"0" * 32
GHOST_DATE = datetime(1900, 1, 1)
GHOST_SOURCE = "AUTOMATE_DV_SYSTEM"


def md5(text: str) -> bytes:
    return hashlib.md5(text.encode("utf-8")).digest()


def make_project(tmp_path: Path, db, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The mini project in tmp_path with the package installed, and db's connection in the environment."""
    target = tmp_path / "mini_project"
    shutil.copytree(MINI_PROJECT, target, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    shutil.copytree(PACKAGE, target / "dbt_packages" / "automate_dv")
    use_database(db, monkeypatch)
    monkeypatch.setenv("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    monkeypatch.setenv("DO_NOT_TRACK", "1")
    return target


def use_database(db, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the mini project's profile at db (read again by every dbt invocation)."""
    for name, value in db.dbt_env().items():
        monkeypatch.setenv(name, value)


def dbt(project: Path, *args: str):
    result = dbtRunner().invoke(
        [*args, "--project-dir", str(project), "--profiles-dir", str(project)]
    )
    assert result.success, f"dbt {' '.join(args)} failed: {result.exception}"
    return result


def compile_inline(project: Path, sql: str, variables: str = "{}") -> str:
    result = dbt(project, "compile", "--quiet", "--inline", sql, "--vars", variables)
    return result.result.results[0].node.compiled_code


def rows(db, query: str, params: tuple = ()) -> list[tuple]:
    with db.connect() as conn:
        return conn.execute(query, params).fetchall()


def columns(db, schema: str, table: str) -> list[tuple[str, str]]:
    return rows(
        db,
        "select column_name, data_type from information_schema.columns "
        "where table_schema = %s and table_name = %s order by ordinal_position",
        (schema, table),
    )
