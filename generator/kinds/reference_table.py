"""Reference tables: reference data keyed by a natural key (not hashed)."""

from __future__ import annotations

from typing import Any

from generator.kinds.base import Kind
from generator.kinds.data_tests import audit_columns, not_null, source_column, unique
from generator.kinds.definition import Definition, typed
from generator.kinds.files import GeneratedFile, render
from generator.spec.model import ReferenceTable, Spec


class ReferenceTableKind(Kind[ReferenceTable]):
    name = "ref_table"
    entity_type = ReferenceTable
    section = "reference_tables"
    label = "reference table"
    folder = "reference"
    longest_name = "ref_{}"
    made_names = ("{prefix}{name}",)

    def entities(self, spec: Spec) -> tuple[ReferenceTable, ...]:
        return spec.reference_tables

    def sources(self, spec: Spec, ref: ReferenceTable) -> tuple[str, ...]:
        return (ref.source,)

    def definition(self, spec: Spec, ref: ReferenceTable) -> Definition:
        rows = {"source": ref.source, "key": typed(spec, ref.source, (ref.key,)),
                "payload": typed(spec, ref.source, ref.payload), "one_row_per_key": ref.one_row_per_key}
        return Definition(ref.model, self.name, rows, self.sources(spec, ref))

    def files(self, spec: Spec, ref: ReferenceTable) -> list[GeneratedFile]:
        return [self.table_file(ref, render("ref_table.sql.j2", ref=ref, stage=f"stg_{ref.source}"))]

    def docs(self, spec: Spec, ref: ReferenceTable) -> dict[str, Any]:
        # Without one_row_per_key a key may hold several rows (every distinct row of its first delivery).
        columns = [{**source_column(spec, ref.source, ref.key, "Reference key, as delivered."),
                    "data_tests": [unique(), not_null()] if ref.one_row_per_key else [not_null()]}]
        columns += [source_column(spec, ref.source, c) for c in ref.payload]
        columns += audit_columns()
        return {"name": ref.model, "description": ref.description or f"Reference data {ref.name}.",
                "columns": columns}
