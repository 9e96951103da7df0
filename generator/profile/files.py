"""Read one CSV file (plain or gzip) into a profile: rows, typed columns and its candidate key.

A key is the first column, in file order, that is never empty and never repeats; when no single
column is one, the first such pair of identifier-like columns (a second pass over the file).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

from generator.load.reader import open_text, read_header, rows_with_lines
from generator.profile.columns import DISTINCT_CAP, ColumnProfile

KEY_TYPES = frozenset({"text", "integer", "bigint"})
# Columns tried in pairs when no single one is a key: at most this many, so pairs stay few.
PAIR_COLUMNS = 8


@dataclass
class FileProfile:
    """What one file holds; ``key`` is its candidate key (one or two columns) or empty."""

    name: str  # the proposed source name
    path: Path
    rows: int
    columns: list[ColumnProfile]
    key: tuple[str, ...] = ()

    @property
    def file_name(self) -> str:
        """The name the spec gives the file: without ``.gz``."""
        return self.path.name[:-3] if self.path.name.endswith(".gz") else self.path.name

    def column(self, name: str) -> ColumnProfile:
        return next(c for c in self.columns if c.name == name)

    def unique(self, column: ColumnProfile) -> bool:
        """Never empty, never repeated, of a key-like type."""
        return (self.rows > 0 and column.nulls == 0 and column.distinct == self.rows
                and column.type in KEY_TYPES)


def spec_name(text: str) -> str:
    """``text`` as a spec name: lower case, other characters as ``_``.

    >>> spec_name("Order ID"), spec_name("2nd")
    ('order_id', '_2nd')
    """
    name = re.sub(r"[^a-z0-9_]+", "_", text.strip().lower()).strip("_") or "column"
    return f"_{name}" if name[0].isdigit() else name[:63]


def csv_files(folder: Path) -> list[Path]:
    """The CSV files of ``folder`` (plain or ``.gz``), sorted by name; a plain file wins over its twin."""
    found: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.name.endswith((".csv", ".csv.gz")):
            found.setdefault(path.name.removesuffix(".gz"), path)
    return [found[name] for name in sorted(found)]


def data_rows(path: Path) -> Iterator[list[str]]:
    """The fields of each record after the header."""
    with open_text(path) as handle:
        read_header(handle, path)
        for _line, row in rows_with_lines(handle):
            yield row


def header(path: Path) -> list[str]:
    """The file's header fields, as written."""
    with open_text(path) as handle:
        return read_header(handle, path)


def profile_file(path: Path, name: str, cap: int = DISTINCT_CAP) -> FileProfile:
    """Stream ``path`` once (twice when the key is a pair) and profile it."""
    columns = [ColumnProfile(spec_name(title), cap=cap) for title in header(path)]
    width = len(columns)
    rows = 0
    for row in data_rows(path):
        rows += 1
        for column, value in zip(columns, row[:width], strict=False):
            column.add(value)
    profile = FileProfile(name, path, rows, columns)
    single = [c.name for c in columns if profile.unique(c)]
    if single:
        profile.key = (single[0],)
    else:
        profile.key = _pair_key(profile)
    return profile


def _pair_key(profile: FileProfile) -> tuple[str, ...]:
    """The first pair of never-empty key-like columns whose combination never repeats."""
    usable = [i for i, c in enumerate(profile.columns)
              if c.nulls == 0 and c.type in KEY_TYPES and not c.many and profile.rows > 0][:PAIR_COLUMNS]
    pairs = list(combinations(usable, 2))
    if not pairs:
        return ()
    seen: dict[tuple[int, int], set[tuple[str, str]] | None] = {pair: set() for pair in pairs}
    alive = len(pairs)
    for row in data_rows(profile.path):
        if not alive:
            break  # every pair repeats already: no need to read on
        for pair, values in seen.items():
            if values is None:
                continue
            value = (row[pair[0]], row[pair[1]])
            if value in values:
                seen[pair] = None  # repeats: not a key
                alive -= 1
            else:
                values.add(value)
    for pair in pairs:
        if seen[pair] is not None:
            return tuple(profile.columns[i].name for i in pair)
    return ()
