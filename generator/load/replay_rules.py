"""The rules that turn one snapshot into a replay: when each row appears, which fields show when.

A snapshot (one extract of every file, taken once) still tells how its rows arrived, through their
timestamps. ``dvkit load --replay`` replays it as one batch per period; the rules, kept in the
project's ``replay_rules.yml`` beside ``vault_spec/``, say how to read those timestamps. They are
data, not code: a modeler with other snapshot files writes rules for them, and the same replay
(``generator.load.replay_plan``) plays them.

The format
==========

.. code-block:: yaml

    name: Olist                        # whose files: named in messages
    required: olist_orders_dataset.csv # a folder without this file is refused
    files:                             # one entry per file; this order is the extracts' order
      olist_orders_dataset.csv:
        appears_at: order_purchase_timestamp       # the row appears at this instant
        shown_from:                                # each column is empty until its own instant
          [order_approved_at, order_delivered_carrier_date, order_delivered_customer_date]
        status:                                    # optional: a column implied by the timestamps
          column: order_status
          implied:                                 # first visible timestamp wins
            - [order_delivered_customer_date, delivered]
            - [order_delivered_carrier_date, shipped]
            - [order_approved_at, approved]
          otherwise: created
        publishes: [order_id, customer_id]         # keys other files can appear with
      olist_customers_dataset.csv:
        appears_with: customer_id                  # appears when a row publishing the key does
      product_category_name_translation.csv: reference   # delivered whole in the first batch

Each file is one of three kinds:

- ``appears_at: COLUMN``: a row appears at that column's instant (``YYYY-MM-DD HH:MM:SS``, or a date
  meaning its midnight). If that field is empty or unparseable, at the earliest parseable
  ``shown_from`` instant; with none at all, in the first batch, as it is. Each ``shown_from``
  column shows empty until its own instant (one earlier than the appearance shows from the
  appearance on). With ``status``, until the row's last timestamp the status column shows the value
  paired with the first of ``implied`` whose timestamp is visible (else ``otherwise``); from the last
  timestamp on, the snapshot's own value.
- ``appears_with: KEY``: a row appears when the key in its column ``KEY`` is first held by a row
  of a file that ``publishes`` it (the same column name there); a row whose key no such row holds
  appears in the last period of the data. It never changes.
- ``reference``: every row is delivered in the first batch (and in every full batch).

A file with ``appears_at`` or ``appears_with`` may add ``publishes: [KEY, ...]``: its column KEY
then makes rows of other files appear with its own rows. Files the rules do not name are not
replayed. Every problem in the file is reported with its line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.errors import DvkitError
from generator.spec.yaml_lines import LineDict, LineList, SpecSyntaxError, load_text

RULES_FILE = "replay_rules.yml"
KINDS = ("appears_at", "appears_with", "reference")
FILE_KEYS = {"appears_at", "appears_with", "shown_from", "status", "publishes"}
STATUS_KEYS = {"column", "implied", "otherwise"}


@dataclass(frozen=True)
class StatusRule:
    """A column whose value the visible timestamps imply until the row's last timestamp."""

    column: str
    implied: tuple[tuple[str, str], ...]  # (timestamp column, value), first visible one wins
    otherwise: str


@dataclass(frozen=True)
class FileRule:
    """How the rows of one file appear and change."""

    file: str
    appears_at: str | None = None
    appears_with: str | None = None
    shown_from: tuple[str, ...] = ()
    status: StatusRule | None = None
    publishes: tuple[str, ...] = ()

    @property
    def reference(self) -> bool:
        return self.appears_at is None and self.appears_with is None


@dataclass(frozen=True)
class ReplayRules:
    """The rules of one kind of snapshot; ``origin`` says where they were read."""

    name: str
    required: str
    files: tuple[FileRule, ...]
    origin: str = "replay rules"

    def file(self, name: str) -> FileRule:
        return next(rule for rule in self.files if rule.file == name)

    def derivation_order(self) -> list[FileRule]:
        """The files, each after every file publishing the key it appears with (stable otherwise).

        >>> rules = parse_rules({"name": "n", "required": "b", "files": {
        ...     "a": {"appears_with": "k"}, "b": {"appears_at": "t", "publishes": ["k"]}}}, "r.yml")
        >>> [rule.file for rule in rules.derivation_order()]
        ['b', 'a']
        """
        done: list[FileRule] = []
        waiting = list(self.files)
        while waiting:
            published = {key for rule in done for key in rule.publishes}
            ready = next((rule for rule in waiting if rule.appears_with is None or (
                rule.appears_with in published
                and not any(rule.appears_with in other.publishes for other in waiting if other is not rule))), None)
            if ready is None:  # rules made in code, not read by parse_rules, may loop
                raise DvkitError(f"{self.origin}: {', '.join(rule.file for rule in waiting)} appear only with "
                                 "each other's keys", hint="let one of those files appear_at a timestamp")
            done.append(ready)
            waiting.remove(ready)
        return done


def read_rules(path: Path) -> ReplayRules:
    """The rules in ``path``; DvkitError naming the file, line and fix for each problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DvkitError(f"no replay rules: {path} does not exist",
                         hint=f"write the rules of your snapshot in {RULES_FILE} beside vault_spec/ "
                              "(the format: generator/load/replay_rules.py)") from None
    try:
        document = load_text(text, path.name)
    except SpecSyntaxError as exc:
        raise DvkitError(str(exc.problems[0]), hint="fix the YAML of the replay rules") from None
    return parse_rules(document, path.name)


def parse_rules(document: Any, origin: str) -> ReplayRules:
    """Rules from a parsed document (plain dicts and lists, or the line-aware ones of yaml_lines).

    >>> parse_rules({"name": "n", "required": "x", "files": {"x": "sometimes"}}, "r.yml")
    Traceback (most recent call last):
    ...
    generator.errors.DvkitError: r.yml:1: files.x: 'sometimes' is not a rule
      hint: write reference, or a mapping with appears_at or appears_with
    """
    top = _mapping(document, origin, "the rules", {"name", "required", "files"})
    name = _text(top, "name", origin, "the rules")
    required = _text(top, "required", origin, "the rules")
    files_doc = _mapping(top.get("files"), origin, "files", None, _line(top, "files"))
    rules = tuple(_file_rule(file, files_doc[file], origin, _line(files_doc, file)) for file in files_doc)
    if required not in files_doc:
        raise _problem(origin, _line(top, "required"), f"required: '{required}' is not one of the files",
                       "name a file listed under files")
    published = {key: rule.file for rule in rules for key in rule.publishes}
    for rule in rules:
        if rule.appears_with is not None and rule.appears_with not in published:
            raise _problem(origin, _line(files_doc[rule.file], "appears_with"),
                           f"files.{rule.file}.appears_with: no file publishes '{rule.appears_with}'",
                           f"add publishes: [{rule.appears_with}] to the file whose rows bring it")
    _check_cycles(rules, origin, files_doc)
    return ReplayRules(str(name), str(required), rules, origin)


def _file_rule(file: str, entry: Any, origin: str, line: int) -> FileRule:
    where = f"files.{file}"
    if entry == "reference":
        return FileRule(str(file))
    if not isinstance(entry, dict):
        raise _problem(origin, line, f"{where}: '{entry}' is not a rule",
                       "write reference, or a mapping with appears_at or appears_with")
    entry = _mapping(entry, origin, where, FILE_KEYS, line)
    kinds = [kind for kind in ("appears_at", "appears_with") if kind in entry]
    if len(kinds) != 1:
        raise _problem(origin, line, f"{where}: give exactly one of appears_at and appears_with",
                       "appears_at: a timestamp column; appears_with: a key another file publishes")
    shown = _names(entry, "shown_from", origin, where)
    status = _status(entry, origin, where) if "status" in entry else None
    if entry.get("appears_with") is not None and (shown or status):
        raise _problem(origin, line, f"{where}: shown_from and status go with appears_at",
                       "a row that appears with a key never changes")
    timed = {entry.get("appears_at"), *shown}
    if status is not None:
        for column, _ in status.implied:
            if column not in timed:
                raise _problem(origin, _line(entry, "status"), f"{where}.status: '{column}' is not a timestamp "
                               "of the rule", "name appears_at or a shown_from column")
    return FileRule(str(file), appears_at=_optional_text(entry, "appears_at", origin, where),
                    appears_with=_optional_text(entry, "appears_with", origin, where), shown_from=shown,
                    status=status, publishes=_names(entry, "publishes", origin, where))


def _status(entry: Any, origin: str, where: str) -> StatusRule:
    line = _line(entry, "status")
    status = _mapping(entry["status"], origin, f"{where}.status", STATUS_KEYS, line)
    implied = status.get("implied") or []
    pairs = []
    for index, pair in enumerate(implied if isinstance(implied, list) else [implied]):
        if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(v, str) and v for v in pair)):
            raise _problem(origin, _item_line(implied, index, line), f"{where}.status.implied: {pair!r} is not "
                           "[timestamp column, value]", "e.g. [order_approved_at, approved]")
        pairs.append((pair[0], pair[1]))
    return StatusRule(_text(status, "column", origin, f"{where}.status"), tuple(pairs),
                      _text(status, "otherwise", origin, f"{where}.status"))


def _check_cycles(rules: tuple[FileRule, ...], origin: str, files_doc: Any) -> None:
    """A file may not appear, through keys, with itself: its rows would never appear."""
    publishers = {key: [r.file for r in rules if key in r.publishes] for rule in rules for key in rule.publishes}
    by_file = {rule.file: rule for rule in rules}

    def reaches(file: str, target: str, seen: set[str]) -> bool:
        rule = by_file[file]
        if rule.appears_with is None:
            return False
        for parent in publishers.get(rule.appears_with, []):
            if parent == target or (parent not in seen and reaches(parent, target, seen | {parent})):
                return True
        return False

    for rule in rules:
        if reaches(rule.file, rule.file, {rule.file}):
            raise _problem(origin, _line(files_doc, rule.file), f"files.{rule.file}: appears with a key "
                           "that only rows appearing with it publish", "let one of those files appear_at a timestamp")


def _mapping(value: Any, origin: str, where: str, allowed: set[str] | None, line: int = 1) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _problem(origin, getattr(value, "line", line), f"{where}: expected a mapping, got {value!r}",
                       "see the format in generator/load/replay_rules.py")
    if allowed is not None:
        unknown = sorted(str(key) for key in value if key not in allowed)
        if unknown:
            raise _problem(origin, _line(value, unknown[0]), f"{where}: unknown key '{unknown[0]}'",
                           f"the keys are: {', '.join(sorted(allowed))}")
    return value


def _text(mapping: Any, key: str, origin: str, where: str) -> str:
    value = mapping.get(key)
    if not isinstance(value, str) or not value:
        raise _problem(origin, _line(mapping, key), f"{where}: {key} must be a name, got {value!r}",
                       f"give {key}: NAME")
    return value


def _optional_text(mapping: Any, key: str, origin: str, where: str) -> str | None:
    return _text(mapping, key, origin, where) if key in mapping else None


def _names(mapping: Any, key: str, origin: str, where: str) -> tuple[str, ...]:
    value = mapping.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise _problem(origin, _line(mapping, key), f"{where}.{key}: expected a list of column names, got {value!r}",
                       f"e.g. {key}: [a_column, another]")
    return tuple(value)


def _line(mapping: Any, key: str) -> int:
    return mapping.line_of(key) if isinstance(mapping, LineDict) else getattr(mapping, "line", 1)


def _item_line(items: Any, index: int, default: int) -> int:
    return items.line_of(index) if isinstance(items, LineList) else default


def _problem(origin: str, line: int, message: str, hint: str) -> DvkitError:
    return DvkitError(f"{origin}:{line}: {message}", hint=hint)
