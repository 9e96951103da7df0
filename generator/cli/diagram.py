"""``dvkit diagram``: the raw vault's hubs, links and satellites as a Mermaid flowchart."""

from __future__ import annotations

from pathlib import Path

import click

from generator.cli.common import err, friendly, out, project_spec, resolve_project


@click.command("diagram")
@click.option("--out", "out_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to FILE instead of stdout; a FILE ending in .md gets a ```mermaid fenced block.")
@click.pass_context
@friendly
def diagram_command(ctx: click.Context, out_file: Path | None) -> None:
    """Draw the raw vault as a Mermaid flowchart, one subgraph per spec file.

    Hubs are rectangles, links hexagons, satellites (of every kind) rounded and reference tables
    cylinders, each labelled with its table's name. The text depends only on the spec.
    """
    from generator.diagram import markdown, mermaid

    spec = project_spec(resolve_project(ctx))
    if out_file is None:
        out.print(mermaid(spec), end="", markup=False)
        return
    text = markdown(spec) if out_file.suffix.lower() == ".md" else mermaid(spec)
    out_file.write_text(text, encoding="utf-8")
    err.print(f"wrote {out_file}", markup=False)
