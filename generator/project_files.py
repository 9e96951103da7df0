"""The dbt projects' hand-written files that ``dvkit init`` copies into a new project, and how they ship.

They live in the repository's ``dbt_vault/`` and ``business_vault/`` (the repository is a dvkit
project itself). A built package carries a copy of them under ``generator/project_template/``: the
packaging hook (``setup.py``) calls ``copy_templates`` while it builds, so a non-editable install has
them without the repository. This module imports nothing of dvkit, so the hook can run it before
dvkit's dependencies are installed.

>>> sorted(template_files(Path(__file__).resolve().parent.parent))[:2]
['business_vault/dbt_project.yml', 'business_vault/macros/current_rows.sql']
"""

from __future__ import annotations

import shutil
from pathlib import Path

DBT_PROJECT = "dbt_vault"
BUSINESS_PROJECT = "business_vault"
# The hand-written parts of the dbt projects; the rest of them is written by `dvkit generate`.
RAW_STATIC = ("profiles.yml", "packages.yml", "macros", "automate_dv_local")
BUSINESS_STATIC = ("dbt_project.yml", "profiles.yml", "macros")
# What a run of dbt or Python leaves in a checkout's folders: never copied, never shipped.
LEFTOVERS = frozenset({"__pycache__", "target", "logs", "dbt_packages", ".user.yml"})
# Where a built package keeps its copy, inside the ``generator`` package.
PACKAGED = "project_template"


def template_files(root: Path) -> list[str]:
    """The hand-written files under ``root`` (a folder holding both dbt projects), relative to it."""
    files: list[str] = []
    for project, names in ((DBT_PROJECT, RAW_STATIC), (BUSINESS_PROJECT, BUSINESS_STATIC)):
        for name in names:
            source = root / project / name
            if source.is_dir():
                files += sorted(p.relative_to(root).as_posix() for p in source.rglob("*")
                                if p.is_file() and not LEFTOVERS & set(p.relative_to(source).parts))
            else:
                files.append(f"{project}/{name}")
    return files


def copy_templates(root: Path, package_dir: Path) -> list[Path]:
    """Copy the hand-written files of ``root`` into ``package_dir/project_template``; the files written."""
    written = []
    for name in template_files(root):
        target = package_dir / PACKAGED / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(root / name, target)
        written.append(target)
    return written
