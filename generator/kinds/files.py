"""What a generated file is, where each layer's files go, and the templates that write their SQL.

The low part of rendering: the entity kinds (``generator/kinds/``) and the renderer's plan of the
whole project (``generator/render/plan.py``) both build on it. It lives with the kinds, below the
renderer, so that imports point one way (spec -> kinds -> render); it imports nothing of either.
The templates themselves stay in ``generator/render/templates/``.

>>> from generator.spec.model import Origin, Source
>>> one, other = Origin("spec/b.yml", 1), Origin("spec/a.yml", 9)
>>> origins([Source("a", "a.csv", "a.csv", (), one), Source("c", "c.csv", "c.csv", (), other)])
'spec/a.yml, spec/b.yml'
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jinja2

PROJECT_FILE = "dbt_vault/dbt_project.yml"
MODELS = "dbt_vault/models"
STAGING = f"{MODELS}/staging"
RAW_VAULT = f"{MODELS}/raw_vault"
BUSINESS_SOURCES = "business_vault/models/sources"
BUSINESS_VAULT = "business_vault/models/business_vault"


@dataclass(frozen=True)
class GeneratedFile:
    path: str  # relative to the project root, POSIX separators
    body: str
    spec_file: str  # the spec file(s) it comes from
    what: str  # e.g. "hub order"


@lru_cache(maxsize=1)
def _templates() -> jinja2.Environment:
    # dbt's own Jinja uses {{ }} and {% %}, which the generated files must keep: ours is [[ ]] / [% %].
    return jinja2.Environment(
        loader=jinja2.PackageLoader("generator.render", "templates"),
        variable_start_string="[[",
        variable_end_string="]]",
        block_start_string="[%",
        block_end_string="%]",
        comment_start_string="[#",
        comment_end_string="#]",
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        autoescape=False,
    )


def render(template: str, **context: Any) -> str:
    """The text of ``templates/<template>`` with ``context``."""
    return _templates().get_template(template).render(**context)


def origins(entities: Iterable[Any]) -> str:
    """The spec files a file of several entities comes from."""
    return ", ".join(sorted({entity.origin.path for entity in entities})) or "the spec"
