"""One column's profile: null and distinct counts and the narrowest spec type its values fit.

>>> column = ColumnProfile("zip")
>>> for value in ("01037", "20000", ""):
...     column.add(value)
>>> column.type, column.nulls, column.distinct
('text', 1, 2)
>>> column = ColumnProfile("n")
>>> for value in ("1", "2.5"):
...     column.add(value)
>>> column.type
'numeric'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: Distinct values tracked exactly per column; past it the column counts as having "many".
DISTINCT_CAP = 200_000
INT32 = 2**31 - 1
BOOLEANS = frozenset({"true", "false", "t", "f"})

# A leading zero makes a value an identifier (a zip prefix), not a number: kept as text.
_INTEGER = re.compile(r"-?(0|[1-9][0-9]*)")
_NUMERIC = re.compile(r"-?(0|[1-9][0-9]*)?\.[0-9]+|-?(0|[1-9][0-9]*)")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TIMESTAMP = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?")
# Candidates from the narrowest; a column's type is the first one every non-null value fits.
ORDER = ("boolean", "integer", "bigint", "numeric", "date", "timestamp")


def fits(kind: str, value: str) -> bool:
    """Whether ``value`` (not empty) can be read as ``kind``.

    >>> fits("integer", "007"), fits("date", "2017-10-02"), fits("timestamp", "2017-10-02")
    (False, True, True)
    """
    if kind == "boolean":
        return value.lower() in BOOLEANS
    if kind in ("integer", "bigint"):
        if not _INTEGER.fullmatch(value):
            return False
        return kind == "bigint" or abs(int(value)) <= INT32
    if kind == "numeric":
        return _NUMERIC.fullmatch(value) is not None
    if kind == "date":
        return _DATE.fullmatch(value) is not None
    return _DATE.fullmatch(value) is not None or _TIMESTAMP.fullmatch(value) is not None


@dataclass
class ColumnProfile:
    """Counts of one column; ``values`` holds its distinct non-null values, or None past the cap."""

    name: str
    nulls: int = 0
    values: set[str] | None = field(default_factory=set)
    candidates: list[str] = field(default_factory=lambda: list(ORDER))
    cap: int = DISTINCT_CAP
    seen: int = 0  # non-null values

    def add(self, value: str) -> None:
        if value == "":
            self.nulls += 1
            return
        if self.values is not None:
            self.values.add(value)
            if len(self.values) > self.cap:
                self.values = None  # too many to keep: memory stays bounded
        self.seen += 1
        if self.candidates:
            self.candidates = [kind for kind in self.candidates if fits(kind, value)]

    @property
    def many(self) -> bool:
        return self.values is None

    @property
    def distinct(self) -> int | None:
        """Distinct non-null values, or None when there are more than the cap."""
        return None if self.values is None else len(self.values)

    @property
    def type(self) -> str:
        """The narrowest spec column type all values fit; text for an empty column."""
        if not self.candidates or not self.seen:
            return "text"
        return self.candidates[0]
