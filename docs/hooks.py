"""MkDocs hook: pages rendered from the code when the site is built, so they cannot go stale.

- ``reference/spec.md``: every section and key of the spec, from the JSON Schema
  (``generator/spec/reference.py``);
- ``reference/cli.md``: every ``dvkit`` command with its ``--help``, from the command line itself.

Registered in ``mkdocs.yml`` under ``hooks:``; ``make docs`` builds the site with ``--strict``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

# The checkout this file belongs to, not whatever copy of dvkit the environment has installed. Imported
# now, while the path holds it (MkDocs may restore sys.path after loading hooks): the package's
# submodules then load from the same checkout.
REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
import generator  # noqa: E402,F401

WIDTH = 100  # help text is wrapped as on a terminal of this width, whatever the builder's terminal


def _commands(command: click.Command, ctx: click.Context) -> list[tuple[click.Context, click.Command]]:
    """``command`` and every subcommand below it, depth first, in the order ``--help`` lists them."""
    found = [(ctx, command)]
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                found += _commands(sub, click.Context(sub, info_name=name, parent=ctx, terminal_width=WIDTH,
                                                      max_content_width=WIDTH))
    return found


def render_cli() -> str:
    """The command reference: one section per command, its help as ``dvkit COMMAND --help`` prints it."""
    from generator.cli import main

    root = click.Context(main, info_name="dvkit", terminal_width=WIDTH, max_content_width=WIDTH)
    lines = [
        "# Command reference",
        "",
        "<!-- Rendered from the command line when the site is built; edit the commands' help, not this page. -->",
        "",
        "Every `dvkit` command, with the help it prints (`dvkit COMMAND --help`). The guides explain when",
        "to use each one.",
    ]
    for ctx, command in _commands(main, root):
        path = ctx.command_path
        lines += ["", f"## `{path}`", "", "```text", command.get_help(ctx).rstrip(), "```"]
    return "\n".join(lines) + "\n"


def render_spec() -> str:
    from generator.spec.reference import render

    return render()


PAGES = {"reference/spec.md": render_spec, "reference/cli.md": render_cli}


def on_files(files: Any, config: Any) -> Any:
    """Add the rendered pages to the site (MkDocs calls this once the docs folder is read)."""
    from mkdocs.structure.files import File

    for uri, render in PAGES.items():
        files.append(File.generated(config, uri, content=render()))
    return files
