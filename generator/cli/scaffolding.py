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


@click.command("scaffold")
@click.argument("data_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("vault_spec"),
              show_default=True, help="Spec folder to write proposed.yml (and settings.yml, lacking settings) into.")
@click.option("--force", is_flag=True, help="Overwrite an existing proposed.yml.")
@friendly
def scaffold_command(data_dir: Path, out_dir: Path, force: bool) -> None:
    """Profile the CSV files of DATA_DIR (plain or .gz) and propose a spec for them.

    Each file becomes a source with typed columns; keys become hubs, foreign keys (a column whose
    values are all found in another file's key) links, and the other columns satellites, each with
    its evidence as YAML comments. With batch_* folders, the first is profiled and all of them show
    which columns change, to split satellites. The proposal is checked as dvkit validate does.
    """
    from generator.profile.scaffold import scaffold
    from generator.spec.validate import load_spec

    done = scaffold(data_dir, out_dir, force=force)
    proposal = done.proposal
    out.print(f"profiled {len(proposal.profiles)} file(s)"
              + (f" in {done.batches} batch folders" if done.batches else ""), markup=False)
    out.print(f"proposed {len(proposal.hubs)} hub(s), {len(proposal.links)} link(s), "
              f"{len(proposal.satellites)} satellite(s)", markup=False)
    for path in done.written:
        out.print(f"wrote {path}", markup=False)
    for note in proposal.skipped:
        err.print(f"note: {note}", markup=False)
    result = load_spec(out_dir, out_dir.resolve().parent)
    if not result.ok:
        for problem in result.problems:
            err.print(str(problem), markup=False)
        err.print(f"warning: the spec folder has {len(result.problems)} problem(s) with the proposal in it",
                  markup=False)
        return
    out.print("next: review the proposal, then dvkit validate and dvkit generate", markup=False)
