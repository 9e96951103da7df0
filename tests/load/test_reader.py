"""Reading Kaggle-format files: BOM, gzip, quoted CRLF, line numbers, header checks."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from generator.errors import DvkitError
from generator.load.reader import check_header, find_file, open_text, read_header, rows_with_lines


def test_bom_gzip_and_embedded_crlf(tmp_path: Path) -> None:
    raw = '\ufeff"id","text"\r\n"1","a\r\nb"\r\n2,plain\r\n'.encode()
    (tmp_path / "t.csv.gz").write_bytes(gzip.compress(raw))
    path = find_file(tmp_path, "t.csv")
    assert path is not None and path.name == "t.csv.gz"
    with open_text(path) as handle:
        assert read_header(handle, path) == ["id", "text"]
        assert list(rows_with_lines(handle)) == [(2, ["1", "a\r\nb"]), (4, ["2", "plain"])]


def test_plain_file_preferred_and_missing_file(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("a\n")
    (tmp_path / "t.csv.gz").write_bytes(gzip.compress(b"a\n"))
    assert find_file(tmp_path, "t.csv") == tmp_path / "t.csv"
    assert find_file(tmp_path, "other.csv") is None


def test_header_mismatch_names_the_columns(tmp_path: Path) -> None:
    with pytest.raises(DvkitError) as caught:
        check_header(["id", "txt", "extra"], ("id", "text"), tmp_path / "t.csv", "things")
    assert str(caught.value.message) == (
        "t.csv:1: header does not match source 'things' of the spec: missing column(s) text; "
        "unexpected column(s) txt, extra")


def test_empty_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("")
    with open_text(tmp_path / "t.csv") as handle, pytest.raises(DvkitError, match="empty"):
        read_header(handle, tmp_path / "t.csv")
