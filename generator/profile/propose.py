"""Turn file profiles into a proposed spec: sources, hubs, links and satellites, as commented YAML.

* a source per file, every column typed;
* a hub per single-column file key; a file whose key is found in another file's key feeds that
  file's hub instead (closed deals keyed by a lead id feed the lead hub);
* a foreign key (an inclusion into another file's key) makes the file a feed of that hub, and a
  file that reaches two or more hubs (its own key's and its foreign keys') delivers a link of them;
  a key column of a two-column key that is no foreign key is a hub of its own when it is text, and
  the link's dependent child key otherwise;
* the other columns are the payload of a satellite of the file's key: the hub's, or the link's for a
  two-column key; a multi-active satellite of the hub when the second key column tells rows of one
  hub key apart and there is no link. With batch folders, columns that never changed and columns
  that did are split into two satellites.

Every entry carries its evidence as YAML comments. The output depends only on the files.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from generator.profile.files import FileProfile, header
from generator.profile.relations import ChangeRate, Inclusion

#: Share of distinct values from which a repeating identifier column is pointed out as almost a key.
NEAR_KEY = 0.9
FILE_PATTERN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")


@dataclass
class HubPlan:
    name: str
    key: str
    home: str  # the file whose key it is
    feeds: dict[str, str] = field(default_factory=dict)  # source -> its column holding the key
    notes: list[str] = field(default_factory=list)


@dataclass
class LinkPlan:
    name: str
    source: str
    hubs: list[str]
    child_key: tuple[str, ...]
    notes: list[str]


@dataclass
class SatPlan:
    name: str
    parent: str
    source: str
    payload: list[str]
    notes: list[str]
    child_key: tuple[str, ...] = ()  # set for a multi-active satellite


@dataclass
class Proposal:
    profiles: list[FileProfile]
    hubs: list[HubPlan]
    links: list[LinkPlan]
    satellites: list[SatPlan]
    inclusions: list[Inclusion]
    skipped: list[str]


def hub_name(column: str) -> str:
    """A hub's name from its key column: ``order_id`` -> ``order``.

    >>> hub_name("order_id"), hub_name("mql_id"), hub_name("zip")
    ('order', 'mql', 'zip')
    """
    for suffix in ("_id", "_key", "_code"):
        if column.endswith(suffix) and len(column) > len(suffix):
            return column[: -len(suffix)]
    return column


def _ratio(part: int | None, whole: int) -> str:
    if part is None:
        return "more than the tracked distinct values"
    return f"{part} distinct of {whole} rows ({part / whole:.1%})" if whole else "no rows"


def propose(profiles: Sequence[FileProfile], found: Sequence[Inclusion],
            rates: dict[str, ChangeRate | None] | None = None) -> Proposal:
    """The proposed model for ``profiles`` with their inclusions ``found`` and change ``rates``."""
    rates = rates or {}
    by_name = {p.name: p for p in profiles}
    fk = {(i.source, i.column): i for i in found}
    order = [p.name for p in profiles]
    for inclusion in list(fk.values()):
        # Two files keyed by the same values: the later one feeds the earlier one's hub.
        back = fk.get((inclusion.target, inclusion.key))
        if back is not None and (back.target, back.key) == (inclusion.source, inclusion.column) \
                and order.index(inclusion.source) < order.index(inclusion.target):
            del fk[(inclusion.source, inclusion.column)]
    found = [i for i in found if fk.get((i.source, i.column)) is i]
    hubs: dict[tuple[str, str], HubPlan] = {}  # (home file, key column) -> hub
    used: set[str] = set()

    def new_hub(home: str, column: str, note: str) -> HubPlan:
        name = hub_name(column)
        if name in used:
            name = f"{home}_{name}"[:63]
        used.add(name)
        plan = HubPlan(name, column, home, {home: column}, [note])
        hubs[(home, column)] = plan
        return plan

    def hub_of(source: str, column: str) -> HubPlan | None:
        """The hub a column holds the key of: its own file's, or the one it is a foreign key to
        (following keys found in keys; None for a cycle of them, which has no hub)."""
        seen: set[tuple[str, str]] = set()
        at = (source, column)
        while at not in hubs and at in fk and at not in seen:
            seen.add(at)
            at = (fk[at].target, fk[at].key)
        return hubs.get(at)

    # Hubs of single keys not themselves found in another key, first; then the ones that are.
    singles = [p for p in profiles if len(p.key) == 1]
    for profile in singles:
        column = profile.column(profile.key[0])
        if (profile.name, column.name) not in fk:
            plan = new_hub(profile.name, column.name,
                           f"key of {profile.file_name}: {_ratio(column.distinct, profile.rows)}, no empty value")
            plan.notes += _near_keys(profile, fk)
    # Two-column keys: a text column that is no foreign key is an entity of its own.
    for profile in profiles:
        if len(profile.key) == 2:
            for name in profile.key:
                column = profile.column(name)
                if (profile.name, name) not in fk and column.type == "text":
                    new_hub(profile.name, name, f"part of the key {' + '.join(profile.key)} of "
                            f"{profile.file_name}: {_ratio(column.distinct, profile.rows)}")

    links: list[LinkPlan] = []
    satellites: list[SatPlan] = []
    skipped: list[str] = []
    link_names: set[str] = set()
    for profile in profiles:
        if not profile.key:
            skipped.append(f"{profile.file_name}: no column or pair of columns is a key; "
                           "only its source is proposed (a reference table, perhaps)")
            continue
        own: list[HubPlan] = []
        child: list[str] = []
        for name in profile.key:
            plan = hub_of(profile.name, name)
            if plan is None:
                child.append(name)
            elif plan not in own:
                own.append(plan)
        hub_columns = set(profile.key) - set(child)
        reached = list(own)
        notes: list[str] = []
        for column in profile.columns:
            if column.name in profile.key:
                inclusion = fk.get((profile.name, column.name))
                if inclusion is not None:
                    notes.append(_inclusion_note(inclusion, by_name))
                continue
            inclusion = fk.get((profile.name, column.name))
            plan = hub_of(profile.name, column.name) if inclusion else None
            if plan is None or inclusion is None:
                continue
            hub_columns.add(column.name)
            notes.append(_inclusion_note(inclusion, by_name))
            if plan not in reached:
                reached.append(plan)
        for plan in reached:
            for name in sorted(hub_columns):
                if hub_of(profile.name, name) is plan:
                    plan.feeds.setdefault(profile.name, name)
                    break
        link: LinkPlan | None = None
        if len(reached) >= 2:
            name = "_".join(p.name for p in reached)[:63]
            if name in link_names:
                name = f"{profile.name}_{name}"[:63]
            link_names.add(name)
            link = LinkPlan(name, profile.name, [p.name for p in reached], tuple(child), notes)
            links.append(link)
        payload = [c.name for c in profile.columns if c.name not in hub_columns and c.name not in child]
        if not payload:
            continue
        if len(profile.key) == 2 and link is not None:
            parent, multi = link.name, ()
        elif len(profile.key) == 2 and own:
            parent, multi = own[0].name, tuple(child)
        elif own:
            parent, multi = own[0].name, ()
        else:
            continue
        satellites += _satellites(profile, parent, payload, multi, rates.get(profile.name))
    ordered = sorted(hubs.values(), key=lambda h: order.index(h.home))
    return Proposal(list(profiles), ordered, links, satellites, list(found), skipped)


def _near_keys(profile: FileProfile, fk: dict[tuple[str, str], Inclusion]) -> list[str]:
    """Notes on identifier columns that repeat a little: the entity may be theirs (one person behind
    several customer ids), which the data alone cannot tell."""
    notes = []
    for column in profile.columns:
        distinct = column.distinct
        if (column.name in profile.key or (profile.name, column.name) in fk or not column.name.endswith("_id")
                or column.nulls or column.type not in ("text", "integer", "bigint") or distinct is None):
            continue
        if NEAR_KEY * profile.rows <= distinct < profile.rows:
            notes.append(f"{column.name} is almost a key too ({_ratio(distinct, profile.rows)}): if it names "
                         f"the entity, make it the business key")
    return notes


def _inclusion_note(inclusion: Inclusion, by_name: dict[str, FileProfile]) -> str:
    return (f"{inclusion.column} of {by_name[inclusion.source].file_name} found in key "
            f"{inclusion.key} of {by_name[inclusion.target].file_name}: {inclusion.coverage:.1%} of "
            f"its {inclusion.distinct} distinct values")


def _satellites(profile: FileProfile, parent: str, payload: list[str], child: tuple[str, ...],
                rate: ChangeRate | None) -> list[SatPlan]:
    notes = [f"{c}: {_ratio(profile.column(c).distinct, profile.rows)}, "
             f"{profile.column(c).nulls} empty" for c in payload]
    if rate is None or child or not rate.redelivered:
        return [SatPlan(profile.name, parent, profile.name, payload, notes, child)]
    stable = [c for c in payload if rate.changed.get(c, 0) == 0]
    changing = [c for c in payload if rate.changed.get(c, 0) > 0]
    shown = [f"{c}: changed in {rate.changed.get(c, 0)} of {rate.redelivered} re-delivered keys "
             f"({rate.rate(c):.0%})" for c in payload]
    if not stable or not changing:
        return [SatPlan(profile.name, parent, profile.name, payload, notes + shown)]
    return [SatPlan(f"{profile.name}_stable"[:63], parent, profile.name, stable,
                    [n for n in shown if n.split(":")[0] in stable]),
            SatPlan(f"{profile.name}_changing"[:63], parent, profile.name, changing,
                    [n for n in shown if n.split(":")[0] in changing])]


def _comments(notes: Sequence[str], indent: str) -> list[str]:
    return [f"{indent}# {note}" for note in notes]


def render(proposal: Proposal, modeline: str = "") -> str:
    """The proposal as one spec file (sources, hubs, links, satellites), with its evidence."""
    lines = [modeline.rstrip("\n")] if modeline else []
    lines += ["# Proposed by `dvkit scaffold` from the files' contents: check every entry, rename what",
              "# deserves a business name, and move the sections into files of their own if you like.", ""]
    lines += [f"# note: {text}" for text in proposal.skipped]
    lines += ["sources:"]
    for profile in proposal.profiles:
        lines += [f"  # {profile.file_name}: {profile.rows} rows; key "
                  f"{' + '.join(profile.key) if profile.key else 'none found'}",
                  f"  - name: {profile.name}", f"    file: {profile.file_name}", "    columns:"]
        titles = _titles(profile)
        for column, title in zip(profile.columns, titles, strict=True):
            kind = column.type if title == column.name else f"{{type: {column.type}, from: {_quote(title)}}}"
            lines.append(f"      {column.name}: {kind}  # {_ratio(column.distinct, profile.rows)}, "
                         f"{column.nulls} empty")
    if proposal.hubs:
        lines += ["", "hubs:"]
        for hub in proposal.hubs:
            lines += _comments(hub.notes, "  ")
            lines += [f"  - name: {hub.name}", f"    business_key: {hub.key}", "    sources:"]
            for source, column in hub.feeds.items():
                lines.append(f"      - source: {source}")
                if column != hub.key:
                    lines.append(f"        business_key: {column}")
    if proposal.links:
        lines += ["", "links:"]
        for link in proposal.links:
            lines += _comments(link.notes, "  ")
            lines += [f"  - name: {link.name}", f"    hubs: [{', '.join(link.hubs)}]"]
            if link.child_key:
                lines.append(f"    dependent_child_key: {_list(link.child_key)}")
            lines += ["    sources:", f"      - source: {link.source}"]
    for section, multi in (("satellites", False), ("multi_active_satellites", True)):
        chosen = [s for s in proposal.satellites if bool(s.child_key) == multi]
        if not chosen:
            continue
        lines += ["", f"{section}:"]
        for sat in chosen:
            lines += _comments(sat.notes, "  ")
            lines += [f"  - name: {sat.name}", f"    parent: {sat.parent}", f"    source: {sat.source}"]
            if multi:
                lines.append(f"    child_key: {_list(sat.child_key)}")
            lines.append(f"    payload: [{', '.join(sat.payload)}]")
    return "\n".join(lines) + "\n"


def _titles(profile: FileProfile) -> list[str]:
    return header(profile.path)


def _list(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else f"[{', '.join(names)}]"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def usable_file_name(path: Path) -> bool:
    """Whether the spec can name the file (letters, digits, ``_.-``, ending in ``.csv``)."""
    name = path.name.removesuffix(".gz")
    return name.endswith(".csv") and set(name) <= FILE_PATTERN_CHARS
