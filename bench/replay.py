"""Benchmark: replay the Olist snapshot and build the raw vault; print wall times.

    python -m bench.replay --period month --compare-per-batch
    python -m bench.replay --period day

Each run uses a new database on a private embedded server (removed afterwards). Figures:
loading time per batch (median, max), the build of all pending batches in one dbt run, the total;
with --compare-per-batch, the same replay built with one dbt run per batch, for comparison.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from generator.build import build
from generator.db import Database, EmbeddedServer, ensure_database
from generator.load.replay import load_replay
from generator.load.replay_rules import RULES_FILE, read_rules
from generator.spec.validate import load_spec

REPO = Path(__file__).resolve().parent.parent


def _run(server: Database, period: str, data: Path, per_batch: bool) -> dict[str, Any]:
    name = f"bench_{uuid.uuid4().hex[:8]}"
    ensure_database(server, name)
    db = Database(**{**server.__dict__, "dbname": name})
    spec = load_spec(REPO / "vault_spec", REPO).spec
    assert spec is not None
    started = time.monotonic()
    steps = load_replay(db, spec, data, period, rules=read_rules(REPO / RULES_FILE))
    loaded = time.monotonic()
    built = build(REPO, db, spec, mode="builtin", per_batch=per_batch)
    finished = time.monotonic()
    loads = [s.seconds for s in steps]
    build_s = finished - loaded
    if per_batch:  # each batch: its load and its own dbt run
        per = [load + run for load, run in zip(loads, built.run_seconds, strict=True)]
    else:  # each batch: its load and its share of the one dbt run
        per = [load + build_s / len(steps) for load in loads]
    return {
        "period": period,
        "dbt_runs": len(steps) if per_batch else 1,
        "batches": len(steps),
        "rows_landed": sum(sum(s.result.rows.values()) for s in steps),
        "vault_rows": sum(n for _, n in built.row_counts),
        "load_per_batch_median_s": round(statistics.median(loads), 3),
        "load_per_batch_max_s": round(max(loads), 3),
        "load_total_s": round(loaded - started, 2),
        "build_s": round(build_s, 2),
        "build_per_batch_s": round(build_s / len(steps), 3),
        "total_s": round(finished - started, 2),
        "wall_per_batch_median_s": round(statistics.median(per), 3),
        "wall_per_batch_max_s": round(max(per), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--period", choices=["day", "week", "month"], default="month")
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "olist")
    parser.add_argument("--compare-per-batch", action="store_true",
                        help="also build the same replay with one dbt run per batch")
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="dvkit-bench-", dir="/tmp"))
    server = EmbeddedServer(data_dir / "pg", dbname="postgres")
    admin = server.start()
    results = []
    try:
        results.append(_run(admin, args.period, args.data, per_batch=False))
        if args.compare_per_batch:
            results.append(_run(admin, args.period, args.data, per_batch=True))
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
    keys = list(results[0])
    width = max(len(k) for k in keys)
    for key in keys:
        print(f"{key:<{width}}  " + "  ".join(f"{str(r[key]):>12}" for r in results))
    print(json.dumps(results))


if __name__ == "__main__":
    main()
