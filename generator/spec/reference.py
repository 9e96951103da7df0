"""The spec reference, rendered from the JSON Schema into Markdown, so it cannot drift from what validation accepts.

Each section of a spec file gets a heading and a table of its entries' keys: type, whether it is
required, allowed values, pattern, default and description, all read from ``schema.json``. A nested
mapping (a lookup, a column in the long form) gets a heading of its own, named by its path
(``sources[].lookups[]``). Shared value types (``name``, ``column_type``...) are listed once at
the end and linked from every key that uses them. The docs site renders it at build time
(``docs/hooks.py``).

>>> page = render()
>>> "| `business_key` | [columns](#type-columns) | yes |" in page
True
>>> [path for path, _ in objects(schema())][:3]
['sources[]', 'sources[].columns.<column>', 'sources[].lookups[]']
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from generator.spec.structure import schema

REF_PREFIX = "#/$defs/"


def _target(node: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """The name of the definition ``node`` points at (None if it points nowhere) and its schema."""
    ref = node.get("$ref", "")
    if ref.startswith(REF_PREFIX):
        name = ref.removeprefix(REF_PREFIX)
        return name, schema()["$defs"][name]
    return None, node


def _is_object(node: dict[str, Any]) -> bool:
    return "properties" in _target(node)[1]


def _shared_types() -> list[str]:
    """Definitions that are values rather than mappings with keys: listed once, linked from every use."""
    return [name for name, node in schema()["$defs"].items() if "properties" not in node]


def _children(node: dict[str, Any], path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each mapping with keys below ``node`` (itself included), with its path, through lists and oneOf."""
    _, node = _target(node)
    if "properties" in node:
        yield path, node
        return
    if isinstance(node.get("items"), dict):
        yield from _children(node["items"], f"{path}[]")
    if isinstance(node.get("additionalProperties"), dict):
        yield from _children(node["additionalProperties"], f"{path}.<{_key_word(path)}>")
    for alternative in node.get("oneOf", []):
        yield from _children(alternative, path)


def _key_word(path: str) -> str:
    """What the keys of a mapping at ``path`` are: `sources[].columns` -> 'column'."""
    last = path.rsplit(".", 1)[-1].removesuffix("[]")
    return last.removesuffix("s") or "key"


def objects(root: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every mapping with keys in the schema, by path, sections in file order and each before its parts."""
    found: list[tuple[str, dict[str, Any]]] = []

    def visit(path: str, node: dict[str, Any]) -> None:
        found.append((path, node))
        for key, value in node["properties"].items():
            for child_path, child in _children(value, f"{path}.{key}" if path else key):
                visit(child_path, child)

    for section, value in root["properties"].items():
        for path, node in _children(value, section):
            visit(path, node)
    return found


def type_of(node: dict[str, Any]) -> str:
    """The type of a value, in words, with links to the shared types.

    >>> type_of({"type": "array", "items": {"$ref": "#/$defs/name"}})
    'list of [name](#type-name)'
    """
    name, target = _target(node)
    if name is not None and name in _shared_types():
        return f"[{name}](#type-{name.replace('_', '-')})"
    node = target
    if "enum" in node:
        return "one of " + ", ".join(f"`{value}`" for value in node["enum"])
    if "oneOf" in node:
        return " or ".join(type_of(alternative) for alternative in node["oneOf"])
    kind = node.get("type")
    if kind == "array":
        return f"list of {type_of(node['items'])}"
    if kind == "object" and "properties" in node:
        return "mapping (below)"
    if kind == "object":
        value = node.get("additionalProperties")
        keys = type_of(node["propertyNames"]) if "propertyNames" in node else "string"
        return f"mapping of {keys} → {type_of(value) if isinstance(value, dict) else 'any value'}"
    return {"string": "string", "boolean": "boolean", "integer": "integer"}.get(str(kind), str(kind))


def _constraints(node: dict[str, Any]) -> list[str]:
    """Pattern and sizes written in the key's own schema (a shared type's are shown with the type)."""
    notes = []
    if "pattern" in node:
        notes.append(f"pattern `{node['pattern']}`")
    for word, label in (("minItems", "item"), ("minProperties", "entry"), ("minLength", "character")):
        if node.get(word) == 1:
            notes.append("not empty")
        elif word in node:
            notes.append(f"at least {node[word]} {label}s")
    return notes


def _cell(text: str) -> str:
    """Text safe in a Markdown table cell: one line, no bare `|`, and `<name>` shown, not taken for HTML.

    >>> _cell("landing.<name>, `<b>`")
    'landing.&lt;name&gt;, `<b>`'
    """
    parts = " ".join(text.split()).split("`")
    # Even parts are prose, odd ones code spans (which Markdown shows as they are).
    parts = [p if i % 2 else p.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
             for i, p in enumerate(parts)]
    return "`".join(parts).replace("|", "\\|")


def _description(node: dict[str, Any]) -> str:
    """The key's own description, else the one of the definition it points at."""
    return str(node.get("description") or _target(node)[1].get("description") or "")


def _table(node: dict[str, Any]) -> list[str]:
    required = set(node.get("required", ()))
    lines = ["| key | type | required | default | description |", "|---|---|---|---|---|"]
    for key, value in node["properties"].items():
        default = f"`{_scalar(value['default'])}`" if "default" in value else ""
        text = _description(value) + "".join(f" ({note})" for note in _constraints(value))
        lines.append(f"| `{key}` | {_cell(type_of(value))} | {'yes' if key in required else 'no'} | {default} | "
                     f"{_cell(text)} |")
    return lines


def _scalar(value: Any) -> str:
    """A default as it is written in YAML: `false`, not Python's `False`."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def _anchor(path: str) -> str:
    """An HTML id for a heading: `sources[].lookups[]` -> 'sources-lookups'."""
    return re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-")


def render() -> str:
    """The whole reference page, as Markdown."""
    root = schema()
    lines = [
        "# Spec reference",
        "",
        "<!-- Rendered from generator/spec/schema.json when the site is built; edit the schema, not this page. -->",
        "",
        _cell(root.get("description", "")),
        "",
        "This page is generated from the JSON Schema that `dvkit validate` checks every spec file against",
        "(`generator/spec/schema.json`), so it lists exactly the keys validation accepts. Validation checks",
        "more than the schema can say (references between entries, columns against their source, types of",
        "join columns...): see [Validation](../modelers/validation.md).",
        "",
        "## Sections",
        "",
        "| section | holds | description |",
        "|---|---|---|",
    ]
    for section, value in root["properties"].items():
        lines.append(f"| [`{section}`](#{_anchor(section)}) | {_cell(type_of(value))} | "
                     f"{_cell(_description(value))} |")
    for path, node in objects(root):
        heading = "##" if path.split(".")[0].removesuffix("[]") == path.removesuffix("[]") else "###"
        lines += ["", f"{heading} `{path}` {{#{_anchor(path)}}}", ""]
        if node.get("description"):
            lines += [_cell(node["description"]), ""]
        lines += _table(node)
    lines += ["", "## Value types", ""]
    for name in _shared_types():
        node = schema()["$defs"][name]
        lines += [f"### `{name}` {{#type-{name.replace('_', '-')}}}", "", _cell(_description(node)), ""]
        shape = [type_of(node), *_constraints(node)]
        lines += ["- " + _cell(note) for note in shape]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
