"""The command line: exit codes, messages for people, no tracebacks."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from generator.cli import main

from .conftest import REPO


def _project(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "vault_spec", tmp_path / "vault_spec")
    return tmp_path


def test_validate_clean_spec_exits_0(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["--project", str(_project(tmp_path)), "validate"])
    assert result.exit_code == 0, result.output
    assert "spec ok: 11 sources, 6 hubs" in result.output


def test_validate_lists_every_mistake_and_exits_1(tmp_path: Path) -> None:
    project = _project(tmp_path)
    links = project / "vault_spec" / "links.yml"
    links.write_text(links.read_text().replace("hubs: [order, customer]", "hubs: [order, custmer]"))
    sats = project / "vault_spec" / "satellites.yml"
    sats.write_text(sats.read_text().replace("payload: [seller_zip_code_prefix,", "payload: [seller_zip,")
                    .replace("    parent: review\n", "    parent: review\n    colour: red\n", 1))
    result = CliRunner().invoke(main, ["--project", str(project), "validate"])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert any(line.startswith("vault_spec/links.yml:") and "unknown hub 'custmer'" in line
               and "did you mean 'customer'?" in line for line in lines)
    assert any(line.startswith("vault_spec/satellites.yml:") and "'seller_zip' is not a column" in line
               and "did you mean 'seller_zip_code_prefix'?" in line
               for line in lines)
    assert any("unknown key 'colour'" in line for line in lines)
    assert "Traceback" not in result.output
    assert lines[-1] == "3 problem(s) in 7 file(s)"


def test_validate_of_a_file_that_does_not_read_reports_only_that(tmp_path: Path) -> None:
    project = _project(tmp_path)
    hubs = project / "vault_spec" / "hubs.yml"
    text = hubs.read_text()
    hubs.write_text(text.replace("    business_key: order_id\n", "   business_key: order_id\n"))
    line = text.splitlines().index("    business_key: order_id") + 1
    result = CliRunner().invoke(main, ["--project", str(project), "validate"])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"vault_spec/hubs.yml:{line}: invalid YAML: expected <block end>, but found '<block mapping start>' "
        f"(hint: line {line} starts in column 4 and line {line - 1} in column 5: the keys of one entry start in "
        "the same column, a nested value further right)",
        "1 problem(s) in 7 file(s)",
    ]


def test_generate_writes_then_check_is_clean(tmp_path: Path) -> None:
    project = _project(tmp_path)
    runner = CliRunner()
    assert runner.invoke(main, ["--project", str(project), "generate", "--check"]).exit_code == 1
    assert runner.invoke(main, ["--project", str(project), "generate"]).exit_code == 0
    check = runner.invoke(main, ["--project", str(project), "generate", "--check"])
    assert check.exit_code == 0 and "up to date" in check.output


def test_generate_refuses_an_invalid_spec_without_touching_files(tmp_path: Path) -> None:
    project = _project(tmp_path)
    hubs = project / "vault_spec" / "hubs.yml"
    hubs.write_text(hubs.read_text().replace("business_key: order_id", "business_key: 'order_id; drop table x'"))
    result = CliRunner().invoke(main, ["--project", str(project), "generate"])
    assert result.exit_code == 1
    assert "is not a safe SQL name" in result.output
    assert not (project / "dbt_vault").exists()


def test_outside_a_project_says_so(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["--project", str(tmp_path), "validate"])
    assert result.exit_code == 1
    assert "no vault_spec/ folder" in result.output and "Traceback" not in result.output


def test_load_of_a_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    project = _project(tmp_path)
    result = CliRunner().invoke(main, ["--project", str(project), "load", str(tmp_path / "nope")],
                                env={"DVKIT_DATABASE_URL": "postgresql://u@127.0.0.1:1/x"})
    assert result.exit_code == 1
    assert "data folder not found" in result.output


def test_generate_warns_about_changed_hashdiffs_in_both_modes(tmp_path: Path) -> None:
    project = _project(tmp_path)
    runner = CliRunner()
    first = runner.invoke(main, ["--project", str(project), "generate"])
    assert first.exit_code == 0 and "warning:" not in first.output
    sats = project / "vault_spec" / "satellites.yml"
    sats.write_text(sats.read_text().replace("      - product_photos_qty\n", "", 1))
    warning = ("warning: satellite 'product_details': hashdiff columns change (-product_photos_qty): every key "
               "would get a new version; a breaking change: `dvkit build` refuses it until `dvkit rebuild`")
    validated = runner.invoke(main, ["--project", str(project), "validate"])
    assert validated.exit_code == 0 and warning in validated.output  # valid, and said before generating
    check = runner.invoke(main, ["--project", str(project), "generate", "--check"])
    assert check.exit_code == 1 and warning in check.output
    assert "stale: dbt_vault/hash_definitions.yml" in check.output
    again = runner.invoke(main, ["--project", str(project), "generate"])
    assert again.exit_code == 0 and warning in again.output
    # Said once: the definitions now follow the spec.
    assert "warning:" not in runner.invoke(main, ["--project", str(project), "generate"]).output
    sats.write_text(sats.read_text().replace("      - product_description_lenght\n",
                                             "      - product_description_lenght\n      - product_photos_qty\n", 1))
    back = runner.invoke(main, ["--project", str(project), "generate"])
    assert ("warning: satellite 'product_details': hashdiff columns change (+product_photos_qty): every key would "
            "get a new version; a breaking change") in back.output
    assert "(hint: list new columns under payload_added" in back.output


def test_load_without_a_folder_reads_the_settings_data_dir(tmp_path: Path) -> None:
    project = _project(tmp_path / "project")
    env = {"DVKIT_DATABASE_URL": "postgresql://u@127.0.0.1:1/x"}
    # The Olist spec names ../shared/data/olist, which is not beside this copy.
    missing = CliRunner().invoke(main, ["--project", str(project), "load"], env=env)
    assert missing.exit_code == 1 and "Traceback" not in missing.output
    assert "the settings' data_dir (../shared/data/olist) does not exist" in missing.output
    # Named elsewhere, relative to the project: that folder is the one read.
    settings = project / "vault_spec" / "settings.yml"
    settings.write_text(settings.read_text().replace("data_dir: ../shared/data/olist", "data_dir: extracts"))
    (project / "extracts").mkdir()
    (project / "extracts" / "olist_orders_dataset.csv").write_text("order_id\n", encoding="utf-8")
    named = CliRunner().invoke(main, ["--project", str(project), "load"], env=env)
    assert named.exit_code == 1 and "Traceback" not in named.output
    assert "olist_orders_dataset.csv:1: header does not match source 'orders'" in named.output, named.output
