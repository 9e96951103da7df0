"""Relations between profiled files: inclusion dependencies, and change rates across batches.

An inclusion ``X.a -> Y.k`` says the values of column ``a`` of file X are (nearly all) values of
``k``, the single-column key of file Y: ``a`` is a foreign key, a candidate link from X to Y.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from generator.load.reader import find_file
from generator.profile.files import KEY_TYPES, FileProfile, data_rows, header, spec_name

#: Share of a column's distinct values that must be found in a key to count as a foreign key.
COVERAGE = 0.99


@dataclass(frozen=True)
class Inclusion:
    """``source.column``'s values found in ``target.key`` (``coverage`` of its distinct values)."""

    source: str
    column: str
    target: str
    key: str
    distinct: int
    coverage: float


def inclusions(profiles: Sequence[FileProfile], coverage: float = COVERAGE) -> list[Inclusion]:
    """Every column's best inclusion into another file's single-column key, in file and column order.

    Integer columns count only into a key of the same name: small numbers are found everywhere.
    """
    keys = [(p, p.column(p.key[0])) for p in profiles if len(p.key) == 1 and p.column(p.key[0]).values]
    found: list[Inclusion] = []
    for profile in profiles:
        for column in profile.columns:
            values = column.values
            if not values or column.type not in KEY_TYPES:
                continue
            best: Inclusion | None = None
            for target, key in keys:
                if target is profile or key.type != column.type or key.values is None:
                    continue
                if column.type != "text" and key.name != column.name:
                    continue
                share = len(values & key.values) / len(values)
                if share >= coverage and (best is None or share > best.coverage):
                    best = Inclusion(profile.name, column.name, target.name, key.name, len(values), share)
            if best is not None:
                found.append(best)
    return found


def batch_folders(data_dir: Path) -> list[Path]:
    """``batch_*`` folders of ``data_dir`` in name order (as ``dvkit synth --batches`` writes them)."""
    return sorted(p for p in data_dir.iterdir() if p.is_dir() and p.name.startswith("batch_"))


@dataclass(frozen=True)
class ChangeRate:
    """Of ``redelivered`` keys seen again in a later batch, how many changed each column."""

    redelivered: int
    changed: dict[str, int]

    def rate(self, column: str) -> float:
        return self.changed.get(column, 0) / self.redelivered if self.redelivered else 0.0


def change_rate(profile: FileProfile, batches: Sequence[Path]) -> ChangeRate | None:
    """How often each non-key column of ``profile``'s file changes per key from batch to batch.

    None when no later batch delivers the file again.
    """
    if not profile.key or len(batches) < 2:
        return None
    names = [c.name for c in profile.columns]
    key_at = [names.index(k) for k in profile.key]
    state: dict[tuple[str, ...], tuple[str, ...]] = {}
    redelivered = 0
    changed = dict.fromkeys(names, 0)
    delivered_again = False
    for number, folder in enumerate(batches):
        path = find_file(folder, profile.file_name)
        if path is None:
            continue
        titles = [spec_name(t) for t in header(path)]
        at = [titles.index(n) if n in titles else -1 for n in names]
        delivered_again = delivered_again or number > 0
        for row in data_rows(path):
            values = tuple(row[i] if 0 <= i < len(row) else "" for i in at)
            key = tuple(values[i] for i in key_at)
            before = state.get(key)
            if before is not None:
                redelivered += 1
                for name, old, new in zip(names, before, values, strict=True):
                    if old != new:
                        changed[name] += 1
            state[key] = values
    if not delivered_again:
        return None
    return ChangeRate(redelivered, {n: changed[n] for n in names if n not in profile.key})
