"""The embedded server runs with the settings dvkit gives it (generator.db.EMBEDDED_SETTINGS)."""

from __future__ import annotations

import os

import pytest

from generator.db import EMBEDDED_SETTINGS, Database

pytestmark = pytest.mark.db


@pytest.mark.skipif(bool(os.environ.get("DVKIT_TEST_DATABASE_URL")), reason="an external server keeps its own")
def test_embedded_server_is_configured(pg_server: Database) -> None:
    with pg_server.connect() as conn:
        shown = {name: str(conn.execute("select current_setting(%s)", (name,)).fetchone()[0])
                 for name in EMBEDDED_SETTINGS}
    assert shown == EMBEDDED_SETTINGS  # restart-only ones included (shared_buffers, wal_level)
