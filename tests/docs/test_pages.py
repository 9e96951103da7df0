"""The documentation's examples stay true: YAML examples pass the spec's schema, and the command
reference lists every command with its own help."""

from __future__ import annotations

import importlib.util
import re
from types import ModuleType

import click
import pytest

from generator.cli import main
from generator.spec.structure import check_structure
from generator.spec.yaml_lines import SpecSyntaxError, load_text

from ..conftest import REPO

DOCS = REPO / "docs"
FENCE = re.compile(r"^```yaml\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _yaml_examples() -> list[tuple[str, str]]:
    """(where, text) of every ```yaml block of the docs: each is a spec fragment."""
    found = []
    for page in sorted(DOCS.rglob("*.md")):
        text = page.read_text(encoding="utf-8")
        for match in FENCE.finditer(text):
            line = text[:match.start()].count("\n") + 2
            found.append((f"{page.relative_to(REPO).as_posix()}:{line}", match.group(1)))
    return found


def test_the_docs_have_yaml_examples() -> None:
    assert len(_yaml_examples()) >= 4


@pytest.mark.parametrize(("where", "text"), _yaml_examples(), ids=[w for w, _ in _yaml_examples()])
def test_every_yaml_example_passes_the_schema(where: str, text: str) -> None:
    try:
        doc = load_text(text, where)
    except SpecSyntaxError as exc:
        pytest.fail(f"{where}: not YAML: {exc.problems}")
    problems = check_structure(doc, where)
    assert not problems, f"{where}: the example does not pass the spec's schema (show other YAML as ```text): " + \
        "; ".join(str(p) for p in problems)


def test_a_wrong_key_in_an_example_would_be_caught() -> None:
    doc = load_text("hubs:\n  - name: order\n    business_kee: order_id\n    sources: [{source: orders}]\n", "x.md")
    assert check_structure(doc, "x.md")


def _hooks() -> ModuleType:
    spec = importlib.util.spec_from_file_location("dvkit_docs_hooks", DOCS / "hooks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _command_paths(command: click.Command, path: str) -> list[str]:
    paths = [path]
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            paths += _command_paths(sub, f"{path} {name}")
    return paths


def test_the_command_reference_shows_every_command_with_its_help() -> None:
    page = _hooks().render_cli()
    for path in _command_paths(main, "dvkit"):
        assert f"## `{path}`" in page, path
        assert f"Usage: {path} " in page, path
    assert "--automate-dv [auto|hub|builtin]" in page
    assert "--replay [day|week|month]" in page


def test_the_site_renders_both_reference_pages() -> None:
    hooks = _hooks()
    assert set(hooks.PAGES) == {"reference/spec.md", "reference/cli.md"}
    nav = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    for uri in hooks.PAGES:
        assert uri in nav
