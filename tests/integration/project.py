"""Build a throwaway dvkit project (spec + generated dbt project) for integration tests."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

from generator.render.plan import plan
from generator.render.writer import write
from generator.spec.model import Spec
from generator.spec.validate import load_spec

from ..conftest import REPO

# The hand-written parts of the dbt project; everything under models/ is generated.
STATIC = ("profiles.yml", "packages.yml", "macros", "automate_dv_local")


def make_project(root: Path, spec_files: dict[str, str] | None = None) -> tuple[Path, Spec]:
    """Write ``spec_files`` (or the repository's own spec) and generate the dbt project beside it."""
    (root / "vault_spec").mkdir(parents=True)
    if spec_files is None:
        shutil.copytree(REPO / "vault_spec", root / "vault_spec", dirs_exist_ok=True)
    else:
        for name, text in spec_files.items():
            (root / "vault_spec" / name).write_text(textwrap.dedent(text), encoding="utf-8")
    for name in STATIC:
        source = REPO / "dbt_vault" / name
        target = root / "dbt_vault" / name
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    result = load_spec(root / "vault_spec", root)
    assert result.spec is not None, [str(p) for p in result.problems]
    write(plan(result.spec), root)
    return root, result.spec
