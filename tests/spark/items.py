"""The small `items` source the Spark tests deliver batch by batch."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from generator.db import Database
from generator.load.landing import load_batch
from generator.spec.model import Spec


def deliver_items(root: Path, db: Database, spec: Spec, name: str, text: str, load_ts: dt.datetime) -> None:
    """Write ``text`` as ``data/<name>/items.csv`` of the project and load it as one batch."""
    folder = root / "data" / name
    folder.mkdir(parents=True)
    (folder / "items.csv").write_text(text, encoding="utf-8")
    load_batch(db, spec, folder, load_ts)
