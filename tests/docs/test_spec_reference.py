"""The spec reference page is rendered from the JSON Schema: it names every key, and every key is described."""

from __future__ import annotations

import doctest
import re
from collections.abc import Iterator
from typing import Any

import generator.spec.reference as reference
from generator.spec.structure import schema


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref", "")
    return schema()["$defs"][ref.removeprefix("#/$defs/")] if ref.startswith("#/$defs/") else node


def _mappings(node: dict[str, Any], trail: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], dict[str, Any]]]:
    """Every mapping with keys in the schema, with the names of the keys leading to it (walked here
    independently of the renderer, through lists, mappings of names and alternatives)."""
    node = _resolve(node)
    if "properties" in node:
        yield trail, node
        for key, value in node["properties"].items():
            yield from _mappings(value, (*trail, key))
        return
    for child in (node.get("items"), node.get("additionalProperties"), *node.get("oneOf", [])):
        if isinstance(child, dict):
            yield from _mappings(child, trail)


def _sections(page: str) -> dict[str, str]:
    """Each heading's text and the Markdown below it, up to the next heading."""
    parts = re.split(r"^#{2,3} (.+)$", page, flags=re.MULTILINE)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts), 2)}


def _section_of(sections: dict[str, str], trail: tuple[str, ...]) -> str:
    """The section whose heading names the keys of ``trail`` in order (`sources[].lookups[]`)."""
    # `[]` once per list level: a list of lists reads `reaches[][]`.
    pattern = re.compile(r"^`" + r"\W+".join(map(re.escape, trail)) + r"(\[\])*(\.<\w+>)?` \{#")
    found = [body for heading, body in sections.items() if pattern.match(heading)]
    assert len(found) == 1, f"no single section for {'.'.join(trail)} in the spec reference: {list(sections)}"
    return found[0]


def _row(section: str, key: str) -> str:
    rows = [line for line in section.splitlines() if line.startswith(f"| `{key}` |")]
    assert len(rows) == 1, f"no single row for key `{key}`"
    return rows[0]


def test_every_key_of_the_schema_has_a_row_with_its_facts() -> None:
    page = reference.render()
    sections = _sections(page)
    checked = 0
    for trail, node in _mappings(schema(), ()):
        if not trail:
            continue  # the file itself: its keys are the sections, checked below
        section = _section_of(sections, trail)
        for key, value in node["properties"].items():
            row = _row(section, key)
            assert ("| yes |" in row) == (key in node.get("required", ())), (trail, key, row)
            for text in (value.get("description"), value.get("pattern"), *(value.get("enum") or ())):
                if text is not None:
                    shown = reference._cell(str(text))
                    assert shown in row, f"{'.'.join(trail)}.{key}: {shown!r} missing from {row!r}"
            if "$ref" in value:  # a value type: linked from the row, its facts in a section of its own
                name = value["$ref"].rsplit("/", 1)[-1]
                assert f"](#type-{name.replace('_', '-')})" in row, (trail, key, row)
                shared = [body for heading, body in sections.items() if heading.startswith(f"`{name}` {{#type-")]
                assert len(shared) == 1, f"no section for the value type {name}"
                for text in (*(_resolve(value).get("enum") or ()), _resolve(value).get("pattern")):
                    if text is not None:
                        assert f"`{text}`" in shared[0], (name, text)
            if "default" in value:
                assert f"`{reference._scalar(value['default'])}`" in row
            checked += 1
    assert checked > 60  # every entry of every section, not an empty walk


def test_every_section_is_listed_and_has_its_own_heading() -> None:
    page = reference.render()
    table = page.split("## Sections", 1)[1].split("\n## ", 1)[0]
    for section in schema()["properties"]:
        assert f"| [`{section}`](#" in table, section
        assert re.search(rf"^## `{section}(\[\])?` \{{#", page, flags=re.MULTILINE), section


def test_every_key_and_type_of_the_schema_is_described() -> None:
    """A key added to the schema without a description would reach the reference page blank."""
    undocumented = [".".join(trail + (key,)) for trail, node in _mappings(schema(), ())
                    for key, value in node["properties"].items()
                    if not (value.get("description") or _resolve(value).get("description"))]
    undocumented += [f"$defs.{name}" for name, node in schema()["$defs"].items() if not node.get("description")]
    assert not undocumented, ("give these a \"description\" in generator/spec/schema.json (it is the spec "
                              f"reference's text): {', '.join(undocumented)}")


def test_value_types_are_linked_and_listed() -> None:
    page = reference.render()
    for anchor in set(re.findall(r"\]\(#(type-[a-z-]+)\)", page)):
        assert f"{{#{anchor}}}" in page, anchor
    assert "`text`, `integer`, `bigint`, `numeric`, `double`, `boolean`, `date`, `timestamp`" in page


def test_rendering_is_deterministic_and_names_its_source() -> None:
    page = reference.render()
    assert page == reference.render()
    assert "generator/spec/schema.json" in page.splitlines()[2]


def test_doctests() -> None:
    assert doctest.testmod(reference).failed == 0
