"""Replay one snapshot as a series of period extracts, so the vault gets real history.

A source system often hands over a single snapshot, but its timestamps tell how each row arrived
and changed. :func:`plan_replay` reads the snapshot folder once and yields one :class:`ReplayBatch`
per period (day, week or month): the rows of every file as they stood at the period end E, which
becomes the batch's load time. Which timestamp makes a row appear and which fields show when is
data: the :class:`~generator.load.replay_rules.ReplayRules` of the snapshot (their format is in
``generator/load/replay_rules.py``; the Olist example's are in the project's ``replay_rules.yml``).
Nothing here touches a database; the loader COPYs each extract, keeping file name and line.

Periods: a day ends at 23:59:59; a week is the ISO week (Monday to Sunday) and ends on Sunday at
23:59:59; a month ends on its last day at 23:59:59. The default range runs from the period holding
the earliest timing timestamp of the data to the period holding the latest one, so the last batch
shows everything; ``start``/``end`` choose the first/last period (the periods holding those dates).
Periods in which nothing is delivered produce no batch, but the first batch of a range always
exists.

Whatever the rules:

- **rows without timing**: a row whose timestamps are all empty or unparseable is delivered in the
  first batch, as it is (never dropped). An unparseable timestamp is shown as it is and plays no
  part in the timing.
- **rows never referenced** (a row appearing with a key that no row publishes) appear in the batch
  of the last period of the data, the last batch of the default range: nothing is lost.
- **changes** (``full=False``, the default): a batch holds only the rows that are new or whose
  derived fields changed since the previous period end; the first batch of a range holds
  everything known at its end. **full** (``full=True``): each batch holds every row known at its
  end, reference data included, as a full extract would. Both modes give batches at the same
  period ends.

Every batch has one extract per file of the rules present in the folder (possibly with no rows);
files missing from the folder are absent. Every row of every file is delivered at least once by the
end of the default range. Rows of an extract are in snapshot line order; blank lines carry no row.
The output is deterministic.

How: each file is read once; for every row the few instants at which its derived fields change
(appearance, each ``shown_from`` column, the final status) are computed up front as a short
*history* of versions. Those instants are bucketed by period, so each batch touches only the rows
that change in it (plus, in full mode, a pass over the rows already known).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from generator.errors import DvkitError
from generator.load.reader import find_file, open_text, read_header, rows_with_lines
from generator.load.replay_rules import FileRule, ReplayRules, StatusRule

PERIODS = ("day", "week", "month")

Fields = tuple[str, ...]
Row = tuple[int, Fields]  # (line in the snapshot file, fields)
Version = tuple[dt.datetime, Fields]  # the fields shown from this instant on
History = tuple[Version, ...]  # versions in time order; empty before the first one

FIRST = dt.datetime.min  # known from the first batch, whatever the range
LAST = dt.datetime.max  # known only at the end of the data (resolved once the data range is known)


@dataclass(frozen=True)
class Extract:
    """One file's rows in one batch."""

    file_name: str  # the snapshot file's actual name, e.g. "olist_orders_dataset.csv.gz"
    rows: tuple[tuple[int, tuple[str, ...]], ...]  # (line of the row in the snapshot file, fields at the period end)


@dataclass(frozen=True)
class ReplayBatch:
    """The sources as they stood at ``period_end``, the batch's load time."""

    period_end: dt.datetime  # the load time: last second of the period, e.g. 2017-01-31 23:59:59
    extracts: dict[str, Extract]  # keyed by the file name of the rules, e.g. "olist_orders_dataset.csv"


@dataclass
class _Table:
    """A file whose rows have a timing: one history per row, in line order."""

    file_name: str
    lines: list[int]
    histories: list[History]


@dataclass
class _Reference:
    """A file delivered whole in the first batch (and in every full batch)."""

    file_name: str
    rows: tuple[Row, ...]


_Source = _Table | _Reference


# --- public entry point -------------------------------------------------------------------------


def plan_replay(data_dir: Path, period: str, start: dt.date | None = None, end: dt.date | None = None,
                full: bool = False, *, rules: ReplayRules) -> Iterator[ReplayBatch]:
    """The batches replaying the snapshot in ``data_dir`` by ``rules``, one per non-empty period, oldest first.

    The folder is read (and the arguments checked) when this is called; the batches are then built
    one at a time as they are consumed.
    """
    _check_period(period)
    start, end = _as_date(start), _as_date(end)
    if start is not None and end is not None and start > end:
        raise DvkitError(f"the replay starts after it ends ({start} > {end})",
                         hint="give a start date on or before the end date")
    data_dir = Path(data_dir)
    if find_file(data_dir, rules.required) is None:
        raise DvkitError(f"{data_dir}: no {rules.required} (or .gz) in the folder",
                         hint=f"point the replay at a folder holding the {rules.name} snapshot files")
    sources = _read_snapshot(data_dir, rules)
    earliest, latest = _data_bounds(sources)
    first_end, last_end = _replay_range(earliest, latest, period, start, end)
    # Rows known only at the end of the data belong to the last period of the data.
    _settle_last(sources, period_end(latest, period) if latest is not None else last_end)
    return _batches(sources, period, first_end, last_end, full)


# --- periods and timestamps ---------------------------------------------------------------------


def parse_instant(text: str) -> dt.datetime | None:
    """A Kaggle timestamp (``YYYY-MM-DD HH:MM:SS``) or date (that day at 00:00:00); None if not one.

    >>> parse_instant("2017-10-02 10:56:33")
    datetime.datetime(2017, 10, 2, 10, 56, 33)
    >>> parse_instant("2018-02-01"), parse_instant(""), parse_instant("2018-02-30 00:00:00")
    (datetime.datetime(2018, 2, 1, 0, 0), None, None)
    """
    # Check the shape first: fromisoformat alone would also take time zones and other variants.
    if len(text) == 10:
        shaped = text[4] == "-" and text[7] == "-"
    elif len(text) == 19:
        shaped = text[4] == "-" and text[7] == "-" and text[10] == " " and text[13] == ":" and text[16] == ":"
    else:
        return None
    if not shaped:
        return None
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        return None


def period_end(instant: dt.datetime, period: str) -> dt.datetime:
    """The last second of the day, ISO week (ending Sunday) or month that holds ``instant``.

    >>> period_end(dt.datetime(2017, 1, 4, 8, 0), "week")  # a Wednesday
    datetime.datetime(2017, 1, 8, 23, 59, 59)
    >>> period_end(dt.datetime(2016, 2, 1), "month"), period_end(dt.datetime(2016, 2, 1), "day")
    (datetime.datetime(2016, 2, 29, 23, 59, 59), datetime.datetime(2016, 2, 1, 23, 59, 59))
    """
    return _day_period_end(instant.date(), period)


@lru_cache(maxsize=None)
def _day_period_end(day: dt.date, period: str) -> dt.datetime:
    """period_end by day; cached because a daily replay asks for the same few hundred days."""
    if period == "day":
        last_day = day
    elif period == "week":
        last_day = day + dt.timedelta(days=6 - day.weekday())  # Monday is 0, Sunday 6
    else:
        in_next_month = day.replace(day=28) + dt.timedelta(days=4)
        last_day = in_next_month - dt.timedelta(days=in_next_month.day)
    return dt.datetime.combine(last_day, dt.time(23, 59, 59))


def _check_period(period: str) -> None:
    if period not in PERIODS:
        raise DvkitError(f"unknown replay period '{period}'", hint=f"use one of: {', '.join(PERIODS)}")


def _as_date(value: dt.date | None) -> dt.date | None:
    """Accept a datetime too (it is a date subclass, but does not compare with one)."""
    return value.date() if isinstance(value, dt.datetime) else value


def _replay_range(earliest: dt.datetime | None, latest: dt.datetime | None, period: str,
                  start: dt.date | None, end: dt.date | None) -> tuple[dt.datetime, dt.datetime]:
    """The ends of the first and last periods of the replay."""
    first = _day_period_end(start, period) if start is not None else None
    last = _day_period_end(end, period) if end is not None else None
    if earliest is None or latest is None:  # nothing in the data is timed: the dates given decide
        first = first or last
        last = last or first
        if first is None or last is None:
            raise DvkitError("the snapshot has no timestamp to replay (every one is empty or unparseable)",
                             hint="give a start or end date for the replay")
        return first, last
    # A bound that is not given follows the data, but never crosses the bound that is given.
    if first is None:
        first = period_end(earliest, period) if last is None else min(period_end(earliest, period), last)
    if last is None:
        last = max(period_end(latest, period), first)
    return first, last


# --- reading the snapshot -----------------------------------------------------------------------


@dataclass
class _RawFile:
    """One snapshot file as read: its path, header and ``(line, fields)`` rows."""

    path: Path
    header: list[str]
    rows: list[Row]
    expected: str  # whose files the rules describe, for the hint

    def column(self, name: str) -> int:
        """The position of a column the replay needs."""
        if name not in self.header:
            raise DvkitError(f"{self.path.name}:1: no column '{name}', which the replay needs",
                             hint=f"the replay rules expect the {self.expected} files with their original headers")
        return self.header.index(name)

    def table(self, histories: list[History]) -> _Table:
        return _Table(self.path.name, [line for line, _ in self.rows], histories)


def _read_snapshot(data_dir: Path, rules: ReplayRules) -> dict[str, _Source]:
    """Every file of the rules present in the folder, each read once, with the timing of each row derived."""
    raw = {rule.file: _read_rows(path, rules.name)
           for rule in rules.files if (path := find_file(data_dir, rule.file)) is not None}
    # When each key value is first held by an existing row: rows appearing with it follow.
    appears: dict[str, dict[str, dt.datetime]] = {key: {} for rule in rules.files for key in rule.publishes}
    sources: dict[str, _Source] = {}
    # Publishers before the files appearing with their keys, so every key is known when it is needed.
    for rule in rules.derivation_order():
        file = raw.get(rule.file)
        if file is None:
            continue
        if rule.reference:
            sources[rule.file] = _Reference(file.path.name, tuple(file.rows))
            continue
        if rule.appears_with is not None:
            histories = _referenced_histories(file, rule.appears_with, appears[rule.appears_with])
        else:
            histories = _timed_histories(file, rule)
        table = sources[rule.file] = file.table(histories)
        _note_references(file, table, {key: appears[key] for key in rule.publishes})
    return {rule.file: sources[rule.file] for rule in rules.files if rule.file in sources}


def _read_rows(path: Path, expected: str) -> _RawFile:
    """Read one file; blank lines carry no row."""
    with open_text(path) as handle:
        header = read_header(handle, path)
        rows = [(line, tuple(fields)) for line, fields in rows_with_lines(handle) if fields]
    return _RawFile(path, header, rows, expected)


def _field(fields: Fields, index: int) -> str:
    """A field of a possibly short row ('' when missing; the loader reports malformed rows)."""
    return fields[index] if index < len(fields) else ""


def _note_references(raw: _RawFile, table: _Table, targets: dict[str, dict[str, dt.datetime]]) -> None:
    """Record, for each key value in the given columns, when a row holding it first appears."""
    positions = [(raw.column(name), appears) for name, appears in targets.items()]
    for (_, fields), history in zip(raw.rows, table.histories, strict=True):
        appear = history[0][0]
        for position, appears in positions:
            key = _field(fields, position)
            if key and appear < appears.get(key, LAST):
                appears[key] = appear


def _data_bounds(sources: dict[str, _Source]) -> tuple[dt.datetime | None, dt.datetime | None]:
    """The earliest and latest timing instants of the data (sentinels excluded)."""
    earliest: dt.datetime | None = None
    latest: dt.datetime | None = None
    for source in sources.values():
        if isinstance(source, _Reference):
            continue
        for history in source.histories:
            for at, _ in history:
                if at in (FIRST, LAST):
                    continue
                earliest = at if earliest is None or at < earliest else earliest
                latest = at if latest is None or at > latest else latest
    return earliest, latest


def _settle_last(sources: dict[str, _Source], data_end: dt.datetime) -> None:
    """Give rows known only at the end of the data the end of the data's last period."""
    for source in sources.values():
        if isinstance(source, _Table):
            source.histories = [_settled(history, data_end) for history in source.histories]


def _settled(history: History, data_end: dt.datetime) -> History:
    if history[-1][0] != LAST:  # LAST only ever stands alone, as the single version
        return history
    return ((data_end, history[-1][1]),)


# --- per-row histories --------------------------------------------------------------------------


def _referenced_histories(raw: _RawFile, key_column: str, appears: dict[str, dt.datetime]) -> list[History]:
    """Rows that appear when their key is first referenced (``appears``); unreferenced ones at the end."""
    position = raw.column(key_column)
    return [((appears.get(_field(fields, position), LAST), fields),) for _, fields in raw.rows]


@dataclass(frozen=True)
class _Status:
    """A status rule by column position: ``implied`` pairs a timestamp's position with a value."""

    column: int
    implied: tuple[tuple[int, str], ...]
    otherwise: str


def _timed_histories(raw: _RawFile, rule: FileRule) -> list[History]:
    assert rule.appears_at is not None
    appears_at = raw.column(rule.appears_at)
    shown = [raw.column(name) for name in rule.shown_from]
    status = _status(raw, rule.status) if rule.status is not None else None
    return [_timed_history(fields, appears_at, shown, status) for _, fields in raw.rows]


def _status(raw: _RawFile, rule: StatusRule) -> _Status:
    return _Status(raw.column(rule.column), tuple((raw.column(name), value) for name, value in rule.implied),
                   rule.otherwise)


def _timed_history(fields: Fields, appears_at: int, shown: Sequence[int], status: _Status | None) -> History:
    """The versions of one row: one per distinct instant at which one of its timestamps becomes visible.

    >>> _timed_history(("r", "2018-01-04 00:00:00", "2018-01-05 23:30:00"), 1, [2], None)[0]
    (datetime.datetime(2018, 1, 4, 0, 0), ('r', '2018-01-04 00:00:00', ''))
    """
    appeared = parse_instant(_field(fields, appears_at))
    stamps = {position: parse_instant(_field(fields, position)) for position in shown}
    known = [at for at in (appeared, *stamps.values()) if at is not None]
    if not known:
        return ((FIRST, fields),)
    appear = appeared or min(known)
    latest = max(known)
    # A timestamp earlier than the appearance (it happens in real data) is visible from the appearance on.
    instants = sorted({max(appear, at) for at in known})
    return _without_repeats([(at, _row_at(fields, stamps, status, latest, at)) for at in instants])


def _row_at(fields: Fields, stamps: dict[int, dt.datetime | None], status: _Status | None,
            latest: dt.datetime, at: dt.datetime) -> Fields:
    """The row as it stood at ``at`` (at or after its appearance)."""
    later = [position for position, stamp in stamps.items() if stamp is not None and stamp > at]
    shown = _hidden(fields, later)
    if status is None or at >= latest:
        return shown  # everything has happened: the snapshot's own values hold
    return _replaced(shown, status.column, _implied_status(shown, status))


def _implied_status(shown: Fields, status: _Status) -> str:
    """The value the visible timestamps imply, before the row reached its final status.

    >>> rule = _Status(column=0, implied=((4, "delivered"), (3, "shipped"), (2, "approved")), otherwise="created")
    >>> _implied_status(("delivered", "p", "a", "", ""), rule), _implied_status(("x", "p", "", "", ""), rule)
    ('approved', 'created')
    """
    for position, value in status.implied:
        if _field(shown, position):
            return value
    return status.otherwise


def _hidden(fields: Fields, positions: Sequence[int]) -> Fields:
    """``fields`` with the given positions shown empty (not known yet)."""
    if not positions:
        return fields
    shown = list(fields)
    for position in positions:
        if position < len(shown):
            shown[position] = ""
    return tuple(shown)


def _replaced(fields: Fields, position: int, value: str) -> Fields:
    if position >= len(fields):
        return fields  # a short row has no such field to derive
    return fields[:position] + (value,) + fields[position + 1:]


def _without_repeats(versions: list[Version]) -> History:
    """Drop versions that show the same fields as the one before (nothing changed then)."""
    kept: list[Version] = []
    for version in versions:
        if not kept or kept[-1][1] != version[1]:
            kept.append(version)
    return tuple(kept)


# --- emitting the batches -----------------------------------------------------------------------


def _batches(sources: dict[str, _Source], period: str, first_end: dt.datetime, last_end: dt.datetime,
             full: bool) -> Iterator[ReplayBatch]:
    """The first batch (everything known at its end), then one batch per period with changes."""
    tables = {key: source for key, source in sources.items() if isinstance(source, _Table)}
    # The rows as last delivered, per file: what "changed since the previous period end" compares to.
    state = {key: _state_at(table, first_end) for key, table in tables.items()}
    yield ReplayBatch(first_end, {key: Extract(source.file_name, _known_rows(source, state.get(key)))
                                  for key, source in sources.items()})
    known_cache: dict[str, tuple[Row, ...]] = {}  # full mode: files without changes reuse their rows
    for end, touched in _bucketed_changes(tables, period, first_end, last_end):
        changed = {key: _apply_changes(tables[key], state[key], indices, end) for key, indices in touched.items()}
        if not any(changed.values()):
            continue  # every change of the period was undone within it
        extracts = {}
        for key, source in sources.items():
            rows: tuple[Row, ...]
            if full:
                if key not in known_cache or changed.get(key):
                    known_cache[key] = _known_rows(source, state.get(key))
                rows = known_cache[key]
            else:
                rows = tuple(changed.get(key, ()))
            extracts[key] = Extract(source.file_name, rows)
        yield ReplayBatch(end, extracts)


def _state_at(table: _Table, end: dt.datetime) -> list[Row | None]:
    """Every row of ``table`` as known at ``end`` (None: not known yet)."""
    state: list[Row | None] = []
    for line, history in zip(table.lines, table.histories, strict=True):
        fields = _version_at(history, end)
        state.append(None if fields is None else (line, fields))
    return state


def _version_at(history: History, end: dt.datetime) -> Fields | None:
    """The fields shown at ``end``: the last version not after it."""
    shown = None
    for at, fields in history:
        if at > end:
            break
        shown = fields
    return shown


def _known_rows(source: _Source, state: list[Row | None] | None) -> tuple[Row, ...]:
    if isinstance(source, _Reference):
        return source.rows
    assert state is not None
    return tuple(row for row in state if row is not None)


def _bucketed_changes(tables: dict[str, _Table], period: str, first_end: dt.datetime,
                      last_end: dt.datetime) -> Iterator[tuple[dt.datetime, dict[str, list[int]]]]:
    """Period ends after the first batch, oldest first, each with the rows (by index) changing in it."""
    buckets: defaultdict[dt.datetime, defaultdict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for key, table in tables.items():
        for index, history in enumerate(table.histories):
            for at, _ in history:
                if first_end < at <= last_end:
                    indices = buckets[period_end(at, period)][key]
                    if not indices or indices[-1] != index:  # two changes of a row in one period
                        indices.append(index)
    for end in sorted(buckets):
        yield end, buckets[end]


def _apply_changes(table: _Table, state: list[Row | None], indices: list[int], end: dt.datetime) -> list[Row]:
    """Bring ``state`` to ``end`` for the given rows; return those that changed, in line order."""
    changed: list[Row] = []
    for index in indices:
        fields = _version_at(table.histories[index], end)
        before = state[index]
        if fields is not None and (before is None or before[1] != fields):
            row = (table.lines[index], fields)
            state[index] = row
            changed.append(row)
    return changed
