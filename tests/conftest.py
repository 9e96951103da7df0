"""Shared fixtures: the repository paths and one embedded PostgreSQL per test session."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.db import Database, EmbeddedServer, ensure_database, from_url
from generator.load.replay_rules import read_rules

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
OLIST_DATA = SHARED / "data" / "olist"
# How the Olist snapshot is replayed by period (the project's own rules file).
OLIST_RULES = read_rules(REPO / "replay_rules.yml")
HASH_VECTORS = SHARED / "reference" / "hash_vectors.json"
# The released AutomateDV and dbt_utils, as the dbt hub delivers them: the oracle of the parity tests.
RELEASED_PACKAGES = SHARED / "reference" / "dbt_packages"


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
