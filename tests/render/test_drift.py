"""payload_added in the generated SQL, and the warnings about changed hash definitions."""

from __future__ import annotations

import dataclasses
import textwrap
from pathlib import Path

import pytest
import yaml

from generator.render.drift import DEFINITIONS_FILE, NEW_VERSIONS, NOT_MATCHING, changes, definitions
from generator.render.plan import plan
from generator.spec.model import Spec
from generator.spec.validate import load_spec

SPEC = """\
sources:
  - name: people
    file: people.csv
    columns:
      person_id: text
      name: text
      city: text
      phone: text
      email: text
  - name: cards
    file: cards.csv
    columns:
      person_id: text
      seq: integer
      brand: text
      colour: text
hubs:
  - name: person
    business_key: person_id
    sources: [{source: people}, {source: cards}]
satellites:
  - name: profile
    parent: person
    source: people
    payload: [name, city]
  - name: contact
    parent: person
    source: people
    payload: [email]
multi_active_satellites:
  - name: cards
    parent: person
    source: cards
    child_key: seq
    payload: [brand]
"""


def _spec(tmp_path: Path, text: str = SPEC) -> Spec:
    folder = tmp_path / "vault_spec"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "people.yml").write_text(textwrap.dedent(text))
    result = load_spec(folder, tmp_path)
    assert result.spec is not None, [str(p) for p in result.problems]
    return result.spec


def _problems(tmp_path: Path, text: str) -> list[str]:
    folder = tmp_path / "vault_spec"
    folder.mkdir(exist_ok=True)
    (folder / "people.yml").write_text(text)
    return [str(p) for p in load_spec(folder, tmp_path).problems]


def _files(spec: Spec) -> dict[str, str]:
    return {f.path: f.body for f in plan(spec)}


def test_only_satellites_with_added_columns_change_in_the_generated_sql(tmp_path: Path) -> None:
    spec = _spec(tmp_path)
    before = _files(spec)
    profile = dataclasses.replace(spec.satellites[1], payload_added=("phone",))
    cards = dataclasses.replace(spec.multi_active_satellites[0], payload_added=("colour",))
    assert profile.name == "profile"
    after = _files(dataclasses.replace(spec, satellites=(spec.satellites[0], profile),
                                       multi_active_satellites=(cards,)))
    changed = sorted(path for path in after if after[path] != before.get(path))
    assert changed == ["business_vault/models/sources/_raw_vault.yml", DEFINITIONS_FILE,
                       "dbt_vault/models/raw_vault/_raw_vault.yml",
                       "dbt_vault/models/raw_vault/satellites/ma_sat_cards.sql",
                       "dbt_vault/models/raw_vault/satellites/sat_profile.sql",
                       "dbt_vault/models/staging/stg_cards.sql", "dbt_vault/models/staging/stg_ma_sat_cards.sql",
                       "dbt_vault/models/staging/stg_people.sql", "dbt_vault/models/staging/stg_sat_profile.sql"]
    stage = after["dbt_vault/models/staging/stg_people.sql"]
    # The changed satellite's hashdiff is derived by dvkit's macro; the other keeps AutomateDV's.
    assert "profile_hashdiff" not in stage.split("{%- endset -%}")[0]
    assert ("{%- do metadata['derived_columns'].update({'profile_hashdiff': "
            "dvkit_hashdiff([\"name\", \"city\"], [\"phone\"])}) -%}") in stage
    assert "  contact_hashdiff:\n    is_hashdiff: true\n    columns:\n      - email\n" in stage
    # The stored payload includes the added column; the multi-active hashdiff keeps its child key.
    assert 'src_payload = ["name", "city", "phone"]' in after["dbt_vault/models/raw_vault/satellites/sat_profile.sql"]
    assert "dvkit_hashdiff([\"seq\", \"brand\"], [\"colour\"])" in after["dbt_vault/models/staging/stg_cards.sql"]


def test_the_project_stores_new_columns_of_existing_tables() -> None:
    project = next(f.body for f in plan(Spec()) if f.path == "dbt_vault/dbt_project.yml")
    assert "+on_schema_change: append_new_columns" in project


@pytest.mark.parametrize(("added", "problem"), [
    ("[phone, phone]", "added payload column 'phone' is listed twice"),
    ("[nme]", "added payload column 'nme' is not a column of source 'people'"),
    ("[name]", "added payload column 'name' is also in the payload of 'profile'"),
    ("[person_id]", "added payload column 'person_id' is a key of 'person'"),
])
def test_added_columns_are_checked(tmp_path: Path, added: str, problem: str) -> None:
    text = SPEC.replace("    payload: [name, city]\n", f"    payload: [name, city]\n    payload_added: {added}\n")
    problems = _problems(tmp_path, text)
    assert len(problems) == 1 and problem in problems[0], problems
    assert problems[0].startswith("vault_spec/people.yml:")


def test_child_key_cannot_be_an_added_column(tmp_path: Path) -> None:
    text = SPEC.replace("    payload: [brand]\n", "    payload: [brand]\n    payload_added: [seq]\n")
    problems = _problems(tmp_path, text)
    assert len(problems) == 1 and "added payload column 'seq' is a key of 'person' or the child key" in problems[0]


def _warnings(tmp_path: Path, before: str, after: str) -> list[str]:
    old = yaml.safe_load(yaml.safe_dump(definitions(_spec(tmp_path / "a", before))))  # as read back from disk
    return [str(c) for c in changes(old, definitions(_spec(tmp_path / "b", after)))]


def test_appending_to_payload_added_is_silent(tmp_path: Path) -> None:
    added = SPEC.replace("payload: [name, city]\n", "payload: [name, city]\n    payload_added: [phone]\n")
    more = added.replace("payload_added: [phone]", "payload_added: [phone, email]")
    assert _warnings(tmp_path / "1", SPEC, added) == []
    assert _warnings(tmp_path / "2", added, more) == []
    assert _warnings(tmp_path / "3", SPEC, SPEC) == []


def test_new_payload_column_warns_with_the_hint(tmp_path: Path) -> None:
    after = SPEC.replace("payload: [name, city]", "payload: [name, city, phone]")
    assert _warnings(tmp_path, SPEC, after) == [
        f"satellite 'profile': hashdiff columns change (+phone): {NEW_VERSIONS} "
        "(hint: list new columns under payload_added instead of payload: rows without them keep their hashdiff)"]


def test_removed_or_reordered_columns_warn(tmp_path: Path) -> None:
    added = SPEC.replace("payload: [name, city]\n", "payload: [name, city]\n    payload_added: [phone, email]\n")
    reordered = added.replace("[phone, email]", "[email, phone]")
    assert _warnings(tmp_path / "1", added, reordered) == [
        f"satellite 'profile': hashdiff columns change (payload_added reordered): {NEW_VERSIONS} "
        "(hint: payload_added is append-only: keep its order and add new columns at the end)"]
    assert _warnings(tmp_path / "2", SPEC, SPEC.replace("payload: [name, city]", "payload: [name]")) == [
        f"satellite 'profile': hashdiff columns change (-city): {NEW_VERSIONS}"]
    moved = SPEC.replace("payload: [name, city]", "payload: [name, city, phone]")
    assert _warnings(tmp_path / "3", added, moved)[0].startswith(
        "satellite 'profile': hashdiff columns change (-email): every key would get a new version")
    assert _warnings(tmp_path / "4", SPEC, SPEC.replace("payload: [brand]", "payload: [brand, colour]")) == [
        f"multi-active satellite 'cards': hashdiff columns change (+colour): {NEW_VERSIONS} (hint: list new "
        "columns under payload_added instead of payload: rows without them keep their hashdiff)"]


def test_changed_hash_keys_warn(tmp_path: Path) -> None:
    two_columns = SPEC.replace("business_key: person_id", "business_key: [person_id, phone]").replace(
        "sources: [{source: people}, {source: cards}]", "sources: [{source: people}]").replace(
        "multi_active_satellites:", "unused:")
    base = SPEC.replace("sources: [{source: people}, {source: cards}]", "sources: [{source: people}]").replace(
        "multi_active_satellites:", "unused:")
    base = base.split("unused:")[0]
    two_columns = two_columns.split("unused:")[0]
    assert _warnings(tmp_path / "1", base, two_columns) == [
        f"hash key of hub 'person' changes (business key person_id -> person_id, phone): {NOT_MATCHING}"]
    sha = base + "settings:\n  hash: SHA\n"
    assert _warnings(tmp_path / "2", base, sha) == [
        f"hash algorithm changes (MD5 -> SHA): every hash key and hashdiff changes; {NOT_MATCHING} "
        "(hint: keep hash: MD5, or build a new vault from the landed batches)"]
    renamed = base.replace("business_key: person_id\n    sources: [{source: people}]",
                           "business_key: pid\n    sources: [{source: people, business_key: person_id}]")
    fed = renamed.replace("business_key: person_id}]", "business_key: phone}]")
    assert _warnings(tmp_path / "3", renamed, fed) == [
        f"hash key of hub 'person' from source 'people' changes (person_id -> phone): {NOT_MATCHING}"]


def test_no_previous_definitions_no_warnings(tmp_path: Path) -> None:
    assert changes(None, definitions(_spec(tmp_path))) == []


def test_doctests() -> None:
    import doctest

    import generator.hashing
    import generator.load.reader
    import generator.render.drift

    for module in (generator.render.drift, generator.hashing, generator.load.reader):
        assert doctest.testmod(module).failed == 0, module.__name__
