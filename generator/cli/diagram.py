"""``dvkit diagram``: the raw vault's hubs, links and satellites as Mermaid text, an SVG or a PNG picture."""

from __future__ import annotations

from pathlib import Path

import click

from generator.cli.common import err, friendly, out, project_spec, resolve_project
from generator.errors import DvkitError

FORMATS = ("mermaid", "svg", "png")  # as generator.diagram.FORMATS, without importing it for --help


@click.command("diagram")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="mermaid (text, the default), svg or png (needs matplotlib); "
                   "without it, an --out FILE ending in .svg or .png names the format.")
@click.option("-o", "--out", "out_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to FILE instead of stdout; Mermaid into a FILE ending in .md gets a ```mermaid fenced block.")
@click.pass_context
@friendly
def diagram_command(ctx: click.Context, fmt: str | None, out_file: Path | None) -> None:
    """Draw the raw vault: Mermaid text for pull requests, or an SVG or PNG picture.

    Hubs are rectangles, links hexagons, satellites (of every kind) rounded and reference tables
    cylinders, each labelled with its table's name, its kind and its spec file. The Mermaid text has
    one subgraph per spec file; the pictures put hubs in the middle, links to their left and each
    table's satellites beside it. The output depends only on the spec.
    """
    from generator.diagram.files import fmt_for, render, write

    chosen = fmt_for(fmt, out_file.name if out_file else None)
    if chosen == "png" and out_file is None:
        raise DvkitError("a PNG picture is not written to the terminal", hint="add -o diagram.png, or use --format svg")
    spec = project_spec(resolve_project(ctx))
    content = render(spec, chosen, out_file.name if out_file else None)
    if out_file is None:
        assert isinstance(content, str)
        out.print(content, end="", markup=False)
        return
    write(out_file, content)
    err.print(f"wrote {out_file}", markup=False)
