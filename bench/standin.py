"""A stand-in for `dvkit synth --batches 1`, used only when the installed dvkit lacks that option.

It writes the same layout: ``OUT/batch_000/`` the snapshot of ``dvkit synth``, ``OUT/batch_001/``
about ``change_rate`` of the customers, products and sellers rows (at least one each) with a changed
satellite value and the same keys. Deterministic: every ``1/change_rate``-th row changes.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
from pathlib import Path

# file -> the column changed and what is written into it (keys stay, the satellite gets a new version)
CHANGES = {
    "olist_customers_dataset.csv": ("customer_city", "nova cidade"),
    "olist_products_dataset.csv": ("product_photos_qty", "9"),
    "olist_sellers_dataset.csv": ("seller_city", "nova sede"),
}


def write_batches(dvkit: Path, scale: float, seed: int, change_rate: float, out: Path) -> None:
    """Write ``out/batch_000`` with ``dvkit synth`` and ``out/batch_001`` with the changed rows."""
    snapshot = out / "batch_000"
    subprocess.run([str(dvkit), "synth", "--scale", str(scale), "--seed", str(seed), "--out", str(snapshot)],
                   check=True, capture_output=True, text=True)
    changes = out / "batch_001"
    if changes.exists():
        shutil.rmtree(changes)
    changes.mkdir(parents=True)
    step = max(1, round(1 / change_rate))
    for name, (column, value) in CHANGES.items():
        with (snapshot / name).open(newline="", encoding="utf-8") as source, \
                (changes / name).open("w", newline="", encoding="utf-8") as target:
            reader = csv.reader(source)
            writer = csv.writer(target, quoting=csv.QUOTE_MINIMAL)
            header = next(reader)
            writer.writerow(header)
            where = header.index(column)
            for number, row in enumerate(reader):
                if number % step == 0:
                    row[where] = value
                    writer.writerow(row)
