"""Multi-active satellites: several active rows per parent key at once, told apart by a child key."""

from __future__ import annotations

from typing import Any

from generator.kinds.base import Kind
from generator.kinds.data_tests import (
    IN_WINDOW,
    NOT_GHOST,
    audit_columns,
    not_null,
    parent_key,
    source_column,
    unique_in_window,
)
from generator.kinds.definition import Definition, typed
from generator.kinds.files import STAGING, GeneratedFile, render
from generator.kinds.satellite import added_columns, hashdiff, hub_parent, payload_rows, sat_stage
from generator.kinds.stage import StageColumn
from generator.spec.model import MultiActiveSatellite, Spec


class MultiActiveSatelliteKind(Kind[MultiActiveSatellite]):
    name = "ma_sat"
    entity_type = MultiActiveSatellite
    section = "multi_active_satellites"
    label = "multi-active satellite"
    folder = "satellites"
    longest_name = "stg_ma_sat_{}"  # the view of its stage (longer than {}_hashdiff)
    made_names = ("stg_{prefix}{name}", "{name}{hashdiff}")

    def entities(self, spec: Spec) -> tuple[MultiActiveSatellite, ...]:
        return spec.multi_active_satellites

    def sources(self, spec: Spec, sat: MultiActiveSatellite) -> tuple[str, ...]:
        return (sat.source,)

    def parent(self, spec: Spec, sat: MultiActiveSatellite) -> str | None:
        return sat.parent

    def personal_columns(self, spec: Spec, sat: MultiActiveSatellite) -> tuple[str, ...]:
        # A payload with a personal column is erased whole, as a satellite's.
        return sat.stored_payload if set(sat.payload) & set(spec.source(sat.source).personal_columns) else ()

    def stage_hubs(self, spec: Spec, sat: MultiActiveSatellite, source: str) -> tuple[str, ...]:
        return hub_parent(spec, sat, source)

    def stage_columns(self, spec: Spec, sat: MultiActiveSatellite, source: str) -> list[StageColumn]:
        # The child key is part of each row's hashdiff: a renumbered payment is a change.
        return [hashdiff(sat, sat.child_key + sat.payload)] if sat.source == source else []

    def definition(self, spec: Spec, sat: MultiActiveSatellite) -> Definition:
        rows = {**payload_rows(spec, sat), "child_key": typed(spec, sat.source, sat.child_key)}
        return Definition(sat.model, self.name, rows, self.sources(spec, sat), added=added_columns(spec, sat))

    def files(self, spec: Spec, sat: MultiActiveSatellite) -> list[GeneratedFile]:
        parent = spec.parent_of(sat)
        table = self.table_file(sat, render("ma_sat.sql.j2", sat=sat, parent=parent, stage=sat_stage(sat)))
        view = render("sat_stage.sql.j2", sat=sat, model=sat.model, partition=[parent.key, *sat.child_key],
                      columns=[parent.key, *sat.child_key, *sat.stored_payload, sat.hashdiff], eff="effective_from")
        return [table, GeneratedFile(f"{STAGING}/{sat_stage(sat)}.sql", view, sat.origin.path, self.what(sat))]

    def docs(self, spec: Spec, sat: MultiActiveSatellite) -> dict[str, Any]:
        parent = spec.parent_of(sat)
        columns = [parent_key(parent)]
        columns += [{**source_column(spec, sat.source, c, "Child key: tells the active rows of one key apart."),
                     "data_tests": [not_null(f"{NOT_GHOST} and {IN_WINDOW}")]} for c in sat.child_key]
        columns += [source_column(spec, sat.source, c) for c in sat.stored_payload]
        columns += [{"name": sat.hashdiff, "description": "Hash of the child key and payload of the row.",
                     "data_tests": [not_null()]},
                    {"name": "effective_from", "description": "Business effective time (the load time)."}]
        columns += audit_columns()
        return {"name": sat.model, "description": sat.description or f"Satellite {sat.name}.",
                "data_tests": [unique_in_window(parent.key, *sat.child_key, "load_datetime")], "columns": columns}
