"""The typed model of a vault spec: what the YAML says, after validation.

Nothing here knows about dbt or PostgreSQL; the renderer turns these objects into files.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from generator.spec.naming import DEFAULT_NAMING, Naming


@dataclass(frozen=True)
class Origin:
    """Where an entity is declared, for messages and generated-file headers."""

    path: str
    line: int


@dataclass(frozen=True)
class Lookup:
    """Columns borrowed from another source by a shared column (rendered as a staging join)."""

    source: str
    on: str
    columns: tuple[str, ...]


@dataclass(frozen=True)
class Source:
    name: str
    file: str
    record_source: str
    columns: tuple[tuple[str, str], ...]
    origin: Origin
    description: str = ""
    lookups: tuple[Lookup, ...] = ()
    personal_columns: tuple[str, ...] = ()
    retention: str | None = None  # ISO 8601 duration, e.g. "P5Y"
    extra_columns: str = "warn"  # a file column the spec does not declare: "warn" (ignored) or "fail"
    renamed: tuple[tuple[str, str], ...] = ()  # column -> the file's header it is read from (``from``)
    column_lines: tuple[int, ...] = ()  # the spec line of each column, in order (messages)
    # "full": every delivery is the whole table, so a key missing from one is gone from the source;
    # "delta": a delivery holds what changed, and a missing key says nothing.
    delivery: str = "delta"
    delete_flag: str | None = None  # a boolean column: true marks the row's keys deleted at the source
    column_descriptions: tuple[tuple[str, str], ...] = ()  # column -> its description, for the described ones
    # A table or view of the vault's database (``crm.customers``) read by each load instead of a file;
    # ``file`` then holds the same name, for messages and descriptions.
    table: str | None = None

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.columns)

    @property
    def header_names(self) -> tuple[str, ...]:
        """The file's header name of each column, in the spec's order (the column's own name unless renamed)."""
        headers = dict(self.renamed)
        return tuple(headers.get(name, name) for name, _ in self.columns)

    def column_origin(self, column: str) -> Origin:
        """Where ``column`` is declared (the source's own line when unknown)."""
        names = self.column_names
        if column in names and len(self.column_lines) == len(names):
            return Origin(self.origin.path, self.column_lines[names.index(column)])
        return self.origin

    def staged_columns(self) -> tuple[str, ...]:
        """Columns a stage over this source can use: its own and its lookups'."""
        return self.column_names + tuple(c for lookup in self.lookups for c in lookup.columns)

    def column_description(self, column: str) -> str:
        """The spec's description of one of its own columns ("" when it has none).

        >>> Source("s", "s.csv", "s.csv", (("a", "text"),), Origin("f", 1), column_descriptions=(("a", "A."),)
        ...        ).column_description("a")
        'A.'
        """
        return dict(self.column_descriptions).get(column, "")


@dataclass(frozen=True)
class Feed:
    """One source delivering a hub's business key, under the source's column names."""

    source: str
    columns: tuple[str, ...]


@dataclass(frozen=True)
class Step:
    """One hop of a data subject's path: to ``hub`` through ``link``, a link joining it to the hub before."""

    hub: str
    link: str


@dataclass(frozen=True)
class DataSubject:
    """A hub whose keys are persons: erasing one erases its personal data and what its paths reach.

    Each path starts at the subject's hub and hops, link by link, to other hubs; the personal data of
    every hub on the path that holds some is the person's too (Olist: a customer's orders, then the
    reviews of those orders).
    """

    reaches: tuple[tuple[Step, ...], ...]
    origin: Origin

    def hubs(self) -> tuple[str, ...]:
        """Every hub the paths reach, in path order, each once.

        >>> DataSubject(((Step("order", "order_customer"), Step("review", "order_review")),), Origin("h", 1)).hubs()
        ('order', 'review')
        """
        return tuple(dict.fromkeys(step.hub for path in self.reaches for step in path))


@dataclass(frozen=True)
class Hub:
    name: str
    business_key: tuple[str, ...]
    feeds: tuple[Feed, ...]
    origin: Origin
    description: str = ""
    data_subject: DataSubject | None = None  # its keys are persons (``data_subject:`` in the spec)
    naming: Naming = field(default=DEFAULT_NAMING, compare=False, repr=False)  # settings: naming

    @property
    def key(self) -> str:
        return self.naming.key(self.name)

    @property
    def model(self) -> str:
        return self.naming.table("hubs", self.name)

    def columns_in(self, source: str) -> tuple[str, ...]:
        """The columns of ``source`` that hold this hub's business key.

        A source that feeds the hub may name them differently; any other source must use the
        hub's own names.
        """
        for feed in self.feeds:
            if feed.source == source:
                return feed.columns
        return self.business_key


@dataclass(frozen=True)
class Link:
    name: str
    hubs: tuple[str, ...]
    sources: tuple[str, ...]
    origin: Origin
    description: str = ""
    dependent_child_key: tuple[str, ...] = ()
    naming: Naming = field(default=DEFAULT_NAMING, compare=False, repr=False)  # settings: naming

    @property
    def key(self) -> str:
        return self.naming.key(self.name)

    @property
    def model(self) -> str:
        return self.naming.table("links", self.name)


@dataclass(frozen=True)
class NonHistorisedLink:
    """A non-historised (transactional) link: hubs' keys with a payload, one row per key, never updated.

    AutomateDV's ``nh_link``: the first delivery of a link key is stored with its payload, later ones
    are ignored. Its source must feed each hub, as a link's must.
    """

    name: str
    hubs: tuple[str, ...]
    source: str
    origin: Origin
    description: str = ""
    dependent_child_key: tuple[str, ...] = ()
    payload: tuple[str, ...] = ()
    naming: Naming = field(default=DEFAULT_NAMING, compare=False, repr=False)  # settings: naming

    @property
    def key(self) -> str:
        return self.naming.key(self.name)

    @property
    def model(self) -> str:
        return self.naming.table("non_historised_links", self.name)

    @property
    def sources(self) -> tuple[str, ...]:
        return (self.source,)


@dataclass(frozen=True)
class Satellite:
    """Descriptive attributes of a hub or link, a new row whenever the payload's hashdiff changes."""

    name: str
    parent: str
    source: str
    payload: tuple[str, ...]
    origin: Origin
    description: str = ""
    effective_from: str | None = None
    personal_data: bool = False  # every payload column is personal data (marked in the source)
    payload_added: tuple[str, ...] = ()  # columns added after the satellite went live (append-only)
    naming: Naming = field(default=DEFAULT_NAMING, compare=False, repr=False)  # settings: naming

    @property
    def hashdiff(self) -> str:
        return self.naming.hashdiff(self.name)

    @property
    def stored_payload(self) -> tuple[str, ...]:
        """Every payload column the satellite stores: ``payload``, then ``payload_added``."""
        return self.payload + self.payload_added

    @property
    def model(self) -> str:
        return self.naming.table("satellites", self.name)


@dataclass(frozen=True)
class MultiActiveSatellite:
    """Several active rows per parent key at once, told apart by a child key (e.g. payments)."""

    name: str
    parent: str
    source: str
    child_key: tuple[str, ...]
    payload: tuple[str, ...]
    origin: Origin
    description: str = ""
    payload_added: tuple[str, ...] = ()  # columns added after the satellite went live (append-only)
    naming: Naming = field(default=DEFAULT_NAMING, compare=False, repr=False)  # settings: naming

    @property
    def hashdiff(self) -> str:
        return self.naming.hashdiff(self.name)

    @property
    def stored_payload(self) -> tuple[str, ...]:
        """Every payload column the satellite stores: ``payload``, then ``payload_added``."""
        return self.payload + self.payload_added

    @property
    def model(self) -> str:
        return self.naming.table("multi_active_satellites", self.name)


# The stage's start and end dates of an effectivity satellite. The end date is typed in the stage:
# AutomateDV's release unions it with the stored (timestamp) end dates without casting it.
EFFECTIVITY_DATES = (("start_date", "_load_ts"), ("end_date", "cast('9999-12-31 00:00:00' as timestamp)"))


@dataclass(frozen=True)
class EffectivitySatellite:
    """When each relationship of a link is in force, per driving key (auto end-dated)."""

    name: str
    link: str
    driving_key: tuple[str, ...]  # hub names of the link whose relationship is tracked
    source: str
    origin: Origin
    description: str = ""
    naming: Naming = field(default=DEFAULT_NAMING, compare=False, repr=False)  # settings: naming

    @property
    def model(self) -> str:
        return self.naming.table("effectivity_satellites", self.name)


@dataclass(frozen=True)
class TrackingSatellite:
    """An extended tracking satellite (xts): every delivery of the tracked satellites' payloads."""

    name: str
    parent: str
    satellites: tuple[str, ...]
    origin: Origin
    description: str = ""
    naming: Naming = field(default=DEFAULT_NAMING, compare=False, repr=False)  # settings: naming

    @property
    def model(self) -> str:
        return self.naming.table("tracking_satellites", self.name)


@dataclass(frozen=True)
class StatusTrackingSatellite:
    """A status-tracking satellite (sts): when the keys of a hub or link stopped being delivered by one
    source, and when they came back.

    A row per change of status: ``present`` when a key is delivered (first, or again after it was
    gone), ``deleted`` when a full extract of the source no longer holds it or its delete flag is set.
    """

    name: str
    parent: str
    source: str
    origin: Origin
    description: str = ""
    naming: Naming = field(default=DEFAULT_NAMING, compare=False, repr=False)  # settings: naming

    @property
    def model(self) -> str:
        return self.naming.table("status_tracking_satellites", self.name)


@dataclass(frozen=True)
class ReferenceTable:
    """Reference data keyed by a natural key (not hashed).

    A new key gets every distinct row of its first delivery (AutomateDV's ``ref_table``); with
    ``one_row_per_key`` the staging passes on only the first line of each key in each delivery.
    """

    name: str
    source: str
    key: str
    payload: tuple[str, ...]
    origin: Origin
    description: str = ""
    one_row_per_key: bool = False
    naming: Naming = field(default=DEFAULT_NAMING, compare=False, repr=False)  # settings: naming

    @property
    def model(self) -> str:
        return self.naming.table("reference_tables", self.name)


@dataclass(frozen=True)
class PointInTime:
    """A point-in-time table: for each key and as-of date, the satellite rows then current."""

    name: str
    parent: str
    satellites: tuple[str, ...]
    as_of: str  # "load_times" or a period of a date spine: "day", "week", "month"
    origin: Origin
    description: str = ""

    @property
    def model(self) -> str:
        return f"pit_{self.name}"


@dataclass(frozen=True)
class Bridge:
    """A bridge: for each as-of date, the keys reached from a hub through a path of links."""

    name: str
    hub: str
    links: tuple[str, ...]
    as_of: str
    origin: Origin
    description: str = ""

    @property
    def model(self) -> str:
        return f"bridge_{self.name}"


@dataclass(frozen=True)
class ComputedSatellite:
    """A business rule written in SQL by hand (``bsat_<name>.sql``), documented in the spec."""

    name: str
    parent: str
    columns: tuple[tuple[str, str], ...]  # column -> the rule, in words
    origin: Origin
    description: str = ""

    @property
    def model(self) -> str:
        return f"bsat_{self.name}"


@dataclass(frozen=True)
class Settings:
    """Spec-wide options, rendered into the dbt project's vars."""

    ghost_records: bool = False
    hash: str = "MD5"
    extra_columns: str = "warn"  # the default of every source's ``extra_columns``
    data_dir: str | None = None  # where `dvkit load` reads when given no folder, relative to the project
    origin: Origin | None = None
    naming: Naming = DEFAULT_NAMING  # the names of tables, keys, hashdiffs and schemas


@dataclass(frozen=True)
class Spec:
    """A whole, valid vault spec."""

    sources: tuple[Source, ...] = ()
    hubs: tuple[Hub, ...] = ()
    links: tuple[Link, ...] = ()
    satellites: tuple[Satellite, ...] = ()
    multi_active_satellites: tuple[MultiActiveSatellite, ...] = ()
    effectivity_satellites: tuple[EffectivitySatellite, ...] = ()
    tracking_satellites: tuple[TrackingSatellite, ...] = ()
    reference_tables: tuple[ReferenceTable, ...] = ()
    non_historised_links: tuple[NonHistorisedLink, ...] = ()
    status_tracking_satellites: tuple[StatusTrackingSatellite, ...] = ()
    point_in_time_tables: tuple[PointInTime, ...] = ()
    bridges: tuple[Bridge, ...] = ()
    computed_satellites: tuple[ComputedSatellite, ...] = ()
    settings: Settings = Settings()

    @property
    def naming(self) -> Naming:
        """The spec's naming convention (``settings: naming:``)."""
        return self.settings.naming

    def source(self, name: str) -> Source:
        return next(s for s in self.sources if s.name == name)

    def hub(self, name: str) -> Hub:
        return next(h for h in self.hubs if h.name == name)

    def link(self, name: str) -> Link:
        return next(link for link in self.links if link.name == name)

    def satellite(self, name: str) -> Satellite:
        return next(s for s in self.satellites if s.name == name)

    def column_description(self, source: str, column: str) -> str:
        """The description of a column the stage of ``source`` reads: its own, or that of the source a
        lookup borrows it from ("" when the spec has none)."""
        own = self.source(source)
        if column in own.column_names:
            return own.column_description(column)
        for lookup in own.lookups:
            if column in lookup.columns:
                return self.source(lookup.source).column_description(column)
        return ""

    def link_key_columns(self, link: Link | NonHistorisedLink, source: str) -> tuple[str, ...]:
        """Source columns hashed into a link's key: each hub's key in order, then the child key."""
        columns = tuple(c for name in link.hubs for c in self.hub(name).columns_in(source))
        return columns + link.dependent_child_key

    def parent_of(self, sat: Satellite | MultiActiveSatellite | TrackingSatellite | StatusTrackingSatellite
                  | PointInTime | ComputedSatellite) -> Hub | Link:
        for entity in (*self.hubs, *self.links):
            if entity.name == sat.parent:
                return entity
        raise KeyError(sat.parent)

    def models_fed_by(self, source: str) -> list[str]:
        """The raw vault models that read the stage of ``source``, in a stable order."""
        fed = [hub.model for hub in self.hubs if any(feed.source == source for feed in hub.feeds)]
        fed += [link.model for link in self.links if source in link.sources]
        fed += [sat.model for sat in (*self.satellites, *self.multi_active_satellites, *self.effectivity_satellites,
                                      *self.reference_tables, *self.non_historised_links,
                                      *self.status_tracking_satellites) if sat.source == source]
        return fed

    def first_line_per_key(self, source: str) -> str | None:
        """The key whose first line per delivery is all the staging of ``source`` passes on, if any."""
        return next((ref.key for ref in self.reference_tables if ref.source == source and ref.one_row_per_key), None)

    def vault_models(self) -> list[str]:
        """Every raw vault table, hubs first, in a stable order."""
        groups: list[tuple[Hub | Link | Satellite | MultiActiveSatellite | EffectivitySatellite
                           | TrackingSatellite | ReferenceTable | NonHistorisedLink | StatusTrackingSatellite,
                           ...]] = [
            self.hubs, self.links, self.satellites, self.multi_active_satellites,
            self.effectivity_satellites, self.tracking_satellites, self.reference_tables,
            self.non_historised_links, self.status_tracking_satellites,
        ]
        return [entity.model for group in groups for entity in group]
