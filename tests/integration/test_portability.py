"""Every model of business_vault/ (business vault and marts) must transpile to Snowflake, Databricks and BigQuery.

dbt compile needs a connection, and what it writes depends on the database: an incremental model
compiles to its full-build SQL while its table does not exist, and to its incremental SQL once it
does. So the raw vault is built first (on a small synthetic data set), the repository's
business_vault project is copied beside it and compiled (first build), then run and compiled again
(incremental), and both compilations of every model are checked with sqlglot.
Works for whatever models exist; skips when there is none.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from generator.build import BUSINESS_PROJECT, build, run_dbt
from generator.db import Database, ensure_database
from generator.load.landing import load_batch
from generator.portability import TARGETS, Problem, check_compiled_project
from generator.render.plan import plan
from generator.render.writer import write
from generator.spec.model import Spec
from olist_example.synth import generate

from ..conftest import REPO
from .project import make_project

pytestmark = [pytest.mark.db, pytest.mark.dbt]

BUSINESS_VAULT = REPO / BUSINESS_PROJECT
# What a business vault project is made of; its generated models are rendered again from the spec.
BUSINESS_PARTS = ("dbt_project.yml", "profiles.yml", "models", "macros", "tests")
PHASES = ("first build", "incremental")



@dataclass
class Checked:
    models: set[str]  # every model file of the business vault project that was compiled
    phases: dict[str, dict[str, list[Problem]]]  # phase -> model -> problems


def model_files(business_vault: Path) -> list[Path]:
    return sorted((business_vault / "models").rglob("*.sql")) if (business_vault / "models").is_dir() else []


def copy_business_vault(source: Path, root: Path, spec: Spec) -> None:
    """Copy the business vault project into ``root`` and render its generated files from ``spec``."""
    for name in BUSINESS_PARTS:
        src, dst = source / name, root / BUSINESS_PROJECT / name
        if src.is_dir():
            shutil.copytree(src, dst, dirs_exist_ok=True)
        elif src.is_file():
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)
    write(plan(spec), root)  # generated models follow the spec of this project, as `dvkit build` requires


def _dbt(root: Path, db: Database, command: str, why: str) -> None:
    outcome = run_dbt(root, db, [command], None, None, BUSINESS_PROJECT)
    if not outcome.success:
        details = "\n  ".join(outcome.failures or ["see business_vault/logs/dbt.log of the test project"])
        pytest.fail(f"dbt {command} of business_vault failed ({why}):\n  {details}")


def check_business_vault(root: Path, spec: Spec, db: Database, data_dir: Path, source: Path) -> Checked:
    """Build the raw vault, copy ``source`` in, and check its models as compiled before and after a run."""
    load_batch(db, spec, data_dir)
    business = root / BUSINESS_PROJECT
    parked = root / f"{BUSINESS_PROJECT}.parked"
    business.rename(parked)  # so that build() builds the raw vault only
    try:
        build(root, db, spec, mode="builtin")
    finally:
        parked.rename(business)
    copy_business_vault(source, root, spec)
    _dbt(root, db, "compile", "its tables do not exist yet")
    first = check_compiled_project(business / "target", TARGETS)
    _dbt(root, db, "run", "needed to compile the incremental SQL of its models")
    _dbt(root, db, "compile", "its tables exist")
    incremental = check_compiled_project(business / "target", TARGETS)
    return Checked({path.stem for path in model_files(business)}, {"first build": first, "incremental": incremental})


@pytest.fixture(scope="module")
def checked(pg_server: Database, tmp_path_factory: pytest.TempPathFactory) -> Checked:
    if not model_files(BUSINESS_VAULT):
        pytest.skip("business_vault/models holds no model (.sql) yet: nothing to check for portability")
    root, spec = make_project(tmp_path_factory.mktemp("portability"))
    data_dir = tmp_path_factory.mktemp("synth")
    generate(0.01, data_dir, seed=3)
    ensure_database(pg_server, "portability")
    db = Database(**{**pg_server.__dict__, "dbname": "portability"})
    return check_business_vault(root, spec, db, data_dir, BUSINESS_VAULT)


def test_every_model_of_the_business_vault_is_checked(checked: Checked) -> None:
    for phase in PHASES:
        assert set(checked.phases[phase]) == checked.models, phase


@pytest.mark.parametrize("phase", PHASES)
def test_every_model_transpiles_to_snowflake_databricks_and_bigquery(checked: Checked, phase: str) -> None:
    models = checked.phases[phase]
    failing = [str(problem) for problems in models.values() for problem in problems]
    assert not failing, (f"{phase}: {len(failing)} model/dialect pair(s) of {len(models)} model(s) do not "
                         "transpile with sqlglot (model -> dialect: error):\n  " + "\n  ".join(failing))
