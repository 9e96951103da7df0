"""The data tests and shared columns of the generated dbt YAML.

Raw vault tests see the build's window only for per-row rules, and look the window's keys up in the
whole table for uniqueness (README "Data tests"); the business vault's tests read whole tables.

>>> not_null()
{'not_null': {'config': {'where': '__dvkit_window__'}}}
>>> unique_in_window("order_hk", "load_datetime")
{'dvkit_unique_in_window': {'arguments': {'columns': ['order_hk', 'load_datetime']}}}
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from generator.spec.model import Hub, Link, Spec

NOT_GHOST = "record_source <> 'AUTOMATE_DV_SYSTEM'"  # ghost records have no parent and NULL payloads
# Stands for the rows the build added (dbt_vault/macros/tests/: the project's get_where_subquery
# replaces it when the test runs, by the batch range in DVKIT_BATCH_FROM/TO; all rows when unset).
IN_WINDOW = "__dvkit_window__"


def not_null(where: str = IN_WINDOW) -> dict[str, Any]:
    return {"not_null": {"config": {"where": where}}}


def relationship(model: str, field: str) -> dict[str, Any]:
    # Ghost records (key '000...') have no parent row by design.
    return {"relationships": {"arguments": {"to": f"ref('{model}')", "field": field},
                              "config": {"where": f"{NOT_GHOST} and {IN_WINDOW}"}}}


def unique() -> str:
    return "dvkit_unique_in_window"


def unique_in_window(*columns: str) -> dict[str, Any]:
    return {"dvkit_unique_in_window": {"arguments": {"columns": list(columns)}}}


def unique_together(*columns: str) -> dict[str, Any]:
    """The business vault's uniqueness test (whole table)."""
    return {"dvkit_unique_combination": {"arguments": {"columns": list(columns)}}}


def source_relationship(model: str, field: str) -> dict[str, Any]:
    """The business vault's relationship to a raw vault table, read as a dbt source."""
    return {"relationships": {"arguments": {"to": f"source('raw_vault', '{model}')", "field": field}}}


def description_of(spec: Spec, columns: Iterable[tuple[str, str]]) -> str:
    """The first description the spec gives one of ``columns`` (source, column), in their order ("" if none).

    A table fed by several sources (a hub, a link) may read one column under several names.
    """
    return next((text for source, column in columns if (text := spec.column_description(source, column))), "")


def source_column(spec: Spec, source: str, column: str, default: str = "") -> dict[str, Any]:
    """A column holding ``column`` of ``source`` as delivered, with the spec's description of it
    (``default`` when the spec has none, no description when that is empty too)."""
    description = description_of(spec, [(source, column)]) or default
    return {"name": column, "description": description} if description else {"name": column}


def parent_key(parent: Hub | Link) -> dict[str, Any]:
    """A satellite's column of its parent's key."""
    return {"name": parent.key, "description": f"Key of {parent.model}.",
            "data_tests": [not_null(), relationship(parent.model, parent.key)]}


def audit_columns() -> list[dict[str, Any]]:
    """The load time and record source every raw vault table ends with."""
    return [
        {"name": "load_datetime", "description": "Load time of the batch that first delivered this row.",
         "data_tests": [not_null()]},
        {"name": "record_source", "description": "Source file the row came from.", "data_tests": [not_null()]},
    ]
