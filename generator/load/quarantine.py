"""Bad source rows: found in Python before COPY, set aside in ``landing.quarantine``.

Every row of a source file is checked before it is written to COPY. A row that fails a check is
not loaded; it lands in ``landing.quarantine`` with its batch, source, file, line, raw text and
the reason, and the good rows load. What the checks refuse, and the reason recorded:

============================  ================================================================
wrong number of fields        ``3 field(s), the header has 2`` (and, for a record running over
                              several lines, where it ends: usually an unclosed quote)
invalid UTF-8                 ``invalid UTF-8 in column note: 'caf\\xe9'`` (raw bytes as ``\\xNN``)
a NUL character               ``NUL character in column note: ...`` (PostgreSQL text cannot hold it)
a value its type rejects      ``column made_at: 'yesterday' is not a timestamp (YYYY-MM-DD HH:MM:SS)``
no business key at all        ``empty business key order_id`` (see :func:`hub_keys`)
an exact duplicate            ``duplicate of line 12`` (same values as an earlier row of the file)
a zero-byte file              ``empty file: no header line`` (a header alone is a valid 0-row file)
============================  ================================================================

A row with several problems has them all, joined by ``; ``. Each file's reconciliation holds:
rows read = rows loaded + rows quarantined (``landing.batch_files``).

The type checks accept what PostgreSQL accepts for the forms the Olist files use (ISO dates and
timestamps with optional fraction, ``T`` separator, time zone offset, ``24:00:00``; integers with
range checks; decimals with optional exponent; ``NaN``/``Infinity``; every boolean spelling
PostgreSQL knows) and refuse the rest, including forms PostgreSQL would also take but no extract
should contain (``now``, ``epoch``, ``Jan 5 2018``, ``20180105``, ``2018/01/05``, ``1_000``,
``0x1F``, numerics with an exponent beyond ±1000). Anything they accept that PostgreSQL still
rejects fails the COPY, and so the batch, with ``file:line`` (a safety net;
``tests/load/test_quarantine.py`` checks the two against each other).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import psycopg
from psycopg import sql

from generator.errors import DvkitError
from generator.spec.model import Source, Spec

TABLE = ("landing", "quarantine")
STRICT_LIMIT = 20  # problems named by a refusal under --strict
VALUE_WIDTH = 40  # characters of an offending value shown in a reason
EMPTY_FILE = "empty file: no header line (a file holding only its header is a valid extract of 0 rows)"

Check = Callable[[str], "str | None"]  # None when the value is fine, else why not

_WS = " \t\n\r\v\f"  # what PostgreSQL's input functions skip around a value (C isspace)
_SURROGATE = re.compile("[\udc80-\udcff]")  # undecodable bytes, kept by errors="surrogateescape"
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_CONTROL = {c: f"\\x{c:02x}" for c in (*range(32), 127)} | {9: "\\t", 10: "\\n", 13: "\\r"}

# -- value checks ------------------------------------------------------------------------------------
# One per type: None when PostgreSQL will take the value, else why not. A row goes through them only
# when the one-expression check of the whole row (FAST, below) refuses it: they accept the rarer
# forms and say what is wrong. Each tries the common form first.

_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE](?P<exp>[+-]?[0-9]+))?")
_SPECIAL_NUMBERS = frozenset({"nan", "infinity", "+infinity", "-infinity", "inf", "+inf", "-inf"})
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TIMESTAMP = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?: (?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{1,6})?)?")
_TIMESTAMP_ANY = re.compile(
    r"(?P<y>[0-9]{4})-(?P<mo>[0-9]{1,2})-(?P<d>[0-9]{1,2})"
    r"(?:(?:T| +)(?P<h>[0-9]{1,2}):(?P<m>[0-9]{2})(?::(?P<s>[0-9]{2})(?:\.(?P<f>[0-9]*))?)?"
    r"(?: *(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?))?)?")
_BOOLEANS = frozenset(
    {"true"[:n] for n in range(1, 5)} | {"false"[:n] for n in range(1, 6)} | {"yes"[:n] for n in range(1, 4)}
    | {"n", "no", "on", "of", "off", "1", "0"})
_INT_RANGE = {"integer": (-(2**31), 2**31 - 1), "bigint": (-(2**63), 2**63 - 1)}
_TIMESTAMP_FORM = "YYYY-MM-DD HH:MM:SS"
# numeric: PostgreSQL takes up to 131072 digits before the point and 16383 after; these bounds stay
# well inside (and no extract holds such numbers).
NUMERIC_MAX_EXPONENT = 1000
NUMERIC_MAX_LENGTH = 1000


def _integer(kind: str) -> Check:
    low, high = _INT_RANGE[kind]
    safe_digits = len(str(high)) - 1  # fewer digits than that always fit

    def check(value: str) -> str | None:
        if _INTEGER.fullmatch(value) is None:
            value = value.strip(_WS)
            if _INTEGER.fullmatch(value) is None:
                return f"is not {'an' if kind == 'integer' else 'a'} {kind} (a whole number)"
        if len(value) > safe_digits and not low <= int(value) <= high:
            return f"is out of range for {kind}"
        return None

    return check


def check_numeric(value: str) -> str | None:
    found = _DECIMAL.fullmatch(value) or _DECIMAL.fullmatch(value := value.strip(_WS))
    if found is None:
        return None if value.lower() in _SPECIAL_NUMBERS else "is not a numeric (a number such as 58.90, -1 or 1e3)"
    exponent = found.group("exp")
    if (exponent is not None and abs(int(exponent)) > NUMERIC_MAX_EXPONENT) or len(value) > NUMERIC_MAX_LENGTH:
        return "is out of range for numeric"
    return None


def check_double(value: str) -> str | None:
    found = _DECIMAL.fullmatch(value) or _DECIMAL.fullmatch(value := value.strip(_WS))
    if found is None:
        return None if value.lower() in _SPECIAL_NUMBERS else "is not a double (a number such as -23.54 or 1e3)"
    if len(value) < 16 and found.group("exp") is None:
        return None  # at most 15 digits: always a finite, non-zero-rounding double
    number = float(value)
    if math.isinf(number) or (number == 0.0 and any(c in "123456789" for c in value.split("e")[0].split("E")[0])):
        return "is out of range for double"
    return None


def check_boolean(value: str) -> str | None:
    if value.strip(_WS).lower() in _BOOLEANS:
        return None
    return "is not a boolean (true/false, t/f, yes/no, 1/0)"


def check_date(value: str) -> str | None:
    if _DATE.fullmatch(value) is not None:
        try:
            dt.date.fromisoformat(value)
            return None
        except ValueError:
            return "is not a valid date (YYYY-MM-DD)"
    return _timestamp_slow(value, "date (YYYY-MM-DD)")


def check_timestamp(value: str) -> str | None:
    if _TIMESTAMP.fullmatch(value) is not None:
        try:
            dt.date.fromisoformat(value[:10])
            return None
        except ValueError:
            return f"is not a valid timestamp ({_TIMESTAMP_FORM})"
    return _timestamp_slow(value, f"timestamp ({_TIMESTAMP_FORM})")


def _timestamp_slow(value: str, what: str) -> str | None:
    """The rarer forms PostgreSQL takes: surrounding spaces, 'T', one-digit month, day or hour, a time
    zone (ignored), a leap second (60), 24:00:00 (the next midnight)."""
    found = _TIMESTAMP_ANY.fullmatch(value.strip(_WS))
    if found is None:
        return f"is not a {what}"
    try:
        dt.date(int(found.group("y")), int(found.group("mo")), int(found.group("d")))
    except ValueError:
        return f"is not a valid {what}"
    if found.group("h") is None:
        return None
    hour, minute, second = int(found.group("h")), int(found.group("m")), int(found.group("s") or 0)
    fraction = found.group("f") or ""
    if hour == 24 and minute == 0 and second == 0 and not fraction.strip("0"):
        return None
    if hour > 23 or minute > 59 or second > 60:
        return f"is not a valid {what}"
    return None


CHECKS: dict[str, Check] = {
    "integer": _integer("integer"),
    "bigint": _integer("bigint"),
    "numeric": check_numeric,
    "double": check_double,
    "boolean": check_boolean,
    "date": check_date,
    "timestamp": check_timestamp,
}


# -- rows --------------------------------------------------------------------------------------------

def hub_keys(spec: Spec | None, source: Source) -> tuple[tuple[str, ...], ...]:
    """The business key columns of every hub ``source`` feeds, as the source names them.

    A row in which all of them are NULL or blank carries no key for any hub: nothing of it can
    enter the vault, and it is set aside. A row with at least one key loads: an empty key on one
    side of a link (e.g. an item without a product) is the vault's to count (``dvkit build``
    reports NULL keys per hub and source). A feed whose key comes through a lookup (a column of
    another source) is not checked: the key is not in the file.
    """
    if spec is None:
        return ()
    keys: list[tuple[str, ...]] = []
    own = set(source.column_names)
    for hub in spec.hubs:
        if any(feed.source == source.name for feed in hub.feeds):
            columns = hub.columns_in(source.name)
            if set(columns) <= own and columns not in keys:
                keys.append(columns)
    return tuple(keys)


# The fast path checks a whole row in one regular expression over its fields joined by NUL: each
# typed field must be empty or in the form the Kaggle files use, with every range exact (a date's
# day in its month, save 29 February, which takes the slow path). A row it refuses goes through the
# per-field checks above, which accept the rarer forms and say what is wrong.
_YEAR = r"(?!0000)[0-9]{4}"
_MONTH_DAY = (r"(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)"
              r"|(?:0[13578]|1[02])-31)")
_FAST_DATE = f"{_YEAR}-{_MONTH_DAY}"
FAST: dict[str, str] = {
    "text": r"[^\x00]*",
    "integer": r"[+-]?[0-9]{1,9}",  # nine digits always fit
    "bigint": r"[+-]?[0-9]{1,18}",
    "numeric": r"[+-]?(?:[0-9]{1,400}(?:\.[0-9]{0,400})?|\.[0-9]{1,400})",
    "double": r"[+-]?(?:[0-9]{1,300}(?:\.[0-9]{0,300})?|\.[0-9]{1,300})",  # no overflow, no underflow
    "boolean": "(?i:" + "|".join(sorted(_BOOLEANS, key=len, reverse=True)) + ")",
    "date": _FAST_DATE,
    "timestamp": _FAST_DATE + r"(?: (?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{1,6})?)?",
}


def fast_pattern(types: Sequence[str]) -> re.Pattern[str]:
    """The fast path's expression for a row of columns of ``types`` (a typed field may be empty: NULL)."""
    parts = [FAST[t] if t == "text" else f"(?:{FAST[t]})?" for t in types]
    return re.compile("\x00".join(parts), re.ASCII)


class RowValidator:
    """The checks of one source file's rows, in file order (duplicates are found against earlier rows)."""

    def __init__(self, source: Source, keys: tuple[tuple[str, ...], ...] = ()) -> None:
        self.names = source.column_names
        self.width = len(self.names)
        index = {name: i for i, name in enumerate(self.names)}
        types = [type_ for _, type_ in source.columns]
        self.typed = tuple((i, name, CHECKS[type_]) for i, (name, type_) in enumerate(source.columns)
                           if type_ in CHECKS)
        self.fast = fast_pattern(types).fullmatch
        key_columns = sorted({c for key in keys for c in key}, key=index.__getitem__)  # in file order
        self.keys = tuple(index[c] for c in key_columns)  # a row with all of them blank has no key
        self.key_names = ", ".join(key_columns)
        self.seen: dict[str, int] = {}  # the values of every good row -> its line

    def check(self, line: int, fields: Sequence[str], raw: str | None) -> str | None:
        """None when the row may load; otherwise why not (several reasons joined by '; ')."""
        if len(fields) != self.width:
            return self.shape(line, fields, raw)
        values = "\x00".join(fields)  # unambiguous once a field holding a NUL is refused
        if not values.isascii() and _SURROGATE.search(values):
            return self._characters(fields)
        problems: list[str] | None = None
        if self.fast(values) is None:
            reason = self._characters(fields)  # a NUL
            if reason is not None:
                return reason
            for i, name, check in self.typed:
                value = fields[i]
                if value:  # an empty field is NULL
                    why = check(value)
                    if why is not None:
                        problems = problems or []
                        problems.append(f"column {name}: {show(value)} {why}")
        keys = self.keys
        if keys and not fields[keys[0]].strip() and not any(fields[i].strip() for i in keys):
            problems = problems or []
            problems.append(f"empty business key {self.key_names}")
        if problems:
            return "; ".join(problems)
        first = self.seen.setdefault(values, line)
        return None if first == line else f"duplicate of line {first}"

    def shape(self, line: int, fields: Sequence[str], raw: str | None, width: int | None = None) -> str:
        """Why a row of the wrong field count is refused (``width``: the file header's, if not the spec's)."""
        reason = f"{len(fields)} field(s), the header has {width or self.width}"
        breaks = len(_LINE_BREAK.findall(strip_line_break(raw))) if raw is not None else 0
        if breaks:
            reason += f"; the record runs from line {line} to line {line + breaks} (an unclosed quote?)"
        return reason

    def _characters(self, fields: Sequence[str]) -> str | None:
        for name, value in zip(self.names, fields, strict=True):
            if not value.isascii() and _SURROGATE.search(value):
                return f"invalid UTF-8 in column {name}: {show(value)}"
            if "\x00" in value:
                return f"NUL character in column {name}: {show(value)}"
        return None


# -- text for people and for the table ---------------------------------------------------------------

def printable(text: str) -> str:
    """``text`` with undecodable bytes as ``\\xNN`` (it can then be encoded, printed and stored)."""
    if text.isascii():
        return text
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def shorten(text: str, width: int) -> str:
    """``text`` on one line, control characters and bad bytes escaped, cut to ``width`` characters."""
    text = printable(text).translate(_CONTROL)
    return text if len(text) <= width else text[: width - 1] + "…"


def show(value: str, width: int = VALUE_WIDTH) -> str:
    """A value for a message: quoted, shortened."""
    return f"'{shorten(value, width)}'"


def strip_line_break(raw: str) -> str:
    if raw.endswith("\r\n"):
        return raw[:-2]
    return raw[:-1] if raw.endswith(("\n", "\r")) else raw


def storable_raw(raw: str | None, fields: Sequence[str]) -> str:
    """The raw text as stored: the file's own text when known, else the fields written as CSV."""
    if raw is None:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerow(fields)  # quotes fields holding line breaks
        raw = buffer.getvalue()[:-2]
    else:
        raw = strip_line_break(raw)
    return printable(raw).replace("\x00", "\\x00")


@dataclass(frozen=True)
class Problem:
    """One source row set aside (or, under --strict, refusing the batch)."""

    source: str
    file_name: str
    line: int
    raw: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file_name}:{self.line}: {self.reason}"


def refusal(problems: Sequence[Problem], total: int) -> DvkitError:
    """The error of a batch refused under --strict: every problem up to STRICT_LIMIT, by file:line."""
    lines = [f"  {problem}" for problem in problems[:STRICT_LIMIT]]
    if total > len(lines):
        lines.append(f"  ... and {total - len(lines):,} more")
    return DvkitError(
        f"{total:,} bad row(s); --strict refuses the whole batch and nothing of it was loaded:\n"
        + "\n".join(lines),
        hint="fix those rows (or the column types in the spec), or load without --strict to set bad rows "
             "aside in landing.quarantine and load the rest")


# -- the table ---------------------------------------------------------------------------------------

def ensure_quarantine(conn: psycopg.Connection) -> None:
    """Create ``landing.quarantine`` (the batch log must exist)."""
    conn.execute(
        """create table if not exists landing.quarantine (
               batch_id bigint not null references landing.batches,
               source text not null,
               file_name text not null,
               line integer not null,
               raw text not null,
               reason text not null,
               primary key (batch_id, source, line)
           )"""
    )


def record(conn: psycopg.Connection, batch_id: int, problems: Sequence[Problem]) -> None:
    """Write ``problems`` to ``landing.quarantine`` (in the caller's transaction)."""
    if not problems:
        return
    statement = sql.SQL("copy {} (batch_id, source, file_name, line, raw, reason) from stdin").format(
        sql.Identifier(*TABLE))
    with conn.cursor() as cursor, cursor.copy(statement) as copy:
        for p in problems:
            copy.write_row((batch_id, p.source, p.file_name, p.line, p.raw, p.reason))


@dataclass(frozen=True)
class FileCount:
    """One file's reconciliation in one batch: read = loaded + quarantined."""

    batch_id: int
    source: str
    file_name: str
    rows_read: int
    rows_loaded: int
    rows_quarantined: int


@dataclass(frozen=True)
class Quarantined:
    """What ``dvkit quarantine`` lists."""

    rows: list[dict[str, object]]
    files: list[FileCount]


def quarantined(conn: psycopg.Connection, batch_id: int | None = None) -> Quarantined:
    """The rows set aside (of one batch, or of every batch) and the reconciliation of their files.

    With a batch: every file of that batch; without: the files that had rows set aside.
    """
    exists = conn.execute("select to_regclass('landing.batches') is not null, "
                          "to_regclass('landing.quarantine') is not null").fetchone()
    if not exists or not exists[0]:
        if batch_id is not None:
            raise DvkitError(f"there is no batch {batch_id}: nothing was loaded yet", hint="run `dvkit load`")
        return Quarantined([], [])
    if batch_id is not None and conn.execute("select 1 from landing.batches where batch_id = %s",
                                             (batch_id,)).fetchone() is None:
        last = conn.execute("select max(batch_id) from landing.batches").fetchone()
        raise DvkitError(f"there is no batch {batch_id}",
                         hint=f"batches run from 1 to {last[0]}" if last and last[0] else "run `dvkit load`")
    rows: list[dict[str, object]] = []
    if exists[1]:
        cursor = conn.execute(
            "select batch_id, source, file_name, line, reason, raw from landing.quarantine "
            "where %(batch)s::bigint is null or batch_id = %(batch)s order by batch_id, source, line",
            {"batch": batch_id})
        columns = [c.name for c in cursor.description or ()]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor]
    files = conn.execute(
        "select batch_id, source, file_name, coalesce(rows_read, row_count), row_count, "
        "coalesce(rows_quarantined, 0) from landing.batch_files "
        "where (%(batch)s::bigint is null and coalesce(rows_quarantined, 0) > 0) or batch_id = %(batch)s "
        "order by batch_id, source", {"batch": batch_id}).fetchall()
    return Quarantined(rows, [FileCount(int(b), s, f, int(r), int(lo), int(q)) for b, s, f, r, lo, q in files])
