"""Benchmark: the vault built on Spark (local mode) next to the same build on PostgreSQL.

    python -m bench.spark                  # scale factors 1 and 5 (BENCH_SPARK_SCALES="0.1" for a quick run)
    make bench-spark

For each scale factor and engine, in a process of its own (for its peak memory), on the synthetic
Olist data of ``bench.vault`` (the same seed and change rate, cached in ``.dvkit/bench/data/``) and a
database of its own on the benchmark's private embedded server:

1. a copy of the repository's project in ``.dvkit/bench/spark/<engine>`` (the spec, both dbt projects
   with the hand-written business vault and marts), its models generated;
2. ``batch_000`` (the snapshot) is loaded into landing in PostgreSQL: ``load_s``;
3. the first build, raw vault then business vault and marts with their data tests, as
   ``dvkit build`` and ``dvkit build --target spark`` run them: ``full_build_s``;
4. ``batch_001`` (~1% of customers, products and sellers changed) is loaded and built:
   ``incremental_1pct_s``;
5. ``peak_rss_mb``: the peak resident memory of the process (dbt runs in it); on Spark, plus the
   JVM's own peak (``VmHWM``), where local mode's work happens. PostgreSQL's server is not counted.

Where the time goes, per build: ``phases`` (on Spark: the session's start and the copy of landing
to Parquet, the raw vault's dbt build, the business vault's, the row counts; on PostgreSQL: the raw
vault's dbt run, and the rest) and the slowest dbt nodes (``run_results.json``). Results go into ``bench/results.json``
under ``"spark"`` (the other figures there are left as they are), and a table is printed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.vault import (
    BENCH_DIR,
    CHANGES_LOAD_TIME,
    PROJECT_TRANSIENT,
    REPO,
    RESULTS,
    SNAPSHOT_LOAD_TIME,
    _node_seconds,
    _slowest,
    bench_server,
    data_dir,
    fresh_database,
    machine,
    settle,
)

DEFAULT_SCALES = (1.0, 5.0)
ENGINES = ("postgres", "spark")
FIELDS = ("scale_factor", "engine", "rows_loaded", "load_s", "full_build_s", "incremental_1pct_s",
          "ratio_incremental_to_full", "peak_rss_mb")
BUSINESS_RESULTS = Path("business_vault") / "target" / "run_results.json"


def project(engine: str) -> Path:
    """A throwaway copy of the repository's project (spec, raw vault and business vault dbt projects)."""
    root = BENCH_DIR / "spark" / engine
    if root.exists():
        shutil.rmtree(root)
    shutil.copytree(REPO / "vault_spec", root / "vault_spec")
    for name in ("dbt_vault", "business_vault"):
        source = REPO / name
        shutil.copytree(source, root / name,
                        ignore=lambda folder, names, top=source: PROJECT_TRANSIENT & set(names)
                        if Path(folder) == top else set())
    from bench.vault import _generate

    _generate(root)
    return root


def _jvm_peak_mb(spark: Any) -> float:
    """The peak resident memory of the JVM that PySpark started (local mode: driver and executors)."""
    pid = spark.sparkContext._gateway.proc.pid  # the JVM is a child process of this one
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _build(engine: str, root: Path, db: Any, spec: Any) -> tuple[float, dict[str, float], dict[str, float]]:
    """One build on ``engine``: its wall time, its phases and its slowest dbt nodes (both projects)."""
    log = lambda line: print(f"    {line}", file=sys.stderr)  # noqa: E731
    started = time.perf_counter()
    if engine == "spark":
        from generator.spark.build import build_on_spark

        done = build_on_spark(root, db, spec, log=log, progress=log)
        phases = dict(done.phases)
    else:
        from generator.build import build

        result = build(root, db, spec, "builtin", log=log, progress=log)
        phases = {"raw vault": round(sum(result.run_seconds), 2)}  # its dbt runs
    seconds = time.perf_counter() - started
    if engine != "spark":  # the business vault's run, the plan, the lock and the row counts
        phases["business vault and marts, plan and counts"] = round(seconds - phases["raw vault"], 2)
    nodes = {**_node_seconds(root), **{f"{name} (business vault)": value for name, value in
                                       _node_seconds(root, BUSINESS_RESULTS).items()}}
    return seconds, phases, _slowest(nodes)


def one_run(scale: float, engine: str) -> dict[str, Any]:
    """Every figure of one scale factor on one engine."""
    from generator.load.landing import load_batch

    data = data_dir(scale)
    admin = bench_server().start()
    db = fresh_database(admin, f"bench_{engine}_sf{scale:g}".replace(".", "_"))
    root = project(engine)
    from bench.vault import _load_spec

    spec = _load_spec(root)
    if engine == "spark":
        from generator.spark.session import SparkPlaces

        SparkPlaces.of(root).remove()
    log = lambda text: print(f"  sf {scale:g} {engine}: {text}", file=sys.stderr)  # noqa: E731
    started = time.perf_counter()
    rows = sum(load_batch(db, spec, data / "batch_000", SNAPSHOT_LOAD_TIME).rows.values())
    load_s = time.perf_counter() - started
    settle(db)
    log(f"loaded {rows:,} rows in {load_s:.1f}s; full build")
    full_s, full_phases, full_nodes = _build(engine, root, db, spec)
    log(f"full build {full_s:.1f}s; incremental batch")
    load_batch(db, spec, data / "batch_001", CHANGES_LOAD_TIME)
    settle(db)
    incremental_s, incremental_phases, incremental_nodes = _build(engine, root, db, spec)
    log(f"incremental {incremental_s:.1f}s")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux
    detail: dict[str, Any] = {"python_peak_rss_mb": round(peak_mb, 1)}
    if engine == "spark":
        from generator.spark.session import SparkPlaces, local_session

        session = local_session(SparkPlaces.of(root))  # the build's session, still running
        jvm_mb = _jvm_peak_mb(session)
        detail["jvm_peak_rss_mb"] = round(jvm_mb, 1)
        peak_mb += jvm_mb
        session.stop()
    result = {
        "scale_factor": scale,
        "engine": engine,
        "rows_loaded": rows,
        "load_s": round(load_s, 2),
        "full_build_s": round(full_s, 2),
        "incremental_1pct_s": round(incremental_s, 2),
        "ratio_incremental_to_full": round(incremental_s / full_s, 3),
        "peak_rss_mb": round(peak_mb, 1),
    }
    detail.update({"full_build_phases_s": full_phases, "full_build_nodes_s": full_nodes,
                   "incremental_phases_s": incremental_phases, "incremental_nodes_s": incremental_nodes})
    return {"result": result, "detail": detail}


def print_table(results: list[dict[str, Any]]) -> None:
    width = max(len(f) for f in FIELDS)
    for field in FIELDS:
        print(f"{field:<{width}}  " + "  ".join(f"{results[n].get(field)!s:>12}" for n in range(len(results))))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("scales", nargs="*", type=float,
                        help="scale factors (default: $BENCH_SPARK_SCALES, else 1 5)")
    parser.add_argument("--one", type=float, help=argparse.SUPPRESS)  # internal: one run, as JSON
    parser.add_argument("--engine", choices=ENGINES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(one_run(args.one, args.engine)))
        return
    scales = (args.scales or [float(s) for s in os.environ.get("BENCH_SPARK_SCALES", "").split()]
              or list(DEFAULT_SCALES))
    server = bench_server()
    admin = server.start()
    results, details = [], {}
    try:
        for scale in scales:
            for engine in ENGINES:
                print(f"scale factor {scale:g} on {engine}", file=sys.stderr)
                done = subprocess.run([sys.executable, "-m", "bench.spark", "--one", str(scale), "--engine", engine],
                                      cwd=REPO, stdout=subprocess.PIPE, text=True, check=False)
                if done.returncode != 0:
                    raise SystemExit(f"the benchmark of scale factor {scale:g} on {engine} failed "
                                     f"(exit {done.returncode})")
                figures = json.loads(done.stdout.strip().splitlines()[-1])
                results.append(figures["result"])
                details[f"{scale:g} {engine}"] = figures["detail"]
        info = machine(admin)
    finally:
        server.stop()
    document = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else {}
    document["spark"] = {"machine": info, "measured": dt.date.today().isoformat(), "mode": "local[*]",
                         "results": results, "details": details}
    RESULTS.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print_table(results)
    print(f"written to {RESULTS.relative_to(REPO)} (under \"spark\")")


if __name__ == "__main__":
    main()
