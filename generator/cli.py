"""The ``dvkit`` command line: parses arguments, calls the library, prints.

User mistakes end with one clear message and exit status 1, never a traceback.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
import psycopg
from rich.console import Console
from rich.table import Column, Table

from generator.errors import DvkitError

F = TypeVar("F", bound=Callable[..., Any])
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)
DEFAULT_DATA = Path("..") / "shared" / "data" / "olist"
DEMO_SYNTH_SCALE = 0.05


def find_project(start: Path) -> Path:
    """The nearest folder, from ``start`` upwards, that holds ``vault_spec/``."""
    for folder in (start, *start.parents):
        if (folder / "vault_spec").is_dir():
            return folder
    raise DvkitError(f"no vault_spec/ folder in {start} or above", hint="run dvkit inside a dvkit project")


def friendly(func: F) -> F:
    """Turn DvkitError (and Ctrl-C) into a message and exit status 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except DvkitError as exc:
            err.print(f"[bold red]error:[/] {exc.message}", markup=True)
            if exc.hint:
                err.print(f"  hint: {exc.hint}", markup=False)
            sys.exit(1)
        except KeyboardInterrupt:
            err.print("interrupted")
            sys.exit(130)
        except psycopg.errors.InsufficientPrivilege as exc:
            err.print(f"[bold red]error:[/] permission denied: {exc.diag.message_primary or exc}", markup=True)
            err.print("  hint: this database role may not do that; a reviewer role is granted by "
                      "`dvkit db grant-reviewer ROLE` (run it again after the spec gains sources)", markup=False)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


def _project(ctx: click.Context) -> Path:
    return ctx.obj["project"]  # type: ignore[no-any-return]


def _spec(project: Path):  # type: ignore[no-untyped-def]
    from generator.spec.validate import load_spec

    result = load_spec(project / "vault_spec", project)
    if not result.ok:
        for problem in result.problems:
            err.print(str(problem), markup=False)
        raise DvkitError(f"the spec has {len(result.problems)} problem(s)", hint="fix them and run again")
    return result.spec


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--project", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Project folder (default: the nearest folder with vault_spec/).")
@click.version_option(package_name="dvkit")
@click.pass_context
def main(ctx: click.Context, project: Path | None) -> None:
    """dvkit: Data Vault 2.0 from a YAML spec, built with dbt and AutomateDV on PostgreSQL."""
    ctx.ensure_object(dict)
    ctx.obj["project_arg"] = project


def _resolve_project(ctx: click.Context) -> Path:
    given = ctx.find_root().obj.get("project_arg")
    project = find_project(Path(given).resolve() if given else Path.cwd())
    ctx.obj["project"] = project
    return project


# -- spec commands --------------------------------------------------------------------------------

@main.command()
@click.option("--spec", "spec_dir", type=click.Path(path_type=Path), default=None,
              help="Spec folder to check (default: the project's vault_spec/).")
@click.pass_context
@friendly
def validate(ctx: click.Context, spec_dir: Path | None) -> None:
    """Check the spec and list every problem as path:line: message."""
    from generator.spec.validate import load_spec

    if spec_dir is None:
        project = _resolve_project(ctx)
        spec_dir, root = project / "vault_spec", project
    else:
        root = Path.cwd()
    result = load_spec(spec_dir, root)
    for problem in result.problems:
        out.print(str(problem), markup=False)
    if result.problems:
        out.print(f"{len(result.problems)} problem(s) in {len(result.files)} file(s)")
        sys.exit(1)
    spec = result.spec
    assert spec is not None
    out.print(f"spec ok: {len(spec.sources)} sources, {len(spec.hubs)} hubs, {len(spec.links)} links, "
              f"{len(spec.satellites)} satellites ({len(result.files)} files)")


@main.command()
@click.option("--check", is_flag=True, help="Change nothing; exit 1 if any generated file is stale or edited.")
@click.pass_context
@friendly
def generate(ctx: click.Context, check: bool) -> None:
    """Render the dbt models of the vault from the spec.

    Warns about spec changes that alter a hash key or a hashdiff (compared with the definitions the
    last generation wrote), before anything is loaded with them.
    """
    from generator.render.drift import changes, definitions, read_definitions
    from generator.render.plan import hand_written, plan
    from generator.render.writer import write

    project = _resolve_project(ctx)
    spec = _spec(project)
    for change in changes(read_definitions(project), definitions(spec)):
        err.print(f"warning: {change}", markup=False)
    report = write(plan(spec), project, check=check)
    for line in report.lines(check):
        out.print(line, markup=False)
    for path in hand_written(spec):
        if not (project / path).exists():
            err.print(f"note: {path} does not exist yet: the spec documents it, its SQL is written by hand",
                      markup=False)
    if check:
        if not report.clean:
            out.print("generated files are out of date: run `dvkit generate`")
            sys.exit(1)
        out.print(f"generated files are up to date ({len(report.unchanged)} files)")
    else:
        out.print(f"{len(report.written)} written, {len(report.removed)} removed, "
                  f"{len(report.unchanged)} unchanged")


# -- database ---------------------------------------------------------------------------------------

@main.group()
def db() -> None:
    """Run the embedded PostgreSQL (or show the external one in DVKIT_DATABASE_URL)."""


def _server(ctx: click.Context):  # type: ignore[no-untyped-def]
    from generator.db import EmbeddedServer, project_data_dir

    return EmbeddedServer(project_data_dir(_resolve_project(ctx)))


def _external() -> bool:
    from generator.db import URL_ENV

    return bool(os.environ.get(URL_ENV))


@db.command("start")
@click.pass_context
@friendly
def db_start(ctx: click.Context) -> None:
    """Start the embedded server (creating it on first use)."""
    if _external():
        out.print("DVKIT_DATABASE_URL is set: using the external server, nothing to start")
        return
    server = _server(ctx)
    database = server.start()
    out.print(f"embedded PostgreSQL running (pid {server.pid()}): {database.display_url()}")


@db.command("stop")
@click.pass_context
@friendly
def db_stop(ctx: click.Context) -> None:
    """Stop the embedded server."""
    if _external():
        out.print("DVKIT_DATABASE_URL is set: the external server is not dvkit's to stop")
        return
    out.print("stopped" if _server(ctx).stop() else "not running")


@db.command("status")
@click.pass_context
@friendly
def db_status(ctx: click.Context) -> None:
    """Say whether the database is up (exit 1 when it is not)."""
    from generator.db import ctype_of, resolve

    if _external():
        database = resolve(_resolve_project(ctx))
        out.print(f"external: {database.display_url()} (ctype {ctype_of(database)})")
        return
    server = _server(ctx)
    if not server.is_running():
        out.print(f"embedded: stopped (data in {server.data_dir})")
        sys.exit(1)
    out.print(f"embedded: running, pid {server.pid()}, data in {server.data_dir}")


@db.command("url")
@click.pass_context
@friendly
def db_url(ctx: click.Context) -> None:
    """Print the connection URL (password masked), starting the embedded server if needed."""
    from generator.db import resolve

    out.print(resolve(_resolve_project(ctx)).display_url(), markup=False)


@db.command("env")
@click.pass_context
@friendly
def db_env(ctx: click.Context) -> None:
    """Print shell exports for dbt: eval "$(dvkit db env)"; then dbt build --profiles-dir . in dbt_vault/."""
    import shlex

    from generator.db import resolve

    for key, value in resolve(_resolve_project(ctx)).dbt_env().items():
        if key == "DVKIT_PG_PASSWORD" and value:
            # Keep the secret out of the terminal: point at the variable that holds it instead.
            out.print('export DVKIT_PG_PASSWORD="$(python -c \'import os; from psycopg.conninfo import '
                      'conninfo_to_dict as d; print(d(os.environ["DVKIT_DATABASE_URL"]).get("password") or "")\')"',
                      markup=False)
            continue
        out.print(f"export {key}={shlex.quote(value)}", markup=False)


# -- data -------------------------------------------------------------------------------------------

def _default_data(project: Path) -> Path | None:
    candidate = (project / DEFAULT_DATA).resolve()
    return candidate if candidate.is_dir() else None


def _progress(label: str) -> Callable[[str, int], None]:
    from generator.progress import row_reporter

    return row_reporter(label, lambda line: err.print(f"  {line}", markup=False))


NO_WAIT = click.option(
    "--no-wait", "no_wait", is_flag=True,
    help="If another load, build or erase is using the database, stop at once (exit 1) instead of waiting.")


@main.command()
@click.argument("data_dir", required=False, type=click.Path(path_type=Path))
@click.option("--load-time", type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"]),
              default=None, help="Load time of the batch (default: now, UTC).")
@click.option("--replay", type=click.Choice(["day", "week", "month"]), default=None,
              help="Replay the snapshot as one batch per period, as the sources stood at each period end.")
@click.option("--from", "start", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="With --replay: the first period is the one holding this date.")
@click.option("--to", "end", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="With --replay: the last period is the one holding this date.")
@click.option("--full", is_flag=True, help="With --replay: every batch is a full extract, not only changes.")
@click.option("--strict", is_flag=True,
              help="Refuse the whole batch if any row is bad, instead of setting bad rows aside in landing.quarantine.")
@NO_WAIT
@click.pass_context
@friendly
def load(ctx: click.Context, data_dir: Path | None, load_time: dt.datetime | None, replay: str | None,
         start: dt.datetime | None, end: dt.datetime | None, full: bool, strict: bool, no_wait: bool) -> None:
    """Load the source files of DATA_DIR (default ../shared/data/olist) as one batch, or replay them."""
    from generator.db import resolve
    from generator.load.landing import file_extracts
    from generator.lock import vault_lock

    project = _resolve_project(ctx)
    spec = _spec(project)
    data_dir = data_dir or _default_data(project)
    if data_dir is None:
        raise DvkitError("no data folder given and ../shared/data/olist does not exist",
                         hint="pass a folder, or make one with `dvkit synth --out DIR`")
    if replay is None and (start or end or full):
        raise DvkitError("--from, --to and --full go with --replay", hint="add --replay day|week|month")
    if replay is not None:
        if load_time is not None:
            raise DvkitError("--load-time does not go with --replay",
                             hint="each replayed batch's load time is its period end")
        if strict:
            raise DvkitError("--strict does not go with --replay",
                             hint="a replay sets bad rows aside; list them with `dvkit quarantine`")
    # A missing folder or a header lacking a column is said before connecting or waiting.
    extracts, _ = file_extracts(spec, data_dir)
    for extract in extracts:
        if extract.note:
            err.print(f"warning: {extract.note} (kept in landing.batch_files.note)", markup=False)
            err.print(f"  hint: to load it, declare it under the columns of source '{extract.source.name}' "
                      "and list it under a satellite's payload_added, then run dvkit generate; "
                      "`extra_columns: fail` refuses such files instead", markup=False)
    database = resolve(project)
    # Held until the command ends (click closes the context): one load, build or erase at a time.
    ctx.with_resource(vault_lock(database, "load", not no_wait, functools.partial(err.print, markup=False)))
    if replay is not None:
        _replay(spec, data_dir, replay, start.date() if start else None, end.date() if end else None, full,
                database)
        return
    _load(project, spec, data_dir, load_time, database, strict)


def _load(project: Path, spec: Any, data_dir: Path, load_time: dt.datetime | None, database: Any,
          strict: bool = False) -> None:
    from generator.load.landing import load_batch
    from generator.load.quarantine_cli import print_reconciliation

    started = time.monotonic()
    err.print(f"loading {data_dir}", markup=False)
    result = load_batch(database, spec, data_dir, load_time, _progress("read"), strict=strict)
    if result.duplicate_of is not None:
        out.print(f"batch {result.duplicate_of} already holds these files with this load time: nothing loaded",
                  markup=False)
        return
    print_reconciliation(result, out)
    if result.skipped:
        out.print(f"no file for: {', '.join(result.skipped)}", markup=False)
    out.print(f"loaded {sum(result.rows.values()):,} rows in {time.monotonic() - started:.1f}s")


def _replay(spec: Any, data_dir: Path, period: str, start: dt.date | None, end: dt.date | None, full: bool,
            database: Any) -> None:
    from generator.load.quarantine_cli import summary
    from generator.load.replay import ReplayStep, load_replay

    started = time.monotonic()
    err.print(f"replaying {data_dir} by {period}{' (full extracts)' if full else ''}", markup=False)

    def show(step: ReplayStep) -> None:
        result = step.result
        if result.duplicate_of is not None:
            line = f"already loaded as batch {result.duplicate_of}"
        else:
            line = f"batch {result.batch_id}: {summary(result)} in {step.seconds:.2f}s"
        err.print(f"  {step.period_end}  {line}", markup=False)

    steps = load_replay(database, spec, data_dir, period, start, end, full, on_batch=show)
    new = [s for s in steps if s.result.duplicate_of is None]
    rows = sum(sum(s.result.rows.values()) for s in new)
    out.print(f"replay by {period}: {len(steps)} period(s), {len(new)} new batch(es), {rows:,} rows, "
              f"{len(steps) - len(new)} already loaded ({time.monotonic() - started:.1f}s)", markup=False)
    if new:
        out.print("run `dvkit build` to load the new batches into the vault, in order", markup=False)


@main.command()
@click.option("--scale", type=float, default=0.1, show_default=True, help="Scale factor (1 = 99,441 orders).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option("--seed", type=int, default=42, show_default=True)
@click.option("--gzip", "use_gzip", is_flag=True, help="Write .csv.gz files.")
@click.option("--batches", type=int, default=0, show_default=True,
              help="Change batches after the snapshot: OUT/batch_000 holds the snapshot, OUT/batch_001 ... "
                   "the changed customers, products and sellers rows (0: the files directly in OUT).")
@click.option("--change-rate", "change_rate", type=float, default=None,
              help="With --batches: the fraction of the customers, products and sellers rows each batch "
                   "changes (default 0.01; at least one row per file).")
@friendly
def synth(scale: float, out_dir: Path, seed: int, use_gzip: bool, batches: int, change_rate: float | None) -> None:
    """Write synthetic Olist files (Kaggle's format) for machines without the real data."""
    import math

    from generator.synth import generate as synth_generate
    from generator.synth import generate_batches
    from generator.synth.batches import MAX_BATCHES

    if not (scale > 0 and math.isfinite(scale)):
        raise DvkitError(f"--scale must be a positive number, got {scale}", hint="1 is the size of the real data")
    if not 0 <= batches <= MAX_BATCHES:
        raise DvkitError(f"--batches must be from 0 to {MAX_BATCHES}, got {batches}")
    if change_rate is not None and batches == 0:
        raise DvkitError("--change-rate goes with --batches", hint="add --batches N (N change batches)")
    rate = 0.01 if change_rate is None else change_rate
    if not 0 < rate <= 1:
        raise DvkitError(f"--change-rate must be above 0 and at most 1, got {rate}",
                         hint="0.01 changes 1% of the rows in each batch")
    started = time.monotonic()
    progress = _progress("wrote")
    out_dir.mkdir(parents=True, exist_ok=True)
    if batches == 0:
        counts = synth_generate(scale, out_dir, seed=seed, gzip=use_gzip, progress=progress)
        for name, rows in sorted(counts.items()):
            out.print(f"{name}: {rows:,} rows", markup=False)
    else:
        for batch in generate_batches(scale, out_dir, seed=seed, batches=batches, change_rate=rate,
                                      gzip=use_gzip, progress=progress):
            files = ", ".join(f"{name} {rows:,}" for name, rows in sorted(batch.files.items()))
            out.print(f"{batch.dir} ({batch.kind}): {files or 'no changes'}", markup=False)
    described = f"scale {scale}, seed {seed}" + (f", {batches} change batch(es) at rate {rate}" if batches else "")
    out.print(f"synthetic Olist ({described}) in {out_dir} ({time.monotonic() - started:.1f}s)", markup=False)


# -- build ------------------------------------------------------------------------------------------

AUTOMATE_DV = click.option(
    "--automate-dv", "automate_dv", type=click.Choice(["auto", "hub", "builtin"]),
    default=lambda: os.environ.get("DVKIT_AUTOMATE_DV", "auto"), show_default="auto",
    help="Which AutomateDV to use: the hub release if available (auto), only it (hub), or dvkit's own.")


def _require_generated(project: Path, spec: Any) -> None:
    """Refuse to build models that no longer match the spec."""
    from generator.render.plan import plan
    from generator.render.writer import write

    stale = write(plan(spec), project, check=True)
    if not stale.clean:
        for line in stale.lines(check=True):
            err.print(line, markup=False)
        raise DvkitError("generated models are out of date with the spec", hint="run `dvkit generate` first")


def _build(project: Path, spec: Any, database: Any, mode: str, per_batch: bool = False,
           select: tuple[str, ...] = (), rebuild: tuple[str, ...] = (), drop_retired: bool = False) -> None:
    from generator.build import build as run_build

    _require_generated(project, spec)
    result = run_build(project, database, spec, mode, log=lambda m: err.print(m, markup=False),
                       progress=lambda m: err.print(f"  {m}", markup=False), per_batch=per_batch,
                       select=select, rebuild=rebuild, drop_retired=drop_retired)
    if result.idle:
        out.print(f"nothing to do ({result.seconds:.1f}s)", markup=False)
        return
    table = Table("table", Column("rows", justify="right"), Column("added", justify="right"), title="raw vault")
    for name, rows in result.row_counts:
        table.add_row(name, f"{rows:,}", f"{rows - result.rows_before.get(name, 0):,}")
    out.print(table)
    if result.business_counts:
        business = Table("table", Column("rows", justify="right"), title="business vault and marts")
        for name, rows in result.business_counts:
            business.add_row(name, f"{rows:,}")
        out.print(business)
    for name, rows in result.dropped:
        out.print(f"dropped retired table raw_vault.{name} ({rows:,} rows)", markup=False)
    for where, count in sorted(result.null_keys.items()):
        out.print(f"NULL or empty business key: {count:,} row(s) of {where} not added to the hub", markup=False)
    assert result.package is not None
    out.print(f"built with {result.package.describe()} in {result.seconds:.1f}s", markup=False)


SELECT = click.option("--select", "-s", "select", multiple=True,
                      help="Build only these raw vault tables: names, or dbt's selection syntax (stg_orders+: every "
                           "table fed by the orders); repeatable.")


@main.command()
@AUTOMATE_DV
@click.option("--per-batch", is_flag=True,
              help="Run dbt once per pending batch instead of once for all of them (slower; for comparison).")
@SELECT
@click.option("--drop-retired", is_flag=True,
              help="Drop the raw vault tables the spec no longer declares (their rows are listed first).")
@NO_WAIT
@click.pass_context
@friendly
def build(ctx: click.Context, automate_dv: str, per_batch: bool, select: tuple[str, ...], drop_retired: bool,
          no_wait: bool) -> None:
    """Carry out the plan: load pending batches, backfill new tables; then the business vault and marts."""
    from generator.db import resolve
    from generator.lock import vault_lock

    project = _resolve_project(ctx)
    spec = _spec(project)
    database = resolve(project)
    ctx.with_resource(vault_lock(database, "build", not no_wait, functools.partial(err.print, markup=False)))
    _build(project, spec, database, automate_dv, per_batch, select, drop_retired=drop_retired)


@main.command()
@click.argument("models", nargs=-1)
@click.option("--all", "everything", is_flag=True, help="Rebuild every raw vault table.")
@AUTOMATE_DV
@NO_WAIT
@click.pass_context
@friendly
def rebuild(ctx: click.Context, models: tuple[str, ...], everything: bool, automate_dv: str, no_wait: bool) -> None:
    """Build raw vault tables again from every landed batch (names, or dbt selection: stg_order_reviews+).

    The result equals a vault built batch by batch with the current spec; erased personal data stays
    erased (it is erased in landing too). Other tables load their pending batches as in `dvkit build`.
    """
    from generator.build import resolve_selection
    from generator.db import resolve
    from generator.lock import vault_lock

    if not models and not everything:
        raise DvkitError("name the tables to rebuild",
                         hint="e.g. `dvkit rebuild hub_review sat_review_score`, `dvkit rebuild stg_order_reviews+` "
                              "(every table fed by that source), or `--all`")
    project = _resolve_project(ctx)
    spec = _spec(project)
    database = resolve(project)
    ctx.with_resource(vault_lock(database, "rebuild", not no_wait, functools.partial(err.print, markup=False)))
    chosen = tuple(spec.vault_models() if everything
                   else resolve_selection(project, database, models, spec, automate_dv))
    err.print(f"rebuilding from landing: {', '.join(chosen)}", markup=False)
    _build(project, spec, database, automate_dv, rebuild=chosen)


@main.command("plan")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
@friendly
def plan_command(ctx: click.Context, fmt: str) -> None:
    """What `dvkit build` would do: per raw vault table, unchanged, pending, new, additive, breaking or retired.

    Exit status 0 when a build can carry the plan out, 3 when a breaking change needs a decision.
    """
    import json

    from generator.build import vault_plan
    from generator.db import resolve

    project = _resolve_project(ctx)
    spec = _spec(project)
    plan, _ = vault_plan(project, resolve(project), spec)
    if fmt == "json":
        out.print(json.dumps(plan.as_json(), indent=2), markup=False)
    else:
        for line in plan_lines(plan):
            out.print(line, markup=False)
    if not plan.safe:
        sys.exit(3)


def plan_lines(plan: Any) -> list[str]:
    """The plan as text: a line per table (unchanged ones counted), then retired tables and the verdict."""
    lines = [f"landed batches: 1..{plan.last_loaded}"]
    unchanged = [m for m in plan.models if m.status == "unchanged"]
    for m in plan.models:
        if m.status == "unchanged":
            continue
        batches = f" [batches {m.first_batch}..{m.last_batch}]" if m.first_batch <= m.last_batch else ""
        reasons = f": {'; '.join(m.reasons)}" if m.reasons else ""
        lines.append(f"  {m.status:<9} {m.model}{batches}{reasons}")
    if unchanged:
        lines.append(f"  unchanged {len(unchanged)} table(s): {', '.join(m.model for m in unchanged)}")
    for table in plan.retired:
        lines.append(f"  retired   {table}: no longer in the spec; kept (`dvkit build --drop-retired` drops it)")
    if plan.business_stale:
        lines.append("  business vault and marts: to be built")
    lines += [f"note: {note}" for note in plan.notes]
    if plan.breaking:
        lines.append("breaking changes need a decision: `dvkit rebuild "
                     + " ".join(m.model for m in plan.breaking) + "` (or undo the change in the spec)")
    elif plan.idle:
        lines.append("nothing to do")
    else:
        lines.append("`dvkit build` carries this plan out")
    return lines


def _report(project: Path, database: Any, png: Path | None, in_demo: bool = False) -> None:
    from generator.report import MartsMissing, build_report, print_report, write_chart

    try:
        result = build_report(database)
    except MartsMissing as exc:
        if not in_demo:
            raise
        # The raw vault is built and usable: say why there is no report instead of failing the demo.
        out.print(f"no report: {exc.message}", markup=False)
        return
    print_report(result, out)
    path = write_chart(result, png if png is not None else project / ".dvkit" / "report.png")
    out.print(f"chart: {path}", markup=False)


@main.command()
@click.option("--png", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the chart (default: .dvkit/report.png in the project).")
@click.pass_context
@friendly
def report(ctx: click.Context, png: Path | None) -> None:
    """Print the analyst's report from the marts (orders, late deliveries, top sellers) and chart it as a PNG."""
    from generator.db import resolve

    project = _resolve_project(ctx)
    _report(project, resolve(project), png)


@main.command()
@click.option("--data", "data_dir", type=click.Path(path_type=Path), default=None,
              help="Data folder (default: ../shared/data/olist, else a small synthetic set).")
@click.option("--replay", type=click.Choice(["day", "week", "month", "none"]), default="month", show_default=True,
              help="Load the snapshot as one batch per period (real history), or in one batch (none).")
@AUTOMATE_DV
@NO_WAIT
@click.pass_context
@friendly
def demo(ctx: click.Context, data_dir: Path | None, replay: str, automate_dv: str, no_wait: bool) -> None:
    """Start the database, load (replayed by month), check generation, build, report and show how to connect."""
    from generator.db import resolve
    from generator.lock import vault_lock

    started = time.monotonic()
    project = _resolve_project(ctx)
    spec = _spec(project)
    database = resolve(project)
    out.print(f"database: {database.display_url()}", markup=False)
    ctx.with_resource(vault_lock(database, "demo", not no_wait, functools.partial(err.print, markup=False)))
    data_dir = data_dir or _default_data(project)
    if data_dir is not None:
        out.print(f"data: real Olist files in {data_dir}", markup=False)
    else:
        from generator.synth import generate as synth_generate

        data_dir = project / ".dvkit" / "synth-data"
        out.print(f"data: no real Olist data found; generating a synthetic set (scale {DEMO_SYNTH_SCALE}) "
                  f"in {data_dir}", markup=False)
        data_dir.mkdir(parents=True, exist_ok=True)
        synth_generate(DEMO_SYNTH_SCALE, data_dir, seed=42, gzip=True)
    _require_generated(project, spec)
    out.print("generated models: up to date")
    if replay == "none":
        _load(project, spec, data_dir, None, database)
    else:
        _replay(spec, data_dir, replay, None, None, False, database)
    _build(project, spec, database, automate_dv)
    _report(project, database, None, in_demo=True)
    out.print(f"\ndemo finished in {time.monotonic() - started:.1f}s. Connect with:", markup=False)
    out.print(f"  psql '{database.conninfo() if not database.password else database.display_url()}'",
              markup=False)
    out.print("  or: eval \"$(dvkit db env)\" && cd dbt_vault && dbt build --profiles-dir .", markup=False)


def _register_compliance_commands() -> None:
    """trace, lineage, erase and db grant-reviewer live beside their library code."""
    import importlib

    for module in ("trace_cli", "lineage_cli", "erase_cli"):
        try:
            importlib.import_module(f"generator.compliance.{module}").register(main, db)
        except ModuleNotFoundError as exc:  # a command being written; the others still work
            if exc.name != f"generator.compliance.{module}":
                raise


_register_compliance_commands()
# `dvkit quarantine` lives beside the loader it reports on.
from generator.load import quarantine_cli  # noqa: E402  (after main and db exist)

quarantine_cli.register(main, db)

if __name__ == "__main__":  # pragma: no cover
    main()
