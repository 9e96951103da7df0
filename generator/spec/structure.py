"""Structural checks of one spec file against the JSON Schema, as ``path:line`` problems.

The schema (``schema.json``) is the single description of the format: editors use it for completion,
and this module uses it to find unknown keys, missing keys, wrong types and unsafe names. Its terse
messages are rewritten for people, with the closest known key as a hint.
"""

from __future__ import annotations

import difflib
import json
from functools import lru_cache
from importlib import resources
from typing import Any

import jsonschema

from generator.spec.yaml_lines import LineDict, LineList, Problem

SAFE_NAME_HELP = ("use lowercase letters, digits and underscores, starting with a letter "
                  "(no quotes, semicolons or spaces)")


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    return json.loads(resources.files("generator.spec").joinpath("schema.json").read_text())


def check_structure(doc: Any, path: str) -> list[Problem]:
    """Every schema violation in ``doc`` (a parsed spec file), one problem each."""
    if doc is None:
        return [Problem(path, 1, "the file is empty", "add a section such as `hubs:` or delete the file")]
    validator = jsonschema.Draft202012Validator(schema())
    misplaced = _misplaced(doc, path)
    # An entry under the wrong section breaks every rule of that section; one problem says where it goes.
    problems = [_explain(error, doc, path) for error in validator.iter_errors(doc)
                if tuple(error.absolute_path)[:2] not in misplaced]
    return sorted(set(problems) | set(misplaced.values()), key=lambda p: (p.line, p.message))


@lru_cache(maxsize=1)
def _entry_keys() -> dict[str, tuple[frozenset[str], frozenset[str]]]:
    """The required and the allowed keys of an entry of each list section, as the schema says."""
    result: dict[str, tuple[frozenset[str], frozenset[str]]] = {}
    for section, spec in schema()["properties"].items():
        ref = spec.get("items", {}).get("$ref", "")
        if ref.startswith("#/$defs/"):
            entry = schema()["$defs"][ref.removeprefix("#/$defs/")]
            result[section] = (frozenset(entry.get("required", ())), frozenset(entry.get("properties", {})))
    return result


def looks_like(section: str, entry: Any) -> list[str]:
    """The other sections whose entries have the keys ``entry`` has, if the keys do not fit ``section``."""
    kinds = _entry_keys()
    if section not in kinds or not isinstance(entry, dict):
        return []

    def fits(kind: str) -> bool:
        required, allowed = kinds[kind]
        return required <= entry.keys() <= allowed

    return [] if fits(section) else [kind for kind in kinds if kind != section and fits(kind)]


def _entry_kind(section: str) -> str:
    """'a hub' for `hubs:`, 'an effectivity satellite' for `effectivity_satellites:`."""
    kind = section.removesuffix("s").replace("_", " ")
    return f"{'an' if kind[0] in 'aeiou' else 'a'} {kind}"


def _misplaced(doc: Any, path: str) -> dict[tuple[str, int], Problem]:
    """Entries that have the keys of another section's entries, by section and index."""
    found: dict[tuple[str, int], Problem] = {}
    if not isinstance(doc, LineDict):
        return found
    for section, entries in doc.items():
        for index, entry in enumerate(entries if isinstance(entries, LineList) else ()):
            others = looks_like(section, entry)
            if others:
                name = f"'{entry['name']}'" if isinstance(entry.get("name"), str) else "this entry"
                kinds = " or ".join(_entry_kind(other) for other in others)
                found[(section, index)] = Problem(
                    path, entries.line_of(index), f"entry {name} under `{section}:` looks like {kinds}, "
                    f"not {_entry_kind(section)}", " or ".join(f"move it under `{other}:`" for other in others))
    return found


def _explain(error: jsonschema.ValidationError, doc: Any, path: str) -> Problem:
    # oneOf errors hide the useful one: report the alternative that fits the value best.
    if error.validator == "oneOf" and error.context:
        # Errors below the value come from the alternative of the value's own shape (a list item).
        # Of the alternatives, the one of the value's own shape fails on something other than "type".
        # An enum of names refusing a mapping (a column in the long form) is a failure of shape too.
        shaped = [e for e in error.context if e.validator != "type"
                  and not (e.validator == "enum" and isinstance(e.instance, (dict, list)))]
        # Failing on type alone, the alternative whose error lies below the value has its shape (a
        # column in the long form whose description is not text).
        below = [e for e in error.context if e.relative_path]
        best = jsonschema.exceptions.best_match(shaped or below or error.context)
        if best is not None:
            return _explain(best, doc, path)
    container, line = _locate(doc, list(error.absolute_path))
    where = _where(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = list(error.schema.get("properties", {}))
        unknown = [k for k in error.instance if k not in allowed]
        key = unknown[0] if unknown else "?"
        if isinstance(error.instance, LineDict):
            line = error.instance.line_of(key)
        close = difflib.get_close_matches(key, allowed, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"allowed keys: {', '.join(allowed)}"
        return Problem(path, line, f"unknown key '{key}'{where}", hint)
    if error.validator == "required":
        missing = str(error.message).split("'")[1] if "'" in error.message else error.message
        return Problem(path, line, f"missing key '{missing}'{where}", f"add `{missing}:`")
    if error.validator == "pattern" and error.schema.get("pattern", "").startswith("^[a-z_]"):
        if isinstance(container, LineDict) and error.instance in container:
            line = container.line_of(error.instance)  # a bad key of a mapping (propertyNames)
        return Problem(path, line, f"'{error.instance}' is not a safe SQL name{where}", SAFE_NAME_HELP)
    if error.validator == "propertyNames":
        bad = error.instance if not isinstance(error.instance, dict) else "?"
        if isinstance(container, LineDict):
            line = container.line_of(str(bad))
        return Problem(path, line, f"'{bad}' is not a safe SQL name{where}", SAFE_NAME_HELP)
    if error.validator == "pattern":
        return Problem(path, line, f"'{error.instance}' does not match {error.schema['pattern']}{where}",
                       error.schema.get("description"))
    if error.validator == "enum":
        allowed = error.schema["enum"]
        close = difflib.get_close_matches(str(error.instance), [str(a) for a in allowed], n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"use one of: {', '.join(map(str, allowed))}"
        return Problem(path, line, f"'{error.instance}' is not allowed{where}", hint)
    if error.validator == "type":
        expected = error.schema["type"]
        shown = {"array": "a list", "object": "a mapping", "string": "a string"}.get(expected, expected)
        return Problem(path, line, f"expected {shown}{where}, got {_kind(error.instance)}")
    if error.validator == "minItems" and list(error.absolute_path)[::2] == ["links", "hubs"]:  # links[i].hubs
        return _one_hub_link(error, doc, path, line)
    if error.validator in ("minItems", "minProperties"):
        return Problem(path, line, f"must not be empty{where}")
    return Problem(path, line, f"{error.message}{where}")


def _one_hub_link(error: jsonschema.ValidationError, doc: Any, path: str, line: int) -> Problem:
    """A link's `hubs:` with fewer than two hubs: a link relates hubs, attributes of one go in a satellite."""
    entry = doc["links"][error.absolute_path[1]]
    name = entry.get("name") if isinstance(entry, dict) else None
    hubs = [str(h) for h in error.instance]
    example = f"[{hubs[0]}, <other hub>]" if hubs else "[<hub>, <other hub>]"
    alone = f"; attributes of '{hubs[0]}' alone go in a satellite with `parent: {hubs[0]}`" if hubs else ""
    listed = f"only one hub ('{hubs[0]}')" if hubs else "no hub"
    return Problem(path, line, f"link '{name}' lists {listed}: a link joins two or more hubs",
                   f"list every hub it joins, e.g. `hubs: {example}`{alone}")


def _locate(doc: Any, path: list[Any]) -> tuple[Any, int]:
    """The innermost container on the path and the line of the addressed value."""
    node, line = doc, getattr(doc, "line", 1)
    for part in path:
        if isinstance(node, LineDict) and part in node:
            line = node.line_of(part)
            parent, node = node, node[part]
        elif isinstance(node, LineList) and isinstance(part, int) and part < len(node):
            line = node.line_of(part)
            parent, node = node, node[part]
        else:
            break
        del parent
    line = getattr(node, "line", line)
    return node, line


def _where(path: Any) -> str:
    parts = [p for p in path if isinstance(p, str)]
    return f" in {'.'.join(parts)}" if parts else ""


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return f"{type(value).__name__} {value!r}"
