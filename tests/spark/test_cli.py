"""`dvkit build --target spark` and `dvkit spark status|sql|reset`, run as a user runs them.

Each command is a process of its own, as on the command line: `dvkit spark reset` deletes the
catalog that a running Spark session holds open, which only a new process can start afresh.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from generator.db import URL_ENV, Database, ensure_database
from generator.render.plan import plan
from generator.render.writer import write
from generator.spec.validate import load_spec

from ..conftest import REPO
from ..integration.project import make_project
from .items import deliver_items

pytest.importorskip("pyspark")
pytestmark = [pytest.mark.db, pytest.mark.dbt, pytest.mark.spark]

SPEC = """\
    sources:
      - name: items
        file: items.csv
        columns:
          item_id: text
          note: text
          price: numeric
    hubs:
      - name: item
        business_key: item_id
        sources: [{source: items}]
    satellites:
      - name: item_details
        parent: item
        source: items
        payload: [note]
    """
FIRST = "item_id,note,price\na,first,1.50\nb,second,2\nc,third,\n"
SECOND = "item_id,note,price\na,changed,1.75\nd,fourth,4\n"
JOINED = "from raw_vault.sat_item_details sat join raw_vault.hub_item hub using (item_hk)"


def test_build_status_query_and_reset_from_the_command_line(pg_server: Database, tmp_path: Path) -> None:
    db = Database(**{**pg_server.__dict__, "dbname": "spark_cli"})
    ensure_database(pg_server, db.dbname)
    root, spec = make_project(tmp_path / "p", {"items.yml": SPEC})
    env = {**os.environ, URL_ENV: db.conninfo(),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}

    def dvkit(*args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([sys.executable, "-m", "generator.cli", "--project", str(root), *args], env=env,
                              capture_output=True, text=True, check=False, cwd=root, timeout=600)
        assert "Traceback" not in done.stderr, done.stderr
        return done

    assert "no Spark tables yet" in dvkit("spark", "status").stdout
    deliver_items(root, db, spec, "b1", FIRST, dt.datetime(2021, 1, 31))
    built = dvkit("build", "--target", "spark")
    assert built.returncode == 0, built.stdout + built.stderr
    assert "built batches 1..1 on Spark" in built.stdout and "hub_item" in built.stdout

    status = dvkit("spark", "status")
    assert "batches copied from landing: 1" in status.stdout and "built up to batch 1" in status.stdout
    assert "raw_vault.sat_item_details" in status.stdout
    query = dvkit("spark", "sql", f"select item_id, note {JOINED} order by item_id")
    assert query.stdout.splitlines() == ["item_id\tnote", "a\tfirst", "b\tsecond", "c\tthird"]
    wrong = dvkit("spark", "sql", "select item_id from raw_vault.sat_item_details")
    assert wrong.returncode == 1 and "Spark could not run the query" in wrong.stderr and "item_id" in wrong.stderr
    assert "nothing to do" in dvkit("build", "--target", "spark").stdout
    refused = dvkit("build", "--target", "spark", "--per-batch")
    assert refused.returncode == 1 and "go with the postgres target" in refused.stderr

    # A spec change: the vault on Spark, which only appends, must be built again whole.
    (root / "vault_spec" / "items.yml").write_text(
        (root / "vault_spec" / "items.yml").read_text(encoding="utf-8").replace("payload: [note]",
                                                                               "payload: [note, price]"),
        encoding="utf-8")
    changed = load_spec(root / "vault_spec", root).spec
    assert changed is not None
    write(plan(changed), root)
    deliver_items(root, db, changed, "b2", SECOND, dt.datetime(2021, 2, 28))
    refused = dvkit("build", "--target", "spark")
    assert refused.returncode == 1 and "generated models changed" in refused.stderr
    assert "dvkit spark reset" in refused.stderr

    assert "deleted the local Spark tables" in dvkit("spark", "reset", "--yes").stdout
    assert "no Spark tables yet" in dvkit("spark", "status").stdout
