"""Read a spec folder, check everything, and build the typed model.

Every problem is collected (never just the first), each with file, line and a hint. A spec with
problems yields no model, so nothing unchecked can reach the renderer or the database.

>>> from pathlib import Path
>>> result = load_spec(Path("vault_spec"))  # doctest: +SKIP
>>> result.ok, [str(p) for p in result.problems]  # doctest: +SKIP
(True, [])
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.kinds import REGISTRY
from generator.kinds import entities as vault_entities
from generator.kinds.stage import AUDIT_COLUMNS, stage_columns
from generator.places import BUSINESS_VAULT, DVKIT, LANDING, MARTS, RAW_VAULT, STAGING
from generator.render import pending, resolved
from generator.spec.model import (
    Bridge,
    ComputedSatellite,
    DataSubject,
    EffectivitySatellite,
    Feed,
    Hub,
    Link,
    Lookup,
    MultiActiveSatellite,
    NonHistorisedLink,
    Origin,
    PointInTime,
    ReferenceTable,
    Satellite,
    Settings,
    Source,
    Spec,
    StatusTrackingSatellite,
    Step,
    TrackingSatellite,
)
from generator.spec.naming import DEFAULT_NAMING, Naming
from generator.spec.naming_check import read_naming
from generator.spec.structure import check_structure, looks_like
from generator.spec.yaml_lines import LineDict, LineList, Problem, SpecSyntaxError, load_text

# Column names the staging layer and the landing tables add themselves.
# Schemas dvkit writes: a source table may not be read from them.
OWN_SCHEMAS = (LANDING, STAGING, RAW_VAULT, BUSINESS_VAULT, MARTS, DVKIT)
LANDING_COLUMNS = ("_batch_id", "_load_ts", "_record_source", "_source_file", "_source_line")
STAGED_COLUMNS = tuple(name for name, _ in AUDIT_COLUMNS)

# PostgreSQL reserved words that cannot be a column name without quoting (dvkit never quotes).
RESERVED = frozenset(
    """all analyse analyze and any array as asc asymmetric authorization binary both case cast check
    collate collation column concurrently constraint create cross current_catalog current_date
    current_role current_schema current_time current_timestamp current_user default deferrable desc
    distinct do else end except false fetch for foreign freeze from full grant group having ilike in
    initially inner intersect into is isnull join lateral leading left like limit localtime
    localtimestamp natural not notnull null offset on only or order outer overlaps placing primary
    references returning right select session_user similar some symmetric system_user table
    tablesample then to trailing true union unique user using variadic verbose when where window
    with""".split()
)

# Names PostgreSQL accepts but sqlglot's PostgreSQL dialect reads as keywords (sqlglot 30): `dvkit
# lineage` and the portability check parse the compiled SQL with sqlglot, which fails on them as
# column names (cube, lock and rollup in a GROUP BY), or only as table and CTE names (the rest).
SQLGLOT_WORDS = frozenset(
    """alter between cube drop glob insert lock partitioned_by qualify regexp revoke rlike rollback rollup uncache
    xor""".split()
)
SQLGLOT_TABLE_WORDS = SQLGLOT_WORDS | {"describe", "recursive", "values"}
# Names PyYAML reads as booleans: the stage's metadata is YAML that dbt reads with `fromyaml`, where a
# column `yes` would become True (on, true, false and null are reserved words already).
YAML_WORDS = frozenset({"yes", "no", "on", "off", "true", "false", "null"})
JINJA_OPENERS = ("{{", "{%", "{#")
# Names of the CTEs of the staging SQL that a looked-up source's name must not take, and the columns
# it numbers each lookup's deliveries with, which a looked-up column must not take: the pending
# view's renderer names them.
# The view of rows resolved later (generator/render/resolved.py) joins them under the same names.
PENDING_CTES, PENDING_COLUMNS = pending.PENDING_CTES | resolved.RESOLVED_CTES, pending.PENDING_COLUMNS
# Landing types PostgreSQL compares with each other without a cast (a lookup's join needs one kind).
TYPE_KINDS = {"text": "text", "boolean": "boolean", "integer": "number", "bigint": "number", "numeric": "number",
              "double": "number", "date": "time", "timestamp": "time"}

# The raw vault's sections are those of its kinds (generator/kinds/), between sources and the business vault.
SECTIONS = ("sources", *(kind.section for kind in REGISTRY), "point_in_time_tables", "bridges", "computed_satellites")
SAFE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# The longest identifier dvkit makes of the name of each kind of entity (model, column or CTE name;
# each raw vault kind says its own): PostgreSQL cuts identifiers at 63 characters, which would make
# two names one, or fail in dbt.
MAX_IDENTIFIER = 63
LONGEST_NAME = {
    "sources": pending.LONGEST_NAME,
    **{kind.section: kind.longest_name for kind in REGISTRY},
    "point_in_time_tables": "pit_{}",
    "bridges": "bridge_{}",
    "computed_satellites": "bsat_{}",
}


@dataclass
class SpecResult:
    spec: Spec | None
    problems: list[Problem] = field(default_factory=list)
    files: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


def load_spec(spec_dir: Path, root: Path | None = None) -> SpecResult:
    """Load and validate every ``*.yml`` file under ``spec_dir``.

    Paths in problems are relative to ``root`` (default: the spec folder's parent), the way a
    modeler sees them in the repository.
    """
    root = root or spec_dir.parent
    if not spec_dir.is_dir():
        return SpecResult(None, [Problem(str(spec_dir), 0, "spec folder not found",
                                         "run dvkit in the project folder or pass --spec")])
    files = sorted(p for p in spec_dir.rglob("*") if p.suffix in (".yml", ".yaml") and p.is_file())
    if not files:
        return SpecResult(None, [Problem(_rel(spec_dir, root), 0, "no spec files (*.yml) found",
                                         "add vault_spec/hubs.yml and friends")])
    problems: list[Problem] = []
    docs: list[tuple[str, Any]] = []
    unreadable = False
    for file in files:
        rel = _rel(file, root)
        try:
            doc = load_text(file.read_text(encoding="utf-8"), rel)
        except SpecSyntaxError as exc:
            problems.extend(exc.problems)
            unreadable = True
            continue
        except UnicodeDecodeError as exc:
            problems.append(Problem(rel, 1, f"not UTF-8 text ({exc.reason})", "save the file as UTF-8"))
            unreadable = True
            continue
        structural = check_structure(doc, rel)
        problems.extend(structural)
        docs.append((rel, doc))
    # Names are global to the spec, so any name the other files use may be declared in a file that
    # cannot be read: the checks across files would report it unknown, with a wrong did-you-mean.
    # Until every file reads, only each file's own problems are reported.
    spec = None if unreadable else _Checker(docs, problems).run()
    problems.sort(key=lambda p: (p.path, p.line, p.message))
    return SpecResult(None if problems else spec, problems, tuple(_rel(f, root) for f in files))


def _column_name_problem(column: str, naming: Naming = DEFAULT_NAMING) -> tuple[str, str] | None:
    """Why ``column`` cannot be a column of a stage (message, hint), or None."""
    if (column in LANDING_COLUMNS or column in STAGED_COLUMNS
            or column.endswith((naming.hash_key_suffix, naming.hashdiff_suffix))):
        return f"column name '{column}' is reserved for columns dvkit adds", "rename it"
    if column in RESERVED:
        return f"column name '{column}' is an SQL reserved word", "dvkit never quotes names; rename the column"
    if column in SQLGLOT_WORDS:
        return (f"column name '{column}' is read as a keyword by sqlglot (dvkit lineage)",
                "dvkit never quotes names; rename the column")
    if column in YAML_WORDS:
        return (f"column name '{column}' reads as a boolean in the YAML dvkit generates",
                "rename the column (yes, no, on and off are YAML 1.1 booleans)")
    return None


def _column_types(columns: LineDict) -> tuple[tuple[str, str], ...]:
    """Each column's type, from the short form (``name: type``) or the long one (``name: {type: ...}``).

    A wrong type is reported by the structural check; the source is still built, for the other checks.
    """
    return tuple((column, str(value.get("type") if isinstance(value, LineDict) else value))
                 for column, value in columns.items())


def _column_descriptions(columns: LineDict) -> tuple[tuple[str, str], ...]:
    """The description of each column whose long form has a non-blank one, in the spec's order."""
    found = ((column, value.get("description")) for column, value in columns.items() if isinstance(value, LineDict))
    return tuple((column, text.strip()) for column, text in found if isinstance(text, str) and text.strip())


def _type_of(source: Source, column: str, sources: dict[str, Source]) -> str | None:
    """The declared type of a column a stage of ``source`` reads (its own, or a looked-up one)."""
    own = dict(source.columns)
    if column in own:
        return own[column]
    for lookup in source.lookups:
        if column in lookup.columns and lookup.source in sources:
            return dict(sources[lookup.source].columns).get(column)
    return None


def _lookup_fix(source: Source, missing: list[str], sources: dict[str, Source],
                preferred: tuple[str, ...]) -> tuple[str, str] | None:
    """A lookup ``source`` could borrow every ``missing`` column with, as (source, join column).

    A source it looks up already comes first, then the ``preferred`` ones; the join column is one both
    sources have, of one kind of type. The rules of `_lookup` and `_lookup_apart` hold, so the lookup
    suggested is one that validates.
    """
    if any(c in PENDING_COLUMNS for c in missing):
        return None
    looked_up = {lookup.source: lookup.on for lookup in source.lookups}
    others = sorted((s for s in sources.values() if s.name != source.name and s.name not in RESERVED
                     and s.name not in SQLGLOT_TABLE_WORDS and s.name not in PENDING_CTES),
                    key=lambda s: (s.name not in looked_up, s.name not in preferred, s.name))
    for other in others:
        if not all(c in other.column_names for c in missing):
            continue
        if other.name in looked_up:
            return other.name, looked_up[other.name]
        theirs = dict(other.columns)
        for column, type_ in source.columns:
            if (column in theirs and column not in PENDING_COLUMNS
                    and TYPE_KINDS.get(type_) == TYPE_KINDS.get(theirs[column])):
                return other.name, column
    return None


def _rel(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _names(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(v for v in value if isinstance(v, str))
    return ()


def _hint(name: str, known: Iterable[str], kind: str) -> str:
    known = sorted(set(known))
    # A shortened name ("seller_zip") is best completed, then matched by similarity.
    close = [k for k in known if k.startswith(name)][:1] or difflib.get_close_matches(name, known, n=1, cutoff=0.5)
    if close:
        return f"did you mean '{close[0]}'?"
    return f"known {kind}: {', '.join(known)}" if known else f"declare the {kind[:-1]} first"


def personal_hubs(spec: Spec) -> set[str]:
    """The hubs with a satellite (of any kind) holding personal data."""
    hubs = {hub.name for hub in spec.hubs}
    return {str(kind.parent(spec, e)) for kind, e in vault_entities(spec) if kind.personal_columns(spec, e)} & hubs


def _own_schemas(naming: Naming) -> tuple[str, ...]:
    """The schemas dvkit writes: staging and the raw vault by the naming convention (a source system's
    own ``staging`` schema may be read when the vault's staging is elsewhere).

    >>> _own_schemas(Naming(raw_vault_schema="rv"))
    ('landing', 'staging', 'rv', 'business_vault', 'marts', 'dvkit')
    """
    return tuple(naming.staging_schema if schema == STAGING else naming.raw_vault_schema if schema == RAW_VAULT
                 else schema for schema in OWN_SCHEMAS)


def _with_naming(spec: Spec, naming: Naming) -> Spec:
    """The spec with ``naming`` given to each of its raw vault entities, which make their names of it."""
    if naming == Naming():
        return spec
    return dataclasses.replace(spec, **{kind.section: tuple(dataclasses.replace(entity, naming=naming)
                                                            for entity in kind.entities(spec))
                                        for kind in REGISTRY})


def _sorted(entities: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(entities[name] for name in sorted(entities))


class _Checker:
    """Cross-entity checks over all files at once (names are global to the spec)."""

    def __init__(self, docs: list[tuple[str, Any]], problems: list[Problem]) -> None:
        self.problems = problems
        self.docs = docs
        # Satellites of every kind share one namespace: their names make column and model names.
        self._satellite_names: dict[str, tuple[str, int]] = {}
        self.items: dict[str, list[tuple[str, LineDict]]] = {s: [] for s in SECTIONS}
        for path, doc in docs:
            if not isinstance(doc, LineDict):
                continue
            for section in SECTIONS:
                entries = doc.get(section)
                if not isinstance(entries, LineList):
                    continue
                for entry in entries:
                    if isinstance(entry, LineDict) and isinstance(entry.get("name"), str):
                        # An entry under the wrong section (reported by the structural check) is read
                        # as what it looks like, so that the names referring to it still resolve.
                        kinds = looks_like(section, entry)
                        self.items[kinds[0] if len(kinds) == 1 else section].append((path, entry))

    def add(self, path: str, line: int, message: str, hint: str | None = None) -> None:
        self.problems.append(Problem(path, line, message, hint))

    def run(self) -> Spec:
        self.naming = self._naming()
        sources = self._sources()
        hubs = self._hubs(sources)
        links = self._links(sources, hubs)
        satellites = self._satellites(sources, hubs, links)
        multi_active = self._multi_active(sources, hubs, links)
        effectivity = self._effectivity(sources, links)
        tracking = self._tracking(satellites)
        reference = self._reference(sources)
        non_historised = self._non_historised_links(sources, hubs)
        status_tracking = self._status_tracking(sources, hubs, links)
        pits = self._point_in_time(satellites)
        bridges = self._bridges(hubs, links)
        computed = self._computed()
        self._free_text()
        spec = Spec(
            sources=_sorted(sources),
            hubs=_sorted(hubs),
            links=_sorted(links),
            satellites=_sorted(satellites),
            multi_active_satellites=_sorted(multi_active),
            effectivity_satellites=_sorted(effectivity),
            tracking_satellites=_sorted(tracking),
            reference_tables=_sorted(reference),
            non_historised_links=_sorted(non_historised),
            status_tracking_satellites=_sorted(status_tracking),
            point_in_time_tables=_sorted(pits),
            bridges=_sorted(bridges),
            computed_satellites=_sorted(computed),
            settings=self._settings(),
        )
        spec = _with_naming(spec, self.naming)
        self._stage_columns_apart(spec)
        self._one_row_sources_alone(spec)
        spec = self._data_subjects(spec)
        if not self.problems:  # the renderer needs a spec without problems
            self._model_names_apart(spec)
        return spec

    def _model_names_apart(self, spec: Spec) -> None:
        """No two generated models may share a name: dbt refuses the project, or one file overwrites another.

        A source called ``sat_status`` stages as ``stg_sat_status``, the name of satellite ``status``'s
        stage view. The names are read from the renderer's own files, not derived a second time here.
        """
        from generator.render.plan import plan  # the renderer reads the model: imported when used

        origins = {f"source {source.name}": source.origin for source in spec.sources}
        origins |= {kind.what(entity): entity.origin for kind in REGISTRY for entity in kind.entities(spec)}
        seen: dict[tuple[str, str], str] = {}
        for generated in plan(spec):
            project, _, rest = generated.path.partition("/")
            if not rest.endswith(".sql"):
                continue
            name = Path(rest).stem
            if len(name) > MAX_IDENTIFIER:  # a name made of a source's, only for some specs (a resolved stage)
                origin = origins.get(generated.what)
                self.add(origin.path if origin else generated.spec_file, origin.line if origin else 1,
                         f"{generated.what} generates the dbt model '{name}', longer than PostgreSQL's "
                         f"{MAX_IDENTIFIER} characters",
                         f"shorten the name by {len(name) - MAX_IDENTIFIER} character(s)")
            first = seen.setdefault((project, name), generated.what)
            if first != generated.what:
                origin = origins.get(generated.what) or origins.get(first)
                self.add(origin.path if origin else generated.spec_file, origin.line if origin else 1,
                         f"{first} and {generated.what} both generate the dbt model '{name}'",
                         "rename one of them")

    def _free_text(self) -> None:
        """Descriptions and rules go into dbt's YAML, whose descriptions dbt renders as Jinja."""
        for section, entries in self.items.items():
            for path, entry in entries:
                texts = [("description", entry.get("description"), entry.line_of("description"))]
                columns = entry.get("columns")
                if section == "computed_satellites" and isinstance(columns, LineDict):
                    texts += [(f"rule of '{c}'", rule, columns.line_of(c)) for c, rule in columns.items()]
                if section == "sources" and isinstance(columns, LineDict):
                    texts += [(f"description of column '{c}'", value.get("description"), value.line_of("description"))
                              for c, value in columns.items() if isinstance(value, LineDict)]
                for what, text, line in texts:
                    if isinstance(text, str) and any(opener in text for opener in JINJA_OPENERS):
                        self.add(path, line, f"the {what} of '{entry['name']}' contains Jinja ({{{{, {{% or {{#), "
                                 "which dbt would run", "write it without curly braces")

    def _stage_columns_apart(self, spec: Spec) -> None:
        """The columns a stage derives must not replace the source's columns or each other.

        AutomateDV's stage lets a derived column replace a source column of the same name, and dbt
        reads the stage's metadata as YAML, where the last of two equal keys wins: either way the
        vault would load other values than the spec says, silently. The derived columns are those of
        the renderer's stage, as the kinds say (generator/kinds/stage.py).
        """
        for source in spec.sources:
            own = set(source.staged_columns())
            derived: dict[str, tuple[str, str]] = {name: (expression, "dvkit") for name, expression in AUDIT_COLUMNS}
            for claim in stage_columns(spec, source.name).claims:
                column, expression, what, origin = claim.name, claim.expression, claim.by, claim.origin
                if column in own and expression != column:
                    self.add(origin.path, origin.line, f"{what} adds a column '{column}' to the stage of source "
                             f"'{source.name}', which has a column of that name", "rename one of them")
                elif column in derived and derived[column][0] != expression:
                    self.add(origin.path, origin.line, f"{what} and {derived[column][1]} both add a column "
                             f"'{column}' to the stage of source '{source.name}'", "rename one of them")
                else:
                    derived.setdefault(column, (expression, what))

    # -- helpers ---------------------------------------------------------------------------------

    def _unique(self, section: str, taken: dict[str, tuple[str, int]]) -> list[tuple[str, LineDict]]:
        kept = []
        for path, entry in self.items[section]:
            name = entry["name"]
            line = entry.line_of("name")
            if name in taken:
                first_path, first_line = taken[name]
                self.add(path, line, f"duplicate name '{name}' (already declared at {first_path}:{first_line})",
                         "give each entity its own name")
                continue
            taken[name] = (path, line)
            # The raw vault's kinds make their names by the naming convention (settings: naming).
            kind = next((kind for kind in REGISTRY if kind.section == section), None)
            longest = kind.longest(self.naming, name) if kind else LONGEST_NAME[section].format(name)
            if SAFE_NAME.match(name) and len(longest) > MAX_IDENTIFIER:
                self.add(path, line, f"name '{name}' is too long: dvkit makes '{longest}' of it, longer than "
                         f"PostgreSQL's {MAX_IDENTIFIER} characters",
                         f"use at most {MAX_IDENTIFIER - (len(longest) - len(name))} characters")
            kept.append((path, entry))
        return kept

    def _column_ok(self, path: str, line: int, column: str, source: Source, role: str) -> bool:
        if not SAFE_NAME.match(column):
            return False  # already reported by the structural check
        available = source.staged_columns()
        if column in available:
            return True
        self.add(path, line, f"{role} column '{column}' is not a column of source '{source.name}'",
                 _hint(column, available, "columns"))
        return False

    def _source_ref(self, path: str, line: int, name: Any, sources: dict[str, Source]) -> Source | None:
        if not isinstance(name, str):
            return None
        if name in sources:
            return sources[name]
        if name not in self._declared("sources"):
            self.add(path, line, f"unknown source '{name}'", _hint(name, self._declared("sources"), "sources"))
        return None

    def _declared(self, section: str) -> set[str]:
        return {entry["name"] for _, entry in self.items[section]}

    # -- sources ---------------------------------------------------------------------------------

    def _sources(self) -> dict[str, Source]:
        result: dict[str, Source] = {}
        files: dict[str, tuple[str, int]] = {}
        raw = self._unique("sources", {})
        for path, entry in raw:
            columns = entry.get("columns")
            if not isinstance(columns, LineDict) or not self._file_or_table(path, entry):
                continue
            bad = False
            for column in columns:
                problem = _column_name_problem(column, self.naming)
                if problem:
                    message, hint = problem
                    if hint == "rename it":
                        hint = ("give it another name and read the file's header into it: "
                                f"`<new name>: {{type: ..., from: {column}}}`")
                    self.add(path, columns.line_of(column), message, hint)
                    bad = True
            typed = _column_types(columns)
            renamed = self._renamed(path, entry["name"], columns)
            bad |= renamed is None
            table = entry.get("table") if isinstance(entry.get("table"), str) else None
            key = "table" if table is not None else "file"
            file = entry[key]
            if file in files:
                self.add(path, entry.line_of(key), f"{key} '{file}' is already read by another source "
                         f"({files[file][0]}:{files[file][1]})", f"one source per {key}")
            files[file] = (path, entry.line_of(key))
            personal = entry.get("personal_data")
            personal_columns: tuple[str, ...] = ()
            if isinstance(personal, LineDict):
                personal_columns = _names(personal.get("columns"))
                for column in personal_columns:
                    if column not in columns:
                        self.add(path, personal.line_of("columns"), f"personal-data column '{column}' is not a "
                                 f"column of source '{entry['name']}'", _hint(column, list(columns), "columns"))
                        bad = True
            delete_flag = entry.get("delete_flag")
            if isinstance(delete_flag, str) and dict(typed).get(delete_flag, "boolean") != "boolean":
                self.add(path, entry.line_of("delete_flag"), f"delete_flag '{delete_flag}' of source "
                         f"'{entry['name']}' is a {dict(typed)[delete_flag]} column, not a boolean one",
                         f"declare it `{delete_flag}: boolean` (true, false, t, f, 1, 0 in the file)")
                bad = True
            elif isinstance(delete_flag, str) and delete_flag not in columns:
                self.add(path, entry.line_of("delete_flag"), f"delete_flag '{delete_flag}' is not a column of "
                         f"source '{entry['name']}'", _hint(delete_flag, list(columns), "columns"))
                bad = True
            if bad:
                continue
            result[entry["name"]] = Source(
                name=entry["name"],
                file=file,
                record_source=str(entry.get("record_source") or file),
                columns=typed,
                origin=Origin(path, entry.line),
                description=str(entry.get("description", "")).strip(),
                personal_columns=personal_columns,
                retention=str(personal["retention"]) if isinstance(personal, LineDict) and "retention" in personal
                else None,
                extra_columns=str(entry.get("extra_columns") or self._settings_value("extra_columns", "warn")),
                renamed=renamed or (),
                column_lines=tuple(columns.line_of(c) for c in columns),
                delivery=str(entry.get("delivery") or "delta"),
                delete_flag=delete_flag if isinstance(delete_flag, str) else None,
                column_descriptions=_column_descriptions(columns),
                table=table,
            )
        # Lookups need every source declared first.
        for path, entry in raw:
            source = result.get(entry["name"])
            lookups = entry.get("lookups")
            if source is None or not isinstance(lookups, LineList):
                continue
            parsed: list[Lookup] = []
            for index, lookup in enumerate(lookups):
                if not isinstance(lookup, LineDict):
                    continue
                parsed_lookup = self._lookup(path, lookups.line_of(index), lookup, source, result)
                if parsed_lookup and self._lookup_apart(path, lookup, parsed_lookup, parsed):
                    parsed.append(parsed_lookup)
            result[source.name] = Source(**{**source.__dict__, "lookups": tuple(parsed)})
        return result

    def _file_or_table(self, path: str, entry: LineDict) -> bool:
        """Whether the source names exactly one of a file and a table, the table outside dvkit's schemas."""
        file, table = entry.get("file"), entry.get("table")
        if isinstance(file, str) and isinstance(table, str):
            self.add(path, entry.line_of("table"), f"source '{entry.get('name')}' names both a file ('{file}') "
                     f"and a table ('{table}')", "keep one of file and table: a source is read from one place")
            return False
        if table is None and file is None:
            self.add(path, entry.line, f"source '{entry.get('name')}' names neither a file nor a table",
                     "add `file: <name>.csv` (a file of the data folder) or `table: <schema>.<table>` "
                     "(a table or view of the vault's database)")
            return False
        own = _own_schemas(self.naming)
        if isinstance(table, str) and table.split(".")[0] in own and "." in table:
            self.add(path, entry.line_of("table"), f"table '{table}' of source '{entry.get('name')}' is in "
                     f"dvkit's own schema '{table.split('.')[0]}'",
                     "read a table of the source system's schema; dvkit's schemas ("
                     + ", ".join(own) + ") hold what dvkit loads and builds")
            return False
        return isinstance(file, str) or isinstance(table, str)

    def _renamed(self, path: str, source: str, columns: LineDict) -> tuple[tuple[str, str], ...] | None:
        """The columns read from a header of another name (``from``); None when two read one header.

        The loader matches a file's columns by header name, so each header may feed one column only.
        """
        renamed: list[tuple[str, str]] = []
        readers: dict[str, str] = {}  # header -> the column reading it
        ok = True
        for column, value in columns.items():
            header = value.get("from", column) if isinstance(value, LineDict) else column
            if not isinstance(header, str):
                continue  # reported by the structural check
            line = value.line_of("from") if isinstance(value, LineDict) else columns.line_of(column)
            if header in readers:
                self.add(path, line, f"column '{column}' of source '{source}' reads the file's header '{header}', "
                         f"which column '{readers[header]}' reads too",
                         "each header of the file feeds one column: fix the `from`")
                ok = False
                continue
            readers[header] = column
            if header != column:
                renamed.append((column, header))
        return tuple(renamed) if ok else None

    def _lookup(self, path: str, line: int, lookup: LineDict, source: Source,
                sources: dict[str, Source]) -> Lookup | None:
        other = self._source_ref(path, lookup.line_of("source"), lookup.get("source"), sources)
        on = lookup.get("on")
        columns = _names(lookup.get("columns"))
        if other is None or not isinstance(on, str):
            return None
        ok = True
        if other.name == source.name:
            self.add(path, lookup.line_of("source"), "a source cannot look up columns in itself")
            return None
        for owner in (source, other):
            if on not in owner.column_names:
                self.add(path, lookup.line_of("on"), f"join column '{on}' is not a column of source '{owner.name}'",
                         _hint(on, owner.column_names, "columns"))
                ok = False
        if ok:
            types = [dict(owner.columns)[on] for owner in (source, other)]
            if len({TYPE_KINDS.get(type_, type_) for type_ in types}) > 1:
                self.add(path, lookup.line_of("on"), f"join column '{on}' is {types[0]} in source '{source.name}' "
                         f"and {types[1]} in source '{other.name}'", "declare one type in both sources")
                ok = False
        for column in columns:
            if column not in other.column_names:
                self.add(path, lookup.line_of("columns"),
                         f"lookup column '{column}' is not a column of source '{other.name}'",
                         _hint(column, other.column_names, "columns"))
                ok = False
            elif column in source.column_names:
                self.add(path, lookup.line_of("columns"),
                         f"lookup column '{column}' already exists in source '{source.name}'",
                         "drop it from the lookup")
                ok = False
        return Lookup(other.name, on, columns) if ok else None

    def _one_kind(self, path: str, line: int, what: str, columns: list[tuple[Source, str]],
                  sources: dict[str, Source]) -> bool:
        """Columns read together in one union (from several stages) need one kind of type."""
        types = [(source.name, _type_of(source, column, sources)) for source, column in columns]
        kinds = {TYPE_KINDS.get(type_ or "", type_) for _, type_ in types}
        if len(kinds) <= 1:
            return True
        shown = ", ".join(f"{type_} in source '{name}'" for name, type_ in types)
        self.add(path, line, f"{what} is {shown}", "declare one type in every source (PostgreSQL cannot union them)")
        return False

    def _lookup_apart(self, path: str, entry: LineDict, lookup: Lookup, earlier: list[Lookup]) -> bool:
        """The staging SQL joins each looked-up source once, under its own name, adding each column once."""
        line = entry.line_of("source")
        if any(other.source == lookup.source for other in earlier):
            self.add(path, line, f"source '{lookup.source}' is looked up twice",
                     "join it once: list every column in one lookup")
            return False
        if lookup.source in RESERVED or lookup.source in SQLGLOT_TABLE_WORDS or lookup.source in PENDING_CTES:
            self.add(path, line, f"a looked-up source cannot be called '{lookup.source}': the staging SQL names "
                     "its join after the source", "rename the source")
            return False
        internal = [c for c in (lookup.on, *lookup.columns) if c in PENDING_COLUMNS]
        if internal:
            self.add(path, entry.line_of("columns"), f"lookup column '{internal[0]}' is a name the staging SQL uses "
                     "for its own column", "rename the column (in both sources)")
            return False
        twice = [c for c in lookup.columns if any(c in other.columns for other in earlier)]
        if twice:
            self.add(path, entry.line_of("columns"), f"lookup column '{twice[0]}' is looked up twice",
                     "take each column from one source")
            return False
        return True

    # -- hubs ------------------------------------------------------------------------------------

    def _hubs(self, sources: dict[str, Source]) -> dict[str, Hub]:
        result: dict[str, Hub] = {}
        taken: dict[str, tuple[str, int]] = {}
        for path, entry in self._unique("hubs", taken):
            business_key = _names(entry.get("business_key"))
            feeds_raw = entry.get("sources")
            if not business_key or not isinstance(feeds_raw, LineList):
                continue
            feeds, ok = [], True
            for column in business_key:
                # The hub's own name for the key is a column of the hub and, when a source names it
                # differently, a column of that source's stage: the rules of source columns apply.
                problem = _column_name_problem(column, self.naming) if SAFE_NAME.match(column) else None
                if problem:
                    self.add(path, entry.line_of("business_key"), problem[0].replace("column name", "business key"),
                             problem[1].replace("the column", "the business key").replace("rename it",
                                                                                          "rename the business key"))
                    ok = False
            for index, feed in enumerate(feeds_raw):
                if not isinstance(feed, LineDict):
                    continue
                line = feeds_raw.line_of(index)
                source = self._source_ref(path, feed.line_of("source"), feed.get("source"), sources)
                if source is None:
                    ok = False
                    continue
                columns = _names(feed.get("business_key")) or business_key
                renamed = [c for c in business_key if c not in columns and c in source.staged_columns()]
                if renamed:
                    # The stage exposes the key under the hub's name: it cannot also keep a column of that name.
                    self.add(path, feed.line_of("business_key"),
                             f"source '{source.name}' already has a column '{renamed[0]}', the hub's key name",
                             "feed the hub from that column, or rename the hub's business key")
                    ok = False
                if len(columns) != len(business_key):
                    self.add(path, feed.line_of("business_key"),
                             f"source '{source.name}' gives {len(columns)} key column(s), hub '{entry['name']}' "
                             f"has {len(business_key)}", "list one source column per business key column")
                    ok = False
                for column in columns:
                    ok &= self._column_ok(path, feed.line_of("business_key") if "business_key" in feed else line,
                                          column, source, "business key")
                    if column in source.personal_columns:
                        self.add(path, line, f"business key '{column}' of source '{source.name}' is marked as "
                                 "personal data", "keys are kept for the audit trail and cannot be erased")
                        ok = False
                feeds.append(Feed(source.name, columns))
            if ok:
                # The hub reads its key from every feeding stage in one union: one kind of type.
                for index, key in enumerate(business_key):
                    ok &= self._one_kind(path, entry.line_of("sources"), f"business key '{key}' of hub "
                                         f"'{entry['name']}'", [(sources[f.source], f.columns[index]) for f in feeds],
                                         sources)
            if ok:
                result[entry["name"]] = Hub(entry["name"], business_key, tuple(feeds), Origin(path, entry.line),
                                            str(entry.get("description", "")).strip())
        self._hub_link_names = taken
        return result

    # -- data subjects -------------------------------------------------------------------------

    def _data_subjects(self, spec: Spec) -> Spec:
        """Read each hub's ``data_subject:``: its paths, hop by hop through links, to personal data."""
        hubs = {hub.name: hub for hub in spec.hubs}
        personal = personal_hubs(spec)
        # With other problems, a link or satellite may be missing only because it is broken: the
        # paths are checked for unknown hubs only, so that no problem is reported twice.
        quiet = bool(self.problems)
        changed = False
        for path, entry in self.items["hubs"]:
            block = entry.get("data_subject")
            name = entry.get("name")
            if not isinstance(block, LineDict) or name not in hubs:
                continue  # the structural check reports a block of the wrong shape
            reaches = block.get("reaches") or LineList(block.line, path)
            paths: list[tuple[Step, ...]] = []
            for index, raw in enumerate(reaches if isinstance(reaches, LineList) else []):
                line = reaches.line_of(index)
                steps = self._subject_path(path, line, name, raw, spec, quiet)
                if steps is None or quiet:
                    continue
                if not any(step.hub in personal for step in steps):
                    shown = ", ".join(step.hub for step in steps)
                    self.add(path, line, f"path [{shown}] of data subject '{name}' reaches no personal data",
                             "end the path at a hub with a personal-data satellite ("
                             + (", ".join(sorted(personal)) or "none is declared: mark columns with personal_data")
                             + "), or remove it")
                    continue
                paths.append(steps)
            if quiet:
                continue
            if name not in personal and not paths:
                self.add(path, entry.line_of("data_subject"), f"data subject '{name}' holds no personal data "
                         "and reaches none", "mark its satellites' columns as personal_data in their source, "
                         "or add a path under reaches:, e.g. `reaches: [[order, review]]`")
                continue
            hubs[name] = dataclasses.replace(hubs[name], data_subject=DataSubject(
                tuple(paths), Origin(path, entry.line_of("data_subject"))))
            changed = True
        return dataclasses.replace(spec, hubs=_sorted(hubs)) if changed else spec

    def _subject_path(self, path: str, line: int, subject: str, raw: Any, spec: Spec,
                      quiet: bool) -> tuple[Step, ...] | None:
        """One path of ``reaches:`` as steps, each through the link joining it to the hub before; None on
        a problem (``quiet``: unknown hubs only are reported)."""
        if not isinstance(raw, list):
            return None  # reported by the structural check
        hub_names = self._declared("hubs")
        steps: list[Step] = []
        here = subject
        for item in raw:
            target, link = (item.get("hub"), item.get("link")) if isinstance(item, dict) else (item, None)
            if not isinstance(target, str):
                return None
            if target not in hub_names:
                self.add(path, line, f"unknown hub '{target}' in a path of data subject '{subject}'",
                         _hint(target, hub_names, "hubs"))
                return None
            if quiet:
                continue  # every unknown hub is named; the rest waits for the other problems' fixes
            if target not in {hub.name for hub in spec.hubs}:
                return None  # declared, but broken: reported with the hub
            if target == subject or any(step.hub == target for step in steps):
                self.add(path, line, f"the path of data subject '{subject}' comes back to hub '{target}'",
                         "list each hub of a path once, starting from the hub next to the subject")
                return None
            joining = sorted(lk.name for lk in spec.links if here in lk.hubs and target in lk.hubs)
            if link is not None:
                if link not in joining:
                    self.add(path, line, f"link '{link}' does not join hub '{here}' and hub '{target}' "
                             f"(data subject '{subject}')",
                             f"name a link listing both: {', '.join(joining)}" if joining
                             else "no link joins them: go through the hubs in between")
                    return None
            elif len(joining) != 1:
                self.add(path, line, f"{'no link joins' if not joining else 'several links join'} hub '{here}' "
                         f"and hub '{target}' (data subject '{subject}')",
                         "go through the hubs in between, e.g. [order, review]" if not joining else
                         f"name the link: {{hub: {target}, link: {joining[0]}}} (links: {', '.join(joining)})")
                return None
            steps.append(Step(target, link or joining[0]))
            here = target
        return None if quiet else tuple(steps) or None

    # -- links -----------------------------------------------------------------------------------

    def _links(self, sources: dict[str, Source], hubs: dict[str, Hub]) -> dict[str, Link]:
        result: dict[str, Link] = {}
        declared_hubs = self._declared("hubs")
        for path, entry in self._unique("links", self._hub_link_names):
            hub_names = _names(entry.get("hubs"))
            sources_raw = entry.get("sources")
            if not hub_names or not isinstance(sources_raw, LineList):
                continue
            if isinstance(entry["hubs"], LineList) and len(hub_names) < 2:
                continue  # reported by the structural check; as a link of one hub it would mislead later checks
            ok = True
            hubs_list = entry["hubs"]
            for index, name in enumerate(hub_names):
                # `hubs: order` (not a list) is reported by the schema; its line is the key's.
                line = hubs_list.line_of(index) if isinstance(hubs_list, LineList) else entry.line_of("hubs")
                if name not in declared_hubs:
                    self.add(path, line, f"unknown hub '{name}' in link '{entry['name']}'",
                             _hint(name, declared_hubs, "hubs"))
                    ok = False
                elif hub_names.index(name) != index:
                    self.add(path, line, f"hub '{name}' appears twice in link '{entry['name']}'",
                             "a link joins distinct hubs")
                    ok = False
                elif name not in hubs:
                    ok = False  # the hub itself is broken and reported
            dck = _names(entry.get("dependent_child_key"))
            link_sources = []
            for index, item in enumerate(sources_raw):
                if not isinstance(item, LineDict):
                    continue
                source = self._source_ref(path, item.line_of("source"), item.get("source"), sources)
                if source is None:
                    ok = False
                    continue
                line = sources_raw.line_of(index)
                if ok:
                    for hub_name in hub_names:
                        for column in hubs[hub_name].columns_in(source.name):
                            ok &= self._column_ok(path, line, column, source, f"hub '{hub_name}' key")
                        ok &= self._feeds(path, line, hubs[hub_name], source, f"link '{entry['name']}'")
                for column in dck:
                    ok &= self._column_ok(path, entry.line_of("dependent_child_key"), column, source,
                                          "dependent child key")
                link_sources.append(source.name)
            for column in dck if ok else ():
                ok &= self._one_kind(path, entry.line_of("dependent_child_key"), f"dependent child key '{column}' of "
                                     f"link '{entry['name']}'", [(sources[s], column) for s in link_sources], sources)
            if ok:
                result[entry["name"]] = Link(entry["name"], hub_names, tuple(link_sources), Origin(path, entry.line),
                                             str(entry.get("description", "")).strip(), dck)
        return result

    # -- non-historised links --------------------------------------------------------------------

    def _non_historised_links(self, sources: dict[str, Source], hubs: dict[str, Hub]) -> dict[str, NonHistorisedLink]:
        """Links with a payload, stored once per key: their names and keys share the hubs' and links'."""
        result: dict[str, NonHistorisedLink] = {}
        declared_hubs = self._declared("hubs")
        for path, entry in self._unique("non_historised_links", self._hub_link_names):
            name, hub_names = entry["name"], _names(entry.get("hubs"))
            source = self._source_ref(path, entry.line_of("source"), entry.get("source"), sources)
            if not hub_names:
                continue
            ok = source is not None
            hubs_list = entry["hubs"]
            for index, hub_name in enumerate(hub_names):
                line = hubs_list.line_of(index) if isinstance(hubs_list, LineList) else entry.line_of("hubs")
                if hub_name not in declared_hubs:
                    self.add(path, line, f"unknown hub '{hub_name}' in non-historised link '{name}'",
                             _hint(hub_name, declared_hubs, "hubs"))
                    ok = False
                elif hub_names.index(hub_name) != index:
                    self.add(path, line, f"hub '{hub_name}' appears twice in non-historised link '{name}'",
                             "a link joins distinct hubs")
                    ok = False
                elif hub_name not in hubs:
                    ok = False  # the hub itself is broken and reported
                elif source is not None:
                    for column in hubs[hub_name].columns_in(source.name):
                        ok &= self._column_ok(path, line, column, source, f"hub '{hub_name}' key")
                    ok &= self._feeds(path, entry.line_of("source"), hubs[hub_name], source,
                                      f"non-historised link '{name}'")
            if source is None:
                continue
            dck = _names(entry.get("dependent_child_key"))
            ok &= self._columns(path, entry, "dependent_child_key", source, "dependent child key")
            keys = tuple(c for h in hub_names if h in hubs for c in hubs[h].columns_in(source.name)) + dck
            ok &= self._columns(path, entry, "payload", source, "payload", keys, "a key column")
            personal = [c for c in _names(entry.get("payload")) if c in source.personal_columns]
            if personal:
                # Its rows are never updated: erasing would have to rewrite the one row of a key.
                self.add(path, entry.line_of("payload"), f"payload column '{personal[0]}' of non-historised link "
                         f"'{name}' is marked as personal data", "a non-historised link is never updated, so "
                         "its payload cannot be erased: keep personal data in a satellite of a link")
                ok = False
            if ok:
                result[name] = NonHistorisedLink(name, hub_names, source.name, Origin(path, entry.line),
                                                 str(entry.get("description", "")).strip(), dck,
                                                 _names(entry.get("payload")))
        return result

    # -- satellites ------------------------------------------------------------------------------

    def _columns(self, path: str, entry: LineDict, key: str, source: Source, role: str,
                 forbidden: tuple[str, ...] = (), forbidden_why: str = "") -> bool:
        """Check a list of columns of ``entry[key]``: present in the source, listed once, not forbidden."""
        value = entry.get(key)
        columns = _names(value)
        ok, seen = True, set()
        for index, column in enumerate(columns):
            line = value.line_of(index) if isinstance(value, LineList) else entry.line_of(key)
            if column in seen:
                self.add(path, line, f"{role} column '{column}' is listed twice", "remove one")
                ok = False
            seen.add(column)
            if not self._column_ok(path, line, column, source, role):
                ok = False
            elif column in forbidden:
                self.add(path, line, f"{role} column '{column}' is {forbidden_why}",
                         "keys live in hubs and links; remove it from the payload")
                ok = False
        return ok

    def _parent(self, path: str, entry: LineDict, kind: str) -> str | None:
        parent = entry.get("parent")
        parents = self._declared("hubs") | self._declared("links")
        if not isinstance(parent, str):
            return None
        if parent not in parents:
            self.add(path, entry.line_of("parent"), f"unknown parent '{parent}' of {kind} '{entry['name']}'",
                     _hint(parent, parents, "hubs and links"))
            return None
        return parent

    def _satellites(self, sources: dict[str, Source], hubs: dict[str, Hub],
                    links: dict[str, Link]) -> dict[str, Satellite]:
        result: dict[str, Satellite] = {}
        for path, entry in self._unique("satellites", self._satellite_names):
            parent_name = self._parent(path, entry, "satellite")
            source = self._source_ref(path, entry.line_of("source"), entry.get("source"), sources)
            if source is None or parent_name is None or not _names(entry.get("payload")):
                continue
            key_columns = self._parent_keys(path, entry, parent_name, source, sources, hubs, links)
            ok = key_columns is not None
            ok &= self._columns(path, entry, "payload", source, "payload", key_columns or (),
                                f"a key of '{parent_name}'")
            ok &= self._payload_added(path, entry, source, key_columns or (), f"a key of '{parent_name}'")
            effective_from = entry.get("effective_from")
            if isinstance(effective_from, str):
                ok &= self._column_ok(path, entry.line_of("effective_from"), effective_from, source, "effective_from")
                type_ = _type_of(source, effective_from, sources)
                if ok and TYPE_KINDS.get(type_ or "") in ("number", "boolean"):
                    self.add(path, entry.line_of("effective_from"), f"effective_from column '{effective_from}' is "
                             f"{type_}, which PostgreSQL cannot cast to a timestamp", "use a date or timestamp column")
                    ok = False
            ok &= self._personal_apart(path, entry, source, key_columns or ())
            payload = _names(entry["payload"])
            if ok:
                result[entry["name"]] = Satellite(
                    entry["name"], parent_name, source.name, payload, Origin(path, entry.line),
                    str(entry.get("description", "")).strip(),
                    effective_from if isinstance(effective_from, str) else None,
                    personal_data=bool(set(payload) & set(source.personal_columns)),
                    payload_added=_names(entry.get("payload_added")),
                )
        return result

    def _payload_added(self, path: str, entry: LineDict, source: Source, keys: tuple[str, ...],
                       keys_why: str) -> bool:
        """Columns added to a live satellite: of the source, listed once, not keys, not in ``payload``."""
        if "payload_added" not in entry:
            return True
        ok = self._columns(path, entry, "payload_added", source, "added payload", keys, keys_why)
        value = entry.get("payload_added")
        payload = set(_names(entry.get("payload")))
        for index, column in enumerate(_names(value)):
            if column in payload:
                line = value.line_of(index) if isinstance(value, LineList) else entry.line_of("payload_added")
                self.add(path, line, f"added payload column '{column}' is also in the payload of "
                         f"'{entry['name']}'",
                         "keep it in one list: payload_added for a column added after the satellite went live "
                         "(existing rows keep their hashdiff), payload otherwise")
                ok = False
        return ok

    def _personal_apart(self, path: str, entry: LineDict, source: Source, keys: tuple[str, ...]) -> bool:
        """Personal data lives only in satellites of its own, never in a key."""
        personal = set(source.personal_columns)
        payload = _names(entry.get("payload")) + _names(entry.get("payload_added"))
        ok = True
        for column in keys:
            if column in personal:
                self.add(path, entry.line_of("parent"), f"key column '{column}' is marked as personal data",
                         "keys are kept for the audit trail and cannot be erased: mark only descriptive columns")
                ok = False
        mixed = [c for c in payload if c in personal]
        others = [c for c in payload if c not in personal]
        if mixed and others:
            self.add(path, entry.line_of("payload"), f"satellite '{entry['name']}' mixes personal data "
                     f"({', '.join(mixed)}) with other columns ({', '.join(others)})",
                     "move the personal-data columns into a satellite of their own, so they can be erased alone")
            ok = False
        return ok

    def _multi_active(self, sources: dict[str, Source], hubs: dict[str, Hub],
                      links: dict[str, Link]) -> dict[str, MultiActiveSatellite]:
        result: dict[str, MultiActiveSatellite] = {}
        for path, entry in self._unique("multi_active_satellites", self._satellite_names):
            parent_name = self._parent(path, entry, "multi-active satellite")
            source = self._source_ref(path, entry.line_of("source"), entry.get("source"), sources)
            child_key, payload = _names(entry.get("child_key")), _names(entry.get("payload"))
            if source is None or parent_name is None or not child_key or not payload:
                continue
            key_columns = self._parent_keys(path, entry, parent_name, source, sources, hubs, links)
            ok = key_columns is not None
            ok &= self._columns(path, entry, "child_key", source, "child key", key_columns or (),
                                f"a key of '{parent_name}'")
            ok &= self._columns(path, entry, "payload", source, "payload", (*(key_columns or ()), *child_key),
                                f"a key of '{parent_name}' or the child key")
            ok &= self._payload_added(path, entry, source, (*(key_columns or ()), *child_key),
                                      f"a key of '{parent_name}' or the child key")
            ok &= self._personal_apart(path, entry, source, (*(key_columns or ()), *child_key))
            if ok:
                result[entry["name"]] = MultiActiveSatellite(
                    entry["name"], parent_name, source.name, child_key, payload, Origin(path, entry.line),
                    str(entry.get("description", "")).strip(), payload_added=_names(entry.get("payload_added")))
        return result

    def _effectivity(self, sources: dict[str, Source], links: dict[str, Link]) -> dict[str, EffectivitySatellite]:
        result: dict[str, EffectivitySatellite] = {}
        declared = self._declared("links")
        for path, entry in self._unique("effectivity_satellites", self._satellite_names):
            link_name = entry.get("link")
            if not isinstance(link_name, str):
                continue
            if link_name not in declared:
                self.add(path, entry.line_of("link"), f"unknown link '{link_name}' of effectivity satellite "
                         f"'{entry['name']}'", _hint(link_name, declared, "links"))
                continue
            link = links.get(link_name)
            if link is None:
                continue  # the link itself is broken and reported
            ok = True
            driving = _names(entry.get("driving_key"))
            for hub in driving:
                if hub not in link.hubs:
                    self.add(path, entry.line_of("driving_key"), f"driving key '{hub}' is not a hub of link "
                             f"'{link.name}'", _hint(hub, link.hubs, "hubs"))
                    ok = False
            if ok and set(driving) == set(link.hubs):
                self.add(path, entry.line_of("driving_key"), "the driving key cannot be every hub of the link",
                         "name the hub(s) that own the relationship, e.g. the order of an order-customer link")
                ok = False
            source_name = entry.get("source")
            if source_name is None:
                if len(link.sources) != 1:
                    self.add(path, entry.line, f"link '{link.name}' has several sources: say which one",
                             f"add `source:` with one of {', '.join(link.sources)}")
                    continue
                source_name = link.sources[0]
            elif isinstance(source_name, str) and source_name not in link.sources:
                self.add(path, entry.line_of("source"), f"source '{source_name}' does not feed link '{link.name}'",
                         f"use one of: {', '.join(link.sources)}")
                ok = False
            if ok:
                result[entry["name"]] = EffectivitySatellite(
                    entry["name"], link.name, driving, str(source_name), Origin(path, entry.line),
                    str(entry.get("description", "")).strip())
        return result

    def _satellites_of(self, path: str, entry: LineDict, parent_name: str, satellites: dict[str, Satellite],
                       kind: str) -> bool:
        """Check ``entry.satellites``: declared satellites of ``parent_name``."""
        ok = True
        listed = entry["satellites"]
        for index, name in enumerate(_names(listed)):
            line = listed.line_of(index) if isinstance(listed, LineList) else entry.line
            if name not in self._declared("satellites"):
                self.add(path, line, f"unknown satellite '{name}' in {kind} '{entry['name']}'",
                         _hint(name, self._declared("satellites"), "satellites"))
                ok = False
            elif name in satellites and satellites[name].parent != parent_name:
                self.add(path, line, f"satellite '{name}' describes '{satellites[name].parent}', "
                         f"not '{parent_name}'", "list only satellites of the same parent")
                ok = False
            elif name not in satellites:
                ok = False  # broken satellite, reported elsewhere
        return ok

    def _tracking(self, satellites: dict[str, Satellite]) -> dict[str, TrackingSatellite]:
        result: dict[str, TrackingSatellite] = {}
        for path, entry in self._unique("tracking_satellites", self._satellite_names):
            parent_name = self._parent(path, entry, "tracking satellite")
            tracked = _names(entry.get("satellites"))
            if parent_name is None or not tracked:
                continue
            ok = self._satellites_of(path, entry, parent_name, satellites, "tracking satellite")
            if ok:
                result[entry["name"]] = TrackingSatellite(entry["name"], parent_name, tracked,
                                                          Origin(path, entry.line),
                                                          str(entry.get("description", "")).strip())
        return result

    def _status_tracking(self, sources: dict[str, Source], hubs: dict[str, Hub],
                         links: dict[str, Link]) -> dict[str, StatusTrackingSatellite]:
        """Status-tracking satellites: a parent whose key the tracked source gives."""
        result: dict[str, StatusTrackingSatellite] = {}
        # Their own namespace: a name makes only the table's (sts_<name>), so sts 'order' beside xts 'order'.
        for path, entry in self._unique("status_tracking_satellites", {}):
            parent_name = self._parent(path, entry, "status-tracking satellite")
            source = self._source_ref(path, entry.line_of("source"), entry.get("source"), sources)
            if source is None or parent_name is None:
                continue
            if self._parent_keys(path, entry, parent_name, source, sources, hubs, links) is not None:
                result[entry["name"]] = StatusTrackingSatellite(entry["name"], parent_name, source.name,
                                                                Origin(path, entry.line),
                                                                str(entry.get("description", "")).strip())
        return result

    def _reference(self, sources: dict[str, Source]) -> dict[str, ReferenceTable]:
        result: dict[str, ReferenceTable] = {}
        for path, entry in self._unique("reference_tables", {}):
            source = self._source_ref(path, entry.line_of("source"), entry.get("source"), sources)
            key = entry.get("key")
            if source is None or not isinstance(key, str) or not _names(entry.get("payload")):
                continue
            ok = self._column_ok(path, entry.line_of("key"), key, source, "key")
            ok &= self._columns(path, entry, "payload", source, "payload", (key,), "the reference key")
            personal = [c for c in (key, *_names(entry.get("payload"))) if c in source.personal_columns]
            if personal:
                self.add(path, entry.line_of("payload"), f"reference table '{entry['name']}' holds personal data "
                         f"({', '.join(personal)})", "reference data is shared by every key and cannot be "
                         "erased per person: keep personal data in satellites")
                ok = False
            one_row = entry.get("one_row_per_key", False)
            if not isinstance(one_row, bool):
                self.add(path, entry.line_of("one_row_per_key"), f"one_row_per_key of reference table "
                         f"'{entry['name']}' must be true or false, not {one_row!r}", "write true or false")
                ok = False
            if ok:
                result[entry["name"]] = ReferenceTable(entry["name"], source.name, key, _names(entry["payload"]),
                                                       Origin(path, entry.line),
                                                       str(entry.get("description", "")).strip(), one_row)
        return result

    def _one_row_sources_alone(self, spec: Spec) -> None:
        """A source cut to one line per key in its staging must feed nothing that needs the other lines."""
        for ref in spec.reference_tables:
            if not ref.one_row_per_key:
                continue
            others = [model for model in spec.models_fed_by(ref.source) if model != ref.model]
            if others:
                self.add(ref.origin.path, ref.origin.line, f"reference table '{ref.name}' keeps one row per key, "
                         f"so the staging of source '{ref.source}' passes on only the first line of each "
                         f"{ref.key}; {', '.join(others)} also read(s) that source and would lose rows",
                         "declare a second source for the same file, or drop one_row_per_key")

    def _point_in_time(self, satellites: dict[str, Satellite]) -> dict[str, PointInTime]:
        result: dict[str, PointInTime] = {}
        for path, entry in self._unique("point_in_time_tables", {}):
            parent_name = self._parent(path, entry, "point-in-time table")
            listed = _names(entry.get("satellites"))
            if parent_name is None or not listed or not isinstance(entry.get("as_of"), str):
                continue
            if self._satellites_of(path, entry, parent_name, satellites, "point-in-time table"):
                result[entry["name"]] = PointInTime(entry["name"], parent_name, listed, entry["as_of"],
                                                    Origin(path, entry.line), str(entry.get("description", "")).strip())
        return result

    def _bridges(self, hubs: dict[str, Hub], links: dict[str, Link]) -> dict[str, Bridge]:
        result: dict[str, Bridge] = {}
        declared_links = self._declared("links")
        for path, entry in self._unique("bridges", {}):
            hub, path_links = entry.get("hub"), _names(entry.get("links"))
            if not isinstance(hub, str) or not path_links or not isinstance(entry.get("as_of"), str):
                continue
            if hub not in self._declared("hubs"):
                self.add(path, entry.line_of("hub"), f"unknown hub '{hub}' of bridge '{entry['name']}'",
                         _hint(hub, self._declared("hubs"), "hubs"))
                continue
            ok, reached = hub in hubs, {hub}
            listed = entry["links"]
            for index, name in enumerate(path_links):
                line = listed.line_of(index) if isinstance(listed, LineList) else entry.line
                if name not in declared_links:
                    self.add(path, line, f"unknown link '{name}' in bridge '{entry['name']}'",
                             _hint(name, declared_links, "links"))
                    ok = False
                elif name not in links:
                    ok = False  # broken link, reported elsewhere
                elif not reached & set(links[name].hubs):
                    self.add(path, line, f"link '{name}' shares no hub with the bridge so far "
                             f"({', '.join(sorted(reached))})",
                             "order the links so that each one joins a hub already reached")
                    ok = False
                elif len(reached & set(links[name].hubs)) > 1:
                    self.add(path, line, f"link '{name}' joins more than one hub already reached",
                             "a bridge follows a tree of links: split it")
                    ok = False
                else:
                    reached |= set(links[name].hubs)
            if ok:
                result[entry["name"]] = Bridge(entry["name"], hub, path_links, entry["as_of"], Origin(path, entry.line),
                                               str(entry.get("description", "")).strip())
        return result

    def _computed(self) -> dict[str, ComputedSatellite]:
        result: dict[str, ComputedSatellite] = {}
        for path, entry in self._unique("computed_satellites", self._satellite_names):
            parent_name = self._parent(path, entry, "computed satellite")
            columns = entry.get("columns")
            if parent_name is None or not isinstance(columns, LineDict):
                continue
            result[entry["name"]] = ComputedSatellite(
                entry["name"], parent_name, tuple((c, str(rule).strip()) for c, rule in columns.items()),
                Origin(path, entry.line), str(entry.get("description", "")).strip())
        return result

    def _settings(self) -> Settings:
        found = [(path, doc["settings"], doc.line_of("settings")) for path, doc in self.docs
                 if isinstance(doc, LineDict) and isinstance(doc.get("settings"), LineDict)]
        for path, _, line in found[1:]:
            self.add(path, line, f"a second settings section (the first is in {found[0][0]})", "keep one")
        if not found:
            return Settings()
        path, settings, line = found[0]
        return Settings(ghost_records=bool(settings.get("ghost_records", False)),
                        hash=str(settings.get("hash", "MD5")),
                        extra_columns=str(settings.get("extra_columns", "warn")),
                        data_dir=str(settings["data_dir"]) if settings.get("data_dir") is not None else None,
                        origin=Origin(path, line), naming=self.naming)

    def _naming(self) -> Naming:
        """The naming convention of the (first) settings section, read before any name is made."""
        for path, doc in self.docs:
            if isinstance(doc, LineDict) and isinstance(doc.get("settings"), LineDict):
                naming, problems = read_naming(doc["settings"], path, RESERVED | SQLGLOT_TABLE_WORDS)
                self.problems.extend(problems)
                return naming
        return Naming()

    def _settings_value(self, key: str, default: str) -> str:
        """A value of the (first) settings section, read before the settings are checked."""
        for _, doc in self.docs:
            if isinstance(doc, LineDict) and isinstance(doc.get("settings"), LineDict):
                value = doc["settings"].get(key)
                return str(value) if value is not None else default
        return default

    def _key_missing(self, path: str, entry: LineDict, source: Source, sources: dict[str, Source],
                     key: tuple[str, ...], parent: str, carriers: tuple[str, ...], parent_hubs: list[Hub],
                     link: Link | None = None) -> bool:
        """Report the key columns of a satellite's parent that its source lacks, with the ways to get them.

        Feeding the parent from the source (the hint when the source has the key) cannot work without
        the columns: the source borrows them with a lookup first, or the satellite reads a source that
        carries the key.
        """
        missing = [c for c in key if c not in source.staged_columns()]
        if not missing:
            return False
        shown = ", ".join(missing)
        fixes: list[str] = []
        lookup = _lookup_fix(source, missing, sources, carriers)
        if lookup:
            other, on = lookup
            fed = [f"`- source: {source.name}` to the sources of hub '{hub.name}'" for hub in parent_hubs
                   if all(feed.source != source.name for feed in hub.feeds)]
            if link is not None:
                fed.insert(0, f"`- source: {source.name}` to the sources of link '{link.name}'")
            borrow = (f"add {shown} to the columns of its lookup of source '{other}'"
                      if any(known.source == other for known in source.lookups) else
                      f"add the lookup `{{source: {other}, on: {on}, columns: [{shown}]}}` to the `lookups:` of "
                      f"source '{source.name}'")
            fixes.append(f"borrow {'it' if len(missing) == 1 else 'them'} from source '{other}' by the shared "
                         f"column {on}: {borrow}" + "".join(f", and {f}" for f in fed))
        if carriers:
            fixes.append(f"use a source that has the key: {', '.join(carriers)}")
        self.add(path, entry.line_of("source"), f"source '{source.name}' of '{entry['name']}' has no column "
                 f"{shown}, {'the key' if len(missing) == len(key) else 'part of the key'} of {parent}",
                 "; or ".join(fixes) or f"add {shown} to source '{source.name}'")
        return True

    def _feeds(self, path: str, line: int, hub: Hub, source: Source, user: str) -> bool:
        """A source that carries a hub's key for a link or satellite must also feed the hub."""
        if any(feed.source == source.name for feed in hub.feeds):
            return True
        self.add(path, line, f"source '{source.name}' of {user} does not feed hub '{hub.name}'",
                 f"add `- source: {source.name}` to the sources of hub '{hub.name}', so that every key "
                 "of the table finds its hub row, whatever order the data arrives in")
        return False

    def _parent_keys(self, path: str, entry: LineDict, parent_name: str, source: Source,
                     sources: dict[str, Source], hubs: dict[str, Hub],
                     links: dict[str, Link]) -> tuple[str, ...] | None:
        """Source columns forming the parent's key, or None when the source cannot give them."""
        if parent_name in hubs:
            hub = hubs[parent_name]
            if self._key_missing(path, entry, source, sources, hub.columns_in(source.name), f"hub '{hub.name}'",
                                 tuple(feed.source for feed in hub.feeds), [hub]):
                return None
            if not self._feeds(path, entry.line_of("source"), hub, source, f"'{entry['name']}'"):
                return None
            columns = hub.columns_in(source.name)
        elif parent_name in links:
            link = links[parent_name]
            key = tuple(c for h in link.hubs for c in hubs[h].columns_in(source.name)) + link.dependent_child_key
            if source.name not in link.sources and self._key_missing(
                    path, entry, source, sources, key, f"link '{link.name}'", link.sources,
                    [hubs[h] for h in link.hubs], link):
                return None
            if source.name not in link.sources:
                self.add(path, entry.line_of("source"),
                         f"source '{source.name}' does not feed link '{link.name}'",
                         f"use one of: {', '.join(link.sources)}")
                return None
            columns = tuple(c for h in link.hubs for c in hubs[h].columns_in(source.name))
            columns += link.dependent_child_key
        else:
            return None  # unknown or broken parent, reported elsewhere
        ok = True
        for column in columns:
            ok &= self._column_ok(path, entry.line_of("parent"), column, source, f"'{parent_name}' key")
        return columns if ok else None
