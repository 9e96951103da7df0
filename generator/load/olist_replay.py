"""Replay one Olist snapshot as a series of period extracts, so the vault gets real history.

Olist publishes a single snapshot, but its timestamps tell how each order moved. :func:`plan_replay`
reads the snapshot folder once and yields one :class:`ReplayBatch` per period (day, week or month):
the rows of every file as they stood at the period end E, which becomes the batch's load time.
Nothing here touches a database; the loader COPYs each extract, keeping file name and line.

Periods: a day ends at 23:59:59; a week is the ISO week (Monday to Sunday) and ends on Sunday at
23:59:59; a month ends on its last day at 23:59:59. The default range runs from the period holding
the earliest timing timestamp of the data to the period holding the latest one, so the last batch
shows everything; ``start``/``end`` choose the first/last period (the periods holding those dates).
Periods in which nothing is delivered produce no batch, but the first batch of a range always
exists.

Derivation rules, at a period end E:

- **orders**: an order exists once ``order_purchase_timestamp <= E``. Approved, carrier and
  delivered timestamps later than E are shown empty; the estimated delivery date is known from the
  purchase. Status: if E >= the latest of the order's non-empty timestamps (purchase, approved,
  carrier, delivered), the snapshot's own status; otherwise the status implied by the visible
  timestamps: ``delivered`` if delivered is visible, else ``shipped`` if carrier is visible, else
  ``approved`` if approved is visible, else ``created``.
- **customers**: a customer row appears with its order (the first order referencing its
  customer_id that exists at E).
- **order items, payments**: appear with their order and do not change afterwards.
- **reviews**: a review appears once ``review_creation_date <= E``, with the answer timestamp empty
  until ``review_answer_timestamp <= E``.
- **products, sellers**: appear once first referenced by an item of an existing order. Sellers also
  appear once referenced by a won deal (``won_date <= E``) if present in the sellers file.
- **marketing qualified leads**: at ``first_contact_date`` (that day's 00:00:00 <= E);
  **closed deals**: at ``won_date <= E``.
- **reference data** (geolocation, category translation): delivered in the first batch.
- **rows without timing**: a row whose timestamps are all empty or unparseable is delivered in the
  first batch, as it is (never dropped). If only the timestamp that makes a row appear (purchase,
  review creation) is missing, the row appears at its earliest parseable timestamp. An unparseable
  timestamp is shown as it is and plays no part in the timing.
- **rows never referenced** (products, sellers, customers without an order; items and payments of
  an order missing from the orders file) appear in the batch of the last period of the data, the
  last batch of the default range: nothing is lost.
- **changes** (``full=False``, the default): a batch holds only the rows that are new or whose
  derived fields changed since the previous period end; the first batch of a range holds
  everything known at its end. **full** (``full=True``): each batch holds every row known at its
  end, reference data included, as a full extract would. Both modes give batches at the same
  period ends.

Every batch has one extract per Olist file present in the folder (possibly with no rows); files
missing from the folder are absent. Every row of every file is delivered at least once by the end
of the default range. Rows of an extract are in snapshot line order; blank lines carry no row. The
output is deterministic.

How: each file is read once; for every row the few instants at which its derived fields change
(appearance, approval, carrier, delivery, final status, answer) are computed up front as a short
*history* of versions. Those instants are bucketed by period, so each batch touches only the rows
that change in it (plus, in full mode, a pass over the rows already known).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from generator.errors import DvkitError
from generator.load.reader import find_file, open_text, read_header, rows_with_lines

PERIODS = ("day", "week", "month")

ORDERS = "olist_orders_dataset.csv"
CUSTOMERS = "olist_customers_dataset.csv"
ITEMS = "olist_order_items_dataset.csv"
PAYMENTS = "olist_order_payments_dataset.csv"
REVIEWS = "olist_order_reviews_dataset.csv"
PRODUCTS = "olist_products_dataset.csv"
SELLERS = "olist_sellers_dataset.csv"
GEOLOCATION = "olist_geolocation_dataset.csv"
TRANSLATION = "product_category_name_translation.csv"
LEADS = "olist_marketing_qualified_leads_dataset.csv"
DEALS = "olist_closed_deals_dataset.csv"
#: The order of the extracts in every batch (Kaggle's listing: e-commerce, then the funnel).
FILE_ORDER = (ORDERS, CUSTOMERS, ITEMS, PAYMENTS, REVIEWS, PRODUCTS, SELLERS, GEOLOCATION, TRANSLATION,
              LEADS, DEALS)
REFERENCE_FILES = (GEOLOCATION, TRANSLATION)

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
    extracts: dict[str, Extract]  # keyed by the Kaggle file name without .gz, e.g. "olist_orders_dataset.csv"


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
                full: bool = False) -> Iterator[ReplayBatch]:
    """The batches replaying the snapshot in ``data_dir``, one per non-empty period, oldest first.

    The folder is read (and the arguments checked) when this is called; the batches are then built
    one at a time as they are consumed.
    """
    _check_period(period)
    start, end = _as_date(start), _as_date(end)
    if start is not None and end is not None and start > end:
        raise DvkitError(f"the replay starts after it ends ({start} > {end})",
                         hint="give a start date on or before the end date")
    data_dir = Path(data_dir)
    if find_file(data_dir, ORDERS) is None:
        raise DvkitError(f"{data_dir}: no {ORDERS} (or .gz) in the folder",
                         hint="point the replay at a folder holding the Olist snapshot files")
    sources = _read_snapshot(data_dir)
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

    def column(self, name: str) -> int:
        """The position of a column the replay needs."""
        if name not in self.header:
            raise DvkitError(f"{self.path.name}:1: no column '{name}', which the replay needs",
                             hint="the replay expects the Kaggle Olist files with their original headers")
        return self.header.index(name)

    def table(self, histories: list[History]) -> _Table:
        return _Table(self.path.name, [line for line, _ in self.rows], histories)


def _read_snapshot(data_dir: Path) -> dict[str, _Source]:
    """Every Olist file of the folder, each read once, with the timing of each row derived."""
    raw = {key: _read_rows(path) for key in FILE_ORDER if (path := find_file(data_dir, key)) is not None}
    # When each key value is first referenced by an existing row: children appear with parents.
    appears: dict[str, dict[str, dt.datetime]] = {"order_id": {}, "customer_id": {}, "product_id": {},
                                                  "seller_id": {}}
    tables: dict[str, _Table] = {}

    def derive(key: str, histories: Callable[[_RawFile], list[History]], references: tuple[str, ...] = ()) -> None:
        if key in raw:
            tables[key] = raw[key].table(histories(raw[key]))
            _note_references(raw[key], tables[key], {column: appears[column] for column in references})

    def following(column: str) -> Callable[[_RawFile], list[History]]:
        return lambda file: _referenced_histories(file, column, appears[column])

    # Parents before children, so that every reference is known when a child is derived.
    derive(ORDERS, _order_histories, ("order_id", "customer_id"))
    derive(CUSTOMERS, following("customer_id"))
    derive(ITEMS, following("order_id"), ("product_id", "seller_id"))
    derive(PAYMENTS, following("order_id"))
    derive(REVIEWS, _review_histories)
    derive(LEADS, lambda file: _stamped_histories(file, "first_contact_date"))
    derive(DEALS, lambda file: _stamped_histories(file, "won_date"), ("seller_id",))
    derive(PRODUCTS, following("product_id"))
    derive(SELLERS, following("seller_id"))
    references = {key: _Reference(raw[key].path.name, tuple(raw[key].rows)) for key in REFERENCE_FILES if key in raw}
    sources: dict[str, _Source] = {**tables, **references}
    return {key: sources[key] for key in FILE_ORDER if key in sources}


def _read_rows(path: Path) -> _RawFile:
    """Read one file; blank lines carry no row."""
    with open_text(path) as handle:
        header = read_header(handle, path)
        rows = [(line, tuple(fields)) for line, fields in rows_with_lines(handle) if fields]
    return _RawFile(path, header, rows)


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


def _stamped_histories(raw: _RawFile, column: str) -> list[History]:
    """Rows that appear at one timestamp (leads, deals) and never change."""
    position = raw.column(column)
    return [((parse_instant(_field(fields, position)) or FIRST, fields),) for _, fields in raw.rows]


def _referenced_histories(raw: _RawFile, key_column: str, appears: dict[str, dt.datetime]) -> list[History]:
    """Rows that appear when their key is first referenced (``appears``); unreferenced ones at the end."""
    position = raw.column(key_column)
    return [((appears.get(_field(fields, position), LAST), fields),) for _, fields in raw.rows]


def _review_histories(raw: _RawFile) -> list[History]:
    created = raw.column("review_creation_date")
    answered = raw.column("review_answer_timestamp")
    return [_review_history(fields, created, answered) for _, fields in raw.rows]


def _review_history(fields: Fields, created_at: int, answered_at: int) -> History:
    """A review appears when created; its answer timestamp shows once answered.

    >>> _review_history(("r", "2018-01-04 00:00:00", "2018-01-05 23:30:00"), 1, 2)[0]
    (datetime.datetime(2018, 1, 4, 0, 0), ('r', '2018-01-04 00:00:00', ''))
    """
    created = parse_instant(_field(fields, created_at))
    answered = parse_instant(_field(fields, answered_at))
    appear = created or answered
    if appear is None:
        return ((FIRST, fields),)
    if answered is None or answered <= appear:
        return ((appear, fields),)
    return ((appear, _hidden(fields, (answered_at,))), (answered, fields))


@dataclass(frozen=True)
class _OrderColumns:
    status: int
    purchase: int
    approved: int
    carrier: int
    delivered: int

    @property
    def stamps(self) -> tuple[int, int, int, int]:
        """The timing columns, purchase first."""
        return self.purchase, self.approved, self.carrier, self.delivered


def _order_histories(raw: _RawFile) -> list[History]:
    columns = _OrderColumns(*(raw.column(name) for name in (
        "order_status", "order_purchase_timestamp", "order_approved_at", "order_delivered_carrier_date",
        "order_delivered_customer_date")))
    return [_order_history(fields, columns) for _, fields in raw.rows]


def _order_history(fields: Fields, columns: _OrderColumns) -> History:
    """The versions of one order: one per distinct instant at which a timestamp becomes visible."""
    stamps = {position: parse_instant(_field(fields, position)) for position in columns.stamps}
    known = [at for at in stamps.values() if at is not None]
    if not known:
        return ((FIRST, fields),)
    appear = stamps[columns.purchase] or min(known)
    latest = max(known)
    # A timestamp earlier than the purchase (it happens in the data) is visible from the purchase on.
    instants = sorted({max(appear, at) for at in known})
    return _without_repeats([(at, _order_at(fields, columns, stamps, latest, at)) for at in instants])


def _order_at(fields: Fields, columns: _OrderColumns, stamps: dict[int, dt.datetime | None],
              latest: dt.datetime, at: dt.datetime) -> Fields:
    """The order as it stood at ``at`` (at or after its appearance)."""
    later = [position for position, stamp in stamps.items() if stamp is not None and stamp > at]
    shown = _hidden(fields, later)
    if at >= latest:
        return shown  # everything has happened: the snapshot's own status holds
    return _replaced(shown, columns.status, _implied_status(shown, columns))


def _implied_status(shown: Fields, columns: _OrderColumns) -> str:
    """The status the visible timestamps imply, before the order reached its final status.

    >>> cols = _OrderColumns(status=0, purchase=1, approved=2, carrier=3, delivered=4)
    >>> _implied_status(("delivered", "p", "a", "", ""), cols), _implied_status(("x", "p", "", "", ""), cols)
    ('approved', 'created')
    """
    if _field(shown, columns.delivered):
        return "delivered"
    if _field(shown, columns.carrier):
        return "shipped"
    if _field(shown, columns.approved):
        return "approved"
    return "created"


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
