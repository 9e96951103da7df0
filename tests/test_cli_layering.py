"""The command line sits on top of the library: nothing in the library imports ``generator.cli``."""

from __future__ import annotations

import ast
import doctest
from pathlib import Path

import generator.compliance.erasure as erasure

GENERATOR = Path(__file__).resolve().parents[1] / "generator"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_no_library_module_imports_the_command_line() -> None:
    offenders = []
    for path in sorted(GENERATOR.rglob("*.py")):
        if (GENERATOR / "cli") in path.parents:
            continue
        uses = sorted(name for name in _imports(path) if name == "generator.cli" or name.startswith("generator.cli."))
        if uses:
            offenders.append(f"{path.relative_to(GENERATOR.parent)}: {', '.join(uses)}")
    assert offenders == []


def test_the_command_line_loads_no_module_by_name() -> None:
    for path in sorted((GENERATOR / "cli").rglob("*.py")):
        assert "importlib" not in _imports(path) or path.name == "plugins.py", path


def test_erasure_doctests() -> None:
    assert doctest.testmod(erasure).failed == 0


# The one module that may use matplotlib (the optional PNG diagram), and only inside its functions.
PNG_DIAGRAM = GENERATOR / "diagram" / "png.py"


def test_the_toolkit_never_imports_the_olist_example_or_matplotlib() -> None:
    for path in sorted(GENERATOR.rglob("*.py")):
        uses = {name.split(".")[0] for name in _imports(path)}
        assert "olist_example" not in uses, path
        assert "matplotlib" not in uses or path == PNG_DIAGRAM, path
    tree = ast.parse(PNG_DIAGRAM.read_text(encoding="utf-8"))
    top = [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
    assert not any("matplotlib" in ast.dump(node) for node in top), "png.py imports matplotlib when it loads"
