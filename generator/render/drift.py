"""Which spec changes alter hash keys or hashdiffs, said by ``dvkit generate`` before anything is loaded.

The generator writes what every hash is computed from into ``dbt_vault/hash_definitions.yml``
(generated and committed like the models): the hash algorithm, each hub's business key and the
columns each source feeds it from, each link key's columns per source, and each satellite's
hashdiff columns (the payload sorted as AutomateDV sorts it, then ``payload_added`` in order).
The next generation compares that file with the spec and warns, one line per changed definition:

- a hub's or link's key computed from other columns: existing rows would not match new ones (the
  same business key would get a second hub row, relationships would split);
- a satellite's hashdiff over other columns: every key would get a new version at the next load,
  although nothing changed in the data.

Both are breaking changes: ``dvkit build`` refuses them, and ``dvkit rebuild`` builds the tables again
from every landed batch with the new definition. Appending to ``payload_added`` is the one change that keeps
  existing hashdiffs (rows without the new columns hash as before), so it gives no warning.

>>> old = {"hash": "MD5", "satellites": {"s": {"hashdiff": ["a"], "added": []}}}
>>> new = {"hash": "MD5", "satellites": {"s": {"hashdiff": ["a", "b"], "added": []}}}
>>> changes(old, new)[0].message.split(";")[0]
"satellite 's': hashdiff columns change (+b): every key would get a new version"
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from generator import kinds
from generator.kinds.resolved import is_resolved_feed
from generator.spec.model import Spec

DEFINITIONS_FILE = "dbt_vault/hash_definitions.yml"
# What a change would do if loaded on top of the stored rows; `dvkit build` refuses such a change (a
# breaking change of the plan) until the tables are rebuilt from landing with the new definition.
REBUILD = "a breaking change: `dvkit build` refuses it until `dvkit rebuild` builds the tables `dvkit plan` names"
NOT_MATCHING = f"existing rows would not match new ones; {REBUILD}"
NEW_VERSIONS = f"every key would get a new version; {REBUILD}"
KINDS = (("satellites", "satellite"), ("multi_active_satellites", "multi-active satellite"))
# The section of the file that holds each kind's hash (a non-historised link's key is a link key).
SECTION_OF = {"hub": "hubs", "link": "links", "nh_link": "links", "sat": "satellites",
              "ma_sat": "multi_active_satellites"}


@dataclass(frozen=True)
class Change:
    """One definition that changes, for a warning."""

    message: str
    hint: str | None = None

    def __str__(self) -> str:
        return f"{self.message} (hint: {self.hint})" if self.hint else self.message


def definitions(spec: Spec) -> dict[str, Any]:
    """What each hash key and hashdiff of the vault is computed from, in a stable order.

    Read from each table's definition (``generator/kinds/``), which says the same with column types:
    a hub's feeds, a link's (or non-historised link's) key columns per source, a satellite's payload.
    """
    found: dict[str, Any] = {"hash": spec.settings.hash, "hubs": {}, "links": {}, "satellites": {},
                             "multi_active_satellites": {}}
    for kind, entity in sorted(kinds.entities(spec), key=lambda pair: pair[1].name):
        section = SECTION_OF.get(kind.name)
        if section is None:
            continue
        definition = kind.definition(spec, entity)
        # Rows resolved later hash the same columns as their source's own stage: not a definition of their own.
        sources = {source: _names(columns) for source, columns in sorted(definition.feeds.items())
                   if not is_resolved_feed(source)}
        if kind.name == "hub":
            entry: dict[str, Any] = {"business_key": list(definition.rows["business_key"]), "sources": sources}
        elif section == "links":
            entry = {"sources": sources}
        else:  # a multi-active satellite's child key is part of each row's hashdiff
            hashed = _names(definition.rows["payload"]) + _names(definition.rows.get("child_key", []))
            entry = {"hashdiff": sorted(hashed, key=str.lower),
                     "added": [c for added in definition.added.values() for c in _names(added)]}
        found[section][entity.name] = entry
    return found


def _names(typed: list[str]) -> list[str]:
    """The column names of a definition's typed columns (``order_id text from orders on id`` -> ``order_id``)."""
    return [column.split(" ", 1)[0] for column in typed]


def definitions_text(spec: Spec) -> str:
    """The body of ``hash_definitions.yml`` (the renderer adds the generated-file header)."""
    return ("# What each hash key and hashdiff is computed from. `dvkit generate` compares it with the spec\n"
            "# and warns about changes that make existing rows stop matching new ones.\n"
            + yaml.safe_dump(definitions(spec), sort_keys=False, default_flow_style=None, width=120))


def read_definitions(root: Path) -> dict[str, Any] | None:
    """The definitions of the last generation, or None (first generation, or an unreadable file)."""
    path = root / DEFINITIONS_FILE
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    return document if isinstance(document, dict) else None


def changes(old: dict[str, Any] | None, new: dict[str, Any]) -> list[Change]:
    """Every definition of ``old`` that ``new`` computes differently (entities added or removed: none)."""
    if not old:
        return []
    found: list[Change] = []
    if old.get("hash") != new.get("hash"):
        found.append(Change(f"hash algorithm changes ({old.get('hash')} -> {new.get('hash')}): every hash key and "
                            f"hashdiff changes; {NOT_MATCHING}",
                            f"keep hash: {old.get('hash')}, or build a new vault from the landed batches"))
    for name, hub in (new.get("hubs") or {}).items():
        before = _mapping(old, "hubs", name)
        if before is None:
            continue
        if before.get("business_key") != hub["business_key"]:
            found.append(Change(f"hash key of hub '{name}' changes (business key {_cols(before.get('business_key'))} "
                                f"-> {_cols(hub['business_key'])}): {NOT_MATCHING}"))
            continue
        for source, columns in hub["sources"].items():
            was = (before.get("sources") or {}).get(source)
            if was is not None and was != columns:
                found.append(Change(f"hash key of hub '{name}' from source '{source}' changes ({_cols(was)} -> "
                                    f"{_cols(columns)}): {NOT_MATCHING}"))
    for name, link in (new.get("links") or {}).items():
        before = _mapping(old, "links", name)
        if before is None:
            continue
        for source, columns in link["sources"].items():
            was = (before.get("sources") or {}).get(source)
            if was is not None and was != columns:
                found.append(Change(f"hash key of link '{name}' changes ({_cols(was)} -> {_cols(columns)}): "
                                    f"{NOT_MATCHING}"))
                break  # one warning per link: every source computes the same key
    for section, kind in KINDS:
        for name, sat in (new.get(section) or {}).items():
            before = _mapping(old, section, name)
            if before is not None:
                change = _hashdiff_change(kind, name, before, sat)
                if change:
                    found.append(change)
    return found


def _hashdiff_change(kind: str, name: str, before: dict[str, Any], after: dict[str, Any]) -> Change | None:
    old_payload, old_added = list(before.get("hashdiff") or []), list(before.get("added") or [])
    new_payload, new_added = after["hashdiff"], after["added"]
    if old_payload == new_payload and new_added[:len(old_added)] == old_added:
        return None  # unchanged, or columns appended to payload_added: existing hashdiffs stay
    old_all, new_all = old_payload + old_added, new_payload + new_added
    plus = [c for c in new_all if c not in old_all]
    minus = [c for c in old_all if c not in new_all]
    what = ", ".join([*(f"+{c}" for c in plus), *(f"-{c}" for c in minus)]) or "payload_added reordered"
    if any(c in new_payload for c in plus):
        hint = "list new columns under payload_added instead of payload: rows without them keep their hashdiff"
    elif any(c in new_payload for c in old_added):
        hint = "keep columns added after the satellite went live under payload_added"
    elif not plus and not minus:
        hint = "payload_added is append-only: keep its order and add new columns at the end"
    else:
        hint = None
    return Change(f"{kind} '{name}': hashdiff columns change ({what}): {NEW_VERSIONS}", hint)


def _mapping(document: dict[str, Any], section: str, name: str) -> dict[str, Any] | None:
    value = (document.get(section) or {}).get(name)
    return value if isinstance(value, dict) else None


def _cols(columns: Any) -> str:
    return ", ".join(map(str, columns)) if isinstance(columns, list) else str(columns)
