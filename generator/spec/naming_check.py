"""Reading and checking ``settings: naming:`` of the spec: a naming convention, or problems.

The structural check (``schema.json``) has refused values that are not safe SQL names already; a
value it refused is read as its default here, so that one mistake makes one message. What is left
is what only the whole convention shows: names that could become one another's.

>>> from generator.spec.yaml_lines import load_text
>>> doc = load_text("settings:\\n  naming:\\n    prefixes: {hubs: h_, links: h_}\\n", "settings.yml")
>>> naming, problems = read_naming(doc["settings"], "settings.yml", frozenset())
>>> naming.prefix("hubs"), [str(p) for p in problems]  # doctest: +NORMALIZE_WHITESPACE
('h_', ["settings.yml:3: links and hubs share the table prefix 'h_': a link and a hub of the same
name would be one table (hint: give each kind its own prefix)"])
"""

from __future__ import annotations

import re
from typing import Any

from generator.places import BUSINESS_VAULT, DVKIT, LANDING, MARTS
from generator.spec.naming import DEFAULT_PREFIXES, Naming
from generator.spec.yaml_lines import LineDict, Problem

SAFE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# Schemas that keep their names whatever the convention: two layers in one schema would mix their tables.
FIXED_SCHEMAS = {LANDING: "the landing tables", BUSINESS_VAULT: "the business vault", MARTS: "the marts",
                 DVKIT: "dvkit's own records"}
# Columns dvkit derives from a satellite's name: a suffix taking one of their endings would make a
# hash key or hashdiff one of them.
DERIVED_ENDINGS = ("_effective_from", "_satellite_name")


def read_naming(settings: Any, path: str, reserved: frozenset[str]) -> tuple[Naming, list[Problem]]:
    """The convention of a settings section (defaults for what it leaves out), and its problems.

    ``reserved`` holds the words a schema may not be called (SQL's reserved words, which dvkit
    never quotes).
    """
    naming = settings.get("naming") if isinstance(settings, LineDict) else None
    if not isinstance(naming, LineDict):
        return Naming(), []
    problems: list[Problem] = []
    prefixes = naming.get("prefixes")
    given = {section: prefix for section, prefix in prefixes.items()
             if section in DEFAULT_PREFIXES and _safe(prefix)} if isinstance(prefixes, LineDict) else {}
    schemas = naming.get("schemas")
    schema_of = {layer: name for layer, name in schemas.items()
                 if layer in ("raw_vault", "staging") and _safe(name)} if isinstance(schemas, LineDict) else {}
    key = naming.get("hash_key_suffix")
    hashdiff = naming.get("hashdiff_suffix")
    result = Naming(
        # Only the prefixes that differ from the defaults: a convention spelling out a default is the default.
        prefixes=tuple((section, given[section]) for section in DEFAULT_PREFIXES
                       if given.get(section, DEFAULT_PREFIXES[section]) != DEFAULT_PREFIXES[section]),
        **({"hash_key_suffix": key} if _safe(key) else {}),
        **({"hashdiff_suffix": hashdiff} if _safe(hashdiff) else {}),
        **({"raw_vault_schema": schema_of["raw_vault"]} if "raw_vault" in schema_of else {}),
        **({"staging_schema": schema_of["staging"]} if "staging" in schema_of else {}),
    )
    problems += _prefixes_apart(result, prefixes, path)
    problems += _suffixes_apart(result, naming, path)
    problems += _schemas_apart(result, schemas, path, reserved)
    return result, problems


def _safe(value: Any) -> bool:
    return isinstance(value, str) and bool(SAFE.match(value))


def _prefixes_apart(naming: Naming, prefixes: Any, path: str) -> list[Problem]:
    """Two kinds with one prefix would name two entities of one name alike."""
    problems: list[Problem] = []
    first: dict[str, str] = {}
    for section, prefix in naming.all_prefixes().items():
        if prefix in first:
            # Report it where the spec sets it (the later kind's line, or the earlier's if defaulted).
            at = section if isinstance(prefixes, LineDict) and section in prefixes else first[prefix]
            line = prefixes.line_of(at) if isinstance(prefixes, LineDict) else 0
            problems.append(Problem(
                path, line, f"{_words(section)} and {_words(first[prefix])} share the table prefix '{prefix}': "
                f"a {_word(section)} and a {_word(first[prefix])} of the same name would be one table",
                "give each kind its own prefix"))
        first.setdefault(prefix, section)
    return problems


def _suffixes_apart(naming: Naming, section: LineDict, path: str) -> list[Problem]:
    problems: list[Problem] = []
    if naming.hash_key_suffix == naming.hashdiff_suffix:
        problems.append(Problem(
            path, section.line_of("hashdiff_suffix"),
            f"hashdiff_suffix '{naming.hashdiff_suffix}' is also the hash_key_suffix: a satellite named like a "
            "hub would put two columns of one name in the stage", "give hash keys and hashdiffs different suffixes"))
    for key in ("hash_key_suffix", "hashdiff_suffix"):
        suffix = getattr(naming, key)
        if suffix in DERIVED_ENDINGS:
            problems.append(Problem(path, section.line_of(key), f"{key} '{suffix}' is the ending of a column dvkit "
                                    "derives from a satellite's name", "choose another suffix"))
    return problems


def _schemas_apart(naming: Naming, schemas: Any, path: str, reserved: frozenset[str]) -> list[Problem]:
    if not isinstance(schemas, LineDict):
        return []
    problems: list[Problem] = []
    layers = {"raw_vault": naming.raw_vault_schema, "staging": naming.staging_schema}
    for layer, name in layers.items():
        if layer not in schemas:
            continue
        line = schemas.line_of(layer)
        if name in FIXED_SCHEMAS:
            problems.append(Problem(path, line, f"schema '{name}' of the {layer.replace('_', ' ')} is the schema "
                                    f"of {FIXED_SCHEMAS[name]}", "choose a schema of its own"))
        elif name in reserved or name.startswith("pg_"):
            problems.append(Problem(path, line, f"schema '{name}' of the {layer.replace('_', ' ')} is a reserved "
                                    "word of PostgreSQL", "dvkit never quotes names; choose another schema"))
    if naming.raw_vault_schema == naming.staging_schema:
        problems.append(Problem(path, schemas.line_of("staging" if "staging" in schemas else "raw_vault"),
                                f"staging and the raw vault share the schema '{naming.staging_schema}': a stage "
                                "view and a table of one name would clash", "give each layer its own schema"))
    return problems


def _words(section: str) -> str:
    """The kinds of a section, in words ("status-tracking satellites")."""
    return section.replace("multi_active", "multi-active").replace("status_tracking", "status-tracking") \
        .replace("non_historised", "non-historised").replace("_", " ")


def _word(section: str) -> str:
    return _words(section).removesuffix("s")
