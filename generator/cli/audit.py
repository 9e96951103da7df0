"""``dvkit audit``: the audit trail of loads, builds, erasures (report), and ``dvkit audit verify`` (its chain)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from generator.cli.common import err, friendly, out, resolve_project
from generator.errors import DvkitError

FORMATS = ("table", "json", "csv", "html")
TAMPERED = 3  # exit status of `dvkit audit verify` when the chain is broken
DATE = click.DateTime(formats=["%Y-%m-%d"])


@click.group("audit", invoke_without_command=True)
@click.option("--from", "first", type=DATE, default=None, help="First day of the period (UTC; default: the start).")
@click.option("--to", "last", type=DATE, default=None, help="Last day of the period, included (UTC; default: the end).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
              help="table for the terminal, json (stored rows with hashes), csv (a line per file), html (a page).")
@click.option("--out", "out_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to FILE instead of stdout.")
@click.pass_context
@friendly
def audit_command(ctx: click.Context, first: dt.datetime | None, last: dt.datetime | None, fmt: str,
                  out_file: Path | None) -> None:
    """Who loaded, built, rebuilt and erased what, when, and how it ended, ordered by time then id.

    Loads list each file with its SHA-256 and rows read, loaded and set aside; erasures their id and
    hub key (never a business key). `dvkit audit verify` checks that no row was changed or removed.
    """
    if ctx.invoked_subcommand is not None:
        return
    from generator.compliance import audit, audit_report
    from generator.db import resolve

    if first and last and first > last:
        raise DvkitError(f"--from {first.date()} is after --to {last.date()}", hint="swap them")
    period = audit_report.Period(first.date() if first else None, last.date() if last else None)
    start, end = period.bounds()
    with resolve(resolve_project(ctx)).connect() as conn:
        rows = list(audit.rows(conn, start, end))
    if fmt == "table":
        text = audit_report.to_table(rows, period)
    elif fmt == "json":
        text = audit_report.to_json(rows, period)
    elif fmt == "csv":
        text = audit_report.to_csv(rows)
    else:
        text = audit_report.to_html(rows, period, _version())
    if out_file is None:
        click.echo(text, nl=False)
        return
    try:
        out_file.parent.mkdir(parents=True, exist_ok=True)
        out_file.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise DvkitError(f"cannot write {out_file}: {exc.strerror}", hint="choose another --out") from None
    out.print(f"{fmt} audit report ({len(rows)} row(s), {period.label()}) written to {out_file}", markup=False)


@audit_command.command("verify")
@click.option("--anchor", default=None, metavar="ID:HASH",
              help="A row id and hash noted from an earlier verify: also check it is still there, unchanged "
                   "(shows rows cut off the end of the log).")
@click.pass_context
@friendly
def verify_command(ctx: click.Context, anchor: str | None) -> None:
    """Recompute the hash chain of the audit log; name the first row changed, missing or out of order.

    Exit status 0 when the log is intact, 3 when it is not.
    """
    from generator.compliance import audit
    from generator.db import resolve

    noted = _parse_anchor(anchor) if anchor else None
    with resolve(resolve_project(ctx)).connect() as conn:
        verdict = audit.verify(conn)
        anchored = audit.check_anchor(conn, *noted) if noted and verdict.intact else None
    if not verdict.intact or anchored:
        err.print(f"[bold red]audit log broken:[/] {verdict.problem or anchored}", markup=True)
        if verdict.last_id is not None:
            err.print(f"  rows 1..{verdict.last_id} are intact", markup=False)
        sys.exit(TAMPERED)
    if verdict.rows == 0:
        out.print("audit log intact: it is empty", markup=False)
        return
    out.print(f"audit log intact: {verdict.rows} row(s); last row {verdict.last_id}, hash {verdict.last_hash}",
              markup=False)
    out.print(f"  note it elsewhere; `dvkit audit verify --anchor {verdict.last_id}:{verdict.last_hash}` "
              "later also shows rows cut off the end", markup=False)


def _parse_anchor(text: str) -> tuple[int, str]:
    """``ID:HASH`` as an id and a hash."""
    head, _, digest = text.partition(":")
    if not head.strip().isdigit() or len(digest.strip()) != 64:
        raise DvkitError(f"--anchor '{text}' is not ID:HASH",
                         hint="e.g. --anchor 17:<the 64 hex digits verify printed>")
    return int(head), digest.strip()


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("dvkit")
    except PackageNotFoundError:  # a bare checkout
        return "unknown"
