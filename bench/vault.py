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
   ``db_size_mb``: ``pg_database_size`` at the end (landing, staging views and raw vault);
7. AutomateDV's released package (0.11.5 with dbt_utils 1.4.1, from ``../shared/reference/dbt_packages``
   beside the repository) on the same landing rows: a copy of the database made from the loaded
   snapshot (``create database ... template``) before any build, and a copy of ``dbt_vault`` in
   ``.dvkit/bench/release`` with the release in its ``dbt_packages/``. Its first raw vault build
   (``release_full_build_s``) and, after ``batch_001`` is loaded into the copy too, its incremental
   build (``release_incremental_1pct_s``), each against the built-in's figure. Without the release
   folder these figures are left empty and the output says why;
8. ``incremental_models_run``: how many of the spec's ``vault_tables`` raw vault tables the
   incremental build of step 5 ran dbt for (dbt's run_results.json; tables the batch brings no rows
   are not run);
9. a project of the raw vault alone is copied to ``.dvkit/bench/evolved`` (the spec, ``dbt_vault`` with
   dbt's ``target/``, so that dbt parses only what changes, as in the user's own project).
   ``noop_build_s``: ``dvkit build --automate-dv builtin`` run there as the user runs it, the CLI in a
   process of its own, when every table is up to date (the median of three runs after an untimed one
   that caches Python's bytecode, as an installed dvkit has it; a no-op build starts no dbt);
10. a satellite (``sat_order_shipping``, two of the orders' columns on the order hub) is added to
   that copy's spec, the models are generated again, and the build that backfills it from every
   landed batch is timed as in step 3: ``backfill_new_satellite_s``. Against a full build with the
   new spec, from the same two landed batches, on a copy of the database made (like step 7's) from the
   loaded snapshot (dropped again afterwards): ``backfill_share_of_full_build`` divides the backfill by
   that satellite's own dbt node time in that full build (run_results.json; above 1 is the backfill's
   cost beyond the table's own share: dbt's start-up, the staging views, the data tests), and
   ``ratio_backfill_to_full`` divides it by ``full_build_s``.

Both first builds normally include dbt's full parse of their project: dbt parses again whenever its
connection profile changes, every scale factor connects to a database of its own, and the release's
project is new on every run. Between timed steps the database is vacuumed and analysed (untimed), so
that autovacuum does not start in the middle of a timed step. Results go to ``bench/results.json``
and a table is printed. Wall times are noisy on a shared machine.
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
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
BENCH_DIR = REPO / ".dvkit" / "bench"
RESULTS = REPO / "bench" / "results.json"
LOWER_BOUND_SQL = REPO / "bench" / "lower_bound.sql"
DBT_RESULTS = Path("dbt_vault") / "target" / "run_results.json"
# The released packages, beside the repository; only ever copied into a throwaway project.
RELEASED_PACKAGES = REPO.parent / "shared" / "reference" / "dbt_packages"
RELEASE_PACKAGES = ("automate_dv", "dbt_utils")
RELEASE_PROJECT = BENCH_DIR / "release"
PROJECT_TRANSIENT = {"target", "logs", "dbt_packages"}  # dbt's own output and installed packages
EVOLVED_PROJECT = BENCH_DIR / "evolved"
NEW_SATELLITE = """  - name: order_shipping
    description: When the order reached the carrier and the customer (added by the benchmark).
    parent: order
    source: orders
    payload: [order_delivered_carrier_date, order_delivered_customer_date]

"""
NEW_SATELLITE_BEFORE = "multi_active_satellites:"  # the new satellite ends the list of plain satellites
NEW_SATELLITE_MODEL = "sat_order_shipping"
NOOP_RUNS = 3
DEFAULT_SCALES = (0.1, 1.0, 5.0)
SEED = 1
CHANGE_RATE = 0.01
SNAPSHOT_LOAD_TIME = dt.datetime(2018, 10, 1)
CHANGES_LOAD_TIME = dt.datetime(2018, 10, 2)
RELEASE_FIELDS = ("release_full_build_s", "ratio_release_to_builtin_full", "release_incremental_1pct_s",
                  "ratio_release_to_builtin_incremental")
FIELDS = ("scale_factor", "rows_loaded", "full_build_s", "lower_bound_s", "ratio_full_to_lower_bound",
          "incremental_1pct_s", "ratio_incremental_to_full", "incremental_models_run", "vault_tables",
          "peak_rss_mb", "db_size_mb", *RELEASE_FIELDS, "noop_build_s", "backfill_new_satellite_s",
          "backfill_share_of_full_build", "ratio_backfill_to_full")


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


def copy_database(admin: Any, source: Any, name: str) -> Any:
    """A copy of ``source`` (no session may be connected to it), made again on every run.

    ``file_copy`` checkpoints and copies the files instead of writing the whole database to the WAL,
    whose checkpoint would otherwise come later, inside a timed step."""
    from psycopg import sql

    from generator.db import Database

    with admin.connect(autocommit=True) as conn:
        conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("create database {} template {} strategy file_copy").format(
            sql.Identifier(name), sql.Identifier(source.dbname)))
    return Database(**{**admin.__dict__, "dbname": name})


def release_missing() -> str | None:
    """Why the released packages cannot be benchmarked; None when both are there."""
    for package in RELEASE_PACKAGES:
        if not (RELEASED_PACKAGES / package / "dbt_project.yml").exists():
            return f"no released {package} in ../shared/reference/dbt_packages/{package}"
    return None


def release_project() -> Path:
    """A throwaway copy of the dbt project with the released packages where `dbt deps` puts them:
    it never shares dbt_packages/ or target/ with the repository's project."""
    source = REPO / "dbt_vault"
    root = RELEASE_PROJECT
    if root.exists():
        shutil.rmtree(root)
    shutil.copytree(source, root / "dbt_vault",
                    ignore=lambda folder, names: PROJECT_TRANSIENT & set(names) if Path(folder) == source else set())
    for package in RELEASE_PACKAGES:
        shutil.copytree(RELEASED_PACKAGES / package, root / "dbt_vault" / "dbt_packages" / package)
    return root


def _load_spec(root: Path) -> Any:
    from generator.spec.validate import load_spec

    result = load_spec(root / "vault_spec", root)
    if result.spec is None:
        raise SystemExit("the spec does not validate:\n" + "\n".join(str(p) for p in result.problems))
    return result.spec


def _generate(root: Path) -> Any:
    """Validate the project's spec and write its models, as `dvkit generate` does; return the spec."""
    from generator.render.plan import plan
    from generator.render.writer import write

    spec = _load_spec(root)
    write(plan(spec), root)
    return spec


def evolved_project() -> Path:
    """A copy of the repository's spec and dbt project, without the business vault (the benchmark
    builds the raw vault alone). dbt's ``target/`` comes along: with its partial-parse state, the
    copy's first dbt run parses only the files a spec change touches, as in the user's own project."""
    source = REPO / "dbt_vault"
    root = EVOLVED_PROJECT
    if root.exists():
        shutil.rmtree(root)
    shutil.copytree(REPO / "vault_spec", root / "vault_spec")
    transient = PROJECT_TRANSIENT - {"target"}
    shutil.copytree(source, root / "dbt_vault",
                    ignore=lambda folder, names: transient & set(names) if Path(folder) == source else set())
    _generate(root)
    return root


def add_satellite(root: Path) -> Any:
    """Add ``NEW_SATELLITE`` to the project's spec and generate its models again; return the new spec."""
    path = root / "vault_spec" / "satellites.yml"
    text = path.read_text(encoding="utf-8")
    assert text.count(NEW_SATELLITE_BEFORE) == 1, f"{path} changed: put the benchmark's satellite elsewhere"
    path.write_text(text.replace(NEW_SATELLITE_BEFORE, NEW_SATELLITE + NEW_SATELLITE_BEFORE), encoding="utf-8")
    return _generate(root)


def noop_builds(project: Path, db: Any, runs: int = NOOP_RUNS) -> list[float]:
    """Wall times of `dvkit build` with nothing to do, run as the user runs it: the CLI in a process
    of its own (its imports, the spec's validation, the generated models' check, the plan).

    Python's bytecode is cached (in ``.dvkit/bench/pycache``, by an untimed first run), as in an
    installed dvkit, even where the environment says not to write it (PYTHONDONTWRITEBYTECODE):
    compiling the modules again on every run would add about 0.4 s that users do not pay."""
    from generator.db import URL_ENV

    env = {**os.environ, URL_ENV: db.display_url(),  # the bench's server has no password
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
           "PYTHONPYCACHEPREFIX": str(BENCH_DIR / "pycache")}
    for name in ("DVKIT_CRASH_AT", "PYTHONDONTWRITEBYTECODE"):
        env.pop(name, None)
    command = [sys.executable, "-m", "generator.cli", "--project", str(project), "build", "--automate-dv", "builtin"]
    seconds = []
    for _ in range(runs + 1):
        started = time.perf_counter()
        done = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, check=False)
        seconds.append(time.perf_counter() - started)
        if done.returncode != 0 or "nothing to do" not in done.stdout:
            raise SystemExit(f"dvkit build had something to do (exit {done.returncode}):\n{done.stdout}{done.stderr}")
    return seconds[1:]  # the first run wrote the bytecode


@dataclass
class Backfill:
    """The build that backfills the new satellite, and a full build with the new spec."""

    seconds: float
    models: dict[str, float]
    full_s: float
    full_models: dict[str, float]

    def figures(self, builtin_full_s: float) -> dict[str, float]:
        own = self.full_models[NEW_SATELLITE_MODEL]
        return {
            "backfill_new_satellite_s": round(self.seconds, 2),
            "backfill_share_of_full_build": round(self.seconds / own, 2),
            "ratio_backfill_to_full": round(self.seconds / builtin_full_s, 3),
        }

    def detail(self) -> dict[str, Any]:
        return {
            "backfill_node_time_s": round(sum(self.models.values()), 2),
            "backfill_nodes_s": _slowest(self.models),
            "full_build_new_spec_s": round(self.full_s, 2),
            "full_build_new_spec_satellite_s": round(self.full_models[NEW_SATELLITE_MODEL], 2),
        }


def backfill_builds(db: Any, full_db: Any, project: Path, data: Path, builtin_changes: dict[str, int],
                    log: Any) -> Backfill:
    """Add the satellite to ``project``'s spec and build ``db``, which holds the built vault (only the
    new satellite is pending); then build ``full_db``, the loaded snapshot, with the new spec from
    both landed batches."""
    from generator.errors import DvkitError
    from generator.load.landing import load_batch

    spec = add_satellite(project)
    settle(db)
    seconds, models = raw_vault_build(db, spec, project)
    ran = set(models) & set(spec.vault_models())
    if ran != {NEW_SATELLITE_MODEL}:
        raise DvkitError(f"the backfill ran {sorted(ran)}, not {NEW_SATELLITE_MODEL} alone")
    log(f"backfill of {NEW_SATELLITE_MODEL} {seconds:.1f}s; full build with the new spec")
    changes = load_batch(full_db, spec, data / "batch_001", CHANGES_LOAD_TIME)
    if changes.rows != builtin_changes:
        raise DvkitError(f"the change batch loaded {changes.rows} into the copy, not {builtin_changes}")
    settle(full_db)
    full_s, full_models = raw_vault_build(full_db, spec, project)
    log(f"full build with the new spec {full_s:.1f}s")
    return Backfill(seconds, models, full_s, full_models)


def drop_database(admin: Any, db: Any) -> None:
    from psycopg import sql

    with admin.connect(autocommit=True) as conn:
        conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(db.dbname)))


def raw_vault_build(db: Any, spec: Any, project: Path = REPO, mode: str = "builtin") -> tuple[float, dict[str, float]]:
    """Build the pending batches as `dvkit build` does, without the business vault; return the wall
    time of its dbt runs (one for the built-in; one per batch for the release) and each model's own
    time in the last run."""
    from generator.build import build

    result = build(project, db, spec, mode, progress=lambda line: print(f"    {line}", file=sys.stderr),
                   log=lambda line: print(f"    {line}", file=sys.stderr), business_vault=False)
    return sum(result.run_seconds), _node_seconds(project)


def _node_seconds(project: Path = REPO, results_file: Path = DBT_RESULTS) -> dict[str, float]:
    """Each model's own time in the last dbt run (dbt's run_results.json, of the raw vault's
    project unless ``results_file`` says another); data tests summed up."""
    path = project / results_file
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
    from generator.errors import DvkitError
    from generator.load.landing import load_batch
    from generator.spec.validate import load_spec

    data = data_dir(scale)
    admin = bench_server().start()
    name = f"bench_sf{scale:g}".replace(".", "_")
    db = fresh_database(admin, name)
    spec = load_spec(REPO / "vault_spec", REPO).spec
    assert spec is not None
    log = lambda text: print(f"  sf {scale:g}: {text}", file=sys.stderr)  # noqa: E731

    started = time.perf_counter()
    loaded = load_batch(db, spec, data / "batch_000", SNAPSHOT_LOAD_TIME)
    load_s = time.perf_counter() - started
    rows = sum(loaded.rows.values())
    settle(db)
    missing = release_missing()
    # Copied before any build, so that the release starts from the very same landing rows.
    release_db = None if missing else copy_database(admin, db, f"{name}_release")
    evolved_db = copy_database(admin, db, f"{name}_evolved")  # the new spec's full build starts from here
    log(f"loaded {rows:,} rows in {load_s:.1f}s; full build")
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
    vault_tables = spec.vault_models()
    incremental_run = len(set(incremental_models) & set(vault_tables))
    log(f"incremental {incremental_s:.1f}s, {incremental_run} of {len(vault_tables)} tables run")
    with db.connect() as conn:
        size = conn.execute("select pg_database_size(current_database())").fetchone()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux; the release's runs not counted
    result = {
        "scale_factor": scale,
        "rows_loaded": rows,
        "full_build_s": round(full_s, 2),
        "lower_bound_s": round(bound_s, 2),
        "ratio_full_to_lower_bound": round(full_s / bound_s, 2),
        "incremental_1pct_s": round(incremental_s, 2),
        "ratio_incremental_to_full": round(incremental_s / full_s, 3),
        "incremental_models_run": incremental_run,
        "vault_tables": len(vault_tables),
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
    if release_db is not None:
        settle(db)  # else autovacuum of the built-in's last writes may run during the release's builds
        try:
            release = release_builds(release_db, spec, data, changes.rows, log)
        except DvkitError as error:
            missing = f"the release's build failed: {error}"
        else:
            result.update(release.figures(full_s, incremental_s))
            detail.update(release.detail())
    if missing:
        log(f"no release figures: {missing}")
        result.update(dict.fromkeys(RELEASE_FIELDS))
        detail["release_missing"] = missing
    # Last, so that the figures above are measured as before; the peak memory above does not count these.
    project = evolved_project()
    noop = noop_builds(project, db)
    log(f"no-op build {statistics.median(noop):.2f}s; backfill of a new satellite")
    backfill = backfill_builds(db, evolved_db, project, data, changes.rows, log)
    drop_database(admin, evolved_db)  # as large as the vault: not kept
    result["noop_build_s"] = round(statistics.median(noop), 2)
    result.update(backfill.figures(full_s))
    detail["noop_builds_s"] = [round(t, 2) for t in noop]
    detail.update(backfill.detail())
    return {"result": result, "detail": detail}


@dataclass
class ReleaseBuilds:
    """The release's two timed builds and their models' own times."""

    full_s: float
    full_models: dict[str, float]
    incremental_s: float
    incremental_models: dict[str, float]

    def figures(self, builtin_full_s: float, builtin_incremental_s: float) -> dict[str, float]:
        return {
            "release_full_build_s": round(self.full_s, 2),
            "ratio_release_to_builtin_full": round(self.full_s / builtin_full_s, 2),
            "release_incremental_1pct_s": round(self.incremental_s, 2),
            "ratio_release_to_builtin_incremental": round(self.incremental_s / builtin_incremental_s, 2),
        }

    def detail(self) -> dict[str, Any]:
        return {
            "release_full_build_node_time_s": round(sum(self.full_models.values()), 2),
            "release_full_build_nodes_s": _slowest(self.full_models),
            "release_incremental_node_time_s": round(sum(self.incremental_models.values()), 2),
            "release_incremental_nodes_s": _slowest(self.incremental_models),
        }


def release_builds(db: Any, spec: Any, data: Path, builtin_changes: dict[str, int], log: Any) -> ReleaseBuilds:
    """The steps of the built-in's builds on the release's copy of the database (the lower bound
    aside): the snapshot's first build, then the change batch loaded and built."""
    from generator.errors import DvkitError
    from generator.load.landing import load_batch

    project = release_project()
    settle(db)
    full_s, full_models = raw_vault_build(db, spec, project, "hub")
    log(f"release full build {full_s:.1f}s; incremental batch")
    changes = load_batch(db, spec, data / "batch_001", CHANGES_LOAD_TIME)
    if changes.rows != builtin_changes:  # the same files at the same load time: the same rows
        raise DvkitError(f"the change batch loaded {changes.rows} into the release's copy, not {builtin_changes}")
    settle(db)
    incremental_s, incremental_models = raw_vault_build(db, spec, project, "hub")
    log(f"release incremental {incremental_s:.1f}s")
    return ReleaseBuilds(full_s, full_models, incremental_s, incremental_models)


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
        print(f"{field:<{width}}  " + "  ".join(f"{_cell(r.get(field)):>12}" for r in results))


def _cell(value: Any) -> str:
    return "-" if value is None else str(value)  # "-": a figure not measured (see the output's reasons)


def release_package() -> dict[str, str]:
    """Which release was measured, or why none was."""
    import yaml

    missing = release_missing()
    if missing:
        return {"missing": missing}
    project = yaml.safe_load((RELEASED_PACKAGES / "automate_dv" / "dbt_project.yml").read_text(encoding="utf-8"))
    return {"automate_dv": str(project.get("version", "?")),
            "source": "../shared/reference/dbt_packages (automate_dv, dbt_utils)"}


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
        "release": release_package(),
        "results": results,
        "details": details,
    }
    if RESULTS.exists():  # the Spark figures (bench.spark) are measured apart: kept as they are
        spark = json.loads(RESULTS.read_text(encoding="utf-8")).get("spark")
        if spark:
            document["spark"] = spark
    RESULTS.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print_table(results)
    print(f"generate_1000_entities_s  {spec_s:.2f}")
    for scale, detail in details.items():
        if "release_missing" in detail:
            print(f"release figures missing at scale factor {scale}: {detail['release_missing']}")
    print(f"written to {RESULTS.relative_to(REPO)}")


if __name__ == "__main__":
    main()
