"""dbt's documentation site for both dbt projects of a dvkit project (``dvkit docs``).

``dbt docs generate`` compiles each project and reads the database's catalog (the built tables and
their columns), so it needs the database; a table not built yet is documented without columns. The
business vault is documented once it has models. Each site is written to the project's
``target/`` folder (``index.html``, ``manifest.json``, ``catalog.json``), where ``dbt docs serve``
shows it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from generator.build import resolve_automate_dv, run_dbt
from generator.db import Database
from generator.errors import DvkitError
from generator.places import BUSINESS_PROJECT, DBT_PROJECT

Log = Callable[[str], None]


def has_models(dbt_dir: Path) -> bool:
    """A dbt project with at least one model: the business vault has none until the spec gives it some."""
    return (dbt_dir / "dbt_project.yml").exists() and any((dbt_dir / "models").rglob("*.sql"))


def generate_docs(project_dir: Path, db: Database, mode: str = "auto", log: Log = lambda _: None) -> list[Path]:
    """Run ``dbt docs generate`` on the raw vault project, then on the business vault's if it has models.

    Returns the ``index.html`` of each site written, in that order.
    """
    if not (project_dir / DBT_PROJECT / "dbt_project.yml").exists():
        raise DvkitError(f"{DBT_PROJECT}/dbt_project.yml does not exist", hint="run `dvkit generate` first")
    log(resolve_automate_dv(project_dir, mode, log).describe())
    sites: list[Path] = []
    for dbt_project in (DBT_PROJECT, BUSINESS_PROJECT):
        if dbt_project == BUSINESS_PROJECT and not has_models(project_dir / BUSINESS_PROJECT):
            log(f"{BUSINESS_PROJECT}: no models, no documentation")
            continue
        outcome = run_dbt(project_dir, db, ["docs", "generate"], dbt_project=dbt_project)
        if not outcome.success:
            details = "\n  ".join(outcome.failures) or f"see {dbt_project}/logs/dbt.log"
            raise DvkitError(f"dbt docs generate failed in {dbt_project}/:\n  {details}",
                             hint="run `dvkit generate`, then `dvkit build`, and try again")
        site = project_dir / dbt_project / "target" / "index.html"
        log(f"{dbt_project}: documentation in {site.relative_to(project_dir)}")
        sites.append(site)
    return sites
