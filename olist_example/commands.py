"""``dvkit synth``, ``dvkit report`` and ``dvkit demo``: the Olist example's commands.

They join ``dvkit`` as plugins: ``pyproject.toml`` registers each under the entry point group
``dvkit.commands``, and ``generator.cli`` finds them there without naming this package.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from generator.cli.building import require_generated, run_build
from generator.cli.common import (
    AUTOMATE_DV,
    NO_WAIT,
    friendly,
    hold_vault,
    out,
    progress,
    project_spec,
    resolve_project,
)
from generator.cli.loading import default_data, run_load, run_replay
from generator.errors import DvkitError

if TYPE_CHECKING:
    from generator.db import Database

DEMO_SYNTH_SCALE = 0.05


@click.command()
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
@click.option("--delete-rate", "delete_rate", type=float, default=0.0, show_default=True,
              help="With --batches: each change batch also delivers the orders file whole (a full extract), "
                   "without the orders purged at the source: this fraction of the held ones per batch, "
                   "half of which come back in the next. Load it with --full-extract orders.")
@friendly
def synth(scale: float, out_dir: Path, seed: int, use_gzip: bool, batches: int, change_rate: float | None,
          delete_rate: float) -> None:
    """Write synthetic Olist files (Kaggle's format) for machines without the real data."""
    import math

    from olist_example.synth import generate as synth_generate
    from olist_example.synth import generate_batches
    from olist_example.synth.batches import MAX_BATCHES

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
    if delete_rate and batches == 0:
        raise DvkitError("--delete-rate goes with --batches", hint="add --batches N (N change batches)")
    if not 0 <= delete_rate <= 1:
        raise DvkitError(f"--delete-rate must be from 0 to 1, got {delete_rate}",
                         hint="0.01 purges 1% of the orders in each batch")
    started = time.monotonic()
    wrote = progress("wrote")
    out_dir.mkdir(parents=True, exist_ok=True)
    if batches == 0:
        counts = synth_generate(scale, out_dir, seed=seed, gzip=use_gzip, progress=wrote)
        for name, rows in sorted(counts.items()):
            out.print(f"{name}: {rows:,} rows", markup=False)
    else:
        for batch in generate_batches(scale, out_dir, seed=seed, batches=batches, change_rate=rate,
                                      gzip=use_gzip, progress=wrote, delete_rate=delete_rate):
            files = ", ".join(f"{name} {rows:,}" + (" (full extract)" if name in batch.full_extracts else "")
                              for name, rows in sorted(batch.files.items()))
            out.print(f"{batch.dir} ({batch.kind}): {files or 'no changes'}", markup=False)
    described = f"scale {scale}, seed {seed}" + (f", {batches} change batch(es) at rate {rate}" if batches else "")
    out.print(f"synthetic Olist ({described}) in {out_dir} ({time.monotonic() - started:.1f}s)", markup=False)


def show_report(project: Path, database: Database, png: Path | None, in_demo: bool = False) -> None:
    """Print the analyst's report and write its chart; in the demo, missing marts are said, not raised."""
    from olist_example.report import MartsMissing, build_report, print_report, write_chart

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


@click.command()
@click.option("--png", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the chart (default: .dvkit/report.png in the project).")
@click.pass_context
@friendly
def report(ctx: click.Context, png: Path | None) -> None:
    """Print the analyst's report from the marts (orders, late deliveries, top sellers) and chart it as a PNG."""
    from generator.db import resolve
    from olist_example.report import require_matplotlib

    require_matplotlib()
    project = resolve_project(ctx)
    show_report(project, resolve(project), png)


@click.command()
@click.option("--data", "data_dir", type=click.Path(path_type=Path), default=None,
              help="Data folder (default: the spec settings' data_dir, else a small synthetic set).")
@click.option("--replay", type=click.Choice(["day", "week", "month", "none"]), default="month", show_default=True,
              help="Load the snapshot as one batch per period (real history), or in one batch (none).")
@AUTOMATE_DV
@NO_WAIT
@click.pass_context
@friendly
def demo(ctx: click.Context, data_dir: Path | None, replay: str, automate_dv: str, no_wait: bool) -> None:
    """Start the database, load (replayed by month), check generation, build, report and show how to connect."""
    from generator.db import resolve
    from generator.load.replay_rules import RULES_FILE, read_rules
    from olist_example.report import require_matplotlib

    require_matplotlib()  # before the long part: the demo ends with the chart
    started = time.monotonic()
    project = resolve_project(ctx)
    spec = project_spec(project)
    database = resolve(project)
    out.print(f"database: {database.display_url()}", markup=False)
    hold_vault(ctx, database, "demo", not no_wait)
    data_dir = data_dir or default_data(project, spec)
    if data_dir is not None:
        out.print(f"data: real Olist files in {data_dir}", markup=False)
    else:
        from olist_example.synth import generate as synth_generate

        data_dir = project / ".dvkit" / "synth-data"
        out.print(f"data: no real Olist data found; generating a synthetic set (scale {DEMO_SYNTH_SCALE}) "
                  f"in {data_dir}", markup=False)
        data_dir.mkdir(parents=True, exist_ok=True)
        synth_generate(DEMO_SYNTH_SCALE, data_dir, seed=42, gzip=True)
    require_generated(project, spec)
    out.print("generated models: up to date")
    if replay == "none":
        run_load(spec, data_dir, None, database)
    else:
        run_replay(spec, data_dir, replay, None, None, False, database, read_rules(project / RULES_FILE))
    run_build(project, spec, database, automate_dv)
    show_report(project, database, None, in_demo=True)
    out.print(f"\ndemo finished in {time.monotonic() - started:.1f}s. Connect with:", markup=False)
    out.print(f"  psql '{database.conninfo() if not database.password else database.display_url()}'",
              markup=False)
    out.print("  or: eval \"$(dvkit db env)\" && cd dbt_vault && dbt build --profiles-dir .", markup=False)
