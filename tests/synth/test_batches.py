"""Tests of the change batches: a snapshot in batch_000, then only changed rows with real changes."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import main
from generator.errors import DvkitError
from olist_example.synth import batches as batches_module
from olist_example.synth import generate, generate_batches
from olist_example.synth.batches import rows_to_change

from .test_synth import HEADERS, KINDS, LINE_END, NAMES, _field, _rows

SCALE = 0.02
SEED = 42
BATCHES = 3
RATE = 0.05
CHANGED = ("olist_customers_dataset", "olist_products_dataset", "olist_sellers_dataset")
# The columns of each changed file that identify the row, and the satellite payload after them.
KEY_COLUMNS = {"olist_customers_dataset": 2, "olist_products_dataset": 1, "olist_sellers_dataset": 1}


def _read_dir(folder: Path, suffix: str = ".csv") -> dict[str, bytes]:
    out = {}
    for path in sorted(folder.iterdir()):
        raw = path.read_bytes()
        out[path.name.removesuffix(suffix)] = gzip.decompress(raw) if suffix.endswith(".gz") else raw
    return out


def _dir_bytes(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("batches")
    generate_batches(SCALE, root, seed=SEED, batches=BATCHES, change_rate=RATE)
    return root


@pytest.fixture(scope="module")
def snapshot(out: Path) -> dict[str, list[list[str]]]:
    return {name: _rows(data)[1:] for name, data in _read_dir(out / "batch_000").items()}


@pytest.fixture(scope="module")
def changes(out: Path) -> list[dict[str, list[list[str]]]]:
    """Data rows per file of batch_001 ... batch_00N."""
    return [{name: _rows(data)[1:] for name, data in _read_dir(out / f"batch_{b:03d}").items()}
            for b in range(1, BATCHES + 1)]


# ---- layout, format, determinism ----------------------------------------------------------


def test_snapshot_is_the_same_bytes_as_without_batches(out: Path, tmp_path: Path) -> None:
    generate(SCALE, tmp_path, seed=SEED)
    assert _dir_bytes(out / "batch_000") == _dir_bytes(tmp_path)


def test_change_batches_hold_only_the_changed_sources(out: Path) -> None:
    assert sorted(p.name for p in out.iterdir()) == ["batch_000", "batch_001", "batch_002", "batch_003",
                                                    "batches.json"]
    for b in range(1, BATCHES + 1):
        assert sorted(p.name for p in (out / f"batch_{b:03d}").iterdir()) == sorted(f"{n}.csv" for n in CHANGED)


@pytest.mark.parametrize("name", CHANGED)
def test_change_files_are_in_the_kaggle_byte_format(out: Path, name: str) -> None:
    data = (out / "batch_001" / f"{name}.csv").read_bytes()
    assert data.startswith(HEADERS[name]) and data.endswith(LINE_END[name])
    lines = [HEADERS[name].decode().rstrip("\n")]
    lines += [",".join(_field(v, k) for v, k in zip(row, KINDS[name], strict=True)) for row in _rows(data)[1:]]
    assert "\n".join(lines).encode() + b"\n" == data


def test_same_seed_same_bytes_other_seed_other_changes(out: Path, tmp_path: Path) -> None:
    generate_batches(SCALE, tmp_path / "again", seed=SEED, batches=BATCHES, change_rate=RATE)
    assert _dir_bytes(tmp_path / "again") == _dir_bytes(out)
    generate_batches(SCALE, tmp_path / "other", seed=SEED + 1, batches=1, change_rate=RATE)
    for name in CHANGED:
        assert (tmp_path / "other" / "batch_001" / f"{name}.csv").read_bytes() != \
            (out / "batch_001" / f"{name}.csv").read_bytes()


def test_many_batches_in_several_passes_give_the_same_bytes(out: Path, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    # Only a few change files open at once: later passes replay the earlier batches' selections.
    monkeypatch.setattr(batches_module, "OPEN_BATCHES", 2)
    generate_batches(SCALE, tmp_path, seed=SEED, batches=BATCHES, change_rate=RATE)
    assert _dir_bytes(tmp_path) == _dir_bytes(out)


def test_more_batches_keep_the_earlier_ones(out: Path, tmp_path: Path) -> None:
    generate_batches(SCALE, tmp_path, seed=SEED, batches=1, change_rate=RATE)
    for name in CHANGED:
        assert (tmp_path / "batch_001" / f"{name}.csv").read_bytes() == \
            (out / "batch_001" / f"{name}.csv").read_bytes()


def test_gzip_batches_have_the_same_content(out: Path, tmp_path: Path) -> None:
    written = generate_batches(SCALE, tmp_path, seed=SEED, batches=BATCHES, change_rate=RATE, gzip=True)
    for b in range(BATCHES + 1):
        folder = f"batch_{b:03d}"
        assert _read_dir(tmp_path / folder, ".csv.gz") == _read_dir(out / folder)
    assert set(written[1].files) == {f"{n}.csv.gz" for n in CHANGED}


def test_manifest_lists_every_folder_and_file_with_its_rows(out: Path) -> None:
    manifest = json.loads((out / "batches.json").read_text())
    assert (manifest["scale"], manifest["seed"], manifest["change_rate"]) == (SCALE, SEED, RATE)
    assert [b["dir"] for b in manifest["batches"]] == [f"batch_{b:03d}" for b in range(BATCHES + 1)]
    assert [b["kind"] for b in manifest["batches"]] == ["snapshot"] + ["changes"] * BATCHES
    for batch in manifest["batches"]:
        files = {p.name: len(_rows(p.read_bytes())) - 1 for p in (out / batch["dir"]).iterdir()}
        assert batch["rows"] == files
    assert len(manifest["batches"][0]["rows"]) == len(NAMES)


# ---- the changes ----------------------------------------------------------------------------


def test_rate_is_honoured(snapshot, changes) -> None:
    for batch in changes:
        for name in CHANGED:
            assert len(batch[name]) == max(1, round(RATE * len(snapshot[name]))), name
    assert rows_to_change(0.01, 99_441, 96_096) == 994
    assert rows_to_change(0.01, 6, 6) == 1  # at least one row
    assert rows_to_change(1.0, 10, 7) == 7  # never more than can change
    assert rows_to_change(0.5, 0, 0) == 0


def test_changed_keys_are_snapshot_keys_each_once_per_batch(snapshot, changes) -> None:
    for name, width in KEY_COLUMNS.items():
        keys = {tuple(r[:width]) for r in snapshot[name]}
        for batch in changes:
            changed = [tuple(r[:width]) for r in batch[name]]
            assert set(changed) <= keys, name  # same customer_id/customer_unique_id, product_id, seller_id
            assert len(set(changed)) == len(changed), name
    # one row per person: a person moves at most once per batch
    for batch in changes:
        people = [r[1] for r in batch["olist_customers_dataset"]]
        assert len(set(people)) == len(people)


def test_every_change_is_a_real_change_of_the_key(snapshot, changes) -> None:
    """Each row differs from its key's state after the earlier batches (customers: the person's)."""
    state = {
        "olist_customers_dataset": {r[1]: r[2:] for r in snapshot["olist_customers_dataset"]},
        "olist_products_dataset": {r[0]: r[1:] for r in snapshot["olist_products_dataset"]},
        "olist_sellers_dataset": {r[0]: r[1:] for r in snapshot["olist_sellers_dataset"]},
    }
    key_of = {"olist_customers_dataset": 1, "olist_products_dataset": 0, "olist_sellers_dataset": 0}
    for batch in changes:
        for name, current in state.items():
            width = KEY_COLUMNS[name]
            for row in batch[name]:
                key = row[key_of[name]]
                assert row[width:] != current[key], (name, key)
                current[key] = row[width:]


def test_each_batch_changes_other_keys(changes) -> None:
    for name in CHANGED:
        sets = [frozenset(r[0] for r in batch[name]) for batch in changes]
        if len(changes[0][name]) > 2:
            assert len(set(sets)) == len(sets), name


def test_new_locations_resolve_in_the_geolocation_file(snapshot, changes) -> None:
    places = {(g[0], g[3], g[4]) for g in snapshot["olist_geolocation_dataset"]}
    states = Counter()
    for batch in changes:
        for row in batch["olist_customers_dataset"]:
            assert (row[2], row[3], row[4]) in places
            states[row[4]] += 1
        for row in batch["olist_sellers_dataset"]:
            assert (row[1], row[2], row[3]) in places
    assert states.most_common(1)[0][0] == "SP"  # people move following the measured state mix


def test_product_corrections_touch_the_attributes(snapshot, changes) -> None:
    before = {r[0]: r for r in snapshot["olist_products_dataset"]}
    header = _rows(HEADERS["olist_products_dataset"])[0]
    touched = Counter()
    for batch in changes:
        for row in batch["olist_products_dataset"]:
            for column, old, new in zip(header, before[row[0]], row, strict=True):
                touched[column] += old != new
                if column not in ("product_id", "product_category_name"):
                    assert new == "" or new.isdigit(), (column, new)
            before[row[0]] = row
    assert touched["product_id"] == 0
    assert {"product_weight_g", "product_photos_qty"} <= {c for c, n in touched.items() if n}
    assert len([c for c, n in touched.items() if n]) >= 4


def test_progress_names_the_batch_folders(tmp_path: Path) -> None:
    calls: list[tuple[str, int]] = []
    written = generate_batches(0.005, tmp_path, seed=SEED, batches=2, progress=lambda f, n: calls.append((f, n)))
    last = dict(calls)
    for batch in written:
        for name, rows in batch.files.items():
            assert last[f"{batch.dir}/{name}"] == rows


# ---- arguments and reruns -------------------------------------------------------------------


@pytest.mark.parametrize(("batches", "rate"), [(0, 0.01), (1000, 0.01), (1, 0.0), (1, 1.5), (1, -0.1)])
def test_bad_arguments_are_refused(tmp_path: Path, batches: int, rate: float) -> None:
    with pytest.raises(ValueError):
        generate_batches(0.002, tmp_path, batches=batches, change_rate=rate)
    assert not list(tmp_path.iterdir())


def test_a_rerun_removes_stale_source_files_and_refuses_later_batches(tmp_path: Path) -> None:
    stale = tmp_path / "batch_001" / "olist_orders_dataset.csv"
    stale.parent.mkdir(parents=True)
    stale.write_text("left over\n")
    generate_batches(0.002, tmp_path, batches=1)
    assert not stale.exists()
    generate_batches(0.002, tmp_path, batches=1)  # the same run again is fine
    (tmp_path / "batch_002").mkdir()
    with pytest.raises(DvkitError, match="batch_002"):
        generate_batches(0.002, tmp_path, batches=1)


# ---- the command line ---------------------------------------------------------------------


def test_cli_writes_batches(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["synth", "--scale", "0.002", "--out", str(tmp_path), "--batches", "2",
                                       "--change-rate", "0.02"])
    assert result.exit_code == 0, result.output
    assert "batch_002 (changes): olist_customers_dataset.csv 4" in result.output
    assert json.loads((tmp_path / "batches.json").read_text())["change_rate"] == 0.02
    assert sorted(p.name for p in (tmp_path / "batch_002").iterdir()) == sorted(f"{n}.csv" for n in CHANGED)


def test_cli_without_batches_writes_the_files_directly(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["synth", "--scale", "0.002", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{n}.csv" for n in NAMES)


@pytest.mark.parametrize(("args", "message"), [
    (["--change-rate", "0.1"], "--change-rate goes with --batches"),
    (["--batches", "2", "--change-rate", "0"], "--change-rate must be above 0"),
    (["--batches", "-1"], "--batches must be from 0 to 999"),
    (["--scale", "nan"], "--scale must be a positive number"),
])
def test_cli_mistakes_are_one_line_without_traceback(tmp_path: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["synth", "--out", str(tmp_path), *args])
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output


def test_deletes_deliver_the_orders_still_held_as_a_full_extract(tmp_path: Path) -> None:
    written = generate_batches(SCALE, tmp_path, seed=SEED, batches=4, change_rate=RATE, delete_rate=0.2)
    orders = "olist_orders_dataset.csv"
    snapshot = _rows((tmp_path / "batch_000" / orders).read_bytes())
    held = [_rows((tmp_path / f"batch_{b:03d}" / orders).read_bytes()) for b in range(1, 5)]
    ids = [{row[0] for row in rows[1:]} for rows in [snapshot, *held]]
    for rows in held:
        assert rows[0] == snapshot[0]  # the same header
        # a full extract: the snapshot's rows, byte for byte, fewer of them, in the same order
        assert [row for row in snapshot[1:] if row[0] in {r[0] for r in rows[1:]}] == rows[1:]
    gone = [ids[0] - later for later in ids[1:]]
    assert all(0.1 * len(ids[0]) < len(g) < 0.5 * len(ids[0]) for g in gone)
    # orders come back: purged in one batch, held again in the next
    assert any(gone[b] - gone[b + 1] for b in range(3))
    manifest = json.loads((tmp_path / "batches.json").read_text())
    assert manifest["delete_rate"] == 0.2
    assert [b["full_extracts"] for b in manifest["batches"]] == [[], [orders], [orders], [orders], [orders]]
    assert [b.full_extracts for b in written[1:]] == [[orders]] * 4
    # the other change files are as they are without deletes
    plain = tmp_path / "plain"
    generate_batches(SCALE, plain, seed=SEED, batches=4, change_rate=RATE)
    for b in range(1, 5):
        folder = f"batch_{b:03d}"
        names = {p.name for p in (tmp_path / folder).iterdir()}
        assert {p.name for p in (plain / folder).iterdir()} | {orders} == names
        for path in (plain / folder).iterdir():
            assert path.read_bytes() == (tmp_path / folder / path.name).read_bytes()


def test_delete_rate_goes_with_batches(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["synth", "--scale", "0.001", "--out", str(tmp_path), "--delete-rate", "0.1"])
    assert result.exit_code != 0 and "--delete-rate goes with --batches" in result.output
