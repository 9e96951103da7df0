"""``dvkit init``: start a new project that validates, generates and builds as it stands."""

from __future__ import annotations

from pathlib import Path

import click

from generator.cli.common import err, friendly, out


@click.command("init")
@click.argument("directory", required=False, default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite the files init writes if they exist (others are left alone).")
@friendly
def init_command(directory: Path, force: bool) -> None:
    """Create a new dvkit project in DIRECTORY (default: the working folder).

    It holds a commented one-entity example spec, a sample data file, the hand-written parts of both
    dbt projects, a README and Makefile with the next commands, and a .gitignore.
    """
    from generator.scaffold import SAMPLE_DIR, init

    created = init(directory, force=force)
    out.print(f"created a dvkit project in {created.root} ({len(created.files)} files)", markup=False)
    for name in created.kept:
        err.print(f"note: kept the folder's own {name}", markup=False)
    if ".gitignore" in created.kept:
        err.print("  hint: add .dvkit/ and dbt's target/, logs/ and dbt_packages/ folders to it", markup=False)
    go = "" if directory.resolve() == Path.cwd().resolve() else f"cd {directory} && "
    out.print("next:", markup=False)
    for step in (f"{go}dvkit validate", "dvkit generate", f"dvkit load {SAMPLE_DIR}", "dvkit build"):
        out.print(f"  {step}", markup=False)
        go = ""
