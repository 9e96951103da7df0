"""Packaging hook: a built dvkit carries the dbt projects' hand-written files, which `dvkit init` copies.

Everything else is configured in pyproject.toml. The files live in the repository's dbt_vault/ and
business_vault/, outside the ``generator`` package, so package-data cannot name them: building the
package copies them into generator/project_template/ (see generator/project_files.py). An editable
install reads them from the checkout instead.
"""

import runpy
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


class BuildWithProjectTemplate(build_py):
    """build_py, then the dbt projects' hand-written files into the built ``generator`` package."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install finds them in the checkout
        project_files = runpy.run_path(str(HERE / "generator" / "project_files.py"))
        project_files["copy_templates"](HERE, Path(self.build_lib) / "generator")


setup(cmdclass={"build_py": BuildWithProjectTemplate})
