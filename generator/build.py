"""Build the vault with dbt: pick the AutomateDV package, stage the pending batches, count rows.

AutomateDV is resolved in this order, and the build says which one it used:
1. a hub release already in ``dbt_vault/dbt_packages/automate_dv`` (sites that mirror packages copy
   it there) is used as it is;
2. else ``dbt deps``, when the dbt hub answers quickly;
3. else the project's own implementation in ``dbt_vault/automate_dv_local``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import yaml

from generator.compliance import audit
from generator.db import Database, redact
from generator.errors import DvkitError
from generator.evolution import late, state
from generator.evolution.changes import ADDITIVE, LATE, MISSING, NEW, PENDING, REBUILD, ModelPlan, Plan, make_plan
from generator.evolution.definition import Definition, definitions
from generator.evolution.state import VaultState, files_digest
from generator.faults import crash_point
from generator.load.landing_check import check_against_landing
from generator.places import BUSINESS_PROJECT, DBT_PROJECT, LANDING, RAW_VAULT
from generator.progress import model_line
from generator.spec.model import Spec
from generator.unknown_members import unknown_member_warnings

BUILTIN_PACKAGE = "automate_dv_local"
BUILTIN_MARKER = ".dvkit-builtin"
BATCH_ENV = ("DVKIT_BATCH_FROM", "DVKIT_BATCH_TO")  # the batch range the staging models read
HUB_HOST = ("hub.getdbt.com", 443)
BUILTIN_KIND = "dvkit built-in"
# Where a Spark build parks an installed release while it runs dvkit's own macros (generator.spark.build).
PARKED_RELEASE = Path(".dvkit") / "automate_dv-release"

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


def installed_automate_dv(project_dir: Path) -> Path:
    """Where `dbt deps` installs AutomateDV, and where dvkit copies its own implementation."""
    return project_dir / DBT_PROJECT / "dbt_packages" / "automate_dv"


def resolve_automate_dv(project_dir: Path, mode: str = "auto", log: Log = lambda _: None) -> PackageChoice:
    """Make ``automate_dv`` importable by the dbt project and say which implementation it is."""
    if mode != "builtin":
        restore_parked_release(project_dir)  # left parked by a Spark build that was killed
    dbt_dir = project_dir / DBT_PROJECT
    installed = installed_automate_dv(project_dir)
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


def restore_parked_release(project_dir: Path) -> None:
    """Put a release parked by a Spark build back into ``dbt_packages`` (dvkit's copy makes way)."""
    parked = project_dir / PARKED_RELEASE
    if not parked.is_dir():
        return
    installed = installed_automate_dv(project_dir)
    if installed.exists():
        shutil.rmtree(installed)
    installed.parent.mkdir(parents=True, exist_ok=True)
    parked.rename(installed)


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

@dataclass
class BuildResult:
    package: PackageChoice | None  # None when there was nothing to build
    batch_from: int
    batch_to: int
    row_counts: list[tuple[str, int]]
    rows_before: dict[str, int]
    seconds: float
    run_seconds: list[float] = field(default_factory=list)  # wall time of each dbt run
    business_counts: list[tuple[str, int]] = field(default_factory=list)  # schema.table of business vault, marts
    null_keys: dict[str, int] = field(default_factory=dict)
    plan: Plan | None = None
    dropped: list[tuple[str, int]] = field(default_factory=list)  # retired tables dropped, with their rows
    built: list[str] = field(default_factory=list)  # raw vault tables dbt ran

    @property
    def idle(self) -> bool:
        return self.package is None


@dataclass(frozen=True)
class Step:
    """One dbt run: these tables, built from batches first..last (from nothing when ``full_refresh``)."""

    models: tuple[str, ...]
    first: int
    last: int
    full_refresh: bool


def business_digest(project_dir: Path, state: VaultState) -> str | None:
    """What the business vault is built from: its project's files, the shared macros, the raw vault record.

    None when the project has no business vault models.
    """
    if not _has_models(project_dir / BUSINESS_PROJECT):
        return None
    files = files_digest(project_dir / BUSINESS_PROJECT, ["dbt_project.yml", "models", "macros", "tests"])
    shared = files_digest(project_dir / DBT_PROJECT, ["macros"])  # the business project reads these too
    return f"{files}-{shared}-{state.record_digest()}"


def vault_plan(project_dir: Path, db: Database, spec: Spec, rebuild: Iterable[str] = ()) -> tuple[Plan, VaultState]:
    """What a build would do now (``dvkit plan``), and the state it was computed from."""
    return _plan(project_dir, db, definitions(spec), spec.naming.raw_vault_schema, rebuild)


def _plan(project_dir: Path, db: Database, current: dict[str, Definition], schema: str,
          rebuild: Iterable[str] = ()) -> tuple[Plan, VaultState]:
    vault = state.read(db, current, schema)
    if vault is None:
        raise DvkitError("nothing has been loaded yet", hint="run `dvkit load` first")
    behind = late.late_reasons(current, {m: r.last_batch for m, r in vault.recorded.items()
                                         if m in vault.tables}, late.read(db))
    return make_plan(current, vault, frozenset(rebuild), business_digest(project_dir, vault), behind), vault


def build(project_dir: Path, db: Database, spec: Spec, mode: str = "auto", log: Log = lambda _: None,
          progress: Log | None = None, per_batch: bool = False, business_vault: bool = True,
          select: Sequence[str] = (), rebuild: Iterable[str] = (), drop_retired: bool = False) -> BuildResult:
    """Carry out the plan (``_build``) and log it in ``dvkit.audit_log``: a build or rebuild, succeeded or failed.

    A build with nothing to do changes nothing and is not logged.
    """
    rebuild = tuple(rebuild)
    started = dt.datetime.now(dt.timezone.utc)
    kind = "rebuild" if rebuild else "build"
    try:
        result = _build(project_dir, db, spec, mode, log, progress, per_batch, business_vault, select, rebuild,
                        drop_retired)
    except DvkitError as exc:
        # A database that cannot be reached cannot log; the build's own error is what the user must see.
        with contextlib.suppress(DvkitError, psycopg.Error):
            _audit(db, kind, {"outcome": "failed", "error": exc.message.splitlines()[0], "rebuild": list(rebuild),
                              "select": list(select), "ms": _ms_since(started)})
        raise
    if not result.idle:
        _audit(db, kind, build_summary(result, rebuild, select))
    return result


def _ms_since(started: dt.datetime) -> int:
    return int((dt.datetime.now(dt.timezone.utc) - started).total_seconds() * 1000)


def build_summary(result: BuildResult, rebuild: Sequence[str], select: Sequence[str]) -> dict[str, object]:
    """What the audit log keeps of a build: the tables dbt ran, the batches, the package, the outcome."""
    return {"outcome": "succeeded", "built": sorted(result.built), "rebuild": list(rebuild), "select": list(select),
            "batch_from": result.batch_from, "batch_to": result.batch_to, "dbt_runs": len(result.run_seconds),
            "dropped": [name for name, _ in result.dropped],
            "business_vault": [name for name, _ in result.business_counts],
            "automate_dv": result.package.describe() if result.package else None,
            "ms": int(result.seconds * 1000)}


def _audit(db: Database, kind: str, summary: dict[str, object]) -> None:
    with db.connect() as conn:
        audit.append(conn, kind, summary)


def _build(project_dir: Path, db: Database, spec: Spec, mode: str, log: Log, progress: Log | None,
           per_batch: bool, business_vault: bool, select: Sequence[str], rebuild: Iterable[str],
           drop_retired: bool) -> BuildResult:
    """Carry out the plan: load each table's pending batches, build new and changed tables from landing.

    Tables whose batches bring them no rows are not run (their record moves on); tables built from
    scratch (new, missing, additive, asked for by ``rebuild``) are built from every landed batch
    first, in load-time order, until they catch up with the others; then every table loads the
    batches pending for all in one dbt run. A breaking change is refused before dbt starts. ``select``
    (dbt selection syntax) limits the build to the tables it names. Then the business vault and marts
    are built when their inputs changed, unless ``business_vault`` is False (the benchmark times the
    raw vault). ``per_batch`` runs dbt once per batch (AutomateDV's release always does).
    """
    started = dt.datetime.now(dt.timezone.utc)
    current = definitions(spec)
    plan, vault = _plan(project_dir, db, current, spec.naming.raw_vault_schema, rebuild)
    check_against_landing(db, spec, log)  # a column renamed in the spec, said before any dbt run
    chosen = set(resolve_selection(project_dir, db, select, spec, mode)) if select else None
    refused = [m for m in plan.breaking if chosen is None or m.model in chosen]
    if refused:
        raise DvkitError(breaking_message(refused), hint=f"run `dvkit rebuild {' '.join(m.model for m in refused)}` "
                         "to build them again from landing (or undo the change in the spec); `dvkit plan` shows all")
    dropped = _retire(db, plan, drop_retired, log, spec.naming.raw_vault_schema)
    work = [m for m in plan.work if chosen is None or m.model in chosen]
    if not work and not (business_vault and plan.business_stale and chosen is None) and not dropped:
        log(f"nothing to do: every table is up to date with the spec and batch {plan.last_loaded}")
        return BuildResult(None, plan.last_loaded + 1, plan.last_loaded, [], {},
                           (dt.datetime.now(dt.timezone.utc) - started).total_seconds(), plan=plan)
    package = resolve_automate_dv(project_dir, mode, log)
    log(f"using {package.describe()}")
    _adopt(db, vault, current)
    before = dict(row_counts(db, spec))
    for line in describe_work(work):
        log(line)
    batch_from = min((m.first_batch for m in work), default=plan.last_loaded + 1)
    for m in work:
        if m.status == LATE:
            log(f"{m.model}: {'; '.join(m.reasons)}")
    if package.is_release and not per_batch and any(m.first_batch < m.last_batch for m in work):
        # The release's eff_sat and ref_table read one load per run (its first build of an eff_sat
        # inserts every staged row; its ref_table every new row of any staged load).
        log("AutomateDV's release loads one batch per run")
        per_batch = True
    run_seconds: list[float] = []
    null: dict[str, int] = {}
    ran: set[str] = set()
    exists = set(vault.tables)
    landed = late.read(db)
    for step in steps(work):
        runnable = [m for m in step.models if step.full_refresh
                    or _has_rows(db, current[m].sources, step.first, step.last)]
        # dbt also runs the data tests of tables that refer to a selected one (a satellite's test of
        # its hub); those of tables not built yet (left out by --select) would read missing tables.
        absent = [m for m in current if m not in exists and m not in runnable]
        # One batch per run goes in load-time order: a late batch before the newer ones it is older than.
        ranges = [(b, b) for b in landed.order(step.first, step.last)] if per_batch else [(step.first, step.last)]
        for first, last in ranges if runnable else []:
            run_started = dt.datetime.now(dt.timezone.utc)
            args = ["build", "--select", *(f"+{m}" for m in runnable)]
            if absent:
                args += ["--exclude", *absent]
            if step.full_refresh and (first, last) == ranges[0]:
                args.append("--full-refresh")
            outcome = run_dbt(project_dir, db, args, (first, last), progress)
            if not outcome.success:
                details = "\n  ".join(outcome.failures) or "see dbt_vault/logs/dbt.log"
                raise DvkitError(f"dbt build failed ({', '.join(runnable)}; batches {first}..{last}):\n  {details}",
                                 hint="those batches stay pending for those tables; fix the problem and run "
                                      "`dvkit build` again")
            run_seconds.append((dt.datetime.now(dt.timezone.utc) - run_started).total_seconds())
            _count_null_keys(db, spec, runnable, null)
            crash_point("raw-vault-built")
            _record(db, first, last, package, run_started)
        ran.update(runnable)
        exists.update(runnable)
        state.record(db, [current[m] for m in step.models], step.last)
    if work:
        log(f"raw vault: {len(ran)} of {len(current)} tables built"
            + (f" ({len(run_seconds)} dbt runs)" if len(run_seconds) > 1 else ""))
    if business_vault:
        _build_business_vault(project_dir, db, ran or {d for d, _ in dropped}, progress, log)
        # Referential gaps do not fail the marts: the facts at an unknown member are counted.
        for line in unknown_member_warnings(db, project_dir):
            log(line)
    finished = dt.datetime.now(dt.timezone.utc)
    return BuildResult(package=package, batch_from=batch_from, batch_to=plan.last_loaded,
                       row_counts=row_counts(db, spec), rows_before=before,
                       seconds=(finished - started).total_seconds(), null_keys=null, run_seconds=run_seconds,
                       business_counts=business_counts(db), plan=plan, dropped=dropped, built=sorted(ran))


def steps(work: Sequence[ModelPlan]) -> list[Step]:
    """The dbt runs that bring every table of ``work`` to the last batch, lowest first batch first.

    Tables that lag behind are run alone until they reach the next group, so the last run takes all
    of them together; tables built from scratch get a run of their own (dbt's --full-refresh). A table
    rebuilt for a late batch is built from every batch in one run of its own, never split in batch
    ranges: a range of lower batch ids may hold a newer load time than the next one.

    >>> from generator.evolution.changes import ModelPlan
    >>> [(s.models, s.first, s.last, s.full_refresh) for s in steps([ModelPlan("a", "pending", (), 5, 6),
    ...     ModelPlan("b", "new", (), 1, 6)])]
    [(('b',), 1, 4, True), (('a', 'b'), 5, 6, False)]
    >>> [(s.models, s.first, s.last) for s in steps([ModelPlan("a", "pending", (), 5, 6),
    ...     ModelPlan("c", "late", (), 1, 6)])]
    [(('c',), 1, 6), (('a',), 5, 6)]
    """
    if not work:
        return []
    last = work[0].last_batch
    whole = tuple(m.model for m in work if m.status == LATE)
    fresh = tuple(m.model for m in work if m.from_scratch and m.model not in whole)
    levels = sorted({m.first_batch for m in work if not m.from_scratch})
    found: list[Step] = [Step(whole, 1, last, True)] if whole else []
    if fresh:
        found.append(Step(fresh, 1, (levels[0] - 1) if levels else last, True))
    for index, level in enumerate(levels):
        end = levels[index + 1] - 1 if index + 1 < len(levels) else last
        members = tuple(m.model for m in work if m.model not in whole and (m.from_scratch or m.first_batch <= level))
        found.append(Step(members, level, end, False))
    return [s for s in found if s.first <= s.last or (s.full_refresh and s.first == 1)]


def describe_work(work: Sequence[ModelPlan]) -> list[str]:
    """One line per kind of work, for the build's log."""
    lines = []
    for status, words in ((PENDING, "loading batches"), (NEW, "new: built from every landed batch"),
                          (MISSING, "gone: built again from every landed batch"),
                          (ADDITIVE, "changed (additive): built again from every landed batch"),
                          (REBUILD, "rebuilt from every landed batch"),
                          (LATE, "late batch: rebuilt from every landed batch in load-time order")):
        chosen = [m for m in work if m.status == status]
        if not chosen:
            continue
        ranges = sorted({(m.first_batch, m.last_batch) for m in chosen})
        batches = ", ".join(f"{a}..{b}" for a, b in ranges)
        lines.append(f"{words} ({batches}): {', '.join(m.model for m in chosen)}")
    return lines


def breaking_message(models: Sequence[ModelPlan]) -> str:
    lines = [f"  {m.model}: {'; '.join(m.reasons)}" for m in models]
    return ("the spec changes what stored rows hold (a breaking change), so these tables no longer match it:\n"
            + "\n".join(lines))


def resolve_selection(project_dir: Path, db: Database, selectors: Sequence[str], spec: Spec,
                      mode: str = "auto") -> list[str]:
    """The raw vault tables a dbt selection (``stg_orders+``, ``tag:x``, plain names) names, in spec order.

    Plain table names are read without dbt; a selection is resolved by ``dbt ls``, which parses the
    project and so needs AutomateDV in place (``mode`` says which, as for the build).
    """
    models = spec.vault_models()
    if all(s in models for s in selectors):
        return [m for m in models if m in selectors]
    from dbt.cli.main import dbtRunner

    dbt_dir = project_dir / DBT_PROJECT
    if not (dbt_dir / "dbt_packages" / "automate_dv" / "dbt_project.yml").exists():
        resolve_automate_dv(project_dir, mode)
    os.environ.update(db.dbt_env())
    result = dbtRunner().invoke(["ls", "--resource-type", "model", "--output", "name", "--select", *selectors,
                                 "--project-dir", str(dbt_dir), "--profiles-dir", str(dbt_dir),
                                 "--log-level", "none", "--quiet"])
    if not result.success:
        raise DvkitError(f"cannot read the selection {' '.join(selectors)}",
                         hint="name tables, or use dbt's selection syntax: stg_orders+ is every table fed by the "
                              "orders (a table's + alone adds no table: none reads another)")
    named = {str(line).strip() for line in (result.result or [])}
    found = [m for m in models if m in named]
    if not found:
        raise DvkitError(f"the selection {' '.join(selectors)} names no raw vault table",
                         hint=f"raw vault tables: {', '.join(models)}")
    return found


def _retire(db: Database, plan: Plan, drop: bool, log: Log, schema: str) -> list[tuple[str, int]]:
    """Report the tables the spec no longer declares; drop them (and their record) when asked, from ``schema``."""
    from psycopg import sql

    if not plan.retired:
        return []
    if not drop:
        log(f"retired (no longer in the spec, kept): {', '.join(plan.retired)}; "
            "`dvkit build --drop-retired` drops them")
        return []
    dropped = []
    with db.connect() as conn:
        for table in plan.retired:
            name = sql.Identifier(schema, table)
            exists = conn.execute("select to_regclass(%s) is not null", (f"{schema}.{table}",)).fetchone()
            rows = int(conn.execute(sql.SQL("select count(*) from {}").format(name)).fetchone()[0]) \
                if exists and exists[0] else 0  # type: ignore[index]
            log(f"dropping retired table {schema}.{table} ({rows:,} rows)")
            conn.execute(sql.SQL("drop table if exists {} cascade").format(name))
            dropped.append((table, rows))
    state.forget(db, plan.retired)
    return dropped


def _adopt(db: Database, vault: VaultState, current: dict[str, Definition]) -> None:
    """Write the record of tables built before it existed (what ``state.read`` took them to be)."""
    adopted = [r for r in vault.recorded.values() if r.adopted and r.model in current]
    for last in sorted({r.last_batch for r in adopted}):
        state.record(db, [current[r.model] for r in adopted if r.last_batch == last], last)


def _has_rows(db: Database, sources: Iterable[str], first: int, last: int) -> bool:
    """Whether any of the landing tables ``sources`` holds rows of batches first..last."""
    from psycopg import sql

    with db.connect() as conn:
        for source in sources:
            table = sql.Identifier(LANDING, source)
            if conn.execute(sql.SQL("select exists (select 1 from {} where _batch_id between %s and %s)").format(table),
                            (first, last)).fetchone()[0]:  # type: ignore[index]
                return True
    return False


def _build_business_vault(project_dir: Path, db: Database, changed: set[str], progress: Log | None,
                          log: Log) -> None:
    """Build the business vault and marts when their inputs changed: all, or downstream of ``changed``."""
    vault = state.read(db, {})
    digest = business_digest(project_dir, vault) if vault else None
    if digest is None:
        return
    if vault and vault.business_digest == digest and not changed:
        log("business vault and marts: up to date (no raw vault table changed)")
        return
    files = digest.rsplit("-", 1)[0]  # the projects' files, without the raw vault record
    partial = vault is not None and (vault.business_digest or "").rsplit("-", 1)[0] == files
    args = ["build"]
    if partial and changed:  # only the raw vault moved on: build what reads the tables that did
        args += ["--select", *(f"source:{RAW_VAULT}.{t}+" for t in sorted(changed))]
    outcome = run_dbt(project_dir, db, args, None, progress, BUSINESS_PROJECT)
    if not outcome.success:
        details = "\n  ".join(outcome.failures) or "see business_vault/logs/dbt.log"
        raise DvkitError(f"dbt build of the business vault and marts failed:\n  {details}",
                         hint="the raw vault is built; fix the model and run `dvkit build` again")
    state.record_business(db, digest)
    log(f"business vault and marts: {outcome.models} models built, {outcome.tests} data tests passed")


def _has_models(dbt_dir: Path) -> bool:
    return (dbt_dir / "dbt_project.yml").exists() and any((dbt_dir / "models").rglob("*.sql"))


def _record(db: Database, first: int, last: int, package: PackageChoice, started: dt.datetime) -> None:
    with db.connect() as conn:
        conn.execute(
            "insert into dvkit.builds (batch_from, batch_to, automate_dv, started_at, finished_at) "
            "values (%s, %s, %s, %s, now())", (first, last, package.describe(), started))


def row_counts(db: Database, spec: Spec) -> list[tuple[str, int]]:
    """Rows of every vault table (0 for a table not built yet)."""
    from psycopg import sql

    counts = []
    schema = spec.naming.raw_vault_schema
    with db.connect() as conn:
        for table in spec.vault_models():
            exists = conn.execute("select to_regclass(%s) is not null", (f"{schema}.{table}",)).fetchone()
            row = (0,)
            if exists and exists[0]:
                row = conn.execute(sql.SQL("select count(*) from {}").format(
                    sql.Identifier(schema, table))).fetchone() or (0,)
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


def _count_null_keys(db: Database, spec: Spec, models: Iterable[str], found: dict[str, int]) -> None:
    """Add the rows just staged for ``models``' hubs whose business key is NULL or blank: they never enter a hub.

    Read from the pending views, which the dbt run that built those hubs has just made.
    """
    from psycopg import sql

    run = set(models)
    with db.connect() as conn:
        for hub in spec.hubs:
            if hub.model not in run:
                continue
            for feed in hub.feeds:
                blank = sql.SQL(" and ").join(
                    sql.SQL("nullif(trim(cast({} as text)), '') is null").format(sql.Identifier(c))
                    for c in feed.columns)
                table = sql.Identifier(spec.naming.staging_schema, f"pending_{feed.source}")
                query = sql.SQL("select count(*) from {} where {}").format(table, blank)
                row = conn.execute(query).fetchone()
                if row and row[0]:
                    where = f"{hub.name} <- {feed.source}"
                    found[where] = found.get(where, 0) + int(row[0])
