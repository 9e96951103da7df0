"""Status-tracking satellites (sts): when a source stopped delivering a key, and when it came back."""

from __future__ import annotations

from typing import Any

from generator.kinds.base import Kind
from generator.kinds.data_tests import IN_WINDOW, audit_columns, not_null, parent_key, unique_in_window
from generator.kinds.definition import Definition, parent_columns, typed
from generator.kinds.files import GeneratedFile, render
from generator.spec.model import Spec, StatusTrackingSatellite

PRESENT = "present"
DELETED = "deleted"


class StatusTrackingSatelliteKind(Kind[StatusTrackingSatellite]):
    name = "sts"
    entity_type = StatusTrackingSatellite
    section = "status_tracking_satellites"
    label = "status-tracking satellite"
    folder = "satellites"
    longest_name = "sts_{}_deleted"  # a bridge's CTE of the keys it marked deleted
    made_names = ("{prefix}{name}_deleted",)

    def entities(self, spec: Spec) -> tuple[StatusTrackingSatellite, ...]:
        return spec.status_tracking_satellites

    def sources(self, spec: Spec, sts: StatusTrackingSatellite) -> tuple[str, ...]:
        return (sts.source,)

    def parent(self, spec: Spec, sts: StatusTrackingSatellite) -> str | None:
        return sts.parent

    def stage_hubs(self, spec: Spec, sts: StatusTrackingSatellite, source: str) -> tuple[str, ...]:
        """The parent hub's key, computed by the tracked source's stage (a link's key is the link's)."""
        return (sts.parent,) if sts.source == source and any(h.name == sts.parent for h in spec.hubs) else ()

    def payload(self, sts: StatusTrackingSatellite) -> tuple[str, ...]:
        return ("status",)

    def definition(self, spec: Spec, sts: StatusTrackingSatellite) -> Definition:
        parent = spec.parent_of(sts)
        source = spec.source(sts.source)
        # What marks a key deleted is part of what decides the rows: the delete flag and the delivery.
        rows = {"hash": spec.settings.hash, "parent": parent.model,
                "key": typed(spec, sts.source, parent_columns(spec, parent, sts.source)),
                "delivery": source.delivery, "delete_flag": source.delete_flag}
        return Definition(sts.model, self.name, rows, self.sources(spec, sts))

    def files(self, spec: Spec, sts: StatusTrackingSatellite) -> list[GeneratedFile]:
        source = spec.source(sts.source)
        return [self.table_file(sts, render("sts.sql.j2", parent=spec.parent_of(sts), source=source,
                                            stage=f"stg_{sts.source}"))]

    def docs(self, spec: Spec, sts: StatusTrackingSatellite) -> dict[str, Any]:
        parent = spec.parent_of(sts)
        source = spec.source(sts.source)
        how = [f"missing from a full extract of {source.name}"]
        if source.delete_flag:
            how.append(f"delivered with {source.delete_flag} true")
        columns = [parent_key(parent),
                   {"name": "status",
                    "description": f"'{PRESENT}' from the delivery that brought the key (again), '{DELETED}' from "
                                   f"the one that no longer held it ({' or '.join(how)}).",
                    "data_tests": [not_null(), {"accepted_values": {"arguments": {"values": [PRESENT, DELETED]},
                                                                    "config": {"where": IN_WINDOW}}}]}]
        columns += audit_columns()
        return {"name": sts.model,
                "description": sts.description or f"When {source.name} stopped delivering keys of {parent.model}, "
                                                  "and when they came back.",
                "data_tests": [unique_in_window(parent.key, "load_datetime")],
                "columns": columns}
