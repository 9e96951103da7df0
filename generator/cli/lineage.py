"""``dvkit lineage MODEL.COLUMN``: where a column comes from, as a tree or as JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.text import Text
from rich.tree import Tree

from generator.cli.common import err, friendly, out, project_spec, resolve_project

if TYPE_CHECKING:  # at run time only the command imports it: sqlglot would slow every other command
    from generator.compliance.lineage import LineageNode
    from generator.db import Database

DERIVATION_WIDTH = 140


def _label(node: LineageNode, title: str | None = None) -> Text:
    text = Text(title or node.label, style="bold" if node.kind == "csv" else "", no_wrap=False, overflow="fold")
    if node.kind not in ("csv", "constant"):
        text.append(f"  [{node.kind}]", style="dim")
    if node.derivation:
        shown = " ; ".join(node.derivation)
        if len(shown) > DERIVATION_WIDTH:
            shown = shown[:DERIVATION_WIDTH - 3] + "..."
        text.append(f"  = {shown}", style="dim")
    return text


def render_tree(target: str, node: LineageNode) -> Tree:
    """A rich Tree from the column down to the CSV columns; a subtree met again shows '(as above)'."""
    tree = Tree(_label(node, f"{target} ({node.label})"))
    expanded: set[int] = set()

    def grow(branch: Tree, parent: LineageNode) -> None:
        for child in parent.inputs:
            label = _label(child)
            if child.inputs and id(child) in expanded:
                label.append("  (as above)", style="dim")
                branch.add(label)
                continue
            expanded.add(id(child))
            grow(branch.add(label), child)

    grow(tree, node)
    return tree


def _width(target: str, node: LineageNode) -> int:
    """The columns the tree needs so that no label is cut."""
    widest = len(_label(node, f"{target} ({node.label})"))

    def visit(parent: LineageNode, depth: int, seen: set[int]) -> None:
        nonlocal widest
        for child in parent.inputs:
            widest = max(widest, 4 * depth + len(_label(child)) + len("  (as above)"))
            if id(child) not in seen:
                seen.add(id(child))
                visit(child, depth + 1, seen)

    visit(node, 1, set())
    return widest + 1


def summary(node: LineageNode) -> str:
    leaves = node.leaves()
    files = [leaf.label for leaf in leaves if leaf.kind == "csv"]
    constants = [leaf for leaf in leaves if leaf.kind == "constant"]
    line = f"{len(files)} source column(s)" + (f": {', '.join(files)}" if files else "")
    if constants:
        line += f"; {len(constants)} constant(s)"
    return line


def _database(project: Path) -> Database | None:
    """The project's database when it can be reached, else None (the compiled SQL then suffices)."""
    from generator.db import resolve
    from generator.errors import DvkitError

    try:
        database = resolve(project)
        with database.connect():
            pass
        return database
    except DvkitError as exc:
        err.print(f"note: no database ({exc.message}); columns behind select * come from the compiled SQL",
                  markup=False)
        return None


@click.command("lineage")
@click.argument("target", metavar="MODEL.COLUMN")
@click.option("--format", "fmt", type=click.Choice(["tree", "json"]), default="tree", show_default=True,
              help="A tree for people, or JSON: {column, node: {relation, column, kind, derivation, value, "
                   "inputs}}.")
@click.pass_context
@friendly
def lineage_command(ctx: click.Context, target: str, fmt: str) -> None:
    """Where a mart or business-vault column comes from, down to the source CSV column.

    Traced with sqlglot over the SQL dbt compiled for both dbt projects: marts and business
    vault, raw vault, staging, landing, then the file and column of the spec's source.
    """
    from generator.compliance.lineage import lineage, to_json

    project = resolve_project(ctx)
    spec = project_spec(project)
    node = lineage(project, spec, _database(project), target)
    name = target.strip()
    if fmt == "json":
        out.print(json.dumps(to_json(name, node), indent=2), markup=False, emoji=False, highlight=False)
        return
    tree = render_tree(name, node)
    if out.is_terminal:
        out.print(tree)  # long labels fold within the terminal's width
    else:
        # Piped or captured: one line per column, never cut or folded, so that grep finds it.
        wide = Console(file=out.file, width=max(out.width, _width(name, node)), highlight=False,
                       soft_wrap=True, color_system=None)
        wide.print(tree)
    out.print(summary(node), markup=False, emoji=False)
