"""Commands join ``dvkit`` through entry points (group ``dvkit.commands``); the core needs no plugin."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import main
from generator.cli.plugins import GROUP, registered

REPO = Path(__file__).resolve().parents[1]


def _distribution(root: Path, name: str, entries: dict[str, str], module: str = "", code: str = "") -> None:
    """A minimal installed distribution under ``root`` declaring ``entries`` (and one module)."""
    info = root / f"{name}-0.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.0\n")
    lines = "".join(f"{key} = {value}\n" for key, value in entries.items())
    (info / "entry_points.txt").write_text(f"[{GROUP}]\n{lines}")
    if module:
        (root / f"{module}.py").write_text(textwrap.dedent(code))


def test_the_olist_example_registers_its_commands() -> None:
    values = {point.name: point.value for point in registered()}
    assert values.get("demo") == "olist_example.commands:demo"
    assert {"synth", "report"} <= set(values)
    listed = CliRunner().invoke(main, ["--help"])
    assert listed.exit_code == 0 and all(f"  {name} " in listed.output for name in ("demo", "report", "synth"))


def test_a_plugin_command_runs_and_cannot_replace_a_built_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _distribution(tmp_path, "hello_plugin", {"hello": "hello_cmd:hello", "build": "hello_cmd:hello"}, "hello_cmd", """
        import click

        @click.command()
        @click.argument("name")
        def hello(name):
            '''Say hello.'''
            click.echo(f"hello {name}")
        """)
    monkeypatch.syspath_prepend(str(tmp_path))
    said = CliRunner().invoke(main, ["hello", "vault"])
    assert said.exit_code == 0 and said.output == "hello vault\n"
    assert "Carry out the plan" in CliRunner().invoke(main, ["build", "--help"]).output


def test_a_plugin_that_cannot_be_imported_stops_dvkit_loudly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _distribution(tmp_path, "broken_plugin", {"broken": "no_such_module_here:command"})
    monkeypatch.syspath_prepend(str(tmp_path))
    for args in (["broken"], ["--help"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 1, args
        assert ("the dvkit command plugin 'broken' (no_such_module_here:command) cannot be loaded: "
                "ModuleNotFoundError") in result.output
    assert CliRunner().invoke(main, ["db", "--help"]).exit_code == 0  # commands that do not meet it still run


def test_a_plugin_that_is_not_a_command_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _distribution(tmp_path, "odd_plugin", {"odd": "odd_cmd:odd"}, "odd_cmd", "odd = 42\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    result = CliRunner().invoke(main, ["odd"])
    assert result.exit_code == 1 and "is a int, not a click command" in result.output


def test_the_core_works_without_matplotlib_and_the_report_says_how_to_get_it(tmp_path: Path) -> None:
    blocked = tmp_path / "blocked"
    blocked.mkdir()
    # A matplotlib that cannot be imported stands for an install without the olist extra.
    (blocked / "sitecustomize.py").write_text("import sys\nsys.modules['matplotlib'] = None\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(blocked), os.environ.get("PYTHONPATH", "")])}

    def dvkit(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "generator.cli", "--project", str(REPO), *args], env=env,
                              capture_output=True, text=True, check=False, cwd=REPO)

    validated = dvkit("validate")
    assert validated.returncode == 0 and "spec ok" in validated.stdout, validated.stderr
    report = dvkit("report")
    assert report.returncode == 1
    assert "the report's chart needs matplotlib" in report.stderr and "[olist]" in report.stderr
    assert "Traceback" not in report.stderr
