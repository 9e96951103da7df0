"""The kinds of raw vault table, each in a module of its own, and lookups over them.

``REGISTRY`` holds one of each, in the order the vault lists its tables (``Spec.vault_models()``):
hubs, links, satellites, multi-active, effectivity and tracking satellites, reference tables,
non-historised links, status-tracking satellites.

>>> [kind.section for kind in REGISTRY][:3]
['hubs', 'links', 'satellites']
>>> from generator.spec.model import Hub, Origin
>>> kind_of(Hub("order", ("order_id",), (), Origin("h.yml", 1))).label
'hub'
"""

from __future__ import annotations

from typing import Any

from generator.kinds.base import Entity, Kind
from generator.kinds.effectivity_satellite import EffectivitySatelliteKind
from generator.kinds.hub import HubKind
from generator.kinds.link import LinkKind
from generator.kinds.multi_active_satellite import MultiActiveSatelliteKind
from generator.kinds.non_historised_link import NonHistorisedLinkKind
from generator.kinds.reference_table import ReferenceTableKind
from generator.kinds.satellite import SatelliteKind
from generator.kinds.status_tracking_satellite import StatusTrackingSatelliteKind
from generator.kinds.tracking_satellite import TrackingSatelliteKind
from generator.spec.model import Spec

REGISTRY: tuple[Kind[Any], ...] = (
    HubKind(),
    LinkKind(),
    SatelliteKind(),
    MultiActiveSatelliteKind(),
    EffectivitySatelliteKind(),
    TrackingSatelliteKind(),
    ReferenceTableKind(),
    NonHistorisedLinkKind(),
    StatusTrackingSatelliteKind(),
)

_ENTITY_TYPES: dict[type, Kind[Any]] = {kind.entity_type: kind for kind in REGISTRY}
_SECTIONS: dict[str, Kind[Any]] = {kind.section: kind for kind in REGISTRY}


def by_section(section: str) -> Kind[Any]:
    """The kind of a spec section ("hubs"); KeyError for a section that is not a raw vault kind."""
    return _SECTIONS[section]


def kind_of(entity: Entity) -> Kind[Any]:
    """The kind of a raw vault entity of the spec; KeyError for any other object."""
    return _ENTITY_TYPES[type(entity)]


def entities(spec: Spec) -> list[tuple[Kind[Any], Any]]:
    """Every raw vault entity of the spec with its kind, in registry order, then spec order."""
    return [(kind, entity) for kind in REGISTRY for entity in kind.entities(spec)]


__all__ = ["REGISTRY", "Entity", "Kind", "by_section", "entities", "kind_of"]
