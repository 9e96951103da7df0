"""Satellites: a hub's or link's descriptive payload, a new row whenever its hashdiff changes.

A satellite reads a view of its own over its source's stage (``stg_sat_<name>``), one version per
key and load time; multi-active satellites read one the same way.

>>> from generator.spec.model import Origin, Satellite
>>> sat = Satellite("order_state", "order", "orders", ("status",), Origin("s.yml", 1), effective_from="placed_at")
>>> sat_stage(sat), effective_from_column(sat)
('stg_sat_order_state', 'order_state_effective_from')
"""

from __future__ import annotations

from typing import Any

from generator.kinds.base import Kind
from generator.kinds.data_tests import audit_columns, not_null, parent_key, source_column, unique_in_window
from generator.kinds.definition import Definition, parent_columns, typed
from generator.kinds.files import STAGING, GeneratedFile, render
from generator.kinds.stage import AddedHashdiff, Derived, Hashed, StageColumn
from generator.spec.model import MultiActiveSatellite, Satellite, Spec


def sat_stage(sat: Satellite | MultiActiveSatellite) -> str:
    """The staging model a (multi-active) satellite reads: its source's stage, one version per load."""
    return f"stg_{sat.model}"


def effective_from_column(sat: Satellite) -> str:
    """Staged column holding the satellite's effective-from (the load time unless the spec says)."""
    return f"{sat.name}_effective_from" if sat.effective_from else "effective_from"


def payload_rows(spec: Spec, sat: Satellite | MultiActiveSatellite) -> dict[str, Any]:
    """The part of a (multi-active) satellite's definition both kinds share: parent, source, payload."""
    parent = spec.parent_of(sat)
    return {
        "hash": spec.settings.hash,
        "parent": parent.model,
        "parent_key": typed(spec, sat.source, parent_columns(spec, parent, sat.source)),
        "source": sat.source,
        # AutomateDV hashes the payload sorted by name: the order of the list changes no row.
        "payload": sorted(typed(spec, sat.source, sat.payload), key=str.lower),
    }


def hub_parent(spec: Spec, sat: Satellite | MultiActiveSatellite, source: str) -> tuple[str, ...]:
    """The parent hub whose key the satellite's stage computes (a link's key is the link's)."""
    return (sat.parent,) if sat.source == source and any(h.name == sat.parent for h in spec.hubs) else ()


def hashdiff(sat: Satellite | MultiActiveSatellite, payload: tuple[str, ...]) -> StageColumn:
    """The satellite's hashdiff in its stage: AutomateDV's, or dvkit's macro's when columns were added."""
    if sat.payload_added:
        return AddedHashdiff(sat.hashdiff, payload, sat.payload_added)
    return Hashed(sat.hashdiff, payload, is_hashdiff=True)


def added_columns(spec: Spec, sat: Satellite | MultiActiveSatellite) -> dict[str, list[str]]:
    """A definition's ``added``: the columns appended to the payload since the table went live."""
    return {sat.model: typed(spec, sat.source, sat.payload_added)} if sat.payload_added else {}


class SatelliteKind(Kind[Satellite]):
    name = "sat"
    entity_type = Satellite
    section = "satellites"
    label = "satellite"
    folder = "satellites"
    longest_name = "{}_effective_from"  # and {}_satellite_name, sat_{}_ldts, as_of_sat_{}
    made_names = ("{name}_effective_from", "{name}_satellite_name", "as_of_{prefix}{name}", "{prefix}{name}_ldts",
                  "stg_{prefix}{name}", "{name}{hashdiff}")

    def entities(self, spec: Spec) -> tuple[Satellite, ...]:
        return spec.satellites

    def sources(self, spec: Spec, sat: Satellite) -> tuple[str, ...]:
        return (sat.source,)

    def parent(self, spec: Spec, sat: Satellite) -> str | None:
        return sat.parent

    def personal_columns(self, spec: Spec, sat: Satellite) -> tuple[str, ...]:
        return sat.stored_payload if sat.personal_data else ()

    def stage_hubs(self, spec: Spec, sat: Satellite, source: str) -> tuple[str, ...]:
        return hub_parent(spec, sat, source)

    def stage_columns(self, spec: Spec, sat: Satellite, source: str) -> list[StageColumn]:
        if sat.source != source:
            return []
        found: list[StageColumn] = []
        by = f"{self.label} '{sat.name}'"
        if sat.effective_from:
            found.append(Derived(effective_from_column(sat), sat.effective_from, by, sat.origin))
        if any(sat.name in xts.satellites for xts in spec.tracking_satellites):
            found.append(Derived(f"{sat.name}_satellite_name", f"'!{sat.model}'", by, sat.origin))
        return [*found, hashdiff(sat, sat.payload)]

    def definition(self, spec: Spec, sat: Satellite) -> Definition:
        rows = {**payload_rows(spec, sat), "effective_from": sat.effective_from,
                "ghost_record": spec.settings.ghost_records}
        return Definition(sat.model, self.name, rows, self.sources(spec, sat), added=added_columns(spec, sat))

    def files(self, spec: Spec, sat: Satellite) -> list[GeneratedFile]:
        parent = spec.parent_of(sat)
        table = self.table_file(sat, render("sat.sql.j2", sat=sat, parent=parent, stage=sat_stage(sat)))
        view = render("sat_stage.sql.j2", sat=sat, model=sat.model, partition=[parent.key],
                      columns=[parent.key, sat.hashdiff, *sat.stored_payload], eff=effective_from_column(sat))
        return [table, GeneratedFile(f"{STAGING}/{sat_stage(sat)}.sql", view, sat.origin.path, self.what(sat))]

    def docs(self, spec: Spec, sat: Satellite) -> dict[str, Any]:
        parent = spec.parent_of(sat)
        columns = [
            parent_key(parent),
            {"name": sat.hashdiff, "description": "Hash of the payload, sorted by column name.",
             "data_tests": [not_null()]},
        ]
        columns += [source_column(spec, sat.source, c) for c in sat.stored_payload]
        columns.append({"name": "effective_from",
                        "description": f"Business effective time ({sat.effective_from or 'the load time'})."})
        columns += audit_columns()
        model: dict[str, Any] = {"name": sat.model, "description": sat.description or f"Satellite {sat.name}."}
        if sat.personal_data:
            model["meta"] = {"personal_data": True, "retention": spec.source(sat.source).retention}
        return {**model, "data_tests": [unique_in_window(parent.key, "load_datetime")], "columns": columns}
