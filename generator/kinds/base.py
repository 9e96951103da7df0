"""What every kind of raw vault table knows about itself.

A kind (hub, link, satellite...) owns the names it makes of an entity's name, the files it renders,
the sources it reads, its definition (what decides its rows) and its entry in the raw vault's YAML.
Everything that loops over the vault's tables loops over ``generator.kinds.REGISTRY`` instead of
keeping a list of its own, so a kind cannot be forgotten in one place.

>>> from generator.kinds import by_section
>>> kind = by_section("multi_active_satellites")
>>> kind.label, kind.longest_name.format("payments")
('multi-active satellite', 'stg_ma_sat_payments')
>>> from generator.spec.naming import Naming
>>> kind.longest(Naming(), "payments"), kind.longest(Naming(hashdiff_suffix="_payload_hash_diff"), "payments")
('stg_ma_sat_payments', 'payments_payload_hash_diff')
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from generator.kinds.definition import Definition
from generator.kinds.files import RAW_VAULT, GeneratedFile
from generator.kinds.stage import StageColumn
from generator.spec.model import Origin, Spec
from generator.spec.naming import Naming


class Entity(Protocol):
    """What the entities of every kind have: a name, a place in the spec and a table."""

    @property
    def name(self) -> str: ...

    @property
    def origin(self) -> Origin: ...

    @property
    def description(self) -> str: ...

    @property
    def model(self) -> str: ...


E = TypeVar("E", bound=Entity)


class Kind(ABC, Generic[E]):
    """One kind of raw vault table; its subclasses are stateless, one instance each in the registry."""

    entity_type: ClassVar[type]  # the spec model's class of its entities (model.py knows nothing of kinds)
    name: ClassVar[str]  # the stored kind of its definitions and the stem of its SQL template ("sat")
    section: ClassVar[str]  # the spec's YAML section, also the ``Spec`` field ("satellites")
    label: ClassVar[str]  # in words, for messages and file headers ("satellite")
    folder: ClassVar[str]  # where its tables go under dbt_vault/models/raw_vault/
    # The longest identifier dvkit makes of an entity's name, in any file (model, column or CTE name):
    # PostgreSQL cuts identifiers at 63 characters, which would make two names one, or fail in dbt.
    longest_name: ClassVar[str]  # under the default naming convention
    # Every identifier dvkit makes of an entity's name, as templates of the naming convention's parts
    # ({prefix} of the kind, {key} and {hashdiff} suffixes) and the {name}; the longest comes first
    # under the defaults, so that it is ``longest_name``.
    made_names: ClassVar[tuple[str, ...]]
    # For compliance (generator/compliance/): a table whose rows join hubs' keys (a link) is listed by
    # a trace of any of those hubs' keys, one event per row, with its payload (``payload``).
    joins_hubs: ClassVar[bool] = False

    def longest(self, naming: Naming, name: str) -> str:
        """The longest identifier made of ``name`` under ``naming`` (the first of equal length)."""
        made = (template.format(prefix=naming.prefix(self.section), key=naming.hash_key_suffix,
                                hashdiff=naming.hashdiff_suffix, name=name) for template in self.made_names)
        return max(made, key=len)

    @abstractmethod
    def entities(self, spec: Spec) -> tuple[E, ...]:
        """The spec's entities of this kind, in spec order."""

    def model(self, entity: E) -> str:
        """The table's name (the entity's own ``model``, which the rest of the code reads too)."""
        return entity.model

    @abstractmethod
    def sources(self, spec: Spec, entity: E) -> tuple[str, ...]:
        """The landing sources whose stages the table reads, sorted."""

    @abstractmethod
    def definition(self, spec: Spec, entity: E) -> Definition:
        """What decides the table's rows (``generator/kinds/definition.py``)."""

    @abstractmethod
    def files(self, spec: Spec, entity: E) -> list[GeneratedFile]:
        """The files the entity renders: its table's SQL, and any view of its own."""

    @abstractmethod
    def docs(self, spec: Spec, entity: E) -> dict[str, Any]:
        """The table's model in the raw vault's YAML: description, columns and data tests."""

    def stage_hubs(self, spec: Spec, entity: E, source: str) -> tuple[str, ...]:
        """The hubs whose key the stage of ``source`` computes for this table (none unless it reads it)."""
        return ()

    def stage_columns(self, spec: Spec, entity: E, source: str) -> list[StageColumn]:
        """The columns of its own the table needs in the stage of ``source``, besides hub keys
        (``generator/kinds/stage.py``)."""
        return []

    def reads_resolved(self, spec: Spec, entity: E, source: str) -> bool:
        """Whether the table also reads the rows of ``source`` that a later delivery of a looked-up
        source resolves (``generator/kinds/resolved.py``): only hubs and links keyed by a looked-up
        column do; a satellite never does, since it would record a delivery the source never made."""
        return False

    def parent(self, spec: Spec, entity: E) -> str | None:
        """The hub or link whose key keys the table's rows (a satellite's parent, an effectivity
        satellite's link); None for tables with keys of their own."""
        return None

    def personal_columns(self, spec: Spec, entity: E) -> tuple[str, ...]:
        """The stored columns holding personal data, which ``dvkit erase`` clears (none unless it says)."""
        return ()

    def payload(self, entity: E) -> tuple[str, ...]:
        """The descriptive columns a row stores besides keys and audit columns (none unless it says)."""
        return ()

    def what(self, entity: E) -> str:
        """How a generated file's header names the entity ("hub order")."""
        return f"{self.label} {entity.name}"

    def table_file(self, entity: E, body: str) -> GeneratedFile:
        """The SQL file of the entity's table."""
        return GeneratedFile(f"{RAW_VAULT}/{self.folder}/{self.model(entity)}.sql", body, entity.origin.path,
                             self.what(entity))
