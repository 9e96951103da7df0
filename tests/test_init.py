"""``dvkit init``: a new project validates and generates as it stands, and an existing one is not overwritten."""

from __future__ import annotations

import doctest
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from generator import project_files, scaffold
from generator.cli import main
from generator.errors import DvkitError
from generator.places import BUSINESS_PROJECT, DBT_PROJECT
from generator.project_files import PACKAGED, copy_templates, template_files
from generator.scaffold import BUSINESS_STATIC, RAW_STATIC, SCHEMA, modeline, planned_files, template_root

from .conftest import REPO


def _init(target: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["init", str(target), *args])
    return result.exit_code, result.output


def test_a_new_project_validates_and_generates(tmp_path: Path) -> None:
    project = tmp_path / "shop"
    code, output = _init(project)
    assert code == 0, output
    assert f"created a dvkit project in {project}" in output
    assert "dvkit load data" in output and "dvkit build" in output
    runner = CliRunner()
    validated = runner.invoke(main, ["--project", str(project), "validate"])
    assert validated.exit_code == 0, validated.output
    assert "spec ok: 1 sources, 1 hubs, 0 links, 1 satellites (2 files)" in validated.output
    generated = runner.invoke(main, ["--project", str(project), "generate"])
    assert generated.exit_code == 0, generated.output
    for model in ("hubs/hub_customer.sql", "satellites/sat_customer_details.sql"):
        assert (project / "dbt_vault" / "models" / "raw_vault" / model).is_file()
    checked = runner.invoke(main, ["--project", str(project), "generate", "--check"])
    assert checked.exit_code == 0, checked.output


def test_the_project_holds_what_a_build_needs(tmp_path: Path) -> None:
    assert _init(tmp_path)[0] == 0
    for name in ("dbt_vault/profiles.yml", "dbt_vault/packages.yml", "dbt_vault/macros/generate_schema_name.sql",
                 "dbt_vault/automate_dv_local/dbt_project.yml", "business_vault/dbt_project.yml",
                 "business_vault/profiles.yml", "business_vault/macros/ghost_record.sql", "Makefile", "README.md"):
        assert (tmp_path / name).is_file(), name
    ignored = (tmp_path / ".gitignore").read_text().splitlines()
    assert ".dvkit/" in ignored and "dbt_vault/target/" in ignored and "dbt_vault/logs/" in ignored
    # The sample file's header is the example source's columns, in order.
    spec = yaml.safe_load((tmp_path / "vault_spec" / "example.yml").read_text())
    (source,) = spec["sources"]
    header = (tmp_path / "data" / source["file"]).read_text().splitlines()[0]
    assert header.split(",") == list(source["columns"])
    settings = yaml.safe_load((tmp_path / "vault_spec" / "settings.yml").read_text())
    assert settings["settings"]["data_dir"] == "data"


def test_spec_files_point_editors_at_the_installed_schema(tmp_path: Path) -> None:
    assert _init(tmp_path)[0] == 0
    for name in ("example.yml", "settings.yml"):
        first = (tmp_path / "vault_spec" / name).read_text().splitlines()[0] + "\n"
        assert first == modeline()
    assert SCHEMA.is_file() and modeline().rstrip().endswith(SCHEMA.resolve().as_uri())


def test_an_existing_project_is_not_overwritten(tmp_path: Path) -> None:
    assert _init(tmp_path)[0] == 0
    example = tmp_path / "vault_spec" / "example.yml"
    example.write_text("# mine\n")
    code, output = _init(tmp_path)
    assert code == 1
    assert "vault_spec/settings.yml already exists" in output and "--force" in output
    assert "Traceback" not in output
    assert example.read_text() == "# mine\n"
    code, output = _init(tmp_path, "--force")
    assert code == 0, output
    assert example.read_text().startswith(modeline())


def test_a_foreign_spec_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "vault_spec").mkdir()
    (tmp_path / "vault_spec" / "hubs.yml").write_text("hubs: []\n")
    code, output = _init(tmp_path)
    assert code == 1
    assert "vault_spec/hubs.yml already exists" in output
    assert not (tmp_path / "vault_spec" / "example.yml").exists()


def test_an_installation_without_the_dbt_projects_is_named(tmp_path: Path) -> None:
    (tmp_path / "dbt_vault").mkdir()
    (tmp_path / "dbt_vault" / "profiles.yml").write_text("dvkit: {}\n")
    try:
        template_root(tmp_path)
    except DvkitError as exc:
        assert exc.message.startswith("this dvkit installation lacks dbt_vault/packages.yml")
        assert exc.hint is not None and "pip install -e ." in exc.hint
    else:
        raise AssertionError("an installation without the dbt projects was accepted")
    assert template_root() == REPO


def test_leftovers_of_dbt_runs_are_not_copied(tmp_path: Path) -> None:
    for project, names in (("dbt_vault", RAW_STATIC), ("business_vault", BUSINESS_STATIC)):
        for name in names:
            if name.endswith(".yml"):
                (tmp_path / project).mkdir(exist_ok=True)
                (tmp_path / project / name).write_text("x: 1\n")
            else:
                (tmp_path / project / name / "sub").mkdir(parents=True)
                (tmp_path / project / name / "sub" / "kept.sql").write_text("select 1\n")
    for leftover in ("target/run.sql", "logs/dbt.log", "sub/__pycache__/x.pyc"):
        (tmp_path / "dbt_vault" / "automate_dv_local" / leftover).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "dbt_vault" / "automate_dv_local" / leftover).write_text("")
    copied = [f for f in planned_files(tmp_path) if f.startswith("dbt_vault/automate_dv_local/")]
    assert copied == ["dbt_vault/automate_dv_local/sub/kept.sql"]


def test_a_repository_s_own_files_are_kept(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# my repo\n")
    (tmp_path / ".gitignore").write_text("*.tmp\n")
    code, output = _init(tmp_path)
    assert code == 0, output
    assert "kept the folder's own .gitignore" in output and "kept the folder's own README.md" in output
    assert (tmp_path / "README.md").read_text() == "# my repo\n"
    assert (tmp_path / ".gitignore").read_text() == "*.tmp\n"
    assert (tmp_path / "Makefile").is_file() and (tmp_path / "vault_spec" / "example.yml").is_file()


# --- The dbt projects' files ship with the package -------------------------------------------------


def test_a_packaged_copy_is_used_without_the_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "site" / "generator"  # an installed package: no dbt_vault/ beside it
    written = copy_templates(REPO, package)
    assert len(written) == len(template_files(REPO)) and all(f.is_file() for f in written)
    monkeypatch.setattr(scaffold, "PACKAGE", package)
    assert template_root() == package / PACKAGED
    code, output = _init(tmp_path / "shop")
    assert code == 0, output
    assert planned_files(template_root()) == planned_files(REPO)
    for name in template_files(REPO):
        assert (tmp_path / "shop" / name).read_bytes() == (REPO / name).read_bytes(), name
    # Without the copy, the lookup falls back to the folder above the package, which lacks the files.
    monkeypatch.setattr(scaffold, "PACKAGE", tmp_path / "bare" / "generator")
    with pytest.raises(DvkitError, match="lacks dbt_vault/profiles.yml"):
        template_root()


def test_the_build_puts_the_files_in_the_package(tmp_path: Path) -> None:
    """setup.py's build step, on a copy of the sources: the built package resolves its files alone."""
    source = tmp_path / "src"
    leftovers = shutil.ignore_patterns("__pycache__", "target", "logs", "dbt_packages", "*.egg-info")
    for name in ("setup.py", "pyproject.toml", "README.md"):
        source.mkdir(exist_ok=True)
        shutil.copy2(REPO / name, source / name)
    for folder in ("generator", "dbt_vault", "business_vault"):
        shutil.copytree(REPO / folder, source / folder, ignore=leftovers)
    built = tmp_path / "lib"
    subprocess.run([sys.executable, "setup.py", "-q", "build_py", "--build-lib", str(built)], cwd=source,
                   check=True, capture_output=True)
    check = ("import generator, importlib.resources as r, sys; from generator.scaffold import template_root; "
             "base = r.files('generator') / 'project_template'; "
             "print(generator.__file__); print(template_root()); "
             "print(base.joinpath('dbt_vault/packages.yml').is_file(), "
             "base.joinpath('business_vault/macros/ghost_record.sql').is_file())")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shown = subprocess.run([sys.executable, "-c", check], cwd=elsewhere, capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONPATH": str(built)}).stdout.splitlines()
    assert shown == [str(built / "generator" / "__init__.py"), str(built / "generator" / "project_template"),
                     "True True"]
    shipped = sorted(p.relative_to(built / "generator" / "project_template").as_posix()
                     for p in (built / "generator" / "project_template").rglob("*") if p.is_file())
    assert shipped == sorted(template_files(REPO))


def test_the_shipped_names_agree_with_the_places() -> None:
    assert (project_files.DBT_PROJECT, project_files.BUSINESS_PROJECT) == (DBT_PROJECT, BUSINESS_PROJECT)
    assert doctest.testmod(project_files).failed == 0
