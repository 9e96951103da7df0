"""Load a replayed snapshot: one landing batch per period, the period end as its load time.

The derivation of each period's extract is in ``replay_plan``, by the snapshot's rules
(``replay_rules``); this module maps the extracts to the spec's sources and loads them in period
order. Each batch keeps the snapshot's file name and line, so a vault row still leads back to the
line of the file it came from. Re-running a replay is recognised batch by batch (same load time,
same rows) and adds nothing.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from generator.db import Database
from generator.load.landing import (
    BatchResult,
    Extract,
    analyze,
    batch_fingerprint,
    copy_batch,
    ensure_landing,
    file_extracts,
)
from generator.load.replay_plan import ReplayBatch, plan_replay
from generator.load.replay_rules import ReplayRules
from generator.spec.model import Spec


@dataclass(frozen=True)
class ReplayStep:
    period_end: dt.datetime
    result: BatchResult
    seconds: float


def _extracts(spec: Spec, batch: ReplayBatch, files: dict[str, Extract]) -> list[Extract]:
    """The batch's extracts, each with the column layout and note of its snapshot file (``files``)."""
    by_file = {source.file: source for source in spec.sources}
    extracts = []
    for file_name, extract in sorted(batch.extracts.items()):
        source = by_file.get(file_name)
        if source is None:
            continue  # a file the spec does not declare is not landed
        rows = extract.rows
        read = files.get(source.name)
        extracts.append(Extract(source, extract.file_name, lambda rows=rows: iter(rows),
                                layout=read.layout if read else None, note=read.note if read else None,
                                sha256=read.sha256 if read else None))
    return extracts


def load_replay(db: Database, spec: Spec, data_dir: Path, period: str, start: dt.date | None = None,
                end: dt.date | None = None, full: bool = False,
                on_batch: Callable[[ReplayStep], None] | None = None, *, rules: ReplayRules,
                extracts: list[Extract] | None = None) -> list[ReplayStep]:
    """Replay ``data_dir`` period by period into landing, by ``rules``; return what each batch did.

    One connection for the whole replay, one transaction per batch: a replay stopped half way
    keeps the batches it completed, and running it again loads only the rest. ``extracts``: what
    ``file_extracts(spec, data_dir)`` already returned to a caller (each file is read and hashed once).
    """
    # Refuse the whole replay up front if a header lacks a column of the spec; map the rest by name.
    if extracts is None:
        extracts = file_extracts(spec, data_dir)[0]
    files = {extract.source.name: extract for extract in extracts}
    steps = []
    origin = f"{data_dir.name} (replay by {period})"
    with db.connect() as conn:
        ensure_landing(conn, spec)
        conn.commit()
        for batch in plan_replay(data_dir, period, start, end, full=full, rules=rules):
            started = time.monotonic()
            extracts = _extracts(spec, batch, files)
            # --full: every file is the table as it stood at the period's end, a full extract; otherwise
            # it holds what changed, whatever the spec's delivery says.
            result = copy_batch(conn, extracts, batch.period_end, origin,
                                batch_fingerprint(batch.period_end, extracts), spec=spec,
                                whole={extract.source.name for extract in extracts} if full else ())
            step = ReplayStep(batch.period_end, result, time.monotonic() - started)
            steps.append(step)
            if on_batch:
                on_batch(step)
        analyze(conn, {source.name for source in spec.sources})
    return steps
