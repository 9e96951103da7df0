"""YAML loading that remembers where every value came from.

Validation messages must say ``file:line``, so the spec is read into plain dicts and lists that also
carry the line of each key and item (PyYAML's ``safe_load`` forgets them). Duplicate keys, which
PyYAML silently overwrites, are reported instead.

>>> doc = load_text("hubs:\\n  - name: order\\n", "hubs.yml")
>>> doc["hubs"][0]["name"], doc["hubs"][0].line_of("name")
('order', 2)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml


@dataclass(frozen=True)
class Problem:
    """One finding about the spec, with where it is and how to fix it."""

    path: str
    line: int
    message: str
    hint: str | None = None

    def __str__(self) -> str:
        text = f"{self.path}:{self.line}: {self.message}"
        return f"{text} (hint: {self.hint})" if self.hint else text


class LineDict(dict):  # type: ignore[type-arg]
    """A mapping that knows its own line and the line of each key."""

    def __init__(self, line: int, path: str) -> None:
        super().__init__()
        self.line = line
        self.path = path
        self.key_lines: dict[str, int] = {}

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class LineList(list):  # type: ignore[type-arg]
    """A sequence that knows its own line and the line of each item."""

    def __init__(self, line: int, path: str) -> None:
        super().__init__()
        self.line = line
        self.path = path
        self.item_lines: list[int] = []

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if index < len(self.item_lines) else self.line


class SpecSyntaxError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


# A spec has a few thousand values; aliases can multiply a small file's values far beyond any use
# (a "billion laughs"), so conversion stops there instead of running out of time and memory.
MAX_VALUES = 250_000


class _TooLarge(Exception):
    pass


class _State:
    """Conversion bookkeeping: values made so far, and the collections being converted (for recursion)."""

    def __init__(self) -> None:
        self.count = 0
        self.open: set[int] = set()


# libyaml's parser when PyYAML was built with it (about five times faster on a large spec); the
# nodes, their line marks and the errors are the same as the pure-Python parser's.
_COMPOSER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _compose(text: str) -> yaml.Node | None:
    """The document's node tree; on bad YAML, the pure-Python parser's error, whose wording is
    clearer ("expected ',' or ']', but got '<stream end>'" where libyaml says "did not find
    expected ',' or ']'")."""
    try:
        return yaml.compose(text, Loader=_COMPOSER)
    except yaml.YAMLError as exc:
        if "nesting depth" in str(getattr(exc, "problem", "")):  # libyaml's limit; Python would recurse
            raise RecursionError from None
        return yaml.compose(text, Loader=yaml.SafeLoader)


def load_text(text: str, path: str) -> Any:
    """Parse one YAML document into LineDict/LineList/scalars; raise SpecSyntaxError on bad YAML."""
    try:
        node = _compose(text)
    except yaml.MarkedYAMLError as exc:
        raise SpecSyntaxError([_syntax_problem(exc, text, path)]) from None
    except yaml.YAMLError as exc:
        raise SpecSyntaxError([Problem(path, 1, f"invalid YAML: {exc}")]) from None
    except RecursionError:
        raise SpecSyntaxError([_too_deep(path)]) from None
    if node is None:
        return None
    problems: list[Problem] = []
    try:
        value = _convert(node, path, problems, _State())
    except RecursionError:
        raise SpecSyntaxError([_too_deep(path)]) from None
    except _TooLarge:
        raise SpecSyntaxError([Problem(path, 1, f"the file holds more than {MAX_VALUES} values once its aliases "
                                       "are expanded", "write the values out instead of nesting aliases")]) from None
    if problems:
        raise SpecSyntaxError(problems)
    return value


def _syntax_problem(exc: yaml.MarkedYAMLError, text: str, path: str) -> Problem:
    """Bad YAML as the modeler's mistake: the line to change and how, where the parser's words allow.

    The parser says what it expected where it gave up, which for an unclosed bracket or quote is
    further down the file (often its end); the mistake is where the bracket or quote opened.
    """
    problem = str(exc.problem or exc)
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else 1
    context, opened = exc.context or "", exc.context_mark
    if opened is not None and context.startswith("while parsing a flow"):
        opener, closer = ("[", "]") if "sequence" in context else ("{", "}")
        return Problem(path, opened.line + 1, f"invalid YAML: the '{opener}' in column {opened.column + 1} is "
                       f"not closed ({problem} at line {line})",
                       f"close it with '{closer}', separating the items with commas")
    if opened is not None and context.startswith("while scanning a quoted scalar"):
        return Problem(path, opened.line + 1, f"invalid YAML: the quote in column {opened.column + 1} is not "
                       f"closed ({problem} at line {line})", "end the value with the same quote")
    lines = text.splitlines()
    here = lines[line - 1] if mark and line <= len(lines) else ""
    before = here[: mark.column] if mark else ""
    if "'\\t'" in problem:
        hint = "indent with spaces: YAML does not allow tabs"
    elif problem.endswith(("found ']'", "found '}'")):
        hint = f"remove the unmatched '{problem[-2]}'"
    elif "mapping values are not allowed" in problem and ": " in before:
        hint = "quote a value that contains ': '"
    else:
        hint = _indent_hint(lines, line) or "check indentation and quoting"
    return Problem(path, line, f"invalid YAML: {problem}", hint)


def _indent_hint(lines: list[str], line: int) -> str | None:
    """How ``line`` is indented next to the line above it, when the two differ (a misaligned key)."""

    def column(text: str) -> int:  # where the line starts, or its key after the dashes of list items
        stripped = text.lstrip(" ")
        while stripped.startswith("- ") and ":" in stripped:
            stripped = stripped[2:].lstrip(" ")
        return len(text) - len(stripped) + 1

    if line > len(lines):
        return None
    above = next((n for n in range(line - 1, 0, -1)
                  if lines[n - 1].strip() and not lines[n - 1].lstrip().startswith("#")), None)
    if above is None or column(lines[line - 1]) == column(lines[above - 1]):
        return None
    return (f"line {line} starts in column {column(lines[line - 1])} and line {above} in column "
            f"{column(lines[above - 1])}: the keys of one entry start in the same column, a nested value "
            "further right")


def _too_deep(path: str) -> Problem:
    return Problem(path, 1, "invalid YAML: lists or mappings nested too deeply", "a spec is a few levels deep")


def _convert(node: yaml.Node, path: str, problems: list[Problem], state: _State) -> Any:
    line = node.start_mark.line + 1
    state.count += 1
    if state.count > MAX_VALUES:
        raise _TooLarge
    if not isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
        return _scalar(node, path, problems)
    if id(node) in state.open:  # an alias inside the value it names
        problems.append(Problem(path, line, "an alias refers to a value that contains it",
                                "YAML aliases in a spec must not be recursive"))
        return None
    state.open.add(id(node))
    try:
        if isinstance(node, yaml.MappingNode):
            result = LineDict(line, path)
            for key_node, value_node in node.value:
                # Keys keep their text: YAML 1.1 would read a key `on` or `yes` as a boolean.
                key = (str(key_node.value) if isinstance(key_node, yaml.ScalarNode)
                       else str(_scalar(key_node, path, problems)))
                key_line = key_node.start_mark.line + 1
                if key in result:
                    problems.append(
                        Problem(path, key_line, f"duplicate key '{key}' (first at line {result.key_lines[key]})",
                                "keep one of them")
                    )
                    continue
                result[key] = _convert(value_node, path, problems, state)
                result.key_lines[key] = key_line
            return result
        items = LineList(line, path)
        for item in node.value:
            items.append(_convert(item, path, problems, state))
            items.item_lines.append(item.start_mark.line + 1)
        return items
    finally:
        state.open.discard(id(node))


def _scalar(node: yaml.Node, path: str, problems: list[Problem]) -> Any:
    # Resolve the scalar with the safe loader's own rules (so `true`, `12` and `null` keep their types).
    # The constructor raises whatever its conversion raises (ValueError for `2020-13-45`, a date by its
    # looks; IndexError for an empty `!!int`; KeyError for `!!bool x`; ConstructorError for `!foo`...):
    # any of them is a problem of the file, not of dvkit.
    try:
        return _CONSTRUCTOR.construct_object(node)  # type: ignore[arg-type]
    except Exception as exc:  # noqa: BLE001 - see above
        kind = str(node.tag).removeprefix("tag:yaml.org,2002:")
        if isinstance(exc, yaml.MarkedYAMLError) and exc.problem:
            reason = exc.problem
        elif isinstance(exc, ValueError) and str(exc):
            reason = str(exc)
        else:
            reason = f"not a valid {kind}"
        shown = str(node.value) if isinstance(node, yaml.ScalarNode) else "the value"
        shown = repr(shown if len(shown) <= 40 else shown[:37] + "...")
        problems.append(Problem(path, node.start_mark.line + 1, f"cannot read {shown} as {kind}: {reason}",
                                "quote the value to keep it as text"))
        return None
    finally:
        # The constructor remembers every node it made; forget them (memory, and a failed node's state).
        _CONSTRUCTOR.constructed_objects.clear()
        _CONSTRUCTOR.recursive_objects.clear()
        _CONSTRUCTOR.state_generators.clear()


_CONSTRUCTOR = yaml.SafeLoader("")
