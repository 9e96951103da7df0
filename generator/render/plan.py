"""Turn a valid spec into the dbt files of the raw vault (staging and raw_vault layers).

Each file is a ``GeneratedFile``: where it goes, what it says, and which spec file it comes from.
The files of each raw vault table come from its kind (``generator/kinds/``); this module adds the
staging of each source, the YAML of each layer and the business vault. Rendering is pure: the
same spec always gives the same files, byte for byte.

>>> from generator.spec.model import Hub, Feed, Origin, Source, Spec
>>> src = Source("orders", "orders.csv", "orders.csv", (("order_id", "text"),), Origin("s.yml", 1))
>>> hub = Hub("order", ("order_id",), (Feed("orders", ("order_id",)),), Origin("h.yml", 2))
>>> [f.path.rsplit("/", 1)[-1] for f in plan(Spec(sources=(src,), hubs=(hub,))) if f.path.endswith(".sql")]
['hub_order.sql', 'pending_orders.sql', 'stg_orders.sql']
"""

from __future__ import annotations

from typing import Any

import yaml

from generator import kinds
from generator.kinds.data_tests import source_relationship, unique_together
from generator.kinds.files import (
    BUSINESS_SOURCES,
    BUSINESS_VAULT,
    PROJECT_FILE,
    RAW_VAULT,
    STAGING,
    GeneratedFile,
    origins,
    render,
)
from generator.kinds.resolved import resolved_stage, resolved_view
from generator.kinds.satellite import sat_stage
from generator.kinds.stage import StageColumns, resolved_stage_columns, stage_columns
from generator.render import drift
from generator.render.pending import pending_file
from generator.render.resolved import resolved_file
from generator.spec.model import (
    Bridge,
    Link,
    Satellite,
    Source,
    Spec,
)


class _Dumper(yaml.SafeDumper):
    """PyYAML's safe dumper, remembering how it analysed each scalar: a large spec repeats the same
    names and descriptions thousands of times, and the analysis depends on the text alone."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._analysed: dict[str, Any] = {}

    def analyze_scalar(self, scalar: str) -> Any:
        found = self._analysed.get(scalar)
        if found is None:
            found = self._analysed[scalar] = super().analyze_scalar(scalar)
        return found


def _plain_ascii(value: Any) -> bool:
    """Whether a document holds only printable ASCII text, whole numbers, booleans, lists and mappings
    keyed by short names."""
    if isinstance(value, str):
        return value.isascii() and value.isprintable()
    if isinstance(value, dict):  # keys are short names (an empty or a long key is written another way)
        return all(isinstance(k, str) and 0 < len(k) <= 64 and _plain_ascii(k) and _plain_ascii(v)
                   for k, v in value.items())
    if isinstance(value, list):
        return all(_plain_ascii(v) for v in value)
    return value is None or isinstance(value, (bool, int))


def _yaml(document: dict[str, Any]) -> str:
    # libyaml's emitter is many times faster and writes the same bytes as PyYAML's for such documents
    # (compared on the golden specs and on many random printable-ASCII documents); text beyond that
    # (accents, tabs, line breaks, other scripts) is escaped and folded differently, so it keeps the
    # pure-Python emitter the golden files were written with.
    fast = getattr(yaml, "CSafeDumper", None) if _plain_ascii(document) else None
    return yaml.dump(document, Dumper=fast or _Dumper, sort_keys=False, allow_unicode=True, width=100,
                     default_flow_style=False)


def plan(spec: Spec) -> list[GeneratedFile]:
    """Every file the spec generates, sorted by path."""
    staged = _staged_sources(spec)
    raw_vault_models = _raw_vault_models(spec)
    raw_vault_yaml = _raw_vault_yaml(spec, raw_vault_models)
    files = [_project_file(spec), _landing_sources(spec), _staging_yaml(spec, staged), raw_vault_yaml,
             _raw_vault_sources(raw_vault_models, raw_vault_yaml, spec.naming.raw_vault_schema),
             _hash_definitions(spec)]
    for source in staged:
        files.append(pending_file(spec, source))
        files.append(_stage(spec, source))
        if _resolves_later(spec, source):
            files.append(resolved_file(spec, source))
            files.append(_stage(spec, source, resolved=True))
    for kind, entity in kinds.entities(spec):
        files += kind.files(spec, entity)
    files += _business_vault(spec)
    return sorted(files, key=lambda f: f.path)


def _business_vault(spec: Spec) -> list[GeneratedFile]:
    """PITs, bridges and their calendar, and the documentation of the computed satellites."""
    files: list[GeneratedFile] = []
    if not (spec.point_in_time_tables or spec.bridges or spec.computed_satellites):
        return files
    timed = (*spec.point_in_time_tables, *spec.bridges)
    if timed:
        spines = sorted({t.as_of for t in timed} - {"load_times"}, key=["day", "week", "month"].index)
        files.append(GeneratedFile(f"{BUSINESS_VAULT}/as_of_dates.sql",
                                   render("as_of_dates.sql.j2", tables=spec.vault_models(), spines=spines),
                                   origins(timed), "as-of calendars"))
    for pit in spec.point_in_time_tables:
        parent = spec.parent_of(pit)
        files.append(GeneratedFile(f"{BUSINESS_VAULT}/pits/{pit.model}.sql",
                                   render("pit.sql.j2", pit=pit, parent=parent, key=parent.key,
                                           sats=[spec.satellite(n) for n in pit.satellites]),
                                   pit.origin.path, f"point-in-time table {pit.name}"))
    for bridge in spec.bridges:
        files.append(GeneratedFile(f"{BUSINESS_VAULT}/bridges/{bridge.model}.sql",
                                   render("bridge.sql.j2", bridge=bridge, hub=spec.hub(bridge.hub),
                                           steps=bridge_steps(spec, bridge),
                                           in_force=any(s["eff"] for s in bridge_steps(spec, bridge)),
                                           deletions=bridge_deletions(spec, bridge)),
                                   bridge.origin.path, f"bridge {bridge.name}"))
    files.append(GeneratedFile(f"{BUSINESS_VAULT}/_business_vault.yml", _yaml(_business_vault_yaml(spec)),
                               origins((*timed, *spec.computed_satellites)), "business vault models"))
    return files


def hand_written(spec: Spec) -> list[str]:
    """Models the spec documents but a person writes: the computed satellites' SQL."""
    return [f"{BUSINESS_VAULT}/computed/{c.model}.sql" for c in spec.computed_satellites]


def bridge_steps(spec: Spec, bridge: Bridge) -> list[dict[str, Any]]:
    """How each link of a bridge joins: the key it shares, the table it joins, the columns it adds."""
    reached = {bridge.hub: spec.hub(bridge.hub).model}
    steps = []
    for name in bridge.links:
        link = spec.link(name)
        shared = next(h for h in link.hubs if h in reached)
        eff = next((e for e in spec.effectivity_satellites if e.link == name), None)
        new_hubs = [h for h in link.hubs if h not in reached]
        steps.append({
            "link": link, "eff": eff, "join_key": spec.hub(shared).key, "join_from": reached[shared],
            "columns": [link.key, *(spec.hub(h).key for h in link.hubs)],
            "new_columns": [link.key, *(spec.hub(h).key for h in new_hubs)],
        })
        for hub in new_hubs:
            reached[hub] = link.model
    return steps


def bridge_deletions(spec: Spec, bridge: Bridge) -> list[dict[str, Any]]:
    """The keys of a bridge's path that a status-tracking satellite can mark deleted: the start hub's,
    each link's, and each hub's a link reaches first, with the table of the path holding them.

    A relationship is no longer in force once the source stopped delivering one of its keys.
    """
    holders = [(bridge.hub, spec.hub(bridge.hub).model, spec.hub(bridge.hub).key)]
    reached = {bridge.hub}
    for name in bridge.links:
        link = spec.link(name)
        holders.append((link.name, link.model, link.key))
        holders += [(h, link.model, spec.hub(h).key) for h in link.hubs if h not in reached]
        reached.update(link.hubs)
    return [{"sts": sts, "table": table, "key": key}
            for parent, table, key in holders for sts in spec.status_tracking_satellites if sts.parent == parent]


def bridge_columns(spec: Spec, bridge: Bridge) -> list[str]:
    return ["as_of_date", spec.hub(bridge.hub).key, *(c for s in bridge_steps(spec, bridge) for c in s["new_columns"])]


def _business_vault_yaml(spec: Spec) -> dict[str, Any]:
    models: list[dict[str, Any]] = []
    if spec.point_in_time_tables or spec.bridges:
        models.append({
            "name": "as_of_dates",
            "description": "The as-of dates of the point-in-time tables and bridges, per calendar.",
            "data_tests": [unique_together("calendar", "as_of_date")],
            "columns": [{"name": "calendar", "description": "load_times, day, week or month.",
                         "data_tests": ["not_null"]},
                        {"name": "as_of_date", "description": "A load time, or the last second of a period.",
                         "data_tests": ["not_null"]}],
        })
    for pit in spec.point_in_time_tables:
        parent = spec.parent_of(pit)
        columns: list[dict[str, Any]] = [
            {"name": parent.key, "description": f"Key of {parent.model}.",
             "data_tests": ["not_null", source_relationship(parent.model, parent.key)]},
            {"name": "as_of_date", "description": f"As-of date ({pit.as_of}).", "data_tests": ["not_null"]},
        ]
        for name in pit.satellites:
            sat = spec.satellite(name)
            columns += [
                {"name": f"{sat.model}_pk", "description": f"Key of the {sat.model} row current at the as-of date "
                 "(the ghost key when there is none).", "data_tests": ["not_null"]},
                {"name": f"{sat.model}_ldts", "description": f"Load time of that {sat.model} row "
                 "(1900-01-01 for the ghost record).", "data_tests": ["not_null"]},
            ]
        models.append({"name": pit.model,
                       "description": pit.description or f"Point-in-time table of {parent.model}.",
                       "data_tests": [unique_together(parent.key, "as_of_date")], "columns": columns})
    for bridge in spec.bridges:
        columns = [{"name": c, "data_tests": ["not_null"]} for c in bridge_columns(spec, bridge)]
        models.append({"name": bridge.model,
                       "description": bridge.description or f"Bridge from {bridge.hub} through "
                       f"{', '.join(bridge.links)}.",
                       "data_tests": [unique_together(*bridge_columns(spec, bridge))], "columns": columns})
    for computed in spec.computed_satellites:
        parent = spec.parent_of(computed)
        columns = [
            {"name": parent.key, "description": f"Key of {parent.model}.",
             "data_tests": ["not_null", source_relationship(parent.model, parent.key)]},
            {"name": "load_datetime", "description": "Load time of the raw vault rows the values come from.",
             "data_tests": ["not_null"]},
            {"name": "record_source", "description": "dvkit.business_rule: computed, not delivered."},
        ]
        columns += [{"name": name, "description": rule} for name, rule in computed.columns]
        models.append({"name": computed.model,
                       "description": computed.description or f"Computed satellite {computed.name}.",
                       "meta": {"business_rule": True},
                       "data_tests": [unique_together(parent.key, "load_datetime")], "columns": columns})
    return {"version": 2, "models": models}


def _hash_definitions(spec: Spec) -> GeneratedFile:
    """What every hash is computed from: the next generation warns when the spec changes it."""
    spec_files = origins(entity for kind, entity in kinds.entities(spec) if kind.name in drift.SECTION_OF)
    return GeneratedFile(drift.DEFINITIONS_FILE, drift.definitions_text(spec), spec_files, "hash definitions")


def _project_file(spec: Spec) -> GeneratedFile:
    origin = spec.settings.origin.path if spec.settings.origin else "the spec's defaults"
    return GeneratedFile(PROJECT_FILE, render("dbt_project.yml.j2", settings=spec.settings), origin,
                         "dbt project settings")


def _staged_sources(spec: Spec) -> list[Source]:
    return [source for source in spec.sources if spec.models_fed_by(source.name)]


def link_key_columns(spec: Spec, link: Link, source: str) -> tuple[str, ...]:
    """Source columns hashed into the link key: each hub's key in order, then the child key."""
    return spec.link_key_columns(link, source)


def _resolves_later(spec: Spec, source: Source) -> bool:
    """Whether a hub or link reads the rows of ``source`` that a lookup resolves later (``kinds/resolved.py``)."""
    return any(kind.reads_resolved(spec, entity, source.name) for kind, entity in kinds.entities(spec))


def _stage(spec: Spec, source: Source, resolved: bool = False) -> GeneratedFile:
    """``stg_<source>.sql``, or with ``resolved`` the stage of its rows resolved later."""
    staged: StageColumns  # what each kind's tables need (generator/kinds/stage.py)
    if resolved:
        staged, name, model = resolved_stage_columns(spec, source.name), resolved_stage(source.name), \
            resolved_view(source.name)
    else:
        staged, name, model = stage_columns(spec, source.name), f"stg_{source.name}", f"pending_{source.name}"
    return GeneratedFile(f"{STAGING}/{name}.sql",
                         render("stage.sql.j2", source=source, source_model=model, derived=staged.derived,
                                hashed=staged.hashed, added=staged.added),
                         source.origin.path, f"source {source.name}")


# -- YAML files: descriptions and tests, one per layer ---------------------------------------------

def _landing_sources(spec: Spec) -> GeneratedFile:
    tables = []
    for source in spec.sources:
        columns = [{"name": name,
                    **({"description": text} if (text := source.column_description(name)) else {}),
                    "data_type": type_,
                    **({"meta": {"personal_data": True}} if name in source.personal_columns else {})}
                   for name, type_ in source.columns]
        columns += [
            {"name": "_batch_id", "description": "Load batch that delivered the row (landing.batches)."},
            {"name": "_load_ts", "description": "Load time of the batch."},
            {"name": "_record_source", "description": "Record source of the file."},
            {"name": "_source_file", "description": "File the row was read from."},
            {"name": "_source_line", "description": "Line of the file where the row starts (header = 1)."},
        ]
        tables.append({"name": source.name, "description": source.description or f"Rows of {source.file}.",
                       "columns": columns})
    if spec.status_tracking_satellites:  # they read which deliveries were whole
        tables += [{"name": "batches", "description": "The batch log: one row per batch, with its load time."},
                   {"name": "batch_files", "description": "The files of each batch, counted; full_extract says "
                    "whether the delivery was the whole table."}]
    document = {"version": 2, "sources": [{
        "name": "landing", "schema": "landing",
        "description": "Source files as loaded by `dvkit load`: one row per file row, with batch metadata.",
        "tables": tables,
    }]}
    return GeneratedFile(f"{STAGING}/_landing_sources.yml", _yaml(document), origins(spec.sources),
                         "landing sources")


def _staging_yaml(spec: Spec, staged: list[Source]) -> GeneratedFile:
    models = []
    for source in staged:
        models.append({"name": f"pending_{source.name}",
                       "description": f"Rows of {source.file} from the batches being staged"
                       + (", with looked-up columns." if source.lookups else ".")})
        models.append({"name": f"stg_{source.name}",
                       "description": f"{source.file} with hash keys, hashdiffs, load time and record source."})
        if _resolves_later(spec, source):
            models.append({"name": resolved_view(source.name),
                           "description": f"Rows of {source.file} from earlier batches whose lookup found nothing "
                                          "when they were staged and which the batches being staged resolve, "
                                          "with the batch and load time that resolved them."})
            models.append({"name": resolved_stage(source.name),
                           "description": f"{resolved_view(source.name)} with the hash keys of the hubs and links "
                                          "keyed by a looked-up column (no satellite reads it)."})
    for sat in (*spec.satellites, *spec.multi_active_satellites):
        models.append({"name": sat_stage(sat),
                       "description": f"stg_{sat.source} as {sat.model} reads it: one version per key and load "
                                      "time" + (f", {sat.effective_from} as effective_from." if isinstance(
                                          sat, Satellite) and sat.effective_from else ".")})
    return GeneratedFile(f"{STAGING}/_staging.yml", _yaml({"version": 2, "models": models}),
                         origins(staged), "staging models")


# -- the raw vault's YAML: each kind writes its tables' models (generator/kinds/) -----------------

def _raw_vault_models(spec: Spec) -> list[dict[str, Any]]:
    """The models of the raw vault's YAML: names, descriptions, columns and their tests."""
    return [kind.docs(spec, entity) for kind, entity in kinds.entities(spec)]


def _raw_vault_yaml(spec: Spec, models: list[dict[str, Any]]) -> GeneratedFile:
    return GeneratedFile(f"{RAW_VAULT}/_raw_vault.yml", _yaml({"version": 2, "models": models}),
                         origins(entity for _, entity in kinds.entities(spec)), "raw vault models")


def _raw_vault_sources(models: list[dict[str, Any]], raw_vault_yaml: GeneratedFile, schema: str) -> GeneratedFile:
    """The raw vault as the business vault's source: the same tables and columns, without tests.

    The source keeps its name (``source('raw_vault', ...)``) in any schema the naming convention gives it.
    """
    tables = [{"name": m["name"], "description": m["description"],
               "columns": [{k: v for k, v in c.items() if k != "data_tests"} for c in m["columns"]]}
              for m in models]
    document = {"version": 2, "sources": [{
        "name": "raw_vault", "schema": schema,
        "description": "The raw vault built by dbt_vault/ (hubs, links and satellites), read-only here.",
        "tables": tables,
    }]}
    return GeneratedFile(f"{BUSINESS_SOURCES}/_raw_vault.yml", _yaml(document), raw_vault_yaml.spec_file,
                         "raw vault as a source")
