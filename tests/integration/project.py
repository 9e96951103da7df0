"""Build a throwaway dvkit project (spec + generated dbt project) for integration tests."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

from generator.load.replay_rules import RULES_FILE
from generator.render.plan import plan
from generator.render.writer import write
from generator.spec.model import Spec
from generator.spec.validate import load_spec

from ..conftest import REPO

# The hand-written parts of the dbt projects; the models of dbt_vault/ are all generated.
STATIC = ("profiles.yml", "packages.yml", "macros", "automate_dv_local")
BUSINESS_STATIC = ("dbt_project.yml", "profiles.yml", "macros")


def make_project(root: Path, spec_files: dict[str, str] | None = None,
                 business_vault: str = "none") -> tuple[Path, Spec]:
    """Write ``spec_files`` (or the repository's own spec) and generate the dbt project beside it.

    ``business_vault``: "none" builds no business vault; "generated" builds its generated models
    (PITs, bridges); "all" adds the hand-written computed satellites and marts too.
    """
    (root / "vault_spec").mkdir(parents=True)
    if spec_files is None:
        shutil.copytree(REPO / "vault_spec", root / "vault_spec", dirs_exist_ok=True)
    else:
        for name, text in spec_files.items():
            (root / "vault_spec" / name).write_text(textwrap.dedent(text), encoding="utf-8")
    shutil.copy2(REPO / RULES_FILE, root / RULES_FILE)  # how `dvkit load --replay` replays the Olist snapshot
    for name in STATIC:
        source = REPO / "dbt_vault" / name
        target = root / "dbt_vault" / name
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    if business_vault != "none":
        (root / "business_vault").mkdir(exist_ok=True)
        for name in BUSINESS_STATIC:
            source = REPO / "business_vault" / name
            copy = shutil.copytree if source.is_dir() else shutil.copy2
            copy(source, root / "business_vault" / name)
    if business_vault == "all":
        shutil.copytree(REPO / "business_vault" / "tests", root / "business_vault" / "tests")
        shutil.copytree(REPO / "business_vault" / "models", root / "business_vault" / "models",
                        ignore=shutil.ignore_patterns("sources", "_business_vault.yml", "pits", "bridges",
                                                      "as_of_dates.sql"), dirs_exist_ok=True)
    result = load_spec(root / "vault_spec", root)
    assert result.spec is not None, [str(p) for p in result.problems]
    write(plan(result.spec), root)
    return root, result.spec
