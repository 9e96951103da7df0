"""The registry of raw vault kinds: one entry per kind of the spec, and each kind's facts hold in
the files it renders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from generator.evolution.definition import definitions
from generator.kinds import REGISTRY, by_section, entities, kind_of
from generator.kinds.files import RAW_VAULT
from generator.render.plan import plan
from generator.spec.model import Spec
from generator.spec.structure import schema
from generator.spec.validate import LONGEST_NAME, SECTIONS, load_spec

GOLDEN_SPEC = Path(__file__).parent.parent / "render" / "golden_spec"
# Sections of the spec that are not raw vault tables.
NOT_RAW_VAULT = {"sources", "settings", "point_in_time_tables", "bridges", "computed_satellites"}
TEMPLATES = Path(__file__).parent.parent.parent / "generator" / "render" / "templates"

# Every kind once, named by a word found nowhere else, so that each identifier holding the word is
# one dvkit made of that entity's name. The bridge and the effectivity satellite on the link, the
# tracking satellite and the point-in-time table over the satellite, and the satellite's own
# effective-from make the longest names the validator must know of.
MARKED = """
sources:
  - name: src
    file: src.csv
    columns: {a_id: text, b_id: text, c_no: integer, val: text, at: timestamp, code: text}
hubs:
  - {name: hqa, business_key: a_id, sources: [{source: src}]}
  - {name: hqb, business_key: b_id, sources: [{source: src}]}
links:
  - {name: lqk, hubs: [hqa, hqb], sources: [{source: src}]}
satellites:
  - {name: sqs, parent: hqa, source: src, payload: [val], effective_from: at}
multi_active_satellites:
  - {name: mqm, parent: hqa, source: src, child_key: c_no, payload: [val]}
effectivity_satellites:
  - {name: eqe, link: lqk, driving_key: hqa}
tracking_satellites:
  - {name: tqx, parent: hqa, satellites: [sqs]}
reference_tables:
  - {name: rqr, source: src, key: code, payload: [val]}
non_historised_links:
  - {name: nqn, hubs: [hqa, hqb], source: src, dependent_child_key: c_no, payload: [val]}
status_tracking_satellites:
  - {name: tqs, parent: hqa, source: src}
point_in_time_tables:
  - {name: pqp, parent: hqa, satellites: [sqs], as_of: load_times}
bridges:
  - {name: bqb, hub: hqa, links: [lqk], as_of: day}
"""
MARKERS = {"hubs": "hqa", "links": "lqk", "satellites": "sqs", "multi_active_satellites": "mqm",
           "effectivity_satellites": "eqe", "tracking_satellites": "tqx", "reference_tables": "rqr",
           "non_historised_links": "nqn", "status_tracking_satellites": "tqs"}


def _load(folder: Path) -> Spec:
    result = load_spec(folder, folder.parent)
    assert result.ok and result.spec is not None, [str(p) for p in result.problems]
    return result.spec


@pytest.fixture(scope="module")
def golden() -> Spec:
    return _load(GOLDEN_SPEC)


@pytest.fixture(scope="module")
def marked(tmp_path_factory: pytest.TempPathFactory) -> Spec:
    folder = tmp_path_factory.mktemp("marked") / "spec"
    folder.mkdir()
    (folder / "vault.yml").write_text(MARKED, encoding="utf-8")
    return _load(folder)


def test_every_raw_vault_section_of_the_schema_has_one_kind() -> None:
    sections = set(schema()["properties"]) - NOT_RAW_VAULT
    assert sorted(kind.section for kind in REGISTRY) == sorted(sections)
    assert len({kind.name for kind in REGISTRY}) == len(REGISTRY)
    assert all(by_section(kind.section) is kind for kind in REGISTRY)


def test_the_validator_reads_its_raw_vault_sections_and_names_from_the_registry() -> None:
    assert SECTIONS[1:1 + len(REGISTRY)] == tuple(kind.section for kind in REGISTRY)
    for kind in REGISTRY:
        assert LONGEST_NAME[kind.section] == kind.longest_name


def test_each_kind_lists_its_section_of_the_spec(golden: Spec, marked: Spec) -> None:
    # The golden spec holds every kind but the non-historised link and the status-tracking satellite
    # (added later: its goldens stay as they are); the marked spec holds every kind.
    for kind in REGISTRY:
        for spec in (golden, marked):
            assert kind.entities(spec) == getattr(spec, kind.section)
            for entity in kind.entities(spec):
                assert kind_of(entity) is kind
        assert kind.entities(marked), f"the marked spec has no {kind.label}"
        assert kind.entities(golden) or kind.name in ("nh_link", "sts"), f"the golden spec has no {kind.label}"


def test_the_registry_lists_the_vault_models_in_order(golden: Spec, marked: Spec) -> None:
    # Spec.vault_models() keeps a list of its own: model.py is below the kinds.
    for spec in (golden, marked):
        assert spec.vault_models() == [kind.model(entity) for kind in REGISTRY for entity in kind.entities(spec)]
        assert list(definitions(spec)) == spec.vault_models()


@pytest.mark.parametrize("which", ["golden", "marked"])
def test_definitions_are_of_their_kind_and_read_the_kinds_sources(which: str, request) -> None:
    spec = request.getfixturevalue(which)
    found = definitions(spec)
    for kind, entity in entities(spec):
        definition = found[kind.model(entity)]
        assert definition.kind == kind.name
        # A hub or link keyed by a looked-up column depends on the looked-up source's deliveries too
        # (a later delivery resolves rows that waited): those sources and no other come in addition.
        read = kind.sources(spec, entity)
        waited_for = {lookup.source for source in read if kind.reads_resolved(spec, entity, source)
                      for lookup in spec.source(source).lookups}
        assert definition.sources == tuple(sorted({*read, *waited_for}))


@pytest.mark.parametrize("which", ["golden", "marked"])
def test_the_sources_a_table_reads_are_those_the_spec_stages_for_it(which: str, request) -> None:
    # Spec.models_fed_by() keeps its own list too (without the xts, which reads its satellites' stages).
    spec = request.getfixturevalue(which)
    for kind, entity in entities(spec):
        if kind.name == "xts":
            continue
        for source in spec.sources:
            fed = kind.model(entity) in spec.models_fed_by(source.name)
            assert fed == (source.name in kind.sources(spec, entity)), (kind.model(entity), source.name)


@pytest.mark.parametrize("which", ["golden", "marked"])
def test_each_kind_renders_its_table_and_names_its_files(which: str, request) -> None:
    golden = request.getfixturevalue(which)
    rendered = {file.path: file for file in plan(golden)}
    for kind, entity in entities(golden):
        assert (TEMPLATES / f"{kind.name}.sql.j2").is_file()
        files = kind.files(golden, entity)
        assert files[0].path == f"{RAW_VAULT}/{kind.folder}/{kind.model(entity)}.sql"
        for file in files:
            assert rendered[file.path] == file
            assert file.what == f"{kind.label} {entity.name}"
            assert file.spec_file == entity.origin.path


@pytest.mark.parametrize("kind", REGISTRY, ids=[kind.section for kind in REGISTRY])
def test_the_longest_name_is_the_longest_identifier_made_of_the_name(kind, marked: Spec) -> None:
    marker = MARKERS[kind.section]
    words = {word for file in plan(marked) for word in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", file.body)}
    made = {word for word in words if marker in word}
    longest = max(made, key=len)
    assert kind.longest_name.format(marker) in made, (kind.longest_name, sorted(made, key=len)[-3:])
    assert len(kind.longest_name.format(marker)) == len(longest), (kind.longest_name, longest)
