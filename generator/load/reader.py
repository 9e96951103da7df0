"""Read source files in Kaggle's CSV format: plain or gzip, BOM or not, CRLF inside quoted text.

Every row comes with the line of the file where it starts (the header is line 1), so a reviewer
can go from any vault row back to the source line.

Bytes that are not UTF-8 do not stop the reading: they decode to lone surrogates
(``errors="surrogateescape"``), so the loader can set aside just the rows holding them and show
the bytes as ``\\xNN`` (``generator.load.quarantine``).

>>> import io
>>> list(rows_with_lines(io.StringIO('1,"x\\r\\ny"\\r\\n2,z\\r\\n')))  # after the header
[(2, ['1', 'x\\r\\ny']), (4, ['2', 'z'])]
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from generator.errors import DvkitError

csv.field_size_limit(16 * 1024 * 1024)  # review texts can be long; the default limit is 128 KiB


def find_file(data_dir: Path, file_name: str) -> Path | None:
    """The file itself, or its gzip twin (``name.csv.gz``)."""
    for candidate in (data_dir / file_name, data_dir / f"{file_name}.gz"):
        if candidate.is_file():
            return candidate
    return None


class EmptyFile(DvkitError):
    """A file without even a header line (zero bytes, or only a BOM)."""


def open_text(path: Path) -> TextIO:
    """Open as text; ``utf-8-sig`` drops the BOM some Kaggle files start with.

    Invalid UTF-8 is kept as lone surrogates (``surrogateescape``) for the loader to find.
    """
    raw = gzip.open(path, "rb") if path.suffix == ".gz" else path.open("rb")
    return io.TextIOWrapper(raw, encoding="utf-8-sig", errors="surrogateescape", newline="")


def read_header(handle: TextIO, path: Path) -> list[str]:
    first = handle.readline()
    if not first:
        raise EmptyFile(f"{path.name}: the file is empty (no header line)",
                        hint="check the extract; a file holding only its header is a valid extract of 0 rows")
    return next(csv.reader([first]))


def rows_with_lines(handle: TextIO, first_line: int = 2) -> Iterator[tuple[int, list[str]]]:
    """Yield ``(line where the row starts, fields)`` for each CSV record of ``handle``."""
    reader = csv.reader(handle)
    consumed = 0
    for row in reader:
        start = first_line + consumed
        consumed = reader.line_num
        yield start, row


def records_with_lines(handle: TextIO, first_line: int = 2) -> Iterator[tuple[int, list[str], str]]:
    """Like :func:`rows_with_lines`, with each record's raw text (its lines, line breaks included).

    The CSV reader takes the lines of one record at a time from a generator that keeps them, so
    the raw text costs no second read of the file.
    """
    pending: list[str] = []

    def lines() -> Iterator[str]:
        for text in handle:
            pending.append(text)
            yield text

    reader = csv.reader(lines())
    consumed = 0
    for row in reader:
        start = first_line + consumed
        consumed = reader.line_num
        raw = pending[0] if len(pending) == 1 else "".join(pending)
        pending.clear()
        yield start, row, raw


@dataclass(frozen=True)
class Layout:
    """Where a source's declared columns sit in one file: columns are matched by header name.

    >>> layout = Layout(width=3, positions=(2, 0), extra=("note",))
    >>> layout.project(["1", "x", "a"])
    ['a', '1']
    """

    width: int  # fields of each row of the file
    positions: tuple[int, ...]  # the file position of each declared column, in the spec's order
    extra: tuple[str, ...] = ()  # columns of the file the spec does not declare: not loaded

    @property
    def identity(self) -> bool:
        """The file has exactly the declared columns, in the declared order."""
        return self.positions == tuple(range(self.width))

    def project(self, fields: Sequence[str]) -> list[str]:
        """A row's declared fields, in the spec's order."""
        return [fields[i] for i in self.positions]


def map_header(found: list[str], expected: tuple[str, ...], path: Path, source: str,
               extra_columns: str = "warn", columns: tuple[str, ...] = ()) -> Layout:
    """Match a file's header to the source's declared columns by name, in any order.

    ``expected`` are the header names of the declared columns (``Source.header_names``);
    ``columns``, their names in the spec when some differ (``from``), for messages. A declared
    column the file lacks refuses the file (and so the batch). A column the spec does not declare
    is left out of the load (``extra_columns: warn``, see :func:`extra_warning`) or refuses the
    file (``extra_columns: fail``).
    """
    spec_names = dict(zip(expected, columns, strict=True)) if columns else {}
    shown = [_printable(name) for name in found]
    index: dict[str, int] = {}
    twice: list[str] = []
    for position, name in enumerate(shown):
        if name in expected and name in index:
            twice.append(name)
        index.setdefault(name, position)
    missing = [c for c in expected if c not in index]
    extra = tuple(name for name in shown if name not in expected)
    if missing or twice:
        parts = []
        if missing:
            parts.append("missing column(s) " + ", ".join(
                c if spec_names.get(c, c) == c else f"{c} (read into {spec_names[c]})" for c in missing))
        if twice:
            parts.append(f"column(s) {', '.join(dict.fromkeys(twice))} appear more than once")
        if extra:
            parts.append(f"undeclared column(s) {', '.join(extra)}")
        raise DvkitError(
            f"{path.name}:1: header does not match source '{source}' of the spec: {'; '.join(parts)}",
            hint="fix the extract, or change the source's columns in vault_spec/ (and the satellites and keys "
                 "using them) and run dvkit generate; nothing of this batch was loaded")
    if extra and extra_columns == "fail":
        raise DvkitError(
            f"{path.name}:1: column(s) {', '.join(extra)} of the file are not declared by source '{source}' "
            "of the spec (extra_columns: fail)",
            hint=f"declare them under the columns of source '{source}' (and list them under a satellite's "
                 "payload_added) and run dvkit generate, or set `extra_columns: warn` on the source to load "
                 "the declared columns without them; nothing of this batch was loaded")
    return Layout(len(found), tuple(index[c] for c in expected), extra)


def extra_warning(file_name: str, source: str, extra: Sequence[str]) -> str:
    """What a load says (and records with the batch) about columns it left out."""
    return (f"{file_name}: column(s) {', '.join(extra)} not declared by source '{source}' of the spec: "
            "not loaded")


def _printable(text: str) -> str:
    """Undecodable bytes as ``\\xNN``, so a message can show the text."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
