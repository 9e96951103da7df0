"""What every ``dvkit`` command shares: the consoles, the project, the spec and friendly errors.

User mistakes end with one clear message and exit status 1, never a traceback: ``friendly`` does it.
The command modules of this package, and command plugins, build on these helpers.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
import psycopg
from rich.console import Console

from generator.errors import DvkitError

if TYPE_CHECKING:
    from generator.spec.model import Spec

F = TypeVar("F", bound=Callable[..., Any])
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def find_project(start: Path) -> Path:
    """The nearest folder, from ``start`` upwards, that holds ``vault_spec/``."""
    for folder in (start, *start.parents):
        if (folder / "vault_spec").is_dir():
            return folder
    raise DvkitError(f"no vault_spec/ folder in {start} or above",
                     hint="run dvkit inside a dvkit project, or create one with `dvkit init DIR`")


def friendly(func: F) -> F:
    """Turn DvkitError (and Ctrl-C) into a message and exit status 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except DvkitError as exc:
            err.print(f"[bold red]error:[/] {exc.message}", markup=True)
            if exc.hint:
                err.print(f"  hint: {exc.hint}", markup=False)
            sys.exit(1)
        except KeyboardInterrupt:
            err.print("interrupted")
            sys.exit(130)
        except psycopg.errors.InsufficientPrivilege as exc:
            err.print(f"[bold red]error:[/] permission denied: {exc.diag.message_primary or exc}", markup=True)
            err.print("  hint: this database role may not do that; a reviewer role is granted by "
                      "`dvkit db grant-reviewer ROLE` (run it again after the spec gains sources)", markup=False)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


def resolve_project(ctx: click.Context) -> Path:
    """The project folder: ``dvkit --project`` if given, else the nearest one above the working folder."""
    given = ctx.find_root().obj.get("project_arg")
    project = find_project(Path(given).resolve() if given else Path.cwd())
    ctx.obj["project"] = project
    return project


def project_spec(project: Path) -> Spec:
    """The project's spec; its problems are printed and end the command."""
    from generator.spec.validate import load_spec

    result = load_spec(project / "vault_spec", project)
    if not result.ok:
        for problem in result.problems:
            err.print(str(problem), markup=False)
        raise DvkitError(f"the spec has {len(result.problems)} problem(s)", hint="fix them and run again")
    assert result.spec is not None
    return result.spec


def progress(label: str) -> Callable[[str, int], None]:
    """A row counter for long reads and writes, printed on stderr."""
    from generator.progress import row_reporter

    return row_reporter(label, lambda line: err.print(f"  {line}", markup=False))


def say(message: str) -> None:
    """Print a library's log line on stderr, as is."""
    err.print(message, markup=False)


def hold_vault(ctx: click.Context, database: Any, command: str, wait: bool = True) -> None:
    """Hold the vault's lock until the command ends (click closes the context): one writer at a time."""
    from generator.lock import vault_lock

    ctx.with_resource(vault_lock(database, command, wait, functools.partial(err.print, markup=False)))


NO_WAIT = click.option(
    "--no-wait", "no_wait", is_flag=True,
    help="If another load, build or erase is using the database, stop at once (exit 1) instead of waiting.")

AUTOMATE_DV = click.option(
    "--automate-dv", "automate_dv", type=click.Choice(["auto", "hub", "builtin"]),
    default=lambda: os.environ.get("DVKIT_AUTOMATE_DV", "auto"), show_default="auto",
    help="Which AutomateDV to use: the hub release if available (auto), only it (hub), or dvkit's own.")
