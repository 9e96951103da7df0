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
from collections.abc import Iterator
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


def check_header(found: list[str], expected: tuple[str, ...], path: Path, source: str) -> None:
    if tuple(found) == expected:
        return
    found = [_printable(name) for name in found]
    missing = [c for c in expected if c not in found]
    extra = [c for c in found if c not in expected]
    parts = []
    if missing:
        parts.append(f"missing column(s) {', '.join(missing)}")
    if extra:
        parts.append(f"unexpected column(s) {', '.join(extra)}")
    if not parts:
        parts.append(f"columns in another order: {', '.join(found)}")
    raise DvkitError(
        f"{path.name}:1: header does not match source '{source}' of the spec: {'; '.join(parts)}",
        hint="fix the file, or change the source's columns in vault_spec/sources.yml and run dvkit generate",
    )


def _printable(text: str) -> str:
    """Undecodable bytes as ``\\xNN``, so a message can show the text."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
