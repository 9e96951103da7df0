"""Property-based tests: the spec cannot hurt.

Whatever is in ``vault_spec/`` -- random text, random YAML, the Olist spec with lines deleted,
duplicated, swapped, re-indented, or names replaced by hostile strings -- validation returns a
result (never an exception) whose problems each name a spec file, a line and a message. Every valid
spec (drawn directly from a strategy, or a mutation of Olist that stays valid) renders the same bytes
twice, its YAML parses, names from the spec reach the SQL only as safe identifiers, and every model,
rendered with a small fake dbt context, parses with sqlglot's PostgreSQL dialect. One slower test
compiles random valid specs with dbt itself and parses the compiled SQL.
"""

from __future__ import annotations

import os
import re
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
import pytest
import sqlglot
import yaml
from hypothesis import Phase, event, given, note, settings
from hypothesis import strategies as st
from sqlglot import exp

from generator.kinds.satellite import effective_from_column, sat_stage
from generator.render.plan import plan
from generator.render.writer import content_of
from generator.spec.model import EFFECTIVITY_DATES, MultiActiveSatellite, Satellite, Spec
from generator.spec.structure import schema
from generator.spec.validate import (
    LANDING_COLUMNS,
    LONGEST_NAME,
    PENDING_COLUMNS,
    PENDING_CTES,
    RESERVED,
    SQLGLOT_TABLE_WORDS,
    SQLGLOT_WORDS,
    STAGED_COLUMNS,
    TYPE_KINDS,
    YAML_WORDS,
    SpecResult,
    load_spec,
)
from generator.spec.yaml_lines import SpecSyntaxError, load_text

from ..conftest import REPO

SPEC_DIR = REPO / "vault_spec"
OLIST = {p.name: p.read_text(encoding="utf-8") for p in sorted(SPEC_DIR.glob("*.yml"))}
SAFE = re.compile(r"^[a-z_][a-z0-9_]*$")
PG_MAX_IDENTIFIER = 63
# DVKIT_PROPERTY_SCALE=20 runs twenty times the examples (a deeper search than CI's quick one).
SCALE = float(os.environ.get("DVKIT_PROPERTY_SCALE", "1"))
# dbt reads YAML (and fromyaml's text) with libyaml's safe loader when it is there.
DBT_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
TYPES = ("text", "integer", "bigint", "numeric", "double", "boolean", "date", "timestamp")
SECTIONS = tuple(schema()["properties"])
ENTITY_KEYS = sorted({key for definition in schema()["$defs"].values() if isinstance(definition, dict)
                      for key in definition.get("properties", {})})

# Characters that break SQL, YAML, Jinja or file formats when they get where they should not.
HOSTILE_PIECES = st.sampled_from(list("'\";:-#{}[]%!&*|>?,\\/ \t\n\r\x00\x85\u2028\u00e9\u00fc\u540d\U0001f600")
                                 + list("aZ09_") + ["{{", "}}", "{%", "%}", "{#", "--", "/*", "*/", "$$"])
HOSTILE_TEXT = st.lists(HOSTILE_PIECES, max_size=20).map("".join)
HOSTILE_NAMES = st.one_of(
    st.sampled_from(["", " ", "'", '"', ";", "a;b", "x'--", 'a"b', "drop table x;", "Order", "order id",
                     "\u00fc", "\u540d\u524d", "x" * 300, "{{ x }}", "{% if %}", "\t", "\\", "#", ": ", "- ",
                     "[", "{", "&a", "*a", "!!int x", "null", "~", "yes", "2020-13-45", "0x1F", "1e999",
                     "select", "load_datetime", "x_hk", "_", "a" * 64, "{{ env_var('HOME') }}"]),
    HOSTILE_TEXT,
)
# Safe names that are still interesting: YAML 1.1 booleans, words dvkit or PostgreSQL give meaning
# to without reserving them, names of the CTEs the templates write, and Jinja's own names.
TRICKY_NAMES = ("yes", "no", "off", "y", "n", "nan", "inf", "_", "__", "a", "e1", "start_date", "end_date",
                "interval", "values", "filter", "rows", "range", "first", "last", "name", "type", "value",
                "date", "time", "timestamp", "text", "year", "month", "key", "level", "position", "over",
                "partition", "current", "data", "source", "model", "ref", "config", "this", "var", "loop",
                "self", "none", "landed", "deliveries", "versions", "final", "parent", "keys_as_of", "bounds",
                "digits", "numbers", "as_of_dates", "recency", "load_times", "calendar", "as_of_date",
                "satellite_name", "hashdiff", "eff", "staged_rows", "between", "qualify", "recursive", "drop")


def _usable(name: str, column: bool) -> bool:
    if not SAFE.match(name) or len(name) > PG_MAX_IDENTIFIER or name in RESERVED:
        return False
    return not column or not (name in LANDING_COLUMNS or name in STAGED_COLUMNS or name in YAML_WORDS
                              or name in SQLGLOT_WORDS or name.endswith(("_hk", "_hashdiff")))


NAME_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789_"
PLAIN_NAMES = st.builds(str.__add__, st.sampled_from("abcdefghijklmnopqrstuvwxyz"), st.text(NAME_CHARS, max_size=8))
LONG_NAMES = st.builds(str.__add__, st.sampled_from("abcdefghijklmnopqrstuvwxyz_"),
                       st.text(NAME_CHARS, min_size=40, max_size=62))
SAFE_NAMES = st.one_of(PLAIN_NAMES, PLAIN_NAMES, PLAIN_NAMES, st.sampled_from(TRICKY_NAMES), LONG_NAMES)


def _examples(count: int) -> int:
    return max(1, round(count * SCALE))


def _dbt_yaml(text: str) -> Any:
    return yaml.load(text, Loader=DBT_YAML_LOADER)  # noqa: S506 - a safe loader


def _fromyaml(text: str) -> Any:
    """dbt's fromyaml, which keeps the last of two equal keys silently: refuse them instead."""
    try:
        load_text(text, "yaml_metadata")
    except SpecSyntaxError as exc:
        raise AssertionError(f"the metadata YAML is ambiguous: {exc}\n{text}") from None
    return _dbt_yaml(text)


# -- writing a spec folder and checking what validation says ----------------------------------------

def _load(files: dict[str, str | bytes]) -> tuple[SpecResult, dict[str, str | bytes]]:
    """Write ``files`` into a fresh ``vault_spec/`` and validate it."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        folder = root / "vault_spec"
        folder.mkdir()
        for name, text in files.items():
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(text, bytes):
                target.write_bytes(text)
            else:
                target.write_text(text, encoding="utf-8", newline="")
        return load_spec(folder, root), files


def _check_result(result: SpecResult, files: dict[str, str | bytes]) -> None:
    """Problems are well formed and name the spec files; a spec exists iff there is no problem."""
    assert isinstance(result, SpecResult)
    known = {f"vault_spec/{name}" for name in files}
    assert set(result.files) == known
    lines = {f"vault_spec/{name}": len((text.decode("utf-8", "replace") if isinstance(text, bytes) else text)
                                       .splitlines()) for name, text in files.items()}
    for problem in result.problems:
        assert problem.path in known, problem
        assert isinstance(problem.line, int) and 0 <= problem.line <= lines[problem.path] + 1, problem
        assert isinstance(problem.message, str) and problem.message.strip(), problem
        assert problem.hint is None or isinstance(problem.hint, str)
        str(problem)
    assert (result.spec is None) == bool(result.problems)
    if result.spec is not None:
        _check_spec_names(result.spec)


def _spec_names(spec: Spec) -> list[str]:
    """Every name in the spec model that can reach SQL."""
    names: list[str] = []
    for source in spec.sources:
        names += [source.name, *source.column_names, *source.personal_columns]
        for lookup in source.lookups:
            names += [lookup.source, lookup.on, *lookup.columns]
    for hub in spec.hubs:
        names += [hub.name, *hub.business_key, *(c for feed in hub.feeds for c in (feed.source, *feed.columns))]
    for link in spec.links:
        names += [link.name, *link.hubs, *link.sources, *link.dependent_child_key]
    for sat in spec.satellites:
        names += [sat.name, sat.parent, sat.source, *sat.payload, *([sat.effective_from] if sat.effective_from else [])]
    for ma_sat in spec.multi_active_satellites:
        names += [ma_sat.name, ma_sat.parent, ma_sat.source, *ma_sat.child_key, *ma_sat.payload]
    for eff in spec.effectivity_satellites:
        names += [eff.name, eff.link, eff.source, *eff.driving_key]
    for xts in spec.tracking_satellites:
        names += [xts.name, xts.parent, *xts.satellites]
    for ref in spec.reference_tables:
        names += [ref.name, ref.source, ref.key, *ref.payload]
    for pit in spec.point_in_time_tables:
        names += [pit.name, pit.parent, *pit.satellites]
    for bridge in spec.bridges:
        names += [bridge.name, bridge.hub, *bridge.links]
    for computed in spec.computed_satellites:
        names += [computed.name, computed.parent, *(c for c, _ in computed.columns)]
    return names


def _check_spec_names(spec: Spec) -> None:
    for name in _spec_names(spec):
        assert isinstance(name, str) and SAFE.match(name), repr(name)
        assert len(name) <= PG_MAX_IDENTIFIER, name


# -- 1. no uncaught exception, whatever the files say --------------------------------------------------

YAML_SYNTAX = st.lists(st.sampled_from(list(":-[]{},&*!|>'\"#%@`?~ \t\n") + list("abcxyz019")
                                       + ["hubs", "sources", "name", "!!int", "!!binary", "&a", "*a", "<<", "---",
                                          "2020-13-45", "? "]), max_size=60).map("".join)


@settings(max_examples=_examples(150), deadline=None)
@given(text=st.one_of(st.text(max_size=200), YAML_SYNTAX, st.binary(max_size=100)))
def test_random_text_never_crashes(text: str | bytes) -> None:
    _check_result(*_load({"random.yml": text}))


SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20), SAFE_NAMES,
                    st.sampled_from(TYPES), st.dates(), HOSTILE_NAMES)
YAML_KEYS = st.one_of(st.sampled_from(SECTIONS), st.sampled_from(ENTITY_KEYS), SAFE_NAMES, st.text(max_size=10))
YAML_VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                            st.dictionaries(YAML_KEYS, inner, max_size=4)),
                           max_leaves=25)


@settings(max_examples=_examples(100), deadline=None)
@given(document=st.dictionaries(YAML_KEYS, YAML_VALUES, max_size=4) | YAML_VALUES, flow=st.booleans())
def test_random_yaml_documents_never_crash(document: Any, flow: bool) -> None:
    _check_result(*_load({"random.yml": yaml.safe_dump(document, default_flow_style=flow, allow_unicode=True)}))


# Entities whose keys and values are plausible, so that the cross-entity checks run on them.
POOL = st.sampled_from(["order", "orders", "customer", "customers", "order_id", "customer_id", "order_status",
                        "order_customer", "order_state", "seller", "product", "month", "load_times"])
VALUE = st.one_of(POOL, HOSTILE_NAMES, st.lists(POOL, max_size=3), st.lists(st.fixed_dictionaries({"source": POOL}),
                  max_size=2), st.dictionaries(POOL, st.sampled_from(TYPES) | POOL, max_size=3), SCALARS,
                  st.lists(st.fixed_dictionaries({"source": POOL, "on": POOL, "columns": st.lists(POOL)}),
                           max_size=2))
ENTITY = st.dictionaries(st.sampled_from(ENTITY_KEYS), VALUE, max_size=7)


@settings(max_examples=_examples(150), deadline=None)
@given(files=st.dictionaries(st.sampled_from(["a.yml", "b.yml", "sub/c.yaml"]),
                             st.dictionaries(st.sampled_from(SECTIONS), st.lists(ENTITY, max_size=3) | VALUE,
                                             max_size=4), min_size=1, max_size=3))
def test_random_entities_never_crash(files: dict[str, dict[str, Any]]) -> None:
    _check_result(*_load({name: yaml.safe_dump(doc, allow_unicode=True) for name, doc in files.items()}))


# YAML that is valid syntax but hostile to a loader: tags, recursion, expansion, depth, odd scalars.
HOSTILE_YAML = [
    "hubs: &a [*a]\n",
    "hubs: &a {x: *a}\n",
    "hubs: !!int abc\n",
    "hubs: !!float abc\n",
    "hubs: !!timestamp xyz\n",
    "hubs: !!binary '###'\n",
    "hubs: !foo x\n",
    "hubs: !!python/object/apply:os.system ['true']\n",
    "hubs:\n  - name: order\n    description: 2020-13-45\n",
    "settings: {hash: 2020-02-30 10:00:00}\n",
    "hubs: " + "[" * 3000 + "]" * 3000 + "\n",
    "hubs: " + "{a: " * 2000 + "1" + "}" * 2000 + "\n",
    "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 10)}]\n" for i in range(7)),
    "? [a, b]\n: 1\n",
    "? {a: 1}\n: 1\n",
    "<<: {hubs: []}\n",
    "hubs: []\nhubs: []\n",
    "hubs: []\n---\nlinks: []\n",
    "\ufeffhubs: []\n",
    "hubs:\r\n  - name: x\r\n",
    "# only a comment\n",
    "",
    "hubs: 1" + "0" * 5000 + "\n",
    "hubs: [a, b,\n",
    "\tboom\n",
]


@pytest.mark.parametrize("text", HOSTILE_YAML, ids=range(len(HOSTILE_YAML)))
def test_hostile_yaml_never_crashes(text: str) -> None:
    _check_result(*_load({"hostile.yml": text}))


# -- mutations of the real Olist spec ------------------------------------------------------------------

WORD = re.compile(r"[a-z_][a-z0-9_]*")
TYPE_WORD = re.compile(r"(?<=: )(" + "|".join(TYPES) + r")\b")


@st.composite
def olist_mutations(draw: st.DrawFn) -> dict[str, str]:
    """The Olist spec with one to three mutations, each anywhere in any file."""
    files = {name: text.splitlines(keepends=True) for name, text in OLIST.items()}
    for _ in range(draw(st.integers(1, 3))):
        name = draw(st.sampled_from(sorted(files)))
        lines = files[name]
        if not lines:
            continue
        at = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["delete", "duplicate", "swap", "rename", "rename_all", "type", "drop_key",
                                   "add_key", "indent", "hostile_line", "copy_file", "delete_file"]))
        note(f"{op} in {name} at line {at + 1}: {lines[at]!r}")
        if op == "delete":
            del lines[at]
        elif op == "duplicate":
            lines.insert(at, lines[at])
        elif op == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[at], lines[other] = lines[other], lines[at]
        elif op in ("rename", "rename_all"):
            words = [(i, m) for i, line in enumerate(lines) if not line.lstrip().startswith("#")
                     for m in WORD.finditer(line)]
            if not words:
                continue
            i, match = draw(st.sampled_from(words))
            new = draw(HOSTILE_NAMES | SAFE_NAMES)
            if op == "rename":  # one occurrence: mostly a broken reference
                lines[i] = lines[i][:match.start()] + new + lines[i][match.end():]
            else:  # every occurrence in every file: mostly a consistent renaming
                pattern = re.compile(rf"\b{re.escape(match.group())}\b")
                for key in files:
                    files[key] = [pattern.sub(lambda _, new=new: new, line) for line in files[key]]
        elif op == "type":
            typed = [i for i, line in enumerate(lines) if TYPE_WORD.search(line)]
            if typed:
                i = draw(st.sampled_from(typed))
                lines[i] = TYPE_WORD.sub(lambda _: draw(st.sampled_from(TYPES) | HOSTILE_NAMES), lines[i], count=1)
        elif op == "drop_key":  # the key's line and the more indented lines below it
            indent = len(lines[at]) - len(lines[at].lstrip(" -"))
            end = at + 1
            while end < len(lines) and len(lines[end]) - len(lines[end].lstrip(" -")) > indent:
                end += 1
            del lines[at:end]
        elif op == "add_key":
            indent = lines[at][:len(lines[at]) - len(lines[at].lstrip(" "))]
            key = draw(st.sampled_from(ENTITY_KEYS) | SAFE_NAMES)
            value = draw(HOSTILE_NAMES | SAFE_NAMES | st.sampled_from(["[a, b]", "{source: orders}", "true", "12"]))
            lines.insert(at + 1, f"{indent}{key}: {value}\n")
        elif op == "indent":
            line = lines[at]
            change = draw(st.sampled_from(["+1", "+2", "-1", "-2", "tab"]))
            if change == "tab":
                lines[at] = "\t" + line.lstrip(" ")
            elif change.startswith("+"):
                lines[at] = " " * int(change[1]) + line
            else:
                lines[at] = line[min(int(change[1]), len(line) - len(line.lstrip(" "))):]
        elif op == "hostile_line":
            lines.insert(at, draw(st.sampled_from(HOSTILE_YAML[:10])))
        elif op == "copy_file":
            files[f"copy_{name}"] = list(lines)
        elif op == "delete_file" and len(files) > 1:
            del files[name]
    return {name: "".join(lines) for name, lines in files.items()}


@settings(max_examples=_examples(40), deadline=None)
@given(files=olist_mutations())
def test_mutated_olist_specs_never_crash(files: dict[str, str]) -> None:
    result, _ = _load(files)
    _check_result(result, files)
    event("still valid: rendered" if result.spec is not None else "invalid: problems reported")
    if result.spec is not None:
        _check_rendering(result.spec)


OLIST_CASES = {
    "as shipped": dict(OLIST),
    "hubs of a link not a list": {**OLIST, "links.yml": OLIST["links.yml"].replace("hubs: [order, customer]",
                                                                                    "hubs: ordr")},
    "an impossible date as a name": {**OLIST, "satellites.yml": OLIST["satellites.yml"].replace(
        "payload: [price, freight_value, shipping_limit_date]", "payload: [price, freight_value, 2020-13-45]")},
}


@pytest.mark.parametrize("case", sorted(OLIST_CASES))
def test_olist_cases(case: str) -> None:
    files = OLIST_CASES[case]
    result, _ = _load(files)
    _check_result(result, files)
    assert (result.spec is not None) == (case == "as shipped")
    if result.spec is not None:
        _check_rendering(result.spec)


# The bugs these properties found, each as its smallest spec and the problem validation now reports
# (before the fixes: a traceback, or a spec accepted and then broken in dbt or PostgreSQL, or loading
# other values than the spec says).
BASE = """\
sources:
  - {name: a, file: a.csv, columns: {k: text, p: text, q: text, e: boolean, j: text}}
  - {name: b, file: b.csv, columns: {k: text, r: text, j: integer, u: text, v: text}}
hubs:
  - {name: h, business_key: k, sources: [{source: a}, {source: b}]}
"""
FOUND = {
    "recursive alias": ("hubs: &a [*a]\n", "an alias refers to a value that contains it"),
    "alias bomb": (HOSTILE_YAML[12], "more than 250000 values once its aliases are expanded"),
    "deep nesting": (HOSTILE_YAML[10], "nested too deeply"),
    "impossible date": ("hubs:\n  - name: x\n    description: 2020-13-45\n",
                        "cannot read '2020-13-45' as timestamp: month must be in 1..12"),
    "empty !!int": ("hubs: !!int\n", "cannot read '' as int"),
    "!!bool": ("hubs: !!bool x\n", "cannot read 'x' as bool"),
    "unknown tag": ("hubs: !foo x\n", "cannot read 'x' as !foo"),
    "huge integer": (HOSTILE_YAML[22], "Exceeds the limit (4300 digits)"),
    "hubs of a link not a list": (BASE + "links:\n  - {name: l, hubs: ordr, sources: [{source: a}]}\n",
                                  "unknown hub 'ordr' in link 'l'"),
    "hub key named like a dvkit column": (
        BASE + "  - {name: g, business_key: load_datetime, sources: [{source: a, business_key: p}]}\n",
        "business key 'load_datetime' is reserved for columns dvkit adds"),
    "hub key a reserved word": (
        BASE + "  - {name: g, business_key: select, sources: [{source: a, business_key: p}]}\n",
        "business key 'select' is an SQL reserved word"),
    "column yes": (BASE.replace("q: text", "'yes': text"), "column name 'yes' reads as a boolean"),
    "column sqlglot cannot read": (BASE.replace("q: text", "qualify: text"),
                                   "column name 'qualify' is read as a keyword by sqlglot"),
    "two hubs derive one key name": (
        BASE + "  - {name: g1, business_key: id, sources: [{source: a, business_key: p}]}\n"
               "  - {name: g2, business_key: id, sources: [{source: a, business_key: q}]}\n",
        "hub 'g2' and hub 'g1' both add a column 'id' to the stage of source 'a'"),
    "start_date replaced by the load time": (
        BASE.replace("u: text", "start_date: date") + "  - {name: g, business_key: r, sources: [{source: b}]}\n"
        "links:\n  - {name: l, hubs: [h, g], sources: [{source: b}]}\n"
        "effectivity_satellites:\n  - {name: e, link: l, driving_key: h}\n",
        "effectivity satellite 'e' adds a column 'start_date' to the stage of source 'b', which has a column"),
    "effective_from column replaced": (
        BASE.replace("q: text", "s_effective_from: timestamp, t: timestamp")
        + "satellites:\n  - {name: s, parent: h, source: a, payload: [p], effective_from: t}\n",
        "satellite 's' adds a column 's_effective_from' to the stage of source 'a'"),
    "source looked up twice": (
        BASE.replace("columns: {k: text, p: text, q: text, e: boolean, j: text}}",
                     "columns: {k: text, p: text, q: text, e: boolean, j: text},\n"
                     "     lookups: [{source: b, 'on': k, columns: [u]}, {source: b, 'on': k, columns: [v]}]}"),
        "source 'b' is looked up twice"),
    "looked-up column named like the staging SQL's own": (
        BASE.replace("u: text", "_valid_from_batch: text").replace(
            "columns: {k: text, p: text, q: text, e: boolean, j: text}}",
            "columns: {k: text, p: text, q: text, e: boolean, j: text},\n"
            "     lookups: [{source: b, 'on': k, columns: [_valid_from_batch]}]}"),
        "lookup column '_valid_from_batch' is a name the staging SQL uses for its own column"),
    "lookup join of two types": (
        BASE.replace("columns: {k: text, p: text, q: text, e: boolean, j: text}}",
                     "columns: {k: text, p: text, q: text, e: boolean, j: text},\n"
                     "     lookups: [{source: b, 'on': j, columns: [u]}]}"),
        "join column 'j' is text in source 'a' and integer in source 'b'"),
    "looked-up source called like a CTE": (
        BASE.replace("name: b, file: b.csv", "name: landed, file: b.csv").replace("{source: b}", "{source: landed}")
        .replace("columns: {k: text, p: text, q: text, e: boolean, j: text}}",
                 "columns: {k: text, p: text, q: text, e: boolean, j: text},\n"
                 "     lookups: [{source: landed, 'on': k, columns: [u]}]}"),
        "a looked-up source cannot be called 'landed'"),
    "hub key of two types": (BASE.replace("{k: text, r: text", "{k: timestamp, r: text"),
                             "business key 'k' of hub 'h' is text in source 'a', timestamp in source 'b'"),
    "effective_from a boolean": (
        BASE + "satellites:\n  - {name: s, parent: h, source: a, payload: [p], effective_from: e}\n",
        "effective_from column 'e' is boolean, which PostgreSQL cannot cast to a timestamp"),
    "satellite name too long": (
        BASE + f"satellites:\n  - {{name: {'s' * 49}, parent: h, source: a, payload: [p]}}\n",
        f"name '{'s' * 49}' is too long: dvkit makes '{'s' * 49}_effective_from' of it"),
    "Jinja in a description": (BASE + "  - name: g\n    business_key: q\n    sources: [{source: a}]\n"
                                      "    description: \"{{ env_var('DVKIT_PG_PASSWORD') }}\"\n",
                               "the description of 'g' contains Jinja"),
    "Jinja in a computed rule": (
        BASE + "computed_satellites:\n  - {name: c, parent: h, columns: {x: \"{% do run_query('drop') %}\"}}\n",
        "the rule of 'x' of 'c' contains Jinja"),
}


def test_the_base_of_the_found_bugs_is_valid() -> None:
    result, _ = _load({"spec.yml": BASE})
    assert result.ok, [str(p) for p in result.problems]


@pytest.mark.parametrize("case", sorted(FOUND))
def test_found_bugs_are_reported(case: str) -> None:
    text, expected = FOUND[case]
    result, files = _load({"spec.yml": text})
    _check_result(result, files)
    assert any(expected in str(p) for p in result.problems), [str(p) for p in result.problems]


@pytest.mark.parametrize("spec_file", ["vault_spec/a\nb.yml", "vault_spec/{{ env_var('X') }}.yml",
                                       "vault_spec/x\u2028--.yml"])
def test_a_spec_file_name_stays_in_the_header_comment(spec_file: str) -> None:
    from generator.render.writer import header_for, is_generated

    for path in ("m.sql", "m.yml"):
        header = header_for(path, spec_file, "hub h", "select 1\n")
        assert header.splitlines() == [header] and not any(ch in header for ch in LINE_BREAKS)
        assert not any(opener in header for opener in JINJA_OPENERS)
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "m.sql"
        target.write_text(header_for("m.sql", spec_file, "hub h", "select 1\n") + "\nselect 1\n")
        assert is_generated(target)


def test_two_hubs_of_one_renamed_key_derive_it_once() -> None:
    hubs = ("  - {name: g1, business_key: id, sources: [{source: a, business_key: p}]}\n"
            "  - {name: g2, business_key: id, sources: [{source: a, business_key: p}]}\n")
    result, _ = _load({"spec.yml": BASE + hubs})
    assert result.spec is not None, [str(p) for p in result.problems]
    _check_rendering(result.spec)  # the stage's metadata says `id: p` once


# -- 2. every valid spec renders safely ----------------------------------------------------------------

class _Builder:
    """A valid spec under construction: every choice keeps the rules of validation."""

    def __init__(self, draw: st.DrawFn) -> None:
        self.draw = draw
        self.taken: dict[str, set[str]] = {}
        self.columns_taken: set[str] = set()
        self.sources: dict[str, dict[str, Any]] = {}
        self.hubs: dict[str, dict[str, Any]] = {}
        self.links: dict[str, dict[str, Any]] = {}
        self.entities: dict[str, list[dict[str, Any]]] = {}
        # source -> column -> expression: what its stage derives beyond dvkit's own columns
        self.derived: dict[str, dict[str, str]] = {}

    # names

    def name(self, namespace: str, section: str | None = None) -> str:
        """A new name in ``namespace``, as long as the identifiers made of a ``section``'s names allow."""
        column = namespace == "column"
        taken = self.columns_taken if column else self.taken.setdefault(namespace, set())
        limit = PG_MAX_IDENTIFIER - (len(LONGEST_NAME[section]) - 2 if section else 0)
        every = set().union(*self.taken.values()) if self.taken else set()
        if not column and every and self.draw(st.integers(0, 9)) == 0:
            # A name derived from another one: the templates' own suffixes invite collisions.
            base = self.draw(st.sampled_from(sorted(every)))
            name = base + self.draw(st.sampled_from(["_as_of", "_in_force", "_effective_from", "_satellite_name",
                                                     "_ldts", "_pk", "s"]))
        else:
            name = self.draw(SAFE_NAMES)
        name = name[:limit]
        suffix = 0
        while not _usable(name, column) or name in taken:
            suffix += 1
            name = f"{name[:limit - 4]}_{suffix}"
        taken.add(name)
        return name

    def column(self) -> str:
        return self.name("column")

    def text(self) -> str:
        """Free text: anything but Jinja, which validation refuses (dbt renders descriptions)."""
        text = self.draw(st.one_of(st.just(""), HOSTILE_TEXT, st.text(max_size=30)))
        return re.sub(r"\{(?=[{%#])", "(", text)

    # sources and what their stages can read

    def staged(self, source: str) -> list[str]:
        src = self.sources[source]
        return [*src["columns"], *(c for lookup in src["lookups"] for c in lookup["columns"])]

    def type_of(self, source: str, column: str) -> str:
        src = self.sources[source]
        if column in src["columns"]:
            return src["columns"][column]
        lookup = next(lk for lk in src["lookups"] if column in lk["columns"])
        return self.sources[lookup["source"]]["columns"][column]

    def renamed_keys(self, source: str) -> set[str]:
        """Hub key names the stage of ``source`` derives from other columns."""
        return {c for hub in self.hubs.values() if hub["feeds"].get(source) is not None for c in hub["key"]}

    def can_add(self, source: str, column: str) -> bool:
        return column not in self.staged(source) and column not in self.renamed_keys(source)

    def add_column(self, source: str, column: str | None = None, type_: str | None = None) -> str:
        if column is None:
            column = self.column()
            while column in self.derived.get(source, {}):
                column = self.column()
        self.sources[source]["columns"].setdefault(column, type_ or self.draw(st.sampled_from(TYPES)))
        return column

    def can_derive(self, source: str, column: str, expression: str) -> bool:
        """The stage of ``source`` can derive ``column``: no column of that name, nor another meaning."""
        known = self.derived.get(source, {})
        return column not in self.staged(source) and known.get(column, expression) == expression

    def derive(self, source: str, column: str, expression: str) -> None:
        assert self.can_derive(source, column, expression)
        self.derived.setdefault(source, {})[column] = expression

    def feed(self, hub: str, source: str, rename: bool | None = None) -> None:
        """Make ``source`` feed ``hub`` (under the hub's column names, or its own)."""
        h = self.hubs[hub]
        if source in h["feeds"]:
            return
        if rename is None:
            rename = self.draw(st.integers(0, 4)) == 0
        plain_ok = all(c in self.sources[source]["columns"] or self.can_add(source, c) for c in h["key"])
        rename_ok = not any(c in self.staged(source) for c in h["key"])
        if (rename and rename_ok) or not plain_ok:
            assert rename_ok
            # A hub with the same key names already renamed in this source: read the same columns.
            same = [hub["feeds"][source] for hub in self.hubs.values()
                    if hub["key"] == h["key"] and hub["feeds"].get(source) is not None]
            h["feeds"][source] = same[0] if same else [self.add_column(source, None, type_) for type_ in h["types"]]
            for key, column in zip(h["key"], h["feeds"][source], strict=True):
                self.derive(source, key, column)
        else:
            for column, type_ in zip(h["key"], h["types"], strict=True):
                self.add_column(source, column, type_)
            h["feeds"][source] = None

    def key_in(self, parent: str, source: str) -> list[str]:
        if parent in self.hubs:
            return self.hubs[parent]["feeds"].get(source) or self.hubs[parent]["key"]
        link = self.links[parent]
        return [c for hub in link["hubs"] for c in self.key_in(hub, source)] + link["dck"]

    def parent_sources(self, parent: str) -> list[str]:
        return sorted(self.hubs[parent]["feeds"]) if parent in self.hubs else self.links[parent]["sources"]

    def pick_columns(self, source: str, exclude: set[str], low: int, high: int, personal: bool = False) -> list[str]:
        """Distinct staged columns of ``source`` (or new ones) outside ``exclude``."""
        src = self.sources[source]
        candidates = sorted(c for c in self.staged(source)
                            if c not in exclude and (c in src["personal"]) == personal)
        chosen = self.draw(st.lists(st.sampled_from(candidates), unique=True, max_size=high)) if candidates else []
        while len(chosen) < low:
            chosen.append(self.add_column(source))
            if personal:
                src["personal"].append(chosen[-1])
        return chosen

    def add(self, section: str, entity: dict[str, Any]) -> None:
        if self.draw(st.booleans()):
            entity["description"] = self.text()
        self.entities.setdefault(section, []).append(entity)


@st.composite
def valid_specs(draw: st.DrawFn) -> dict[str, str]:
    """Spec files (name -> YAML text) of a random valid spec with every kind of entity."""
    b = _Builder(draw)
    for _ in range(draw(st.integers(1, 4))):
        name = b.name("source", "sources")
        b.sources[name] = {"columns": {}, "lookups": [], "personal": []}
        for _ in range(draw(st.integers(1, 3))):
            b.add_column(name)
    source_names = sorted(b.sources)

    hub_keys: list[tuple[list[str], list[str]]] = []
    for _ in range(draw(st.integers(1, 4))):
        name = b.name("hub_link", "hubs")
        if hub_keys and draw(st.integers(0, 3)) == 0:
            key, types = draw(st.sampled_from(hub_keys))  # two hubs with the same key names
        else:
            key = [b.column() for _ in range(draw(st.integers(1, 2)))]
            types = [draw(st.sampled_from(TYPES)) for _ in key]
        hub_keys.append((key, types))
        # Every source of a hub gives its key in one kind of type (the hub reads them in one union).
        b.hubs[name] = {"key": list(key), "types": list(types), "feeds": {}}
        for source in draw(st.lists(st.sampled_from(source_names), min_size=1, max_size=3, unique=True)):
            b.feed(name, source)
    hub_names = sorted(b.hubs)

    if len(hub_names) >= 2:
        for _ in range(draw(st.integers(0, 3))):
            hubs = draw(st.lists(st.sampled_from(hub_names), min_size=2, max_size=3, unique=True))
            sources = draw(st.lists(st.sampled_from(source_names), min_size=1, max_size=2, unique=True))
            for source in sources:
                for hub in hubs:
                    b.feed(hub, source)
            dck = [b.column()] if draw(st.booleans()) else []
            dck_type = draw(st.sampled_from(TYPES))
            for source in sources:
                for column in dck:
                    b.add_column(source, column, dck_type)
            b.links[b.name("hub_link", "links")] = {"hubs": hubs, "sources": sources, "dck": dck}

    # Lookups: columns of another source joined on a shared column.
    for _ in range(draw(st.integers(0, 2))):
        if len(source_names) < 2:
            break
        this, other = draw(st.lists(st.sampled_from(source_names), min_size=2, max_size=2, unique=True))
        earlier = b.sources[this]["lookups"]
        # Validation refuses a second lookup of one source, and names the join would not survive.
        if other in RESERVED | SQLGLOT_TABLE_WORDS | PENDING_CTES or any(lk["source"] == other for lk in earlier):
            continue
        if any(c in PENDING_COLUMNS for c in (*b.sources[this]["columns"], *b.sources[other]["columns"])):
            continue  # a join or looked-up column named like the staging SQL's own column
        own, theirs = b.sources[this]["columns"], b.sources[other]["columns"]
        # A join column of one kind of type in both (text, number, time or boolean).
        shared = sorted(c for c in set(own) & set(theirs) if TYPE_KINDS[own[c]] == TYPE_KINDS[theirs[c]])
        on = draw(st.sampled_from(shared)) if shared and draw(st.booleans()) else b.column()
        b.add_column(this, on)
        b.add_column(other, on, own[on])
        candidates = sorted(c for c in theirs if c not in b.staged(this) and c not in b.derived.get(this, ()))
        if not candidates:
            continue
        columns = draw(st.lists(st.sampled_from(candidates), min_size=1, max_size=2, unique=True))
        b.sources[this]["lookups"].append({"source": other, "on": on, "columns": columns})

    parents = hub_names + sorted(b.links)
    sat_parents: dict[str, list[str]] = {}
    sat_sources: dict[str, str] = {}
    for _ in range(draw(st.integers(0, 4))):
        parent = draw(st.sampled_from(parents))
        source = draw(st.sampled_from(b.parent_sources(parent)))
        name = b.name("satellite", "satellites")
        personal = draw(st.integers(0, 4)) == 0
        payload = b.pick_columns(source, set(b.key_in(parent, source)), 1, 3, personal)
        entity: dict[str, Any] = {"name": name, "parent": parent, "source": source, "payload": payload}
        castable = sorted(c for c in b.staged(source) if TYPE_KINDS[b.type_of(source, c)] in ("time", "text"))
        effective_from = draw(st.sampled_from(castable)) if castable else ""
        if castable and draw(st.booleans()) and b.can_derive(source, f"{name}_effective_from", effective_from):
            entity["effective_from"] = effective_from
            b.derive(source, f"{name}_effective_from", effective_from)
        b.add("satellites", entity)
        sat_parents.setdefault(parent, []).append(name)
        sat_sources[name] = source

    for _ in range(draw(st.integers(0, 2))):
        parent = draw(st.sampled_from(parents))
        source = draw(st.sampled_from(b.parent_sources(parent)))
        keys = set(b.key_in(parent, source))
        child_key = b.pick_columns(source, keys, 1, 2)
        payload = b.pick_columns(source, keys | set(child_key), 1, 3, draw(st.integers(0, 4)) == 0)
        b.add("multi_active_satellites", {"name": b.name("satellite", "multi_active_satellites"), "parent": parent,
                                          "source": source, "payload": payload,
                                          "child_key": child_key[0] if len(child_key) == 1 else child_key})

    for link_name in draw(st.lists(st.sampled_from(sorted(b.links)), max_size=2)) if b.links else []:
        link = b.links[link_name]
        driving = draw(st.lists(st.sampled_from(link["hubs"]), min_size=1, max_size=len(link["hubs"]) - 1,
                                unique=True))
        entity = {"name": b.name("satellite", "effectivity_satellites"), "link": link_name,
                  "driving_key": driving[0] if len(driving) == 1 and draw(st.booleans()) else driving}
        end = "'!9999-12-31 00:00:00'"
        usable = [s for s in link["sources"] if b.can_derive(s, "start_date", "_load_ts")
                  and b.can_derive(s, "end_date", end)]
        if not usable:
            continue
        source = draw(st.sampled_from(usable))
        if len(link["sources"]) > 1 or draw(st.booleans()):
            entity["source"] = source
        b.derive(source, "start_date", "_load_ts")
        b.derive(source, "end_date", end)
        b.add("effectivity_satellites", entity)

    for parent in draw(st.lists(st.sampled_from(sorted(sat_parents)), max_size=2)) if sat_parents else []:
        trackable = [s for s in sat_parents[parent]
                     if b.can_derive(sat_sources[s], f"{s}_satellite_name", f"'!sat_{s}'")]
        if not trackable:
            continue
        tracked = draw(st.lists(st.sampled_from(trackable), min_size=1, unique=True))
        for sat in tracked:
            b.derive(sat_sources[sat], f"{sat}_satellite_name", f"'!sat_{sat}'")
        b.add("tracking_satellites", {"name": b.name("satellite", "tracking_satellites"), "parent": parent,
                                      "satellites": tracked})

    for _ in range(draw(st.integers(0, 2))):
        source = draw(st.sampled_from(source_names))
        key = b.pick_columns(source, set(), 1, 1)[0]
        b.add("reference_tables", {"name": b.name("reference", "reference_tables"), "source": source, "key": key,
                                   "payload": b.pick_columns(source, {key}, 1, 3)})

    for parent in draw(st.lists(st.sampled_from(sorted(sat_parents)), max_size=2)) if sat_parents else []:
        b.add("point_in_time_tables", {
            "name": b.name("pit", "point_in_time_tables"), "parent": parent,
            "satellites": draw(st.lists(st.sampled_from(sat_parents[parent]), min_size=1, unique=True)),
            "as_of": draw(st.sampled_from(["load_times", "day", "week", "month"]))})

    for hub in draw(st.lists(st.sampled_from(hub_names), max_size=2)):
        reached, path = {hub}, []
        for _ in range(draw(st.integers(1, 3))):
            joinable = sorted(n for n, link in b.links.items()
                              if n not in path and len(reached & set(link["hubs"])) == 1)
            if not joinable:
                break
            path.append(draw(st.sampled_from(joinable)))
            reached |= set(b.links[path[-1]]["hubs"])
        if path:
            b.add("bridges", {"name": b.name("bridge", "bridges"), "hub": hub, "links": path,
                              "as_of": draw(st.sampled_from(["load_times", "day", "week", "month"]))})

    for _ in range(draw(st.integers(0, 2))):
        columns = {b.name(f"computed_{len(b.entities.get('computed_satellites', []))}"): b.text()
                   for _ in range(draw(st.integers(1, 3)))}
        b.add("computed_satellites", {"name": b.name("satellite", "computed_satellites"),
                                      "parent": draw(st.sampled_from(parents)), "columns": columns})

    # The YAML entities of sources, hubs and links, now that every column is known.
    for name, src in b.sources.items():
        entity: dict[str, Any] = {"name": name, "file": draw(st.sampled_from([f"{name}.csv", f"Olist-{name}.v2.csv"])),
                                  "columns": src["columns"]}
        if draw(st.booleans()):
            entity["record_source"] = b.text()
        if src["lookups"]:
            entity["lookups"] = src["lookups"]
        if src["personal"]:
            entity["personal_data"] = {"columns": src["personal"],
                                       "retention": draw(st.sampled_from(["P5Y", "P1Y6M", "P30D", "P2W"]))}
        b.add("sources", entity)
    for name, hub in b.hubs.items():
        feeds = [{"source": s} if cols is None else {"source": s, "business_key": cols[0] if len(cols) == 1 else cols}
                 for s, cols in sorted(hub["feeds"].items())]
        b.add("hubs", {"name": name, "business_key": hub["key"][0] if len(hub["key"]) == 1 else hub["key"],
                       "sources": feeds})
    for name, link in b.links.items():
        entity = {"name": name, "hubs": link["hubs"], "sources": [{"source": s} for s in link["sources"]]}
        if link["dck"]:
            entity["dependent_child_key"] = link["dck"][0]
        b.add("links", entity)

    # Spread the entities over one to three files, any section in any file.
    file_names = draw(st.lists(st.sampled_from(["hubs.yml", "spec.yaml", "all in one.yml", "x'; drop.yml",
                                                "\u00fcber.yml", "sub/dir/more.yml", "new\nline.yml",
                                                "{{ x }}.yml", "--.yml"]), min_size=1, max_size=3, unique=True))
    documents: dict[str, dict[str, Any]] = {name: {} for name in file_names}
    for section in SECTIONS:
        for entity in b.entities.get(section, []):
            documents[draw(st.sampled_from(file_names))].setdefault(section, []).append(entity)
    if draw(st.booleans()):
        settings_ = draw(st.fixed_dictionaries({}, optional={"ghost_records": st.booleans(),
                                                            "hash": st.sampled_from(["MD5", "SHA"])}))
        documents[draw(st.sampled_from(file_names))]["settings"] = settings_
    flow = draw(st.booleans())
    return {name: yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, default_flow_style=flow) if doc
            else "# nothing here yet\nhubs: []\n" for name, doc in documents.items()}


@settings(max_examples=_examples(40), deadline=None)
@given(files=valid_specs())
def test_valid_specs_are_accepted_and_render_safely(files: dict[str, str]) -> None:
    result, _ = _load(files)
    _check_result(result, files)
    assert result.spec is not None, [str(p) for p in result.problems]
    for kind, entities in vars(result.spec).items():
        if isinstance(entities, tuple) and entities:
            event(f"has {kind}")
    _check_rendering(result.spec)


# -- what a rendering must satisfy ---------------------------------------------------------------------

JINJA_OPENERS = ("{{", "{%", "{#")
LITERAL = re.compile(r"'([^'\n]*)'|\"([^\"\n]*)\"")
# The derived columns dvkit writes as SQL expressions (the spec only ever names columns).
TYPED_CONSTANTS = {expression for _, expression in EFFECTIVITY_DATES if not expression.startswith("_")}
SAFE_LITERAL = re.compile(r"^[A-Za-z0-9_!:., +\-]*$")
LINE_BREAKS = ("\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")


def _check_rendering(spec: Spec) -> None:
    files = plan(spec)
    contents = [(f.path, content_of(f)) for f in files]
    assert contents == [(f.path, content_of(f)) for f in plan(spec)], "rendering is not deterministic"
    paths = [f.path for f in files]
    assert len(set(paths)) == len(paths), "two files at one path"
    for file, (_, content) in zip(files, contents, strict=True):
        header, _, body = content.partition("\n")
        assert body == file.body
        # The header is one comment line, whatever the spec file is called.
        assert header.startswith(("-- Generated by dvkit from ", "# Generated by dvkit from ")), header
        assert not any(ch in header for ch in LINE_BREAKS), repr(header)
        assert not any(d in header for d in JINJA_OPENERS), header  # dbt renders a model's comments too
        if file.path.endswith(".yml"):
            _dbt_yaml(content)
            # dbt renders Jinja in YAML (descriptions included): free text from the spec must not reach it.
            assert not any(d in body for d in JINJA_OPENERS), f"Jinja delimiter in {file.path}"
        else:
            _check_sql_text(file.path, body)
    _FakeDbt(spec, files).render_all()


JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.DOTALL)


def _check_sql_text(path: str, body: str) -> None:
    """Names reach the SQL only as safe words: no statement separator, no odd literal."""
    jinja2.Environment().parse(body)  # dbt's Jinja can read it
    body = JINJA_COMMENT.sub("", body)  # the templates' own comments are prose
    assert ";" not in body, path
    for line in body.splitlines():
        assert line.count("'") % 2 == 0 and line.count('"') % 2 == 0, f"unbalanced quotes in {path}: {line}"
    for match in LITERAL.finditer(body):
        literal = match.group(1) if match.group(1) is not None else match.group(2)
        assert SAFE_LITERAL.match(literal), f"{path}: literal {literal!r}"


class _FakeDbt:
    """Renders generated models with stand-ins for dbt and AutomateDV, checking every argument.

    The stand-ins accept only safe identifiers for names, check that each column a table macro
    reads is one its stage provides, and return plain SQL in place of the macros' SQL, so that the
    result (and the hand-written SQL of the templates) can be parsed by sqlglot.
    """

    def __init__(self, spec: Spec, files: list[Any]) -> None:
        self.spec = spec
        self.models = {Path(f.path).stem: f for f in files if f.path.endswith(".sql")}
        self.stage_columns: dict[str, dict[str, str]] = {}  # stage -> column -> kind of type
        self.raw_vault = _yaml_tables(files, "business_vault/models/sources/_raw_vault.yml", "sources")
        self.business = _yaml_tables(files, "business_vault/models/business_vault/_business_vault.yml", "models")
        self.current = ""
        self.env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False)

    # names

    @staticmethod
    def ident(value: Any) -> str:
        assert isinstance(value, str) and SAFE.match(value), f"not a safe identifier: {value!r}"
        assert len(value) <= PG_MAX_IDENTIFIER, f"longer than PostgreSQL's {PG_MAX_IDENTIFIER}: {value}"
        return value

    def idents(self, value: Any) -> list[str]:
        values = [value] if isinstance(value, str) else value
        assert isinstance(values, list) and values, f"expected names, got {value!r}"
        return [self.ident(v) for v in values]

    def stage_has(self, stage: str, *columns: str) -> None:
        assert stage in self.stage_columns, f"{self.current}: unknown stage {stage}"
        for column in columns:
            assert column in self.stage_columns[stage], f"{self.current}: {stage} has no column {column}"

    # dbt

    def context(self, incremental: bool) -> dict[str, Any]:
        def source(schema_name: str, table: str) -> str:
            if schema_name == "landing":  # a source, or the loader's batch log (status-tracking satellites)
                assert table in {s.name for s in self.spec.sources} | {"batches", "batch_files"}, table
            else:
                assert schema_name == "raw_vault" and table in self.raw_vault, f"{self.current}: {table}"
            return f'"{self.ident(schema_name)}"."{self.ident(table)}"'  # dbt quotes relations

        def ref(model: str) -> str:
            assert model in self.models, f"{self.current}: ref to unknown model {model}"
            return f'"business_vault"."{self.ident(model)}"'

        def var(name: str) -> str:
            raise AssertionError(f"{self.current}: unexpected var('{name}')")

        def env_var(name: str, default: str) -> str:
            assert name in ("DVKIT_BATCH_FROM", "DVKIT_BATCH_TO"), f"{self.current}: env_var('{name}')"
            return default

        namespace = _Namespace
        return {
            "config": lambda **_: "",
            "source": source,
            "ref": ref,
            "var": var,
            "env_var": env_var,
            "is_incremental": lambda: incremental,
            "this": f'"business_vault"."{self.current}"',
            "fromyaml": _fromyaml,
            "dvkit_ghost_key": lambda: "decode(repeat('0', 32), 'escape')",
            "dvkit_ghost_date": lambda: "cast('1900-01-01' as timestamp)",
            "dbt": namespace(
                dateadd=lambda part, n, expr: f"({expr} + ({n}) * interval '1 {self.ident(part)}')",
                date_trunc=lambda part, expr: f"date_trunc('{self.ident(part)}', {expr})"),
            "dvkit_status_tracking_sat": self.status_tracking_sat,
            "dvkit_first_per": self.first_per,
            "automate_dv": namespace(stage=self.stage, hub=self.hub, link=self.link, sat=self.sat,
                                     ma_sat=self.ma_sat, eff_sat=self.eff_sat, xts=self.xts,
                                     ref_table=self.ref_table),
        }

    def first_per(self, group_by: str, order_by: str, columns: str = "*", caller: Any = None) -> str:
        """``dvkit_first_per`` (dbt_vault/macros/staging/first_per.sql) as PostgreSQL's DISTINCT ON."""
        for name in group_by.split(","):
            self.ident(name.strip())
        return f"select distinct on ({group_by}) {columns} {caller()} order by {order_by}"

    def render_all(self) -> None:
        # Every (multi-active) satellite reads a view of its source's stage.
        sat_stages = {sat_stage(sat): sat for sat in (*self.spec.satellites, *self.spec.multi_active_satellites)}

        def rank(model: str) -> int:
            if model.startswith(("pending_", "resolved_")):
                return 0
            return 2 if model in sat_stages else 1 if model.startswith("stg_") else 3

        for model in sorted(self.models, key=lambda m: (rank(m), m)):
            self.current = model
            body = self.models[model].body
            for incremental in (False, True) if "is_incremental" in body else (False,):
                sql = self.env.from_string(body).render(self.context(incremental))
                # Hand-written SQL is checked against the tables' columns; the stand-ins' SQL is not.
                hand_written = model.startswith(("pending_", "resolved_", "pit_", "bridge_", "as_of_dates"))
                _parse(model, sql, self.schema() if hand_written else None)
            if model in sat_stages:
                self._register_sat_stage(model, sat_stages[model])

    def _register_sat_stage(self, model: str, sat: Satellite | MultiActiveSatellite) -> None:
        stage = f"stg_{sat.source}"
        child_key = sat.child_key if isinstance(sat, MultiActiveSatellite) else ()
        eff = effective_from_column(sat) if isinstance(sat, Satellite) else "effective_from"
        kept = [self.spec.parent_of(sat).key, *child_key, sat.hashdiff, *sat.stored_payload, "load_datetime",
                "record_source"]
        self.stage_has(stage, *kept, eff)
        columns = self.stage_columns[stage]
        self.stage_columns[model] = {**{c: columns[c] for c in kept}, "effective_from": columns[eff]}

    def schema(self) -> dict[str, Any]:
        landing = {s.name: {c: "text" for c in (*s.column_names, *LANDING_COLUMNS)} for s in self.spec.sources}
        return {"landing": landing,
                "raw_vault": {t: {c: "text" for c in cols} for t, cols in self.raw_vault.items()},
                "business_vault": {t: {c: "text" for c in cols} for t, cols in self.business.items()}}

    # AutomateDV

    def stage(self, include_source_columns: bool, source_model: Any, derived_columns: Any, hashed_columns: Any,
              null_columns: Any, ranked_columns: Any) -> str:
        assert include_source_columns is True and null_columns is None and ranked_columns is None
        pending = self.ident(source_model)
        # A source's stage reads its pending view; the stage of its rows resolved later, their view.
        of = pending.removeprefix("resolved_")
        resolved = pending.startswith("resolved_") and self.current == f"stg_{of}_resolved"
        assert resolved or pending == f"pending_{self.current.removeprefix('stg_')}", (pending, self.current)
        source = self.spec.source(pending.removeprefix("resolved_" if resolved else "pending_"))
        columns = [*source.staged_columns(), *LANDING_COLUMNS]
        assert len(set(columns)) == len(columns), f"{pending} has a column twice: {columns}"
        kinds = {c: TYPE_KINDS[t] for c, t in source.columns}
        for lookup in source.lookups:
            kinds.update({c: TYPE_KINDS[t] for c, t in self.spec.source(lookup.source).columns if c in lookup.columns})
        kinds.update({"_batch_id": "number", "_load_ts": "time", "_record_source": "text", "_source_file": "text",
                      "_source_line": "number"})
        select = list(columns)
        added: list[str] = []
        identities = {name for name, value in derived_columns.items() if name == value}
        assert isinstance(derived_columns, dict), derived_columns
        for name, value in derived_columns.items():
            added.append(self.ident(name))
            assert isinstance(value, str), f"{self.current}: derived {name} is {value!r}"
            if value.startswith("!"):
                assert SAFE_LITERAL.match(value[1:])
                select.append(f"'{value[1:]}' as {name}")
                kinds[name] = "text"
            elif value in TYPED_CONSTANTS:  # dvkit's own expressions, never text from the spec
                select.append(f"{value} as {name}")
                kinds[name] = "time"
            else:
                assert self.ident(value) in columns, f"{self.current}: derived {name} reads unknown {value}"
                if name != value:
                    select.append(f"{value} as {name}")
                kinds[name] = kinds[value]
        for name, value in (hashed_columns or {}).items():
            added.append(self.ident(name))
            if isinstance(value, dict):
                assert value.get("is_hashdiff") is True and set(value) == {"is_hashdiff", "columns"}, value
                value = value["columns"]
            hashed = self.idents(value)
            for column in hashed:
                assert column in columns or column in derived_columns, f"{self.current}: hashes unknown {column}"
            select.append(f"decode(md5(concat_ws('||', {', '.join(hashed)})), 'hex') as {name}")
            kinds[name] = "bytea"
        assert len(set(added)) == len(added), f"{self.current}: a derived or hashed column twice: {added}"
        clash = sorted(set(added) & set(columns) - identities)
        assert not clash, f"{self.current}: derived or hashed columns replace source columns {clash}"
        self.stage_columns[self.current] = {c: kinds[c] for c in columns + added}
        return f"select {', '.join(select)} from {pending}"

    def _union(self, stages: Any, columns: list[str]) -> str:
        branches = []
        for stage in self.idents(stages):
            self.stage_has(stage, *columns)
            branches.append(f"select {', '.join(columns)} from staging.{stage}")
        for column in columns:  # PostgreSQL unions one kind of type per column
            kinds = {self.stage_columns[stage][column] for stage in self.idents(stages)}
            assert len(kinds) == 1, f"{self.current}: {column} is {sorted(kinds)} across {stages}"
        return f"select distinct * from ({' union all '.join(branches)}) as staged"

    def hub(self, src_pk: Any, src_nk: Any, src_ldts: Any, src_source: Any, source_model: Any) -> str:
        return self._union(source_model, [self.ident(src_pk), *self.idents(src_nk), self.ident(src_ldts),
                                          self.ident(src_source)])

    def link(self, src_pk: Any, src_fk: Any, src_ldts: Any, src_source: Any, source_model: Any,
             src_extra_columns: Any = None) -> str:
        extra = self.idents(src_extra_columns) if src_extra_columns is not None else []
        fks = self.idents(src_fk)
        assert len(fks) >= 2 and len(set(fks)) == len(fks), fks
        return self._union(source_model, [self.ident(src_pk), *fks, *extra, self.ident(src_ldts),
                                          self.ident(src_source)])

    def _eff(self, src_eff: Any, stage: Any) -> str:
        """The effective-from column, which the table casts to a timestamp."""
        if isinstance(src_eff, dict):
            assert set(src_eff) == {"source_column", "alias"}, src_eff
            column = self.ident(src_eff["source_column"])
            self.ident(src_eff["alias"])
        else:
            column = self.ident(src_eff)
        for name in self.idents(stage):
            self.stage_has(name, column)
            kind = self.stage_columns[name][column]
            assert kind in ("time", "text"), f"{self.current}: effective from {column} is a {kind}"
        return column

    def sat(self, src_pk: Any, src_hashdiff: Any, src_payload: Any, src_eff: Any, src_ldts: Any, src_source: Any,
            source_model: Any) -> str:
        self._eff(src_eff, source_model)
        return self._union(source_model, [self.ident(src_pk), self.ident(src_hashdiff), *self.idents(src_payload),
                                          self.ident(src_ldts), self.ident(src_source)])

    def ma_sat(self, src_pk: Any, src_cdk: Any, src_hashdiff: Any, src_payload: Any, src_eff: Any, src_ldts: Any,
               src_source: Any, source_model: Any) -> str:
        return self._union(source_model, [self.ident(src_pk), *self.idents(src_cdk), self.ident(src_hashdiff),
                                          *self.idents(src_payload), self._eff(src_eff, source_model),
                                          self.ident(src_ldts),
                                          self.ident(src_source)])

    def eff_sat(self, src_pk: Any, src_dfk: Any, src_sfk: Any, src_start_date: Any, src_end_date: Any, src_eff: Any,
                src_ldts: Any, src_source: Any, source_model: Any) -> str:
        return self._union(source_model, [self.ident(src_pk), *self.idents(src_dfk), *self.idents(src_sfk),
                                          self.ident(src_start_date), self.ident(src_end_date),
                                          self._eff(src_eff, source_model),
                                          self.ident(src_ldts), self.ident(src_source)])

    def xts(self, src_pk: Any, src_satellite: Any, src_ldts: Any, src_source: Any, source_model: Any) -> str:
        stages = self.idents(source_model)
        assert isinstance(src_satellite, dict) and src_satellite, src_satellite
        branches = []
        for satellite, columns in src_satellite.items():
            self.ident(satellite)
            name = self.ident(columns["sat_name"]["satellite_name"])
            hashdiff = self.ident(columns["hashdiff"]["hashdiff"])
            carrying = [s for s in stages if {name, hashdiff} <= set(self.stage_columns.get(s, ()))]
            assert carrying, f"{self.current}: no stage has {name} and {hashdiff}"
            branches += [f"select {self.ident(src_pk)}, {hashdiff} as hashdiff, {name} as satellite_name, "
                         f"{self.ident(src_ldts)}, {self.ident(src_source)} from staging.{s}" for s in carrying]
        return " union all ".join(branches)

    def status_tracking_sat(self, src_pk: Any, source_model: Any, source_name: Any, record_source: Any,
                            delete_flag: Any) -> str:
        """dvkit's own macro (dbt_vault/macros/tables/): its stage has the key, the batch and the flag."""
        stage = self.ident(source_model)
        assert source_name in {s.name for s in self.spec.sources}, f"{self.current}: source {source_name!r}"
        assert isinstance(record_source, str), record_source
        flag = [self.ident(delete_flag)] if delete_flag is not None else []
        self.stage_has(stage, self.ident(src_pk), "_batch_id", "_source_line", "load_datetime", *flag)
        return f"select {src_pk}, 'present' as status, load_datetime, 'x' as record_source from staging.{stage}"

    def ref_table(self, src_pk: Any, src_extra_columns: Any, src_ldts: Any, src_source: Any, source_model: Any) -> str:
        return self._union(source_model, [self.ident(src_pk), *self.idents(src_extra_columns), self.ident(src_ldts),
                                          self.ident(src_source)])


class _Namespace:
    def __init__(self, **members: Callable[..., str]) -> None:
        self.__dict__.update(members)


def _yaml_tables(files: list[Any], path: str, kind: str) -> dict[str, list[str]]:
    """Table -> columns, from a generated dbt YAML file (sources or models)."""
    body = next((f.body for f in files if f.path == path), None)
    if body is None:
        return {}
    document = _dbt_yaml(body)
    tables = document["sources"][0]["tables"] if kind == "sources" else document["models"]
    return {t["name"]: [c["name"] for c in t.get("columns", [])] for t in tables}


def _parse(model: str, sql: str, schema: dict[str, Any] | None) -> None:
    """One PostgreSQL statement, with distinct CTE names; with a schema, every column resolves."""
    try:
        statements = sqlglot.parse(sql, read="postgres")
    except sqlglot.errors.SqlglotError as exc:
        raise AssertionError(f"{model} does not parse: {exc}\n{sql}") from None
    assert len(statements) == 1 and statements[0] is not None, f"{model}: {len(statements)} statements"
    tree = statements[0]
    ctes = [cte.alias for cte in tree.find_all(exp.CTE)]
    assert len(set(ctes)) == len(ctes), f"{model}: a CTE name twice: {ctes}\n{sql}"
    for select in tree.find_all(exp.Select):  # a name twice in one select list is ambiguous, or fails a view
        names = [e.alias_or_name for e in select.expressions if not isinstance(e, exp.Star) and e.alias_or_name]
        assert len(set(names)) == len(names), f"{model}: a column twice in {names}\n{sql}"
    if schema is not None:
        from sqlglot.optimizer.qualify import qualify

        try:
            qualify(tree.copy(), schema=schema, dialect="postgres", validate_qualify_columns=True)
        except sqlglot.errors.SqlglotError as exc:
            raise AssertionError(f"{model}: {exc}\n{sql}") from None


# -- 3. compiled by dbt itself -------------------------------------------------------------------------

@pytest.mark.dbt
@pytest.mark.db
# Each example runs dbt twice or three times (seconds each): no shrinking, which would take many minutes;
# the failing spec is printed as drawn.
@settings(max_examples=_examples(10), deadline=None, phases=(Phase.explicit, Phase.reuse, Phase.generate))
@given(files=valid_specs())
def test_valid_specs_compile_with_dbt_into_sql_sqlglot_parses(pg_server: Any, files: dict[str, str]) -> None:
    from generator.build import BUSINESS_PROJECT, resolve_automate_dv, run_dbt
    from generator.db import Database, ensure_database
    from generator.load.landing import ensure_landing

    from ..integration.project import make_project

    name = f"p_{uuid.uuid4().hex[:12]}"
    ensure_database(pg_server, name)
    db = Database(**{**pg_server.__dict__, "dbname": name})
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        timed = any(k in text for text in files.values() for k in ("point_in_time_tables", "bridges"))
        # make_project writes flat file names (and dedents, which leaves safe_dump's output as it is).
        root, spec = make_project(root, {f"spec_{i}.yml": text for i, text in enumerate(files.values())},
                                  business_vault="generated" if timed else "none")
        with db.connect() as conn:
            ensure_landing(conn, spec)
            conn.commit()
        resolve_automate_dv(root, "builtin")
        # Compiling alone would not see the stages' columns (AutomateDV reads them from the database):
        # run every model on the empty landing tables, which compiles each one against what exists,
        # and PostgreSQL checks the SQL on the way.
        outcome = run_dbt(root, db, ["run"])
        assert outcome.success, outcome.failures
        compiled = sorted((root / "dbt_vault" / "target" / "compiled").rglob("*.sql"))
        if timed:
            outcome = run_dbt(root, db, ["run"], None, None, BUSINESS_PROJECT)
            assert outcome.success, outcome.failures
            compiled += sorted((root / BUSINESS_PROJECT / "target" / "compiled").rglob("*.sql"))
        models = [p for p in compiled if "/models/" in p.as_posix()]
        assert len(models) >= len([m for m in plan(spec) if m.path.endswith(".sql")])
        for path in models:
            _parse(path.stem, path.read_text(encoding="utf-8"), None)


def test_satellites_whose_names_extend_each_other_get_ctes_of_their_own(tmp_path: Path) -> None:
    """Satellites ``a`` and ``a_as_of`` in one PIT: the as-of CTE of one is not the other's rows."""
    folder = tmp_path / "vault_spec"
    folder.mkdir()
    (folder / "vault.yml").write_text(
        "sources:\n  - name: s\n    file: s.csv\n    columns: {k: text, p: text, q: text}\n"
        "hubs:\n  - name: h\n    business_key: k\n    sources: [{source: s}]\n"
        "satellites:\n"
        "  - {name: a, parent: h, source: s, payload: [p]}\n"
        "  - {name: a_as_of, parent: h, source: s, payload: [q]}\n"
        "point_in_time_tables:\n  - {name: h, parent: h, satellites: [a, a_as_of], as_of: day}\n", encoding="utf-8")
    result = load_spec(folder, tmp_path)
    assert result.spec is not None, [str(p) for p in result.problems]
    _check_rendering(result.spec)
