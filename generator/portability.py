"""Can the business vault move off PostgreSQL? Transpile its compiled SQL with sqlglot and list what fails.

Users who outgrow PostgreSQL move to Snowflake, Databricks or BigQuery. This module reads SQL as
PostgreSQL and writes it in each target dialect with ``unsupported_level=RAISE``, so every construct
sqlglot knows it cannot translate (a locking read, an aggregate's ``ORDER BY`` whose NULL ordering
BigQuery would change, ``regexp_replace``'s flags on BigQuery, ...) is reported, as is SQL that does
not parse at all.

A clean result means sqlglot can write the model in the target dialect, not that the result runs
there: sqlglot passes some PostgreSQL-only things through unchanged without complaint (a cast to
``regclass``, operators such as ``@>``), so this is a first filter, not a proof.

>>> check_sql("select order_id, count(*) filter (where is_late) from marts.fct_orders group by 1")
[]
>>> [str(p) for p in check_sql("select * from t for update", targets=("bigquery",), model="locks")]
["locks -> bigquery: Locking reads using 'FOR UPDATE/SHARE' are not supported"]
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlglot
from sqlglot.errors import ErrorLevel, ParseError, SqlglotError, UnsupportedError

from generator.errors import DvkitError

SOURCE_DIALECT = "postgres"
TARGETS: tuple[str, ...] = ("snowflake", "databricks", "bigquery")


@dataclass(frozen=True)
class Problem:
    """One model that sqlglot cannot write in one target dialect, and why."""

    model: str
    target: str
    message: str

    def __str__(self) -> str:
        return f"{self.model} -> {self.target}: {self.message}"


def _one_line(text: str) -> str:
    """sqlglot joins several messages with blank lines: keep them on one line, separated by '; '."""
    return "; ".join(part.strip() for part in text.split("\n\n") if part.strip())


def _parse_message(exc: ParseError) -> str:
    """A parse error as one readable line (sqlglot's own text holds terminal escape codes)."""
    details = []
    for error in exc.errors or []:
        where = f"line {error.get('line')}, col {error.get('col')}"
        near = error.get("highlight")
        details.append(f"{error.get('description')} at {where}" + (f" near {near!r}" if near else ""))
    return "does not parse as PostgreSQL: " + ("; ".join(details) if details else _one_line(str(exc)))


def check_sql(sql: str, targets: Iterable[str] = TARGETS, model: str = "<sql>") -> list[Problem]:
    """Transpile ``sql`` (PostgreSQL) to every dialect of ``targets``; one Problem per failing target.

    SQL that does not parse as PostgreSQL fails for every target. ``model`` names the SQL in the
    problems. An unknown dialect name is a programming mistake and raises ``ValueError``.
    """
    targets = tuple(targets)
    for target in targets:
        sqlglot.Dialect.get_or_raise(target)  # ValueError naming the unknown dialect
    try:
        statements = [s for s in sqlglot.parse(sql, read=SOURCE_DIALECT) if s is not None]
    except ParseError as exc:
        return [Problem(model, target, _parse_message(exc)) for target in targets]
    except SqlglotError as exc:  # e.g. TokenError: an unterminated string or quoted name
        message = f"does not parse as PostgreSQL: {_one_line(str(exc))}"
        return [Problem(model, target, message) for target in targets]
    problems = []
    for target in targets:
        for statement in statements:
            try:
                statement.sql(dialect=target, unsupported_level=ErrorLevel.RAISE)  # works on a copy
            except UnsupportedError as exc:
                problems.append(Problem(model, target, _one_line(str(exc))))
                break
            except SqlglotError as exc:
                problems.append(Problem(model, target, f"{type(exc).__name__}: {_one_line(str(exc))}"))
                break
            except Exception as exc:  # noqa: BLE001 - a crash inside sqlglot is a failure to transpile too
                problems.append(Problem(model, target, f"sqlglot failed ({type(exc).__name__}): {exc}"))
                break
    return problems


def compiled_models(target_dir: Path) -> dict[str, str]:
    """The compiled SQL of every model of a compiled dbt project, by model name (sorted).

    Reads ``manifest.json`` (the SQL models of the root project, each with its ``compiled_code``) when
    it is there, else the files under ``compiled/<project>/models/``. Run ``dbt compile`` first.
    """
    manifest_path = target_dir / "manifest.json"
    if manifest_path.is_file():
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise DvkitError(f"cannot read {manifest_path}: {exc}", hint="run `dbt compile` again") from None
        return _from_manifest(manifest, manifest_path)
    compiled = target_dir / "compiled"
    if not compiled.is_dir():
        raise DvkitError(f"{target_dir} holds neither manifest.json nor compiled/", hint="run `dbt compile` first")
    models: dict[str, str] = {}
    for path in sorted(compiled.glob("*/models/**/*.sql")):
        models[path.stem] = path.read_text(encoding="utf-8")
    return models


def _from_manifest(manifest: Mapping[str, Any], path: Path) -> dict[str, str]:
    project = manifest.get("metadata", {}).get("project_name")
    models: dict[str, str] = {}
    not_compiled = []
    for node in manifest.get("nodes", {}).values():
        if node.get("resource_type") != "model" or node.get("language", "sql") != "sql":
            continue
        if project and node.get("package_name") != project:
            continue  # models of installed packages are not the project's to port
        code = node.get("compiled_code")
        if code is None:
            not_compiled.append(node.get("name", "?"))
            continue
        models[node["name"]] = code
    if not_compiled:
        raise DvkitError(f"{path} has models without compiled SQL: {', '.join(sorted(not_compiled))}",
                         hint="run `dbt compile` (not only `dbt parse`) first")
    return dict(sorted(models.items()))


def check_compiled_project(target_dir: Path, targets: Iterable[str] = TARGETS) -> dict[str, list[Problem]]:
    """Check every compiled model of a dbt project's ``target/`` folder: model name -> its problems.

    Every model checked is a key, with an empty list when it transpiles to every target.
    """
    targets = tuple(targets)
    return {name: check_sql(code, targets, model=name) for name, code in compiled_models(target_dir).items()}
