"""``dvkit trace ENTITY KEY``: the history of one business key, for a compliance reviewer."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import TextIO

import click

from generator.cli.common import friendly, out, project_spec, resolve_project
from generator.errors import DvkitError

FORMATS = ("table", "json", "html")
PIPE_WIDTH = 4000  # not a terminal: wide enough that no line of the table is wrapped


def parse_as_of(text: str | None) -> dt.datetime | None:
    """An ISO-8601 date or time (``2017-10-15``, ``2017-10-15 12:00:00``, ``...T12:00:00+02:00``, ``...Z``)."""
    if text is None:
        return None
    cleaned = text.strip()
    if cleaned.endswith(("Z", "z")):
        cleaned = cleaned[:-1] + "+00:00"
    try:
        return dt.datetime.fromisoformat(cleaned)
    except ValueError:
        raise DvkitError(f"--as-of: '{text}' is not a date or time",
                         hint="use ISO 8601, e.g. 2017-10-15 or '2017-10-15 13:45:00'") from None


def default_html_path(project: Path, entity: str, key: str) -> Path:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", key).strip("._") or "key"
    return project / ".dvkit" / f"trace-{entity}-{safe[:100]}.html"


@click.command("trace")
@click.argument("entity")
@click.argument("key")
@click.option("--as-of", "as_of", default=None, metavar="TIMESTAMP",
              help="Only what the vault knew then (ISO 8601; a date means its midnight; naive = UTC).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
              help="table for the terminal, json (documented, stable), html (a printable dossier).")
@click.option("--out", "out_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to FILE (default: stdout; html: .dvkit/trace-ENTITY-KEY.html).")
@click.pass_context
@friendly
def trace_command(ctx: click.Context, entity: str, key: str, as_of: str | None, fmt: str,
                  out_file: Path | None) -> None:
    """Every version of every satellite, link and erasure of one KEY of hub ENTITY, in time order.

    KEY is typed as a person would (any case, stray spaces): it is hashed like the vault hashes it.
    A key the hub does not use (Olist's customer_id for hub customer) is found through the spec's lookups.
    Each event shows its load time, effective time, record source, batch, source file and line,
    and what changed since the previous version.
    """
    from rich.console import Console

    from generator.compliance.trace import trace
    from generator.compliance.trace_render import to_html, to_json, to_table
    from generator.db import resolve

    as_of_time = parse_as_of(as_of)
    project = resolve_project(ctx)
    spec = project_spec(project)
    result = trace(resolve(project), spec, entity, key, as_of_time)
    if fmt == "table":
        if out_file is None:
            # Piped or redirected, rich would wrap at 80 columns: a file or a grep wants whole lines.
            to_table(result, out if out.is_terminal else Console(width=PIPE_WIDTH, highlight=False, soft_wrap=False,
                                                                color_system=None))
            return
        with _open(out_file) as handle:
            to_table(result, Console(file=handle, width=160, highlight=False, soft_wrap=False, color_system=None))
        out.print(f"trace written to {out_file}", markup=False)
        return
    if fmt == "json":
        text = to_json(result)
        if out_file is None:
            click.echo(text, nl=False)
            return
    else:
        text = to_html(result)
        out_file = out_file or default_html_path(project, result.entity, result.key)
    try:
        out_file.parent.mkdir(parents=True, exist_ok=True)
        out_file.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise DvkitError(f"cannot write {out_file}: {exc.strerror}", hint="choose another --out") from None
    out.print(f"{fmt} trace of {result.entity} {result.key} ({len(result.events)} events) written to {out_file}",
              markup=False)


def _open(path: Path) -> TextIO:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return path.open("w", encoding="utf-8")
    except OSError as exc:
        raise DvkitError(f"cannot write {path}: {exc.strerror}", hint="choose another --out") from None
