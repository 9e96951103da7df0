"""Progress of long loads: rows per file while it is copied, with the time since the load began."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from generator.db import Database
from generator.load.landing import load_batch
from generator.progress import model_line, row_reporter, rows_line
from generator.spec.validate import load_spec

SPEC = """\
sources:
  - name: things
    file: things.csv
    columns:
      thing_id: text
      note: text
  - name: tags
    file: tags.csv
    columns:
      thing_id: text
      tag: text
"""


@pytest.mark.db
def test_a_big_file_reports_every_50000_rows_then_its_total(fresh_db: Database, tmp_path: Path) -> None:
    (tmp_path / "vault_spec").mkdir()
    (tmp_path / "vault_spec" / "sources.yml").write_text(SPEC)
    spec = load_spec(tmp_path / "vault_spec").spec
    assert spec is not None
    data = tmp_path / "data"
    data.mkdir()
    (data / "things.csv").write_text("thing_id,note\n" + "".join(f"{i},n{i}\n" for i in range(120_001)))
    (data / "tags.csv").write_text("thing_id,tag\n1,red\n")
    reports: list[tuple[str, int]] = []
    load_batch(fresh_db, spec, data, dt.datetime(2020, 1, 1), lambda name, rows: reports.append((name, rows)))
    assert [rows for name, rows in reports if name == "things"] == [50_000, 100_000, 120_001]
    assert [rows for name, rows in reports if name == "tags"] == [1]


def test_row_lines_are_the_same_apart_from_the_time() -> None:
    ticks = iter([10.0, 10.5, 12.25])
    lines: list[str] = []
    report = row_reporter("read", lines.append, clock=lambda: next(ticks))
    report("orders", 50_000)
    report("orders", 99_441)
    assert lines == ["read orders: 50,000 rows (0.5s)", "read orders: 99,441 rows (2.2s)"]
    assert rows_line("wrote", "x.csv", 7, 0.04) == "wrote x.csv: 7 rows (0.0s)"


def test_model_line_names_the_model_its_result_and_times() -> None:
    assert model_line(12, 197, "sat_order_status", "INSERT 0 31", 0.456, 20.04) == (
        "12/197 sat_order_status INSERT 0 31 (0.46s, 20.0s in all)")
