"""Server-side binding on the filing path (haiquan.core.prepared) and the prepare threshold."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection

from haiquan.config.settings.databases import databases_from_env
from haiquan.core.prepared import server_binding

SQLITE = Path("/tmp/x.sqlite3")
PG = "postgres://hq@db:5432/haiquan"


def test_postgresql_prepares_after_five_runs_unless_told_otherwise():
    options = databases_from_env({"DATABASE_URL": PG}, SQLITE)["default"]["OPTIONS"]
    assert options["prepare_threshold"] == 5
    off = {"DATABASE_URL": PG, "HAIQUAN_DB_PREPARE_THRESHOLD": "off"}
    assert databases_from_env(off, SQLITE)["default"]["OPTIONS"]["prepare_threshold"] is None
    assert "prepare_threshold" not in databases_from_env({}, SQLITE)["default"]["OPTIONS"]


@pytest.mark.django_db
def test_statements_are_prepared_inside_the_block_only():
    if connection.vendor != "postgresql":
        with server_binding(), connection.cursor() as cur:  # nothing changes on SQLite
            cur.execute("SELECT %s", [1])
            assert cur.fetchone() == (1,)
        return
    connection.ensure_connection()
    raw = connection.connection
    threshold, before = raw.prepare_threshold, raw.cursor_factory
    raw.prepare_threshold = 2
    try:
        _prepared_inside_only(raw)
    finally:
        raw.prepare_threshold = threshold
        with connection.cursor() as cur:  # the next tests start without them
            cur.execute("DEALLOCATE ALL")
    assert raw.cursor_factory is before


def _prepared_inside_only(raw: object) -> None:
    sql = "SELECT count(*) FROM django_content_type WHERE app_label = %s"

    def prepared() -> int:
        with connection.cursor() as cur:
            cur.execute("SELECT count(*) FROM pg_prepared_statements")
            return int(cur.fetchone()[0])

    for _ in range(4):  # client-side binding (Django's default): never prepared
        with connection.cursor() as cur:
            cur.execute(sql, ["clearance"])
    assert prepared() == 0
    with server_binding():
        for _ in range(4):
            with connection.cursor() as cur:
                cur.execute(sql, ["clearance"])
                assert cur.fetchone()[0] > 0
        assert prepared() == 1
