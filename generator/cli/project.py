"""``dvkit validate`` and ``dvkit generate``: check the spec, render the vault's dbt models."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from generator.cli.common import err, friendly, out, project_spec, resolve_project


@click.command()
@click.option("--spec", "spec_dir", type=click.Path(path_type=Path), default=None,
              help="Spec folder to check (default: the project's vault_spec/).")
@click.pass_context
@friendly
def validate(ctx: click.Context, spec_dir: Path | None) -> None:
    """Check the spec and list every problem as path:line: message."""
    from generator.spec.validate import load_spec

    in_project = spec_dir is None
    if spec_dir is None:
        project = resolve_project(ctx)
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
    # A valid spec can still change what a hash is made of: said here too, not only by generate.
    from generator.render.drift import changes, definitions, read_definitions

    for change in changes(read_definitions(root), definitions(spec)) if in_project else []:
        err.print(f"warning: {change}", markup=False)
    out.print(f"spec ok: {len(spec.sources)} sources, {len(spec.hubs)} hubs, {len(spec.links)} links, "
              f"{len(spec.satellites)} satellites ({len(result.files)} files)")


@click.command()
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

    project = resolve_project(ctx)
    spec = project_spec(project)
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
