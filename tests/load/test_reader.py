"""Reading Kaggle-format files: BOM, gzip, quoted CRLF, line numbers, header checks."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from generator.errors import DvkitError
from generator.load.reader import Layout, find_file, map_header, open_text, read_header, rows_with_lines


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


def test_missing_column_names_column_file_and_source(tmp_path: Path) -> None:
    with pytest.raises(DvkitError) as caught:
        map_header(["id", "txt", "extra"], ("id", "text"), tmp_path / "t.csv", "things")
    assert str(caught.value.message) == (
        "t.csv:1: header does not match source 'things' of the spec: missing column(s) text; "
        "undeclared column(s) txt, extra")
    assert caught.value.hint and "nothing of this batch was loaded" in caught.value.hint


def test_columns_are_matched_by_name_in_any_order(tmp_path: Path) -> None:
    layout = map_header(["text", "id"], ("id", "text"), tmp_path / "t.csv", "things")
    assert layout == Layout(width=2, positions=(1, 0), extra=())
    assert not layout.identity
    assert layout.project(["hello", "7"]) == ["7", "hello"]
    assert map_header(["id", "text"], ("id", "text"), tmp_path / "t.csv", "things").identity


def test_extra_column_is_left_out_by_default(tmp_path: Path) -> None:
    layout = map_header(["id", "phone", "text"], ("id", "text"), tmp_path / "t.csv", "things")
    assert layout.extra == ("phone",) and layout.positions == (0, 2)
    assert layout.project(["1", "555", "x"]) == ["1", "x"]


def test_extra_column_with_fail_refuses_naming_column_and_fix(tmp_path: Path) -> None:
    with pytest.raises(DvkitError) as caught:
        map_header(["id", "phone", "text"], ("id", "text"), tmp_path / "t.csv", "things", "fail")
    assert caught.value.message == ("t.csv:1: column(s) phone of the file are not declared by source 'things' "
                                    "of the spec (extra_columns: fail)")
    assert caught.value.hint and "payload_added" in caught.value.hint and "extra_columns: warn" in caught.value.hint


def test_declared_column_twice_in_header_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DvkitError, match="column\\(s\\) id appear more than once"):
        map_header(["id", "text", "id"], ("id", "text"), tmp_path / "t.csv", "things")


def test_empty_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("")
    with open_text(tmp_path / "t.csv") as handle, pytest.raises(DvkitError, match="empty"):
        read_header(handle, tmp_path / "t.csv")
