"""A Spark build's guards, without Spark: when it refuses, and what it does to an installed release."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from generator.build import BUILTIN_MARKER, PARKED_RELEASE, resolve_automate_dv
from generator.errors import DvkitError
from generator.spark.build import _refuse_rebuilds, builtin_automate_dv, models_digest

from ..conftest import REPO

JAN, FEB, MAR = dt.datetime(2021, 1, 31), dt.datetime(2021, 2, 28), dt.datetime(2021, 3, 31)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A dbt project with dvkit's macros beside it and a release of AutomateDV installed."""
    shutil.copytree(REPO / "dbt_vault" / "automate_dv_local", tmp_path / "dbt_vault" / "automate_dv_local")
    (tmp_path / "dbt_vault" / "models").mkdir()
    (tmp_path / "dbt_vault" / "dbt_project.yml").write_text("name: dvkit_vault\n", encoding="utf-8")
    release = tmp_path / "dbt_vault" / "dbt_packages" / "automate_dv"
    release.mkdir(parents=True)
    (release / "dbt_project.yml").write_text("name: automate_dv\nversion: 0.11.5\n", encoding="utf-8")
    return tmp_path


def _installed(project: Path) -> str:
    folder = project / "dbt_vault" / "dbt_packages" / "automate_dv"
    return "dvkit" if (folder / BUILTIN_MARKER).exists() else "release"


def test_appended_batches_build_without_a_reset(project: Path) -> None:
    _refuse_rebuilds(project, models_digest(project), 1, [(1, JAN), (2, FEB)], [(2, FEB)])
    _refuse_rebuilds(project, None, 0, [(1, FEB), (2, JAN)], [(1, FEB), (2, JAN)])  # nothing built yet


def test_a_changed_model_asks_for_a_reset(project: Path) -> None:
    digest = models_digest(project)
    (project / "dbt_vault" / "models" / "hub_item.sql").write_text("select 1", encoding="utf-8")
    with pytest.raises(DvkitError) as refused:
        _refuse_rebuilds(project, digest, 1, [(1, JAN), (2, FEB)], [(2, FEB)])
    assert "generated models changed" in str(refused.value) and "dvkit spark reset" in refused.value.hint


def test_a_late_batch_asks_for_a_reset(project: Path) -> None:
    with pytest.raises(DvkitError) as refused:
        _refuse_rebuilds(project, models_digest(project), 2, [(1, JAN), (2, MAR), (3, FEB), (4, MAR)],
                         [(3, FEB), (4, MAR)])
    assert "batch(es) 3 carry load times older" in str(refused.value) and "dvkit spark reset" in refused.value.hint


def test_the_release_is_parked_for_the_spark_build_and_put_back(project: Path) -> None:
    messages: list[str] = []
    with builtin_automate_dv(project, messages.append):
        assert _installed(project) == "dvkit" and (project / PARKED_RELEASE / "dbt_project.yml").exists()
    assert _installed(project) == "release" and not (project / PARKED_RELEASE).exists()
    assert any("put back afterwards" in m for m in messages)

    with pytest.raises(RuntimeError), builtin_automate_dv(project):
        raise RuntimeError("the build failed")
    assert _installed(project) == "release"


def test_a_release_left_parked_by_a_killed_build_is_found_by_the_next_build(project: Path) -> None:
    installed = project / "dbt_vault" / "dbt_packages" / "automate_dv"
    (project / PARKED_RELEASE).parent.mkdir(parents=True)
    installed.rename(project / PARKED_RELEASE)
    shutil.copytree(project / "dbt_vault" / "automate_dv_local", installed)  # what the killed build left
    assert resolve_automate_dv(project, "auto").kind == "hub release (installed)"
    assert _installed(project) == "release" and not (project / PARKED_RELEASE).exists()


def test_without_a_release_the_spark_build_keeps_dvkit_s_macros(project: Path) -> None:
    shutil.rmtree(project / "dbt_vault" / "dbt_packages")
    with builtin_automate_dv(project):
        assert _installed(project) == "dvkit"
    assert _installed(project) == "dvkit" and not (project / PARKED_RELEASE).exists()
