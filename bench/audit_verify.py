"""Benchmark: append N rows to the audit log, one transaction each, then time ``dvkit audit verify``'s check.

    python -m bench.audit_verify --rows 10000
    python -m bench.audit_verify --replay ../shared/data/olist   # the log of a monthly replay instead

Each row has the summary of a load of the Olist files (nine files, each with its SHA-256 and
counts), the largest kind of row. With ``--replay DATA`` the log is instead the one a monthly
replay of the Olist files in DATA writes (one load row per batch; the raw vault is not built).
The database is new, on a private embedded server removed afterwards (or on DVKIT_DATABASE_URL's
server when set). Prints the append and verify times.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from generator.compliance import audit
from generator.db import URL_ENV, Database, EmbeddedServer, ensure_database, from_url

FILES = ("customers", "geolocation", "order_items", "order_payments", "order_reviews", "orders", "products",
         "sellers", "product_category_name_translation")


def load_summary(number: int) -> dict[str, Any]:
    """A load's summary as ``landing.load_summary`` writes it, for batch ``number``."""
    files = [{"source": name, "file": f"olist_{name}_dataset.csv", "rows_read": 1000 + number,
              "rows_loaded": 1000 + number, "rows_quarantined": 0,
              "sha256": hashlib.sha256(f"{name}{number}".encode()).hexdigest()} for name in FILES]
    return {"outcome": "loaded", "batch_id": number, "load_ts": "2017-01-31T23:59:59", "origin": "olist",
            "rows_loaded": 9 * (1000 + number), "rows_quarantined": 0, "files": files}


def run(db: Database, rows: int) -> dict[str, float]:
    started = time.monotonic()
    with db.connect() as conn:
        for number in range(1, rows + 1):
            audit.append(conn, "load", load_summary(number))
    appended = time.monotonic()
    with db.connect() as conn:
        verdict = audit.verify(conn)
    verified = time.monotonic()
    assert verdict.intact and verdict.rows == rows, verdict
    return {"rows": rows, "append_s": round(appended - started, 2),
            "append_ms_per_row": round((appended - started) * 1000 / rows, 2),
            "verify_s": round(verified - appended, 2)}


def run_replay(db: Database, data: Path) -> dict[str, float]:
    from generator.load.replay import load_replay
    from generator.load.replay_rules import RULES_FILE, read_rules
    from generator.spec.validate import load_spec

    repo = Path(__file__).resolve().parent.parent
    spec = load_spec(repo / "vault_spec", repo).spec
    assert spec is not None
    started = time.monotonic()
    steps = load_replay(db, spec, data, "month", rules=read_rules(repo / RULES_FILE))
    loaded = time.monotonic()
    with db.connect() as conn:
        verdict = audit.verify(conn)
    verified = time.monotonic()
    assert verdict.intact, verdict
    return {"batches": len(steps), "rows": verdict.rows, "replay_s": round(loaded - started, 2),
            "verify_s": round(verified - loaded, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--replay", type=Path, default=None, help="replay this Olist folder by month instead")
    args = parser.parse_args()
    url = os.environ.get(URL_ENV)
    folder = None if url else Path(tempfile.mkdtemp(prefix="dvkit-bench-", dir="/tmp"))
    server = EmbeddedServer(folder / "pg", dbname="postgres") if folder else None
    admin = server.start() if server else from_url(url or "")
    try:
        name = f"bench_audit_{uuid.uuid4().hex[:8]}"
        ensure_database(admin, name)
        db = Database(**{**admin.__dict__, "dbname": name})
        print(run_replay(db, args.replay) if args.replay else run(db, args.rows))
    finally:
        if server and folder:
            server.stop()
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
