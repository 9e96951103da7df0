"""Which AutomateDV a build uses: a mirrored hub release, dbt deps, or dvkit's own."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator import build
from generator.errors import DvkitError

from .conftest import REPO


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(REPO / "dbt_vault" / "automate_dv_local", tmp_path / "dbt_vault" / "automate_dv_local")
    monkeypatch.setattr(build, "_hub_reachable", lambda timeout=2.0: False)  # an air-gapped site
    return tmp_path


def test_builtin_is_installed_when_the_hub_is_unreachable(project: Path) -> None:
    choice = build.resolve_automate_dv(project, "auto")
    assert choice.kind == "dvkit built-in"
    installed = project / "dbt_vault" / "dbt_packages" / "automate_dv"
    assert (installed / build.BUILTIN_MARKER).exists()
    assert (installed / "macros" / "tables" / "hub.sql").exists()


def test_a_mirrored_hub_release_is_used_as_it_is(project: Path) -> None:
    mirrored = project / "dbt_vault" / "dbt_packages" / "automate_dv"
    mirrored.mkdir(parents=True)
    (mirrored / "dbt_project.yml").write_text("name: automate_dv\nversion: 0.11.5\n")
    choice = build.resolve_automate_dv(project, "auto")
    assert choice == build.PackageChoice("hub release (installed)", "0.11.5")
    assert not (mirrored / build.BUILTIN_MARKER).exists()  # left untouched


def test_builtin_mode_replaces_a_previous_install(project: Path) -> None:
    mirrored = project / "dbt_vault" / "dbt_packages" / "automate_dv"
    mirrored.mkdir(parents=True)
    (mirrored / "dbt_project.yml").write_text("name: automate_dv\nversion: 0.11.5\n")
    assert build.resolve_automate_dv(project, "builtin").kind == "dvkit built-in"
    assert (mirrored / build.BUILTIN_MARKER).exists()


def test_hub_mode_without_hub_is_a_clear_error(project: Path) -> None:
    with pytest.raises(DvkitError, match="hub release is not installed"):
        build.resolve_automate_dv(project, "hub")


def test_the_builtin_package_is_named_like_the_release() -> None:
    text = (REPO / "dbt_vault" / "automate_dv_local" / "dbt_project.yml").read_text()
    assert "name: automate_dv" in text
    assert "Datavault-UK/automate_dv" in (REPO / "dbt_vault" / "packages.yml").read_text()
