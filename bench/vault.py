"""Benchmark: the raw vault build against its lower bound, the incremental 1% batch, memory and size.

    python -m bench.vault                  # scale factors 0.1, 1 and 5 (BENCH_SCALES="0.1 1" for fewer)
    make bench

For each scale factor, on a private embedded server in ``.dvkit/bench/pgdata`` (a database per scale
factor, dropped and made again on every run; the user's own database is never touched):

1. synthetic Olist with ``dvkit synth --scale SF --seed 1 --batches 1 --change-rate 0.01``, cached in
   ``.dvkit/bench/data/`` per scale factor and seed (a rerun skips it);
2. ``batch_000`` (the snapshot) is loaded into landing: ``rows_loaded``;
3. the first raw vault build, as ``dvkit build`` runs it (one in-process ``dbt build`` of staging and
   the raw vault, data tests included; the business vault and marts are left out): ``full_build_s``;
4. ``bench/lower_bound.sql``, the same tables written by hand, on the same landing rows:
   ``lower_bound_s`` (its schema is dropped again before the next step);
5. ``batch_001`` (~1% of customers, products and sellers changed) is loaded and built incrementally:
   ``incremental_1pct_s``;
6. ``peak_rss_mb``: the peak resident memory of the process that loads and runs dbt in-process (each
   scale factor runs in a process of its own; PostgreSQL's server processes are not counted);
   ``db_size_mb``: ``pg_database_size`` at the end (landing, staging views and raw vault).

Between timed steps the database is vacuumed and analysed (untimed), so that autovacuum does not
start in the middle of a timed step. Results go to ``bench/results.json`` and a table is printed.
Wall times are noisy on a shared machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
BENCH_DIR = REPO / ".dvkit" / "bench"
RESULTS = REPO / "bench" / "results.json"
LOWER_BOUND_SQL = REPO / "bench" / "lower_bound.sql"
DBT_RESULTS = Path("dbt_vault") / "target" / "run_results.json"
DEFAULT_SCALES = (0.1, 1.0, 5.0)
SEED = 1
CHANGE_RATE = 0.01
SNAPSHOT_LOAD_TIME = dt.datetime(2018, 10, 1)
CHANGES_LOAD_TIME = dt.datetime(2018, 10, 2)
FIELDS = ("scale_factor", "rows_loaded", "full_build_s", "lower_bound_s", "ratio_full_to_lower_bound",
          "incremental_1pct_s", "ratio_incremental_to_full", "peak_rss_mb", "db_size_mb")


def _dvkit() -> Path:
    return Path(sys.executable).parent / "dvkit"


def data_dir(scale: float, seed: int = SEED) -> Path:
    """The synthetic data of one scale factor, generated once and kept for later runs."""
    folder = BENCH_DIR / "data" / f"sf{scale:g}-seed{seed}"
    done = folder / ".complete"
    if done.exists() and done.read_text() == _generator_digest():
        return folder
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    print(f"  generating synthetic Olist at scale {scale:g} into {folder.relative_to(REPO)}", file=sys.stderr)
    command = [str(_dvkit()), "synth", "--scale", str(scale), "--seed", str(seed), "--batches", "1",
               "--change-rate", str(CHANGE_RATE), "--out", str(folder)]
    done_run = subprocess.run(command, capture_output=True, text=True, check=False)
    if done_run.returncode != 0:
        raise SystemExit(f"dvkit synth failed:\n{done_run.stderr}")
    done.write_text(_generator_digest())
    return folder


def _generator_digest() -> str:
    """The synthetic generator's code: data cached by another version of it is generated again."""
    digest = hashlib.sha256()
    for path in sorted((REPO / "generator" / "synth").glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def bench_server():  # type: ignore[no-untyped-def]
    from generator.db import EmbeddedServer

    return EmbeddedServer(BENCH_DIR / "pgdata", dbname="postgres")


def fresh_database(admin: Any, name: str) -> Any:
    """Drop and make again the database of one scale factor."""
    from psycopg import sql

    from generator.db import Database, ensure_database

    with admin.connect(autocommit=True) as conn:
        conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))
    ensure_database(admin, name)
    return Database(**{**admin.__dict__, "dbname": name})


def raw_vault_build(db: Any, spec: Any) -> tuple[float, dict[str, float]]:
    """Build the pending batches as `dvkit build` does, without the business vault; return the wall
    time of the dbt run and each model's own time."""
    from generator.build import build

    result = build(REPO, db, spec, "builtin", progress=lambda line: print(f"    {line}", file=sys.stderr),
                   business_vault=False)
    return result.run_seconds[0], _node_seconds()


def _node_seconds() -> dict[str, float]:
    """Each model's own time in the last dbt run (dbt's run_results.json); data tests summed up."""
    path = REPO / DBT_RESULTS
    results = json.loads(path.read_text(encoding="utf-8"))["results"] if path.exists() else []
    seconds: dict[str, float] = {"(data tests)": 0.0}
    for node in results:
        unique_id = node["unique_id"]
        if unique_id.startswith("test."):
            seconds["(data tests)"] += float(node["execution_time"])
        else:
            seconds[unique_id.rsplit(".", 1)[-1]] = float(node["execution_time"])
    return seconds


def settle(db: Any) -> None:
    """VACUUM ANALYZE the database between timed steps (untimed): else autovacuum starts on the tables
    the step before wrote, at a moment of its choosing, and competes with the step being timed."""
    with db.connect(autocommit=True) as conn:
        conn.execute("vacuum (analyze)")


def lower_bound(db: Any) -> float:
    """Run the hand-written script; return its wall time."""
    script = LOWER_BOUND_SQL.read_text(encoding="utf-8")
    with db.connect(autocommit=True) as conn:
        started = time.perf_counter()
        conn.execute(script)  # type: ignore[arg-type]  (a fixed script, no parameters)
        return time.perf_counter() - started


def one_scale(scale: float) -> dict[str, Any]:
    """Every figure of one scale factor (run in a process of its own, for its peak memory)."""
    from generator.load.landing import load_batch
    from generator.spec.validate import load_spec

    data = data_dir(scale)
    admin = bench_server().start()
    db = fresh_database(admin, f"bench_sf{scale:g}".replace(".", "_"))
    spec = load_spec(REPO / "vault_spec", REPO).spec
    assert spec is not None
    log = lambda text: print(f"  sf {scale:g}: {text}", file=sys.stderr)  # noqa: E731

    started = time.perf_counter()
    loaded = load_batch(db, spec, data / "batch_000", SNAPSHOT_LOAD_TIME)
    load_s = time.perf_counter() - started
    rows = sum(loaded.rows.values())
    log(f"loaded {rows:,} rows in {load_s:.1f}s; full build")
    settle(db)
    full_s, full_models = raw_vault_build(db, spec)
    log(f"full build {full_s:.1f}s; lower bound")
    settle(db)
    bound_s = lower_bound(db)
    with db.connect(autocommit=True) as conn:
        conn.execute("drop schema lower_bound cascade")
    log(f"lower bound {bound_s:.1f}s; incremental batch")
    started = time.perf_counter()
    changes = load_batch(db, spec, data / "batch_001", CHANGES_LOAD_TIME)
    changes_load_s = time.perf_counter() - started
    settle(db)
    incremental_s, incremental_models = raw_vault_build(db, spec)
    log(f"incremental {incremental_s:.1f}s")
    with db.connect() as conn:
        size = conn.execute("select pg_database_size(current_database())").fetchone()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    result = {
        "scale_factor": scale,
        "rows_loaded": rows,
        "full_build_s": round(full_s, 2),
        "lower_bound_s": round(bound_s, 2),
        "ratio_full_to_lower_bound": round(full_s / bound_s, 2),
        "incremental_1pct_s": round(incremental_s, 2),
        "ratio_incremental_to_full": round(incremental_s / full_s, 3),
        "peak_rss_mb": round(peak_kb / 1024, 1),
        "db_size_mb": round(int(size[0]) / 2**20, 1) if size else None,
    }
    detail = {
        "load_snapshot_s": round(load_s, 2),
        "rows_loaded_incremental": sum(changes.rows.values()),
        "load_incremental_s": round(changes_load_s, 2),
        "full_build_node_time_s": round(sum(full_models.values()), 2),  # summed over dbt's threads
        "full_build_nodes_s": _slowest(full_models),
        "incremental_node_time_s": round(sum(incremental_models.values()), 2),
        "incremental_nodes_s": _slowest(incremental_models),
    }
    return {"result": result, "detail": detail}


def _slowest(seconds: dict[str, float], count: int = 8) -> dict[str, float]:
    """The slowest nodes (data tests as one), slowest first."""
    ranked = sorted(seconds.items(), key=lambda item: (-item[1], item[0]))[:count]
    return {name: round(value, 2) for name, value in ranked}


def machine(admin: Any) -> dict[str, Any]:
    with admin.connect() as conn:
        version = conn.execute("show server_version").fetchone()
    pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    return {"cores": os.cpu_count(), "memory_gb": round(pages / 2**30, 1),
            "postgresql": str(version[0]) if version else "?", "python": platform.python_version()}


def print_table(results: list[dict[str, Any]]) -> None:
    width = max(len(f) for f in FIELDS)
    for field in FIELDS:
        print(f"{field:<{width}}  " + "  ".join(f"{str(r[field]):>12}" for r in results))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("scales", nargs="*", type=float,
                        help="scale factors (default: $BENCH_SCALES, else 0.1 1 5)")
    parser.add_argument("--one", type=float, help=argparse.SUPPRESS)  # internal: one scale factor, as JSON
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(one_scale(args.one)))
        return
    scales = args.scales or [float(s) for s in os.environ.get("BENCH_SCALES", "").split()] or list(DEFAULT_SCALES)

    from bench.spec1000 import measure

    spec_s, entities, _ = measure()
    print(f"validate + generate of {entities} entities: {spec_s:.2f}s", file=sys.stderr)
    server = bench_server()
    admin = server.start()
    results, details = [], {}
    try:
        for scale in scales:
            print(f"scale factor {scale:g}", file=sys.stderr)
            done = subprocess.run([sys.executable, "-m", "bench.vault", "--one", str(scale)], cwd=REPO,
                                  stdout=subprocess.PIPE, text=True, check=False)
            if done.returncode != 0:
                raise SystemExit(f"the benchmark of scale factor {scale:g} failed (exit {done.returncode})")
            figures = json.loads(done.stdout.strip().splitlines()[-1])
            results.append(figures["result"])
            details[f"{scale:g}"] = figures["detail"]
        info = machine(admin)
    finally:
        server.stop()
    document = {
        "generate_1000_entities_s": round(spec_s, 2),
        "machine": info,
        "measured": dt.date.today().isoformat(),
        "results": results,
        "details": details,
    }
    RESULTS.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print_table(results)
    print(f"generate_1000_entities_s  {spec_s:.2f}")
    print(f"written to {RESULTS.relative_to(REPO)}")


if __name__ == "__main__":
    main()
