"""Late batches: a pending batch older than a batch landed before it, for the tables it feeds.

The vault macros are insert-only and compare each staged row with a key's latest stored row, so a
batch loaded after a newer one would leave a table different from one that loaded every batch in
load-time order (a satellite would skip the late rows of keys it already holds, a hub would keep the
later load time of a key). Such a table is rebuilt from landing instead, in load-time order
(``changes.LATE``): the vault then equals the one that loading the batches in load-time order gives.

A batch *feeds* a table when one of the table's sources has rows in it (``landing.batch_files``).

>>> import datetime as dt
>>> from generator.evolution.definition import Definition
>>> sat = Definition("sat_s", "sat", {}, ("src",))
>>> days = {1: dt.datetime(2024, 1, 1), 2: dt.datetime(2024, 1, 3), 3: dt.datetime(2024, 1, 2)}
>>> landed = Landed(days, {"src": frozenset({1, 2, 3})})
>>> print(late_reasons({"sat_s": sat}, {"sat_s": 2}, landed)["sat_s"])  # doctest: +NORMALIZE_WHITESPACE
late batch 3 (load time 2024-01-02 00:00:00) is older than the table's newest row (batch 2,
2024-01-03 00:00:00): rebuilt from landing in load-time order
>>> late_reasons({"sat_s": sat}, {"sat_s": 3}, landed)
{}
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from generator.db import Database
from generator.evolution.definition import Definition


@dataclass(frozen=True)
class Landed:
    """The landed batches' load times, and the batches each source has rows in."""

    load_times: dict[int, dt.datetime]
    fed: dict[str, frozenset[int]]

    def order(self, first: int, last: int) -> list[int]:
        """Batches first..last in load-time order (batch id breaks ties).

        >>> Landed({1: dt.datetime(2024, 1, 2), 2: dt.datetime(2024, 1, 1)}, {}).order(1, 2)
        [2, 1]
        """
        batches = range(first, last + 1)
        return sorted(batches, key=lambda b: (self.load_times.get(b, dt.datetime.min), b))


def read(db: Database) -> Landed:
    """What ``landing`` says of its batches (empty when nothing has landed)."""
    with db.connect() as conn:
        if not conn.execute("select to_regclass('landing.batch_files') is not null").fetchone()[0]:  # type: ignore[index]
            return Landed({}, {})
        times = {int(b): t for b, t in conn.execute("select batch_id, load_ts from landing.batches").fetchall()}
        fed: dict[str, set[int]] = {}
        for source, batch in conn.execute(
                "select source, batch_id from landing.batch_files where row_count > 0").fetchall():
            fed.setdefault(source, set()).add(int(batch))
    return Landed(times, {s: frozenset(b) for s, b in fed.items()})


def late_reasons(current: Mapping[str, Definition], last_built: Mapping[str, int], landed: Landed) -> dict[str, str]:
    """Why each table that a late batch feeds must be rebuilt, by model.

    ``last_built`` is the last batch each built table holds; a table not in it is built from scratch
    anyway. A pending batch is late for a table when a batch of lower id that also feeds the table
    has a newer load time: one the table holds already, or one pending with it (the build may run
    them in separate dbt runs, in batch order).
    """
    found = {}
    for model, definition in current.items():
        if model not in last_built:
            continue
        batches = sorted(set().union(*(landed.fed.get(s, frozenset()) for s in definition.sources)))
        newest: int | None = None  # the batch of newest load time among those before the one looked at
        for batch in batches:
            at = landed.load_times.get(batch)
            if at is None:
                continue
            if newest is not None and batch > last_built[model] and at < landed.load_times[newest]:
                held = newest <= last_built[model]
                where = "the table's newest row" if held else "a batch landed before it"
                found[model] = (f"late batch {batch} (load time {at}) is older than {where} (batch {newest}, "
                                f"{landed.load_times[newest]}): rebuilt from landing in load-time order")
                break
            if newest is None or at > landed.load_times[newest]:
                newest = batch
    return found
