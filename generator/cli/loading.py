"""``dvkit load``: land the source files of a folder as one batch, or replay a snapshot by period."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from generator.cli.common import NO_WAIT, err, friendly, hold_vault, out, progress, project_spec, resolve_project
from generator.cli.quarantine import print_reconciliation, summary
from generator.errors import DvkitError

if TYPE_CHECKING:
    from generator.db import Database
    from generator.load.landing import Extract
    from generator.load.replay_rules import ReplayRules
    from generator.spec.model import Spec

def default_data(project: Path, spec: Spec) -> Path | None:
    """The folder the spec's ``settings: data_dir`` names, relative to the project, when it exists."""
    if spec.settings.data_dir is None:
        return None
    candidate = (project / spec.settings.data_dir).resolve()
    return candidate if candidate.is_dir() else None


@click.command()
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
@click.option("--full-extract", "full_extracts", multiple=True, metavar="SOURCE",
              help="This delivery of SOURCE is the whole table (repeatable): keys it lacks are recorded as "
                   "deleted by the source's status-tracking satellites. Sources declared `delivery: full` always are.")
@NO_WAIT
@click.pass_context
@friendly
def load(ctx: click.Context, data_dir: Path | None, load_time: dt.datetime | None, replay: str | None,
         start: dt.datetime | None, end: dt.datetime | None, full: bool, strict: bool,
         full_extracts: tuple[str, ...], no_wait: bool) -> None:
    """Load the source files of DATA_DIR (default: the settings' data_dir) as one batch, or replay them.

    Every source that is a table of the database (`table:` in the spec) is read in each load too; with
    only table sources, DATA_DIR may be left out.
    """
    from generator.db import resolve
    from generator.load.landing import file_extracts
    from generator.load.replay_rules import RULES_FILE, read_rules

    project = resolve_project(ctx)
    spec = project_spec(project)
    data_dir = data_dir or default_data(project, spec)
    has_tables = any(source.table is not None for source in spec.sources)
    if data_dir is None and (replay is not None or not has_tables):
        named = spec.settings.data_dir
        raise DvkitError("no data folder given" + (f", and the settings' data_dir ({named}) does not exist"
                                                   if named else ", and the spec's settings name none"),
                         hint="pass a folder (dvkit load DIR), or name one under `settings: data_dir:` in the spec")
    if replay is None and (start or end or full):
        raise DvkitError("--from, --to and --full go with --replay", hint="add --replay day|week|month")
    if replay is not None:
        if load_time is not None:
            raise DvkitError("--load-time does not go with --replay",
                             hint="each replayed batch's load time is its period end")
        if strict:
            raise DvkitError("--strict does not go with --replay",
                             hint="a replay sets bad rows aside; list them with `dvkit quarantine`")
        if full_extracts:
            raise DvkitError("--full-extract does not go with --replay",
                             hint="with --full every replayed batch is a full extract of every file")
    # A missing folder or a header lacking a column is said before connecting or waiting.
    found = file_extracts(spec, data_dir) if data_dir is not None else ([], [])
    for extract in found[0]:
        if extract.note:
            err.print(f"warning: {extract.note} (kept in landing.batch_files.note)", markup=False)
            err.print(f"  hint: to load it, declare it under the columns of source '{extract.source.name}' "
                      "and list it under a satellite's payload_added, then run dvkit generate; "
                      "`extra_columns: fail` refuses such files instead", markup=False)
    rules = read_rules(project / RULES_FILE) if replay is not None else None
    database = resolve(project)
    hold_vault(ctx, database, "load", not no_wait)
    if rules is not None and replay is not None and data_dir is not None:
        run_replay(spec, data_dir, replay, start.date() if start else None, end.date() if end else None, full,
                   database, rules, found[0])
        return
    run_load(spec, data_dir, load_time, database, strict, full_extracts, found)


def run_load(spec: Spec, data_dir: Path | None, load_time: dt.datetime | None, database: Database,
             strict: bool = False, full_extracts: tuple[str, ...] = (),
             found: tuple[list[Extract], list[str]] | None = None) -> None:
    """Land ``data_dir`` and the spec's table sources as one batch and print its reconciliation."""
    from generator.load.landing import load_batch

    started = time.monotonic()
    tables = [s.table for s in spec.sources if s.table is not None]
    err.print("loading " + " and ".join(([str(data_dir)] if data_dir is not None else [])
                                         + ([f"table(s) {', '.join(tables)}"] if tables else [])), markup=False)
    result = load_batch(database, spec, data_dir, load_time, progress("read"), strict=strict,
                        full_extracts=full_extracts, found=found)
    if result.duplicate_of is not None:
        out.print(f"batch {result.duplicate_of} already holds these files with this load time: nothing loaded",
                  markup=False)
        return
    print_reconciliation(result, out)
    # A file's undeclared columns were said before connecting; a table's are known once it is read.
    for source in spec.sources:
        if source.table is not None and source.name in result.notes:
            err.print(f"warning: {result.notes[source.name]} (kept in landing.batch_files.note)", markup=False)
    if result.skipped:
        out.print(f"no file for: {', '.join(result.skipped)}", markup=False)
    out.print(f"loaded {sum(result.rows.values()):,} rows in {time.monotonic() - started:.1f}s")


def run_replay(spec: Spec, data_dir: Path, period: str, start: dt.date | None, end: dt.date | None, full: bool,
               database: Database, rules: ReplayRules, extracts: list[Extract] | None = None) -> None:
    """Replay ``data_dir`` by ``rules``, one batch per period: a line per batch on stderr, the total on stdout."""
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

    steps = load_replay(database, spec, data_dir, period, start, end, full, on_batch=show, rules=rules,
                        extracts=extracts)
    new = [s for s in steps if s.result.duplicate_of is None]
    rows = sum(sum(s.result.rows.values()) for s in new)
    out.print(f"replay by {period}: {len(steps)} period(s), {len(new)} new batch(es), {rows:,} rows, "
              f"{len(steps) - len(new)} already loaded ({time.monotonic() - started:.1f}s)", markup=False)
    if new:
        out.print("run `dvkit build` to load the new batches into the vault, in order", markup=False)
