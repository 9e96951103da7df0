"""Column lineage: where a mart or business-vault column comes from, down to the source CSV column.

The chain is read from what dbt compiled, not from the spec's intent:

1. Both dbt projects' ``target/manifest.json`` (compiled first when missing or stale) name every
   relation (``schema.table``): the models of ``business_vault`` (marts, business vault), the
   models of ``dbt_vault`` (raw vault, staging) and the ``landing`` sources.
2. For a column of a model, sqlglot's lineage over the model's compiled SQL gives the columns of
   the tables it reads. Each of those that is another model is followed into that model's
   compiled SQL, and so on, until ``landing.<source>``.
3. A landing column is the column of the same name of the source's file in the spec
   (``vault_spec/sources.yml``); the loader's own columns (``_load_ts``, ``_record_source``...)
   are constants of the batch.

``select *`` needs the columns of the table it reads: they come from the database's catalog
(``pg_attribute``, which names every column whatever the connected role may read, so that a
reviewer gets the owner's answer) when a connection is given, else from the compiled SQL of the model read
(recursively), else from the columns the manifest documents.

What the lineage leaves out, on purpose:

- an incremental model's reads of its own stored rows (they came from the same inputs earlier);
- the ghost record branch of AutomateDV tables (the select whose ``record_source`` is the literal
  ``'AUTOMATE_DV_SYSTEM'``): its constants never reach the business vault, which filters them out;
- columns used only in WHERE, JOIN or HAVING clauses: lineage follows values, not filters.

``count(*)`` in a grouped select is taken as derived from the group-by columns (what is counted
per), so that such columns still lead to the source.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import logging
import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.lineage import Node
from sqlglot.lineage import lineage as sqlglot_lineage
from sqlglot.optimizer.qualify import qualify

from generator.db import Database
from generator.errors import DvkitError
from generator.places import BUSINESS_PROJECT, LANDING
from generator.spec.model import Source, Spec
from generator.spec.naming import DEFAULT_NAMING, Naming

DIALECT = "postgres"
VAULT_PROJECT = "dbt_vault"
PROJECTS = (VAULT_PROJECT, BUSINESS_PROJECT)  # compile order: the business vault reads the raw vault
KINDS = ("mart", "business_vault", "raw_vault", "staging", "landing", "csv", "constant")
GHOST_SOURCE = "AUTOMATE_DV_SYSTEM"
COUNT_PER = "dvkit_count_rows_per"  # stands for count(*) of a grouped select while tracing

# Columns dvkit load adds to every landing table (generator/load/landing.py), in words.
LOADER_COLUMNS = {
    "_batch_id": "the batch number given by dvkit load",
    "_load_ts": "the load time of the batch (dvkit load)",
    "_source_file": "the name of the file (or table) the row was read from (dvkit load)",
    "_source_line": "the line of the file the row starts on, or the row's place in a table's read order (dvkit load)",
}
SCHEMA_KINDS = {"marts": "mart", "business_vault": "business_vault", "raw_vault": "raw_vault",
                "staging": "staging", LANDING: "landing"}


def schema_kinds(naming: Naming) -> dict[str, str]:
    """The kind of each schema, with the raw vault's and staging's named by the spec's convention.

    >>> schema_kinds(Naming(raw_vault_schema="rv"))["rv"], "raw_vault" in schema_kinds(Naming(raw_vault_schema="rv"))
    ('raw_vault', False)
    """
    kinds = {schema: kind for schema, kind in SCHEMA_KINDS.items() if kind not in ("raw_vault", "staging")}
    return {**kinds, naming.raw_vault_schema: "raw_vault", naming.staging_schema: "staging"}


# -- the result -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LineageNode:
    """One column on the way from a mart to the source file, with the columns it is made of.

    ``relation`` is ``schema.table`` (the CSV file name for kind ``csv``; for a constant, the
    relation whose SQL holds it); ``column`` is None for a constant. ``derivation`` lists the SQL
    expressions that compute the column from its inputs, outermost first (empty: copied as is).
    ``value`` is a constant's SQL (or, for a loader column, what it holds).
    """

    relation: str | None
    column: str | None
    kind: str
    inputs: tuple[LineageNode, ...] = ()
    derivation: tuple[str, ...] = ()
    value: str | None = None

    @property
    def label(self) -> str:
        if self.kind == "constant":
            return f"constant {self.value}" + (f" (in {self.relation})" if self.relation else "")
        if self.kind == "csv":
            return f"{self.relation} : {self.column}"
        return f"{self.relation}.{self.column}"

    def leaves(self) -> list[LineageNode]:
        """The distinct leaves (CSV columns and constants) under this node, in a stable order."""
        seen: dict[tuple[Any, ...], LineageNode] = {}
        for node in self.walk():
            if not node.inputs:
                seen.setdefault(node.sort_key(), node)
        return [seen[key] for key in sorted(seen)]

    def walk(self) -> Iterator[LineageNode]:
        """Every node of the graph once, depth first."""
        done: set[int] = set()
        stack: list[LineageNode] = [self]
        while stack:
            node = stack.pop()
            if id(node) in done:
                continue
            done.add(id(node))
            yield node
            stack.extend(reversed(node.inputs))

    def sort_key(self) -> tuple[str, str, str, str]:
        return (self.relation or "", self.column or "", self.kind, self.value or "")

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape: every key always present, inputs sorted by relation, column, kind."""
        return {
            "relation": self.relation,
            "column": self.column,
            "kind": self.kind,
            "derivation": list(self.derivation),
            "value": self.value,
            "inputs": [node.to_dict() for node in self.inputs],
        }


def to_json(target: str, node: LineageNode) -> dict[str, Any]:
    """The output of ``dvkit lineage --format json``::

        {"column": "fct_order_items.price",
         "node": {"relation": "marts.fct_order_items", "column": "price", "kind": "mart",
                  "derivation": [], "value": null,
                  "inputs": [{"relation": "raw_vault.sat_order_item_price", ... "inputs": [...]}]}}

    ``kind`` is one of mart, business_vault, raw_vault, staging, landing, csv (relation: the file
    name; column: the CSV column) or constant (column null; value: its SQL or what it holds).
    ``derivation``: the SQL computing the column from its inputs, outermost first; empty when
    copied as is. Every key is always present; inputs are sorted by relation, column, kind, value.
    A column reached by several paths appears under each of them.
    """
    return {"column": target, "node": node.to_dict()}


# The loader's own tables in landing that models read (status-tracking satellites: which deliveries
# were whole, and their load times): written by `dvkit load`, not delivered by a source.
BATCH_LOG = {"batches": "the batch log", "batch_files": "the files of each batch"}


def csv_origin(spec: Spec, source_name: str, column: str) -> LineageNode:
    """What column ``column`` of ``landing.<source_name>`` holds: a column of the source's file, or
    a constant of the load."""
    if source_name in BATCH_LOG and all(s.name != source_name for s in spec.sources):
        return LineageNode(relation=f"{LANDING}.{source_name}", column=None, kind="constant",
                           value=f"{column} of {BATCH_LOG[source_name]}, written by dvkit load")
    source = _spec_source(spec, source_name)
    if column in source.column_names:
        return LineageNode(relation=source.file, column=column, kind="csv")  # a table source: its table name
    if column == "_record_source":
        return LineageNode(relation=f"{LANDING}.{source.name}", column=None, kind="constant",
                           value=f"'{source.record_source}' (record_source of source {source.name} in the spec)")
    if column in LOADER_COLUMNS:
        return LineageNode(relation=f"{LANDING}.{source.name}", column=None, kind="constant",
                           value=LOADER_COLUMNS[column])
    raise DvkitError(f"landing.{source.name} has no column '{column}' in the spec",
                     hint=_closest_hint(column, [*source.column_names, "_record_source", *LOADER_COLUMNS],
                                        f"columns of source {source.name}"))


def landing_node(spec: Spec, source_name: str, column: str) -> LineageNode:
    """``landing.<source>.<column>`` with the file column (or load constant) it comes from."""
    return LineageNode(relation=f"{LANDING}.{source_name}", column=column, kind="landing",
                       inputs=(csv_origin(spec, source_name, column),))


def _spec_source(spec: Spec, name: str) -> Source:
    for source in spec.sources:
        if source.name == name:
            return source
    raise DvkitError(f"landing.{name} is not a source of the spec",
                     hint=_closest_hint(name, [s.name for s in spec.sources], "sources"))


def _closest_hint(word: str, choices: Iterable[str], what: str, list_all: bool = False) -> str:
    """``did you mean 'x'?`` for the closest choices; with ``list_all`` (or none close) every choice too."""
    options = sorted(set(choices))
    close = difflib.get_close_matches(word, options, n=3, cutoff=0.6)
    parts = []
    if close:
        parts.append("did you mean " + ", ".join(f"'{c}'" for c in close) + "?")
    if list_all or not close:
        parts.append(f"{what}: {', '.join(options)}" if options else f"there are no {what}")
    return " ".join(parts)


# -- the relations of both dbt projects -------------------------------------------------------------

@dataclass(frozen=True)
class Relation:
    """A table or view one of the dbt projects builds or reads."""

    schema: str
    name: str
    kind: str
    project: str | None = None  # the dbt project of a model; None for a source
    sql: str | None = None  # a model's compiled SQL
    documented: tuple[str, ...] = ()  # the columns the manifest documents

    @property
    def key(self) -> str:
        return f"{self.schema}.{self.name}"


def _kind_of(schema: str, project: str, fqn: list[str], kinds: dict[str, str]) -> str:
    if schema in kinds:
        return kinds[schema]
    folder = fqn[1] if len(fqn) > 2 else ""
    if project == BUSINESS_PROJECT:
        return "mart" if folder == "marts" else "business_vault"
    return "staging" if folder == "staging" else "raw_vault"


def _read_manifest(path: Path) -> dict[str, Any]:
    for attempt in range(3):  # a dbt run in another shell may be rewriting it
        try:
            return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]
        except json.JSONDecodeError:
            if attempt == 2:
                raise DvkitError(f"{path} is not valid JSON",
                                 hint="run `dvkit build` (or dbt compile) again") from None
            time.sleep(0.5)
    raise AssertionError("unreachable")


def manifest_problem(project_dir: Path, project: str) -> str | None:
    """Why ``<project>/target/manifest.json`` cannot be used as it is, or None when it is current.

    Current means: every model file under ``models/`` is in it with the checksum dbt computes
    (sha256 of the stripped text), every model has compiled SQL, and no macro is newer.
    """
    dbt_dir = project_dir / project
    path = dbt_dir / "target" / "manifest.json"
    if not path.exists():
        return "missing"
    manifest = _read_manifest(path)
    package = manifest.get("metadata", {}).get("project_name")
    compiled = {node["original_file_path"]: node for node in manifest.get("nodes", {}).values()
                if node.get("resource_type") == "model" and node.get("package_name") == package}
    files = {p.relative_to(dbt_dir).as_posix(): p for p in (dbt_dir / "models").rglob("*.sql")}
    added, removed = sorted(set(files) - set(compiled)), sorted(set(compiled) - set(files))
    if added:
        return f"stale ({added[0]} is not in it)"
    if removed:
        return f"stale ({removed[0]} no longer exists)"
    for relative, file in sorted(files.items()):
        text = file.read_text(encoding="utf-8").strip()
        if hashlib.sha256(text.encode("utf-8")).hexdigest() != compiled[relative]["checksum"]["checksum"]:
            return f"stale ({relative} changed since it was compiled)"
        if not compiled[relative].get("compiled_code"):
            return f"without compiled SQL ({relative} was parsed, not compiled)"
    written = path.stat().st_mtime
    macro_dirs = [dbt_dir / "macros", dbt_dir / "dbt_packages"]
    if project == BUSINESS_PROJECT:
        macro_dirs.append(project_dir / VAULT_PROJECT / "macros")
    for folder in macro_dirs:
        for macro in sorted(folder.rglob("*.sql")) if folder.is_dir() else []:
            if macro.stat().st_mtime > written:
                return f"stale ({macro.relative_to(project_dir).as_posix()} is newer)"
    return None


def ensure_compiled(project_dir: Path, db: Database | None) -> None:
    """Compile a dbt project whose manifest is missing or stale (that needs the database)."""
    for project in PROJECTS:
        if not (project_dir / project / "dbt_project.yml").exists():
            raise DvkitError(f"no dbt project in {project_dir / project}", hint="run dvkit lineage in a dvkit project")
        problem = manifest_problem(project_dir, project)
        if problem is None:
            continue
        if db is None:
            raise DvkitError(f"{project}/target/manifest.json is {problem}; compiling it with dbt needs the database",
                             hint="start it with `dvkit db start` (or run `dvkit build`), then run dvkit lineage again")
        from generator.build import resolve_automate_dv, run_dbt

        if project == VAULT_PROJECT and not (project_dir / VAULT_PROJECT / "dbt_packages" / "automate_dv").is_dir():
            resolve_automate_dv(project_dir, os.environ.get("DVKIT_AUTOMATE_DV", "auto"))
        outcome = run_dbt(project_dir, db, ["compile"], None, None, project)
        still = manifest_problem(project_dir, project)
        if not outcome.success or still is not None:
            details = "; ".join(outcome.failures) or f"the manifest is still {still}"
            raise DvkitError(f"dbt compile of {project} failed: {details}",
                             hint=f"see {project}/logs/dbt.log; `dvkit build` shows the same error")


def load_relations(project_dir: Path, naming: Naming = DEFAULT_NAMING) -> dict[str, Relation]:
    """Every relation of both manifests by ``schema.table``; a model wins over a source of the same name.

    ``naming`` says which schemas hold the raw vault and staging.
    """
    kinds = schema_kinds(naming)
    relations: dict[str, Relation] = {}
    sources: dict[str, Relation] = {}
    for project in PROJECTS:
        manifest = _read_manifest(project_dir / project / "target" / "manifest.json")
        for node in manifest.get("nodes", {}).values():
            if node.get("resource_type") != "model":
                continue
            schema = str(node["schema"]).lower()
            name = str(node.get("alias") or node["name"]).lower()
            relation = Relation(schema=schema, name=name, kind=_kind_of(schema, project, node.get("fqn", []), kinds),
                                project=project, sql=node.get("compiled_code"),
                                documented=tuple(str(c).lower() for c in node.get("columns", {})))
            relations[relation.key] = relation
        for node in manifest.get("sources", {}).values():
            schema = str(node["schema"]).lower()
            name = str(node.get("identifier") or node["name"]).lower()
            kind = kinds.get(schema, "landing" if schema == LANDING else "raw_vault")
            sources[f"{schema}.{name}"] = Relation(schema=schema, name=name, kind=kind,
                                                   documented=tuple(str(c).lower() for c in node.get("columns", {})))
    for key, source in sources.items():
        relations.setdefault(key, source)
    return relations


def database_columns(db: Database, schemas: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """The columns of every table and view of ``schemas`` in the database, in table order.

    Read from the catalog (``pg_attribute``), not from ``information_schema.columns``: the latter
    lists only the columns the connected role holds a privilege on, so a reviewer refused personal
    columns of landing would expand ``select *`` differently and get a wrong lineage. The catalog
    names every column of every table whatever the role may read (column names, never values).
    """
    query = """select n.nspname, c.relname, a.attname
               from pg_catalog.pg_attribute a
               join pg_catalog.pg_class c on c.oid = a.attrelid
               join pg_catalog.pg_namespace n on n.oid = c.relnamespace
               where n.nspname = any(%s) and c.relkind in ('r', 'p', 'v', 'm', 'f')
                 and a.attnum > 0 and not a.attisdropped
               order by n.nspname, c.relname, a.attnum"""
    found: dict[str, list[str]] = {}
    with db.connect() as conn:
        try:
            rows = conn.execute(query, (sorted(set(schemas)),)).fetchall()
        except psycopg.errors.InsufficientPrivilege as exc:
            raise DvkitError(f"role '{db.user}' cannot read the catalog tables that name the columns behind "
                             f"select * ({exc.diag.message_primary})",
                             hint="grant it select on pg_catalog.pg_attribute, pg_class and pg_namespace "
                                  "(PUBLIC holds it by default), or run dvkit lineage as the owner") from None
    for schema, table, column in rows:
        found.setdefault(f"{schema}.{table}", []).append(str(column))
    return {key: tuple(columns) for key, columns in found.items()}


# -- SQL -------------------------------------------------------------------------------------------

def _prepare(sql: str) -> exp.Expression:
    """Parse compiled SQL; drop database names (lineage is within one database) and make a grouped
    count(*) depend on what it counts per."""
    try:
        tree = sqlglot.parse_one(sql, dialect=DIALECT)
    except SqlglotError as exc:
        raise DvkitError(f"sqlglot cannot parse the compiled SQL: {exc}") from None
    for table in tree.find_all(exp.Table):
        table.set("catalog", None)
    for select in list(tree.find_all(exp.Select)):
        group = select.args.get("group")
        if not group or not group.expressions:
            continue
        keys = []
        for key in group.expressions:
            if isinstance(key, exp.Literal) and not key.is_string and 0 < int(key.this) <= len(select.expressions):
                key = select.expressions[int(key.this) - 1].unalias()
            keys.append(key.copy())
        for projection in select.expressions:
            for count in list(projection.find_all(exp.Count)):
                if isinstance(count.this, exp.Star):
                    count.replace(exp.Anonymous(this=COUNT_PER, expressions=[k.copy() for k in keys]))
    return tree


def _physical_tables(tree: exp.Expression) -> set[str]:
    ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    found = set()
    for table in tree.find_all(exp.Table):
        if table.db:
            found.add(f"{table.db}.{table.name}".lower())
        elif table.name.lower() not in ctes and table.name:
            found.add(table.name.lower())
    return found


def _is_literal(node: exp.Expression) -> bool:
    return not any(isinstance(n, (exp.Column, exp.Star, exp.Query)) for n in node.walk())


def _is_ghost_select(select: exp.Expression) -> bool:
    """The ghost record branch of an AutomateDV table: record_source is the literal 'AUTOMATE_DV_SYSTEM'."""
    if not isinstance(select, exp.Select):
        return False
    for projection in select.expressions:
        if projection.alias_or_name != "record_source":
            continue
        value = projection.unalias()
        while isinstance(value, exp.Cast):
            value = value.this
        return isinstance(value, exp.Literal) and value.is_string and value.this == GHOST_SOURCE
    return False


def _render(expression: exp.Expression) -> str:
    """SQL of a derivation, with the count(*) stand-in shown as what it is."""
    per: list[str] = []

    def back(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Anonymous) and str(node.this) == COUNT_PER:
            per.extend(e.sql(dialect=DIALECT) for e in node.expressions)
            return exp.Count(this=exp.Star())
        return node

    text = expression.copy().transform(back).sql(dialect=DIALECT)
    return text + (f"  -- rows per {', '.join(per)}" if per else "")


@dataclass
class _Step:
    """What sqlglot's lineage says about one column within one model."""

    tables: set[tuple[str, str]] = field(default_factory=set)  # (relation key, column)
    constants: list[str] = field(default_factory=list)
    ghost_constants: list[str] = field(default_factory=list)
    derivation: list[str] = field(default_factory=list)
    stars: set[str] = field(default_factory=set)  # tables read by an unexpanded select *
    unresolved: list[str] = field(default_factory=list)


def _step(root: Node) -> _Step:
    step = _Step()
    derived: dict[str, int] = {}  # derivation -> its depth below the column (sqlglot's order varies by run)
    for depth, node in _breadth_first(root):
        expression = node.expression
        if isinstance(expression, exp.Table):
            name = node.name.split(".")[-1].strip('"').lower()
            key = f"{expression.db}.{expression.name}".lower() if expression.db else expression.name.lower()
            if name == "*":
                step.stars.add(key)
            else:
                step.tables.add((key, name))
            continue
        if isinstance(expression, exp.Placeholder):
            step.unresolved.append(node.name)
            continue
        if node.name == "*" and isinstance(expression, exp.Query):
            step.stars.add("a subquery")
            continue
        if isinstance(node.source, exp.SetOperation) and node.name in ("UNION", "INTERSECT", "EXCEPT"):
            continue  # the set operation's own node: its branches follow
        value = expression.unalias() if isinstance(expression, exp.Alias) else expression
        if isinstance(value, (exp.Star, exp.Column)):
            continue  # copied as is (a column without a source ends in a Placeholder node)
        if _is_literal(value):
            if not node.downstream:
                (step.ghost_constants if _is_ghost_select(node.source) else step.constants).append(
                    value.sql(dialect=DIALECT))
            continue
        text = _render(value)
        derived.setdefault(text, depth)
    step.derivation = sorted(derived, key=lambda text: (derived[text], text))
    return step


class _SkippedSubqueries(logging.Filter):
    """Takes sqlglot's "Unknown subquery scope" warnings off the output and keeps their SQL.

    sqlglot logs one when it cannot place a subquery of a select and goes on without it: the
    columns that subquery reads would be missing from the answer, so they become an error for the
    columns concerned (see ``_skipped_in``) instead of a line on stderr next to a wrong tree.
    """

    PREFIX = "Unknown subquery scope: "

    def __init__(self) -> None:
        super().__init__()
        self.subqueries: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if message.startswith(self.PREFIX):
            self.subqueries.add(message[len(self.PREFIX):])
            return False
        return True


def _skipped_in(root: Node, skipped: set[str]) -> list[str]:
    """The subqueries of ``skipped`` (SQL) that a node under ``root`` computes its column with.

    >>> _skipped_in(Node(name="x", expression=exp.column("x"), source=exp.select("x")), {"(SELECT 1)"})
    []
    """
    if not skipped:
        return []
    found = set()
    for node in root.walk():
        for query in node.expression.find_all(exp.Query):
            text = query.sql(dialect=DIALECT)
            if text in skipped:
                found.add(text)
    return sorted(found)


def _breadth_first(root: Node) -> Iterator[tuple[int, Node]]:
    seen: set[int] = {id(root)}
    level = [root]
    depth = 0
    while level:
        following = []
        for node in level:
            yield depth, node
            for child in node.downstream:
                if id(child) not in seen:
                    seen.add(id(child))
                    following.append(child)
        level = following
        depth += 1


# -- the graph --------------------------------------------------------------------------------------

class LineageGraph:
    """The lineage of any column of the project's models; one instance memoises every answer."""

    def __init__(self, project_dir: Path, spec: Spec, db: Database | None = None, compile: bool = True) -> None:
        self.project_dir = project_dir
        self.spec = spec
        if compile:
            ensure_compiled(project_dir, db)
        self.relations = load_relations(project_dir, spec.naming)
        self._db_columns = database_columns(db, {r.schema for r in self.relations.values()}) if db else {}
        self._columns: dict[str, tuple[str, ...] | None] = {}
        self._columns_busy: set[str] = set()
        self._trees: dict[str, exp.Expression] = {}
        self._model_lineage: dict[str, dict[str, Node]] = {}
        self._skipped: dict[str, set[str]] = {}  # model -> SQL of the subqueries sqlglot could not follow
        self._nodes: dict[tuple[str, str], LineageNode | None] = {}
        self._busy: set[tuple[str, str]] = set()

    # -- names --

    def models(self, kinds: Iterable[str] = ("mart", "business_vault")) -> list[Relation]:
        wanted = set(kinds)
        return sorted((r for r in self.relations.values() if r.kind in wanted and r.sql),
                      key=lambda r: r.key)

    def relation(self, name: str) -> Relation:
        """A relation by ``table`` or ``schema.table``; unknown names get the closest as a hint."""
        name = name.lower()
        if name in self.relations:
            return self.relations[name]
        matches = [r for r in self.relations.values() if r.name == name]
        models = [r for r in matches if r.sql]
        if len(models) == 1 or (len(matches) == 1):
            return (models or matches)[0]
        if len(matches) > 1:
            raise DvkitError(f"'{name}' names several relations: {', '.join(sorted(r.key for r in matches))}",
                             hint="write it as schema.model.column")
        models = [r for r in self.relations.values() if r.sql]
        names = [r.key for r in models] if "." in name else [r.name for r in models]
        raise DvkitError(f"unknown model '{name}'", hint=_closest_hint(name, names, "models"))

    def columns_of(self, relation: Relation) -> tuple[str, ...] | None:
        """The columns of a relation: the database's, else what its compiled SQL selects, else the documented."""
        key = relation.key
        if key in self._columns:
            return self._columns[key]
        found: tuple[str, ...] | None = self._db_columns.get(key)
        if found is None and relation.kind == "landing":
            source = next((s for s in self.spec.sources if s.name == relation.name), None)
            if source is not None:
                found = (*source.column_names, "_batch_id", "_load_ts", "_record_source", "_source_file",
                         "_source_line")
        if found is None and relation.sql and key not in self._columns_busy:
            self._columns_busy.add(key)
            try:
                found = self._selected_columns(relation)
            finally:
                self._columns_busy.discard(key)
        if found is None and relation.documented:
            found = relation.documented
        if key not in self._columns_busy:
            self._columns[key] = found
        return found

    def _selected_columns(self, relation: Relation) -> tuple[str, ...] | None:
        try:
            tree = qualify(self._tree(relation).copy(), dialect=DIALECT, schema=self._schema_for(relation),
                           validate_qualify_columns=False, identify=False)
        except SqlglotError:
            return None
        if not isinstance(tree, exp.Query):
            return None
        names = [str(n).lower() for n in tree.named_selects]
        return tuple(names) if names and "*" not in names else None

    def _tree(self, relation: Relation) -> exp.Expression:
        if relation.key not in self._trees:
            assert relation.sql is not None
            try:
                self._trees[relation.key] = _prepare(relation.sql)
            except DvkitError as exc:
                raise DvkitError(f"{relation.key}: {exc.message}") from None
        return self._trees[relation.key]

    def _schema_for(self, relation: Relation) -> dict[str, dict[str, dict[str, str]]]:
        schema: dict[str, dict[str, dict[str, str]]] = {}
        for key in sorted(_physical_tables(self._tree(relation))):
            if "." not in key:
                continue
            read = self.relations.get(key)
            if read is None:
                continue
            columns = self.columns_of(read)  # its own table too: what it selects (busy-guarded)
            if columns:
                table_schema, table = key.split(".", 1)
                schema.setdefault(table_schema, {})[table] = {c: "text" for c in columns}
        return schema

    # -- lineage --

    def _lineage_of(self, relation: Relation) -> dict[str, Node]:
        if relation.key not in self._model_lineage:
            tree = self._tree(relation)
            schema = self._schema_for(relation)
            skipped = _SkippedSubqueries()
            logger = logging.getLogger("sqlglot")
            logger.addFilter(skipped)
            try:
                result = sqlglot_lineage(None, tree, schema=schema, dialect=DIALECT, trim_selects=False)
            except (SqlglotError, ValueError) as exc:
                raise DvkitError(f"sqlglot cannot trace the columns of {relation.key}: {exc}",
                                 hint="check its compiled SQL in the target/ folder of its dbt project") from None
            finally:
                logger.removeFilter(skipped)
            self._model_lineage[relation.key] = {str(k).lower(): v for k, v in result.items()}
            self._skipped[relation.key] = skipped.subqueries
        return self._model_lineage[relation.key]

    def resolve(self, target: str) -> LineageNode:
        """The lineage of ``MODEL.COLUMN`` (or ``SCHEMA.MODEL.COLUMN``)."""
        parts = [p.strip().strip('"').lower() for p in target.strip().split(".")]
        if len(parts) not in (2, 3) or not all(parts):
            raise DvkitError(f"'{target}' is not MODEL.COLUMN", hint="for example: dvkit lineage fct_order_items.price")
        relation = self.relation(".".join(parts[:-1]))
        column = parts[-1]
        known = self.columns_of(relation) or ()
        if relation.sql:
            known = tuple(self._lineage_of(relation)) or known
        if column not in known:
            raise DvkitError(f"{relation.name} has no column '{column}'",
                             hint=_closest_hint(column, known, f"columns of {relation.name}", list_all=True))
        node = self.node(relation, column)
        assert node is not None
        return node

    def node(self, relation: Relation, column: str) -> LineageNode | None:
        """The lineage of one column of one relation; None on a cycle back into a column being traced."""
        key = (relation.key, column)
        if key in self._nodes:
            return self._nodes[key]
        if key in self._busy:
            return None
        self._busy.add(key)
        try:
            result = self._build(relation, column)
        finally:
            self._busy.discard(key)
        self._nodes[key] = result
        return result

    def _build(self, relation: Relation, column: str) -> LineageNode:
        if relation.kind == "landing":
            return landing_node(self.spec, relation.name, column)
        if not relation.sql:
            raise DvkitError(f"{relation.key} is read as a source, but no dbt project builds it",
                             hint="run `dvkit generate` and `dvkit build`")
        lineage = self._lineage_of(relation)
        if column not in lineage:
            raise DvkitError(f"{relation.key} has no column '{column}'",
                             hint=_closest_hint(column, lineage, f"columns of {relation.name}"))
        skipped = _skipped_in(lineage[column], self._skipped.get(relation.key, set()))
        if skipped:
            shown = skipped[0] if len(skipped[0]) <= 160 else skipped[0][:157] + "..."
            raise DvkitError(f"{relation.key}.{column}: sqlglot could not follow the subquery ({shown}), so the "
                             "lineage would miss what it reads",
                             hint="usually the column is not among those known for the tables the subquery reads: "
                                  "rebuild the project (`dvkit build`) so that the database and the compiled SQL "
                                  "agree; else qualify the column with its table in the model's SQL")
        step = _step(lineage[column])
        if step.stars:
            raise DvkitError(f"{relation.key}.{column}: cannot see the columns of "
                             f"{', '.join(sorted(step.stars))} behind select *",
                             hint="build the project (the database lists them) or document them in the model's YAML")
        if step.unresolved:
            raise DvkitError(f"{relation.key}.{column}: sqlglot could not tell where "
                             f"{', '.join(sorted(set(step.unresolved)))} come(s) from",
                             hint="qualify the column with its table in the model's SQL")
        inputs: dict[tuple[str, str, str, str], LineageNode] = {}
        for read_key, read_column in sorted(step.tables):
            if read_key == relation.key:
                continue  # an incremental model reading its own stored rows
            read = self.relations.get(read_key)
            if read is None:
                raise DvkitError(f"{relation.key}.{column} reads {read_key}, which neither dbt project defines",
                                 hint="run `dvkit generate` and `dvkit build`, then dvkit lineage again")
            found = self.node(read, read_column)
            if found is not None:
                inputs[found.sort_key()] = found
        constants = step.constants or ([] if inputs else step.ghost_constants)
        for value in constants:
            constant = LineageNode(relation=relation.key, column=None, kind="constant", value=value)
            inputs[constant.sort_key()] = constant
        return LineageNode(relation=relation.key, column=column, kind=relation.kind,
                           inputs=tuple(inputs[k] for k in sorted(inputs)), derivation=tuple(step.derivation))


def lineage(project_dir: Path, spec: Spec, db: Database | None, target: str) -> LineageNode:
    """Where column ``MODEL.COLUMN`` comes from, down to the source CSV columns and constants.

    Compiles a dbt project first when its manifest is missing or stale (that needs ``db``); reads
    the columns behind ``select *`` from the database when ``db`` is given.
    """
    return LineageGraph(project_dir, spec, db).resolve(target)
