"""Effectivity satellites: when each relationship of a link is in force, per driving key."""

from __future__ import annotations

from typing import Any

from generator.kinds.base import Kind
from generator.kinds.data_tests import audit_columns, not_null, parent_key, unique_in_window
from generator.kinds.definition import Definition, typed
from generator.kinds.files import GeneratedFile, render
from generator.kinds.stage import Derived, StageColumn
from generator.spec.model import EFFECTIVITY_DATES, EffectivitySatellite, Spec


class EffectivitySatelliteKind(Kind[EffectivitySatellite]):
    name = "eff_sat"
    entity_type = EffectivitySatellite
    section = "effectivity_satellites"
    label = "effectivity satellite"
    folder = "satellites"
    longest_name = "eff_sat_{}"
    made_names = ("{prefix}{name}",)

    def entities(self, spec: Spec) -> tuple[EffectivitySatellite, ...]:
        return spec.effectivity_satellites

    def sources(self, spec: Spec, eff: EffectivitySatellite) -> tuple[str, ...]:
        return (eff.source,)

    def parent(self, spec: Spec, eff: EffectivitySatellite) -> str | None:
        return eff.link

    def stage_columns(self, spec: Spec, eff: EffectivitySatellite, source: str) -> list[StageColumn]:
        # A relationship starts when it is first loaded and stays open until another replaces it.
        return [Derived(name, expression, f"{self.label} '{eff.name}'", eff.origin)
                for name, expression in EFFECTIVITY_DATES] if eff.source == source else []

    def definition(self, spec: Spec, eff: EffectivitySatellite) -> Definition:
        link = spec.link(eff.link)
        rows = {"hash": spec.settings.hash, "link": link.model,
                "link_key": typed(spec, eff.source, spec.link_key_columns(link, eff.source)),
                "driving_key": [spec.hub(h).key for h in link.hubs if h in eff.driving_key],
                "source": eff.source}
        return Definition(eff.model, self.name, rows, self.sources(spec, eff))

    def files(self, spec: Spec, eff: EffectivitySatellite) -> list[GeneratedFile]:
        link = spec.link(eff.link)
        dfk = [spec.hub(h).key for h in link.hubs if h in eff.driving_key]
        sfk = [spec.hub(h).key for h in link.hubs if h not in eff.driving_key]
        return [self.table_file(eff, render("eff_sat.sql.j2", link=link, dfk=dfk, sfk=sfk, stage=f"stg_{eff.source}"))]

    def docs(self, spec: Spec, eff: EffectivitySatellite) -> dict[str, Any]:
        link = spec.link(eff.link)
        columns = [parent_key(link)]
        columns += [{"name": spec.hub(h).key, "description": ("Driving key" if h in eff.driving_key
                                                              else "Secondary key") + f": hub {h}.",
                     "data_tests": [not_null()]} for h in link.hubs]
        columns += [
            {"name": "start_date", "description": "When the relationship came into force.",
             "data_tests": [not_null()]},
            {"name": "end_date", "description": "When it ended (9999-12-31: still in force).",
             "data_tests": [not_null()]},
            {"name": "effective_from", "description": "Business effective time of the row."},
        ]
        columns += audit_columns()
        return {"name": eff.model, "description": eff.description or f"Effectivity of {link.model}.",
                "data_tests": [unique_in_window(link.key, "load_datetime", "end_date")], "columns": columns}
