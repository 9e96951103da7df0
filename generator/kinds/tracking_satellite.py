"""Extended tracking satellites (xts): every delivery of the tracked satellites' payloads."""

from __future__ import annotations

from typing import Any

from generator.kinds.base import Kind
from generator.kinds.data_tests import IN_WINDOW, NOT_GHOST, audit_columns, not_null, parent_key, unique_in_window
from generator.kinds.definition import Definition
from generator.kinds.files import GeneratedFile, render
from generator.kinds.satellite import SatelliteKind
from generator.spec.model import Spec, TrackingSatellite


class TrackingSatelliteKind(Kind[TrackingSatellite]):
    name = "xts"
    entity_type = TrackingSatellite
    section = "tracking_satellites"
    label = "tracking satellite"
    folder = "satellites"
    longest_name = "xts_{}"
    made_names = ("{prefix}{name}",)

    def entities(self, spec: Spec) -> tuple[TrackingSatellite, ...]:
        return spec.tracking_satellites

    def sources(self, spec: Spec, xts: TrackingSatellite) -> tuple[str, ...]:
        """The sources of the satellites it tracks: it reads their stages."""
        return tuple(sorted({spec.satellite(name).source for name in xts.satellites}))

    def parent(self, spec: Spec, xts: TrackingSatellite) -> str | None:
        return xts.parent

    def definition(self, spec: Spec, xts: TrackingSatellite) -> Definition:
        parent = spec.parent_of(xts)
        satellite = SatelliteKind()
        tracked = [satellite.definition(spec, spec.satellite(name)) for name in xts.satellites]
        # An xts row is a delivery of a tracked satellite's hashdiff: it follows their definitions.
        rows = {"hash": spec.settings.hash, "parent": parent.model, "satellites": {d.model: d.rows for d in tracked}}
        added = {model: columns for d in tracked for model, columns in d.added.items()}
        return Definition(xts.model, self.name, rows, self.sources(spec, xts), added=added)

    def files(self, spec: Spec, xts: TrackingSatellite) -> list[GeneratedFile]:
        tracked = [spec.satellite(name) for name in xts.satellites]
        stages = [f"stg_{source}" for source in self.sources(spec, xts)]
        return [self.table_file(xts, render("xts.sql.j2", parent=spec.parent_of(xts), tracked=tracked,
                                            stages=stages))]

    def docs(self, spec: Spec, xts: TrackingSatellite) -> dict[str, Any]:
        parent = spec.parent_of(xts)
        columns = [parent_key(parent),
                   {"name": "hashdiff", "description": "Hashdiff of the tracked satellite's payload as delivered.",
                    "data_tests": [not_null()]},
                   {"name": "satellite_name", "description": "The satellite the delivery belongs to.",
                    "data_tests": [not_null(), {"accepted_values": {"arguments": {
                        "values": [spec.satellite(n).model for n in xts.satellites]},
                        "config": {"where": f"{NOT_GHOST} and {IN_WINDOW}"}}}]}]
        columns += audit_columns()
        return {"name": xts.model, "description": xts.description or f"Tracking of {parent.model}.",
                "data_tests": [unique_in_window(parent.key, "hashdiff", "satellite_name", "load_datetime")],
                "columns": columns}
