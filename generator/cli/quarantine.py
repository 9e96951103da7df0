"""``dvkit quarantine``: the source rows ``dvkit load`` set aside, and each load's reconciliation."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from generator.cli.common import friendly, out, resolve_project

if TYPE_CHECKING:
    from rich.console import Console

    from generator.load.landing import BatchResult
    from generator.load.quarantine import Quarantined

FORMATS = ("table", "json")
RAW_WIDTH = 80  # characters of a raw row shown in the table (json has all of it)


@click.command("quarantine")
@click.option("--batch", "batch_id", type=int, default=None, help="Only this batch (default: every batch).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
              help="table for the terminal; json: {rows: [...], files: [...]}, every raw text in full.")
@click.pass_context
@friendly
def quarantine_command(ctx: click.Context, batch_id: int | None, fmt: str) -> None:
    """List the source rows set aside by `dvkit load`: file, line, reason and raw text.

    Also shows, per file, the reconciliation: rows read = rows loaded + rows quarantined
    (every file of the batch with --batch, else the files that had rows set aside).
    """
    from generator.db import resolve
    from generator.load.quarantine import quarantined

    with resolve(resolve_project(ctx)).connect() as conn:
        found = quarantined(conn, batch_id)
    if fmt == "json":
        click.echo(to_json(found))
    else:
        print_quarantined(found, batch_id, out)


def to_json(found: Quarantined) -> str:
    """``{"rows": [{batch_id, source, file_name, line, reason, raw}], "files": [{batch_id, source,
    file_name, rows_read, rows_loaded, rows_quarantined}]}``."""
    files = [vars(count) for count in found.files]
    return json.dumps({"rows": found.rows, "files": files}, ensure_ascii=False, indent=2)


def print_quarantined(found: Quarantined, batch_id: int | None, console: Console) -> None:
    from rich.table import Column, Table

    from generator.load.quarantine import shorten

    where = f"batch {batch_id}" if batch_id is not None else "any batch"
    if found.rows:
        table = Table("batch", Column("where", overflow="fold"), Column("reason", overflow="fold"),
                      Column("raw", overflow="fold"), title="rows set aside")
        for row in found.rows:
            raw = str(row["raw"])
            table.add_row(str(row["batch_id"]), f"{row['file_name']}:{row['line']}", str(row["reason"]),
                          shorten(raw, RAW_WIDTH) if raw else "(nothing)")
        console.print(table)
    if found.files:
        _print_files(found, console)
    if found.rows:
        console.print(f"{len(found.rows):,} row(s) set aside in {where}; each file: read = loaded + quarantined",
                      markup=False)
    else:
        console.print(f"no rows set aside in {where}", markup=False)


def _print_files(found: Quarantined, console: Console) -> None:
    from rich.table import Column, Table

    table = Table("batch", Column("source", overflow="fold"), Column("file", overflow="fold"),
                  Column("read", justify="right"), Column("loaded", justify="right"),
                  Column("quarantined", justify="right"), title="reconciliation")
    for count in found.files:
        table.add_row(str(count.batch_id), count.source, count.file_name, f"{count.rows_read:,}",
                      f"{count.rows_loaded:,}", f"{count.rows_quarantined:,}")
    console.print(table)


def print_reconciliation(result: BatchResult, console: Console) -> None:
    """What ``dvkit load`` prints for a batch: per file, rows read = loaded + quarantined, and the
    first rows set aside."""
    from rich.table import Column, Table

    table = Table(Column("source", overflow="fold"), Column("file", overflow="fold"),
                  Column("read", justify="right"), Column("loaded", justify="right"),
                  Column("quarantined", justify="right"),
                  title=f"batch {result.batch_id} (load time {result.load_ts})")
    for name in sorted(result.rows):
        table.add_row(name, result.files.get(name, ""), f"{result.read.get(name, 0):,}", f"{result.rows[name]:,}",
                      f"{result.quarantined.get(name, 0):,}")
    console.print(table)
    read, loaded, aside = (sum(counts.values()) for counts in (result.read, result.rows, result.quarantined))
    console.print(f"read {read:,} = loaded {loaded:,} + quarantined {aside:,}", markup=False)
    if aside:
        for problem in result.problems:
            console.print(f"  {problem}", markup=False)
        if aside > len(result.problems):
            console.print(f"  ... and {aside - len(result.problems):,} more", markup=False)
        console.print(f"see them all with `dvkit quarantine --batch {result.batch_id}`", markup=False)
    erased = sum(result.erased.values())
    if erased:
        console.print(f"kept erased: {erased:,} row(s) of keys erased before lost their personal columns as they "
                      f"landed ({', '.join(f'{name} {count:,}' for name, count in result.erased.items())}; "
                      "landing.batch_files.rows_erased)", markup=False)


def summary(result: BatchResult) -> str:
    """One line for a replayed batch: ``7,790 rows (1,280 quarantined)``."""
    aside = sum(result.quarantined.values())
    loaded = sum(result.rows.values())
    erased = sum(result.erased.values())
    return (f"{loaded:,} rows" + (f" ({aside:,} quarantined)" if aside else "")
            + (f" ({erased:,} kept erased)" if erased else ""))
