"""Source files whose shape drifted from the spec: extra, missing and reordered columns."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.db import Database
from generator.errors import DvkitError
from generator.load.landing import load_batch
from generator.spec.model import Spec
from generator.spec.validate import load_spec

pytestmark = pytest.mark.db

SPEC = """\
sources:
  - name: things
    file: things.csv
    columns:
      thing_id: text
      note: text
      price: numeric
  - name: tags
    file: tags.csv
    columns:
      thing_id: text
      tag: text
"""
TAGS = "thing_id,tag\n1,red\n"


def _spec(tmp_path: Path, text: str = SPEC) -> Spec:
    folder = tmp_path / "vault_spec"
    folder.mkdir(exist_ok=True)
    (folder / "sources.yml").write_text(text)
    result = load_spec(folder)
    assert result.spec is not None, [str(p) for p in result.problems]
    return result.spec


def _data(tmp_path: Path, things: str, tags: str = TAGS, name: str = "data") -> Path:
    data = tmp_path / name
    data.mkdir(exist_ok=True)
    (data / "things.csv").write_text(things)
    (data / "tags.csv").write_text(tags)
    return data


def _rows(db: Database, query: str) -> list[tuple[object, ...]]:
    with db.connect() as conn:
        return conn.execute(query).fetchall()


def test_extra_column_loads_the_declared_ones_and_records_a_warning(fresh_db: Database, tmp_path: Path) -> None:
    spec = _spec(tmp_path)
    data = _data(tmp_path, "thing_id,phone,note,price\n1,555-1234,hello,2.50\n2,,bye,3\n")
    result = load_batch(fresh_db, spec, data)
    assert result.rows == {"things": 2, "tags": 1}
    assert result.notes == {"things": "things.csv: column(s) phone not declared by source 'things' of the spec: "
                                      "not loaded"}
    assert _rows(fresh_db, "select thing_id, note, price::text from landing.things order by 1") == [
        ("1", "hello", "2.50"), ("2", "bye", "3")]
    # The warning stays with the batch, for a reviewer to find later.
    assert _rows(fresh_db, "select source, note from landing.batch_files order by source") == [
        ("tags", None), ("things", result.notes["things"])]


def test_columns_in_another_order_are_mapped_by_name(fresh_db: Database, tmp_path: Path) -> None:
    spec = _spec(tmp_path)
    result = load_batch(fresh_db, spec, _data(tmp_path, "price,note,thing_id\n2.50,hello,1\n",
                                               tags="tag,thing_id\nred,1\n"))
    assert result.notes == {}
    assert _rows(fresh_db, "select thing_id, note, price::text from landing.things") == [("1", "hello", "2.50")]
    assert _rows(fresh_db, "select thing_id, tag from landing.tags") == [("1", "red")]


def test_a_short_row_of_a_reordered_file_is_quarantined_against_the_files_header(
        fresh_db: Database, tmp_path: Path) -> None:
    spec = _spec(tmp_path)
    result = load_batch(fresh_db, spec, _data(tmp_path, "thing_id,phone,note,price\n1,5,a,1\n2,b,2\n"))
    assert result.rows["things"] == 1 and result.quarantined["things"] == 1
    assert [str(p) for p in result.problems] == ["things.csv:3: 3 field(s), the header has 4"]


def test_extra_columns_fail_refuses_the_batch(fresh_db: Database, tmp_path: Path) -> None:
    spec = _spec(tmp_path, SPEC.replace("    file: things.csv\n", "    file: things.csv\n    extra_columns: fail\n"))
    assert spec.source("things").extra_columns == "fail" and spec.source("tags").extra_columns == "warn"
    with pytest.raises(DvkitError) as caught:
        load_batch(fresh_db, spec, _data(tmp_path, "thing_id,phone,note,price\n1,5,a,1\n"))
    assert "column(s) phone of the file are not declared by source 'things'" in caught.value.message
    assert _rows(fresh_db, "select count(*) from pg_tables where schemaname = 'landing'") == [(0,)]


def test_extra_columns_default_comes_from_the_settings(tmp_path: Path) -> None:
    spec = _spec(tmp_path, SPEC.replace("    file: tags.csv\n", "    file: tags.csv\n    extra_columns: warn\n")
                 + "settings:\n  extra_columns: fail\n")
    assert spec.settings.extra_columns == "fail"
    assert spec.source("things").extra_columns == "fail"  # the default from the settings
    assert spec.source("tags").extra_columns == "warn"  # the source's own key wins


def test_unknown_extra_columns_value_is_a_spec_problem(tmp_path: Path) -> None:
    folder = tmp_path / "vault_spec"
    folder.mkdir()
    (folder / "sources.yml").write_text(SPEC.replace("    file: tags.csv\n", "    file: tags.csv\n"
                                                                             "    extra_columns: ignore\n"))
    problems = [str(p) for p in load_spec(folder).problems]
    assert len(problems) == 1 and "'ignore' is not allowed in sources.extra_columns" in problems[0]


def test_missing_column_refuses_the_whole_batch(fresh_db: Database, tmp_path: Path) -> None:
    spec = _spec(tmp_path)
    load_batch(fresh_db, spec, _data(tmp_path, "thing_id,note,price\n1,a,1\n", name="first"))
    # things is fine, tags lacks a declared column: nothing of the second batch is kept
    data = _data(tmp_path, "thing_id,note,price\n2,b,2\n", tags="thing_id,label\n2,blue\n", name="second")
    with pytest.raises(DvkitError) as caught:
        load_batch(fresh_db, spec, data)
    assert caught.value.message == ("tags.csv:1: header does not match source 'tags' of the spec: "
                                    "missing column(s) tag; undeclared column(s) label")
    assert caught.value.hint and "nothing of this batch was loaded" in caught.value.hint
    assert _rows(fresh_db, "select count(*) from landing.batches") == [(1,)]
    assert _rows(fresh_db, "select thing_id from landing.things") == [("1",)]
    assert _rows(fresh_db, "select count(*) from landing.batch_files") == [(2,)]


def test_cli_prints_the_extra_column_warning(fresh_db: Database, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.cli import main

    _spec(tmp_path)
    data = _data(tmp_path, "thing_id,note,phone,price\n1,a,555,1\n")
    monkeypatch.setenv("DVKIT_DATABASE_URL", fresh_db.conninfo())
    done = CliRunner().invoke(main, ["--project", str(tmp_path), "load", str(data)])
    assert done.exit_code == 0, done.output
    assert ("warning: things.csv: column(s) phone not declared by source 'things' of the spec: not loaded"
            in done.output)
    assert "payload_added" in done.output


def test_cli_missing_column_is_one_message_without_traceback(tmp_path: Path) -> None:
    from generator.cli import main

    _spec(tmp_path)
    data = _data(tmp_path, "thing_id,price\n1,1\n")
    done = CliRunner().invoke(main, ["--project", str(tmp_path), "load", str(data)])
    assert done.exit_code == 1
    assert "things.csv:1: header does not match source 'things' of the spec: missing column(s) note" in done.output
    assert "Traceback" not in done.output


def test_replay_maps_columns_by_name_and_keeps_the_warning(fresh_db: Database, tmp_path: Path) -> None:
    from generator.load.replay import load_replay
    from tests.conftest import OLIST_RULES, REPO
    from tests.load.test_olist_replay import CUSTOMERS, CUSTOMERS_CSV, MINI, write_folder

    # The customers file gains a column in the middle and lists its columns in another order.
    header, *rows = CUSTOMERS_CSV.splitlines()
    names = [n.strip('"') for n in header.split(",")]
    order = [4, 3, 0, 2, 1]
    moved = [",".join(["customer_phone", *(names[i] for i in order)])]
    moved += [",".join([f"+55{n}", *(row.split(",")[i] for i in order)]) for n, row in enumerate(rows)]
    folder = write_folder(tmp_path / "olist", {**MINI, CUSTOMERS: ("\n".join(moved) + "\n", False)})
    result = load_spec(REPO / "vault_spec", REPO)
    assert result.spec is not None
    steps = load_replay(fresh_db, result.spec, folder, "month", rules=OLIST_RULES)
    assert steps and all(s.result.duplicate_of is None for s in steps)
    assert _rows(fresh_db, "select customer_id, customer_unique_id, customer_zip_code_prefix, customer_state "
                           "from landing.customers where customer_id = 'c1'") == [("c1", "u1", "01001", "SP")]
    notes = _rows(fresh_db, "select distinct note from landing.batch_files where source = 'customers'")
    assert notes == [("olist_customers_dataset.csv: column(s) customer_phone not declared by source 'customers' "
                      "of the spec: not loaded",)]
