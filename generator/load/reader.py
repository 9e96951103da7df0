"""Read source files in Kaggle's CSV format: plain or gzip, BOM or not, CRLF inside quoted text.

Every row comes with the line of the file where it starts (the header is line 1), so a reviewer
can go from any vault row back to the source line.

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


def open_text(path: Path) -> TextIO:
    """Open as text; ``utf-8-sig`` drops the BOM some Kaggle files start with."""
    raw = gzip.open(path, "rb") if path.suffix == ".gz" else path.open("rb")
    return io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")


def read_header(handle: TextIO, path: Path) -> list[str]:
    first = handle.readline()
    if not first:
        raise DvkitError(f"{path.name}: the file is empty (no header line)", hint="check the extract")
    return next(csv.reader([first]))


def rows_with_lines(handle: TextIO, first_line: int = 2) -> Iterator[tuple[int, list[str]]]:
    """Yield ``(line where the row starts, fields)`` for each CSV record of ``handle``."""
    reader = csv.reader(handle)
    consumed = 0
    for row in reader:
        start = first_line + consumed
        consumed = reader.line_num
        yield start, row


def check_header(found: list[str], expected: tuple[str, ...], path: Path, source: str) -> None:
    if tuple(found) == expected:
        return
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
