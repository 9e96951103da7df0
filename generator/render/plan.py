"""Turn a valid spec into the dbt files of the raw vault (staging and raw_vault layers).

Each file is a ``GeneratedFile``: where it goes, what it says, and which spec file it comes from.
Rendering is pure: the same spec always gives the same files, byte for byte.

>>> from generator.spec.model import Hub, Feed, Origin, Source, Spec
>>> src = Source("orders", "orders.csv", "orders.csv", (("order_id", "text"),), Origin("s.yml", 1))
>>> hub = Hub("order", ("order_id",), (Feed("orders", ("order_id",)),), Origin("h.yml", 2))
>>> [f.path.rsplit("/", 1)[-1] for f in plan(Spec(sources=(src,), hubs=(hub,))) if f.path.endswith(".sql")]
['hub_order.sql', 'pending_orders.sql', 'stg_orders.sql']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from generator.render import drift
from generator.render.data_tests import (
    IN_WINDOW,
    NOT_GHOST,
    audit_columns,
    not_null,
    parent_key,
    relationship,
    source_relationship,
    unique,
    unique_in_window,
    unique_together,
)
from generator.render.files import (
    BUSINESS_SOURCES,
    BUSINESS_VAULT,
    PROJECT_FILE,
    RAW_VAULT,
    STAGING,
    GeneratedFile,
    origins,
    render,
)
from generator.spec.model import (
    EFFECTIVITY_DATES,
    Bridge,
    Hub,
    Link,
    MultiActiveSatellite,
    Satellite,
    Source,
    Spec,
)


@dataclass(frozen=True)
class Hashed:
    name: str
    columns: tuple[str, ...]
    is_hashdiff: bool = False


@dataclass(frozen=True)
class AddedHashdiff:
    """A hashdiff over a payload that gained columns after the satellite went live.

    Computed by the project's macro ``dvkit_hashdiff`` (dbt_vault/macros/) as a derived column:
    AutomateDV's hashdiff of ``payload``, extended by the non-trailing-NULL ``added`` columns.
    """

    name: str
    payload: tuple[str, ...]
    added: tuple[str, ...]


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
             _raw_vault_sources(raw_vault_models, raw_vault_yaml), _hash_definitions(spec)]
    for source in staged:
        files.append(GeneratedFile(f"{STAGING}/pending_{source.name}.sql", render("pending.sql.j2", source=source,
                                                                  first_line_per=spec.first_line_per_key(source.name)),
                                   source.origin.path, f"source {source.name}"))
        files.append(_stage(spec, source))
    for hub in spec.hubs:
        stages = [f"stg_{feed.source}" for feed in sorted(hub.feeds, key=lambda f: f.source)]
        nk = hub.business_key[0] if len(hub.business_key) == 1 else list(hub.business_key)
        files.append(GeneratedFile(f"{RAW_VAULT}/hubs/{hub.model}.sql",
                                   render("hub.sql.j2", hub=hub, stages=stages, nk=nk),
                                   hub.origin.path, f"hub {hub.name}"))
    for link in spec.links:
        stages = [f"stg_{name}" for name in sorted(link.sources)]
        fks = [spec.hub(name).key for name in link.hubs]
        files.append(GeneratedFile(f"{RAW_VAULT}/links/{link.model}.sql",
                                   render("link.sql.j2", link=link, stages=stages, fks=fks),
                                   link.origin.path, f"link {link.name}"))
    for sat in spec.satellites:
        key = spec.parent_of(sat).key
        files.append(GeneratedFile(f"{RAW_VAULT}/satellites/{sat.model}.sql",
                                   render("sat.sql.j2", sat=sat, parent=spec.parent_of(sat), stage=sat_stage(sat)),
                                   sat.origin.path, f"satellite {sat.name}"))
        files.append(GeneratedFile(f"{STAGING}/{sat_stage(sat)}.sql",
                                   render("sat_stage.sql.j2", sat=sat, model=sat.model, partition=[key],
                                           columns=[key, sat.hashdiff, *sat.stored_payload],
                                           eff=effective_from_column(sat)),
                                   sat.origin.path, f"satellite {sat.name}"))
    for ma_sat in spec.multi_active_satellites:
        key = spec.parent_of(ma_sat).key
        files.append(GeneratedFile(f"{RAW_VAULT}/satellites/{ma_sat.model}.sql",
                                   render("ma_sat.sql.j2", sat=ma_sat, parent=spec.parent_of(ma_sat),
                                           stage=sat_stage(ma_sat)),
                                   ma_sat.origin.path, f"multi-active satellite {ma_sat.name}"))
        files.append(GeneratedFile(f"{STAGING}/{sat_stage(ma_sat)}.sql",
                                   render("sat_stage.sql.j2", sat=ma_sat, model=ma_sat.model,
                                           partition=[key, *ma_sat.child_key],
                                           columns=[key, *ma_sat.child_key, *ma_sat.stored_payload, ma_sat.hashdiff],
                                           eff="effective_from"),
                                   ma_sat.origin.path, f"multi-active satellite {ma_sat.name}"))
    for eff in spec.effectivity_satellites:
        link = spec.link(eff.link)
        dfk = [spec.hub(h).key for h in link.hubs if h in eff.driving_key]
        sfk = [spec.hub(h).key for h in link.hubs if h not in eff.driving_key]
        files.append(GeneratedFile(f"{RAW_VAULT}/satellites/{eff.model}.sql",
                                   render("eff_sat.sql.j2", link=link, dfk=dfk, sfk=sfk, stage=f"stg_{eff.source}"),
                                   eff.origin.path, f"effectivity satellite {eff.name}"))
    for xts in spec.tracking_satellites:
        tracked = [spec.satellite(name) for name in xts.satellites]
        stages = sorted({f"stg_{sat.source}" for sat in tracked})
        files.append(GeneratedFile(f"{RAW_VAULT}/satellites/{xts.model}.sql",
                                   render("xts.sql.j2", parent=spec.parent_of(xts), tracked=tracked, stages=stages),
                                   xts.origin.path, f"tracking satellite {xts.name}"))
    for ref in spec.reference_tables:
        files.append(GeneratedFile(f"{RAW_VAULT}/reference/{ref.model}.sql",
                                   render("ref_table.sql.j2", ref=ref, stage=f"stg_{ref.source}"),
                                   ref.origin.path, f"reference table {ref.name}"))
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
                                           in_force=any(s["eff"] for s in bridge_steps(spec, bridge))),
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
    spec_files = origins((*spec.hubs, *spec.links, *spec.satellites, *spec.multi_active_satellites))
    return GeneratedFile(drift.DEFINITIONS_FILE, drift.definitions_text(spec), spec_files, "hash definitions")


def _project_file(spec: Spec) -> GeneratedFile:
    origin = spec.settings.origin.path if spec.settings.origin else "the spec's defaults"
    return GeneratedFile(PROJECT_FILE, render("dbt_project.yml.j2", settings=spec.settings), origin,
                         "dbt project settings")


def effective_from_column(sat: Satellite) -> str:
    """Staged column holding the satellite's effective-from (the load time unless the spec says)."""
    return f"{sat.name}_effective_from" if sat.effective_from else "effective_from"


def sat_stage(sat: Satellite | MultiActiveSatellite) -> str:
    """The staging model a (multi-active) satellite reads: its source's stage, one version per load."""
    return f"stg_{sat.model}"


def _staged_sources(spec: Spec) -> list[Source]:
    return [source for source in spec.sources if spec.models_fed_by(source.name)]


def _hubs_needed(spec: Spec, source: Source) -> list[Hub]:
    """Hubs whose key the stage of ``source`` must compute."""
    names = {hub.name for hub in spec.hubs if any(f.source == source.name for f in hub.feeds)}
    for link in spec.links:
        if source.name in link.sources:
            names.update(link.hubs)
    for sat in (*spec.satellites, *spec.multi_active_satellites):
        if sat.source == source.name and any(h.name == sat.parent for h in spec.hubs):
            names.add(sat.parent)
    return [hub for hub in spec.hubs if hub.name in names]


def link_key_columns(spec: Spec, link: Link, source: str) -> tuple[str, ...]:
    """Source columns hashed into the link key: each hub's key in order, then the child key."""
    return spec.link_key_columns(link, source)


def _stage(spec: Spec, source: Source) -> GeneratedFile:
    derived: list[tuple[str, str]] = [
        ("load_datetime", "_load_ts"),
        ("record_source", "_record_source"),
        ("effective_from", "_load_ts"),
    ]
    hashed: list[Hashed] = []
    added: list[AddedHashdiff] = []  # hashdiffs of satellites with payload_added: derived by dvkit's macro
    for hub in _hubs_needed(spec, source):
        columns = hub.columns_in(source.name)
        if columns != hub.business_key:
            # A multi-source hub reads one key column name from every stage (once, when two hubs share it).
            derived.extend(pair for pair in zip(hub.business_key, columns, strict=True) if pair not in derived)
        hashed.append(Hashed(hub.key, columns))
    for link in spec.links:
        if source.name in link.sources:
            hashed.append(Hashed(link.key, link_key_columns(spec, link, source.name)))
    tracked = {name for xts in spec.tracking_satellites for name in xts.satellites}
    for sat in spec.satellites:
        if sat.source != source.name:
            continue
        if sat.effective_from:
            derived.append((effective_from_column(sat), sat.effective_from))
        if sat.name in tracked:
            derived.append((f"{sat.name}_satellite_name", f"'!{sat.model}'"))
        if sat.payload_added:
            added.append(AddedHashdiff(sat.hashdiff, sat.payload, sat.payload_added))
        else:
            hashed.append(Hashed(sat.hashdiff, sat.payload, is_hashdiff=True))
    for ma_sat in spec.multi_active_satellites:
        if ma_sat.source == source.name:
            # The child key is part of each row's hashdiff: a renumbered payment is a change.
            if ma_sat.payload_added:
                added.append(AddedHashdiff(ma_sat.hashdiff, ma_sat.child_key + ma_sat.payload, ma_sat.payload_added))
            else:
                hashed.append(Hashed(ma_sat.hashdiff, ma_sat.child_key + ma_sat.payload, is_hashdiff=True))
    if any(eff.source == source.name for eff in spec.effectivity_satellites):
        # A relationship starts when it is first loaded and stays open until another replaces it.
        derived += list(EFFECTIVITY_DATES)
    return GeneratedFile(f"{STAGING}/stg_{source.name}.sql",
                         render("stage.sql.j2", source=source, derived=derived, hashed=hashed, added=added),
                         source.origin.path, f"source {source.name}")


# -- YAML files: descriptions and tests, one per layer ---------------------------------------------

def _landing_sources(spec: Spec) -> GeneratedFile:
    tables = []
    for source in spec.sources:
        columns = [{"name": name, "data_type": type_,
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
    for sat in (*spec.satellites, *spec.multi_active_satellites):
        models.append({"name": sat_stage(sat),
                       "description": f"stg_{sat.source} as {sat.model} reads it: one version per key and load "
                                      "time" + (f", {sat.effective_from} as effective_from." if isinstance(
                                          sat, Satellite) and sat.effective_from else ".")})
    return GeneratedFile(f"{STAGING}/_staging.yml", _yaml({"version": 2, "models": models}),
                         origins(staged), "staging models")


# -- the raw vault's YAML: its models with their columns and data tests (data_tests.py) ---------

def _raw_vault_models(spec: Spec) -> list[dict[str, Any]]:
    """The models of the raw vault's YAML: names, descriptions, columns and their tests."""
    models: list[dict[str, Any]] = []
    for hub in spec.hubs:
        columns: list[dict[str, Any]] = [
            {"name": hub.key, "description": f"Hash of {', '.join(hub.business_key)}.",
             "data_tests": [unique(), not_null()]},
        ]
        columns += [{"name": c, "description": "Business key, as first delivered.", "data_tests": [not_null()]}
                    for c in hub.business_key]
        columns += audit_columns()
        models.append({"name": hub.model, "description": hub.description or f"Hub {hub.name}.", "columns": columns})
    for link in spec.links:
        columns = [{"name": link.key, "description": f"Hash of the keys of {', '.join(link.hubs)}"
                    + (f" and {', '.join(link.dependent_child_key)}." if link.dependent_child_key else "."),
                    "data_tests": [unique(), not_null()]}]
        for name in link.hubs:
            hub = spec.hub(name)
            columns.append({"name": hub.key, "description": f"Key of hub {name}.",
                            "data_tests": [not_null(), relationship(hub.model, hub.key)]})
        columns += [{"name": c, "description": "Dependent child key.", "data_tests": [not_null()]}
                    for c in link.dependent_child_key]
        columns += audit_columns()
        models.append({"name": link.model, "description": link.description or f"Link {link.name}.",
                       "columns": columns})
    for sat in spec.satellites:
        parent = spec.parent_of(sat)
        columns = [
            parent_key(parent),
            {"name": sat.hashdiff, "description": "Hash of the payload, sorted by column name.",
             "data_tests": [not_null()]},
        ]
        columns += [{"name": c} for c in sat.stored_payload]
        columns.append({"name": "effective_from",
                        "description": f"Business effective time ({sat.effective_from or 'the load time'})."})
        columns += audit_columns()
        model: dict[str, Any] = {"name": sat.model, "description": sat.description or f"Satellite {sat.name}."}
        if sat.personal_data:
            model["meta"] = {"personal_data": True, "retention": spec.source(sat.source).retention}
        models.append({**model, "data_tests": [unique_in_window(parent.key, "load_datetime")], "columns": columns})
    for ma_sat in spec.multi_active_satellites:
        parent = spec.parent_of(ma_sat)
        columns = [parent_key(parent)]
        columns += [{"name": c, "description": "Child key: tells the active rows of one key apart.",
                     "data_tests": [not_null(f"{NOT_GHOST} and {IN_WINDOW}")]} for c in ma_sat.child_key]
        columns += [{"name": c} for c in ma_sat.stored_payload]
        columns += [{"name": ma_sat.hashdiff, "description": "Hash of the child key and payload of the row.",
                     "data_tests": [not_null()]},
                    {"name": "effective_from", "description": "Business effective time (the load time)."}]
        columns += audit_columns()
        models.append({"name": ma_sat.model, "description": ma_sat.description or f"Satellite {ma_sat.name}.",
                       "data_tests": [unique_in_window(parent.key, *ma_sat.child_key, "load_datetime")],
                       "columns": columns})
    for eff in spec.effectivity_satellites:
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
        models.append({"name": eff.model, "description": eff.description or f"Effectivity of {link.model}.",
                       "data_tests": [unique_in_window(link.key, "load_datetime", "end_date")],
                       "columns": columns})
    for xts in spec.tracking_satellites:
        parent = spec.parent_of(xts)
        columns = [parent_key(parent),
                   {"name": "hashdiff", "description": "Hashdiff of the tracked satellite's payload as delivered.",
                    "data_tests": [not_null()]},
                   {"name": "satellite_name", "description": "The satellite the delivery belongs to.",
                    "data_tests": [not_null(), {"accepted_values": {"arguments": {
                        "values": [spec.satellite(n).model for n in xts.satellites]},
                        "config": {"where": f"{NOT_GHOST} and {IN_WINDOW}"}}}]}]
        columns += audit_columns()
        models.append({"name": xts.model, "description": xts.description or f"Tracking of {parent.model}.",
                       "data_tests": [unique_in_window(parent.key, "hashdiff", "satellite_name", "load_datetime")],
                       "columns": columns})
    for ref in spec.reference_tables:
        # Without one_row_per_key a key may hold several rows (every distinct row of its first delivery).
        columns = [{"name": ref.key, "description": "Reference key, as delivered.",
                    "data_tests": [unique(), not_null()] if ref.one_row_per_key else [not_null()]}]
        columns += [{"name": c} for c in ref.payload]
        columns += audit_columns()
        models.append({"name": ref.model, "description": ref.description or f"Reference data {ref.name}.",
                       "columns": columns})
    return models


def _raw_vault_yaml(spec: Spec, models: list[dict[str, Any]]) -> GeneratedFile:
    entities = (*spec.hubs, *spec.links, *spec.satellites, *spec.multi_active_satellites,
                *spec.effectivity_satellites, *spec.tracking_satellites, *spec.reference_tables)
    return GeneratedFile(f"{RAW_VAULT}/_raw_vault.yml", _yaml({"version": 2, "models": models}),
                         origins(entities), "raw vault models")


def _raw_vault_sources(models: list[dict[str, Any]], raw_vault_yaml: GeneratedFile) -> GeneratedFile:
    """The raw vault as the business vault's source: the same tables and columns, without tests."""
    tables = [{"name": m["name"], "description": m["description"],
               "columns": [{k: v for k, v in c.items() if k != "data_tests"} for c in m["columns"]]}
              for m in models]
    document = {"version": 2, "sources": [{
        "name": "raw_vault", "schema": "raw_vault",
        "description": "The raw vault built by dbt_vault/ (hubs, links and satellites), read-only here.",
        "tables": tables,
    }]}
    return GeneratedFile(f"{BUSINESS_SOURCES}/_raw_vault.yml", _yaml(document), raw_vault_yaml.spec_file,
                         "raw vault as a source")
