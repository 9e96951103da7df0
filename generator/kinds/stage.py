"""The columns each source's stage view adds: one home, read by the renderer and by validation.

Each kind says which hubs' keys its tables need from a stage (``Kind.stage_hubs``) and which columns
of its own the stage adds for them (``Kind.stage_columns``); ``stage_columns`` collects them. The
renderer writes them into the stage (``stage.sql.j2``), and validation checks that none replaces a
column of the source or another added column with other values.

>>> from generator.spec.model import Feed, Hub, Origin, Source, Spec
>>> src = Source("orders", "o.csv", "o.csv", (("order_no", "text"),), Origin("s.yml", 1))
>>> hub = Hub("order", ("order_id",), (Feed("orders", ("order_no",)),), Origin("h.yml", 2))
>>> staged = stage_columns(Spec(sources=(src,), hubs=(hub,)), "orders")
>>> staged.derived[-1], staged.hashed
(('order_id', 'order_no'), (Hashed(name='order_hk', columns=('order_no',), is_hashdiff=False),))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from generator.spec.model import Origin, Spec

# What every stage derives, whatever reads it.
AUDIT_COLUMNS = (("load_datetime", "_load_ts"), ("record_source", "_record_source"), ("effective_from", "_load_ts"))


@dataclass(frozen=True)
class Derived:
    """A column the stage derives from an expression, and the entity that wants it (for messages)."""

    name: str
    expression: str
    by: str  # "hub 'order'", "satellite 'order_state'"
    origin: Origin


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


StageColumn = Derived | Hashed | AddedHashdiff


@dataclass(frozen=True)
class StageColumns:
    """The columns the stage of one source adds, in the order it adds them."""

    claims: tuple[Derived, ...]  # every derived column each entity asks for, repeats included
    hashed: tuple[Hashed, ...]
    added: tuple[AddedHashdiff, ...]

    @property
    def derived(self) -> list[tuple[str, str]]:
        """The stage's derived columns: the audit columns, then each claim once."""
        found = list(AUDIT_COLUMNS)
        found += [pair for pair in dict.fromkeys((c.name, c.expression) for c in self.claims) if pair not in found]
        return found


def stage_columns(spec: Spec, source: str) -> StageColumns:
    """The columns the stage of ``source`` adds: the keys of the hubs its tables need (in spec order),
    then each kind's own columns, in registry order."""
    from generator.kinds import entities  # the registry imports every kind, which import this

    return _columns(spec, source, entities(spec))


def resolved_stage_columns(spec: Spec, source: str) -> StageColumns:
    """The columns the stage of the rows of ``source`` resolved later adds (``resolved.py``): those
    of the tables that read it, the hubs and links keyed by a looked-up column, and no other.

    >>> from generator.spec.model import Feed, Hub, Lookup, Origin, Source, Spec
    >>> o = Origin("s.yml", 1)
    >>> orders = Source("orders", "o.csv", "o.csv", (("order_id", "text"), ("customer_id", "text")), o,
    ...                 lookups=(Lookup("customers", "customer_id", ("person_id",)),))
    >>> customers = Source("customers", "c.csv", "c.csv", (("customer_id", "text"), ("person_id", "text")), o)
    >>> hubs = (Hub("order", ("order_id",), (Feed("orders", ("order_id",)),), o),
    ...         Hub("person", ("person_id",), (Feed("orders", ("person_id",)),), o))
    >>> [h.name for h in resolved_stage_columns(Spec(sources=(orders, customers), hubs=hubs), "orders").hashed]
    ['person_hk']
    """
    from generator.kinds import entities  # the registry imports every kind, which import this

    return _columns(spec, source, [(kind, entity) for kind, entity in entities(spec)
                                   if kind.reads_resolved(spec, entity, source)])


def _columns(spec: Spec, source: str, readers: list[tuple[Any, Any]]) -> StageColumns:
    """The columns a stage of ``source`` adds for the tables ``readers`` (kind, entity)."""
    from generator.kinds import by_section

    needed = {name for kind, entity in readers for name in kind.stage_hubs(spec, entity, source)}
    hubs = by_section("hubs")
    found: list[StageColumn] = [column for hub in spec.hubs if hub.name in needed
                                for column in hubs.key_columns(hub, source)]
    found += [column for kind, entity in readers for column in kind.stage_columns(spec, entity, source)]
    return StageColumns(tuple(c for c in found if isinstance(c, Derived)),
                        tuple(c for c in found if isinstance(c, Hashed)),
                        tuple(c for c in found if isinstance(c, AddedHashdiff)))
