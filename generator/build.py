"""Build the vault with dbt: pick the AutomateDV package, stage the pending batches, count rows.

AutomateDV is resolved in this order, and the build says which one it used:
1. a hub release already in ``dbt_vault/dbt_packages/automate_dv`` (sites that mirror packages copy
   it there) is used as it is;
2. else ``dbt deps``, when the dbt hub answers quickly;
3. else the project's own implementation in ``dbt_vault/automate_dv_local``.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from generator.db import Database, redact
from generator.errors import DvkitError
from generator.faults import crash_point
from generator.load.landing_check import check_against_landing
from generator.progress import model_line
from generator.spec.model import Spec

DBT_PROJECT = "dbt_vault"
BUSINESS_PROJECT = "business_vault"
BUILTIN_PACKAGE = "automate_dv_local"
BUILTIN_MARKER = ".dvkit-builtin"
BATCH_ENV = ("DVKIT_BATCH_FROM", "DVKIT_BATCH_TO")  # the batch range the staging models read
HUB_HOST = ("hub.getdbt.com", 443)
BUILTIN_KIND = "dvkit built-in"

Log = Callable[[str], None]


@dataclass(frozen=True)
class PackageChoice:
    kind: str  # "hub release (installed)", "hub release (dbt deps)" or "dvkit built-in"
    version: str

    def describe(self) -> str:
        return f"AutomateDV {self.version}: {self.kind}"

    @property
    def is_release(self) -> bool:
        """The published AutomateDV (not dvkit's own implementation)."""
        return self.kind != BUILTIN_KIND


def _package_version(folder: Path) -> str:
    try:
        project = yaml.safe_load((folder / "dbt_project.yml").read_text(encoding="utf-8"))
        return str(project.get("version", "?"))
    except (OSError, yaml.YAMLError):
        return "?"


def _hub_reachable(timeout: float = 2.0) -> bool:
    try:
        with socket.create_connection(HUB_HOST, timeout=timeout):
            return True
    except OSError:
        return False


def resolve_automate_dv(project_dir: Path, mode: str = "auto", log: Log = lambda _: None) -> PackageChoice:
    """Make ``automate_dv`` importable by the dbt project and say which implementation it is."""
    dbt_dir = project_dir / DBT_PROJECT
    installed = dbt_dir / "dbt_packages" / "automate_dv"
    is_builtin = (installed / BUILTIN_MARKER).exists()
    if mode in ("auto", "hub") and installed.is_dir() and not is_builtin:
        return PackageChoice("hub release (installed)", _package_version(installed))
    if mode in ("auto", "hub") and _hub_reachable():
        log("dbt hub reachable: installing AutomateDV with dbt deps")
        done = subprocess.run(
            [sys.executable, "-m", "dbt.cli.main", "deps", "--project-dir", str(dbt_dir), "--profiles-dir",
             str(dbt_dir)], capture_output=True, text=True, timeout=120, check=False,
        )
        if done.returncode == 0 and (installed / "dbt_project.yml").exists():
            return PackageChoice("hub release (dbt deps)", _package_version(installed))
        log("dbt deps failed; using the built-in implementation")
    if mode == "hub":
        raise DvkitError("the AutomateDV hub release is not installed and the dbt hub cannot be reached",
                         hint="copy the release into dbt_vault/dbt_packages/automate_dv, or use --automate-dv builtin")
    source = dbt_dir / BUILTIN_PACKAGE
    if installed.exists():
        shutil.rmtree(installed)
    shutil.copytree(source, installed)
    return PackageChoice(BUILTIN_KIND, _package_version(source))


@dataclass
class DbtOutcome:
    success: bool
    failures: list[str] = field(default_factory=list)
    models: int = 0
    tests: int = 0


def run_dbt(project_dir: Path, db: Database, args: list[str], batches: tuple[int, int] | None = None,
            progress: Log | None = None, dbt_project: str = DBT_PROJECT) -> DbtOutcome:
    """Run one dbt command in-process on one of the project's dbt projects, connected to ``db``.

    ``batches`` (first, last) is the landing batch range the staging models read; None means every
    batch. It goes through the environment (``DVKIT_BATCH_FROM``/``DVKIT_BATCH_TO``), not ``--vars``:
    dbt parses the whole project again whenever its vars change, but re-parses only the files that
    read an environment variable whose value changed.
    """
    from dbt.cli.main import dbtRunner  # heavy import: only when a build runs

    dbt_dir = project_dir / dbt_project
    os.environ.update(db.dbt_env())
    for name, value in zip(BATCH_ENV, batches or (None, None), strict=True):
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = str(value)
    command = [*args, "--project-dir", str(dbt_dir), "--profiles-dir", str(dbt_dir),
               "--log-level", "none", "--log-level-file", "info", "--no-use-colors",
               "--no-send-anonymous-usage-stats"]

    def on_event(event: Any) -> None:
        if event.info.name != "LogModelResult":  # tests are many and quick: they are summed up at the end
            return
        data = event.data
        node = getattr(getattr(data, "node_info", None), "node_name", "") or getattr(data, "name", "")
        crash_point(f"model:{node}")  # the model is committed, the next ones are not begun
        if progress is not None:
            total = getattr(data, "total", 0) or getattr(data, "num_models", 0) or "?"
            progress(model_line(getattr(data, 'index', '?'), total, node, str(getattr(data, 'status', '')),
                                float(getattr(data, 'execution_time', 0) or 0), time.monotonic() - started))

    started = time.monotonic()
    result = dbtRunner(callbacks=[on_event]).invoke(command)
    outcome = DbtOutcome(success=bool(result.success))
    if result.exception is not None:
        outcome.failures.append(redact(str(result.exception), db))
    run = result.result
    for node_result in getattr(run, "results", []) or []:
        node = getattr(node_result, "node", None)
        if getattr(node, "resource_type", "") == "test":
            outcome.tests += 1
        else:
            outcome.models += 1
        status = str(getattr(node_result, "status", ""))
        if status in ("error", "fail", "runtime error"):
            name = getattr(node, "name", "?")
            outcome.failures.append(f"{name}: {redact(str(node_result.message), db)}")
    return outcome


# -- the build ------------------------------------------------------------------------------------

STATE_DDL = """
create schema if not exists dvkit;
create table if not exists dvkit.builds (
    build_id bigserial primary key,
    batch_from bigint not null,
    batch_to bigint not null,
    automate_dv text not null,
    started_at timestamptz not null,
    finished_at timestamptz not null
);
"""


@dataclass
class BuildResult:
    package: PackageChoice
    batch_from: int
    batch_to: int
    row_counts: list[tuple[str, int]]
    rows_before: dict[str, int]
    seconds: float
    run_seconds: list[float] = field(default_factory=list)  # wall time of each dbt run
    business_counts: list[tuple[str, int]] = field(default_factory=list)  # schema.table of business vault, marts
    null_keys: dict[str, int] = field(default_factory=dict)


def pending_batches(db: Database) -> tuple[int, int]:
    """The batch range not built yet: (first, last); first > last when nothing is pending."""
    with db.connect() as conn:
        conn.execute(STATE_DDL)
        loaded = conn.execute("select to_regclass('landing.batches') is not null").fetchone()
        if not loaded or not loaded[0]:
            raise DvkitError("nothing has been loaded yet", hint="run `dvkit load` first")
        last_loaded = conn.execute("select coalesce(max(batch_id), 0) from landing.batches").fetchone()
        last_built = conn.execute("select coalesce(max(batch_to), 0) from dvkit.builds").fetchone()
        conn.commit()
    return int(last_built[0]) + 1, int(last_loaded[0])  # type: ignore[index]


def build(project_dir: Path, db: Database, spec: Spec, mode: str = "auto", log: Log = lambda _: None,
          progress: Log | None = None, per_batch: bool = False, business_vault: bool = True) -> BuildResult:
    """Stage the pending batches and load the raw vault; record each build when dbt succeeds.

    All pending batches go through one dbt run (the table macros take each key's batches in load
    time order); ``per_batch`` runs dbt once per batch instead, for comparison. Then the business
    vault and marts are built, unless ``business_vault`` is False (the benchmark times the raw vault).
    """
    started = dt.datetime.now(dt.timezone.utc)
    package = resolve_automate_dv(project_dir, mode, log)
    log(f"using {package.describe()}")
    batch_from, batch_to = pending_batches(db)
    check_against_landing(db, spec, log)  # a column renamed in the spec, said before any dbt run
    before = dict(row_counts(db, spec))
    if batch_from > batch_to:
        log("no new batch since the last build: checking the vault is up to date")
        ranges = [(batch_from, batch_to)]
    else:
        log(f"staging batch(es) {batch_from}..{batch_to}")
        _warn_late(db, batch_from, batch_to, log)
        if package.is_release and not per_batch and batch_to > batch_from:
            # The release's eff_sat and ref_table read one load per run (its first build of an eff_sat
            # inserts every staged row; its ref_table every new row of any staged load).
            log(f"AutomateDV's release loads one batch per run: {batch_to - batch_from + 1} dbt runs")
            per_batch = True
        ranges = [(b, b) for b in range(batch_from, batch_to + 1)] if per_batch else [(batch_from, batch_to)]
    models = tests = 0
    run_seconds = []
    for first, last in ranges:
        run_started = dt.datetime.now(dt.timezone.utc)
        outcome = run_dbt(project_dir, db, ["build"], (first, last), progress)
        if not outcome.success:
            details = "\n  ".join(outcome.failures) or "see dbt_vault/logs/dbt.log"
            raise DvkitError(f"dbt build failed (batches {first}..{last}):\n  {details}",
                             hint="the batches stay pending; fix the problem and run `dvkit build` again")
        models, tests = outcome.models, outcome.tests
        run_seconds.append((dt.datetime.now(dt.timezone.utc) - run_started).total_seconds())
        crash_point("raw-vault-built")
        if first <= last:
            _record(db, first, last, package, run_started)
    log(f"raw vault: {models} models built, {tests} data tests passed"
        + (f" ({len(ranges)} runs)" if per_batch else ""))
    if business_vault and _has_models(project_dir / BUSINESS_PROJECT):
        outcome = run_dbt(project_dir, db, ["build"], None, progress, BUSINESS_PROJECT)
        if not outcome.success:
            details = "\n  ".join(outcome.failures) or "see business_vault/logs/dbt.log"
            raise DvkitError(f"dbt build of the business vault and marts failed:\n  {details}",
                             hint="the raw vault is built; fix the model and run `dvkit build` again")
        log(f"business vault and marts: {outcome.models} models built, {outcome.tests} data tests passed")
    finished = dt.datetime.now(dt.timezone.utc)
    return BuildResult(package=package, batch_from=batch_from, batch_to=batch_to,
                       row_counts=row_counts(db, spec), rows_before=before,
                       seconds=(finished - started).total_seconds(),
                       null_keys=null_keys(db, spec, batch_from, batch_to), run_seconds=run_seconds,
                       business_counts=business_counts(db))


def _has_models(dbt_dir: Path) -> bool:
    return (dbt_dir / "dbt_project.yml").exists() and any((dbt_dir / "models").rglob("*.sql"))


def _record(db: Database, first: int, last: int, package: PackageChoice, started: dt.datetime) -> None:
    with db.connect() as conn:
        conn.execute(
            "insert into dvkit.builds (batch_from, batch_to, automate_dv, started_at, finished_at) "
            "values (%s, %s, %s, %s, now())", (first, last, package.describe(), started))


def _warn_late(db: Database, batch_from: int, batch_to: int, log: Log) -> None:
    """Say when pending batches are older than what the vault already holds (late arrivals)."""
    with db.connect() as conn:
        row = conn.execute(
            """select min(p.load_ts), (select max(b.load_ts) from landing.batches b
                                       where b.batch_id < %(first)s)
               from landing.batches p where p.batch_id between %(first)s and %(last)s""",
            {"first": batch_from, "last": batch_to}).fetchone()
    if row and row[0] is not None and row[1] is not None and row[0] < row[1]:
        log(f"warning: pending batches load as of {row[0]}, older than the {row[1]} already in the vault. "
            "Hubs and links take their new keys; a satellite keeps the history it has and ignores the late "
            "rows of keys loaded later (insert-only: history is never rewritten).")


def row_counts(db: Database, spec: Spec) -> list[tuple[str, int]]:
    """Rows of every vault table (0 for a table not built yet)."""
    from psycopg import sql

    counts = []
    with db.connect() as conn:
        for table in spec.vault_models():
            exists = conn.execute("select to_regclass(%s) is not null", (f"raw_vault.{table}",)).fetchone()
            row = (0,)
            if exists and exists[0]:
                row = conn.execute(sql.SQL("select count(*) from {}").format(
                    sql.Identifier("raw_vault", table))).fetchone() or (0,)
            counts.append((table, int(row[0])))
    return counts


def business_counts(db: Database) -> list[tuple[str, int]]:
    """Rows of every table of the business vault and the marts, by schema then name."""
    from psycopg import sql

    with db.connect() as conn:
        tables = conn.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in ('business_vault', 'marts') and table_type = 'BASE TABLE' "
            "order by table_schema, table_name").fetchall()
        return [(f"{schema}.{name}", int(conn.execute(sql.SQL("select count(*) from {}").format(
            sql.Identifier(schema, name))).fetchone()[0])) for schema, name in tables]


def null_keys(db: Database, spec: Spec, batch_from: int, batch_to: int) -> dict[str, int]:
    """Rows of the built batches whose business key is NULL or blank: they never enter a hub."""
    from psycopg import sql

    found: dict[str, int] = {}
    if batch_from > batch_to:
        return found
    with db.connect() as conn:
        for hub in spec.hubs:
            for feed in hub.feeds:
                blank = sql.SQL(" and ").join(
                    sql.SQL("nullif(trim(cast({} as text)), '') is null").format(sql.Identifier(c))
                    for c in feed.columns)
                table = sql.Identifier("staging", f"pending_{feed.source}")
                query = sql.SQL("select count(*) from {} where {}").format(table, blank)
                row = conn.execute(query).fetchone()
                if row and row[0]:
                    found[f"{hub.name} <- {feed.source}"] = int(row[0])
    return found
