"""Shared fixtures: the repository paths, the Olist data and one embedded PostgreSQL per test session.

The tests that build the Olist vault run on the real Olist subset in ../shared/data/olist when it is
there, else on synthetic files of the same format and about the same size (``dvkit synth``), so a
clone without ../shared runs them too. Only tests that compare with the real data itself, or with
the released AutomateDV in ../shared/reference, skip without them; the run lists each skip's reason.
``DVKIT_TEST_SYNTHETIC=1`` uses the synthetic files even where the real ones are present.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.db import Database, EmbeddedServer, ensure_database, from_url
from generator.load.reader import find_file
from generator.load.replay_rules import read_rules

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
OLIST_DATA = SHARED / "data" / "olist"
# How the Olist snapshot is replayed by period (the project's own rules file).
OLIST_RULES = read_rules(REPO / "replay_rules.yml")
HASH_VECTORS = SHARED / "reference" / "hash_vectors.json"
# The released AutomateDV and dbt_utils, as the dbt hub delivers them: the oracle of the parity tests.
RELEASED_PACKAGES = SHARED / "reference" / "dbt_packages"

SYNTHETIC = os.environ.get("DVKIT_TEST_SYNTHETIC", "") not in ("", "0")
REAL_OLIST = not SYNTHETIC and find_file(OLIST_DATA, "olist_orders_dataset.csv") is not None
# For the few tests whose expectations are facts of the real subset (its row counts, its bad lines).
needs_real_olist = pytest.mark.skipif(not REAL_OLIST, reason="compares with the real Olist subset in "
                                      "../shared/data/olist (absent, or DVKIT_TEST_SYNTHETIC is set)")
# The synthetic stand-in: the real subset holds about 6,900 orders, scale 0.07 about 7,000.
SYNTHETIC_SCALE = 0.07


@functools.cache
def olist_data() -> Path:
    """The Olist files the vault tests load: the real subset, or synthetic files made once per run.

    A function rather than a fixture because module-level helpers of the tests read the files too.
    """
    if REAL_OLIST:
        return OLIST_DATA
    from olist_example.synth import generate

    folder = Path(tempfile.mkdtemp(prefix="dvkit-olist-synthetic-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    generate(SYNTHETIC_SCALE, folder, seed=42, gzip=True)
    return folder


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """An embedded server for the whole session (or the external one in DVKIT_TEST_DATABASE_URL)."""
    external = os.environ.get("DVKIT_TEST_DATABASE_URL")
    if external:
        yield from_url(external)
        return
    # A short path: unix socket paths are limited to about 100 bytes.
    data_dir = Path("/tmp") / f"dvkit-test-{uuid.uuid4().hex[:8]}"
    server = EmbeddedServer(data_dir, dbname="postgres")
    admin = server.start()
    try:
        yield admin
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture()
def fresh_db(pg_server: Database) -> Database:
    """A new, empty UTF-8 database on the session's server."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    ensure_database(pg_server, name)
    return Database(**{**pg_server.__dict__, "dbname": name})
