"""A synthetic snapshot followed by change batches that give the satellites history.

Layout written by :func:`generate_batches`::

    OUT/batch_000/   the full snapshot: the eleven files, the same bytes as ``generate`` writes
    OUT/batch_001/   changed rows only: customers who moved, products corrected, sellers relocated
    ...
    OUT/batch_00N/
    OUT/batches.json what each folder holds (rows per file), with the scale, seed and change rate

Each change batch re-delivers ``change_rate`` of the rows of the customers, products and sellers
files (at least one row each) with new satellite values and the same keys; the files of the other
sources are absent.  Which keys change in batch ``b`` is drawn independently per batch (the same key
may change again later); a key's new row differs from its row after batch ``b - 1``.

With ``delete_rate`` above 0, every change batch also delivers the orders file as a full extract:
the snapshot's orders minus those the source no longer holds. In each batch an order still held is
purged with probability ``delete_rate``, and a purged one comes back with probability
``RESTORE_RATE`` (restored at the source), so a vault sees keys go and come back. The manifest lists
the file under each batch's ``full_extracts``: load it with ``dvkit load --full-extract orders``.

Everything streams: the snapshot's files are read back row by row, and each row is carried through
all batches at once (its state after each batch lives only while the row is processed), so memory
does not depend on the scale.  Customers change person by person: the row of each person's first
order stands for the person, so a person never moves twice in one batch and every changed row is a
new location of its ``customer_unique_id``.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from generator.errors import DvkitError

from . import kaggle_csv as kc
from .catalog import unique_customer_id
from .changes import ChangeMaker
from .geo import Geography
from .olist import generate

MAX_BATCHES = 999
#: With deletes: the chance that an order purged at the source is back in the next batch.
RESTORE_RATE = 0.5
MANIFEST = "batches.json"
#: Change files open at the same time; more batches take more passes over the snapshot.
OPEN_BATCHES = 64
#: Change files are small (a percent of a file): a small write buffer each keeps many open cheaply.
CHANGE_BUFFER = 1 << 16

Row = Sequence[str]


def batch_dir_name(batch: int) -> str:
    """``batch_000`` for the snapshot, ``batch_001`` ... for the change batches."""
    return f"batch_{batch:03d}"


@dataclass
class Batch:
    """One folder written: its name, kind and data rows per file name."""

    dir: str
    kind: str  # "snapshot" or "changes"
    files: dict[str, int] = field(default_factory=dict)
    full_extracts: list[str] = field(default_factory=list)  # files delivered whole (the rest: changes)


@dataclass(frozen=True)
class ChangedSource:
    """A snapshot file whose rows change in the batches, and how."""

    fmt: kc.FileFormat
    change: Callable[[ChangeMaker, Row, int], list[str]]
    #: Makes the predicate that tells which rows may change (called once per pass over the file).
    eligible: Callable[[int], Callable[[Row], bool]]


def _every_row(_seed: int) -> Callable[[Row], bool]:
    return lambda _row: True


def _first_order_of_each_person(seed: int) -> Callable[[Row], bool]:
    """True for the customers row of a person's first order (people are numbered in that order)."""
    next_person = 0

    def first(row: Row) -> bool:
        nonlocal next_person
        if row[1] == unique_customer_id(seed, next_person):
            next_person += 1
            return True
        return False

    return first


CHANGED_SOURCES: tuple[ChangedSource, ...] = (
    ChangedSource(kc.CUSTOMERS, ChangeMaker.moved_customer, _first_order_of_each_person),
    ChangedSource(kc.PRODUCTS, ChangeMaker.corrected_product, _every_row),
    ChangedSource(kc.SELLERS, ChangeMaker.relocated_seller, _every_row),
)


def rows_to_change(change_rate: float, rows: int, eligible: int) -> int:
    """Rows of a file changed per batch: ``change_rate`` of its rows, rounded, at least one, at most ``eligible``."""
    if rows == 0 or eligible == 0:
        return 0
    return min(eligible, max(1, round(change_rate * rows)))


class _Selection:
    """Exactly ``wanted`` of ``total`` rows met one after the other, each set equally likely (Knuth's algorithm S)."""

    __slots__ = ("_rng", "_left", "_wanted")

    def __init__(self, rng: random.Random, total: int, wanted: int) -> None:
        self._rng = rng
        self._left = total
        self._wanted = wanted

    def take(self) -> bool:
        """Whether the next row is selected."""
        chosen = self._rng.random() * self._left < self._wanted
        self._left -= 1
        if chosen:
            self._wanted -= 1
        return chosen


def generate_batches(
    scale: float,
    out_dir: Path,
    seed: int = 42,
    batches: int = 1,
    change_rate: float = 0.01,
    gzip: bool = False,
    progress: kc.ProgressFn | None = None,
    delete_rate: float = 0.0,
) -> list[Batch]:
    """Write the snapshot and ``batches`` change batches into ``out_dir`` (see the module docstring).

    The same arguments always give the same bytes.  ``progress(path, rows_so_far)`` names files as
    ``batch_NNN/<file>``.  Returns the folders written, snapshot first.
    """
    if not isinstance(batches, int) or isinstance(batches, bool) or not 1 <= batches <= MAX_BATCHES:
        raise ValueError(f"batches must be a whole number from 1 to {MAX_BATCHES}, got {batches!r}")
    if not isinstance(change_rate, (int, float)) or not 0 < change_rate <= 1:
        raise ValueError(f"change_rate must be above 0 and at most 1, got {change_rate!r}")
    if not isinstance(delete_rate, (int, float)) or not 0 <= delete_rate <= 1:
        raise ValueError(f"delete_rate must be from 0 to 1, got {delete_rate!r}")
    out_dir = Path(out_dir)
    _refuse_later_batches(out_dir, batches)
    for b in range(batches + 1):
        _remove_source_files(out_dir / batch_dir_name(b))
    snapshot_dir = out_dir / batch_dir_name(0)
    counts = generate(scale, snapshot_dir, seed=seed, gzip=gzip, progress=_prefixed(progress, snapshot_dir.name))
    snapshot = Batch(snapshot_dir.name, "snapshot", counts)
    changes = [Batch(batch_dir_name(b), "changes") for b in range(1, batches + 1)]
    maker = ChangeMaker(seed, Geography(), _prefixes_in_use(snapshot_dir / kc.GEOLOCATION.file_name(gzip)))
    for source in CHANGED_SOURCES:
        _write_changes(source, maker, snapshot_dir / source.fmt.file_name(gzip), out_dir, changes,
                       change_rate, gzip, progress)
    if delete_rate > 0:
        _write_full_orders(snapshot_dir / kc.ORDERS.file_name(gzip), out_dir, changes, seed, delete_rate, gzip,
                           progress)
    for batch in changes:
        (out_dir / batch.dir).mkdir(exist_ok=True)  # a batch without changes is an empty folder
    written = [snapshot, *changes]
    _write_manifest(out_dir, written, scale, seed, change_rate, gzip, delete_rate)
    return written


def _write_changes(source: ChangedSource, maker: ChangeMaker, snapshot_file: Path, out_dir: Path,
                   changes: list[Batch], change_rate: float, gzip: bool, progress: kc.ProgressFn | None) -> None:
    """Write the changed rows of one file into every change batch, OPEN_BATCHES batches per pass."""
    seed = maker.seed
    rows = eligible = 0
    is_eligible = source.eligible(seed)
    for row in kc.read_rows(snapshot_file):
        rows += 1
        eligible += is_eligible(row)
    wanted = rows_to_change(change_rate, rows, eligible)
    if wanted == 0:
        return
    for first in range(1, len(changes) + 1, OPEN_BATCHES):
        last = min(len(changes), first + OPEN_BATCHES - 1)
        # Every pass replays the selections of the earlier batches: a row's state after them is
        # needed to change it again, and recomputing it is cheaper than remembering it.
        selections = [_Selection(random.Random(f"{seed}:batch:{b}:{source.fmt.name}"), eligible, wanted)
                      for b in range(1, last + 1)]
        sinks: dict[int, kc.CsvSink] = {}
        try:
            is_eligible = source.eligible(seed)
            for row in _eligible_rows(snapshot_file, is_eligible):
                current: Row = row
                for b, selection in enumerate(selections, start=1):
                    if not selection.take():
                        continue
                    current = source.change(maker, current, b)
                    if b >= first:
                        sink = sinks.get(b)
                        if sink is None:
                            sink = sinks[b] = _change_sink(out_dir / batch_dir_name(b), source.fmt, gzip, progress)
                        sink.write(current)
        finally:
            for b, sink in sorted(sinks.items()):
                changes[b - 1].files[sink.file_name] = sink.close()


def _write_full_orders(snapshot_file: Path, out_dir: Path, changes: list[Batch], seed: int, delete_rate: float,
                       gzip: bool, progress: kc.ProgressFn | None) -> None:
    """Every change batch's orders file: the orders the source still holds then (a full extract)."""
    for first in range(1, len(changes) + 1, OPEN_BATCHES):
        last = min(len(changes), first + OPEN_BATCHES - 1)
        # One draw per order and batch, in snapshot order: every pass replays the earlier batches.
        draws = [random.Random(f"{seed}:batch:{b}:deletes") for b in range(1, last + 1)]
        sinks = {b: _change_sink(out_dir / batch_dir_name(b), kc.ORDERS, gzip, progress)
                 for b in range(first, last + 1)}
        try:
            for row in kc.read_rows(snapshot_file):
                held = True
                for b, draw in enumerate(draws, start=1):
                    chance = draw.random()
                    held = chance >= delete_rate if held else chance < RESTORE_RATE
                    if held and b >= first:
                        sinks[b].write(row)
        finally:
            for b, sink in sorted(sinks.items()):
                changes[b - 1].files[sink.file_name] = sink.close()
                changes[b - 1].full_extracts.append(sink.file_name)


def _eligible_rows(path: Path, is_eligible: Callable[[Row], bool]) -> Iterator[Row]:
    return (row for row in kc.read_rows(path) if is_eligible(row))


def _change_sink(folder: Path, fmt: kc.FileFormat, gzip: bool, progress: kc.ProgressFn | None) -> kc.CsvSink:
    folder.mkdir(parents=True, exist_ok=True)
    return kc.CsvSink(folder, fmt, gzip=gzip, progress=_prefixed(progress, folder.name), buffering=CHANGE_BUFFER)


def _prefixed(progress: kc.ProgressFn | None, folder: str) -> kc.ProgressFn | None:
    if progress is None:
        return None
    return lambda name, rows: progress(f"{folder}/{name}", rows)


def _prefixes_in_use(geolocation_file: Path) -> bytearray:
    """The zip prefixes the snapshot's geolocation file describes, as a 100,000-entry flag array."""
    in_use = bytearray(100_000)
    for row in kc.read_rows(geolocation_file):
        in_use[int(row[0])] = 1
    return in_use


_BATCH_DIR = re.compile(r"^batch_(\d{3,})$")


def _refuse_later_batches(out_dir: Path, batches: int) -> None:
    """A batch folder beyond ``batches`` left by an earlier run would be loaded as if it belonged here."""
    if not out_dir.is_dir():
        return
    later = sorted(p.name for p in out_dir.iterdir()
                   if p.is_dir() and (m := _BATCH_DIR.match(p.name)) and int(m.group(1)) > batches)
    if later:
        raise DvkitError(f"{out_dir} already holds {', '.join(later[:3])}{' ...' if len(later) > 3 else ''} "
                         f"from an earlier run with more batches than {batches}",
                         hint="write into an empty folder, or remove those batch folders first")


def _remove_source_files(folder: Path) -> None:
    """Remove the Olist files an earlier run left here (only those names): a change batch holds only what changed."""
    for fmt in kc.ALL_FILES:
        for gz in (False, True):
            (folder / fmt.file_name(gz)).unlink(missing_ok=True)


def _write_manifest(out_dir: Path, written: list[Batch], scale: float, seed: int, change_rate: float,
                    gzip: bool, delete_rate: float) -> None:
    manifest = {
        "scale": scale,
        "seed": seed,
        "change_rate": change_rate,
        "gzip": gzip,
        "changed_files": [s.fmt.file_name(gzip) for s in CHANGED_SOURCES],
        "batches": [{"dir": b.dir, "kind": b.kind, "rows": dict(sorted(b.files.items()))} for b in written],
    }
    if delete_rate > 0:  # older manifests stay as they were
        manifest["delete_rate"] = delete_rate
        for entry, batch in zip(manifest["batches"], written, strict=True):
            entry["full_extracts"] = batch.full_extracts
    (out_dir / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
